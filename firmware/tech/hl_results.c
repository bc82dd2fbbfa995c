/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_results.c: the technician menu's results (hl_results.h) from the
 * store's tallies: one count, one tally per question, one hourly count.
 *
 * Each distinct stored value is mapped onto the bars of the question as the
 * survey given now defines it: an option id to its option's bar (a multi
 * value once per option it holds, ids split on '|' or ','), stars "1".."5",
 * nps "0".."10", "yes"/"no". A value that does not fit the question any more
 * (an option an older version had, a type that changed) is left out
 * entirely: it counts neither in a bar nor in `answered`, so that the bars
 * and the "not enough" rule speak of the same responses. Number questions
 * have no bars; `answered` counts their all-digit values. Text questions
 * have no bars either: `answered` and the survey's `comments` count their
 * answers, and the text goes no further than the callback that counts it;
 * contact questions likewise (`answered` only).
 */
#include "hl_results.h"
#include "hl_min5.h"
#include "hl_qtype.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

/* Where a tally's values land. */
typedef struct hl_results_acc {
    const hl_question_t *question; /* the survey's question */
    hl_results_q_t *q;             /* its results */
    int64_t *comments;             /* the period's count of text answers */
} hl_results_acc_t;

static bool all_digits(const char *v)
{
    if (!*v) return false;
    for (; *v; v++)
        if (*v < '0' || *v > '9') return false;
    return true;
}

/* The bar of the item whose id is v[0..len), or -1. */
static int bar_of(const hl_question_t *q, const char *v, size_t len)
{
    int i = hl_question_item_index(q, v, len);
    return i < HL_RESULTS_BARS ? i : -1;
}

/* hl_store_tally callback: one distinct value and how many gave it. */
static void tally_value(void *ctx, const char *value, int64_t count)
{
    hl_results_acc_t *a = ctx;
    const hl_question_t *q = a->question;
    hl_results_q_t *r = a->q;
    if (!value || count <= 0) return;
    const hl_qtype_info_t *t = hl_qtype_info(q->type);
    if (t->own) { /* a comment or a phone number: only counted, never kept (the tally
                     holds '' for them; the edge of a period the value) */
        r->answered += count;
        if (t->draft == HL_DRAFT_TEXT) *a->comments += count;
        return;
    }
    if (t->draft == HL_DRAFT_DIGITS) { /* a number: only counted */
        if (all_digits(value)) r->answered += count;
        return;
    }
    if (t->draft == HL_DRAFT_SET) { /* multi: once per option chosen */
        bool seen[HL_RESULTS_BARS] = {false};
        bool any = false;
        for (const char *p = value; *p;) {
            size_t len = strcspn(p, "|,");
            int i = bar_of(q, p, len);
            if (i >= 0 && !seen[i]) {
                seen[i] = true;
                any = true;
                r->bars[i] += count;
            }
            p += len;
            if (*p) p++;
        }
        if (any) r->answered += count;
        return;
    }
    int bar = bar_of(q, value, strlen(value));
    if (bar < 0 || bar >= r->n_bars) return;
    r->bars[bar] += count;
    r->answered += count;
}

/* How many bars a question shows (0: not charted). */
static int bars_of(const hl_question_t *q)
{
    if (!hl_qtype_info(q->type)->charted) return 0;
    int n = hl_question_n_items(q);
    return n < HL_RESULTS_BARS ? n : HL_RESULTS_BARS;
}

/* hl_store_tally_all's rows land here. */
typedef struct hl_results_all {
    const hl_survey_t *survey; /* whose questions are counted */
    hl_results_t *out;         /* the results being filled */
    size_t nq;                 /* questions counted */
} hl_results_all_t;

/* hl_store_tally_all callback: a status count (qid "") or an answer. */
static void tally_any(void *ctx, const char *qid, const char *value, int64_t count)
{
    hl_results_all_t *a = ctx;
    if (!qid || !value) return;
    if (!qid[0]) {
        if (!strcmp(value, "1")) a->out->counts.complete += count;
        if (!strcmp(value, "2")) a->out->counts.partial += count;
        return;
    }
    int qi = hl_survey_find_question(a->survey, qid);
    if (qi < 0 || (size_t)qi >= a->nq) return;
    hl_results_acc_t acc = {
        .question = &a->survey->questions[qi], .q = &a->out->q[qi], .comments = &a->out->comments};
    tally_value(&acc, value, count);
}

/* One view's counts and answers (no headline, no hours): the period from
 * `from` (-1: all time) for officer (NULL: every officer). */
static int tally_view(hl_store_t *st, const hl_survey_t *s, int64_t from, const char *officer,
                      hl_results_t *out, hl_err_t *err)
{
    hl_tally_query_t tq = {.survey_id = s->id, .from_utc_ms = from, .officer_id = officer};
    size_t nq = s->n_questions < HL_MAX_QUESTIONS ? s->n_questions : HL_MAX_QUESTIONS;
    hl_results_all_t all = {.survey = s, .out = out, .nq = nq};
    for (size_t i = 0; i < nq; i++) {
        const hl_question_t *q = &s->questions[i];
        hl_results_q_t *r = &out->q[i];
        r->question = (int)i;
        r->charted = hl_qtype_info(q->type)->charted;
        r->n_bars = bars_of(q);
    }
    out->n_questions = (int)nq;
    /* Counts and every question's answers in one pass over the store. */
    int rc = hl_store_tally_all(st, &tq, tally_any, &all, err);
    out->counts.responses = out->counts.complete + out->counts.partial;
    return rc;
}

