/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture.h: the fixtures the tests share, so that they cannot drift
 * apart: a survey built by hand for the store and the exporters (only ids,
 * version, question type and hash matter there), a response to save, and
 * (hl_fixture_kiosk.h) a whole kiosk on the headless display with a fake
 * clock. No SDL here: a unit test links this without the display.
 */
#ifndef HL_FIXTURE_H
#define HL_FIXTURE_H

#include "hl_limits.h"
#include "hl_response.h"
#include "hl_survey.h"

#include <stddef.h>
#include <stdint.h>

/* A survey built by hand. */
typedef struct test_survey {
    hl_survey_t s;                     /* points into the fields below */
    hl_question_t q[HL_MAX_QUESTIONS]; /* questions: ids, type HL_Q_CHOICE */
    char src[128];                     /* stands for the JSON file */
} test_survey_t;

/* Survey id, version, questions qids[0..n): its stand-in source names id,
 * version and n, and its stand-in SHA-256 is a hash of that source, so
 * that two fixtures differ exactly when their source does. */
void survey_make(test_survey_t *t, const char *id, int64_t version, const char *const *qids,
                 size_t n);

/* Response number n (its UUID ends in n), started at started_utc_ms,
 * Vietnamese, clock trusted. */
void hl_fixture_response(hl_response_t *r, int n, int64_t started_utc_ms);

#endif
