#!/usr/bin/env bash
# Usage: scripts/deps.sh [build|up|test]      (default: test, i.e. everything)
#
# Installs, with apt-get, the Debian 12 packages TraceHub needs, and only those that are missing
# (a no-op taking well under a second when everything is there). Three groups, each adding to
# the one before:
#   build what compiling needs: the compiler, the libraries, Node (the dashboard bundle). The
#         Dockerfile's build stage asks for this.
#   up    and what running needs: PostgreSQL, Redis, the tools the scripts call.
#         `./start.sh up` asks for this.
#   test  all of `up`, and what only the tests use: clang (fuzzing), Chromium (browser tests),
#         promtool (Prometheus), clang-format, and podman + podman-compose + debootstrap for the
#         compose test (scripts/compose-smoke.sh). `./start.sh test`, `fuzz` and CI ask for this.
# Needs root, or sudo, when something is missing. Then installs the npm packages (exactly as
# locked, when missing or older than the lock file): the dashboard's for `up`, and those of the
# Node tests (tests/realtime, tests/browser, the protocol suites of tests/conformance) too for
# `test`.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

group="${1:-test}"
case "$group" in
  build | up | test) ;;
  *) die "usage: scripts/deps.sh [build|up|test]" ;;
esac

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  # libraries (Boost 1.81 is Debian 12's; the CMake build asks for exactly that version). The
  # test libraries are here too: CMake configures the test targets (`up` does not build them).
  libboost1.81-dev libboost-json1.81-dev libhiredis-dev libsimdjson-dev libspdlog-dev
  libfmt-dev libcli11-dev libpq-dev libgtest-dev libgmock-dev libbenchmark-dev
)
up_packages=(
  # servers, run project-locally by start.sh and scripts/test-env.sh
  postgresql-15 postgresql-client-15 redis-server redis-tools
  # used by the scripts: curl (health checks), jq, procps (ps), iproute2 (ss), util-linux (runuser, setsid)
  curl jq procps iproute2 util-linux
)
test_packages=(
  clang-format
  # the fuzz harnesses (scripts/fuzz.sh): clang++ and its libFuzzer and sanitizer runtimes
  clang libclang-rt-14-dev
  # headless browser driven by the dashboard tests (tests/browser, playwright-core)
  chromium
  # promtool, the strict parser the /metrics/prometheus test checks against (the daemon in the
  # same package is not started: see policy-rc.d below)
  prometheus
  # the compose test (scripts/compose-smoke.sh): Debian's podman and podman-compose with runc
  # and netavark networking (aardvark-dns resolves the service names), and debootstrap for a
  # local base image when no container registry is reachable
  podman podman-compose runc netavark aardvark-dns iptables slirp4netns uidmap debootstrap
)
[[ "$group" == build ]] || packages+=("${up_packages[@]}")
[[ "$group" != test ]] || packages+=("${test_packages[@]}")

missing=()
for pkg in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# Node builds the dashboard bundle and runs the Node tests (tests/realtime, tests/browser). Any
# node >= 18 will do: Debian's nodejs (18) is installed only when there is no node at all, so a
# NodeSource nodejs (which bundles npm and conflicts with Debian's npm package) is left alone.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

install_missing() {
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "missing packages (${missing[*]}) and not root; run this as root"
    sudo=(sudo)
  fi

  # Installing postgresql-15 and redis-server would normally start system-wide servers (on 5432 and
  # 6379; ours use other ports, but nobody needs them). A policy-rc.d that answers 101 ("action
  # forbidden") tells invoke-rc.d and deb-systemd-invoke not to start services during this
  # install. Respect one that already exists (Docker images ship one); otherwise add ours for the
  # duration of the install only.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  remove_policy() {
    if [[ $added_policy -eq 1 ]]; then "${sudo[@]}" rm -f "$policy"; fi
  }
  trap remove_policy EXIT
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, from TraceHub scripts/deps.sh: do not start services during install\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 0755 "$policy"
    added_policy=1
  fi

  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt (an unattended upgrade, a parallel install) rather than fail at once.
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
}

if [[ ${#missing[@]} -gt 0 ]]; then
  install_missing
fi

# npm packages of the dashboard (and for `test`, of the Node tests and the protocol suites),
# exactly as package-lock.json pins them.
node_dirs=(apps/dashboard)
[[ "$group" != test ]] ||
  node_dirs+=(tests/realtime tests/browser tests/conformance/engine.io tests/conformance/socket.io)
for node_dir in "${node_dirs[@]}"; do
  dir="$TRACEHUB_REPO/$node_dir"
  [[ -f "$dir/package-lock.json" ]] || continue
  if [[ ! -f "$dir/node_modules/.package-lock.json" ||
    "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "installing the npm packages of $node_dir (npm ci)"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
done
