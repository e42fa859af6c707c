using System.Net.Sockets;
using StackExchange.Redis;
using WorkflowRuntime.Infrastructure.Redis;

namespace WorkflowRuntime.UnitTests.Infrastructure;

/// <summary>Every way Redis can fail is "lock store unavailable"; only the caller's own cancellation stays a cancellation.</summary>
public sealed class RedisFailuresTests
{
    public static TheoryData<Exception> StoreFailures() =>
    [
        new RedisConnectionException(ConnectionFailureType.UnableToConnect, "It was not possible to connect"),
        new RedisConnectionException(ConnectionFailureType.SocketFailure, "connection reset"),
        new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent),
        new RedisServerException("LOADING Redis is loading the dataset in memory"),
        new TimeoutException("The operation has timed out."),
        new TaskCanceledException("A task was canceled."),
        new OperationCanceledException(),
        new ObjectDisposedException("ConnectionMultiplexer"),
        new IOException("Broken pipe"),
        new SocketException((int)SocketError.ConnectionReset),
        new AggregateException(new TimeoutException(), new RedisConnectionException(ConnectionFailureType.SocketClosed, "closed")),
    ];

    [Theory]
    [MemberData(nameof(StoreFailures))]
    public void A_failure_of_the_store_is_lock_store_unavailable(Exception failure)
    {
        Assert.True(RedisFailures.IsLockStoreFailure(failure, CancellationToken.None), failure.GetType().Name);
    }

    [Fact]
    public void The_client_reading_a_pipe_its_reconnect_completed_is_a_store_failure()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        pipe.Reader.Complete();
        var failure = Assert.Throws<InvalidOperationException>(() => pipe.Reader.TryRead(out _));

        Assert.True(RedisFailures.IsLockStoreFailure(failure, CancellationToken.None), failure.Message);
    }

    [Fact]
    public void The_callers_own_cancellation_is_not_a_store_failure()
    {
        using var caller = new CancellationTokenSource();
        caller.Cancel();

        Assert.False(RedisFailures.IsLockStoreFailure(new TaskCanceledException(), caller.Token));
        Assert.False(RedisFailures.IsLockStoreFailure(new OperationCanceledException(caller.Token), caller.Token));
    }

    [Theory]
    [MemberData(nameof(Bugs))]
    public void A_bug_is_not_hidden_as_an_outage(Exception bug)
    {
        Assert.False(RedisFailures.IsLockStoreFailure(bug, CancellationToken.None));
    }

    public static TheoryData<Exception> Bugs() =>
    [
        new ArgumentException("bad key"),
        Thrown(new InvalidOperationException("a bug")),
        new InvalidCastException(),
        new AggregateException(),
    ];

    // Thrown, so it has a stack like the real ones; a stack outside the Redis client keeps it a bug.
    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }

    [Fact]
    public void The_reason_of_a_stall_names_the_bound_and_not_a_stack()
    {
        var reason = RedisFailures.Describe(new TaskCanceledException(), TimeSpan.FromMilliseconds(1200));

        Assert.Equal("no answer within 1200 ms", reason);
        Assert.Equal("the connection was being rebuilt", RedisFailures.Describe(new ObjectDisposedException("x"), TimeSpan.Zero));
    }
}
