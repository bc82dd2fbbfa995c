#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""vm.py: the kiosk's system test: the packaged kiosk booted in a qemu VM.

The image (tests/system/vm-image.sh) is Debian 12 with the hailong .deb
installed as a kiosk gets it; this script boots it under software emulation
(TCG: the machines here have a KVM that cannot run a stock kernel) and drives
it from outside as the world would: a serial console with a root shell (the
test's own hands inside), QMP for the screen (screendump), the finger
(usb-tablet through input-send-event), USB sticks (usb-storage on the xhci
bus, hot-plugged and pulled) and the power (SIGKILL of qemu: a hard cut, the
guest's page cache lost, the disk as the last flush left it).

Checks (`ci`, what .ci/run runs): the unit reaches READY=1 and its status
line; the screen as the stock unit draws it on KMS equals the golden of the
same screen and size; a whole session tapped through the touch device lands
on the right targets (checked in `hailong stats` and in the export); a stick
is hot-plugged, the bundle written, "safe to remove" logged, the stick pulled
WITHOUT unmounting, then read back on the host with mtools and verified with
the kiosk's registered key; a sync push reaches a receiver on the host; a
hard power cut while a citizen answers, then the invariants after reboot
(nothing acknowledged lost, the chain intact, the cut response partial); the
watchdog restarting a stopped kiosk.
`cuts N` (the long run): N hard power cuts at random moments of scripted
sessions, the invariants after each. `bench`: boot to READY, cut to back in
service, the kiosk's idle CPU and resident memory, as one JSON line.

Usage: python3 tests/system/vm.py ci|cuts N|bench --image DIR --hailong HOST_HAILONG
         [--work DIR] [--seed S]
  DIR holds root.img, vmlinuz, initrd.img, export.key, sync.token (vm-image.sh);
  HOST_HAILONG is a hailong built from the same source on the host (it lays
  out the screen to find where targets are, and verifies the bundle).
Prints PASS/FAIL per check, "N passed, N failed" and the time; exit 1 on a
failure. Every wait is for a condition, bounded only against a hang.
Standard library only.
"""
import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
W, H = 1280, 800  # the VM's panel (virtio-vga xres/yres)
HANG = 600  # seconds: a wait longer than this is a hang, not slowness
SCREEN_HANG = 180  # a screen that has not changed this long after a tap never will
GUEST_SYNC = ("10.0.2.100", 8765)  # where the image's config sends sync (guestfwd)


def log(msg):
    print(msg, flush=True)


# ---- PNG (read and write, no third-party module) ---------------------------

def png_read(path):
    """Returns (w, h, bytes RGB) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path + ": not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), path + ": only 8-bit RGB(A)"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray(w * h * 3)
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        prev = line
        if bpp == 3:
            out[y * w * 3:(y + 1) * w * 3] = line
        else:
            for x in range(w):
                out[(y * w + x) * 3:(y * w + x) * 3 + 3] = line[x * 4:x * 4 + 3]
    return w, h, bytes(out)


def ppm_read(path):
    """QEMU's screendump (PPM P6) as (w, h, bytes RGB)."""
    data = open(path, "rb").read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert m, path + ": not a PPM"
    w, h = int(m.group(1)), int(m.group(2))
    return w, h, data[m.end():m.end() + w * h * 3]


def png_write(path, w, h, rgb):
    raw = b"".join(b"\x00" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def compare(a, b, tol=48):
    """Share of pixels where a channel differs by more than tol, and the
    largest difference. a and b are (w, h, rgb)."""
    if a[0] != b[0] or a[1] != b[1]:
        return 1.0, 255
    bad, worst, pa, pb = 0, 0, a[2], b[2]
    if pa == pb:
        return 0.0, 0
    for i in range(0, len(pa), 3):
        d = max(abs(pa[i] - pb[i]), abs(pa[i + 1] - pb[i + 1]), abs(pa[i + 2] - pb[i + 2]))
        if d > tol:
            bad += 1
        if d > worst:
            worst = d
    return bad / (a[0] * a[1]), worst


def quick_differs(a, b, step=97, tol=48):
    """compare() on every step-th pixel only: cheap, to skip a full
    comparison while a screen is plainly another one."""
    if a[0] != b[0] or a[1] != b[1]:
        return 1.0
    pa, pb, bad, n = a[2], b[2], 0, 0
    for i in range(0, len(pa) - 2, 3 * step):
        n += 1
        if max(abs(pa[i] - pb[i]), abs(pa[i + 1] - pb[i + 1]), abs(pa[i + 2] - pb[i + 2])) > tol:
            bad += 1
    return bad / max(n, 1)


# ---- The machine -------------------------------------------------------------

class VM:
    def __init__(self, image, work, mem=1280):
        self.image, self.work, self.mem = image, work, mem
        arch_file = os.path.join(image, "arch")
        self.arch = open(arch_file).read().strip() if os.path.exists(arch_file) else "amd64"
        self.disk = os.path.join(work, "disk.img")
        self.proc = None
        self.qmp_sock = self.ser = None
        self.ser_buf = b""
        self.n = 0
        self.sync_port = None
        self.boots = 0

    def fresh_disk(self):
        subprocess.check_call(["cp", "--sparse=always", os.path.join(self.image, "root.img"),
                               self.disk])

    def start(self):
        self.boots += 1
        for f in ("qmp.sock", "serial.sock"):
            try:
                os.unlink(os.path.join(self.work, f))
            except FileNotFoundError:
                pass
        fwd = ""
        if self.sync_port:
            # One relay process per connection (guestfwd's "tcp:" target would
            # be one connection made at start, shared by all the guest's).
            fwd = ",guestfwd=tcp:%s:%d-cmd:/usr/bin/python3 %s relay %d" % (
                GUEST_SYNC + (os.path.abspath(__file__), self.sync_port))
        if self.arch == "arm64":  # a Pi-class board: qemu's virt machine, Cortex-A72
            machine = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72"]
            console, gpu = "ttyAMA0", "virtio-gpu-pci"
        else:
            machine = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-vga", "none"]
            console, gpu = "ttyS0", "virtio-vga"
        cmd = machine + [
               "-accel", "tcg,thread=multi", "-smp", "2",
               "-m", str(self.mem), "-nodefaults", "-no-user-config", "-display", "none",
               "-kernel", os.path.join(self.image, "vmlinuz"),
               "-initrd", os.path.join(self.image, "initrd.img"),
               "-append", "root=/dev/vda rw console=%s,115200 quiet loglevel=3 "
                          "systemd.show_status=0 panic=10" % console,
               "-drive", "file=%s,format=raw,if=none,id=root,cache=writeback" % self.disk,
               "-device", "virtio-blk-pci,drive=root",
               "-device", "%s,xres=%d,yres=%d" % (gpu, W, H),
               "-device", "qemu-xhci,id=xhci", "-device", "usb-tablet,bus=xhci.0",
               "-netdev", "user,id=n0,restrict=on" + fwd, "-device", "virtio-net-pci,netdev=n0",
               "-chardev", "socket,id=ser0,path=%s,server=on,wait=off,logfile=%s,logappend=on"
               % (os.path.join(self.work, "serial.sock"), os.path.join(self.work, "serial.log")),
               "-serial", "chardev:ser0",
               "-qmp", "unix:%s,server=on,wait=off" % os.path.join(self.work, "qmp.sock")]
        self.proc = subprocess.Popen(cmd, stdout=open(os.path.join(self.work, "qemu.log"), "ab"),
                                     stderr=subprocess.STDOUT)
        self.qmp_sock = self._connect("qmp.sock")
        self.qmp_file = self.qmp_sock.makefile("rwb", buffering=0)
        json.loads(self.qmp_file.readline())  # greeting
        self.qmp("qmp_capabilities")
        self.ser = self._connect("serial.sock")
        self.ser.settimeout(1.0)
        self.ser_buf = b""

    def _connect(self, name):
        path = os.path.join(self.work, name)
        end = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("qemu exited (%d): see %s/qemu.log" % (self.proc.returncode,
                                                                          self.work))
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                return s
            except OSError:
                s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)

    def qmp(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.qmp_file.write(json.dumps(msg).encode() + b"\n")
        while True:
            line = self.qmp_file.readline()
            if not line:
                raise RuntimeError("QMP closed")
            r = json.loads(line)
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise RuntimeError("QMP %s: %s" % (cmd, r["error"]))
            return r.get("return")

    events = []

    def wait_event(self, name, timeout=HANG):
        end = time.monotonic() + timeout
        self.qmp_sock.settimeout(1.0)
        try:
            while time.monotonic() < end:
                for i, e in enumerate(self.events):
                    if e["event"] == name:
                        return self.events.pop(i)
                try:
                    line = self.qmp_file.readline()
                except (socket.timeout, TimeoutError):
                    continue
                if line:
                    self.events.append(json.loads(line))
        finally:
            self.qmp_sock.settimeout(None)
        raise RuntimeError("no QMP event %s in %d s" % (name, timeout))

    def _read_serial(self):
        try:
            data = self.ser.recv(65536)
        except (socket.timeout, TimeoutError):
            return False
        if not data:
            raise RuntimeError("the serial console closed (qemu gone?)")
        with open(os.path.join(self.work, "serial-seen.log"), "ab") as f:
            f.write(data)  # what the test read (qemu's own log may repeat bytes)
        self.ser_buf += data
        return True

    def sh(self, cmd, timeout=HANG, check=True):
        """Runs cmd in the VM's root shell; returns (exit code, output)."""
        self.n += 1
        tag = "HLDONE%d" % self.n
        self.ser_buf = b""
        line = "%s; echo %s=$?\n" % (cmd, tag)
        self.ser.sendall(line.encode())
        pat = re.compile((tag + r"=(\d+)").encode())
        end = time.monotonic() + timeout
        while True:
            m = pat.search(self.ser_buf)
            if m:
                out = self.ser_buf[:m.start()].decode("utf-8", "replace")
                out = out.replace(line.strip(), "").replace("\r", "")
                out = "\n".join(ln[2:] if ln.startswith("# ") else ("" if ln == "#" else ln)
                                for ln in out.split("\n"))
                rc = int(m.group(1))
                if check and rc != 0:
                    raise RuntimeError("in the VM, `%s` exited %d:\n%s" % (cmd, rc, out))
                return rc, out.strip()
            if time.monotonic() > end:
                raise RuntimeError("in the VM, `%s` did not finish in %d s" % (cmd, timeout))
            self._read_serial()

    def wait_shell(self, timeout=HANG):
        """Waits for the root shell on the serial console (the boot is done)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.ser.sendall(b"echo HL''READY\n")
            t = time.monotonic() + 3
            while time.monotonic() < t:
                self._read_serial()
                if b"HLREADY" in self.ser_buf:
                    self.ser_buf = b""
                    self.sh("stty -echo; export SYSTEMD_PAGER= SYSTEMD_COLORS=0 TERM=dumb")
                    return
        raise RuntimeError("no shell on the serial console in %d s" % timeout)

    def wait_for(self, cmd, what, timeout=HANG, every=1.0):
        """Runs cmd in the VM until it exits 0; returns its output."""
        end = time.monotonic() + timeout
        while True:
            rc, out = self.sh(cmd, check=False)
            if rc == 0:
                return out
            if time.monotonic() > end:
                raise RuntimeError("waited %d s for %s; last output:\n%s" % (timeout, what, out))
            time.sleep(every)

    def screen(self, path):
        self.qmp("screendump", filename=path)
        return ppm_read(path)

    def tap(self, x, y):
        """A finger down and up at screen pixel (x, y), through the usb-tablet."""
        ax, ay = (x * 32768 + W // 2) // W, (y * 32768 + H // 2) // H
        self.qmp("input-send-event", events=[
            {"type": "abs", "data": {"axis": "x", "value": ax}},
            {"type": "abs", "data": {"axis": "y", "value": ay}}])
        self.qmp("input-send-event", events=[
            {"type": "btn", "data": {"down": True, "button": "left"}}])
        time.sleep(0.05)
        self.qmp("input-send-event", events=[
            {"type": "btn", "data": {"down": False, "button": "left"}}])

    def cut(self):
        """A hard power cut: qemu killed, nothing flushed."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.close_sockets()

    def close_sockets(self):
        for s in (self.qmp_sock, self.ser):
            if s:
                s.close()
        self.qmp_sock = self.ser = None
        self.events = []

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.qmp("quit")
            except Exception:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.close_sockets()


# ---- What the test knows about the kiosk -------------------------------------

def host_targets(hailong, plan, work):
    """For each step of plan (a list of target ids) and the screen after
    the last: the touch target boxes and the picture, made by the host's
    hailong at the VM's size with the packaged survey and config (the same
    code lays out and draws the VM's screen, with the same software
    renderer). screens[i]["png"] is what the VM must show before step i:
    seeing it is how the test knows step i-1 was acknowledged (the kiosk
    moves on only after the save committed), not merely that a button lit."""
    script = os.path.join(work, "layout.txt")
    shots = os.path.join(work, "layout-shots")
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    with open(script, "w") as f:
        f.write("size %dx%d\n" % (W, H))
        for i, tid in enumerate(plan):
            f.write("targets\nshot s%02d\nwait 1000\ntap %s\n" % (i, tid))
        f.write("targets\nshot s%02d\n" % len(plan))
    data = os.path.join(work, "layout-data")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    out = subprocess.run([hailong, "--config", os.path.join(TOP, "platform/packaging/hailong.json"),
                          "--data-dir", data, "run", "--headless", "--script", script,
                          "--screenshots", shots],
                         capture_output=True, text=True, env=host_env())
    screens, cur = [], None
    for line in out.stdout.splitlines():
        p = line.split()
        if p and p[0] == "screen":
            cur = {"screen": p[1]}
            screens.append(cur)
        elif p and p[0] == "target" and cur is not None:
            cur[p[1]] = tuple(int(v) for v in p[2:6])
    if out.returncode != 0 or len(screens) != len(plan) + 1:
        raise RuntimeError("laying out the session on the host failed:\n" + out.stdout +
                           out.stderr)
    for i, sc in enumerate(screens):
        sc["png"] = png_read(os.path.join(shots, "s%02d.png" % i))
    return screens


def host_env():
    env = dict(os.environ)
    env["HAILONG_ASSETS_DIR"] = os.path.join(TOP, "assets")
    env["HAILONG_FONTS_DIR"] = os.path.join(TOP, "fonts")
    return env


SESSION = ["answer:overall:satisfied", "answer:officer:very_satisfied",
           "answer:procedure_posted:yes", "answer:result_on_time:yes",
           "answer:facilities:satisfied", "answer:feedback_channel:yes", "answer:trips:once",
           "skip"]


class Run:
    def __init__(self, args):
        self.args = args
        self.passed = self.failed = 0
        self.t0 = time.monotonic()
        self.work = args.work or tempfile.mkdtemp(prefix="hailong-vm.")
        os.makedirs(self.work, exist_ok=True)
        self.vm = VM(args.image, self.work)
        self.receiver = None

    def check(self, name, fn):
        t = time.monotonic()
        try:
            fn()
            log("PASS %s (%.0f s)" % (name, time.monotonic() - t))
            self.passed += 1
            return True
        except Exception as e:  # a failed check is reported, the run goes on where it can
            log("FAIL %s (%.0f s)\n    %s" % (name, time.monotonic() - t,
                                              str(e).replace("\n", "\n    ")))
            self.failed += 1
            return False

    # -- the host's side ---------------------------------------------------

    def start_receiver(self):
        pf = os.path.join(self.work, "receiver.port")
        self.receiver_db = os.path.join(self.work, "receiver.db")
        token = open(os.path.join(self.args.image, "sync.token")).read().strip()
        self.receiver = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(TOP, "tests/support/sync_receiver.py"), "serve",
             "--db", self.receiver_db, "--plain", "--port", "0", "--token", token,
             "--port-file", pf], stdout=subprocess.DEVNULL, stderr=open(
                 os.path.join(self.work, "receiver.log"), "w"))
        end = time.monotonic() + 60
        while not (os.path.exists(pf) and open(pf).read().strip()):
            if time.monotonic() > end or self.receiver.poll() is not None:
                raise RuntimeError("the sync receiver did not start: see receiver.log")
            time.sleep(0.1)
        self.vm.sync_port = int(open(pf).read().strip())

    def receiver_stored(self):
        out = subprocess.run(["/usr/bin/python3", os.path.join(TOP, "tests/support/sync_receiver.py"),
                              "stats", "--db", self.receiver_db], capture_output=True, text=True)
        return json.loads(out.stdout)["stored"] if out.returncode == 0 else -1

    # -- steps ---------------------------------------------------------------

    def boot(self):
        t = time.monotonic()
        self.vm.start()
        self.vm.wait_shell()
        self.vm.wait_for("systemctl show -p ActiveState --value hailong | grep -qx active",
                         "the kiosk's unit to be active (READY=1)")
        return time.monotonic() - t

    def stats(self):
        # A serial line can, rarely, lose or repeat a byte under heavy load:
        # a reading that is not JSON is taken again (stats only reads).
        for attempt in range(5):
            _, out = self.vm.sh("hailong --data-dir /var/lib/hailong stats --json")
            try:
                return json.loads(out[out.index("{"):out.rindex("}") + 1])
            except ValueError:
                if attempt == 4:
                    raise RuntimeError("hailong stats --json printed no JSON: %r" % out)

    def wait_screen_settled(self, before=None):
        """Waits for the screen to differ from `before` (when given) and to
        hold still across two looks; returns it."""
        p = os.path.join(self.work, "settle.ppm")
        end = time.monotonic() + SCREEN_HANG
        last = self.vm.screen(p)
        while time.monotonic() < end:
            time.sleep(0.4)
            cur = self.vm.screen(p)
            if cur[2] == last[2] and (before is None or cur[2] != before[2]):
                return cur
            last = cur
        png_write(os.path.join(self.work, "stuck.png"), *last)
        raise RuntimeError("the screen did not change and settle in %d s (it shows %s/stuck.png)"
                           % (SCREEN_HANG, self.work))

    def wait_screen_golden(self, golden, name="vm_start.png"):
        """Waits until the screen equals the golden (at most 0.5 % of pixels
        off: the first frame may reach the panel a moment after READY=1);
        fails with the last screen kept as name. Returns (screen, share
        off, worst channel difference)."""
        want = png_read(golden)
        p = os.path.join(self.work, "look.ppm")
        end = time.monotonic() + SCREEN_HANG
        while True:
            got = self.vm.screen(p)
            if got[2] == want[2]:
                bad, worst = 0.0, 0
            elif quick_differs(got, want) > 0.02:
                bad, worst = quick_differs(got, want), 255  # plainly another screen
            else:
                bad, worst = compare(got, want)
            if bad <= 0.005:
                return got, bad, worst
            if time.monotonic() > end:
                png_write(os.path.join(self.work, name), *got)
                raise RuntimeError("the kms screen differs from %s in %.1f %% of its pixels "
                                   "(worst channel off by %d) for %d s: see %s/%s"
                                   % (golden, bad * 100, worst, SCREEN_HANG, self.work, name))
            time.sleep(0.5)

    def wait_screen_is(self, want, what):
        """Waits until the VM's screen is the picture want (the host's
        rendering of the same screen: equal but for at most 0.1 % of pixels)."""
        p = os.path.join(self.work, "look.ppm")
        end = time.monotonic() + SCREEN_HANG
        while True:
            cur = self.vm.screen(p)
            if cur[2] == want[2] or (quick_differs(cur, want) <= 0.001 and
                                     compare(cur, want)[0] <= 0.001):
                return cur
            if time.monotonic() > end:
                png_write(os.path.join(self.work, "stuck.png"), *cur)
                png_write(os.path.join(self.work, "wanted.png"), *want)
                raise RuntimeError("%s did not come up in %d s (the screen shows %s/stuck.png, "
                                   "expected wanted.png)" % (what, SCREEN_HANG, self.work))
            time.sleep(0.2)

    def tap_session(self, plan, screens, stop_after=None):
        """Taps plan's targets in order, each once its screen is up; returns
        when the screen after the last tap is up (every tap acknowledged)."""
        for i, tid in enumerate(plan[:stop_after]):
            self.wait_screen_is(screens[i]["png"], "screen %s (step %d)" % (
                screens[i]["screen"], i))
            box = screens[i].get(tid)
            if not box:
                raise RuntimeError("step %d: %s is not on screen %s" % (i, tid,
                                                                        screens[i]["screen"]))
            time.sleep(0.5)  # past the touch guard (300 ms after a screen change)
            self.vm.tap(box[0] + box[2] // 2, box[1] + box[3] // 2)
        n = len(plan[:stop_after])
        if n:
            self.wait_screen_is(screens[n]["png"], "screen %s (after step %d)" % (
                screens[n]["screen"], n - 1))

    # -- the CI slice --------------------------------------------------------

    def ci(self):
        vm = self.vm
        vm.fresh_disk()
        self.start_receiver()
        boot_s = []

        def boot_ready():
            boot_s.append(self.boot())
            _, st = vm.sh("systemctl show -p StatusText --value hailong")
            if "sipas-mot-cua" not in st and "survey" not in st.lower():
                raise RuntimeError("status line: %r" % st)
            log("    status: %s (boot to READY %.0f s)" % (st, boot_s[0]))
        if not self.check("boots_to_ready_with_status", boot_ready):
            return

        def renderer_logged():
            _, out = vm.sh("journalctl -b -u hailong -o cat | grep 'screen: renderer' || true")
            log("    " + out.replace("\n", "\n    "))
            if "read back as drawn" not in out:
                raise RuntimeError("no renderer was chosen and checked")
        self.check("renderer_chosen_and_checked_at_start", renderer_logged)

        golden = os.path.join(TOP, "tests/golden/%dx%d/vi/stock_start.png" % (W, H))

        def screen_matches_golden():
            got, bad, worst = self.wait_screen_golden(golden)
            log("    %.3f %% of pixels off by more than 48 (worst %d)" % (bad * 100, worst))
        self.check("kms_screen_equals_the_golden", screen_matches_golden)

        plan = SESSION
        screens = host_targets(self.args.hailong, plan, self.work)

        def session_by_taps():
            before = self.stats()
            self.tap_session(plan, screens)
            end = time.monotonic() + HANG
            while True:
                after = self.stats()
                if after["complete"] == before["complete"] + 1:
                    break
                if time.monotonic() > end:
                    raise RuntimeError("no complete response after the taps: %s" % after)
                time.sleep(1)
        self.check("a_session_tapped_on_the_touch_device_is_stored", session_by_taps)

        def stick_cycle():
            self.stick_cycle(expect_answers=dict(
                (t.split(":")[1], t.split(":")[2]) for t in plan if t.startswith("answer:")))
        self.check("stick_bundle_survives_a_pull_without_unmount", stick_cycle)

        def sync_push():
            end = time.monotonic() + HANG
            want = self.stats()["complete"]
            while self.receiver_stored() < want:
                if time.monotonic() > end:
                    _, why = vm.sh("journalctl -u hailong -o cat | grep -i sync | tail -5")
                    raise RuntimeError("the receiver holds %d of %d responses; the kiosk says:\n%s"
                                       % (self.receiver_stored(), want, why))
                time.sleep(1)
        self.check("sync_push_reaches_the_host", sync_push)

        self.check("power_cut_while_answering_loses_nothing", lambda: self.cut_once(plan, screens,
                                                                                    2))
        self.check("watchdog_restarts_a_stopped_kiosk", self.watchdog)
        self.check("panel_off_outside_opening_hours_and_a_touch_wakes_it", self.panel)
        vm.stop()

    def stick_cycle(self, expect_answers=None):
        vm = self.vm
        stick = os.path.join(self.work, "stick.img")
        subprocess.check_call(["truncate", "-s", "64M", stick])
        subprocess.check_call(["mkfs.vfat", "-F", "32", "-n", "HLSTICK", stick],
                              stdout=subprocess.DEVNULL)
        key = os.path.join(self.work, "export.key")
        shutil.copy(os.path.join(self.args.image, "export.key"), key)
        subprocess.check_call(["mmd", "-i", stick, "::HAILONG"])
        subprocess.check_call(["mcopy", "-i", stick, key, "::HAILONG/export.key"])
        _, before = vm.sh("journalctl -u hailong -o cat | grep -c 'safe to remove' || true")
        vm.qmp("blockdev-add", **{"node-name": "stick0", "driver": "raw",
                                  "file": {"driver": "file", "filename": stick}})
        vm.qmp("device_add", driver="usb-storage", bus="xhci.0", drive="stick0", id="stick",
               removable=True)
        n = int(before.split()[-1]) if before.split() else 0
        vm.wait_for("test $(journalctl -u hailong -o cat | grep -c 'safe to remove') -gt %d" % n,
                    "\"safe to remove\" after the stick went in")
        _, line = vm.sh("journalctl -u hailong -o cat | grep 'safe to remove' | tail -1")
        log("    " + line)
        # Pulled at once, without unmounting (as a technician would).
        vm.qmp("device_del", id="stick")
        vm.wait_event("DEVICE_DELETED")
        vm.qmp("blockdev-del", **{"node-name": "stick0"})
        out = os.path.join(self.work, "stick-out")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        subprocess.check_call(["mcopy", "-s", "-n", "-i", stick, "::HAILONG", out])
        bundles = []
        for root, dirs, files in os.walk(out):
            if "manifest.json" in files:
                bundles.append(root)
        if not bundles:
            raise RuntimeError("no bundle with a manifest on the stick: %s" %
                               subprocess.run(["mdir", "-/", "-i", stick, "::"],
                                              capture_output=True, text=True).stdout)
        _, ident = vm.sh("hailong --data-dir /var/lib/hailong identity")
        trust = os.path.join(self.work, "trust.txt")
        with open(trust, "w") as f:
            f.write(ident.splitlines()[-1] + "\n")
        for b in sorted(bundles):
            r = subprocess.run([self.args.hailong, "verify-export", b, "--trust", trust],
                               capture_output=True, text=True, env=host_env())
            if r.returncode != 0:
                raise RuntimeError("verify-export %s exited %d:\n%s%s" % (b, r.returncode,
                                                                         r.stdout, r.stderr))
        if expect_answers:
            rows = [json.loads(line) for b in bundles
                    for line in open(os.path.join(b, "responses.jsonl"))]
            done = [r for r in rows if r["status"] == "complete"]
            if not done:
                raise RuntimeError("no complete response in the bundle")
            got = {q: a.get("value") for q, a in done[-1]["answers"].items()}
            for q, v in expect_answers.items():
                if str(got.get(q)) != v:
                    raise RuntimeError("the bundle's response says %s=%s, the taps chose %s"
                                       % (q, got.get(q), v))
        return bundles

    def cut_once(self, plan, screens, steps):
        """Answers `steps` questions, cuts the power, boots again, checks."""
        vm = self.vm
        before = self.stats()
        self.tap_session(plan, screens, stop_after=steps)
        # Each answer was acknowledged (the next screen came up only after
        # its save committed); the response is in progress, or already
        # partial if the machine was so slow that the idle timeout passed.
        st = self.stats()
        if st["in_progress"] != 1 and st["partial"] != before["partial"] + 1:
            raise RuntimeError("after %d answers the response is not stored: %s" % (steps, st))
        vm.cut()
        self.boot()
        after = self.stats()
        vm.sh("hailong --data-dir /var/lib/hailong verify")
        if after["responses"] != before["responses"] + 1 or \
                after["complete"] != before["complete"] or \
                after["partial"] != before["partial"] + 1:
            raise RuntimeError("before the cut %s, after %s: expected the cut response kept "
                               "as partial and nothing else changed" % (before, after))

    def watchdog(self):
        vm = self.vm
        _, n0 = vm.sh("systemctl show -p NRestarts --value hailong")
        vm.sh("systemctl kill -s STOP hailong")
        vm.wait_for("test $(systemctl show -p NRestarts --value hailong) -gt %s && "
                    "systemctl show -p ActiveState --value hailong | grep -qx active" % n0.strip(),
                    "systemd's watchdog to restart the stopped kiosk")

    # -- one session (the arm64 image's check) ----------------------------------

    def session(self):
        """Boots, checks the screen against its golden and takes a whole
        tapped session: what the arm64 image is checked with."""
        vm = self.vm
        vm.fresh_disk()
        if not self.check("boots_to_ready", lambda: log("    boot to READY %.0f s (%s)"
                                                        % (self.boot(), vm.arch))):
            return
        golden = os.path.join(TOP, "tests/golden/%dx%d/vi/stock_start.png" % (W, H))

        def screen():
            got, bad, worst = self.wait_screen_golden(golden)
            log("    %.3f %% of pixels off by more than 48 (worst %d)" % (bad * 100, worst))
        self.check("kms_screen_equals_the_golden", screen)
        screens = host_targets(self.args.hailong, SESSION, self.work)

        def taps():
            before = self.stats()
            self.tap_session(SESSION, screens)
            after = self.stats()
            if after["complete"] != before["complete"] + 1:
                raise RuntimeError("no complete response after the taps: %s" % after)
        self.check("a_session_tapped_on_the_touch_device_is_stored", taps)
        vm.stop()

    # -- the long run: N hard power cuts at random moments ------------------

    def cuts(self, count):
        vm, rng = self.vm, random.Random(self.args.seed)
        plan = SESSION
        screens = host_targets(self.args.hailong, plan, self.work)
        vm.fresh_disk()
        if not self.check("boots_to_ready", self.boot):
            return
        for i in range(count):
            steps = rng.randint(0, len(plan))
            # Half the cuts come while the next tap's save may be in flight
            # (0-300 ms after the finger lifts), half after the last
            # acknowledged step (0-1.5 s: drawing, idle, the thanks screen).
            inflight = steps < len(plan) and rng.random() < 0.5
            delay = rng.uniform(0, 0.3) if inflight else rng.uniform(0, 1.5)

            def one_cut():
                before = self.stats()
                if steps:
                    self.tap_session(plan, screens, stop_after=steps)
                if inflight:
                    self.wait_screen_is(screens[steps]["png"], "screen %s" %
                                        screens[steps]["screen"])
                    time.sleep(0.5)  # past the touch guard
                    box = screens[steps][plan[steps]]
                    self.vm.tap(box[0] + box[2] // 2, box[1] + box[3] // 2)
                time.sleep(delay)
                vm.cut()
                self.boot()
                vm.sh("hailong --data-dir /var/lib/hailong verify")
                after = self.stats()
                # What was acknowledged must be there; the step in flight
                # may have landed or not (it was never acknowledged).
                given = sum(1 for t in plan[:steps] if t.startswith("answer:"))
                maybe = 1 if inflight and plan[steps].startswith("answer:") else 0
                full = steps == len(plan)
                lands_full = inflight and steps + 1 == len(plan)
                got = {k: after[k] - before[k] for k in ("responses", "complete", "partial")}
                ok_counts = [(1 if steps else 0, 1 if full else 0, 1 if steps and not full else 0)]
                if inflight and not steps:
                    ok_counts.append((1, 0, 1))  # the first answer landed: kept as partial
                if lands_full:
                    ok_counts.append((1, 1, 0))  # the last step landed: complete
                if (got["responses"], got["complete"], got["partial"]) not in ok_counts:
                    raise RuntimeError("responses/complete/partial changed by %s across the cut, "
                                       "expected one of %s (%d steps acknowledged, %s, cut %.2f "
                                       "s after)" % (got, ok_counts, steps,
                                                     "one in flight" if inflight else "none in "
                                                     "flight", delay))
                if not before["answers"] + given <= after["answers"] <= \
                        before["answers"] + given + maybe:
                    raise RuntimeError("answers: %d before, %d after, %d acknowledged in between"
                                       "%s" % (before["answers"], after["answers"], given,
                                               " and one in flight" if maybe else ""))
            self.check("cut_%03d_after_%d_steps%s_%.2f_s" % (
                i + 1, steps, "_and_one_in_flight" if inflight else "", delay), one_cut)
        vm.stop()

    # -- figures ----------------------------------------------------------------

    def bench(self):
        vm, figs = self.vm, {}
        vm.fresh_disk()
        figs["boot_to_ready_s"] = round(self.boot(), 1)
        _, pid = vm.sh("systemctl show -p MainPID --value hailong")
        pid = pid.strip()
        time.sleep(5)
        _, a = vm.sh("cut -d' ' -f14,15 /proc/%s/stat; cat /proc/uptime" % pid)
        time.sleep(30)
        _, b = vm.sh("cut -d' ' -f14,15 /proc/%s/stat; cat /proc/uptime" % pid)
        _, hz = vm.sh("getconf CLK_TCK")
        ta, tb = [sum(map(int, x.split()[0:2])) for x in (a, b)]
        ua, ub = [float(x.splitlines()[1].split()[0]) for x in (a, b)]
        figs["idle_cpu_percent_of_a_core"] = round(100.0 * (tb - ta) / int(hz) / (ub - ua), 2)
        _, rss = vm.sh("grep VmRSS /proc/%s/status" % pid)
        figs["rss_kib"] = int(rss.split()[1])
        _, wake = vm.sh("grep -E 'voluntary_ctxt_switches' /proc/%s/status | head -1" % pid)
        vm.cut()
        t = time.monotonic()
        self.boot()
        figs["cut_to_ready_s"] = round(time.monotonic() - t, 1)
        vm.stop()
        print(json.dumps(figs), flush=True)

    def panel(self):
        """Opening hours that exclude now, on a trusted clock (as
        systemd-timesyncd would mark it): the panel goes off (DPMS through
        the DRM device: virtio-gpu has no backlight) after the quiet minute;
        a touch wakes it, answering nothing."""
        vm = self.vm
        _, now = vm.sh("date +%H")
        h = int(now.strip())
        start, end = ((h + 2, h + 3) if h < 20 else (1, 2))
        _, cfg = vm.sh("cat /etc/hailong/hailong.json")
        cfg = json.loads(cfg[cfg.index("{"):])
        cfg.setdefault("display", {})["opening_hours"] = [
            {"days": "mon-sun", "open": "%02d:00" % start, "close": "%02d:00" % end}]
        blob = base64.b64encode(json.dumps(cfg, ensure_ascii=False).encode()).decode()
        vm.sh("echo %s | base64 -d > /etc/hailong/hailong.json && hailong check "
              "/etc/hailong/hailong.json" % blob)
        vm.sh("mkdir -p /run/systemd/timesync && touch /run/systemd/timesync/synchronized")
        vm.sh("systemctl restart hailong")
        vm.wait_for("systemctl show -p ActiveState --value hailong | grep -qx active",
                    "the kiosk back after its config changed")
        before = self.stats()
        vm.wait_for("journalctl -u hailong -o cat --since=-5min | grep -q 'panel off'",
                    "the panel to go off outside opening hours")
        # QEMU shows "Display output is not active." in small grey letters on
        # black when the connector is off (DPMS): nearly every pixel black.
        p, end = os.path.join(self.work, "look.ppm"), time.monotonic() + SCREEN_HANG
        while True:
            dark = vm.screen(p)
            if sum(1 for v in dark[2][::3] if v > 40) <= W * H // 100:
                break
            if time.monotonic() > end:
                png_write(os.path.join(self.work, "panel_off.png"), *dark)
                raise RuntimeError("the panel is off but the screen is not dark: see "
                                   "%s/panel_off.png" % self.work)
            time.sleep(0.5)
        self.vm.tap(W // 2, H // 2)
        vm.wait_for("journalctl -u hailong -o cat --since=-5min | grep -q 'panel on'",
                    "a touch to wake the panel")
        self.wait_screen_golden(os.path.join(TOP, "tests/golden/%dx%d/vi/stock_start.png"
                                             % (W, H)), "panel_on.png")
        after = self.stats()
        if after["answers"] != before["answers"] or after["responses"] != before["responses"]:
            raise RuntimeError("the wake-up touch answered something: %s -> %s" % (before, after))

    def finish(self):
        if self.vm.proc and self.vm.proc.poll() is None:
            self.vm.stop()
        if self.receiver:
            self.receiver.terminate()
            self.receiver.wait()
        log("%d passed, %d failed, %.0f s (work folder %s)" % (
            self.passed, self.failed, time.monotonic() - self.t0, self.work))
        return 1 if self.failed else 0


def relay(port):
    """qemu's guestfwd command: one guest connection on stdin/stdout, relayed
    to the host's 127.0.0.1:port."""
    import select
    s = socket.create_connection(("127.0.0.1", port))
    fin, fout = 0, 1  # stdin, stdout: the guest's connection
    open_in = True
    while True:
        r, _, _ = select.select([fin, s] if open_in else [s], [], [])
        if fin in r:
            data = os.read(fin, 65536)
            if not data:
                open_in = False
                s.shutdown(socket.SHUT_WR)
            else:
                s.sendall(data)
        if s in r:
            data = s.recv(65536)
            if not data:
                return
            while data:
                data = data[os.write(fout, data):]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "relay":
        relay(int(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["ci", "cuts", "bench", "session"])
    ap.add_argument("count", nargs="?", type=int, default=100)
    ap.add_argument("--image", required=True)
    ap.add_argument("--hailong", required=True)
    ap.add_argument("--work")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    run = Run(args)
    try:
        if args.what == "ci":
            run.ci()
        elif args.what == "cuts":
            run.cuts(args.count)
        elif args.what == "session":
            run.session()
        else:
            run.bench()
    finally:
        rc = run.finish()
    sys.exit(rc)


if __name__ == "__main__":
    main()
