/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_tech_ui_pages.c: the technician menu's pages (status, results with
 * their charts, officer on duty, survey, transfer, settings), built as
 * scenes with the widget kit.
 */
#include "tech_ui_int.h"

/* ---- Status ----------------------------------------------------------------------- */

void hl_tui_status(hl_tui_ctx_t *t, hl_rect_t C)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_tech_view_t *v = t->v;
    const hl_config_t *cfg = v->cfg;
    enum { ROWS = 16 };
    const char *lab[ROWS], *val[ROWS];
    bool bad[ROWS] = {false};
    int n = 0;
    const hl_officer_t *o = cfg && cfg->officer[0] ? hl_config_officer(cfg, cfg->officer) : NULL;
    const char *site = cfg ? hl_text_get(&cfg->site, b->lang) : "";
    const char *counter = cfg ? hl_text_get(&cfg->counter, b->lang) : "";
    lab[n] = hl_tui_str(t, HL_STR_TECH_KIOSK), val[n++] = cfg ? cfg->kiosk_id : "";
    lab[n] = hl_tui_str(t, HL_STR_TECH_SITE), val[n++] = site[0] ? site : "–";
    lab[n] = hl_tui_str(t, HL_STR_TECH_COUNTER), val[n++] = counter[0] ? counter : "–";
    lab[n] = hl_tui_str(t, HL_STR_TECH_OFFICER),
    val[n++] = o ? o->name : hl_tui_str(t, HL_STR_TECH_NOBODY);
    lab[n] = hl_tui_str(t, HL_STR_TECH_VERSION), val[n++] = v->version ? v->version : "?";
    lab[n] = hl_tui_str(t, HL_STR_TECH_SURVEY);
    if (v->survey) {
        char ver[80];
        hl_str_format(ver, sizeof ver, b->lang, HL_STR_TECH_SURVEY_VER,
                      hl_tui_int(v->survey->version), 0);
        val[n++] = hl_tui_printf(t, "%s (%s)", v->survey->id, ver);
    } else {
        val[n++] = "–";
    }
    lab[n] = hl_tui_str(t, HL_STR_TECH_TODAY),
    val[n++] = hl_tui_fmt(t, HL_STR_TECH_RESPONSES, v->today.responses, 0);
    lab[n] = hl_tui_str(t, HL_STR_TECH_WEEK),
    val[n++] = hl_tui_fmt(t, HL_STR_TECH_RESPONSES, v->week.responses, 0);
    lab[n] = hl_tui_str(t, HL_STR_TECH_TOTAL),
    val[n++] = hl_tui_fmt(t, HL_STR_TECH_RESPONSES, v->stats.responses, 0);
    lab[n] = hl_tui_str(t, HL_STR_TECH_STORED);
    val[n++] = hl_tui_fmt(t, HL_STR_TECH_COMPLETE_PART, v->stats.complete, v->stats.partial);
    lab[n] = hl_tui_str(t, HL_STR_TECH_SYNC);
    val[n++] = v->sync.configured
                   ? hl_tui_fmt(t, HL_STR_TECH_SYNC_PENDING, v->sync.store.pending, 0)
                   : hl_tui_str(t, HL_STR_TECH_SYNC_OFF);
    lab[n] = hl_tui_str(t, HL_STR_TECH_LAST_SUCCESS);
    val[n++] = v->sync.configured ? hl_tui_date(t, v->sync.store.last_success_utc_ms) : "–";
    lab[n] = hl_tui_str(t, HL_STR_TECH_LAST_ERROR);
    bad[n] = v->sync.configured && v->sync.store.last_error[0];
    val[n] = bad[n]               ? v->sync.store.last_error
             : v->sync.configured ? hl_tui_str(t, HL_STR_TECH_NONE)
                                  : "–";
    n++;
    lab[n] = hl_tui_str(t, HL_STR_TECH_LAST_EXPORT),
    val[n++] = hl_tui_date(t, v->stats.last_export_utc_ms);
    lab[n] = hl_tui_str(t, HL_STR_TECH_FREE), val[n++] = hl_tui_bytes(t, v->free_bytes);
    lab[n] = hl_tui_str(t, HL_STR_TECH_CLOCK);
    bad[n] = !v->clock_trusted;
    val[n++] = hl_tui_printf(
        t, "%s (%s)", hl_tui_date(t, v->now_utc_ms),
        hl_tui_str(t, v->clock_trusted ? HL_STR_TECH_CLOCK_OK : HL_STR_TECH_CLOCK_BAD));
    int cols = C.w >= hl_kit_mm(L, 150) ? 2 : 1;
    int per = (n + cols - 1) / cols;
    int colw = (C.w - (cols - 1) * L->gap) / cols;
    int rh = imin((C.h - 2 * L->pad) / per, imax(hl_kit_mm(L, 13), 2 * hl_tui_small_lh(t)));
    for (int c = 0; c < cols; c++) {
        int rows = imin(per, n - c * per);
        hl_rect_t card = hl_kit_rect(C.x + c * (colw + L->gap), C.y, colw, rows * rh + 2 * L->pad);
        hl_tui_card(t, card, false);
        int lw = (colw - 3 * L->pad) * 2 / 5, vw = colw - 3 * L->pad - lw;
        for (int r = 0; r < rows; r++) {
            int i = c * per + r;
            int y = card.y + L->pad + r * rh;
            if (r > 0)
                hl_kit_fill(b, hl_kit_rect(card.x + L->pad, y, colw - 2 * L->pad, 1), COL_SEPARATOR,
                            0);
            hl_tui_text(t, lab[i], hl_kit_rect(card.x + L->pad, y + 1, lw, rh - 2), L->small_px,
                        false, COL_MUTED, HL_ALIGN_LEFT, 2);
            hl_tui_text(t, val[i], hl_kit_rect(card.x + 2 * L->pad + lw, y + 1, vw, rh - 2),
                        imax(L->small_px, L->label_px * 4 / 5), true,
                        bad[i] ? COL_FACE_1 : COL_TEXT, HL_ALIGN_LEFT, 2);
        }
    }
}

/* ---- Results ---------------------------------------------------------------------- */

static const char *t_bar_label(hl_tui_ctx_t *t, const hl_question_t *q, int i)
{
    static const char *const nums[11] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
    case HL_Q_MULTI:
        return i < (int)q->n_options ? hl_text_get(&q->options[i].label, t->b.lang) : "?";
    case HL_Q_STARS:
        return hl_tui_fmt(t, HL_STR_TECH_STARS, i + 1, 0);
    case HL_Q_NPS:
        return i >= 0 && i <= 10 ? nums[i] : "?";
    case HL_Q_YESNO:
        return hl_tui_str(t, i == 0 ? HL_STR_YES : HL_STR_NO);
    default:
        return "?";
    }
}

