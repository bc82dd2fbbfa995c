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

static char *db_path(const char *dir)
{
    size_t n = strlen(dir) + sizeof HL_STORE_FILE + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, HL_STORE_FILE);
    return p;
}

/* Every response as one line "seq:status:lang:q=v,q=v" joined by ";". */
typedef struct dump {
    char text[8192]; /* the lines */
    int rows;        /* responses seen */
} dump_t;

/* A test's data folder and store: made by fx_new, removed with everything
 * in it by fx_done. */
typedef struct fx {
    char *dir;         /* the data folder (malloc'd) */
    char *path;        /* its database file, dir/hailong.db (malloc'd) */
    test_survey_t sv;  /* the survey opened with: svc version 1, qids_v1 (fx_new) */
    hl_store_t *st;    /* the store, NULL while closed */
    bool bare;         /* opened without a survey in use */
    const char *tmpfs; /* the options of a tmpfs mounted on dir, or NULL */
    hl_err_t err;      /* what the last call said */
    dump_t d;          /* what the last fx_dump, fx_pending, fx_log or fx_duty gave */
} fx_t;

/* How fx_new leaves the store: closed (the folder only), open without a
 * survey in use, or open using sv. */
typedef enum { FX_CLOSED, FX_BARE, FX_SURVEY } fx_how_t;

static fx_t *fx_new(const char *tag, fx_how_t how)
{
    fx_t *f = calloc(1, sizeof *f);
    f->dir = hl_test_tmpdir(tag);
    f->path = db_path(f->dir);
    survey_make(&f->sv, "svc", 1, qids_v1, 4);
    f->bare = how == FX_BARE;
    if (how != FX_CLOSED) f->st = store_open_ok(f->dir, f->bare ? NULL : &f->sv, NULL);
    return f;
}

static void fx_close(fx_t *f)
{
    hl_store_close(f->st);
    f->st = NULL;
}

/* Closes the store if open and opens it using sv (unless bare); NULL, with a
 * failed check, when it does not open (see store_open_ok). */
static hl_store_t *fx_reopen(fx_t *f, int64_t *recovered)
{
    fx_close(f);
    f->st = store_open_ok(f->dir, f->bare ? NULL : &f->sv, recovered);
    return f->st;
}

/* Closes the store if open and opens it read-only. */
static void fx_read_only(fx_t *f)
{
    fx_close(f);
    hl_store_opts_t ro = {.read_only = true};
    if (hl_store_open(f->dir, &ro, &f->st, NULL, &f->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "read-only open %s: %s", f->dir, f->err.msg);
}

static void fx_done(fx_t *f)
{
    fx_close(f);
    if (f->tmpfs) CHECK_INT(umount(f->dir), 0);
    hl_test_rmtree(f->dir);
    free(f->path);
    free(f->dir);
    free(f);
}

static void resp_init(hl_response_t *r, int n)
{
    hl_fixture_response(r, n, 1700000000000LL + n * 60000LL);
}

static int save_set(fx_t *f, hl_response_t *r, const char *qid, const char *val, int64_t ms)
{
    hl_save_t s = {.set_qid = qid, .set_value = val, .set_ms = ms};
    return hl_store_save(f->st, r, &s, &f->err);
}

static int save_finish(fx_t *f, hl_response_t *r, hl_resp_status_t status)
{
    hl_save_t s = {.status = status, .finished_utc_ms = r->started_utc_ms + 9000};
    return hl_store_save(f->st, r, &s, &f->err);
}

/* Response n begun: qid=val answered at ms (a failed save fails the test). */
static hl_response_t answered(fx_t *f, int n, const char *qid, const char *val, int64_t ms)
{
    hl_response_t r;
    resp_init(&r, n);
    if (save_set(f, &r, qid, val, ms) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "response %d, %s = %s: %s", n, qid, val, f->err.msg);
    return r;
}

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

/* The responses of survey_id (NULL: all) in f's store, as dump_t text. */
static const char *fx_dump(fx_t *f, const char *survey_id)
{
    dump_store(f->st, survey_id, &f->d);
    return f->d.text;
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

/* Another program's sql on f's database is refused by an integrity rule. */
#define CHECK_SQL_REFUSED(f, sql) CHECK_INT(db_exec((f)->path, sql) & 0xff, SQLITE_CONSTRAINT)

/* The responses hl_store_foreach_pending walks (at most limit), as dump_t. */
static void dump_pending(hl_store_t *st, int64_t limit, dump_t *d)
{
    memset(d, 0, sizeof *d);
    hl_err_t err = {0};
    int rc = hl_store_foreach_pending(st, limit, dump_row, d, &err);
    if (rc != HL_OK) hl_test_fail(__FILE__, __LINE__, "foreach_pending: %s", err.msg);
}

static const char *fx_pending(fx_t *f, int64_t limit)
{
    dump_pending(f->st, limit, &f->d);
    return f->d.text;
}

/* Checks the sync state's backlog: responses pending and delivered, and the
 * oldest pending one's seq (CHECK_BACKLOG: the failure names the caller's
 * line). */
static void check_backlog(int line, hl_store_sync_t sy, int64_t pending, int64_t delivered,
                          int64_t oldest)
{
    if (sy.pending != pending || sy.delivered != delivered || sy.oldest_pending_seq != oldest)
        hl_test_fail(__FILE__, line,
                     "backlog: %lld pending, %lld delivered, oldest seq %lld;"
                     " expected %lld, %lld, %lld",
                     (long long)sy.pending, (long long)sy.delivered,
                     (long long)sy.oldest_pending_seq, (long long)pending, (long long)delivered,
                     (long long)oldest);
}
#define CHECK_BACKLOG(sy, pending, delivered, oldest)                                              \
    check_backlog(__LINE__, sy, pending, delivered, oldest)

static hl_store_sync_t sync_state_of(hl_store_t *st)
{
    hl_store_sync_t s;
    hl_err_t err = {0};
    if (hl_store_sync_state(st, &s, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "sync_state: %s", err.msg);
    return s;
}

/* Records a successful attempt at at_utc_ms that delivered seqs[0..n). */
static int sync_ok(fx_t *f, int64_t at_utc_ms, const int64_t *seqs, size_t n)
{
    hl_store_sync_rec_t rec = {
        .at_utc_ms = at_utc_ms, .delivered = seqs, .n_delivered = n, .success = true};
    return hl_store_sync_record(f->st, &rec, &f->err);
}

/* Stores n responses numbered from first, each answered; finished complete
 * unless its bit in open_mask (bit i: the i-th) is set. */
static void store_responses(fx_t *f, hl_response_t *r, int first, int n, unsigned open_mask)
{
    for (int i = 0; i < n; i++) {
        resp_init(&r[i], first + i);
        CHECK_INT(save_set(f, &r[i], "q_service", "ok", 5), HL_OK);
        if (!(open_mask & (1u << i))) CHECK_INT(save_finish(f, &r[i], HL_RESP_COMPLETE), HL_OK);
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
    fx_t *f = fx_new("store", FX_BARE);
    CHECK_INT(db_int(f->dir, "PRAGMA application_id"), HL_STORE_APP_ID);
    CHECK_INT(db_int(f->dir, "PRAGMA user_version"), HL_STORE_SCHEMA_VERSION);
    CHECK_INT(db_int(f->dir, "PRAGMA page_size"), HL_STORE_PAGE_SIZE);
    CHECK_INT(db_int(f->dir, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    fx_close(f);
    CHECK_STR(hl_store_sqlite_version(), sqlite3_libversion());
    fx_done(f);
}

static void test_save_after_reopen_keeps_answers(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "very_satisfied", 1200);
    CHECK_INT(r.seq, 1);
    CHECK_INT(save_set(f, &r, "q_staff", "4", 2500), HL_OK);
    CHECK_INT(save_set(f, &r, "q_staff", "5", 2900), HL_OK); /* answered again */
    CHECK_INT(save_finish(f, &r, HL_RESP_COMPLETE), HL_OK);

    int64_t recovered = -1;
    fx_reopen(f, &recovered);
    CHECK_INT(recovered, 0);
    CHECK_STR(fx_dump(f, "svc"), "1:complete:vi:q_service=very_satisfied,q_staff=5");
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT ms FROM answers WHERE qid = 'q_staff'"), 2900);
    CHECK_INT(db_int(f->dir, "SELECT finished_utc_ms - started_utc_ms FROM responses"), 9000);
    CHECK_INT(db_int(f->dir, "SELECT finish_reason = 'complete' FROM responses"), 1);
    check_integrity(f->dir);
    fx_done(f);
}

static void test_sequence_never_goes_back_across_restarts(void)
{
    fx_t *f = fx_new("store", FX_CLOSED);
    int64_t last = 0;
    for (int round = 0; round < 3; round++) {
        fx_reopen(f, NULL);
        for (int i = 0; i < 2; i++) {
            hl_response_t r = answered(f, round * 10 + i, "q_wait", "no", 10);
            CHECK(r.seq > last);
            last = r.seq;
            CHECK_INT(save_finish(f, &r, HL_RESP_PARTIAL), HL_OK);
        }
        fx_close(f);
    }
    CHECK_INT(last, 6);
    fx_done(f);
}

static void test_sequence_never_goes_back_after_empty_response_removed(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "ok", 10);
    CHECK_INT(r.seq, 1);
    /* The only answer is dropped: the response is removed, seq back to 0. */
    const char *drop[] = {"q_service", "q_staff"};
    hl_save_t s = {.drop_qids = drop, .n_drop = 2};
    CHECK_INT(hl_store_save(f->st, &r, &s, &f->err), HL_OK);
    CHECK_INT(r.seq, 0);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses"), 0);

    fx_reopen(f, NULL);
    hl_response_t r2 = answered(f, 2, "q_service", "ok", 10);
    CHECK_INT(r2.seq, 2);
    /* Finishing or dropping on a response never stored stores nothing. */
    hl_response_t r3;
    resp_init(&r3, 3);
    CHECK_INT(save_finish(f, &r3, HL_RESP_PARTIAL), HL_OK);
    CHECK_INT(r3.seq, 0);
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses"), 1);
    fx_done(f);
}

static void test_save_drops_hidden_answers_and_finishes_in_one_transaction(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "bad", 10);
    CHECK_INT(save_set(f, &r, "q_staff", "1", 20), HL_OK);
    const char *drop[] = {"q_staff", "q_comment"};
    hl_save_t s = {.set_qid = "q_service",
                   .set_value = "good",
                   .set_ms = 30,
                   .drop_qids = drop,
                   .n_drop = 2,
                   .status = HL_RESP_COMPLETE,
                   .finished_utc_ms = r.started_utc_ms + 31};
    CHECK_INT(hl_store_save(f->st, &r, &s, &f->err), HL_OK);
    CHECK_STR(fx_dump(f, NULL), "1:complete:vi:q_service=good");
    /* A finished response is frozen: the store refuses further changes. */
    CHECK_INT(save_set(f, &r, "q_wait", "yes", 40), HL_ERR_STATE);
    CHECK(f->err.msg[0] != '\0');
    CHECK_INT(save_finish(f, &r, HL_RESP_PARTIAL), HL_ERR_STATE);
    CHECK_STR(fx_dump(f, NULL), "1:complete:vi:q_service=good");
    fx_done(f);
}

static void test_language_change_is_stored_without_rewriting_each_answer(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r;
    resp_init(&r, 1);
    r.lang = HL_LANG_EN;
    CHECK_INT(save_set(f, &r, "q_service", "ok", 10), HL_OK);
    CHECK_INT(r.stored_lang, HL_LANG_EN);
    r.lang = HL_LANG_VI;
    CHECK_INT(save_set(f, &r, "q_staff", "3", 20), HL_OK);
    CHECK_INT(r.stored_lang, HL_LANG_VI);
    CHECK_INT(db_int(f->dir, "SELECT lang = 'vi' FROM responses"), 1);
    fx_done(f);
}

static void test_open_recovers_in_progress_as_partial_with_committed_answers(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "ok", 1500);
    CHECK_INT(save_set(f, &r, "q_staff", "2", 4200), HL_OK);
    /* Power cut: the process dies without closing (simulated by copying the
     * files while the store is open, then reopening the copy). */
    fx_t *copy = fx_new("store-copy", FX_CLOSED);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp %s/hailong.db* %s/", f->dir, copy->dir);
    CHECK_INT(system(cmd), 0);
    fx_done(f);

    int64_t recovered = -1;
    fx_reopen(copy, &recovered);
    CHECK_INT(recovered, 1);
    CHECK_STR(fx_dump(copy, NULL), "1:partial:vi:q_service=ok,q_staff=2");
    fx_close(copy);
    CHECK_INT(db_int(copy->dir, "SELECT finished_utc_ms - started_utc_ms FROM responses"), 4200);
    CHECK_INT(db_int(copy->dir, "SELECT finish_reason = 'recovered' FROM responses"), 1);
    fx_reopen(copy, &recovered);
    CHECK_INT(recovered, 0);
    fx_close(copy);
    check_integrity(copy->dir);
    fx_done(copy);
}

static void test_response_with_answers_cannot_be_deleted_or_altered_by_sql(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "ok", 10);
    CHECK_INT(save_finish(f, &r, HL_RESP_COMPLETE), HL_OK);
    fx_close(f);
    CHECK_SQL_REFUSED(f, "DELETE FROM responses");
    CHECK_SQL_REFUSED(f, "UPDATE answers SET value = 'bad'");
    CHECK_SQL_REFUSED(f, "DELETE FROM answers");
    CHECK_SQL_REFUSED(f, "UPDATE responses SET status = 2");
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM answers"), 1);
    /* Sequence numbers cannot be reused or lowered by another program. */
    CHECK_SQL_REFUSED(f, "INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
                         " started_utc_ms, clock_trusted) VALUES (1, 'x', 'k', 1, 'vi', 0, 1)");
    CHECK_SQL_REFUSED(f, "UPDATE seq_floor SET seq = -1");
    fx_done(f);
}

static void test_save_rejects_unknown_question_and_missing_survey(void)
{
    fx_t *f = fx_new("store", FX_BARE);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(f, &r, "q_service", "ok", 10), HL_ERR_STATE);
    CHECK_INT(hl_store_use_survey(f->st, &f->sv.s, "kiosk-01", &f->err), HL_OK);
    CHECK_INT(save_set(f, &r, "q_nope", "ok", 10), HL_ERR_USAGE);
    CHECK_CONTAINS(f->err.msg, "q_nope");
    CHECK_INT(save_set(f, &r, "q_service", "", 10), HL_ERR_USAGE);
    CHECK_INT(r.seq, 0);
    /* The same response id twice is refused (uniqueness): a bug, not a step
     * the kiosk refuses (test_integrity_rule_violation_is_internal_...). */
    CHECK_INT(save_set(f, &r, "q_service", "ok", 10), HL_OK);
    hl_response_t dup;
    resp_init(&dup, 1);
    CHECK_INT(save_set(f, &dup, "q_service", "ok", 10), HL_ERR_INTERNAL);
    CHECK_INT(dup.seq, 0);
    fx_done(f);
}

static void test_survey_changed_under_open_response_fails_instead_of_mixing(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    test_survey_t b;
    const char *reordered[] = {"q_wait", "q_service", "q_staff", "q_comment"};
    survey_make(&b, "svc", 2, reordered, 4);
    hl_response_t r = answered(f, 1, "q_service", "ok", 5);
    CHECK_INT(hl_store_use_survey(f->st, &b.s, "kiosk-01", &f->err), HL_OK);
    /* q_wait now has q_service's place in the survey. */
    CHECK_INT(save_set(f, &r, "q_wait", "yes", 6), HL_ERR_STATE);
    CHECK_CONTAINS(f->err.msg, "another version");
    /* q_service has moved: refused by the store's own check too, before the
     * database's one-answer-per-question rule would fire. */
    CHECK_INT(save_set(f, &r, "q_service", "better", 7), HL_ERR_STATE);
    CHECK_CONTAINS(f->err.msg, "another version");
    CHECK_STR(fx_dump(f, NULL), "1:in_progress:vi:q_service=ok");
    fx_done(f);
}

static void test_use_survey_stores_each_version_once(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    test_survey_t b;
    survey_make(&b, "svc", 2, qids_v1, 3);
    CHECK_INT(hl_store_use_survey(f->st, &b.s, "kiosk-01", &f->err), HL_OK);
    CHECK_INT(hl_store_use_survey(f->st, &f->sv.s, "kiosk-01", &f->err), HL_OK);
    fx_reopen(f, NULL);
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM surveys"), 2);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM surveys WHERE source LIKE '{%'"), 2);
    fx_done(f);
}

