using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using WorkflowRuntime.Infrastructure.Engine.Protocol;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.UnitTests.Infrastructure.Engine;

/// <summary>The simulator's gRPC surface without a socket (the service ignores its call context).</summary>
public sealed class EngineSimulatorServiceTests
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(100);
    private readonly FakeTimeProvider _clock = new();
    private readonly EngineSimulation _simulation;
    private readonly EngineSimulatorService _service;

    public EngineSimulatorServiceTests()
    {
        _simulation = new EngineSimulation(_clock, SimulatedBehaviour.Success(Latency));
        _service = new EngineSimulatorService(_simulation);
    }

    [Fact]
    public async Task ExecuteThenStatus_MapsTheRunToTheWire()
    {
        var request = new ExecuteWorkflowRequest { WorkflowId = "wf-1", Mode = "SCHEDULED", TriggeredBy = "cron", WorkflowDefinition = "{\"a\":1}" };
        request.InputData["k"] = "v";
        request.Metadata["m"] = "n";

        var started = await _service.ExecuteWorkflow(request, null!);
        _clock.Advance(Latency);
        var status = await _service.GetExecutionStatus(new GetExecutionStatusRequest { ExecutionId = started.ExecutionId }, null!);

        Assert.Equal(ExecutionStatus.Running, started.Status);
        Assert.Equal(started.ExecutionId, status.ExecutionId);
        Assert.Equal(ExecutionStatus.Success, status.Status);
        Assert.Equal("""{"ok":true}""", status.ResultData);
        Assert.Equal(string.Empty, status.ErrorMessage);
        var run = Assert.Single(_simulation.Executions("wf-1"));
        Assert.Equal(("SCHEDULED", "cron", "{\"a\":1}", "v", "n"), (run.Mode, run.TriggeredBy, run.WorkflowDefinition, run.InputData["k"], run.Metadata["m"]));
    }

    [Fact]
    public async Task ExecuteWithoutWorkflowId_IsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _service.ExecuteWorkflow(new ExecuteWorkflowRequest(), null!));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Execute_WhenSimulatedDown_IsUnavailable()
    {
        _simulation.FailNextExecuteCalls("wf-1", 1);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => _service.ExecuteWorkflow(new ExecuteWorkflowRequest { WorkflowId = "wf-1" }, null!));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task Cancel_AnswersCanceledOnce_ThenNotCanceled_AndNotFoundForUnknownIds()
    {
        var started = await _service.ExecuteWorkflow(new ExecuteWorkflowRequest { WorkflowId = "wf-1" }, null!);

        var first = await _service.CancelExecution(new CancelExecutionRequest { ExecutionId = started.ExecutionId, Reason = "r" }, null!);
        var second = await _service.CancelExecution(new CancelExecutionRequest { ExecutionId = started.ExecutionId }, null!);
        var unknown = await Assert.ThrowsAsync<RpcException>(
            () => _service.CancelExecution(new CancelExecutionRequest { ExecutionId = "nope" }, null!));

        Assert.True(first.Canceled);
        Assert.False(second.Canceled);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var status = await _service.GetExecutionStatus(new GetExecutionStatusRequest { ExecutionId = started.ExecutionId }, null!);
        Assert.Equal(ExecutionStatus.Canceled, status.Status);
        Assert.Equal("canceled: r", status.ErrorMessage);
    }

    [Fact]
    public async Task StatusOfUnknownId_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            () => _service.GetExecutionStatus(new GetExecutionStatusRequest { ExecutionId = "nope" }, null!));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
