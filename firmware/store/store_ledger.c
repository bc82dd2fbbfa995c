/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_ledger.c: the ledgers: the result bundles written to sticks, and
 * what the network sync delivered.
 */
#include "store_int.h"

/* ---- Exports to sticks -------------------------------------------------------- */

int hl_store_record_export(hl_store_t *st, int64_t exported_utc_ms, int64_t seq_first,
                           int64_t seq_last, int64_t responses, const char *medium,
                           const char *folder, hl_err_t *err)
{
    if (!st) return hl_err_set(err, HL_ERR_USAGE, "hl_store_record_export: no store");
    if (st->read_only)
        return hl_err_set(err, HL_ERR_READONLY,
                          "the store was opened read-only: an export can only be recorded by "
                          "the program that writes the store (stop the kiosk, or export from "
                          "its screen)");
    if (st->in_batch)
        return hl_err_set(err, HL_ERR_STATE, "an export cannot be recorded inside a batch");
    if (seq_first < 1 || seq_first > seq_last || responses < 1)
        return hl_err_set(err, HL_ERR_USAGE,
                          "an export of %lld responses with seq %lld..%lld cannot be recorded: "
                          "only a bundle holding responses is recorded",
                          (long long)responses, (long long)seq_first, (long long)seq_last);
    sqlite3_stmt *s = NULL;
    int rc = store_run_cached(st, ST_BEGIN, "recording an export", err);
    if (rc != HL_OK) goto fail;
    int src = sqlite3_prepare_v2(st->db,
                                 "INSERT INTO exports(exported_at, seq_first, seq_last, responses,"
                                 " medium, folder) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                 -1, &s, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "recording an export", err);
        goto fail;
    }
    sqlite3_bind_int64(s, 1, exported_utc_ms);
    sqlite3_bind_int64(s, 2, seq_first);
    sqlite3_bind_int64(s, 3, seq_last);
    sqlite3_bind_int64(s, 4, responses);
    if (medium) sqlite3_bind_text(s, 5, medium, -1, SQLITE_STATIC);
    if (folder) sqlite3_bind_text(s, 6, folder, -1, SQLITE_STATIC);
    rc = store_stmt_done(st, s, "recording an export", err);
    if (rc != HL_OK) goto fail;
    rc = store_run_cached(st, ST_COMMIT, "committing the export record", err);
    if (rc != HL_OK) goto fail;
    sqlite3_finalize(s);
    hl_err_clear(err);
    return HL_OK;
fail:
    sqlite3_finalize(s);
    store_rollback_quietly(st);
    return rc;
}

int hl_store_exported_upto(hl_store_t *st, int64_t *seq, hl_err_t *err)
{
    *seq = 0;
    int src = store_query_int(st->db, "SELECT coalesce(max(seq_last), 0) FROM exports", seq);
    if (src != SQLITE_OK) return store_fail(st, src, "reading the recorded exports", err);
    return HL_OK;
}

int hl_store_export_range(hl_store_t *st, int64_t after_seq, hl_store_range_t *out, hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->upto = after_seq;
    sqlite3_stmt *s = NULL;
    /* One statement, one snapshot: the first open response after after_seq
     * bounds the range; without one, the highest stored seq does. */
    int src = sqlite3_prepare_v2(
        st->db,
        "WITH o AS (SELECT coalesce(min(seq), 0) AS open FROM responses"
        "   WHERE seq > ?1 AND status = 0),"
        " lim AS (SELECT open, max(?1, CASE WHEN open > 0 THEN open - 1"
        "   ELSE coalesce((SELECT max(seq) FROM responses), 0) END) AS upto FROM o)"
        " SELECT upto, (SELECT count(*) FROM responses WHERE seq > ?1 AND seq <= upto), open"
        " FROM lim",
        -1, &s, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, after_seq);
        src = sqlite3_step(s);
    }
    int rc = HL_OK;
    if (src == SQLITE_ROW) {
        out->upto = sqlite3_column_int64(s, 0);
        out->responses = sqlite3_column_int64(s, 1);
        out->in_progress_seq = sqlite3_column_int64(s, 2);
    } else {
        rc = store_fail(st, src, "finding the responses to export", err);
    }
    sqlite3_finalize(s);
    return rc;
}
/* ---- Network sync ------------------------------------------------------------ */

#define SYNC_ERROR_MAX 511 /* bytes of last_error kept (hl_store_sync_t.last_error) */
#define SYNC_FP_MAX    64  /* bytes of a stop fingerprint (hex SHA-256) */

