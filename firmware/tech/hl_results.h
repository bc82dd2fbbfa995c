/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_results.h: the results the technician menu shows, computed from the
 * store for one survey: per question, how many chose each option (today, the
 * last 7 days or all time; all officers or one), the satisfaction rate of
 * the main question, and responses per hour of today.
 *
 * Privacy: individual responses are never listed, and a breakdown of fewer
 * than HL_RESULTS_MIN responses is marked not enough (the screen says "not
 * enough answers" instead of numbers), so that an officer cannot work out
 * who rated what; nor is one that another view of the menu would reveal by
 * subtraction (hl_min5.h, the rule the province's dashboard applies too). Number questions (a case
 * code, a count) are never charted: only how many answered them. Text questions (comments)
 * likewise: their count, never their words (`comments`). "Today" and the hours are local time: the
 * caller gives the start of the local day and the UTC offset (the core reads no clock).
 */
#ifndef HL_RESULTS_H
#define HL_RESULTS_H

#include "hl_config.h"
#include "hl_err.h"
#include "hl_limits.h"
#include "hl_min5.h"
#include "hl_store.h"
#include "hl_survey.h"

#include <stdbool.h>
#include <stdint.h>

#define HL_RESULTS_MIN  HL_MIN5 /* fewer responses than this in a breakdown: not shown */
#define HL_RESULTS_BARS 20      /* bars per question at most (HL_MAX_OPTIONS; nps has 11) */

typedef enum hl_period {
    HL_PERIOD_TODAY = 0, /* since local midnight */
    HL_PERIOD_WEEK,      /* the last 7 days (since local midnight 6 days ago) */
    HL_PERIOD_ALL,       /* everything stored */
    HL_PERIOD_COUNT
} hl_period_t;

typedef struct hl_results_q {
    int question;     /* index in the survey's questions */
    bool charted;     /* false for number and text questions: only `answered` is shown */
    int64_t answered; /* responses that answered it */
    bool enough;      /* answered >= HL_RESULTS_MIN: bars may be shown */
    int n_bars;       /* its answers in the order the screen shows them: options in survey
                         order; stars 1..5; nps 0..10; yes, no */
    int64_t bars[HL_RESULTS_BARS]; /* count per option (a multi answer counts once per option) */
} hl_results_q_t;

typedef struct hl_results {
    hl_period_t period;
    char officer[HL_ITEM_ID_MAX + 1]; /* "" = every officer */
    hl_store_counts_t counts;         /* finished responses in the period */
    bool enough;                      /* counts.responses >= HL_RESULTS_MIN */
    bool has_rate;          /* the first question is smiley or stars: a satisfaction rate */
    int64_t rate_answered;  /* responses that answered it */
    int64_t rate_satisfied; /* of which satisfied: the two best levels (smiley 3 or 5, stars) */
    int64_t hourly[24];     /* responses per local hour of today (whatever the period) */
    int64_t comments;       /* answers to text questions in the period (never their text) */
    int n_questions;
    hl_results_q_t q[HL_MAX_QUESTIONS];
} hl_results_t;

/* Computes the results of survey s (by its id: every stored version, option
 * ids matched against s's options; values no longer in s are left out) for
 * the period and officer (NULL or "": all). day_start_utc_ms is the start of
 * today in local time, tz_offset_ms the local offset from UTC (for hours).
 * The min-5 rule with differencing (hl_min5.h) sets `enough`: besides fewer
 * than HL_RESULTS_MIN responses, a figure is hidden when a wider period of
 * the same officer (today < 7 days < all), or, for one officer, every
 * officer's figure of the period, differs from it by 1..4 responses (per
 * question: answers), and one officer is hidden when the roster's officers
 * side by side (hl_min5_parts) would isolate a few responses by
 * subtraction. roster (n_roster officers, may be 0) is the officers the
 * screen lets the technician pick. Store failures come back as their codes. */
int hl_results_compute(hl_store_t *st, const hl_survey_t *s, hl_period_t period,
                       const char *officer, const hl_officer_t *roster, int n_roster,
                       int64_t day_start_utc_ms, int64_t tz_offset_ms, hl_results_t *out,
                       hl_err_t *err);

#endif