static void test_use_survey_refuses_changed_file_with_same_id_and_version(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    test_survey_t changed;
    survey_make(&changed, "svc", 1, qids_v1, 3); /* other content, same id and version */
    char file[] = "/srv/surveys/svc.json";
    changed.s.file = file;
    CHECK_INT(hl_store_use_survey(f->st, &changed.s, "kiosk-01", &f->err), HL_ERR_INVALID);
    CHECK_CONTAINS(f->err.msg, "survey \"svc\" version 1 is already stored with different content");
    char sha[32];
    snprintf(sha, sizeof sha, "(sha256 %.12s", f->sv.s.sha256);
    CHECK_CONTAINS(f->err.msg, sha);
    CHECK_CONTAINS(f->err.msg, "the file /srv/surveys/svc.json changed without a new version");
    CHECK_CONTAINS(f->err.msg, "bump \"version\" in it");
    /* Nothing stored; the survey in use is still the first (q_comment is
     * only in it). */
    answered(f, 1, "q_comment", "ok", 5);
    /* The same file again is fine, also after a restart; the changed one is
     * still refused. */
    CHECK_INT(hl_store_use_survey(f->st, &f->sv.s, "kiosk-01", &f->err), HL_OK);
    fx_reopen(f, NULL);
    CHECK_INT(hl_store_use_survey(f->st, &changed.s, "kiosk-01", &f->err), HL_ERR_INVALID);
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM surveys"), 1);
    fx_done(f);
}

static void test_integrity_rule_violation_is_internal_not_a_refused_step(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "ok", 10);
    /* A duplicate response UUID (UNIQUE): a bug in the random source. */
    hl_response_t dup;
    resp_init(&dup, 1);
    CHECK_INT(save_set(f, &dup, "q_service", "ok", 10), HL_ERR_INTERNAL);
    CHECK_CONTAINS(f->err.msg, "refused the change by its integrity rules");
    CHECK_CONTAINS(f->err.msg, "UNIQUE");
    CHECK_INT(dup.seq, 0);
    /* Another program put q_staff in q_comment's place: saving q_staff hits
     * a trigger, saving q_comment finds its place taken. */
    CHECK_INT(db_exec(f->path, "INSERT INTO answers(id, seq, qid, value, ms)"
                               " VALUES (1 * 64 + 3, 1, 'q_staff', 'forged', 1)"),
              SQLITE_OK);
    CHECK_INT(save_set(f, &r, "q_staff", "2", 20), HL_ERR_INTERNAL);
    CHECK_CONTAINS(f->err.msg, "integrity rules");
    CHECK_CONTAINS(f->err.msg, "a question is answered once per response");
    CHECK_INT(save_set(f, &r, "q_comment", "hi", 30), HL_ERR_INTERNAL);
    CHECK_CONTAINS(f->err.msg, "another question's place");
    CHECK_STR(fx_dump(f, NULL), "1:in_progress:vi:q_service=ok,q_staff=forged");
    fx_done(f);
}

static void test_foreach_walks_in_seq_order_filters_survey_and_after_seq(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    test_survey_t other;
    const char *oq[] = {"x"};
    survey_make(&other, "other", 1, oq, 1);
    for (int i = 1; i <= 5; i++) {
        if (i == 3) CHECK_INT(hl_store_use_survey(f->st, &other.s, "kiosk-01", &f->err), HL_OK);
        if (i == 4) CHECK_INT(hl_store_use_survey(f->st, &f->sv.s, "kiosk-01", &f->err), HL_OK);
        hl_response_t r;
        resp_init(&r, i);
        const char *q = i == 3 ? "x" : "q_wait";
        CHECK_INT(save_set(f, &r, q, "v", 5), HL_OK);
        if (i != 3) CHECK_INT(save_set(f, &r, "q_comment", "c", 6), HL_OK);
        if (i != 5) CHECK_INT(save_finish(f, &r, HL_RESP_COMPLETE), HL_OK);
    }
    fx_dump(f, NULL);
    CHECK_INT(f->d.rows, 5);
    CHECK_STR(fx_dump(f, "svc"),
              "1:complete:vi:q_comment=c,q_wait=v;2:complete:vi:q_comment=c,q_wait=v;"
              "4:complete:vi:q_comment=c,q_wait=v;5:in_progress:vi:q_comment=c,q_wait=v");
    CHECK_STR(fx_dump(f, "other"), "3:complete:vi:x=v");
    memset(&f->d, 0, sizeof f->d);
    CHECK_INT(hl_store_foreach(f->st, "svc", 2, dump_row, &f->d, &f->err), HL_OK);
    CHECK_INT(f->d.rows, 2);
    fx_dump(f, "nobody");
    CHECK_INT(f->d.rows, 0);
    fx_done(f);
}

/* hl_store_survey_columns of survey_id joined by ",". */
static const char *columns_of(fx_t *f, const char *survey_id)
{
    char **cols = NULL;
    size_t n = 0;
    memset(&f->d, 0, sizeof f->d);
    if (hl_store_survey_columns(f->st, survey_id, &cols, &n, &f->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "survey_columns: %s", f->err.msg);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(f->d.text);
        snprintf(f->d.text + len, sizeof f->d.text - len, "%s%s", i ? "," : "", cols[i]);
    }
    f->d.rows = (int)n;
    hl_store_free_ids(cols, n);
    return f->d.text;
}

static void test_survey_columns_are_union_in_newest_version_order(void)
{
    fx_t *f = fx_new("store", FX_BARE);
    const char *q1[] = {"a", "b", "c"};
    const char *q3[] = {"c", "d", "a"};
    const char *q2[] = {"e", "b"};
    test_survey_t v1, v2, v3;
    survey_make(&v1, "svc", 1, q1, 3);
    survey_make(&v3, "svc", 3, q3, 3);
    survey_make(&v2, "svc", 2, q2, 2);
    CHECK_INT(hl_store_use_survey(f->st, &v1.s, "kiosk-01", &f->err), HL_OK);
    CHECK_INT(hl_store_use_survey(f->st, &v3.s, "k", &f->err), HL_OK);
    CHECK_INT(hl_store_use_survey(f->st, &v2.s, "k", &f->err), HL_OK);
    CHECK_STR(columns_of(f, "svc"), "c,d,a,e,b");
    /* The same version 3 with other questions, registered later (only an
     * older build stored that; use_survey now refuses it): wins the tie. */
    CHECK_INT(db_exec(f->path, "INSERT INTO surveys(sha256, survey_id, version, qids, source)"
                               " VALUES ('3b', 'svc', 3, 'f,c', '{}')"),
              SQLITE_OK);
    CHECK_STR(columns_of(f, "svc"), "f,c,d,a,e,b");
    char **cols = NULL;
    size_t n = 0;
    CHECK_INT(hl_store_survey_columns(f->st, "nope", &cols, &n, &f->err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(f->err.msg, "nope");
    CHECK(cols == NULL);
    fx_done(f);
}

static void test_stats_count_statuses_answers_and_clock_trust(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_store_stats_t s;
    CHECK_INT(hl_store_stats(f->st, &s, &f->err), HL_OK);
    CHECK_INT(s.responses, 0);
    CHECK_INT(s.last_seq, 0);
    CHECK_INT(s.first_started_utc_ms, -1);
    CHECK_INT(s.last_finished_utc_ms, -1);
    for (int i = 1; i <= 3; i++) {
        hl_response_t r;
        resp_init(&r, i);
        r.clock_trusted = i != 2;
        CHECK_INT(save_set(f, &r, "q_service", "ok", 5), HL_OK);
        CHECK_INT(save_set(f, &r, "q_staff", "5", 6), HL_OK);
        if (i < 3)
            CHECK_INT(save_finish(f, &r, i == 1 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL), HL_OK);
    }
    CHECK_INT(hl_store_stats(f->st, &s, &f->err), HL_OK);
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
    fx_done(f);
}

static void test_batch_groups_saves_and_failed_save_undoes_only_itself(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    CHECK_INT(hl_store_batch_begin(f->st, &f->err), HL_OK);
    CHECK_INT(hl_store_batch_begin(f->st, &f->err), HL_ERR_STATE);
    hl_response_t r1, r2;
    resp_init(&r1, 1);
    resp_init(&r2, 2);
    CHECK_INT(save_set(f, &r1, "q_service", "ok", 5), HL_OK);
    CHECK_INT(save_finish(f, &r1, HL_RESP_COMPLETE), HL_OK);
    CHECK_INT(save_set(f, &r2, "q_service", "ok", 5), HL_OK);
    CHECK_INT(save_finish(f, &r2, HL_RESP_COMPLETE), HL_OK);
    /* A refused save inside the batch undoes itself only. */
    CHECK_INT(save_set(f, &r2, "q_staff", "1", 9), HL_ERR_STATE);
    CHECK_INT(hl_store_batch_end(f->st, &f->err), HL_OK);
    CHECK_INT(hl_store_batch_end(f->st, &f->err), HL_ERR_STATE);
    CHECK_STR(fx_dump(f, NULL), "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok");
    /* A batch left open at close is not kept. */
    CHECK_INT(hl_store_batch_begin(f->st, &f->err), HL_OK);
    answered(f, 3, "q_service", "ok", 5);
    fx_close(f);
    dump_dir(f->dir, &f->d);
    CHECK_INT(f->d.rows, 2);
    fx_done(f);
}

static void test_other_writer_holding_the_lock_returns_locked(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    sqlite3 *other = NULL;
    CHECK_INT(sqlite3_open(f->path, &other), SQLITE_OK);
    CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    hl_response_t r;
    resp_init(&r, 1);
    CHECK_INT(save_set(f, &r, "q_service", "ok", 5), HL_ERR_LOCKED);
    CHECK_CONTAINS(f->err.msg, "another program");
    CHECK_INT(r.seq, 0);
    CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    CHECK_INT(save_set(f, &r, "q_service", "ok", 5), HL_OK);
    CHECK_INT(r.seq, 1);
    fx_done(f);
}

static void test_second_writer_on_a_folder_is_locked_out_before_recovery(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "ok", 5);

    /* A second `hailong run` on the folder while the kiosk answers r: flock
     * on two open file descriptions conflicts, even in one process. */
    hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
    hl_store_t *second = (hl_store_t *)1;
    int64_t recovered = -1;
    CHECK_INT(hl_store_open(f->dir, &o, &second, &recovered, &f->err), HL_ERR_LOCKED);
    CHECK(second == NULL);
    CHECK_INT(recovered, 0);
    CHECK_CONTAINS(f->err.msg, "another hailong is using");
    CHECK_CONTAINS(f->err.msg, f->dir);
    char pid[32];
    snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
    CHECK_CONTAINS(f->err.msg, pid);
    char lock[600];
    snprintf(lock, sizeof lock, "%s/%s", f->dir, HL_STORE_LOCK);
    struct stat sb;
    CHECK(stat(lock, &sb) == 0 && (sb.st_mode & 0777) == 0640);

    /* The live response was not recovered and the first store goes on;
     * readers (export, stats) do not need the lock. */
    CHECK_INT(save_set(f, &r, "q_staff", "2", 6), HL_OK);
    dump_dir(f->dir, &f->d);
    CHECK_STR(f->d.text, "1:in_progress:vi:q_service=ok,q_staff=2");
    fx_close(f);

    /* Once the first is closed, the folder is free (r, left open, is
     * finished as partial by the new writer). */
    second = NULL;
    CHECK_INT(hl_store_open(f->dir, &o, &second, &recovered, &f->err), HL_OK);
    CHECK_INT(recovered, 1);
    hl_store_close(second);
    fx_done(f);
}

static void test_read_only_store_reads_and_refuses_writes(void)
{
    fx_t *f = fx_new("store", FX_CLOSED);
    hl_store_opts_t ro = {.read_only = true};
    CHECK_INT(hl_store_open(f->dir, &ro, &f->st, NULL, &f->err), HL_ERR_NOT_FOUND);
    CHECK(f->st == NULL);
    fx_reopen(f, NULL);
    answered(f, 1, "q_service", "ok", 5);
    fx_read_only(f);
    CHECK_INT(hl_store_use_survey(f->st, &f->sv.s, "k", &f->err), HL_ERR_READONLY);
    hl_response_t r2;
    resp_init(&r2, 2);
    CHECK_INT(save_set(f, &r2, "q_service", "ok", 5), HL_ERR_READONLY);
    CHECK_STR(fx_dump(f, NULL), "1:in_progress:vi:q_service=ok"); /* read-only: no recovery */
    fx_done(f);
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

static const char *fx_duty(fx_t *f)
{
    dump_duty(f->st, &f->d);
    return f->d.text;
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

static const char *fx_log(fx_t *f, int n)
{
    dump_log(f->st, n, &f->d);
    return f->d.text;
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

/* The stored part of a PIN lockout state. */
#define CHECK_PIN(l, fails, outs, locked_at, ms)                                                   \
    do {                                                                                           \
        hl_pin_lock_t l_ = (l);                                                                    \
        CHECK_INT(l_.failures, fails);                                                             \
        CHECK_INT(l_.lockouts, outs);                                                              \
        CHECK_INT(l_.locked_at_utc_ms, locked_at);                                                 \
        CHECK_INT(l_.lock_ms, ms);                                                                 \
    } while (0)

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
static const char *tally_of(fx_t *f, const char *survey, int64_t from, const char *officer,
                            const char *qid)
{
    hl_tally_query_t q = {.survey_id = survey, .from_utc_ms = from, .officer_id = officer};
    memset(&f->d, 0, sizeof f->d);
    if (hl_store_tally(f->st, &q, qid, tally_line, &f->d, &f->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "tally: %s", f->err.msg);
    return f->d.text;
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

/* A data folder holding tests/data/store/v<v>.sql: a database as schema
 * version v wrote it (v0 is the empty file), store closed; NULL (a failed
 * check) without the file. The fixtures store svc version 1 with a stand-in
 * SHA-256: sv is version 2 (the same version with another file is refused). */
static fx_t *fx_schema(const char *tag, int v)
{
    char rel[64];
    snprintf(rel, sizeof rel, "store/v%d.sql", v);
    char *sql = hl_test_read_file(hl_test_data(rel), NULL);
    CHECK(sql != NULL);
    if (!sql) return NULL;
    fx_t *f = fx_new(tag, FX_CLOSED);
    survey_make(&f->sv, "svc", 2, qids_v1, 4);
    CHECK_INT(db_exec(f->path, sql), SQLITE_OK);
    free(sql);
    return f;
}

static void test_migrates_from_every_older_schema_version(void)
{
    for (int v = 0; v < HL_STORE_SCHEMA_VERSION; v++) {
        fx_t *f = fx_schema("store-mig", v);
        if (!f) continue;
        CHECK_INT(db_int(f->dir, "PRAGMA user_version"), v);
        long long before = v ? db_int(f->dir, "SELECT count(*) FROM answers") : 0;
        long long max_seq = v ? db_int(f->dir, "SELECT coalesce(max(seq), 0) FROM responses") : 0;
        long long rows = v ? db_int(f->dir, "SELECT count(*) FROM responses") : 0;
        long long exports = v >= 2 ? db_int(f->dir, "SELECT count(*) FROM exports") : 0;

        fx_reopen(f, NULL);
        CHECK_INT(db_int(f->dir, "PRAGMA user_version"), HL_STORE_SCHEMA_VERSION);
        CHECK_INT(db_int(f->dir, "PRAGMA application_id"), HL_STORE_APP_ID);
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM answers"), before);
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses"), rows);
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM exports"), exports);
        /* Schema 3: before it, every response stored is pending (the one
         * cut off is finished by recovery), nothing delivered or tried yet;
         * from it on, the fixture's sync state is kept. */
        hl_store_sync_t sy = sync_state_of(f->st);
        if (v < 3) {
            CHECK_BACKLOG(sy, v ? 3 : 0, 0, v ? 1 : 0);
            CHECK_INT(sy.oldest_pending_utc_ms, v ? 1700000069000LL : -1);
            CHECK_INT(sy.last_attempt_utc_ms, -1);
            CHECK_INT(sy.last_success_utc_ms, -1);
            CHECK_INT(sy.last_error_utc_ms, -1);
            CHECK_STR(sy.last_error, "");
            CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 0);
        } else {
            CHECK_BACKLOG(sy, 2, 1, 3);
            CHECK_INT(sy.last_success_utc_ms, 1700000400000LL);
            CHECK_CONTAINS(sy.last_error, "HTTP 503");
            CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 2);
        }
        CHECK_STR(sy.stopped_fingerprint, "");
        hl_response_t r;
        if (v) {
            CHECK_STR(fx_pending(f, 100),
                      v < 3 ? "1:complete:vi:q_service=very_satisfied,q_staff=5;"
                              "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes"
                            : "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
        }
        if (v == 1) {
            /* The fixture's responses, the one cut off finished as partial. */
            CHECK_STR(fx_dump(f, "svc"), "1:complete:vi:q_service=very_satisfied,q_staff=5;"
                                         "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
        }
        /* Schema 4: responses stored before have nobody on duty; the PIN
         * state is fresh and the log empty. From it on, the fixture's. */
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses"
                                 " WHERE officer_id IS NOT NULL OR counter IS NOT NULL"),
                  v < 4 ? 0 : 2);
        hl_pin_lock_t fresh, pin = pin_of(f->st);
        hl_pin_lock_init(&fresh);
        if (v < 4) CHECK(memcmp(&pin, &fresh, sizeof pin) == 0);
        if (v >= 4) CHECK_INT(pin.failures, 2);
        dump_t lg;
        dump_log(f->st, 10, &lg);
        CHECK_INT(lg.rows, v < 4 ? 0 : 4);
        if (v) {
            CHECK_STR(fx_duty(f),
                      v < 4 ? "1:-/-;3:-/-;4:-/-" : "1:-/-;3:off_2/Quầy 2;4:off_2/Quầy 2");
        }
        /* Schema 5: responses stored before are not flagged and not chained
         * (recovered 4 included) until the device key is set, which chains
         * and signs them all in seq order; the chain then verifies. From
         * schema 5 (1 and 3 HMAC-chained with chain_key_a, 4 recovered):
         * the old rows keep their HMAC chain, the device key signs a link
         * to the old head (3) and chains 4 after it. */
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE suspect IS NOT NULL"
                                 " OR chain IS NOT NULL OR prev_chain IS NOT NULL"
                                 " OR chain_key IS NOT NULL"),
                  v < 5 ? 0 : 2);
        if (v == 5) {
            /* Before the device key takes over (none given yet): the old
             * chain checks with its key; 4 is not chained yet. */
            dump_t d5;
            CHECK_INT(verify_problems_old(f->st, NULL, chain_key_a, &d5), 1);
            CHECK_STR(d5.text, "4:INSERTED");
        }
        CHECK_INT(hl_store_set_signer(f->st, DEV_A, &f->err), HL_OK);
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE chain IS NULL"), 0);
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE chain_sig IS NULL"),
                  v < 5 ? 0 : 2);
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM chain_links"), v < 5 ? 0 : 1);
        if (v == 5) {
            dump_t d5;
            CHECK_INT(verify_problems_old(f->st, DEV_A, chain_key_a, &d5), 0);
            CHECK_STR(d5.text, "");
            /* Without the old key: links followed, content not checked. */
            CHECK_INT(verify_problems(f->st, DEV_A, &d5), 0);
            CHECK_STR(d5.text, "1:UNCHECKED;3:UNCHECKED");
        }
        if (v) {
            CHECK_INT(
                db_int(f->dir, "SELECT prev_chain = '" ZERO64 "' FROM responses WHERE seq = 1"), 1);
            CHECK_INT(db_int(f->dir, "SELECT (SELECT prev_chain FROM responses WHERE seq = 4) ="
                                     " (SELECT chain FROM responses WHERE seq = 3)"),
                      1);
        }
        CHECK_INT(verify_problems_old(f->st, DEV_A, chain_key_a, NULL), 0);
        CHECK_INT(hl_store_set_duty(f->st, "off_m", "Quầy 9", &f->err), HL_OK);
        resp_init(&r, 900 + v);
        CHECK_INT(save_set(f, &r, "q_service", "ok", 5), HL_OK);
        CHECK(r.seq > max_seq);
        CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE officer_id = 'off_m'"
                                 " AND counter = 'Quầy 9'"),
                  1);
        /* The identity rule, re-created by the step, covers the new columns. */
        static const char *const kept[] = {"officer_id", "counter", "suspect"};
        for (int k = 0; k < 3; k++) {
            char *upd = sqlite3_mprintf("UPDATE responses SET %s = 'x' WHERE seq = %lld", kept[k],
                                        (long long)r.seq);
            CHECK_SQL_REFUSED(f, upd);
            sqlite3_free(upd);
        }
        pin.failures = 2;
        CHECK_INT(hl_store_pin_put(f->st, &pin, &f->err), HL_OK);
        CHECK_INT(hl_store_log(f->st, 1700000000000LL, "config", "migrated", &f->err), HL_OK);
        CHECK_INT(pin_of(f->st).failures, 2);
        dump_log(f->st, 1, &lg);
        CHECK_STR(lg.text, "1700000000000:config:migrated");
        CHECK_COUNTS(count_of(f->st, NULL, -1, NULL), v ? 3 : 0, v ? 1 : 0, v ? 2 : 0);
        /* Schema 2's exports table is there and works on a migrated file. */
        int64_t upto = -1;
        CHECK_INT(hl_store_exported_upto(f->st, &upto, &f->err), HL_OK);
        if (v < 2) CHECK_INT(upto, 0);
        CHECK_INT(hl_store_record_export(f->st, 1700000000000LL, 1, r.seq, 1, "m", "f", &f->err),
                  HL_OK);
        CHECK_INT(hl_store_exported_upto(f->st, &upto, &f->err), HL_OK);
        CHECK_INT(upto, r.seq);
        /* Schema 3's sync tables work on a migrated file: the new response
         * is in progress, so the watermark stops before it. */
        const int64_t all[] = {1, 3, 4, r.seq};
        CHECK_INT(sync_ok(f, 1700000400000LL, all, 4), HL_OK);
        sy = sync_state_of(f->st);
        CHECK_INT(sy.pending, 0);
        CHECK_INT(sy.delivered, v ? 3 : 0);
        CHECK_INT(sy.last_success_utc_ms, 1700000400000LL);
        CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), r.seq - 1);
        fx_close(f);
        check_integrity(f->dir);
        fx_done(f);
    }
}

