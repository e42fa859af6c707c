using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using WorkflowRuntime.Contracts.V1;
using WorkflowRuntime.IntegrationTests.Support;
using static WorkflowRuntime.IntegrationTests.Support.Requests;

namespace WorkflowRuntime.IntegrationTests.Executions;

/// <summary>GetExecutionHistory: every filter and the paging return exactly the matching executions, newest first.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class ExecutionHistoryTests(SharedHostFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeOffset Origin = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly WorkflowRuntimeService.WorkflowRuntimeServiceClient _client = fixture.Host.Runtime;
    private readonly List<Row> _rows = [];
    private string _alice = string.Empty;
    private string _bob = string.Empty;

    public async Task InitializeAsync()
    {
        await PostgresDatabase.ResetAsync();
        _alice = (await _client.DeployWorkflowAsync(Deploy("alice", Manual()))).Deployment.WorkflowId;
        _bob = (await _client.DeployWorkflowAsync(Deploy("bob", Manual()))).Deployment.WorkflowId;
        string[] statuses = ["SUCCESS", "ERROR", "SKIPPED", "TIMEOUT", "CANCELED"];
        string[] modes = ["MANUAL", "WEBHOOK", "SCHEDULED", "RETRY"];
        for (var i = 0; i < 30; i++)
        {
            // Two rows share each timestamp, so paging must break ties by id.
            var row = new Row(Guid.NewGuid(), i % 3 == 0 ? _bob : _alice, statuses[i % statuses.Length], modes[i % modes.Length], Origin.AddMinutes(i / 2));
            _rows.Add(row);
            await PostgresDatabase.ExecuteAsync($"""
                INSERT INTO workflow_executions (id, workflow_id, status, mode, is_exclusive, trigger_data, created_at, finished_at, revision)
                VALUES ('{row.Id}', '{row.WorkflowId}', '{row.Status}', '{row.Mode}', false, '{"{}"}', '{row.CreatedAt:O}', '{row.CreatedAt:O}', 0)
                """);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Without_filters_every_execution_comes_back_newest_first_across_pages()
    {
        var ids = await AllPagesAsync(new GetExecutionHistoryRequest { PageSize = 7 });

        var expected = _rows.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id.ToString()).Select(r => r.Id.ToString()).ToList();
        Assert.Equal(30, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(expected.ToHashSet(), ids.ToHashSet());
        var created = _rows.ToDictionary(r => r.Id.ToString(), r => r.CreatedAt);
        Assert.True(ids.Select(id => created[id]).Zip(ids.Skip(1).Select(id => created[id])).All(p => p.First >= p.Second));
    }

    [Fact]
    public async Task Each_filter_returns_exactly_the_matching_executions()
    {
        await AssertMatchesAsync(new GetExecutionHistoryRequest { WorkflowId = _bob }, r => r.WorkflowId == _bob);
        await AssertMatchesAsync(new GetExecutionHistoryRequest { UserId = "alice" }, r => r.WorkflowId == _alice);
        await AssertMatchesAsync(new GetExecutionHistoryRequest { Statuses = { ExecutionStatus.Error, ExecutionStatus.Timeout } },
            r => r.Status is "ERROR" or "TIMEOUT");
        await AssertMatchesAsync(new GetExecutionHistoryRequest { Modes = { ExecutionMode.Webhook } }, r => r.Mode == "WEBHOOK");
        await AssertMatchesAsync(new GetExecutionHistoryRequest
        {
            From = Timestamp.FromDateTimeOffset(Origin.AddMinutes(3)),
            To = Timestamp.FromDateTimeOffset(Origin.AddMinutes(9)),
        }, r => r.CreatedAt >= Origin.AddMinutes(3) && r.CreatedAt < Origin.AddMinutes(9));
        await AssertMatchesAsync(new GetExecutionHistoryRequest
        {
            UserId = "alice",
            Statuses = { ExecutionStatus.Success },
            Modes = { ExecutionMode.Manual, ExecutionMode.Scheduled },
            PageSize = 2,
        }, r => r.WorkflowId == _alice && r.Status == "SUCCESS" && r.Mode is "MANUAL" or "SCHEDULED");
    }

    [Fact]
    public async Task Bad_history_requests_are_invalid_and_name_the_field()
    {
        Assert.Contains("page_token", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { PageToken = "junk" }))));
        Assert.Contains("workflow_id", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { WorkflowId = "wf-1" }))));
        Assert.Contains("to", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.GetExecutionHistoryAsync(new GetExecutionHistoryRequest
            {
                From = Timestamp.FromDateTimeOffset(Origin),
                To = Timestamp.FromDateTimeOffset(Origin.AddMinutes(-1)),
            }))));
        Assert.Contains("page_size", ViolatedFields(await FailsWith(StatusCode.InvalidArgument,
            _client.GetExecutionHistoryAsync(new GetExecutionHistoryRequest { PageSize = -5 }))));
    }

    private async Task AssertMatchesAsync(GetExecutionHistoryRequest request, Func<Row, bool> matches)
    {
        var ids = await AllPagesAsync(request);
        var expected = _rows.Where(matches).Select(r => r.Id.ToString()).ToHashSet();
        Assert.NotEmpty(expected);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(expected, ids.ToHashSet());
    }

    private async Task<List<string>> AllPagesAsync(GetExecutionHistoryRequest request)
    {
        var ids = new List<string>();
        do
        {
            var page = await _client.GetExecutionHistoryAsync(request);
            ids.AddRange(page.Executions.Select(e => e.ExecutionId));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return ids;
    }

    private sealed record Row(Guid Id, string WorkflowId, string Status, string Mode, DateTimeOffset CreatedAt);
}
