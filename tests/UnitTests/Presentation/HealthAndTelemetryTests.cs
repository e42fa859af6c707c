using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using Quartz;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Diagnostics;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Presentation.Grpc.Health;
using WorkflowRuntime.Presentation.Grpc.Telemetry;
using WorkflowRuntime.UnitTests.Support;

namespace WorkflowRuntime.UnitTests.Presentation;

/// <summary>Dependency checks on ASP.NET Core HealthChecks, the report's mapping, and the telemetry sampler.</summary>
[Collection(SharedTelemetryCollection.Name)]
public sealed class HealthAndTelemetryTests
{
    [Fact]
    public async Task Every_dependency_becomes_a_framework_check_tagged_and_failing_as_critical_or_degraded()
    {
        await using var provider = HealthServices(
            Check("postgres", critical: true, healthy: true, latencyMs: 4.5),
            Check("redis", critical: false, healthy: false, latencyMs: 1));
        var options = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value;

        var registrations = options.Registrations.ToDictionary(r => r.Name);
        Assert.Equal(["postgres", "redis"], options.Registrations.Select(r => r.Name));
        Assert.Equal(HealthStatus.Unhealthy, registrations["postgres"].FailureStatus);
        Assert.Contains(DependencyHealthRegistration.CriticalTag, registrations["postgres"].Tags);
        Assert.Equal(HealthStatus.Degraded, registrations["redis"].FailureStatus);
        Assert.Contains(DependencyHealthRegistration.DegradedTag, registrations["redis"].Tags);
        Assert.Equal(TimeSpan.FromSeconds(2), registrations["redis"].Timeout);
    }

    [Fact]
    public async Task A_down_degraded_dependency_makes_the_report_degraded_with_each_dependency_s_own_latency_and_message()
    {
        await using var provider = HealthServices(
            Check("postgres", critical: true, healthy: true, latencyMs: 4.5),
            Check("redis", critical: false, healthy: false, latencyMs: 1));

        var report = await provider.GetRequiredService<DependencyHealthReporter>().CheckAsync();

        Assert.Equal(DependencyHealthReporter.Degraded, report.Status);
        Assert.Equal(["postgres", "redis"], report.Dependencies.Select(d => d.Name));
        Assert.True(report.Dependencies[0].Healthy);
        Assert.Equal(4.5, report.Dependencies[0].LatencyMs);
        Assert.False(report.Dependencies[1].Healthy);
        Assert.Equal("redis says no", report.Dependencies[1].Message);
    }

    [Fact]
    public async Task A_down_critical_dependency_makes_the_report_unhealthy()
    {
        await using var provider = HealthServices(Check("postgres", critical: true, healthy: false, latencyMs: 2));

        var report = await provider.GetRequiredService<DependencyHealthReporter>().CheckAsync();

        Assert.Equal(DependencyHealthReporter.Unhealthy, report.Status);
    }

    [Fact]
    public async Task A_check_the_framework_cuts_off_at_its_timeout_is_down_with_a_message_that_says_so()
    {
        var hanging = new Mock<IDependencyHealthCheck>();
        hanging.SetupGet(c => c.Name).Returns("engine");
        hanging.SetupGet(c => c.IsCritical).Returns(false);
        hanging.Setup(c => c.CheckAsync(It.IsAny<CancellationToken>()))
            .Returns<CancellationToken>(async ct =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return new DependencyHealth("engine", true, 0, "never");
            });
        await using var provider = HealthServices(TimeSpan.FromMilliseconds(1), hanging.Object);

        var report = await provider.GetRequiredService<DependencyHealthReporter>().CheckAsync();

