/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_lang.h: the interface languages the firmware knows, and texts given
 * per language.
 *
 * Surveys and configs may only declare languages listed here, because every
 * screen also shows built-in words (back, next, "still there?", yes/no) that
 * must exist in that language. Adding a language means adding its code here
 * and its built-in words where the screens keep them.
 */
#ifndef HL_LANG_H
#define HL_LANG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum hl_lang {
    HL_LANG_VI = 0, /* Tiếng Việt */
    HL_LANG_EN,     /* English */
    HL_LANG_COUNT
} hl_lang_t;

/* A text in each language; s[lang] is NULL where the file gave none. */
typedef struct hl_text {
    char *s[HL_LANG_COUNT]; /* owned UTF-8 strings */
} hl_text_t;

/* "vi", "en". */
const char *hl_lang_code(hl_lang_t lang);

/* Parses a code; false when the firmware does not know it. */
bool hl_lang_parse(const char *code, hl_lang_t *out);

/* The text in lang, or the first available one, or "" (never NULL). */
const char *hl_text_get(const hl_text_t *t, hl_lang_t lang);

void hl_text_free(hl_text_t *t);

/* True when s[0..len) is valid UTF-8 (no overlong form, surrogate or code
 * point past U+10FFFF): what the store holds and every export writes as it
 * is (an XLSX cell must be UTF-8). */
bool hl_utf8_valid(const char *s, size_t len);

#endif
