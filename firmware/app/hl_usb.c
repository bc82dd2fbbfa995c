/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_usb.c: the stick watcher and the export thread (hl_usb.h). Both hand
 * their news over under one mutex and wake the event loop; neither touches
 * the screen.
 */
#include "hl_usb.h"
#include "hl_afile.h"
#include "hl_bundle.h"
#include "hl_platform.h"
#include "hl_xlsx.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usb_wake(hl_usb_t *u)
{
    if (u->opts.wake) u->opts.wake(u->opts.wake_ctx);
}

/* Adds a scan's news to the inbox (mu held). */
static void usb_inbox(hl_usb_t *u, const hl_medium_t *added, size_t na, const hl_medium_t *removed,
                      size_t nr)
{
    for (size_t i = 0; i < na && u->n_added < HL_MEDIA_MAX; i++)
        u->added[u->n_added++] = added[i];
    for (size_t i = 0; i < nr && u->n_removed < HL_MEDIA_MAX; i++)
        u->removed[u->n_removed++] = removed[i];
}

int hl_usb_rescan(hl_usb_t *u, hl_err_t *err)
{
    if (!u->media) return hl_err_set(err, HL_ERR_STATE, "not watching for USB sticks");
    hl_medium_t added[HL_MEDIA_MAX], removed[HL_MEDIA_MAX];
    size_t na = 0, nr = 0;
    int rc = hl_media_watch_scan(u->media, added, &na, removed, &nr, err);
    if (rc != HL_OK || (na == 0 && nr == 0)) return rc;
    pthread_mutex_lock(&u->mu);
    usb_inbox(u, added, na, removed, nr);
    pthread_mutex_unlock(&u->mu);
    usb_wake(u);
    return HL_OK;
}

/* The watcher: sleeps in poll() until the mount table changes. */
static void *usb_watch_main(void *arg)
{
    hl_usb_t *u = arg;
    struct pollfd p[2] = {{hl_media_watch_fd(u->media), POLLPRI, 0}, {u->media_stop[0], POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, -1) < 0) continue; /* EINTR */
        if (p[1].revents) return NULL;
        hl_err_t err = {0};
        if (hl_usb_rescan(u, &err) != HL_OK)
            fprintf(stderr, "hailong: reading the mount table: %s\n", err.msg);
    }
}

int hl_usb_open(hl_usb_t *u, const hl_usb_opts_t *opts, hl_err_t *err)
{
    memset(u, 0, sizeof *u);
    u->opts = *opts;
    u->media_stop[0] = u->media_stop[1] = -1;
    if (pthread_mutex_init(&u->mu, NULL) != 0)
        return hl_err_set(err, HL_ERR_NOMEM, "USB: no mutex");
    u->mu_ready = true;
    if (!opts->watch) return HL_OK;
    int rc = hl_media_watch_open(opts->roots, opts->mountinfo, &u->media, err);
    if (rc != HL_OK) return rc;
    rc = hl_usb_rescan(u, err); /* sticks already there count as come now */
    if (rc != HL_OK) return rc;
    if (hl_media_watch_fd(u->media) < 0) return HL_OK; /* a table that cannot signal */
    if (pipe(u->media_stop) != 0) {
        u->media_stop[0] = u->media_stop[1] = -1;
        return hl_errno_set(errno, "making a pipe to stop the USB watcher", "", err);
    }
    if (pthread_create(&u->media_thread, NULL, usb_watch_main, u) != 0)
        return hl_err_set(err, HL_ERR_NOMEM, "USB: the watcher thread did not start");
    u->media_thread_on = true;
    return HL_OK;
}

void hl_usb_close(hl_usb_t *u)
{
    if (u->media_thread_on) {
        char stop = 1;
        if (write(u->media_stop[1], &stop, 1) != 1) perror("hailong: stopping the USB watch");
        pthread_join(u->media_thread, NULL);
        u->media_thread_on = false;
    }
    for (int i = 0; i < 2; i++)
        if (u->media_stop[i] >= 0) close(u->media_stop[i]);
    hl_media_watch_close(u->media);
    hl_usb_result_t r;
    hl_usb_finished(u, true, &r);
    if (u->mu_ready) pthread_mutex_destroy(&u->mu);
    memset(u, 0, sizeof *u);
}

