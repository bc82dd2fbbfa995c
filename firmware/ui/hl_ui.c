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
 * (title or site and counter, Listen and Aa, language buttons:
 * hl_ui_header.c), a content area (question, a hint line, the answers) and
 * a navigation band (back, progress, skip, next). Answer layouts come in
 * variants (columns, rows; smiley faces as stacked rows on a tall screen);
 * the first variant that leaves the question its full size wins, else the
 * one that leaves it the largest. With large text (hl_kit_lay_large) the
 * answers keep the 10 mm floor instead of the larger minimum when the
 * larger one would leave the question under its usual size.
 * Answers grow with the room (buttons up to 2-2.5 times the minimum target,
 * bigger faces, keys and labels on a big screen), and the content block is
 * centred in what it leaves over, so a portrait screen is not packed at
 * its top. Everything lives on the stack and in the caller's scene:
 * building a screen allocates nothing. Texts point into the survey, the
 * config or the built-in words; only made-up texts (hints, counters, typed
 * digits) are copied into the scene's scratch space.
 */
#include "hl_ui.h"
#include "hl_qtype.h"
#include "ui_int.h"

#include "hl_strings.h"
#include "hl_ui_kit.h"

#include <stdio.h>
#include <string.h>

/* ---- Question items (options, stars, nps values, yes/no) --------------- */

const char *hl_ui_item_label(const hl_kit_b_t *b, const hl_question_t *q, int i)
{
    const hl_qtype_info_t *t = hl_qtype_info(q->type);
    if (t->options) return hl_text_get(&q->options[i].label, b->lang);
    if (t->words) return hl_str(b->lang, i == 0 ? HL_STR_YES : HL_STR_NO); /* yes, no */
    return hl_question_item_id(q, i);                                      /* a number */
}

/* Whether value (as stored: multi joins ids with '|') contains item id. */
bool hl_ui_value_has(const char *value, const char *id)
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

void hl_ui_answer_id(char out[HL_SCENE_ID_MAX], const hl_question_t *q, int i)
{
    snprintf(out, HL_SCENE_ID_MAX, "answer:%s:%s", q->id, hl_question_item_id(q, i));
}

unsigned hl_kit_face_color(int level, int of)
{
    static const unsigned five[5] = {COL_FACE_1, COL_FACE_2, COL_FACE_3, COL_FACE_4, COL_FACE_5};
    static const unsigned three[3] = {COL_FACE_1, COL_FACE_3, COL_FACE_5};
    if (of == 3) return three[iclamp(level, 1, 3) - 1];
    return five[iclamp(level, 1, 5) - 1];
}

/* ---- Navigation rules (shared by the screen and the tap handler) -------- */

hl_ui_nav_t hl_ui_nav_flags(const hl_flow_t *f)
{
    hl_ui_nav_t n = {false, false, false, false};
    const hl_question_t *q = &f->survey->questions[f->cur];
    for (int i = 0; i < f->cur; i++)
        if (hl_flow_shown(f, i)) n.back = true;
    if (f->state == HL_STATE_START) n.back = false;
    const char *v = hl_flow_value(f, f->cur);
    if (q->type == HL_Q_NOTE) { /* read, then continue: nothing to skip */
        n.next = n.next_enabled = true;
        return n;
    }
    if (hl_qtype_info(q->type)->draft != HL_DRAFT_NONE) {
        n.next = true;
        n.next_enabled = !q->required || (v && v[0]);
        if (q->type == HL_Q_NUMBER && v && v[0]) {
            int len = (int)strlen(v);
            n.next_enabled = len >= q->min_digits && len <= q->max_digits;
        }
        /* A number typed must be whole; none keeps what was given. */
        if (q->type == HL_Q_CONTACT) n.next_enabled = !v || hl_contact_valid(v);
    } else if (f->values[f->cur][0]) {
        n.next = n.next_enabled = true; /* reached by back: move on without changing */
    }
    n.skip = !q->required;
    return n;
}

/* ---- Bands --------------------------------------------------------------- */

