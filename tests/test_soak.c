/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_soak.c: the soak (issue 7, "Soak"): many scripted respondent sessions
 * in one process, flow and store wired as the kiosk wires them (the store as
 * the flow's sink, the kiosk's page cache), on the fake clock.
 *
 * Each session answers the bundled survey (assets/surveys/sipas-mot-cua.json)
 * with random (seeded) values through hl_flow's API: sometimes it skips,
 * goes back, changes language or walks away (kept as partial). After a
 * warm-up (the first 10 %) the test measures and checks:
 *   - the memory the program holds (malloc's bytes in use, mallinfo2)
 *     grows by less than 1 MiB, and resident memory (VmRSS) by less than
 *     8 MiB (asserted only without AddressSanitizer, whose quarantine holds
 *     freed memory on purpose: the figures are printed either way). The
 *     heap is the exact measure and the same under qemu user mode (the arm64
 *     run), whose own translation cache grows the process's RSS by a few
 *     MiB as new code runs; RSS still catches what malloc does not see;
 *   - the number of open file descriptors (/proc/self/fd) does not grow;
 *   - the -wal file stays within a sensible bound (4 MiB: the store's
 *     journal_size_limit is 1 MiB, HL_STORE_WAL_LIMIT in store_int.h, and the
 *     file may exceed it by one checkpoint's worth between checkpoints);
 *   - the time per session does not drift: the median of the last 10 % of
 *     sessions against the first 10 % after the warm-up, printed, never
 *     asserted (a time measured on a shared machine, under qemu in the arm64
 *     run, is noise: the figure is for people; HL_SOAK_DRIFT_MAX=3 asserts
 *     it in a quiet full run, tests/reliability.sh).
 * Every session's outcome is counted and compared with the store's totals.
 * The figures are printed as one JSON line.
 *
 * Size: HL_SOAK_SESSIONS (default 5,000: CI) and HL_SOAK_SEED; the full run
 * (100,000 sessions) is tests/reliability.sh.
 */
#include "hl_config.h"
#include "hl_flow.h"
#include "hl_store.h"
#include "hl_survey.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <dirent.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifndef SOAK_ASAN
#define SOAK_ASAN 0
#endif

#define SOAK_CACHE_KIB 2048 /* the kiosk's writer cache (HL_KIOSK_CACHE_KIB in kiosk.h) */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* malloc's bytes in use (arenas and mmapped blocks), in KiB. */
static long heap_kib(void)
{
    struct mallinfo2 m = mallinfo2();
    return (long)((m.uordblks + m.hblkhd) / 1024);
}

/* VmRSS in KiB, -1 when unknown. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

/* Open file descriptors (entries of /proc/self/fd, the listing's own excluded). */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t median(int64_t *v, size_t n)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    return v[n / 2];
}

typedef struct soak {
    const hl_survey_t *s;
    hl_flow_t flow;
    hl_fakesys_t clock;
    unsigned rng;
    hl_err_t err;
    long failures; /* steps the flow refused or the store failed: none expected */
} soak_t;

/* Lets ms pass on the fake clock, firing the flow's timeouts on the way. */
static void soak_wait(soak_t *x, int64_t ms)
{
    int64_t target = x->clock.mono_ms + ms;
    for (;;) {
        int64_t due = hl_flow_deadline(&x->flow);
        if (due < 0 || due > target) break;
        if (due > x->clock.mono_ms) hl_fakesys_advance(&x->clock, due - x->clock.mono_ms);
        if (hl_flow_tick(&x->flow, &x->err) != HL_OK) x->failures++;
    }
    if (target > x->clock.mono_ms) hl_fakesys_advance(&x->clock, target - x->clock.mono_ms);
}

/* Answers the current question with a random valid value. */
static int soak_answer(soak_t *x)
{
    const hl_question_t *q = &x->s->questions[x->flow.cur];
    char buf[8][40];
    const char *vals[8];
    size_t n = 1;
    vals[0] = buf[0];
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
        snprintf(buf[0], sizeof buf[0], "%s",
                 q->options[hl_fixture_rnd(&x->rng, (unsigned)q->n_options)].id);
        break;
    case HL_Q_MULTI: {
        /* A random selection of 1..max_choices distinct options. */
        n = 0;
        int k = 1 + (int)hl_fixture_rnd(&x->rng, (unsigned)q->max_choices);
        for (size_t o = 0; o < q->n_options && (int)n < k && n < 8; o++) {
            if (hl_fixture_rnd(&x->rng, 2) && o + 1 < q->n_options) continue;
            vals[n] = q->options[o].id;
            n++;
        }
        break;
    }
    case HL_Q_STARS:
        snprintf(buf[0], sizeof buf[0], "%u", 1 + hl_fixture_rnd(&x->rng, 5));
        break;
    case HL_Q_NPS:
        snprintf(buf[0], sizeof buf[0], "%u", hl_fixture_rnd(&x->rng, 11));
        break;
    case HL_Q_YESNO:
        snprintf(buf[0], sizeof buf[0], "%s", hl_fixture_rnd(&x->rng, 2) ? "yes" : "no");
        break;
    default: {
        int d = q->min_digits +
                (int)hl_fixture_rnd(&x->rng, (unsigned)(q->max_digits - q->min_digits + 1));
        for (int i = 0; i < d; i++)
            buf[0][i] = (char)('0' + hl_fixture_rnd(&x->rng, 10));
        buf[0][d] = '\0';
        break;
    }
    }
    int rc = hl_flow_answer(&x->flow, q->id, vals, n, &x->err);
    if (rc == HL_OK && !hl_qtype_auto_advance(q->type)) rc = hl_flow_next(&x->flow, &x->err);
    return rc;
}

