#!/usr/bin/env bash
# Container smoke test on a machine with no container registry and no working `podman run`:
#
#   1. makes a Debian minbase image locally (mmdebstrap + podman import; kept and reused across runs),
#   2. publishes the service and the engine simulator self-contained (linux-x64) into artifacts/publish/,
#   3. builds the Dockerfile's `runtime` and `engine-simulator` targets with PUBLISH_FROM=prebuilt on that base
#      (buildah build --isolation chroot), exactly the stages a registry build uses after its SDK stage,
#   4. checks the image config: numeric non-root user, ports 50051 and 8080, entrypoint, OCI labels,
#   5. runs each image's root filesystem the way a pod would: the image's own entrypoint, environment and user,
#      through chroot --userspec=<image user>, on a READ-ONLY bind mount of the root with only /tmp (tmpfs) writable,
#      /proc, /dev and /etc/resolv.conf bound in, against the local PostgreSQL (its own database, wr_smoke) and Redis,
#   6. runs the image's `migrate` command, starts the service, and passes GET /health plus deploy (a cron trigger in
#      a named IANA zone, which needs the image's tzdata) -> trigger -> SUCCESS with tools/RuntimeSmokeClient,
#   7. stops the service with SIGTERM and expects exit 0.
#
#   sudo scripts/container-smoke.sh
#
# Needs root (chroot, mounts). Installs podman, buildah, mmdebstrap and jq if they are missing (Debian).
# Settings: SMOKE_POSTGRES_HOST/PORT/USER/PASSWORD (127.0.0.1/5432/workflow_runtime/workflow_runtime),
# SMOKE_DATABASE (wr_smoke), SMOKE_REDIS (127.0.0.1:6379), SMOKE_TIMEZONE (Europe/Berlin),
# SMOKE_BASE_IMAGE (localhost/workflow-runtime-smoke-base:bookworm; delete it to rebuild the base).
# Cleans up on every exit (trap): processes, mounts, working containers, the smoke images, the temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR="$(pwd)"
START_SECONDS=$SECONDS

PG_HOST="${SMOKE_POSTGRES_HOST:-127.0.0.1}"
PG_PORT="${SMOKE_POSTGRES_PORT:-5432}"
PG_USER="${SMOKE_POSTGRES_USER:-workflow_runtime}"
PG_PASSWORD="${SMOKE_POSTGRES_PASSWORD:-workflow_runtime}"
DATABASE="${SMOKE_DATABASE:-wr_smoke}"
REDIS="${SMOKE_REDIS:-127.0.0.1:6379}"
TIMEZONE="${SMOKE_TIMEZONE:-Europe/Berlin}"
BASE_IMAGE="${SMOKE_BASE_IMAGE:-localhost/workflow-runtime-smoke-base:bookworm}"
TAG="smoke-$$"
RUNTIME_IMAGE="localhost/workflow-runtime:$TAG"
SIMULATOR_IMAGE="localhost/workflow-engine-simulator:$TAG"
VERSION="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)"
REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
SOURCE="${SMOKE_SOURCE:-$(git remote get-url origin 2>/dev/null || echo local)}"
PUBLISH="$ROOT_DIR/artifacts/publish"
WORK="$(mktemp -d /tmp/workflow-runtime-smoke.XXXXXX)"

CONTAINERS=()
MOUNTS=()
PIDS=()
CONTAINERS_BEFORE=""
DANGLING_BEFORE=""

step() { printf '[smoke %3ds] %s\n' "$((SECONDS - START_SECONDS))" "$*"; }
fail() { printf '[smoke %3ds] FAILED: %s\n' "$((SECONDS - START_SECONDS))" "$*" >&2; exit 1; }

