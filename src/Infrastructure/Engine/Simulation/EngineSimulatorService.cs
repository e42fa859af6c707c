using Grpc.Core;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine.Protocol;

namespace WorkflowRuntime.Infrastructure.Engine.Simulation;

/// <summary>The engine's gRPC <c>WorkflowService</c>, served from an <see cref="EngineSimulation"/>.</summary>
public sealed class EngineSimulatorService(EngineSimulation simulation) : WorkflowService.WorkflowServiceBase
{
    public override Task<ExecuteWorkflowResponse> ExecuteWorkflow(ExecuteWorkflowRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.WorkflowId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "workflow_id is required."));
        }

        SimulatedExecution run;
        try
        {
            run = simulation.Execute(
                request.WorkflowId, request.WorkflowDefinition, request.Mode, request.TriggeredBy, request.InputData, request.Metadata,
                request.IdempotencyKey);
        }
        catch (EngineUnavailableException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }

        return Task.FromResult(new ExecuteWorkflowResponse
        {
            ExecutionId = run.ExecutionId,
            Status = EngineStatusMapping.ToProtocol(run.Status),
            Message = "accepted",
        });
    }

    public override Task<GetExecutionStatusResponse> GetExecutionStatus(GetExecutionStatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var run = simulation.Find(request.ExecutionId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No execution {request.ExecutionId}."));
        return Task.FromResult(new GetExecutionStatusResponse
        {
            ExecutionId = run.ExecutionId,
            Status = EngineStatusMapping.ToProtocol(run.Status),
            ResultData = run.ResultData ?? string.Empty,
            ErrorMessage = run.ErrorMessage ?? string.Empty,
        });
    }

    public override Task<CancelExecutionResponse> CancelExecution(CancelExecutionRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return simulation.Cancel(request.ExecutionId, request.Reason) switch
        {
            SimulatedCancelOutcome.Canceled => Task.FromResult(new CancelExecutionResponse { Canceled = true, Message = "canceled" }),
            SimulatedCancelOutcome.AlreadyFinished => Task.FromResult(new CancelExecutionResponse { Canceled = false, Message = "already finished" }),
            _ => throw new RpcException(new Status(StatusCode.NotFound, $"No execution {request.ExecutionId}.")),
        };
    }
}