static void ui_progress(hl_kit_b_t *b, hl_rect_t box)
{
    const hl_kit_lay_t *L = &b->lay;
    int pos, total;
    hl_flow_progress(b->f, &pos, &total);
    if (total <= 0 || box.w < L->min_target) return;
    const char *t = hl_kit_fmt(b, HL_STR_PROGRESS, pos, total);
    hl_kit_wrap_t w;
    int dot = imax(10, hl_kit_mm(L, 3));
    int text_h = box.h - dot - L->gap / 2;
    if (!hl_kit_fit(&b->m, t, (int)strlen(t), true, box.w, text_h, L->small_px, HL_KIT_SMALL_MIN, 1,
                    &w))
        return;
    int block = w.lh + L->gap / 2 + dot;
    int y = box.y + (box.h - block) / 2;
    hl_kit_emit(b, &w, hl_kit_rect(box.x, y, box.w, w.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += w.lh + L->gap / 2;
    int step = dot * 2;
    if (total <= 20 && total * step - dot <= box.w) {
        int x = box.x + (box.w - (total * step - dot)) / 2;
        for (int i = 1; i <= total; i++, x += step) {
            hl_rect_t r = hl_kit_rect(x, y, dot, dot);
            if (i <= pos)
                hl_kit_shape(b, HL_CMD_CIRCLE, r, COL_BRAND, 0);
            else
                hl_kit_shape(b, HL_CMD_CIRCLE, r, COL_BORDER, imax(2, dot / 5));
        }
    } else {
        int bw = imin(box.w, hl_kit_mm(L, 50));
        hl_rect_t track = hl_kit_rect(box.x + (box.w - bw) / 2, y + dot / 4, bw, dot / 2);
        hl_kit_fill(b, track, COL_SEPARATOR, dot / 4);
        hl_kit_fill(b, hl_kit_rect(track.x, track.y, bw * pos / total, track.h), COL_BRAND,
                    dot / 4);
    }
}

/* The officer on duty at the left of the start screen's navigation band,
 * as counter signs show them: the photo (if any), "Cán bộ tiếp nhận" and
 * the name. Takes at most half of box; returns where the rest begins (box.x
 * when nobody is on duty: the screen is then exactly as without officers). */
static int ui_officer(hl_kit_b_t *b, hl_rect_t box)
{
    const hl_kit_lay_t *L = &b->lay;
    const hl_config_t *cfg = b->ui->cfg;
    const hl_officer_t *o = cfg && cfg->officer[0] ? hl_config_officer(cfg, cfg->officer) : NULL;
    if (!o || !o->name[0] || box.w < 2 * L->min_target) return box.x;
    int x = box.x, maxw = box.w / 2;
    if (o->photo && o->photo[0]) {
        int pw = box.h * 3 / 4; /* a portrait photo's 3:4 */
        hl_cmd_t *c =
            hl_scene_push(b->s, HL_CMD_IMAGE, hl_kit_rect(x, box.y, pw, box.h), rgb(COL_BG));
        c->text = o->photo;
        c->len = (int)strlen(o->photo);
        x += pw + L->pad;
        maxw -= pw + L->pad;
    }
    const char *role = hl_str(b->lang, HL_STR_OFFICER_ON_DUTY);
    int rpx = HL_KIT_SMALL_MIN + 2, npx = imax(HL_KIT_LABEL_MIN, (L->label_px + L->small_px) / 2);
    int rw = hl_kit_tw(&b->m, role, (int)strlen(role), rpx, false);
    int nw = hl_kit_tw(&b->m, o->name, (int)strlen(o->name), npx, true);
    int tw = imin(maxw, imax(rw, nw) + 1);
    if (tw < L->min_target / 2) return box.x;
    int rh = hl_kit_lh(&b->m, rpx, false);
    hl_kit_label(b, role, hl_kit_rect(x, box.y, tw, rh), rpx, HL_KIT_SMALL_MIN, false, COL_MUTED,
                 HL_ALIGN_LEFT, 1);
    hl_kit_label(b, o->name, hl_kit_rect(x, box.y + rh, tw, box.h - rh), npx, HL_KIT_SMALL_MIN,
                 true, COL_TEXT, HL_ALIGN_LEFT, 2);
    return x + tw + L->gap;
}

static void ui_navbar(hl_kit_b_t *b, hl_ui_nav_t nv)
{
    const hl_kit_lay_t *L = &b->lay;
    int y0 = L->h - L->bar_h;
    hl_kit_fill(b, hl_kit_rect(0, y0, L->w, 2), COL_SEPARATOR, 0);
    int by = y0 + L->hp, px = L->label_px, bt = L->bar_t;
    int left = L->margin, right = L->w - L->margin;
    const char *tb = hl_str(b->lang, HL_STR_BACK), *tn = hl_str(b->lang, HL_STR_NEXT);
    const char *ts = hl_str(b->lang, HL_STR_SKIP);
    int wb = nv.back ? hl_kit_button_w(b, tb, px, true) : 0;
    int wn = nv.next ? hl_kit_button_w(b, tn, px, true) : 0;
    int ws = nv.skip ? hl_kit_button_w(b, ts, px, true) : 0;
    int avail = right - left - 3 * L->gap;
    int need = wb + wn + ws;
    if (need > avail && need > 0) { /* narrow screen: share out, never under T */
        wb = wb ? imax(L->min_target, wb * avail / need) : 0;
        wn = wn ? imax(L->min_target, wn * avail / need) : 0;
        ws = ws ? imax(L->min_target, ws * avail / need) : 0;
    }
    if (nv.back) {
        hl_kit_button(b, "back", hl_kit_rect(left, by, wb, bt), HL_KIT_SECONDARY, tb, px, true);
        hl_scene_act(b->s, (hl_action_t){HL_ACT_BACK, -1, -1});
        left += wb + L->gap;
    }
    if (nv.next) {
        hl_kit_button(b, "next", hl_kit_rect(right - wn, by, wn, bt),
                      nv.next_enabled ? HL_KIT_PRIMARY : HL_KIT_DISABLED, tn, px, true);
        hl_scene_act(b->s, (hl_action_t){HL_ACT_NEXT, -1, -1});
        right -= wn + L->gap;
    }
    if (nv.skip) {
        hl_kit_button(b, "skip", hl_kit_rect(right - ws, by, ws, bt), HL_KIT_QUIET, ts, px, true);
        hl_scene_act(b->s, (hl_action_t){HL_ACT_SKIP, -1, -1});
        right -= ws + L->gap;
    }
    if (b->f->state == HL_STATE_START)
        left = ui_officer(b, hl_kit_rect(left, by, right - left, bt));
    ui_progress(b, hl_kit_rect(left, by, right - left, bt));
}

/* ---- Screens --------------------------------------------------------------- */

/* The hint line: optional, choice limit, digits expected. */
static const char *ui_hint(hl_kit_b_t *b, const hl_question_t *q)
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
    } else if (q->type == HL_Q_CONTACT) {
        /* Back on it: the number is kept but never shown again. */
        bool saved = hl_flow_answered(b->f, b->f->cur) && !hl_flow_value(b->f, b->f->cur);
        snprintf(part, sizeof part, "%s",
                 hl_str(b->lang, saved ? HL_STR_PHONE_SAVED : HL_STR_PHONE_DIGITS));
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
static void ui_fit_question(hl_kit_b_t *b, const char *t, int width, int height, hl_kit_wrap_t *w,
                            int *px_out)
{
    int len = (int)strlen(t), q = b->lay.q_px;
    /* Bold while it stays near the 7 mm size; a long text reads better in
     * the regular face, which also fits more. */
    if (hl_kit_fit(&b->m, t, len, true, width, height, q, imax(HL_UI_QUESTION_FLOOR_PX, q * 4 / 5),
                   HL_KIT_MAX_LINES, w) ||
        hl_kit_fit(&b->m, t, len, false, width, height, q, HL_UI_QUESTION_FLOOR_PX,
                   HL_KIT_MAX_LINES, w))
        *px_out = w->px;
    else
        *px_out = 0;
}

static void ui_force_question(hl_kit_b_t *b, const char *t, int width, int height, hl_kit_wrap_t *w)
{
    hl_kit_fit_or_force(&b->m, t, (int)strlen(t), false, width, height, HL_UI_QUESTION_FLOOR_PX - 1,
                        HL_KIT_ABS_MIN_PX, HL_KIT_MAX_LINES, w);
}

static hl_align_t ui_q_align(const hl_kit_wrap_t *w)
{
    return w->n <= 2 ? HL_ALIGN_CENTER : HL_ALIGN_LEFT;
}

/* Lays out the keypad screen from the top of C; returns the bottom of what
 * it drew (the caller centres the block in portrait). */
static int ui_number_screen(hl_kit_b_t *b, hl_rect_t C, const char *qt, const char *hint)
{
    const hl_kit_lay_t *L = &b->lay;
    int kG = L->gap;
    int hint_h = hint ? hl_kit_lh(&b->m, L->small_px, false) + L->gap / 2 : 0;
    int field_px = L->q_px;
    int field_h = imax(L->min_target, hl_kit_lh(&b->m, field_px, true) + L->pad);
    /* A contact question: the survey's consent under the question. */
    const hl_question_t *q = &b->f->survey->questions[b->f->cur];
    const char *consent =
        q->type == HL_Q_CONTACT ? hl_text_get(&b->f->survey->consent, b->lang) : NULL;
    int kh, kw, T = L->min_target;
    /* Large keys where four rows of them fit; else as large as fit, never
     * under the 10 mm floor (large text at 800x480). */
    if (!L->portrait && 4 * T + 3 * 4 > C.h) T = imax(L->floor, (C.h - 3 * 4) / 4);
    hl_rect_t qbox, kp;
    if (!L->portrait) {
        kh = iclamp((C.h - 3 * kG) / 4, T, imax(T, hl_kit_mm(L, 20)));
        if (4 * kh + 3 * kG > C.h) kG = imax(4, (C.h - 4 * kh) / 3);
        kw = iclamp(kh * 3 / 2, T, imax(T, hl_kit_mm(L, 26)));
        kw = imax(T, imin(kw, (C.w * 34 / 100 - 2 * kG) / 3)); /* leave the question room */
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = hl_kit_rect(C.x + C.w - kp_w, C.y + imax(0, (C.h - kp_h) / 2), kp_w, kp_h);
        qbox = hl_kit_rect(C.x, C.y, C.w - kp_w - L->margin - L->gap, C.h);
    } else {
        kh = iclamp((C.h / 2 - 3 * kG) / 4, T, imax(T, imax(hl_kit_mm(L, 20), C.h / 12)));
        kw = iclamp((C.w - 2 * kG) / 3, T, imax(T, imax(hl_kit_mm(L, 30), C.w / 4)));
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = hl_kit_rect(C.x + (C.w - kp_w) / 2, 0, kp_w, kp_h);
        qbox = hl_kit_rect(C.x, C.y, C.w, C.h - kp_h - L->gap);
    }
    /* Question, consent, hint and field in qbox, top down. */
    hl_kit_wrap_t w, wc;
    int px, consent_h = 0;
    if (consent && consent[0]) {
        /* The consent is the promise made with the number: it takes the
         * room it needs (at most HL_CONSENT_MAX_CHARS, checked with the
         * survey), the question what is left. */
        hl_kit_fit_or_force(&b->m, consent, (int)strlen(consent), false, qbox.w, qbox.h / 2,
                            L->small_px, HL_KIT_SMALL_MIN, HL_KIT_MAX_LINES, &wc);
        consent_h = wc.n * wc.lh + L->gap;
    }
    int q_h = qbox.h - field_h - L->gap - hint_h - consent_h;
    ui_fit_question(b, qt, qbox.w, q_h, &w, &px);
    if (!px) ui_force_question(b, qt, qbox.w, q_h, &w);
    hl_align_t al = L->portrait ? ui_q_align(&w) : HL_ALIGN_LEFT;
    int y = qbox.y;
    if (!L->portrait) /* beside the keypad: centred with it */
        y += imax(0, (qbox.h - (w.n * w.lh + L->gap + hint_h + field_h + consent_h)) / 2);
    y += hl_kit_emit(b, &w, hl_kit_rect(qbox.x, y, qbox.w, w.n * w.lh), COL_TEXT, al, 0);
    if (consent_h) {
        y += L->gap;
        y += hl_kit_emit(b, &wc, hl_kit_rect(qbox.x, y, qbox.w, wc.n * wc.lh), COL_MUTED,
                         L->portrait ? HL_ALIGN_CENTER : HL_ALIGN_LEFT, 0);
    }
    int field_w = L->portrait ? imin(qbox.w, imax(kp.w, hl_kit_mm(L, 90))) : qbox.w;
    int field_x = L->portrait ? qbox.x + (qbox.w - field_w) / 2 : qbox.x;
    /* Portrait: question, field and keypad are one block (the caller
     * centres it), with a little air under the question. */
    y += L->portrait
             ? imax(L->gap, imin(hl_kit_mm(L, 8), C.y + C.h - y - hint_h - field_h - L->gap - kp.h))
             : L->gap;
    if (hint) {
        hl_kit_label(b, hint, hl_kit_rect(field_x, y, field_w, hint_h - L->gap / 2), L->small_px,
                     HL_KIT_SMALL_MIN, false, COL_MUTED,
                     L->portrait ? HL_ALIGN_CENTER : HL_ALIGN_LEFT, 1);
        y += hint_h;
    }
    hl_rect_t field = hl_kit_rect(field_x, y, field_w, field_h);
    hl_kit_fill(b, field, COL_WHITE, L->radius);
    hl_kit_outline(b, field, COL_BRAND, L->radius, L->sel_border / 2 + 1);
    const char *v = hl_flow_value(b->f, b->f->cur);
    char grouped[HL_CONTACT_DIGITS + 4];
    if (v && v[0] && q->type == HL_Q_CONTACT) { /* "0912 345 678", as numbers are written */
        size_t n = 0;
        for (size_t i = 0; v[i] && i < HL_CONTACT_DIGITS; i++) {
            if (i == 4 || i == 7) grouped[n++] = ' ';
            grouped[n++] = v[i];
        }
        grouped[n] = '\0';
        v = grouped;
    }
    if (v && v[0]) {
        const char *digits = hl_scene_strdup(b->s, v);
        if (digits)
            hl_kit_label(b, digits, hl_kit_inset(field, L->pad, L->sel_border), field_px,
                         HL_KIT_LABEL_MIN, true, COL_TEXT, HL_ALIGN_CENTER, 1);
    }
    if (L->portrait) kp.y = y + field_h + L->gap;
    static const char *const keys[12] = {"1", "2", "3", "4",   "5", "6",
                                         "7", "8", "9", "del", "0", NULL};
    int key_px = imax(L->label_px, b->big ? L->q_px : L->q_px * 9 / 10);
    for (int i = 0; i < 12; i++) {
        if (!keys[i]) continue;
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "key:%s", keys[i]);
        hl_rect_t r = hl_kit_rect(kp.x + (i % 3) * (kw + kG), kp.y + (i / 3) * (kh + kG), kw, kh);
        bool del = i == 9;
        hl_kit_button(b, id, r, del ? HL_KIT_SECONDARY : HL_KIT_QUIET,
                      del ? hl_str(b->lang, HL_STR_DELETE) : keys[i], del ? L->label_px : key_px,
                      true);
        hl_scene_act(b->s, (hl_action_t){HL_ACT_KEY, b->f->cur, del ? -1 : keys[i][0] - '0'});
    }
    return kp.y + kp.h;
}

/* The answer layout for q in C: the first variant that leaves the
 * question its full size, else the one that leaves it the largest, else
 * (none fits above the floor) the smallest with the question forced.
 * Returns the question's size (0 forced), -1 when no layout fits at all. */
static int ui_pick_plan(hl_kit_b_t *b, const hl_question_t *q, const char *qt, hl_rect_t C,
                        int hint_h, hl_ui_plan_t *best_plan, hl_kit_wrap_t *best_w)
{
    const hl_kit_lay_t *L = &b->lay;
    int vars[HL_KIT_MAX_VARIANT];
    int nv = hl_ui_variants(b, q, vars);
    hl_ui_plan_t plan;
    hl_kit_wrap_t w;
    int best_px = -1, fallback = -1, fallback_h = 0;
    for (int i = 0; i < nv; i++) {
        if (!hl_ui_plan(b, q, vars[i], C.w, &plan)) continue;
        if (fallback < 0 || plan.h_min < fallback_h) {
            fallback = vars[i];
            fallback_h = plan.h_min;
        }
        int px;
        ui_fit_question(b, qt, C.w, C.h - plan.h_min - L->gap - hint_h, &w, &px);
        if (px > best_px) {
            best_px = px;
            *best_plan = plan;
            if (px) *best_w = w;
        }
        if (px == L->q_px) break;
    }
    if (fallback < 0) return -1;
    if (best_px <= 0) {
        hl_ui_plan(b, q, fallback, C.w, best_plan);
        ui_force_question(b, qt, C.w, C.h - best_plan->h_min - L->gap - hint_h, best_w);
    }
    return best_px;
}

static void ui_question_screen(hl_kit_b_t *b)
{
    const hl_flow_t *f = b->f;
    const hl_kit_lay_t *L = &b->lay;
    const hl_question_t *q = &f->survey->questions[f->cur];
    bool start = f->state == HL_STATE_START;
    const hl_config_t *cfg = b->ui->cfg;
    bool site = start && cfg && hl_text_get(&cfg->site, b->lang)[0];
    if (q->type == HL_Q_TEXT) {
        hl_ui_keyboard_screen(b);
        return;
    }
    int top = hl_ui_header(b, true, true, start);
    if (q->type != HL_Q_NOTE) ui_navbar(b, hl_ui_nav_flags(f));
    hl_rect_t C = hl_kit_rect(L->margin, top + L->margin, L->w - 2 * L->margin,
                              L->h - 2 * L->bar_h - 2 * L->margin);
    const int c_bottom = C.y + C.h;
    const size_t cmd0 = b->s->n_cmds, tgt0 = b->s->n_targets;
    if (site) { /* the header shows the site: the title heads the content */
        const char *t = hl_text_get(&f->survey->title, b->lang);
        hl_kit_wrap_t w;
        hl_kit_fit_or_force(&b->m, t, (int)strlen(t), true, C.w, C.h / 5, L->label_px + 2,
                            HL_KIT_SMALL_MIN + 2, 2, &w);
        int used = hl_kit_emit(b, &w, hl_kit_rect(C.x, C.y, C.w, w.n * w.lh), COL_BRAND,
                               HL_ALIGN_CENTER, 0);
        C.y += used + L->gap;
        C.h -= used + L->gap;
    }
    if (q->type == HL_Q_NOTE) {
        hl_ui_note_screen(b, C);
        return;
    }
    const char *qt = hl_text_get(&q->text, b->lang);
    const char *hint = ui_hint(b, q);
    if (q->type == HL_Q_NUMBER || q->type == HL_Q_CONTACT) {
        int bottom = ui_number_screen(b, C, qt, hint);
        if (L->portrait) hl_kit_shift(b, cmd0, tgt0, (c_bottom - bottom) / 2);
        return;
    }
    b->content_h = C.h;
    int hint_h = hint ? hl_kit_lh(&b->m, L->small_px, false) + L->gap / 2 : 0;
    hl_ui_plan_t best_plan;
    hl_kit_wrap_t best_w;
    int best_px = ui_pick_plan(b, q, qt, C, hint_h, &best_plan, &best_w);
    int keep_t = b->lay.min_target;
    if (L->large && best_px >= 0 && best_px < L->q_px * 100 / HL_UI_LARGE_PCT &&
        L->floor < keep_t) {
        /* Large targets would leave the question under its usual size: the
         * answers keep the 10 mm floor, the question its large text. */
        hl_ui_plan_t plan;
        hl_kit_wrap_t w;
        b->lay.min_target = L->floor;
        int px = ui_pick_plan(b, q, qt, C, hint_h, &plan, &w);
        if (px > best_px) {
            best_px = px;
            best_plan = plan;
            best_w = w;
        } else {
            b->lay.min_target = keep_t;
        }
    }
    if (best_px < 0) return; /* no layout at all (a screen under ~200 px) */
    int qh = hl_kit_emit(b, &best_w, hl_kit_rect(C.x, C.y, C.w, best_w.n * best_w.lh), COL_TEXT,
                         ui_q_align(&best_w), 0);
    int y = C.y + qh + L->gap;
    int rest = C.y + C.h - y - hint_h;
    /* Buttons grow into the room, but leave some air under the question
     * (faces and stars take all they can get: their size is the point). */
    int air = best_plan.face_max ? 0 : iclamp((rest - best_plan.h_min) / 2, 0, hl_kit_mm(L, 10));
    int ah = iclamp(rest - air, best_plan.h_min, imax(best_plan.h_min, best_plan.h_max));
    int ay = y + hint_h + iclamp((rest - ah) / 3, 0, hl_kit_mm(L, 12));
    if (hint) {
        hl_kit_label(b, hint, hl_kit_rect(C.x, ay - hint_h, C.w, hint_h - L->gap / 2), L->small_px,
                     HL_KIT_SMALL_MIN, false, COL_MUTED, HL_ALIGN_CENTER, 1);
    }
    hl_ui_answers(b, q, &best_plan, hl_kit_rect(C.x, ay, C.w, ah));
    b->lay.min_target = keep_t;
    /* Title, question and answers as one block, centred in the room left
     * (a touch above the middle, where the eye rests). */
    hl_kit_shift(b, cmd0, tgt0, (c_bottom - (ay + ah)) * 2 / 5);
}

static void ui_still_there(hl_kit_b_t *b, int64_t now)
{
    const hl_kit_lay_t *L = &b->lay;
    int top = hl_ui_header(b, false, true, false);
    hl_rect_t C =
        hl_kit_rect(L->margin, top + L->margin, L->w - 2 * L->margin, L->h - top - 2 * L->margin);
    int64_t due = hl_flow_deadline(b->f), left = due - now;
    int secs = left <= 0 ? 0 : (int)((left + 999) / 1000);
    const char *q = hl_str(b->lang, HL_STR_STILL_THERE);
    const char *cd = hl_kit_fmt(b, HL_STR_COUNTDOWN, secs, 0);
    char nbuf[16];
    snprintf(nbuf, sizeof nbuf, "%d", secs);
    const char *num = hl_scene_strdup(b->s, nbuf);
    const char *ct = hl_str(b->lang, HL_STR_CONTINUE);
    int bh = imax(L->min_target, hl_kit_mm(L, 16));
    int bw = imin(C.w, imax(hl_kit_mm(L, 70), hl_kit_button_w(b, ct, L->q_px, true)));
    hl_kit_wrap_t wq, wc;
    hl_kit_fit_or_force(&b->m, q, (int)strlen(q), true, C.w, C.h / 3, L->q_px * 6 / 5,
                        HL_KIT_LABEL_MIN, 3, &wq);
    hl_kit_fit_or_force(&b->m, cd, (int)strlen(cd), false, C.w, C.h / 5, L->label_px,
                        HL_KIT_SMALL_MIN, 2, &wc);
    int ring = iclamp(C.h - wq.n * wq.lh - wc.n * wc.lh - bh - 4 * L->gap, 0, hl_kit_mm(L, 24));
    if (ring < L->min_target) ring = 0;
    int block = wq.n * wq.lh + wc.n * wc.lh + bh + 3 * L->gap + (ring ? ring + L->gap : 0);
    int y = C.y + imax(0, (C.h - block) / 2);
    y += hl_kit_emit(b, &wq, hl_kit_rect(C.x, y, C.w, wq.n * wq.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += L->gap;
    if (ring && num) {
        hl_rect_t rr = hl_kit_rect(C.x + (C.w - ring) / 2, y, ring, ring);
        hl_kit_shape(b, HL_CMD_CIRCLE, rr, COL_BRAND, imax(3, ring / 14));
        int in = ring / 5 + 2;
        hl_kit_label(b, num, hl_kit_inset(rr, in, in), ring / 2, HL_KIT_SMALL_MIN, true, COL_TEXT,
                     HL_ALIGN_CENTER, 1);
        y += ring + L->gap;
    }
    y += hl_kit_emit(b, &wc, hl_kit_rect(C.x, y, C.w, wc.n * wc.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += 2 * L->gap;
    hl_kit_button(b, "continue", hl_kit_rect(C.x + (C.w - bw) / 2, y, bw, bh), HL_KIT_PRIMARY, ct,
                  L->q_px, true);
    hl_scene_act(b->s, (hl_action_t){HL_ACT_CONTINUE, -1, -1});
}

/* The follow-up code under the thanks: a heading, the code large in a box
 * (two groups of three, as it is read aloud), what it is for; from y, in
 * C's width. Returns its height (0 without a code); with draw false it
 * only measures. */
static int ui_followup(hl_kit_b_t *b, hl_rect_t C, int y, bool draw)
{
    const hl_kit_lay_t *L = &b->lay;
    const char *code = b->f->resp.followup;
    if (!code[0]) return 0;
    char shown[HL_FOLLOWUP_LEN + 2];
    snprintf(shown, sizeof shown, "%.3s %s", code, code + 3);
    const char *head = hl_str(b->lang, HL_STR_FOLLOWUP_HEAD);
    const char *how = hl_str(b->lang, HL_STR_FOLLOWUP_HOW);
    hl_kit_wrap_t wh, ww;
    hl_kit_fit_or_force(&b->m, head, (int)strlen(head), false, C.w * 9 / 10, C.h / 6, L->label_px,
                        HL_KIT_SMALL_MIN, 2, &wh);
    hl_kit_fit_or_force(&b->m, how, (int)strlen(how), false, C.w * 9 / 10, C.h / 5, L->small_px,
                        HL_KIT_SMALL_MIN, 3, &ww);
    int code_px = imax(L->q_px, L->q_px * 3 / 2);
    int tw = hl_kit_tw(&b->m, shown, (int)strlen(shown), code_px, true);
    int bw = imin(C.w, tw + 4 * L->pad), bh = hl_kit_lh(&b->m, code_px, true) + L->pad;
    int h = wh.n * wh.lh + L->gap / 2 + bh + L->gap / 2 + ww.n * ww.lh;
    if (!draw) return h;
    int tx = C.x + C.w / 20, tw9 = C.w * 9 / 10;
    y += hl_kit_emit(b, &wh, hl_kit_rect(tx, y, tw9, wh.n * wh.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += L->gap / 2;
    hl_rect_t box = hl_kit_rect(C.x + (C.w - bw) / 2, y, bw, bh);
    hl_kit_fill(b, box, COL_WHITE, L->radius);
    hl_kit_outline(b, box, COL_BRAND, L->radius, L->sel_border / 2 + 1);
    const char *t = hl_scene_strdup(b->s, shown);
    if (t)
        hl_kit_label(b, t, hl_kit_inset(box, L->pad, 2), code_px, HL_KIT_LABEL_MIN, true, COL_BRAND,
                     HL_ALIGN_CENTER, 1);
    y += bh + L->gap / 2;
    hl_kit_emit(b, &ww, hl_kit_rect(tx, y, tw9, ww.n * ww.lh), COL_MUTED, HL_ALIGN_CENTER, 0);
    return h;
}

static void ui_thanks(hl_kit_b_t *b)
{
    const hl_kit_lay_t *L = &b->lay;
    int top = hl_ui_header(b, false, false, false);
    hl_rect_t C =
        hl_kit_rect(L->margin, top + L->margin, L->w - 2 * L->margin, L->h - top - 2 * L->margin);
    const char *t = hl_text_get(&b->f->survey->thanks, b->lang);
    int code_h = ui_followup(b, C, 0, false);
    int code_room = code_h ? code_h + 2 * L->gap : 0;
    int disc = iclamp((C.h - code_room) / 4, 0, hl_kit_mm(L, 24));
    if (disc < 32) disc = 0;
    hl_kit_wrap_t w;
    hl_kit_fit_or_force(&b->m, t, (int)strlen(t), true, C.w * 9 / 10,
                        C.h - (disc ? disc + 2 * L->gap : 0) - code_room,
                        code_h ? L->q_px : L->q_px * 5 / 4, HL_KIT_ABS_MIN_PX, HL_KIT_MAX_LINES,
                        &w);
    int block = (disc ? disc + 2 * L->gap : 0) + w.n * w.lh + code_room;
    int y = C.y + imax(0, (C.h - block) / 2);
    if (disc) {
        hl_rect_t d = hl_kit_rect(C.x + (C.w - disc) / 2, y, disc, disc);
        hl_kit_shape(b, HL_CMD_CIRCLE, d, COL_OK, 0);
        hl_kit_shape(b, HL_CMD_TICK, hl_kit_inset(d, disc / 4, disc / 4), COL_WHITE, 0);
        y += disc + 2 * L->gap;
    }
    y += hl_kit_emit(b, &w, hl_kit_rect(C.x + C.w / 20, y, C.w * 9 / 10, w.n * w.lh), COL_TEXT,
                     HL_ALIGN_CENTER, 0);
    if (code_h) ui_followup(b, C, y + 2 * L->gap, true);
}

static void ui_out_of_service(hl_kit_b_t *b)
{
    const hl_kit_lay_t *L = &b->lay;
    hl_rect_t C = hl_kit_rect(L->margin, L->margin, L->w - 2 * L->margin, L->h - 2 * L->margin);
    const char *vi = hl_str(HL_LANG_VI, HL_STR_OUT_OF_SERVICE);
    const char *en = hl_str(HL_LANG_EN, HL_STR_OUT_OF_SERVICE);
    int disc = iclamp(C.h / 5, 0, hl_kit_mm(L, 18));
    hl_kit_wrap_t wv, we;
    int avail = C.h - disc - 3 * L->gap;
    hl_kit_fit_or_force(&b->m, vi, (int)strlen(vi), true, C.w * 9 / 10, avail * 3 / 5, L->q_px,
                        HL_KIT_LABEL_MIN, 4, &wv);
    hl_kit_fit_or_force(&b->m, en, (int)strlen(en), false, C.w * 9 / 10, avail - wv.n * wv.lh,
                        L->label_px, HL_KIT_SMALL_MIN, 4, &we);
    int block = disc + 2 * L->gap + wv.n * wv.lh + L->gap + we.n * we.lh;
    int y = C.y + imax(0, (C.h - block) / 2);
    if (disc > 0) {
        hl_rect_t d = hl_kit_rect(C.x + (C.w - disc) / 2, y, disc, disc);
        /* A pause sign: the kiosk is resting, not broken. */
        hl_kit_shape(b, HL_CMD_CIRCLE, d, COL_BRAND, imax(3, disc / 12));
        int bw = imax(3, disc / 8), bh = disc * 2 / 5;
        hl_kit_fill(b, hl_kit_rect(d.x + disc / 2 - bw * 3 / 2, d.y + (disc - bh) / 2, bw, bh),
                    COL_BRAND, 1);
        hl_kit_fill(b, hl_kit_rect(d.x + disc / 2 + bw / 2, d.y + (disc - bh) / 2, bw, bh),
                    COL_BRAND, 1);
    }
    y += disc + 2 * L->gap;
    hl_rect_t tb = hl_kit_rect(C.x + C.w / 20, y, C.w * 9 / 10, wv.n * wv.lh);
    y += hl_kit_emit(b, &wv, tb, COL_TEXT, HL_ALIGN_CENTER, 0) + L->gap;
    hl_kit_emit(b, &we, hl_kit_rect(tb.x, y, tb.w, we.n * we.lh), COL_MUTED, HL_ALIGN_CENTER, 0);
}

/* Results going to a USB stick: what is happening, in both languages (the
 * technician may read either), a bar while writing, and what to do next. */
static void ui_export(hl_kit_b_t *b, const hl_ui_export_t *e)
{
    const hl_kit_lay_t *L = &b->lay;
    hl_rect_t C = hl_kit_rect(L->margin, L->margin, L->w - 2 * L->margin, L->h - 2 * L->margin);
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
    int disc = iclamp(C.h / 6, 0, hl_kit_mm(L, 16));
    int bar_h = e->phase == HL_UI_EXPORT_WRITING ? imax(hl_kit_mm(L, 5), 16) : 0;
    hl_kit_wrap_t w[4];
    int avail = C.h - disc - bar_h - 6 * L->gap, used = 0;
    for (int i = 0; i < 4; i++) {
        const char *t = lines[i] ? lines[i] : "";
        int px = i == 0 ? L->q_px : L->label_px;
        hl_kit_fit_or_force(&b->m, t, (int)strlen(t), i == 0, C.w * 9 / 10,
                            (avail - used) / (4 - i), px, HL_KIT_SMALL_MIN, 3, &w[i]);
        used += w[i].n * w[i].lh;
    }
    int block = disc + 2 * L->gap + used + 3 * L->gap + (bar_h ? bar_h + 2 * L->gap : 0);
    int y = C.y + imax(0, (C.h - block) / 2);
    if (disc > 0) {
        hl_rect_t d = hl_kit_rect(C.x + (C.w - disc) / 2, y, disc, disc);
        if (e->phase == HL_UI_EXPORT_DONE) {
            hl_kit_shape(b, HL_CMD_CIRCLE, d, mark, 0);
            hl_kit_shape(b, HL_CMD_TICK, hl_kit_inset(d, disc / 4, disc / 4), COL_WHITE, 0);
        } else {
            hl_kit_shape(b, HL_CMD_CIRCLE, d, mark, imax(3, disc / 12));
        }
    }
    y += disc + 2 * L->gap;
    hl_rect_t tb = hl_kit_rect(C.x + C.w / 20, y, C.w * 9 / 10, 0);
    for (int i = 0; i < 4; i++) {
        tb.y = y;
        tb.h = w[i].n * w[i].lh;
        y += hl_kit_emit(b, &w[i], tb, i == 0 ? COL_TEXT : COL_MUTED, HL_ALIGN_CENTER, 0) + L->gap;
        if (i == 1 && bar_h) {
            /* The bar: a track and the share written. */
            hl_rect_t track = hl_kit_rect(C.x + C.w / 10, y + L->gap, C.w * 8 / 10, bar_h);
            hl_kit_fill(b, track, COL_DISABLED, bar_h / 2);
            int fill = (int)(track.w * (e->done < 0 ? 0 : e->done > 1 ? 1 : e->done));
            if (fill >= bar_h)
                hl_kit_fill(b, hl_kit_rect(track.x, track.y, fill, bar_h), COL_BRAND, bar_h / 2);
            y += bar_h + 2 * L->gap;
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
    ui->kb.q = -1;
    ui->access.listen_button = true;
    ui->access.volume_max = HL_UI_VOLUME_STEPS;
    ui->access.volume_default = HL_UI_VOLUME_DEFAULT;
    hl_ui_access_reset(ui);
}

void hl_ui_build(hl_ui_t *ui, const hl_flow_t *f, int w, int h, int64_t now_mono_ms,
                 hl_scene_t *out)
{
    hl_scene_clear(out, w, h, rgb(COL_BG));
    if (w <= 0 || h <= 0) return;
    hl_ui_kb_sync(ui, f);
    hl_kit_b_t b;
    b.ui = ui;
    b.m.ui = ui;
    memset(b.m.memo, 0, sizeof b.m.memo);
    b.f = f;
    b.s = out;
    hl_kit_lay_init(&b.lay, ui, w, h);
    bool citizen =
        ui->export_state.phase == HL_UI_EXPORT_NONE && !ui->out_of_service && f && f->survey;
    if (citizen && ui->access.large) hl_kit_lay_large(&b.lay);
    b.lang = f ? f->resp.lang : HL_LANG_VI;
    b.roomy = imin(w - 2 * b.lay.margin, h - 2 * b.lay.bar_h - 2 * b.lay.margin);
    b.big = b.roomy >= hl_kit_mm(&b.lay, 200);
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
    hl_ui_access_finish(ui, &b);
}

int hl_ui_act(hl_ui_t *ui, hl_flow_t *f, const hl_action_t *a, hl_err_t *err)
{
    static const hl_action_t none = {HL_ACT_NONE, -1, -1};
    if (!a) a = &none;
    if (ui->export_state.phase != HL_UI_EXPORT_NONE)
        return hl_err_set(err, HL_ERR_STATE, "results are going to a USB stick: taps are ignored");
    if (ui->out_of_service)
        return hl_err_set(err, HL_ERR_STATE, "the kiosk is out of service: taps are ignored");
    if (a->kind == HL_ACT_LISTEN || a->kind == HL_ACT_LARGE || a->kind == HL_ACT_VOLUME)
        return hl_ui_access_act(ui, f, a, err);
    if (f->state == HL_STATE_STILL_THERE) return hl_flow_continue(f, err);
    if (f->state == HL_STATE_THANKS)
        return hl_err_set(err, HL_ERR_STATE, "the thanks screen is showing: taps are ignored");
    const hl_question_t *q = &f->survey->questions[f->cur];
    hl_ui_nav_t nv = hl_ui_nav_flags(f);
    /* A target of another question (a stale screen) does nothing. */
    bool here = a->question == (int)f->cur;
    switch (a->kind) {
    case HL_ACT_NEXT:
        if (nv.next) return hl_flow_next(f, err);
        break;
    case HL_ACT_BACK:
        if (nv.back) return hl_flow_back(f, err);
        break;
    case HL_ACT_SKIP:
        if (nv.skip) return hl_flow_skip(f, err);
        break;
    case HL_ACT_LANG:
        if (f->survey->n_langs > 1 && a->item >= 0 && a->item < HL_LANG_COUNT &&
            hl_survey_has_lang(f->survey, (hl_lang_t)a->item))
            return hl_flow_set_lang(f, (hl_lang_t)a->item, err);
        break;
    case HL_ACT_KEY:
        if (here && hl_qtype_info(q->type)->draft == HL_DRAFT_DIGITS && a->item == -1)
            return hl_flow_key(f, q->id, '\b', err);
        if (here && hl_qtype_info(q->type)->draft == HL_DRAFT_DIGITS && a->item >= 0 &&
            a->item <= 9)
            return hl_flow_key(f, q->id, (char)('0' + a->item), err);
        break;
    case HL_ACT_ANSWER:
        if (here && a->item >= 0 && a->item < hl_question_n_items(q)) {
            const char *opt = hl_question_item_id(q, a->item);
            if (q->type == HL_Q_MULTI) return hl_flow_toggle(f, q->id, opt, err);
            const char *vals[1] = {opt};
            return hl_flow_answer(f, q->id, vals, 1, err);
        }
        break;
    case HL_ACT_CHAR:
    case HL_ACT_ERASE:
    case HL_ACT_SHIFT:
    case HL_ACT_PAGE:
    case HL_ACT_TONE:
    case HL_ACT_MARK:
        if (here && q->type == HL_Q_TEXT) return hl_ui_kb_act(ui, f, a, err);
        break;
    case HL_ACT_CONTINUE:
    case HL_ACT_NONE:
    case HL_ACT_LISTEN: /* hl_ui_access_act, above */
    case HL_ACT_LARGE:
    case HL_ACT_VOLUME:
        break;
    }
    return hl_err_set(err, HL_ERR_USAGE, "that target does nothing on this screen");
}

bool hl_ui_action_named(const hl_flow_t *f, const char *id, hl_action_t *a)
{
    *a = (hl_action_t){HL_ACT_NONE, -1, -1};
    if (!id) return false;
    if (strcmp(id, "next") == 0) a->kind = HL_ACT_NEXT;
    if (strcmp(id, "back") == 0) a->kind = HL_ACT_BACK;
    if (strcmp(id, "skip") == 0) a->kind = HL_ACT_SKIP;
    if (strcmp(id, "continue") == 0) a->kind = HL_ACT_CONTINUE;
    if (a->kind != HL_ACT_NONE || hl_ui_access_named(id, a)) return true;
    if (strncmp(id, "lang:", 5) == 0) {
        hl_lang_t lg;
        if (!hl_lang_parse(id + 5, &lg)) return false;
        *a = (hl_action_t){HL_ACT_LANG, -1, (int)lg};
        return true;
    }
    if (f->state == HL_STATE_THANKS || f->cur < 0 || (size_t)f->cur >= f->survey->n_questions)
        return false;
    const hl_question_t *q = &f->survey->questions[f->cur];
    if (q->type == HL_Q_TEXT) return hl_ui_kb_action_named(f, id, a);
    if (strncmp(id, "key:", 4) == 0) {
        const char *k = id + 4;
        if (strcmp(k, "del") == 0)
            *a = (hl_action_t){HL_ACT_KEY, (int)f->cur, -1};
        else if (k[0] >= '0' && k[0] <= '9' && k[1] == '\0')
            *a = (hl_action_t){HL_ACT_KEY, (int)f->cur, k[0] - '0'};
        return a->kind != HL_ACT_NONE;
    }
    for (int i = 0; i < hl_question_n_items(q); i++) {
        char want[HL_SCENE_ID_MAX];
        hl_ui_answer_id(want, q, i);
        if (strcmp(id, want) == 0) {
            *a = (hl_action_t){HL_ACT_ANSWER, (int)f->cur, i};
            return true;
        }
    }
    return false;
}

int hl_ui_tap(hl_ui_t *ui, hl_flow_t *f, const char *id, hl_err_t *err)
{
    /* An unknown name is no action: hl_ui_act then says what the screen
     * refuses (out of service, thanks, ...) or that nothing is there. */
    hl_action_t a;
    hl_ui_action_named(f, id, &a);
    int rc = hl_ui_act(ui, f, &a, err);
    if (rc == HL_ERR_USAGE)
        return hl_err_set(err, HL_ERR_USAGE, "no target \"%s\" on screen", id ? id : "");
    return rc;
}
