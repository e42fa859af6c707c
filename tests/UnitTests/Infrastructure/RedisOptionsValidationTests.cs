using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Infrastructure.Redis;

namespace WorkflowRuntime.UnitTests.Infrastructure;

public sealed class RedisOptionsValidationTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        var options = new RedisOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(1000, options.ConnectTimeoutMs);
        Assert.Equal(1000, options.OperationTimeoutMs);
        Assert.Equal(300, options.DefaultLockTtlSeconds);
        Assert.Equal("workflow_runtime:locks:workflow_X", options.KeyFor("X"));
    }

    [Theory]
    [InlineData(nameof(RedisOptions.ConnectTimeoutMs), 99, "WorkflowRuntime:Redis:ConnectTimeoutMs must be between 100 and 60000.")]
    [InlineData(nameof(RedisOptions.ConnectTimeoutMs), 60_001, "WorkflowRuntime:Redis:ConnectTimeoutMs must be between 100 and 60000.")]
    [InlineData(nameof(RedisOptions.OperationTimeoutMs), 0, "WorkflowRuntime:Redis:OperationTimeoutMs must be between 100 and 60000.")]
    [InlineData(nameof(RedisOptions.DefaultLockTtlSeconds), 0, "WorkflowRuntime:Redis:DefaultLockTtlSeconds must be between 1 and 86400.")]
    public void OutOfRangeValue_IsRejectedWithMessageNamingTheKey(string property, int value, string expectedMessage)
    {
        var options = new RedisOptions();
        typeof(RedisOptions).GetProperty(property)!.SetValue(options, value);

        var error = Assert.Single(Validate(options));

        Assert.Equal(expectedMessage, error.ErrorMessage);
    }

    [Fact]
    public void EmptyKeyPrefix_IsRejectedWithMessageNamingTheKey()
    {
        var error = Assert.Single(Validate(new RedisOptions { KeyPrefix = "" }));

        Assert.Equal("WorkflowRuntime:Redis:KeyPrefix must not be empty.", error.ErrorMessage);
    }

    [Fact]
    public void BadConfigurationValue_FailsOptionsResolutionWithMessageNamingTheKey()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["WorkflowRuntime:Redis:ConnectTimeoutMs"] = "5",
            })
            .Build();
        using var provider = new ServiceCollection().AddLogging().AddDistributedLock(configuration).BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(
            () => provider.GetRequiredService<IOptions<RedisOptions>>().Value);

        Assert.Contains("WorkflowRuntime:Redis:ConnectTimeoutMs must be between 100 and 60000.", exception.Message);
    }

    [Fact]
    public void ConfigurationValues_AreBoundFromTheSection()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["WorkflowRuntime:Redis:OperationTimeoutMs"] = "250",
                ["WorkflowRuntime:Redis:KeyPrefix"] = "test:",
                ["WorkflowRuntime:Redis:DefaultLockTtlSeconds"] = "42",
            })
            .Build();
        using var provider = new ServiceCollection().AddLogging().AddDistributedLock(configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RedisOptions>>().Value;

        Assert.Equal(250, options.OperationTimeoutMs);
        Assert.Equal("test:", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(42), options.DefaultLockTtl);
    }

    private static List<ValidationResult> Validate(RedisOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
