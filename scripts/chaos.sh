#!/usr/bin/env bash
# Usage: scripts/chaos.sh [--minutes M] [--seed S] [--overload] [--keep]   (./start.sh chaos)
#
# Breaks a throwaway TraceHub under load and then proves that nothing acknowledged was lost
# silently. The instance is started by `./start.sh up --no-build` with its own state directory
# (under $TMPDIR) and free ports, so a running `./start.sh up` instance is never touched. It runs
# as two backend processes (an API one from `up`, TRACEHUB_ROLE=api, and a worker one, --role
# worker, kept by this script), the three default simulators, four more simulated services at a
# higher rate (a second simulator process), and an ingest probe (one log every 0.5 s, each seq
# re-sent until it is acknowledged) that measures ingest outages.
#
# Chaos (default): every few seconds, a seeded choice (the same seed picks the same actions and
# durations; the timing around them is the machine's) of: kill -9 of the API backend, the worker
# process, Redis, PostgreSQL (its postmaster alone, or its whole process group) or a simulator,
# left down 0-5 s; PostgreSQL stopped for 10-30 s; or a fault control (crash_worker,
# drop_network, delay_ack, flush_queue). What died is brought back by one `./start.sh up`
# (and this script restarts the worker process and the second simulator).
#
# Overload (--overload): no kills; PostgreSQL is stopped for half of the run (at most 5 min)
# under full load with a small queue byte budget (TRACEHUB_QUEUE_MAX_BYTES, default 32 MiB), so
# ingest must answer 503 and the queue plateau at the budget, then everything must land.
#
# At the end the load stops, the queues drain, and every seq every producer was acknowledged
# (each seq up to the producer's counter that left its buffer: a producer trims its buffer only
# on an ACK covering the seq; the probe's seqs up to its last 200) must be in `logs` exactly once, or
# reported lost (`lost_seqs`) or dead-lettered (`dead_letters`). Exit 0 when so, 1 otherwise.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

minutes=3 seed="" overload=0 keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes)
      minutes="${2:-}"
      shift
      ;;
    --seed)
      seed="${2:-}"
      shift
      ;;
    --overload) overload=1 ;;
    --keep) keep=1 ;;
    *) die "chaos: unknown option $1 (usage: chaos [--minutes M] [--seed S] [--overload] [--keep])" ;;
  esac
  shift
