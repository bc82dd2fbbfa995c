/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_tech_ui.c: the technician's screens (hl_tech_ui.h), built with the same
 * kit as the citizen's (hl_ui_kit.h): sizes from millimetres at the panel's
 * DPI, targets at least hl_ui_min_target, texts fitted (shrunk, wrapped, as a
 * last resort cut) into their boxes.
 *
 * The PIN pad: a panel with the title, one dot per digit typed (never the
 * digits), the notice (wrong PIN with the tries left, locked with the time
 * left, no PIN set) and Cancel, beside (landscape) or above (portrait) a
 * 3x4 keypad; the keys look disabled while locked or without a PIN. The
 * menu: a band with a tab per page and "Back to survey", the page, and the
 * last action's notice in a banner at the bottom. A chosen button (page,
 * period, language, rotation, officer, survey) carries a tick and a word or
 * a fill, never colour alone. Figures come from the view only; every text
 * made up here (numbers, dates) is copied into the scene's scratch space.
 */
#include "hl_tech_ui.h"
#include "tech_ui_int.h"

#include "hl_strings.h"
#include "hl_ui_kit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- Small helpers ------------------------------------------------------------- */

const char *hl_tui_str(hl_tui_ctx_t *t, hl_str_id_t id)
{
    return hl_str(t->b.lang, id);
}

int hl_tui_int(long long v)
{
    return v > 2000000000LL ? 2000000000 : v < -2000000000LL ? -2000000000 : (int)v;
}

/* A text made here (printf), kept in the scene's scratch space. */
const char *hl_tui_printf(hl_tui_ctx_t *t, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *p = hl_scene_strdup(t->b.s, buf);
    return p ? p : "";
}

const char *hl_tui_fmt(hl_tui_ctx_t *t, hl_str_id_t id, long long a, long long c)
{
    return hl_kit_fmt(&t->b, id, hl_tui_int(a), hl_tui_int(c));
}

