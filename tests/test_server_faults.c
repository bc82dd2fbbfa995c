/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_server_faults.c: the province server's reliability runs (the issue's
 * "30 % faults between kiosk and server"): several kiosks, each its own
 * store signed by its own device key, push hundreds of responses in small
 * batches through the real sync client (hl_sync_push and hl_sync_commit, a
 * thread per kiosk) to the real hailong-server (a child process) over a
 * throw-away PostgreSQL (hl_pg.h), while things break in between:
 *   - a fault-injecting proxy (tests/support/hl_proxy.h) resets 30 % of
 *     the requests after the server stored them and answered (the kiosk
 *     never hears it, sends again and must be told "duplicate"; libcurl
 *     itself resends once on a kept-alive connection), and 12 % more it
 *     resets before forwarding, cuts mid-body (requests and answers), or
 *     holds their answer past the kiosk's timeout;
 *   - PostgreSQL restarted (immediate shutdown) mid-batch several times, and
 *     once killed and kept down until the server has answered 503;
 *   - the server SIGKILLed mid-run several times and started again (the
 *     proxy re-pointed at its new port);
 *   - packet loss: server and kiosks in a network namespace of their own
 *     with `tc qdisc add dev lo root netem loss 30%` on its loopback; on a
 *     kernel without sch_netem, nftables drops 30 % of the loopback's
 *     packets at random instead (numgen random, loss_by_nft), and the case
 *     says so. Where neither can be (not root, no nft) the case prints
 *     "skipped: packet loss unavailable (why)" and the proxy's drop mode
 *     stands in: for 30 % of the requests the exchange goes through up to a
 *     random byte, the bytes after it are dropped both ways, then reset.
 * After each case, for every kiosk: the database's raw rows
 * (hailong.responses ORDER BY seq) equal its JSON Lines export byte for
 * byte, count(*) = count(DISTINCT response_id) = its total, hailong.
 * response_ids holds each once with the SHA-256 of those bytes, each answer
 * is stored once, and the kiosk has nothing pending; nothing is quarantined,
 * no alert raised, every chain head verified, and the server never answered
 * anything but 200, 503 and 429 (a push from a kiosk with one in flight).
 *
 * Events are triggered by conditions ("the N-th request went to the
 * server", "the server answered 503 three times"), never by sleeps; the
 * only bounds are against a hang (minutes). The kiosks' back-off is cut
 * to at most 50 ms and their timeout to 2 s, so a held answer costs 2 s.
 * The rate limit is switched off (settings rate_per_minute 0): the kiosks
 * send far more often than a real one would. The commands (db migrate,
 * kiosk add) run once, on a template database each case's is copied from.
 * The server runs as its own role (db migrate --service-role), as deployed.
 *
 * Size: CI by default (4 kiosks x 75 responses, batches of 4, 3 events per
 * case: 100 to 250 requests a case; about 30 s natively on a 2-core
 * machine, a minute under ASan). HL_FAULTS_FULL=1 is the full run (8
 * kiosks x 1,000 responses, batches of 10, 12 events: 1,200 to 2,000
 * requests a case; about 2 minutes natively). HL_FAULTS_KIOSKS (at most 16),
 * HL_FAULTS_RESPONSES, HL_FAULTS_BATCH and HL_FAULTS_EVENTS override
 * either; HL_FAULTS_SEED (default 1, printed) seeds the fault choices and
 * the data; HL_FAULTS_QDISC replaces the loss case's qdisc ("netem loss
 * 30%"); HL_REL_DISK=1 keeps the stores and the cluster off /dev/shm;
 * HL_FAULTS_KEEP=1 keeps each case's folder (stores, the server's log).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare, setns, close_range */
#endif
#include "hl_bundle.h"
#include "hl_fixture.h"
#include "hl_pg.h"
#include "hl_proxy.h"
#include "hl_sync.h"
#include "hl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HANG_S      600              /* a bound against a hang only */
#define MAX_KIOSKS  16               /* hl_fixture_devkey keeps 16 keys */
#define SERVICE     "hailong_faults" /* the service's login role (hailong_ingest) */
#define QUICK_LIMIT 2                /* the kiosks' timeout_s through the proxy */

/* ---- The run's size ---------------------------------------------------------------------- */

typedef struct plan {
    int kiosks;        /* kiosks per case */
    int responses;     /* responses per kiosk */
    int batch;         /* responses per request */
    int events;        /* restarts, kills per case */
    unsigned seed;     /* HL_FAULTS_SEED */
    const char *qdisc; /* the loss case's qdisc */
} plan_t;

static plan_t plan;
static hl_pg_t pg;
static bool pg_up;
static int db_counter;

