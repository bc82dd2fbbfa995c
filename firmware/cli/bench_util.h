/*
 * bench_util.h: what the benchmarks share: a monotonic clock in seconds and
 * percentiles. Benchmarks print figures; they never pass or fail on them.
 */
#ifndef HL_BENCH_UTIL_H
#define HL_BENCH_UTIL_H

#include <stddef.h>

/* CLOCK_MONOTONIC in seconds. */
double hl_bench_now_s(void);

/* Sorts v (n values) in place and returns the nearest-rank p-th percentile
 * (0 for an empty array). */
double hl_bench_percentile(double *v, size_t n, double p);

#endif
