# syntax=docker/dockerfile:1
#
# WorkflowRuntime container image. Two targets from one file:
#   runtime           (default, the last stage): the service.
#                     docker build -t workflow-runtime:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#   engine-simulator  tools/EngineSimulator, for compose and smoke runs; never a production engine.
#                     docker build --target engine-simulator -t workflow-engine-simulator:0.1.0 .
#
# Where the binaries come from (PUBLISH_FROM):
#   build     (default) compiled in the SDK stage below.
#   prebuilt  taken from the build context's artifacts/publish/{workflow-runtime,engine-simulator,data}/ (self-contained
#             linux-x64 publish output), for machines that cannot pull the SDK image; scripts/container-smoke.sh does
#             this with buildah and a locally made base image. See docs/deployment/workflow-runtime.md.
#
# Both stages publish self-contained, so the runtime base needs no .NET: only glibc, OpenSSL, ca-certificates, ICU
# and tzdata. ICU is needed (InvariantGlobalization stays off): cron time zones given as Windows ids are converted to
# IANA ids through ICU. tzdata is needed: IANA zones are read from /usr/share/zoneinfo. The chiseled "-extra"
# variant has both (the plain chiseled image has neither).

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_BASE_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled-extra
ARG PUBLISH_FROM=build

# ---- build: restore and publish both programs (self-contained, one RID) ------------------------------------------
FROM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
# Project files first, so the restore layer is reused while only code changes.
# .editorconfig too: the analyzers run in the build (warnings are errors) and it sets their severities.
COPY .editorconfig global.json Directory.Build.props Directory.Packages.props ./
COPY protos/ protos/
COPY src/Domain/*.csproj src/Domain/
COPY src/Application/*.csproj src/Application/
COPY src/Infrastructure/*.csproj src/Infrastructure/
COPY src/Presentation.Grpc/*.csproj src/Presentation.Grpc/
COPY tools/EngineSimulator/*.csproj tools/EngineSimulator/
RUN RID="linux-$([ "${TARGETARCH:-amd64}" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet restore src/Presentation.Grpc -r "$RID" -p:SelfContained=true \
 && dotnet restore tools/EngineSimulator -r "$RID" -p:SelfContained=true
COPY src/ src/
COPY tools/EngineSimulator/ tools/EngineSimulator/
RUN RID="linux-$([ "${TARGETARCH:-amd64}" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet publish src/Presentation.Grpc -c Release -r "$RID" --self-contained --no-restore -o /publish/workflow-runtime \
 && dotnet publish tools/EngineSimulator -c Release -r "$RID" --self-contained --no-restore -o /publish/engine-simulator \
 && mkdir -p /publish/data

# ---- prebuilt: the same layout from the build context (artifacts/publish/) --------------------------------------------
FROM scratch AS prebuilt
COPY artifacts/publish/ /publish/

# ---- publish: whichever of the two PUBLISH_FROM names -----------------------------------------------------------------
FROM ${PUBLISH_FROM} AS publish

# ---- base: what both programs share -------------------------------------------------------------------------------------
FROM ${RUNTIME_BASE_IMAGE} AS base
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.vendor="WorkflowRuntime team" \
      org.opencontainers.image.licenses="LicenseRef-internal"
# DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false: the service needs ICU (see the top of this file); a base without it
#   then fails loudly at start instead of converting time zones wrongly.
# DOTNET_gcServer=1 + DOTNET_GCDynamicAdaptationMode=1: server GC with DATAS (dynamic adaptation), so the heap count
#   follows the load instead of one heap per visible core, and a pod with a 1-CPU limit and 512 MiB does not reserve
#   memory it never uses. The GC takes its hard limit from the container's memory limit (75 % by default).
# TMPDIR=/tmp: temporary files and the diagnostics socket (dotnet-counters, dotnet-dump) go to /tmp, the one
#   writable mount on a read-only root filesystem.
# HOME=/tmp: the numeric user has no /etc/passwd entry, hence no home directory, and .NET's certificate store
#   (opened by Npgsql's TLS handshake with PostgreSQL) throws "The home directory of the current user could not be
#   determined" without one. Found by scripts/container-smoke.sh.
# ASPNETCORE_HTTP_PORTS empty: the base images set 8080 for ASP.NET Core; both programs bind their own ports, and
#   this avoids Kestrel's "Overriding address(es)" warning.
ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false \
    DOTNET_gcServer=1 \
    DOTNET_GCDynamicAdaptationMode=1 \
    TMPDIR=/tmp \
    HOME=/tmp \
    ASPNETCORE_HTTP_PORTS=
WORKDIR /app
# A numeric user and group with no entry in /etc/passwd: Kubernetes' runAsNonRoot can verify a numeric USER.
USER 10001:10001

# ---- engine-simulator: tools/EngineSimulator ------------------------------------------------------------------------
FROM base AS engine-simulator
LABEL org.opencontainers.image.title="workflow-engine-simulator" \
      org.opencontainers.image.description="Simulated workflow engine (gRPC WorkflowService) for compose and smoke runs; not a production engine"
ENV EngineSimulator__BindAddress=0.0.0.0 \
    EngineSimulator__Port=50051
COPY --from=publish /publish/engine-simulator/ /app/
EXPOSE 50051
ENTRYPOINT ["/app/EngineSimulator"]

# ---- runtime: the service (default target) ------------------------------------------------------------------------------
FROM base AS runtime
LABEL org.opencontainers.image.title="workflow-runtime" \
      org.opencontainers.image.description="WorkflowRuntime: deploys workflows, fires jittered cron triggers, runs executions once at a time"
# Listen on every interface of the pod. Only the embedded profile (no connection strings) writes a file: its
# SQLite database goes to /data (mount a volume there), never into /app.
ENV WorkflowRuntime__Server__BindAddress=0.0.0.0 \
    WorkflowRuntime__Server__GrpcPort=50051 \
    WorkflowRuntime__Server__HttpPort=8080 \
    WorkflowRuntime__Persistence__SqlitePath=/data/workflow-runtime.db
COPY --from=publish /publish/workflow-runtime/ /app/
# The embedded profile's directory, owned by the service's user; mount a volume here to keep its database.
COPY --from=publish --chown=10001:10001 /publish/data/ /data/
# 50051: gRPC (HTTP/2 cleartext, or TLS when WorkflowRuntime:Security:Tls is set); 8080: /health*, /metrics (HTTP/1.1).
EXPOSE 50051 8080
# No HEALTHCHECK: the chiseled base has no shell or curl, and Kubernetes ignores it. Probe over HTTP from outside:
# GET /health/live (liveness), GET /health/ready (readiness), or grpc.health.v1 on 50051; see
# docs/deployment/workflow-runtime.md. ENTRYPOINT (not CMD), so "migrate" can be passed as the argument.
ENTRYPOINT ["/app/WorkflowRuntime"]
