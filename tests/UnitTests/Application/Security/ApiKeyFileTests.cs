using WorkflowRuntime.Application.Security;

namespace WorkflowRuntime.UnitTests.Application.Security;

public sealed class ApiKeyFileTests
{
    private static readonly string GatewayHash = ApiKeyHash.ToHex(ApiKeyHash.Compute("gateway-key"));
    private static readonly string OperatorHash = ApiKeyHash.ToHex(ApiKeyHash.Compute("operator-key"));

    [Fact]
    public void A_valid_file_gives_each_key_its_name_hash_and_permissions()
    {
        var keys = ApiKeyFile.Parse($$"""
            [
              {"name":"gateway","sha256":"{{GatewayHash}}","allow":["WorkflowRuntimeService/TriggerWorkflow","WorkflowRuntimeService/ResolveWebhook"]},
              {"name":"operator","sha256":"{{OperatorHash.ToUpperInvariant()}}","allow":["WorkflowRuntimeService/*","MonitoringService/*","Http/health"]}
            ]
            """, "keys.json");

        Assert.Equal(["gateway", "operator"], keys.Select(k => k.Name));
        Assert.Equal(ApiKeyHash.Compute("gateway-key"), keys[0].Sha256.ToArray());
        Assert.Equal(ApiKeyHash.Compute("operator-key"), keys[1].Sha256.ToArray());
        Assert.True(keys[0].Allows(new RpcOperation("WorkflowRuntimeService", "TriggerWorkflow")));
        Assert.False(keys[0].Allows(new RpcOperation("WorkflowRuntimeService", "DeployWorkflow")));
        Assert.True(keys[1].Allows(new RpcOperation("MonitoringService", "GetSystemHealth")));
        Assert.True(keys[1].Allows(new RpcOperation("Http", "health")));
    }

    [Theory]
    [InlineData("not json", "is not valid JSON")]
    [InlineData("""{"name":"x"}""", "must be a JSON array")]
    [InlineData("[]", "lists no keys")]
    [InlineData("""["gateway"]""", "entry 1 must be an object")]
    [InlineData("""[{"name":"","sha256":"HASH","allow":["A/b"]}]""", "entry 1 needs a \"name\"")]
    [InlineData("""[{"name":"gateway","sha256":"abc","allow":["A/b"]}]""", "entry 1 (\"gateway\"): \"sha256\" must be the 64 hex digits")]
    [InlineData("""[{"name":"gateway","sha256":"HASH"}]""", "\"allow\" must be a non-empty array")]
    [InlineData("""[{"name":"gateway","sha256":"HASH","allow":[]}]""", "\"allow\" must be a non-empty array")]
    [InlineData("""[{"name":"gateway","sha256":"HASH","allow":["TriggerWorkflow"]}]""", "'TriggerWorkflow' is not 'Service/Method'")]
    [InlineData("""[{"name":"gateway","sha256":"HASH","allow":[42]}]""", "'42' is not 'Service/Method'")]
    [InlineData("""[{"name":"gateway","sha256":"HASH","allowed":["A/b"]}]""", "unknown property \"allowed\"")]
    [InlineData("""[{"name":"a","sha256":"HASH","allow":["A/b"]},{"name":"a","sha256":"OTHER","allow":["A/b"]}]""", "names \"a\" twice")]
    [InlineData("""[{"name":"a","sha256":"HASH","allow":["A/b"]},{"name":"b","sha256":"HASH","allow":["A/b"]}]""", "the same sha256 for \"a\" and \"b\"")]
    public void An_invalid_file_is_refused_with_the_file_the_entry_and_the_problem(string json, string expected)
    {
        var error = Assert.Throws<ApiKeyFileException>(
            () => ApiKeyFile.Parse(json.Replace("HASH", GatewayHash, StringComparison.Ordinal).Replace("OTHER", OperatorHash, StringComparison.Ordinal), "/etc/keys.json"));

        Assert.Contains("/etc/keys.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Comments_and_trailing_commas_are_tolerated_in_a_hand_edited_file()
    {
        var keys = ApiKeyFile.Parse($$"""
            // the gateway
            [{"name":"gateway","sha256":"{{GatewayHash}}","allow":["WorkflowRuntimeService/TriggerWorkflow",]},]
            """, "keys.json");

        Assert.Single(keys);
    }
}
