using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Monitoring;

namespace WorkflowRuntime.Presentation.Grpc.Hosting;

/// <summary>
/// Writes the trigger fire counts every <c>CounterFlushIntervalSeconds</c> and once more when the host stops,
/// after the scheduler and the gRPC server have stopped taking fires (it is registered before them).
/// </summary>
internal sealed class TriggerCounterFlushService(TriggerCounterFlusher flusher, IServiceScopeFactory scopes,
    IOptions<MonitoringOptions> options, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(5);
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(options.Value.CounterFlushIntervalSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await FlushAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var timeout = new CancellationTokenSource(FinalFlushTimeout);
        try
        {
            await FlushAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The flusher kept the counts and logged nothing; the process is going away, so they are lost with it.
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await flusher.FlushAsync(scope.ServiceProvider.GetRequiredService<ITriggerCounterStore>(), _interval, cancellationToken);
    }
}

internal static class MonitoringServiceCollectionExtensions
{
    /// <summary>The trigger counters: one accumulator per process, its flusher and the timer that runs it.</summary>
    public static IServiceCollection AddTriggerCounters(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MonitoringOptions>().Bind(configuration.GetSection(MonitoringOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TriggerFireAccumulator>();
        services.AddSingleton<ITriggerFireRecorder>(sp => sp.GetRequiredService<TriggerFireAccumulator>());
        services.AddSingleton<TriggerCounterFlusher>();
        services.AddHostedService<TriggerCounterFlushService>();
        return services;
    }
}
