#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sync_receiver.py: the test server the kiosk's sync pushes survey responses to.

A small HTTPS (or, with --plain, HTTP) server on 127.0.0.1 speaking the sync
protocol, version 2: POST /v1/responses with `Authorization: Bearer <token>`,
`Idempotency-Key: <batch_id>` and a JSON body {"kiosk_id", "batch_id",
"responses": [...], "chain_head", "status"}; it answers 200 {"accepted": [...],
"duplicate": [...]}. A heartbeat (no responses) is answered with the two empty
lists. What it receives is kept unique by response_id in its own SQLite file,
next to a log of every request (table requests), of every response received in
any request (table posted, to count resends) and of every status received
(table statuses). With --assignment FILE it serves the assignment FILE holds
(read at each request, so a test may write it while the receiver runs): the
whole object while the kiosk's status.assignment.id is not its id, then only
{"id": N}, as a version 2 server does.

It can be told to misbehave, for every POST (--mode) or for a random share of
them (--chaos P, seeded by --seed): 500, 503 (with Retry-After), slow (store,
then answer late), reset (TCP RST halfway through the body), drop (store,
commit, close without answering) and garbage (store, answer 200 with a body
that is not JSON). Only with --mode, never picked by --chaos (so a seed keeps
its sequence): partial (store the whole batch, answer 200 naming only the
first half, rounded up, of its responses, so the rest must come again and turn
out duplicate), 429 (like 503 but 429 Too Many Requests), upper (store,
answer with the response ids in upper case, as a GUID column would) and
refuse-empty (a version 1 server: a request without responses gets 400).

    sync_receiver.py serve --db FILE [--cert PEM --key PEM | --plain] [--port 0]
        [--token T] [--chaos P] [--seed N] [--mode MODE] [--slow-s S]
        [--retry-after S] [--port-file FILE] [--hold-file FILE] [--assignment FILE]
        [--verbose]
    sync_receiver.py dump --db FILE    # stored bodies, one a line, arrival order
    sync_receiver.py stats --db FILE   # {"stored", "requests", "posts", "resent", "outcomes"}
    sync_receiver.py statuses --db FILE  # {"n": responses, "status": {...}} a line, in order

Standard library only; run with /usr/bin/python3.
"""

import argparse
import hmac
import http.server
import json
import os
import random
import re
import signal
import socket
import socketserver
import ssl
import struct
import sqlite3
import sys
import threading
import time

PATH = "/v1/responses"
MODES = ("500", "503", "slow", "reset", "drop", "garbage")  # --chaos picks among these
MODE_ONLY = ("partial", "429", "upper", "refuse-empty")  # --mode only
FIELDS = ("response_id", "seq", "kiosk_id", "survey_id", "survey_version", "survey_sha256",
          "language", "started_at", "finished_at", "status", "clock_trusted", "answers")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_BODY = 64 * 1024 * 1024
SCHEMA = """
CREATE TABLE IF NOT EXISTS responses(uuid TEXT PRIMARY KEY, body TEXT NOT NULL, batch_id TEXT,
                                     arrival INTEGER);
CREATE TABLE IF NOT EXISTS requests(id INTEGER PRIMARY KEY, at REAL, batch_id TEXT, n INTEGER,
                                    outcome TEXT, status INTEGER);
CREATE TABLE IF NOT EXISTS posted(uuid TEXT, batch_id TEXT);
CREATE TABLE IF NOT EXISTS heads(id INTEGER PRIMARY KEY, kiosk_id TEXT, seq INTEGER, chain TEXT,
                                 signature TEXT, key TEXT);
