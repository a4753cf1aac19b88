# shellcheck shell=bash
# Helpers shared by start.sh and scripts/*.sh: logging, processes, ports, and the PostgreSQL and
# Redis life cycle. Sourced, never executed. Every function either succeeds or calls die.
#
# A PostgreSQL "area" is one directory holding everything of one cluster:
#   AREA/data/          the data directory (PGDATA), owned by the postgres user when we are root
#   AREA/sock/          its unix socket (clients here use TCP on 127.0.0.1; the socket is for admins)
#   AREA/postgres.log   the server log
# PostgreSQL refuses to run as root, so as root every server-side command runs as `postgres`.

# The repository root (this file is in scripts/).
# shellcheck disable=SC2034 # used by the scripts that source this file
TRACEHUB_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'tracehub: %s\n' "$*" >&2; }
die() { printf 'tracehub: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Processes and ports

# pid_running PID: PID exists and is not a zombie (an exited child nobody has reaped yet still
# answers kill -0; in containers whose init is slow to reap, that can take seconds).
pid_running() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }" # the fields after "(comm) "; the first is the state
  [[ -n "$stat" && "${stat:0:1}" != Z ]]
}

# proc_alive PID NAME: PID is running and its command line mentions NAME (guards against a stale
# pidfile whose PID now belongs to an unrelated process).
proc_alive() {
  local pid="$1" name="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$name"
}

# pid_from_file FILE: the first line of FILE if it is a number, else nothing.
pid_from_file() {
  local pid=""
  if [[ -r "$1" ]]; then read -r pid <"$1" || true; fi
  if [[ "$pid" =~ ^[0-9]+$ ]]; then printf '%s\n' "$pid"; fi
}

# stop_pid PID NAME SIGNAL SECONDS: send SIGNAL, wait up to SECONDS for the process to exit, then
# SIGKILL it. Quiet if the process is already gone.
stop_pid() {
  local pid="$1" name="$2" sig="$3" secs="$4" i
  proc_alive "$pid" "$name" || return 0
  kill -s "$sig" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 10; i++)); do
    pid_running "$pid" || return 0
    sleep 0.1
  done
  say "$name (pid $pid) did not exit within ${secs}s of SIG$sig; sending SIGKILL"
  kill -s KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_running "$pid" || return 0
    sleep 0.1
  done
}

# port_in_use PORT: something listens on 127.0.0.1:PORT (or on all addresses).
port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# free_port: print a loopback TCP port nobody listens on. The kernel picks one (bind to port 0)
# when python3 is there; otherwise try random ports. Someone could take it before we bind it;
# for throwaway test servers that race is acceptable.
free_port() {
  local port i
  if command -v python3 >/dev/null 2>&1 &&
    port="$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null)" && [[ "$port" =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$port"
    return 0
  fi
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 30000))
    if ! port_in_use "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "could not find a free TCP port on 127.0.0.1"
}