cleanup() {
  local status=$?
  set +e
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  # Innermost mounts first.
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null; done
  for ctr in "${CONTAINERS[@]}"; do buildah umount "$ctr" >/dev/null 2>&1; buildah rm "$ctr" >/dev/null 2>&1; done
  # buildah build leaves a working container and an untagged image per intermediate stage: remove the ones this
  # run made (compared with what existed before it), nobody else's.
  for ctr in $(comm -13 <(sort <<<"$CONTAINERS_BEFORE") <(buildah containers -q 2>/dev/null | sort)); do buildah rm "$ctr" >/dev/null 2>&1; done
  buildah rmi "$RUNTIME_IMAGE" "$SIMULATOR_IMAGE" >/dev/null 2>&1
  for image in $(comm -13 <(sort <<<"$DANGLING_BEFORE") <(buildah images -q --filter dangling=true 2>/dev/null | sort)); do
    buildah rmi "$image" >/dev/null 2>&1
  done
  rm -rf "$WORK"
  if [ "$status" -eq 0 ]; then step "cleaned up; PASSED in $((SECONDS - START_SECONDS)) s"; else step "cleaned up; FAILED (exit $status)"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || fail "run as root: chroot and bind mounts need it"

# ---- 1. tools and the base image ----------------------------------------------------------------------------------
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if podman image exists "$BASE_IMAGE"; then
  step "base image $BASE_IMAGE exists (reused)"
else
  step "making the base image $BASE_IMAGE: Debian bookworm minbase + ca-certificates, libicu72, tzdata"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,libicu72,tzdata bookworm "$WORK/rootfs.tar"
  podman import --quiet "$WORK/rootfs.tar" "$BASE_IMAGE" >/dev/null
  rm -f "$WORK/rootfs.tar"
fi

# ---- 2. self-contained publish (what the Dockerfile's SDK stage does) ---------------------------------------------
# A separate artifacts path keeps the RID-specific restore out of the projects' obj/ directories.
step "publishing self-contained linux-x64 into artifacts/publish/"
rm -rf "$PUBLISH"
mkdir -p "$PUBLISH/data"
for project in src/Presentation.Grpc:workflow-runtime tools/EngineSimulator:engine-simulator; do
  dotnet publish "${project%%:*}" -c Release -r linux-x64 --self-contained -nologo -clp:ErrorsOnly \
    --artifacts-path "$ROOT_DIR/artifacts/container-smoke" -o "$PUBLISH/${project##*:}" >/dev/null
done
client_dir="$WORK/client"
dotnet build tools/RuntimeSmokeClient -c Release -nologo -clp:ErrorsOnly \
  --artifacts-path "$ROOT_DIR/artifacts/container-smoke" -o "$client_dir" >/dev/null

# ---- 3. the image, from the Dockerfile ----------------------------------------------------------------------------
CONTAINERS_BEFORE="$(buildah containers -q 2>/dev/null || true)"
DANGLING_BEFORE="$(buildah images -q --filter dangling=true 2>/dev/null || true)"
build_target() {
  buildah build --quiet --isolation chroot --layers=false \
    --build-arg PUBLISH_FROM=prebuilt --build-arg RUNTIME_BASE_IMAGE="$BASE_IMAGE" --build-arg TARGETARCH=amd64 \
    --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" --build-arg SOURCE="$SOURCE" \
    --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --target "$1" -t "$2" -f Dockerfile . >/dev/null
}
step "buildah build --target runtime -> $RUNTIME_IMAGE"
build_target runtime "$RUNTIME_IMAGE"
step "buildah build --target engine-simulator -> $SIMULATOR_IMAGE"
build_target engine-simulator "$SIMULATOR_IMAGE"

# ---- 4. the image config --------------------------------------------------------------------------------------------
config="$(podman image inspect "$RUNTIME_IMAGE" | jq '.[0].Config')"
user="$(jq -r '.User' <<<"$config")"
entrypoint="$(jq -c '.Entrypoint' <<<"$config")"
ports="$(jq -c '.ExposedPorts | keys' <<<"$config")"
labels="$(jq -c '.Labels | with_entries(select(.key | startswith("org.opencontainers.image.")))' <<<"$config")"
step "image config: User=$user Entrypoint=$entrypoint ExposedPorts=$ports"
step "image labels: $labels"
[[ "$user" =~ ^[1-9][0-9]*:[0-9]+$ ]] || fail "the image user must be numeric uid:gid and not root, got '$user'"
[ "$entrypoint" = '["/app/WorkflowRuntime"]' ] || fail "unexpected entrypoint $entrypoint"
[ "$ports" = '["50051/tcp","8080/tcp"]' ] || fail "the image must expose 50051 and 8080, got $ports"
[ "$(jq -r '.Labels["org.opencontainers.image.version"]' <<<"$config")" = "$VERSION" ] || fail "version label missing"
[ "$(jq -r '.Labels["org.opencontainers.image.revision"]' <<<"$config")" = "$REVISION" ] || fail "revision label missing"
[ "$(jq -r '.Labels["org.opencontainers.image.source"]' <<<"$config")" = "$SOURCE" ] || fail "source label missing"
step "image size: $(podman image inspect "$RUNTIME_IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1000000}') (base included)"

