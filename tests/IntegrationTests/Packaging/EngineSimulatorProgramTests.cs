using System.Globalization;
using Grpc.Net.Client;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Packaging;

/// <summary>
/// tools/EngineSimulator as its own process, configured only through environment variables (as compose and the
/// image run it), behind the service as its own process: real engine calls over a real socket. The service has a
/// scratch database of its own, so these tests need not queue behind the shared database's collection.
/// </summary>
public sealed class EngineSimulatorProgramFixture : IAsyncLifetime
{
    /// <summary>Configured to fail: its runs end ERROR with <see cref="FailingMessage"/>.</summary>
    public static readonly string FailingWorkflowId = Guid.NewGuid().ToString();

    /// <summary>Configured like <see cref="FailingWorkflowId"/>, for a second test.</summary>
    public static readonly string SecondFailingWorkflowId = Guid.NewGuid().ToString();

    public const string FailingMessage = "simulated: disk full";

    internal ChildProcess Simulator { get; private set; } = null!;

    internal HostProcess Host { get; private set; } = null!;

    internal int GrpcPort { get; private set; }

    internal int HttpPort { get; private set; }

    internal GrpcChannel Channel { get; private set; } = null!;

    private string? _database;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateScratchAsync();
        var enginePort = FreePort.Next();
        Simulator = ChildProcess.Start("dotnet", [RepositoryFiles.ToolAssembly("EngineSimulator")], environment: new Dictionary<string, string>
        {
            ["EngineSimulator__Port"] = enginePort.ToString(CultureInfo.InvariantCulture),
            ["EngineSimulator__Default__LatencyMs"] = "100",
            ["EngineSimulator__Default__ResultData"] = """{"rows":3}""",
            [$"EngineSimulator__Workflows__{FailingWorkflowId}__Outcome"] = "Error",
            [$"EngineSimulator__Workflows__{FailingWorkflowId}__ErrorMessage"] = FailingMessage,
            [$"EngineSimulator__Workflows__{SecondFailingWorkflowId}__Outcome"] = "Error",
        });
        await Simulator.WaitForOutputAsync("Engine simulator listening", TimeSpan.FromSeconds(60));

        GrpcPort = FreePort.Next();
        HttpPort = FreePort.Next();
        var settings = HostProcess.Settings(TestSettings.PostgresConnectionStringFor(_database), grpcPort: GrpcPort, httpPort: HttpPort);
        settings["WorkflowRuntime__Engine__Address"] = $"http://127.0.0.1:{enginePort}";
        settings["WorkflowRuntime__Executions__PollInitialMs"] = "50";
        settings["WorkflowRuntime__Executions__PollMaxMs"] = "200";
        settings["WorkflowRuntime__Security__AllowInsecure"] = "true";
        Host = HostProcess.Start(settings);
        await Host.AssertStartedAsync(TimeSpan.FromSeconds(90));
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (Simulator is not null)
        {
            await Simulator.DisposeAsync();
        }

        if (_database is not null)
        {
            await PostgresDatabase.DropAsync(_database);
        }
    }
}

public sealed class EngineSimulatorProgramTests(EngineSimulatorProgramFixture fixture) : IClassFixture<EngineSimulatorProgramFixture>
{
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _runtime = new(fixture.Channel);

    [Fact]
    public async Task A_trigger_runs_on_the_simulator_program_with_its_configured_default_behaviour()
    {
        var workflowId = (await _runtime.DeployWorkflowAsync(Deploy("user-1", Manual()))).Deployment.WorkflowId;

        var execution = (await _runtime.TriggerWorkflowAsync(Waited(workflowId))).Execution;

        Assert.Equal(ExecutionStatus.Success, execution.Status);
        Assert.Equal("""{"rows":3}""", execution.ResultData.Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.StartsWith("sim-", execution.EngineExecutionId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_per_workflow_override_from_the_environment_makes_only_that_workflow_fail()
    {
        var request = Deploy("user-1", Manual());
        request.WorkflowId = EngineSimulatorProgramFixture.FailingWorkflowId;
        await _runtime.DeployWorkflowAsync(request);

        var execution = (await _runtime.TriggerWorkflowAsync(Waited(EngineSimulatorProgramFixture.FailingWorkflowId))).Execution;

        Assert.Equal(ExecutionStatus.Error, execution.Status);
        Assert.Contains(EngineSimulatorProgramFixture.FailingMessage, execution.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_container_smoke_client_passes_its_round_trip_against_the_host()
    {
        var (exitCode, output) = await ChildProcess.RunAsync("dotnet",
            [RepositoryFiles.ToolAssembly("RuntimeSmokeClient"), "--grpc", $"http://127.0.0.1:{fixture.GrpcPort}",
             "--http", $"http://127.0.0.1:{fixture.HttpPort}", "--timezone", "America/New_York", "--timeout-seconds", "30"],
            TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, output);
        Assert.Contains("smoke: GET /health -> 200", output, StringComparison.Ordinal);
        Assert.Contains("in America/New_York next fires", output, StringComparison.Ordinal);
        Assert.Contains("smoke: TriggerWorkflow -> SUCCESS", output, StringComparison.Ordinal);
        Assert.Contains("smoke: DeleteDeployment -> Archived", output, StringComparison.Ordinal);
        Assert.EndsWith("smoke: PASSED", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_smoke_client_fails_when_the_run_does_not_end_as_expected()
    {
        var (exitCode, output) = await ChildProcess.RunAsync("dotnet",
            [RepositoryFiles.ToolAssembly("RuntimeSmokeClient"), "--grpc", $"http://127.0.0.1:{fixture.GrpcPort}",
             "--http", $"http://127.0.0.1:{fixture.HttpPort}", "--workflow-id", EngineSimulatorProgramFixture.SecondFailingWorkflowId],
            TimeSpan.FromSeconds(90));

        Assert.Equal(1, exitCode);
        Assert.Contains("smoke: FAILED: expected SUCCESS, the execution ended ERROR", output, StringComparison.Ordinal);
        // The client stopped before archiving: take its cron trigger out of the scheduler here.
        await _runtime.DeleteDeploymentAsync(new DeleteDeploymentRequest { WorkflowId = EngineSimulatorProgramFixture.SecondFailingWorkflowId });
    }

    [Theory]
    [InlineData("EngineSimulator__Default__Outcome", "Sometimes", "EngineSimulator:Default:Outcome 'Sometimes' is not one of Success, Error, Hang, Unavailable.")]
    [InlineData("EngineSimulator__Port", "70000", "EngineSimulator:Port must be between 1 and 65535")]
    [InlineData("EngineSimulator__Default__LatencyMs", "-5", "EngineSimulator:Default:LatencyMs cannot be negative.")]
    public async Task A_bad_setting_stops_the_simulator_with_a_message_naming_the_key(string key, string value, string message)
    {
        var (exitCode, output) = await ChildProcess.RunAsync("dotnet", [RepositoryFiles.ToolAssembly("EngineSimulator")],
            TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { [key] = value });

        Assert.Equal(1, exitCode);
        Assert.Contains($"engine-simulator: invalid configuration: {message}", output, StringComparison.Ordinal);
    }

    private static TriggerWorkflowRequest Waited(string workflowId) => new()
    {
        WorkflowId = workflowId,
        Mode = ExecutionMode.Manual,
        TriggerData = """{"from":"engine-simulator-program-test"}""",
        WaitForCompletion = true,
        WaitTimeoutSeconds = 30,
    };
}
