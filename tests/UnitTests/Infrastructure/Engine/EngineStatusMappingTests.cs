using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine;
using WorkflowRuntime.Infrastructure.Engine.Protocol;

namespace WorkflowRuntime.UnitTests.Infrastructure.Engine;

public sealed class EngineStatusMappingTests
{
    [Theory]
    [InlineData(ExecutionStatus.New, EngineStatus.New)]
    [InlineData(ExecutionStatus.Running, EngineStatus.Running)]
    [InlineData(ExecutionStatus.Success, EngineStatus.Success)]
    [InlineData(ExecutionStatus.Error, EngineStatus.Error)]
    [InlineData(ExecutionStatus.Canceled, EngineStatus.Canceled)]
    [InlineData(ExecutionStatus.Waiting, EngineStatus.Waiting)]
    [InlineData(ExecutionStatus.Paused, EngineStatus.Paused)]
    public void EveryStatus_MapsOneToOneBothWays(ExecutionStatus wire, EngineStatus port)
    {
        Assert.Equal(port, EngineStatusMapping.ToPort(wire));
        Assert.Equal(wire, EngineStatusMapping.ToProtocol(port));
    }

    [Fact]
    public void EveryWireValue_IsCovered() =>
        Assert.Equal(Enum.GetValues<ExecutionStatus>().Length, Enum.GetValues<EngineStatus>().Length);

    [Fact]
    public void UnknownWireStatus_IsRejectedNamingTheValue()
    {
        var error = Assert.Throws<EngineRejectedException>(() => EngineStatusMapping.ToPort((ExecutionStatus)99));

        Assert.Contains("99", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => EngineStatusMapping.ToProtocol((EngineStatus)99));
    }

    [Theory]
    [InlineData(EngineStatus.Success, true)]
    [InlineData(EngineStatus.Error, true)]
    [InlineData(EngineStatus.Canceled, true)]
    [InlineData(EngineStatus.New, false)]
    [InlineData(EngineStatus.Running, false)]
    [InlineData(EngineStatus.Waiting, false)]
    [InlineData(EngineStatus.Paused, false)]
    public void OnlySuccessErrorAndCanceled_AreTerminal(EngineStatus status, bool terminal) =>
        Assert.Equal(terminal, status.IsTerminal());
}
