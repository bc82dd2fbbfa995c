/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk.h: the running kiosk: store, flow, screen and renderer wired
 * together, with the event loop and the scripted-run extension (tap, shot,
 * size). Used by `hailong run` and `hailong-bench ui`.
 */
#ifndef HL_KIOSK_H
#define HL_KIOSK_H

#include "cli.h"
#include "hl_display.h"
#include "hl_media.h"
#include "hl_notify.h"
#include "hl_power.h"
#include "hl_flow.h"
#include "hl_render.h"
#include "hl_script.h"
#include "hl_store.h"
#include "hl_sync.h"
#include "hl_tech.h"
#include "hl_tech_ui.h"
#include "hl_touch.h"
#include "hl_ui.h"
#include "hl_usb.h"

#include <pthread.h>

#define HL_KIOSK_RETRY_MS         5000  /* out of service: try the failed step again this often */
#define HL_KIOSK_RELEASED_SHOW_MS 20000 /* an unmounted stick's result screen stays this long */
#define HL_KIOSK_CACHE_KIB        2048  /* the writer's page cache: a save touches a few pages */

#define HL_KIOSK_LOG_QUEUE 16 /* technician log rows held while an export has the store */

typedef struct hl_kiosk_log_row {
    int64_t at_utc_ms;
    char event[24];
    char detail[256];
} hl_kiosk_log_row_t;

/* The technician menu's state besides its state machine (kiosk_tech.c). */
typedef struct hl_kiosk_menu {
    hl_tech_view_t view; /* what the technician screens show */
    bool view_valid;     /* view's store figures are current (refreshed after a tap,
                            a stick, an export or a sync, never per frame) */
    hl_kiosk_log_row_t log_queue[HL_KIOSK_LOG_QUEUE]; /* written once the export ends */
    int n_log_queue;                                  /* rows waiting in log_queue */
    hl_results_t *results;      /* owned (large): the results page's figures */
    bool results_valid;         /* results match tech.period / tech.filter */
    hl_diags_t install_errors;  /* owned: the last survey install's problems */
    char notice[300];           /* the last action's outcome, "" none */
    bool notice_error;          /* notice is a refusal or failure */
    hl_medium_t stick;          /* the authorised stick in the kiosk */
    bool has_stick;             /* stick is set */
    char prev_survey[PATH_MAX]; /* the survey file before the last switch ("" none) */
    int stick_first;            /* Survey page: the first stick file shown (natural order) */
    int stick_rows;             /* and how many it shows at once (counted on the screen) */
    int64_t clock_edit_ms;      /* settings: the date and time being set (UTC ms), -1 */
} hl_kiosk_menu_t;

/* The flow's clock (hl_kiosk_t.sys forwards here). */
typedef struct hl_kiosk_clock {
    hl_sys_t base;      /* the platform's clock (opts.sys; a fake one in tests) */
    bool set_by_person; /* a technician set the clock: trusted from now on */
} hl_kiosk_clock_t;

/* USB sticks: the watcher and the export thread (hl_usb.h), and what the
 * kiosk decides with them (kiosk_workers.c). */
typedef struct hl_kiosk_usb {
    hl_usb_t io;         /* the watcher and the export thread */
    hl_medium_t pending; /* an authorised stick waiting for an idle kiosk */
    bool has_pending;    /* pending is set */
    hl_medium_t stick;   /* the stick being (or just) written */
    bool stick_gone;     /* removed before its result screen was cleared */
    bool stick_released; /* the export unmounted it (hl_media_release) */
    int64_t clear_at_ms; /* mono ms to leave a result screen, 0 = none */
} hl_kiosk_usb_t;

/* Speech and the tactile keys (kiosk_access.c). */
typedef struct hl_kiosk_access {
    struct hl_audio *audio;       /* owned: the speaker, or a headless run's capture; NULL: none */
    struct hl_voice *voice;       /* owned: the speech worker; NULL: no speech (no audio, no
                                     espeak-ng data: said once on stderr) */
    char spoken[HL_SCENE_ID_MAX]; /* the screen last spoken (hl_scene_t.screen) */
    bool active;                  /* a response, or access in use on the start screen */
    int64_t last_input_ms;        /* mono ms of the last key or tap */
    char shown[HL_SCENE_ID_MAX];  /* the screen last built (hl_scene_t.screen) */
    int64_t shown_at_ms;          /* mono ms it appeared: enter and back wait the guard */
    int seen_state;               /* the flow's state at the last kiosk_access_tick */
    int64_t seen_finished;        /* responses finished then (a change: one ended) */
    char text[8192]; /* what is being put into words (hl_ui_speech: HL_UI_SPEECH_MAX) */
} hl_kiosk_access_t;

