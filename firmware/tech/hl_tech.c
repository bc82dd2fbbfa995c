/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_tech.c: technician mode's state machine (hl_tech.h): the entry
 * gesture, the PIN pad with its lockout, the menu's navigation and the idle
 * close. No pixels, no storage, no clock of its own: times come in.
 *
 * Gesture, step by step (only down and up are reported, no moves):
 *   a down in the top-left square starts the hold (passed on: nothing is
 *   known yet); the up in the top-left square at least HL_TECH_HOLD_MS
 *   later arms it (swallowed); an earlier up, or an up or down anywhere
 *   else, forgets it (passed on). Armed, each down+up in the top-right
 *   square is one tap (both swallowed); the HL_TECH_TAPS-th up before
 *   HL_TECH_TAPS_MS after the arming opens the PIN pad. A touch anywhere
 *   else while armed forgets the gesture (and may start a new hold), and the
 *   window's end forgets it too (hl_tech_tick, or the next touch).
 *
 * PIN pad: digits up to HL_PIN_MAX_DIGITS (more are ignored), del, cancel,
 * ok. The entry is wiped (explicit_bzero) after every ok, on cancel and on
 * close. ok with nothing typed does nothing (not a wrong PIN). While locked,
 * digits are ignored and ok is refused unchecked. Each opening of the menu
 * starts on the status page, today, all officers.
 */
#include "hl_tech.h"

#include <string.h>

static void entry_wipe(hl_tech_t *t)
{
    explicit_bzero(t->entry, sizeof t->entry);
    t->n_entry = 0;
}

void hl_tech_gesture_reset(hl_tech_t *t)
{
    t->hold_since_ms = -1;
    t->armed_until_ms = -1;
    t->taps = 0;
    t->tap_down = false;
}

void hl_tech_init(hl_tech_t *t, const hl_pin_lock_t *restored, int n_officers)
{
    memset(t, 0, sizeof *t);
    t->mode = HL_TECH_OFF;
    t->page = HL_TECH_STATUS;
    hl_tech_gesture_reset(t);
    if (restored)
        t->lock = *restored;
    else
        hl_pin_lock_init(&t->lock);
    t->period = HL_PERIOD_TODAY;
    t->filter = -1;
    t->n_officers = n_officers > 0 ? n_officers : 0;
}

void hl_tech_close(hl_tech_t *t)
{
    t->mode = HL_TECH_OFF;
    entry_wipe(t);
    t->msg = HL_TECH_MSG_NONE;
    t->tries_left = 0;
    hl_tech_gesture_reset(t);
}

/* The gesture is complete: the PIN pad opens (with the lockout notice when
 * the entry is locked). */
static void open_pad(hl_tech_t *t, int64_t now_ms)
{
    hl_tech_gesture_reset(t);
    entry_wipe(t);
    t->mode = HL_TECH_PIN;
    t->msg = hl_pin_lock_left(&t->lock, now_ms) > 0 ? HL_TECH_MSG_LOCKED : HL_TECH_MSG_NONE;
    t->tries_left = 0;
    t->last_touch_ms = now_ms;
}

hl_tech_gesture_t hl_tech_gesture(hl_tech_t *t, bool down, int x, int y, int w, int h, int zone_px,
                                  int64_t now_ms)
{
    if (t->mode != HL_TECH_OFF) return HL_TECH_PASS;
    /* The squares never overlap, and stay inside the screen. */
    int zone = zone_px;
    if (zone > w / 2) zone = w / 2;
    if (zone > h) zone = h;
    bool top = y >= 0 && y < zone;
    bool left = top && x >= 0 && x < zone;
    bool right = top && x >= w - zone && x < w;

    if (t->armed_until_ms >= 0 && now_ms >= t->armed_until_ms) hl_tech_gesture_reset(t);

    if (t->armed_until_ms >= 0) {
        if (right) {
            if (down) {
                t->tap_down = true;
                return HL_TECH_SWALLOW;
            }
            if (t->tap_down) {
                t->tap_down = false;
                if (++t->taps >= HL_TECH_TAPS) {
                    open_pad(t, now_ms);
                    return HL_TECH_OPEN;
                }
            }
            return HL_TECH_SWALLOW;
        }
        hl_tech_gesture_reset(t); /* anywhere else: start over, below */
    }

    if (down) {
        t->hold_since_ms = left ? now_ms : -1;
        return HL_TECH_PASS;
    }
    if (t->hold_since_ms >= 0 && left && now_ms - t->hold_since_ms >= HL_TECH_HOLD_MS) {
        hl_tech_gesture_reset(t);
        t->armed_until_ms = now_ms + HL_TECH_TAPS_MS;
        return HL_TECH_SWALLOW;
    }
    hl_tech_gesture_reset(t);
    return HL_TECH_PASS;
}

