namespace WorkflowRuntime.Benchmarks.Executions;

internal static class Log
{
    /// <summary>Progress on stderr, so stdout carries only the final Markdown summary.</summary>
    public static void Progress(string step, string message) =>
        Console.Error.WriteLine($"[bench {DateTimeOffset.UtcNow:HH:mm:ss}] [{step}] {message}");
}
