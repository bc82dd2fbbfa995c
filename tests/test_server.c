/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_server.c: hailong-server against a real PostgreSQL (a throw-away
 * cluster, hl_pg.h) and real kiosks' rows.
 *
 * Each test makes its own database, migrates it with the real command,
 * starts the real program on port 0 and talks HTTP to it: through the
 * kiosk's own `hailong sync --once`, or by hand with rows built exactly as
 * a kiosk builds them (hl_row, chained and signed with a test key), so a
 * test can also forge, alter, replay and truncate. The database is then
 * read back with SQL. The fault tests (connection resets, restarts, kills)
 * are test_server_faults.c.
 */
#include "hl_devkey.h"
#include "hl_fdbuf.h"
#include "hl_fixture.h"
#include "hl_pg.h"
#include "hl_row.h"
#include "hl_survey.h"
#include "hl_sys.h"
#include "hl_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static hl_pg_t pg;
static bool pg_up;
static int db_counter; /* databases made so far (t1, t2, ...) */

/* ---- The server ------------------------------------------------------------------------ */

typedef struct srv {
    char *dir;
    char db[PATH_MAX + 200];
    pid_t pid;
    int port;
} srv_t;

static int run_server_cmd(srv_t *s, const char *const *args, char **out, char **errout)
{
    const char *argv[24] = {HL_SERVER_BIN};
    int n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--db";
    argv[n++] = s->db;
    argv[n] = NULL;
    return hl_test_run_watchdog(argv, NULL, out, errout, 300);
}

static char *q(srv_t *s, const char *sql)
{
    return hl_pg_query(s->db, sql);
}

/* A fresh database, migrated, and the service started on port 0. The
 * first test migrates a template with the real command; each test's
 * database is a copy of it (a migration's partitions cost seconds of
 * fsync here). */
static void srv_start_opts(srv_t *s, const char *max_body, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    if (!pg_up) CHECK(pg_up = hl_pg_start(&pg));
    if (!db_counter) {
        CHECK(hl_pg_create_db(&pg, "tmpl", s->db, sizeof s->db));
        char *out = NULL, *err = NULL;
        int rc = run_server_cmd(
            s, (const char *[]){"db", "migrate", "--service-role", "hailong-test", NULL}, &out,
            &err);
        if (rc) printf("migrate: %s %s\n", out ? out : "", err ? err : "");
        CHECK_INT(rc, 0);
        CHECK_CONTAINS(out, "applied 003-report.sql");
        free(out);
        free(err);
    }
    char sql[96];
    snprintf(sql, sizeof sql, "CREATE DATABASE t%d TEMPLATE tmpl", ++db_counter);
    free(hl_pg_query(pg.conninfo, sql));
    snprintf(s->db, sizeof s->db, "host=%s port=%d user=postgres dbname=t%d", pg.sockdir, pg.port,
             db_counter);
    s->dir = hl_test_tmpdir("server");
    char pf[PATH_MAX];
    snprintf(pf, sizeof pf, "%s/port", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        char log[PATH_MAX];
        snprintf(log, sizeof log, "%s/server.log", s->dir);
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        /* as the service's own role, which may only call its functions */
        char as_service[PATH_MAX + 240];
        snprintf(as_service, sizeof as_service, "%s user=hailong-test", s->db);
        const char *argv[32] = {HL_SERVER_BIN, "serve", "--listen",   "127.0.0.1:0",
                                "--port-file", pf,      "--db",       as_service,
                                "--threads",   "2",     "--max-body", max_body,
                                "--verbose"};
        size_t n = 13;
        for (size_t i = 0; extra && extra[i] && n + 1 < sizeof argv / sizeof argv[0]; i++)
            argv[n++] = extra[i]; /* after the defaults: the last --threads wins */
        argv[n] = NULL;
        hl_test_execv(argv);
        _exit(127);
    }
    /* Waits for the port file (a condition; the bound only catches a hang). */
    for (int i = 0; i < 6000 && !s->port; i++) {
        char *t = hl_test_read_file(pf, NULL);
        if (t) s->port = atoi(t);
        free(t);
        if (!s->port) {
            int st;
            if (waitpid(s->pid, &st, WNOHANG) == s->pid) break;
            usleep(10000);
        }
    }
    CHECK(s->port > 0);
    /* it could read the schema's version and make the partitions */
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/server.log", s->dir);
    char *text = hl_test_read_file(log, NULL);
    CHECK(text && !strstr(text, "denied") && !strstr(text, "not made"));
    free(text);
}

static void srv_start(srv_t *s)
{
    srv_start_opts(s, "16777216", NULL);
}

static void srv_stop(srv_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        waitpid(s->pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    if (s->dir) {
        hl_test_rmtree(s->dir);
        free(s->dir);
    }
}

/* Registers kiosk id of unit with key's public half; returns its token. */
static char *kiosk_add(srv_t *s, const char *id, const char *unit, const hl_devkey_t *key)
{
    char k[80];
    snprintf(k, sizeof k, "ed25519:%s", key->pub_hex);
    if (getenv("HL_PUSH_SEEDS")) printf("seed key %s %s %s\n", id, key->pub_hex, key->fingerprint);
    char *out = NULL, *err = NULL;
    int rc = run_server_cmd(
        s, (const char *[]){"kiosk", "add", id, "--unit", unit, "--key", k, NULL}, &out, &err);
    CHECK_INT(rc, 0);
    CHECK(out && strlen(out) == 65);
    if (out) out[64] = '\0';
    free(err);
    return out;
}

/* ---- HTTP by hand ------------------------------------------------------------------------ */

typedef struct reply {
    int status;
    char *head; /* the status line and headers */
    char *body;
} reply_t;

static void reply_free(reply_t *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* The server's socket for a request (blocking; sends and reads bounded by
 * minutes against a hang, never a timing). */
static int http_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval hang = {.tv_sec = 120};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &hang, sizeof hang);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hang, sizeof hang);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    return fd;
}

/* Reads an answer to the connection's end and closes fd; *reset (may be
 * NULL) set when the read ended in ECONNRESET. */
static reply_t read_reply(int fd, bool *reset)
{
    reply_t r = {0};
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 120000) <= 0) break; /* a hang, not a timing */
        if (len + 4096 > cap) buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got < 0 && errno == ECONNRESET && reset) *reset = true;
        if (got <= 0) break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(fd);
    char *sep = strstr(buf, "\r\n\r\n");
    if (sep) {
        *sep = '\0';
        r.body = strdup(sep + 4);
    } else {
        r.body = strdup("");
    }
    r.head = buf;
    sscanf(buf, "HTTP/1.%*d %d", &r.status);
    return r;
}

/* One request on its own connection (Connection: close); the reply read to
 * its end. */
static reply_t http(int port, const char *method, const char *path, const char *token,
                    const char *body)
{
    int fd = http_connect(port);
    size_t blen = body ? strlen(body) : 0;
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s%s%s"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "", blen);
    CHECK(write(fd, head, (size_t)n) == n);
    for (size_t off = 0; off < blen;) {
        ssize_t w = write(fd, body + off, blen - off);
        if (w <= 0) break; /* the server may refuse before reading it all */
        off += (size_t)w;
    }
    return read_reply(fd, NULL);
}

/* A request with a body of clen spaces (Content-Length: clen), written in
 * 64 KiB pieces while the server may already have answered on the
 * headers. A watching client (watch) looks before each piece whether the
 * answer came and then stops sending, as curl does; the other writes the
 * whole body before it reads. The answer is read to the connection's end.
 * *reset: a write or a read failed with ECONNRESET or EPIPE (the server
 * closed with the body unread: the way refusals were lost). Returns the
 * status, 0 when no status line came. */
