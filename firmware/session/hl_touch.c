/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_touch.c: a finger's events to taps, with the touch guard (hl_touch.h).
 * The kiosk feeds it what the display reports and what the scene says is
 * under the finger; it answers whether to redraw and what was tapped.
 */
#include "hl_touch.h"

#include <stdio.h>
#include <string.h>

bool hl_touch_screen(hl_touch_t *t, uint64_t sig, int64_t now)
{
    if (t->screen_n != 0 && sig == t->screen_sig) return false;
    t->screen_at_ms = now - (t->screen_n ? 0 : HL_TOUCH_GUARD_MS);
    t->screen_sig = sig;
    t->screen_n++;
    return true;
}

bool hl_touch_too_soon(const hl_touch_t *t, int64_t now)
{
    return now - t->screen_at_ms < HL_TOUCH_GUARD_MS;
}

void hl_touch_cancel(hl_touch_t *t)
{
    t->down_id[0] = t->pressed[0] = '\0';
}

hl_touch_result_t hl_touch_event(hl_touch_t *t, hl_touch_kind_t kind, const char *hit, int64_t now,
                                 char *tapped)
{
    if (!hit) hit = "";
    if (kind == HL_TOUCH_DOWN) {
        /* Too soon after a new screen, the whole touch is void (no
         * highlight either: nothing will happen). */
        t->down_screen = t->screen_n;
        t->down_void = hl_touch_too_soon(t, now);
        if (t->down_void) {
            t->guarded++;
            hl_touch_cancel(t);
            return HL_TOUCH_REDRAW;
        }
        snprintf(t->down_id, sizeof t->down_id, "%s", hit);
        snprintf(t->pressed, sizeof t->pressed, "%s", hit);
        return HL_TOUCH_REDRAW;
    }
    if (kind == HL_TOUCH_MOVE) {
        /* Sliding off a target releases it: no accidental answer. */
        const char *want = strcmp(hit, t->down_id) == 0 ? t->down_id : "";
        if (strcmp(t->pressed, want) == 0) return HL_TOUCH_NOTHING;
        snprintf(t->pressed, sizeof t->pressed, "%s", want);
        return HL_TOUCH_REDRAW;
    }
    /* Up. A finger that went down on another screen (it changed under the
     * finger) or too soon after this one appeared taps nothing. */
    bool void_touch = t->down_void || t->down_screen != t->screen_n;
    if (void_touch && !t->down_void) t->guarded++;
    t->down_void = false;
    snprintf(tapped, HL_TOUCH_ID_MAX, "%s", strcmp(hit, t->down_id) == 0 ? hit : "");
    hl_touch_cancel(t);
    if (void_touch) {
        tapped[0] = '\0';
        return HL_TOUCH_REDRAW;
    }
    return HL_TOUCH_TAP;
}

bool hl_touch_scripted(hl_touch_t *t, int64_t now)
{
    if (!hl_touch_too_soon(t, now)) return true;
    t->guarded++;
    return false;
}
