/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_hours.c: opening hours as a bitmap of the week's minutes, parsed from
 * the config's "display.opening_hours" with every problem reported at its
 * place, and the two questions the kiosk asks: open now? how long until
 * that changes?
 *
 * A bitmap (1,260 bytes) rather than a list of ranges: overlapping, touching
 * and several ranges a day need no special case, and the next change is
 * the first minute whose bit differs, found by a scan of at most a week
 * (done once per boundary, never per frame).
 */
#include "hl_hours.h"
#include "hl_hours_json.h"

#include <stdio.h>
#include <string.h>

#define MS_PER_MIN 60000LL
#define MS_PER_DAY 86400000LL

static const char *const day_names[8] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

void hl_hours_clear(hl_hours_t *h)
{
    memset(h, 0, sizeof *h);
}

static bool bit_get(const hl_hours_t *h, int m)
{
    return (h->open[m / 8] >> (m % 8)) & 1u;
}

bool hl_hours_add(hl_hours_t *h, unsigned days, int open_min, int close_min)
{
    if ((days & ~HL_HOURS_DAYS_ALL) || open_min < 0 || close_min > HL_HOURS_DAY_MIN ||
        open_min >= close_min)
        return false;
    for (int d = 0; d < 7; d++) {
        if (!(days & (1u << d))) continue;
        for (int m = d * HL_HOURS_DAY_MIN + open_min; m < d * HL_HOURS_DAY_MIN + close_min; m++)
            h->open[m / 8] |= (unsigned char)(1u << (m % 8));
    }
    h->set = true;
    return true;
}

bool hl_hours_parse_time(const char *s, bool allow_24, int *min)
{
    int i = 0, hh = 0;
    while (i < 2 && s[i] >= '0' && s[i] <= '9')
        hh = hh * 10 + (s[i++] - '0');
    if (i == 0 || s[i] != ':') return false;
    const char *mm = s + i + 1;
    if (!(mm[0] >= '0' && mm[0] <= '5') || !(mm[1] >= '0' && mm[1] <= '9') || mm[2]) return false;
    int m = (mm[0] - '0') * 10 + (mm[1] - '0');
    if (hh > 24 || (hh == 24 && (m != 0 || !allow_24))) return false;
    *min = hh * 60 + m;
    return true;
}

/* The day named by s[0..len) (case ignored), -1 when none. */
static int day_index(const char *s, size_t len)
{
    if (len != 3) return -1;
    for (int d = 0; d < 7; d++) {
        size_t i = 0;
        while (i < 3 && (s[i] | 0x20) == day_names[d][i])
            i++;
        if (i == 3) return d;
    }
    return -1;
}

/* Reports a word that is not a day into why. */
static void bad_day(const char *w, size_t len, char *why, size_t whysz)
{
    char word[16];
    snprintf(word, sizeof word, "%.*s", (int)(len < 12 ? len : 12), w);
    for (char *p = word; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p | 0x20);
    const char *near = hl_json_suggest(word, day_names);
    char hint[32] = "";
    if (near) snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", near);
    if (len == 0)
        snprintf(why, whysz,
                 "a day is missing: use mon, tue, wed, thu, fri, sat, sun, ranges "
                 "such as \"mon-fri\" and lists such as \"mon,wed\"");
    else
        snprintf(why, whysz, "\"%s%s\" is not a day: use mon, tue, wed, thu, fri, sat, sun%s", word,
                 len > 12 ? "..." : "", hint);
}

