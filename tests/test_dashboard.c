/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_dashboard.c: the province's dashboard (hailong-server serve
 * --web-listen) in a real browser: headless Chromium driven over the
 * DevTools protocol by tests/support/cdp_browser.py, against a throw-away
 * PostgreSQL (hl_pg.h) migrated with the real command and seeded with
 * tests/data/dashboard/seed.sql (three units, six kiosks, two months of
 * responses; see its header), the survey tests/data/dashboard/survey.json,
 * and staff accounts made with `hailong-server staff add`. The server runs
 * with --clock-fixed 2026-11-20T10:00:00+07:00, so the pages never move.
 *
 * What it checks:
 *   - every page (overview, two units, fleet, alerts, comments; Vietnamese,
 *     and the overview in English) against its golden screenshot in
 *     tests/golden/dashboard/NAME.png, pixel for pixel (rendered with the
 *     bundled Noto Sans only: the browser's font configuration holds nothing
 *     else). A missing or differing golden fails; the actual picture and a
 *     diff (differing pixels red) are written to dashboard-out/ in the
 *     folder the test runs in (the build folder under CTest) and their paths
 *     printed;
 *   - every figure on those pages (data-k/data-v, the contract in
 *     srv_web_pages.c) against the same figure computed here with SQL from
 *     the raw tables (responses, answers, kiosk_status), and that a figure
 *     is hidden exactly when hl_min5_parts hides its part;
 *   - end to end: the login form, the comments inbox, a comment marked
 *     handled with a note (shown handled with the time it took, the change
 *     in hailong.web_log), logout (the old session cookie no longer works),
 *     a POST without the CSRF token refused, a unit account refused another
 *     unit (403);
 *   - the unit page printed to PDF (Page.printToPDF) without its navigation.
 *
 * Regenerating the goldens on purpose (after a deliberate change to how the
 * pages look): HL_UPDATE_GOLDENS=1 ./test_dashboard test_each_page_matches_its_golden_screenshot
 * in the build folder writes every missing or differing golden; look at each
 * picture (git status tests/golden/dashboard) before committing it.
 * HL_GOLDEN_TOLERANCE=DELTA:FRACTION loosens the comparison as in
 * test_golden.c (empty: exact).
 *
 * No sleeps: every wait is for a condition (the port file, the browser's
 * events), bounded by minutes against a hang only.
 */
#define _GNU_SOURCE /* asprintf */
#include "hl_min5.h"
#include "hl_pg.h"
#include "hl_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BROWSER    HL_SOURCE_DIR "/tests/support/cdp_browser.py"
#define SEED       HL_TEST_DATA "/dashboard/seed.sql"
#define SURVEY     HL_TEST_DATA "/dashboard/survey.json"
#define GOLDEN_DIR HL_SOURCE_DIR "/tests/golden/dashboard"
#define FONTS_DIR  HL_SOURCE_DIR "/fonts"
#define OUT_DIR    "dashboard-out"
#define CLOCK      "2026-11-20T10:00:00+07:00"
#define TZ_SQL     "'Asia/Ho_Chi_Minh'"
#define PASSWORD   "m\xE1\xBA\xADt-kh\xE1\xBA\xA9u-th\xE1\xBB\xAD" /* "mật-khẩu-thử" */

#define HAM_RONG  "Ph\xC6\xB0\xE1\xBB\x9Dng H\xC3\xA0m R\xE1\xBB\x93ng" /* Phường Hàm Rồng */
#define QUANG_TAM "X\xC3\xA3 Qu\xE1\xBA\xA3ng T\xC3\xA2m"               /* Xã Quảng Tâm */
#define DONG_VE   "UBND ph\xC6\xB0\xE1\xBB\x9Dng \xC4\x90\xC3\xB4ng V\xE1\xBB\x87" /* Đông Vệ */

/* The seeded province and its running server, made once per process. */
typedef struct dash {
    bool up;                 /* started (or tried: failed stays set with ok false) */
    bool ok;                 /* everything came up */
    hl_pg_t pg;              /* the cluster */
    char db[PATH_MAX + 200]; /* the database, as its owner (postgres) */
    char *dir;               /* this run's folder */
    pid_t pid;               /* hailong-server serve */
    int port;                /* the dashboard's port */
    bool shot;               /* the pages were loaded (shots below) */
    bool shot_ok;            /* and the browser run succeeded */
    PGconn *conn;            /* the test's own connection, as the owner (sql_*) */
} dash_t;

static dash_t D;

/* The pages every figure and golden test looks at, in the order loaded
 * (English last: ?lang=en sets a cookie that keeps it). */
typedef struct page {
    const char *name;  /* golden and output file name */
    const char *path;  /* URL path and query (UTF-8: the browser encodes it) */
    const char *unit;  /* a unit page: its unit (the figures' scope), else NULL */
    const char *month; /* the month the figures cover, NULL: none */
} page_t;

static const page_t pages[] = {
    {"overview", "/?month=2026-11", NULL, "2026-11"},
    {"overview_october", "/?month=2026-10", NULL, "2026-10"},
    {"unit_ham_rong", "/unit/" HAM_RONG "?month=2026-11", HAM_RONG, "2026-11"},
    {"unit_dong_ve", "/unit/" DONG_VE "?month=2026-11", DONG_VE, "2026-11"},
    {"fleet", "/fleet", NULL, NULL},
    {"alerts", "/alerts", NULL, NULL},
    {"comments", "/comments/" HAM_RONG "?state=all&month=2026-10", NULL, NULL},
    {"overview_en", "/?month=2026-11&lang=en", NULL, "2026-11"},
};
#define N_PAGES (sizeof pages / sizeof pages[0])

/* ---- The server ------------------------------------------------------------------------ */

