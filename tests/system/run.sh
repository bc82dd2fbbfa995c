#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh: the system test: the packaged kiosk booted in a qemu VM under
# systemd, with KMS, the usb-tablet as its touch device, USB sticks on the
# kernel's vfat, a sync receiver on the host and hard power cuts
# (tests/system/vm.py says what each mode checks).
#
#   bash tests/system/run.sh ci          # the CI slice: about 6-8 minutes
#   bash tests/system/run.sh long        # the long run: cuts 100, then arm64
#   bash tests/system/run.sh cuts [N]    # N hard power cuts at random moments (default 100)
#   bash tests/system/run.sh arm64       # the arm64 package's image boots and takes a session
#   bash tests/system/run.sh bench       # figures: boot to READY, cut to READY, idle CPU, RSS
#
# Builds what it needs: the .deb ($HL_VM_DEB, else build-debs.sh amd64; arm64:
# $HL_VM_DEB_ARM64, else build-debs.sh arm64), the VM image from it
# (vm-image.sh; the base root cached in ~/.cache/hailong, the image per
# package in /tmp/hailong-vm-images/<sha>), and a host hailong
# ($HL_VM_HAILONG, else build-release/hailong, built when missing) that lays out
# the screen and verifies bundles. Needs root (debootstrap, chroot) and
# qemu-system-x86_64 (qemu-system-aarch64 for arm64; installed when missing).
# Where qemu cannot run a VM it prints "skipped: ..." and exits 0.
# Environment: HL_VM_WORK (a folder to keep the run's logs, screenshots and
# disk), HL_VM_SEED (cuts).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mode=${1:-ci}
shift || true
# shellcheck source=SCRIPTDIR/../../platform/dev/deps.sh
source "$top/platform/dev/deps.sh"
if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: the VM system test needs root (debootstrap, chroot): sudo bash tests/system/run.sh $mode"
    exit 0
fi
hl_install_missing "${hl_packages[@]}" "${hl_vm_packages[@]}"
# qemu must be able to start a machine at all (software emulation; /dev/kvm
# here is a flavour that cannot run a stock kernel, so it is never used).
if ! timeout 60 qemu-system-x86_64 -accel tcg -M q35 -nodefaults -display none -S \
    -qmp stdio >/dev/null 2>&1 <<<'{"execute":"qmp_capabilities"}{"execute":"quit"}'; then
    echo "skipped: qemu-system-x86_64 cannot start a machine here"
    exit 0
fi
image_for() { # ARCH: prints the image folder for that architecture's package
    local arch=$1 deb
    if [ "$arch" = arm64 ]; then deb=${HL_VM_DEB_ARM64:-}; else deb=${HL_VM_DEB:-}; fi
    if [ -z "$deb" ]; then
        bash "$top/platform/packaging/build-debs.sh" "$arch" >/tmp/hailong-vm-debs.log 2>&1 ||
            { cat /tmp/hailong-vm-debs.log >&2; exit 1; }
        # shellcheck disable=SC2012 # the newest by time; plain names
        deb=$(ls -t "$top"/dist/hailong_*_"$arch".deb | head -n 1)
    fi
    local sha image
    sha=$(sha256sum "$deb" "$top/tests/system/vm-image.sh" | sha256sum | cut -c1-16)
    image=/tmp/hailong-vm-images/$arch-$sha
    if [ ! -s "$image/root.img" ]; then
        rm -rf /tmp/hailong-vm-images/"$arch"-*
        # (A command substitution does not inherit set -e: every failure
        # here exits by hand, so that no half-made image is ever used.)
        bash "$top/tests/system/vm-image.sh" "$deb" "$image.tmp" >&2 || exit 1
        [ -s "$image.tmp/root.img" ] || { echo "vm-image.sh made no root.img" >&2; exit 1; }
        mv "$image.tmp" "$image" || exit 1
    fi
    echo "$image"
}
hailong=${HL_VM_HAILONG:-$top/build-release/hailong}
if [ ! -x "$hailong" ]; then
    cmake -S "$top" -B "$top/build-release" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$top/build-release" -j"$(nproc)" --target hailong >/dev/null
fi
work=${HL_VM_WORK:-$(mktemp -d /tmp/hailong-vm-run.XXXXXX)}
mkdir -p "$work"
vm() { # MODE ARGS... IMAGE: one vm.py run, its work in $work/MODE
    local mode=$1 image=${*: -1}
    set -- "${@:1:$#-1}"
    echo "== VM system test: $* ($(cat "$image/arch"), work folder $work/$mode)"
    /usr/bin/python3 "$top/tests/system/vm.py" "$@" --image "$image" --hailong "$hailong" \
        --work "$work/$mode" --seed "${HL_VM_SEED:-1}"
}
arm64() {
    hl_install_missing qemu-system-arm
    local image
    image=$(image_for arm64) || return 1
    vm session "$image"
}
case $mode in
ci | bench | cuts | long) amd64_image=$(image_for amd64) || exit 1 ;;
esac
case $mode in
ci | bench) vm "$mode" "$amd64_image" ;;
cuts) vm cuts "${1:-100}" "$amd64_image" ;;
arm64) arm64 ;;
long)
    rc=0
    vm cuts 100 "$amd64_image" || rc=1
    arm64 || rc=1
    exit $rc
    ;;
*)
    echo "usage: run.sh ci|long|cuts [N]|arm64|bench" >&2
    exit 2
    ;;
esac
