using System.Data.Common;
using System.Net.Sockets;

namespace WorkflowRuntime.Application.Common;

/// <summary>
/// What a caller may be told about a dependency's failure: the kind of failure and, for a database, its SQLSTATE —
/// never the driver's or the server's message, which can quote row values (a PostgreSQL error can carry the very
/// trigger data that failed to insert). The full exception goes to the log, where the redactor masks secrets.
/// </summary>
public static class SafeErrorText
{
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SocketException or IOException:
                    return "the connection failed";
                case TimeoutException or OperationCanceledException:
                    return "no answer in time";
                case DbException { SqlState.Length: > 0 } database:
                    return $"the database refused the operation (SQLSTATE {database.SqlState})";
            }
        }

        return $"the operation failed ({exception.GetType().Name})";
    }
}