static int server_cmd(const char *const *args, const char *db, char **out, char **err)
{
    const char *argv[24] = {HL_SERVER_BIN};
    int n = 1;
    for (; args[n - 1] && n < 20; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--db";
    argv[n++] = db;
    argv[n] = NULL;
    return hl_test_run_watchdog(argv, NULL, out, err, 300);
}

/* Runs hailong-server with args and --db, its standard input from the file
 * in_path, its output kept in D.dir; the exit code (128+signal; a hang is
 * killed by the watchdog after minutes). */
static int server_cmd_stdin(const char *const *args, const char *in_path)
{
    const char *argv[24] = {HL_SERVER_BIN};
    int n = 1;
    for (; args[n - 1] && n < 20; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--db";
    argv[n++] = D.db;
    argv[n] = NULL;
    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/command.log", D.dir);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *in = freopen(in_path, "r", stdin);
        FILE *out = freopen(log, "w", stdout);
        int fd = out ? dup2(fileno(out), 2) : -1;
        (void)in;
        (void)fd;
        alarm(300); /* against a hang only */
        hl_test_execv(argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc) {
        char *text = hl_test_read_file(log, NULL);
        printf("hailong-server %s %s: exit %d: %s\n", args[0], args[1] ? args[1] : "", rc,
               text ? text : "");
        free(text);
    }
    return rc;
}

/* A staff account with PASSWORD (the command reads it on its standard input). */
static bool staff_add(const char *login, const char *name, const char *role, const char *unit)
{
    char *pw = hl_test_write_file(D.dir, "password", PASSWORD "\n");
    const char *args[16] = {"staff", "add", login, "--name", name, "--role", role};
    size_t n = 7;
    if (unit) {
        args[n++] = "--unit";
        args[n++] = unit;
    }
    args[n] = NULL;
    int rc = server_cmd_stdin(args, pw);
    free(pw);
    return rc == 0;
}

static bool load_seed(void)
{
    char *sql = hl_test_read_file(SEED, NULL);
    if (!sql) return false;
    char *r = hl_pg_query(D.db, sql);
    free(sql);
    bool ok = r != NULL;
    free(r);
    /* statistics, as a running database has them (the test's own queries
     * plan badly on a freshly loaded one) */
    if (ok) free(hl_pg_query(D.db, "ANALYZE"));
    return ok;
}

/* Starts the cluster, migrates, seeds, makes the accounts and starts the
 * server with the dashboard on port 0; once per process. */
static bool dash_up(void)
{
    if (D.up) return D.ok;
    D.up = true;
    if (!hl_pg_start(&D.pg)) return false;
    if (!hl_pg_create_db(&D.pg, "dash", D.db, sizeof D.db)) return false;
    D.dir = hl_test_tmpdir("dashboard");
    char *out = NULL, *err = NULL;
    int rc = server_cmd((const char *[]){"db", "migrate", "--service-role", "hailong-test", NULL},
                        D.db, &out, &err);
    if (rc) printf("migrate: %s %s\n", out ? out : "", err ? err : "");
    free(out);
    free(err);
    if (rc) return false;
    if (server_cmd((const char *[]){"survey", "add", SURVEY, NULL}, D.db, NULL, NULL)) return false;
    if (!load_seed()) return false;
    /* the dashboard's login role: granted hailong_web, nothing else */
    free(hl_pg_query(D.db, "CREATE ROLE \"dash-web\" LOGIN IN ROLE hailong_web"));
    if (!staff_add("tinh", "Nguy\xE1\xBB\x85n V\xC4\x83n T\xE1\xBB\x89nh", "province", NULL) ||
        !staff_add("quang-tam", "Tr\xE1\xBA\xA7n Th\xE1\xBB\x8B Qu\xE1\xBA\xA3ng", "unit",
                   QUANG_TAM) ||
        !staff_add("dong-ve", "L\xC3\xAA V\xC4\x83n \xC4\x90\xC3\xB4ng", "unit", DONG_VE))
        return false;

    char pf[PATH_MAX], wpf[PATH_MAX], log[PATH_MAX];
    snprintf(pf, sizeof pf, "%s/port", D.dir);
    snprintf(wpf, sizeof wpf, "%s/web-port", D.dir);
    snprintf(log, sizeof log, "%s/server.log", D.dir);
    char as_service[PATH_MAX + 240], as_web[PATH_MAX + 240];
    snprintf(as_service, sizeof as_service, "%s user=hailong-test", D.db);
    snprintf(as_web, sizeof as_web, "%s user=dash-web", D.db);
    D.pid = fork();
    if (D.pid == 0) {
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        const char *argv[] = {HL_SERVER_BIN,     "serve",   "--listen",      "127.0.0.1:0",
                              "--port-file",     pf,        "--db",          as_service,
                              "--threads",       "2",       "--web-listen",  "127.0.0.1:0",
                              "--web-port-file", wpf,       "--web-db",      as_web,
                              "--web-fonts",     FONTS_DIR, "--clock-fixed", CLOCK,
                              "--verbose",       NULL};
        hl_test_execv(argv);
        _exit(127);
    }
    /* the port file is the condition; the bound only catches a hang */
    for (int i = 0; i < 12000 && !D.port; i++) {
        char *t = hl_test_read_file(wpf, NULL);
        if (t) D.port = atoi(t);
        free(t);
        if (!D.port) {
            int st;
            if (waitpid(D.pid, &st, WNOHANG) == D.pid) {
                D.pid = 0;
                char *text = hl_test_read_file(log, NULL);
                printf("hailong-server ended: %s\n", text ? text : "");
                free(text);
                return false;
            }
            usleep(10000);
        }
    }
    D.ok = D.port > 0;
    return D.ok;
}

static void cleanup(void)
{
    if (D.pid > 0) {
        kill(D.pid, SIGTERM);
        int st;
        waitpid(D.pid, &st, 0);
    }
    if (D.dir) {
        hl_test_rmtree(D.dir);
        free(D.dir);
    }
    if (D.conn) PQfinish(D.conn);
    if (D.up) hl_pg_destroy(&D.pg);
}

/* ---- SQL ------------------------------------------------------------------------------- */

/* The test's connection to the database, as its owner (made once). */
static PGconn *conn(void)
{
    if (!D.conn) D.conn = PQconnectdb(D.db);
    return D.conn;
}

/* Runs sql as the owner; the result, or NULL after failing the test. */
static PGresult *sql_rows(const char *sql)
{
    PGresult *r = PQexec(conn(), sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        hl_test_fail(__FILE__, __LINE__, "SQL failed: %s\n%s", PQerrorMessage(conn()), sql);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* The first column of the first row of sql's result, malloc'd ("" for no
 * row or a NULL), or NULL after failing the test. */
static char *sql_text(const char *sql)
{
    PGresult *r = sql_rows(sql);
    if (!r) return NULL;
    char *v = strdup(PQntuples(r) && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return v;
}

static long long sql_int(const char *sql)
{
    char *v = sql_text(sql);
    long long n = v ? atoll(v) : -1;
    free(v);
    return n;
}

/* The SQL literal of s (PQfreemem it). */
static char *lit(const char *s)
{
    return PQescapeLiteral(conn(), s, strlen(s));
}

/* ---- The browser ----------------------------------------------------------------------- */

/* A script being written: a JSON array of cdp_browser.py commands. */
static json_t *script_new(void)
{
    return json_array();
}

static void cmd_goto(json_t *s, const char *path)
{
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", D.port, path);
    json_array_append_new(s, json_pack("{s:s, s:s}", "cmd", "goto", "url", url));
}

static void cmd_file(json_t *s, const char *cmd, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", D.dir, name);
    json_array_append_new(s, json_pack("{s:s, s:s}", "cmd", cmd, "path", path));
}

static void cmd_fill(json_t *s, const char *selector, const char *value)
{
    json_array_append_new(
        s, json_pack("{s:s, s:s, s:s}", "cmd", "fill", "selector", selector, "value", value));
}

static void cmd_click(json_t *s, const char *selector)
{
    json_array_append_new(s, json_pack("{s:s, s:s}", "cmd", "click", "selector", selector));
}

static void cmd_eval(json_t *s, const char *expr)
{
    json_array_append_new(s, json_pack("{s:s, s:s}", "cmd", "eval", "expr", expr));
}

static void cmd_login(json_t *s, const char *login)
{
    cmd_goto(s, "/login");
    cmd_fill(s, "#login", login);
    cmd_fill(s, "#password", PASSWORD);
    cmd_click(s, "form[action=\"/login\"] button[type=submit]");
}

/* Runs the script in a fresh browser (its profile in D.dir/TAG); returns
 * the results array (one per command, decref'd by the caller), or NULL
 * after failing the test with what the browser said. */
static json_t *browse(const char *tag, json_t *script)
{
    char spath[PATH_MAX + 64], tmp[PATH_MAX];
    snprintf(spath, sizeof spath, "%s/%s.json", D.dir, tag);
    snprintf(tmp, sizeof tmp, "%s/%s", D.dir, tag);
    mkdir(tmp, 0700);
    json_dump_file(script, spath, JSON_INDENT(1));
    json_decref(script);
    const char *argv[] = {HL_PYTHON, BROWSER,   "run", "--tmp", tmp,
                          "--fonts", FONTS_DIR, spath, NULL};
    char *out = NULL, *err = NULL;
    int rc = hl_test_run_watchdog(argv, NULL, &out, &err, 1200);
    json_t *doc = out ? json_loads(out, 0, NULL) : NULL;
    json_t *res = doc ? json_incref(json_object_get(doc, "results")) : NULL;
    if (rc != 0 || !res) {
        char log[PATH_MAX + 16];
        snprintf(log, sizeof log, "%s/chromium.log", tmp);
        char *clog = hl_test_read_file(log, NULL);
        size_t cl = clog ? strlen(clog) : 0;
        hl_test_fail(__FILE__, __LINE__, "browser run %s: exit %d\n%s\n%s\nchromium.log: %s", tag,
                     rc, out ? out : "", err ? err : "",
                     clog ? clog + (cl > 2000 ? cl - 2000 : 0) : "(none)");
        free(clog);
        json_decref(res);
        res = NULL;
    }
    json_decref(doc);
    free(out);
    free(err);
    return res;
}

static int result_status(json_t *res, size_t i)
{
    return (int)json_integer_value(json_object_get(json_array_get(res, i), "status"));
}

static const char *result_url(json_t *res, size_t i)
{
    return json_string_value(json_object_get(json_array_get(res, i), "url"));
}

/* Prints the end of the server's log (after a page failed). */
static void server_log_tail(void)
{
    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/server.log", D.dir);
    char *text = hl_test_read_file(log, NULL);
    size_t n = text ? strlen(text) : 0;
    printf("server.log (end):\n%s\n", text ? text + (n > 3000 ? n - 3000 : 0) : "(none)");
    free(text);
}

/* Loads every page once, logged in as the province, and keeps each one's
 * screenshot (NAME.png) and HTML (NAME.html) in D.dir. */
static bool shots(void)
{
    if (D.shot) return D.shot_ok;
    D.shot = true;
    if (!dash_up()) return false;
    json_t *s = script_new();
    cmd_login(s, "tinh");
    for (size_t i = 0; i < N_PAGES; i++) {
        char name[128];
        cmd_goto(s, pages[i].path);
        snprintf(name, sizeof name, "%s.png", pages[i].name);
        cmd_file(s, "screenshot", name);
        snprintf(name, sizeof name, "%s.html", pages[i].name);
        cmd_file(s, "html", name);
    }
    json_t *res = browse("pages", s);
    if (!res) return false;
    bool ok = true;
    CHECK_INT(result_status(res, 3), 200); /* the login's answer: the overview */
    for (size_t i = 0; i < N_PAGES; i++) {
        int st = result_status(res, 4 + 3 * i);
        if (st != 200) {
            hl_test_fail(__FILE__, __LINE__, "page %s answered %d", pages[i].path, st);
            ok = false;
        }
    }
    json_decref(res);
    if (!ok) server_log_tail();
    D.shot_ok = ok;
    return ok;
}

/* ---- Goldens --------------------------------------------------------------------------- */

static bool copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *b = hl_test_read_file(from, &len);
    if (!b) return false;
    FILE *f = fopen(to, "wb");
    bool ok = f && fwrite(b, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = false;
    free(b);
    return ok;
}

/* Compares D.dir/NAME.png with its golden; with HL_UPDATE_GOLDENS=1 a
 * missing or differing golden is written instead. */
static void golden_check(const char *name)
{
    char actual[PATH_MAX], golden[PATH_MAX], diff[PATH_MAX], keep[PATH_MAX];
    snprintf(actual, sizeof actual, "%s/%s.png", D.dir, name);
    snprintf(golden, sizeof golden, "%s/%s.png", GOLDEN_DIR, name);
    snprintf(diff, sizeof diff, "%s/%s-diff.png", OUT_DIR, name);
    snprintf(keep, sizeof keep, "%s/%s.png", OUT_DIR, name);
    bool update = getenv("HL_UPDATE_GOLDENS") && !strcmp(getenv("HL_UPDATE_GOLDENS"), "1");
    struct stat st;
    bool have = stat(golden, &st) == 0;
    char delta[16] = "0", fraction[32] = "0";
    const char *tol = getenv("HL_GOLDEN_TOLERANCE");
    if (tol && *tol) sscanf(tol, "%15[^:]:%31s", delta, fraction);
    char *out = NULL;
    int rc = 1;
    if (have) {
        mkdir(OUT_DIR, 0755);
        const char *argv[] = {HL_PYTHON, BROWSER, "compare",    actual,   golden, diff,
                              "--delta", delta,   "--fraction", fraction, NULL};
        rc = hl_test_run_watchdog(argv, NULL, &out, NULL, 600);
    }
    if (rc == 0) {
        free(out);
        return;
    }
    if (update) {
        CHECK(copy_file(actual, golden));
        printf("golden %s %s: look at it before committing\n", golden, have ? "updated" : "made");
    } else if (!have) {
        mkdir(OUT_DIR, 0755);
        CHECK(copy_file(actual, keep));
        hl_test_fail(__FILE__, __LINE__,
                     "no golden %s (the page as it is now: %s); make it on purpose with "
                     "HL_UPDATE_GOLDENS=1 ./test_dashboard "
                     "test_each_page_matches_its_golden_screenshot, then look at it",
                     golden, keep);
    } else {
        CHECK(copy_file(actual, keep));
        hl_test_fail(__FILE__, __LINE__, "%s differs from %s: %s (actual %s, diff %s)", name,
                     golden, out ? out : "", keep, diff);
    }
    free(out);
}

static void test_each_page_matches_its_golden_screenshot(void)
{
    if (!shots()) return;
    for (size_t i = 0; i < N_PAGES; i++)
        golden_check(pages[i].name);
}

/* ---- Figures --------------------------------------------------------------------------- */

#define MAX_FIGS 1024

/* A figure read from a page. */
typedef struct fig {
    char key[256]; /* data-k, unescaped */
    char v[64];    /* data-v: a number or "hidden" */
    bool checked;  /* compared with SQL */
} fig_t;

/* The figures of one page, in the page's order. */
typedef struct figs {
    fig_t f[MAX_FIGS];
    size_t n;
} figs_t;

/* Copies the attribute value starting at s (after the opening quote) up
 * to its closing quote, unescaping &amp; &lt; &gt; &quot; &#39;. */
static void attr_copy(const char *s, char *out, size_t cap)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    size_t n = 0;
    while (*s && *s != '"' && n + 1 < cap) {
        bool done = false;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0] && !done; e++)
            if (!strncmp(s, ents[e].ent, strlen(ents[e].ent))) {
                out[n++] = ents[e].c;
                s += strlen(ents[e].ent);
                done = true;
            }
        if (!done) out[n++] = *s++;
    }
    out[n] = '\0';
}

/* Reads every element's data-k and data-v from D.dir/NAME.html. */
static bool figs_read(const char *name, figs_t *fg)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.html", D.dir, name);
    char *html = hl_test_read_file(path, NULL);
    if (!html) {
        hl_test_fail(__FILE__, __LINE__, "no %s", path);
        return false;
    }
    fg->n = 0;
    for (const char *p = strstr(html, "data-k=\""); p; p = strstr(p + 1, "data-k=\"")) {
        const char *lt = p, *gt = strchr(p, '>');
        while (lt > html && *lt != '<')
            lt--;
        const char *v = strstr(lt, "data-v=\"");
        if (!gt || !v || v > gt || fg->n == MAX_FIGS) {
            hl_test_fail(__FILE__, __LINE__, "%s: a data-k without data-v near %.80s", name, p);
            continue;
        }
        fig_t *f = &fg->f[fg->n++];
        attr_copy(p + 8, f->key, sizeof f->key);
        attr_copy(v + 8, f->v, sizeof f->v);
        f->checked = false;
    }
    free(html);
    return true;
}

/* A group's counts from SQL. */
typedef struct group {
    char name[256];
    long long n, rated, satisfied, partial, suspect;
} group_t;

/* The responses of a page's scope (a month; a unit's, when unit) grouped by
 * expr ('' for the whole): at most cap groups in out; their number. */
static size_t groups_sql(const page_t *pg, const char *expr, group_t *out, size_t cap)
{
    char *sql = NULL;
    char unit_lit[400] = "";
    if (pg->unit) {
        char *l = lit(pg->unit);
        snprintf(unit_lit, sizeof unit_lit, " AND r.unit = %s", l);
        PQfreemem(l);
    }
    if (asprintf(&sql,
                 "WITH m AS (SELECT '%s-01'::timestamp AS lo), "
                 "s AS (SELECT r.*, a.value AS main FROM m, hailong.responses r "
                 "  LEFT JOIN hailong.answers a ON a.response_id = r.response_id "
                 "  AND a.finished_at = r.finished_at AND a.question_id = 'overall' "
                 "  WHERE r.finished_at >= (m.lo AT TIME ZONE " TZ_SQL
                 ") AND r.finished_at < ((m.lo + interval '1 month') AT TIME ZONE " TZ_SQL ")%s) "
                 "SELECT %s AS g, count(*), count(main), "
                 "count(*) FILTER (WHERE main IN ('very_satisfied', 'satisfied')), "
                 "count(*) FILTER (WHERE status = 'partial'), "
                 "count(*) FILTER (WHERE suspect IS NOT NULL) FROM s, m GROUP BY 1 ORDER BY 1",
                 pg->month, unit_lit, expr) < 0)
        return 0;
    PGresult *r = sql_rows(sql);
    free(sql);
    size_t n = 0;
    for (int i = 0; r && i < PQntuples(r) && n < cap; i++, n++) {
        snprintf(out[n].name, sizeof out[n].name, "%s", PQgetvalue(r, i, 0));
        out[n].n = atoll(PQgetvalue(r, i, 1));
        out[n].rated = atoll(PQgetvalue(r, i, 2));
        out[n].satisfied = atoll(PQgetvalue(r, i, 3));
        out[n].partial = atoll(PQgetvalue(r, i, 4));
        out[n].suspect = atoll(PQgetvalue(r, i, 5));
    }
    PQclear(r);
    return n;
}

/* The value metric of group g, or false when it has none (no rated
 * response: no index). */
static bool metric_of(const group_t *g, const char *metric, double *v)
{
    if (!strcmp(metric, "responses"))
        *v = (double)g->n;
    else if (!strcmp(metric, "index") && g->rated > 0)
        *v = 100.0 * (double)g->satisfied / (double)g->rated;
    else if (!strcmp(metric, "share") && g->rated > 0)
        *v = 100.0 * (double)g->satisfied / (double)g->rated;
    else if (!strcmp(metric, "partial_share") && g->n > 0)
        *v = 100.0 * (double)g->partial / (double)g->n;
    else if (!strcmp(metric, "suspect_share") && g->n > 0)
        *v = 100.0 * (double)g->suspect / (double)g->n;
    else
        return false;
    return true;
}

/* Compares one figure with its expected value (hidden: not shown). */
static void fig_expect(const char *page, fig_t *f, bool shown, const group_t *g, const char *metric)
{
    f->checked = true;
    double want = 0;
    /* a hidden part, or a figure without a value (no rated response): "hidden" */
    if (!shown || !g || !metric_of(g, metric, &want) ||
        (!strcmp(metric, "index") && !hl_min5_enough(g->rated))) {
        if (strcmp(f->v, "hidden") != 0)
            hl_test_fail(__FILE__, __LINE__, "%s: %s = %s, expected hidden (%s)", page, f->key,
                         f->v, shown ? "no value" : "min-5");
        return;
    }
    if (!strcmp(f->v, "hidden")) {
        hl_test_fail(__FILE__, __LINE__, "%s: %s hidden, expected %.4f", page, f->key, want);
        return;
    }
    double got = strtod(f->v, NULL);
    if (fabs(got - want) > 0.00051)
        hl_test_fail(__FILE__, __LINE__, "%s: %s = %s, SQL says %.6f", page, f->key, f->v, want);
}

/* The SQL expression naming a figure group's parts. */
static const char *group_expr(const char *kind)
{
    if (!strcmp(kind, "unit")) return "unit";
    if (!strcmp(kind, "counter")) return "coalesce(counter, kiosk_id)";
    if (!strcmp(kind, "officer")) return "coalesce(officer_id, '')";
    if (!strcmp(kind, "hour"))
        return "extract(hour FROM finished_at AT TIME ZONE " TZ_SQL ")::int::text";
    if (!strcmp(kind, "week"))
        return "to_char(greatest(date_trunc('week', finished_at AT TIME ZONE " TZ_SQL "), m.lo), "
               "'YYYY-MM-DD')";
    return NULL;
}

/* Checks the figures of one breakdown (kind: unit, counter, officer, week,
 * hour) on a page: each part's figures against SQL, and hidden exactly as
 * hl_min5_parts says, with the parts in the page's order. */
static void check_breakdown(const page_t *pg, figs_t *fg, const char *kind, long long total)
{
    size_t plen = strlen(kind);
    bool any = false;
    for (size_t i = 0; i < fg->n && !any; i++)
        any = !strncmp(fg->f[i].key, kind, plen) && fg->f[i].key[plen] == '/';
    if (!any) return; /* the page has no such breakdown */
    static group_t g[256];
    size_t ng = groups_sql(pg, group_expr(kind), g, 256);
    /* the parts in the order the page names them first, then the others */
    size_t order[256], k = 0;
    bool placed[256] = {false};
    for (size_t i = 0; i < fg->n; i++) {
        const char *key = fg->f[i].key;
        if (strncmp(key, kind, plen) != 0 || key[plen] != '/') continue;
        const char *name = key + plen + 1, *slash = strrchr(name, '/');
        if (!slash) continue;
        for (size_t j = 0; j < ng; j++) {
            bool same = (size_t)(slash - name) == strlen(g[j].name) &&
                        !strncmp(name, g[j].name, (size_t)(slash - name));
            if (!strcmp(kind, "hour")) same = atoi(name) == atoi(g[j].name);
            if (same && !placed[j]) {
                placed[j] = true;
                order[k++] = j;
            }
        }
    }
    for (size_t j = 0; j < ng; j++)
        if (!placed[j] && g[j].name[0]) order[k++] = j;
    int64_t n[256];
    bool shown[256];
    for (size_t i = 0; i < k; i++)
        n[i] = g[order[i]].n;
    bool whole = hl_min5_parts(total, n, k, shown);
    for (size_t i = 0; i < fg->n; i++) {
        fig_t *f = &fg->f[i];
        if (strncmp(f->key, kind, plen) != 0 || f->key[plen] != '/') continue;
        const char *name = f->key + plen + 1, *slash = strrchr(name, '/');
        if (!slash) continue;
        const group_t *hit = NULL;
        bool show = false;
        for (size_t j = 0; j < k; j++) {
            const group_t *c = &g[order[j]];
            bool same = (size_t)(slash - name) == strlen(c->name) &&
                        !strncmp(name, c->name, (size_t)(slash - name));
            if (!strcmp(kind, "hour")) same = atoi(name) == atoi(c->name);
            if (same) {
                hit = c;
                show = whole && shown[j];
            }
        }
        fig_expect(pg->name, f, show, hit, slash + 1);
    }
}

/* Checks a unit page's hour/<H>/responses: each hour's count, shown when
 * the unit-month has at least 5 responses (a pattern of counts, which tells
 * no rating: srv_web_pages.c; an index per hour would be a breakdown). */
static void check_hours(const page_t *pg, figs_t *fg, long long total)
{
    static group_t g[32];
    size_t ng = groups_sql(pg, group_expr("hour"), g, 32);
    for (size_t i = 0; i < fg->n; i++) {
        fig_t *f = &fg->f[i];
        int h;
        char metric[32];
        if (sscanf(f->key, "hour/%d/%31s", &h, metric) != 2) continue;
        group_t zero = {.n = 0}, *hit = &zero;
        for (size_t j = 0; j < ng; j++)
            if (atoi(g[j].name) == h) hit = &g[j];
        fig_expect(pg->name, f, hl_min5_enough(total), hit, metric);
    }
}

/* Checks the distribution figures PREFIX/<question>/<value>/{n,share} and
 * PREFIX/<question>/answered of a unit page ("q": the responses that
 * answered the question; "reason": those of them rated negative), of the
 * multi questions (multi: each option chosen counts, a '|'-joined answer is
 * never a value of its own) or of the others: one group, every figure shown
 * when it has at least 5 responses (hl_min5_enough), all hidden otherwise;
 * counts and shares (100 x n / answered) against SQL. */
static void check_dist(const page_t *pg, figs_t *fg, const char *prefix, bool multi)
{
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < fg->n; i++) {
        fig_t *f = &fg->f[i];
        char qid[128];
        if (f->checked || strncmp(f->key, prefix, plen) || f->key[plen] != '/' ||
            sscanf(f->key + plen + 1, "%127[^/]/", qid) != 1)
            continue;
        char *lu = lit(pg->unit), *lq = lit(qid), sql[2048];
        snprintf(sql, sizeof sql,
                 "SELECT type = 'multi' FROM hailong.survey_questions WHERE "
                 "question_id = %s LIMIT 1",
                 lq);
        char *type = sql_text(sql);
        bool is_multi = type && !strcmp(type, "t");
        free(type);
        if (is_multi != multi) {
            PQfreemem(lu);
            PQfreemem(lq);
            continue;
        }
        bool neg = !strcmp(prefix, "reason");
        snprintf(sql, sizeof sql,
                 "WITH s AS (SELECT r.* FROM hailong.responses r WHERE r.unit = %s AND "
                 "r.finished_at >= ('%s-01'::timestamp AT TIME ZONE " TZ_SQL ") AND r.finished_at "
                 "< (('%s-01'::timestamp + interval '1 month') AT TIME ZONE " TZ_SQL ")%s), "
                 "a AS (SELECT a.* FROM hailong.answers a JOIN s USING (response_id) WHERE "
                 "a.question_id = %s) "
                 "SELECT v, count(*), (SELECT count(*) FROM a) FROM a, unnest(%s) v GROUP BY v",
                 lu, pg->month, pg->month, neg ? " AND r.negative" : "", lq,
                 multi ? "string_to_array(a.value, '|')" : "ARRAY[a.value]");
        PQfreemem(lu);
        PQfreemem(lq);
        PGresult *r = sql_rows(sql);
        if (!r) return;
        int nv = PQntuples(r);
        long long answered = nv ? atoll(PQgetvalue(r, 0, 2)) : 0;
        bool shown = hl_min5_enough(answered);
        for (size_t j = i; j < fg->n; j++) {
            fig_t *h = &fg->f[j];
            char q2[128], val[128], what[16];
            if (strncmp(h->key, prefix, plen) || h->key[plen] != '/') continue;
            int got = sscanf(h->key + plen + 1, "%127[^/]/%127[^/]/%15s", q2, val, what);
            if (got < 2 || strcmp(q2, qid)) continue;
            if (got == 2 && !strcmp(val, "answered")) {
                group_t g = {.n = answered};
                fig_expect(pg->name, h, shown, &g, "responses");
                continue;
            }
            if (got != 3) continue;
            if (multi && strchr(val, '|'))
                hl_test_fail(__FILE__, __LINE__,
                             "%s: %s: a multi answer's options joined as one value (each chosen "
                             "option should count on its own)",
                             pg->name, h->key);
            long long n = 0;
            for (int t = 0; t < nv; t++)
                if (!strcmp(PQgetvalue(r, t, 0), val)) n = atoll(PQgetvalue(r, t, 1));
            /* share: n of answered, as a group's index is satisfied of rated */
            group_t g = {.n = n, .rated = answered, .satisfied = n};
            fig_expect(pg->name, h, shown, &g, !strcmp(what, "share") ? "share" : "responses");
        }
        PQclear(r);
    }
}

