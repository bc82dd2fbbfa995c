/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_web.c: the dashboard of hailong-server (serve --web-listen) without
 * a browser: routes, languages, escaping, accounts and sessions, CSRF,
 * roles, the min-5 rule on the pages, the comments inbox and its log, the
 * database down. The province it serves and the helpers:
 * tests/support/hl_web_fixture.h; the pages' labels, distributions,
 * paging, printing and encoded units: test_web_pages.c.
 */
#include "hl_web_fixture.h"

/* ---- Tests ----------------------------------------------------------------------------- */

static void test_pages_are_vietnamese_by_default_and_english_on_request(void)
{
    web_t w;
    web_start(&w);
    reply_t r = get(&w, "/login", NULL);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "<html lang=\"vi\">");
    CHECK_CONTAINS(r.body, "Đăng nhập");
    CHECK_CONTAINS(header(&r, "Content-Type"), "text/html; charset=utf-8");
    CHECK(!strstr(r.body, "<script"));
    reply_free(&r);
    r = get(&w, "/login?lang=en", NULL);
    CHECK_CONTAINS(r.body, "<html lang=\"en\">");
    CHECK_CONTAINS(r.body, "Log in");
    CHECK_CONTAINS(r.head, "Set-Cookie: hl_lang=en");
    reply_free(&r);
    r = get(&w, "/login", "hl_lang=en"); /* the cookie keeps it */
    CHECK_CONTAINS(r.body, "<html lang=\"en\">");
    reply_free(&r);
    web_stop(&w);
}

static void test_pages_need_a_session(void)
{
    web_t w;
    web_start(&w);
    reply_t r = get(&w, "/", NULL);
    CHECK_INT(r.status, 303);
    CHECK_STR(header(&r, "Location"), "/login");
    reply_free(&r);
    r = get(&w, "/unit/x",
            "hl_session=0000000000000000000000000000000000000000000000000000000000000000");
    CHECK_INT(r.status, 303);
    reply_free(&r);
    r = http(&w, "POST", "/logout", NULL, "csrf=x");
    CHECK_INT(r.status, 403);
    CHECK_CONTAINS(r.body, "Không có quyền");
    reply_free(&r);
    web_stop(&w);
}

static void test_login_sets_a_strict_cookie_and_logout_ends_the_session(void)
{
    web_t w;
    web_start(&w);
    char body[128];
    snprintf(body, sizeof body, "login=prov&password=%s", PASSWORD);
    reply_t r = login_post(&w, body);
    CHECK_INT(r.status, 303);
    const char *c = header(&r, "Set-Cookie");
    CHECK_CONTAINS(c, "HttpOnly");
    CHECK_CONTAINS(c, "SameSite=Strict");
    CHECK(!strstr(c, "Secure")); /* plain HTTP on the loopback */
    char cookie[128];
    snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(c, ";"), c);
    CHECK_INT(strlen(cookie), 11 + 64);
    reply_free(&r);
    /* the database keeps the token's SHA-256, never the token */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hailong.web_sessions WHERE token_hash = sha256('%s')",
             cookie + 11);
    char *n = sql1(&w, sql);
    CHECK_STR(n, "1");
    free(n);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hailong.web_sessions WHERE encode(token_hash, 'hex') = '%s'",
             cookie + 11);
    n = sql1(&w, sql);
    CHECK_STR(n, "0");
    free(n);
    r = get(&w, "/", cookie);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "Nguyễn Văn Tỉnh");
    char csrf[80];
    snprintf(csrf, sizeof csrf, "%s", csrf_of(r.body));
    CHECK_INT(strlen(csrf), 64);
    reply_free(&r);
    r = http(&w, "POST", "/logout", cookie, "csrf=0000");
    CHECK_INT(r.status, 403);
    reply_free(&r);
    snprintf(body, sizeof body, "csrf=%s", csrf);
    r = http(&w, "POST", "/logout", cookie, body);
    CHECK_INT(r.status, 303);
    CHECK_CONTAINS(header(&r, "Set-Cookie"), "Max-Age=0");
    reply_free(&r);
    r = get(&w, "/", cookie);
    CHECK_INT(r.status, 303);
    reply_free(&r);
    n = sql1(&w, "SELECT string_agg(what, ',' ORDER BY id) FROM hailong.web_log "
                 "WHERE what IN ('login', 'logout')");
    CHECK_STR(n, "login,logout");
    free(n);
    web_stop(&w);
}

