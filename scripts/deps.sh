#!/usr/bin/env bash
# Usage: scripts/deps.sh [compile|build|up|test]      (default: test, i.e. everything)
#
# Installs, with apt-get, the Debian 12 packages TraceHub needs, and only those that are missing
# (a no-op taking well under a second when everything is there). Four groups, each adding to
# the one before:
#   compile  what compiling the two binaries needs: the compiler and the libraries.
#            `./start.sh up` asks for this first, and compiles while it installs `up`.
#   build    and Node and npm (the dashboard bundle). The Dockerfile's build stage asks for this.
#   up       and what running needs: PostgreSQL, Redis, the tools the scripts call.
#   test     all of `up`, and what only the tests use: clang (fuzzing), Chromium (browser
#            tests), promtool (Prometheus), clang-format, and podman + podman-compose +
#            debootstrap for the compose test (scripts/compose-smoke.sh). `./start.sh test`,
#            `fuzz` and CI ask for this.
# Node is Debian's nodejs (18), installed only when there is no node at all. npm is not Debian's
# npm package (it brings some 335 node-* packages, about half a bare machine's install time: see
# BENCHMARKS.md, issue 14) but npm itself, a pinned version from the npm registry, checked against
# its pinned sha512 and unpacked under /usr/local/lib/tracehub-npm/VERSION with `npm` and `npx`
# links in /usr/local/bin; only when no working npm is on PATH (one that is there, NodeSource's or
# Debian's, is left alone). The download honours NODE_EXTRA_CA_CERTS, as npm does.
# Needs root, or sudo, when something is missing. For `test` it then installs the npm packages
# (exactly as locked, when missing or older than the lock file) of the dashboard, the Node tests
# (tests/realtime, tests/browser) and the protocol suites of tests/conformance. For `build` and
# `up` the dashboard's come with its bundle (scripts/build.sh runs `npm ci` first), which
# `./start.sh up` builds after the services have started.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

group="${1:-test}"
case "$group" in
  compile | build | up | test) ;;
  *) die "usage: scripts/deps.sh [compile|build|up|test]" ;;
esac

