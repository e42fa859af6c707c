#!/usr/bin/env bash
# Execution throughput benchmark (docs/benchmarks/executions.md): starts the engine simulator and the service
# (production profile: PostgreSQL, Redis, the engine over gRPC) as processes of their own, then measures, per overlap
# policy and concurrency (4, 16, 32, 64), a bare PostgreSQL + Redis floor and the service's TriggerWorkflow over real
# gRPC side by side, an open loop at 300 calls/s, and the SKIP path. Takes about 13 minutes. Any option overrides the
# defaults, e.g.
#
#   bash scripts/bench-executions.sh --seconds 5 --sustain-seconds 10 --open-loop-seconds 5 --skip-rounds 3 --skip-loop-seconds 5
#   bash scripts/bench-executions.sh --trace-service 15 --keep-as before     # profile the SKIP c=32 step, keep the results
#   bash scripts/bench-executions.sh --compare-with docs/benchmarks/execution-results/before.json
#
# Writes the JSON and logs to artifacts/benchmarks/executions and the report to docs/benchmarks/executions.md.
# Uses its own database (workflow_runtime_bench_exec, dropped and recreated for each run), never the test database.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash scripts/dev-services.sh
# dotnet-trace and dotnet-counters (dotnet-tools.json), for --trace-service.
dotnet tool restore >/dev/null
# The benchmark's project references build the service and the engine simulator in the same configuration.
dotnet build -c Release benchmarks/ExecutionBenchmark -nologo -clp:ErrorsOnly

exec dotnet benchmarks/ExecutionBenchmark/bin/Release/net10.0/ExecutionBenchmark.dll \
  --postgres "Host=127.0.0.1;Port=5432;Username=workflow_runtime;Password=workflow_runtime" \
  --database workflow_runtime_bench_exec \
  --redis "127.0.0.1:6379" \
  --output artifacts/benchmarks/executions \
  --report docs/benchmarks/executions.md \
  "$@"
