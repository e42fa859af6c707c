#!/usr/bin/env bash
# Scheduler benchmark (docs/benchmarks/scheduler.md): deploys 10,000 every-minute cron workflows on one in-process
# host and measures deploy time, memory and fire lateness for 5 minutes with the jitter, then 5 minutes without it
# (the baseline). Takes about 15 minutes. Any option overrides the defaults below, e.g.
#
#   bash scripts/bench-scheduler.sh --workflows 500 --minutes 1        # a quick smoke run
#
# Uses its own database (workflow_runtime_bench, dropped and recreated for each phase), never the test database.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash scripts/dev-services.sh

exec dotnet run -c Release --project benchmarks/SchedulerBenchmark -- \
  --workflows 10000 --minutes 5 \
  --postgres "Host=127.0.0.1;Port=5432;Username=workflow_runtime;Password=workflow_runtime" \
  --database workflow_runtime_bench \
  --redis "127.0.0.1:6379" \
  --cron "* * * * *" \
  --output artifacts/benchmarks/scheduler \
  "$@"
