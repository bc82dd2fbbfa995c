/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_province.c: `hailong-bench province-setup` and `hailong-bench
 * province`, the load generator for the province's server (hailong-server):
 * many kiosks pushing into one server and one PostgreSQL.
 *
 * province-setup makes K simulated kiosks under one folder, each a data
 * folder of its own (DIR/<id>/: its device key and its store, filled with a
 * backlog of about N finished responses through hl_store_save in one
 * transaction, as the other benchmarks' bulk loads do, then chained and
 * signed with that key in one more, as a kiosk chains what it finished
 * before it had its key), by a few threads side by side; it writes
 * DIR/identities.txt, one `hailong identity` line per kiosk, for
 * registering them (`hailong-server kiosk add`). Put DIR on tmpfs
 * (/dev/shm): the kiosks' fsyncs then do not measure this machine's disk.
 *
 * province plays those kiosks with the real sync client: each kiosk has its
 * own config (DIR/<id>/hailong.json, with its token), its own store, its
 * own hl_sync_t and so its own connection, and its own schedule, as the
 * kiosk's sync worker keeps it: the first push at a random moment of the
 * first seconds, the next one at once while a full batch was sent, else
 * after its interval (with jitter) or the client's back-off. A pool of
 * threads carries the pushes: a kiosk is pushed by one thread at a time,
 * taken from a queue ordered by when it is due; a thread blocks in its
 * request as the kiosk's worker does, so --threads bounds the requests in
 * flight. Each push's outcome is committed to the kiosk's store
 * (hl_sync_commit), one store serving as reader and writer as in `hailong
 * sync --once`. The run ends when every kiosk has delivered its backlog,
 * or after --duration seconds. One JSON line goes to stdout: responses
 * delivered and per second (overall, and between 10% and 90% of them),
 * requests, latency percentiles of hl_sync_push (reading the batch from
 * the kiosk's store, the request, the answer), failures by kind, and the
 * CPU this process used. The database's side (its bytes, the server's and
 * PostgreSQL's CPU) is measured by tests/support/bench_province.sh, which
 * runs everything from nothing. Figures are printed, never judged.
 */
#include "bench_util.h"
#include "cli.h"
#include "hl_platform.h"
#include "hl_store.h"
#include "hl_sync.h"

#include <dirent.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROV_SOFTWARE    "bench" /* the status's software version */
#define PROV_CACHE_KIB   1024    /* each kiosk's page cache (the sync worker's) */
#define PROV_FDS         6       /* descriptors per kiosk: database, wal, shm, lock, socket */
#define PROV_MAX_S       3600    /* a run that never drains stops after this */
#define PROV_PROGRESS_MS 5000    /* a progress line on stderr this often */
#define PROV_KINDS       16      /* distinct failure kinds counted */
#define PROV_IDS_FILE    "identities.txt"
#define PROV_CONFIG      "hailong.json"

/* Also declared in bench_main.c, which dispatches to it. */
int hl_cli_bench_province(hl_cli_t *cli, int argc, char **argv);

static const char province_usage[] =
    "usage: hailong-bench province-setup --kiosks DIR [--count K] [--responses N]\n"
    "                                    [--threads T] [--prefix ID]\n"
    "       hailong-bench province --kiosks DIR [--url URL] [--threads T] [--duration S]\n"
    "                              [--start-within S] [--interval S] [--batch B]\n"
    "Load for the province's server (bash tests/support/bench_province.sh runs it all):\n"
    "province-setup makes K simulated kiosks (default 1000) in DIR (put it on /dev/shm),\n"
    "  each DIR/ID-NNNN/ a data folder with its device key and a backlog of N/2 to 3N/2\n"
    "  signed responses (N default 300; the bundled or --survey survey), and writes\n"
    "  DIR/" PROV_IDS_FILE " (a `hailong identity` line per kiosk) to register them;\n"
    "  T threads (default 2) make them; ID default \"bench\".\n"
    "province plays them with the real sync client: each kiosk's config is\n"
    "  DIR/ID-NNNN/" PROV_CONFIG " (kiosk_id, sync url and token); its own connection and\n"
    "  schedule: first push within the first S seconds (--start-within, default 2), the\n"
    "  next at once while a full batch went, else after its interval (--interval S, default\n"
    "  the config's; 10% jitter) or the back-off; T threads (default 64) carry the pushes,\n"
    "  so at most T requests are in flight. --url and --batch replace the configs'. Ends\n"
    "  when every backlog is delivered, or after --duration S. Prints one JSON line:\n"
    "  responses delivered and per second, requests, push latency percentiles (ms),\n"
    "  failures by kind, this process's CPU seconds.\n";

/* ---- province-setup ------------------------------------------------------------------ */

/* What the setup threads share. */
typedef struct prov_setup {
    hl_cli_t *cli;
    const char *dir;    /* the kiosks' folder */
    const char *prefix; /* kiosk ids: PREFIX-NNNN */
    long count;         /* kiosks to make */
    long responses;     /* the mean backlog per kiosk */
    pthread_mutex_t mu; /* guards what follows */
    long next;          /* the next kiosk to make */
    long long total;    /* responses made */
    char (*lines)[160]; /* each kiosk's identity line (count of them) */
    bool failed;        /* one kiosk failed: the others stop */
    char why[700];      /* its message */
    double t0;          /* when making began */
} prov_setup_t;

/* Makes kiosk number i (0-based): its folder, device key and backlog. */
static int make_kiosk(prov_setup_t *s, long i, long long *made, hl_err_t *err)
{
    hl_cli_t *cli = s->cli;
    char id[HL_KIOSK_ID_MAX + 1], dir[PATH_MAX];
    if (snprintf(id, sizeof id, "%s-%04ld", s->prefix, i + 1) >= (int)sizeof id)
        return hl_err_set(err, HL_ERR_USAGE, "--prefix %s makes too long a kiosk id", s->prefix);
    snprintf(dir, sizeof dir, "%s/%s", s->dir, id);
    if (mkdir(dir, 0750) != 0)
        return hl_err_set(err, HL_ERR_IO, "cannot make %s: %s", dir, strerror(errno));
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(i + 1) * 0xBF58476D1CE4E5B9ULL);
    if (!rng) rng = 1;
    long n = s->responses / 2 + (long)(hl_bench_rng(&rng) % (uint64_t)(s->responses + 1));
    if (n < 1) n = 1;
    hl_devkey_t key = {0};
    char pem[HL_DEVKEY_PEM_MAX];
    size_t len = 0;
    int rc = hl_devkey_generate(&cli->sys, &key, err);
    if (rc == HL_OK) rc = hl_devkey_to_pem(&key, pem, sizeof pem, &len, err);
    if (rc == HL_OK) rc = hl_platform_device_key_create(dir, pem, len, err);
    explicit_bzero(pem, sizeof pem);
    hl_store_t *st = NULL;
    hl_store_opts_t so = {.cache_kib = 4096};
    if (rc == HL_OK) rc = hl_store_open(dir, &so, &st, NULL, err);
    if (rc == HL_OK) rc = hl_store_use_survey(st, cli->survey, id, err);
    /* ten counters per unit (the script puts ten kiosks in a unit), an officer each */
    char officer[24], counter[24];
    snprintf(officer, sizeof officer, "o%ld", i + 1);
    snprintf(counter, sizeof counter, "Quầy %ld", i % 10 + 1);
    if (rc == HL_OK) rc = hl_store_set_duty(st, officer, counter, err);
    int64_t t = cli->sys.utc_ms(cli->sys.ctx) - (int64_t)n * 90000;
    if (rc == HL_OK) rc = hl_store_batch_begin(st, err);
    for (long j = 0; rc == HL_OK && j < n; j++) {
        t += 30000 + (int64_t)(hl_bench_rng(&rng) % 120000);
        hl_resp_status_t end = hl_bench_rng(&rng) % 10 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL;
        rc = hl_bench_response(st, cli->survey, &cli->sys, &rng, t, end, NULL, NULL, err);
    }
    if (rc == HL_OK) rc = hl_store_batch_end(st, err);
    /* Chained and signed now, all in one transaction (as a kiosk chains
     * what it finished before it had its key): the same rows as chaining
     * each as it finishes, in a fraction of the time. */
    if (rc == HL_OK) rc = hl_store_set_signer(st, &key, err);
    hl_store_close(st);
    if (rc == HL_OK) {
        snprintf(s->lines[i], sizeof s->lines[i], "%s ed25519:%s %s", id, key.pub_hex,
                 key.fingerprint);
        *made = n;
    }
    hl_devkey_free(&key);
    return rc;
}

