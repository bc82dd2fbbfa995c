/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_main.c: hailong-server, the province's end of the kiosks' sync:
 * usage, options and the commands (srv_int.h lists the parts).
 *
 * Every setting is an option or, for the systemd unit, an environment
 * variable (/etc/default/hailong-server): HAILONG_SERVER_DB (a libpq
 * connection string; libpq's PG* variables and ~/.pgpass work too),
 * HAILONG_SERVER_LISTEN, HAILONG_SERVER_TLS_CERT/_KEY,
 * HAILONG_SERVER_THREADS, HAILONG_SERVER_MAX_INFLIGHT,
 * HAILONG_SERVER_SQL (the migrations' folder), HAILONG_SERVER_WEB_LISTEN,
 * HAILONG_SERVER_WEB_DB, HAILONG_SERVER_FONTS (the dashboard's).
 */
#include "srv_int.h"
#include "hl_sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HL_VERSION
#define HL_VERSION "0"
#endif
#ifndef HL_SERVER_FONTS_DIR
#define HL_SERVER_FONTS_DIR "/usr/share/hailong-server/fonts"
#endif
#ifndef HL_SERVER_SQL_DIR
#define HL_SERVER_SQL_DIR "/usr/share/hailong-server/sql"
#endif

static const char usage[] =
    "usage: hailong-server COMMAND [OPTIONS]\n"
    "The province's server for hailong kiosks: their responses into PostgreSQL.\n"
    "\n"
    "  serve [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [--threads N]\n"
    "        [--max-inflight N] [--max-body BYTES] [--per-ip N] [--timeout S]\n"
    "        [--port-file FILE] [--verbose]\n"
    "                         receive kiosks' pushes at " SRV_PATH " (default listen\n"
    "                         " SRV_LISTEN_DEFAULT "; without TLS only on the loopback;\n"
    "                         16 threads; at most 2 x threads pushes in flight, more\n"
    "                         get 503 with Retry-After; one per kiosk, a second gets\n"
    "                         429; a body under 1 KiB/s after 30 s is cut)\n"
    "        [--web-listen HOST:PORT --web-db CONNINFO [--web-port-file FILE]\n"
    "         [--web-fonts DIR] [--clock-fixed YYYY-MM-DDTHH:MM:SSZ]]\n"
    "                         also serve the dashboard for staff (a login role granted\n"
    "                         hailong_web; TLS as above); --clock-fixed pins \"now\" of\n"
    "                         every page, for demonstrations and screenshots only\n"
    "  db migrate [--service-role NAME] [--web-role NAME]\n"
    "                         create or upgrade the schema; NAME may then push, or\n"
    "                         serve the dashboard (--web-db)\n"
    "  db status              the schema version, kiosks, responses, partitions\n"
    "  db maintain            next months' partitions; status history over 400 days removed\n"
    "  kiosk add ID --unit NAME --key ed25519:HEX [--commune C] [--district D]\n"
    "                         register a kiosk (`hailong identity` on it gives the key);\n"
    "                         prints its token, once\n"
    "  kiosk list | disable ID | enable ID | token ID | key ID --key ed25519:HEX\n"
    "  survey add FILE        register a survey for the reports (hailong check's rules)\n"
    "  assign (--unit NAME | --kiosk ID) [--survey FILE] [--officers FILE.json]\n"
    "                         send a survey and/or officers to kiosks with their next sync\n"
    "  fleet [--silent] [--json]   every kiosk's health; silent ones flagged\n"
    "  alerts [--all] [--json] | alerts --ack ID\n"
    "  settings [KEY VALUE]   the alert, rate and silence thresholds\n"
    "  staff add LOGIN --name NAME --role province|unit [--unit UNIT]\n"
    "  staff passwd LOGIN | disable LOGIN | list\n"
    "                         the dashboard's accounts; a password is read from stdin\n"
    "\n"
    "Every command takes --db CONNINFO (default $HAILONG_SERVER_DB, else \"" SRV_DB_DEFAULT "\").\n"
    "Exit status: 0 done, 1 failed (the message says why), 2 wrong usage.\n";

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* Takes --db out of argv (any position); returns the conninfo. */
static const char *take_db(int *argc, char **argv)
{
    const char *db = env_or("HAILONG_SERVER_DB", SRV_DB_DEFAULT);
    for (int i = 0; i + 1 < *argc; i++)
        if (!strcmp(argv[i], "--db")) {
            db = argv[i + 1];
            memmove(argv + i, argv + i + 2, (size_t)(*argc - i - 2) * sizeof *argv);
            *argc -= 2;
            break;
        }
    return db;
}

static bool parse_listen_into(const char *s, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s) return false;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= cap) return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535) return false;
    *port = (int)p;
    return true;
}

static bool parse_listen(const char *s, srv_opts_t *o)
{
    return parse_listen_into(s, o->host, sizeof o->host, &o->port);
}

