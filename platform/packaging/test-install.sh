#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# test-install.sh: installs the amd64 hailong package into a fresh Debian 12
# root and checks it there, as a new kiosk would get it: a minbase root made
# with debootstrap (its tarball cached in ${XDG_CACHE_HOME:-~/.cache}/hailong,
# the downloaded .debs too), `apt-get install ./hailong_*.deb` from the
# Debian mirror (so the package's Depends must resolve), then in the chroot:
#   - `hailong check` and a headless scripted session (the bundled demo) run
#     as user hailong and store responses in /var/lib/hailong, owned by
#     hailong; `hailong stats` shows them;
#   - the kiosk's user may rewrite its config (set-pin), and an upgrade to a
#     newer version keeps that modified conffile;
#   - purge removes the user and group but keeps /var/lib/hailong and its
#     responses; a reinstall adopts them again.
# Needs root (debootstrap, chroot, mounts): prints "skipped: ..." otherwise.
# Prints each check, "N passed, N failed" and the time taken. /proc and /dev
# are mounted into the root and unmounted on exit, whatever happens.
#
# Usage: sudo bash platform/packaging/test-install.sh [hailong_VERSION_amd64.deb]
#        (default: the newest dist/hailong_*_amd64.deb; build-debs.sh makes it)
# Environment: HL_MIRROR (default http://deb.debian.org/debian),
# HL_KEEP_ROOT=1 keeps the root in /tmp for a look afterwards.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: test-install.sh needs root (debootstrap, chroot, mount); run it with sudo"
    exit 0
fi
deb=${1:-}
if [ -z "$deb" ]; then
    # shellcheck disable=SC2012 # the newest by time; the names have no odd characters
    deb=$(ls -t "$top"/dist/hailong_*_amd64.deb 2>/dev/null | head -n 1 || true)
fi
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
    echo "test-install.sh: no package: run bash platform/packaging/build-debs.sh amd64 first" >&2
    exit 2
fi
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
mirror=${HL_MIRROR:-http://deb.debian.org/debian}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/hailong
tarball=$cache/debootstrap-bookworm-minbase-amd64.tgz
t0=$(date +%s)
phase() { echo "== $* (+$(($(date +%s) - t0)) s)"; }

if ! command -v debootstrap >/dev/null; then
    phase "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
mkdir -p "$cache/apt-archives/partial"

root=$(mktemp -d /tmp/hailong-root.XXXXXX)
chmod 755 "$root" # the chroot's / (mktemp makes it 0700: no user could enter)
mounts=()
cleanup() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" 2>/dev/null || true
    done
    if [ "${HL_KEEP_ROOT:-0}" = 1 ]; then
        echo "(the root is kept: $root)"
    elif ! grep -q " $root/" /proc/mounts; then
        rm -rf "$root"
    fi
}
trap cleanup EXIT
mount_in() { # MOUNT ARGS... TARGET: mounts, remembered for cleanup
    mount "$@"
    mounts+=("${*: -1}")
}

if [ ! -s "$tarball" ]; then
    phase "debootstrap --make-tarball (once; cached in $cache)"
    scratch=$(mktemp -d /tmp/hailong-tarball.XXXXXX)
    debootstrap --variant=minbase --arch=amd64 --make-tarball="$tarball.tmp" bookworm \
        "$scratch" "$mirror" >"$cache/make-tarball.log" 2>&1 ||
        { tail -20 "$cache/make-tarball.log" >&2; rm -rf "$scratch"; exit 1; }
    rm -rf "$scratch"
    mv "$tarball.tmp" "$tarball"
fi
phase "debootstrap bookworm minbase into $root"
debootstrap --variant=minbase --arch=amd64 --unpack-tarball="$tarball" bookworm "$root" \
    "$mirror" >"$root.debootstrap.log" 2>&1 ||
    { tail -20 "$root.debootstrap.log" >&2; exit 1; }
rm -f "$root.debootstrap.log"

mount_in -t proc proc "$root/proc"
mount_in --bind /dev "$root/dev"
mount_in --bind /dev/pts "$root/dev/pts"
mount_in --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
# No service starts inside the chroot (there is no systemd running anyway).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }

source "$top/platform/dev/checks.sh"
as_hailong() { in_root runuser -u hailong -- "$@"; }
stat_is() { # FORMAT PATH EXPECTED: stat -c FORMAT of PATH in the root
    local got
    got=$(in_root stat -c "$1" "$2") || return 1
    [ "$got" = "$3" ] || {
        echo "$2: $got, expected $3"
        return 1
    }
}