/* "dd/mm/yyyy hh:mm" in local time, or "Never" for -1. */
const char *hl_tui_date(hl_tui_ctx_t *t, int64_t utc_ms)
{
    if (utc_ms < 0) return hl_tui_str(t, HL_STR_TECH_NEVER);
    time_t secs = (time_t)((utc_ms + t->v->tz_offset_ms) / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) return "?";
    return hl_tui_printf(t, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
                         tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

const char *hl_tui_bytes(hl_tui_ctx_t *t, long long n)
{
    if (n < 0) return hl_tui_str(t, HL_STR_TECH_UNKNOWN);
    const char *unit = "MB";
    double v = (double)n / (1024.0 * 1024.0);
    if (v >= 1024.0) {
        v /= 1024.0;
        unit = "GB";
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f", v);
    if (t->b.lang == HL_LANG_VI) { /* Vietnamese writes a decimal comma */
        char *dot = strchr(buf, '.');
        if (dot) *dot = ',';
    }
    return hl_tui_printf(t, "%s %s", buf, unit);
}

int hl_tui_small_lh(hl_tui_ctx_t *t)
{
    return hl_kit_lh(&t->b.m, t->b.lay.small_px, false);
}

/* A one- or two-line text in box, shrinking down to the small floor. */
void hl_tui_text(hl_tui_ctx_t *t, const char *s, hl_rect_t box, int px, bool bold, unsigned col,
                 hl_align_t al, int lines)
{
    if (!s || !s[0] || box.w <= 0 || box.h <= 0) return;
    hl_kit_label(&t->b, s, box, px, imin(px, HL_KIT_SMALL_MIN), bold, col, al, lines);
}

/* A chosen-or-not button: chosen is filled with the brand colour and
 * carries a tick before its label; the others are plain white. */
void hl_tui_choice(hl_tui_ctx_t *t, const char *id, hl_rect_t r, const char *text, bool chosen,
                   int px)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    if (!chosen) {
        hl_kit_button(b, id, r, HL_KIT_QUIET, text, px, true);
        return;
    }
    bool down = hl_kit_pressed(b, id);
    hl_kit_fill(b, r, down ? COL_BRAND_DARK : COL_BRAND, L->radius);
    int tick = imin(px, r.h / 2);
    int tw = imin(hl_kit_tw(&b->m, text, (int)strlen(text), px, true) + 6,
                  r.w - tick - L->pad / 2 - 2 * imax(4, L->pad / 2));
    int x0 = r.x + imax(4, (r.w - tw - tick - L->pad / 2) / 2);
    hl_kit_shape(b, HL_CMD_TICK, hl_kit_rect(x0, r.y + (r.h - tick) / 2, tick, tick), COL_WHITE, 0);
    hl_tui_text(t, text, hl_kit_rect(x0 + tick + L->pad / 2, r.y + 2, imax(1, tw), r.h - 4), px,
                true, COL_WHITE, HL_ALIGN_LEFT, 2);
    hl_scene_target(b->s, id, r);
}

/* A white card with an outline (a list item, a panel). */
void hl_tui_card(hl_tui_ctx_t *t, hl_rect_t r, bool chosen)
{
    const hl_kit_lay_t *L = &t->b.lay;
    hl_kit_fill(&t->b, r, chosen ? COL_SELECTED : COL_WHITE, L->radius);
    hl_kit_outline(&t->b, r, chosen ? COL_BRAND : COL_SEPARATOR, L->radius,
                   chosen ? L->sel_border : imax(1, L->line_border / 2));
}

/* ---- The PIN pad ------------------------------------------------------------------ */

static void t_pin(hl_tui_ctx_t *t)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_tech_t *tc = t->v->tech;
    hl_rect_t C = hl_kit_rect(L->margin, L->margin, L->w - 2 * L->margin, L->h - 2 * L->margin);
    bool locked = tc->msg == HL_TECH_MSG_LOCKED, no_pin = tc->msg == HL_TECH_MSG_NO_PIN;
    int kG = L->gap, kh, kw;
    hl_rect_t kp, panel;
    if (!L->portrait) {
        kh = iclamp((C.h - 3 * kG) / 4, L->min_target, imax(L->min_target, hl_kit_mm(L, 20)));
        kw = iclamp(kh * 3 / 2, L->min_target, imax(L->min_target, hl_kit_mm(L, 28)));
        kw = imax(L->min_target, imin(kw, (C.w / 2 - 2 * kG) / 3));
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = hl_kit_rect(C.x + C.w - kp_w, C.y + (C.h - kp_h) / 2, kp_w, kp_h);
        panel = hl_kit_rect(C.x, C.y, C.w - kp_w - 2 * L->gap, C.h);
    } else {
        kh = iclamp((C.h / 2 - 3 * kG) / 4, L->min_target, imax(L->min_target, hl_kit_mm(L, 22)));
        kw = iclamp((C.w - 2 * kG) / 3, L->min_target, imax(L->min_target, hl_kit_mm(L, 34)));
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = hl_kit_rect(C.x + (C.w - kp_w) / 2, C.y + C.h - kp_h, kp_w, kp_h);
        panel = hl_kit_rect(C.x, C.y, C.w, C.h - kp_h - L->gap);
    }
    /* The panel: title, dots, notice, cancel; centred as a block. */
    const char *title = hl_tui_str(t, HL_STR_TECH_PIN_TITLE);
    const char *msg = NULL;
    if (tc->msg == HL_TECH_MSG_WRONG) msg = hl_tui_fmt(t, HL_STR_TECH_PIN_WRONG, tc->tries_left, 0);
    if (locked) {
        /* The time left as the lockout counts it (hl_pin_lock_left, the
         * monotonic clock), whole seconds rounded up. */
        int64_t left = t->v->lock_left_ms;
        if (left > tc->lock.lock_ms) left = tc->lock.lock_ms;
        int64_t secs = left > 0 ? (left + 999) / 1000 : 0;
        msg = hl_tui_fmt(t, HL_STR_TECH_PIN_LOCKED, secs / 60, secs % 60);
    }
    if (no_pin) msg = hl_tui_str(t, HL_STR_TECH_PIN_NO_PIN);
    hl_kit_wrap_t wt, wm;
    int pw = panel.w;
    hl_kit_fit_or_force(&b->m, title, (int)strlen(title), true, pw, panel.h / 4, L->q_px,
                        HL_KIT_LABEL_MIN, 2, &wt);
    int dot = iclamp(hl_kit_mm(L, 5), 14, 40);
    int msg_h = 0;
    if (msg) {
        hl_kit_fit_or_force(&b->m, msg, (int)strlen(msg), true, pw - 2 * L->pad, panel.h / 3,
                            L->label_px, HL_KIT_SMALL_MIN, 3, &wm);
        msg_h = wm.n * wm.lh + 2 * L->pad;
    }
    const char *cancel = hl_tui_str(t, HL_STR_TECH_CANCEL);
    int cw = imin(pw, imax(hl_kit_mm(L, 40), hl_kit_button_w(b, cancel, L->label_px, true)));
    int block = wt.n * wt.lh + 2 * L->gap + dot + 2 * L->gap + (msg ? msg_h + 2 * L->gap : 0) +
                L->min_target;
    int y = panel.y + imax(0, (panel.h - block) / 2);
    y += hl_kit_emit(b, &wt, hl_kit_rect(panel.x, y, pw, wt.n * wt.lh), COL_TEXT, HL_ALIGN_CENTER,
                     0);
    y += 2 * L->gap;
    int slots = imax(HL_PIN_MIN_DIGITS, tc->n_entry);
    int step = dot * 2;
    int dx = panel.x + (pw - (slots * step - dot)) / 2;
    for (int i = 0; i < slots; i++) {
        hl_rect_t r = hl_kit_rect(dx + i * step, y, dot, dot);
        if (i < tc->n_entry)
            hl_kit_shape(b, HL_CMD_CIRCLE, r, COL_BRAND, 0);
        else
            hl_kit_shape(b, HL_CMD_CIRCLE, r, COL_BORDER, imax(2, dot / 6));
    }
    y += dot + 2 * L->gap;
    if (msg) {
        unsigned bg = no_pin ? COL_BRAND : COL_FACE_1;
        hl_rect_t mr = hl_kit_rect(panel.x, y, pw, msg_h);
        hl_kit_fill(b, mr, bg, L->radius);
        hl_kit_emit(b, &wm, hl_kit_inset(mr, L->pad, L->pad), COL_WHITE, HL_ALIGN_CENTER, 1);
        y += msg_h + 2 * L->gap;
    }
    hl_kit_button(b, "pin:cancel", hl_kit_rect(panel.x + (pw - cw) / 2, y, cw, L->min_target),
                  HL_KIT_SECONDARY, cancel, L->label_px, true);
    /* The keypad. */
    static const char *const keys[12] = {"1", "2", "3", "4",   "5", "6",
                                         "7", "8", "9", "del", "0", "ok"};
    int key_px = imax(L->label_px, L->q_px * 9 / 10);
    bool off = locked || no_pin;
    for (int i = 0; i < 12; i++) {
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "pin:%s", keys[i]);
        hl_rect_t r = hl_kit_rect(kp.x + (i % 3) * (kw + kG), kp.y + (i / 3) * (kh + kG), kw, kh);
        if (i == 9) {
            hl_kit_button(b, id, r, off ? HL_KIT_DISABLED : HL_KIT_SECONDARY,
                          hl_tui_str(t, HL_STR_DELETE), L->label_px, true);
        } else if (i == 11) {
            bool ready = tc->n_entry >= HL_PIN_MIN_DIGITS;
            hl_kit_button(b, id, r, off || !ready ? HL_KIT_DISABLED : HL_KIT_PRIMARY,
                          hl_tui_str(t, HL_STR_TECH_OK), key_px, true);
        } else {
            hl_kit_button(b, id, r, off ? HL_KIT_DISABLED : HL_KIT_QUIET, keys[i], key_px, true);
        }
    }
}