CREATE TABLE IF NOT EXISTS statuses(id INTEGER PRIMARY KEY, kiosk_id TEXT, n INTEGER, status TEXT);
"""


class BadRequest(Exception):
    """A body the server refuses with 400."""


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


class Store:
    """The receiver's SQLite file; one writer at a time (a lock around each transaction)."""

    def __init__(self, path):
        self.db = open_db(path)
        self.lock = threading.Lock()
        row = self.db.execute("SELECT COALESCE(MAX(arrival), 0) FROM responses").fetchone()
        self.arrival = row[0] + 1

    def _log(self, cur, batch_id, n, outcome, status, posted):
        cur.execute("INSERT INTO requests(at, batch_id, n, outcome, status) VALUES (?,?,?,?,?)",
                    (time.time(), batch_id, n, outcome, status))
        row = cur.lastrowid
        if posted:
            cur.executemany("INSERT INTO posted(uuid, batch_id) VALUES (?,?)",
                            [(u, batch_id) for u, _ in posted])
        return row

    def log(self, batch_id, n, outcome, status, posted=()):
        """Logs a request that stores nothing (and the responses it carried, if parsed)."""
        with self.lock:
            cur = self.db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                self._log(cur, batch_id, n, outcome, status, posted)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise

    def store(self, batch_id, items, outcome, status):
        """Stores [(uuid, body)] in one transaction; returns (accepted, duplicate, request)."""
        with self.lock:
            cur = self.db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                uuids = [u for u, _ in items]
                existing = set()
                for i in range(0, len(uuids), 500):
                    chunk = uuids[i:i + 500]
                    q = "SELECT uuid FROM responses WHERE uuid IN (%s)" % ",".join("?" * len(chunk))
                    existing.update(r[0] for r in cur.execute(q, chunk))
                accepted, duplicate, rows, seen = [], [], [], set()
                arrival = self.arrival
                for u, body in items:
                    if u in existing or u in seen:
                        duplicate.append(u)
                        continue
                    seen.add(u)
                    accepted.append(u)
                    rows.append((u, body, batch_id, arrival))
                    arrival += 1
                cur.executemany("INSERT OR IGNORE INTO responses(uuid, body, batch_id, arrival) "
                                "VALUES (?,?,?,?)", rows)
                row = self._log(cur, batch_id, len(items), outcome, status, items)
                # Every head received is kept (docs/sync-protocol.md, "Chain heads").
                if getattr(items, "head", None):
                    cur.execute("INSERT INTO heads(kiosk_id, seq, chain, signature, key) "
                                "VALUES (?,?,?,?,?)", items.head)
                # Every status received, as sent (protocol version 2).
                if getattr(items, "status", None) is not None:
                    cur.execute("INSERT INTO statuses(kiosk_id, n, status) VALUES (?,?,?)",
                                (items.kiosk_id, len(items), json.dumps(items.status)))
                cur.execute("COMMIT")
                self.arrival = arrival
                return accepted, duplicate, row
            except BaseException:
                cur.execute("ROLLBACK")
                raise