/* What the province's centre sees of the kiosk and assigns to it through
 * the sync (kiosk_centre.c, docs/sync-protocol.md "Version 2"). */
typedef struct hl_kiosk_centre {
    int64_t started_ms;  /* cli->sys's monotonic clock at open: the status's uptime */
    int64_t waiting_id;  /* the assignment waiting for an idle moment, -1 none */
    int64_t seen_id;     /* the last assignment said in the journal, -1 none */
    int64_t retry_at_ms; /* mono ms before which a failed read of the waiting one is not
                            tried again, 0 none */
} hl_kiosk_centre_t;

typedef struct hl_kiosk {
    hl_cli_t *cli;          /* the environment: data dir, config, survey. The structure is
                               the caller's; while the kiosk runs, its config and survey
                               are the kiosk's: technician mode replaces them (the old
                               ones freed), and the caller frees what is there at the end */
    hl_store_t *store;      /* owned */
    hl_devkey_t devkey;     /* owned: signs the chain and bundles (data folder's key) */
    hl_flow_t flow;         /* owned */
    bool flow_ready;        /* flow initialised */
    hl_display_t *display;  /* owned */
    hl_render_t *render;    /* owned */
    hl_ui_t ui;             /* screen state (pressed target, out of service) */
    hl_scene_t *scene;      /* owned: the screen last built (allocated once) */
    hl_sys_t sys;           /* the flow's clock (fake in scripted runs) */
    hl_kiosk_clock_t clock; /* what sys forwards to */
    bool dirty;             /* something changed: draw before sleeping */
    hl_action_t failed;     /* the tap whose commit failed, retried while out of service */
    bool has_failed;        /* failed holds one */
    int64_t retry_at_ms;    /* mono ms of the next retry, 0 = none */
    bool retrying;          /* inside a retry: the failure was reported already */
    const char *shots_dir;  /* --screenshots DIR, or NULL */
    long long frames;       /* frames presented */
    hl_kiosk_usb_t usb;     /* USB sticks and the export thread (kiosk_workers.c) */
    /* Network sync: a worker thread pushes pending responses; the loop
     * records each outcome through the store (hl_syncw_commit). */
    hl_syncw_t *syncw;        /* owned; NULL without a "sync" section */
    bool curl_ready;          /* hl_sync_global_init done (cleaned up at close) */
    hl_kiosk_centre_t centre; /* the status sent, the assignments received (kiosk_centre.c) */
    bool quit;                /* SIGTERM or the desktop quit combination */
    /* Technician mode (kiosk_tech.c). */
    hl_tech_t tech;           /* gesture, PIN pad, menu state */
    hl_kiosk_menu_t menu;     /* the technician menu's state besides tech (kiosk_tech.c) */
    bool restart;             /* restart the program when the loop ends */
    hl_fakesys_t *fake;       /* a scripted run's clock (power and clock simulated), or
                                 NULL for the real kiosk */
    hl_power_t power;         /* panel power outside opening hours (hl_power.h, kiosk_panel.c) */
    hl_notify_t notify;       /* the service manager: READY=1, WATCHDOG=1, STOPPING=1 */
    hl_touch_t touch;         /* a finger's events to taps, with the touch guard (hl_touch.h) */
    hl_kiosk_access_t access; /* speech and the tactile keys (kiosk_access.c) */
} hl_kiosk_t;

typedef struct hl_kiosk_opts {
    hl_display_opts_t display; /* backend, size, rotation */
    hl_sys_t sys;              /* clock for the flow */
    const char *shots_dir;     /* where `shot NAME` writes NAME.png */
    const char *store_vfs;     /* SQLite VFS for the store, NULL = default (tests inject faults) */
    hl_fakesys_t *fake;        /* the scripted run's clock behind sys, or NULL */
    const char *audio_capture; /* headless: write what would be played here (WAV, and a JSON
                                  line per utterance in FILE.jsonl); NULL: the speaker */
} hl_kiosk_opts_t;

