/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_export.c: the CSV export of a survey's responses, written atomically.
 *
 * Rows come from hl_store_foreach (two cursors walked in step, no query per
 * response) and are formatted by hand into a 1 MiB buffer: integers and
 * times without printf, a quoting scan per field, one write(2) per MiB. The
 * file is written to a unique temporary name in the target's folder
 * (mkstemp: O_EXCL), fsync'd, renamed over the target, and the folder is
 * fsync'd; on any failure the temporary file is removed and the old target
 * is left as it was.
 *
 * Text forms: times "YYYY-MM-DDTHH:MM:SSZ" (UTC, as hl_time_iso8601);
 * finished_at empty while a response is in progress; status names from
 * hl_resp_status_name; suspect empty, or fair counting's reason for flagging
 * the response ("min_interval", "max_per_hour"); clock_trusted "1" when the kiosk's wall clock was
 * synchronised when the response started, "0" when the times may be wrong;
 * officer_id and counter (who served at the counter when the response
 * started) empty when none was on duty; followup the follow-up code given
 * to a response with a comment or a phone number (hl_response.h), empty
 * when none; unanswered questions are empty fields. Every field is written
 * as stored (RFC 4180 quoting only): a citizen's comment that starts with
 * "=" stays as typed, so a spreadsheet must import the CSV as text (the
 * XLSX export writes every answer as a string, never a formula).
 */
#include "hl_export.h"

#include "hl_afile.h"

#include "hl_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HL_EXPORT_BUF (1024 * 1024) /* bytes buffered between writes */
#define HL_CSV_STOP   (-1)          /* csv_row: past max_seq, end the walk */

typedef struct hl_csv {
    hl_fdbuf_t out;       /* the file (buffer owned: HL_EXPORT_BUF bytes) */
    hl_row_col_t *sorted; /* owned: columns sorted by qid */
    const char **cells;   /* owned: value per column for the row being written */
    size_t n_cols;        /* question columns */
    int64_t rows;         /* data rows written */
    int64_t after_seq;    /* rows up to this sequence number are not written */
    int64_t max_seq;      /* rows with a higher sequence number are not written */
    int64_t cached_day;   /* day number whose date is in day_text, or INT64_MIN */
    char day_text[16];    /* "YYYY-MM-DDT" of cached_day */
} hl_csv_t;

static bool csv_flush(hl_csv_t *c)
{
    return hl_fdbuf_flush(&c->out);
}

/* Makes room for n more bytes (n <= HL_EXPORT_BUF). */
static inline bool csv_room(hl_csv_t *c, size_t n)
{
    return c->out.len + n <= HL_EXPORT_BUF || csv_flush(c);
}

static bool csv_raw(hl_csv_t *c, const char *s, size_t n)
{
    return hl_fdbuf_put(&c->out, s, n);
}

/* One field, quoted (RFC 4180) when it holds a comma, quote, CR or LF. */
static bool csv_field(hl_csv_t *c, const char *s)
{
    if (!s) return true;
    size_t n = 0;
    bool quote = false;
    for (; s[n]; n++) {
        char ch = s[n];
        if (ch == ',' || ch == '"' || ch == '\r' || ch == '\n') quote = true;
    }
    if (!quote) return csv_raw(c, s, n);
    if (!csv_raw(c, "\"", 1)) return false;
    const char *p = s;
    for (;;) {
        const char *q = strchr(p, '"');
        if (!q) break;
        if (!csv_raw(c, p, (size_t)(q - p) + 1) || !csv_raw(c, "\"", 1)) return false;
        p = q + 1;
    }
    return csv_raw(c, p, strlen(p)) && csv_raw(c, "\"", 1);
}

static bool csv_int(hl_csv_t *c, int64_t v)
{
    return hl_fdbuf_put_int(&c->out, v);
}