/* One question's chart in box (top-aligned); returns the height it needs
 * (drawing only when draw). */
static int t_question_chart(hl_tui_ctx_t *t, const hl_results_q_t *rq, hl_rect_t box, bool draw)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_survey_t *sv = t->v->survey;
    if (!sv || rq->question < 0 || (size_t)rq->question >= sv->n_questions) return 0;
    const hl_question_t *q = &sv->questions[rq->question];
    if (!hl_question_answerable(q)) return 0; /* a note: nothing to count */
    int spx = L->small_px, lh = hl_tui_small_lh(t);
    const char *qt = hl_text_get(&q->text, b->lang);
    hl_kit_wrap_t wt;
    int tlh = hl_kit_lh(&b->m, spx, true);
    hl_kit_fit_or_force(&b->m, qt, (int)strlen(qt), true, box.w, 2 * tlh, spx, HL_KIT_SMALL_MIN, 2,
                        &wt);
    int title_h = wt.n * wt.lh;
    int rows = rq->charted && rq->enough ? rq->n_bars : 1;
    int bh = lh + 2;
    int need = title_h + L->gap / 2 + rows * bh;
    if (!draw) return need;
    hl_kit_emit(b, &wt, hl_kit_rect(box.x, box.y, box.w, title_h), COL_TEXT, HL_ALIGN_LEFT, 0);
    int y = box.y + title_h + L->gap / 2;
    if (!rq->charted) {
        hl_tui_text(t, hl_tui_fmt(t, HL_STR_TECH_ANSWERED, rq->answered, 0),
                    hl_kit_rect(box.x, y, box.w, bh), spx, false, COL_MUTED, HL_ALIGN_LEFT, 1);
        return need;
    }
    if (!rq->enough) {
        hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_NOT_ENOUGH), hl_kit_rect(box.x, y, box.w, bh), spx,
                    false, COL_MUTED, HL_ALIGN_LEFT, 1);
        return need;
    }
    int64_t total = 0;
    for (int i = 0; i < rq->n_bars; i++)
        total += rq->bars[i];
    if (q->type == HL_Q_MULTI) total = rq->answered; /* a share of those who answered */
    int lw = box.w * 2 / 5;
    int vw = hl_kit_tw(&b->m, "9999 · 100 %", 14, spx, false) + 4;
    int tx = box.x + lw + L->gap, tw = box.w - lw - vw - 2 * L->gap;
    for (int i = 0; i < rq->n_bars; i++, y += bh) {
        hl_tui_text(t, t_bar_label(t, q, i), hl_kit_rect(box.x, y, lw, bh), spx, false, COL_TEXT,
                    HL_ALIGN_LEFT, 1);
        int bar_h = imax(6, bh * 3 / 5);
        hl_rect_t track = hl_kit_rect(tx, y + (bh - bar_h) / 2, imax(1, tw), bar_h);
        hl_kit_fill(b, track, COL_DISABLED, 2);
        int64_t c = rq->bars[i];
        int fill = total > 0 ? (int)((long long)track.w * c / total) : 0;
        unsigned col = COL_BRAND;
        if (q->type == HL_Q_SMILEY) {
            int of = (int)q->n_options;
            col = hl_kit_face_color(of - i, of);
        }
        if (fill > 0) hl_kit_fill(b, hl_kit_rect(track.x, track.y, fill, bar_h), col, 2);
        int pct = total > 0 ? (int)((c * 100 + total / 2) / total) : 0;
        hl_tui_text(t, hl_tui_printf(t, "%lld · %d %%", (long long)c, pct),
                    hl_kit_rect(box.x + box.w - vw, y, vw, bh), spx, false, COL_TEXT,
                    HL_ALIGN_RIGHT, 1);
    }
    return need;
}

/* Responses per hour of today: 24 small bars, hours 6..18 labelled. */
static void t_hourly(hl_tui_ctx_t *t, const hl_results_t *r, hl_rect_t box)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    int lh = hl_tui_small_lh(t), spx = L->small_px;
    if (box.h < 3 * lh + hl_kit_mm(L, 8)) return;
    hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_PER_HOUR), hl_kit_rect(box.x, box.y, box.w, lh), spx,
                true, COL_TEXT, HL_ALIGN_LEFT, 1);
    int64_t max = 0, day = 0;
    for (int h = 0; h < 24; h++) {
        if (r->hourly[h] > max) max = r->hourly[h];
        day += r->hourly[h];
    }
    if (day < HL_RESULTS_MIN) {
        /* Privacy: the hours of fewer than 5 responses tell when each came. */
        hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_NOT_ENOUGH),
                    hl_kit_rect(box.x, box.y + lh, box.w, lh), spx, false, COL_MUTED, HL_ALIGN_LEFT,
                    2);
        return;
    }
    const char *top = hl_tui_printf(t, "%lld", (long long)max);
    int aw = hl_kit_tw(&b->m, top, (int)strlen(top), HL_KIT_SMALL_MIN, false) + 6;
    hl_rect_t ch =
        hl_kit_rect(box.x + aw, box.y + lh + L->gap / 2, box.w - aw, box.h - 2 * lh - L->gap);
    int slot = ch.w / 24;
    if (slot < 3) return;
    int nlh = hl_kit_lh(&b->m, HL_KIT_SMALL_MIN, false);
    bool nums = slot >= hl_kit_tw(&b->m, "99", 2, HL_KIT_SMALL_MIN, false) + 2;
    int area_top = ch.y + (nums ? nlh : 0);
    int area_h = ch.y + ch.h - area_top;
    hl_kit_fill(b, hl_kit_rect(ch.x, ch.y + ch.h, slot * 24, 1), COL_BORDER, 0);
    hl_tui_text(t, top, hl_kit_rect(box.x, area_top - nlh / 2, aw - 4, nlh), HL_KIT_SMALL_MIN,
                false, COL_MUTED, HL_ALIGN_RIGHT, 1);
    hl_tui_text(t, "0", hl_kit_rect(box.x, ch.y + ch.h - nlh / 2, aw - 4, nlh), HL_KIT_SMALL_MIN,
                false, COL_MUTED, HL_ALIGN_RIGHT, 1);
    for (int h = 0; h < 24; h++) {
        int x = ch.x + h * slot;
        int bh = max > 0 ? (int)((long long)area_h * r->hourly[h] / max) : 0;
        if (bh > 0)
            hl_kit_fill(b, hl_kit_rect(x + 1, ch.y + ch.h - bh, slot - 2, bh), COL_BRAND, 1);
        if (nums && r->hourly[h] > 0)
            hl_tui_text(t, hl_tui_printf(t, "%lld", (long long)r->hourly[h]),
                        hl_kit_rect(x, ch.y + ch.h - bh - nlh, slot, nlh), HL_KIT_SMALL_MIN, false,
                        COL_TEXT, HL_ALIGN_CENTER, 1);
        if (h >= 6 && h <= 18 && h % 3 == 0) {
            const char *hs = hl_tui_printf(t, "%dh", h);
            int hw = hl_kit_tw(&b->m, hs, (int)strlen(hs), HL_KIT_SMALL_MIN, false) + 2;
            int cx = x + slot / 2;
            hl_tui_text(t, hs, hl_kit_rect(cx - hw / 2, ch.y + ch.h + 2, hw, lh), HL_KIT_SMALL_MIN,
                        false, COL_MUTED, HL_ALIGN_CENTER, 1);
        }
    }
}

