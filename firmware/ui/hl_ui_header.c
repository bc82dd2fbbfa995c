/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_header.c: the header band of the citizen screens, and the
 * accessibility buttons it holds (issue 17).
 *
 * Left: the survey's title (or, on the start screen, the site) and the
 * counter. Right, in reading order: "Nghe / Listen" (a speaker drawn from
 * rectangles and two rings cut in half, and the word), while speech is on
 * the volume's down and up buttons with the level between them as rising
 * bars, "Aa" (large text), then the language buttons. Listen and Aa are
 * drawn like a language button: white on the blue band, inverted (white,
 * blue text) while on. When the row would crowd out the title, it gives
 * way step by step: the language names back to their usual size (large
 * text), the Listen button to its speaker alone, the names smaller still;
 * the title is left out when under two targets' width remain. The same
 * buttons are keys of the keyboard's bottom row when its screen has no
 * header (hl_ui_access_button, on the page's colours).
 */
#include "ui_int.h"

/* ---- The accessibility buttons ------------------------------------------- */

/* Colours of an accessibility button: on the blue band or on the page, on
 * (Listen with speech, Aa with large text) or off, under a finger or not. */
typedef struct acc_style {
    unsigned bg, fg; /* fill; glyph and text */
    unsigned line;   /* outline, 0 none */
} acc_style_t;

static acc_style_t acc_style(bool on_dark, bool active, bool down)
{
    acc_style_t s;
    if (on_dark == active) { /* white on the band when on; on the page when off */
        s.bg = down ? COL_PRESSED : COL_WHITE;
        s.fg = COL_BRAND;
        s.line = on_dark ? 0 : COL_BRAND;
    } else {
        s.bg = down ? COL_BRAND_DARK : COL_BRAND;
        s.fg = COL_WHITE;
        s.line = on_dark ? COL_WHITE : 0;
    }
    return s;
}

/* The glyphs' side in a button of height h. */
static int acc_glyph(int h)
{
    return imax(16, h * 2 / 3);
}

/* A loudspeaker in the square g: a magnet, a cone of four steps, and two
 * sound waves (rings whose left halves the button's colour covers). In
 * units of s (g less the outer ring's reach left of its centre), all of it
 * stays inside g. */
static void acc_speaker(hl_kit_b_t *b, hl_rect_t g, acc_style_t st)
{
    int s = g.w * 100 / 116, x = g.x + s * 28 / 100;
    int cx = x + s * 30 / 100, cy = g.y + g.h / 2, lw = imax(2, s / 11);
    static const int radius[2] = {58, 34}; /* per cent of s */
    for (int i = 0; i < 2; i++) {
        int r = s * radius[i] / 100;
        hl_kit_shape(b, HL_CMD_CIRCLE, hl_kit_rect(cx - r, cy - r, 2 * r, 2 * r), st.fg, lw);
    }
    int r2 = s * radius[0] / 100, cut = x + s * 47 / 100;
    hl_kit_fill(b, hl_kit_rect(cx - r2, cy - r2, cut - (cx - r2), 2 * r2), st.bg, 0);
    hl_kit_fill(b, hl_kit_rect(x + s * 2 / 100, cy - s * 14 / 100, s * 16 / 100, s * 28 / 100),
                st.fg, 0);
    for (int i = 0; i < 4; i++) {
        int half = s * (16 + 9 * i) / 100;
        hl_kit_fill(b,
                    hl_kit_rect(x + s * (18 + 5 * i) / 100, cy - half, s * 5 / 100 + 1, 2 * half),
                    st.fg, 0);
    }
}

/* A minus (or a plus) in the square g. */
static void acc_sign(hl_kit_b_t *b, hl_rect_t g, acc_style_t st, bool plus)
{
    int t = imax(3, g.w / 7), len = g.w * 3 / 5;
    int x = g.x + (g.w - len) / 2, y = g.y + (g.h - t) / 2;
    hl_kit_fill(b, hl_kit_rect(x, y, len, t), st.fg, t / 3);
    if (plus)
        hl_kit_fill(b, hl_kit_rect(g.x + (g.w - t) / 2, g.y + (g.h - len) / 2, t, len), st.fg,
                    t / 3);
}

/* The level meter's width in a row of height h. */
static int acc_meter_w(int h)
{
    return imax(24, h * 3 / 4);
}

void hl_ui_access_meter(hl_kit_b_t *b, hl_rect_t r, bool on_dark)
{
    const hl_ui_access_t *a = &b->ui->access;
    unsigned col = on_dark ? COL_WHITE : COL_BRAND;
    int steps = imax(1, a->volume_max), n = imin(12, steps);
    int on = (iclamp(a->volume, 0, steps) * n + steps / 2) / steps;
    int gap = imax(1, r.w / (n * 4)), bw = imax(2, (r.w - (n - 1) * gap) / n);
    int x = r.x + (r.w - (n * bw + (n - 1) * gap)) / 2;
    for (int i = 0; i < n; i++, x += bw + gap) {
        int h = r.h * (3 + 7 * (i + 1) / n) / 10;
        hl_rect_t bar = hl_kit_rect(x, r.y + r.h - h, bw, h);
        if (i < on)
            hl_kit_fill(b, bar, col, 0);
        else
            hl_kit_outline(b, bar, col, 0, 1);
    }
}

/* The Listen button's width: the speaker and the word at px, or the
 * speaker alone (a square of side h). */
static int acc_listen_w(hl_kit_b_t *b, int h, int px, bool word)
{
    const hl_kit_lay_t *L = &b->lay;
    if (!word) return h;
    const char *t = hl_str(b->lang, HL_STR_LISTEN);
    int tw = hl_kit_tw(&b->m, t, (int)strlen(t), px, true);
    return imax(h, acc_glyph(h) + L->pad / 2 + tw + 2 * L->pad + 2);
}

void hl_ui_access_button(hl_kit_b_t *b, hl_ui_acc_t which, hl_rect_t tile, hl_rect_t r, int px,
                         bool on_dark)
{
    const hl_kit_lay_t *L = &b->lay;
    const hl_ui_access_t *a = &b->ui->access;
    static const char *const ids[4] = {"listen", "volume:down", "volume:up", "large"};
    static const hl_act_t kinds[4] = {HL_ACT_LISTEN, HL_ACT_VOLUME, HL_ACT_VOLUME, HL_ACT_LARGE};
    static const int items[4] = {-1, -1, 1, -1};
    bool active =
        (which == HL_UI_ACC_LISTEN && a->speech) || (which == HL_UI_ACC_LARGE && a->large);
    acc_style_t st = acc_style(on_dark, active, hl_kit_pressed(b, ids[which]));
    hl_kit_fill(b, r, st.bg, L->radius);
    if (st.line) hl_kit_outline(b, r, st.line, L->radius, L->line_border);
    int g = imin(acc_glyph(r.h), r.w - 2 * L->line_border - 4);
    hl_rect_t centre = hl_kit_rect(r.x + (r.w - g) / 2, r.y + (r.h - g) / 2, g, g);
    if (which == HL_UI_ACC_LISTEN) {
        const char *t = hl_str(b->lang, HL_STR_LISTEN);
        int tw = hl_kit_tw(&b->m, t, (int)strlen(t), px, true);
        if (acc_listen_w(b, r.h, px, true) <= r.w) { /* the word fits: speaker and word */
            int x0 = r.x + (r.w - (g + L->pad / 2 + tw)) / 2;
            acc_speaker(b, hl_kit_rect(x0, centre.y, g, g), st);
            hl_kit_label(b, t, hl_kit_rect(x0 + g + L->pad / 2, r.y + 2, tw + 2, r.h - 4), px,
                         HL_KIT_SMALL_MIN, true, st.fg, HL_ALIGN_LEFT, 1);
        } else {
            acc_speaker(b, centre, st);
        }
    } else if (which == HL_UI_ACC_LARGE) {
        hl_kit_label(b, "Aa", hl_kit_inset(r, L->line_border + 2, L->line_border + 2), px * 5 / 4,
                     HL_KIT_SMALL_MIN, true, st.fg, HL_ALIGN_CENTER, 1);
    } else {
        acc_sign(b, centre, st, which == HL_UI_ACC_UP);
    }
    hl_scene_target(b->s, ids[which], tile);
    hl_scene_act(b->s, (hl_action_t){kinds[which], -1, items[which]});
}

int hl_ui_access_w(hl_kit_b_t *b, int h, int px, bool word)
{
    const hl_kit_lay_t *L = &b->lay;
    const hl_ui_access_t *a = &b->ui->access;
    int w = h; /* Aa */
    if (a->listen_button) w += acc_listen_w(b, h, px, word) + L->gap;
    if (a->speech) w += 2 * h + acc_meter_w(h) + 2 * L->gap;
    return w;
}

int hl_ui_access_draw(hl_kit_b_t *b, int right, int y, int h, int px, bool word, bool on_dark)
{
    const hl_kit_lay_t *L = &b->lay;
    const hl_ui_access_t *a = &b->ui->access;
    int x = right - hl_ui_access_w(b, h, px, word), left = x;
    if (a->listen_button) {
        hl_rect_t r = hl_kit_rect(x, y, acc_listen_w(b, h, px, word), h);
        hl_ui_access_button(b, HL_UI_ACC_LISTEN, r, r, px, on_dark);
        x += r.w + L->gap;
    }
    if (a->speech) {
        hl_rect_t r = hl_kit_rect(x, y, h, h);
        hl_ui_access_button(b, HL_UI_ACC_DOWN, r, r, px, on_dark);
        x += h + L->gap;
        int mw = acc_meter_w(h), mh = h * 3 / 5;
        hl_ui_access_meter(b, hl_kit_rect(x - L->gap / 2, y + (h - mh) / 2, mw, mh), on_dark);
        x += mw;
        r = hl_kit_rect(x, y, h, h);
        hl_ui_access_button(b, HL_UI_ACC_UP, r, r, px, on_dark);
        x += h + L->gap;
    }
    hl_rect_t r = hl_kit_rect(x, y, h, h);
    hl_ui_access_button(b, HL_UI_ACC_LARGE, r, r, px, on_dark);
    return left;
}

int hl_ui_header_px(const hl_kit_lay_t *L)
{
    return imax(HL_KIT_SMALL_MIN + 2, (L->head_px + L->small_px) / 2);
}

/* ---- The band ---------------------------------------------------------- */

/* A language button's width: its own name at px, and the tick when it is
 * the language in use. */
static int hdr_lang_w(hl_kit_b_t *b, hl_lang_t lg, int px)
{
    const hl_kit_lay_t *L = &b->lay;
    const char *name = hl_str_lang_name(lg);
    int tw = hl_kit_tw(&b->m, name, (int)strlen(name), px, true);
    bool cur = lg == b->lang;
    return imax(L->min_target, tw + 2 * L->pad + (cur ? px * 3 / 4 + L->pad / 2 : 0));
}

/* What the row on the right holds and how: the language names' size and
 * whether Listen shows its word. */
typedef struct hdr_row {
    int px;     /* the language names' (and Listen's word) size */
    bool word;  /* Listen shows its word */
    int langs;  /* the language buttons' width with their gaps, 0 none */
    int access; /* the accessibility buttons' width, 0 none */
} hdr_row_t;

static int hdr_row_w(const hdr_row_t *r, const hl_kit_lay_t *L)
{
    return r->langs + r->access + (r->langs && r->access ? 2 * L->gap : 0);
}

static void hdr_measure(hl_kit_b_t *b, bool langs, bool access, int px, bool word, hdr_row_t *r)
{
    const hl_survey_t *sv = b->f->survey;
    r->px = px;
    r->word = word;
    r->langs = 0;
    if (langs && sv->n_langs > 1)
        for (size_t k = 0; k < sv->n_langs; k++)
            r->langs += hdr_lang_w(b, sv->langs[k], px) + (k ? b->lay.gap : 0);
    r->access = access ? hl_ui_access_w(b, b->lay.bar_t, px, word) : 0;
}

/* The first way of fitting the row that leaves the title two targets'
 * width, else the first that fits at all, else the tightest. */
static void hdr_plan(hl_kit_b_t *b, bool langs, bool access, hdr_row_t *out)
{
    const hl_kit_lay_t *L = &b->lay;
    int full = hl_ui_header_px(L), usual = full;
    if (L->large) usual = imax(HL_KIT_SMALL_MIN + 2, full * 100 / HL_UI_LARGE_PCT);
    const int px[4] = {full, usual, usual, HL_KIT_SMALL_MIN + 2};
    const bool word[4] = {true, true, false, false};
    int room = L->w - 2 * L->margin, fit = -1;
    for (int k = 0; k < 4; k++) {
        hdr_measure(b, langs, access, px[k], word[k], out);
        int w = hdr_row_w(out, L);
        if (w + 2 * L->gap <= room - 2 * L->min_target) return;
        if (fit < 0 && w <= room) fit = k;
    }
    if (fit < 0) fit = 3;
    hdr_measure(b, langs, access, px[fit], word[fit], out);
}

int hl_ui_header(hl_kit_b_t *b, bool langs, bool access, bool site_first)
{
    const hl_kit_lay_t *L = &b->lay;
    const hl_survey_t *sv = b->f->survey;
    int hh = L->bar_h, bt = L->bar_t;
    hl_kit_fill(b, hl_kit_rect(0, 0, L->w, hh), COL_BRAND, 0);
    hdr_row_t row;
    hdr_plan(b, langs, access, &row);
    int right = L->w - L->margin, px = row.px;
    if (row.langs) {
        int tick = px * 3 / 4;
        for (size_t k = sv->n_langs; k-- > 0;) {
            hl_lang_t lg = sv->langs[k];
            const char *name = hl_str_lang_name(lg);
            bool cur = lg == b->lang;
            char id[HL_SCENE_ID_MAX];
            snprintf(id, sizeof id, "lang:%s", hl_lang_code(lg));
            int tw = hl_kit_tw(&b->m, name, (int)strlen(name), px, true);
            int bw = hdr_lang_w(b, lg, px);
            hl_rect_t r = hl_kit_rect(right - bw, L->hp, bw, bt);
            bool down = hl_kit_pressed(b, id);
            if (cur) {
                hl_kit_fill(b, r, down ? COL_PRESSED : COL_WHITE, L->radius);
                int x0 = r.x + (r.w - tw - tick - L->pad / 2) / 2;
                hl_kit_shape(b, HL_CMD_TICK, hl_kit_rect(x0, r.y + (r.h - tick) / 2, tick, tick),
                             COL_BRAND, 0);
                hl_kit_label(b, name, hl_kit_rect(x0 + tick + L->pad / 2, r.y + 2, tw + 1, r.h - 4),
                             px, HL_KIT_SMALL_MIN, true, COL_BRAND, HL_ALIGN_LEFT, 1);
            } else {
                hl_kit_fill(b, r, down ? COL_BRAND_DARK : COL_BRAND, L->radius);
                hl_kit_outline(b, r, COL_WHITE, L->radius, L->line_border);
                hl_kit_label(b, name,
                             hl_kit_inset(r, L->pad / 2 + L->line_border, L->line_border + 2), px,
                             HL_KIT_SMALL_MIN, true, COL_WHITE, HL_ALIGN_CENTER, 1);
            }
            hl_scene_target(b->s, id, r);
            hl_scene_act(b->s, (hl_action_t){HL_ACT_LANG, -1, (int)lg});
            right -= bw + L->gap;
        }
        right -= L->gap;
    }
    /* The language buttons were drawn right to left; the accessibility
     * buttons' targets come after them in the scene, and the focus orders
     * targets by where they are, not by when they were added. */
    if (row.access) right = hl_ui_access_draw(b, right, L->hp, bt, px, row.word, true) - 2 * L->gap;
    /* Left: title (or the site on the start screen) and the counter. */
    const hl_config_t *cfg = b->ui->cfg;
    const char *site = cfg ? hl_text_get(&cfg->site, b->lang) : "";
    const char *counter = cfg ? hl_text_get(&cfg->counter, b->lang) : "";
    const char *t1 = site_first && site[0] ? site : hl_text_get(&sv->title, b->lang);
    hl_rect_t box = hl_kit_rect(L->margin, L->hp / 2, right - L->margin, hh - L->hp);
    if (box.w < 2 * L->min_target) return hh;
    hl_kit_wrap_t w1, w2;
    if (counter[0]) {
        int h1 = box.h * 55 / 100;
        hl_kit_fit_or_force(&b->m, t1, (int)strlen(t1), true, box.w, h1, L->head_px,
                            HL_KIT_SMALL_MIN, 2, &w1);
        hl_kit_fit_or_force(&b->m, counter, (int)strlen(counter), false, box.w,
                            box.h - w1.n * w1.lh, L->small_px, HL_KIT_SMALL_MIN, 1, &w2);
        int total = w1.n * w1.lh + w2.n * w2.lh;
        int y = box.y + (box.h - total) / 2;
        y += hl_kit_emit(b, &w1, hl_kit_rect(box.x, y, box.w, w1.n * w1.lh), COL_WHITE,
                         HL_ALIGN_LEFT, 0);
        hl_kit_emit(b, &w2, hl_kit_rect(box.x, y, box.w, w2.n * w2.lh), COL_WHITE, HL_ALIGN_LEFT,
                    0);
    } else {
        hl_kit_fit_or_force(&b->m, t1, (int)strlen(t1), true, box.w, box.h, L->head_px,
                            HL_KIT_SMALL_MIN, 2, &w1);
        hl_kit_emit(b, &w1, box, COL_WHITE, HL_ALIGN_LEFT, 1);
    }
    return hh;
}
