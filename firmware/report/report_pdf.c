/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report_pdf.c: the report as a PDF (hl_report_pdf): cairo's PDF surface,
 * text set by pango with the project's Noto Sans (fonts/, registered with a
 * private fontconfig configuration, so the same fonts on every machine and
 * Vietnamese diacritics set correctly), A4 portrait. A page for the unit's
 * head (headline figures, trend chart, questions, officers, reasons,
 * comments), then a page per officer; the province's report starts with an
 * overview of its units and has such a section per unit. Every page ends
 * with the footer: the method and the responses' provenance. The file is
 * written through hl_afile (atomic).
 */
#include "hl_afile.h"
#include "report_int.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W    595.276 /* A4 in points */
#define PAGE_H    841.89
#define MARGIN    42.0
#define TEXT_W    (PAGE_W - 2 * MARGIN)
#define FOOT_SIZE 6.5 /* the footer's font size */

typedef struct pdf {
    const hl_report_t *r; /* the report */
    hl_lang_t lang;       /* its language */
    cairo_t *cr;          /* the page being drawn */
    PangoContext *ctx;    /* pango on the private font map */
    char *footer;         /* the footer's text (method and sources) */
    double foot_h;        /* its height */
    double y;             /* the next line's top */
    int page;             /* pages begun */
    hl_afile_t *af;       /* the file written */
    hl_err_t *err;        /* the write's error */
    int write_rc;         /* the first write failure */
} pdf_t;

/* Sets text s at (x, y) in width w (when draw); returns its height. */
static double text_do(pdf_t *p, double x, double y, double w, const char *s, double size, bool bold,
                      double grey, bool draw)
{
    PangoLayout *l = pango_layout_new(p->ctx);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, "Noto Sans");
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(l, s, -1);
    int lw, lh;
    pango_layout_get_size(l, &lw, &lh);
    if (draw) {
        cairo_set_source_rgb(p->cr, grey, grey, grey);
        cairo_move_to(p->cr, x, y);
        pango_cairo_show_layout(p->cr, l);
    }
    pango_font_description_free(fd);
    g_object_unref(l);
    return (double)lh / PANGO_SCALE;
}

static double text_at(pdf_t *p, double x, double y, double w, const char *s, double size, bool bold,
                      double grey)
{
    return text_do(p, x, y, w, s, size, bold, grey, true);
}

/* The height text s takes in width w. */
static double measure(pdf_t *p, double w, const char *s, double size, bool bold)
{
    return text_do(p, 0, 0, w, s, size, bold, 0, false);
}

static void page_begin(pdf_t *p)
{
    p->page++;
    p->y = MARGIN;
}

static void page_end(pdf_t *p)
{
    double y = PAGE_H - MARGIN - p->foot_h;
    cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(p->cr, 0.5);
    cairo_move_to(p->cr, MARGIN, y - 4);
    cairo_line_to(p->cr, PAGE_W - MARGIN, y - 4);
    cairo_stroke(p->cr);
    text_at(p, MARGIN, y, TEXT_W, p->footer, FOOT_SIZE, false, 0.3);
    char pg[40];
    snprintf(pg, sizeof pg, "%s %d", report_word(p->lang, "page"), p->page);
    text_at(p, PAGE_W - MARGIN - 60, PAGE_H - MARGIN + 8, 60, pg, FOOT_SIZE, false, 0.3);
    cairo_show_page(p->cr);
}

/* Makes room for h points: a new page when they do not fit. */
static void need(pdf_t *p, double h)
{
    if (p->y + h <= PAGE_H - MARGIN - p->foot_h - 10) return;
    page_end(p);
    page_begin(p);
}

/* A line (or paragraph) of text at the cursor. */
static void line(pdf_t *p, const char *s, double size, bool bold)
{
    double h = measure(p, TEXT_W, s, size, bold);
    need(p, h);
    text_at(p, MARGIN, p->y, TEXT_W, s, size, bold, 0);
    p->y += h + 2;
}

