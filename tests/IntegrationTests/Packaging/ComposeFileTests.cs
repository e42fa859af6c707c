using System.Reflection;
using System.Text.RegularExpressions;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.IntegrationTests.Support;
using WorkflowRuntime.Presentation.Grpc.Hosting;
using YamlDotNet.RepresentationModel;

namespace WorkflowRuntime.IntegrationTests.Packaging;

/// <summary>
/// compose.yaml cannot be run here (no Docker engine), so it is read: the services, what each builds from the
/// Dockerfile, the ports, and that every setting it passes is one the programs really read.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly YamlMappingNode Services = LoadServices();

    /// <summary>
    /// Keys of WorkflowRuntime:Security, decided up front for every branch and built by the authentication work;
    /// the service's options classes for them may not be in this build yet.
    /// </summary>
    private static readonly HashSet<string> SecurityKeys = new(StringComparer.Ordinal)
    {
        "WorkflowRuntime:Security:AllowInsecure", "WorkflowRuntime:Security:ApiKeysPath",
        "WorkflowRuntime:Security:Tls:CertificatePath", "WorkflowRuntime:Security:Tls:KeyPath",
        "WorkflowRuntime:Security:Tls:ClientCaPath",
    };

    [Fact]
    public void It_runs_the_service_its_migration_postgres_redis_and_the_engine_simulator()
    {
        Assert.Equal(["engine-simulator", "migrate", "postgres", "redis", "runtime"],
            Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("runtime", "runtime")]
    [InlineData("migrate", "runtime")]
    [InlineData("engine-simulator", "engine-simulator")]
    public void Each_program_is_built_from_a_target_that_the_Dockerfile_has(string service, string target)
    {
        var build = Mapping(Service(service), "build");

        Assert.Equal(".", Scalar(build, "context"));
        Assert.Equal(target, Scalar(build, "target"));
        Assert.Matches(new Regex($"^FROM .+ AS {Regex.Escape(target)}$", RegexOptions.Multiline), RepositoryFiles.ReadAllText("Dockerfile"));
    }

    [Fact]
    public void The_service_publishes_its_two_ports_and_runs_the_production_profile_without_credentials_on_purpose()
    {
        var runtime = Service("runtime");
        var environment = Environment(runtime);

        Assert.Equal(["50051:50051", "8080:8080"], Sequence(runtime, "ports"));
        Assert.StartsWith("Host=postgres;", environment["ConnectionStrings__Postgres"], StringComparison.Ordinal);
        Assert.Equal("redis:6379", environment["ConnectionStrings__Redis"]);
        Assert.Equal("http://engine-simulator:50051", environment["WorkflowRuntime__Engine__Address"]);
        Assert.Equal("true", environment["WorkflowRuntime__Security__AllowInsecure"]);
        Assert.Equal("false", environment["WorkflowRuntime__Persistence__MigrateOnStartup"]);
        Assert.Contains("50051", Environment(Service("engine-simulator"))["EngineSimulator__Port"], StringComparison.Ordinal);
    }

    [Fact]
    public void Migrations_run_once_from_the_same_image_before_the_service_starts()
    {
        var migrate = Service("migrate");

        Assert.Equal([WorkflowRuntimeApp.MigrateCommand], Sequence(migrate, "command"));
        Assert.Equal(Scalar(Service("runtime"), "image"), Scalar(migrate, "image"));
        Assert.Equal("service_completed_successfully", Scalar(Mapping(Mapping(Service("runtime"), "depends_on"), "migrate"), "condition"));
    }

    [Theory]
    [InlineData("runtime")]
    [InlineData("migrate")]
    [InlineData("engine-simulator")]
    public void Each_program_runs_on_a_read_only_root_with_only_tmp_writable_and_no_capabilities(string service)
    {
        var node = Service(service);

        Assert.Equal("true", Scalar(node, "read_only"));
        Assert.Equal(["/tmp"], Sequence(node, "tmpfs"));
        Assert.Equal(["ALL"], Sequence(node, "cap_drop"));
    }

    [Theory]
    [InlineData("runtime")]
    [InlineData("migrate")]
    public void Every_setting_passed_to_the_service_is_one_it_reads(string service)
    {
        var known = ServiceConfigurationKeys();
        foreach (var key in Environment(Service(service)).Keys)
        {
            var path = key.Replace("__", ":", StringComparison.Ordinal);
            Assert.True(known.Contains(path) || SecurityKeys.Contains(path), $"compose.yaml passes {key} to {service}, a key the service does not read");
        }
    }

    [Fact]
    public void Every_setting_passed_to_the_engine_simulator_is_one_it_reads()
    {
        foreach (var key in Environment(Service("engine-simulator")).Keys)
        {
            Assert.Matches(SimulatorKey(), key);
        }
    }

    [Fact]
    public void The_check_of_service_settings_rejects_a_misspelt_key()
    {
        Assert.DoesNotContain("WorkflowRuntime:Engine:Adress", ServiceConfigurationKeys());
        Assert.Contains("WorkflowRuntime:Engine:Address", ServiceConfigurationKeys());
    }

    /// <summary>
    /// <c>Section:Property</c> of every options class (a public <c>SectionName</c> constant) in the service's
    /// assemblies, plus the connection strings.
    /// </summary>
    private static HashSet<string> ServiceConfigurationKeys()
    {
        var assemblies = new[] { typeof(WorkflowRuntimeApp).Assembly, typeof(PersistenceOptions).Assembly, typeof(WorkflowRuntime.Application.Executions.ExecutionOptions).Assembly };
        var keys = new HashSet<string>(StringComparer.Ordinal) { "ConnectionStrings:Postgres", "ConnectionStrings:Redis" };
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() is not string section)
            {
                continue;
            }

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                keys.Add($"{section}:{property.Name}");
            }
        }

        return keys;
    }

    [GeneratedRegex(@"^EngineSimulator__(BindAddress|Port|Default__(Outcome|LatencyMs|ResultData|ErrorMessage)|Workflows__[^_]+__(Outcome|LatencyMs|ResultData|ErrorMessage))$")]
    private static partial Regex SimulatorKey();

    private static YamlMappingNode LoadServices()
    {
        var stream = new YamlStream();
        using var reader = new StringReader(RepositoryFiles.ReadAllText("compose.yaml"));
        stream.Load(reader);
        return Mapping((YamlMappingNode)stream.Documents.Single().RootNode, "services");
    }

    private static YamlMappingNode Service(string name) => Mapping(Services, name);

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Children[new YamlScalarNode(key)]);

    private static string? Scalar(YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value;

    private static List<string?> Sequence(YamlMappingNode node, string key) =>
        [.. Assert.IsType<YamlSequenceNode>(node.Children[new YamlScalarNode(key)]).Children.Select(c => ((YamlScalarNode)c).Value)];

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        Mapping(service, "environment").Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value ?? string.Empty);
}
