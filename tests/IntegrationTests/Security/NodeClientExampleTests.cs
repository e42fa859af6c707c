using System.Diagnostics;
using System.Text.Json;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Security;

/// <summary>
/// examples/node-client, as a reader would run it: <c>npm ci</c>, then <c>node client.js</c> against a real host over
/// mTLS with an API key. It must deploy both sample workflows, trigger the webhook one, page its history and exit 0.
/// </summary>
[Collection(SecuredHostCollection.Name)]
public sealed class NodeClientExampleTests(SecuredHostFixture fixture)
{
    private static readonly TimeSpan NpmBound = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ClientBound = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task The_node_client_deploys_triggers_and_pages_history_over_mtls_with_an_api_key()
    {
        var example = await InstalledExampleAsync();
        var (certificate, key) = fixture.Pki.WriteClient($"CN={SecuredHostFixture.AllowedSubject}");

        var run = await RunAsync("node", example, ClientBound, "client.js",
            "--address", $"127.0.0.1:{fixture.Host.GrpcPort}",
            "--api-key", fixture.OperatorKey,
            "--ca", fixture.Pki.CaPath, "--cert", certificate, "--key", key,
            "--triggers", "3", "--page-size", "2");

        Assert.True(run.ExitCode == 0, $"node client.js exited {run.ExitCode}:\n{run.Output}\n{run.Error}");
        var steps = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var deployed = steps.Where(s => Step(s) == "deployed").ToList();
        Assert.Equal(["order created", "nightly report"], deployed.Select(s => s.GetProperty("name").GetString()));
        Assert.All(deployed, s => Assert.Equal("DEPLOYMENT_STATUS_DEPLOYED", s.GetProperty("status").GetString()));
        Assert.Equal("0 2 * * *", deployed[1].GetProperty("cron").GetString());
        var triggered = steps.Where(s => Step(s) == "triggered").ToList();
        Assert.Equal(3, triggered.Count);
        Assert.All(triggered, s =>
        {
            Assert.Equal("EXECUTION_STATUS_SUCCESS", s.GetProperty("status").GetString());
            // The client leaves triggered_by empty: the runtime names the API key's caller.
            Assert.Equal("operator", s.GetProperty("triggered_by").GetString());
        });
        var history = steps.Single(s => Step(s) == "history");
        Assert.Equal(3, history.GetProperty("executions").GetInt32());
        Assert.Equal(2, history.GetProperty("pages").GetInt32());
        Assert.Equal(2, steps.Count(s => Step(s) == "archived"));
        Assert.Equal("done", Step(steps[^1]));
        var webhookId = deployed[0].GetProperty("workflow_id").GetString();
        Assert.Equal(3L, await PostgresDatabase.ScalarAsync<long>(
            $"SELECT count(*) FROM workflow_executions WHERE workflow_id = '{webhookId}' AND triggered_by = 'operator'",
            fixture.DatabaseConnectionString));
    }

    [Fact]
    public async Task Without_the_api_key_the_node_client_fails_with_the_runtimes_reason_and_exit_code_1()
    {
        var example = await InstalledExampleAsync();
        var (certificate, key) = fixture.Pki.WriteClient($"CN={SecuredHostFixture.AllowedSubject}");

        var user = $"node-{Guid.NewGuid():N}";

        var run = await RunAsync("node", example, ClientBound, "client.js",
            "--address", $"127.0.0.1:{fixture.Host.GrpcPort}", "--ca", fixture.Pki.CaPath, "--cert", certificate, "--key", key, "--user", user);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("DeployWorkflow failed: UNAUTHENTICATED", run.Error, StringComparison.Ordinal);
        Assert.Equal(0L, await PostgresDatabase.ScalarAsync<long>($"SELECT count(*) FROM workflows WHERE user_id = '{user}'", fixture.DatabaseConnectionString));
    }

    // One `npm ci` per test run: it empties node_modules first, so the lock file alone decides what is installed.
    private static readonly Lazy<Task<string>> Installed = new(async () =>
    {
        var example = RepositoryFiles.PathOf("examples/node-client");
        var install = await RunAsync("npm", example, NpmBound, "ci", "--no-audit", "--no-fund", "--ignore-scripts");
        Assert.True(install.ExitCode == 0, $"npm ci failed:\n{install.Output}\n{install.Error}");
        return example;
    });

    private static Task<string> InstalledExampleAsync() => Installed.Value;

    private static string Step(JsonElement step) => step.GetProperty("step").GetString()!;

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, string directory, TimeSpan bound, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {bound}:\n{await output}\n{await error}");
        }

        return (process.ExitCode, await output, await error);
    }
}
