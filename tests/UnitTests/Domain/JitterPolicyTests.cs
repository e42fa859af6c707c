using WorkflowRuntime.Domain.Jitter;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class JitterPolicyTests
{
    // Reference values from the original Python: int(md5(id.encode()).hexdigest()[:8], 16) % window.
    [Theory]
    [InlineData("wf-001", 300, 157)]
    [InlineData("workflow-42", 300, 45)]
    [InlineData("00000000-0000-0000-0000-000000000000", 300, 150)]
    [InlineData("daily-report", 300, 299)]
    [InlineData("", 300, 193)]
    [InlineData("wf-001", 60, 37)]
    public void CalculateJitter_matches_the_python_reference(string workflowId, int window, int expected) =>
        Assert.Equal(expected, JitterPolicy.CalculateJitter(workflowId, window));

    [Fact]
    public void CalculateJitter_defaults_to_a_300_second_window()
    {
        Assert.Equal(300, JitterPolicy.DefaultWindowSeconds);
        Assert.Equal(157, JitterPolicy.CalculateJitter("wf-001"));
    }

    [Fact]
    public void CalculateJitter_is_the_same_for_the_same_id()
    {
        const string id = "3f2b8c1e-0000-4000-8000-000000000001";
        Assert.Equal(JitterPolicy.CalculateJitter(id), JitterPolicy.CalculateJitter(id));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(60)]
    [InlineData(300)]
    [InlineData(3600)]
    public void CalculateJitter_is_always_inside_the_window(int window)
    {
        foreach (var id in DeterministicIds(2_000, seed: window))
        {
            var jitter = JitterPolicy.CalculateJitter(id, window);
            Assert.InRange(jitter, 0, window - 1);
        }
    }

    [Fact]
    public void CalculateJitter_spreads_ids_evenly_over_the_window()
    {
        const int count = 10_000;
        const int window = 300;
        const int bucketSeconds = 30;
        var buckets = new int[window / bucketSeconds];
        foreach (var id in DeterministicIds(count, seed: 12345))
        {
            buckets[JitterPolicy.CalculateJitter(id, window) / bucketSeconds]++;
        }

        var mean = count / (double)buckets.Length;
        Assert.Equal(count, buckets.Sum());
        for (var i = 0; i < buckets.Length; i++)
        {
            Assert.True(Math.Abs(buckets[i] - mean) <= mean * 0.15,
                $"bucket {i} ({i * bucketSeconds}-{(i + 1) * bucketSeconds} s) holds {buckets[i]}, more than 15 % away from {mean}.");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void CalculateJitter_refuses_a_window_that_is_not_positive(int window) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => JitterPolicy.CalculateJitter("wf-001", window));

    [Fact]
    public void CalculateJitter_refuses_a_null_id() =>
        Assert.Throws<ArgumentNullException>(() => JitterPolicy.CalculateJitter(null!, 300));

    [Fact]
    public void EffectiveWindow_without_a_gap_is_the_configured_window() =>
        Assert.Equal(300, JitterPolicy.EffectiveWindow(300, null));

    [Theory]
    [InlineData(300, 60, 60)]
    [InlineData(300, 10, 10)]
    [InlineData(300, 86_400, 300)]
    [InlineData(300, 300, 300)]
    [InlineData(60, 3_600, 60)]
    public void EffectiveWindow_is_capped_by_the_shortest_gap(int configured, int gapSeconds, int expected) =>
        Assert.Equal(expected, JitterPolicy.EffectiveWindow(configured, TimeSpan.FromSeconds(gapSeconds)));

    [Fact]
    public void EffectiveWindow_rounds_a_fractional_gap_down_and_never_goes_below_one_second()
    {
        Assert.Equal(59, JitterPolicy.EffectiveWindow(300, TimeSpan.FromSeconds(59.9)));
        Assert.Equal(1, JitterPolicy.EffectiveWindow(300, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void EffectiveWindow_handles_a_gap_longer_than_int_seconds() =>
        Assert.Equal(300, JitterPolicy.EffectiveWindow(300, TimeSpan.MaxValue));

    [Theory]
    [InlineData(0)]
    [InlineData(-300)]
    public void EffectiveWindow_refuses_a_configured_window_that_is_not_positive(int configured) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => JitterPolicy.EffectiveWindow(configured, TimeSpan.FromMinutes(1)));

    private static IEnumerable<string> DeterministicIds(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[16];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            yield return new Guid(bytes).ToString();
        }
    }
}