static void test_current_version_fixture_opens_with_its_data(void)
{
    /* The schema this build writes, kept as a fixture so that the next
     * version has a database of this one to migrate from. */
    fx_t *f = fx_schema("store-fix", HL_STORE_SCHEMA_VERSION);
    if (!f) return;
    int64_t recovered = -1;
    fx_reopen(f, &recovered);
    CHECK_INT(recovered, 1);
    dump_t d;
    CHECK_STR(fx_dump(f, "svc"), "1:complete:vi:q_service=very_satisfied,q_staff=5;"
                                 "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
    /* Schema 5: 1 and 3 are chained with the fixture's old key; schema 6:
     * the device key's signed link to 3; 4, recovered before any key was
     * set, is chained and signed when it is set. 3 is flagged. */
    CHECK_INT(verify_problems_old(f->st, DEV_A, chain_key_a, &d), 1);
    CHECK_STR(d.text, "4:INSERTED");
    CHECK_INT(hl_store_set_signer(f->st, DEV_A, &f->err), HL_OK);
    CHECK_INT(verify_problems_old(f->st, DEV_A, chain_key_a, NULL), 0);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM chain_links"), 1); /* not linked twice */
    int64_t head = -1;
    char hex[HL_CHAIN_HEX + 1], sig[HL_DEVKEY_SIG_HEX + 1], fpr[HL_DEVKEY_FPR_HEX + 1];
    CHECK_INT(hl_store_chain_head_signed(f->st, &head, hex, sig, fpr, &f->err), HL_OK);
    CHECK_INT(head, 4);
    CHECK_STR(fpr, DEV_A->fingerprint);
    CHECK(hl_devkey_verify_chain(DEV_A, "kiosk-01", 4, hex, sig));
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE seq = 3"
                             " AND suspect = 'min_interval' AND prev_chain = (SELECT chain FROM"
                             " responses WHERE seq = 1)"),
              1);
    hl_store_fair_t fair;
    CHECK_INT(hl_store_fair_counts(f->st, &fair, &f->err), HL_OK);
    CHECK_INT(fair.suspect, 1);
    CHECK_INT(fair.min_interval, 1);
    CHECK_INT(fair.max_per_hour, 0);
    hl_response_t r = answered(f, 77, "q_service", "ok", 5);
    CHECK_INT(r.seq, 5); /* seq 2 was removed once: numbers never go back */
    int64_t upto = -1;
    CHECK_INT(hl_store_exported_upto(f->st, &upto, &f->err), HL_OK);
    CHECK_INT(upto, 3); /* the fixture's export of 1..3 */
    /* The fixture's sync state: 1 delivered, the last attempt failed. */
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_BACKLOG(sy, 2, 1, 3);
    CHECK_INT(sy.oldest_pending_utc_ms, 1700000189000LL);
    CHECK_INT(sy.last_attempt_utc_ms, 1700000500000LL);
    CHECK_INT(sy.last_success_utc_ms, 1700000400000LL);
    CHECK_INT(sy.last_error_utc_ms, 1700000500000LL);
    CHECK_CONTAINS(sy.last_error, "HTTP 503");
    CHECK_STR(sy.stopped_fingerprint, "");
    CHECK_STR(fx_pending(f, 10), "3:partial:en:q_service=bad;4:partial:vi:q_wait=yes");
    /* Schema 4: who served, the PIN state and the technician log. */
    CHECK_STR(fx_duty(f), "1:-/-;3:off_2/Quầy 2;4:off_2/Quầy 2;5:-/-");
    hl_pin_lock_t pin = pin_of(f->st);
    CHECK_PIN(pin, 2, 1, 1700000550000LL, 300000);
    CHECK_STR(fx_log(f, 2),
              "1700000960000:export:3 responses to /media/usb0;1700000900000:pin_ok:(null)");
    CHECK_COUNTS(count_of(f->st, NULL, -1, NULL), 3, 1, 2);
    CHECK_COUNTS(count_of(f->st, "svc", -1, "off_2"), 2, 0, 2);
    CHECK_STR(tally_of(f, NULL, -1, NULL, "q_service"), "bad=1;very_satisfied=1");
    fx_done(f);
}

/* Opens f's folder expecting HL_ERR_CORRUPT and checks the file kept its
 * bytes. */
static void expect_refused(fx_t *f, const char *needle)
{
    size_t n0 = 0, n1 = 0;
    char *before = hl_test_read_file(f->path, &n0);
    setup();
    hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
    hl_store_t *st = (hl_store_t *)1;
    CHECK_INT(hl_store_open(f->dir, &o, &st, NULL, &f->err), HL_ERR_CORRUPT);
    CHECK(st == NULL);
    CHECK_CONTAINS(f->err.msg, needle);
    CHECK_CONTAINS(f->err.msg, "move it aside");
    CHECK_CONTAINS(f->err.msg, f->path);
    o.read_only = true;
    CHECK_INT(hl_store_open(f->dir, &o, &st, NULL, &f->err), HL_ERR_CORRUPT);
    char *after = hl_test_read_file(f->path, &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
    free(before);
    free(after);
}

/* A database made by sql is refused for needle, and left as it was. */
static void expect_sql_refused(const char *sql, const char *needle)
{
    fx_t *f = fx_new("store", FX_CLOSED);
    CHECK_INT(db_exec(f->path, sql), SQLITE_OK);
    expect_refused(f, needle);
    fx_done(f);
}

static void test_refuses_garbage_file_without_modifying_it(void)
{
    fx_t *f = fx_new("store", FX_CLOSED);
    free(hl_test_write_file(f->dir, HL_STORE_FILE, "this is a survey export, not a database\n"));
    expect_refused(f, "not a SQLite database");
    /* Also a file with SQLite's magic but a damaged header. */
    char junk[4096];
    memset(junk, 'x', sizeof junk - 1);
    junk[sizeof junk - 1] = '\0';
    memcpy(junk, "SQLite format 3", 16);
    FILE *db = fopen(f->path, "wb");
    fwrite(junk, 1, sizeof junk, db);
    fclose(db);
    expect_refused(f, "damaged");
    fx_done(f);
}

static void test_refuses_foreign_application_database_without_modifying_it(void)
{
    expect_sql_refused("PRAGMA application_id = 1234; CREATE TABLE notes(x);"
                       "INSERT INTO notes VALUES ('keep me')",
                       "another program");
}

static void test_refuses_database_with_foreign_tables_and_no_app_id(void)
{
    expect_sql_refused("PRAGMA journal_mode = WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)",
                       "another program");
}

static void test_refuses_newer_schema_without_modifying_it(void)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "PRAGMA application_id = %d; PRAGMA user_version = %d; CREATE TABLE t(x)",
             HL_STORE_APP_ID, HL_STORE_SCHEMA_VERSION + 1);
    expect_sql_refused(sql, "newer hailong");
}

/* ---- Injected faults --------------------------------------------------------- */

/* A step that fault_sweep runs under a fault plan, in a fresh store each
 * time; ctx is the step's own state. */
typedef struct fault_step {
    const char *tag;                       /* the data folders' tag */
    fx_how_t how;                          /* how the store is opened */
    void (*before)(fx_t *f, void *ctx);    /* makes the state before the step */
    int (*step)(fx_t *f, void *ctx);       /* the step: an HL_ code */
    void (*unchanged)(fx_t *f, void *ctx); /* checks, after it failed: nothing of it */
    void (*after)(fx_t *f, void *ctx);     /* checks, once it went through; may close */
} fault_step_t;

/* For N = 1, 2, ... the Nth operation of kind op fails with sqlite_rc (and,
 * persistent, every one after it) until a run where the fault no longer hits
 * the step: a failed step returns want with a message, leaves nothing of
 * itself, and goes through once the fault is gone; the file stays whole. */
static void fault_sweep(const fault_step_t *c, void *ctx, hl_fault_op_t op, int sqlite_rc,
                        bool persistent, int want)
{
    int failures = 0;
    for (long nth = 1; nth < 200; nth++) {
        fx_t *f = fx_new(c->tag, c->how);
        if (!f->st) {
            fx_done(f);
            break;
        }
        c->before(f, ctx);
        hl_faultvfs_arm(op, nth, persistent, sqlite_rc);
        int rc = c->step(f, ctx);
        bool fired = hl_faultvfs_fired();
        hl_faultvfs_disarm();
        if (rc != HL_OK) {
            failures++;
            CHECK(fired);
            CHECK_INT(rc, want);
            CHECK(f->err.msg[0] != '\0');
            c->unchanged(f, ctx);
            /* The fault is gone: the same step goes through. */
            CHECK_INT(c->step(f, ctx), HL_OK);
        }
        c->after(f, ctx);
        fx_close(f);
        check_integrity(f->dir);
        fx_done(f);
        if (!fired) break;
    }
    CHECK(failures > 0);
}

/* One save under a fault plan: prior state q_service + q_staff in progress;
 * the save sets q_wait, drops q_staff and finishes (or, when creating, a new
 * response's first answer). */
typedef struct save_fault {
    bool creating;          /* the save creates response 2 */
    const char *old_state;  /* the store before the save (dump_t) */
    const char *new_state;  /* and after it */
    hl_response_t r, r_was; /* the response saved, and as it was before */
    hl_save_t s;            /* the save */
} save_fault_t;

static void save_fault_before(fx_t *f, void *ctx)
{
    static const char *const drop[] = {"q_staff"};
    save_fault_t *c = ctx;
    resp_init(&c->r, 1);
    CHECK_INT(save_set(f, &c->r, "q_service", "ok", 5), HL_OK);
    if (c->creating) {
        CHECK_INT(save_finish(f, &c->r, HL_RESP_COMPLETE), HL_OK);
        resp_init(&c->r, 2);
    } else {
        CHECK_INT(save_set(f, &c->r, "q_staff", "2", 6), HL_OK);
    }
    c->r.lang = HL_LANG_EN;
    c->s = (hl_save_t){.set_qid = "q_wait", .set_value = "no", .set_ms = 7};
    if (!c->creating) {
        c->s.drop_qids = drop;
        c->s.n_drop = 1;
        c->s.status = HL_RESP_COMPLETE;
        c->s.finished_utc_ms = c->r.started_utc_ms + 8;
    }
    c->r_was = c->r;
}

static int save_fault_step(fx_t *f, void *ctx)
{
    save_fault_t *c = ctx;
    return hl_store_save(f->st, &c->r, &c->s, &f->err);
}

static void save_fault_unchanged(fx_t *f, void *ctx)
{
    save_fault_t *c = ctx;
    CHECK(memcmp(&c->r, &c->r_was, sizeof c->r) == 0); /* seq, stored_lang unchanged */
    CHECK_STR(fx_dump(f, NULL), c->old_state);
}

static void save_fault_after(fx_t *f, void *ctx)
{
    save_fault_t *c = ctx;
    dump_t d;
    CHECK_STR(fx_dump(f, NULL), c->new_state);
    if (c->creating) CHECK_INT(c->r.seq, 2);
    fx_close(f);
    dump_dir(f->dir, &d);
    CHECK_STR(d.text, c->new_state);
}

