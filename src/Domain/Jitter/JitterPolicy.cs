using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace WorkflowRuntime.Domain.Jitter;

/// <summary>
/// The deterministic per-workflow start offset that spreads identical cron schedules over a window.
/// Bit-exact with the original Python: <c>int(md5(id.encode()).hexdigest()[:8], 16) % window</c>.
/// </summary>
public static class JitterPolicy
{
    public const int DefaultWindowSeconds = 300;

    /// <summary>The offset in whole seconds, in <c>[0, timeWindowSeconds)</c>.</summary>
    public static int CalculateJitter(string workflowId, int timeWindowSeconds = DefaultWindowSeconds)
    {
        ArgumentNullException.ThrowIfNull(workflowId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeWindowSeconds);

        // MD5 is used as a stable spreading hash, not for security: the Python reference fixes the algorithm.
#pragma warning disable CA5351
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(Encoding.UTF8.GetBytes(workflowId), digest);
#pragma warning restore CA5351

        // The first 8 hex characters are the first 4 bytes read big-endian.
        uint prefix = BinaryPrimitives.ReadUInt32BigEndian(digest);
        return (int)(prefix % (uint)timeWindowSeconds);
    }

    /// <summary>
    /// The window actually used for a schedule: never wider than the shortest gap between two of its fires,
    /// so a jittered run cannot slide past the next occurrence.
    /// </summary>
    public static int EffectiveWindow(int configuredWindowSeconds, TimeSpan? shortestGap)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(configuredWindowSeconds);
        if (shortestGap is null)
        {
            return configuredWindowSeconds;
        }

        var gapSeconds = (int)Math.Min(int.MaxValue, Math.Floor(shortestGap.Value.TotalSeconds));
        return Math.Max(1, Math.Min(configuredWindowSeconds, gapSeconds));
    }
}
