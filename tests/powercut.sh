#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/powercut.sh: the whole power-cut run of issue 7 (tests/test_powercut.c):
# N seeded power cuts (default 10,000) during scripted kiosk sessions, each
# followed by a restart that must find every acknowledged answer. CTest runs
# only a slice (300 cuts); this runs them all, split into shards on a
# lineage boundary (12 cuts share a data folder) that run in parallel, and
# adds up their reports.
#
#   bash tests/powercut.sh [CUTS] [BUILD_DIR]
#
# CUTS defaults to 10000; BUILD_DIR to build-powercut (configured here as
# RelWithDebInfo with -DHL_WERROR=ON when it has no test_powercut yet).
# Environment: HL_POWERCUT_SEED (base seed, default 1), HL_POWERCUT_JOBS
# (shards, default nproc), HL_POWERCUT_TMP (data folders; default /dev/shm).
# Exit status 0 when no cut failed. A failure names its cut, seed and the
# HL_POWERCUT_FROM/HL_POWERCUT_CUTS that replay its lineage, e.g.
#   HL_POWERCUT_FROM=108 HL_POWERCUT_CUTS=8 BUILD_DIR/test_powercut \
#       test_power_cuts_keep_every_acknowledged_answer_exactly_once
# Runtime: 10,000 cuts took 675 s with 2 jobs (361 s of CPU, about 36 ms per
# cut) on a busy 2-core VM, RelWithDebInfo; the report at the end says more.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cuts=${1:-10000}
build=${2:-$top/build-powercut}
jobs=${HL_POWERCUT_JOBS:-$(nproc)}
lineage=12 # LINEAGE in tests/test_powercut.c

if [ ! -x "$build/test_powercut" ]; then
  cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHL_WERROR=ON >/dev/null
  cmake --build "$build" -j"$jobs" --target test_powercut >/dev/null
fi

# Shards of whole lineages, so that each replays exactly as one run would.
lineages=$(((cuts + lineage - 1) / lineage))
per=$(((lineages + jobs - 1) / jobs * lineage))
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
start=$(date +%s)
pids=()
from=0
while [ "$from" -lt "$cuts" ]; do
  n=$((cuts - from < per ? cuts - from : per))
  HL_POWERCUT_FROM=$from HL_POWERCUT_CUTS=$n HAILONG_ASSETS_DIR="$top/assets" \
    "$build/test_powercut" test_power_cuts_keep_every_acknowledged_answer_exactly_once \
    >"$logs/$from.log" 2>&1 &
  pids+=($!)
  from=$((from + n))
done
status=0
for p in "${pids[@]}"; do
  wait "$p" || status=1
done
end=$(date +%s)

grep -h "cut [0-9]* (seed" "$logs"/*.log || true
# Adds up the shards' "powercut:" lines field by field.
cat "$logs"/*.log | awk -v secs=$((end - start)) -v jobs="$jobs" '
  /powercut: [0-9]+ cuts/ {
    cuts += $2; keep += $5; drop += $7; garble += $9
    sub(/.*checks /, ""); chk += $1; ses += $4
  }
  /powercut: [0-9]+ failed/ {
    failed += $2; f_open += $14; f_sound += $17; f_content += $19; f_session += $21
  }
  /save in flight landed/ {
    landed += $6; lost += $8; none += $10; unacked += $14; acked += $15; recovered += $18
  }
  /unsynced sectors/ {
    sectors += $4; kept += $6; dropped += $8; garbled += $10; db += $19
  }
  END {
    printf "powercut: %d cuts (keep %d, drop %d, garble %d; %d at a database sync) in %d s with %d jobs (CPU %.0f s)\n",
      cuts, keep, drop, garble, db, secs, jobs, chk + ses
    printf "powercut: %d failed (store refused to open %d, unsound file %d, content %d, session %d)\n",
      failed, f_open, f_sound, f_content, f_session
    printf "powercut: save in flight landed %d, lost %d, none %d; unacknowledged completions landed %d; %d saves acknowledged; %d responses recovered as partial\n",
      landed, lost, none, unacked, acked, recovered
    printf "powercut: unsynced sectors %d (kept %d, dropped %d, garbled %d)\n",
      sectors, kept, dropped, garbled
  }'
exit $status
