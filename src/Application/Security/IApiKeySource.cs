namespace WorkflowRuntime.Application.Security;

/// <summary>The port to the configured API keys (the mounted key file in production).</summary>
public interface IApiKeySource
{
    /// <summary>The keys in force now; an adapter may reload them when their file changes.</summary>
    IReadOnlyList<ApiKey> Keys { get; }
}
