using System.Diagnostics;
using Grpc.Core;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>TriggerWorkflow load over real gRPC: a closed loop of N workers, or an open loop on a fixed schedule.</summary>
internal sealed class ServiceLoad(WorkflowRuntimeService.WorkflowRuntimeServiceClient client)
{
    /// <summary>Far beyond any healthy answer; a call that needs it is a failure worth seeing (DEADLINE_EXCEEDED).</summary>
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(30);

    /// <summary>N workers, each calling again as soon as its previous call answered, for <paramref name="duration"/>.</summary>
    public async Task<CallFigures> ClosedLoopAsync(WorkflowPool pool, string tag, int concurrency, TimeSpan duration, CallRecorder recorder,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                await CallAsync(pool.NextWorkflowId(), tag, Stopwatch.GetTimestamp(), recorder, cancellationToken);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
        return recorder.Figures(clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// <paramref name="rate"/> calls per second on a fixed schedule, each its own task whatever the earlier ones are
    /// doing; latency is measured from the time a call was due, so a slow service cannot hide its queue by slowing
    /// the sender (no coordinated omission). The sender catches up at once when it wakes late.
    /// </summary>
    public async Task<(CallFigures Calls, double MaxSendLagMs)> OpenLoopAsync(WorkflowPool pool, string tag, int rate, TimeSpan duration,
        CallRecorder recorder, CancellationToken cancellationToken)
    {
        var total = (int)Math.Round(rate * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / (double)rate;
        var calls = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        var maxLag = 0.0;
        for (var i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = start + (long)(i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            maxLag = Math.Max(maxLag, Stopwatch.GetElapsedTime(due).TotalMilliseconds);
            var workflowId = pool.NextWorkflowId();
            calls.Add(Task.Run(() => CallAsync(workflowId, tag, due, recorder, cancellationToken), cancellationToken));
        }

        await Task.WhenAll(calls);
        return (recorder.Figures(Stopwatch.GetElapsedTime(start).TotalSeconds), Math.Round(maxLag, 1));
    }

    /// <summary>One trigger; the latency runs from <paramref name="dueTimestamp"/> to the answer.</summary>
    public async Task<TriggerWorkflowResponse?> CallAsync(string workflowId, string tag, long dueTimestamp, CallRecorder recorder,
        CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.TriggerWorkflowAsync(new TriggerWorkflowRequest { WorkflowId = workflowId, TriggeredBy = tag },
                deadline: DateTime.UtcNow + CallDeadline, cancellationToken: cancellationToken);
            recorder.Ok(Stopwatch.GetElapsedTime(dueTimestamp).TotalMilliseconds, response.Execution.Status);
            return response;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            recorder.Failed(Stopwatch.GetElapsedTime(dueTimestamp).TotalMilliseconds, ex);
            return null;
        }
    }
}
