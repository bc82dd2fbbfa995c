/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_xlsx.c: the report's figures as an Excel workbook
 * (hl_report_xlsx, libxlsxwriter): sheets Summary, Trend, Questions,
 * Officers, Reasons and Sources (kiosks, sequence ranges, chain heads,
 * gaps, the method). A figure the min-5 rule hides is an empty cell with a
 * comment saying so (and the row's Note column), never a zero. Written as
 * hl_xlsx.c does: a temporary file of hl_afile that libxlsxwriter fills by
 * name, then committed.
 */
#include "hl_afile.h"
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

typedef struct wb {
    const hl_report_t *r; /* the report */
    hl_lang_t lang;       /* its language */
    lxw_workbook *wb;     /* the workbook */
    lxw_format *head;     /* bold headers */
    lxw_format *one;      /* one decimal */
} wb_t;

static void header(wb_t *w, lxw_worksheet *ws, lxw_row_t row, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        worksheet_write_string(ws, row, (lxw_col_t)i, report_word(w->lang, keys[i]), w->head);
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, i == 0 ? 28 : 16, NULL);
    }
}

/* An empty cell with the min-5 comment. */
static void hidden(wb_t *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col)
{
    worksheet_write_comment(ws, row, col, report_word(w->lang, "hidden_note"));
}

static void count(wb_t *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, bool shown, int64_t n)
{
    if (shown)
        worksheet_write_number(ws, row, col, (double)n, NULL);
    else
        hidden(w, ws, row, col);
}

static void index_cell(wb_t *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const hl_rfig_t *f)
{
    double ix;
    if (hl_report_index(f, &ix))
        worksheet_write_number(ws, row, col, ix, w->one);
    else
        hidden(w, ws, row, col);
}

static void note(wb_t *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, bool shown)
{
    if (!shown) worksheet_write_string(ws, row, col, report_word(w->lang, "hidden_note"), NULL);
}

static void summary(wb_t *w, lxw_worksheet *ws)
{
    const hl_rfigures_t *f = &w->r->fig;
    char m[32];
    report_month_label(w->r, m, sizeof m);
    worksheet_write_string(ws, 0, 0, report_word(w->lang, "title"), w->head);
    worksheet_write_string(ws, 1, 0, report_word(w->lang, "month"), NULL);
    worksheet_write_string(ws, 1, 1, w->r->month_s, NULL);
    static const char *const keys[] = {"unit",     "responses", "index",    "partial", "suspect",
                                       "comments", "handled",   "median_h", "note"};
    header(w, ws, 3, keys, 9);
    lxw_row_t row = 4;
    if (f->province) {
        const hl_rfig_t *t = &f->total;
        worksheet_write_string(ws, row, 0, report_word(w->lang, "province"), NULL);
        count(w, ws, row, 1, t->shown, t->n);
        index_cell(w, ws, row, 2, t);
        if (t->shown && t->n) {
            worksheet_write_number(ws, row, 3, 100.0 * (double)t->partial / (double)t->n, w->one);
            worksheet_write_number(ws, row, 4, 100.0 * (double)t->suspect / (double)t->n, w->one);
        }
        note(w, ws, row, 8, t->shown);
        row++;
    }
    for (size_t i = 0; i < f->n_units; i++, row++) {
        const hl_runit_t *u = &f->units[i];
        const hl_rfig_t *t = &u->month;
        worksheet_write_string(ws, row, 0, u->unit, NULL);
        count(w, ws, row, 1, t->shown, t->n);
        index_cell(w, ws, row, 2, t);
        if (t->shown && t->n) {
            worksheet_write_number(ws, row, 3, 100.0 * (double)t->partial / (double)t->n, w->one);
            worksheet_write_number(ws, row, 4, 100.0 * (double)t->suspect / (double)t->n, w->one);
        } else {
            hidden(w, ws, row, 3);
            hidden(w, ws, row, 4);
        }
        worksheet_write_number(ws, row, 5, (double)u->comments, NULL);
        if (w->r->followups_known) {
            worksheet_write_number(ws, row, 6, (double)u->handled, NULL);
            if (u->median_handle_s >= 0)
                worksheet_write_number(ws, row, 7, u->median_handle_s / 3600.0, w->one);
        } else {
            worksheet_write_string(ws, row, 6, report_word(w->lang, "offline"), NULL);
        }
        note(w, ws, row, 8, t->shown);
    }
    if (!f->have_surveys)
        worksheet_write_string(ws, row + 1, 0, report_word(w->lang, "no_survey"), NULL);
}

