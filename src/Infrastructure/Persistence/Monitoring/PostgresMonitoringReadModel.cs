using System.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;

namespace WorkflowRuntime.Infrastructure.Persistence.Monitoring;

/// <summary>
/// The monitoring aggregates in SQL: <c>GROUP BY</c>, <c>FILTER</c> and <c>percentile_cont</c>, each statement on an
/// index (ranges on <c>created_at</c>, active triggers on the partial indexes of migration MonitoringIndexes).
/// The statements of one RPC go in one batch: one round trip per call.
/// </summary>
internal sealed class PostgresMonitoringReadModel(WorkflowRuntimeDbContext db) : IMonitoringReadModel
{
    /// <summary>The reason prefix the scheduler's misfire listener writes on occurrences it records as missed.</summary>
    internal const string MissedReasonPattern = "missed:%";

    private const string ActiveCron = "t.trigger_type = 'CRON' AND t.is_active";
    private const string Expression = "t.trigger_config->>'cron_expression'";
    private const string Zone = "coalesce(t.trigger_config->>'timezone', 'UTC')";

    public Task<DeploymentCounts> CountDeploymentsAsync(string? userId, TimeRange executions, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(executions);
            var byUser = userId is null ? string.Empty : " AND w.user_id = @user";
            var executionsOfUser = userId is null
                ? "FROM workflow_executions e WHERE"
                : "FROM workflow_executions e JOIN workflows w ON w.id = e.workflow_id WHERE w.user_id = @user AND";
            await using var batch = await BatchAsync(cancellationToken,
                $"SELECT w.deployment_status, count(*) FROM workflows w WHERE true{byUser} GROUP BY 1",
                userId is null
                    ? "SELECT t.trigger_type, count(*) FROM workflow_triggers t WHERE t.is_active GROUP BY 1"
                    : $"SELECT t.trigger_type, count(*) FROM workflow_triggers t JOIN workflows w ON w.id = t.workflow_id WHERE t.is_active{byUser} GROUP BY 1",
                $"SELECT e.status, e.mode, count(*) {executionsOfUser} e.created_at >= @from AND e.created_at < @to GROUP BY 1, 2",
                $"""
                SELECT count(d), percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY d), max(d)
                FROM (SELECT extract(epoch FROM e.finished_at - e.started_at)::float8 * 1000 AS d
                      {executionsOfUser} e.created_at >= @from AND e.created_at < @to
                        AND e.started_at IS NOT NULL AND e.finished_at IS NOT NULL) durations
                """);
            Bind(batch, executions, userId);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

            var byStatus = new Dictionary<DeploymentStatus, long>();
            while (await reader.ReadAsync(cancellationToken))
            {
                byStatus[Parse<DeploymentStatus>(reader.GetString(0))] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(cancellationToken);
            var byType = new Dictionary<TriggerType, long>();
            while (await reader.ReadAsync(cancellationToken))
            {
                byType[Parse<TriggerType>(reader.GetString(0))] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(cancellationToken);
            var counts = new List<ExecutionCount>();
            while (await reader.ReadAsync(cancellationToken))
            {
                counts.Add(new ExecutionCount(Parse<ExecutionStatus>(reader.GetString(0)), Parse<ExecutionMode>(reader.GetString(1)), reader.GetInt64(2)));
            }

            await reader.NextResultAsync(cancellationToken);
            var durations = await ReadPercentilesAsync(reader, cancellationToken);
            return new DeploymentCounts(byStatus, byType, counts, durations);
        });

    public Task<SchedulingCounts> CountSchedulingAsync(TimeRange range, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(range);
            // Runs come from the partial index of SCHEDULED rows (index-only); the few SKIPPED rows from their own
            // partial index, which carries the reason that tells a missed occurrence from an overlap skip.
            const string scheduled = "FROM workflow_executions e WHERE e.mode = 'SCHEDULED' AND e.created_at >= @from AND e.created_at < @to";
            await using var batch = await BatchAsync(cancellationToken,
                // Active cron triggers of DRAFT or PAUSED workflows are the exception (ARCHIVED ones are inactive):
                // subtracting them is cheaper than joining every trigger to its workflow.
                $"""
                SELECT (SELECT count(*) FROM workflow_triggers t WHERE {ActiveCron})
                     - (SELECT count(*) FROM workflows w JOIN workflow_triggers t ON t.workflow_id = w.id
                        WHERE w.deployment_status IN ('DRAFT', 'PAUSED') AND {ActiveCron})
                """,
                // Lateness = when the fire was recorded − its occurrence − the trigger's jitter: the part of the
                // delay the jitter does not explain. Measured on the fires that ran.
                $"""
                SELECT count(l), percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY l), max(l)
                FROM (SELECT extract(epoch FROM e.created_at - e.scheduled_for)::float8 * 1000 - coalesce(t.jitter_seconds, 0) * 1000.0 AS l
                      FROM workflow_executions e LEFT JOIN workflow_triggers t ON t.id = e.trigger_id
                      WHERE e.mode = 'SCHEDULED' AND e.created_at >= @from AND e.created_at < @to
                        AND e.status <> 'SKIPPED' AND e.scheduled_for IS NOT NULL) lateness
                """,
                $"SELECT e.owner_instance_id, count(*) {scheduled} AND e.status <> 'SKIPPED' AND e.owner_instance_id IS NOT NULL GROUP BY 1",
                $"""
                SELECT coalesce(e.skip_reason LIKE '{MissedReasonPattern}', false), e.owner_instance_id, count(*)
                {scheduled} AND e.status = 'SKIPPED' GROUP BY 1, 2
                """);
            Bind(batch, range, null);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

            await reader.ReadAsync(cancellationToken);
            var scheduledTriggers = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var runs = reader.GetInt64(0);
            var lateness = runs == 0 ? null : new Percentiles(reader.GetFieldValue<double[]>(1)[0], reader.GetFieldValue<double[]>(1)[1],
                reader.GetFieldValue<double[]>(1)[2], reader.GetDouble(2));
            await reader.NextResultAsync(cancellationToken);
            var byInstance = new Dictionary<string, long>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken))
            {
                byInstance[reader.GetString(0)] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(cancellationToken);
            long misfires = 0;
            long skipped = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                var count = reader.GetInt64(2);
                if (reader.GetBoolean(0))
                {
                    misfires += count;
                    continue;
                }

                skipped += count;
                if (!reader.IsDBNull(1))
                {
                    byInstance[reader.GetString(1)] = byInstance.GetValueOrDefault(reader.GetString(1)) + count;
                }
            }

