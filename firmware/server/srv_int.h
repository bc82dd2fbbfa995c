/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_int.h: the parts of hailong-server, shared by firmware/server only.
 *
 *   srv_main.c   the command line: usage, options, dispatch
 *   srv_db.c     PostgreSQL through libpq: a pool of connections for the
 *                service, one connection for the commands, the migrations
 *   srv_http.c   the service: libmicrohttpd, one request to one SQL call
 *   srv_admin.c  the province's commands: kiosks, surveys, assignments,
 *                the fleet, alerts, settings
 *   srv_stats.c  the thread that refreshes the dashboard's rollups
 *   srv_web*.c   the dashboard (serve --web-listen): a second daemon with
 *                its own pool and role, and `staff` (srv_web_int.h)
 * The service keeps no state of its own: everything it knows is in the
 * database, so several instances can serve one database.
 */
#ifndef SRV_INT_H
#define SRV_INT_H

#include "hl_err.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_DB_DEFAULT       "dbname=hailong"
#define SRV_LISTEN_DEFAULT   "127.0.0.1:8080"
#define SRV_PATH             "/api/v1/sync" /* where kiosks push */
#define SRV_BODY_MAX_DEFAULT (16u * 1024 * 1024)
#define SRV_THREADS_DEFAULT  16 /* fewer kiosks' timeouts than 8 on 2 cores; the usage says it */
#define SRV_SCHEMA_VERSION   6  /* the newest firmware/server/sql/NNN-*.sql */

/* A pool of database connections, one per service thread at most. */
typedef struct srv_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *conninfo; /* owned */
    PGconn **conns; /* n slots; NULL until first used, or after a failure */
    bool *busy;
    int n;
} srv_pool_t;

int srv_pool_init(srv_pool_t *p, const char *conninfo, int n, hl_err_t *err);
void srv_pool_free(srv_pool_t *p);
/* A connected connection with the service's statements prepared, or NULL
 * with err (the database is down: the caller answers 503). A pooled
 * connection the server closed while it sat idle (PostgreSQL restarted,
 * the session terminated) is replaced before anything is sent on it. */
PGconn *srv_pool_get(srv_pool_t *p, hl_err_t *err);
/* Gives it back (c may be NULL: the slot is freed); broken: close it (the
 * next get reconnects). */
void srv_pool_put(srv_pool_t *p, PGconn *c, bool broken);
/* Runs the prepared statement name (srv_db.c prepares "auth" and "ingest",
 * both safe to run twice: see there) on *c. When the connection turns out
 * to be lost (PQstatus CONNECTION_BAD, SQLSTATE class 08, 57P01..57P03),
 * *c is replaced by a new connection and the statement runs once more.
 * Returns the result to check and PQclear; NULL with err when no new
 * connection could be made (*c is then NULL: still srv_pool_put it) or
 * libpq returned no result at all (it could not send; out of memory). */
PGresult *srv_pool_exec(srv_pool_t *p, PGconn **c, const char *name, int n,
                        const char *const *values, const int *lengths, const int *formats,
                        hl_err_t *err);

/* One connection (a command's, or the pool's). Unless conninfo (or
 * PGCONNECT_TIMEOUT) sets them: connect_timeout 10 s, TCP keepalives after
 * 30 s idle, every 10 s, 3 probes. HL_ERR_IO with libpq's message. */
int srv_db_connect(const char *conninfo, PGconn **out, hl_err_t *err);
/* Runs sql (no parameters) and checks the result; HL_ERR_IO with the
 * server's message. */
int srv_db_exec(PGconn *c, const char *sql, hl_err_t *err);
/* With text parameters; *out (may be NULL) gets the result to PQclear. */
int srv_db_params(PGconn *c, const char *sql, int n, const char *const *values, PGresult **out,
                  hl_err_t *err);
/* The applied schema version (0: none), and the migrations to it from
 * sql_dir; service_role, when not NULL, becomes a login role granted
 * hailong_ingest. Prints what it does to stdout. */
int srv_db_migrate(PGconn *c, const char *sql_dir, const char *service_role, hl_err_t *err);
int srv_db_version(PGconn *c, int *version, hl_err_t *err);
/* Makes the months' partitions around today; HL_OK with *made. */
int srv_db_partitions(PGconn *c, int *made, hl_err_t *err);

