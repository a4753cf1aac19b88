#!/usr/bin/env bash
# TraceHub's one entry point: ./start.sh help
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/scripts/lib.sh"
cd "$TRACEHUB_REPO"

usage() {
  cat <<'EOF'
Usage: ./start.sh <command> [options]

  up [--api N] [--workers M] [--no-sim] [--no-build]
              install missing packages (scripts/deps.sh compile, then up), compiling the
              backend and the simulator (no tests) meanwhile, start PostgreSQL and Redis,
              then the backend (and the producer simulators unless --no-sim), wait for
              /health, build the dashboard bundle (served as soon as it exists) and print
              the URLs. One progress line per phase (packages, database, build, services,
              dashboard); the details go to .tracehub/logs/up.log.
              Safe to repeat, and the repair after a crash: starts whatever is down (killed
              or not), waits for a PostgreSQL in crash recovery or a Redis loading its AOF.
              --no-build skips the package check and the build.
              --api N --workers M: N API processes (ports TRACEHUB_HTTP_PORT, +1, ...; each
              with its dashboard port TRACEHUB_DASHBOARD_PORT, -1, ...) and M worker processes
              (ports after the API ones) instead of the one process with every role; `up`
              remembers the layout (--api 0 --workers 0 goes back to one process).
  down        stop everything `up` started (the data stays in .tracehub/)
  status      each component, and each backend process, up/down with pid and port (exit 3
              when something is down)
  logs [backend|api-N|worker-N|postgres|redis|sim] [-f]
              the last lines of a component's log (default backend); -f follows it
  env         KEY=value lines for this instance: DATABASE_URL, REDIS_URL, BACKEND_URL (the
              first API process), BACKEND_URLS (every API process, comma-separated),
              DASHBOARD_URL; load them with: set -a; eval "$(./start.sh env)"; set +a
  dev [--no-sim]
              `up`, then the dashboard from Vite's dev server with hot reload on
              http://127.0.0.1:5173, proxying the API and Socket.IO to the backend
              (Ctrl-C stops Vite; `down` the rest)
  test [--quick]
              build release and asan and run the whole test suite against throwaway
              PostgreSQL and Redis servers, run every fuzz harness for 60 s, then run
              docker-compose.yml with podman-compose (scripts/compose-smoke.sh)
              (--quick: release only, no fuzzing, no compose)
  fuzz [SECONDS]
              build the libFuzzer harnesses (clang, build/fuzz) and run each for SECONDS
              [300]; fails on any crash, leak or sanitizer report (scripts/fuzz.sh)
  chaos [--minutes M] [--seed S] [--overload] [--keep]
              kill -9 components and inject faults at seeded random moments under load, on a
              throwaway instance (own state dir and ports), then check that every acknowledged
              seq is stored once or reported lost / dead-lettered (exit 1 if not); see README
  bench [ARG...]
              run the benchmark (build/release/bench/tracehub-bench) against throwaway servers
  help        this text

Environment (defaults in brackets; `up` remembers what it used):
  TRACEHUB_PG_PORT [55432]  TRACEHUB_REDIS_PORT [56379]  TRACEHUB_HTTP_PORT [3001]
  TRACEHUB_DASHBOARD_PORT [3000]  TRACEHUB_BIND [127.0.0.1] (backend only; the databases
  always listen on 127.0.0.1; beyond loopback it needs TRACEHUB_ADMIN_TOKEN, see README
  "Security" for that and the other access settings, which the backend reads from here)
  TRACEHUB_STATE_DIR [.tracehub] (data, logs, pid files)
EOF
}

# ---------------------------------------------------------------------------------------------
# Where things live

# TRACEHUB_STATE_DIR moves all of it elsewhere (tests and `chaos` run throwaway instances so).
STATE_DIR="${TRACEHUB_STATE_DIR:-$TRACEHUB_REPO/.tracehub}"
RUN_DIR="$STATE_DIR/run"
LOG_DIR="$STATE_DIR/logs"
REDIS_DIR="$STATE_DIR/redis"
PG_LINK="$STATE_DIR/pg" # the PostgreSQL area, or a symlink to it (see pg_area_create)

