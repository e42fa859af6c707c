using System.Collections.Frozen;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using Wire = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.Presentation.Grpc.Mapping;

/// <summary>
/// The wire value of every domain enum member, written out. Reordering or inserting a domain member cannot change what
/// clients see: each pair is stated here once and read both ways (a unit test checks every member maps and round-trips).
/// <c>*_UNSPECIFIED</c> has no domain value; callers decide what it means (OverlapPolicy: SKIP; filters: ignored).
/// </summary>
internal static class WireEnums
{
    private static readonly WireTable<DeploymentStatus, Wire.DeploymentStatus> DeploymentStatuses = new(
        (DeploymentStatus.Draft, Wire.DeploymentStatus.Draft),
        (DeploymentStatus.Deployed, Wire.DeploymentStatus.Deployed),
        (DeploymentStatus.Paused, Wire.DeploymentStatus.Paused),
        (DeploymentStatus.Archived, Wire.DeploymentStatus.Archived));

    private static readonly WireTable<ExecutionStatus, Wire.ExecutionStatus> ExecutionStatuses = new(
        (ExecutionStatus.New, Wire.ExecutionStatus.New),
        (ExecutionStatus.Running, Wire.ExecutionStatus.Running),
        (ExecutionStatus.Success, Wire.ExecutionStatus.Success),
        (ExecutionStatus.Error, Wire.ExecutionStatus.Error),
        (ExecutionStatus.Canceled, Wire.ExecutionStatus.Canceled),
        (ExecutionStatus.Timeout, Wire.ExecutionStatus.Timeout),
        (ExecutionStatus.Skipped, Wire.ExecutionStatus.Skipped),
        (ExecutionStatus.Pending, Wire.ExecutionStatus.Pending));

    private static readonly WireTable<ExecutionMode, Wire.ExecutionMode> ExecutionModes = new(
        (ExecutionMode.Manual, Wire.ExecutionMode.Manual),
        (ExecutionMode.Webhook, Wire.ExecutionMode.Webhook),
        (ExecutionMode.Scheduled, Wire.ExecutionMode.Scheduled),
        (ExecutionMode.Retry, Wire.ExecutionMode.Retry));

    private static readonly WireTable<OverlapPolicy, Wire.OverlapPolicy> OverlapPolicies = new(
        (OverlapPolicy.Skip, Wire.OverlapPolicy.Skip),
        (OverlapPolicy.AllowAll, Wire.OverlapPolicy.AllowAll),
        (OverlapPolicy.BufferOne, Wire.OverlapPolicy.BufferOne),
        (OverlapPolicy.BufferAll, Wire.OverlapPolicy.BufferAll),
        (OverlapPolicy.CancelOther, Wire.OverlapPolicy.CancelOther));

    public static Wire.DeploymentStatus ToWire(DeploymentStatus value) => DeploymentStatuses.ToWire(value);

    public static Wire.ExecutionStatus ToWire(ExecutionStatus value) => ExecutionStatuses.ToWire(value);

    public static Wire.ExecutionMode ToWire(ExecutionMode value) => ExecutionModes.ToWire(value);

    public static Wire.OverlapPolicy ToWire(OverlapPolicy value) => OverlapPolicies.ToWire(value);

    /// <summary>Null for UNSPECIFIED and for numbers the contract does not define (the request validator refuses those first).</summary>
    public static DeploymentStatus? ToDomain(Wire.DeploymentStatus value) => DeploymentStatuses.ToDomain(value);

    public static ExecutionStatus? ToDomain(Wire.ExecutionStatus value) => ExecutionStatuses.ToDomain(value);

    public static ExecutionMode? ToDomain(Wire.ExecutionMode value) => ExecutionModes.ToDomain(value);

    public static OverlapPolicy? ToDomain(Wire.OverlapPolicy value) => OverlapPolicies.ToDomain(value);

    /// <summary>For the round-trip test: every pair of every table.</summary>
    internal static IEnumerable<(Enum Domain, Enum Wire)> AllPairs() =>
        DeploymentStatuses.Pairs.Concat(ExecutionStatuses.Pairs).Concat(ExecutionModes.Pairs).Concat(OverlapPolicies.Pairs);

    private sealed class WireTable<TDomain, TWire>
        where TDomain : struct, Enum
        where TWire : struct, Enum
    {
        private readonly FrozenDictionary<TDomain, TWire> _toWire;
        private readonly FrozenDictionary<TWire, TDomain> _toDomain;

        public WireTable(params (TDomain Domain, TWire Wire)[] pairs)
        {
            // Duplicates on either side throw here, at type initialisation, so a bad table fails the first test.
            _toWire = pairs.ToDictionary(p => p.Domain, p => p.Wire).ToFrozenDictionary();
            _toDomain = pairs.ToDictionary(p => p.Wire, p => p.Domain).ToFrozenDictionary();
        }

        public IEnumerable<(Enum Domain, Enum Wire)> Pairs => _toWire.Select(p => ((Enum)p.Key, (Enum)p.Value));

        public TWire ToWire(TDomain value) => _toWire.TryGetValue(value, out var wire)
            ? wire
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(TDomain).Name}.{value} has no wire value; add it to {nameof(WireEnums)}.");

        public TDomain? ToDomain(TWire value) => _toDomain.TryGetValue(value, out var domain) ? domain : null;
    }
}
