using System.Text;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Validation;

/// <summary>
/// The property behind issue 11's 5,054 fuzzed requests: whatever a caller sends to any RPC of either service — long
/// strings, NUL, surrogates, bad JSON, extreme numbers and timestamps, bad zones, undefined enum numbers, random
/// bytes — the answer is never INTERNAL or UNKNOWN, its trailers stay under 8 KiB, a refusal writes nothing, and the
/// channel keeps working afterwards. Runs for a fixed time (CsCheck prints the seed of a failure to replay it).
/// </summary>
public sealed partial class HostileInputTests
{
    private const int SampleSeconds = 25;
    private const int MaxTrailerBytes = 8 * 1024;

    private sealed record HostileCall(string Rpc, string Shown, Func<Clients, Task<Outcome>> Invoke)
    {
        public override string ToString() => $"{Rpc}: {Shown}";
    }

    private sealed record Clients(WorkflowRuntimeService.WorkflowRuntimeServiceClient Runtime, MonitoringService.MonitoringServiceClient Monitoring,
        HttpClient Raw, int Port);

    private sealed record Outcome(StatusCode Code, int TrailerBytes, string Detail);

    [Fact]
    public async Task No_hostile_request_to_any_rpc_gets_internal_or_unknown_large_trailers_or_a_write()
    {
        var target = (await _client.DeployWorkflowAsync(Requests.Deploy("fuzz", Requests.Manual(), Requests.Webhook("fuzz/hook")))).Deployment;
        var clients = new Clients(fixture.Host.Runtime, fixture.Host.Monitoring, fixture.RawHttp2, fixture.Host.GrpcPort);
        var calls = 0;
        var codes = new Dictionary<StatusCode, int>();

        await AnyCall(target.WorkflowId).SampleAsync(async call =>
        {
            var before = await RowCountsAsync();
            var outcome = await call.Invoke(clients);
            calls++;
            codes[outcome.Code] = codes.GetValueOrDefault(outcome.Code) + 1;

            Assert.False(outcome.Code is StatusCode.Internal or StatusCode.Unknown, $"{call.Rpc} answered {outcome.Code}: {outcome.Detail}");
            Assert.True(outcome.TrailerBytes < MaxTrailerBytes, $"{call.Rpc} answered {outcome.TrailerBytes} bytes of trailers");
            if (outcome.Code != StatusCode.OK)
            {
                Assert.Equal(before, await RowCountsAsync());
            }
        }, writeLine: output.WriteLine, time: SampleSeconds, threads: 1);

        output.WriteLine($"{calls} hostile calls: {string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}");
        Assert.True(calls >= 100, $"only {calls} calls in {SampleSeconds} s");
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
        // The same channel still serves an ordinary call.
        var after = await _client.DeployWorkflowAsync(Requests.Deploy("fuzz", Requests.Manual()));
        Assert.Equal(DeploymentStatus.Deployed, after.Deployment.Status);
    }

