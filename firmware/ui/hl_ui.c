/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui.c: the kiosk's screens (hl_ui.h): layout from the screen size and
 * DPI, built as drawing commands and touch targets, and taps turned into
 * flow events.
 *
 * Every size is derived from millimetres at the panel's DPI: touch targets
 * are at least 10 mm and 64 px, the question aims for a 7 mm capital (Noto
 * Sans caps are 0.714 em) and shrinks, by a binary search over whole pixel
 * sizes, only as far as its box needs; text wraps at spaces, measured with
 * the renderer's own fonts, and is never cut. A screen is a header band
 * (title or site and counter, language buttons), a content area (question,
 * a hint line, the answers) and a navigation band (back, progress, skip,
 * next). Answer layouts come in variants (columns, rows; smiley faces as
 * stacked rows on a tall screen); the first variant that leaves the
 * question its full size wins, else the one that leaves it the largest.
 * Answers grow with the room (buttons up to 2-2.5 times the minimum target,
 * bigger faces, keys and labels on a big screen), and the content block is
 * centred in what it leaves over, so a portrait screen is not packed at
 * its top. Everything lives on the stack and in the caller's scene:
 * building a screen allocates nothing. Texts point into the survey, the
 * config or the built-in words; only made-up texts (hints, counters, typed
 * digits) are copied into the scene's scratch space.
 */
#include "hl_ui.h"

#include "hl_strings.h"
#include "hl_ui_kit.h"

#include <stdio.h>
#include <string.h>

/* ---- Layout metrics ------------------------------------------------------ */

int ui_mm(const ui_lay_t *L, double mm)
{
    return (int)(mm * L->mm + 0.5);
}

int ui_cap_px(const ui_lay_t *L, double cap_mm)
{
    return (int)(cap_mm * L->mm / UI_CAP_EM + 0.5);
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

void ui_lay_init(ui_lay_t *L, const hl_ui_t *ui, int w, int h)
{
    memset(L, 0, sizeof *L);
    L->w = w;
    L->h = h;
    L->portrait = h > w;
    L->mm = ui_dpi(ui) / 25.4;
    L->T = hl_ui_min_target(ui);
    L->M = imax(12, ui_mm(L, 3));
    L->G = imax(8, ui_mm(L, 2));
    L->pad = imax(8, ui_mm(L, 2.5));
    L->hp = imax(6, ui_mm(L, 1.5));
    L->bar_h = L->T + 2 * L->hp;
    L->radius = imax(6, ui_mm(L, 1.6));
    L->q_px = imax(HL_UI_QUESTION_FLOOR_PX, ui_cap_px(L, 7.0));
    L->head_px = imax(UI_LABEL_MIN, ui_cap_px(L, 4.0));
    L->label_px = imax(UI_LABEL_MIN, ui_cap_px(L, 4.5));
    L->small_px = imax(UI_SMALL_MIN + 2, ui_cap_px(L, 3.5));
    L->sel_border = imax(4, ui_mm(L, 1.2));
    L->line_border = imax(2, ui_mm(L, 0.5));
}

/* ---- Text measurement and wrapping ------------------------------------- */

int ui_tw(ui_m_t *ui, const char *t, int len, int px, bool bold)
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
    ui_memo_t *e = &ui->memo[(h ^ (h >> 9)) % UI_MEMO];
    if (e->text == t && e->len == len && e->px == px && e->bold == (int)bold) return e->width;
    e->text = t;
    e->len = len;
    e->px = px;
    e->bold = bold;
    e->width = m->width(m->ctx, t, len, px, bold);
    return e->width;
}

int ui_lh(ui_m_t *ui, int px, bool bold)
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

static bool ui_wrap_add(ui_wrap_t *w, int off, int len, int max_lines)
{
    if (w->n >= max_lines || w->n >= UI_MAX_LINES) return false;
    w->lines[w->n].off = off;
    w->lines[w->n].len = len;
    w->n++;
    return true;
}

/* Greedy word wrap of text[0..len) at px into lines no wider than width.
 * A word wider than the line fails, unless break_words (then it is split
 * between characters). Fails beyond max_lines. */
bool ui_wrap(ui_m_t *ui, const char *text, int len, int px, bool bold, int width, int max_lines,
             bool break_words, ui_wrap_t *w)
{
    w->text = text;
    w->len = len;
    w->px = px;
    w->bold = bold;
    w->lh = ui_lh(ui, px, bold);
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
                int add = ui_tw(ui, text + q, we - q, px, bold);
                if (end >= 0) add += sum + (q - end) * ui_tw(ui, " ", 1, px, bold);
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
            while (words > 1 && ui_tw(ui, text + p, end - p, px, bold) > width) {
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
                    if (ui_tw(ui, text + p, e2 - p, px, bold) > width) break;
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
    if (w->n == 0) ui_wrap_add(w, 0, 0, UI_MAX_LINES);
    return true;
}

static bool ui_try(ui_m_t *ui, const char *t, int len, int px, bool bold, int width, int height,
                   int max_lines, ui_wrap_t *w)
{
    return ui_wrap(ui, t, len, px, bold, width, max_lines, false, w) && w->n * w->lh <= height;
}

/* The largest size in [lo, hi] at which the text wraps into width x height
 * in at most max_lines lines; false (w undefined) when not even lo fits. */
bool ui_fit(ui_m_t *ui, const char *t, int len, bool bold, int width, int height, int hi, int lo,
            int max_lines, ui_wrap_t *w)
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
static void ui_force(ui_m_t *ui, const char *t, int len, bool bold, int width, int height, int px,
                     ui_wrap_t *w)
{
    ui_wrap(ui, t, len, px, bold, imax(1, width), UI_MAX_LINES, true, w);
    int keep = w->lh > 0 ? height / w->lh : 0;
    if (w->n > keep) w->n = keep;
}

void ui_fit_or_force(ui_m_t *ui, const char *t, int len, bool bold, int width, int height, int hi,
                     int lo, int max_lines, ui_wrap_t *w)
{
    if (ui_fit(ui, t, len, bold, width, height, hi, lo, max_lines, w)) return;
    if (ui_fit(ui, t, len, bold, width, height, lo, lo, UI_MAX_LINES, w)) return;
    ui_force(ui, t, len, bold, width, height, lo, w);
}

/* ---- Scene helpers ------------------------------------------------------- */

hl_rect_t ui_rect(int x, int y, int w, int h)
{
    hl_rect_t r = {x, y, w < 0 ? 0 : w, h < 0 ? 0 : h};
    return r;
}

hl_rect_t ui_inset(hl_rect_t r, int dx, int dy)
{
    return ui_rect(r.x + dx, r.y + dy, r.w - 2 * dx, r.h - 2 * dy);
}

void ui_fill(ui_b_t *b, hl_rect_t r, unsigned col, int radius)
{
    hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_RECT, r, rgb(col));
    c->radius = radius;
}

void ui_outline(ui_b_t *b, hl_rect_t r, unsigned col, int radius, int border)
{
    hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_RECT, r, rgb(col));
    c->radius = radius;
    c->border = border;
}

void ui_shape(ui_b_t *b, hl_cmd_kind_t kind, hl_rect_t r, unsigned col, int border)
{
    hl_cmd_t *c = hl_scene_push(b->s, kind, r, rgb(col));
    c->border = border;
}

/* Moves the commands from cmd0 and the targets from tgt0 on down by dy:
 * a screen is laid out from the top, then its content block is centred in
 * the room it did not use. */
void ui_shift(ui_b_t *b, size_t cmd0, size_t tgt0, int dy)
{
    if (dy <= 0) return;
    for (size_t i = cmd0; i < b->s->n_cmds; i++)
        b->s->cmds[i].box.y += dy;
    for (size_t i = tgt0; i < b->s->n_targets; i++)
        b->s->targets[i].box.y += dy;
}

