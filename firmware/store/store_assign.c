/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_assign.c: the last assignment from the centre (sync protocol
 * version 2, schema 9): one row with its id, its state (waiting, installed,
 * failed) and why it failed, and while it waits, what it assigns. It is
 * written with the sync attempt whose answer brought it (store_assign_put,
 * inside hl_store_sync_record's transaction) and once more when the kiosk
 * installed it or gave up (hl_store_assign_done), so a restart reports it
 * and never installs it twice.
 */
#include "store_int.h"

const char *hl_assign_state_name(hl_assign_state_t s)
{
    static const char *const names[] = {"none", "waiting", "installed", "failed"}; /* enum order */
    return HL_NAME_OF(names, s, "?");
}

/* The state of a column's text; NONE when unknown (another program's). */
static hl_assign_state_t state_of(const char *t)
{
    for (int i = HL_ASSIGN_WAITING; i <= HL_ASSIGN_FAILED; i++)
        if (t && !strcmp(t, hl_assign_state_name((hl_assign_state_t)i)))
            return (hl_assign_state_t)i;
    return HL_ASSIGN_NONE;
}

/* The assignment row's columns (assignment_id, state, error, received_utc_ms,
 * done_utc_ms) from column col of s (NULL, or NULLs: none received). */
static void assign_read(sqlite3_stmt *s, int col, hl_store_assign_t *out)
{
    memset(out, 0, sizeof *out);
    out->id = -1;
    out->received_utc_ms = -1;
    out->done_utc_ms = -1;
    if (!s || sqlite3_column_type(s, col) == SQLITE_NULL) return;
    out->state = state_of((const char *)sqlite3_column_text(s, col + 1));
    if (out->state == HL_ASSIGN_NONE) return;
    out->id = sqlite3_column_int64(s, col);
    store_column_text_copy(s, col + 2, out->error, sizeof out->error);
    out->received_utc_ms = sqlite3_column_int64(s, col + 3);
    if (sqlite3_column_type(s, col + 4) != SQLITE_NULL)
        out->done_utc_ms = sqlite3_column_int64(s, col + 4);
}

int hl_store_assign_get(hl_store_t *st, hl_store_assign_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_assign_get: no argument");
    sqlite3_stmt *s = NULL;
    /* A read-only store of a database the kiosk has not migrated yet (the
     * status beside a kiosk being upgraded) has no such table: none. */
    int64_t has = 0;
    int src = store_query_int(st->db,
                              "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                              " AND name = 'assignment'",
                              &has);
    if (src != SQLITE_OK) return store_fail(st, src, "reading the last assignment", err);
    int rc = !has ? HL_OK
                  : store_row(st,
                              "SELECT a.assignment_id, a.state, a.error, a.received_utc_ms,"
                              " a.done_utc_ms FROM (SELECT 1) LEFT JOIN assignment a ON a.id = 1",
                              false, "reading the last assignment", &s, err);
    assign_read(s, 0, out);
    sqlite3_finalize(s);
    return rc;
}

int store_assign_put(hl_store_t *st, const hl_store_assign_rec_t *a, int64_t at_utc_ms,
                     hl_err_t *err)
{
    bool waiting = a->state == HL_ASSIGN_WAITING;
    if ((!waiting && a->state != HL_ASSIGN_FAILED) || (!waiting && (!a->error || !a->error[0])))
        return hl_err_set(err, HL_ERR_USAGE,
                          "an assignment is received waiting, or failed with a reason");
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(
        st->db,
        "INSERT OR REPLACE INTO assignment(id, assignment_id, state, error, received_utc_ms,"
        " done_utc_ms, survey, officers) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        -1, &s, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "recording an assignment", err);
    sqlite3_bind_int64(s, 1, a->id);
    sqlite3_bind_text(s, 2, hl_assign_state_name(a->state), -1, SQLITE_STATIC);
    if (!waiting)
        sqlite3_bind_text(s, 3, a->error, (int)store_utf8_cut(a->error, HL_ASSIGN_ERROR_MAX),
                          SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, at_utc_ms);
    if (!waiting) sqlite3_bind_int64(s, 5, at_utc_ms);
    if (waiting && a->survey)
        sqlite3_bind_text64(s, 6, a->survey, a->survey_len, SQLITE_STATIC, SQLITE_UTF8);
    if (waiting && a->officers) sqlite3_bind_text(s, 7, a->officers, -1, SQLITE_STATIC);
    int rc = store_stmt_done(st, s, "recording an assignment", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_assign_payload(hl_store_t *st, int64_t id, char **survey, size_t *survey_len,
                            char **officers, hl_err_t *err)
{
    *survey = NULL;
    *survey_len = 0;
    *officers = NULL;
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT survey, officers FROM assignment WHERE id = 1"
                                 " AND assignment_id = ?1 AND state = 'waiting'",
                                 -1, &s, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        src = sqlite3_step(s);
    }
    int rc = HL_OK;
    if (src == SQLITE_DONE) {
        rc = hl_err_set(err, HL_ERR_NOT_FOUND, "assignment %lld is not waiting to be installed",
                        (long long)id);
    } else if (src != SQLITE_ROW) {
        rc = store_fail(st, src, "reading the waiting assignment", err);
    } else {
        for (int c = 0; c < 2 && rc == HL_OK; c++) {
            if (sqlite3_column_type(s, c) == SQLITE_NULL) continue;
            const char *t = (const char *)sqlite3_column_text(s, c);
            size_t n = (size_t)sqlite3_column_bytes(s, c);
            char *copy = t ? malloc(n + 1) : NULL;
            if (!copy) {
                rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading the waiting assignment");
                break;
            }
            memcpy(copy, t, n + 1);
            if (c == 0) {
                *survey = copy;
                *survey_len = n;
            } else {
                *officers = copy;
            }
        }
    }
    sqlite3_finalize(s);
    if (rc != HL_OK) {
        free(*survey);
        free(*officers);
        *survey = *officers = NULL;
        *survey_len = 0;
    }
    return rc;
}

int hl_store_assign_done(hl_store_t *st, int64_t id, hl_assign_state_t state, const char *error,
                         int64_t at_utc_ms, hl_err_t *err)
{
    if (!st) return hl_err_set(err, HL_ERR_USAGE, "hl_store_assign_done: no store");
    if (state != HL_ASSIGN_INSTALLED && state != HL_ASSIGN_FAILED)
        return hl_err_set(err, HL_ERR_USAGE, "an assignment ends installed or failed, not %s",
                          hl_assign_state_name(state));
    if (state == HL_ASSIGN_FAILED && (!error || !error[0]))
        return hl_err_set(err, HL_ERR_USAGE, "a failed assignment needs the reason");
    if (st->read_only)
        return hl_err_set(err, HL_ERR_READONLY,
                          "the store was opened read-only: an assignment can only be recorded "
                          "by the program that writes the store (the kiosk)");
    if (st->in_batch)
        return hl_err_set(err, HL_ERR_STATE, "an assignment cannot be recorded inside a batch");
    sqlite3_stmt *s = NULL;
    int rc = store_run_cached(st, ST_BEGIN, "recording an assignment", err);
    if (rc != HL_OK) goto fail;
    int src = sqlite3_prepare_v2(st->db,
                                 "UPDATE assignment SET state = ?2, error = ?3, done_utc_ms = ?4,"
                                 " survey = NULL, officers = NULL"
                                 " WHERE id = 1 AND assignment_id = ?1 AND state = 'waiting'",
                                 -1, &s, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "recording an assignment", err);
        goto fail;
    }
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, hl_assign_state_name(state), -1, SQLITE_STATIC);
    if (state == HL_ASSIGN_FAILED)
        sqlite3_bind_text(s, 3, error, (int)store_utf8_cut(error, HL_ASSIGN_ERROR_MAX),
                          SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, at_utc_ms);
    rc = store_stmt_done(st, s, "recording an assignment", err);
    if (rc != HL_OK) goto fail;
    if (sqlite3_changes(st->db) != 1) {
        rc = hl_err_set(err, HL_ERR_STATE, "assignment %lld is not waiting to be installed",
                        (long long)id);
        goto fail;
    }
    rc = store_run_cached(st, ST_COMMIT, "committing the assignment's state", err);
    if (rc != HL_OK) goto fail;
    sqlite3_finalize(s);
    hl_err_clear(err);
    return HL_OK;
fail:
    sqlite3_finalize(s);
    store_rollback_quietly(st);
    return rc;
}
