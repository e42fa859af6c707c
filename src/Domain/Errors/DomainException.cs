namespace WorkflowRuntime.Domain.Errors;

/// <summary>Base type of every rule the domain refuses to break.</summary>
public abstract class DomainException : Exception
{
    protected DomainException(string message) : base(message)
    {
    }
}

/// <summary>Input that can never be valid, whatever the state: names the offending field.</summary>
public sealed class DomainValidationException : DomainException
{
    public DomainValidationException(string field, string message) : base(message)
    {
        Field = field;
    }

    /// <summary>The field at fault, in the wire contract's snake_case (e.g. <c>cron_expression</c>).</summary>
    public string Field { get; }

    /// <summary>The same violation reported under a parent path, e.g. <c>triggers[2].cron_expression</c>.</summary>
    public DomainValidationException Under(string parentPath) =>
        new($"{parentPath}.{Field}", Message);
}

/// <summary>An operation the current lifecycle state does not allow; never turned into a silent no-op.</summary>
public sealed class InvalidStateTransitionException : DomainException
{
    public InvalidStateTransitionException(string entity, string from, string to)
        : base($"{entity} cannot go from {from} to {to}.")
    {
        Entity = entity;
        From = from;
        To = to;
    }

    public string Entity { get; }

    public string From { get; }

    public string To { get; }
}