REDIS_CONF="$REDIS_DIR/redis.conf"
REDIS_PIDFILE="$RUN_DIR/redis.pid"
# TRACEHUB_BACKEND_BIN and TRACEHUB_SIM_BIN run other builds (the tests pass theirs).
BACKEND_BIN="${TRACEHUB_BACKEND_BIN:-$TRACEHUB_REPO/build/release/apps/backend/tracehub-backend}"
BACKEND_PIDFILE="$RUN_DIR/backend.pid"
BACKEND_LOG="$LOG_DIR/backend.log"
SIM_BIN="${TRACEHUB_SIM_BIN:-$TRACEHUB_REPO/build/release/apps/producer-simulator/tracehub-producer-sim}"
SIM_PIDFILE="$RUN_DIR/producer-sim.pid"
SIM_LOG="$LOG_DIR/producer-sim.log"

# ---------------------------------------------------------------------------------------------
# Configuration: environment, else what the last `up` used (run/config.env), else defaults

CONFIG_FILE="$RUN_DIR/config.env"
CONFIG_VARS=(TRACEHUB_PG_PORT TRACEHUB_REDIS_PORT TRACEHUB_HTTP_PORT TRACEHUB_DASHBOARD_PORT TRACEHUB_BIND
  TRACEHUB_API_PROCESSES TRACEHUB_WORKER_PROCESSES)

load_config() {
  local key value
  if [[ -f "$CONFIG_FILE" ]]; then
    while IFS='=' read -r key value; do
      case " ${CONFIG_VARS[*]} " in
        *" $key "*) [[ -n "${!key:-}" ]] || printf -v "$key" '%s' "$value" ;;
      esac
    done <"$CONFIG_FILE"
  fi
  : "${TRACEHUB_PG_PORT:=55432}" "${TRACEHUB_REDIS_PORT:=56379}"
  : "${TRACEHUB_HTTP_PORT:=3001}" "${TRACEHUB_DASHBOARD_PORT:=3000}" "${TRACEHUB_BIND:=127.0.0.1}"
  : "${TRACEHUB_API_PROCESSES:=0}" "${TRACEHUB_WORKER_PROCESSES:=0}"
  for key in TRACEHUB_PG_PORT TRACEHUB_REDIS_PORT TRACEHUB_HTTP_PORT TRACEHUB_DASHBOARD_PORT \
    TRACEHUB_API_PROCESSES TRACEHUB_WORKER_PROCESSES; do
    [[ "${!key}" =~ ^[0-9]+$ ]] || die "$key must be a port number, not '${!key}'"
  done
  # Clients reach a backend bound to every address through loopback.
  case "$TRACEHUB_BIND" in
    0.0.0.0 | '::' | '[::]') CLIENT_HOST=127.0.0.1 ;;
    *) CLIENT_HOST="$TRACEHUB_BIND" ;;
  esac
  DATABASE_URL="postgresql://postgres@127.0.0.1:$TRACEHUB_PG_PORT/tracehub"
  REDIS_URL="redis://127.0.0.1:$TRACEHUB_REDIS_PORT"
  BACKEND_URL="http://$CLIENT_HOST:$TRACEHUB_HTTP_PORT"
  DASHBOARD_URL="http://$CLIENT_HOST:$TRACEHUB_DASHBOARD_PORT"
  backend_units
  BACKEND_URLS=""
  local u name role port
  for u in "${UNITS[@]}"; do
    read -r name role port _ <<<"$u"
    [[ "$role" == worker ]] && continue
    BACKEND_URLS="${BACKEND_URLS:+$BACKEND_URLS,}http://$CLIENT_HOST:$port"
  done
}

