/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_web_pages.c: the dashboard's pages beyond test_web.c: a question's
 * distribution and the reasons shown whole once 5 answered, the hours'
 * counts; the survey's own words for questions and answers and officers'
 * names; the login form's double-submit token; units whose names hold '/',
 * '?', '#', '%', spaces and Vietnamese letters; the comments inbox by month
 * and page with its counts and median (and its plan: an index); the print
 * style. The seeded province and the helpers: tests/support/hl_web_fixture.h.
 */
#include "hl_web_fixture.h"

static void test_every_answer_of_a_question_is_shown_once_5_answered_it(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "prov", PASSWORD, cookie);
    urlenc(UNIT_A, enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    /* 17 answered: each value is part of one group of 17, none hidden */
    CHECK_STR(fig(r.body, "q/overall/answered"), "17");
    CHECK_STR(fig(r.body, "q/overall/very_satisfied/n"), "9");
    CHECK_STR(fig(r.body, "q/overall/satisfied/n"), "4");
    CHECK_STR(fig(r.body, "q/overall/dissatisfied/n"), "4");
    CHECK_STR(fig(r.body, "q/overall/dissatisfied/share"), "23.5294");
    CHECK_CONTAINS(r.body, "23,5 %");
    /* the reasons: 4 low-rated responses answered them: all hidden */
    CHECK_STR(fig(r.body, "reason/reasons/answered"), "hidden");
    CHECK_STR(fig(r.body, "reason/reasons/slow/n"), "hidden");
    /* hours: counts of a unit-month of 17, one an hour: shown */
    CHECK_STR(fig(r.body, "hour/9/responses"), "1");
    CHECK(fig(r.body, "hour/8/responses") == NULL);
    reply_free(&r);
    /* a unit of 6 low ratings, 4 slow and 2 rude: both reasons shown */
    seed_unit(&w, "Phường Sáu", "ps-1", 6, 4);
    urlenc("Phường Sáu", enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "reason/reasons/answered"), "6");
    CHECK_STR(fig(r.body, "reason/reasons/slow/n"), "4");
    CHECK_STR(fig(r.body, "reason/reasons/rude/n"), "2");
    CHECK_STR(fig(r.body, "reason/reasons/rude/share"), "33.3333");
    reply_free(&r);
    /* Quảng Tâm's 3: the question and the hours hidden */
    urlenc(UNIT_B, enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "q/overall/satisfied/n"), "hidden");
    CHECK_STR(fig(r.body, "q/overall/answered"), "hidden");
    CHECK_STR(fig(r.body, "hour/10/responses"), "hidden");
    reply_free(&r);
    web_stop(&w);
}

static void test_questions_answers_and_officers_show_their_own_words(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "prov", PASSWORD, cookie);
    free(sql1(&w, "INSERT INTO hailong.assignments (target_kind, target, officers) VALUES "
                  "('unit', '" UNIT_A "', '[{\"id\": \"cb-lan\", \"name\": \"Old name\"}]'), "
                  "('kiosk', 'hr-1', '[{\"id\": \"cb-lan\", \"name\": \"Nguyễn Thị Lan\"}, "
                  "{\"id\": \"cb-hung\", \"name\": \"Lê <Hùng>\"}]'), "
                  "('unit', '" UNIT_B "', '[{\"id\": \"cb-minh\", \"name\": \"Not here\"}]')"));
    urlenc(UNIT_A, enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "<h3>Hài lòng?</h3>");
    CHECK_CONTAINS(r.body, "<th>Rất hài lòng</th>");
    CHECK_CONTAINS(r.body, "<th>Không hài lòng</th>");
    CHECK_CONTAINS(r.body, "<h3>Vì sao?</h3>");
    CHECK_CONTAINS(r.body, "<th>Chậm</th>");
    CHECK(!strstr(r.body, "<th>very_satisfied</th>"));
    /* names: the newest assignment's, escaped; the id kept beside and in the keys */
    CHECK_CONTAINS(r.body, "Nguyễn Thị Lan <span class=\"muted\">(cb-lan)</span>");
    CHECK(!strstr(r.body, "Old name"));
    CHECK_CONTAINS(r.body, "Lê &lt;Hùng&gt;");
    CHECK(!strstr(r.body, "Not here")); /* another unit's roster */
    CHECK_CONTAINS(r.body, "<th>cb-minh</th>");
    CHECK_STR(fig(r.body, "officer/cb-lan/responses"), "8");
    reply_free(&r);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11&lang=en", enc);
    r = get(&w, path, cookie); /* English, from the cached survey */
    CHECK_CONTAINS(r.body, "<h3>Satisfied?</h3>");
    CHECK_CONTAINS(r.body, "<th>Very</th>");
    CHECK_CONTAINS(r.body, "<th>Slow</th>");
    reply_free(&r);
    /* the web role gets a survey only for a session that may see the unit */
    char as_web[PATH_MAX + 300];
    snprintf(as_web, sizeof as_web, "%s user=hailong-webtest", w.db);
    char *v = hl_pg_query(as_web, "SELECT body FROM hailong.web_survey('\\x00', now(), '" UNIT_A
                                  "', 'web-test', '')");
    CHECK(v == NULL);
    free(v);
    web_stop(&w);
}