done
[[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "chaos: --minutes needs a number, not '$minutes'"
[[ -z "$seed" ]] && seed=$((RANDOM * 32768 + RANDOM))
[[ "$seed" =~ ^[0-9]+$ ]] || die "chaos: --seed needs a non-negative integer, not '$seed'"
for tool in curl psql redis-cli jq pgrep; do
  command -v "$tool" >/dev/null || die "chaos: $tool is required"
done

build_dir="${TRACEHUB_BUILD_DIR:-$TRACEHUB_REPO/build/release}"
backend_bin="$build_dir/apps/backend/tracehub-backend"
sim_bin="$build_dir/apps/producer-simulator/tracehub-producer-sim"
[[ -x "$backend_bin" && -x "$sim_bin" ]] ||
  die "chaos: build first (scripts/build.sh release): $backend_bin and $sim_bin are needed"

# ---------------------------------------------------------------------------------------------
# The throwaway instance

tmp_parent="${TMPDIR:-/tmp}"
pg_can_enter "$tmp_parent" || tmp_parent=/tmp
state="$(mktemp -d "$tmp_parent/tracehub-chaos.XXXXXX")"
chmod 0755 "$state"
out="$state/chaos" # this script's own files
mkdir -p "$out"

export TRACEHUB_STATE_DIR="$state" TRACEHUB_BACKEND_BIN="$backend_bin" TRACEHUB_SIM_BIN="$sim_bin"
TRACEHUB_PG_PORT="$(free_port)"
TRACEHUB_REDIS_PORT="$(free_port)"
TRACEHUB_HTTP_PORT="$(free_port)"
TRACEHUB_DASHBOARD_PORT="$(free_port)"
worker_port="$(free_port)"
export TRACEHUB_PG_PORT TRACEHUB_REDIS_PORT TRACEHUB_HTTP_PORT TRACEHUB_DASHBOARD_PORT
export TRACEHUB_ROLE=api # the backend `up` starts; the worker process is started here
# Gaps no producer can fill (the probe keeps no buffer) are reported lost after 20 s, not 60.
export TRACEHUB_REPLAY_DEADLINE_MS=20000
if ((overload)); then
  export TRACEHUB_QUEUE_MAX_BYTES="${TRACEHUB_QUEUE_MAX_BYTES:-33554432}"
  export TRACEHUB_REDIS_MAXMEMORY="${TRACEHUB_REDIS_MAXMEMORY:-1gb}"
  extra_rate="${TRACEHUB_CHAOS_RATE:-400}"
else
  export TRACEHUB_REDIS_MAXMEMORY="${TRACEHUB_REDIS_MAXMEMORY:-1gb}"
  extra_rate="${TRACEHUB_CHAOS_RATE:-100}"
fi
extra_services=chaos-1,chaos-2,chaos-3,chaos-4
probe_service=chaos-probe

start_sh="$TRACEHUB_REPO/start.sh"
api_url="http://127.0.0.1:$TRACEHUB_HTTP_PORT"
worker_url="http://127.0.0.1:$worker_port"
db_url="postgresql://postgres@127.0.0.1:$TRACEHUB_PG_PORT/tracehub"
pg_area="$state/pg"
redis_pidfile="$state/run/redis.pid"
worker_pidfile="$out/worker.pid"
sim2_pidfile="$out/sim2.pid"

rcli() { redis-cli -h 127.0.0.1 -p "$TRACEHUB_REDIS_PORT" "$@"; }
sql() { psql "$db_url" -XtAq -v ON_ERROR_STOP=1 "$@"; }
now_ms() { printf '%s\n' "$((${EPOCHREALTIME/./} / 1000))"; }

background=() # pids of this script's loops (probe, sampler)
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$(pid_from_file "$sim2_pidfile")" "$(pid_from_file "$worker_pidfile")"; do
    [[ -n "$pid" ]] && stop_pid "$pid" tracehub- TERM 20
  done
  "$start_sh" down >/dev/null 2>&1 || true
  if ((keep || rc != 0)); then
    say "chaos: the instance's data and logs stay in $state (servers stopped)"
  else
    rm -rf "$state"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The worker process and the second simulator: `up` does not know them, this script keeps them.
worker_start() {
  [[ -n "$(daemon_alive "$worker_pidfile")" ]] && return 0
  DATABASE_URL="$db_url" REDIS_URL="redis://127.0.0.1:$TRACEHUB_REDIS_PORT" \
    TRACEHUB_ROLE=worker TRACEHUB_HTTP_PORT="$worker_port" TRACEHUB_DASHBOARD_PORT=-1 \
    TRACEHUB_CONSUMER=chaos-worker setsid nohup "$backend_bin" >>"$out/worker.log" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$worker_pidfile"
}
sim2_start() {
  [[ -n "$(daemon_alive "$sim2_pidfile")" ]] && return 0
  setsid nohup "$sim_bin" --services "$extra_services" --rate "$extra_rate" \
    --backend-url "$api_url" --redis-url "redis://127.0.0.1:$TRACEHUB_REDIS_PORT" \
    >>"$out/sim2.log" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$sim2_pidfile"
}
daemon_alive() {
  local pid
  pid="$(pid_from_file "$1")"
  if [[ -n "$pid" ]] && proc_alive "$pid" tracehub-; then printf '%s\n' "$pid"; fi
}

# restore: one `up` brings back what it knows (PostgreSQL, Redis, API backend, simulators); a
# failure is a finding (issue: one `up` must restore any combination) and counts as a violation.
up_failures=0
restore() {
  if ! "$start_sh" up --no-build >>"$out/up.log" 2>&1; then
    up_failures=$((up_failures + 1))
    say "chaos: ./start.sh up FAILED to restore the instance (see $out/up.log); trying again"
    "$start_sh" up --no-build >>"$out/up.log" 2>&1 || die "chaos: a second up failed too"
  fi
  worker_start
  sim2_start
}

# ---------------------------------------------------------------------------------------------
# Background loops: the ingest probe and the sampler

# probe_loop: a protocol-following producer without a buffer. Posts seq n until a 200, then n+1;
# writes the last acknowledged seq, and the longest time without any 200 (ms).
probe_loop() {
  local seq=1 outage_since="" longest=0 code t
  printf '0\n' >"$out/probe.acked"
  printf '0\n' >"$out/probe.outage_ms"
  while true; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$api_url/ingest" \
      -H 'content-type: application/json' \
      -d "{\"service\":\"$probe_service\",\"batch\":[{\"seq\":$seq,\"level\":\"info\",\"message\":\"probe $seq\"}]}" 2>/dev/null)" || true
    t="$(now_ms)"
    if [[ "$code" == 200 ]]; then
      printf '%s\n' "$seq" >"$out/probe.acked"
      seq=$((seq + 1))
      if [[ -n "$outage_since" ]]; then
        if ((t - outage_since > longest)); then
          longest=$((t - outage_since))
          printf '%s\n' "$longest" >"$out/probe.outage_ms"
        fi
        outage_since=""
      fi
    elif [[ -z "$outage_since" ]]; then
      outage_since="$t"
    fi
    sleep 0.5
  done
}

# sampler_loop: once a second, the peaks of Redis used_memory, of the backend processes' RSS and
# of the queues' size, and (overload) a time series in samples.tsv.
sampler_loop() {
  local mem rss pid kb peak_mem=0 peak_rss=0 qbytes peak_q=0 unavailable
  while true; do
    mem="$(rcli info memory 2>/dev/null | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')" || true
    if [[ -n "$mem" ]] && ((mem > peak_mem)); then
      peak_mem=$mem
      printf '%s\n' "$peak_mem" >"$out/peak_redis_bytes"
    fi
    rss=0 # the API and the worker process together
    for pid in "$(pid_from_file "$state/run/backend.pid")" "$(pid_from_file "$worker_pidfile")"; do
      [[ -n "$pid" ]] || continue
      kb="$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)" || true
      rss=$((rss + ${kb:-0} * 1024))
    done
    if ((rss > peak_rss)); then
      peak_rss=$rss
      printf '%s\n' "$peak_rss" >"$out/peak_rss_bytes"
    fi
    if ((overload)); then
      qbytes=$(($(rcli memory usage queue:logs 2>/dev/null || echo 0) + 0))
      qbytes=$((qbytes + $(rcli memory usage queue:retry 2>/dev/null || echo 0) + 0))
      if ((qbytes > peak_q)); then
        peak_q=$qbytes
        printf '%s\n' "$peak_q" >"$out/peak_queue_bytes"
      fi
      unavailable="$(curl -s --max-time 2 "$api_url/metrics/prometheus" 2>/dev/null |
        sed -n 's/^tracehub_ingest_unavailable_total \([0-9]*\).*/\1/p')" || true
      printf '%s\t%s\t%s\t%s\n' "$(now_ms)" "${mem:-}" "$qbytes" "${unavailable:-}" >>"$out/samples.tsv"
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Chaos actions. rnd N sets R to a seeded 0..N-1 without a subshell (a subshell's draws would
# not advance this shell's sequence).

RANDOM=$seed
rnd() { R=$((RANDOM % $1)); }

declare -A kills=()
count() { kills[$1]=$((${kills[$1]:-0} + 1)); }

control() { # control URL JSON
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$1/metrics/control" \
    -H 'content-type: application/json' -d "$2" || true
}

kill_pidfile() { # kill_pidfile FILE NAME
  local pid
  pid="$(pid_from_file "$1")"
  if [[ -n "$pid" ]] && proc_alive "$pid" "$2"; then kill -KILL "$pid"; fi
}

# act FORMAT ARG...: appends to `action`, the round line's description.
# shellcheck disable=SC2059 # FORMAT is always one of this file's literals
act() {
  local piece
  printf -v piece "$@"
  action+="$piece"
}

# one_action: does the round's action, in this shell (its draws advance the seeded sequence),
# describes it in `action` and sets `broken` when it killed or stopped something.
one_action() {
  local down pid code
  rnd 100
  if ((R < 12)); then
    kill_pidfile "$state/run/backend.pid" tracehub-backend
    count backend
    broken=1
    rnd 6
    down=$R
    sleep "$down"
    act 'kill -9 backend (api), down %ss' "$down"
  elif ((R < 24)); then
    kill_pidfile "$worker_pidfile" tracehub-backend
    count worker
    broken=1
    rnd 6
    down=$R
    sleep "$down"
    act 'kill -9 worker process, down %ss' "$down"
  elif ((R < 34)); then
    kill_pidfile "$redis_pidfile" redis-server
    count redis
    broken=1
    rnd 6
    down=$R
    sleep "$down"
    act 'kill -9 redis, down %ss' "$down"
  elif ((R < 46)); then
    pid="$(pg_pid "$pg_area")"
    rnd 2
    if ((R == 0)); then
      kill -KILL "$pid" 2>/dev/null || true
      act 'kill -9 postgres postmaster'
    else
      kill -KILL -- "-$pid" 2>/dev/null || true
      act 'kill -9 postgres (all processes)'
    fi
    count postgres
    broken=1
    rnd 6
    down=$R
    sleep "$down"
    act ', down %ss' "$down"
  elif ((R < 56)); then
    rnd 2
    if ((R == 0)); then
      kill_pidfile "$state/run/producer-sim.pid" tracehub-producer-sim
      act 'kill -9 simulator (3 default services)'
    else
      kill_pidfile "$sim2_pidfile" tracehub-producer-sim
      act 'kill -9 simulator (%s)' "$extra_services"
    fi
    count simulator
    broken=1
    rnd 6
    down=$R
    sleep "$down"
    act ', down %ss' "$down"
  elif ((R < 64)); then
    rnd 21
    down=$((10 + R))
    pg_stop "$pg_area" >/dev/null 2>&1 || true
    count postgres_stop
    broken=1
    sleep "$down"
    act 'stop postgres for %ss' "$down"
  elif ((R < 73)); then
    rnd 5
    code="$(control "$worker_url" "{\"action\":\"crash_worker\",\"durationMs\":$((1000 + R * 1000))}")"
    count crash_worker
    act 'crash_worker %ss (HTTP %s)' "$((1 + R))" "$code"
  elif ((R < 82)); then
    rnd 8
    code="$(control "$api_url" "{\"action\":\"drop_network\",\"durationMs\":$((3000 + R * 1000)),\"share\":0.3}")"
    count drop_network
    act 'drop_network 30%% for %ss (HTTP %s)' "$((3 + R))" "$code"
  elif ((R < 91)); then
    code="$(control "$api_url" '{"action":"delay_ack","durationMs":6000,"delayMs":3000}')"
    count delay_ack
    act 'delay_ack 3s for 6s (HTTP %s)' "$code"
  else
    code="$(control "$api_url" '{"action":"flush_queue"}')"
    count flush_queue
    act 'flush_queue (HTTP %s)' "$code"
  fi
}

mib() { printf '%s MiB' "$((($(cat "$1" 2>/dev/null || echo 0) + 524288) / 1048576))"; }

round_line() { # round_line N ACTION RESTORE_SECONDS
  local qlen qretry
  qlen="$(rcli xlen queue:logs 2>/dev/null || echo '?')"
  qretry="$(rcli xlen queue:retry 2>/dev/null || echo '?')"
  printf 'round %3d  +%4ds  %-52s  up %2ss  queue %s+%s  acked(probe) %s\n' "$1" \
    $((SECONDS - run_start)) "$2" "$3" "$qlen" "$qretry" "$(cat "$out/probe.acked" 2>/dev/null)"
}

# ---------------------------------------------------------------------------------------------
# The run

say "chaos: seed $seed, ${minutes} min$( ((overload)) && printf ' (overload)'), instance in $state"
say "chaos: to repeat this run's choices: ./start.sh chaos --minutes $minutes --seed $seed$( ((overload)) && printf ' --overload')"
"$start_sh" up --no-build >>"$out/up.log" 2>&1 || { tail -n 30 "$out/up.log" >&2; die "chaos: the first up failed"; }
worker_start
sim2_start
probe_loop &
background+=($!)
sampler_loop &
background+=($!)

run_start=$SECONDS
run_secs="$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')"
rounds=0
if ((overload)); then
  # A fifth of the run at full load, PostgreSQL stopped for half of it (at most 5 min), then
  # the rest to catch up.
  outage=$((run_secs / 2))
  ((outage > 300)) && outage=300
  sleep $((run_secs / 5))
  pg_stop "$pg_area"
  count postgres_stop
  stop_at=$SECONDS
  while ((SECONDS - stop_at < outage)); do
    sleep 15
    rounds=$((rounds + 1))
    round_line "$rounds" "postgres stopped $((SECONDS - stop_at))s of ${outage}s; redis $(mib "$out/peak_redis_bytes") peak" 0
  done
  t=$SECONDS
  restore
  rounds=$((rounds + 1))
  round_line "$rounds" "postgres back after $((t - stop_at))s" $((SECONDS - t))
  while ((SECONDS - run_start < run_secs)); do
    sleep 15
    rounds=$((rounds + 1))
    round_line "$rounds" "catching up" 0
  done
else
  while ((SECONDS - run_start < run_secs)); do
    rnd 6
    sleep $((2 + R))
    rounds=$((rounds + 1))
    action="" broken=0
    one_action
    t=$SECONDS
    # After a kill or a stop; a fault control ends by itself (its timer, or the supervisor).
    if ((broken)); then restore; fi
    round_line "$rounds" "$action" $((SECONDS - t))
  done
fi

# ---------------------------------------------------------------------------------------------
# The end: stop the load, drain, check every acknowledged seq

say "chaos: $rounds rounds done; stopping the load and draining"
for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
wait "${background[@]}" 2>/dev/null || true
background=()
restore # whatever the last round left down
for f in "$state/run/producer-sim.pid" "$sim2_pidfile"; do
  pid="$(pid_from_file "$f")"
  # SIGTERM: a simulator sends what its buffer holds (up to 10 s) and exits.
  if [[ -n "$pid" ]]; then stop_pid "$pid" tracehub-producer-sim TERM 60; fi
done

# Drained: both queues empty, nothing pending for a worker, no replay request pending.
drain_start=$SECONDS
drain_limit=$((TRACEHUB_REPLAY_DEADLINE_MS / 1000 + 300))
while true; do
  qlen="$(rcli xlen queue:logs 2>/dev/null || echo x)"
  qretry="$(rcli xlen queue:retry 2>/dev/null || echo x)"
  pending="$(sql -c "SELECT count(*) FROM replay_requests WHERE status = 'pending'" 2>/dev/null || echo x)"
  [[ "$qlen" == 0 && "$qretry" == 0 && "$pending" == 0 ]] && break
  if ((SECONDS - drain_start > drain_limit)); then
    say "chaos: not drained after ${drain_limit}s (queue:logs $qlen, queue:retry $qretry, pending replays $pending)"
    break
  fi
  sleep 1
done
drain_secs=$((SECONDS - drain_start))

# What each producer was acknowledged: the simulators' seqs 1..counter minus what their buffers
# still hold (the simulator prints both: it owns those keys); the probe's 1..its last 200.
"$sim_bin" --print-state --services "payment-service,auth-service,order-service${extra_services:+,$extra_services}" \
  --redis-url "redis://127.0.0.1:$TRACEHUB_REDIS_PORT" --log-level error >"$out/producer-state.tsv"
{
  awk -F'\t' '$1 == "producer" { printf "%s\t%s\n", $2, $3 }' "$out/producer-state.tsv"
  printf '%s\t%s\n' "$probe_service" "$(cat "$out/probe.acked")"
} >"$out/producers.tsv"
awk -F'\t' '$1 == "buffered" { printf "%s\t%s\n", $2, $3 }' "$out/producer-state.tsv" >"$out/buffered.tsv"

sql >"$out/verdict.tsv" <<SQL
CREATE TEMP TABLE producers (service text PRIMARY KEY, counter bigint NOT NULL);
CREATE TEMP TABLE buffered (service text, seq bigint, PRIMARY KEY (service, seq));
\\copy producers FROM '$out/producers.tsv'
\\copy buffered FROM '$out/buffered.tsv'
CREATE TEMP TABLE acked AS
  SELECT p.service, g.seq FROM producers p, generate_series(1, p.counter) AS g(seq)
  WHERE NOT EXISTS (SELECT 1 FROM buffered b WHERE b.service = p.service AND b.seq = g.seq);
CREATE TEMP TABLE stored AS
  SELECT service, seq, count(*) AS n FROM logs GROUP BY service, seq;
CREATE TEMP TABLE lost AS
  SELECT DISTINCT service, g.seq FROM lost_seqs, generate_series(from_seq, to_seq) AS g(seq);
CREATE TEMP TABLE dead AS SELECT DISTINCT service, seq FROM dead_letters;
-- One line per producer: acked, stored once, lost, dead-lettered, neither (violations),
-- duplicate rows, stored and reported lost (contradictions), stored yet never produced.
SELECT a.service, count(*),
       count(*) FILTER (WHERE s.n IS NOT NULL),
       count(*) FILTER (WHERE s.n IS NULL AND l.seq IS NOT NULL),
       count(*) FILTER (WHERE s.n IS NULL AND l.seq IS NULL AND d.seq IS NOT NULL),
       count(*) FILTER (WHERE s.n IS NULL AND l.seq IS NULL AND d.seq IS NULL),
       coalesce(sum(s.n - 1) FILTER (WHERE s.n > 1), 0),
       count(*) FILTER (WHERE s.n IS NOT NULL AND l.seq IS NOT NULL),
       (SELECT count(*) FROM stored x JOIN producers p USING (service)
         WHERE x.service = a.service AND x.seq > p.counter AND p.service <> '$probe_service')
FROM acked a
LEFT JOIN stored s USING (service, seq)
LEFT JOIN lost l USING (service, seq)
LEFT JOIN dead d USING (service, seq)
GROUP BY a.service ORDER BY a.service;
-- The first violations, as ranges, for the report.
SELECT 'missing', a.service, min(a.seq), max(a.seq) FROM (
  SELECT a.service, a.seq, a.seq - row_number() OVER (PARTITION BY a.service ORDER BY a.seq) AS grp
  FROM acked a
  LEFT JOIN stored s USING (service, seq) LEFT JOIN lost l USING (service, seq)
  LEFT JOIN dead d USING (service, seq)
  WHERE s.n IS NULL AND l.seq IS NULL AND d.seq IS NULL) a
GROUP BY a.service, a.grp ORDER BY 2, 3 LIMIT 20;
SQL

printf '\n%-16s %9s %9s %7s %5s %8s %5s %12s %9s\n' service acked stored lost dead MISSING dups stored+lost phantom
tot_acked=0 tot_stored=0 tot_lost=0 tot_dead=0 tot_missing=0 tot_dups=0 tot_both=0 tot_phantom=0
while IFS='|' read -r svc acked stored lost dead missing dups both phantom; do
  [[ "$svc" == missing ]] && continue
  printf '%-16s %9s %9s %7s %5s %8s %5s %12s %9s\n' "$svc" "$acked" "$stored" "$lost" "$dead" "$missing" "$dups" "$both" "$phantom"
  tot_acked=$((tot_acked + acked)) tot_stored=$((tot_stored + stored)) tot_lost=$((tot_lost + lost))
  tot_dead=$((tot_dead + dead)) tot_missing=$((tot_missing + missing)) tot_dups=$((tot_dups + dups))
  tot_both=$((tot_both + both)) tot_phantom=$((tot_phantom + phantom))
done <"$out/verdict.tsv"
grep '^missing|' "$out/verdict.tsv" | sed 's/^missing|\(.*\)|\(.*\)|\(.*\)$/  MISSING: \1 seqs \2..\3 (acknowledged, not stored, not reported)/' || true

kill_summary=""
for k in backend worker redis postgres postgres_stop simulator crash_worker drop_network delay_ack flush_queue; do
  kill_summary+=" $k=${kills[$k]:-0}"
done
printf '\nchaos summary (seed %s, %s min%s): rounds %d;%s\n' "$seed" "$minutes" \
  "$( ((overload)) && printf ', overload')" "$rounds" "$kill_summary"
printf '  logs ACKed %d, stored %d, lost %d, dead-lettered %d, MISSING %d, duplicates %d, stored-and-lost %d, phantom %d\n' \
  "$tot_acked" "$tot_stored" "$tot_lost" "$tot_dead" "$tot_missing" "$tot_dups" "$tot_both" "$tot_phantom"
printf '  longest ingest outage %s ms (probe); drained in %ss; peak Redis memory %s; peak backend RSS %s (api + worker)' \
  "$(cat "$out/probe.outage_ms")" "$drain_secs" "$(mib "$out/peak_redis_bytes")" "$(mib "$out/peak_rss_bytes")"
((overload)) && printf '; peak queue %s (budget %s MiB)' "$(mib "$out/peak_queue_bytes")" "$((TRACEHUB_QUEUE_MAX_BYTES / 1048576))"
printf '\n  one up failed to restore %d times\n' "$up_failures"

if ((tot_missing > 0 || tot_dups > 0 || tot_both > 0 || tot_phantom > 0 || up_failures > 0)); then
  printf 'chaos: FAILED (seed %s)\n' "$seed"
  keep=1
  exit 1
fi
printf 'chaos: OK\n'