/* One citizen, start screen to start screen. Returns true when complete. */
static bool soak_session(soak_t *x)
{
    if (hl_fixture_rnd(&x->rng, 5) == 0 && hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err) != HL_OK)
        x->failures++;
    for (int guard = 0; guard < 60 && x->flow.state != HL_STATE_THANKS; guard++) {
        if (x->flow.started && hl_fixture_rnd(&x->rng, 20) == 0) {
            soak_wait(x, 45000); /* walks away: partial */
            return false;
        }
        if (x->flow.started && hl_fixture_rnd(&x->rng, 15) == 0 &&
            hl_flow_back(&x->flow, &x->err) == HL_OK)
            continue;
        const hl_question_t *q = &x->s->questions[x->flow.cur];
        if (!q->required && hl_fixture_rnd(&x->rng, 5) == 0) {
            if (hl_flow_skip(&x->flow, &x->err) != HL_OK) x->failures++;
            continue;
        }
        if (soak_answer(x) != HL_OK) {
            x->failures++;
            break;
        }
        soak_wait(x, 300 + hl_fixture_rnd(&x->rng, 4000));
    }
    bool complete = x->flow.state == HL_STATE_THANKS;
    soak_wait(x, 6000 + hl_fixture_rnd(&x->rng, 10000)); /* thanks, then the next one comes */
    if (x->flow.state != HL_STATE_START) x->failures++;
    return complete;
}