static void heading(pdf_t *p, const char *s)
{
    need(p, 40);
    p->y += 8;
    line(p, s, 11.5, true);
}

static void fmt_index(pdf_t *p, const hl_rfig_t *f, char *out, size_t cap)
{
    double ix;
    if (hl_report_index(f, &ix))
        hl_report_fmt1(p->lang, ix, out, cap);
    else
        snprintf(out, cap, "%s", report_word(p->lang, "hidden"));
}

static void fmt_share(pdf_t *p, int64_t k, int64_t n, char *out, size_t cap)
{
    char v[32];
    hl_report_fmt1(p->lang, n ? 100.0 * (double)k / (double)n : 0, v, sizeof v);
    snprintf(out, cap, "%s %%", v);
}

/* A row of label: value. */
static void pair(pdf_t *p, const char *label, const char *value)
{
    double h = measure(p, TEXT_W - 195, value, 10, true);
    need(p, h);
    text_at(p, MARGIN, p->y, 190, label, 10, false, 0.2);
    text_at(p, MARGIN + 195, p->y, TEXT_W - 195, value, 10, true, 0);
    p->y += h + 1;
}

static void headline(pdf_t *p, const hl_rfig_t *f, const hl_runit_t *u)
{
    char v[200], w[64];
    const char *hid = report_word(p->lang, "hidden_note");
    if (!f->shown) {
        pair(p, report_word(p->lang, "responses"), hid);
        return;
    }
    snprintf(v, sizeof v, "%lld", (long long)f->n);
    pair(p, report_word(p->lang, "responses"), v);
    fmt_index(p, f, v, sizeof v);
    pair(p, report_word(p->lang, "index"), v);
    fmt_share(p, f->partial, f->n, v, sizeof v);
    pair(p, report_word(p->lang, "partial"), v);
    fmt_share(p, f->suspect, f->n, v, sizeof v);
    pair(p, report_word(p->lang, "suspect"), v);
    if (!u) return;
    if (!p->r->followups_known) {
        snprintf(v, sizeof v, "%lld (%s)", (long long)u->comments, report_word(p->lang, "offline"));
    } else if (u->median_handle_s >= 0) {
        hl_report_fmt1(p->lang, u->median_handle_s / 3600.0, w, sizeof w);
        snprintf(v, sizeof v, "%lld (%lld %s, %s %s %s)", (long long)u->comments,
                 (long long)u->handled, report_word(p->lang, "handled"),
                 report_word(p->lang, "median"), w, report_word(p->lang, "hours"));
    } else {
        snprintf(v, sizeof v, "%lld (%lld %s)", (long long)u->comments, (long long)u->handled,
                 report_word(p->lang, "handled"));
    }
    pair(p, report_word(p->lang, "comments"), v);
}

/* The trend: a bar per earlier month and per week of the month. */
static void trend(pdf_t *p, const hl_runit_t *u)
{
    size_t n = u->n_prev + u->n_weeks;
    heading(p, report_word(p->lang, "trend"));
    const double ch = 90, top = 12;
    need(p, ch + top + 24);
    double x0 = MARGIN + 24, bw = (TEXT_W - 24) / (double)(n ? n : 1);
    double base = p->y + top + ch;
    cairo_set_line_width(p->cr, 0.4);
    for (int k = 0; k <= 4; k++) {
        double yy = base - ch * k / 4.0;
        cairo_set_source_rgb(p->cr, 0.85, 0.85, 0.85);
        cairo_move_to(p->cr, x0, yy);
        cairo_line_to(p->cr, PAGE_W - MARGIN, yy);
        cairo_stroke(p->cr);
        char lab[8];
        snprintf(lab, sizeof lab, "%d", k * 25);
        text_at(p, MARGIN, yy - 5, 22, lab, 6.5, false, 0.4);
    }
    for (size_t i = 0; i < n; i++) {
        const hl_rgroup_t *g = i < u->n_prev ? &u->prev[i] : &u->weeks[i - u->n_prev];
        double x = x0 + bw * (double)i + bw * 0.15, w = bw * 0.7, ix;
        char lab[40], val[32];
        if (i < u->n_prev)
            snprintf(lab, sizeof lab, "%.2s/%.4s", g->key + 5, g->key);
        else
            snprintf(lab, sizeof lab, "%.2s/%.2s", g->key + 8, g->key + 5);
        if (hl_report_index(&g->f, &ix)) {
            double h = ch * ix / 100.0;
            if (i < u->n_prev)
                cairo_set_source_rgb(p->cr, 0.55, 0.65, 0.8);
            else
                cairo_set_source_rgb(p->cr, 0.15, 0.4, 0.7);
            cairo_rectangle(p->cr, x, base - h, w, h);
            cairo_fill(p->cr);
            hl_report_fmt1(p->lang, ix, val, sizeof val);
            text_at(p, x, base - h - 10, w + 10, val, 6.5, false, 0);
        } else {
            snprintf(val, sizeof val, "%s", g->f.n ? report_word(p->lang, "hidden") : "—");
            text_at(p, x, base - 10, w + 10, val, 6.5, false, 0.4);
        }
        text_at(p, x, base + 2, w + 14, lab, 6.5, false, 0.2);
    }
    p->y = base + 14;
}

