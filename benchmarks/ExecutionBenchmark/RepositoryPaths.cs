namespace WorkflowRuntime.Benchmarks.Executions;

/// <summary>The repository (found above this program's build output) and the processes' build outputs inside it.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Where --keep-as puts a run's JSON and report, beside the other benchmarks' kept results.</summary>
    public static string KeptResults => Path.Combine(Root, "docs", "benchmarks", "execution-results");

    /// <summary>The service's build in this program's own configuration (the project reference builds it alongside).</summary>
    public static string ServiceDll(BenchmarkOptions options) =>
        Existing(options.ServiceDll ?? SiblingBuild(Path.Combine("src", "Presentation.Grpc"), "WorkflowRuntime.dll"), "--service-dll");

    public static string SimulatorDll(BenchmarkOptions options) =>
        Existing(options.SimulatorDll ?? SiblingBuild(Path.Combine("tools", "EngineSimulator"), "EngineSimulator.dll"), "--simulator-dll");

    /// <summary><c>&lt;project&gt;/bin/&lt;configuration&gt;/&lt;framework&gt;/&lt;file&gt;</c>, the configuration and framework being this program's.</summary>
    private static string SiblingBuild(string project, string file)
    {
        var own = new DirectoryInfo(AppContext.BaseDirectory);
        return Path.Combine(Root, project, "bin", own.Parent!.Name, own.Name, file);
    }

    private static string Existing(string path, string option) =>
        File.Exists(path) ? Path.GetFullPath(path) : throw new FileNotFoundException($"{path} is missing: build the benchmark (it builds the service and the simulator) or pass {option}", path);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WorkflowRuntime.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("the repository root (WorkflowRuntime.sln) is not above the benchmark's build output");
    }
}
