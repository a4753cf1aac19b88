#!/usr/bin/env bash
# Usage: scripts/compose-smoke.sh
#
# Runs the project's docker-compose.yml, unchanged, with Debian's podman and podman-compose, and
# checks that it works: /health answers, the dashboard page is served, rows of all three
# simulated services reach PostgreSQL, a posted batch is ACKed and stored, the backend runs as
# a non-root user. Then tears everything down (containers, network, volumes), also on failure.
#
# Works without a container registry. What is missing is prepared once and kept in podman's
# image store:
#   docker.io/library/debian:bookworm (and :bookworm-slim)  a debootstrap minbase of Debian 12
#   docker.io/library/postgres:15, docker.io/library/redis:7
#       stand-ins built from Debian's packages (scripts/compose-smoke/), used only when no image
#       of that name exists (a real official image, when pulled, is used instead)
#   localhost/tracehub:latest   the Dockerfile's image, built here with the host's compiler
#       cache mounted (CCACHE_DIR), so the build stage hits the objects of a release build
# The names are the official ones, so podman uses the local images and never pulls.
#
# Needs root (debootstrap, rootful podman), podman, podman-compose, runc and debootstrap
# (scripts/deps.sh test installs them); a missing one fails the smoke, it is never skipped.
# Podman's settings for this kind of machine (runc; file-descriptor and process limits within
# the hard limits, since containers may not raise them) come from a containers.conf of our own
# (CONTAINERS_CONF), nothing under /etc is changed. Host ports are free ones, so a running
# `./start.sh up` is left alone.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TRACEHUB_REPO"

STANDIN_DIR="$TRACEHUB_REPO/scripts/compose-smoke"
CACHE_DIR="${TRACEHUB_SMOKE_CACHE:-/var/tmp/tracehub-compose-smoke}"
PROJECT="tracehub-smoke-$$"
IMAGE=localhost/tracehub:latest
start=$SECONDS

step() { say "compose smoke [$((SECONDS - start))s]: $*"; }
fail() { die "compose smoke: $*"; }

[[ "$(id -u)" -eq 0 ]] || fail "needs root (debootstrap and rootful podman); run it as root"
for tool in podman podman-compose runc debootstrap curl psql jq; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (scripts/deps.sh test installs it)"
done

mkdir -p "$CACHE_DIR"
conf="$CACHE_DIR/containers.conf"
nofile="$(ulimit -Hn)"
[[ "$nofile" == unlimited ]] && nofile=1048576
((nofile > 65536)) && nofile=65536
nproc="$(ulimit -Hu)"
[[ "$nproc" == unlimited ]] && nproc=1048576
((nproc > 32768)) && nproc=32768
cat >"$conf" <<EOF
# Written by TraceHub's scripts/compose-smoke.sh.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
[network]
network_backend = "netavark"
EOF
export CONTAINERS_CONF="$conf"

# ---- images ---------------------------------------------------------------------------------

# The apt mirror this machine uses (the base image uses it too).
apt_mirror() {
  local uri
  uri="$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | sed 's/^URIs: *//')"
  [[ -n "$uri" ]] || uri="$(grep -hoE '^deb +(\[[^]]*\] +)?[^ ]+' /etc/apt/sources.list 2>/dev/null |
    grep -v security | head -n 1 | awk '{print $NF}')"
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

base_image() {
  if podman image exists docker.io/library/debian:bookworm; then
    podman image exists docker.io/library/debian:bookworm-slim ||
      podman tag docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
    return 0
  fi
  local rootfs mirror
  mirror="$(apt_mirror)"
  step "no debian:bookworm image: making one with debootstrap from $mirror (a few minutes, once)"
  rootfs="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1; then
    rm -rf "$rootfs"
    tail -n 20 "$CACHE_DIR/debootstrap.log" >&2
    fail "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"
  fi
  tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - docker.io/library/debian:bookworm >/dev/null
  rm -rf "$rootfs"
  podman tag docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
}

# standin NAME FILE: build the stand-in from FILE unless NAME exists; one we built earlier from
# other stand-in sources is rebuilt (the label holds the hash of what it was built from).
standin() {
  local name="$1" file="$2" hash have
  hash="$(cat "$STANDIN_DIR/$file" "$STANDIN_DIR/${file%%.*}-entrypoint.sh" | sha256sum | cut -c1-16)"
  if podman image exists "$name"; then
    have="$(podman image inspect --format '{{ index .Labels "tracehub.standin" }}' "$name" 2>/dev/null || true)"
    [[ -z "$have" || "$have" == "<no value>" || "$have" == "$hash" ]] && return 0
  fi
  step "building the stand-in $name (Debian packages)"
  podman build --force-rm --quiet --label "tracehub.standin=$hash" -t "$name" -f "$STANDIN_DIR/$file" \
    "$STANDIN_DIR" >"$CACHE_DIR/standin-${file%%.*}.log" 2>&1 ||
    { tail -n 30 "$CACHE_DIR/standin-${file%%.*}.log" >&2; fail "building $name failed"; }
}

step "preparing images"
base_image
standin docker.io/library/postgres:15 postgres.Containerfile
standin docker.io/library/redis:7 redis.Containerfile

# The project's image, under the name docker-compose.yml gives it, so podman-compose uses it
# instead of building its own. The build stage gets the host's compiler cache: with
# CCACHE_BASEDIR=/src (the Dockerfile) its objects hash as those of a release build here.
ccache_dir="$(ccache -k cache_dir 2>/dev/null || true)"
build_args=()
if [[ -n "$ccache_dir" ]]; then
  mkdir -p "$ccache_dir"
  build_args=(-v "$ccache_dir:/ccache-host" --build-arg CCACHE_DIR=/ccache-host)
