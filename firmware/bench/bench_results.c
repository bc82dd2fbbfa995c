/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_results.c: `hailong-bench results`, the technician's results page
 * on a large store.
 *
 * Bulk-loads N synthetic responses (default 1,000,000, about 90 s apart:
 * some three years; hl_bench_load) served in turn by ten officers, into a fresh store
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

int hl_cli_bench_results(hl_cli_t *cli, int argc, char **argv)
{
    long n = 1000000;
    const char *dir = NULL;
    bool keep = false;
    const hl_bench_count_t counts[] = {{"--responses", 1, &n}};
    int ec = hl_bench_args(argc, argv, 1, "hailong-bench results", results_usage, counts, 1, &dir,
                           &keep);
    if (ec != HL_EXIT_OK) return ec == HL_BENCH_HELP ? HL_EXIT_OK : ec;
    char root[4096];
    ec = hl_bench_prepare(cli, dir, "bench-results", root, sizeof root);
    if (ec != HL_EXIT_OK) return ec;
    hl_err_t err = {0};
    int rc = hl_bench_load(cli, root, n, 42, 10, "bench results", &err);
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
                rc = hl_results_compute(st, cli->survey, (hl_period_t)p, o ? "off_3" : NULL,
                                        cli->cfg.officers, cli->cfg.n_officers, day, tz, res, &err);
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
