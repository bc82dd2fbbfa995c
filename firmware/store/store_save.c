/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_save.c: saving: one hl_save_t in one transaction (the sink the
 * flow writes through), and fair counting's flags on new responses.
 */
#include "store_int.h"

/* ---- Saving --------------------------------------------------------------- */

int store_tx_begin(hl_store_t *st, hl_err_t *err)
{
    if (st->in_batch) return store_run_cached(st, ST_SAVEPOINT, "starting a save in a batch", err);
    return store_run_cached(st, ST_BEGIN, "starting a save", err);
}

int store_tx_commit(hl_store_t *st, hl_err_t *err)
{
    if (st->in_batch) return store_run_cached(st, ST_RELEASE, "finishing a save in a batch", err);
    return store_run_cached(st, ST_COMMIT, "committing a save", err);
}

void store_tx_rollback(hl_store_t *st)
{
    if (!st->in_batch) {
        store_rollback_quietly(st);
        return;
    }
    if (sqlite3_get_autocommit(st->db)) {
        st->batch_lost = true; /* SQLite undid the whole batch */
        return;
    }
    sqlite3_exec(st->db, "ROLLBACK TO hl_save; RELEASE hl_save", NULL, NULL, NULL);
}

/* Position of qid in the survey in use, or -1. */
static int qid_slot(const hl_store_t *st, const char *qid)
{
    for (size_t i = 0; i < st->n_qids; i++)
        if (strcmp(st->qids[i], qid) == 0) return (int)i;
    return -1;
}

static int save_check(const hl_store_t *st, const hl_response_t *resp, const hl_save_t *save,
                      hl_err_t *err)
{
    if (st->read_only) return hl_err_set(err, HL_ERR_READONLY, "the store was opened read-only");
    if (!st->survey_sid)
        return hl_err_set(err, HL_ERR_STATE, "no survey registered: call hl_store_use_survey");
    if (st->batch_lost)
        return hl_err_set(err, HL_ERR_STATE, "the batch was rolled back after an error: end it");
    if (save->set_qid) {
        if (qid_slot(st, save->set_qid) < 0)
            return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" is not in survey %s",
                              save->set_qid, st->survey_id);
        size_t len = save->set_value ? strlen(save->set_value) : 0;
        if (len == 0 || len >= HL_VALUE_MAX)
            return hl_err_set(err, HL_ERR_USAGE, "answer to %s is empty or too long",
                              save->set_qid);
        /* What every export writes as it is (an XLSX cell must be UTF-8). */
        if (!hl_utf8_valid(save->set_value, len))
            return hl_err_set(err, HL_ERR_USAGE, "answer to %s is not valid UTF-8", save->set_qid);
    }
    if (save->n_drop && !save->drop_qids)
        return hl_err_set(err, HL_ERR_USAGE, "n_drop without drop_qids");
    if (save->status != HL_RESP_IN_PROGRESS && save->status != HL_RESP_COMPLETE &&
        save->status != HL_RESP_PARTIAL)
        return hl_err_set(err, HL_ERR_USAGE, "unknown response status %d", (int)save->status);
    if (resp->seq < 0) return hl_err_set(err, HL_ERR_USAGE, "negative response seq");
    if (resp->seq == 0 && strlen(resp->uuid) != HL_UUID_LEN)
        return hl_err_set(err, HL_ERR_USAGE, "response has no UUID");
    return HL_OK;
}

/* What our rules refuse, found before a statement changes anything, so that
 * it is HL_ERR_STATE rather than a SQLite integrity error: a response that is
 * not stored or already finished, and an answer to a response started with
 * another version of the survey (question positions differ, so the answer
 * could take another question's place). Drops and finishing do not depend
 * on positions. */