/* Checks a fleet figure kiosk/<id>/<what> against kiosk_status and the
 * alerts, "now" being the fixed clock. */
static void check_kiosk(fig_t *f)
{
    char id[64], what[64];
    if (sscanf(f->key, "kiosk/%63[^/]/%63s", id, what) != 2) return;
    static const struct {
        const char *key, *sql;
    } cols[] = {
        {"pending", "s.pending"},
        {"disk_free", "round(s.disk_free_bytes / 1048576.0)"},
        {"clock_skew", "s.clock_skew_s"},
        {"silent", "(s.received_at < '" CLOCK "'::timestamptz - make_interval(secs => "
                   "s.interval_s + 60))::int"},
        {"open_alerts", "(SELECT count(*) FROM hailong.alerts a WHERE a.kiosk_id = s.kiosk_id "
                        "AND a.acknowledged_at IS NULL)"},
    };
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        if (strcmp(what, cols[c].key)) continue;
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT %s FROM hailong.kiosk_status s WHERE kiosk_id = '%s'",
                 cols[c].sql, id);
        char *v = sql_text(sql);
        f->checked = true;
        if (!v || fabs(strtod(v, NULL) - strtod(f->v, NULL)) > 0.00051)
            hl_test_fail(__FILE__, __LINE__, "fleet: %s = %s, SQL says %s", f->key, f->v,
                         v ? v : "(failed)");
        free(v);
    }
}