static int http_big(int port, const char *token, size_t clen, bool watch, bool *reset)
{
    *reset = false;
    int fd = http_connect(port);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /api/v1/sync HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     token, clen);
    CHECK(write(fd, head, (size_t)n) == n);
    size_t piece = 65536;
    char *spaces = malloc(piece);
    memset(spaces, ' ', piece);
    for (size_t off = 0; off < clen;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (watch && poll(&p, 1, 0) > 0) break; /* the answer (or the end) is there */
        ssize_t w = send(fd, spaces, clen - off < piece ? clen - off : piece, MSG_NOSIGNAL);
        if (w <= 0) {
            if (errno == ECONNRESET || errno == EPIPE) *reset = true;
            break;
        }
        off += (size_t)w;
    }
    free(spaces);
    reply_t r = read_reply(fd, reset);
    int status = r.status;
    reply_free(&r);
    return status;
}

/* Starts a push and holds it in flight: the headers with Expect:
 * 100-continue, then the server's "100 Continue" waited for (it admitted
 * the request and checked the token), then the first half of body. Returns
 * the socket; http_finish sends the rest and reads the answer. */
static int http_hold(int port, const char *token, const char *body)
{
    int fd = http_connect(port);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /api/v1/sync HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: %zu\r\n\r\n",
                     token, strlen(body));
    CHECK(write(fd, head, (size_t)n) == n);
    char got[256];
    size_t len = 0;
    while (len + 1 < sizeof got && (len < 4 || memcmp(got + len - 4, "\r\n\r\n", 4))) {
        if (read(fd, got + len, 1) != 1) break; /* bounded by SO_RCVTIMEO */
        len++;
    }
    got[len] = '\0';
    CHECK_CONTAINS(got, "HTTP/1.1 100 Continue");
    size_t half = strlen(body) / 2;
    CHECK(write(fd, body, half) == (ssize_t)half);
    return fd;
}

static reply_t http_finish(int fd, const char *body)
{
    size_t half = strlen(body) / 2, rest = strlen(body) - half;
    CHECK(write(fd, body + half, rest) == (ssize_t)rest);
    return read_reply(fd, NULL);
}

/* body after pad spaces (JSON allows them): a push held with http_hold
 * keeps the server's minimum pace (1 KiB/s on average after 30 s) for
 * pad / 2 / 1024 s, so a test's hold never depends on how fast it runs. */
#define HOLD_PAD (1u << 20) /* 512 s */
static char *padded(const char *body, size_t pad)
{
    size_t n = strlen(body);
    char *b = malloc(pad + n + 1);
    memset(b, ' ', pad);
    memcpy(b + pad, body, n + 1);
    return b;
}

/* The headers of a push of clen bytes, and not a byte of its body: the
 * answer the server gives without waiting for the body (read to the end,
 * or as far as a hang's bound when it waits). */
static reply_t http_headers_only(int port, const char *token, size_t clen)
{
    int fd = http_connect(port);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /api/v1/sync HTTP/1.1\r\nHost: test\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     token, clen);
    CHECK(write(fd, head, (size_t)n) == n);
    return read_reply(fd, NULL);
}

/* Waits until the server's log holds what (a condition, polled; the bound
 * only catches a hang). */
static bool log_has(srv_t *s, const char *what)
{
    char log[PATH_MAX];
    snprintf(log, sizeof log, "%s/server.log", s->dir);
    for (int i = 0; i < 12000; i++) {
        char *text = hl_test_read_file(log, NULL);
        bool has = text && strstr(text, what);
        free(text);
        if (has) return true;
        usleep(10000);
    }
    return false;
}

/* ---- Rows as a kiosk makes them ---------------------------------------------------------- */

#define SURVEY_FILE HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json"

/* The bundled survey's SHA-256 (its rows name it). */
static const char *survey_sha(void)
{
    static char sha[65];
    if (!sha[0]) {
        hl_survey_t *sv = hl_fixture_survey(SURVEY_FILE);
        memcpy(sha, sv->sha256, 65);
        hl_survey_free(sv);
    }
    return sha;
}

/* Puts extra right after the "{" that opens the row in o. */
static void with_extra(hl_fdbuf_t *o, const char *extra)
{
    CHECK(o->len > 0 && o->buf[0] == '{');
    char *rest = malloc(o->len);
    CHECK(rest != NULL);
    if (!rest) return;
    size_t n = o->len - 1;
    memcpy(rest, o->buf + 1, n);
    o->len = 1;
    CHECK(hl_fdbuf_put(o, extra, strlen(extra)));
    CHECK(hl_fdbuf_put(o, rest, n));
    free(rest);
}

typedef struct chain {
    const hl_devkey_t *key;
    const char *kiosk;
    int64_t seq;
    char prev[65];
} chain_t;

static void chain_init(chain_t *c, const hl_devkey_t *key, const char *kiosk)
{
    memset(c, 0, sizeof *c);
    c->key = key;
    c->kiosk = kiosk;
    memset(c->prev, '0', 64);
}

/* The next response of the chain, finished at utc_ms, answering overall
 * with value; extra (or NULL) is put right after the row's "{" (a field of
 * its own, followed by a comma), under its chain value and signature too.
 * A JSON Lines row, malloc'd. */
static char *row_next_with(chain_t *c, int64_t utc_ms, const char *value, const char *officer,
                           const char *extra)
{
    char uuid[37];
    unsigned char rnd[16];
    CHECK(getrandom(rnd, sizeof rnd, 0) == (ssize_t)sizeof rnd);
    snprintf(uuid, sizeof uuid,
             "%02x%02x%02x%02x-%02x%02x-4%x%02x-a%x%02x-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5], rnd[6] & 15, rnd[7], rnd[8] & 15, rnd[9], rnd[10],
             rnd[11], rnd[12], rnd[13], rnd[14], rnd[15]);
    const char *qids[] = {"overall"}, *vals[] = {value};
    int64_t ms[] = {1200};
    hl_row_t r = {.seq = ++c->seq,
                  .uuid = uuid,
                  .kiosk_id = c->kiosk,
                  .survey_id = "sipas-mot-cua",
                  .survey_version = 1,
                  .survey_sha256 = survey_sha(),
                  .lang = "vi",
                  .started_utc_ms = utc_ms - 5000,
                  .finished_utc_ms = utc_ms,
                  .status = HL_RESP_COMPLETE,
                  .clock_trusted = true,
                  .officer_id = officer,
                  .counter = "Quầy 1",
                  .n_answers = 1,
                  .qids = qids,
                  .values = vals,
                  .ms = ms};
    hl_fdbuf_t o = {.fd = -1, .limit = 1 << 20};
    CHECK(hl_jsonl_put_row_canonical(&o, &r));
    if (extra) with_extra(&o, extra);
    CHECK(hl_fdbuf_put(&o, c->prev, 64));
    unsigned char md[32];
    char chain[65], sig[129];
    CHECK(EVP_Digest(o.buf, o.len, md, NULL, EVP_sha256(), NULL));
    hl_hex_encode(md, 32, chain);
    hl_err_t err = {0};
    CHECK_INT(hl_devkey_sign_chain(c->key, c->kiosk, r.seq, chain, sig, &err), HL_OK);
    r.chain = chain;
    r.prev_chain = c->prev;
    r.chain_sig = sig;
    o.len = 0;
    CHECK(hl_jsonl_put_row(&o, &r));
    if (extra) with_extra(&o, extra);
    CHECK(hl_fdbuf_put(&o, "", 1));
    memcpy(c->prev, chain, 65);
    return o.buf;
}

