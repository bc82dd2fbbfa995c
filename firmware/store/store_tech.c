/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_tech.c: technician mode: the officer on duty, the PIN lockout,
 * the technician log, and the results page's tallies.
 */
#include "store_int.h"

/* ---- Technician mode ---------------------------------------------------------- */

#define TECH_EVENT_MAX  32   /* bytes of a log event word */
#define TECH_DETAIL_MAX 1024 /* bytes of a log detail kept */

/* Writes refused before any change: a read-only store, a batch. */
static int tech_write_check(const hl_store_t *st, const char *what, hl_err_t *err)
{
    if (st->read_only)
        return hl_err_set(err, HL_ERR_READONLY,
                          "the store was opened read-only: %s can only be recorded by the "
                          "program that writes the store (the kiosk)",
                          what);
    if (st->in_batch)
        return hl_err_set(err, HL_ERR_STATE, "%s cannot be recorded inside a batch", what);
    return HL_OK;
}

/* Runs one prepared write statement (bound by the caller) as its own
 * transaction; want_one: exactly one row must change. */
static int tech_commit(hl_store_t *st, sqlite3_stmt *s, bool want_one, const char *what,
                       hl_err_t *err)
{
    int rc = store_run_cached(st, ST_BEGIN, what, err);
    if (rc == HL_OK) rc = store_stmt_done(st, s, what, err);
    if (rc == HL_OK && want_one && sqlite3_changes(st->db) != 1)
        rc = hl_err_set(err, HL_ERR_INTERNAL,
                        "%s has no PIN state row: it was changed by another program (or this is "
                        "a bug in hailong); please report it with the file",
                        st->path);
    if (rc == HL_OK) rc = store_run_cached(st, ST_COMMIT, what, err);
    if (rc != HL_OK) store_rollback_quietly(st);
    return rc;
}

