using Npgsql;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Benchmarks.Scheduler;

/// <summary>
/// Fire lateness and counts, read from the service's own tables: a SCHEDULED execution is one fire of occurrence
/// <c>scheduled_for</c>, due at <c>scheduled_for + jitter_seconds</c> of its trigger, fired at <c>created_at</c>.
/// </summary>
internal static class FireAnalysis
{
    private const string MissedPrefix = "missed:";

    /// <summary>Due time of a scheduled execution: its occurrence plus its trigger's resolved jitter.</summary>
    private const string Due = "(e.scheduled_for + t.jitter_seconds * interval '1 second')";

    public static async Task<IReadOnlyList<DeployedTrigger>> ReadTriggersAsync(NpgsqlConnection database, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT t.id, t.jitter_seconds FROM workflow_triggers t JOIN workflows w ON w.id = t.workflow_id
            WHERE t.trigger_type = 'CRON' AND t.is_active AND w.deployment_status = 'DEPLOYED'
            """;
        var triggers = new List<DeployedTrigger>();
        await using var command = new NpgsqlCommand(sql, database);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            triggers.Add(new DeployedTrigger(reader.GetGuid(0), reader.GetInt32(1)));
        }

        return triggers;
    }

    /// <summary>Every (trigger, occurrence) whose due time lies in [start, end).</summary>
    public static IReadOnlyList<ExpectedFire> ExpectedOccurrences(string cron, IReadOnlyList<DeployedTrigger> triggers,
        DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        var schedule = CronTriggerSpec.Create(cron);
        var expected = new List<ExpectedFire>();
        foreach (var trigger in triggers)
        {
            var jitter = TimeSpan.FromSeconds(trigger.JitterSeconds);
            for (var occurrence = schedule.NextOccurrenceAfter(windowStart - jitter - TimeSpan.FromTicks(1));
                 occurrence is { } at && at + jitter < windowEnd;
                 occurrence = schedule.NextOccurrenceAfter(at))
            {
                expected.Add(new ExpectedFire(trigger.Id, at, at + jitter));
            }
        }

        return expected;
    }

    public static async Task<long> CountRecordedSinceAsync(NpgsqlConnection database, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM workflow_executions WHERE mode = 'SCHEDULED' AND created_at >= @since", database);
        command.Parameters.AddWithValue("since", since);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Occurrences due in the window that have a record (fired, skipped or missed).</summary>
    public static async Task<long> CountAccountedAsync(NpgsqlConnection database, DateTimeOffset windowStart, DateTimeOffset windowEnd,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT count(*) FROM workflow_executions e JOIN workflow_triggers t ON t.id = e.trigger_id
            WHERE e.mode = 'SCHEDULED' AND {Due} >= @start AND {Due} < @end
            """, database);
        command.Parameters.AddWithValue("start", windowStart);
        command.Parameters.AddWithValue("end", windowEnd);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Quartz triggers whose next fire time lies further in the past than the catch-up window: Quartz no longer acquires
    /// them, and only its misfire handler can move them on.
    /// </summary>
    public static async Task<long> CountStuckTriggersAsync(NpgsqlConnection database, DateTimeOffset before, CancellationToken cancellationToken)
    {
        // Quartz.NET stores times as DateTimeOffset.UtcTicks.
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM qrtz_triggers WHERE trigger_group = 'workflows' AND next_fire_time < @before", database);
        command.Parameters.AddWithValue("before", before.UtcTicks);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Triggers created in the very second of their first fire: Quartz keeps the sub-millisecond part of a StartNow()
    /// start time, so that fire time lies just before the start, and JitteredCronTrigger.GetFireTimeAfter, which moves
    /// any time before the start to "start − 1 s", returns the same fire time again after it fired.
    /// </summary>
    public static async Task<int> CountStartSecondTriggersAsync(NpgsqlConnection database, string cron, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT q.start_time, t.jitter_seconds FROM qrtz_triggers q JOIN workflow_triggers t ON t.id::text = q.trigger_name
            WHERE q.trigger_group = 'workflows'
            """;
        var schedule = CronTriggerSpec.Create(cron);
        var hits = 0;
        await using var command = new NpgsqlCommand(sql, database);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var start = new DateTimeOffset(reader.GetInt64(0), TimeSpan.Zero);
            var jitter = TimeSpan.FromSeconds(reader.GetInt32(1));
            var firstFire = schedule.NextOccurrenceAfter(start - TimeSpan.FromSeconds(1) - jitter) + jitter;
            if (firstFire < start)
            {
                hits++;
            }
        }

        return hits;
    }

    public static async Task<FireFigures> AnalyseAsync(NpgsqlConnection database, int workflows, IReadOnlyList<ExpectedFire> expected,
        IReadOnlyCollection<QuartzFire> quartzFires, long stuckTriggers, int startSecondTriggers, DateTimeOffset windowStart, DateTimeOffset windowEnd,
        double settleSeconds, CancellationToken cancellationToken)
    {
        var records = await ReadRecordsAsync(database, windowStart, windowEnd, cancellationToken);
        var fired = records.Where(r => !r.IsMissed).ToList();
        var recordedKeys = records.Select(r => (r.TriggerId, r.Occurrence)).ToHashSet();
        var absent = expected.Count(e => !recordedKeys.Contains((e.TriggerId, e.Occurrence)));

        var statuses = records
            .GroupBy(r => r.Status == "SKIPPED" ? (r.IsMissed ? "SKIPPED (missed)" : "SKIPPED (workflow busy)") : r.Status)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        var errors = records.Where(r => r.Status == "ERROR" && r.ErrorMessage is not null)
            .GroupBy(r => r.ErrorMessage!)
            .OrderByDescending(g => g.Count())
            .Take(5)
            .Select(g => $"{g.Count()} × {g.Key}")
            .ToList();

        var lateness = fired.Select(r => (r.CreatedAt - r.DueAt).TotalMilliseconds).ToList();
        var perMinute = expected.GroupBy(e => e.Occurrence)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var minuteFires = fired.Where(r => r.Occurrence == g.Key).ToList();
                var minuteLateness = Distribution.Of(minuteFires.Select(r => (r.CreatedAt - r.DueAt).TotalMilliseconds));
                var lastFire = minuteFires.Count == 0 ? 0 : (minuteFires.Max(r => r.CreatedAt) - g.Key).TotalSeconds;
                return new MinuteFigures(g.Key, g.Count(), minuteFires.Count, records.Count(r => r.IsMissed && r.Occurrence == g.Key),
                    Math.Round(minuteLateness.P50), Math.Round(minuteLateness.P99), Math.Round(minuteLateness.Max), Math.Round(lastFire, 1));
            })
            .ToList();

        // Quartz's view: the first fire of each expected occurrence, and how often an occurrence was fired again.
        var expectedKeys = expected.Select(e => (e.TriggerId, e.Occurrence)).ToHashSet();
        var firesByOccurrence = quartzFires.GroupBy(f => (f.TriggerId, f.Occurrence)).ToList();
        var quartzLateness = firesByOccurrence.Where(g => expectedKeys.Contains(g.Key)).Select(g => (double)g.Min(f => f.LatenessMs));
        var repeated = firesByOccurrence.Where(g => g.Count() > 1).ToList();

        return new FireFigures
        {
            Expected = expected.Count,
            Fired = fired.Count,
            RecordedMissed = records.Count(r => r.IsMissed),
            Absent = absent,
            Statuses = statuses,
            ErrorSamples = errors,
            LatenessMs = Round(Distribution.Of(lateness)),
            EngineStartMs = Round(Distribution.Of(fired.Where(r => r.StartedAt is not null).Select(r => (r.StartedAt!.Value - r.CreatedAt).TotalMilliseconds))),
            OnTimeShare = lateness.Count == 0 ? 0 : Math.Round(lateness.Count(l => l < 1000) / (double)lateness.Count, 4),
            DuePeakPerSecond = PeakPerSecond(expected.Select(e => e.DueAt)),
            FiredPeakPerSecond = PeakPerSecond(fired.Select(r => r.CreatedAt)),
            UnjitteredDuePeakPerSecond = workflows,
            PerMinute = perMinute,
            QuartzLatenessMs = Round(Distribution.Of(quartzLateness)),
            QuartzFires = quartzFires.Count,
            RepeatedFires = repeated.Sum(g => g.Count() - 1L),
            TriggersFiredRepeatedly = repeated.Select(g => g.Key.TriggerId).Distinct().Count(),
            StuckTriggers = stuckTriggers,
            StartSecondTriggers = startSecondTriggers,
            SettleSeconds = Math.Round(settleSeconds, 1),
        };
    }

    private static long PeakPerSecond(IEnumerable<DateTimeOffset> times) =>
        times.GroupBy(t => t.ToUnixTimeSeconds()).Select(g => (long)g.Count()).DefaultIfEmpty(0).Max();

    private static Distribution Round(Distribution d) =>
        new(d.Count, Math.Round(d.Min, 1), Math.Round(d.P50, 1), Math.Round(d.P95, 1), Math.Round(d.P99, 1), Math.Round(d.Max, 1), Math.Round(d.Mean, 1));

    private static async Task<List<FireRecord>> ReadRecordsAsync(NpgsqlConnection database, DateTimeOffset windowStart, DateTimeOffset windowEnd,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT e.trigger_id, e.scheduled_for, {Due}, e.created_at, e.started_at, e.status, e.skip_reason, e.error_message
            FROM workflow_executions e JOIN workflow_triggers t ON t.id = e.trigger_id
            WHERE e.mode = 'SCHEDULED' AND {Due} >= @start AND {Due} < @end
            """, database);
        command.Parameters.AddWithValue("start", windowStart);
        command.Parameters.AddWithValue("end", windowEnd);
        var records = new List<FireRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new FireRecord(
                reader.GetGuid(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5),
                !reader.IsDBNull(6) && reader.GetString(6).StartsWith(MissedPrefix, StringComparison.Ordinal),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return records;
    }

    private sealed record FireRecord(Guid TriggerId, DateTimeOffset Occurrence, DateTimeOffset DueAt, DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt, string Status, bool IsMissed, string? ErrorMessage);
}

internal sealed record DeployedTrigger(Guid Id, int JitterSeconds);

internal sealed record ExpectedFire(Guid TriggerId, DateTimeOffset Occurrence, DateTimeOffset DueAt);
