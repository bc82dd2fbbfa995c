#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-arm64.sh: builds hailong for the Raspberry Pi (arm64) on this x86-64
# Debian 12 machine and runs its tests there under qemu user mode; the third
# stage of test.sh (HL_TEST_ARM64=0 skips it there). Installs what is missing
# first (hl_arm64_setup in deps.sh: the arm64 architecture, the cross
# compiler, qemu-user-static, the arm64 -dev packages), then configures
# build-arm64/ with platform/cross/aarch64-linux-gnu.cmake (RelWithDebInfo,
# warnings as errors), checks that hailong is an arm64 program, and runs the
# CTest labels "unit" and "e2e" through qemu-aarch64-static (the "long"
# reliability runs take minutes each under qemu: run them natively).
#
# Environment: HL_ARM64_LABELS (ctest -L regex, default 'unit|e2e'),
# HL_ARM64_BUILD (build folder, default build-arm64), HL_GOLDEN_SIZES (screen
# sizes test_golden compares, default 800x480 to fit the time; empty: all
# three). test_golden compares with HL_GOLDEN_TOLERANCE from CMakeLists.txt.
# Runtime here (2 busy cores): build about 2-3 min, tests about 3-4 min.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/platform/dev/deps.sh"
hl_arm64_setup
jobs=$(nproc)
dir=${HL_ARM64_BUILD:-$top/build-arm64}
labels=${HL_ARM64_LABELS:-unit|e2e}

echo "== build arm64 (platform/cross/aarch64-linux-gnu.cmake)"
t0=$(date +%s)
mkdir -p "$dir"
cmake --no-warn-unused-cli -S "$top" -B "$dir" \
  -DCMAKE_TOOLCHAIN_FILE="$top/platform/cross/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHL_WERROR=ON >/dev/null
if ! cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1; then
  grep -E 'error|warning' -A4 "$dir/build.log" | head -80 >&2 || cat "$dir/build.log" >&2
  echo "build arm64 failed (full log: $dir/build.log)" >&2
  exit 1
fi
machine=$(readelf -h "$dir/hailong" | sed -n 's/^ *Machine: *//p')
if [ "$machine" != AArch64 ]; then
  echo "build arm64: $dir/hailong is not an arm64 program (ELF machine: $machine)" >&2
  exit 1
fi
t1=$(date +%s)

echo "== test arm64 under qemu-aarch64-static (ctest -L '$labels')"
(cd "$dir" && HL_GOLDEN_SIZES=${HL_GOLDEN_SIZES-800x480} \
  ctest -L "$labels" --output-on-failure -j"$jobs")
t2=$(date +%s)
echo "== arm64: build $((t1 - t0)) s, tests under qemu $((t2 - t1)) s"