static void fault_loop(hl_fault_op_t op, int sqlite_rc, bool persistent, int want, bool creating)
{
    static const fault_step_t save = {"store-fault",        FX_SURVEY,
                                      save_fault_before,    save_fault_step,
                                      save_fault_unchanged, save_fault_after};
    save_fault_t c = {
        .creating = creating,
        .old_state =
            creating ? "1:complete:vi:q_service=ok" : "1:in_progress:vi:q_service=ok,q_staff=2",
        .new_state = creating ? "1:complete:vi:q_service=ok;2:in_progress:en:q_wait=no"
                              : "1:complete:en:q_service=ok,q_wait=no",
    };
    fault_sweep(&save, &c, op, sqlite_rc, persistent, want);
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
    fx_t *f = fx_new("store-read", FX_SURVEY);
    for (int i = 1; i <= 20; i++) {
        hl_response_t r = answered(f, i, "q_comment", "a longer answer to fill pages", 5);
        CHECK_INT(save_finish(f, &r, HL_RESP_COMPLETE), HL_OK);
    }
    fx_close(f);
    dump_t want, d;
    dump_dir(f->dir, &want);
    int failures = 0;
    for (long nth = 1; nth < 500; nth++) {
        hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
        hl_faultvfs_arm(HL_FAULT_READ, nth, false, SQLITE_IOERR_READ);
        int rc = hl_store_open(f->dir, &o, &f->st, NULL, &f->err);
        if (rc == HL_OK) {
            memset(&d, 0, sizeof d);
            rc = hl_store_foreach(f->st, NULL, 0, dump_row, &d, &f->err);
        }
        bool fired = hl_faultvfs_fired();
        hl_faultvfs_disarm();
        fx_close(f);
        if (rc != HL_OK) {
            failures++;
            CHECK(rc == HL_ERR_IO || rc == HL_ERR_CORRUPT);
            CHECK(f->err.msg[0] != '\0');
        }
        dump_dir(f->dir, &d);
        CHECK_STR(d.text, want.text);
        if (!fired) break;
    }
    CHECK(failures > 0);
    check_integrity(f->dir);
    fx_done(f);
}

/* ---- Real media ------------------------------------------------------------ */

/* A data folder on a tmpfs mounted with opts (root only), store closed;
 * NULL, with a "skipped" line, when that is not possible here. */
static fx_t *fx_tmpfs(const char *tag, const char *opts, const char *test)
{
    fx_t *f = fx_new(tag, FX_CLOSED);
    if (geteuid() != 0) {
        printf("skipped: %s needs root to mount a tmpfs\n", test);
    } else if (mount("tmpfs", f->dir, "tmpfs", 0, opts) != 0) {
        printf("skipped: %s: mount -t tmpfs -o %s failed: %s\n", test, opts, strerror(errno));
    } else {
        f->tmpfs = opts;
        return f;
    }
    fx_done(f);
    return NULL;
}

static void fx_remount_read_only(fx_t *f)
{
    CHECK_INT(mount("tmpfs", f->dir, "tmpfs", MS_REMOUNT | MS_RDONLY, f->tmpfs), 0);
}

static void test_real_full_disk_returns_full_and_keeps_earlier_answers(void)
{
    fx_t *f = fx_tmpfs("store-tmpfs", "size=512k", __func__);
    if (!f) return;
    char ballast_path[600];
    snprintf(ballast_path, sizeof ballast_path, "%s/ballast", f->dir);
    char big[64 * 1024];
    memset(big, 'b', sizeof big);
    FILE *ballast = fopen(ballast_path, "wb");
    CHECK(ballast && fwrite(big, 1, sizeof big, ballast) == sizeof big);
    if (ballast) fclose(ballast);

    fx_reopen(f, NULL);
    char value[400];
    int rc = HL_OK;
    int64_t committed = 0; /* answers committed */
    int responses = 0;
    for (int i = 1; f->st && rc == HL_OK && i < 100000; i++) {
        hl_response_t r;
        resp_init(&r, i);
        for (int q = 0; q < 4 && rc == HL_OK; q++) {
            snprintf(value, sizeof value, "%d-%d-%0380d", i, q, 0);
            rc = save_set(f, &r, qids_v1[q], value, q);
            if (rc == HL_OK) committed++;
        }
        if (rc == HL_OK) rc = save_finish(f, &r, HL_RESP_COMPLETE);
        if (rc == HL_OK) responses++;
    }
    CHECK_INT(rc, HL_ERR_FULL);
    CHECK_CONTAINS(f->err.msg, "disk is full");
    CHECK(responses > 10);

    /* Everything committed is there, read-only, with the disk still full. */
    fx_read_only(f);
    hl_store_stats_t s;
    CHECK_INT(hl_store_stats(f->st, &s, &f->err), HL_OK);
    CHECK_INT(s.answers, committed);
    CHECK_INT(s.complete, responses);
    /* With some space back, the store opens for writing and recovers. */
    unlink(ballast_path);
    int64_t recovered = -1;
    fx_reopen(f, &recovered);
    CHECK_INT(recovered, committed > responses * 4 ? 1 : 0);
    CHECK_INT(hl_store_stats(f->st, &s, &f->err), HL_OK);
    CHECK_INT(s.answers, committed);
    fx_close(f);
    check_integrity(f->dir);
    fx_done(f);
}

static void test_read_only_medium_returns_readonly(void)
{
    fx_t *f = fx_tmpfs("store-ro", "size=64k", __func__);
    if (!f) return;
    fx_remount_read_only(f);
    CHECK_INT(hl_store_open(f->dir, NULL, &f->st, NULL, &f->err), HL_ERR_READONLY);
    CHECK_CONTAINS(f->err.msg, f->dir);
    CHECK(f->st == NULL);
    fx_done(f);
}

static void test_read_only_medium_with_a_database_refuses_writes_and_still_reads(void)
{
    fx_t *f = fx_tmpfs("store-rodb", "size=4m", __func__);
    if (!f) return;
    char crash[600], cmd[2048];
    snprintf(crash, sizeof crash, "%s/crash", f->dir);
    fx_reopen(f, NULL);
    hl_response_t r = answered(f, 1, "q_service", "ok", 5);
    CHECK_INT(save_finish(f, &r, HL_RESP_COMPLETE), HL_OK);
    /* A power cut copy: the database and a -wal holding the commits, no
     * -shm (the medium was then write-protected). */
    snprintf(cmd, sizeof cmd, "mkdir %s && cp %s/hailong.db %s/hailong.db-wal %s/", crash, f->dir,
             f->dir, crash);
    CHECK_INT(system(cmd), 0);
    fx_close(f);
    fx_remount_read_only(f);

    hl_store_t *st = (hl_store_t *)1;
    CHECK_INT(hl_store_open(f->dir, NULL, &st, NULL, &f->err), HL_ERR_READONLY);
    CHECK(st == NULL);
    char want[700];
    snprintf(want, sizeof want,
             "the data folder %s is on a read-only file system: remount it read-write or "
             "choose another --data-dir",
             f->dir);
    CHECK_CONTAINS(f->err.msg, want);

    /* export and stats still read it (immutable: no -shm can be made). */
    fx_read_only(f);
    if (f->st) {
        CHECK_STR(fx_dump(f, NULL), "1:complete:vi:q_service=ok");
        hl_store_stats_t s;
        CHECK_INT(hl_store_stats(f->st, &s, &f->err), HL_OK);
        CHECK_INT(s.complete, 1);
    }
    fx_close(f);
    /* Commits still in a -wal cannot be read without a -shm: said plainly. */
    hl_store_opts_t ro = {.read_only = true};
    st = (hl_store_t *)1;
    int rc = hl_store_open(crash, &ro, &st, NULL, &f->err);
    if (rc == HL_OK) {
        /* A SQLite that reads it anyway must see the commits. */
        dump_t d;
        dump_store(st, NULL, &d);
        CHECK_STR(d.text, "1:complete:vi:q_service=ok");
        hl_store_close(st);
    } else {
        CHECK_INT(rc, HL_ERR_READONLY);
        CHECK(st == NULL);
        CHECK_CONTAINS(f->err.msg, "-wal holds changes not yet merged");
        CHECK_CONTAINS(f->err.msg, "remount it read-write");
    }
    fx_done(f);
}

static void test_fault_vfs_counts_and_fails_the_nth_call(void)
{
    setup();
    fx_t *f = fx_new("store", FX_CLOSED);
    sqlite3 *db = NULL;
    CHECK_INT(
        sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, HL_FAULTVFS_NAME),
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
    fx_done(f);
}

/* ---- Exports to sticks ----------------------------------------------------------- */