static void test_sessions_end_after_30_idle_minutes_or_12_hours(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], sql[512];
    login(&w, "prov", PASSWORD, cookie); /* at the fixed now, 10:00 */
    CHECK(cookie[0]);
    static const struct {
        const char *at;
        const char *live;
    } steps[] = {
        {"2026-11-20T10:29:00+07", "1"}, /* idle 29 min: live, and seen again */
        {"2026-11-20T10:58:00+07", "1"}, /* idle 29 min since */
        {"2026-11-20T11:29:00+07", "0"}, /* idle 31 min: gone */
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM hailong.web_session(sha256('%s'), '%s')",
                 cookie + 11, steps[i].at);
        char *n = sql1(&w, sql);
        CHECK_STR(n, steps[i].live);
        free(n);
    }
    login(&w, "prov", PASSWORD, cookie);
    snprintf(sql, sizeof sql,
             "UPDATE hailong.web_sessions SET seen_at = '2026-11-20T21:50:00+07' WHERE "
             "token_hash = sha256('%s')",
             cookie + 11);
    free(sql1(&w, sql));
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hailong.web_session(sha256('%s'), '2026-11-20T22:01:00+07')",
             cookie + 11);
    char *n = sql1(&w, sql); /* 12 h 1 min after the login: gone, though not idle */
    CHECK_STR(n, "0");
    free(n);
    web_stop(&w);
}

