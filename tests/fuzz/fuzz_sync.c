/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_sync.c: libFuzzer target for the sync response parser.
 *
 * The input is the body of a server's 200 reply, parsed by
 * hl_sync_parse_reply for a fixed batch of four UUIDs (the ones the seed
 * replies name): JSON parsing with duplicate keys refused, the "accepted" and
 * "duplicate" lists, names outside the batch ignored. Checks the parser's
 * promise on every input: *n_named equals the number of flags set and never
 * exceeds the batch; on failure nothing counts as delivered. The same body
 * goes through hl_sync_parse_assignment (protocol version 2): a new
 * assignment is waiting with checked texts of bounded size, or failed with
 * a reason and no text; one without a usable id has a reason (a violation
 * aborts, which libFuzzer reports as a crash). Seeds:
 * tests/fuzz/sync/corpus; dictionary: sync/sync.dict.
 */
#include "hl_fuzz.h"

#include "hl_sync.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_BATCH 4 /* UUIDs in the fixed batch */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char uuids[FUZZ_BATCH][HL_UUID_LEN + 1] = {
        "c553edee-43fe-4bfb-8d18-a645c911fc09",
        "64de7da7-3b5b-422b-8c3a-fcf54100f68f",
        "00000000-0000-4000-8000-000000000000",
        "ffffffff-ffff-4fff-bfff-ffffffffffff",
    };
    bool named[FUZZ_BATCH];
    size_t n_named = 99;
    hl_err_t err = {0};
    int rc =
        hl_sync_parse_reply((const char *)data, size, uuids, FUZZ_BATCH, named, &n_named, &err);
    size_t set = 0;
    for (size_t i = 0; i < FUZZ_BATCH; i++)
        set += named[i] ? 1 : 0;
    if (set != n_named || n_named > FUZZ_BATCH) abort();
    if (rc != HL_OK && n_named != 0) abort();
    hl_sync_assignment_t a = {0};
    hl_sync_parse_assignment((const char *)data, size, 5, &a);
    bool texts = a.survey || a.officers;
    if (a.kind == HL_SYNC_ASSIGN_NEW && a.state == HL_ASSIGN_WAITING) {
        if (!texts || a.error[0]) abort();
        if (a.survey && (a.survey_len > HL_MAX_FILE_BYTES || strlen(a.survey) != a.survey_len))
            abort();
    } else if (texts) {
        abort(); /* refused, the same, none or bad: nothing to install */
    }
    if ((a.kind == HL_SYNC_ASSIGN_BAD || a.state == HL_ASSIGN_FAILED) && !a.error[0]) abort();
    if (a.kind == HL_SYNC_ASSIGN_NEW && a.id == 5) abort(); /* the one handled already */
    hl_sync_assignment_free(&a);
    return 0;
}
