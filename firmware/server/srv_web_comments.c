/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web_comments.c: a unit's comments inbox: what citizens wrote in a
 * month (text answers; contact answers only for staff of that unit:
 * hailong.web_comments decides), one row per response with the follow-up
 * code shown to the citizen, the time, the counter and the response's
 * rating; open or handled, who handled it and how long it took
 * (handled_at - finished_at). A form per comment marks it handled with a
 * short note ("đã xử lý" by default) or open again, with the session's CSRF
 * token; hailong.web_followup checks the session's unit and the token again
 * and logs the change.
 *
 * A page is one local month (?month=YYYY-MM, now's by default), a state
 * (?state=open by default, handled, or all: open ones first), newest first,
 * COMMENTS_PAGE rows from ?page=N. At the top: the month's comments open
 * and handled and the median time to handle the handled ones
 * (hailong.web_comment_counts). Both queries read a unit-month through
 * answers' index (unit, finished_at) (005-web.sql's web_comment_set): the
 * inbox stays as fast with millions of responses in other months or units.
 *
 * Keys (data-k): comments (the month's comments in the state shown, every
 * page), comments/open, comments/handled (the month's), comments/median_hours
 * (absent when none is handled), comment/<response_id>/state (data-v
 * open|handled), comment/<response_id>/hours (time to handle, hours).
 */
#include "hl_sys.h"
#include "srv_web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMENTS_PAGE 50 /* rows of an inbox page */

/* How long a follow-up took, in words ("3,5 giờ", "2 days"). */
static void took(srv_web_req_t *q, double hours)
{
    char v[32];
    if (hours < 48) {
        hl_fmt(v, sizeof v, "%.1f", hours);
    } else {
        hl_fmt(v, sizeof v, "%.1f", hours / 24);
    }
    if (!q->en)
        for (char *c = v; *c; c++)
            if (*c == '.') *c = ',';
    srv_web_printf(&q->out, "%s %s", v,
                   hours < 48 ? srv_web_tr(q, "giờ", "hours") : srv_web_tr(q, "ngày", "days"));
}

/* The month's counts and median at the top; false on a database failure. */
static bool head(srv_web_req_t *q, const char *unit, const char *month)
{
    const char *v[] = {q->who.token_hash, q->now, unit, month};
    PGresult *r = srv_web_query(q,
                                "SELECT open, handled, median_hours FROM "
                                "hailong.web_comment_counts($1::bytea, $2::timestamptz, $3, "
                                "($4 || '-01')::date)",
                                4, v);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return false;
    }
    srv_web_printf(&q->out, "<p>%s ", srv_web_tr(q, "Trong tháng: chưa xử lý", "This month: open"));
    srv_web_fig(q, "comments/open", false, strtod(PQgetvalue(r, 0, 0), NULL), 0, NULL);
    srv_web_printf(&q->out, " · %s ", srv_web_tr(q, "đã xử lý", "handled"));
    srv_web_fig(q, "comments/handled", false, strtod(PQgetvalue(r, 0, 1), NULL), 0, NULL);
    if (!PQgetisnull(r, 0, 2)) {
        double h = strtod(PQgetvalue(r, 0, 2), NULL);
        srv_web_printf(&q->out, " · %s <span data-k=\"comments/median_hours\" data-v=\"%.2f\">",
                       srv_web_tr(q, "thời gian xử lý trung vị", "median time to handle"), h);
        took(q, h);
        srv_web_puts(&q->out, "</span>");
    }
    srv_web_puts(&q->out, "</p>");
    PQclear(r);
    return true;
}