static void test_over_tls_the_session_cookie_is_secure(void)
{
    char *certs = hl_test_tmpdir("webtls");
    const char *mk[] = {"/bin/bash", HL_SOURCE_DIR "/tests/support/sync_certs.sh", certs, NULL};
    CHECK_INT(hl_test_run_watchdog(mk, NULL, NULL, NULL, 300), 0);
    char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
    snprintf(cert, sizeof cert, "%s/server.pem", certs);
    snprintf(key, sizeof key, "%s/server.key", certs);
    snprintf(ca, sizeof ca, "%s/ca.pem", certs);
    web_t w;
    web_start_tls(&w, cert, key);
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/login", w.port);
    const char *curl[] = {"/usr/bin/curl",
                          "-sS",
                          "--cacert",
                          ca,
                          "-D",
                          "-",
                          "-o",
                          "/dev/null",
                          "-b",
                          "hl_login=" TOKEN64,
                          "--data",
                          "login=prov&password=" PASSWORD "&login_csrf=" TOKEN64,
                          url,
                          NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT(hl_test_run_watchdog(curl, NULL, &out, &err, 300), 0);
    CHECK_CONTAINS(out, "HTTP/1.1 303");
    CHECK_CONTAINS(out, "; HttpOnly; SameSite=Strict; Secure");
    if (!out || !strstr(out, "Secure")) printf("curl: %s\n", err ? err : "");
    free(out);
    free(err);
    web_stop(&w);
    hl_test_rmtree(certs);
    free(certs);
}

static void test_wrong_passwords_are_refused_logged_and_lock_the_account(void)
{
    web_t w;
    web_start(&w);
    char cookie[128];
    login(&w, "nobody", PASSWORD, cookie); /* an unknown login: the same answer */
    CHECK_STR(cookie, "");
    for (int i = 0; i < 5; i++) {
        reply_t r = login_post(&w, "login=hr&password=wrong-password");
        CHECK_INT(r.status, 401);
        CHECK_CONTAINS(r.body, "Sai tên đăng nhập hoặc mật khẩu");
        reply_free(&r);
    }
    char body[128];
    snprintf(body, sizeof body, "login=hr&password=%s", PASSWORD);
    reply_t r = login_post(&w, body); /* locked: even the right one */
    CHECK_INT(r.status, 401);
    CHECK_CONTAINS(r.body, "tạm khóa");
    reply_free(&r);
    char *n = sql1(&w, "SELECT count(*) FROM hailong.web_log WHERE what = 'login failed'");
    CHECK_STR(n, "7");
    free(n);
    n = sql1(&w, "SELECT count(*) FROM hailong.web_sessions");
    CHECK_STR(n, "0");
    free(n);
    login(&w, "qt", PASSWORD, cookie); /* others are not locked */
    CHECK(cookie[0]);
    web_stop(&w);
}

/* The message of a refused login's page ("" when none; static). */
static const char *refusal(const reply_t *r)
{
    static char m[512];
    m[0] = '\0';
    const char *p = r->body ? strstr(r->body, "<p class=\"bad\">") : NULL;
    if (p) snprintf(m, sizeof m, "%.*s", (int)strcspn(p + 15, "<"), p + 15);
    return m;
}

/* Only an existing account can be locked: a locked one's refusal must read
 * like an unknown login's, or five wrong passwords tell who has an account. */
static void test_a_locked_account_is_refused_like_an_unknown_login(void)
{
    web_t w;
    web_start(&w);
    for (int i = 0; i < 5; i++) {
        reply_t r = login_post(&w, "login=hr&password=wrong-password");
        CHECK_INT(r.status, 401);
        reply_free(&r);
    }
    char body[128];
    snprintf(body, sizeof body, "login=hr&password=%s", PASSWORD);
    reply_t locked = login_post(&w, body);
    reply_t unknown = login_post(&w, "login=nobody&password=wrong-password");
    CHECK_INT(locked.status, 401);
    CHECK_INT(unknown.status, 401);
    char a[512];
    snprintf(a, sizeof a, "%s", refusal(&locked));
    CHECK(a[0]);
    CHECK_STR(refusal(&unknown), a);
    CHECK_CONTAINS(a, "tạm khóa"); /* and it says that a lock may be why */
    reply_free(&locked);
    reply_free(&unknown);
    char *n = sql1(&w, "SELECT locked_until IS NOT NULL FROM hailong.staff WHERE login = 'hr'");
    CHECK_STR(n, "t"); /* the lock itself still holds */
    free(n);
    web_stop(&w);
}

/* When a lock has run out, counting starts again: one more wrong password
 * (a slip, or one request every 15 minutes from whoever wants the account
 * shut) does not lock it for another 15 minutes. */
static void test_one_wrong_password_after_a_lock_ran_out_does_not_lock_again(void)
{
    web_t w;
    web_start(&w);
    char *n = sql1(&w, "UPDATE hailong.staff SET failed = 5, locked_until = "
                       "'2026-11-20T09:59:00+07:00' WHERE login = 'hr' RETURNING login");
    CHECK_STR(n, "hr");
    free(n);
    reply_t r = login_post(&w, "login=hr&password=wrong-password");
    CHECK_INT(r.status, 401);
    CHECK_CONTAINS(r.body, "Sai tên đăng nhập hoặc mật khẩu");
    reply_free(&r);
    char cookie[128];
    login(&w, "hr", PASSWORD, cookie);
    CHECK(cookie[0]);
    n = sql1(&w, "SELECT failed FROM hailong.staff WHERE login = 'hr'");
    CHECK_STR(n, "0");
    free(n);
    web_stop(&w);
}

static void test_overview_hides_small_units_and_what_differencing_would_tell(void)
{
    web_t w;
    web_start(&w);
    char cookie[128];
    login(&w, "prov", PASSWORD, cookie);
    reply_t r = get(&w, "/?month=2026-11", cookie);
    CHECK_INT(r.status, 200);
    /* 17 + 3 + 9; October's response and the one after "now" are not counted */
    CHECK_STR(fig(r.body, "responses"), "29");
    CHECK_STR(fig(r.body, "unit/" UNIT_A "/responses"), "17");
    CHECK_STR(fig(r.body, "unit/" UNIT_A "/index"), "76.4706");
    CHECK_STR(fig(r.body, "unit/" UNIT_A "/partial_share"), "5.8824");
    CHECK_STR(fig(r.body, "unit/" UNIT_A "/suspect_share"), "5.8824");
    CHECK_STR(fig(r.body, "unit/" UNIT_B "/responses"), "hidden");
    CHECK_STR(fig(r.body, "unit/" UNIT_C_H "/responses"), "hidden"); /* against differencing */
    CHECK_STR(fig(r.body, "unit/" UNIT_C_H "/index"), "hidden");
    CHECK_CONTAINS(r.body, "title=\"dưới 5 lượt đánh giá\">—</span>");
    CHECK_CONTAINS(r.body, "76,5"); /* Vietnamese decimal mark */
    /* the same figure from SQL */
    char *idx = sql1(&w, "SELECT round(100.0 * count(*) FILTER (WHERE a.value IN "
                         "('very_satisfied', 'satisfied')) / count(*), 4) FROM hailong.responses "
                         "r JOIN hailong.answers a USING (response_id) WHERE a.question_id = "
                         "'overall' AND r.unit = '" UNIT_A "' AND r.finished_at >= "
                         "'2026-11-01T00:00:00+07' AND r.finished_at <= '" NOW "'");
    CHECK_STR(idx, "76.4706");
    free(idx);
    /* weeks of November clipped to the month: the first starts on the 1st (a Sunday) */
    CHECK_STR(fig(r.body, "week/2026-11-01/responses"), "hidden"); /* Quảng Tâm's 3 */
    CHECK_STR(fig(r.body, "week/2026-11-02/responses"), "16");     /* 2..8 Nov: 7 + 9 */
    CHECK(fig(r.body, "week/2026-10-26/responses") == NULL);
    reply_free(&r);
    r = get(&w, "/?month=2026-11&lang=en", cookie);
    CHECK_CONTAINS(r.body, "76.5");
    CHECK_CONTAINS(r.body, "title=\"fewer than 5 responses\"");
    reply_free(&r);
    r = get(&w, "/?month=2026-10", cookie); /* one response: all hidden */
    CHECK_STR(fig(r.body, "responses"), "hidden");
    reply_free(&r);
    r = get(&w, "/", cookie); /* the month of "now" by default */
    CHECK_CONTAINS(r.body, "2026-11");
    reply_free(&r);
    web_stop(&w);
}

static void test_unit_page_hides_small_officers_and_their_complement(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "prov", PASSWORD, cookie);
    urlenc(UNIT_A, enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "responses"), "17");
    CHECK_STR(fig(r.body, "officer/cb-lan/responses"), "8");
    CHECK_STR(fig(r.body, "officer/cb-minh/responses"), "hidden"); /* 17 - 8 - 6 = 3 */
    CHECK_STR(fig(r.body, "officer/cb-hung/responses"), "hidden");
    CHECK_STR(fig(r.body, "officer/cb-hung/index"), "hidden");
    CHECK_STR(fig(r.body, "counter/Quầy 1/responses"), "10");
    CHECK_STR(fig(r.body, "counter/Quầy 2/responses"), "7");
    CHECK_CONTAINS(r.body, "<svg");
    CHECK_CONTAINS(r.body, "/reports/");
    CHECK_CONTAINS(r.body, ".pdf");
    reply_free(&r);
    web_stop(&w);
}

