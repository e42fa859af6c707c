#!/usr/bin/env bash
# Monitoring benchmark (docs/benchmarks/monitoring.md): seeds 100,000 deployments and 1,000,000 executions into its
# own database (wr_bench_monitoring, dropped and recreated; never the test database), starts the real host in-process
# and calls each statistics RPC of MonitoringService 200 times over real gRPC, reporting p50/p95/p99/max per RPC.
# Seeding takes 2-5 minutes; --keep-data reuses an already seeded database. Any option overrides the defaults, e.g.
#
#   bash scripts/bench-monitoring.sh --deployments 10000 --executions 100000 --calls 50     # a quick smoke run
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash scripts/dev-services.sh

exec dotnet run -c Release --project benchmarks/MonitoringBenchmark -- \
  --postgres "Host=127.0.0.1;Port=5432;Username=workflow_runtime;Password=workflow_runtime" \
  --database wr_bench_monitoring \
  --deployments 100000 --executions 1000000 --calls 200 \
  --output docs/benchmarks/monitoring-results \
  "$@"
