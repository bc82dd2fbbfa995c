/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_results.c: `hailong-bench results`, the technician's results page
 * on a large store.
 *
 * Bulk-loads N synthetic responses (default 1,000,000, about 90 s apart:
 * some three years) served in turn by ten officers, into a fresh store
 * under the data directory (or --dir), reopens it as the kiosk would, then
 * times hl_results_compute, which is all the page waits for, for each period
 * (today, the last 7 days, all) for all officers and for one, five times
 * each. Prints one JSON line: the median and the maximum per period and
 * "ready_ms", the slowest median (the page is ready when its numbers are).
 * The store's first open after the load (the tally is kept as responses
 * finish) is timed too.
 */
#include "bench_util.h"
#include "cli.h"
#include "hl_platform.h"
#include "hl_results.h"
#include "hl_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char results_usage[] =
    "usage: hailong-bench results [--responses N] [--dir DIR] [--keep]\n"
    "Times the technician's results page (hl_results_compute) on a store of N synthetic\n"
    "responses (default 1000000) served by ten officers, for today, the last 7 days and all\n"
    "time, all officers and one; prints one JSON line (medians and maxima in ms).\n"
    "  --dir DIR  make the bench-results-XXXXXX folder under DIR instead of the data directory\n"
    "  --keep     keep the folder\n";

#define RESULTS_RUNS 5

/* Loads m responses, officer off_0..off_9 in turn per batch of 1000. */
static int load(hl_cli_t *cli, const char *dir, long m, hl_err_t *err)
{
    hl_store_t *st = NULL;
    int rc = hl_store_open(dir, NULL, &st, NULL, err);
    if (rc == HL_OK) rc = hl_store_use_survey(st, cli->survey, cli->cfg.kiosk_id, err);
    hl_fakesys_t fake;
    hl_fakesys_init(&fake, 0, true, 42);
    hl_sys_t sys = hl_fakesys_sys(&fake);
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    int64_t t = cli->sys.utc_ms(cli->sys.ctx) - (int64_t)m * 90000;
    double t0 = hl_bench_now_s();
    for (long i = 0; rc == HL_OK && i < m; i += 1000) {
        char officer[16];
        snprintf(officer, sizeof officer, "off_%ld", (i / 1000) % 10);
        rc = hl_store_set_duty(st, officer, "Quầy 1", err);
        if (rc == HL_OK) rc = hl_store_batch_begin(st, err);
        for (long j = i; rc == HL_OK && j < m && j < i + 1000; j++) {
            t += 30000 + (int64_t)(hl_bench_rng(&rng) % 120000);
            hl_resp_status_t end = hl_bench_rng(&rng) % 10 ? HL_RESP_COMPLETE : HL_RESP_PARTIAL;
            rc = hl_bench_response(st, cli->survey, &sys, &rng, t, end, NULL, NULL, err);
        }
        if (rc == HL_OK) rc = hl_store_batch_end(st, err);
        long done = i + 1000 < m ? i + 1000 : m;
        if (done % 100000 == 0 || done == m)
            fprintf(stderr, "bench results: loaded %ld/%ld responses (%.1f s)\n", done, m,
                    hl_bench_now_s() - t0);
    }
    hl_store_close(st);
    return rc;
}

int hl_cli_bench_results(hl_cli_t *cli, int argc, char **argv)
{
    long n = 1000000;
    const char *dir = NULL;
    bool keep = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            fputs(results_usage, stdout);
            return HL_EXIT_OK;
        } else if (!strcmp(a, "--responses")) {
            int rc = hl_bench_parse_count(a, v, 1, results_usage, &n);
            if (rc != HL_EXIT_OK) return rc;
            i++;
        } else if (!strcmp(a, "--dir") && v && *v) {
            dir = v;
            i++;
        } else if (!strcmp(a, "--keep")) {
            keep = true;
        } else {
            fprintf(stderr, "hailong-bench results: unknown option \"%s\"\n%s", a, results_usage);
            return HL_EXIT_USAGE;
        }
    }
    char root[4096];
    int ec = hl_bench_prepare(cli, dir, "bench-results", root, sizeof root);
    if (ec != HL_EXIT_OK) return ec;
    hl_err_t err = {0};
    int rc = load(cli, root, n, &err);
    hl_store_t *st = NULL;
    double open_ms = 0;
    if (rc == HL_OK) {
        double t0 = hl_bench_now_s();
        rc = hl_store_open(root, NULL, &st, NULL, &err);
        open_ms = (hl_bench_now_s() - t0) * 1000.0;
    }
    hl_results_t *res = calloc(1, sizeof *res);
    if (rc == HL_OK && !res) rc = hl_err_set(&err, HL_ERR_NOMEM, "out of memory");
    int64_t now = cli->sys.utc_ms(cli->sys.ctx);
    int64_t day = hl_platform_day_start_ms(now);
    int64_t tz = hl_platform_tz_offset_ms(now);
    static const char *const period_names[HL_PERIOD_COUNT] = {"today", "week", "all"};
    double med[HL_PERIOD_COUNT][2] = {{0}}, max[HL_PERIOD_COUNT][2] = {{0}};
    int64_t seen[HL_PERIOD_COUNT] = {0};
    double ready = 0;
    for (int p = 0; rc == HL_OK && p < HL_PERIOD_COUNT; p++) {
        for (int o = 0; rc == HL_OK && o < 2; o++) {
            double ms[RESULTS_RUNS];
            for (int r = 0; rc == HL_OK && r < RESULTS_RUNS; r++) {
                double t0 = hl_bench_now_s();
                rc = hl_results_compute(st, cli->survey, (hl_period_t)p, o ? "off_3" : NULL, day,
                                        tz, res, &err);
                ms[r] = (hl_bench_now_s() - t0) * 1000.0;
            }
            if (rc != HL_OK) break;
            if (!o) seen[p] = res->counts.responses;
            max[p][o] = 0;
            for (int r = 0; r < RESULTS_RUNS; r++)
                if (ms[r] > max[p][o]) max[p][o] = ms[r];
            med[p][o] = hl_bench_percentile(ms, RESULTS_RUNS, 50);
            if (med[p][o] > ready) ready = med[p][o];
        }
    }
    free(res);
    hl_store_close(st);
    if (!keep) hl_platform_rmtree(root, NULL);
    if (rc != HL_OK) {
        fprintf(stderr, "hailong-bench results: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    printf("{\"bench\":\"results\",\"responses\":%ld,", n);
    hl_bench_json_num("first_open_ms", open_ms, true, false);
    for (int p = 0; p < HL_PERIOD_COUNT; p++) {
        char key[64];
        printf("\"%s_responses\":%lld,", period_names[p], (long long)seen[p]);
        snprintf(key, sizeof key, "%s_all_p50_ms", period_names[p]);
        hl_bench_json_num(key, med[p][0], true, false);
        snprintf(key, sizeof key, "%s_all_max_ms", period_names[p]);
        hl_bench_json_num(key, max[p][0], true, false);
        snprintf(key, sizeof key, "%s_officer_p50_ms", period_names[p]);
        hl_bench_json_num(key, med[p][1], true, false);
    }
    hl_bench_json_num("ready_ms", ready, true, true);
    printf("}\n");
    return HL_EXIT_OK;
}