/* The comments of the inbox page loaded (Hàm Rồng, October, all states):
 * responses with a non-empty text answer, and their follow-ups. */
#define COMMENTS_SQL                                                                               \
    "WITH c AS (SELECT DISTINCT r.response_id, r.finished_at FROM hailong.responses r JOIN "       \
    "hailong.answers a ON a.response_id = r.response_id AND a.finished_at = r.finished_at JOIN "   \
    "hailong.survey_questions q ON q.sha256 = r.survey_sha256 AND q.question_id = a.question_id "  \
    "WHERE q.type = 'text' AND a.value <> '' AND r.unit = '" HAM_RONG "' AND r.finished_at >= "    \
    "('2026-10-01'::timestamp AT TIME ZONE " TZ_SQL ") AND r.finished_at < ('2026-11-01'::"        \
    "timestamp AT TIME ZONE " TZ_SQL ")), h AS (SELECT c.*, f.state, extract(epoch FROM "          \
    "(f.handled_at - c.finished_at)) / 3600 AS hours FROM c LEFT JOIN hailong.followups f USING "  \
    "(response_id)) "

/* Checks a comments inbox figure: comments (the month's, all states),
 * comments/open, comments/handled, comments/median_hours,
 * comment/<id>/state (open unless followed up) and comment/<id>/hours
 * (handled: how long after the comment). */
