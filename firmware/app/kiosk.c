/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk.c: the running kiosk: store, flow, screen and renderer wired together.
 *
 * The loop sleeps in hl_display_wait until a touch arrives or the next timed
 * work is due (a flow timeout, the "still there?" countdown's next second, a
 * retry while out of service): no busy loop, and it draws only when
 * something changed. A touch-down highlights its target in the next frame; the
 * tap happens on touch-up over the same target. A touch counts only on the
 * screen it went down on, and only from HL_KIOSK_GUARD_MS after that screen
 * appeared (kiosk_build dates each new screen): a double tap's second tap
 * never answers the next question. When the store fails, the
 * answer is not acknowledged, the screen says the kiosk is out of service,
 * and the same step is retried every few seconds until the fault clears.
 * Outside opening hours the panel goes off (kiosk_panel.c).
 */
#include "kiosk.h"

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

static const char *const script_verbs[] = {
    "tap",         "shot",           "size",          "sync",
    "press",       "release",        "expect-target", "expect-no-target",
    "expect-text", "expect-no-text", "stick",         "unstick",
    "live",        "hang",           "expect-panel",  "targets",
    NULL};

const char *const *hl_kiosk_script_verbs(void)
{
    return script_verbs;
}

static int64_t kiosk_now(const hl_kiosk_t *k)
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

/* ---- USB export -------------------------------------------------------------- */

/* The media thread: sleeps in poll() until the mount table changes, then
 * hands what appeared or went away to the event loop and wakes it. */
static void *kiosk_media_main(void *arg)
{
    hl_kiosk_t *k = arg;
    struct pollfd p[2] = {{hl_media_watch_fd(k->media), POLLPRI, 0}, {k->media_stop[0], POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, -1) < 0) continue; /* EINTR */
        if (p[1].revents) return NULL;
        hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
        size_t na = 0, nr = 0;
        hl_err_t err = {0};
        if (hl_media_watch_scan(k->media, added, &na, removed, &nr, &err) != HL_OK) {
            fprintf(stderr, "hailong: reading the mount table: %s\n", err.msg);
            continue;
        }
        if (na == 0 && nr == 0) continue;
        pthread_mutex_lock(&k->mu);
        for (size_t i = 0; i < na && k->n_added < HL_MEDIA_MAX; i++)
            k->inbox_added[k->n_added++] = added[i];
        for (size_t i = 0; i < nr && k->n_removed < HL_MEDIA_MAX; i++)
            k->inbox_removed[k->n_removed++] = removed[i];
        pthread_mutex_unlock(&k->mu);
        hl_display_post_wake(k->display);
    }
}

static void kiosk_media_start(hl_kiosk_t *k)
{
    hl_err_t err = {0};
    const hl_config_t *cfg = &k->cli->cfg;
    const char *roots[5] = {NULL};
    for (int i = 0; i < cfg->n_export_roots && i < 4; i++)
        roots[i] = cfg->export_roots[i];
    if (hl_media_watch_open(cfg->n_export_roots ? roots : NULL, NULL, &k->media, &err) != HL_OK) {
        fprintf(stderr, "hailong: USB sticks will not be noticed: %s\n", err.msg);
        return;
    }
    /* Sticks already there at start count as inserted now. */
    hl_medium_t added[HL_MEDIA_MAX];
    size_t na = 0;
    if (hl_media_watch_scan(k->media, added, &na, NULL, NULL, &err) == HL_OK)
        for (size_t i = 0; i < na && k->n_added < HL_MEDIA_MAX; i++)
            k->inbox_added[k->n_added++] = added[i];
    if (hl_media_watch_fd(k->media) < 0 || pipe(k->media_stop) != 0) return;
    if (pthread_create(&k->media_thread, NULL, kiosk_media_main, k) == 0) k->media_thread_on = true;
}

static void kiosk_export_progress(void *ctx, double done)
{
    hl_kiosk_t *k = ctx;
    pthread_mutex_lock(&k->mu);
    bool news = done - k->export_done >= 0.02 || done >= 1;
    k->export_done = done;
    pthread_mutex_unlock(&k->mu);
    if (news) hl_display_post_wake(k->display);
}

/* The export thread: one bundle of what was not exported yet, recorded in
 * the store once its manifest is on the stick. The event loop does not touch
 * the store meanwhile (the export screen takes no input). */
