using Microsoft.EntityFrameworkCore;
using Npgsql;
using WorkflowRuntime.Application.Abstractions;
using WorkflowRuntime.Infrastructure.Persistence;

namespace WorkflowRuntime.UnitTests.Infrastructure.Persistence;

/// <summary>What PostgreSQL restarting looks like to a save, and what the port makes of it.</summary>
public sealed class PersistenceErrorsTests
{
    [Fact]
    public void A_dropped_connection_under_the_execution_strategys_wrapper_is_unavailable_not_a_bug()
    {
        // Seen in the PostgreSQL-restart fault test: it used to escape as INTERNAL.
        var dropped = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.",
            new DbUpdateException("An error occurred while saving the entity changes.",
                new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));

        var translated = PersistenceErrors.Translate(dropped);

        var unavailable = Assert.IsType<PersistenceUnavailableException>(translated);
        Assert.Equal("the connection failed", unavailable.Message);
    }

    [Fact]
    public void A_refused_connection_says_so_without_the_drivers_text()
    {
        var refused = new NpgsqlException("Failed to connect to 10.1.2.3:5432", new System.Net.Sockets.SocketException(111));

        var translated = Assert.IsType<PersistenceUnavailableException>(PersistenceErrors.Translate(refused));

        Assert.DoesNotContain("10.1.2.3", translated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_invalid_operations_are_not_translated()
    {
        Assert.Null(PersistenceErrors.Translate(new InvalidOperationException("a bug", new ArgumentException("x"))));
    }

    [Fact]
    public void The_connection_string_never_asks_for_error_details()
    {
        var connection = PersistenceServiceCollectionExtensions.WithoutErrorDetail("Host=db;Username=u;Password=p;Include Error Detail=true");

        Assert.False(new NpgsqlConnectionStringBuilder(connection).IncludeErrorDetail);
    }
}
