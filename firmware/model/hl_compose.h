/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_compose.h: the Vietnamese input composer: keystrokes in, NFC UTF-8
 * text out, the way Vietnamese keyboards (Telex, VNI) type. The on-screen
 * keyboard of a text question feeds it one key at a time; `hailong compose`
 * feeds it a whole string so that the province can check the rules.
 *
 * The composer edits the last word of its text (the trailing run of Latin
 * and Vietnamese letters; digits, punctuation and spaces end a word):
 *
 *   Telex  aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, uow ươ, dd đ (the second d
 *          right after the word's first d: "ddi" đi); s f r x j put sắc
 *          huyền hỏi ngã nặng, z takes the tone off. A lone "w" (no a, o,
 *          u to mark) stays a "w": "web", "wifi" and "www" are left alone,
 *          and ư is typed "uw".
 *   VNI    6 â ê ô, 7 ơ ư (uo7 ươ), 8 ă, 9 đ (anywhere in a word starting
 *          with d); 1 2 3 4 5 sắc huyền hỏi ngã nặng, 0 takes the tone off.
 *   NONE   every key as it is; only hl_compose_tone/hl_compose_mark compose.
 *
 * Tone keys, w and the VNI digits may come anywhere after their vowel, also
 * after the final consonant ("toans" toán, "vieetj" việt, "nguoiw" ngươi);
 * Telex aa ee oo only doubled ("data", "banana" stay as typed); ưo before
 * another letter becomes ươ ("tuwon" tươn). The same tone or mark key twice
 * gives the letter ("ass" as, "aaa" aa, "ddd" dd, "a11" a1). A key that
 * cannot compose (a tone key with no vowel: "s", "bs"; a digit in "2024") is
 * typed as it is, and so is every key of a word that is not a plausible
 * Vietnamese syllable: an onset from the standard list (b c ch d đ g gh gi
 * h k kh l m n ng ngh nh p ph q qu r s t th tr v x, or none), a known vowel
 * cluster, a final from c ch m n ng nh p t, no f j w z, at most one tone,
 * at most HL_COMPOSE_WORD_MAX letters: "dress", "class" and "tapf" stay as
 * typed. After c ch p t only sắc and nặng compose. Upper case is kept ("DD"
 * Đ, "Vieetj" Việt). Known limit: uo with a horn is always ươ, so the uơ of
 * "thuở" comes only from text that has it (hl_compose_set_text).
 *
 * Where the tone goes: on the vowel that carries a mark (ơ of ươ, ê of iê
 * yê uyê, ô of uô, â, ă); else, before a final consonant, on the last
 * vowel (hoàn, toán); else, of three vowels, on the middle one (ngoài); of
 * two, on the first (mái, mía, gửi), except oa oe uy: there, by default,
 * the old style "hòa, khỏe, thủy" (the first vowel), because Viet Nam's
 * official place names and most government documents write it so
 * ("Khánh Hòa", "Thanh Hóa", "Hòa Bình") and it is Unikey's default: a
 * kiosk's answers then read like the forms around it. new_style puts it on
 * the second ("hoà, khoẻ, thuỷ"). "qu" and "gi" are onsets (quý, già); the
 * i of "gi" takes the tone when no other vowel follows (gì, gìn). The
 * whole word is re-rendered on each key, so a word written in either
 * style ("hoà" or "hòa") gets its tone moved or changed correctly.
 *
 * The text stays NFC: a combining Vietnamese tone or mark (U+0300 U+0301
 * U+0303 U+0309 U+0323, U+0302 U+0306 U+031B) joins the letter before it;
 * another combining mark, a control character (other than tab and line
 * feed), a surrogate or a non-character is refused (HL_ERR_INVALID).
 *
 * Backspace takes back what the last key did ("as" gives á; backspace: a;
 * backspace: nothing), from a bounded history (HL_COMPOSE_UNDO keys);
 * beyond it, backspace removes the last code point. No allocation: the
 * composer is one fixed-size struct (about 8 KiB).
 */
#ifndef HL_COMPOSE_H
#define HL_COMPOSE_H

#include "hl_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_COMPOSE_MAX_CHARS 2000 /* code points in a text, at most (a text question's max) */
#define HL_COMPOSE_MAX_BYTES 6000 /* bytes of text: 3 a code point, what Vietnamese needs */
#define HL_COMPOSE_WORD_MAX  12   /* letters of a word the composer works on ("nghiêng": 7) */
#define HL_COMPOSE_UNDO      32   /* keys backspace can take back exactly */

typedef enum hl_compose_method {
    HL_COMPOSE_NONE = 0, /* keys as they are */
    HL_COMPOSE_TELEX,    /* letters compose: aa â, ow ơ, s sắc ... */
    HL_COMPOSE_VNI,      /* digits compose: a6 â, o7 ơ, a1 á ... */
} hl_compose_method_t;

typedef enum hl_tone {
    HL_TONE_NONE = 0, /* ngang: no tone mark */
    HL_TONE_SAC,      /* á */
    HL_TONE_HUYEN,    /* à */
    HL_TONE_HOI,      /* ả */
    HL_TONE_NGA,      /* ã */
    HL_TONE_NANG,     /* ạ */
    HL_TONE_COUNT
} hl_tone_t;

typedef enum hl_mark {
    HL_MARK_NONE = 0,   /* a plain letter (hl_compose_mark refuses it) */
    HL_MARK_CIRCUMFLEX, /* â ê ô */
    HL_MARK_BREVE,      /* ă */
    HL_MARK_HORN,       /* ơ ư */
    HL_MARK_DBAR,       /* đ */
} hl_mark_t;

/* What one key changed, so that backspace can take it back: the text from
 * byte `at` on was `old` before the key, and the key left len_after bytes. */
typedef struct hl_compose_undo {
    uint16_t at;                       /* where the key's change starts (bytes) */
    uint16_t len_after;                /* the text's length after the key (bytes) */
    uint8_t old_len;                   /* bytes in old */
    char old[4 * HL_COMPOSE_WORD_MAX]; /* the text from at on, before the key */
} hl_compose_undo_t;

typedef struct hl_compose {
    hl_compose_method_t method;              /* how keys compose */
    bool new_style;                          /* oa oe uy open: tone on the second vowel */
    size_t max_chars;                        /* code points allowed, 1..HL_COMPOSE_MAX_CHARS */
    size_t len;                              /* bytes of text */
    size_t chars;                            /* code points of text */
    char text[HL_COMPOSE_MAX_BYTES + 1];     /* NUL-terminated UTF-8, NFC */
    hl_compose_undo_t undo[HL_COMPOSE_UNDO]; /* a ring of the last keys' changes */
    size_t undo_top;                         /* the next slot of the ring */
    size_t undo_n;                           /* entries held, at most HL_COMPOSE_UNDO */
} hl_compose_t;

/* An empty text composed with method m. max_chars: the code points
 * allowed (0 or above HL_COMPOSE_MAX_CHARS: HL_COMPOSE_MAX_CHARS). */
void hl_compose_init(hl_compose_t *c, hl_compose_method_t m, bool new_style, size_t max_chars);

/* Replaces the text (an earlier answer to edit further) and forgets the
 * history. The text is taken as if typed with HL_COMPOSE_NONE (combining
 * Vietnamese marks join their letter). HL_ERR_INVALID when it is not valid
 * UTF-8 or holds a code point the text cannot hold, HL_ERR_FULL when it is
 * over the limits; c is unchanged then. */
int hl_compose_set_text(hl_compose_t *c, const char *text);

/* One key as typed (a Unicode code point). HL_OK; HL_ERR_FULL when the
 * result would pass max_chars or HL_COMPOSE_MAX_BYTES; HL_ERR_INVALID for
 * a code point the text cannot hold (see above). The text is unchanged
 * on error. */
int hl_compose_key(hl_compose_t *c, uint32_t codepoint);

/* Takes back the last key (or removes the last code point once the
 * history is used up). HL_ERR_STATE when the text is empty. */
int hl_compose_backspace(hl_compose_t *c);

/* The keyboard's tone row, whatever the method: puts tone t on the last
 * word where the rules place it (HL_TONE_NONE takes it off; the same tone
 * again changes nothing). HL_ERR_STATE, text unchanged, when the last word
 * has no vowel, is not a plausible syllable or ends in c ch p t and t is
 * not sắc or nặng; HL_ERR_USAGE for a t out of range. */
int hl_compose_tone(hl_compose_t *c, hl_tone_t t);

/* The keyboard's modified-letter row: ă â ê ô ơ ư đ made from the last
 * word (a mark already there stays). Circumflex and breve go on the vowel
 * that can take them, horn on "uo" (ươ) or the o or u, đ on a word that
 * starts with d. HL_ERR_STATE, text unchanged, when there is nothing to
 * mark; HL_ERR_USAGE for HL_MARK_NONE or a mark out of range. */
int hl_compose_mark(hl_compose_t *c, hl_mark_t m);

/* The text: NUL-terminated UTF-8 in NFC, valid until the next change. */
const char *hl_compose_text(const hl_compose_t *c);

/* Feeds every code point of keys (UTF-8) to a fresh composer as a key and
 * writes the text to out (outsz bytes with the NUL). HL_ERR_INVALID when
 * keys is not valid UTF-8 or holds a key the text cannot take (err says at
 * which byte); HL_ERR_FULL when the text passes HL_COMPOSE_MAX_CHARS or
 * does not fit out. */
int hl_compose_string(hl_compose_method_t m, bool new_style, const char *keys, char *out,
                      size_t outsz, hl_err_t *err);

/* "none", "telex", "vni" (case ignored) into *out; false for anything else. */
bool hl_compose_method_parse(const char *name, hl_compose_method_t *out);

#endif
