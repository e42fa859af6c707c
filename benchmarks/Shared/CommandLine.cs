using System.Globalization;

namespace WorkflowRuntime.Benchmarks.Shared;

/// <summary>The benchmarks' command lines: <c>--name value</c> pairs, and the number checks their options share.</summary>
internal static class CommandLine
{
    /// <summary>Each option with its value; <c>-h</c>/<c>--help</c> or a name without a value throws with the usage.</summary>
    public static IEnumerable<(string Name, string Value)> Pairs(IReadOnlyList<string> args, string usage)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new ArgumentException(usage);
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value.\n{usage}");
            }

            yield return (name, args[++i]);
        }
    }

    public static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} must be a positive integer, not '{value}'.");
}
