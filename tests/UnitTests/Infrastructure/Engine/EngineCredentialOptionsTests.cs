using System.ComponentModel.DataAnnotations;
using WorkflowRuntime.Infrastructure.Engine;

namespace WorkflowRuntime.UnitTests.Infrastructure.Engine;

/// <summary>The engine client's credential settings are refused before any file is read when they cannot go together.</summary>
public sealed class EngineCredentialOptionsTests
{
    [Theory]
    [InlineData("http://engine:50051")]
    [InlineData("")]
    public void A_token_or_tls_setting_needs_an_https_address(string address)
    {
        var options = new EngineOptions { Address = address, BearerTokenPath = "/etc/engine/token" };

        var error = Assert.Single(Validate(options));

        Assert.Contains("need an https:// WorkflowRuntime:Engine:Address", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/tls/client.crt", null)]
    [InlineData(null, "/etc/tls/client.key")]
    public void A_client_certificate_and_its_key_go_together(string? certificate, string? key)
    {
        var options = new EngineOptions
        {
            Address = "https://engine:50051",
            Tls = new EngineTlsOptions { ClientCertificatePath = certificate, ClientKeyPath = key },
        };

        var error = Assert.Single(Validate(options));

        Assert.Contains("ClientCertificatePath and WorkflowRuntime:Engine:Tls:ClientKeyPath go together", error.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_credentials_an_https_address_uses_the_system_roots_and_is_valid() =>
        Assert.Empty(Validate(new EngineOptions { Address = "https://engine:50051" }));

    private static List<ValidationResult> Validate(EngineOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
