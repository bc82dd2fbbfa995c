/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_say.c: numbers, digits, times and dates as words, and a text cleaned
 * of what espeak-ng would spell out (hl_say.h says the rules). Everything
 * is written through a bounded writer into the caller's buffer; a result
 * that does not fit is an error, never a cut text.
 */
#include "hl_say.h"

#include "hl_err.h"

#include <stdbool.h>
#include <string.h>

/* The caller's buffer being written. */
typedef struct say_out {
    char *p;     /* the buffer */
    size_t size; /* its bytes */
    size_t len;  /* bytes written, without the NUL */
    bool full;   /* something did not fit: the result is an error */
    bool glue;   /* the last thing written was a made word: a letter next needs a space */
} say_out_t;

static void out_init(say_out_t *o, char *p, size_t size)
{
    o->p = p;
    o->size = size;
    o->len = 0;
    o->full = size == 0;
    o->glue = false;
    if (size) p[0] = '\0';
}

static void out_raw(say_out_t *o, const char *s, size_t n)
{
    if (o->full) return;
    if (n >= o->size - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static char out_last(const say_out_t *o)
{
    return o->len ? o->p[o->len - 1] : '\0';
}

static void out_space(say_out_t *o)
{
    char c = out_last(o);
    if (c && c != ' ') out_raw(o, " ", 1);
    o->glue = false;
}

/* A made word, set apart from what is before it. */
static void out_word(say_out_t *o, const char *w)
{
    char c = out_last(o);
    if (c && c != ' ' && c != '(') out_raw(o, " ", 1);
    out_raw(o, w, strlen(w));
    o->glue = true;
}

/* A pause: a comma after a word (none at the start or after punctuation). */
static void out_pause(say_out_t *o)
{
    while (o->len && o->p[o->len - 1] == ' ')
        o->p[--o->len] = '\0';
    char c = out_last(o);
    if (c && !strchr(".,;:!?(", c)) out_raw(o, ",", 1);
    out_space(o);
}

/* Text copied from the input; a letter right after a made word is set apart. */
static void out_text(say_out_t *o, const char *s, size_t n, bool letter)
{
    if (letter && o->glue) out_raw(o, " ", 1);
    out_raw(o, s, n);
    o->glue = false;
}

static int out_end(say_out_t *o)
{
    while (o->len && o->p[o->len - 1] == ' ')
        o->p[--o->len] = '\0';
    if (!o->full) return HL_OK;
    if (o->size) o->p[0] = '\0';
    return HL_ERR_FULL;
}

/* ---- Numbers ------------------------------------------------------------ */

static const char *const vi_digit[10] = {"không", "một", "hai", "ba",  "bốn",
                                         "năm",   "sáu", "bảy", "tám", "chín"};
static const char *const en_digit[20] = {"zero",    "one",     "two",       "three",    "four",
                                         "five",    "six",     "seven",     "eight",    "nine",
                                         "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                         "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *const en_tens[10] = {"",      "",      "twenty",  "thirty", "forty",
                                        "fifty", "sixty", "seventy", "eighty", "ninety"};

/* One group of three digits g (1..999); leading: the number's first group,
 * read short ("năm", not "không trăm linh năm"). */
static void vi_group(say_out_t *o, unsigned g, bool leading)
{
    unsigned h = g / 100, t = g / 10 % 10, u = g % 10;
    bool hundreds = h || !leading;
    if (hundreds) {
        out_word(o, vi_digit[h]);
        out_word(o, "trăm");
    }
    if (t == 0) {
        if (u && hundreds) out_word(o, "linh");
        if (u) out_word(o, vi_digit[u]);
    } else if (t == 1) {
        out_word(o, "mười");
        if (u) out_word(o, u == 5 ? "lăm" : vi_digit[u]);
    } else {
        out_word(o, vi_digit[t]);
        out_word(o, "mươi");
        if (u) out_word(o, u == 1 ? "mốt" : u == 4 ? "tư" : u == 5 ? "lăm" : vi_digit[u]);
    }
}

/* v below a billion, groups of zeros skipped. */
static void vi_millions(say_out_t *o, uint64_t v, bool leading)
{
    static const char *const scale[3] = {"triệu", "nghìn", NULL};
    const uint64_t div[3] = {1000000, 1000, 1};
    for (int k = 0; k < 3; k++) {
        unsigned g = (unsigned)(v / div[k] % 1000);
        if (!g) continue;
        vi_group(o, g, leading);
        if (scale[k]) out_word(o, scale[k]);
        leading = false;
    }
}

/* v > 0: above a billion, the count of billions read the same way ("một
 * nghìn tỷ", "một tỷ tỷ"), then the rest. */
static void vi_number(say_out_t *o, uint64_t v, bool leading)
{
    if (v >= 1000000000) {
        vi_number(o, v / 1000000000, leading);
        out_word(o, "tỷ");
        if (v % 1000000000) vi_millions(o, v % 1000000000, false);
    } else {
        vi_millions(o, v, leading);
    }
}

static void en_below_100(say_out_t *o, unsigned r)
{
    if (r < 20) {
        out_word(o, en_digit[r]);
        return;
    }
    out_word(o, en_tens[r / 10]);
    if (r % 10) {
        out_raw(o, "-", 1);
        out_raw(o, en_digit[r % 10], strlen(en_digit[r % 10]));
    }
}

static void en_group(say_out_t *o, unsigned g)
{
    if (g >= 100) {
        out_word(o, en_digit[g / 100]);
        out_word(o, "hundred");
        if (g % 100) out_word(o, "and");
    }
    if (g % 100) en_below_100(o, g % 100);
}

static void en_number(say_out_t *o, uint64_t v)
{
    static const char *const scale[6] = {"quintillion", "quadrillion", "trillion",
                                         "billion",     "million",     "thousand"};
    uint64_t div = 1000000000000000000ULL;
    bool before = false;
    for (int k = 0; k < 6; k++, div /= 1000) {
        unsigned g = (unsigned)(v / div % 1000);
        if (!g) continue;
        en_group(o, g);
        out_word(o, scale[k]);
        before = true;
    }
    unsigned last = (unsigned)(v % 1000);
    if (last && before && last < 100) out_word(o, "and");
    if (last) en_group(o, last);
}

static void say_number(say_out_t *o, hl_lang_t lang, int64_t v)
{
    uint64_t m = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    if (v < 0) out_word(o, lang == HL_LANG_VI ? "âm" : "minus");
    if (m == 0)
        out_word(o, lang == HL_LANG_VI ? vi_digit[0] : en_digit[0]);
    else if (lang == HL_LANG_VI)
        vi_number(o, m, true);
    else
        en_number(o, m);
}

static const char *digit_word(hl_lang_t lang, char c)
{
    return lang == HL_LANG_VI ? vi_digit[c - '0'] : en_digit[c - '0'];
}

int hl_say_number(hl_lang_t lang, int64_t v, char *out, size_t size)
{
    say_out_t o;
    out_init(&o, out, size);
    if (lang < 0 || lang >= HL_LANG_COUNT) {
        out_end(&o);
        return HL_ERR_USAGE;
    }
    say_number(&o, lang, v);
    return out_end(&o);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t digit_run(const char *t, size_t i)
{
    size_t n = 0;
    while (is_digit(t[i + n]))
        n++;
    return n;
}

static bool digit_sep(char c)
{
    return c == ' ' || c == '-' || c == '.';
}

/* Reads t[i..end) digit by digit: '+' first "cộng", a separator a pause. */
static void say_digit_span(say_out_t *o, hl_lang_t lang, const char *t, size_t i, size_t end)
{
    for (; i < end; i++) {
        if (t[i] == '+')
            out_word(o, lang == HL_LANG_VI ? "cộng" : "plus");
        else if (is_digit(t[i]))
            out_word(o, digit_word(lang, t[i]));
        else if (i > 0 && !digit_sep(t[i - 1]))
            out_pause(o);
    }
}

int hl_say_digits(hl_lang_t lang, const char *digits, char *out, size_t size)
{
    say_out_t o;
    out_init(&o, out, size);
    if (lang < 0 || lang >= HL_LANG_COUNT || !digits) {
        out_end(&o);
        return HL_ERR_USAGE;
    }
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) {
        char c = digits[i];
        if (!is_digit(c) && !(c == '+' && i == 0) &&
            !(digit_sep(c) && i > 0 && i + 1 < n && is_digit(digits[i + 1]))) {
            out_end(&o);
            if (size) out[0] = '\0';
            return HL_ERR_INVALID;
        }
    }
    say_digit_span(&o, lang, digits, 0, n);
    return out_end(&o);
}

/* ---- Text --------------------------------------------------------------- */

static uint32_t utf8_decode(const char *s, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *n = 1;
        return u[0];
    }
    size_t k = u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    uint32_t cp = u[0] & (0x7Fu >> k);
    for (size_t j = 1; j < k; j++)
        cp = (cp << 6) | (u[j] & 0x3Fu);
    *n = k;
    return cp;
}

static bool is_ascii_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Latin and Vietnamese letters, and the combining marks of decomposed text. */
static bool is_letter(uint32_t cp)
{
    if (cp < 0x80) return is_ascii_letter((char)cp);
    return (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
           (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1E00 && cp <= 0x1EFF);
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static bool is_dash(uint32_t cp)
{
    return cp == '-' || cp == 0x2010 || cp == 0x2013 || cp == 0x2014 || cp == 0x2212;
}

static bool blank(char c)
{
    return !c || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool letter_at(const char *t, size_t i)
{
    size_t n;
    return t[i] && is_letter(utf8_decode(t + i, &n));
}

/* The letter before byte i (walking back over a UTF-8 sequence). */
static bool letter_before(const char *t, size_t i)
{
    if (i == 0) return false;
    size_t k = i - 1;
    while (k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80)
        k--;
    return letter_at(t, k);
}

/* The value of n digits at t[i] (n <= 18). */
static int64_t digits_value(const char *t, size_t i, size_t n)
{
    int64_t v = 0;
    for (size_t k = 0; k < n; k++)
        v = v * 10 + (t[i + k] - '0');
    return v;
}

/* After a number ending at t[j]: spaces, a dash, spaces, a digit? Then the
 * digit's index, else 0. */
static size_t range_next(const char *t, size_t j)
{
    while (t[j] == ' ')
        j++;
    size_t n;
    if (!t[j] || !is_dash(utf8_decode(t + j, &n))) return 0;
    j += n;
    while (t[j] == ' ')
        j++;
    return is_digit(t[j]) ? j : 0;
}

/* The end of a phone-like span from i: digits, then groups of two or more
 * digits after single separators. */
static size_t digit_span_end(const char *t, size_t i)
{
    size_t j = i + (t[i] == '+') + digit_run(t, i + (t[i] == '+'));
    while (digit_sep(t[j]) && digit_run(t, j + 1) >= 2)
        j += 1 + digit_run(t, j + 1);
    return j;
}

/* A time H:MM (or, in Vietnamese, 7h30, 7h) at i: *end past it. */
static bool time_at(hl_lang_t lang, const char *t, size_t i, int *h, int *m, size_t *end)
{
    size_t d = digit_run(t, i), j = i + d;
    if (d < 1 || d > 2) return false;
    *h = (int)digits_value(t, i, d);
    if (t[j] == ':' && digit_run(t, j + 1) == 2 && !(t[j + 3] == ':' && is_digit(t[j + 4]))) {
        *m = (int)digits_value(t, j + 1, 2);
        *end = j + 3;
    } else if (lang == HL_LANG_VI && t[j] == 'h' && digit_run(t, j + 1) == 2 &&
               !letter_at(t, j + 3)) {
        *m = (int)digits_value(t, j + 1, 2);
        *end = j + 3;
    } else if (lang == HL_LANG_VI && t[j] == 'h' && !letter_at(t, j + 1) && !is_digit(t[j + 1])) {
        *m = 0;
        *end = j + 1;
    } else {
        return false;
    }
    return *h <= 24 && *m <= 59;
}

static void say_time(say_out_t *o, hl_lang_t lang, int h, int m)
{
    if (lang == HL_LANG_EN && m == 0 && (h == 0 || h == 24)) {
        out_word(o, "midnight");
        return;
    }
    say_number(o, lang, h);
    if (lang == HL_LANG_VI) {
        out_word(o, "giờ");
        if (m) say_number(o, lang, m);
        if (m && m < 10) out_word(o, "phút");
    } else if (m == 0) {
        out_word(o, h > 12 ? "hundred" : "o'clock"); /* 17:00 "seventeen hundred" */
    } else {
        if (m < 10) out_word(o, "oh");
        say_number(o, lang, m);
    }
}

/* A date D/M/YYYY (or with '-' or '.', the same twice) at i. */
static bool date_at(const char *t, size_t i, int *d, int *m, int *y, size_t *end)
{
    size_t a = digit_run(t, i), j = i + a;
    char sep = t[j];
    if (a < 1 || a > 2 || (sep != '/' && sep != '-' && sep != '.')) return false;
    size_t b = digit_run(t, j + 1), k = j + 1 + b;
    if (b < 1 || b > 2 || t[k] != sep || digit_run(t, k + 1) != 4) return false;
    *d = (int)digits_value(t, i, a);
    *m = (int)digits_value(t, j + 1, b);
    *y = (int)digits_value(t, k + 1, 4);
    *end = k + 5;
    return *d >= 1 && *d <= 31 && *m >= 1 && *m <= 12;
}

/* Whether what is written ends with word (ASCII letters compared without case). */
static bool out_ends_with(const say_out_t *o, const char *word)
{
    size_t n = strlen(word), len = o->len;
    while (len && o->p[len - 1] == ' ')
        len--;
    if (len < n) return false;
    const char *s = o->p + len - n;
    for (size_t k = 0; k < n; k++) {
        char a = s[k], b = word[k];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != b) return false;
    }
    return len == n || o->p[len - n - 1] == ' ' || o->p[len - n - 1] == '(';
}

static void en_ordinal(say_out_t *o, int n)
{
    static const char *const small[20] = {"",          "first",       "second",     "third",
                                          "fourth",    "fifth",       "sixth",      "seventh",
                                          "eighth",    "ninth",       "tenth",      "eleventh",
                                          "twelfth",   "thirteenth",  "fourteenth", "fifteenth",
                                          "sixteenth", "seventeenth", "eighteenth", "nineteenth"};
    if (n < 20) {
        out_word(o, small[n]);
    } else if (n % 10 == 0) {
        out_word(o, n == 20 ? "twentieth" : "thirtieth");
    } else {
        out_word(o, en_tens[n / 10]);
        out_raw(o, "-", 1);
        out_raw(o, small[n % 10], strlen(small[n % 10]));
    }
}

static void say_date(say_out_t *o, hl_lang_t lang, int d, int m, int y)
{
    static const char *const month[12] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
    if (lang == HL_LANG_VI) {
        if (!out_ends_with(o, "ngày")) out_word(o, "ngày");
        say_number(o, lang, d);
        out_word(o, "tháng");
        if (m == 4)
            out_word(o, "tư");
        else
            say_number(o, lang, m);
        out_word(o, "năm");
        say_number(o, lang, y);
    } else {
        if (!out_ends_with(o, "the")) out_word(o, "the");
        en_ordinal(o, d);
        out_word(o, "of");
        out_word(o, month[m - 1]);
        out_raw(o, ",", 1);
        say_number(o, lang, y);
    }
}

/* English "1st" "2nd" "3rd" "4th" at i (n digits): read by espeak as written. */
static bool en_ordinal_at(const char *t, size_t i, size_t n)
{
    static const char *const suffix[4] = {"st", "nd", "rd", "th"};
    for (int k = 0; k < 4; k++) {
        const char *s = t + i + n;
        if ((s[0] | 0x20) == suffix[k][0] && (s[1] | 0x20) == suffix[k][1] && !letter_at(s, 2))
            return true;
    }
    return false;
}

/* A grouped number at i ("1.000.000" in Vietnamese, "1,000,000" in
 * English): its digits without separators into digits[], *end past it. */
static bool grouped_at(const char *t, size_t i, char thou, char digits[32], size_t *nd, size_t *end)
{
    size_t d = digit_run(t, i), j = i + d;
    if (d > 3 || t[j] != thou || digit_run(t, j + 1) != 3) return false;
    size_t n = 0;
    memcpy(digits, t + i, d);
    n = d;
    while (t[j] == thou && digit_run(t, j + 1) == 3 && n + 3 < 32) {
        memcpy(digits + n, t + j + 1, 3);
        n += 3;
        j += 4;
    }
    *nd = n;
    *end = j;
    return true;
}

/* Says the number, time, date or digits starting at t[i] (a digit, or '+'
 * before one); returns where the text goes on. */
static size_t say_numeric(say_out_t *o, hl_lang_t lang, const char *t, size_t i)
{
    bool vi = lang == HL_LANG_VI;
    size_t end, nd;
    int a, b, c;
    char digits[32];
    if (t[i] == '+') {
        end = digit_span_end(t, i);
        say_digit_span(o, lang, t, i, end);
        return end;
    }
    if (time_at(lang, t, i, &a, &b, &end)) {
        say_time(o, lang, a, b);
    } else if (date_at(t, i, &a, &b, &c, &end)) {
        say_date(o, lang, a, b, c);
    } else {
        size_t d = digit_run(t, i);
        if (grouped_at(t, i, vi ? '.' : ',', digits, &nd, &end)) {
            if (nd > 18)
                say_digit_span(o, lang, digits, 0, nd);
            else
                say_number(o, lang, digits_value(digits, 0, nd));
        } else if ((d >= 2 && t[i] == '0') || d > 9) {
            end = digit_span_end(t, i);
            say_digit_span(o, lang, t, i, end);
            return end;
        } else if (!vi && en_ordinal_at(t, i, d)) {
            out_text(o, t + i, d, true);
            return i + d;
        } else {
            say_number(o, lang, digits_value(t, i, d));
            end = i + d;
        }
        size_t f = t[end] ? digit_run(t, end + 1) : 0; /* past the NUL: nothing */
        if (t[end] == (vi ? ',' : '.') && f) {
            out_word(o, vi ? "phẩy" : "point");
            if (vi && t[end + 1] != '0' && f <= 9)
                say_number(o, lang, digits_value(t, end + 1, f));
            else
                say_digit_span(o, lang, t, end + 1, end + 1 + f);
            end += 1 + f;
        } else if (vi && t[end] == '.' && f) {
            out_word(o, "chấm");
            return end + 1;
        } else if (t[end] == '/' && f) {
            out_word(o, vi ? "trên" : "of");
            return end + 1;
        }
    }
    size_t next = range_next(t, end);
    if (!next) return end;
    out_word(o, vi ? "đến" : "to");
    return next;
}

/* ---- Words -------------------------------------------------------------- */

/* Abbreviations of the one-stop shop's Vietnamese, written out: espeak reads
 * "UBND" and "BHYT" as English words ("ub'nd", "bit") and spells the others
 * letter by letter. */
static const struct {
    const char *abbr; /* as written (exact case) */
    const char *said; /* in words */
} vi_abbr[] = {
    {"UBND", "Ủy ban nhân dân"},     {"HĐND", "Hội đồng nhân dân"},   {"CCCD", "căn cước công dân"},
    {"CMND", "chứng minh nhân dân"}, {"TTHC", "thủ tục hành chính"},  {"BHYT", "bảo hiểm y tế"},
    {"BHXH", "bảo hiểm xã hội"},     {"SĐT", "số điện thoại"},        {"GPLX", "giấy phép lái xe"},
    {"MTTQ", "Mặt trận Tổ quốc"},    {"THPT", "trung học phổ thông"}, {"THCS", "trung học cơ sở"},
};

/* The Vietnamese names of the letters a..z, as people spell aloud (northern
 * school names), written so that espeak reads each as it is said ("zi":
 * espeak reads "gi" as a bare consonant). */
static const char *const vi_letter[26] = {
    "a",     "bê", "xê",   "dê",    "e",      "ép phờ", "giê",   "hát", "i",
    "zi",    "ca", "e lờ", "em mờ", "en nờ",  "o",      "pê",    "quy", "e rờ",
    "ét xì", "tê", "u",    "vê",    "vê kép", "ích xì", "i dài", "dét"};

/* Forms of address written as a pair with a slash ("Ông/Bà"): the slash is
 * read "hoặc". */
static const char *const vi_address[] = {"ông", "bà", "anh", "chị", "cô", "chú", "bác", "em"};

uint32_t hl_say_lower(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
    if (cp == 0x102 || cp == 0x110 || cp == 0x128 || cp == 0x168 || cp == 0x1A0) return cp + 1;
    if (cp == 0x1AF) return 0x1B0;
    if (cp >= 0x1EA0 && cp <= 0x1EF9 && cp % 2 == 0) return cp + 1;
    return cp;
}

static size_t utf8_put(char *b, uint32_t cp)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Past the letters from i. */
static size_t word_end(const char *t, size_t i)
{
    size_t n;
    while (t[i] && is_letter(utf8_decode(t + i, &n)))
        i += n;
    return i;
}

/* The first letter of the word ending at i. */
static size_t word_start(const char *t, size_t i)
{
    while (letter_before(t, i)) {
        i--;
        while (i > 0 && ((unsigned char)t[i] & 0xC0) == 0x80)
            i--;
    }
    return i;
}

/* Whether t[i..j) is, in lower case, one of list's n words. */
static bool word_in(const char *t, size_t i, size_t j, const char *const *list, size_t n)
{
    char low[32];
    size_t k = 0, m;
    for (size_t p = i; p < j; p += m) {
        if (k + 4 >= sizeof low) return false;
        k += utf8_put(low + k, hl_say_lower(utf8_decode(t + p, &m)));
    }
    low[k] = '\0';
    for (size_t w = 0; w < n; w++)
        if (!strcmp(low, list[w])) return true;
    return false;
}

/* "Ông/Bà" (or "Ông / Bà"): a form of address right before the slash at i
 * and one right after. */
static bool address_pair(const char *t, size_t i)
{
    size_t n = sizeof vi_address / sizeof vi_address[0], k = i, m = i + 1;
    while (k > 0 && t[k - 1] == ' ')
        k--;
    while (t[m] == ' ')
        m++;
    size_t a = word_start(t, k), b = word_end(t, m);
    return a < k && b > m && word_in(t, a, k, vi_address, n) && word_in(t, m, b, vi_address, n);
}

/* A word of capital consonants only (2 to 6: "GX", "HĐ", "TP"), which
 * cannot be a Vietnamese syllable: spelled letter by letter. */
static bool capital_consonants(const char *t, size_t i, size_t j)
{
    size_t letters = 0, n;
    for (size_t p = i; p < j; p += n, letters++) {
        uint32_t cp = utf8_decode(t + p, &n);
        if (cp != 0x110 && (cp < 'A' || cp > 'Z' || strchr("AEIOUY", (int)cp))) return false;
    }
    return letters >= 2 && letters <= 6;
}

/* The letter y alone is the word "y" (medicine: "y tế") when a word other
 * than "hoa" follows ("Y hoa" is the keyboard's capital Y); else a letter. */
static bool y_is_word(const char *t, size_t j)
{
    while (t[j] == ' ')
        j++;
    size_t e = word_end(t, j);
    static const char *const hoa[] = {"hoa"};
    return e > j + 1 && !word_in(t, j, e, hoa, 1);
}

/* A Vietnamese word from i: an abbreviation written out, a letter alone or
 * capital consonants spelled with the letters' names (where espeak's own
 * names are wrong: x "ích", g "ðê", s "ét" with an English s, d as đ, and y
 * the same as i), else as written. Returns where the text goes on. */
static size_t say_vi_word(say_out_t *o, const char *t, size_t i)
{
    size_t j = word_end(t, i);
    for (size_t k = 0; k < sizeof vi_abbr / sizeof vi_abbr[0]; k++)
        if (strlen(vi_abbr[k].abbr) == j - i && !memcmp(t + i, vi_abbr[k].abbr, j - i)) {
            out_word(o, vi_abbr[k].said);
            return j;
        }
    char c = (char)(t[i] | 0x20);
    if (j == i + 1 && strchr("dfgsxz", c)) {
        out_word(o, vi_letter[c - 'a']);
        return j;
    }
    if (j == i + 1 && c == 'y' && !y_is_word(t, j)) {
        out_word(o, vi_letter['y' - 'a']);
        return j;
    }
    if (capital_consonants(t, i, j)) {
        size_t n;
        for (size_t p = i; p < j; p += n) {
            uint32_t cp = utf8_decode(t + p, &n);
            out_word(o, cp == 0x110 ? "đê" : vi_letter[cp - 'A']);
        }
        return j;
    }
    out_text(o, t + i, j - i, true);
    return j;
}

/* Latin letters with marks, by the letter without them: espeak's English
 * voice spells "Việt" as "V I letter 1EC7 T" and "ơ" as "letter one A
 * one", so an English text gets them plain ("Tieng Viet"). */
static const struct {
    char base;         /* the plain letter */
    const char *forms; /* its forms with marks, in lower case */
} en_fold[] = {
    {'a', "àáảãạăằắẳẵặâầấẩẫậäå"},
    {'e', "èéẻẽẹêềếểễệë"},
    {'i', "ìíỉĩịîï"},
    {'o', "òóỏõọôồốổỗộơờớởỡợö"},
    {'u', "ùúủũụưừứửữựûü"},
    {'y', "ỳýỷỹỵÿ"},
    {'d', "đ"},
    {'c', "ç"},
    {'n', "ñ"},
};

/* An English word from i, its letters with marks made plain (combining
 * marks dropped). */
static size_t say_en_word(say_out_t *o, const char *t, size_t i)
{
    size_t j = word_end(t, i), n, m;
    bool first = true;
    for (size_t p = i; p < j; p += n) {
        uint32_t cp = utf8_decode(t + p, &n);
        if (cp >= 0x300 && cp <= 0x36F) continue;
        char plain = cp < 0x80 ? (char)cp : 0;
        uint32_t low = hl_say_lower(cp);
        for (size_t k = 0; !plain && k < sizeof en_fold / sizeof en_fold[0]; k++)
            for (const char *f = en_fold[k].forms; *f && !plain; f += m)
                if (utf8_decode(f, &m) == low)
                    plain = low != cp ? (char)(en_fold[k].base - 32) : en_fold[k].base;
        if (plain)
            out_text(o, &plain, 1, first);
        else
            out_text(o, t + p, n, first); /* a letter espeak names: as it is */
        first = false;
    }
    return j;
}

int hl_say_normalize(hl_lang_t lang, const char *text, char *out, size_t size)
{
    say_out_t o;
    out_init(&o, out, size);
    if (lang < 0 || lang >= HL_LANG_COUNT || !text) {
        out_end(&o);
        return HL_ERR_USAGE;
    }
    size_t len = strlen(text);
    if (!hl_utf8_valid(text, len)) {
        out_end(&o);
        if (size) out[0] = '\0';
        return HL_ERR_INVALID;
    }
    bool vi = lang == HL_LANG_VI;
    for (size_t i = 0; i < len && !o.full;) {
        if (is_digit(text[i]) || (text[i] == '+' && is_digit(text[i + 1]))) {
            i = say_numeric(&o, lang, text, i);
            continue;
        }
        size_t n;
        uint32_t cp = utf8_decode(text + i, &n);
        if (is_letter(cp)) {
            i = vi ? say_vi_word(&o, text, i) : say_en_word(&o, text, i);
            continue;
        } else if (cp == '%') {
            out_word(&o, vi ? "phần trăm" : "percent");
        } else if (cp == '&') {
            out_word(&o, vi ? "và" : "and");
        } else if (cp == '-' && letter_before(text, i) && letter_at(text, i + 1)) {
            out_text(&o, "-", 1, false); /* a hyphenated word */
        } else if (is_dash(cp) && i > 0 && !blank(text[i - 1]) && !blank(text[i + n])) {
            out_space(&o); /* "COVID-19", "A-4": joined, no pause */
        } else if (is_dash(cp) || cp == '\n' || cp == '\r') {
            out_pause(&o); /* "Một cửa – liên thông", a line break */
        } else if (cp == '/' && vi && address_pair(text, i)) {
            out_word(&o, "hoặc"); /* "Ông/Bà": "Ông hoặc Bà" */
        } else if (is_space(cp) || cp == '/') {
            out_space(&o);
        } else if (cp < 0x80 && strchr(".,;:!?()'\"", (int)cp)) {
            out_text(&o, text + i, 1, false);
        } else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0xAB || cp == 0xBB) {
            out_text(&o, "\"", 1, false);
        } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201A) {
            out_text(&o, "'", 1, false);
        } else if (cp == 0x2026) {
            out_text(&o, "...", 3, false);
        } else {
            out_space(&o); /* a symbol, emoji, control or other script: dropped */
        }
        i += n;
    }
    return out_end(&o);
}
