using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Security;
using WorkflowRuntime.Infrastructure.Security;
using WorkflowRuntime.Presentation.Grpc.Hosting;

namespace WorkflowRuntime.Presentation.Grpc.Security;

/// <summary>Wires ADR 0012 into the host: the authorizer, the gRPC interceptor, the HTTP rule, TLS on the gRPC port.</summary>
internal static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddCallerSecurity(this IServiceCollection services, SecuritySetup setup)
    {
        services.AddSingleton(setup);
        if (setup.Options.ApiKeysConfigured)
        {
            services.AddSingleton<IApiKeySource>(sp => new ApiKeyFileSource(setup.Options.ApiKeysPath!,
                TimeSpan.FromSeconds(setup.Options.ApiKeysReloadSeconds), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ApiKeyFileSource>>()));
        }

        services.AddSingleton(sp => new CallerAuthorizer(sp.GetService<IApiKeySource>(), setup.Options.Tls.ClientCertificatesRequired));
        if (setup.Options.Tls.ClientCertificatesRequired)
        {
            services.AddSingleton<ClientCertificateValidator>();
        }

        // Runs after the error interceptor (registered first), so a refusal is still logged with the call's method.
        services.Configure<GrpcServiceOptions>(options => options.Interceptors.Add<AuthorizationInterceptor>());
        services.AddHostedService<SecurityStartupReporter>();
        return services;
    }

    public static IApplicationBuilder UseCallerSecurity(this IApplicationBuilder app) =>
        app.UseMiddleware<HttpAuthorizationMiddleware>(app.ApplicationServices.GetRequiredService<IOptions<ServerOptions>>().Value);

    /// <summary>TLS (and client certificates, when required) on the gRPC listener; plain HTTP/2 when no certificate is set.</summary>
    public static void UseCallerTls(this ListenOptions listen, SecuritySetup setup)
    {
        var tls = setup.Options.Tls;
        if (!tls.Enabled)
        {
            return;
        }

        var services = listen.ApplicationServices;
        var clock = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SecurityServiceCollectionExtensions).FullName!);
        var certificate = new FileBackedValue<System.Security.Cryptography.X509Certificates.X509Certificate2>(
            [tls.CertificatePath!, tls.KeyPath!], setup.LoadServerCertificate, TimeSpan.FromSeconds(tls.ReloadSeconds), clock,
            reloadFailed: ex => SecurityLog.CertificateReloadFailed(logger, tls.CertificatePath!, ex.Message),
            reloaded: _ => SecurityLog.CertificateReloaded(logger, tls.CertificatePath!));
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificateSelector = (_, _) => certificate.Current,
            ClientCertificateMode = tls.ClientCertificatesRequired ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
            CheckCertificateRevocation = false,
        };
        if (tls.ClientCertificatesRequired)
        {
            var validator = services.GetRequiredService<ClientCertificateValidator>();
            https.ClientCertificateValidation = (presented, _, _) => validator.Validate(presented);
        }

        listen.UseHttps(https);
    }
}
