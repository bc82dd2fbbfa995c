/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_export.h: result files written from the store.
 *
 * CSV (RFC 4180: CRLF, quotes doubled; UTF-8 with a BOM so that Excel shows
 * Vietnamese correctly). Columns: response_id, seq, kiosk_id, survey_id,
 * survey_version, language, started_at, finished_at, status, clock_trusted,
 * officer_id, counter (empty: none on duty), then one column per question id
 * (hl_store_survey_columns). A file is
 * written to a temporary name in the same folder, fsync'd, renamed over the
 * target and the folder fsync'd: a reader sees the old file or the new one,
 * never half of one.
 */
#ifndef HL_EXPORT_H
#define HL_EXPORT_H

#include "hl_err.h"
#include "hl_fdbuf.h"
#include "hl_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_export_result {
    int64_t rows;  /* responses written */
    int64_t bytes; /* size of the file */
    int n_columns; /* columns in the header */
} hl_export_result_t;

/* Writes the CSV of survey_id to out_path atomically. res may be NULL. */
int hl_export_csv(hl_store_t *st, const char *survey_id, const char *out_path,
                  hl_export_result_t *res, hl_err_t *err);

/* Writes the same CSV (rows with after_seq < seq <= max_seq; 0 and INT64_MAX
 * for all) to fd, an
 * open file, at its current offset, without syncing or renaming: for writers
 * that make the file themselves (the result bundle). name is used in
 * messages. res may be NULL. */
int hl_export_csv_fd(hl_store_t *st, const char *survey_id, int64_t after_seq, int64_t max_seq,
                     int fd, const char *name, hl_export_result_t *res, hl_err_t *err);

#endif
