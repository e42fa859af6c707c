using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Infrastructure.Engine;

namespace WorkflowRuntime.UnitTests.Infrastructure.Engine;

public sealed class EngineOptionsValidationTests
{
    [Fact]
    public void Defaults_AreValid_AndMeanTheEmbeddedEngine()
    {
        var options = new EngineOptions();

        Assert.Empty(Validate(options));
        Assert.False(options.UsesRemoteEngine);
        Assert.Equal(TimeSpan.FromSeconds(5), options.CallTimeout);
        Assert.Equal(4, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.InitialBackoff);
        Assert.Equal(TimeSpan.FromSeconds(2), options.MaxBackoff);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.SimulatedLatency);
    }

    [Theory]
    [InlineData(nameof(EngineOptions.CallTimeoutMs), 99, "WorkflowRuntime:Engine:CallTimeoutMs must be between 100 and 300000.")]
    [InlineData(nameof(EngineOptions.MaxAttempts), 0, "WorkflowRuntime:Engine:MaxAttempts must be between 1 and 10.")]
    [InlineData(nameof(EngineOptions.MaxAttempts), 11, "WorkflowRuntime:Engine:MaxAttempts must be between 1 and 10.")]
    [InlineData(nameof(EngineOptions.InitialBackoffMs), 0, "WorkflowRuntime:Engine:InitialBackoffMs must be between 1 and 60000.")]
    [InlineData(nameof(EngineOptions.MaxBackoffMs), 60_001, "WorkflowRuntime:Engine:MaxBackoffMs must be between 1 and 60000.")]
    [InlineData(nameof(EngineOptions.SimulatedLatencyMs), -1, "WorkflowRuntime:Engine:SimulatedLatencyMs must be between 0 and 3600000.")]
    public void OutOfRangeValue_IsRejectedWithMessageNamingTheKey(string property, int value, string expectedMessage)
    {
        var options = new EngineOptions();
        typeof(EngineOptions).GetProperty(property)!.SetValue(options, value);

        var error = Assert.Single(Validate(options));

        Assert.Equal(expectedMessage, error.ErrorMessage);
    }

    [Theory]
    [InlineData("engine:50051")]
    [InlineData("ftp://engine:50051")]
    [InlineData("not a url")]
    public void AddressThatIsNotAnHttpUrl_IsRejectedWithMessageNamingTheKey(string address)
    {
        var error = Assert.Single(Validate(new EngineOptions { Address = address }));

        Assert.StartsWith("WorkflowRuntime:Engine:Address must be an absolute http:// or https:// URL", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://engine:50051")]
    [InlineData(" https://engine.internal ")]
    [InlineData("")]
    [InlineData("   ")]
    public void HttpUrlOrEmptyAddress_IsValid(string address) =>
        Assert.Empty(Validate(new EngineOptions { Address = address }));

    [Fact]
    public void InitialBackoffAboveMaxBackoff_IsRejected()
    {
        var error = Assert.Single(Validate(new EngineOptions { InitialBackoffMs = 3000, MaxBackoffMs = 2000 }));

        Assert.Equal("WorkflowRuntime:Engine:InitialBackoffMs must not exceed WorkflowRuntime:Engine:MaxBackoffMs.", error.ErrorMessage);
    }

    [Fact]
    public void BadConfigurationValue_FailsOptionsResolutionWithMessageNamingTheKey()
    {
        using var provider = Build(new Dictionary<string, string?> { ["WorkflowRuntime:Engine:CallTimeoutMs"] = "5" });

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<EngineOptions>>().Value);

        Assert.Contains("WorkflowRuntime:Engine:CallTimeoutMs must be between 100 and 300000.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationValues_AreBoundFromTheSection()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["WorkflowRuntime:Engine:Address"] = "http://engine:50051",
            ["WorkflowRuntime:Engine:CallTimeoutMs"] = "1500",
            ["WorkflowRuntime:Engine:MaxAttempts"] = "2",
            ["WorkflowRuntime:Engine:InitialBackoffMs"] = "50",
            ["WorkflowRuntime:Engine:MaxBackoffMs"] = "500",
            ["WorkflowRuntime:Engine:SimulatedLatencyMs"] = "10",
        });

        var options = provider.GetRequiredService<IOptions<EngineOptions>>().Value;

        Assert.Equal("http://engine:50051", options.Address);
        Assert.True(options.UsesRemoteEngine);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.CallTimeout);
        Assert.Equal(2, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.InitialBackoff);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.MaxBackoff);
        Assert.Equal(TimeSpan.FromMilliseconds(10), options.SimulatedLatency);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddWorkflowEngine(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    private static List<ValidationResult> Validate(EngineOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
