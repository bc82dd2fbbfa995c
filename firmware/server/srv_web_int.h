/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web_int.h: the dashboard's parts, shared by srv_web*.c only.
 *
 *   srv_web.c          the second libmicrohttpd daemon: routing, the
 *                      session cookie, CSRF, login and logout, languages,
 *                      fonts, error pages
 *   srv_web_html.c     the page being written: a growing buffer, HTML
 *                      escaping, numbers Vietnamese or English style, the
 *                      page's frame (inline CSS, navigation), figures
 *                      (data-k/data-v) and inline SVG bar charts
 *   srv_web_pages.c    the province overview, a unit, the fleet, the alerts
 *   srv_web_comments.c a unit's comments inbox and its follow-ups
 *   srv_web_labels.c   the survey's own texts for questions and answers
 *                      (parsed surveys cached per version)
 *   srv_web_staff.c    `hailong-server staff`: accounts, PBKDF2
 * A request is one srv_web_req_t: who asks (the session, read from the
 * database), in which language, with one pooled connection; a page writes
 * into req->out and returns the status.
 */
#ifndef SRV_WEB_INT_H
#define SRV_WEB_INT_H

#include "hl_survey.h"
#include "srv_int.h"

#include <stdarg.h>

#define SRV_WEB_UNIT_MAX  121    /* a unit's name and its NUL (1..120 bytes) */
#define SRV_WEB_LOGIN_MAX 41     /* a staff login and its NUL ([a-z0-9._-]{1,40}) */
#define SRV_WEB_NAME_MAX  241    /* a staff member's name and its NUL (120 characters) */
#define SRV_WEB_NOTE_MAX  500    /* bytes of a follow-up note */
#define SRV_WEB_POST_MAX  4096   /* bytes of a form's body */
#define SRV_WEB_ITER      100000 /* PBKDF2 iterations of a new password */
#define SRV_WEB_TZ        "Asia/Ho_Chi_Minh"

/* The parsed surveys the pages label answers with (srv_web_labels.c). */
typedef struct srv_web_surveys srv_web_surveys_t;

/* The text of a page being written. */
typedef struct srv_web_out {
    char *p;     /* NUL-terminated */
    size_t len;  /* bytes written */
    size_t cap;  /* allocated */
    bool failed; /* out of memory: the page is answered 503 */
} srv_web_out_t;

/* The staff member a request's session belongs to. */
typedef struct srv_web_who {
    bool in; /* a live session */
    char login[SRV_WEB_LOGIN_MAX];
    char name[SRV_WEB_NAME_MAX];
    bool province;               /* role province: every unit */
    char unit[SRV_WEB_UNIT_MAX]; /* role unit: this unit only */
    char csrf[65];               /* the session's CSRF token (hex) */
    char token_hash[68];         /* "\\x" and the SHA-256 of the cookie's token, hex */
} srv_web_who_t;

/* One request to the dashboard. */
typedef struct srv_web_req {
    PGconn *db;                 /* a pooled connection (NULL: the database is down) */
    bool broken;                /* the connection failed: closed when given back */
    bool en;                    /* English; else Vietnamese */
    bool set_lang;              /* ?lang= given: the answer sets the cookie */
    bool tls;                   /* served over TLS: the cookies are Secure */
    char now[40];               /* "now" for every query (ISO 8601, UTC) */
    srv_web_who_t who;          /* who asks */
    srv_web_out_t out;          /* the page */
    const char *path;           /* the URL's path (the daemon's) */
    int charts;                 /* SVG charts written so far (their pattern ids) */
    srv_web_surveys_t *surveys; /* the daemon's survey cache (shared, locked inside) */
    const char *raw_path;       /* the URL's path as sent, still %-encoded */
    struct MHD_Connection *conn;
} srv_web_req_t;

/* ---- srv_web_html.c -------------------------------------------------------------------- */

