# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
# checks.sh: the shell tests' one way to run a named check (sourced by
# tests/test_package.sh and platform/packaging/test-install.sh):
#   hl_check NAME COMMAND...   runs COMMAND; prints "PASS NAME", or "FAIL NAME"
#                              and its output indented; counts both
#   hl_checks_done [EXTRA]     prints "N passed, N failed[, EXTRA]"; fails on any failure
hl_passed=0
hl_failed=0
hl_check() {
  local name=$1 out
  shift
  out=$(mktemp)
  if "$@" >"$out" 2>&1; then
    echo "PASS $name"
    hl_passed=$((hl_passed + 1))
  else
    echo "FAIL $name"
    sed 's/^/    /' "$out"
    hl_failed=$((hl_failed + 1))
  fi
  rm -f "$out"
}
hl_checks_done() {
  echo "$hl_passed passed, $hl_failed failed${1:+, $1}"
  [ "$hl_failed" -eq 0 ]
}