/* valign: 0 top, 1 centre, 2 bottom of box. */
int ui_emit(ui_b_t *b, const ui_wrap_t *w, hl_rect_t box, unsigned col, hl_align_t al, int valign)
{
    ui_wrap_t even;
    if (w->n >= 2 && w->n <= (al == HL_ALIGN_CENTER ? 6 : 3)) {
        /* Balance centred lines: the narrowest width that keeps the line
         * count, so that no last line is left with one word. */
        int lo = box.w / 2, hi = box.w, best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (ui_wrap(&b->m, w->text, w->len, w->px, w->bold, mid, w->n, false, &even)) {
                best = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        if (best > 0 && ui_wrap(&b->m, w->text, w->len, w->px, w->bold, best, w->n, false, &even))
            w = &even;
    }
    int total = w->n * w->lh;
    int y = box.y;
    if (valign == 1) y += (box.h - total) / 2;
    if (valign == 2) y += box.h - total;
    for (int i = 0; i < w->n; i++) {
        if (w->lines[i].len == 0) continue;
        hl_cmd_t *c =
            hl_scene_push(b->s, HL_CMD_TEXT, ui_rect(box.x, y + i * w->lh, box.w, w->lh), rgb(col));
        c->text = w->text + w->lines[i].off;
        c->len = w->lines[i].len;
        c->px = w->px;
        c->bold = w->bold;
        c->align = al;
    }
    return total;
}

/* Fits and draws a short text (a label) in box, centred vertically. */
void ui_label(ui_b_t *b, const char *t, hl_rect_t box, int hi, int lo, bool bold, unsigned col,
              hl_align_t al, int max_lines)
{
    ui_wrap_t w;
    ui_fit_or_force(&b->m, t, (int)strlen(t), bold, box.w, box.h, hi, lo, max_lines, &w);
    ui_emit(b, &w, box, col, al, 1);
}

bool ui_pressed(const ui_b_t *b, const char *id)
{
    return b->ui->pressed[0] && strcmp(b->ui->pressed, id) == 0;
}

void ui_button(ui_b_t *b, const char *id, hl_rect_t r, ui_style_t st, const char *text, int px,
               bool bold)
{
    const ui_lay_t *L = &b->L;
    bool down = ui_pressed(b, id);
    unsigned bg = COL_WHITE, fg = COL_TEXT, line = COL_BORDER;
    int border = L->line_border;
    switch (st) {
    case UI_PRIMARY:
        bg = down ? COL_BRAND_DARK : COL_BRAND;
        fg = COL_WHITE;
        border = 0;
        break;
    case UI_SECONDARY:
        bg = down ? COL_PRESSED : COL_WHITE;
        fg = COL_BRAND;
        line = COL_BRAND;
        break;
    case UI_QUIET:
        bg = down ? COL_PRESSED : COL_WHITE;
        break;
    case UI_DISABLED:
        bg = down ? COL_PRESSED : COL_DISABLED;
        fg = COL_MUTED;
        border = 0;
        break;
    }
    ui_fill(b, r, bg, L->radius);
    if (border) ui_outline(b, r, line, L->radius, border);
    ui_label(b, text, ui_inset(r, imax(L->pad, border + 4), border + 2), px, imin(px, UI_LABEL_MIN),
             bold, fg, HL_ALIGN_CENTER, 2);
    hl_scene_target(b->s, id, r);
}

/* Width a button needs for its label at px, never under the target size. */
int ui_button_w(ui_b_t *b, const char *text, int px, bool bold)
{
    return imax(b->L.T, ui_tw(&b->m, text, (int)strlen(text), px, bold) + 3 * b->L.pad);
}

const char *ui_fmt(ui_b_t *b, hl_str_id_t id, int a, int c)
{
    char buf[160];
    hl_str_format(buf, sizeof buf, b->lang, id, a, c);
    const char *p = hl_scene_strdup(b->s, buf);
    return p ? p : "";
}

/* ---- Question items (options, stars, nps values, yes/no) --------------- */

static const char *const ui_numbers[11] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};

static int ui_n_items(const hl_question_t *q)
{
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
    case HL_Q_MULTI:
        return (int)q->n_options;
    case HL_Q_STARS:
        return 5;
    case HL_Q_NPS:
        return 11;
    case HL_Q_YESNO:
        return 2;
    default:
        return 0;
    }
}

/* The OPTION part of the item's target id, which is also its stored value. */
static const char *ui_item_id(const hl_question_t *q, int i)
{
    switch (q->type) {
    case HL_Q_STARS:
        return ui_numbers[i + 1];
    case HL_Q_NPS:
        return ui_numbers[i];
    case HL_Q_YESNO:
        return i == 0 ? "yes" : "no";
    default:
        return q->options[i].id;
    }
}

static const char *ui_item_label(const ui_b_t *b, const hl_question_t *q, int i)
{
    switch (q->type) {
    case HL_Q_STARS:
        return ui_numbers[i + 1];
    case HL_Q_NPS:
        return ui_numbers[i];
    case HL_Q_YESNO:
        return hl_str(b->lang, i == 0 ? HL_STR_YES : HL_STR_NO);
    default:
        return hl_text_get(&q->options[i].label, b->lang);
    }
}

/* Whether value (as stored: multi joins ids with '|') contains item id. */
static bool ui_value_has(const char *value, const char *id)
{
    if (!value) return false;
    size_t n = strlen(id);
    for (const char *p = value; *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, id, n) == 0) return true;
        p += len + (p[len] == '|');
    }
    return false;
}

static void ui_answer_id(char out[HL_SCENE_ID_MAX], const hl_question_t *q, int i)
{
    snprintf(out, HL_SCENE_ID_MAX, "answer:%s:%s", q->id, ui_item_id(q, i));
}

unsigned ui_face_color(int level, int of)
{
    static const unsigned five[5] = {COL_FACE_1, COL_FACE_2, COL_FACE_3, COL_FACE_4, COL_FACE_5};
    static const unsigned three[3] = {COL_FACE_1, COL_FACE_3, COL_FACE_5};
    if (of == 3) return three[iclamp(level, 1, 3) - 1];
    return five[iclamp(level, 1, 5) - 1];
}

/* ---- Navigation rules (shared by the screen and the tap handler) -------- */

typedef struct ui_nav {
    bool back, next, next_enabled, skip;
} ui_nav_t;

static ui_nav_t ui_nav_flags(const hl_flow_t *f)
{
    ui_nav_t n = {false, false, false, false};
    const hl_question_t *q = &f->survey->questions[f->cur];
    for (int i = 0; i < f->cur; i++)
        if (hl_flow_shown(f, i)) n.back = true;
    if (f->state == HL_STATE_START) n.back = false;
    const char *v = hl_flow_value(f, f->cur);
    if (q->type == HL_Q_MULTI || q->type == HL_Q_NUMBER) {
        n.next = true;
        n.next_enabled = !q->required || (v && v[0]);
        if (q->type == HL_Q_NUMBER && v && v[0]) {
            int len = (int)strlen(v);
            n.next_enabled = len >= q->min_digits && len <= q->max_digits;
        }
    } else if (f->values[f->cur][0]) {
        n.next = n.next_enabled = true; /* reached by back: move on without changing */
    }
    n.skip = !q->required;
    return n;
}

/* ---- Bands --------------------------------------------------------------- */

static int ui_header(ui_b_t *b, bool langs, bool site_first)
{
    const ui_lay_t *L = &b->L;
    const hl_survey_t *sv = b->f->survey;
    int hh = L->bar_h;
    ui_fill(b, ui_rect(0, 0, L->w, hh), COL_BRAND, 0);
    int right = L->w - L->M;
    if (langs && sv->n_langs > 1) {
        int px = imax(UI_SMALL_MIN + 2, (L->head_px + L->small_px) / 2);
        int tick = px * 3 / 4;
        for (size_t k = sv->n_langs; k-- > 0;) {
            hl_lang_t lg = sv->langs[k];
            const char *name = hl_str_lang_name(lg);
            bool cur = lg == b->lang;
            char id[HL_SCENE_ID_MAX];
            snprintf(id, sizeof id, "lang:%s", hl_lang_code(lg));
            int tw = ui_tw(&b->m, name, (int)strlen(name), px, true);
            int bw = imax(L->T, tw + 2 * L->pad + (cur ? tick + L->pad / 2 : 0));
            hl_rect_t r = ui_rect(right - bw, L->hp, bw, L->T);
            bool down = ui_pressed(b, id);
            if (cur) {
                ui_fill(b, r, down ? COL_PRESSED : COL_WHITE, L->radius);
                int x0 = r.x + (r.w - tw - tick - L->pad / 2) / 2;
                ui_shape(b, HL_CMD_TICK, ui_rect(x0, r.y + (r.h - tick) / 2, tick, tick), COL_BRAND,
                         0);
                ui_label(b, name, ui_rect(x0 + tick + L->pad / 2, r.y + 2, tw + 1, r.h - 4), px,
                         UI_SMALL_MIN, true, COL_BRAND, HL_ALIGN_LEFT, 1);
            } else {
                ui_fill(b, r, down ? COL_BRAND_DARK : COL_BRAND, L->radius);
                ui_outline(b, r, COL_WHITE, L->radius, L->line_border);
                ui_label(b, name, ui_inset(r, L->pad / 2 + L->line_border, L->line_border + 2), px,
                         UI_SMALL_MIN, true, COL_WHITE, HL_ALIGN_CENTER, 1);
            }
            hl_scene_target(b->s, id, r);
            right -= bw + L->G;
        }
        right -= L->G;
    }
    /* Left: title (or the site on the start screen) and the counter. */
    const hl_config_t *cfg = b->ui->cfg;
    const char *site = cfg ? hl_text_get(&cfg->site, b->lang) : "";
    const char *counter = cfg ? hl_text_get(&cfg->counter, b->lang) : "";
    const char *t1 = site_first && site[0] ? site : hl_text_get(&sv->title, b->lang);
    hl_rect_t box = ui_rect(L->M, L->hp / 2, right - L->M, hh - L->hp);
    if (box.w < L->T) return hh;
    ui_wrap_t w1, w2;
    if (counter[0]) {
        int h1 = box.h * 55 / 100;
        ui_fit_or_force(&b->m, t1, (int)strlen(t1), true, box.w, h1, L->head_px, UI_SMALL_MIN, 2,
                        &w1);
        ui_fit_or_force(&b->m, counter, (int)strlen(counter), false, box.w, box.h - w1.n * w1.lh,
                        L->small_px, UI_SMALL_MIN, 1, &w2);
        int total = w1.n * w1.lh + w2.n * w2.lh;
        int y = box.y + (box.h - total) / 2;
        y += ui_emit(b, &w1, ui_rect(box.x, y, box.w, w1.n * w1.lh), COL_WHITE, HL_ALIGN_LEFT, 0);
        ui_emit(b, &w2, ui_rect(box.x, y, box.w, w2.n * w2.lh), COL_WHITE, HL_ALIGN_LEFT, 0);
    } else {
        ui_fit_or_force(&b->m, t1, (int)strlen(t1), true, box.w, box.h, L->head_px, UI_SMALL_MIN, 2,
                        &w1);
        ui_emit(b, &w1, box, COL_WHITE, HL_ALIGN_LEFT, 1);
    }
    return hh;
}

