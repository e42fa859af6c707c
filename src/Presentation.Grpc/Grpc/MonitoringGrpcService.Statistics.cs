using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Presentation.Grpc.Grpc;

/// <summary>The four statistics RPCs: map the request, call <see cref="MonitoringStatisticsService"/>, map the view.</summary>
internal sealed partial class MonitoringGrpcService
{
    public override async Task<GetDeploymentStatsResponse> GetDeploymentStats(GetDeploymentStatsRequest request, ServerCallContext context) =>
        (await statistics.GetDeploymentStatsAsync(
            new DeploymentStatsQuery(request.UserId, request.From?.ToDateTimeOffset(), request.To?.ToDateTimeOffset()), context.CancellationToken))
        .ToResponse(view => new GetDeploymentStatsResponse
        {
            ByStatus = { Map(view.DeploymentsByStatus) },
            Total = view.TotalDeployments,
            CronTriggers = view.CronTriggers,
            WebhookTriggers = view.WebhookTriggers,
            ManualTriggers = view.ManualTriggers,
            ExecutionsByStatus24H = { Map(view.ExecutionsByStatus) },
            ExecutionsByMode = { Map(view.ExecutionsByMode) },
            ExecutionsTotal = view.Executions,
            SuccessRate = view.SuccessRate,
            FinishedRuns = view.FinishedRuns,
            DurationP50Ms = view.Durations.P50,
            DurationP95Ms = view.Durations.P95,
            DurationP99Ms = view.Durations.P99,
            DurationMaxMs = view.Durations.Max,
            From = Timestamp.FromDateTimeOffset(view.Range.From),
            To = Timestamp.FromDateTimeOffset(view.Range.To),
        });

    public override async Task<GetSchedulingMetricsResponse> GetSchedulingMetrics(GetSchedulingMetricsRequest request, ServerCallContext context) =>
        (await statistics.GetSchedulingMetricsAsync(
            new SchedulingMetricsQuery(request.From?.ToDateTimeOffset(), request.To?.ToDateTimeOffset()), context.CancellationToken))
        .ToResponse(view => new GetSchedulingMetricsResponse
        {
            ScheduledTriggers = view.Counts.ScheduledTriggers,
            Fires = view.Counts.Fires,
            Misfires = view.Counts.Misfires,
            SkippedOverlap = view.Counts.SkippedOverlap,
            LatenessP50Ms = view.Lateness.P50,
            LatenessP95Ms = view.Lateness.P95,
            LatenessP99Ms = view.Lateness.P99,
            LatenessMaxMs = view.Lateness.Max,
            FiresByInstance = { Map(view.Counts.FiresByInstance) },
            From = Timestamp.FromDateTimeOffset(view.Range.From),
            To = Timestamp.FromDateTimeOffset(view.Range.To),
        });

    public override async Task<GetJitterDistributionResponse> GetJitterDistribution(GetJitterDistributionRequest request, ServerCallContext context) =>
        (await statistics.GetJitterDistributionAsync(
            new JitterDistributionQuery(request.BucketSeconds, request.CronExpression), context.CancellationToken))
        .ToResponse(view => new GetJitterDistributionResponse
        {
            WindowSeconds = view.WindowSeconds,
            Buckets = { view.Buckets.Select(ToWire) },
            Samples = view.Samples,
            MeanSeconds = view.MeanSeconds,
            StddevSeconds = view.StddevSeconds,
            MaxMeanRatio = view.MaxMeanRatio,
            BucketSeconds = view.BucketSeconds,
            UnjitteredTriggers = view.Unjittered,
        });

    public override async Task<GetLoadDistributionResponse> GetLoadDistribution(GetLoadDistributionRequest request, ServerCallContext context) =>
        (await statistics.GetLoadDistributionAsync(
            new LoadDistributionQuery(request.From?.ToDateTimeOffset(), request.To?.ToDateTimeOffset(), request.BucketSeconds),
            context.CancellationToken))
        .ToResponse(view => new GetLoadDistributionResponse
        {
            PlannedWithJitter = { view.WithJitter.Select(ToWire) },
            PlannedWithoutJitter = { view.WithoutJitter.Select(ToWire) },
            PeakWithJitter = view.PeakWithJitter,
            PeakWithoutJitter = view.PeakWithoutJitter,
            MeanWithJitter = view.MeanWithJitter,
            MeanWithoutJitter = view.MeanWithoutJitter,
            FiresWithJitter = view.FiresWithJitter,
            FiresWithoutJitter = view.FiresWithoutJitter,
            CronTriggers = view.Triggers,
            BucketSeconds = view.BucketSeconds,
            From = Timestamp.FromDateTimeOffset(view.Range.From),
            To = Timestamp.FromDateTimeOffset(view.Range.To),
        });

    private static Dictionary<string, long> Map(IReadOnlyDictionary<string, long> counts) => counts.ToDictionary();

    private static Bucket ToWire(BucketCount bucket) => new() { Start = bucket.Start, Count = bucket.Count };
}
