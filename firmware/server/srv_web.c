/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web.c: the dashboard's daemon (serve --web-listen): a second
 * libmicrohttpd daemon beside the kiosks', with its own pool of database
 * connections as a login role granted hailong_web (--web-db), which may
 * only read what the pages show and call the hailong.web_* functions.
 *
 * Routes (GET unless said; every page in Vietnamese, ?lang=en or ?lang=vi
 * switches and a cookie keeps it):
 *   /login (GET, POST login+password+login_csrf), POST /logout (csrf)
 *   /                  the province overview (?month=YYYY-MM)
 *   /unit/<unit>       a unit (?month=YYYY-MM)
 *   /fleet, /alerts    the kiosks, the alerts
 *   /comments/<unit>   its comments inbox (?state=open|handled|all,
 *                      ?month=YYYY-MM, ?page=N: 50 a page);
 *                      POST /comments/<unit>/<response_id> (csrf, action
 *                      handle|reopen, note)
 *   /fonts/NotoSans-Regular.ttf, /fonts/NotoSans-Bold.ttf
 *   /reports/<unit>/<YYYY-MM>.pdf|.xlsx  its monthly report (srv_web_report.c)
 * A unit's name in a path is one segment, %-encoded (UTF-8 bytes: a name
 * may hold '/', '?', '#', '%', spaces): the router reads the path as sent
 * (libmicrohttpd's URI log callback, before its own decoding), decodes the
 * segment and checks it (srv_web_valid_unit: valid UTF-8, no control
 * character, 1..120 bytes).
 * Sessions: a random 32-byte token in the cookie hl_session (HttpOnly,
 * SameSite=Strict, Secure over TLS); the database keeps its SHA-256 only.
 * Every POST but the login carries the session's CSRF token, compared in
 * constant time here and again in the database. The login form has its
 * own (double submit): GET /login sets a random pre-session cookie
 * hl_login (HttpOnly, SameSite=Strict) and writes the same value in a
 * hidden field login_csrf; a POST /login whose field and cookie are not
 * the same 64 hex digits (constant-time comparison) is refused with a 400
 * page before any password is looked at. "now" is the clock, or
 * --clock-fixed for demonstrations and screenshots; every query takes it
 * as a parameter. The database down: a 503 page, and the next request
 * tries again.
 */
#define _GNU_SOURCE /* strptime */
#include "hl_sys.h"
#include "srv_web_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define WEB_FONTS 2

static const char *const font_names[WEB_FONTS] = {"NotoSans-Regular.ttf", "NotoSans-Bold.ttf"};

struct srv_web {
    srv_web_opts_t o;      /* the options (strings are the caller's) */
    srv_pool_t pool;       /* connections as the web role */
    struct MHD_Daemon *d;  /* the daemon */
    bool tls;              /* served over TLS */
    char *cert, *key;      /* PEM text, kept while the daemon runs */
    char *font[WEB_FONTS]; /* the fonts' bytes, NULL when missing */
    size_t font_len[WEB_FONTS];
    srv_web_surveys_t *surveys; /* parsed surveys for the pages' labels */
};

/* One connection's request: its path as sent, its form body, bounded. */
typedef struct web_conn {
    char *raw;    /* the URL's path before decoding (up to '?'), NULL: none seen */
    bool started; /* the handler saw the request's headers */
    char *body;   /* NUL-terminated, at most SRV_WEB_POST_MAX bytes */
    size_t len;   /* bytes kept */
    bool too_big; /* more came than SRV_WEB_POST_MAX */
} web_conn_t;

static void web_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void web_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("web: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

PGresult *srv_web_query(srv_web_req_t *q, const char *sql, int n, const char *const *values)
{
    if (!q->db || q->broken) return NULL;
    PGresult *r = PQexecParams(q->db, sql, n, NULL, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    web_log("query failed: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(q->db));
    if (!r || PQstatus(q->db) == CONNECTION_BAD || (state && !strncmp(state, "08", 2)) ||
        (state && !strncmp(state, "57P", 3)))
        q->broken = true;
    PQclear(r);
    return NULL;
}

bool srv_web_valid_unit(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 120) return false;
    const unsigned char *u = (const unsigned char *)s;
    if (!hl_utf8_valid(s, n)) return false;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x20 || u[i] == 0x7F) return false;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = u[i] >= 0xF0 ? 4 : u[i] >= 0xE0 ? 3 : u[i] >= 0xC2 ? 2 : 0;
        if (!k || i + k > n) return false;
        for (size_t j = 1; j < k; j++)
            if ((u[i + j] & 0xC0) != 0x80) return false;
        i += k;
    }
    return true;
}

bool srv_web_valid_month(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-') return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)s[i])) return false;
    int y = atoi(s), m = atoi(s + 5);
    return y >= 2000 && y <= 2999 && m >= 1 && m <= 12;
}

bool srv_web_valid_uuid(const char *s)
{
    if (!s || strlen(s) != 36) return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i])) return false;
    }
    return true;
}

