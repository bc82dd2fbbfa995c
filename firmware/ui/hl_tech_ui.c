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

#include "hl_strings.h"
#include "hl_ui_kit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct t_ctx {
    ui_b_t b;
    const hl_tech_view_t *v;
} t_ctx_t;

/* ---- Small helpers ------------------------------------------------------------- */

static const char *t_str(t_ctx_t *t, hl_str_id_t id)
{
    return hl_str(t->b.lang, id);
}

static int t_int(long long v)
{
    return v > 2000000000LL ? 2000000000 : v < -2000000000LL ? -2000000000 : (int)v;
}

/* A text made here (printf), kept in the scene's scratch space. */
static const char *t_printf(t_ctx_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *t_printf(t_ctx_t *t, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *p = hl_scene_strdup(t->b.s, buf);
    return p ? p : "";
}

static const char *t_fmt(t_ctx_t *t, hl_str_id_t id, long long a, long long c)
{
    return ui_fmt(&t->b, id, t_int(a), t_int(c));
}

/* "dd/mm/yyyy hh:mm" in local time, or "Never" for -1. */
static const char *t_date(t_ctx_t *t, int64_t utc_ms)
{
    if (utc_ms < 0) return t_str(t, HL_STR_TECH_NEVER);
    time_t secs = (time_t)((utc_ms + t->v->tz_offset_ms) / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) return "?";
    return t_printf(t, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900,
                    tm.tm_hour, tm.tm_min);
}

static const char *t_bytes(t_ctx_t *t, long long n)
{
    if (n < 0) return t_str(t, HL_STR_TECH_UNKNOWN);
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
    return t_printf(t, "%s %s", buf, unit);
}

static int t_small_lh(t_ctx_t *t)
{
    return ui_lh(&t->b.m, t->b.L.small_px, false);
}

/* A one- or two-line text in box, shrinking down to the small floor. */
static void t_text(t_ctx_t *t, const char *s, hl_rect_t box, int px, bool bold, unsigned col,
                   hl_align_t al, int lines)
{
    if (!s || !s[0] || box.w <= 0 || box.h <= 0) return;
    ui_label(&t->b, s, box, px, imin(px, UI_SMALL_MIN), bold, col, al, lines);
}

/* A chosen-or-not button: chosen is filled with the brand colour and
 * carries a tick before its label; the others are plain white. */
static void t_choice(t_ctx_t *t, const char *id, hl_rect_t r, const char *text, bool chosen, int px)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    if (!chosen) {
        ui_button(b, id, r, UI_QUIET, text, px, true);
        return;
    }
    bool down = ui_pressed(b, id);
    ui_fill(b, r, down ? COL_BRAND_DARK : COL_BRAND, L->radius);
    int tick = imin(px, r.h / 2);
    int tw = imin(ui_tw(&b->m, text, (int)strlen(text), px, true) + 6,
                  r.w - tick - L->pad / 2 - 2 * imax(4, L->pad / 2));
    int x0 = r.x + imax(4, (r.w - tw - tick - L->pad / 2) / 2);
    ui_shape(b, HL_CMD_TICK, ui_rect(x0, r.y + (r.h - tick) / 2, tick, tick), COL_WHITE, 0);
    t_text(t, text, ui_rect(x0 + tick + L->pad / 2, r.y + 2, imax(1, tw), r.h - 4), px, true,
           COL_WHITE, HL_ALIGN_LEFT, 2);
    hl_scene_target(b->s, id, r);
}

/* A white card with an outline (a list item, a panel). */
static void t_card(t_ctx_t *t, hl_rect_t r, bool chosen)
{
    const ui_lay_t *L = &t->b.L;
    ui_fill(&t->b, r, chosen ? COL_SELECTED : COL_WHITE, L->radius);
    ui_outline(&t->b, r, chosen ? COL_BRAND : COL_SEPARATOR, L->radius,
               chosen ? L->sel_border : imax(1, L->line_border / 2));
}

/* ---- The PIN pad ------------------------------------------------------------------ */