static void ui_progress(ui_b_t *b, hl_rect_t box)
{
    const ui_lay_t *L = &b->L;
    int pos, total;
    hl_flow_progress(b->f, &pos, &total);
    if (total <= 0 || box.w < L->T) return;
    const char *t = ui_fmt(b, HL_STR_PROGRESS, pos, total);
    ui_wrap_t w;
    int dot = imax(10, ui_mm(L, 3));
    int text_h = box.h - dot - L->G / 2;
    if (!ui_fit(&b->m, t, (int)strlen(t), true, box.w, text_h, L->small_px, UI_SMALL_MIN, 1, &w))
        return;
    int block = w.lh + L->G / 2 + dot;
    int y = box.y + (box.h - block) / 2;
    ui_emit(b, &w, ui_rect(box.x, y, box.w, w.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += w.lh + L->G / 2;
    int step = dot * 2;
    if (total <= 20 && total * step - dot <= box.w) {
        int x = box.x + (box.w - (total * step - dot)) / 2;
        for (int i = 1; i <= total; i++, x += step) {
            hl_rect_t r = ui_rect(x, y, dot, dot);
            if (i <= pos)
                ui_shape(b, HL_CMD_CIRCLE, r, COL_BRAND, 0);
            else
                ui_shape(b, HL_CMD_CIRCLE, r, COL_BORDER, imax(2, dot / 5));
        }
    } else {
        int bw = imin(box.w, ui_mm(L, 50));
        hl_rect_t track = ui_rect(box.x + (box.w - bw) / 2, y + dot / 4, bw, dot / 2);
        ui_fill(b, track, COL_SEPARATOR, dot / 4);
        ui_fill(b, ui_rect(track.x, track.y, bw * pos / total, track.h), COL_BRAND, dot / 4);
    }
}

/* The officer on duty at the left of the start screen's navigation band,
 * as counter signs show them: the photo (if any), "Cán bộ tiếp nhận" and
 * the name. Takes at most half of box; returns where the rest begins (box.x
 * when nobody is on duty: the screen is then exactly as without officers). */
static int ui_officer(ui_b_t *b, hl_rect_t box)
{
    const ui_lay_t *L = &b->L;
    const hl_config_t *cfg = b->ui->cfg;
    const hl_officer_t *o = cfg && cfg->officer[0] ? hl_config_officer(cfg, cfg->officer) : NULL;
    if (!o || !o->name[0] || box.w < 2 * L->T) return box.x;
    int x = box.x, maxw = box.w / 2;
    if (o->photo && o->photo[0]) {
        int pw = box.h * 3 / 4; /* a portrait photo's 3:4 */
        hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_IMAGE, ui_rect(x, box.y, pw, box.h), rgb(COL_BG));
        c->text = o->photo;
        c->len = (int)strlen(o->photo);
        x += pw + L->pad;
        maxw -= pw + L->pad;
    }
    const char *role = hl_str(b->lang, HL_STR_OFFICER_ON_DUTY);
    int rpx = UI_SMALL_MIN + 2, npx = imax(UI_LABEL_MIN, (L->label_px + L->small_px) / 2);
    int rw = ui_tw(&b->m, role, (int)strlen(role), rpx, false);
    int nw = ui_tw(&b->m, o->name, (int)strlen(o->name), npx, true);
    int tw = imin(maxw, imax(rw, nw) + 1);
    if (tw < L->T / 2) return box.x;
    int rh = ui_lh(&b->m, rpx, false);
    ui_label(b, role, ui_rect(x, box.y, tw, rh), rpx, UI_SMALL_MIN, false, COL_MUTED, HL_ALIGN_LEFT,
             1);
    ui_label(b, o->name, ui_rect(x, box.y + rh, tw, box.h - rh), npx, UI_SMALL_MIN, true, COL_TEXT,
             HL_ALIGN_LEFT, 2);
    return x + tw + L->G;
}

static void ui_navbar(ui_b_t *b, ui_nav_t nv)
{
    const ui_lay_t *L = &b->L;
    int y0 = L->h - L->bar_h;
    ui_fill(b, ui_rect(0, y0, L->w, 2), COL_SEPARATOR, 0);
    int by = y0 + L->hp, px = L->label_px;
    int left = L->M, right = L->w - L->M;
    const char *tb = hl_str(b->lang, HL_STR_BACK), *tn = hl_str(b->lang, HL_STR_NEXT);
    const char *ts = hl_str(b->lang, HL_STR_SKIP);
    int wb = nv.back ? ui_button_w(b, tb, px, true) : 0;
    int wn = nv.next ? ui_button_w(b, tn, px, true) : 0;
    int ws = nv.skip ? ui_button_w(b, ts, px, true) : 0;
    int avail = right - left - 3 * L->G;
    int need = wb + wn + ws;
    if (need > avail && need > 0) { /* narrow screen: share out, never under T */
        wb = wb ? imax(L->T, wb * avail / need) : 0;
        wn = wn ? imax(L->T, wn * avail / need) : 0;
        ws = ws ? imax(L->T, ws * avail / need) : 0;
    }
    if (nv.back) {
        ui_button(b, "back", ui_rect(left, by, wb, L->T), UI_SECONDARY, tb, px, true);
        left += wb + L->G;
    }
    if (nv.next) {
        ui_button(b, "next", ui_rect(right - wn, by, wn, L->T),
                  nv.next_enabled ? UI_PRIMARY : UI_DISABLED, tn, px, true);
        right -= wn + L->G;
    }
    if (nv.skip) {
        ui_button(b, "skip", ui_rect(right - ws, by, ws, L->T), UI_QUIET, ts, px, true);
        right -= ws + L->G;
    }
    if (b->f->state == HL_STATE_START) left = ui_officer(b, ui_rect(left, by, right - left, L->T));
    ui_progress(b, ui_rect(left, by, right - left, L->T));
}

/* ---- Answer layouts ---------------------------------------------------- */

typedef struct ui_plan {
    int cols, rows; /* grid */
    int cell_w;     /* every cell's width */
    int h_min_cell; /* cell height range */
    int h_max_cell;
    int label_px;    /* label size for all items */
    int label_lines; /* lines reserved under faces and stars */
    int face_min;    /* face / star size range */
    int face_max;
    int extra_h;      /* nps end labels under the grid */
    int gap;          /* between cells */
    int h_min, h_max; /* whole area */
    int grid_w;
    int mark;  /* choice/multi: radio or tick box side */
    bool side; /* smiley rows: the face on the left, the label beside it */
} ui_plan_t;

/* Whether all n item labels wrap into width in at most max_lines at px. */
static bool ui_labels_fit(ui_b_t *b, const hl_question_t *q, int n, int width, int px, bool bold,
                          int max_lines, ui_wrap_t *w)
{
    for (int i = 0; i < n; i++) {
        const char *t = ui_item_label(b, q, i);
        if (!ui_wrap(&b->m, t, (int)strlen(t), px, bold, width, max_lines, false, w)) return false;
    }
    return true;
}

/* The largest label size at which every item label wraps into width in at
 * most two lines (three at the smallest size); *lines gets the most lines. */
static int ui_label_px(ui_b_t *b, const hl_question_t *q, int width, int hi, bool bold, int *lines)
{
    int n = ui_n_items(q), lo = imin(hi, UI_LABEL_MIN);
    ui_wrap_t w;
    for (int max_lines = 2; max_lines <= 4; max_lines++) {
        int a = lo, z = hi, good = -1;
        if (ui_labels_fit(b, q, n, width, hi, bold, max_lines, &w)) {
            good = hi;
            a = z + 1; /* the largest size fits: no search */
        }
        while (a <= z) {
            int mid = (a + z) / 2;
            if (ui_labels_fit(b, q, n, width, mid, bold, max_lines, &w)) {
                good = mid;
                a = mid + 1;
            } else {
                z = mid - 1;
            }
        }
        if (good > 0) {
            *lines = 1;
            for (int i = 0; i < n; i++) {
                const char *t = ui_item_label(b, q, i);
                ui_wrap(&b->m, t, (int)strlen(t), good, bold, width, max_lines, false, &w);
                *lines = imax(*lines, w.n);
            }
            return good;
        }
    }
    *lines = 4; /* words wider than the cell: they will be split */
    return lo;
}

static int ui_mark_size(const ui_lay_t *L)
{
    return imax(22, ui_mm(L, 6));
}

static bool ui_plan(ui_b_t *b, const hl_question_t *q, int variant, int W, ui_plan_t *p)
{
    const ui_lay_t *L = &b->L;
    memset(p, 0, sizeof *p);
    int n = ui_n_items(q);
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_STARS: {
        int face_big = imax(ui_mm(L, 36), b->roomy / 5);
        int cw = imin((W - (n - 1) * L->G) / n, imax(ui_mm(L, 55), face_big * 3 / 2));
        if (variant == 1) {
            /* Faces stacked as full-width rows, the label beside each: only
             * on a tall screen, and only when the faces come out clearly
             * (a quarter) bigger than side by side. */
            if (q->type != HL_Q_SMILEY || !L->portrait || !b->big) return false;
            int face_row = imin(face_big, cw - 2 * L->pad);
            int face = imin(imax(ui_mm(L, 60), b->roomy / 4), W * 2 / 5);
            face = imin(face, (b->content_h * 4 / 5 - (n - 1) * L->G) / n - 2 * L->pad);
            if (face * 4 < face_row * 5) return false;
            p->cols = 1;
            p->rows = n;
            p->cell_w = W;
            p->side = true;
            p->label_px = ui_label_px(b, q, W - face - 5 * L->pad, L->label_px * 3 / 2, false,
                                      &p->label_lines);
            p->face_max = face;
            p->face_min = imin(face, imax(32, ui_mm(L, 9)));
            int label_h = p->label_lines * ui_lh(&b->m, p->label_px, false) + L->pad;
            p->h_min_cell = imax(L->T, imax(label_h, p->face_min + 2 * L->pad));
            p->h_max_cell = imax(p->h_min_cell, face + 2 * L->pad);
            break;
        }
        if (variant != 0) return false;
        if (cw < L->T) return false;
        p->cols = n;
        p->rows = 1;
        p->cell_w = cw;
        p->label_px = ui_label_px(b, q, cw - 2 * L->pad, b->big ? L->label_px * 4 / 3 : L->label_px,
                                  false, &p->label_lines);
        int label_h = p->label_lines * ui_lh(&b->m, p->label_px, false);
        p->face_max = imin(face_big, cw - 2 * L->pad);
        p->face_min = imin(p->face_max, imax(32, ui_mm(L, 9)));
        int chrome = 2 * L->pad + L->G / 2 + label_h;
        p->h_min_cell = imax(L->T, chrome + p->face_min);
        p->h_max_cell = imax(p->h_min_cell, chrome + p->face_max);
        break;
    }
    case HL_Q_CHOICE:
    case HL_Q_MULTI: {
        int cols = variant;
        if (cols < 1 || cols > n) return false;
        int cw = (W - (cols - 1) * L->G) / cols;
        if (cols > 1 && cw < imax(2 * L->T, ui_mm(L, 35))) return false;
        int cap = imax(2 * L->T, ui_mm(L, cols == 1 ? 140 : 100));
        if (b->big && L->portrait) cap = imax(cap, W * (cols == 1 ? 9 : 10) / 10); /* wide rows */
        cw = imin(cw, cap);
        p->cols = cols;
        p->rows = (n + cols - 1) / cols;
        p->cell_w = cw;
        p->mark = b->big ? ui_mark_size(L) * 4 / 3 : ui_mark_size(L);
        int text_w = cw - (b->big ? 4 : 3) * L->pad - p->mark;
        if (text_w < L->T / 2) return false;
        p->label_px = ui_label_px(b, q, text_w, b->big ? L->label_px * 4 / 3 : L->label_px, false,
                                  &p->label_lines);
        int lh = ui_lh(&b->m, p->label_px, false);
        p->h_min_cell = imax(L->T, p->label_lines * lh + L->pad);
        /* Buttons grow with the room, up to twice the minimum target (two
         * and a half on a big screen): easier to hit, still calm. */
        p->h_max_cell = imax(p->h_min_cell, imax(ui_mm(L, 22), L->T * (b->big ? 5 : 4) / 2));
        break;
    }
    case HL_Q_NPS: {
        if (variant != 0 && variant != 1) return false;
        p->cols = variant == 0 ? 11 : 6;
        p->rows = variant == 0 ? 1 : 2;
        p->gap = L->G;
        if ((W - (p->cols - 1) * p->gap) / p->cols < L->T) /* tighten the gaps first */
            p->gap = imax(4, (W - p->cols * L->T) / (p->cols - 1));
        int cw = imin((W - (p->cols - 1) * p->gap) / p->cols, ui_mm(L, b->big ? 32 : 24));
        if (cw < L->T) return false;
        p->cell_w = cw;
        p->label_px = ui_label_px(b, q, cw - 8, (b->big ? L->label_px * 4 / 3 : L->label_px) + 4,
                                  true, &p->label_lines);
        p->h_min_cell = L->T;
        p->h_max_cell = imax(L->T, imax(ui_mm(L, 18), imin(cw, ui_mm(L, 30))));
        p->extra_h = L->G / 2 + ui_lh(&b->m, L->small_px, false);
        break;
    }
    case HL_Q_YESNO: {
        if (variant != 0) return false;
        int cw = imin((W - L->G) / 2, imax(ui_mm(L, 80), b->big && L->portrait ? W * 2 / 5 : 0));
        if (cw < L->T) return false;
        p->cols = 2;
        p->rows = 1;
        p->cell_w = cw;
        int hi = imax(L->label_px, b->big ? L->q_px * 5 / 4 : L->q_px);
        p->label_px = ui_label_px(b, q, cw - 2 * L->pad, hi, true, &p->label_lines);
        p->h_min_cell = imax(L->T, p->label_lines * ui_lh(&b->m, p->label_px, true) + L->pad);
        p->h_max_cell = imax(p->h_min_cell, imax(ui_mm(L, 24), L->T * (b->big ? 5 : 4) / 2));
        break;
    }
    default:
        return false;
    }
    if (!p->gap) p->gap = L->G;
    p->grid_w = p->cols * p->cell_w + (p->cols - 1) * p->gap;
    p->h_min = p->rows * p->h_min_cell + (p->rows - 1) * p->gap + p->extra_h;
    p->h_max = p->rows * p->h_max_cell + (p->rows - 1) * p->gap + p->extra_h;
    return true;
}