    private static Gen<HostileCall> AnyCall(string knownWorkflowId)
    {
        var text = HostileText(knownWorkflowId);
        var json = HostileJson(text);
        var timestamp = HostileTimestamp();
        var trigger = HostileTrigger(text);
        var number = Gen.Frequency((4, Gen.Int[-5, 400]), (1, Gen.Int));
        var enumNumber = Gen.Int[-3, 12];
        var metadata = Gen.Dictionary(text, text)[0, 5];

        return Gen.Frequency(
            (3, Gen.Select(text, text, text, text, json, trigger.Array[0, 4], Gen.Select(enumNumber, number), (id, user, name, description, definition, triggers, config) =>
                Unary("DeployWorkflow", new DeployWorkflowRequest
                {
                    WorkflowId = id, UserId = user, Name = name, Description = description, WorkflowDefinition = definition, Triggers = { triggers },
                    Config = new DeploymentConfig { OverlapPolicy = (OverlapPolicy)config.Item1, ExecutionTimeoutSeconds = config.Item2 },
                }, (c, r) => c.Runtime.DeployWorkflowAsync(r)))),
            (2, Gen.Select(text, Gen.Long, Gen.Select(text.Null(), json.Null()), Gen.Bool, trigger.Array[0, 3], (id, version, optional, replace, triggers) =>
            {
                var request = new UpdateDeploymentRequest { WorkflowId = id, ExpectedVersion = version, ReplaceTriggers = replace, Triggers = { triggers } };
                if (optional.Item1 is { } name)
                {
                    request.Name = name;
                }

                if (optional.Item2 is { } definition)
                {
                    request.WorkflowDefinition = definition;
                }

                return Unary("UpdateDeployment", request, (c, r) => c.Runtime.UpdateDeploymentAsync(r));
            })),
            (1, Gen.Select(text, text, (id, note) => Unary("PauseDeployment", new PauseDeploymentRequest { WorkflowId = id, Note = note }, (c, r) => c.Runtime.PauseDeploymentAsync(r)))),
            (1, text.Select(id => Unary("ResumeDeployment", new ResumeDeploymentRequest { WorkflowId = id }, (c, r) => c.Runtime.ResumeDeploymentAsync(r)))),
            (1, text.Select(id => Unary("DeleteDeployment", new DeleteDeploymentRequest { WorkflowId = id }, (c, r) => c.Runtime.DeleteDeploymentAsync(r)))),
            (1, text.Select(id => Unary("GetDeploymentStatus", new GetDeploymentStatusRequest { WorkflowId = id }, (c, r) => c.Runtime.GetDeploymentStatusAsync(r)))),
            (1, Gen.Select(text, enumNumber.Array[0, 4], number, text, (user, statuses, size, token) =>
                Unary("ListDeployments", new ListDeploymentsRequest { UserId = user, Statuses = { statuses.Select(s => (DeploymentStatus)s) }, PageSize = size, PageToken = token },
                    (c, r) => c.Runtime.ListDeploymentsAsync(r)))),
            (1, Gen.Select(text, text, (path, method) => Unary("ResolveWebhook", new ResolveWebhookRequest { Path = path, Method = method }, (c, r) => c.Runtime.ResolveWebhookAsync(r)))),
            (3, Gen.Select(Gen.Select(text, text), enumNumber, json, Gen.Select(text, text), metadata, Gen.Bool, Gen.Int[-2, 1], (target, mode, data, who, meta, wait, timeout) =>
                Unary("TriggerWorkflow", new TriggerWorkflowRequest
                {
                    WorkflowId = target.Item1, WebhookPath = target.Item2, Mode = (ExecutionMode)mode, TriggerData = data,
                    IdempotencyKey = who.Item1, TriggeredBy = who.Item2, Metadata = { meta }, WaitForCompletion = wait, WaitTimeoutSeconds = timeout,
                }, (c, r) => c.Runtime.TriggerWorkflowAsync(r)))),
            (1, text.Select(id => Unary("GetExecution", new GetExecutionRequest { ExecutionId = id }, (c, r) => c.Runtime.GetExecutionAsync(r)))),
            (1, Gen.Select(text, text, (id, reason) => Unary("CancelExecution", new CancelExecutionRequest { ExecutionId = id, Reason = reason }, (c, r) => c.Runtime.CancelExecutionAsync(r)))),
            (2, Gen.Select(Gen.Select(text, text), enumNumber.Array[0, 3], enumNumber.Array[0, 3], Gen.Select(timestamp, timestamp), number, text, (who, statuses, modes, range, size, token) =>
                Unary("GetExecutionHistory", new GetExecutionHistoryRequest
                {
                    WorkflowId = who.Item1, UserId = who.Item2, Statuses = { statuses.Select(s => (ExecutionStatus)s) }, Modes = { modes.Select(m => (ExecutionMode)m) },
                    From = range.Item1, To = range.Item2, PageSize = size, PageToken = token,
                }, (c, r) => c.Runtime.GetExecutionHistoryAsync(r)))),
            (1, text.Select(user => Unary("GetDeploymentStats", new GetDeploymentStatsRequest { UserId = user }, (c, r) => c.Monitoring.GetDeploymentStatsAsync(r)))),
            (1, Gen.Const(Unary("GetSystemHealth", new GetSystemHealthRequest(), (c, r) => c.Monitoring.GetSystemHealthAsync(r)))),
            (1, Gen.Select(timestamp, timestamp, (from, to) =>
                Unary("GetSchedulingMetrics", new GetSchedulingMetricsRequest { From = from, To = to }, (c, r) => c.Monitoring.GetSchedulingMetricsAsync(r)))),
            (1, number.Select(bucket => Unary("GetJitterDistribution", new GetJitterDistributionRequest { BucketSeconds = bucket }, (c, r) => c.Monitoring.GetJitterDistributionAsync(r)))),
            (1, Gen.Select(timestamp, timestamp, number, (from, to, bucket) =>
                Unary("GetLoadDistribution", new GetLoadDistributionRequest { From = from, To = to, BucketSeconds = bucket }, (c, r) => c.Monitoring.GetLoadDistributionAsync(r)))),
            (3, Gen.Select(Gen.OneOfConst(RpcPaths), Gen.Byte.Array[0, 48], (path, bytes) =>
                new HostileCall("raw " + path, Convert.ToHexString(bytes), async c =>
                {
                    var reply = await RawGrpc.CallAsync(c.Raw, c.Port, path, bytes);
                    return new Outcome(reply.GrpcStatus is { } code ? (StatusCode)code : StatusCode.Unknown, reply.TrailerBytes, $"HTTP {reply.HttpStatus} {reply.GrpcMessage}");
                }))));
    }