unsigned srv_web_error(srv_web_req_t *q, unsigned status)
{
    const char *vi, *en, *vi_msg, *en_msg;
    switch (status) {
    case 400:
        vi = "Yêu cầu không hợp lệ", en = "Bad request";
        vi_msg = "Địa chỉ hoặc tham số không đúng.";
        en_msg = "The address or one of its parameters is not valid.";
        break;
    case 403:
        vi = "Không có quyền truy cập", en = "Forbidden";
        vi_msg = "Tài khoản của bạn không được xem trang này.";
        en_msg = "Your account may not see this page.";
        break;
    case 405:
        vi = "Phương thức không được hỗ trợ", en = "Method not allowed";
        vi_msg = "Trang này chỉ hỗ trợ GET và POST.", en_msg = "This page takes GET and POST only.";
        break;
    case 413:
        vi = "Yêu cầu quá lớn", en = "Request too large";
        vi_msg = "Nội dung gửi lên quá dài.", en_msg = "What was sent is too long.";
        break;
    case 503:
        vi = "Tạm thời không phục vụ được", en = "Service unavailable";
        vi_msg = "Cơ sở dữ liệu tạm thời không truy cập được. Vui lòng thử lại sau.";
        en_msg = "The database is unavailable for now. Please try again later.";
        break;
    default:
        status = 404;
        vi = "Không tìm thấy", en = "Not found";
        vi_msg = "Không có trang này.", en_msg = "There is no such page.";
        break;
    }
    free(q->out.p);
    q->out = (srv_web_out_t){0};
    srv_web_begin(q, srv_web_tr(q, vi, en));
    srv_web_printf(&q->out, "<p class=\"error\">%s</p><p><a href=\"/\">%s</a></p>",
                   srv_web_tr(q, vi_msg, en_msg), srv_web_tr(q, "Về trang chủ", "Home"));
    srv_web_end(q);
    return status;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* "\\x" and the hex of the SHA-256 of s (a bytea parameter). */
static void sha256_param(const char *s, char out[68])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
    out[0] = '\\';
    out[1] = 'x';
    hex(md, 32, out + 2);
}

static bool random_hex(char *out, size_t bytes)
{
    unsigned char b[64];
    if (bytes > sizeof b || getrandom(b, bytes, 0) != (ssize_t)bytes) return false;
    hex(b, bytes, out);
    return true;
}