fi
# npm in the build trusts what this host trusts (a TLS-inspecting proxy's CA, say).
host_ca=/etc/ssl/certs/ca-certificates.crt
if [[ -f "$host_ca" ]]; then
  build_args+=(-v "$host_ca:/etc/ssl/host-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca.crt)
fi
step "building $IMAGE (Dockerfile; compiler cache: ${ccache_dir:-none})"
build_log="$CACHE_DIR/image-build.log"
image_start=$SECONDS
podman build --force-rm "${build_args[@]}" -t "$IMAGE" -f Dockerfile . >"$build_log" 2>&1 ||
  { tail -n 40 "$build_log" >&2; fail "building $IMAGE failed (log: $build_log)"; }
step "image built in $((SECONDS - image_start))s"
# The build stage's result (untagged, ~2 GB) and the images this name had before go; the
# package layers stay cached for next time.
podman image prune -f --filter label=tracehub.stage >/dev/null 2>&1 || true

# ---- up, check, down ------------------------------------------------------------------------

http_port="$(free_port)"
dash_port="$(free_port)"
pg_port="$(free_port)"
redis_port="$(free_port)"
export TRACEHUB_HTTP_PORT="$http_port" TRACEHUB_DASHBOARD_PORT="$dash_port"
export TRACEHUB_PG_PORT="$pg_port" TRACEHUB_REDIS_PORT="$redis_port"
export TRACEHUB_PG_PASSWORD=smoke
compose=(podman-compose -p "$PROJECT" -f docker-compose.yml)

# shellcheck disable=SC2317 # invoked by the trap
teardown() {
  local rc=$? left=() survivors
  trap - EXIT INT TERM
  if [[ $rc -ne 0 ]]; then
    say "compose smoke failed; the last lines of each container's log:"
    for c in $(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
      printf -- '--- %s\n' "$c" >&2
      podman logs --tail 15 "$c" >&2 2>&1 || true
    done
  fi
  "${compose[@]}" down -v >"$CACHE_DIR/down.log" 2>&1 || true
  # podman-compose 1.0.3 can leave the project's containers, network or volumes behind.
  mapfile -t left < <(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT")
  [[ ${#left[@]} -eq 0 ]] || podman rm -f "${left[@]}" >/dev/null 2>&1 || true
  podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
  for v in pgdata redisdata; do podman volume rm -f "${PROJECT}_$v" >/dev/null 2>&1 || true; done
  survivors="$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT")"
  if [[ -n "$survivors" ]]; then
    say "compose smoke: containers of $PROJECT survived the teardown: $survivors"
    [[ $rc -ne 0 ]] || rc=1
  fi
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "podman-compose up -d (project $PROJECT; API :$http_port, dashboard :$dash_port, postgres :$pg_port)"
up_start=$SECONDS
"${compose[@]}" up -d >"$CACHE_DIR/up.log" 2>&1 || { tail -n 30 "$CACHE_DIR/up.log" >&2; fail "podman-compose up failed"; }

# wait_until SECONDS WHAT CMD...: poll CMD until it succeeds, or fail after SECONDS.
wait_until() {
  local secs="$1" what="$2" deadline
  shift 2
  deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what: not within ${secs}s"
    sleep 0.5
  done
}

wait_until 120 "/health on :$http_port" curl -fsS --max-time 2 "http://127.0.0.1:$http_port/health"
step "/health answers: $(curl -sS --max-time 2 "http://127.0.0.1:$http_port/health")"

page="$(curl -fsS --max-time 5 "http://127.0.0.1:$dash_port/")" || fail "the dashboard page on :$dash_port did not answer"
grep -q '<title>TraceHub</title>' <<<"$page" || fail "the dashboard page on :$dash_port is not TraceHub's"
step "dashboard page served on :$dash_port"

export PGPASSWORD=smoke
sql() { psql -h 127.0.0.1 -p "$pg_port" -U postgres -d tracehub -XtAq -c "$1"; }
services_with_rows() {
  [[ "$(sql "SELECT count(DISTINCT service) FROM logs
             WHERE service IN ('payment-service', 'auth-service', 'order-service')")" == 3 ]]
}
wait_until 120 "rows of all three simulated services in PostgreSQL" services_with_rows
step "rows in PostgreSQL $((SECONDS - up_start))s after up: $(sql "SELECT string_agg(service || '=' || n, ' ') FROM
  (SELECT service, count(*) AS n FROM logs GROUP BY service ORDER BY service) s")"

ack="$(curl -fsS --max-time 5 -X POST "http://127.0.0.1:$http_port/ingest" -H 'content-type: application/json' \
  -d '{"service":"compose-smoke","batch":[{"seq":1,"level":"info","message":"hello"},{"seq":2,"level":"error","message":"from the smoke"}]}')" ||
  fail "POST /ingest was refused"
[[ "$(jq -r '"\(.ackTill) \(.status) \(.accepted)"' <<<"$ack")" == "2 ok 2" ]] || fail "unexpected ACK: $ack"
stored() { [[ "$(sql "SELECT count(*) FROM logs WHERE service = 'compose-smoke'")" == 2 ]]; }
wait_until 60 "the posted batch in PostgreSQL" stored
step "posted batch ACKed ($ack) and stored"

backend="$(podman ps --filter "label=io.podman.compose.project=$PROJECT" \
  --filter "label=com.docker.compose.service=backend" --format '{{.Names}}' | head -n 1)"
uid="$(podman exec "$backend" id -u)"
[[ "$uid" != 0 ]] || fail "the backend runs as root"
step "backend runs as uid $uid; all checks passed, tearing down"
