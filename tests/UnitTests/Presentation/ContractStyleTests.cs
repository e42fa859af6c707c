using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;
using WorkflowRuntime.Contracts.V1;

namespace WorkflowRuntime.UnitTests.Presentation;

/// <summary>
/// The public contract read as a client reads it, from the compiled descriptors of <c>protos/workflow_runtime/v1</c>:
/// one naming style everywhere (the protobuf style guide's, which the first RPCs set), so a new RPC, field or enum value
/// cannot slip in spelled another way, and the schedule controls are where clients look for them.
/// </summary>
public sealed partial class ContractStyleTests
{
    private static readonly FileDescriptor[] ContractFiles =
    [
        TypesReflection.Descriptor,
        WorkflowRuntimeServiceReflection.Descriptor,
        MonitoringServiceReflection.Descriptor,
    ];

    public static TheoryData<string> Files() => [.. ContractFiles.Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_rpc_is_pascal_case_and_takes_and_returns_its_own_request_and_response(string file)
    {
        var methods = Descriptor(file).Services.SelectMany(s => s.Methods).ToList();

        Assert.All(methods, m =>
        {
            Assert.Matches(PascalCase(), m.Name);
            Assert.Equal(m.Name + "Request", m.InputType.Name);
            Assert.Equal(m.Name + "Response", m.OutputType.Name);
        });
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_message_is_pascal_case_and_every_field_lower_snake_case(string file)
    {
        var messages = AllMessages(Descriptor(file).MessageTypes).ToList();

        Assert.NotEmpty(messages);
        Assert.All(messages, m =>
        {
            Assert.Matches(PascalCase(), m.Name);
            Assert.All(m.Fields.InDeclarationOrder(), f => Assert.Matches(LowerSnakeCase(), f.Name));
        });
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_enum_value_carries_its_enum_name_as_prefix_and_zero_is_unspecified(string file)
    {
        var descriptor = Descriptor(file);
        var enums = descriptor.EnumTypes.Concat(AllMessages(descriptor.MessageTypes).SelectMany(m => m.EnumTypes)).ToList();

        Assert.All(enums, e =>
        {
            var prefix = UpperSnake(e.Name) + "_";
            Assert.Equal(prefix + "UNSPECIFIED", e.FindValueByNumber(0)?.Name);
            Assert.All(e.Values, v =>
            {
                Assert.StartsWith(prefix, v.Name, StringComparison.Ordinal);
                Assert.Matches(UpperSnakeCase(), v.Name);
            });
        });
    }

    [Fact]
    public void The_schedule_controls_are_in_the_contract()
    {
        var policy = TypesReflection.Descriptor.FindTypeByName<EnumDescriptor>("OverlapPolicy");
        Assert.Equal(
            ["OVERLAP_POLICY_UNSPECIFIED", "OVERLAP_POLICY_SKIP", "OVERLAP_POLICY_ALLOW_ALL", "OVERLAP_POLICY_BUFFER_ONE",
                "OVERLAP_POLICY_BUFFER_ALL", "OVERLAP_POLICY_CANCEL_OTHER"],
            policy.Values.Select(v => v.Name));

        var service = WorkflowRuntimeServiceReflection.Descriptor.Services.Single(s => s.Name == "WorkflowRuntimeService");
        Assert.NotNull(service.FindMethodByName("BackfillSchedule"));
        Assert.NotNull(service.FindMethodByName("ListUpcomingFires"));
    }

    private static FileDescriptor Descriptor(string file) => ContractFiles.Single(f => f.Name == file);

    private static IEnumerable<MessageDescriptor> AllMessages(IEnumerable<MessageDescriptor> messages) =>
        messages.SelectMany(m => AllMessages(m.NestedTypes).Prepend(m)).Where(m => !m.GetOptions()?.MapEntry ?? true);

    private static string UpperSnake(string pascal) => PascalBoundary().Replace(pascal, "_$1").ToUpperInvariant();

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex PascalCase();

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex LowerSnakeCase();

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnakeCase();

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex PascalBoundary();
}
