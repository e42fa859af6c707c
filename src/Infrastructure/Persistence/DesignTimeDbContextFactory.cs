using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WorkflowRuntime.Infrastructure.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the PostgreSQL model without a running host or database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PostgresWorkflowRuntimeDbContext>
{
    public PostgresWorkflowRuntimeDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresWorkflowRuntimeDbContext>();
        PersistenceServiceCollectionExtensions.ConfigurePostgres(options, "Host=localhost;Database=design_time", 30);
        return new PostgresWorkflowRuntimeDbContext(options.Options);
    }
}