static void *setup_thread(void *arg)
{
    prov_setup_t *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->failed && s->next < s->count) {
        long i = s->next++;
        pthread_mutex_unlock(&s->mu);
        hl_err_t err = {0};
        long long made = 0;
        int rc = make_kiosk(s, i, &made, &err);
        pthread_mutex_lock(&s->mu);
        if (rc != HL_OK && !s->failed) {
            s->failed = true;
            snprintf(s->why, sizeof s->why, "kiosk %ld: %s", i + 1, err.msg);
        }
        s->total += made;
        if ((i + 1) % 100 == 0)
            fprintf(stderr, "province-setup: %ld/%ld kiosks, %lld responses (%.1f s)\n", i + 1,
                    s->count, s->total, hl_bench_now_s() - s->t0);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int province_setup(hl_cli_t *cli, const char *dir, const char *prefix, long count,
                          long responses, long threads)
{
    if (!cli->survey && hl_cli_load(cli) != HL_EXIT_OK) return HL_EXIT_FAIL;
#ifdef __GLIBC__
    /* As hl_bench_prepare: keep the heap between saves (SQLite's statement
     * journal is given back and taken again otherwise). */
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
#endif
    char ids[PATH_MAX];
    snprintf(ids, sizeof ids, "%s/%s", dir, PROV_IDS_FILE);
    if (access(ids, F_OK) == 0) {
        fprintf(stderr, "hailong-bench province-setup: %s holds kiosks already (remove it)\n", dir);
        return HL_EXIT_FAIL;
    }
    if (hl_bench_make_dirs(dir) != 0) {
        fprintf(stderr, "hailong-bench province-setup: %s: %s\n", dir, strerror(errno));
        return HL_EXIT_FAIL;
    }
    prov_setup_t s = {.cli = cli,
                      .dir = dir,
                      .prefix = prefix,
                      .count = count,
                      .responses = responses,
                      .t0 = hl_bench_now_s()};
    s.lines = calloc((size_t)count, sizeof *s.lines);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    if (!s.lines || !tids) {
        free(s.lines);
        free(tids);
        fprintf(stderr, "hailong-bench province-setup: out of memory\n");
        return HL_EXIT_FAIL;
    }
    pthread_mutex_init(&s.mu, NULL);
    fprintf(stderr, "province-setup: %ld kiosks of about %ld responses (survey %s v%lld) in %s\n",
            count, responses, cli->survey->id, (long long)cli->survey->version, dir);
    long started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tids[started], NULL, setup_thread, &s) != 0) break;
    if (started == 0) setup_thread(&s);
    for (long i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    double seconds = hl_bench_now_s() - s.t0;
    int exit_code = HL_EXIT_FAIL;
    FILE *f = NULL;
    if (s.failed) {
        fprintf(stderr, "hailong-bench province-setup: %s\n", s.why);
    } else if (!(f = fopen(ids, "w"))) {
        fprintf(stderr, "hailong-bench province-setup: %s: %s\n", ids, strerror(errno));
    } else {
        bool ok = true;
        for (long i = 0; i < count && ok; i++)
            ok = fprintf(f, "%s\n", s.lines[i]) > 0;
        if (fclose(f) != 0) ok = false;
        if (!ok) {
            fprintf(stderr, "hailong-bench province-setup: cannot write %s\n", ids);
        } else {
            printf("{\"bench\":\"province-setup\",\"kiosks\":%ld,\"responses\":%lld,", count,
                   s.total);
            hl_bench_json_num("seconds", seconds, true, false);
            hl_bench_json_num("responses_per_s", (double)s.total / seconds, seconds > 0, false);
            printf("\"threads\":%ld,\"identities\":", threads);
            hl_bench_json_str(ids);
            printf("}\n");
            exit_code = HL_EXIT_OK;
        }
    }
    pthread_mutex_destroy(&s.mu);
    free(s.lines);
    free(tids);
    return exit_code;
}