static void trend(wb_t *w, lxw_worksheet *ws)
{
    static const char *const keys[] = {"unit", "month", "week", "responses", "index", "note"};
    header(w, ws, 0, keys, 6);
    lxw_row_t row = 1;
    for (size_t i = 0; i < w->r->fig.n_units; i++) {
        const hl_runit_t *u = &w->r->fig.units[i];
        for (size_t k = 0; k < u->n_prev + u->n_weeks; k++, row++) {
            bool wk = k >= u->n_prev;
            const hl_rgroup_t *g = wk ? &u->weeks[k - u->n_prev] : &u->prev[k];
            worksheet_write_string(ws, row, 0, u->unit, NULL);
            worksheet_write_string(ws, row, 1, wk ? w->r->month_s : g->key, NULL);
            if (wk) worksheet_write_string(ws, row, 2, g->key, NULL);
            count(w, ws, row, 3, g->f.shown, g->f.n);
            index_cell(w, ws, row, 4, &g->f);
            note(w, ws, row, 5, g->f.shown);
        }
    }
}

static lxw_row_t dist_rows(wb_t *w, lxw_worksheet *ws, lxw_row_t row, const char *unit,
                           const char *who, const hl_rquestion_t *q)
{
    for (size_t v = 0; v < q->n_values; v++, row++) {
        worksheet_write_string(ws, row, 0, unit, NULL);
        if (who) worksheet_write_string(ws, row, 1, who, NULL);
        worksheet_write_string(ws, row, 2, q->q->id, NULL);
        worksheet_write_string(ws, row, 3, hl_text_get(&q->q->text, w->lang), NULL);
        worksheet_write_string(ws, row, 4, q->values[v].id, NULL);
        worksheet_write_string(ws, row, 5, report_item_label(q->q, v, w->lang), NULL);
        count(w, ws, row, 6, q->shown, q->values[v].n);
        if (q->shown)
            worksheet_write_number(ws, row, 7, 100.0 * (double)q->values[v].n / (double)q->answered,
                                   w->one);
        else
            hidden(w, ws, row, 7);
        note(w, ws, row, 8, q->shown);
    }
    return row;
}

static void questions(wb_t *w, lxw_worksheet *ws, bool reasons)
{
    static const char *const keys[] = {"unit",  "officer", "question", "question", "value",
                                       "value", "count",   "partial",  "note"};
    header(w, ws, 0, keys, 9);
    worksheet_write_string(ws, 0, 2, "id", w->head);
    worksheet_write_string(ws, 0, 4, "id", w->head);
    worksheet_write_string(ws, 0, 7, "%", w->head);
    lxw_row_t row = 1;
    for (size_t i = 0; i < w->r->fig.n_units; i++) {
        const hl_runit_t *u = &w->r->fig.units[i];
        for (size_t k = 0; k < u->n_questions; k++)
            if (u->questions[k].reason == reasons)
                row = dist_rows(w, ws, row, u->unit, NULL, &u->questions[k]);
    }
}

static void officers(wb_t *w, lxw_worksheet *ws)
{
    static const char *const keys[] = {"unit",    "officer", "responses", "index",
                                       "partial", "suspect", "note"};
    header(w, ws, 0, keys, 7);
    lxw_row_t row = 1;
    for (size_t i = 0; i < w->r->fig.n_units; i++) {
        const hl_runit_t *u = &w->r->fig.units[i];
        for (size_t k = 0; k < u->n_officers; k++, row++) {
            const hl_rfig_t *f = &u->officers[k].f;
            worksheet_write_string(ws, row, 0, u->unit, NULL);
            worksheet_write_string(ws, row, 1, u->officers[k].name, NULL);
            count(w, ws, row, 2, f->shown, f->n);
            index_cell(w, ws, row, 3, f);
            if (f->shown && f->n) {
                worksheet_write_number(ws, row, 4, 100.0 * (double)f->partial / (double)f->n,
                                       w->one);
                worksheet_write_number(ws, row, 5, 100.0 * (double)f->suspect / (double)f->n,
                                       w->one);
            } else {
                hidden(w, ws, row, 4);
                hidden(w, ws, row, 5);
            }
            note(w, ws, row, 6, f->shown);
        }
    }
}

