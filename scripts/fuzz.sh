#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS]      (default 300)
#
# Builds the libFuzzer harnesses of apps/backend/fuzz with clang into build/fuzz
# (TRACEHUB_FUZZ=ON; the gcc builds are not touched) and runs every harness for SECONDS, up to
# TRACEHUB_FUZZ_JOBS [nproc] at once. A harness is a directory of seed inputs,
# apps/backend/fuzz/corpus/<harness>/, plus the binary of that name; its dictionary, when there
# is one, is apps/backend/fuzz/dict/<harness without _fuzz>.dict. What a run finds that covers
# new code goes to build/fuzz/corpus/<harness>/ (never into the committed seeds), so later runs
# start from there.
#
# Fails when clang is missing, when the build fails, or when any harness reports a crash, a
# broken property, a leak, a timeout (10 s per input), more than 2 GB of memory, or a
# sanitizer finding. The input that did it stays in build/fuzz/artifacts/<harness>/ and the
# end of the report is printed; replay it with build/fuzz/apps/backend/fuzz/<harness> FILE.
# Prints per harness: runs, executions per second, coverage (libFuzzer's cov: edges and ft:
# features) and corpus size.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seconds="${1:-300}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/fuzz.sh [SECONDS] (a positive number)"
jobs="${TRACEHUB_FUZZ_JOBS:-$(nproc)}"

cd "$TRACEHUB_REPO"
build_dir=build/fuzz
fuzz_src=apps/backend/fuzz

command -v clang++ >/dev/null 2>&1 ||
  die "clang++ is missing; the fuzz harnesses need it (scripts/deps.sh test installs clang and libclang-rt-14-dev)"

cmake_args=(-DTRACEHUB_FUZZ=ON -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_COMPILER=clang++)
if command -v ccache >/dev/null 2>&1; then
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Depend mode, as scripts/build.sh says why.
  export CCACHE_BASEDIR="$TRACEHUB_REPO" CCACHE_NOHASHDIR=1 CCACHE_DEPEND=1
fi
say "building the fuzz harnesses in $build_dir (clang, ASan + UBSan + libFuzzer)"
cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

harnesses=()
for dir in "$fuzz_src"/corpus/*/; do harnesses+=("$(basename "$dir")"); done
[[ ${#harnesses[@]} -gt 0 ]] || die "no harness seeds under $fuzz_src/corpus/"

# Leaks fail a run like crashes do; every UBSan finding is fatal (the harnesses are also built
# with -fno-sanitize-recover=undefined).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"

logs="$build_dir/logs"
mkdir -p "$logs"

# run_one HARNESS: one libFuzzer run; its output goes to $logs/HARNESS.log, its exit status to
# $logs/HARNESS.rc.
run_one() {
  local h="$1" bin="$build_dir/$fuzz_src/$1" dict="$fuzz_src/dict/${1%_fuzz}.dict" rc=0
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$build_dir/artifacts/$h/")
  if [[ -f "$dict" ]]; then args+=(-dict="$dict"); fi
  mkdir -p "$build_dir/corpus/$h" "$build_dir/artifacts/$h"
  if [[ ! -x "$bin" ]]; then
    printf 'tracehub: %s was not built (apps/backend/fuzz/CMakeLists.txt lacks it?)\n' "$bin" >"$logs/$h.log"
    echo 1 >"$logs/$h.rc"
    return
  fi
  "$bin" "${args[@]}" "$build_dir/corpus/$h" "$fuzz_src/corpus/$h" >"$logs/$h.log" 2>&1 || rc=$?
  echo "$rc" >"$logs/$h.rc"
}

say "fuzzing ${#harnesses[@]} harnesses for ${seconds}s each, $jobs at a time (logs: $logs/)"
rm -f "$logs"/*.rc
for h in "${harnesses[@]}"; do
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  run_one "$h" &
done
wait

# report HARNESS: the summary line; returns non-zero when the run found anything.
report() {
  local h="$1" log="$logs/$1.log" rc done_line runs eps
  rc="$(cat "$logs/$h.rc" 2>/dev/null || echo 1)"
  # Belt and braces: a finding is a failure even if an exit status got lost on the way.
  if [[ "$rc" -ne 0 ]] ||
    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|property broken|deadly signal' "$log" ||
    ! grep -q '^Done [0-9]* runs' "$log"; then
    printf '%s: FAILED (exit %s); the end of %s:\n' "$h" "$rc" "$log"
    tail -n 40 "$log" | sed 's/^/    /'
    return 1
  fi
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
  printf '%s: ok, %s runs in %ss (%s exec/s), %s\n' "$h" "$runs" "$seconds" "$eps" \
    "$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$done_line")"
}

failed=0
for h in "${harnesses[@]}"; do report "$h" || failed=1; done
if [[ $failed -ne 0 ]]; then
  say "fuzzing found problems; the inputs are in $build_dir/artifacts/"
  exit 1
fi