/* "pin:..." while the pad shows. */
static hl_tech_event_t pin_tap(hl_tech_t *t, const char *key, const char *stored_hash,
                               int64_t now_ms, int64_t now_utc_ms)
{
    bool locked = hl_pin_lock_left(&t->lock, now_ms) > 0;
    if (!locked && t->msg == HL_TECH_MSG_LOCKED) t->msg = HL_TECH_MSG_NONE;

    if (key[0] >= '0' && key[0] <= '9' && key[1] == '\0') {
        if (locked) {
            t->msg = HL_TECH_MSG_LOCKED;
            return HL_TECH_EV_NONE;
        }
        if (t->n_entry < HL_PIN_MAX_DIGITS) {
            t->entry[t->n_entry++] = key[0];
            t->entry[t->n_entry] = '\0';
        }
        t->msg = HL_TECH_MSG_NONE; /* a new try: the last message goes */
        return HL_TECH_EV_NONE;
    }
    if (strcmp(key, "del") == 0) {
        if (t->n_entry > 0) t->entry[--t->n_entry] = '\0';
        return HL_TECH_EV_NONE;
    }
    if (strcmp(key, "cancel") == 0) {
        hl_tech_close(t);
        return HL_TECH_EV_CLOSED;
    }
    if (strcmp(key, "ok") != 0) return HL_TECH_EV_NONE;

    if (!stored_hash || !*stored_hash) {
        entry_wipe(t);
        t->msg = HL_TECH_MSG_NO_PIN;
        return HL_TECH_EV_NONE;
    }
    if (locked) {
        entry_wipe(t);
        t->msg = HL_TECH_MSG_LOCKED;
        return HL_TECH_EV_REFUSED;
    }
    if (t->n_entry == 0) return HL_TECH_EV_NONE;

    bool ok = false;
    hl_err_t err = {0};
    int rc = hl_pin_verify(t->entry, stored_hash, &ok, &err);
    entry_wipe(t);
    if (rc != HL_OK) {
        /* A malformed stored hash (the config check refuses those): no PIN
         * can open, and the technician has to set one again. */
        t->msg = HL_TECH_MSG_NO_PIN;
        return HL_TECH_EV_NONE;
    }
    if (ok) {
        hl_pin_lock_success(&t->lock);
        t->mode = HL_TECH_MENU;
        t->page = HL_TECH_STATUS;
        t->period = HL_PERIOD_TODAY;
        t->filter = -1;
        t->msg = HL_TECH_MSG_NONE;
        t->tries_left = 0;
        return HL_TECH_EV_PIN_OK;
    }
    if (hl_pin_lock_fail(&t->lock, now_ms, now_utc_ms)) {
        t->msg = HL_TECH_MSG_LOCKED;
        t->tries_left = 0;
        return HL_TECH_EV_LOCKED;
    }
    t->msg = HL_TECH_MSG_WRONG;
    t->tries_left = HL_PIN_TRIES - t->lock.failures;
    if (t->tries_left < 1) t->tries_left = 1;
    return HL_TECH_EV_PIN_WRONG;
}

static const char *const page_names[HL_TECH_PAGE_COUNT] = {"status", "results",  "officer",
                                                           "survey", "transfer", "settings"};
static const char *const period_names[HL_PERIOD_COUNT] = {"today", "week", "all"};

