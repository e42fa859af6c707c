using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Presentation.Grpc.Health;
using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.Presentation.Grpc.Grpc;

/// <summary>
/// <c>workflow_runtime.v1.MonitoringService</c>. System health here; the statistics RPCs in
/// <c>MonitoringGrpcService.Statistics.cs</c>.
/// </summary>
internal sealed partial class MonitoringGrpcService(DependencyHealthReporter reporter, RuntimeInstance instance,
    MonitoringStatisticsService statistics)
    : MonitoringService.MonitoringServiceBase
{
    public override async Task<GetSystemHealthResponse> GetSystemHealth(GetSystemHealthRequest request, ServerCallContext context)
    {
        var report = await reporter.CheckAsync(context.CancellationToken);
        return new GetSystemHealthResponse
        {
            Status = report.Status,
            Version = instance.Version,
            InstanceId = instance.InstanceId,
            StartedAt = Timestamp.FromDateTimeOffset(instance.StartedAt),
            Dependencies =
            {
                report.Dependencies.Select(d => new WorkflowRuntime.Contracts.V1.DependencyHealth
                {
                    Name = d.Name,
                    Healthy = d.Healthy,
                    LatencyMs = d.LatencyMs,
                    Message = d.Message,
                }),
            },
        };
    }
}
