/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_lang.c: language codes and per-language texts, and the check of
 * stored text (hl_utf8_valid).
 */
#include "hl_lang.h"

#include <stdint.h>
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

bool hl_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char b = u[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t n = b < 0xC2 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF5 ? 4 : 0;
        if (n == 0 || n > len - i) return false;
        uint32_t cp = b & (0x7Fu >> n);
        for (size_t k = 1; k < n; k++) {
            if ((u[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (u[i + k] & 0x3Fu);
        }
        static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false; /* overlong, out of range, a surrogate */
        i += n;
    }
    return true;
}
