using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Triggers;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.Infrastructure.Persistence.Repositories;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Persistence;

/// <summary>
/// A list of deployments is one snapshot: a deployment committed while the list is read never costs another one its
/// triggers. Split queries (the deployments, then their triggers, in two statements) broke that: a workflow deployed
/// between the two statements, with an id that sorts first, made EF match the trigger rows to the wrong parents and
/// hand the reconciler a deployed workflow with no triggers, which it then unscheduled (ClusteredSchedulingTests lost
/// five occurrences of a workflow that way). The deploy is made to land exactly after the read's first statement.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class DeploymentReadConsistencyTests : IAsyncLifetime
{
    private static readonly Guid SortsLast = Guid.Parse("f0000000-0000-0000-0000-000000000001");
    private static readonly Guid SortsFirst = Guid.Parse("00000000-0000-0000-0000-0000000000b0");
    private readonly ServiceProvider _provider = PersistenceServices.Create();

    public Task InitializeAsync() => PostgresDatabase.ResetAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Listing_by_status_while_a_workflow_is_deployed_keeps_every_listed_deployment_with_its_triggers()
    {
        await SaveAsync(Deployed(SortsLast));

        var listed = await WithDeployAfterFirstStatementAsync(repository =>
            repository.ListByStatusAsync([DeploymentStatus.Deployed, DeploymentStatus.Paused]));

        var mine = Assert.Single(listed, d => d.Id == SortsLast);
        Assert.Single(mine.ActiveTriggers);
        Assert.All(listed, d => Assert.NotEmpty(d.ActiveTriggers));
    }

    [Fact]
    public async Task A_page_of_deployments_read_while_a_workflow_is_deployed_keeps_every_listed_deployment_with_its_triggers()
    {
        await SaveAsync(Deployed(SortsLast));

        var page = await WithDeployAfterFirstStatementAsync(repository =>
            repository.ListAsync(new DeploymentQuery(UserId: null, Statuses: [], After: null, PageSize: 50)));

        Assert.All(page.Items, d => Assert.NotEmpty(d.ActiveTriggers));
        Assert.Contains(page.Items, d => d.Id == SortsLast);
    }

    // The workflow deployed during the read sorts first both ways a list is ordered: by id and by creation time.
    private static Deployment Deployed(Guid id)
    {
        var created = id == SortsFirst ? DateTimeOffset.UtcNow.AddHours(-1) : DateTimeOffset.UtcNow;
        var deployment = Deployment.CreateDraft(id, "user-1", $"wf-{id:N}", null, Samples.Definition, created);
        deployment.Deploy([CronTriggerSpec.Create("0 9 * * *")], DeploymentConfig.Default, created);
        return deployment;
    }

    private async Task<T> WithDeployAfterFirstStatementAsync<T>(Func<EfDeploymentRepository, Task<T>> read)
    {
        var options = new DbContextOptionsBuilder<PostgresWorkflowRuntimeDbContext>();
        PersistenceServiceCollectionExtensions.ConfigurePostgres(options, TestSettings.PostgresConnectionString, 30);
        options.AddInterceptors(new AfterFirstStatement(() => SaveAsync(Deployed(SortsFirst))));
        await using var db = new PostgresWorkflowRuntimeDbContext(options.Options);
        return await read(new EfDeploymentRepository(db, NullLogger<EfDeploymentRepository>.Instance));
    }

    private async Task SaveAsync(Deployment deployment)
    {
        await using var scope = _provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IDeploymentRepository>().Add(deployment);
        await scope.ServiceProvider.GetRequiredService<IUnitOfWork>().SaveChangesAsync();
    }

    /// <summary>
    /// Commits the deploy (on its own connection) once the read's first statement of deployment rows has taken its
    /// snapshot (a count before it does not count).
    /// </summary>
    private sealed class AfterFirstStatement(Func<Task> deploy) : DbCommandInterceptor
    {
        private int _fired;

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData,
            DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (!command.CommandText.Contains("count(", StringComparison.OrdinalIgnoreCase) && Interlocked.Exchange(ref _fired, 1) == 0)
            {
                await deploy();
            }

            return result;
        }
    }
}
