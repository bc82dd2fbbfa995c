/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_answers.c: the answer layouts of a question screen: for each
 * question type the variants tried (a row, a grid, a column; labels
 * beside or under), the first that fits the content area with targets of
 * at least the minimum size, and its items drawn as scene commands and
 * touch targets.
 */
#include "ui_int.h"

/* Whether all n item labels wrap into width in at most max_lines at px. */
static bool ui_labels_fit(hl_kit_b_t *b, const hl_question_t *q, int n, int width, int px,
                          bool bold, int max_lines, hl_kit_wrap_t *w)
{
    for (int i = 0; i < n; i++) {
        const char *t = hl_ui_item_label(b, q, i);
        if (!hl_kit_wrap(&b->m, t, (int)strlen(t), px, bold, width, max_lines, false, w))
            return false;
    }
    return true;
}

/* The largest label size at which every item label wraps into width in at
 * most two lines (three at the smallest size); *lines gets the most lines. */
static int ui_label_px(hl_kit_b_t *b, const hl_question_t *q, int width, int hi, bool bold,
                       int *lines)
{
    int n = hl_question_n_items(q), lo = imin(hi, HL_KIT_LABEL_MIN);
    hl_kit_wrap_t w;
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
                const char *t = hl_ui_item_label(b, q, i);
                hl_kit_wrap(&b->m, t, (int)strlen(t), good, bold, width, max_lines, false, &w);
                *lines = imax(*lines, w.n);
            }
            return good;
        }
    }
    *lines = 4; /* words wider than the cell: they will be split */
    return lo;
}

static int ui_mark_size(const hl_kit_lay_t *L)
{
    return imax(22, hl_kit_mm(L, 6));
}

