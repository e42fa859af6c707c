using System.Runtime.InteropServices;

namespace WorkflowRuntime.Benchmarks.Shared;

/// <summary>
/// Ctrl+C and SIGTERM both cancel <see cref="Token"/> instead of killing the process, so a benchmark gets to stop the
/// hosts and processes it started (no orphan load left on the machine).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _terminate;

    public StopSignals()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _stop.Cancel();
        });
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>For a benchmark's own reasons to stop (its parent process went away).</summary>
    public CancellationTokenSource Source => _stop;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _terminate.Dispose();
        _stop.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _stop.Cancel();
    }
}
