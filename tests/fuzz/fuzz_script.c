/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_script.c: libFuzzer target for the script parser.
 *
 * The input is a script's text. hl_script_parse runs on it twice: with no
 * extension (the core verbs only: lang, answer, next, back, skip, continue,
 * wait, expect) and with a stand-in extension, so that the extension branch
 * (its verbs, its check, the "unknown step (known: ...)" message listing
 * them) runs too. The kiosk's own verb list and check
 * (hl_kiosk_script_verbs / hl_kiosk_script_check) live in
 * firmware/app/kiosk.c, which cannot be linked without SDL and the display;
 * the stand-in uses the same shape (a few of the kiosk's verb names, a check
 * that refuses some argument counts) without claiming the kiosk's syntax.
 * Seeds: tests/fuzz/script/corpus (assets/scripts); dictionary:
 * script/script.dict.
 */
#include "hl_fuzz.h"

#include "hl_script.h"

#include <string.h>

/* The stand-in extension's check: tap takes one target, shot one name,
 * size WxH; anything else is fine. */
static const char *fuzz_ext_check(void *ctx, const hl_script_step_t *st)
{
    (void)ctx;
    if (!strcmp(st->argv[0], "tap") && st->argc != 2) return "needs one target id";
    if (!strcmp(st->argv[0], "shot") && st->argc != 2) return "needs one name";
    if (!strcmp(st->argv[0], "size") && (st->argc != 2 || !strchr(st->argv[1], 'x')))
        return "needs WxH";
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const verbs[] = {"tap", "shot", "size", "press", "release", NULL};
    const hl_script_ext_t ext = {.verbs = verbs, .check = fuzz_ext_check, .ctx = NULL};
    hl_script_t s;
    hl_err_t err = {0};
    hl_script_parse("fuzz/script.txt", (const char *)data, size, NULL, &s, &err);
    hl_script_free(&s);
    hl_err_t err2 = {0};
    hl_script_parse("fuzz/script.txt", (const char *)data, size, &ext, &s, &err2);
    hl_script_free(&s);
    return 0;
}