# UNITS: the backend processes of the layout, one "name role port dashboard-port" each. The
# default is one process with every role (pid file backend.pid); --api N --workers M give N
# API processes (api-1.. on TRACEHUB_HTTP_PORT, +1, ..., dashboards on TRACEHUB_DASHBOARD_PORT,
# -1, ...: the two ranges grow apart) and M worker processes (worker-1..,
# on the ports after them, no dashboard). Each worker process has its own consumer names.
backend_units() {
  local i n="$TRACEHUB_API_PROCESSES" m="$TRACEHUB_WORKER_PROCESSES"
  UNITS=()
  if ((n == 0 && m == 0)); then
    UNITS=("backend all $TRACEHUB_HTTP_PORT $TRACEHUB_DASHBOARD_PORT")
    return
  fi
  ((n >= 1)) || die "--workers without --api: at least one API process is needed (--api 1)"
  for ((i = 1; i <= n; i++)); do
    UNITS+=("api-$i api $((TRACEHUB_HTTP_PORT + i - 1)) $((TRACEHUB_DASHBOARD_PORT - i + 1))")
  done
  for ((i = 1; i <= m; i++)); do
    UNITS+=("worker-$i worker $((TRACEHUB_HTTP_PORT + n + i - 1)) -1")
  done
}