static void t_pin(t_ctx_t *t)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_tech_t *tc = t->v->tech;
    hl_rect_t C = ui_rect(L->M, L->M, L->w - 2 * L->M, L->h - 2 * L->M);
    bool locked = tc->msg == HL_TECH_MSG_LOCKED, no_pin = tc->msg == HL_TECH_MSG_NO_PIN;
    int kG = L->G, kh, kw;
    hl_rect_t kp, panel;
    if (!L->portrait) {
        kh = iclamp((C.h - 3 * kG) / 4, L->T, imax(L->T, ui_mm(L, 20)));
        kw = iclamp(kh * 3 / 2, L->T, imax(L->T, ui_mm(L, 28)));
        kw = imax(L->T, imin(kw, (C.w / 2 - 2 * kG) / 3));
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = ui_rect(C.x + C.w - kp_w, C.y + (C.h - kp_h) / 2, kp_w, kp_h);
        panel = ui_rect(C.x, C.y, C.w - kp_w - 2 * L->G, C.h);
    } else {
        kh = iclamp((C.h / 2 - 3 * kG) / 4, L->T, imax(L->T, ui_mm(L, 22)));
        kw = iclamp((C.w - 2 * kG) / 3, L->T, imax(L->T, ui_mm(L, 34)));
        int kp_w = 3 * kw + 2 * kG, kp_h = 4 * kh + 3 * kG;
        kp = ui_rect(C.x + (C.w - kp_w) / 2, C.y + C.h - kp_h, kp_w, kp_h);
        panel = ui_rect(C.x, C.y, C.w, C.h - kp_h - L->G);
    }
    /* The panel: title, dots, notice, cancel; centred as a block. */
    const char *title = t_str(t, HL_STR_TECH_PIN_TITLE);
    const char *msg = NULL;
    if (tc->msg == HL_TECH_MSG_WRONG) msg = t_fmt(t, HL_STR_TECH_PIN_WRONG, tc->tries_left, 0);
    if (locked) {
        /* The time left as the lockout counts it (hl_pin_lock_left, the
         * monotonic clock), whole seconds rounded up. */
        int64_t left = t->v->lock_left_ms;
        if (left > tc->lock.lock_ms) left = tc->lock.lock_ms;
        int64_t secs = left > 0 ? (left + 999) / 1000 : 0;
        msg = t_fmt(t, HL_STR_TECH_PIN_LOCKED, secs / 60, secs % 60);
    }
    if (no_pin) msg = t_str(t, HL_STR_TECH_PIN_NO_PIN);
    ui_wrap_t wt, wm;
    int pw = panel.w;
    ui_fit_or_force(&b->m, title, (int)strlen(title), true, pw, panel.h / 4, L->q_px, UI_LABEL_MIN,
                    2, &wt);
    int dot = iclamp(ui_mm(L, 5), 14, 40);
    int msg_h = 0;
    if (msg) {
        ui_fit_or_force(&b->m, msg, (int)strlen(msg), true, pw - 2 * L->pad, panel.h / 3,
                        L->label_px, UI_SMALL_MIN, 3, &wm);
        msg_h = wm.n * wm.lh + 2 * L->pad;
    }
    const char *cancel = t_str(t, HL_STR_TECH_CANCEL);
    int cw = imin(pw, imax(ui_mm(L, 40), ui_button_w(b, cancel, L->label_px, true)));
    int block = wt.n * wt.lh + 2 * L->G + dot + 2 * L->G + (msg ? msg_h + 2 * L->G : 0) + L->T;
    int y = panel.y + imax(0, (panel.h - block) / 2);
    y += ui_emit(b, &wt, ui_rect(panel.x, y, pw, wt.n * wt.lh), COL_TEXT, HL_ALIGN_CENTER, 0);
    y += 2 * L->G;
    int slots = imax(HL_PIN_MIN_DIGITS, tc->n_entry);
    int step = dot * 2;
    int dx = panel.x + (pw - (slots * step - dot)) / 2;
    for (int i = 0; i < slots; i++) {
        hl_rect_t r = ui_rect(dx + i * step, y, dot, dot);
        if (i < tc->n_entry)
            ui_shape(b, HL_CMD_CIRCLE, r, COL_BRAND, 0);
        else
            ui_shape(b, HL_CMD_CIRCLE, r, COL_BORDER, imax(2, dot / 6));
    }
    y += dot + 2 * L->G;
    if (msg) {
        unsigned bg = no_pin ? COL_BRAND : COL_FACE_1;
        hl_rect_t mr = ui_rect(panel.x, y, pw, msg_h);
        ui_fill(b, mr, bg, L->radius);
        ui_emit(b, &wm, ui_inset(mr, L->pad, L->pad), COL_WHITE, HL_ALIGN_CENTER, 1);
        y += msg_h + 2 * L->G;
    }
    ui_button(b, "pin:cancel", ui_rect(panel.x + (pw - cw) / 2, y, cw, L->T), UI_SECONDARY, cancel,
              L->label_px, true);
    /* The keypad. */
    static const char *const keys[12] = {"1", "2", "3", "4",   "5", "6",
                                         "7", "8", "9", "del", "0", "ok"};
    int key_px = imax(L->label_px, L->q_px * 9 / 10);
    bool off = locked || no_pin;
    for (int i = 0; i < 12; i++) {
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "pin:%s", keys[i]);
        hl_rect_t r = ui_rect(kp.x + (i % 3) * (kw + kG), kp.y + (i / 3) * (kh + kG), kw, kh);
        if (i == 9) {
            ui_button(b, id, r, off ? UI_DISABLED : UI_SECONDARY, t_str(t, HL_STR_DELETE),
                      L->label_px, true);
        } else if (i == 11) {
            bool ready = tc->n_entry >= HL_PIN_MIN_DIGITS;
            ui_button(b, id, r, off || !ready ? UI_DISABLED : UI_PRIMARY, t_str(t, HL_STR_TECH_OK),
                      key_px, true);
        } else {
            ui_button(b, id, r, off ? UI_DISABLED : UI_QUIET, keys[i], key_px, true);
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
static int t_band(t_ctx_t *t)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    int hh = L->bar_h;
    ui_fill(b, ui_rect(0, 0, L->w, hh), COL_BRAND, 0);
    const char *close = t_str(t, HL_STR_TECH_CLOSE);
    int px = imax(UI_SMALL_MIN + 2, (L->head_px + L->small_px) / 2);
    int cw = imin(L->w / 4, ui_button_w(b, close, px, true));
    hl_rect_t cr = ui_rect(L->w - L->M - cw, L->hp, cw, L->T);
    bool down = ui_pressed(b, "tech:close");
    ui_fill(b, cr, down ? COL_PRESSED : COL_WHITE, L->radius);
    t_text(t, close, ui_inset(cr, L->pad / 2 + 2, 2), px, true, COL_TEXT, HL_ALIGN_CENTER, 2);
    hl_scene_target(b->s, "tech:close", cr);
    int n = HL_TECH_PAGE_COUNT;
    int avail = cr.x - 2 * L->G - L->M;
    int tw = imax(L->T, (avail - (n - 1) * (L->G / 2)) / n);
    /* One size for every tab: the largest at which all fit in two lines. */
    int inner = tw - 2 * imax(4, L->pad / 2), tpx = px;
    ui_wrap_t w;
    for (; tpx > UI_SMALL_MIN; tpx--) {
        bool ok = true;
        for (int i = 0; i < n && ok; i++) {
            const char *s = t_str(t, t_page_names[i]);
            ok = ui_wrap(&b->m, s, (int)strlen(s), tpx, true, inner, 2, false, &w) &&
                 w.n * w.lh <= L->T - 4;
        }
        if (ok) break;
    }
    for (int i = 0; i < n; i++) {
        const char *s = t_str(t, t_page_names[i]);
        hl_rect_t r = ui_rect(L->M + i * (tw + L->G / 2), L->hp, tw, L->T);
        bool cur = (int)t->v->tech->page == i, pr = ui_pressed(b, t_page_ids[i]);
        if (cur) {
            /* The page's own tab joins the page below: a folder tab. */
            hl_rect_t full = ui_rect(r.x, r.y, r.w, hh - r.y);
            ui_fill(b, ui_rect(full.x, full.y + full.h / 2, full.w, full.h - full.h / 2), COL_BG,
                    0);
            ui_fill(b, full, COL_BG, L->radius);
            ui_fill(b, ui_rect(r.x + L->pad, r.y + 3, r.w - 2 * L->pad, 4), COL_BRAND, 2);
            t_text(t, s, ui_inset(r, imax(4, L->pad / 2), 2), tpx, true, COL_BRAND, HL_ALIGN_CENTER,
                   2);
        } else {
            ui_fill(b, r, pr ? COL_BRAND_DARK : COL_BRAND, L->radius);
            ui_outline(b, r, COL_WHITE, L->radius, imax(1, L->line_border / 2));
            t_text(t, s, ui_inset(r, imax(4, L->pad / 2), 2), tpx, true, COL_WHITE, HL_ALIGN_CENTER,
                   2);
        }
        hl_scene_target(b->s, t_page_ids[i], r);
    }
    return hh;
}

/* The notice banner at the bottom; returns its height (0: none). */
static int t_notice(t_ctx_t *t)
{
    const char *n = t->v->notice;
    if (!n || !n[0]) return 0;
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    ui_wrap_t w;
    ui_fit_or_force(&b->m, n, (int)strlen(n), true, L->w - 2 * L->M - 2 * L->pad, L->T, L->label_px,
                    UI_SMALL_MIN, 2, &w);
    int h = w.n * w.lh + L->pad;
    hl_rect_t r = ui_rect(0, L->h - h, L->w, h);
    ui_fill(b, r, t->v->notice_is_error ? COL_FACE_1 : COL_OK, 0);
    ui_emit(b, &w,
            ui_rect(L->M + L->pad, r.y + L->pad / 2, L->w - 2 * L->M - 2 * L->pad, h - L->pad),
            COL_WHITE, HL_ALIGN_LEFT, 1);
    return h;
}

/* ---- Status ----------------------------------------------------------------------- */

