using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Application.Monitoring;

/// <summary>Bound from <c>WorkflowRuntime:Monitoring</c>.</summary>
public sealed class MonitoringOptions
{
    public const string SectionName = "WorkflowRuntime:Monitoring";

    /// <summary>How often the accumulated trigger fire counts are written (and once more at shutdown).</summary>
    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Monitoring:CounterFlushIntervalSeconds must be between 1 and 3600.")]
    public int CounterFlushIntervalSeconds { get; set; } = 5;
}