void hl_tui_results(hl_tui_ctx_t *t, hl_rect_t C)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_tech_view_t *v = t->v;
    const hl_tech_t *tc = v->tech;
    const hl_results_t *r = v->results;
    /* Period buttons, then the officer filter. */
    static const char *const pids[3] = {"tech:period:today", "tech:period:week", "tech:period:all"};
    const hl_str_id_t pnames[3] = {HL_STR_TECH_TODAY, HL_STR_TECH_WEEK, HL_STR_TECH_ALL_TIME};
    int px = imax(HL_KIT_SMALL_MIN + 2, (L->label_px + L->small_px) / 2);
    int x = C.x;
    int pw = 0;
    for (int i = 0; i < 3; i++)
        pw = imax(pw, hl_kit_button_w(b, hl_tui_str(t, pnames[i]), px, true) + px);
    pw = imin(pw, (C.w * 11 / 20 - 2 * L->gap) / 3);
    for (int i = 0; i < 3; i++) {
        hl_tui_choice(t, pids[i], hl_kit_rect(x, C.y, pw, L->min_target), hl_tui_str(t, pnames[i]),
                      (int)tc->period == i, px);
        x += pw + L->gap;
    }
    const hl_config_t *cfg = v->cfg;
    const char *who = hl_tui_str(t, HL_STR_TECH_ALL_OFFICERS);
    if (cfg && tc->filter >= 0 && tc->filter < cfg->n_officers)
        who = cfg->officers[tc->filter].name;
    int fx = x + L->gap;
    hl_rect_t next = hl_kit_rect(C.x + C.w - L->min_target, C.y, L->min_target, L->min_target);
    hl_rect_t prev = hl_kit_rect(fx, C.y, L->min_target, L->min_target);
    hl_kit_button(b, "tech:filter:prev", prev, HL_KIT_QUIET, "‹", L->q_px, true);
    hl_kit_button(b, "tech:filter:next", next, HL_KIT_QUIET, "›", L->q_px, true);
    hl_rect_t wb = hl_kit_rect(prev.x + L->min_target + L->gap / 2, C.y,
                               next.x - prev.x - L->min_target - L->gap, L->min_target);
    hl_kit_fill(b, wb, COL_WHITE, L->radius);
    hl_tui_text(t, who, hl_kit_inset(wb, L->pad / 2, 2), px, true, COL_TEXT, HL_ALIGN_CENTER, 2);
    hl_rect_t R = hl_kit_rect(C.x, C.y + L->min_target + L->gap, C.w, C.h - L->min_target - L->gap);
    if (!r) {
        hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_NO_FIGURES),
                    hl_kit_rect(R.x, R.y, R.w, L->min_target), L->label_px, false, COL_MUTED,
                    HL_ALIGN_CENTER, 2);
        return;
    }
    /* Summary (rate, counts) and the hourly chart: at the right in
     * landscape, on top in portrait; questions in the rest. */
    hl_rect_t S, Q;
    if (!L->portrait) {
        int sw = R.w * 2 / 5;
        S = hl_kit_rect(R.x + R.w - sw, R.y, sw, R.h);
        Q = hl_kit_rect(R.x, R.y, R.w - sw - 2 * L->gap, R.h);
    } else {
        int sh = imin(R.h / 3, hl_kit_mm(L, 70));
        S = hl_kit_rect(R.x, R.y, R.w, sh);
        Q = hl_kit_rect(R.x, R.y + sh + L->gap, R.w, R.h - sh - L->gap);
    }
    hl_tui_card(t, S, false);
    hl_rect_t Si = hl_kit_inset(S, L->pad, L->pad);
    int y = Si.y;
    int big = imax(L->label_px, L->q_px);
    int big_h = hl_kit_lh(&b->m, big, true) * (L->portrait ? 1 : 2);
    if (!r->enough) {
        hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_NOT_ENOUGH), hl_kit_rect(Si.x, y, Si.w, big_h),
                    L->label_px, true, COL_MUTED, HL_ALIGN_CENTER, 2);
        y += big_h;
    } else if (r->has_rate && r->rate_answered >= HL_RESULTS_MIN) {
        int pct = (int)((r->rate_satisfied * 100 + r->rate_answered / 2) / r->rate_answered);
        /* The rate big, what it means and its figures under it. */
        int bpx = imax(big, L->q_px * 3 / 2);
        int bh1 = imin(hl_kit_lh(&b->m, bpx, true), big_h);
        hl_tui_text(t, hl_tui_fmt(t, HL_STR_TECH_RATE, pct, 0), hl_kit_rect(Si.x, y, Si.w, bh1),
                    bpx, true, COL_OK, HL_ALIGN_CENTER, 1);
        y += bh1;
        int lh2 = hl_kit_lh(&b->m, L->label_px, true);
        hl_tui_text(t, hl_tui_fmt(t, HL_STR_TECH_SATISFIED_OF, r->rate_satisfied, r->rate_answered),
                    hl_kit_rect(Si.x, y, Si.w, lh2), L->label_px, true, COL_OK, HL_ALIGN_CENTER, 1);
        y += lh2;
    } else if (r->has_rate) {
        hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_NOT_ENOUGH), hl_kit_rect(Si.x, y, Si.w, big_h),
                    L->label_px, true, COL_MUTED, HL_ALIGN_CENTER, 2);
        y += big_h;
    }
    char cp[96];
    hl_str_format(cp, sizeof cp, b->lang, HL_STR_TECH_COMPLETE_PART, hl_tui_int(r->counts.complete),
                  hl_tui_int(r->counts.partial));
    /* Comments (text answers) counted, never shown: when the survey asks
     * for them or some came in. */
    bool asks = r->comments > 0;
    for (size_t i = 0; t->v->survey && i < t->v->survey->n_questions; i++)
        asks = asks || t->v->survey->questions[i].type == HL_Q_TEXT;
    const char *counts = hl_tui_printf(
        t, "%s · %s%s%s", hl_tui_fmt(t, HL_STR_TECH_RESPONSES, r->counts.responses, 0), cp,
        asks ? " · " : "",
        asks ? hl_tui_fmt(t, HL_STR_TECH_COMMENTS, hl_tui_int(r->comments), 0) : "");
    int lh = hl_tui_small_lh(t);
    hl_tui_text(t, counts, hl_kit_rect(Si.x, y, Si.w, 2 * lh), L->small_px, false, COL_MUTED,
                HL_ALIGN_CENTER, 2);
    y += 2 * lh + L->gap;
    t_hourly(t, r, hl_kit_rect(Si.x, y, Si.w, Si.y + Si.h - y));
    if (!r->enough) return;
    /* Per question, in columns, as many as fit (the first ones matter most). */
    int cols = iclamp(Q.w / imax(1, hl_kit_mm(L, 85)), 1, 3);
    int colw = (Q.w - (cols - 1) * 2 * L->gap) / cols;
    int col = 0, qy = Q.y;
    for (int i = 0; i < r->n_questions; i++) {
        hl_rect_t box = hl_kit_rect(Q.x + col * (colw + 2 * L->gap), qy, colw, 0);
        int need = t_question_chart(t, &r->q[i], box, false);
        if (need <= 0) continue;
        if (qy + need > Q.y + Q.h) {
            if (++col >= cols) break;
            qy = Q.y;
            box = hl_kit_rect(Q.x + col * (colw + 2 * L->gap), qy, colw, 0);
            if (qy + need > Q.y + Q.h) break;
        }
        box.h = need;
        t_question_chart(t, &r->q[i], box, true);
        qy += need + L->gap;
    }
}

