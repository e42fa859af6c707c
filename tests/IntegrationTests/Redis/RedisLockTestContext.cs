using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WorkflowRuntime.Infrastructure.Redis;

namespace WorkflowRuntime.IntegrationTests.Redis;

/// <summary>
/// A lock manager on its own connection, plus a separate raw connection the tests use to look at Redis directly,
/// so an assertion never goes through the code under test.
/// </summary>
internal sealed class RedisLockTestContext : IAsyncDisposable
{
    private readonly ConnectionMultiplexer? _inspector;

    private RedisLockTestContext(RedisConnectionManager connection, DistributedLockManager locks, ConnectionMultiplexer? inspector)
    {
        Connection = connection;
        Locks = locks;
        _inspector = inspector;
    }

    public RedisConnectionManager Connection { get; }

    public DistributedLockManager Locks { get; }

    /// <summary>The raw database of the inspecting connection (only when created with one).</summary>
    public IDatabase Inspector => _inspector?.GetDatabase() ?? throw new InvalidOperationException("Created without an inspector.");

    public static async Task<RedisLockTestContext> CreateAsync(string connectionString, bool withInspector = true)
    {
        var options = Options.Create(new RedisOptions());
        var connection = new RedisConnectionManager(
            connectionString, options, TimeProvider.System, NullLogger<RedisConnectionManager>.Instance);
        var locks = new DistributedLockManager(
            connection, options, TimeProvider.System, NullLogger<DistributedLockManager>.Instance);
        var inspector = withInspector ? await ConnectionMultiplexer.ConnectAsync(connectionString) : null;
        return new RedisLockTestContext(connection, locks, inspector);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
        }
    }
}