static int save_precheck(hl_store_t *st, const hl_save_t *save, int64_t seq, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_stmt_get(st, ST_RESPONSE_STATE, &s, err);
    if (rc != HL_OK) return rc;
    sqlite3_bind_int64(s, 1, seq);
    int src = sqlite3_step(s);
    int64_t sid = src == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    int status = src == SQLITE_ROW ? sqlite3_column_int(s, 1) : -1;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (src == SQLITE_DONE)
        return hl_err_set(err, HL_ERR_STATE,
                          "response %lld is not stored (it was removed): start a new response",
                          (long long)seq);
    if (src != SQLITE_ROW) return store_fail(st, src, "reading the response", err);
    if (status != HL_RESP_IN_PROGRESS)
        return hl_err_set(err, HL_ERR_STATE,
                          "response %lld is already finished (%s): a finished response cannot "
                          "change",
                          (long long)seq, hl_resp_status_name((hl_resp_status_t)status));
    if (save->set_qid && sid != st->survey_sid)
        return hl_err_set(err, HL_ERR_STATE,
                          "response %lld was started with another version of survey %s: finish "
                          "it as partial and start a new response",
                          (long long)seq, st->survey_id);
    return HL_OK;
}

/* Picks the follow-up code for seed: the first candidate no response in
 * the store has (a clash is about one in a million per thousand codes
 * given, so the first nearly always is). out "" when a hundred candidates
 * are all taken, which no real store reaches: the response then has none,
 * rather than the citizen's answers being refused. */
static int save_followup(hl_store_t *st, uint64_t seed, char out[HL_FOLLOWUP_LEN + 1],
                         hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_stmt_get(st, ST_FOLLOWUP_USED, &s, err);
    out[0] = '\0';
    for (unsigned attempt = 0; rc == HL_OK && attempt < 100; attempt++) {
        char code[HL_FOLLOWUP_LEN + 1];
        hl_followup_make(seed, attempt, code);
        sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
        int src = sqlite3_step(s);
        bool used = src == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (src != SQLITE_ROW) return store_fail(st, src, "choosing a follow-up code", err);
        if (!used) {
            memcpy(out, code, sizeof code);
            break;
        }
    }
    return rc;
}

/* The statements of one save, inside its transaction or savepoint.
 * *seq is the response (0: create it, then set), *removed tells whether the
 * response was left without answers and removed, followup the code given
 * ("" none). */
