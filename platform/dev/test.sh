#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test.sh: the README's "test" command, and what CI runs (.ci/run). Installs
# what is missing, then builds and runs the whole test suite twice: once with
# warnings as errors (-Wall -Wextra -Wpedantic -Werror), once more under
# AddressSanitizer + UndefinedBehaviorSanitizer, then builds for arm64 (the
# Raspberry Pi) and runs the unit and e2e tests under qemu (test-arm64.sh).
# Last, as root, installs the amd64 package into a fresh Debian 12 root
# (test-install.sh) and boots it in a qemu VM (tests/system/run.sh ci). Also
# checks formatting. HL_TEST_ARM64=0 skips the arm64 stage, HL_TEST_INSTALL=0
# the install test, HL_TEST_VM=0 the VM; HL_TEST_QUICK=1 skips the sanitizer
# pass and all three (a fast loop).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$top/platform/dev/deps.sh"
hl_install_missing "${hl_packages[@]}" "${hl_test_packages[@]}"
jobs=$(nproc)

echo "== format (.clang-format)"
mapfile -t sources < <(cd "$top" && git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null || find firmware platform tests -name '*.[ch]')
(cd "$top" && clang-format --dry-run -Werror "${sources[@]}")

run_suite() { # NAME CMAKE_ARGS...
  local name=$1; shift
  local dir="$top/build-$name"
  echo "== build $name"
  cmake -S "$top" -B "$dir" -DHL_WERROR=ON "$@" >/dev/null
  if ! cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1; then
    grep -E 'error|warning' -A4 "$dir/build.log" | head -80 >&2 || cat "$dir/build.log" >&2
    echo "build $name failed (full log: $dir/build.log)" >&2
    exit 1
  fi
  echo "== test $name"
  (cd "$dir" && ctest --output-on-failure -j"$jobs" -LE system)
}

run_suite release -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${HL_TEST_QUICK:-0}" != 1 ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions="$top/tests/lsan.supp" \
    run_suite sanitize -DCMAKE_BUILD_TYPE=Debug -DHL_SANITIZE=ON
fi
if [ "${HL_TEST_QUICK:-0}" != 1 ] && [ "${HL_TEST_ARM64:-1}" != 0 ]; then
  bash "$top/platform/dev/test-arm64.sh"
fi
# The amd64 package installed into a fresh Debian 12 root (debootstrap,
# chroot), from the Debian mirror: about 2.5 minutes with the package build,
# the root's tarball cached in ~/.cache/hailong afterwards. Needs root.
if [ "${HL_TEST_QUICK:-0}" != 1 ] && [ "${HL_TEST_INSTALL:-1}" != 0 ]; then
  echo "== package install test (platform/packaging/test-install.sh)"
  if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: the install test needs root (debootstrap, chroot): sudo bash platform/packaging/test-install.sh"
  else
    bash "$top/platform/packaging/build-debs.sh" amd64 >"$top/build-release/debs.log" 2>&1 ||
      { cat "$top/build-release/debs.log" >&2; echo "building the package failed" >&2; exit 1; }
    bash "$top/platform/packaging/test-install.sh" "$(ls -t "$top"/dist/hailong_*_amd64.deb | head -n 1)"
  fi
fi
# The system test: that package booted in a qemu VM under systemd (KMS screen
# against its golden, a tapped session, a stick pulled without unmounting, a
# sync push, a power cut, the watchdog, the panel outside opening hours):
# about 6-8 minutes (tests/system/run.sh; `run.sh long` is the long run).
if [ "${HL_TEST_QUICK:-0}" != 1 ] && [ "${HL_TEST_VM:-1}" != 0 ]; then
  echo "== system test in a VM (ctest -L system: tests/system/run.sh ci)"
  deb=$(ls -t "$top"/dist/hailong_*_amd64.deb 2>/dev/null | head -n 1 || true)
  (cd "$top/build-release" && HL_VM_DEB=$deb ctest -V -L system)
fi
echo "== all tests passed"
