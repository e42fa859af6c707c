#!/usr/bin/env bash
# Builds once, runs the chosen suites with coverage, and (for `all`) enforces line coverage of src/ >= the gate.
#
#   scripts/test.sh unit          # tests/UnitTests            (no services needed)
#   scripts/test.sh integration   # tests/IntegrationTests     (needs scripts/dev-services.sh)
#   scripts/test.sh all           # both, merged coverage, gate
#
# Ends with one summary line "Tests: N passed, N failed" and a non-zero exit on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE="${1:-all}"
CONFIGURATION="${CONFIGURATION:-Release}"
COVERAGE_GATE="${COVERAGE_GATE:-85}"
RESULTS="artifacts/test-results"
COVERAGE="artifacts/coverage"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

rm -rf "$RESULTS" "$COVERAGE"
mkdir -p "$RESULTS" "$COVERAGE"

dotnet tool restore >/dev/null
dotnet build WorkflowRuntime.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly

run_suite() {
  local name="$1" project="$2"
  echo "== $name tests =="
  dotnet test "$project" -c "$CONFIGURATION" --no-build --nologo \
    --settings coverlet.runsettings --collect "XPlat Code Coverage" \
    --results-directory "$RESULTS/$name" --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal"
}

status=0
case "$SUITE" in
  unit) run_suite unit tests/UnitTests || status=$? ;;
  integration) run_suite integration tests/IntegrationTests || status=$? ;;
  all)
    run_suite unit tests/UnitTests || status=$?
    run_suite integration tests/IntegrationTests || status=$?
    ;;
  *) echo "usage: $0 unit|integration|all" >&2; exit 2 ;;
esac

# One plain summary line over every suite that ran, read from the TRX counters.
passed=0 failed=0
for trx in $(find "$RESULTS" -name '*.trx'); do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done

if [ "$SUITE" = "all" ] && [ "$status" -eq 0 ]; then
  dotnet tool run reportgenerator "-reports:$RESULTS/**/coverage.cobertura.xml" "-targetdir:$COVERAGE" \
    "-reporttypes:TextSummary;Cobertura;Html" "-assemblyfilters:+WorkflowRuntime*;-WorkflowRuntime.UnitTests;-WorkflowRuntime.IntegrationTests" \
    "-verbosity:Warning" >/dev/null
  line=$(sed -n 's/^ *Line coverage: *\([0-9.]*\)%.*/\1/p' "$COVERAGE/Summary.txt" | head -n 1)
  echo "Line coverage of src/: ${line}% (gate ${COVERAGE_GATE}%); report: $COVERAGE/index.html"
  if awk -v l="$line" -v g="$COVERAGE_GATE" 'BEGIN { exit !(l + 0 < g + 0) }'; then
    echo "Coverage gate failed: ${line}% < ${COVERAGE_GATE}%" >&2
    status=1
  fi
fi

echo "Tests: $passed passed, $failed failed"
exit "$status"