static void check_comment(fig_t *f)
{
    static const struct {
        const char *key, *sql;
    } heads[] = {
        {"comments", COMMENTS_SQL "SELECT count(*) FROM h"},
        {"comments/open", COMMENTS_SQL "SELECT count(*) FROM h WHERE state IS DISTINCT FROM "
                                       "'handled'"},
        {"comments/handled", COMMENTS_SQL "SELECT count(*) FROM h WHERE state = 'handled'"},
        {"comments/median_hours", COMMENTS_SQL "SELECT percentile_cont(0.5) WITHIN GROUP "
                                               "(ORDER BY hours) FROM h WHERE state = 'handled'"},
    };
    char id[64], what[16], sql[512];
    const char *q = NULL;
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        if (!strcmp(f->key, heads[i].key)) q = heads[i].sql;
    if (q) {
        char *v = sql_text(q);
        f->checked = true;
        if (!v || fabs(strtod(v, NULL) - strtod(f->v, NULL)) > 0.0051)
            hl_test_fail(__FILE__, __LINE__, "comments: %s = %s, SQL says %s", f->key, f->v,
                         v ? v : "(failed)");
        free(v);
        return;
    }
    if (sscanf(f->key, "comment/%63[^/]/%15s", id, what) != 2) return;
    if (!strcmp(what, "state"))
        snprintf(sql, sizeof sql,
                 "SELECT coalesce((SELECT state FROM hailong.followups WHERE response_id = "
                 "'%s'), 'open')",
                 id);
    else if (!strcmp(what, "hours"))
        snprintf(sql, sizeof sql,
                 "SELECT extract(epoch FROM (f.handled_at - r.finished_at)) / 3600 FROM "
                 "hailong.followups f JOIN hailong.responses r USING (response_id) WHERE "
                 "f.response_id = '%s'",
                 id);
    else
        return;
    char *v = sql_text(sql);
    f->checked = true;
    bool same = v && (!strcmp(what, "state") ? !strcmp(v, f->v)
                                             : fabs(strtod(v, NULL) - strtod(f->v, NULL)) < 0.0051);
    if (!same)
        hl_test_fail(__FILE__, __LINE__, "comments: %s = %s, SQL says %s", f->key, f->v,
                     v ? v : "(failed)");
    free(v);
}

