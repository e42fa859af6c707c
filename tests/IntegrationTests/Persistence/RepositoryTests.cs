using Microsoft.Extensions.DependencyInjection;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>The EF Core adapter against the real PostgreSQL: round trips, status queries and the unique fences.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RepositoryTests : IAsyncLifetime
{
    private readonly ServiceProvider _provider = PersistenceServices.Create();

    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task A_deployment_round_trips_with_its_triggers_config_and_status()
    {
        var deployment = Samples.DeployedWorkflow(triggers:
        [
            CronTriggerSpec.Create("*/5 * * * *", "Europe/Berlin", jitterWindowSeconds: 120),
            WebhookTriggerSpec.Create("orders/created", ["post", "put"]),
            ManualTriggerSpec.Instance,
        ]);
        await SaveAsync(deployment);

        var loaded = await InScopeAsync((repository, _) => repository.FindAsync(deployment.Id));

        Assert.NotNull(loaded);
        Assert.Equal(DeploymentStatus.Deployed, loaded.Status);
        Assert.Equal(deployment.Version, loaded.Version);
        Assert.Equal(3, loaded.Triggers.Count);
        var cron = Assert.IsType<CronTriggerSpec>(loaded.Triggers.Single(t => t.Type == TriggerType.Cron).Spec);
        Assert.Equal("Europe/Berlin", cron.TimeZoneId);
        Assert.Equal(120, cron.JitterWindowSeconds);
        Assert.Equal(deployment.Triggers.Single(t => t.Type == TriggerType.Cron).JitterSeconds,
            loaded.Triggers.Single(t => t.Type == TriggerType.Cron).JitterSeconds);
        var webhook = Assert.IsType<WebhookTriggerSpec>(loaded.Triggers.Single(t => t.Type == TriggerType.Webhook).Spec);
        Assert.Equal(["POST", "PUT"], webhook.Methods);
        Assert.Equal(Samples.DefinitionJson.Replace(" ", string.Empty, StringComparison.Ordinal),
            loaded.Definition.Json.Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_changes_are_stored_and_queries_filter_by_status()
    {
        var paused = Samples.DeployedWorkflow();
        var deployed = Samples.DeployedWorkflow();
        await SaveAsync(paused);
        await SaveAsync(deployed);

        await InScopeAsync(async (repository, unitOfWork) =>
        {
            var loaded = await repository.FindAsync(paused.Id);
            loaded!.Pause("maintenance", DateTimeOffset.UtcNow);
            await unitOfWork.SaveChangesAsync();
            return true;
        });

        var pausedOnly = await InScopeAsync((repository, _) => repository.ListByStatusAsync([DeploymentStatus.Paused]));
        var stored = await PostgresDatabase.ScalarAsync<string>($"SELECT deployment_status FROM workflows WHERE id = '{paused.Id}'");

        Assert.Equal("PAUSED", stored);
        Assert.Equal([paused.Id], pausedOnly.Select(d => d.Id));
        Assert.Equal("maintenance", pausedOnly[0].PauseNote);
    }

    [Fact]
    public async Task A_stale_version_is_a_concurrency_conflict()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);

        await using var first = _provider.CreateAsyncScope();
        await using var second = _provider.CreateAsyncScope();
        var a = await first.ServiceProvider.GetRequiredService<IDeploymentRepository>().FindAsync(deployment.Id);
        var b = await second.ServiceProvider.GetRequiredService<IDeploymentRepository>().FindAsync(deployment.Id);
        a!.Pause("first", DateTimeOffset.UtcNow);
        b!.Archive(DateTimeOffset.UtcNow);
        await first.ServiceProvider.GetRequiredService<IUnitOfWork>().SaveChangesAsync();

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            second.ServiceProvider.GetRequiredService<IUnitOfWork>().SaveChangesAsync());
        Assert.Equal("PAUSED", await PostgresDatabase.ScalarAsync<string>($"SELECT deployment_status FROM workflows WHERE id = '{deployment.Id}'"));
    }

    [Fact]
    public async Task The_database_rejects_a_second_active_exclusive_execution_of_one_workflow()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        await AddExecutionAsync(Samples.RunningExclusive(deployment.Id));

        var error = await Assert.ThrowsAsync<UniqueConstraintViolationException>(() =>
            AddExecutionAsync(Samples.RunningExclusive(deployment.Id)));

        Assert.Equal(UniqueConstraints.ExclusiveExecution, error.ConstraintName);
        Assert.Equal(1, await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{deployment.Id}'"));
    }

    [Fact]
    public async Task A_finished_exclusive_execution_frees_the_slot_and_non_exclusive_runs_never_hold_it()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        var first = Samples.RunningExclusive(deployment.Id);
        first.MarkRunning("engine-1", DateTimeOffset.UtcNow);
        first.Succeed("{}", DateTimeOffset.UtcNow);
        await AddExecutionAsync(first);

        await AddExecutionAsync(Samples.RunningExclusive(deployment.Id));
        await AddExecutionAsync(Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"),
            OverlapPolicy.AllowAll, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow));

        Assert.Equal(3, await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{deployment.Id}'"));
    }

    [Fact]
    public async Task The_database_rejects_a_repeated_idempotency_key_and_a_repeated_cron_occurrence()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        var occurrence = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        Execution Scheduled() => Execution.Start(deployment.Id, ExecutionMode.Scheduled,
            new ExecutionRequest("{}", ScheduledFor: occurrence), OverlapPolicy.AllowAll, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow);
        Execution Keyed() => Execution.Start(deployment.Id, ExecutionMode.Manual,
            new ExecutionRequest("{}", IdempotencyKey: "order-42"), OverlapPolicy.AllowAll, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow);

        await AddExecutionAsync(Scheduled());
        await AddExecutionAsync(Keyed());
        var occurrenceError = await Assert.ThrowsAsync<UniqueConstraintViolationException>(() => AddExecutionAsync(Scheduled()));
        var keyError = await Assert.ThrowsAsync<UniqueConstraintViolationException>(() => AddExecutionAsync(Keyed()));

        Assert.Equal(UniqueConstraints.ExecutionOccurrence, occurrenceError.ConstraintName);
        Assert.Equal(UniqueConstraints.ExecutionIdempotencyKey, keyError.ConstraintName);
    }

    [Fact]
    public async Task Two_active_deployments_cannot_hold_the_same_webhook_path()
    {
        await SaveAsync(Samples.DeployedWorkflow(triggers: WebhookTriggerSpec.Create("shared/path")));

        var error = await Assert.ThrowsAsync<UniqueConstraintViolationException>(() =>
            SaveAsync(Samples.DeployedWorkflow(triggers: WebhookTriggerSpec.Create("shared/path"))));

        Assert.Equal(UniqueConstraints.ActiveWebhookPath, error.ConstraintName);
    }

    [Fact]
    public async Task The_latest_execution_and_the_count_are_read_per_workflow()
    {
        var deployment = Samples.DeployedWorkflow();
        await SaveAsync(deployment);
        var older = Execution.Start(deployment.Id, ExecutionMode.Manual, new ExecutionRequest("{}"), OverlapPolicy.AllowAll,
            TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddMinutes(-5));
        var newer = Execution.Start(deployment.Id, ExecutionMode.Webhook, new ExecutionRequest("{}"), OverlapPolicy.AllowAll,
            TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow);
        await AddExecutionAsync(older);
        await AddExecutionAsync(newer);

        var (latest, count) = await InScopeAsync<(Execution?, long)>(async (_, _) =>
        {
            await using var scope = _provider.CreateAsyncScope();
            var executions = scope.ServiceProvider.GetRequiredService<IExecutionRepository>();
            return (await executions.FindLatestAsync(deployment.Id), await executions.CountAsync(deployment.Id));
        });

        Assert.Equal(newer.Id, latest?.Id);
        Assert.Equal(2, count);
    }

    private Task<bool> SaveAsync(Deployment deployment) => InScopeAsync(async (repository, unitOfWork) =>
    {
        repository.Add(deployment);
        await unitOfWork.SaveChangesAsync();
        return true;
    });

    private async Task AddExecutionAsync(Execution execution)
    {
        await using var scope = _provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IExecutionRepository>().InsertAsync(execution);
    }

    private async Task<T> InScopeAsync<T>(Func<IDeploymentRepository, IUnitOfWork, Task<T>> work)
    {
        await using var scope = _provider.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IDeploymentRepository>(),
            scope.ServiceProvider.GetRequiredService<IUnitOfWork>());
    }
}
