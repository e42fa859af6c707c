using System.Reflection;

namespace WorkflowRuntime.Presentation.Grpc.Hosting;

/// <summary>Who this process is: reported by health endpoints and logs.</summary>
public sealed class RuntimeInstance(string instanceId, DateTimeOffset startedAt)
{
    public string InstanceId { get; } = instanceId;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public string Version { get; } =
        typeof(RuntimeInstance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static string DefaultInstanceId() => $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}";
}
