/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_panel.c: the panel off outside opening hours (config
 * "display.opening_hours", hl_hours.h), on again at opening time or at a
 * touch.
 *
 * Outside opening hours, with nobody answering, the technician screens
 * closed and no stick being written, the panel goes off once nobody has
 * touched it for HL_KIOSK_PANEL_QUIET_MS (the start counts as a touch, so a
 * kiosk restarted at night shows its screen for that long first). While it
 * is off the screen is drawn black and a touch only wakes it: that finger's
 * down, moves and up answer nothing and press no button (the citizen sees
 * the screen first); the next touch counts. Whatever happens, the panel is
 * never off while someone answers, a technician screen is open or an export
 * runs: if one of those starts while it is off (a stick), it comes on.
 *
 * Time is the kiosk's hl_sys_t clock (the fake one in tests and scripted
 * runs) and the platform's local offset. No polling: the loop's timeout
 * includes the next opening-hours boundary and the end of the quiet period.
 * The clock is looked at again when the wall clock jumps against the
 * monotonic one (NTP at boot, a technician setting it). An untrusted clock
 * (a Pi without RTC before NTP) never turns the panel off; it is looked at
 * again every HL_KIOSK_PANEL_UNTRUSTED_MS until it is trusted.
 *
 * When the hardware refuses (no backlight to write, DPMS not allowed) the
 * kiosk logs it once and goes on with the black screen. Each change of
 * state is logged once to stderr (the journal).
 */
#include "kiosk.h"

#include "hl_platform.h"

#include <stdio.h>

#define PANEL_CLOCK_JUMP_MS 2000 /* wall clock moved this much against the monotonic one */

static int64_t panel_now(const hl_kiosk_t *k)
{
    return k->sys.mono_ms(k->sys.ctx);
}

static bool panel_hours(const hl_kiosk_t *k)
{
    return k->cli->cfg.display.hours.set;
}

/* Someone is using the kiosk: never off then. */
static bool panel_busy(const hl_kiosk_t *k)
{
    return !hl_kiosk_idle(k) || k->tech.mode != HL_TECH_OFF ||
           k->ui.export_state.phase != HL_UI_EXPORT_NONE || k->usb.running;
}

/* Looks at the opening hours now: panel_closed and when to look again. */
static void panel_look(hl_kiosk_t *k, int64_t now)
{
    int64_t utc = k->sys.utc_ms(k->sys.ctx);
    k->panel.mono0 = now;
    k->panel.utc0 = utc;
    if (!k->sys.utc_trusted(k->sys.ctx)) {
        k->panel.closed = false;
        k->panel.check_ms = now + HL_KIOSK_PANEL_UNTRUSTED_MS;
        return;
    }
    const hl_hours_t *h = &k->cli->cfg.display.hours;
    int64_t tz = hl_platform_tz_offset_ms(utc);
    k->panel.closed = !hl_hours_is_open(h, utc, tz);
    int64_t next = hl_hours_next_change(h, utc, tz);
    k->panel.check_ms = next < 0 ? 0 : now + next;
}

/* "07:30–17:00" or ": closed today", for the log. */
static void panel_today(const hl_kiosk_t *k, char *out, size_t outsz)
{
    int64_t utc = k->sys.utc_ms(k->sys.ctx);
    char desc[HL_HOURS_DESC_MAX];
    hl_hours_describe(&k->cli->cfg.display.hours, utc, hl_platform_tz_offset_ms(utc), desc,
                      sizeof desc);
    snprintf(out, outsz, "%s%s", desc[0] >= '0' && desc[0] <= '9' ? " " : ": ", desc);
}

static void panel_switch(hl_kiosk_t *k, bool on, const char *why)
{
    hl_err_t err = {0};
    int rc = hl_display_panel(k->display, on, &err);
    if (rc == HL_OK) k->panel.dark = !on;
    if (rc != HL_OK && on && k->panel.dark) {
        /* A panel that stays dark loses every citizen until it comes on:
         * say so each time and try again soon. */
        fprintf(stderr, "hailong: turning the panel on failed: %s; trying again in %d s\n", err.msg,
                HL_KIOSK_PANEL_RETRY_MS / 1000);
        k->panel.retry_ms = panel_now(k) + HL_KIOSK_PANEL_RETRY_MS;
    } else if (rc != HL_OK && !on && !k->panel.hw_logged) {
        fprintf(stderr, "hailong: %s; the screen is drawn black instead while off\n", err.msg);
        k->panel.hw_logged = true;
    } else {
        k->panel.retry_ms = 0; /* on now, or going off: nothing to retry */
    }
    k->panel.off = !on;
    k->dirty = true;
    fprintf(stderr, "hailong: panel %s (%s)\n", on ? "on" : "off", why);
}

