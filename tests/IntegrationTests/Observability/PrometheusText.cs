using System.Globalization;
using System.Text.RegularExpressions;

namespace WorkflowRuntime.IntegrationTests.Observability;

/// <summary>One scrape of <c>/metrics</c> in the Prometheus text format, parsed into series.</summary>
internal sealed partial class PrometheusText
{
    private PrometheusText(IReadOnlyList<Series> series) => All = series;

    public IReadOnlyList<Series> All { get; }

    /// <summary>Every metric name in the scrape (histograms as their _bucket, _sum and _count series).</summary>
    public IReadOnlySet<string> Names => All.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    public static PrometheusText Parse(string text)
    {
        var series = new List<Series>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SeriesLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus series line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            series.Add(new Series(match.Groups["name"].Value, labels,
                double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return new PrometheusText(series);
    }

    /// <summary>The sum over every series of <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when none).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        All.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?$""")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    internal sealed record Series(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