static int64_t period_from(hl_period_t p, int64_t day_start_utc_ms)
{
    return p == HL_PERIOD_TODAY  ? day_start_utc_ms
           : p == HL_PERIOD_WEEK ? day_start_utc_ms - 6 * HL_DAY_MS
                                 : -1;
}

/* Hides what `wide` (a superset of out's responses: a wider period, or
 * every officer) would tell by subtraction: the headline when the two
 * counts differ by 1..4, each question whose answered counts do. */
static void hide_nested(hl_results_t *out, const hl_results_t *wide)
{
    if (!hl_min5_nested(out->counts.responses, wide->counts.responses)) out->enough = false;
    for (int i = 0; i < out->n_questions; i++)
        if (!hl_min5_nested(out->q[i].answered, wide->q[i].answered)) out->q[i].enough = false;
}

int hl_results_compute(hl_store_t *st, const hl_survey_t *s, hl_period_t period,
                       const char *officer, const hl_officer_t *roster, int n_roster,
                       int64_t day_start_utc_ms, int64_t tz_offset_ms, hl_results_t *out,
                       hl_err_t *err)
{
    if (!st || !s || !out || period < 0 || period >= HL_PERIOD_COUNT || n_roster < 0 ||
        (n_roster > 0 && !roster))
        return hl_err_set(err, HL_ERR_USAGE, "results: bad arguments");
    memset(out, 0, sizeof *out);
    out->period = period;
    if (officer && *officer) {
        if (strlen(officer) > HL_ITEM_ID_MAX)
            return hl_err_set(err, HL_ERR_USAGE, "results: officer id too long");
        snprintf(out->officer, sizeof out->officer, "%s", officer);
    }
    const char *who = out->officer[0] ? out->officer : NULL;
    int rc = tally_view(st, s, period_from(period, day_start_utc_ms), who, out, err);
    if (rc != HL_OK) return rc;
    out->enough = hl_min5_enough(out->counts.responses);
    for (int i = 0; i < out->n_questions; i++)
        out->q[i].enough = hl_min5_enough(out->q[i].answered);
    size_t nq = (size_t)out->n_questions;

    /* Differencing (hl_min5.h): the same officer's wider periods, and this
     * period's other officers, must not tell a few responses apart. The
     * scratch views are large (the questions' bars): one, reused. */
    hl_results_t *wide = calloc(1, sizeof *wide);
    if (!wide) return hl_err_set(err, HL_ERR_NOMEM, "results: out of memory");
    for (int p = (int)period + 1; rc == HL_OK && p < HL_PERIOD_COUNT; p++) {
        memset(wide, 0, sizeof *wide);
        rc = tally_view(st, s, period_from((hl_period_t)p, day_start_utc_ms), who, wide, err);
        if (rc == HL_OK) hide_nested(out, wide);
    }
    if (rc == HL_OK && who) {
        memset(wide, 0, sizeof *wide);
        rc = tally_view(st, s, period_from(period, day_start_utc_ms), NULL, wide, err);
        if (rc == HL_OK) hide_nested(out, wide);
        /* The officers of the roster side by side: the whole less those
         * shown must not isolate 1..4 responses (hl_min5_parts). */
        int64_t n[HL_MAX_OFFICERS];
        bool shown[HL_MAX_OFFICERS];
        int me = -1, k = n_roster < HL_MAX_OFFICERS ? n_roster : HL_MAX_OFFICERS;
        for (int i = 0; rc == HL_OK && i < k; i++) {
            hl_tally_query_t oq = {.survey_id = s->id,
                                   .from_utc_ms = period_from(period, day_start_utc_ms),
                                   .officer_id = roster[i].id};
            hl_store_counts_t c = {0};
            rc = hl_store_count(st, &oq, &c, err);
            n[i] = c.responses;
            if (!strcmp(roster[i].id, who)) me = i;
        }
        if (rc == HL_OK && me >= 0) {
            hl_min5_parts(wide->counts.responses, n, (size_t)k, shown);
            if (!shown[me]) out->enough = false;
        }
    }
    free(wide);
    if (rc != HL_OK) return rc;
    if (!out->enough) /* a hidden headline hides its questions too */
        for (size_t i = 0; i < nq; i++)
            out->q[i].enough = false;

    /* The headline: the first question to answer (a note before it, as in
     * a consultation, is read, not rated). */
    size_t first = 0;
    while (first < nq && !hl_question_answerable(&s->questions[first]))
        first++;
    if (first < nq) {
        const hl_question_t *q0 = &s->questions[first];
        const hl_results_q_t *r0 = &out->q[first];
        if ((q0->type == HL_Q_SMILEY && r0->n_bars >= 2) ||
            (q0->type == HL_Q_STARS && r0->n_bars == 5)) {
            out->has_rate = true;
            out->rate_answered = r0->answered;
            /* Smiley options are best first; stars 4 and 5 are the last bars. */
            out->rate_satisfied =
                q0->type == HL_Q_SMILEY ? r0->bars[0] + r0->bars[1] : r0->bars[3] + r0->bars[4];
        }
    }

    hl_tally_query_t hq = {.survey_id = s->id, .from_utc_ms = day_start_utc_ms, .officer_id = who};
    return hl_store_hourly(st, &hq, tz_offset_ms, out->hourly, err);
}
