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

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void resp_init(hl_response_t *r, int n)
{
    hl_fixture_response(r, n, 1700000000000LL + n * 60000LL); /* 2023-11-14T22:14:20Z + n min */
}

static void save(hl_store_t *st, hl_response_t *r, const char *qid, const char *val)
{
    hl_fixture_save(st, r, qid, val, 100);
}

static const char *const qids[] = {"q_service", "q_staff", "q_note"};
#define HEADER                                                                                     \
    "response_id,seq,kiosk_id,survey_id,survey_version,language,started_at,finished_at,status,"    \
    "suspect,clock_trusted,officer_id,counter,followup"

/* A fresh folder whose store has survey "svc" v1 (qids) current, and
 * out_name in it to export to. */
static void open_svc(hl_fx_t *x, const char *out_name)
{
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids, 3);
    hl_fx_open(x, "export", &sv, out_name);
}

/* The export of survey id to x->out: its code, and its text (malloc'd)
 * in *text when it succeeds and text is not NULL. */
static int export_read(hl_fx_t *x, const char *id, hl_export_result_t *res, char **text)
{
    int rc = hl_export_csv(x->st, id, x->out, res, &x->err);
    if (text) *text = rc == HL_OK ? hl_test_read_file(x->out, NULL) : NULL;
    return rc;
}

static void test_export_writes_bom_header_and_crlf_rows(void)
{
    hl_fx_t x;
    open_svc(&x, "svc.csv");
    hl_response_t r;
    /* Response 1 served by an officer at a counter (its name quoted: a
     * comma); response 2 with nobody on duty: empty fields. */
    CHECK_INT(hl_store_set_duty(x.st, "off_7", "Quầy 3, tầng 1", &x.err), HL_OK);
    resp_init(&r, 1);
    save(x.st, &r, "q_service", "very_satisfied");
    save(x.st, &r, "q_note", "00123");
    hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    CHECK_INT(hl_store_set_duty(x.st, NULL, NULL, &x.err), HL_OK);
    resp_init(&r, 2);
    r.lang = HL_LANG_EN;
    r.clock_trusted = false;
    save(x.st, &r, "q_staff", "a|c");
    /* left in progress: finished_at empty */
    hl_export_result_t res;
    char *text = NULL;
    CHECK_INT(export_read(&x, "svc", &res, &text), HL_OK);
    CHECK_INT(res.rows, 2);
    CHECK_INT(res.n_columns, 17); /* 14 fixed, 3 questions */
    const char *want =
        "\xEF\xBB\xBF" HEADER ",q_service,q_staff,q_note\r\n"
        "00000000-0000-4000-8000-000000000001,1,kiosk-01,svc,1,vi,2023-11-14T22:14:20Z,"
        "2023-11-14T22:15:21Z,complete,,1,off_7,\"Quầy 3, tầng 1\",,very_satisfied,,00123\r\n"
        "00000000-0000-4000-8000-000000000002,2,kiosk-01,svc,1,en,2023-11-14T22:15:20Z,,"
        "in_progress,,0,,,,,a|c,\r\n";
    CHECK_STR(text, want);
    CHECK_INT(res.bytes, (long long)(text ? strlen(text) : 0));
    struct stat sb;
    CHECK(stat(x.out, &sb) == 0 && (sb.st_mode & 0777) == 0640);
    CHECK_INT(hl_fixture_hidden(x.dir), 0);
    free(text);
    hl_fx_close(&x);
}

static void test_export_quotes_commas_quotes_line_breaks_and_keeps_vietnamese(void)
{
    hl_fx_t x;
    open_svc(&x, "svc.csv");
    hl_response_t r;
    resp_init(&r, 1);
    save(x.st, &r, "q_service", "a,b");
    save(x.st, &r, "q_staff", "say \"hi\"");
    save(x.st, &r, "q_note", "Cán bộ rất nhiệt tình\r\nline two\nthree");
    hl_fixture_finish(x.st, &r, HL_RESP_PARTIAL);
    char *text = NULL;
    CHECK_INT(export_read(&x, "svc", NULL, &text), HL_OK);
    CHECK_CONTAINS(text, ",partial,,1,,,,\"a,b\",\"say \"\"hi\"\"\","
                         "\"Cán bộ rất nhiệt tình\r\nline two\nthree\"\r\n");
    CHECK(text && memcmp(text, "\xEF\xBB\xBF", 3) == 0);
    free(text);
    hl_fx_close(&x);
}