# The first of `n` consecutive free TCP ports on 127.0.0.1, below the kernel's ephemeral range
# (ip_local_port_range, 32768 and up by default), where other processes' outgoing connections
# could take the neighbours of a port the kernel handed out.
free_port_run() {
  local n="$1" port i k ok low
  low="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true)"
  [[ "$low" =~ ^[0-9]+$ && "$low" -gt $((10000 + 1000 + n)) ]] || low=32768
  for ((i = 0; i < 200; i++)); do
    port=$((10000 + RANDOM % (low - 10000 - n)))
    ok=1
    for ((k = 0; k < n; k++)); do
      if port_in_use "$((port + k))"; then
        ok=0
        break
      fi
    done
    if ((ok)); then
      printf '%s\n' "$port"
      return 0
    fi
  done
  die "could not find $n consecutive free TCP ports on 127.0.0.1"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# pg_bindir: the server binaries of the newest installed PostgreSQL (15 or later), from the
# Debian layout /usr/lib/postgresql/<major>/bin. TRACEHUB_PG_BINDIR overrides.
pg_bindir() {
  if [[ -n "${TRACEHUB_PG_BINDIR:-}" ]]; then
    printf '%s\n' "$TRACEHUB_PG_BINDIR"
    return 0
  fi
  local dir best="" major
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/pg_ctl" ]] || continue
    major="$(basename "$(dirname "$dir")")"
    [[ "$major" =~ ^[0-9]+$ && "$major" -ge 15 ]] || continue
    if [[ -z "$best" || "$major" -gt "$(basename "$(dirname "$best")")" ]]; then best="$dir"; fi
  done
  [[ -n "$best" ]] || die "no PostgreSQL >= 15 server found under /usr/lib/postgresql (run scripts/deps.sh)"
  printf '%s\n' "$best"
}

# as_pg CMD...: run CMD as the postgres user when we are root, as ourselves otherwise.
as_pg() {
  if [[ "$(id -u)" -eq 0 ]]; then
    # From /, since the postgres user may not be allowed into the current directory.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# pg_can_enter DIR: the user that runs the server can traverse DIR and all its parents.
pg_can_enter() {
  as_pg test -x "$1"
}

# pg_prepare_area AREA: create AREA (if needed) and give it to the server's user.
pg_prepare_area() {
  local area="$1"
  mkdir -p "$area"
  chmod 0755 "$area"
  if [[ "$(id -u)" -eq 0 ]]; then chown postgres:postgres "$area"; fi
  pg_can_enter "$area" || die "the postgres user cannot enter $area (check the permissions of its parent directories)"
}

# pg_init AREA: initdb AREA/data on first use (trust auth: loopback only, development data).
# Our settings live in AREA/data/tracehub.conf, included from postgresql.conf and rewritten at
# every start, so a changed port takes effect without editing the generated file.
pg_init() {
  local area="$1" bin
  [[ -f "$area/data/PG_VERSION" ]] && return 0
  bin="$(pg_bindir)"
  say "initialising PostgreSQL cluster in $area/data"
  as_pg "$bin/initdb" -D "$area/data" -U postgres --auth-local=trust --auth-host=trust \
    -E UTF8 --no-locale >"$area/initdb.log" 2>&1 ||
    { cat "$area/initdb.log" >&2; die "initdb failed"; }
  printf "\n# TraceHub: listen address, port and socket are set here\ninclude_if_exists = 'tracehub.conf'\n" |
    as_pg tee -a "$area/data/postgresql.conf" >/dev/null
}

# pg_running AREA: the cluster in AREA/data is up (per its postmaster.pid). A postmaster killed
# moments ago can linger as a zombie that pg_ctl still takes for a server; it is not one.
pg_running() {
  local pid
  pid="$(pg_pid "$1")"
  if [[ -z "$pid" ]] || ! pid_running "$pid"; then return 1; fi
  as_pg "$(pg_bindir)/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# pg_pid AREA: the postmaster's PID (first line of postmaster.pid), or nothing.
pg_pid() {
  pid_from_file "$1/data/postmaster.pid"
}

# pg_leftovers PID: the server processes of the postmaster PID's process group that still run
# (the postmaster is a session leader; its children outlive it for a moment).
pg_leftovers() {
  local p
  for p in $(pgrep -g "$1" 2>/dev/null); do
    if pid_running "$p"; then printf '%s\n' "$p"; fi
  done
}

# pg_clear_crash AREA: after a postmaster died without a shutdown (kill -9), wait until the
# children it left are gone (they notice its death and exit; after 30 s they are killed):
# PostgreSQL refuses to start while one of them holds the old shared memory. A postmaster.pid
# naming a zombie (dead, not reaped yet) is removed, since PostgreSQL takes it for a live server.
pg_clear_crash() {
  local area="$1" pid left deadline
  pid="$(pg_pid "$area")"
  [[ -n "$pid" ]] || return 0
  pid_running "$pid" && return 0
  left="$(pg_leftovers "$pid" | wc -l)"
  if ((left > 0)); then
    say "PostgreSQL's postmaster (pid $pid) is dead; waiting up to 30 s for its $left remaining processes to exit"
    deadline=$((SECONDS + 30))
    while [[ -n "$(pg_leftovers "$pid")" ]] && ((SECONDS < deadline)); do sleep 0.1; done
    if [[ -n "$(pg_leftovers "$pid")" ]]; then
      say "processes of the dead postmaster $pid still run after 30 s; killing them"
      kill -KILL -- "-$pid" 2>/dev/null || true
      deadline=$((SECONDS + 30))
      while [[ -n "$(pg_leftovers "$pid")" ]]; do
        ((SECONDS < deadline)) || die "PostgreSQL processes of group $pid survive SIGKILL"
        sleep 0.1
      done
    fi
  fi
  if [[ -e "/proc/$pid" ]]; then as_pg rm -f "$area/data/postmaster.pid"; fi
  # The dead postmaster's socket lock file names it too; PostgreSQL refuses to start while that
  # pid looks alive (a zombie not reaped yet), so it goes with the postmaster.pid.
  rm -f "$area"/sock/.s.PGSQL.*.lock
  say "PostgreSQL was not shut down cleanly: it replays its write-ahead log (crash recovery) as it starts"
}

# pg_wait_ready PORT SECONDS: poll until PostgreSQL accepts connections on 127.0.0.1:PORT, and say
# what it waits for (a server in crash recovery rejects connections until recovery ends).
pg_wait_ready() {
  local port="$1" secs="$2" bin deadline rc said=0
  bin="$(pg_bindir)"
  deadline=$((SECONDS + secs))
  while true; do
    rc=0
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -t 2 || rc=$?
    ((rc == 0)) && return 0
    ((SECONDS < deadline)) ||
      die "PostgreSQL on 127.0.0.1:$port did not accept connections within ${secs}s (pg_isready status $rc)"
    if ((rc == 1 && said != 1)); then
      say "waiting up to ${secs}s for PostgreSQL on 127.0.0.1:$port: it rejects connections (starting up, or in crash recovery)"
      said=1
    elif ((rc != 1 && said == 0)); then
      say "waiting up to ${secs}s for PostgreSQL to answer on 127.0.0.1:$port"
      said=2
    fi
    sleep 0.2
  done
}

# pg_start AREA PORT: start the cluster on 127.0.0.1:PORT unless it runs, then wait (up to 120 s)
# until it accepts connections. A cluster whose postmaster was killed is cleared first
# (pg_clear_crash) and recovers as it starts; one still recovering is waited for.
pg_start() {
  local area="$1" port="$2" bin sockdir
  bin="$(pg_bindir)"
  if pg_running "$area"; then
    pg_wait_ready "$port" 120
    return 0
  fi
  pg_clear_crash "$area"
  port_in_use "$port" && die "port $port is already in use; pick another PostgreSQL port"
  # A unix socket path is limited to 107 bytes; a deep checkout only gets TCP.
  sockdir="$area/sock"
  if ((${#sockdir} + 16 > 100)); then sockdir=""; else as_pg mkdir -p "$sockdir"; fi
  as_pg tee "$area/data/tracehub.conf" >/dev/null <<EOF
# Written by TraceHub's scripts at every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '${sockdir//\'/\'\'}'
max_connections = 200
EOF
  # A child of a killed postmaster that has not yet noticed its death (stopped, or slow under
  # load; not always in the postmaster's process group) keeps the old shared memory attached,
  # and PostgreSQL refuses to start until it exits: retry for up to 60 s, saying so.
  local started=0 deadline=$((SECONDS + 60)) marker
  while ((started == 0)); do
    marker="$(wc -l 2>/dev/null <"$area/postgres.log" || echo 0)"
    if as_pg "$bin/pg_ctl" -D "$area/data" -l "$area/postgres.log" -w -t 120 start >/dev/null; then
      started=1
    elif tail -n "+$((marker + 1))" "$area/postgres.log" 2>/dev/null | grep -q 'pre-existing shared memory block' &&
      ((SECONDS < deadline)); then
      say "a process of the killed PostgreSQL still holds its shared memory; waiting for it to exit"
      sleep 1
    else
      tail -n 30 "$area/postgres.log" >&2 || true
      die "PostgreSQL did not start (log: $area/postgres.log)"
    fi
  done
  # pg_ctl -w waits for "ready" in postmaster.pid; also check that TCP answers.
  pg_wait_ready "$port" 30
}

# pg_stop AREA: fast shutdown (disconnect clients, checkpoint, exit) and wait until it is down.
pg_stop() {
  local area="$1"
  pg_running "$area" || return 0
  as_pg "$(pg_bindir)/pg_ctl" -D "$area/data" -m fast -w -t 120 stop >/dev/null
}

# pg_kill AREA: kill -9 of the whole cluster (the postmaster is a session leader: its process
# group holds every server process), then wait until none is left, so a start finds no shared
# memory in use and goes through crash recovery.
pg_kill() {
  local area="$1" pid i
  pid="$(pg_pid "$area")"
  [[ -n "$pid" ]] || return 0
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    pgrep -g "$pid" >/dev/null 2>&1 || return 0
    sleep 0.1
  done
  die "PostgreSQL processes of group $pid still run 30 s after SIGKILL"
}

# pg_ensure_db PORT NAME: create database NAME on the cluster at 127.0.0.1:PORT unless it exists.
pg_ensure_db() {
  local port="$1" name="$2" bin exists
  bin="$(pg_bindir)"
  exists="$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -XtAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$name'")"
  if [[ "$exists" != 1 ]]; then
    say "creating database $name"
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name"
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis

# redis_write_conf CONF DIR PORT PIDFILE LOGFILE: a config for a loopback Redis keeping its data
# in DIR. Durability comes from the append-only file (fsync every second); RDB snapshots are off.
# Memory is capped (TRACEHUB_REDIS_MAXMEMORY, default 2gb: twice the backend's default queue byte
# budget) and nothing is ever evicted: ACK state and queued logs must not vanish, so a full Redis
# refuses writes (the backend answers 503) instead.
redis_write_conf() {
  local conf="$1" dir="$2" port="$3" pidfile="$4" logfile="$5"
  local maxmemory="${TRACEHUB_REDIS_MAXMEMORY:-2gb}"
  mkdir -p "$dir"
  cat >"$conf" <<EOF
# Written by TraceHub's scripts; edits are overwritten.
bind 127.0.0.1
port $port
daemonize yes
pidfile "$pidfile"
logfile "$logfile"
dir "$dir"
appendonly yes
appendfsync everysec
save ""
maxmemory $maxmemory
maxmemory-policy noeviction
EOF
}

# redis_start CONF PORT PIDFILE: start redis-server with CONF unless it already runs, then wait
# (up to 120 s) until it answers PING. A Redis replaying its append-only file after a crash
# answers LOADING meanwhile; a pidfile left by a killed one is overwritten.
redis_start() {
  local conf="$1" port="$2" pidfile="$3" pid
  pid="$(pid_from_file "$pidfile")"
  if [[ -z "$pid" ]] || ! proc_alive "$pid" redis-server; then
    port_in_use "$port" && die "port $port is already in use; pick another Redis port"
    redis-server "$conf" >/dev/null || die "redis-server failed to start with $conf"
  fi
  redis_wait_ready "$port" 120
}

# redis_wait_ready PORT SECONDS: poll until Redis on 127.0.0.1:PORT answers PONG, saying what it
# waits for.
redis_wait_ready() {
  local port="$1" secs="$2" deadline reply said=0 start=$SECONDS
  deadline=$((SECONDS + secs))
  while true; do
    reply="$(redis-cli -h 127.0.0.1 -p "$port" ping 2>&1 | head -n 1)" || true
    [[ "$reply" == PONG ]] && return 0
    ((SECONDS < deadline)) || die "Redis on 127.0.0.1:$port did not answer PING within ${secs}s (last reply: $reply)"
    if [[ "$reply" == LOADING* ]] && ((said != 1)); then
      say "waiting up to ${secs}s for Redis on 127.0.0.1:$port to load its append-only file"
      said=1
    elif ((said == 0 && SECONDS - start >= 1)); then
      say "waiting up to ${secs}s for Redis to answer on 127.0.0.1:$port"
      said=2
    fi
    sleep 0.1
  done
}

# redis_stop PIDFILE: SIGTERM (Redis fsyncs the AOF and exits), wait, SIGKILL as a last resort.
redis_stop() {
  local pid
  pid="$(pid_from_file "$1")"
  [[ -n "$pid" ]] || return 0
  stop_pid "$pid" redis-server TERM 30
}

redis_kill() {
  local pid
  pid="$(pid_from_file "$1")"
  [[ -n "$pid" ]] || return 0
  stop_pid "$pid" redis-server KILL 10
}
