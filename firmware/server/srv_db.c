/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_db.c: hailong-server's PostgreSQL (libpq): the service's pool of
 * connections, a command's connection, and the migrations.
 *
 * The pool connects lazily and reconnects after a failure, so the service
 * starts and keeps running while PostgreSQL restarts (it answers 503,
 * and kiosks send again). Once PostgreSQL is back, no request pays for the
 * connections the restart left behind: one the server closed while it sat
 * in the pool is replaced before use, and a statement whose connection is
 * lost under it runs once more on a new one (srv_pool_exec). Each
 * connection prepares the service's two statements once. Migrations are
 * the files firmware/server/sql/NNN-*.sql (installed in
 * /usr/share/hailong-server/sql), each applied in its own transaction under
 * an advisory lock, so two instances upgrading at once apply each file
 * once.
 */
#include "srv_int.h"
#include "hl_sys.h"

#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq's notices (NOTICE from the server) go nowhere: the functions'
 * warnings are raised as errors when they matter. */
static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* What every connection gets unless the conninfo (or, for the timeout,
 * PGCONNECT_TIMEOUT) says otherwise: the user's string wins. A host that
 * does not answer (a SYN lost, a server that accepts and says nothing)
 * fails a connection after connect_timeout instead of a thread's minutes
 * in the kernel's retries; keepalives find a connection whose peer vanished
 * (a crashed host, a dropped NAT entry) within 30 + 3 x 10 s instead of the
 * kernel's two hours. Keepalives only apply over TCP, not a Unix socket. */
static const char *const conn_keys[] = {
    "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "dbname",          NULL};
static const char *const conn_values[] = {"10", "1", "30", "10", "3"};

/* The connection string as it may be logged: its settings with any
 * password replaced by "***" (it goes to the journal). */
static void conninfo_shown(const char *conninfo, char *out, size_t cap)
{
    PQconninfoOption *o = PQconninfoParse(conninfo, NULL);
    if (!o) {
        hl_fmt(out, cap, "an unreadable connection string");
        return;
    }
    size_t len = 0;
    out[0] = '\0';
    for (PQconninfoOption *i = o; i->keyword && len < cap; i++) {
        if (!i->val) continue;
        bool secret = !strcmp(i->keyword, "password");
        int w = snprintf(out + len, cap - len, "%s%s=%s", len ? " " : "", i->keyword,
                         secret ? "***" : i->val);
        if (w < 0) break;
        len += (size_t)w;
    }
    PQconninfoFree(o);
}

int srv_db_connect(const char *conninfo, PGconn **out, hl_err_t *err)
{
    /* dbname last, expanded (expand_dbname): the conninfo's own settings
     * are processed after these, so they win */
    const char *values[sizeof conn_keys / sizeof conn_keys[0]];
    size_t n = 0;
    const char *env = getenv("PGCONNECT_TIMEOUT");
    for (size_t i = 0; conn_keys[i + 1]; i++)
        values[n++] = i == 0 && env && *env ? NULL : conn_values[i];
    values[n] = conninfo;
    PGconn *c = PQconnectdbParams(conn_keys, values, 1);
    if (!c) return hl_err_set(err, HL_ERR_NOMEM, "out of memory for a database connection");
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[400];
        hl_fmt(msg, sizeof msg, "%s", PQerrorMessage(c));
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(c);
        char shown[300];
        conninfo_shown(conninfo, shown, sizeof shown);
        return hl_err_set(err, HL_ERR_IO, "cannot connect to the database (%s): %s", shown, msg);
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    *out = c;
    return HL_OK;
}

static int result_error(PGresult *r, PGconn *c, hl_err_t *err)
{
    const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
    char msg[600];
    hl_fmt(msg, sizeof msg, "%s", m && *m ? m : "no result");
    msg[strcspn(msg, "\n")] = '\0';
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    int code = state && !strcmp(state, "42501") ? HL_ERR_STATE : HL_ERR_IO;
    PQclear(r);
    return hl_err_set(err, code, "database: %s", msg);
}

int srv_db_exec(PGconn *c, const char *sql, hl_err_t *err)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return result_error(r, c, err);
    PQclear(r);
    return HL_OK;
}

