/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_hours.h: opening hours, the config's "display.opening_hours": when the
 * hall is open, so that the kiosk can turn its panel off outside them.
 *
 * A week of local time at one-minute resolution: each entry of the config
 * opens some days ("mon-fri", "sat", "mon,wed,fri", "mon-wed,fri") from
 * "open" to "close" ("07:30" to "17:00"; "24:00" is the end of the day). A
 * day may have several entries (a lunch break: 07:30-11:30 and 13:30-17:00);
 * entries that overlap or touch simply merge. A range never crosses
 * midnight: a night is two entries (...-24:00 and 00:00-...). Without the
 * key the kiosk is always open (hl_hours_t.set false).
 *
 * Time is passed in, never read: UTC ms plus the local offset from UTC
 * (hl_platform_tz_offset_ms; Viet Nam is +7 h and has no daylight saving).
 * hl_hours_next_change says how long until the state changes, so that the
 * event loop sleeps until then instead of polling. Public holidays are out
 * of scope: a holiday on a weekday counts as an ordinary day (the panel
 * stays on through that day's hours).
 */
#ifndef HL_HOURS_H
#define HL_HOURS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_HOURS_MAX      32         /* entries in display.opening_hours */
#define HL_HOURS_DAY_MIN  1440       /* minutes in a day */
#define HL_HOURS_WEEK_MIN (7 * 1440) /* minutes in a week, Monday 00:00 first */
#define HL_HOURS_DESC_MAX 160        /* bytes of hl_hours_describe's text */
#define HL_HOURS_DAYS_ALL 0x7fu      /* every day: bit 0 Monday ... bit 6 Sunday */

typedef struct hl_hours {
    bool set;                                  /* opening hours were given; false: always open */
    unsigned char open[HL_HOURS_WEEK_MIN / 8]; /* bit m: minute m of the local week is open
                                                  (minute 0 = Monday 00:00) */
} hl_hours_t;

/* Back to "always open" (no opening hours). */
void hl_hours_clear(hl_hours_t *h);

/* Opens days (a mask of HL_HOURS_DAYS_ALL bits) from open_min to close_min
 * (minutes since midnight, 0 <= open_min < close_min <= 1440) and marks h
 * as set. False, with h unchanged, when the numbers are out of range. */
bool hl_hours_add(hl_hours_t *h, unsigned days, int open_min, int close_min);

/* Parses "HH:MM" (or "H:MM") into minutes since midnight: 00:00..23:59,
 * and 24:00 too when allow_24. False when malformed or out of range. */
bool hl_hours_parse_time(const char *s, bool allow_24, int *min);

/* Parses days: "mon".."sun", ranges "mon-fri" (forward: the week runs mon
 * to sun) and lists "mon,wed" or "mon-wed,fri" (spaces around words
 * allowed, upper case too). False with why (a sentence for a person) set. */
bool hl_hours_parse_days(const char *s, unsigned *days, char *why, size_t whysz);

/* Whether the hall is open at utc_ms (local time = utc_ms + tz_offset_ms).
 * Always true when h is not set. */
bool hl_hours_is_open(const hl_hours_t *h, int64_t utc_ms, int64_t tz_offset_ms);

/* Milliseconds from utc_ms until hl_hours_is_open next answers otherwise
 * (at least 1), or -1 when it never does (not set, or open or closed all
 * week). Computed with this tz_offset_ms: a caller in a zone with daylight
 * saving asks again at each wake-up. */
int64_t hl_hours_next_change(const hl_hours_t *h, int64_t utc_ms, int64_t tz_offset_ms);

/* The local day's opening hours holding utc_ms, for messages:
 * "07:30–11:30, 13:30–17:00", "closed today", or "always open". */
void hl_hours_describe(const hl_hours_t *h, int64_t utc_ms, int64_t tz_offset_ms, char *out,
                       size_t outsz);

#endif