/* Variants in order of preference. */
static int ui_variants(const ui_b_t *b, const hl_question_t *q, int out[UI_MAX_VARIANT])
{
    int n = 0, items = ui_n_items(q);
    if (q->type == HL_Q_CHOICE || q->type == HL_Q_MULTI) {
        static const int land_few[] = {0, 1, 2}; /* 0 = one per item */
        static const int land_many[] = {2, 3, 4, 5, 1};
        static const int port[] = {1, 2, 3, 4};
        const int *list;
        int len;
        if (b->L.portrait) {
            list = port;
            len = 4;
        } else if (items <= 3) {
            list = land_few;
            len = 3;
        } else {
            list = land_many;
            len = 5;
        }
        for (int i = 0; i < len && n < UI_MAX_VARIANT; i++)
            out[n++] = list[i] == 0 ? items : list[i];
    } else if (q->type == HL_Q_NPS) { /* a tall screen: two rows of bigger keys first */
        out[n++] = b->L.portrait && b->big ? 1 : 0;
        out[n++] = b->L.portrait && b->big ? 0 : 1;
    } else if (q->type == HL_Q_SMILEY) {
        out[n++] = 1; /* stacked rows, where they give bigger faces */
        out[n++] = 0;
    } else {
        out[n++] = 0;
    }
    return n;
}

/* How many options a multi value holds ("a|b" -> 2, NULL or "" -> 0). */
static int ui_value_count(const char *value)
{
    if (!value || !*value) return 0;
    int n = 1;
    for (const char *p = value; *p; p++)
        n += *p == '|';
    return n;
}