/* ---- province: the kiosks and their schedule ----------------------------------------- */

/* One simulated kiosk. */
typedef struct prov_kiosk {
    char id[HL_KIOSK_ID_MAX + 1]; /* its kiosk_id */
    char *dir;                    /* owned: its data folder */
    hl_store_t *st;               /* its store: read for the batch, written with the outcome */
    hl_sync_t *sync;              /* its connection */
    int64_t due_ms;               /* monotonic ms of its next push */
    int64_t pending0;             /* responses pending when the run began */
    int64_t delivered;            /* responses the server named */
    uint64_t rng;                 /* its jitter */
    bool drained;                 /* a push found (or left) nothing pending */
    bool stopped;                 /* the server refused it for good (a STOP) */
} prov_kiosk_t;

/* A failure kind and how often it came. */
typedef struct prov_kind {
    char name[32]; /* "http_503", "timeout", "network", "stop_http_401", "store", "commit",
                      "other" */
    long long n;
} prov_kind_t;

/* A growing array of doubles. */
typedef struct prov_vec {
    double *v;
    size_t n, cap;
} prov_vec_t;

/* What the run's threads share; mu guards all but the options. */
typedef struct prov_run {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* the queue changed, or stop */
    prov_kiosk_t *k;   /* the kiosks (n) */
    size_t n;
    prov_kiosk_t **heap; /* kiosks waiting for their turn, earliest due first */
    size_t n_heap;
    bool stop;               /* the run is over: threads finish their push and leave */
    size_t drained, stopped; /* kiosks done */
    double t0;               /* monotonic seconds when the run began */
    double last_delivery;    /* monotonic seconds of the last delivery */
    long long delivered, requests, batches, heartbeats, failed;
    prov_vec_t push_ms;   /* every hl_sync_push (a request), ms */
    prov_vec_t commit_ms; /* every hl_sync_commit, ms */
    prov_vec_t del_t;     /* each delivery's time (s since t0) ... */
    prov_vec_t del_cum;   /* ... and the responses delivered up to it */
    prov_kind_t kinds[PROV_KINDS];
    size_t n_kinds;
    int batch;      /* the first kiosk's batch size, as its connection uses it */
    int interval_s; /* and its interval */
} prov_run_t;

