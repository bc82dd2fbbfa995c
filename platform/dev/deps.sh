#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# deps.sh: installs the Debian packages hailong needs to build, run and test,
# when they are missing. Sourced by kiosk.sh and test.sh; safe to run again.
# Uses apt-get directly as root, through sudo otherwise. Package names are
# Debian 12's, the same on Raspberry Pi OS.
hl_packages=(
  build-essential cmake pkg-config   # compiler, make, cmake >= 3.22, pkg-config
  libsqlite3-dev                     # the response store
  libjansson-dev                     # survey and config JSON, with line/column errors
  libssl-dev                         # libcrypto: SHA-256 of survey files
  libxlsxwriter-dev                  # responses.xlsx export (constant-memory mode)
  libcurl4-openssl-dev               # network sync: HTTPS POST with OpenSSL (public-key pins)
  sqlite3                            # the shell: benchmark comparison, manual inspection
  libsdl2-dev                        # SDL2: window/KMS display, touch and mouse input, renderer
  libsdl2-ttf-dev                    # SDL2_ttf (with HarfBuzz): text from the bundled Noto Sans
  libsdl2-image-dev                  # SDL2_image: PNG screenshots and goldens
  libdrm-dev                         # libdrm: DPMS on the kms panel outside opening hours
  libespeak-ng-dev                   # espeak-ng: speech synthesis, voices vi and en (pulls espeak-ng-data)
  libpq-dev                          # hailong-server: PostgreSQL's client library (libpq)
  libmicrohttpd-dev                  # hailong-server: its HTTP(S) server (libmicrohttpd, GnuTLS)
  libcairo2-dev libpango1.0-dev      # hl_report: the monthly PDF (cairo, pango, fontconfig)
)
hl_test_packages=(
  clang-format                       # formatting check in the test command
  python3-openpyxl                   # test_xlsx reads the exported workbook back (/usr/bin/python3)
  dosfstools                         # test_fat: mkfs.vfat makes FAT images, fsck.fat checks them
  mtools                             # test_fat: mcopy reads a bundle back off a FAT image
  python3                            # test_sync: the HTTPS test receiver (/usr/bin/python3)
  openssl                            # test_sync: makes the test CA and server certificates
  curl                               # test_web: an HTTPS client for the dashboard over TLS
  fusefat                            # test_fat: mounts a FAT image read-write through FUSE (pulls fuse:
                                     # fusermount), as this kernel cannot loop-mount vfat
  systemd                            # test_package: systemd-analyze verify and security on the
                                     # units (the package only; it does not become PID 1)
  poppler-utils                      # test_report: pdftotext and pdftoppm read the PDF back
  chromium                           # test_dashboard: the dashboard in headless Chromium (DevTools
                                     # over a pipe, tests/support/cdp_browser.py); pdftotext as well
  postgresql-15                      # hailong-server's tests: initdb and postgres for a throw-away
                                     # cluster of their own (the system's cluster is not used)
  iproute2 nftables                  # test_server_faults: packet loss in a network namespace (tc
                                     # netem, or nft's random drop on a kernel without netem)
  # Not installed here (CI replays the fuzz corpora without clang): the real fuzzers,
  # bash tests/fuzz/run.sh, need clang-14 libclang-rt-14-dev (clang, libFuzzer + sanitizer runtimes).
)

# The VM system test (tests/system/run.sh): qemu under software emulation,
# the image's root from the Debian mirror, a FAT32 stick made and read on the host.
hl_vm_packages=(
  qemu-system-x86 qemu-utils         # qemu-system-x86_64 (TCG), its QMP
  debootstrap e2fsprogs              # the image's root; mkfs.ext4 -d makes the disk without loop mounts
  dosfstools mtools                  # the stick: mkfs.vfat, and mcopy to read it back
  python3                            # tests/system/vm.py drives the VM
)

hl_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "hailong: installing missing packages: ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "hailong: need root or sudo to install ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || return 1
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || return 1
}

# Installs what the build needs, configures DIR (CMAKE_BUILD_TYPE TYPE) from
# the checkout this file is in and builds TARGET, quietly.
hl_build() { # DIR TYPE TARGET
  local src
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  hl_install_missing "${hl_packages[@]}" || return 1
  cmake -S "$src" -B "$1" -DCMAKE_BUILD_TYPE="$2" >/dev/null || return 1
  cmake --build "$1" --target "$3" -j"$(nproc)" >/dev/null
}

