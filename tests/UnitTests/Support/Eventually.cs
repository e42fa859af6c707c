using System.Diagnostics;

namespace WorkflowRuntime.UnitTests.Support;

/// <summary>
/// Awaits a condition set by a background loop, polling it for a bounded stretch of real time. The bound is only
/// ever reached when the test fails; a passing test returns as soon as the condition holds.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    public static async Task HoldsAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > Limit)
            {
                Assert.Fail($"gave up after {Limit.TotalSeconds} s of real time waiting until {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5));
        }
    }
}