bool hl_hours_parse_days(const char *s, unsigned *days, char *why, size_t whysz)
{
    unsigned mask = 0;
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        /* One item: "day" or "day-day", spaces around the words allowed. */
        const char *dash = memchr(p, '-', (size_t)(end - p));
        const char *a = p, *a_end = dash ? dash : end;
        while (a < a_end && *a == ' ')
            a++;
        while (a_end > a && a_end[-1] == ' ')
            a_end--;
        int first = day_index(a, (size_t)(a_end - a));
        if (first < 0) {
            bad_day(a, (size_t)(a_end - a), why, whysz);
            return false;
        }
        int last = first;
        if (dash) {
            const char *b = dash + 1, *b_end = end;
            while (b < b_end && *b == ' ')
                b++;
            while (b_end > b && b_end[-1] == ' ')
                b_end--;
            last = day_index(b, (size_t)(b_end - b));
            if (last < 0) {
                bad_day(b, (size_t)(b_end - b), why, whysz);
                return false;
            }
            if (last < first) {
                /* Say it the forward way: first..sun, then mon..last. */
                snprintf(why, whysz,
                         "\"%s-%s\" runs backwards: the week runs from mon to sun, so write "
                         "\"%s%s%s,mon%s%s\"",
                         day_names[first], day_names[last], day_names[first], first < 6 ? "-" : "",
                         first < 6 ? "sun" : "", last > 0 ? "-" : "",
                         last > 0 ? day_names[last] : "");
                return false;
            }
        }
        for (int d = first; d <= last; d++)
            mask |= 1u << d;
        if (!*end) break;
        p = end + 1;
    }
    *days = mask;
    return true;
}

/* One entry {"days": ..., "open": ..., "close": ...} at ipath; true when
 * it was added to out. */
static bool hours_entry(hl_json_doc_t *doc, const json_t *o, const char *ipath, hl_hours_t *out)
{
    static const char *const entry_keys[] = {"days", "open", "close", NULL};
    if (!json_is_object(o)) {
        hl_json_report(doc, ipath, NULL, HL_JSON_AT_VALUE,
                       "each opening-hours entry must be an object such as {\"days\": \"mon-fri\", "
                       "\"open\": \"07:30\", \"close\": \"17:00\"}, not %s",
                       hl_json_kind(o));
        return false;
    }
    bool ok = hl_json_check_keys(doc, o, ipath, entry_keys) == 0;
    const char *days_s, *open_s, *close_s;
    unsigned days = 0;
    int open_min = -1, close_min = -1;
    if (hl_json_get_string(doc, o, ipath, "days", true, &days_s) == HL_JSON_FOUND) {
        char why[200];
        if (!hl_hours_parse_days(days_s, &days, why, sizeof why)) {
            hl_json_report(doc, ipath, "days", HL_JSON_AT_VALUE, "\"days\": %s", why);
            ok = false;
        }
    } else {
        ok = false;
    }
    if (hl_json_get_string(doc, o, ipath, "open", true, &open_s) == HL_JSON_FOUND) {
        if (!hl_hours_parse_time(open_s, false, &open_min)) {
            hl_json_report(doc, ipath, "open", HL_JSON_AT_VALUE,
                           "\"open\" must be a time HH:MM from 00:00 to 23:59 such as \"07:30\", "
                           "not \"%.20s\"",
                           open_s);
            ok = false;
        }
    } else {
        ok = false;
    }
    if (hl_json_get_string(doc, o, ipath, "close", true, &close_s) == HL_JSON_FOUND) {
        if (!hl_hours_parse_time(close_s, true, &close_min)) {
            hl_json_report(doc, ipath, "close", HL_JSON_AT_VALUE,
                           "\"close\" must be a time HH:MM from 00:01 to 24:00 such as \"17:00\", "
                           "not \"%.20s\"",
                           close_s);
            ok = false;
        } else if (open_min >= 0 && close_min <= open_min) {
            hl_json_report(doc, ipath, "close", HL_JSON_AT_VALUE,
                           "\"close\" %s is not after \"open\" %s: a range ends later the same "
                           "day (split a night in two: \"open\" ... \"close\": \"24:00\", then "
                           "\"open\": \"00:00\" on the next day)",
                           close_s, open_s);
            ok = false;
        }
    } else {
        ok = false;
    }
    return ok && hl_hours_add(out, days, open_min, close_min);
}