/* ---- Officer ------------------------------------------------------------------------ */

void hl_tui_officer(hl_tui_ctx_t *t, hl_rect_t C)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_config_t *cfg = t->v->cfg;
    int lh = hl_kit_lh(&b->m, L->label_px, true);
    hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_CHOOSE_DUTY), hl_kit_rect(C.x, C.y, C.w, lh),
                L->label_px, true, COL_TEXT, HL_ALIGN_LEFT, 1);
    int n = (cfg ? cfg->n_officers : 0) + 1;
    hl_rect_t G = hl_kit_rect(C.x, C.y + lh + L->gap, C.w, C.h - lh - L->gap);
    int cols = iclamp(G.w / imax(1, hl_kit_mm(L, 80)), 1, 3);
    int rows = (n + cols - 1) / cols;
    int ch = iclamp((G.h - (rows - 1) * L->gap) / imax(1, rows), L->min_target,
                    imax(L->min_target, hl_kit_mm(L, 26)));
    int fit_rows = imax(1, (G.h + L->gap) / (ch + L->gap));
    int cw = (G.w - (cols - 1) * L->gap) / cols;
    for (int i = 0; i < n && i < fit_rows * cols; i++) {
        bool nobody = i == n - 1;
        const hl_officer_t *o = nobody ? NULL : &cfg->officers[i];
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "tech:duty:%s", nobody ? "none" : o->id);
        bool on = nobody ? !cfg || !cfg->officer[0] : strcmp(cfg->officer, o->id) == 0;
        hl_rect_t r =
            hl_kit_rect(G.x + (i % cols) * (cw + L->gap), G.y + (i / cols) * (ch + L->gap), cw, ch);
        bool down = hl_kit_pressed(b, id);
        hl_kit_fill(b, r, on ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
        hl_kit_outline(b, r, on ? COL_BRAND : COL_BORDER, L->radius,
                       on ? L->sel_border : L->line_border);
        int x = r.x + L->pad + (on ? L->sel_border : 0);
        int inner_h = r.h - 2 * L->pad;
        if (o && o->photo && o->photo[0] && inner_h >= 24) {
            int pw = inner_h * 3 / 4;
            hl_cmd_t *c = hl_scene_push(b->s, HL_CMD_IMAGE,
                                        hl_kit_rect(x, r.y + L->pad, pw, inner_h), rgb(COL_BG));
            c->text = o->photo;
            c->len = (int)strlen(o->photo);
            x += pw + L->pad;
        }
        int right = r.x + r.w - L->pad - (on ? L->sel_border : 0);
        const char *name = nobody ? hl_tui_str(t, HL_STR_TECH_NOBODY) : o->name;
        if (on) {
            int slh = hl_tui_small_lh(t);
            int nh = imin(inner_h - slh, 2 * lh);
            int block = nh + slh;
            int y = r.y + (r.h - block) / 2;
            hl_tui_text(t, name, hl_kit_rect(x, y, right - x, nh), L->label_px, true, COL_TEXT,
                        HL_ALIGN_LEFT, 2);
            int tk = slh * 3 / 4;
            hl_kit_shape(b, HL_CMD_TICK, hl_kit_rect(x, y + nh + (slh - tk) / 2, tk, tk), COL_BRAND,
                         0);
            hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_ON_DUTY),
                        hl_kit_rect(x + tk + L->pad / 2, y + nh, right - x - tk - L->pad / 2, slh),
                        L->small_px, true, COL_BRAND, HL_ALIGN_LEFT, 1);
        } else {
            hl_tui_text(t, name, hl_kit_rect(x, r.y + 2, right - x, r.h - 4), L->label_px, true,
                        COL_TEXT, HL_ALIGN_LEFT, 2);
        }
        hl_scene_target(b->s, id, r);
    }
    if (!cfg || cfg->n_officers == 0)
        hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_NO_OFFICERS),
                    hl_kit_rect(G.x, G.y + ch + L->gap, G.w, hl_tui_small_lh(t) * 2), L->small_px,
                    false, COL_MUTED, HL_ALIGN_LEFT, 2);
}

/* ---- Survey ------------------------------------------------------------------------- */

/* One survey file as a button: "id · version N" and the file's name. */
static void t_survey_item(hl_tui_ctx_t *t, const char *id, hl_rect_t r,
                          const hl_tech_survey_item_t *it, bool install)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    bool on = !install && it->active, down = hl_kit_pressed(b, id);
    hl_kit_fill(b, r, on ? COL_SELECTED : down ? COL_PRESSED : COL_WHITE, L->radius);
    hl_kit_outline(b, r, on ? COL_BRAND : COL_BORDER, L->radius,
                   on ? L->sel_border : L->line_border);
    char ver[80];
    hl_str_format(ver, sizeof ver, b->lang, HL_STR_TECH_SURVEY_VER, hl_tui_int(it->version), 0);
    const char *head = it->id[0] ? hl_tui_printf(t, "%s%s%s · %s",
                                                 install ? hl_tui_str(t, HL_STR_TECH_INSTALL) : "",
                                                 install ? ": " : "", it->id, ver)
                                 : hl_tui_str(t, HL_STR_TECH_UNREADABLE);
    int in = L->pad + (on ? L->sel_border : 0);
    int slh = hl_tui_small_lh(t);
    int tk = on ? slh : 0;
    int x = r.x + in;
    int w = r.w - 2 * in;
    int hlh = hl_kit_lh(&b->m, L->small_px + 2, true);
    int block = hlh + slh;
    int y = r.y + imax(2, (r.h - block) / 2);
    hl_tui_text(t, head, hl_kit_rect(x, y, w, hlh), L->small_px + 2, true, COL_TEXT, HL_ALIGN_LEFT,
                1);
    if (on) {
        hl_kit_shape(b, HL_CMD_TICK, hl_kit_rect(x, y + hlh + (slh - tk) / 2, tk, tk), COL_BRAND,
                     0);
        const char *s = hl_tui_printf(t, "%s · %s", hl_tui_str(t, HL_STR_TECH_IN_USE), it->file);
        hl_tui_text(t, s, hl_kit_rect(x + tk + 4, y + hlh, w - tk - 4, slh), L->small_px, true,
                    COL_BRAND, HL_ALIGN_LEFT, 1);
    } else {
        hl_tui_text(t, it->file, hl_kit_rect(x, y + hlh, w, slh), L->small_px, false, COL_MUTED,
                    HL_ALIGN_LEFT, 1);
    }
    hl_scene_target(b->s, id, r);
}

