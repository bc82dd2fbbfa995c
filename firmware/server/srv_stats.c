/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_stats.c: the thread that keeps the dashboard's rollups fresh.
 *
 * Every few seconds (30 by default) it calls hailong.refresh_stats
 * (004-stats.sql) on a connection of its own to the service's database: the
 * (unit, local day) pairs pushes touched since the last call are recomputed
 * from the raw tables. A backlog (the first refresh after the migration of a
 * large database) is taken in batches of SRV_STATS_BATCH pairs, each its own
 * transaction, so no refresh holds one long transaction. A page is thus at
 * most one interval plus one refresh behind the pushes. Several instances
 * of the service may run it against one database: the function takes an
 * advisory lock, so they take turns. A database that is down or an error is
 * logged once per kind until a refresh succeeds again, then retried at the
 * next interval on a new connection. Stopping wakes the thread and cancels a
 * refresh in progress (it rolls back; its pairs stay logged).
 */
#include "hl_sys.h"
#include "srv_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SRV_STATS_BATCH 2000 /* (unit, day) pairs per refresh transaction */

struct srv_stats {
    pthread_t thread;   /* the refresh loop */
    pthread_mutex_t mu; /* guards stop and cancel */
    pthread_cond_t cv;  /* signalled by srv_stats_stop (CLOCK_MONOTONIC waits) */
    bool stop;          /* srv_stats_stop was called */
    char *conninfo;     /* owned copy of the service's conninfo */
    int every_s;        /* seconds between refreshes */
    PGcancel *cancel;   /* for the connection in use, or NULL */
    char said[256];     /* the last error logged (logged again only when it changes) */
};

/* Waits every_s seconds or until stopped; true when stopped. */
static bool stats_wait(srv_stats_t *s)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += s->every_s;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT) break;
    }
    bool stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static bool stats_stopping(srv_stats_t *s)
{
    pthread_mutex_lock(&s->mu);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static void stats_say(srv_stats_t *s, const char *msg)
{
    if (!strcmp(s->said, msg)) return;
    hl_fmt(s->said, sizeof s->said, "%s", msg);
    fprintf(stderr, "hailong-server: dashboard figures not refreshed: %s\n", msg);
}

static void stats_set_cancel(srv_stats_t *s, PGconn *c)
{
    pthread_mutex_lock(&s->mu);
    if (s->cancel) PQfreeCancel(s->cancel);
    s->cancel = c ? PQgetCancel(c) : NULL;
    pthread_mutex_unlock(&s->mu);
}

/* One refresh: batches until the log is empty. false on an error (logged;
 * the connection is then closed by the caller). */
static bool stats_refresh(srv_stats_t *s, PGconn *c)
{
    char sql[64];
    hl_fmt(sql, sizeof sql, "SELECT hailong.refresh_stats(%d)", SRV_STATS_BATCH);
    for (;;) {
        hl_err_t err = {0};
        PGresult *r = NULL;
        if (srv_db_params(c, sql, 0, NULL, &r, &err) != HL_OK) {
            if (!stats_stopping(s)) stats_say(s, err.msg);
            return false;
        }
        long long n = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (n < SRV_STATS_BATCH || stats_stopping(s)) break;
    }
    if (s->said[0]) {
        fprintf(stderr, "hailong-server: dashboard figures refreshed again\n");
        s->said[0] = '\0';
    }
    return true;
}

static void *stats_main(void *arg)
{
    srv_stats_t *s = arg;
    PGconn *c = NULL;
    do {
        if (!c) {
            hl_err_t err = {0};
            if (srv_db_connect(s->conninfo, &c, &err) != HL_OK) {
                stats_say(s, err.msg);
                c = NULL;
                continue;
            }
            stats_set_cancel(s, c);
        }
        if (!stats_refresh(s, c)) {
            stats_set_cancel(s, NULL);
            PQfinish(c);
            c = NULL;
        }
    } while (!stats_wait(s));
    stats_set_cancel(s, NULL);
    if (c) PQfinish(c);
    return NULL;
}

int srv_stats_start(const char *conninfo, int every_s, srv_stats_t **out, hl_err_t *err)
{
    *out = NULL;
    if (every_s < 0) return HL_OK;
    srv_stats_t *s = calloc(1, sizeof *s);
    if (!s || !(s->conninfo = strdup(conninfo ? conninfo : SRV_DB_DEFAULT))) {
        free(s);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    }
    s->every_s = every_s ? every_s : SRV_STATS_EVERY_DEFAULT;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, stats_main, s)) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s->conninfo);
        free(s);
        return hl_err_set(err, HL_ERR_IO, "cannot start the dashboard's refresh thread");
    }
    *out = s;
    return HL_OK;
}

void srv_stats_stop(srv_stats_t *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    if (s->cancel) {
        char buf[256];
        PQcancel(s->cancel, buf, sizeof buf);
    }
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->conninfo);
    free(s);
}
