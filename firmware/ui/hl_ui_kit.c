/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_kit.c: the widget kit the citizen screens (hl_ui.c) and the
 * technician screens (hl_tech_ui.c) are built with (hl_ui_kit.h): layout
 * metrics from the screen's size and DPI, text measured (memoised per
 * build), wrapped at grapheme clusters and fitted between a largest and a
 * smallest size, and scene helpers (fills, outlines, labels, buttons).
 */
#include "hl_ui_kit.h"

#include <stdio.h>
#include <string.h>

/* ---- Layout metrics ------------------------------------------------------ */

int hl_kit_mm(const hl_kit_lay_t *L, double mm)
{
    return (int)(mm * L->mm + 0.5);
}

int hl_kit_cap_px(const hl_kit_lay_t *L, double cap_mm)
{
    return (int)(cap_mm * L->mm / HL_KIT_CAP_EM + 0.5);
}

static int ui_dpi(const hl_ui_t *ui)
{
    return ui->dpi > 0 ? ui->dpi : 96;
}

int hl_ui_min_target(const hl_ui_t *ui)
{
    int ten_mm = (100 * ui_dpi(ui) + 253) / 254; /* ceil(10 mm) */
    return imax(64, ten_mm);
}

void hl_kit_lay_init(hl_kit_lay_t *L, const hl_ui_t *ui, int w, int h)
{
    memset(L, 0, sizeof *L);
    L->w = w;
    L->h = h;
    L->portrait = h > w;
    L->mm = ui_dpi(ui) / 25.4;
    L->min_target = hl_ui_min_target(ui);
    L->floor = L->bar_t = L->min_target;
    L->margin = imax(12, hl_kit_mm(L, 3));
    L->gap = imax(8, hl_kit_mm(L, 2));
    L->pad = imax(8, hl_kit_mm(L, 2.5));
    L->hp = imax(6, hl_kit_mm(L, 1.5));
    L->bar_h = L->min_target + 2 * L->hp;
    L->radius = imax(6, hl_kit_mm(L, 1.6));
    L->q_px = imax(HL_UI_QUESTION_FLOOR_PX, hl_kit_cap_px(L, 7.0));
    L->head_px = imax(HL_KIT_LABEL_MIN, hl_kit_cap_px(L, 4.0));
    L->label_px = imax(HL_KIT_LABEL_MIN, hl_kit_cap_px(L, 4.5));
    L->small_px = imax(HL_KIT_SMALL_MIN + 2, hl_kit_cap_px(L, 3.5));
    L->sel_border = imax(4, hl_kit_mm(L, 1.2));
    L->line_border = imax(2, hl_kit_mm(L, 0.5));
}

/* v larger by HL_UI_LARGE_PCT, rounded up: never under the ratio. */
static int kit_larger(int v)
{
    return (v * HL_UI_LARGE_PCT + 99) / 100;
}

void hl_kit_lay_large(hl_kit_lay_t *L)
{
    if (L->large) return;
    L->large = true;
    L->min_target = kit_larger(L->min_target);
    L->q_px = kit_larger(L->q_px);
    L->head_px = kit_larger(L->head_px);
    L->label_px = kit_larger(L->label_px);
    L->small_px = kit_larger(L->small_px);
    L->sel_border = kit_larger(L->sel_border);
    L->bar_t = L->min_target;
    /* Bands of large buttons only while a keypad of large keys (four rows)
     * still fits between them: not at 800x480, where the answers need the
     * room more than back and next do. */
    int content = L->h - 2 * (L->min_target + 2 * L->hp) - 2 * L->margin;
    if (content < 4 * L->min_target + 3 * L->gap) L->bar_t = L->floor;
    L->bar_h = L->bar_t + 2 * L->hp;
}

/* ---- Text measurement and wrapping ------------------------------------- */

int hl_kit_tw(hl_kit_m_t *ui, const char *t, int len, int px, bool bold)
{
    if (len <= 0) return 0;
    const hl_measure_t *m = &ui->ui->measure;
    if (!m->width) {
        int cps = 0;
        for (int i = 0; i < len; i++)
            cps += ((unsigned char)t[i] & 0xC0) != 0x80;
        return cps * px * 3 / 5;
    }
    uintptr_t h = (uintptr_t)t * 31u + (uintptr_t)len * 131u + (uintptr_t)px * 7u + bold;
    hl_kit_memo_t *e = &ui->memo[(h ^ (h >> 9)) % HL_KIT_MEMO];
    if (e->text == t && e->len == len && e->px == px && e->bold == (int)bold) return e->width;
    e->text = t;
    e->len = len;
    e->px = px;
    e->bold = bold;
    e->width = m->width(m->ctx, t, len, px, bold);
    return e->width;
}