static bool is_hex(const char *s, size_t n)
{
    if (!s || strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

bool srv_web_form(const char *body, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = body; p && *p;) {
        const char *end = strchr(p, '&');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            size_t j = 0;
            for (size_t i = kl + 1; i < n; i++) {
                if (j + 1 >= cap) return false;
                char c = p[i];
                if (c == '+') {
                    c = ' ';
                } else if (c == '%' && i + 2 < n && isxdigit((unsigned char)p[i + 1]) &&
                           isxdigit((unsigned char)p[i + 2])) {
                    char h[3] = {p[i + 1], p[i + 2], 0};
                    c = (char)strtol(h, NULL, 16);
                    i += 2;
                }
                out[j++] = c;
            }
            out[j] = '\0';
            return memchr(out, '\0', j) == NULL;
        }
        if (n == kl && !strncmp(p, key, kl) && (!end || p[kl] == '&')) {
            if (cap) out[0] = '\0';
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Reads the session from the cookie (who.in when it is live). */
static void session(srv_web_req_t *q)
{
    const char *tok = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "hl_session");
    if (!is_hex(tok, 64)) return;
    sha256_param(tok, q->who.token_hash);
    const char *v[] = {q->who.token_hash, q->now};
    PGresult *r = srv_web_query(
        q, "SELECT login, name, role, unit, csrf FROM hailong.web_session($1::bytea, $2)", 2, v);
    if (r && PQntuples(r) == 1) {
        q->who.in = true;
        hl_fmt(q->who.login, sizeof q->who.login, "%s", PQgetvalue(r, 0, 0));
        hl_fmt(q->who.name, sizeof q->who.name, "%s", PQgetvalue(r, 0, 1));
        q->who.province = !strcmp(PQgetvalue(r, 0, 2), "province");
        hl_fmt(q->who.unit, sizeof q->who.unit, "%s", PQgetvalue(r, 0, 3));
        hl_fmt(q->who.csrf, sizeof q->who.csrf, "%s", PQgetvalue(r, 0, 4));
    }
    PQclear(r);
}

static bool csrf_ok(const srv_web_req_t *q, const char *body)
{
    char got[80];
    if (!q->who.in || !srv_web_form(body, "csrf", got, sizeof got) || strlen(got) != 64)
        return false;
    return CRYPTO_memcmp(got, q->who.csrf, 64) == 0;
}

/* The login form's double-submit token: the hl_login cookie's when it is
 * one (64 hex digits), else a new one and the cookie to set (in cookie). */
static bool login_token(srv_web_req_t *q, char token[65], char *cookie, size_t cap)
{
    const char *have = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "hl_login");
    if (is_hex(have, 64)) {
        hl_fmt(token, 65, "%s", have);
        return true;
    }
    if (!random_hex(token, 32)) return false;
    hl_fmt(cookie, cap, "hl_login=%s; Path=/login; HttpOnly; SameSite=Strict%s", token,
           q->tls ? "; Secure" : "");
    return true;
}

/* Whether a POST /login carries the form's token: its field login_csrf and
 * its cookie hl_login the same 64 hex digits. */
static bool login_token_ok(const srv_web_req_t *q, const char *body)
{
    char got[80];
    const char *have = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "hl_login");
    if (!is_hex(have, 64) || !srv_web_form(body, "login_csrf", got, sizeof got) || !is_hex(got, 64))
        return false;
    return CRYPTO_memcmp(got, have, 64) == 0;
}

static void login_page(srv_web_req_t *q, const char *message, const char *token)
{
    srv_web_begin(q, srv_web_tr(q, "Đăng nhập", "Log in"));
    if (message) {
        srv_web_puts(&q->out, "<p class=\"bad\">");
        srv_web_esc(&q->out, message);
        srv_web_puts(&q->out, "</p>");
    }
    srv_web_printf(&q->out,
                   "<form method=\"post\" action=\"/login\"><input type=\"hidden\" "
                   "name=\"login_csrf\" value=\"%s\"><table>"
                   "<tr><th><label for=\"login\">%s</label></th><td><input id=\"login\" "
                   "name=\"login\" maxlength=\"40\" autocomplete=\"username\"></td></tr>"
                   "<tr><th><label for=\"password\">%s</label></th><td><input id=\"password\" "
                   "name=\"password\" type=\"password\" maxlength=\"200\" "
                   "autocomplete=\"current-password\"></td></tr></table>"
                   "<button type=\"submit\">%s</button></form>"
                   "<p><a href=\"?lang=%s\">%s</a></p>",
                   token, srv_web_tr(q, "Tên đăng nhập", "Login"),
                   srv_web_tr(q, "Mật khẩu", "Password"), srv_web_tr(q, "Đăng nhập", "Log in"),
                   q->en ? "vi" : "en", q->en ? "Tiếng Việt" : "English");
    srv_web_end(q);
}

/* Parses a bytea's text ("\\x..." hex) into out; its length or -1. */
static int bytea(const char *s, unsigned char *out, size_t cap)
{
    if (!s || s[0] != '\\' || s[1] != 'x') return -1;
    size_t n = strlen(s + 2) / 2;
    if (n > cap) return -1;
    for (size_t i = 0; i < n; i++) {
        char h[3] = {s[2 + 2 * i], s[3 + 2 * i], 0};
        out[i] = (unsigned char)strtol(h, NULL, 16);
    }
    return (int)n;
}