void srv_web_put(srv_web_out_t *o, const char *s, size_t n);
void srv_web_puts(srv_web_out_t *o, const char *s);
void srv_web_printf(srv_web_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s with & < > " ' escaped (n bytes; invalid UTF-8 bytes replaced). */
void srv_web_esc(srv_web_out_t *o, const char *s);
/* s %-encoded for a URL path segment or query value. */
void srv_web_urlenc(srv_web_out_t *o, const char *s);
/* The text in the request's language. */
const char *srv_web_tr(const srv_web_req_t *q, const char *vi, const char *en);
/* A figure: <span class=num data-k=KEY data-v=RAW>shown</span>; hidden:
 * "—" with the title "fewer than 5 responses". decimals: 0 (a count) or 1
 * (an index or a percentage, shown with "," in Vietnamese). */
void srv_web_fig(srv_web_req_t *q, const char *key, bool hidden, double v, int decimals,
                 const char *suffix);
/* The frame of a page: head with inline CSS and fonts, the navigation (for
 * a logged-in user), the title; and its end. */
void srv_web_begin(srv_web_req_t *q, const char *title);
void srv_web_end(srv_web_req_t *q);
/* A horizontal SVG bar chart of n bars (label, value 0..max, hidden bars
 * drawn as a hatched outline with "—"), labelled with its values (print:
 * no colour needed). */
typedef struct srv_web_bar {
    const char *label; /* shown left of the bar */
    double v;          /* its value */
    bool hidden;       /* min-5: no bar, "—" */
} srv_web_bar_t;
void srv_web_bars(srv_web_req_t *q, const char *caption, const srv_web_bar_t *b, size_t n,
                  double max, int decimals);

/* ---- srv_web.c ------------------------------------------------------------------------- */

/* Runs sql with text parameters on the request's connection; NULL (and
 * q->broken on a lost connection) on failure, logged. */
PGresult *srv_web_query(srv_web_req_t *q, const char *sql, int n, const char *const *values);
/* Whether s is a valid unit name (1..120 bytes of valid UTF-8, no control
 * characters), a month "YYYY-MM", a UUID. */
bool srv_web_valid_unit(const char *s);
bool srv_web_valid_month(const char *s);
bool srv_web_valid_uuid(const char *s);
/* An error page (400, 403, 404, 503) in the request's language. */
unsigned srv_web_error(srv_web_req_t *q, unsigned status);

/* ---- srv_web_pages.c ------------------------------------------------------------------- */

unsigned srv_web_page_overview(srv_web_req_t *q, const char *month);
unsigned srv_web_page_unit(srv_web_req_t *q, const char *unit, const char *month);
unsigned srv_web_page_fleet(srv_web_req_t *q);
unsigned srv_web_page_alerts(srv_web_req_t *q);
/* The month shown: want (valid) or now's, local; false on a database failure. */
bool srv_web_month_of(srv_web_req_t *q, const char *want, char out[8]);
/* Links to the month before and after: base?month=YYYY-MM and extra
 * ("&state=open", may be NULL). */
void srv_web_month_nav(srv_web_req_t *q, const char *base, const char *month, const char *extra);

/* ---- srv_web_labels.c ------------------------------------------------------------------ */

srv_web_surveys_t *srv_web_surveys_new(void);
void srv_web_surveys_free(srv_web_surveys_t *c);
/* The newest version of survey_id that unit's answers were given with,
 * parsed (shared: read only); NULL when the database gives none or it does
 * not load. Every survey got is given back with srv_web_survey_put. */
const hl_survey_t *srv_web_survey_get(srv_web_req_t *q, const char *unit, const char *survey_id);
void srv_web_survey_put(srv_web_req_t *q, const hl_survey_t *s);
/* A question's text, an answer's label (an option's, yes/no) in the page's
 * language; the id or value itself when s (may be NULL) has none. */
const char *srv_web_question_text(const srv_web_req_t *q, const hl_survey_t *s, const char *qid);
const char *srv_web_answer_text(const srv_web_req_t *q, const hl_survey_t *s, const char *qid,
                                const char *value);

/* ---- srv_web_comments.c ---------------------------------------------------------------- */

/* A unit's inbox for a month (want: NULL for now's), a state (open,
 * handled, all) and a page (1..). */
unsigned srv_web_page_comments(srv_web_req_t *q, const char *unit, const char *state,
                               const char *want, int page);
/* A form's POST to /comments/<unit>/<id>: csrf, action (handle|reopen), note.
 * 303 to the inbox on success. */
unsigned srv_web_post_comment(srv_web_req_t *q, const char *unit, const char *id, const char *body,
                              char *location, size_t cap);
/* The value of key in an application/x-www-form-urlencoded body, decoded
 * into out; false when absent or too long. */
bool srv_web_form(const char *body, const char *key, char *out, size_t cap);

/* ---- srv_web_report.c ------------------------------------------------------------------ */

/* GET /reports/<rest> (rest: "<unit>/<YYYY-MM>.pdf" or ".xlsx", the unit
 * %-encoded): the unit's monthly report as an attachment, queued on
 * q->conn; returns 0 then (nothing more to send), else an error page's
 * status (400, 403, 404, 503). */
unsigned srv_web_report(srv_web_req_t *q, const char *rest);

#endif