# npm from the registry (see above): npm/-/npm-$NPM_VERSION.tgz must have this dist.integrity
# (`npm view npm@VERSION dist.integrity`). npm 10 runs on node ^18.17 || >= 20.5; Debian 12's is
# 18.20.
NPM_VERSION=10.9.9
NPM_INTEGRITY=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
NPM_ROOT=/usr/local/lib/tracehub-npm
NPM_URL="https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz"

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  # HTTPS for npm (Debian's nodejs trusts the system's CA store) and curl, which fetches npm
  # itself and does the scripts' health checks
  ca-certificates curl
  # libraries (Boost 1.81 is Debian 12's; the CMake build asks for exactly that version). The
  # test libraries are here too: CMake configures the test targets (`up` does not build them).
  libboost1.81-dev libboost-json1.81-dev libhiredis-dev libsimdjson-dev libspdlog-dev
  libfmt-dev libcli11-dev libpq-dev libgtest-dev libgmock-dev libbenchmark-dev
)
up_packages=(
  # servers, run project-locally by start.sh and scripts/test-env.sh
  postgresql-15 postgresql-client-15 redis-server redis-tools
  # used by the scripts: jq, procps (ps), iproute2 (ss), util-linux (runuser, setsid); and curl,
  # in `build` above
  jq procps iproute2 util-linux
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
[[ "$group" == compile || "$group" == build ]] || packages+=("${up_packages[@]}")
[[ "$group" != test ]] || packages+=("${test_packages[@]}")

missing=()
for pkg in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# Node builds the dashboard bundle and runs the Node tests (tests/realtime, tests/browser). Any
# node >= 18 will do: Debian's nodejs (18) is installed only when there is no node at all, so a
# NodeSource nodejs (which bundles npm) is left alone.
[[ "$group" == compile ]] || command -v node >/dev/null 2>&1 || missing+=(nodejs)
# npm: ours at the pinned version is taken as it is (no node start-up); any other npm on PATH
# that answers --version is kept, except ours at an older pin, which is replaced.
npm_dir="$NPM_ROOT/$NPM_VERSION"
need_npm=0
npm_path="$(command -v npm 2>/dev/null || true)"
if [[ -n "$npm_path" ]]; then npm_path="$(readlink -f "$npm_path")"; fi
if [[ "$group" != compile && "$npm_path" != "$npm_dir/bin/npm-cli.js" ]]; then
  if [[ -z "$npm_path" || "$npm_path" == "$NPM_ROOT"/* ]] || ! npm --version >/dev/null 2>&1; then
    need_npm=1
  fi
fi

sudo=()
missing_all=("${missing[@]}")
if [[ "$(id -u)" -ne 0 ]] && [[ ${#missing[@]} -gt 0 || $need_npm -eq 1 ]]; then
  [[ $need_npm -eq 0 ]] || missing_all=("${missing[@]}" "npm $NPM_VERSION (from the npm registry)")
  command -v sudo >/dev/null 2>&1 || die "missing: ${missing_all[*]}; not root and no sudo: run this as root"
  sudo=(sudo)
fi

install_missing() {
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

# install_npm: download npm $NPM_VERSION from the registry, check it against $NPM_INTEGRITY,
# unpack it into $npm_dir (root-owned; staged next to it and renamed, so a half-unpacked npm is
# never used) and point /usr/local/bin/npm and npx at it. Earlier pins of ours go.
install_npm() {
  local tmp want got ca_args=() stage old
  tmp="$(mktemp -d)"
  fail_npm() {
    rm -rf "$tmp"
    die "$@"
  }
  # Trust what npm will trust: the system's CAs plus NODE_EXTRA_CA_CERTS (a TLS-inspecting
  # proxy's CA, say).
  if [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -r "$NODE_EXTRA_CA_CERTS" ]]; then
    cat /etc/ssl/certs/ca-certificates.crt "$NODE_EXTRA_CA_CERTS" >"$tmp/ca.crt" 2>/dev/null || true
    ca_args=(--cacert "$tmp/ca.crt")
  fi
  say "installing npm $NPM_VERSION from $NPM_URL into $npm_dir"
  curl -fsSL --retry 3 --connect-timeout 20 --max-time 300 "${ca_args[@]}" -o "$tmp/npm.tgz" "$NPM_URL" ||
    fail_npm "downloading npm $NPM_VERSION from $NPM_URL failed (is registry.npmjs.org reachable?)"
  want="$(printf '%s' "${NPM_INTEGRITY#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')"
  got="$(sha512sum "$tmp/npm.tgz" | cut -d ' ' -f 1)"
  [[ ${#want} -eq 128 && "$got" == "$want" ]] ||
    fail_npm "npm-$NPM_VERSION.tgz from $NPM_URL is not the one pinned in scripts/deps.sh: its sha512 is $got, NPM_INTEGRITY says $want; not installed"
  "${sudo[@]}" mkdir -p "$NPM_ROOT"
  stage="$("${sudo[@]}" mktemp -d "$NPM_ROOT/.unpack.XXXXXX")"
  "${sudo[@]}" tar -xzf "$tmp/npm.tgz" -C "$stage" --strip-components=1 --no-same-owner ||
    { "${sudo[@]}" rm -rf "$stage"; fail_npm "unpacking npm-$NPM_VERSION.tgz into $NPM_ROOT failed"; }
  "${sudo[@]}" chmod -R u+rwX,go+rX,go-w "$stage"
  "${sudo[@]}" chmod 0755 "$stage" "$stage/bin/npm-cli.js" "$stage/bin/npx-cli.js"
  # npm's builtin config (the npmrc next to its package.json): the version is pinned here, so
  # no "new major version of npm available" notices.
  printf 'update-notifier=false\n' | "${sudo[@]}" tee "$stage/npmrc" >/dev/null
  rm -rf "$tmp"
  "${sudo[@]}" rm -rf "$npm_dir"
  "${sudo[@]}" mv -T "$stage" "$npm_dir"
  "${sudo[@]}" mkdir -p /usr/local/bin
  "${sudo[@]}" ln -sfn "$npm_dir/bin/npm-cli.js" /usr/local/bin/npm
  "${sudo[@]}" ln -sfn "$npm_dir/bin/npx-cli.js" /usr/local/bin/npx
  for old in "$NPM_ROOT"/*; do
    [[ "$old" == "$npm_dir" ]] || "${sudo[@]}" rm -rf "$old"
  done
  hash -r
  [[ "$(command -v npm)" -ef "$npm_dir/bin/npm-cli.js" ]] ||
    die "installed npm $NPM_VERSION, but \`npm\` on PATH is $(command -v npm || echo nothing): is /usr/local/bin on PATH?"
  got="$(npm --version 2>&1)" ||
    die "installed npm $NPM_VERSION, but it does not run with node $(node --version 2>/dev/null): $got"
  say "npm $got installed"
}

if [[ ${#missing[@]} -gt 0 ]]; then
  install_missing
fi
if [[ $need_npm -eq 1 ]]; then
  install_npm
fi

# For `test`: npm packages of the dashboard, the Node tests and the protocol suites, exactly as
# package-lock.json pins them.
node_dirs=()
[[ "$group" != test ]] ||
  node_dirs=(apps/dashboard tests/realtime tests/browser tests/conformance/engine.io tests/conformance/socket.io)
for node_dir in "${node_dirs[@]}"; do
  dir="$TRACEHUB_REPO/$node_dir"
  [[ -f "$dir/package-lock.json" ]] || continue
  if [[ ! -f "$dir/node_modules/.package-lock.json" ||
    "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "installing the npm packages of $node_dir (npm ci)"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
done
