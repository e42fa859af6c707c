using Grpc.Core;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Security;

/// <summary>The key file is re-read when it changes: a new key works without a restart, a broken file keeps the old keys.</summary>
[Collection(SecuredHostCollection.Name)]
public sealed class ApiKeyRotationTests(SecuredHostFixture fixture)
{
    private static readonly TimeSpan ReloadBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_key_added_to_the_file_is_accepted_and_a_broken_file_keeps_the_keys_in_force()
    {
        using var channel = fixture.Channel(fixture.ClientCertificate);
        var client = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channel);
        var rotated = $"rot_{Guid.NewGuid():N}";
        var list = new ListDeploymentsRequest { UserId = $"nobody-{Guid.NewGuid():N}" };
        var before = await Outcome(client, list, rotated);

        await fixture.WriteKeysAsync(new { name = "operator-2026-12", sha256 = SecuredHostFixture.Hash(rotated), allow = new[] { "WorkflowRuntimeService/ListDeployments" } });
        var accepted = await Eventually.Until(() => Outcome(client, list, rotated), code => code == StatusCode.OK, ReloadBound);

        await File.WriteAllTextAsync(fixture.ApiKeysPath, "[{\"name\": \"half-written");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var duringBroken = await Outcome(client, list, rotated);
        await fixture.WriteKeysAsync();
        var removed = await Eventually.Until(() => Outcome(client, list, rotated), code => code == StatusCode.Unauthenticated, ReloadBound);

        Assert.Equal(StatusCode.Unauthenticated, before);
        Assert.Equal(StatusCode.OK, accepted);
        Assert.Equal(StatusCode.OK, duringBroken);
        Assert.Equal(StatusCode.Unauthenticated, removed);
        Assert.Equal(StatusCode.OK, await Outcome(client, list, fixture.OperatorKey));
    }

    private static async Task<StatusCode> Outcome(WorkflowRuntimeService.WorkflowRuntimeServiceClient client, ListDeploymentsRequest request, string key)
    {
        try
        {
            await client.ListDeploymentsAsync(request, SecuredHostFixture.Bearer(key));
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }
}