static void test_unit_staff_see_only_their_unit(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "hr", PASSWORD, cookie);
    CHECK(cookie[0]);
    urlenc(UNIT_B, enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 403);
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s", enc);
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 403);
    reply_free(&r);
    /* nor mark another unit's comments, even with the session's own token */
    r = get(&w, "/fleet", cookie);
    char body[200], *other = sql1(&w, "SELECT md5('b1')::uuid");
    snprintf(body, sizeof body, "csrf=%s&action=handle&note=x", csrf_of(r.body));
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s/%s", enc, other);
    r = http(&w, "POST", path, cookie, body);
    CHECK_INT(r.status, 403);
    reply_free(&r);
    free(other);
    char *n = sql1(&w, "SELECT count(*) FROM hailong.followups");
    CHECK_STR(n, "0");
    free(n);
    r = get(&w, "/?month=2026-11", cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "responses"), "17");
    CHECK(fig(r.body, "unit/" UNIT_B "/responses") == NULL);
    reply_free(&r);
    r = get(&w, "/fleet", cookie);
    CHECK_CONTAINS(r.body, "hr-1");
    CHECK(!strstr(r.body, "qt-1"));
    reply_free(&r);
    r = get(&w, "/alerts", cookie);
    CHECK_STR(fig(r.body, "alerts"), "1");
    reply_free(&r);
    /* the database says the same: the web role's scope */
    n = sql1(&w, "SELECT count(*) FROM hailong.web_sessions w JOIN hailong.staff s USING "
                 "(login) WHERE hailong.web_scope(w.token_hash, '" NOW "') = '" UNIT_A "'");
    CHECK_STR(n, "1");
    free(n);
    web_stop(&w);
}

