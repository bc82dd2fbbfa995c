#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# build-debs.sh: builds the Debian packages of hailong, amd64 natively and
# arm64 (Raspberry Pi OS bookworm 64-bit) with the cross toolchain
# platform/cross/aarch64-linux-gnu.cmake, into dist/ of the source tree,
# prints their paths, and runs lintian on them when it is installed: per
# architecture the kiosk's hailong_*.deb and the province server's
# hailong-server_*.deb.
# Each architecture is a fresh -DHL_PACKAGE=ON build (prefix /usr, assets
# and fonts from /usr/share/hailong, the server's migrations from
# /usr/share/hailong-server/sql) with Debian's hardening flags
# (dpkg-buildflags), then `cpack -G DEB` (platform/packaging/package.cmake)
# and `cpack -G DEB --config CPackServerConfig.cmake` (server.cmake); Depends
# come from dpkg-shlibdeps against the libraries of each architecture. The
# server's must name neither SDL nor SQLite: checked here.
#
# Usage: bash platform/packaging/build-debs.sh [amd64] [arm64]   (default: both)
# Environment: HL_PKG_BUILD_DIR (default /tmp/hailong-pkg): the build folders;
# HL_JOBS (default 2). Needs the packages of platform/dev/deps.sh, and for
# arm64 those of hl_arm64_setup there (it installs what is missing).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=SCRIPTDIR/../dev/deps.sh
source "$top/platform/dev/deps.sh"
builds=${HL_PKG_BUILD_DIR:-/tmp/hailong-pkg}
jobs=${HL_JOBS:-2}
dist=$top/dist
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(amd64 arm64)

hl_install_missing "${hl_packages[@]}" file dpkg-dev
mkdir -p "$dist"
made=()
for arch in "${archs[@]}"; do
    cmake_args=(-DHL_PACKAGE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
    case $arch in
    amd64) ;;
    arm64)
        hl_arm64_setup
        cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$top/platform/cross/aarch64-linux-gnu.cmake")
        ;;
    *)
        echo "build-debs.sh: unknown architecture \"$arch\" (amd64 or arm64)" >&2
        exit 2
        ;;
    esac
    dir=$builds/$arch
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "== $arch: configure, build hailong, cpack ($dir)"
    # Debian's flags for that architecture: -O2, stack protector, fortify
    # (CPPFLAGS, which CMake does not read, goes into CFLAGS), relro, now.
    flags=$(DEB_HOST_ARCH=$arch DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)
    (
        eval "$flags"
        # hl_arm64_setup points CMAKE_PREFIX_PATH at the arm64 libpq (deps.sh):
        # never for a native build.
        [ "$arch" = arm64 ] || unset CMAKE_PREFIX_PATH
        export CFLAGS="$CFLAGS $CPPFLAGS"
        cmake -S "$top" -B "$dir" "${cmake_args[@]}" >"$dir/configure.log" 2>&1 ||
            { cat "$dir/configure.log" >&2; exit 1; }
    )
    if ! cmake --build "$dir" -j"$jobs" --target hailong hailong-bench hailong-server \
        >"$dir/build.log" 2>&1; then
        tail -40 "$dir/build.log" >&2
        echo "build-debs.sh: the $arch build failed (log: $dir/build.log)" >&2
        exit 1
    fi
    (cd "$dir" && cpack -G DEB >"$dir/cpack.log" 2>&1) ||
        { cat "$dir/cpack.log" >&2; exit 1; }
    (cd "$dir" && cpack -G DEB --config CPackServerConfig.cmake >"$dir/cpack-server.log" 2>&1) ||
        { cat "$dir/cpack-server.log" >&2; exit 1; }
    for deb in "$dir"/dist/hailong_*_"$arch".deb "$dir"/dist/hailong-server_*_"$arch".deb; do
        cp "$deb" "$dist/"
        made+=("$dist/$(basename "$deb")")
    done
    # The server is no kiosk: no display, no local store, no libcurl.
    server_deb=$(ls "$dir"/dist/hailong-server_*_"$arch".deb)
    if dpkg-deb -f "$server_deb" Depends | grep -Eiq 'sdl|sqlite|curl|espeak|drm'; then
        echo "build-debs.sh: $(basename "$server_deb") depends on a kiosk library:" >&2
        dpkg-deb -f "$server_deb" Depends >&2
        exit 1
    fi
done

if command -v lintian >/dev/null; then
    for deb in "${made[@]}"; do
        echo "== lintian $(basename "$deb")"
        lintian --info "$deb" 2>&1 | grep -v 'running with root privileges' || true
    done
else
    echo "(lintian is not installed: apt-get install lintian to check the packages)"
fi
echo "== packages"
for deb in "${made[@]}"; do
    echo "$deb"
    dpkg-deb -f "$deb" Depends | sed 's/^/   Depends: /'
done
