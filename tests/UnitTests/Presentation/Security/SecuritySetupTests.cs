using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Presentation.Grpc.Security;

namespace WorkflowRuntime.UnitTests.Presentation.Security;

/// <summary>The start-up rules of ADR 0012 that need no file: profiles, AllowInsecure, settings that must go together.</summary>
public sealed class SecuritySetupTests
{
    private const string Postgres = "Host=db;Username=u;Password=p;Database=d";

    private static SecuritySetup Load(bool servesCalls = true, params (string Key, string? Value)[] settings) =>
        SecuritySetup.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build(), servesCalls);

    [Fact]
    public void The_embedded_profile_needs_nothing_and_is_not_reported_insecure()
    {
        var setup = Load();

        Assert.False(setup.Production);
        Assert.False(setup.Authenticated);
        Assert.False(setup.Insecure);
        Assert.Equal("none", setup.Mode);
    }

    [Fact]
    public void The_production_profile_refuses_to_start_with_no_authentication()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Load(true, ("ConnectionStrings:Postgres", Postgres)));

        Assert.Contains("refuses to start without authentication", error.Message, StringComparison.Ordinal);
        Assert.Contains("WorkflowRuntime:Security:AllowInsecure=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowInsecure_lets_it_start_and_marks_it_insecure()
    {
        var setup = Load(true, ("ConnectionStrings:Postgres", Postgres), ("WorkflowRuntime:Security:AllowInsecure", "true"));

        Assert.True(setup.Production);
        Assert.True(setup.Insecure);
        Assert.True(setup.Options.AllowInsecure);
    }

    [Fact]
    public void The_migrate_command_serves_no_calls_and_needs_no_authentication() =>
        Assert.False(Load(false, ("ConnectionStrings:Postgres", Postgres)).ServesCalls);

    [Theory]
    [InlineData("WorkflowRuntime:Security:Tls:CertificatePath", "/tls/tls.crt", "CertificatePath and WorkflowRuntime:Security:Tls:KeyPath go together")]
    [InlineData("WorkflowRuntime:Security:Tls:KeyPath", "/tls/tls.key", "CertificatePath and WorkflowRuntime:Security:Tls:KeyPath go together")]
    [InlineData("WorkflowRuntime:Security:Tls:AllowedClientSubjects:0", "api-gateway", "AllowedClientSubjects needs WorkflowRuntime:Security:Tls:ClientCaPath")]
    [InlineData("WorkflowRuntime:Security:ApiKeysReloadSeconds", "-1", "must be between 0 and 86400")]
    [InlineData("WorkflowRuntime:Security:Tls:ReloadSeconds", "86401", "must be between 0 and 86400")]
    public void Settings_that_do_not_go_together_are_refused_naming_the_keys(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Load(true, (key, value)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
