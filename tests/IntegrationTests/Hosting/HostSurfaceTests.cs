using System.Net;
using System.Text.Json;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Hosting;

/// <summary>What the platform and tooling see of a running host: reflection, gRPC health, HTTP health.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class HostSurfaceTests(SharedHostFixture fixture)
{
    private readonly RuntimeHost _host = fixture.Host;

    [Fact]
    public async Task Reflection_lists_both_contract_services()
    {
        var reflection = new ServerReflection.ServerReflectionClient(_host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("workflow_runtime.v1.WorkflowRuntimeService", services);
        Assert.Contains("workflow_runtime.v1.MonitoringService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task The_grpc_health_check_answers_serving()
    {
        var health = new Health.HealthClient(_host.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Http_health_answers_200_with_json_naming_each_dependency()
    {
        using var response = await _host.Http.GetAsync(new Uri("/health", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("version").GetString()));
        Assert.True(json.RootElement.TryGetProperty("time", out _));
        var dependencies = json.RootElement.GetProperty("dependencies").EnumerateArray()
            .ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("state").GetString());
        Assert.Equal("up", dependencies["postgres"]);
        Assert.Equal("up", dependencies["redis"]);
        Assert.Equal("up", dependencies["engine"]);
        Assert.Equal("up", dependencies["scheduler"]);
        var timestamp = json.RootElement.GetProperty("timestamp").GetDateTimeOffset();
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - timestamp).TotalMinutes) < 5, $"timestamp {timestamp:O} is not now");
    }

    [Fact]
    public async Task Head_health_answers_200_like_get_without_a_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri("/health", UriKind.Relative));
        using var response = await _host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task GetSystemHealth_and_http_health_read_the_same_framework_checks()
    {
        var grpc = await _host.Monitoring.GetSystemHealthAsync(new GetSystemHealthRequest());
        using var response = await _host.Http.GetAsync(new Uri("/health", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var httpNames = json.RootElement.GetProperty("dependencies").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToList();
        Assert.Equal(["postgres", "redis", "engine", "scheduler"], grpc.Dependencies.Select(d => d.Name));
        Assert.Equal(grpc.Dependencies.Select(d => d.Name), httpNames);
    }

    [Fact]
    public async Task Liveness_and_readiness_probes_answer_200()
    {
        using var live = await _host.Http.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var ready = await _host.Http.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task GetSystemHealth_reports_healthy_with_the_instance_and_its_dependencies()
    {
        var health = await _host.Monitoring.GetSystemHealthAsync(new GetSystemHealthRequest());

        Assert.Equal("healthy", health.Status);
        Assert.StartsWith("test-", health.InstanceId, StringComparison.Ordinal);
        Assert.Contains(health.Dependencies, d => d.Name == "postgres" && d.Healthy);
        Assert.Contains(health.Dependencies, d => d.Name == "redis" && d.Healthy && d.LatencyMs > 0);
    }
}