static char *row_next(chain_t *c, int64_t utc_ms, const char *value, const char *officer)
{
    return row_next_with(c, utc_ms, value, officer, NULL);
}

/* A different number each call, for seed names. */
static unsigned hl_fixture_rnd_seed(void)
{
    unsigned v;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) v = 0;
    return v;
}

/* A request of rows (n, joined) with the chain's head signed by key. */
static char *request(const char *kiosk, char **rows, size_t n, const chain_t *c,
                     const hl_devkey_t *head_key, const char *status)
{
    size_t cap = 4096;
    for (size_t i = 0; i < n; i++)
        cap += strlen(rows[i]) + 1;
    char *b = malloc(cap);
    size_t len = (size_t)snprintf(
        b, cap, "{\"kiosk_id\":\"%s\",\"batch_id\":\"%032d\",\"responses\":[", kiosk, 7);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(b + len, cap - len, "%s%s", i ? "," : "", rows[i]);
    len += (size_t)snprintf(b + len, cap - len, "]");
    if (c) {
        char sig[129];
        hl_err_t err = {0};
        CHECK_INT(hl_devkey_sign_chain(head_key, kiosk, c->seq, c->prev, sig, &err), HL_OK);
        len +=
            (size_t)snprintf(b + len, cap - len,
                             ",\"chain_head\":{\"seq\":%lld,\"chain\":\"%s\",\"signature\":\"%s\","
                             "\"key\":\"%s\"}",
                             (long long)c->seq, c->prev, sig, head_key->fingerprint);
    }
    if (status) len += (size_t)snprintf(b + len, cap - len, ",\"status\":%s", status);
    snprintf(b + len, cap - len, "}");
    /* HL_PUSH_SEEDS=DIR: each request also written there, a seed for
     * tests/fuzz/push/corpus (signed by hl_fixture_devkey(1) for k1). */
    const char *seeds = getenv("HL_PUSH_SEEDS");
    if (seeds) {
        char name[32];
        snprintf(name, sizeof name, "real-%08x.json", (unsigned)(hl_fixture_rnd_seed() ^ len));
        free(hl_test_write_file(seeds, name, b));
    }
    return b;
}

/* rows[0..n) made by c, finished a minute apart from base_ms. */
static void rows_make(chain_t *c, char **rows, size_t n, int64_t base_ms, const char *value)
{
    for (size_t i = 0; i < n; i++)
        rows[i] = row_next(c, base_ms + (int64_t)i * 60000, value, NULL);
}

static void rows_free(char **rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i]);
}

static int64_t count(srv_t *s, const char *sql)
{
    char *v = q(s, sql);
    int64_t n = v ? strtoll(v, NULL, 10) : -1;
    free(v);
    return n;
}

#define T0 1796000000000LL /* 2026-11-29T23:33:20Z */

/* ---- The kiosk's own client ---------------------------------------------------------------- */

static void test_a_kiosks_push_is_stored_once_byte_for_byte_as_its_jsonl_export(void)
{
    srv_t s;
    srv_start(&s);
    char *data = hl_test_tmpdir("kiosk");
    char cfg[PATH_MAX], jsonl[PATH_MAX];
    snprintf(cfg, sizeof cfg, "%s/config.json", data);
    snprintf(jsonl, sizeof jsonl, "%s/out.jsonl", data);
    char *c0 = hl_test_write_file(data, "config.json", "{\"kiosk_id\": \"k1\"}");
    free(c0);
    const char *env[] = {NULL, NULL};
    char denv[PATH_MAX + 32];
    snprintf(denv, sizeof denv, "HAILONG_DATA_DIR=%s", data);
    env[0] = denv;
    const char *play[] = {
        HL_BIN,     "run", "--headless", "--script", HL_SOURCE_DIR "/assets/scripts/demo.txt",
        "--config", cfg,   NULL};
    CHECK_INT(hl_test_run_watchdog(play, env, NULL, NULL, 300), 0);
    char *ident = NULL;
    const char *id_argv[] = {HL_BIN, "identity", "--config", cfg, NULL};
    CHECK_INT(hl_test_run_watchdog(id_argv, env, &ident, NULL, 60), 0);
    char key[80];
    CHECK(ident && sscanf(ident, "k1 %79s", key) == 1);
    char *tok = NULL, *err = NULL;
    CHECK_INT(run_server_cmd(&s,
                             (const char *[]){"kiosk", "add", "k1", "--unit", "UBND phường 1",
                                              "--key", key, NULL},
                             &tok, &err),
              0);
    tok[64] = '\0';
    char text[1024];
    snprintf(text, sizeof text,
             "{\"kiosk_id\": \"k1\", \"sync\": {\"url\": \"http://127.0.0.1:%d/api/v1/sync\", "
             "\"token\": \"%s\", \"allow_insecure_http\": true}}",
             s.port, tok);
    free(hl_test_write_file(data, "config.json", text));
    const char *push[] = {HL_BIN, "sync", "--once", "--config", cfg, NULL};
    char *out = NULL;
    CHECK_INT(hl_test_run_watchdog(push, env, &out, NULL, 300), 0);
    CHECK_CONTAINS(out, "delivered 2 responses");
    free(out);
    const char *exp[] = {HL_BIN, "export",   "--format", "jsonl", "--out",
                         jsonl,  "--config", cfg,        NULL};
    CHECK_INT(hl_test_run_watchdog(exp, env, NULL, NULL, 60), 0);
    char *want = hl_test_read_file(jsonl, NULL);
    char *got =
        q(&s, "SELECT string_agg(raw, E'\\n' ORDER BY seq) || E'\\n' FROM hailong.responses");
    CHECK(want && got);
    if (want && got) CHECK_STR(got, want);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses WHERE signed"), 2);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.chain_heads WHERE verdict = 'verified'"), 1);
    /* the same rows again (the kiosk's state reset by hand): duplicates */
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.answers"), 14);
    free(want);
    free(got);
    free(ident);
    free(tok);
    free(err);
    hl_test_rmtree(data);
    free(data);
    srv_stop(&s);
}

/* ---- By hand ----------------------------------------------------------------------------------
 */

static void test_a_replayed_request_changes_nothing_and_names_every_row_duplicate(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *key = hl_fixture_devkey(1);
    char *tok = kiosk_add(&s, "k1", "U1", key);
    chain_t c;
    chain_init(&c, key, "k1");
    char *rows[5];
    rows_make(&c, rows, 3, T0, "satisfied");
    char *body = request("k1", rows, 3, &c, key,
                         "{\"software\":\"0.1.0\",\"time\":\"2026-12-01T08:00:00.000Z\"}");
    reply_t r = http(s.port, "POST", "/api/v1/sync", tok, body);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"accepted\":[\"");
    CHECK_CONTAINS(r.body, "\"duplicate\":[]");
    reply_free(&r);
    /* the kiosk goes on: two more, a newer status */
    rows_make(&c, rows + 3, 2, T0 + 600000, "satisfied");
    char *later = request("k1", rows + 3, 2, &c, key,
                          "{\"software\":\"0.2.0\",\"time\":\"2026-12-01T08:05:00.000Z\"}");
    r = http(s.port, "POST", "/api/v1/sync", tok, later);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    /* the first request again: every row a duplicate, nothing else moves */
    r = http(s.port, "POST", "/api/v1/sync", tok, body);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"accepted\":[]");
    CHECK_CONTAINS(r.body, "\"duplicate\":[\"");
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 5);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.response_ids"), 5);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.answers"), 5);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.chain_heads"), 2);
    CHECK_INT(count(&s, "SELECT times FROM hailong.chain_heads WHERE seq = 3"), 2);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.alerts"), 0);
    char *v = q(&s, "SELECT software FROM hailong.kiosk_status");
    CHECK_STR(v, "0.2.0");
    free(v);
    free(body);
    free(later);
    rows_free(rows, 5);
    free(tok);
    srv_stop(&s);
}

