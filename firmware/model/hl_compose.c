/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_compose.c: the Vietnamese input composer (hl_compose.h).
 *
 * Each key reads the last word of the text into letters (a base letter
 * a..z, its mark, its case; the word's one tone kept apart), parses them
 * as onset, vowel nucleus and final, changes them as the key says, and
 * renders the word again: the tone lands where the rules put it, whatever
 * the word looked like before. A key that changes nothing the rules allow
 * is appended as it is. Each change is recorded as "from byte `at` on, the
 * text was `old`" in a ring, which is all backspace needs to take it back.
 *
 * Letters are found in one table of the 12 vowels by 6 tones (lower case;
 * the upper case of a precomposed Vietnamese letter is the code point
 * before it, or 0x20 before it in Latin-1), so no Unicode database is
 * needed: the text holds only precomposed letters and stays NFC.
 */
#include "hl_compose.h"

#include <string.h>
#include <strings.h>

/* The 12 vowels, by base letter and mark, in the order of vowel_cp's rows. */
static const struct {
    char base;    /* a e i o u y */
    uint8_t mark; /* hl_mark_t */
} vowels[12] = {
    {'a', HL_MARK_NONE}, {'a', HL_MARK_BREVE},      {'a', HL_MARK_CIRCUMFLEX},
    {'e', HL_MARK_NONE}, {'e', HL_MARK_CIRCUMFLEX}, {'i', HL_MARK_NONE},
    {'o', HL_MARK_NONE}, {'o', HL_MARK_CIRCUMFLEX}, {'o', HL_MARK_HORN},
    {'u', HL_MARK_NONE}, {'u', HL_MARK_HORN},       {'y', HL_MARK_NONE},
};

/* Lower-case code points: vowel by tone (none, sắc, huyền, hỏi, ngã, nặng). */
static const uint16_t vowel_cp[12][HL_TONE_COUNT] = {
    {0x61, 0xE1, 0xE0, 0x1EA3, 0xE3, 0x1EA1},        /* a */
    {0x103, 0x1EAF, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EB7}, /* ă */
    {0xE2, 0x1EA5, 0x1EA7, 0x1EA9, 0x1EAB, 0x1EAD},  /* â */
    {0x65, 0xE9, 0xE8, 0x1EBB, 0x1EBD, 0x1EB9},      /* e */
    {0xEA, 0x1EBF, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EC7},  /* ê */
    {0x69, 0xED, 0xEC, 0x1EC9, 0x129, 0x1ECB},       /* i */
    {0x6F, 0xF3, 0xF2, 0x1ECF, 0xF5, 0x1ECD},        /* o */
    {0xF4, 0x1ED1, 0x1ED3, 0x1ED5, 0x1ED7, 0x1ED9},  /* ô */
    {0x1A1, 0x1EDB, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EE3}, /* ơ */
    {0x75, 0xFA, 0xF9, 0x1EE7, 0x169, 0x1EE5},       /* u */
    {0x1B0, 0x1EE9, 0x1EEB, 0x1EED, 0x1EEF, 0x1EF1}, /* ư */
    {0x79, 0xFD, 0x1EF3, 0x1EF7, 0x1EF9, 0x1EF5},    /* y */
};

#define CP_D_BAR 0x111u /* đ; Đ is 0x110 */

/* Onsets (consonants before the vowels), finals, and the vowel clusters by
 * base letter ("uye" is uyê and uyê unmarked, typed on the way). */
static const char *const onsets[] = {"",   "b", "c", "ch", "d",  "g",   "gh", "h", "k",
                                     "kh", "l", "m", "n",  "ng", "ngh", "nh", "p", "ph",
                                     "q",  "r", "s", "t",  "th", "tr",  "v",  "x"};
static const char *const finals[] = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"};
static const char *const clusters[] = {
    "a",  "e",   "i",   "o",   "u",   "y",   "ai",  "ao",  "au",  "ay",  "eo",  "eu",
    "ia", "ie",  "iu",  "oa",  "oe",  "oi",  "ua",  "ue",  "ui",  "uo",  "uu",  "uy",
    "ye", "ieu", "yeu", "oai", "oay", "oeo", "uay", "uoi", "uou", "uya", "uye", "uyu"};

/* The nuclei a mark may make: a mark key is applied only when the vowels
 * it gives are one of these (without tone, lower case). */
static const char *const nuclei[] = {
    "a",   "ă",   "â",   "e",   "ê",   "i",   "o",   "ô",   "ơ",   "u",   "ư",  "y",  "ai", "ao",
    "au",  "ay",  "âu",  "ây",  "eo",  "êu",  "ia",  "iê",  "iu",  "oa",  "oă", "oe", "oi", "ôi",
    "ơi",  "ua",  "uâ",  "uê",  "ui",  "uô",  "uơ",  "ươ",  "ưa",  "ưi",  "ưu", "uy", "yê", "iêu",
    "yêu", "oai", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu"};

/* One letter of a word. */
typedef struct letter {
    char base;    /* 'a'..'z' */
    uint8_t mark; /* hl_mark_t */
    bool upper;   /* upper case */
} letter_t;

/* The last word of the text, parsed. */
typedef struct word {
    size_t at;                           /* its first byte in the text */
    int n;                               /* letters */
    letter_t l[HL_COMPOSE_WORD_MAX + 1]; /* the letters (one more: a key appended) */
    hl_tone_t tone;                      /* the syllable's tone, wherever it was written */
    int on;                              /* onset letters: l[0..on) */
    int nu;                              /* nucleus letters: l[on..on+nu); the final after */
    bool ok;                             /* a plausible Vietnamese syllable (or empty) */
} word_t;

/* What apply_mark and apply_tone did. */
enum { APPLY_NONE, APPLY_DONE, APPLY_ALREADY };

/* ---- UTF-8 ------------------------------------------------------------- */

/* Decodes the code point at s (n bytes available) into *cp: its length, or
 * 0 when the bytes are not valid UTF-8 (overlong, surrogate, > U+10FFFF). */
static size_t utf8_get(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = u[0] < 0x80 ? 1 : u[0] < 0xC2 ? 0 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    if (len == 0 || len > n || u[0] > 0xF4) return 0;
    uint32_t v = len == 1 ? u[0] : u[0] & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (u[i] & 0x3Fu);
    }
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < least[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Writes cp as UTF-8 to out (4 bytes of room): its length. */
static size_t utf8_put(uint32_t cp, char *out)
{
    static const unsigned char lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
    size_t len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (size_t i = len; i-- > 1; cp >>= 6)
        out[i] = (char)(0x80 | (cp & 0x3F));
    out[0] = (char)(len == 1 ? cp : lead[len] | cp);
    return len;
}

/* Code points in s[0..n). */
static size_t utf8_count(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* The start of the code point that ends at text[end]. */
static size_t utf8_back(const char *text, size_t end)
{
    while (end > 0 && ((unsigned char)text[--end] & 0xC0) == 0x80)
        ;
    return end;
}

/* ---- Letters ----------------------------------------------------------- */

/* The upper case of a lower-case Vietnamese letter. */
static uint32_t upper_of(uint32_t lower)
{
    return lower < 0x100 ? lower - 0x20 : lower - 1;
}

/* Reads cp as a letter (its tone into *tone): false for anything else. */
static bool letter_read(uint32_t cp, letter_t *l, hl_tone_t *tone)
{
    *tone = HL_TONE_NONE;
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') {
        *l = (letter_t){(char)(cp | 0x20), HL_MARK_NONE, cp < 'a'};
        return true;
    }
    if (cp == CP_D_BAR || cp == CP_D_BAR - 1) {
        *l = (letter_t){'d', HL_MARK_DBAR, cp != CP_D_BAR};
        return true;
    }
    for (int v = 0; v < 12; v++)
        for (int t = 0; t < HL_TONE_COUNT; t++) {
            if (cp != vowel_cp[v][t] && cp != upper_of(vowel_cp[v][t])) continue;
            *l = (letter_t){vowels[v].base, vowels[v].mark, cp != vowel_cp[v][t]};
            *tone = (hl_tone_t)t;
            return true;
        }
    return false;
}

/* The code point of letter l carrying tone t (t only on a vowel). */
static uint32_t letter_cp(letter_t l, hl_tone_t t)
{
    uint32_t cp = (uint32_t)l.base;
    if (l.mark == HL_MARK_DBAR) cp = CP_D_BAR;
    for (int v = 0; v < 12; v++)
        if (vowels[v].base == l.base && vowels[v].mark == l.mark) cp = vowel_cp[v][t];
    return l.upper ? upper_of(cp) : cp;
}

static bool is_vowel(char base)
{
    return base && strchr("aeiouy", base) != NULL;
}

/* Whether the bases of l[from..to) spell one of list's n strings. */
static bool spells(const letter_t *l, int from, int to, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *s = list[k];
        int i = from;
        while (i < to && *s && *s == l[i].base) {
            i++;
            s++;
        }
        if (i == to && !*s) return true;
    }
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Words ------------------------------------------------------------- */

/* Splits w's letters into onset, nucleus and final and says whether they
 * make a plausible syllable (hl_compose.h). */
static void word_parse(word_t *w)
{
    const letter_t *l = w->l;
    int n = w->n, on = 0;
    w->ok = n <= HL_COMPOSE_WORD_MAX;
    for (int i = 0; i < n; i++)
        if (strchr("fjwz", l[i].base) || (l[i].mark == HL_MARK_DBAR && i > 0)) w->ok = false;
    if (n >= 2 && l[0].base == 'q' && l[1].base == 'u')
        on = 2; /* qu: the u belongs to the onset */
    else if (n >= 3 && l[0].base == 'g' && l[1].base == 'i' && is_vowel(l[2].base))
        on = 2; /* gi before a vowel: gia, giữ; alone, the i is the vowel: gì, gìn */
    else {
        while (on < n && !is_vowel(l[on].base))
            on++;
        if (!spells(l, 0, on, onsets, COUNT(onsets))) w->ok = false;
    }
    int nu = 0;
    while (on + nu < n && is_vowel(l[on + nu].base))
        nu++;
    if (nu > 0 && !spells(l, on, on + nu, clusters, COUNT(clusters))) w->ok = false;
    if (on + nu < n && (nu == 0 || !spells(l, on + nu, n, finals, COUNT(finals)))) w->ok = false;
    if (nu == 0 && w->tone != HL_TONE_NONE) w->ok = false; /* "qú": a tone with no vowel */
    w->on = on;
    w->nu = nu;
}

/* Reads the last word of c's text (at most HL_COMPOSE_WORD_MAX + 1
 * letters: a longer one is not ok) and parses it. */
static void word_read(const hl_compose_t *c, word_t *w)
{
    size_t at = c->len;
    int tones = 0;
    letter_t rev[HL_COMPOSE_WORD_MAX + 1];
    w->n = 0;
    w->tone = HL_TONE_NONE;
    while (at > 0 && w->n <= HL_COMPOSE_WORD_MAX) {
        size_t start = utf8_back(c->text, at);
        uint32_t cp = 0;
        hl_tone_t t;
        if (!utf8_get(c->text + start, at - start, &cp) || !letter_read(cp, &rev[w->n], &t)) break;
        if (t != HL_TONE_NONE) {
            w->tone = t;
            tones++;
        }
        w->n++;
        at = start;
    }
    for (int i = 0; i < w->n; i++)
        w->l[i] = rev[w->n - 1 - i];
    w->at = at;
    word_parse(w);
    if (tones > 1) w->ok = false;
}

/* Where the tone goes: an index into w->l, -1 when there is no vowel. */
static int tone_place(const word_t *w, bool new_style)
{
    int a = w->on, n = w->nu, marked = -1;
    if (n == 0) return -1;
    for (int i = a; i < a + n; i++)
        if (w->l[i].mark != HL_MARK_NONE) marked = i; /* ươ: the ơ */
    if (marked >= 0) return marked;
    if (n == 1) return a;
    if (n == 3 || a + n < w->n) return a + 1; /* ngoài; hoàn, toán, huỳnh */
    static const char *const second[] = {"oa", "oe", "uy"};
    if (new_style && spells(w->l, a, a + n, second, COUNT(second))) return a + 1; /* hoà */
    return a; /* mái, mía, hòa */
}

/* Renders w (its tone placed by the rules) to out: the bytes written. */
static size_t word_render(const word_t *w, bool new_style, char *out)
{
    int at = tone_place(w, new_style);
    size_t len = 0;
    for (int i = 0; i < w->n; i++)
        len += utf8_put(letter_cp(w->l[i], i == at ? w->tone : HL_TONE_NONE), out + len);
    return len;
}

/* Whether w's nucleus, rendered plain, is one of nuclei[]. */
static bool nucleus_valid(const word_t *w)
{
    char s[4 * HL_COMPOSE_WORD_MAX + 1];
    size_t len = 0;
    for (int i = w->on; i < w->on + w->nu; i++)
        len += utf8_put(letter_cp((letter_t){w->l[i].base, w->l[i].mark, false}, HL_TONE_NONE),
                        s + len);
    s[len] = '\0';
    for (size_t k = 0; k < COUNT(nuclei); k++)
        if (!strcmp(s, nuclei[k])) return true;
    return false;
}

/* The final's letters are a stop (c ch p t): only sắc and nặng go there. */
static bool final_is_stop(const word_t *w)
{
    static const char *const stops[] = {"c", "ch", "p", "t"};
    return spells(w->l, w->on + w->nu, w->n, stops, COUNT(stops));
}

/* Puts tone t on w. APPLY_ALREADY when it has it, APPLY_NONE when it
 * cannot take it (no vowel, a stop final, no tone to take off). */
static int apply_tone(word_t *w, hl_tone_t t)
{
    if (!w->ok || w->nu == 0) return APPLY_NONE;
    if (t == HL_TONE_NONE) {
        if (w->tone == HL_TONE_NONE) return APPLY_NONE;
    } else if (w->tone == t) {
        w->tone = HL_TONE_NONE; /* the key twice: the tone goes, the letter comes */
        return APPLY_ALREADY;
    } else if (final_is_stop(w) && t != HL_TONE_SAC && t != HL_TONE_NANG) {
        return APPLY_NONE;
    }
    w->tone = t;
    return APPLY_DONE;
}

/* Sets letter i's mark to m; an o after u takes the u along (ươ, uô). */
static void mark_set(word_t *w, int i, hl_mark_t m)
{
    w->l[i].mark = (uint8_t)m;
    if (w->l[i].base == 'o' && i > w->on && w->l[i - 1].base == 'u')
        w->l[i - 1].mark = (uint8_t)(m == HL_MARK_HORN ? HL_MARK_HORN : HL_MARK_NONE);
}

/* The mark that mark key m puts on a vowel of this base, HL_MARK_NONE when
 * the vowel takes none. The Telex w (w_key) is a breve on a, a horn on o
 * and u. */
static hl_mark_t mark_for(hl_mark_t m, bool w_key, char base)
{
    if (w_key) return base == 'a' ? HL_MARK_BREVE : mark_for(HL_MARK_HORN, false, base);
    static const char *const takes[] = {
        [HL_MARK_CIRCUMFLEX] = "aeo", [HL_MARK_BREVE] = "a", [HL_MARK_HORN] = "ou"};
    return m <= HL_MARK_HORN && takes[m] && strchr(takes[m], base) ? m : HL_MARK_NONE;
}

/* Puts mark m on w's vowels or, for HL_MARK_DBAR, on its first d. only:
 * just on the word's last letter, when it is of that base (Telex aa ee oo:
 * the vowel doubled, so that "data" stays); 0: any vowel. w_key: the Telex
 * w, a breve or a horn. only_first_letter: đ only when the word is that d
 * alone (Telex dd). APPLY_ALREADY, the mark taken off again, when the letter
 * it would go on has it (the key twice). */
static int apply_mark(word_t *w, hl_mark_t m, char only, bool w_key, bool only_first_letter)
{
    if (!w->ok) return APPLY_NONE;
    if (m == HL_MARK_DBAR) {
        if (w->n == 0 || w->l[0].base != 'd' || (only_first_letter && w->n != 1)) return APPLY_NONE;
        bool had = w->l[0].mark == HL_MARK_DBAR;
        w->l[0].mark = had ? HL_MARK_NONE : HL_MARK_DBAR;
        return had ? APPLY_ALREADY : APPLY_DONE;
    }
    int a = w->on, end = w->on + w->nu;
    if (m == HL_MARK_HORN || w_key) { /* uo: both letters (ươ) */
        for (int i = a + 1; i < end; i++) {
            if (w->l[i - 1].base != 'u' || w->l[i].base != 'o') continue;
            if (w->l[i - 1].mark == HL_MARK_HORN && w->l[i].mark == HL_MARK_HORN) {
                mark_set(w, i, HL_MARK_NONE);
                return APPLY_ALREADY;
            }
            mark_set(w, i, HL_MARK_HORN);
            return APPLY_DONE;
        }
    }
    /* Circumflex from the last vowel back (uô, iê), horn and breve from the
     * first on (ưa, ưu, oă). */
    bool backwards = m == HL_MARK_CIRCUMFLEX;
    for (int k = 0; k < end - a; k++) {
        int i = backwards ? end - 1 - k : a + k;
        hl_mark_t want = mark_for(m, w_key, w->l[i].base);
        if (want == HL_MARK_NONE || (only && (w->l[i].base != only || i != w->n - 1))) continue;
        if (w->l[i].mark == want) {
            mark_set(w, i, HL_MARK_NONE);
            return APPLY_ALREADY;
        }
        word_t trial = *w;
        mark_set(&trial, i, want);
        if (nucleus_valid(&trial)) {
            *w = trial;
            return APPLY_DONE;
        }
    }
    return APPLY_NONE;
}

/* ---- The text ---------------------------------------------------------- */

/* Replaces the text from byte at on with rep[0..n), recording the change
 * for backspace. HL_ERR_FULL, text unchanged, when over the limits. */
static int text_replace(hl_compose_t *c, size_t at, const char *rep, size_t n)
{
    size_t old = c->len - at;
    size_t chars = c->chars - utf8_count(c->text + at, old) + utf8_count(rep, n);
    if (at + n > HL_COMPOSE_MAX_BYTES || chars > c->max_chars) return HL_ERR_FULL;
    hl_compose_undo_t *u = &c->undo[c->undo_top];
    if (old > sizeof u->old) return HL_ERR_INTERNAL;
    u->at = (uint16_t)at;
    u->len_after = (uint16_t)(at + n);
    u->old_len = (uint8_t)old;
    memcpy(u->old, c->text + at, old);
    c->undo_top = (c->undo_top + 1) % HL_COMPOSE_UNDO;
    if (c->undo_n < HL_COMPOSE_UNDO) c->undo_n++;
    memcpy(c->text + at, rep, n);
    c->len = at + n;
    c->chars = chars;
    c->text[c->len] = '\0';
    return HL_OK;
}

/* Renders w in place of the last word, then the key cp when key. */
static int word_write(hl_compose_t *c, const word_t *w, bool key, uint32_t cp)
{
    char buf[4 * (HL_COMPOSE_WORD_MAX + 2)];
    size_t n = word_render(w, c->new_style, buf);
    if (key) n += utf8_put(cp, buf + n);
    return text_replace(c, w->at, buf, n);
}

/* Appends cp as it is. */
static int text_append(hl_compose_t *c, uint32_t cp)
{
    char buf[4];
    return text_replace(c, c->len, buf, utf8_put(cp, buf));
}

void hl_compose_init(hl_compose_t *c, hl_compose_method_t m, bool new_style, size_t max_chars)
{
    memset(c, 0, sizeof *c);
    c->method = m;
    c->new_style = new_style;
    c->max_chars =
        max_chars == 0 || max_chars > HL_COMPOSE_MAX_CHARS ? HL_COMPOSE_MAX_CHARS : max_chars;
}

const char *hl_compose_text(const hl_compose_t *c)
{
    return c->text;
}

/* Checks s (len bytes) is valid UTF-8: true, or false with *bad the offset
 * of the first byte that is not. */
static bool utf8_valid(const char *s, size_t len, size_t *bad)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_get(s + i, len - i, &cp);
        if (n == 0) {
            *bad = i;
            return false;
        }
        i += n;
    }
    return true;
}

/* Feeds keys (len bytes of valid UTF-8) to c one code point at a time;
 * on a refused key, its code point and byte offset into *cp and *at. */
static int keys_feed(hl_compose_t *c, const char *keys, size_t len, uint32_t *cp, size_t *at)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_get(keys + i, len - i, cp);
        int rc = hl_compose_key(c, *cp);
        if (rc != HL_OK) {
            *at = i;
            return rc;
        }
        i += n;
    }
    return HL_OK;
}

