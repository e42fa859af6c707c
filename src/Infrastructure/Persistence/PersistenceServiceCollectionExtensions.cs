using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Application.Monitoring;
using WorkflowRuntime.Infrastructure.Persistence.Monitoring;
using WorkflowRuntime.Infrastructure.Persistence.Repositories;

namespace WorkflowRuntime.Infrastructure.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise the embedded SQLite file. Registers the
    /// repositories, the unit of work, the migrator and the database health check.
    /// </summary>
    public static IServiceCollection AddPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PersistenceOptions>()
            .Bind(configuration.GetSection(PersistenceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var postgres = configuration.GetConnectionString(PersistenceOptions.PostgresConnectionStringName);
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            // Pooled: the execution path opens a short scope per state write, and building a context's services for
            // each one was 6 % of the service's CPU in the execution benchmark. A returned context is reset by EF.
            services.AddDbContextPool<PostgresWorkflowRuntimeDbContext>((sp, options) =>
                ConfigurePostgres(options, postgres, sp.GetRequiredService<IOptions<PersistenceOptions>>().Value.CommandTimeoutSeconds));
            services.AddScoped<WorkflowRuntimeDbContext>(sp => sp.GetRequiredService<PostgresWorkflowRuntimeDbContext>());
            services.AddScoped<IDatabaseMigrator, PostgresMigrator>();
            services.AddSingleton(_ => DatabaseWriteGate.Unrestricted());
            // Group commit of the execution path's writes, and its one hot read (ADR 0027).
            services.AddSingleton(sp => new ExecutionInsertBatcher(WithoutErrorDetail(postgres), CommandTimeout(sp),
                sp.GetRequiredService<ILogger<ExecutionInsertBatcher>>()));
            services.AddSingleton(sp => new ExecutionStateBatcher(WithoutErrorDetail(postgres), CommandTimeout(sp),
                sp.GetRequiredService<ILogger<ExecutionStateBatcher>>()));
            services.AddSingleton(sp => new ExecutionSlotProbe(WithoutErrorDetail(postgres), CommandTimeout(sp),
                sp.GetRequiredService<ILogger<ExecutionSlotProbe>>()));
            services.AddScoped<IMonitoringReadModel, PostgresMonitoringReadModel>();
            services.AddScoped<ITriggerCounterStore, PostgresTriggerCounterStore>();
            services.AddSingleton<IDependencyHealthCheck>(sp => new DatabaseHealthCheck(
                sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<IOptions<PersistenceOptions>>(), "postgres"));
        }
        else
        {
            services.AddDbContext<SqliteWorkflowRuntimeDbContext>((sp, options) =>
            {
                var settings = sp.GetRequiredService<IOptions<PersistenceOptions>>().Value;
                // One resolution of the path (against the working directory) for the folder and the connection alike.
                var file = settings.SqliteFullPath;
                var directory = Path.GetDirectoryName(file);
                if (!string.IsNullOrEmpty(directory))
                {
                    Directory.CreateDirectory(directory);
                }

                options.UseSqlite($"Data Source={file}", sqlite => sqlite.CommandTimeout(settings.CommandTimeoutSeconds))
                    .UseSnakeCaseNamingConvention()
                    .AddInterceptors(new SqliteConnectionSettings(settings.SqliteBusyTimeoutMs))
                    .ConfigureWarnings(QuietExpectedFailures);
            });
            services.AddSingleton(_ => DatabaseWriteGate.SingleWriter());
            services.AddScoped<WorkflowRuntimeDbContext>(sp => sp.GetRequiredService<SqliteWorkflowRuntimeDbContext>());
            services.AddScoped<IDatabaseMigrator, SqliteSchemaCreator>();
            services.AddScoped<IMonitoringReadModel, SqliteMonitoringReadModel>();
            services.AddScoped<ITriggerCounterStore, SqliteTriggerCounterStore>();
            services.AddSingleton<IDependencyHealthCheck>(sp => new DatabaseHealthCheck(
                sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<IOptions<PersistenceOptions>>(), "sqlite"));
        }

        services.AddScoped<IDeploymentRepository, EfDeploymentRepository>();
        services.AddScoped<IExecutionRepository, EfExecutionRepository>();
        services.AddScoped<IUnitOfWork, EfUnitOfWork>();
        return services;
    }

    private static int CommandTimeout(IServiceProvider services) =>
        services.GetRequiredService<IOptions<PersistenceOptions>>().Value.CommandTimeoutSeconds;

    internal static void ConfigurePostgres(DbContextOptionsBuilder options, string connectionString, int commandTimeoutSeconds) =>
        options.UseNpgsql(WithoutErrorDetail(connectionString), npgsql => npgsql
                .CommandTimeout(commandTimeoutSeconds)
                .MigrationsHistoryTable("__ef_migrations_history")
                .MigrationsAssembly(typeof(PostgresWorkflowRuntimeDbContext).Assembly.GetName().Name))
            .UseSnakeCaseNamingConvention()
            .ConfigureWarnings(QuietExpectedFailures);

    /// <summary>
    /// PostgreSQL's error details quote row values (trigger data, keys); with <c>Include Error Detail</c> off Npgsql
    /// replaces them, so they reach neither a log nor a caller. Forced off whatever the connection string says.
    /// </summary>
    /// <remarks>
    /// Also <c>No Reset On Close</c>: by default every return of a pooled connection sends <c>DISCARD ALL</c>, which
    /// PostgreSQL counts as one more transaction per unit of work (three per execution). The service keeps no session
    /// state on pooled connections (the migrator's advisory lock is released explicitly before the connection goes back).
    /// </remarks>
    internal static string WithoutErrorDetail(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { IncludeErrorDetail = false, NoResetOnClose = true }.ConnectionString;

    // Unique violations are how the database answers "already done" (deduplication, the exclusive slot), and the
    // history table is missing before the first migration: the port translates and logs what matters, so EF's own
    // error lines for these would only be noise in the operators' logs.
    internal static void QuietExpectedFailures(WarningsConfigurationBuilder warnings) => warnings.Log(
        (RelationalEventId.CommandError, LogLevel.Debug),
        (CoreEventId.SaveChangesFailed, LogLevel.Debug));
}