static void sources(wb_t *w, lxw_worksheet *ws, const char *text)
{
    const hl_report_t *r = w->r;
    worksheet_set_column(ws, 0, 0, 28, NULL);
    worksheet_set_column(ws, 1, 4, 18, NULL);
    worksheet_write_string(ws, 0, 0, report_word(w->lang, "origin"), w->head);
    worksheet_write_string(ws, 0, 1, text, NULL);
    worksheet_write_string(ws, 1, 0, report_word(w->lang, "method"), w->head);
    worksheet_write_string(ws, 1, 1, report_method_text(w->lang), NULL);
    static const char *const keys[] = {"kiosk", "seq_first", "seq_last", "chain_head", "responses"};
    for (size_t i = 0; i < 5; i++)
        worksheet_write_string(ws, 3, (lxw_col_t)i, report_word(w->lang, keys[i]), w->head);
    lxw_row_t row = 4;
    for (size_t i = 0; i < r->n_kiosks; i++, row++) {
        const hl_rkiosk_t *k = &r->kiosks[i];
        worksheet_write_string(ws, row, 0, k->kiosk_id, NULL);
        if (k->seq_last) {
            worksheet_write_number(ws, row, 1, (double)k->seq_first, NULL);
            worksheet_write_number(ws, row, 2, (double)k->seq_last, NULL);
            worksheet_write_number(ws, row, 4, (double)k->responses, NULL);
        }
        if (k->chain_head) worksheet_write_string(ws, row, 3, k->chain_head, NULL);
    }
    row++;
    worksheet_write_string(ws, row, 0, report_word(w->lang, "gap"), w->head);
    worksheet_write_string(ws, row, 1, report_word(w->lang, "seq_first"), w->head);
    worksheet_write_string(ws, row++, 2, report_word(w->lang, "seq_last"), w->head);
    for (size_t i = 0; i < r->n_gaps; i++, row++) {
        worksheet_write_string(ws, row, 0, r->gaps[i].kiosk_id, NULL);
        worksheet_write_number(ws, row, 1, (double)r->gaps[i].from_seq, NULL);
        worksheet_write_number(ws, row, 2, (double)r->gaps[i].to_seq, NULL);
    }
}

int hl_report_xlsx(const hl_report_t *r, const hl_report_opts_t *o, const char *path, hl_err_t *err)
{
    if (!r->computed)
        return hl_err_set(err, HL_ERR_STATE, "report: figures not computed (hl_report_compute)");
    int rc = hl_afile_not_a_folder(path, "report.xlsx", err);
    if (rc != HL_OK) return rc;
    char *src = report_sources_text(r, o->lang, SIZE_MAX);
    if (!src) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    hl_afile_t af = {.fd = -1, .dfd = -1};
    rc = hl_afile_open(&af, path, 0640, err);
    if (rc != HL_OK) {
        free(src);
        return rc;
    }
    char tmp[4096], dir[4096];
    const char *slash = strrchr(path, '/');
    int dlen = slash ? (int)(slash - path) : 0;
    snprintf(dir, sizeof dir, "%.*s", slash ? (dlen == 0 ? 1 : dlen) : 1,
             slash ? (dlen == 0 ? "/" : path) : ".");
    if (!hl_afile_tmp_path(&af, tmp, sizeof tmp)) {
        hl_afile_abort(&af);
        free(src);
        return hl_err_set(err, HL_ERR_USAGE, "report path \"%s\" is too long", path);
    }
    lxw_workbook_options wo = {.constant_memory = LXW_FALSE, .tmpdir = dir};
    wb_t w = {.r = r, .lang = o->lang, .wb = workbook_new_opt(tmp, &wo)};
    if (!w.wb) {
        hl_afile_abort(&af);
        free(src);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory starting %s", path);
    }
    w.head = workbook_add_format(w.wb);
    w.one = workbook_add_format(w.wb);
    format_set_bold(w.head);
    format_set_num_format(w.one, "0.0");
    summary(&w, workbook_add_worksheet(w.wb, "Summary"));
    trend(&w, workbook_add_worksheet(w.wb, "Trend"));
    questions(&w, workbook_add_worksheet(w.wb, "Questions"), false);
    officers(&w, workbook_add_worksheet(w.wb, "Officers"));
    questions(&w, workbook_add_worksheet(w.wb, "Reasons"), true);
    sources(&w, workbook_add_worksheet(w.wb, "Sources"), src);
    free(src);
    lxw_error e = workbook_close(w.wb);
    if (e != LXW_NO_ERROR) {
        hl_afile_abort(&af);
        return hl_err_set(err, HL_ERR_IO, "writing %s: %s", path, lxw_strerror(e));
    }
    rc = hl_afile_reopen(&af, err);
    if (rc == HL_OK) rc = hl_afile_commit(&af, err);
    hl_afile_abort(&af);
    return rc;
}
