/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_web_report.c: the dashboard's monthly reports, GET
 * /reports/<unit>/<YYYY-MM>.pdf|.xlsx (srv_web_report.c), end to end: the
 * real hailong-server on the province of tests/support/hl_web_fixture.h
 * (its rows' raw text made from their columns and answers, as a kiosk
 * sends it), logged in as a staff member, the file downloaded byte for
 * byte over a plain socket, its headers checked (type, attachment with an
 * ASCII and a UTF-8 name, no-store) and the PDF's text read with
 * pdftotext: the unit's figures, Vietnamese or English. Refused: another
 * unit's report, the province's ("*"), no session, a bad month or type;
 * the server's temporary folder (TMPDIR) is left empty.
 */
#include "hl_web_fixture.h"

#include <dirent.h>

/* The fixture's rows carry "{}" as raw; a report reads raw: the kiosk's
 * JSON Lines row, made here from the columns and the answers. */
static void raw_rows(const web_t *w)
{
    char *n = sql1(
        w, "UPDATE hailong.responses r SET raw = jsonb_build_object('response_id', r.response_id, "
           "'seq', r.seq, 'kiosk_id', r.kiosk_id, 'survey_id', r.survey_id, 'survey_version', "
           "r.survey_version, 'survey_sha256', r.survey_sha256, 'language', r.language, "
           "'started_at', to_char(r.started_at AT TIME ZONE 'UTC', "
           "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'finished_at', to_char(r.finished_at AT TIME "
           "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'status', r.status, 'suspect', "
           "r.suspect, 'officer_id', r.officer_id, 'counter', r.counter, 'answers', "
           "coalesce((SELECT jsonb_object_agg(a.question_id, jsonb_build_object('value', "
           "a.value, 'ms', a.ms)) FROM hailong.answers a WHERE a.response_id = r.response_id), "
           "'{}'::jsonb))::text;"
           "SELECT count(*) FROM hailong.responses WHERE raw <> '{}'");
    CHECK_STR(n, "31");
    free(n);
}

/* A GET whose body is written to file byte for byte (a PDF holds NULs);
 * the reply's status and head, no body. */
static reply_t download(const web_t *w, const char *path, const char *cookie, const char *file)
{
    reply_t r = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval hang = {.tv_sec = 120}; /* against a hang only */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hang, sizeof hang);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)w->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "GET %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s%s%s\r\n", path,
                     cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "");
    CHECK(write(fd, head, (size_t)n) == n);
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 65536 > cap) buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got <= 0) break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(fd);
    char *sep = strstr(buf, "\r\n\r\n");
    if (sep && file) {
        FILE *f = fopen(file, "wb");
        CHECK(f != NULL);
        if (f) {
            fwrite(sep + 4, 1, len - (size_t)(sep + 4 - buf), f);
            fclose(f);
        }
    }
    if (sep) *sep = '\0';
    r.head = buf;
    sscanf(buf, "HTTP/1.%*d %d", &r.status);
    return r;
}

/* pdftotext's text of a PDF (malloc'd), NULL when it fails. */
static char *pdf_text(const char *pdf)
{
    const char *argv[] = {"/usr/bin/pdftotext", "-layout", pdf, "-", NULL};
    char *out = NULL, *err = NULL;
    int rc = hl_test_run_watchdog(argv, NULL, &out, &err, 300);
    if (rc) printf("pdftotext: %s\n", err ? err : "");
    free(err);
    if (rc) {
        free(out);
        return NULL;
    }
    return out;
}

/* The first bytes of a file. */
static bool starts_with(const char *file, const char *magic)
{
    char b[8] = {0};
    FILE *f = fopen(file, "rb");
    if (!f) return false;
    size_t n = fread(b, 1, strlen(magic), f);
    fclose(f);
    return n == strlen(magic) && !memcmp(b, magic, n);
}

/* The report folders (hailong-report-*) the server left in dir. */
static int report_dirs(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += !strncmp(e->d_name, "hailong-report-", 15);
    closedir(d);
    return n;
}

/* ---- Tests ----------------------------------------------------------------------------- */