static void ui_item(ui_b_t *b, const hl_question_t *q, int i, hl_rect_t cell, const ui_plan_t *p,
                    const char *value, int pressed_star)
{
    const ui_lay_t *L = &b->L;
    char id[HL_SCENE_ID_MAX];
    ui_answer_id(id, q, i);
    const char *label = ui_item_label(b, q, i);
    int llen = (int)strlen(label);
    bool down = ui_pressed(b, id);
    bool sel = q->type == HL_Q_MULTI ? ui_value_has(value, ui_item_id(q, i))
                                     : value && strcmp(value, ui_item_id(q, i)) == 0;
    ui_wrap_t w;
    if (p->side) { /* a smiley row: the face on the left, the label beside it */
        ui_fill(b, cell, sel ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
        ui_outline(b, cell, sel ? COL_BRAND : COL_BORDER, L->radius,
                   sel ? L->sel_border : L->line_border);
        int face = iclamp(cell.h - 2 * L->pad, 8, p->face_max);
        int of = (int)q->n_options, level = of - i;
        hl_rect_t fb = ui_rect(cell.x + L->pad * 2, cell.y + (cell.h - face) / 2, face, face);
        hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_FACE, fb, rgb(ui_face_color(level, of)));
        c->level = level;
        c->of = of;
        int tx = fb.x + face + L->pad * 2;
        hl_rect_t tb =
            ui_rect(tx, cell.y + L->pad / 2, cell.x + cell.w - L->pad - tx, cell.h - L->pad);
        ui_fit_or_force(&b->m, label, llen, false, tb.w, tb.h, p->label_px,
                        imin(p->label_px, UI_LABEL_MIN), p->label_lines, &w);
        ui_emit(b, &w, tb, COL_TEXT, HL_ALIGN_LEFT, 1);
    } else if (q->type == HL_Q_SMILEY || q->type == HL_Q_STARS) {
        ui_fill(b, cell, sel ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
        ui_outline(b, cell, sel ? COL_BRAND : COL_BORDER, L->radius,
                   sel ? L->sel_border : L->line_border);
        int inner_w = cell.w - 2 * L->pad;
        ui_fit_or_force(&b->m, label, llen, false, inner_w,
                        p->label_lines * ui_lh(&b->m, p->label_px, false), p->label_px, p->label_px,
                        p->label_lines, &w);
        int label_h = p->label_lines * w.lh;
        int face = iclamp(cell.h - 2 * L->pad - L->G / 2 - label_h, 8, p->face_max);
        int block = face + L->G / 2 + label_h;
        int y = cell.y + (cell.h - block) / 2;
        hl_rect_t fb = ui_rect(cell.x + (cell.w - face) / 2, y, face, face);
        if (q->type == HL_Q_SMILEY) {
            int of = (int)q->n_options, level = of - i;
            hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_FACE, fb, rgb(ui_face_color(level, of)));
            c->level = level;
            c->of = of;
        } else {
            int v = 0;
            if (value) v = value[0] - '0';
            bool full = i < v, hint = !full && i < pressed_star;
            ui_shape(b, HL_CMD_STAR, fb,
                     full   ? COL_STAR
                     : hint ? COL_STAR_HINT
                            : COL_BORDER,
                     full || hint ? 0 : imax(2, face / 24));
            /* The golden fill alone is too light on white: a dark edge keeps
             * the chosen stars visible to everyone (and the hint too). */
            if (full || hint) ui_shape(b, HL_CMD_STAR, fb, COL_STAR_EDGE, imax(2, face / 24));
        }
        ui_emit(b, &w, ui_rect(cell.x + L->pad, y + face + L->G / 2, inner_w, label_h), COL_TEXT,
                HL_ALIGN_CENTER, 0);
    } else {
        /* A multi question at its limit: the options not chosen look unavailable
         * (a tap on them does nothing until one is unticked). */
        bool at_limit = q->type == HL_Q_MULTI && !sel && ui_value_count(value) >= q->max_choices;
        unsigned bg = sel        ? (down ? COL_BRAND_DARK : COL_BRAND)
                      : down     ? COL_PRESSED /* a touch always shows */
                      : at_limit ? COL_DISABLED
                                 : COL_WHITE;
        unsigned fg = sel ? COL_WHITE : at_limit && !down ? COL_MUTED : COL_TEXT;
        ui_fill(b, cell, bg, L->radius);
        if (!sel) ui_outline(b, cell, COL_BORDER, L->radius, L->line_border);
        bool bold = q->type == HL_Q_NPS || q->type == HL_Q_YESNO;
        hl_rect_t tb = ui_inset(cell, 4 + L->line_border, 2 + L->line_border);
        hl_align_t al = HL_ALIGN_CENTER;
        if (q->type == HL_Q_CHOICE || q->type == HL_Q_MULTI) {
            int ms = p->mark;
            int mx = cell.x + (b->big ? 2 : 1) * L->pad; /* big buttons: more air */
            hl_rect_t mb = ui_rect(mx, cell.y + (cell.h - ms) / 2, ms, ms);
            int bw = imax(2, ms / 8);
            if (q->type == HL_Q_CHOICE) {
                ui_shape(b, HL_CMD_CIRCLE, mb, sel ? COL_WHITE : COL_BORDER, bw);
                if (sel) ui_shape(b, HL_CMD_CIRCLE, ui_inset(mb, ms / 4, ms / 4), COL_WHITE, 0);
            } else if (sel) {
                ui_fill(b, mb, COL_WHITE, bw);
                ui_shape(b, HL_CMD_TICK, ui_inset(mb, ms / 8, ms / 8), COL_BRAND, 0);
            } else {
                ui_outline(b, mb, COL_BORDER, bw, bw);
            }
            tb = ui_rect(mb.x + ms + L->pad, cell.y + 2,
                         cell.x + cell.w - L->pad / 2 - (mb.x + ms + L->pad), cell.h - 4);
            al = HL_ALIGN_LEFT;
        }
        ui_fit_or_force(&b->m, label, llen, bold, tb.w, tb.h, p->label_px,
                        imin(p->label_px, UI_LABEL_MIN), 4, &w);
        ui_emit(b, &w, tb, fg, al, 1);
    }
    hl_scene_target(b->s, id, cell);
}

static void ui_answers(ui_b_t *b, const hl_question_t *q, const ui_plan_t *p, hl_rect_t box)
{
    const ui_lay_t *L = &b->L;
    int n = ui_n_items(q);
    int g = p->gap;
    int ch = (box.h - p->extra_h - (p->rows - 1) * g) / p->rows;
    ch = iclamp(ch, p->h_min_cell, p->h_max_cell);
    int grid_h = p->rows * ch + (p->rows - 1) * g;
    int gx = box.x + (box.w - p->grid_w) / 2;
    int gy = box.y + (box.h - grid_h - p->extra_h) / 2;
    if (gy < box.y) gy = box.y;
    const char *value = hl_flow_value(b->f, b->f->cur);
    int pressed_star = 0;
    if (q->type == HL_Q_STARS) {
        for (int i = 0; i < 5; i++) {
            char id[HL_SCENE_ID_MAX];
            ui_answer_id(id, q, i);
            if (ui_pressed(b, id)) pressed_star = i + 1;
        }
    }
    for (int i = 0; i < n; i++) {
        int r = i / p->cols, c = i % p->cols, off = 0;
        if (q->type == HL_Q_NPS && p->rows == 2 && r == 1) off = (p->cell_w + g) / 2;
        hl_rect_t cell = ui_rect(gx + off + c * (p->cell_w + g), gy + r * (ch + g), p->cell_w, ch);
        ui_item(b, q, i, cell, p, value, pressed_star);
    }
    if (q->type == HL_Q_NPS) {
        int y = gy + grid_h + L->G / 2, lh = ui_lh(&b->m, L->small_px, false);
        int half = (p->grid_w - g) / 2;
        ui_label(b, hl_str(b->lang, HL_STR_NPS_LOW), ui_rect(gx, y, half, lh), L->small_px,
                 UI_SMALL_MIN, false, COL_MUTED, HL_ALIGN_LEFT, 1);
        ui_label(b, hl_str(b->lang, HL_STR_NPS_HIGH), ui_rect(gx + p->grid_w - half, y, half, lh),
                 L->small_px, UI_SMALL_MIN, false, COL_MUTED, HL_ALIGN_RIGHT, 1);
    }
}

/* ---- Screens --------------------------------------------------------------- */

/* The hint line: optional, choice limit, digits expected. */
static const char *ui_hint(ui_b_t *b, const hl_question_t *q)
{
    char buf[200], part[120];
    buf[0] = '\0';
    if (!q->required) snprintf(buf, sizeof buf, "%s", hl_str(b->lang, HL_STR_OPTIONAL));
    part[0] = '\0';
    if (q->type == HL_Q_MULTI) {
        if (q->max_choices < (int)q->n_options)
            hl_str_format(part, sizeof part, b->lang, HL_STR_CHOOSE_UP_TO, q->max_choices, 0);
        else
            snprintf(part, sizeof part, "%s", hl_str(b->lang, HL_STR_CHOOSE_ANY));
    } else if (q->type == HL_Q_NUMBER) {
        if (q->min_digits == q->max_digits)
            hl_str_format(part, sizeof part, b->lang, HL_STR_DIGITS_EXACT, q->min_digits, 0);
        else
            hl_str_format(part, sizeof part, b->lang, HL_STR_DIGITS_RANGE, q->min_digits,
                          q->max_digits);
    }
    if (part[0]) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s", n ? "  \xC2\xB7  " : "", part);
    }
    if (!buf[0]) return NULL;
    return hl_scene_strdup(b->s, buf);
}