static void test_record_export_raises_exported_upto_and_shows_in_stats(void)
{
    fx_t *f = fx_new("store-exp", FX_SURVEY);
    int64_t upto = -1;
    CHECK_INT(hl_store_exported_upto(f->st, &upto, &f->err), HL_OK);
    CHECK_INT(upto, 0);
    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(f->st, &stats, &f->err), HL_OK);
    CHECK_INT(stats.n_exports, 0);
    CHECK_INT(stats.last_export_utc_ms, -1);
    CHECK_INT(stats.exported_upto_seq, 0);

    CHECK_INT(
        hl_store_record_export(f->st, 1700000100000LL, 1, 3, 3, "UUID-1", "HAILONG/k/a", &f->err),
        HL_OK);
    CHECK_INT(hl_store_record_export(f->st, 1700000200000LL, 4, 9, 5, NULL, NULL, &f->err), HL_OK);
    /* A full re-export of older responses does not lower the mark. */
    CHECK_INT(hl_store_record_export(f->st, 1700000300000LL, 1, 5, 4, "UUID-2", "x", &f->err),
              HL_OK);
    CHECK_INT(hl_store_exported_upto(f->st, &upto, &f->err), HL_OK);
    CHECK_INT(upto, 9);
    CHECK_INT(hl_store_stats(f->st, &stats, &f->err), HL_OK);
    CHECK_INT(stats.n_exports, 3);
    CHECK_INT(stats.last_export_utc_ms, 1700000300000LL);
    CHECK_INT(stats.exported_upto_seq, 9);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM exports WHERE medium = 'UUID-1'"
                             " AND folder = 'HAILONG/k/a' AND responses = 3"),
              1);

    /* Refusals change nothing. */
    CHECK_INT(hl_store_record_export(f->st, 1, 5, 4, 1, NULL, NULL, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_record_export(f->st, 1, 0, 4, 1, NULL, NULL, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_record_export(f->st, 1, 1, 4, 0, NULL, NULL, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_batch_begin(f->st, &f->err), HL_OK);
    CHECK_INT(hl_store_record_export(f->st, 1, 1, 20, 1, NULL, NULL, &f->err), HL_ERR_STATE);
    CHECK_INT(hl_store_batch_end(f->st, &f->err), HL_OK);

    /* A failed write records nothing, and a retry does. */
    hl_faultvfs_arm(HL_FAULT_CHANGE, 1, false, SQLITE_IOERR_WRITE);
    int rc = hl_store_record_export(f->st, 1, 10, 20, 2, NULL, NULL, &f->err);
    bool fired = hl_faultvfs_fired();
    hl_faultvfs_disarm();
    CHECK(fired);
    CHECK_INT(rc, HL_ERR_IO);
    CHECK_INT(hl_store_exported_upto(f->st, &upto, &f->err), HL_OK);
    CHECK_INT(upto, 9);
    CHECK_INT(hl_store_record_export(f->st, 1, 10, 20, 2, NULL, NULL, &f->err), HL_OK);

    /* Read-only: read, never recorded. */
    fx_read_only(f);
    CHECK_INT(hl_store_exported_upto(f->st, &upto, &f->err), HL_OK);
    CHECK_INT(upto, 20);
    CHECK_INT(hl_store_record_export(f->st, 1, 21, 22, 2, NULL, NULL, &f->err), HL_ERR_READONLY);
    CHECK_CONTAINS(f->err.msg, "read-only");
    fx_close(f);
    check_integrity(f->dir);
    fx_done(f);
}

static void test_export_range_stops_before_the_first_response_in_progress(void)
{
    fx_t *f = fx_new("store-exp", FX_SURVEY);
    hl_store_range_t rg;
    CHECK_INT(hl_store_export_range(f->st, 0, &rg, &f->err), HL_OK);
    CHECK_INT(rg.upto, 0);
    CHECK_INT(rg.responses, 0);
    CHECK_INT(rg.in_progress_seq, 0);

    /* seq 1, 2 finished, 3 in progress, 4 finished. */
    hl_response_t r[4];
    store_responses(f, r, 1, 4, 1u << 2);
    CHECK_INT(hl_store_export_range(f->st, 0, &rg, &f->err), HL_OK);
    CHECK_INT(rg.upto, 2);
    CHECK_INT(rg.responses, 2);
    CHECK_INT(rg.in_progress_seq, 3);
    CHECK_INT(hl_store_export_range(f->st, 2, &rg, &f->err), HL_OK);
    CHECK_INT(rg.upto, 2); /* blocked at once: nothing to export */
    CHECK_INT(rg.responses, 0);
    CHECK_INT(rg.in_progress_seq, 3);
    /* Once it is finished, the range runs to the end. */
    CHECK_INT(save_finish(f, &r[2], HL_RESP_PARTIAL), HL_OK);
    CHECK_INT(hl_store_export_range(f->st, 2, &rg, &f->err), HL_OK);
    CHECK_INT(rg.upto, 4);
    CHECK_INT(rg.responses, 2);
    CHECK_INT(rg.in_progress_seq, 0);
    CHECK_INT(hl_store_export_range(f->st, 4, &rg, &f->err), HL_OK);
    CHECK_INT(rg.upto, 4);
    CHECK_INT(rg.responses, 0);
    fx_done(f);
}

/* ---- Network sync ------------------------------------------------------------ */

static void test_sync_pending_walks_finished_responses_in_seq_order_up_to_the_limit(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    fx_pending(f, 10);
    CHECK_INT(f->d.rows, 0);
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_INT(sy.pending, 0);
    CHECK_INT(sy.oldest_pending_seq, 0);
    CHECK_INT(sy.oldest_pending_utc_ms, -1);

    hl_response_t r[4];
    store_responses(f, r, 1, 4, 0);
    CHECK_INT(save_set(f, &r[1], "q_staff", "3", 9), HL_ERR_STATE); /* finished */
    hl_response_t r5 = answered(f, 5, "q_wait", "yes", 5);
    CHECK_INT(save_set(f, &r5, "q_staff", "2", 6), HL_OK);
    CHECK_INT(save_finish(f, &r5, HL_RESP_PARTIAL), HL_OK);
    CHECK_STR(fx_pending(f, 100), "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok;"
                                  "3:complete:vi:q_service=ok;4:complete:vi:q_service=ok;"
                                  "5:partial:vi:q_staff=2,q_wait=yes");
    CHECK_STR(fx_pending(f, 2), "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok");
    /* Delivered ones are skipped, also after a gap the watermark cannot pass. */
    const int64_t some[] = {1, 3};
    CHECK_INT(sync_ok(f, 1700001000000LL, some, 2), HL_OK);
    CHECK_STR(fx_pending(f, 2), "2:complete:vi:q_service=ok;4:complete:vi:q_service=ok");
    CHECK_STR(fx_pending(f, 1), "2:complete:vi:q_service=ok");
    sy = sync_state_of(f->st);
    CHECK_BACKLOG(sy, 3, 2, 2);
    CHECK_INT(sy.oldest_pending_utc_ms, r[1].started_utc_ms + 9000);
    /* A limit must be a count. */
    CHECK_INT(hl_store_foreach_pending(f->st, 0, dump_row, &f->d, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_foreach_pending(f->st, -1, dump_row, &f->d, &f->err), HL_ERR_USAGE);
    fx_done(f);
}

static void test_sync_in_progress_response_is_never_walked_nor_marked(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    hl_response_t r[3];
    store_responses(f, r, 1, 3, 1u << 1); /* 2 stays in progress */
    CHECK_STR(fx_pending(f, 10), "1:complete:vi:q_service=ok;3:complete:vi:q_service=ok");
    const int64_t two[] = {2};
    CHECK_INT(sync_ok(f, 1700001000000LL, two, 1), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM sync_delivered"), 0);
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_INT(sy.delivered, 0);
    CHECK_INT(sy.pending, 2);
    CHECK_INT(sy.last_attempt_utc_ms, 1700001000000LL);
    /* It can still change, and is pending once finished. */
    CHECK_INT(save_set(f, &r[1], "q_staff", "4", 7), HL_OK);
    CHECK_INT(save_finish(f, &r[1], HL_RESP_COMPLETE), HL_OK);
    CHECK_STR(fx_pending(f, 10), "1:complete:vi:q_service=ok;2:complete:vi:q_service=ok,q_staff=4;"
                                 "3:complete:vi:q_service=ok");
    fx_done(f);
}

static void test_sync_record_marks_delivered_and_moves_watermark_past_gaps(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    /* 1 finished; 2 removed (its only answer dropped); 3, 4 finished; 5 in
     * progress; 6, 7 finished. */
    hl_response_t r1[1], gone, r3[2], r5[3];
    store_responses(f, r1, 1, 1, 0);
    resp_init(&gone, 2);
    CHECK_INT(save_set(f, &gone, "q_wait", "no", 5), HL_OK);
    const char *drop[] = {"q_wait"};
    hl_save_t s = {.drop_qids = drop, .n_drop = 1};
    CHECK_INT(hl_store_save(f->st, &gone, &s, &f->err), HL_OK);
    CHECK_INT(gone.seq, 0);
    store_responses(f, r3, 3, 2, 0);
    store_responses(f, r5, 5, 3, 1u << 0);
    CHECK_INT(r5[2].seq, 7);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 0);

    /* Nothing delivered: the watermark stays. */
    CHECK_INT(sync_ok(f, 1700001000000LL, NULL, 0), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 0);
    /* 3 and 4 delivered, 1 not yet: still 0. */
    const int64_t a[] = {4, 3};
    CHECK_INT(sync_ok(f, 1700001000000LL, a, 2), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 0);
    /* 1 delivered: past the removed 2 up to the response in progress. An
     * unknown seq and marks already made are no-ops. */
    const int64_t b[] = {1, 3, 999, 6, 7};
    CHECK_INT(sync_ok(f, 1700002000000LL, b, 5), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 4);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM sync_delivered"), 5);
    CHECK_INT(db_int(f->dir, "SELECT delivered_utc_ms FROM sync_delivered WHERE seq = 3"),
              1700001000000LL);
    CHECK_INT(db_int(f->dir, "SELECT delivered_utc_ms FROM sync_delivered WHERE seq = 1"),
              1700002000000LL);
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_BACKLOG(sy, 0, 5, 0);
    fx_pending(f, 10);
    CHECK_INT(f->d.rows, 0);
    /* Marking the same again is harmless. */
    CHECK_INT(sync_ok(f, 1700003000000LL, b, 5), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM sync_delivered"), 5);
    CHECK_INT(db_int(f->dir, "SELECT delivered_utc_ms FROM sync_delivered WHERE seq = 1"),
              1700002000000LL);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 4);

    /* The response in the gap is finished later: it shows as pending (before
     * the watermark could pass it) and its mark moves the watermark to the end. */
    CHECK_INT(save_finish(f, &r5[0], HL_RESP_PARTIAL), HL_OK);
    CHECK_STR(fx_pending(f, 10), "5:partial:vi:q_service=ok");
    sy = sync_state_of(f->st);
    CHECK_INT(sy.pending, 1);
    CHECK_INT(sy.oldest_pending_seq, 5);
    CHECK_INT(sy.oldest_pending_utc_ms, r5[0].started_utc_ms + 9000);
    /* Briefly: the same without the count. */
    hl_store_sync_t brief;
    CHECK_INT(hl_store_sync_state_brief(f->st, &brief, &f->err), HL_OK);
    CHECK_INT(brief.pending, -1);
    CHECK_INT(brief.oldest_pending_seq, 5);
    CHECK_INT(brief.oldest_pending_utc_ms, sy.oldest_pending_utc_ms);
    CHECK_INT(brief.delivered, sy.delivered);
    CHECK_INT(brief.last_attempt_utc_ms, sy.last_attempt_utc_ms);
    const int64_t c[] = {5};
    CHECK_INT(sync_ok(f, 1700004000000LL, c, 1), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 7);
    sy = sync_state_of(f->st);
    CHECK_INT(sy.pending, 0);
    CHECK_INT(sy.delivered, 6);
    /* A new response after the watermark is pending. */
    hl_response_t r8[1];
    store_responses(f, r8, 8, 1, 0);
    CHECK_STR(fx_pending(f, 10), "8:complete:vi:q_service=ok");
    fx_close(f);
    check_integrity(f->dir);
    fx_done(f);
}

static void test_sync_success_clears_error_and_failure_keeps_last_success(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    hl_response_t r[2];
    store_responses(f, r, 1, 2, 0);
    /* A failure first: no success yet. */
    hl_store_sync_rec_t fail = {.at_utc_ms = 1000, .error = "cannot resolve survey.example.org"};
    CHECK_INT(hl_store_sync_record(f->st, &fail, &f->err), HL_OK);
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_INT(sy.last_attempt_utc_ms, 1000);
    CHECK_INT(sy.last_success_utc_ms, -1);
    CHECK_INT(sy.last_error_utc_ms, 1000);
    CHECK_STR(sy.last_error, "cannot resolve survey.example.org");
    CHECK_INT(sy.pending, 2);
    /* Success: the error is cleared. */
    const int64_t one[] = {1};
    CHECK_INT(sync_ok(f, 2000, one, 1), HL_OK);
    sy = sync_state_of(f->st);
    CHECK_INT(sy.last_attempt_utc_ms, 2000);
    CHECK_INT(sy.last_success_utc_ms, 2000);
    CHECK_INT(sy.last_error_utc_ms, -1);
    CHECK_STR(sy.last_error, "");
    CHECK_INT(sy.pending, 1);
    /* A failure keeps the last success; one without a reason still shows. */
    fail.at_utc_ms = 3000;
    fail.error = NULL;
    CHECK_INT(hl_store_sync_record(f->st, &fail, &f->err), HL_OK);
    sy = sync_state_of(f->st);
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
    CHECK_INT(hl_store_sync_record(f->st, &fail, &f->err), HL_OK);
    sy = sync_state_of(f->st);
    CHECK_INT(strlen(sy.last_error), 510);
    CHECK_INT(db_int(f->dir, "SELECT length(CAST(last_error AS BLOB)) FROM sync_state"), 510);
    /* Exactly 511 bytes are kept whole. */
    longmsg[511] = '\0';
    memset(longmsg, 'z', 511);
    CHECK_INT(hl_store_sync_record(f->st, &fail, &f->err), HL_OK);
    sy = sync_state_of(f->st);
    CHECK_INT(strlen(sy.last_error), 511);
    CHECK_INT(sy.last_success_utc_ms, 2000);
    fx_done(f);
}

static void test_sync_stop_fingerprint_is_set_kept_and_cleared(void)
{
    fx_t *f = fx_new("store-sync", FX_BARE);
    char fp[65], big[80];
    memset(fp, 'a', 64);
    fp[64] = '\0';
    memset(big, 'b', 79); /* too long for a fingerprint */
    big[79] = '\0';
    /* Failed attempts that stop on a fingerprint: set; NULL leaves it as it
     * is; too long is refused and records nothing; "" clears it. */
    const struct {
        int64_t at;           /* the attempt */
        const char *stop;     /* its stop fingerprint */
        int rc;               /* what recording it returns */
        const char *stopped;  /* the stopped fingerprint after it */
        int64_t last_attempt; /* the last attempt after it */
    } steps[] = {
        {1000, fp, HL_OK, fp, 1000},
        {2000, NULL, HL_OK, fp, 2000},
        {3000, big, HL_ERR_USAGE, fp, 2000},
        {4000, "", HL_OK, "", 4000},
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        hl_store_sync_rec_t rec = {
            .at_utc_ms = steps[i].at, .error = "HTTP 401", .stop_fingerprint = steps[i].stop};
        CHECK_INT(hl_store_sync_record(f->st, &rec, &f->err), steps[i].rc);
        hl_store_sync_t sy = sync_state_of(f->st);
        CHECK_STR(sy.stopped_fingerprint, steps[i].stopped);
        CHECK_INT(sy.last_attempt_utc_ms, steps[i].last_attempt);
    }
    CHECK_INT(db_int(f->dir, "SELECT stopped_fingerprint IS NULL FROM sync_state"), 1);
    fx_done(f);
}

static void test_sync_read_only_store_reads_state_and_pending_but_refuses_record(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    hl_response_t r[3];
    store_responses(f, r, 1, 3, 0);
    const int64_t one[] = {1};
    CHECK_INT(sync_ok(f, 5000, one, 1), HL_OK);
    fx_read_only(f);
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_BACKLOG(sy, 2, 1, 2);
    CHECK_INT(sy.last_success_utc_ms, 5000);
    CHECK_STR(fx_pending(f, 10), "2:complete:vi:q_service=ok;3:complete:vi:q_service=ok");
    const int64_t two[] = {2};
    CHECK_INT(sync_ok(f, 6000, two, 1), HL_ERR_READONLY);
    CHECK_CONTAINS(f->err.msg, "read-only");
    sy = sync_state_of(f->st);
    CHECK_INT(sy.delivered, 1);
    CHECK_INT(sy.last_attempt_utc_ms, 5000);
    fx_done(f);
}

static void test_sync_record_refused_inside_a_batch_or_without_a_record(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    hl_response_t r[1];
    store_responses(f, r, 1, 1, 0);
    CHECK_INT(hl_store_sync_record(f->st, NULL, &f->err), HL_ERR_USAGE);
    hl_store_sync_rec_t bad = {.at_utc_ms = 1, .n_delivered = 2, .success = true};
    CHECK_INT(hl_store_sync_record(f->st, &bad, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_batch_begin(f->st, &f->err), HL_OK);
    const int64_t one[] = {1};
    CHECK_INT(sync_ok(f, 1000, one, 1), HL_ERR_STATE);
    CHECK_CONTAINS(f->err.msg, "batch");
    /* Reading works inside a batch. */
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_INT(sy.pending, 1);
    CHECK_INT(hl_store_batch_end(f->st, &f->err), HL_OK);
    sy = sync_state_of(f->st);
    CHECK_INT(sy.delivered, 0);
    CHECK_INT(sy.last_attempt_utc_ms, -1);
    CHECK_INT(sync_ok(f, 1000, one, 1), HL_OK);
    fx_done(f);
}

static void test_sync_marks_and_watermark_cannot_be_removed_or_lowered_by_sql(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    hl_response_t r[2];
    store_responses(f, r, 1, 2, 0);
    const int64_t both[] = {1, 2};
    CHECK_INT(sync_ok(f, 1000, both, 2), HL_OK);
    fx_close(f);
    CHECK_SQL_REFUSED(f, "DELETE FROM sync_delivered WHERE seq = 1");
    CHECK_SQL_REFUSED(f, "UPDATE sync_delivered SET delivered_utc_ms = 0");
    CHECK_SQL_REFUSED(f, "UPDATE sync_delivered SET seq = 9 WHERE seq = 2");
    CHECK_SQL_REFUSED(f, "UPDATE sync_state SET upto = 1");
    CHECK_SQL_REFUSED(f, "DELETE FROM sync_state");
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM sync_delivered"), 2);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 2);
    /* Other columns may change, and upto may rise. */
    CHECK_INT(db_exec(f->path, "UPDATE sync_state SET upto = 3, last_error = 'x'"), SQLITE_OK);
    /* A file whose state row was removed by another program (triggers
     * dropped) is reported, not silently recorded in. */
    CHECK_INT(db_exec(f->path, "DROP TRIGGER sync_state_keep; DELETE FROM sync_state"), SQLITE_OK);
    fx_reopen(f, NULL);
    CHECK_INT(sync_ok(f, 2000, NULL, 0), HL_ERR_INTERNAL);
    CHECK_CONTAINS(f->err.msg, "no sync state row");
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_INT(sy.last_attempt_utc_ms, -1);
    CHECK_INT(sy.delivered, 0); /* the count lives in the removed row */
    fx_done(f);
}

/* One sync record under a fault plan (fault_sweep): responses 1..3
 * finished, 1 delivered before; the record marks 2 and 3, succeeds and stops
 * on a fingerprint; a failed record leaves nothing of it. */
typedef struct sync_fault {
    hl_store_sync_t was; /* the sync state before the record */
} sync_fault_t;

static const int64_t sync_fault_seqs[] = {2, 3};
static const hl_store_sync_rec_t sync_fault_rec = {.at_utc_ms = 3000,
                                                   .delivered = sync_fault_seqs,
                                                   .n_delivered = 2,
                                                   .success = true,
                                                   .stop_fingerprint = "abcd"};

static void sync_fault_before(fx_t *f, void *ctx)
{
    sync_fault_t *c = ctx;
    hl_response_t r[3];
    store_responses(f, r, 1, 3, 0);
    hl_store_sync_rec_t first = {.at_utc_ms = 1000, .error = "timeout"};
    CHECK_INT(hl_store_sync_record(f->st, &first, &f->err), HL_OK);
    const int64_t one[] = {1};
    CHECK_INT(sync_ok(f, 2000, one, 1), HL_OK);
    c->was = sync_state_of(f->st);
}

static int sync_fault_step(fx_t *f, void *ctx)
{
    (void)ctx;
    return hl_store_sync_record(f->st, &sync_fault_rec, &f->err);
}

static void sync_fault_unchanged(fx_t *f, void *ctx)
{
    sync_fault_t *c = ctx;
    hl_store_sync_t now = sync_state_of(f->st);
    CHECK(memcmp(&now, &c->was, sizeof now) == 0);
    CHECK_STR(fx_pending(f, 10), "2:complete:vi:q_service=ok;3:complete:vi:q_service=ok");
}

static void sync_fault_after(fx_t *f, void *ctx)
{
    (void)ctx;
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_BACKLOG(sy, 0, 3, 0);
    CHECK_INT(sy.last_success_utc_ms, 3000);
    CHECK_STR(sy.stopped_fingerprint, "abcd");
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 3);
}

static void sync_fault_loop(hl_fault_op_t op, int sqlite_rc, bool persistent, int want)
{
    static const fault_step_t record = {"store-sync-fault",   FX_SURVEY,
                                        sync_fault_before,    sync_fault_step,
                                        sync_fault_unchanged, sync_fault_after};
    sync_fault_t c;
    fault_sweep(&record, &c, op, sqlite_rc, persistent, want);
}

static void test_sync_failed_write_during_record_records_nothing(void)
{
    sync_fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, false, HL_ERR_IO);
    sync_fault_loop(HL_FAULT_CHANGE, SQLITE_IOERR_WRITE, true, HL_ERR_IO);
    sync_fault_loop(HL_FAULT_WRITE, SQLITE_FULL, true, HL_ERR_FULL);
}

static void test_sync_state_survives_close_and_reopen(void)
{
    fx_t *f = fx_new("store-sync", FX_SURVEY);
    hl_response_t r[4];
    store_responses(f, r, 1, 4, 0);
    const int64_t some[] = {1, 2, 4};
    CHECK_INT(sync_ok(f, 1000, some, 3), HL_OK);
    hl_store_sync_rec_t rec = {
        .at_utc_ms = 2000, .error = "HTTP 403: kiosk not enrolled", .stop_fingerprint = "f00d"};
    CHECK_INT(hl_store_sync_record(f->st, &rec, &f->err), HL_OK);
    hl_store_sync_t before = sync_state_of(f->st);

    fx_reopen(f, NULL);
    hl_store_sync_t after = sync_state_of(f->st);
    CHECK(memcmp(&before, &after, sizeof after) == 0);
    CHECK_BACKLOG(after, 1, 3, 3);
    CHECK_INT(after.last_success_utc_ms, 1000);
    CHECK_INT(after.last_attempt_utc_ms, 2000);
    CHECK_INT(after.last_error_utc_ms, 2000);
    CHECK_STR(after.last_error, "HTTP 403: kiosk not enrolled");
    CHECK_STR(after.stopped_fingerprint, "f00d");
    CHECK_STR(fx_pending(f, 10), "3:complete:vi:q_service=ok");
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT upto FROM sync_state"), 2);
    fx_done(f);
}

static void test_duty_is_recorded_in_new_responses_and_not_in_started_ones(void)
{
    fx_t *f = fx_new("store-duty", FX_SURVEY);
    hl_response_t r1, r2, r3;
    resp_init(&r1, 1); /* started before anybody is on duty */
    CHECK_INT(save_set(f, &r1, "q_service", "ok", 5), HL_OK);
    CHECK_INT(hl_store_set_duty(f->st, "off_a", "Quầy 1", &f->err), HL_OK);
    CHECK_INT(save_set(f, &r1, "q_staff", "5", 6), HL_OK);
    CHECK_INT(save_finish(f, &r1, HL_RESP_COMPLETE), HL_OK);
    resp_init(&r2, 2);
    CHECK_INT(save_set(f, &r2, "q_service", "ok", 5), HL_OK);
    /* Bad ids and long names are refused and change nothing. */
    CHECK_INT(hl_store_set_duty(f->st, "Off A", "x", &f->err), HL_ERR_USAGE);
    CHECK_CONTAINS(f->err.msg, "officer id");
    CHECK_INT(hl_store_set_duty(f->st, "abcdefghijklmnopqrstuvwxyz0123456", "x", &f->err),
              HL_ERR_USAGE); /* 33 bytes */
    char name[122];
    memset(name, 'a', 121);
    name[121] = '\0';
    CHECK_INT(hl_store_set_duty(f->st, "off_b", name, &f->err), HL_ERR_USAGE);
    CHECK_CONTAINS(f->err.msg, "counter");
    resp_init(&r3, 3);
    CHECK_INT(save_set(f, &r3, "q_service", "ok", 5), HL_OK);
    CHECK_INT(save_finish(f, &r3, HL_RESP_COMPLETE), HL_OK);
    /* Off duty: "" and NULL both mean nobody; a counter without officer. */
    CHECK_INT(hl_store_set_duty(f->st, "", "", &f->err), HL_OK);
    hl_response_t r4, r5;
    resp_init(&r4, 4);
    CHECK_INT(save_set(f, &r4, "q_service", "ok", 5), HL_OK);
    name[120] = '\0';
    CHECK_INT(hl_store_set_duty(f->st, NULL, name, &f->err), HL_OK); /* 120 bytes: fine */
    resp_init(&r5, 5);
    CHECK_INT(save_set(f, &r5, "q_service", "ok", 5), HL_OK);
    CHECK_INT(save_finish(f, &r5, HL_RESP_PARTIAL), HL_OK);
    /* r2 is finished after the duty changed: it keeps the officer it started with. */
    CHECK_INT(save_finish(f, &r2, HL_RESP_COMPLETE), HL_OK);
    char want[512];
    snprintf(want, sizeof want, "1:-/-;2:off_a/Quầy 1;3:off_a/Quầy 1;4:-/-;5:-/%s", name);
    CHECK_STR(fx_duty(f), want);

    /* Kept across a restart; sync rows carry them too; the duty itself is
     * not kept (the kiosk sets it again). */
    fx_reopen(f, NULL);
    dump_duty_pending(f->st, &f->d);
    snprintf(want, sizeof want, "1:-/-;2:off_a/Quầy 1;3:off_a/Quầy 1;4:-/-;5:-/%s", name);
    CHECK_STR(f->d.text, want); /* 4 was finished as partial by recovery */
    answered(f, 6, "q_service", "ok", 5);
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE officer_id IS NULL"), 4);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE counter IS NULL"), 3);
    check_integrity(f->dir);
    fx_done(f);
}