# ---- 5. a read-only root per image ------------------------------------------------------------------------------------
# Sets READONLY_ROOT to a read-only view of the image's root with a tmpfs /tmp, /proc, /dev and /etc/resolv.conf.
# (Not run in a $(...) subshell: the mounts and containers it records must reach the cleanup trap.)
readonly_root() {
  local image="$1" name="$2" ctr mnt view
  ctr="$(buildah from --quiet "$image")"; CONTAINERS+=("$ctr")
  mnt="$(buildah mount "$ctr")"
  # The mount points a container runtime provides; made in the working container's own layer, not the image.
  mkdir -p "$mnt/proc" "$mnt/dev" "$mnt/tmp" "$mnt/etc"
  [ -e "$mnt/etc/resolv.conf" ] || touch "$mnt/etc/resolv.conf"
  view="$WORK/$name"; mkdir -p "$view"
  mount --bind "$mnt" "$view"; MOUNTS+=("$view")
  mount -o remount,bind,ro "$view"
  mount -t tmpfs -o size=64m,mode=1777,nosuid,nodev tmpfs "$view/tmp"; MOUNTS+=("$view/tmp")
  mount --bind /proc "$view/proc"; MOUNTS+=("$view/proc")
  mount --rbind /dev "$view/dev"; mount --make-rslave "$view/dev"; MOUNTS+=("$view/dev")
  mount --bind -o ro /etc/resolv.conf "$view/etc/resolv.conf"; MOUNTS+=("$view/etc/resolv.conf")
  READONLY_ROOT="$view"
}

# The image's own environment (ENV lines), one KEY=value per line.
image_env() { podman image inspect "$1" | jq -r '.[0].Config.Env[]'; }

