using System.Security.Cryptography;

namespace WorkflowRuntime.Infrastructure.Redis;

/// <summary>
/// A fresh, unguessable owner token per acquisition: release and extend compare against it, so a holder whose lease
/// expired cannot free or renew a lock someone else has since taken.
/// </summary>
internal static class LockToken
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