static void t_status(t_ctx_t *t, hl_rect_t C)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_tech_view_t *v = t->v;
    const hl_config_t *cfg = v->cfg;
    enum { ROWS = 16 };
    const char *lab[ROWS], *val[ROWS];
    bool bad[ROWS] = {false};
    int n = 0;
    const hl_officer_t *o = cfg && cfg->officer[0] ? hl_config_officer(cfg, cfg->officer) : NULL;
    const char *site = cfg ? hl_text_get(&cfg->site, b->lang) : "";
    const char *counter = cfg ? hl_text_get(&cfg->counter, b->lang) : "";
    lab[n] = t_str(t, HL_STR_TECH_KIOSK), val[n++] = cfg ? cfg->kiosk_id : "";
    lab[n] = t_str(t, HL_STR_TECH_SITE), val[n++] = site[0] ? site : "–";
    lab[n] = t_str(t, HL_STR_TECH_COUNTER), val[n++] = counter[0] ? counter : "–";
    lab[n] = t_str(t, HL_STR_TECH_OFFICER), val[n++] = o ? o->name : t_str(t, HL_STR_TECH_NOBODY);
    lab[n] = t_str(t, HL_STR_TECH_VERSION), val[n++] = v->version ? v->version : "?";
    lab[n] = t_str(t, HL_STR_TECH_SURVEY);
    if (v->survey) {
        char ver[80];
        hl_str_format(ver, sizeof ver, b->lang, HL_STR_TECH_SURVEY_VER, t_int(v->survey->version),
                      0);
        val[n++] = t_printf(t, "%s (%s)", v->survey->id, ver);
    } else {
        val[n++] = "–";
    }
    lab[n] = t_str(t, HL_STR_TECH_TODAY),
    val[n++] = t_fmt(t, HL_STR_TECH_RESPONSES, v->today.responses, 0);
    lab[n] = t_str(t, HL_STR_TECH_WEEK),
    val[n++] = t_fmt(t, HL_STR_TECH_RESPONSES, v->week.responses, 0);
    lab[n] = t_str(t, HL_STR_TECH_TOTAL),
    val[n++] = t_fmt(t, HL_STR_TECH_RESPONSES, v->stats.responses, 0);
    lab[n] = t_str(t, HL_STR_TECH_STORED);
    val[n++] = t_fmt(t, HL_STR_TECH_COMPLETE_PART, v->stats.complete, v->stats.partial);
    lab[n] = t_str(t, HL_STR_TECH_SYNC);
    val[n++] = v->sync.configured ? t_fmt(t, HL_STR_TECH_SYNC_PENDING, v->sync.store.pending, 0)
                                  : t_str(t, HL_STR_TECH_SYNC_OFF);
    lab[n] = t_str(t, HL_STR_TECH_LAST_SUCCESS);
    val[n++] = v->sync.configured ? t_date(t, v->sync.store.last_success_utc_ms) : "–";
    lab[n] = t_str(t, HL_STR_TECH_LAST_ERROR);
    bad[n] = v->sync.configured && v->sync.store.last_error[0];
    val[n] = bad[n]               ? v->sync.store.last_error
             : v->sync.configured ? t_str(t, HL_STR_TECH_NONE)
                                  : "–";
    n++;
    lab[n] = t_str(t, HL_STR_TECH_LAST_EXPORT), val[n++] = t_date(t, v->stats.last_export_utc_ms);
    lab[n] = t_str(t, HL_STR_TECH_FREE), val[n++] = t_bytes(t, v->free_bytes);
    lab[n] = t_str(t, HL_STR_TECH_CLOCK);
    bad[n] = !v->clock_trusted;
    val[n++] = t_printf(t, "%s (%s)", t_date(t, v->now_utc_ms),
                        t_str(t, v->clock_trusted ? HL_STR_TECH_CLOCK_OK : HL_STR_TECH_CLOCK_BAD));
    int cols = C.w >= ui_mm(L, 150) ? 2 : 1;
    int per = (n + cols - 1) / cols;
    int colw = (C.w - (cols - 1) * L->G) / cols;
    int rh = imin((C.h - 2 * L->pad) / per, imax(ui_mm(L, 13), 2 * t_small_lh(t)));
    for (int c = 0; c < cols; c++) {
        int rows = imin(per, n - c * per);
        hl_rect_t card = ui_rect(C.x + c * (colw + L->G), C.y, colw, rows * rh + 2 * L->pad);
        t_card(t, card, false);
        int lw = (colw - 3 * L->pad) * 2 / 5, vw = colw - 3 * L->pad - lw;
        for (int r = 0; r < rows; r++) {
            int i = c * per + r;
            int y = card.y + L->pad + r * rh;
            if (r > 0)
                ui_fill(b, ui_rect(card.x + L->pad, y, colw - 2 * L->pad, 1), COL_SEPARATOR, 0);
            t_text(t, lab[i], ui_rect(card.x + L->pad, y + 1, lw, rh - 2), L->small_px, false,
                   COL_MUTED, HL_ALIGN_LEFT, 2);
            t_text(t, val[i], ui_rect(card.x + 2 * L->pad + lw, y + 1, vw, rh - 2),
                   imax(L->small_px, L->label_px * 4 / 5), true, bad[i] ? COL_FACE_1 : COL_TEXT,
                   HL_ALIGN_LEFT, 2);
        }
    }
}

/* ---- Results ---------------------------------------------------------------------- */

static const char *t_bar_label(t_ctx_t *t, const hl_question_t *q, int i)
{
    static const char *const nums[11] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
    case HL_Q_MULTI:
        return i < (int)q->n_options ? hl_text_get(&q->options[i].label, t->b.lang) : "?";
    case HL_Q_STARS:
        return t_fmt(t, HL_STR_TECH_STARS, i + 1, 0);
    case HL_Q_NPS:
        return i >= 0 && i <= 10 ? nums[i] : "?";
    case HL_Q_YESNO:
        return t_str(t, i == 0 ? HL_STR_YES : HL_STR_NO);
    default:
        return "?";
    }
}

/* One question's chart in box (top-aligned); returns the height it needs
 * (drawing only when draw). */
static int t_question_chart(t_ctx_t *t, const hl_results_q_t *rq, hl_rect_t box, bool draw)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_survey_t *sv = t->v->survey;
    if (!sv || rq->question < 0 || (size_t)rq->question >= sv->n_questions) return 0;
    const hl_question_t *q = &sv->questions[rq->question];
    int spx = L->small_px, lh = t_small_lh(t);
    const char *qt = hl_text_get(&q->text, b->lang);
    ui_wrap_t wt;
    int tlh = ui_lh(&b->m, spx, true);
    ui_fit_or_force(&b->m, qt, (int)strlen(qt), true, box.w, 2 * tlh, spx, UI_SMALL_MIN, 2, &wt);
    int title_h = wt.n * wt.lh;
    int rows = rq->charted && rq->enough ? rq->n_bars : 1;
    int bh = lh + 2;
    int need = title_h + L->G / 2 + rows * bh;
    if (!draw) return need;
    ui_emit(b, &wt, ui_rect(box.x, box.y, box.w, title_h), COL_TEXT, HL_ALIGN_LEFT, 0);
    int y = box.y + title_h + L->G / 2;
    if (!rq->charted) {
        t_text(t, t_fmt(t, HL_STR_TECH_ANSWERED, rq->answered, 0), ui_rect(box.x, y, box.w, bh),
               spx, false, COL_MUTED, HL_ALIGN_LEFT, 1);
        return need;
    }
    if (!rq->enough) {
        t_text(t, t_str(t, HL_STR_TECH_NOT_ENOUGH), ui_rect(box.x, y, box.w, bh), spx, false,
               COL_MUTED, HL_ALIGN_LEFT, 1);
        return need;
    }
    int64_t total = 0;
    for (int i = 0; i < rq->n_bars; i++)
        total += rq->bars[i];
    if (q->type == HL_Q_MULTI) total = rq->answered; /* a share of those who answered */
    int lw = box.w * 2 / 5;
    int vw = ui_tw(&b->m, "9999 · 100 %", 14, spx, false) + 4;
    int tx = box.x + lw + L->G, tw = box.w - lw - vw - 2 * L->G;
    for (int i = 0; i < rq->n_bars; i++, y += bh) {
        t_text(t, t_bar_label(t, q, i), ui_rect(box.x, y, lw, bh), spx, false, COL_TEXT,
               HL_ALIGN_LEFT, 1);
        int bar_h = imax(6, bh * 3 / 5);
        hl_rect_t track = ui_rect(tx, y + (bh - bar_h) / 2, imax(1, tw), bar_h);
        ui_fill(b, track, COL_DISABLED, 2);
        int64_t c = rq->bars[i];
        int fill = total > 0 ? (int)((long long)track.w * c / total) : 0;
        unsigned col = COL_BRAND;
        if (q->type == HL_Q_SMILEY) {
            int of = (int)q->n_options;
            col = ui_face_color(of - i, of);
        }
        if (fill > 0) ui_fill(b, ui_rect(track.x, track.y, fill, bar_h), col, 2);
        int pct = total > 0 ? (int)((c * 100 + total / 2) / total) : 0;
        t_text(t, t_printf(t, "%lld · %d %%", (long long)c, pct),
               ui_rect(box.x + box.w - vw, y, vw, bh), spx, false, COL_TEXT, HL_ALIGN_RIGHT, 1);
    }
    return need;
}

