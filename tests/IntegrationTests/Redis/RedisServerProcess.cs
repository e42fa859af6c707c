using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WorkflowRuntime.IntegrationTests.Redis;

/// <summary>
/// A throw-away <c>redis-server</c> child process on a free local port, without persistence, for tests that must
/// stop Redis. Disposing it always kills the process.
/// </summary>
/// <remarks>Prefer <c>await using</c>: it also waits until the process is gone.</remarks>
internal sealed class RedisServerProcess : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RedisServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static Task<RedisServerProcess> StartAsync() => StartAsync(FindFreePort());

    /// <summary>Starts a server on <paramref name="port"/>: a restart after <see cref="KillAsync"/> keeps the clients' address.</summary>
    public static async Task<RedisServerProcess> StartAsync(int port)
    {
        var startInfo = new ProcessStartInfo(FindRedisServer())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("redis-server did not start.");
        var server = new RedisServerProcess(process, port);
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await server.WaitUntilItAnswersPingAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server the hard way (SIGKILL), as a crash or a lost host would, and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        // Waiting asynchronously matters: a blocking WaitForExit needs thread-pool threads to drain the redirected
        // output, and blocking xunit's test thread meanwhile stalls every other test's continuations for seconds.
        SendKill();
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Suspends the server (SIGSTOP): connections stay open but nothing answers, as with a hung host or a network
    /// partition. The client cannot tell this from a slow server, so only timeouts bound a caller's wait.
    /// </summary>
    public async Task FreezeAsync()
    {
        using var kill = Process.Start("kill", ["-STOP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -STOP {_process.Id} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Resumes a server suspended by <see cref="FreezeAsync"/> (SIGCONT).</summary>
    public async Task ThawAsync()
    {
        using var resume = Process.Start("kill", ["-CONT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await resume.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>Kills without waiting, for callers that cannot await; the runtime reaps the child.</summary>
    public void Dispose()
    {
        try
        {
            SendKill();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void SendKill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited (or disposed): nothing left to kill.
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilItAnswersPingAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartupTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {Output()}");
            }

            if (await AnswersPingAsync())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"redis-server on port {Port} did not answer PING within {StartupTimeout}: {Output()}");
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static int FindFreePort()
    {
        // The port is released before redis-server binds it; a collision in that instant fails the start loudly.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRedisServer()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var found = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "redis-server"))
            .FirstOrDefault(File.Exists);
        return found ?? (File.Exists("/usr/bin/redis-server")
            ? "/usr/bin/redis-server"
            : throw new FileNotFoundException("redis-server is not on PATH; install it (apt-get install redis-server)."));
    }
}