static void test_unknown_tokens_disabled_kiosks_and_another_kiosks_token_are_refused(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    chain_t c;
    chain_init(&c, k1, "k1");
    char *rows[1];
    rows_make(&c, rows, 1, T0, "satisfied");
    char *body = request("k1", rows, 1, &c, k1, NULL);
    reply_t r = http(s.port, "POST", "/api/v1/sync", NULL, body);
    CHECK_INT(r.status, 401);
    reply_free(&r);
    r = http(s.port, "POST", "/api/v1/sync", "0123456789abcdef", body);
    CHECK_INT(r.status, 401);
    CHECK_CONTAINS(r.body, "unknown token");
    reply_free(&r);
    r = http(s.port, "POST", "/api/v1/sync", t2, body); /* k2's token, k1's body */
    CHECK_INT(r.status, 403);
    CHECK_CONTAINS(r.body, "belongs to kiosk k2");
    reply_free(&r);
    char *out = NULL;
    CHECK_INT(run_server_cmd(&s, (const char *[]){"kiosk", "disable", "k1", NULL}, &out, NULL), 0);
    free(out);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 403);
    CHECK_CONTAINS(r.body, "disabled");
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 0);
    CHECK_INT(run_server_cmd(&s, (const char *[]){"kiosk", "enable", "k1", NULL}, NULL, NULL), 0);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    /* a new token: the old one stops working */
    char *t1b = NULL;
    CHECK_INT(run_server_cmd(&s, (const char *[]){"kiosk", "token", "k1", NULL}, &t1b, NULL), 0);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 401);
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 1);
    free(t1b);
    free(body);
    rows_free(rows, 1);
    free(t1);
    free(t2);
    srv_stop(&s);
}

/* A response the service accepts but PostgreSQL cannot read (a number jsonb
 * cannot hold, in a field of its own, signed with the rest) is quarantined
 * by itself: the batch is stored, answered 200 with that row named, and a
 * resend changes nothing (a batch refused for good would hold back all the
 * kiosk sends after it). */
static void test_a_row_the_database_cannot_read_is_quarantined_and_its_batch_stored(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    chain_t c;
    chain_init(&c, k1, "k1");
    char *rows[3];
    rows[0] = row_next(&c, T0, "satisfied", NULL);
    rows[1] = row_next_with(&c, T0 + 60000, "satisfied", NULL, "\"x\":1e-20000,");
    rows[2] = row_next(&c, T0 + 120000, "satisfied", NULL);
    const char *id = strstr(rows[1], "\"response_id\":\"");
    CHECK(id != NULL);
    char uuid[37] = "";
    if (id) snprintf(uuid, sizeof uuid, "%s", id + strlen("\"response_id\":\""));
    char *body = request("k1", rows, 3, &c, k1, NULL);
    for (int round = 0; round < 2; round++) {
        reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
        CHECK_INT(r.status, 200);
        CHECK_CONTAINS(r.body, uuid); /* named: the kiosk counts it delivered */
        reply_free(&r);
        CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 2);
        CHECK_INT(count(&s, "SELECT count(*) FROM hailong.quarantine WHERE reason LIKE "
                            "'the database cannot read it:%'"),
                  1);
    }
    free(body);
    rows_free(rows, 3);
    free(t1);
    srv_stop(&s);
}

static void test_another_kiosks_rows_and_altered_rows_are_quarantined_and_never_counted(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    chain_t c1, c2;
    chain_init(&c1, k1, "k1");
    chain_init(&c2, k2, "k2");
    char *mine[2], *theirs[2];
    rows_make(&c1, mine, 2, T0, "satisfied");
    rows_make(&c2, theirs, 2, T0, "satisfied");
    /* k1 sends k2's genuine rows: kept apart, named, never counted */
    char *body = request("k1", theirs, 2, NULL, NULL, NULL);
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 0);
    CHECK_INT(
        count(&s,
              "SELECT count(*) FROM hailong.quarantine WHERE reason = 'another kiosk''s response'"),
        2);
    reply_free(&r);
    free(body);
    /* k2 sends them itself later: they were not claimed */
    body = request("k2", theirs, 2, &c2, k2, NULL);
    r = http(s.port, "POST", "/api/v1/sync", t2, body);
    CHECK_INT(r.status, 200);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses WHERE kiosk_id = 'k2'"), 2);
    reply_free(&r);
    free(body);
    /* an answer changed after signing: its chain no longer matches */
    char *p = strstr(mine[1], "\"satisfied\"");
    CHECK(p);
    memcpy(p, "\"dissatisf\"", 11);
    body = request("k1", mine, 2, &c1, k1, NULL);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses WHERE kiosk_id = 'k1'"), 1);
    CHECK_INT(
        count(&s, "SELECT count(*) FROM hailong.quarantine WHERE reason LIKE '%does not match%'"),
        1);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.alerts WHERE kind = 'quarantined'"), 2);
    /* both named, so the kiosk stops sending them */
    char *id = strstr(mine[1], "\"response_id\":\"");
    char uuid[37];
    memcpy(uuid, id + 15, 36);
    uuid[36] = '\0';
    CHECK_CONTAINS(r.body, uuid);
    reply_free(&r);
    free(body);
    rows_free(mine, 2);
    rows_free(theirs, 2);
    free(t1);
    free(t2);
    srv_stop(&s);
}

static void test_a_forged_head_is_kept_apart_and_raised_and_a_truncated_chain_too(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *other = hl_fixture_devkey(9);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    chain_t c;
    chain_init(&c, k1, "k1");
    char *rows[3];
    rows_make(&c, rows, 3, T0, "satisfied");
    char *body = request("k1", rows, 3, &c, other, NULL); /* head signed by another key */
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(body);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.chain_heads WHERE verdict = 'forged'"), 1);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.alerts WHERE kind = 'forged_head'"), 1);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses WHERE signed"), 3);
    /* the genuine head at seq 3, then one at seq 2: the kiosk lost a response */
    body = request("k1", NULL, 0, &c, k1, NULL);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(body);
    chain_t back;
    chain_init(&back, k1, "k1");
    char *again[2];
    rows_make(&back, again, 2, T0, "satisfied");
    body = request("k1", NULL, 0, &back, k1, NULL);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(body);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.alerts WHERE kind = 'truncation'"), 1);
    rows_free(again, 2);
    rows_free(rows, 3);
    free(t1);
    srv_stop(&s);
}