def parse_batch(raw):
    """Returns (batch_id, [(uuid, body)]) or raises BadRequest."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest("bad JSON: %s" % e)
    if not isinstance(doc, dict):
        raise BadRequest("body is not an object")
    for k in ("kiosk_id", "batch_id"):
        if not isinstance(doc.get(k), str) or not doc[k]:
            raise BadRequest("missing or empty %s" % k)
    responses = doc.get("responses")
    if not isinstance(responses, list):
        raise BadRequest("missing responses")
    items = Items()
    for i, obj in enumerate(responses):
        if not isinstance(obj, dict):
            raise BadRequest("responses[%d] is not an object" % i)
        missing = [k for k in FIELDS if k not in obj]
        if missing:
            raise BadRequest("responses[%d] lacks %s" % (i, ", ".join(missing)))
        rid = obj["response_id"]
        if not isinstance(rid, str) or not UUID_RE.match(rid):
            raise BadRequest("responses[%d].response_id is not a UUID" % i)
        items.append((rid, json.dumps(obj, ensure_ascii=False, separators=(",", ":"))))
    head = doc.get("chain_head")
    if isinstance(head, dict):
        items.head = (doc["kiosk_id"], head.get("seq"), head.get("chain"), head.get("signature"),
                      head.get("key"))
    items.kiosk_id = doc["kiosk_id"]
    items.status = doc.get("status")
    return doc["batch_id"], items


class Items(list):
    """The batch's responses, the chain head it carried (kiosk, seq, chain, sig, key), the
    kiosk and its status (a dict, None when the request had none)."""
    head = None
    kiosk_id = None
    status = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sync_receiver/1"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection is closed after this
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle holds the body back
    # until the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write("sync_receiver: %s %s\n" % (self.address_string(), fmt % args))

    def answer(self, status, body, ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def read_body(self, limit=None):
        """Reads the body (Content-Length or chunked); at most limit bytes if given."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    raise BadRequest("body too large")
                out += self.rfile.read(size)
                self.rfile.readline(1024)
                if limit is not None and len(out) >= limit:
                    return bytes(out[:limit])
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise BadRequest("bad Content-Length")
        if length < 0 or length > MAX_BODY:
            raise BadRequest("bad Content-Length")
        if limit is not None:
            length = min(length, limit)
        return self.rfile.read(length) if length else b""

    def content_length(self):
        try:
            return max(0, int(self.headers.get("Content-Length", "0")))
        except ValueError:
            return 0

    def do_GET(self):
        if self.path.split("?")[0] == "/health":
            self.answer(200, "ok", "text/plain")
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        srv = self.server
        if self.path.split("?")[0] != PATH or (
                srv.opts.token is not None and not hmac.compare_digest(
                    self.headers.get("Authorization", "").encode(),
                    ("Bearer " + srv.opts.token).encode())):
            # Read (and drop) the body first: closing with unread data would send a RST.
            try:
                self.read_body()
            except BadRequest:
                self.close_connection = True
            if self.path.split("?")[0] != PATH:
                srv.store.log(None, None, "not_found", 404)
                self.answer(404, {"error": "not found"})
            else:
                srv.store.log(None, None, "unauthorized", 401)
                self.answer(401, {"error": "unauthorized"},
                            headers=[("WWW-Authenticate", "Bearer")])
            return
        mode = srv.pick_mode()
        if mode == "reset":
            # Half the body, then an abortive close: SO_LINGER on with timeout 0 sends RST.
            self.read_body(limit=self.content_length() // 2)
            srv.store.log(self.headers.get("Idempotency-Key"), None, "reset", None)
            self.reset()
            return
        try:
            try:
                raw = self.read_body()
            except BadRequest:
                self.close_connection = True  # the body's end is unknown
                raise
            batch_id, items = parse_batch(raw)
            key = self.headers.get("Idempotency-Key")
            if key is not None and key != batch_id:
                raise BadRequest("Idempotency-Key %r is not batch_id %r" % (key, batch_id))
        except BadRequest as e:
            if mode in ("500", "503", "429"):  # a failing server fails whatever it was sent
                batch_id, items = self.headers.get("Idempotency-Key"), None
            else:
                srv.store.log(self.headers.get("Idempotency-Key"), None, "bad_request", 400)
                self.answer(400, {"error": str(e)})
                return
        if mode == "refuse-empty" and items is not None and not items:
            srv.store.log(batch_id, 0, "refused_empty", 400)
            self.answer(400, {"error": "responses must not be empty"})
            return
        if mode in ("500", "503", "429"):
            srv.store.log(batch_id, len(items) if items else None, mode, int(mode), items or ())
            if mode == "500":
                self.answer(500, {"error": "chaos 500"})
            else:
                self.answer(int(mode), {"error": "chaos " + mode},
                            headers=[("Retry-After", str(srv.opts.retry_after))])
            return
        outcome = mode or "ok"
        status = None if mode == "drop" else 200
        accepted, duplicate, row = srv.store.store(batch_id, items, outcome, status)
        self.hold(row)
        if mode == "drop":
            self.close_connection = True  # stored and committed, never answered
            return
        if mode == "slow":
            time.sleep(srv.opts.slow_s)
        if mode == "garbage":
            self.answer(200, "<html><body>not JSON</body></html>", "text/html")
            return
        if mode == "partial":
            # All stored, only the first half (rounded up) named: the rest stays pending.
            named = {u for u, _ in items[:(len(items) + 1) // 2]}
            accepted = [u for u in accepted if u in named]
            duplicate = [u for u in duplicate if u in named]
        elif mode == "upper":
            accepted = [u.upper() for u in accepted]
            duplicate = [u.upper() for u in duplicate]
        answer = {"accepted": accepted, "duplicate": duplicate}
        assignment = self.assignment_for(items.status)
        if assignment is not None:
            answer["assignment"] = assignment
        self.answer(200, answer)

    def assignment_for(self, status):
        """The --assignment file's object: whole while the kiosk has not reported on its id,
        then {"id": N} alone; None without a file (nothing assigned)."""
        path = self.server.opts.assignment
        if not path:
            return None
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            return None
        if not isinstance(doc, dict):
            return doc  # a test of a malformed assignment: sent as it is
        reported = status.get("assignment") if isinstance(status, dict) else None
        if isinstance(reported, dict) and "id" in doc and reported.get("id") == doc["id"]:
            return {"id": doc["id"]}
        return doc

    def hold(self, row):
        """Waits while --hold-file holds a number <= row (the test's gate)."""
        path = self.server.opts.hold_file
        while path:
            try:
                with open(path) as f:
                    first = int(f.read().strip())
            except (OSError, ValueError):
                return
            if row < first:
                return
            time.sleep(0.01)

    def reset(self):
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # The socket's fd closes only once its makefile() readers are closed too.
        try:
            self.rfile.close()
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass


class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, opts, store, ctx):
        self.opts = opts
        self.store = store
        self.ctx = ctx
        self.rng = random.Random(opts.seed)
        self.rng_lock = threading.Lock()
        super().__init__(("127.0.0.1", opts.port), Handler)
        if ctx is not None:
            self.socket = ctx.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)

    def server_bind(self):
        # Not HTTPServer.server_bind: its getfqdn() can stall on a box without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def pick_mode(self):
        if self.opts.mode:
            return self.opts.mode
        if self.opts.chaos <= 0:
            return None
        with self.rng_lock:
            if self.rng.random() < self.opts.chaos:
                return self.rng.choice(MODES)
        return None

    def finish_request(self, request, client_address):
        if self.ctx is not None:
            # The handshake runs here, in the connection's thread, so a slow or refusing
            # client (one that rejects our certificate) never blocks or stops the server.
            try:
                request.settimeout(10)
                request.do_handshake()
            except (OSError, ValueError):
                return
        request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if self.opts.verbose:
            super().handle_error(request, client_address)


def serve(opts):
    if opts.plain == bool(opts.cert):
        sys.exit("sync_receiver: give --cert and --key, or --plain")
    if opts.cert and not opts.key:
        sys.exit("sync_receiver: --cert needs --key")
    if opts.mode and opts.mode not in MODES + MODE_ONLY:
        sys.exit("sync_receiver: --mode is one of %s" % ", ".join(MODES + MODE_ONLY))
    ctx = None
    if not opts.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(opts.cert, opts.key)
        except (OSError, ssl.SSLError) as e:
            sys.exit("sync_receiver: cannot load %s / %s: %s" % (opts.cert, opts.key, e))
    store = Store(opts.db)
    try:
        server = Server(opts, store, ctx)
    except OSError as e:
        sys.exit("sync_receiver: cannot listen on 127.0.0.1:%d: %s" % (opts.port, e.strerror or e))

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, opts.port_file)
    sys.stdout.write("port %d\n" % port)
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        try:
            server.server_close()
        except Exception:
            pass
    # Committed transactions are in the WAL already; threads still running are simply dropped.
    os._exit(0)