bool hl_ui_plan(hl_kit_b_t *b, const hl_question_t *q, int variant, int W, hl_ui_plan_t *p)
{
    const hl_kit_lay_t *L = &b->lay;
    memset(p, 0, sizeof *p);
    int n = hl_question_n_items(q);
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_STARS: {
        int face_big = imax(hl_kit_mm(L, 36), b->roomy / 5);
        int cw = imin((W - (n - 1) * L->gap) / n, imax(hl_kit_mm(L, 55), face_big * 3 / 2));
        if (variant == 1) {
            /* Faces stacked as full-width rows, the label beside each: only
             * on a tall screen, and only when the faces come out clearly
             * (a quarter) bigger than side by side. */
            if (q->type != HL_Q_SMILEY || !L->portrait || !b->big) return false;
            int face_row = imin(face_big, cw - 2 * L->pad);
            int face = imin(imax(hl_kit_mm(L, 60), b->roomy / 4), W * 2 / 5);
            face = imin(face, (b->content_h * 4 / 5 - (n - 1) * L->gap) / n - 2 * L->pad);
            if (face * 4 < face_row * 5) return false;
            p->cols = 1;
            p->rows = n;
            p->cell_w = W;
            p->side = true;
            p->label_px = ui_label_px(b, q, W - face - 5 * L->pad, L->label_px * 3 / 2, false,
                                      &p->label_lines);
            p->face_max = face;
            p->face_min = imin(face, imax(32, hl_kit_mm(L, 9)));
            int label_h = p->label_lines * hl_kit_lh(&b->m, p->label_px, false) + L->pad;
            p->h_min_cell = imax(L->min_target, imax(label_h, p->face_min + 2 * L->pad));
            p->h_max_cell = imax(p->h_min_cell, face + 2 * L->pad);
            break;
        }
        if (variant != 0) return false;
        if (cw < L->min_target) return false;
        p->cols = n;
        p->rows = 1;
        p->cell_w = cw;
        p->label_px = ui_label_px(b, q, cw - 2 * L->pad, b->big ? L->label_px * 4 / 3 : L->label_px,
                                  false, &p->label_lines);
        int label_h = p->label_lines * hl_kit_lh(&b->m, p->label_px, false);
        p->face_max = imin(face_big, cw - 2 * L->pad);
        p->face_min = imin(p->face_max, imax(32, hl_kit_mm(L, 9)));
        int chrome = 2 * L->pad + L->gap / 2 + label_h;
        p->h_min_cell = imax(L->min_target, chrome + p->face_min);
        p->h_max_cell = imax(p->h_min_cell, chrome + p->face_max);
        break;
    }
    case HL_Q_CHOICE:
    case HL_Q_MULTI: {
        int cols = variant;
        if (cols < 1 || cols > n) return false;
        int cw = (W - (cols - 1) * L->gap) / cols;
        if (cols > 1 && cw < imax(2 * L->min_target, hl_kit_mm(L, 35))) return false;
        int cap = imax(2 * L->min_target, hl_kit_mm(L, cols == 1 ? 140 : 100));
        if (b->big && L->portrait) cap = imax(cap, W * (cols == 1 ? 9 : 10) / 10); /* wide rows */
        cw = imin(cw, cap);
        p->cols = cols;
        p->rows = (n + cols - 1) / cols;
        p->cell_w = cw;
        p->mark = b->big ? ui_mark_size(L) * 4 / 3 : ui_mark_size(L);
        int text_w = cw - (b->big ? 4 : 3) * L->pad - p->mark;
        if (text_w < L->min_target / 2) return false;
        p->label_px = ui_label_px(b, q, text_w, b->big ? L->label_px * 4 / 3 : L->label_px, false,
                                  &p->label_lines);
        int lh = hl_kit_lh(&b->m, p->label_px, false);
        p->h_min_cell = imax(L->min_target, p->label_lines * lh + L->pad);
        /* Buttons grow with the room, up to twice the minimum target (two
         * and a half on a big screen): easier to hit, still calm. */
        p->h_max_cell =
            imax(p->h_min_cell, imax(hl_kit_mm(L, 22), L->min_target * (b->big ? 5 : 4) / 2));
        break;
    }
    case HL_Q_NPS: {
        if (variant != 0 && variant != 1) return false;
        p->cols = variant == 0 ? 11 : 6;
        p->rows = variant == 0 ? 1 : 2;
        p->gap = L->gap;
        if ((W - (p->cols - 1) * p->gap) / p->cols < L->min_target) /* tighten the gaps first */
            p->gap = imax(4, (W - p->cols * L->min_target) / (p->cols - 1));
        int cw = imin((W - (p->cols - 1) * p->gap) / p->cols, hl_kit_mm(L, b->big ? 32 : 24));
        if (cw < L->min_target) return false;
        p->cell_w = cw;
        p->label_px = ui_label_px(b, q, cw - 8, (b->big ? L->label_px * 4 / 3 : L->label_px) + 4,
                                  true, &p->label_lines);
        p->h_min_cell = L->min_target;
        p->h_max_cell = imax(L->min_target, imax(hl_kit_mm(L, 18), imin(cw, hl_kit_mm(L, 30))));
        p->extra_h = L->gap / 2 + hl_kit_lh(&b->m, L->small_px, false);
        break;
    }
    case HL_Q_YESNO: {
        if (variant != 0) return false;
        int cw =
            imin((W - L->gap) / 2, imax(hl_kit_mm(L, 80), b->big && L->portrait ? W * 2 / 5 : 0));
        if (cw < L->min_target) return false;
        p->cols = 2;
        p->rows = 1;
        p->cell_w = cw;
        int hi = imax(L->label_px, b->big ? L->q_px * 5 / 4 : L->q_px);
        p->label_px = ui_label_px(b, q, cw - 2 * L->pad, hi, true, &p->label_lines);
        p->h_min_cell =
            imax(L->min_target, p->label_lines * hl_kit_lh(&b->m, p->label_px, true) + L->pad);
        p->h_max_cell =
            imax(p->h_min_cell, imax(hl_kit_mm(L, 24), L->min_target * (b->big ? 5 : 4) / 2));
        break;
    }
    default:
        return false;
    }
    if (!p->gap) p->gap = L->gap;
    p->grid_w = p->cols * p->cell_w + (p->cols - 1) * p->gap;
    p->h_min = p->rows * p->h_min_cell + (p->rows - 1) * p->gap + p->extra_h;
    p->h_max = p->rows * p->h_max_cell + (p->rows - 1) * p->gap + p->extra_h;
    return true;
}

