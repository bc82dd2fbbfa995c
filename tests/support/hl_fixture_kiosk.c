/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture_kiosk.c: the in-process kiosk fixture (hl_fixture_kiosk.h).
 */
#include "hl_fixture_kiosk.h"
#include "hl_bundle.h"
#include "hl_faultvfs.h"
#include "hl_platform.h"
#include "hl_pin.h"
#include "hl_test.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hl_kiosk_fixture_t *hl_kiosk_fixture_new(const hl_kiosk_fixture_opts_t *o)
{
    hl_kiosk_fixture_t *x = calloc(1, sizeof *x);
    if (!x) abort();
    if (o->fault_vfs) {
        if (hl_faultvfs_register() != SQLITE_OK) abort();
        hl_faultvfs_disarm();
    }
    x->dir = hl_test_tmpdir(o->tag ? o->tag : "kiosk");
    snprintf(x->cli.data_dir, sizeof x->cli.data_dir, "%s", x->dir);
    hl_config_defaults(&x->cli.cfg, o->kiosk_id ? o->kiosk_id : "kiosk-test");
    if (o->export_secret) {
        x->cli.cfg.has_export_key = true;
        hl_bundle_key_from_secret(o->export_secret, strlen(o->export_secret),
                                  x->cli.cfg.export_key_sha256);
    }
    if (o->pin) {
        hl_fakesys_t f;
        hl_fakesys_init(&f, 0, true, 99);
        hl_sys_t sys = hl_fakesys_sys(&f);
        if (hl_pin_hash(o->pin, HL_PIN_ITER_MIN, &sys, x->cli.cfg.pin_hash, &x->err) != HL_OK)
            abort();
    }
    if (o->configure) o->configure(&x->cli.cfg, o->ctx);
    x->cli.sys = o->real_cli_clock ? hl_platform_sys() : hl_fakesys_sys(&x->clock);
    const char *survey = o->survey ? o->survey : hl_test_data("flow/survey.json");
    snprintf(x->cli.survey_file, sizeof x->cli.survey_file, "%s", survey);
    hl_diags_t d = {0};
    if (hl_survey_load_file(survey, &x->cli.survey, &d) != HL_OK) abort();
    hl_diags_free(&d);
    hl_fakesys_init(&x->clock, o->start_utc_ms ? o->start_utc_ms : HL_FIXTURE_START_MS,
                    !o->untrusted, 9);
    x->ko = (hl_kiosk_opts_t){.display = {HL_BACKEND_HEADLESS, 800, 480, 0, false},
                              .sys = hl_fakesys_sys(&x->clock),
                              .store_vfs = o->fault_vfs ? HL_FAULTVFS_NAME : NULL,
                              .audio_capture = o->audio_capture};
    if (hl_kiosk_open(&x->k, &x->cli, &x->ko) != HL_EXIT_OK) abort();
    if (!o->no_first_frame && hl_kiosk_draw(&x->k, &x->err) != HL_OK) abort();
    return x;
}

void hl_kiosk_fixture_restart(hl_kiosk_fixture_t *x)
{
    hl_kiosk_close(&x->k);
    if (hl_kiosk_open(&x->k, &x->cli, &x->ko) != HL_EXIT_OK) abort();
    if (hl_kiosk_draw(&x->k, &x->err) != HL_OK) abort();
}

void hl_kiosk_fixture_free(hl_kiosk_fixture_t *x)
{
    hl_faultvfs_disarm();
    hl_kiosk_close(&x->k);
    hl_survey_free(x->cli.survey);
    hl_config_free(&x->cli.cfg);
    hl_test_rmtree(x->dir);
    free(x->dir);
    free(x);
}

static void fixture_touch(hl_kiosk_fixture_t *x, hl_input_kind_t kind, int px, int py, int64_t ms)
{
    hl_kiosk_touch(&x->k, kind, px, py);
    hl_fakesys_advance(&x->clock, ms);
    hl_kiosk_tick(&x->k);
}

void hl_kiosk_fixture_open_menu(hl_kiosk_fixture_t *x, const char *pin)
{
    int w, h;
    hl_display_size(hl_kiosk_display(&x->k), &w, &h);
    fixture_touch(x, HL_INPUT_DOWN, 4, 4, HL_TECH_HOLD_MS + 100);
    fixture_touch(x, HL_INPUT_UP, 4, 4, 200);
    for (int i = 0; i < HL_TECH_TAPS; i++) {
        fixture_touch(x, HL_INPUT_DOWN, w - 4, 4, 80);
        fixture_touch(x, HL_INPUT_UP, w - 4, 4, 200);
    }
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS); /* a look at the pad */
    char id[16];
    for (const char *d = pin; *d; d++) {
        snprintf(id, sizeof id, "pin:%c", *d);
        if (hl_kiosk_tap_id(&x->k, id, &x->err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "PIN pad: %s", x->err.msg);
    }
    if (hl_kiosk_tap_id(&x->k, "pin:ok", &x->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "PIN pad: %s", x->err.msg);
    if (hl_kiosk_tech(&x->k)->mode != HL_TECH_MENU)
        hl_test_fail(__FILE__, __LINE__, "the technician menu did not open");
}
