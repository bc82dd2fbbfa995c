/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture.c: the shared test fixtures without a display (hl_fixture.h).
 */
#include "hl_fixture.h"

#include <stdio.h>
#include <string.h>

void survey_make(test_survey_t *t, const char *id, int64_t version, const char *const *qids,
                 size_t n)
{
    memset(t, 0, sizeof *t);
    snprintf(t->s.id, sizeof t->s.id, "%s", id);
    t->s.version = version;
    for (size_t i = 0; i < n && i < HL_MAX_QUESTIONS; i++) {
        snprintf(t->q[i].id, sizeof t->q[i].id, "%s", qids[i]);
        t->q[i].type = HL_Q_CHOICE;
        t->q[i].show_if.question = -1;
    }
    t->s.questions = t->q;
    t->s.n_questions = n;
    snprintf(t->src, sizeof t->src, "{\"id\": \"%s\", \"version\": %lld, \"n\": %zu}", id,
             (long long)version, n);
    t->s.source = t->src;
    t->s.source_len = strlen(t->src);
    /* FNV-1a of the source, padded: distinct per (id, version, count). */
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = t->src; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(t->s.sha256, sizeof t->s.sha256, "%016llx%048d", (unsigned long long)h, 0);
}

void hl_fixture_response(hl_response_t *r, int n, int64_t started_utc_ms)
{
    memset(r, 0, sizeof *r);
    snprintf(r->uuid, sizeof r->uuid, "00000000-0000-4000-8000-%012d", n);
    r->lang = HL_LANG_VI;
    r->stored_lang = HL_LANG_VI;
    r->started_utc_ms = started_utc_ms;
    r->clock_trusted = true;
}
