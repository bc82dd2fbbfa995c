/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_pg.h: a throw-away PostgreSQL cluster for the tests of the province
 * server (hailong-server), which stores into PostgreSQL: a real Debian
 * PostgreSQL (postgresql-15), initdb'd into a fresh hl_test_tmpdir folder,
 * fsync on, reached over a Unix socket in a private folder only (no TCP), so
 * two test programs side by side never meet.
 *
 * initdb and postgres refuse to run as root: when this process is root (CI)
 * they run as the `postgres` system user (fork, setgroups/setgid/setuid,
 * exec; the folders chowned to it), otherwise as this process's user. The
 * binaries are HL_PG_BINDIR's, or the newest /usr/lib/postgresql/N/bin.
 *
 * The postmaster is this process's own child (exec'd directly, not through
 * pg_ctl): stopping and killing it end in waitpid, and PR_SET_PDEATHSIG
 * gives it SIGQUIT (an immediate shutdown) when the thread that started it
 * ends, so a test that crashes or is killed leaves no server behind (its
 * folder stays). Start it from a thread that outlives the cluster (the
 * test's main thread). Readiness is a condition (PQping answers), bounded by
 * minutes against a hang only. Tests only; a missing or failing PostgreSQL
 * is a failure with a message on stderr, never a skip: CI must have it.
 */
#ifndef HL_PG_H
#define HL_PG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct hl_pg {
    char tmp[PATH_MAX];            /* the test's folder (hl_test_tmpdir "pg"), removed by destroy */
    char dir[PATH_MAX];            /* the cluster's data folder: tmp/data */
    char sockdir[PATH_MAX];        /* its Unix socket folder: tmp/s, or /tmp/hlpg-XXXXXX when
                                      that path is too long for a socket (sun_path) */
    char bindir[PATH_MAX];         /* where initdb and postgres are */
    char log[PATH_MAX];            /* the server's stderr, appended across restarts:
                                      dir/server.log (its tail printed when a start fails) */
    int port;                      /* the port in the socket's name (.s.PGSQL.PORT): 5432 */
    char conninfo[PATH_MAX + 128]; /* "host=SOCKDIR port=PORT user=postgres dbname=postgres" */
    pid_t pid;                     /* the postmaster, this process's child; 0 while stopped */
    uid_t uid;                     /* who runs initdb and postgres: postgres when root, else us */
    gid_t gid;                     /* and its group */
    bool own_sockdir;              /* sockdir is outside tmp (removed by destroy as well) */
} hl_pg_t;

/* Makes a fresh folder, initdb's a cluster in it (user postgres, trust,
 * UTF8, locale C.UTF-8 or C) and starts postgres there (fsync on,
 * listen_addresses '', max_connections 200, shared_buffers 128MB), waiting
 * until it accepts connections. false, with a message on stderr and nothing
 * left behind, when PostgreSQL is missing or fails (the test then fails). */
bool hl_pg_start(hl_pg_t *pg);

/* CREATE DATABASE name (letters, digits, '_') and its conninfo in out
 * (pg->conninfo with dbname=name); false with a message on stderr. */
bool hl_pg_create_db(hl_pg_t *pg, const char *name, char *out, size_t cap);

/* Runs sql (one or more statements) through libpq on conninfo and returns
 * the first column of the first row of the last statement's result,
 * malloc'd: "" when it returned no row (CREATE, INSERT) or a NULL. NULL on a
 * failure, with the message on stderr; refused when conninfo names no
 * socket folder (host=/...: never the system's cluster, as an empty
 * conninfo would). Bounded: connect_timeout and a statement_timeout of
 * minutes. */
char *hl_pg_query(const char *conninfo, const char *sql);

/* Stops the server (immediate: SIGQUIT, which crash-recovers on the next
 * start, as pg_ctl stop -m immediate; otherwise a fast shutdown, SIGINT, as
 * pg_ctl stop's default) and starts it again on the same folder and socket. */
bool hl_pg_restart(hl_pg_t *pg, bool immediate);

/* A fast shutdown (SIGINT) and its end waited for; true when already stopped. */
bool hl_pg_stop(hl_pg_t *pg);

/* Starts a stopped (or killed) cluster again and waits until it accepts
 * connections; false when it is running or does not come up. */
bool hl_pg_start_again(hl_pg_t *pg);

/* kill -9 of the postmaster (a crash the server is not told of), then waits
 * until its orphaned children ended too (they notice their parent's death),
 * so that hl_pg_start_again can follow; false when they did not within
 * minutes (they are then killed). */
bool hl_pg_kill(hl_pg_t *pg);

/* Stops the cluster (immediate) and removes its folders; harmless on a
 * cluster that failed to start, and twice. */
void hl_pg_destroy(hl_pg_t *pg);

#endif