static void test_the_login_form_needs_its_double_submit_token(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], token[80], body[512];
    login_form(&w, cookie, token);
    CHECK_INT(strlen(cookie), 9 + 64);
    CHECK_STR(token, cookie + 9); /* the same value in the cookie and the form */
    reply_t r = get(&w, "/login", NULL);
    const char *c = header(&r, "Set-Cookie");
    CHECK_CONTAINS(c, "HttpOnly");
    CHECK_CONTAINS(c, "SameSite=Strict");
    CHECK(strncmp(c + 9, token, 64)); /* a new one for each new form */
    reply_free(&r);
    r = get(&w, "/login", cookie); /* a form already has one: kept */
    CHECK_CONTAINS(r.body, token);
    CHECK_STR(header(&r, "Set-Cookie"), "");
    reply_free(&r);
    /* without the token, with another, or without the cookie: 400, no login tried */
    snprintf(body, sizeof body, "login=prov&password=%s", PASSWORD);
    r = http(&w, "POST", "/login", cookie, body);
    CHECK_INT(r.status, 400);
    CHECK_CONTAINS(r.body, "Yêu cầu không hợp lệ");
    reply_free(&r);
    snprintf(body, sizeof body, "login=prov&password=%s&login_csrf=%s", PASSWORD, TOKEN64);
    r = http(&w, "POST", "/login", cookie, body);
    CHECK_INT(r.status, 400);
    reply_free(&r);
    snprintf(body, sizeof body, "login=prov&password=%s&login_csrf=%s", PASSWORD, token);
    r = http(&w, "POST", "/login", NULL, body);
    CHECK_INT(r.status, 400);
    reply_free(&r);
    char *n = sql1(&w, "SELECT count(*) FROM hailong.web_log WHERE what LIKE 'login%'");
    CHECK_STR(n, "0");
    free(n);
    /* with both: in */
    r = http(&w, "POST", "/login", cookie, body);
    CHECK_INT(r.status, 303);
    CHECK_CONTAINS(header(&r, "Set-Cookie"), "hl_session=");
    reply_free(&r);
    /* a wrong password: the form again, with the same token */
    snprintf(body, sizeof body, "login=prov&password=nope&login_csrf=%s", token);
    r = http(&w, "POST", "/login", cookie, body);
    CHECK_INT(r.status, 401);
    CHECK_CONTAINS(r.body, token);
    reply_free(&r);
    web_stop(&w);
}

static void test_units_with_slashes_and_vietnamese_letters_route_by_encoded_segment(void)
{
    web_t w;
    web_start(&w);
    const char *unit = "Phường 1/Quận 3 #2? 50%";
    seed_unit(&w, unit, "p1-1", 6, 6);
    char cookie[128], path[512], enc[300], body[512];
    login(&w, "prov", PASSWORD, cookie);
    urlenc(unit, enc, sizeof enc);
    reply_t r = get(&w, "/?month=2026-11", cookie);
    CHECK_INT(r.status, 200);
    char link[400];
    snprintf(link, sizeof link, "href=\"/unit/%s?month=2026-11\"", enc);
    CHECK_CONTAINS(r.body, link);
    CHECK_CONTAINS(r.body, "%2FQu%E1%BA%ADn%203%20%232%3F%2050%25");
    reply_free(&r);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "responses"), "6");
    CHECK_CONTAINS(r.body, "<h1>Phường 1/Quận 3 #2? 50%</h1>");
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s?state=all", enc);
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "Góp ý 1");
    char csrf[80];
    snprintf(csrf, sizeof csrf, "%s", csrf_of(r.body));
    reply_free(&r);
    char *id = sql1(&w, "SELECT md5('p1-1' || 1)::uuid");
    snprintf(path, sizeof path, "/comments/%s/%s", enc, id);
    snprintf(body, sizeof body, "csrf=%s&action=handle&note=ok", csrf);
    r = http(&w, "POST", path, cookie, body);
    CHECK_INT(r.status, 303);
    snprintf(link, sizeof link, "/comments/%s?", enc);
    CHECK_CONTAINS(header(&r, "Location"), link);
    reply_free(&r);
    char *n = sql1(&w, "SELECT unit FROM hailong.followups");
    CHECK_STR(n, unit);
    free(n);
    free(id);
    /* the segment decoded then checked */
    static const char *const bad[] = {
        "/unit/%ZZ",         /* a bad escape */
        "/unit/a%00b",       /* NUL */
        "/unit/a%0Ab",       /* a control character */
        "/unit/%C3",         /* not UTF-8 */
        "/unit/%C0%AF",      /* an overlong '/' */
        "/comments/%E1%BA%", /* a cut escape */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = get(&w, bad[i], cookie);
        if (r.status != 400) printf("%s: %d\n", bad[i], r.status);
        CHECK_INT(r.status, 400);
        reply_free(&r);
    }
    char longname[400] = "/unit/";
    for (int i = 0; i < 121; i++)
        strcat(longname, "a");
    r = get(&w, longname, cookie);
    CHECK_INT(r.status, 400);
    reply_free(&r);
    r = get(&w, "/unit/Ph%C6%B0%E1%BB%9Dng%201/Qu%E1%BA%ADn%203", cookie); /* '/' unencoded */
    CHECK_INT(r.status, 404);
    reply_free(&r);
    web_stop(&w);
}

