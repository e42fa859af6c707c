using WorkflowRuntime.Application.Abstractions;
using Cursor = WorkflowRuntime.Application.Common.KeysetToken;

namespace WorkflowRuntime.Application.Deployments;

/// <summary>
/// The deployment list's cursor. Keyset paging in (creation time, id) order returns each deployment exactly once
/// even while others are being added.
/// </summary>
internal static class PageToken
{
    private const string List = "d1";

    public static string Encode(DeploymentCursor cursor) => Cursor.Encode(List, cursor.CreatedAt, cursor.Id);

    public static bool TryDecode(string token, out DeploymentCursor? cursor)
    {
        cursor = Cursor.TryDecode(List, token, out var createdAt, out var id) ? new DeploymentCursor(createdAt, id) : null;
        return cursor is not null;
    }
}