/* A refused login's one message: a lock (which only an existing account
 * can get) must not tell which logins exist, so every refusal names it. */
static const char *login_refused(const srv_web_req_t *q)
{
    return srv_web_tr(q,
                      "Sai tên đăng nhập hoặc mật khẩu. Sau 5 lần sai liên tiếp, tài khoản "
                      "tạm khóa 15 phút.",
                      "Wrong login or password. After 5 wrong tries in a row, an account is "
                      "locked for 15 minutes.");
}

/* POST /login: the key derived here from the salt the database gives, the
 * comparison there; a session on success. */
static unsigned login_post(srv_web_req_t *q, const char *body, char *cookie, size_t cap)
{
    char login[64], password[256], form_token[65];
    if (!login_token_ok(q, body)) return srv_web_error(q, 400);
    hl_fmt(form_token, sizeof form_token, "%s",
           MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "hl_login"));
    if (!srv_web_form(body, "login", login, sizeof login) ||
        !srv_web_form(body, "password", password, sizeof password)) {
        login_page(q, login_refused(q), form_token);
        return 401;
    }
    const char *v1[] = {login};
    PGresult *r =
        srv_web_query(q, "SELECT salt, iterations FROM hailong.web_login_salt($1)", 1, v1);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        OPENSSL_cleanse(password, sizeof password);
        return srv_web_error(q, 503);
    }
    unsigned char salt[16], key[32];
    int sl = bytea(PQgetvalue(r, 0, 0), salt, sizeof salt);
    int iter = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    bool derived = sl == 16 && iter >= 1000 &&
                   PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, 16, iter, EVP_sha256(),
                                     32, key) == 1;
    OPENSSL_cleanse(password, sizeof password);
    char token[65], csrf[65], derived_hex[68] = "\\x", th[68];
    if (!derived || !random_hex(token, 32) || !random_hex(csrf, 32)) return srv_web_error(q, 503);
    hex(key, 32, derived_hex + 2);
    OPENSSL_cleanse(key, sizeof key);
    sha256_param(token, th);
    const char *ua = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "User-Agent");
    const char *v2[] = {login, derived_hex, ua ? ua : "", th, csrf, q->now};
    r = srv_web_query(q, "SELECT hailong.web_login($1, $2::bytea, $3, $4::bytea, $5, $6)", 6, v2);
    if (!r) return srv_web_error(q, 503);
    const char *verdict = PQgetvalue(r, 0, 0);
    unsigned status = 303;
    if (!strcmp(verdict, "ok")) {
        hl_fmt(cookie, cap, "hl_session=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
               q->tls ? "; Secure" : "");
    } else {
        status = 401;
        login_page(q, login_refused(q), form_token); /* locked or not: one answer */
    }
    PQclear(r);
    return status;
}

/* Decodes the %-encoded path segment at raw (up to the next '/' or the
 * end) into out; *end: where it stopped. false when malformed (a bad
 * escape, a NUL) or longer than cap - 1 bytes. */
static bool path_segment(const char *raw, char *out, size_t cap, const char **end)
{
    size_t j = 0;
    const char *p = raw;
    for (; *p && *p != '/'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2])) return false;
            char h[3] = {p[1], p[2], 0};
            c = (unsigned char)strtol(h, NULL, 16);
            p += 2;
        }
        if (!c || j + 1 >= cap) return false;
        out[j++] = (char)c;
    }
    out[j] = '\0';
    *end = p;
    return true;
}

