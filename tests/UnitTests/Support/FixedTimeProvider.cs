namespace WorkflowRuntime.UnitTests.Support;

/// <summary>A clock that always says the same instant (settable), so results never depend on when a test runs.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