static void test_the_inbox_pages_50_a_month_open_first_with_counts_and_median(void)
{
    web_t w;
    web_start(&w);
    seed_unit(&w, "Phường Một Trăm", "mt-1", 120, 0);
    char cookie[128], path[512], enc[300], body[512], key[128];
    login(&w, "prov", PASSWORD, cookie);
    urlenc("Phường Một Trăm", enc, sizeof enc);
    snprintf(path, sizeof path, "/comments/%s", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "comments"), "120");
    CHECK_STR(fig(r.body, "comments/open"), "120");
    CHECK_STR(fig(r.body, "comments/handled"), "0");
    CHECK(fig(r.body, "comments/median_hours") == NULL);
    size_t rows = 0;
    for (const char *p = r.body; (p = strstr(p, "/state\" data-v=")); p++)
        rows++;
    CHECK_INT(rows, 50);
    char *newest = sql1(&w, "SELECT md5('mt-1' || 120)::uuid");
    const char *first = strstr(r.body, "/state\" data-v=");
    char want[128];
    snprintf(want, sizeof want, "comment/%s/state", newest);
    CHECK(first && strstr(r.body, want) && strstr(r.body, want) < first); /* newest first */
    CHECK_CONTAINS(r.body, "page=2\">");
    char csrf[80];
    snprintf(csrf, sizeof csrf, "%s", csrf_of(r.body));
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s?page=3", enc);
    r = get(&w, path, cookie);
    rows = 0;
    for (const char *p = r.body; (p = strstr(p, "/state\" data-v=")); p++)
        rows++;
    CHECK_INT(rows, 20);
    CHECK(!strstr(r.body, "page=4\">"));
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s?page=9", enc); /* past the end */
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "comments"), "120");
    reply_free(&r);
    /* the two newest handled at now (10:00 on the 20th): after 121 and 122 hours */
    for (int i = 119; i <= 120; i++) {
        char q[80];
        snprintf(q, sizeof q, "SELECT md5('mt-1' || %d)::uuid", i);
        char *id = sql1(&w, q);
        snprintf(path, sizeof path, "/comments/%s/%s", enc, id);
        snprintf(body, sizeof body, "csrf=%s&action=handle&note=ok&month=2026-11", csrf);
        r = http(&w, "POST", path, cookie, body);
        CHECK_INT(r.status, 303);
        CHECK_CONTAINS(header(&r, "Location"), "month=2026-11");
        reply_free(&r);
        free(id);
    }
    snprintf(path, sizeof path, "/comments/%s?state=all", enc);
    r = get(&w, path, cookie);
    CHECK_STR(fig(r.body, "comments"), "120");
    CHECK_STR(fig(r.body, "comments/open"), "118");
    CHECK_STR(fig(r.body, "comments/handled"), "2");
    CHECK_STR(fig(r.body, "comments/median_hours"), "121.50");
    snprintf(key, sizeof key, "comment/%s/state", newest);
    CHECK(fig(r.body, key) == NULL); /* open ones first: the handled newest on page 3 */
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s?state=all&page=3", enc);
    r = get(&w, path, cookie);
    CHECK_STR(fig(r.body, key), "handled");
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s?month=2026-10", enc);
    r = get(&w, path, cookie); /* another month: none */
    CHECK_STR(fig(r.body, "comments"), "0");
    CHECK_STR(fig(r.body, "comments/open"), "0");
    reply_free(&r);
    static const char *const bad[] = {"?page=0", "?page=x", "?page=-1", "?page=1x", "?month=13"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "/comments/%s%s", enc, bad[i]);
        r = get(&w, path, cookie);
        CHECK_INT(r.status, 400);
        reply_free(&r);
    }
    free(newest);
    /* the inbox reads a unit-month through answers' index (unit, finished_at) */
    char *plan = sql1(&w, "SET enable_seqscan = off;"
                          "CREATE FUNCTION pg_temp.plan() RETURNS text LANGUAGE plpgsql AS $$ "
                          "DECLARE l text; o text := ''; BEGIN FOR l IN EXECUTE 'EXPLAIN SELECT "
                          "* FROM hailong.web_comment_set(''u'', ''2026-11-01T00:00+07'', "
                          "''2026-12-01T00:00+07'', ''2026-11-20T10:00+07'', true)' LOOP "
                          "o := o || l || chr(10); END LOOP; RETURN o; END $$;"
                          "SELECT pg_temp.plan()");
    CHECK(plan && strstr(plan, "Index") && strstr(plan, "answers_"));
    CHECK(plan && !strstr(plan, "Seq Scan on answers"));
    if (plan && (!strstr(plan, "answers_") || getenv("HL_WEB_PLAN"))) printf("%s\n", plan);
    free(plan);
    web_stop(&w);
}

