using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Redis;

namespace WorkflowRuntime.UnitTests.Infrastructure;

/// <summary>Bad arguments are refused before any I/O: the manager points at a port nobody listens on and never connects.</summary>
public sealed class DistributedLockManagerArgumentTests : IDisposable
{
    private readonly RedisConnectionManager _connection;
    private readonly DistributedLockManager _lock;
    private readonly LockHandle _handle = new("wf-1", "workflow_runtime:locks:workflow_wf-1", "0123456789abcdef", DateTimeOffset.UnixEpoch);

    public DistributedLockManagerArgumentTests()
    {
        var options = Options.Create(new RedisOptions());
        _connection = new RedisConnectionManager("127.0.0.1:1", options, TimeProvider.System, NullLogger<RedisConnectionManager>.Instance);
        _lock = new DistributedLockManager(_connection, options, TimeProvider.System, NullLogger<DistributedLockManager>.Instance);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public async Task Acquire_BlankWorkflowId_ThrowsArgumentException(string workflowId)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _lock.AcquireLockAsync(workflowId));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task Acquire_NonPositiveTtl_ThrowsArgumentException(int ttlMs)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _lock.AcquireLockAsync("wf-1", TimeSpan.FromMilliseconds(ttlMs)));
    }

    [Fact]
    public async Task Extend_NonPositiveTtl_ThrowsArgumentException()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _lock.ExtendLockAsync(_handle, TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task Release_HandleWithoutToken_ThrowsArgumentException()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _lock.ReleaseLockAsync(_handle with { Token = "" }));
    }

    [Fact]
    public void Constructor_MalformedConnectionString_FailsAtOnce()
    {
        Assert.ThrowsAny<ArgumentException>(() => new RedisConnectionManager(
            "127.0.0.1:6379,connectTimeout=soon", Options.Create(new RedisOptions()), TimeProvider.System,
            NullLogger<RedisConnectionManager>.Instance));
    }

    [Fact]
    public void Endpoints_DescribesTheConfiguredServerAsHostAndPort()
    {
        Assert.Equal("127.0.0.1:1", _connection.Endpoints);
    }

    public void Dispose() => _connection.Dispose();
}