static void test_identity_trigger_refuses_changing_officer_or_counter(void)
{
    fx_t *f = fx_new("store-duty", FX_SURVEY);
    hl_response_t r1, r2;
    resp_init(&r1, 1);
    CHECK_INT(save_set(f, &r1, "q_service", "ok", 5), HL_OK); /* nobody on duty */
    CHECK_INT(hl_store_set_duty(f->st, "off_a", "Quầy 1", &f->err), HL_OK);
    resp_init(&r2, 2);
    CHECK_INT(save_set(f, &r2, "q_service", "ok", 5), HL_OK);
    /* Both left in progress: only the identity rule stands in the way. */
    fx_close(f);
    CHECK_SQL_REFUSED(f, "UPDATE responses SET officer_id = 'off_x' WHERE seq = 2");
    CHECK_SQL_REFUSED(f, "UPDATE responses SET officer_id = NULL WHERE seq = 2");
    CHECK_SQL_REFUSED(f, "UPDATE responses SET officer_id = 'off_x' WHERE seq = 1");
    CHECK_SQL_REFUSED(f, "UPDATE responses SET counter = 'other' WHERE seq = 2");
    CHECK_SQL_REFUSED(f, "UPDATE responses SET counter = 'other' WHERE seq = 1");
    /* What may change while in progress still can. */
    CHECK_INT(db_exec(f->path, "UPDATE responses SET lang = 'en' WHERE seq = 2"), SQLITE_OK);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE officer_id = 'off_a'"
                             " AND counter = 'Quầy 1'"),
              1);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE officer_id IS NULL"), 1);
    fx_done(f);
}

static void test_pin_state_round_trips_across_reopen_without_in_run_fields(void)
{
    fx_t *f = fx_new("store-pin", FX_BARE);
    hl_pin_lock_t fresh;
    hl_pin_lock_init(&fresh);
    hl_pin_lock_t l = pin_of(f->st);
    CHECK(memcmp(&l, &fresh, sizeof l) == 0); /* a fresh store: hl_pin_lock_init's state */
    CHECK_INT(l.locked_at_utc_ms, -1);
    hl_pin_lock_t put = {.failures = 3,
                         .lockouts = 2,
                         .locked_at_utc_ms = 1700000123456LL,
                         .lock_ms = 20 * 60 * 1000,
                         .since_mono_ms = 555,
                         .left_at_since_ms = 777};
    CHECK_INT(hl_store_pin_put(f->st, &put, &f->err), HL_OK);

    fx_reopen(f, NULL);
    l = pin_of(f->st);
    CHECK_PIN(l, 3, 2, 1700000123456LL, 20 * 60 * 1000);
    CHECK_INT(l.since_mono_ms, fresh.since_mono_ms); /* in-run: not stored */
    CHECK_INT(l.left_at_since_ms, fresh.left_at_since_ms);
    /* A right PIN clears it, and that is kept too. */
    CHECK_INT(hl_store_pin_put(f->st, &fresh, &f->err), HL_OK);
    fx_reopen(f, NULL);
    l = pin_of(f->st);
    CHECK(memcmp(&l, &fresh, sizeof l) == 0);
    fx_close(f);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM pin_state"), 1);
    CHECK_SQL_REFUSED(f, "DELETE FROM pin_state");
    fx_done(f);
}

