namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>Says at every start how callers authenticate, and warns when nobody is checked in the production profile.</summary>
internal sealed class SecurityStartupReporter(SecuritySetup setup, ILogger<SecurityStartupReporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (setup.Insecure)
        {
            SecurityLog.Insecure(logger);
        }
        else
        {
            SecurityLog.Configured(logger, setup.Mode);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
