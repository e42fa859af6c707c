using System.Diagnostics;
using Npgsql;

namespace WorkflowRuntime.Benchmarks.Shared;

/// <summary>What a benchmark report records about the run itself: the code, the database server, the command line.</summary>
internal static class RunInfo
{
    /// <summary><c>git describe</c> of the working tree (with <c>-dirty</c> when it has local changes), or "unknown".</summary>
    public static async Task<string> GitCommitAsync()
    {
        try
        {
            var start = new ProcessStartInfo("git", "describe --always --dirty --abbrev=10") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(start)!;
            var output = (await git.StandardOutput.ReadToEndAsync()).Trim();
            await git.WaitForExitAsync();
            return git.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    public static async Task<string> PostgresVersionAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The connection string as it may be written into a report.</summary>
    public static string WithoutPassword(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.Password))
        {
            builder.Password = "***";
        }

        return builder.ConnectionString;
    }

    /// <summary>The command line as a shell would take it back (for the report's "Command" line).</summary>
    public static string CommandLine(string prefix, IEnumerable<string> args) => prefix + " " + string.Join(' ', args.Select(Quote));

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=' or ',')
            ? argument
            : $"\"{argument.Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
}
