/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_xlsx.h: the Excel workbook of results (responses.xlsx), for the
 * province's staff who open results in Excel.
 *
 * Per survey id, two sheets, and a third when it has a text question:
 *   "<id>"          one row per response: response id, sequence number,
 *                   kiosk id, survey version, language, start and end (real
 *                   date-time cells in LOCAL time, "yyyy-mm-dd hh:mm:ss",
 *                   the zone named in the header: "Bắt đầu (UTC+07:00)"),
 *                   status, fair counting's flag, clock trusted (a boolean),
 *                   officer id, counter (headers, status, flag and language
 *                   in words of the survey's default language, vi or en),
 *                   then two columns per question
 *                   (the union over stored versions, newest order): headed
 *                   by the question's text (its id if the newest version has
 *                   no such question), the human label in the survey's
 *                   default language (multi: labels joined by "; "; stars
 *                   and nps as numbers; number answers as text, so "0042"
 *                   stays "0042"; a text answer as it was typed), and
 *                   "<qid>_code" with the stored code (empty for text).
 *                   Header row frozen, wrapped, as tall as its texts. The
 *                   columns for machines (response id, kiosk, survey
 *                   version, clock trusted, the codes) are grouped and
 *                   collapsed ("+" shows them): on screen and on paper the
 *                   sheet shows words.
 *   "<id> summary"  totals, the satisfaction rate (share of the two best
 *                   levels of the first smiley question among responses that
 *                   answered it), count and share of answered responses per
 *                   question and option, and complete/partial responses per
 *                   LOCAL day (date cells), labels in the survey's language.
 *   "Góp ý"         ("Comments" in an English survey; "~2" for a second
 *                   survey) one row per answer to a text question: when it
 *                   was written (local), the response's number, counter,
 *                   officer, the rating that came with it (the response's
 *                   answer to the first smiley, stars or nps question, as
 *                   its label), the question when there are several, and
 *                   the comment byte for byte, wrapped, each row as tall as
 *                   its text (hl_xlsx_comments.c).
 * Every sheet prints landscape on A4, fitted to the page width, its first
 * row repeated on each page, "Trang N/M" (page N of M) in the footer.
 * The CSV and JSONL keep UTC; only this workbook, read by people, is local.
 * Sheet names are cut to Excel's 31 characters and made unique ("~2").
 * Labels come from the newest stored version of each survey; a question or
 * option it no longer has shows its code as the label.
 *
 * The workbook is written by libxlsxwriter in constant-memory mode (memory
 * does not grow with the number of responses; its scratch files live in
 * the target's folder) to a temporary name next to the target, fsync'd,
 * renamed over the target and the folder fsync'd: a reader sees the old file
 * or the new one, never half of one; a failed export leaves the old file.
 */
#ifndef HL_XLSX_H
#define HL_XLSX_H

#include "hl_err.h"
#include "hl_export.h"
#include "hl_store.h"

/* The local time zone of the workbook: offset_ms(utc_ms) is local time
 * minus UTC at that moment (hl_platform_tz_offset_ms: the process's TZ, as
 * opening hours and the technician's "today" use); the headers name the
 * offset at now_utc_ms (Viet Nam: UTC+07:00, no daylight saving). A NULL
 * zone or offset_ms: UTC. */
typedef struct hl_xlsx_zone {
    int64_t (*offset_ms)(int64_t utc_ms); /* local - UTC in ms at utc_ms, or NULL */
    int64_t now_utc_ms;                   /* the export's time: the headers' offset */
} hl_xlsx_zone_t;

/* Writes the workbook of survey_id (NULL: every survey that has responses,
 * in the order of their first response) to out_path atomically. res may be
 * NULL; res->rows counts responses, res->n_columns the columns of the
 * response sheets (summed over surveys), res->bytes the file size.
 * Errors: HL_ERR_NOT_FOUND (no version of survey_id stored), HL_ERR_USAGE
 * (a folder or empty path), HL_ERR_FULL, HL_ERR_READONLY, HL_ERR_IO (the
 * message names out_path and says what to do), HL_ERR_NOMEM, or the store's
 * error while reading. */
int hl_export_xlsx(hl_store_t *st, const char *survey_id, const char *out_path,
                   const hl_xlsx_zone_t *zone, hl_export_result_t *res, hl_err_t *err);

/* A bundle's extra file (hl_bundle_extra_t.write): the workbook of every
 * survey for the bundle's range, written as tmp_name in the folder dirfd;
 * ctx is a const hl_xlsx_zone_t * (NULL: UTC). */
int hl_xlsx_bundle_write(void *ctx, hl_store_t *st, int64_t after_seq, int64_t max_seq, int dirfd,
                         const char *tmp_name, hl_err_t *err);

/* The same for the responses with after_seq < seq <= max_seq (0 and INT64_MAX
 * for all): what a bundle's range holds. */
int hl_export_xlsx_range(hl_store_t *st, const char *survey_id, int64_t after_seq, int64_t max_seq,
                         const char *out_path, const hl_xlsx_zone_t *zone, hl_export_result_t *res,
                         hl_err_t *err);

#endif