/* The request's route, once the session is known; location for a 303. */
static unsigned route(srv_web_req_t *q, const char *method, const char *body, bool too_big,
                      char *location, size_t lcap, char *cookie, size_t ccap)
{
    const char *url = q->path, *raw = q->raw_path ? q->raw_path : q->path;
    bool post = !strcmp(method, "POST");
    if (post && too_big) return srv_web_error(q, 413);
    if (!strcmp(url, "/login")) {
        if (post) {
            unsigned st = login_post(q, body, cookie, ccap);
            if (st == 303) hl_fmt(location, lcap, "/");
            return st;
        }
        if (q->who.in) {
            hl_fmt(location, lcap, "/");
            return 303;
        }
        char token[65];
        if (!login_token(q, token, cookie, ccap)) return srv_web_error(q, 503);
        login_page(q, NULL, token);
        return 200;
    }
    if (!q->who.in) {
        if (post) return srv_web_error(q, 403);
        hl_fmt(location, lcap, "/login");
        return 303;
    }
    if (!strcmp(url, "/logout")) {
        if (!post) return srv_web_error(q, 405);
        if (!csrf_ok(q, body)) return srv_web_error(q, 403);
        const char *v[] = {q->who.token_hash, q->now};
        PGresult *r = srv_web_query(q, "SELECT hailong.web_logout($1::bytea, $2)", 2, v);
        if (!r) return srv_web_error(q, 503);
        PQclear(r);
        hl_fmt(cookie, ccap, "hl_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
               q->tls ? "; Secure" : "");
        hl_fmt(location, lcap, "/login");
        return 303;
    }
    const char *month = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, "month");
    if (month && !srv_web_valid_month(month)) return srv_web_error(q, 400);
    if (!strncmp(raw, "/comments/", 10)) {
        char unit[SRV_WEB_UNIT_MAX + 40];
        const char *slash;
        if (!path_segment(raw + 10, unit, sizeof unit, &slash) || !srv_web_valid_unit(unit))
            return srv_web_error(q, 400);
        if (!*slash) slash = NULL;
        if (!q->who.province && strcmp(unit, q->who.unit)) return srv_web_error(q, 403);
        if (post) {
            if (!slash || !srv_web_valid_uuid(slash + 1)) return srv_web_error(q, 400);
            if (!csrf_ok(q, body)) return srv_web_error(q, 403);
            return srv_web_post_comment(q, unit, slash + 1, body, location, lcap);
        }
        if (slash) return srv_web_error(q, 404);
        const char *state = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, "state");
        if (!state) state = "open";
        if (strcmp(state, "open") && strcmp(state, "handled") && strcmp(state, "all"))
            return srv_web_error(q, 400);
        const char *pg = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, "page");
        int page = 1;
        if (pg) {
            char *end;
            long n = strtol(pg, &end, 10);
            if (!isdigit((unsigned char)pg[0]) || *end || n < 1 || n > 100000)
                return srv_web_error(q, 400);
            page = (int)n;
        }
        return srv_web_page_comments(q, unit, state, month, page);
    }
    if (post) return srv_web_error(q, 405);
    if (!strncmp(raw, "/reports/", 9)) return srv_web_report(q, raw + 9); /* 0: answered */
    if (!strcmp(url, "/")) return srv_web_page_overview(q, month);
    if (!strcmp(url, "/fleet")) return srv_web_page_fleet(q);
    if (!strcmp(url, "/alerts")) return srv_web_page_alerts(q);
    if (!strncmp(raw, "/unit/", 6)) {
        char unit[SRV_WEB_UNIT_MAX + 40];
        const char *end;
        if (!path_segment(raw + 6, unit, sizeof unit, &end) || !srv_web_valid_unit(unit))
            return srv_web_error(q, 400);
        if (*end) return srv_web_error(q, 404);
        if (!q->who.province && strcmp(unit, q->who.unit)) return srv_web_error(q, 403);
        return srv_web_page_unit(q, unit, month);
    }
    return srv_web_error(q, 404);
}