# The arm64 (Raspberry Pi) cross build, platform/dev/test-arm64.sh: Debian's
# cross compiler, qemu user mode to run the arm64 programs, and the arm64
# multiarch -dev packages of everything the firmware and its tests link.
hl_arm64_packages=(
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross   # the cross compiler and its libc
  qemu-user-static                   # qemu-aarch64-static: runs the arm64 tests (no binfmt needed)
  libsqlite3-dev:arm64 libjansson-dev:arm64 libssl-dev:arm64 libxlsxwriter-dev:arm64
  libcurl4-openssl-dev:arm64
  libsdl2-dev:arm64 libsdl2-ttf-dev:arm64
  libsdl2-image-dev:arm64            # hl_render/hl_display: PNG screenshots, officer photos, goldens
  libdrm-dev:arm64                   # hl_display: DPMS on the kms panel
  libespeak-ng-dev:arm64             # hl_tts: speech synthesis (vi, en)
  libmicrohttpd-dev:arm64            # hailong-server: its HTTP(S) server
  libpq5:arm64                       # hailong-server: libpq (the -dev part: hl_arm64_libpq below)
  libcairo2-dev:arm64 libpango1.0-dev:arm64  # hl_report: the PDF reports (cairo, pango)
)

# libpq for the arm64 build. Debian 12's libpq-dev is not Multi-Arch: same
# (pg_config, headers at shared paths): installing libpq-dev:arm64 would
# remove the native libpq-dev. So libpq5:arm64 is installed (the library,
# co-installable: apt keeps it at the native libpq5's version), and
# libpq-dev:arm64's headers and libpq.pc are unpacked into a folder of their
# own (apt-get download, dpkg-deb -x; no root needed),
# ${XDG_CACHE_HOME:-~/.cache}/hailong/arm64-libpq-dev-VERSION, with libpq.pc
# pointed there and libpq.so at the installed libpq.so.5 of arm64. Exports
# CMAKE_PREFIX_PATH with that folder: CMake's pkg_check_modules searches its
# lib/pkgconfig before the toolchain file's arm64 folders. (A native build
# must not see it: build-debs.sh unsets it for amd64.)
hl_arm64_libpq() {
  local version dir tmp pc
  version=$(dpkg-query -W -f='${Version}' libpq5:arm64 2>/dev/null) ||
    { echo "hailong: libpq5:arm64 is not installed" >&2; return 1; }
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/hailong/arm64-libpq-dev-$version
  if [ ! -s "$dir/lib/pkgconfig/libpq.pc" ]; then
    echo "hailong: unpacking libpq-dev:arm64 $version into $dir" >&2
    tmp=$(mktemp -d) || return 1
    # (As root, apt warns that its _apt user cannot write into the private
    # temporary folder and downloads as root: harmless here.)
    if ! (cd "$tmp" && {
      apt-get download -qq "libpq-dev:arm64=$version" 2>&1 >/dev/null |
        { grep -v 'unsandboxed as root' >&2 || true; }
      [ "${PIPESTATUS[0]}" -eq 0 ]
    } && dpkg-deb -x libpq-dev_*_arm64.deb root); then
      echo "hailong: cannot download libpq-dev:arm64 $version (apt-get update?)" >&2
      rm -rf "$tmp"
      return 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir/lib/pkgconfig" "$dir/include" &&
      mv "$tmp/root/usr/include/postgresql" "$dir/include/" &&
      ln -s /usr/lib/aarch64-linux-gnu/libpq.so.5 "$dir/lib/libpq.so" &&
      pc=$tmp/root/usr/lib/aarch64-linux-gnu/pkgconfig/libpq.pc &&
      sed -e "s|^prefix=.*|prefix=$dir|" -e 's|^libdir=.*|libdir=${prefix}/lib|' \
        -e 's|^includedir=.*|includedir=${prefix}/include/postgresql|' "$pc" \
        >"$dir/lib/pkgconfig/libpq.pc"
    local rc=$?
    rm -rf "$tmp"
    [ $rc -eq 0 ] || { rm -rf "$dir"; return 1; }
  fi
  case ":${CMAKE_PREFIX_PATH:-}:" in
  *":$dir:"*) ;;
  *) export CMAKE_PREFIX_PATH=$dir${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH} ;;
  esac
}

# Adds the arm64 architecture to dpkg when missing, then installs the missing
# hl_arm64_packages (root, or through sudo; hl_install_missing runs apt-get
# update first, which then fetches the arm64 package lists), then makes the
# arm64 libpq folder (hl_arm64_libpq: exports CMAKE_PREFIX_PATH).
hl_arm64_setup() {
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || { echo "hailong: need root or sudo to add the arm64 architecture" >&2; return 1; }
      sudo=(sudo)
    fi
    echo "hailong: adding the arm64 architecture to dpkg" >&2
    "${sudo[@]}" dpkg --add-architecture arm64 || return 1
  fi
  hl_install_missing "${hl_arm64_packages[@]}" && hl_arm64_libpq
}
