/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_store.c: the durable response store (firmware/store/).
 *
 * Commits survive reopening; sequence numbers never go back; a response cut
 * off by a restart is finished as partial; every older schema migrates;
 * files that are not ours are refused and left byte for byte as they were;
 * injected I/O errors and full disks (through the hl-fault VFS) at every
 * step of a save return distinct codes and leave the response with all of
 * the save or none of it; a real full disk (a small tmpfs, root only: the
 * test prints "skipped: ..." and passes otherwise) keeps earlier answers, and
 * a database on a medium remounted read-only is refused for writing with
 * HL_ERR_READONLY but still read. A second writer on a folder is locked out;
 * a survey file changed without a new version is refused; integrity rule
 * violations are HL_ERR_INTERNAL, never a refused step. Technician mode
 * (schema 4): new responses record the officer on duty and the counter, which
 * no program may change afterwards; the PIN lockout and the technician log
 * survive restarts and are refused on read-only stores, inside batches and,
 * half done, under injected faults; counts, tallies and hours of the day
 * match hand-computed figures with every filter.
 */
#include "hl_bundle.h"
#include "hl_faultvfs.h"
#include "hl_store.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Fixtures --------------------------------------------------------------- */

static const char *const qids_v1[] = {"q_service", "q_staff", "q_wait", "q_comment"};

static void setup(void)
{
    if (hl_faultvfs_register() != SQLITE_OK) hl_test_fail(__FILE__, __LINE__, "fault VFS");
}

static hl_store_t *store_open_ok(const char *dir, const test_survey_t *t, int64_t *recovered)
{
    setup();
    hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    int rc = hl_store_open(dir, &o, &st, recovered, &err);
    if (rc != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "open %s: %s", dir, err.msg);
        return NULL;
    }
    if (t && hl_store_use_survey(st, &t->s, "kiosk-01", &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "use_survey: %s", err.msg);
        hl_store_close(st);
        return NULL;
    }
    return st;
}

static void resp_init(hl_response_t *r, int n)
{
    hl_fixture_response(r, n, 1700000000000LL + n * 60000LL);
}

static int save_set(hl_store_t *st, hl_response_t *r, const char *qid, const char *val, int64_t ms,
                    hl_err_t *err)
{
    hl_save_t s = {.set_qid = qid, .set_value = val, .set_ms = ms};
    return hl_store_save(st, r, &s, err);
}

static int save_finish(hl_store_t *st, hl_response_t *r, hl_resp_status_t status, hl_err_t *err)
{
    hl_save_t s = {.status = status, .finished_utc_ms = r->started_utc_ms + 9000};
    return hl_store_save(st, r, &s, err);
}

/* Every response as one line "seq:status:lang:q=v,q=v" joined by ";". */
typedef struct dump {
    char text[8192]; /* the lines */
    int rows;        /* responses seen */
} dump_t;

static int dump_row(void *ctx, const hl_row_t *row)
{
    dump_t *d = ctx;
    size_t n = strlen(d->text);
    n += (size_t)snprintf(d->text + n, sizeof d->text - n, "%s%lld:%s:%s:", d->rows ? ";" : "",
                          (long long)row->seq, hl_resp_status_name(row->status), row->lang);
    for (size_t i = 0; i < row->n_answers && n < sizeof d->text; i++)
        n += (size_t)snprintf(d->text + n, sizeof d->text - n, "%s%s=%s", i ? "," : "",
                              row->qids[i], row->values[i]);
    d->rows++;
    return HL_OK;
}

static void dump_store(hl_store_t *st, const char *survey_id, dump_t *d)
{
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    int rc = hl_store_foreach(st, survey_id, 0, dump_row, d, &err);
    if (rc != HL_OK) hl_test_fail(__FILE__, __LINE__, "foreach: %s", err.msg);
}

static void dump_dir(const char *dir, dump_t *d)
{
    hl_store_opts_t o = {.read_only = true};
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    memset(d, 0, sizeof *d);
    if (hl_store_open(dir, &o, &st, NULL, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "read-only open: %s", err.msg);
        return;
    }
    dump_store(st, NULL, d);
    hl_store_close(st);
}

static char *db_path(const char *dir)
{
    size_t n = strlen(dir) + sizeof HL_STORE_FILE + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, HL_STORE_FILE);
    return p;
}

