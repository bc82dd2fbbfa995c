/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_workers.c: the kiosk's workers: the USB stick watcher and the
 * export thread (a bundle to a stick while the screen stays live, its
 * result taken back on the kiosk's thread), and the network sync worker
 * started from the config.
 */
#include "kiosk_int.h"

/* ---- USB export -------------------------------------------------------------- */

/* The media thread: sleeps in poll() until the mount table changes, then
 * hands what appeared or went away to the event loop and wakes it. */
static void *kiosk_media_main(void *arg)
{
    hl_kiosk_t *k = arg;
    struct pollfd p[2] = {{hl_media_watch_fd(k->usb.media), POLLPRI, 0},
                          {k->usb.media_stop[0], POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, -1) < 0) continue; /* EINTR */
        if (p[1].revents) return NULL;
        hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
        size_t na = 0, nr = 0;
        hl_err_t err = {0};
        if (hl_media_watch_scan(k->usb.media, added, &na, removed, &nr, &err) != HL_OK) {
            fprintf(stderr, "hailong: reading the mount table: %s\n", err.msg);
            continue;
        }
        if (na == 0 && nr == 0) continue;
        pthread_mutex_lock(&k->usb.mu);
        for (size_t i = 0; i < na && k->usb.n_added < HL_MEDIA_MAX; i++)
            k->usb.added[k->usb.n_added++] = added[i];
        for (size_t i = 0; i < nr && k->usb.n_removed < HL_MEDIA_MAX; i++)
            k->usb.removed[k->usb.n_removed++] = removed[i];
        pthread_mutex_unlock(&k->usb.mu);
        hl_display_post_wake(k->display);
    }
}

void kiosk_media_start(hl_kiosk_t *k)
{
    hl_err_t err = {0};
    const hl_config_t *cfg = &k->cli->cfg;
    const char *roots[5] = {NULL};
    for (int i = 0; i < cfg->n_export_roots && i < 4; i++)
        roots[i] = cfg->export_roots[i];
    if (hl_media_watch_open(cfg->n_export_roots ? roots : NULL, NULL, &k->usb.media, &err) !=
        HL_OK) {
        fprintf(stderr, "hailong: USB sticks will not be noticed: %s\n", err.msg);
        return;
    }
    /* Sticks already there at start count as inserted now. */
    hl_medium_t added[HL_MEDIA_MAX];
    size_t na = 0;
    if (hl_media_watch_scan(k->usb.media, added, &na, NULL, NULL, &err) == HL_OK)
        for (size_t i = 0; i < na && k->usb.n_added < HL_MEDIA_MAX; i++)
            k->usb.added[k->usb.n_added++] = added[i];
    if (hl_media_watch_fd(k->usb.media) < 0 || pipe(k->usb.media_stop) != 0) return;
    if (pthread_create(&k->usb.media_thread, NULL, kiosk_media_main, k) == 0)
        k->usb.media_thread_on = true;
}

static void kiosk_export_progress(void *ctx, double done)
{
    hl_kiosk_t *k = ctx;
    pthread_mutex_lock(&k->usb.mu);
    bool news = done - k->usb.done >= 0.02 || done >= 1;
    k->usb.done = done;
    pthread_mutex_unlock(&k->usb.mu);
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
        hl_bundle_opts_t o = {.root = k->usb.stick.mount,
                              .kiosk_id = k->cli->cfg.kiosk_id,
                              .software_version = HL_VERSION,
                              .created_utc_ms = k->cli->sys.utc_ms(k->cli->sys.ctx),
                              .signer = &k->devkey,
                              .extras = &xlsx,
                              .n_extras = 1,
                              .after_seq = upto,
                              .record = true,
                              .medium = k->usb.stick.id,
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
        int rr = hl_media_release(&k->usb.stick, &rerr);
        released = rr == HL_OK;
        if (rr != HL_OK && rr != HL_ERR_NOT_FOUND) fprintf(stderr, "hailong: %s\n", rerr.msg);
    }
    pthread_mutex_lock(&k->usb.mu);
    k->usb.stick_released = released;
    k->usb.finished = true;
    k->usb.rc = rc;
    k->usb.count = rc == HL_OK ? res.responses : 0;
    snprintf(k->usb.msg, sizeof k->usb.msg, "%s", err.msg);
    pthread_mutex_unlock(&k->usb.mu);
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
    k->usb.stick = *m;
    k->usb.stick_gone = false;
    k->usb.stick_released = false;
    k->usb.finished = false;
    k->usb.done = 0;
    k->ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_WRITING, 0, 0, 0};
    k->dirty = true;
    fprintf(stderr, "hailong: writing results to %s\n", k->usb.stick.mount);
    if (pthread_create(&k->usb.thread, NULL, kiosk_export_main, k) != 0) {
        k->ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_FAILED, 0, 0, HL_ERR_NOMEM};
        return;
    }
    k->usb.running = true;
}

static void kiosk_maybe_export(hl_kiosk_t *k)
{
    if (!k->usb.has_pending || k->usb.running || !k->usb.mu_ready ||
        k->ui.export_state.phase != HL_UI_EXPORT_NONE || !hl_kiosk_idle(k) ||
        k->tech.mode != HL_TECH_OFF) /* the technician exports from the menu */
        return;
    k->usb.has_pending = false;
    kiosk_start_export(k, &k->usb.pending);
}

