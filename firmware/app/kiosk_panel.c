/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_panel.c: the panel's power carried out: what hl_power (the policy,
 * session/hl_power.h) decides, switched on the display and said in the
 * journal. The kiosk's inputs to it: its clock (the fake one in tests and
 * scripted runs), the config's opening hours, the platform's local offset,
 * and "busy" (someone answers, a technician screen is open, an export
 * runs). A finger that wakes the panel counts for nothing else.
 */
#include "kiosk_int.h"

static hl_power_in_t power_in(const hl_kiosk_t *k)
{
    bool busy = !hl_kiosk_idle(k) || k->tech.mode != HL_TECH_OFF ||
                k->ui.export_state.phase != HL_UI_EXPORT_NONE || k->usb.io.running;
    return (hl_power_in_t){.hours = &k->cli->cfg.display.hours,
                           .mono_ms = k->sys.mono_ms(k->sys.ctx),
                           .utc_ms = k->sys.utc_ms(k->sys.ctx),
                           .utc_trusted = k->sys.utc_trusted(k->sys.ctx),
                           .tz_ms = hl_platform_tz_offset_ms,
                           .busy = busy};
}

static void power_say(const char *log)
{
    if (log[0]) fprintf(stderr, "hailong: %s\n", log);
}

/* Switches the panel as cmd says and tells hl_power how it went. */
static void panel_switch(hl_kiosk_t *k, const hl_power_in_t *in, const hl_power_cmd_t *cmd)
{
    hl_err_t err = {0};
    char log[HL_POWER_WHY_MAX + sizeof err.msg];
    bool ok = hl_display_panel(k->display, cmd->on, &err) == HL_OK;
    hl_power_switched(&k->power, in, cmd->on, ok, err.msg, log, sizeof log);
    power_say(log);
    k->dirty = true;
    fprintf(stderr, "hailong: panel %s (%s)\n", cmd->on ? "on" : "off", cmd->why);
}

void hl_kiosk_panel_open(hl_kiosk_t *k)
{
    hl_power_in_t in = power_in(k);
    hl_err_t err = {0};
    char log[sizeof err.msg + 80];
    bool ok = hl_display_panel(k->display, true, &err) == HL_OK;
    hl_power_start(&k->power, &in, ok, err.msg, log, sizeof log);
    power_say(log);
    hl_kiosk_panel_tick(k);
}

void hl_kiosk_panel_tick(hl_kiosk_t *k)
{
    hl_power_cmd_t cmd;
    /* At most a retry, then what the hours say. */
    for (int i = 0; i < 3; i++) {
        hl_power_in_t in = power_in(k);
        if (!hl_power_tick(&k->power, &in, &cmd)) return;
        panel_switch(k, &in, &cmd);
    }
}

bool hl_kiosk_panel_touch(hl_kiosk_t *k, hl_input_kind_t kind)
{
    hl_power_in_t in = power_in(k);
    hl_power_cmd_t cmd;
    hl_power_touch_t t =
        hl_power_touch(&k->power, &in, kind == HL_INPUT_DOWN, kind == HL_INPUT_UP, &cmd);
    if (t == HL_POWER_WAKE) {
        kiosk_touch_cancel(k);
        hl_tech_gesture_reset(&k->tech); /* the wake touch is no part of the gesture */
        panel_switch(k, &in, &cmd);
    }
    return t != HL_POWER_PASS;
}

int64_t hl_kiosk_panel_due(const hl_kiosk_t *k)
{
    return hl_power_due(&k->power);
}