# Starts the image's entrypoint (plus arguments) in its read-only root as its user, with the image's environment
# and the given overrides; output to $WORK/<name>.log. Sets STARTED_PID. The working directory is / rather than
# the image's WorkingDir (/app): chroot cannot change it and the chiseled base has no shell; nothing here depends
# on it (every path the service uses is absolute or relative to /app/).
run_in_image() {
  local image="$1" root="$2" name="$3"; shift 3
  local image_user env_args=() entry=()
  image_user="$(podman image inspect "$image" | jq -r '.[0].Config.User')"
  mapfile -t env_args < <(image_env "$image")
  mapfile -t entry < <(podman image inspect "$image" | jq -r '.[0].Config.Entrypoint[]')
  local overrides=() args=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do overrides+=("$1"); shift; done
  [ "$#" -gt 0 ] && shift
  args=("$@")
  env -i "${env_args[@]}" "${overrides[@]}" \
    /usr/sbin/chroot --userspec="$image_user" "$root" "${entry[@]}" "${args[@]}" \
    >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

wait_for_log() { # file, pattern, seconds, pid
  local deadline=$((SECONDS + $3))
  while [ "$SECONDS" -lt "$deadline" ]; do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { cat "$1" >&2; fail "the process exited before logging $2"; }
    sleep 0.5
  done
  cat "$1" >&2; fail "no $2 within $3 s"
}

readonly_root "$RUNTIME_IMAGE" runtime-root; runtime_root="$READONLY_ROOT"
readonly_root "$SIMULATOR_IMAGE" simulator-root; simulator_root="$READONLY_ROOT"
if touch "$runtime_root/app/write-probe" 2>/dev/null; then fail "the root filesystem is writable"; fi
step "root filesystems mounted read-only ($(findmnt -no OPTIONS "$runtime_root" | cut -d, -f1)); only /tmp (tmpfs) is writable"

# ---- 6. database, simulator, migrate, service, round trip ---------------------------------------------------------------
export PGPASSWORD="$PG_PASSWORD" PGOPTIONS='--client-min-messages=warning'
psql -qX -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" -c "CREATE DATABASE $DATABASE" >/dev/null
step "database $DATABASE created on $PG_HOST:$PG_PORT"
# GSS Encryption Mode=Disable: Npgsql 10 tries GSSAPI first, and a base without libgssapi_krb5 (the chiseled images,
# this minbase) makes .NET print a non-JSON "Cannot load library" line on stderr. Nobody here uses Kerberos.
postgres="Host=$PG_HOST;Port=$PG_PORT;Username=$PG_USER;Password=$PG_PASSWORD;Database=$DATABASE;GSS Encryption Mode=Disable"

engine_port="$(free_port)"
# Loopback only: chroot shares the host's network, and nothing here should listen beyond it.
run_in_image "$SIMULATOR_IMAGE" "$simulator_root" simulator \
  EngineSimulator__BindAddress=127.0.0.1 EngineSimulator__Port="$engine_port" EngineSimulator__Default__LatencyMs=300
simulator_pid=$STARTED_PID
wait_for_log "$WORK/simulator.log" "Engine simulator listening" 60 "$simulator_pid"
step "engine simulator (its image, uid $(stat -c %u "/proc/$simulator_pid")) listening on 127.0.0.1:$engine_port"

service_env=(
  "ConnectionStrings__Postgres=$postgres"
  "ConnectionStrings__Redis=$REDIS"
  "WorkflowRuntime__Engine__Address=http://127.0.0.1:$engine_port"
  "WorkflowRuntime__Redis__KeyPrefix=workflow_runtime_smoke:locks:workflow_"
  # No credentials in a smoke run; real deployments configure TLS and API keys (docs/security.md).
  "WorkflowRuntime__Security__AllowInsecure=true"
  "WorkflowRuntime__Server__BindAddress=127.0.0.1"
  # A cold process on a busy machine needs seconds for its first database round trip (as in the integration tests).
  "WorkflowRuntime__Server__StartupCheckTimeoutMs=20000"
  "WorkflowRuntime__Persistence__HealthCheckTimeoutMs=15000"
)

run_in_image "$RUNTIME_IMAGE" "$runtime_root" migrate "${service_env[@]}" -- migrate
migrate_pid=$STARTED_PID
if ! wait "$migrate_pid"; then cat "$WORK/migrate.log" >&2; fail "the image's migrate command failed"; fi
step "migrate (same image, same entrypoint): $(grep -o '"event":"[a-z_]*"' "$WORK/migrate.log" | tail -n 1)"

grpc_port="$(free_port)"; http_port="$(free_port)"
run_in_image "$RUNTIME_IMAGE" "$runtime_root" runtime "${service_env[@]}" \
  "WorkflowRuntime__Server__GrpcPort=$grpc_port" "WorkflowRuntime__Server__HttpPort=$http_port" \
  "WorkflowRuntime__Persistence__MigrateOnStartup=false"
runtime_pid=$STARTED_PID
wait_for_log "$WORK/runtime.log" '"event":"service_started"' 90 "$runtime_pid"
step "service started as uid $(stat -c %u "/proc/$runtime_pid") gid $(stat -c %g "/proc/$runtime_pid") on 127.0.0.1:$grpc_port (gRPC) and :$http_port (HTTP)"
step "service_started: $(grep '"event":"service_started"' "$WORK/runtime.log" | head -n 1)"

step "round trip with tools/RuntimeSmokeClient"
if ! dotnet "$client_dir/RuntimeSmokeClient.dll" --grpc "http://127.0.0.1:$grpc_port" --http "http://127.0.0.1:$http_port" \
    --timezone "$TIMEZONE" --expect SUCCESS --timeout-seconds 60; then
  tail -n 30 "$WORK/runtime.log" >&2
  fail "the round trip did not pass"
fi

status_live="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/health/live")"
status_ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/health/ready")"
step "probes: /health/live $status_live, /health/ready $status_ready"
[ "$status_live" = 200 ] && [ "$status_ready" = 200 ] || fail "probes must answer 200"

# ---- 7. what it wrote, and a clean stop ---------------------------------------------------------------------------------
step "files the service wrote under /tmp: $( (cd "$runtime_root/tmp" && find . -mindepth 1 -maxdepth 2 | sort | tr '\n' ' ') || true)"
warnings="$(grep -E '"level":"(warning|error|critical)"' "$WORK/runtime.log" || true)"
if [ -n "$warnings" ]; then step "warnings and errors in the service log:"; printf '%s\n' "$warnings"; else step "no warning or error in the service log"; fi
if grep -qiE 'read-only file system|UnauthorizedAccess|Permission denied' "$WORK/runtime.log" "$WORK/simulator.log"; then
  grep -iE 'read-only file system|UnauthorizedAccess|Permission denied' "$WORK/runtime.log" "$WORK/simulator.log" >&2
  fail "a program tried to write outside /tmp"
fi

kill -TERM "$runtime_pid"
set +e; wait "$runtime_pid"; exit_code=$?; set -e
[ "$exit_code" -eq 0 ] || { tail -n 20 "$WORK/runtime.log" >&2; fail "SIGTERM: the service exited $exit_code, expected 0"; }
step "SIGTERM: the service drained and exited 0"
kill -TERM "$simulator_pid" 2>/dev/null || true