/* What the kiosk shows and holds, for tests and tools to look at (read
 * only; the kiosk changes them through its own functions). */
const hl_flow_t *hl_kiosk_flow(const hl_kiosk_t *k);
const hl_ui_t *hl_kiosk_ui(const hl_kiosk_t *k);
const hl_scene_t *hl_kiosk_scene(const hl_kiosk_t *k);
hl_store_t *hl_kiosk_store(const hl_kiosk_t *k);
hl_display_t *hl_kiosk_display(const hl_kiosk_t *k);
const hl_power_t *hl_kiosk_power(const hl_kiosk_t *k); /* the panel's power state */
const hl_tech_t *hl_kiosk_tech(const hl_kiosk_t *k);   /* technician mode: mode, page */
const hl_devkey_t *hl_kiosk_devkey(const hl_kiosk_t *k);
long hl_kiosk_guarded(const hl_kiosk_t *k);        /* touches and taps the guard ignored */
long long hl_kiosk_frames(const hl_kiosk_t *k);    /* frames presented */
bool hl_kiosk_dirty(const hl_kiosk_t *k);          /* a frame is due */
bool hl_kiosk_stick_waiting(const hl_kiosk_t *k);  /* a stick waits for the kiosk to be idle */
bool hl_kiosk_stick_released(const hl_kiosk_t *k); /* the export unmounted its stick */
bool hl_kiosk_stopping(const hl_kiosk_t *k);       /* the loop ends (quit or restart) */

/* A tactile key (kiosk_access.c): its action in the config's map, applied
 * as the key would be; the scripted runs' `key` verb comes here too. */
void hl_kiosk_key(hl_kiosk_t *k, hl_key_act_t act);
/* Waits until the voice said what it was asked (scripted runs). */
void hl_kiosk_voice_wait(hl_kiosk_t *k);

/* Opens everything (store in cli->data_dir with recovery, display, fonts);
 * prints what failed and returns an exit code. cli must be loaded; its
 * config and survey belong to the kiosk until hl_kiosk_close (technician
 * mode may replace them), then to cli again (hl_cli_main frees them). */
int hl_kiosk_open(hl_kiosk_t *k, hl_cli_t *cli, const hl_kiosk_opts_t *o);
void hl_kiosk_close(hl_kiosk_t *k);

/* Builds the scene for the current state and draws and presents it. */
int hl_kiosk_draw(hl_kiosk_t *k, hl_err_t *err);

/* A finger down / up at x, y (feedback on down; the tap happens on up over
 * the same target, on the same screen, unless it went down within
 * HL_TOUCH_GUARD_MS of that screen appearing: then it counts nowhere). */
void hl_kiosk_touch(hl_kiosk_t *k, hl_input_kind_t kind, int x, int y);

/* Taps a target by id (as a finger would): HL_ERR_STATE when not on screen,
 * or when the touch guard ignores it (hl_kiosk_guarded counts it; err says so). */
int hl_kiosk_tap_id(hl_kiosk_t *k, const char *id, hl_err_t *err);

/* Timeouts and retries due now. */
void hl_kiosk_tick(hl_kiosk_t *k);
/* The same for hl_script_runner_t.tick (ctx = kiosk), then a look at the
 * screen: a script's steps change the flow behind the kiosk's back, and the
 * touch guard dates a new screen from when the kiosk first sees it. */
void hl_kiosk_tick_cb(void *ctx);

/* Milliseconds until the next timed work (-1: none), for the event wait. */
int hl_kiosk_timeout(const hl_kiosk_t *k);

/* A stick appeared / went away (the media thread's news, or tests). An
 * authorised stick is written as soon as nobody is answering. */
void hl_kiosk_media_added(hl_kiosk_t *k, const hl_medium_t *m);
void hl_kiosk_media_removed(hl_kiosk_t *k, const char *mount);