static void test_text_from_the_database_is_escaped(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "prov", PASSWORD, cookie);
    urlenc(UNIT_C, enc, sizeof enc);
    snprintf(path, sizeof path, "/unit/%s?month=2026-11", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, UNIT_C_H);
    CHECK(!strstr(r.body, "<b onmouseover"));
    CHECK_STR(fig(r.body, "responses"), "9");
    reply_free(&r);
    r = get(&w, "/?month=2026-11", cookie);
    CHECK(!strstr(r.body, "<b onmouseover"));
    reply_free(&r);
    urlenc(UNIT_A, enc, sizeof enc);
    snprintf(path, sizeof path, "/comments/%s?state=all", enc);
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_CONTAINS(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK(!strstr(r.body, "<script"));
    CHECK_CONTAINS(r.body, "Chờ lâu quá");
    CHECK(!strstr(r.body, "0912345678")); /* contact: for the unit's own staff only */
    reply_free(&r);
    login(&w, "hr", PASSWORD, cookie);
    r = get(&w, path, cookie);
    CHECK_CONTAINS(r.body, "0912345678");
    reply_free(&r);
    web_stop(&w);
}

static void test_marking_a_comment_handled_is_shown_and_logged(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200], body[512];
    login(&w, "hr", PASSWORD, cookie);
    urlenc(UNIT_A, enc, sizeof enc);
    snprintf(path, sizeof path, "/comments/%s", enc);
    reply_t r = get(&w, path, cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "comments"), "3");
    char csrf[80];
    snprintf(csrf, sizeof csrf, "%s", csrf_of(r.body));
    reply_free(&r);
    char *id = sql1(&w, "SELECT md5('r2')::uuid");
    snprintf(path, sizeof path, "/comments/%s/%s", enc, id);
    /* a wrong CSRF token changes nothing */
    r = http(&w, "POST", path, cookie, "csrf=00&action=handle&note=x");
    CHECK_INT(r.status, 403);
    reply_free(&r);
    char *n = sql1(&w, "SELECT count(*) FROM hailong.followups");
    CHECK_STR(n, "0");
    free(n);
    snprintf(body, sizeof body, "csrf=%s&action=handle&note=%s", csrf,
             "%C4%91%C3%A3+g%E1%BB%8Di+l%E1%BA%A1i"); /* "đã gọi lại" */
    r = http(&w, "POST", path, cookie, body);
    CHECK_INT(r.status, 303);
    CHECK_CONTAINS(header(&r, "Location"), "/comments/");
    reply_free(&r);
    n = sql1(&w, "SELECT state || ',' || handled_by || ',' || note || ',' || (handled_at = '" NOW
                 "') FROM hailong.followups");
    CHECK_STR(n, "handled,hr,đã gọi lại,true");
    free(n);
    n = sql1(&w, "SELECT who || ',' || what || ',' || target FROM hailong.web_log WHERE what "
                 "LIKE 'comment%'");
    char want[200];
    snprintf(want, sizeof want, "hr,comment handled,%s", id);
    CHECK_STR(n, want);
    free(n);
    snprintf(path, sizeof path, "/comments/%s?state=handled", enc);
    r = get(&w, path, cookie);
    CHECK_STR(fig(r.body, "comments"), "1");
    char key[128];
    snprintf(key, sizeof key, "comment/%s/state", id);
    CHECK_STR(fig(r.body, key), "handled");
    snprintf(key, sizeof key, "comment/%s/hours", id);
    /* finished 2026-11-03 10:00 +07, handled 2026-11-20 10:00 +07: 17 days */
    CHECK_STR(fig(r.body, key), "408.00");
    CHECK_CONTAINS(r.body, "17,0 ngày");
    CHECK_CONTAINS(r.body, "đã gọi lại");
    reply_free(&r);
    /* reopened */
    snprintf(path, sizeof path, "/comments/%s/%s", enc, id);
    snprintf(body, sizeof body, "csrf=%s&action=reopen", csrf);
    r = http(&w, "POST", path, cookie, body);
    CHECK_INT(r.status, 303);
    reply_free(&r);
    n = sql1(&w, "SELECT state FROM hailong.followups");
    CHECK_STR(n, "open");
    free(n);
    n = sql1(&w, "SELECT count(*) FROM hailong.web_log WHERE what = 'comment reopened'");
    CHECK_STR(n, "1");
    free(n);
    /* a response of another unit, through this unit's address: unknown */
    char *other = sql1(&w, "SELECT md5('b1')::uuid");
    snprintf(path, sizeof path, "/comments/%s/%s", enc, other);
    snprintf(body, sizeof body, "csrf=%s&action=handle&note=x", csrf);
    r = http(&w, "POST", path, cookie, body);
    CHECK_INT(r.status, 404);
    reply_free(&r);
    free(other);
    free(id);
    web_stop(&w);
}

