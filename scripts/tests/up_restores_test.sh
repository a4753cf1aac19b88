#!/usr/bin/env bash
# One `./start.sh up` restores whatever died (README, "Commands").
#
# Regression: after `kill -9` of PostgreSQL's postmaster under load, one `up` failed (`psql:
# connection refused`: the old postmaster.pid and its dying children were still there) and
# ingest sat at queue_full until a second `up`. Here a throwaway instance (its own state dir and
# ports, the simulators producing) loses every combination of backend, simulators, Redis and
# PostgreSQL to SIGKILL — PostgreSQL by its postmaster alone, the case above, and once by its
# whole process group — and each time one `up --no-build` must exit 0 with every component up,
# /health ok, and a freshly posted log stored in PostgreSQL.
#
# Usage: up_restores_test.sh BACKEND_BIN SIM_BIN   (ctest passes the build's binaries)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

[[ $# -eq 2 ]] || die "usage: up_restores_test.sh BACKEND_BIN SIM_BIN"
for tool in curl psql redis-cli pgrep; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

tmp_parent="${TMPDIR:-/tmp}"
pg_can_enter "$tmp_parent" || tmp_parent=/tmp
state="$(mktemp -d "$tmp_parent/tracehub-up-test.XXXXXX")"
chmod 0755 "$state"

export TRACEHUB_STATE_DIR="$state" TRACEHUB_BACKEND_BIN="$1" TRACEHUB_SIM_BIN="$2"
export TRACEHUB_REDIS_MAXMEMORY=256mb
TRACEHUB_PG_PORT="$(free_port)"
TRACEHUB_REDIS_PORT="$(free_port)"
TRACEHUB_HTTP_PORT="$(free_port)"
TRACEHUB_DASHBOARD_PORT="$(free_port)"
export TRACEHUB_PG_PORT TRACEHUB_REDIS_PORT TRACEHUB_HTTP_PORT TRACEHUB_DASHBOARD_PORT

start_sh="$TRACEHUB_REPO/start.sh"
backend_url="http://127.0.0.1:$TRACEHUB_HTTP_PORT"
db_url="postgresql://postgres@127.0.0.1:$TRACEHUB_PG_PORT/tracehub"

# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$start_sh" down >/dev/null 2>&1 || true
  if ((rc != 0)); then
    say "failed; the last lines of the instance's logs:"
    tail -n 20 "$state"/logs/*.log "$state"/pg/postgres.log >&2 2>/dev/null || true
  fi
  rm -rf "$state"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

pid_of() {
  case "$1" in
    backend) pid_from_file "$state/run/backend.pid" ;;
    sim) pid_from_file "$state/run/producer-sim.pid" ;;
    redis) pid_from_file "$state/run/redis.pid" ;;
    postgres) pg_pid "$state/pg" ;;
  esac
}

# kill_hard COMPONENT MODE: SIGKILL, then wait until that process is dead (a zombie is dead).
# PostgreSQL: MODE postmaster kills only the postmaster and leaves its children dying (one of
# them for 3 s), group kills all of it.
kill_hard() {
  local pid i child
  pid="$(pid_of "$1")"
  if [[ -z "$pid" ]] || ! pid_running "$pid"; then fail "$1 is not running before the kill"; fi
  if [[ "$1" == postgres && "$2" == group ]]; then
    kill -KILL -- "-$pid"
  elif [[ "$1" == postgres ]]; then
    # A child that is slow to notice its postmaster's death (as under load): stopped for 3 s.
    child="$(pgrep -P "$pid" | head -n 1)"
    [[ -n "$child" ]] || fail "the postmaster $pid has no child process"
    kill -STOP "$child"
    kill -KILL "$pid"
    (sleep 3 && kill -CONT "$child" 2>/dev/null) &
  else
    kill -KILL "$pid"
  fi
  for ((i = 0; i < 100; i++)); do
    pid_running "$pid" || return 0
    sleep 0.1
  done
  fail "$1 (pid $pid) still runs 10 s after SIGKILL"
}

next_seq=0
# check_restored LABEL: every component up, /health ok, and a new log reaches PostgreSQL.
check_restored() {
  local label="$1" code deadline stored
  "$start_sh" status >/dev/null || fail "$label: status reports a component down after one up"
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$backend_url/health")"
  [[ "$code" == 200 ]] || fail "$label: /health answered $code after up"
  next_seq=$((next_seq + 1))
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$backend_url/ingest" \
    -H 'content-type: application/json' \
    -d "{\"service\":\"up-test\",\"batch\":[{\"seq\":$next_seq,\"level\":\"info\",\"message\":\"$label\"}]}")"
  [[ "$code" == 200 ]] || fail "$label: POST /ingest answered $code after up"
  deadline=$((SECONDS + 60))
  while true; do
    stored="$(psql "$db_url" -XtAq -c "SELECT count(*) FROM logs WHERE service = 'up-test' AND seq = $next_seq" 2>/dev/null || true)"
    [[ "$stored" == 1 ]] && return 0
    ((SECONDS < deadline)) || fail "$label: the log posted after up was not stored within 60 s"
    sleep 0.2
  done
}

components=(backend sim redis postgres)
say "first up of a throwaway instance in $state"
"$start_sh" up --no-build >/dev/null
check_restored "first up"

cases=0
for ((mask = 1; mask < 16; mask++)); do
  killed=()
  for ((i = 0; i < 4; i++)); do
    if (((mask >> i) & 1)); then killed+=("${components[i]}"); fi
  done
  modes=(postmaster)
  ((mask == 15)) && modes=(postmaster group)
  for mode in "${modes[@]}"; do
    label="kill -9 ${killed[*]}"
    [[ " ${killed[*]} " == *" postgres "* ]] && label+=" ($mode)"
    sleep 1 # let the simulators produce between kills
    for c in "${killed[@]}"; do kill_hard "$c" "$mode"; done
    started=$SECONDS
    "$start_sh" up --no-build >"$state/up.out" 2>&1 ||
      { cat "$state/up.out" >&2; fail "$label: one up did not restore it"; }
    check_restored "$label"
    printf 'ok: %-45s restored by one up in %ds\n' "$label" $((SECONDS - started))
    cases=$((cases + 1))
  done
done
printf 'PASS: %d kill combinations, each restored by one up\n' "$cases"
