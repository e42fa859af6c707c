# The two commands of the README are `make run` and `make test`; the rest are their parts.
.PHONY: run run-production services build test test-runtime test-integration-runtime migrate container-smoke clean

# Embedded profile: SQLite file, in-process lock, no servers needed.
run:
	dotnet run --project src/Presentation.Grpc

# Production profile against the local PostgreSQL and Redis from scripts/dev-services.sh.
run-production: services
	ConnectionStrings__Postgres="Host=127.0.0.1;Username=workflow_runtime;Password=workflow_runtime;Database=workflow_runtime" \
	ConnectionStrings__Redis="127.0.0.1:6379" \
	WorkflowRuntime__Security__AllowInsecure="$${WorkflowRuntime__Security__AllowInsecure:-true}" \
	dotnet run --project src/Presentation.Grpc

# Installs (if missing) and starts PostgreSQL and Redis; idempotent.
services:
	bash scripts/dev-services.sh

build:
	dotnet build WorkflowRuntime.sln

# Every test, with the coverage gate (line coverage of src/ >= 85 %).
test: services
	bash scripts/test.sh all

# Unit tests only: no services.
test-runtime:
	bash scripts/test.sh unit

# Integration tests only: real PostgreSQL, Redis and gRPC sockets.
test-integration-runtime: services
	bash scripts/test.sh integration

migrate: services
	ConnectionStrings__Postgres="Host=127.0.0.1;Username=workflow_runtime;Password=workflow_runtime;Database=workflow_runtime" \
	dotnet run --project src/Presentation.Grpc -- migrate

# The container image proven without a registry (root; installs podman, buildah, mmdebstrap). Not part of `test`.
container-smoke:
	bash scripts/container-smoke.sh

clean:
	rm -rf artifacts data
	dotnet clean WorkflowRuntime.sln -nologo -v quiet