static void *kiosk_export_main(void *arg)
{
    hl_kiosk_t *k = arg;
    hl_err_t err = {0};
    int64_t upto = 0;
    hl_bundle_result_t res = {0};
    hl_xlsx_zone_t zone = {hl_platform_tz_offset_ms, k->cli->sys.utc_ms(k->cli->sys.ctx)};
    hl_bundle_extra_t xlsx = {"responses.xlsx", hl_xlsx_bundle_write, &zone};
    int rc = hl_store_exported_upto(k->store, &upto, &err);
    if (rc == HL_OK) {
        hl_bundle_opts_t o = {.root = k->stick.mount,
                              .kiosk_id = k->cli->cfg.kiosk_id,
                              .software_version = HL_VERSION,
                              .created_utc_ms = k->cli->sys.utc_ms(k->cli->sys.ctx),
                              .signer = &k->devkey,
                              .extras = &xlsx,
                              .n_extras = 1,
                              .after_seq = upto,
                              .record = true,
                              .medium = k->stick.id,
                              .progress = kiosk_export_progress,
                              .progress_ctx = k};
        char dir[PATH_MAX];
        rc = hl_bundle_write(k->store, &o, dir, sizeof dir, &res, &err);
        if (rc == HL_ERR_NOT_FOUND) rc = HL_OK; /* nothing new: done, 0 responses */
    }
    /* The bundle is durable and read back (hl_bundle_write); unmounting the
     * stick as well makes "safe to remove" true whatever else is on it. */
    bool released = false;
    if (rc == HL_OK) {
        hl_err_t rerr = {0};
        int rr = hl_media_release(&k->stick, &rerr);
        released = rr == HL_OK;
        if (rr != HL_OK && rr != HL_ERR_NOT_FOUND) fprintf(stderr, "hailong: %s\n", rerr.msg);
    }
    pthread_mutex_lock(&k->mu);
    k->stick_released = released;
    k->export_finished = true;
    k->export_rc = rc;
    k->export_count = rc == HL_OK ? res.responses : 0;
    snprintf(k->export_msg, sizeof k->export_msg, "%s", err.msg);
    pthread_mutex_unlock(&k->mu);
    hl_display_post_wake(k->display);
    return NULL;
}

bool hl_kiosk_idle(const hl_kiosk_t *k)
{
    const hl_flow_t *f = &k->flow;
    return f->state == HL_STATE_START && !f->started && !f->draft[0] &&
           f->resp.lang == f->survey->langs[0];
}

/* Starts the export thread writing to medium m. */
static void kiosk_start_export(hl_kiosk_t *k, const hl_medium_t *m)
{
    k->stick = *m;
    k->stick_gone = false;
    k->stick_released = false;
    k->export_finished = false;
    k->export_done = 0;
    k->ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_WRITING, 0, 0, 0};
    k->dirty = true;
    fprintf(stderr, "hailong: writing results to %s\n", k->stick.mount);
    if (pthread_create(&k->export_thread, NULL, kiosk_export_main, k) != 0) {
        k->ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_FAILED, 0, 0, HL_ERR_NOMEM};
        return;
    }
    k->export_running = true;
}

static void kiosk_maybe_export(hl_kiosk_t *k)
{
    if (!k->has_pending || k->export_running || !k->mu_ready ||
        k->ui.export_state.phase != HL_UI_EXPORT_NONE || !hl_kiosk_idle(k) ||
        k->tech.mode != HL_TECH_OFF) /* the technician exports from the menu */
        return;
    k->has_pending = false;
    kiosk_start_export(k, &k->pending);
}

/* From the technician menu: the PIN is the authorisation, so any stick
 * will do (the bundle is still signed with the config's export key). A
 * result screen left from an earlier export is cleared first. */
bool hl_kiosk_export_now(hl_kiosk_t *k)
{
    if (k->export_running || !k->mu_ready || !k->has_tech_stick) return false;
    k->ui.export_state.phase = HL_UI_EXPORT_NONE;
    k->export_clear_at_ms = 0;
    kiosk_start_export(k, &k->tech_stick);
    return k->export_running;
}

void hl_kiosk_media_added(hl_kiosk_t *k, const hl_medium_t *m)
{
    hl_kiosk_tech_stick(k, m, NULL); /* the menu may use any stick: the PIN authorises */
    if (!k->cli->cfg.has_export_key ||
        !hl_media_authorized(m->mount, k->cli->cfg.export_key_sha256))
        return; /* a citizen's stick, or a technician's without the key: ignored */
    k->pending = *m;
    k->has_pending = true;
    kiosk_maybe_export(k);
}

void hl_kiosk_media_removed(hl_kiosk_t *k, const char *mount)
{
    hl_kiosk_tech_stick(k, NULL, mount);
    if (k->has_pending && !strcmp(k->pending.mount, mount)) k->has_pending = false;
    if (k->ui.export_state.phase == HL_UI_EXPORT_NONE || strcmp(k->stick.mount, mount) != 0) return;
    if (k->stick_released && !k->export_running) return; /* our own unmount: the screen stays */
    if (k->export_running) {
        k->stick_gone = true; /* the writer fails on its own; its screen clears later */
        return;
    }
    k->ui.export_state.phase = HL_UI_EXPORT_NONE; /* back to the survey */
    k->export_clear_at_ms = 0;
    k->dirty = true;
}