static void test_export_columns_union_versions_in_newest_order_with_unanswered_empty(void)
{
    const char *v1q[] = {"a", "b", "old"};
    const char *v2q[] = {"new", "b", "a"};
    test_survey_t v1, v2;
    survey_make(&v1, "svc", 1, v1q, 3);
    survey_make(&v2, "svc", 2, v2q, 3);
    hl_fx_t x;
    hl_fx_open(&x, "export", &v1, "svc.csv");
    hl_response_t r;
    resp_init(&r, 1);
    save(x.st, &r, "a", "1");
    save(x.st, &r, "old", "x");
    hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    CHECK_INT(hl_store_use_survey(x.st, &v2.s, "kiosk-01", &x.err), HL_OK);
    resp_init(&r, 2);
    save(x.st, &r, "new", "n");
    save(x.st, &r, "b", "2");
    hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    char *text = NULL;
    CHECK_INT(export_read(&x, "svc", NULL, &text), HL_OK);
    CHECK_CONTAINS(text, HEADER ",new,b,a,old\r\n");
    CHECK_CONTAINS(text,
                   ",svc,1,vi,2023-11-14T22:14:20Z,2023-11-14T22:15:21Z,complete,,1,,,,,,1,x\r\n");
    CHECK_CONTAINS(text,
                   ",svc,2,vi,2023-11-14T22:15:20Z,2023-11-14T22:16:21Z,complete,,1,,,,n,2,,\r\n");
    free(text);
    hl_fx_close(&x);
}

