using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WorkflowRuntime.Application.Diagnostics;

namespace WorkflowRuntime.Infrastructure.Persistence.Repositories;

/// <summary>
/// Group commit on PostgreSQL (ADR 0027): the rows callers hand in while a statement is under way go out together in
/// the next one, instead of one statement and one commit each. Nothing waits for company: a row that finds the
/// batcher idle goes out at once. A subclass gives the statement, which returns the ids of the rows it found (wrote,
/// or matched); each caller learns whether its row was among them, or that the statement failed, and then does its
/// work on its own, where every error means what it always meant.
/// </summary>
public abstract class StatementBatcher<TRow> : IAsyncDisposable
    where TRow : class
{
    /// <summary>Rows per statement: more than any burst a 2-core instance produces between two statements.</summary>
    internal const int MaxBatchSize = 128;

    private readonly ConcurrentQueue<QueuedRow> _queue = new();
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _statementTag;
    private int _flushing;
    private long _statements;

    /// <param name="connectionString">The service's PostgreSQL connection (as EF gets it: no error detail, no reset).</param>
    /// <param name="commandTimeoutSeconds">The same statement timeout as every other query of the service.</param>
    /// <param name="logger">Where a failed batch is reported.</param>
    /// <param name="statement">The metric's <c>statement</c> tag and the log's name for it (<c>insert</c>, <c>state</c>, <c>slot_probe</c>).</param>
    protected StatementBatcher(string connectionString, int commandTimeoutSeconds, ILogger logger, string statement)
    {
        // One statement is under way at a time, so a connection or two is all a batcher ever holds.
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            CommandTimeout = commandTimeoutSeconds,
            MaxPoolSize = 2,
        }.ConnectionString);
        _logger = logger;
        _statementTag = new("statement", statement);
    }

    /// <summary>Batched statements sent so far, failed ones included (tests compare it with the rows handed in).</summary>
    internal long Statements => Interlocked.Read(ref _statements);

    /// <summary>The statement: the rows bound as arrays (<see cref="Bind"/>), answering the ids it wrote or matched.</summary>
    protected abstract string Sql { get; }

    protected abstract void Bind(NpgsqlParameterCollection parameters, IReadOnlyList<TRow> rows);

    protected abstract Guid IdOf(TRow row);

    /// <summary>Queues <paramref name="row"/> for the next statement and answers what the statement did with it.</summary>
    protected Task<BatchAnswer> EnqueueAsync(TRow row)
    {
        var queued = new QueuedRow(row);
        _queue.Enqueue(queued);
        if (Interlocked.CompareExchange(ref _flushing, 1, 0) == 0)
        {
            // The caller goes on to await; the flush runs beside it and drains what it finds.
            _ = Task.Run(FlushAsync);
        }

        return queued.Answer.Task;
    }

    protected static NpgsqlParameter<T[]> Array<T>(IReadOnlyList<TRow> rows, Func<TRow, T> value, NpgsqlDbType elementType) =>
        new() { TypedValue = [.. rows.Select(value)], NpgsqlDbType = NpgsqlDbType.Array | elementType };

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private async Task FlushAsync()
    {
        var batch = new List<QueuedRow>(MaxBatchSize);
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatchSize && _queue.TryDequeue(out var next))
            {
                batch.Add(next);
            }

            if (batch.Count == 0)
            {
                Volatile.Write(ref _flushing, 0);
                // A row queued between the last dequeue and the reset found _flushing set and left it to us.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _flushing, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            await WriteAsync(batch);
        }
    }

    private async Task WriteAsync(List<QueuedRow> batch)
    {
        HashSet<Guid>? found;
        Interlocked.Increment(ref _statements);
        try
        {
            found = await ExecuteAsync(batch.ConvertAll(queued => queued.Row));
            WorkflowRuntimeTelemetry.ExecutionBatchSize.Record(batch.Count, _statementTag, new("outcome", "ok"));
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // Nothing of the statement was committed: each caller does its own work alone and meets the error itself.
            StatementBatcherLog.BatchFailed(_logger, (string)_statementTag.Value!, batch.Count, ex);
            WorkflowRuntimeTelemetry.ExecutionBatchSize.Record(batch.Count, _statementTag, new("outcome", "failed"));
            found = null;
        }

        foreach (var queued in batch)
        {
            queued.Answer.TrySetResult(found is null ? BatchAnswer.Failed
                : found.Contains(IdOf(queued.Row)) ? BatchAnswer.Found : BatchAnswer.NotFound);
        }
    }

    private async Task<HashSet<Guid>> ExecuteAsync(List<TRow> rows)
    {
        await using var command = _dataSource.CreateCommand(Sql);
        Bind(command.Parameters, rows);
        var found = new HashSet<Guid>(rows.Count);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetGuid(0));
        }

        return found;
    }

    private sealed record QueuedRow(TRow Row)
    {
        // Run on the flush's thread, every caller's continuation would wait for the one before it.
        public TaskCompletionSource<BatchAnswer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>What a batched statement did with one row.</summary>
public enum BatchAnswer
{
    /// <summary>Among the ids the statement returned: written (a write) or matched (a probe).</summary>
    Found,

    /// <summary>The statement ran and left the row out.</summary>
    NotFound,

    /// <summary>The statement failed: the caller must find out on its own.</summary>
    Failed,
}

internal static partial class StatementBatcherLog
{
    [LoggerMessage(EventId = 1320, EventName = "execution_batch_failed", Level = LogLevel.Warning,
        Message = "A batched {Statement} statement of {Count} runs failed; each row is written on its own now, and its caller meets the error itself")]
    public static partial void BatchFailed(ILogger logger, string statement, int count, Exception exception);
}
