/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web_pages.c: the dashboard's pages of figures: the province
 * overview, a unit, the fleet, the alerts.
 *
 * A month is a calendar month of local time (Asia/Ho_Chi_Minh); its weeks
 * are its days split by ISO week, clipped to the month (a week is named by
 * its first day in the month). Nothing after "now" (the clock or
 * --clock-fixed) is counted. The figures are read through 004-stats.sql's
 * functions (hailong.dash_overview, dash_unit, dash_questions, dash_fleet,
 * dash_alerts: rollups by local day, refreshed by the service every 30 s),
 * each query also asking hailong.web_scope whether the session may see the
 * unit. Satisfaction index = 100 x satisfied / rated: rated answered the
 * survey's main question (its first smiley, stars or nps), satisfied chose
 * one of its top two levels. Shares are percentages of the group's
 * responses: partial (status 'partial') and suspect (suspect set).
 *
 * The min-5 rule (hl_min5.h) is about groups of responses, not answer
 * values. Each breakdown into groups of responses (the units of the
 * province, the weeks of the month, a unit's counters, officers and weeks)
 * is one hl_min5_parts call against its whole; a hidden part shows "—" and
 * all its figures are hidden. An index is also hidden when fewer than 5 of
 * the group rated. A question's distribution is not such a breakdown: it
 * is one group (the unit-month's responses that answered the question),
 * and every value's count and share are shown when that group has at least
 * 5 (hl_min5_enough), all hidden otherwise; the reasons after low ratings
 * likewise, against the low-rated responses that answered them. Hours of
 * the day (decided here): the responses per hour are a pattern of counts
 * that tells no one's rating, so each hour's count is shown when the
 * unit-month has at least 5 responses; a figure of ratings per hour (an
 * index) would be a breakdown and go through hl_min5_parts over the hours
 * (none is shown today).
 * Labels: questions and answers show the survey's own texts in the page's
 * language (srv_web_labels.c), officers their names from the centre's
 * assignments (hailong.web_officers) with the id beside; the keys keep the
 * ids.
 *
 * Every figure is <span data-k="KEY" data-v="RAW">: RAW is the number with
 * '.' as decimal mark (counts exact; index and shares to 4 decimals,
 * trailing zeros dropped), or "hidden". The keys:
 *   responses, index, partial_share, suspect_share        the page's whole
 *                                                         (overview: the
 *                                                         units shown; unit
 *                                                         page: the unit)
 *   unit/<unit>/{responses,index,partial_share,suspect_share}   overview
 *   week/<YYYY-MM-DD>/{responses,index}                   both pages
 *   counter/<place>/{responses,index,partial_share,suspect_share}  unit
 *                  (place: the response's counter, else its kiosk)
 *   officer/<id>/{responses,index,partial_share,suspect_share}     unit
 *   hour/<H>/responses (H 0..23, local)                   unit
 *   q/<question_id>/<value>/{n,share}, q/<question_id>/answered   unit
 *   reason/<question_id>/<value>/{n,share}, reason/<question_id>/answered
 *                  (choice and multi answers of the responses rated
 *                  negative)                              unit
 *   kiosk/<id>/{pending,disk_free,clock_skew,silent,open_alerts}   fleet
 *   alerts                                                alerts (rows shown)
 */
#include "hl_min5.h"
#include "hl_sys.h"
#include "srv_web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUPS_MAX 400 /* rows of one breakdown shown (units, counters, officers, values) */

#define WEB_TZ_SQL "'" SRV_WEB_TZ "'"

/* The columns every dash_* breakdown query gives, and the month's first
 * day from $3 (YYYY-MM). */
#define DASH_COLS  "SELECT kind, key, responses, partial, suspect, rated, satisfied FROM "
#define DASH_MONTH "($3 || '-01')::date, $2::timestamptz"

/* One group's counts. */
typedef struct grp {
    char key[SRV_WEB_UNIT_MAX + 8]; /* its name (unit, week, counter, officer, hour) */
    const char *label;              /* shown instead of key when set (an officer's name) */
    int64_t n;                      /* responses */
    int64_t rated;                  /* of which answered the main question */
    int64_t sat;                    /* of which in its top two levels */
    int64_t partial;                /* of which status 'partial' */
    int64_t suspect;                /* of which suspect */
    bool shown;                     /* min-5 */
} grp_t;

/* A breakdown: the whole and its parts. */
typedef struct brk {
    grp_t whole;
    grp_t g[GROUPS_MAX];
    size_t n;
    bool ok; /* the query ran */
} brk_t;

/* Runs a query of 004-stats.sql's dash_* functions (DASH_COLS: kind, key,
 * responses, partial, suspect, rated, satisfied) and sorts its rows into
 * b[i] by kinds[i]; the row of whole_kind is each breakdown's whole (and a
 * part too when whole_kind is among kinds). Then min-5 on each: parts
 * against their whole. false on a database failure. */
static bool dash(srv_web_req_t *q, const char *sql, int nv, const char *const *v,
                 const char *whole_kind, const char *const *kinds, brk_t *const *b, size_t nk)
{
    for (size_t k = 0; k < nk; k++)
        memset(b[k], 0, sizeof *b[k]);
    PGresult *r = srv_web_query(q, sql, nv, v);
    if (!r) return false;
    for (int i = 0; i < PQntuples(r); i++) {
        grp_t g = {0};
        const char *kind = PQgetvalue(r, i, 0);
        hl_fmt(g.key, sizeof g.key, "%s", PQgetvalue(r, i, 1));
        g.n = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        g.partial = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        g.suspect = strtoll(PQgetvalue(r, i, 4), NULL, 10);
        g.rated = strtoll(PQgetvalue(r, i, 5), NULL, 10);
        g.sat = strtoll(PQgetvalue(r, i, 6), NULL, 10);
        bool whole = !strcmp(kind, whole_kind);
        for (size_t k = 0; k < nk; k++) {
            if (whole) b[k]->whole = g;
            if (!strcmp(kind, kinds[k]) && b[k]->n < GROUPS_MAX) b[k]->g[b[k]->n++] = g;
        }
    }
    PQclear(r);
    int64_t n[GROUPS_MAX];
    bool shown[GROUPS_MAX];
    for (size_t k = 0; k < nk; k++) {
        for (size_t i = 0; i < b[k]->n; i++)
            n[i] = b[k]->g[i].n;
        b[k]->whole.shown = hl_min5_parts(b[k]->whole.n, n, b[k]->n, shown);
        for (size_t i = 0; i < b[k]->n; i++)
            b[k]->g[i].shown = shown[i];
        b[k]->ok = true;
    }
    return true;
}

static double index_of(const grp_t *g)
{
    return g->rated ? 100.0 * (double)g->sat / (double)g->rated : 0;
}

static double share(int64_t part, int64_t n)
{
    return n ? 100.0 * (double)part / (double)n : 0;
}

/* The four figures of a group as table cells, keys prefix + name. */
static void cells(srv_web_req_t *q, const char *prefix, const grp_t *g)
{
    char k[SRV_WEB_UNIT_MAX + 64];
    bool hid = !g->shown;
    srv_web_puts(&q->out, "<td class=\"n\">");
    hl_fmt(k, sizeof k, "%sresponses", prefix);
    srv_web_fig(q, k, hid, (double)g->n, 0, NULL);
    srv_web_puts(&q->out, "</td><td class=\"n\">");
    hl_fmt(k, sizeof k, "%sindex", prefix);
    srv_web_fig(q, k, hid || !hl_min5_enough(g->rated), index_of(g), 1, NULL);
    srv_web_puts(&q->out, "</td><td class=\"n\">");
    hl_fmt(k, sizeof k, "%spartial_share", prefix);
    srv_web_fig(q, k, hid, share(g->partial, g->n), 1, " %");
    srv_web_puts(&q->out, "</td><td class=\"n\">");
    hl_fmt(k, sizeof k, "%ssuspect_share", prefix);
    srv_web_fig(q, k, hid, share(g->suspect, g->n), 1, " %");
    srv_web_puts(&q->out, "</td>");
}

static void table_head(srv_web_req_t *q, const char *first)
{
    srv_web_printf(&q->out,
                   "<table><tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
                   "<th class=\"n\">%s</th><th class=\"n\">%s</th></tr>",
                   first, srv_web_tr(q, "Lượt đánh giá", "Responses"),
                   srv_web_tr(q, "Chỉ số hài lòng", "Satisfaction index"),
                   srv_web_tr(q, "Chưa hoàn thành", "Partial"),
                   srv_web_tr(q, "Nghi vấn", "Suspect"));
}

/* The whole's four figures (the page's own keys). */
static void totals(srv_web_req_t *q, const grp_t *w)
{
    table_head(q, "");
    srv_web_printf(&q->out, "<tr><th>%s</th>", srv_web_tr(q, "Tổng", "Total"));
    cells(q, "", w);
    srv_web_puts(&q->out, "</tr></table>");
}

/* A breakdown as a table with links (link_base: "/unit/" or NULL) and a
 * bar chart of its index. */
static void groups(srv_web_req_t *q, const brk_t *b, const char *title, const char *key_prefix,
                   const char *link_base, const char *link_query)
{
    srv_web_printf(&q->out, "<h2>%s</h2>", title);
    if (!b->n) {
        srv_web_printf(&q->out, "<p class=\"muted\">%s</p>",
                       srv_web_tr(q, "Không có dữ liệu.", "No data."));
        return;
    }
    table_head(q, title);
    srv_web_bar_t bars[GROUPS_MAX];
    for (size_t i = 0; i < b->n; i++) {
        const grp_t *g = &b->g[i];
        srv_web_puts(&q->out, "<tr><th>");
        if (link_base) {
            srv_web_printf(&q->out, "<a href=\"%s", link_base);
            srv_web_urlenc(&q->out, g->key);
            srv_web_puts(&q->out, link_query ? link_query : "");
            srv_web_puts(&q->out, "\">");
        }
        srv_web_esc(&q->out, g->label ? g->label : g->key);
        if (link_base) srv_web_puts(&q->out, "</a>");
        if (g->label) {
            srv_web_puts(&q->out, " <span class=\"muted\">(");
            srv_web_esc(&q->out, g->key);
            srv_web_puts(&q->out, ")</span>");
        }
        srv_web_puts(&q->out, "</th>");
        char prefix[SRV_WEB_UNIT_MAX + 32];
        hl_fmt(prefix, sizeof prefix, "%s/%s/", key_prefix, g->key);
        cells(q, prefix, g);
        srv_web_puts(&q->out, "</tr>");
        bars[i] = (srv_web_bar_t){g->label ? g->label : g->key, index_of(g),
                                  !g->shown || !hl_min5_enough(g->rated)};
    }
    srv_web_puts(&q->out, "</table>");
    srv_web_bars(q, title, bars, b->n, 100, 1);
}

bool srv_web_month_of(srv_web_req_t *q, const char *want, char out[8])
{
    if (want) {
        hl_fmt(out, 8, "%s", want);
        return true;
    }
    const char *v[] = {q->now};
    PGresult *r = srv_web_query(
        q, "SELECT to_char($1::timestamptz AT TIME ZONE " WEB_TZ_SQL ", 'YYYY-MM')", 1, v);
    if (!r) return false;
    hl_fmt(out, 8, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return true;
}

void srv_web_month_nav(srv_web_req_t *q, const char *base, const char *month, const char *extra)
{
    if (!extra) extra = "";
    int y = atoi(month), m = atoi(month + 5);
    int py = m == 1 ? y - 1 : y, pm = m == 1 ? 12 : m - 1;
    int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
    srv_web_printf(&q->out,
                   "<p class=\"noprint\"><a href=\"%s?month=%04d-%02d%s\">« %04d-%02d</a> "
                   "<b>%s %s</b> <a href=\"%s?month=%04d-%02d%s\">%04d-%02d »</a></p>",
                   base, py, pm, extra, py, pm, srv_web_tr(q, "Tháng", "Month"), month, base, ny,
                   nm, extra, ny, nm);
}

unsigned srv_web_page_overview(srv_web_req_t *q, const char *want)
{
    char month[8];
    if (!srv_web_month_of(q, want, month)) return srv_web_error(q, 503);
    const char *unit = q->who.province ? NULL : q->who.unit;
    brk_t *units = malloc(sizeof *units), *weeks = malloc(sizeof *weeks);
    if (!units || !weeks) {
        free(units);
        free(weeks);
        return srv_web_error(q, 503);
    }
    static const char *const kinds[] = {"unit", "week"};
    brk_t *const b[] = {units, weeks};
    const char *v[] = {q->who.token_hash, q->now, month, unit};
    if (unit) /* unit staff: their unit is the whole */
        dash(q,
             DASH_COLS "hailong.dash_unit($4, " DASH_MONTH ") WHERE kind IN ('unit', 'week') "
                       "AND hailong.web_scope($1::bytea, $2::timestamptz) IN ('*', $4)",
             4, v, "unit", kinds, b, 2);
    else
        dash(q,
             DASH_COLS "hailong.dash_overview(" DASH_MONTH ") WHERE hailong.web_scope($1::bytea, "
                       "$2::timestamptz) = '*'",
             3, v, "province", kinds, b, 2);
    unsigned st = 200;
    if (!units->ok || !weeks->ok) {
        st = srv_web_error(q, 503);
    } else {
        srv_web_begin(q, srv_web_tr(q, "Tổng quan mức độ hài lòng", "Satisfaction overview"));
        srv_web_month_nav(q, "/", month, NULL);
        totals(q, &units->whole);
        char link_query[32];
        hl_fmt(link_query, sizeof link_query, "?month=%s", month);
        groups(q, units, srv_web_tr(q, "Đơn vị", "Unit"), "unit", "/unit/", link_query);
        groups(q, weeks, srv_web_tr(q, "Theo tuần", "By week"), "week", NULL, NULL);
        srv_web_end(q);
    }
    free(units);
    free(weeks);
    return st;
}

/* Each question's answers (reasons: the choice and multi questions shown
 * after a low rating), with the survey's texts: every value's count and
 * share of the responses that answered the question, all shown when those
 * are at least 5 (the group is the answered total, not each value). */
static bool distributions(srv_web_req_t *q, const char *month, const char *unit, bool reasons)
{
    const char *v[] = {q->who.token_hash, q->now, month, unit, reasons ? "t" : "f"};
    PGresult *r = srv_web_query(
        q,
        "SELECT question_id, value, n, answered, survey_id FROM "
        "hailong.dash_questions($4, " DASH_MONTH
        ") WHERE hailong.web_scope($1::bytea, $2::timestamptz) IN ('*', $4) AND (role = "
        "'reasons') = $5::boolean",
        5, v);
    if (!r) return false;
    int rows = PQntuples(r);
    srv_web_printf(&q->out, "<h2>%s</h2>",
                   reasons ? srv_web_tr(q, "Lý do khi chưa hài lòng", "Reasons after low ratings")
                           : srv_web_tr(q, "Phân bố câu trả lời", "Answers by question"));
    if (!rows)
        srv_web_printf(&q->out, "<p class=\"muted\">%s</p>",
                       srv_web_tr(q, "Không có dữ liệu.", "No data."));
    const hl_survey_t *sv = NULL;
    const char *sv_id = NULL; /* the survey sv is for (a row's value) */
    for (int i = 0; i < rows;) {
        const char *qid = PQgetvalue(r, i, 0);
        const char *sid = PQgetvalue(r, i, 4);
        if (!sv_id || strcmp(sv_id, sid)) {
            srv_web_survey_put(q, sv);
            sv = srv_web_survey_get(q, unit, sid);
            sv_id = sid;
            if (q->broken) break;
        }
        int j = i;
        while (j < rows && !strcmp(PQgetvalue(r, j, 0), qid) && !strcmp(PQgetvalue(r, j, 4), sid) &&
               j - i < GROUPS_MAX)
            j++;
        size_t k = (size_t)(j - i);
        int64_t whole = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        bool shown = hl_min5_enough(whole);
        srv_web_puts(&q->out, "<h3>");
        srv_web_esc(&q->out, srv_web_question_text(q, sv, qid));
        srv_web_printf(&q->out,
                       "</h3><table><tr><th>%s</th><th class=\"n\">%s</th><th class=\"n\">%s"
                       "</th></tr>",
                       srv_web_tr(q, "Câu trả lời", "Answer"), srv_web_tr(q, "Số lượt", "Count"),
                       srv_web_tr(q, "Tỷ lệ", "Share"));
        srv_web_bar_t bars[GROUPS_MAX];
        int64_t max = 1;
        for (size_t x = 0; x < k; x++) {
            const char *val = PQgetvalue(r, i + (int)x, 1);
            int64_t n = strtoll(PQgetvalue(r, i + (int)x, 2), NULL, 10);
            const char *label = srv_web_answer_text(q, sv, qid, val);
            char key[300];
            srv_web_puts(&q->out, "<tr><th>");
            srv_web_esc(&q->out, label);
            srv_web_puts(&q->out, "</th><td class=\"n\">");
            hl_fmt(key, sizeof key, "%s/%s/%s/n", reasons ? "reason" : "q", qid, val);
            srv_web_fig(q, key, !shown, (double)n, 0, NULL);
            srv_web_puts(&q->out, "</td><td class=\"n\">");
            hl_fmt(key, sizeof key, "%s/%s/%s/share", reasons ? "reason" : "q", qid, val);
            srv_web_fig(q, key, !shown, share(n, whole), 1, " %");
            srv_web_puts(&q->out, "</td></tr>");
            bars[x] = (srv_web_bar_t){label, (double)n, !shown};
            if (shown && n > max) max = n;
        }
        srv_web_printf(&q->out, "<tr><th>%s</th><td class=\"n\">",
                       srv_web_tr(q, "Số người trả lời", "Answered"));
        char key[300];
        hl_fmt(key, sizeof key, "%s/%s/answered", reasons ? "reason" : "q", qid);
        srv_web_fig(q, key, !shown, (double)whole, 0, NULL);
        srv_web_puts(&q->out, "</td><td></td></tr></table>");
        srv_web_bars(q, srv_web_question_text(q, sv, qid), bars, k, (double)max, 0);
        i = j;
        while (i < rows && !strcmp(PQgetvalue(r, i, 0), qid) && !strcmp(PQgetvalue(r, i, 4), sid))
            i++; /* beyond GROUPS_MAX: not shown */
    }
    srv_web_survey_put(q, sv);
    PQclear(r);
    return !q->broken;
}

unsigned srv_web_page_unit(srv_web_req_t *q, const char *unit, const char *want)
{
    char month[8];
    if (!srv_web_month_of(q, want, month)) return srv_web_error(q, 503);
    enum { COUNTERS, OFFICERS, WEEKS, HOURS, NB };
    static const char *const kinds[NB] = {"counter", "officer", "week", "hour"};
    brk_t *b = malloc(NB * sizeof *b);
    if (!b) return srv_web_error(q, 503);
    brk_t *const bs[NB] = {&b[0], &b[1], &b[2], &b[3]};
    const char *v[] = {q->who.token_hash, q->now, month, unit};
    if (!dash(q,
              DASH_COLS "hailong.dash_unit($4, " DASH_MONTH ") WHERE hailong.web_scope($1::bytea, "
                        "$2::timestamptz) IN ('*', $4)",
              4, v, "unit", kinds, bs, NB)) {
        free(b);
        return srv_web_error(q, 503);
    }
    /* officers' names from the centre's assignments (ids where it has none) */
    const char *ov[] = {q->who.token_hash, q->now, unit};
    PGresult *names = srv_web_query(
        q, "SELECT officer_id, name FROM hailong.web_officers($1::bytea, $2::timestamptz, $3)", 3,
        ov);
    if (!names) {
        free(b);
        return srv_web_error(q, 503);
    }
    for (size_t i = 0; i < b[OFFICERS].n; i++)
        for (int j = 0; j < PQntuples(names); j++)
            if (!strcmp(PQgetvalue(names, j, 0), b[OFFICERS].g[i].key))
                b[OFFICERS].g[i].label = PQgetvalue(names, j, 1);
    /* hours in order 0..23 (the function sorts them as text) */
    for (size_t i = 1; i < b[HOURS].n; i++)
        for (size_t j = i; j > 0 && atoi(b[HOURS].g[j - 1].key) > atoi(b[HOURS].g[j].key); j--) {
            grp_t t = b[HOURS].g[j];
            b[HOURS].g[j] = b[HOURS].g[j - 1];
            b[HOURS].g[j - 1] = t;
        }
    char title[300];
    hl_fmt(title, sizeof title, "%s", unit);
    srv_web_begin(q, title);
    char base[400];
    srv_web_out_t enc = {0};
    srv_web_urlenc(&enc, unit);
    hl_fmt(base, sizeof base, "/unit/%s", enc.p ? enc.p : "");
    srv_web_month_nav(q, base, month, NULL);
    srv_web_printf(&q->out,
                   "<p class=\"noprint\"><a href=\"/reports/%s/%s.pdf\">%s (PDF)</a> · "
                   "<a href=\"/reports/%s/%s.xlsx\">%s (XLSX)</a> · "
                   "<a href=\"/comments/%s\">%s</a></p>",
                   enc.p ? enc.p : "", month, srv_web_tr(q, "Báo cáo tháng", "Monthly report"),
                   enc.p ? enc.p : "", month, srv_web_tr(q, "Bảng tính", "Workbook"),
                   enc.p ? enc.p : "", srv_web_tr(q, "Hộp góp ý", "Comments inbox"));
    free(enc.p);
    totals(q, &b[COUNTERS].whole);
    groups(q, &b[COUNTERS], srv_web_tr(q, "Quầy", "Counter"), "counter", NULL, NULL);
    groups(q, &b[OFFICERS], srv_web_tr(q, "Cán bộ", "Officer"), "officer", NULL, NULL);
    groups(q, &b[WEEKS], srv_web_tr(q, "Theo tuần", "By week"), "week", NULL, NULL);
    /* hours: responses per hour of day, counts only: shown when the
     * unit-month has 5 (see the top comment) */
    bool hours_shown = hl_min5_enough(b[COUNTERS].whole.n);
    srv_web_printf(&q->out, "<h2>%s</h2>", srv_web_tr(q, "Theo giờ trong ngày", "By hour of day"));
    srv_web_bar_t bars[24];
    size_t nb = 0;
    int64_t max = 1;
    srv_web_printf(&q->out, "<table><tr><th>%s</th><th class=\"n\">%s</th></tr>",
                   srv_web_tr(q, "Giờ", "Hour"), srv_web_tr(q, "Lượt đánh giá", "Responses"));
    char labels[24][8];
    for (size_t i = 0; i < b[HOURS].n && nb < 24; i++) {
        const grp_t *g = &b[HOURS].g[i];
        char k[40];
        hl_fmt(k, sizeof k, "hour/%s/responses", g->key);
        hl_fmt(labels[nb], sizeof labels[nb], "%sh", g->key);
        srv_web_printf(&q->out, "<tr><th>%s</th><td class=\"n\">", labels[nb]);
        srv_web_fig(q, k, !hours_shown, (double)g->n, 0, NULL);
        srv_web_puts(&q->out, "</td></tr>");
        bars[nb] = (srv_web_bar_t){labels[nb], (double)g->n, !hours_shown};
        if (hours_shown && g->n > max) max = g->n;
        nb++;
    }
    srv_web_puts(&q->out, "</table>");
    srv_web_bars(q, "hours", bars, nb, (double)max, 0);
    PQclear(names);
    free(b);
    if (!distributions(q, month, unit, false) || !distributions(q, month, unit, true))
        return srv_web_error(q, 503);
    srv_web_end(q);
    return 200;
}

unsigned srv_web_page_fleet(srv_web_req_t *q)
{
    const char *unit = q->who.province ? NULL : q->who.unit;
    const char *v[] = {q->who.token_hash, q->now, unit};
    PGresult *r = srv_web_query(
        q,
        "SELECT kiosk_id, unit, to_char(last_seen AT TIME ZONE " WEB_TZ_SQL
        ", 'YYYY-MM-DD HH24:MI'), silent, pending, disk_free_bytes, clock_skew_s, clock_trusted, "
        "software, survey_id, survey_version, open_alerts, enabled FROM "
        "hailong.dash_fleet($2::timestamptz, $3) WHERE hailong.web_scope($1::bytea, "
        "$2::timestamptz) IN ('*', $3) LIMIT 2000",
        3, v);
    if (!r) return srv_web_error(q, 503);
    srv_web_begin(q, srv_web_tr(q, "Thiết bị khảo sát", "Kiosks"));
    srv_web_printf(&q->out,
                   "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th class=\"n\">%s"
                   "</th><th class=\"n\">%s</th><th class=\"n\">%s</th><th>%s</th><th>%s</th>"
                   "<th class=\"n\">%s</th></tr>",
                   srv_web_tr(q, "Thiết bị", "Kiosk"), srv_web_tr(q, "Đơn vị", "Unit"),
                   srv_web_tr(q, "Lần cuối liên lạc", "Last seen"),
                   srv_web_tr(q, "Trạng thái", "State"), srv_web_tr(q, "Chờ gửi", "Pending"),
                   srv_web_tr(q, "Dung lượng trống (MB)", "Disk free (MB)"),
                   srv_web_tr(q, "Lệch giờ (giây)", "Clock skew (s)"),
                   srv_web_tr(q, "Phần mềm", "Software"), srv_web_tr(q, "Phiếu khảo sát", "Survey"),
                   srv_web_tr(q, "Cảnh báo mở", "Open alerts"));
    for (int i = 0; i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, 0);
        char k[80];
        bool silent = !strcmp(PQgetvalue(r, i, 3), "t");
        srv_web_puts(&q->out, "<tr><th>");
        srv_web_esc(&q->out, id);
        srv_web_puts(&q->out, "</th><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 1));
        srv_web_puts(&q->out, "</td><td>");
        srv_web_esc(&q->out, PQgetisnull(r, i, 2) ? srv_web_tr(q, "chưa bao giờ", "never")
                                                  : PQgetvalue(r, i, 2));
        hl_fmt(k, sizeof k, "kiosk/%s/silent", id);
        srv_web_printf(&q->out, "</td><td class=\"%s\">", silent ? "bad" : "ok");
        srv_web_puts(&q->out, "<span data-k=\"");
        srv_web_esc(&q->out, k);
        srv_web_printf(
            &q->out, "\" data-v=\"%d\">%s</span>%s", silent ? 1 : 0,
            silent ? srv_web_tr(q, "mất liên lạc", "silent") : srv_web_tr(q, "hoạt động", "live"),
            strcmp(PQgetvalue(r, i, 12), "t") ? srv_web_tr(q, " (đã tắt)", " (disabled)") : "");
        srv_web_puts(&q->out, "</td><td class=\"n\">");
        static const struct {
            int col;
            const char *key;
            double scale;
            int decimals;
        } nums[] = {
            {4, "pending", 1, 0}, {5, "disk_free", 1.0 / 1048576, 0}, {6, "clock_skew", 1, 1}};
        for (size_t x = 0; x < 3; x++) {
            if (x) srv_web_puts(&q->out, "</td><td class=\"n\">");
            hl_fmt(k, sizeof k, "kiosk/%s/%s", id, nums[x].key);
            if (PQgetisnull(r, i, nums[x].col))
                srv_web_puts(&q->out, "<span class=\"muted\">?</span>");
            else
                srv_web_fig(q, k, false,
                            strtod(PQgetvalue(r, i, nums[x].col), NULL) * nums[x].scale,
                            nums[x].decimals, NULL);
        }
        if (!PQgetisnull(r, i, 7) && strcmp(PQgetvalue(r, i, 7), "t"))
            srv_web_printf(&q->out, " <span class=\"bad\">%s</span>",
                           srv_web_tr(q, "(đồng hồ chưa tin cậy)", "(clock not trusted)"));
        srv_web_puts(&q->out, "</td><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 8));
        srv_web_puts(&q->out, "</td><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 9));
        if (!PQgetisnull(r, i, 10)) srv_web_printf(&q->out, " v%s", PQgetvalue(r, i, 10));
        srv_web_puts(&q->out, "</td><td class=\"n\">");
        hl_fmt(k, sizeof k, "kiosk/%s/open_alerts", id);
        srv_web_fig(q, k, false, strtod(PQgetvalue(r, i, 11), NULL), 0, NULL);
        srv_web_puts(&q->out, "</td></tr>");
    }
    srv_web_puts(&q->out, "</table>");
    PQclear(r);
    srv_web_end(q);
    return 200;
}

/* What an alert's kind means, in words. */
static const char *kind_words(const srv_web_req_t *q, const char *kind)
{
    static const struct {
        const char *kind, *vi, *en;
    } k[] = {
        {"negative_burst", "Nhiều đánh giá chưa hài lòng liên tiếp tại một quầy",
         "A burst of negative ratings at one counter"},
        {"forged_head", "Chuỗi chữ ký của thiết bị không khớp (có thể bị giả mạo)",
         "The kiosk's signed chain does not check out (possibly forged)"},
        {"truncation", "Dữ liệu của thiết bị bị cắt bớt hoặc quay lui",
         "The kiosk's chain went backwards (responses removed)"},
        {"quarantined", "Có phản hồi bị cách ly (không được tính)",
         "Responses were quarantined (not counted)"},
        {"conflicting_duplicate", "Một phản hồi được gửi lại với nội dung khác",
         "A response was sent again with different content"},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(kind, k[i].kind)) return srv_web_tr(q, k[i].vi, k[i].en);
    return srv_web_tr(q, "Cảnh báo khác", "Other alert");
}

unsigned srv_web_page_alerts(srv_web_req_t *q)
{
    const char *unit = q->who.province ? NULL : q->who.unit;
    const char *v[] = {q->who.token_hash, q->now, unit};
    PGresult *r = srv_web_query(
        q,
        "SELECT id, kind, to_char(happened_at AT TIME ZONE " WEB_TZ_SQL
        ", 'YYYY-MM-DD HH24:MI'), kiosk_id, unit, counter, officer_id, acknowledged_at IS NOT "
        "NULL FROM hailong.dash_alerts($2::timestamptz, $3, 500) WHERE hailong.web_scope("
        "$1::bytea, $2::timestamptz) IN ('*', $3)",
        3, v);
    if (!r) return srv_web_error(q, 503);
    srv_web_begin(q, srv_web_tr(q, "Cảnh báo", "Alerts"));
    srv_web_printf(&q->out, "<p>%s <span data-k=\"alerts\" data-v=\"%d\">%d</span></p>",
                   srv_web_tr(q, "Số cảnh báo:", "Alerts:"), PQntuples(r), PQntuples(r));
    srv_web_printf(&q->out,
                   "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                   "<th>%s</th></tr>",
                   srv_web_tr(q, "Thời gian", "When"), srv_web_tr(q, "Loại", "Kind"),
                   srv_web_tr(q, "Thiết bị", "Kiosk"), srv_web_tr(q, "Đơn vị", "Unit"),
                   srv_web_tr(q, "Quầy / cán bộ", "Counter / officer"),
                   srv_web_tr(q, "Đã xác nhận", "Acknowledged"));
    for (int i = 0; i < PQntuples(r); i++) {
        srv_web_puts(&q->out, "<tr><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 2));
        srv_web_puts(&q->out, "</td><td>");
        srv_web_esc(&q->out, kind_words(q, PQgetvalue(r, i, 1)));
        srv_web_puts(&q->out, " <span class=\"muted\">(");
        srv_web_esc(&q->out, PQgetvalue(r, i, 1));
        srv_web_puts(&q->out, ")</span></td><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 3));
        srv_web_puts(&q->out, "</td><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 4));
        srv_web_puts(&q->out, "</td><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 5));
        if (!PQgetisnull(r, i, 6)) {
            srv_web_puts(&q->out, " / ");
            srv_web_esc(&q->out, PQgetvalue(r, i, 6));
        }
        srv_web_printf(&q->out, "</td><td>%s</td></tr>",
                       strcmp(PQgetvalue(r, i, 7), "t") ? srv_web_tr(q, "chưa", "no")
                                                        : srv_web_tr(q, "rồi", "yes"));
    }
    srv_web_puts(&q->out, "</table>");
    PQclear(r);
    srv_web_end(q);
    return 200;
}