int hl_store_pin_get(hl_store_t *st, hl_pin_lock_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_pin_get: no argument");
    hl_pin_lock_init(out);
    sqlite3_stmt *s = NULL;
    /* Without the row (removed by another program): a fresh state. */
    int rc = store_row(st,
                       "SELECT failures, lockouts, locked_at_utc_ms, lock_ms, clock_trusted"
                       " FROM pin_state WHERE id = 1",
                       true, "reading the PIN state", &s, err);
    if (s) {
        int64_t failures = sqlite3_column_int64(s, 0), lockouts = sqlite3_column_int64(s, 1);
        out->failures = failures < 0 ? 0 : failures > INT_MAX ? INT_MAX : (int)failures;
        out->lockouts = lockouts < 0 ? 0 : lockouts > INT_MAX ? INT_MAX : (int)lockouts;
        out->locked_at_utc_ms = sqlite3_column_int64(s, 2);
        out->lock_ms = sqlite3_column_int64(s, 3);
        out->clock_trusted = sqlite3_column_int(s, 4) != 0;
    }
    sqlite3_finalize(s);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_pin_put(hl_store_t *st, const hl_pin_lock_t *l, hl_err_t *err)
{
    if (!st || !l) return hl_err_set(err, HL_ERR_USAGE, "hl_store_pin_put: no argument");
    int rc = tech_write_check(st, "the PIN state", err);
    if (rc != HL_OK) return rc;
    sqlite3_stmt *s = NULL;
    int src =
        sqlite3_prepare_v2(st->db,
                           "UPDATE pin_state SET failures = ?1, lockouts = ?2,"
                           " locked_at_utc_ms = ?3, lock_ms = ?4, clock_trusted = ?5 WHERE id = 1",
                           -1, &s, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "saving the PIN state", err);
    sqlite3_bind_int(s, 1, l->failures);
    sqlite3_bind_int(s, 2, l->lockouts);
    sqlite3_bind_int64(s, 3, l->locked_at_utc_ms);
    sqlite3_bind_int64(s, 4, l->lock_ms);
    sqlite3_bind_int(s, 5, l->clock_trusted ? 1 : 0);
    rc = tech_commit(st, s, true, "saving the PIN state", err);
    sqlite3_finalize(s);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_log(hl_store_t *st, int64_t at_utc_ms, const char *event, const char *detail,
                 hl_err_t *err)
{
    if (!st || !event) return hl_err_set(err, HL_ERR_USAGE, "hl_store_log: no argument");
    if (!store_id_valid(event, TECH_EVENT_MAX, true))
        return hl_err_set(err, HL_ERR_USAGE, "bad log event \"%.40s\": a short word of a-z, 0-9, _",
                          event);
    int rc = tech_write_check(st, "a technician log entry", err);
    if (rc != HL_OK) return rc;
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(
        st->db, "INSERT INTO tech_log(at_utc_ms, event, detail) VALUES (?1, ?2, ?3)", -1, &s, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "logging a technician event", err);
    sqlite3_bind_int64(s, 1, at_utc_ms);
    sqlite3_bind_text(s, 2, event, -1, SQLITE_STATIC);
    if (detail)
        sqlite3_bind_text(s, 3, detail, (int)store_utf8_cut(detail, TECH_DETAIL_MAX),
                          SQLITE_STATIC);
    rc = tech_commit(st, s, false, "logging a technician event", err);
    sqlite3_finalize(s);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_log_recent(hl_store_t *st, int n,
                        void (*cb)(void *ctx, int64_t at_utc_ms, const char *event,
                                   const char *detail),
                        void *ctx, hl_err_t *err)
{
    if (!st || !cb) return hl_err_set(err, HL_ERR_USAGE, "hl_store_log_recent: no argument");
    if (n <= 0) return HL_OK;
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT at_utc_ms, event, detail FROM tech_log"
                                 " ORDER BY id DESC LIMIT ?1",
                                 -1, &s, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int(s, 1, n);
        while ((src = sqlite3_step(s)) == SQLITE_ROW)
            cb(ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
               (const char *)sqlite3_column_text(s, 2));
    }
    int rc = src == SQLITE_DONE ? HL_OK : store_fail(st, src, "reading the technician log", err);
    sqlite3_finalize(s);
    return rc;
}

/* The responses a tally query selects, as a WHERE clause on r (responses):
 * ?1 from_utc_ms (< 0: any time), ?2 survey id (NULL: all), ?3 officer id
 * (NULL: any). The survey test goes through surveys by sid: a response's
 * survey is one of the few rows of that id. */
#define TALLY_WHERE_SQL                                                                            \
    " r.status <> 0 AND (?1 < 0 OR r.started_utc_ms >= ?1)"                                        \
    " AND (?2 IS NULL OR r.survey IN (SELECT sid FROM surveys WHERE survey_id = ?2))"              \
    " AND (?3 IS NULL OR r.officer_id = ?3)"

static int tally_prepare(hl_store_t *st, const char *sql, const hl_tally_query_t *q,
                         sqlite3_stmt **out, hl_err_t *err)
{
    int src = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "counting responses", err);
    sqlite3_bind_int64(*out, 1, q ? q->from_utc_ms : -1);
    if (q && q->survey_id) sqlite3_bind_text(*out, 2, q->survey_id, -1, SQLITE_STATIC);
    if (q && q->officer_id) sqlite3_bind_text(*out, 3, q->officer_id, -1, SQLITE_STATIC);
    return HL_OK;
}

/* The same with a lower bound the index on started_utc_ms can serve
 * (?1 >= 0). */
#define TALLY_WHERE_FROM_SQL                                                                       \
    " r.status <> 0 AND r.started_utc_ms >= ?1"                                                    \
    " AND (?2 IS NULL OR r.survey IN (SELECT sid FROM surveys WHERE survey_id = ?2))"              \
    " AND (?3 IS NULL OR r.officer_id = ?3)"

/* The fast path (schema 7): whole UTC days from ?1 on come from tally,
 * the responses in [?5, ?6) (the period's start up to its first whole day)
 * from the rows themselves, through the index on started_utc_ms. ?2 and
 * ?3 as above. */
#define TALLY_DAYS_SQL                                                                             \
    " t.day >= ?1 AND (?2 IS NULL OR t.sid IN (SELECT sid FROM surveys WHERE survey_id = ?2))"     \
    " AND (?3 IS NULL OR t.officer = ?3)"
#define TALLY_EDGE_SQL                                                                             \
    " r.status <> 0 AND r.started_utc_ms >= ?5 AND r.started_utc_ms < ?6"                          \
    " AND (?2 IS NULL OR r.survey IN (SELECT sid FROM surveys WHERE survey_id = ?2))"              \
    " AND (?3 IS NULL OR r.officer_id = ?3)"

/* Whether q can take the fast path: tally keeps no officer "" apart from
 * none (NULL), so a query for officer "" reads the rows. */
static bool tally_fast(const hl_tally_query_t *q)
{
    return !q || !q->officer_id || q->officer_id[0];
}

/* Binds the fast path's ?1, ?5 and ?6 for q's period: the first whole UTC
 * day at or after from, and the edge before it. */
static void tally_bind_days(sqlite3_stmt *s, const hl_tally_query_t *q)
{
    int64_t from = q ? q->from_utc_ms : -1;
    int64_t day_from = INT64_MIN, edge_from = 0, edge_to = 0; /* any day; no edge */
    if (from >= 0) {
        day_from = from / HL_DAY_MS + (from % HL_DAY_MS != 0);
        edge_from = from;
        edge_to = day_from <= INT64_MAX / HL_DAY_MS ? day_from * HL_DAY_MS : INT64_MAX;
    }
    sqlite3_bind_int64(s, 1, day_from);
    sqlite3_bind_int64(s, 5, edge_from);
    sqlite3_bind_int64(s, 6, edge_to);
}

int hl_store_count(hl_store_t *st, const hl_tally_query_t *q, hl_store_counts_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_count: no argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    bool fast = tally_fast(q);
    int rc = tally_prepare(
        st,
        fast ? "SELECT total(n), total(CASE WHEN v = '1' THEN n END),"
               " total(CASE WHEN v = '2' THEN n END) FROM ("
               " SELECT t.value AS v, t.n AS n FROM tally t WHERE t.qid = '' AND" TALLY_DAYS_SQL
               " UNION ALL SELECT CAST(r.status AS TEXT), 1 FROM responses r WHERE" TALLY_EDGE_SQL
               ")"
             : "SELECT count(*), total(r.status = 1), total(r.status = 2)"
               " FROM responses r WHERE" TALLY_WHERE_SQL,
        q, &s, err);
    if (rc != HL_OK) return rc;
    if (fast) tally_bind_days(s, q);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        out->responses = sqlite3_column_int64(s, 0);
        out->complete = sqlite3_column_int64(s, 1);
        out->partial = sqlite3_column_int64(s, 2);
    } else {
        rc = store_fail(st, src, "counting responses", err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* The answer to qid of response seq is the row seq * 64 + the position of
 * qid in that response's survey version (pos, one row per version that has
 * qid): one rowid lookup per response, never a scan of all answers. The
 * comma count before ",qid," in ",qids," is that position + 1. */
#define TALLY_POS_SQL                                                                              \
    "WITH pos AS MATERIALIZED (SELECT sid, length(pre) - length(replace(pre, ',', '')) - 1"        \
    "   AS slot FROM (SELECT sid, substr(',' || qids || ',', 1,"                                   \
    "   instr(',' || qids || ',', ',' || ?4 || ',')) AS pre FROM surveys"                          \
    "   WHERE instr(',' || qids || ',', ',' || ?4 || ',') > 0"                                     \
    "   AND (?2 IS NULL OR survey_id = ?2)))"

int hl_store_tally(hl_store_t *st, const hl_tally_query_t *q, const char *qid,
                   void (*cb)(void *ctx, const char *value, int64_t count), void *ctx,
                   hl_err_t *err)
{
    if (!st || !qid || !cb) return hl_err_set(err, HL_ERR_USAGE, "hl_store_tally: no argument");
    sqlite3_stmt *s = NULL;
    bool fast = tally_fast(q);
    int rc = tally_prepare(
        st,
        fast ? TALLY_POS_SQL
            " SELECT v, sum(n) FROM ("
            " SELECT t.value AS v, t.n AS n FROM tally t WHERE t.qid = ?4 AND" TALLY_DAYS_SQL
            " UNION ALL SELECT a.value, 1 FROM responses r"
            " CROSS JOIN pos p ON p.sid = r.survey"
            " CROSS JOIN answers a ON a.id = r.seq * 64 + p.slot"
            " WHERE" TALLY_EDGE_SQL " AND a.qid = ?4)"
            " GROUP BY v HAVING sum(n) > 0 ORDER BY v"
             : TALLY_POS_SQL " SELECT a.value, count(*) FROM responses r"
                             " CROSS JOIN pos p ON p.sid = r.survey"
                             " CROSS JOIN answers a ON a.id = r.seq * 64 + p.slot"
                             " WHERE" TALLY_WHERE_SQL
                             " AND a.qid = ?4 GROUP BY a.value ORDER BY a.value",
        q, &s, err);
    if (rc != HL_OK) return rc;
    sqlite3_bind_text(s, 4, qid, -1, SQLITE_STATIC);
    if (fast) tally_bind_days(s, q);
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW)
        cb(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
    if (src != SQLITE_DONE) rc = store_fail(st, src, "counting answers", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_tally_all(hl_store_t *st, const hl_tally_query_t *q,
                       void (*cb)(void *ctx, const char *qid, const char *value, int64_t count),
                       void *ctx, hl_err_t *err)
{
    if (!st || !cb) return hl_err_set(err, HL_ERR_USAGE, "hl_store_tally_all: no argument");
    /* The period's whole days from tally (its rows for a day, survey version
     * and officer sit side by side), the rest from the rows; the fallback
     * (officer "") reads the rows only. */
    sqlite3_stmt *s = NULL;
    bool fast = tally_fast(q);
    int rc = tally_prepare(
        st,
        fast ? "SELECT qid, v, sum(n) FROM ("
               " SELECT t.qid AS qid, t.value AS v, t.n AS n FROM tally t WHERE" TALLY_DAYS_SQL
               " UNION ALL SELECT '', CAST(r.status AS TEXT), 1 FROM responses r "
               "WHERE" TALLY_EDGE_SQL " UNION ALL SELECT a.qid, a.value, 1 FROM responses r"
               " CROSS JOIN answers a ON a.id BETWEEN r.seq * 64 AND r.seq * 64 + 63"
               " WHERE" TALLY_EDGE_SQL ") GROUP BY qid, v HAVING sum(n) > 0"
             : "SELECT '', CAST(r.status AS TEXT), count(*) FROM responses r WHERE" TALLY_WHERE_SQL
               " GROUP BY 2 UNION ALL SELECT a.qid, a.value, count(*)"
               " FROM responses r CROSS JOIN answers a"
               " ON a.id BETWEEN r.seq * 64 AND r.seq * 64 + 63 WHERE" TALLY_WHERE_SQL
               " GROUP BY 1, 2",
        q, &s, err);
    if (rc != HL_OK) return rc;
    if (fast) tally_bind_days(s, q);
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW)
        cb(ctx, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
           sqlite3_column_int64(s, 2));
    if (src != SQLITE_DONE) rc = store_fail(st, src, "counting answers", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_hourly(hl_store_t *st, const hl_tally_query_t *q, int64_t tz_offset_ms,
                    int64_t counts[24], hl_err_t *err)
{
    if (!st || !counts) return hl_err_set(err, HL_ERR_USAGE, "hl_store_hourly: no argument");
    for (int h = 0; h < 24; h++)
        counts[h] = 0;
    /* Floor division: the time of day of (started + offset), also before
     * 1970 (SQLite's % keeps the dividend's sign). With a start (today), the
     * index on started_utc_ms reads only the period's rows. */
    sqlite3_stmt *s = NULL;
    bool from = q && q->from_utc_ms >= 0;
    int rc = tally_prepare(st,
                           from ? "SELECT (((r.started_utc_ms + ?4) % 86400000 + 86400000) %"
                                  " 86400000) / 3600000 AS h, count(*) FROM responses r"
                                  " WHERE" TALLY_WHERE_FROM_SQL " GROUP BY h"
                                : "SELECT (((r.started_utc_ms + ?4) % 86400000 + 86400000) %"
                                  " 86400000) / 3600000 AS h, count(*) FROM responses r"
                                  " WHERE" TALLY_WHERE_SQL " GROUP BY h",
                           q, &s, err);
    if (rc != HL_OK) return rc;
    sqlite3_bind_int64(s, 4, tz_offset_ms);
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t h = sqlite3_column_int64(s, 0);
        if (h >= 0 && h < 24) counts[h] = sqlite3_column_int64(s, 1);
    }
    if (src != SQLITE_DONE) rc = store_fail(st, src, "counting responses per hour", err);
    sqlite3_finalize(s);
    return rc;
}