int hl_kit_lh(hl_kit_m_t *ui, int px, bool bold)
{
    const hl_measure_t *m = &ui->ui->measure;
    if (m->line_height) return m->line_height(m->ctx, px, bold);
    return px * 4 / 3 + 1;
}

/* Decodes one UTF-8 code point at s (len > 0 bytes); returns its byte count. */
static int ui_utf8(const char *s, int len, unsigned *cp)
{
    unsigned char c = (unsigned char)s[0];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (n > len) n = 1;
    unsigned v = n == 1 ? c : c & (0x7Fu >> n);
    for (int i = 1; i < n; i++)
        v = (v << 6) | ((unsigned char)s[i] & 0x3Fu);
    *cp = v;
    return n;
}

static bool ui_combining(unsigned cp)
{
    return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
           (cp >= 0xFE20 && cp <= 0xFE2F);
}

/* Bytes of one user-perceived character: a code point and the combining
 * marks after it (NFD Vietnamese keeps its tone marks with the letter). */
static int ui_cluster(const char *s, int len)
{
    unsigned cp;
    int n = ui_utf8(s, len, &cp);
    while (n < len) {
        int k = ui_utf8(s + n, len - n, &cp);
        if (!ui_combining(cp)) break;
        n += k;
    }
    return n;
}

static bool ui_wrap_add(hl_kit_wrap_t *w, int off, int len, int max_lines)
{
    if (w->n >= max_lines || w->n >= HL_KIT_MAX_LINES) return false;
    w->lines[w->n].off = off;
    w->lines[w->n].len = len;
    w->n++;
    return true;
}

/* Greedy word wrap of text[0..len) at px into lines no wider than width.
 * A word wider than the line fails, unless break_words (then it is split
 * between characters). Fails beyond max_lines. */
bool hl_kit_wrap(hl_kit_m_t *ui, const char *text, int len, int px, bool bold, int width,
                 int max_lines, bool break_words, hl_kit_wrap_t *w)
{
    w->text = text;
    w->len = len;
    w->px = px;
    w->bold = bold;
    w->lh = hl_kit_lh(ui, px, bold);
    w->n = 0;
    if (width <= 0) return false;
    int i = 0;
    for (;;) {
        int pe = i;
        while (pe < len && text[pe] != '\n')
            pe++;
        int p = i;
        while (p < pe && text[p] == ' ')
            p++;
        if (p >= pe && !ui_wrap_add(w, p, 0, max_lines)) return false;
        while (p < pe) {
            int end = -1, q = p, we = p, sum = 0, words = 0;
            while (q < pe) {
                we = q;
                while (we < pe && text[we] != ' ')
                    we++;
                int add = hl_kit_tw(ui, text + q, we - q, px, bold);
                if (end >= 0) add += sum + (q - end) * hl_kit_tw(ui, " ", 1, px, bold);
                if (add > width) break;
                sum = add;
                end = we;
                words++;
                q = we;
                while (q < pe && text[q] == ' ')
                    q++;
            }
            /* Words are measured one by one (each once per size, memoised);
             * the line as a whole may kern differently: check it and give
             * back words while it overflows. */
            while (words > 1 && hl_kit_tw(ui, text + p, end - p, px, bold) > width) {
                while (end > p && text[end - 1] != ' ')
                    end--;
                while (end > p && text[end - 1] == ' ')
                    end--;
                words--;
            }
            if (end >= 0) {
                q = end;
                while (q < pe && text[q] == ' ')
                    q++;
            }
            if (end < 0) {
                if (!break_words) return false;
                int e = p + ui_cluster(text + p, pe - p);
                while (e < we) {
                    int e2 = e + ui_cluster(text + e, pe - e);
                    if (hl_kit_tw(ui, text + p, e2 - p, px, bold) > width) break;
                    e = e2;
                }
                if (!ui_wrap_add(w, p, e - p, max_lines)) return false;
                p = e;
                continue;
            }
            if (!ui_wrap_add(w, p, end - p, max_lines)) return false;
            p = q;
        }
        if (pe >= len) break;
        i = pe + 1;
    }
    if (w->n == 0) ui_wrap_add(w, 0, 0, HL_KIT_MAX_LINES);
    return true;
}

