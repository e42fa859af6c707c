using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// A program the benchmark runs beside itself (the service, the engine simulator, a profiler), its stdout and stderr
/// copied as raw bytes into a log file (no line parsing: that costs the load generator next to nothing during a step).
/// Started directly, not through a shell: <c>sh</c> drops environment variables whose names are not shell identifiers,
/// such as <c>EngineSimulator__Workflows__&lt;uuid&gt;__Outcome</c>.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _logPath;
    private readonly FileStream _log;
    private readonly Task _copying;

    private ChildProcess(Process process, string name, string logPath, FileStream log)
    {
        _process = process;
        Name = name;
        _logPath = logPath;
        _log = log;
        var gate = new SemaphoreSlim(1, 1);
        _copying = Task.WhenAll(CopyAsync(process.StandardOutput.BaseStream, gate), CopyAsync(process.StandardError.BaseStream, gate));
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogPath => _logPath;

    /// <summary>
    /// Starts <paramref name="program"/> with the environment given (and none of the service's inherited settings:
    /// a developer's <c>ConnectionStrings__*</c> must not leak into a measured process).
    /// </summary>
    public static ChildProcess Start(string name, string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment,
        string logPath, string workingDirectory)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys
                     .Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("WorkflowRuntime__", StringComparison.Ordinal)
                                 || k.StartsWith("EngineSimulator__", StringComparison.Ordinal))
                     .ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        try
        {
            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
            return new ChildProcess(process, name, logPath, log);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>Waits until a line of its log contains <paramref name="marker"/>; fails with the log's tail if it exits first.</summary>
    public async Task WaitForLogLineAsync(string marker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        long offset = 0;
        var pending = new StringBuilder();
        while (true)
        {
            await using (var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                stream.Seek(offset, SeekOrigin.Begin);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                pending.Append(await reader.ReadToEndAsync(cancellationToken));
                offset = stream.Position;
            }

            if (pending.ToString().Contains(marker, StringComparison.Ordinal))
            {
                return;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before '{marker}':\n{Tail()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not log '{marker}' within {timeout.TotalSeconds:F0} s:\n{Tail()}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The exit code; the process is killed if it has not ended within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            await _copying;
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Name} did not finish within {timeout.TotalSeconds:F0} s:\n{Tail()}");
        }
    }

    /// <summary>SIGTERM (the service drains its runs), then SIGKILL after <paramref name="grace"/>. The exit code, or null if killed.</summary>
    public async Task<int?> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return _process.ExitCode;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var limit = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            return null;
        }
    }

    /// <summary>The last lines of its log, for an error message.</summary>
    public string Tail(int lines = 20)
    {
        try
        {
            using var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public void Dispose()
    {
        Kill();
        // The pipes close with the process; the last bytes reach the file before it is closed.
        _copying.Wait(TimeSpan.FromSeconds(5));
        _log.Dispose();
        _process.Dispose();
    }

    private async Task CopyAsync(Stream from, SemaphoreSlim gate)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            await gate.WaitAsync();
            try
            {
                await _log.WriteAsync(buffer.AsMemory(0, read));
                await _log.FlushAsync();
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
