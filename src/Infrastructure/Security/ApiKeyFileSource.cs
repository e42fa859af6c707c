using Microsoft.Extensions.Logging;
using WorkflowRuntime.Application.Security;

namespace WorkflowRuntime.Infrastructure.Security;

/// <summary>The API keys from the mounted JSON file (<c>WorkflowRuntime:Security:ApiKeysPath</c>), reloaded when it changes.</summary>
public sealed partial class ApiKeyFileSource : IApiKeySource
{
    private readonly FileBackedValue<IReadOnlyList<ApiKey>> _keys;

    /// <exception cref="ApiKeyLoadException">The file is missing, unreadable or invalid; the message names it and the problem.</exception>
    public ApiKeyFileSource(string path, TimeSpan reloadInterval, TimeProvider clock, ILogger<ApiKeyFileSource> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(logger);
        Path = path;
        _keys = new FileBackedValue<IReadOnlyList<ApiKey>>(
            [path],
            () => Load(path),
            reloadInterval,
            clock,
            reloadFailed: ex => ReloadFailed(logger, path, ex.Message),
            reloaded: keys => Reloaded(logger, path, keys.Count));
    }

    public string Path { get; }

    public IReadOnlyList<ApiKey> Keys => _keys.Current;

    /// <summary>Reads and validates the file once; what start-up uses to refuse a bad file.</summary>
    public static IReadOnlyList<ApiKey> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ApiKeyLoadException($"API key file {path} (WorkflowRuntime:Security:ApiKeysPath) cannot be read: {ex.Message}", ex);
        }

        try
        {
            return ApiKeyFile.Parse(text, path);
        }
        catch (ApiKeyFileException ex)
        {
            throw new ApiKeyLoadException(ex.Message, ex);
        }
    }

    [LoggerMessage(EventId = 1300, EventName = "api_keys_reload_failed", Level = LogLevel.Warning,
        Message = "The API key file {Path} changed but cannot be used; the previous keys stay in force and it is read again on its next change: {Reason}")]
    private static partial void ReloadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1301, EventName = "api_keys_reloaded", Level = LogLevel.Information,
        Message = "The API key file {Path} changed; {KeyCount} keys are in force now")]
    private static partial void Reloaded(ILogger logger, string path, int keyCount);
}

/// <summary>The API key file cannot be used.</summary>
public sealed class ApiKeyLoadException(string message, Exception inner) : Exception(message, inner);
