/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_xlsx.c: the Excel workbook export (hl_xlsx.h), with libxlsxwriter in
 * constant-memory mode.
 *
 * One walk over the store (hl_store_foreach, sequence order) writes every
 * response sheet row by row, as constant-memory mode requires; each survey's
 * sheets are added when its first response (or, for one named survey, before
 * the walk) is met, and its summary is counted during the walk in a few
 * small arrays (per question and option, per day) and written after it.
 * Labels come from the newest stored survey JSON (hl_store_survey_json),
 * parsed with hl_survey_load_text; a stored file that does not parse gives
 * codes as labels rather than no export.
 *
 * Atomic write (hl_afile): a unique temporary file in the target's folder,
 * which libxlsxwriter rewrites by name (its own scratch files are in the
 * same folder, already unlinked), then fsync'd, renamed over the target and
 * the folder fsync'd. On failure the temporary file is removed and
 * the old target is untouched. libxlsxwriter reports write failures as its
 * own codes; the errno left behind, or a folder with no free space, tells a
 * full disk (HL_ERR_FULL) from other I/O errors.
 */
#include "xlsx_int.h"

#include "hl_afile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* ---- Small helpers -------------------------------------------------------- */

int xlsx_fail(hl_xlsx_t *x, lxw_error e, const char *what)
{
    if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return hl_err_set(x->err, HL_ERR_NOMEM, "out of memory %s", what);
    return hl_err_set(x->err, HL_ERR_INTERNAL, "libxlsxwriter failed %s: %s", what,
                      lxw_strerror(e));
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t day_of(int64_t utc_ms)
{
    return utc_ms >= 0 ? utc_ms / 86400000 : (utc_ms - 86399999) / 86400000;
}

/* Local time minus UTC at utc_ms (0 without a zone). */
static int64_t zone_offset(const hl_xlsx_zone_t *z, int64_t utc_ms)
{
    return z && z->offset_ms ? z->offset_ms(utc_ms) : 0;
}

/* "UTC+07:00": the zone's offset at the export's time. */
static void zone_name(const hl_xlsx_zone_t *z, char out[16])
{
    int64_t off = z ? zone_offset(z, z->now_utc_ms) / 60000 : 0;
    int64_t a = off < 0 ? -off : off;
    snprintf(out, 16, "UTC%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 60 % 100), (int)(a % 60));
}

/* Local time in whole seconds (as the CSV), for worksheet_write_datetime. */
lxw_datetime xlsx_datetime(const hl_xlsx_zone_t *z, int64_t utc_ms)
{
    int64_t local = utc_ms + zone_offset(z, utc_ms);
    int64_t day = day_of(local);
    int64_t secs = (local - day * 86400000) / 1000;
    lxw_datetime dt = {0};
    civil_from_days(day, &dt.year, &dt.month, &dt.day);
    dt.hour = (int)(secs / 3600);
    dt.min = (int)(secs / 60 % 60);
    dt.sec = (double)(secs % 60);
    return dt;
}

static bool parse_int(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static const char *const xwords[XW_COUNT_OF][HL_LANG_COUNT] = {
    [XW_RESPONSE_ID] = {"Mã phản hồi", "Response id"},
    [XW_SEQ] = {"Số thứ tự", "No."},
    [XW_KIOSK] = {"Ki-ốt", "Kiosk"},
    [XW_VERSION] = {"Phiên bản khảo sát", "Survey version"},
    [XW_LANGUAGE] = {"Ngôn ngữ", "Language"},
    [XW_STARTED] = {"Bắt đầu", "Started"},
    [XW_FINISHED] = {"Kết thúc", "Finished"},
    [XW_STATUS] = {"Trạng thái", "Status"},
    [XW_SUSPECT] = {"Cảnh báo", "Flag"},
    [XW_CLOCK] = {"Giờ máy đáng tin", "Clock trusted"},
    [XW_OFFICER] = {"Mã cán bộ", "Officer"},
    [XW_COUNTER] = {"Quầy", "Counter"},
    [XW_COMPLETE] = {"Hoàn thành", "Complete"},
    [XW_PARTIAL] = {"Chưa xong", "Not finished"},
    [XW_IN_PROGRESS] = {"Đang trả lời", "In progress"},
    [XW_MIN_INTERVAL] = {"Quá sát lượt trước", "Too soon after the previous one"},
    [XW_MAX_PER_HOUR] = {"Quá số lượt mỗi giờ", "Over the hourly limit"},
    [XW_SURVEY] = {"Khảo sát", "Survey"},
    [XW_RESPONSES] = {"Số phản hồi", "Responses"},
    [XW_SAT_RATE] = {"Tỷ lệ hài lòng", "Satisfaction rate"},
    [XW_SAT_MEANS] = {"tỷ lệ chọn hai mức tốt nhất, trong số người đã trả lời câu hỏi "
                      "mặt cười đầu tiên",
                      "share of the two best levels among those who answered the first "
                      "smiley question"},
    [XW_NO_SMILEY] = {"(khảo sát không có câu hỏi mặt cười)", "(no smiley question)"},
    [XW_QUESTION_ID] = {"Mã câu hỏi", "Question id"},
    [XW_QUESTION] = {"Câu hỏi", "Question"},
    [XW_OPTION_CODE] = {"Mã lựa chọn", "Option code"},
    [XW_OPTION] = {"Lựa chọn", "Option"},
    [XW_COUNT] = {"Số lượt", "Count"},
    [XW_SHARE] = {"Tỷ lệ", "Share"},
    [XW_ANSWERED] = {"(số người trả lời)", "(answered)"},
    [XW_DATE] = {"Ngày", "Date"},
    [XW_PAGE] = {"Trang", "Page"},
    [XW_COMMENTS_SHEET] = {"Góp ý", "Comments"},
    [XW_TIME] = {"Thời gian", "Time"},
    [XW_RATING] = {"Đánh giá", "Rating"},
    [XW_COMMENT] = {"Góp ý", "Comment"},
    [XW_FOLLOWUP] = {"Mã theo dõi", "Follow-up code"},
    [XW_PHONE] = {"Số điện thoại", "Phone"},
};

const char *xlsx_word(hl_lang_t lang, hl_xword_t w)
{
    return xwords[w][lang < HL_LANG_COUNT ? lang : HL_LANG_VI];
}

static const char *status_word(hl_lang_t lang, hl_resp_status_t st)
{
    return xlsx_word(lang, st == HL_RESP_COMPLETE  ? XW_COMPLETE
                           : st == HL_RESP_PARTIAL ? XW_PARTIAL
                                                   : XW_IN_PROGRESS);
}

/* Fair counting's flag in words; an unknown flag as it is. */
static const char *suspect_word(hl_lang_t lang, const char *flag)
{
    if (!strcmp(flag, "min_interval")) return xlsx_word(lang, XW_MIN_INTERVAL);
    if (!strcmp(flag, "max_per_hour")) return xlsx_word(lang, XW_MAX_PER_HOUR);
    return flag;
}

/* A respondent's language code ("vi") as its name in lang. */
static const char *lang_word(hl_lang_t lang, const char *code)
{
    static const char *const names[HL_LANG_COUNT][HL_LANG_COUNT] = {
        {"Tiếng Việt", "Tiếng Anh"}, /* in Vietnamese */
        {"Vietnamese", "English"},   /* in English */
    };
    hl_lang_t l;
    if (!code || !hl_lang_parse(code, &l)) return code ? code : "";
    return names[lang < HL_LANG_COUNT ? lang : HL_LANG_VI][l];
}

/* "yes"/"no" in the survey's language (the screens' words). */
const char *xlsx_yesno_label(hl_lang_t lang, bool yes)
{
    if (lang == HL_LANG_VI) return yes ? "Có" : "Không";
    return yes ? "Yes" : "No";
}

/* Index among the counted options of one stored value, or -1. */
int xlsx_option_index(const hl_xq_t *q, const char *v, size_t len)
{
    if (!q->q) return -1;
    char tmp[HL_ITEM_ID_MAX + 1];
    if (len > HL_ITEM_ID_MAX) return -1;
    memcpy(tmp, v, len);
    tmp[len] = '\0';
    int64_t n;
    switch (q->q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
    case HL_Q_MULTI:
        return hl_question_find_option(q->q, tmp);
    case HL_Q_STARS:
        return parse_int(tmp, &n) && n >= 1 && n <= 5 ? (int)n - 1 : -1;
    case HL_Q_NPS:
        return parse_int(tmp, &n) && n >= 0 && n <= 10 ? (int)n : -1;
    case HL_Q_YESNO:
        return strcmp(tmp, "yes") == 0 ? 0 : strcmp(tmp, "no") == 0 ? 1 : -1;
    default:
        return -1;
    }
}

/* ---- Sheets ---------------------------------------------------------------- */

/* A valid, unused sheet name from id + suffix: cut to 31 characters, "~N"
 * added while the name is taken ("History" is reserved by Excel). */
void xlsx_sheet_name(lxw_workbook *wb, const char *id, const char *suffix, char out[32])
{
    for (int k = 1;; k++) {
        char tag[16] = "";
        if (k > 1) snprintf(tag, sizeof tag, "~%d", k);
        size_t tail = strlen(suffix) + strlen(tag);
        int keep = (int)(HL_XLSX_SHEET_MAX - tail);
        snprintf(out, 32, "%.*s%s%s", keep, id, suffix, tag);
        if (strcasecmp(out, "history") != 0 &&
            workbook_validate_sheet_name(wb, out) == LXW_NO_ERROR)
            return;
    }
}

/* Print set-up: landscape A4, fitted to the page width (any number of
 * pages down), the first row on every page, "Trang N/M" at the foot. */
lxw_error xlsx_sheet_print(lxw_worksheet *ws, hl_lang_t lang)
{
    char foot[64];
    snprintf(foot, sizeof foot, "&L&A&R%s &P/&N", xlsx_word(lang, XW_PAGE));
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
    lxw_error e = worksheet_repeat_rows(ws, 0, 0);
    if (!e) e = worksheet_set_footer(ws, foot);
    return e;
}

/* Lines that text takes wrapped at about per_line characters, at most max. */
int xlsx_wrap_lines(const char *text, int per_line, int max)
{
    size_t chars = 0;
    for (const char *p = text ? text : ""; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    size_t n = (chars + (size_t)per_line - 1) / (size_t)per_line;
    return n < 1 ? 1 : n > (size_t)max ? max : (int)n;
}

static int survey_header(hl_xlsx_t *x, hl_xsurvey_t *s)
{
    static const hl_xword_t fixed[HL_XLSX_FIXED_COLS] = {
        XW_RESPONSE_ID, XW_SEQ,     XW_KIOSK, XW_VERSION, XW_LANGUAGE, XW_STARTED, XW_FINISHED,
        XW_STATUS,      XW_SUSPECT, XW_CLOCK, XW_OFFICER, XW_COUNTER,  XW_FOLLOWUP};
    static const double widths[HL_XLSX_FIXED_COLS] = {38, 7,  14, 9,  11, 18, 18,
                                                      12, 12, 9,  12, 12, 11};
    /* Columns for machines (response id, kiosk, survey version, clock, the
     * codes) are grouped and collapsed: the sheet on screen and on paper
     * shows words; the group's "+" shows them. */
    static const bool technical[HL_XLSX_FIXED_COLS] = {1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    lxw_row_col_options grouped = {.hidden = 1, .level = 1, .collapsed = 0};
    /* The header row tall enough for its longest wrapped text: spreadsheets
     * do not grow a row for wrapped text by themselves. */
    int lines = 2; /* "Bắt đầu (UTC+07:00)" */
    for (size_t i = 0; i < s->n_cols; i++) {
        const hl_xq_t *q = &s->qs[i];
        int n = xlsx_wrap_lines(q->q ? hl_text_get(&q->q->text, s->lang) : s->cols[i], 15, 6);
        lines = n > lines ? n : lines;
    }
    lxw_error e = xlsx_sheet_print(s->ws, s->lang);
    if (e == LXW_NO_ERROR) e = xlsx_sheet_print(s->sum, s->lang);
    if (e == LXW_NO_ERROR) e = worksheet_set_row(s->ws, 0, 15.0 * lines, NULL);
    char head[64];
    for (lxw_col_t c = 0; e == LXW_NO_ERROR && c < HL_XLSX_FIXED_COLS; c++) {
        const char *w = xlsx_word(s->lang, fixed[c]);
        if (fixed[c] == XW_STARTED || fixed[c] == XW_FINISHED) {
            snprintf(head, sizeof head, "%s (%s)", w, x->zone_name);
            w = head;
        }
        e = worksheet_write_string(s->ws, 0, c, w, x->f_head);
        if (e == LXW_NO_ERROR)
            e = worksheet_set_column_opt(s->ws, c, c, widths[c], NULL,
                                         technical[c] ? &grouped : NULL);
    }
    /* Per question: its text (wrapped) over the labels, then "<qid>_code". */
    char code[HL_ITEM_ID_MAX + 8];
    for (size_t i = 0; e == LXW_NO_ERROR && i < s->n_cols; i++) {
        lxw_col_t c = (lxw_col_t)(HL_XLSX_FIXED_COLS + 2 * i);
        const hl_xq_t *q = &s->qs[i];
        const char *text = q->q ? hl_text_get(&q->q->text, s->lang) : NULL;
        snprintf(code, sizeof code, "%s_code", s->cols[i]);
        e = worksheet_write_string(s->ws, 0, c, text && *text ? text : s->cols[i], x->f_head);
        if (e == LXW_NO_ERROR) e = worksheet_write_string(s->ws, 0, c + 1, code, x->f_head);
        if (e == LXW_NO_ERROR) e = worksheet_set_column(s->ws, c, c, 16, NULL);
        if (e == LXW_NO_ERROR)
            e = worksheet_set_column_opt(s->ws, c + 1, c + 1, 18, NULL, &grouped);
    }
    if (e != LXW_NO_ERROR) return xlsx_fail(x, e, "writing the header");
    worksheet_freeze_panes(s->ws, 1, 0);
    s->row = 1;
    return HL_OK;
}

static void survey_free(hl_xsurvey_t *s)
{
    if (!s) return;
    for (size_t i = 0; s->qs && i < s->n_cols; i++)
        free(s->qs[i].counts);
    free(s->qs);
    free(s->sorted);
    free(s->cells);
    free(s->days);
    hl_store_free_ids(s->cols, s->n_cols);
    hl_survey_free(s->sv);
    free(s);
}

/* Loads the columns and labels of survey id and adds its two sheets. */
static int survey_open(hl_xlsx_t *x, const char *id, hl_xsurvey_t **out)
{
    *out = NULL;
    hl_xsurvey_t *s = calloc(1, sizeof *s);
    if (!s) return hl_err_set(x->err, HL_ERR_NOMEM, "out of memory exporting survey %s", id);
    snprintf(s->id, sizeof s->id, "%s", id);
    s->sat_q = -1;
    s->rating_col = -1;
    s->contact_col = -1;
    int rc = hl_store_survey_columns(x->st, id, &s->cols, &s->n_cols, x->err);
    if (rc != HL_OK) goto fail;

    char *json = NULL;
    rc = hl_store_survey_json(x->st, id, &json, x->err);
    if (rc != HL_OK) goto fail;
    hl_diags_t diags = {0};
    if (hl_survey_load_text(id, json, strlen(json), &s->sv, &diags) != HL_OK) s->sv = NULL;
    hl_diags_free(&diags);
    free(json);
    s->lang = s->sv ? s->sv->langs[0] : HL_LANG_VI;

    size_t n = s->n_cols ? s->n_cols : 1;
    s->qs = calloc(n, sizeof *s->qs);
    s->sorted = malloc(n * sizeof *s->sorted);
    s->cells = malloc(n * sizeof *s->cells);
    if (!s->qs || !s->sorted || !s->cells) goto nomem;
    for (size_t i = 0; i < s->n_cols; i++) {
        hl_xq_t *q = &s->qs[i];
        q->qid = s->cols[i];
        int qi = s->sv ? hl_survey_find_question(s->sv, q->qid) : -1;
        q->q = qi >= 0 ? &s->sv->questions[qi] : NULL;
        if (q->q) {
            switch (q->q->type) {
            case HL_Q_SMILEY:
            case HL_Q_CHOICE:
            case HL_Q_MULTI:
                q->n_opts = q->q->n_options;
                break;
            case HL_Q_STARS:
                q->n_opts = 5;
                break;
            case HL_Q_NPS:
                q->n_opts = 11;
                break;
            case HL_Q_YESNO:
                q->n_opts = 2;
                break;
            default:
                q->n_opts = 0;
                break;
            }
            if (q->q->type == HL_Q_SMILEY && s->sat_q < 0 && q->n_opts >= 2) s->sat_q = (int)i;
        }
        if (q->n_opts && !(q->counts = calloc(q->n_opts, sizeof *q->counts))) goto nomem;
        s->sorted[i] = (hl_row_col_t){q->qid, i};
    }
    hl_row_cols_sort(s->sorted, s->n_cols);

    char name[32];
    xlsx_sheet_name(x->wb, id, "", name);
    s->ws = workbook_add_worksheet(x->wb, name);
    xlsx_sheet_name(x->wb, id, " summary", name);
    s->sum = s->ws ? workbook_add_worksheet(x->wb, name) : NULL;
    if (!s->ws || !s->sum) {
        rc = hl_err_set(x->err, HL_ERR_IO,
                        "cannot add the sheets of survey %s (libxlsxwriter could not make its "
                        "scratch file in the target folder)",
                        id);
        goto fail;
    }
    rc = survey_header(x, s);
    if (rc == HL_OK) rc = xlsx_comments_open(x, s);
    if (rc != HL_OK) goto fail;

    if (x->n_sv == x->cap_sv) {
        size_t nc = x->cap_sv ? x->cap_sv * 2 : 4;
        hl_xsurvey_t **t = realloc(x->sv, nc * sizeof *t);
        if (!t) goto nomem;
        x->sv = t;
        x->cap_sv = nc;
    }
    x->sv[x->n_sv++] = s;
    *out = s;
    return HL_OK;
nomem:
    rc = hl_err_set(x->err, HL_ERR_NOMEM, "out of memory exporting survey %s", id);
fail:
    survey_free(s);
    return rc;
}

/* ---- Rows ------------------------------------------------------------------ */

static bool buf_fit(hl_xlsx_t *x, size_t need)
{
    if (need <= x->cap_buf) return true;
    size_t nc = x->cap_buf ? x->cap_buf : 256;
    while (nc < need)
        nc *= 2;
    char *t = realloc(x->buf, nc);
    if (!t) return false;
    x->buf = t;
    x->cap_buf = nc;
    return true;
}

/* The labels of a multi value ("a|c") joined by "; " into x->buf. */
static const char *multi_labels(hl_xlsx_t *x, const hl_xsurvey_t *s, hl_xq_t *q, const char *v)
{
    size_t len = 0;
    const char *p = v;
    for (;;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int oi = xlsx_option_index(q, p, n);
        const char *lab = oi >= 0 ? hl_text_get(&q->q->options[oi].label, s->lang) : p;
        size_t ln = oi >= 0 ? strlen(lab) : n;
        if (!buf_fit(x, len + ln + 3)) return NULL;
        if (len) {
            memcpy(x->buf + len, "; ", 2);
            len += 2;
        }
        memcpy(x->buf + len, lab, ln);
        len += ln;
        if (oi >= 0) q->counts[oi]++;
        if (!e) break;
        p = e + 1;
    }
    x->buf[len] = '\0';
    return x->buf;
}

/* Writes one answer's two cells and counts it. */
static lxw_error write_answer(hl_xlsx_t *x, hl_xsurvey_t *s, size_t i, lxw_row_t row, const char *v)
{
    hl_xq_t *q = &s->qs[i];
    lxw_col_t c = (lxw_col_t)(HL_XLSX_FIXED_COLS + 2 * i);
    q->answered++;
    lxw_error e = LXW_NO_ERROR;
    int64_t num;
    if (!q->q) {
        e = worksheet_write_string(s->ws, row, c, v, NULL);
        return e ? e : worksheet_write_string(s->ws, row, c + 1, v, NULL);
    }
    switch (q->q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
    case HL_Q_YESNO: {
        int oi = xlsx_option_index(q, v, strlen(v));
        const char *lab = v;
        if (oi >= 0) {
            q->counts[oi]++;
            lab = q->q->type == HL_Q_YESNO ? xlsx_yesno_label(s->lang, oi == 0)
                                           : hl_text_get(&q->q->options[oi].label, s->lang);
        }
        e = worksheet_write_string(s->ws, row, c, lab, x->f_wrap);
        break;
    }
    case HL_Q_MULTI: {
        const char *lab = multi_labels(x, s, q, v);
        if (!lab) return LXW_ERROR_MEMORY_MALLOC_FAILED;
        e = worksheet_write_string(s->ws, row, c, lab, x->f_wrap);
        break;
    }
    case HL_Q_STARS:
    case HL_Q_NPS:
        if (parse_int(v, &num)) {
            int oi = xlsx_option_index(q, v, strlen(v));
            if (oi >= 0) q->counts[oi]++;
            e = worksheet_write_number(s->ws, row, c, (double)num, NULL);
            if (e == LXW_NO_ERROR) e = worksheet_write_number(s->ws, row, c + 1, (double)num, NULL);
            return e;
        }
        e = worksheet_write_string(s->ws, row, c, v, NULL);
        break;
    case HL_Q_TEXT:    /* the words, once: no code (and a sheet of their own) */
    case HL_Q_CONTACT: /* the number as typed, leading 0 kept, once */
        return worksheet_write_string(s->ws, row, c, v, NULL);
    default: /* number: text, leading zeros kept */
        e = worksheet_write_string(s->ws, row, c, v, NULL);
        break;
    }
    if (e == LXW_NO_ERROR) e = worksheet_write_string(s->ws, row, c + 1, v, NULL);
    return e;
}

static void count_day(hl_xsurvey_t *s, const hl_row_t *r, const hl_xlsx_zone_t *zone, bool *nomem)
{
    if (r->status == HL_RESP_IN_PROGRESS) return;
    int64_t day = day_of(r->started_utc_ms + zone_offset(zone, r->started_utc_ms));
    size_t lo = 0, hi = s->n_days;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->days[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->n_days || s->days[lo].day != day) {
        if (s->n_days == s->cap_days) {
            size_t nc = s->cap_days ? s->cap_days * 2 : 16;
            hl_xday_t *t = realloc(s->days, nc * sizeof *t);
            if (!t) {
                *nomem = true;
                return;
            }
            s->days = t;
            s->cap_days = nc;
        }
        memmove(s->days + lo + 1, s->days + lo, (s->n_days - lo) * sizeof *s->days);
        s->days[lo] = (hl_xday_t){.day = day};
        s->n_days++;
    }
    if (r->status == HL_RESP_COMPLETE)
        s->days[lo].complete++;
    else
        s->days[lo].partial++;
}

static int xlsx_row(void *ctx, const hl_row_t *r)
{
    hl_xlsx_t *x = ctx;
    if (r->seq > x->max_seq) return XLSX_PAST_RANGE;
    hl_xsurvey_t *s = x->last;
    if (!s || strcmp(s->id, r->survey_id) != 0) {
        s = NULL;
        for (size_t i = 0; i < x->n_sv && !s; i++)
            if (strcmp(x->sv[i]->id, r->survey_id) == 0) s = x->sv[i];
        if (!s) {
            int rc = survey_open(x, r->survey_id, &s);
            if (rc != HL_OK) return rc;
        }
        x->last = s;
    }
    lxw_row_t row = s->row;
    lxw_datetime t = xlsx_datetime(x->zone, r->started_utc_ms);
    lxw_error e = worksheet_write_string(s->ws, row, 0, r->uuid, NULL);
    if (!e) e = worksheet_write_number(s->ws, row, 1, (double)r->seq, NULL);
    if (!e) e = worksheet_write_string(s->ws, row, 2, r->kiosk_id, NULL);
    if (!e) e = worksheet_write_number(s->ws, row, 3, (double)r->survey_version, NULL);
    if (!e) e = worksheet_write_string(s->ws, row, 4, lang_word(s->lang, r->lang), NULL);
    if (!e) e = worksheet_write_datetime(s->ws, row, 5, &t, x->f_time);
    if (!e && r->status != HL_RESP_IN_PROGRESS && r->finished_utc_ms >= 0) {
        t = xlsx_datetime(x->zone, r->finished_utc_ms);
        e = worksheet_write_datetime(s->ws, row, 6, &t, x->f_time);
    }
    if (!e) e = worksheet_write_string(s->ws, row, 7, status_word(s->lang, r->status), NULL);
    /* Empty when fair counting did not flag it. */
    if (!e && r->suspect)
        e = worksheet_write_string(s->ws, row, 8, suspect_word(s->lang, r->suspect), NULL);
    if (!e) e = worksheet_write_boolean(s->ws, row, 9, r->clock_trusted, NULL);
    /* Empty cells when nobody was on duty. */
    if (!e && r->officer_id) e = worksheet_write_string(s->ws, row, 10, r->officer_id, NULL);
    if (!e && r->counter) e = worksheet_write_string(s->ws, row, 11, r->counter, NULL);
    if (!e && r->followup) e = worksheet_write_string(s->ws, row, 12, r->followup, NULL);

    hl_row_cells(r, s->sorted, s->n_cols, s->cells);
    for (size_t k = 0; !e && k < s->n_cols; k++)
        if (s->cells[k]) e = write_answer(x, s, k, row, s->cells[k]);
    if (!e && s->com) e = xlsx_comments_row(x, s, r);
    if (e) return xlsx_fail(x, e, "writing a response row");

    bool nomem = false;
    count_day(s, r, x->zone, &nomem);
    if (nomem) return hl_err_set(x->err, HL_ERR_NOMEM, "out of memory counting days");
    s->total++;
    if (r->status == HL_RESP_COMPLETE)
        s->complete++;
    else if (r->status == HL_RESP_PARTIAL)
        s->partial++;
    else
        s->in_progress++;
    s->row++;
    x->rows++;
    return HL_OK;
}

/* ---- Summary --------------------------------------------------------------- */

/* One summary line: label in A, number (or blank when den is 0) in B. */
static lxw_error sum_line(hl_xlsx_t *x, lxw_worksheet *ws, lxw_row_t row, const char *label,
                          double v, lxw_format *fmt)
{
    lxw_error e = worksheet_write_string(ws, row, 0, label, x->f_head);
    return e ? e : worksheet_write_number(ws, row, 1, v, fmt);
}

static lxw_error write_option(hl_xlsx_t *x, const hl_xsurvey_t *s, const hl_xq_t *q, size_t o,
                              lxw_row_t row)
{
    char code[24];
    const char *id = code, *label = code;
    switch (q->q->type) {
    case HL_Q_STARS:
        snprintf(code, sizeof code, "%zu", o + 1);
        break;
    case HL_Q_NPS:
        snprintf(code, sizeof code, "%zu", o);
        break;
    case HL_Q_YESNO:
        id = o == 0 ? "yes" : "no";
        label = xlsx_yesno_label(s->lang, o == 0);
        break;
    default:
        id = q->q->options[o].id;
        label = hl_text_get(&q->q->options[o].label, s->lang);
        break;
    }
    lxw_worksheet *ws = s->sum;
    lxw_error e = worksheet_write_string(ws, row, 0, q->qid, NULL);
    if (!e) e = worksheet_write_string(ws, row, 2, id, NULL);
    if (!e) e = worksheet_write_string(ws, row, 3, label, NULL);
    if (!e) e = worksheet_write_number(ws, row, 4, (double)q->counts[o], NULL);
    if (!e && q->answered)
        e = worksheet_write_number(ws, row, 5, (double)q->counts[o] / (double)q->answered,
                                   x->f_pct);
    return e;
}

static int survey_summary(hl_xlsx_t *x, const hl_xsurvey_t *s)
{
    lxw_worksheet *ws = s->sum;
    hl_lang_t L = s->lang;
    lxw_error e = worksheet_write_string(ws, 0, 0, xlsx_word(L, XW_SURVEY), x->f_head);
    if (!e) e = worksheet_write_string(ws, 0, 1, s->id, NULL);
    if (!e && s->sv) e = worksheet_write_string(ws, 0, 2, hl_text_get(&s->sv->title, L), NULL);
    if (!e) e = sum_line(x, ws, 1, xlsx_word(L, XW_RESPONSES), (double)s->total, NULL);
    if (!e) e = sum_line(x, ws, 2, xlsx_word(L, XW_COMPLETE), (double)s->complete, NULL);
    if (!e) e = sum_line(x, ws, 3, xlsx_word(L, XW_PARTIAL), (double)s->partial, NULL);
    if (!e) e = sum_line(x, ws, 4, xlsx_word(L, XW_IN_PROGRESS), (double)s->in_progress, NULL);
    if (!e) e = worksheet_write_string(ws, 5, 0, xlsx_word(L, XW_SAT_RATE), x->f_head);
    if (!e && s->sat_q >= 0) {
        const hl_xq_t *q = &s->qs[s->sat_q];
        if (q->answered)
            e = worksheet_write_number(
                ws, 5, 1, (double)(q->counts[0] + q->counts[1]) / (double)q->answered, x->f_pct);
        if (!e) e = worksheet_write_string(ws, 5, 2, q->qid, NULL);
        if (!e) e = worksheet_write_string(ws, 5, 3, xlsx_word(L, XW_SAT_MEANS), NULL);
    } else if (!e) {
        e = worksheet_write_string(ws, 5, 2, xlsx_word(L, XW_NO_SMILEY), NULL);
    }

    static const hl_xword_t head[] = {XW_QUESTION_ID, XW_QUESTION, XW_OPTION_CODE,
                                      XW_OPTION,      XW_COUNT,    XW_SHARE};
    lxw_row_t row = 7;
    for (lxw_col_t c = 0; !e && c < 6; c++)
        e = worksheet_write_string(ws, row, c, xlsx_word(L, head[c]),
                                   c >= 4 ? x->f_head_num : x->f_head);
    row++;
    for (size_t i = 0; !e && i < s->n_cols; i++) {
        const hl_xq_t *q = &s->qs[i];
        /* The question's text wrapped in its column (about 48 characters a
         * line), the row's cells at its top. */
        int lines = q->q ? xlsx_wrap_lines(hl_text_get(&q->q->text, s->lang), 48, 8) : 1;
        e = lines > 1 ? worksheet_set_row(ws, row, 15.0 * lines, NULL) : LXW_NO_ERROR;
        if (!e) e = worksheet_write_string(ws, row, 0, q->qid, x->f_head);
        if (!e && q->q)
            e = worksheet_write_string(ws, row, 1, hl_text_get(&q->q->text, s->lang), x->f_wrap);
        if (!e) e = worksheet_write_string(ws, row, 3, xlsx_word(L, XW_ANSWERED), x->f_wrap);
        if (!e) e = worksheet_write_number(ws, row, 4, (double)q->answered, x->f_wrap);
        if (!e && s->total)
            e = worksheet_write_number(ws, row, 5, (double)q->answered / (double)s->total,
                                       x->f_pct_top);
        row++;
        for (size_t o = 0; !e && o < q->n_opts; o++)
            e = write_option(x, s, q, o, row++);
    }
    row++;
    char dhead[64];
    snprintf(dhead, sizeof dhead, "%s (%s)", xlsx_word(L, XW_DATE), x->zone_name);
    e = e ? e : worksheet_write_string(ws, row, 0, dhead, x->f_head);
    if (!e) e = worksheet_write_string(ws, row, 1, xlsx_word(L, XW_COMPLETE), x->f_head_num);
    if (!e) e = worksheet_write_string(ws, row, 2, xlsx_word(L, XW_PARTIAL), x->f_head_num);
    row++;
    for (size_t d = 0; !e && d < s->n_days; d++, row++) {
        lxw_datetime dt = {0};
        civil_from_days(s->days[d].day, &dt.year, &dt.month, &dt.day);
        e = worksheet_write_datetime(ws, row, 0, &dt, x->f_date);
        if (!e) e = worksheet_write_number(ws, row, 1, (double)s->days[d].complete, NULL);
        if (!e) e = worksheet_write_number(ws, row, 2, (double)s->days[d].partial, NULL);
    }
    static const double widths[] = {20, 40, 20, 28, 10, 10};
    for (lxw_col_t c = 0; !e && c < 6; c++)
        e = worksheet_set_column(ws, c, c, widths[c], NULL);
    return e ? xlsx_fail(x, e, "writing the summary") : HL_OK;
}

/* ---- The file -------------------------------------------------------------- */

/* A failure of workbook_close: libxlsxwriter's code, the errno it left, and
 * the free space of the folder tell a full disk from other errors. */
static int close_fail(lxw_error le, int e, const char *dir, const char *path, hl_err_t *err)
{
    if (e == ENOSPC || e == EDQUOT || e == EROFS || e == EACCES || e == EPERM || e == EIO ||
        (le == LXW_ERROR_CREATING_XLSX_FILE && e != 0))
        return hl_errno_set(e, "cannot write", path, err);
    struct statvfs vs;
    if (statvfs(dir, &vs) == 0 && (uint64_t)vs.f_bavail * vs.f_frsize < 256 * 1024)
        return hl_errno_set(ENOSPC, "cannot write", path, err);
    if (le == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory writing %s", path);
    return hl_err_set(err, HL_ERR_IO,
                      "cannot write %s: %s (check the medium (it may be failing or removed) and "
                      "retry)",
                      path, lxw_strerror(le));
}

int hl_export_xlsx(hl_store_t *st, const char *survey_id, const char *out_path,
                   const hl_xlsx_zone_t *zone, hl_export_result_t *res, hl_err_t *err)
{
    return hl_export_xlsx_range(st, survey_id, 0, INT64_MAX, out_path, zone, res, err);
}

int hl_export_xlsx_range(hl_store_t *st, const char *survey_id, int64_t after_seq, int64_t max_seq,
                         const char *out_path, const hl_xlsx_zone_t *zone, hl_export_result_t *res,
                         hl_err_t *err)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    hl_afile_t af = {.fd = -1, .dfd = -1};
    hl_xlsx_t x = {.st = st, .err = err, .max_seq = max_seq, .zone = zone};
    zone_name(zone, x.zone_name);
    int rc = HL_OK;

    if (res) memset(res, 0, sizeof *res);
    if (!st || !out_path)
        return hl_err_set(err, HL_ERR_USAGE, "export: a store and a path are needed");
    /* A folder (existing, or named so by a trailing '/'): a file name is
     * needed in it; suggest one. */
    int frc = hl_afile_not_a_folder(out_path, "responses.xlsx", err);
    if (frc != HL_OK) return frc;
    const char *slash = strrchr(out_path, '/');
    int dlen = slash ? (int)(slash - out_path) : 0;
    snprintf(dir, sizeof dir, "%.*s", slash ? (dlen == 0 ? 1 : dlen) : 1,
             slash ? (dlen == 0 ? "/" : out_path) : ".");

    /* Unknown survey: fail before anything touches the folder. */
    if (survey_id) {
        char **cols = NULL;
        size_t nc = 0;
        rc = hl_store_survey_columns(st, survey_id, &cols, &nc, err);
        hl_store_free_ids(cols, nc);
        if (rc != HL_OK) return rc;
    }

    /* A unique temporary file that libxlsxwriter then rewrites by name. */
    rc = hl_afile_open(&af, out_path, 0640, err);
    if (rc != HL_OK) return rc;
    if (!hl_afile_tmp_path(&af, tmp, sizeof tmp)) {
        hl_afile_abort(&af);
        return hl_err_set(err, HL_ERR_USAGE, "export path \"%s\" is too long", out_path);
    }

    lxw_workbook_options opts = {.constant_memory = LXW_TRUE, .tmpdir = dir};
    x.wb = workbook_new_opt(tmp, &opts);
    if (!x.wb) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory starting %s", out_path);
        goto done;
    }
    x.f_head = workbook_add_format(x.wb);
    x.f_time = workbook_add_format(x.wb);
    x.f_date = workbook_add_format(x.wb);
    x.f_pct = workbook_add_format(x.wb);
    x.f_wrap = workbook_add_format(x.wb);
    x.f_head_num = workbook_add_format(x.wb);
    x.f_pct_top = workbook_add_format(x.wb);
    if (!x.f_head || !x.f_time || !x.f_date || !x.f_pct || !x.f_wrap || !x.f_head_num ||
        !x.f_pct_top) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory starting %s", out_path);
        goto done;
    }
    format_set_bold(x.f_head);
    format_set_text_wrap(x.f_head);
    format_set_align(x.f_head, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(x.f_wrap);
    format_set_align(x.f_wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(x.f_head_num);
    format_set_align(x.f_head_num, LXW_ALIGN_RIGHT);
    format_set_num_format(x.f_time, "yyyy-mm-dd hh:mm:ss");
    format_set_num_format(x.f_date, "yyyy-mm-dd");
    format_set_num_format(x.f_pct, "0.0%");
    format_set_num_format(x.f_pct_top, "0.0%");
    format_set_align(x.f_pct_top, LXW_ALIGN_VERTICAL_TOP);

    if (survey_id) {
        hl_xsurvey_t *s = NULL;
        rc = survey_open(&x, survey_id, &s);
        if (rc != HL_OK) goto done;
        x.last = s;
    }
    rc = hl_store_foreach(st, survey_id, after_seq, xlsx_row, &x, err);
    if (rc == XLSX_PAST_RANGE) rc = HL_OK; /* rows come in sequence order */
    for (size_t i = 0; rc == HL_OK && i < x.n_sv; i++)
        rc = survey_summary(&x, x.sv[i]);
    if (rc != HL_OK) goto done;
    /* libxlsxwriter does not check writes to its scratch files: a full disk
     * found there must not give a workbook that looks whole. */
    errno = 0;
    for (size_t i = 0; i < x.n_sv; i++) {
        lxw_worksheet *sheets[3] = {x.sv[i]->ws, x.sv[i]->sum, x.sv[i]->com};
        for (int k = 0; k < 3 && sheets[k]; k++) {
            FILE *f = sheets[k]->optimize_tmpfile;
            if (f && (fflush(f) != 0 || ferror(f))) {
                rc = hl_errno_set(errno ? errno : EIO, "cannot write", out_path, err);
                goto done;
            }
        }
    }

    /* When packaging fails, libxlsxwriter 1.1.4 frees the workbook but leaves
     * the scratch files of the sheets it did not reach open (they would keep
     * a stick busy): note them to close what is still open afterwards. */
    for (size_t i = 0; i < x.n_sv && x.n_scratch + 3 <= HL_XLSX_SCRATCH_MAX; i++) {
        lxw_worksheet *sheets[3] = {x.sv[i]->ws, x.sv[i]->sum, x.sv[i]->com};
        for (int k = 0; k < 3 && sheets[k]; k++) {
            hl_xscratch_t *sc = &x.scratch[x.n_scratch];
            sc->f = sheets[k]->optimize_tmpfile;
            if (sc->f && fstat(fileno(sc->f), &sc->sb) == 0) x.n_scratch++;
        }
    }
    lxw_workbook *wb = x.wb;
    x.wb = NULL;
    errno = 0;
    lxw_error le = workbook_close(wb); /* frees wb in every case */
    int e = errno;
    if (le != LXW_NO_ERROR) {
        rc = close_fail(le, e, dir, out_path, err);
        for (size_t i = 0; i < x.n_scratch; i++) {
            /* Still the same unlinked file on the same descriptor: never
             * closed by the library. */
            struct stat now;
            const hl_xscratch_t *sc = &x.scratch[i];
            if (fstat(fileno(sc->f), &now) == 0 && now.st_dev == sc->sb.st_dev &&
                now.st_ino == sc->sb.st_ino && now.st_nlink == 0)
                fclose(sc->f);
        }
        goto done;
    }
    rc = hl_afile_reopen(&af, err);
    if (rc != HL_OK) goto done;
    struct stat sb;
    int64_t bytes = fstat(af.fd, &sb) == 0 ? (int64_t)sb.st_size : 0;
    rc = hl_afile_commit(&af, err);
    if (rc != HL_OK) goto done;
    if (res) {
        res->rows = x.rows;
        res->bytes = bytes;
        for (size_t i = 0; i < x.n_sv; i++)
            res->n_columns += (int)(HL_XLSX_FIXED_COLS + 2 * x.sv[i]->n_cols);
    }
    hl_err_clear(err);
    rc = HL_OK;
done:
    if (x.wb) {
        /* lxw_workbook_free leaves the constant-memory scratch files open
         * (workbook_close closes them): close them so that nothing stays
         * open on the medium. */
        for (size_t i = 0; i < x.n_sv; i++) {
            lxw_worksheet *sheets[3] = {x.sv[i]->ws, x.sv[i]->sum, x.sv[i]->com};
            for (int k = 0; k < 3; k++) {
                if (sheets[k] && sheets[k]->optimize_tmpfile) {
                    fclose(sheets[k]->optimize_tmpfile);
                    sheets[k]->optimize_tmpfile = NULL;
                }
            }
        }
        lxw_workbook_free(x.wb);
    }
    hl_afile_abort(&af);
    for (size_t i = 0; i < x.n_sv; i++)
        survey_free(x.sv[i]);
    free(x.sv);
    free(x.buf);
    return rc;
}

int hl_xlsx_bundle_write(void *ctx, hl_store_t *st, int64_t after_seq, int64_t max_seq, int dirfd,
                         const char *tmp_name, hl_err_t *err)
{
    /* libxlsxwriter takes paths: reach the bundle folder through its open
     * descriptor (Linux), so a link planted on the stick is never followed. */
    char path[64 + PATH_MAX];
    snprintf(path, sizeof path, "/proc/self/fd/%d/%s", dirfd, tmp_name);
    return hl_export_xlsx_range(st, NULL, after_seq, max_seq, path, ctx, NULL, err);
}
