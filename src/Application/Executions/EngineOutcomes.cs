using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Ports;

namespace WorkflowRuntime.Application.Executions;

/// <summary>Records what the engine says a run ended as; shared by the tracker's polls and by cancel.</summary>
internal static class EngineOutcomes
{
    /// <summary>Applies a terminal engine state to the run; false (and nothing changed) when the state is not terminal.</summary>
    public static bool ApplyTerminal(Execution execution, EngineExecutionState state, DateTimeOffset now)
    {
        switch (state.Status)
        {
            case EngineStatus.Success:
                execution.Succeed(state.ResultData, now);
                return true;
            case EngineStatus.Error:
                execution.Fail(string.IsNullOrWhiteSpace(state.ErrorMessage) ? "the engine reported ERROR" : state.ErrorMessage, now);
                return true;
            case EngineStatus.Canceled:
                execution.Cancel(state.ErrorMessage ?? "canceled in the engine", now);
                return true;
            default:
                return false;
        }
    }
}