void hl_tui_survey(hl_tui_ctx_t *t, hl_rect_t C)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_tech_view_t *v = t->v;
    int slh = hl_tui_small_lh(t);
    /* The check's errors at the bottom, full width, as many lines as needed. */
    const hl_diags_t *e = v->errors;
    int n_err = e ? (int)e->n : 0, shown = imin(n_err, HL_TECH_MAX_ERRORS);
    int elh = hl_kit_lh(&b->m, HL_KIT_SMALL_MIN + 1, false);
    int err_h = 0;
    if (n_err > 0) err_h = slh + L->gap / 2 + (shown + (n_err > shown)) * elh + 2 * L->pad;
    err_h = imin(err_h, C.h / 2);
    hl_rect_t top = hl_kit_rect(C.x, C.y, C.w, C.h - (err_h ? err_h + L->gap : 0));
    bool two = !L->portrait;
    int colw = two ? (top.w - 2 * L->gap) / 2 : top.w;
    hl_rect_t A = hl_kit_rect(top.x, top.y, colw, two ? top.h : top.h / 2 - L->gap / 2);
    hl_rect_t B = two ? hl_kit_rect(top.x + colw + 2 * L->gap, top.y, colw, top.h)
                      : hl_kit_rect(top.x, top.y + A.h + L->gap, top.w, top.h - A.h - L->gap);
    int hh = hl_kit_lh(&b->m, L->small_px + 2, true);
    int item_h = imax(L->min_target, hh + slh + L->pad);
    /* Installed. */
    hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_INSTALLED), hl_kit_rect(A.x, A.y, A.w, hh),
                L->small_px + 2, true, COL_TEXT, HL_ALIGN_LEFT, 1);
    int y = A.y + hh + L->gap / 2;
    for (int i = 0; i < v->n_installed && i < HL_TECH_MAX_SURVEYS; i++) {
        if (y + item_h > A.y + A.h) break;
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "tech:survey:use:%d", i);
        t_survey_item(t, id, hl_kit_rect(A.x, y, A.w, item_h), &v->installed[i], false);
        y += item_h + L->gap;
    }
    /* On the stick, then roll back. With more files than fit, "page 2 of
     * 3" under the heading and the page buttons at its right. */
    bool listed = v->stick && v->n_on_stick > 0;
    int n = listed ? imin(v->n_on_stick, HL_TECH_MAX_SURVEYS) : 0;
    int first = imax(0, v->stick_first), total = imax(v->n_stick_total, first + n);
    int rb_h = v->can_rollback ? L->min_target + L->gap : 0;
    int rows = imax(0, (B.h - hh - L->gap / 2 - rb_h + L->gap) / (item_h + L->gap));
    bool pager = listed && (first > 0 || total - first > rows);
    int head_h = pager ? imax(hh, L->min_target) : hh;
    if (pager) {
        int room = B.h - head_h - L->gap / 2;
        rows = (room - rb_h + L->gap) / (item_h + L->gap);
        if (rows < 1) rows = (room + L->gap) / (item_h + L->gap); /* roll back makes room */
        rows = imax(0, rows);
    }
    rows = imin(rows, HL_TECH_MAX_SURVEYS); /* a page's files: the buttons' step */
    int tw = pager ? B.w - 2 * L->min_target - 2 * L->gap : B.w;
    hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_ON_STICK), hl_kit_rect(B.x, B.y, tw, hh),
                L->small_px + 2, true, COL_TEXT, HL_ALIGN_LEFT, 1);
    if (pager) {
        int step = imax(1, rows);
        int page = (first + step - 1) / step + 1;
        int pages = page + (imax(0, total - first - step) + step - 1) / step;
        hl_tui_text(t, hl_tui_fmt(t, HL_STR_TECH_PAGE_OF, page, pages),
                    hl_kit_rect(B.x, B.y + hh, tw, imax(slh, head_h - hh)), L->small_px, true,
                    COL_TEXT, HL_ALIGN_LEFT, 1);
        bool has_prev = first > 0, has_next = first + step < total;
        hl_kit_button(
            b, "tech:stick:prev",
            hl_kit_rect(B.x + B.w - 2 * L->min_target - L->gap, B.y, L->min_target, L->min_target),
            has_prev ? HL_KIT_QUIET : HL_KIT_DISABLED, "‹", L->q_px, true);
        hl_kit_button(b, "tech:stick:next",
                      hl_kit_rect(B.x + B.w - L->min_target, B.y, L->min_target, L->min_target),
                      has_next ? HL_KIT_QUIET : HL_KIT_DISABLED, "›", L->q_px, true);
    }
    y = B.y + head_h + L->gap / 2;
    if (!listed) {
        hl_rect_t m = hl_kit_rect(B.x, y, B.w, imax(L->min_target, 2 * slh));
        hl_kit_fill(b, m, COL_DISABLED, L->radius);
        hl_tui_text(t, hl_tui_str(t, v->stick ? HL_STR_TECH_STICK_EMPTY : HL_STR_TECH_PLUG_STICK),
                    hl_kit_inset(m, L->pad, 2), L->label_px, true, COL_MUTED, HL_ALIGN_CENTER, 2);
        y += m.h + L->gap;
    } else {
        for (int i = 0; i < imin(rows, n); i++) {
            char id[HL_SCENE_ID_MAX];
            snprintf(id, sizeof id, "tech:survey:install:%d", first + i);
            t_survey_item(t, id, hl_kit_rect(B.x, y, B.w, item_h), &v->on_stick[i], true);
            y += item_h + L->gap;
        }
    }
    if (v->can_rollback && y + L->min_target <= B.y + B.h) {
        const char *rb = hl_tui_str(t, HL_STR_TECH_ROLLBACK);
        int rw = imin(B.w, hl_kit_button_w(b, rb, L->label_px, true));
        hl_kit_button(b, "tech:survey:rollback", hl_kit_rect(B.x, y, rw, L->min_target),
                      HL_KIT_SECONDARY, rb, L->label_px, true);
    }
    if (!err_h) return;
    hl_rect_t E = hl_kit_rect(C.x, C.y + C.h - err_h, C.w, err_h);
    hl_kit_fill(b, E, COL_WHITE, L->radius);
    hl_kit_outline(b, E, COL_FACE_1, L->radius, L->line_border);
    int ey = E.y + L->pad;
    int ew = E.w - 2 * L->pad;
    hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_INVALID), hl_kit_rect(E.x + L->pad, ey, ew, slh),
                L->small_px, true, COL_FACE_1, HL_ALIGN_LEFT, 1);
    ey += slh + L->gap / 2;
    for (int i = 0; i < shown && ey + elh <= E.y + E.h - L->pad / 2; i++, ey += elh) {
        const hl_diag_t *d = &e->items[i];
        const char *s = hl_tui_printf(t, "%s:%d:%d: %s", d->file ? d->file : "?", d->line, d->col,
                                      d->msg ? d->msg : "");
        hl_tui_text(t, s, hl_kit_rect(E.x + L->pad, ey, ew, elh), HL_KIT_SMALL_MIN + 1, false,
                    COL_TEXT, HL_ALIGN_LEFT, 1);
    }
    if (n_err > shown && ey + elh <= E.y + E.h)
        hl_tui_text(t, hl_tui_fmt(t, HL_STR_TECH_MORE, n_err - shown, 0),
                    hl_kit_rect(E.x + L->pad, ey, ew, elh), HL_KIT_SMALL_MIN + 1, true, COL_MUTED,
                    HL_ALIGN_LEFT, 1);
}

