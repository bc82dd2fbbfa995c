/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fixture_kiosk.h: a whole kiosk in-process for the tests: default
 * config (plus what the test sets), a survey loaded from a file, a fake
 * clock, a fresh data folder, the headless display at 800x480, the store
 * on the fault VFS when asked. Tests drive it through the kiosk's functions
 * (hl_kiosk_touch, hl_kiosk_tick, hl_kiosk_tap_id, ...). Links the display
 * (SDL): tests that need no screen use hl_fixture.h alone.
 */
#ifndef HL_FIXTURE_KIOSK_H
#define HL_FIXTURE_KIOSK_H

#include "cli.h"
#include "kiosk.h"

#include <stdbool.h>
#include <stdint.h>

#define HL_FIXTURE_START_MS 1795766400000LL /* 2026-11-27T08:00:00Z */

typedef struct hl_kiosk_fixture {
    hl_cli_t cli;       /* the config and survey the kiosk runs (owned) */
    hl_fakesys_t clock; /* the kiosk's clock, moved by hand */
    hl_kiosk_t k;       /* the kiosk */
    char *dir;          /* its data folder (owned, removed at the end) */
    hl_err_t err;       /* for the test's calls */
    hl_kiosk_opts_t ko; /* what it was opened with (hl_kiosk_fixture_restart) */
} hl_kiosk_fixture_t;

typedef struct hl_kiosk_fixture_opts {
    const char *tag;           /* names the data folder ("kiosk" when NULL) */
    const char *kiosk_id;      /* "kiosk-test" when NULL */
    const char *survey;        /* a survey file; NULL: tests/data/flow/survey.json */
    int64_t start_utc_ms;      /* the clock's start; 0: HL_FIXTURE_START_MS */
    bool untrusted;            /* the wall clock is not trusted */
    bool fault_vfs;            /* the store on the fault VFS (disarmed) */
    bool no_first_frame;       /* do not draw the first frame */
    const char *export_secret; /* the USB export key's secret, NULL: none */
    const char *pin;           /* the technician PIN (hashed into the config), NULL: none */
    const char *audio_capture; /* speech captured to this WAV (and FILE.jsonl), written when
                                  the kiosk closes; NULL: no speech (headless, no speaker) */
    void (*configure)(hl_config_t *cfg, void *ctx); /* more config before opening */
    void *ctx;                                      /* passed to configure */
    bool real_cli_clock; /* the program's clock (cli.sys: the sync worker's) is the real one;
                            the kiosk's own stays the fake one */
} hl_kiosk_fixture_opts_t;

/* The kiosk opened (and its first frame drawn); aborts when it cannot be. */
hl_kiosk_fixture_t *hl_kiosk_fixture_new(const hl_kiosk_fixture_opts_t *o);

/* Closes the kiosk and opens it again on the same folder, config and survey
 * (a restart), with its first frame drawn; aborts when it cannot be. */
void hl_kiosk_fixture_restart(hl_kiosk_fixture_t *x);

/* Closes the kiosk, frees its config and survey, removes its folder. */
void hl_kiosk_fixture_free(hl_kiosk_fixture_t *x);

/* Opens the technician menu as a technician does, with touches on the
 * start screen: the hidden gesture (hold the top-left corner 3 s, release,
 * tap the top-right corner 3 times), then pin (the fixture's) on the PIN pad.
 * Fails the test when the menu is not open after it. */
void hl_kiosk_fixture_open_menu(hl_kiosk_fixture_t *x, const char *pin);

#endif