/* Responses per hour of today: 24 small bars, hours 6..18 labelled. */
static void t_hourly(t_ctx_t *t, const hl_results_t *r, hl_rect_t box)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    int lh = t_small_lh(t), spx = L->small_px;
    if (box.h < 3 * lh + ui_mm(L, 8)) return;
    t_text(t, t_str(t, HL_STR_TECH_PER_HOUR), ui_rect(box.x, box.y, box.w, lh), spx, true, COL_TEXT,
           HL_ALIGN_LEFT, 1);
    int64_t max = 0, day = 0;
    for (int h = 0; h < 24; h++) {
        if (r->hourly[h] > max) max = r->hourly[h];
        day += r->hourly[h];
    }
    if (day < HL_RESULTS_MIN) {
        /* Privacy: the hours of fewer than 5 responses tell when each came. */
        t_text(t, t_str(t, HL_STR_TECH_NOT_ENOUGH), ui_rect(box.x, box.y + lh, box.w, lh), spx,
               false, COL_MUTED, HL_ALIGN_LEFT, 2);
        return;
    }
    const char *top = t_printf(t, "%lld", (long long)max);
    int aw = ui_tw(&b->m, top, (int)strlen(top), UI_SMALL_MIN, false) + 6;
    hl_rect_t ch = ui_rect(box.x + aw, box.y + lh + L->G / 2, box.w - aw, box.h - 2 * lh - L->G);
    int slot = ch.w / 24;
    if (slot < 3) return;
    int nlh = ui_lh(&b->m, UI_SMALL_MIN, false);
    bool nums = slot >= ui_tw(&b->m, "99", 2, UI_SMALL_MIN, false) + 2;
    int area_top = ch.y + (nums ? nlh : 0);
    int area_h = ch.y + ch.h - area_top;
    ui_fill(b, ui_rect(ch.x, ch.y + ch.h, slot * 24, 1), COL_BORDER, 0);
    t_text(t, top, ui_rect(box.x, area_top - nlh / 2, aw - 4, nlh), UI_SMALL_MIN, false, COL_MUTED,
           HL_ALIGN_RIGHT, 1);
    t_text(t, "0", ui_rect(box.x, ch.y + ch.h - nlh / 2, aw - 4, nlh), UI_SMALL_MIN, false,
           COL_MUTED, HL_ALIGN_RIGHT, 1);
    for (int h = 0; h < 24; h++) {
        int x = ch.x + h * slot;
        int bh = max > 0 ? (int)((long long)area_h * r->hourly[h] / max) : 0;
        if (bh > 0) ui_fill(b, ui_rect(x + 1, ch.y + ch.h - bh, slot - 2, bh), COL_BRAND, 1);
        if (nums && r->hourly[h] > 0)
            t_text(t, t_printf(t, "%lld", (long long)r->hourly[h]),
                   ui_rect(x, ch.y + ch.h - bh - nlh, slot, nlh), UI_SMALL_MIN, false, COL_TEXT,
                   HL_ALIGN_CENTER, 1);
        if (h >= 6 && h <= 18 && h % 3 == 0) {
            const char *hs = t_printf(t, "%dh", h);
            int hw = ui_tw(&b->m, hs, (int)strlen(hs), UI_SMALL_MIN, false) + 2;
            int cx = x + slot / 2;
            t_text(t, hs, ui_rect(cx - hw / 2, ch.y + ch.h + 2, hw, lh), UI_SMALL_MIN, false,
                   COL_MUTED, HL_ALIGN_CENTER, 1);
        }
    }
}

static void t_results(t_ctx_t *t, hl_rect_t C)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_tech_view_t *v = t->v;
    const hl_tech_t *tc = v->tech;
    const hl_results_t *r = v->results;
    /* Period buttons, then the officer filter. */
    static const char *const pids[3] = {"tech:period:today", "tech:period:week", "tech:period:all"};
    const hl_str_id_t pnames[3] = {HL_STR_TECH_TODAY, HL_STR_TECH_WEEK, HL_STR_TECH_ALL_TIME};
    int px = imax(UI_SMALL_MIN + 2, (L->label_px + L->small_px) / 2);
    int x = C.x;
    int pw = 0;
    for (int i = 0; i < 3; i++)
        pw = imax(pw, ui_button_w(b, t_str(t, pnames[i]), px, true) + px);
    pw = imin(pw, (C.w * 11 / 20 - 2 * L->G) / 3);
    for (int i = 0; i < 3; i++) {
        t_choice(t, pids[i], ui_rect(x, C.y, pw, L->T), t_str(t, pnames[i]), (int)tc->period == i,
                 px);
        x += pw + L->G;
    }
    const hl_config_t *cfg = v->cfg;
    const char *who = t_str(t, HL_STR_TECH_ALL_OFFICERS);
    if (cfg && tc->filter >= 0 && tc->filter < cfg->n_officers)
        who = cfg->officers[tc->filter].name;
    int fx = x + L->G;
    hl_rect_t next = ui_rect(C.x + C.w - L->T, C.y, L->T, L->T);
    hl_rect_t prev = ui_rect(fx, C.y, L->T, L->T);
    ui_button(b, "tech:filter:prev", prev, UI_QUIET, "‹", L->q_px, true);
    ui_button(b, "tech:filter:next", next, UI_QUIET, "›", L->q_px, true);
    hl_rect_t wb = ui_rect(prev.x + L->T + L->G / 2, C.y, next.x - prev.x - L->T - L->G, L->T);
    ui_fill(b, wb, COL_WHITE, L->radius);
    t_text(t, who, ui_inset(wb, L->pad / 2, 2), px, true, COL_TEXT, HL_ALIGN_CENTER, 2);
    hl_rect_t R = ui_rect(C.x, C.y + L->T + L->G, C.w, C.h - L->T - L->G);
    if (!r) {
        t_text(t, t_str(t, HL_STR_TECH_NO_FIGURES), ui_rect(R.x, R.y, R.w, L->T), L->label_px,
               false, COL_MUTED, HL_ALIGN_CENTER, 2);
        return;
    }
    /* Summary (rate, counts) and the hourly chart: at the right in
     * landscape, on top in portrait; questions in the rest. */
    hl_rect_t S, Q;
    if (!L->portrait) {
        int sw = R.w * 2 / 5;
        S = ui_rect(R.x + R.w - sw, R.y, sw, R.h);
        Q = ui_rect(R.x, R.y, R.w - sw - 2 * L->G, R.h);
    } else {
        int sh = imin(R.h / 3, ui_mm(L, 70));
        S = ui_rect(R.x, R.y, R.w, sh);
        Q = ui_rect(R.x, R.y + sh + L->G, R.w, R.h - sh - L->G);
    }
    t_card(t, S, false);
    hl_rect_t Si = ui_inset(S, L->pad, L->pad);
    int y = Si.y;
    int big = imax(L->label_px, L->q_px);
    int big_h = ui_lh(&b->m, big, true) * (L->portrait ? 1 : 2);
    if (!r->enough) {
        t_text(t, t_str(t, HL_STR_TECH_NOT_ENOUGH), ui_rect(Si.x, y, Si.w, big_h), L->label_px,
               true, COL_MUTED, HL_ALIGN_CENTER, 2);
        y += big_h;
    } else if (r->has_rate && r->rate_answered >= HL_RESULTS_MIN) {
        int pct = (int)((r->rate_satisfied * 100 + r->rate_answered / 2) / r->rate_answered);
        /* The rate big, what it means and its figures under it. */
        int bpx = imax(big, L->q_px * 3 / 2);
        int bh1 = imin(ui_lh(&b->m, bpx, true), big_h);
        t_text(t, t_fmt(t, HL_STR_TECH_RATE, pct, 0), ui_rect(Si.x, y, Si.w, bh1), bpx, true,
               COL_OK, HL_ALIGN_CENTER, 1);
        y += bh1;
        int lh2 = ui_lh(&b->m, L->label_px, true);
        t_text(t, t_fmt(t, HL_STR_TECH_SATISFIED_OF, r->rate_satisfied, r->rate_answered),
               ui_rect(Si.x, y, Si.w, lh2), L->label_px, true, COL_OK, HL_ALIGN_CENTER, 1);
        y += lh2;
    } else if (r->has_rate) {
        t_text(t, t_str(t, HL_STR_TECH_NOT_ENOUGH), ui_rect(Si.x, y, Si.w, big_h), L->label_px,
               true, COL_MUTED, HL_ALIGN_CENTER, 2);
        y += big_h;
    }
    char cp[96];
    hl_str_format(cp, sizeof cp, b->lang, HL_STR_TECH_COMPLETE_PART, t_int(r->counts.complete),
                  t_int(r->counts.partial));
    const char *counts =
        t_printf(t, "%s · %s", t_fmt(t, HL_STR_TECH_RESPONSES, r->counts.responses, 0), cp);
    int lh = t_small_lh(t);
    t_text(t, counts, ui_rect(Si.x, y, Si.w, 2 * lh), L->small_px, false, COL_MUTED,
           HL_ALIGN_CENTER, 2);
    y += 2 * lh + L->G;
    t_hourly(t, r, ui_rect(Si.x, y, Si.w, Si.y + Si.h - y));
    if (!r->enough) return;
    /* Per question, in columns, as many as fit (the first ones matter most). */
    int cols = iclamp(Q.w / imax(1, ui_mm(L, 85)), 1, 3);
    int colw = (Q.w - (cols - 1) * 2 * L->G) / cols;
    int col = 0, qy = Q.y;
    for (int i = 0; i < r->n_questions; i++) {
        hl_rect_t box = ui_rect(Q.x + col * (colw + 2 * L->G), qy, colw, 0);
        int need = t_question_chart(t, &r->q[i], box, false);
        if (need <= 0) continue;
        if (qy + need > Q.y + Q.h) {
            if (++col >= cols) break;
            qy = Q.y;
            box = ui_rect(Q.x + col * (colw + 2 * L->G), qy, colw, 0);
            if (qy + need > Q.y + Q.h) break;
        }
        box.h = need;
        t_question_chart(t, &r->q[i], box, true);
        qy += need + L->G;
    }
}

