/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk.c: the running kiosk: store, flow, screen and renderer wired together.
 *
 * The loop sleeps in hl_display_wait until a touch arrives or the next timed
 * work is due (a flow timeout, the "still there?" countdown's next second, a
 * retry while out of service): no busy loop, and it draws only when
 * something changed. A touch-down highlights its target in the next frame; the
 * tap happens on touch-up over the same target. A touch counts only on the
 * screen it went down on, and only from HL_TOUCH_GUARD_MS after that screen
 * appeared (kiosk_build dates each new screen): a double tap's second tap
 * never answers the next question. When the store fails, the
 * answer is not acknowledged, the screen says the kiosk is out of service,
 * and the same step is retried every few seconds until the fault clears.
 * Outside opening hours the panel goes off (kiosk_panel.c).
 */
#include "kiosk.h"
#include "kiosk_int.h"

#include "hl_bundle.h"
#include "hl_platform.h"
#include "hl_xlsx.h"

#ifndef HL_VERSION
#define HL_VERSION "0.0.0"
#endif

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t kiosk_now(const hl_kiosk_t *k)
{
    return k->sys.mono_ms(k->sys.ctx);
}

static const char *fonts_dir(void)
{
#ifdef HL_FONTS_DIR
    const char *env = getenv("HAILONG_FONTS_DIR");
    return (env && *env) ? env : HL_FONTS_DIR;
#else
    const char *env = getenv("HAILONG_FONTS_DIR");
    return (env && *env) ? env : "/usr/share/hailong/fonts";
#endif
}

/* ---- Opening and closing --------------------------------------------------- */

/* The flow's clock: the platform's (or a test's), whose wall clock is also
 * trusted once a technician has set it by hand. The callbacks reach only
 * this small struct, never the kiosk. */
static int64_t kiosk_clock_mono(void *ctx)
{
    const hl_kiosk_clock_t *c = ctx;
    return c->base.mono_ms(c->base.ctx);
}

static int64_t kiosk_clock_utc(void *ctx)
{
    const hl_kiosk_clock_t *c = ctx;
    return c->base.utc_ms(c->base.ctx);
}

static bool kiosk_clock_trusted(void *ctx)
{
    const hl_kiosk_clock_t *c = ctx;
    return c->set_by_person || c->base.utc_trusted(c->base.ctx);
}

static int kiosk_clock_random(void *ctx, void *buf, size_t n)
{
    const hl_kiosk_clock_t *c = ctx;
    return c->base.random(c->base.ctx, buf, n);
}

