#!/usr/bin/env bash
# Usage: scripts/build.sh [release|asan] [--apps|--binaries|--dashboard]
#        (default: release, every target and the dashboard bundle)
#
#   release  build/release, RelWithDebInfo: -O2 with line tables (-g1, see CMakeLists.txt), so
#            the binary we benchmark is also the one perf and callgrind can read; asserts are
#            off as in Release.
#   asan     build/asan, Debug with AddressSanitizer + UndefinedBehaviorSanitizer (TRACEHUB_SANITIZE).
#   --apps   only what running needs: the backend, the producer simulator and the dashboard
#            bundle; no tests, no benchmarks (the Dockerfile).
#   --binaries  the backend and the producer simulator only; --dashboard  the bundle only.
#            `./start.sh up` builds the binaries, starts the services, then the bundle, so the
#            first logs do not wait for it (the backend serves the bundle once it exists).
#
# Ninja, ccache when installed, all cores. Configures on every run (cheap once configured).
# TRACEHUB_BUILD_PROGRESS=FILE: ninja's progress lines go to FILE instead of the terminal (the
# caller shows them its own way; `./start.sh up` prints "build x/y").
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

flavour=release targets=() cxx=1 bundle=1
for arg in "$@"; do
  case "$arg" in
    --apps) targets=(tracehub-backend tracehub-producer-sim) ;;
    --binaries) targets=(tracehub-backend tracehub-producer-sim) bundle=0 ;;
    --dashboard) cxx=0 ;;
    *) flavour="$arg" ;;
  esac
done
case "$flavour" in
  release) cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACEHUB_SANITIZE=OFF) ;;
  asan) cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DTRACEHUB_SANITIZE=ON) ;;
  *) die "usage: scripts/build.sh [release|asan] [--apps|--binaries|--dashboard]" ;;
esac

cd "$TRACEHUB_REPO"
build_dir="build/$flavour"

if [[ $cxx -eq 1 ]]; then
  # A build directory configured earlier with another generator cannot be switched to Ninja in
  # place; drop its CMake cache (the objects are rebuilt, with ccache's help).
  if [[ -f "$build_dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build_dir/CMakeCache.txt"; then
    say "$build_dir was configured with another generator; reconfiguring with Ninja"
    rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
  fi

  if command -v ccache >/dev/null 2>&1; then
    cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # Hash paths relative to the checkout, so a fresh clone elsewhere (CI) hits the same cache.
    export CCACHE_BASEDIR="$TRACEHUB_REPO" CCACHE_NOHASHDIR=1
    # Depend mode: a miss is the compile alone. Otherwise ccache runs the preprocessor first
    # to hash its output, ~1 s for each file that includes Asio and Beast: 36 CPU s of the two
    # binaries' cold build (BENCHMARKS.md, issue 14). A hit is then looked up from the headers
    # the compiler listed (-MD, which Ninja asks for anyway).
    export CCACHE_DEPEND=1
    # One locale for every build: ccache hashes LANG and LC_ALL/LC_CTYPE/LC_MESSAGES (they change
    # the compiler's messages), so a cache filled here also serves a container's build (the
    # Dockerfile, scripts/compose-smoke.sh) or a CI shell with another locale.
    export LANG=C.UTF-8
    unset LC_ALL LC_CTYPE LC_MESSAGES
  fi

  say "building $flavour in $build_dir"
  cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
  build=(cmake --build "$build_dir" -j "$(nproc)")
  if [[ ${#targets[@]} -gt 0 ]]; then build+=(--target "${targets[@]}"); fi
  if [[ -n "${TRACEHUB_BUILD_PROGRESS:-}" ]]; then
    "${build[@]}" >"$TRACEHUB_BUILD_PROGRESS" 2>&1 || {
      grep -v '^\[[0-9]*/[0-9]*\] ' "$TRACEHUB_BUILD_PROGRESS" | tail -n 60 >&2
      die "the build of $build_dir failed (full output: $TRACEHUB_BUILD_PROGRESS)"
    }
  else
    "${build[@]}"
  fi
fi

# The dashboard (apps/dashboard -> apps/dashboard/dist, served by the backend): one build for
# every flavour, redone only when a source is newer than the last build.
dashboard=apps/dashboard
if [[ $bundle -eq 1 && -f "$dashboard/package.json" ]]; then
  if [[ ! -f "$dashboard/node_modules/.package-lock.json" ||
    "$dashboard/package-lock.json" -nt "$dashboard/node_modules/.package-lock.json" ]]; then
    npm ci --prefix "$dashboard" --no-audit --no-fund --loglevel=error
  fi
  if [[ ! -f "$dashboard/dist/index.html" ]] ||
    [[ -n "$(find "$dashboard/src" "$dashboard/public" "$dashboard/index.html" "$dashboard/package-lock.json" \
      "$dashboard/vite.config.ts" "$dashboard/tsconfig.json" -newer "$dashboard/dist/index.html" -print -quit)" ]]; then
    say "building the dashboard in $dashboard/dist"
    npm run --prefix "$dashboard" --silent build
  fi
fi