int srv_db_params(PGconn *c, const char *sql, int n, const char *const *values, PGresult **out,
                  hl_err_t *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, values, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return result_error(r, c, err);
    if (out)
        *out = r;
    else
        PQclear(r);
    return HL_OK;
}

/* ---- The pool ------------------------------------------------------------------------- */

static const char auth_sql[] = "SELECT kiosk_id, enabled, public_key, key_fp, retry_after_s "
                               "FROM hailong.kiosk_auth($1::bytea)";
static const char ingest_sql[] =
    "SELECT accepted, duplicate, assignment_id, survey_sha256, survey, officers "
    "FROM hailong.ingest($1, $2::text[], $3::boolean[], $4::text[], $5::bigint, $6, $7, $8, $9, "
    "$10, $11::jsonb)";

int srv_pool_init(srv_pool_t *p, const char *conninfo, int n, hl_err_t *err)
{
    memset(p, 0, sizeof *p);
    p->conninfo = strdup(conninfo);
    p->conns = calloc((size_t)n, sizeof *p->conns);
    p->busy = calloc((size_t)n, sizeof *p->busy);
    if (!p->conninfo || !p->conns || !p->busy) {
        srv_pool_free(p);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory for %d database connections", n);
    }
    p->n = n;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return HL_OK;
}

void srv_pool_free(srv_pool_t *p)
{
    for (int i = 0; p->conns && i < p->n; i++)
        if (p->conns[i]) PQfinish(p->conns[i]);
    free(p->conns);
    free(p->busy);
    free(p->conninfo);
    if (p->n) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
    }
    memset(p, 0, sizeof *p);
}