/* The export thread is done (join: it has not been joined yet): show its result. */
static void kiosk_take_result(hl_kiosk_t *k, bool join)
{
    if (join) pthread_join(k->export_thread, NULL);
    k->export_running = false;
    int rc = k->export_rc;
    k->ui.export_state = (hl_ui_export_t){rc == HL_OK ? HL_UI_EXPORT_DONE : HL_UI_EXPORT_FAILED, 1,
                                          k->export_count, rc};
    if (rc == HL_OK)
        fprintf(stderr, "hailong: %lld response(s) written to %s%s: safe to remove\n",
                k->export_count, k->stick.mount, k->stick_released ? " and unmounted" : "");
    else
        fprintf(stderr, "hailong: export to %s failed: %s\n", k->stick.mount, k->export_msg);
    /* Removed while writing, or unmounted by the export: the kiosk will not
     * see the stick pulled; leave the message a while. */
    if (k->stick_gone) k->export_clear_at_ms = kiosk_now(k) + 10000;
    if (k->stick_released) k->export_clear_at_ms = kiosk_now(k) + HL_KIOSK_RELEASED_SHOW_MS;
    k->dirty = true;
    hl_kiosk_tech_after_export(k);
}

/* ---- Network sync ------------------------------------------------------------- */

static void kiosk_sync_wake(void *ctx)
{
    hl_kiosk_t *k = ctx;
    hl_display_post_wake(k->display);
}

/* Starts the sync worker when the config has a "sync" section. It keeps
 * the real clock even in scripted runs: its waits are real network time. */
static void kiosk_sync_start(hl_kiosk_t *k)
{
    const hl_config_t *cfg = &k->cli->cfg;
    if (!cfg->sync.enabled) return;
    hl_err_t err = {0};
    hl_syncw_opts_t o = {.sync = {.cfg = &cfg->sync,
                                  .kiosk_id = cfg->kiosk_id,
                                  .software_version = HL_VERSION,
                                  .sys = k->cli->sys},
                         .data_dir = k->cli->data_dir,
                         .wake = kiosk_sync_wake,
                         .wake_ctx = k};
    if (!k->curl_ready || hl_syncw_start(&o, &k->syncw, &err) != HL_OK) {
        fprintf(stderr, "hailong: network sync is off: %s\n",
                k->curl_ready ? err.msg : "libcurl did not start");
        k->syncw = NULL;
        return;
    }
    if (hl_sync_insecure(&cfg->sync)) {
        char shown[HL_SYNC_URL_MAX + 1];
        hl_sync_shown_url(cfg->sync.url, shown, sizeof shown);
        fprintf(stderr, "hailong: sync: INSECURE plain http to %s (allow_insecure_http)\n", shown);
    }
}

void hl_kiosk_sync_commit(hl_kiosk_t *k)
{
    if (!k->syncw || k->export_running) return; /* the export thread uses the store now */
    hl_err_t err = {0};
    if (!hl_syncw_has_outcome(k->syncw)) return;
    if (hl_syncw_commit(k->syncw, k->store, &err) != HL_OK)
        fprintf(stderr, "hailong: sync: recording what the server confirmed: %s\n", err.msg);
    k->view_valid = false; /* the technician's sync figures changed */
    if (k->tech.mode != HL_TECH_OFF) k->dirty = true;
}

void hl_kiosk_poll_workers(hl_kiosk_t *k)
{
    if (!k->mu_ready) return;
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    pthread_mutex_lock(&k->mu);
    size_t na = k->n_added, nr = k->n_removed;
    memcpy(added, k->inbox_added, na * sizeof *added);
    memcpy(removed, k->inbox_removed, nr * sizeof *removed);
    k->n_added = k->n_removed = 0;
    bool finished = k->export_running && k->export_finished;
    if (k->export_running && k->ui.export_state.phase == HL_UI_EXPORT_WRITING &&
        k->ui.export_state.done != k->export_done) {
        k->ui.export_state.done = k->export_done;
        k->dirty = true;
    }
    pthread_mutex_unlock(&k->mu);
    for (size_t i = 0; i < nr; i++)
        hl_kiosk_media_removed(k, removed[i].mount);
    for (size_t i = 0; i < na; i++)
        hl_kiosk_media_added(k, &added[i]);
    if (finished) kiosk_take_result(k, true);
    if (k->export_clear_at_ms && kiosk_now(k) >= k->export_clear_at_ms) {
        k->export_clear_at_ms = 0;
        k->ui.export_state.phase = HL_UI_EXPORT_NONE;
        k->dirty = true;
    }
    hl_kiosk_sync_commit(k);
    kiosk_maybe_export(k);
}

void hl_kiosk_export_wait(hl_kiosk_t *k)
{
    if (!k->export_running) return;
    pthread_join(k->export_thread, NULL);
    kiosk_take_result(k, false);
}

static int64_t kiosk_sys_mono(void *ctx)
{
    hl_kiosk_t *k = ctx;
    return k->base_sys.mono_ms(k->base_sys.ctx);
}

static int64_t kiosk_sys_utc(void *ctx)
{
    hl_kiosk_t *k = ctx;
    return k->base_sys.utc_ms(k->base_sys.ctx);
}

static bool kiosk_sys_trusted(void *ctx)
{
    hl_kiosk_t *k = ctx;
    return k->clock_set_by_person || k->base_sys.utc_trusted(k->base_sys.ctx);
}

