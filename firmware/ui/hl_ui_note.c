/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_note.c: the note screen (a question of type "note"): a page the
 * citizen reads before the questions that follow. The header band as on
 * every screen; the note's title in bold at the question's size; its body in
 * large regular text (a 5 mm capital, shrinking only as far as the room
 * needs, never under the question's floor while it fits there), paragraphs
 * split at line breaks with half a line between them, in a column no wider
 * than a comfortable line; the picture, if any, scaled to fit beside the
 * text in landscape and above it in portrait (left out when the text would
 * not fit with it: the words come first; with large text, when the body would
 * be under its usual size). The navigation band holds back
 * (as elsewhere) and "Tiếp tục / Continue", a wide primary button with the
 * id "next"; no progress count: a note is not a question to answer.
 */
#include "ui_int.h"

#define NOTE_PARAS     24  /* paragraphs laid out apart; the rest wrap in the last */
#define NOTE_COLUMN_MM 230 /* the text column's widest: about 70 characters a line */
#define NOTE_BODY_CAP  5.0 /* the body's capital height aimed for, in mm */

typedef struct note_body {
    int n;                       /* paragraphs */
    int h;                       /* their height with the gaps */
    hl_kit_wrap_t p[NOTE_PARAS]; /* each paragraph wrapped */
} note_body_t;

/* Wraps the body at px into width; false when it needs more than height. */
static bool note_wrap(hl_kit_b_t *b, const char *t, int px, int width, int height, bool force,
                      note_body_t *nb)
{
    nb->n = 0;
    nb->h = 0;
    int len = (int)strlen(t), at = 0;
    while (at < len && nb->n < NOTE_PARAS) {
        int end = at;
        while (end < len && t[end] != '\n')
            end++;
        if (nb->n == NOTE_PARAS - 1) end = len; /* the rest, line breaks kept */
        if (end > at) {
            hl_kit_wrap_t *w = &nb->p[nb->n];
            if (!hl_kit_wrap(&b->m, t + at, end - at, px, false, width, HL_KIT_MAX_LINES, force, w))
                return false;
            int gap = nb->n ? w->lh / 2 : 0;
            if (force && nb->h + gap + w->n * w->lh > height) { /* keep the lines that fit */
                w->n = imax(0, (height - nb->h - gap) / imax(1, w->lh));
                if (w->n > 0) nb->h += gap + w->n * w->lh, nb->n++;
                return true;
            }
            nb->h += gap + w->n * w->lh;
            nb->n++;
        }
        at = end + 1;
    }
    return force || nb->h <= height;
}

/* The largest size from hi down to lo at which the body fits. */
static bool note_fit(hl_kit_b_t *b, const char *t, int width, int height, int hi, int lo,
                     note_body_t *nb)
{
    if (note_wrap(b, t, hi, width, height, false, nb)) return true;
    if (hi <= lo || !note_wrap(b, t, lo, width, height, false, nb)) return false;
    int good = lo, a = lo + 1, z = hi - 1;
    while (a <= z) {
        int mid = (a + z) / 2;
        if (note_wrap(b, t, mid, width, height, false, nb))
            good = mid, a = mid + 1;
        else
            z = mid - 1;
    }
    return note_wrap(b, t, good, width, height, false, nb);
}

/* The body's size aimed for (without large text). */
static int note_body_px(const hl_kit_lay_t *L)
{
    return imax(HL_UI_QUESTION_FLOOR_PX, hl_kit_cap_px(L, NOTE_BODY_CAP));
}

/* Title and body in width x height: the title at the question's size, or
 * smaller when the body needs the room; the body's size, 0 when it only
 * fits forced (below the floor, lines cut). */
static int note_text(hl_kit_b_t *b, const hl_question_t *q, int width, int height, bool force,
                     hl_kit_wrap_t *tw, note_body_t *nb)
{
    const hl_kit_lay_t *L = &b->lay;
    const char *title = hl_text_get(&q->text, b->lang);
    const char *body = hl_text_get(&q->body, b->lang);
    int hi = note_body_px(L) * (L->large ? HL_UI_LARGE_PCT : 100) / 100;
    const int tpx[3] = {L->q_px, imax(L->label_px, L->q_px * 3 / 4), L->label_px};
    for (int k = 0; k < 3; k++) {
        hl_kit_fit_or_force(&b->m, title, (int)strlen(title), true, width, height / 3, tpx[k],
                            imin(tpx[k], HL_KIT_LABEL_MIN), 4, tw);
        int room = height - tw->n * tw->lh - L->gap;
        if (note_fit(b, body, width, room, hi, HL_UI_QUESTION_FLOOR_PX, nb)) return nb->p[0].px;
    }
    if (!force) return 0;
    int room = height - tw->n * tw->lh - L->gap;
    if (!note_fit(b, body, width, room, HL_UI_QUESTION_FLOOR_PX - 1, HL_KIT_ABS_MIN_PX, nb))
        note_wrap(b, body, HL_KIT_ABS_MIN_PX, width, room, true, nb);
    return 0;
}

static void note_navbar(hl_kit_b_t *b, bool back)
{
    const hl_kit_lay_t *L = &b->lay;
    int y0 = L->h - L->bar_h;
    hl_kit_fill(b, hl_kit_rect(0, y0, L->w, 2), COL_SEPARATOR, 0);
    int by = y0 + L->hp, left = L->margin, right = L->w - L->margin;
    const char *tb = hl_str(b->lang, HL_STR_BACK), *tc = hl_str(b->lang, HL_STR_CONTINUE);
    int wb = back ? hl_kit_button_w(b, tb, L->label_px, true) : 0;
    if (back) {
        hl_kit_button(b, "back", hl_kit_rect(left, by, wb, L->bar_t), HL_KIT_SECONDARY, tb,
                      L->label_px, true);
        hl_scene_act(b->s, (hl_action_t){HL_ACT_BACK, -1, -1});
        left += wb + L->gap;
    }
    int wc = imax(hl_kit_button_w(b, tc, L->label_px, true), hl_kit_mm(L, 60));
    wc = imin(wc, imax(L->min_target, (right - left) * 2 / 3));
    hl_kit_button(b, "next", hl_kit_rect(right - wc, by, wc, L->bar_t), HL_KIT_PRIMARY, tc,
                  L->label_px, true);
    hl_scene_act(b->s, (hl_action_t){HL_ACT_NEXT, -1, -1});
}

void hl_ui_note_screen(hl_kit_b_t *b, hl_rect_t C)
{
    const hl_kit_lay_t *L = &b->lay;
    const hl_question_t *q = &b->f->survey->questions[b->f->cur];
    note_navbar(b, hl_ui_nav_flags(b->f).back);
    if (C.w < L->min_target || C.h < L->min_target) return;
    const int c_bottom = C.y + C.h;
    const size_t cmd0 = b->s->n_cmds, tgt0 = b->s->n_targets;
    int col = imin(C.w, hl_kit_mm(L, NOTE_COLUMN_MM));
    /* The picture's box from its aspect (4:3 when unknown): as large as
     * leaves the text its size, smaller if need be, left out if even the
     * smallest leaves the text too little room (the words come first). */
    int iw = q->image_w > 0 ? q->image_w : 4, ih = q->image_h > 0 ? q->image_h : 3;
    hl_rect_t img = {0, 0, 0, 0}, text = hl_kit_rect(C.x + (C.w - col) / 2, C.y, col, C.h);
    hl_kit_wrap_t tw;
    note_body_t nb;
    static const int share[3] = {40, 30, 22}; /* percent of the width, or of the height */
    for (int k = 0; q->image && k < 3; k++) {
        if (!L->portrait) {
            int w = imin(C.w * share[k] / 100, hl_kit_mm(L, 120));
            int h = imin(C.h, (int)((long long)w * ih / iw));
            w = imin(w, (int)((long long)h * iw / ih));
            int tcol = imin(C.w - w - 2 * L->gap, col);
            int x0 = C.x + (C.w - (w + 2 * L->gap + tcol)) / 2;
            img = hl_kit_rect(x0, C.y, w, h);
            text = hl_kit_rect(x0 + w + 2 * L->gap, C.y, tcol, C.h);
        } else {
            int h = imin(C.h * share[k] * 3 / 400, (int)((long long)col * ih / iw));
            int w = imin(col, (int)((long long)h * iw / ih));
            img = hl_kit_rect(C.x + (C.w - w) / 2, C.y, w, h);
            text =
                hl_kit_rect(C.x + (C.w - col) / 2, C.y + h + 2 * L->gap, col, C.h - h - 2 * L->gap);
        }
        /* With large text the picture stays only while the body keeps at
         * least its usual size. */
        int need = L->large ? note_body_px(L) : 1;
        if (img.w >= L->min_target && img.h >= L->min_target &&
            note_text(b, q, text.w, text.h, false, &tw, &nb) >= need)
            break;
        img.w = 0;
        text = hl_kit_rect(C.x + (C.w - col) / 2, C.y, col, C.h);
    }
    note_text(b, q, text.w, text.h, true, &tw, &nb);
    int block = tw.n * tw.lh + L->gap + nb.h;
    int y = text.y;
    if (img.w > 0 && !L->portrait) { /* picture and text centred on each other */
        img.y = C.y + imax(0, (block - img.h) / 2);
        y = C.y + imax(0, (img.h - block) / 2);
    }
    if (img.w > 0) {
        hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_IMAGE, img, rgb(COL_BG));
        c->text = q->image;
        c->len = (int)strlen(q->image);
    }
    y += hl_kit_emit(b, &tw, hl_kit_rect(text.x, y, text.w, tw.n * tw.lh), COL_TEXT, HL_ALIGN_LEFT,
                     0);
    y += L->gap;
    for (int i = 0; i < nb.n; i++) {
        hl_kit_wrap_t *w = &nb.p[i];
        y += i ? w->lh / 2 : 0;
        y += hl_kit_emit(b, w, hl_kit_rect(text.x, y, text.w, w->n * w->lh), COL_TEXT,
                         HL_ALIGN_LEFT, 0);
    }
    /* The whole page centred in the room left, a touch above the middle. */
    int bottom = imax(y, img.w > 0 ? img.y + img.h : y);
    hl_kit_shift(b, cmd0, tgt0, imax(0, (c_bottom - bottom) * 2 / 5));
}
