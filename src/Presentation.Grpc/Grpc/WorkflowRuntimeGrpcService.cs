using Grpc.Core;
using MapsterMapper;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Application.Executions;
using WorkflowRuntime.Application.Scheduling;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.Presentation.Grpc.Mapping;
using WorkflowRuntime.Presentation.Grpc.Security;

namespace WorkflowRuntime.Presentation.Grpc.Grpc;

/// <summary>
/// <c>workflow_runtime.v1.WorkflowRuntimeService</c>: maps the request, calls the use case, maps the result.
/// </summary>
internal sealed class WorkflowRuntimeGrpcService(
    DeploymentService deployments,
    ExecutionCoordinator coordinator,
    ExecutionService executions,
    ScheduleService schedules,
    IMapper mapper)
    : WorkflowRuntimeService.WorkflowRuntimeServiceBase
{
    public override async Task<DeployWorkflowResponse> DeployWorkflow(DeployWorkflowRequest request, ServerCallContext context) =>
        (await deployments.DeployAsync(request.ToCommand(), context.CancellationToken))
        .ToResponse(view => new DeployWorkflowResponse { Deployment = mapper.Map<Deployment>(view) });

    public override async Task<UpdateDeploymentResponse> UpdateDeployment(UpdateDeploymentRequest request, ServerCallContext context) =>
        (await deployments.UpdateAsync(request.ToCommand(), context.CancellationToken))
        .ToResponse(view => new UpdateDeploymentResponse { Deployment = mapper.Map<Deployment>(view) });

    public override async Task<PauseDeploymentResponse> PauseDeployment(PauseDeploymentRequest request, ServerCallContext context) =>
        (await deployments.PauseAsync(request.WorkflowId, request.Note, context.CancellationToken))
        .ToResponse(view => new PauseDeploymentResponse { Deployment = mapper.Map<Deployment>(view) });

    public override async Task<ResumeDeploymentResponse> ResumeDeployment(ResumeDeploymentRequest request, ServerCallContext context) =>
        (await deployments.ResumeAsync(request.WorkflowId, context.CancellationToken))
        .ToResponse(view => new ResumeDeploymentResponse { Deployment = mapper.Map<Deployment>(view) });

    public override async Task<DeleteDeploymentResponse> DeleteDeployment(DeleteDeploymentRequest request, ServerCallContext context) =>
        (await deployments.ArchiveAsync(request.WorkflowId, context.CancellationToken))
        .ToResponse(view => new DeleteDeploymentResponse { Deployment = mapper.Map<Deployment>(view) });

    public override async Task<GetDeploymentStatusResponse> GetDeploymentStatus(GetDeploymentStatusRequest request, ServerCallContext context) =>
        (await deployments.GetStatusAsync(request.WorkflowId, context.CancellationToken))
        .ToResponse(view => new GetDeploymentStatusResponse
        {
            Deployment = mapper.Map<Deployment>(view.Deployment),
            LastExecution = view.LastExecution is null ? null : mapper.Map<Execution>(view.LastExecution),
            ExecutionCount = view.ExecutionCount,
        });

    public override async Task<ListDeploymentsResponse> ListDeployments(ListDeploymentsRequest request, ServerCallContext context) =>
        (await deployments.ListAsync(request.ToQuery(), context.CancellationToken))
        .ToResponse(view => new ListDeploymentsResponse
        {
            Deployments = { view.Deployments.Select(WithoutDefinition) },
            NextPageToken = view.NextPageToken ?? string.Empty,
            TotalCount = view.TotalCount,
        });

    public override async Task<ResolveWebhookResponse> ResolveWebhook(ResolveWebhookRequest request, ServerCallContext context) =>
        (await deployments.ResolveWebhookAsync(request.Path, request.Method, context.CancellationToken))
        .ToResponse(resolution => new ResolveWebhookResponse
        {
            WorkflowId = resolution.WorkflowId.ToString(),
            TriggerId = resolution.TriggerId.ToString(),
        });

    public override async Task<TriggerWorkflowResponse> TriggerWorkflow(TriggerWorkflowRequest request, ServerCallContext context) =>
        (await coordinator.TriggerAsync(request.ToCommand().TriggeredByCallerWhenEmpty(context) with { Deadline = context.CallDeadline() }, context.CancellationToken))
        .ToResponse(outcome => new TriggerWorkflowResponse
        {
            Execution = mapper.Map<Execution>(outcome.Execution),
            Deduplicated = outcome.Deduplicated,
        });

    public override async Task<GetExecutionResponse> GetExecution(GetExecutionRequest request, ServerCallContext context)
    {
        var found = await executions.GetAsync(request.ExecutionId, context.CancellationToken);
        var positions = found.IsSuccess
            ? await executions.QueuePositionsAsync([found.Value], context.CancellationToken)
            : new Dictionary<Guid, int>();
        return found.ToResponse(execution => new GetExecutionResponse { Execution = Map(execution, positions) });
    }

    public override async Task<CancelExecutionResponse> CancelExecution(CancelExecutionRequest request, ServerCallContext context) =>
        (await executions.CancelAsync(request.ExecutionId, request.Reason, context.CancellationToken))
        .ToResponse(outcome => new CancelExecutionResponse
        {
            Execution = mapper.Map<Execution>(outcome.Execution),
            Canceled = outcome.Canceled,
        });

    public override async Task<GetExecutionHistoryResponse> GetExecutionHistory(GetExecutionHistoryRequest request, ServerCallContext context) =>
        (await executions.HistoryAsync(request.ToRequest(), context.CancellationToken))
        .ToResponse(view => new GetExecutionHistoryResponse
        {
            Executions = { view.Executions.Select(e => Map(e, view.QueuePositions)) },
            NextPageToken = view.NextPageToken ?? string.Empty,
        });

    public override async Task<BackfillScheduleResponse> BackfillSchedule(BackfillScheduleRequest request, ServerCallContext context) =>
        (await schedules.BackfillAsync(request.ToCommand(), context.CancellationToken))
        .ToResponse(counts => new BackfillScheduleResponse
        {
            Occurrences = counts.Occurrences,
            Started = counts.Started,
            AlreadyPresent = counts.AlreadyPresent,
            Skipped = counts.Skipped,
        });

    public override async Task<ListUpcomingFiresResponse> ListUpcomingFires(ListUpcomingFiresRequest request, ServerCallContext context) =>
        (await schedules.ListUpcomingFiresAsync(request.WorkflowId, request.Count, context.CancellationToken))
        .ToResponse(fires => new ListUpcomingFiresResponse { Fires = { fires.Select(ContractMapping.ToContract) } });

    private Execution Map(Domain.Executions.Execution execution, IReadOnlyDictionary<Guid, int>? queuePositions)
    {
        var wire = mapper.Map<Execution>(execution);
        wire.QueuePosition = queuePositions?.GetValueOrDefault(execution.Id) ?? 0;
        return wire;
    }

    // A page of full definitions could reach hundreds of MiB; GetDeploymentStatus returns one definition.
    private Deployment WithoutDefinition(DeploymentView view)
    {
        var deployment = mapper.Map<Deployment>(view);
        deployment.WorkflowDefinition = string.Empty;
        return deployment;
    }
}
