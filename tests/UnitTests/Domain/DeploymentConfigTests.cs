using WorkflowRuntime.Domain.Deployments;
using WorkflowRuntime.Domain.Errors;

namespace WorkflowRuntime.UnitTests.Domain;

public sealed class DeploymentConfigTests
{
    [Theory]
    [InlineData(OverlapPolicy.Skip, 0, 3600)]
    [InlineData(OverlapPolicy.AllowAll, 0, 3600)]
    [InlineData(OverlapPolicy.Skip, 1, 1)]
    [InlineData(OverlapPolicy.AllowAll, 90, 90)]
    [InlineData(OverlapPolicy.Skip, DeploymentConfig.MaxExecutionTimeoutSeconds, DeploymentConfig.MaxExecutionTimeoutSeconds)]
    public void Create_keeps_the_policy_and_defaults_a_zero_timeout(OverlapPolicy policy, int timeout, int expected)
    {
        var config = DeploymentConfig.Create(policy, timeout);

        Assert.Equal(policy, config.OverlapPolicy);
        Assert.Equal(expected, config.ExecutionTimeoutSeconds);
        Assert.Equal(TimeSpan.FromSeconds(expected), config.ExecutionTimeout);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(DeploymentConfig.MaxExecutionTimeoutSeconds + 1)]
    [InlineData(int.MaxValue)]
    public void Create_refuses_a_timeout_out_of_range(int timeout)
    {
        var ex = Assert.Throws<DomainValidationException>(() => DeploymentConfig.Create(OverlapPolicy.Skip, timeout));

        Assert.Equal("execution_timeout_seconds", ex.Field);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(99)]
    public void Create_refuses_an_undefined_policy(int policy)
    {
        var ex = Assert.Throws<DomainValidationException>(() => DeploymentConfig.Create((OverlapPolicy)policy, 60));

        Assert.Equal("overlap_policy", ex.Field);
    }

    [Fact]
    public void Default_is_skip_with_an_hour()
    {
        Assert.Equal(OverlapPolicy.Skip, DeploymentConfig.Default.OverlapPolicy);
        Assert.Equal(3600, DeploymentConfig.Default.ExecutionTimeoutSeconds);
        Assert.Equal(DeploymentConfig.Default, DeploymentConfig.Create(OverlapPolicy.Skip, 0));
    }
}