static void plan_read(void)
{
    bool full = hl_fixture_env_long("HL_FAULTS_FULL", 0) != 0;
    plan.kiosks = (int)hl_fixture_env_long("HL_FAULTS_KIOSKS", full ? 8 : 4);
    plan.responses = (int)hl_fixture_env_long("HL_FAULTS_RESPONSES", full ? 1000 : 75);
    plan.batch = (int)hl_fixture_env_long("HL_FAULTS_BATCH", full ? 10 : 4);
    plan.events = (int)hl_fixture_env_long("HL_FAULTS_EVENTS", full ? 12 : 3);
    plan.seed = (unsigned)hl_fixture_env_long("HL_FAULTS_SEED", 1);
    const char *q = getenv("HL_FAULTS_QDISC");
    plan.qdisc = q && *q ? q : "netem loss 30%";
    if (plan.kiosks < 1) plan.kiosks = 1;
    if (plan.kiosks > MAX_KIOSKS) plan.kiosks = MAX_KIOSKS;
    if (plan.responses < 1) plan.responses = 1;
    if (plan.batch < 1) plan.batch = 1;
    if (plan.events < 1) plan.events = 1;
    /* Every event must come while responses are pending (event_at). */
    if ((long)plan.kiosks * ((plan.responses + plan.batch - 1) / plan.batch) < plan.events + 2)
        plan.responses = (plan.events + 2) * plan.batch;
    printf("     %s run: %d kiosks x %d responses, batches of %d, %d events a case; seed %u "
           "(HL_FAULTS_SEED)\n",
           full ? "full" : "CI", plan.kiosks, plan.responses, plan.batch, plan.events, plan.seed);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The kiosk's back-off between failed pushes, shortened: pacing, not a wait
 * for anything. */
static void pace_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- A case: its database, its server, its kiosks ---------------------------------------- */

struct run;

typedef struct kiosk {
    struct run *run;
    char id[16];            /* k1, k2, ... */
    char dir[PATH_MAX];     /* its data folder */
    char token[128];        /* from hailong-server kiosk add */
    const hl_devkey_t *key; /* its device key */
    hl_fakesys_t clock;     /* its clock and UUIDs (seeded) */
    pthread_t thread;       /* pushing */
    bool started;           /* the thread runs */
    long pushes, retries;   /* requests made, failed */
    long long named;        /* responses the answers named: accepted or duplicate */
    char error[600];        /* why the thread gave up ("" it did not) */
    char last_retry[512];   /* the last failure's message */
} kiosk_t;

typedef struct run {
    const char *name;
    char *dir;                /* the case's folder */
    char db[PATH_MAX + 200];  /* the database, as postgres (checks) */
    char svc[PATH_MAX + 200]; /* the same as the service's role */
    pid_t server;             /* hailong-server, 0 none */
    int server_port;          /* its port */
    int starts;               /* servers started */
    hl_proxy_t *proxy;        /* NULL: the kiosks talk to the server directly */
    int timeout_s;            /* the kiosks' sync.timeout_s and connect_timeout_s */
    kiosk_t k[MAX_KIOSKS];
    int n;         /* kiosks */
    int responses; /* each */
    int batch;
    atomic_bool abort;      /* the controller gave up: kiosks stop */
    atomic_long accepted;   /* responses the server's 200 answers called accepted */
    atomic_long duplicates; /* and duplicate (read at the proxy) */
    int64_t deadline_ms;    /* against a hang */
    int64_t started_ms;     /* when the kiosks started */
    int64_t opened_ms;      /* when the case began */
    int64_t joined_ms;      /* when the kiosks ended */
} run_t;

static hl_survey_t survey;
static hl_question_t survey_q[2];
static char survey_src[64];

static void survey_init(void)
{
    snprintf(survey.id, sizeof survey.id, "faults");
    survey.version = 1;
    snprintf(survey_q[0].id, sizeof survey_q[0].id, "overall");
    snprintf(survey_q[1].id, sizeof survey_q[1].id, "comment");
    survey_q[0].show_if.question = survey_q[1].show_if.question = -1;
    survey.questions = survey_q;
    survey.n_questions = 2;
    snprintf(survey_src, sizeof survey_src, "{\"id\": \"faults\", \"version\": 1}");
    survey.source = survey_src;
    survey.source_len = strlen(survey_src);
    snprintf(survey.sha256, sizeof survey.sha256, "%064d", 11);
}

/* Runs hailong-server args... --db db; its stdout in *out (may be NULL). */
static int server_cmd(const char *db, const char *const *args, char **out)
{
    const char *argv[16] = {HL_SERVER_BIN};
    int n = 1;
    for (; args[n - 1] && n < 12; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--db";
    argv[n++] = db;
    argv[n] = NULL;
    char *o = NULL, *e = NULL;
    int rc = hl_test_run_watchdog(argv, NULL, &o, &e, HANG_S);
    if (rc != 0)
        printf("     hailong-server %s: exit %d: %s%s\n", args[0], rc, o ? o : "", e ? e : "");
    if (out)
        *out = o;
    else
        free(o);
    free(e);
    return rc;
}

/* Stores the kiosk's responses (every 7th partial), signed by its key, in
 * one batch; the comments hold Vietnamese, quotes, a backslash, a tab, a
 * line break and a character outside the BMP. */
static bool kiosk_fill(run_t *r, kiosk_t *k)
{
    hl_store_t *st = NULL;
    hl_err_t err = {0};
    hl_sys_t sys = hl_fakesys_sys(&k->clock);
    if (hl_store_open(k->dir, NULL, &st, NULL, &err) != HL_OK ||
        hl_store_set_signer(st, k->key, &err) != HL_OK ||
        hl_store_use_survey(st, &survey, k->id, &err) != HL_OK ||
        hl_store_batch_begin(st, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "%s: store: %s", k->id, err.msg);
        hl_store_close(st);
        return false;
    }
    bool ok = true;
    for (int i = 0; i < r->responses && ok; i++) {
        hl_response_t resp = {.lang = i % 3 ? HL_LANG_VI : HL_LANG_EN, .clock_trusted = true};
        hl_uuid_new(&sys, resp.uuid);
        resp.started_utc_ms = k->clock.utc_ms;
        char comment[128];
        snprintf(comment, sizeof comment, "%s số %d: \"tốt\" \\ ổn\tcảm ơn\n🙂 %s",
                 k->id, i, i % 2 ? "Rất hài lòng" : "");
        static const char *const overall[] = {"satisfied", "neutral", "unsatisfied"};
        hl_save_t a = {.set_qid = "overall", .set_value = overall[i % 3], .set_ms = 1200 + i};
        hl_save_t b = {.set_qid = "comment", .set_value = comment, .set_ms = 4100 + i};
        hl_save_t fin = {.status = i % 7 == 6 ? HL_RESP_PARTIAL : HL_RESP_COMPLETE,
                         .finished_utc_ms = k->clock.utc_ms + 5000};
        ok = hl_store_save(st, &resp, &a, &err) == HL_OK &&
             hl_store_save(st, &resp, &b, &err) == HL_OK &&
             hl_store_save(st, &resp, &fin, &err) == HL_OK;
        hl_fakesys_advance(&k->clock, 45000);
    }
    if (ok) ok = hl_store_batch_end(st, &err) == HL_OK;
    if (!ok) hl_test_fail(__FILE__, __LINE__, "%s: save: %s", k->id, err.msg);
    hl_store_close(st);
    return ok;
}

/* The cluster, and a database migrated by the real command with its rate
 * limit off and the kiosks registered with their keys (their tokens in
 * tokens[]), made once: each case's database is a copy of it (CREATE
 * DATABASE ... TEMPLATE), so the commands run once per program. */
static char template_db[PATH_MAX + 200];
static char tokens[MAX_KIOSKS][128];
static bool template_made;

static bool template_make(void)
{
    if (template_made) return true;
    if (!pg_up) {
        hl_fixture_ram_disk();
        pg_up = hl_pg_start(&pg);
        if (!pg_up) return false;
    }
    if (!hl_pg_create_db(&pg, "faults_template", template_db, sizeof template_db)) return false;
    bool ok =
        server_cmd(template_db, (const char *[]){"db", "migrate", "--service-role", SERVICE, NULL},
                   NULL) == 0;
    char *q = ok ? hl_pg_query(template_db, "UPDATE hailong.settings SET value = 0 WHERE key = "
                                            "'rate_per_minute'")
                 : NULL;
    ok = ok && q;
    free(q);
    for (int i = 0; i < plan.kiosks && ok; i++) {
        char id[16], key[100], *out = NULL;
        snprintf(id, sizeof id, "k%d", i + 1);
        snprintf(key, sizeof key, "ed25519:%s", hl_fixture_devkey((unsigned)i + 1)->pub_hex);
        ok = server_cmd(
                 template_db,
                 (const char *[]){"kiosk", "add", id, "--unit", "faults-unit", "--key", key, NULL},
                 &out) == 0 &&
             out && strlen(out) > 1 && strlen(out) < sizeof tokens[i];
        if (ok) {
            snprintf(tokens[i], sizeof tokens[i], "%s", out);
            tokens[i][strcspn(tokens[i], "\r\n")] = '\0';
        }
        free(out);
    }
    return template_made = ok;
}

/* The case's database (a copy of the template), and the kiosks' stores
 * filled. */
static bool run_open(run_t *r, const char *name, int timeout_s)
{
    memset(r, 0, sizeof *r);
    r->opened_ms = mono_ms();
    r->name = name;
    r->n = plan.kiosks;
    r->responses = plan.responses;
    r->batch = plan.batch;
    r->timeout_s = timeout_s;
    if (!template_make()) {
        hl_test_fail(__FILE__, __LINE__, "no cluster or no template database");
        return false;
    }
    r->dir = hl_test_tmpdir("faults");
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE faults_%d TEMPLATE faults_template", ++db_counter);
    char *q = hl_pg_query(pg.conninfo, sql);
    if (!q) {
        hl_test_fail(__FILE__, __LINE__, "%s", sql);
        return false;
    }
    free(q);
    /* The service connects as its own role, granted hailong_ingest only. */
    snprintf(r->db, sizeof r->db, "host=%s port=%d user=postgres dbname=faults_%d", pg.sockdir,
             pg.port, db_counter);
    snprintf(r->svc, sizeof r->svc, "host=%s port=%d user=" SERVICE " dbname=faults_%d", pg.sockdir,
             pg.port, db_counter);
    bool ok = true;
    for (int i = 0; i < r->n && ok; i++) {
        kiosk_t *k = &r->k[i];
        k->run = r;
        /* k lies inside r: the path is built from a copy of the id (no
         * overlapping snprintf); r->dir is a string of its own. */
        char id[sizeof k->id];
        snprintf(id, sizeof id, "k%d", i + 1);
        memcpy(k->id, id, sizeof id);
        snprintf(k->dir, sizeof k->dir, "%s/%s", r->dir, id);
        _Static_assert(sizeof k->token == sizeof tokens[0], "token sizes");
        memcpy(k->token, tokens[i], sizeof k->token);
        k->key = hl_fixture_devkey((unsigned)i + 1);
        hl_fakesys_init(&k->clock, 1790000000000LL + (int64_t)i * 3600000, true,
                        (uint64_t)plan.seed * 7919 + (uint64_t)db_counter * 101 + (uint64_t)i);
        ok = kiosk_fill(r, k);
    }
    CHECK(ok);
    return ok;
}

/* Starts hailong-server on port 0 and waits for its port file (a
 * condition: the file appears; the bound catches a hang). */
static bool server_start(run_t *r)
{
    char pf[PATH_MAX], log[PATH_MAX], threads[] = "4";
    snprintf(pf, sizeof pf, "%s/port.%d", r->dir, ++r->starts);
    snprintf(log, sizeof log, "%s/server.log", r->dir);
    const char *argv[] = {HL_SERVER_BIN, "serve", "--listen", "127.0.0.1:0", "--port-file", pf,
                          "--threads",   threads, "--db",     r->svc,        NULL};
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        /* No allocation here: the parent has threads. No other fd either: a
         * kiosk's socket kept open in the server would hide its close. It
         * dies with the thread that started it (this test's main thread),
         * so a test killed leaves no server behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(125);
        int in = open("/dev/null", O_RDONLY);
        int lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || lf < 0) _exit(126);
        dup2(in, 0);
        dup2(lf, 1);
        dup2(lf, 2);
        close_range(3, ~0U, 0);
        hl_test_execv(argv);
        _exit(127);
    }
    r->server = pid;
    r->server_port = 0;
    int64_t until = mono_ms() + HANG_S * 1000LL;
    while (!r->server_port && mono_ms() < until) {
        char *t = hl_test_read_file(pf, NULL);
        if (t) r->server_port = atoi(t);
        free(t);
        int st;
        if (!r->server_port && waitpid(pid, &st, WNOHANG) == pid) {
            r->server = 0;
            break;
        }
        if (!r->server_port) pace_ms(5); /* polling a file: the condition is re-checked */
    }
    if (!r->server_port) {
        char *t = hl_test_read_file(log, NULL);
        hl_test_fail(__FILE__, __LINE__, "hailong-server did not start:\n%s", t ? t : "");
        free(t);
        return false;
    }
    if (r->proxy) hl_proxy_set_upstream(r->proxy, r->server_port);
    return true;
}

/* Ends the server: SIGKILL (true) or SIGTERM, and its end waited for. */
static void server_end(run_t *r, bool kill9)
{
    if (r->server <= 0) return;
    kill(r->server, kill9 ? SIGKILL : SIGTERM);
    int st = 0;
    while (waitpid(r->server, &st, 0) < 0 && errno == EINTR) {
    }
    if (kill9)
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        hl_test_fail(__FILE__, __LINE__, "hailong-server ended with status 0x%x on SIGTERM", st);
    r->server = 0;
}

/* Counts what the server's 200 answers name, whether the kiosk hears them
 * or not. */
static void on_answer(void *ctx, int status, const char *body, size_t len)
{
    run_t *r = ctx;
    json_t *o = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
    atomic_fetch_add(&r->accepted, (long)json_array_size(json_object_get(o, "accepted")));
    atomic_fetch_add(&r->duplicates, (long)json_array_size(json_object_get(o, "duplicate")));
    json_decref(o);
}

static bool proxy_start(run_t *r, const unsigned percent[HL_PROXY_N_FAULTS])
{
    hl_proxy_opts_t o = {.upstream_port = r->server_port,
                         .seed = (uint64_t)plan.seed * 1000003u + (uint64_t)db_counter,
                         .on_answer = on_answer,
                         .ctx = r};
    memcpy(o.percent, percent, sizeof o.percent);
    r->proxy = hl_proxy_start(&o);
    CHECK(r->proxy != NULL);
    return r->proxy != NULL;
}

/* ---- The kiosks -------------------------------------------------------------------------- */

/* One kiosk: push and record until nothing is pending (its own writer
 * store, its own connection, as the kiosk's worker does). A stop (a 4xx),
 * a store failure or the hang bound ends it with k->error. */
static void *kiosk_main(void *arg)
{
    kiosk_t *k = arg;
    run_t *r = k->run;
    hl_store_t *st = NULL;
    hl_sync_t *s = NULL;
    hl_err_t err = {0};
    hl_sync_cfg_t cfg = {.enabled = true,
                         .interval_s = 60,
                         .batch = r->batch,
                         .allow_insecure_http = true,
                         .connect_timeout_s = r->timeout_s,
                         .timeout_s = r->timeout_s};
    int port = r->proxy ? hl_proxy_port(r->proxy) : r->server_port;
    snprintf(cfg.url, sizeof cfg.url, "http://127.0.0.1:%d/api/v1/sync", port);
    snprintf(cfg.token, sizeof cfg.token, "%s", k->token);
    hl_sync_opts_t o = {.cfg = &cfg,
                        .kiosk_id = k->id,
                        .software_version = "faults",
                        .sys = hl_fakesys_sys(&k->clock),
                        .backoff_base_ms = 10,
                        .backoff_cap_ms = 50};
    if (hl_store_open(k->dir, NULL, &st, NULL, &err) != HL_OK ||
        hl_store_set_signer(st, k->key, &err) != HL_OK || hl_sync_new(&o, &s, &err) != HL_OK) {
        snprintf(k->error, sizeof k->error, "open: %s", err.msg);
        goto out;
    }
    for (;;) {
        hl_store_sync_t ss = {0};
        if (hl_store_sync_state(st, &ss, &err) != HL_OK) {
            snprintf(k->error, sizeof k->error, "sync state: %s", err.msg);
            break;
        }
        if (ss.pending == 0) break;
        if (atomic_load(&r->abort) || mono_ms() > r->deadline_ms) {
            snprintf(k->error, sizeof k->error, "%lld still pending after %lld s (last: %s)",
                     (long long)ss.pending, (long long)(mono_ms() - r->started_ms) / 1000,
                     k->last_retry);
            break;
        }
        hl_sync_outcome_t out;
        if (hl_sync_push(s, st, &out, &err) != HL_OK ||
            hl_sync_commit(s, st, &out, &err) != HL_OK) {
            snprintf(k->error, sizeof k->error, "push: %s", err.msg);
            break;
        }
        k->pushes++;
        k->named += (long long)out.n_delivered;
        if (out.verdict == HL_SYNC_RETRY) {
            k->retries++;
            snprintf(k->last_retry, sizeof k->last_retry, "%s", out.error);
            pace_ms(out.next_in_ms < 50 ? out.next_in_ms : 50);
        } else if (out.verdict != HL_SYNC_DELIVERED) {
            snprintf(k->error, sizeof k->error, "%s with %lld pending: HTTP %ld: %s",
                     hl_sync_verdict_name(out.verdict), (long long)ss.pending, out.http_status,
                     out.error);
            break;
        }
    }
out:
    hl_sync_free(s);
    hl_store_close(st);
    return NULL;
}

static void kiosks_start(run_t *r)
{
    r->started_ms = mono_ms();
    r->deadline_ms = r->started_ms + HANG_S * 1000LL;
    for (int i = 0; i < r->n; i++)
        r->k[i].started = pthread_create(&r->k[i].thread, NULL, kiosk_main, &r->k[i]) == 0;
}

static void kiosks_join(run_t *r)
{
    long pushes = 0, retries = 0;
    long long named = 0;
    for (int i = 0; i < r->n; i++) {
        kiosk_t *k = &r->k[i];
        CHECK(k->started);
        if (k->started) pthread_join(k->thread, NULL);
        k->started = false;
        if (k->error[0]) hl_test_fail(__FILE__, __LINE__, "kiosk %s: %s", k->id, k->error);
        pushes += k->pushes;
        r->joined_ms = mono_ms();
        retries += k->retries;
        named += k->named;
    }
    printf("     %s: %d kiosks delivered %d responses in %.1f s: %ld pushes, %ld failed, %lld "
           "responses named in the answers they heard\n",
           r->name, r->n, r->n * r->responses, (double)(mono_ms() - r->started_ms) / 1000.0, pushes,
           retries, named);
}

/* ---- The checks -------------------------------------------------------------------------- */

/* hl_pg_query's answer to a formatted query, compared with want. */
__attribute__((format(printf, 4, 5))) static bool
expect_query(int line, const run_t *r, const char *want, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    char *got = hl_pg_query(r->db, sql);
    bool ok = got && !strcmp(got, want);
    if (!ok)
        hl_test_fail(__FILE__, line, "%s\n  gave \"%s\", expected \"%s\"", sql,
                     got ? got : "(failed)", want);
    free(got);
    return ok;
}
#define EXPECT_QUERY(r, want, ...) expect_query(__LINE__, r, want, __VA_ARGS__)

/* The first line where a and b differ, printed. */
static void show_difference(const char *kiosk, const char *a, const char *b)
{
    int line = 1;
    while (*a && *a == *b) {
        if (*a == '\n') line++;
        a++;
        b++;
    }
    printf("     %s: first difference at line %d:\n       kiosk:    %.300s\n       database: "
           "%.300s\n",
           kiosk, line, a, b);
}

/* The database holds exactly each kiosk's responses, each once, byte for
 * byte as its JSON Lines export; nothing is pending, quarantined, raised. */
static void expect_database_equals_kiosks(run_t *r)
{
    char want[128];
    for (int i = 0; i < r->n; i++) {
        kiosk_t *k = &r->k[i];
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s.jsonl", k->dir);
        hl_store_t *st = NULL;
        hl_err_t err = {0};
        hl_store_opts_t ro = {.read_only = true};
        hl_store_sync_t ss = {0};
        if (hl_store_open(k->dir, &ro, &st, NULL, &err) != HL_OK ||
            hl_export_jsonl(st, NULL, path, NULL, &err) != HL_OK ||
            hl_store_sync_state(st, &ss, &err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "%s: export: %s", k->id, err.msg);
        hl_store_close(st);
        CHECK_INT(ss.pending, 0);
        CHECK_INT(ss.delivered, r->responses);
        char *mine = hl_test_read_file(path, NULL);
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT coalesce(string_agg(raw || E'\\n', '' ORDER BY seq), '') "
                 "FROM hailong.responses WHERE kiosk_id = '%s'",
                 k->id);
        char *theirs = hl_pg_query(r->db, sql);
        CHECK(mine && theirs);
        if (mine && theirs) {
            long lines = 0;
            for (const char *p = mine; *p; p++)
                lines += *p == '\n';
            CHECK_INT(lines, r->responses);
            if (strcmp(mine, theirs)) {
                hl_test_fail(__FILE__, __LINE__, "%s: the database's rows are not its export",
                             k->id);
                show_difference(k->id, mine, theirs);
            }
        }
        free(mine);
        free(theirs);
        /* Each once in hailong.responses and hailong.response_ids, the
         * latter with the seq and the SHA-256 of the bytes; one query (a
         * fresh connection plans over every monthly partition). */
        snprintf(want, sizeof want, "%d %d %d %d", r->responses, r->responses, r->responses,
                 r->responses);
        EXPECT_QUERY(r, want,
                     "SELECT (SELECT count(*) || ' ' || count(DISTINCT response_id) FROM "
                     "hailong.responses WHERE kiosk_id = '%s') || ' ' || (SELECT count(*) || ' ' "
                     "|| count(r.response_id) FROM hailong.response_ids i LEFT JOIN "
                     "hailong.responses r ON r.response_id = i.response_id AND r.kiosk_id = "
                     "i.kiosk_id AND r.seq = i.seq AND i.raw_sha256 = sha256(convert_to(r.raw, "
                     "'UTF8')) WHERE i.kiosk_id = '%s')",
                     k->id, k->id);
    }
    long total = (long)r->n * r->responses;
    snprintf(want, sizeof want, "%ld %ld %ld 0 0 0", total, total, 2 * total);
    bool clean = EXPECT_QUERY(
        r, want, "%s",
        "SELECT (SELECT count(*) FROM hailong.responses) || ' ' || (SELECT count(*) FROM "
        "hailong.response_ids) || ' ' || (SELECT count(*) FROM hailong.answers) || ' ' || "
        "(SELECT count(*) FROM hailong.quarantine) || ' ' || (SELECT count(*) FROM "
        "hailong.alerts) || ' ' || (SELECT count(*) FROM hailong.chain_heads WHERE "
        "verdict <> 'verified')");
    /* What went wrong, when something did. */
    if (!clean)
        EXPECT_QUERY(r, "", "%s",
                     "SELECT concat_ws('; ', (SELECT string_agg(reason, ', ') FROM "
                     "hailong.quarantine), (SELECT string_agg(kind || ' ' || details::text, ', ') "
                     "FROM hailong.alerts), (SELECT string_agg(DISTINCT verdict || ' ' || "
                     "coalesce(note, ''), ', ') FROM hailong.chain_heads WHERE verdict <> "
                     "'verified'))");
}

/* The proxy's counters, printed; the server answered only 200, 503 and
 * 429, and the proxy understood all the traffic. With the rate limit off, a
 * 429 can only be "this kiosk has a push in flight": the kiosk's resend
 * after the proxy cut it off overtook its earlier push, still at the server
 * on the proxy's own connection (as behind nginx); the kiosk backs off and
 * sends again. */
static bool proxy_report(run_t *r, hl_proxy_stats_t *s, const unsigned *percent)
{
    hl_proxy_stats(r->proxy, s);
    printf("     %s: proxy: %ld connections, %ld requests (", r->name, s->connections, s->requests);
    for (int f = 0; f < HL_PROXY_N_FAULTS; f++)
        printf("%s%s %ld", f ? ", " : "", hl_proxy_fault_name((hl_proxy_fault_t)f), s->faults[f]);
    printf("), %ld forwarded, answers %ld: %ld 200 (naming %ld accepted, %ld duplicate), %ld "
           "503, %ld 429, %ld other; server unreachable %ld, broke off %ld (%ld mid-request)\n",
           s->forwarded, s->answers, s->answers_200, atomic_load(&r->accepted),
           atomic_load(&r->duplicates), s->answers_503, s->answers_429, s->answers_other,
           s->upstream_refused, s->upstream_broke + s->upstream_broke_request,
           s->upstream_broke_request);
    /* The first faulty requests meet each kind once (hl_proxy.h): a run
     * with that many meets them all. */
    int kinds = 0;
    long faulty = 0;
    bool met = true;
    for (int f = 1; f < HL_PROXY_N_FAULTS; f++) {
        kinds += percent[f] != 0;
        faulty += s->faults[f];
        met = met && (!percent[f] || s->faults[f]);
    }
    if (faulty >= kinds && !met)
        hl_test_fail(__FILE__, __LINE__, "%s: %ld faulty requests did not meet every fault",
                     r->name, faulty);
    if (faulty < kinds) printf("     %s: too short a run to meet every fault\n", r->name);
    /* No response accepted twice (where the server died between its commit
     * and its answer, fewer were heard accepted). */
    CHECK(atomic_load(&r->accepted) <= (long)r->n * r->responses);
    if (s->answers_other)
        hl_test_fail(__FILE__, __LINE__,
                     "%s: the server answered %ld times with neither 200, 503 "
                     "nor 429 (last %d): see %s/server.log",
                     r->name, s->answers_other, s->last_other, r->dir);
    CHECK_INT(s->errors, 0);
    return met;
}

static void run_close(run_t *r)
{
    if (r->joined_ms)
        printf("     %s: set-up %.1f s, kiosks %.1f s, checks and the end %.1f s\n", r->name,
               (double)(r->started_ms - r->opened_ms) / 1000.0,
               (double)(r->joined_ms - r->started_ms) / 1000.0,
               (double)(mono_ms() - r->joined_ms) / 1000.0);
    atomic_store(&r->abort, true);
    for (int i = 0; i < r->n; i++)
        if (r->k[i].started) pthread_join(r->k[i].thread, NULL);
    hl_proxy_stop(r->proxy);
    r->proxy = NULL;
    server_end(r, false);
    if (r->dir && hl_fixture_env_long("HL_FAULTS_KEEP", 0))
        printf("     %s: kept %s (the server's log: server.log)\n", r->name, r->dir);
    else if (r->dir)
        hl_test_rmtree(r->dir);
    free(r->dir);
    r->dir = NULL;
}

/* Requests the server must see at least before every response is in: each
 * names at most a batch. Events are spread below it, so each one comes
 * while responses are still pending. */
static long least_requests(const run_t *r)
{
    return (long)r->n * ((r->responses + r->batch - 1) / r->batch);
}

static long event_at(const run_t *r, int i, int of)
{
    long n = least_requests(r) * (i + 1) / (of + 1);
    return n > 0 ? n : 1;
}

static bool forwarded_at_least(const hl_proxy_stats_t *s, void *ctx)
{
    return s->forwarded >= *(const long *)ctx;
}

static bool answered_503_at_least(const hl_proxy_stats_t *s, void *ctx)
{
    return s->answers_503 >= *(const long *)ctx;
}

/* Waits until the proxy let n requests through; a hang aborts the kiosks. */
static bool wait_forwarded(run_t *r, long n)
{
    bool ok = hl_proxy_wait(r->proxy, forwarded_at_least, &n, HANG_S);
    if (!ok) {
        hl_test_fail(__FILE__, __LINE__, "%s: %ld requests never went through", r->name, n);
        atomic_store(&r->abort, true);
    }
    return ok;
}

/* The faults: 30 % of the requests reset after the server answered, and
 * 12 % the others. */
static const unsigned resets[HL_PROXY_N_FAULTS] = {[HL_PROXY_RESET_AFTER] = 30,
                                                   [HL_PROXY_RESET_BEFORE] = 4,
                                                   [HL_PROXY_CUT_REQUEST] = 3,
                                                   [HL_PROXY_CUT_ANSWER] = 3,
                                                   [HL_PROXY_STALL] = 2};

/* ---- The cases --------------------------------------------------------------------------- */

static void test_every_response_arrives_once_through_resets_cuts_and_stalls(void)
{
    run_t r;
    hl_proxy_stats_t s;
    if (run_open(&r, "resets", QUICK_LIMIT) && server_start(&r) && proxy_start(&r, resets)) {
        kiosks_start(&r);
        kiosks_join(&r);
        bool met = proxy_report(&r, &s, resets);
        CHECK_INT(s.answers_503, 0); /* the database stayed up */
        CHECK_INT(atomic_load(&r.accepted), (long)r.n * r.responses);
        /* Answers lost after the commit: their responses came again. */
        if (met) CHECK(atomic_load(&r.duplicates) > 0);
        expect_database_equals_kiosks(&r);
    }
    run_close(&r);
}

static void test_postgres_restarted_mid_batch_again_and_again_loses_and_doubles_nothing(void)
{
    run_t r;
    hl_proxy_stats_t s;
    if (run_open(&r, "postgres", QUICK_LIMIT) && server_start(&r) && proxy_start(&r, resets)) {
        /* The gate closes at the last event's request, before the kiosks
         * can have delivered everything. */
        long at = event_at(&r, plan.events, plan.events + 1);
        hl_proxy_hold_at(r.proxy, at);
        kiosks_start(&r);
        /* Immediate restarts as the N-th request reaches the server. */
        int i = 0;
        for (; i < plan.events && wait_forwarded(&r, event_at(&r, i, plan.events + 1)); i++)
            CHECK(hl_pg_restart(&pg, true));
        /* Then a crash (kill -9) while the requests wait at the gate, kept
         * down until the server has answered 503 three times. */
        if (i == plan.events && wait_forwarded(&r, at)) {
            CHECK(hl_pg_kill(&pg));
            hl_proxy_stats(r.proxy, &s);
            long want_503 = s.answers_503 + 3;
            hl_proxy_hold_at(r.proxy, -1);
            bool saw = hl_proxy_wait(r.proxy, answered_503_at_least, &want_503, HANG_S);
            CHECK(saw);
            CHECK(hl_pg_start_again(&pg));
        }
        hl_proxy_hold_at(r.proxy, -1);
        kiosks_join(&r);
        proxy_report(&r, &s, resets);
        CHECK(s.answers_503 >= 3);
        expect_database_equals_kiosks(&r);
    }
    run_close(&r);
}

static void test_server_killed_mid_run_again_and_again_loses_and_doubles_nothing(void)
{
    run_t r;
    hl_proxy_stats_t s;
    if (run_open(&r, "sigkill", QUICK_LIMIT) && server_start(&r) && proxy_start(&r, resets)) {
        kiosks_start(&r);
        for (int i = 0; i < plan.events && wait_forwarded(&r, event_at(&r, i, plan.events)); i++) {
            server_end(&r, true);
            if (!server_start(&r)) {
                atomic_store(&r.abort, true);
                break;
            }
        }
        kiosks_join(&r);
        proxy_report(&r, &s, resets);
        CHECK_INT(r.starts, plan.events + 1);
        expect_database_equals_kiosks(&r);
    }
    run_close(&r);
}

/* ---- Packet loss ------------------------------------------------------------------------- */

/* The full path of a tool from PATH or the usual sbin folders; "" none. */
static void find_tool(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
    out[0] = '\0';
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, cap, "%s/%s", d, name);
        if (*d && access(out, X_OK) == 0) return;
    }
    out[0] = '\0';
}

