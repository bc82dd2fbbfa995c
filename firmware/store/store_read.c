/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_read.c: reading: the walk over responses and their answers behind
 * hl_store_foreach, the export columns, statistics.
 */
#include "store_int.h"

/* ---- Reading -------------------------------------------------------------- */

/* The answers of one response, copied while the answers cursor moves on. */
typedef struct hl_answer_buf {
    char *text;        /* owned: "qid\0value\0" pairs */
    size_t len, cap;   /* bytes used / allocated in text */
    size_t *off;       /* owned: offset of each qid in text */
    const char **qids; /* owned: pointers into text, made after collecting */
    const char **vals; /* owned: likewise */
    int64_t *ms;       /* owned: ms of each answer */
    size_t n, ncap;    /* answers held / slots allocated */
} hl_answer_buf_t;

static bool abuf_add(hl_answer_buf_t *b, const char *qid, size_t qlen, const char *val, size_t vlen,
                     int64_t ms)
{
    if (b->n == b->ncap) {
        size_t nc = b->ncap ? b->ncap * 2 : 64;
        size_t *off = realloc(b->off, nc * sizeof *off);
        if (off) b->off = off;
        const char **q = realloc(b->qids, nc * sizeof *q);
        if (q) b->qids = q;
        const char **v = realloc(b->vals, nc * sizeof *v);
        if (v) b->vals = v;
        int64_t *m = realloc(b->ms, nc * sizeof *m);
        if (m) b->ms = m;
        if (!off || !q || !v || !m) return false;
        b->ncap = nc;
    }
    size_t need = qlen + vlen + 2;
    if (b->len + need > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (b->len + need > nc)
            nc *= 2;
        char *t = realloc(b->text, nc);
        if (!t) return false;
        b->text = t;
        b->cap = nc;
    }
    b->off[b->n] = b->len;
    memcpy(b->text + b->len, qid, qlen);
    b->text[b->len + qlen] = '\0';
    memcpy(b->text + b->len + qlen + 1, val, vlen);
    b->text[b->len + qlen + 1 + vlen] = '\0';
    b->len += need;
    b->ms[b->n] = ms;
    b->n++;
    return true;
}

/* Points qids/vals into text and sorts the answers by question id (they
 * come in survey order; at most a few dozen: insertion sort). */
static void abuf_sort(hl_answer_buf_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const char *q = b->text + b->off[i];
        const char *v = q + strlen(q) + 1;
        int64_t ms = b->ms[i];
        size_t j = i;
        for (; j > 0 && strcmp(b->qids[j - 1], q) > 0; j--) {
            b->qids[j] = b->qids[j - 1];
            b->vals[j] = b->vals[j - 1];
            b->ms[j] = b->ms[j - 1];
        }
        b->qids[j] = q;
        b->vals[j] = v;
        b->ms[j] = ms;
    }
}

static void abuf_free(hl_answer_buf_t *b)
{
    free(b->text);
    free(b->off);
    free(b->qids);
    free(b->vals);
    free(b->ms);
}

/* The walk behind hl_store_foreach and hl_store_foreach_pending: responses
 * with seq > after (an SQL expression that may use ?1 = after_seq; the
 * answers cursor starts after it too) of survey ?2 (NULL: all) that match
 * filter (SQL on r, "" for none), in seq order, at most limit (-1: all).
 * The answers come from a cursor that runs beside the responses (a merge:
 * fastest for a whole export), or, with seek, from a lookup per response
 * (a filter that skips many responses then costs nothing: a pending scan
 * behind one response the server never confirms). */