int hl_kiosk_open(hl_kiosk_t *k, hl_cli_t *cli, const hl_kiosk_opts_t *o)
{
    memset(k, 0, sizeof *k);
    k->cli = cli;
    hl_err_t nerr = {0};
    if (hl_notify_open(&k->notify, &nerr) != HL_OK) fprintf(stderr, "hailong: %s\n", nerr.msg);
    /* The flow's clock, trusted also once a technician has set it. */
    k->clock.base = o->sys;
    k->sys = (hl_sys_t){kiosk_clock_mono, kiosk_clock_utc, kiosk_clock_trusted, kiosk_clock_random,
                        &k->clock};
    k->shots_dir = o->shots_dir;
    hl_err_t err = {0};
    int64_t recovered = 0;
    k->scene = calloc(1, sizeof *k->scene);
    if (!k->scene) {
        fprintf(stderr, "hailong run: out of memory\n");
        return HL_EXIT_FAIL;
    }
    /* The technician's changes to a config kept in RAM last until reboot. */
    const char *ram = cli->cfg.file ? hl_platform_ram_fs(cli->cfg.file) : NULL;
    if (ram)
        fprintf(stderr,
                "hailong: note: the config %s is on %s: changes made in the technician menu "
                "last only until the next restart\n",
                cli->cfg.file, ram);
    /* Refuse a data folder where answers would be lost, before anything is written. */
    if (hl_platform_data_dir_check(cli->data_dir, cli->cfg.require_mount, "/", &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    hl_store_opts_t sopts = {.vfs = o->store_vfs, .cache_kib = HL_KIOSK_CACHE_KIB};
    if (hl_store_open(cli->data_dir, &sopts, &k->store, &recovered, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    /* Tamper evidence: finished responses are chained and signed with the
     * device key. */
    if (hl_cli_device_key(cli, k->store, true, &k->devkey) != HL_EXIT_OK) return HL_EXIT_FAIL;
    if (hl_store_use_survey(k->store, cli->survey, cli->cfg.kiosk_id, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    if (recovered > 0)
        fprintf(stderr, "hailong run: %lld response(s) cut off by a restart kept as partial\n",
                (long long)recovered);
    if (hl_flow_init(&k->flow, cli->survey, &cli->cfg.timeouts, k->sys, hl_store_sink(k->store),
                     &err) != HL_OK ||
        hl_flow_set_fairness(&k->flow, (int64_t)cli->cfg.fair_min_interval_s * 1000,
                             cli->cfg.fair_max_per_hour, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    k->flow_ready = true;
    if (hl_display_open(&o->display, &k->display, &err) != HL_OK ||
        hl_render_new(hl_display_renderer(k->display), fonts_dir(), &k->render, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    hl_ui_init(&k->ui, cli->survey, &cli->cfg, hl_render_measure(k->render), cli->cfg.display.dpi);
    kiosk_access_open(k, o, o->display.backend == HL_BACKEND_HEADLESS);
    k->dirty = true;
    /* libcurl starts before any of our threads does. */
    if (cli->cfg.sync.enabled) {
        if (hl_sync_global_init(&err) == HL_OK)
            k->curl_ready = true;
        else
            fprintf(stderr, "hailong: %s\n", err.msg);
    }
    k->fake = o->fake;
    hl_kiosk_tech_open(k);
    kiosk_usb_open(k);
    kiosk_centre_open(k);
    kiosk_sync_start(k);
    hl_kiosk_panel_open(k);
    return HL_EXIT_OK;
}

void hl_kiosk_close(hl_kiosk_t *k)
{
    /* Stopping for good; not before the technician's restart, which
     * re-executes in the same process: the manager would stop the service. */
    hl_err_t nerr = {0};
    if (!k->restart && hl_notify_send(&k->notify, "STOPPING=1", &nerr) != HL_OK)
        fprintf(stderr, "hailong: %s\n", nerr.msg);
    hl_notify_close(&k->notify);
    hl_kiosk_tech_close(k);
    kiosk_access_close(k);
    hl_syncw_stop(k->syncw); /* aborts a request in progress; before the store closes */
    k->syncw = NULL;
    if (k->curl_ready) hl_sync_global_cleanup();
    hl_kiosk_export_wait(k);
    hl_usb_close(&k->usb.io);
    hl_render_free(k->render);
    hl_display_close(k->display);
    if (k->flow_ready) hl_flow_free(&k->flow);
    hl_store_close(k->store);
    hl_devkey_free(&k->devkey);
    free(k->scene);
    memset(k, 0, sizeof *k);
}

/* Builds the scene for the current state (what a finger would see now).
 * Every screen, the survey's, the technician's and the dark panel, comes
 * through here: a scene whose signature differs from the last one's is a
 * new screen, and the touch guard runs from now (the first screen after
 * start has none: nothing came before it to be tapped). */
/* ---- The screen, touches and the loop --------------------------------------- */

void kiosk_build(hl_kiosk_t *k)
{
    int w, h;
    hl_display_size(k->display, &w, &h);
    if (k->power.off) {
        hl_scene_clear(k->scene, w, h, (hl_color_t){0, 0, 0, 255}); /* nothing to see or press */
        snprintf(k->scene->screen, sizeof k->scene->screen, "panel_off");
    } else if (k->tech.mode != HL_TECH_OFF) {
        hl_kiosk_tech_build(k, w, h);
    } else {
        hl_ui_build(&k->ui, &k->flow, w, h, kiosk_now(k), k->scene);
    }
    hl_touch_screen(&k->touch, hl_scene_signature(k->scene), kiosk_now(k));
    kiosk_access_screen(k);
}

/* The finger under way counts for nothing more (hl_touch_cancel). */
void kiosk_touch_cancel(hl_kiosk_t *k)
{
    hl_touch_cancel(&k->touch);
    k->ui.pressed[0] = '\0';
}

int hl_kiosk_draw(hl_kiosk_t *k, hl_err_t *err)
{
    kiosk_build(k);
    int rc = hl_render_draw(k->render, k->scene, err);
    if (rc == HL_OK) rc = hl_display_present(k->display, err);
    if (rc == HL_OK) {
        k->frames++;
        k->dirty = false;
        /* The first frame is up: the service manager may consider us started. */
        if (!k->notify.ready) {
            hl_err_t nerr = {0};
            char status[160];
            snprintf(status, sizeof status, "kiosk %.40s: survey %.60s on screen",
                     k->cli->cfg.kiosk_id, k->cli->survey->id);
            if (hl_notify_ready(&k->notify, status, &nerr) != HL_OK)
                fprintf(stderr, "hailong: %s\n", nerr.msg);
        }
    }
    return rc;
}

static bool is_store_failure(int rc)
{
    return rc == HL_ERR_IO || rc == HL_ERR_FULL || rc == HL_ERR_READONLY || rc == HL_ERR_LOCKED ||
           rc == HL_ERR_CORRUPT || rc == HL_ERR_NOMEM;
}

/* Out of service: the one place that takes the kiosk out (a store failure,
 * a database gone), says why in the journal once, and redraws. The screen
 * (hl_ui) only shows it and refuses taps meanwhile. */
static void kiosk_service_lost(hl_kiosk_t *k, const char *why)
{
    if (!k->ui.out_of_service) {
        if (!k->retrying) fprintf(stderr, "hailong: out of service: %s\n", why);
        k->dirty = true;
    }
    k->ui.out_of_service = true;
}

/* Back in service, unless a failed tap still waits for its retry. */
static void kiosk_service_back(hl_kiosk_t *k)
{
    if (k->ui.out_of_service && !k->has_failed) {
        k->ui.out_of_service = false;
        k->dirty = true;
    }
}

/* Applies a tap's action; a store failure takes the kiosk out of service
 * and schedules a retry of the same action. */
int kiosk_apply(hl_kiosk_t *k, const hl_action_t *a, const char *id, hl_err_t *err)
{
    char before[sizeof k->scene->screen];
    snprintf(before, sizeof before, "%s", k->scene->screen);
    long said = kiosk_access_said(k);
    int rc = hl_ui_act(&k->ui, &k->flow, a, err);
    k->dirty = true;
    if (is_store_failure(rc)) {
        kiosk_service_lost(k, err->msg);
        k->failed = *a;
        k->has_failed = true;
        k->retry_at_ms = kiosk_now(k) + HL_KIOSK_RETRY_MS;
    } else if (rc == HL_OK) {
        kiosk_service_back(k);
    }
    kiosk_build(k); /* a new screen is dated now, not at the next frame */
    kiosk_access_after(k, a, id, rc, before, said);
    return rc;
}

void hl_kiosk_touch(hl_kiosk_t *k, hl_input_kind_t kind, int x, int y)
{
    if (hl_kiosk_panel_touch(k, kind)) return; /* it woke the panel: nothing else */
    if (k->ui.out_of_service) return;          /* nothing to press; the retry runs on its own */
    bool tech = k->tech.mode != HL_TECH_OFF;
    if (!tech && k->ui.export_state.phase != HL_UI_EXPORT_NONE)
        return; /* the export screen takes none */
    if (!tech && kind != HL_INPUT_MOVE) {
        /* The hidden entry: only while nobody is answering. */
        if (!hl_kiosk_idle(k)) {
            hl_tech_gesture_reset(&k->tech);
        } else {
            int w, h;
            hl_display_size(k->display, &w, &h);
            hl_tech_gesture_t g = hl_tech_gesture(&k->tech, kind == HL_INPUT_DOWN, x, y, w, h,
                                                  hl_ui_min_target(&k->ui), kiosk_now(k));
            if (g != HL_TECH_PASS) {
                kiosk_touch_cancel(k);
                if (g == HL_TECH_OPEN) {
                    fprintf(stderr, "hailong: technician: PIN pad opened\n");
                    k->dirty = true;
                    kiosk_build(k); /* a new screen is dated now */
                }
                return;
            }
        }
    }
    hl_touch_kind_t tk = kind == HL_INPUT_DOWN ? HL_TOUCH_DOWN
                         : kind == HL_INPUT_UP ? HL_TOUCH_UP
                                               : HL_TOUCH_MOVE;
    char tapped[HL_TOUCH_ID_MAX];
    hl_touch_result_t r =
        hl_touch_event(&k->touch, tk, hl_scene_hit(k->scene, x, y), kiosk_now(k), tapped);
    if (r == HL_TOUCH_NOTHING) return;
    snprintf(k->ui.pressed, sizeof k->ui.pressed, "%s", k->touch.pressed);
    k->dirty = true;
    if (r != HL_TOUCH_TAP) return;
    hl_err_t err = {0};
    if (tech) {
        if (tapped[0]) {
            hl_kiosk_tech_tap(k, tapped, &err);
            kiosk_build(k); /* a new screen is dated now */
        }
        return;
    }
    /* The action of the target as the screen built it (none: a tap beside
     * every target, which still answers "still there?"). */
    const hl_target_t *t = tapped[0] ? hl_scene_find(k->scene, tapped) : NULL;
    if (t || k->flow.state == HL_STATE_STILL_THERE)
        kiosk_apply(k, t ? &t->action : NULL, t ? tapped : NULL, &err);
}

int hl_kiosk_tap_id(hl_kiosk_t *k, const char *id, hl_err_t *err)
{
    kiosk_build(k); /* script steps change the flow without drawing: look again */
    const hl_target_t *t = hl_scene_find(k->scene, id);
    if (!t)
        return hl_err_set(err, HL_ERR_STATE, "no target \"%s\" on screen (state %s%s)", id,
                          hl_state_name(k->flow.state),
                          k->power.off                   ? ", panel off: a touch wakes it first"
                          : k->tech.mode == HL_TECH_PIN  ? ", PIN pad"
                          : k->tech.mode == HL_TECH_MENU ? ", technician menu"
                                                         : "");
    k->power.touch_ms = kiosk_now(k);
    if (!hl_touch_scripted(&k->touch, kiosk_now(k)))
        return hl_err_set(err, HL_ERR_STATE,
                          "tap on \"%s\" ignored: the screen changed %lld ms before it, and a tap "
                          "counts only from %d ms after a change (wait first)",
                          id, (long long)(kiosk_now(k) - k->touch.screen_at_ms), HL_TOUCH_GUARD_MS);
    if (k->tech.mode == HL_TECH_OFF) {
        hl_action_t a = t->action;
        return kiosk_apply(k, &a, id, err);
    }
    int rc = hl_kiosk_tech_tap(k, id, err);
    kiosk_build(k); /* a new screen is dated now */
    return rc;
}

void hl_kiosk_tick_cb(void *ctx)
{
    hl_kiosk_tick(ctx);
    kiosk_build(ctx);
    hl_kiosk_voice_wait(ctx); /* scripted runs: a timeout's words are said before time moves */
}

void hl_kiosk_tick(hl_kiosk_t *k)
{
    int64_t now = kiosk_now(k);
    hl_err_t err = {0};
    /* The loop turns: tell the watchdog (real time, whatever the flow's clock). */
    if (hl_notify_watchdog(&k->notify, &err) != HL_OK) fprintf(stderr, "hailong: %s\n", err.msg);
    hl_kiosk_tech_tick(k);
    hl_state_t before = k->flow.state;
    int64_t due = hl_flow_deadline(&k->flow);
    if (due >= 0 && now >= due) {
        int rc = hl_flow_tick(&k->flow, &err);
        k->dirty = true;
        if (is_store_failure(rc))
            kiosk_service_lost(k, err.msg);
        else if (rc == HL_OK)
            kiosk_service_back(k);
    }
    if (k->has_failed && now >= k->retry_at_ms) {
        hl_action_t a = k->failed;
        k->has_failed = false;
        k->ui.out_of_service = false; /* the screen refuses taps while out of service */
        k->retrying = true;
        int rc = kiosk_apply(k, &a, NULL, &err);
        k->retrying = false;
        if (rc == HL_OK) {
            fprintf(stderr, "hailong: back in service\n");
        } else if (is_store_failure(rc)) {
            k->ui.out_of_service = true; /* kiosk_apply scheduled the next retry */
        }
        /* Any other refusal: the step no longer applies; nothing is owed. */
    }
    /* At each turn of the loop (one lstat): a database deleted or replaced
     * under the kiosk keeps it out of service until a restart. */
    if (hl_store_check_file(k->store, &err) != HL_OK) kiosk_service_lost(k, err.msg);
    /* The countdown on "still there?" changes every second. */
    if (k->flow.state == HL_STATE_STILL_THERE || before != k->flow.state) k->dirty = true;
    hl_kiosk_panel_tick(k);
    kiosk_access_tick(k);
    hl_kiosk_centre_tick(k);      /* an assignment from the centre, once idle */
    if (k->dirty) kiosk_build(k); /* a new screen is dated now, not at the next frame */
}

int hl_kiosk_timeout(const hl_kiosk_t *k)
{
    int64_t now = kiosk_now(k);
    int64_t next = hl_flow_deadline(&k->flow);
    if (k->has_failed && (next < 0 || k->retry_at_ms < next)) next = k->retry_at_ms;
    int64_t tech = hl_tech_timeout(&k->tech, now);
    if (tech >= 0 && (next < 0 || now + tech < next)) next = now + tech;
    if (k->usb.clear_at_ms && (next < 0 || k->usb.clear_at_ms < next))
        next = k->usb.clear_at_ms;         /* a result screen to leave */
    int64_t panel = hl_kiosk_panel_due(k); /* an opening-hours boundary, the quiet period */
    if (panel >= 0 && (next < 0 || panel < next)) next = panel;
    int64_t access = kiosk_access_due(k); /* access left on at the start screen */
    if (access >= 0 && (next < 0 || access < next)) next = access;
    if (k->centre.waiting_id >= 0 && k->centre.retry_at_ms &&
        (next < 0 || k->centre.retry_at_ms < next))
        next = k->centre.retry_at_ms; /* an assignment's read to try again */
    if (k->flow.state == HL_STATE_STILL_THERE) {
        /* Wake at the next whole second of the countdown. */
        int64_t end = hl_flow_deadline(&k->flow);
        int64_t tick = end - ((end - now - 1) / 1000) * 1000;
        if (tick <= now) tick = now + 1000;
        if (next < 0 || tick < next) next = tick;
    }
    int64_t wait = next < 0 ? -1 : next - now;
    if (next >= 0 && wait < 0) wait = 0;
    /* The watchdog's next WATCHDOG=1 (its own clock: it runs in scripted runs too). */
    int64_t wd = hl_notify_watchdog_due(&k->notify);
    if (wd >= 0 && (wait < 0 || wd < wait)) wait = wd;
    if (wait < 0) return -1;
    if (wait > 3600 * 1000) wait = 3600 * 1000;
    return (int)wait;
}

int hl_kiosk_loop(hl_kiosk_t *k)
{
    return hl_kiosk_loop_for(k, -1);
}

int hl_kiosk_loop_for(hl_kiosk_t *k, int64_t real_ms)
{
    hl_err_t err = {0};
    hl_sys_t real = hl_platform_sys();
    int64_t end = real_ms < 0 ? -1 : real.mono_ms(real.ctx) + real_ms;
    while (!k->quit) {
        if (k->dirty && hl_kiosk_draw(k, &err) != HL_OK) {
            fprintf(stderr, "hailong: drawing failed: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
        int timeout = hl_kiosk_timeout(k);
        if (end >= 0) {
            int64_t left = end - real.mono_ms(real.ctx);
            if (left <= 0) break;
            if (timeout < 0 || left < timeout) timeout = (int)left;
        }
        hl_input_t ev;
        if (hl_display_wait(k->display, timeout, &ev)) {
            switch (ev.kind) {
            case HL_INPUT_QUIT:
                k->quit = true;
                break;
            case HL_INPUT_EXPOSE:
                k->dirty = true;
                break;
            case HL_INPUT_DOWN:
            case HL_INPUT_UP:
            case HL_INPUT_MOVE:
                hl_kiosk_touch(k, ev.kind, ev.x, ev.y);
                break;
            case HL_INPUT_KEY:
                hl_kiosk_key(k, hl_access_key_act(&k->cli->cfg.access, ev.key));
                break;
            case HL_INPUT_NONE:
                break;
            }
        }
        hl_kiosk_poll_workers(k);
        hl_kiosk_tick(k);
    }
    return HL_EXIT_OK;
}

const hl_flow_t *hl_kiosk_flow(const hl_kiosk_t *k)
{
    return &k->flow;
}

const hl_ui_t *hl_kiosk_ui(const hl_kiosk_t *k)
{
    return &k->ui;
}

const hl_scene_t *hl_kiosk_scene(const hl_kiosk_t *k)
{
    return k->scene;
}

hl_store_t *hl_kiosk_store(const hl_kiosk_t *k)
{
    return k->store;
}

hl_display_t *hl_kiosk_display(const hl_kiosk_t *k)
{
    return k->display;
}

const hl_power_t *hl_kiosk_power(const hl_kiosk_t *k)
{
    return &k->power;
}

const hl_tech_t *hl_kiosk_tech(const hl_kiosk_t *k)
{
    return &k->tech;
}

const hl_devkey_t *hl_kiosk_devkey(const hl_kiosk_t *k)
{
    return &k->devkey;
}

long hl_kiosk_guarded(const hl_kiosk_t *k)
{
    return k->touch.guarded;
}

long long hl_kiosk_frames(const hl_kiosk_t *k)
{
    return k->frames;
}

bool hl_kiosk_dirty(const hl_kiosk_t *k)
{
    return k->dirty;
}

bool hl_kiosk_stick_waiting(const hl_kiosk_t *k)
{
    return k->usb.has_pending;
}

bool hl_kiosk_stick_released(const hl_kiosk_t *k)
{
    return k->usb.stick_released;
}

bool hl_kiosk_stopping(const hl_kiosk_t *k)
{
    return k->quit || k->restart;
}
