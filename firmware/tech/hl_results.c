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
 * have no bars; `answered` counts their all-digit values.
 */
#include "hl_results.h"

#include <stdio.h>
#include <string.h>

/* Where a tally's values land. */
typedef struct hl_results_acc {
    const hl_question_t *question; /* the survey's question */
    hl_results_q_t *q;             /* its results */
} hl_results_acc_t;

/* The integer a value spells in plain decimal ("7", never "07" or "+7") within
 * lo..hi, or -1. */
static int plain_int(const char *v, int lo, int hi)
{
    size_t len = strlen(v);
    if (len == 0 || len > 2 || (len == 2 && v[0] == '0')) return -1;
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        n = n * 10 + (v[i] - '0');
    }
    return n >= lo && n <= hi ? n : -1;
}

static bool all_digits(const char *v)
{
    if (!*v) return false;
    for (; *v; v++)
        if (*v < '0' || *v > '9') return false;
    return true;
}

/* Index of the option whose id is v[0..len), or -1. */
static int option_index(const hl_question_t *q, const char *v, size_t len)
{
    for (size_t i = 0; i < q->n_options && i < HL_RESULTS_BARS; i++)
        if (strlen(q->options[i].id) == len && memcmp(q->options[i].id, v, len) == 0) return (int)i;
    return -1;
}

/* hl_store_tally callback: one distinct value and how many gave it. */
static void tally_value(void *ctx, const char *value, int64_t count)
{
    hl_results_acc_t *a = ctx;
    const hl_question_t *q = a->question;
    hl_results_q_t *r = a->q;
    if (!value || count <= 0) return;
    int bar = -1;
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
        bar = option_index(q, value, strlen(value));
        break;
    case HL_Q_STARS: {
        int n = plain_int(value, 1, 5);
        bar = n < 0 ? -1 : n - 1;
        break;
    }
    case HL_Q_NPS:
        bar = plain_int(value, 0, 10);
        break;
    case HL_Q_YESNO:
        bar = strcmp(value, "yes") == 0 ? 0 : strcmp(value, "no") == 0 ? 1 : -1;
        break;
    case HL_Q_MULTI: {
        bool seen[HL_RESULTS_BARS] = {false};
        bool any = false;
        for (const char *p = value; *p;) {
            size_t len = strcspn(p, "|,");
            int i = option_index(q, p, len);
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
    case HL_Q_NUMBER:
        if (all_digits(value)) r->answered += count;
        return;
    default:
        return;
    }
    if (bar < 0 || bar >= r->n_bars) return;
    r->bars[bar] += count;
    r->answered += count;
}

/* How many bars a question shows (0: not charted). */
static int bars_of(const hl_question_t *q)
{
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
    case HL_Q_MULTI:
        return q->n_options < HL_RESULTS_BARS ? (int)q->n_options : HL_RESULTS_BARS;
    case HL_Q_STARS:
        return 5;
    case HL_Q_NPS:
        return 11;
    case HL_Q_YESNO:
        return 2;
    default:
        return 0;
    }
}

int hl_results_compute(hl_store_t *st, const hl_survey_t *s, hl_period_t period,
                       const char *officer, int64_t day_start_utc_ms, int64_t tz_offset_ms,
                       hl_results_t *out, hl_err_t *err)
{
    if (!st || !s || !out || period < 0 || period >= HL_PERIOD_COUNT)
        return hl_err_set(err, HL_ERR_USAGE, "results: bad arguments");
    memset(out, 0, sizeof *out);
    out->period = period;
    if (officer && *officer) {
        if (strlen(officer) > HL_ITEM_ID_MAX)
            return hl_err_set(err, HL_ERR_USAGE, "results: officer id too long");
        snprintf(out->officer, sizeof out->officer, "%s", officer);
    }
    int64_t from = period == HL_PERIOD_TODAY  ? day_start_utc_ms
                   : period == HL_PERIOD_WEEK ? day_start_utc_ms - 6 * HL_DAY_MS
                                              : -1;
    hl_tally_query_t tq = {.survey_id = s->id,
                           .from_utc_ms = from,
                           .officer_id = out->officer[0] ? out->officer : NULL};

    int rc = hl_store_count(st, &tq, &out->counts, err);
    if (rc != HL_OK) return rc;
    out->enough = out->counts.responses >= HL_RESULTS_MIN;

    size_t nq = s->n_questions < HL_MAX_QUESTIONS ? s->n_questions : HL_MAX_QUESTIONS;
    for (size_t i = 0; i < nq; i++) {
        const hl_question_t *q = &s->questions[i];
        hl_results_q_t *r = &out->q[i];
        r->question = (int)i;
        r->charted = q->type != HL_Q_NUMBER;
        r->n_bars = bars_of(q);
        hl_results_acc_t acc = {.question = q, .q = r};
        rc = hl_store_tally(st, &tq, q->id, tally_value, &acc, err);
        if (rc != HL_OK) return rc;
        r->enough = r->answered >= HL_RESULTS_MIN;
    }
    out->n_questions = (int)nq;

    if (nq > 0) {
        const hl_question_t *q0 = &s->questions[0];
        const hl_results_q_t *r0 = &out->q[0];
        if ((q0->type == HL_Q_SMILEY && r0->n_bars >= 2) ||
            (q0->type == HL_Q_STARS && r0->n_bars == 5)) {
            out->has_rate = true;
            out->rate_answered = r0->answered;
            /* Smiley options are best first; stars 4 and 5 are the last bars. */
            out->rate_satisfied =
                q0->type == HL_Q_SMILEY ? r0->bars[0] + r0->bars[1] : r0->bars[3] + r0->bars[4];
        }
    }

    hl_tally_query_t hq = tq;
    hq.from_utc_ms = day_start_utc_ms;
    return hl_store_hourly(st, &hq, tz_offset_ms, out->hourly, err);
}