/* ---- Transfer ----------------------------------------------------------------------- */

/* A line of text in a card, advancing *y. */
static void t_line(hl_tui_ctx_t *t, const char *s, int x, int *y, int w, int bottom, bool bold,
                   unsigned col)
{
    int lh = hl_tui_small_lh(t);
    if (!s || !s[0] || *y + lh > bottom) return;
    hl_kit_wrap_t wr;
    hl_kit_b_t *b = &t->b;
    int lines = imax(1, imin(3, (bottom - *y) / lh));
    hl_kit_fit_or_force(&b->m, s, (int)strlen(s), bold, w, lines * lh, b->lay.small_px,
                        HL_KIT_SMALL_MIN, lines, &wr);
    *y += hl_kit_emit(b, &wr, hl_kit_rect(x, *y, w, wr.n * wr.lh), col, HL_ALIGN_LEFT, 0) + 2;
}

/* The last assignment from the centre (sync protocol version 2), when one
 * came: waiting, installed, or not installed and why. */
static void t_assignment(hl_tui_ctx_t *t, const hl_store_assign_t *as, int x, int *y, int w,
                         int bottom)
{
    if (as->state == HL_ASSIGN_NONE) return;
    hl_str_id_t what = as->state == HL_ASSIGN_WAITING     ? HL_STR_TECH_ASSIGN_WAIT
                       : as->state == HL_ASSIGN_INSTALLED ? HL_STR_TECH_ASSIGN_DONE
                                                          : HL_STR_TECH_ASSIGN_FAIL;
    const char *line = hl_tui_fmt(t, what, as->id, 0);
    if (as->state == HL_ASSIGN_FAILED) line = hl_tui_printf(t, "%s: %s", line, as->error);
    t_line(t, line, x, y, w, bottom, false, as->state == HL_ASSIGN_FAILED ? COL_FACE_1 : COL_TEXT);
}