static void test_malformed_oversized_and_misaddressed_requests_get_a_clear_answer(void)
{
    srv_t s;
    srv_start_opts(&s, "8192", NULL);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    static const struct {
        const char *body, *want;
    } bad[] = {
        {"not json", "not JSON"},
        {"[1]", "not a JSON object"},
        {"{\"kiosk_id\":\"k1\",\"responses\":[]}", "batch_id"},
        {"{\"kiosk_id\":\"k1\",\"batch_id\":\"00000000000000000000000000000007\"}", "responses"},
        {"{\"kiosk_id\":\"k1\",\"batch_id\":\"00000000000000000000000000000007\",\"responses\":[{"
         "\"response_id\":\"nope\"}]}",
         "not a UUID"},
        {"{\"kiosk_id\":\"k1\",\"batch_id\":\"00000000000000000000000000000007\",\"responses\":[[[["
         "["
         "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]}",
         "deeper"},
        {"{\"kiosk_id\":\"k1\",\"kiosk_id\":\"k2\",\"batch_id\":"
         "\"00000000000000000000000000000007\","
         "\"responses\":[]}",
         "duplicate"},
        {"{\"kiosk_id\":\"k1\",\"batch_id\":\"00000000000000000000000000000007\","
         "\"respons\\u0065s\":[]"
         "}",
         "escape"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reply_t r = http(s.port, "POST", "/api/v1/sync", t1, bad[i].body);
        CHECK_INT(r.status, 400);
        CHECK_CONTAINS(r.body, bad[i].want);
        reply_free(&r);
    }
    char *big = malloc(20000);
    memset(big, ' ', 19999);
    big[19999] = '\0';
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, big);
    CHECK_INT(r.status, 413);
    reply_free(&r);
    free(big);
    r = http(s.port, "GET", "/api/v1/sync", t1, NULL);
    CHECK_INT(r.status, 405);
    reply_free(&r);
    r = http(s.port, "POST", "/elsewhere", t1, "{}");
    CHECK_INT(r.status, 404);
    reply_free(&r);
    r = http(s.port, "GET", "/healthz", NULL, NULL);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.response_ids"), 0);
    free(t1);
    srv_stop(&s);
}

static void test_a_refusal_on_the_headers_reaches_a_client_still_sending_a_large_body(void)
{
    srv_t s;
    srv_start_opts(&s, "8388608", (const char *const[]){"--max-inflight", "1", NULL});
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    /* k1's push held in flight: the one slot taken, by k1 */
    char *plain = request("k1", NULL, 0, NULL, NULL, NULL), *body = padded(plain, HOLD_PAD);
    int held = http_hold(s.port, t1, body);
    /* 4 MiB under an unknown token (401, within --max-body: drained), 9 MiB
     * over the 8 MiB limit (413), 4 MiB from k1 with a push in flight (429)
     * and from k2 over --max-inflight (503), the last three answered at
     * once, each twenty times, by a client that watches for an early
     * answer and by one that writes everything first: the status line
     * arrives every time and the connection is never reset */
    int unknown = 0, over = 0, twice = 0, busy = 0, resets = 0;
    for (int i = 0; i < 20; i++) {
        bool reset = false;
        if (http_big(s.port, "0123456789abcdef", 4u << 20, i % 2, &reset) == 401) unknown++;
        resets += reset;
        if (http_big(s.port, t1, 9u << 20, i % 2, &reset) == 413) over++;
        resets += reset;
        if (http_big(s.port, t1, 4u << 20, i % 2, &reset) == 429) twice++;
        resets += reset;
        if (http_big(s.port, t2, 4u << 20, i % 2, &reset) == 503) busy++;
        resets += reset;
    }
    CHECK_INT(unknown, 20);
    CHECK_INT(over, 20);
    CHECK_INT(twice, 20);
    CHECK_INT(busy, 20);
    CHECK_INT(resets, 0);
    /* 429 and 503 come before the body, not after it: a client that sends
     * none still gets them, with Connection: close */
    reply_t r = http_headers_only(s.port, t1, 4u << 20);
    CHECK_INT(r.status, 429);
    CHECK_CONTAINS(r.head, "Connection: close");
    reply_free(&r);
    r = http_headers_only(s.port, t2, 4u << 20);
    CHECK_INT(r.status, 503);
    CHECK_CONTAINS(r.head, "Connection: close");
    reply_free(&r);
    /* and the service goes on */
    r = http_finish(held, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    r = http(s.port, "POST", "/api/v1/sync", t1, plain);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(plain);
    free(body);
    free(t1);
    free(t2);
    srv_stop(&s);
}

static void test_a_kiosk_over_its_rate_gets_429_with_retry_after(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    CHECK_INT(
        run_server_cmd(&s, (const char *[]){"settings", "rate_per_minute", "2", NULL}, NULL, NULL),
        0);
    char *body = request("k1", NULL, 0, NULL, NULL, NULL);
    int statuses[3];
    for (int i = 0; i < 3; i++) {
        reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
        statuses[i] = r.status;
        if (i == 2) CHECK_CONTAINS(r.head, "Retry-After: ");
        reply_free(&r);
    }
    CHECK_INT(statuses[0], 200);
    CHECK_INT(statuses[1], 200);
    CHECK_INT(statuses[2], 429);
    free(body);
    free(t1);
    srv_stop(&s);
}

static void test_a_request_over_the_inflight_bound_gets_503_at_once_and_stores_nothing(void)
{
    srv_t s;
    srv_start_opts(&s, "16777216",
                   (const char *const[]){"--threads", "1", "--max-inflight", "1", NULL});
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    chain_t c1, c2;
    chain_init(&c1, k1, "k1");
    chain_init(&c2, k2, "k2");
    char *rows1[2], *rows2[2];
    rows_make(&c1, rows1, 2, T0, "satisfied");
    rows_make(&c2, rows2, 2, T0, "satisfied");
    char *plain = request("k1", rows1, 2, &c1, k1, NULL), *body1 = padded(plain, HOLD_PAD);
    char *body2 = request("k2", rows2, 2, &c2, k2, NULL);
    int held = http_hold(s.port, t1, body1); /* in flight: the bound reached */
    reply_t r = http(s.port, "POST", "/api/v1/sync", t2, body2);
    CHECK_INT(r.status, 503);
    char *ra = r.head ? strstr(r.head, "Retry-After: ") : NULL;
    CHECK(ra);
    int wait = ra ? atoi(ra + 13) : 0;
    CHECK(wait >= 2 && wait <= 10);
    CHECK_CONTAINS(r.head, "Connection: close");
    CHECK_CONTAINS(r.body, "busy");
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 0);
    /* the held request ends; then there is room again */
    r = http_finish(held, body1);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"accepted\":[\"");
    reply_free(&r);
    r = http(s.port, "POST", "/api/v1/sync", t2, body2);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"accepted\":[\"");
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 4);
    free(plain);
    free(body1);
    free(body2);
    rows_free(rows1, 2);
    rows_free(rows2, 2);
    free(t1);
    free(t2);
    srv_stop(&s);
}

