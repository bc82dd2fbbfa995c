/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_tech.h: technician mode as a state machine, free of pixels and of
 * side effects: the hidden entry gesture, the PIN pad with its lockout, the
 * menu's pages and filters, and closing after two minutes without a touch.
 *
 * The kiosk feeds it touches and times (the flow's clock) and carries out
 * what it reports: persisting the lockout (hl_store_pin_put), logging
 * (hl_store_log), and every action of the menu (hl_config_set, exports,
 * sync, survey install), which are not this module's business.
 *
 * Entry gesture, only while the start screen is idle: hold the top-left
 * corner (a square of zone_px) for 3 s, release, then within 3 s tap the
 * top-right corner 3 times. Once the hold is done, touches in the top-right
 * corner are swallowed (the language button there does not react), so no
 * citizen triggers it by chance and nobody sees it half done.
 *
 * PIN pad target ids: pin:0 .. pin:9, pin:del, pin:ok, pin:cancel.
 * Menu target ids: tech:page:status|results|officer|survey|transfer|settings,
 * tech:close ("Back to survey"), tech:period:today|week|all,
 * tech:filter:prev|next (results per officer: all, then each officer), and
 * the action ids the kiosk handles (tech:duty:ID, tech:duty:none,
 * tech:survey:use:N, tech:survey:install:N (N: the file's index among all
 * on the stick), tech:stick:prev|next (the stick's files, a page at a
 * time), tech:survey:rollback,
 * tech:export, tech:sync, tech:lang:CODE, tech:idle:-|+, tech:warn:-|+,
 * tech:thanks:-|+, tech:rot:DEG, tech:clock:-1d|+1d|-1h|+1h|-10m|+10m,
 * tech:clock:set, tech:restart, tech:shutdown).
 */
#ifndef HL_TECH_H
#define HL_TECH_H

#include "hl_pin.h"
#include "hl_results.h"

#include <stdbool.h>
#include <stdint.h>

#define HL_TECH_HOLD_MS     3000   /* hold the first corner this long */
#define HL_TECH_TAPS        3      /* then tap the second corner this many times */
#define HL_TECH_TAPS_MS     3000   /* within this long after the hold */
#define HL_TECH_IDLE_MS     120000 /* the menu closes after this long without a touch */
#define HL_TECH_PIN_IDLE_MS 30000  /* the PIN pad closes after this long without a touch */

typedef enum hl_tech_mode {
    HL_TECH_OFF = 0, /* the survey is on screen */
    HL_TECH_PIN,     /* the PIN pad (or its lockout notice) */
    HL_TECH_MENU     /* the technician menu */
} hl_tech_mode_t;

typedef enum hl_tech_page {
    HL_TECH_STATUS = 0, /* kiosk, survey, counts, sync, USB, disk, clock */
    HL_TECH_RESULTS,    /* bar charts per question, satisfaction rate, per hour */
    HL_TECH_OFFICER,    /* who is on duty */
    HL_TECH_SURVEY,     /* installed surveys, install from the stick, roll back */
    HL_TECH_TRANSFER,   /* export to USB now, sync now */
    HL_TECH_SETTINGS,   /* language, timeouts, clock, rotation, restart, shut down */
    HL_TECH_PAGE_COUNT
} hl_tech_page_t;

/* What the PIN pad shows under the dots. */
typedef enum hl_tech_pin_msg {
    HL_TECH_MSG_NONE = 0,
    HL_TECH_MSG_WRONG,  /* wrong PIN: tries_left more before a lockout */
    HL_TECH_MSG_LOCKED, /* locked: lock_left_ms */
    HL_TECH_MSG_NO_PIN  /* no PIN set in the config: hailong set-pin */
} hl_tech_pin_msg_t;

/* What a step did, for the kiosk to persist and log. */
typedef enum hl_tech_event {
    HL_TECH_EV_NONE = 0,
    HL_TECH_EV_OPENED,    /* the gesture opened the PIN pad */
    HL_TECH_EV_PIN_WRONG, /* a wrong PIN (persist the lockout state) */
    HL_TECH_EV_LOCKED,    /* a wrong PIN that started a lockout (persist) */
    HL_TECH_EV_REFUSED,   /* a PIN entered while locked: not even checked */
    HL_TECH_EV_PIN_OK,    /* the right PIN: the menu is open (persist) */
    HL_TECH_EV_CLOSED,    /* back to the survey (button, cancel, or idle) */
    HL_TECH_EV_PAGE       /* page or filter changed */
} hl_tech_event_t;

/* What the gesture watcher decided about a touch. */
typedef enum hl_tech_gesture {
    HL_TECH_PASS = 0, /* not part of the gesture: the survey gets it */
    HL_TECH_SWALLOW,  /* part of the gesture: nobody else sees it */
    HL_TECH_OPEN      /* it completed the gesture: the PIN pad is open */
} hl_tech_gesture_t;

typedef struct hl_tech {
    hl_tech_mode_t mode;
    hl_tech_page_t page;
    /* Gesture. */
    int64_t hold_since_ms;  /* a finger down in the first corner since, -1 */
    int64_t armed_until_ms; /* the hold is done: taps count until, -1 */
    int taps;               /* taps in the second corner so far */
    bool tap_down;          /* a finger went down in the second corner */
    /* PIN pad. */
    char entry[HL_PIN_MAX_DIGITS + 1]; /* digits typed (never logged) */
    int n_entry;
    hl_tech_pin_msg_t msg;
    int tries_left;        /* with HL_TECH_MSG_WRONG */
    hl_pin_lock_t lock;    /* the lockout clock */
    int64_t last_touch_ms; /* for the idle close */
    /* Menu. */
    hl_period_t period; /* results period */
    int filter;         /* results: -1 all officers, else an index into the config's officers */
    int n_officers;     /* how many the config lists (for the filter) */
} hl_tech_t;

/* Starts closed, with the lockout state loaded from the store (NULL: none). */
void hl_tech_init(hl_tech_t *t, const hl_pin_lock_t *restored, int n_officers);

/* Watches a touch (down or up at x, y on a w x h screen; zone_px the corner
 * squares' side) while the survey's start screen is idle. */
hl_tech_gesture_t hl_tech_gesture(hl_tech_t *t, bool down, int x, int y, int w, int h, int zone_px,
                                  int64_t now_ms);

/* Forgets a half-done gesture (someone started answering). */
void hl_tech_gesture_reset(hl_tech_t *t);

/* A tap on a target while mode is PIN or MENU. PIN pad keys check the PIN
 * against stored_hash ("" = none set: HL_TECH_MSG_NO_PIN, never opens);
 * menu ids change the page, period and filter or close the menu. Ids the
 * kiosk handles (actions) return HL_TECH_EV_NONE and change nothing but the
 * idle clock. now_utc_ms dates a lockout. */
hl_tech_event_t hl_tech_tap(hl_tech_t *t, const char *id, const char *stored_hash, int64_t now_ms,
                            int64_t now_utc_ms);

/* Time passing: closes the PIN pad or menu when idle too long
 * (HL_TECH_EV_CLOSED), refreshes the lockout notice. */
hl_tech_event_t hl_tech_tick(hl_tech_t *t, int64_t now_ms);

/* Milliseconds until hl_tech_tick has something to do (-1: nothing): the
 * idle close, the end of the gesture's window, the lockout's next second. */
int64_t hl_tech_timeout(const hl_tech_t *t, int64_t now_ms);

/* Closes to the survey (the entry and the gesture are forgotten). */
void hl_tech_close(hl_tech_t *t);

#endif