int store_walk_responses(hl_store_t *st, const char *after, const char *filter,
                         const char *survey_id, int64_t after_seq, int64_t limit, bool seek,
                         int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err)
{
    sqlite3_stmt *rs = NULL, *as = NULL;
    hl_answer_buf_t ab = {0};
    int rc = HL_OK;
    char rsql[1024], asql[256];
    /* CROSS JOIN keeps responses as the outer loop, read in seq order. */
    snprintf(rsql, sizeof rsql,
             "SELECT r.seq, r.uuid, r.kiosk_id, s.survey_id, s.version, s.sha256, r.lang,"
             " r.started_utc_ms, r.finished_utc_ms, r.status, r.clock_trusted,"
             " r.officer_id, r.counter, r.suspect, r.chain, r.prev_chain, r.chain_key,"
             " r.chain_sig, r.followup"
             " FROM responses r CROSS JOIN surveys s ON s.sid = r.survey"
             " WHERE r.seq > %s AND (?2 IS NULL OR s.survey_id = ?2)%s%s ORDER BY r.seq LIMIT ?3",
             after, filter[0] ? " AND " : "", filter);
    if (seek)
        snprintf(asql, sizeof asql,
                 "SELECT seq, qid, value, ms FROM answers"
                 " WHERE id BETWEEN ?1 * 64 AND ?1 * 64 + 63 ORDER BY id");
    else
        snprintf(asql, sizeof asql,
                 "SELECT seq, qid, value, ms FROM answers WHERE id > %s * 64 + 63 ORDER BY id",
                 after);
    int src = sqlite3_prepare_v2(st->db, rsql, -1, &rs, NULL);
    if (src == SQLITE_OK) src = sqlite3_prepare_v2(st->db, asql, -1, &as, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "reading responses", err);
        goto done;
    }
    sqlite3_bind_int64(rs, 1, after_seq);
    if (survey_id) sqlite3_bind_text(rs, 2, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(rs, 3, limit);
    sqlite3_bind_int64(as, 1, after_seq);

    /* A read transaction keeps both cursors on the same snapshot. */
    bool own_tx = sqlite3_get_autocommit(st->db);
    if (own_tx && (rc = store_exec_sql(st, "BEGIN", "reading responses", err)) != HL_OK) goto done;

    int ares = seek ? SQLITE_DONE : sqlite3_step(as); /* a merge runs ahead by one row */
    while ((src = sqlite3_step(rs)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(rs, 0);
        if (seek) {
            sqlite3_reset(as);
            sqlite3_bind_int64(as, 1, seq);
            ares = sqlite3_step(as);
        }
        ab.n = 0;
        ab.len = 0;
        while (ares == SQLITE_ROW) {
            int64_t aseq = sqlite3_column_int64(as, 0);
            if (aseq > seq) break;
            if (aseq == seq) {
                const char *q = (const char *)sqlite3_column_text(as, 1);
                size_t ql = (size_t)sqlite3_column_bytes(as, 1);
                const char *v = (const char *)sqlite3_column_text(as, 2);
                size_t vl = (size_t)sqlite3_column_bytes(as, 2);
                if (!q || !v || !abuf_add(&ab, q, ql, v, vl, sqlite3_column_int64(as, 3))) {
                    rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading answers");
                    goto end_tx;
                }
            }
            ares = sqlite3_step(as);
        }
        if (ares != SQLITE_ROW && ares != SQLITE_DONE) {
            rc = store_fail(st, ares, "reading answers", err);
            goto end_tx;
        }
        abuf_sort(&ab);
        hl_row_ext_t ext = {.chain_key = (const char *)sqlite3_column_text(rs, 16),
                            .chain_sig = (const char *)sqlite3_column_text(rs, 17)};
        ext.row = (hl_row_t){
            .seq = seq,
            .uuid = (const char *)sqlite3_column_text(rs, 1),
            .kiosk_id = (const char *)sqlite3_column_text(rs, 2),
            .survey_id = (const char *)sqlite3_column_text(rs, 3),
            .survey_version = sqlite3_column_int64(rs, 4),
            .survey_sha256 = (const char *)sqlite3_column_text(rs, 5),
            .lang = (const char *)sqlite3_column_text(rs, 6),
            .started_utc_ms = sqlite3_column_int64(rs, 7),
            .finished_utc_ms =
                sqlite3_column_type(rs, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(rs, 8),
            .status = (hl_resp_status_t)sqlite3_column_int(rs, 9),
            .clock_trusted = sqlite3_column_int(rs, 10) != 0,
            .officer_id = (const char *)sqlite3_column_text(rs, 11),
            .counter = (const char *)sqlite3_column_text(rs, 12),
            .suspect = (const char *)sqlite3_column_text(rs, 13),
            .chain = (const char *)sqlite3_column_text(rs, 14),
            .prev_chain = (const char *)sqlite3_column_text(rs, 15),
            .chain_sig = (const char *)sqlite3_column_text(rs, 17),
            .followup = (const char *)sqlite3_column_text(rs, 18),
            .n_answers = ab.n,
            .qids = ab.qids,
            .values = ab.vals,
            .ms = ab.ms,
        };
        rc = cb(ctx, &ext.row);
        if (rc != HL_OK) goto end_tx;
    }
    if (src != SQLITE_DONE) rc = store_fail(st, src, "reading responses", err);
end_tx:
    sqlite3_reset(rs);
    sqlite3_reset(as);
    if (own_tx) sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
done:
    sqlite3_finalize(rs);
    sqlite3_finalize(as);
    abuf_free(&ab);
    return rc;
}

int hl_store_foreach(hl_store_t *st, const char *survey_id, int64_t after_seq,
                     int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err)
{
    return store_walk_responses(st, "?1", "", survey_id, after_seq, -1, false, cb, ctx, err);
}

int hl_store_foreach_pending(hl_store_t *st, int64_t limit,
                             int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err)
{
    if (!st || !cb) return hl_err_set(err, HL_ERR_USAGE, "hl_store_foreach_pending: no argument");
    if (limit <= 0)
        return hl_err_set(err, HL_ERR_USAGE,
                          "hl_store_foreach_pending: limit %lld is not a positive count",
                          (long long)limit);
    /* The watermark is read by both cursors inside store_walk_responses' read
     * transaction: one snapshot. */
    return store_walk_responses(st, SYNC_UPTO_SQL, SYNC_PENDING_SQL("r"), NULL, 0, limit, true, cb,
                                ctx, err);
}

void hl_store_free_ids(char **ids, size_t n)
{
    if (!ids) return;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

static bool ids_contain(char **ids, size_t n, const char *id, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(ids[i]) == len && memcmp(ids[i], id, len) == 0) return true;
    return false;
}

int hl_store_survey_columns(hl_store_t *st, const char *survey_id, char ***qids, size_t *n,
                            hl_err_t *err)
{
    *qids = NULL;
    *n = 0;
    if (!survey_id) return hl_err_set(err, HL_ERR_USAGE, "no survey id given");
    sqlite3_stmt *s = NULL;
    char **ids = NULL;
    size_t cnt = 0, cap = 0;
    int rc = HL_OK, src, versions = 0;
    /* Newest version first; the same version registered twice: the later. */
    src = sqlite3_prepare_v2(st->db,
                             "SELECT qids FROM surveys WHERE survey_id = ?1"
                             " ORDER BY version DESC, sid DESC",
                             -1, &s, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "reading survey versions", err);
        goto done;
    }
    sqlite3_bind_text(s, 1, survey_id, -1, SQLITE_STATIC);
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        versions++;
        const char *p = (const char *)sqlite3_column_text(s, 0);
        while (p && *p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len && !ids_contain(ids, cnt, p, len)) {
                if (cnt == cap) {
                    size_t nc = cap ? cap * 2 : 32;
                    char **t = realloc(ids, nc * sizeof *t);
                    if (!t) goto nomem;
                    ids = t;
                    cap = nc;
                }
                ids[cnt] = malloc(len + 1);
                if (!ids[cnt]) goto nomem;
                memcpy(ids[cnt], p, len);
                ids[cnt][len] = '\0';
                cnt++;
            }
            p = e ? e + 1 : p + len;
        }
    }
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, "reading survey versions", err);
        goto done;
    }
    if (versions == 0) {
        rc = hl_err_set(err, HL_ERR_NOT_FOUND,
                        "no responses or survey versions stored for survey id %s", survey_id);
        goto done;
    }
    *qids = ids;
    *n = cnt;
    ids = NULL;
    goto done;