static void test_one_kiosk_holds_one_push_in_flight_and_another_kiosk_still_gets_through(void)
{
    srv_t s;
    srv_start_opts(&s, "16777216", (const char *const[]){"--max-inflight", "2", NULL});
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    chain_t c1, c2;
    chain_init(&c1, k1, "k1");
    chain_init(&c2, k2, "k2");
    char *rows1[1], *rows2[1];
    rows_make(&c1, rows1, 1, T0, "satisfied");
    rows_make(&c2, rows2, 1, T0, "satisfied");
    char *plain = request("k1", rows1, 1, &c1, k1, NULL), *body1 = padded(plain, HOLD_PAD);
    char *body2 = request("k2", rows2, 1, &c2, k2, NULL);
    /* k1 starts a slow push, then a second one: the second is refused at
     * once (before its body), 429 with a short Retry-After */
    int held = http_hold(s.port, t1, body1);
    reply_t r = http_headers_only(s.port, t1, strlen(body1));
    CHECK_INT(r.status, 429);
    CHECK_CONTAINS(r.head, "Retry-After: 5");
    CHECK_CONTAINS(r.head, "Connection: close");
    CHECK_CONTAINS(r.body, "in flight");
    reply_free(&r);
    /* ... and with its body too */
    r = http(s.port, "POST", "/api/v1/sync", t1, plain);
    CHECK_INT(r.status, 429);
    reply_free(&r);
    /* with --max-inflight 2, k1's one push leaves room: k2 is stored */
    r = http(s.port, "POST", "/api/v1/sync", t2, body2);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"accepted\":[\"");
    reply_free(&r);
    /* a request without a valid token never takes a slot: k2 can hold the
     * second one while unknown tokens are refused */
    int held2 = http_hold(s.port, t2, body2);
    r = http(s.port, "POST", "/api/v1/sync", "0123456789abcdef", plain);
    CHECK_INT(r.status, 401);
    reply_free(&r);
    r = http_finish(held2, body2);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"duplicate\":[\"");
    reply_free(&r);
    /* k1's first push goes through, and its next one after it */
    r = http_finish(held, body1);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"accepted\":[\"");
    reply_free(&r);
    r = http(s.port, "POST", "/api/v1/sync", t1, plain);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"duplicate\":[\"");
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 2);
    free(plain);
    free(body1);
    free(body2);
    rows_free(rows1, 1);
    rows_free(rows2, 1);
    free(t1);
    free(t2);
    srv_stop(&s);
}

static void test_a_stalled_upload_is_cut_30_s_after_its_headers_and_frees_its_slot(void)
{
    srv_t s;
    /* --timeout an hour: only the minimum pace can cut it */
    srv_start_opts(&s, "16777216",
                   (const char *const[]){"--max-inflight", "1", "--timeout", "3600", NULL});
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    char *body1 = request("k1", NULL, 0, NULL, NULL, NULL);
    char *body2 = request("k2", NULL, 0, NULL, NULL, NULL);
    /* half of k1's body, then nothing: the one slot is taken */
    int held = http_hold(s.port, t1, body1);
    reply_t r = http_headers_only(s.port, t2, strlen(body2));
    CHECK_INT(r.status, 503);
    reply_free(&r);
    /* the server closes it (under 1 KiB/s on average 30 s after its
     * headers), logs it once, and the slot is free */
    bool reset = false;
    r = read_reply(held, &reset);
    CHECK_INT(r.status, 0);
    reply_free(&r);
    CHECK(log_has(&s, "kiosk k1: push cut after "));
    r = http(s.port, "POST", "/api/v1/sync", t2, body2);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    r = http(s.port, "POST", "/api/v1/sync", t1, body1);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(body1);
    free(body2);
    free(t1);
    free(t2);
    srv_stop(&s);
}

/* The path of a program on $PATH, malloc'd, or NULL. */
static char *which(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin"), *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", d, name);
        if (access(p, X_OK) == 0) found = strdup(p);
    }
    free(copy);
    return found;
}

static void test_the_kiosks_libcurl_stops_sending_its_body_when_refused_for_load(void)
{
    /* The kiosk's libcurl (opened by hl_sync, the system's libcurl.so.4)
     * through the curl program, which uses it the same way: a body in
     * memory (CURLOPT_POSTFIELDS) with Content-Length and "Expect:" empty */
    char *curl = which("curl");
    if (!curl) {
        printf("     skipped: no curl program on PATH to drive libcurl\n");
        return;
    }
    srv_t s;
    srv_start_opts(&s, "16777216", (const char *const[]){"--max-inflight", "1", NULL});
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    char *plain = request("k1", NULL, 0, NULL, NULL, NULL), *body = padded(plain, HOLD_PAD);
    int held = http_hold(s.port, t1, body);
    size_t big = 12u << 20;
    char *spaces = malloc(big + 1);
    memset(spaces, ' ', big);
    spaces[big] = '\0';
    char *dir = hl_test_tmpdir("curl"), *file = hl_test_write_file(dir, "body.json", spaces);
    free(spaces);
    char data[PATH_MAX + 2], url[64];
    snprintf(data, sizeof data, "@%s", file);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/sync", s.port);
    const char *tokens[] = {t1, t2};
    const int want[] = {429, 503};
    for (int i = 0; i < 2; i++) {
        char auth[128];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", tokens[i]);
        const char *argv[] = {curl,
                              "-sS",
                              "-o",
                              "/dev/null",
                              "-w",
                              "%{http_code} %{size_upload}",
                              "-H",
                              "Expect:",
                              "-H",
                              "Content-Type: application/json",
                              "-H",
                              auth,
                              "--data-binary",
                              data,
                              url,
                              NULL};
        char *out = NULL, *err = NULL;
        int rc = hl_test_run_watchdog(argv, NULL, &out, &err, 300);
        int status = 0;
        long long sent = -1;
        if (out) sscanf(out, "%d %lld", &status, &sent);
        printf("     libcurl refused with %d after sending %lld of %zu bytes (exit %d%s%s)\n",
               status, sent, big, rc, err && *err ? ": " : "", err ? err : "");
        CHECK_INT(rc, 0);
        CHECK_INT(status, want[i]);
        /* it stopped: what it sent is what was on its way when the answer came */
        CHECK(sent >= 0 && (size_t)sent < big / 2);
        free(out);
        free(err);
    }
    reply_t r = http_finish(held, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    hl_test_rmtree(dir);
    free(dir);
    free(file);
    free(plain);
    free(body);
    free(t1);
    free(t2);
    free(curl);
    srv_stop(&s);
}

/* ---- The database's connections ----------------------------------------------------------- */

/* The client's end of a TCP connection to 127.0.0.1:port in /proc/net/tcp,
 * ESTABLISHED: its timer (0 none, 1 retransmit, 2 keepalive, ...) and when
 * it fires, in clock ticks. false when there is none. */
static bool tcp_timer(int port, unsigned *timer, unsigned long *when)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f) return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned rport = 0, st = 0, tr = 0;
        unsigned long w = 0;
        if (sscanf(line, " %*u: %*x:%*x %*x:%x %x %*x:%*x %x:%lx", &rport, &st, &tr, &w) == 4 &&
            rport == (unsigned)port && st == 1) {
            *timer = tr;
            *when = w;
            found = true;
        }
    }
    fclose(f);
    return found;
}