static int kiosk_sys_random(void *ctx, void *buf, size_t n)
{
    hl_kiosk_t *k = ctx;
    return k->base_sys.random(k->base_sys.ctx, buf, n);
}

/* Here rather than in main.c: the kiosk library (linked by the tests) needs
 * it too. */
int hl_cli_device_key(hl_cli_t *cli, hl_store_t *st, bool create, hl_devkey_t *key)
{
    hl_err_t err = {0};
    char pem[HL_DEVKEY_PEM_MAX + 1], shown[PATH_MAX + 16];
    size_t len = 0;
    memset(key, 0, sizeof *key);
    snprintf(shown, sizeof shown, "%s/%s", cli->data_dir, HL_DEVKEY_FILE);
    int rc = hl_platform_device_key_read(cli->data_dir, pem, sizeof pem, &len, &err);
    if (rc == HL_OK) {
        rc = hl_devkey_from_pem(pem, len, shown, key, &err);
    } else if (rc == HL_ERR_NOT_FOUND && create) {
        /* Never a new key over signed responses: their key must come back. */
        int64_t n_signed = 0, n_hmac = 0;
        char fpr[HL_DEVKEY_FPR_HEX + 1] = "";
        rc = st ? hl_store_signers(st, &n_signed, fpr, &n_hmac, &err) : HL_OK;
        if (rc == HL_OK && n_signed > 0) {
            fprintf(stderr,
                    "hailong: the device key %s is missing, but %lld stored response(s) are "
                    "signed with key %s. The kiosk will not make a new key over them (their "
                    "signatures could no longer be checked and every later bundle would name "
                    "another signer). Restore device.key from this kiosk's backup (its "
                    "fingerprint must be %s), or, if it is lost for good, start a new identity "
                    "on purpose with `hailong identity --new --replace-lost-key` and register "
                    "the new key with the province.\n",
                    shown, (long long)n_signed, fpr, fpr);
            explicit_bzero(pem, sizeof pem);
            return HL_EXIT_FAIL;
        }
        if (rc == HL_OK) rc = hl_devkey_generate(&cli->sys, key, &err);
        if (rc == HL_OK) rc = hl_devkey_to_pem(key, pem, sizeof pem, &len, &err);
        if (rc == HL_OK) rc = hl_platform_device_key_create(cli->data_dir, pem, len, &err);
        if (rc == HL_ERR_STATE) { /* another process made one meanwhile: use it */
            hl_devkey_free(key);
            rc = hl_platform_device_key_read(cli->data_dir, pem, sizeof pem, &len, &err);
            if (rc == HL_OK) rc = hl_devkey_from_pem(pem, len, shown, key, &err);
        } else if (rc == HL_OK) {
            fprintf(stderr,
                    "hailong: made the device key %s (fingerprint %s): register it with the "
                    "province, `hailong identity` prints it\n",
                    shown, key->fingerprint);
        }
    } else if (rc == HL_ERR_NOT_FOUND) {
        rc = hl_err_set(&err, HL_ERR_NOT_FOUND,
                        "no device key: %s does not exist (the kiosk makes it at its first "
                        "start; wrong --data-dir?)",
                        shown);
    }
    explicit_bzero(pem, sizeof pem);
    if (rc == HL_OK && st) rc = hl_store_set_signer(st, key, &err);
    if (rc != HL_OK) {
        hl_devkey_free(key);
        fprintf(stderr, "hailong: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    return HL_EXIT_OK;
}

int hl_kiosk_open(hl_kiosk_t *k, hl_cli_t *cli, const hl_kiosk_opts_t *o)
{
    memset(k, 0, sizeof *k);
    k->cli = cli;
    hl_err_t nerr = {0};
    if (hl_notify_open(&k->notify, &nerr) != HL_OK) fprintf(stderr, "hailong: %s\n", nerr.msg);
    /* The flow's clock, trusted also once a technician has set it. */
    k->base_sys = o->sys;
    k->sys = (hl_sys_t){kiosk_sys_mono, kiosk_sys_utc, kiosk_sys_trusted, kiosk_sys_random, k};
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
    k->dirty = true;
    if (pthread_mutex_init(&k->mu, NULL) == 0) k->mu_ready = true;
    /* libcurl starts before any of our threads does. */
    if (cli->cfg.sync.enabled) {
        if (hl_sync_global_init(&err) == HL_OK)
            k->curl_ready = true;
        else
            fprintf(stderr, "hailong: %s\n", err.msg);
    }
    k->fake = o->fake;
    hl_kiosk_tech_open(k);
    if ((cli->cfg.has_export_key || cli->cfg.pin_hash[0]) && k->mu_ready) kiosk_media_start(k);
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
    hl_syncw_stop(k->syncw); /* aborts a request in progress; before the store closes */
    k->syncw = NULL;
    if (k->curl_ready) hl_sync_global_cleanup();
    if (k->media_thread_on) {
        char stop = 1;
        if (write(k->media_stop[1], &stop, 1) != 1) perror("hailong: stopping the USB watch");
        pthread_join(k->media_thread, NULL);
        k->media_thread_on = false;
    }
    if (k->media_stop[0] > 0) {
        close(k->media_stop[0]);
        close(k->media_stop[1]);
    }
    hl_media_watch_close(k->media);
    hl_kiosk_export_wait(k);
    if (k->mu_ready) pthread_mutex_destroy(&k->mu);
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
static void kiosk_build(hl_kiosk_t *k)
{
    int w, h;
    hl_display_size(k->display, &w, &h);
    if (k->panel_off) {
        hl_scene_clear(k->scene, w, h, (hl_color_t){0, 0, 0, 255}); /* nothing to see or press */
        snprintf(k->scene->screen, sizeof k->scene->screen, "panel_off");
    } else if (k->tech.mode != HL_TECH_OFF) {
        hl_kiosk_tech_build(k, w, h);
    } else {
        hl_ui_build(&k->ui, &k->flow, w, h, kiosk_now(k), k->scene);
    }
    uint64_t sig = hl_scene_signature(k->scene);
    if (k->screen_n == 0 || sig != k->screen_sig) {
        k->screen_at_ms = kiosk_now(k) - (k->screen_n ? 0 : HL_KIOSK_GUARD_MS);
        k->screen_sig = sig;
        k->screen_n++;
    }
}

/* A touch going down now would be too soon after the screen appeared. */
static bool kiosk_too_soon(const hl_kiosk_t *k)
{
    return kiosk_now(k) - k->screen_at_ms < HL_KIOSK_GUARD_MS;
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

/* Applies a tap; a store failure takes the kiosk out of service and
 * schedules a retry of the same tap. */
static int kiosk_apply(hl_kiosk_t *k, const char *id, hl_err_t *err)
{
    int rc = hl_ui_tap(&k->ui, &k->flow, id, err);
    k->dirty = true;
    if (is_store_failure(rc)) {
        if (!k->ui.out_of_service && !k->retrying)
            fprintf(stderr, "hailong: out of service: %s\n", err->msg);
        k->ui.out_of_service = true;
        snprintf(k->failed_id, sizeof k->failed_id, "%s", id);
        k->retry_at_ms = kiosk_now(k) + HL_KIOSK_RETRY_MS;
    } else if (rc == HL_OK && k->ui.out_of_service && !k->failed_id[0]) {
        k->ui.out_of_service = false;
    }
    kiosk_build(k); /* a new screen is dated now, not at the next frame */
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
                k->down_id[0] = k->ui.pressed[0] = '\0';
                if (g == HL_TECH_OPEN) {
                    fprintf(stderr, "hailong: technician: PIN pad opened\n");
                    k->dirty = true;
                    kiosk_build(k); /* a new screen is dated now */
                }
                return;
            }
        }
    }
    const char *id = hl_scene_hit(k->scene, x, y);
    if (kind == HL_INPUT_DOWN) {
        /* The guard: too soon after a new screen, the whole touch is void
         * (no highlight either: nothing will happen). */
        k->down_screen = k->screen_n;
        k->down_void = kiosk_too_soon(k);
        if (k->down_void) {
            k->guarded++;
            k->down_id[0] = k->ui.pressed[0] = '\0';
            k->dirty = true;
            return;
        }
        snprintf(k->down_id, sizeof k->down_id, "%s", id ? id : "");
        snprintf(k->ui.pressed, sizeof k->ui.pressed, "%s", k->down_id);
        k->dirty = true;
        return;
    }
    if (kind == HL_INPUT_MOVE) {
        /* Sliding off a target releases it: no accidental answer. */
        bool on = id && !strcmp(id, k->down_id);
        const char *want = on ? k->down_id : "";
        if (strcmp(k->ui.pressed, want) != 0) {
            snprintf(k->ui.pressed, sizeof k->ui.pressed, "%s", want);
            k->dirty = true;
        }
        return;
    }
    if (kind != HL_INPUT_UP) return;
    /* A finger that went down on another screen (it changed under the
     * finger) or too soon after this one appeared taps nothing. */
    bool void_touch = k->down_void || k->down_screen != k->screen_n;
    if (void_touch && !k->down_void) k->guarded++;
    k->down_void = false;
    char tapped[HL_SCENE_ID_MAX];
    snprintf(tapped, sizeof tapped, "%s", (id && !strcmp(id, k->down_id)) ? id : "");
    k->down_id[0] = k->ui.pressed[0] = '\0';
    k->dirty = true;
    if (void_touch) return;
    hl_err_t err = {0};
    if (tech) {
        if (tapped[0]) {
            hl_kiosk_tech_tap(k, tapped, &err);
            kiosk_build(k); /* a new screen is dated now */
        }
        return;
    }
    if (tapped[0] || k->flow.state == HL_STATE_STILL_THERE) kiosk_apply(k, tapped, &err);
}

int hl_kiosk_tap_id(hl_kiosk_t *k, const char *id, hl_err_t *err)
{
    kiosk_build(k); /* script steps change the flow without drawing: look again */
    if (!hl_scene_find(k->scene, id))
        return hl_err_set(err, HL_ERR_STATE, "no target \"%s\" on screen (state %s%s)", id,
                          hl_state_name(k->flow.state),
                          k->panel_off                   ? ", panel off: a touch wakes it first"
                          : k->tech.mode == HL_TECH_PIN  ? ", PIN pad"
                          : k->tech.mode == HL_TECH_MENU ? ", technician menu"
                                                         : "");
    k->panel_touch_ms = kiosk_now(k);
    if (kiosk_too_soon(k)) {
        k->guarded++;
        return hl_err_set(err, HL_ERR_STATE,
                          "tap on \"%s\" ignored: the screen changed %lld ms before it, and a tap "
                          "counts only from %d ms after a change (wait first)",
                          id, (long long)(kiosk_now(k) - k->screen_at_ms), HL_KIOSK_GUARD_MS);
    }
    if (k->tech.mode == HL_TECH_OFF) return kiosk_apply(k, id, err);
    int rc = hl_kiosk_tech_tap(k, id, err);
    kiosk_build(k); /* a new screen is dated now */
    return rc;
}

void hl_kiosk_tick_cb(void *ctx)
{
    hl_kiosk_tick(ctx);
    kiosk_build(ctx);
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
        if (is_store_failure(rc)) {
            if (!k->ui.out_of_service) fprintf(stderr, "hailong: out of service: %s\n", err.msg);
            k->ui.out_of_service = true;
        } else if (rc == HL_OK && k->ui.out_of_service && !k->failed_id[0]) {
            k->ui.out_of_service = false;
        }
    }
    if (k->failed_id[0] && now >= k->retry_at_ms) {
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "%s", k->failed_id);
        k->failed_id[0] = '\0';
        k->ui.out_of_service = false; /* the screen refuses taps while out of service */
        k->retrying = true;
        int rc = kiosk_apply(k, id, &err);
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
    if (hl_store_check_file(k->store, &err) != HL_OK) {
        if (!k->ui.out_of_service) fprintf(stderr, "hailong: out of service: %s\n", err.msg);
        if (!k->ui.out_of_service) k->dirty = true;
        k->ui.out_of_service = true;
    }
    /* The countdown on "still there?" changes every second. */
    if (k->flow.state == HL_STATE_STILL_THERE || before != k->flow.state) k->dirty = true;
    hl_kiosk_panel_tick(k);
    if (k->dirty) kiosk_build(k); /* a new screen is dated now, not at the next frame */
}

