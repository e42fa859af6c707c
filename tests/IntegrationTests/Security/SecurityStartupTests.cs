using System.Text.Json;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Security;

/// <summary>The host as operators run it: refuses an unauthenticated production start, warns when told to allow it, names callers in its logs.</summary>
public sealed class SecurityStartupTests
{
    // Generous: a cold process on a loaded 2-core machine; a refusal still ends in seconds.
    private static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_production_profile_refuses_to_start_without_authentication_unless_allowed()
    {
        var settings = HostProcess.Settings();
        settings.Remove("WorkflowRuntime__Security__AllowInsecure");
        await using var host = HostProcess.Start(settings);

        var exitCode = await host.WaitForExitAsync(StartupBound);

        Assert.Equal(1, exitCode);
        Assert.Contains("refuses to start without authentication", host.StandardError, StringComparison.Ordinal);
        Assert.Contains("WorkflowRuntime:Security:AllowInsecure=true", host.StandardError, StringComparison.Ordinal);
        Assert.Contains("WorkflowRuntime:Security:ApiKeysPath", host.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_api_key_file_stops_the_start_naming_the_file_and_the_entry()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wr-keys-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, """[{"name":"gateway","sha256":"abc","allow":["WorkflowRuntimeService/TriggerWorkflow"]}]""");
        try
        {
            var settings = HostProcess.Settings();
            settings["WorkflowRuntime__Security__AllowInsecure"] = "false";
            settings["WorkflowRuntime__Security__ApiKeysPath"] = path;
            await using var host = HostProcess.Start(settings);

            var exitCode = await host.WaitForExitAsync(StartupBound);

            Assert.Equal(1, exitCode);
            Assert.Contains(path, host.StandardError, StringComparison.Ordinal);
            Assert.Contains("entry 1 (\"gateway\")", host.StandardError, StringComparison.Ordinal);
            Assert.Contains("sha256", host.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Allowed_insecure_it_starts_and_warns_at_start()
    {
        await using var host = HostProcess.Start(HostProcess.Settings());

        await host.AssertStartedAsync(StartupBound);

        var warning = await host.WaitForEventAsync("security_insecure", StartupBound);
        Assert.NotNull(warning);
        Assert.Equal("warning", warning.Value.GetProperty("level").GetString());
        Assert.Contains("AllowInsecure", warning.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_api_keys_every_log_line_of_a_call_names_the_caller_once()
    {
        var key = $"op_{Guid.NewGuid():N}";
        var path = Path.Combine(Path.GetTempPath(), $"wr-keys-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new[]
        {
            new { name = "operator", sha256 = SecuredHostFixture.Hash(key), allow = new[] { "WorkflowRuntimeService/*" } },
        }));
        try
        {
            var grpcPort = FreePort.Next();
            var settings = HostProcess.Settings(grpcPort: grpcPort);
            settings["WorkflowRuntime__Security__AllowInsecure"] = "false";
            settings["WorkflowRuntime__Security__ApiKeysPath"] = path;
            await using var host = HostProcess.Start(settings);
            await host.AssertStartedAsync(StartupBound);
            var configured = await host.WaitForEventAsync("security_configured", StartupBound);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            var client = new WorkflowRuntimeService.WorkflowRuntimeServiceClient(channel);

            await FailsWith(global::Grpc.Core.StatusCode.Unauthenticated, client.DeployWorkflowAsync(Deploy("user-1", Manual())));
            await client.DeployWorkflowAsync(Deploy("user-1", Manual()), SecuredHostFixture.Bearer(key));

            Assert.Equal("api_keys", configured!.Value.GetProperty("fields").GetProperty("security_mode").GetString());
            var refused = await host.WaitForEventAsync("call_refused", StartupBound);
            Assert.NotNull(refused);
            Assert.Equal("WorkflowRuntimeService/DeployWorkflow", refused.Value.GetProperty("fields").GetProperty("operation").GetString());
            var deployed = await host.WaitForEventAsync("workflow_deployed", StartupBound);
            Assert.NotNull(deployed);
            Assert.Equal("operator", deployed.Value.GetProperty("fields").GetProperty("caller").GetString());
            // The formatter would throw on a repeated key only when parsing strictly: check the raw line instead.
            var line = host.StandardOutput.Single(l => l.Contains("\"workflow_deployed\"", StringComparison.Ordinal));
            Assert.Equal(1, CountOf(line, "\"caller\":"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