/* "tech:..." while the menu shows. */
static hl_tech_event_t menu_tap(hl_tech_t *t, const char *rest)
{
    if (strcmp(rest, "close") == 0) {
        hl_tech_close(t);
        return HL_TECH_EV_CLOSED;
    }
    if (strncmp(rest, "page:", 5) == 0) {
        for (int i = 0; i < HL_TECH_PAGE_COUNT; i++)
            if (strcmp(rest + 5, page_names[i]) == 0) {
                t->page = (hl_tech_page_t)i;
                return HL_TECH_EV_PAGE;
            }
        return HL_TECH_EV_NONE;
    }
    if (strncmp(rest, "period:", 7) == 0) {
        for (int i = 0; i < HL_PERIOD_COUNT; i++)
            if (strcmp(rest + 7, period_names[i]) == 0) {
                t->period = (hl_period_t)i;
                return HL_TECH_EV_PAGE;
            }
        return HL_TECH_EV_NONE;
    }
    if (strcmp(rest, "filter:next") == 0) {
        t->filter = t->filter + 1 >= t->n_officers ? -1 : t->filter + 1;
        return HL_TECH_EV_PAGE;
    }
    if (strcmp(rest, "filter:prev") == 0) {
        t->filter = t->filter - 1 < -1 ? t->n_officers - 1 : t->filter - 1;
        return HL_TECH_EV_PAGE;
    }
    return HL_TECH_EV_NONE;
}

hl_tech_event_t hl_tech_tap(hl_tech_t *t, const char *id, const char *stored_hash, int64_t now_ms,
                            int64_t now_utc_ms)
{
    if (t->mode == HL_TECH_OFF || !id) return HL_TECH_EV_NONE;
    t->last_touch_ms = now_ms;
    if (t->mode == HL_TECH_PIN)
        return strncmp(id, "pin:", 4) == 0 ? pin_tap(t, id + 4, stored_hash, now_ms, now_utc_ms)
                                           : HL_TECH_EV_NONE;
    return strncmp(id, "tech:", 5) == 0 ? menu_tap(t, id + 5) : HL_TECH_EV_NONE;
}

hl_tech_event_t hl_tech_tick(hl_tech_t *t, int64_t now_ms)
{
    switch (t->mode) {
    case HL_TECH_OFF:
        if (t->armed_until_ms >= 0 && now_ms >= t->armed_until_ms) hl_tech_gesture_reset(t);
        return HL_TECH_EV_NONE;
    case HL_TECH_PIN:
        if (now_ms - t->last_touch_ms >= HL_TECH_PIN_IDLE_MS) {
            hl_tech_close(t);
            return HL_TECH_EV_CLOSED;
        }
        if (t->msg == HL_TECH_MSG_LOCKED && hl_pin_lock_left(&t->lock, now_ms) <= 0)
            t->msg = HL_TECH_MSG_NONE;
        return HL_TECH_EV_NONE;
    case HL_TECH_MENU:
        if (now_ms - t->last_touch_ms >= HL_TECH_IDLE_MS) {
            hl_tech_close(t);
            return HL_TECH_EV_CLOSED;
        }
        return HL_TECH_EV_NONE;
    }
    return HL_TECH_EV_NONE;
}

static int64_t at_least_0(int64_t ms)
{
    return ms < 0 ? 0 : ms;
}

int64_t hl_tech_timeout(const hl_tech_t *t, int64_t now_ms)
{
    switch (t->mode) {
    case HL_TECH_OFF:
        return t->armed_until_ms >= 0 ? at_least_0(t->armed_until_ms - now_ms) : -1;
    case HL_TECH_PIN: {
        int64_t ms = at_least_0(t->last_touch_ms + HL_TECH_PIN_IDLE_MS - now_ms);
        if (t->msg == HL_TECH_MSG_LOCKED) {
            /* The notice counts whole seconds up (ceil): it changes when the
             * time left crosses the next multiple of 1000, and at 0. */
            int64_t left = hl_pin_lock_left(&t->lock, now_ms);
            int64_t next = left > 0 ? (left - 1) % 1000 + 1 : 0;
            if (next < ms) ms = next;
        }
        return ms;
    }
    case HL_TECH_MENU:
        return at_least_0(t->last_touch_ms + HL_TECH_IDLE_MS - now_ms);
    }
    return -1;
}
