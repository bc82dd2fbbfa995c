/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_report.c: the report's dataset (rows, surveys, provenance, follow-ups)
 * and its figures: the unit-month, its clipped weeks, the months before,
 * officers, question distributions, reasons, comments; every breakdown
 * through the min-5 rule (hl_min5.h). Local time is UTC+7 (Asia/
 * Ho_Chi_Minh has no DST), so days and months are plain arithmetic.
 */
#include "hl_min5.h"
#include "hl_qtype.h"
#include "report_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- A string hash ------------------------------------------------------ */

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool rhash_grow(rhash_t *h)
{
    size_t cap = h->cap ? h->cap * 2 : 64;
    char **keys = calloc(cap, sizeof *keys);
    int64_t *vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return false;
    }
    for (size_t i = 0; i < h->cap; i++) {
        if (!h->keys[i]) continue;
        size_t j = (size_t)str_hash(h->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = h->keys[i];
        vals[j] = h->vals[i];
    }
    free(h->keys);
    free(h->vals);
    h->keys = keys;
    h->vals = vals;
    h->cap = cap;
    return true;
}

bool rhash_put(rhash_t *h, const char *key, int64_t val)
{
    if ((h->n + 1) * 2 > h->cap && !rhash_grow(h)) return false;
    size_t j = (size_t)str_hash(key) & (h->cap - 1);
    while (h->keys[j] && strcmp(h->keys[j], key) != 0)
        j = (j + 1) & (h->cap - 1);
    if (!h->keys[j]) {
        if (!(h->keys[j] = strdup(key))) return false;
        h->n++;
    }
    h->vals[j] = val;
    return true;
}

bool rhash_get(const rhash_t *h, const char *key, int64_t *val)
{
    if (!h->cap) return false;
    size_t j = (size_t)str_hash(key) & (h->cap - 1);
    while (h->keys[j]) {
        if (!strcmp(h->keys[j], key)) {
            if (val) *val = h->vals[j];
            return true;
        }
        j = (j + 1) & (h->cap - 1);
    }
    return false;
}

void rhash_free(rhash_t *h)
{
    for (size_t i = 0; i < h->cap; i++)
        free(h->keys[i]);
    free(h->keys);
    free(h->vals);
    memset(h, 0, sizeof *h);
}

bool rbuf_printf(rbuf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return false;
        if (b->s && (size_t)k < room) {
            b->n += (size_t)k;
            return true;
        }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) return false;
        b->s = s;
        b->cap = cap;
    }
}

/* ---- Time --------------------------------------------------------------- */