def open_existing(path):
    if not os.path.exists(path):
        sys.exit("sync_receiver: no database %s" % path)
    return open_db(path)


def dump(opts):
    db = open_existing(opts.db)
    out = sys.stdout.buffer
    for (body,) in db.execute("SELECT body FROM responses ORDER BY arrival"):
        out.write(body.encode("utf-8") + b"\n")
    out.flush()


def stats(opts):
    db = open_existing(opts.db)
    one = lambda q: db.execute(q).fetchone()[0]
    posts = one("SELECT COUNT(*) FROM posted")
    doc = {
        "stored": one("SELECT COUNT(*) FROM responses"),
        "requests": one("SELECT COUNT(*) FROM requests"),
        "posts": posts,
        "resent": posts - one("SELECT COUNT(DISTINCT uuid) FROM posted"),
        "outcomes": {o: n for o, n in db.execute(
            "SELECT outcome, COUNT(*) FROM requests GROUP BY outcome ORDER BY outcome")},
    }
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def statuses(opts):
    db = open_existing(opts.db)
    out = sys.stdout
    for n, status in db.execute("SELECT n, status FROM statuses ORDER BY id"):
        out.write(json.dumps({"n": n, "status": json.loads(status)}) + "\n")
    out.flush()


def main(argv):
    ap = argparse.ArgumentParser(prog="sync_receiver.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the server")
    s.add_argument("--db", required=True)
    s.add_argument("--cert")
    s.add_argument("--key")
    s.add_argument("--plain", action="store_true", help="HTTP instead of HTTPS")
    s.add_argument("--port", type=int, default=0, help="0: any free port")
    s.add_argument("--token", help="require Authorization: Bearer TOKEN")
    s.add_argument("--chaos", type=float, default=0.0, help="share of POSTs that misbehave")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--mode", help="misbehave on every POST: " + ", ".join(MODES + MODE_ONLY))
    s.add_argument("--slow-s", type=float, default=2.5)
    s.add_argument("--retry-after", type=int, default=1)
    s.add_argument("--port-file")
    s.add_argument("--hold-file", help="answer no batch stored as request N or later while "
                   "this file holds N")
    s.add_argument("--assignment", help="serve the assignment this JSON file holds (read at "
                   "each request)")
    s.add_argument("--verbose", action="store_true")
    for name in ("dump", "stats", "statuses"):
        d = sub.add_parser(name)
        d.add_argument("--db", required=True)
    opts = ap.parse_args(argv)
    {"serve": serve, "dump": dump, "stats": stats, "statuses": statuses}[opts.cmd](opts)


if __name__ == "__main__":
    main(sys.argv[1:])
