namespace WorkflowRuntime.Application.Scheduling;

/// <summary>
/// The workflows the last reconcile pass found scheduled but not deployed, kept between passes (the reconciler
/// itself lives per pass). A deploy schedules its triggers inside its transaction and commits after: for that
/// moment another replica's reconciler sees the triggers and not yet the deployment. So one sighting makes a
/// suspect, and only a workflow still orphaned in the next pass is removed.
/// </summary>
public sealed class SuspectedOrphans
{
    private readonly Lock _gate = new();
    private HashSet<Guid> _suspects = [];

    /// <summary>
    /// Takes this pass's orphans: answers the ones the previous pass suspected too (to remove now), and keeps the
    /// others as the suspects of the next pass.
    /// </summary>
    public IReadOnlyCollection<Guid> Confirm(IReadOnlyCollection<Guid> orphans)
    {
        ArgumentNullException.ThrowIfNull(orphans);
        lock (_gate)
        {
            var confirmed = orphans.Where(_suspects.Contains).ToList();
            _suspects = [.. orphans.Except(confirmed)];
            return confirmed;
        }
    }
}
