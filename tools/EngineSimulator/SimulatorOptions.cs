using System.Globalization;
using System.Net;
using WorkflowRuntime.Infrastructure.Engine.Simulation;

namespace EngineSimulator;

/// <summary>
/// Bound from <c>EngineSimulator</c> (environment: <c>EngineSimulator__Port</c>, <c>EngineSimulator__Outcome</c>, …).
/// Every value is checked before the port opens, and a bad one names its key.
/// </summary>
public sealed class SimulatorOptions
{
    public const string SectionName = "EngineSimulator";

    /// <summary>Address to bind: loopback on a laptop, <c>0.0.0.0</c> in a container.</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Cleartext HTTP/2 port of the engine's gRPC <c>WorkflowService</c> (and <c>grpc.health.v1</c>).</summary>
    public int Port { get; set; } = 50051;

    /// <summary>The behaviour of every workflow without an override.</summary>
    public BehaviourOptions Default { get; set; } = new();

    /// <summary>Per-workflow overrides, keyed by workflow id: <c>EngineSimulator__Workflows__&lt;id&gt;__Outcome=Error</c>.</summary>
    public Dictionary<string, BehaviourOptions> Workflows { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The problems with these options, each naming its key; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            errors.Add($"{SectionName}:BindAddress '{BindAddress}' is not an IP address.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add($"{SectionName}:Port must be between 1 and 65535, not {Port.ToString(CultureInfo.InvariantCulture)}.");
        }

        errors.AddRange(Default.Validate($"{SectionName}:Default"));
        foreach (var (workflowId, behaviour) in Workflows)
        {
            errors.AddRange(behaviour.Validate($"{SectionName}:Workflows:{workflowId}"));
        }

        return errors;
    }
}

/// <summary>What the simulated engine does with a run: how long it stays RUNNING and how it ends.</summary>
public sealed class BehaviourOptions
{
    /// <summary><c>Success</c>, <c>Error</c>, <c>Hang</c> (RUNNING until canceled) or <c>Unavailable</c> (ExecuteWorkflow answers UNAVAILABLE).</summary>
    public string Outcome { get; set; } = nameof(SimulatedOutcome.Success);

    /// <summary>How long a run stays RUNNING before it ends.</summary>
    public int LatencyMs { get; set; } = 200;

    /// <summary>The result of a successful run (JSON); empty means <c>{"ok":true}</c>.</summary>
    public string? ResultData { get; set; }

    /// <summary>The error message of a failed run; empty means <c>simulated failure</c>.</summary>
    public string? ErrorMessage { get; set; }

    internal IEnumerable<string> Validate(string section)
    {
        if (!Enum.TryParse<SimulatedOutcome>(Outcome, ignoreCase: true, out var outcome) || !Enum.IsDefined(outcome)
            || int.TryParse(Outcome, out _))
        {
            yield return $"{section}:Outcome '{Outcome}' is not one of {string.Join(", ", Enum.GetNames<SimulatedOutcome>())}.";
        }

        if (LatencyMs < 0)
        {
            yield return $"{section}:LatencyMs cannot be negative.";
        }
    }

    /// <summary>The simulation's behaviour; call only on options that passed <see cref="SimulatorOptions.Validate"/>.</summary>
    public SimulatedBehaviour ToBehaviour() => new(
        TimeSpan.FromMilliseconds(LatencyMs),
        Enum.Parse<SimulatedOutcome>(Outcome, ignoreCase: true),
        string.IsNullOrEmpty(ResultData) ? null : ResultData,
        string.IsNullOrEmpty(ErrorMessage) ? null : ErrorMessage);
}
