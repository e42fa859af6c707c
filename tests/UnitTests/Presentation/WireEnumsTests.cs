using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Executions;
using WorkflowRuntime.Presentation.Grpc.Mapping;
using Wire = WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.UnitTests.Presentation;

/// <summary>Reordering a domain enum must never change the wire: every member maps by name and back.</summary>
public sealed class WireEnumsTests
{
    [Fact]
    public void Every_deployment_status_maps_to_its_same_named_wire_value_and_back() =>
        AssertRoundTrip<DeploymentStatus, Wire.DeploymentStatus>("DEPLOYMENT_STATUS_", WireEnums.ToWire, WireEnums.ToDomain);

    [Fact]
    public void Every_execution_status_maps_to_its_same_named_wire_value_and_back() =>
        AssertRoundTrip<ExecutionStatus, Wire.ExecutionStatus>("EXECUTION_STATUS_", WireEnums.ToWire, WireEnums.ToDomain);

    [Fact]
    public void Every_execution_mode_maps_to_its_same_named_wire_value_and_back() =>
        AssertRoundTrip<ExecutionMode, Wire.ExecutionMode>("EXECUTION_MODE_", WireEnums.ToWire, WireEnums.ToDomain);

    [Fact]
    public void Every_overlap_policy_maps_to_its_same_named_wire_value_and_back() =>
        AssertRoundTrip<OverlapPolicy, Wire.OverlapPolicy>("OVERLAP_POLICY_", WireEnums.ToWire, WireEnums.ToDomain);

    [Fact]
    public void Unspecified_and_unknown_wire_numbers_have_no_domain_value()
    {
        Assert.Null(WireEnums.ToDomain(Wire.ExecutionStatus.Unspecified));
        Assert.Null(WireEnums.ToDomain(Wire.ExecutionMode.Unspecified));
        Assert.Null(WireEnums.ToDomain(Wire.DeploymentStatus.Unspecified));
        Assert.Null(WireEnums.ToDomain(Wire.OverlapPolicy.Unspecified));
        Assert.Null(WireEnums.ToDomain((Wire.ExecutionStatus)99));
    }

    [Fact]
    public void The_tables_hold_every_member_of_every_domain_enum_once() =>
        Assert.Equal(
            Enum.GetValues<DeploymentStatus>().Length + Enum.GetValues<ExecutionStatus>().Length
            + Enum.GetValues<ExecutionMode>().Length + Enum.GetValues<OverlapPolicy>().Length,
            WireEnums.AllPairs().Distinct().Count());

    [Fact]
    public void The_wire_numbers_are_the_contracts()
    {
        // Pinned: these numbers are what clients in other languages compiled against.
        Assert.Equal(3, (int)WireEnums.ToWire(ExecutionStatus.Success));
        Assert.Equal(7, (int)WireEnums.ToWire(ExecutionStatus.Skipped));
        Assert.Equal(3, (int)WireEnums.ToWire(ExecutionMode.Scheduled));
        Assert.Equal(2, (int)WireEnums.ToWire(DeploymentStatus.Deployed));
        Assert.Equal(2, (int)WireEnums.ToWire(OverlapPolicy.AllowAll));
    }

    private static void AssertRoundTrip<TDomain, TWire>(string wirePrefix, Func<TDomain, TWire> toWire, Func<TWire, TDomain?> toDomain)
        where TDomain : struct, Enum
        where TWire : struct, Enum
    {
        foreach (var value in Enum.GetValues<TDomain>())
        {
            var wire = toWire(value);
            var wireName = typeof(TWire).GetField(wire.ToString())!
                .GetCustomAttributes(typeof(Google.Protobuf.Reflection.OriginalNameAttribute), false)
                .Cast<Google.Protobuf.Reflection.OriginalNameAttribute>().Single().Name;
            Assert.Equal(wirePrefix + ToUpperSnake(value.ToString()), wireName);
            Assert.Equal(value, toDomain(wire));
        }
    }

    private static string ToUpperSnake(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
}
