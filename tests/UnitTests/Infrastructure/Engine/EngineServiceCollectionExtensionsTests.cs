using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Ports;
using WorkflowRuntime.Infrastructure.Engine;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace WorkflowRuntime.UnitTests.Infrastructure.Engine;

public sealed class EngineServiceCollectionExtensionsTests
{
    [Fact]
    public async Task WithAddress_RegistersTheGrpcClientAsEngineAndHealthCheck()
    {
        // Nothing connects here: the channel opens its connection on the first call.
        await using var provider = Build(new Dictionary<string, string?> { ["WorkflowRuntime:Engine:Address"] = "http://engine:50051" });

        var engine = provider.GetRequiredService<IWorkflowEngine>();
        var healthCheck = Assert.Single(provider.GetServices<IDependencyHealthCheck>());

        var client = Assert.IsType<GrpcWorkflowEngine>(engine);
        Assert.Same(client, healthCheck);
        Assert.Same(engine, provider.GetRequiredService<IWorkflowEngine>());
        Assert.Equal("http://engine:50051", client.Address);
        Assert.Equal("engine", healthCheck.Name);
        Assert.False(healthCheck.IsCritical);
        Assert.Null(provider.GetService<EngineSimulation>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task WithoutAddress_RegistersTheSimulatedEngineAndItsAlwaysHealthyCheck(string? address)
    {
        await using var provider = Build(new Dictionary<string, string?>
        {
            ["WorkflowRuntime:Engine:Address"] = address,
            ["WorkflowRuntime:Engine:SimulatedLatencyMs"] = "750",
        });

        Assert.IsType<SimulatedWorkflowEngine>(provider.GetRequiredService<IWorkflowEngine>());
        // Listed in health so an operator sees which engine runs; in process, so it never fails.
        var check = Assert.IsType<SimulatedEngineHealthCheck>(Assert.Single(provider.GetServices<IDependencyHealthCheck>()));
        Assert.Equal("engine", check.Name);
        Assert.False(check.IsCritical);
        Assert.True((await check.CheckAsync()).Healthy);
        Assert.Equal(SimulatedBehaviour.Success(TimeSpan.FromMilliseconds(750)), provider.GetRequiredService<EngineSimulation>().DefaultBehaviour);
    }

    [Fact]
    public async Task SimulatedEngine_RunsOnTheRegisteredClock()
    {
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(clock);
        await using var provider = services.AddWorkflowEngine(new ConfigurationBuilder().Build()).BuildServiceProvider();
        var engine = provider.GetRequiredService<IWorkflowEngine>();

        var started = await engine.ExecuteAsync(new EngineStartRequest(
            Guid.NewGuid(), "{}", "MANUAL", null, new Dictionary<string, string>(), new Dictionary<string, string>()));
        clock.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Same(clock, provider.GetRequiredService<TimeProvider>());
        Assert.Equal(EngineStatus.Running, started.Status);
        Assert.Equal(EngineStatus.Success, (await engine.GetStatusAsync(started.EngineExecutionId)).Status);
    }

    [Fact]
    public void GrpcClient_WithoutAddress_RefusesToStart()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new GrpcWorkflowEngine(Options.Create(new EngineOptions()), NullLogger<GrpcWorkflowEngine>.Instance));

        Assert.Contains("WorkflowRuntime:Engine:Address", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddWorkflowEngine(configuration).BuildServiceProvider();
    }
}
