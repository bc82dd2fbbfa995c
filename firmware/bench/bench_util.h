/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_util.h: what the benchmarks share: a monotonic clock in seconds,
 * percentiles, the synthetic response generator and bulk loader (the same
 * data for `bench store` and `bench export`), the sqlite3 shell runner, and
 * small output and option helpers. Benchmarks print figures; they never pass
 * or fail on them.
 */
#ifndef HL_BENCH_UTIL_H
#define HL_BENCH_UTIL_H

#include "cli.h"
#include "hl_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_BENCH_SHELL "/usr/bin/sqlite3" /* the shell the exports are compared with */
#define HL_BENCH_BATCH 10000              /* synthetic responses per transaction */

/* CLOCK_MONOTONIC in seconds. */
double hl_bench_now_s(void);

/* Sorts v (n values) in place and returns the nearest-rank p-th percentile
 * (0 for an empty array). */
double hl_bench_percentile(double *v, size_t n, double p);

/* xorshift64: the benchmarks' deterministic random numbers (*s non-zero). */
uint64_t hl_bench_rng(uint64_t *s);

/* A value valid for the question's type (hl_survey.h text forms). */
void hl_bench_value(const hl_question_t *q, uint64_t *rng, char out[HL_VALUE_MAX]);

/* Saves one answer: hl_store_save, or a benchmark's timed wrapper of it. */
typedef int (*hl_bench_save_fn)(void *ctx, hl_store_t *st, hl_response_t *r, const hl_save_t *sv,
                                hl_err_t *err);

/* Saves one response: 5..8 answers (at most the survey's questions) in
 * survey order, one save each through save (NULL: hl_store_save), the last
 * one finishing it with status end. */
int hl_bench_response(hl_store_t *st, const hl_survey_t *s, const hl_sys_t *sys, uint64_t *rng,
                      int64_t started, hl_resp_status_t end, hl_bench_save_fn save, void *ctx,
                      hl_err_t *err);

/* Creates the store in dir and bulk-loads m synthetic responses of the
 * active survey (9 in 10 complete) in batches of HL_BENCH_BATCH, always the
 * same answers; response ids from id_seed (the same ids each time), or
 * truly random with 0 (a server that keeps ids unique sees new responses);
 * with officers > 0, each batch is served by the next of off_0..off_N-1 (0:
 * nobody on duty); progress lines on stderr start with label. */
int hl_bench_load(hl_cli_t *cli, const char *dir, long m, uint64_t id_seed, int officers,
                  const char *label, hl_err_t *err);

/* Runs HL_BENCH_SHELL -csv -newline CRLF db sql with stdout to out_path;
 * seconds, or -1 on failure. */
double hl_bench_shell(const char *db, const char *sql, const char *out_path);

/* mkdir -p. 0 or -1 with errno. */
int hl_bench_make_dirs(const char *dir);

struct hl_cli;

/* What every storage benchmark does before it starts: resolves the data
 * directory (unless dir is given), loads the config and survey, keeps the
 * heap during bulk loads, and makes a fresh PREFIX-XXXXXX folder under dir
 * (or the data directory) into root. Prints what failed; returns an exit code. */
int hl_bench_prepare(struct hl_cli *cli, const char *dir, const char *prefix, char *root,
                     size_t root_size);

/* Prints "key":v (3 decimals) or "key":null, with a comma unless last. */
void hl_bench_json_num(const char *key, double v, bool valid, bool last);

/* Prints s as a JSON string (quotes, backslashes and controls escaped). */
void hl_bench_json_str(const char *s);

/* Parses a count from min to 100,000,000 for option flag; on error prints
 * a message with usage and returns HL_EXIT_USAGE. */
int hl_bench_parse_count(const char *flag, const char *v, long min, const char *usage, long *out);

/* A whole-number option of a storage benchmark: --flag N, from min. */
typedef struct hl_bench_count {
    const char *flag;
    long min;
    long *out;
} hl_bench_count_t;

#define HL_BENCH_HELP (-1) /* hl_bench_args: --help was given and usage printed */

/* The options every storage benchmark takes: its counts, --dir DIR, --keep
 * and --help. Parses argv[first..]; an unknown option is refused naming
 * the benchmark (name) with usage. HL_EXIT_OK, HL_EXIT_USAGE or
 * HL_BENCH_HELP. */
int hl_bench_args(int argc, char **argv, int first, const char *name, const char *usage,
                  const hl_bench_count_t *counts, size_t n_counts, const char **dir, bool *keep);

/* The benchmarks (argv[0] is the benchmark's name). */
int hl_cli_bench(hl_cli_t *cli, int argc, char **argv);
int hl_cli_bench_ui(hl_cli_t *cli, int argc, char **argv);
int hl_cli_bench_export(hl_cli_t *cli, int argc, char **argv);
int hl_cli_bench_results(hl_cli_t *cli, int argc, char **argv);
int hl_cli_bench_sync(hl_cli_t *cli, int argc, char **argv);
int hl_cli_bench_access(hl_cli_t *cli, int argc, char **argv);

#endif