/* Fits the question into width x height: the 7 mm size if possible, then
 * smaller down to the floor; *px_out is 0 when not even the floor fits. */
static void ui_fit_question(ui_b_t *b, const char *t, int width, int height, ui_wrap_t *w,
                            int *px_out)
{
    int len = (int)strlen(t), q = b->L.q_px;
    /* Bold while it stays near the 7 mm size; a long text reads better in
     * the regular face, which also fits more. */
    if (ui_fit(&b->m, t, len, true, width, height, q, imax(HL_UI_QUESTION_FLOOR_PX, q * 4 / 5),
               UI_MAX_LINES, w) ||
        ui_fit(&b->m, t, len, false, width, height, q, HL_UI_QUESTION_FLOOR_PX, UI_MAX_LINES, w))
        *px_out = w->px;
    else
        *px_out = 0;
}

static void ui_force_question(ui_b_t *b, const char *t, int width, int height, ui_wrap_t *w)
{
    ui_fit_or_force(&b->m, t, (int)strlen(t), false, width, height, HL_UI_QUESTION_FLOOR_PX - 1,
                    UI_ABS_MIN_PX, UI_MAX_LINES, w);
}

static hl_align_t ui_q_align(const ui_wrap_t *w)
{
    return w->n <= 2 ? HL_ALIGN_CENTER : HL_ALIGN_LEFT;
}

/* Lays out the keypad screen from the top of C; returns the bottom of what
 * it drew (the caller centres the block in portrait). */
static int ui_number_screen(ui_b_t *b, hl_rect_t C, const char *qt, const char *hint)
{
    const ui_lay_t *L = &b->L;
    int kG = L->G;
    int hint_h = hint ? ui_lh(&b->m, L->small_px, false) + L->G / 2 : 0;
    int field_px = L->q_px;
    int field_h = imax(L->T, ui_lh(&b->m, field_px, true) + L->pad);
    int kh, kw;
    hl_rect_t qbox, kp;
    if (!L->portrait) {
        kh = iclamp((C.h - 3 * kG) / 4, L->T, imax(L->T, ui_mm(L, 20)));
        if (4 * kh + 3 * kG > C.h) kG = imax(4, (C.h - 4 * kh) / 3);
        kw = iclamp(kh * 3 / 2, L->T, imax(L->T, ui_mm(L, 26)));
        kw = imax(L->T, imin(kw, (C.w * 34 / 100 - 2 * kG) / 3)); /* leave the question room */
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = ui_rect(C.x + C.w - kp_w, C.y + imax(0, (C.h - kp_h) / 2), kp_w, kp_h);
        qbox = ui_rect(C.x, C.y, C.w - kp_w - L->M - L->G, C.h);
    } else {
        kh = iclamp((C.h / 2 - 3 * kG) / 4, L->T, imax(L->T, imax(ui_mm(L, 20), C.h / 12)));
        kw = iclamp((C.w - 2 * kG) / 3, L->T, imax(L->T, imax(ui_mm(L, 30), C.w / 4)));
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = ui_rect(C.x + (C.w - kp_w) / 2, 0, kp_w, kp_h);
        qbox = ui_rect(C.x, C.y, C.w, C.h - kp_h - L->G);
    }
    /* Question, hint and field in qbox, top down. */
    ui_wrap_t w;
    int px;
    int q_h = qbox.h - field_h - L->G - hint_h;
    ui_fit_question(b, qt, qbox.w, q_h, &w, &px);
    if (!px) ui_force_question(b, qt, qbox.w, q_h, &w);
    hl_align_t al = L->portrait ? ui_q_align(&w) : HL_ALIGN_LEFT;
    int y = qbox.y;
    if (!L->portrait) /* beside the keypad: centred with it */
        y += imax(0, (qbox.h - (w.n * w.lh + L->G + hint_h + field_h)) / 2);
    y += ui_emit(b, &w, ui_rect(qbox.x, y, qbox.w, w.n * w.lh), COL_TEXT, al, 0);
    int field_w = L->portrait ? imin(qbox.w, imax(kp.w, ui_mm(L, 90))) : qbox.w;
    int field_x = L->portrait ? qbox.x + (qbox.w - field_w) / 2 : qbox.x;
    /* Portrait: question, field and keypad are one block (the caller
     * centres it), with a little air under the question. */
    y += L->portrait ? imax(L->G, imin(ui_mm(L, 8), C.y + C.h - y - hint_h - field_h - L->G - kp.h))
                     : L->G;
    if (hint) {
        ui_label(b, hint, ui_rect(field_x, y, field_w, hint_h - L->G / 2), L->small_px,
                 UI_SMALL_MIN, false, COL_MUTED, L->portrait ? HL_ALIGN_CENTER : HL_ALIGN_LEFT, 1);
        y += hint_h;
    }
    hl_rect_t field = ui_rect(field_x, y, field_w, field_h);
    ui_fill(b, field, COL_WHITE, L->radius);
    ui_outline(b, field, COL_BRAND, L->radius, L->sel_border / 2 + 1);
    const char *v = hl_flow_value(b->f, b->f->cur);
    if (v && v[0]) {
        const char *digits = hl_scene_strdup(b->s, v);
        if (digits)
            ui_label(b, digits, ui_inset(field, L->pad, L->sel_border), field_px, UI_LABEL_MIN,
                     true, COL_TEXT, HL_ALIGN_CENTER, 1);
    }
    if (L->portrait) kp.y = y + field_h + L->G;
    static const char *const keys[12] = {"1", "2", "3", "4",   "5", "6",
                                         "7", "8", "9", "del", "0", NULL};
    int key_px = imax(L->label_px, b->big ? L->q_px : L->q_px * 9 / 10);
    for (int i = 0; i < 12; i++) {
        if (!keys[i]) continue;
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "key:%s", keys[i]);
        hl_rect_t r = ui_rect(kp.x + (i % 3) * (kw + kG), kp.y + (i / 3) * (kh + kG), kw, kh);
        bool del = i == 9;
        ui_button(b, id, r, del ? UI_SECONDARY : UI_QUIET,
                  del ? hl_str(b->lang, HL_STR_DELETE) : keys[i], del ? L->label_px : key_px, true);
    }
    return kp.y + kp.h;
}

static void ui_question_screen(ui_b_t *b)
{
    const hl_flow_t *f = b->f;
    const ui_lay_t *L = &b->L;
    const hl_question_t *q = &f->survey->questions[f->cur];
    bool start = f->state == HL_STATE_START;
    const hl_config_t *cfg = b->ui->cfg;
    bool site = start && cfg && hl_text_get(&cfg->site, b->lang)[0];
    int top = ui_header(b, true, start);
    ui_navbar(b, ui_nav_flags(f));
    hl_rect_t C = ui_rect(L->M, top + L->M, L->w - 2 * L->M, L->h - 2 * L->bar_h - 2 * L->M);
    const int c_bottom = C.y + C.h;
    const size_t cmd0 = b->s->n_cmds, tgt0 = b->s->n_targets;
    if (site) { /* the header shows the site: the title heads the content */
        const char *t = hl_text_get(&f->survey->title, b->lang);
        ui_wrap_t w;
        ui_fit_or_force(&b->m, t, (int)strlen(t), true, C.w, C.h / 5, L->label_px + 2,
                        UI_SMALL_MIN + 2, 2, &w);
        int used =
            ui_emit(b, &w, ui_rect(C.x, C.y, C.w, w.n * w.lh), COL_BRAND, HL_ALIGN_CENTER, 0);
        C.y += used + L->G;
        C.h -= used + L->G;
    }
    const char *qt = hl_text_get(&q->text, b->lang);
    const char *hint = ui_hint(b, q);
    if (q->type == HL_Q_NUMBER) {
        int bottom = ui_number_screen(b, C, qt, hint);
        if (L->portrait) ui_shift(b, cmd0, tgt0, (c_bottom - bottom) / 2);
        return;
    }
    b->content_h = C.h;
    int hint_h = hint ? ui_lh(&b->m, L->small_px, false) + L->G / 2 : 0;
    int vars[UI_MAX_VARIANT];
    int nv = ui_variants(b, q, vars);
    ui_plan_t plan, best_plan;
    ui_wrap_t w, best_w;
    int best_px = -1, fallback = -1, fallback_h = 0;
    for (int i = 0; i < nv; i++) {
        if (!ui_plan(b, q, vars[i], C.w, &plan)) continue;
        if (fallback < 0 || plan.h_min < fallback_h) {
            fallback = vars[i];
            fallback_h = plan.h_min;
        }
        int px;
        ui_fit_question(b, qt, C.w, C.h - plan.h_min - L->G - hint_h, &w, &px);
        if (px > best_px) {
            best_px = px;
            best_plan = plan;
            if (px) best_w = w;
        }
        if (px == L->q_px) break;
    }
    if (fallback < 0) return; /* no layout at all (a screen under ~200 px) */
    if (best_px <= 0) {
        ui_plan(b, q, fallback, C.w, &best_plan);
        ui_force_question(b, qt, C.w, C.h - best_plan.h_min - L->G - hint_h, &best_w);
    }
    int qh = ui_emit(b, &best_w, ui_rect(C.x, C.y, C.w, best_w.n * best_w.lh), COL_TEXT,
                     ui_q_align(&best_w), 0);
    int y = C.y + qh + L->G;
    int rest = C.y + C.h - y - hint_h;
    /* Buttons grow into the room, but leave some air under the question
     * (faces and stars take all they can get: their size is the point). */
    int air = best_plan.face_max ? 0 : iclamp((rest - best_plan.h_min) / 2, 0, ui_mm(L, 10));
    int ah = iclamp(rest - air, best_plan.h_min, imax(best_plan.h_min, best_plan.h_max));
    int ay = y + hint_h + iclamp((rest - ah) / 3, 0, ui_mm(L, 12));
    if (hint) {
        ui_label(b, hint, ui_rect(C.x, ay - hint_h, C.w, hint_h - L->G / 2), L->small_px,
                 UI_SMALL_MIN, false, COL_MUTED, HL_ALIGN_CENTER, 1);
    }
    ui_answers(b, q, &best_plan, ui_rect(C.x, ay, C.w, ah));
    /* Title, question and answers as one block, centred in the room left
     * (a touch above the middle, where the eye rests). */
    ui_shift(b, cmd0, tgt0, (c_bottom - (ay + ah)) * 2 / 5);
}