int hl_kiosk_timeout(const hl_kiosk_t *k)
{
    int64_t now = kiosk_now(k);
    int64_t next = hl_flow_deadline(&k->flow);
    if (k->failed_id[0] && (next < 0 || k->retry_at_ms < next)) next = k->retry_at_ms;
    int64_t tech = hl_tech_timeout(&k->tech, now);
    if (tech >= 0 && (next < 0 || now + tech < next)) next = now + tech;
    if (k->export_clear_at_ms && (next < 0 || k->export_clear_at_ms < next))
        next = k->export_clear_at_ms;      /* a result screen to leave */
    int64_t panel = hl_kiosk_panel_due(k); /* an opening-hours boundary, the quiet period */
    if (panel >= 0 && (next < 0 || panel < next)) next = panel;
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
            case HL_INPUT_NONE:
                break;
            }
        }
        hl_kiosk_poll_workers(k);
        hl_kiosk_tick(k);
    }
    return HL_EXIT_OK;
}

/* ---- Scripted runs: tap, shot, size ---------------------------------------- */

static bool parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 100000) return false;
    *out = (int)v;
    return true;
}

static bool parse_size(const char *s, int *w, int *h)
{
    char tail;
    return sscanf(s, "%dx%d%c", w, h, &tail) == 2 && *w >= 320 && *h >= 240 && *w <= 7680 &&
           *h <= 7680;
}

