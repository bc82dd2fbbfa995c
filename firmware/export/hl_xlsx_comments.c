/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_xlsx_comments.c: the workbook's comments sheet ("Góp ý", "Comments"
 * in an English survey): one row per answer to a text question (and one
 * for a response that left only a phone number), for the staff who read
 * what citizens wrote and act on it.
 *
 * Columns: the time the comment was written (local, as the other sheets),
 * the response's follow-up code (what the citizen will quote), its
 * sequence number (its row in the response sheet), counter,
 * officer, the rating that came with it (the answer, as its label, to the
 * first question of the newest version that is rated: smiley, stars or
 * nps; headed by that question's text), the text question's text when the
 * survey has more than one, the phone number when the survey asks for one
 * (only here and in the response sheet: never on the kiosk's screens), and
 * the comment itself, byte for byte what was stored, wrapped in a wide
 * column. Each row is made as tall as its text
 * (spreadsheets do not grow a row for wrapped text by themselves), up to
 * Excel's 409 points; the sheet prints like the others (landscape A4, fitted
 * to the width, the header row on every page). Written row by row in
 * constant-memory mode, beside the response sheet, as the walk meets them.
 */
#include "xlsx_int.h"

#include <stdio.h>
#include <string.h>

#define COM_FIXED     6  /* time, follow-up code, seq, counter, officer, rating */
#define COM_PER_LINE  70 /* characters a line of the comment column holds, about */
#define COM_MAX_LINES 27 /* 15 points a line: Excel's 409-point row */

/* Lines text takes in a column of about per_line characters: each line
 * break starts a line, each paragraph wraps on its own. */
static int text_lines(const char *text, int per_line)
{
    int lines = 0;
    for (const char *p = text;;) {
        size_t n = strcspn(p, "\n");
        size_t chars = 0;
        for (size_t i = 0; i < n; i++)
            chars += ((unsigned char)p[i] & 0xC0) != 0x80;
        lines += chars ? (int)((chars + (size_t)per_line - 1) / (size_t)per_line) : 1;
        if (!p[n] || lines >= COM_MAX_LINES) break;
        p += n + 1;
    }
    return lines < COM_MAX_LINES ? lines : COM_MAX_LINES;
}

int xlsx_comments_open(hl_xlsx_t *x, hl_xsurvey_t *s)
{
    for (size_t i = 0; i < s->n_cols; i++) {
        const hl_question_t *q = s->qs[i].q;
        if (!q) continue;
        if (q->type == HL_Q_TEXT) s->n_text++;
        if (q->type == HL_Q_CONTACT && s->contact_col < 0) s->contact_col = (int)i;
        const hl_qtype_info_t *t = hl_qtype_info(q->type);
        bool rated = t->scored && t->charted; /* smiley, stars, nps: not a number */
        if (rated && (s->rating_col < 0 || q < s->qs[s->rating_col].q)) s->rating_col = (int)i;
    }
    if (s->n_text == 0 && s->contact_col < 0) return HL_OK;
    if (!x->f_top) {
        x->f_top = workbook_add_format(x->wb);
        x->f_time_top = workbook_add_format(x->wb);
        if (!x->f_top || !x->f_time_top)
            return hl_err_set(x->err, HL_ERR_NOMEM, "out of memory adding the comments sheet");
        format_set_align(x->f_top, LXW_ALIGN_VERTICAL_TOP);
        format_set_num_format(x->f_time_top, "yyyy-mm-dd hh:mm:ss");
        format_set_align(x->f_time_top, LXW_ALIGN_VERTICAL_TOP);
    }
    char name[32];
    xlsx_sheet_name(x->wb, xlsx_word(s->lang, XW_COMMENTS_SHEET), "", name);
    s->com = workbook_add_worksheet(x->wb, name);
    if (!s->com)
        return hl_err_set(x->err, HL_ERR_IO,
                          "cannot add the comments sheet of survey %s (libxlsxwriter could not "
                          "make its scratch file in the target folder)",
                          s->id);

    char time_head[64];
    snprintf(time_head, sizeof time_head, "%s (%s)", xlsx_word(s->lang, XW_TIME), x->zone_name);
    const hl_question_t *rq = s->rating_col >= 0 ? s->qs[s->rating_col].q : NULL;
    const char *rating = rq ? hl_text_get(&rq->text, s->lang) : xlsx_word(s->lang, XW_RATING);
    const char *head[COM_FIXED + 3] = {time_head,
                                       xlsx_word(s->lang, XW_FOLLOWUP),
                                       xlsx_word(s->lang, XW_SEQ),
                                       xlsx_word(s->lang, XW_COUNTER),
                                       xlsx_word(s->lang, XW_OFFICER),
                                       rating,
                                       xlsx_word(s->lang, XW_QUESTION),
                                       xlsx_word(s->lang, XW_PHONE),
                                       xlsx_word(s->lang, XW_COMMENT)};
    static const double widths[COM_FIXED + 3] = {17, 10, 7, 12, 11, 16, 24, 13, COM_PER_LINE};
    int lines = xlsx_wrap_lines(rating, 14, 8);
    lxw_error e = xlsx_sheet_print(s->com, s->lang);
    if (!e) e = worksheet_set_row(s->com, 0, 15.0 * (lines > 2 ? lines : 2), NULL);
    lxw_col_t c = 0;
    for (int k = 0; !e && k < COM_FIXED + 3; k++) {
        if (k == COM_FIXED && s->n_text < 2) continue;          /* one text question: no column */
        if (k == COM_FIXED + 1 && s->contact_col < 0) continue; /* no number asked */
        e = worksheet_write_string(s->com, 0, c, head[k], x->f_head);
        if (!e) e = worksheet_set_column(s->com, c, c, widths[k], NULL);
        c++;
    }
    if (e) return xlsx_fail(x, e, "writing the comments sheet's header");
    worksheet_freeze_panes(s->com, 1, 0);
    s->com_row = 1;
    return HL_OK;
}

/* The rating cell's text: a smiley's label, stars and nps as they are. */
static const char *rating_text(const hl_xsurvey_t *s, const char *v)
{
    const hl_xq_t *q = &s->qs[s->rating_col];
    if (q->q->type != HL_Q_SMILEY) return v;
    int oi = xlsx_option_index(q, v, strlen(v));
    return oi >= 0 ? hl_text_get(&q->q->options[oi].label, s->lang) : v;
}

/* When the answer to qid was given: the response's start plus its ms. */
static int64_t answer_utc_ms(const hl_row_t *r, const char *qid)
{
    for (size_t i = 0; i < r->n_answers; i++)
        if (!strcmp(r->qids[i], qid)) return r->started_utc_ms + r->ms[i];
    return r->started_utc_ms;
}

/* One row of the sheet: the comment v to question q (NULL, NULL: a
 * response that left only a number). */
static lxw_error comments_line(hl_xlsx_t *x, hl_xsurvey_t *s, const hl_row_t *r, const hl_xq_t *xq,
                               const char *v)
{
    const char *rating = s->rating_col >= 0 ? s->cells[s->rating_col] : NULL;
    const char *phone = s->contact_col >= 0 ? s->cells[s->contact_col] : NULL;
    lxw_worksheet *ws = s->com;
    lxw_row_t row = s->com_row++;
    const char *rtext = rating ? rating_text(s, rating) : NULL;
    const char *qtext = xq && xq->q ? hl_text_get(&xq->q->text, s->lang) : "";
    int lines = v ? text_lines(v, COM_PER_LINE) : 1;
    int more = rtext ? text_lines(rtext, 14) : 1;
    lines = more > lines ? more : lines;
    more = s->n_text > 1 ? text_lines(qtext, 22) : 1;
    lines = more > lines ? more : lines;
    lxw_error e = LXW_NO_ERROR;
    if (lines > 1) e = worksheet_set_row(ws, row, 15.0 * lines, NULL);
    const char *when = xq ? xq->qid : s->qs[s->contact_col].qid;
    lxw_datetime t = xlsx_datetime(x->zone, answer_utc_ms(r, when));
    if (!e) e = worksheet_write_datetime(ws, row, 0, &t, x->f_time_top);
    if (!e && r->followup) e = worksheet_write_string(ws, row, 1, r->followup, x->f_top);
    if (!e) e = worksheet_write_number(ws, row, 2, (double)r->seq, x->f_top);
    if (!e && r->counter) e = worksheet_write_string(ws, row, 3, r->counter, x->f_wrap);
    if (!e && r->officer_id) e = worksheet_write_string(ws, row, 4, r->officer_id, x->f_top);
    if (!e && rtext) e = worksheet_write_string(ws, row, 5, rtext, x->f_wrap);
    lxw_col_t c = COM_FIXED;
    if (!e && s->n_text > 1) e = worksheet_write_string(ws, row, c, qtext, x->f_wrap);
    c += s->n_text > 1;
    if (!e && s->contact_col >= 0 && phone) e = worksheet_write_string(ws, row, c, phone, x->f_top);
    c += s->contact_col >= 0;
    if (!e && v) e = worksheet_write_string(ws, row, c, v, x->f_wrap);
    return e;
}

lxw_error xlsx_comments_row(hl_xlsx_t *x, hl_xsurvey_t *s, const hl_row_t *r)
{
    lxw_error e = LXW_NO_ERROR;
    bool any = false;
    for (size_t k = 0; !e && k < s->n_cols; k++) {
        const hl_question_t *q = s->qs[k].q;
        const char *v = s->cells[k];
        if (!v || !q || q->type != HL_Q_TEXT) continue;
        e = comments_line(x, s, r, &s->qs[k], v);
        any = true;
    }
    if (!e && !any && s->contact_col >= 0 && s->cells[s->contact_col])
        e = comments_line(x, s, r, NULL, NULL);
    return e;
}