/* ---- Officer ------------------------------------------------------------------------ */

static void t_officer(t_ctx_t *t, hl_rect_t C)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_config_t *cfg = t->v->cfg;
    int lh = ui_lh(&b->m, L->label_px, true);
    t_text(t, t_str(t, HL_STR_TECH_CHOOSE_DUTY), ui_rect(C.x, C.y, C.w, lh), L->label_px, true,
           COL_TEXT, HL_ALIGN_LEFT, 1);
    int n = (cfg ? cfg->n_officers : 0) + 1;
    hl_rect_t G = ui_rect(C.x, C.y + lh + L->G, C.w, C.h - lh - L->G);
    int cols = iclamp(G.w / imax(1, ui_mm(L, 80)), 1, 3);
    int rows = (n + cols - 1) / cols;
    int ch = iclamp((G.h - (rows - 1) * L->G) / imax(1, rows), L->T, imax(L->T, ui_mm(L, 26)));
    int fit_rows = imax(1, (G.h + L->G) / (ch + L->G));
    int cw = (G.w - (cols - 1) * L->G) / cols;
    for (int i = 0; i < n && i < fit_rows * cols; i++) {
        bool nobody = i == n - 1;
        const hl_officer_t *o = nobody ? NULL : &cfg->officers[i];
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "tech:duty:%s", nobody ? "none" : o->id);
        bool on = nobody ? !cfg || !cfg->officer[0] : strcmp(cfg->officer, o->id) == 0;
        hl_rect_t r =
            ui_rect(G.x + (i % cols) * (cw + L->G), G.y + (i / cols) * (ch + L->G), cw, ch);
        bool down = ui_pressed(b, id);
        ui_fill(b, r, on ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
        ui_outline(b, r, on ? COL_BRAND : COL_BORDER, L->radius,
                   on ? L->sel_border : L->line_border);
        int x = r.x + L->pad + (on ? L->sel_border : 0);
        int inner_h = r.h - 2 * L->pad;
        if (o && o->photo && o->photo[0] && inner_h >= 24) {
            int pw = inner_h * 3 / 4;
            hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_IMAGE, ui_rect(x, r.y + L->pad, pw, inner_h),
                                        rgb(COL_BG));
            c->text = o->photo;
            c->len = (int)strlen(o->photo);
            x += pw + L->pad;
        }
        int right = r.x + r.w - L->pad - (on ? L->sel_border : 0);
        const char *name = nobody ? t_str(t, HL_STR_TECH_NOBODY) : o->name;
        if (on) {
            int slh = t_small_lh(t);
            int nh = imin(inner_h - slh, 2 * lh);
            int block = nh + slh;
            int y = r.y + (r.h - block) / 2;
            t_text(t, name, ui_rect(x, y, right - x, nh), L->label_px, true, COL_TEXT,
                   HL_ALIGN_LEFT, 2);
            int tk = slh * 3 / 4;
            ui_shape(b, HL_CMD_TICK, ui_rect(x, y + nh + (slh - tk) / 2, tk, tk), COL_BRAND, 0);
            t_text(t, t_str(t, HL_STR_TECH_ON_DUTY),
                   ui_rect(x + tk + L->pad / 2, y + nh, right - x - tk - L->pad / 2, slh),
                   L->small_px, true, COL_BRAND, HL_ALIGN_LEFT, 1);
        } else {
            t_text(t, name, ui_rect(x, r.y + 2, right - x, r.h - 4), L->label_px, true, COL_TEXT,
                   HL_ALIGN_LEFT, 2);
        }
        hl_scene_target(b->s, id, r);
    }
    if (!cfg || cfg->n_officers == 0)
        t_text(t, t_str(t, HL_STR_TECH_NO_OFFICERS),
               ui_rect(G.x, G.y + ch + L->G, G.w, t_small_lh(t) * 2), L->small_px, false, COL_MUTED,
               HL_ALIGN_LEFT, 2);
}

/* ---- Survey ------------------------------------------------------------------------- */

/* One survey file as a button: "id · version N" and the file's name. */
static void t_survey_item(t_ctx_t *t, const char *id, hl_rect_t r, const hl_tech_survey_item_t *it,
                          bool install)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    bool on = !install && it->active, down = ui_pressed(b, id);
    ui_fill(b, r, on ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
    ui_outline(b, r, on ? COL_BRAND : COL_BORDER, L->radius, on ? L->sel_border : L->line_border);
    char ver[80];
    hl_str_format(ver, sizeof ver, b->lang, HL_STR_TECH_SURVEY_VER, t_int(it->version), 0);
    const char *head =
        it->id[0] ? t_printf(t, "%s%s%s · %s", install ? t_str(t, HL_STR_TECH_INSTALL) : "",
                             install ? ": " : "", it->id, ver)
                  : t_str(t, HL_STR_TECH_UNREADABLE);
    int in = L->pad + (on ? L->sel_border : 0);
    int slh = t_small_lh(t);
    int tk = on ? slh : 0;
    int x = r.x + in;
    int w = r.w - 2 * in;
    int hlh = ui_lh(&b->m, L->small_px + 2, true);
    int block = hlh + slh;
    int y = r.y + imax(2, (r.h - block) / 2);
    t_text(t, head, ui_rect(x, y, w, hlh), L->small_px + 2, true, COL_TEXT, HL_ALIGN_LEFT, 1);
    if (on) {
        ui_shape(b, HL_CMD_TICK, ui_rect(x, y + hlh + (slh - tk) / 2, tk, tk), COL_BRAND, 0);
        const char *s = t_printf(t, "%s · %s", t_str(t, HL_STR_TECH_IN_USE), it->file);
        t_text(t, s, ui_rect(x + tk + 4, y + hlh, w - tk - 4, slh), L->small_px, true, COL_BRAND,
               HL_ALIGN_LEFT, 1);
    } else {
        t_text(t, it->file, ui_rect(x, y + hlh, w, slh), L->small_px, false, COL_MUTED,
               HL_ALIGN_LEFT, 1);
    }
    hl_scene_target(b->s, id, r);
}

