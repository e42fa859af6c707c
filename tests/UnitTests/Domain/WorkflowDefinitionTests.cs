using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Errors;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class WorkflowDefinitionTests
{
    [Theory]
    [InlineData("""{"nodes":[{"id":"a","type":"trigger"}]}""")]
    [InlineData("""{"nodes":[{"id":"a","type":"trigger"},{"id":"b","type":"http"}],"connections":[{"source":"a","target":"b"}]}""")]
    [InlineData("""{"nodes":[{"id":"a","type":"t","extra":{"x":1}}],"connections":null,"settings":{}}""")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":[]}""")]
    public void Parse_accepts_a_valid_definition_and_keeps_the_json(string json) =>
        Assert.Equal(json, WorkflowDefinition.Parse(json).Json);

    [Theory]
    [InlineData(null, "workflow_definition")]
    [InlineData("", "workflow_definition")]
    [InlineData("   ", "workflow_definition")]
    [InlineData("{not json", "workflow_definition")]
    [InlineData("""{"nodes":[}""", "workflow_definition")]
    [InlineData("[]", "workflow_definition")]
    [InlineData("""[{"nodes":[]}]""", "workflow_definition")]
    [InlineData("42", "workflow_definition")]
    [InlineData("""{}""", "workflow_definition.nodes")]
    [InlineData("""{"nodes":[]}""", "workflow_definition.nodes")]
    [InlineData("""{"nodes":{}}""", "workflow_definition.nodes")]
    [InlineData("""{"nodes":"a"}""", "workflow_definition.nodes")]
    [InlineData("""{"nodes":["a"]}""", "workflow_definition.nodes[0]")]
    [InlineData("""{"nodes":[{"type":"t"}]}""", "workflow_definition.nodes[0].id")]
    [InlineData("""{"nodes":[{"id":"","type":"t"}]}""", "workflow_definition.nodes[0].id")]
    [InlineData("""{"nodes":[{"id":7,"type":"t"}]}""", "workflow_definition.nodes[0].id")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"},{"id":"a","type":"t"}]}""", "workflow_definition.nodes[1].id")]
    [InlineData("""{"nodes":[{"id":"a"}]}""", "workflow_definition.nodes[0].type")]
    [InlineData("""{"nodes":[{"id":"a","type":""}]}""", "workflow_definition.nodes[0].type")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"},{"id":"b","type":1}]}""", "workflow_definition.nodes[1].type")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":[{"source":"a","target":"ghost"}]}""", "workflow_definition.connections[0].target")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":[{"source":"ghost","target":"a"}]}""", "workflow_definition.connections[0].source")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":[{"source":"a","target":"a"},{"source":"a"}]}""", "workflow_definition.connections[1].target")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":["a"]}""", "workflow_definition.connections[0]")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":{"source":"a","target":"a"}}""", "workflow_definition.connections")]
    [InlineData("""{"nodes":[{"id":"a","type":"t"}],"connections":"a->a"}""", "workflow_definition.connections")]
    public void Parse_refuses_an_invalid_definition_naming_the_field(string? json, string field)
    {
        var ex = Assert.Throws<DomainValidationException>(() => WorkflowDefinition.Parse(json));

        Assert.Equal(field, ex.Field);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void Duplicate_id_message_names_the_id()
    {
        var ex = Assert.Throws<DomainValidationException>(() =>
            WorkflowDefinition.Parse("""{"nodes":[{"id":"send","type":"t"},{"id":"send","type":"t"}]}"""));

        Assert.Contains("'send'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_connection_target_message_names_the_node()
    {
        var ex = Assert.Throws<DomainValidationException>(() =>
            WorkflowDefinition.Parse("""{"nodes":[{"id":"a","type":"t"}],"connections":[{"source":"a","target":"ghost"}]}"""));

        Assert.Contains("'ghost'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Definitions_with_the_same_json_are_equal()
    {
        const string json = """{"nodes":[{"id":"a","type":"t"}]}""";

        Assert.Equal(WorkflowDefinition.Parse(json), WorkflowDefinition.FromStorage(json));
    }
}
