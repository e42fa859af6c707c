using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>
/// The service's sampled time by subsystem: for each area, the largest inclusive share among the frames that belong
/// to it, read from <c>dotnet-trace report … topN --inclusive -v</c>. Frames nest, so areas overlap and do not sum to
/// 100 %; async methods count only the slices they run synchronously. Good for "where does it go" and for comparing
/// runs, not for adding up. An area whose frames are not in the report's top rows shows as below its last row.
/// </summary>
internal static partial class ProfileBreakdown
{
    private static readonly (string Area, string[] Frames)[] Areas =
    [
        ("gRPC TriggerWorkflow handler (the whole use case, synchronous slices)", ["WorkflowRuntimeGrpcService+<TriggerWorkflow>"]),
        ("execution tracker (polls, engine status, final write)", ["ExecutionTracker+<FollowAsync>"]),
        ("EF Core SaveChanges", ["DbContext+<SaveChangesAsync>"]),
        ("EF Core queries (query cache, shaping)", ["QueryCompiler::ExecuteAsync", "QueryCompiler.ExecuteAsync"]),
        ("DI scopes and DbContext creation", ["dynamicClass::ResolveService", "ServiceProviderEngineScope::GetService", "ServiceProviderEngineScope.GetService"]),
        ("Npgsql command execution", ["NpgsqlCommand::ExecuteDbDataReaderAsync", "NpgsqlCommand.ExecuteDbDataReaderAsync"]),
        ("TLS to PostgreSQL (OpenSSL)", ["libssl.so", "SslStream"]),
        ("Redis lock calls", ["DistributedLockManager+<AcquireLockAsync>", "DistributedLockManager+<ReleaseLockAsync>"]),
        ("StackExchange.Redis I/O threads (dedicated pipe scheduler)", ["DedicatedThreadPoolPipeScheduler::RunWorkLoop", "DedicatedThreadPoolPipeScheduler.RunWorkLoop"]),
        ("OpenTelemetry Redis instrumentation (profiles every command)", ["StackExchangeRedisConnectionInstrumentation::DrainEntries", "StackExchangeRedisConnectionInstrumentation.DrainEntries"]),
        ("console logging (JSON lines to stdout)", ["microsoft.extensions.logging.console!", "ConsoleLoggerProcessor", "SyncTextWriter::Write"]),
        ("engine gRPC client", ["GrpcWorkflowEngine+<CallAsync>"]),
        ("JIT", ["libclrjit.so"]),
        ("kernel: futex (threads sleeping and waking)", ["vmlinux!__x64_sys_futex"]),
        ("kernel: socket send", ["vmlinux!__x64_sys_sendto"]),
        ("kernel: socket receive", ["vmlinux!__x64_sys_recvfrom"]),
        ("kernel: epoll", ["vmlinux!__x64_sys_epoll_wait"]),
    ];

    public static IReadOnlyList<ProfileArea> Of(string inclusiveReport)
    {
        var rows = Rows(inclusiveReport);
        var floor = rows.Count == 0 ? 0 : rows.Min(r => r.Inclusive);
        return [.. Areas.Select(a =>
        {
            var matches = rows.Where(r => a.Frames.Any(f => r.Name.Contains(f, StringComparison.Ordinal))).ToList();
            if (matches.Count == 0)
            {
                return new ProfileArea(a.Area, null, floor, null);
            }

            var top = matches.MaxBy(r => r.Inclusive);
            return new ProfileArea(a.Area, top.Inclusive, null, top.Name);
        })];
    }

    public static string Render(IReadOnlyList<ProfileArea> areas)
    {
        var text = new StringBuilder();
        foreach (var a in areas)
        {
            var share = a.InclusivePercent is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + " %" : $"< {a.BelowPercent?.ToString("0.00", CultureInfo.InvariantCulture)} %";
            text.Append(CultureInfo.InvariantCulture, $"{a.Area,-70} {share,10}  {a.Frame}\n");
        }

        return text.ToString();
    }

    /// <summary>The report's rows, each name with its wrapped continuation lines joined back.</summary>
    private static List<(string Name, double Inclusive)> Rows(string report)
    {
        var rows = new List<(string Name, double Inclusive)>();
        foreach (var line in report.Split('\n'))
        {
            var row = RowLine().Match(line);
            if (row.Success)
            {
                rows.Add((row.Groups["name"].Value.Trim(), double.Parse(row.Groups["inclusive"].Value, CultureInfo.InvariantCulture)));
            }
            else if (rows.Count > 0 && line.StartsWith("     ", StringComparison.Ordinal))
            {
                rows[^1] = (rows[^1].Name + line.Trim(), rows[^1].Inclusive);
            }
        }

        return rows;
    }

    [GeneratedRegex(@"^\s*\d+\.\s+(?<name>.+?)\s+(?<inclusive>[\d.]+)%\s+[\d.]+%\s*$")]
    private static partial Regex RowLine();
}

/// <summary>One area: its largest inclusive share and the frame that has it, or (not in the report) the bound it is below.</summary>
internal sealed record ProfileArea(string Area, double? InclusivePercent, double? BelowPercent, string? Frame);