/* A question's bars. */
static void distribution(pdf_t *p, const hl_rquestion_t *q)
{
    char head[600];
    const char *qt = hl_text_get(&q->q->text, p->lang);
    if (q->shown)
        snprintf(head, sizeof head, "%s (%lld %s)", *qt ? qt : q->q->id, (long long)q->answered,
                 report_word(p->lang, "answered"));
    else
        snprintf(head, sizeof head, "%s", *qt ? qt : q->q->id);
    double h = measure(p, TEXT_W, head, 9.5, true);
    need(p, h + 14 * (double)(q->shown ? q->n_values : 1) + 4);
    text_at(p, MARGIN, p->y, TEXT_W, head, 9.5, true, 0);
    p->y += h + 1;
    if (!q->shown) {
        line(p, report_word(p->lang, q->answered ? "hidden_note" : "none"), 8.5, false);
        return;
    }
    int64_t max = 1;
    for (size_t i = 0; i < q->n_values; i++)
        if (q->values[i].n > max) max = q->values[i].n;
    for (size_t i = 0; i < q->n_values; i++) {
        char v[64], pc[32];
        need(p, 13);
        text_at(p, MARGIN + 8, p->y, 180, report_item_label(q->q, i, p->lang), 8.5, false, 0.1);
        double bw = 220.0 * (double)q->values[i].n / (double)max;
        cairo_set_source_rgb(p->cr, 0.2, 0.5, 0.75);
        cairo_rectangle(p->cr, MARGIN + 195, p->y + 2, bw, 8);
        cairo_fill(p->cr);
        hl_report_fmt1(p->lang, 100.0 * (double)q->values[i].n / (double)q->answered, pc,
                       sizeof pc);
        snprintf(v, sizeof v, "%lld (%s %%)", (long long)q->values[i].n, pc);
        text_at(p, MARGIN + 200 + bw, p->y, 100, v, 8.5, false, 0);
        p->y += 13;
    }
    p->y += 4;
}

static void officers_table(pdf_t *p, const hl_runit_t *u)
{
    heading(p, report_word(p->lang, "officers"));
    if (!u->n_officers) {
        line(p, report_word(p->lang, "none"), 9, false);
        return;
    }
    need(p, 14);
    text_at(p, MARGIN, p->y, 200, report_word(p->lang, "officer"), 9, true, 0);
    text_at(p, MARGIN + 200, p->y, 120, report_word(p->lang, "responses"), 9, true, 0);
    text_at(p, MARGIN + 330, p->y, 150, report_word(p->lang, "index"), 9, true, 0);
    p->y += 14;
    for (size_t i = 0; i < u->n_officers; i++) {
        const hl_rgroup_t *g = &u->officers[i];
        char n[32], ix[64];
        need(p, 13);
        if (g->f.shown)
            snprintf(n, sizeof n, "%lld", (long long)g->f.n);
        else
            snprintf(n, sizeof n, "%s", report_word(p->lang, "hidden"));
        fmt_index(p, &g->f, ix, sizeof ix);
        text_at(p, MARGIN, p->y, 195, g->name, 9, false, 0);
        text_at(p, MARGIN + 200, p->y, 120, n, 9, false, 0);
        text_at(p, MARGIN + 330, p->y, 150, ix, 9, false, 0);
        p->y += 13;
    }
}