unsigned srv_web_page_comments(srv_web_req_t *q, const char *unit, const char *state,
                               const char *want, int page)
{
    char month[8], offset[16], limit[16];
    if (!srv_web_month_of(q, want, month)) return srv_web_error(q, 503);
    hl_fmt(offset, sizeof offset, "%d", (page - 1) * COMMENTS_PAGE);
    hl_fmt(limit, sizeof limit, "%d", COMMENTS_PAGE);
    const char *v[] = {q->who.token_hash, q->now, unit, state, month, limit, offset};
    PGresult *r = srv_web_query(
        q,
        "SELECT response_id, to_char(finished_at AT TIME ZONE '" SRV_WEB_TZ
        "', 'YYYY-MM-DD HH24:MI'), followup, counter, rating, comment, contact, state, "
        "note, to_char(handled_at AT TIME ZONE '" SRV_WEB_TZ "', 'YYYY-MM-DD HH24:MI'), "
        "handled_by, extract(epoch FROM handled_at - finished_at) / 3600, total, "
        "rating_survey, rating_question FROM hailong.web_comments($1::bytea, $2::timestamptz, $3, "
        "$4, ($5 || '-01')::date, "
        "$6::integer, $7::integer)",
        7, v);
    if (!r) {
        /* 42501 (not allowed) was checked in C first; anything else: 503 */
        return srv_web_error(q, 503);
    }
    char title[400];
    hl_fmt(title, sizeof title, "%s \xE2\x80\x94 %s", srv_web_tr(q, "Hộp góp ý", "Comments inbox"),
           unit);
    srv_web_begin(q, title);
    srv_web_out_t enc = {0};
    srv_web_urlenc(&enc, unit);
    const char *u = enc.p ? enc.p : "";
    char base[400], extra[32];
    hl_fmt(base, sizeof base, "/comments/%s", u);
    hl_fmt(extra, sizeof extra, "&amp;state=%s", state);
    srv_web_month_nav(q, base, month, extra);
    if (!head(q, unit, month)) {
        free(enc.p);
        PQclear(r);
        return srv_web_error(q, 503);
    }
    static const char *const states[] = {"open", "handled", "all"};
    srv_web_puts(&q->out, "<p class=\"noprint\">");
    for (int i = 0; i < 3; i++) {
        const char *words = i == 0   ? srv_web_tr(q, "Chưa xử lý", "Open")
                            : i == 1 ? srv_web_tr(q, "Đã xử lý", "Handled")
                                     : srv_web_tr(q, "Tất cả", "All");
        if (!strcmp(state, states[i]))
            srv_web_printf(&q->out, "<b>%s</b> ", words);
        else
            srv_web_printf(&q->out, "<a href=\"%s?month=%s&amp;state=%s\">%s</a> ", base, month,
                           states[i], words);
    }
    srv_web_printf(&q->out, "· <a href=\"/unit/%s?month=%s\">%s</a></p>", u, month,
                   srv_web_tr(q, "Số liệu của đơn vị", "The unit's figures"));
    int rows = PQntuples(r);
    long long total = rows ? strtoll(PQgetvalue(r, 0, 12), NULL, 10) : 0;
    if (!rows && page > 1) { /* past the end: how many there are */
        PQclear(r);
        const char *v1[] = {q->who.token_hash, q->now, unit, state, month, "1", "0"};
        r = srv_web_query(q,
                          "SELECT total FROM hailong.web_comments($1::bytea, $2::timestamptz, "
                          "$3, $4, ($5 || '-01')::date, $6::integer, $7::integer)",
                          7, v1);
        if (!r) {
            free(enc.p);
            return srv_web_error(q, 503);
        }
        total = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
        PQclear(r);
        r = NULL;
        rows = 0;
    }
    long long pages = (total + COMMENTS_PAGE - 1) / COMMENTS_PAGE;
    srv_web_printf(&q->out, "<p>%s <span data-k=\"comments\" data-v=\"%lld\">%lld</span>",
                   srv_web_tr(q, "Số góp ý:", "Comments:"), total, total);
    if (pages > 1)
        srv_web_printf(&q->out, " · %s %d / %lld", srv_web_tr(q, "trang", "page"), page, pages);
    srv_web_puts(&q->out, "</p>");
    srv_web_printf(&q->out,
                   "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                   "<th class=\"noprint\">%s</th></tr>",
                   srv_web_tr(q, "Thời gian / mã", "When / code"), srv_web_tr(q, "Quầy", "Counter"),
                   srv_web_tr(q, "Đánh giá", "Rating"), srv_web_tr(q, "Nội dung", "Comment"),
                   srv_web_tr(q, "Trạng thái", "State"), srv_web_tr(q, "Xử lý", "Follow-up"));
    const hl_survey_t *survey = NULL; /* the rows' survey, for the ratings' words */
    char survey_id[128] = "";
    for (int i = 0; i < rows; i++) {
        const char *id = PQgetvalue(r, i, 0);
        bool handled = !strcmp(PQgetvalue(r, i, 7), "handled");
        srv_web_puts(&q->out, "<tr><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 1));
        if (!PQgetisnull(r, i, 2)) {
            srv_web_puts(&q->out, "<br><b>");
            srv_web_esc(&q->out, PQgetvalue(r, i, 2));
            srv_web_puts(&q->out, "</b>");
        }
        srv_web_puts(&q->out, "</td><td>");
        srv_web_esc(&q->out, PQgetvalue(r, i, 3));
        srv_web_puts(&q->out, "</td><td>");
        if (PQgetisnull(r, i, 4)) {
            srv_web_puts(&q->out, "\xE2\x80\x94");
        } else { /* the survey's own words for the rating (its id without them) */
            const char *sid = PQgetisnull(r, i, 13) ? NULL : PQgetvalue(r, i, 13);
            if (sid && (!survey || strcmp(survey_id, sid))) {
                srv_web_survey_put(q, survey);
                survey = srv_web_survey_get(q, unit, sid);
                hl_fmt(survey_id, sizeof survey_id, "%s", sid);
            }
            const char *rating = PQgetvalue(r, i, 4);
            srv_web_esc(&q->out, sid && survey && !PQgetisnull(r, i, 14)
                                     ? srv_web_answer_text(q, survey, PQgetvalue(r, i, 14), rating)
                                     : rating);
        }
        srv_web_puts(&q->out, "</td><td class=\"text\">");
        if (!PQgetisnull(r, i, 5)) srv_web_esc(&q->out, PQgetvalue(r, i, 5));
        if (!PQgetisnull(r, i, 6)) {
            if (!PQgetisnull(r, i, 5)) srv_web_puts(&q->out, "<br>");
            srv_web_printf(&q->out, "<i>%s</i> ", srv_web_tr(q, "Liên hệ:", "Contact:"));
            srv_web_esc(&q->out, PQgetvalue(r, i, 6));
        }
        srv_web_puts(&q->out, "</td><td><span data-k=\"comment/");
        srv_web_esc(&q->out, id);
        srv_web_printf(&q->out, "/state\" data-v=\"%s\" class=\"%s\">%s</span>",
                       handled ? "handled" : "open", handled ? "ok" : "bad",
                       handled ? srv_web_tr(q, "đã xử lý", "handled")
                               : srv_web_tr(q, "chưa xử lý", "open"));
        if (handled) {
            srv_web_puts(&q->out, "<br>");
            srv_web_esc(&q->out, PQgetvalue(r, i, 10));
            srv_web_puts(&q->out, ", ");
            srv_web_esc(&q->out, PQgetvalue(r, i, 9));
            double hours = strtod(PQgetvalue(r, i, 11), NULL);
            srv_web_printf(&q->out, "<br>%s <span data-k=\"comment/",
                           srv_web_tr(q, "sau", "after"));
            srv_web_esc(&q->out, id);
            srv_web_printf(&q->out, "/hours\" data-v=\"%.2f\">", hours);
            took(q, hours);
            srv_web_puts(&q->out, "</span>");
            if (!PQgetisnull(r, i, 8)) {
                srv_web_puts(&q->out, "<br><i>");
                srv_web_esc(&q->out, PQgetvalue(r, i, 8));
                srv_web_puts(&q->out, "</i>");
            }
        }
        srv_web_printf(&q->out,
                       "</td><td class=\"noprint\"><form method=\"post\" "
                       "action=\"/comments/%s/%s\"><input type=\"hidden\" name=\"csrf\" "
                       "value=\"%s\"><input type=\"hidden\" name=\"month\" value=\"%s\">",
                       u, id, q->who.csrf, month);
        if (handled)
            srv_web_printf(&q->out,
                           "<input type=\"hidden\" name=\"action\" value=\"reopen\">"
                           "<button type=\"submit\">%s</button>",
                           srv_web_tr(q, "Mở lại", "Reopen"));
        else
            srv_web_printf(&q->out,
                           "<input type=\"hidden\" name=\"action\" value=\"handle\">"
                           "<input name=\"note\" maxlength=\"200\" size=\"18\" value=\"%s\"> "
                           "<button type=\"submit\">%s</button>",
                           srv_web_tr(q, "đã xử lý", "handled"),
                           srv_web_tr(q, "Đánh dấu đã xử lý", "Mark handled"));
        srv_web_puts(&q->out, "</form></td></tr>");
    }
    srv_web_puts(&q->out, "</table>");
    srv_web_survey_put(q, survey);
    if (pages > 1) {
        srv_web_puts(&q->out, "<p class=\"noprint\">");
        if (page > 1)
            srv_web_printf(&q->out, "<a href=\"%s?month=%s&amp;state=%s&amp;page=%d\">« %s</a> ",
                           base, month, state, page - 1,
                           srv_web_tr(q, "Trang trước", "Previous page"));
        if (page < pages)
            srv_web_printf(&q->out, "<a href=\"%s?month=%s&amp;state=%s&amp;page=%d\">%s »</a>",
                           base, month, state, page + 1, srv_web_tr(q, "Trang sau", "Next page"));
        srv_web_puts(&q->out, "</p>");
    }
    free(enc.p);
    PQclear(r);
    srv_web_end(q);
    return 200;
}

unsigned srv_web_post_comment(srv_web_req_t *q, const char *unit, const char *id, const char *body,
                              char *location, size_t cap)
{
    char action[16], note[SRV_WEB_NOTE_MAX + 1] = "";
    if (!srv_web_form(body, "action", action, sizeof action)) return srv_web_error(q, 400);
    bool handle = !strcmp(action, "handle");
    if (!handle && strcmp(action, "reopen")) return srv_web_error(q, 400);
    if (handle && srv_web_form(body, "note", note, sizeof note) == false && strstr(body, "note="))
        return srv_web_error(q, 400); /* a note over SRV_WEB_NOTE_MAX bytes */
    if (handle && !note[0]) hl_fmt(note, sizeof note, "%s", "đã xử lý");
    char csrf[80] = "", month[16] = "";
    srv_web_form(body, "csrf", csrf, sizeof csrf);
    if (srv_web_form(body, "month", month, sizeof month) && !srv_web_valid_month(month))
        return srv_web_error(q, 400);
    const char *v[] = {q->who.token_hash,   q->now, csrf, unit, id, handle ? "handled" : "open",
                       handle ? note : NULL};
    PGresult *r = srv_web_query(q,
                                "SELECT hailong.web_followup($1::bytea, $2::timestamptz, $3, $4, "
                                "$5::uuid, $6, $7)",
                                7, v);
    if (!r) return srv_web_error(q, 503);
    const char *verdict = PQgetvalue(r, 0, 0);
    unsigned st = !strcmp(verdict, "ok")          ? 303
                  : !strcmp(verdict, "unknown")   ? 404
                  : !strcmp(verdict, "forbidden") ? 403
                                                  : 403; /* csrf */
    PQclear(r);
    if (st != 303) return srv_web_error(q, st);
    srv_web_out_t enc = {0};
    srv_web_urlenc(&enc, unit);
    hl_fmt(location, cap, "/comments/%s?state=%s%s%s", enc.p ? enc.p : "",
           handle ? "open" : "handled", month[0] ? "&month=" : "", month);
    free(enc.p);
    return 303;
}