unit_pidfile() { printf '%s/%s.pid
' "$RUN_DIR" "$1"; }
unit_log() {
  if [[ "$1" == backend ]]; then printf '%s
' "$BACKEND_LOG"; else printf '%s/backend-%s.log
' "$LOG_DIR" "$1"; fi
}

save_config() {
  local key
  for key in "${CONFIG_VARS[@]}"; do printf '%s=%s\n' "$key" "${!key}"; done >"$CONFIG_FILE"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL area

# pg_area: the resolved PostgreSQL area, or nothing before the first `up`.
pg_area() {
  if [[ -e "$PG_LINK" ]]; then readlink -f "$PG_LINK"; fi
}

# pg_area_create: make the area on first use. The server runs as `postgres`, which must be able
# to traverse every parent directory. When the checkout lives where it cannot (e.g. under
# /root), the area goes to /var/lib/tracehub/<hash of the checkout path>/pg instead, and
# .tracehub/pg points there.
pg_area_create() {
  local real
  [[ -e "$PG_LINK" ]] && return 0
  if pg_can_enter "$STATE_DIR"; then
    mkdir -p "$PG_LINK"
  else
    local key="$TRACEHUB_REPO" # the default state dir keeps the place it always had
    [[ "$STATE_DIR" == "$TRACEHUB_REPO/.tracehub" ]] || key="$STATE_DIR"
    real="/var/lib/tracehub/$(printf '%s' "$key" | sha256sum | cut -c1-12)/pg"
    say "the postgres user cannot enter $STATE_DIR; keeping PostgreSQL data in $real"
    mkdir -p "$real"
    chmod 0755 /var/lib/tracehub "$(dirname "$real")"
    ln -sfn "$real" "$PG_LINK"
  fi
}

# ---------------------------------------------------------------------------------------------
# Background programs (backend, simulators)

# daemon_pid PIDFILE NAME: the PID if that program runs, else nothing.
daemon_pid() {
  local pid
  pid="$(pid_from_file "$1")"
  if [[ -n "$pid" ]] && proc_alive "$pid" "$2"; then printf '%s\n' "$pid"; fi
}

# daemon_start BIN PIDFILE LOGFILE [VAR=value...]: start BIN detached from this terminal
# (setsid: a Ctrl-C here does not reach it; nohup: neither does a closing terminal).
daemon_start() {
  local bin="$1" pidfile="$2" logfile="$3"
  shift 3
  printf '\n==== %s: starting %s\n' "$(date -Is)" "$(basename "$bin")" >>"$logfile"
  env "$@" setsid nohup "$bin" >>"$logfile" 2>&1 </dev/null &
  # setsid execs in place (a background job is no process-group leader), so $! is BIN's pid.
  printf '%s\n' "$!" >"$pidfile"
}

# daemon_stop PIDFILE NAME: SIGTERM, up to 20 s to finish in-flight work, then SIGKILL.
daemon_stop() {
  local pid
  pid="$(daemon_pid "$1" "$2")"
  if [[ -z "$pid" ]]; then
    rm -f "$1"
    return 1
  fi
  stop_pid "$pid" "$2" TERM 20
  rm -f "$1"
}

# backend_env NAME ROLE PORT DASHBOARD_PORT: the environment of one backend process.
backend_env() {
  printf '%s\n' "DATABASE_URL=$DATABASE_URL" "REDIS_URL=$REDIS_URL" \
    "TRACEHUB_HTTP_PORT=$3" "TRACEHUB_DASHBOARD_PORT=$4" "TRACEHUB_BIND=$TRACEHUB_BIND" \
    "TRACEHUB_ROLE=$2"
  # Worker processes on one host need consumer names of their own.
  if [[ "$2" == worker ]]; then printf '%s\n' "TRACEHUB_CONSUMER=$(hostname)-$1"; fi
}

# wait_for_health PID URL LOG SECONDS: poll URL/health until it answers 2xx; fail early if PID
# dies.
wait_for_health() {
  local pid="$1" url="$2" log="$3" secs="$4" deadline
  deadline=$((SECONDS + secs))
  until curl -fsS -o /dev/null --max-time 2 "$url/health" 2>/dev/null; do
    if ! pid_running "$pid"; then
      tail -n 30 "$log" >&2 || true
      die "the backend exited during start-up (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$log" >&2 || true
      die "$url/health did not answer ok within ${secs}s (log: $log)"
    fi
    sleep 0.5
  done
}

# Stops the backend processes that are not part of the layout (it changed since the last up).
stop_other_units() {
  local f name keep u
  for f in "$RUN_DIR"/backend.pid "$RUN_DIR"/api-*.pid "$RUN_DIR"/worker-*.pid; do
    [[ -e "$f" ]] || continue
    name="$(basename "$f" .pid)"
    keep=0
    for u in "${UNITS[@]}"; do [[ "${u%% *}" == "$name" ]] && keep=1; done
    if ((keep == 0)) && daemon_stop "$f" tracehub-backend; then say "backend $name stopped (not in the layout)"; fi
    ((keep == 1)) || rm -f "$f"
  done
}

# ---------------------------------------------------------------------------------------------
# Subcommands

# phase TEXT: one progress line of `up`, with the seconds since it began.
phase() {
  printf 'tracehub: [%3ds] %s\n' $((SECONDS - UP_START)) "$*" >&2
}

# up_quiet / up_loud: between them, what the steps say goes to .tracehub/logs/up.log and only
# the waits reach the terminal (a PostgreSQL in crash recovery, a Redis loading its AOF); if `up`
# fails meanwhile, the end of that log is shown.
up_quiet() {
  exec 3>&2 2> >(tee -a "$UP_LOG" | grep --line-buffered -E 'waiting (up to|for it)' >&3)
  UP_FILTER=$!
  trap up_failed EXIT
}
up_loud() {
  exec 2>&3 3>&-
  wait "$UP_FILTER" 2>/dev/null || true
  trap up_stop_build EXIT
}
# shellcheck disable=SC2317 # invoked by the trap
up_failed() {
  local rc=$?
  up_loud
  if [[ $rc -ne 0 ]]; then
    printf 'tracehub: up failed; the end of %s:\n' "${UP_LOG#"$TRACEHUB_REPO/"}" >&2
    tail -n 25 "$UP_LOG" >&2
  fi
  up_stop_build
  exit "$rc"
}
# up_stop_build: when `up` ends before its build did (it failed), stop the build's process group.
# shellcheck disable=SC2317 # invoked by the trap
up_stop_build() {
  if [[ -n "${UP_BUILD_PID:-}" ]] && pid_running "$UP_BUILD_PID"; then
    kill -- "-$UP_BUILD_PID" 2>/dev/null || true
  fi
}

# up_build_start: the two binaries (scripts/build.sh release --binaries) in the background, in a
# process group of their own, so that `up` installs the rest of the packages and starts the
# databases while they compile; up_build_wait shows its progress ("build x/y", rewritten in place
# on a terminal) and its end.
up_build_start() {
  UP_BUILD_PROGRESS="$LOG_DIR/build.log"
  : >"$UP_BUILD_PROGRESS"
  TRACEHUB_BUILD_PROGRESS="$UP_BUILD_PROGRESS" setsid scripts/build.sh release --binaries >>"$UP_LOG" 2>&1 &
  UP_BUILD_PID=$!
  trap up_stop_build EXIT
}
up_build_wait() {
  local progress="$UP_BUILD_PROGRESS" rc=0 last="" now
  while pid_running "$UP_BUILD_PID"; do
    now="$(grep -o '^\[[0-9]*/[0-9]*\]' "$progress" 2>/dev/null | tail -n 1 | tr -d '[]')" || true
    if [[ -t 2 && -n "$now" && "$now" != "$last" ]]; then
      printf '\rtracehub: [%3ds] build %s' $((SECONDS - UP_START)) "$now" >&2
      last="$now"
    fi
    sleep 0.5
  done
  wait "$UP_BUILD_PID" || rc=$?
  UP_BUILD_PID=""
  [[ -z "$last" ]] || printf '\r' >&2
  if [[ $rc -ne 0 ]]; then
    tail -n 40 "$UP_LOG" >&2
    die "the build failed (log: ${UP_LOG#"$TRACEHUB_REPO/"})"
  fi
  if grep -q '^ninja: no work to do' "$progress"; then
    now="up to date"
  else
    now="$(grep -o '^\[[0-9]*/[0-9]*\]' "$progress" | tail -n 1 | tr -d '[]')" || true
  fi
  phase "build ${now:-done}: backend, simulator"
}

# up_dashboard: the dashboard bundle (scripts/build.sh release --dashboard), while the services
# already run.
up_dashboard() {
  local what="up to date"
  up_step "building the dashboard failed; the services are running" scripts/build.sh release --dashboard
  if grep -q 'building the dashboard' <<<"$UP_STEP_OUT"; then what="built"; fi
  phase "dashboard bundle $what"
}

# up_packages GROUP WHAT: scripts/deps.sh GROUP, with one "packages" line.
up_packages() {
  local installed
  up_step "installing packages failed" scripts/deps.sh "$1"
  installed="$(grep -o 'installing: .*' <<<"$UP_STEP_OUT" | head -n 1)" || true
  phase "packages${2:+ $2}${installed:+ }${installed:-: all present}"
}

# up_step FAILURE CMD...: CMD with its output appended to up.log as it comes; what the log gained
# meanwhile is then in UP_STEP_OUT (a build running beside it writes there too: match the step's
# own messages). If CMD fails, the end of the log is shown and `up` stops with FAILURE.
up_step() {
  local failure="$1" mark
  shift
  mark="$(wc -l <"$UP_LOG")"
  "$@" >>"$UP_LOG" 2>&1 || {
    tail -n 30 "$UP_LOG" >&2
    die "$failure (log: ${UP_LOG#"$TRACEHUB_REPO/"})"
  }
  UP_STEP_OUT="$(tail -n "+$((mark + 1))" "$UP_LOG")"
}

cmd_up() {
  local sim=1 build=1 pid area u name role port dport pidfile log
  UP_START=$SECONDS
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --no-sim) sim=0 ;;
      --no-build) build=0 ;;
      --api)
        [[ "${2:-}" =~ ^[0-9]+$ ]] || die "up: --api needs a number"
        export TRACEHUB_API_PROCESSES="$2"
        shift
        ;;
      --workers)
        [[ "${2:-}" =~ ^[0-9]+$ ]] || die "up: --workers needs a number"
        export TRACEHUB_WORKER_PROCESSES="$2"
        shift
        ;;
      *) die "up: unknown option $1 (see ./start.sh help)" ;;
    esac
    shift
  done
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$REDIS_DIR"
  chmod 0755 "$STATE_DIR"
  UP_LOG="$LOG_DIR/up.log"
  printf '\n==== %s: up %s\n' "$(date -Is)" "$*" >>"$UP_LOG"

  load_config
  # The backend refuses this too; saying it here spares installing, building and starting the
  # databases first.
  case "$TRACEHUB_BIND" in
    127.* | ::1) ;;
    *) [[ -n "${TRACEHUB_ADMIN_TOKEN:-}" ]] ||
      die "TRACEHUB_BIND=$TRACEHUB_BIND serves beyond this host: set TRACEHUB_ADMIN_TOKEN first, e.g. export TRACEHUB_ADMIN_TOKEN=\$(openssl rand -hex 32) (README \"Security\")" ;;
  esac
  save_config

  # The compiler and the libraries first; the two binaries compile while the rest (the servers,
  # the scripts' tools, Node and npm for the dashboard) installs and the databases start. The
  # dashboard bundle comes last: the first logs do not wait for it, and the backend serves it
  # once it exists (docs/PROTOCOL.md, "Dashboard").
  if [[ $build -eq 1 ]]; then
    up_packages compile "for the build"
    up_build_start
    up_packages up ""
  fi

  up_quiet
  pg_area_create
  area="$(pg_area)"
  pg_prepare_area "$area"
  pg_init "$area"
  pg_start "$area" "$TRACEHUB_PG_PORT"
  pg_ensure_db "$TRACEHUB_PG_PORT" tracehub

  redis_write_conf "$REDIS_CONF" "$REDIS_DIR" "$TRACEHUB_REDIS_PORT" "$REDIS_PIDFILE" "$LOG_DIR/redis.log"
  redis_start "$REDIS_CONF" "$TRACEHUB_REDIS_PORT" "$REDIS_PIDFILE"
  up_loud
  phase "database: PostgreSQL on 127.0.0.1:$TRACEHUB_PG_PORT, Redis on 127.0.0.1:$TRACEHUB_REDIS_PORT"
  [[ $build -eq 0 ]] || up_build_wait

  up_quiet
  # ---- Backend processes: one with every role, or the --api/--workers layout ----------------
  stop_other_units
  local started=()
  for u in "${UNITS[@]}"; do
    read -r name role port dport <<<"$u"
    pidfile="$(unit_pidfile "$name")"
    log="$(unit_log "$name")"
    pid="$(daemon_pid "$pidfile" tracehub-backend)"
    if [[ -n "$pid" ]]; then
      say "backend $name already running (pid $pid, port $port)"
    else
      [[ -x "$BACKEND_BIN" ]] ||
        die "backend binary missing: build/release/apps/backend/tracehub-backend (PostgreSQL and Redis are up; build with scripts/build.sh release --apps)"
      mapfile -t env_lines < <(backend_env "$name" "$role" "$port" "$dport")
      daemon_start "$BACKEND_BIN" "$pidfile" "$log" "${env_lines[@]}"
      pid="$(pid_from_file "$pidfile")"
      say "backend $name ($role) started (pid $pid), waiting for http://$CLIENT_HOST:$port/health"
    fi
    started+=("$pid http://$CLIENT_HOST:$port $log")
  done
  for u in "${started[@]}"; do
    read -r pid port log <<<"$u"
    wait_for_health "$pid" "$port" "$log" 90
  done

  # ---- Producer simulators (apps/producer-simulator) -------------------------------------------
  # Started only once its binary is built, and not with --no-sim.
  local sims="no simulators"
  if [[ $sim -eq 1 && -x "$SIM_BIN" ]]; then
    pid="$(daemon_pid "$SIM_PIDFILE" tracehub-producer-sim)"
    if [[ -n "$pid" ]]; then
      say "producer simulators already running (pid $pid)"
    else
      daemon_start "$SIM_BIN" "$SIM_PIDFILE" "$SIM_LOG" \
        "BACKEND_URL=$BACKEND_URL" "REDIS_URL=$REDIS_URL" "DATABASE_URL=$DATABASE_URL"
      say "producer simulators started (pid $(pid_from_file "$SIM_PIDFILE"))"
    fi
    sims="producer simulators"
  fi
  # ---------------------------------------------------------------------------------------------
  up_loud
  phase "services: backend healthy, $sims running"
  [[ $build -eq 0 ]] || up_dashboard

  local dashboard_note=""
  [[ -f "$TRACEHUB_REPO/apps/dashboard/dist/index.html" ]] || dashboard_note="  (not built: run scripts/build.sh release --apps)"
  cat <<EOF