static int64_t mono_ms(void)
{
    return (int64_t)(hl_bench_now_s() * 1000.0);
}

static bool vec_add(prov_vec_t *a, double x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 4096;
        double *v = realloc(a->v, cap * sizeof *v);
        if (!v) return false;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return true;
}

static void heap_swap(prov_kiosk_t **h, size_t a, size_t b)
{
    prov_kiosk_t *t = h[a];
    h[a] = h[b];
    h[b] = t;
}

static void heap_push(prov_run_t *r, prov_kiosk_t *k)
{
    size_t i = r->n_heap++;
    r->heap[i] = k;
    while (i > 0 && r->heap[(i - 1) / 2]->due_ms > r->heap[i]->due_ms) {
        heap_swap(r->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static prov_kiosk_t *heap_pop(prov_run_t *r)
{
    prov_kiosk_t *top = r->heap[0];
    r->heap[0] = r->heap[--r->n_heap];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->n_heap && r->heap[l]->due_ms < r->heap[m]->due_ms) m = l;
        if (l + 1 < r->n_heap && r->heap[l + 1]->due_ms < r->heap[m]->due_ms) m = l + 1;
        if (m == i) break;
        heap_swap(r->heap, i, m);
        i = m;
    }
    return top;
}

static void count_kind(prov_run_t *r, const char *name)
{
    r->failed++;
    for (size_t i = 0; i < r->n_kinds; i++)
        if (!strcmp(r->kinds[i].name, name)) {
            r->kinds[i].n++;
            return;
        }
    size_t i = r->n_kinds < PROV_KINDS ? r->n_kinds : PROV_KINDS - 1;
    if (i == PROV_KINDS - 1) name = "other"; /* the last one counts all the rest */
    if (i == r->n_kinds) r->n_kinds++;
    snprintf(r->kinds[i].name, sizeof r->kinds[i].name, "%s", name);
    r->kinds[i].n++;
}

static void timed_wait(prov_run_t *r, int64_t until_ms)
{
    struct timespec ts = {.tv_sec = (time_t)(until_ms / 1000),
                          .tv_nsec = (long)(until_ms % 1000) * 1000000L};
    pthread_cond_timedwait(&r->cv, &r->mu, &ts);
}

/* One push of kiosk k and what it means for its schedule (mu not held). */
static void push_one(prov_run_t *r, prov_kiosk_t *k)
{
    hl_sync_outcome_t out;
    hl_err_t err = {0};
    double a = hl_bench_now_s();
    int rc = hl_sync_push(k->sync, k->st, &out, &err);
    double b = hl_bench_now_s();
    int crc = rc == HL_OK ? hl_sync_commit(k->sync, k->st, &out, &err) : HL_OK;
    double c = hl_bench_now_s();
    int64_t next = 0;
    char kind[32] = "";
    if (rc != HL_OK) {
        snprintf(kind, sizeof kind, "store");
        next = 5000;
    } else if (crc != HL_OK) {
        snprintf(kind, sizeof kind, "commit");
        next = 2000;
    } else if (out.verdict == HL_SYNC_DELIVERED || out.verdict == HL_SYNC_IDLE) {
        next = out.next_in_ms;
        if (next > 0) /* the interval, with jitter: the kiosks' phases drift apart */
            next = next * 9 / 10 + (int64_t)(hl_bench_rng(&k->rng) % (uint64_t)(next / 5 + 1));
    } else if (out.verdict == HL_SYNC_STOP) {
        snprintf(kind, sizeof kind, "stop_http_%ld", out.http_status);
    } else {
        /* no answer: the client's time limits (hl_sync's message says so), or
         * the connection */
        if (out.http_status)
            snprintf(kind, sizeof kind, "http_%ld", out.http_status);
        else
            snprintf(kind, sizeof kind, strstr(out.error, "time limit") ? "timeout" : "network");
        next = out.next_in_ms;
    }
    if (rc != HL_OK || crc != HL_OK) fprintf(stderr, "province: kiosk %s: %s\n", k->id, err.msg);
    pthread_mutex_lock(&r->mu);
    if (rc == HL_OK) {
        r->requests++;
        if (out.heartbeat)
            r->heartbeats++;
        else
            r->batches++;
        vec_add(&r->push_ms, (b - a) * 1000.0);
        vec_add(&r->commit_ms, (c - b) * 1000.0);
    }
    if (kind[0]) count_kind(r, kind);
    if (rc == HL_OK && crc == HL_OK && out.verdict == HL_SYNC_DELIVERED) {
        k->delivered += (int64_t)out.n_delivered;
        r->delivered += (long long)out.n_delivered;
        r->last_delivery = c;
        vec_add(&r->del_t, c - r->t0);
        vec_add(&r->del_cum, (double)r->delivered);
    }
    bool answered =
        rc == HL_OK && crc == HL_OK &&
        (out.verdict == HL_SYNC_IDLE || (out.verdict == HL_SYNC_DELIVERED && !out.more));
    if (answered && !k->drained) {
        k->drained = true;
        r->drained++;
    }
    if (rc == HL_OK && out.verdict == HL_SYNC_STOP) {
        k->stopped = true;
        r->stopped++;
        fprintf(stderr, "province: kiosk %s stopped: %s\n", k->id, out.error);
    } else if (!r->stop) {
        k->due_ms = mono_ms() + next;
        heap_push(r, k);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void *run_thread(void *arg)
{
    prov_run_t *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        if (!r->n_heap) {
            pthread_cond_wait(&r->cv, &r->mu);
            continue;
        }
        int64_t due = r->heap[0]->due_ms;
        if (due > mono_ms()) {
            timed_wait(r, due);
            continue;
        }
        prov_kiosk_t *k = heap_pop(r);
        pthread_mutex_unlock(&r->mu);
        push_one(r, k);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- province: opening the kiosks ---------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kiosks' folders in dir: those holding a config, sorted. */
static int list_kiosks(const char *dir, char ***out, size_t *n_out)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "hailong-bench province: %s: %s\n", dir, strerror(errno));
        return HL_EXIT_FAIL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char cfg[PATH_MAX];
        if (e->d_name[0] == '.' ||
            snprintf(cfg, sizeof cfg, "%s/%s/%s", dir, e->d_name, PROV_CONFIG) >= (int)sizeof cfg ||
            access(cfg, F_OK) != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            char **m = realloc(names, cap * sizeof *m);
            if (!m) break;
            names = m;
        }
        if (!(names[n] = strdup(e->d_name))) break;
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);
    *out = names;
    *n_out = n;
    return HL_EXIT_OK;
}

/* The run's options. */
typedef struct prov_opts {
    const char *dir;   /* the kiosks' folder */
    const char *url;   /* replaces each config's sync.url; NULL: keep */
    long threads;      /* pushes in flight at most */
    long duration_s;   /* 0: until every backlog is delivered */
    long start_within; /* seconds over which the first pushes spread */
    long interval_s;   /* 0: each config's */
    long batch;        /* 0: each config's */
} prov_opts_t;

/* Opens kiosk k from folder dir/name: its config, store and connection. */
static int open_kiosk(hl_cli_t *cli, const prov_opts_t *o, const char *name,
                      const hl_sync_kiosk_t *snap, prov_kiosk_t *k, int *batch, int *interval_s,
                      hl_err_t *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", o->dir, name);
    if (!(k->dir = strdup(path))) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/%s", k->dir, PROV_CONFIG);
    hl_config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    hl_config_defaults(cfg, name);
    hl_diags_t d = {0};
    int rc = hl_config_load_file(path, cfg, &d);
    if (rc != HL_OK) {
        hl_diags_print(&d, stderr);
        rc = hl_err_set(err, rc, "%s is not a valid config", path);
    } else if (!cfg->sync.enabled) {
        rc = hl_err_set(err, HL_ERR_USAGE, "%s has no \"sync\" section", path);
    }
    hl_diags_free(&d);
    hl_sync_cfg_t sc = cfg->sync;
    snprintf(k->id, sizeof k->id, "%s", cfg->kiosk_id);
    hl_config_free(cfg);
    free(cfg);
    if (rc != HL_OK) return rc;
    if (o->url) snprintf(sc.url, sizeof sc.url, "%s", o->url);
    if (o->interval_s) sc.interval_s = (int)o->interval_s;
    *batch = o->batch ? (int)o->batch : sc.batch;
    *interval_s = sc.interval_s;
    hl_store_opts_t so = {.cache_kib = PROV_CACHE_KIB};
    rc = hl_store_open(k->dir, &so, &k->st, NULL, err);
    hl_store_sync_t ss;
    if (rc == HL_OK) rc = hl_store_sync_state(k->st, &ss, err);
    if (rc != HL_OK) return rc;
    k->pending0 = ss.pending;
    hl_sync_opts_t so2 = {.cfg = &sc,
                          .kiosk_id = k->id,
                          .software_version = PROV_SOFTWARE,
                          .kiosk = snap,
                          .data_dir = k->dir,
                          .free_bytes = hl_platform_free_bytes,
                          .sys = cli->sys,
                          .batch = (int)o->batch};
    rc = hl_sync_new(&so2, &k->sync, err);
    explicit_bzero(&sc, sizeof sc);
    return rc;
}

/* Enough descriptors for n kiosks: the soft limit raised, up to the hard
 * one (and the hard one too when allowed). */
static bool raise_nofile(size_t n)
{
    rlim_t want = (rlim_t)(n * PROV_FDS + 256);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return false;
    if (rl.rlim_cur >= want) return true;
    if (rl.rlim_max < want) {
        struct rlimit up = {want, want};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0) return true;
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        fprintf(stderr,
                "hailong-bench province: %zu kiosks need %llu descriptors, the limit is "
                "%llu (ulimit -n)\n",
                n, (unsigned long long)want, (unsigned long long)rl.rlim_max);
        return false;
    }
    rl.rlim_cur = want;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Responses per second between 10% and 90% of the deliveries: the run
 * without its start and its tail. */
static double steady_rate(const prov_run_t *r, bool *valid)
{
    double total = (double)r->delivered;
    size_t a = 0, b = 0;
    while (a < r->del_cum.n && r->del_cum.v[a] < 0.1 * total)
        a++;
    while (b < r->del_cum.n && r->del_cum.v[b] < 0.9 * total)
        b++;
    *valid = b < r->del_cum.n && a < b && r->del_t.v[b] > r->del_t.v[a];
    return *valid ? (r->del_cum.v[b] - r->del_cum.v[a]) / (r->del_t.v[b] - r->del_t.v[a]) : 0;
}

static void print_run(prov_run_t *r, const prov_opts_t *o, double seconds, double open_s,
                      double cpu, long long pending0, long long pending_after)
{
    printf("{\"bench\":\"province\",\"kiosks\":%zu,\"threads\":%ld,\"batch\":%d,"
           "\"interval_s\":%d,",
           r->n, o->threads, r->batch, r->interval_s);
    printf("\"pending_at_start\":%lld,\"responses\":%lld,", pending0, r->delivered);
    hl_bench_json_num("seconds", seconds, true, false);
    hl_bench_json_num("responses_per_s", (double)r->delivered / seconds, seconds > 0, false);
    bool ok = false;
    double steady = steady_rate(r, &ok);
    hl_bench_json_num("steady_responses_per_s", steady, ok, false);
    printf("\"requests\":%lld,\"batches\":%lld,\"heartbeats\":%lld,", r->requests, r->batches,
           r->heartbeats);
    hl_bench_json_num("responses_per_batch",
                      r->batches ? (double)r->delivered / (double)r->batches : 0, r->batches > 0,
                      false);
    double max_ms = 0;
    for (size_t i = 0; i < r->push_ms.n; i++)
        if (r->push_ms.v[i] > max_ms) max_ms = r->push_ms.v[i];
    bool any = r->push_ms.n > 0;
    hl_bench_json_num("request_p50_ms", hl_bench_percentile(r->push_ms.v, r->push_ms.n, 50), any,
                      false);
    hl_bench_json_num("request_p90_ms", hl_bench_percentile(r->push_ms.v, r->push_ms.n, 90), any,
                      false);
    hl_bench_json_num("request_p99_ms", hl_bench_percentile(r->push_ms.v, r->push_ms.n, 99), any,
                      false);
    hl_bench_json_num("request_max_ms", max_ms, any, false);
    hl_bench_json_num("commit_p99_ms", hl_bench_percentile(r->commit_ms.v, r->commit_ms.n, 99),
                      r->commit_ms.n > 0, false);
    printf("\"failed_requests\":%lld,\"failures\":{", r->failed);
    for (size_t i = 0; i < r->n_kinds; i++)
        printf("%s\"%s\":%lld", i ? "," : "", r->kinds[i].name, r->kinds[i].n);
    printf("},\"kiosks_drained\":%zu,\"kiosks_stopped\":%zu,\"pending_after\":%lld,", r->drained,
           r->stopped, pending_after);
    hl_bench_json_num("open_s", open_s, true, false);
    hl_bench_json_num("bench_cpu_s", cpu, true, false);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    hl_bench_json_num("bench_peak_rss_mb", (double)ru.ru_maxrss / 1024.0, true, false);
    hl_bench_json_num("bench_cpu_us_per_response",
                      r->delivered ? cpu * 1e6 / (double)r->delivered : 0, r->delivered > 0, true);
    printf("}\n");
}

static int province_run(hl_cli_t *cli, const prov_opts_t *o)
{
    char **names = NULL;
    size_t n = 0;
    if (list_kiosks(o->dir, &names, &n) != HL_EXIT_OK) return HL_EXIT_FAIL;
    if (n == 0) {
        fprintf(stderr,
                "hailong-bench province: no kiosk in %s (a folder with %s each: run "
                "province-setup, then register them and write their configs; "
                "tests/support/bench_province.sh does it all)\n",
                o->dir, PROV_CONFIG);
        free(names);
        return HL_EXIT_FAIL;
    }
    if (!raise_nofile(n)) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return HL_EXIT_FAIL;
    }
    /* The survey the kiosks run, for their status (the setup's; optional). */
    hl_sync_kiosk_t snap = {.started_mono_ms = cli->sys.mono_ms(cli->sys.ctx)};
    if (cli->survey || hl_cli_load(cli) == HL_EXIT_OK) {
        snap.has_survey = true;
        snprintf(snap.survey_id, sizeof snap.survey_id, "%s", cli->survey->id);
        snap.survey_version = cli->survey->version;
        snprintf(snap.survey_sha256, sizeof snap.survey_sha256, "%s", cli->survey->sha256);
    }
    prov_run_t r = {.n = n};
    r.k = calloc(n, sizeof *r.k);
    r.heap = calloc(n, sizeof *r.heap);
    pthread_t *tids = calloc((size_t)o->threads, sizeof *tids);
    int exit_code = HL_EXIT_FAIL;
    hl_err_t err = {0};
    bool curl = false;
    if (!r.k || !r.heap || !tids) {
        fprintf(stderr, "hailong-bench province: out of memory\n");
        goto out;
    }
    if (hl_sync_global_init(&err) != HL_OK) {
        fprintf(stderr, "hailong-bench province: %s\n", err.msg);
        goto out;
    }
    curl = true;
    double t_open = hl_bench_now_s();
    long long pending0 = 0;
    uint64_t seed = (uint64_t)cli->sys.utc_ms(cli->sys.ctx) | 1;
    for (size_t i = 0; i < n; i++) {
        prov_kiosk_t *k = &r.k[i];
        int batch = 0, interval = 0;
        if (open_kiosk(cli, o, names[i], &snap, k, &batch, &interval, &err) != HL_OK) {
            fprintf(stderr, "hailong-bench province: kiosk %s: %s\n", names[i], err.msg);
            goto out;
        }
        pending0 += k->pending0;
        if (i == 0) {
            r.batch = batch;
            r.interval_s = interval;
        }
        k->rng = seed ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL);
        if (!k->rng) k->rng = 1;
        if ((i + 1) % 200 == 0 || i + 1 == n)
            fprintf(stderr, "province: opened %zu/%zu kiosks (%.1f s)\n", i + 1, n,
                    hl_bench_now_s() - t_open);
    }
    double open_s = hl_bench_now_s() - t_open;
    fprintf(stderr, "province: %zu kiosks, %lld responses pending, %ld threads%s%s\n", n, pending0,
            o->threads, o->url ? ", to " : "", o->url ? o->url : "");
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r.cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&r.mu, NULL);
    double cpu0 = cpu_s();
    r.t0 = hl_bench_now_s();
    int64_t start = mono_ms();
    for (size_t i = 0; i < n; i++) {
        prov_kiosk_t *k = &r.k[i];
        k->due_ms =
            start + (o->start_within > 0
                         ? (int64_t)(hl_bench_rng(&k->rng) % (uint64_t)(o->start_within * 1000))
                         : 0);
        heap_push(&r, k);
    }
    /* SIGINT, SIGTERM and SIGHUP end the run (requests in flight cut short):
     * blocked in every thread, taken by this one. */
    sigset_t sigs, old_sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, &old_sigs);
    long started = 0;
    for (; started < o->threads; started++)
        if (pthread_create(&tids[started], NULL, run_thread, &r) != 0) break;
    if (started == 0) {
        fprintf(stderr, "hailong-bench province: cannot start a thread\n");
        pthread_sigmask(SIG_SETMASK, &old_sigs, NULL);
        pthread_mutex_destroy(&r.mu);
        pthread_cond_destroy(&r.cv);
        goto out;
    }
    int sig = 0;
    pthread_mutex_lock(&r.mu);
    int64_t end = start + (o->duration_s ? o->duration_s : PROV_MAX_S) * 1000;
    int64_t next_note = start + PROV_PROGRESS_MS;
    while (!r.stop) {
        int64_t now = mono_ms();
        if (r.drained + r.stopped >= r.n && !o->duration_s) break;
        if (now >= end) break;
        if (now >= next_note) {
            fprintf(stderr,
                    "province: %.0f s: %lld delivered, %zu/%zu kiosks drained, %lld "
                    "requests, %lld failed\n",
                    (double)(now - start) / 1000.0, r.delivered, r.drained, r.n, r.requests,
                    r.failed);
            next_note += PROV_PROGRESS_MS;
        }
        int64_t until = next_note < end ? next_note : end;
        timed_wait(&r, until < now + 1000 ? until : now + 1000);
        struct timespec zero = {0, 0};
        if ((sig = sigtimedwait(&sigs, NULL, &zero)) > 0) {
            fprintf(stderr, "province: %s: stopping\n", strsignal(sig));
            for (size_t i = 0; i < n; i++)
                hl_sync_abort(r.k[i].sync);
            break;
        }
    }
    r.stop = true;
    double stopped_at = hl_bench_now_s();
    pthread_cond_broadcast(&r.cv);
    pthread_mutex_unlock(&r.mu);
    for (long i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    pthread_sigmask(SIG_SETMASK, &old_sigs, NULL);
    double cpu = cpu_s() - cpu0;
    double seconds =
        o->duration_s || r.last_delivery <= 0 ? stopped_at - r.t0 : r.last_delivery - r.t0;
    long long pending_after = 0;
    for (size_t i = 0; i < n; i++) {
        hl_store_sync_t ss;
        if (hl_store_sync_state(r.k[i].st, &ss, &err) == HL_OK) pending_after += ss.pending;
    }
    print_run(&r, o, seconds, open_s, cpu, pending0, pending_after);
    exit_code = sig > 0 ? HL_EXIT_FAIL : HL_EXIT_OK; /* stopped: the figures are partial */
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.cv);
out:
    for (size_t i = 0; r.k && i < n; i++) {
        hl_sync_free(r.k[i].sync);
        hl_store_close(r.k[i].st);
        free(r.k[i].dir);
    }
    if (curl) hl_sync_global_cleanup();
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(r.k);
    free(r.heap);
    free(tids);
    free(r.push_ms.v);
    free(r.commit_ms.v);
    free(r.del_t.v);
    free(r.del_cum.v);
    return exit_code;
}

