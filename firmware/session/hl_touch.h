/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_touch.h: from a finger's down, moves and up to one tap, with the touch
 * guard. Pure: the caller says which target is under the finger (its id from
 * the scene, "" or NULL for none), which screen is up (a signature) and the
 * time; no display, no kiosk.
 *
 * A tap happens on up over the target the finger went down on. The guard:
 * a touch counts only on the screen it went down on, and only if it went
 * down at least HL_TOUCH_GUARD_MS after that screen appeared, so that a
 * double tap (two taps 80 ms apart) answers one question, not that one and
 * the next. 300 ms: longer than the gap between a double tap's two taps
 * (80 ms measured; Android's double-tap window is 300 ms), shorter than
 * anyone needs to see a new screen and reach for it (a visual reaction alone
 * takes 200-250 ms in young adults, more in the elderly users the kiosk
 * serves, and a new question must be read first). Typing on the same screen
 * (keypad digits, PIN digits) is not slowed: only a new screen starts the
 * guard. See README, "Touch".
 */
#ifndef HL_TOUCH_H
#define HL_TOUCH_H

#include <stdbool.h>
#include <stdint.h>

#define HL_TOUCH_GUARD_MS 300
#define HL_TOUCH_ID_MAX   80 /* a target id's size with its NUL (HL_SCENE_ID_MAX) */

typedef enum hl_touch_kind { HL_TOUCH_DOWN, HL_TOUCH_MOVE, HL_TOUCH_UP } hl_touch_kind_t;

typedef struct hl_touch {
    char down_id[HL_TOUCH_ID_MAX]; /* target under the finger since touch-down, "" = none */
    char pressed[HL_TOUCH_ID_MAX]; /* what to draw pressed now ("" = nothing) */
    uint64_t screen_sig;           /* signature of the screen last built */
    int64_t screen_at_ms;          /* mono ms it appeared (the first screen: no guard) */
    long screen_n;                 /* screens shown so far */
    long down_screen;              /* screen_n when the finger went down */
    bool down_void;                /* the finger went down too soon: nothing it does counts */
    long guarded;                  /* touches and scripted taps the guard ignored */
} hl_touch_t;

/* What a finger's event did. */
typedef enum hl_touch_result {
    HL_TOUCH_NOTHING, /* nothing to redraw */
    HL_TOUCH_REDRAW,  /* pressed changed (or the touch was void): draw again */
    HL_TOUCH_TAP      /* a tap on the target written to tapped ("" beside every target) */
} hl_touch_result_t;

/* A screen was built with signature sig at now: another signature is a new
 * screen and the guard runs from now (the first screen has none: nothing
 * came before it to be tapped). True when it is a new screen. */
bool hl_touch_screen(hl_touch_t *t, uint64_t sig, int64_t now);

/* A touch going down now would be too soon after the screen appeared. */
bool hl_touch_too_soon(const hl_touch_t *t, int64_t now);

/* The finger under way counts for nothing more (it woke the panel, it was a
 * gesture): no press, no tap. */
void hl_touch_cancel(hl_touch_t *t);

/* A finger's event over target hit (NULL or "" for none) at now. An up
 * that taps writes the target (or "" for a tap beside every target) to
 * tapped (HL_TOUCH_ID_MAX bytes) and returns HL_TOUCH_TAP; a void touch
 * (too soon, or the screen changed under the finger) counts in guarded. */
hl_touch_result_t hl_touch_event(hl_touch_t *t, hl_touch_kind_t kind, const char *hit, int64_t now,
                                 char *tapped);

/* A scripted tap at now: false (and counted in guarded) when the guard
 * refuses it. */
bool hl_touch_scripted(hl_touch_t *t, int64_t now);

#endif
