/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web_html.c: writing the dashboard's pages: a growing buffer, HTML
 * escaping (every text from the database or the request goes through
 * srv_web_esc), numbers in the reader's style ("87,5" in Vietnamese,
 * "87.5" in English), the page's frame and the inline SVG bar charts.
 *
 * Pages are plain HTML with inline CSS (CSS2: no flex or grid carries
 * meaning, tables do), no JavaScript, fonts served by the dashboard itself
 * (Noto Sans, so Vietnamese diacritics render the same everywhere) and a
 * print style: no navigation, forms, buttons or links' colours; black on
 * white (bars outlined in black on white, every colour of a state black),
 * each bar labelled with its value beside it and hidden figures hatched,
 * so nothing is told by colour alone; headings kept with what follows.
 */
#include "hl_sys.h"
#include "srv_web_int.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void srv_web_put(srv_web_out_t *o, const char *s, size_t n)
{
    if (o->failed) return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 16384;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

void srv_web_puts(srv_web_out_t *o, const char *s)
{
    srv_web_put(o, s, strlen(s));
}

void srv_web_printf(srv_web_out_t *o, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        srv_web_put(o, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        o->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    srv_web_put(o, big, (size_t)n);
    free(big);
}

/* The length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || (n == 4 && s[0] > 0xF4)) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0;
    return n;
}

void srv_web_esc(srv_web_out_t *o, const char *s)
{
    if (!s) return;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        const char *rep = NULL;
        switch (*u) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        if (rep) {
            srv_web_puts(o, rep);
            u++;
            continue;
        }
        if (*u < 0x20 && *u != '\n' && *u != '\t') { /* control characters: dropped */
            u++;
            continue;
        }
        size_t n = utf8_len(u);
        if (!n) { /* not UTF-8: the replacement character */
            srv_web_puts(o, "\xEF\xBF\xBD");
            u++;
            continue;
        }
        srv_web_put(o, (const char *)u, n);
        u += n;
    }
}

void srv_web_urlenc(srv_web_out_t *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
        if ((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
            *u == '-' || *u == '_' || *u == '.' || *u == '~') {
            srv_web_put(o, (const char *)u, 1);
        } else {
            char e[3] = {'%', hex[*u >> 4], hex[*u & 15]};
            srv_web_put(o, e, 3);
        }
    }
}

const char *srv_web_tr(const srv_web_req_t *q, const char *vi, const char *en)
{
    return q->en ? en : vi;
}

/* v with decimals, '.' or ',' as the decimal mark; thousands grouped in
 * counts ("12.345" Vietnamese, "12,345" English). */
static void number(char *out, size_t cap, double v, int decimals, bool en)
{
    if (decimals > 0) {
        hl_fmt(out, cap, "%.*f", decimals, v);
        if (!en)
            for (char *c = out; *c; c++)
                if (*c == '.') *c = ',';
        return;
    }
    char raw[32];
    hl_fmt(raw, sizeof raw, "%.0f", v);
    size_t n = strlen(raw), j = 0, lead = raw[0] == '-' ? 1 : 0;
    for (size_t i = 0; i < n && j + 2 < cap; i++) {
        out[j++] = raw[i];
        size_t left = n - i - 1;
        if (i >= lead && left && left % 3 == 0) out[j++] = en ? ',' : '.';
    }
    out[j] = '\0';
}

