#!/usr/bin/env bash
# Usage: scripts/test-env.sh CMD [ARG...]
#
# Runs CMD against a throwaway PostgreSQL and Redis on free loopback ports, in a temporary
# directory that is removed afterwards (also on failure or Ctrl-C). Exits with CMD's status.
#
# CMD sees:
#   TRACEHUB_TEST_PG_URL        postgresql://postgres@127.0.0.1:PORT/postgres
#   TRACEHUB_TEST_REDIS_URL     redis://127.0.0.1:PORT
#   TRACEHUB_TEST_PG_STOP       shell command: fast-stop that cluster, return once it is down
#   TRACEHUB_TEST_PG_KILL       shell command: kill -9 that cluster, return once all of it is gone
#   TRACEHUB_TEST_PG_START      shell command: start it again, return once it accepts connections
#   TRACEHUB_TEST_REDIS_STOP    likewise for Redis (SIGTERM: the AOF is fsynced first)
#   TRACEHUB_TEST_REDIS_START   likewise; the data survives (same dir, same append-only file)
#   TRACEHUB_TEST_DIR           the temporary directory (server logs are there while CMD runs)
# The *_STOP/*_START commands are meant for `/bin/sh -c` (integration tests simulate outages).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 1 ]] || die "usage: scripts/test-env.sh CMD [ARG...]"

# The postgres user must be able to enter the directory; a TMPDIR under /root would not do.
tmp_parent="${TMPDIR:-/tmp}"
pg_can_enter "$tmp_parent" || tmp_parent=/tmp
TEST_DIR="$(mktemp -d "$tmp_parent/tracehub-test.XXXXXX")"
chmod 0755 "$TEST_DIR"

pg_area="$TEST_DIR/pg"
redis_dir="$TEST_DIR/redis"
redis_pidfile="$redis_dir/redis.pid"
redis_conf="$redis_dir/redis.conf"

# Stop both servers by PID and remove the directory. Runs once, on any exit.
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  pid="$(pid_from_file "$pg_area/data/postmaster.pid")"
  # SIGINT is PostgreSQL's fast shutdown.
  if [[ -n "$pid" ]]; then stop_pid "$pid" postgres INT 60; fi
  pid="$(pid_from_file "$redis_pidfile")"
  if [[ -n "$pid" ]]; then stop_pid "$pid" redis-server TERM 30; fi
  rm -rf "$TEST_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_port="$(free_port)"
redis_port="$(free_port)"
while [[ "$redis_port" == "$pg_port" ]]; do redis_port="$(free_port)"; done

pg_prepare_area "$pg_area"
pg_init "$pg_area"
pg_start "$pg_area" "$pg_port"

redis_write_conf "$redis_conf" "$redis_dir" "$redis_port" "$redis_pidfile" "$redis_dir/redis.log"
redis_start "$redis_conf" "$redis_port" "$redis_pidfile"

# Shell-quoted, since the stop/start commands are strings run by /bin/sh -c.
q_services="$(printf '%q' "$TRACEHUB_REPO/scripts/services.sh")"
q_pg_area="$(printf '%q' "$pg_area")"
q_redis_conf="$(printf '%q' "$redis_conf")"
q_redis_pidfile="$(printf '%q' "$redis_pidfile")"

export TRACEHUB_TEST_DIR="$TEST_DIR"
export TRACEHUB_TEST_PG_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
export TRACEHUB_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
export TRACEHUB_TEST_PG_STOP="$q_services pg-stop $q_pg_area"
export TRACEHUB_TEST_PG_KILL="$q_services pg-kill $q_pg_area"
export TRACEHUB_TEST_PG_START="$q_services pg-start $q_pg_area $pg_port"
export TRACEHUB_TEST_REDIS_STOP="$q_services redis-stop $q_redis_pidfile"
export TRACEHUB_TEST_REDIS_KILL="$q_services redis-kill $q_redis_pidfile"
export TRACEHUB_TEST_REDIS_START="$q_services redis-start $q_redis_conf $redis_port $q_redis_pidfile"

say "test PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port ($TEST_DIR)"

# Not exec: the EXIT trap must run after CMD to stop the servers.
set +e
"$@"
rc=$?
set -e
exit "$rc"