static enum MHD_Result send_page(struct MHD_Connection *c, srv_web_req_t *q, unsigned status,
                                 const char *location, const char *cookie)
{
    if (status == 0) return MHD_YES; /* srv_web_report queued its file */
    if (q->out.failed) {
        free(q->out.p);
        q->out = (srv_web_out_t){0};
        status = 503;
        srv_web_puts(&q->out, "out of memory\n");
    }
    if (status == 303) {
        free(q->out.p);
        q->out = (srv_web_out_t){0};
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(q->out.len, q->out.p ? q->out.p : (void *)"",
                                        q->out.p ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(q->out.p);
        return MHD_NO;
    }
    q->out.p = NULL;
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; "
                            "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'");
    if (status == 303 && location) MHD_add_response_header(r, "Location", location);
    if (cookie && *cookie) MHD_add_response_header(r, "Set-Cookie", cookie);
    if (q->set_lang)
        MHD_add_response_header(r, "Set-Cookie",
                                q->en ? "hl_lang=en; Path=/; SameSite=Strict; Max-Age=31536000"
                                      : "hl_lang=vi; Path=/; SameSite=Strict; Max-Age=31536000");
    if (status == 503) MHD_add_response_header(r, "Retry-After", "5");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result font(srv_web_t *w, struct MHD_Connection *c, const char *url)
{
    for (int i = 0; i < WEB_FONTS; i++)
        if (!strcmp(url + 7, font_names[i]) && w->font[i]) {
            struct MHD_Response *r =
                MHD_create_response_from_buffer(w->font_len[i], w->font[i], MHD_RESPMEM_PERSISTENT);
            if (!r) return MHD_NO;
            MHD_add_response_header(r, "Content-Type", "font/ttf");
            MHD_add_response_header(r, "Cache-Control", "public, max-age=604800");
            enum MHD_Result ok = MHD_queue_response(c, 200, r);
            MHD_destroy_response(r);
            return ok;
        }
    return MHD_NO; /* not a font: the caller answers 404 */
}

static void now_text(const srv_web_t *w, char *out, size_t cap)
{
    if (w->o.clock_fixed) {
        hl_fmt(out, cap, "%s", w->o.clock_fixed);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **ctx)
{
    (void)version;
    srv_web_t *w = cls;
    web_conn_t *wc = *ctx;
    if (!wc && !(wc = *ctx = calloc(1, sizeof *wc))) return MHD_NO;
    if (!wc->started) {
        wc->started = true;
        return MHD_YES;
    }
    if (*upload_size) {
        if (wc->len + *upload_size > SRV_WEB_POST_MAX) {
            wc->too_big = true;
        } else {
            char *b = realloc(wc->body, wc->len + *upload_size + 1);
            if (!b) return MHD_NO;
            wc->body = b;
            memcpy(b + wc->len, upload, *upload_size);
            wc->len += *upload_size;
            b[wc->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    srv_web_req_t q = {
        .conn = c, .path = url, .raw_path = wc->raw, .tls = w->tls, .surveys = w->surveys};
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (lang && (!strcmp(lang, "en") || !strcmp(lang, "vi"))) {
        q.en = !strcmp(lang, "en");
        q.set_lang = true;
    } else {
        const char *ck = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "hl_lang");
        q.en = ck && !strcmp(ck, "en");
    }
    now_text(w, q.now, sizeof q.now);
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!get && strcmp(method, "POST")) return send_page(c, &q, srv_web_error(&q, 405), NULL, NULL);
    if (get && !strncmp(url, "/fonts/", 7)) {
        enum MHD_Result ok = font(w, c, url);
        if (ok == MHD_YES) return ok;
        return send_page(c, &q, srv_web_error(&q, 404), NULL, NULL);
    }
    hl_err_t err = {0};
    q.db = srv_pool_get(&w->pool, &err);
    if (!q.db) {
        web_log("database unavailable: %s", err.msg);
        return send_page(c, &q, srv_web_error(&q, 503), NULL, NULL);
    }
    session(&q);
    char location[1024] = "", cookie[200] = "";
    unsigned status = q.broken ? srv_web_error(&q, 503)
                               : route(&q, method, wc->body ? wc->body : "", wc->too_big, location,
                                       sizeof location, cookie, sizeof cookie);
    if (q.broken && status != 503) status = srv_web_error(&q, 503);
    srv_pool_put(&w->pool, q.db, q.broken);
    return send_page(c, &q, status, location, cookie);
}

static void completed(void *cls, struct MHD_Connection *c, void **ctx,
                      enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    web_conn_t *wc = *ctx;
    if (wc) {
        free(wc->raw);
        free(wc->body);
        free(wc);
    }
    *ctx = NULL;
}

/* libmicrohttpd's URI log callback: the request's path as sent, before it
 * decodes it (a unit's %2F must stay inside its segment); the request's
 * web_conn_t. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    web_conn_t *wc = calloc(1, sizeof *wc);
    if (wc && uri) wc->raw = strndup(uri, strcspn(uri, "?#"));
    return wc;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    web_log("http: %s", line);
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

void srv_web_stop(srv_web_t *w)
{
    if (!w) return;
    if (w->d) MHD_stop_daemon(w->d);
    srv_pool_free(&w->pool);
    srv_web_surveys_free(w->surveys);
    for (int i = 0; i < WEB_FONTS; i++)
        free(w->font[i]);
    free(w->cert);
    free(w->key);
    free(w);
}

int srv_web_start(const srv_web_opts_t *o, srv_web_t **out, hl_err_t *err)
{
    *out = NULL;
    if (!o->host[0]) return HL_OK;
    if (o->clock_fixed) {
        struct tm tm = {0};
        const char *end = strptime(o->clock_fixed, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end ||
            (*end && strcmp(end, "Z") && !((*end == '+' || *end == '-') && strlen(end) == 6)))
            return hl_err_set(err, HL_ERR_USAGE,
                              "--clock-fixed %s: want YYYY-MM-DDTHH:MM:SSZ (or +07:00)",
                              o->clock_fixed);
    }
    char port[16];
    hl_fmt(port, sizeof port, "%d", o->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV},
                    *ai = NULL;
    int g = getaddrinfo(o->host, port, &hints, &ai);
    if (g) return hl_err_set(err, HL_ERR_USAGE, "--web-listen %s: %s", o->host, gai_strerror(g));
    srv_web_t *w = calloc(1, sizeof *w);
    if (!w) {
        freeaddrinfo(ai);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    }
    w->o = *o;
    w->tls = o->tls_cert && o->tls_key;
    int rc = HL_OK;
    if (!(w->surveys = srv_web_surveys_new())) rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory");
    size_t len;
    if (!w->tls && !is_loopback(ai->ai_addr))
        rc = hl_err_set(err, HL_ERR_USAGE,
                        "--web-listen %s without TLS: staff passwords must not cross a network "
                        "in clear; give --tls-cert and --tls-key, or listen on 127.0.0.1 behind "
                        "a proxy that terminates TLS",
                        o->host);
    if (rc == HL_OK && w->tls &&
        (hl_file_read(NULL, o->tls_cert, 1 << 20, 0, &w->cert, &len, err) != HL_OK ||
         hl_file_read(NULL, o->tls_key, 1 << 20, 0, &w->key, &len, err) != HL_OK))
        rc = err->code;
    for (int i = 0; rc == HL_OK && i < WEB_FONTS; i++) {
        char path[4096];
        hl_err_t ferr = {0};
        hl_fmt(path, sizeof path, "%s/%s", o->fonts_dir ? o->fonts_dir : ".", font_names[i]);
        if (hl_file_read(NULL, path, 16 << 20, 0, &w->font[i], &w->font_len[i], &ferr) != HL_OK)
            web_log("%s: %s (pages fall back to the browser's fonts)", path, ferr.msg);
    }
    bool pooled = false;
    if (rc == HL_OK && (rc = srv_pool_init(&w->pool, o->db, o->threads, err)) == HL_OK)
        pooled = true;
    if (rc != HL_OK) {
        if (!pooled) memset(&w->pool, 0, sizeof w->pool);
        freeaddrinfo(ai);
        srv_web_stop(w);
        return rc;
    }
    /* the daemon's threads inherit the mask: SIGTERM is srv_serve's sigwait's */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (w->tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_opts[] = {
        {w->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, w->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, w->key},
        {MHD_OPTION_END, 0, NULL}};
    w->d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT, 500u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_NOTIFY_COMPLETED, completed,
        w, MHD_OPTION_URI_LOG_CALLBACK, uri_seen, w, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!w->d) {
        srv_web_stop(w);
        return hl_err_set(err, HL_ERR_IO, "cannot listen on %s port %d for the dashboard", o->host,
                          o->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
    int bound = info ? info->port : o->port;
    web_log("the dashboard on %s port %d (%s)%s%s", o->host, bound, w->tls ? "https" : "http",
            o->clock_fixed ? ", clock fixed at " : "", o->clock_fixed ? o->clock_fixed : "");
    if (o->port_file) {
        char tmp[4096], num[16];
        hl_fmt(tmp, sizeof tmp, "%s.tmp", o->port_file);
        hl_fmt(num, sizeof num, "%d\n", bound);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fputs(num, f);
            fclose(f);
            rename(tmp, o->port_file);
        }
    }
    *out = w;
    return HL_OK;
}