void srv_web_fig(srv_web_req_t *q, const char *key, bool hidden, double v, int decimals,
                 const char *suffix)
{
    srv_web_puts(&q->out, "<span class=\"num\" data-k=\"");
    srv_web_esc(&q->out, key);
    if (hidden) {
        srv_web_printf(&q->out, "\" data-v=\"hidden\" title=\"%s\">\xE2\x80\x94</span>",
                       srv_web_tr(q,
                                  "d\xC6\xB0\xE1\xBB\x9Bi 5 l\xC6\xB0\xE1\xBB\xA3t \xC4\x91"
                                  "\xC3\xA1nh gi\xC3\xA1",
                                  "fewer than 5 responses"));
        return;
    }
    char raw[40], shown[48];
    if (decimals > 0) {
        hl_fmt(raw, sizeof raw, "%.4f", v);
        char *end = raw + strlen(raw) - 1;
        while (*end == '0')
            *end-- = '\0';
        if (*end == '.') *end = '\0';
    } else {
        hl_fmt(raw, sizeof raw, "%.0f", v);
    }
    number(shown, sizeof shown, v, decimals, q->en);
    srv_web_printf(&q->out, "\" data-v=\"%s\">%s%s</span>", raw, shown, suffix ? suffix : "");
}

static const char css[] =
    "@font-face{font-family:'Noto Sans';src:url(/fonts/NotoSans-Regular.ttf) "
    "format('truetype');font-weight:normal}"
    "@font-face{font-family:'Noto Sans';src:url(/fonts/NotoSans-Bold.ttf) "
    "format('truetype');font-weight:bold}"
    "body{font-family:'Noto Sans',Arial,sans-serif;margin:0;color:#111;background:#fff;"
    "font-size:15px;line-height:1.4}"
    "#nav{background:#0b4f8a;color:#fff;padding:8px 16px}"
    "#nav a{color:#fff;margin-right:16px;text-decoration:none;font-weight:bold}"
    "#nav form{display:inline;margin:0}#nav .who{float:right}"
    "#main{padding:12px 16px;max-width:1100px}"
    "h1{font-size:22px;margin:8px 0 12px}h2{font-size:18px;margin:20px 0 8px}"
    "table{border-collapse:collapse;margin:4px 0 12px}"
    "th,td{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#e8eef5}td.n,th.n{text-align:right}"
    ".num{font-variant-numeric:tabular-nums}.muted{color:#555}.bad{color:#a00000}"
    ".ok{color:#006000}.note{font-size:13px;color:#444}"
    "svg text{font-family:'Noto Sans',Arial,sans-serif;font-size:12px}"
    "input,button,select{font-family:inherit;font-size:14px}"
    "@media print{#nav,form,button,input,.noprint{display:none}"
    "body{color:#000;background:#fff;font-size:11pt}#main{padding:0;max-width:none}"
    "th{background:#fff}a{color:#000;text-decoration:none}.bad,.ok,.muted,.note{color:#000}"
    "th,td{border-color:#000}rect.bar{fill:#fff;stroke:#000;stroke-width:1}"
    "svg text{fill:#000}h1,h2,h3{page-break-after:avoid}tr,svg{page-break-inside:avoid}}";

void srv_web_begin(srv_web_req_t *q, const char *title)
{
    srv_web_out_t *o = &q->out;
    srv_web_printf(o,
                   "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>",
                   q->en ? "en" : "vi");
    srv_web_esc(o, title);
    srv_web_printf(o, " \xE2\x80\x94 hailong</title><style>%s</style></head><body>", css);
    if (q->who.in) {
        srv_web_puts(o, "<div id=\"nav\">");
        srv_web_printf(o, "<a href=\"/\">%s</a>",
                       srv_web_tr(q, "T\xE1\xBB\x95ng quan", "Overview"));
        if (!q->who.province) {
            srv_web_puts(o, "<a href=\"/unit/");
            srv_web_urlenc(o, q->who.unit);
            srv_web_printf(o, "\">%s</a><a href=\"/comments/",
                           srv_web_tr(q, "\xC4\x90\xC6\xA1n v\xE1\xBB\x8B", "Unit"));
            srv_web_urlenc(o, q->who.unit);
            srv_web_printf(o, "\">%s</a>", srv_web_tr(q, "G\xC3\xB3p \xC3\xBD", "Comments"));
        }
        srv_web_printf(o, "<a href=\"/fleet\">%s</a><a href=\"/alerts\">%s</a>",
                       srv_web_tr(q, "Thi\xE1\xBA\xBFt b\xE1\xBB\x8B", "Kiosks"),
                       srv_web_tr(q, "C\xE1\xBA\xA3nh b\xC3\xA1o", "Alerts"));
        srv_web_printf(o, "<a href=\"?lang=%s\">%s</a>", q->en ? "vi" : "en",
                       q->en ? "Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t" : "English");
        srv_web_puts(o, "<span class=\"who\">");
        srv_web_esc(o, q->who.name);
        srv_web_puts(o, " <form method=\"post\" action=\"/logout\"><input type=\"hidden\" "
                        "name=\"csrf\" value=\"");
        srv_web_esc(o, q->who.csrf);
        srv_web_printf(o, "\"><button type=\"submit\">%s</button></form></span></div>",
                       srv_web_tr(q, "\xC4\x90\xC4\x83ng xu\xE1\xBA\xA5t", "Log out"));
    }
    srv_web_puts(o, "<div id=\"main\"><h1>");
    srv_web_esc(o, title);
    srv_web_puts(o, "</h1>");
}

