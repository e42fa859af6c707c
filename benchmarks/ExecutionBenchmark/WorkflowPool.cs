using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// Pre-deployed workflows of one overlap policy, handed out round robin from one shared counter: with ~1,000 of them
/// and runs that end ~0.3 s after they start, a workflow comes round again long after its previous run ended.
/// </summary>
internal sealed class WorkflowPool(Policy policy, IReadOnlyList<Guid> workflowIds)
{
    private long _next = -1;

    public Policy Policy { get; } = policy;

    public IReadOnlyList<Guid> WorkflowIds { get; } = workflowIds;

    public string NextWorkflowId() => WorkflowIds[(int)(Interlocked.Increment(ref _next) % WorkflowIds.Count)].ToString();
}

/// <summary>Deploys the benchmark's workflows over gRPC (DeployWorkflow), a few calls at a time: manual triggers only, no cron.</summary>
internal static class Deployer
{
    private const int Callers = 8;

    private const string Definition =
        """{"nodes":[{"id":"start","type":"trigger"},{"id":"send","type":"http"}],"connections":[{"source":"start","target":"send"}]}""";

    public static async Task<DeployFigures> DeployAsync(WorkflowRuntimeService.WorkflowRuntimeServiceClient client,
        IReadOnlyList<(Guid Id, Policy Policy, string Name)> workflows, CancellationToken cancellationToken)
    {
        var next = -1;
        var latencies = new ConcurrentQueue<double>();
        var errors = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();

        async Task CallerAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < workflows.Count)
            {
                var (id, policy, name) = workflows[index];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await client.DeployWorkflowAsync(Request(id, policy, name), deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: cancellationToken);
                    latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    errors.Enqueue($"{name}: {ex.StatusCode}: {ex.Status.Detail}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(CallerAsync, cancellationToken)));
        if (!errors.IsEmpty)
        {
            throw new InvalidOperationException($"{errors.Count} of {workflows.Count} deploys failed, e.g. {errors.First()}");
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return new DeployFigures(workflows.Count, Math.Round(seconds, 2), Math.Round(workflows.Count / seconds, 1), Distribution.Of(latencies).Rounded());
    }

    private static DeployWorkflowRequest Request(Guid id, Policy policy, string name)
    {
        var request = new DeployWorkflowRequest
        {
            WorkflowId = id.ToString(),
            UserId = "execution-bench",
            Name = name,
            Description = "execution throughput benchmark",
            WorkflowDefinition = Definition,
            Config = new DeploymentConfig
            {
                OverlapPolicy = policy == Policy.Skip ? OverlapPolicy.Skip : OverlapPolicy.AllowAll,
                ExecutionTimeoutSeconds = 600,
            },
        };
        request.Triggers.Add(new TriggerSpec { Manual = new ManualTriggerSpec() });
        return request;
    }
}

internal sealed record DeployFigures(int Workflows, double Seconds, double PerSecond, Distribution LatencyMs);
