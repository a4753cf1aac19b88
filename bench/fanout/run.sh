#!/usr/bin/env bash
# Usage: bench/fanout/run.sh [--rate EPS] [--clients N] [--phase-seconds S] [--rounds R]
#                            [--warmup-seconds S] [--json FILE]
#
# The real-time channel benchmark (BENCHMARKS.md, "Real-time channel: snapshot size and
# 200-client fan-out"): under scripts/test-env.sh (throwaway PostgreSQL and Redis) it starts the
# release backend and the producer simulator (the three default services at --rate logs/s each,
# no bursts), waits --warmup-seconds, then runs fanout.mjs, which measures the metrics:snapshot
# size and the backend's CPU with 0 and with N Socket.IO clients in alternating phases
# (0, N, 0, N, ... : --rounds pairs of --phase-seconds windows). Stops both programs by PID.
#
# Defaults: --rate 2000 --clients 200 --phase-seconds 20 --rounds 2 --warmup-seconds 10.
# Needs: build/release/apps/backend/tracehub-backend and
# build/release/apps/producer-simulator/tracehub-producer-sim (scripts/build.sh release), node.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

# Re-run under the throwaway servers.
if [[ -z "${TRACEHUB_TEST_PG_URL:-}" || -z "${TRACEHUB_TEST_REDIS_URL:-}" ]]; then
  exec "$repo/scripts/test-env.sh" "$here/run.sh" "$@"
fi

# shellcheck source=scripts/lib.sh
source "$repo/scripts/lib.sh"

rate=2000 clients=200 phase=20 rounds=2 warmup=10 json=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --phase-seconds) phase="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --warmup-seconds) warmup="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    *) die "unknown option $1 (see the header of bench/fanout/run.sh)" ;;
  esac
done

backend_bin="$repo/build/release/apps/backend/tracehub-backend"
sim_bin="$repo/build/release/apps/producer-simulator/tracehub-producer-sim"
[[ -x "$backend_bin" ]] || die "no $backend_bin (scripts/build.sh release)"
[[ -x "$sim_bin" ]] || die "no $sim_bin (ninja -C build/release tracehub-producer-sim)"
command -v node >/dev/null || die "node is not installed"
if [[ ! -d "$here/node_modules/socket.io-client" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi

logs="$(mktemp -d "${TMPDIR:-/tmp}/tracehub-fanout.XXXXXX")"
port="$(free_port)"
backend_pid="" sim_pid=""

# Stop what we started, by PID: the simulator first (it drains), then the backend.
stop_all() {
  if [[ -n "$sim_pid" ]]; then stop_pid "$sim_pid" tracehub-producer-sim TERM 20; fi
  if [[ -n "$backend_pid" ]]; then stop_pid "$backend_pid" tracehub-backend TERM 20; fi
  sim_pid="" backend_pid=""
}
trap stop_all EXIT

say "backend on 127.0.0.1:$port; logs in $logs"
"$backend_bin" --bind 127.0.0.1 --http-port "$port" --dashboard-port -1 \
  --database-url "$TRACEHUB_TEST_PG_URL" --redis-url "$TRACEHUB_TEST_REDIS_URL" \
  --log-level warn >"$logs/backend.log" 2>&1 &
backend_pid=$!
for ((i = 0; i < 300; i++)); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  pid_running "$backend_pid" || die "the backend exited; see $logs/backend.log"
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || die "no /health after 30 s"

say "simulator: 3 default services at $rate logs/s each, no bursts; warm-up ${warmup}s"
BACKEND_URL="http://127.0.0.1:$port" REDIS_URL="$TRACEHUB_TEST_REDIS_URL" \
  "$sim_bin" --rate "$rate" --no-burst --log-level warn >"$logs/sim.log" 2>&1 &
sim_pid=$!
sleep "$warmup"
pid_running "$sim_pid" || die "the simulator exited; see $logs/sim.log"

say "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
args=(--url "http://127.0.0.1:$port" --pid "$backend_pid" --sim-pid "$sim_pid"
  --clients "$clients" --phase-seconds "$phase" --rounds "$rounds")
[[ -n "$json" ]] && args+=(--json "$json")
set +e
node "$here/fanout.mjs" "${args[@]}"
rc=$?
set -e
say "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
stop_all
say "backend log: $(wc -l <"$logs/backend.log") lines, simulator log: $(wc -l <"$logs/sim.log") lines ($logs)"
exit "$rc"