const char *hl_kiosk_script_check(void *ctx, const hl_script_step_t *st)
{
    const char *const *shots_dir = ctx;
    const char *v = st->argv[0];
    int a, b;
    if (!strcmp(v, "size")) {
        if (st->argc != 2 || !parse_size(st->argv[1], &a, &b))
            return "size takes WxH from 320x240 to 7680x7680, e.g. size 800x480";
    } else if (!strcmp(v, "tap")) {
        if (st->argc == 3 ? !parse_int(st->argv[1], &a) || !parse_int(st->argv[2], &b)
                          : st->argc != 2)
            return "tap takes a target id (tap answer:overall:satisfied) or pixels (tap X Y)";
    } else if (!strcmp(v, "shot")) {
        const char *name = st->argc == 2 ? st->argv[1] : "";
        if (!*name || name[0] == '.' ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
                strlen(name))
            return "shot takes one name of letters, digits, - _ . (shot start)";
        if (!shots_dir || !*shots_dir) return "shot needs --screenshots DIR on the command line";
    } else if (!strcmp(v, "sync")) {
        if (st->argc > 2 || (st->argc == 2 && (!parse_int(st->argv[1], &a) || a < 1)))
            return "sync takes at most a number of seconds to wait (sync 60)";
    } else if (!strcmp(v, "press") || !strcmp(v, "release")) {
        if (st->argc != 3 || !parse_int(st->argv[1], &a) || !parse_int(st->argv[2], &b))
            return "press and release take pixels: press X Y (a finger down), release X Y (up)";
    } else if (!strcmp(v, "targets")) {
        if (st->argc != 1) return "targets takes nothing (it prints the screen's touch targets)";
    } else if (!strcmp(v, "expect-target") || !strcmp(v, "expect-no-target")) {
        if (st->argc != 2) return "expect-target takes one target id (expect-target pin:ok)";
    } else if (!strcmp(v, "expect-text") || !strcmp(v, "expect-no-text")) {
        if (st->argc < 2) return "expect-text takes the words to find on screen";
    } else if (!strcmp(v, "expect-panel")) {
        if (st->argc != 2 || (strcmp(st->argv[1], "on") && strcmp(st->argv[1], "off")))
            return "expect-panel takes on or off (expect-panel off)";
    } else if (!strcmp(v, "live") || !strcmp(v, "hang")) {
        if (st->argc != 2 || !parse_int(st->argv[1], &a))
            return "live and hang take milliseconds of real time, up to 100000 (live 1000)";
    } else if (!strcmp(v, "stick") || !strcmp(v, "unstick")) {
        if (st->argc != 2 || st->argv[1][0] != '/')
            return "stick and unstick take the absolute folder a stick is mounted at";
    }
    return NULL;
}