        var engine = Assert.Single(report.Dependencies);
        Assert.False(engine.Healthy);
        Assert.Equal(DependencyHealthReporter.Degraded, report.Status);
        Assert.False(string.IsNullOrWhiteSpace(engine.Message));
    }

    [Fact]
    public async Task The_publisher_feeds_the_dependency_gauge_snapshot()
    {
        var entries = new Dictionary<string, HealthReportEntry>
        {
            ["postgres"] = new(HealthStatus.Healthy, null, TimeSpan.Zero, null, null),
            ["redis"] = new(HealthStatus.Degraded, "down", TimeSpan.Zero, null, null),
        };
        using var gauge = new WorkflowRuntime.UnitTests.Application.Diagnostics.RecordedMeasurements("workflow_runtime.dependency.healthy");

        await new DependencyHealthPublisher().PublishAsync(new HealthReport(entries, TimeSpan.Zero), CancellationToken.None);
        gauge.Observe();

        Assert.Contains(1d, gauge.With(("dependency", "postgres")));
        Assert.Contains(0d, gauge.With(("dependency", "redis")));
    }

    [Theory]
    [InlineData(HealthStatus.Healthy, "healthy")]
    [InlineData(HealthStatus.Degraded, "degraded")]
    [InlineData(HealthStatus.Unhealthy, "unhealthy")]
    public void Framework_statuses_are_spelled_as_the_service_reports_them(HealthStatus status, string expected) =>
        Assert.Equal(expected, DependencyHealthReporter.StatusOf(status));

    [Fact]
    public async Task The_sampler_reads_the_scheduler_state_and_the_deployment_counts_and_keeps_going_when_the_database_fails()
    {
        var scheduler = new Mock<IScheduler>();
        scheduler.Setup(s => s.GetStatus(It.IsAny<CancellationToken>())).ReturnsAsync(SchedulerStatus.Running);
        var factory = new Mock<ISchedulerFactory>();
        factory.Setup(f => f.GetScheduler(It.IsAny<CancellationToken>())).ReturnsAsync(scheduler.Object);
        var census = new Mock<IDeploymentCensus>();
        census.SetupSequence(c => c.CountByStatusAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Dictionary<DeploymentStatus, long> { [DeploymentStatus.Deployed] = 42 })
            .ThrowsAsync(new InvalidOperationException("database gone"));
        var services = new ServiceCollection().AddScoped(_ => census.Object).BuildServiceProvider();
        var sampler = new TelemetrySampler(services.GetRequiredService<IServiceScopeFactory>(), factory.Object,
            null!, services, Options.Create(new TelemetryOptions()), TimeProvider.System, NullLogger<TelemetrySampler>.Instance);
        using var deployments = new WorkflowRuntime.UnitTests.Application.Diagnostics.RecordedMeasurements("workflow_runtime.deployments");
        using var running = new WorkflowRuntime.UnitTests.Application.Diagnostics.RecordedMeasurements("workflow_runtime.scheduler.running");

        await sampler.SampleAsync(CancellationToken.None);
        await sampler.SampleAsync(CancellationToken.None); // the census fails: no exception, the last values stay
        deployments.Observe();
        running.Observe();

        Assert.Contains(42d, deployments.With(("status", "DEPLOYED")));
        Assert.Contains(1d, running.All.Select(m => m.Value));
        census.Verify(c => c.CountByStatusAsync(It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    private static IDependencyHealthCheck Check(string name, bool critical, bool healthy, double latencyMs)
    {
        var check = new Mock<IDependencyHealthCheck>();
        check.SetupGet(c => c.Name).Returns(name);
        check.SetupGet(c => c.IsCritical).Returns(critical);
        check.Setup(c => c.CheckAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DependencyHealth(name, healthy, latencyMs, healthy ? "reachable" : $"{name} says no"));
        return check.Object;
    }

    private static ServiceProvider HealthServices(params IDependencyHealthCheck[] checks) => HealthServices(TimeSpan.FromSeconds(2), checks);

    private static ServiceProvider HealthServices(TimeSpan timeout, params IDependencyHealthCheck[] checks)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthChecks();
        services.AddSingleton<IConfigureOptions<HealthCheckServiceOptions>>(new DependencyHealthRegistration(checks, timeout));
        services.AddSingleton<DependencyHealthReporter>();
        return services.BuildServiceProvider();
    }
}