/* ---- The command line ----------------------------------------------------------------- */

int hl_cli_bench_province(hl_cli_t *cli, int argc, char **argv)
{
    bool setup = !strcmp(argv[0], "province-setup");
    const char *dir = NULL, *url = NULL, *prefix = "bench";
    long count = 1000, responses = 300, threads = setup ? 2 : 64, duration = 0, within = 2,
         interval = 0, batch = 0;
    const hl_bench_count_t counts[] = {
        {"--count", 1, &count},       {"--responses", 1, &responses}, {"--threads", 1, &threads},
        {"--duration", 0, &duration}, {"--start-within", 0, &within}, {"--interval", 0, &interval},
        {"--batch", 0, &batch}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            fputs(province_usage, stdout);
            return HL_EXIT_OK;
        }
        const char **str = !strcmp(a, "--kiosks")            ? &dir
                           : !strcmp(a, "--url") && !setup   ? &url
                           : !strcmp(a, "--prefix") && setup ? &prefix
                                                             : NULL;
        if (str) {
            if (!v || !*v) {
                fprintf(stderr, "hailong-bench %s: %s needs a value\n%s", argv[0], a,
                        province_usage);
                return HL_EXIT_USAGE;
            }
            *str = v;
            i++;
            continue;
        }
        size_t k = 0;
        while (k < sizeof counts / sizeof counts[0] && strcmp(a, counts[k].flag) != 0)
            k++;
        /* setup: --count, --responses, --threads; the run: --threads and after */
        bool mine = k < sizeof counts / sizeof counts[0] && (setup ? k <= 2 : k >= 2);
        if (!mine) {
            fprintf(stderr, "hailong-bench %s: unknown option \"%s\"\n%s", argv[0], a,
                    province_usage);
            return HL_EXIT_USAGE;
        }
        int rc = hl_bench_parse_count(a, v, counts[k].min, province_usage, counts[k].out);
        if (rc != HL_EXIT_OK) return rc;
        i++;
    }
    if (!dir) {
        fprintf(stderr, "hailong-bench %s: --kiosks DIR is required\n%s", argv[0], province_usage);
        return HL_EXIT_USAGE;
    }
    if (threads > 4096 || count > 100000 || batch > HL_SYNC_BATCH_MAX ||
        (interval && interval < 1)) {
        fprintf(stderr, "hailong-bench %s: at most 4096 threads, 100000 kiosks, batch %d\n%s",
                argv[0], HL_SYNC_BATCH_MAX, province_usage);
        return HL_EXIT_USAGE;
    }
    if (setup) return province_setup(cli, dir, prefix, count, responses, threads);
    prov_opts_t o = {.dir = dir,
                     .url = url,
                     .threads = threads,
                     .duration_s = duration,
                     .start_within = within,
                     .interval_s = interval,
                     .batch = batch};
    return province_run(cli, &o);
}