static void test_printed_pages_are_black_on_white_without_navigation_and_keep_bar_values(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200], want[300];
    login(&w, "prov", PASSWORD, cookie);
    urlenc(UNIT_A, enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    const char *print = strstr(r.body, "@media print{");
    CHECK(print != NULL);
    if (print) {
        char rules[1024];
        snprintf(rules, sizeof rules, "%.*s", (int)strcspn(print, "<"), print);
        CHECK_CONTAINS(rules, "#nav,form,button,input,.noprint{display:none}");
        CHECK_CONTAINS(rules, "color:#000;background:#fff");
        CHECK_CONTAINS(rules, ".bad,.ok,.muted,.note{color:#000}");
        CHECK_CONTAINS(rules, "rect.bar{fill:#fff;stroke:#000");
    }
    /* each bar carries its value beside it as text (very satisfied: 9) */
    CHECK_CONTAINS(r.body, "<rect class=\"bar\"");
    const char *bar = strstr(r.body, ">Rất hài lòng</text><rect class=\"bar\"");
    CHECK(bar != NULL);
    if (bar) CHECK(!strncmp(strstr(bar, "/>") + 2, "<text", 5));
    if (bar) CHECK_CONTAINS(strstr(bar, "/>"), ">9</text>");
    /* the month's report links, the unit %-encoded */
    snprintf(want, sizeof want, "href=\"/reports/%s/2026-11.pdf\"", enc);
    CHECK_CONTAINS(r.body, want);
    snprintf(want, sizeof want, "href=\"/reports/%s/2026-11.xlsx\"", enc);
    CHECK_CONTAINS(r.body, want);
    reply_free(&r);
    /* the inbox: the follow-up column (forms) is not printed */
    snprintf(path, sizeof path, "/comments/%s", enc);
    r = get(&w, path, cookie);
    CHECK_CONTAINS(r.body, "<td class=\"noprint\"><form");
    reply_free(&r);
    web_stop(&w);
}

static void test_pages_served_side_by_side_share_the_parsed_survey(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "prov", PASSWORD, cookie);
    urlenc(UNIT_A, enc, sizeof enc);
    enum { KIDS = 6, EACH = 4 };
    pid_t kid[KIDS];
    for (int k = 0; k < KIDS; k++) {
        kid[k] = fork();
        if (kid[k] == 0) { /* each its own requests; exit status: the pages that lacked labels */
            int bad = 0;
            for (int i = 0; i < EACH; i++) {
                bool en = (k + i) % 2;
                snprintf(path, sizeof path, "/unit/%s?month=2026-11%s", enc, en ? "&lang=en" : "");
                reply_t r = http(&w, "GET", path, cookie, NULL);
                if (r.status != 200 ||
                    !strstr(r.body, en ? "<h3>Satisfied?</h3>" : "<h3>Hài lòng?</h3>"))
                    bad++;
                reply_free(&r);
            }
            _exit(bad);
        }
    }
    for (int k = 0; k < KIDS; k++) {
        int st = -1;
        CHECK(kid[k] > 0 && waitpid(kid[k], &st, 0) == kid[k]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    web_stop(&w); /* under ASan: no leak, no use after free in the server */
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_every_answer_of_a_question_is_shown_once_5_answered_it),
    HL_TEST(test_questions_answers_and_officers_show_their_own_words),
    HL_TEST(test_the_login_form_needs_its_double_submit_token),
    HL_TEST(test_units_with_slashes_and_vietnamese_letters_route_by_encoded_segment),
    HL_TEST(test_the_inbox_pages_50_a_month_open_first_with_counts_and_median),
    HL_TEST(test_printed_pages_are_black_on_white_without_navigation_and_keep_bar_values),
    HL_TEST(test_pages_served_side_by_side_share_the_parsed_survey),
};

int main(int argc, char **argv)
{
    atexit(cleanup);
    return hl_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