/* Copies a column's text into buf ("" for NULL), cut to fit. */
void store_column_text_copy(sqlite3_stmt *s, int col, char *buf, size_t size)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    snprintf(buf, size, "%s", t ? t : "");
}

static int64_t column_ms(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, col);
}

/* The sync state; count: with the pending responses counted (a scan of
 * them all), else pending -1. */
static int sync_state(hl_store_t *st, hl_store_sync_t *out, bool count, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_sync_state: no argument");
    memset(out, 0, sizeof *out);
    out->oldest_pending_utc_ms = -1;
    out->last_attempt_utc_ms = -1;
    out->last_success_utc_ms = -1;
    out->last_error_utc_ms = -1;
    out->last_export_utc_ms = -1;
    sqlite3_stmt *s = NULL;
    /* One statement, one snapshot. Pending responses come after the
     * watermark; delivered ones are counted by a trigger. Without the count,
     * the oldest pending is found without looking at the others (a common
     * table expression used twice would be read whole). */
#define SYNC_STATE_SQL(pending, oldest_seq, oldest_ms, with)                                       \
    with " SELECT " pending ", x.delivered, " oldest_seq ", " oldest_ms ","                        \
         " x.last_attempt_utc_ms, x.last_success_utc_ms, x.last_error_utc_ms, x.last_error,"       \
         " x.stopped_fingerprint, (SELECT max(exported_at) FROM exports)"                          \
         " FROM (SELECT 1) LEFT JOIN sync_state x ON x.id = 1"
#define SYNC_FIRST_SQL(col)                                                                        \
    "(SELECT r." col " FROM responses r WHERE r.seq > " SYNC_UPTO_SQL                              \
    " AND " SYNC_PENDING_SQL("r") " ORDER BY r.seq LIMIT 1)"
    static const char counted[] = SYNC_STATE_SQL(
        "(SELECT count(*) FROM p)", "(SELECT seq FROM o)", "(SELECT finished_utc_ms FROM o)",
        "WITH p AS (SELECT r.seq, r.finished_utc_ms FROM responses r"
        "   WHERE r.seq > " SYNC_UPTO_SQL " AND " SYNC_PENDING_SQL(
            "r") "),"
                 " o AS (SELECT seq, finished_utc_ms FROM p ORDER BY seq LIMIT 1)");
    static const char brief[] =
        SYNC_STATE_SQL("-1", SYNC_FIRST_SQL("seq"), SYNC_FIRST_SQL("finished_utc_ms"), "");
#undef SYNC_FIRST_SQL
#undef SYNC_STATE_SQL
    int rc = store_row(st, count ? counted : brief, false, "reading the sync state", &s, err);
    if (s) {
        out->pending = sqlite3_column_int64(s, 0);
        out->delivered = sqlite3_column_int64(s, 1);
        out->oldest_pending_seq = sqlite3_column_int64(s, 2); /* NULL: 0 */
        out->oldest_pending_utc_ms = column_ms(s, 3);
        out->last_attempt_utc_ms = column_ms(s, 4);
        out->last_success_utc_ms = column_ms(s, 5);
        out->last_error_utc_ms = column_ms(s, 6);
        store_column_text_copy(s, 7, out->last_error, sizeof out->last_error);
        store_column_text_copy(s, 8, out->stopped_fingerprint, sizeof out->stopped_fingerprint);
        out->last_export_utc_ms = column_ms(s, 9);
    }
    sqlite3_finalize(s);
    if (rc == HL_OK) rc = hl_store_assign_get(st, &out->assign, err);
    return rc;
}

int hl_store_sync_state(hl_store_t *st, hl_store_sync_t *out, hl_err_t *err)
{
    return sync_state(st, out, true, err);
}

int hl_store_sync_state_brief(hl_store_t *st, hl_store_sync_t *out, hl_err_t *err)
{
    return sync_state(st, out, false, err);
}

/* Length of text cut to at most max bytes without splitting a UTF-8
 * sequence (continuation bytes are 10xxxxxx). */