/* Variants in order of preference. */
int hl_ui_variants(const hl_kit_b_t *b, const hl_question_t *q, int out[HL_KIT_MAX_VARIANT])
{
    int n = 0, items = hl_question_n_items(q);
    if (q->type == HL_Q_CHOICE || q->type == HL_Q_MULTI) {
        static const int land_few[] = {0, 1, 2}; /* 0 = one per item */
        static const int land_many[] = {2, 3, 4, 5, 1};
        static const int port[] = {1, 2, 3, 4};
        const int *list;
        int len;
        if (b->lay.portrait) {
            list = port;
            len = 4;
        } else if (items <= 3) {
            list = land_few;
            len = 3;
        } else {
            list = land_many;
            len = 5;
        }
        for (int i = 0; i < len && n < HL_KIT_MAX_VARIANT; i++)
            out[n++] = list[i] == 0 ? items : list[i];
    } else if (q->type == HL_Q_NPS) { /* a tall screen: two rows of bigger keys first */
        out[n++] = b->lay.portrait && b->big ? 1 : 0;
        out[n++] = b->lay.portrait && b->big ? 0 : 1;
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

static void ui_item(hl_kit_b_t *b, const hl_question_t *q, int i, hl_rect_t cell,
                    const hl_ui_plan_t *p, const char *value, int pressed_star)
{
    const hl_kit_lay_t *L = &b->lay;
    char id[HL_SCENE_ID_MAX];
    hl_ui_answer_id(id, q, i);
    const char *label = hl_ui_item_label(b, q, i);
    int llen = (int)strlen(label);
    bool down = hl_kit_pressed(b, id);
    bool sel = q->type == HL_Q_MULTI ? hl_ui_value_has(value, hl_question_item_id(q, i))
                                     : value && strcmp(value, hl_question_item_id(q, i)) == 0;
    hl_kit_wrap_t w;
    if (p->side) { /* a smiley row: the face on the left, the label beside it */
        hl_kit_fill(b, cell, sel ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
        hl_kit_outline(b, cell, sel ? COL_BRAND : COL_BORDER, L->radius,
                       sel ? L->sel_border : L->line_border);
        int face = iclamp(cell.h - 2 * L->pad, 8, p->face_max);
        int of = (int)q->n_options, level = of - i;
        hl_rect_t fb = hl_kit_rect(cell.x + L->pad * 2, cell.y + (cell.h - face) / 2, face, face);
        hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_FACE, fb, rgb(hl_kit_face_color(level, of)));
        c->level = level;
        c->of = of;
        int tx = fb.x + face + L->pad * 2;
        hl_rect_t tb =
            hl_kit_rect(tx, cell.y + L->pad / 2, cell.x + cell.w - L->pad - tx, cell.h - L->pad);
        hl_kit_fit_or_force(&b->m, label, llen, false, tb.w, tb.h, p->label_px,
                            imin(p->label_px, HL_KIT_LABEL_MIN), p->label_lines, &w);
        hl_kit_emit(b, &w, tb, COL_TEXT, HL_ALIGN_LEFT, 1);
    } else if (q->type == HL_Q_SMILEY || q->type == HL_Q_STARS) {
        hl_kit_fill(b, cell, sel ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
        hl_kit_outline(b, cell, sel ? COL_BRAND : COL_BORDER, L->radius,
                       sel ? L->sel_border : L->line_border);
        int inner_w = cell.w - 2 * L->pad;
        hl_kit_fit_or_force(&b->m, label, llen, false, inner_w,
                            p->label_lines * hl_kit_lh(&b->m, p->label_px, false), p->label_px,
                            p->label_px, p->label_lines, &w);
        int label_h = p->label_lines * w.lh;
        int face = iclamp(cell.h - 2 * L->pad - L->gap / 2 - label_h, 8, p->face_max);
        int block = face + L->gap / 2 + label_h;
        int y = cell.y + (cell.h - block) / 2;
        hl_rect_t fb = hl_kit_rect(cell.x + (cell.w - face) / 2, y, face, face);
        if (q->type == HL_Q_SMILEY) {
            int of = (int)q->n_options, level = of - i;
            hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_FACE, fb, rgb(hl_kit_face_color(level, of)));
            c->level = level;
            c->of = of;
        } else {
            int v = 0;
            if (value) v = value[0] - '0';
            bool full = i < v, hint = !full && i < pressed_star;
            hl_kit_shape(b, HL_CMD_STAR, fb,
                         full   ? COL_STAR
                         : hint ? COL_STAR_HINT
                                : COL_BORDER,
                         full || hint ? 0 : imax(2, face / 24));
            /* The golden fill alone is too light on white: a dark edge keeps
             * the chosen stars visible to everyone (and the hint too). */
            if (full || hint) hl_kit_shape(b, HL_CMD_STAR, fb, COL_STAR_EDGE, imax(2, face / 24));
        }
        hl_kit_emit(b, &w, hl_kit_rect(cell.x + L->pad, y + face + L->gap / 2, inner_w, label_h),
                    COL_TEXT, HL_ALIGN_CENTER, 0);
    } else {
        /* A multi question at its limit: the options not chosen look unavailable
         * (a tap on them does nothing until one is unticked). */
        bool at_limit = q->type == HL_Q_MULTI && !sel && ui_value_count(value) >= q->max_choices;
        unsigned bg = sel        ? (down ? COL_BRAND_DARK : COL_BRAND)
                      : down     ? COL_PRESSED /* a touch always shows */
                      : at_limit ? COL_DISABLED
                                 : COL_WHITE;
        unsigned fg = sel ? COL_WHITE : at_limit && !down ? COL_MUTED : COL_TEXT;
        hl_kit_fill(b, cell, bg, L->radius);
        if (!sel) hl_kit_outline(b, cell, COL_BORDER, L->radius, L->line_border);
        bool bold = q->type == HL_Q_NPS || q->type == HL_Q_YESNO;
        hl_rect_t tb = hl_kit_inset(cell, 4 + L->line_border, 2 + L->line_border);
        hl_align_t al = HL_ALIGN_CENTER;
        if (q->type == HL_Q_CHOICE || q->type == HL_Q_MULTI) {
            int ms = p->mark;
            int mx = cell.x + (b->big ? 2 : 1) * L->pad; /* big buttons: more air */
            hl_rect_t mb = hl_kit_rect(mx, cell.y + (cell.h - ms) / 2, ms, ms);
            int bw = imax(2, ms / 8);
            if (q->type == HL_Q_CHOICE) {
                hl_kit_shape(b, HL_CMD_CIRCLE, mb, sel ? COL_WHITE : COL_BORDER, bw);
                if (sel)
                    hl_kit_shape(b, HL_CMD_CIRCLE, hl_kit_inset(mb, ms / 4, ms / 4), COL_WHITE, 0);
            } else if (sel) {
                hl_kit_fill(b, mb, COL_WHITE, bw);
                hl_kit_shape(b, HL_CMD_TICK, hl_kit_inset(mb, ms / 8, ms / 8), COL_BRAND, 0);
            } else {
                hl_kit_outline(b, mb, COL_BORDER, bw, bw);
            }
            tb = hl_kit_rect(mb.x + ms + L->pad, cell.y + 2,
                             cell.x + cell.w - L->pad / 2 - (mb.x + ms + L->pad), cell.h - 4);
            al = HL_ALIGN_LEFT;
        }
        hl_kit_fit_or_force(&b->m, label, llen, bold, tb.w, tb.h, p->label_px,
                            imin(p->label_px, HL_KIT_LABEL_MIN), 4, &w);
        hl_kit_emit(b, &w, tb, fg, al, 1);
    }
    hl_scene_target(b->s, id, cell);
    hl_scene_act(b->s, (hl_action_t){HL_ACT_ANSWER, (int)b->f->cur, i});
}

void hl_ui_answers(hl_kit_b_t *b, const hl_question_t *q, const hl_ui_plan_t *p, hl_rect_t box)
{
    const hl_kit_lay_t *L = &b->lay;
    int n = hl_question_n_items(q);
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
            hl_ui_answer_id(id, q, i);
            if (hl_kit_pressed(b, id)) pressed_star = i + 1;
        }
    }
    for (int i = 0; i < n; i++) {
        int r = i / p->cols, c = i % p->cols, off = 0;
        if (q->type == HL_Q_NPS && p->rows == 2 && r == 1) off = (p->cell_w + g) / 2;
        hl_rect_t cell =
            hl_kit_rect(gx + off + c * (p->cell_w + g), gy + r * (ch + g), p->cell_w, ch);
        ui_item(b, q, i, cell, p, value, pressed_star);
    }
    if (q->type == HL_Q_NPS) {
        int y = gy + grid_h + L->gap / 2, lh = hl_kit_lh(&b->m, L->small_px, false);
        int half = (p->grid_w - g) / 2;
        hl_kit_label(b, hl_str(b->lang, HL_STR_NPS_LOW), hl_kit_rect(gx, y, half, lh), L->small_px,
                     HL_KIT_SMALL_MIN, false, COL_MUTED, HL_ALIGN_LEFT, 1);
        hl_kit_label(b, hl_str(b->lang, HL_STR_NPS_HIGH),
                     hl_kit_rect(gx + p->grid_w - half, y, half, lh), L->small_px, HL_KIT_SMALL_MIN,
                     false, COL_MUTED, HL_ALIGN_RIGHT, 1);
    }
}
