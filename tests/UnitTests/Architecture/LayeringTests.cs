using System.Reflection;
using WorkflowRuntime.Application.Deployments;
using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Infrastructure.Persistence;
using WorkflowRuntime.Presentation.Grpc.Mapping;

namespace WorkflowRuntime.UnitTests.Architecture;

/// <summary>Dependencies point inwards only: Presentation → Application → Domain, and the Domain uses no framework.</summary>
public sealed class LayeringTests
{
    private static readonly Assembly Domain = typeof(Deployment).Assembly;
    private static readonly Assembly Application = typeof(DeploymentService).Assembly;
    private static readonly Assembly Infrastructure = typeof(WorkflowRuntimeDbContext).Assembly;
    private static readonly Assembly Presentation = typeof(ContractMapping).Assembly;

    private static readonly string[] FrameworkPrefixes =
    [
        "Microsoft.EntityFrameworkCore",
        "Microsoft.AspNetCore",
        "StackExchange.Redis",
        "Quartz",
        "Grpc",
        "Google.Protobuf",
        "Npgsql",
    ];

    private static readonly string[] DomainForbidden =
    [
        "WorkflowRuntime.Application",
        "WorkflowRuntime.Infrastructure",
        "WorkflowRuntime", // the Presentation.Grpc host's assembly name
        .. FrameworkPrefixes,
        "Microsoft.Extensions",
    ];

    private static readonly string[] ApplicationForbidden =
    [
        "WorkflowRuntime.Infrastructure",
        "WorkflowRuntime", // the Presentation.Grpc host's assembly name
        "Microsoft.EntityFrameworkCore",
        "Npgsql",
        "StackExchange.Redis",
        "Quartz",
        "Grpc",
        "Google.Protobuf",
        "Microsoft.AspNetCore",
    ];

    [Fact]
    public void The_assemblies_under_test_are_the_ones_the_rules_name()
    {
        Assert.Equal("WorkflowRuntime.Domain", Domain.GetName().Name);
        Assert.Equal("WorkflowRuntime.Application", Application.GetName().Name);
        Assert.Equal("WorkflowRuntime.Infrastructure", Infrastructure.GetName().Name);
        Assert.Equal("WorkflowRuntime", Presentation.GetName().Name);
    }

    [Fact]
    public void Domain_references_no_other_layer_and_no_framework() =>
        Assert.Empty(ForbiddenReferences(Domain, DomainForbidden));

    [Fact]
    public void Application_references_neither_infrastructure_nor_presentation_nor_adapters() =>
        Assert.Empty(ForbiddenReferences(Application, ApplicationForbidden));

    [Fact]
    public void Application_depends_on_the_domain() =>
        Assert.Contains(Application.GetReferencedAssemblies(), a => a.Name == "WorkflowRuntime.Domain");

    [Fact]
    public void No_domain_member_signature_uses_a_forbidden_type() =>
        Assert.Empty(ForbiddenMemberTypes(Domain, DomainForbidden));

    [Fact]
    public void No_application_member_signature_uses_a_forbidden_type() =>
        Assert.Empty(ForbiddenMemberTypes(Application, ApplicationForbidden));

    [Fact]
    public void The_checks_do_catch_a_violation()
    {
        // Infrastructure legitimately uses EF Core and the application; both checks must see that.
        Assert.Contains(ForbiddenReferences(Infrastructure, ["Microsoft.EntityFrameworkCore"]), r => r.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
        Assert.NotEmpty(ForbiddenMemberTypes(Infrastructure, ["Microsoft.EntityFrameworkCore"]));
        Assert.Contains(ForbiddenReferences(Presentation, ["WorkflowRuntime.Application"]), r => r == "WorkflowRuntime.Application");
        // "WorkflowRuntime" matches only that exact assembly, never its WorkflowRuntime.* siblings.
        Assert.False(Matches("WorkflowRuntime.Domain", "WorkflowRuntime"));
        Assert.True(Matches("WorkflowRuntime", "WorkflowRuntime"));
        Assert.True(Matches("Grpc.Core.Api", "Grpc"));
        Assert.False(Matches("GrpcLike", "Grpc"));
    }

    private static List<string> ForbiddenReferences(Assembly assembly, IEnumerable<string> forbidden) =>
        [.. assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => forbidden.Any(f => Matches(name, f)))];

    private static List<string> ForbiddenMemberTypes(Assembly assembly, IReadOnlyCollection<string> forbidden)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var violations = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            void Check(string member, Type used)
            {
                foreach (var part in Expand(used))
                {
                    var owner = part.Assembly.GetName().Name!;
                    if (forbidden.Any(f => Matches(owner, f)))
                    {
                        violations.Add($"{type.FullName}.{member} uses {part.FullName} from {owner}");
                    }
                }
            }

            if (type.BaseType is { } baseType)
            {
                Check("(base type)", baseType);
            }

            foreach (var implemented in type.GetInterfaces())
            {
                Check("(interface)", implemented);
            }

            foreach (var field in type.GetFields(all))
            {
                Check(field.Name, field.FieldType);
            }

            foreach (var property in type.GetProperties(all))
            {
                Check(property.Name, property.PropertyType);
            }

            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method is MethodInfo info)
                {
                    Check(method.Name, info.ReturnType);
                }

                foreach (var parameter in method.GetParameters())
                {
                    Check($"{method.Name}({parameter.Name})", parameter.ParameterType);
                }
            }
        }

        return violations;
    }

    // A type together with its element type and generic arguments (List<Foo> uses Foo too).
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var inner in Expand(type.GetElementType()!))
            {
                yield return inner;
            }

            yield break;
        }

        yield return type;
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return argument;
            }
        }
    }

    private static bool Matches(string assemblyName, string rule) =>
        rule == "WorkflowRuntime"
            ? assemblyName == rule
            : assemblyName == rule || assemblyName.StartsWith(rule + ".", StringComparison.Ordinal);
}
