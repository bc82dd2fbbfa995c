#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh: builds the libFuzzer targets with clang and runs each for a while,
# then merges what it found that adds coverage into the seed corpus.
#
#   bash tests/fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 600); TARGETs among survey config script bundle
# sync push (default all), run HL_FUZZ_JOBS at a time (default 2). The build goes
# to $HL_FUZZ_BUILD (default build-fuzz/ in the source tree): CC=clang,
# -DHL_SANITIZE=ON -DHL_FUZZ=ON, so the core (hailong_core) is built with
# -fsanitize=address,undefined,fuzzer-no-link and fuzz_<target> is linked
# with -fsanitize=fuzzer. Needs clang and its runtime (Debian:
# clang-14 libclang-rt-14-dev; see platform/dev/deps.sh); CC overrides clang.
#
# Each target runs in fork mode (-fork=1, going on after a crash) with its
# dictionary; new inputs go to a scratch folder, crashes, leaks, timeouts and
# sanitizer reports to tests/fuzz/<target>/findings/ (never replayed by
# CTest: fix the bug, then move the reproducer into corpus/). After the run
# `-merge=1` adds to tests/fuzz/<target>/corpus/ only the inputs that reach
# new coverage. Logs: $HL_FUZZ_BUILD/fuzz-logs/<target>.log; the last lines
# printed per target give exec/s and cov. HL_FUZZ_NO_BUILD=1 runs the
# binaries already in $HL_FUZZ_BUILD without configuring or building.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(survey config script bundle sync push)
build=${HL_FUZZ_BUILD:-$top/build-fuzz}
jobs=${HL_FUZZ_JOBS:-2}
cc=${CC:-clang}
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }

if [ -z "${HL_FUZZ_NO_BUILD:-}" ]; then
  cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHL_SANITIZE=ON -DHL_FUZZ=ON >/dev/null
  cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"
fi

mkdir -p "$build/fuzz-logs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$top/tests/lsan.supp"

# Runs one target for $seconds, then merges; all output to its log.
run_one() {
  local t=$1 dir="$top/tests/fuzz/$1" log="$build/fuzz-logs/$1.log"
  local work="$build/fuzz-work/$t"
  rm -rf "$work" && mkdir -p "$work/new" "$dir/findings" "$dir/corpus"
  {
    echo "== fuzz_$t: ${seconds}s from $(date -u +%FT%TZ)"
    "$build/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$dir/$t.dict" \
      -artifact_prefix="$dir/findings/" -print_final_stats=1 "$work/new" "$dir/corpus" || true
    echo "== merge into $dir/corpus"
    "$build/fuzz_$t" -merge=1 -merge_control_file="$work/merge.ctl" "$dir/corpus" "$work/new" ||
      true
    echo "== done $(date -u +%FT%TZ): corpus $(ls "$dir/corpus" | wc -l) files," \
      "findings $(ls "$dir/findings" | wc -l) files"
  } >"$log" 2>&1
}

pids=()
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  echo "fuzz_$t: ${seconds}s, log $build/fuzz-logs/$t.log"
  run_one "$t" &
  pids+=($!)
done
wait

for t in "${targets[@]}"; do
  log="$build/fuzz-logs/$t.log"
  echo "---- fuzz_$t"
  # The fuzzing part (before the merge): fork mode's last status line.
  sed '/^== merge/q' "$log" | grep -E '^#[0-9]+: cov:' | tail -n 1 || true
  grep -E 'MERGE-OUTER: [0-9]+ new' "$log" || true
  tail -n 1 "$log"
done
