/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_survey.c: the surveys: each file version stored once, the survey
 * in use and its question ids.
 */
#include "store_int.h"

/* ---- Surveys ------------------------------------------------------------- */

bool store_id_valid(const char *s, size_t max, bool dash)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dash && c == '-')))
            return false;
    }
    return n >= 1 && n <= max;
}

int hl_store_use_survey(hl_store_t *st, const hl_survey_t *s, const char *kiosk_id, hl_err_t *err)
{
    if (!st || !s || !kiosk_id)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_use_survey: missing argument");
    if (st->read_only) return hl_err_set(err, HL_ERR_READONLY, "the store was opened read-only");
    if (strlen(s->sha256) != 64)
        return hl_err_set(err, HL_ERR_USAGE, "survey %s has no SHA-256", s->id);
    if (!store_id_valid(s->id, HL_SURVEY_ID_MAX, true) ||
        !store_id_valid(kiosk_id, HL_SURVEY_ID_MAX, true))
        return hl_err_set(err, HL_ERR_USAGE, "bad survey id \"%s\" or kiosk id \"%s\"", s->id,
                          kiosk_id);
    if (s->n_questions == 0 || s->n_questions > HL_MAX_QUESTIONS)
        return hl_err_set(err, HL_ERR_USAGE, "survey %s has %zu questions", s->id, s->n_questions);

    int rc = HL_OK;
    char *qids = NULL;
    char(*ids)[HL_ITEM_ID_MAX + 1] = calloc(s->n_questions, sizeof *ids);
    size_t qlen = 0;
    qids = malloc(s->n_questions * (HL_ITEM_ID_MAX + 1) + 1);
    if (!ids || !qids) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory registering survey %s", s->id);
        goto done;
    }
    /* The columns: the questions that store an answer, in survey order (a
     * note is read, never answered: no column, no slot). */
    size_t n_ids = 0;
    for (size_t i = 0; i < s->n_questions; i++) {
        const char *q = s->questions[i].id;
        if (!hl_question_answerable(&s->questions[i])) continue;
        if (!store_id_valid(q, HL_ITEM_ID_MAX, false)) {
            rc = hl_err_set(err, HL_ERR_USAGE, "survey %s: bad question id \"%s\"", s->id, q);
            goto done;
        }
        memcpy(ids[n_ids], q, strlen(q) + 1);
        if (n_ids++) qids[qlen++] = ',';
        memcpy(qids + qlen, q, strlen(q));
        qlen += strlen(q);
    }
    qids[qlen] = '\0';

    /* Known by its SHA-256: registered before (the same file again). Else a
     * new file, unless its id and version are already stored with other
     * content: rows would then disagree about what "version N" asked. */
    sqlite3_stmt *ins = NULL, *sel = NULL, *same = NULL;
    int src = sqlite3_prepare_v2(
        st->db, "SELECT sid, survey_id, version FROM surveys WHERE sha256 = ?1", -1, &sel, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(st->db,
                                 "SELECT sha256 FROM surveys WHERE survey_id = ?1 AND version = ?2"
                                 " ORDER BY sid DESC LIMIT 1",
                                 -1, &same, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(st->db,
                                 "INSERT INTO surveys(sha256, survey_id, version, qids, source)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5)",
                                 -1, &ins, NULL);
    int64_t sid = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_text(sel, 1, s->sha256, -1, SQLITE_STATIC);
        src = sqlite3_step(sel);
    }
    if (src == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(sel, 1), s->id) != 0 ||
            sqlite3_column_int64(sel, 2) != s->version)
            rc = hl_err_set(err, HL_ERR_STATE,
                            "survey %s v%lld has the same SHA-256 as stored survey %s v%lld", s->id,
                            (long long)s->version, sqlite3_column_text(sel, 1),
                            (long long)sqlite3_column_int64(sel, 2));
        else
            sid = sqlite3_column_int64(sel, 0);
    } else if (src == SQLITE_DONE) {
        sqlite3_bind_text(same, 1, s->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(same, 2, s->version);
        src = sqlite3_step(same);
        if (src == SQLITE_ROW) {
            const char *old = (const char *)sqlite3_column_text(same, 0);
            rc = hl_err_set(err, HL_ERR_INVALID,
                            "survey \"%s\" version %lld is already stored with different "
                            "content (sha256 %.12s…); the file %s changed without a new "
                            "version: bump \"version\" in it",
                            s->id, (long long)s->version, old ? old : "?",
                            s->file ? s->file : "of the survey");
        } else if (src == SQLITE_DONE) {
            sqlite3_bind_text(ins, 1, s->sha256, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, s->id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, s->version);
            sqlite3_bind_text(ins, 4, qids, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, s->source ? s->source : "",
                              s->source ? (int)s->source_len : 0, SQLITE_STATIC);
            src = sqlite3_step(ins);
            if (src == SQLITE_DONE) sid = sqlite3_last_insert_rowid(st->db);
            /* Its text and contact questions, for the tally (schema 8). */
            char q[1024];
            snprintf(q, sizeof q, SURVEY_FREE_FILL_SQL("s.sid = %lld"), (long long)sid);
            if (sid && sqlite3_exec(st->db, q, NULL, NULL, NULL) != SQLITE_OK) {
                src = sqlite3_errcode(st->db);
                sid = 0;
            }
        }
    }
    if (rc == HL_OK && sid == 0) {
        rc = store_fail(st, src, "registering the survey", err);
    } else if (rc == HL_OK) {
        st->survey_sid = sid;
        snprintf(st->survey_id, sizeof st->survey_id, "%s", s->id);
        snprintf(st->kiosk_id, sizeof st->kiosk_id, "%s", kiosk_id);
        free(st->qids);
        st->qids = ids;
        st->n_qids = n_ids;
        ids = NULL;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_finalize(same);
    if (rc != HL_OK && !st->in_batch) store_rollback_quietly(st);
done:
    free(ids);
    free(qids);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_set_duty(hl_store_t *st, const char *officer_id, const char *counter, hl_err_t *err)
{
    if (!st) return hl_err_set(err, HL_ERR_USAGE, "hl_store_set_duty: no store");
    if (officer_id && officer_id[0] && !store_id_valid(officer_id, HL_STORE_OFFICER_MAX, true))
        return hl_err_set(err, HL_ERR_USAGE,
                          "bad officer id \"%.40s\": use 1 to %d of a-z, 0-9, '_' and '-'",
                          officer_id, HL_STORE_OFFICER_MAX);
    if (counter && strlen(counter) > HL_STORE_COUNTER_MAX)
        return hl_err_set(err, HL_ERR_USAGE, "the counter name is %zu bytes (at most %d)",
                          strlen(counter), HL_STORE_COUNTER_MAX);
    snprintf(st->officer_id, sizeof st->officer_id, "%s", officer_id ? officer_id : "");
    snprintf(st->counter, sizeof st->counter, "%s", counter ? counter : "");
    hl_err_clear(err);
    return HL_OK;
}