static void test_every_figure_on_the_pages_is_the_sql_figure_or_hidden_by_min5(void)
{
    if (!shots()) return;
    static figs_t fg;
    size_t checked_all = 0;
    for (size_t p = 0; p < N_PAGES; p++) {
        const page_t *pg = &pages[p];
        if (!figs_read(pg->name, &fg)) continue;
        if (pg->month) {
            group_t whole[1];
            size_t nw = groups_sql(pg, "''", whole, 1);
            long long total = nw ? whole[0].n : 0;
            for (size_t i = 0; i < fg.n; i++)
                if (!strchr(fg.f[i].key, '/'))
                    fig_expect(pg->name, &fg.f[i], hl_min5_enough(total), nw ? whole : NULL,
                               fg.f[i].key);
            /* hours: a pattern of counts, shown when the whole is (srv_web_pages.c) */
            static const char *const kinds[] = {"unit", "counter", "officer", "week"};
            for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
                check_breakdown(pg, &fg, kinds[k], total);
            if (pg->unit) {
                check_hours(pg, &fg, total);
                check_dist(pg, &fg, "q", false);
            }
        }
        for (size_t i = 0; i < fg.n; i++) {
            fig_t *f = &fg.f[i];
            if (!strncmp(f->key, "kiosk/", 6)) check_kiosk(f);
            if (!strncmp(f->key, "comment", 7)) check_comment(f);
            if (!strcmp(f->key, "alerts")) {
                f->checked = true;
                CHECK_INT(atoll(f->v), sql_int("SELECT count(*) FROM hailong.alerts WHERE "
                                               "recorded_at <= '" CLOCK "'"));
            }
        }
        size_t checked = 0;
        for (size_t i = 0; i < fg.n; i++) {
            if (fg.f[i].checked)
                checked++;
            else
                printf("%s: figure %s = %s not checked (no rule here)\n", pg->name, fg.f[i].key,
                       fg.f[i].v);
        }
        printf("%s: %zu of %zu figures checked against SQL\n", pg->name, checked, fg.n);
        checked_all += checked;
        /* a page with figures must show some, or the parse found nothing */
        if (pg->month) CHECK(checked > 0);
    }
    CHECK(checked_all > 50);
}