void hl_tui_transfer(hl_tui_ctx_t *t, hl_rect_t C)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_tech_view_t *v = t->v;
    bool two = !L->portrait;
    int cw = two ? (C.w - 2 * L->gap) / 2 : C.w;
    int chh = two ? C.h : (C.h - L->gap) / 2;
    hl_rect_t A = hl_kit_rect(C.x, C.y, cw, chh);
    hl_rect_t B = two ? hl_kit_rect(C.x + cw + 2 * L->gap, C.y, cw, C.h)
                      : hl_kit_rect(C.x, C.y + chh + L->gap, C.w, chh);
    int bh = imax(L->min_target, hl_kit_mm(L, 16));
    /* USB export. */
    hl_tui_card(t, A, false);
    hl_rect_t Ai = hl_kit_inset(A, L->pad, L->pad);
    const char *ex = hl_tui_str(t, HL_STR_TECH_EXPORT_NOW);
    bool busy = v->export_state.phase == HL_UI_EXPORT_WRITING;
    hl_kit_button(b, "tech:export", hl_kit_rect(Ai.x, Ai.y, Ai.w, bh),
                  v->stick && !busy ? HL_KIT_PRIMARY : HL_KIT_DISABLED, ex, L->label_px, true);
    int y = Ai.y + bh + L->gap, bottom = Ai.y + Ai.h;
    if (!v->stick)
        t_line(t, hl_tui_str(t, HL_STR_TECH_PLUG_STICK), Ai.x, &y, Ai.w, bottom, true, COL_MUTED);
    const hl_ui_export_t *e = &v->export_state;
    if (e->phase == HL_UI_EXPORT_WRITING) {
        int pct = (int)(100 * (e->done < 0 ? 0 : e->done > 1 ? 1 : e->done));
        t_line(t, hl_tui_fmt(t, HL_STR_TECH_EXPORT_PCT, pct, 0), Ai.x, &y, Ai.w, bottom, true,
               COL_TEXT);
        int th = imax(10, hl_kit_mm(L, 3));
        if (y + th <= bottom) {
            hl_rect_t track = hl_kit_rect(Ai.x, y, Ai.w, th);
            hl_kit_fill(b, track, COL_DISABLED, th / 2);
            int fill = track.w * pct / 100;
            if (fill >= th) hl_kit_fill(b, hl_kit_rect(track.x, y, fill, th), COL_BRAND, th / 2);
            y += th + L->gap;
        }
        t_line(t, hl_tui_str(t, HL_STR_EXPORT_KEEP), Ai.x, &y, Ai.w, bottom, false, COL_MUTED);
    } else if (e->phase == HL_UI_EXPORT_DONE) {
        const char *s = e->count > 0 ? hl_tui_fmt(t, HL_STR_TECH_EXPORT_WROTE, e->count, 0)
                                     : hl_tui_str(t, HL_STR_EXPORT_NOTHING);
        t_line(t, s, Ai.x, &y, Ai.w, bottom, true, COL_OK);
        if (e->count > 0)
            t_line(t, hl_tui_str(t, HL_STR_EXPORT_DONE), Ai.x, &y, Ai.w, bottom, false, COL_TEXT);
    } else if (e->phase == HL_UI_EXPORT_FAILED) {
        hl_str_id_t id = e->code == HL_ERR_FULL       ? HL_STR_EXPORT_FULL
                         : e->code == HL_ERR_READONLY ? HL_STR_EXPORT_RDONLY
                         : e->code == HL_ERR_IO       ? HL_STR_EXPORT_IO
                                                      : HL_STR_EXPORT_FAILED;
        t_line(t, hl_tui_str(t, id), Ai.x, &y, Ai.w, bottom, true, COL_FACE_1);
    }
    y += L->gap / 2;
    t_line(t,
           hl_tui_printf(t, "%s: %s", hl_tui_str(t, HL_STR_TECH_LAST_EXPORT),
                         hl_tui_date(t, v->stats.last_export_utc_ms)),
           Ai.x, &y, Ai.w, bottom, false, COL_MUTED);
    /* Network sync. */
    hl_tui_card(t, B, false);
    hl_rect_t Bi = hl_kit_inset(B, L->pad, L->pad);
    const hl_sync_status_t *sy = &v->sync;
    bool pushing = sy->worker && sy->info.pushing;
    hl_kit_button(b, "tech:sync", hl_kit_rect(Bi.x, Bi.y, Bi.w, bh),
                  sy->configured && !pushing ? HL_KIT_PRIMARY : HL_KIT_DISABLED,
                  hl_tui_str(t, HL_STR_TECH_SYNC_NOW), L->label_px, true);
    y = Bi.y + bh + L->gap;
    bottom = Bi.y + Bi.h;
    if (!sy->configured) {
        t_line(t,
               hl_tui_printf(t, "%s: %s", hl_tui_str(t, HL_STR_TECH_SYNC),
                             hl_tui_str(t, HL_STR_TECH_SYNC_OFF)),
               Bi.x, &y, Bi.w, bottom, true, COL_MUTED);
        t_assignment(t, &sy->store.assign, Bi.x, &y, Bi.w, bottom); /* one received before */
        return;
    }
    if (pushing)
        t_line(t, hl_tui_str(t, HL_STR_TECH_PUSHING), Bi.x, &y, Bi.w, bottom, true, COL_BRAND);
    t_line(t, hl_tui_fmt(t, HL_STR_TECH_SYNC_PENDING, sy->store.pending, 0), Bi.x, &y, Bi.w, bottom,
           true, COL_TEXT);
    t_line(t,
           hl_tui_printf(t, "%s: %s", hl_tui_str(t, HL_STR_TECH_LAST_SUCCESS),
                         hl_tui_date(t, sy->store.last_success_utc_ms)),
           Bi.x, &y, Bi.w, bottom, false, COL_TEXT);
    if (sy->store.last_error[0])
        t_line(
            t,
            hl_tui_printf(t, "%s: %s", hl_tui_str(t, HL_STR_TECH_LAST_ERROR), sy->store.last_error),
            Bi.x, &y, Bi.w, bottom, false, COL_FACE_1);
    t_assignment(t, &sy->store.assign, Bi.x, &y, Bi.w, bottom);
    if (sy->url[0]) t_line(t, sy->url, Bi.x, &y, Bi.w, bottom, false, COL_MUTED);
}

/* ---- Settings ----------------------------------------------------------------------- */

/* A row: the label at the left (up to two lines), the controls' box at the
 * right (returned). */
static hl_rect_t t_row(hl_tui_ctx_t *t, const char *label, hl_rect_t r, int controls_w)
{
    const hl_kit_lay_t *L = &t->b.lay;
    int lw = r.w - controls_w - L->gap;
    hl_tui_text(t, label, hl_kit_rect(r.x, r.y, lw, r.h), L->small_px + 2, true, COL_TEXT,
                HL_ALIGN_LEFT, 2);
    return hl_kit_rect(r.x + r.w - controls_w, r.y, controls_w, r.h);
}

/* [-] value [+] for a timeout. */
static void t_stepper(hl_tui_ctx_t *t, const char *key, const char *label, int value, hl_rect_t r,
                      int vw)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    hl_rect_t c = t_row(t, label, r, 2 * L->min_target + vw + 2 * L->gap);
    char id[HL_SCENE_ID_MAX];
    snprintf(id, sizeof id, "tech:%s:-", key);
    hl_kit_button(b, id, hl_kit_rect(c.x, c.y, L->min_target, L->min_target), HL_KIT_QUIET, "–",
                  L->q_px, true);
    snprintf(id, sizeof id, "tech:%s:+", key);
    hl_kit_button(b, id, hl_kit_rect(c.x + c.w - L->min_target, c.y, L->min_target, L->min_target),
                  HL_KIT_QUIET, "+", L->q_px, true);
    hl_tui_text(t, hl_tui_fmt(t, HL_STR_TECH_SECONDS, value, 0),
                hl_kit_rect(c.x + L->min_target + L->gap, c.y, vw, L->min_target), L->label_px,
                true, COL_TEXT, HL_ALIGN_CENTER, 1);
}