static void test_a_database_that_never_answers_fails_in_10_s_and_connections_keep_alive(void)
{
    /* A "database" whose kernel lets connections in (the listen backlog)
     * and which never says a word: libpq waits for its answer to the
     * startup packet. */
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0 && listen(ls, 16) == 0 &&
          getsockname(ls, (struct sockaddr *)&a, &alen) == 0);
    int port = ntohs(a.sin_port);
    /* the conninfo's own connect_timeout wins (an hour here, so the
     * connection can be looked at), and the keepalives are the server's:
     * once the startup packet is acknowledged, the keepalive timer runs,
     * due within 30 s (the kernel's default: two hours) */
    char db[160];
    snprintf(db, sizeof db, "host=127.0.0.1 port=%d dbname=x user=x connect_timeout=3600", port);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        const char *argv[] = {HL_SERVER_BIN, "kiosk", "list", "--db", db, NULL};
        hl_test_execv(argv);
        _exit(127);
    }
    unsigned timer = 1;
    unsigned long when = 0;
    bool seen = false;
    for (int i = 0; i < 12000 && (!seen || timer == 1); i++) { /* a condition, polled */
        seen = tcp_timer(port, &timer, &when);
        if (!seen || timer == 1) usleep(10000);
    }
    CHECK(seen);
    CHECK_INT(timer, 2);
    long ticks = sysconf(_SC_CLK_TCK);
    printf("     keepalive due in %.1f s\n", (double)when / (double)ticks);
    CHECK(when > 0 && when <= (unsigned long)(30 * ticks));
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    /* without one, it gives up after 10 s and says why (it waited as long
     * as the kernel retries otherwise: for ever, here) */
    snprintf(db, sizeof db, "host=127.0.0.1 port=%d dbname=x user=x", port);
    const char *argv[] = {HL_SERVER_BIN, "kiosk", "list", "--db", db, NULL};
    char *err = NULL;
    CHECK_INT(hl_test_run_watchdog(argv, NULL, NULL, &err, 300), 1);
    CHECK_CONTAINS(err, "timeout expired");
    free(err);
    close(ls);
}

static void test_the_status_is_kept_with_history_and_a_quiet_kiosk_shows_silent(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1), *k2 = hl_fixture_devkey(2);
    char *t1 = kiosk_add(&s, "k1", "U1", k1), *t2 = kiosk_add(&s, "k2", "U1", k2);
    const char *status =
        "{\"protocol\":2,\"software\":\"0.1.0\",\"time\":\"2026-12-06T08:00:00.000Z\","
        "\"clock_trusted\":true,\"uptime_s\":86400,\"interval_s\":60,\"survey\":{\"id\":\"s\","
        "\"version\":3,\"sha256\":\""
        "0000000000000000000000000000000000000000000000000000000000000000"
        "\"},\"assignment\":null,\"pending\":12,\"oldest_pending\":\"2026-12-06T07:58:10.500Z\","
        "\"disk_free_bytes\":5123456789,\"last_error\":null,\"last_usb_export\":null,"
        "\"officer_id\":\"nguyen-van-a\",\"unknown\":{\"deep\":[1,2]},\"software2\":\"x\"}";
    char *body = request("k1", NULL, 0, NULL, NULL, status);
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    reply_free(&r);
    char *v = q(&s, "SELECT concat_ws(' ', software, pending, disk_free_bytes, clock_trusted, "
                    "survey_version, officer_id, requests, status ? 'unknown') FROM "
                    "hailong.kiosk_status");
    CHECK_STR(v, "0.1.0 12 5123456789 t 3 nguyen-van-a 2 f");
    free(v);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.kiosk_status_history"), 1);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong_report.fleet WHERE silent"), 1); /* k2 */
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong_report.fleet WHERE kiosk_id = 'k1' AND NOT "
                        "silent"),
              1);
    /* nothing from k1 for its interval and the grace: silent */
    free(q(&s, "UPDATE hailong.kiosk_status SET received_at = now() - interval '121 seconds'"));
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong_report.fleet WHERE silent"), 2);
    char *out = NULL;
    CHECK_INT(run_server_cmd(&s, (const char *[]){"fleet", "--silent", NULL}, &out, NULL), 0);
    CHECK_CONTAINS(out, "k1\tU1\tSILENT");
    free(out);
    free(body);
    free(t1);
    free(t2);
    srv_stop(&s);
}

static void test_an_assignment_goes_with_each_answer_until_the_kiosk_reports_on_it(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "Phường 1", k1);
    char *dir = hl_test_tmpdir("assign");
    char *off = hl_test_write_file(dir, "officers.json",
                                   "[{\"id\": \"nguyen-van-a\", \"name\": \"Nguyễn Văn A\"}]");
    char *err = NULL;
    CHECK_INT(run_server_cmd(&s,
                             (const char *[]){"assign", "--unit", "Phường 1", "--survey",
                                              SURVEY_FILE, "--officers", off, NULL},
                             NULL, &err),
              0);
    CHECK_CONTAINS(err, "assignment 1");
    free(err);
    char *body = request("k1", NULL, 0, NULL, NULL, "{\"assignment\":null}");
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "\"assignment\":{\"id\":1,");
    CHECK_CONTAINS(r.body, survey_sha());
    CHECK_CONTAINS(r.body, "\"survey\":\"{");
    CHECK_CONTAINS(r.body, "Nguyễn Văn A");
    reply_free(&r);
    free(body);
    body =
        request("k1", NULL, 0, NULL, NULL, "{\"assignment\":{\"id\":1,\"state\":\"installed\"}}");
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_CONTAINS(r.body, "\"assignment\":{\"id\":1}");
    reply_free(&r);
    free(body);
    CHECK_INT(
        count(&s, "SELECT count(*) FROM hailong.kiosk_status WHERE assignment_state = 'installed'"),
        1);
    /* a broken survey is refused and nothing is assigned */
    char *broken = hl_test_write_file(dir, "broken.json", "{\"format\": 1, \"id\": \"x\"}");
    CHECK_INT(run_server_cmd(&s,
                             (const char *[]){"assign", "--kiosk", "k1", "--survey", broken, NULL},
                             NULL, &err),
              1);
    CHECK_CONTAINS(err, "problem");
    free(err);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.assignments"), 1);
    free(broken);
    free(off);
    hl_test_rmtree(dir);
    free(dir);
    free(t1);
    srv_stop(&s);
}

static void test_a_negative_burst_raises_one_alert_per_counter_and_officer_with_notify(void)
{
    srv_t s;
    srv_start(&s);
    CHECK_INT(run_server_cmd(&s, (const char *[]){"survey", "add", SURVEY_FILE, NULL}, NULL, NULL),
              0);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    PGconn *l = PQconnectdb(s.db);
    CHECK(PQstatus(l) == CONNECTION_OK);
    PQclear(PQexec(l, "LISTEN hailong_alert"));
    chain_t c;
    chain_init(&c, k1, "k1");
    /* 6 responses 2 minutes apart, 4 of them negative, for one officer */
    static const char *vals[] = {"satisfied",    "dissatisfied", "very_dissatisfied",
                                 "dissatisfied", "satisfied",    "very_dissatisfied"};
    char *rows[6];
    for (int i = 0; i < 6; i++)
        rows[i] = row_next(&c, T0 + i * 120000, vals[i], "officer-a");
    char *body = request("k1", rows, 6, &c, k1, NULL);
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses WHERE negative"), 4);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.alerts WHERE kind = 'negative_burst' AND "
                        "counter = 'Quầy 1'"),
              1);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.alerts WHERE kind = 'negative_burst' AND "
                        "officer_id = 'officer-a'"),
              1);
    int notes = 0;
    for (int i = 0; i < 600 && notes < 2; i++) {
        PQconsumeInput(l);
        PGnotify *n;
        while ((n = PQnotifies(l))) {
            if (!strcmp(n->relname, "hailong_alert") && strstr(n->extra, "negative_burst")) notes++;
            PQfreemem(n);
        }
        if (notes < 2) {
            struct pollfd p = {.fd = PQsocket(l), .events = POLLIN};
            poll(&p, 1, 100);
        }
    }
    CHECK_INT(notes, 2);
    PQfinish(l);
    free(body);
    rows_free(rows, 6);
    free(t1);
    srv_stop(&s);
}