static void test_bad_parameters_are_refused_in_the_chosen_language(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], path[256], enc[200];
    login(&w, "prov", PASSWORD, cookie);
    reply_t r = get(&w, "/?month=2026-13", cookie);
    CHECK_INT(r.status, 400);
    CHECK_CONTAINS(r.body, "Yêu cầu không hợp lệ");
    reply_free(&r);
    r = get(&w, "/?month=2026-1'", cookie);
    CHECK_INT(r.status, 400);
    reply_free(&r);
    r = get(&w, "/unit/", cookie);
    CHECK_INT(r.status, 400);
    reply_free(&r);
    r = get(&w, "/nowhere?lang=en", cookie);
    CHECK_INT(r.status, 404);
    CHECK_CONTAINS(r.body, "Not found");
    reply_free(&r);
    r = get(&w, "/nowhere", cookie);
    CHECK_CONTAINS(r.body, "Không tìm thấy");
    reply_free(&r);
    urlenc(UNIT_A, enc, sizeof enc);
    snprintf(path, sizeof path, "/comments/%s?state=maybe", enc);
    r = get(&w, path, cookie);
    CHECK_INT(r.status, 400);
    reply_free(&r);
    snprintf(path, sizeof path, "/comments/%s/not-a-uuid", enc);
    r = http(&w, "POST", path, cookie, "csrf=x&action=handle");
    CHECK_INT(r.status, 400);
    reply_free(&r);
    char *big = malloc(10001);
    memset(big, 'a', 10000);
    memcpy(big, "csrf=", 5);
    big[10000] = '\0';
    r = http(&w, "POST", "/logout", cookie, big);
    CHECK_INT(r.status, 413);
    reply_free(&r);
    free(big);
    r = http(&w, "DELETE", "/", cookie, NULL);
    CHECK_INT(r.status, 405);
    reply_free(&r);
    web_stop(&w);
}

static void test_fleet_and_alerts_pages_use_the_fixed_now(void)
{
    web_t w;
    web_start(&w);
    char cookie[128];
    login(&w, "prov", PASSWORD, cookie);
    reply_t r = get(&w, "/fleet", cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "kiosk/hr-1/silent"), "0"); /* seen 30 s before the fixed now */
    CHECK_STR(fig(r.body, "kiosk/qt-1/silent"), "1");
    CHECK_STR(fig(r.body, "kiosk/to-1/silent"), "1");
    CHECK_STR(fig(r.body, "kiosk/hr-1/pending"), "7");
    CHECK_STR(fig(r.body, "kiosk/hr-1/disk_free"), "1024");
    CHECK_STR(fig(r.body, "kiosk/qt-1/clock_skew"), "42");
    CHECK_STR(fig(r.body, "kiosk/hr-1/open_alerts"), "1");
    CHECK_CONTAINS(r.body, "đồng hồ chưa tin cậy");
    reply_free(&r);
    r = get(&w, "/alerts", cookie);
    CHECK_INT(r.status, 200);
    CHECK_STR(fig(r.body, "alerts"), "2"); /* the one recorded after now is not shown */
    const char *burst = strstr(r.body, "Nhiều đánh giá chưa hài lòng");
    const char *trunc = strstr(r.body, "bị cắt bớt");
    CHECK(burst && trunc && burst < trunc); /* newest first */
    reply_free(&r);
    web_stop(&w);
}