static bool ui_try(hl_kit_m_t *ui, const char *t, int len, int px, bool bold, int width, int height,
                   int max_lines, hl_kit_wrap_t *w)
{
    return hl_kit_wrap(ui, t, len, px, bold, width, max_lines, false, w) && w->n * w->lh <= height;
}

/* The largest size in [lo, hi] at which the text wraps into width x height
 * in at most max_lines lines; false (w undefined) when not even lo fits. */
bool hl_kit_fit(hl_kit_m_t *ui, const char *t, int len, bool bold, int width, int height, int hi,
                int lo, int max_lines, hl_kit_wrap_t *w)
{
    if (hi < lo) hi = lo;
    if (ui_try(ui, t, len, hi, bold, width, height, max_lines, w)) return true;
    if (hi == lo || !ui_try(ui, t, len, lo, bold, width, height, max_lines, w)) return false;
    int good = lo, a = lo + 1, b = hi - 1;
    while (a <= b) {
        int mid = (a + b) / 2;
        if (ui_try(ui, t, len, mid, bold, width, height, max_lines, w)) {
            good = mid;
            a = mid + 1;
        } else {
            b = mid - 1;
        }
    }
    return ui_try(ui, t, len, good, bold, width, height, max_lines, w);
}

/* Last resort for texts no layout can hold (a 500-character site name in
 * the header): split words if needed and keep the lines that fit. */
static void ui_force(hl_kit_m_t *ui, const char *t, int len, bool bold, int width, int height,
                     int px, hl_kit_wrap_t *w)
{
    hl_kit_wrap(ui, t, len, px, bold, imax(1, width), HL_KIT_MAX_LINES, true, w);
    int keep = w->lh > 0 ? height / w->lh : 0;
    if (w->n > keep) w->n = keep;
}

void hl_kit_fit_or_force(hl_kit_m_t *ui, const char *t, int len, bool bold, int width, int height,
                         int hi, int lo, int max_lines, hl_kit_wrap_t *w)
{
    if (hl_kit_fit(ui, t, len, bold, width, height, hi, lo, max_lines, w)) return;
    if (hl_kit_fit(ui, t, len, bold, width, height, lo, lo, HL_KIT_MAX_LINES, w)) return;
    ui_force(ui, t, len, bold, width, height, lo, w);
}

/* ---- Scene helpers ------------------------------------------------------- */

hl_rect_t hl_kit_rect(int x, int y, int w, int h)
{
    hl_rect_t r = {x, y, w < 0 ? 0 : w, h < 0 ? 0 : h};
    return r;
}

hl_rect_t hl_kit_inset(hl_rect_t r, int dx, int dy)
{
    return hl_kit_rect(r.x + dx, r.y + dy, r.w - 2 * dx, r.h - 2 * dy);
}

void hl_kit_fill(hl_kit_b_t *b, hl_rect_t r, unsigned col, int radius)
{
    hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_RECT, r, rgb(col));
    c->radius = radius;
}

void hl_kit_outline(hl_kit_b_t *b, hl_rect_t r, unsigned col, int radius, int border)
{
    hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_RECT, r, rgb(col));
    c->radius = radius;
    c->border = border;
}

void hl_kit_shape(hl_kit_b_t *b, hl_cmd_kind_t kind, hl_rect_t r, unsigned col, int border)
{
    hl_cmd_t *c = hl_scene_push(b->s, kind, r, rgb(col));
    c->border = border;
}

/* Moves the commands from cmd0 and the targets from tgt0 on down by dy:
 * a screen is laid out from the top, then its content block is centred in
 * the room it did not use. */
void hl_kit_shift(hl_kit_b_t *b, size_t cmd0, size_t tgt0, int dy)
{
    if (dy <= 0) return;
    for (size_t i = cmd0; i < b->s->n_cmds; i++)
        b->s->cmds[i].box.y += dy;
    for (size_t i = tgt0; i < b->s->n_targets; i++)
        b->s->targets[i].box.y += dy;
}