/* ---- End to end ------------------------------------------------------------------------ */

/* One HTTP request to the dashboard on its own connection (a raw client:
 * no browser, to send what a browser would not); returns the status, the
 * whole answer in *text when given. Bounded by minutes against a hang. */
static int http_raw(const char *method, const char *path, const char *cookie, const char *body,
                    char **text)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval hang = {.tv_sec = 120};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &hang, sizeof hang);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)D.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char *req = NULL;
    int n = asprintf(&req,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, cookie ? "Cookie: " : "", cookie ? cookie : "",
                     cookie ? "\r\n" : "", body ? strlen(body) : 0, body ? body : "");
    if (n < 0 || write(fd, req, (size_t)n) != n) {
        free(req);
        close(fd);
        return -1;
    }
    free(req);
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 120000) <= 0) break; /* a hang, not a timing */
        if (len + 4096 > cap) buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got <= 0) break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(fd);
    int status = 0;
    sscanf(buf, "HTTP/1.%*d %d", &status);
    if (text)
        *text = buf;
    else
        free(buf);
    return status;
}

/* A unit's name %-encoded for a URL path. */
static void path_enc(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
    }
    out[n] = '\0';
}

/* The value of the cookie name among a cookies result, malloc'd, or NULL. */
static char *cookie_value(json_t *res, size_t i, const char *name)
{
    json_t *list = json_object_get(json_array_get(res, i), "cookies");
    for (size_t k = 0; k < json_array_size(list); k++) {
        json_t *c = json_array_get(list, k);
        if (!strcmp(json_string_value(json_object_get(c, "name")), name))
            return strdup(json_string_value(json_object_get(c, "value")));
    }
    return NULL;
}

static const char *result_value(json_t *res, size_t i)
{
    return json_string_value(json_object_get(json_array_get(res, i), "value"));
}

static void test_staff_log_in_mark_a_comment_handled_and_log_out_in_the_browser(void)
{
    if (!dash_up()) return;
    char unit[256], inbox[320];
    path_enc(QUANG_TAM, unit, sizeof unit);
    snprintf(inbox, sizeof inbox, "/comments/%s?state=open", unit);
    /* the newest comment of the unit: the first row of its inbox */
    char *rid = sql_text("SELECT r.response_id FROM hailong.responses r JOIN "
                         "hailong.answers a USING (response_id) WHERE r.unit = '" QUANG_TAM
                         "' AND a.question_id = 'gop_y' ORDER BY r.finished_at DESC, "
                         "r.response_id LIMIT 1");
    CHECK(rid && strlen(rid) == 36);
    if (!rid) return;
    long long logged =
        sql_int("SELECT count(*) FROM hailong.web_log WHERE what = 'comment handled'");
    char form[400], note[1024];
    snprintf(form, sizeof form, "form[action=\"/comments/%s/%s\"]", unit, rid);
    json_t *s = script_new();
    cmd_login(s, "quang-tam");                                       /* 0..3 */
    cmd_goto(s, inbox);                                              /* 4 */
    cmd_eval(s, "document.querySelector('input[name=csrf]').value"); /* 5 */
    snprintf(note, sizeof note, "%s textarea[name=note], %s input[name=note]", form, form);
    cmd_fill(s, note,
             "\xC4\x91\xC3\xA3 x\xE1\xBB\xAD l\xC3\xBD: g\xE1\xBB\x8Di l\xE1\xBA\xA1i"); /* 6 */
    snprintf(note, sizeof note, "%s button[type=submit]", form);
    cmd_click(s, note); /* 7 */
    snprintf(inbox, sizeof inbox, "/comments/%s?state=handled", unit);
    cmd_goto(s, inbox);                                             /* 8 */
    cmd_file(s, "html", "handled.html");                            /* 9 */
    json_array_append_new(s, json_pack("{s:s}", "cmd", "cookies")); /* 10 */
    json_t *res = browse("e2e", s);
    if (!res) {
        free(rid);
        return;
    }
    CHECK_INT(result_status(res, 3), 200);
    CHECK_INT(result_status(res, 4), 200);
    CHECK_INT(result_status(res, 7), 200); /* the 303's inbox */
    char *session = cookie_value(res, 10, "hl_session");
    const char *csrf = result_value(res, 5);
    CHECK(session && csrf && strlen(csrf) == 64);

    /* stored, logged, shown handled with the time it took */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT state || ' ' || note || ' ' || handled_by || ' ' || "
             "(handled_at = '" CLOCK "') FROM hailong.followups WHERE response_id = '%s'",
             rid);
    char *row = sql_text(sql);
    CHECK_STR(row,
              "handled \xC4\x91\xC3\xA3 x\xE1\xBB\xAD l\xC3\xBD: g\xE1\xBB\x8Di l\xE1\xBA\xA1i "
              "quang-tam true");
    free(row);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hailong.web_log WHERE what = 'comment handled' AND target = "
             "'%s' AND who = 'quang-tam' AND details->>'unit' = '" QUANG_TAM "'",
             rid);
    CHECK_INT(sql_int(sql), 1);
    CHECK_INT(sql_int("SELECT count(*) FROM hailong.web_log WHERE what = 'comment handled'"),
              logged + 1);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/handled.html", D.dir);
    char *html = hl_test_read_file(path, NULL);
    CHECK_CONTAINS(html, rid);
    CHECK_CONTAINS(html, "\xC4\x91\xC3\xA3 x\xE1\xBB\xAD l\xC3\xBD: g\xE1\xBB\x8Di l\xE1\xBA\xA1i");
    /* how long it took: from the comment to the clock, in hours */
    snprintf(sql, sizeof sql,
             "SELECT extract(epoch FROM ('" CLOCK "'::timestamptz - finished_at)) / 3600 "
             "FROM hailong.responses WHERE response_id = '%s'",
             rid);
    char *hours = sql_text(sql);
    static figs_t fg;
    char key[128];
    snprintf(key, sizeof key, "comment/%s/hours", rid);
    bool found = false;
    if (figs_read("handled", &fg))
        for (size_t i = 0; i < fg.n; i++)
            if (!strcmp(fg.f[i].key, key)) {
                found = true;
                CHECK(hours && fabs(strtod(fg.f[i].v, NULL) - strtod(hours, NULL)) < 0.0051);
            }
    CHECK(found);
    CHECK_CONTAINS(html, " ng\xC3\xA0y"); /* shown in days */
    free(hours);
    free(html);

    /* a POST without the CSRF token is refused and changes nothing */
    char cookie[200], post[400];
    snprintf(cookie, sizeof cookie, "hl_session=%s", session ? session : "");
    snprintf(post, sizeof post, "/comments/%s/%s", unit, rid);
    CHECK_INT(http_raw("POST", post, cookie, "action=reopen&note=x", NULL), 403);
    snprintf(sql, sizeof sql, "SELECT state FROM hailong.followups WHERE response_id = '%s'", rid);
    row = sql_text(sql);
    CHECK_STR(row, "handled");
    free(row);
    /* the session works from a raw client too (the cookie is the session) */
    snprintf(inbox, sizeof inbox, "/comments/%s?state=all", unit);
    CHECK_INT(http_raw("GET", inbox, cookie, NULL, NULL), 200);

    /* a unit account may not see another unit */
    char other[320];
    path_enc(HAM_RONG, unit, sizeof unit);
    snprintf(other, sizeof other, "/unit/%s?month=2026-11", unit);
    CHECK_INT(http_raw("GET", other, cookie, NULL, NULL), 403);
    snprintf(other, sizeof other, "/comments/%s?state=open", unit);
    CHECK_INT(http_raw("GET", other, cookie, NULL, NULL), 403);

    /* logout in the browser: the old cookie is gone for good */
    s = script_new();
    cmd_login(s, "quang-tam");                                      /* 0..3 */
    json_array_append_new(s, json_pack("{s:s}", "cmd", "cookies")); /* 4 */
    cmd_click(s, "form[action=\"/logout\"] button");                /* 5 */
    json_array_append_new(s, json_pack("{s:s}", "cmd", "cookies")); /* 6 */
    json_t *res2 = browse("logout", s);
    if (res2) {
        char *before = cookie_value(res2, 4, "hl_session");
        char *after = cookie_value(res2, 6, "hl_session");
        CHECK(before && strlen(before) >= 32);
        CHECK(!after || !*after);
        CHECK_CONTAINS(result_url(res2, 5), "/login");
        snprintf(cookie, sizeof cookie, "hl_session=%s", before ? before : "");
        char *text = NULL;
        int st = http_raw("GET", inbox, cookie, NULL, &text);
        CHECK_INT(st, 303);
        CHECK_CONTAINS(text, "Location: /login");
        free(text);
        CHECK_INT(sql_int("SELECT count(*) FROM hailong.web_log WHERE what = 'logout' AND who = "
                          "'quang-tam'"),
                  1);
        free(before);
        free(after);
        json_decref(res2);
    }
    free(session);
    free(rid);
    json_decref(res);
}

