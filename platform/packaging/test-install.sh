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
# Then the province server's package, hailong-server_*_amd64.deb from the
# same folder (same version), into the same root, the README's way:
#   - it installs with its Depends alone (no PostgreSQL; the binary loads no
#     SDL, SQLite or libcurl), runs (--help), puts its unit (not enabled),
#     /etc/default file (0600), migrations and manual page in place, makes
#     the system user hailong-server (no login shell, home /nonexistent);
#   - with postgresql-15 from the mirror, a cluster started in the root
#     (Unix socket only: nothing listens on the host's network): createdb,
#     `db migrate --service-role hailong-server` as postgres, the user
#     hailong-server logs in as that role by peer authentication, `kiosk add`
#     with the kiosk's own identity prints a 64-hex token; then `serve` as
#     hailong-server on a loopback port, and the kiosk's `hailong sync
#     --once` pushes its two responses there (the whole path, kiosk to
#     database); SIGTERM stops the server with exit 0;
#   - an upgrade keeps an edited /etc/default/hailong-server; purge removes
#     the user and never touches the database.
# Needs root (debootstrap, chroot, mounts): prints "skipped: ..." otherwise.
# Prints each check, "N passed, N failed" and the time taken. /proc and /dev
# are mounted into the root and unmounted on exit, and the server and the
# cluster stopped, whatever happens.
#
# Usage: sudo bash platform/packaging/test-install.sh [hailong_VERSION_amd64.deb
#                                                      [hailong-server_VERSION_amd64.deb]]
#        (default: the newest dist/hailong_*_amd64.deb, and the server's
#        package of the same version next to it; build-debs.sh makes both)
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
server_deb=${2:-$(dirname "$deb")/hailong-server_$(dpkg-deb -f "$deb" Version)_amd64.deb}
if [ ! -f "$server_deb" ]; then
    echo "test-install.sh: no $server_deb: bash platform/packaging/build-debs.sh amd64" \
        "makes it next to $(basename "$deb")" >&2
    exit 2
