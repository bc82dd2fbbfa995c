/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kiosk_workers.c: the kiosk's workers: the USB stick watcher and the
 * export thread (a bundle to a stick while the screen stays live, its
 * result taken back on the kiosk's thread), and the network sync worker
 * started from the config (its status and assignments: kiosk_centre.c).
 */
#include "kiosk_int.h"

/* ---- USB export -------------------------------------------------------------- */

static void kiosk_wake(void *ctx)
{
    hl_kiosk_t *k = ctx;
    hl_display_post_wake(k->display);
}

/* The USB side: sticks are watched when one may be used (an export key, or
 * a PIN for the technician's menu); exports work in any case. */
void kiosk_usb_open(hl_kiosk_t *k)
{
    const hl_config_t *cfg = &k->cli->cfg;
    const char *roots[5] = {NULL};
    for (int i = 0; i < cfg->n_export_roots && i < 4; i++)
        roots[i] = cfg->export_roots[i];
    hl_usb_opts_t o = {.roots = cfg->n_export_roots ? roots : NULL,
                       .watch = cfg->has_export_key || cfg->pin_hash[0],
                       .wake = kiosk_wake,
                       .wake_ctx = k};
    hl_err_t err = {0};
    if (hl_usb_open(&k->usb.io, &o, &err) != HL_OK)
        fprintf(stderr, "hailong: USB sticks will not be noticed: %s\n", err.msg);
}

bool hl_kiosk_idle(const hl_kiosk_t *k)
{
    const hl_flow_t *f = &k->flow;
    return f->state == HL_STATE_START && !f->started && !f->draft[0] &&
           f->resp.lang == f->survey->langs[0] && !k->access.active;
}

/* Starts the export thread writing to medium m. */
static void kiosk_start_export(hl_kiosk_t *k, const hl_medium_t *m)
{
    k->usb.stick = *m;
    k->usb.stick_gone = false;
    k->usb.stick_released = false;
    k->ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_WRITING, 0, 0, 0};
    k->dirty = true;
    fprintf(stderr, "hailong: writing results to %s\n", k->usb.stick.mount);
    hl_usb_job_t job = {.store = k->store,
                        .signer = &k->devkey,
                        .kiosk_id = k->cli->cfg.kiosk_id,
                        .software_version = HL_VERSION,
                        .sys = k->cli->sys,
                        .stick = *m};
    hl_err_t err = {0};
    if (hl_usb_export_start(&k->usb.io, &job, &err) != HL_OK) {
        fprintf(stderr, "hailong: export to %s: %s\n", m->mount, err.msg);
        k->ui.export_state = (hl_ui_export_t){HL_UI_EXPORT_FAILED, 0, 0, HL_ERR_NOMEM};
    }
}

static void kiosk_maybe_export(hl_kiosk_t *k)
{
    if (!k->usb.has_pending || k->usb.io.running || !k->usb.io.mu_ready ||
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
    if (k->usb.io.running || !k->usb.io.mu_ready || !k->menu.has_stick) return false;
    k->ui.export_state.phase = HL_UI_EXPORT_NONE;
    k->usb.clear_at_ms = 0;
    kiosk_start_export(k, &k->menu.stick);
    return k->usb.io.running;
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
    if (k->usb.stick_released && !k->usb.io.running) return; /* our own unmount: the screen stays */
    if (k->usb.io.running) {
        k->usb.stick_gone = true; /* the writer fails on its own; its screen clears later */
        return;
    }
    k->ui.export_state.phase = HL_UI_EXPORT_NONE; /* back to the survey */
    k->usb.clear_at_ms = 0;
    k->dirty = true;
}

/* The export ended as r says: show its result. */
static void kiosk_take_result(hl_kiosk_t *k, const hl_usb_result_t *r)
{
    k->usb.stick_released = r->released;
    k->ui.export_state = (hl_ui_export_t){r->rc == HL_OK ? HL_UI_EXPORT_DONE : HL_UI_EXPORT_FAILED,
                                          1, r->count, r->rc};
    if (r->rc == HL_OK)
        fprintf(stderr, "hailong: %lld response(s) written to %s%s: safe to remove\n", r->count,
                k->usb.stick.mount, r->released ? " and unmounted" : "");
    else
        fprintf(stderr, "hailong: export to %s failed: %s\n", k->usb.stick.mount, r->msg);
    /* Removed while writing, or unmounted by the export: the kiosk will not
     * see the stick pulled; leave the message a while. */
    if (k->usb.stick_gone) k->usb.clear_at_ms = kiosk_now(k) + 10000;
    if (r->released) k->usb.clear_at_ms = kiosk_now(k) + HL_KIOSK_RELEASED_SHOW_MS;
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
    hl_sync_kiosk_t snapshot; /* the status's first: the worker pushes at once */
    kiosk_centre_fill(k, &snapshot);
    hl_syncw_opts_t o = {.sync = {.cfg = &cfg->sync,
                                  .kiosk_id = cfg->kiosk_id,
                                  .software_version = HL_VERSION,
                                  .sys = k->cli->sys,
                                  .kiosk = &snapshot,
                                  .free_bytes = hl_platform_free_bytes},
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
    if (!k->syncw || k->usb.io.running) return; /* the export thread uses the store now */
    hl_err_t err = {0};
    if (!hl_syncw_has_outcome(k->syncw)) return;
    if (hl_syncw_commit(k->syncw, k->store, &err) != HL_OK)
        fprintf(stderr, "hailong: sync: recording what the server confirmed: %s\n", err.msg);
    else
        hl_kiosk_centre_check(k); /* a new assignment came with the answer? */
    k->menu.view_valid = false;   /* the technician's sync figures changed */
    if (k->tech.mode != HL_TECH_OFF) k->dirty = true;
}

void hl_kiosk_poll_workers(hl_kiosk_t *k)
{
    if (!k->usb.io.mu_ready) return;
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    size_t na = 0, nr = 0;
    hl_usb_take(&k->usb.io, added, &na, removed, &nr);
    if (k->usb.io.running && k->ui.export_state.phase == HL_UI_EXPORT_WRITING) {
        double done = hl_usb_progress(&k->usb.io);
        if (k->ui.export_state.done != done) {
            k->ui.export_state.done = done;
            k->dirty = true;
        }
    }
    for (size_t i = 0; i < nr; i++)
        hl_kiosk_media_removed(k, removed[i].mount);
    for (size_t i = 0; i < na; i++)
        hl_kiosk_media_added(k, &added[i]);
    hl_usb_result_t r;
    if (hl_usb_finished(&k->usb.io, false, &r)) kiosk_take_result(k, &r);
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
    hl_usb_result_t r;
    if (hl_usb_finished(&k->usb.io, true, &r)) kiosk_take_result(k, &r);
}