void hl_tui_settings(hl_tui_ctx_t *t, hl_rect_t C)
{
    hl_kit_b_t *b = &t->b;
    const hl_kit_lay_t *L = &b->lay;
    const hl_tech_view_t *v = t->v;
    const hl_config_t *cfg = v->cfg;
    bool two = !L->portrait;
    int cw = two ? (C.w - 3 * L->gap) / 2 : C.w;
    hl_rect_t A = hl_kit_rect(C.x, C.y, cw, C.h);
    int px = imax(HL_KIT_SMALL_MIN + 2, (L->label_px + L->small_px) / 2);
    int rg = imax(4, L->gap * 3 / 4);
    int y = A.y;
    /* Default language. */
    {
        const char *names[HL_LANG_COUNT];
        int need = 0;
        for (int l = 0; l < HL_LANG_COUNT; l++) {
            names[l] = hl_str_lang_name((hl_lang_t)l);
            need += hl_kit_button_w(b, names[l], px, true) + px + L->gap;
        }
        need = imin(need, A.w * 3 / 5);
        hl_rect_t c = t_row(t, hl_tui_str(t, HL_STR_TECH_LANGUAGE),
                            hl_kit_rect(A.x, y, A.w, L->min_target), need);
        int bw = (c.w - (HL_LANG_COUNT - 1) * L->gap) / HL_LANG_COUNT;
        hl_lang_t cur = HL_LANG_VI;
        bool known = cfg && cfg->language[0] && hl_lang_parse(cfg->language, &cur);
        if (!known && v->survey && v->survey->n_langs > 0) cur = v->survey->langs[0];
        for (int l = 0; l < HL_LANG_COUNT; l++) {
            char id[HL_SCENE_ID_MAX];
            snprintf(id, sizeof id, "tech:lang:%s", hl_lang_code((hl_lang_t)l));
            hl_tui_choice(t, id, hl_kit_rect(c.x + l * (bw + L->gap), y, bw, L->min_target),
                          names[l], cur == (hl_lang_t)l, px);
        }
        y += L->min_target + rg;
    }
    /* Timeouts. */
    int vw = imax(hl_kit_tw(&b->m, "600 giây", 8, L->label_px, true), hl_kit_mm(L, 16));
    const hl_timeouts_t *to = cfg ? &cfg->timeouts : NULL;
    t_stepper(t, "idle", hl_tui_str(t, HL_STR_TECH_IDLE), to ? to->idle_s : 0,
              hl_kit_rect(A.x, y, A.w, L->min_target), vw);
    y += L->min_target + rg;
    t_stepper(t, "warn", hl_tui_str(t, HL_STR_TECH_WARN), to ? to->warn_s : 0,
              hl_kit_rect(A.x, y, A.w, L->min_target), vw);
    y += L->min_target + rg;
    t_stepper(t, "thanks", hl_tui_str(t, HL_STR_TECH_THANKS), to ? to->thanks_s : 0,
              hl_kit_rect(A.x, y, A.w, L->min_target), vw);
    y += L->min_target + rg;
    /* Rotation. */
    {
        static const char *const degs[4] = {"0°", "90°", "180°", "270°"};
        static const char *const ids[4] = {"tech:rot:0", "tech:rot:90", "tech:rot:180",
                                           "tech:rot:270"};
        int rw = imax(L->min_target, hl_kit_button_w(b, "270°", px, true) + px);
        int need = imin(4 * rw + 3 * L->gap, A.w * 3 / 4);
        rw = (need - 3 * L->gap) / 4;
        hl_rect_t c = t_row(t, hl_tui_str(t, HL_STR_TECH_ROTATION),
                            hl_kit_rect(A.x, y, A.w, L->min_target), need);
        int rot = cfg ? cfg->display.rotation : 0;
        for (int i = 0; i < 4; i++)
            hl_tui_choice(t, ids[i], hl_kit_rect(c.x + i * (rw + L->gap), y, rw, L->min_target),
                          degs[i], rot == i * 90, px);
        y += L->min_target + rg;
    }
    /* Clock, restart and shut down: the right column (below in portrait). */
    hl_rect_t B = two ? hl_kit_rect(C.x + cw + 3 * L->gap, C.y, C.w - cw - 3 * L->gap, C.h)
                      : hl_kit_rect(C.x, y + L->gap, C.w, C.y + C.h - y - L->gap);
    int by = B.y;
    int hh = hl_kit_lh(&b->m, L->small_px + 2, true);
    if (v->clock_trusted) {
        hl_rect_t m = hl_kit_rect(B.x, by, B.w, L->min_target);
        hl_kit_fill(b, m, COL_SELECTED, L->radius);
        int tk = hh;
        hl_kit_shape(b, HL_CMD_TICK, hl_kit_rect(m.x + L->pad, m.y + (m.h - tk) / 2, tk, tk),
                     COL_OK, 0);
        hl_tui_text(t, hl_tui_str(t, HL_STR_TECH_CLOCK_SYNCED),
                    hl_kit_rect(m.x + 2 * L->pad + tk, m.y + 2, m.w - 3 * L->pad - tk, m.h - 4), px,
                    true, COL_TEXT, HL_ALIGN_LEFT, 2);
        by += L->min_target + rg;
    } else {
        const char *now = hl_tui_printf(t, "%s: %s", hl_tui_str(t, HL_STR_TECH_DATETIME),
                                        hl_tui_date(t, v->now_utc_ms));
        int nh = hl_kit_lh(&b->m, L->label_px, true);
        hl_tui_text(t, now, hl_kit_rect(B.x, by, B.w, nh), L->label_px, true, COL_TEXT,
                    HL_ALIGN_LEFT, 1);
        by += nh + L->gap / 2;
        static const char *const ids[6] = {"tech:clock:-1d", "tech:clock:+1d",  "tech:clock:-1h",
                                           "tech:clock:+1h", "tech:clock:-10m", "tech:clock:+10m"};
        const char *unit[3] = {hl_tui_str(t, HL_STR_TECH_DAY), hl_tui_str(t, HL_STR_TECH_HOUR),
                               hl_tui_str(t, HL_STR_TECH_MIN)};
        static const int amount[3] = {1, 1, 10};
        int per_row = B.w >= 6 * L->min_target + 5 * L->gap + hl_kit_mm(L, 40) ? 6 : 4;
        int sw = (B.w - (per_row - 1) * L->gap) / per_row;
        for (int i = 0; i < 6; i++) {
            int slot = i % per_row, row = i / per_row;
            const char *lab =
                hl_tui_printf(t, "%s%d %s", i % 2 ? "+" : "–", amount[i / 2], unit[i / 2]);
            hl_kit_button(b, ids[i],
                          hl_kit_rect(B.x + slot * (sw + L->gap), by + row * (L->min_target + rg),
                                      sw, L->min_target),
                          HL_KIT_QUIET, lab, px, true);
        }
        int rows = (6 + per_row - 1) / per_row;
        const char *set = hl_tui_str(t, HL_STR_TECH_SET_CLOCK);
        if (per_row == 4) {
            /* The set button fills the second row's free slots. */
            hl_rect_t r = hl_kit_rect(B.x + 2 * (sw + L->gap), by + (L->min_target + rg),
                                      2 * sw + L->gap, L->min_target);
            hl_kit_button(b, "tech:clock:set", r, HL_KIT_PRIMARY, set, px, true);
            by += rows * (L->min_target + rg);
        } else {
            by += rows * (L->min_target + rg);
            hl_kit_button(b, "tech:clock:set",
                          hl_kit_rect(B.x, by, imin(B.w, hl_kit_button_w(b, set, px, true) * 2),
                                      L->min_target),
                          HL_KIT_PRIMARY, set, px, true);
            by += L->min_target + rg;
        }
    }
    by += L->gap;
    const char *rs = hl_tui_str(t, HL_STR_TECH_RESTART), *sd = hl_tui_str(t, HL_STR_TECH_SHUTDOWN);
    int hw = (B.w - L->gap) / 2;
    if (by + L->min_target <= B.y + B.h) {
        hl_kit_button(b, "tech:restart", hl_kit_rect(B.x, by, hw, L->min_target), HL_KIT_SECONDARY,
                      rs, px, true);
        hl_kit_button(b, "tech:shutdown",
                      hl_kit_rect(B.x + hw + L->gap, by, B.w - hw - L->gap, L->min_target),
                      HL_KIT_SECONDARY, sd, px, true);
    }
}