TraceHub is up.
  backend    $BACKEND_URLS
  dashboard  $DASHBOARD_URL$dashboard_note
  health     $BACKEND_URL/health
Connection settings for your shell:  set -a; eval "\$(./start.sh env)"; set +a
EOF
}

cmd_dev() {
  # The Vite page calls the admin routes from its own origin; the backend must allow it (it
  # takes this when it starts: a backend already running keeps what it had).
  export TRACEHUB_ALLOWED_ORIGINS="${TRACEHUB_ALLOWED_ORIGINS:+$TRACEHUB_ALLOWED_ORIGINS,}http://localhost:5173,http://127.0.0.1:5173"
  cmd_up "$@"
  say "dashboard with hot reload on http://127.0.0.1:5173 (Vite, proxying to $BACKEND_URL); Ctrl-C stops it, ./start.sh down the rest"
  BACKEND_URL="$BACKEND_URL" exec npm run --prefix apps/dashboard dev -- --host 127.0.0.1 --port 5173 --strictPort
}

cmd_down() {
  local area
  load_config
  if daemon_stop "$SIM_PIDFILE" tracehub-producer-sim; then say "producer simulators stopped"; fi
  local f any=0
  for f in "$RUN_DIR"/backend.pid "$RUN_DIR"/api-*.pid "$RUN_DIR"/worker-*.pid; do
    [[ -e "$f" ]] || continue
    if daemon_stop "$f" tracehub-backend; then
      say "backend $(basename "$f" .pid) stopped"
      any=1
    fi
  done
  ((any == 1)) || say "backend was not running"
  if [[ -n "$(daemon_pid "$REDIS_PIDFILE" redis-server)" ]]; then
    redis_stop "$REDIS_PIDFILE"
    say "redis stopped"
  else
    say "redis was not running"
  fi
  area="$(pg_area)"
  if [[ -n "$area" ]] && pg_running "$area"; then
    pg_stop "$area"
    say "postgres stopped"
  else
    say "postgres was not running"
  fi
}