static void test_a_long_soak_keeps_memory_fds_wal_and_session_time_flat(void)
{
    long sessions = hl_fixture_env_long("HL_SOAK_SESSIONS", 5000);
    unsigned seed = (unsigned)hl_fixture_env_long("HL_SOAK_SEED", 11);
    if (sessions < 100) sessions = 100;
    hl_fixture_ram_disk();
    char *dir = hl_test_tmpdir("soak");
    char wal[600], survey_path[600];
    snprintf(wal, sizeof wal, "%s/%s-wal", dir, HL_STORE_FILE);
    snprintf(survey_path, sizeof survey_path, "%s/assets/surveys/sipas-mot-cua.json",
             HL_SOURCE_DIR);
    soak_t *x = calloc(1, sizeof *x);
    x->rng = seed;
    hl_survey_t *s = hl_fixture_survey(survey_path);
    x->s = s;
    hl_config_t cfg;
    hl_config_defaults(&cfg, "k-soak");
    hl_fakesys_init(&x->clock, 1795766400000LL, true, seed);
    hl_store_t *st = NULL;
    /* The kiosk's 2 MiB page cache fills as the database grows (about
     * 3,700 sessions): memory is measured once it is full, so a CI-sized
     * run uses a 512 KiB cache that fills within its warm-up. */
    int cache_kib = sessions >= 50000 ? SOAK_CACHE_KIB : 512;
    hl_store_opts_t so = {.cache_kib = cache_kib};
    CHECK_INT(hl_store_open(dir, &so, &st, NULL, &x->err), HL_OK);
    CHECK_INT(hl_store_use_survey(st, s, cfg.kiosk_id, &x->err), HL_OK);
    CHECK_INT(hl_flow_init(&x->flow, s, &cfg.timeouts, hl_fakesys_sys(&x->clock), hl_store_sink(st),
                           &x->err),
              HL_OK);
    int64_t *ns = calloc((size_t)sessions, sizeof *ns);
    long warm = sessions / 10, complete = 0, partial = 0;
    char dbpath[600];
    snprintf(dbpath, sizeof dbpath, "%s/%s", dir, HL_STORE_FILE);
    long rss0 = 0, fds0 = 0, rss_max = 0, heap0 = 0, heap_max = 0;
    long long wal_max = 0;
    int64_t t0 = now_ns();
    for (long i = 0; i < sessions; i++) {
        /* The warm-up lasts a tenth of the run, and until the database
         * outgrows twice the page cache (so the cache is full). */
        if (i == warm && file_size(dbpath) < 2048LL * cache_kib && warm < sessions / 2) warm++;
        if (i == warm) {
            rss0 = rss_kib();
            heap0 = heap_kib();
            fds0 = open_fds();
        }
        int64_t a = now_ns();
        if (soak_session(x))
            complete++;
        else
            partial++;
        ns[i] = now_ns() - a;
        long long w = file_size(wal);
        if (w > wal_max) wal_max = w;
        if (i >= warm && (i & 255) == 0) {
            long r = rss_kib(), h = heap_kib();
            if (r > rss_max) rss_max = r;
            if (h > heap_max) heap_max = h;
        }
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    long rss1 = rss_kib(), fds1 = open_fds();
    if (rss1 > rss_max) rss_max = rss1;
    long heap1 = heap_kib();
    if (heap1 > heap_max) heap_max = heap1;
    /* Drift: the first and last tenth after the warm-up. */
    size_t tenth = (size_t)(sessions - warm) / 10;
    int64_t first = median(ns + warm, tenth);
    int64_t last = median(ns + sessions - tenth, tenth);
    double ratio = first > 0 ? (double)last / (double)first : 0;

    hl_store_stats_t stats;
    CHECK_INT(hl_store_stats(st, &stats, &x->err), HL_OK);
    CHECK_INT(stats.complete, complete);
    CHECK_INT(stats.partial, partial);
    CHECK_INT(stats.in_progress, 0);
    CHECK_INT(x->failures, 0);
    fprintf(stderr,
            "{\"suite\": \"soak\", \"sessions\": %ld, \"complete\": %ld, \"partial\": %ld, "
            "\"answers\": %lld, \"seconds\": %.1f, \"rss_kib_after_warmup\": %ld, "
            "\"rss_kib_end\": %ld, \"rss_kib_max\": %ld, \"rss_growth_kib\": %ld, "
            "\"fds_after_warmup\": %ld, \"fds_end\": %ld, \"wal_max_bytes\": %lld, "
            "\"db_bytes\": %lld, \"median_us_first_tenth\": %.1f, \"median_us_last_tenth\": %.1f, "
            "\"drift_ratio\": %.2f, \"heap_kib_after_warmup\": %ld, \"heap_growth_kib\": %ld, "
            "\"asan\": %s}\n",
            sessions, complete, partial, (long long)stats.answers, secs, rss0, rss1, rss_max,
            rss_max - rss0, fds0, fds1, wal_max, (long long)stats.db_bytes, (double)first / 1e3,
            (double)last / 1e3, ratio, heap0, heap_max - heap0, SOAK_ASAN ? "true" : "false");
    if (!SOAK_ASAN) CHECK(heap_max - heap0 < 1024);
    if (!SOAK_ASAN) CHECK(rss_max - rss0 < 8192);
    CHECK(fds1 <= fds0);
    CHECK(wal_max <= 4LL * 1024 * 1024);
    const char *drift_max = getenv("HL_SOAK_DRIFT_MAX");
    if (drift_max && *drift_max) CHECK(ratio < atof(drift_max));

    hl_flow_free(&x->flow);
    hl_store_close(st);
    free(ns);
    free(x);
    hl_config_free(&cfg);
    hl_survey_free(s);
    hl_test_rmtree(dir);
    free(dir);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_long_soak_keeps_memory_fds_wal_and_session_time_flat),
};

HL_TEST_MAIN(tests)