int hl_hours_get(hl_json_doc_t *doc, const json_t *obj, const char *path, const char *key,
                 hl_hours_t *out)
{
    hl_hours_clear(out);
    json_t *arr;
    int r = hl_json_get_array(doc, obj, path, key, false,
                              "a list such as [{\"days\": \"mon-fri\", \"open\": \"07:30\", "
                              "\"close\": \"17:00\"}]",
                              &arr);
    if (r != HL_JSON_FOUND) return r;
    size_t n = json_array_size(arr);
    if (n == 0 || n > HL_HOURS_MAX) {
        hl_json_report(doc, path, key, HL_JSON_AT_VALUE,
                       "\"%s\" lists %zu ranges: give 1 to %d, or leave the key out to keep the "
                       "panel on all the time",
                       key, n, HL_HOURS_MAX);
        return HL_JSON_BAD;
    }
    char kpath[HL_JSON_PATH_MAX];
    hl_json_path_key(kpath, path, key);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        char ipath[HL_JSON_PATH_MAX];
        hl_json_path_index(ipath, kpath, i);
        if (!hours_entry(doc, json_array_get(arr, i), ipath, out)) ok = false;
    }
    if (!ok) {
        hl_hours_clear(out);
        return HL_JSON_BAD;
    }
    return HL_JSON_FOUND;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* The minute of the local week holding utc_ms, and the ms into it. */
static int week_minute(int64_t utc_ms, int64_t tz_offset_ms, int64_t *ms_into)
{
    int64_t local = utc_ms + tz_offset_ms;
    int64_t day = (local - floor_mod(local, MS_PER_DAY)) / MS_PER_DAY; /* days since 1970-01-01 */
    int dow = (int)floor_mod(day + 3, 7); /* 1970-01-01 was a Thursday; Monday = 0 */
    int64_t in_day = floor_mod(local, MS_PER_DAY);
    if (ms_into) *ms_into = in_day % MS_PER_MIN;
    return dow * HL_HOURS_DAY_MIN + (int)(in_day / MS_PER_MIN);
}

bool hl_hours_is_open(const hl_hours_t *h, int64_t utc_ms, int64_t tz_offset_ms)
{
    if (!h || !h->set) return true;
    return bit_get(h, week_minute(utc_ms, tz_offset_ms, NULL));
}

int64_t hl_hours_next_change(const hl_hours_t *h, int64_t utc_ms, int64_t tz_offset_ms)
{
    if (!h || !h->set) return -1;
    int64_t into;
    int m = week_minute(utc_ms, tz_offset_ms, &into);
    bool now = bit_get(h, m);
    for (int k = 1; k <= HL_HOURS_WEEK_MIN; k++)
        if (bit_get(h, (m + k) % HL_HOURS_WEEK_MIN) != now) return k * MS_PER_MIN - into;
    return -1;
}

void hl_hours_describe(const hl_hours_t *h, int64_t utc_ms, int64_t tz_offset_ms, char *out,
                       size_t outsz)
{
    if (outsz == 0) return;
    out[0] = '\0';
    if (!h || !h->set) {
        snprintf(out, outsz, "always open");
        return;
    }
    int base = week_minute(utc_ms, tz_offset_ms, NULL) / HL_HOURS_DAY_MIN * HL_HOURS_DAY_MIN;
    size_t used = 0;
    for (int m = 0; m < HL_HOURS_DAY_MIN;) {
        if (!bit_get(h, base + m)) {
            m++;
            continue;
        }
        int end = m;
        while (end < HL_HOURS_DAY_MIN && bit_get(h, base + end))
            end++;
        int w = snprintf(out + used, outsz - used, "%s%02d:%02d\xe2\x80\x93%02d:%02d",
                         used ? ", " : "", m / 60, m % 60, end / 60, end % 60);
        if (w < 0 || (size_t)w >= outsz - used) break;
        used += (size_t)w;
        m = end;
    }
    if (!used) snprintf(out, outsz, "closed today");
}