static void test_the_service_role_can_only_push_and_the_read_role_sees_no_group_under_five(void)
{
    srv_t s;
    srv_start(&s);
    CHECK_INT(run_server_cmd(&s, (const char *[]){"survey", "add", SURVEY_FILE, NULL}, NULL, NULL),
              0);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    chain_t c;
    chain_init(&c, k1, "k1");
    char *rows[4];
    rows_make(&c, rows, 4, T0, "satisfied");
    char *body = request("k1", rows, 4, &c, k1, NULL);
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    free(q(&s, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') "
               "THEN CREATE ROLE analyst LOGIN; END IF; END $$; GRANT hailong_read TO analyst"));
    char as_ingest[PATH_MAX + 300], as_read[PATH_MAX + 300];
    snprintf(as_ingest, sizeof as_ingest, "%s user=hailong-test", s.db);
    snprintf(as_read, sizeof as_read, "%s user=analyst", s.db);
    /* hl_pg_query prints the refusal and returns NULL */
    CHECK(!hl_pg_query(as_ingest, "SELECT count(*) FROM hailong.responses"));
    CHECK(!hl_pg_query(as_ingest, "SELECT count(*) FROM hailong_report.unit_month"));
    CHECK(!hl_pg_query(as_read, "SELECT count(*) FROM hailong.responses"));
    CHECK(!hl_pg_query(as_read, "SELECT count(*) FROM hailong_report.comments"));
    char *v = hl_pg_query(as_read, "SELECT concat_ws(' ', responses, coalesce(negative::text, "
                                   "'hidden')) FROM hailong_report.unit_month");
    CHECK_STR(v, "4 hidden");
    free(v);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong_report.question_month"), 0);
    /* the fifth makes the group visible */
    char *fifth[1];
    rows_make(&c, fifth, 1, T0 + 3600000, "satisfied");
    free(body);
    body = request("k1", fifth, 1, &c, k1, NULL);
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    reply_free(&r);
    v = hl_pg_query(as_read, "SELECT string_agg(value || '=' || n, ',') FROM "
                             "hailong_report.question_month");
    CHECK_STR(v, "satisfied=5");
    free(v);
    rows_free(fifth, 1);
    free(body);
    rows_free(rows, 4);
    free(t1);
    srv_stop(&s);
}

static void test_the_server_answers_503_while_the_database_is_down_and_recovers(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    chain_t c;
    chain_init(&c, k1, "k1");
    char *rows[2];
    rows_make(&c, rows, 2, T0, "satisfied");
    char *body = request("k1", rows, 2, &c, k1, NULL);
    CHECK(hl_pg_stop(&pg));
    reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 503);
    CHECK_CONTAINS(r.head, "Retry-After: ");
    reply_free(&r);
    CHECK(hl_pg_start_again(&pg));
    r = http(s.port, "POST", "/api/v1/sync", t1, body);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 2);
    free(body);
    rows_free(rows, 2);
    free(t1);
    srv_stop(&s);
}

static void test_a_push_right_after_a_database_restart_is_stored_at_once(void)
{
    srv_t s;
    srv_start(&s);
    const hl_devkey_t *k1 = hl_fixture_devkey(1);
    char *t1 = kiosk_add(&s, "k1", "U1", k1);
    chain_t c;
    chain_init(&c, k1, "k1");
    char *rows[3];
    rows_make(&c, rows, 3, T0, "satisfied");
    /* each push leaves the pool's connection open; each restart makes it
     * stale: a fast shutdown (the server tells its sessions), then an
     * immediate one (they are cut) */
    for (int i = 0; i < 3; i++) {
        char *body = request("k1", rows + i, 1, &c, k1, NULL);
        reply_t r = http(s.port, "POST", "/api/v1/sync", t1, body);
        CHECK_INT(r.status, 200);
        CHECK_CONTAINS(r.body, "\"accepted\":[\"");
        reply_free(&r);
        free(body);
        if (i < 2) CHECK(hl_pg_restart(&pg, i == 1));
    }
    CHECK_INT(count(&s, "SELECT count(*) FROM hailong.responses"), 3);
    rows_free(rows, 3);
    free(t1);
    srv_stop(&s);
}

static void test_migrating_again_changes_nothing_and_commands_refuse_an_old_schema(void)
{
    srv_t s;
    srv_start(&s);
    char *out = NULL;
    CHECK_INT(run_server_cmd(&s, (const char *[]){"db", "migrate", NULL}, &out, NULL), 0);
    CHECK(!strstr(out, "applied"));
    CHECK_CONTAINS(out, "schema version 6");
    free(out);
    char fresh[PATH_MAX + 200];
    CHECK(hl_pg_create_db(&pg, "empty", fresh, sizeof fresh));
    const char *argv[] = {HL_SERVER_BIN, "kiosk", "list", "--db", fresh, NULL};
    char *err = NULL;
    CHECK_INT(hl_test_run_watchdog(argv, NULL, NULL, &err, 60), 1);
    CHECK_CONTAINS(err, "db migrate");
    free(err);
    const char *bad[] = {HL_SERVER_BIN, "serve", "--listen", "0.0.0.0:0", "--db", fresh, NULL};
    CHECK_INT(hl_test_run_watchdog(bad, NULL, NULL, &err, 60), 2);
    CHECK_CONTAINS(err, "without TLS");
    free(err);
    srv_stop(&s);
}

static void cleanup(void)
{
    if (pg_up) hl_pg_destroy(&pg);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_kiosks_push_is_stored_once_byte_for_byte_as_its_jsonl_export),
    HL_TEST(test_a_replayed_request_changes_nothing_and_names_every_row_duplicate),
    HL_TEST(test_unknown_tokens_disabled_kiosks_and_another_kiosks_token_are_refused),
    HL_TEST(test_another_kiosks_rows_and_altered_rows_are_quarantined_and_never_counted),
    HL_TEST(test_a_row_the_database_cannot_read_is_quarantined_and_its_batch_stored),
    HL_TEST(test_a_forged_head_is_kept_apart_and_raised_and_a_truncated_chain_too),
    HL_TEST(test_malformed_oversized_and_misaddressed_requests_get_a_clear_answer),
    HL_TEST(test_a_refusal_on_the_headers_reaches_a_client_still_sending_a_large_body),
    HL_TEST(test_a_kiosk_over_its_rate_gets_429_with_retry_after),
    HL_TEST(test_a_request_over_the_inflight_bound_gets_503_at_once_and_stores_nothing),
    HL_TEST(test_one_kiosk_holds_one_push_in_flight_and_another_kiosk_still_gets_through),
    HL_TEST(test_a_stalled_upload_is_cut_30_s_after_its_headers_and_frees_its_slot),
    HL_TEST(test_the_kiosks_libcurl_stops_sending_its_body_when_refused_for_load),
    HL_TEST(test_a_database_that_never_answers_fails_in_10_s_and_connections_keep_alive),
    HL_TEST(test_the_status_is_kept_with_history_and_a_quiet_kiosk_shows_silent),
    HL_TEST(test_an_assignment_goes_with_each_answer_until_the_kiosk_reports_on_it),
    HL_TEST(test_a_negative_burst_raises_one_alert_per_counter_and_officer_with_notify),
    HL_TEST(test_the_service_role_can_only_push_and_the_read_role_sees_no_group_under_five),
    HL_TEST(test_the_server_answers_503_while_the_database_is_down_and_recovers),
    HL_TEST(test_a_push_right_after_a_database_restart_is_stored_at_once),
    HL_TEST(test_migrating_again_changes_nothing_and_commands_refuse_an_old_schema),
};

int main(int argc, char **argv)
{
    atexit(cleanup);
    return hl_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
