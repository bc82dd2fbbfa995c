#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""cdp_browser.py: a real browser for the dashboard's tests (tests/test_dashboard.c).

Drives Debian's Chromium headless over the Chrome DevTools Protocol on a
pipe (--remote-debugging-pipe: JSON messages ended by a NUL byte, Chromium
reading them on its fd 3 and writing its own on fd 4), with the standard
library only: no pip, no npm, no websocket. One run starts one browser with
a fresh profile in the test's folder, a fixed window (1280x900, device scale
1, no scrollbars, no hinting, no GPU) and a font configuration that holds
only the bundled Noto Sans (fonts/), so a page renders the same on every
machine and its screenshot can be compared pixel for pixel with a golden.

    cdp_browser.py run --tmp DIR [--chromium PATH] [--fonts DIR] [--timeout S] SCRIPT
        SCRIPT: a JSON file (or "-": stdin) holding a list of commands:
          {"cmd": "goto", "url": U}              load U, wait for its load event
          {"cmd": "fill", "selector": S, "value": V}  set a form field's value
          {"cmd": "click", "selector": S}        click S and wait for the page it
                                                 loads (a form's submit button)
          {"cmd": "html", "path": P}             the page's HTML (outerHTML) to P
          {"cmd": "screenshot", "path": P}       the whole page (1280 wide) as PNG
          {"cmd": "pdf", "path": P}              Page.printToPDF (A4) to P
          {"cmd": "eval", "expr": E}             E's value (JSON-able)
          {"cmd": "cookies"}                     the browser's cookies (HttpOnly too)
        Prints one JSON line: {"ok": bool, "results": [...]}, one result per
        command run: {"cmd", "ok", "error"?, "status"? (the HTTP status of the
        page loaded), "url"? (where the browser is after it), "value"?,
        "cookies"?}. The first failing command ends the run (exit 1).
    cdp_browser.py compare ACTUAL GOLDEN DIFF [--delta D] [--fraction F]
        Compares two PNGs pixel by pixel: a pixel differs when a channel is
        off by more than D (default 0); they match when at most F (default 0)
        of the pixels differ and the sizes are equal. On a mismatch writes
        DIFF (differing pixels red over a faded copy of ACTUAL). Prints
        {"match", "width", "height", "differs", "max_delta", "reason"?};
        exit 0 on a match, 1 otherwise, 2 on an unreadable file.

Every wait is for a condition (a reply, an event, the browser's exit) and is
bounded only against a hang (--timeout, minutes by default), never a sleep.
Chromium is exec'd as /usr/lib/chromium/chromium (the binary behind Debian's
/usr/bin/chromium launcher, whose /etc/chromium.d flags add extensions and
GPU rasterization that a golden must not depend on) when it exists.
"""

import argparse
import base64
import json
import os
import select
import shutil
import struct
import sys
import time
import zlib

WIDTH, HEIGHT = 1280, 900


class BrowserError(Exception):
    """A browser that died, hung or answered a command with an error."""


def fonts_conf(tmp, fonts):
    """A fontconfig file naming only the bundled fonts (every family falls
    back to them), its cache in tmp; returns its path."""
    path = os.path.join(tmp, "fonts.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                f"  <dir>{fonts}</dir>\n  <cachedir>{tmp}/fontcache</cachedir>\n"
                "  <config></config>\n"
                '  <match target="pattern"><edit name="family" mode="append_last">'
                "<string>Noto Sans</string></edit></match>\n"
                '  <match target="font"><edit name="antialias" mode="assign"><bool>true</bool>'
                '</edit><edit name="hinting" mode="assign"><bool>false</bool></edit>'
                '<edit name="rgba" mode="assign"><const>none</const></edit></match>\n'
                "</fontconfig>\n")
    return path


class Browser:
    """One headless Chromium and its page, spoken to over the pipe."""

    def __init__(self, chromium, tmp, fonts, timeout):
        self.timeout = timeout
        self.next_id = 0
        self.events = []  # events read while waiting for something else, oldest first
        self.buf = b""
        profile = os.path.join(tmp, "profile")
        os.makedirs(profile, exist_ok=True)
        args = [chromium, "--headless=new", "--remote-debugging-pipe",
                f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}",
                "--force-device-scale-factor=1", "--hide-scrollbars",
                "--font-render-hinting=none", "--disable-gpu", "--disable-lcd-text",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--disable-translate",
                "--disable-component-update", "--disable-default-apps",
                "--disable-features=Translate,MediaRouter,OptimizationHints",
                "--disable-dev-shm-usage", "--mute-audio", "--lang=vi",
                "--accept-lang=vi", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses root otherwise
        env = dict(os.environ)
        env["HOME"] = tmp
        env["FONTCONFIG_FILE"] = fonts_conf(tmp, fonts)
        env["TZ"] = "Asia/Ho_Chi_Minh"
        env["LANG"] = env["LC_ALL"] = "C.UTF-8"
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        to_r, to_w = os.pipe()      # we write, Chromium reads on its fd 3
        from_r, from_w = os.pipe()  # Chromium writes on its fd 4, we read
        self.log = open(os.path.join(tmp, "chromium.log"), "ab")
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.dup2(self.log.fileno(), 1)
                os.dup2(self.log.fileno(), 2)
                null = os.open("/dev/null", os.O_RDONLY)
                os.dup2(null, 0)
                # to_r and from_w may themselves be 3 or 4: move them out first
                a, b = os.dup(to_r), os.dup(from_w)
                os.dup2(a, 3)
                os.dup2(b, 4)
                os.set_inheritable(3, True)
                os.set_inheritable(4, True)
                os.closerange(5, 65536)
                os.execve(chromium, args, env)
            finally:
                os._exit(127)
        os.close(to_r)
        os.close(from_w)
        self.wfd, self.rfd = to_w, from_r
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        if page is None:
            page = {"targetId": self.call("Target.createTarget", url="about:blank")["targetId"]}
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        for domain in ("Page.enable", "Network.enable", "Runtime.enable"):
            self.call(domain, session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=WIDTH,
                  height=HEIGHT, deviceScaleFactor=1, mobile=False)
        self.call("Emulation.setTimezoneOverride", session=True, timezoneId="Asia/Ho_Chi_Minh")

    def send(self, method, session=False, **params):
        """Sends one command; returns its id."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.wfd, data)
            data = data[n:]
        return self.next_id

    def read(self, deadline):
        """The next message from Chromium (waits for it, until deadline)."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no answer from Chromium in time (a hang)")
            ready, _, _ = select.select([self.rfd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed its pipe (it died: see chromium.log)")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, session=False, **params):
        """Sends a command and waits for its reply; events read meanwhile are kept."""
        cid = self.send(method, session, **params)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self.read(deadline)
            if msg.get("id") == cid:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, pred):
        """Waits for the first event (kept or coming) for which pred is true;
        drops the events before it."""
        deadline = time.monotonic() + self.timeout
        while True:
            while self.events:
                ev = self.events.pop(0)
                if pred(ev):
                    return ev
            self.events.append(self.read(deadline))

    def evaluate(self, expr):
        """expr's value in the page (awaited when a promise)."""
        res = self.call("Runtime.evaluate", session=True, expression=expr, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text")
            raise BrowserError(f"in the page: {text}")
        return res.get("result", {}).get("value")

    def wait_load(self, result):
        """Waits for the page's load event after a navigation began and sets
        result's status (the last document response before it) and url."""
        status = None
        while True:
            ev = self.wait_event(lambda e: e.get("method") in (
                "Network.responseReceived", "Page.loadEventFired"))
            if ev["method"] == "Network.responseReceived":
                if ev["params"].get("type") == "Document":
                    status = ev["params"]["response"].get("status")
                continue
            break
        result["status"] = status
        result["url"] = self.evaluate("location.href")

    def close(self):
        """Asks Chromium to end and waits for it (killed if it hangs)."""
        try:
            self.send("Browser.close")
        except OSError:
            pass
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            # waiting for its pipe's end is the condition (no sleep): read until EOF
            ready, _, _ = select.select([self.rfd], [], [], deadline - time.monotonic())
            if ready and not os.read(self.rfd, 1 << 20):
                os.waitpid(self.pid, 0)
                break
        else:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.wfd)
        os.close(self.rfd)
        self.log.close()


def js_str(s):
    return json.dumps(s)


def run_command(b, c):
    """Runs one script command; returns its result (raises on failure)."""
    cmd = c.get("cmd")
    r = {"cmd": cmd, "ok": True}
    if cmd == "goto":
        b.events.clear()
        nav = b.call("Page.navigate", session=True, url=c["url"])
        if nav.get("errorText"):
            raise BrowserError(f"goto {c['url']}: {nav['errorText']}")
        b.wait_load(r)
    elif cmd == "fill":
        found = b.evaluate(
            f"(() => {{ const e = document.querySelector({js_str(c['selector'])});"
            f" if (!e) return false; e.value = {js_str(c['value'])};"
            " e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()")
        if not found:
            raise BrowserError(f"fill: no element {c['selector']}")
    elif cmd == "click":
        b.events.clear()
        found = b.evaluate(
            f"(() => {{ const e = document.querySelector({js_str(c['selector'])});"
            " if (!e) return false; setTimeout(() => e.click(), 0); return true; })()")
        if not found:
            raise BrowserError(f"click: no element {c['selector']}")
        b.wait_load(r)
    elif cmd == "html":
        html = b.evaluate("document.documentElement.outerHTML")
        with open(c["path"], "w", encoding="utf-8") as f:
            f.write("<!DOCTYPE html>\n" + html)
    elif cmd == "screenshot":
        # fonts loaded and layout done before the picture (a condition)
        b.evaluate("document.fonts.ready.then(() => true)")
        h = b.evaluate("Math.ceil(Math.max(document.documentElement.scrollHeight,"
                       " document.body ? document.body.scrollHeight : 0))")
        shot = b.call("Page.captureScreenshot", session=True, format="png",
                      captureBeyondViewport=True, fromSurface=True,
                      clip={"x": 0, "y": 0, "width": WIDTH, "height": max(int(h), 1),
                            "scale": 1})
        with open(c["path"], "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    elif cmd == "pdf":
        b.evaluate("document.fonts.ready.then(() => true)")
        pdf = b.call("Page.printToPDF", session=True, printBackground=True,
                     paperWidth=8.27, paperHeight=11.69, preferCSSPageSize=True)
        with open(c["path"], "wb") as f:
            f.write(base64.b64decode(pdf["data"]))
    elif cmd == "eval":
        r["value"] = b.evaluate(c["expr"])
    elif cmd == "cookies":
        r["cookies"] = b.call("Network.getAllCookies", session=True)["cookies"]
    else:
        raise BrowserError(f"unknown command {cmd!r}")
    return r


def cmd_run(a):
    if a.script == "-":
        script = json.load(sys.stdin)
    else:
        with open(a.script, encoding="utf-8") as f:
            script = json.load(f)
    chromium = a.chromium
    if not chromium:
        chromium = "/usr/lib/chromium/chromium"
        if not os.access(chromium, os.X_OK):
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
    results = []
    ok = True
    b = None
    try:
        b = Browser(chromium, a.tmp, a.fonts, a.timeout)
        for c in script:
            try:
                results.append(run_command(b, c))
            except (BrowserError, KeyError, OSError) as e:
                results.append({"cmd": c.get("cmd"), "ok": False, "error": str(e)})
                ok = False
                break
    except (BrowserError, OSError) as e:
        results.append({"cmd": "start", "ok": False, "error": str(e)})
        ok = False
    finally:
        if b is not None:
            b.close()
    print(json.dumps({"ok": ok, "results": results}, ensure_ascii=False))
    return 0 if ok else 1


# ---- PNG (8-bit greyscale/RGB/RGBA, not interlaced: what Chromium writes) ----

def png_read(path):
    """(width, height, channels, rows): rows a list of bytes, one per line."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, w = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (0, 2, 6) or interlace:
                raise ValueError(f"{path}: PNG kind not handled (depth {depth}, type {ctype})")
            ch = {0: 1, 2: 3, 6: 4}[ctype]
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if w is None:
        raise ValueError(f"{path}: no IHDR")
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 255
        elif ft == 2:
            line = bytearray((x + p) & 255 for x, p in zip(line, prev))
        elif ft == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b = prev[i]
                c = prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, ch, rows


def rgb_at(row, x, ch):
    if ch == 1:
        return (row[x], row[x], row[x])
    return (row[x * ch], row[x * ch + 1], row[x * ch + 2])


def png_write_rgb(path, w, h, pixels):
    """pixels: bytes of w*h*3 (RGB)."""
    raw = b"".join(b"\0" + pixels[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def png_pixel_stream(path):
    """The PNG's header and its decompressed, still filtered image data: two
    files with the same stream have the same pixels (the fast path; decoding
    a page in pure Python takes seconds)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, head, idat = 8, b"", []
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            head = data[pos + 8:pos + 8 + n]
        elif kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + n])
        pos += 12 + n
    return head, zlib.decompress(b"".join(idat))


