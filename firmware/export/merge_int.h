/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * merge_int.h: what the merge's two files share (hl_merge.c finds, verifies
 * and reconciles the bundles; hl_merge_write.c writes the merged folder):
 * the place of each row. Nothing outside firmware/export includes it.
 */
#ifndef HL_MERGE_INT_H
#define HL_MERGE_INT_H

#include "hl_merge.h"
#include "bundle_int.h"

#include <openssl/sha.h>

/* One row of a verified bundle: where it is and what it says. */
typedef struct mrow {
    uint32_t bundle;                   /* index in res->bundles */
    uint32_t kiosk;                    /* index in res->kiosks (set once all are read) */
    int64_t seq;                       /* its seq */
    int64_t off;                       /* its line's offset in responses.jsonl */
    uint32_t len;                      /* its line's length, without the line break */
    char id[HL_UUID_LEN + 1];          /* response_id */
    unsigned char sha[32];             /* SHA-256 of the line */
    unsigned char chain[32], prev[32]; /* chain and prev_chain */
    bool has_chain, has_prev;          /* each not null */
    enum { ROW_KEEP = 0, ROW_DUP, ROW_CONFLICT } fate; /* kept, a copy, in dispute */
} mrow_t;

/* The rows of every verified bundle. */
typedef struct rows {
    mrow_t *r;     /* sorted by kiosk, seq, bundle once all are read */
    size_t n, cap; /* used, allocated */
} rows_t;

/* "dir/name" into out; false when it does not fit. */
bool merge_join(char *out, size_t size, const char *dir, const char *name);

/* out_dir/responses.jsonl: the kept rows re-read from their bundles, each
 * checked against the digest taken when it was verified; atomically. Once
 * all are written, before the file replaces the old one, an earlier
 * merge's merge.json is removed. */
int merge_write_rows(const hl_merge_result_t *res, const rows_t *rows, const char *out_dir,
                     hl_err_t *err);

/* out_dir/merge.json (hl_merge.h), atomically: written last. */
int merge_write_summary(const hl_merge_opts_t *o, const hl_merge_result_t *res, hl_err_t *err);

#endif
