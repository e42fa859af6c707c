using System.ComponentModel.DataAnnotations;

namespace WorkflowRuntime.Presentation.Grpc.Hosting;

/// <summary>Bound from <c>WorkflowRuntime:Server</c>.</summary>
public sealed class ServerOptions
{
    public const string SectionName = "WorkflowRuntime:Server";

    /// <summary>HTTP/2 (cleartext) port for gRPC.</summary>
    [Range(1, 65535, ErrorMessage = "WorkflowRuntime:Server:GrpcPort must be between 1 and 65535.")]
    public int GrpcPort { get; set; } = 50051;

    /// <summary>HTTP/1.1 port for <c>/health*</c> and <c>/metrics</c>.</summary>
    [Range(1, 65535, ErrorMessage = "WorkflowRuntime:Server:HttpPort must be between 1 and 65535.")]
    public int HttpPort { get; set; } = 8080;

    /// <summary>Address to bind; <c>0.0.0.0</c> in a container, loopback on a laptop.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "WorkflowRuntime:Server:BindAddress must be an IP address.")]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>This replica's name in logs and in execution ownership; defaults to host name plus process id.</summary>
    public string? InstanceId { get; set; }

    /// <summary>How long start-up waits for each dependency before it reports it unreachable.</summary>
    [Range(100, 60000, ErrorMessage = "WorkflowRuntime:Server:StartupCheckTimeoutMs must be between 100 and 60000.")]
    public int StartupCheckTimeoutMs { get; set; } = 5000;
}
