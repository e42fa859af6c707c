namespace WorkflowRuntime.Infrastructure.Security;

/// <summary>
/// A value loaded from files (a key file, a PEM certificate, a token) that is loaded again when one of its files
/// changes, so a rotated Kubernetes secret takes effect without a restart. The files are looked at no more often than
/// <c>interval</c>; a reload that fails keeps the last good value and reports the error, so a half-written secret
/// never locks every caller out. <see cref="TimeSpan.Zero"/> disables reloading.
/// </summary>
public sealed class FileBackedValue<T>
    where T : class
{
    private readonly IReadOnlyList<string> _paths;
    private readonly Func<T> _load;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _clock;
    private readonly Action<Exception>? _reloadFailed;
    private readonly Action<T>? _reloaded;
    private readonly Lock _gate = new();
    private T _value;
    private DateTime[] _stamps;
    private DateTimeOffset _nextCheck;

    /// <summary>Loads now; an exception from <paramref name="load"/> propagates (start-up refuses a bad file).</summary>
    public FileBackedValue(IReadOnlyList<string> paths, Func<T> load, TimeSpan interval, TimeProvider clock,
        Action<Exception>? reloadFailed = null, Action<T>? reloaded = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(clock);
        _paths = paths;
        _load = load;
        _interval = interval;
        _clock = clock;
        _reloadFailed = reloadFailed;
        _reloaded = reloaded;
        _stamps = Stamps();
        _value = load();
        _nextCheck = clock.GetUtcNow() + interval;
    }

    public T Current
    {
        get
        {
            if (_interval <= TimeSpan.Zero || _clock.GetUtcNow() < _nextCheck)
            {
                return _value;
            }

            lock (_gate)
            {
                if (_clock.GetUtcNow() >= _nextCheck)
                {
                    _nextCheck = _clock.GetUtcNow() + _interval;
                    ReloadIfChanged();
                }

                return _value;
            }
        }
    }

    private void ReloadIfChanged()
    {
        var stamps = Stamps();
        if (stamps.SequenceEqual(_stamps))
        {
            return;
        }

        try
        {
            var value = _load();
            _value = value;
            _stamps = stamps;
            _reloaded?.Invoke(value);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException
                                       or System.Security.Cryptography.CryptographicException or ApiKeyLoadException)
        {
            // Keep the stamps of the last good load: the next check tries again (the secret may be half written).
            _reloadFailed?.Invoke(ex);
        }
    }

    // File.GetLastWriteTimeUtc follows symbolic links, which is how Kubernetes swaps a mounted secret.
    private DateTime[] Stamps() => [.. _paths.Select(File.GetLastWriteTimeUtc)];
}