/* ---- The menu's band and notice ---------------------------------------------------- */

static const char *const t_page_ids[HL_TECH_PAGE_COUNT] = {
    "tech:page:status", "tech:page:results",  "tech:page:officer",
    "tech:page:survey", "tech:page:transfer", "tech:page:settings"};
static const hl_str_id_t t_page_names[HL_TECH_PAGE_COUNT] = {
    HL_STR_TECH_TAB_STATUS, HL_STR_TECH_TAB_RESULTS,  HL_STR_TECH_TAB_OFFICER,
    HL_STR_TECH_TAB_SURVEY, HL_STR_TECH_TAB_TRANSFER, HL_STR_TECH_TAB_SETTINGS};

/* The band: tabs, then "Back to survey" at the right; returns its height. */
static int t_band(hl_tui_ctx_t *t)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    int hh = L->bar_h;
    hl_kit_fill(b, hl_kit_rect(0, 0, L->w, hh), COL_BRAND, 0);
    const char *close = hl_tui_str(t, HL_STR_TECH_CLOSE);
    int px = imax(HL_KIT_SMALL_MIN + 2, (L->head_px + L->small_px) / 2);
    int cw = imin(L->w / 4, hl_kit_button_w(b, close, px, true));
    hl_rect_t cr = hl_kit_rect(L->w - L->margin - cw, L->hp, cw, L->min_target);
    bool down = hl_kit_pressed(b, "tech:close");
    hl_kit_fill(b, cr, down ? COL_PRESSED : COL_WHITE, L->radius);
    hl_tui_text(t, close, hl_kit_inset(cr, L->pad / 2 + 2, 2), px, true, COL_TEXT, HL_ALIGN_CENTER,
                2);
    hl_scene_target(b->s, "tech:close", cr);
    int n = HL_TECH_PAGE_COUNT;
    int avail = cr.x - 2 * L->gap - L->margin;
    int tw = imax(L->min_target, (avail - (n - 1) * (L->gap / 2)) / n);
    /* One size for every tab: the largest at which all fit in two lines. */
    int inner = tw - 2 * imax(4, L->pad / 2), tpx = px;
    hl_kit_wrap_t w;
    for (; tpx > HL_KIT_SMALL_MIN; tpx--) {
        bool ok = true;
        for (int i = 0; i < n && ok; i++) {
            const char *s = hl_tui_str(t, t_page_names[i]);
            ok = hl_kit_wrap(&b->m, s, (int)strlen(s), tpx, true, inner, 2, false, &w) &&
                 w.n * w.lh <= L->min_target - 4;
        }
        if (ok) break;
    }
    for (int i = 0; i < n; i++) {
        const char *s = hl_tui_str(t, t_page_names[i]);
        hl_rect_t r = hl_kit_rect(L->margin + i * (tw + L->gap / 2), L->hp, tw, L->min_target);
        bool cur = (int)t->v->tech->page == i, pr = hl_kit_pressed(b, t_page_ids[i]);
        if (cur) {
            /* The page's own tab joins the page below: a folder tab. */
            hl_rect_t full = hl_kit_rect(r.x, r.y, r.w, hh - r.y);
            hl_kit_fill(b, hl_kit_rect(full.x, full.y + full.h / 2, full.w, full.h - full.h / 2),
                        COL_BG, 0);
            hl_kit_fill(b, full, COL_BG, L->radius);
            hl_kit_fill(b, hl_kit_rect(r.x + L->pad, r.y + 3, r.w - 2 * L->pad, 4), COL_BRAND, 2);
            hl_tui_text(t, s, hl_kit_inset(r, imax(4, L->pad / 2), 2), tpx, true, COL_BRAND,
                        HL_ALIGN_CENTER, 2);
        } else {
            hl_kit_fill(b, r, pr ? COL_BRAND_DARK : COL_BRAND, L->radius);
            hl_kit_outline(b, r, COL_WHITE, L->radius, imax(1, L->line_border / 2));
            hl_tui_text(t, s, hl_kit_inset(r, imax(4, L->pad / 2), 2), tpx, true, COL_WHITE,
                        HL_ALIGN_CENTER, 2);
        }
        hl_scene_target(b->s, t_page_ids[i], r);
    }
    return hh;
}