/* `sync [SECONDS]`: pushes now and waits (real time, up to secs) until the
 * worker finds nothing pending, recording each outcome as the event loop
 * would; retries follow the worker's back-off. HL_ERR_STATE without a sync
 * section, when the server refused the config, or on time out. */
static int kiosk_script_sync(hl_kiosk_t *k, int secs, hl_err_t *err)
{
    if (!k->syncw)
        return hl_err_set(err, HL_ERR_STATE, "sync: the config has no working \"sync\" section");
    hl_syncw_info_t info;
    hl_syncw_info(k->syncw, &info);
    /* A round already reading when the kick comes may have read before the
     * last answers were stored: then wait for the round after it. */
    int64_t need = info.rounds + (info.pushing || hl_syncw_has_outcome(k->syncw) ? 2 : 1);
    hl_syncw_kick(k->syncw);
    int64_t deadline = k->cli->sys.mono_ms(k->cli->sys.ctx) + (int64_t)secs * 1000;
    for (;;) {
        hl_kiosk_sync_commit(k);
        hl_syncw_info(k->syncw, &info);
        if (info.rounds >= need && !info.pushing && !hl_syncw_has_outcome(k->syncw)) {
            if (info.last_verdict == HL_SYNC_IDLE) return HL_OK;
            if (info.last_verdict == HL_SYNC_STOP || info.stopped)
                return hl_err_set(err, HL_ERR_STATE,
                                  "sync: the server refused this config (hailong sync --status)");
        }
        int64_t now = k->cli->sys.mono_ms(k->cli->sys.ctx);
        if (now >= deadline)
            return hl_err_set(err, HL_ERR_STATE,
                              "sync: responses still pending after %d s (hailong sync --status)",
                              secs);
        int64_t left = deadline - now;
        hl_syncw_wait(k->syncw, left < 50 ? (int)left : 50);
    }
}