static void test_log_recent_gives_newest_first_in_log_order(void)
{
    fx_t *f = fx_new("store-log", FX_BARE);
    fx_log(f, 10);
    CHECK_INT(f->d.rows, 0);
    CHECK_INT(hl_store_log(f->st, 1000, "pin_wrong", NULL, &f->err), HL_OK);
    CHECK_INT(hl_store_log(f->st, 2000, "pin_ok", NULL, &f->err), HL_OK);
    CHECK_INT(hl_store_log(f->st, 3000, "export", "12 responses to /media/usb0", &f->err), HL_OK);
    /* The wall clock went back: the log keeps the order things happened in. */
    CHECK_INT(hl_store_log(f->st, 500, "config", "sync.url changed", &f->err), HL_OK);
    CHECK_INT(hl_store_log(f->st, 4000, "Bad Event", NULL, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_log(f->st, 4000, "", NULL, &f->err), HL_ERR_USAGE);
    CHECK_STR(fx_log(f, 2), "500:config:sync.url changed;3000:export:12 responses to /media/usb0");
    fx_reopen(f, NULL);
    CHECK_STR(fx_log(f, 10), "500:config:sync.url changed;3000:export:12 responses to /media/usb0;"
                             "2000:pin_ok:(null);1000:pin_wrong:(null)");
    fx_log(f, 0);
    CHECK_INT(f->d.rows, 0);
    fx_done(f);
}

#define T_DAY  1699920000000LL /* 2023-11-14T00:00:00Z */
#define T_HOUR 3600000LL
#define T_MIN  60000LL

/* One response of the survey in use started at `at`: q=v answered (q NULL:
 * q_staff=5), finished with status (in progress: left open). */
static void tally_add(fx_t *f, int n, int64_t at, const char *q, const char *v,
                      hl_resp_status_t status)
{
    hl_response_t r;
    resp_init(&r, n);
    r.started_utc_ms = at;
    CHECK_INT(save_set(f, &r, q ? q : "q_staff", q ? v : "5", 10), HL_OK);
    if (status != HL_RESP_IN_PROGRESS) CHECK_INT(save_finish(f, &r, status), HL_OK);
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
 * q_service sits at another position in each survey version. NULL when the
 * store does not open. */
static fx_t *tally_store(void)
{
    static const char *const v2q[] = {"q_wait", "q_service", "q_staff"};
    static const char *const oq[] = {"q_x", "q_service"};
    test_survey_t v2, ot;
    survey_make(&v2, "svc", 2, v2q, 3);
    survey_make(&ot, "other", 1, oq, 2);
    fx_t *f = fx_new("store-tally", FX_SURVEY);
    if (!f->st) {
        fx_done(f);
        return NULL;
    }
    CHECK_INT(hl_store_set_duty(f->st, "off_a", "Quầy 1", &f->err), HL_OK);
    tally_add(f, 1, T_DAY + T_HOUR + 5 * T_MIN, "q_service", "good", HL_RESP_COMPLETE);
    tally_add(f, 2, T_DAY + T_HOUR + 30 * T_MIN, "q_service", "bad", HL_RESP_PARTIAL);
    tally_add(f, 3, T_DAY + 3 * T_HOUR, "q_service", "good", HL_RESP_IN_PROGRESS);
    CHECK_INT(hl_store_set_duty(f->st, "off_b", "Quầy 2", &f->err), HL_OK);
    tally_add(f, 4, T_DAY + 9 * T_HOUR, "q_service", "good", HL_RESP_COMPLETE);
    tally_add(f, 5, T_DAY + 23 * T_HOUR + 30 * T_MIN, NULL, NULL, HL_RESP_COMPLETE);
    CHECK_INT(hl_store_use_survey(f->st, &v2.s, "kiosk-01", &f->err), HL_OK);
    tally_add(f, 6, T_DAY + 26 * T_HOUR, "q_service", "bad", HL_RESP_COMPLETE);
    tally_add(f, 7, T_DAY + 33 * T_HOUR, "q_wait", "yes", HL_RESP_PARTIAL);
    CHECK_INT(hl_store_set_duty(f->st, NULL, NULL, &f->err), HL_OK);
    tally_add(f, 8, T_DAY + 34 * T_HOUR, "q_service", "good", HL_RESP_COMPLETE);
    CHECK_INT(hl_store_use_survey(f->st, &ot.s, "kiosk-01", &f->err), HL_OK);
    tally_add(f, 9, T_DAY + 34 * T_HOUR + T_MIN, "q_service", "good", HL_RESP_COMPLETE);
    return f;
}

/* "hour=count,..." for the hours with responses. */
static const char *hourly_of(fx_t *f, const char *survey, const char *officer, int64_t tz)
{
    hl_tally_query_t q = {.survey_id = survey, .from_utc_ms = -1, .officer_id = officer};
    int64_t counts[24];
    dump_t *d = memset(&f->d, 0, sizeof f->d);
    if (hl_store_hourly(f->st, &q, tz, counts, &f->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "hourly: %s", f->err.msg);
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
    fx_t *f = tally_store();
    if (!f) return;
    /* Counts: finished responses only (3 is in progress). */
    CHECK_COUNTS(count_of(f->st, NULL, -1, NULL), 8, 6, 2);
    CHECK_COUNTS(count_of(f->st, "svc", -1, NULL), 7, 5, 2);
    CHECK_COUNTS(count_of(f->st, "other", -1, NULL), 1, 1, 0);
    CHECK_COUNTS(count_of(f->st, "ghost", -1, NULL), 0, 0, 0);
    CHECK_COUNTS(count_of(f->st, NULL, -1, "off_a"), 2, 1, 1);
    CHECK_COUNTS(count_of(f->st, NULL, -1, "off_b"), 4, 3, 1);
    CHECK_COUNTS(count_of(f->st, NULL, -1, "off_c"), 0, 0, 0);
    CHECK_COUNTS(count_of(f->st, NULL, T_DAY + 24 * T_HOUR, NULL), 4, 3, 1);
    CHECK_COUNTS(count_of(f->st, "svc", T_DAY + 24 * T_HOUR, NULL), 3, 2, 1);
    CHECK_COUNTS(count_of(f->st, "svc", T_DAY + 24 * T_HOUR, "off_b"), 2, 1, 1);
    /* The period starts at from, inclusive. */
    CHECK_COUNTS(count_of(f->st, NULL, T_DAY + 26 * T_HOUR, NULL), 4, 3, 1);
    CHECK_COUNTS(count_of(f->st, NULL, T_DAY + 26 * T_HOUR + 1, NULL), 3, 2, 1);
    CHECK_COUNTS(count_of(f->st, NULL, 0, NULL), 8, 6, 2);
    hl_store_counts_t c = {0};
    CHECK_INT(hl_store_count(f->st, NULL, &c, &f->err), HL_OK); /* no query: everything */
    CHECK_COUNTS(c, 8, 6, 2);

    /* Tallies: q_service is found at its place in each survey version. */
    CHECK_STR(tally_of(f, NULL, -1, NULL, "q_service"), "bad=2;good=4");
    CHECK_STR(tally_of(f, "svc", -1, NULL, "q_service"), "bad=2;good=3");
    CHECK_STR(tally_of(f, "other", -1, NULL, "q_service"), "good=1");
    CHECK_STR(tally_of(f, NULL, -1, "off_b", "q_service"), "bad=1;good=1");
    CHECK_STR(tally_of(f, NULL, -1, "off_a", "q_service"), "bad=1;good=1");
    CHECK_STR(tally_of(f, NULL, T_DAY + 24 * T_HOUR, NULL, "q_service"), "bad=1;good=2");
    CHECK_STR(tally_of(f, "svc", -1, NULL, "q_wait"), "yes=1");
    CHECK_STR(tally_of(f, "svc", -1, NULL, "q_staff"), "5=1");
    CHECK_STR(tally_of(f, "svc", -1, NULL, "q_x"), "");
    CHECK_STR(tally_of(f, NULL, -1, NULL, "q_nowhere"), "");
    CHECK_STR(tally_of(f, "ghost", -1, NULL, "q_service"), "");

    /* Per hour of the day, UTC and local; floor division before midnight. */
    CHECK_STR(hourly_of(f, NULL, NULL, 0), "1=2,2=1,9=2,10=2,23=1");
    CHECK_STR(hourly_of(f, NULL, NULL, 7 * T_HOUR), "6=1,8=2,9=1,16=2,17=2");
    CHECK_STR(hourly_of(f, NULL, NULL, -2 * T_HOUR), "0=1,7=2,8=2,21=1,23=2");
    /* An offset that takes response 1 below zero: -5 minutes is hour 23. */
    CHECK_STR(hourly_of(f, NULL, NULL, -(T_DAY + T_HOUR + 10 * T_MIN)), "0=2,7=2,8=2,22=1,23=1");
    CHECK_STR(hourly_of(f, NULL, "off_a", 0), "1=2");
    CHECK_STR(hourly_of(f, "other", NULL, 7 * T_HOUR), "17=1");
    hl_tally_query_t q = {.survey_id = "svc", .from_utc_ms = T_DAY + 24 * T_HOUR};
    int64_t counts[24];
    CHECK_INT(hl_store_hourly(f->st, &q, 0, counts, &f->err), HL_OK);
    int64_t sum = 0;
    for (int h = 0; h < 24; h++)
        sum += counts[h];
    CHECK_INT(sum, 3);
    CHECK_INT(counts[2], 1);
    CHECK_INT(counts[9], 1);
    CHECK_INT(counts[10], 1);

    /* A read-only store (the results screen's worker) reads the same. */
    fx_read_only(f);
    CHECK_COUNTS(count_of(f->st, NULL, -1, NULL), 8, 6, 2);
    CHECK_STR(tally_of(f, NULL, -1, NULL, "q_service"), "bad=2;good=4");
    CHECK_STR(hourly_of(f, NULL, NULL, 0), "1=2,2=1,9=2,10=2,23=1");
    fx_done(f);
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
    static const char *const qids[] = {"q_service", "q_staff"};
    fx_t *f = fx_new("store-tally-eq", FX_CLOSED);
    survey_make(&f->sv, "svc", 1, qids, 2);
    if (!fx_reopen(f, NULL)) {
        fx_done(f);
        return;
    }
    static const char *const officers[] = {NULL, "off_a", "off_b"};
    static const char *const values[] = {"good", "bad", "ok"};
    uint64_t rng = 7;
    hl_response_t open_one;
    for (int n = 1; n <= 120; n++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(rng >> 33);
        CHECK_INT(
            hl_store_set_duty(f->st, officers[r % 3], officers[r % 3] ? "Quầy 1" : NULL, &f->err),
            HL_OK);
        hl_response_t resp;
        resp_init(&resp, n);
        resp.started_utc_ms = T_DAY + (int64_t)(r % (4 * 24 * 60)) * T_MIN + (r % 997);
        CHECK_INT(save_set(f, &resp, "q_service", values[(r >> 4) % 3], 10), HL_OK);
        if ((r >> 6) % 2) CHECK_INT(save_set(f, &resp, "q_staff", values[(r >> 7) % 3], 20), HL_OK);
        unsigned end = (r >> 9) % 5;
        if (end == 0) {
            open_one = resp; /* left in progress */
            continue;
        }
        CHECK_INT(save_finish(f, &resp, end == 1 ? HL_RESP_PARTIAL : HL_RESP_COMPLETE), HL_OK);
    }
    (void)open_one;
    int64_t recovered = -1;
    fx_reopen(f, &recovered); /* the ones left open are finished as partial */
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
    for (size_t k = 0; k < sizeof froms / sizeof *froms; k++) {
        int64_t from = froms[k], scan_from = from < 0 ? INT64_MIN : from;
        for (int o = 0; o < 3; o++) {
            long long want[3];
            scan_counts(f->dir, scan_from, officers[o], want);
            CHECK_COUNTS(count_of(f->st, "svc", from, officers[o]), want[0], want[1], want[2]);
            hl_tally_query_t tq = {
                .survey_id = "svc", .from_utc_ms = from, .officer_id = officers[o]};
            for (int q = 0; q < 2; q++) {
                for (int v = 0; v < 3; v++) {
                    tally_seen_t seen = {.want_value = values[v]};
                    CHECK_INT(hl_store_tally(f->st, &tq, qids[q], tally_pick, &seen, &f->err),
                              HL_OK);
                    CHECK_INT(seen.count,
                              scan_tally(f->dir, scan_from, officers[o], qids[q], values[v]));
                }
            }
            /* The results page's one pass gives the same. */
            tally_all_seen_t all = {0};
            CHECK_INT(hl_store_tally_all(f->st, &tq, tally_all_pick, &all, &f->err), HL_OK);
            CHECK_INT(all.counts[1], want[1]);
            CHECK_INT(all.counts[2], want[2]);
            CHECK_INT(all.unknown, 0);
            for (int q = 0; q < 2; q++)
                for (int v = 0; v < 3; v++)
                    CHECK_INT(all.cell[q][v],
                              scan_tally(f->dir, scan_from, officers[o], qids[q], values[v]));
        }
    }
    fx_done(f);
}

static void test_technician_writes_refused_read_only_and_in_a_batch_reads_allowed(void)
{
    fx_t *f = fx_new("store-tech", FX_BARE);
    hl_pin_lock_t l = {.failures = 1, .locked_at_utc_ms = -1};
    CHECK_INT(hl_store_pin_put(f->st, &l, &f->err), HL_OK);
    CHECK_INT(hl_store_log(f->st, 1000, "pin_wrong", NULL, &f->err), HL_OK);
    CHECK_INT(hl_store_batch_begin(f->st, &f->err), HL_OK);
    l.failures = 2;
    CHECK_INT(hl_store_pin_put(f->st, &l, &f->err), HL_ERR_STATE);
    CHECK_CONTAINS(f->err.msg, "batch");
    CHECK_INT(hl_store_log(f->st, 2000, "pin_wrong", NULL, &f->err), HL_ERR_STATE);
    CHECK_INT(hl_store_batch_end(f->st, &f->err), HL_OK);
    fx_read_only(f);
    CHECK_INT(hl_store_pin_put(f->st, &l, &f->err), HL_ERR_READONLY);
    CHECK_CONTAINS(f->err.msg, "read-only");
    CHECK_INT(hl_store_log(f->st, 2000, "pin_wrong", NULL, &f->err), HL_ERR_READONLY);
    l = pin_of(f->st);
    CHECK_INT(l.failures, 1);
    CHECK_STR(fx_log(f, 10), "1000:pin_wrong:(null)");
    CHECK_COUNTS(count_of(f->st, NULL, -1, NULL), 0, 0, 0);
    fx_done(f);
}

/* One PIN put or log entry (which: 0 or 1) under a fault plan (fault_sweep):
 * a failed one leaves the PIN state and the log as they were. */
typedef struct tech_fault {
    int which; /* 0: the PIN state, 1: a log entry */
} tech_fault_t;

static void tech_fault_before(fx_t *f, void *ctx)
{
    (void)ctx;
    hl_pin_lock_t was = {.failures = 4, .lockouts = 1, .locked_at_utc_ms = 100, .lock_ms = 5};
    CHECK_INT(hl_store_pin_put(f->st, &was, &f->err), HL_OK);
    CHECK_INT(hl_store_log(f->st, 1000, "pin_wrong", NULL, &f->err), HL_OK);
}

static int tech_fault_step(fx_t *f, void *ctx)
{
    static const hl_pin_lock_t next = {
        .failures = 0, .lockouts = 2, .locked_at_utc_ms = 9000, .lock_ms = 600000};
    const tech_fault_t *c = ctx;
    return c->which == 0 ? hl_store_pin_put(f->st, &next, &f->err)
                         : hl_store_log(f->st, 2000, "pin_lockout", "locked 10 min", &f->err);
}

static void tech_fault_unchanged(fx_t *f, void *ctx)
{
    (void)ctx;
    CHECK_PIN(pin_of(f->st), 4, 1, 100, 5);
    CHECK_STR(fx_log(f, 10), "1000:pin_wrong:(null)");
}

static void tech_fault_after(fx_t *f, void *ctx)
{
    const tech_fault_t *c = ctx;
    if (!fx_reopen(f, NULL)) return;
    hl_pin_lock_t now = pin_of(f->st);
    CHECK_INT(now.failures, c->which == 0 ? 0 : 4);
    CHECK_INT(now.lock_ms, c->which == 0 ? 600000 : 5);
    CHECK_STR(fx_log(f, 10), c->which == 0
                                 ? "1000:pin_wrong:(null)"
                                 : "2000:pin_lockout:locked 10 min;1000:pin_wrong:(null)");
}

static void tech_fault_loop(int which, hl_fault_op_t op, int sqlite_rc, bool persistent, int want)
{
    static const fault_step_t write = {"store-tech-fault",   FX_BARE,
                                       tech_fault_before,    tech_fault_step,
                                       tech_fault_unchanged, tech_fault_after};
    tech_fault_t c = {.which = which};
    fault_sweep(&write, &c, op, sqlite_rc, persistent, want);
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

/* A store with n complete responses (seq 1..n) chained and signed with
 * device key a, closed. */
static fx_t *chained_store(int n)
{
    fx_t *f = fx_new("store-chain", FX_SURVEY);
    CHECK_INT(hl_store_set_signer(f->st, DEV_A, &f->err), HL_OK);
    hl_response_t r[8];
    store_responses(f, r, 1, n, 0);
    fx_close(f);
    return f;
}

/* Reopens f, verifies with key and gives the problems as "seq:WHAT;..." in
 * d; leaves the store closed. */
static void verify_dir(fx_t *f, const hl_devkey_t *key, dump_t *d)
{
    fx_reopen(f, NULL);
    verify_problems(f->st, key, d);
    fx_close(f);
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
    fx_t *f = fx_new("store-chain", FX_SURVEY);
    int64_t head = -1;
    char hex[HL_CHAIN_HEX + 1];
    CHECK_INT(hl_store_chain_head(f->st, &head, hex, &f->err), HL_OK);
    CHECK_INT(head, 0);
    CHECK_STR(hex, ZERO64);
    CHECK_INT(hl_store_set_signer(f->st, DEV_A, &f->err), HL_OK);
    hl_response_t r[3];
    store_responses(f, r, 1, 3, 0);
    /* In progress: no chain yet. */
    hl_response_t open = answered(f, 9, "q_wait", "yes", 5);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE seq = 4 AND chain IS NULL"), 1);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE chain IS NOT NULL"
                             " AND chain_key = (SELECT chain_key FROM responses WHERE seq = 1)"),
              3);
    CHECK_INT(db_int(f->dir, "SELECT prev_chain = '" ZERO64 "' FROM responses WHERE seq = 1"), 1);
    CHECK_INT(db_int(f->dir,
                     "SELECT count(*) FROM responses a JOIN responses b ON b.seq = a.seq + 1"
                     " WHERE b.prev_chain = a.chain AND b.seq <= 3"),
              2);
    CHECK_INT(hl_store_chain_head(f->st, &head, hex, &f->err), HL_OK);
    CHECK_INT(head, 3);
    CHECK_INT(strlen(hex), HL_CHAIN_HEX);
    mac_check_t m = {0};
    CHECK_INT(hl_store_foreach(f->st, NULL, 0, mac_row, &m, &f->err), HL_OK);
    CHECK_INT(m.rows, 4);
    CHECK_INT(m.good, 3);
    /* Finishing it chains it after 3, in the finishing transaction. */
    CHECK_INT(save_finish(f, &open, HL_RESP_PARTIAL), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT (SELECT prev_chain FROM responses WHERE seq = 4) ="
                             " (SELECT chain FROM responses WHERE seq = 3)"),
              1);
    CHECK_INT(verify_problems(f->st, DEV_A, NULL), 0);
    /* A finished row cannot change at all now, its chain included. */
    CHECK_SQL_REFUSED(f, "UPDATE responses SET chain = '" ZERO64 "' WHERE seq = 2");
    CHECK_SQL_REFUSED(f, "UPDATE responses SET lang = 'en' WHERE seq = 2");
    fx_done(f);
}

static void test_responses_finished_without_a_key_are_chained_when_it_is_set(void)
{
    fx_t *f = fx_new("store-chain", FX_SURVEY);
    hl_response_t r[3];
    store_responses(f, r, 1, 3, 4); /* 3 stays in progress: cut off */
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE chain IS NULL"), 3);
    fx_close(f);
    int64_t recovered = 0;
    fx_reopen(f, &recovered);
    CHECK_INT(recovered, 1);
    dump_t d;
    CHECK_INT(verify_problems(f->st, DEV_A, &d), 3);
    CHECK_STR(d.text, "1:INSERTED;2:INSERTED;3:INSERTED");
    CHECK_INT(hl_store_set_signer(f->st, DEV_A, &f->err), HL_OK);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE chain IS NULL"), 0);
    CHECK_INT(verify_problems(f->st, DEV_A, NULL), 0);
    mac_check_t m = {0};
    CHECK_INT(hl_store_foreach(f->st, NULL, 0, mac_row, &m, &f->err), HL_OK);
    CHECK_INT(m.good, 3);
    /* Setting it again changes nothing. */
    CHECK_INT(hl_store_set_signer(f->st, DEV_A, &f->err), HL_OK);
    CHECK_INT(verify_problems(f->st, DEV_A, NULL), 0);
    fx_done(f);
}

/* Another program with the card changes a chained store by SQL (triggers
 * dropped first): what verify then reports. */
typedef struct tamper {
    int responses;    /* chained before (seq 1..responses) */
    const char *sql;  /* the change */
    const char *want; /* the problems verify reports, "seq:WHAT;..." */
} tamper_t;

enum { TAMPER_EDITED, TAMPER_DELETED, TAMPER_FORGED, TAMPER_UNSIGNED, TAMPER_ERA, TAMPER_SWAPPED };

static const tamper_t tampers[] = {
    [TAMPER_EDITED] = {5,
                       "DROP TRIGGER answers_update_open;"
                       " UPDATE answers SET value = 'bad' WHERE seq = 3",
                       "3:EDITED"},
    [TAMPER_DELETED] = {5,
                        "DROP TRIGGER answers_delete_open; DROP TRIGGER"
                        " responses_keep_answered; DELETE FROM answers WHERE seq = 3;"
                        " DELETE FROM responses WHERE seq = 3",
                        "4:DELETED"},
    /* One with made-up chain values, one with none. */
    [TAMPER_FORGED] = {3,
                       "INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
                       " started_utc_ms, finished_utc_ms, status, clock_trusted, chain,"
                       " prev_chain, chain_key) SELECT 4, 'forged-4', kiosk_id, survey,"
                       " 'vi', 1, 2, 1, 1, '" ZERO64 "', '" ZERO64 "', chain_key"
                       " FROM responses WHERE seq = 1;"
                       " INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
                       " started_utc_ms, finished_utc_ms, status, clock_trusted)"
                       " VALUES (5, 'forged-5', 'kiosk-01', 1, 'vi', 1, 2, 1, 1)",
                       "4:INSERTED;5:INSERTED"},
    /* The first response edited and its signature dropped, so that it
     * would pass for a response chained with the old shared key (whose
     * content is not checked without that key). */
    [TAMPER_UNSIGNED] = {3,
                         "DROP TRIGGER responses_keep_finished;"
                         " DROP TRIGGER answers_update_open;"
                         " UPDATE answers SET value = 'bad' WHERE seq = 1;"
                         " UPDATE responses SET chain_sig = NULL, chain_key = 'x' WHERE seq = 1",
                         "1:EDITED"},
    /* An answer edited, every signature stripped and the era moved so that
     * the rows pass for old HMAC rows: the era has no signed link, so verify
     * names it, and every row after the true era. */
    [TAMPER_ERA] = {3,
                    "DROP TRIGGER responses_keep_finished;"
                    " DROP TRIGGER answers_update_open; DROP TRIGGER chain_era_fixed;"
                    " UPDATE answers SET value = 'bad' WHERE seq = 1;"
                    " UPDATE responses SET chain_sig = NULL, chain_key = '0000000000000000';"
                    " UPDATE chain_era SET hmac_until = 3",
                    "1:UNCHECKED;2:UNCHECKED;3:UNCHECKED;3:EDITED"},
    /* Rows and answers of 2 and 3 trade places (CHECK kept at each step). */
    [TAMPER_SWAPPED] = {4,
                        "DROP TRIGGER responses_keep_identity;"
                        " DROP TRIGGER responses_keep_finished;"
                        " DROP TRIGGER answers_update_open;"
                        " UPDATE responses SET seq = 1000 WHERE seq = 2;"
                        " UPDATE answers SET seq = 1000, id = id - 128 + 64000 WHERE seq = 2;"
                        " UPDATE responses SET seq = 2 WHERE seq = 3;"
                        " UPDATE answers SET seq = 2, id = id - 64 WHERE seq = 3;"
                        " UPDATE responses SET seq = 3 WHERE seq = 1000;"
                        " UPDATE answers SET seq = 3, id = id - 64000 + 192 WHERE seq = 1000",
                        "2:REORDERED;3:REORDERED"},
};

/* A chained store that verifies clean, tampered with as tampers[which]
 * says and verified again; returns it closed. */
static fx_t *tampered(int which)
{
    const tamper_t *t = &tampers[which];
    fx_t *f = chained_store(t->responses);
    dump_t d;
    verify_dir(f, DEV_A, &d);
    CHECK_INT(d.rows, 0);
    CHECK_INT(db_exec(f->path, t->sql), SQLITE_OK);
    verify_dir(f, DEV_A, &d);
    CHECK_STR(d.text, t->want);
    return f;
}

static void test_verify_reports_an_answer_edited_by_sql_at_its_seq(void)
{
    fx_done(tampered(TAMPER_EDITED));
}

static void test_verify_reports_a_deleted_middle_response_at_the_next_seq(void)
{
    fx_done(tampered(TAMPER_DELETED));
}

static void test_verify_reports_forged_rows_as_inserted(void)
{
    fx_done(tampered(TAMPER_FORGED));
}

static void test_verify_reports_a_signature_removed_to_pass_for_an_old_hmac_row(void)
{
    fx_done(tampered(TAMPER_UNSIGNED));
}

static void test_verify_reports_signatures_stripped_under_a_moved_era(void)
{
    fx_t *f = tampered(TAMPER_ERA);
    /* And what the kiosk would export says every row must be signed. */
    fx_reopen(f, NULL);
    int64_t until = -1;
    CHECK_INT(hl_store_hmac_until(f->st, &until, &f->err), HL_OK);
    CHECK_INT(until, 0);
    fx_done(f);
}

static void test_verify_reports_two_swapped_responses_as_reordered(void)
{
    fx_done(tampered(TAMPER_SWAPPED));
}

static void test_verify_reports_responses_signed_by_another_device_key(void)
{
    fx_t *f = chained_store(2);
    fx_reopen(f, NULL);
    CHECK_INT(hl_store_set_signer(f->st, DEV_B, &f->err), HL_OK);
    hl_response_t r;
    store_responses(f, &r, 3, 1, 0);
    dump_t d;
    verify_problems(f->st, DEV_B, &d);
    CHECK_STR(d.text, "1:OTHER_KEY;2:OTHER_KEY");
    verify_problems(f->st, DEV_A, &d);
    CHECK_STR(d.text, "3:OTHER_KEY");
    fx_done(f);
}

static void test_suspect_is_stored_at_creation_counted_and_cannot_change(void)
{
    fx_t *f = fx_new("store-fair", FX_SURVEY);
    const char *flags[] = {"min_interval", NULL, "max_per_hour", "min_interval"};
    for (int i = 0; i < 4; i++) {
        hl_response_t r;
        resp_init(&r, i + 1);
        hl_save_t s = {.set_qid = "q_service", .set_value = "ok", .set_ms = 5, .suspect = flags[i]};
        CHECK_INT(hl_store_save(f->st, &r, &s, &f->err), HL_OK);
        /* Only the save that creates the response records it. */
        hl_save_t fin = {.status = HL_RESP_COMPLETE,
                         .finished_utc_ms = r.started_utc_ms + 9000,
                         .suspect = "max_per_hour"};
        CHECK_INT(hl_store_save(f->st, &r, &fin, &f->err), HL_OK);
    }
    hl_store_fair_t fair;
    CHECK_INT(hl_store_fair_counts(f->st, &fair, &f->err), HL_OK);
    CHECK_INT(fair.suspect, 3);
    CHECK_INT(fair.min_interval, 2);
    CHECK_INT(fair.max_per_hour, 1);
    CHECK_COUNTS(count_of(f->st, NULL, -1, NULL), 4, 4, 0); /* stored like any other */
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM responses WHERE seq = 2 AND suspect IS NULL"),
              1);
    CHECK_SQL_REFUSED(f, "DROP TRIGGER responses_keep_finished;"
                         " UPDATE responses SET suspect = NULL WHERE seq = 1");
    fx_done(f);
}