static int cmd_serve(const char *db, int argc, char **argv, hl_err_t *err)
{
    srv_opts_t o = {.db = db,
                    .threads = SRV_THREADS_DEFAULT,
                    .max_inflight = 0, /* 2 x threads unless given */
                    .max_body = SRV_BODY_MAX_DEFAULT,
                    .timeout_s = 120,
                    .tls_cert = env_or("HAILONG_SERVER_TLS_CERT", NULL),
                    .tls_key = env_or("HAILONG_SERVER_TLS_KEY", NULL)};
    const char *listen = env_or("HAILONG_SERVER_LISTEN", SRV_LISTEN_DEFAULT);
    const char *threads = env_or("HAILONG_SERVER_THREADS", NULL);
    const char *inflight = env_or("HAILONG_SERVER_MAX_INFLIGHT", NULL);
    const char *web_listen = env_or("HAILONG_SERVER_WEB_LISTEN", NULL);
    srv_web_opts_t w = {.db = env_or("HAILONG_SERVER_WEB_DB", NULL),
                        .fonts_dir = env_or("HAILONG_SERVER_FONTS", HL_SERVER_FONTS_DIR),
                        .threads = 4};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--verbose")) {
            o.verbose = true;
            continue;
        }
        if (!v) return hl_err_set(err, HL_ERR_USAGE, "serve: %s needs a value", a);
        i++;
        if (!strcmp(a, "--listen"))
            listen = v;
        else if (!strcmp(a, "--tls-cert"))
            o.tls_cert = v;
        else if (!strcmp(a, "--tls-key"))
            o.tls_key = v;
        else if (!strcmp(a, "--threads"))
            threads = v;
        else if (!strcmp(a, "--max-inflight"))
            inflight = v;
        else if (!strcmp(a, "--max-body"))
            o.max_body = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--per-ip"))
            o.per_ip = atoi(v);
        else if (!strcmp(a, "--timeout"))
            o.timeout_s = atoi(v);
        else if (!strcmp(a, "--port-file"))
            o.port_file = v;
        else if (!strcmp(a, "--web-listen"))
            web_listen = v;
        else if (!strcmp(a, "--web-db"))
            w.db = v;
        else if (!strcmp(a, "--web-port-file"))
            w.port_file = v;
        else if (!strcmp(a, "--web-fonts"))
            w.fonts_dir = v;
        else if (!strcmp(a, "--clock-fixed"))
            w.clock_fixed = v;
        else
            return hl_err_set(err, HL_ERR_USAGE, "serve: unknown option %s", a);
    }
    if (!parse_listen(listen, &o))
        return hl_err_set(err, HL_ERR_USAGE, "--listen %s: want HOST:PORT, [IPv6]:PORT", listen);
    if (threads) o.threads = atoi(threads);
    if (o.threads < 1 || o.threads > 256)
        return hl_err_set(err, HL_ERR_USAGE, "--threads: 1 to 256");
    o.max_inflight = inflight ? atoi(inflight) : 2 * o.threads;
    if (o.max_inflight < 1 || o.max_inflight > 100000)
        return hl_err_set(err, HL_ERR_USAGE, "--max-inflight: 1 to 100000");
    if (o.max_body < 4096 || o.max_body > (1u << 30))
        return hl_err_set(err, HL_ERR_USAGE, "--max-body: 4096 to 1073741824 bytes");
    if (o.timeout_s < 5 || o.timeout_s > 3600)
        return hl_err_set(err, HL_ERR_USAGE, "--timeout: 5 to 3600 seconds");
    if (o.per_ip < 0) return hl_err_set(err, HL_ERR_USAGE, "--per-ip: 0 (no limit) or more");
    if (!!o.tls_cert != !!o.tls_key)
        return hl_err_set(err, HL_ERR_USAGE, "--tls-cert and --tls-key go together");
    if (web_listen && !parse_listen_into(web_listen, w.host, sizeof w.host, &w.port))
        return hl_err_set(err, HL_ERR_USAGE, "--web-listen %s: want HOST:PORT, [IPv6]:PORT",
                          web_listen);
    if (web_listen && !w.db)
        return hl_err_set(err, HL_ERR_USAGE,
                          "--web-listen needs --web-db (a login role granted hailong_web)");
    if (!web_listen && (w.clock_fixed || w.port_file))
        return hl_err_set(err, HL_ERR_USAGE, "--clock-fixed and --web-port-file need --web-listen");
    w.tls_cert = o.tls_cert;
    w.tls_key = o.tls_key;
    srv_web_t *web = NULL;
    int rc = srv_web_start(&w, &web, err);
    if (rc != HL_OK) return rc;
    rc = srv_serve(&o, err);
    srv_web_stop(web);
    return rc;
}