def cmd_compare(a):
    try:
        if png_pixel_stream(a.actual) == png_pixel_stream(a.golden):
            print(json.dumps({"match": True, "differs": 0, "max_delta": 0}))
            return 0
        aw, ah, ach, arows = png_read(a.actual)
        gw, gh, gch, grows = png_read(a.golden)
    except (OSError, ValueError, zlib.error) as e:
        print(json.dumps({"match": False, "reason": str(e)}))
        return 2
    out = {"width": aw, "height": ah, "differs": 0, "max_delta": 0}
    if (aw, ah) != (gw, gh):
        out.update(match=False, reason=f"size {aw}x{ah}, golden {gw}x{gh}")
        print(json.dumps(out))
        return 1
    differs, max_delta = 0, 0
    bad = []  # (x, y) of differing pixels
    for y in range(ah):
        ar, gr = arows[y], grows[y]
        if ach == gch and ar == gr:
            continue
        for x in range(aw):
            pa, pg = rgb_at(ar, x, ach), rgb_at(gr, x, gch)
            if pa == pg:
                continue
            d = max(abs(p - q) for p, q in zip(pa, pg))
            max_delta = max(max_delta, d)
            if d > a.delta:
                differs += 1
                bad.append((x, y))
    out.update(differs=differs, max_delta=max_delta)
    match = differs <= a.fraction * aw * ah
    out["match"] = match
    if not match:
        out["reason"] = f"{differs} of {aw * ah} pixels differ (largest channel difference {max_delta})"
        px = bytearray(aw * ah * 3)
        for y in range(ah):
            row = arows[y]
            for x in range(aw):
                r, g, b = rgb_at(row, x, ach)
                grey = (r + g + b) // 3
                v = 255 - (255 - grey) // 4  # faded
                i = (y * aw + x) * 3
                px[i] = px[i + 1] = px[i + 2] = v
        for x, y in bad:
            i = (y * aw + x) * 3
            px[i], px[i + 1], px[i + 2] = 255, 0, 0
        png_write_rgb(a.diff, aw, ah, bytes(px))
        out["diff"] = a.diff
    print(json.dumps(out))
    return 0 if match else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run")
    r.add_argument("--tmp", required=True)
    r.add_argument("--chromium")
    here = os.path.dirname(os.path.abspath(__file__))
    r.add_argument("--fonts", default=os.path.normpath(os.path.join(here, "..", "..", "fonts")))
    r.add_argument("--timeout", type=float, default=300.0)
    r.add_argument("script")
    c = sub.add_parser("compare")
    c.add_argument("actual")
    c.add_argument("golden")
    c.add_argument("diff")
    c.add_argument("--delta", type=int, default=0)
    c.add_argument("--fraction", type=float, default=0.0)
    a = p.parse_args()
    return cmd_run(a) if a.what == "run" else cmd_compare(a)


if __name__ == "__main__":
    sys.exit(main())
