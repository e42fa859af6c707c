using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Redis;

namespace WorkflowRuntime.UnitTests.Infrastructure;

public sealed class RedisServiceCollectionExtensionsTests
{
    [Fact]
    public async Task WithRedisConnectionString_RegistersRedisLockAndItsHealthCheck()
    {
        // Nothing connects here: the connection is opened on first use only.
        await using var provider = Build(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:6379" });

        var distributedLock = provider.GetRequiredService<IDistributedLock>();
        var healthCheck = Assert.Single(provider.GetServices<IDependencyHealthCheck>());

        Assert.IsType<DistributedLockManager>(distributedLock);
        Assert.Same(provider.GetRequiredService<RedisConnectionManager>(), healthCheck);
        Assert.Equal("redis", healthCheck.Name);
        Assert.False(healthCheck.IsCritical);
        Assert.Same(distributedLock, provider.GetRequiredService<IDistributedLock>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task WithoutRedisConnectionString_RegistersInProcessLockAndNoHealthCheck(string? connectionString)
    {
        await using var provider = Build(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = connectionString });

        Assert.IsType<InProcessDistributedLock>(provider.GetRequiredService<IDistributedLock>());
        Assert.Empty(provider.GetServices<IDependencyHealthCheck>());
        Assert.Null(provider.GetService<RedisConnectionManager>());
    }

    [Fact]
    public async Task ExistingTimeProvider_IsKept()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(clock);

        await using var provider = services
            .AddDistributedLock(new ConfigurationBuilder().Build())
            .BuildServiceProvider();

        Assert.Same(clock, provider.GetRequiredService<TimeProvider>());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddDistributedLock(configuration).BuildServiceProvider();
    }
}