/* hailong.db deleted, then replaced, under an open store: the next save is
 * refused (nothing goes into a file that is gone) and says what happened. */
static void test_a_database_deleted_or_replaced_under_the_store_refuses_the_next_save(void)
{
    fx_t *f = fx_new("store-gone", FX_SURVEY);
    hl_response_t r = answered(f, 1, "q_service", "very_satisfied", 1200);
    CHECK_INT(hl_store_check_file(f->st, &f->err), HL_OK);
    CHECK_INT(unlink(f->path), 0);
    CHECK_INT(hl_store_check_file(f->st, &f->err), HL_ERR_CORRUPT);
    CHECK_CONTAINS(f->err.msg, "was deleted while the kiosk was running");
    CHECK_CONTAINS(f->err.msg, "restart the kiosk");
    CHECK_INT(save_set(f, &r, "q_staff", "4", 2500), HL_ERR_CORRUPT);
    CHECK_CONTAINS(f->err.msg, "deleted");
    /* Another file put there. */
    free(hl_test_write_file(f->dir, "hailong.db", ""));
    CHECK_INT(save_set(f, &r, "q_staff", "4", 2500), HL_ERR_CORRUPT);
    CHECK_CONTAINS(f->err.msg, "was replaced by another file");
    fx_done(f);
}

/* A symlinked hailong.db is refused, read-write and read-only, with what to
 * do: point the data folder at the real one. */
static void test_a_symlinked_database_is_refused_naming_the_real_folder_to_use(void)
{
    fx_t *real = fx_new("store-real", FX_SURVEY);
    fx_close(real);
    fx_t *f = fx_new("store-link", FX_CLOSED);
    CHECK_INT(symlink(real->path, f->path), 0);
    setup();
    hl_store_opts_t o = {.vfs = HL_FAULTVFS_NAME};
    CHECK_INT(hl_store_open(f->dir, &o, &f->st, NULL, &f->err), HL_ERR_USAGE);
    CHECK(f->st == NULL);
    CHECK_CONTAINS(f->err.msg, "is a symbolic link");
    CHECK_CONTAINS(f->err.msg, "set the data folder (--data-dir or HAILONG_DATA_DIR) to the real");
    o.read_only = true;
    CHECK_INT(hl_store_open(f->dir, &o, &f->st, NULL, &f->err), HL_ERR_USAGE);
    fx_done(f);
    fx_done(real);
}

static void test_a_long_text_answer_is_kept_and_a_value_that_is_not_utf8_is_refused(void)
{
    fx_t *f = fx_new("store", FX_SURVEY);
    hl_response_t r;
    resp_init(&r, 1);
    /* The longest text answer: 2000 three-byte letters. */
    char big[HL_TEXT_ANSWER_BYTES + 1];
    for (int i = 0; i < HL_TEXT_ANSWER_MAX; i++)
        memcpy(big + 3 * i, "ệ", 3);
    big[HL_TEXT_ANSWER_BYTES] = '\0';
    CHECK_INT(save_set(f, &r, "q_comment", big, 5), HL_OK);
    /* Not UTF-8: cut short, overlong, a surrogate, past U+10FFFF. */
    static const char *const bad[] = {"ab\xff", "\xc3", "\xe0\x80\x80", "\xed\xa0\x80",
                                      "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (save_set(f, &r, "q_staff", bad[i], 6) != HL_ERR_USAGE ||
            !strstr(f->err.msg, "not valid UTF-8"))
            hl_test_fail(__FILE__, __LINE__, "value %zu was not refused (%s)", i, f->err.msg);
    }
    CHECK_INT(save_set(f, &r, "q_staff", "Dòng một\nDòng hai", 6), HL_OK);
    CHECK_INT(save_finish(f, &r, HL_RESP_COMPLETE), HL_OK);
    hl_store_stats_t s;
    CHECK_INT(hl_store_stats(f->st, &s, &f->err), HL_OK);
    CHECK_INT(s.answers, 2);
    CHECK_INT(s.comments, 0); /* the hand-made survey has no text question */
    fx_done(f);
}

static void test_stats_count_the_answers_to_text_questions_of_every_version(void)
{
    char *dir = hl_test_tmpdir("store-text");
    hl_store_t *st = hl_fixture_store(dir, NULL);
    hl_survey_t *s = hl_fixture_survey(hl_test_data("text/survey.json"));
    hl_err_t err = {0};
    CHECK_INT(hl_store_use_survey(st, s, "kiosk-01", &err), HL_OK);
    hl_response_t r;
    hl_fixture_response(&r, 1, 1700000000000LL);
    hl_fixture_save(st, &r, "overall", "s1", 100);
    hl_fixture_save(st, &r, "comment", "Chờ lâu", 200);
    hl_fixture_save(st, &r, "name", "An", 300);
    hl_fixture_finish(st, &r, HL_RESP_COMPLETE);
    hl_fixture_response(&r, 2, 1700000060000LL);
    hl_fixture_save(st, &r, "overall", "s3", 100);
    hl_fixture_save(st, &r, "name", "Bình", 300); /* left in progress: counted too */
    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(st, &stats, &err), HL_OK);
    CHECK_INT(stats.answers, 5);
    CHECK_INT(stats.comments, 3);
    /* The tally counts the finished response's comments under '' and
     * never copies a citizen's words into it (schema 8). */
    CHECK_INT(db_int(dir, "SELECT count(*) FROM tally WHERE value IN ('Chờ lâu', 'An')"), 0);
    CHECK_INT(db_int(dir, "SELECT sum(n) FROM tally WHERE qid IN ('comment', 'name')"
                          " AND value = ''"),
              2);
    CHECK_INT(db_int(dir, "SELECT count(*) FROM survey_free WHERE kind = 'text'"), 2);
    hl_survey_free(s);
    hl_store_close(st);
    hl_fixture_rm(dir);
}

/* Schema 7 copied comments into the tally; the step to 8 replaces them
 * with a count, by the stored survey's question types (a note before the
 * text question moves no slot), and later finishes count them the same. */
static void test_migration_to_8_takes_comments_out_of_the_tally_and_keeps_their_count(void)
{
    fx_t *f = fx_schema("store-m8", 7);
    if (!f) return;
    CHECK_INT(db_exec(f->path,
                      "UPDATE surveys SET source = '{\"questions\": ["
                      "{\"id\": \"q_service\", \"type\": \"smiley\"},"
                      "{\"id\": \"intro\", \"type\": \"note\"},"
                      "{\"id\": \"q_staff\", \"type\": \"stars\"},"
                      "{\"id\": \"q_wait\", \"type\": \"yesno\"},"
                      "{\"id\": \"q_comment\", \"type\": \"text\"}]}' WHERE sid = 1;"
                      "DROP TRIGGER answers_insert_open;"
                      "INSERT INTO answers VALUES (67, 1, 'q_comment', 'Phòng chờ nóng', 5000);"
                      "INSERT INTO tally VALUES ('q_comment', 19675, 1, '', 'Phòng chờ nóng', 1);"
                      "CREATE TRIGGER answers_insert_open BEFORE INSERT ON answers"
                      "  WHEN (SELECT status FROM responses WHERE seq = NEW.seq) IS NOT 0"
                      "  BEGIN SELECT RAISE(ABORT, 'answers of a finished or missing response"
                      " cannot change'); END;"
                      "INSERT INTO answers VALUES (259, 4, 'q_comment', 'Cần thêm ghế', 2000);"),
              SQLITE_OK);
    int64_t recovered = -1;
    fx_reopen(f, &recovered); /* migrates, then finishes 4 as partial */
    CHECK_INT(recovered, 1);
    CHECK_INT(db_int(f->dir, "SELECT pos FROM survey_free WHERE sid = 1 AND qid = 'q_comment'"
                             " AND kind = 'text'"),
              3);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM tally WHERE value LIKE 'Phòng%'"
                             " OR value LIKE 'Cần%'"),
              0);
    CHECK_INT(db_int(f->dir, "SELECT n FROM tally WHERE qid = 'q_comment' AND officer = ''"
                             " AND value = ''"),
              1);
    CHECK_INT(db_int(f->dir, "SELECT n FROM tally WHERE qid = 'q_comment' AND officer = 'off_2'"
                             " AND value = ''"),
              1);
    CHECK_INT(db_int(f->dir, "SELECT n FROM tally WHERE qid = 'q_service' AND value = 'bad'"), 1);
    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(f->st, &stats, &f->err), HL_OK);
    CHECK_INT(stats.comments, 2);
    CHECK_INT(stats.followups, 0);
    fx_done(f);
}

/* A finish with a seed gives the first code no response has, writes it
 * back, stores it once and for good; a partial finish gets none. */
static void test_a_follow_up_code_is_given_at_a_complete_finish_unique_and_fixed(void)
{
    fx_t *f = fx_new("store-fu", FX_SURVEY);
    const uint64_t seed = 0x5eed;
    char first[HL_FOLLOWUP_LEN + 1], second[HL_FOLLOWUP_LEN + 1];
    hl_followup_make(seed, 0, first);
    hl_followup_make(seed, 1, second);
    CHECK(strcmp(first, second) != 0);
    CHECK(hl_followup_valid(first) && hl_followup_valid(second));
    const char *want[3] = {first, second, ""};
    for (int i = 0; i < 3; i++) {
        hl_response_t r = answered(f, i + 1, "q_service", "ok", 500);
        hl_save_t fin = {.status = i < 2 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL,
                         .finished_utc_ms = r.started_utc_ms + 9000,
                         .followup_seed = seed};
        CHECK_INT(hl_store_save(f->st, &r, &fin, &f->err), HL_OK);
        CHECK_STR(r.followup, want[i]); /* the same seed again: the next candidate */
    }
    CHECK_INT(db_int(f->dir, "SELECT count(followup) FROM responses"), 2);
    CHECK_SQL_REFUSED(f, "UPDATE responses SET followup = 'AAAAAA' WHERE seq = 1");
    CHECK_SQL_REFUSED(f, "UPDATE responses SET followup = NULL WHERE seq = 2");
    /* The code is in the row the exports and the sync write, and in what
     * the chain covers: the chain still verifies. */
    dump_t d;
    CHECK_INT(hl_store_set_signer(f->st, DEV_A, &f->err), HL_OK);
    CHECK_INT(verify_problems(f->st, DEV_A, &d), 0);
    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(f->st, &stats, &f->err), HL_OK);
    CHECK_INT(stats.followups, 2);
    fx_done(f);
}

/* ---- Assignments from the centre (schema 9) ------------------------------------------ */

static void test_an_assignment_is_recorded_with_its_answer_and_ends_once_across_a_restart(void)
{
    fx_t *f = fx_new("store-assign", FX_SURVEY);
    hl_store_assign_t a;
    CHECK_INT(hl_store_assign_get(f->st, &a, &f->err), HL_OK);
    CHECK_INT(a.state, HL_ASSIGN_NONE);
    CHECK_INT(a.id, -1);
    /* Received with an answer, in its transaction: waiting, with what it assigns. */
    const char survey[] = "{\"id\": \"x\"}";
    hl_store_assign_rec_t ar = {.id = 17,
                                .state = HL_ASSIGN_WAITING,
                                .survey = survey,
                                .survey_len = strlen(survey),
                                .officers = "[{\"id\":\"a\",\"name\":\"A\"}]"};
    hl_store_sync_rec_t rec = {.at_utc_ms = 1700000000000LL, .success = true, .assign = &ar};
    CHECK_INT(hl_store_sync_record(f->st, &rec, &f->err), HL_OK);
    hl_store_sync_t sy = sync_state_of(f->st);
    CHECK_INT(sy.assign.state, HL_ASSIGN_WAITING);
    CHECK_INT(sy.assign.id, 17);
    CHECK_INT(sy.assign.received_utc_ms, 1700000000000LL);
    CHECK_INT(sy.assign.done_utc_ms, -1);
    CHECK_STR(sy.assign.error, "");
    /* A restart keeps it waiting with its texts. */
    fx_reopen(f, NULL);
    char *text = NULL, *officers = NULL;
    size_t len = 0;
    CHECK_INT(hl_store_assign_payload(f->st, 17, &text, &len, &officers, &f->err), HL_OK);
    CHECK_STR(text, survey);
    CHECK_INT(len, strlen(survey));
    CHECK_STR(officers, "[{\"id\":\"a\",\"name\":\"A\"}]");
    free(text);
    free(officers);
    CHECK_INT(hl_store_assign_payload(f->st, 16, &text, &len, &officers, &f->err),
              HL_ERR_NOT_FOUND);
    CHECK(text == NULL && officers == NULL);
    /* Installed once: the texts go, a second end is refused, a failure needs its reason. */
    CHECK_INT(hl_store_assign_done(f->st, 17, HL_ASSIGN_FAILED, "", 1, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_assign_done(f->st, 17, HL_ASSIGN_WAITING, NULL, 1, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_assign_done(f->st, 17, HL_ASSIGN_INSTALLED, NULL, 1700000100000LL, &f->err),
              HL_OK);
    CHECK_INT(hl_store_assign_done(f->st, 17, HL_ASSIGN_INSTALLED, NULL, 1700000200000LL, &f->err),
              HL_ERR_STATE);
    CHECK_INT(db_int(f->dir, "SELECT count(*) FROM assignment WHERE survey IS NULL"
                             " AND officers IS NULL AND done_utc_ms = 1700000100000"),
              1);
    fx_reopen(f, NULL);
    CHECK_INT(hl_store_assign_get(f->st, &a, &f->err), HL_OK);
    CHECK_INT(a.state, HL_ASSIGN_INSTALLED);
    CHECK_INT(a.id, 17);
    CHECK_INT(hl_store_assign_payload(f->st, 17, &text, &len, &officers, &f->err),
              HL_ERR_NOT_FOUND);
    /* A newer one refused at once replaces it, its (long) reason cut on a
     * character. */
    char why[700];
    memset(why, 'x', sizeof why);
    memcpy(why + 510, "ư", 2); /* 2 bytes straddling the 511-byte cut */
    why[sizeof why - 1] = '\0';
    hl_store_assign_rec_t bad = {.id = 18, .state = HL_ASSIGN_FAILED, .error = why};
    rec.assign = &bad;
    CHECK_INT(hl_store_sync_record(f->st, &rec, &f->err), HL_OK);
    sy = sync_state_of(f->st);
    CHECK_INT(sy.assign.state, HL_ASSIGN_FAILED);
    CHECK_INT(sy.assign.id, 18);
    CHECK_INT(strlen(sy.assign.error), 510);
    CHECK_INT(sy.assign.done_utc_ms, 1700000000000LL);
    /* A record refused as a whole leaves the last assignment as it was. */
    hl_store_assign_rec_t nonsense = {.id = 19, .state = HL_ASSIGN_FAILED};
    rec.assign = &nonsense;
    CHECK_INT(hl_store_sync_record(f->st, &rec, &f->err), HL_ERR_USAGE);
    CHECK_INT(hl_store_assign_get(f->st, &a, &f->err), HL_OK);
    CHECK_INT(a.id, 18);
    /* Read-only: reads, never writes. */
    fx_read_only(f);
    CHECK_INT(hl_store_assign_get(f->st, &a, &f->err), HL_OK);
    CHECK_INT(a.id, 18);
    CHECK_INT(hl_store_assign_done(f->st, 18, HL_ASSIGN_INSTALLED, NULL, 1, &f->err),
              HL_ERR_READONLY);
    fx_done(f);
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
    HL_TEST(test_an_assignment_is_recorded_with_its_answer_and_ends_once_across_a_restart),
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
    HL_TEST(test_migration_to_8_takes_comments_out_of_the_tally_and_keeps_their_count),
    HL_TEST(test_a_follow_up_code_is_given_at_a_complete_finish_unique_and_fixed),
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
    HL_TEST(test_a_long_text_answer_is_kept_and_a_value_that_is_not_utf8_is_refused),
    HL_TEST(test_stats_count_the_answers_to_text_questions_of_every_version),
};

HL_TEST_MAIN(tests)