int64_t report_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void report_civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool report_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se, frac = 0;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
    const char *p = s + 19;
    if (*p == '.') {
        int nd = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, nd++)
            if (nd < 3) frac = frac * 10 + (*p - '0');
        if (nd == 0) return false;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    int64_t off = 0;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om)) return false;
        off = (oh * 60 + om) * 60000LL * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p) return false;
    *ms = ((report_days(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + se * 1000LL + frac - off;
    return true;
}

/* ---- The dataset -------------------------------------------------------- */

hl_report_t *hl_report_new(const char *unit, const char *month, hl_err_t *err)
{
    int y, m;
    if (!unit || !*unit) {
        hl_err_set(err, HL_ERR_USAGE, "report: name the unit (--unit UNIT, or '*': the province)");
        return NULL;
    }
    if (!month || strlen(month) != 7 || !digits(month, 4, &y) || month[4] != '-' ||
        !digits(month + 5, 2, &m) || m < 1 || m > 12 || y < 2000) {
        hl_err_set(err, HL_ERR_USAGE, "report: the month is YYYY-MM (such as 2026-11), not \"%s\"",
                   month ? month : "");
        return NULL;
    }
    hl_report_t *r = calloc(1, sizeof *r);
    if (!r || !(r->unit = strdup(unit))) {
        free(r);
        hl_err_set(err, HL_ERR_NOMEM, "report: out of memory");
        return NULL;
    }
    r->year = y;
    r->month = m;
    snprintf(r->month_s, sizeof r->month_s, "%04d-%02d", y, m);
    return r;
}

static void figures_free(hl_rfigures_t *f)
{
    for (size_t u = 0; u < f->n_units; u++) {
        hl_runit_t *un = &f->units[u];
        for (size_t i = 0; i < un->n_questions; i++)
            free(un->questions[i].values);
        for (size_t i = 0; i < un->n_officers; i++) {
            free(un->officer_main[i].values);
            free(un->officers[i].name);
        }
        free(un->questions);
        free(un->officers);
        free(un->officer_main);
    }
    free(f->units);
    memset(f, 0, sizeof *f);
}

void hl_report_free(hl_report_t *r)
{
    if (!r) return;
    figures_free(&r->fig);
    for (size_t i = 0; i < r->n_rows; i++) {
        rrow_t *w = &r->rows[i];
        free(w->uuid);
        free(w->kiosk);
        free(w->officer);
        for (size_t k = 0; k < w->n_answers; k++) {
            free(w->qids[k]);
            free(w->vals[k]);
        }
        free(w->qids);
        free(w->vals);
    }
    free(r->rows);
    for (size_t i = 0; i < r->n_surveys; i++)
        hl_survey_free(r->surveys[i]);
    free(r->surveys);
    for (size_t i = 0; i < r->n_units; i++)
        free(r->units[i]);
    free(r->units);
    for (size_t i = 0; i < r->n_kiosks; i++) {
        free(r->kiosks[i].kiosk_id);
        free(r->kiosks[i].chain_head);
    }
    free(r->kiosks);
    for (size_t i = 0; i < r->n_gaps; i++)
        free(r->gaps[i].kiosk_id);
    free(r->gaps);
    rhash_free(&r->ids);
    rhash_free(&r->handled);
    free(r->origin);
    free(r->unit);
    free(r);
}

static int nomem(hl_err_t *err)
{
    return hl_err_set(err, HL_ERR_NOMEM, "report: out of memory");
}

int hl_report_add_survey(hl_report_t *r, hl_survey_t *s, hl_err_t *err)
{
    hl_survey_t **v = realloc(r->surveys, (r->n_surveys + 1) * sizeof *v);
    if (!v) {
        hl_survey_free(s);
        return nomem(err);
    }
    r->surveys = v;
    r->surveys[r->n_surveys++] = s;
    r->computed = false;
    return HL_OK;
}

static int find_survey(const hl_report_t *r, const hl_row_t *row)
{
    for (size_t i = 0; i < r->n_surveys; i++)
        if (row->survey_sha256 && !strcmp(r->surveys[i]->sha256, row->survey_sha256)) return (int)i;
    for (size_t i = 0; i < r->n_surveys; i++)
        if (row->survey_id && !strcmp(r->surveys[i]->id, row->survey_id) &&
            r->surveys[i]->version == row->survey_version)
            return (int)i;
    return -1;
}

static bool unit_index(hl_report_t *r, const char *unit, size_t *out)
{
    for (size_t i = r->n_units; i-- > 0;)
        if (!strcmp(r->units[i], unit)) {
            *out = i;
            return true;
        }
    char **v = realloc(r->units, (r->n_units + 1) * sizeof *v);
    if (!v) return false;
    r->units = v;
    if (!(r->units[r->n_units] = strdup(unit))) return false;
    *out = r->n_units++;
    return true;
}

int hl_report_add(hl_report_t *r, const char *unit, const hl_row_t *row, hl_err_t *err)
{
    if (!row->uuid || !row->kiosk_id)
        return hl_err_set(err, HL_ERR_INVALID, "report: a response without id or kiosk");
    if (row->status == HL_RESP_IN_PROGRESS || row->finished_utc_ms < 0) return HL_OK;
    int64_t local = row->finished_utc_ms + HL_REPORT_TZ_MS;
    int y, m, d;
    int64_t day = local >= 0 ? local / 86400000 : -((-local + 86399999) / 86400000);
    report_civil(day, &y, &m, &d);
    int back = (r->year * 12 + r->month) - (y * 12 + m);
    if (back < 0 || back > HL_REPORT_PREV_MONTHS) return HL_OK;
    if (rhash_get(&r->ids, row->uuid, NULL)) {
        r->duplicates++;
        return HL_OK;
    }
    bool province = !strcmp(r->unit, HL_REPORT_PROVINCE);
    size_t ui;
    if (!unit_index(r, province && unit ? unit : r->unit, &ui)) return nomem(err);
    if (r->n_rows == r->cap_rows) {
        size_t cap = r->cap_rows ? r->cap_rows * 2 : 256;
        rrow_t *v = realloc(r->rows, cap * sizeof *v);
        if (!v) return nomem(err);
        r->rows = v;
        r->cap_rows = cap;
    }
    rrow_t *w = &r->rows[r->n_rows];
    memset(w, 0, sizeof *w);
    w->seq = row->seq;
    w->unit = ui;
    w->survey = find_survey(r, row);
    w->local_ms = local;
    w->month_back = back;
    w->partial = row->status == HL_RESP_PARTIAL;
    w->suspect = row->suspect != NULL;
    bool ok = (w->uuid = strdup(row->uuid)) && (w->kiosk = strdup(row->kiosk_id)) &&
              (!row->officer_id || (w->officer = strdup(row->officer_id)));
    /* An earlier month's figures need only the main question's answer
     * (its survey is known by now: surveys are added first). */
    const char *main_id = NULL;
    if (back > 0 && w->survey >= 0) {
        int mq = report_main_question(r->surveys[w->survey]);
        main_id = mq >= 0 ? r->surveys[w->survey]->questions[mq].id : "";
    } else if (back > 0) {
        main_id = "";
    }
    if (ok && row->n_answers) {
        ok = (w->qids = calloc(row->n_answers, sizeof *w->qids)) &&
             (w->vals = calloc(row->n_answers, sizeof *w->vals));
        for (size_t k = 0; ok && k < row->n_answers; k++) {
            if (main_id && strcmp(row->qids[k], main_id)) continue;
            size_t j = w->n_answers;
            ok = (w->qids[j] = strdup(row->qids[k])) && (w->vals[j] = strdup(row->values[k]));
            w->n_answers = j + 1;
        }
    }
    r->n_rows++; /* freed with the report even when a copy failed */
    if (!ok || !rhash_put(&r->ids, row->uuid, (int64_t)r->n_rows - 1)) return nomem(err);
    r->computed = false;
    return HL_OK;
}

int hl_report_add_kiosk(hl_report_t *r, const hl_rkiosk_t *k, hl_err_t *err)
{
    hl_rkiosk_t *v = realloc(r->kiosks, (r->n_kiosks + 1) * sizeof *v);
    if (!v) return nomem(err);
    r->kiosks = v;
    hl_rkiosk_t *n = &r->kiosks[r->n_kiosks];
    *n = *k;
    n->kiosk_id = strdup(k->kiosk_id);
    n->chain_head = k->chain_head ? strdup(k->chain_head) : NULL;
    r->n_kiosks++;
    if (!n->kiosk_id || (k->chain_head && !n->chain_head)) return nomem(err);
    return HL_OK;
}

int hl_report_add_gap(hl_report_t *r, const char *kiosk_id, int64_t from_seq, int64_t to_seq,
                      hl_err_t *err)
{
    hl_rgap_t *v = realloc(r->gaps, (r->n_gaps + 1) * sizeof *v);
    if (!v) return nomem(err);
    r->gaps = v;
    r->gaps[r->n_gaps] = (hl_rgap_t){strdup(kiosk_id), from_seq, to_seq};
    if (!r->gaps[r->n_gaps++].kiosk_id) return nomem(err);
    return HL_OK;
}

int hl_report_set_origin(hl_report_t *r, hl_report_origin_t kind, const char *detail, hl_err_t *err)
{
    free(r->origin);
    r->origin = detail ? strdup(detail) : NULL;
    r->origin_kind = kind;
    r->have_origin = true;
    return !detail || r->origin ? HL_OK : nomem(err);
}

void hl_report_followups_known(hl_report_t *r, bool known)
{
    r->followups_known = known;
    r->computed = false;
}

int hl_report_handled(hl_report_t *r, const char *response_id, int64_t handled_utc_ms,
                      hl_err_t *err)
{
    r->computed = false;
    return rhash_put(&r->handled, response_id, handled_utc_ms) ? HL_OK : nomem(err);
}

/* ---- Figures ------------------------------------------------------------ */

int report_main_question(const hl_survey_t *s)
{
    for (size_t i = 0; i < s->n_questions; i++) {
        hl_qtype_t t = s->questions[i].type;
        if (t == HL_Q_SMILEY || t == HL_Q_STARS || t == HL_Q_NPS) return (int)i;
    }
    return -1;
}

/* Whether value v of main question q is in its top two levels. */
static bool satisfied(const hl_question_t *q, const char *v)
{
    int i = hl_question_item_index(q, v, strlen(v));
    int n = hl_question_n_items(q);
    if (i < 0) return false;
    return q->type == HL_Q_SMILEY ? i <= 1 : i >= n - 2;
}

static bool charted(hl_qtype_t t)
{
    return t == HL_Q_SMILEY || t == HL_Q_STARS || t == HL_Q_NPS || t == HL_Q_CHOICE ||
           t == HL_Q_MULTI || t == HL_Q_YESNO;
}

/* The answer of row w to question qid, or NULL. */
static const char *answer(const rrow_t *w, const char *qid)
{
    for (size_t k = 0; k < w->n_answers; k++)
        if (!strcmp(w->qids[k], qid)) return w->vals[k];
    return NULL;
}

static void fig_add(hl_rfig_t *f, const hl_report_t *r, const rrow_t *w)
{
    f->n++;
    f->partial += w->partial;
    f->suspect += w->suspect;
    if (w->survey < 0) return;
    const hl_survey_t *s = r->surveys[w->survey];
    int mq = report_main_question(s);
    const char *v = mq >= 0 ? answer(w, s->questions[mq].id) : NULL;
    if (!v) return;
    f->rated++;
    f->satisfied += satisfied(&s->questions[mq], v);
}

/* Counts w's answer v to the distribution dq (multi: each option). */
static void dist_add(hl_rquestion_t *dq, const char *v)
{
    dq->answered++;
    const hl_question_t *q = dq->q;
    if (q->type != HL_Q_MULTI) {
        int i = hl_question_item_index(q, v, strlen(v));
        if (i >= 0) dq->values[i].n++;
        return;
    }
    for (const char *p = v; *p;) {
        size_t len = strcspn(p, "|");
        int i = hl_question_item_index(q, p, len);
        if (i >= 0) dq->values[i].n++;
        p += len + (p[len] == '|');
    }
}

static bool dist_init(hl_rquestion_t *dq, const hl_survey_t *s, const hl_question_t *q, bool reason)
{
    memset(dq, 0, sizeof *dq);
    dq->survey = s;
    dq->q = q;
    dq->reason = reason;
    dq->n_values = (size_t)hl_question_n_items(q);
    dq->values = calloc(dq->n_values ? dq->n_values : 1, sizeof *dq->values);
    for (size_t i = 0; dq->values && i < dq->n_values; i++)
        dq->values[i].id = hl_question_item_id(q, (int)i);
    return dq->values != NULL;
}

/* The questions charted: each survey's choice-like ones, the same id of
 * the same survey id once (the first survey given names it). */
static bool unit_questions(const hl_report_t *r, hl_runit_t *u)
{
    for (size_t si = 0; si < r->n_surveys; si++) {
        const hl_survey_t *s = r->surveys[si];
        int mq = report_main_question(s);
        for (size_t qi = 0; qi < s->n_questions; qi++) {
            const hl_question_t *q = &s->questions[qi];
            if (!charted(q->type)) continue;
            bool seen = false;
            for (size_t k = 0; k < u->n_questions && !seen; k++)
                seen = !strcmp(u->questions[k].survey->id, s->id) &&
                       !strcmp(u->questions[k].q->id, q->id);
            if (seen) continue;
            bool reason = mq >= 0 && q->show_if.kind != HL_COND_NONE && q->show_if.question == mq &&
                          (q->type == HL_Q_CHOICE || q->type == HL_Q_MULTI);
            hl_rquestion_t *v = realloc(u->questions, (u->n_questions + 1) * sizeof *v);
            if (!v) return false;
            u->questions = v;
            if (!dist_init(&u->questions[u->n_questions], s, q, reason)) return false;
            u->n_questions++;
        }
    }
    return true;
}

static int find_officer(const hl_runit_t *u, const char *id)
{
    for (size_t i = 0; i < u->n_officers; i++)
        if (!strcmp(u->officers[i].name, id)) return (int)i;
    return -1;
}

static int cmp_group_name(const void *a, const void *b)
{
    return strcmp(((const hl_rgroup_t *)a)->name, ((const hl_rgroup_t *)b)->name);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The unit's figures from its rows: idx[0..n) (indexes in r->rows). */
static bool unit_compute(const hl_report_t *r, size_t ui, const size_t *idx, size_t n,
                         hl_runit_t *u)
{
    u->unit = r->units[ui];
    u->median_handle_s = -1;
    if (!unit_questions(r, u)) return false;
    /* The month's clipped weeks: day 1, then each Monday. */
    int64_t first = report_days(r->year, r->month, 1);
    int ny = r->year + (r->month == 12), nm = r->month % 12 + 1;
    int64_t ndays = report_days(ny, nm, 1) - first;
    int wd1 = (int)(((first % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday: Monday = 0 */
    for (int64_t d = 0; d < ndays; d++) {
        if (d != 0 && (d + wd1) % 7 != 0) continue;
        int y, m, dd;
        report_civil(first + d, &y, &m, &dd);
        snprintf(u->weeks[u->n_weeks++].key, sizeof u->weeks[0].key, "%04d-%02d-%02d", y, m, dd);
    }
    hl_rfig_t prev[HL_REPORT_PREV_MONTHS] = {0};
    double *waits = NULL;
    size_t n_waits = 0;
    for (size_t t = 0; t < n; t++) {
        const rrow_t *w = &r->rows[idx[t]];
        if (w->month_back > 0) {
            fig_add(&prev[w->month_back - 1], r, w);
            continue;
        }
        fig_add(&u->month, r, w);
        int64_t day = w->local_ms / 86400000 - first;
        fig_add(&u->weeks[(day + wd1) / 7].f, r, w);
        if (w->officer) {
            int oi = find_officer(u, w->officer);
            if (oi < 0) {
                hl_rgroup_t *v = realloc(u->officers, (u->n_officers + 1) * sizeof *v);
                if (!v) goto fail;
                u->officers = v;
                memset(&v[u->n_officers], 0, sizeof *v);
                if (!(v[u->n_officers].name = strdup(w->officer))) goto fail;
                snprintf(v[u->n_officers].key, sizeof v[0].key, "%s", w->officer);
                oi = (int)u->n_officers++;
            }
            fig_add(&u->officers[oi].f, r, w);
        }
        if (w->survey < 0) {
            u->unrated_survey++;
            continue;
        }
        const hl_survey_t *s = r->surveys[w->survey];
        bool comment = false;
        for (size_t k = 0; k < w->n_answers; k++) {
            int qi = hl_survey_find_question(s, w->qids[k]);
            if (qi < 0) continue;
            const hl_question_t *q = &s->questions[qi];
            if (q->type == HL_Q_TEXT && !hl_text_answer_blank(w->vals[k])) comment = true;
            for (size_t d = 0; d < u->n_questions; d++)
                if (!strcmp(u->questions[d].survey->id, s->id) &&
                    !strcmp(u->questions[d].q->id, q->id))
                    dist_add(&u->questions[d], w->vals[k]);
        }
        int64_t at;
        if (comment) {
            u->comments++;
            if (r->followups_known && rhash_get(&r->handled, w->uuid, &at)) {
                u->handled++;
                double *v = realloc(waits, (n_waits + 1) * sizeof *v);
                if (!v) goto fail;
                waits = v;
                waits[n_waits++] = (double)(at - (w->local_ms - HL_REPORT_TZ_MS)) / 1000.0;
            }
        }
    }
    if (n_waits) {
        qsort(waits, n_waits, sizeof *waits, cmp_double);
        u->median_handle_s =
            n_waits % 2 ? waits[n_waits / 2] : (waits[n_waits / 2 - 1] + waits[n_waits / 2]) / 2;
    }
    free(waits);
    for (int k = HL_REPORT_PREV_MONTHS; k >= 1; k--) {
        if (!prev[k - 1].n) continue;
        hl_rgroup_t *g = &u->prev[u->n_prev++];
        int mm = r->year * 12 + (r->month - 1) - k;
        snprintf(g->key, sizeof g->key, "%04d-%02d", mm / 12, mm % 12 + 1);
        g->f = prev[k - 1];
        g->f.shown = hl_min5_enough(g->f.n);
    }
    if (u->n_officers) qsort(u->officers, u->n_officers, sizeof *u->officers, cmp_group_name);
    /* Each officer's main-question distribution. */
    u->officer_main = calloc(u->n_officers ? u->n_officers : 1, sizeof *u->officer_main);
    if (!u->officer_main) return false;
    for (size_t oi = 0; oi < u->n_officers; oi++) {
        const hl_survey_t *s0 = NULL;
        for (size_t t = 0; t < n && !s0; t++) {
            const rrow_t *w = &r->rows[idx[t]];
            if (!w->month_back && w->survey >= 0 && w->officer &&
                !strcmp(w->officer, u->officers[oi].name))
                s0 = r->surveys[w->survey];
        }
        int mq = s0 ? report_main_question(s0) : -1;
        if (mq < 0) continue;
        if (!dist_init(&u->officer_main[oi], s0, &s0->questions[mq], false)) return false;
        for (size_t t = 0; t < n; t++) {
            const rrow_t *w = &r->rows[idx[t]];
            if (w->month_back || !w->officer || strcmp(w->officer, u->officers[oi].name) ||
                w->survey < 0 || strcmp(r->surveys[w->survey]->id, s0->id))
                continue;
            const char *v = answer(w, s0->questions[mq].id);
            if (v) dist_add(&u->officer_main[oi], v);
        }
    }
    return true;
fail:
    free(waits);
    return false;
}

/* The min-5 rule over a unit: whole shown as given, weeks and officers one
 * breakdown each, distributions by their own count. */
static bool unit_min5(hl_runit_t *u, bool whole)
{
    size_t k = u->n_officers > u->n_weeks ? u->n_officers : u->n_weeks;
    int64_t *n = calloc(k ? k : 1, sizeof *n);
    bool *shown = calloc(k ? k : 1, sizeof *shown);
    if (!n || !shown) {
        free(n);
        free(shown);
        return false;
    }
    u->month.shown = whole && hl_min5_enough(u->month.n);
    int64_t total = u->month.shown ? u->month.n : 0;
    for (size_t i = 0; i < u->n_weeks; i++)
        n[i] = u->weeks[i].f.n;
    hl_min5_parts(total, n, u->n_weeks, shown);
    for (size_t i = 0; i < u->n_weeks; i++)
        u->weeks[i].f.shown = shown[i];
    for (size_t i = 0; i < u->n_officers; i++)
        n[i] = u->officers[i].f.n;
    hl_min5_parts(total, n, u->n_officers, shown);
    for (size_t i = 0; i < u->n_officers; i++) {
        u->officers[i].f.shown = shown[i];
        u->officer_main[i].shown = shown[i] && hl_min5_enough(u->officer_main[i].answered);
    }
    for (size_t i = 0; i < u->n_questions; i++)
        u->questions[i].shown = u->month.shown && hl_min5_enough(u->questions[i].answered);
    free(n);
    free(shown);
    return true;
}

int hl_report_compute(hl_report_t *r, hl_err_t *err)
{
    figures_free(&r->fig);
    r->computed = false;
    hl_rfigures_t *f = &r->fig;
    f->province = !strcmp(r->unit, HL_REPORT_PROVINCE);
    size_t nu = r->n_units;
    if (!f->province && nu == 0) {
        size_t ui;
        if (!unit_index(r, r->unit, &ui)) return nomem(err);
        nu = r->n_units;
    }
    f->units = calloc(nu ? nu : 1, sizeof *f->units);
    /* The rows by unit (a counting sort): each unit reads its own only. */
    size_t *start = calloc(nu + 1, sizeof *start);
    size_t *idx = calloc(r->n_rows ? r->n_rows : 1, sizeof *idx);
    if (!f->units || !start || !idx) {
        free(start);
        free(idx);
        figures_free(f);
        return nomem(err);
    }
    for (size_t i = 0; i < r->n_rows; i++)
        start[r->rows[i].unit + 1]++;
    for (size_t i = 0; i < nu; i++)
        start[i + 1] += start[i];
    for (size_t i = 0; i < r->n_rows; i++)
        idx[start[r->rows[i].unit]++] = i;
    for (size_t i = nu; i > 0; i--)
        start[i] = start[i - 1];
    start[0] = 0;
    for (size_t i = 0; i < nu; i++) {
        f->n_units = i + 1;
        if (!unit_compute(r, i, idx + start[i], start[i + 1] - start[i], &f->units[i])) {
            free(start);
            free(idx);
            figures_free(f);
            return nomem(err);
        }
        f->total.n += f->units[i].month.n;
        f->total.rated += f->units[i].month.rated;
        f->total.satisfied += f->units[i].month.satisfied;
        f->total.partial += f->units[i].month.partial;
        f->total.suspect += f->units[i].month.suspect;
    }
    free(start);
    free(idx);
    for (size_t i = 0; i < r->n_rows && !f->have_surveys; i++)
        f->have_surveys = r->rows[i].survey >= 0;
    /* The province: its units are one breakdown; a unit hidden there stays
     * hidden in its own section. */
    int64_t *n = calloc(nu ? nu : 1, sizeof *n);
    bool *shown = calloc(nu ? nu : 1, sizeof *shown);
    if (!n || !shown) {
        free(n);
        free(shown);
        figures_free(f);
        return nomem(err);
    }
    for (size_t i = 0; i < nu; i++)
        n[i] = f->units[i].month.n;
    f->total.shown =
        f->province ? hl_min5_parts(f->total.n, n, nu, shown) : hl_min5_enough(f->total.n);
    bool ok = true;
    for (size_t i = 0; i < nu; i++)
        ok = ok && unit_min5(&f->units[i], f->province ? shown[i] : true);
    free(n);
    free(shown);
    if (!ok) {
        figures_free(f);
        return nomem(err);
    }
    r->computed = true;
    return HL_OK;
}

const hl_rfigures_t *hl_report_figures(const hl_report_t *r)
{
    return &r->fig;
}

const hl_rkiosk_t *hl_report_kiosks(const hl_report_t *r, size_t *n)
{
    *n = r->n_kiosks;
    return r->kiosks;
}

const hl_rgap_t *hl_report_gaps(const hl_report_t *r, size_t *n)
{
    *n = r->n_gaps;
    return r->gaps;
}

int64_t hl_report_duplicates(const hl_report_t *r)
{
    return r->duplicates;
}

bool hl_report_index(const hl_rfig_t *f, double *index)
{
    if (!f->shown || !hl_min5_enough(f->rated)) return false;
    *index = 100.0 * (double)f->satisfied / (double)f->rated;
    return true;
}

void hl_report_fmt1(hl_lang_t lang, double v, char *out, size_t cap)
{
    snprintf(out, cap, "%.1f", v + (v >= 0 ? 1e-9 : -1e-9));
    char *dot = strchr(out, '.');
    if (dot && lang == HL_LANG_VI) *dot = ',';
}

/* ---- The dump ----------------------------------------------------------- */

static bool dump_fig(rbuf_t *b, const char *pre, const hl_rfig_t *f)
{
    double ix;
    if (!f->shown) return rbuf_printf(b, "%sresponses hidden\n%sindex hidden\n", pre, pre);
    bool ok = rbuf_printf(b, "%sresponses %lld\n", pre, (long long)f->n);
    if (hl_report_index(f, &ix))
        ok = ok && rbuf_printf(b, "%sindex %.10g\n", pre, ix);
    else
        ok = ok && rbuf_printf(b, "%sindex hidden\n", pre);
    return ok;
}

static bool dump_dist(rbuf_t *b, const char *pre, const hl_rquestion_t *q)
{
    bool ok = true;
    for (size_t i = 0; ok && i < q->n_values; i++) {
        if (q->shown)
            ok = rbuf_printf(b, "%sq/%s/%s/n %lld\n", pre, q->q->id, q->values[i].id,
                             (long long)q->values[i].n);
        else
            ok = rbuf_printf(b, "%sq/%s/%s/n hidden\n", pre, q->q->id, q->values[i].id);
    }
    return ok;
}

char *hl_report_dump(const hl_report_t *r)
{
    rbuf_t b = {0};
    const hl_rfigures_t *f = &r->fig;
    bool ok = rbuf_printf(&b, "month %s\n", r->month_s);
    if (f->province) ok = ok && dump_fig(&b, "", &f->total);
    for (size_t ui = 0; ok && ui < f->n_units; ui++) {
        const hl_runit_t *u = &f->units[ui];
        char pre[200];
        snprintf(pre, sizeof pre, "%s%s%s", f->province ? "unit/" : "", f->province ? u->unit : "",
                 f->province ? "/" : "");
        char p2[400];
        ok = dump_fig(&b, pre, &u->month);
        if (u->month.shown && u->month.n > 0)
            ok = ok && rbuf_printf(&b, "%spartial_share %.10g\n%ssuspect_share %.10g\n", pre,
                                   100.0 * (double)u->month.partial / (double)u->month.n, pre,
                                   100.0 * (double)u->month.suspect / (double)u->month.n);
        for (size_t i = 0; ok && i < u->n_weeks; i++) {
            snprintf(p2, sizeof p2, "%sweek/%s/", pre, u->weeks[i].key);
            ok = dump_fig(&b, p2, &u->weeks[i].f);
        }
        for (size_t i = 0; ok && i < u->n_prev; i++) {
            snprintf(p2, sizeof p2, "%smonth/%s/", pre, u->prev[i].key);
            ok = dump_fig(&b, p2, &u->prev[i].f);
        }
        for (size_t i = 0; ok && i < u->n_officers; i++) {
            snprintf(p2, sizeof p2, "%sofficer/%s/", pre, u->officers[i].name);
            ok = dump_fig(&b, p2, &u->officers[i].f);
        }
        for (size_t i = 0; ok && i < u->n_questions; i++)
            ok = dump_dist(&b, pre, &u->questions[i]);
        ok = ok && rbuf_printf(&b, "%scomments %lld\n", pre, (long long)u->comments);
        if (r->followups_known)
            ok = ok && rbuf_printf(&b, "%shandled %lld\n%smedian_handle_s %.10g\n", pre,
                                   (long long)u->handled, pre, u->median_handle_s);
        if (u->unrated_survey)
            ok =
                ok && rbuf_printf(&b, "%sunknown_survey %lld\n", pre, (long long)u->unrated_survey);
    }
    if (!ok) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
