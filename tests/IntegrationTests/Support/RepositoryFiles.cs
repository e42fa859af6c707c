namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>Paths in the repository (found from the test's output directory) and of the tools' build output.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string ReadAllText(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>
    /// <c>tools/&lt;name&gt;/bin/&lt;configuration&gt;/&lt;framework&gt;/&lt;name&gt;.dll</c>, built with the solution in the
    /// test's own configuration.
    /// </summary>
    public static string ToolAssembly(string name)
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        var path = Path.Combine(Root, "tools", name, "bin", testDirectory.Parent!.Name, testDirectory.Name, name + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build the solution first: {name} is missing", path);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WorkflowRuntime.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("the repository root (WorkflowRuntime.sln) is not above the test output");
    }
}
