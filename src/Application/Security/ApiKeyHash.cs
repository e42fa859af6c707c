using System.Security.Cryptography;
using System.Text;

namespace WorkflowRuntime.Application.Security;

/// <summary>
/// Keys are stored as the SHA-256 of their UTF-8 bytes, in hex: a leaked key file does not leak the keys, and keys are
/// long random strings, so a fast unsalted hash is enough (no dictionary to attack).
/// </summary>
public static class ApiKeyHash
{
    public const int Length = 32;

    public static byte[] Compute(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>Lower-case hex, as <c>sha256sum</c> prints it.</summary>
    public static string ToHex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    /// <summary>Parses 64 hex digits (either case); null otherwise.</summary>
    public static byte[]? FromHex(string? hex)
    {
        if (hex is null || hex.Length != Length * 2 || !hex.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return Convert.FromHexString(hex);
    }

    /// <summary>Compares in time that does not depend on where the hashes differ.</summary>
    public static bool FixedTimeEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        CryptographicOperations.FixedTimeEquals(left, right);
}
