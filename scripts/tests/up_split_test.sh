#!/usr/bin/env bash
# `./start.sh up --api N --workers M` (README, "Several processes"): on a throwaway instance,
# two API processes and two worker processes come up on consecutive ports; `env` lists both API
# processes in BACKEND_URLS; `status` lists each process with its pid and port; a log posted to
# API process 2 is stored by the workers; after `kill -9` of one API and one worker process,
# one `up` restarts those two only (the others keep their pids); `down` stops all four; `up
# --api 0 --workers 0` goes back to the one process with every role.
#
# Usage: up_split_test.sh BACKEND_BIN   (ctest passes the build's binary)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

[[ $# -eq 1 ]] || die "usage: up_split_test.sh BACKEND_BIN"
tmp_parent="${TMPDIR:-/tmp}"
pg_can_enter "$tmp_parent" || tmp_parent=/tmp
state="$(mktemp -d "$tmp_parent/tracehub-split-test.XXXXXX")"
chmod 0755 "$state"

export TRACEHUB_STATE_DIR="$state" TRACEHUB_BACKEND_BIN="$1"
TRACEHUB_PG_PORT="$(free_port)"
TRACEHUB_REDIS_PORT="$(free_port)"
# Two API and two worker processes take HTTP_PORT..HTTP_PORT+3; the API processes' dashboards
# DASHBOARD_PORT and the one below it.
TRACEHUB_HTTP_PORT="$(free_port_run 4)"
TRACEHUB_DASHBOARD_PORT="$(($(free_port_run 2) + 1))"
export TRACEHUB_PG_PORT TRACEHUB_REDIS_PORT TRACEHUB_HTTP_PORT TRACEHUB_DASHBOARD_PORT
start_sh="$TRACEHUB_REPO/start.sh"
p=$TRACEHUB_HTTP_PORT

# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$start_sh" down >/dev/null 2>&1 || true
  if ((rc != 0)); then tail -n 20 "$state"/logs/*.log >&2 2>/dev/null || true; fi
  rm -rf "$state"
  exit "$rc"
}
trap cleanup EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
pid_of() { "$start_sh" status | awk -v n="$1" '$1 == n && $2 == "up" { print $4 }'; }

"$start_sh" up --api 2 --workers 2 --no-sim --no-build >/dev/null || fail "up --api 2 --workers 2"
status="$("$start_sh" status)" || fail "status reports something down: $status"
for n in api-1 api-2 worker-1 worker-2; do
  [[ -n "$(pid_of "$n")" ]] || fail "$n not listed up: $status"
done
grep -q "^api-2 .*127.0.0.1:$((p + 1)) (role api" <<<"$status" || fail "api-2 not on $((p + 1)): $status"
grep -q "^worker-2 .*127.0.0.1:$((p + 3)) (role worker" <<<"$status" || fail "worker-2 port: $status"
"$start_sh" env | grep -qx "BACKEND_URLS=http://127.0.0.1:$p,http://127.0.0.1:$((p + 1))" ||
  fail "env: $("$start_sh" env)"

code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$((p + 1))/ingest" \
  -H 'content-type: application/json' \
  -d '{"service":"split-test","batch":[{"seq":1,"level":"info","message":"hi"}]}')"
[[ "$code" == 200 ]] || fail "ingest on api-2 answered $code"
db_url="postgresql://postgres@127.0.0.1:$TRACEHUB_PG_PORT/tracehub"
for _ in $(seq 100); do
  n="$(psql -At "$db_url" -c "select count(*) from logs where service = 'split-test'")"
  [[ "$n" == 1 ]] && break
  sleep 0.1
done
[[ "$n" == 1 ]] || fail "the log posted to api-2 was not stored ($n rows)"

api1="$(pid_of api-1)" worker1="$(pid_of worker-1)"
kill -9 "$(pid_of api-2)" "$(pid_of worker-2)"
for _ in $(seq 50); do
  [[ -z "$(pid_of api-2)$(pid_of worker-2)" ]] && break
  sleep 0.1
done
"$start_sh" up --no-build --no-sim >/dev/null || fail "the repairing up"
"$start_sh" status >/dev/null || fail "something down after the repairing up"
[[ "$(pid_of api-1)" == "$api1" && "$(pid_of worker-1)" == "$worker1" ]] ||
  fail "up restarted a process that was running"

"$start_sh" down >/dev/null
for n in api-1 api-2 worker-1 worker-2; do [[ -z "$(pid_of "$n")" ]] || fail "$n survived down"; done

"$start_sh" up --api 0 --workers 0 --no-sim --no-build >/dev/null || fail "up back to one process"
[[ -n "$(pid_of backend)" ]] || fail "the all-roles process is not up"
"$start_sh" status | grep -q "^api-1" && fail "api-1 still listed after --api 0"
echo "up_split_test: ok"
