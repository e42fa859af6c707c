namespace WorkflowRuntime.IntegrationTests.Support;

/// <summary>
/// Every test that uses the shared PostgreSQL test database runs in this collection, one at a time, because
/// each starts by emptying it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<SharedHostFixture>
{
    public const string Name = "database";
}

/// <summary>One host for the collection: starting it migrates the shared database.</summary>
public sealed class SharedHostFixture : IAsyncLifetime
{
    internal RuntimeHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await RuntimeHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