static void t_survey(t_ctx_t *t, hl_rect_t C)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_tech_view_t *v = t->v;
    int slh = t_small_lh(t);
    /* The check's errors at the bottom, full width, as many lines as needed. */
    const hl_diags_t *e = v->errors;
    int n_err = e ? (int)e->n : 0, shown = imin(n_err, HL_TECH_MAX_ERRORS);
    int elh = ui_lh(&b->m, UI_SMALL_MIN + 1, false);
    int err_h = 0;
    if (n_err > 0) err_h = slh + L->G / 2 + (shown + (n_err > shown)) * elh + 2 * L->pad;
    err_h = imin(err_h, C.h / 2);
    hl_rect_t top = ui_rect(C.x, C.y, C.w, C.h - (err_h ? err_h + L->G : 0));
    bool two = !L->portrait;
    int colw = two ? (top.w - 2 * L->G) / 2 : top.w;
    hl_rect_t A = ui_rect(top.x, top.y, colw, two ? top.h : top.h / 2 - L->G / 2);
    hl_rect_t B = two ? ui_rect(top.x + colw + 2 * L->G, top.y, colw, top.h)
                      : ui_rect(top.x, top.y + A.h + L->G, top.w, top.h - A.h - L->G);
    int hh = ui_lh(&b->m, L->small_px + 2, true);
    int item_h = imax(L->T, hh + slh + L->pad);
    /* Installed. */
    t_text(t, t_str(t, HL_STR_TECH_INSTALLED), ui_rect(A.x, A.y, A.w, hh), L->small_px + 2, true,
           COL_TEXT, HL_ALIGN_LEFT, 1);
    int y = A.y + hh + L->G / 2;
    for (int i = 0; i < v->n_installed && i < HL_TECH_MAX_SURVEYS; i++) {
        if (y + item_h > A.y + A.h) break;
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "tech:survey:use:%d", i);
        t_survey_item(t, id, ui_rect(A.x, y, A.w, item_h), &v->installed[i], false);
        y += item_h + L->G;
    }
    /* On the stick, then roll back. With more files than fit, "page 2 of
     * 3" under the heading and the page buttons at its right. */
    bool listed = v->stick && v->n_on_stick > 0;
    int n = listed ? imin(v->n_on_stick, HL_TECH_MAX_SURVEYS) : 0;
    int first = imax(0, v->stick_first), total = imax(v->n_stick_total, first + n);
    int rb_h = v->can_rollback ? L->T + L->G : 0;
    int rows = imax(0, (B.h - hh - L->G / 2 - rb_h + L->G) / (item_h + L->G));
    bool pager = listed && (first > 0 || total - first > rows);
    int head_h = pager ? imax(hh, L->T) : hh;
    if (pager) {
        int room = B.h - head_h - L->G / 2;
        rows = (room - rb_h + L->G) / (item_h + L->G);
        if (rows < 1) rows = (room + L->G) / (item_h + L->G); /* roll back makes room */
        rows = imax(0, rows);
    }
    rows = imin(rows, HL_TECH_MAX_SURVEYS); /* a page's files: the buttons' step */
    int tw = pager ? B.w - 2 * L->T - 2 * L->G : B.w;
    t_text(t, t_str(t, HL_STR_TECH_ON_STICK), ui_rect(B.x, B.y, tw, hh), L->small_px + 2, true,
           COL_TEXT, HL_ALIGN_LEFT, 1);
    if (pager) {
        int step = imax(1, rows);
        int page = (first + step - 1) / step + 1;
        int pages = page + (imax(0, total - first - step) + step - 1) / step;
        t_text(t, t_fmt(t, HL_STR_TECH_PAGE_OF, page, pages),
               ui_rect(B.x, B.y + hh, tw, imax(slh, head_h - hh)), L->small_px, true, COL_TEXT,
               HL_ALIGN_LEFT, 1);
        bool has_prev = first > 0, has_next = first + step < total;
        ui_button(b, "tech:stick:prev", ui_rect(B.x + B.w - 2 * L->T - L->G, B.y, L->T, L->T),
                  has_prev ? UI_QUIET : UI_DISABLED, "‹", L->q_px, true);
        ui_button(b, "tech:stick:next", ui_rect(B.x + B.w - L->T, B.y, L->T, L->T),
                  has_next ? UI_QUIET : UI_DISABLED, "›", L->q_px, true);
    }
    y = B.y + head_h + L->G / 2;
    if (!listed) {
        hl_rect_t m = ui_rect(B.x, y, B.w, imax(L->T, 2 * slh));
        ui_fill(b, m, COL_DISABLED, L->radius);
        t_text(t, t_str(t, v->stick ? HL_STR_TECH_STICK_EMPTY : HL_STR_TECH_PLUG_STICK),
               ui_inset(m, L->pad, 2), L->label_px, true, COL_MUTED, HL_ALIGN_CENTER, 2);
        y += m.h + L->G;
    } else {
        for (int i = 0; i < imin(rows, n); i++) {
            char id[HL_SCENE_ID_MAX];
            snprintf(id, sizeof id, "tech:survey:install:%d", first + i);
            t_survey_item(t, id, ui_rect(B.x, y, B.w, item_h), &v->on_stick[i], true);
            y += item_h + L->G;
        }
    }
    if (v->can_rollback && y + L->T <= B.y + B.h) {
        const char *rb = t_str(t, HL_STR_TECH_ROLLBACK);
        int rw = imin(B.w, ui_button_w(b, rb, L->label_px, true));
        ui_button(b, "tech:survey:rollback", ui_rect(B.x, y, rw, L->T), UI_SECONDARY, rb,
                  L->label_px, true);
    }
    if (!err_h) return;
    hl_rect_t E = ui_rect(C.x, C.y + C.h - err_h, C.w, err_h);
    ui_fill(b, E, COL_WHITE, L->radius);
    ui_outline(b, E, COL_FACE_1, L->radius, L->line_border);
    int ey = E.y + L->pad;
    int ew = E.w - 2 * L->pad;
    t_text(t, t_str(t, HL_STR_TECH_INVALID), ui_rect(E.x + L->pad, ey, ew, slh), L->small_px, true,
           COL_FACE_1, HL_ALIGN_LEFT, 1);
    ey += slh + L->G / 2;
    for (int i = 0; i < shown && ey + elh <= E.y + E.h - L->pad / 2; i++, ey += elh) {
        const hl_diag_t *d = &e->items[i];
        const char *s = t_printf(t, "%s:%d:%d: %s", d->file ? d->file : "?", d->line, d->col,
                                 d->msg ? d->msg : "");
        t_text(t, s, ui_rect(E.x + L->pad, ey, ew, elh), UI_SMALL_MIN + 1, false, COL_TEXT,
               HL_ALIGN_LEFT, 1);
    }
    if (n_err > shown && ey + elh <= E.y + E.h)
        t_text(t, t_fmt(t, HL_STR_TECH_MORE, n_err - shown, 0), ui_rect(E.x + L->pad, ey, ew, elh),
               UI_SMALL_MIN + 1, true, COL_MUTED, HL_ALIGN_LEFT, 1);
}

/* ---- Transfer ----------------------------------------------------------------------- */

/* A line of text in a card, advancing *y. */
static void t_line(t_ctx_t *t, const char *s, int x, int *y, int w, int bottom, bool bold,
                   unsigned col)
{
    int lh = t_small_lh(t);
    if (!s || !s[0] || *y + lh > bottom) return;
    ui_wrap_t wr;
    ui_b_t *b = &t->b;
    int lines = imax(1, imin(3, (bottom - *y) / lh));
    ui_fit_or_force(&b->m, s, (int)strlen(s), bold, w, lines * lh, b->L.small_px, UI_SMALL_MIN,
                    lines, &wr);
    *y += ui_emit(b, &wr, ui_rect(x, *y, w, wr.n * wr.lh), col, HL_ALIGN_LEFT, 0) + 2;
}