/* Runs a tool (argv[0] a name), its complaint in why. */
static bool tool(const char *const *args, char *why, size_t cap)
{
    char path[PATH_MAX];
    find_tool(args[0], path, sizeof path);
    if (!path[0]) {
        snprintf(why, cap, "no %s", args[0]);
        return false;
    }
    const char *argv[16] = {path};
    for (int i = 1; args[i] && i < 15; i++)
        argv[i] = args[i];
    char *err = NULL;
    int rc = hl_test_run_watchdog(argv, NULL, NULL, &err, HANG_S);
    if (rc != 0) {
        snprintf(why, cap, "%s: exit %d: %s", args[0], rc, err ? err : "");
        why[strcspn(why, "\n")] = '\0';
    }
    free(err);
    return rc == 0;
}

/* Where the kernel has no netem (CONFIG_NET_SCH_NETEM unset, as on some
 * CI hosts), nftables drops the same share of packets at random on the
 * namespace's loopback: packet loss in the kernel all the same, without
 * netem's other knobs. plan.qdisc "netem loss N%" gives N. */
static bool loss_by_nft(char *why, size_t cap)
{
    if (strncmp(plan.qdisc, "netem loss ", 11) != 0) return false;
    int pct = atoi(plan.qdisc + 11);
    char rule[80];
    snprintf(rule, sizeof rule, "numgen random mod 100 < %d drop", pct);
    return tool((const char *[]){"nft", "add table inet hl_loss", NULL}, why, cap) &&
           tool((const char *[]){"nft",
                                 "add chain inet hl_loss input { type filter hook input priority "
                                 "0; policy accept; }",
                                 NULL},
                why, cap) &&
           tool((const char *[]){"nft", "add rule inet hl_loss input", rule, NULL}, why, cap);
}