/* "YYYY-MM-DDTHH:MM:SSZ" as hl_time_iso8601, with the date cached per day. */
static bool csv_time(hl_csv_t *c, int64_t utc_ms)
{
    int64_t secs = utc_ms >= 0 ? utc_ms / 1000 : (utc_ms - 999) / 1000;
    int64_t day = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    if (day != c->cached_day) {
        char full[32];
        hl_time_iso8601(day * 86400000, full);
        memcpy(c->day_text, full, 11);
        c->cached_day = day;
    }
    int64_t sod = secs - day * 86400;
    int h = (int)(sod / 3600), m = (int)(sod / 60 % 60), s = (int)(sod % 60);
    char t[20];
    memcpy(t, c->day_text, 11);
    t[11] = (char)('0' + h / 10);
    t[12] = (char)('0' + h % 10);
    t[13] = ':';
    t[14] = (char)('0' + m / 10);
    t[15] = (char)('0' + m % 10);
    t[16] = ':';
    t[17] = (char)('0' + s / 10);
    t[18] = (char)('0' + s % 10);
    t[19] = 'Z';
    return csv_raw(c, t, sizeof t);
}

/* ---- Rows ------------------------------------------------------------------ */

static int csv_row(void *ctx, const hl_row_t *r)
{
    hl_csv_t *c = ctx;
    if (r->seq > c->max_seq) return HL_CSV_STOP; /* rows come in sequence order */
    bool ok = csv_field(c, r->uuid) && csv_raw(c, ",", 1) && csv_int(c, r->seq) &&
              csv_raw(c, ",", 1) && csv_field(c, r->kiosk_id) && csv_raw(c, ",", 1) &&
              csv_field(c, r->survey_id) && csv_raw(c, ",", 1) && csv_int(c, r->survey_version) &&
              csv_raw(c, ",", 1) && csv_field(c, r->lang) && csv_raw(c, ",", 1) &&
              csv_time(c, r->started_utc_ms) && csv_raw(c, ",", 1);
    if (ok && r->status != HL_RESP_IN_PROGRESS && r->finished_utc_ms >= 0)
        ok = csv_time(c, r->finished_utc_ms);
    ok = ok && csv_raw(c, ",", 1) && csv_field(c, hl_resp_status_name(r->status)) &&
         csv_raw(c, ",", 1) && csv_field(c, r->suspect) &&
         csv_raw(c, r->clock_trusted ? ",1," : ",0,", 3) && csv_field(c, r->officer_id) &&
         csv_raw(c, ",", 1) && csv_field(c, r->counter) && csv_raw(c, ",", 1) &&
         csv_field(c, r->followup);

    hl_row_cells(r, c->sorted, c->n_cols, c->cells);
    for (size_t k = 0; ok && k < c->n_cols; k++)
        ok = csv_raw(c, ",", 1) && csv_field(c, c->cells[k]);
    ok = ok && csv_raw(c, "\r\n", 2);
    if (!ok) return HL_ERR_IO;
    c->rows++;
    return HL_OK;
}

/* ---- The file -------------------------------------------------------------- */