void srv_web_end(srv_web_req_t *q)
{
    srv_web_printf(&q->out, "<p class=\"note\">%s</p></div></body></html>\n",
                   srv_web_tr(q,
                              "S\xE1\xBB\x91 li\xE1\xBB\x87u d\xC6\xB0\xE1\xBB\x9Bi 5 l\xC6\xB0"
                              "\xE1\xBB\xA3t \xC4\x91\xC3\xA1nh gi\xC3\xA1 kh\xC3\xB4ng \xC4\x91"
                              "\xC6\xB0\xE1\xBB\xA3"
                              "c hi\xE1\xBB\x83n th\xE1\xBB\x8B (\xE2\x80\x94).",
                              "Figures of fewer than 5 responses are not shown (\xE2\x80\x94)."));
}

void srv_web_bars(srv_web_req_t *q, const char *caption, const srv_web_bar_t *b, size_t n,
                  double max, int decimals)
{
    if (n == 0) return;
    srv_web_out_t *o = &q->out;
    const int row = 24, label_w = 220, bar_w = 320, w = label_w + bar_w + 90;
    int h = (int)n * row + 8, id = ++q->charts;
    srv_web_printf(o,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "role=\"img\" aria-label=\"",
                   w, h);
    srv_web_esc(o, caption);
    srv_web_printf(o,
                   "\"><defs><pattern id=\"hatch%d\" width=\"6\" height=\"6\" "
                   "patternUnits=\"userSpaceOnUse\"><path d=\"M0 6L6 0\" stroke=\"#555\" "
                   "stroke-width=\"1\"/></pattern></defs>",
                   id);
    for (size_t i = 0; i < n; i++) {
        int y = 4 + (int)i * row;
        srv_web_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, y + 16);
        srv_web_esc(o, b[i].label);
        srv_web_puts(o, "</text>");
        if (b[i].hidden) {
            srv_web_printf(
                o,
                "<rect x=\"%d\" y=\"%d\" width=\"40\" height=\"16\" fill=\"url(#hatch%d)\" "
                "stroke=\"#555\"/><text x=\"%d\" y=\"%d\">\xE2\x80\x94</text>",
                label_w, y + 3, id, label_w + 46, y + 16);
            continue;
        }
        double frac = max > 0 ? b[i].v / max : 0;
        if (frac < 0) frac = 0;
        if (frac > 1) frac = 1;
        int bw = (int)(frac * bar_w + 0.5);
        char shown[48];
        number(shown, sizeof shown, b[i].v, decimals, q->en);
        srv_web_printf(o,
                       "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" "
                       "fill=\"#3a77b5\" "
                       "stroke=\"#000\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"%d\">%s</text>",
                       label_w, y + 3, bw, label_w + bw + 6, y + 16, shown);
    }
    srv_web_puts(o, "</svg>");
}
