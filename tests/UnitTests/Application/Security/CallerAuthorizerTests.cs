using Ardalis.Result;
using Moq;
using WorkflowRuntime.Application.Security;

namespace WorkflowRuntime.UnitTests.Application.Security;

public sealed class CallerAuthorizerTests
{
    private static readonly RpcOperation Trigger = new("WorkflowRuntimeService", "TriggerWorkflow");
    private static readonly RpcOperation Deploy = new("WorkflowRuntimeService", "DeployWorkflow");

    private static CallerAuthorizer WithKeys(bool certificates = false)
    {
        var source = new Mock<IApiKeySource>();
        source.Setup(s => s.Keys).Returns(
        [
            new ApiKey("gateway", ApiKeyHash.Compute("gw-secret"), [new RpcPermission("WorkflowRuntimeService", "TriggerWorkflow")]),
            new ApiKey("operator", ApiKeyHash.Compute("op-secret"), [new RpcPermission("WorkflowRuntimeService", "*")]),
        ]);
        return new CallerAuthorizer(source.Object, certificates);
    }

    [Theory]
    [InlineData("Bearer gw-secret")]
    [InlineData("bearer gw-secret")]
    [InlineData("Bearer  gw-secret ")]
    public void A_known_key_allowed_for_the_call_names_its_caller(string header)
    {
        var result = WithKeys().Authorize(Trigger, header, certificateName: null);

        Assert.True(result.IsSuccess);
        Assert.Equal(new Caller("gateway", CallerKind.ApiKey), result.Value);
    }

    [Fact]
    public void The_key_names_the_caller_even_when_a_certificate_was_verified()
    {
        var result = WithKeys(certificates: true).Authorize(Deploy, "Bearer op-secret", "api-gateway");

        Assert.Equal("operator", result.Value.Name);
    }

    [Theory]
    [InlineData(null, "needs an API key")]
    [InlineData("", "needs an API key")]
    [InlineData("Bearer ", "must be 'Bearer <key>'")]
    [InlineData("Basic gw-secret", "must be 'Bearer <key>'")]
    [InlineData("gw-secret", "must be 'Bearer <key>'")]
    [InlineData("Bearer gw-secre", "not known")]
    [InlineData("Bearer GW-SECRET", "not known")]
    public void No_malformed_or_unknown_credentials_are_unauthorized_with_what_to_send(string? header, string expected)
    {
        var result = WithKeys().Authorize(Trigger, header, certificateName: "api-gateway");

        Assert.Equal(ResultStatus.Unauthorized, result.Status);
        Assert.Contains(expected, string.Join(" ", result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_known_key_not_allowed_for_the_call_is_forbidden_with_the_permission_to_add()
    {
        var result = WithKeys().Authorize(Deploy, "Bearer gw-secret", certificateName: null);

        Assert.Equal(ResultStatus.Forbidden, result.Status);
        var message = string.Join(" ", result.Errors);
        Assert.Contains("'gateway'", message, StringComparison.Ordinal);
        Assert.Contains("\"WorkflowRuntimeService/DeployWorkflow\"", message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_only_mtls_the_verified_certificate_names_the_caller_who_may_call_everything()
    {
        var authorizer = new CallerAuthorizer(keys: null, clientCertificatesRequired: true);

        var result = authorizer.Authorize(Deploy, authorization: null, certificateName: "api-gateway");

        Assert.True(authorizer.Enabled);
        Assert.Equal(new Caller("api-gateway", CallerKind.ClientCertificate), result.Value);
    }

    [Theory]
    [InlineData("WorkflowRuntimeService", "needs a client certificate")]
    [InlineData("Http", "configure API keys")]
    public void With_only_mtls_a_call_without_a_certificate_is_unauthorized(string service, string expected)
    {
        var result = new CallerAuthorizer(keys: null, clientCertificatesRequired: true).Authorize(new RpcOperation(service, "x"), null, null);

        Assert.Equal(ResultStatus.Unauthorized, result.Status);
        Assert.Contains(expected, string.Join(" ", result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void With_nothing_configured_every_caller_is_anonymous()
    {
        var authorizer = new CallerAuthorizer(keys: null, clientCertificatesRequired: false);

        var result = authorizer.Authorize(Deploy, authorization: "Bearer whatever", certificateName: null);

        Assert.False(authorizer.Enabled);
        Assert.True(result.Value.IsAnonymous);
        Assert.False(new Caller("gateway", CallerKind.ApiKey).IsAnonymous);
    }
}
