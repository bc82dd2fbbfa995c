/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_src.c: a report's responses read from a merged folder or from
 * PostgreSQL (hl_report_src.h), each row parsed from the kiosk's JSON
 * Lines text the same way whichever the source.
 */
#include "hl_report_src.h"
#include "hl_sys.h"
#include "report_int.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MERGED_MAX_BYTES (8LL * 1024 * 1024 * 1024) /* responses.jsonl at most */
#define MERGE_JSON_MAX   (64u * 1024 * 1024)        /* merge.json at most */
#define PG_FETCH         "2000"                     /* rows fetched at a time from PostgreSQL */

/* ---- A row -------------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int hl_report_add_json(hl_report_t *r, const char *unit, const char *text, size_t len,
                       hl_err_t *err)
{
    json_error_t je;
    json_t *o = json_loadb(text, len, 0, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return hl_err_set(err, HL_ERR_INVALID, "not a JSON object (%s)",
                          o ? "another JSON value" : je.text);
    }
    hl_row_t row = {0};
    const char *st = jstr(o, "status"), *fin = jstr(o, "finished_at"), *why = NULL;
    json_t *seq = json_object_get(o, "seq"), *ans = json_object_get(o, "answers");
    row.uuid = jstr(o, "response_id");
    row.kiosk_id = jstr(o, "kiosk_id");
    row.survey_id = jstr(o, "survey_id");
    row.survey_sha256 = jstr(o, "survey_sha256");
    row.survey_version = json_integer_value(json_object_get(o, "survey_version"));
    row.officer_id = jstr(o, "officer_id");
    row.counter = jstr(o, "counter");
    row.suspect = jstr(o, "suspect");
    row.finished_utc_ms = -1;
    if (!row.uuid || !row.kiosk_id || !json_is_integer(seq))
        why = "no response_id, kiosk_id or seq";
    else if (!st || (strcmp(st, "complete") && strcmp(st, "partial") && strcmp(st, "in_progress")))
        why = "no status complete, partial or in_progress";
    else if (fin && !report_parse_time(fin, &row.finished_utc_ms))
        why = "finished_at is not a time such as 2026-11-14T08:00:00.000Z";
    else if (ans && !json_is_object(ans))
        why = "answers is not an object";
    if (why) {
        json_decref(o);
        return hl_err_set(err, HL_ERR_INVALID, "not a response row: %s", why);
    }
    row.seq = json_integer_value(seq);
    row.status = !strcmp(st, "complete")  ? HL_RESP_COMPLETE
                 : !strcmp(st, "partial") ? HL_RESP_PARTIAL
                                          : HL_RESP_IN_PROGRESS;
    size_t n = ans ? json_object_size(ans) : 0;
    const char **qids = calloc(n ? n : 1, sizeof *qids);
    const char **vals = calloc(n ? n : 1, sizeof *vals);
    int rc = HL_OK;
    if (!qids || !vals) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "report: out of memory");
        goto done;
    }
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(ans, k, v)
    {
        const char *s = jstr(v, "value");
        if (!s) {
            rc = hl_err_set(err, HL_ERR_INVALID,
                            "not a response row: answer \"%.40s\" has no value", k);
            goto done;
        }
        qids[i] = k;
        vals[i++] = s;
    }
    row.n_answers = i;
    row.qids = qids;
    row.values = vals;
    rc = hl_report_add(r, unit, &row, err);
done:
    free(qids);
    free(vals);
    json_decref(o);
    return rc;
}

/* ---- A merged folder ---------------------------------------------------- */

