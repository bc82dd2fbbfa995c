/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_web_fixture.h: what test_web.c and test_web_pages.c share: the
 * dashboard of hailong-server (serve --web-listen) run against a seeded
 * database and talked to by hand over HTTP, without a browser. Header only
 * (its functions are static: each test program runs the server itself,
 * HL_SERVER_BIN being each one's own definition).
 *
 * A throw-away PostgreSQL (hl_pg.h); a template database migrated with the
 * real command (the dashboard's login role made by `db migrate --web-role`),
 * a survey registered, staff added with `staff add` (passwords on stdin)
 * and a small province seeded by SQL as the owner, its rollups refreshed
 * once (004-stats.sql: the pages read them):
 *   - "Phường Hàm Rồng" (kiosk hr-1): 17 responses in November 2026, at
 *     counters "Quầy 1" (10) and "Quầy 2" (7), by officers cb-lan (8),
 *     cb-minh (6) and cb-hung (3): min-5 hides cb-hung and, against
 *     differencing, cb-minh; 13 of 17 satisfied (index 76.4706), one
 *     partial, one suspect; three comments (one is "<script>...", one a
 *     phone number); plus one response in October and one after "now";
 *   - "Xã Quảng Tâm" (qt-1, silent): 3 responses, on Sunday 1 November (a
 *     week of one day: the month's first week, clipped);
 *   - "Tổ <b onmouseover=x>\"&'" (to-1): 9 responses, hidden on the
 *     overview so that Quảng Tâm's 3 cannot be told by subtraction.
 * Each test copies the template, starts the real program (the kiosks' port
 * and the dashboard's, both port 0) with --clock-fixed
 * 2026-11-20T10:00:00+07:00 and talks HTTP to it with a plain socket.
 */
#ifndef HL_WEB_FIXTURE_H
#define HL_WEB_FIXTURE_H

#include "hl_pg.h"
#include "hl_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Not every test program uses every helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

#define UNIT_A   "Phường Hàm Rồng"
#define UNIT_B   "Xã Quảng Tâm"
#define UNIT_C   "Tổ <b onmouseover=x>\"&'"
#define UNIT_C_H "Tổ &lt;b onmouseover=x&gt;&quot;&amp;&#39;" /* as the pages write it */
#define PASSWORD "mat-khau-123"
#define NOW      "2026-11-20T10:00:00+07:00"
#define TOKEN64  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static hl_pg_t pg;
static bool pg_up;
static int db_counter;

typedef struct web {
    char *dir;
    char db[PATH_MAX + 200]; /* the owner's conninfo of this test's database */
    pid_t pid;
    int port; /* the dashboard's */
} web_t;

typedef struct reply {
    int status;
    char *head;
    char *body;
} reply_t;

static void reply_free(reply_t *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static const char survey_json[] =
    "{\"format\": 1, \"id\": \"web-test\", \"version\": 1, \"languages\": [\"vi\", \"en\"],\n"
    " \"title\": {\"vi\": \"Đánh giá\", \"en\": \"Rate us\"},\n"
    " \"thanks\": {\"vi\": \"Cảm ơn!\", \"en\": \"Thanks!\"},\n"
    " \"questions\": [\n"
    "  {\"id\": \"overall\", \"type\": \"smiley\", \"required\": true,\n"
    "   \"text\": {\"vi\": \"Hài lòng?\", \"en\": \"Satisfied?\"},\n"
    "   \"options\": [{\"id\": \"very_satisfied\", \"label\": {\"vi\": \"Rất hài lòng\", \"en\": "
    "\"Very\"}},\n"
    "    {\"id\": \"satisfied\", \"label\": {\"vi\": \"Hài lòng\", \"en\": \"Yes\"}},\n"
    "    {\"id\": \"neutral\", \"label\": {\"vi\": \"Bình thường\", \"en\": \"Neutral\"}},\n"
    "    {\"id\": \"dissatisfied\", \"label\": {\"vi\": \"Không hài lòng\", \"en\": \"No\"}},\n"
    "    {\"id\": \"very_dissatisfied\", \"label\": {\"vi\": \"Rất không\", \"en\": \"Not at "
    "all\"}}]},\n"
    "  {\"id\": \"reasons\", \"type\": \"choice\", \"show_if\": {\"question\": \"overall\", "
    "\"at_most\": 2},\n"
    "   \"text\": {\"vi\": \"Vì sao?\", \"en\": \"Why?\"},\n"
    "   \"options\": [{\"id\": \"slow\", \"label\": {\"vi\": \"Chậm\", \"en\": \"Slow\"}},\n"
    "    {\"id\": \"rude\", \"label\": {\"vi\": \"Thái độ\", \"en\": \"Rude\"}}]},\n"
    "  {\"id\": \"gop_y\", \"type\": \"text\", \"max_chars\": 500,\n"
    "   \"text\": {\"vi\": \"Góp ý?\", \"en\": \"Comments?\"},\n"
    "   \"hint\": {\"vi\": \"Không bắt buộc\", \"en\": \"Optional\"}},\n"
    "  {\"id\": \"lien_he\", \"type\": \"contact\",\n"
    "   \"text\": {\"vi\": \"Số điện thoại?\", \"en\": \"Phone?\"}}],\n"
    " \"consent\": {\"vi\": \"Chỉ để liên hệ lại.\", \"en\": \"Only to call you back.\"}}\n";

/* The province: kiosks, statuses, responses and answers, alerts. */
static const char seed_sql[] =
    "INSERT INTO hailong.kiosks (id, unit, token_hash) VALUES "
    "('hr-1', '" UNIT_A "', sha256('a')), ('qt-1', '" UNIT_B "', sha256('b')), "
    "('to-1', 'Tổ <b onmouseover=x>\"&''', sha256('c'));"
    "INSERT INTO hailong.kiosk_status (kiosk_id, received_at, interval_s, pending, "
    "disk_free_bytes, clock_skew_s, clock_trusted, software, survey_id, survey_version) VALUES "
    "('hr-1', '2026-11-20T09:59:30+07', 60, 7, 1073741824, 0.5, true, '1.2.0', 'web-test', 1), "
    "('qt-1', '2026-11-16T08:00:00+07', 60, 0, 2147483648, 42, false, '1.1.0', 'web-test', 1);"
    "CREATE TEMP TABLE s AS "
    "SELECT i, md5('r' || i)::uuid AS id, 'hr-1' AS kiosk, '" UNIT_A "' AS unit, "
    "'2026-11-01T08:00:00+07'::timestamptz + i * interval '1 day 1 hour' AS t, "
    "CASE WHEN i <= 10 THEN 'Quầy 1' ELSE 'Quầy 2' END AS counter, "
    "CASE WHEN i <= 8 THEN 'cb-lan' WHEN i <= 14 THEN 'cb-minh' ELSE 'cb-hung' END AS officer, "
    "CASE WHEN i % 4 = 0 THEN 'dissatisfied' WHEN i % 2 = 0 THEN 'satisfied' "
    "ELSE 'very_satisfied' END AS v FROM generate_series(1, 17) i "
    "UNION ALL SELECT 100, md5('oct')::uuid, 'hr-1', '" UNIT_A "', '2026-10-15T09:00:00+07', "
    "'Quầy 1', 'cb-lan', 'satisfied' "
    "UNION ALL SELECT 101, md5('late')::uuid, 'hr-1', '" UNIT_A "', '2026-11-21T09:00:00+07', "
    "'Quầy 1', 'cb-lan', 'satisfied' "
    "UNION ALL SELECT 200 + i, md5('b' || i)::uuid, 'qt-1', '" UNIT_B "', "
    "'2026-11-01T09:00:00+07'::timestamptz + i * interval '1 hour', 'Quầy 1', NULL, "
    "'satisfied' FROM generate_series(1, 3) i "
    "UNION ALL SELECT 300 + i, md5('c' || i)::uuid, 'to-1', 'Tổ <b onmouseover=x>\"&''', "
    "'2026-11-06T09:00:00+07'::timestamptz + i * interval '1 hour', 'Quầy 1', NULL, "
    "'very_satisfied' FROM generate_series(1, 9) i;"
    "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, survey_version, "
    "survey_sha256, language, started_at, finished_at, status, suspect, clock_trusted, "
    "officer_id, counter, followup, signed, negative, raw) "
    "SELECT id, kiosk, i, unit, 'web-test', 1, (SELECT sha256 FROM hailong.surveys), 'vi', "
    "t - interval '1 minute', t, CASE WHEN i = 17 THEN 'partial' ELSE 'complete' END, "
    "CASE WHEN i = 16 THEN 'fast' END, true, officer, counter, 'GY-' || i, false, "
    "v = 'dissatisfied', '{}' FROM s;"
    "INSERT INTO hailong.answers SELECT id, unit, t, 'overall', v, 1000 FROM s;"
    "INSERT INTO hailong.answers SELECT id, unit, t, 'reasons', 'slow', 1000 FROM s "
    "WHERE v = 'dissatisfied';"
    "INSERT INTO hailong.answers SELECT id, unit, t, 'gop_y', "
    "CASE i WHEN 1 THEN '<script>alert(1)</script>' ELSE 'Chờ lâu quá' END, 1000 FROM s "
    "WHERE i IN (1, 2);"
    "INSERT INTO hailong.answers SELECT id, unit, t, 'lien_he', '0912345678', 1000 FROM s "
    "WHERE i = 3;"
    "INSERT INTO hailong.alerts (kind, happened_at, recorded_at, kiosk_id, unit, counter) VALUES "
    "('negative_burst', '2026-11-19T09:00:00+07', '2026-11-19T09:00:00+07', 'hr-1', '" UNIT_A
    "', 'Quầy 2'), ('truncation', '2026-11-18T09:00:00+07', '2026-11-18T09:00:00+07', 'qt-1', "
    "'" UNIT_B
    "', NULL), ('forged_head', '2026-11-21T09:00:00+07', '2026-11-21T09:00:00+07', 'qt-1', '" UNIT_B
    "', NULL);";

static int server_cmd(const char *db, const char *const *args, const char *stdin_text, char **out,
                      char **errout)
{
    /* through sh, for the password on stdin */
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "printf '%%s\\n' '%s' | '%s'", stdin_text ? stdin_text : "",
                     HL_SERVER_BIN);
    for (size_t i = 0; args[i]; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s'", args[i]);
    snprintf(cmd + n, sizeof cmd - (size_t)n, " --db '%s'", db);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    return hl_test_run_watchdog(argv, NULL, out, errout, 300);
}

static void make_template(void)
{
    char db[PATH_MAX + 200];
    CHECK(hl_pg_create_db(&pg, "tmpl", db, sizeof db));
    char *out = NULL, *err = NULL;
    int rc = server_cmd(db,
                        (const char *[]){"db", "migrate", "--service-role", "hailong-test",
                                         "--web-role", "hailong-webtest", NULL},
                        NULL, &out, &err);
    if (rc) printf("migrate: %s %s\n", out ? out : "", err ? err : "");
    CHECK_INT(rc, 0);
    CHECK_CONTAINS(out, "applied 005-web.sql");
    CHECK_CONTAINS(out, "role hailong-webtest may serve the dashboard");
    free(out);
    free(err);
    char *dir = hl_test_tmpdir("websurvey");
    char *file = hl_test_write_file(dir, "survey.json", survey_json);
    char *se = NULL;
    rc = server_cmd(db, (const char *[]){"survey", "add", file, NULL}, NULL, NULL, &se);
    if (rc) printf("survey add: %s\n", se ? se : "");
    CHECK_INT(rc, 0);
    free(se);
    free(file);
    hl_test_rmtree(dir);
    free(dir);
    static const char *const staff[][5] = {
        {"prov", "Nguyễn Văn Tỉnh", "province", NULL},
        {"hr", "Trần Thị Hàm Rồng", "unit", UNIT_A},
        {"qt", "Lê Quảng Tâm", "unit", UNIT_B},
    };
    for (size_t i = 0; i < 3; i++) {
        const char *args[12] = {"staff",     "add",    staff[i][0], "--name",
                                staff[i][1], "--role", staff[i][2]};
        size_t n = 7;
        if (staff[i][3]) {
            args[n++] = "--unit";
            args[n++] = staff[i][3];
        }
        args[n] = NULL;
        char *o = NULL, *e = NULL;
        rc = server_cmd(db, args, PASSWORD, &o, &e);
        if (rc) printf("staff add: %s %s\n", o ? o : "", e ? e : "");
        CHECK_INT(rc, 0);
        free(o);
        free(e);
    }
    char *r = hl_pg_query(db, seed_sql);
    CHECK(r != NULL);
    free(r);
    /* the rollups the pages read (the service refreshes them every 30 s;
     * here once, before any test, so no page waits for it) */
    r = hl_pg_query(db, "SELECT hailong.refresh_stats()");
    CHECK(r && atoi(r) > 0);
    free(r);
}

/* A fresh copy of the template and the program serving it. */
static void web_start_tls(web_t *w, const char *cert, const char *key)
{
    memset(w, 0, sizeof *w);
    if (!pg_up) CHECK(pg_up = hl_pg_start(&pg));
    if (!db_counter) make_template();
    char sql[96];
    snprintf(sql, sizeof sql, "CREATE DATABASE w%d TEMPLATE tmpl", ++db_counter);
    free(hl_pg_query(pg.conninfo, sql));
    snprintf(w->db, sizeof w->db, "host=%s port=%d user=postgres dbname=w%d", pg.sockdir, pg.port,
             db_counter);
    w->dir = hl_test_tmpdir("web");
    char pf[PATH_MAX], wpf[PATH_MAX];
    snprintf(pf, sizeof pf, "%s/port", w->dir);
    snprintf(wpf, sizeof wpf, "%s/webport", w->dir);
    w->pid = fork();
    if (w->pid == 0) {
        char log[PATH_MAX];
        snprintf(log, sizeof log, "%s/server.log", w->dir);
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        char as_service[PATH_MAX + 240], as_web[PATH_MAX + 240];
        snprintf(as_service, sizeof as_service, "%s user=hailong-test", w->db);
        snprintf(as_web, sizeof as_web, "%s user=hailong-webtest", w->db);
        const char *argv[] = {HL_SERVER_BIN,
                              "serve",
                              "--listen",
                              "127.0.0.1:0",
                              "--port-file",
                              pf,
                              "--db",
                              as_service,
                              "--threads",
                              "2",
                              "--web-listen",
                              "127.0.0.1:0",
                              "--web-port-file",
                              wpf,
                              "--web-db",
                              as_web,
                              "--web-fonts",
                              HL_SOURCE_DIR "/fonts",
                              "--clock-fixed",
                              NOW,
                              cert ? "--tls-cert" : NULL,
                              cert,
                              "--tls-key",
                              key,
                              NULL};
        hl_test_execv(argv);
        _exit(127);
    }
    for (int i = 0; i < 6000 && !w->port; i++) { /* a condition; the bound catches a hang */
        char *t = hl_test_read_file(wpf, NULL);
        if (t) w->port = atoi(t);
        free(t);
        if (!w->port) {
            int st;
            if (waitpid(w->pid, &st, WNOHANG) == w->pid) {
                w->pid = 0;
                break;
            }
            usleep(10000);
        }
    }
    CHECK(w->port > 0);
}

static void web_start(web_t *w)
{
    web_start_tls(w, NULL, NULL);
}

static void web_stop(web_t *w)
{
    if (w->pid > 0) {
        kill(w->pid, SIGTERM);
        int st;
        waitpid(w->pid, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    if (w->dir) {
        char log[PATH_MAX];
        snprintf(log, sizeof log, "%s/server.log", w->dir);
        char *text = hl_test_read_file(log, NULL);
        if (getenv("HL_WEB_LOG") && text) fputs(text, stdout);
        free(text);
        hl_test_rmtree(w->dir);
        free(w->dir);
    }
}

/* ---- HTTP by hand ---------------------------------------------------------------------- */

/* One request on its own connection; the answer read to its end (reads
 * bounded by minutes against a hang). */
static reply_t http(const web_t *w, const char *method, const char *path, const char *cookie,
                    const char *body)
{
    reply_t r = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval hang = {.tv_sec = 120};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hang, sizeof hang);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &hang, sizeof hang);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)w->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    size_t blen = body ? strlen(body) : 0;
    char head[2048];
    int n =
        snprintf(head, sizeof head,
                 "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\nUser-Agent: test_web\r\n"
                 "%s%s%s%s",
                 method, path, cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "",
                 body ? "Content-Type: application/x-www-form-urlencoded\r\n" : "");
    if (body) n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", blen);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    CHECK(write(fd, head, (size_t)n) == n);
    for (size_t off = 0; off < blen;) {
        ssize_t wr = send(fd, body + off, blen - off, MSG_NOSIGNAL);
        if (wr <= 0) break;
        off += (size_t)wr;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap) buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got <= 0) break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(fd);
    char *sep = strstr(buf, "\r\n\r\n");
    r.body = strdup(sep ? sep + 4 : "");
    if (sep) *sep = '\0';
    r.head = buf;
    sscanf(buf, "HTTP/1.%*d %d", &r.status);
    return r;
}

/* A GET; with HL_WEB_DUMP=DIR set, each page is also written there (to
 * look at by hand: DIR/<n>.html). */
static reply_t get(const web_t *w, const char *path, const char *cookie)
{
    reply_t r = http(w, "GET", path, cookie, NULL);
    const char *dump = getenv("HL_WEB_DUMP");
    if (dump && r.body) {
        static int n;
        char name[32];
        snprintf(name, sizeof name, "%03d.html", ++n);
        free(hl_test_write_file(dump, name, r.body));
    }
    return r;
}

/* The value of a header's first occurrence (static), "" when absent. */
static const char *header(const reply_t *r, const char *name)
{
    static char v[512];
    v[0] = '\0';
    for (const char *p = r->head; p && (p = strstr(p, "\r\n")); p += 2)
        if (!strncasecmp(p + 2, name, strlen(name)) && p[2 + strlen(name)] == ':') {
            const char *s = p + 3 + strlen(name);
            while (*s == ' ')
                s++;
            size_t n = strcspn(s, "\r\n");
            if (n >= sizeof v) n = sizeof v - 1;
            memcpy(v, s, n);
            v[n] = '\0';
            break;
        }
    return v;
}

/* The login form's double-submit pair from GET /login: the Cookie header's
 * value ("hl_login=...") and the form's hidden login_csrf ("" when none). */
static void login_form(const web_t *w, char cookie[128], char token[80])
{
    reply_t r = get(w, "/login", NULL);
    const char *c = header(&r, "Set-Cookie");
    cookie[0] = token[0] = '\0';
    if (!strncmp(c, "hl_login=", 9)) snprintf(cookie, 128, "%.*s", (int)strcspn(c, ";"), c);
    const char *p = r.body ? strstr(r.body, "name=\"login_csrf\" value=\"") : NULL;
    if (p) snprintf(token, 80, "%.*s", (int)strcspn(p + 25, "\""), p + 25);
    reply_free(&r);
}

/* POST /login as the form does (its cookie and token) with body's fields. */
static reply_t login_post(const web_t *w, const char *fields)
{
    char cookie[128], token[80], body[512];
    login_form(w, cookie, token);
    snprintf(body, sizeof body, "%s&login_csrf=%s", fields, token);
    return http(w, "POST", "/login", cookie, body);
}

/* Logs in; the Cookie header's value for the session ("" on failure). */
static void login(const web_t *w, const char *user, const char *password, char cookie[128])
{
    char body[256];
    snprintf(body, sizeof body, "login=%s&password=%s", user, password);
    reply_t r = login_post(w, body);
    cookie[0] = '\0';
    const char *c = header(&r, "Set-Cookie");
    if (r.status == 303 && !strncmp(c, "hl_session=", 11))
        snprintf(cookie, 128, "%.*s", (int)strcspn(c, ";"), c);
    reply_free(&r);
}

/* The CSRF token of a page's forms (static), "" when none. */
static const char *csrf_of(const char *page)
{
    static char t[80];
    t[0] = '\0';
    const char *p = page ? strstr(page, "name=\"csrf\" value=\"") : NULL;
    if (p) snprintf(t, sizeof t, "%.64s", p + 19);
    return t;
}

/* The data-v of the figure data-k=key (static), NULL when absent. */
static const char *fig(const char *page, const char *key)
{
    static char v[64];
    char pat[512];
    snprintf(pat, sizeof pat, "data-k=\"%s\" data-v=\"", key);
    const char *p = page ? strstr(page, pat) : NULL;
    if (!p) return NULL;
    p += strlen(pat);
    snprintf(v, sizeof v, "%.*s", (int)strcspn(p, "\""), p);
    return v;
}

static void urlenc(const char *s, char *out, size_t cap)
{
    size_t j = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u && j + 4 < cap; u++) {
        if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
            *u == '-')
            out[j++] = (char)*u;
        else
            j += (size_t)snprintf(out + j, cap - j, "%%%02X", *u);
    }
    out[j] = '\0';
}

static char *sql1(const web_t *w, const char *sql)
{
    return hl_pg_query(w->db, sql);
}

/* n responses of a new unit at kiosk (added), all rated "dissatisfied"
 * (the first `slow` with the reason slow, the others rude), on 10 November
 * from 09:00 local, one an hour; the rollups refreshed. */
static void seed_unit(const web_t *w, const char *unit, const char *kiosk, int n, int slow)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "INSERT INTO hailong.kiosks (id, unit, token_hash) VALUES ('%s', $u$%s$u$, "
             "sha256('%s'));"
             "CREATE TEMP TABLE s2 AS SELECT i, md5('%s' || i)::uuid AS id, "
             "'2026-11-10T09:00:00+07'::timestamptz + i * interval '1 hour' AS t "
             "FROM generate_series(1, %d) i;"
             "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
             "survey_version, survey_sha256, language, started_at, finished_at, status, suspect, "
             "clock_trusted, officer_id, counter, followup, signed, negative, raw) SELECT id, "
             "'%s', i, $u$%s$u$, 'web-test', 1, (SELECT sha256 FROM hailong.surveys), 'vi', "
             "t - interval '1 minute', t, 'complete', NULL, true, NULL, 'Quầy 1', 'X-' || i, "
             "false, true, '{}' FROM s2;"
             "INSERT INTO hailong.answers SELECT id, $u$%s$u$, t, 'overall', 'dissatisfied', "
             "1000 FROM s2;"
             "INSERT INTO hailong.answers SELECT id, $u$%s$u$, t, 'reasons', CASE WHEN i <= %d "
             "THEN 'slow' ELSE 'rude' END, 1000 FROM s2;"
             "INSERT INTO hailong.answers SELECT id, $u$%s$u$, t, 'gop_y', 'Góp ý ' || i, 1000 "
             "FROM s2;"
             "SELECT hailong.refresh_stats()",
             kiosk, unit, kiosk, kiosk, n, kiosk, unit, unit, unit, slow, unit);
    char *r = sql1(w, sql);
    CHECK(r != NULL);
    free(r);
}

static void cleanup(void)
{
    if (pg_up) hl_pg_destroy(&pg);
}

#pragma GCC diagnostic pop

#endif