static void test_fonts_are_served_with_the_pages(void)
{
    web_t w;
    web_start(&w);
    reply_t r = get(&w, "/fonts/NotoSans-Regular.ttf", NULL);
    CHECK_INT(r.status, 200);
    CHECK_STR(header(&r, "Content-Type"), "font/ttf");
    struct stat st;
    CHECK(stat(HL_SOURCE_DIR "/fonts/NotoSans-Regular.ttf", &st) == 0);
    CHECK_INT(atoll(header(&r, "Content-Length")), st.st_size);
    reply_free(&r);
    r = get(&w, "/fonts/../secret", NULL);
    CHECK_INT(r.status, 404);
    reply_free(&r);
    r = get(&w, "/login", NULL);
    CHECK_CONTAINS(r.body, "@font-face");
    CHECK_CONTAINS(r.body, "@media print");
    reply_free(&r);
    web_stop(&w);
}

static void test_the_web_role_reads_no_hash_and_writes_no_table(void)
{
    web_t w;
    web_start(&w);
    char as_web[PATH_MAX + 300];
    snprintf(as_web, sizeof as_web, "%s user=hailong-webtest", w.db);
    char *v = hl_pg_query(as_web, "SELECT hash FROM hailong.staff");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(as_web, "SELECT count(*) FROM hailong.web_sessions");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(as_web, "INSERT INTO hailong.followups VALUES (gen_random_uuid(), 'x', "
                            "'handled', NULL, NULL, NULL)");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(as_web, "SELECT count(*) FROM hailong.responses"); /* dash_* only */
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(as_web, "SELECT count(*) FROM hailong.web_comments('\\x00', now(), '" UNIT_A
                            "', 'all', '2026-11-01', 10, 0)"); /* no session: refused */
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(as_web, "SELECT open FROM hailong.web_comment_counts('\\x00', now(), '" UNIT_A
                            "', '2026-11-01')");
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(as_web, "SELECT count(*) FROM hailong.web_comment_set('" UNIT_A "', "
                            "'-infinity', 'infinity', 'infinity', true)"); /* not granted */
    CHECK(v == NULL);
    free(v);
    v = hl_pg_query(as_web, "SELECT iterations FROM hailong.web_login_salt('nobody')");
    CHECK_STR(v, "100000");
    free(v);
    /* an unknown login's fake salt is always the same */
    char *a = hl_pg_query(as_web, "SELECT salt FROM hailong.web_login_salt('nobody')");
    char *b = hl_pg_query(as_web, "SELECT salt FROM hailong.web_login_salt('nobody')");
    CHECK(a && b && !strcmp(a, b));
    free(a);
    free(b);
    web_stop(&w);
}

static void test_staff_commands_list_disable_and_check_passwords(void)
{
    web_t w;
    web_start(&w);
    char cookie[128];
    login(&w, "qt", PASSWORD, cookie);
    CHECK(cookie[0]);
    char *out = NULL, *err = NULL;
    CHECK_INT(server_cmd(w.db, (const char *[]){"staff", "list", NULL}, NULL, &out, NULL), 0);
    CHECK_CONTAINS(out, "qt\tunit\t" UNIT_B "\tactive");
    CHECK_CONTAINS(out, "prov\tprovince\t-\tactive");
    free(out);
    CHECK_INT(server_cmd(w.db, (const char *[]){"staff", "disable", "qt", NULL}, NULL, NULL, NULL),
              0);
    reply_t r = get(&w, "/", cookie); /* its session ended */
    CHECK_INT(r.status, 303);
    reply_free(&r);
    login(&w, "qt", PASSWORD, cookie);
    CHECK_STR(cookie, "");
    CHECK_INT(
        server_cmd(w.db, (const char *[]){"staff", "passwd", "qt", NULL}, "short", NULL, &err), 2);
    CHECK_CONTAINS(err, "at least 8");
    free(err);
    err = NULL;
    CHECK_INT(server_cmd(w.db, (const char *[]){"staff", "passwd", "qt", NULL}, "another-pass-1",
                         NULL, NULL),
              0);
    login(&w, "qt", "another-pass-1", cookie);
    CHECK(cookie[0]);
    CHECK_INT(
        server_cmd(w.db,
                   (const char *[]){"staff", "add", "x1", "--name", "X", "--role", "unit", NULL},
                   PASSWORD, NULL, &err),
        2); /* a unit account needs its unit */
    free(err);
    err = NULL;
    CHECK_INT(
        server_cmd(w.db, (const char *[]){"staff", "disable", "ghost", NULL}, NULL, NULL, &err), 1);
    CHECK_CONTAINS(err, "no account ghost");
    free(err);
    char *n = sql1(&w, "SELECT string_agg(what, ',' ORDER BY id) FROM hailong.web_log WHERE what "
                       "LIKE 'staff%' AND target = 'qt'");
    CHECK_STR(n, "staff add,staff disable,staff passwd");
    free(n);
    web_stop(&w);
}

