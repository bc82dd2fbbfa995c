/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srv_web_report.c: the dashboard's monthly reports, GET
 * /reports/<unit>/<YYYY-MM>.pdf and .xlsx (the unit page links them): the
 * same report as `hailong report --unit U --month M` (firmware/report), read
 * through 006-report.sql's hailong.web_report_* functions for the request's
 * session on its pooled connection (the web role reads no table; the
 * database checks the session's scope again), written into a private
 * temporary folder (mkdtemp, removed before answering), and sent as an
 * attachment: Content-Disposition with an ASCII file name
 * "bao-cao-<unit, diacritics folded>-<month>.pdf" and the exact UTF-8 one
 * (filename*), Cache-Control no-store. One unit's month only: the
 * province's report ("*") is a command. The report runs on the request's
 * thread, bounded by the database's statement_timeout (60 s) and by the
 * month's rows (a unit-month takes a second or two); the PDF's fonts are
 * hailong-server's (HL_SERVER_FONTS_DIR).
 */
#include "hl_report_src.h"
#include "hl_sys.h"
#include "srv_web_int.h"

#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_MAX_BYTES (64u * 1024 * 1024) /* a unit-month's PDF or workbook, at most */
#define XLSX_TYPE        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Vietnamese letters and the ASCII letter they fold to (file names). */
static const struct {
    char base;         /* the ASCII letter */
    const char *forms; /* its forms with diacritics, UTF-8 */
} folds[] = {
    {'a', "àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
    {'e', "èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"},
    {'i', "ìíỉĩịÌÍỈĨỊ"},
    {'o', "òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
    {'u', "ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"},
    {'y', "ỳýỷỹỵỲÝỶỸỴ"},
    {'d', "đĐ"},
};

/* The length of the UTF-8 sequence starting with byte c (1 for others). */
static size_t u8len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* The ASCII letter the character at s folds to, 0: none. */
static char fold(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++)
        for (const char *f = folds[i].forms; *f; f += u8len((unsigned char)*f))
            if (u8len((unsigned char)*f) == n && !memcmp(f, s, n)) return folds[i].base;
    return 0;
}

/* unit as lower-case ASCII letters and digits, anything else one '-'
 * ("Sở Tư pháp" -> "so-tu-phap"); "don-vi" when nothing is left. */
static void ascii_name(const char *unit, char *out, size_t cap)
{
    size_t j = 0;
    bool dash = false;
    for (const char *p = unit; *p && j + 2 < cap;) {
        size_t n = u8len((unsigned char)*p);
        if (strnlen(p, n) < n) n = 1;
        char c = n == 1 ? *p : fold(p, n);
        p += n;
        if (c && isalnum((unsigned char)c)) {
            if (dash && j) out[j++] = '-';
            out[j++] = (char)tolower((unsigned char)c);
            dash = false;
        } else {
            dash = true;
        }
    }
    out[j] = '\0';
    if (!j) hl_fmt(out, cap, "don-vi");
}

/* The Content-Disposition of the file: an ASCII name and the UTF-8 one. */
static void disposition(const char *unit, const char *month, const char *ext, srv_web_out_t *o)
{
    char ascii[200];
    ascii_name(unit, ascii, sizeof ascii);
    srv_web_printf(o, "attachment; filename=\"bao-cao-%s-%s.%s\"; filename*=UTF-8''bao-cao-", ascii,
                   month, ext);
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)unit; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            srv_web_put(o, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            srv_web_put(o, e, 3);
        }
    }
    srv_web_printf(o, "-%s.%s", month, ext);
}

/* Reads and writes the report into *data (malloc'd); an HTTP status for
 * what went wrong, 200 when done. */