static int cmd_db(PGconn *c, int argc, char **argv, hl_err_t *err)
{
    const char *verb = argc ? argv[0] : "";
    if (!strcmp(verb, "migrate")) {
        const char *role = NULL, *web_role = NULL;
        for (int i = 1; i + 1 < argc; i++) {
            if (!strcmp(argv[i], "--service-role")) role = argv[i + 1];
            if (!strcmp(argv[i], "--web-role")) web_role = argv[i + 1];
        }
        int rc = srv_db_migrate(c, env_or("HAILONG_SERVER_SQL", HL_SERVER_SQL_DIR), role, err);
        if (rc != HL_OK || !web_role || !*web_role) return rc;
        const char *p[] = {web_role};
        PGresult *r = NULL;
        rc = srv_db_params(c,
                           "SELECT format('DO $d$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles "
                           "WHERE rolname = %L) THEN CREATE ROLE %I LOGIN; END IF; END $d$; "
                           "GRANT hailong_web TO %I', $1::text, $1::text, $1::text)",
                           1, p, &r, err);
        if (rc != HL_OK) return rc;
        rc = srv_db_exec(c, PQgetvalue(r, 0, 0), err);
        PQclear(r);
        if (rc == HL_OK) printf("role %s may serve the dashboard (hailong_web)\n", web_role);
        return rc;
    }
    int version = 0, rc = srv_db_version(c, &version, err);
    if (rc != HL_OK) return rc;
    if (version < SRV_SCHEMA_VERSION)
        return hl_err_set(err, HL_ERR_STATE,
                          "the schema is version %d, this program's is %d: run `hailong-server "
                          "db migrate`",
                          version, SRV_SCHEMA_VERSION);
    if (!strcmp(verb, "status")) {
        PGresult *r = NULL;
        rc = srv_db_params(c,
                           "SELECT (SELECT count(*) FROM hailong.kiosks), (SELECT count(*) FROM "
                           "hailong.response_ids), (SELECT count(*) FROM hailong.quarantine), "
                           "(SELECT count(*) FROM pg_inherits WHERE inhparent = "
                           "'hailong.responses'::regclass), pg_size_pretty(pg_database_size("
                           "current_database()))",
                           0, NULL, &r, err);
        if (rc != HL_OK) return rc;
        printf("schema version %d\nkiosks %s\nresponses %s\nquarantined %s\npartitions %s\n"
               "database size %s\n",
               version, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
               PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
        PQclear(r);
        return HL_OK;
    }
    if (!strcmp(verb, "maintain")) {
        int made = 0;
        if ((rc = srv_db_partitions(c, &made, err)) != HL_OK) return rc;
        rc = srv_db_exec(c,
                         "DELETE FROM hailong.kiosk_status_history WHERE received_at < now() - "
                         "interval '400 days'",
                         err);
        if (rc == HL_OK) printf("made %d monthly partitions; old status history removed\n", made);
        return rc;
    }
    return hl_err_set(err, HL_ERR_USAGE, "db %s: unknown; use migrate, status or maintain", verb);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("hailong-server %s\n", HL_VERSION);
        return 0;
    }
    int n = argc - 2;
    char **args = argv + 2;
    const char *db = take_db(&n, args);
    const char *cmd = argv[1];
    hl_err_t err = {0};
    int rc;
    if (!strcmp(cmd, "serve")) {
        rc = cmd_serve(db, n, args, &err);
    } else {
        static const struct {
            const char *name;
            int (*fn)(PGconn *, int, char **, hl_err_t *);
        } cmds[] = {{"db", cmd_db},
                    {"kiosk", srv_cmd_kiosk},
                    {"survey", srv_cmd_survey},
                    {"assign", srv_cmd_assign},
                    {"fleet", srv_cmd_fleet},
                    {"alerts", srv_cmd_alerts},
                    {"settings", srv_cmd_settings},
                    {"staff", srv_cmd_staff}};
        int (*fn)(PGconn *, int, char **, hl_err_t *) = NULL;
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
            if (!strcmp(cmd, cmds[i].name)) fn = cmds[i].fn;
        if (!fn) {
            fprintf(stderr, "hailong-server: unknown command %s\n%s", cmd, usage);
            return 2;
        }
        PGconn *c = NULL;
        rc = srv_db_connect(db, &c, &err);
        if (rc == HL_OK && fn != cmd_db) {
            int version = 0;
            rc = srv_db_version(c, &version, &err);
            if (rc == HL_OK && version < SRV_SCHEMA_VERSION)
                rc = hl_err_set(&err, HL_ERR_STATE,
                                "the database has schema version %d, not %d: run "
                                "`hailong-server db migrate` first",
                                version, SRV_SCHEMA_VERSION);
        }
        if (rc == HL_OK) rc = fn(c, n, args, &err);
        if (c) PQfinish(c);
    }
    if (rc != HL_OK) {
        fprintf(stderr, "hailong-server: %s\n", err.msg);
        return rc == HL_ERR_USAGE ? 2 : 1;
    }
    return 0;
}
