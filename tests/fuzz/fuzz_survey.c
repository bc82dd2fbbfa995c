/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_survey.c: libFuzzer target for the survey loader.
 *
 * The input is a survey file's bytes, given to hl_survey_load_text as they
 * are (not NUL-terminated): JSON parsing, validation of every field and the
 * diagnostics for every problem (sorted and printed to a null stream, so
 * their formatting runs too). A loaded survey is freed again, so a leak in
 * either path is reported by LeakSanitizer; a loaded survey's ids must
 * find themselves again (ids are unique), else the target aborts. Seeds: tests/fuzz/survey/corpus
 * (tests/data surveys, assets/surveys); dictionary: survey/survey.dict.
 */
#include "hl_fuzz.h"

#include "hl_diag.h"
#include "hl_survey.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) devnull = fopen("/dev/null", "w");
    hl_survey_t *s = NULL;
    hl_diags_t diags = {0};
    int rc = hl_survey_load_text("fuzz/survey.json", (const char *)data, size, &s, &diags);
    if (rc == 0 && s) {
        /* Touch the lookups a loaded survey offers. */
        for (size_t i = 0; i < s->n_questions; i++) {
            const hl_question_t *q = &s->questions[i];
            if (hl_survey_find_question(s, q->id) != (int)i) abort();
            for (size_t j = 0; j < q->n_options; j++)
                if (hl_question_find_option(q, q->options[j].id) != (int)j) abort();
        }
    }
    hl_diags_sort(&diags);
    if (devnull) hl_diags_print(&diags, devnull);
    hl_diags_free(&diags);
    hl_survey_free(s);
    return 0;
}