phase "apt-get install ./$(basename "$deb") (Depends from $mirror)"
cp "$deb" "$root/tmp/"
in_root apt-get update -qq >/dev/null
hl_check "package_installs_with_its_depends" \
    in_root apt-get install -y -qq "/tmp/$(basename "$deb")"

phase "as user hailong: check, a scripted session, stats"
hl_check "user_hailong_exists_in_its_groups" sh -c \
    "chroot '$root' id hailong | grep -q 'groups=.*hailong' && chroot '$root' id -nG hailong | grep -qw video && chroot '$root' id -nG hailong | grep -qw input && chroot '$root' id -nG hailong | grep -qw render"
hl_check "hailong_check_passes_as_hailong" as_hailong hailong check /etc/hailong/hailong.json
hl_check "scripted_session_runs_as_hailong" as_hailong hailong --config /etc/hailong/hailong.json \
    --data-dir /var/lib/hailong run --headless --script /usr/share/hailong/scripts/demo.txt
hl_check "database_belongs_to_hailong" stat_is %U:%G /var/lib/hailong/hailong.db hailong:hailong
hl_check "data_folder_is_hailong_0750" stat_is %U:%G:%a /var/lib/hailong hailong:hailong:750
hl_check "device_key_is_private_to_hailong" stat_is %U:%G:%a /var/lib/hailong/device.key hailong:hailong:600
identity_is_a_trust_line() { as_hailong hailong --config /etc/hailong/hailong.json --data-dir /var/lib/hailong identity | tee /dev/stderr | grep -Eq '^[a-z0-9_-]+ ed25519:[0-9a-f]{64} [0-9a-f]{16}$'; }
hl_check "identity_prints_a_trust_line" identity_is_a_trust_line
stats_show_two() { as_hailong hailong stats | tee /dev/stderr | grep -q '^responses *2 (complete 1, partial 1'; }
hl_check "stats_show_the_responses" stats_show_two
hl_check "service_is_enabled_for_boot" test -L "$root/etc/systemd/system/multi-user.target.wants/hailong.service"

phase "the kiosk's user rewrites its config; an upgrade keeps it"
hl_check "hailong_may_rewrite_its_config" sh -c \
    "printf '123456\n' | chroot '$root' runuser -u hailong -- hailong set-pin --iterations 10000 --config /etc/hailong/hailong.json && grep -q pin_hash '$root/etc/hailong/hailong.json'"
before=$(sha256sum <"$root/etc/hailong/hailong.json")
# The same package as a newer version (+upgrade1), as an update would come.
new=$root.new
dpkg-deb -R "$deb" "$new"
sed -i 's/^Version: \(.*\)$/Version: \1+upgrade1/' "$new/DEBIAN/control"
dpkg-deb --root-owner-group -b "$new" "$root/tmp/hailong-upgrade.deb" >/dev/null
rm -rf "$new"
hl_check "upgrade_installs" in_root apt-get install -y -qq /tmp/hailong-upgrade.deb
hl_check "upgrade_keeps_the_modified_config" sh -c \
    "[ \"\$(sha256sum <'$root/etc/hailong/hailong.json')\" = '$before' ] && [ ! -e '$root/etc/hailong/hailong.json.dpkg-dist' ]"
hl_check "config_still_valid_and_readable_by_hailong" as_hailong hailong check /etc/hailong/hailong.json
hl_check "config_folder_is_root_hailong_2770" stat_is %U:%G:%a /etc/hailong root:hailong:2770
hl_check "responses_survive_the_upgrade" stats_show_two

phase "purge: the user goes, the responses stay"
in_root apt-get purge -y -qq hailong >"$root.purge" 2>&1 || true
grep -v '^(Reading database' "$root.purge" | sed 's/^/    /'
hl_check "purge_succeeds" sh -c "! chroot '$root' dpkg -s hailong >/dev/null 2>&1"
hl_check "purge_removes_user_and_group" sh -c \
    "! chroot '$root' getent passwd hailong && ! chroot '$root' getent group hailong"
hl_check "purge_keeps_the_responses" test -s "$root/var/lib/hailong/hailong.db"
hl_check "purge_says_where_the_responses_are" grep -q 'KEPT in /var/lib/hailong' "$root.purge"
rm -f "$root.purge"

phase "reinstall after the purge adopts the kept responses"
hl_check "reinstall_installs" in_root apt-get install -y -qq "/tmp/$(basename "$deb")"
hl_check "kept_responses_readable_again" stats_show_two

hl_checks_done "$(($(date +%s) - t0)) s"