/* Moves this thread (and the threads and children it starts from now on)
 * into a fresh network namespace whose loopback has plan.qdisc (or, without
 * netem, nftables' random drop: loss_by_nft; how says which). false, and
 * why, when neither can be; the thread is then back where it was. */
static bool loss_enter(int *saved, char *why, size_t cap, char *how, size_t how_cap)
{
    *saved = -1;
    if (geteuid() != 0) {
        snprintf(why, cap, "not root");
        return false;
    }
    *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*saved < 0 || unshare(CLONE_NEWNET) != 0) {
        snprintf(why, cap, "a network namespace: %s", strerror(errno));
        if (*saved >= 0) close(*saved);
        *saved = -1;
        return false;
    }
    char spec[256], cmd[300], ignored[300];
    snprintf(spec, sizeof spec, "%s", plan.qdisc);
    const char *args[16] = {"tc", "qdisc", "add", "dev", "lo", "root"};
    int n = 6;
    for (char *save = NULL, *w = strtok_r(spec, " ", &save); w && n < 15;
         w = strtok_r(NULL, " ", &save))
        args[n++] = w;
    args[n] = NULL;
    if (!strncmp(plan.qdisc, "netem", 5))
        tool((const char *[]){"modprobe", "sch_netem", NULL}, ignored, sizeof ignored);
    bool up = tool((const char *[]){"ip", "link", "set", "lo", "up", NULL}, why, cap);
    bool ok = up && tool(args, cmd, sizeof cmd);
    if (ok) snprintf(how, how_cap, "lo with %s", plan.qdisc);
    if (up && !ok) {
        char nft[300] = "";
        ok = loss_by_nft(nft, sizeof nft);
        if (ok)
            snprintf(how, how_cap,
                     "nftables dropping %d%% of lo's packets at random (no netem here: tc "
                     "qdisc add dev lo root %.80s: %.80s)",
                     atoi(plan.qdisc + 11), plan.qdisc, cmd);
        else
            snprintf(why, cap, "tc qdisc add dev lo root %.80s: %.100s; nftables: %.100s",
                     plan.qdisc, cmd, nft[0] ? nft : "not this qdisc");
    }
    if (!ok) {
        setns(*saved, CLONE_NEWNET);
        close(*saved);
        *saved = -1;
    }
    return ok;
}

