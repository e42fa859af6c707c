using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace WorkflowRuntime.IntegrationTests.Faults;

/// <summary>
/// A throw-away PostgreSQL 15 cluster of the test's own (initdb into a temp directory, a free port, trust auth on
/// loopback), so a test can stop and restart PostgreSQL without touching the shared server. The server runs as the
/// <c>postgres</c> OS user when the tests run as root (PostgreSQL refuses to run as root). Disposing stops it and
/// deletes the directory.
/// </summary>
internal sealed class PostgresClusterProcess : IAsyncDisposable
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const string Role = "workflow_runtime";
    private readonly string _directory;

    private PostgresClusterProcess(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username={Role};Database={Role};Maximum Pool Size=30;Timeout=5";

    public static bool IsAvailable => File.Exists(Path.Combine(BinDirectory, "initdb"));

    public static async Task<PostgresClusterProcess> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"wr-faults-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var cluster = new PostgresClusterProcess(directory, FreePort());
        try
        {
            if (Environment.UserName == "root")
            {
                await RunAsync("chown", "postgres:postgres", directory);
            }

            await PgAsync("initdb", "-D", cluster.DataDirectory, "-A", "trust", "-U", Role, "--no-sync", "-E", "UTF8");
            await cluster.StartServerAsync();
            await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={cluster.Port};Username={Role};Database=postgres"))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Role}", connection);
                await create.ExecuteNonQueryAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server the hard way (<c>-m immediate</c>: no checkpoint, like a crash); clients see their connections die.</summary>
    public Task StopAsync() => PgAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");

    public Task StartServerAsync() => PgAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(DataDirectory))
            {
                await PgAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
            }
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    private static Task PgAsync(string tool, params string[] arguments)
    {
        var path = Path.Combine(BinDirectory, tool);
        return Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)}: {await stdout}{await stderr}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
