using WorkflowRuntime.Application.Executions;

namespace WorkflowRuntime.UnitTests.Application.Executions;

public sealed class ExecutionOptionsValidatorTests
{
    private readonly ExecutionOptionsValidator _validator = new();

    [Fact]
    public void The_defaults_hold_together()
    {
        Assert.True(_validator.Validate(null, new ExecutionOptions()).Succeeded);
    }

    public static TheoryData<ExecutionOptions, string> Broken => new()
    {
        { new ExecutionOptions { HeartbeatIntervalSeconds = 60, StaleAfterSeconds = 60 }, "HeartbeatIntervalSeconds (60) must be less than WorkflowRuntime:Executions:StaleAfterSeconds (60)" },
        { new ExecutionOptions { StaleAfterSeconds = 300, LockTtlSeconds = 300 }, "StaleAfterSeconds (300) must be less than WorkflowRuntime:Executions:LockTtlSeconds (300)" },
        { new ExecutionOptions { PollInitialMs = 6000, PollMaxMs = 5000 }, "PollInitialMs (6000) must not be more than WorkflowRuntime:Executions:PollMaxMs (5000)" },
        { new ExecutionOptions { DefaultPageSize = 500, MaxPageSize = 200 }, "DefaultPageSize (500) must not be more than WorkflowRuntime:Executions:MaxPageSize (200)" },
        { new ExecutionOptions { DefaultWaitTimeoutSeconds = 400, MaxWaitTimeoutSeconds = 300 }, "DefaultWaitTimeoutSeconds (400) must not be more than WorkflowRuntime:Executions:MaxWaitTimeoutSeconds (300)" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_combination_that_cannot_work_fails_naming_both_keys(ExecutionOptions options, string expected)
    {
        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once()
    {
        var result = _validator.Validate(null, new ExecutionOptions { HeartbeatIntervalSeconds = 100, StaleAfterSeconds = 60, PollInitialMs = 9000, PollMaxMs = 100 });

        Assert.Equal(2, result.Failures!.Count());
    }
}