/* A password replaced because it leaked must shut out whoever holds a
 * session opened with it, as disabling the account does. */
static void test_a_new_password_ends_the_accounts_open_sessions(void)
{
    web_t w;
    web_start(&w);
    char cookie[128], other[128];
    login(&w, "qt", PASSWORD, cookie);
    CHECK(cookie[0]);
    login(&w, "hr", PASSWORD, other);
    CHECK(other[0]);
    CHECK_INT(server_cmd(w.db, (const char *[]){"staff", "passwd", "qt", NULL}, "another-pass-1",
                         NULL, NULL),
              0);
    reply_t r = get(&w, "/", cookie); /* the old password's session: gone */
    CHECK_INT(r.status, 303);
    CHECK_STR(header(&r, "Location"), "/login");
    reply_free(&r);
    r = get(&w, "/", other); /* another account's: still open */
    CHECK_INT(r.status, 200);
    reply_free(&r);
    login(&w, "qt", "another-pass-1", cookie);
    CHECK(cookie[0]);
    web_stop(&w);
}

static void test_the_database_down_is_a_503_page_and_then_recovers(void)
{
    web_t w;
    web_start(&w);
    char cookie[128];
    login(&w, "prov", PASSWORD, cookie);
    CHECK(hl_pg_stop(&pg));
    reply_t r = get(&w, "/", cookie);
    CHECK_INT(r.status, 503);
    CHECK_CONTAINS(r.body, "Cơ sở dữ liệu tạm thời không truy cập được");
    reply_free(&r);
    r = get(&w, "/login?lang=en", NULL);
    CHECK_INT(r.status, 503);
    CHECK_CONTAINS(r.body, "The database is unavailable");
    reply_free(&r);
    CHECK(hl_pg_start_again(&pg));
    r = get(&w, "/", cookie); /* the session is still there */
    CHECK_INT(r.status, 200);
    reply_free(&r);
    web_stop(&w);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_pages_are_vietnamese_by_default_and_english_on_request),
    HL_TEST(test_pages_need_a_session),
    HL_TEST(test_login_sets_a_strict_cookie_and_logout_ends_the_session),
    HL_TEST(test_sessions_end_after_30_idle_minutes_or_12_hours),
    HL_TEST(test_over_tls_the_session_cookie_is_secure),
    HL_TEST(test_wrong_passwords_are_refused_logged_and_lock_the_account),
    HL_TEST(test_a_locked_account_is_refused_like_an_unknown_login),
    HL_TEST(test_one_wrong_password_after_a_lock_ran_out_does_not_lock_again),
    HL_TEST(test_overview_hides_small_units_and_what_differencing_would_tell),
    HL_TEST(test_unit_page_hides_small_officers_and_their_complement),
    HL_TEST(test_unit_staff_see_only_their_unit),
    HL_TEST(test_text_from_the_database_is_escaped),
    HL_TEST(test_marking_a_comment_handled_is_shown_and_logged),
    HL_TEST(test_bad_parameters_are_refused_in_the_chosen_language),
    HL_TEST(test_fleet_and_alerts_pages_use_the_fixed_now),
    HL_TEST(test_fonts_are_served_with_the_pages),
    HL_TEST(test_the_web_role_reads_no_hash_and_writes_no_table),
    HL_TEST(test_staff_commands_list_disable_and_check_passwords),
    HL_TEST(test_a_new_password_ends_the_accounts_open_sessions),
    HL_TEST(test_the_database_down_is_a_503_page_and_then_recovers),
};

int main(int argc, char **argv)
{
    atexit(cleanup);
    return hl_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