/* Appends s to a PostgreSQL array literal being built in *buf (quoted, or
 * NULL when s is NULL). */
typedef struct srv_buf {
    char *p;
    size_t len, cap;
    bool failed; /* out of memory */
} srv_buf_t;
void srv_buf_add(srv_buf_t *b, const char *s, size_t n);
void srv_buf_array_item(srv_buf_t *b, const char *s, size_t n, bool first);
void srv_buf_free(srv_buf_t *b);

/* ---- The service ----------------------------------------------------------------- */

typedef struct srv_opts {
    const char *db;       /* conninfo */
    char host[256];       /* listen address */
    int port;             /* 0: any (tests; written to port_file) */
    const char *tls_cert; /* PEM files; both or neither */
    const char *tls_key;
    const char *port_file; /* written with the bound port once listening */
    int threads;           /* service threads (and database connections) */
    int max_inflight;      /* pushes admitted at once (one per kiosk: a second gets 429);
                              more get 503 on their headers */
    size_t max_body;       /* bytes of a request body */
    int per_ip;            /* connections per client address, 0: no limit */
    int timeout_s;         /* an idle or stalled connection is closed after this */
    bool verbose;          /* a log line per push */
    int stats_every_s;     /* the dashboard's rollups refreshed this often (srv_stats.c);
                              0: SRV_STATS_EVERY_DEFAULT, < 0: never */
} srv_opts_t;

/* Runs the service until SIGTERM or SIGINT. */
int srv_serve(const srv_opts_t *o, hl_err_t *err);

/* ---- The dashboard's figures (srv_stats.c) ------------------------------------------- */

#define SRV_STATS_EVERY_DEFAULT 30 /* seconds between two refreshes of the rollups */

typedef struct srv_stats srv_stats_t;

/* Starts the thread that calls hailong.refresh_stats (004-stats.sql) every
 * every_s seconds (0: SRV_STATS_EVERY_DEFAULT; < 0: no thread, *out NULL)
 * on its own connection to conninfo, the first time at once. */
int srv_stats_start(const char *conninfo, int every_s, srv_stats_t **out, hl_err_t *err);
/* Wakes it, cancels a refresh in progress and joins it; NULL is harmless. */
void srv_stats_stop(srv_stats_t *s);

/* ---- The dashboard (srv_web*.c) -------------------------------------------------------- */

typedef struct srv_web_opts {
    char host[256];       /* listen address (--web-listen) */
    int port;             /* 0: any (tests; written to port_file) */
    const char *db;       /* conninfo of a login role granted hailong_web (--web-db) */
    const char *tls_cert; /* PEM files (serve's); both or neither */
    const char *tls_key;
    const char *port_file;   /* written with the bound port once listening (--web-port-file) */
    const char *fonts_dir;   /* NotoSans-Regular.ttf and -Bold.ttf (--web-fonts) */
    const char *clock_fixed; /* ISO 8601: "now" for every page (--clock-fixed), NULL: the clock */
    int threads;             /* threads and database connections */
} srv_web_opts_t;

typedef struct srv_web srv_web_t;

/* Starts the dashboard's daemon (its threads block SIGTERM and SIGINT:
 * srv_serve waits for them); NULL o->host: nothing to start. */
int srv_web_start(const srv_web_opts_t *o, srv_web_t **out, hl_err_t *err);
/* Stops it after the requests in progress; NULL is harmless. */
void srv_web_stop(srv_web_t *w);
/* `hailong-server staff add|passwd|disable|list` (srv_web_staff.c). */
int srv_cmd_staff(PGconn *c, int argc, char **argv, hl_err_t *err);

/* ---- Commands (srv_admin.c) -------------------------------------------------------- */

int srv_cmd_kiosk(PGconn *c, int argc, char **argv, hl_err_t *err);
int srv_cmd_survey(PGconn *c, int argc, char **argv, hl_err_t *err);
int srv_cmd_assign(PGconn *c, int argc, char **argv, hl_err_t *err);
int srv_cmd_fleet(PGconn *c, int argc, char **argv, hl_err_t *err);
int srv_cmd_alerts(PGconn *c, int argc, char **argv, hl_err_t *err);
int srv_cmd_settings(PGconn *c, int argc, char **argv, hl_err_t *err);

#endif