void hl_usb_take(hl_usb_t *u, hl_medium_t *added, size_t *na, hl_medium_t *removed, size_t *nr)
{
    *na = *nr = 0;
    if (!u->mu_ready) return;
    pthread_mutex_lock(&u->mu);
    *na = u->n_added;
    *nr = u->n_removed;
    memcpy(added, u->added, *na * sizeof *added);
    memcpy(removed, u->removed, *nr * sizeof *removed);
    u->n_added = u->n_removed = 0;
    pthread_mutex_unlock(&u->mu);
}

static void usb_progress(void *ctx, double done)
{
    hl_usb_t *u = ctx;
    pthread_mutex_lock(&u->mu);
    bool news = done - u->done >= 0.02 || done >= 1;
    u->done = done;
    pthread_mutex_unlock(&u->mu);
    if (news) usb_wake(u);
}

/* The export thread: one bundle of what was not exported yet, recorded in
 * the store once its manifest is on the stick. */
static void *usb_export_main(void *arg)
{
    hl_usb_t *u = arg;
    const hl_usb_job_t *j = &u->job;
    hl_err_t err = {0};
    int64_t upto = 0;
    hl_bundle_result_t res = {0};
    hl_xlsx_zone_t zone = {hl_platform_tz_offset_ms, j->sys.utc_ms(j->sys.ctx)};
    hl_bundle_extra_t xlsx = {"responses.xlsx", hl_xlsx_bundle_write, &zone};
    int rc = hl_store_exported_upto(j->store, &upto, &err);
    if (rc == HL_OK) {
        hl_bundle_opts_t o = {.root = j->stick.mount,
                              .kiosk_id = j->kiosk_id,
                              .software_version = j->software_version,
                              .created_utc_ms = j->sys.utc_ms(j->sys.ctx),
                              .signer = j->signer,
                              .extras = &xlsx,
                              .n_extras = 1,
                              .after_seq = upto,
                              .record = true,
                              .medium = j->stick.id,
                              .progress = usb_progress,
                              .progress_ctx = u};
        char dir[PATH_MAX];
        rc = hl_bundle_write(j->store, &o, dir, sizeof dir, &res, &err);
        if (rc == HL_ERR_NOT_FOUND) rc = HL_OK; /* nothing new: done, 0 responses */
    }
    /* The bundle is durable and read back (hl_bundle_write); unmounting the
     * stick as well makes "safe to remove" true whatever else is on it. */
    bool released = false;
    if (rc == HL_OK) {
        hl_err_t rerr = {0};
        int rr = hl_media_release(&j->stick, &rerr);
        released = rr == HL_OK;
        if (rr != HL_OK && rr != HL_ERR_NOT_FOUND) fprintf(stderr, "hailong: %s\n", rerr.msg);
    }
    pthread_mutex_lock(&u->mu);
    u->result.released = released;
    u->result.rc = rc;
    u->result.count = rc == HL_OK ? res.responses : 0;
    snprintf(u->result.msg, sizeof u->result.msg, "%s", err.msg);
    u->finished = true;
    pthread_mutex_unlock(&u->mu);
    usb_wake(u);
    return NULL;
}

int hl_usb_export_start(hl_usb_t *u, const hl_usb_job_t *job, hl_err_t *err)
{
    if (!u->mu_ready) return hl_err_set(err, HL_ERR_STATE, "USB: not open");
    if (u->running) return hl_err_set(err, HL_ERR_STATE, "an export is under way");
    u->job = *job;
    u->finished = false;
    u->done = 0;
    memset(&u->result, 0, sizeof u->result);
    if (pthread_create(&u->thread, NULL, usb_export_main, u) != 0)
        return hl_err_set(err, HL_ERR_NOMEM, "the export thread did not start");
    u->running = true;
    return HL_OK;
}

double hl_usb_progress(hl_usb_t *u)
{
    if (!u->mu_ready) return 0;
    pthread_mutex_lock(&u->mu);
    double d = u->done;
    pthread_mutex_unlock(&u->mu);
    return d;
}

bool hl_usb_finished(hl_usb_t *u, bool wait, hl_usb_result_t *out)
{
    if (!u->running) return false;
    if (!wait) {
        pthread_mutex_lock(&u->mu);
        bool done = u->finished;
        pthread_mutex_unlock(&u->mu);
        if (!done) return false;
    }
    pthread_join(u->thread, NULL);
    u->running = false;
    *out = u->result;
    return true;
}
