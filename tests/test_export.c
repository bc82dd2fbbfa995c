/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_export.c: the CSV export (firmware/export/hl_export.c).
 *
 * Byte-exact files: BOM, header, CRLF, RFC 4180 quoting of commas, quotes
 * and line breaks, Vietnamese text kept as UTF-8, columns as the union of
 * every stored survey version in the newest one's order, unanswered cells
 * empty. The target is replaced atomically: a failed export (missing folder,
 * full disk on a small tmpfs when running as root) leaves the old file and
 * no temporary file; a folder given as the path gets a file name suggested.
 * The SQL given to the sqlite3 shell for the benchmark yields the same data
 * rows.
 */
#include "hl_export.h"
#include "hl_fixture.h"
#include "hl_store_bench.h"
#include "hl_test.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void resp_init(hl_response_t *r, int n)
{
    hl_fixture_response(r, n, 1700000000000LL + n * 60000LL); /* 2023-11-14T22:14:20Z + n min */
}

static void save(hl_store_t *st, hl_response_t *r, const char *qid, const char *val)
{
    hl_save_t s = {.set_qid = qid, .set_value = val, .set_ms = 100};
    hl_err_t err = {0};
    if (hl_store_save(st, r, &s, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
}

static void finish(hl_store_t *st, hl_response_t *r, hl_resp_status_t status)
{
    hl_save_t s = {.status = status, .finished_utc_ms = r->started_utc_ms + 61500};
    hl_err_t err = {0};
    if (hl_store_save(st, r, &s, &err) != HL_OK) hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
}

static hl_store_t *store_new(const char *dir, const test_survey_t *t)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    if (hl_store_open(dir, NULL, &st, NULL, &err) != HL_OK ||
        (t && hl_store_use_survey(st, &t->s, "kiosk-01", &err) != HL_OK)) {
        hl_test_fail(__FILE__, __LINE__, "store: %s", err.msg);
        hl_store_close(st);
        return NULL;
    }
    return st;
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Files in dir whose name starts with '.' (leftover temporaries). */
static int hidden_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static const char *const qids[] = {"q_service", "q_staff", "q_note"};
#define HEADER                                                                                     \
    "response_id,seq,kiosk_id,survey_id,survey_version,language,started_at,finished_at,status,"    \
    "suspect,clock_trusted,officer_id,counter"

static void test_export_writes_bom_header_and_crlf_rows(void)
{
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    hl_response_t r;
    hl_err_t err = {0};
    /* Response 1 served by an officer at a counter (its name quoted: a
     * comma); response 2 with nobody on duty: empty fields. */
    CHECK_INT(hl_store_set_duty(st, "off_7", "Quầy 3, tầng 1", &err), HL_OK);
    resp_init(&r, 1);
    save(st, &r, "q_service", "very_satisfied");
    save(st, &r, "q_note", "00123");
    finish(st, &r, HL_RESP_COMPLETE);
    CHECK_INT(hl_store_set_duty(st, NULL, NULL, &err), HL_OK);
    resp_init(&r, 2);
    r.lang = HL_LANG_EN;
    r.clock_trusted = false;
    save(st, &r, "q_staff", "a|c");
    /* left in progress: finished_at empty */
    char *out = path_in(dir, "svc.csv");
    hl_export_result_t res;
    CHECK_INT(hl_export_csv(st, "svc", out, &res, &err), HL_OK);
    CHECK_INT(res.rows, 2);
    CHECK_INT(res.n_columns, 16);
    size_t len = 0;
    char *text = hl_test_read_file(out, &len);
    const char *want =
        "\xEF\xBB\xBF" HEADER ",q_service,q_staff,q_note\r\n"
        "00000000-0000-4000-8000-000000000001,1,kiosk-01,svc,1,vi,2023-11-14T22:14:20Z,"
        "2023-11-14T22:15:21Z,complete,,1,off_7,\"Quầy 3, tầng 1\",very_satisfied,,00123\r\n"
        "00000000-0000-4000-8000-000000000002,2,kiosk-01,svc,1,en,2023-11-14T22:15:20Z,,"
        "in_progress,,0,,,,a|c,\r\n";
    CHECK_STR(text, want);
    CHECK_INT(res.bytes, (long long)len);
    struct stat sb;
    CHECK(stat(out, &sb) == 0 && (sb.st_mode & 0777) == 0640);
    CHECK_INT(hidden_files(dir), 0);
    free(text);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_quotes_commas_quotes_line_breaks_and_keeps_vietnamese(void)
{
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    hl_response_t r;
    resp_init(&r, 1);
    save(st, &r, "q_service", "a,b");
    save(st, &r, "q_staff", "say \"hi\"");
    save(st, &r, "q_note", "Cán bộ rất nhiệt tình\r\nline two\nthree");
    finish(st, &r, HL_RESP_PARTIAL);
    char *out = path_in(dir, "svc.csv");
    hl_err_t err = {0};
    CHECK_INT(hl_export_csv(st, "svc", out, NULL, &err), HL_OK);
    char *text = hl_test_read_file(out, NULL);
    CHECK_CONTAINS(text, ",partial,,1,,,\"a,b\",\"say \"\"hi\"\"\","
                         "\"Cán bộ rất nhiệt tình\r\nline two\nthree\"\r\n");
    CHECK(text && memcmp(text, "\xEF\xBB\xBF", 3) == 0);
    free(text);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_columns_union_versions_in_newest_order_with_unanswered_empty(void)
{
    char *dir = hl_test_tmpdir("export");
    const char *v1q[] = {"a", "b", "old"};
    const char *v2q[] = {"new", "b", "a"};
    test_survey_t v1, v2;
    survey_make(&v1, "svc", 1, v1q, 3);
    survey_make(&v2, "svc", 2, v2q, 3);
    hl_store_t *st = store_new(dir, &v1);
    hl_response_t r;
    resp_init(&r, 1);
    save(st, &r, "a", "1");
    save(st, &r, "old", "x");
    finish(st, &r, HL_RESP_COMPLETE);
    hl_err_t err = {0};
    CHECK_INT(hl_store_use_survey(st, &v2.s, "kiosk-01", &err), HL_OK);
    resp_init(&r, 2);
    save(st, &r, "new", "n");
    save(st, &r, "b", "2");
    finish(st, &r, HL_RESP_COMPLETE);
    char *out = path_in(dir, "svc.csv");
    CHECK_INT(hl_export_csv(st, "svc", out, NULL, &err), HL_OK);
    char *text = hl_test_read_file(out, NULL);
    CHECK_CONTAINS(text, HEADER ",new,b,a,old\r\n");
    CHECK_CONTAINS(text,
                   ",svc,1,vi,2023-11-14T22:14:20Z,2023-11-14T22:15:21Z,complete,,1,,,,,1,x\r\n");
    CHECK_CONTAINS(text,
                   ",svc,2,vi,2023-11-14T22:15:20Z,2023-11-14T22:16:21Z,complete,,1,,,n,2,,\r\n");
    free(text);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_unknown_survey_is_not_found_and_writes_nothing(void)
{
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    char *out = path_in(dir, "x.csv");
    hl_err_t err = {0};
    CHECK_INT(hl_export_csv(st, "ghost", out, NULL, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "no responses or survey versions stored for survey id ghost");
    CHECK(access(out, F_OK) != 0);
    CHECK_INT(hidden_files(dir), 0);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_replaces_existing_file_and_leaves_no_temp_file(void)
{
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    free(hl_test_write_file(dir, "svc.csv", "old export\r\n"));
    hl_response_t r;
    resp_init(&r, 1);
    save(st, &r, "q_service", "ok");
    char *out = path_in(dir, "svc.csv");
    hl_err_t err = {0};
    CHECK_INT(hl_export_csv(st, "svc", out, NULL, &err), HL_OK);
    char *text = hl_test_read_file(out, NULL);
    CHECK_CONTAINS(text, ",in_progress,,1,,,ok,,\r\n");
    CHECK(text && !strstr(text, "old export"));
    CHECK_INT(hidden_files(dir), 0);
    free(text);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_to_missing_folder_fails_with_the_path(void)
{
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    char *out = path_in(dir, "no/such/folder/svc.csv");
    hl_err_t err = {0};
    CHECK_INT(hl_export_csv(st, "svc", out, NULL, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, out);
    CHECK_INT(hl_export_csv(st, NULL, out, NULL, &err), HL_ERR_USAGE);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_to_a_folder_asks_for_a_file_name(void)
{
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    hl_response_t r;
    resp_init(&r, 1);
    save(st, &r, "q_service", "ok");
    hl_err_t err = {0};
    char want[1200];
    /* An existing folder, with and without a trailing slash. */
    CHECK_INT(hl_export_csv(st, "svc", dir, NULL, &err), HL_ERR_USAGE);
    snprintf(want, sizeof want, "%s is a folder: give a file name such as %s/responses.csv", dir,
             dir);
    CHECK_CONTAINS(err.msg, want);
    char *slashed = path_in(dir, "");
    CHECK_INT(hl_export_csv(st, "svc", slashed, NULL, &err), HL_ERR_USAGE);
    snprintf(want, sizeof want, "%s is a folder: give a file name such as %s/responses.csv",
             slashed, dir);
    CHECK_CONTAINS(err.msg, want);
    /* A path that names a folder by its trailing slash, existing or not. */
    char *missing = path_in(dir, "exports/");
    CHECK_INT(hl_export_csv(st, "svc", missing, NULL, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "exports/ is a folder: give a file name such as ");
    CHECK_CONTAINS(err.msg, "exports/responses.csv");
    CHECK_INT(hidden_files(dir), 0);
    free(missing);
    free(slashed);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_on_full_disk_returns_full_and_keeps_old_file(void)
{
    char *media = hl_test_tmpdir("export-media");
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", __func__);
        hl_test_rmtree(media);
        free(media);
        return;
    }
    if (mount("tmpfs", media, "tmpfs", 0, "size=256k") != 0) {
        printf("skipped: %s: mount -t tmpfs failed: %s\n", __func__, strerror(errno));
        hl_test_rmtree(media);
        free(media);
        return;
    }
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    char note[600];
    memset(note, 'n', sizeof note - 1);
    note[sizeof note - 1] = '\0';
    for (int i = 1; i <= 700; i++) { /* about 460 KB of CSV */
        hl_response_t r;
        resp_init(&r, i);
        save(st, &r, "q_note", note);
        finish(st, &r, HL_RESP_COMPLETE);
    }
    char *old_path = hl_test_write_file(media, "svc.csv", "old export, still good\r\n");
    char *out = path_in(media, "svc.csv");
    hl_err_t err = {0};
    CHECK_INT(hl_export_csv(st, "svc", out, NULL, &err), HL_ERR_FULL);
    CHECK_CONTAINS(err.msg, out);
    CHECK_CONTAINS(err.msg, "full");
    char *text = hl_test_read_file(out, NULL);
    CHECK_STR(text, "old export, still good\r\n");
    CHECK_INT(hidden_files(media), 0);
    free(text);
    free(out);
    free(old_path);
    hl_store_close(st);
    CHECK_INT(umount(media), 0);
    hl_test_rmtree(media);
    free(media);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_sql_matches_csv_rows_from_sqlite3_shell(void)
{
    const char *shell = "/usr/bin/sqlite3";
    if (access(shell, X_OK) != 0) {
        printf("skipped: %s: %s is not installed\n", __func__, shell);
        return;
    }
    char *dir = hl_test_tmpdir("export");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_store_t *st = store_new(dir, &sv);
    hl_err_t err = {0};
    for (int i = 1; i <= 30; i++) {
        /* Officers and counters come and go (NULL in the shell: empty). */
        if (i % 6 == 1)
            CHECK_INT(hl_store_set_duty(st, i % 12 == 1 ? "off_1" : NULL,
                                        i % 12 == 1 ? "counter_2" : "q-9", &err),
                      HL_OK);
        hl_response_t r;
        resp_init(&r, i);
        r.clock_trusted = i % 3 != 0;
        r.lang = i % 2 ? HL_LANG_VI : HL_LANG_EN;
        save(st, &r, "q_service", i % 2 ? "good" : "bad");
        if (i % 4) save(st, &r, "q_note", "x|y");
        if (i % 5) finish(st, &r, i % 7 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL);
    }
    char *out = path_in(dir, "svc.csv");
    CHECK_INT(hl_export_csv(st, "svc", out, NULL, &err), HL_OK);
    char *sql = NULL;
    CHECK_INT(hl_store_export_sql(st, "svc", &sql, &err), HL_OK);
    char *ghost = NULL;
    CHECK_INT(hl_store_export_sql(st, "ghost", &ghost, &err), HL_ERR_NOT_FOUND);
    CHECK(ghost == NULL);
    char *db = path_in(dir, HL_STORE_FILE);
    const char *argv[] = {shell, "-csv", "-newline", "\r\n", db, sql, NULL};
    char *rows = NULL, *errs = NULL;
    CHECK_INT(hl_test_run(argv, NULL, &rows, &errs), 0);
    char *text = hl_test_read_file(out, NULL);
    const char *body = text ? strstr(text, "\r\n") : NULL;
    CHECK(body != NULL);
    if (body && rows) CHECK_STR(body + 2, rows);
    free(text);
    free(rows);
    free(errs);
    free(db);
    free(sql);
    free(out);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_export_writes_bom_header_and_crlf_rows),
    HL_TEST(test_export_quotes_commas_quotes_line_breaks_and_keeps_vietnamese),
    HL_TEST(test_export_columns_union_versions_in_newest_order_with_unanswered_empty),
    HL_TEST(test_export_unknown_survey_is_not_found_and_writes_nothing),
    HL_TEST(test_export_replaces_existing_file_and_leaves_no_temp_file),
    HL_TEST(test_export_to_missing_folder_fails_with_the_path),
    HL_TEST(test_export_to_a_folder_asks_for_a_file_name),
    HL_TEST(test_export_on_full_disk_returns_full_and_keeps_old_file),
    HL_TEST(test_export_sql_matches_csv_rows_from_sqlite3_shell),
};

HL_TEST_MAIN(tests)