cmd_status() {
  local area pid health all_up=1
  load_config
  row() { printf '%-10s %-5s %-12s %s\n' "$@"; }

  area="$(pg_area)"
  if [[ -n "$area" ]] && pg_running "$area"; then
    row postgres up "pid $(pg_pid "$area")" "127.0.0.1:$TRACEHUB_PG_PORT"
  else
    row postgres down - "127.0.0.1:$TRACEHUB_PG_PORT"
    all_up=0
  fi

  pid="$(daemon_pid "$REDIS_PIDFILE" redis-server)"
  if [[ -n "$pid" ]]; then
    row redis up "pid $pid" "127.0.0.1:$TRACEHUB_REDIS_PORT"
  else
    row redis down - "127.0.0.1:$TRACEHUB_REDIS_PORT"
    all_up=0
  fi

  local u name role port dport url label
  for u in "${UNITS[@]}"; do
    read -r name role port dport <<<"$u"
    url="http://$CLIENT_HOST:$port"
    label="$name"
    pid="$(daemon_pid "$(unit_pidfile "$name")" tracehub-backend)"
    if [[ -n "$pid" ]]; then
      health="$(curl -sS --max-time 2 "$url/health" 2>/dev/null || echo 'no answer')"
      if [[ "$dport" == -1 ]]; then
        row "$label" up "pid $pid" "$url (role $role)  health: $health"
      else
        row "$label" up "pid $pid" "$url (role $role, dashboard http://$CLIENT_HOST:$dport)  health: $health"
      fi
    else
      row "$label" down - "$url (role $role)"
      all_up=0
    fi
  done

  pid="$(daemon_pid "$SIM_PIDFILE" tracehub-producer-sim)"
  if [[ -n "$pid" ]]; then row simulator up "pid $pid" "-"; else row simulator down - "-"; fi

  [[ $all_up -eq 1 ]] || return 3
}