/* Header and rows into c (fd and max_seq set); buffers owned by c. */
static int csv_write(hl_csv_t *c, hl_store_t *st, const char *survey_id, const char *name,
                     hl_export_result_t *res, hl_err_t *err)
{
    static const char header[] =
        "response_id,seq,kiosk_id,survey_id,survey_version,language,"
        "started_at,finished_at,status,suspect,clock_trusted,officer_id,counter,followup";
    char **cols = NULL;
    size_t n_cols = 0;
    int rc = hl_store_survey_columns(st, survey_id, &cols, &n_cols, err);
    if (rc != HL_OK) return rc;
    c->out.buf = malloc(HL_EXPORT_BUF);
    c->out.cap = HL_EXPORT_BUF;
    c->sorted = malloc((n_cols ? n_cols : 1) * sizeof *c->sorted);
    c->cells = malloc((n_cols ? n_cols : 1) * sizeof *c->cells);
    if (!c->out.buf || !c->sorted || !c->cells) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory exporting %s", name);
        goto done;
    }
    c->n_cols = n_cols;
    for (size_t i = 0; i < n_cols; i++)
        c->sorted[i] = (hl_row_col_t){cols[i], i};
    hl_row_cols_sort(c->sorted, n_cols);

    bool ok = csv_raw(c, "\xEF\xBB\xBF", 3) && csv_raw(c, header, sizeof header - 1);
    for (size_t i = 0; ok && i < n_cols; i++)
        ok = csv_raw(c, ",", 1) && csv_field(c, cols[i]);
    ok = ok && csv_raw(c, "\r\n", 2);
    if (!ok) {
        rc = hl_errno_set(c->out.write_errno, "cannot write", name, err);
        goto done;
    }
    rc = hl_store_foreach(st, survey_id, c->after_seq, csv_row, c, err);
    if (rc == HL_CSV_STOP) rc = HL_OK;
    if (rc == HL_OK && !csv_flush(c)) rc = HL_ERR_IO;
    if (rc != HL_OK) {
        if (c->out.write_errno) rc = hl_errno_set(c->out.write_errno, "cannot write", name, err);
        goto done;
    }
    if (res) {
        res->rows = c->rows;
        res->bytes = c->out.bytes;
        res->n_columns =
            (int)(14 + n_cols); /* the fixed columns of the header, then the questions */
    }
done:
    free(c->out.buf);
    free(c->sorted);
    free(c->cells);
    c->out.buf = NULL;
    c->sorted = NULL;
    c->cells = NULL;
    hl_store_free_ids(cols, n_cols);
    return rc;
}

int hl_export_csv_fd(hl_store_t *st, const char *survey_id, int64_t after_seq, int64_t max_seq,
                     int fd, const char *name, hl_export_result_t *res, hl_err_t *err)
{
    if (res) memset(res, 0, sizeof *res);
    if (!st || !survey_id || fd < 0 || !name)
        return hl_err_set(err, HL_ERR_USAGE, "export: a store, a survey id and a file are needed");
    hl_csv_t c = {
        .out = {.fd = fd}, .cached_day = INT64_MIN, .after_seq = after_seq, .max_seq = max_seq};
    int rc = csv_write(&c, st, survey_id, name, res, err);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_export_csv(hl_store_t *st, const char *survey_id, const char *out_path,
                  hl_export_result_t *res, hl_err_t *err)
{
    hl_csv_t c = {.out = {.fd = -1}, .cached_day = INT64_MIN, .max_seq = INT64_MAX};
    int rc;

    if (res) memset(res, 0, sizeof *res);
    if (!st || !survey_id || !out_path)
        return hl_err_set(err, HL_ERR_USAGE, "export: a store, a survey id and a path are needed");
    /* A folder (existing, or named so by a trailing '/'): a file name is
     * needed in it; suggest one. */
    int frc = hl_afile_not_a_folder(out_path, "responses.csv", err);
    if (frc != HL_OK) return frc;
    /* Checked before creating anything: an unknown survey writes nothing. */
    char **cols = NULL;
    size_t n_cols = 0;
    rc = hl_store_survey_columns(st, survey_id, &cols, &n_cols, err);
    hl_store_free_ids(cols, n_cols);
    if (rc != HL_OK) return rc;

    hl_afile_t af;
    rc = hl_afile_open(&af, out_path, 0640, err);
    if (rc != HL_OK) goto done;
    c.out.fd = af.fd;
    rc = csv_write(&c, st, survey_id, out_path, res, err);
    c.out.fd = -1;
    if (rc == HL_OK)
        rc = hl_afile_commit(&af, err);
    else
        hl_afile_abort(&af);
done:
    if (rc != HL_OK && res) memset(res, 0, sizeof *res);
    return rc;
}
