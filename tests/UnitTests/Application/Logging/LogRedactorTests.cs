using WorkflowRuntime.Application.Logging;

namespace WorkflowRuntime.UnitTests.Application.Logging;

public sealed class LogRedactorTests
{
    private readonly LogRedactor _redactor = new(SecretKeyList.Default);

    [Theory]
    [InlineData("password")]
    [InlineData("PASS")]
    [InlineData("db_pass")]
    [InlineData("pwd")]
    [InlineData("Private-Key")]
    [InlineData("privateKey")]
    [InlineData("credentials")]
    [InlineData("auth")]
    [InlineData("x-auth-token")]
    [InlineData("Cookie")]
    [InlineData("set-cookie")]
    [InlineData("session")]
    [InlineData("sessionId")]
    [InlineData("client_secret")]
    [InlineData("APIKEY")]
    [InlineData("connectionString")]
    public void The_wider_default_list_names_these_secret(string key)
    {
        Assert.True(SecretKeyList.Default.IsSecretKey(key), key);
    }

    [Theory]
    [InlineData("passenger")]
    [InlineData("author")]
    [InlineData("bypass_cache")]
    [InlineData("user")]
    [InlineData("workflow_id")]
    [InlineData("")]
    public void Short_fragments_match_whole_segments_only(string key)
    {
        Assert.False(SecretKeyList.Default.IsSecretKey(key), key);
    }

    [Fact]
    public void A_postgres_error_text_quoting_json_trigger_data_is_masked()
    {
        const string text = """22P02: invalid input syntax for type json: {"user":"ada","password":"hunter3-in-error","nested":{"pwd":"x1"}}""";

        var redacted = _redactor.Redact(text)!;

        Assert.DoesNotContain("hunter3-in-error", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("x1", redacted, StringComparison.Ordinal);
        Assert.Contains("\"user\":\"ada\"", redacted, StringComparison.Ordinal);
        Assert.Contains("\"password\":\"***\"", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_escaped_inside_a_string_is_masked_too()
    {
        const string text = """{"trigger_data":"{\"token\":\"abc.def\",\"a\":1}"}""";

        var redacted = _redactor.Redact(text)!;

        Assert.DoesNotContain("abc.def", redacted, StringComparison.Ordinal);
        Assert.Contains("\\\"token\\\":\\\"***\\\"", redacted, StringComparison.Ordinal);
        Assert.Contains("""\"a\":1""", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_values_that_are_objects_numbers_or_contain_escaped_quotes_are_masked()
    {
        var redacted = _redactor.Redact("""{"credentials":{"user":"u","key":"k-123"},"pin_secret":4711,"password":"a\"b\"c"}""")!;

        Assert.DoesNotContain("k-123", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("4711", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("a\\\"b", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db;Username=app;Password=s3cr3t;Database=x", "s3cr3t", "Password=***;")]
    [InlineData("Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi", "Authorization: ***")]
    [InlineData("retry with api_key = 'k-9' later", "k-9", "api_key = ***")]
    [InlineData("connecting to redis://default:topsecret@cache:6379", "topsecret", "redis://default:***@cache")]
    [InlineData("Key (workflow_id, session_token)=(1, tok-77) already exists.", "tok-77", "(workflow_id, session_token)=(***)")]
    [InlineData("pass: hunter2", "hunter2", "pass: ***")]
    [InlineData("Authorization: Bearer <key>x", "<key>x", "Authorization: ***")]
    public void Key_value_pairs_in_text_are_masked(string text, string secret, string expected)
    {
        var redacted = _redactor.Redact(text)!;

        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Contains(expected, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Execution 5b1c started (MANUAL) as engine run e-1; trigger data {\"a\":1}")]
    [InlineData("Key (workflow_id, idempotency_key)=(1, k) already exists.")]
    [InlineData("passenger=3 author: ada")]
    [InlineData("DeployWorkflow needs an API key: send the metadata 'authorization: Bearer <key>'.")]
    [InlineData("token: <token>")]
    [InlineData("")]
    public void Text_without_secrets_is_left_as_it_is(string text)
    {
        Assert.Equal(text, _redactor.Redact(text));
    }

    [Fact]
    public void Null_stays_null()
    {
        Assert.Null(_redactor.Redact(null));
    }

    [Fact]
    public void Configured_names_are_added_to_the_defaults_never_replace_them()
    {
        var list = SecretKeyList.WithDefaults(["tenant_pin"]);
        var redactor = new LogRedactor(list);

        var redacted = redactor.Redact("""{"tenant_pin":"1234","password":"p"}""")!;

        Assert.DoesNotContain("1234", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("\"p\"", redacted, StringComparison.Ordinal);
        Assert.Contains("tenant_pin", list.Keys);
    }

    [Theory]
    [InlineData("header X-API-KEY: abc")]
    [InlineData("apikey=abc")]
    [InlineData("{\"privateKey\": \"abc\"}")]
    [InlineData("private-key: abc")]
    [InlineData("see https://user:pw@host/db")]
    [InlineData("Tenant_Pin 1234")]
    public void Every_spelling_of_a_name_is_a_mention_worth_scanning(string text)
    {
        Assert.True(SecretKeyList.WithDefaults(["tenant_pin"]).MayContainSecrets(text), text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("workflow 8d3c5a8e deployed with 3 triggers")]
    [InlineData("execution finished in 52 ms with SUCCESS")]
    public void A_text_naming_no_secret_is_not_scanned(string text)
    {
        Assert.False(SecretKeyList.Default.MayContainSecrets(text), text);
    }

    [Fact]
    public void A_name_asked_about_again_gets_the_same_answer()
    {
        var list = SecretKeyList.WithDefaults(["tenant_pin"]);

        Assert.Equal([true, true, false, false], new[] { list.IsSecretKey("TenantPin"), list.IsSecretKey("TenantPin"), list.IsSecretKey("tenant"), list.IsSecretKey("tenant") });
        Assert.False(SecretKeyList.Default.IsSecretKey("TenantPin"));
    }
}
