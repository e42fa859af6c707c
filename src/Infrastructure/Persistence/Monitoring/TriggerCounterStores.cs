using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using WorkflowRuntime.Application.Monitoring;

namespace WorkflowRuntime.Infrastructure.Persistence.Monitoring;

/// <summary>One <c>UPDATE … FROM unnest(…)</c> for every trigger of the flush: one round trip, whatever the count.</summary>
internal sealed class PostgresTriggerCounterStore(WorkflowRuntimeDbContext db) : ITriggerCounterStore
{
    public Task AddFiresAsync(IReadOnlyCollection<TriggerFireTally> tallies, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(tallies);
            if (tallies.Count == 0)
            {
                return 0;
            }

            // GREATEST ignores NULL, so a first fire sets last_fired_at and a late flush never moves it back.
            return await db.Database.ExecuteSqlRawAsync("""
                UPDATE workflow_triggers AS t
                SET fire_count = t.fire_count + v.fires, last_fired_at = GREATEST(t.last_fired_at, v.last_fired_at)
                FROM unnest(@ids, @fires, @last) AS v(id, fires, last_fired_at)
                WHERE t.id = v.id
                """,
                [
                    new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = tallies.Select(t => t.TriggerId).ToArray() },
                    new NpgsqlParameter("fires", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = tallies.Select(t => t.Fires).ToArray() },
                    new NpgsqlParameter("last", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
                    {
                        Value = tallies.Select(t => t.LastFiredAt.UtcDateTime).ToArray(),
                    },
                ],
                cancellationToken);
        });
}

/// <summary>Embedded: one UPDATE per trigger in one transaction (a single local file, no network round trips).</summary>
internal sealed class SqliteTriggerCounterStore(WorkflowRuntimeDbContext db) : ITriggerCounterStore
{
    public Task AddFiresAsync(IReadOnlyCollection<TriggerFireTally> tallies, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(tallies);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var tally in tallies)
            {
                var at = tally.LastFiredAt;
                await db.Triggers.Where(t => t.Id == tally.TriggerId).ExecuteUpdateAsync(set => set
                    .SetProperty(t => t.FireCount, t => t.FireCount + tally.Fires)
                    .SetProperty(t => t.LastFiredAt, t => t.LastFiredAt == null || t.LastFiredAt < at ? at : t.LastFiredAt),
                    cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return tallies.Count;
        });
}