static void title(pdf_t *p, const char *who)
{
    char t[600], m[32];
    report_month_label(p->r, m, sizeof m);
    snprintf(t, sizeof t, "%s — %s %s", report_word(p->lang, "title"),
             report_word(p->lang, "month"), m);
    line(p, t, 16, true);
    line(p, who, 12, false);
    p->y += 6;
}

/* The footer of the pages to come: the method, and the provenance of the
 * unit's responses (SIZE_MAX: all). False when out of memory. */
static bool set_footer(pdf_t *p, size_t unit)
{
    char *src = unit == SIZE_MAX ? report_sources_brief(p->r, p->lang)
                                 : report_sources_text(p->r, p->lang, unit);
    rbuf_t fb = {0};
    bool ok = src && rbuf_printf(&fb, "%s: %s\n%s", report_word(p->lang, "method"),
                                 report_method_text(p->lang), src);
    free(src);
    free(p->footer);
    p->footer = fb.s;
    if (!ok) return false;
    p->foot_h = measure(p, TEXT_W, p->footer, FOOT_SIZE, false);
    return true;
}

static bool unit_section(pdf_t *p, const hl_runit_t *u)
{
    if (!set_footer(p, (size_t)(u - p->r->fig.units))) return false;
    char who[600];
    snprintf(who, sizeof who, "%s: %s", report_word(p->lang, "unit"), u->unit);
    page_begin(p);
    title(p, who);
    headline(p, &u->month, u);
    if (!p->r->fig.have_surveys) line(p, report_word(p->lang, "no_survey"), 8.5, false);
    if (u->unrated_survey) {
        char s[200];
        snprintf(s, sizeof s, "%lld %s", (long long)u->unrated_survey,
                 report_word(p->lang, "unknown_survey"));
        line(p, s, 8.5, false);
    }
    trend(p, u);
    bool any = false;
    for (size_t i = 0; i < u->n_questions; i++) {
        if (u->questions[i].reason) continue;
        if (!any) heading(p, report_word(p->lang, "questions"));
        any = true;
        distribution(p, &u->questions[i]);
    }
    officers_table(p, u);
    any = false;
    for (size_t i = 0; i < u->n_questions; i++) {
        if (!u->questions[i].reason) continue;
        if (!any) heading(p, report_word(p->lang, "reasons"));
        any = true;
        distribution(p, &u->questions[i]);
    }
    page_end(p);
    for (size_t i = 0; i < u->n_officers; i++) {
        const hl_rgroup_t *g = &u->officers[i];
        page_begin(p);
        snprintf(who, sizeof who, "%s: %s — %s: %s", report_word(p->lang, "officer"), g->name,
                 report_word(p->lang, "unit"), u->unit);
        title(p, who);
        if (!g->f.shown) {
            line(p, report_word(p->lang, "officer_hidden"), 10, false);
        } else {
            headline(p, &g->f, NULL);
            p->y += 8;
            if (u->officer_main[i].q) distribution(p, &u->officer_main[i]);
        }
        page_end(p);
    }
    return true;
}