int hl_compose_set_text(hl_compose_t *c, const char *text)
{
    size_t len = strlen(text), at;
    uint32_t cp;
    if (!utf8_valid(text, len, &at)) return HL_ERR_INVALID;
    /* Typed as it is into a scratch composer: the text is held to the same
     * rules (NFC, the limits), and c stays as it was on failure. */
    hl_compose_t t;
    hl_compose_init(&t, HL_COMPOSE_NONE, c->new_style, c->max_chars);
    int rc = keys_feed(&t, text, len, &cp, &at);
    if (rc != HL_OK) return rc;
    memcpy(c->text, t.text, t.len + 1);
    c->len = t.len;
    c->chars = t.chars;
    c->undo_n = 0;
    return HL_OK;
}

/* ---- Keys -------------------------------------------------------------- */

/* Whether the text may hold cp: no controls but tab and line feed, no
 * non-characters (surrogates never decode). */
static bool cp_allowed(uint32_t cp)
{
    if (cp < 0x20) return cp == '\t' || cp == '\n';
    if (cp >= 0x7F && cp < 0xA0) return false;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    return !((cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF));
}

/* Whether cp is a combining mark (the blocks NFC would compose or keep). */
static bool cp_combining(uint32_t cp)
{
    return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
           (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* A combining Vietnamese tone or mark joins the letter before it. */
static int key_combining(hl_compose_t *c, uint32_t cp)
{
    static const uint32_t tone_cp[HL_TONE_COUNT] = {0, 0x301, 0x300, 0x309, 0x303, 0x323};
    size_t at = utf8_back(c->text, c->len);
    uint32_t last = 0;
    letter_t l;
    hl_tone_t t = HL_TONE_NONE, tone;
    if (c->len == 0 || !utf8_get(c->text + at, c->len - at, &last) || !letter_read(last, &l, &tone))
        return HL_ERR_INVALID;
    for (int k = 1; k < HL_TONE_COUNT; k++)
        if (cp == tone_cp[k]) t = (hl_tone_t)k;
    hl_mark_t m = cp == 0x302   ? HL_MARK_CIRCUMFLEX
                  : cp == 0x306 ? HL_MARK_BREVE
                  : cp == 0x31B ? HL_MARK_HORN
                                : HL_MARK_NONE;
    if (t != HL_TONE_NONE && is_vowel(l.base) && tone == HL_TONE_NONE)
        tone = t;
    else if (m != HL_MARK_NONE && l.mark == HL_MARK_NONE && mark_for(m, false, l.base) == m)
        l.mark = (uint8_t)m;
    else
        return HL_ERR_INVALID;
    char buf[4];
    return text_replace(c, at, buf, utf8_put(letter_cp(l, tone), buf));
}

/* What a key of method m does: a tone (*tone), a mark (*mark, with
 * *only the base it goes on and *w_key for Telex w), or nothing (false). */
static bool key_action(hl_compose_method_t m, uint32_t cp, hl_tone_t *tone, hl_mark_t *mark,
                       char *only, bool *w_key)
{
    static const char telex_tones[] = "zsfrxj", vni_marks[] = "6789";
    static const hl_mark_t vni_mark[] = {HL_MARK_CIRCUMFLEX, HL_MARK_HORN, HL_MARK_BREVE,
                                         HL_MARK_DBAR};
    *tone = HL_TONE_COUNT;
    *mark = HL_MARK_NONE;
    *only = 0;
    *w_key = false;
    char k = cp < 0x80 ? (char)(cp | ((cp >= 'A' && cp <= 'Z') ? 0x20 : 0)) : 0;
    const char *p = k ? strchr(telex_tones, k) : NULL;
    if (m == HL_COMPOSE_TELEX && p) {
        *tone = (hl_tone_t)(p - telex_tones);
    } else if (m == HL_COMPOSE_TELEX && k && strchr("aeo", k)) {
        *mark = HL_MARK_CIRCUMFLEX;
        *only = k;
    } else if (m == HL_COMPOSE_TELEX && k && strchr("wd", k)) {
        *mark = k == 'w' ? HL_MARK_HORN : HL_MARK_DBAR;
        *w_key = k == 'w';
    } else if (m == HL_COMPOSE_VNI && k >= '0' && k <= '5') {
        *tone = (hl_tone_t)(k - '0');
    } else if (m == HL_COMPOSE_VNI && k && (p = strchr(vni_marks, k)) != NULL) {
        *mark = vni_mark[p - vni_marks];
    } else {
        return false;
    }
    return true;
}

int hl_compose_key(hl_compose_t *c, uint32_t cp)
{
    if (!cp_allowed(cp)) return HL_ERR_INVALID;
    if (cp_combining(cp)) return key_combining(c, cp);
    if (c->method == HL_COMPOSE_NONE) return text_append(c, cp);
    word_t w;
    word_read(c, &w);
    hl_tone_t tone;
    hl_mark_t mark;
    char only;
    bool w_key;
    if (key_action(c->method, cp, &tone, &mark, &only, &w_key)) {
        int r = tone != HL_TONE_COUNT
                    ? apply_tone(&w, tone)
                    : apply_mark(&w, mark, only, w_key, c->method == HL_COMPOSE_TELEX);
        if (r != APPLY_NONE) return word_write(c, &w, r == APPLY_ALREADY, cp);
    }
    /* A letter: the word re-rendered with it when that is still a syllable
     * (its tone moves: hòa + n gives hoàn), else the key as it is. */
    hl_tone_t t;
    if (w.ok && w.n < HL_COMPOSE_WORD_MAX && letter_read(cp, &w.l[w.n], &t) && t == HL_TONE_NONE) {
        w.n++;
        word_parse(&w);
        for (int i = w.on + 1; i < w.on + w.nu && i < w.n - 1; i++) /* ưo + n: ươn */
            if (w.l[i - 1].base == 'u' && w.l[i - 1].mark == HL_MARK_HORN && w.l[i].base == 'o' &&
                w.l[i].mark == HL_MARK_NONE)
                w.l[i].mark = HL_MARK_HORN;
        if (w.ok) return word_write(c, &w, false, 0);
    }
    return text_append(c, cp);
}

int hl_compose_backspace(hl_compose_t *c)
{
    if (c->len == 0) return HL_ERR_STATE;
    size_t last = (c->undo_top + HL_COMPOSE_UNDO - 1) % HL_COMPOSE_UNDO;
    if (c->undo_n > 0 && c->undo[last].len_after == c->len) {
        const hl_compose_undo_t *u = &c->undo[last];
        c->chars =
            c->chars - utf8_count(c->text + u->at, c->len - u->at) + utf8_count(u->old, u->old_len);
        memcpy(c->text + u->at, u->old, u->old_len);
        c->len = u->at + (size_t)u->old_len;
        c->undo_top = last;
        c->undo_n--;
    } else {
        c->undo_n = 0;
        c->len = utf8_back(c->text, c->len);
        c->chars--;
    }
    c->text[c->len] = '\0';
    return HL_OK;
}

int hl_compose_tone(hl_compose_t *c, hl_tone_t t)
{
    if ((int)t < 0 || t >= HL_TONE_COUNT) return HL_ERR_USAGE;
    word_t w;
    word_read(c, &w);
    if (!w.ok || w.nu == 0) return HL_ERR_STATE;
    int r = apply_tone(&w, t);
    if (r == APPLY_ALREADY || (r == APPLY_NONE && t == HL_TONE_NONE)) return HL_OK;
    return r == APPLY_DONE ? word_write(c, &w, false, 0) : HL_ERR_STATE;
}

int hl_compose_mark(hl_compose_t *c, hl_mark_t m)
{
    if (m <= HL_MARK_NONE || m > HL_MARK_DBAR) return HL_ERR_USAGE;
    word_t w;
    word_read(c, &w);
    int r = apply_mark(&w, m, 0, false, false);
    if (r == APPLY_ALREADY) return HL_OK; /* the mark stays */
    return r == APPLY_DONE ? word_write(c, &w, false, 0) : HL_ERR_STATE;
}

/* ---- Whole strings ----------------------------------------------------- */

int hl_compose_string(hl_compose_method_t m, bool new_style, const char *keys, char *out,
                      size_t outsz, hl_err_t *err)
{
    size_t len = strlen(keys), at;
    uint32_t cp = 0;
    if (!utf8_valid(keys, len, &at))
        return hl_err_set(err, HL_ERR_INVALID, "invalid UTF-8 at byte %zu", at);
    hl_compose_t c;
    hl_compose_init(&c, m, new_style, HL_COMPOSE_MAX_CHARS);
    int rc = keys_feed(&c, keys, len, &cp, &at);
    if (rc == HL_ERR_FULL)
        return hl_err_set(err, rc, "the text passes %d characters at byte %zu",
                          HL_COMPOSE_MAX_CHARS, at);
    if (rc != HL_OK)
        return hl_err_set(err, rc, "U+%04X at byte %zu cannot be typed (%s)", (unsigned)cp, at,
                          cp_combining(cp) ? "a combining mark that joins no letter"
                                           : "a control character or non-character");
    if (c.len + 1 > outsz)
        return hl_err_set(err, HL_ERR_FULL, "the text (%zu bytes) does not fit %zu bytes", c.len,
                          outsz);
    memcpy(out, c.text, c.len + 1);
    return HL_OK;
}

bool hl_compose_method_parse(const char *name, hl_compose_method_t *out)
{
    static const char *const names[] = {"none", "telex", "vni"};
    for (size_t i = 0; i < COUNT(names); i++)
        if (!strcasecmp(name, names[i])) {
            *out = (hl_compose_method_t)i;
            return true;
        }
    return false;
}
