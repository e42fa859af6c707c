using Microsoft.Extensions.Time.Testing;

namespace WorkflowRuntime.UnitTests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that counts the timers armed on it (every <c>Task.Delay(…, provider)</c> and
/// every <c>WaitAsync(…, provider)</c> arms one), so a test can wait until a background loop is parked on its
/// delay before it advances the clock, instead of sleeping and hoping.
/// </summary>
public sealed class SteppedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private int _timersCreated;

    public int TimersCreated => Volatile.Read(ref _timersCreated);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        return timer;
    }
}