int hl_kiosk_script_step(void *ctx, const hl_script_step_t *st, hl_err_t *err)
{
    hl_kiosk_t *k = ctx;
    const char *problem = hl_kiosk_script_check(&k->shots_dir, st);
    if (problem) return hl_err_set(err, HL_ERR_USAGE, "%s", problem);
    const char *v = st->argv[0];
    if (!strcmp(v, "size")) {
        int w = 0, h = 0;
        parse_size(st->argv[1], &w, &h);
        k->dirty = true;
        return hl_display_resize(k->display, w, h, err);
    }
    if (!strcmp(v, "shot")) {
        int rc = hl_kiosk_draw(k, err);
        if (rc) return rc;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.png", k->shots_dir, st->argv[1]);
        return hl_display_save_png(k->display, path, err);
    }
    if (!strcmp(v, "sync")) {
        int secs = 60;
        if (st->argc == 2) parse_int(st->argv[1], &secs);
        return kiosk_script_sync(k, secs, err);
    }
    if (!strcmp(v, "press") || !strcmp(v, "release")) {
        int x = 0, y = 0;
        parse_int(st->argv[1], &x);
        parse_int(st->argv[2], &y);
        kiosk_build(k);
        hl_kiosk_touch(k, v[0] == 'p' ? HL_INPUT_DOWN : HL_INPUT_UP, x, y);
        return HL_OK;
    }
    if (!strcmp(v, "targets")) {
        /* The screen's touch targets on stdout, for a driver that taps a
         * real screen from outside (tests/system): one line each. */
        kiosk_build(k);
        printf("screen %s %dx%d\n", k->scene->screen, k->scene->w, k->scene->h);
        for (size_t i = 0; i < k->scene->n_targets; i++) {
            const hl_target_t *t = &k->scene->targets[i];
            printf("target %s %d %d %d %d\n", t->id, t->box.x, t->box.y, t->box.w, t->box.h);
        }
        fflush(stdout);
        return HL_OK;
    }
    if (!strcmp(v, "expect-target") || !strcmp(v, "expect-no-target")) {
        kiosk_build(k);
        bool there = hl_scene_find(k->scene, st->argv[1]) != NULL;
        if (there != (v[7] == 't'))
            return hl_err_set(err, HL_ERR_STATE, "expected target \"%s\" %s on screen", st->argv[1],
                              there ? "not to be" : "to be");
        return HL_OK;
    }
    if (!strcmp(v, "expect-panel")) {
        bool want_on = !strcmp(st->argv[1], "on"), on = hl_display_panel_on(k->display);
        if (on != want_on)
            return hl_err_set(err, HL_ERR_STATE, "expected the panel %s, but it is %s",
                              want_on ? "on" : "off", on ? "on" : "off");
        return HL_OK;
    }
    if (!strcmp(v, "live")) {
        /* The real event loop, for MS of real time (input, workers, watchdog). */
        int ms = 0;
        parse_int(st->argv[1], &ms);
        return hl_kiosk_loop_for(k, ms) == HL_EXIT_OK
                   ? HL_OK
                   : hl_err_set(err, HL_ERR_STATE, "live: the event loop failed");
    }
    if (!strcmp(v, "hang")) {
        /* The loop stops turning for MS of real time, as a hung one would: no
         * input, no WATCHDOG=1 (the watchdog test). */
        int ms = 0;
        parse_int(st->argv[1], &ms);
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        return HL_OK;
    }
    if (!strcmp(v, "stick") || !strcmp(v, "unstick")) {
        /* A stick mounted (or pulled) at the folder: as the USB watch reports it. */
        if (v[0] == 'u') {
            hl_kiosk_media_removed(k, st->argv[1]);
            return HL_OK;
        }
        hl_medium_t m;
        memset(&m, 0, sizeof m);
        snprintf(m.mount, sizeof m.mount, "%s", st->argv[1]);
        snprintf(m.fs_type, sizeof m.fs_type, "vfat");
        snprintf(m.source, sizeof m.source, "script");
        snprintf(m.id, sizeof m.id, "SCRIPT");
        hl_kiosk_media_added(k, &m);
        hl_kiosk_export_wait(k); /* an authorised stick is written at once: wait for it */
        return HL_OK;
    }
    if (!strcmp(v, "expect-text") || !strcmp(v, "expect-no-text")) {
        bool want_it = !strcmp(v, "expect-text");
        char want[512] = "";
        for (int i = 1; i < st->argc; i++) {
            size_t n = strlen(want);
            snprintf(want + n, sizeof want - n, "%s%s", i > 1 ? " " : "", st->argv[i]);
        }
        kiosk_build(k);
        for (size_t i = 0; i < k->scene->n_cmds; i++) {
            const hl_cmd_t *c = &k->scene->cmds[i];
            if (c->kind != HL_CMD_TEXT || !c->text) continue;
            char line[1024];
            snprintf(line, sizeof line, "%.*s", c->len, c->text);
            if (strstr(line, want))
                return want_it ? HL_OK
                               : hl_err_set(err, HL_ERR_STATE,
                                            "expected the text \"%s\" not to be on screen", want);
        }
        return want_it ? hl_err_set(err, HL_ERR_STATE, "expected the text \"%s\" on screen", want)
                       : HL_OK;
    }
    if (!strcmp(v, "tap")) {
        /* As a finger's: the touch guard ignores a tap too soon after a new
         * screen (on the script's clock). Not an error: a script shows the
         * ghost ignored, then a deliberate tap after a wait counting. */
        long guarded = k->guarded;
        int rc = HL_OK;
        if (st->argc == 2) {
            rc = hl_kiosk_tap_id(k, st->argv[1], err);
        } else {
            int x = 0, y = 0;
            parse_int(st->argv[1], &x);
            parse_int(st->argv[2], &y);
            kiosk_build(k);
            hl_kiosk_touch(k, HL_INPUT_DOWN, x, y);
            hl_kiosk_touch(k, HL_INPUT_UP, x, y);
        }
        if (k->guarded == guarded) return rc;
        fprintf(stderr,
                "hailong: line %d: tap ignored: the screen changed %lld ms before it (a tap "
                "counts from %d ms after a change, as a finger's; put a wait before a tap that is "
                "meant)\n",
                st->line, (long long)(kiosk_now(k) - k->screen_at_ms), HL_KIOSK_GUARD_MS);
        hl_err_clear(err);
        return HL_OK;
    }
    return hl_err_set(err, HL_ERR_USAGE, "unknown step \"%s\"", v);
}
