namespace WorkflowRuntime.Application.Abstractions;

/// <summary>This replica's name, written as the owner of the executions it tracks.</summary>
public sealed record RuntimeIdentity(string InstanceId);