cmd_logs() {
  local component=backend follow=() file area
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -f | --follow) follow=(-F) ;;
      backend | postgres | redis | sim | api-[0-9]* | worker-[0-9]*) component="$1" ;;
      *) die "logs: unknown component or option $1 (backend, api-N, worker-N, postgres, redis, sim; -f)" ;;
    esac
    shift
  done
  case "$component" in
    backend) file="$BACKEND_LOG" ;;
    api-* | worker-*) file="$(unit_log "$component")" ;;
    redis) file="$LOG_DIR/redis.log" ;;
    sim) file="$SIM_LOG" ;;
    postgres)
      area="$(pg_area)"
      file="${area:-$PG_LINK}/postgres.log"
      ;;
  esac
  [[ -f "$file" ]] || die "no $component log yet ($file)"
  tail -n 100 "${follow[@]}" "$file"
}

cmd_env() {
  load_config
  printf '%s\n' "DATABASE_URL=$DATABASE_URL" "REDIS_URL=$REDIS_URL" \
    "BACKEND_URL=$BACKEND_URL" "BACKEND_URLS=$BACKEND_URLS" "DASHBOARD_URL=$DASHBOARD_URL"
}

cmd_test() {
  local flavours=(release asan) results=() failed=0 flavour fuzz=1 compose=1
  case "${1:-}" in
    --quick) flavours=(release) fuzz=0 compose=0 ;;
    '') ;;
    *) die "test: unknown option $1 (see ./start.sh help)" ;;
  esac
  scripts/deps.sh test

  # Sanitizer reports carry stack traces; ASan and UBSan findings fail the test.
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_stack_use_after_return=1}"

  for flavour in "${flavours[@]}"; do
    if ! scripts/build.sh "$flavour"; then
      results+=("$flavour: build FAILED")
      failed=1
      continue
    fi
    # One test at a time: the integration tests share one PostgreSQL and one Redis and stop
    # and start them. A build that registers no tests is an error, not a pass.
    if scripts/test-env.sh ctest --test-dir "build/$flavour" --output-on-failure -j1 \
      --timeout 600 --no-tests=error; then
      results+=("$flavour: passed")
    else
      results+=("$flavour: tests FAILED")
      failed=1
    fi
  done

  # About a minute per harness, two at a time on two cores (scripts/fuzz.sh).
  if [[ $fuzz -eq 1 ]]; then
    if scripts/fuzz.sh 60; then
      results+=("fuzz: passed")
    else
      results+=("fuzz: FAILED")
      failed=1
    fi
  fi

  # docker-compose.yml for real, with podman-compose (scripts/compose-smoke.sh). A machine
  # without the tools fails it: scripts/deps.sh test installs them.
  if [[ $compose -eq 1 ]]; then
    local smoke_start=$SECONDS
    if scripts/compose-smoke.sh; then
      results+=("compose: passed in $((SECONDS - smoke_start))s")
    else
      results+=("compose: FAILED")
      failed=1
    fi
  fi

  local summary
  summary="$(printf '%s; ' "${results[@]}")"
  if [[ $failed -eq 0 ]]; then
    printf 'test summary: OK (%s)\n' "${summary%; }"
  else
    printf 'test summary: FAILED (%s)\n' "${summary%; }"
  fi
  return "$failed"
}