/* Takes what the worker threads handed over (called by the loop each turn). */
void hl_kiosk_poll_workers(hl_kiosk_t *k);

/* Records a sync outcome that waits, unless an export holds the store
 * (then the next turn does). Part of hl_kiosk_poll_workers. */
void hl_kiosk_sync_commit(hl_kiosk_t *k);

/* Looks at the store's last assignment from the centre: a new one waiting
 * is taken up (installed by hl_kiosk_centre_tick), one refused at once is
 * logged. Part of hl_kiosk_sync_commit, after each recorded sync outcome
 * (tests record one in the store and call it). */
void hl_kiosk_centre_check(hl_kiosk_t *k);

/* Installs the centre's waiting assignment (a survey and/or an officer
 * list) once the kiosk is idle: nobody answering, no technician screen, no
 * export, in service. Part of hl_kiosk_tick. */
void hl_kiosk_centre_tick(hl_kiosk_t *k);

/* The id of the assignment waiting to be installed, -1 none (tests). */
int64_t hl_kiosk_assignment_waiting(const hl_kiosk_t *k);

/* ---- Panel power (kiosk_panel.c) ---- */

/* At open: the panel on, and the first look at the opening hours. */
void hl_kiosk_panel_open(hl_kiosk_t *k);

/* Part of hl_kiosk_tick: off outside opening hours once quiet and unused,
 * on at opening time or when someone uses the kiosk. */
void hl_kiosk_panel_tick(hl_kiosk_t *k);

/* Part of hl_kiosk_touch, first: true when the touch is the panel's (it
 * woke the panel, or is the rest of the finger that did) and goes no
 * further. */
bool hl_kiosk_panel_touch(hl_kiosk_t *k, hl_input_kind_t kind);

/* Mono ms of the panel's next timed work (a boundary, the end of the quiet
 * period), -1 none: part of hl_kiosk_timeout. */
int64_t hl_kiosk_panel_due(const hl_kiosk_t *k);

/* ---- Technician mode (kiosk_tech.c) ---- */

/* Loads the lockout state and sets the technician mode up (at open). */
void hl_kiosk_tech_open(hl_kiosk_t *k);
void hl_kiosk_tech_close(hl_kiosk_t *k);

/* Builds the technician screen into k->scene (mode is not OFF). */
void hl_kiosk_tech_build(hl_kiosk_t *k, int w, int h);

/* A tap on a technician screen's target (as a finger or a script would). */
int hl_kiosk_tech_tap(hl_kiosk_t *k, const char *id, hl_err_t *err);

/* Time passing for the technician mode (idle close). */
void hl_kiosk_tech_tick(hl_kiosk_t *k);

/* An authorised stick came or went (the survey page lists its surveys). */
void hl_kiosk_tech_stick(hl_kiosk_t *k, const hl_medium_t *added, const char *removed_mount);

/* An export ended: the technician log rows it held back are written. */
void hl_kiosk_tech_after_export(hl_kiosk_t *k);

/* Starts an export to the authorised stick now (the export worker). */
bool hl_kiosk_export_now(hl_kiosk_t *k);

/* Nobody is answering: the start screen, nothing chosen, default language,
 * no Listen, Aa or key in use there (until their walk-away reset). */
bool hl_kiosk_idle(const hl_kiosk_t *k);

/* Waits for a running export to end and takes its result (tests, close). */
void hl_kiosk_export_wait(hl_kiosk_t *k);

/* The event loop: until quit. Draws only when something changed. */
int hl_kiosk_loop(hl_kiosk_t *k);
/* The same for at most real_ms of real time (-1: no limit): the script verb
 * `live`. Returns an exit code. */
int hl_kiosk_loop_for(hl_kiosk_t *k, int64_t real_ms);

/* The verbs the screen adds to scripts, and their handler (ctx = kiosk). */
const char *const *hl_kiosk_script_verbs(void);
int hl_kiosk_script_step(void *ctx, const hl_script_step_t *step, hl_err_t *err);

/* Load-time syntax of those steps (hl_script_ext_t.check); ctx points to the
 * --screenshots folder (const char *, NULL when none): shot needs one. */
const char *hl_kiosk_script_check(void *ctx, const hl_script_step_t *step);

#endif
