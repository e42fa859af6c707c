namespace WorkflowRuntime.UnitTests.Support;

/// <summary>
/// Tests that set or read the process-wide telemetry snapshots (<c>TelemetryGauges</c>) and listen to the one
/// <c>WorkflowRuntime</c> meter: run one at a time, so one test's snapshot is not another's measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedTelemetryCollection
{
    public const string Name = "shared telemetry state";
}