cmd_chaos() {
  # TRACEHUB_BUILD_DIR runs another build's binaries (e.g. a copy, so a rebuild meanwhile
  # cannot pull them from under the run).
  local build_dir="${TRACEHUB_BUILD_DIR:-$TRACEHUB_REPO/build/release}"
  if [[ ! -x "$build_dir/apps/backend/tracehub-backend" ||
    ! -x "$build_dir/apps/producer-simulator/tracehub-producer-sim" ]]; then
    [[ -z "${TRACEHUB_BUILD_DIR:-}" ]] || die "chaos: no binaries in TRACEHUB_BUILD_DIR=$build_dir"
    scripts/build.sh release --apps
  fi
  TRACEHUB_BUILD_DIR="$build_dir" scripts/chaos.sh "$@"
}

cmd_fuzz() {
  [[ $# -le 1 && "${1:-300}" =~ ^[1-9][0-9]*$ ]] || die "usage: ./start.sh fuzz [SECONDS] (a positive number)"
  scripts/deps.sh test
  scripts/fuzz.sh "${1:-300}"
}

cmd_bench() {
  local bin=build/release/bench/tracehub-bench
  scripts/build.sh release
  [[ -x "$bin" ]] || die "$bin is not built yet (the benchmark comes with its own change)"
  scripts/test-env.sh "$bin" "$@"
}

# ---------------------------------------------------------------------------------------------

command="${1:-help}"
[[ $# -gt 0 ]] && shift
case "$command" in
  up) cmd_up "$@" ;;
  dev) cmd_dev "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  logs) cmd_logs "$@" ;;
  env) cmd_env "$@" ;;
  test) cmd_test "$@" ;;
  chaos) cmd_chaos "$@" ;;
  bench) cmd_bench "$@" ;;
  fuzz) cmd_fuzz "$@" ;;
  help | -h | --help) usage ;;
  *)
    printf 'unknown command: %s\n\n' "$command" >&2
    usage >&2
    exit 2
    ;;
esac
