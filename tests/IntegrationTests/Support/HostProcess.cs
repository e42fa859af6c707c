using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>The service as operators run it: its own process, configured through environment variables.</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private bool _killed;

    private HostProcess(Process process)
    {
        _process = process;
    }

    public IReadOnlyCollection<string> StandardOutput => _stdout;

    public string StandardError => string.Join('\n', _stderr);

    /// <summary>Starts <c>dotnet WorkflowRuntime.dll</c> with only the given settings (no inherited connection strings).</summary>
    public static HostProcess Start(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(HostAssemblyPath());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("WorkflowRuntime__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) host._stdout.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) host._stderr.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The exit code, or null if the process still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // drains the redirected streams
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The first JSON log line whose <c>event</c> is <paramref name="eventName"/>, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<JsonElement?> WaitForEventAsync(string eventName, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = Events().FirstOrDefault(e => e.GetProperty("event").GetString() == eventName);
            if (found.ValueKind != JsonValueKind.Undefined)
            {
                return found;
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                found = Events().FirstOrDefault(e => e.GetProperty("event").GetString() == eventName);
                return found.ValueKind == JsonValueKind.Undefined ? null : found;
            }

            await Task.Delay(50);
        }

        return null;
    }

    /// <summary>
    /// Every stdout line parsed as strict JSON (a key twice in one object is an error); a line that is not fails the
    /// parse (and the test).
    /// </summary>
    public IEnumerable<JsonElement> Events() => _stdout.ToArray().Select(line => JsonDocument.Parse(line, StrictLogCapture.Strict).RootElement.Clone());

    /// <summary>Waits for <c>service_started</c>; fails the test with the process's own output if it never comes.</summary>
    public async Task AssertStartedAsync(TimeSpan timeout)
    {
        var started = await WaitForEventAsync("service_started", timeout);
        Assert.True(started is not null,
            $"the host did not start within {timeout}:\n{string.Join('\n', _stdout.TakeLast(20))}\n{StandardError}");
    }

    /// <summary>The environment of a production-profile instance against the test servers, on fresh ports.</summary>
    public static Dictionary<string, string> Settings(string? postgres = null, string? redis = null, int? httpPort = null, int? grpcPort = null) => new()
    {
        ["ConnectionStrings__Postgres"] = postgres ?? TestSettings.PostgresConnectionString,
        ["ConnectionStrings__Redis"] = redis ?? TestSettings.RedisConnectionString,
        ["WorkflowRuntime__Server__GrpcPort"] = (grpcPort ?? FreePort.Next()).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WorkflowRuntime__Server__HttpPort"] = (httpPort ?? FreePort.Next()).ToString(System.Globalization.CultureInfo.InvariantCulture),
        // A cold process on a busy 2-core CI machine needs a few seconds for its first database round trip;
        // an unreachable server still fails at once (connection refused).
        ["WorkflowRuntime__Server__StartupCheckTimeoutMs"] = "20000",
        ["WorkflowRuntime__Persistence__HealthCheckTimeoutMs"] = "15000",
        ["Logging__LogLevel__Default"] = "Information",
        // Production profile without credentials: say so explicitly (the security tests override it).
        ["WorkflowRuntime__Security__AllowInsecure"] = "true",
    };

    /// <summary>SIGKILL: the instance dies without a chance to clean up.</summary>
    public void Kill()
    {
        _killed = true;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Sends SIGTERM, as Kubernetes does on a rolling update.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();

    public ValueTask DisposeAsync()
    {
        var killed = _killed;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            killed = true;
        }

        _process.Dispose();
        // Every line the process wrote must be strict JSON; a SIGKILL may cut the very last one short.
        var lines = _stdout.ToArray();
        foreach (var line in killed ? lines.SkipLast(1) : lines)
        {
            StrictLogCapture.AssertStrictLine(line);
        }

        return ValueTask.CompletedTask;
    }

    private static string HostAssemblyPath()
    {
        // The host's own build output, not the copy beside the tests: coverage instruments the copies in the test
        // directory, and a child process loading them would race the test process for their hit files.
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = testDirectory.Name;
        var configuration = testDirectory.Parent!.Name;
        var path = Path.Combine(RepositoryFiles.Root, "src", "Presentation.Grpc", "bin", configuration, framework, "WorkflowRuntime.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the solution first: the host assembly is missing", path);
    }
}