static int save_apply(hl_store_t *st, const hl_response_t *resp, const hl_save_t *save,
                      int64_t *seq, bool *removed, char followup[HL_FOLLOWUP_LEN + 1],
                      hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc;
    char what[128];
    bool created = false;
    *removed = false;
    if (*seq != 0 && (rc = save_precheck(st, save, *seq, err)) != HL_OK) return rc;
    if (*seq == 0) {
        if ((rc = store_stmt_get(st, ST_INSERT_RESPONSE, &s, err)) != HL_OK) return rc;
        sqlite3_bind_text(s, 1, resp->uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, st->kiosk_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, st->survey_sid);
        sqlite3_bind_text(s, 4, hl_lang_code(resp->lang), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, resp->started_utc_ms);
        sqlite3_bind_int(s, 6, resp->clock_trusted ? 1 : 0);
        if (st->officer_id[0]) sqlite3_bind_text(s, 7, st->officer_id, -1, SQLITE_STATIC);
        if (st->counter[0]) sqlite3_bind_text(s, 8, st->counter, -1, SQLITE_STATIC);
        if (save->suspect && save->suspect[0])
            sqlite3_bind_text(s, 9, save->suspect, -1, SQLITE_STATIC);
        if ((rc = store_stmt_done(st, s, "creating the response", err)) != HL_OK) return rc;
        *seq = sqlite3_last_insert_rowid(st->db);
        created = true;
    }
    if (save->set_qid) {
        if ((rc = store_stmt_get(st, ST_UPSERT_ANSWER, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        sqlite3_bind_text(s, 2, save->set_qid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, save->set_value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, save->set_ms);
        sqlite3_bind_int(s, 5, qid_slot(st, save->set_qid));
        snprintf(what, sizeof what, "saving the answer to %s of response %lld", save->set_qid,
                 (long long)*seq);
        if ((rc = store_stmt_done(st, s, what, err)) != HL_OK) return rc;
        /* save_precheck made sure the positions match: a slot taken by
         * another question means the rows do not match the survey. */
        if (sqlite3_changes(st->db) != 1)
            return hl_err_set(err, HL_ERR_INTERNAL,
                              "the answer to %s of response %lld would take another question's "
                              "place in %s: its rows do not match survey %s (a bug in hailong, "
                              "or the file was changed by another program); please report it",
                              save->set_qid, (long long)*seq, st->path, st->survey_id);
    }
    if (save->n_drop) {
        if ((rc = store_stmt_get(st, ST_DELETE_ANSWER, &s, err)) != HL_OK) return rc;
        for (size_t i = 0; i < save->n_drop; i++) {
            sqlite3_bind_int64(s, 1, *seq);
            sqlite3_bind_text(s, 2, save->drop_qids[i], -1, SQLITE_STATIC);
            snprintf(what, sizeof what, "dropping the answer to %.40s of response %lld",
                     save->drop_qids[i], (long long)*seq);
            if ((rc = store_stmt_done(st, s, what, err)) != HL_OK) return rc;
        }
        if ((rc = store_stmt_get(st, ST_HAS_ANSWERS, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        int src = sqlite3_step(s);
        bool any = src == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
        sqlite3_reset(s);
        if (src != SQLITE_ROW) return store_fail(st, src, "checking the answers left", err);
        if (!any) {
            if ((rc = store_stmt_get(st, ST_DELETE_RESPONSE, &s, err)) != HL_OK) return rc;
            sqlite3_bind_int64(s, 1, *seq);
            if ((rc = store_stmt_done(st, s, "removing the response left without answers", err)))
                return rc;
            *removed = true;
            return HL_OK;
        }
    }
    if (!created && resp->lang != resp->stored_lang) {
        if ((rc = store_stmt_get(st, ST_UPDATE_LANG, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        sqlite3_bind_text(s, 2, hl_lang_code(resp->lang), -1, SQLITE_STATIC);
        if ((rc = store_stmt_done(st, s, "saving the language", err)) != HL_OK) return rc;
    }
    if (save->status != HL_RESP_IN_PROGRESS) {
        if (save->status == HL_RESP_COMPLETE && save->followup_seed &&
            (rc = save_followup(st, save->followup_seed, followup, err)) != HL_OK)
            return rc;
        if ((rc = store_stmt_get(st, ST_FINISH_RESPONSE, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        sqlite3_bind_int(s, 2, (int)save->status);
        sqlite3_bind_int64(s, 3, save->finished_utc_ms);
        sqlite3_bind_text(s, 4, save->status == HL_RESP_COMPLETE ? "complete" : "timeout", -1,
                          SQLITE_STATIC);
        if (followup[0]) sqlite3_bind_text(s, 5, followup, -1, SQLITE_STATIC);
        if ((rc = store_stmt_done(st, s, "finishing the response", err)) != HL_OK) return rc;
        if (sqlite3_changes(st->db) != 1)
            return hl_err_set(err, HL_ERR_STATE, "response %lld is missing or already finished",
                              (long long)*seq);
        /* Chained in the same transaction (without a key: later, by
         * hl_store_set_signer). */
        if (st->signer && (rc = store_chain_pending(st, err)) != HL_OK) return rc;
    }
    return HL_OK;
}

int hl_store_check_file(hl_store_t *st, hl_err_t *err)
{
    if (!st || !st->file_known) return HL_OK;
    struct stat sb;
    if (lstat(st->path, &sb) != 0) {
        int e = errno;
        if (e == ENOENT)
            return hl_err_set(err, HL_ERR_CORRUPT,
                              "%s was deleted while the kiosk was running: answers would go into "
                              "the deleted file, so none is taken; restart the kiosk (it starts "
                              "a new file) and find out who removed it",
                              st->path);
        return hl_err_set(err, store_errno_code(e), "cannot look at %s: %s", st->path, strerror(e));
    }
    if (sb.st_dev != st->file_dev || sb.st_ino != st->file_ino)
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s was replaced by another file while the kiosk was running: answers "
                          "would go into the old one, so none is taken; restart the kiosk so "
                          "that it opens the file now there",
                          st->path);
    return HL_OK;
}

int hl_store_save(hl_store_t *st, hl_response_t *resp, const hl_save_t *save, hl_err_t *err)
{
    if (!st || !resp || !save) return hl_err_set(err, HL_ERR_USAGE, "hl_store_save: no argument");
    int rc = save_check(st, resp, save, err);
    /* Before each commit: an answer is never stored in a file that is gone. */
    if (rc == HL_OK) rc = hl_store_check_file(st, err);
    if (rc != HL_OK) return rc;
    if (resp->seq == 0 && !save->set_qid) {
        /* Nothing stored yet and nothing to store: the response stays absent. */
        hl_err_clear(err);
        return HL_OK;
    }
    rc = store_tx_begin(st, err);
    if (rc != HL_OK) {
        store_tx_rollback(st);
        return rc;
    }
    int64_t seq = resp->seq;
    bool removed = false;
    char followup[HL_FOLLOWUP_LEN + 1] = "";
    rc = save_apply(st, resp, save, &seq, &removed, followup, err);
    if (rc == HL_OK) rc = store_tx_commit(st, err);
    if (rc != HL_OK) {
        store_tx_rollback(st);
        return rc;
    }
    resp->seq = removed ? 0 : seq;
    resp->stored_lang = resp->lang;
    if (followup[0]) memcpy(resp->followup, followup, sizeof followup);
    hl_err_clear(err);
    return HL_OK;
}

static int sink_save(void *ctx, hl_response_t *resp, const hl_save_t *save, hl_err_t *err)
{
    return hl_store_save(ctx, resp, save, err);
}

hl_sink_t hl_store_sink(hl_store_t *st)
{
    hl_sink_t s = {sink_save, st};
    return s;
}

int hl_store_batch_begin(hl_store_t *st, hl_err_t *err)
{
    if (st->read_only) return hl_err_set(err, HL_ERR_READONLY, "the store was opened read-only");
    if (st->in_batch) return hl_err_set(err, HL_ERR_STATE, "a batch is already open");
    int rc = store_run_cached(st, ST_BEGIN, "starting a batch", err);
    if (rc != HL_OK) {
        store_rollback_quietly(st);
        return rc;
    }
    st->in_batch = true;
    st->batch_lost = false;
    return HL_OK;
}

int hl_store_batch_end(hl_store_t *st, hl_err_t *err)
{
    if (!st->in_batch) return hl_err_set(err, HL_ERR_STATE, "no batch is open");
    st->in_batch = false;
    if (st->batch_lost) {
        st->batch_lost = false;
        store_rollback_quietly(st);
        return hl_err_set(err, HL_ERR_IO,
                          "the batch was rolled back by an earlier error: none of it is stored");
    }
    int rc = store_run_cached(st, ST_COMMIT, "committing a batch", err);
    if (rc != HL_OK) store_rollback_quietly(st);
    return rc;
}
/* ---- Fair counting -------------------------------------------------------------- */

/* Counts every stored response (finished or not) by its flag. */
int hl_store_fair_counts(hl_store_t *st, hl_store_fair_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_fair_counts: no argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int rc = store_row(st,
                       "SELECT count(suspect), total(suspect = 'min_interval'),"
                       " total(suspect = 'max_per_hour') FROM responses",
                       false, "counting flagged responses", &s, err);
    if (s) {
        out->suspect = sqlite3_column_int64(s, 0);
        out->min_interval = sqlite3_column_int64(s, 1);
        out->max_per_hour = sqlite3_column_int64(s, 2);
    }
    sqlite3_finalize(s);
    return rc;
}
