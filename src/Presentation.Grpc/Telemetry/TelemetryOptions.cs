using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Presentation.Grpc.Telemetry;

/// <summary><c>WorkflowRuntime:Telemetry</c>: the metrics endpoint and the gauges' sampling. Exporters use the standard <c>OTEL_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "WorkflowRuntime:Telemetry";

    /// <summary>Serve <c>GET /metrics</c> (Prometheus text format) on the HTTP port.</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>How often the deployments, scheduler and dependency gauges are refreshed (one grouped query each time).</summary>
    [Range(1, 3600, ErrorMessage = "WorkflowRuntime:Telemetry:SampleIntervalSeconds must be between 1 and 3600.")]
    public int SampleIntervalSeconds { get; set; } = 15;

    /// <summary>
    /// Record spans of the service's dependencies (PostgreSQL commands, Redis calls, the engine's HTTP/2 requests).
    /// Unset: on when an OTLP exporter is configured, off otherwise: recording them for nobody cost a few percent of
    /// the hot path's CPU. The service's own spans and the gRPC server span are always there (log lines carry their
    /// trace id).
    /// </summary>
    public bool? TraceDependencies { get; set; }
}