static int prepare(PGconn *c, hl_err_t *err)
{
    PGresult *r = PQprepare(c, "auth", auth_sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return result_error(r, c, err);
    PQclear(r);
    r = PQprepare(c, "ingest", ingest_sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return result_error(r, c, err);
    PQclear(r);
    return HL_OK;
}

/* A new connection with the statements prepared; NULL with err. */
static PGconn *pool_connect(srv_pool_t *p, hl_err_t *err)
{
    PGconn *c = NULL;
    if (srv_db_connect(p->conninfo, &c, err) != HL_OK) return NULL;
    if (prepare(c, err) != HL_OK) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Whether a pooled connection is still open, without a round trip. An idle
 * connection has nothing to read: when its socket is readable, the server
 * spoke while it sat in the pool, which it does before closing it (a
 * restart's "terminating connection due to administrator command", then
 * the end). libpq reads that; a connection it finds closed is lost. */
static bool pool_alive(PGconn *c)
{
    if (PQstatus(c) != CONNECTION_OK || PQsocket(c) < 0) return false;
    struct pollfd pf = {.fd = PQsocket(c), .events = POLLIN};
    if (poll(&pf, 1, 0) == 0) return true;
    if (!PQconsumeInput(c)) return false;
    PGnotify *n;
    while ((n = PQnotifies(c)))
        PQfreemem(n);
    return PQstatus(c) == CONNECTION_OK;
}

PGconn *srv_pool_get(srv_pool_t *p, hl_err_t *err)
{
    pthread_mutex_lock(&p->mu);
    int slot = -1;
    for (;;) {
        for (int i = 0; i < p->n && slot < 0; i++)
            if (!p->busy[i]) slot = i;
        if (slot >= 0) break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    p->busy[slot] = true;
    PGconn *c = p->conns[slot];
    p->conns[slot] = NULL;
    pthread_mutex_unlock(&p->mu);
    if (c && !pool_alive(c)) {
        PQfinish(c);
        c = NULL;
    }
    if (!c) c = pool_connect(p, err);
    if (!c) {
        pthread_mutex_lock(&p->mu);
        p->busy[slot] = false;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        return NULL;
    }
    /* the slot is remembered in the connection's user data: none in libpq,
     * so the put searches a free slot instead */
    return c;
}

void srv_pool_put(srv_pool_t *p, PGconn *c, bool broken)
{
    if (c && (broken || PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE)) {
        PQfinish(c);
        c = NULL;
    }
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->n; i++)
        if (p->busy[i] && !p->conns[i]) {
            p->conns[i] = c;
            p->busy[i] = false;
            break;
        }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Whether a statement failed because its connection is lost, rather than
 * for something in the statement: the server said so (class 08: connection
 * exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot
 * connect now), or libpq failed without a word from the server and the
 * connection is closed. libpq does not always mark it closed: a send that
 * failed (EPIPE) is reported as "server closed the connection
 * unexpectedly" with the connection still CONNECTION_OK, so it is read
 * once to see. */
static bool conn_lost(PGconn *c, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state)
        return !strncmp(state, "08", 2) || !strcmp(state, "57P01") || !strcmp(state, "57P02") ||
               !strcmp(state, "57P03");
    return PQstatus(c) == CONNECTION_BAD || !PQconsumeInput(c) || PQstatus(c) == CONNECTION_BAD;
}

/* A statement that returned no result at all (libpq could not send it, or
 * ran out of memory): err says so, with libpq's word when it has one. */
static void nothing_back(PGconn *c, const char *name, hl_err_t *err)
{
    char msg[300];
    const char *m = PQerrorMessage(c);
    hl_fmt(msg, sizeof msg, "%s", m && *m ? m : "no result (out of memory?)");
    msg[strcspn(msg, "\n")] = '\0';
    hl_err_set(err, HL_ERR_IO, "database: %s: %s", name, msg);
}

/* Running the statement again is safe for the two the pool prepares, even
 * when the first try might have reached the server:
 *  - most often it did not: a connection PostgreSQL closed while it was
 *    idle fails on sending, or on the first read, with the server's
 *    goodbye (57P01) that predates the statement (srv_pool_get already
 *    replaces those it can see closed, so this is the race of a restart
 *    between that check and the send);
 *  - a statement cut while it ran was rolled back: each is one statement
 *    in its own transaction (autocommit), so it either committed whole or
 *    left nothing;
 *  - the one case that cannot be told apart, a commit whose answer was
 *    lost with the connection, is what a kiosk meets when an answer is
 *    lost, and resends for: hailong.ingest is idempotent (INSERT ... ON
 *    CONFLICT DO NOTHING by response_id; a head or a status sent before
 *    only counts again), so the second run names the batch's rows
 *    duplicate instead of accepted, which the kiosk takes as delivered;
 *    hailong.kiosk_auth only reads, but for the rate row, which may count
 *    this request twice.
 * Only once, and only for a lost connection: any other error (a refusal,
 * a bug in the SQL) would only fail again. */
PGresult *srv_pool_exec(srv_pool_t *p, PGconn **c, const char *name, int n,
                        const char *const *values, const int *lengths, const int *formats,
                        hl_err_t *err)
{
    PGresult *r = PQexecPrepared(*c, name, n, values, lengths, formats, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || !conn_lost(*c, r)) {
        if (!r) nothing_back(*c, name, err);
        return r;
    }
    char msg[300];
    hl_fmt(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(*c));
    msg[strcspn(msg, "\n")] = '\0';
    fprintf(stderr, "database: %s: connection lost (%s); once more on a new connection\n", name,
            msg);
    PQclear(r);
    PQfinish(*c);
    *c = pool_connect(p, err);
    if (!*c) return NULL;
    r = PQexecPrepared(*c, name, n, values, lengths, formats, 0);
    if (!r) nothing_back(*c, name, err);
    return r;
}

/* ---- Array literals ------------------------------------------------------------------- */

void srv_buf_add(srv_buf_t *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void srv_buf_array_item(srv_buf_t *b, const char *s, size_t n, bool first)
{
    if (!first) srv_buf_add(b, ",", 1);
    if (!s) {
        srv_buf_add(b, "NULL", 4);
        return;
    }
    srv_buf_add(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            srv_buf_add(b, s + run, i - run);
            srv_buf_add(b, "\\", 1);
            run = i;
        }
    }
    srv_buf_add(b, s + run, n - run);
    srv_buf_add(b, "\"", 1);
}

void srv_buf_free(srv_buf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- Migrations -------------------------------------------------------------------------- */

int srv_db_version(PGconn *c, int *version, hl_err_t *err)
{
    PGresult *r = NULL;
    *version = 0;
    int rc =
        srv_db_params(c, "SELECT to_regclass('hailong.migrations') IS NOT NULL", 0, NULL, &r, err);
    if (rc != HL_OK) return rc;
    bool exists = !strcmp(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    if (!exists) return HL_OK;
    rc = srv_db_params(c, "SELECT coalesce(max(version), 0) FROM hailong.migrations", 0, NULL, &r,
                       err);
    if (rc != HL_OK) return rc;
    *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return HL_OK;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int srv_db_partitions(PGconn *c, int *made, hl_err_t *err)
{
    PGresult *r = NULL;
    int rc = srv_db_params(c,
                           "SELECT hailong.make_partitions((current_date - interval '24 months')"
                           "::date, 37)",
                           0, NULL, &r, err);
    if (rc != HL_OK) return rc;
    *made = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return HL_OK;
}

int srv_db_migrate(PGconn *c, const char *sql_dir, const char *service_role, hl_err_t *err)
{
    DIR *d = opendir(sql_dir);
    if (!d)
        return hl_err_set(err, HL_ERR_NOT_FOUND,
                          "%s: cannot open the migrations folder (set HAILONG_SERVER_SQL)",
                          sql_dir);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t l = strlen(e->d_name);
        if (l > 8 && e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
            !strcmp(e->d_name + l - 4, ".sql"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, name_cmp);
    int rc = HL_OK, have = 0;
    for (int i = 0; i < n && rc == HL_OK; i++) {
        if (!names[i]) {
            rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory");
            break;
        }
        int v = atoi(names[i]);
        if ((rc = srv_db_exec(c, "BEGIN", err)) != HL_OK) break;
        if ((rc = srv_db_exec(c, "SELECT pg_advisory_xact_lock(7110001)", err)) != HL_OK ||
            (rc = srv_db_version(c, &have, err)) != HL_OK) {
            srv_db_exec(c, "ROLLBACK", NULL);
            break;
        }
        if (v <= have) {
            srv_db_exec(c, "ROLLBACK", NULL);
            continue;
        }
        char path[4096], *text = NULL;
        hl_fmt(path, sizeof path, "%s/%s", sql_dir, names[i]);
        size_t len = 0;
        rc = hl_file_read(NULL, path, 4 << 20, 0, &text, &len, err);
        if (rc == HL_OK) rc = srv_db_exec(c, text, err);
        free(text);
        if (rc == HL_OK) {
            char ver[16];
            hl_fmt(ver, sizeof ver, "%d", v);
            const char *params[] = {ver, names[i]};
            rc = srv_db_params(c, "INSERT INTO hailong.migrations (version, name) VALUES ($1, $2)",
                               2, params, NULL, err);
        }
        if (rc == HL_OK) rc = srv_db_exec(c, "COMMIT", err);
        if (rc != HL_OK) {
            srv_db_exec(c, "ROLLBACK", NULL);
            hl_err_wrap(err, "%s", names[i]);
        } else {
            printf("applied %s\n", names[i]);
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    if (rc != HL_OK) return rc;
    int made = 0;
    if ((rc = srv_db_partitions(c, &made, err)) != HL_OK) return rc;
    if (made) printf("made %d monthly partitions\n", made);
    if (service_role && *service_role) {
        const char *p[] = {service_role};
        PGresult *r = NULL;
        rc = srv_db_params(c,
                           "SELECT format('DO $d$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles "
                           "WHERE rolname = %L) THEN CREATE ROLE %I LOGIN; END IF; END $d$; "
                           "GRANT hailong_ingest TO %I', $1::text, $1::text, $1::text)",
                           1, p, &r, err);
        if (rc != HL_OK) return rc;
        rc = srv_db_exec(c, PQgetvalue(r, 0, 0), err);
        PQclear(r);
        if (rc != HL_OK) return rc;
        printf("role %s may push kiosks' responses (hailong_ingest)\n", service_role);
    }
    int now = 0;
    if ((rc = srv_db_version(c, &now, err)) != HL_OK) return rc;
    printf("schema version %d\n", now);
    return HL_OK;
}