static void loss_leave(int saved)
{
    if (saved < 0) return;
    CHECK_INT(setns(saved, CLONE_NEWNET), 0);
    close(saved);
}

static void test_packet_loss_loses_and_doubles_nothing(void)
{
    char why[400] = "";
    int saved = -1;
    char how[400] = "";
    bool lossy = loss_enter(&saved, why, sizeof why, how, sizeof how);
    run_t r;
    hl_proxy_stats_t s;
    if (lossy) {
        /* Loss slows TCP down (retransmissions back off from 200 ms) but
         * loses nothing: generous timeouts, kiosks straight to the server. */
        printf("     loss: server and kiosks in a network namespace, %s\n", how);
        if (run_open(&r, "loss", 30) && server_start(&r)) {
            kiosks_start(&r);
            kiosks_join(&r);
            expect_database_equals_kiosks(&r);
        }
        run_close(&r);
        loss_leave(saved);
        return;
    }
    printf("     skipped: packet loss unavailable (%s); the proxy's drop mode stands in\n", why);
    static const unsigned drops[HL_PROXY_N_FAULTS] = {[HL_PROXY_DROP] = 30};
    if (run_open(&r, "drop", QUICK_LIMIT) && server_start(&r) && proxy_start(&r, drops)) {
        kiosks_start(&r);
        kiosks_join(&r);
        proxy_report(&r, &s, drops);
        CHECK_INT(atomic_load(&r.accepted), (long)r.n * r.responses);
        expect_database_equals_kiosks(&r);
    }
    run_close(&r);
}

static void cleanup(void)
{
    if (pg_up) hl_pg_destroy(&pg);
    pg_up = false;
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_every_response_arrives_once_through_resets_cuts_and_stalls),
    HL_TEST(test_postgres_restarted_mid_batch_again_and_again_loses_and_doubles_nothing),
    HL_TEST(test_server_killed_mid_run_again_and_again_loses_and_doubles_nothing),
    HL_TEST(test_packet_loss_loses_and_doubles_nothing),
};

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    plan_read();
    survey_init();
    hl_err_t err = {0};
    if (hl_sync_global_init(&err) != HL_OK) {
        fprintf(stderr, "libcurl: %s\n", err.msg);
        return 1;
    }
    atexit(cleanup);
    int rc = hl_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
    hl_sync_global_cleanup();
    return rc;
}
