#!/usr/bin/env bash
# Installs (Debian, as root) and starts the PostgreSQL and Redis that the service and its integration tests use,
# and installs Node.js + npm for the Node example the integration suite runs.
# Idempotent: running it again on a machine that is already set up changes nothing and exits 0.
#
#   sudo scripts/dev-services.sh          # install if missing, start, create role and databases
#
# Connection settings it provisions (the defaults the test suite and `make run-production` expect):
#   PostgreSQL  127.0.0.1:5432  role workflow_runtime / workflow_runtime, databases workflow_runtime, workflow_runtime_test
#   Redis       127.0.0.1:6379  no password
set -euo pipefail

PG_ROLE="${WORKFLOW_RUNTIME_PG_ROLE:-workflow_runtime}"
PG_PASSWORD="${WORKFLOW_RUNTIME_PG_PASSWORD:-workflow_runtime}"
PG_DATABASES=("workflow_runtime" "workflow_runtime_test")
REDIS_PORT="${WORKFLOW_RUNTIME_REDIS_PORT:-6379}"

log() { printf '[dev-services] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing_packages() {
  local missing=()
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=("postgresql")
  command -v psql >/dev/null 2>&1 || missing+=("postgresql-client")
  command -v redis-server >/dev/null 2>&1 || missing+=("redis-server")
  command -v redis-cli >/dev/null 2>&1 || missing+=("redis-tools")
  # The Node.js example (examples/node-client) runs in the integration suite.
  command -v node >/dev/null 2>&1 || missing+=("nodejs")
  command -v npm >/dev/null 2>&1 || missing+=("npm")
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start_postgres() {
  local version cluster
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  cluster="main"
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $cluster"; then
    log "creating PostgreSQL $version cluster $cluster"
    as_root pg_createcluster "$version" "$cluster" >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
    log "starting PostgreSQL $version/$cluster"
    as_root pg_ctlcluster "$version" "$cluster" start
  fi
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
  done
  pg_isready -h 127.0.0.1 -p 5432 -q || { log "PostgreSQL did not become ready"; exit 1; }
}

# The integration tests run several hosts (and host processes) at once, each with its own connection pool.
ensure_connection_slots() {
  local wanted=300 current
  current="$(as_root runuser -u postgres -- psql -qtA -c "SHOW max_connections")"
  if [ "$current" -lt "$wanted" ]; then
    log "raising max_connections from $current to $wanted (restart)"
    as_root runuser -u postgres -- psql -qc "ALTER SYSTEM SET max_connections = $wanted"
    as_root pg_ctlcluster "$(ls /usr/lib/postgresql | sort -V | tail -n 1)" main restart
    for _ in $(seq 1 30); do
      pg_isready -h 127.0.0.1 -p 5432 -q && break
      sleep 1
    done
  fi
}

provision_postgres() {
  local psql=(as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" != "1" ]; then
    log "creating role $PG_ROLE"
    # CREATEDB: the integration tests create and drop scratch databases to test migrations on an empty database.
    "${psql[@]}" -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  fi
  for db in "${PG_DATABASES[@]}"; do
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
      log "creating database $db"
      "${psql[@]}" -c "CREATE DATABASE $db OWNER $PG_ROLE"
    fi
  done
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    return
  fi
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  # Started directly rather than through systemd/init: CI containers run no init system.
  as_root redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --save "" --appendonly no --logfile /var/log/redis-workflow-runtime.log
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
    sleep 0.2
  done
  log "Redis did not become ready"; exit 1
}

install_missing_packages
start_postgres
ensure_connection_slots
provision_postgres
start_redis
log "ready: PostgreSQL 127.0.0.1:5432 (role $PG_ROLE), Redis 127.0.0.1:$REDIS_PORT"
