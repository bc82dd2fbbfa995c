/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_lang.c: language codes and per-language texts.
 */
#include "hl_lang.h"

#include <stdlib.h>
#include <string.h>

static const char *const codes[HL_LANG_COUNT] = {[HL_LANG_VI] = "vi", [HL_LANG_EN] = "en"};

const char *hl_lang_code(hl_lang_t lang)
{
    return (lang >= 0 && lang < HL_LANG_COUNT) ? codes[lang] : "?";
}

bool hl_lang_parse(const char *code, hl_lang_t *out)
{
    for (int i = 0; i < HL_LANG_COUNT; i++) {
        if (code && strcmp(code, codes[i]) == 0) {
            *out = (hl_lang_t)i;
            return true;
        }
    }
    return false;
}

const char *hl_text_get(const hl_text_t *t, hl_lang_t lang)
{
    if (lang >= 0 && lang < HL_LANG_COUNT && t->s[lang]) return t->s[lang];
    for (int i = 0; i < HL_LANG_COUNT; i++)
        if (t->s[i]) return t->s[i];
    return "";
}

void hl_text_free(hl_text_t *t)
{
    for (int i = 0; i < HL_LANG_COUNT; i++) {
        free(t->s[i]);
        t->s[i] = NULL;
    }
}