/* First column of the first row of sql on the database in dir (read-only). */
static long long db_int(const char *dir, const char *sql)
{
    char *path = db_path(dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -999;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    else
        hl_test_fail(__FILE__, __LINE__, "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(path);
    return v;
}

static void check_integrity(const char *dir)
{
    char *path = db_path(dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        CHECK_STR((const char *)sqlite3_column_text(s, 0), "ok");
    else
        hl_test_fail(__FILE__, __LINE__, "integrity_check: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(path);
}

/* Runs SQL on a database file with the plain unix VFS (fixtures, tampering). */
static int db_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* The responses hl_store_foreach_pending walks (at most limit), as dump_t. */
static void dump_pending(hl_store_t *st, int64_t limit, dump_t *d)
{
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    int rc = hl_store_foreach_pending(st, limit, dump_row, d, &err);
    if (rc != HL_OK) hl_test_fail(__FILE__, __LINE__, "foreach_pending: %s", err.msg);
}

static hl_store_sync_t sync_state_of(hl_store_t *st)
{
    hl_store_sync_t s;
    hl_err_t err = {0};
    if (hl_store_sync_state(st, &s, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "sync_state: %s", err.msg);
    return s;
}

/* Records a successful attempt at at_utc_ms that delivered seqs[0..n). */
static int sync_ok(hl_store_t *st, int64_t at_utc_ms, const int64_t *seqs, size_t n, hl_err_t *err)
{
    hl_store_sync_rec_t rec = {
        .at_utc_ms = at_utc_ms, .delivered = seqs, .n_delivered = n, .success = true};
    return hl_store_sync_record(st, &rec, err);
}

/* Stores n responses numbered from first, each answered; finished complete
 * unless its bit in open_mask (bit i: the i-th) is set. */
static void store_responses(hl_store_t *st, hl_response_t *r, int first, int n, unsigned open_mask)
{
    hl_err_t err = {0};
    for (int i = 0; i < n; i++) {
        resp_init(&r[i], first + i);
        CHECK_INT(save_set(st, &r[i], "q_service", "ok", 5, &err), HL_OK);
        if (!(open_mask & (1u << i)))
            CHECK_INT(save_finish(st, &r[i], HL_RESP_COMPLETE, &err), HL_OK);
    }
}

/* ---- Commit, reopen, sequence ------------------------------------------------ */

static void test_open_creates_missing_data_dir_with_private_modes(void)
{
    char *tmp = hl_test_tmpdir("store");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a/b/data", tmp);
    mode_t old = umask(022);
    hl_store_t *st = store_open_ok(dir, NULL, NULL);
    umask(old);
    CHECK(st != NULL);
    struct stat sb;
    CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK_INT(sb.st_mode & 0777, 0750);
    char *path = db_path(dir);
    CHECK(stat(path, &sb) == 0);
    CHECK_INT(sb.st_mode & 0777, 0640);
    CHECK_STR(hl_store_path(st), path);
    hl_store_close(st);
    free(path);
    hl_test_rmtree(tmp);
    free(tmp);
}

static void test_open_sets_wal_app_id_schema_version_and_small_pages(void)
{
    char *dir = hl_test_tmpdir("store");
    hl_store_t *st = store_open_ok(dir, NULL, NULL);
    CHECK_INT(db_int(dir, "PRAGMA application_id"), HL_STORE_APP_ID);
    CHECK_INT(db_int(dir, "PRAGMA user_version"), HL_STORE_SCHEMA_VERSION);
    CHECK_INT(db_int(dir, "PRAGMA page_size"), HL_STORE_PAGE_SIZE);
    CHECK_INT(db_int(dir, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    hl_store_close(st);
    CHECK_STR(hl_store_sqlite_version(), sqlite3_libversion());
    hl_test_rmtree(dir);
    free(dir);
}

static void test_save_after_reopen_keeps_answers(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    hl_err_t err = {0};
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "very_satisfied", 1200, &err), HL_OK);
    CHECK_INT(r.seq, 1);
    CHECK_INT(save_set(st, &r, "q_staff", "4", 2500, &err), HL_OK);
    CHECK_INT(save_set(st, &r, "q_staff", "5", 2900, &err), HL_OK); /* answered again */
    CHECK_INT(save_finish(st, &r, HL_RESP_COMPLETE, &err), HL_OK);
    hl_store_close(st);

    int64_t recovered = -1;
    st = store_open_ok(dir, &sv, &recovered);
    CHECK_INT(recovered, 0);
    dump_t d;
    dump_store(st, "svc", &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=very_satisfied,q_staff=5");
    hl_store_close(st);
    CHECK_INT(db_int(dir, "SELECT ms FROM answers WHERE qid = 'q_staff'"), 2900);
    CHECK_INT(db_int(dir, "SELECT finished_utc_ms - started_utc_ms FROM responses"), 9000);
    CHECK_INT(db_int(dir, "SELECT finish_reason = 'complete' FROM responses"), 1);
    check_integrity(dir);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sequence_never_goes_back_across_restarts(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    int64_t last = 0;
    for (int round = 0; round < 3; round++) {
        hl_store_t *st = store_open_ok(dir, &sv, NULL);
        for (int i = 0; i < 2; i++) {
            hl_response_t r;
            resp_init(&r, round * 10 + i);
            CHECK_INT(save_set(st, &r, "q_wait", "no", 10, &err), HL_OK);
            CHECK(r.seq > last);
            last = r.seq;
            CHECK_INT(save_finish(st, &r, HL_RESP_PARTIAL, &err), HL_OK);
        }
        hl_store_close(st);
    }
    CHECK_INT(last, 6);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sequence_never_goes_back_after_empty_response_removed(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 10, &err), HL_OK);
    CHECK_INT(r.seq, 1);
    /* The only answer is dropped: the response is removed, seq back to 0. */
    const char *drop[] = {"q_service", "q_staff"};
    hl_save_t s = {.drop_qids = drop, .n_drop = 2};
    CHECK_INT(hl_store_save(st, &r, &s, &err), HL_OK);
    CHECK_INT(r.seq, 0);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses"), 0);
    hl_store_close(st);

    st = store_open_ok(dir, &sv, NULL);
    hl_response_t r2;
    resp_init(&r2, 2);
    CHECK_INT(save_set(st, &r2, "q_service", "ok", 10, &err), HL_OK);
    CHECK_INT(r2.seq, 2);
    /* Finishing or dropping on a response never stored stores nothing. */
    hl_response_t r3;
    resp_init(&r3, 3);
    CHECK_INT(save_finish(st, &r3, HL_RESP_PARTIAL, &err), HL_OK);
    CHECK_INT(r3.seq, 0);
    hl_store_close(st);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses"), 1);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_save_drops_hidden_answers_and_finishes_in_one_transaction(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "bad", 10, &err), HL_OK);
    CHECK_INT(save_set(st, &r, "q_staff", "1", 20, &err), HL_OK);
    const char *drop[] = {"q_staff", "q_comment"};
    hl_save_t s = {.set_qid = "q_service",
                   .set_value = "good",
                   .set_ms = 30,
                   .drop_qids = drop,
                   .n_drop = 2,
                   .status = HL_RESP_COMPLETE,
                   .finished_utc_ms = r.started_utc_ms + 31};
    CHECK_INT(hl_store_save(st, &r, &s, &err), HL_OK);
    dump_t d;
    dump_store(st, NULL, &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=good");
    /* A finished response is frozen: the store refuses further changes. */
    CHECK_INT(save_set(st, &r, "q_wait", "yes", 40, &err), HL_ERR_STATE);
    CHECK(err.msg[0] != '\0');
    CHECK_INT(save_finish(st, &r, HL_RESP_PARTIAL, &err), HL_ERR_STATE);
    dump_store(st, NULL, &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=good");
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_language_change_is_stored_without_rewriting_each_answer(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    r.lang = HL_LANG_EN;
    CHECK_INT(save_set(st, &r, "q_service", "ok", 10, &err), HL_OK);
    CHECK_INT(r.stored_lang, HL_LANG_EN);
    r.lang = HL_LANG_VI;
    CHECK_INT(save_set(st, &r, "q_staff", "3", 20, &err), HL_OK);
    CHECK_INT(r.stored_lang, HL_LANG_VI);
    CHECK_INT(db_int(dir, "SELECT lang = 'vi' FROM responses"), 1);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_open_recovers_in_progress_as_partial_with_committed_answers(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 1500, &err), HL_OK);
    CHECK_INT(save_set(st, &r, "q_staff", "2", 4200, &err), HL_OK);
    /* Power cut: the process dies without closing (simulated by copying the
     * files while the store is open, then reopening the copy). */
    char *copy = hl_test_tmpdir("store-copy");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp %s/hailong.db* %s/", dir, copy);
    CHECK_INT(system(cmd), 0);
    hl_store_close(st);

    int64_t recovered = -1;
    st = store_open_ok(copy, &sv, &recovered);
    CHECK_INT(recovered, 1);
    dump_t d;
    dump_store(st, NULL, &d);
    CHECK_STR(d.text, "1:partial:vi:q_service=ok,q_staff=2");
    hl_store_close(st);
    CHECK_INT(db_int(copy, "SELECT finished_utc_ms - started_utc_ms FROM responses"), 4200);
    CHECK_INT(db_int(copy, "SELECT finish_reason = 'recovered' FROM responses"), 1);
    st = store_open_ok(copy, &sv, &recovered);
    CHECK_INT(recovered, 0);
    hl_store_close(st);
    check_integrity(copy);
    hl_test_rmtree(copy);
    free(copy);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_response_with_answers_cannot_be_deleted_or_altered_by_sql(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 10, &err), HL_OK);
    CHECK_INT(save_finish(st, &r, HL_RESP_COMPLETE, &err), HL_OK);
    hl_store_close(st);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "DELETE FROM responses") & 0xff, SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE answers SET value = 'bad'") & 0xff, SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "DELETE FROM answers") & 0xff, SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE responses SET status = 2") & 0xff, SQLITE_CONSTRAINT);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM answers"), 1);
    /* Sequence numbers cannot be reused or lowered by another program. */
    CHECK_INT(db_exec(path, "INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
                            " started_utc_ms, clock_trusted) VALUES (1, 'x', 'k', 1, 'vi', 0, 1)") &
                  0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE seq_floor SET seq = -1") & 0xff, SQLITE_CONSTRAINT);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_save_rejects_unknown_question_and_missing_survey(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, NULL, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 10, &err), HL_ERR_STATE);
    CHECK_INT(hl_store_use_survey(st, &sv.s, "kiosk-01", &err), HL_OK);
    CHECK_INT(save_set(st, &r, "q_nope", "ok", 10, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "q_nope");
    CHECK_INT(save_set(st, &r, "q_service", "", 10, &err), HL_ERR_USAGE);
    CHECK_INT(r.seq, 0);
    /* The same response id twice is refused (uniqueness): a bug, not a step
     * the kiosk refuses (test_integrity_rule_violation_is_internal_...). */
    CHECK_INT(save_set(st, &r, "q_service", "ok", 10, &err), HL_OK);
    hl_response_t dup;
    resp_init(&dup, 1);
    CHECK_INT(save_set(st, &dup, "q_service", "ok", 10, &err), HL_ERR_INTERNAL);
    CHECK_INT(dup.seq, 0);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_survey_changed_under_open_response_fails_instead_of_mixing(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t a, b;
    const char *reordered[] = {"q_wait", "q_service", "q_staff", "q_comment"};
    survey_make(&a, "svc", 1, qids_v1, 4);
    survey_make(&b, "svc", 2, reordered, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &a, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(hl_store_use_survey(st, &b.s, "kiosk-01", &err), HL_OK);
    /* q_wait now has q_service's place in the survey. */
    CHECK_INT(save_set(st, &r, "q_wait", "yes", 6, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "another version");
    /* q_service has moved: refused by the store's own check too, before the
     * database's one-answer-per-question rule would fire. */
    CHECK_INT(save_set(st, &r, "q_service", "better", 7, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "another version");
    dump_t d;
    dump_store(st, NULL, &d);
    CHECK_STR(d.text, "1:in_progress:vi:q_service=ok");
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_use_survey_stores_each_version_once(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t a, b;
    survey_make(&a, "svc", 1, qids_v1, 4);
    survey_make(&b, "svc", 2, qids_v1, 3);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &a, NULL);
    CHECK_INT(hl_store_use_survey(st, &b.s, "kiosk-01", &err), HL_OK);
    CHECK_INT(hl_store_use_survey(st, &a.s, "kiosk-01", &err), HL_OK);
    hl_store_close(st);
    st = store_open_ok(dir, &a, NULL);
    hl_store_close(st);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM surveys"), 2);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM surveys WHERE source LIKE '{%'"), 2);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_use_survey_refuses_changed_file_with_same_id_and_version(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t a, changed;
    survey_make(&a, "svc", 1, qids_v1, 4);
    survey_make(&changed, "svc", 1, qids_v1, 3); /* other content, same id and version */
    char file[] = "/srv/surveys/svc.json";
    changed.s.file = file;
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &a, NULL);
    CHECK_INT(hl_store_use_survey(st, &changed.s, "kiosk-01", &err), HL_ERR_INVALID);
    CHECK_CONTAINS(err.msg, "survey \"svc\" version 1 is already stored with different content");
    char sha[32];
    snprintf(sha, sizeof sha, "(sha256 %.12s", a.s.sha256);
    CHECK_CONTAINS(err.msg, sha);
    CHECK_CONTAINS(err.msg, "the file /srv/surveys/svc.json changed without a new version");
    CHECK_CONTAINS(err.msg, "bump \"version\" in it");
    /* Nothing stored; the survey in use is still the first (q_comment is
     * only in it). */
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_comment", "ok", 5, &err), HL_OK);
    /* The same file again is fine, also after a restart; the changed one is
     * still refused. */
    CHECK_INT(hl_store_use_survey(st, &a.s, "kiosk-01", &err), HL_OK);
    hl_store_close(st);
    st = store_open_ok(dir, &a, NULL);
    CHECK_INT(hl_store_use_survey(st, &changed.s, "kiosk-01", &err), HL_ERR_INVALID);
    hl_store_close(st);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM surveys"), 1);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_integrity_rule_violation_is_internal_not_a_refused_step(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 10, &err), HL_OK);
    /* A duplicate response UUID (UNIQUE): a bug in the random source. */
    hl_response_t dup;
    resp_init(&dup, 1);
    CHECK_INT(save_set(st, &dup, "q_service", "ok", 10, &err), HL_ERR_INTERNAL);
    CHECK_CONTAINS(err.msg, "refused the change by its integrity rules");
    CHECK_CONTAINS(err.msg, "UNIQUE");
    CHECK_INT(dup.seq, 0);
    /* Another program put q_staff in q_comment's place: saving q_staff hits
     * a trigger, saving q_comment finds its place taken. */
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "INSERT INTO answers(id, seq, qid, value, ms)"
                            " VALUES (1 * 64 + 3, 1, 'q_staff', 'forged', 1)"),
              SQLITE_OK);
    free(path);
    CHECK_INT(save_set(st, &r, "q_staff", "2", 20, &err), HL_ERR_INTERNAL);
    CHECK_CONTAINS(err.msg, "integrity rules");
    CHECK_CONTAINS(err.msg, "a question is answered once per response");
    CHECK_INT(save_set(st, &r, "q_comment", "hi", 30, &err), HL_ERR_INTERNAL);
    CHECK_CONTAINS(err.msg, "another question's place");
    dump_t d;
    dump_store(st, NULL, &d);
    CHECK_STR(d.text, "1:in_progress:vi:q_service=ok,q_staff=forged");
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_foreach_walks_in_seq_order_filters_survey_and_after_seq(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t a, other;
    survey_make(&a, "svc", 1, qids_v1, 4);
    const char *oq[] = {"x"};
    survey_make(&other, "other", 1, oq, 1);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &a, NULL);
    for (int i = 1; i <= 5; i++) {
        if (i == 3) CHECK_INT(hl_store_use_survey(st, &other.s, "kiosk-01", &err), HL_OK);
        if (i == 4) CHECK_INT(hl_store_use_survey(st, &a.s, "kiosk-01", &err), HL_OK);
        hl_response_t r;
        resp_init(&r, i);
        const char *q = i == 3 ? "x" : "q_wait";
        CHECK_INT(save_set(st, &r, q, "v", 5, &err), HL_OK);
        if (i != 3) CHECK_INT(save_set(st, &r, "q_comment", "c", 6, &err), HL_OK);
        if (i != 5) CHECK_INT(save_finish(st, &r, HL_RESP_COMPLETE, &err), HL_OK);
    }
    dump_t d;
    dump_store(st, NULL, &d);
    CHECK_INT(d.rows, 5);
    dump_store(st, "svc", &d);
    CHECK_STR(d.text, "1:complete:vi:q_comment=c,q_wait=v;2:complete:vi:q_comment=c,q_wait=v;"
                      "4:complete:vi:q_comment=c,q_wait=v;5:in_progress:vi:q_comment=c,q_wait=v");
    dump_store(st, "other", &d);
    CHECK_STR(d.text, "3:complete:vi:x=v");
    memset(&d, 0, sizeof d);
    CHECK_INT(hl_store_foreach(st, "svc", 2, dump_row, &d, &err), HL_OK);
    CHECK_INT(d.rows, 2);
    dump_store(st, "nobody", &d);
    CHECK_INT(d.rows, 0);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_survey_columns_are_union_in_newest_version_order(void)
{
    char *dir = hl_test_tmpdir("store");
    const char *q1[] = {"a", "b", "c"};
    const char *q3[] = {"c", "d", "a"};
    const char *q2[] = {"e", "b"};
    test_survey_t v1, v2, v3;
    survey_make(&v1, "svc", 1, q1, 3);
    survey_make(&v3, "svc", 3, q3, 3);
    survey_make(&v2, "svc", 2, q2, 2);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &v1, NULL);
    CHECK_INT(hl_store_use_survey(st, &v3.s, "k", &err), HL_OK);
    CHECK_INT(hl_store_use_survey(st, &v2.s, "k", &err), HL_OK);
    char **cols = NULL;
    size_t n = 0;
    CHECK_INT(hl_store_survey_columns(st, "svc", &cols, &n, &err), HL_OK);
    CHECK_INT(n, 5);
    if (n == 5) {
        CHECK_STR(cols[0], "c");
        CHECK_STR(cols[1], "d");
        CHECK_STR(cols[2], "a");
        CHECK_STR(cols[3], "e");
        CHECK_STR(cols[4], "b");
    }
    hl_store_free_ids(cols, n);
    /* The same version 3 with other questions, registered later (only an
     * older build stored that; use_survey now refuses it): wins the tie. */
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "INSERT INTO surveys(sha256, survey_id, version, qids, source)"
                            " VALUES ('3b', 'svc', 3, 'f,c', '{}')"),
              SQLITE_OK);
    free(path);
    CHECK_INT(hl_store_survey_columns(st, "svc", &cols, &n, &err), HL_OK);
    CHECK_INT(n, 6);
    if (n == 6) {
        CHECK_STR(cols[0], "f");
        CHECK_STR(cols[1], "c");
        CHECK_STR(cols[2], "d");
        CHECK_STR(cols[3], "a");
    }
    hl_store_free_ids(cols, n);
    CHECK_INT(hl_store_survey_columns(st, "nope", &cols, &n, &err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "nope");
    CHECK(cols == NULL);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_stats_count_statuses_answers_and_clock_trust(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_store_stats_t s;
    CHECK_INT(hl_store_stats(st, &s, &err), HL_OK);
    CHECK_INT(s.responses, 0);
    CHECK_INT(s.last_seq, 0);
    CHECK_INT(s.first_started_utc_ms, -1);
    CHECK_INT(s.last_finished_utc_ms, -1);
    for (int i = 1; i <= 3; i++) {
        hl_response_t r;
        resp_init(&r, i);
        r.clock_trusted = i != 2;
        CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
        CHECK_INT(save_set(st, &r, "q_staff", "5", 6, &err), HL_OK);
        if (i < 3)
            CHECK_INT(save_finish(st, &r, i == 1 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL, &err),
                      HL_OK);
    }
    CHECK_INT(hl_store_stats(st, &s, &err), HL_OK);
    CHECK_INT(s.responses, 3);
    CHECK_INT(s.complete, 1);
    CHECK_INT(s.partial, 1);
    CHECK_INT(s.in_progress, 1);
    CHECK_INT(s.answers, 6);
    CHECK_INT(s.last_seq, 3);
    CHECK_INT(s.first_started_utc_ms, 1700000060000LL);
    CHECK_INT(s.last_finished_utc_ms, 1700000120000LL + 9000);
    CHECK_INT(s.untrusted_clock, 1);
    CHECK_INT(s.n_surveys, 1);
    CHECK(s.db_bytes > 0);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_batch_groups_saves_and_failed_save_undoes_only_itself(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    CHECK_INT(hl_store_batch_begin(st, &err), HL_OK);
    CHECK_INT(hl_store_batch_begin(st, &err), HL_ERR_STATE);
    hl_response_t r1, r2;
    resp_init(&r1, 1);
    resp_init(&r2, 2);
    CHECK_INT(save_set(st, &r1, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(save_finish(st, &r1, HL_RESP_COMPLETE, &err), HL_OK);
    CHECK_INT(save_set(st, &r2, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(save_finish(st, &r2, HL_RESP_COMPLETE, &err), HL_OK);
    /* A refused save inside the batch undoes itself only. */
    CHECK_INT(save_set(st, &r2, "q_staff", "1", 9, &err), HL_ERR_STATE);
    CHECK_INT(hl_store_batch_end(st, &err), HL_OK);
    CHECK_INT(hl_store_batch_end(st, &err), HL_ERR_STATE);
    dump_t d;
    dump_store(st, NULL, &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok");
    /* A batch left open at close is not kept. */
    CHECK_INT(hl_store_batch_begin(st, &err), HL_OK);
    hl_response_t r3;
    resp_init(&r3, 3);
    CHECK_INT(save_set(st, &r3, "q_service", "ok", 5, &err), HL_OK);
    hl_store_close(st);
    dump_dir(dir, &d);
    CHECK_INT(d.rows, 2);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_other_writer_holding_the_lock_returns_locked(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    char *path = db_path(dir);
    sqlite3 *other = NULL;
    CHECK_INT(sqlite3_open(path, &other), SQLITE_OK);
    CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_ERR_LOCKED);
    CHECK_CONTAINS(err.msg, "another program");
    CHECK_INT(r.seq, 0);
    CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(r.seq, 1);
    hl_store_close(st);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_second_writer_on_a_folder_is_locked_out_before_recovery(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);

    /* A second `hailong run` on the folder while the kiosk answers r: flock
     * on two open file descriptions conflicts, even in one process. */
    hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
    hl_store_t *second = (hl_store_t *)1;
    int64_t recovered = -1;
    CHECK_INT(hl_store_open(dir, &o, &second, &recovered, &err), HL_ERR_LOCKED);
    CHECK(second == NULL);
    CHECK_INT(recovered, 0);
    CHECK_CONTAINS(err.msg, "another hailong is using");
    CHECK_CONTAINS(err.msg, dir);
    char pid[32];
    snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
    CHECK_CONTAINS(err.msg, pid);
    char lock[600];
    snprintf(lock, sizeof lock, "%s/%s", dir, HL_STORE_LOCK);
    struct stat sb;
    CHECK(stat(lock, &sb) == 0 && (sb.st_mode & 0777) == 0640);

    /* The live response was not recovered and the first store goes on;
     * readers (export, stats) do not need the lock. */
    CHECK_INT(save_set(st, &r, "q_staff", "2", 6, &err), HL_OK);
    dump_t d;
    dump_dir(dir, &d);
    CHECK_STR(d.text, "1:in_progress:vi:q_service=ok,q_staff=2");
    hl_store_close(st);

    /* Once the first is closed, the folder is free (r, left open, is
     * finished as partial by the new writer). */
    second = NULL;
    CHECK_INT(hl_store_open(dir, &o, &second, &recovered, &err), HL_OK);
    CHECK_INT(recovered, 1);
    hl_store_close(second);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_read_only_store_reads_and_refuses_writes(void)
{
    char *dir = hl_test_tmpdir("store");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    hl_store_opts_t ro = {.read_only = true};
    hl_store_t *st = NULL;
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_ERR_NOT_FOUND);
    CHECK(st == NULL);
    st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
    hl_store_close(st);
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    CHECK_INT(hl_store_use_survey(st, &sv.s, "k", &err), HL_ERR_READONLY);
    hl_response_t r2;
    resp_init(&r2, 2);
    CHECK_INT(save_set(st, &r2, "q_service", "ok", 5, &err), HL_ERR_READONLY);
    dump_t d;
    dump_store(st, NULL, &d);
    CHECK_STR(d.text, "1:in_progress:vi:q_service=ok"); /* read-only: no recovery */
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Technician mode: duty, PIN state, log, tallies (schema 4) ---------------- */

/* Each response as "seq:officer/counter" ("-" for none) joined by ";". */
static int duty_row(void *ctx, const hl_row_t *row)
{
    dump_t *d = ctx;
    size_t n = strlen(d->text);
    snprintf(d->text + n, sizeof d->text - n, "%s%lld:%s/%s", d->rows ? ";" : "",
             (long long)row->seq, row->officer_id ? row->officer_id : "-",
             row->counter ? row->counter : "-");
    d->rows++;
    return HL_OK;
}

static void dump_duty(hl_store_t *st, dump_t *d)
{
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    if (hl_store_foreach(st, NULL, 0, duty_row, d, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "foreach: %s", err.msg);
}

static void dump_duty_pending(hl_store_t *st, dump_t *d)
{
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    if (hl_store_foreach_pending(st, 100, duty_row, d, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "foreach_pending: %s", err.msg);
}

/* The technician log, newest first, as "at:event:detail" joined by ";". */
static void log_line(void *ctx, int64_t at_utc_ms, const char *event, const char *detail)
{
    dump_t *d = ctx;
    size_t n = strlen(d->text);
    snprintf(d->text + n, sizeof d->text - n, "%s%lld:%s:%s", d->rows ? ";" : "",
             (long long)at_utc_ms, event, detail ? detail : "(null)");
    d->rows++;
}

static void dump_log(hl_store_t *st, int n, dump_t *d)
{
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    if (hl_store_log_recent(st, n, log_line, d, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "log_recent: %s", err.msg);
}

static hl_pin_lock_t pin_of(hl_store_t *st)
{
    hl_pin_lock_t l;
    memset(&l, 0x5a, sizeof l);
    hl_err_t err = {0};
    if (hl_store_pin_get(st, &l, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "pin_get: %s", err.msg);
    return l;
}

static hl_store_counts_t count_of(hl_store_t *st, const char *survey, int64_t from,
                                  const char *officer)
{
    hl_tally_query_t q = {.survey_id = survey, .from_utc_ms = from, .officer_id = officer};
    hl_store_counts_t c;
    memset(&c, 0x5a, sizeof c);
    hl_err_t err = {0};
    if (hl_store_count(st, &q, &c, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "count: %s", err.msg);
    return c;
}

#define CHECK_COUNTS(c, all, comp, part)                                                           \
    do {                                                                                           \
        hl_store_counts_t c_ = (c);                                                                \
        CHECK_INT(c_.responses, all);                                                              \
        CHECK_INT(c_.complete, comp);                                                              \
        CHECK_INT(c_.partial, part);                                                               \
    } while (0)

static void tally_line(void *ctx, const char *value, int64_t count)
{
    dump_t *d = ctx;
    size_t n = strlen(d->text);
    snprintf(d->text + n, sizeof d->text - n, "%s%s=%lld", d->rows ? ";" : "", value,
             (long long)count);
    d->rows++;
}

/* "value=count;..." in value order. */
static const char *tally_of(hl_store_t *st, const char *survey, int64_t from, const char *officer,
                            const char *qid, dump_t *d)
{
    hl_tally_query_t q = {.survey_id = survey, .from_utc_ms = from, .officer_id = officer};
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    if (hl_store_tally(st, &q, qid, tally_line, d, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "tally: %s", err.msg);
    return d->text;
}

/* ---- Tamper evidence helpers ------------------------------------------------ */

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

/* The fixtures' chain key (v5.sql: bytes 0x00..0x1f) and another one. */
static const unsigned char chain_key_a[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                              11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                              22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

/* Two device keys (made once, kept for the whole run). */
static const hl_devkey_t *dev_key(int which)
{
    static hl_devkey_t keys[2];
    static bool made[2];
    if (!made[which]) {
        hl_test_devkey(&keys[which], 40u + (unsigned)which);
        made[which] = true;
    }
    return &keys[which];
}
#define DEV_A dev_key(0)
#define DEV_B dev_key(1)

static const char *const problem_names[] = {"EDITED",    "DELETED",   "INSERTED",
                                            "REORDERED", "OTHER_KEY", "UNCHECKED"};

static void problem_line(void *ctx, int64_t seq, hl_chain_problem_t what, const char *detail)
{
    dump_t *d = ctx;
    size_t n = strlen(d->text);
    snprintf(d->text + n, sizeof d->text - n, "%s%lld:%s", d->rows ? ";" : "", (long long)seq,
             problem_names[what]);
    d->rows++;
    if (!detail || !detail[0]) hl_test_fail(__FILE__, __LINE__, "problem without a detail");
}

/* Problems found with device key dev and the old HMAC key (may be NULL);
 * d (may be NULL) gets "seq:WHAT;..." in order, unchecked rows included;
 * returns the problems (unchecked rows are not problems). */
static long long verify_problems_old(hl_store_t *st, const hl_devkey_t *dev,
                                     const unsigned char *old, dump_t *d)
{
    dump_t local;
    if (!d) d = &local;
    memset(d, 0, sizeof *d);
    hl_chain_counts_t n = {999, 999};
    hl_err_t err = {0};
    hl_chain_check_t chk = {.device = dev, .hmac_key = old};
    if (hl_store_verify_chain(st, &chk, problem_line, d, &n, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "verify_chain: %s", err.msg);
    if ((long long)(n.problems + n.unchecked) != d->rows)
        hl_test_fail(__FILE__, __LINE__, "n_problems %zu + %zu", n.problems, n.unchecked);
    return (long long)n.problems;
}

static long long verify_problems(hl_store_t *st, const hl_devkey_t *dev, dump_t *d)
{
    return verify_problems_old(st, dev, NULL, d);
}

/* ---- Migrations and refusals ----------------------------------------------- */

static void test_migrates_from_every_older_schema_version(void)
{
    /* The fixtures store svc version 1 with a stand-in SHA-256: the kiosk
     * runs version 2 (the same version with another file is refused). */
    test_survey_t sv;
    survey_make(&sv, "svc", 2, qids_v1, 4);
    for (int v = 0; v < HL_STORE_SCHEMA_VERSION; v++) {
        /* tests/data/store/v<N>.sql: a database as schema version N wrote it
         * (v0 is the empty file). */
        char rel[64];
        snprintf(rel, sizeof rel, "store/v%d.sql", v);
        char *sql = hl_test_read_file(hl_test_data(rel), NULL);
        CHECK(sql != NULL);
        if (!sql) continue;
        char *dir = hl_test_tmpdir("store-mig");
        char *path = db_path(dir);
        CHECK_INT(db_exec(path, sql), SQLITE_OK);
        free(sql);
        CHECK_INT(db_int(dir, "PRAGMA user_version"), v);
        long long before = v ? db_int(dir, "SELECT count(*) FROM answers") : 0;
        long long max_seq = v ? db_int(dir, "SELECT coalesce(max(seq), 0) FROM responses") : 0;
        long long rows = v ? db_int(dir, "SELECT count(*) FROM responses") : 0;
        long long exports = v >= 2 ? db_int(dir, "SELECT count(*) FROM exports") : 0;

        hl_err_t err = {0};
        hl_store_t *st = store_open_ok(dir, &sv, NULL);
        CHECK_INT(db_int(dir, "PRAGMA user_version"), HL_STORE_SCHEMA_VERSION);
        CHECK_INT(db_int(dir, "PRAGMA application_id"), HL_STORE_APP_ID);
        CHECK_INT(db_int(dir, "SELECT count(*) FROM answers"), before);
        CHECK_INT(db_int(dir, "SELECT count(*) FROM responses"), rows);
        CHECK_INT(db_int(dir, "SELECT count(*) FROM exports"), exports);
        /* Schema 3: before it, every response stored is pending (the one
         * cut off is finished by recovery), nothing delivered or tried yet;
         * from it on, the fixture's sync state is kept. */
        hl_store_sync_t sy = sync_state_of(st);
        if (v < 3) {
            CHECK_INT(sy.pending, v ? 3 : 0);
            CHECK_INT(sy.delivered, 0);
            CHECK_INT(sy.oldest_pending_seq, v ? 1 : 0);
            CHECK_INT(sy.oldest_pending_utc_ms, v ? 1700000069000LL : -1);
            CHECK_INT(sy.last_attempt_utc_ms, -1);
            CHECK_INT(sy.last_success_utc_ms, -1);
            CHECK_INT(sy.last_error_utc_ms, -1);
            CHECK_STR(sy.last_error, "");
            CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 0);
        } else {
            CHECK_INT(sy.pending, 2);
            CHECK_INT(sy.delivered, 1);
            CHECK_INT(sy.oldest_pending_seq, 3);
            CHECK_INT(sy.last_success_utc_ms, 1700000400000LL);
            CHECK_CONTAINS(sy.last_error, "HTTP 503");
            CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 2);
        }
        CHECK_STR(sy.stopped_fingerprint, "");
        hl_response_t r;
        if (v) {
            dump_t d;
            dump_pending(st, 100, &d);
            CHECK_STR(d.text, v < 3 ? "1:complete:vi:q_service=very_satisfied,q_staff=5;"
                                      "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes"
                                    : "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
        }
        if (v == 1) {
            /* The fixture's responses, the one cut off finished as partial. */
            dump_t d;
            dump_store(st, "svc", &d);
            CHECK_STR(d.text, "1:complete:vi:q_service=very_satisfied,q_staff=5;"
                              "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
        }
        /* Schema 4: responses stored before have nobody on duty; the PIN
         * state is fresh and the log empty. From it on, the fixture's. */
        CHECK_INT(db_int(dir, "SELECT count(*) FROM responses"
                              " WHERE officer_id IS NOT NULL OR counter IS NOT NULL"),
                  v < 4 ? 0 : 2);
        hl_pin_lock_t fresh, pin = pin_of(st);
        hl_pin_lock_init(&fresh);
        if (v < 4) CHECK(memcmp(&pin, &fresh, sizeof pin) == 0);
        if (v >= 4) CHECK_INT(pin.failures, 2);
        dump_t lg;
        dump_log(st, 10, &lg);
        CHECK_INT(lg.rows, v < 4 ? 0 : 4);
        if (v) {
            dump_t d;
            dump_duty(st, &d);
            CHECK_STR(d.text, v < 4 ? "1:-/-;3:-/-;4:-/-" : "1:-/-;3:off_2/Quầy 2;4:off_2/Quầy 2");
        }
        /* Schema 5: responses stored before are not flagged and not chained
         * (recovered 4 included) until the device key is set, which chains
         * and signs them all in seq order; the chain then verifies. From
         * schema 5 (1 and 3 HMAC-chained with chain_key_a, 4 recovered):
         * the old rows keep their HMAC chain, the device key signs a link
         * to the old head (3) and chains 4 after it. */
        CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE suspect IS NOT NULL"
                              " OR chain IS NOT NULL OR prev_chain IS NOT NULL"
                              " OR chain_key IS NOT NULL"),
                  v < 5 ? 0 : 2);
        if (v == 5) {
            /* Before the device key takes over (none given yet): the old
             * chain checks with its key; 4 is not chained yet. */
            dump_t d5;
            CHECK_INT(verify_problems_old(st, NULL, chain_key_a, &d5), 1);
            CHECK_STR(d5.text, "4:INSERTED");
        }
        CHECK_INT(hl_store_set_signer(st, DEV_A, &err), HL_OK);
        CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE chain IS NULL"), 0);
        CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE chain_sig IS NULL"),
                  v < 5 ? 0 : 2);
        CHECK_INT(db_int(dir, "SELECT count(*) FROM chain_links"), v < 5 ? 0 : 1);
        if (v == 5) {
            dump_t d5;
            CHECK_INT(verify_problems_old(st, DEV_A, chain_key_a, &d5), 0);
            CHECK_STR(d5.text, "");
            /* Without the old key: links followed, content not checked. */
            CHECK_INT(verify_problems(st, DEV_A, &d5), 0);
            CHECK_STR(d5.text, "1:UNCHECKED;3:UNCHECKED");
        }
        if (v) {
            CHECK_INT(db_int(dir, "SELECT prev_chain = '" ZERO64 "' FROM responses WHERE seq = 1"),
                      1);
            CHECK_INT(db_int(dir, "SELECT (SELECT prev_chain FROM responses WHERE seq = 4) ="
                                  " (SELECT chain FROM responses WHERE seq = 3)"),
                      1);
        }
        CHECK_INT(verify_problems_old(st, DEV_A, chain_key_a, NULL), 0);
        CHECK_INT(hl_store_set_duty(st, "off_m", "Quầy 9", &err), HL_OK);
        resp_init(&r, 900 + v);
        CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
        CHECK(r.seq > max_seq);
        CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE officer_id = 'off_m'"
                              " AND counter = 'Quầy 9'"),
                  1);
        /* The identity rule, re-created by the step, covers the new columns. */
        char *upd = sqlite3_mprintf("UPDATE responses SET officer_id = 'x' WHERE seq = %lld",
                                    (long long)r.seq);
        CHECK_INT(db_exec(path, upd) & 0xff, SQLITE_CONSTRAINT);
        sqlite3_free(upd);
        upd = sqlite3_mprintf("UPDATE responses SET counter = 'x' WHERE seq = %lld",
                              (long long)r.seq);
        CHECK_INT(db_exec(path, upd) & 0xff, SQLITE_CONSTRAINT);
        sqlite3_free(upd);
        upd = sqlite3_mprintf("UPDATE responses SET suspect = 'x' WHERE seq = %lld",
                              (long long)r.seq);
        CHECK_INT(db_exec(path, upd) & 0xff, SQLITE_CONSTRAINT);
        sqlite3_free(upd);
        pin.failures = 2;
        CHECK_INT(hl_store_pin_put(st, &pin, &err), HL_OK);
        CHECK_INT(hl_store_log(st, 1700000000000LL, "config", "migrated", &err), HL_OK);
        CHECK_INT(pin_of(st).failures, 2);
        dump_log(st, 1, &lg);
        CHECK_STR(lg.text, "1700000000000:config:migrated");
        CHECK_COUNTS(count_of(st, NULL, -1, NULL), v ? 3 : 0, v ? 1 : 0, v ? 2 : 0);
        /* Schema 2's exports table is there and works on a migrated file. */
        int64_t upto = -1;
        CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
        if (v < 2) CHECK_INT(upto, 0);
        CHECK_INT(hl_store_record_export(st, 1700000000000LL, 1, r.seq, 1, "m", "f", &err), HL_OK);
        CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
        CHECK_INT(upto, r.seq);
        /* Schema 3's sync tables work on a migrated file: the new response
         * is in progress, so the watermark stops before it. */
        const int64_t all[] = {1, 3, 4, r.seq};
        CHECK_INT(sync_ok(st, 1700000400000LL, all, 4, &err), HL_OK);
        sy = sync_state_of(st);
        CHECK_INT(sy.pending, 0);
        CHECK_INT(sy.delivered, v ? 3 : 0);
        CHECK_INT(sy.last_success_utc_ms, 1700000400000LL);
        CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), r.seq - 1);
        hl_store_close(st);
        check_integrity(dir);
        free(path);
        hl_test_rmtree(dir);
        free(dir);
    }
}

static void test_current_version_fixture_opens_with_its_data(void)
{
    /* The schema this build writes, kept as a fixture so that the next
     * version has a database of this one to migrate from. */
    char rel[64];
    snprintf(rel, sizeof rel, "store/v%d.sql", HL_STORE_SCHEMA_VERSION);
    char *sql = hl_test_read_file(hl_test_data(rel), NULL);
    CHECK(sql != NULL);
    if (!sql) return;
    char *dir = hl_test_tmpdir("store-fix");
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, sql), SQLITE_OK);
    free(sql);
    /* The fixture stores svc version 1 with a stand-in SHA-256: this kiosk
     * runs version 2 (the same file as version 1 would be refused). */
    test_survey_t sv;
    survey_make(&sv, "svc", 2, qids_v1, 4);
    int64_t recovered = -1;
    hl_store_t *st = store_open_ok(dir, &sv, &recovered);
    CHECK_INT(recovered, 1);
    dump_t d;
    dump_store(st, "svc", &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=very_satisfied,q_staff=5;"
                      "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
    hl_err_t err = {0};
    /* Schema 5: 1 and 3 are chained with the fixture's old key; schema 6:
     * the device key's signed link to 3; 4, recovered before any key was
     * set, is chained and signed when it is set. 3 is flagged. */
    CHECK_INT(verify_problems_old(st, DEV_A, chain_key_a, &d), 1);
    CHECK_STR(d.text, "4:INSERTED");
    CHECK_INT(hl_store_set_signer(st, DEV_A, &err), HL_OK);
    CHECK_INT(verify_problems_old(st, DEV_A, chain_key_a, NULL), 0);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM chain_links"), 1); /* not linked twice */
    int64_t head = -1;
    char hex[HL_CHAIN_HEX + 1], sig[HL_DEVKEY_SIG_HEX + 1], fpr[HL_DEVKEY_FPR_HEX + 1];
    CHECK_INT(hl_store_chain_head_signed(st, &head, hex, sig, fpr, &err), HL_OK);
    CHECK_INT(head, 4);
    CHECK_STR(fpr, DEV_A->fingerprint);
    CHECK(hl_devkey_verify_chain(DEV_A, "kiosk-01", 4, hex, sig));
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE seq = 3"
                          " AND suspect = 'min_interval' AND prev_chain = (SELECT chain FROM"
                          " responses WHERE seq = 1)"),
              1);
    hl_store_fair_t fair;
    CHECK_INT(hl_store_fair_counts(st, &fair, &err), HL_OK);
    CHECK_INT(fair.suspect, 1);
    CHECK_INT(fair.min_interval, 1);
    CHECK_INT(fair.max_per_hour, 0);
    hl_response_t r;
    resp_init(&r, 77);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(r.seq, 5); /* seq 2 was removed once: numbers never go back */
    int64_t upto = -1;
    CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
    CHECK_INT(upto, 3); /* the fixture's export of 1..3 */
    /* The fixture's sync state: 1 delivered, the last attempt failed. */
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.delivered, 1);
    CHECK_INT(sy.pending, 2);
    CHECK_INT(sy.oldest_pending_seq, 3);
    CHECK_INT(sy.oldest_pending_utc_ms, 1700000189000LL);
    CHECK_INT(sy.last_attempt_utc_ms, 1700000500000LL);
    CHECK_INT(sy.last_success_utc_ms, 1700000400000LL);
    CHECK_INT(sy.last_error_utc_ms, 1700000500000LL);
    CHECK_CONTAINS(sy.last_error, "HTTP 503");
    CHECK_STR(sy.stopped_fingerprint, "");
    dump_pending(st, 10, &d);
    CHECK_STR(d.text, "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
    /* Schema 4: who served, the PIN state and the technician log. */
    dump_duty(st, &d);
    CHECK_STR(d.text, "1:-/-;3:off_2/Quầy 2;4:off_2/Quầy 2;5:-/-");
    hl_pin_lock_t pin = pin_of(st);
    CHECK_INT(pin.failures, 2);
    CHECK_INT(pin.lockouts, 1);
    CHECK_INT(pin.locked_at_utc_ms, 1700000550000LL);
    CHECK_INT(pin.lock_ms, 300000);
    dump_log(st, 2, &d);
    CHECK_STR(d.text,
              "1700000960000:export:3 responses to /media/usb0;1700000900000:pin_ok:(null)");
    CHECK_COUNTS(count_of(st, NULL, -1, NULL), 3, 1, 2);
    CHECK_COUNTS(count_of(st, "svc", -1, "off_2"), 2, 0, 2);
    CHECK_STR(tally_of(st, NULL, -1, NULL, "q_service", &d), "bad=1;very_satisfied=1");
    hl_store_close(st);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

/* Opens dir expecting HL_ERR_CORRUPT and checks the file kept its bytes. */
static void expect_refused(const char *dir, const char *needle)
{
    char *path = db_path(dir);
    size_t n0 = 0, n1 = 0;
    char *before = hl_test_read_file(path, &n0);
    setup();
    hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
    hl_store_t *st = (hl_store_t *)1;
    hl_err_t err = {0};
    CHECK_INT(hl_store_open(dir, &o, &st, NULL, &err), HL_ERR_CORRUPT);
    CHECK(st == NULL);
    CHECK_CONTAINS(err.msg, needle);
    CHECK_CONTAINS(err.msg, "move it aside");
    CHECK_CONTAINS(err.msg, path);
    o.read_only = true;
    CHECK_INT(hl_store_open(dir, &o, &st, NULL, &err), HL_ERR_CORRUPT);
    char *after = hl_test_read_file(path, &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
    free(before);
    free(after);
    free(path);
}

static void test_refuses_garbage_file_without_modifying_it(void)
{
    char *dir = hl_test_tmpdir("store");
    free(hl_test_write_file(dir, HL_STORE_FILE, "this is a survey export, not a database\n"));
    expect_refused(dir, "not a SQLite database");
    /* Also a file with SQLite's magic but a damaged header. */
    char junk[4096];
    memset(junk, 'x', sizeof junk - 1);
    junk[sizeof junk - 1] = '\0';
    memcpy(junk, "SQLite format 3", 16);
    char *path = db_path(dir);
    FILE *f = fopen(path, "wb");
    fwrite(junk, 1, sizeof junk, f);
    fclose(f);
    expect_refused(dir, "damaged");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_refuses_foreign_application_database_without_modifying_it(void)
{
    char *dir = hl_test_tmpdir("store");
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "PRAGMA application_id = 1234; CREATE TABLE notes(x);"
                            "INSERT INTO notes VALUES ('keep me')"),
              SQLITE_OK);
    expect_refused(dir, "another program");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_refuses_database_with_foreign_tables_and_no_app_id(void)
{
    char *dir = hl_test_tmpdir("store");
    char *path = db_path(dir);
    CHECK_INT(
        db_exec(path, "PRAGMA journal_mode = WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)"),
        SQLITE_OK);
    expect_refused(dir, "another program");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_refuses_newer_schema_without_modifying_it(void)
{
    char *dir = hl_test_tmpdir("store");
    char *path = db_path(dir);
    char sql[128];
    snprintf(sql, sizeof sql,
             "PRAGMA application_id = %d; PRAGMA user_version = %d; CREATE TABLE t(x)",
             HL_STORE_APP_ID, HL_STORE_SCHEMA_VERSION + 1);
    CHECK_INT(db_exec(path, sql), SQLITE_OK);
    expect_refused(dir, "newer hailong");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Injected faults --------------------------------------------------------- */

/* One save under a fault plan: prior state q_service + q_staff in progress;
 * the save sets q_wait, drops q_staff and finishes (or, when creating, a new
 * response's first answer). For N = 1, 2, ... the Nth operation of kind op
 * fails until a run where the fault no longer hits the save. */
static void fault_loop(hl_fault_op_t op, int sqlite_rc, bool persistent, int want, bool creating)
{
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    const char *old_state =
        creating ? "1:complete:vi:q_service=ok" : "1:in_progress:vi:q_service=ok,q_staff=2";
    const char *new_state = creating ? "1:complete:vi:q_service=ok;2:in_progress:en:q_wait=no"
                                     : "1:complete:en:q_service=ok,q_wait=no";
    int failures = 0;
    for (long nth = 1; nth < 200; nth++) {
        char *dir = hl_test_tmpdir("store-fault");
        hl_store_t *st = store_open_ok(dir, &sv, NULL);
        if (!st) break;
        hl_err_t err = {0};
        hl_response_t r;
        resp_init(&r, 1);
        CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
        if (creating) {
            CHECK_INT(save_finish(st, &r, HL_RESP_COMPLETE, &err), HL_OK);
            resp_init(&r, 2);
        } else {
            CHECK_INT(save_set(st, &r, "q_staff", "2", 6, &err), HL_OK);
        }
        r.lang = HL_LANG_EN;
        const char *drop[] = {"q_staff"};
        hl_save_t s = {.set_qid = "q_wait", .set_value = "no", .set_ms = 7};
        if (!creating) {
            s.drop_qids = drop;
            s.n_drop = 1;
            s.status = HL_RESP_COMPLETE;
            s.finished_utc_ms = r.started_utc_ms + 8;
        }
        hl_response_t before = r;

        hl_faultvfs_arm(op, nth, persistent, sqlite_rc);
        int rc = hl_store_save(st, &r, &s, &err);
        bool fired = hl_faultvfs_fired();
        hl_faultvfs_disarm();
        dump_t d;
        dump_store(st, NULL, &d);
        if (rc != HL_OK) {
            failures++;
            CHECK(fired);
            CHECK_INT(rc, want);
            CHECK(err.msg[0] != '\0');
            CHECK(memcmp(&r, &before, sizeof r) == 0); /* seq, stored_lang unchanged */
            CHECK_STR(d.text, old_state);
            /* The fault is gone: the same save goes through. */
            rc = hl_store_save(st, &r, &s, &err);
            CHECK_INT(rc, HL_OK);
            dump_store(st, NULL, &d);
        }
        CHECK_STR(d.text, new_state);
        if (creating) CHECK_INT(r.seq, 2);
        hl_store_close(st);
        dump_dir(dir, &d);
        CHECK_STR(d.text, new_state);
        check_integrity(dir);
        hl_test_rmtree(dir);
        free(dir);
        if (!fired) break;
    }
    CHECK(failures > 0);
}

static void test_io_error_at_every_write_along_a_save_leaves_nothing_half_written(void)
{
    fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, false, HL_ERR_IO, false);
    fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, true, HL_ERR_IO, false);
    fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, false, HL_ERR_IO, true);
    fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, true, HL_ERR_IO, true);
}

static void test_failed_sync_returns_io_and_save_can_be_retried(void)
{
    fault_loop(HL_FAULT_SYNC, SQLITE_IOERR_FSYNC, false, HL_ERR_IO, false);
    fault_loop(HL_FAULT_SYNC, SQLITE_IOERR_FSYNC, true, HL_ERR_IO, true);
}

static void test_disk_full_returns_full_and_leaves_nothing_half_written(void)
{
    fault_loop(HL_FAULT_WRITE, SQLITE_FULL, false, HL_ERR_FULL, false);
    fault_loop(HL_FAULT_WRITE, SQLITE_FULL, true, HL_ERR_FULL, false);
    fault_loop(HL_FAULT_WRITE, SQLITE_FULL, true, HL_ERR_FULL, true);
}

static void test_read_errors_while_opening_fail_cleanly_and_keep_the_data(void)
{
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    char *dir = hl_test_tmpdir("store-read");
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    for (int i = 1; i <= 20; i++) {
        hl_response_t r;
        resp_init(&r, i);
        CHECK_INT(save_set(st, &r, "q_comment", "a longer answer to fill pages", 5, &err), HL_OK);
        CHECK_INT(save_finish(st, &r, HL_RESP_COMPLETE, &err), HL_OK);
    }
    hl_store_close(st);
    dump_t want, d;
    dump_dir(dir, &want);
    int failures = 0;
    for (long nth = 1; nth < 500; nth++) {
        hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
        hl_faultvfs_arm(HL_FAULT_READ, nth, false, SQLITE_IOERR_READ);
        st = NULL;
        int rc = hl_store_open(dir, &o, &st, NULL, &err);
        if (rc == HL_OK) {
            memset(&d, 0, sizeof d);
            rc = hl_store_foreach(st, NULL, 0, dump_row, &d, &err);
        }
        bool fired = hl_faultvfs_fired();
        hl_faultvfs_disarm();
        hl_store_close(st);
        if (rc != HL_OK) {
            failures++;
            CHECK(rc == HL_ERR_IO || rc == HL_ERR_CORRUPT);
            CHECK(err.msg[0] != '\0');
        }
        dump_dir(dir, &d);
        CHECK_STR(d.text, want.text);
        if (!fired) break;
    }
    CHECK(failures > 0);
    check_integrity(dir);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Real media ------------------------------------------------------------ */

/* Mounts a tmpfs of size on dir (root only). False, with a "skipped" line,
 * when that is not possible here. */
static bool mount_tmpfs(const char *dir, const char *opts, const char *test)
{
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", test);
        return false;
    }
    if (mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
        printf("skipped: %s: mount -t tmpfs -o %s failed: %s\n", test, opts, strerror(errno));
        return false;
    }
    return true;
}

static void test_real_full_disk_returns_full_and_keeps_earlier_answers(void)
{
    char *dir = hl_test_tmpdir("store-tmpfs");
    if (!mount_tmpfs(dir, "size=512k", __func__)) {
        hl_test_rmtree(dir);
        free(dir);
        return;
    }
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    char ballast_path[600];
    snprintf(ballast_path, sizeof ballast_path, "%s/ballast", dir);
    char big[64 * 1024];
    memset(big, 'b', sizeof big);
    FILE *f = fopen(ballast_path, "wb");
    CHECK(f && fwrite(big, 1, sizeof big, f) == sizeof big);
    if (f) fclose(f);

    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    char value[400];
    int rc = HL_OK;
    int64_t committed = 0; /* answers committed */
    int responses = 0;
    for (int i = 1; st && rc == HL_OK && i < 100000; i++) {
        hl_response_t r;
        resp_init(&r, i);
        for (int q = 0; q < 4 && rc == HL_OK; q++) {
            snprintf(value, sizeof value, "%d-%d-%0380d", i, q, 0);
            rc = save_set(st, &r, qids_v1[q], value, q, &err);
            if (rc == HL_OK) committed++;
        }
        if (rc == HL_OK) rc = save_finish(st, &r, HL_RESP_COMPLETE, &err);
        if (rc == HL_OK) responses++;
    }
    CHECK_INT(rc, HL_ERR_FULL);
    CHECK_CONTAINS(err.msg, "disk is full");
    CHECK(responses > 10);
    hl_store_close(st);

    /* Everything committed is there, read-only, with the disk still full. */
    dump_t d;
    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    hl_store_stats_t s;
    CHECK_INT(hl_store_stats(st, &s, &err), HL_OK);
    CHECK_INT(s.answers, committed);
    CHECK_INT(s.complete, responses);
    hl_store_close(st);
    /* With some space back, the store opens for writing and recovers. */
    unlink(ballast_path);
    int64_t recovered = -1;
    st = store_open_ok(dir, &sv, &recovered);
    CHECK_INT(recovered, committed > responses * 4 ? 1 : 0);
    CHECK_INT(hl_store_stats(st, &s, &err), HL_OK);
    CHECK_INT(s.answers, committed);
    hl_store_close(st);
    (void)d;
    check_integrity(dir);
    CHECK_INT(umount(dir), 0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_read_only_medium_returns_readonly(void)
{
    char *dir = hl_test_tmpdir("store-ro");
    if (!mount_tmpfs(dir, "size=64k", __func__)) {
        hl_test_rmtree(dir);
        free(dir);
        return;
    }
    CHECK_INT(mount("tmpfs", dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k"), 0);
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    CHECK_INT(hl_store_open(dir, NULL, &st, NULL, &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, dir);
    CHECK(st == NULL);
    CHECK_INT(umount(dir), 0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_read_only_medium_with_a_database_refuses_writes_and_still_reads(void)
{
    char *dir = hl_test_tmpdir("store-rodb");
    if (!mount_tmpfs(dir, "size=4m", __func__)) {
        hl_test_rmtree(dir);
        free(dir);
        return;
    }
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_err_t err = {0};
    char crash[600], cmd[2048];
    snprintf(crash, sizeof crash, "%s/crash", dir);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(save_finish(st, &r, HL_RESP_COMPLETE, &err), HL_OK);
    /* A power cut copy: the database and a -wal holding the commits, no
     * -shm (the medium was then write-protected). */
    snprintf(cmd, sizeof cmd, "mkdir %s && cp %s/hailong.db %s/hailong.db-wal %s/", crash, dir, dir,
             crash);
    CHECK_INT(system(cmd), 0);
    hl_store_close(st);
    CHECK_INT(mount("tmpfs", dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=4m"), 0);

    st = (hl_store_t *)1;
    CHECK_INT(hl_store_open(dir, NULL, &st, NULL, &err), HL_ERR_READONLY);
    CHECK(st == NULL);
    char want[700];
    snprintf(want, sizeof want,
             "the data folder %s is on a read-only file system: remount it read-write or "
             "choose another --data-dir",
             dir);
    CHECK_CONTAINS(err.msg, want);

    /* export and stats still read it (immutable: no -shm can be made). */
    hl_store_opts_t ro = {.read_only = true};
    st = NULL;
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    if (st) {
        dump_t d;
        dump_store(st, NULL, &d);
        CHECK_STR(d.text, "1:complete:vi:q_service=ok");
        hl_store_stats_t s;
        CHECK_INT(hl_store_stats(st, &s, &err), HL_OK);
        CHECK_INT(s.complete, 1);
        hl_store_close(st);
    }
    /* Commits still in a -wal cannot be read without a -shm: said plainly. */
    st = (hl_store_t *)1;
    int rc = hl_store_open(crash, &ro, &st, NULL, &err);
    if (rc == HL_OK) {
        /* A SQLite that reads it anyway must see the commits. */
        dump_t d;
        dump_store(st, NULL, &d);
        CHECK_STR(d.text, "1:complete:vi:q_service=ok");
        hl_store_close(st);
    } else {
        CHECK_INT(rc, HL_ERR_READONLY);
        CHECK(st == NULL);
        CHECK_CONTAINS(err.msg, "-wal holds changes not yet merged");
        CHECK_CONTAINS(err.msg, "remount it read-write");
    }
    CHECK_INT(umount(dir), 0);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_fault_vfs_counts_and_fails_the_nth_call(void)
{
    setup();
    char *dir = hl_test_tmpdir("store");
    char *path = db_path(dir);
    sqlite3 *db = NULL;
    CHECK_INT(
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, HL_FAULTVFS_NAME),
        SQLITE_OK);
    hl_faultvfs_reset_counts();
    CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    CHECK(hl_faultvfs_count(HL_FAULT_WRITE) > 0);
    CHECK(hl_faultvfs_count(HL_FAULT_SYNC) > 0);
    CHECK(hl_faultvfs_count(HL_FAULT_CHANGE) >= hl_faultvfs_count(HL_FAULT_WRITE));
    hl_faultvfs_arm(HL_FAULT_WRITE, 1, false, SQLITE_FULL);
    CHECK_INT(sqlite3_exec(db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_FULL);
    CHECK(hl_faultvfs_fired());
    hl_faultvfs_disarm();
    CHECK_INT(sqlite3_exec(db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Exports to sticks ----------------------------------------------------------- */

static void test_record_export_raises_exported_upto_and_shows_in_stats(void)
{
    char *dir = hl_test_tmpdir("store-exp");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    int64_t upto = -1;
    CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
    CHECK_INT(upto, 0);
    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(st, &stats, &err), HL_OK);
    CHECK_INT(stats.n_exports, 0);
    CHECK_INT(stats.last_export_utc_ms, -1);
    CHECK_INT(stats.exported_upto_seq, 0);

    CHECK_INT(hl_store_record_export(st, 1700000100000LL, 1, 3, 3, "UUID-1", "HAILONG/k/a", &err),
              HL_OK);
    CHECK_INT(hl_store_record_export(st, 1700000200000LL, 4, 9, 5, NULL, NULL, &err), HL_OK);
    /* A full re-export of older responses does not lower the mark. */
    CHECK_INT(hl_store_record_export(st, 1700000300000LL, 1, 5, 4, "UUID-2", "x", &err), HL_OK);
    CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
    CHECK_INT(upto, 9);
    CHECK_INT(hl_store_stats(st, &stats, &err), HL_OK);
    CHECK_INT(stats.n_exports, 3);
    CHECK_INT(stats.last_export_utc_ms, 1700000300000LL);
    CHECK_INT(stats.exported_upto_seq, 9);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM exports WHERE medium = 'UUID-1'"
                          " AND folder = 'HAILONG/k/a' AND responses = 3"),
              1);

    /* Refusals change nothing. */
    CHECK_INT(hl_store_record_export(st, 1, 5, 4, 1, NULL, NULL, &err), HL_ERR_USAGE);
    CHECK_INT(hl_store_record_export(st, 1, 0, 4, 1, NULL, NULL, &err), HL_ERR_USAGE);
    CHECK_INT(hl_store_record_export(st, 1, 1, 4, 0, NULL, NULL, &err), HL_ERR_USAGE);
    CHECK_INT(hl_store_batch_begin(st, &err), HL_OK);
    CHECK_INT(hl_store_record_export(st, 1, 1, 20, 1, NULL, NULL, &err), HL_ERR_STATE);
    CHECK_INT(hl_store_batch_end(st, &err), HL_OK);

    /* A failed write records nothing, and a retry does. */
    hl_faultvfs_arm(HL_FAULT_CHANGE, 1, false, SQLITE_IOERR_WRITE);
    int rc = hl_store_record_export(st, 1, 10, 20, 2, NULL, NULL, &err);
    bool fired = hl_faultvfs_fired();
    hl_faultvfs_disarm();
    CHECK(fired);
    CHECK_INT(rc, HL_ERR_IO);
    CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
    CHECK_INT(upto, 9);
    CHECK_INT(hl_store_record_export(st, 1, 10, 20, 2, NULL, NULL, &err), HL_OK);
    hl_store_close(st);

    /* Read-only: read, never recorded. */
    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    CHECK_INT(hl_store_exported_upto(st, &upto, &err), HL_OK);
    CHECK_INT(upto, 20);
    CHECK_INT(hl_store_record_export(st, 1, 21, 22, 2, NULL, NULL, &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, "read-only");
    hl_store_close(st);
    check_integrity(dir);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_export_range_stops_before_the_first_response_in_progress(void)
{
    char *dir = hl_test_tmpdir("store-exp");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_store_range_t rg;
    CHECK_INT(hl_store_export_range(st, 0, &rg, &err), HL_OK);
    CHECK_INT(rg.upto, 0);
    CHECK_INT(rg.responses, 0);
    CHECK_INT(rg.in_progress_seq, 0);

    /* seq 1, 2 finished, 3 in progress, 4 finished. */
    hl_response_t r[4];
    for (int i = 0; i < 4; i++) {
        resp_init(&r[i], i + 1);
        CHECK_INT(save_set(st, &r[i], "q_service", "ok", 5, &err), HL_OK);
        if (i != 2) CHECK_INT(save_finish(st, &r[i], HL_RESP_COMPLETE, &err), HL_OK);
    }
    CHECK_INT(hl_store_export_range(st, 0, &rg, &err), HL_OK);
    CHECK_INT(rg.upto, 2);
    CHECK_INT(rg.responses, 2);
    CHECK_INT(rg.in_progress_seq, 3);
    CHECK_INT(hl_store_export_range(st, 2, &rg, &err), HL_OK);
    CHECK_INT(rg.upto, 2); /* blocked at once: nothing to export */
    CHECK_INT(rg.responses, 0);
    CHECK_INT(rg.in_progress_seq, 3);
    /* Once it is finished, the range runs to the end. */
    CHECK_INT(save_finish(st, &r[2], HL_RESP_PARTIAL, &err), HL_OK);
    CHECK_INT(hl_store_export_range(st, 2, &rg, &err), HL_OK);
    CHECK_INT(rg.upto, 4);
    CHECK_INT(rg.responses, 2);
    CHECK_INT(rg.in_progress_seq, 0);
    CHECK_INT(hl_store_export_range(st, 4, &rg, &err), HL_OK);
    CHECK_INT(rg.upto, 4);
    CHECK_INT(rg.responses, 0);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

/* ---- Network sync ------------------------------------------------------------ */

static void test_sync_pending_walks_finished_responses_in_seq_order_up_to_the_limit(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    dump_t d;
    dump_pending(st, 10, &d);
    CHECK_INT(d.rows, 0);
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.pending, 0);
    CHECK_INT(sy.oldest_pending_seq, 0);
    CHECK_INT(sy.oldest_pending_utc_ms, -1);

    hl_response_t r[4];
    store_responses(st, r, 1, 4, 0);
    CHECK_INT(save_set(st, &r[1], "q_staff", "3", 9, &err), HL_ERR_STATE); /* finished */
    hl_response_t r5;
    resp_init(&r5, 5);
    CHECK_INT(save_set(st, &r5, "q_wait", "yes", 5, &err), HL_OK);
    CHECK_INT(save_set(st, &r5, "q_staff", "2", 6, &err), HL_OK);
    CHECK_INT(save_finish(st, &r5, HL_RESP_PARTIAL, &err), HL_OK);
    dump_pending(st, 100, &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok;"
                      "3:complete:vi:q_service=ok;4:complete:vi:q_service=ok;"
                      "5:partial:vi:q_staff=2,q_wait=yes");
    dump_pending(st, 2, &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok");
    /* Delivered ones are skipped, also after a gap the watermark cannot pass. */
    const int64_t some[] = {1, 3};
    CHECK_INT(sync_ok(st, 1700001000000LL, some, 2, &err), HL_OK);
    dump_pending(st, 2, &d);
    CHECK_STR(d.text, "2:complete:vi:q_service=ok;4:complete:vi:q_service=ok");
    dump_pending(st, 1, &d);
    CHECK_STR(d.text, "2:complete:vi:q_service=ok");
    sy = sync_state_of(st);
    CHECK_INT(sy.pending, 3);
    CHECK_INT(sy.delivered, 2);
    CHECK_INT(sy.oldest_pending_seq, 2);
    CHECK_INT(sy.oldest_pending_utc_ms, r[1].started_utc_ms + 9000);
    /* A limit must be a count. */
    CHECK_INT(hl_store_foreach_pending(st, 0, dump_row, &d, &err), HL_ERR_USAGE);
    CHECK_INT(hl_store_foreach_pending(st, -1, dump_row, &d, &err), HL_ERR_USAGE);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sync_in_progress_response_is_never_walked_nor_marked(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r[3];
    store_responses(st, r, 1, 3, 1u << 1); /* 2 stays in progress */
    dump_t d;
    dump_pending(st, 10, &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=ok;3:complete:vi:q_service=ok");
    const int64_t two[] = {2};
    CHECK_INT(sync_ok(st, 1700001000000LL, two, 1, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM sync_delivered"), 0);
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.delivered, 0);
    CHECK_INT(sy.pending, 2);
    CHECK_INT(sy.last_attempt_utc_ms, 1700001000000LL);
    /* It can still change, and is pending once finished. */
    CHECK_INT(save_set(st, &r[1], "q_staff", "4", 7, &err), HL_OK);
    CHECK_INT(save_finish(st, &r[1], HL_RESP_COMPLETE, &err), HL_OK);
    dump_pending(st, 10, &d);
    CHECK_STR(d.text, "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok,q_staff=4;"
                      "3:complete:vi:q_service=ok");
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sync_record_marks_delivered_and_moves_watermark_past_gaps(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    /* 1 finished; 2 removed (its only answer dropped); 3, 4 finished; 5 in
     * progress; 6, 7 finished. */
    hl_response_t r1[1], gone, r3[2], r5[3];
    store_responses(st, r1, 1, 1, 0);
    resp_init(&gone, 2);
    CHECK_INT(save_set(st, &gone, "q_wait", "no", 5, &err), HL_OK);
    const char *drop[] = {"q_wait"};
    hl_save_t s = {.drop_qids = drop, .n_drop = 1};
    CHECK_INT(hl_store_save(st, &gone, &s, &err), HL_OK);
    CHECK_INT(gone.seq, 0);
    store_responses(st, r3, 3, 2, 0);
    store_responses(st, r5, 5, 3, 1u << 0);
    CHECK_INT(r5[2].seq, 7);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 0);

    /* Nothing delivered: the watermark stays. */
    CHECK_INT(sync_ok(st, 1700001000000LL, NULL, 0, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 0);
    /* 3 and 4 delivered, 1 not yet: still 0. */
    const int64_t a[] = {4, 3};
    CHECK_INT(sync_ok(st, 1700001000000LL, a, 2, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 0);
    /* 1 delivered: past the removed 2 up to the response in progress. An
     * unknown seq and marks already made are no-ops. */
    const int64_t b[] = {1, 3, 999, 6, 7};
    CHECK_INT(sync_ok(st, 1700002000000LL, b, 5, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 4);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM sync_delivered"), 5);
    CHECK_INT(db_int(dir, "SELECT delivered_utc_ms FROM sync_delivered WHERE seq = 3"),
              1700001000000LL);
    CHECK_INT(db_int(dir, "SELECT delivered_utc_ms FROM sync_delivered WHERE seq = 1"),
              1700002000000LL);
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.delivered, 5);
    CHECK_INT(sy.pending, 0);
    CHECK_INT(sy.oldest_pending_seq, 0);
    dump_t d;
    dump_pending(st, 10, &d);
    CHECK_INT(d.rows, 0);
    /* Marking the same again is harmless. */
    CHECK_INT(sync_ok(st, 1700003000000LL, b, 5, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM sync_delivered"), 5);
    CHECK_INT(db_int(dir, "SELECT delivered_utc_ms FROM sync_delivered WHERE seq = 1"),
              1700002000000LL);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 4);

    /* The response in the gap is finished later: it shows as pending (before
     * the watermark could pass it) and its mark moves the watermark to the end. */
    CHECK_INT(save_finish(st, &r5[0], HL_RESP_PARTIAL, &err), HL_OK);
    dump_pending(st, 10, &d);
    CHECK_STR(d.text, "5:partial:vi:q_service=ok");
    sy = sync_state_of(st);
    CHECK_INT(sy.pending, 1);
    CHECK_INT(sy.oldest_pending_seq, 5);
    CHECK_INT(sy.oldest_pending_utc_ms, r5[0].started_utc_ms + 9000);
    const int64_t c[] = {5};
    CHECK_INT(sync_ok(st, 1700004000000LL, c, 1, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 7);
    sy = sync_state_of(st);
    CHECK_INT(sy.pending, 0);
    CHECK_INT(sy.delivered, 6);
    /* A new response after the watermark is pending. */
    hl_response_t r8[1];
    store_responses(st, r8, 8, 1, 0);
    dump_pending(st, 10, &d);
    CHECK_STR(d.text, "8:complete:vi:q_service=ok");
    hl_store_close(st);
    check_integrity(dir);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sync_success_clears_error_and_failure_keeps_last_success(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r[2];
    store_responses(st, r, 1, 2, 0);
    /* A failure first: no success yet. */
    hl_store_sync_rec_t fail = {.at_utc_ms = 1000, .error = "cannot resolve survey.example.org"};
    CHECK_INT(hl_store_sync_record(st, &fail, &err), HL_OK);
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.last_attempt_utc_ms, 1000);
    CHECK_INT(sy.last_success_utc_ms, -1);
    CHECK_INT(sy.last_error_utc_ms, 1000);
    CHECK_STR(sy.last_error, "cannot resolve survey.example.org");
    CHECK_INT(sy.pending, 2);
    /* Success: the error is cleared. */
    const int64_t one[] = {1};
    CHECK_INT(sync_ok(st, 2000, one, 1, &err), HL_OK);
    sy = sync_state_of(st);
    CHECK_INT(sy.last_attempt_utc_ms, 2000);
    CHECK_INT(sy.last_success_utc_ms, 2000);
    CHECK_INT(sy.last_error_utc_ms, -1);
    CHECK_STR(sy.last_error, "");
    CHECK_INT(sy.pending, 1);
    /* A failure keeps the last success; one without a reason still shows. */
    fail.at_utc_ms = 3000;
    fail.error = NULL;
    CHECK_INT(hl_store_sync_record(st, &fail, &err), HL_OK);
    sy = sync_state_of(st);
    CHECK_INT(sy.last_attempt_utc_ms, 3000);
    CHECK_INT(sy.last_success_utc_ms, 2000);
    CHECK_INT(sy.last_error_utc_ms, 3000);
    CHECK(sy.last_error[0] != '\0');
    /* A long error is cut to 511 bytes, never inside a UTF-8 character:
     * here "ệ" (3 bytes) would straddle the cut at 511. */
    char longmsg[700];
    memset(longmsg, 'x', 510);
    memcpy(longmsg + 510, "\xe1\xbb\x87", 3);
    memset(longmsg + 513, 'y', 100);
    longmsg[613] = '\0';
    fail.at_utc_ms = 4000;
    fail.error = longmsg;
    CHECK_INT(hl_store_sync_record(st, &fail, &err), HL_OK);
    sy = sync_state_of(st);
    CHECK_INT(strlen(sy.last_error), 510);
    CHECK_INT(db_int(dir, "SELECT length(CAST(last_error AS BLOB)) FROM sync_state"), 510);
    /* Exactly 511 bytes are kept whole. */
    longmsg[511] = '\0';
    memset(longmsg, 'z', 511);
    CHECK_INT(hl_store_sync_record(st, &fail, &err), HL_OK);
    sy = sync_state_of(st);
    CHECK_INT(strlen(sy.last_error), 511);
    CHECK_INT(sy.last_success_utc_ms, 2000);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sync_stop_fingerprint_is_set_kept_and_cleared(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    hl_store_t *st = store_open_ok(dir, NULL, NULL);
    hl_err_t err = {0};
    char fp[65];
    memset(fp, 'a', 64);
    fp[64] = '\0';
    hl_store_sync_rec_t rec = {.at_utc_ms = 1000, .error = "HTTP 401", .stop_fingerprint = fp};
    CHECK_INT(hl_store_sync_record(st, &rec, &err), HL_OK);
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_STR(sy.stopped_fingerprint, fp);
    /* NULL leaves it as it is. */
    rec.stop_fingerprint = NULL;
    rec.at_utc_ms = 2000;
    CHECK_INT(hl_store_sync_record(st, &rec, &err), HL_OK);
    sy = sync_state_of(st);
    CHECK_STR(sy.stopped_fingerprint, fp);
    CHECK_INT(sy.last_attempt_utc_ms, 2000);
    /* Too long for a fingerprint: refused, nothing recorded. */
    char big[80];
    memset(big, 'b', 79);
    big[79] = '\0';
    rec.stop_fingerprint = big;
    rec.at_utc_ms = 3000;
    CHECK_INT(hl_store_sync_record(st, &rec, &err), HL_ERR_USAGE);
    sy = sync_state_of(st);
    CHECK_STR(sy.stopped_fingerprint, fp);
    CHECK_INT(sy.last_attempt_utc_ms, 2000);
    /* "" clears it. */
    rec.stop_fingerprint = "";
    rec.at_utc_ms = 4000;
    CHECK_INT(hl_store_sync_record(st, &rec, &err), HL_OK);
    sy = sync_state_of(st);
    CHECK_STR(sy.stopped_fingerprint, "");
    CHECK_INT(db_int(dir, "SELECT stopped_fingerprint IS NULL FROM sync_state"), 1);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sync_read_only_store_reads_state_and_pending_but_refuses_record(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r[3];
    store_responses(st, r, 1, 3, 0);
    const int64_t one[] = {1};
    CHECK_INT(sync_ok(st, 5000, one, 1, &err), HL_OK);
    hl_store_close(st);

    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.delivered, 1);
    CHECK_INT(sy.pending, 2);
    CHECK_INT(sy.oldest_pending_seq, 2);
    CHECK_INT(sy.last_success_utc_ms, 5000);
    dump_t d;
    dump_pending(st, 10, &d);
    CHECK_STR(d.text, "2:complete:vi:q_service=ok;3:complete:vi:q_service=ok");
    const int64_t two[] = {2};
    CHECK_INT(sync_ok(st, 6000, two, 1, &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, "read-only");
    sy = sync_state_of(st);
    CHECK_INT(sy.delivered, 1);
    CHECK_INT(sy.last_attempt_utc_ms, 5000);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sync_record_refused_inside_a_batch_or_without_a_record(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r[1];
    store_responses(st, r, 1, 1, 0);
    CHECK_INT(hl_store_sync_record(st, NULL, &err), HL_ERR_USAGE);
    hl_store_sync_rec_t bad = {.at_utc_ms = 1, .n_delivered = 2, .success = true};
    CHECK_INT(hl_store_sync_record(st, &bad, &err), HL_ERR_USAGE);
    CHECK_INT(hl_store_batch_begin(st, &err), HL_OK);
    const int64_t one[] = {1};
    CHECK_INT(sync_ok(st, 1000, one, 1, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "batch");
    /* Reading works inside a batch. */
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.pending, 1);
    CHECK_INT(hl_store_batch_end(st, &err), HL_OK);
    sy = sync_state_of(st);
    CHECK_INT(sy.delivered, 0);
    CHECK_INT(sy.last_attempt_utc_ms, -1);
    CHECK_INT(sync_ok(st, 1000, one, 1, &err), HL_OK);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_sync_marks_and_watermark_cannot_be_removed_or_lowered_by_sql(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r[2];
    store_responses(st, r, 1, 2, 0);
    const int64_t both[] = {1, 2};
    CHECK_INT(sync_ok(st, 1000, both, 2, &err), HL_OK);
    hl_store_close(st);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "DELETE FROM sync_delivered WHERE seq = 1") & 0xff, SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE sync_delivered SET delivered_utc_ms = 0") & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE sync_delivered SET seq = 9 WHERE seq = 2") & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE sync_state SET upto = 1") & 0xff, SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "DELETE FROM sync_state") & 0xff, SQLITE_CONSTRAINT);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM sync_delivered"), 2);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 2);
    /* Other columns may change, and upto may rise. */
    CHECK_INT(db_exec(path, "UPDATE sync_state SET upto = 3, last_error = 'x'"), SQLITE_OK);
    /* A file whose state row was removed by another program (triggers
     * dropped) is reported, not silently recorded in. */
    CHECK_INT(db_exec(path, "DROP TRIGGER sync_state_keep; DELETE FROM sync_state"), SQLITE_OK);
    st = store_open_ok(dir, &sv, NULL);
    CHECK_INT(sync_ok(st, 2000, NULL, 0, &err), HL_ERR_INTERNAL);
    CHECK_CONTAINS(err.msg, "no sync state row");
    hl_store_sync_t sy = sync_state_of(st);
    CHECK_INT(sy.last_attempt_utc_ms, -1);
    CHECK_INT(sy.delivered, 0); /* the count lives in the removed row */
    hl_store_close(st);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

/* One sync record under a fault plan: responses 1..3 finished, 1 delivered
 * before; the record marks 2 and 3, succeeds and stops on a fingerprint. For
 * N = 1, 2, ... the Nth operation of kind op fails until a run where the
 * fault no longer hits the record; a failed record leaves nothing of it. */
static void sync_fault_loop(hl_fault_op_t op, int sqlite_rc, bool persistent, int want)
{
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    int failures = 0;
    for (long nth = 1; nth < 200; nth++) {
        char *dir = hl_test_tmpdir("store-sync-fault");
        hl_store_t *st = store_open_ok(dir, &sv, NULL);
        if (!st) break;
        hl_err_t err = {0};
        hl_response_t r[3];
        store_responses(st, r, 1, 3, 0);
        hl_store_sync_rec_t first = {.at_utc_ms = 1000, .error = "timeout"};
        CHECK_INT(hl_store_sync_record(st, &first, &err), HL_OK);
        const int64_t one[] = {1};
        CHECK_INT(sync_ok(st, 2000, one, 1, &err), HL_OK);
        hl_store_sync_t before = sync_state_of(st);
        const int64_t seqs[] = {2, 3};
        hl_store_sync_rec_t rec = {.at_utc_ms = 3000,
                                   .delivered = seqs,
                                   .n_delivered = 2,
                                   .success = true,
                                   .stop_fingerprint = "abcd"};

        hl_faultvfs_arm(op, nth, persistent, sqlite_rc);
        int rc = hl_store_sync_record(st, &rec, &err);
        bool fired = hl_faultvfs_fired();
        hl_faultvfs_disarm();
        if (rc != HL_OK) {
            failures++;
            CHECK(fired);
            CHECK_INT(rc, want);
            CHECK(err.msg[0] != '\0');
            hl_store_sync_t now = sync_state_of(st);
            CHECK(memcmp(&now, &before, sizeof now) == 0);
            dump_t d;
            dump_pending(st, 10, &d);
            CHECK_STR(d.text, "2:complete:vi:q_service=ok;3:complete:vi:q_service=ok");
            /* The fault is gone: the same record goes through. */
            CHECK_INT(hl_store_sync_record(st, &rec, &err), HL_OK);
        }
        hl_store_sync_t sy = sync_state_of(st);
        CHECK_INT(sy.delivered, 3);
        CHECK_INT(sy.pending, 0);
        CHECK_INT(sy.last_success_utc_ms, 3000);
        CHECK_STR(sy.stopped_fingerprint, "abcd");
        hl_store_close(st);
        CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 3);
        check_integrity(dir);
        hl_test_rmtree(dir);
        free(dir);
        if (!fired) break;
    }
    CHECK(failures > 0);
}

static void test_sync_failed_write_during_record_records_nothing(void)
{
    sync_fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, false, HL_ERR_IO);
    sync_fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, true, HL_ERR_IO);
    sync_fault_loop(HL_FAULT_WRITE, SQLITE_FULL, true, HL_ERR_FULL);
}

static void test_sync_state_survives_close_and_reopen(void)
{
    char *dir = hl_test_tmpdir("store-sync");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r[4];
    store_responses(st, r, 1, 4, 0);
    const int64_t some[] = {1, 2, 4};
    CHECK_INT(sync_ok(st, 1000, some, 3, &err), HL_OK);
    hl_store_sync_rec_t rec = {
        .at_utc_ms = 2000, .error = "HTTP 403: kiosk not enrolled", .stop_fingerprint = "f00d"};
    CHECK_INT(hl_store_sync_record(st, &rec, &err), HL_OK);
    hl_store_sync_t before = sync_state_of(st);
    hl_store_close(st);

    st = store_open_ok(dir, &sv, NULL);
    hl_store_sync_t after = sync_state_of(st);
    CHECK(memcmp(&before, &after, sizeof after) == 0);
    CHECK_INT(after.delivered, 3);
    CHECK_INT(after.pending, 1);
    CHECK_INT(after.oldest_pending_seq, 3);
    CHECK_INT(after.last_success_utc_ms, 1000);
    CHECK_INT(after.last_attempt_utc_ms, 2000);
    CHECK_INT(after.last_error_utc_ms, 2000);
    CHECK_STR(after.last_error, "HTTP 403: kiosk not enrolled");
    CHECK_STR(after.stopped_fingerprint, "f00d");
    dump_t d;
    dump_pending(st, 10, &d);
    CHECK_STR(d.text, "3:complete:vi:q_service=ok");
    hl_store_close(st);
    CHECK_INT(db_int(dir, "SELECT upto FROM sync_state"), 2);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_duty_is_recorded_in_new_responses_and_not_in_started_ones(void)
{
    char *dir = hl_test_tmpdir("store-duty");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r1, r2, r3;
    resp_init(&r1, 1); /* started before anybody is on duty */
    CHECK_INT(save_set(st, &r1, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(hl_store_set_duty(st, "off_a", "Quầy 1", &err), HL_OK);
    CHECK_INT(save_set(st, &r1, "q_staff", "5", 6, &err), HL_OK);
    CHECK_INT(save_finish(st, &r1, HL_RESP_COMPLETE, &err), HL_OK);
    resp_init(&r2, 2);
    CHECK_INT(save_set(st, &r2, "q_service", "ok", 5, &err), HL_OK);
    /* Bad ids and long names are refused and change nothing. */
    CHECK_INT(hl_store_set_duty(st, "Off A", "x", &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "officer id");
    CHECK_INT(hl_store_set_duty(st, "abcdefghijklmnopqrstuvwxyz0123456", "x", &err),
              HL_ERR_USAGE); /* 33 bytes */
    char name[122];
    memset(name, 'a', 121);
    name[121] = '\0';
    CHECK_INT(hl_store_set_duty(st, "off_b", name, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "counter");
    resp_init(&r3, 3);
    CHECK_INT(save_set(st, &r3, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(save_finish(st, &r3, HL_RESP_COMPLETE, &err), HL_OK);
    /* Off duty: "" and NULL both mean nobody; a counter without officer. */
    CHECK_INT(hl_store_set_duty(st, "", "", &err), HL_OK);
    hl_response_t r4, r5;
    resp_init(&r4, 4);
    CHECK_INT(save_set(st, &r4, "q_service", "ok", 5, &err), HL_OK);
    name[120] = '\0';
    CHECK_INT(hl_store_set_duty(st, NULL, name, &err), HL_OK); /* 120 bytes: fine */
    resp_init(&r5, 5);
    CHECK_INT(save_set(st, &r5, "q_service", "ok", 5, &err), HL_OK);
    CHECK_INT(save_finish(st, &r5, HL_RESP_PARTIAL, &err), HL_OK);
    /* r2 is finished after the duty changed: it keeps the officer it started with. */
    CHECK_INT(save_finish(st, &r2, HL_RESP_COMPLETE, &err), HL_OK);
    dump_t d;
    dump_duty(st, &d);
    char want[512];
    snprintf(want, sizeof want, "1:-/-;2:off_a/Quầy 1;3:off_a/Quầy 1;4:-/-;5:-/%s", name);
    CHECK_STR(d.text, want);
    hl_store_close(st);

    /* Kept across a restart; sync rows carry them too; the duty itself is
     * not kept (the kiosk sets it again). */
    st = store_open_ok(dir, &sv, NULL);
    dump_duty_pending(st, &d);
    snprintf(want, sizeof want, "1:-/-;2:off_a/Quầy 1;3:off_a/Quầy 1;4:-/-;5:-/%s", name);
    CHECK_STR(d.text, want); /* 4 was finished as partial by recovery */
    hl_response_t r6;
    resp_init(&r6, 6);
    CHECK_INT(save_set(st, &r6, "q_service", "ok", 5, &err), HL_OK);
    hl_store_close(st);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE officer_id IS NULL"), 4);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE counter IS NULL"), 3);
    check_integrity(dir);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_identity_trigger_refuses_changing_officer_or_counter(void)
{
    char *dir = hl_test_tmpdir("store-duty");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r1, r2;
    resp_init(&r1, 1);
    CHECK_INT(save_set(st, &r1, "q_service", "ok", 5, &err), HL_OK); /* nobody on duty */
    CHECK_INT(hl_store_set_duty(st, "off_a", "Quầy 1", &err), HL_OK);
    resp_init(&r2, 2);
    CHECK_INT(save_set(st, &r2, "q_service", "ok", 5, &err), HL_OK);
    /* Both left in progress: only the identity rule stands in the way. */
    hl_store_close(st);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "UPDATE responses SET officer_id = 'off_x' WHERE seq = 2") & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE responses SET officer_id = NULL WHERE seq = 2") & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE responses SET officer_id = 'off_x' WHERE seq = 1") & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE responses SET counter = 'other' WHERE seq = 2") & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE responses SET counter = 'other' WHERE seq = 1") & 0xff,
              SQLITE_CONSTRAINT);
    /* What may change while in progress still can. */
    CHECK_INT(db_exec(path, "UPDATE responses SET lang = 'en' WHERE seq = 2"), SQLITE_OK);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE officer_id = 'off_a'"
                          " AND counter = 'Quầy 1'"),
              1);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE officer_id IS NULL"), 1);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_pin_state_round_trips_across_reopen_without_in_run_fields(void)
{
    char *dir = hl_test_tmpdir("store-pin");
    hl_store_t *st = store_open_ok(dir, NULL, NULL);
    hl_pin_lock_t fresh;
    hl_pin_lock_init(&fresh);
    hl_pin_lock_t l = pin_of(st);
    CHECK(memcmp(&l, &fresh, sizeof l) == 0); /* a fresh store: hl_pin_lock_init's state */
    CHECK_INT(l.locked_at_utc_ms, -1);
    hl_pin_lock_t put = {.failures = 3,
                         .lockouts = 2,
                         .locked_at_utc_ms = 1700000123456LL,
                         .lock_ms = 20 * 60 * 1000,
                         .since_mono_ms = 555,
                         .left_at_since_ms = 777};
    hl_err_t err = {0};
    CHECK_INT(hl_store_pin_put(st, &put, &err), HL_OK);
    hl_store_close(st);

    st = store_open_ok(dir, NULL, NULL);
    l = pin_of(st);
    CHECK_INT(l.failures, 3);
    CHECK_INT(l.lockouts, 2);
    CHECK_INT(l.locked_at_utc_ms, 1700000123456LL);
    CHECK_INT(l.lock_ms, 20 * 60 * 1000);
    CHECK_INT(l.since_mono_ms, fresh.since_mono_ms); /* in-run: not stored */
    CHECK_INT(l.left_at_since_ms, fresh.left_at_since_ms);
    /* A right PIN clears it, and that is kept too. */
    CHECK_INT(hl_store_pin_put(st, &fresh, &err), HL_OK);
    hl_store_close(st);
    st = store_open_ok(dir, NULL, NULL);
    l = pin_of(st);
    CHECK(memcmp(&l, &fresh, sizeof l) == 0);
    hl_store_close(st);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM pin_state"), 1);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "DELETE FROM pin_state") & 0xff, SQLITE_CONSTRAINT);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_log_recent_gives_newest_first_in_log_order(void)
{
    char *dir = hl_test_tmpdir("store-log");
    hl_store_t *st = store_open_ok(dir, NULL, NULL);
    hl_err_t err = {0};
    dump_t d;
    dump_log(st, 10, &d);
    CHECK_INT(d.rows, 0);
    CHECK_INT(hl_store_log(st, 1000, "pin_wrong", NULL, &err), HL_OK);
    CHECK_INT(hl_store_log(st, 2000, "pin_ok", NULL, &err), HL_OK);
    CHECK_INT(hl_store_log(st, 3000, "export", "12 responses to /media/usb0", &err), HL_OK);
    /* The wall clock went back: the log keeps the order things happened in. */
    CHECK_INT(hl_store_log(st, 500, "config", "sync.url changed", &err), HL_OK);
    CHECK_INT(hl_store_log(st, 4000, "Bad Event", NULL, &err), HL_ERR_USAGE);
    CHECK_INT(hl_store_log(st, 4000, "", NULL, &err), HL_ERR_USAGE);
    dump_log(st, 2, &d);
    CHECK_STR(d.text, "500:config:sync.url changed;3000:export:12 responses to /media/usb0");
    hl_store_close(st);
    st = store_open_ok(dir, NULL, NULL);
    dump_log(st, 10, &d);
    CHECK_STR(d.text, "500:config:sync.url changed;3000:export:12 responses to /media/usb0;"
                      "2000:pin_ok:(null);1000:pin_wrong:(null)");
    dump_log(st, 0, &d);
    CHECK_INT(d.rows, 0);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

#define T_DAY  1699920000000LL /* 2023-11-14T00:00:00Z */
#define T_HOUR 3600000LL
#define T_MIN  60000LL

/* One response of the survey in use started at `at`: q=v answered (q NULL:
 * q_staff=5), finished with status (in progress: left open). */
static void tally_add(hl_store_t *st, int n, int64_t at, const char *q, const char *v,
                      hl_resp_status_t status)
{
    hl_response_t r;
    hl_err_t err = {0};
    resp_init(&r, n);
    r.started_utc_ms = at;
    CHECK_INT(save_set(st, &r, q ? q : "q_staff", q ? v : "5", 10, &err), HL_OK);
    if (status != HL_RESP_IN_PROGRESS) CHECK_INT(save_finish(st, &r, status, &err), HL_OK);
}

/* The tally fixture (hand-counted in the test below):
 *   seq survey    officer started (UTC)      answer          status
 *   1   svc v1    off_a   day 1 01:05        q_service=good  complete
 *   2   svc v1    off_a   day 1 01:30        q_service=bad   partial
 *   3   svc v1    off_a   day 1 03:00        q_service=good  in progress
 *   4   svc v1    off_b   day 1 09:00        q_service=good  complete
 *   5   svc v1    off_b   day 1 23:30        q_staff=5       complete
 *   6   svc v2    off_b   day 2 02:00        q_service=bad   complete
 *   7   svc v2    off_b   day 2 09:00        q_wait=yes      partial
 *   8   svc v2    -       day 2 10:00        q_service=good  complete
 *   9   other v1  -       day 2 10:01        q_service=good  complete
 * q_service sits at another position in each survey version. */
static hl_store_t *tally_store(const char *dir)
{
    static const char *const v2q[] = {"q_wait", "q_service", "q_staff"};
    static const char *const oq[] = {"q_x", "q_service"};
    test_survey_t v1, v2, ot;
    survey_make(&v1, "svc", 1, qids_v1, 4);
    survey_make(&v2, "svc", 2, v2q, 3);
    survey_make(&ot, "other", 1, oq, 2);
    hl_store_t *st = store_open_ok(dir, &v1, NULL);
    if (!st) return NULL;
    hl_err_t err = {0};
    CHECK_INT(hl_store_set_duty(st, "off_a", "Quầy 1", &err), HL_OK);
    tally_add(st, 1, T_DAY + T_HOUR + 5 * T_MIN, "q_service", "good", HL_RESP_COMPLETE);
    tally_add(st, 2, T_DAY + T_HOUR + 30 * T_MIN, "q_service", "bad", HL_RESP_PARTIAL);
    tally_add(st, 3, T_DAY + 3 * T_HOUR, "q_service", "good", HL_RESP_IN_PROGRESS);
    CHECK_INT(hl_store_set_duty(st, "off_b", "Quầy 2", &err), HL_OK);
    tally_add(st, 4, T_DAY + 9 * T_HOUR, "q_service", "good", HL_RESP_COMPLETE);
    tally_add(st, 5, T_DAY + 23 * T_HOUR + 30 * T_MIN, NULL, NULL, HL_RESP_COMPLETE);
    CHECK_INT(hl_store_use_survey(st, &v2.s, "kiosk-01", &err), HL_OK);
    tally_add(st, 6, T_DAY + 26 * T_HOUR, "q_service", "bad", HL_RESP_COMPLETE);
    tally_add(st, 7, T_DAY + 33 * T_HOUR, "q_wait", "yes", HL_RESP_PARTIAL);
    CHECK_INT(hl_store_set_duty(st, NULL, NULL, &err), HL_OK);
    tally_add(st, 8, T_DAY + 34 * T_HOUR, "q_service", "good", HL_RESP_COMPLETE);
    CHECK_INT(hl_store_use_survey(st, &ot.s, "kiosk-01", &err), HL_OK);
    tally_add(st, 9, T_DAY + 34 * T_HOUR + T_MIN, "q_service", "good", HL_RESP_COMPLETE);
    return st;
}

/* "hour=count,..." for the hours with responses. */
static const char *hourly_of(hl_store_t *st, const char *survey, const char *officer, int64_t tz,
                             dump_t *d)
{
    hl_tally_query_t q = {.survey_id = survey, .from_utc_ms = -1, .officer_id = officer};
    int64_t counts[24];
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    if (hl_store_hourly(st, &q, tz, counts, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "hourly: %s", err.msg);
    for (int h = 0; h < 24; h++) {
        if (!counts[h]) continue;
        size_t n = strlen(d->text);
        snprintf(d->text + n, sizeof d->text - n, "%s%d=%lld", d->rows++ ? "," : "", h,
                 (long long)counts[h]);
    }
    return d->text;
}

static void test_count_tally_and_hourly_match_hand_counts_with_filters_and_period(void)
{
    char *dir = hl_test_tmpdir("store-tally");
    hl_store_t *st = tally_store(dir);
    if (!st) return;
    /* Counts: finished responses only (3 is in progress). */
    CHECK_COUNTS(count_of(st, NULL, -1, NULL), 8, 6, 2);
    CHECK_COUNTS(count_of(st, "svc", -1, NULL), 7, 5, 2);
    CHECK_COUNTS(count_of(st, "other", -1, NULL), 1, 1, 0);
    CHECK_COUNTS(count_of(st, "ghost", -1, NULL), 0, 0, 0);
    CHECK_COUNTS(count_of(st, NULL, -1, "off_a"), 2, 1, 1);
    CHECK_COUNTS(count_of(st, NULL, -1, "off_b"), 4, 3, 1);
    CHECK_COUNTS(count_of(st, NULL, -1, "off_c"), 0, 0, 0);
    CHECK_COUNTS(count_of(st, NULL, T_DAY + 24 * T_HOUR, NULL), 4, 3, 1);
    CHECK_COUNTS(count_of(st, "svc", T_DAY + 24 * T_HOUR, NULL), 3, 2, 1);
    CHECK_COUNTS(count_of(st, "svc", T_DAY + 24 * T_HOUR, "off_b"), 2, 1, 1);
    /* The period starts at from, inclusive. */
    CHECK_COUNTS(count_of(st, NULL, T_DAY + 26 * T_HOUR, NULL), 4, 3, 1);
    CHECK_COUNTS(count_of(st, NULL, T_DAY + 26 * T_HOUR + 1, NULL), 3, 2, 1);
    CHECK_COUNTS(count_of(st, NULL, 0, NULL), 8, 6, 2);
    hl_store_counts_t c = {0};
    hl_err_t err = {0};
    CHECK_INT(hl_store_count(st, NULL, &c, &err), HL_OK); /* no query: everything */
    CHECK_COUNTS(c, 8, 6, 2);

    /* Tallies: q_service is found at its place in each survey version. */
    dump_t d;
    CHECK_STR(tally_of(st, NULL, -1, NULL, "q_service", &d), "bad=2;good=4");
    CHECK_STR(tally_of(st, "svc", -1, NULL, "q_service", &d), "bad=2;good=3");
    CHECK_STR(tally_of(st, "other", -1, NULL, "q_service", &d), "good=1");
    CHECK_STR(tally_of(st, NULL, -1, "off_b", "q_service", &d), "bad=1;good=1");
    CHECK_STR(tally_of(st, NULL, -1, "off_a", "q_service", &d), "bad=1;good=1");
    CHECK_STR(tally_of(st, NULL, T_DAY + 24 * T_HOUR, NULL, "q_service", &d), "bad=1;good=2");
    CHECK_STR(tally_of(st, "svc", -1, NULL, "q_wait", &d), "yes=1");
    CHECK_STR(tally_of(st, "svc", -1, NULL, "q_staff", &d), "5=1");
    CHECK_STR(tally_of(st, "svc", -1, NULL, "q_x", &d), "");
    CHECK_STR(tally_of(st, NULL, -1, NULL, "q_nowhere", &d), "");
    CHECK_STR(tally_of(st, "ghost", -1, NULL, "q_service", &d), "");

    /* Per hour of the day, UTC and local; floor division before midnight. */
    CHECK_STR(hourly_of(st, NULL, NULL, 0, &d), "1=2,2=1,9=2,10=2,23=1");
    CHECK_STR(hourly_of(st, NULL, NULL, 7 * T_HOUR, &d), "6=1,8=2,9=1,16=2,17=2");
    CHECK_STR(hourly_of(st, NULL, NULL, -2 * T_HOUR, &d), "0=1,7=2,8=2,21=1,23=2");
    /* An offset that takes response 1 below zero: -5 minutes is hour 23. */
    CHECK_STR(hourly_of(st, NULL, NULL, -(T_DAY + T_HOUR + 10 * T_MIN), &d),
              "0=2,7=2,8=2,22=1,23=1");
    CHECK_STR(hourly_of(st, NULL, "off_a", 0, &d), "1=2");
    CHECK_STR(hourly_of(st, "other", NULL, 7 * T_HOUR, &d), "17=1");
    hl_tally_query_t q = {.survey_id = "svc", .from_utc_ms = T_DAY + 24 * T_HOUR};
    int64_t counts[24];
    CHECK_INT(hl_store_hourly(st, &q, 0, counts, &err), HL_OK);
    int64_t sum = 0;
    for (int h = 0; h < 24; h++)
        sum += counts[h];
    CHECK_INT(sum, 3);
    CHECK_INT(counts[2], 1);
    CHECK_INT(counts[9], 1);
    CHECK_INT(counts[10], 1);
    hl_store_close(st);

    /* A read-only store (the results screen's worker) reads the same. */
    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    CHECK_COUNTS(count_of(st, NULL, -1, NULL), 8, 6, 2);
    CHECK_STR(tally_of(st, NULL, -1, NULL, "q_service", &d), "bad=2;good=4");
    CHECK_STR(hourly_of(st, NULL, NULL, 0, &d), "1=2,2=1,9=2,10=2,23=1");
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

/* The same counts read from the rows themselves (SQL on the file). */
static void scan_counts(const char *dir, int64_t from, const char *officer, long long out[3])
{
    const char *cols[3] = {"count(*)", "total(status = 1)", "total(status = 2)"};
    for (int i = 0; i < 3; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT %s FROM responses WHERE status <> 0 AND started_utc_ms >= %lld%s%s%s",
                 cols[i], (long long)from, officer ? " AND officer_id = '" : "",
                 officer ? officer : "", officer ? "'" : "");
        out[i] = db_int(dir, sql);
    }
}

/* How many finished responses gave value to qid since from (SQL scan). */
static long long scan_tally(const char *dir, int64_t from, const char *officer, const char *qid,
                            const char *value)
{
    char sql[768];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM responses r JOIN answers a ON a.seq = r.seq"
             " WHERE r.status <> 0 AND r.started_utc_ms >= %lld AND a.qid = '%s'"
             " AND a.value = '%s'%s%s%s",
             (long long)from, qid, value, officer ? " AND r.officer_id = '" : "",
             officer ? officer : "", officer ? "'" : "");
    return db_int(dir, sql);
}

typedef struct tally_seen {
    const char *want_value; /* the value looked for */
    int64_t count;          /* what the store said for it (0: not listed) */
} tally_seen_t;

static void tally_pick(void *ctx, const char *value, int64_t count)
{
    tally_seen_t *t = ctx;
    if (strcmp(value, t->want_value) == 0) t->count = count;
}

/* hl_store_tally_all's rows for the equality check below. */
typedef struct tally_all_seen {
    long long counts[3];  /* "" rows: [1] complete, [2] partial */
    long long cell[2][3]; /* [question][value] as in the test's arrays */
    int unknown;          /* rows of another question or value */
} tally_all_seen_t;

static void tally_all_pick(void *ctx, const char *qid, const char *value, int64_t count)
{
    static const char *const qs[] = {"q_service", "q_staff"};
    static const char *const vs[] = {"good", "bad", "ok"};
    tally_all_seen_t *t = ctx;
    if (!qid[0]) {
        if (!strcmp(value, "1"))
            t->counts[1] += count;
        else if (!strcmp(value, "2"))
            t->counts[2] += count;
        else
            t->unknown++;
        return;
    }
    for (int q = 0; q < 2; q++)
        for (int v = 0; v < 3; v++)
            if (!strcmp(qid, qs[q]) && !strcmp(value, vs[v])) {
                t->cell[q][v] += count;
                return;
            }
    t->unknown++;
}

static void test_tallies_from_whole_days_equal_a_scan_of_every_row(void)
{
    /* Random responses over four days (officers, statuses, some left in
     * progress, one recovered at reopen), then every period start near a
     * day's edge and in between: the day table plus the edge must give
     * exactly what a scan of the rows gives. */
    char *dir = hl_test_tmpdir("store-tally-eq");
    test_survey_t sv;
    static const char *const qids[] = {"q_service", "q_staff"};
    survey_make(&sv, "svc", 1, qids, 2);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    if (!st) return;
    static const char *const officers[] = {NULL, "off_a", "off_b"};
    static const char *const values[] = {"good", "bad", "ok"};
    uint64_t rng = 7;
    hl_err_t err = {0};
    hl_response_t open_one;
    for (int n = 1; n <= 120; n++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(rng >> 33);
        CHECK_INT(hl_store_set_duty(st, officers[r % 3], officers[r % 3] ? "Quầy 1" : NULL, &err),
                  HL_OK);
        hl_response_t resp;
        resp_init(&resp, n);
        resp.started_utc_ms = T_DAY + (int64_t)(r % (4 * 24 * 60)) * T_MIN + (r % 997);
        CHECK_INT(save_set(st, &resp, "q_service", values[(r >> 4) % 3], 10, &err), HL_OK);
        if ((r >> 6) % 2)
            CHECK_INT(save_set(st, &resp, "q_staff", values[(r >> 7) % 3], 20, &err), HL_OK);
        unsigned end = (r >> 9) % 5;
        if (end == 0) {
            open_one = resp; /* left in progress */
            continue;
        }
        CHECK_INT(save_finish(st, &resp, end == 1 ? HL_RESP_PARTIAL : HL_RESP_COMPLETE, &err),
                  HL_OK);
    }
    (void)open_one;
    hl_store_close(st);
    int64_t recovered = -1;
    st = store_open_ok(dir, &sv, &recovered); /* the ones left open are finished as partial */
    CHECK(recovered > 0);
    int64_t froms[] = {-1,
                       0,
                       T_DAY - 1,
                       T_DAY,
                       T_DAY + 1,
                       T_DAY + 17 * T_HOUR,
                       T_DAY + 24 * T_HOUR - 1,
                       T_DAY + 24 * T_HOUR,
                       T_DAY + 2 * 24 * T_HOUR + 7 * T_HOUR + 13,
                       T_DAY + 3 * 24 * T_HOUR + 1,
                       T_DAY + 9 * 24 * T_HOUR};
    for (size_t f = 0; f < sizeof froms / sizeof *froms; f++) {
        for (int o = 0; o < 3; o++) {
            long long want[3];
            scan_counts(dir, froms[f] < 0 ? INT64_MIN : froms[f], officers[o], want);
            CHECK_COUNTS(count_of(st, "svc", froms[f], officers[o]), want[0], want[1], want[2]);
            for (int q = 0; q < 2; q++) {
                for (int v = 0; v < 3; v++) {
                    tally_seen_t seen = {.want_value = values[v]};
                    hl_tally_query_t tq = {
                        .survey_id = "svc", .from_utc_ms = froms[f], .officer_id = officers[o]};
                    CHECK_INT(hl_store_tally(st, &tq, qids[q], tally_pick, &seen, &err), HL_OK);
                    CHECK_INT(seen.count, scan_tally(dir, froms[f] < 0 ? INT64_MIN : froms[f],
                                                     officers[o], qids[q], values[v]));
                }
            }
            /* The results page's one pass gives the same. */
            tally_all_seen_t all = {0};
            hl_tally_query_t aq = {
                .survey_id = "svc", .from_utc_ms = froms[f], .officer_id = officers[o]};
            CHECK_INT(hl_store_tally_all(st, &aq, tally_all_pick, &all, &err), HL_OK);
            CHECK_INT(all.counts[1], want[1]);
            CHECK_INT(all.counts[2], want[2]);
            CHECK_INT(all.unknown, 0);
            for (int q = 0; q < 2; q++)
                for (int v = 0; v < 3; v++)
                    CHECK_INT(all.cell[q][v], scan_tally(dir, froms[f] < 0 ? INT64_MIN : froms[f],
                                                         officers[o], qids[q], values[v]));
        }
    }
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_technician_writes_refused_read_only_and_in_a_batch_reads_allowed(void)
{
    char *dir = hl_test_tmpdir("store-tech");
    hl_store_t *st = store_open_ok(dir, NULL, NULL);
    hl_err_t err = {0};
    hl_pin_lock_t l = {.failures = 1, .locked_at_utc_ms = -1};
    CHECK_INT(hl_store_pin_put(st, &l, &err), HL_OK);
    CHECK_INT(hl_store_log(st, 1000, "pin_wrong", NULL, &err), HL_OK);
    CHECK_INT(hl_store_batch_begin(st, &err), HL_OK);
    l.failures = 2;
    CHECK_INT(hl_store_pin_put(st, &l, &err), HL_ERR_STATE);
    CHECK_CONTAINS(err.msg, "batch");
    CHECK_INT(hl_store_log(st, 2000, "pin_wrong", NULL, &err), HL_ERR_STATE);
    CHECK_INT(hl_store_batch_end(st, &err), HL_OK);
    hl_store_close(st);

    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(dir, &ro, &st, NULL, &err), HL_OK);
    CHECK_INT(hl_store_pin_put(st, &l, &err), HL_ERR_READONLY);
    CHECK_CONTAINS(err.msg, "read-only");
    CHECK_INT(hl_store_log(st, 2000, "pin_wrong", NULL, &err), HL_ERR_READONLY);
    l = pin_of(st);
    CHECK_INT(l.failures, 1);
    dump_t d;
    dump_log(st, 10, &d);
    CHECK_STR(d.text, "1000:pin_wrong:(null)");
    CHECK_COUNTS(count_of(st, NULL, -1, NULL), 0, 0, 0);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

/* One PIN put or log entry (which: 0 or 1) under a fault plan, for N = 1,
 * 2, ... until the fault no longer hits it: a failed one leaves the state
 * and the log as they were, and goes through once the fault is gone. */
static void tech_fault_loop(int which, hl_fault_op_t op, int sqlite_rc, bool persistent, int want)
{
    int failures = 0;
    for (long nth = 1; nth < 200; nth++) {
        char *dir = hl_test_tmpdir("store-tech-fault");
        hl_store_t *st = store_open_ok(dir, NULL, NULL);
        if (!st) break;
        hl_err_t err = {0};
        hl_pin_lock_t before = {
            .failures = 4, .lockouts = 1, .locked_at_utc_ms = 100, .lock_ms = 5};
        CHECK_INT(hl_store_pin_put(st, &before, &err), HL_OK);
        CHECK_INT(hl_store_log(st, 1000, "pin_wrong", NULL, &err), HL_OK);
        hl_pin_lock_t next = {
            .failures = 0, .lockouts = 2, .locked_at_utc_ms = 9000, .lock_ms = 600000};

        hl_faultvfs_arm(op, nth, persistent, sqlite_rc);
        int rc = which == 0 ? hl_store_pin_put(st, &next, &err)
                            : hl_store_log(st, 2000, "pin_lockout", "locked 10 min", &err);
        bool fired = hl_faultvfs_fired();
        hl_faultvfs_disarm();
        dump_t d;
        if (rc != HL_OK) {
            failures++;
            CHECK(fired);
            CHECK_INT(rc, want);
            CHECK(err.msg[0] != '\0');
            hl_pin_lock_t now = pin_of(st);
            CHECK_INT(now.failures, 4);
            CHECK_INT(now.lockouts, 1);
            CHECK_INT(now.locked_at_utc_ms, 100);
            CHECK_INT(now.lock_ms, 5);
            dump_log(st, 10, &d);
            CHECK_STR(d.text, "1000:pin_wrong:(null)");
            /* The fault is gone: the same write goes through. */
            rc = which == 0 ? hl_store_pin_put(st, &next, &err)
                            : hl_store_log(st, 2000, "pin_lockout", "locked 10 min", &err);
            CHECK_INT(rc, HL_OK);
        }
        hl_store_close(st);
        st = store_open_ok(dir, NULL, NULL);
        if (st) {
            hl_pin_lock_t now = pin_of(st);
            CHECK_INT(now.failures, which == 0 ? 0 : 4);
            CHECK_INT(now.lock_ms, which == 0 ? 600000 : 5);
            dump_log(st, 10, &d);
            CHECK_STR(d.text, which == 0 ? "1000:pin_wrong:(null)"
                                         : "2000:pin_lockout:locked 10 min;1000:pin_wrong:(null)");
            hl_store_close(st);
        }
        check_integrity(dir);
        hl_test_rmtree(dir);
        free(dir);
        if (!fired) break;
    }
    CHECK(failures > 0);
}

static void test_failed_write_during_pin_put_or_log_leaves_nothing_half_done(void)
{
    for (int which = 0; which < 2; which++) {
        tech_fault_loop(which, HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, false, HL_ERR_IO);
        tech_fault_loop(which, HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, true, HL_ERR_IO);
        tech_fault_loop(which, HL_FAULT_WRITE, SQLITE_FULL, true, HL_ERR_FULL);
    }
}

/* ---- Tamper evidence and fair counting (schema 5) ----------------------------- */

/* A store in dir with n complete responses (seq 1..n) chained with key a. */
static void chained_store(const char *dir, const test_survey_t *sv, int n)
{
    hl_store_t *st = store_open_ok(dir, sv, NULL);
    hl_err_t err = {0};
    CHECK_INT(hl_store_set_signer(st, DEV_A, &err), HL_OK);
    hl_response_t r[8];
    store_responses(st, r, 1, n, 0);
    hl_store_close(st);
}

/* Opens dir, verifies with key and returns the problems as "seq:WHAT;...". */
static void verify_dir(const char *dir, const test_survey_t *sv, const hl_devkey_t *key, dump_t *d)
{
    hl_store_t *st = store_open_ok(dir, sv, NULL);
    verify_problems(st, key, d);
    hl_store_close(st);
}

/* The chain a row should have: SHA-256(canonical row || prev), signed by
 * device key a over "hailong-chain-1 KIOSK SEQ CHAIN". */
typedef struct mac_check {
    int rows, good; /* rows seen, rows whose chain and signature match */
} mac_check_t;

static int mac_row(void *ctx, const hl_row_t *row)
{
    mac_check_t *m = ctx;
    m->rows++;
    if (!row->chain || !row->prev_chain) return HL_OK;
    hl_fdbuf_t o = {.fd = -1, .limit = 1 << 20};
    CHECK(hl_jsonl_put_row_canonical(&o, row));
    CHECK(hl_fdbuf_put(&o, row->prev_chain, strlen(row->prev_chain)));
    unsigned char mac[32];
    unsigned int n = 0;
    EVP_Digest(o.buf, o.len, mac, &n, EVP_sha256(), NULL);
    CHECK(hl_fdbuf_put(&o, "", 1)); /* a C string now */
    CHECK(strstr(o.buf, "\"chain\"") == NULL);
    CHECK(strstr(o.buf, "\"chain_sig\"") == NULL);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    char stmt[200];
    snprintf(stmt, sizeof stmt, "hailong-chain-1 %s %lld %s", row->kiosk_id, (long long)row->seq,
             row->chain);
    if (strcmp(hex, row->chain) == 0 && row->chain_sig &&
        hl_devkey_verify(DEV_A, stmt, strlen(stmt), row->chain_sig))
        m->good++;
    free(o.buf);
    return HL_OK;
}

static void test_chain_is_computed_at_finish_over_the_canonical_row_and_linked_in_seq_order(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    int64_t head = -1;
    char hex[HL_CHAIN_HEX + 1];
    CHECK_INT(hl_store_chain_head(st, &head, hex, &err), HL_OK);
    CHECK_INT(head, 0);
    CHECK_STR(hex, ZERO64);
    CHECK_INT(hl_store_set_signer(st, DEV_A, &err), HL_OK);
    hl_response_t r[3];
    store_responses(st, r, 1, 3, 0);
    /* In progress: no chain yet. */
    hl_response_t open;
    resp_init(&open, 9);
    CHECK_INT(save_set(st, &open, "q_wait", "yes", 5, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE seq = 4 AND chain IS NULL"), 1);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE chain IS NOT NULL"
                          " AND chain_key = (SELECT chain_key FROM responses WHERE seq = 1)"),
              3);
    CHECK_INT(db_int(dir, "SELECT prev_chain = '" ZERO64 "' FROM responses WHERE seq = 1"), 1);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses a JOIN responses b ON b.seq = a.seq + 1"
                          " WHERE b.prev_chain = a.chain AND b.seq <= 3"),
              2);
    CHECK_INT(hl_store_chain_head(st, &head, hex, &err), HL_OK);
    CHECK_INT(head, 3);
    CHECK_INT(strlen(hex), HL_CHAIN_HEX);
    mac_check_t m = {0};
    CHECK_INT(hl_store_foreach(st, NULL, 0, mac_row, &m, &err), HL_OK);
    CHECK_INT(m.rows, 4);
    CHECK_INT(m.good, 3);
    /* Finishing it chains it after 3, in the finishing transaction. */
    CHECK_INT(save_finish(st, &open, HL_RESP_PARTIAL, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT (SELECT prev_chain FROM responses WHERE seq = 4) ="
                          " (SELECT chain FROM responses WHERE seq = 3)"),
              1);
    CHECK_INT(verify_problems(st, DEV_A, NULL), 0);
    /* A finished row cannot change at all now, its chain included. */
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "UPDATE responses SET chain = '" ZERO64 "' WHERE seq = 2") & 0xff,
              SQLITE_CONSTRAINT);
    CHECK_INT(db_exec(path, "UPDATE responses SET lang = 'en' WHERE seq = 2") & 0xff,
              SQLITE_CONSTRAINT);
    hl_store_close(st);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_responses_finished_without_a_key_are_chained_when_it_is_set(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    hl_response_t r[3];
    store_responses(st, r, 1, 3, 4); /* 3 stays in progress: cut off */
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE chain IS NULL"), 3);
    hl_store_close(st);
    int64_t recovered = 0;
    st = store_open_ok(dir, &sv, &recovered);
    CHECK_INT(recovered, 1);
    dump_t d;
    CHECK_INT(verify_problems(st, DEV_A, &d), 3);
    CHECK_STR(d.text, "1:INSERTED;2:INSERTED;3:INSERTED");
    CHECK_INT(hl_store_set_signer(st, DEV_A, &err), HL_OK);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE chain IS NULL"), 0);
    CHECK_INT(verify_problems(st, DEV_A, NULL), 0);
    mac_check_t m = {0};
    CHECK_INT(hl_store_foreach(st, NULL, 0, mac_row, &m, &err), HL_OK);
    CHECK_INT(m.good, 3);
    /* Setting it again changes nothing. */
    CHECK_INT(hl_store_set_signer(st, DEV_A, &err), HL_OK);
    CHECK_INT(verify_problems(st, DEV_A, NULL), 0);
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_verify_reports_an_answer_edited_by_sql_at_its_seq(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    chained_store(dir, &sv, 5);
    dump_t d;
    verify_dir(dir, &sv, DEV_A, &d);
    CHECK_INT(d.rows, 0);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "DROP TRIGGER answers_update_open;"
                            " UPDATE answers SET value = 'bad' WHERE seq = 3"),
              SQLITE_OK);
    verify_dir(dir, &sv, DEV_A, &d);
    CHECK_STR(d.text, "3:EDITED");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_verify_reports_a_deleted_middle_response_at_the_next_seq(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    chained_store(dir, &sv, 5);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "DROP TRIGGER answers_delete_open; DROP TRIGGER"
                            " responses_keep_answered; DELETE FROM answers WHERE seq = 3;"
                            " DELETE FROM responses WHERE seq = 3"),
              SQLITE_OK);
    dump_t d;
    verify_dir(dir, &sv, DEV_A, &d);
    CHECK_STR(d.text, "4:DELETED");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_verify_reports_forged_rows_as_inserted(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    chained_store(dir, &sv, 3);
    char *path = db_path(dir);
    /* One with made-up chain values, one with none. */
    CHECK_INT(db_exec(path, "INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
                            " started_utc_ms, finished_utc_ms, status, clock_trusted, chain,"
                            " prev_chain, chain_key) SELECT 4, 'forged-4', kiosk_id, survey,"
                            " 'vi', 1, 2, 1, 1, '" ZERO64 "', '" ZERO64 "', chain_key"
                            " FROM responses WHERE seq = 1;"
                            " INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
                            " started_utc_ms, finished_utc_ms, status, clock_trusted)"
                            " VALUES (5, 'forged-5', 'kiosk-01', 1, 'vi', 1, 2, 1, 1)"),
              SQLITE_OK);
    dump_t d;
    verify_dir(dir, &sv, DEV_A, &d);
    CHECK_STR(d.text, "4:INSERTED;5:INSERTED");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_verify_reports_a_signature_removed_to_pass_for_an_old_hmac_row(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    chained_store(dir, &sv, 3);
    char *path = db_path(dir);
    /* The first response edited and its signature dropped, so that it
     * would pass for a response chained with the old shared key (whose
     * content is not checked without that key). */
    CHECK_INT(db_exec(path,
                      "DROP TRIGGER responses_keep_finished;"
                      " DROP TRIGGER answers_update_open;"
                      " UPDATE answers SET value = 'bad' WHERE seq = 1;"
                      " UPDATE responses SET chain_sig = NULL, chain_key = 'x' WHERE seq = 1"),
              SQLITE_OK);
    dump_t d;
    verify_dir(dir, &sv, DEV_A, &d);
    CHECK_STR(d.text, "1:EDITED");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_verify_reports_signatures_stripped_under_a_moved_era(void)
{
    /* Someone with the card edits an answer, strips every signature and
     * moves the era so that the rows pass for old HMAC rows: the era has no
     * signed link, so verify names it, and every row after the true era. */
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    chained_store(dir, &sv, 3);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path,
                      "DROP TRIGGER responses_keep_finished;"
                      " DROP TRIGGER answers_update_open; DROP TRIGGER chain_era_fixed;"
                      " UPDATE answers SET value = 'bad' WHERE seq = 1;"
                      " UPDATE responses SET chain_sig = NULL, chain_key = '0000000000000000';"
                      " UPDATE chain_era SET hmac_until = 3"),
              SQLITE_OK);
    dump_t d;
    verify_dir(dir, &sv, DEV_A, &d);
    CHECK_STR(d.text, "1:UNCHECKED;2:UNCHECKED;3:UNCHECKED;3:EDITED");
    /* And what the kiosk would export says every row must be signed. */
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    int64_t until = -1;
    hl_err_t err = {0};
    CHECK_INT(hl_store_hmac_until(st, &until, &err), HL_OK);
    CHECK_INT(until, 0);
    hl_store_close(st);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_verify_reports_two_swapped_responses_as_reordered(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    chained_store(dir, &sv, 4);
    char *path = db_path(dir);
    /* Rows and answers of 2 and 3 trade places (CHECK kept at each step). */
    CHECK_INT(db_exec(path, "DROP TRIGGER responses_keep_identity;"
                            " DROP TRIGGER responses_keep_finished;"
                            " DROP TRIGGER answers_update_open;"
                            " UPDATE responses SET seq = 1000 WHERE seq = 2;"
                            " UPDATE answers SET seq = 1000, id = id - 128 + 64000 WHERE seq = 2;"
                            " UPDATE responses SET seq = 2 WHERE seq = 3;"
                            " UPDATE answers SET seq = 2, id = id - 64 WHERE seq = 3;"
                            " UPDATE responses SET seq = 3 WHERE seq = 1000;"
                            " UPDATE answers SET seq = 3, id = id - 64000 + 192 WHERE seq = 1000"),
              SQLITE_OK);
    dump_t d;
    verify_dir(dir, &sv, DEV_A, &d);
    CHECK_STR(d.text, "2:REORDERED;3:REORDERED");
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_verify_reports_responses_signed_by_another_device_key(void)
{
    char *dir = hl_test_tmpdir("store-chain");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    chained_store(dir, &sv, 2);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    CHECK_INT(hl_store_set_signer(st, DEV_B, &err), HL_OK);
    hl_response_t r;
    store_responses(st, &r, 3, 1, 0);
    dump_t d;
    verify_problems(st, DEV_B, &d);
    CHECK_STR(d.text, "1:OTHER_KEY;2:OTHER_KEY");
    verify_problems(st, DEV_A, &d);
    CHECK_STR(d.text, "3:OTHER_KEY");
    hl_store_close(st);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_suspect_is_stored_at_creation_counted_and_cannot_change(void)
{
    char *dir = hl_test_tmpdir("store-fair");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_err_t err = {0};
    const char *flags[] = {"min_interval", NULL, "max_per_hour", "min_interval"};
    for (int i = 0; i < 4; i++) {
        hl_response_t r;
        resp_init(&r, i + 1);
        hl_save_t s = {.set_qid = "q_service", .set_value = "ok", .set_ms = 5, .suspect = flags[i]};
        CHECK_INT(hl_store_save(st, &r, &s, &err), HL_OK);
        /* Only the save that creates the response records it. */
        hl_save_t f = {.status = HL_RESP_COMPLETE,
                       .finished_utc_ms = r.started_utc_ms + 9000,
                       .suspect = "max_per_hour"};
        CHECK_INT(hl_store_save(st, &r, &f, &err), HL_OK);
    }
    hl_store_fair_t fair;
    CHECK_INT(hl_store_fair_counts(st, &fair, &err), HL_OK);
    CHECK_INT(fair.suspect, 3);
    CHECK_INT(fair.min_interval, 2);
    CHECK_INT(fair.max_per_hour, 1);
    CHECK_COUNTS(count_of(st, NULL, -1, NULL), 4, 4, 0); /* stored like any other */
    CHECK_INT(db_int(dir, "SELECT count(*) FROM responses WHERE seq = 2 AND suspect IS NULL"), 1);
    char *path = db_path(dir);
    CHECK_INT(db_exec(path, "DROP TRIGGER responses_keep_finished;"
                            " UPDATE responses SET suspect = NULL WHERE seq = 1") &
                  0xff,
              SQLITE_CONSTRAINT);
    hl_store_close(st);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

/* hailong.db deleted, then replaced, under an open store: the next save is
 * refused (nothing goes into a file that is gone) and says what happened. */
static void test_a_database_deleted_or_replaced_under_the_store_refuses_the_next_save(void)
{
    char *dir = hl_test_tmpdir("store-gone");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_t *st = store_open_ok(dir, &sv, NULL);
    hl_response_t r;
    hl_err_t err = {0};
    resp_init(&r, 1);
    CHECK_INT(save_set(st, &r, "q_service", "very_satisfied", 1200, &err), HL_OK);
    CHECK_INT(hl_store_check_file(st, &err), HL_OK);
    char *path = db_path(dir);
    CHECK_INT(unlink(path), 0);
    CHECK_INT(hl_store_check_file(st, &err), HL_ERR_CORRUPT);
    CHECK_CONTAINS(err.msg, "was deleted while the kiosk was running");
    CHECK_CONTAINS(err.msg, "restart the kiosk");
    CHECK_INT(save_set(st, &r, "q_staff", "4", 2500, &err), HL_ERR_CORRUPT);
    CHECK_CONTAINS(err.msg, "deleted");
    /* Another file put there. */
    free(hl_test_write_file(dir, "hailong.db", ""));
    CHECK_INT(save_set(st, &r, "q_staff", "4", 2500, &err), HL_ERR_CORRUPT);
    CHECK_CONTAINS(err.msg, "was replaced by another file");
    hl_store_close(st);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
}

/* A symlinked hailong.db is refused, read-write and read-only, with what to
 * do: point the data folder at the real one. */
static void test_a_symlinked_database_is_refused_naming_the_real_folder_to_use(void)
{
    char *real = hl_test_tmpdir("store-real");
    test_survey_t sv;
    survey_make(&sv, "svc", 1, qids_v1, 4);
    hl_store_close(store_open_ok(real, &sv, NULL));
    char *dir = hl_test_tmpdir("store-link");
    char *target = db_path(real), *link = db_path(dir);
    CHECK_INT(symlink(target, link), 0);
    setup();
    hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    CHECK_INT(hl_store_open(dir, &o, &st, NULL, &err), HL_ERR_USAGE);
    CHECK(st == NULL);
    CHECK_CONTAINS(err.msg, "is a symbolic link");
    CHECK_CONTAINS(err.msg, "set the data folder (--data-dir or HAILONG_DATA_DIR) to the real");
    o.read_only = true;
    CHECK_INT(hl_store_open(dir, &o, &st, NULL, &err), HL_ERR_USAGE);
    free(target);
    free(link);
    hl_test_rmtree(dir);
    hl_test_rmtree(real);
    free(dir);
    free(real);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_database_deleted_or_replaced_under_the_store_refuses_the_next_save),
    HL_TEST(test_a_symlinked_database_is_refused_naming_the_real_folder_to_use),
    HL_TEST(test_fault_vfs_counts_and_fails_the_nth_call),
    HL_TEST(test_open_creates_missing_data_dir_with_private_modes),
    HL_TEST(test_open_sets_wal_app_id_schema_version_and_small_pages),
    HL_TEST(test_save_after_reopen_keeps_answers),
    HL_TEST(test_sequence_never_goes_back_across_restarts),
    HL_TEST(test_sequence_never_goes_back_after_empty_response_removed),
    HL_TEST(test_save_drops_hidden_answers_and_finishes_in_one_transaction),
    HL_TEST(test_language_change_is_stored_without_rewriting_each_answer),
    HL_TEST(test_open_recovers_in_progress_as_partial_with_committed_answers),
    HL_TEST(test_response_with_answers_cannot_be_deleted_or_altered_by_sql),
    HL_TEST(test_save_rejects_unknown_question_and_missing_survey),
    HL_TEST(test_survey_changed_under_open_response_fails_instead_of_mixing),
    HL_TEST(test_use_survey_stores_each_version_once),
    HL_TEST(test_use_survey_refuses_changed_file_with_same_id_and_version),
    HL_TEST(test_integrity_rule_violation_is_internal_not_a_refused_step),
    HL_TEST(test_foreach_walks_in_seq_order_filters_survey_and_after_seq),
    HL_TEST(test_survey_columns_are_union_in_newest_version_order),
    HL_TEST(test_stats_count_statuses_answers_and_clock_trust),
    HL_TEST(test_batch_groups_saves_and_failed_save_undoes_only_itself),
    HL_TEST(test_other_writer_holding_the_lock_returns_locked),
    HL_TEST(test_second_writer_on_a_folder_is_locked_out_before_recovery),
    HL_TEST(test_read_only_store_reads_and_refuses_writes),
    HL_TEST(test_record_export_raises_exported_upto_and_shows_in_stats),
    HL_TEST(test_export_range_stops_before_the_first_response_in_progress),
    HL_TEST(test_sync_pending_walks_finished_responses_in_seq_order_up_to_the_limit),
    HL_TEST(test_sync_in_progress_response_is_never_walked_nor_marked),
    HL_TEST(test_sync_record_marks_delivered_and_moves_watermark_past_gaps),
    HL_TEST(test_sync_success_clears_error_and_failure_keeps_last_success),
    HL_TEST(test_sync_stop_fingerprint_is_set_kept_and_cleared),
    HL_TEST(test_sync_read_only_store_reads_state_and_pending_but_refuses_record),
    HL_TEST(test_sync_record_refused_inside_a_batch_or_without_a_record),
    HL_TEST(test_sync_marks_and_watermark_cannot_be_removed_or_lowered_by_sql),
    HL_TEST(test_sync_failed_write_during_record_records_nothing),
    HL_TEST(test_sync_state_survives_close_and_reopen),
    HL_TEST(test_duty_is_recorded_in_new_responses_and_not_in_started_ones),
    HL_TEST(test_identity_trigger_refuses_changing_officer_or_counter),
    HL_TEST(test_pin_state_round_trips_across_reopen_without_in_run_fields),
    HL_TEST(test_log_recent_gives_newest_first_in_log_order),
    HL_TEST(test_count_tally_and_hourly_match_hand_counts_with_filters_and_period),
    HL_TEST(test_tallies_from_whole_days_equal_a_scan_of_every_row),
    HL_TEST(test_technician_writes_refused_read_only_and_in_a_batch_reads_allowed),
    HL_TEST(test_failed_write_during_pin_put_or_log_leaves_nothing_half_done),
    HL_TEST(test_migrates_from_every_older_schema_version),
    HL_TEST(test_current_version_fixture_opens_with_its_data),
    HL_TEST(test_chain_is_computed_at_finish_over_the_canonical_row_and_linked_in_seq_order),
    HL_TEST(test_responses_finished_without_a_key_are_chained_when_it_is_set),
    HL_TEST(test_verify_reports_an_answer_edited_by_sql_at_its_seq),
    HL_TEST(test_verify_reports_a_deleted_middle_response_at_the_next_seq),
    HL_TEST(test_verify_reports_forged_rows_as_inserted),
    HL_TEST(test_verify_reports_a_signature_removed_to_pass_for_an_old_hmac_row),
    HL_TEST(test_verify_reports_signatures_stripped_under_a_moved_era),
    HL_TEST(test_verify_reports_two_swapped_responses_as_reordered),
    HL_TEST(test_verify_reports_responses_signed_by_another_device_key),
    HL_TEST(test_suspect_is_stored_at_creation_counted_and_cannot_change),
    HL_TEST(test_refuses_garbage_file_without_modifying_it),
    HL_TEST(test_refuses_foreign_application_database_without_modifying_it),
    HL_TEST(test_refuses_database_with_foreign_tables_and_no_app_id),
    HL_TEST(test_refuses_newer_schema_without_modifying_it),
    HL_TEST(test_io_error_at_every_write_along_a_save_leaves_nothing_half_written),
    HL_TEST(test_failed_sync_returns_io_and_save_can_be_retried),
    HL_TEST(test_disk_full_returns_full_and_leaves_nothing_half_written),
    HL_TEST(test_read_errors_while_opening_fail_cleanly_and_keep_the_data),
    HL_TEST(test_real_full_disk_returns_full_and_keeps_earlier_answers),
    HL_TEST(test_read_only_medium_returns_readonly),
    HL_TEST(test_read_only_medium_with_a_database_refuses_writes_and_still_reads),
};

HL_TEST_MAIN(tests)
