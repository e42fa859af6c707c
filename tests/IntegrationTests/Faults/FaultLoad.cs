using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.IntegrationTests.Faults;

/// <summary>One TriggerWorkflow call of the load and how it ended.</summary>
internal sealed record TriggerCall(
    TimeSpan At, StatusCode Code, string WorkflowId, string? IdempotencyKey, string? ExecutionId, bool Deduplicated, string Detail);

/// <summary>A deployed workflow of the load and its overlap policy.</summary>
internal sealed record LoadWorkflow(string Id, bool Exclusive);

/// <summary>
/// The bounded load of a fault test: a few concurrent callers trigger a mix of SKIP and ALLOW_ALL workflows (every
/// third call with an idempotency key, some keys repeated) against one or more instances, each call with a deadline,
/// and record every outcome. A call to an instance that is gone simply fails; the caller moves on to the next one.
/// </summary>
internal sealed class FaultLoad : IAsyncDisposable
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(5);
    private readonly List<GrpcChannel> _channels;
    private readonly ConcurrentQueue<TriggerCall> _calls = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public FaultLoad(IEnumerable<int> grpcPorts)
    {
        _channels = [.. grpcPorts.Select(port => GrpcChannel.ForAddress($"http://127.0.0.1:{port}"))];
    }

    public IReadOnlyCollection<TriggerCall> Calls => _calls;

    /// <summary>Time since the load object was made; the test marks its fault on the same clock.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public WorkflowRuntimeService.WorkflowRuntimeServiceClient Client(int index = 0) => new(_channels[index]);

    /// <summary>Deploys <paramref name="exclusive"/> SKIP and <paramref name="parallel"/> ALLOW_ALL workflows through the first instance.</summary>
    public async Task<IReadOnlyList<LoadWorkflow>> DeployAsync(int exclusive, int parallel)
    {
        var workflows = new List<LoadWorkflow>();
        for (var i = 0; i < exclusive + parallel; i++)
        {
            var skip = i < exclusive;
            var request = Support.Requests.Deploy("fault-user", Support.Requests.Manual());
            request.Name = $"fault-{(skip ? "skip" : "allow")}-{i}";
            request.Config = new DeploymentConfig { OverlapPolicy = skip ? OverlapPolicy.Skip : OverlapPolicy.AllowAll, ExecutionTimeoutSeconds = 600 };
            var deployed = await Client().DeployWorkflowAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
            workflows.Add(new LoadWorkflow(deployed.Deployment.WorkflowId, skip));
        }

        return workflows;
    }

    /// <summary>Runs <paramref name="callers"/> callers for <paramref name="duration"/>.</summary>
    public Task RunAsync(IReadOnlyList<LoadWorkflow> workflows, int callers, TimeSpan duration)
    {
        var until = _clock.Elapsed + duration;
        return Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(() => CallerAsync(caller, workflows, until))));
    }

    public ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task CallerAsync(int caller, IReadOnlyList<LoadWorkflow> workflows, TimeSpan until)
    {
        for (var n = 0; _clock.Elapsed < until; n++)
        {
            var workflow = workflows[(caller + n) % workflows.Count];
            // Keys repeat (each is used about three times over the run) so deduplication is under test too.
            var key = n % 3 == 0 ? string.Create(CultureInfo.InvariantCulture, $"key-{caller}-{n / 9}") : null;
            var client = Client((caller + n) % _channels.Count);
            var at = _clock.Elapsed;
            try
            {
                var response = await client.TriggerWorkflowAsync(
                    new TriggerWorkflowRequest { WorkflowId = workflow.Id, IdempotencyKey = key ?? string.Empty, TriggeredBy = $"fault-caller-{caller}" },
                    deadline: DateTime.UtcNow + CallDeadline);
                _calls.Enqueue(new TriggerCall(at, StatusCode.OK, workflow.Id, key, response.Execution.ExecutionId, response.Deduplicated, string.Empty));
            }
            catch (RpcException ex)
            {
                _calls.Enqueue(new TriggerCall(at, ex.StatusCode, workflow.Id, key, null, false, ex.Status.Detail));
                // A caller backs off a little after a failure, as a real one would.
                await Task.Delay(100);
            }

            await Task.Delay(20);
        }
    }
}