size_t store_utf8_cut(const char *text, size_t max)
{
    size_t n = strlen(text);
    if (n <= max) return n;
    n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

int hl_store_sync_record(hl_store_t *st, const hl_store_sync_rec_t *rec, hl_err_t *err)
{
    if (!st || !rec) return hl_err_set(err, HL_ERR_USAGE, "hl_store_sync_record: no argument");
    if (st->read_only)
        return hl_err_set(err, HL_ERR_READONLY,
                          "the store was opened read-only: a sync attempt can only be recorded "
                          "by the program that writes the store (the kiosk)");
    if (st->in_batch)
        return hl_err_set(err, HL_ERR_STATE, "a sync attempt cannot be recorded inside a batch");
    if (rec->n_delivered && !rec->delivered)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_sync_record: n_delivered without seqs");
    if (rec->stop_fingerprint && strlen(rec->stop_fingerprint) > SYNC_FP_MAX)
        return hl_err_set(err, HL_ERR_USAGE,
                          "a sync config fingerprint of %zu bytes cannot be recorded (at most "
                          "%d)",
                          strlen(rec->stop_fingerprint), SYNC_FP_MAX);
    /* A failure without a reason still shows as an error. */
    const char *error = rec->success                  ? NULL
                        : rec->error && rec->error[0] ? rec->error
                                                      : "the attempt failed (no reason given)";

    sqlite3_stmt *mark = NULL, *upd = NULL;
    int rc = store_run_cached(st, ST_BEGIN, "recording a sync attempt", err);
    if (rc != HL_OK) goto fail;
    /* Unknown, in-progress and already delivered responses are no-ops. */
    int src = sqlite3_prepare_v2(st->db,
                                 "INSERT OR IGNORE INTO sync_delivered(seq, delivered_utc_ms)"
                                 " SELECT seq, ?1 FROM responses WHERE seq = ?2 AND status <> 0",
                                 -1, &mark, NULL);
    /* The watermark moves up to just before the first response after it that
     * is in progress or not delivered, or to the highest stored seq; never
     * down (a trigger makes sure). */
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(
            st->db,
            "UPDATE sync_state SET upto = max(upto, coalesce("
            "  (SELECT r.seq - 1 FROM responses r WHERE r.seq > sync_state.upto"
            "   AND (r.status = 0 OR NOT EXISTS"
            "   (SELECT 1 FROM sync_delivered d WHERE d.seq = r.seq)) ORDER BY r.seq LIMIT 1),"
            "  (SELECT max(seq) FROM responses), upto)),"
            " last_attempt_utc_ms = ?1,"
            " last_success_utc_ms = CASE WHEN ?2 THEN ?1 ELSE last_success_utc_ms END,"
            " last_error = ?3,"
            " last_error_utc_ms = CASE WHEN ?2 THEN NULL ELSE ?1 END,"
            " stopped_fingerprint = CASE WHEN ?4 THEN nullif(?5, '') ELSE stopped_fingerprint END"
            " WHERE id = 1",
            -1, &upd, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "recording a sync attempt", err);
        goto fail;
    }
    char what[96];
    for (size_t i = 0; i < rec->n_delivered; i++) {
        sqlite3_bind_int64(mark, 1, rec->at_utc_ms);
        sqlite3_bind_int64(mark, 2, rec->delivered[i]);
        snprintf(what, sizeof what, "marking response %lld as delivered",
                 (long long)rec->delivered[i]);
        rc = store_stmt_done(st, mark, what, err);
        if (rc != HL_OK) goto fail;
    }
    sqlite3_bind_int64(upd, 1, rec->at_utc_ms);
    sqlite3_bind_int(upd, 2, rec->success ? 1 : 0);
    if (error)
        sqlite3_bind_text(upd, 3, error, (int)store_utf8_cut(error, SYNC_ERROR_MAX), SQLITE_STATIC);
    sqlite3_bind_int(upd, 4, rec->stop_fingerprint ? 1 : 0);
    if (rec->stop_fingerprint) sqlite3_bind_text(upd, 5, rec->stop_fingerprint, -1, SQLITE_STATIC);
    rc = store_stmt_done(st, upd, "recording the sync attempt", err);
    if (rc != HL_OK) goto fail;
    if (sqlite3_changes(st->db) != 1) {
        rc = hl_err_set(err, HL_ERR_INTERNAL,
                        "%s has no sync state row: it was changed by another program (or this "
                        "is a bug in hailong); please report it with the file",
                        st->path);
        goto fail;
    }
    if (rec->assign) {
        rc = store_assign_put(st, rec->assign, rec->at_utc_ms, err);
        if (rc != HL_OK) goto fail;
    }
    rc = store_run_cached(st, ST_COMMIT, "committing the sync attempt", err);
    if (rc != HL_OK) goto fail;
    sqlite3_finalize(mark);
    sqlite3_finalize(upd);
    hl_err_clear(err);
    return HL_OK;
fail:
    sqlite3_finalize(mark);
    sqlite3_finalize(upd);
    store_rollback_quietly(st);
    return rc;
}