fi
server_deb=$(cd "$(dirname "$server_deb")" && pwd)/$(basename "$server_deb")
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
serve_pid=""
cluster_started=0
cleanup() {
    local i
    if [ -n "$serve_pid" ]; then
        kill -KILL "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    if [ "$cluster_started" = 1 ]; then
        chroot "$root" pg_ctlcluster 15 main stop -m immediate >/dev/null 2>&1 || true
    fi
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

t_kiosk=$(($(date +%s) - t0))

# ---- The province server's package -------------------------------------------
as_postgres() { in_root runuser -u postgres -- "$@"; }
server_name=$(basename "$server_deb")
phase "apt-get install ./$server_name (its Depends alone)"
cp "$server_deb" "$root/tmp/"
hl_check "server_package_installs_with_its_depends" \
    in_root apt-get install -y -qq --no-install-recommends "/tmp/$server_name"
hl_check "server_runs" in_root hailong-server --help
# (libxlsxwriter is the server's own since issue 19: the dashboard serves a
# unit's monthly report as a workbook, hl_report.)
server_loads_no_kiosk_library() {
    local libs
    libs=$(in_root ldd /usr/bin/hailong-server) || return 1
    ! grep -Ei 'sdl|sqlite|curl|espeak|drm' <<<"$libs"
}
hl_check "server_loads_no_kiosk_library" server_loads_no_kiosk_library
hl_check "server_unit_installed_not_enabled" sh -c \
    "test -f '$root/lib/systemd/system/hailong-server.service' && ! test -e '$root/etc/systemd/system/multi-user.target.wants/hailong-server.service'"
hl_check "server_settings_file_is_root_0600" stat_is %U:%G:%a /etc/default/hailong-server root:root:600
hl_check "server_tls_folder_is_root_hailong_server_0750" \
    stat_is %U:%G:%a /etc/hailong-server/tls root:hailong-server:750
server_user_cannot_log_in() {
    local line uid home shell
    line=$(in_root getent passwd hailong-server) || return 1
    echo "$line"
    IFS=: read -r _ _ uid _ _ home shell <<<"$line"
    [ "$uid" -lt 1000 ] && [ "$home" = /nonexistent ] && [ ! -e "$root/nonexistent" ] &&
        [ "$shell" = /usr/sbin/nologin ] && in_root getent group hailong-server >/dev/null
}
hl_check "server_user_is_a_system_user_without_login" server_user_cannot_log_in
server_sql_installed() {
    diff <(cd "$top/firmware/server/sql" && ls -- *.sql) \
        <(cd "$root/usr/share/hailong-server/sql" && ls -- *.sql)
}
hl_check "server_migrations_installed" server_sql_installed
hl_check "server_manual_page_installed" test -s "$root/usr/share/man/man8/hailong-server.8.gz"

phase "postgresql-15 in the root: migrate, a kiosk registered"
t_pg=$(date +%s)
hl_check "postgresql_installs" in_root apt-get install -y -qq --no-install-recommends postgresql-15
# Only the Unix socket: the root shares the host's network, whose port 5432
# may be taken.
echo "listen_addresses = ''" >"$root/etc/postgresql/15/main/conf.d/no-tcp.conf"
cluster_started=1
hl_check "cluster_starts" in_root pg_ctlcluster 15 main start
hl_check "createdb_hailong" as_postgres createdb hailong
hl_check "db_migrate_makes_the_service_role" \
    as_postgres hailong-server db migrate --service-role hailong-server
service_user_is_its_role() {
    local who
    who=$(in_root runuser -u hailong-server -- psql -XAtq -d hailong -c 'SELECT current_user') ||
        return 1
    [ "$who" = hailong-server ] || {
        echo "connected as $who"
        return 1
    }
}
hl_check "service_user_logs_in_as_its_role_by_peer" service_user_is_its_role
identity=$(as_hailong hailong --config /etc/hailong/hailong.json --data-dir /var/lib/hailong identity)
kiosk_id=${identity%% *}
# The token goes on to the kiosk's config: kept out of hl_check's subshell.
token=$(as_postgres hailong-server kiosk add "$kiosk_id" --unit "Test unit" --key "$identity" \
    2>"$root.add") || true
token_is_64_hex() {
    grep -Eqx '[0-9a-f]{64}' <<<"$token" || {
        echo "kiosk add printed \"$token\""
        cat "$root.add"
        return 1
    }
}
hl_check "kiosk_add_prints_a_token" token_is_64_hex
rm -f "$root.add"

phase "serve as hailong-server; the kiosk pushes to it"
# chroot --userspec execs the server itself: its pid is ours to signal.
chroot --userspec=hailong-server:hailong-server "$root" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
    hailong-server serve --listen 127.0.0.1:0 --port-file /tmp/hailong-server.port \
    >"$root.serve" 2>&1 &
serve_pid=$!
port_appears() { # within 2 minutes: only a hang takes that long
    local i
    for ((i = 0; i < 1200; i++)); do
        [ -s "$root/tmp/hailong-server.port" ] && return 0
        kill -0 "$serve_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$root.serve"
    return 1
}
hl_check "server_listens" port_appears
port=$(cat "$root/tmp/hailong-server.port" 2>/dev/null || echo 0)
printf '{"survey": "sipas-mot-cua.json",\n "sync": {"url": "http://127.0.0.1:%s/api/v1/sync", "token": "%s", "allow_insecure_http": true}}\n' \
    "$port" "$token" >"$root/tmp/hailong-sync.json"
chmod 644 "$root/tmp/hailong-sync.json"
hl_check "kiosk_pushes_to_the_server" as_hailong hailong --config /tmp/hailong-sync.json \
    --data-dir /var/lib/hailong sync --once
server_holds_two() { as_postgres hailong-server db status | tee /dev/stderr | grep -qx 'responses 2'; }
hl_check "server_holds_the_kiosks_responses" server_holds_two
fleet_shows_kiosk() { as_postgres hailong-server fleet | tee /dev/stderr | grep -q "^$kiosk_id	"; }
hl_check "fleet_shows_the_kiosk" fleet_shows_kiosk
# Not through hl_check (a subshell could not wait for the server); killed
# after 2 minutes: only a hang takes that long.
serve_rc=0
kill -TERM "$serve_pid"
for ((i = 0; i < 1200; i++)); do
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
done
kill -KILL "$serve_pid" 2>/dev/null || true
wait "$serve_pid" || serve_rc=$?
serve_pid=""
stopped_cleanly() {
    grep -q 'stopping after the requests in progress' "$root.serve" && [ "$serve_rc" = 0 ] || {
        echo "exit $serve_rc"
        cat "$root.serve"
        return 1
    }
}
hl_check "server_stops_cleanly_on_sigterm" stopped_cleanly
rm -f "$root.serve"
t_pg=$(($(date +%s) - t_pg))

phase "the server's upgrade keeps its settings; purge keeps the database"
sed -i 's/^#HAILONG_SERVER_THREADS=16$/HAILONG_SERVER_THREADS=4/' "$root/etc/default/hailong-server"
before=$(sha256sum <"$root/etc/default/hailong-server")
new=$root.new
dpkg-deb -R "$server_deb" "$new"
sed -i 's/^Version: \(.*\)$/Version: \1+upgrade1/' "$new/DEBIAN/control"
dpkg-deb --root-owner-group -b "$new" "$root/tmp/hailong-server-upgrade.deb" >/dev/null
rm -rf "$new"
hl_check "server_upgrade_installs" in_root apt-get install -y -qq /tmp/hailong-server-upgrade.deb
hl_check "server_upgrade_keeps_the_edited_settings" sh -c \
    "[ \"\$(sha256sum <'$root/etc/default/hailong-server')\" = '$before' ] && [ ! -e '$root/etc/default/hailong-server.dpkg-dist' ]"
hl_check "server_upgrade_keeps_the_tls_folder_group" \
    stat_is %U:%G:%a /etc/hailong-server/tls root:hailong-server:750
in_root apt-get purge -y -qq hailong-server >"$root.purge" 2>&1 || true
grep -v '^(Reading database' "$root.purge" | sed 's/^/    /'
hl_check "server_purge_removes_user_and_group" sh -c \
    "! chroot '$root' getent passwd hailong-server && ! chroot '$root' getent group hailong-server"
hl_check "server_purge_removes_its_settings" test ! -e "$root/etc/default/hailong-server"
database_holds_two() {
    local n
    n=$(as_postgres psql -XAtq -d hailong -c 'SELECT count(*) FROM hailong.response_ids') || return 1
    [ "$n" = 2 ] || {
        echo "$n responses"
        return 1
    }
}
hl_check "server_purge_keeps_the_database" database_holds_two
hl_check "server_purge_says_the_database_is_kept" grep -q 'database .* is KEPT' "$root.purge"
rm -f "$root.purge"

hl_checks_done "$(($(date +%s) - t0)) s (the server's part $(($(date +%s) - t0 - t_kiosk)) s, PostgreSQL $t_pg s of it)"