static bool province_overview(pdf_t *p, const hl_rfigures_t *f)
{
    if (!set_footer(p, SIZE_MAX)) return false;
    page_begin(p);
    title(p, report_word(p->lang, "province"));
    headline(p, &f->total, NULL);
    heading(p, report_word(p->lang, "units"));
    for (size_t i = 0; i < f->n_units; i++) {
        const hl_runit_t *u = &f->units[i];
        char n[32], ix[64];
        need(p, 13);
        if (u->month.shown)
            snprintf(n, sizeof n, "%lld", (long long)u->month.n);
        else
            snprintf(n, sizeof n, "%s", report_word(p->lang, "hidden"));
        fmt_index(p, &u->month, ix, sizeof ix);
        text_at(p, MARGIN, p->y, 290, u->unit, 9, false, 0);
        text_at(p, MARGIN + 300, p->y, 90, n, 9, false, 0);
        text_at(p, MARGIN + 400, p->y, 100, ix, 9, false, 0);
        p->y += 13;
    }
    page_end(p);
    return true;
}

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int len)
{
    pdf_t *p = closure;
    if (p->write_rc != HL_OK) return CAIRO_STATUS_WRITE_ERROR;
    p->write_rc = hl_afile_write(p->af, data, len, p->err);
    return p->write_rc == HL_OK ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* The fonts: a private fontconfig configuration holding only ours. */
static PangoFontMap *font_map(const char *dir, hl_err_t *err)
{
    FcConfig *fc = FcConfigCreate();
    if (!fc) return NULL;
    const char *files[] = {"NotoSans-Regular.ttf", "NotoSans-Bold.ttf"};
    for (size_t i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", files[i]);
        if (!FcConfigAppFontAddFile(fc, (const FcChar8 *)path)) {
            FcConfigDestroy(fc);
            hl_err_set(err, HL_ERR_NOT_FOUND,
                       "cannot load font %s (the fonts/ folder of the source tree, or "
                       "share/hailong/fonts once installed; $HAILONG_FONTS_DIR overrides)",
                       path);
            return NULL;
        }
    }
    PangoFontMap *fm = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
    if (fm) pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), fc);
    FcConfigDestroy(fc); /* the font map keeps its reference */
    return fm;
}

int hl_report_pdf(const hl_report_t *r, const hl_report_opts_t *o, const char *path, hl_err_t *err)
{
    if (!r->computed)
        return hl_err_set(err, HL_ERR_STATE, "report: figures not computed (hl_report_compute)");
    int rc = hl_afile_not_a_folder(path, "report.pdf", err);
    if (rc != HL_OK) return rc;
    PangoFontMap *fm = font_map(o->fonts_dir, err);
    if (!fm) return err && err->code ? err->code : hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    hl_afile_t af = {.fd = -1, .dfd = -1};
    rc = hl_afile_open(&af, path, 0640, err);
    if (rc != HL_OK) {
        pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), NULL);
        g_object_unref(fm);
        return rc;
    }
    pdf_t p = {.r = r, .lang = o->lang, .af = &af, .err = err, .write_rc = HL_OK};
    p.ctx = pango_font_map_create_context(fm);
    pango_cairo_context_set_resolution(p.ctx, 72);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_cb, &p, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, report_word(o->lang, "title"));
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "hailong report");
    p.cr = cairo_create(s);
    pango_cairo_update_context(p.cr, p.ctx);
    const hl_rfigures_t *f = &r->fig;
    bool ok = !f->province || province_overview(&p, f);
    for (size_t i = 0; ok && i < f->n_units; i++)
        ok = unit_section(&p, &f->units[i]);
    cairo_destroy(p.cr);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    g_object_unref(p.ctx);
    /* pango 1.50 keeps its reference to a config given by set_config when
     * the font map is finalized (the fonts' patterns leaked, ~5 KB a PDF,
     * a leak per request in the server): giving it back here is safe with
     * a pango that does release it (then it has none left to release). */
    pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), NULL);
    g_object_unref(fm);
    free(p.footer);
    if (!ok) {
        hl_afile_abort(&af);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing %s", path);
    }
    if (p.write_rc != HL_OK) {
        hl_afile_abort(&af);
        return p.write_rc;
    }
    if (cs != CAIRO_STATUS_SUCCESS) {
        hl_afile_abort(&af);
        return hl_err_set(err, HL_ERR_IO, "writing %s: %s", path, cairo_status_to_string(cs));
    }
    rc = hl_afile_commit(&af, err);
    hl_afile_abort(&af);
    return rc;
}