static unsigned make(srv_web_req_t *q, const char *unit, const char *month, bool xlsx, char **data,
                     size_t *len)
{
    hl_err_t err = {0};
    hl_report_t *r = hl_report_new(unit, month, &err);
    if (!r) return 400;
    int rc = hl_report_read_pg_session(r, q->db, q->who.token_hash, q->now, &err);
    if (rc == HL_OK) rc = hl_report_compute(r, &err);
    unsigned status = 200;
    if (rc != HL_OK) {
        fprintf(stderr, "web: report %s %s: %s\n", unit, month, err.msg);
        if (PQstatus(q->db) != CONNECTION_OK) q->broken = true;
        hl_report_free(r);
        return rc == HL_ERR_UNTRUSTED ? 403 : rc == HL_ERR_USAGE ? 400 : 503;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[600];
    hl_fmt(dir, sizeof dir, "%s/hailong-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "web: report: a temporary folder in %s: %s\n", tmp ? tmp : "/tmp",
                strerror(errno));
        hl_report_free(r);
        return 503;
    }
    hl_fmt(path, sizeof path, "%s/report.%s", dir, xlsx ? "xlsx" : "pdf");
    hl_report_opts_t o = {.lang = q->en ? HL_LANG_EN : HL_LANG_VI,
                          .fonts_dir = HL_SERVER_FONTS_DIR};
    rc = xlsx ? hl_report_xlsx(r, &o, path, &err) : hl_report_pdf(r, &o, path, &err);
    if (rc == HL_OK) rc = hl_file_read(NULL, path, REPORT_MAX_BYTES, 0, data, len, &err);
    if (rc != HL_OK) {
        fprintf(stderr, "web: report %s %s: %s\n", unit, month, err.msg);
        status = 503;
    }
    unlink(path);
    if (rmdir(dir) != 0) fprintf(stderr, "web: report: %s left: %s\n", dir, strerror(errno));
    hl_report_free(r);
    return status;
}

unsigned srv_web_report(srv_web_req_t *q, const char *rest)
{
    /* <unit>/<YYYY-MM>.pdf|.xlsx, the unit %-encoded, one segment */
    char unit[SRV_WEB_UNIT_MAX + 40];
    size_t j = 0;
    const char *p = rest;
    for (; *p && *p != '/'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
                return srv_web_error(q, 400);
            char h[3] = {p[1], p[2], 0};
            c = (unsigned char)strtol(h, NULL, 16);
            p += 2;
        }
        if (!c || j + 1 >= sizeof unit) return srv_web_error(q, 400);
        unit[j++] = (char)c;
    }
    unit[j] = '\0';
    if (*p != '/' || !srv_web_valid_unit(unit)) return srv_web_error(q, 400);
    const char *file = p + 1, *dot = strchr(file, '.');
    char month[8];
    if (!dot || dot - file != 7) return srv_web_error(q, 404);
    memcpy(month, file, 7);
    month[7] = '\0';
    bool xlsx = !strcmp(dot, ".xlsx");
    if (!xlsx && strcmp(dot, ".pdf")) return srv_web_error(q, 404);
    if (!srv_web_valid_month(month)) return srv_web_error(q, 400);
    if (!strcmp(unit, "*")) return srv_web_error(q, 404); /* the province's: a command */
    if (!q->who.province && strcmp(unit, q->who.unit)) return srv_web_error(q, 403);
    char *data = NULL;
    size_t len = 0;
    unsigned status = make(q, unit, month, xlsx, &data, &len);
    if (status != 200) return srv_web_error(q, status);
    srv_web_out_t cd = {0};
    disposition(unit, month, xlsx ? "xlsx" : "pdf", &cd);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r || cd.failed) {
        if (r)
            MHD_destroy_response(r);
        else
            free(data);
        free(cd.p);
        return srv_web_error(q, 503);
    }
    MHD_add_response_header(r, "Content-Type", xlsx ? XLSX_TYPE : "application/pdf");
    MHD_add_response_header(r, "Content-Disposition", cd.p);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (q->set_lang)
        MHD_add_response_header(r, "Set-Cookie",
                                q->en ? "hl_lang=en; Path=/; SameSite=Strict; Max-Age=31536000"
                                      : "hl_lang=vi; Path=/; SameSite=Strict; Max-Age=31536000");
    free(cd.p);
    enum MHD_Result ok = MHD_queue_response(q->conn, 200, r);
    MHD_destroy_response(r);
    return ok == MHD_YES ? 0 : srv_web_error(q, 503);
}
