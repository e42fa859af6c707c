using System.Text.Json;
using WorkflowRuntime.IntegrationTests.Support;
using YamlDotNet.RepresentationModel;

namespace WorkflowRuntime.IntegrationTests.Observability;

/// <summary>
/// <c>GET /metrics</c> of a real host after a known workload: the counters moved by exactly what the database recorded,
/// and the shipped dashboard and alert rules name only metrics the service really exports.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class MetricsEndpointTests(ScrapedHostFixture host) : IClassFixture<ScrapedHostFixture>
{
    private const string Manual = "MANUAL";
    private const string Scheduled = "SCHEDULED";

    [Fact]
    public void Manual_triggers_move_the_started_finished_admission_and_engine_counters_by_exactly_their_number()
    {
        Assert.Equal(ScrapedHostFixture.ManualTriggers, Delta("workflow_runtime_executions_started_total", ("mode", Manual)));
        Assert.Equal(ScrapedHostFixture.ManualTriggers,
            Delta("workflow_runtime_executions_finished_total", ("mode", Manual), ("status", "SUCCESS")));
        Assert.Equal(0, Delta("workflow_runtime_executions_finished_total", ("mode", Manual), ("status", "ERROR")));
        Assert.Equal(ScrapedHostFixture.ManualTriggers,
            Delta("workflow_runtime_trigger_admission_duration_seconds_count", ("mode", Manual), ("outcome", "started")));
    }

    [Fact]
    public void Cron_fires_move_the_fire_started_and_lateness_counters_by_what_this_instance_recorded()
    {
        Assert.True(host.CronRunsHere >= 1, "this instance handled no cron fire");
        Assert.Equal(host.CronRunsHere, Delta("workflow_runtime_cron_fires_total"));
        Assert.Equal(host.CronRunsHere, Delta("workflow_runtime_cron_fire_lateness_seconds_count"));
        Assert.Equal(host.CronRunsHere, Delta("workflow_runtime_cron_fire_jitter_seconds_count"));
        Assert.Equal(host.CronStartedHere, Delta("workflow_runtime_executions_started_total", ("mode", Scheduled)));
        Assert.Equal(host.CronRunsHere, Delta("workflow_runtime_trigger_admission_duration_seconds_count", ("mode", Scheduled)));
        Assert.Equal(0, Delta("workflow_runtime_cron_misfires_total"));
    }

    [Fact]
    public void Every_admission_takes_the_lock_once_and_every_started_run_is_one_successful_engine_execute()
    {
        var admissions = ScrapedHostFixture.ManualTriggers + host.CronRunsHere;
        var started = ScrapedHostFixture.ManualTriggers + host.CronStartedHere;

        Assert.Equal(admissions, Delta("workflow_runtime_lock_acquires_total"));
        Assert.True(Delta("workflow_runtime_lock_acquires_total", ("outcome", "acquired")) >= ScrapedHostFixture.ManualTriggers);
        Assert.Equal(0, Delta("workflow_runtime_lock_acquires_total", ("outcome", "unavailable")));
        Assert.Equal(started, Delta("workflow_runtime_engine_call_duration_seconds_count", ("operation", "execute"), ("outcome", "ok")));
        Assert.Equal(0, Delta("workflow_runtime_engine_call_duration_seconds_count", ("operation", "execute"), ("outcome", "unavailable")));
    }

    [Fact]
    public void The_gauges_report_deployments_scheduler_dependencies_and_no_run_left_active()
    {
        Assert.Equal(host.DeployedInDatabase, host.After.Sum("workflow_runtime_deployments", ("status", "DEPLOYED")));
        Assert.Equal(0, host.After.Sum("workflow_runtime_executions_active"));
        Assert.Equal(1, host.After.Sum("workflow_runtime_scheduler_running"));
        Assert.Equal(1, host.After.Sum("workflow_runtime_dependency_healthy", ("dependency", "postgres")));
        Assert.Equal(1, host.After.Sum("workflow_runtime_dependency_healthy", ("dependency", "redis")));
        Assert.Equal(1, host.After.Sum("workflow_runtime_dependency_healthy", ("dependency", "scheduler")));
        Assert.Contains("workflow_runtime_scheduler_lag_seconds", host.After.Names);
        Assert.Contains("workflow_runtime_scheduler_due_unfired", host.After.Names);
        var lastReconcile = DateTimeOffset.FromUnixTimeMilliseconds((long)(host.After.Sum("workflow_runtime_scheduler_last_reconcile_seconds") * 1000));
        Assert.True(DateTimeOffset.UtcNow - lastReconcile < TimeSpan.FromMinutes(10), $"last reconcile {lastReconcile:O}");
        Assert.Contains("dotnet_gc_collections_total", host.After.Names);
        Assert.Contains("http_server_request_duration_seconds_count", host.After.Names);
    }

    [Fact]
    public void Every_dashboard_query_names_only_exported_metrics()
    {
        using var dashboard = JsonDocument.Parse(RepositoryFiles.ReadAllText("deploy/observability/workflow-runtime-dashboard.json"));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("targets", out var targets) ? targets.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();

        Assert.True(expressions.Count >= 15, $"only {expressions.Count} queries");
        AssertNamesExported(expressions);
    }

    [Fact]
    public void The_alert_rules_parse_and_every_expression_names_only_exported_metrics()
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(RepositoryFiles.ReadAllText("deploy/observability/workflow-runtime-alerts.yaml")))
        {
            yaml.Load(reader);
        }

        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents.Single().RootNode)["groups"];
        var rules = groups.Children.Cast<YamlMappingNode>()
            .SelectMany(g => ((YamlSequenceNode)g["rules"]).Children.Cast<YamlMappingNode>())
            .ToList();
        var alerts = rules.Select(r => ((YamlScalarNode)r["alert"]).Value!).ToList();

        Assert.Equal(
            ["WorkflowRuntimeCronMisfires", "WorkflowRuntimeCronLatenessHigh", "WorkflowRuntimeSchedulerBehind", "WorkflowRuntimeEngineErrorRatio",
                "WorkflowRuntimeNoSchedulerHeartbeat", "WorkflowRuntimeNoSchedulerRunning", "WorkflowRuntimeDatabaseDown"],
            alerts);
        Assert.All(rules, rule => Assert.False(string.IsNullOrWhiteSpace(((YamlScalarNode)((YamlMappingNode)rule["annotations"])["summary"]).Value)));
        AssertNamesExported(rules.Select(r => ((YamlScalarNode)r["expr"]).Value!).ToList());
    }

    private void AssertNamesExported(IReadOnlyList<string> expressions)
    {
        var exported = host.After.Names;
        foreach (var expression in expressions)
        {
            var names = ExportedMetricNames.In(expression);
            Assert.True(names.Count > 0, $"'{expression}' names no metric of the service");
            Assert.All(names, name => Assert.True(exported.Contains(name), $"'{expression}' names {name}, which /metrics does not export"));
        }
    }

    private double Delta(string name, params (string Label, string Value)[] labels) =>
        host.After.Sum(name, labels) - host.Before.Sum(name, labels);
}