static void t_transfer(t_ctx_t *t, hl_rect_t C)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_tech_view_t *v = t->v;
    bool two = !L->portrait;
    int cw = two ? (C.w - 2 * L->G) / 2 : C.w;
    int chh = two ? C.h : (C.h - L->G) / 2;
    hl_rect_t A = ui_rect(C.x, C.y, cw, chh);
    hl_rect_t B =
        two ? ui_rect(C.x + cw + 2 * L->G, C.y, cw, C.h) : ui_rect(C.x, C.y + chh + L->G, C.w, chh);
    int bh = imax(L->T, ui_mm(L, 16));
    /* USB export. */
    t_card(t, A, false);
    hl_rect_t Ai = ui_inset(A, L->pad, L->pad);
    const char *ex = t_str(t, HL_STR_TECH_EXPORT_NOW);
    bool busy = v->export_state.phase == HL_UI_EXPORT_WRITING;
    ui_button(b, "tech:export", ui_rect(Ai.x, Ai.y, Ai.w, bh),
              v->stick && !busy ? UI_PRIMARY : UI_DISABLED, ex, L->label_px, true);
    int y = Ai.y + bh + L->G, bottom = Ai.y + Ai.h;
    if (!v->stick)
        t_line(t, t_str(t, HL_STR_TECH_PLUG_STICK), Ai.x, &y, Ai.w, bottom, true, COL_MUTED);
    const hl_ui_export_t *e = &v->export_state;
    if (e->phase == HL_UI_EXPORT_WRITING) {
        int pct = (int)(100 * (e->done < 0 ? 0 : e->done > 1 ? 1 : e->done));
        t_line(t, t_fmt(t, HL_STR_TECH_EXPORT_PCT, pct, 0), Ai.x, &y, Ai.w, bottom, true, COL_TEXT);
        int th = imax(10, ui_mm(L, 3));
        if (y + th <= bottom) {
            hl_rect_t track = ui_rect(Ai.x, y, Ai.w, th);
            ui_fill(b, track, COL_DISABLED, th / 2);
            int fill = track.w * pct / 100;
            if (fill >= th) ui_fill(b, ui_rect(track.x, y, fill, th), COL_BRAND, th / 2);
            y += th + L->G;
        }
        t_line(t, t_str(t, HL_STR_EXPORT_KEEP), Ai.x, &y, Ai.w, bottom, false, COL_MUTED);
    } else if (e->phase == HL_UI_EXPORT_DONE) {
        const char *s = e->count > 0 ? t_fmt(t, HL_STR_TECH_EXPORT_WROTE, e->count, 0)
                                     : t_str(t, HL_STR_EXPORT_NOTHING);
        t_line(t, s, Ai.x, &y, Ai.w, bottom, true, COL_OK);
        if (e->count > 0)
            t_line(t, t_str(t, HL_STR_EXPORT_DONE), Ai.x, &y, Ai.w, bottom, false, COL_TEXT);
    } else if (e->phase == HL_UI_EXPORT_FAILED) {
        hl_str_id_t id = e->code == HL_ERR_FULL       ? HL_STR_EXPORT_FULL
                         : e->code == HL_ERR_READONLY ? HL_STR_EXPORT_RDONLY
                         : e->code == HL_ERR_IO       ? HL_STR_EXPORT_IO
                                                      : HL_STR_EXPORT_FAILED;
        t_line(t, t_str(t, id), Ai.x, &y, Ai.w, bottom, true, COL_FACE_1);
    }
    y += L->G / 2;
    t_line(t,
           t_printf(t, "%s: %s", t_str(t, HL_STR_TECH_LAST_EXPORT),
                    t_date(t, v->stats.last_export_utc_ms)),
           Ai.x, &y, Ai.w, bottom, false, COL_MUTED);
    /* Network sync. */
    t_card(t, B, false);
    hl_rect_t Bi = ui_inset(B, L->pad, L->pad);
    const hl_sync_status_t *sy = &v->sync;
    bool pushing = sy->worker && sy->info.pushing;
    ui_button(b, "tech:sync", ui_rect(Bi.x, Bi.y, Bi.w, bh),
              sy->configured && !pushing ? UI_PRIMARY : UI_DISABLED, t_str(t, HL_STR_TECH_SYNC_NOW),
              L->label_px, true);
    y = Bi.y + bh + L->G;
    bottom = Bi.y + Bi.h;
    if (!sy->configured) {
        t_line(t, t_printf(t, "%s: %s", t_str(t, HL_STR_TECH_SYNC), t_str(t, HL_STR_TECH_SYNC_OFF)),
               Bi.x, &y, Bi.w, bottom, true, COL_MUTED);
        return;
    }
    if (pushing) t_line(t, t_str(t, HL_STR_TECH_PUSHING), Bi.x, &y, Bi.w, bottom, true, COL_BRAND);
    t_line(t, t_fmt(t, HL_STR_TECH_SYNC_PENDING, sy->store.pending, 0), Bi.x, &y, Bi.w, bottom,
           true, COL_TEXT);
    t_line(t,
           t_printf(t, "%s: %s", t_str(t, HL_STR_TECH_LAST_SUCCESS),
                    t_date(t, sy->store.last_success_utc_ms)),
           Bi.x, &y, Bi.w, bottom, false, COL_TEXT);
    if (sy->store.last_error[0])
        t_line(t, t_printf(t, "%s: %s", t_str(t, HL_STR_TECH_LAST_ERROR), sy->store.last_error),
               Bi.x, &y, Bi.w, bottom, false, COL_FACE_1);
    if (sy->url[0]) t_line(t, sy->url, Bi.x, &y, Bi.w, bottom, false, COL_MUTED);
}

/* ---- Settings ----------------------------------------------------------------------- */

/* A row: the label at the left (up to two lines), the controls' box at the
 * right (returned). */
static hl_rect_t t_row(t_ctx_t *t, const char *label, hl_rect_t r, int controls_w)
{
    const ui_lay_t *L = &t->b.L;
    int lw = r.w - controls_w - L->G;
    t_text(t, label, ui_rect(r.x, r.y, lw, r.h), L->small_px + 2, true, COL_TEXT, HL_ALIGN_LEFT, 2);
    return ui_rect(r.x + r.w - controls_w, r.y, controls_w, r.h);
}

/* [-] value [+] for a timeout. */
static void t_stepper(t_ctx_t *t, const char *key, const char *label, int value, hl_rect_t r,
                      int vw)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    hl_rect_t c = t_row(t, label, r, 2 * L->T + vw + 2 * L->G);
    char id[HL_SCENE_ID_MAX];
    snprintf(id, sizeof id, "tech:%s:-", key);
    ui_button(b, id, ui_rect(c.x, c.y, L->T, L->T), UI_QUIET, "–", L->q_px, true);
    snprintf(id, sizeof id, "tech:%s:+", key);
    ui_button(b, id, ui_rect(c.x + c.w - L->T, c.y, L->T, L->T), UI_QUIET, "+", L->q_px, true);
    t_text(t, t_fmt(t, HL_STR_TECH_SECONDS, value, 0), ui_rect(c.x + L->T + L->G, c.y, vw, L->T),
           L->label_px, true, COL_TEXT, HL_ALIGN_CENTER, 1);
}

