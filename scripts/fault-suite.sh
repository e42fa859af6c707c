#!/usr/bin/env bash
# Reruns the fault scenarios of tests/IntegrationTests/Faults with a longer, heavier load and writes
# docs/reliability.md from the verdict each scenario reports (one table row per scenario).
#
#   scripts/fault-suite.sh                # 60 s of load per scenario, 6 callers
#   FAULT_SECONDS=20 FAULT_CALLERS=4 scripts/fault-suite.sh
#
# Needs what `make test` needs (PostgreSQL and Redis from scripts/dev-services.sh, redis-server and the PostgreSQL 15
# binaries on this machine). The scenarios start their own Redis and (for the restart) their own PostgreSQL cluster;
# the shared servers are only used for scratch databases. WORKFLOW_RUNTIME_TEST_POSTGRES picks the server as in
# the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_SCENARIO="${FAULT_SECONDS:-60}"
CALLERS="${FAULT_CALLERS:-6}"
CONFIGURATION="${CONFIGURATION:-Release}"
OUT="${FAULT_REPORT_OUT:-docs/reliability.md}"
ROWS="$(mktemp)"
EDGE_LOG="$(mktemp)"
trap 'rm -f "$ROWS" "$EDGE_LOG"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build WorkflowRuntime.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
status=0
WORKFLOW_RUNTIME_FAULT_SECONDS="$SECONDS_PER_SCENARIO" WORKFLOW_RUNTIME_FAULT_CALLERS="$CALLERS" WORKFLOW_RUNTIME_FAULT_REPORT="$ROWS" \
  dotnet test tests/IntegrationTests -c "$CONFIGURATION" --no-build --nologo \
  --filter "FullyQualifiedName~WorkflowRuntime.IntegrationTests.Faults" --logger "console;verbosity=normal" || status=$?

# The two other promises of the reliability work, run as they run in make test: hostile input never reaches
# INTERNAL/UNKNOWN (property test) and the embedded profile takes 32 callers with 0 errors. Their summary lines
# (written to the test output) become the second table.
edge_status=0
dotnet test tests/IntegrationTests -c "$CONFIGURATION" --no-build --nologo \
  --filter "FullyQualifiedName~HostileInputTests.No_hostile_request|FullyQualifiedName~EmbeddedLoadTests" \
  --logger "console;verbosity=detailed" >"$EDGE_LOG" 2>&1 || edge_status=$?
hostile=$(grep -o '[0-9]* hostile calls: .*' "$EDGE_LOG" | tail -n 1 || true)
embedded=$(grep -o '[0-9]* callers, [0-9.]* s: .* errors' "$EDGE_LOG" | tail -n 1 || true)
[ "$edge_status" -eq 0 ] || status=$edge_status

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
cores=$(nproc)
memory=$(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')
load=$(cut -d ' ' -f 1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

{
  cat <<MD
# Reliability under faults

What the service does to its callers and its runs when Redis, PostgreSQL or an instance fails under load. Each
scenario runs production-profile hosts (the real binary, each in its own process) on **their own** Redis and, for the
restart, **their own** PostgreSQL cluster. It triggers a mix of \`SKIP\` and \`ALLOW_ALL\` workflows from concurrent
callers (every third call with an idempotency key; keys repeat) and injects the fault after a third of the load.
When the load ends and the service has recovered, the callers' answers are judged against the database.

| column | meaning |
|---|---|
| codes | gRPC status codes the callers saw, with counts |
| duplicates | an idempotency key with two rows, or callers answered with two different runs for one key |
| lost | an \`OK\` trigger whose execution has no row |
| stranded | a run still \`NEW\` or \`RUNNING\` after recovery (45 s bound; takeover needs \`StaleAfterSeconds\` + \`SweepIntervalSeconds\`, 4 s + 1 s in the tests) |
| overlaps | two runs of one \`SKIP\` workflow whose \`started_at\`…\`finished_at\` intervals overlap |
| recovery | from the end of the fault to the start of the first \`OK\` trigger after it |

\`UNAVAILABLE\` is expected only while PostgreSQL is down, and from the address of the killed instance. \`INTERNAL\` and
\`UNKNOWN\` must never occur. The same scenarios run in \`make test\` with a short load
(\`tests/IntegrationTests/Faults\`, 8 s each) and assert all of this.

## Result

Run ${started}, commit \`${commit}\`: \`FAULT_SECONDS=${SECONDS_PER_SCENARIO} FAULT_CALLERS=${CALLERS} scripts/fault-suite.sh\`
(test exit status ${status}).
Machine: ${cpu:-unknown CPU}, ${cores} cores, ${memory:-unknown memory}, load average ${load} at the end. Throughput depends on the machine and
on what else runs on it (the trigger counts are not a benchmark); the correctness columns are what must carry over.

| scenario | load | fault | codes | triggers → rows | duplicates | lost | stranded | overlaps | recovery |
|---|---|---|---|---|---|---|---|---|---|
MD
  cat "$ROWS"
  cat <<MD

## Hostile input and the embedded profile

Same invocation (test exit status ${edge_status}): the property test of \`tests/IntegrationTests/Validation\` drives
every RPC of both services with generated hostile input (over-long strings, NUL, lone surrogates, bad JSON, extreme
numbers and timestamps, bad zones, raw undecodable bytes) through a real host and asserts no \`INTERNAL\`/\`UNKNOWN\`,
trailers under 8 KiB and no write on refusal; the embedded-profile test runs 32 callers in flight against a SQLite host
and asserts 0 errors, every run terminal and \`SUCCESS\`, none closed "runtime instance lost".

| check | result |
|---|---|
| hostile input, every RPC | ${hostile:-no summary line (see the test output)} |
| embedded profile, 32 callers | ${embedded:-no summary line (see the test output)} |

MD
  cat <<'MD'

## What the faults do and why it holds

- **Redis stopped / stalled.** The lock adapter turns every Redis failure into "lock store unavailable". That covers
  refused, reset, timed out, a command the client abandoned (`TaskCanceledException`) and a connection disposed while
  reconnecting ([ADR 0020](decisions/0020-redis-failures-and-admission-deadlines.md)). Admission then relies on the
  database fence: the partial unique index admits one active exclusive run per workflow
  ([ADR 0008](decisions/0008-execution-coordination.md)). A stalled Redis costs each `SKIP` trigger one operation
  timeout (500 ms in the tests, 1 s by default), not an error. Failed renewals and releases are warnings
  (`lock_store_unavailable`).
- **PostgreSQL restarted.** Calls answer `UNAVAILABLE` ("the database is unavailable, retry later: the connection
  failed"), never quoting the server's text, and write nothing. A run admitted just before the stop may lose its
  `RUNNING` write. Its tracker or the sweeper closes or adopts it when the database is back, so nothing stays
  stranded.
- **An instance killed.** Its runs keep their rows (the fence holds the `SKIP` slot). A live instance's sweeper
  adopts them after `StaleAfterSeconds` + `SweepIntervalSeconds`. With the in-process simulated engine the dead
  instance's engine runs die with it, so the adopter closes them `ERROR` ("engine lost the run"). With a real engine
  it follows them to the end.
- **Deadlines.** A call whose deadline leaves less than `AdmissionDeadlineMarginMs` (100 ms) before the insert is
  refused with `DEADLINE_EXCEEDED` and writes nothing. Once the row is committed, the run proceeds even if the
  response is lost. A retry with the same `idempotency_key` finds it.

Rerun: `scripts/fault-suite.sh` (this page is rewritten).
MD
} > "$OUT"

echo "wrote $OUT"
exit "$status"
