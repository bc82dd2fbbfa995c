/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_store_bench.h: what only the benchmarks ask of the store, kept out of
 * hl_store.h (the kiosk's API).
 */
#ifndef HL_STORE_BENCH_H
#define HL_STORE_BENCH_H

#include "hl_store.h"

/* The SQL that yields the CSV export's columns (without the header) for
 * survey_id, as the sqlite3 shell would run it; for the benchmark that
 * compares our exporter with the shell. *sql is malloc'd. */
int hl_store_export_sql(hl_store_t *st, const char *survey_id, char **sql, hl_err_t *err);

#endif
