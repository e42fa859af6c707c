using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WorkflowRuntime.Application.Logging;
using WorkflowRuntime.Presentation.Grpc.Logging;

namespace WorkflowRuntime.UnitTests.Presentation;

/// <summary>The formatter redacts every text of a line; the configuration of the names is validated.</summary>
public sealed class LogMaskingTests
{
    [Fact]
    public void Message_fields_scopes_and_exception_texts_of_a_line_are_redacted()
    {
        var state = new List<KeyValuePair<string, object?>>
        {
            new("Reason", """23505: duplicate key; {"password":"hunter3-in-error"}"""),
            new("ApiKey", "k-live-1"),
            new("WorkflowId", "wf-1"),
        };
        var scopes = new LoggerExternalScopeProvider();
        using var scope = scopes.Push(new Dictionary<string, object> { ["connection"] = "Host=db;Password=pw-in-scope" });
        var error = new InvalidOperationException("""insert failed: {"token":"tok-in-exception"}""");

        var line = Write(state, error, "Unhandled error: Authorization: Bearer abc.def.ghi", scopes);

        foreach (var secret in new[] { "hunter3-in-error", "k-live-1", "pw-in-scope", "tok-in-exception", "abc.def.ghi" })
        {
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        }

        using var document = JsonDocument.Parse(line);
        var fields = document.RootElement.GetProperty("fields");
        Assert.Equal(LogRedactor.Mask, fields.GetProperty("api_key").GetString());
        Assert.Equal("wf-1", fields.GetProperty("workflow_id").GetString());
    }

    [Fact]
    public void Configured_names_are_validated_and_added_to_the_defaults()
    {
        var list = LogMasking.Configure(Config(("WorkflowRuntime:Logging:MaskedKeys:0", "tenant_pin"), ("WorkflowRuntime:Logging:MaskedKeys:1", "x-org-sig")));

        Assert.True(list.IsSecretKey("tenant_pin"));
        Assert.True(list.IsSecretKey("X-Org-Sig"));
        Assert.True(list.IsSecretKey("password"));
    }

    [Fact]
    public void A_comma_separated_value_from_the_environment_works_too()
    {
        var list = LogMasking.Configure(Config(("WorkflowRuntime:Logging:MaskedKeys", "tenant_pin, org_sig")));

        Assert.True(list.IsSecretKey("org_sig"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("quote\"")]
    [InlineData("a-name-that-is-far-too-long-to-be-a-sensible-key-name-for-anything-at-all")]
    public void An_invalid_name_stops_start_up_naming_the_entry(string key)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => LogMasking.Configure(Config(("WorkflowRuntime:Logging:MaskedKeys:0", key))));

        Assert.Contains("WorkflowRuntime:Logging:MaskedKeys[0]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_a_hundred_names_are_refused()
    {
        Assert.NotEmpty(LogMasking.Validate([.. Enumerable.Range(0, 101).Select(i => $"k{i}")]));
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static string Write(IReadOnlyList<KeyValuePair<string, object?>> state, Exception exception, string message, IExternalScopeProvider scopes)
    {
        var formatter = new JsonLineConsoleFormatter();
        using var output = new StringWriter();
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(LogLevel.Error, "Test", new EventId(200, "rpc_failed"), state, exception, (_, _) => message);
        formatter.Write(entry, scopes, output);
        return output.ToString();
    }
}