static int read_merge_json(hl_report_t *r, const char *dir, hl_err_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/merge.json", dir);
    char *text = NULL;
    size_t len = 0;
    int rc = hl_file_read(NULL, path, MERGE_JSON_MAX, 0, &text, &len, err);
    if (rc != HL_OK)
        return hl_err_wrap(err, "%s is not a merged folder (make one with hailong merge): %s", dir,
                           path);
    json_error_t je;
    json_t *m = json_loadb(text, len, 0, &je);
    free(text);
    json_t *kiosks = json_object_get(m, "kiosks"), *gaps = json_object_get(m, "gaps");
    if (!m || json_integer_value(json_object_get(m, "format")) != 1 || !json_is_array(kiosks) ||
        (gaps && !json_is_array(gaps))) {
        json_decref(m);
        return hl_err_set(err, HL_ERR_INVALID,
                          "%s: not a merge.json of format 1 with \"kiosks\" (%s); make the "
                          "folder again with hailong merge",
                          path, m ? "fields missing" : je.text);
    }
    size_t i;
    json_t *e;
    json_array_foreach(kiosks, i, e)
    {
        hl_rkiosk_t k = {0};
        k.kiosk_id = (char *)jstr(e, "kiosk_id");
        if (!k.kiosk_id) {
            rc = hl_err_set(err, HL_ERR_INVALID, "%s: kiosks[%zu] has no kiosk_id", path, i);
            break;
        }
        k.seq_first = json_integer_value(json_object_get(e, "seq_first"));
        k.seq_last = json_integer_value(json_object_get(e, "seq_last"));
        k.responses = json_integer_value(json_object_get(e, "responses"));
        if (json_is_true(json_object_get(e, "verified"))) {
            k.chain_head = (char *)jstr(e, "chain_head");
            k.head_seq = json_integer_value(json_object_get(e, "head_seq"));
        }
        if ((rc = hl_report_add_kiosk(r, &k, err)) != HL_OK) break;
    }
    json_array_foreach(gaps, i, e)
    {
        if (rc != HL_OK) break;
        const char *kid = jstr(e, "kiosk_id");
        if (!kid) {
            rc = hl_err_set(err, HL_ERR_INVALID, "%s: gaps[%zu] has no kiosk_id", path, i);
            break;
        }
        rc = hl_report_add_gap(r, kid, json_integer_value(json_object_get(e, "from_seq")),
                               json_integer_value(json_object_get(e, "to_seq")), err);
    }
    json_decref(m);
    return rc;
}

int hl_report_read_merged(hl_report_t *r, const char *dir, hl_err_t *err)
{
    int rc = read_merge_json(r, dir, err);
    if (rc != HL_OK) return rc;
    char path[4096];
    snprintf(path, sizeof path, "%s/responses.jsonl", dir);
    const void *map = NULL;
    size_t len = 0;
    struct stat sb;
    /* No verified response (every bundle rejected): an empty file. */
    bool empty = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0;
    rc = empty ? HL_OK : hl_file_map(path, (size_t)MERGED_MAX_BYTES, &map, &len, err);
    if (rc != HL_OK)
        return hl_err_wrap(err, "%s is not a merged folder (make one with hailong merge): %s", dir,
                           path);
    const char *p = map, *end = p + len;
    long line = 0;
    while (rc == HL_OK && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        if (le > p) {
            rc = hl_report_add_json(r, NULL, p, (size_t)(le - p), err);
            if (rc == HL_ERR_INVALID)
                hl_err_wrap(err, "%s:%ld (make the folder again with hailong merge)", path, line);
        }
        p = le + 1;
    }
    if (len) hl_file_unmap(map, len);
    if (rc == HL_OK) {
        rc = hl_report_set_origin(r, HL_REPORT_FROM_MERGED, dir, err);
    }
    hl_report_followups_known(r, false);
    return rc;
}

/* ---- PostgreSQL --------------------------------------------------------- */

/* Both readers call 006-report.sql's functions with the same three
 * parameters, $1 the unit (NULL: every unit), $2 and $3 the UTC bounds:
 * hailong.report_NAME_set($1, $2, $3) as the caller's own role, or, for a
 * dashboard session, hailong.web_report_NAMEs($4 token hash, $5 now, $1, $2,
 * $3), which checks that the session may see the unit. */
typedef struct pg_src {
    PGconn *c;              /* the connection, in the read's transaction */
    const char *const *arg; /* [0] the token hash ("\\x" and hex), [1] now; NULL: own role */
} pg_src_t;