nomem:
    rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading survey versions");
done:
    hl_store_free_ids(ids, cnt);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_survey_json(hl_store_t *st, const char *survey_id, char **json, hl_err_t *err)
{
    *json = NULL;
    if (!st || !survey_id) return hl_err_set(err, HL_ERR_USAGE, "no survey id given");
    sqlite3_stmt *s = NULL;
    int rc = HL_OK;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT source FROM surveys WHERE survey_id = ?1"
                                 " ORDER BY version DESC, sid DESC LIMIT 1",
                                 -1, &s, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(s, 1, survey_id, -1, SQLITE_STATIC);
        src = sqlite3_step(s);
    }
    if (src == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        *json = malloc(len + 1);
        if (!*json) {
            rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading survey %s", survey_id);
        } else {
            if (len) memcpy(*json, text, len);
            (*json)[len] = '\0';
        }
    } else if (src == SQLITE_DONE) {
        rc = hl_err_set(err, HL_ERR_NOT_FOUND, "no version of survey id %s is stored", survey_id);
    } else {
        rc = store_fail(st, src, "reading the survey file", err);
    }
    sqlite3_finalize(s);
    return rc;
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* Answers to text questions (comments) and contact questions (numbers
 * left), by the surveys as stored (survey_free): each looked up by its row
 * id (seq * 64 + the question's slot), never read. */
static int stats_free(hl_store_t *st, hl_store_stats_t *out, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc = store_row(st,
                       "SELECT total(f.kind = 'text'), total(f.kind = 'contact')"
                       " FROM survey_free f CROSS JOIN responses r ON r.survey = f.sid"
                       " CROSS JOIN answers a ON a.id = r.seq * 64 + f.pos AND a.qid = f.qid",
                       false, "counting comments and numbers left", &s, err);
    if (s) {
        out->comments = sqlite3_column_int64(s, 0);
        out->contacts = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc;
}

int hl_store_stats(hl_store_t *st, hl_store_stats_t *out, hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int rc = store_row(
        st,
        "SELECT count(*), total(status = 1), total(status = 2), total(status = 0),"
        " coalesce(max(seq), 0), coalesce(min(started_utc_ms), -1),"
        " coalesce(max(finished_utc_ms), -1), total(clock_trusted = 0),"
        " (SELECT count(*) FROM answers), (SELECT count(DISTINCT survey_id) FROM surveys),"
        " (SELECT count(*) FROM exports), (SELECT coalesce(max(exported_at), -1) FROM exports),"
        " (SELECT coalesce(max(seq_last), 0) FROM exports), count(followup)"
        " FROM responses",
        false, "counting responses", &s, err);
    if (s) {
        out->responses = sqlite3_column_int64(s, 0);
        out->complete = sqlite3_column_int64(s, 1);
        out->partial = sqlite3_column_int64(s, 2);
        out->in_progress = sqlite3_column_int64(s, 3);
        out->last_seq = sqlite3_column_int64(s, 4);
        out->first_started_utc_ms = sqlite3_column_int64(s, 5);
        out->last_finished_utc_ms = sqlite3_column_int64(s, 6);
        out->untrusted_clock = sqlite3_column_int64(s, 7);
        out->answers = sqlite3_column_int64(s, 8);
        out->n_surveys = sqlite3_column_int(s, 9);
        out->n_exports = sqlite3_column_int64(s, 10);
        out->last_export_utc_ms = sqlite3_column_int64(s, 11);
        out->exported_upto_seq = sqlite3_column_int64(s, 12);
        out->followups = sqlite3_column_int64(s, 13);
        char wal[PATH_MAX];
        snprintf(wal, sizeof wal, "%s-wal", st->path);
        out->db_bytes = file_size(st->path) + file_size(wal);
    }
    sqlite3_finalize(s);
    if (rc == HL_OK) rc = stats_free(st, out, err);
    return rc;
}
