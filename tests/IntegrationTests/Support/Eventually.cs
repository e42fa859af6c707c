namespace WorkflowRuntime.IntegrationTests.Support;

internal static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it holds or <paramref name="within"/> passes; the last value is returned either way.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> holds, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var value = await probe();
        while (!holds(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = await probe();
        }

        return value;
    }
}