            return new SchedulingCounts(scheduledTriggers, runs + skipped, misfires, skipped, lateness, byInstance);
        });

    public Task<IReadOnlyList<CronJitterGroup>> ListCronJitterGroupsAsync(string? cronExpression, CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            var filter = cronExpression is null ? string.Empty : $" AND {Expression} = @expression";
            await using var batch = await BatchAsync(cancellationToken, $"""
                SELECT {Expression}, {Zone}, coalesce((t.trigger_config->>'disable_jitter')::boolean, false),
                       coalesce((t.trigger_config->>'jitter_window_seconds')::int, 0), t.jitter_seconds, count(*)
                FROM workflow_triggers t
                WHERE {ActiveCron}{filter}
                GROUP BY 1, 2, 3, 4, 5
                """);
            if (cronExpression is not null)
            {
                batch.BatchCommands[0].Parameters.Add(new NpgsqlParameter("expression", NpgsqlDbType.Text) { Value = cronExpression });
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var groups = new List<CronJitterGroup>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var window = reader.GetInt32(3);
                groups.Add(new CronJitterGroup(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2),
                    window == 0 ? Domain.Jitter.JitterPolicy.DefaultWindowSeconds : window, reader.GetInt32(4), reader.GetInt64(5)));
            }

            return (IReadOnlyList<CronJitterGroup>)groups;
        });

    public Task<IReadOnlyList<CronScheduleGroup>> ListDeployedCronSchedulesAsync(CancellationToken cancellationToken = default) =>
        PersistenceErrors.GuardAsync(async () =>
        {
            await using var batch = await BatchAsync(cancellationToken, $"""
                SELECT {Expression}, {Zone}, t.jitter_seconds, count(*)
                FROM workflow_triggers t JOIN workflows w ON w.id = t.workflow_id
                WHERE {ActiveCron} AND w.deployment_status = 'DEPLOYED'
                GROUP BY 1, 2, 3
                """);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var groups = new List<CronScheduleGroup>();
            while (await reader.ReadAsync(cancellationToken))
            {
                groups.Add(new CronScheduleGroup(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3)));
            }

            return (IReadOnlyList<CronScheduleGroup>)groups;
        });

    private async Task<NpgsqlBatch> BatchAsync(CancellationToken cancellationToken, params string[] statements)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != ConnectionState.Open)
        {
            // Opened through EF so that EF closes it with the scope.
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        var batch = new NpgsqlBatch(connection) { Timeout = db.Database.GetCommandTimeout() ?? 30 };
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        }

        return batch;
    }

    private static void Bind(NpgsqlBatch batch, TimeRange range, string? userId)
    {
        foreach (var command in batch.BatchCommands)
        {
            if (command.CommandText.Contains("@from", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = range.From.UtcDateTime });
                command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = range.To.UtcDateTime });
            }

            if (userId is not null && command.CommandText.Contains("@user", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter("user", NpgsqlDbType.Varchar) { Value = userId });
            }
        }
    }

    private static async Task<Percentiles?> ReadPercentilesAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken);
        if (reader.GetInt64(0) == 0)
        {
            return null;
        }

        var values = reader.GetFieldValue<double[]>(1);
        return new Percentiles(values[0], values[1], values[2], reader.GetDouble(2));
    }

    private static T Parse<T>(string stored) where T : struct, Enum => Enum.Parse<T>(stored, ignoreCase: true);
}
