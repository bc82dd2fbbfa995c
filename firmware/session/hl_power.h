/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_power.h: when the panel is on: off outside opening hours (config
 * "display.opening_hours", hl_hours.h), on again at opening time or at a
 * touch. Pure: the caller says the time, the hours and whether someone uses
 * the kiosk, switches the panel when told and says whether that worked; no
 * display, no kiosk.
 *
 * Outside opening hours, with nobody using the kiosk (answering, a
 * technician screen, a stick being written: the caller's "busy"), the panel
 * goes off once nobody has touched it for HL_POWER_QUIET_MS (the start
 * counts as a touch, so a kiosk restarted at night shows its screen for that
 * long first). While it is off the screen is drawn black and a touch only
 * wakes it: that finger's down, moves and up answer nothing (the citizen
 * sees the screen first); the next touch counts. Whatever happens, the panel
 * is never off while the kiosk is busy: if it becomes busy while off (a
 * stick), it comes on at the next tick.
 *
 * No polling: hl_power_due says when to tick next (the next opening-hours
 * boundary, the end of the quiet period, a retry). The hours are looked at
 * again when the wall clock jumps against the monotonic one (NTP at boot, a
 * technician setting it). An untrusted clock (a Pi without RTC before NTP)
 * never turns the panel off; it is looked at again every
 * HL_POWER_UNTRUSTED_MS until it is trusted. A panel that refused to come on
 * is tried again every HL_POWER_RETRY_MS; one that refused to go off is
 * said once (the screen is drawn black instead).
 */
#ifndef HL_POWER_H
#define HL_POWER_H

#include "hl_hours.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_POWER_RETRY_MS     10000 /* a panel that refused to come on: try again */
#define HL_POWER_QUIET_MS     60000 /* outside hours: off after this long untouched */
#define HL_POWER_UNTRUSTED_MS 60000 /* an untrusted clock is looked at this often */
#define HL_POWER_WHY_MAX      (HL_HOURS_DESC_MAX + 64)

/* What the caller says each time: the hours and the clocks now. */
typedef struct hl_power_in {
    const hl_hours_t *hours;       /* the config's opening hours (not set: always on) */
    int64_t mono_ms;               /* the monotonic clock now */
    int64_t utc_ms;                /* the wall clock now */
    bool utc_trusted;              /* the wall clock is right */
    int64_t (*tz_ms)(int64_t utc); /* local offset at a time */
    bool busy;                     /* someone answers, a technician screen, an export */
} hl_power_in_t;

/* A switch the caller must make (hl_display_panel), then report with
 * hl_power_switched. */
typedef struct hl_power_cmd {
    bool on;                    /* on, or off */
    char why[HL_POWER_WHY_MAX]; /* for the journal: "opening hours 07:30-17:00" */
} hl_power_cmd_t;

typedef struct hl_power {
    bool off;         /* the panel is off: the scene is black, a touch only wakes it */
    bool closed;      /* outside opening hours at the last look at the clock */
    bool swallow;     /* the finger that woke the panel: its moves and up go nowhere */
    bool hw_logged;   /* a refused hardware switch was said (once) */
    bool dark;        /* the hardware is off (the last switch that worked was "off") */
    int64_t touch_ms; /* mono ms of the last touch (the start counts as one) */
    int64_t check_ms; /* mono ms of the next look at the hours (a boundary), 0 none */
    int64_t quiet_ms; /* mono ms the panel goes off unless touched, 0 none */
    int64_t mono0;    /* mono ms of the last look at the hours */
    int64_t utc0;     /* UTC ms then: a wall-clock jump makes it look again */
    int64_t retry_ms; /* mono ms to try turning the panel on again, 0 none */
} hl_power_t;

/* The kiosk starts: the caller switched the panel on in any case (a crash
 * while it was off must not leave it dark); ok says whether that worked,
 * hw_err why not. Writes a line for the journal to log ("" none). Then call
 * hl_power_tick. */
void hl_power_start(hl_power_t *p, const hl_power_in_t *in, bool ok, const char *hw_err, char *log,
                    size_t logsz);

/* Looks at the time: true when the panel must be switched as cmd says. */
bool hl_power_tick(hl_power_t *p, const hl_power_in_t *in, hl_power_cmd_t *cmd);

/* What a finger's event means for the panel. */
typedef enum hl_power_touch {
    HL_POWER_PASS,    /* the touch is the screen's */
    HL_POWER_SWALLOW, /* part of the touch that woke the panel: it goes nowhere */
    HL_POWER_WAKE     /* it woke the panel: switch it on as cmd says; the touch goes nowhere */
} hl_power_touch_t;

/* A finger's event (down, up, or a move when neither). */
hl_power_touch_t hl_power_touch(hl_power_t *p, const hl_power_in_t *in, bool down, bool up,
                                hl_power_cmd_t *cmd);

/* The caller made cmd's switch: ok says whether the hardware did (hw_err
 * why not). Writes a line for the journal to log ("" none). */
void hl_power_switched(hl_power_t *p, const hl_power_in_t *in, bool on, bool ok, const char *hw_err,
                       char *log, size_t logsz);

/* Mono ms of the next tick the panel needs, -1 none. */
int64_t hl_power_due(const hl_power_t *p);

#endif