static int pg_fail(PGconn *c, PGresult *res, const char *what, hl_err_t *err)
{
    char msg[300];
    snprintf(msg, sizeof msg, "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(c));
    msg[strcspn(msg, "\n")] = '\0';
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool refused = state && !strcmp(state, "42501");
    if (res) PQclear(res);
    if (refused)
        return hl_err_set(err, HL_ERR_UNTRUSTED,
                          "PostgreSQL: %s: %s (not allowed: the dashboard's session is gone "
                          "or may not see this unit, or the role may not read the tables)",
                          what, msg);
    return hl_err_set(err, HL_ERR_IO,
                      "PostgreSQL: %s: %s (is it the province's database, "
                      "migrated with hailong-server db migrate, and may the role read it?)",
                      what, msg);
}

static bool pg_ok(const PGresult *res)
{
    ExecStatusType s = PQresultStatus(res);
    return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

/* SELECT cols FROM the function name's rows (before: "DECLARE ... FOR "
 * or ""), with p (3 parameters) and the session's. */
static PGresult *pg_call(const pg_src_t *src, const char *before, const char *cols,
                         const char *name, const char *const *p)
{
    char sql[400];
    if (src->arg)
        snprintf(sql, sizeof sql,
                 "%sSELECT %s FROM hailong.web_report_%ss($4::bytea, $5::timestamptz, $1::text, "
                 "$2::timestamptz, $3::timestamptz)",
                 before, cols, name);
    else
        snprintf(sql, sizeof sql,
                 "%sSELECT %s FROM hailong.report_%s_set($1::text, $2::timestamptz, "
                 "$3::timestamptz)",
                 before, cols, name);
    const char *v[5] = {p[0], p[1], p[2], src->arg ? src->arg[0] : NULL,
                        src->arg ? src->arg[1] : NULL};
    return PQexecParams(src->c, sql, src->arg ? 5 : 3, NULL, v, NULL, NULL, 0);
}

static PGresult *pg_plain(PGconn *c, const char *sql)
{
    return PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
}

/* "YYYY-MM-DD HH:MM:SS+00" of the local midnight starting month m (from
 * the report's month, m <= 0 goes back). */
static void utc_bound(const hl_report_t *r, int back, int fwd, char *out, size_t cap)
{
    int mm = r->year * 12 + (r->month - 1) - back + fwd;
    int64_t ms = report_days(mm / 12, mm % 12 + 1, 1) * 86400000LL - HL_REPORT_TZ_MS;
    int64_t day = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rest = (ms - day * 86400000) / 1000;
    int y, m, d;
    report_civil(day, &y, &m, &d);
    snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d+00", y, m, d, (int)(rest / 3600),
             (int)(rest / 60 % 60), (int)(rest % 60));
}

static int pg_surveys(hl_report_t *r, const pg_src_t *src, const char *const *p, hl_err_t *err)
{
    PGresult *res = pg_call(src, "", "sha256, body", "survey", p);
    if (!pg_ok(res)) return pg_fail(src->c, res, "reading hailong.surveys", err);
    int rc = HL_OK;
    for (int i = 0; rc == HL_OK && i < PQntuples(res); i++) {
        bool have = false;
        for (size_t k = 0; k < r->n_surveys && !have; k++)
            have = !strcmp(r->surveys[k]->sha256, PQgetvalue(res, i, 0));
        if (have) continue;
        hl_survey_t *s = NULL;
        hl_diags_t d = {0};
        char name[100];
        snprintf(name, sizeof name, "hailong.surveys %.64s", PQgetvalue(res, i, 0));
        const char *body = PQgetvalue(res, i, 1);
        if (hl_survey_load_text(name, body, strlen(body), &s, &d) == HL_OK)
            rc = hl_report_add_survey(r, s, err);
        /* A stored survey that no longer loads leaves its responses without
         * labels (the report says so); it is no reason to refuse the rest. */
        hl_diags_free(&d);
    }
    PQclear(res);
    return rc;
}

/* The rows through a cursor, PG_FETCH at a time: a province's months of
 * raw rows never sit in memory twice. */
static int pg_rows(hl_report_t *r, const pg_src_t *src, const char *const *p, hl_err_t *err)
{
    PGresult *res = pg_call(src, "DECLARE hl_rows NO SCROLL CURSOR FOR ", "unit, raw", "row", p);
    if (!pg_ok(res)) return pg_fail(src->c, res, "reading hailong.responses", err);
    PQclear(res);
    int rc = HL_OK;
    for (long seen = 0;;) {
        res = pg_plain(src->c, "FETCH " PG_FETCH " FROM hl_rows");
        if (!pg_ok(res)) return pg_fail(src->c, res, "reading hailong.responses", err);
        int nt = PQntuples(res);
        for (int i = 0; rc == HL_OK && i < nt; i++) {
            rc = hl_report_add_json(r, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                                    (size_t)PQgetlength(res, i, 1), err);
            if (rc == HL_ERR_INVALID) hl_err_wrap(err, "hailong.responses row %ld", seen + i + 1);
        }
        PQclear(res);
        seen += nt;
        if (rc != HL_OK || nt == 0) return rc;
    }
}

/* Each kiosk's newest verified chain head, the gaps in its sequence (pm:
 * the month), the handled follow-ups (p: the rows' range). */
static int pg_provenance(hl_report_t *r, const pg_src_t *src, const char *const *p,
                         const char *const *pm, hl_err_t *err)
{
    PGresult *res = pg_call(src, "", "kiosk_id, seq, chain", "head", pm);
    if (!pg_ok(res)) return pg_fail(src->c, res, "reading hailong.chain_heads", err);
    int rc = HL_OK;
    for (int i = 0; rc == HL_OK && i < PQntuples(res); i++) {
        hl_rkiosk_t k = {.kiosk_id = PQgetvalue(res, i, 0),
                         .head_seq = strtoll(PQgetvalue(res, i, 1), NULL, 10),
                         .chain_head = PQgetvalue(res, i, 2)};
        rc = hl_report_add_kiosk(r, &k, err);
    }
    PQclear(res);
    if (rc != HL_OK) return rc;
    res = pg_call(src, "", "kiosk_id, from_seq, to_seq", "gap", pm);
    if (!pg_ok(res)) return pg_fail(src->c, res, "reading hailong.response_ids", err);
    for (int i = 0; rc == HL_OK && i < PQntuples(res); i++)
        rc = hl_report_add_gap(r, PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 1), NULL, 10),
                               strtoll(PQgetvalue(res, i, 2), NULL, 10), err);
    PQclear(res);
    if (rc != HL_OK) return rc;
    res = pg_call(src, "", "response_id, handled_ms", "followup", p);
    if (!pg_ok(res)) return pg_fail(src->c, res, "reading hailong.followups", err);
    hl_report_followups_known(r, true);
    for (int i = 0; rc == HL_OK && i < PQntuples(res); i++)
        rc = hl_report_handled(r, PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 1), NULL, 10),
                               err);
    PQclear(res);
    return rc;
}