void hl_kiosk_panel_open(hl_kiosk_t *k)
{
    int64_t now = panel_now(k);
    k->panel.touch_ms = now; /* the start counts as a touch */
    /* On in any case: a crash while it was off must not leave it dark. */
    hl_err_t err = {0};
    if (hl_display_panel(k->display, true, &err) != HL_OK && panel_hours(k)) {
        fprintf(stderr, "hailong: %s; outside opening hours the screen is drawn black instead\n",
                err.msg);
        k->panel.hw_logged = true;
    }
    if (!panel_hours(k)) return;
    panel_look(k, now);
    hl_kiosk_panel_tick(k);
}

void hl_kiosk_panel_tick(hl_kiosk_t *k)
{
    if (!panel_hours(k)) return;
    int64_t now = panel_now(k);
    if (k->panel.retry_ms > 0 && now >= k->panel.retry_ms) {
        k->panel.retry_ms = 0;
        if (!k->panel.off) panel_switch(k, true, "trying again");
    }
    int64_t jump = (k->sys.utc_ms(k->sys.ctx) - k->panel.utc0) - (now - k->panel.mono0);
    if ((k->panel.check_ms > 0 && now >= k->panel.check_ms) || jump > PANEL_CLOCK_JUMP_MS ||
        jump < -PANEL_CLOCK_JUMP_MS)
        panel_look(k, now);
    k->panel.quiet_ms = 0;
    char why[HL_HOURS_DESC_MAX + 64], today[HL_HOURS_DESC_MAX + 4];
    if (!k->panel.closed || panel_busy(k)) {
        if (!k->panel.off) return;
        panel_today(k, today, sizeof today);
        if (k->panel.closed)
            snprintf(why, sizeof why, "in use outside opening hours%s", today);
        else if (!k->sys.utc_trusted(k->sys.ctx))
            snprintf(why, sizeof why, "the clock is not set: opening hours wait for it");
        else
            snprintf(why, sizeof why, "opening hours%s", today);
        panel_switch(k, true, why);
        return;
    }
    if (k->panel.off) return;
    int64_t quiet_end = k->panel.touch_ms + HL_KIOSK_PANEL_QUIET_MS;
    if (now < quiet_end) {
        k->panel.quiet_ms = quiet_end;
        return;
    }
    panel_today(k, today, sizeof today);
    snprintf(why, sizeof why, "outside opening hours%s", today);
    panel_switch(k, false, why);
}

bool hl_kiosk_panel_touch(hl_kiosk_t *k, hl_input_kind_t kind)
{
    k->panel.touch_ms = panel_now(k);
    if (k->panel.off) {
        if (kind == HL_INPUT_DOWN) {
            k->panel.swallow = true;
            k->guard.down_id[0] = k->ui.pressed[0] = '\0';
            hl_tech_gesture_reset(&k->tech); /* the wake touch is no part of the gesture */
            char why[HL_HOURS_DESC_MAX + 64], today[HL_HOURS_DESC_MAX + 4];
            panel_today(k, today, sizeof today);
            snprintf(why, sizeof why, "a touch outside opening hours%s", today);
            panel_switch(k, true, why);
            k->panel.quiet_ms = k->panel.touch_ms + HL_KIOSK_PANEL_QUIET_MS;
        }
        return true;
    }
    if (kind == HL_INPUT_DOWN) k->panel.swallow = false; /* a new finger: it counts */
    if (!k->panel.swallow) return false;
    if (kind == HL_INPUT_UP) k->panel.swallow = false;
    return true;
}

int64_t hl_kiosk_panel_due(const hl_kiosk_t *k)
{
    int64_t due = k->panel.check_ms > 0 ? k->panel.check_ms : -1;
    if (k->panel.retry_ms > 0 && (due < 0 || k->panel.retry_ms < due)) due = k->panel.retry_ms;
    if (k->panel.quiet_ms > 0 && (due < 0 || k->panel.quiet_ms < due)) due = k->panel.quiet_ms;
    return due;
}