/* The notice banner at the bottom; returns its height (0: none). */
static int t_notice(hl_tui_ctx_t *t)
{
    const char *n = t->v->notice;
    if (!n || !n[0]) return 0;
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    hl_kit_wrap_t w;
    hl_kit_fit_or_force(&b->m, n, (int)strlen(n), true, L->w - 2 * L->margin - 2 * L->pad,
                        L->min_target, L->label_px, HL_KIT_SMALL_MIN, 2, &w);
    int h = w.n * w.lh + L->pad;
    hl_rect_t r = hl_kit_rect(0, L->h - h, L->w, h);
    hl_kit_fill(b, r, t->v->notice_is_error ? COL_FACE_1 : COL_OK, 0);
    hl_kit_emit(b, &w,
                hl_kit_rect(L->margin + L->pad, r.y + L->pad / 2, L->w - 2 * L->margin - 2 * L->pad,
                            h - L->pad),
                COL_WHITE, HL_ALIGN_LEFT, 1);
    return h;
}

/* ---- API ---------------------------------------------------------------------------- */

void hl_tech_ui_build(hl_ui_t *ui, const hl_tech_view_t *v, int w, int h, hl_scene_t *out)
{
    hl_scene_clear(out, w, h, rgb(COL_BG));
    if (w <= 0 || h <= 0 || !v || !v->tech) return;
    hl_tui_ctx_t t;
    hl_kit_b_t *b = &t.b;
    t.v = v;
    b->ui = ui;
    b->m.ui = ui;
    memset(b->m.memo, 0, sizeof b->m.memo);
    b->f = NULL;
    b->s = out;
    hl_kit_lay_init(&b->lay, ui, w, h);
    b->lang = v->lang;
    b->roomy = imin(w - 2 * b->lay.margin, h - 2 * b->lay.bar_h - 2 * b->lay.margin);
    b->big = b->roomy >= hl_kit_mm(&b->lay, 200);
    b->content_h = 0;
    /* The screen's name for the kiosk's touch guard: another page is another screen. */
    snprintf(out->screen, sizeof out->screen, "tech:%s:%d:%s",
             v->tech->mode == HL_TECH_PIN ? "pin" : "menu",
             v->tech->mode == HL_TECH_PIN ? 0 : (int)v->tech->page, hl_lang_code(v->lang));
    if (v->tech->mode == HL_TECH_PIN) {
        t_pin(&t);
        return;
    }
    const hl_kit_lay_t *L = &b->lay;
    int top = t_band(&t);
    int bottom = t_notice(&t);
    hl_rect_t C = hl_kit_rect(L->margin, top + L->gap, w - 2 * L->margin,
                              h - top - L->gap - bottom - L->margin);
    switch (v->tech->page) {
    case HL_TECH_STATUS:
        hl_tui_status(&t, C);
        break;
    case HL_TECH_RESULTS:
        hl_tui_results(&t, C);
        break;
    case HL_TECH_OFFICER:
        hl_tui_officer(&t, C);
        break;
    case HL_TECH_SURVEY:
        hl_tui_survey(&t, C);
        break;
    case HL_TECH_TRANSFER:
        hl_tui_transfer(&t, C);
        break;
    case HL_TECH_SETTINGS:
    default:
        hl_tui_settings(&t, C);
        break;
    }
}
