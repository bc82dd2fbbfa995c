#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test_package.sh: checks what the Debian package installs around the
# program (platform/packaging/package.cmake), without building the package:
# the systemd units pass `systemd-analyze verify` (in a scratch root holding
# the units, the binary and the helper at their installed paths, so that the
# ExecStart= programs exist), the kiosk unit's `systemd-analyze security`
# exposure stays at most HL_MAX_EXPOSURE, the unit keeps its key settings,
# the shipped config passes `hailong check`, and the maintainer scripts parse.
# Registered with CTest as test_package (package.cmake); prints
# "skipped: ..." and exits 0 when systemd-analyze is not installed (Debian
# package systemd; platform/dev/deps.sh installs it for the tests).
#
# Usage: bash tests/test_package.sh HAILONG_BIN SOURCE_DIR
set -euo pipefail
bin=${1:?usage: test_package.sh HAILONG_BIN SOURCE_DIR}
src=${2:?usage: test_package.sh HAILONG_BIN SOURCE_DIR}
max_exposure=${HL_MAX_EXPOSURE:-2.5}
# A cross build's hailong runs through its emulator (qemu-aarch64-static).
read -r -a emulator <<<"${HL_TEST_EMULATOR:-}"
run_bin() { "${emulator[@]}" "$bin" "$@"; }

if ! command -v systemd-analyze >/dev/null; then
    echo "skipped: systemd-analyze is not installed (apt-get install systemd)"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../platform/dev/checks.sh"

# A scratch root: the system's own units (targets the kiosk unit names), the
# programs the units run, and our units at their installed paths.
root=$tmp/root
host_units=/lib/systemd/system
[ -d "$host_units" ] || host_units=/usr/lib/systemd/system
mkdir -p "$root/lib/systemd/system" "$root/usr/bin" "$root/usr/lib/hailong" "$root/bin"
cp -r "$host_units/." "$root/lib/systemd/system/"
cp "$src/platform/systemd/hailong.service" "$src/platform/systemd/hailong-usb-mount@.service" \
    "$root/lib/systemd/system/"
cp "$bin" "$root/usr/bin/hailong"
cp "$src/platform/systemd/hailong-usb-mount" "$root/usr/lib/hailong/"
cp /bin/sh "$root/bin/sh"
cp "$(command -v setterm)" "$root/usr/bin/setterm"

verify_quiet() { # UNIT...: systemd-analyze verify in the scratch root says nothing
    local out
    out=$(systemd-analyze verify --root="$root" "$@" 2>&1) || {
        echo "$out"
        return 1
    }
    [ -z "$out" ] || {
        echo "$out"
        return 1
    }
}
hl_check "units_pass_systemd_analyze_verify" verify_quiet hailong.service hailong-usb-mount@sda1.service

# The same check on a unit with a typo must complain: verify really looks.
bad_unit_is_caught() {
    sed 's/^RestartSec=/RestartSecs=/' "$src/platform/systemd/hailong.service" \
        >"$root/lib/systemd/system/hailong-typo.service"
    ! verify_quiet hailong-typo.service
}
hl_check "verify_catches_a_misspelt_key" bad_unit_is_caught
rm -f "$root/lib/systemd/system/hailong-typo.service"

exposure_at_most() { # MAX: the kiosk unit's overall exposure
    local out level
    out=$(systemd-analyze security --offline=true --root="$root" hailong.service 2>&1) || true
    level=$(sed -n 's/.*Overall exposure level for hailong.service: \([0-9.]*\).*/\1/p' <<<"$out")
    [ -n "$level" ] || {
        echo "no exposure figure in: $out"
        return 1
    }
    echo "exposure $level (at most $1)"
    awk -v l="$level" -v m="$1" 'BEGIN { exit !(l <= m) }'
}
hl_check "kiosk_unit_exposure_is_at_most_$max_exposure" exposure_at_most "$max_exposure"
exposure_at_most 10 | sed 's/^/    /' || true

unit_has() { # LINE...: each is a whole line of hailong.service
    local line
    for line in "$@"; do
        grep -qxF -- "$line" "$src/platform/systemd/hailong.service" || {
            echo "hailong.service lacks the line: $line"
            return 1
        }
    done
}
hl_check "kiosk_unit_keeps_its_key_settings" unit_has Type=notify NotifyAccess=main WatchdogSec=30 \
    Restart=always RestartSec=2 StartLimitIntervalSec=0 User=hailong \
    "SupplementaryGroups=video render input audio" RequiresMountsFor=/var/lib/hailong \
    ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes \
    ProtectKernelTunables=yes Conflicts=getty@tty1.service TTYPath=/dev/tty1

# ExecStart's command line is one the program accepts.
execstart_parses() {
    local line
    line=$(sed -n 's/^ExecStart=//p' "$src/platform/systemd/hailong.service")
    read -r -a words <<<"$line"
    [ "${words[0]}" = /usr/bin/hailong ] || {
        echo "ExecStart runs ${words[0]}, not /usr/bin/hailong"
        return 1
    }
    run_bin "${words[@]:1}" --help >/dev/null
}
hl_check "execstart_is_a_valid_hailong_command_line" execstart_parses

hl_check "shipped_config_passes_hailong_check" env HAILONG_ASSETS_DIR="$src/assets" \
    "${emulator[@]}" "$bin" check "$src/platform/packaging/hailong.json"

scripts_parse() {
    local f
    for f in "$src"/platform/packaging/debian/{postinst,prerm,postrm} \
        "$src/platform/systemd/hailong-usb-mount"; do
        sh -n "$f" || return 1
        [ -x "$f" ] || {
            echo "$f is not executable"
            return 1
        }
    done
    if command -v shellcheck >/dev/null; then
        shellcheck -x -S warning "$src"/platform/packaging/debian/{postinst,prerm,postrm} \
            "$src/platform/systemd/hailong-usb-mount" "$src"/platform/packaging/*.sh
    fi
}
hl_check "maintainer_scripts_parse" scripts_parse

hl_checks_done
