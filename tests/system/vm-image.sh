#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# vm-image.sh: builds the system test's virtual machine from a hailong .deb:
# a Debian 12 root made the way platform/packaging/test-install.sh makes its
# own (debootstrap minbase, the package installed with apt from the mirror so
# its Depends must resolve), plus what a kiosk boots with (Debian's kernel
# and initramfs, systemd as PID 1, udev, D-Bus, polkit), turned into an ext4
# disk image without loop mounts (mkfs.ext4 -d). The root without the
# package is cached as a tarball (${XDG_CACHE_HOME:-~/.cache}/hailong/
# vm-base-ARCH.tar, remade when this script's package list changes); each
# run unpacks it and installs the given .deb: about 40 s warm, 2-3 min cold.
#
# The only VM-only changes are outside the kiosk: a root shell on the serial
# console (the test's hands), a static address for qemu's user network, and
# the kiosk's config (/etc/hailong/hailong.json) given what a province sets:
# the stick key's hash and the sync server. The unit, udev rule, mount helper
# and polkit rule are the package's own.
#
# Usage: sudo bash tests/system/vm-image.sh DEB OUT_DIR
#   OUT_DIR gets root.img (ext4), vmlinuz, initrd.img, arch, export.key (the
#   stick's key) and sync.token. Needs root (debootstrap, chroot). An arm64
#   package makes an arm64 image: its package scripts run under
#   qemu-aarch64-static, which this script registers with binfmt_misc (a
#   kernel-wide setting, left in place) when it is not yet; that image takes
#   some 20 minutes to build cold here.
# Environment: HL_MIRROR (default http://deb.debian.org/debian); HL_VM_SYNC
#   (default http://10.0.2.100:8765/v1/responses: the host's receiver, which
#   the test maps there with qemu's guestfwd).
set -euo pipefail
deb=${1:?usage: vm-image.sh DEB OUT_DIR}
out=${2:?usage: vm-image.sh DEB OUT_DIR}
[ "$(id -u)" -eq 0 ] || { echo "vm-image.sh needs root (debootstrap, chroot)" >&2; exit 2; }
[ -f "$deb" ] || { echo "vm-image.sh: no package $deb: run platform/packaging/build-debs.sh amd64" >&2; exit 2; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
arch=$(dpkg-deb -f "$deb" Architecture)
if [ "$arch" != "$(dpkg --print-architecture)" ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    # The root's package scripts run under qemu-user: the kernel must know to
    # hand it arm64 programs (binfmt_misc, qemu-user-static's rule).
    mountpoint -q /proc/sys/fs/binfmt_misc ||
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    tr -d '\n' </usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register
fi
mirror=${HL_MIRROR:-http://deb.debian.org/debian}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/hailong
base_pkgs="linux-image-$arch systemd-sysv udev dbus polkitd kmod iproute2 procps"
base_key=$(printf '%s %s 1' "$base_pkgs" "$arch" | sha256sum | cut -c1-12)
base=$cache/vm-base-$arch-$base_key.tar
tarball=$cache/debootstrap-bookworm-minbase-$arch.tgz
t0=$(date +%s)
phase() { echo "== vm-image: $* (+$(($(date +%s) - t0)) s)"; }
mkdir -p "$cache/apt-archives/partial" "$out"

root=$(mktemp -d /tmp/hailong-vmroot.XXXXXX)
chmod 755 "$root"
mounts=()
cleanup() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" 2>/dev/null || true
    done
    mounts=()
    grep -q " $root/" /proc/mounts || rm -rf "$root"
}
trap cleanup EXIT
mount_in() { mount "$@"; mounts+=("${*: -1}"); }
unmount_all() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}"; done
    mounts=()
}
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }
# The downloaded packages are shared by every image (and test-install.sh):
# one apt at a time holds their folder (another build waits, never fails).
apt_in_root() { flock "$cache/apt-archives/.hailong-lock" chroot "$root" env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
prepare_root() {
    mount_in -t proc proc "$root/proc"
    mount_in --bind /dev "$root/dev"
    mount_in --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
}

if [ ! -s "$base" ]; then
    command -v debootstrap >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    if [ ! -s "$tarball" ]; then
        phase "debootstrap --make-tarball (once)"
        scratch=$(mktemp -d /tmp/hailong-tarball.XXXXXX)
        debootstrap --variant=minbase --arch="$arch" --make-tarball="$tarball.tmp" bookworm \
            "$scratch" "$mirror" >"$cache/make-tarball.log" 2>&1 ||
            { tail -20 "$cache/make-tarball.log" >&2; rm -rf "$scratch"; exit 1; }
        rm -rf "$scratch"
        mv "$tarball.tmp" "$tarball"
    fi
    phase "the base root (once; cached as $base)"
    debootstrap --variant=minbase --arch="$arch" --unpack-tarball="$tarball" bookworm "$root" \
        "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
    rm -f "$root.log"
    prepare_root
    apt_in_root update -qq >/dev/null
    # shellcheck disable=SC2086 # a word list
    apt_in_root install -y -qq --no-install-recommends $base_pkgs >"$root.log" 2>&1 ||
        { tail -30 "$root.log" >&2; exit 1; }
    rm -f "$root.log"
    unmount_all
    tar -C "$root" -cf "$base.tmp" .
    mv "$base.tmp" "$base"
    rm -rf "$root"
    mkdir -m 755 "$root"
fi

phase "unpack the base root, install $(basename "$deb")"
tar -C "$root" -xf "$base"
prepare_root
cp "$deb" "$root/tmp/"
apt_in_root install -y -qq "/tmp/$(basename "$deb")" >"$root.log" 2>&1 ||
    { tail -30 "$root.log" >&2; exit 1; }
rm -f "$root.log" "$root/tmp/$(basename "$deb")"

phase "configure the VM (serial shell, network, the province's settings)"
echo kiosk-vm >"$root/etc/hostname"
printf '/dev/vda / ext4 errors=remount-ro 0 1\n' >"$root/etc/fstab"
for tty in ttyS0 ttyAMA0; do # amd64's and arm64's (qemu virt) first serial port
    mkdir -p "$root/etc/systemd/system/serial-getty@$tty.service.d"
    cat >"$root/etc/systemd/system/serial-getty@$tty.service.d/autologin.conf" <<'UNIT'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200 %I vt220
UNIT
done
cat >"$root/etc/systemd/network/20-qemu.network" <<'NET'
[Match]
Name=en*
[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
NET
ln -sf /lib/systemd/system/systemd-networkd.service \
    "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
# The test's shell prints no colours and no prompt noise.
printf 'PS1="# "\nexport SYSTEMD_PAGER= SYSTEMD_COLORS=0 TERM=dumb\nstty -echo 2>/dev/null\n' \
    >>"$root/root/.bashrc"
# The stick's key (made the way a technician makes it) and the sync server:
# what a province would set up.
in_root hailong export-key --new --config /etc/hailong/hailong.json >"$out/export.key" 2>/dev/null
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$out/sync.token"
sync_url=${HL_VM_SYNC:-http://10.0.2.100:8765/v1/responses}
python3 - "$root/etc/hailong/hailong.json" "$sync_url" "$(cat "$out/sync.token")" <<'PY'
import json, sys
path, url, token = sys.argv[1:]
cfg = json.load(open(path))
cfg["kiosk_id"] = "vm-kiosk-1"
cfg["sync"] = {"url": url, "token": token, "allow_insecure_http": True, "interval_s": 5}
json.dump(cfg, open(path, "w"), ensure_ascii=False, indent=2)
PY
in_root hailong check /etc/hailong/hailong.json >/dev/null
unmount_all
rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"

phase "the ext4 image (mkfs.ext4 -d)"
echo "$arch" >"$out/arch"
cp "$root"/boot/vmlinuz-* "$out/vmlinuz"
cp "$root"/boot/initrd.img-* "$out/initrd.img"
chmod 644 "$out/vmlinuz" "$out/initrd.img"
rm -f "$out/root.img"
truncate -s 3G "$out/root.img"
mkfs.ext4 -q -L hailong-root -d "$root" "$out/root.img"
phase "done: $out/root.img"
