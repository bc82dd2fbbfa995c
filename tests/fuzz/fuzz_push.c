/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_push.c: libFuzzer target for the province server's request parser.
 *
 * The input is the body of a kiosk's push, read by hl_push_parse and then
 * checked by hl_push_verify against kiosk "k1" and a fixed public key (that of
 * tests' hl_fixture_devkey(1), which signed the seeds' rows: they verify).
 * Checks the parser's promises on every input: each row's span lies inside
 * the body and starts with '{' and ends with '}', the spans do not overlap
 * and come in order, a row's chain cut lies inside its span, a response_id
 * is 36 lower-case characters, and a row that is neither quarantined nor
 * unsigned is k1's; a violation aborts. Seeds: tests/fuzz/push/corpus
 * (real pushes from test_server's rows, edited variants); dictionary:
 * push/push.dict.
 */
#include "hl_fuzz.h"

#include "hl_push.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char pub[32] = {0xc7, 0xc7, 0xfc, 0x39, 0x63, 0x6a, 0xd4, 0xba,
                                          0xcb, 0x75, 0xf7, 0x67, 0x11, 0x2a, 0xac, 0x1b,
                                          0x88, 0x77, 0x93, 0x3b, 0xb7, 0x38, 0xa3, 0xb2,
                                          0x6f, 0x8e, 0x08, 0x17, 0x3f, 0xfa, 0x89, 0x0f};
    const char *body = (const char *)data;
    hl_push_t p;
    hl_err_t err = {0};
    if (hl_push_parse(body, size, &p, &err) != HL_OK) {
        if (!err.msg[0]) abort(); /* a refusal always says why */
        return 0;
    }
    hl_push_verify(&p, body, "k1", pub, "0692fb70ba2c51fc");
    size_t end = 0;
    for (size_t i = 0; i < p.n_rows; i++) {
        const hl_push_row_t *r = &p.rows[i];
        if (r->off < end || r->len < 2 || r->off + r->len > size) abort();
        if (body[r->off] != '{' || body[r->off + r->len - 1] != '}') abort();
        if (r->cut_len && (r->cut_off <= r->off || r->cut_off + r->cut_len > r->off + r->len))
            abort();
        if (strlen(r->response_id) != 36) abort();
        if (r->is_signed && (r->quarantine || strcmp(r->kiosk_id, "k1"))) abort();
        end = r->off + r->len;
    }
    if (!p.status || p.status[0] != '{') abort();
    hl_push_free(&p);
    return 0;
}