static void test_a_wrong_password_is_refused_and_a_page_without_a_session_goes_to_login(void)
{
    if (!dash_up()) return;
    char *text = NULL;
    CHECK_INT(http_raw("GET", "/fleet", NULL, NULL, &text), 303);
    CHECK_CONTAINS(text, "Location: /login");
    free(text);
    json_t *s = script_new();
    cmd_goto(s, "/login");
    cmd_fill(s, "#login", "tinh");
    cmd_fill(s, "#password", "sai-m\xE1\xBA\xADt-kh\xE1\xBA\xA9u");
    cmd_click(s, "form[action=\"/login\"] button[type=submit]");
    json_array_append_new(s, json_pack("{s:s}", "cmd", "cookies"));
    json_t *res = browse("badlogin", s);
    if (!res) return;
    CHECK_CONTAINS(result_url(res, 3), "/login");
    char *c = cookie_value(res, 4, "hl_session");
    CHECK(!c || !*c);
    free(c);
    CHECK(sql_int("SELECT count(*) FROM hailong.web_log WHERE what = 'login failed' AND target = "
                  "'tinh'") >= 1);
    json_decref(res);
}

/* ---- Print ----------------------------------------------------------------------------- */

static void test_the_unit_page_prints_without_its_navigation(void)
{
    if (!dash_up()) return;
    json_t *s = script_new();
    cmd_login(s, "tinh");
    cmd_goto(s, pages[2].path);     /* 4: Hàm Rồng */
    cmd_file(s, "pdf", "unit.pdf"); /* 5 */
    /* 6: the navigation's words that the rest of the page does not hold */
    cmd_eval(s, "(() => { const nav = document.querySelector('#nav, nav');"
                " if (!nav) return '';"
                " const rest = document.body.cloneNode(true);"
                " rest.querySelectorAll('#nav, nav').forEach(e => e.remove());"
                " const words = rest.textContent;"
                " return [...nav.querySelectorAll('a, button')].map(e => e.textContent.trim())"
                "   .filter(t => t && !words.includes(t)).join('\\n'); })()");
    json_t *res = browse("print", s);
    if (!res) return;
    const char *navwords = result_value(res, 6);
    CHECK(navwords && *navwords); /* the page has a navigation to leave out */
    char pdf[PATH_MAX];
    snprintf(pdf, sizeof pdf, "%s/unit.pdf", D.dir);
    const char *argv[] = {"/usr/bin/pdftotext", "-enc", "UTF-8", pdf, "-", NULL};
    char *text = NULL;
    CHECK_INT(hl_test_run_watchdog(argv, NULL, &text, NULL, 300), 0);
    CHECK_CONTAINS(text, HAM_RONG);
    char *copy = strdup(navwords ? navwords : "");
    for (char *save = NULL, *w = strtok_r(copy, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
        if (text && strstr(text, w))
            hl_test_fail(__FILE__, __LINE__, "the printed unit page shows \"%s\" (navigation)", w);
    free(copy);
    free(text);
    json_decref(res);
}

static void test_a_multi_answer_counts_once_for_each_option_it_chose(void)
{
    if (!shots()) return;
    static figs_t fg;
    size_t seen = 0;
    for (size_t p = 0; p < N_PAGES; p++) {
        if (!pages[p].unit || !figs_read(pages[p].name, &fg)) continue;
        check_dist(&pages[p], &fg, "q", true);
        check_dist(&pages[p], &fg, "reason", true);
        check_dist(&pages[p], &fg, "reason", false);
        for (size_t i = 0; i < fg.n; i++)
            if (fg.f[i].checked) seen++;
    }
    CHECK(seen > 0); /* the unit pages show the reasons */
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_each_page_matches_its_golden_screenshot),
    HL_TEST(test_every_figure_on_the_pages_is_the_sql_figure_or_hidden_by_min5),
    HL_TEST(test_a_multi_answer_counts_once_for_each_option_it_chose),
    HL_TEST(test_staff_log_in_mark_a_comment_handled_and_log_out_in_the_browser),
    HL_TEST(test_a_wrong_password_is_refused_and_a_page_without_a_session_goes_to_login),
    HL_TEST(test_the_unit_page_prints_without_its_navigation),
};

int main(int argc, char **argv)
{
    atexit(cleanup);
    return hl_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