static void t_settings(t_ctx_t *t, hl_rect_t C)
{
    ui_b_t *b = &t->b;
    const ui_lay_t *L = &b->L;
    const hl_tech_view_t *v = t->v;
    const hl_config_t *cfg = v->cfg;
    bool two = !L->portrait;
    int cw = two ? (C.w - 3 * L->G) / 2 : C.w;
    hl_rect_t A = ui_rect(C.x, C.y, cw, C.h);
    int px = imax(UI_SMALL_MIN + 2, (L->label_px + L->small_px) / 2);
    int rg = imax(4, L->G * 3 / 4);
    int y = A.y;
    /* Default language. */
    {
        const char *names[HL_LANG_COUNT];
        int need = 0;
        for (int l = 0; l < HL_LANG_COUNT; l++) {
            names[l] = hl_str_lang_name((hl_lang_t)l);
            need += ui_button_w(b, names[l], px, true) + px + L->G;
        }
        need = imin(need, A.w * 3 / 5);
        hl_rect_t c = t_row(t, t_str(t, HL_STR_TECH_LANGUAGE), ui_rect(A.x, y, A.w, L->T), need);
        int bw = (c.w - (HL_LANG_COUNT - 1) * L->G) / HL_LANG_COUNT;
        hl_lang_t cur = HL_LANG_VI;
        bool known = cfg && cfg->language[0] && hl_lang_parse(cfg->language, &cur);
        if (!known && v->survey && v->survey->n_langs > 0) cur = v->survey->langs[0];
        for (int l = 0; l < HL_LANG_COUNT; l++) {
            char id[HL_SCENE_ID_MAX];
            snprintf(id, sizeof id, "tech:lang:%s", hl_lang_code((hl_lang_t)l));
            t_choice(t, id, ui_rect(c.x + l * (bw + L->G), y, bw, L->T), names[l],
                     cur == (hl_lang_t)l, px);
        }
        y += L->T + rg;
    }
    /* Timeouts. */
    int vw = imax(ui_tw(&b->m, "600 giây", 8, L->label_px, true), ui_mm(L, 16));
    const hl_timeouts_t *to = cfg ? &cfg->timeouts : NULL;
    t_stepper(t, "idle", t_str(t, HL_STR_TECH_IDLE), to ? to->idle_s : 0,
              ui_rect(A.x, y, A.w, L->T), vw);
    y += L->T + rg;
    t_stepper(t, "warn", t_str(t, HL_STR_TECH_WARN), to ? to->warn_s : 0,
              ui_rect(A.x, y, A.w, L->T), vw);
    y += L->T + rg;
    t_stepper(t, "thanks", t_str(t, HL_STR_TECH_THANKS), to ? to->thanks_s : 0,
              ui_rect(A.x, y, A.w, L->T), vw);
    y += L->T + rg;
    /* Rotation. */
    {
        static const char *const degs[4] = {"0°", "90°", "180°", "270°"};
        static const char *const ids[4] = {"tech:rot:0", "tech:rot:90", "tech:rot:180",
                                           "tech:rot:270"};
        int rw = imax(L->T, ui_button_w(b, "270°", px, true) + px);
        int need = imin(4 * rw + 3 * L->G, A.w * 3 / 4);
        rw = (need - 3 * L->G) / 4;
        hl_rect_t c = t_row(t, t_str(t, HL_STR_TECH_ROTATION), ui_rect(A.x, y, A.w, L->T), need);
        int rot = cfg ? cfg->display.rotation : 0;
        for (int i = 0; i < 4; i++)
            t_choice(t, ids[i], ui_rect(c.x + i * (rw + L->G), y, rw, L->T), degs[i], rot == i * 90,
                     px);
        y += L->T + rg;
    }
    /* Clock, restart and shut down: the right column (below in portrait). */
    hl_rect_t B = two ? ui_rect(C.x + cw + 3 * L->G, C.y, C.w - cw - 3 * L->G, C.h)
                      : ui_rect(C.x, y + L->G, C.w, C.y + C.h - y - L->G);
    int by = B.y;
    int hh = ui_lh(&b->m, L->small_px + 2, true);
    if (v->clock_trusted) {
        hl_rect_t m = ui_rect(B.x, by, B.w, L->T);
        ui_fill(b, m, COL_SELECTED, L->radius);
        int tk = hh;
        ui_shape(b, HL_CMD_TICK, ui_rect(m.x + L->pad, m.y + (m.h - tk) / 2, tk, tk), COL_OK, 0);
        t_text(t, t_str(t, HL_STR_TECH_CLOCK_SYNCED),
               ui_rect(m.x + 2 * L->pad + tk, m.y + 2, m.w - 3 * L->pad - tk, m.h - 4), px, true,
               COL_TEXT, HL_ALIGN_LEFT, 2);
        by += L->T + rg;
    } else {
        const char *now =
            t_printf(t, "%s: %s", t_str(t, HL_STR_TECH_DATETIME), t_date(t, v->now_utc_ms));
        int nh = ui_lh(&b->m, L->label_px, true);
        t_text(t, now, ui_rect(B.x, by, B.w, nh), L->label_px, true, COL_TEXT, HL_ALIGN_LEFT, 1);
        by += nh + L->G / 2;
        static const char *const ids[6] = {"tech:clock:-1d", "tech:clock:+1d",  "tech:clock:-1h",
                                           "tech:clock:+1h", "tech:clock:-10m", "tech:clock:+10m"};
        const char *unit[3] = {t_str(t, HL_STR_TECH_DAY), t_str(t, HL_STR_TECH_HOUR),
                               t_str(t, HL_STR_TECH_MIN)};
        static const int amount[3] = {1, 1, 10};
        int per_row = B.w >= 6 * L->T + 5 * L->G + ui_mm(L, 40) ? 6 : 4;
        int sw = (B.w - (per_row - 1) * L->G) / per_row;
        for (int i = 0; i < 6; i++) {
            int slot = i % per_row, row = i / per_row;
            const char *lab = t_printf(t, "%s%d %s", i % 2 ? "+" : "–", amount[i / 2], unit[i / 2]);
            ui_button(b, ids[i],
                      ui_rect(B.x + slot * (sw + L->G), by + row * (L->T + rg), sw, L->T), UI_QUIET,
                      lab, px, true);
        }
        int rows = (6 + per_row - 1) / per_row;
        const char *set = t_str(t, HL_STR_TECH_SET_CLOCK);
        if (per_row == 4) {
            /* The set button fills the second row's free slots. */
            hl_rect_t r = ui_rect(B.x + 2 * (sw + L->G), by + (L->T + rg), 2 * sw + L->G, L->T);
            ui_button(b, "tech:clock:set", r, UI_PRIMARY, set, px, true);
            by += rows * (L->T + rg);
        } else {
            by += rows * (L->T + rg);
            ui_button(b, "tech:clock:set",
                      ui_rect(B.x, by, imin(B.w, ui_button_w(b, set, px, true) * 2), L->T),
                      UI_PRIMARY, set, px, true);
            by += L->T + rg;
        }
    }
    by += L->G;
    const char *rs = t_str(t, HL_STR_TECH_RESTART), *sd = t_str(t, HL_STR_TECH_SHUTDOWN);
    int hw = (B.w - L->G) / 2;
    if (by + L->T <= B.y + B.h) {
        ui_button(b, "tech:restart", ui_rect(B.x, by, hw, L->T), UI_SECONDARY, rs, px, true);
        ui_button(b, "tech:shutdown", ui_rect(B.x + hw + L->G, by, B.w - hw - L->G, L->T),
                  UI_SECONDARY, sd, px, true);
    }
}

/* ---- API ---------------------------------------------------------------------------- */

void hl_tech_ui_build(hl_ui_t *ui, const hl_tech_view_t *v, int w, int h, hl_scene_t *out)
{
    hl_scene_clear(out, w, h, rgb(COL_BG));
    if (w <= 0 || h <= 0 || !v || !v->tech) return;
    t_ctx_t t;
    ui_b_t *b = &t.b;
    t.v = v;
    b->ui = ui;
    b->m.ui = ui;
    memset(b->m.memo, 0, sizeof b->m.memo);
    b->f = NULL;
    b->s = out;
    ui_lay_init(&b->L, ui, w, h);
    b->lang = v->lang;
    b->roomy = imin(w - 2 * b->L.M, h - 2 * b->L.bar_h - 2 * b->L.M);
    b->big = b->roomy >= ui_mm(&b->L, 200);
    b->content_h = 0;
    /* The screen's name for the kiosk's touch guard: another page is another screen. */
    snprintf(out->screen, sizeof out->screen, "tech:%s:%d:%s",
             v->tech->mode == HL_TECH_PIN ? "pin" : "menu",
             v->tech->mode == HL_TECH_PIN ? 0 : (int)v->tech->page, hl_lang_code(v->lang));
    if (v->tech->mode == HL_TECH_PIN) {
        t_pin(&t);
        return;
    }
    const ui_lay_t *L = &b->L;
    int top = t_band(&t);
    int bottom = t_notice(&t);
    hl_rect_t C = ui_rect(L->M, top + L->G, w - 2 * L->M, h - top - L->G - bottom - L->M);
    switch (v->tech->page) {
    case HL_TECH_STATUS:
        t_status(&t, C);
        break;
    case HL_TECH_RESULTS:
        t_results(&t, C);
        break;
    case HL_TECH_OFFICER:
        t_officer(&t, C);
        break;
    case HL_TECH_SURVEY:
        t_survey(&t, C);
        break;
    case HL_TECH_TRANSFER:
        t_transfer(&t, C);
        break;
    case HL_TECH_SETTINGS:
    default:
        t_settings(&t, C);
        break;
    }
}
