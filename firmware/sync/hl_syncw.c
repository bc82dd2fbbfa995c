/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_syncw.c: the kiosk's sync worker: a thread that pushes pending
 * responses with hl_sync_push, reading them through its own read-only store
 * connection, while the kiosk's store stays the only writer.
 *
 * Hand-off: after each push (a batch, or with nothing pending a heartbeat)
 * that reached (or tried to reach) the server, the worker parks the outcome, calls the wake hook
 * and waits; the event loop calls hl_syncw_commit on its own thread, which records the outcome
 * through the writer store (one commit) and releases the worker. So the
 * next batch is read only after the marks of the previous one are in, and
 * an outcome lost to a crash or a stop only means those responses are sent
 * again (their UUIDs make that harmless).
 * Timing: the first push comes at once, then every interval (at once again
 * while full batches are pending), with exponential back-off and jitter on
 * failures, and no automatic push at all while the server refuses this
 * config for good (the stop is kept in the store, so it survives a
 * restart). Waits use a condition variable on CLOCK_MONOTONIC with
 * relative deadlines, so a stop or a kick wakes the thread at once; a
 * request in progress is cut short through hl_sync_abort.
 */
#include "hl_sync.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HL_SYNCW_REOPEN_MS 5000 /* retry opening the reader store after a failure */
#define HL_SYNCW_CACHE_KIB 1024 /* the reader's page cache: a batch at a time */

struct hl_syncw {
    hl_syncw_opts_t o;
    char *data_dir; /* owned copy */
    char *vfs;      /* owned copy, or NULL */
    hl_sync_t *sync;
    hl_store_t *reader;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Guarded by mu: */
    bool stop, kick, has_outcome, commit_failed;
    hl_sync_outcome_t outcome;
    hl_syncw_info_t info;
    char last_logged[512]; /* worker thread only: the error last printed */
};

/* Waits until now_ms() reaches due, a stop or a kick (mu held). due < 0:
 * no deadline. */