/* The whole read in one REPEATABLE READ, READ ONLY snapshot, ended (rolled
 * back: nothing was written) whatever happens, so a pooled connection is
 * given back idle. */
static int pg_read(hl_report_t *r, const pg_src_t *src, hl_err_t *err)
{
    char lo[40], hi[40], mlo[40];
    utc_bound(r, HL_REPORT_PREV_MONTHS, 0, lo, sizeof lo);
    utc_bound(r, 0, 0, mlo, sizeof mlo);
    utc_bound(r, 0, 1, hi, sizeof hi);
    bool province = !strcmp(r->unit, HL_REPORT_PROVINCE);
    const char *p[3] = {province ? NULL : r->unit, lo, hi};
    const char *pm[3] = {province ? NULL : r->unit, mlo, hi};
    PGresult *res =
        pg_plain(src->c, "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (!pg_ok(res)) return pg_fail(src->c, res, "starting a read", err);
    PQclear(res);
    int rc = HL_OK;
    if (src->arg) {
        /* the dashboard's thread: bounded (a unit-month takes a second or two) */
        res = pg_plain(src->c, "SET LOCAL statement_timeout = '60s'");
        rc = pg_ok(res) ? (PQclear(res), HL_OK) : pg_fail(src->c, res, "starting a read", err);
    }
    if (rc == HL_OK) rc = pg_surveys(r, src, p, err);
    if (rc == HL_OK) rc = pg_rows(r, src, p, err);
    if (rc == HL_OK) rc = pg_provenance(r, src, p, pm, err);
    PQclear(pg_plain(src->c, "ROLLBACK"));
    if (rc == HL_OK) rc = hl_report_set_origin(r, HL_REPORT_FROM_DB, NULL, err);
    return rc;
}

int hl_report_read_pg(hl_report_t *r, const char *conninfo, hl_err_t *err)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {conninfo, "10", "hailong report", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        int rc = pg_fail(c, NULL, "cannot connect (--db CONNINFO)", err);
        PQfinish(c);
        return rc;
    }
    pg_src_t src = {.c = c};
    int rc = pg_read(r, &src, err);
    PQfinish(c);
    return rc;
}

int hl_report_read_pg_session(hl_report_t *r, PGconn *c, const char *token_hash, const char *now,
                              hl_err_t *err)
{
    if (!strcmp(r->unit, HL_REPORT_PROVINCE))
        return hl_err_set(err, HL_ERR_USAGE,
                          "report: the province's report is a command (hailong report), not a "
                          "session's read");
    if (!c || !token_hash || !now)
        return hl_err_set(err, HL_ERR_USAGE, "report: no connection, session or time");
    const char *arg[2] = {token_hash, now};
    pg_src_t src = {.c = c, .arg = arg};
    return pg_read(r, &src, err);
}
