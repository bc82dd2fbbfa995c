/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_power.c: the panel's power outside opening hours, as decisions
 * (hl_power.h). The kiosk carries them out on the display and logs them.
 */
#include "hl_power.h"

#include <stdio.h>

#define POWER_CLOCK_JUMP_MS 2000 /* wall clock moved this much against the monotonic one */

static bool has_hours(const hl_power_in_t *in)
{
    return in->hours && in->hours->set;
}

/* Looks at the opening hours now: closed, and when to look again. */
static void power_look(hl_power_t *p, const hl_power_in_t *in)
{
    p->mono0 = in->mono_ms;
    p->utc0 = in->utc_ms;
    if (!in->utc_trusted) {
        p->closed = false;
        p->check_ms = in->mono_ms + HL_POWER_UNTRUSTED_MS;
        return;
    }
    int64_t tz = in->tz_ms(in->utc_ms);
    p->closed = !hl_hours_is_open(in->hours, in->utc_ms, tz);
    int64_t next = hl_hours_next_change(in->hours, in->utc_ms, tz);
    p->check_ms = next < 0 ? 0 : in->mono_ms + next;
}

/* cmd: switch on or off, why, then today's hours (" 07:30-17:00" or
 * ": closed today") unless the clock is not to be believed. */
static bool power_cmd(const hl_power_in_t *in, bool on, const char *why, hl_power_cmd_t *cmd)
{
    char desc[HL_HOURS_DESC_MAX] = "";
    if (in->utc_trusted)
        hl_hours_describe(in->hours, in->utc_ms, in->tz_ms(in->utc_ms), desc, sizeof desc);
    cmd->on = on;
    snprintf(cmd->why, sizeof cmd->why, "%s%s%s", why,
             !desc[0]                           ? ""
             : desc[0] >= '0' && desc[0] <= '9' ? " "
                                                : ": ",
             desc);
    return true;
}

void hl_power_start(hl_power_t *p, const hl_power_in_t *in, bool ok, const char *hw_err, char *log,
                    size_t logsz)
{
    log[0] = '\0';
    p->touch_ms = in->mono_ms; /* the start counts as a touch */
    if (!ok && has_hours(in)) {
        snprintf(log, logsz, "%s; outside opening hours the screen is drawn black instead", hw_err);
        p->hw_logged = true;
    }
    if (has_hours(in)) power_look(p, in);
}

bool hl_power_tick(hl_power_t *p, const hl_power_in_t *in, hl_power_cmd_t *cmd)
{
    if (!has_hours(in)) return false;
    int64_t now = in->mono_ms;
    if (p->retry_ms > 0 && now >= p->retry_ms) {
        p->retry_ms = 0;
        if (!p->off) {
            cmd->on = true;
            snprintf(cmd->why, sizeof cmd->why, "trying again");
            return true; /* the caller ticks again after the switch */
        }
    }
    int64_t jump = (in->utc_ms - p->utc0) - (now - p->mono0);
    if ((p->check_ms > 0 && now >= p->check_ms) || jump > POWER_CLOCK_JUMP_MS ||
        jump < -POWER_CLOCK_JUMP_MS)
        power_look(p, in);
    p->quiet_ms = 0;
    if (!p->closed || in->busy) {
        if (!p->off) return false;
        if (p->closed) return power_cmd(in, true, "in use outside opening hours", cmd);
        if (!in->utc_trusted)
            return power_cmd(in, true, "the clock is not set: opening hours wait for it", cmd);
        return power_cmd(in, true, "opening hours", cmd);
    }
    if (p->off) return false;
    int64_t quiet_end = p->touch_ms + HL_POWER_QUIET_MS;
    if (now < quiet_end) {
        p->quiet_ms = quiet_end;
        return false;
    }
    return power_cmd(in, false, "outside opening hours", cmd);
}

hl_power_touch_t hl_power_touch(hl_power_t *p, const hl_power_in_t *in, bool down, bool up,
                                hl_power_cmd_t *cmd)
{
    p->touch_ms = in->mono_ms;
    if (p->off) {
        if (!down) return HL_POWER_SWALLOW;
        p->swallow = true;
        p->quiet_ms = p->touch_ms + HL_POWER_QUIET_MS;
        power_cmd(in, true, "a touch outside opening hours", cmd);
        return HL_POWER_WAKE;
    }
    if (down) p->swallow = false; /* a new finger: it counts */
    if (!p->swallow) return HL_POWER_PASS;
    if (up) p->swallow = false;
    return HL_POWER_SWALLOW;
}

void hl_power_switched(hl_power_t *p, const hl_power_in_t *in, bool on, bool ok, const char *hw_err,
                       char *log, size_t logsz)
{
    log[0] = '\0';
    if (ok) p->dark = !on;
    if (!ok && on && p->dark) {
        /* A panel that stays dark loses every citizen until it comes on:
         * say so each time and try again soon. */
        snprintf(log, logsz, "turning the panel on failed: %s; trying again in %d s", hw_err,
                 HL_POWER_RETRY_MS / 1000);
        p->retry_ms = in->mono_ms + HL_POWER_RETRY_MS;
    } else if (!ok && !on && !p->hw_logged) {
        snprintf(log, logsz, "%s; the screen is drawn black instead while off", hw_err);
        p->hw_logged = true;
    } else {
        p->retry_ms = 0; /* on now, or going off: nothing to retry */
    }
    p->off = !on;
}

int64_t hl_power_due(const hl_power_t *p)
{
    int64_t due = p->check_ms > 0 ? p->check_ms : -1;
    if (p->retry_ms > 0 && (due < 0 || p->retry_ms < due)) due = p->retry_ms;
    if (p->quiet_ms > 0 && (due < 0 || p->quiet_ms < due)) due = p->quiet_ms;
    return due;
}
