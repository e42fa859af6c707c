using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;

namespace RuntimeSmokeClient;

/// <summary>The round trip, step by step; each step prints one line and the first failure ends the run.</summary>
internal sealed class SmokeRun(SmokeArguments arguments, TextWriter output)
{
    private const string Definition =
        """{"nodes":[{"id":"start","type":"trigger"},{"id":"send","type":"http"}],"connections":[{"source":"start","target":"send"}]}""";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CheckHealthAsync(cancellationToken);
            using var channel = GrpcChannel.ForAddress(arguments.Grpc);
            var runtime = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channel);
            var workflowId = await DeployAsync(runtime, cancellationToken);
            await TriggerAsync(runtime, workflowId, cancellationToken);
            await ArchiveAsync(runtime, workflowId, cancellationToken);
            await output.WriteLineAsync("smoke: PASSED");
            return 0;
        }
        catch (SmokeFailedException ex)
        {
            await output.WriteLineAsync($"smoke: FAILED: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or HttpRequestException or OperationCanceledException)
        {
            await output.WriteLineAsync($"smoke: FAILED: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }

    private async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = arguments.Http, Timeout = TimeSpan.FromSeconds(15) };
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new SmokeFailedException($"GET /health answered {(int)response.StatusCode}: {body}");
        }

        using var health = JsonDocument.Parse(body);
        var status = health.RootElement.TryGetProperty("status", out var value) ? value.GetString() : null;
        await output.WriteLineAsync($"smoke: GET /health -> {(int)response.StatusCode} status={status}: {body}");
    }

    private async Task<string> DeployAsync(WorkflowRuntimeService.WorkflowRuntimeServiceClient runtime, CancellationToken cancellationToken)
    {
        var request = new DeployWorkflowRequest
        {
            WorkflowId = arguments.WorkflowId ?? string.Empty,
            UserId = "container-smoke",
            Name = "container smoke",
            Description = "deployed by tools/RuntimeSmokeClient",
            WorkflowDefinition = Definition,
            Triggers =
            {
                new TriggerSpec { Manual = new ManualTriggerSpec() },
                // A named zone: the image must carry tzdata for this deploy to be accepted and planned.
                new TriggerSpec { Cron = new CronTriggerSpec { CronExpression = "0 9 * * *", Timezone = arguments.TimeZone } },
            },
        };
        var deployment = (await runtime.DeployWorkflowAsync(request, cancellationToken: cancellationToken)).Deployment;
        var cron = deployment.Triggers.FirstOrDefault(t => t.Spec.Cron is not null)
            ?? throw new SmokeFailedException("the deployment came back without its cron trigger");
        if (cron.NextFireTime is null)
        {
            throw new SmokeFailedException($"the cron trigger in {arguments.TimeZone} has no next fire time");
        }

        var nextFire = cron.NextFireTime.ToDateTimeOffset();
        var local = TimeZoneInfo.ConvertTime(nextFire, TimeZoneInfo.FindSystemTimeZoneById(arguments.TimeZone));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"smoke: DeployWorkflow -> {deployment.Status} workflow_id={deployment.WorkflowId}; cron '0 9 * * *' in {arguments.TimeZone} next fires {nextFire:O} ({local:HH:mm:ss} local, jitter {cron.JitterSeconds} s)"));
        return deployment.WorkflowId;
    }

    private async Task TriggerAsync(WorkflowRuntimeService.WorkflowRuntimeServiceClient runtime, string workflowId, CancellationToken cancellationToken)
    {
        var response = await runtime.TriggerWorkflowAsync(
            new TriggerWorkflowRequest
            {
                WorkflowId = workflowId,
                Mode = ExecutionMode.Manual,
                TriggerData = """{"source":"container-smoke"}""",
                TriggeredBy = "container-smoke",
                WaitForCompletion = true,
                WaitTimeoutSeconds = arguments.TimeoutSeconds,
            },
            cancellationToken: cancellationToken);
        var execution = response.Execution;
        var status = execution.Status.ToString().ToUpperInvariant();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"smoke: TriggerWorkflow -> {status} execution_id={execution.ExecutionId} engine_execution_id={execution.EngineExecutionId} duration_ms={execution.DurationMs} result={execution.ResultData} error={execution.ErrorMessage}"));
        if (!string.Equals(status, arguments.ExpectedStatus, StringComparison.OrdinalIgnoreCase))
        {
            throw new SmokeFailedException($"expected {arguments.ExpectedStatus}, the execution ended {status}");
        }
    }

    /// <summary>Archives the workflow, so its cron trigger leaves the scheduler and the run leaves nothing behind.</summary>
    private async Task ArchiveAsync(WorkflowRuntimeService.WorkflowRuntimeServiceClient runtime, string workflowId, CancellationToken cancellationToken)
    {
        var archived = await runtime.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = workflowId }, cancellationToken: cancellationToken);
        await output.WriteLineAsync($"smoke: DeleteDeployment -> {archived.Deployment.Status}");
    }
}

/// <summary>A step did not see what it expected.</summary>
internal sealed class SmokeFailedException(string message) : Exception(message);
