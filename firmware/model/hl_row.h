/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_row.h: one stored response as the store hands it out (hl_row_t), and
 * its JSON object: the lossless form of the JSON Lines file and the sync,
 * and the canonical content its chain value covers (hl_store.h, "Tamper
 * evidence"). Below the store, which chains rows with it, and the exporters
 * and the sync, which write them.
 */
#ifndef HL_ROW_H
#define HL_ROW_H

#include "hl_fdbuf.h"
#include "hl_response.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_row {
    int64_t seq;
    const char *uuid;
    const char *kiosk_id;
    const char *survey_id;
    int64_t survey_version;
    const char *survey_sha256;
    const char *lang; /* "vi", "en" */
    int64_t started_utc_ms;
    int64_t finished_utc_ms; /* -1 when not finished */
    hl_resp_status_t status;
    bool clock_trusted;
    const char *officer_id; /* officer on duty when it started, NULL: none */
    const char *counter;    /* counter name then, NULL: none */
    const char *suspect;    /* fair counting's flag ("min_interval", "max_per_hour"), NULL */
    const char *followup;   /* the follow-up code (hl_response.h), NULL: none (schema 8) */
    const char *chain;      /* hex chain value (finished responses; SHA-256, or HMAC-SHA256
                               before schema 6), NULL while in progress */
    const char *prev_chain; /* the chain value it follows (64 zeros for the first), NULL while
                               in progress */
    const char *chain_sig;  /* the device key's signature of chain (hl_devkey.h), NULL: none
                               (in progress, or chained before schema 6) */
    size_t n_answers;
    const char *const *qids;   /* n_answers question ids, sorted by id */
    const char *const *values; /* their values */
    const int64_t *ms;         /* ms since the response started */
} hl_row_t;

/* Appends one response's JSON Lines object (without the line break) to o:
 * the lossless JSON form, shared by the files and the network sync. False
 * when o fails (its write_errno says why). */
bool hl_jsonl_put_row(hl_fdbuf_t *o, const hl_row_t *r);

/* The same object without "chain" and "prev_chain": the canonical content
 * the response's chain value covers (hl_store.h, "Tamper evidence"). */
bool hl_jsonl_put_row_canonical(hl_fdbuf_t *o, const hl_row_t *r);

/* A question column of an export, sorted by id to meet a row's answers. */
typedef struct hl_row_col {
    const char *qid; /* not owned */
    size_t index;    /* position among the question columns */
} hl_row_col_t;

/* Sorts n columns by id (for hl_row_cells). */
void hl_row_cols_sort(hl_row_col_t *cols, size_t n);

/* Puts each answer of r in its column: cells[col.index] = its value (NULL
 * where r has none); cols sorted by hl_row_cols_sort, cells n entries. */
void hl_row_cells(const hl_row_t *r, const hl_row_col_t *cols, size_t n, const char **cells);

#endif
