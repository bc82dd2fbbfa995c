/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_row.c: a stored response's JSON object (hl_row.h): the one codec the
 * JSON Lines file, the sync's request and the chain's canonical content
 * share, so that what is signed is byte for byte what is sent.
 */
#include "hl_row.h"
#include "hl_sys.h"

#include <stdlib.h>
#include <string.h>

/* "2023-11-14T22:14:20.123Z" (floor to the millisecond). */
static void iso_ms(int64_t ms, char out[32])
{
    hl_time_iso8601_ms(ms, out);
}

typedef hl_fdbuf_t hl_out_t;

static bool out_raw(hl_out_t *o, const char *s, size_t n)
{
    return hl_fdbuf_put(o, s, n);
}

static bool out_lit(hl_out_t *o, const char *s)
{
    return out_raw(o, s, strlen(s));
}

static bool out_int(hl_out_t *o, int64_t v)
{
    return hl_fdbuf_put_int(o, v);
}

/* A JSON string (null for NULL): '"' and '\\' escaped, control characters as
 * \n \r \t \b \f or \u00XX; every other byte as it is. */
static bool out_str(hl_out_t *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (!s) return out_raw(o, "null", 4);
    if (!out_raw(o, "\"", 1)) return false;
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (;; p++) {
        unsigned char ch = *p;
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        if (p > run && !out_raw(o, (const char *)run, (size_t)(p - run))) return false;
        if (!ch) break;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (ch) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            n = 6;
        }
        if (!out_raw(o, esc, n)) return false;
        run = p + 1;
    }
    return out_raw(o, "\"", 1);
}

static bool out_time(hl_out_t *o, int64_t ms)
{
    char t[32];
    iso_ms(ms, t);
    return out_raw(o, "\"", 1) && out_lit(o, t) && out_raw(o, "\"", 1);
}

/* A JSON string, or null for NULL. */
static bool out_str_or_null(hl_out_t *o, const char *s)
{
    return s ? out_str(o, s) : out_lit(o, "null");
}

/* The row's object; with_chain false leaves out "chain", "prev_chain" and
 * "chain_sig" (the canonical content the chain value covers). */
static bool jsonl_put(hl_out_t *o, const hl_row_t *r, bool with_chain)
{
    bool finished = r->status != HL_RESP_IN_PROGRESS && r->finished_utc_ms >= 0;
    bool ok =
        out_lit(o, "{\"response_id\":") && out_str(o, r->uuid) && out_lit(o, ",\"seq\":") &&
        out_int(o, r->seq) && out_lit(o, ",\"kiosk_id\":") && out_str(o, r->kiosk_id) &&
        out_lit(o, ",\"survey_id\":") && out_str(o, r->survey_id) &&
        out_lit(o, ",\"survey_version\":") && out_int(o, r->survey_version) &&
        out_lit(o, ",\"survey_sha256\":") && out_str(o, r->survey_sha256) &&
        out_lit(o, ",\"language\":") && out_str(o, r->lang) && out_lit(o, ",\"started_at\":") &&
        out_time(o, r->started_utc_ms) && out_lit(o, ",\"finished_at\":") &&
        (finished ? out_time(o, r->finished_utc_ms) : out_lit(o, "null")) &&
        out_lit(o, ",\"status\":") && out_str(o, hl_resp_status_name(r->status)) &&
        out_lit(o, ",\"suspect\":") && out_str_or_null(o, r->suspect) &&
        out_lit(o, r->clock_trusted ? ",\"clock_trusted\":true" : ",\"clock_trusted\":false") &&
        out_lit(o, ",\"officer_id\":") && out_str_or_null(o, r->officer_id) &&
        out_lit(o, ",\"counter\":") && out_str_or_null(o, r->counter);
    /* Only when there is one: the rows chained before follow-up codes keep
     * the canonical content they were chained with. */
    if (ok && r->followup) ok = out_lit(o, ",\"followup\":") && out_str(o, r->followup);
    if (ok && with_chain)
        ok = out_lit(o, ",\"chain\":") && out_str_or_null(o, r->chain) &&
             out_lit(o, ",\"prev_chain\":") && out_str_or_null(o, r->prev_chain) &&
             out_lit(o, ",\"chain_sig\":") && out_str_or_null(o, r->chain_sig);
    ok = ok && out_lit(o, ",\"answers\":{");
    for (size_t i = 0; ok && i < r->n_answers; i++)
        ok = (i == 0 || out_raw(o, ",", 1)) && out_str(o, r->qids[i]) &&
             out_lit(o, ":{\"value\":") && out_str(o, r->values[i]) && out_lit(o, ",\"ms\":") &&
             out_int(o, r->ms[i]) && out_raw(o, "}", 1);
    return ok && out_raw(o, "}}", 2);
}

bool hl_jsonl_put_row(hl_fdbuf_t *o, const hl_row_t *r)
{
    return jsonl_put(o, r, true);
}

bool hl_jsonl_put_row_canonical(hl_fdbuf_t *o, const hl_row_t *r)
{
    return jsonl_put(o, r, false);
}

static int col_cmp(const void *a, const void *b)
{
    return strcmp(((const hl_row_col_t *)a)->qid, ((const hl_row_col_t *)b)->qid);
}

void hl_row_cols_sort(hl_row_col_t *cols, size_t n)
{
    qsort(cols, n, sizeof *cols, col_cmp);
}

void hl_row_cells(const hl_row_t *r, const hl_row_col_t *cols, size_t n, const char **cells)
{
    memset(cells, 0, n * sizeof *cells);
    /* Both lists are sorted by id (answers come in the store's key order). */
    size_t i = 0, j = 0;
    while (i < r->n_answers && j < n) {
        int d = strcmp(r->qids[i], cols[j].qid);
        if (d == 0) {
            cells[cols[j].index] = r->values[i];
            i++;
            j++;
        } else if (d < 0) {
            i++; /* not a column: cannot happen, the store checks question ids */
        } else {
            j++;
        }
    }
}