/* valign: 0 top, 1 centre, 2 bottom of box. */
int hl_kit_emit(hl_kit_b_t *b, const hl_kit_wrap_t *w, hl_rect_t box, unsigned col, hl_align_t al,
                int valign)
{
    hl_kit_wrap_t even;
    if (w->n >= 2 && w->n <= (al == HL_ALIGN_CENTER ? 6 : 3)) {
        /* Balance centred lines: the narrowest width that keeps the line
         * count, so that no last line is left with one word. */
        int lo = box.w / 2, hi = box.w, best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (hl_kit_wrap(&b->m, w->text, w->len, w->px, w->bold, mid, w->n, false, &even)) {
                best = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        if (best > 0 &&
            hl_kit_wrap(&b->m, w->text, w->len, w->px, w->bold, best, w->n, false, &even))
            w = &even;
    }
    int total = w->n * w->lh;
    int y = box.y;
    if (valign == 1) y += (box.h - total) / 2;
    if (valign == 2) y += box.h - total;
    for (int i = 0; i < w->n; i++) {
        if (w->lines[i].len == 0) continue;
        hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_TEXT,
                                    hl_kit_rect(box.x, y + i * w->lh, box.w, w->lh), rgb(col));
        c->text = w->text + w->lines[i].off;
        c->len = w->lines[i].len;
        c->px = w->px;
        c->bold = w->bold;
        c->align = al;
    }
    return total;
}

/* Fits and draws a short text (a label) in box, centred vertically. */
void hl_kit_label(hl_kit_b_t *b, const char *t, hl_rect_t box, int hi, int lo, bool bold,
                  unsigned col, hl_align_t al, int max_lines)
{
    hl_kit_wrap_t w;
    hl_kit_fit_or_force(&b->m, t, (int)strlen(t), bold, box.w, box.h, hi, lo, max_lines, &w);
    hl_kit_emit(b, &w, box, col, al, 1);
}

bool hl_kit_pressed(const hl_kit_b_t *b, const char *id)
{
    return b->ui->pressed[0] && strcmp(b->ui->pressed, id) == 0;
}

void hl_kit_button(hl_kit_b_t *b, const char *id, hl_rect_t r, hl_kit_style_t st, const char *text,
                   int px, bool bold)
{
    const hl_kit_lay_t *L = &b->lay;
    bool down = hl_kit_pressed(b, id);
    unsigned bg = COL_WHITE, fg = COL_TEXT, line = COL_BORDER;
    int border = L->line_border;
    switch (st) {
    case HL_KIT_PRIMARY:
        bg = down ? COL_BRAND_DARK : COL_BRAND;
        fg = COL_WHITE;
        border = 0;
        break;
    case HL_KIT_SECONDARY:
        bg = down ? COL_PRESSED : COL_WHITE;
        fg = COL_BRAND;
        line = COL_BRAND;
        break;
    case HL_KIT_QUIET:
        bg = down ? COL_PRESSED : COL_WHITE;
        break;
    case HL_KIT_DISABLED:
        bg = down ? COL_PRESSED : COL_DISABLED;
        fg = COL_MUTED;
        border = 0;
        break;
    }
    hl_kit_fill(b, r, bg, L->radius);
    if (border) hl_kit_outline(b, r, line, L->radius, border);
    hl_kit_label(b, text, hl_kit_inset(r, imax(L->pad, border + 4), border + 2), px,
                 imin(px, HL_KIT_LABEL_MIN), bold, fg, HL_ALIGN_CENTER, 2);
    hl_scene_target(b->s, id, r);
}

/* Width a button needs for its label at px, never under the target size. */
int hl_kit_button_w(hl_kit_b_t *b, const char *text, int px, bool bold)
{
    return imax(b->lay.min_target,
                hl_kit_tw(&b->m, text, (int)strlen(text), px, bold) + 3 * b->lay.pad);
}

const char *hl_kit_fmt(hl_kit_b_t *b, hl_str_id_t id, int a, int c)
{
    char buf[160];
    hl_str_format(buf, sizeof buf, b->lang, id, a, c);
    const char *p = hl_scene_strdup(b->s, buf);
    return p ? p : "";
}