static void test_unit_staff_download_their_month_as_pdf_and_xlsx(void)
{
    /* the cluster and the template first, in the usual TMPDIR */
    if (!db_counter) {
        web_t first;
        web_start(&first);
        web_stop(&first);
    }
    char *tmp = hl_test_tmpdir("webreport-tmp");
    const char *was = getenv("TMPDIR");
    char *saved = was ? strdup(was) : NULL;
    setenv("TMPDIR", tmp, 1); /* the server's temporary folders: here */
    web_t w;
    web_start(&w);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    raw_rows(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "hr", PASSWORD, cookie);
    CHECK(cookie[0]);
    urlenc(UNIT_A, enc, sizeof enc);
    char pdf[PATH_MAX], xlsx[PATH_MAX];
    snprintf(pdf, sizeof pdf, "%s/r.pdf", w.dir);
    snprintf(xlsx, sizeof xlsx, "%s/r.xlsx", w.dir);
    snprintf(path, sizeof path, "/reports/%s/2026-11.pdf", enc);
    reply_t r = download(&w, path, cookie, pdf);
    CHECK_INT(r.status, 200);
    CHECK_STR(header(&r, "Content-Type"), "application/pdf");
    CHECK_STR(header(&r, "Content-Disposition"),
              "attachment; filename=\"bao-cao-phuong-ham-rong-2026-11.pdf\"; "
              "filename*=UTF-8''bao-cao-Ph%C6%B0%E1%BB%9Dng%20H%C3%A0m%20R%E1%BB%93ng-2026-11.pdf");
    CHECK_STR(header(&r, "Cache-Control"), "no-store");
    reply_free(&r);
    CHECK(starts_with(pdf, "%PDF-"));
    char *t = pdf_text(pdf);
    CHECK_CONTAINS(t, UNIT_A);
    CHECK_CONTAINS(t, "Tháng 11/2026");
    /* the index as SQL counts it: the month's 18 (one after the fixed "now"
     * too: a report is of the whole month), 14 satisfied */
    char *want = sql1(&w, "SELECT round(100.0 * count(*) FILTER (WHERE value IN "
                          "('very_satisfied', 'satisfied')) / count(*), 1) FROM hailong.answers "
                          "WHERE unit = '" UNIT_A "' AND question_id = 'overall' AND finished_at "
                          ">= '2026-11-01T00:00:00+07' AND finished_at < '2026-12-01T00:00:00+07'");
    CHECK_STR(want, "77.8");
    char want_vi[16];
    snprintf(want_vi, sizeof want_vi, "%s", want ? want : "");
    char *dot = strchr(want_vi, '.');
    if (dot) *dot = ',';
    CHECK_CONTAINS(t, want_vi);
    CHECK_CONTAINS(t, "đọc từ PostgreSQL");
    free(t);
    /* English on request */
    snprintf(path, sizeof path, "/reports/%s/2026-11.pdf?lang=en", enc);
    r = download(&w, path, cookie, pdf);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    t = pdf_text(pdf);
    CHECK_CONTAINS(t, want);
    CHECK(t && !strstr(t, want_vi));
    free(t);
    free(want);
    /* the workbook */
    snprintf(path, sizeof path, "/reports/%s/2026-11.xlsx", enc);
    r = download(&w, path, cookie, xlsx);
    CHECK_INT(r.status, 200);
    CHECK_STR(header(&r, "Content-Type"),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    CHECK_CONTAINS(header(&r, "Content-Disposition"),
                   "filename=\"bao-cao-phuong-ham-rong-2026-11.xlsx\"");
    reply_free(&r);
    CHECK(starts_with(xlsx, "PK"));
    /* nothing left in the server's temporary folder */
    CHECK_INT(report_dirs(tmp), 0);
    web_stop(&w);
    hl_test_rmtree(tmp);
    free(tmp);
}

static void test_reports_are_refused_outside_the_session_scope(void)
{
    web_t w;
    web_start(&w);
    raw_rows(&w);
    char cookie[128], path[256], enc_a[200], enc_b[200];
    urlenc(UNIT_A, enc_a, sizeof enc_a);
    urlenc(UNIT_B, enc_b, sizeof enc_b);
    /* no session: to the login page */
    snprintf(path, sizeof path, "/reports/%s/2026-11.pdf", enc_a);
    reply_t r = download(&w, path, NULL, NULL);
    CHECK_INT(r.status, 303);
    CHECK_STR(header(&r, "Location"), "/login");
    reply_free(&r);
    login(&w, "hr", PASSWORD, cookie);
    /* another unit's */
    snprintf(path, sizeof path, "/reports/%s/2026-11.pdf", enc_b);
    r = download(&w, path, cookie, NULL);
    CHECK_INT(r.status, 403);
    CHECK_CONTAINS(header(&r, "Content-Type"), "text/html");
    reply_free(&r);
    /* the province's is a command, even for the province's staff */
    char pcookie[128];
    login(&w, "prov", PASSWORD, pcookie);
    r = download(&w, "/reports/%2A/2026-11.pdf", pcookie, NULL);
    CHECK_INT(r.status, 404);
    reply_free(&r);
    /* the province's staff may read any unit's */
    snprintf(path, sizeof path, "/reports/%s/2026-11.pdf", enc_b);
    r = download(&w, path, pcookie, NULL);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    /* malformed */
    const char *bad[][2] = {
        {"/reports/%s/2026-13.pdf", "400"}, {"/reports/%s/2026-11.doc", "404"},
        {"/reports/%s/2026-11", "404"},     {"/reports/%s", "400"},
        {"/reports/%s/11-2026.pdf", "400"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, bad[i][0], enc_a);
        r = download(&w, path, cookie, NULL);
        CHECK_INT(r.status, atoi(bad[i][1]));
        if (r.status != atoi(bad[i][1])) printf("  %s\n", path);
        reply_free(&r);
    }
    /* a session ended in the database: refused there too */
    char *n = sql1(&w, "DELETE FROM hailong.web_sessions WHERE login = 'hr'; SELECT 1");
    free(n);
    snprintf(path, sizeof path, "/reports/%s/2026-11.pdf", enc_a);
    r = download(&w, path, cookie, NULL);
    CHECK_INT(r.status, 303);
    reply_free(&r);
    web_stop(&w);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_unit_staff_download_their_month_as_pdf_and_xlsx),
    HL_TEST(test_reports_are_refused_outside_the_session_scope),
};

int main(int argc, char **argv)
{
    atexit(cleanup);
    return hl_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