/* From the technician menu: the PIN is the authorisation, so any stick
 * will do (the bundle is still signed with the config's export key). A
 * result screen left from an earlier export is cleared first. */
bool hl_kiosk_export_now(hl_kiosk_t *k)
{
    if (k->usb.running || !k->usb.mu_ready || !k->menu.has_stick) return false;
    k->ui.export_state.phase = HL_UI_EXPORT_NONE;
    k->usb.clear_at_ms = 0;
    kiosk_start_export(k, &k->menu.stick);
    return k->usb.running;
}

void hl_kiosk_media_added(hl_kiosk_t *k, const hl_medium_t *m)
{
    hl_kiosk_tech_stick(k, m, NULL); /* the menu may use any stick: the PIN authorises */
    if (!k->cli->cfg.has_export_key ||
        !hl_media_authorized(m->mount, k->cli->cfg.export_key_sha256))
        return; /* a citizen's stick, or a technician's without the key: ignored */
    k->usb.pending = *m;
    k->usb.has_pending = true;
    kiosk_maybe_export(k);
}

void hl_kiosk_media_removed(hl_kiosk_t *k, const char *mount)
{
    hl_kiosk_tech_stick(k, NULL, mount);
    if (k->usb.has_pending && !strcmp(k->usb.pending.mount, mount)) k->usb.has_pending = false;
    if (k->ui.export_state.phase == HL_UI_EXPORT_NONE || strcmp(k->usb.stick.mount, mount) != 0)
        return;
    if (k->usb.stick_released && !k->usb.running) return; /* our own unmount: the screen stays */
    if (k->usb.running) {
        k->usb.stick_gone = true; /* the writer fails on its own; its screen clears later */
        return;
    }
    k->ui.export_state.phase = HL_UI_EXPORT_NONE; /* back to the survey */
    k->usb.clear_at_ms = 0;
    k->dirty = true;
}

/* The export thread is done (join: it has not been joined yet): show its result. */
static void kiosk_take_result(hl_kiosk_t *k, bool join)
{
    if (join) pthread_join(k->usb.thread, NULL);
    k->usb.running = false;
    int rc = k->usb.rc;
    k->ui.export_state = (hl_ui_export_t){rc == HL_OK ? HL_UI_EXPORT_DONE : HL_UI_EXPORT_FAILED, 1,
                                          k->usb.count, rc};
    if (rc == HL_OK)
        fprintf(stderr, "hailong: %lld response(s) written to %s%s: safe to remove\n", k->usb.count,
                k->usb.stick.mount, k->usb.stick_released ? " and unmounted" : "");
    else
        fprintf(stderr, "hailong: export to %s failed: %s\n", k->usb.stick.mount, k->usb.msg);
    /* Removed while writing, or unmounted by the export: the kiosk will not
     * see the stick pulled; leave the message a while. */
    if (k->usb.stick_gone) k->usb.clear_at_ms = kiosk_now(k) + 10000;
    if (k->usb.stick_released) k->usb.clear_at_ms = kiosk_now(k) + HL_KIOSK_RELEASED_SHOW_MS;
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
void kiosk_sync_start(hl_kiosk_t *k)
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
    if (!k->syncw || k->usb.running) return; /* the export thread uses the store now */
    hl_err_t err = {0};
    if (!hl_syncw_has_outcome(k->syncw)) return;
    if (hl_syncw_commit(k->syncw, k->store, &err) != HL_OK)
        fprintf(stderr, "hailong: sync: recording what the server confirmed: %s\n", err.msg);
    k->menu.view_valid = false; /* the technician's sync figures changed */
    if (k->tech.mode != HL_TECH_OFF) k->dirty = true;
}

void hl_kiosk_poll_workers(hl_kiosk_t *k)
{
    if (!k->usb.mu_ready) return;
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    pthread_mutex_lock(&k->usb.mu);
    size_t na = k->usb.n_added, nr = k->usb.n_removed;
    memcpy(added, k->usb.added, na * sizeof *added);
    memcpy(removed, k->usb.removed, nr * sizeof *removed);
    k->usb.n_added = k->usb.n_removed = 0;
    bool finished = k->usb.running && k->usb.finished;
    if (k->usb.running && k->ui.export_state.phase == HL_UI_EXPORT_WRITING &&
        k->ui.export_state.done != k->usb.done) {
        k->ui.export_state.done = k->usb.done;
        k->dirty = true;
    }
    pthread_mutex_unlock(&k->usb.mu);
    for (size_t i = 0; i < nr; i++)
        hl_kiosk_media_removed(k, removed[i].mount);
    for (size_t i = 0; i < na; i++)
        hl_kiosk_media_added(k, &added[i]);
    if (finished) kiosk_take_result(k, true);
    if (k->usb.clear_at_ms && kiosk_now(k) >= k->usb.clear_at_ms) {
        k->usb.clear_at_ms = 0;
        k->ui.export_state.phase = HL_UI_EXPORT_NONE;
        k->dirty = true;
    }
    hl_kiosk_sync_commit(k);
    kiosk_maybe_export(k);
}

void hl_kiosk_export_wait(hl_kiosk_t *k)
{
    if (!k->usb.running) return;
    pthread_join(k->usb.thread, NULL);
    kiosk_take_result(k, false);
}