static void test_export_unknown_survey_is_not_found_and_writes_nothing(void)
{
    hl_fx_t x;
    open_svc(&x, "x.csv");
    CHECK_INT(export_read(&x, "ghost", NULL, NULL), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(x.err.msg, "no responses or survey versions stored for survey id ghost");
    CHECK(access(x.out, F_OK) != 0);
    CHECK_INT(hl_fixture_hidden(x.dir), 0);
    hl_fx_close(&x);
}

static void test_export_replaces_existing_file_and_leaves_no_temp_file(void)
{
    hl_fx_t x;
    open_svc(&x, "svc.csv");
    free(hl_test_write_file(x.dir, "svc.csv", "old export\r\n"));
    hl_response_t r;
    resp_init(&r, 1);
    save(x.st, &r, "q_service", "ok");
    char *text = NULL;
    CHECK_INT(export_read(&x, "svc", NULL, &text), HL_OK);
    CHECK_CONTAINS(text, ",in_progress,,1,,,,ok,,\r\n");
    CHECK(text && !strstr(text, "old export"));
    CHECK_INT(hl_fixture_hidden(x.dir), 0);
    free(text);
    hl_fx_close(&x);
}

static void test_export_to_missing_folder_fails_with_the_path(void)
{
    hl_fx_t x;
    open_svc(&x, "no/such/folder/svc.csv");
    CHECK_INT(export_read(&x, "svc", NULL, NULL), HL_ERR_IO);
    CHECK_CONTAINS(x.err.msg, x.out);
    CHECK_INT(export_read(&x, NULL, NULL, NULL), HL_ERR_USAGE);
    hl_fx_close(&x);
}

static void test_export_to_a_folder_asks_for_a_file_name(void)
{
    hl_fx_t x;
    open_svc(&x, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    save(x.st, &r, "q_service", "ok");
    char want[1200];
    /* An existing folder, with and without a trailing slash. */
    CHECK_INT(hl_export_csv(x.st, "svc", x.dir, NULL, &x.err), HL_ERR_USAGE);
    snprintf(want, sizeof want, "%s is a folder: give a file name such as %s/responses.csv", x.dir,
             x.dir);
    CHECK_CONTAINS(x.err.msg, want);
    char *slashed = hl_fixture_path(x.dir, "");
    CHECK_INT(hl_export_csv(x.st, "svc", slashed, NULL, &x.err), HL_ERR_USAGE);
    snprintf(want, sizeof want, "%s is a folder: give a file name such as %s/responses.csv",
             slashed, x.dir);
    CHECK_CONTAINS(x.err.msg, want);
    /* A path that names a folder by its trailing slash, existing or not. */
    char *missing = hl_fixture_path(x.dir, "exports/");
    CHECK_INT(hl_export_csv(x.st, "svc", missing, NULL, &x.err), HL_ERR_USAGE);
    CHECK_CONTAINS(x.err.msg, "exports/ is a folder: give a file name such as ");
    CHECK_CONTAINS(x.err.msg, "exports/responses.csv");
    CHECK_INT(hl_fixture_hidden(x.dir), 0);
    free(missing);
    free(slashed);
    hl_fx_close(&x);
}

static void test_export_on_full_disk_returns_full_and_keeps_old_file(void)
{
    char *media = hl_fixture_tmpfs("export-media", "256k", __func__);
    if (!media) return;
    hl_fx_t x;
    open_svc(&x, NULL);
    hl_fixture_fill(x.st, 700, "q_note", 599); /* about 460 KB of CSV */
    char *old_path = hl_test_write_file(media, "svc.csv", "old export, still good\r\n");
    char *out = hl_fixture_path(media, "svc.csv");
    CHECK_INT(hl_export_csv(x.st, "svc", out, NULL, &x.err), HL_ERR_FULL);
    CHECK_CONTAINS(x.err.msg, out);
    CHECK_CONTAINS(x.err.msg, "full");
    char *text = hl_test_read_file(out, NULL);
    CHECK_STR(text, "old export, still good\r\n");
    CHECK_INT(hl_fixture_hidden(media), 0);
    free(text);
    free(out);
    free(old_path);
    hl_fx_close(&x);
    hl_fixture_tmpfs_free(media);
}

static void test_export_sql_matches_csv_rows_from_sqlite3_shell(void)
{
    const char *shell = "/usr/bin/sqlite3";
    if (access(shell, X_OK) != 0) {
        printf("skipped: %s: %s is not installed\n", __func__, shell);
        return;
    }
    hl_fx_t x;
    open_svc(&x, "svc.csv");
    for (int i = 1; i <= 30; i++) {
        /* Officers and counters come and go (NULL in the shell: empty). */
        if (i % 6 == 1)
            CHECK_INT(hl_store_set_duty(x.st, i % 12 == 1 ? "off_1" : NULL,
                                        i % 12 == 1 ? "counter_2" : "q-9", &x.err),
                      HL_OK);
        hl_response_t r;
        resp_init(&r, i);
        r.clock_trusted = i % 3 != 0;
        r.lang = i % 2 ? HL_LANG_VI : HL_LANG_EN;
        save(x.st, &r, "q_service", i % 2 ? "good" : "bad");
        if (i % 4) save(x.st, &r, "q_note", "x|y");
        if (i % 5) hl_fixture_finish(x.st, &r, i % 7 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL);
    }
    char *text = NULL;
    CHECK_INT(export_read(&x, "svc", NULL, &text), HL_OK);
    char *sql = NULL;
    CHECK_INT(hl_store_export_sql(x.st, "svc", &sql, &x.err), HL_OK);
    char *ghost = NULL;
    CHECK_INT(hl_store_export_sql(x.st, "ghost", &ghost, &x.err), HL_ERR_NOT_FOUND);
    CHECK(ghost == NULL);
    char *db = hl_fixture_path(x.dir, HL_STORE_FILE);
    const char *argv[] = {shell, "-csv", "-newline", "\r\n", db, sql, NULL};
    char *rows = NULL;
    CHECK_INT(hl_fixture_expect(__FILE__, __LINE__, argv, NULL, 0, NULL, NULL, &rows, NULL), 0);
    const char *body = text ? strstr(text, "\r\n") : NULL;
    CHECK(body != NULL);
    if (body && rows) CHECK_STR(body + 2, rows);
    free(text);
    free(rows);
    free(db);
    free(sql);
    hl_fx_close(&x);
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
