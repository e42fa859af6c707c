using System.Globalization;
using System.Text;
using Grpc.Core;
using Npgsql;

namespace WorkflowRuntime.IntegrationTests.Faults;

/// <summary>One execution row of a fault test's workflows, as the database has it.</summary>
internal sealed record ExecutionRow(Guid Id, Guid WorkflowId, string Status, string? IdempotencyKey, bool IsExclusive,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>
/// What a fault run did, judged from the callers' answers and the database after recovery: duplicates (a key or an
/// OK trigger that ran twice), lost (an OK trigger with no row), stranded (a row still NEW or RUNNING), overlaps of
/// SKIP runs, the status codes seen, and the time from the end of the fault to the first OK trigger after it.
/// </summary>
internal sealed class FaultVerdict
{
    private static readonly HashSet<string> Terminal = ["SUCCESS", "ERROR", "CANCELED", "TIMEOUT", "SKIPPED"];

    public required string Scenario { get; init; }

    public required string Fault { get; init; }

    public required int Callers { get; init; }

    public required TimeSpan LoadDuration { get; init; }

    public required IReadOnlyDictionary<StatusCode, int> Codes { get; init; }

    public required int OkTriggers { get; init; }

    public required int Rows { get; init; }

    public required int Duplicates { get; init; }

    public required int Lost { get; init; }

    public required int Stranded { get; init; }

    public required int Overlaps { get; init; }

    public required int Skipped { get; init; }

    public required TimeSpan? Recovery { get; init; }

    public required IReadOnlyList<string> Problems { get; init; }

    public static async Task<FaultVerdict> JudgeAsync(string scenario, string fault, int callers, TimeSpan duration,
        IReadOnlyCollection<TriggerCall> calls, IReadOnlyList<LoadWorkflow> workflows, string connectionString, TimeSpan faultEnd,
        TimeSpan recoveryBound)
    {
        var rows = await WaitForTerminalAsync(workflows, connectionString, recoveryBound);
        var problems = new List<string>();
        var ok = calls.Where(c => c.Code == StatusCode.OK).ToList();
        var byId = rows.ToDictionary(r => r.Id);

        var lost = ok.Where(c => !byId.ContainsKey(Guid.Parse(c.ExecutionId!))).ToList();
        problems.AddRange(lost.Take(5).Select(c => $"lost: OK trigger {c.ExecutionId} of {c.WorkflowId} has no row"));

        // A key ran twice if the database holds two rows for it, or callers were answered with two different runs.
        var keyRows = rows.Where(r => r.IdempotencyKey is not null).GroupBy(r => (r.WorkflowId, r.IdempotencyKey)).Where(g => g.Count() > 1).ToList();
        var keyAnswers = ok.Where(c => c.IdempotencyKey is not null).GroupBy(c => (c.WorkflowId, c.IdempotencyKey))
            .Where(g => g.Select(c => c.ExecutionId).Distinct().Count() > 1).ToList();
        var duplicates = keyRows.Sum(g => g.Count() - 1) + keyAnswers.Sum(g => g.Select(c => c.ExecutionId).Distinct().Count() - 1);
        problems.AddRange(keyRows.Take(5).Select(g => $"duplicate: key {g.Key.IdempotencyKey} of {g.Key.WorkflowId} has {g.Count()} rows"));
        problems.AddRange(keyAnswers.Take(5).Select(g => $"duplicate: key {g.Key.IdempotencyKey} answered with {g.Select(c => c.ExecutionId).Distinct().Count()} runs"));

        var stranded = rows.Where(r => !Terminal.Contains(r.Status)).ToList();
        problems.AddRange(stranded.Take(5).Select(r => $"stranded: {r.Id} still {r.Status}"));

        var overlaps = CountOverlaps(rows, workflows, problems);
        var unexpected = calls.Where(c => c.Code is StatusCode.Internal or StatusCode.Unknown).ToList();
        problems.AddRange(unexpected.Take(5).Select(c => $"{c.Code} at {c.At.TotalSeconds:0.0} s: {c.Detail}"));

        var firstOkAfter = ok.Where(c => c.At >= faultEnd).Select(c => (TimeSpan?)c.At).Min();
        if (firstOkAfter is null)
        {
            problems.Add("no OK trigger after the fault ended: the service did not recover within the load");
        }

        return new FaultVerdict
        {
            Scenario = scenario,
            Fault = fault,
            Callers = callers,
            LoadDuration = duration,
            Codes = calls.GroupBy(c => c.Code).ToDictionary(g => g.Key, g => g.Count()),
            OkTriggers = ok.Count,
            Rows = rows.Count,
            Duplicates = duplicates,
            Lost = lost.Count,
            Stranded = stranded.Count,
            Overlaps = overlaps,
            Skipped = rows.Count(r => r.Status == "SKIPPED"),
            Recovery = firstOkAfter - faultEnd,
            Problems = problems,
        };
    }

    /// <summary>One line of the table in docs/reliability.md.</summary>
    public string ToMarkdownRow()
    {
        var codes = string.Join(", ", Codes.OrderByDescending(c => c.Value).Select(c => $"{Name(c.Key)} {c.Value}"));
        var recovery = Recovery is { } r ? $"{r.TotalSeconds:0.0} s" : "none";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {Scenario} | {Callers} callers × {LoadDuration.TotalSeconds:0} s, {Codes.Values.Sum()} triggers | {Fault} | {codes} | {OkTriggers} OK → {Rows} rows ({Skipped} skipped) | {Duplicates} | {Lost} | {Stranded} | {Overlaps} | {recovery} |");
    }

    public override string ToString()
    {
        var text = new StringBuilder(ToMarkdownRow());
        foreach (var problem in Problems)
        {
            text.Append('\n').Append("  ").Append(problem);
        }

        return text.ToString();
    }

    private static string Name(StatusCode code) => code switch
    {
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        _ => code.ToString().ToUpperInvariant(),
    };

    private static int CountOverlaps(IReadOnlyList<ExecutionRow> rows, IReadOnlyList<LoadWorkflow> workflows, List<string> problems)
    {
        var overlaps = 0;
        foreach (var workflow in workflows.Where(w => w.Exclusive))
        {
            var ran = rows.Where(r => r.WorkflowId == Guid.Parse(workflow.Id) && r.Status != "SKIPPED" && r.StartedAt is not null)
                .OrderBy(r => r.StartedAt).ToList();
            for (var i = 1; i < ran.Count; i++)
            {
                var previous = ran[i - 1];
                if (previous.FinishedAt is null || ran[i].StartedAt < previous.FinishedAt)
                {
                    overlaps++;
                    if (overlaps <= 5)
                    {
                        problems.Add($"overlap: {ran[i].Id} started {ran[i].StartedAt:O} before {previous.Id} ended {previous.FinishedAt:O}");
                    }
                }
            }
        }

        return overlaps;
    }

    private static async Task<IReadOnlyList<ExecutionRow>> WaitForTerminalAsync(IReadOnlyList<LoadWorkflow> workflows, string connectionString,
        TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            var rows = await ReadRowsAsync(workflows, connectionString);
            if (rows.All(r => Terminal.Contains(r.Status)) || DateTime.UtcNow >= deadline)
            {
                return rows;
            }

            await Task.Delay(500);
        }
    }

    private static async Task<IReadOnlyList<ExecutionRow>> ReadRowsAsync(IReadOnlyList<LoadWorkflow> workflows, string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT id, workflow_id, status, idempotency_key, is_exclusive, started_at, finished_at FROM workflow_executions WHERE workflow_id = ANY(@ids)",
            connection);
        command.Parameters.AddWithValue("ids", workflows.Select(w => Guid.Parse(w.Id)).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ExecutionRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ExecutionRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return rows;
    }
}