static void ui_still_there(ui_b_t *b, int64_t now)
{
    const ui_lay_t *L = &b->L;
    int top = ui_header(b, false, false);
    hl_rect_t C = ui_rect(L->M, top + L->M, L->w - 2 * L->M, L->h - top - 2 * L->M);
    int64_t due = hl_flow_deadline(b->f), left = due - now;
    int secs = left <= 0 ? 0 : (int)((left + 999) / 1000);
    const char *q = hl_str(b->lang, HL_STR_STILL_THERE);
    const char *cd = ui_fmt(b, HL_STR_COUNTDOWN, secs, 0);
    char nbuf[16];
    snprintf(nbuf, sizeof nbuf, "%d", secs);
    const char *num = hl_scene_strdup(b->s, nbuf);
    const char *ct = hl_str(b->lang, HL_STR_CONTINUE);
    int bh = imax(L->T, ui_mm(L, 16));
    int bw = imin(C.w, imax(ui_mm(L, 70), ui_button_w(b, ct, L->q_px, true)));
    ui_wrap_t wq, wc;
    ui_fit_or_force(&b->m, q, (int)strlen(q), true, C.w, C.h / 3, L->q_px * 6 / 5, UI_LABEL_MIN, 3,
                    &wq);
    ui_fit_or_force(&b->m, cd, (int)strlen(cd), false, C.w, C.h / 5, L->label_px, UI_SMALL_MIN, 2,
                    &wc);
    int ring = iclamp(C.h - wq.n * wq.lh - wc.n * wc.lh - bh - 4 * L->G, 0, ui_mm(L, 24));
    if (ring < L->T) ring = 0;
    int block = wq.n * wq.lh + wc.n * wc.lh + bh + 3 * L->G + (ring ? ring + L->G : 0);
    int y = C.y + imax(0, (C.h - block) / 2);
    y += ui_emit(b, &wq, ui_rect(C.x, y, C.w, wq.n * wq.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += L->G;
    if (ring && num) {
        hl_rect_t rr = ui_rect(C.x + (C.w - ring) / 2, y, ring, ring);
        ui_shape(b, HL_CMD_CIRCLE, rr, COL_BRAND, imax(3, ring / 14));
        int in = ring / 5 + 2;
        ui_label(b, num, ui_inset(rr, in, in), ring / 2, UI_SMALL_MIN, true, COL_TEXT,
                 HL_ALIGN_CENTER, 1);
        y += ring + L->G;
    }
    y += ui_emit(b, &wc, ui_rect(C.x, y, C.w, wc.n * wc.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += 2 * L->G;
    ui_button(b, "continue", ui_rect(C.x + (C.w - bw) / 2, y, bw, bh), UI_PRIMARY, ct, L->q_px,
              true);
}

static void ui_thanks(ui_b_t *b)
{
    const ui_lay_t *L = &b->L;
    int top = ui_header(b, false, false);
    hl_rect_t C = ui_rect(L->M, top + L->M, L->w - 2 * L->M, L->h - top - 2 * L->M);
    const char *t = hl_text_get(&b->f->survey->thanks, b->lang);
    int disc = iclamp(C.h / 4, 0, ui_mm(L, 24));
    if (disc < 32) disc = 0;
    ui_wrap_t w;
    ui_fit_or_force(&b->m, t, (int)strlen(t), true, C.w * 9 / 10,
                    C.h - (disc ? disc + 2 * L->G : 0), L->q_px * 5 / 4, UI_ABS_MIN_PX,
                    UI_MAX_LINES, &w);
    int block = (disc ? disc + 2 * L->G : 0) + w.n * w.lh;
    int y = C.y + imax(0, (C.h - block) / 2);
    if (disc) {
        hl_rect_t d = ui_rect(C.x + (C.w - disc) / 2, y, disc, disc);
        ui_shape(b, HL_CMD_CIRCLE, d, COL_OK, 0);
        ui_shape(b, HL_CMD_TICK, ui_inset(d, disc / 4, disc / 4), COL_WHITE, 0);
        y += disc + 2 * L->G;
    }
    ui_emit(b, &w, ui_rect(C.x + C.w / 20, y, C.w * 9 / 10, w.n * w.lh), COL_TEXT, HL_ALIGN_CENTER,
            0);
}

static void ui_out_of_service(ui_b_t *b)
{
    const ui_lay_t *L = &b->L;
    hl_rect_t C = ui_rect(L->M, L->M, L->w - 2 * L->M, L->h - 2 * L->M);
    const char *vi = hl_str(HL_LANG_VI, HL_STR_OUT_OF_SERVICE);
    const char *en = hl_str(HL_LANG_EN, HL_STR_OUT_OF_SERVICE);
    int disc = iclamp(C.h / 5, 0, ui_mm(L, 18));
    ui_wrap_t wv, we;
    int avail = C.h - disc - 3 * L->G;
    ui_fit_or_force(&b->m, vi, (int)strlen(vi), true, C.w * 9 / 10, avail * 3 / 5, L->q_px,
                    UI_LABEL_MIN, 4, &wv);
    ui_fit_or_force(&b->m, en, (int)strlen(en), false, C.w * 9 / 10, avail - wv.n * wv.lh,
                    L->label_px, UI_SMALL_MIN, 4, &we);
    int block = disc + 2 * L->G + wv.n * wv.lh + L->G + we.n * we.lh;
    int y = C.y + imax(0, (C.h - block) / 2);
    if (disc > 0) {
        hl_rect_t d = ui_rect(C.x + (C.w - disc) / 2, y, disc, disc);
        /* A pause sign: the kiosk is resting, not broken. */
        ui_shape(b, HL_CMD_CIRCLE, d, COL_BRAND, imax(3, disc / 12));
        int bw = imax(3, disc / 8), bh = disc * 2 / 5;
        ui_fill(b, ui_rect(d.x + disc / 2 - bw * 3 / 2, d.y + (disc - bh) / 2, bw, bh), COL_BRAND,
                1);
        ui_fill(b, ui_rect(d.x + disc / 2 + bw / 2, d.y + (disc - bh) / 2, bw, bh), COL_BRAND, 1);
    }
    y += disc + 2 * L->G;
    hl_rect_t tb = ui_rect(C.x + C.w / 20, y, C.w * 9 / 10, wv.n * wv.lh);
    y += ui_emit(b, &wv, tb, COL_TEXT, HL_ALIGN_CENTER, 0) + L->G;
    ui_emit(b, &we, ui_rect(tb.x, y, tb.w, we.n * we.lh), COL_MUTED, HL_ALIGN_CENTER, 0);
}

/* Results going to a USB stick: what is happening, in both languages (the
 * technician may read either), a bar while writing, and what to do next. */
static void ui_export(ui_b_t *b, const hl_ui_export_t *e)
{
    const ui_lay_t *L = &b->L;
    hl_rect_t C = ui_rect(L->M, L->M, L->w - 2 * L->M, L->h - 2 * L->M);
    hl_str_id_t head = HL_STR_EXPORT_WRITING, sub = HL_STR_EXPORT_KEEP;
    unsigned mark = COL_BRAND;
    if (e->phase == HL_UI_EXPORT_DONE) {
        head = e->count > 0 ? HL_STR_EXPORT_DONE : HL_STR_EXPORT_NOTHING;
        sub = HL_STR_EXPORT_COUNT;
        mark = COL_OK;
    } else if (e->phase == HL_UI_EXPORT_FAILED) {
        head = e->code == HL_ERR_FULL       ? HL_STR_EXPORT_FULL
               : e->code == HL_ERR_READONLY ? HL_STR_EXPORT_RDONLY
               : e->code == HL_ERR_IO       ? HL_STR_EXPORT_IO
               : e->code == HL_ERR_INVALID  ? HL_STR_EXPORT_LINK /* refused by the bundle writer */
                                            : HL_STR_EXPORT_FAILED;
        sub = e->code == HL_ERR_INVALID ? HL_STR_EXPORT_LINK_FIX : HL_STR_EXPORT_RETRY;
        mark = COL_FACE_1;
    }
    char vi_sub[160], en_sub[160];
    int n = e->count > 2000000000 ? 2000000000 : (int)e->count;
    hl_str_format(vi_sub, sizeof vi_sub, HL_LANG_VI, sub, n, 0);
    hl_str_format(en_sub, sizeof en_sub, HL_LANG_EN, sub, n, 0);
    if (e->phase == HL_UI_EXPORT_DONE && e->count == 0) vi_sub[0] = en_sub[0] = '\0';
    const char *lines[4] = {hl_str(HL_LANG_VI, head), hl_str(HL_LANG_EN, head),
                            hl_scene_strdup(b->s, vi_sub), hl_scene_strdup(b->s, en_sub)};
    int disc = iclamp(C.h / 6, 0, ui_mm(L, 16));
    int bar_h = e->phase == HL_UI_EXPORT_WRITING ? imax(ui_mm(L, 5), 16) : 0;
    ui_wrap_t w[4];
    int avail = C.h - disc - bar_h - 6 * L->G, used = 0;
    for (int i = 0; i < 4; i++) {
        const char *t = lines[i] ? lines[i] : "";
        int px = i == 0 ? L->q_px : L->label_px;
        ui_fit_or_force(&b->m, t, (int)strlen(t), i == 0, C.w * 9 / 10, (avail - used) / (4 - i),
                        px, UI_SMALL_MIN, 3, &w[i]);
        used += w[i].n * w[i].lh;
    }
    int block = disc + 2 * L->G + used + 3 * L->G + (bar_h ? bar_h + 2 * L->G : 0);
    int y = C.y + imax(0, (C.h - block) / 2);
    if (disc > 0) {
        hl_rect_t d = ui_rect(C.x + (C.w - disc) / 2, y, disc, disc);
        if (e->phase == HL_UI_EXPORT_DONE) {
            ui_shape(b, HL_CMD_CIRCLE, d, mark, 0);
            ui_shape(b, HL_CMD_TICK, ui_inset(d, disc / 4, disc / 4), COL_WHITE, 0);
        } else {
            ui_shape(b, HL_CMD_CIRCLE, d, mark, imax(3, disc / 12));
        }
    }
    y += disc + 2 * L->G;
    hl_rect_t tb = ui_rect(C.x + C.w / 20, y, C.w * 9 / 10, 0);
    for (int i = 0; i < 4; i++) {
        tb.y = y;
        tb.h = w[i].n * w[i].lh;
        y += ui_emit(b, &w[i], tb, i == 0 ? COL_TEXT : COL_MUTED, HL_ALIGN_CENTER, 0) + L->G;
        if (i == 1 && bar_h) {
            /* The bar: a track and the share written. */
            hl_rect_t track = ui_rect(C.x + C.w / 10, y + L->G, C.w * 8 / 10, bar_h);
            ui_fill(b, track, COL_DISABLED, bar_h / 2);
            int fill = (int)(track.w * (e->done < 0 ? 0 : e->done > 1 ? 1 : e->done));
            if (fill >= bar_h)
                ui_fill(b, ui_rect(track.x, track.y, fill, bar_h), COL_BRAND, bar_h / 2);
            y += bar_h + 2 * L->G;
        }
    }
}

/* ---- API --------------------------------------------------------------------- */

void hl_ui_init(hl_ui_t *ui, const hl_survey_t *s, const hl_config_t *cfg, hl_measure_t m, int dpi)
{
    memset(ui, 0, sizeof *ui);
    ui->survey = s;
    ui->cfg = cfg;
    ui->measure = m;
    ui->dpi = dpi > 0 ? dpi : 96;
}

void hl_ui_build(hl_ui_t *ui, const hl_flow_t *f, int w, int h, int64_t now_mono_ms,
                 hl_scene_t *out)
{
    hl_scene_clear(out, w, h, rgb(COL_BG));
    if (w <= 0 || h <= 0) return;
    ui_b_t b;
    b.ui = ui;
    b.m.ui = ui;
    memset(b.m.memo, 0, sizeof b.m.memo);
    b.f = f;
    b.s = out;
    ui_lay_init(&b.L, ui, w, h);
    b.lang = f ? f->resp.lang : HL_LANG_VI;
    b.roomy = imin(w - 2 * b.L.M, h - 2 * b.L.bar_h - 2 * b.L.M);
    b.big = b.roomy >= ui_mm(&b.L, 200);
    b.content_h = 0;
    /* The screen's name: another question, state or language is another
     * screen for the kiosk's touch guard (hl_scene_signature). */
    if (ui->export_state.phase != HL_UI_EXPORT_NONE)
        snprintf(out->screen, sizeof out->screen, "export:%d", (int)ui->export_state.phase);
    else if (ui->out_of_service || !f || !f->survey)
        snprintf(out->screen, sizeof out->screen, "out_of_service");
    else
        snprintf(out->screen, sizeof out->screen, "%s:%s:%s", hl_state_name(f->state),
                 f->survey->questions[f->cur].id, hl_lang_code(b.lang));
    if (ui->export_state.phase != HL_UI_EXPORT_NONE) {
        ui_export(&b, &ui->export_state);
        return;
    }
    if (ui->out_of_service || !f || !f->survey) {
        ui_out_of_service(&b);
        return;
    }
    switch (f->state) {
    case HL_STATE_START:
    case HL_STATE_QUESTION:
        ui_question_screen(&b);
        break;
    case HL_STATE_STILL_THERE:
        ui_still_there(&b, now_mono_ms);
        break;
    case HL_STATE_THANKS:
        ui_thanks(&b);
        break;
    }
}

int hl_ui_tap(hl_ui_t *ui, hl_flow_t *f, const char *id, hl_err_t *err)
{
    if (!id) id = "";
    if (ui->export_state.phase != HL_UI_EXPORT_NONE)
        return hl_err_set(err, HL_ERR_STATE, "results are going to a USB stick: taps are ignored");
    if (ui->out_of_service)
        return hl_err_set(err, HL_ERR_STATE, "the kiosk is out of service: taps are ignored");
    if (f->state == HL_STATE_STILL_THERE) return hl_flow_continue(f, err);
    if (f->state == HL_STATE_THANKS)
        return hl_err_set(err, HL_ERR_STATE, "the thanks screen is showing: taps are ignored");
    const hl_question_t *q = &f->survey->questions[f->cur];
    ui_nav_t nv = ui_nav_flags(f);
    if (strcmp(id, "next") == 0 && nv.next) return hl_flow_next(f, err);
    if (strcmp(id, "back") == 0 && nv.back) return hl_flow_back(f, err);
    if (strcmp(id, "skip") == 0 && nv.skip) return hl_flow_skip(f, err);
    if (strncmp(id, "lang:", 5) == 0) {
        hl_lang_t lg;
        if (f->survey->n_langs > 1 && hl_lang_parse(id + 5, &lg) &&
            hl_survey_has_lang(f->survey, lg))
            return hl_flow_set_lang(f, lg, err);
    }
    if (strncmp(id, "key:", 4) == 0 && q->type == HL_Q_NUMBER) {
        const char *k = id + 4;
        if (strcmp(k, "del") == 0) return hl_flow_key(f, q->id, '\b', err);
        if (k[0] >= '0' && k[0] <= '9' && k[1] == '\0') return hl_flow_key(f, q->id, k[0], err);
    }
    if (strncmp(id, "answer:", 7) == 0) {
        const char *rest = id + 7;
        size_t qlen = strcspn(rest, ":");
        if (rest[qlen] == ':' && qlen == strlen(q->id) && strncmp(rest, q->id, qlen) == 0) {
            const char *opt = rest + qlen + 1;
            for (int i = 0; i < ui_n_items(q); i++) {
                if (strcmp(opt, ui_item_id(q, i)) != 0) continue;
                if (q->type == HL_Q_MULTI) return hl_flow_toggle(f, q->id, opt, err);
                const char *vals[1] = {opt};
                return hl_flow_answer(f, q->id, vals, 1, err);
            }
        }
    }
    return hl_err_set(err, HL_ERR_USAGE, "no target \"%s\" on screen", id);
}
