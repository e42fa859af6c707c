using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>Deploys the workflows over gRPC with a few concurrent callers, timing every call.</summary>
internal static class Deployer
{
    private const string Definition =
        """{"nodes":[{"id":"start","type":"trigger"},{"id":"send","type":"http"}],"connections":[{"source":"start","target":"send"}]}""";

    /// <summary>With --avoid-start-second-bug: no deploy starts this close before one of the workflow's due times.</summary>
    private static readonly TimeSpan BugMargin = TimeSpan.FromSeconds(8);

    public static async Task<DeployFigures> DeployAsync(WorkflowRuntimeService.WorkflowRuntimeServiceClient client, BenchmarkOptions options,
        Phase phase, string label, CancellationToken cancellationToken)
    {
        var next = -1;
        var failed = 0;
        var errors = new ConcurrentQueue<string>();
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        var schedule = Domain.Triggers.CronTriggerSpec.Create(options.Cron, disableJitter: phase == Phase.Baseline,
            jitterWindowSeconds: options.JitterWindow);

        async Task CallerAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < options.Workflows)
            {
                // Client-made UUIDs (random, as the server's would be), so the jitter is known before the call.
                var workflowId = Guid.NewGuid().ToString();
                if (options.AvoidStartSecondBug)
                {
                    workflowId = await SafeWorkflowIdAsync(schedule, workflowId, cancellationToken);
                }

                var request = Request(options, phase, label, index, workflowId);
                var call = Stopwatch.StartNew();
                try
                {
                    await client.DeployWorkflowAsync(request, deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: cancellationToken);
                    latencies.Add(call.Elapsed.TotalMilliseconds);
                }
                catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                    if (errors.Count < 5)
                    {
                        errors.Enqueue($"{ex.StatusCode}: {ex.Status.Detail}");
                    }
                }

                if ((index + 1) % 1000 == 0)
                {
                    PhaseRunner.Progress(label, $"{index + 1} deploy calls made, {clock.Elapsed.TotalSeconds:F0} s");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(CallerAsync, cancellationToken)));
        var seconds = clock.Elapsed.TotalSeconds;
        return new DeployFigures(options.Workflows, latencies.Count, failed, Math.Round(seconds, 2), Math.Round(latencies.Count / seconds, 1),
            Distribution.Of(latencies), [.. errors]);
    }

    /// <summary>
    /// An id none of whose due times falls in the next few seconds: another random id when jittered (the offsets stay
    /// uniform over the deploy), else a wait until the due second has passed (all baseline workflows share it).
    /// </summary>
    private static async Task<string> SafeWorkflowIdAsync(Domain.Triggers.CronTriggerSpec schedule, string workflowId,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var jitter = TimeSpan.FromSeconds(schedule.JitterFor(workflowId));
            var now = DateTimeOffset.UtcNow;
            var due = schedule.NextOccurrenceAfter(now - jitter - TimeSpan.FromSeconds(1)) + jitter;
            if (due is null || due > now + BugMargin)
            {
                return workflowId;
            }

            if (schedule.DisableJitter)
            {
                await Task.Delay(due.Value - now + TimeSpan.FromSeconds(1.1), cancellationToken);
            }
            else
            {
                workflowId = Guid.NewGuid().ToString();
            }
        }
    }

    private static DeployWorkflowRequest Request(BenchmarkOptions options, Phase phase, string label, int index, string workflowId)
    {
        var request = new DeployWorkflowRequest
        {
            WorkflowId = workflowId,
            UserId = "scheduler-bench",
            Name = $"bench-{label}-{index:D6}",
            Description = "scheduler benchmark",
            WorkflowDefinition = Definition,
            Config = new DeploymentConfig { OverlapPolicy = OverlapPolicy.Skip, ExecutionTimeoutSeconds = 600 },
        };
        request.Triggers.Add(new TriggerSpec
        {
            Cron = new CronTriggerSpec
            {
                CronExpression = options.Cron,
                Timezone = string.Empty,
                DisableJitter = phase == Phase.Baseline,
                JitterWindowSeconds = options.JitterWindow,
            },
        });
        return request;
    }
}