    private static readonly string[] RpcPaths =
    [
        .. WorkflowRuntimeReflection().Select(m => $"workflow_runtime.v1.WorkflowRuntimeService/{m}"),
        .. new[] { "GetDeploymentStats", "GetSystemHealth", "GetSchedulingMetrics", "GetJitterDistribution", "GetLoadDistribution" }
            .Select(m => $"workflow_runtime.v1.MonitoringService/{m}"),
    ];

    private static IEnumerable<string> WorkflowRuntimeReflection() =>
        WorkflowRuntimeService.Descriptor.Methods.Select(m => m.Name);

    private static HostileCall Unary<TRequest, TResponse>(string rpc, TRequest request, Func<Clients, TRequest, AsyncUnaryCall<TResponse>> send)
        where TRequest : IMessage =>
        new(rpc, Shorten(request.ToString() ?? rpc), async clients =>
        {
            using var call = send(clients, request);
            try
            {
                await call.ResponseAsync;
                return new Outcome(StatusCode.OK, call.GetTrailers().Sum(t => t.Key.Length + (t.IsBinary ? t.ValueBytes.Length * 4 / 3 : t.Value.Length)), string.Empty);
            }
            catch (RpcException ex)
            {
                return new Outcome(ex.StatusCode, TrailerBytes(ex), ex.Status.Detail);
            }
        });

    private static Gen<string> HostileText(string knownWorkflowId)
    {
        // Protobuf strings are UTF-8 on the wire: a lone surrogate cannot even be sent, so it travels in JSON escapes instead.
        var any = Gen.String[0, 40].Select(WithoutLoneSurrogates);
        return Gen.Frequency(
            (4, any),
            (2, any.Select(s => s.Insert(s.Length / 2, "\0"))),
            (1, Gen.Int[65, 40_000].Select(n => new string('x', n))),
            (1, Gen.Guid.Select(g => g.ToString())),
            (2, Gen.OneOfConst("", " ", knownWorkflowId, "fuzz/hook", "/fuzz//hook/", "😀", "\u202e\u0301", "../../etc/passwd", "' OR 1=1 --", "%00", "\r\n\t",
                "\uFEFF", "Europe/Berlin", "Europe/berlin", "utc", "UTC", "America", "Europe", "posixrules", "right/UTC", "localtime",
                "00000000-0000-0000-0000-000000000000", "POST", "TRACE", "0 9 * * *", "1-0 * * * *", "? ? ? ? ?", "* * * * * *")));
    }

    private static Gen<string> HostileJson(Gen<string> text) => Gen.Frequency(
        (3, Gen.OneOfConst(
            "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}", "{\"\\udfff\":1}", "{\"a\":1e999999}", "{\"a\":-1e400}", "{\"a\":1e-400}",
            "{\"a\":0." + new string('7', 300) + "}", "[]", "null", "{", "\"text\"", "{\"nodes\":[]}", "",
            new string('[', 300) + new string(']', 300),
            "{\"nodes\":[{\"id\":\"a\",\"type\":\"t\"}]}",
            "{\"nodes\":[{\"id\":\"a\",\"type\":\"t\",\"n\":1.5e300,\"s\":\"\\u00fc\\ud83d\\ude00\"}]}",
            "{\"nodes\":[{\"id\":\"a\",\"type\":\"t\"}],\"connections\":[{\"source\":\"a\",\"target\":\"zz\"}]}")),
        (1, text));

    private static Gen<Timestamp?> HostileTimestamp() => Gen.Frequency(
        (1, Gen.Const((Timestamp?)null)),
        (3, Gen.Select(Gen.Long[-70_000_000_000L, 260_000_000_000L], Gen.Int[-5, 1_000_000_005], (s, n) => (Timestamp?)new Timestamp { Seconds = s, Nanos = n })),
        (1, Gen.OneOfConst(long.MinValue, long.MaxValue, -62_135_596_800L, 253_402_300_799L, 0L).Select(s => (Timestamp?)new Timestamp { Seconds = s })));

    private static Gen<TriggerSpec> HostileTrigger(Gen<string> text) => Gen.Frequency(
        (3, Gen.Select(Gen.Frequency((2, Gen.OneOfConst("0 0 1 1 *", "0 9 * * *", "*/5 * * * * *", "61 * * * *", "0 0 31 2 *")), (1, text)), text, Gen.Bool, Gen.Int[-10, 5000],
            (expression, zone, noJitter, window) => new TriggerSpec
            {
                Cron = new CronTriggerSpec { CronExpression = expression, Timezone = zone, DisableJitter = noJitter, JitterWindowSeconds = window },
            })),
        (2, Gen.Select(text, text.Array[0, 3], (path, methods) => new TriggerSpec { Webhook = new WebhookTriggerSpec { Path = path, Methods = { methods } } })),
        (1, Gen.Const(new TriggerSpec { Manual = new ManualTriggerSpec() })),
        (1, Gen.Const(new TriggerSpec())));

    private static string WithoutLoneSurrogates(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(value[i]).Append(value[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(value[i]) ? '?' : value[i]);
            }
        }

        return builder.ToString();
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