/* CLOCK_MONOTONIC (the condition variable's clock) ms from now. */
static struct timespec deadline_in(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void wait_until(hl_syncw_t *w, int64_t due)
{
    while (!w->stop && !w->kick) {
        int64_t now = w->o.sync.sys.mono_ms(w->o.sync.sys.ctx);
        if (due >= 0 && now >= due) return;
        if (due < 0) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        int64_t left = due - now;
        if (left > 1000) left = 1000; /* the clock may be a fake one: look again */
        struct timespec ts = deadline_in(left);
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
}

static int64_t mono(hl_syncw_t *w)
{
    return w->o.sync.sys.mono_ms(w->o.sync.sys.ctx);
}

static void log_outcome(hl_syncw_t *w, const hl_sync_outcome_t *out)
{
    if (out->assignment.kind == HL_SYNC_ASSIGN_BAD) /* the server's fault: said each time */
        fprintf(stderr, "hailong: sync: %s\n", out->assignment.error);
    if (out->verdict == HL_SYNC_DELIVERED || out->verdict == HL_SYNC_IDLE) {
        if (w->last_logged[0])
            fprintf(stderr, "hailong: sync: %s again (%zu response(s) confirmed)\n",
                    out->heartbeat ? "the server answers" : "delivering", out->n_delivered);
        w->last_logged[0] = '\0';
        return;
    }
    if (!strcmp(w->last_logged, out->error)) return; /* said already */
    fprintf(stderr, "hailong: sync: %s\n", out->error);
    snprintf(w->last_logged, sizeof w->last_logged, "%s", out->error);
}

static void *syncw_main(void *arg)
{
    hl_syncw_t *w = arg;
    int64_t due = 0; /* push at once */
    bool checked_stop = false;
    int read_failures = 0;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        wait_until(w, w->info.stopped ? -1 : due);
        if (w->stop) break;
        bool kicked = w->kick;
        w->kick = false;
        /* A push by hand while stopped tries once: only a delivery (which
         * clears the stop in the store) or a new config lifts the stop. */
        bool tried_from_stop = kicked && w->info.stopped;
        if (kicked) w->info.stopped = false;
        pthread_mutex_unlock(&w->mu);

        hl_err_t err = {0};
        int rc = HL_OK;
        if (!w->reader) {
            hl_store_opts_t so = {
                .vfs = w->vfs, .read_only = true, .cache_kib = HL_SYNCW_CACHE_KIB};
            rc = hl_store_open(w->data_dir, &so, &w->reader, NULL, &err);
        }
        /* A stop recorded by an earlier run with this same config holds. */
        if (rc == HL_OK && !checked_stop) {
            hl_store_sync_t st;
            rc = hl_store_sync_state(w->reader, &st, &err);
            if (rc == HL_OK) {
                checked_stop = true;
                if (!kicked &&
                    !strcmp(st.stopped_fingerprint, hl_sync_config_fingerprint(w->sync))) {
                    fprintf(stderr,
                            "hailong: sync: stopped: the server refused this config (%s); "
                            "change the config or push by hand\n",
                            st.last_error);
                    pthread_mutex_lock(&w->mu);
                    w->info.stopped = true;
                    continue;
                }
            }
        }
        hl_sync_outcome_t out;
        if (rc == HL_OK) {
            pthread_mutex_lock(&w->mu);
            w->info.pushing = true;
            pthread_mutex_unlock(&w->mu);
            rc = hl_sync_push(w->sync, w->reader, &out, &err);
            pthread_mutex_lock(&w->mu);
            w->info.pushing = false;
            pthread_mutex_unlock(&w->mu);
        }
        if (rc != HL_OK) {
            /* The local store could not be read: close it, try again later. */
            if (read_failures++ == 0) fprintf(stderr, "hailong: sync: %s\n", err.msg);
            hl_store_close(w->reader);
            w->reader = NULL;
            pthread_mutex_lock(&w->mu);
            due = mono(w) + HL_SYNCW_REOPEN_MS;
            w->info.next_mono_ms = due;
            w->info.rounds++;
            w->info.last_verdict = HL_SYNC_RETRY;
            pthread_cond_broadcast(&w->cv);
            continue;
        }
        read_failures = 0;
        log_outcome(w, &out);
        pthread_mutex_lock(&w->mu);
        w->outcome = out;
        w->has_outcome = true;
        w->commit_failed = false;
        pthread_cond_broadcast(&w->cv); /* hl_syncw_wait */
        pthread_mutex_unlock(&w->mu);
        if (w->o.wake) w->o.wake(w->o.wake_ctx);
        pthread_mutex_lock(&w->mu);
        while (!w->stop && w->has_outcome)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop) break;
        bool answered = out.verdict == HL_SYNC_DELIVERED || out.verdict == HL_SYNC_IDLE;
        if (answered || out.verdict == HL_SYNC_RETRY)
            w->info.failures = answered ? 0 : w->info.failures + 1;
        if (w->commit_failed) {
            /* Not recorded: the same batch would go again at once; wait. */
            w->info.failures++;
            uint32_t rnd = 0;
            if (w->o.sync.sys.random) w->o.sync.sys.random(w->o.sync.sys.ctx, &rnd, sizeof rnd);
            due = mono(w) + hl_sync_backoff_ms(w->info.failures, rnd, w->o.sync.backoff_base_ms,
                                               w->o.sync.backoff_cap_ms);
        } else if (out.verdict == HL_SYNC_STOP || (tried_from_stop && !answered)) {
            w->info.stopped = true;
            due = -1;
        } else {
            due = mono(w) + out.next_in_ms;
        }
        w->info.next_mono_ms = due;
        w->info.rounds++;
        w->info.last_verdict = w->commit_failed ? HL_SYNC_RETRY : out.verdict;
        w->info.last_heartbeat = out.heartbeat && !w->commit_failed;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int hl_syncw_start(const hl_syncw_opts_t *o, hl_syncw_t **out, hl_err_t *err)
{
    *out = NULL;
    if (!o || !o->data_dir)
        return hl_err_set(err, HL_ERR_USAGE, "hl_syncw_start: no data folder given");
    hl_syncw_t *w = calloc(1, sizeof *w);
    if (!w) return hl_err_set(err, HL_ERR_NOMEM, "out of memory starting the sync");
    w->o = *o;
    w->data_dir = strdup(o->data_dir);
    w->vfs = o->store_vfs ? strdup(o->store_vfs) : NULL;
    if (!w->data_dir || (o->store_vfs && !w->vfs)) {
        free(w->data_dir);
        free(w->vfs);
        free(w);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory starting the sync");
    }
    hl_sync_opts_t so = o->sync;
    if (!so.data_dir) so.data_dir = o->data_dir; /* the status's free space */
    int rc = hl_sync_new(&so, &w->sync, err);
    if (rc != HL_OK) {
        free(w->data_dir);
        free(w->vfs);
        free(w);
        return rc;
    }
    w->info.next_mono_ms = -1;
    w->info.insecure = hl_sync_insecure(o->sync.cfg);
    pthread_condattr_t ca;
    bool ok = pthread_mutex_init(&w->mu, NULL) == 0;
    if (ok && pthread_condattr_init(&ca) == 0) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        ok = pthread_cond_init(&w->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    } else if (ok) {
        pthread_mutex_destroy(&w->mu);
        ok = false;
    }
    if (!ok || pthread_create(&w->thread, NULL, syncw_main, w) != 0) {
        if (ok) {
            pthread_cond_destroy(&w->cv);
            pthread_mutex_destroy(&w->mu);
        }
        hl_sync_free(w->sync);
        free(w->data_dir);
        free(w->vfs);
        free(w);
        return hl_err_set(err, HL_ERR_NOMEM, "cannot start the sync thread");
    }
    w->started = true;
    *out = w;
    return HL_OK;
}

bool hl_syncw_has_outcome(hl_syncw_t *w)
{
    if (!w) return false;
    pthread_mutex_lock(&w->mu);
    bool has = w->has_outcome;
    pthread_mutex_unlock(&w->mu);
    return has;
}

int hl_syncw_commit(hl_syncw_t *w, hl_store_t *writer, hl_err_t *err)
{
    if (!w) return HL_OK;
    pthread_mutex_lock(&w->mu);
    if (!w->has_outcome) {
        pthread_mutex_unlock(&w->mu);
        return HL_OK;
    }
    hl_sync_outcome_t out = w->outcome;
    pthread_mutex_unlock(&w->mu);
    /* The worker waits while has_outcome is set: the hl_sync_t and the
     * delivered list are not touched meanwhile. */
    int rc = hl_sync_commit(w->sync, writer, &out, err);
    pthread_mutex_lock(&w->mu);
    w->has_outcome = false;
    w->commit_failed = rc != HL_OK;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

bool hl_syncw_wait(hl_syncw_t *w, int timeout_ms)
{
    if (!w) return false;
    pthread_mutex_lock(&w->mu);
    int64_t rounds = w->info.rounds;
    struct timespec ts = deadline_in(timeout_ms);
    while (!w->has_outcome && w->info.rounds == rounds && !w->stop)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT) break;
    bool news = w->has_outcome || w->info.rounds != rounds;
    pthread_mutex_unlock(&w->mu);
    return news;
}

void hl_syncw_set_kiosk(hl_syncw_t *w, const hl_sync_kiosk_t *k)
{
    if (w) hl_sync_set_kiosk(w->sync, k);
}

void hl_syncw_kick(hl_syncw_t *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->kick = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void hl_syncw_info(hl_syncw_t *w, hl_syncw_info_t *out)
{
    memset(out, 0, sizeof *out);
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    *out = w->info;
    pthread_mutex_unlock(&w->mu);
}

int hl_sync_status(hl_store_t *st, const hl_sync_cfg_t *cfg, hl_syncw_t *w, hl_sync_status_t *out,
                   hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->configured = cfg && cfg->enabled;
    int rc = hl_store_sync_state(st, &out->store, err);
    if (rc != HL_OK) return rc;
    if (out->configured) {
        out->insecure = hl_sync_insecure(cfg);
        hl_sync_shown_url(cfg->url, out->url, sizeof out->url);
        char fp[65];
        hl_sync_fingerprint(cfg, fp);
        out->stopped =
            out->store.stopped_fingerprint[0] && !strcmp(fp, out->store.stopped_fingerprint);
    }
    if (w) {
        out->worker = true;
        hl_syncw_info(w, &out->info);
        out->stopped = out->info.stopped;
    }
    return HL_OK;
}

void hl_syncw_stop(hl_syncw_t *w)
{
    if (!w) return;
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        hl_sync_abort(w->sync);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    hl_store_close(w->reader);
    hl_sync_free(w->sync);
    free(w->data_dir);
    free(w->vfs);
    free(w);
}
