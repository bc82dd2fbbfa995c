/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_xlsx.c: the Excel workbook export (firmware/export/hl_xlsx.c) and the
 * store's survey JSON accessor it uses (hl_store_survey_json).
 *
 * A store holds two versions of one survey (v2 adds a yes/no question) with
 * Vietnamese labels, answered over two UTC days: complete, partial and in
 * progress responses, a multi answer, stars, a case number with leading
 * zeros. The workbook is read back with openpyxl (tests/data/xlsx/check.py
 * prints every cell as JSON with its type and number format, and each
 * sheet's print set-up) and checked: sheets, frozen header, widths, labels
 * and codes, numbers as numbers, dates as date-time cells in local time
 * (UTC+7: the responses of 22:xx UTC fall on the next local day), "0042" as
 * text, summary counts, percentages, the satisfaction rate and the per-day
 * counts by local date, Vietnamese words instead of code words, landscape
 * printing fitted to the page width with the header repeated. Failures: unknown survey, a
 * missing folder, a folder as the path, a full tmpfs (as root) all leave
 * the old file and no temporary file.
 */
#include "hl_fixture.h"
#include "hl_test.h"
#include "hl_xlsx.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"
#define DAY1   1700000000000LL /* 2023-11-14T22:13:20Z */

#define DAY2 (DAY1 + 86400000LL)

/* Viet Nam's zone for the export: UTC+7, no daylight saving. */
static int64_t utc_plus_7(int64_t utc_ms)
{
    (void)utc_ms;
    return 7 * 3600000LL;
}

static const hl_xlsx_zone_t vn_zone = {utc_plus_7, DAY2};

/* ---- Helpers ---------------------------------------------------------------- */

static hl_survey_t *survey_load(const char *rel)
{
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    if (hl_survey_load_file(hl_test_data(rel), &s, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        hl_test_fail(__FILE__, __LINE__, "cannot load %s", rel);
    }
    hl_diags_free(&d);
    return s;
}

/* The survey of text (its file named id); a refusal fails the test. */
static hl_survey_t *survey_from(const char *id, const char *text)
{
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    if (hl_survey_load_text(id, text, strlen(text), &s, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        hl_test_fail(__FILE__, __LINE__, "cannot load survey %s", id);
    }
    hl_diags_free(&d);
    return s;
}

/* A one-question survey with the given id, from text. */
static hl_survey_t *survey_tiny(const char *id)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"format\": 1, \"id\": \"%s\", \"version\": 1, \"languages\": [\"vi\"],"
             " \"title\": {\"vi\": \"Đánh giá\"}, \"thanks\": {\"vi\": \"Cảm ơn!\"},"
             " \"questions\": [{\"id\": \"ok\", \"type\": \"yesno\","
             " \"text\": {\"vi\": \"Được không?\"}}]}",
             id);
    return survey_from(id, text);
}

static void use(hl_store_t *st, const hl_survey_t *s)
{
    hl_err_t err = {0};
    if (!s || hl_store_use_survey(st, s, "kiosk-07", &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "use_survey: %s", err.msg);
}

static void resp_init(hl_response_t *r, int n, int64_t started, hl_lang_t lang)
{
    hl_fixture_response(r, n, started);
    r->lang = lang;
}

static void save(hl_store_t *st, hl_response_t *r, const char *qid, const char *val)
{
    hl_fixture_save(st, r, qid, val, 100);
}

/* The store of the file comment: 6 responses of "mot-cua" over two days. */
static void fill_standard(hl_store_t *st)
{
    if (!st) return;
    hl_survey_t *v1 = survey_load("xlsx/survey-v1.json");
    hl_survey_t *v2 = survey_load("xlsx/survey-v2.json");
    hl_response_t r;
    use(st, v1);
    hl_err_t err = {0};
    /* Response 1 served by an officer at a counter, the others by nobody. */
    if (hl_store_set_duty(st, "off_3", "Quầy 1", &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "set_duty: %s", err.msg);
    resp_init(&r, 1, DAY1 + 60000, HL_LANG_VI); /* 22:14:20 */
    save(st, &r, "overall", "very_satisfied");
    save(st, &r, "reasons", "slow|other");
    save(st, &r, "rating", "4");
    save(st, &r, "case_code", "0042");
    hl_fixture_finish(st, &r, HL_RESP_COMPLETE);
    if (hl_store_set_duty(st, NULL, NULL, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "set_duty: %s", err.msg);
    resp_init(&r, 2, DAY1 + 120000, HL_LANG_EN);
    r.clock_trusted = false;
    save(st, &r, "overall", "satisfied");
    hl_fixture_finish(st, &r, HL_RESP_COMPLETE);
    resp_init(&r, 3, DAY1 + 180000, HL_LANG_VI);
    hl_save_t flagged = {.set_qid = "overall",
                         .set_value = "dissatisfied",
                         .set_ms = 100,
                         .suspect = "min_interval"}; /* fair counting flagged it */
    if (hl_store_save(st, &r, &flagged, &err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "%s", err.msg);
    save(st, &r, "reasons", "attitude");
    hl_fixture_finish(st, &r, HL_RESP_PARTIAL);
    use(st, v2);
    resp_init(&r, 4, DAY2, HL_LANG_VI);
    save(st, &r, "overall", "neutral");
    save(st, &r, "posted", "yes");
    hl_fixture_finish(st, &r, HL_RESP_COMPLETE);
    resp_init(&r, 5, DAY2 + 60000, HL_LANG_VI);
    save(st, &r, "posted", "no");
    hl_fixture_finish(st, &r, HL_RESP_PARTIAL);
    resp_init(&r, 6, DAY2 + 120000, HL_LANG_VI);
    save(st, &r, "overall", "very_satisfied"); /* left in progress */
    hl_survey_free(v1);
    hl_survey_free(v2);
}

/* A fresh folder holding the standard store and out_name to export to. */
static void open_standard(hl_fx_t *x, const char *out_name)
{
    hl_fx_open(x, "xlsx", NULL, out_name);
    fill_standard(x->st);
}

/* The workbook as check.py prints it, or NULL (failure recorded). */
static json_t *read_back(const char *xlsx)
{
    if (access(PYTHON, X_OK) != 0) {
        hl_test_fail(__FILE__, __LINE__,
                     "%s is missing: install python3 and python3-openpyxl "
                     "(bash platform/dev/test.sh installs them)",
                     PYTHON);
        return NULL;
    }
    const char *argv[] = {PYTHON, hl_test_data("xlsx/check.py"), xlsx, NULL};
    char *out = NULL, *errout = NULL;
    int rc = hl_test_run(argv, NULL, &out, &errout);
    json_t *j = NULL;
    if (rc == 3) {
        hl_test_fail(__FILE__, __LINE__,
                     "openpyxl is missing for %s: install python3-openpyxl "
                     "(bash platform/dev/test.sh installs it)",
                     PYTHON);
    } else if (rc != 0) {
        hl_test_fail(__FILE__, __LINE__, "check.py failed (%d): %s", rc, errout ? errout : "");
    } else {
        json_error_t je;
        j = json_loads(out, 0, &je);
        if (!j) hl_test_fail(__FILE__, __LINE__, "check.py output: %s", je.text);
    }
    free(out);
    free(errout);
    return j;
}

static json_t *sheet(json_t *wb, const char *name)
{
    json_t *s;
    size_t i;
    json_array_foreach(json_object_get(wb, "sheets"), i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0) return s;
    }
    return NULL;
}

/* Cell [type, value, format] at 0-based row and column, or NULL. */
static json_t *cell(json_t *sh, size_t row, size_t col)
{
    return json_array_get(json_array_get(json_object_get(sh, "rows"), row), col);
}

static const char *ctype(json_t *c)
{
    return json_string_value(json_array_get(c, 0));
}

static const char *cstr(json_t *c)
{
    return json_string_value(json_array_get(c, 1));
}

static double cnum(json_t *c)
{
    return json_number_value(json_array_get(c, 1));
}

static const char *cfmt(json_t *c)
{
    return json_string_value(json_array_get(c, 2));
}

/* First row whose column A holds a and column C or D holds c (NULL: any),
 * or -1. */
static int find_row(json_t *sh, const char *a, const char *c)
{
    json_t *rows = json_object_get(sh, "rows");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        const char *va = cstr(cell(sh, i, 0)), *vc = cstr(cell(sh, i, 2)),
                   *vd = cstr(cell(sh, i, 3));
        if (va && strcmp(va, a) == 0 &&
            (!c || (vc && strcmp(vc, c) == 0) || (vd && strcmp(vd, c) == 0)))
            return (int)i;
    }
    return -1;
}

/* What one cell holds: its text ('s'), number ('n': a number cell), type
 * ('t'), number format ('f'), nothing ('-': no cell or a null) or a truth
 * ('b': true, num 1; false, num 0). */
typedef struct want_cell {
    int row, col; /* row from the base row given to check_cells */
    char what;
    const char *text; /* 's', 't', 'f' */
    double num;       /* 'n', 'b' */
} want_cell_t;
#define CS(r, c, text)                                                                             \
    {                                                                                              \
        r, c, 's', text, 0                                                                         \
    }
#define CN(r, c, num)                                                                              \
    {                                                                                              \
        r, c, 'n', NULL, num                                                                       \
    }
#define CT(r, c, type)                                                                             \
    {                                                                                              \
        r, c, 't', type, 0                                                                         \
    }
#define CF(r, c, fmt)                                                                              \
    {                                                                                              \
        r, c, 'f', fmt, 0                                                                          \
    }
#define CE(r, c)                                                                                   \
    {                                                                                              \
        r, c, '-', NULL, 0                                                                         \
    }
#define CB(r, c, yes)                                                                              \
    {                                                                                              \
        r, c, 'b', NULL, yes                                                                       \
    }

/* Checks the cells w[0..n) of sh, rows counted from base; a failure names
 * the case (where, row and column) and what the cell holds. */
static void check_cells(json_t *sh, int base, const want_cell_t *w, size_t n, const char *where)
{
    for (size_t i = 0; i < n; i++) {
        json_t *c = cell(sh, (size_t)(base + w[i].row), (size_t)w[i].col);
        const char *got = w[i].what == 't' ? ctype(c) : w[i].what == 'f' ? cfmt(c) : cstr(c);
        double d = cnum(c) - w[i].num;
        bool ok;
        if (w[i].what == 'n')
            ok = ctype(c) && strcmp(ctype(c), "n") == 0 && d <= 1e-9 && d >= -1e-9;
        else if (w[i].what == '-')
            ok = c == NULL || json_is_null(c);
        else if (w[i].what == 'b')
            ok =
                w[i].num ? json_is_true(json_array_get(c, 1)) : json_is_false(json_array_get(c, 1));
        else
            ok = got && strcmp(got, w[i].text) == 0;
        if (!ok)
            hl_test_fail(__FILE__, __LINE__,
                         "%s: row %d col %d ('%c'): holds \"%s\" (%g), expected \"%s\" (%g)", where,
                         base + w[i].row, w[i].col, w[i].what, got ? got : "(null)", cnum(c),
                         w[i].text ? w[i].text : "", w[i].num);
    }
}

/* Exports the standard store of a fresh folder (x) and reads it back. */
static json_t *export_standard(hl_fx_t *x)
{
    open_standard(x, "responses.xlsx");
    hl_export_result_t res;
    int rc = hl_export_xlsx(x->st, "mot-cua", x->out, &vn_zone, &res, &x->err);
    CHECK_INT(rc, HL_OK);
    if (rc != HL_OK) printf("  %s\n", x->err.msg);
    CHECK_INT(res.rows, 6);
    CHECK_INT(res.n_columns, 13 + 2 * 5);
    struct stat sb;
    CHECK(stat(x->out, &sb) == 0 && sb.st_size == res.bytes);
    CHECK_INT(hl_fixture_hidden(x->dir), 0);
    return rc == HL_OK ? read_back(x->out) : NULL;
}

/* Runs check on the sheet name of the standard export (the sheet found);
 * the workbook holds that sheet and the summary, the two sheets of one
 * survey. */
static void with_standard_sheet(const char *name, void (*check)(json_t *sh))
{
    hl_fx_t x;
    json_t *wb = export_standard(&x);
    json_t *sh = sheet(wb, name);
    CHECK(sh != NULL);
    CHECK(sheet(wb, "mot-cua summary") != NULL);
    CHECK_INT(json_array_size(json_object_get(wb, "sheets")), 2);
    if (sh) check(sh);
    json_decref(wb);
    hl_fx_close(&x);
}

/* ---- Tests ------------------------------------------------------------------ */

static void test_xlsx_range_holds_only_the_responses_of_a_bundle_range(void)
{
    hl_fx_t x;
    open_standard(&x, "range.xlsx");
    hl_export_result_t res;
    CHECK_INT(hl_export_xlsx_range(x.st, "mot-cua", 2, 4, x.out, NULL, &res, &x.err), HL_OK);
    CHECK_INT(res.rows, 2); /* responses 3 and 4 */
    json_t *wb = read_back(x.out);
    json_t *sh = wb ? sheet(wb, "mot-cua") : NULL;
    CHECK(sh != NULL);
    if (sh) {
        CHECK_INT(json_array_size(json_object_get(sh, "rows")), 3); /* header + 2 */
        static const want_cell_t seqs[] = {CN(1, 1, 3), CN(2, 1, 4)};
        check_cells(sh, 0, seqs, 2, "range");
    }
    json_decref(wb);
    hl_fx_close(&x);
}

static void test_store_survey_json_returns_newest_version_or_not_found(void)
{
    hl_fx_t x;
    open_standard(&x, NULL);
    char *json = NULL;
    CHECK_INT(hl_store_survey_json(x.st, "mot-cua", &json, &x.err), HL_OK);
    char *want = hl_test_read_file(hl_test_data("xlsx/survey-v2.json"), NULL);
    CHECK_STR(json, want);
    free(json);
    free(want);
    json = (char *)"unchanged";
    CHECK_INT(hl_store_survey_json(x.st, "ghost", &json, &x.err), HL_ERR_NOT_FOUND);
    CHECK(json == NULL);
    CHECK_CONTAINS(x.err.msg, "ghost");
    hl_fx_close(&x);
}

static void responses_sheet(json_t *sh)
{
    CHECK_STR(json_string_value(json_object_get(sh, "freeze")), "A2");
    /* Columns for machines grouped and hidden: response id, kiosk, survey
     * version, clock trusted and every code. */
    static const char *const hidden[] = {"A", "C", "D", "J", "O", "Q", "S", "U", "W"};
    json_t *hid = json_object_get(sh, "hidden");
    CHECK_INT(json_array_size(hid), sizeof hidden / sizeof *hidden);
    for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++)
        CHECK_STR(json_string_value(json_array_get(hid, i)), hidden[i]);
    CHECK(json_number_value(json_object_get(json_object_get(sh, "widths"), "A")) >= 30);
    static const char *const head[] = {"Mã phản hồi",
                                       "Số thứ tự",
                                       "Ki-ốt",
                                       "Phiên bản khảo sát",
                                       "Ngôn ngữ",
                                       "Bắt đầu (UTC+07:00)",
                                       "Kết thúc (UTC+07:00)",
                                       "Trạng thái",
                                       "Cảnh báo",
                                       "Giờ máy đáng tin",
                                       "Mã cán bộ",
                                       "Quầy",
                                       "Mã theo dõi",
                                       "Ông/Bà hài lòng thế nào?",
                                       "overall_code",
                                       "Thủ tục có được niêm yết công khai không?",
                                       "posted_code",
                                       "Điều gì khiến Ông/Bà chưa hài lòng?",
                                       "reasons_code",
                                       "Ông/Bà chấm mấy sao?",
                                       "rating_code",
                                       "Mã số hồ sơ",
                                       "case_code_code"};
    for (size_t c = 0; c < sizeof head / sizeof *head; c++)
        CHECK_STR(cstr(cell(sh, 0, c)), head[c]);
    CHECK_INT(json_array_size(json_object_get(sh, "rows")), 7);

    static const want_cell_t rows[] = {
        /* Response 1: v1, Vietnamese labels, multi joined, stars a number,
         * the case code text with its zeros, real date-time cells in local
         * time (22:14:20 UTC is 05:14:20 the next day in Viet Nam). */
        CS(1, 0, "00000000-0000-4000-8000-000000000001"), CN(1, 1, 1), CS(1, 2, "kiosk-07"),
        CN(1, 3, 1), CS(1, 4, "Tiếng Việt"), CT(1, 5, "d"), CS(1, 5, "2023-11-15T05:14:20"),
        CF(1, 5, "yyyy-mm-dd hh:mm:ss"), CT(1, 6, "d"), CS(1, 6, "2023-11-15T05:15:21"),
        CS(1, 7, "Hoàn thành"), CE(1, 8), /* not flagged */
        CT(1, 9, "b"), CB(1, 9, 1), CS(1, 10, "off_3"), CS(1, 11, "Quầy 1"),
        CS(1, 13, "Rất hài lòng"), CS(1, 14, "very_satisfied"), CE(1, 15), /* not in v1 */
        CS(1, 17, "Thời gian xử lý lâu; Khác"), CS(1, 18, "slow|other"), CN(1, 19, 4), CN(1, 20, 4),
        CT(1, 21, "s"), CS(1, 21, "0042"), CS(1, 22, "0042"),
        /* Response 2: English respondent, labels still in the default
         * language; nobody on duty. */
        CS(2, 4, "Tiếng Anh"), CS(2, 13, "Hài lòng"), CB(2, 9, 0), CE(2, 10), CE(2, 11),
        CS(3, 7, "Chưa xong"), CS(3, 8, "Quá sát lượt trước"),
        /* Response 4 and 5: v2, the yes/no question. */
        CN(4, 3, 2), CS(4, 5, "2023-11-16T05:13:20"), CS(4, 15, "Có"), CS(4, 16, "yes"),
        CS(5, 15, "Không"), CS(5, 16, "no"),
        /* Response 6: in progress, no finished_at. */
        CS(6, 7, "Đang trả lời"), CE(6, 6)};
    check_cells(sh, 0, rows, sizeof rows / sizeof *rows, "responses");
}

static void test_xlsx_responses_sheet_has_frozen_header_labels_codes_numbers_and_dates(void)
{
    with_standard_sheet("mot-cua", responses_sheet);
}

static void summary_sheet(json_t *sh)
{
    static const want_cell_t top[] = {
        CS(0, 0, "Khảo sát"), CS(1, 0, "Số phản hồi"),    CN(1, 1, 6),   CS(2, 0, "Hoàn thành"),
        CN(2, 1, 3),          CS(3, 0, "Chưa xong"),      CN(3, 1, 2),   CS(4, 0, "Đang trả lời"),
        CN(4, 1, 1),          CS(5, 0, "Tỷ lệ hài lòng"), CN(5, 1, 0.6), /* 3 of the 5 that answered
                                                                            "overall" */
        CF(5, 1, "0.0%"),     CS(5, 2, "overall")};
    check_cells(sh, 0, top, sizeof top / sizeof *top, "summary");
    /* A question's row (A: its id, C or D: the option, NULL: any) and the
     * cells from it. */
    static const struct {
        const char *a, *c;
        want_cell_t cells[11];
        size_t n;
    } found[] = {
        {"overall",
         "(số người trả lời)",
         {CS(0, 1, "Ông/Bà hài lòng thế nào?"), CN(0, 4, 5), CN(0, 5, 5.0 / 6.0)},
         3},
        {"overall",
         "very_satisfied",
         {CS(0, 3, "Rất hài lòng"), CN(0, 4, 2), CN(0, 5, 0.4), CF(0, 5, "0.0%")},
         4},
        {"overall", "very_dissatisfied", {CN(0, 4, 0), CN(0, 5, 0)}, 2},
        {"posted", "no", {CS(0, 3, "Không"), CN(0, 4, 1), CN(0, 5, 0.5)}, 3},
        {"reasons", "(số người trả lời)", {CN(0, 4, 2)}, 1},
        /* multi: shares of the 2 that answered */
        {"reasons", "other", {CS(0, 3, "Khác"), CN(0, 4, 1), CN(0, 5, 0.5)}, 3},
        {"rating", "4", {CN(0, 5, 1.0)}, 1},
        {"case_code", "(số người trả lời)", {CN(0, 4, 1)}, 1},
        /* Per LOCAL day: responses 1-3 (22:1x UTC on the 14th) are on the 15th. */
        {"Ngày (UTC+07:00)",
         NULL,
         {CS(0, 1, "Hoàn thành"), CS(0, 2, "Chưa xong"), CT(1, 0, "d"),
          CS(1, 0, "2023-11-15T00:00:00"), CF(1, 0, "yyyy-mm-dd"), CN(1, 1, 2), CN(1, 2, 1),
          CS(2, 0, "2023-11-16T00:00:00"), CN(2, 1, 1), CN(2, 2, 1)},
         10},
    };
    int r = -1;
    for (size_t i = 0; i < sizeof found / sizeof *found; i++) {
        r = find_row(sh, found[i].a, found[i].c);
        if (r <= 0)
            hl_test_fail(__FILE__, __LINE__, "no row %s %s", found[i].a,
                         found[i].c ? found[i].c : "(any)");
        if (r > 0) check_cells(sh, r, found[i].cells, found[i].n, found[i].a);
    }
    if (r > 0) {
        CHECK_INT(json_array_size(json_object_get(sh, "rows")), r + 3);
    }
}

static void test_xlsx_summary_counts_percentages_satisfaction_and_days(void)
{
    with_standard_sheet("mot-cua summary", summary_sheet);
}

static void
test_xlsx_every_sheet_prints_landscape_fitted_to_the_width_with_its_header_repeated(void)
{
    hl_fx_t x;
    json_t *wb = export_standard(&x);
    json_t *sheets = json_object_get(wb, "sheets");
    CHECK_INT(json_array_size(sheets), 2);
    json_t *sh;
    size_t i;
    json_array_foreach(sheets, i, sh)
    {
        json_t *p = json_object_get(sh, "print");
        CHECK_STR(json_string_value(json_object_get(p, "orientation")), "landscape");
        CHECK_INT(json_integer_value(json_object_get(p, "paper")), 9); /* A4 */
        CHECK(json_is_true(json_object_get(p, "fit_to_page")));
        CHECK_INT(json_integer_value(json_object_get(p, "fit_width")), 1);
        CHECK_INT(json_integer_value(json_object_get(p, "fit_height")), 0); /* pages down: any */
        CHECK_STR(json_string_value(json_object_get(p, "title_rows")), "$1:$1");
        CHECK_STR(json_string_value(json_object_get(p, "footer")), "Trang &P/&N");
    }
    json_decref(wb);
    hl_fx_close(&x);
}

static void test_xlsx_shows_the_reader_words_not_code_words(void)
{
    /* Every text cell a reader sees, except the columns that are codes on
     * purpose (response id, "<qid>_code", the option code and question id
     * columns of the summary), holds no code word of the store. */
    static const char *const codes[] = {
        "complete",      "partial",      "in_progress",       "vi",         "en",
        "min_interval",  "max_per_hour", "response_id",       "started_at", "finished_at",
        "survey",        "responses",    "satisfaction_rate", "(answered)", "date",
        "question",      "count",        "percent",           "status",     "suspect",
        "clock_trusted", "label"};
    hl_fx_t x;
    json_t *wb = export_standard(&x);
    json_t *sh;
    size_t i;
    json_array_foreach(json_object_get(wb, "sheets"), i, sh)
    {
        bool summary = strstr(json_string_value(json_object_get(sh, "name")), "summary") != NULL;
        json_t *rows = json_object_get(sh, "rows");
        json_t *head = json_array_get(rows, 0);
        for (size_t r = 0; r < json_array_size(rows); r++) {
            for (size_t c = 0; c < json_array_size(json_array_get(rows, r)); c++) {
                const char *v = cstr(cell(sh, r, c));
                if (!v || (summary && (c == 2 || (c == 0 && r > 0 && r != 5)))) continue;
                const char *h = summary ? NULL : cstr(json_array_get(head, c));
                if (h && (c == 0 || strstr(h, "_code"))) continue;
                for (size_t k = 0; k < sizeof codes / sizeof *codes; k++)
                    if (strcmp(v, codes[k]) == 0)
                        hl_test_fail(__FILE__, __LINE__, "%s: code word \"%s\" at row %zu col %zu",
                                     json_string_value(json_object_get(sh, "name")), v, r, c);
            }
        }
    }
    json_decref(wb);
    hl_fx_close(&x);
}

static void test_xlsx_words_follow_an_english_survey_and_no_zone_is_utc(void)
{
    hl_fx_t x;
    hl_fx_open(&x, "xlsx", NULL, "en.xlsx");
    const char *text = "{\"format\": 1, \"id\": \"en-only\", \"version\": 1, "
                       "\"languages\": [\"en\"], \"title\": {\"en\": \"Service\"}, "
                       "\"thanks\": {\"en\": \"Thanks!\"}, \"questions\": [{\"id\": \"ok\", "
                       "\"type\": \"yesno\", \"text\": {\"en\": \"All right?\"}}]}";
    hl_survey_t *sv = survey_from("en-only", text);
    use(x.st, sv);
    hl_survey_free(sv);
    hl_response_t r;
    resp_init(&r, 1, DAY1, HL_LANG_EN);
    save(x.st, &r, "ok", "yes");
    hl_fixture_finish(x.st, &r, HL_RESP_PARTIAL);
    CHECK_INT(hl_export_xlsx(x.st, NULL, x.out, NULL, NULL, &x.err), HL_OK);
    json_t *wb = read_back(x.out);
    json_t *sh = wb ? sheet(wb, "en-only") : NULL;
    json_t *sum = wb ? sheet(wb, "en-only summary") : NULL;
    CHECK(sh && sum);
    if (sh && sum) {
        CHECK_STR(cstr(cell(sh, 0, 5)), "Started (UTC+00:00)");
        CHECK_STR(cstr(cell(sh, 1, 4)), "English");
        CHECK_STR(cstr(cell(sh, 1, 5)), "2023-11-14T22:13:20");
        CHECK_STR(cstr(cell(sh, 1, 7)), "Not finished");
        CHECK_STR(cstr(cell(sh, 1, 13)), "Yes");
        CHECK_STR(cstr(cell(sum, 3, 0)), "Not finished");
        int row = find_row(sum, "Date (UTC+00:00)", NULL);
        CHECK(row > 0);
        if (row > 0) CHECK_STR(cstr(cell(sum, row + 1, 0)), "2023-11-14T00:00:00");
        json_t *p = json_object_get(sum, "print");
        CHECK_STR(json_string_value(json_object_get(p, "footer")), "Page &P/&N");
    }
    json_decref(wb);
    hl_fx_close(&x);
}

static void test_xlsx_all_surveys_get_unique_sheet_names_of_at_most_31_characters(void)
{
    hl_fx_t x;
    hl_fx_open(&x, "xlsx", NULL, "all.xlsx");
    const char *ids[] = {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-one",
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-two", "short"};
    for (int i = 0; i < 3; i++) {
        hl_survey_t *s = survey_tiny(ids[i]);
        use(x.st, s);
        hl_survey_free(s);
        hl_response_t r;
        resp_init(&r, i + 1, DAY1 + i * 1000, HL_LANG_VI);
        save(x.st, &r, "ok", "yes");
        hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    }
    hl_export_result_t res;
    CHECK_INT(hl_export_xlsx(x.st, NULL, x.out, NULL, &res, &x.err), HL_OK);
    CHECK_INT(res.rows, 3);
    json_t *wb = read_back(x.out);
    json_t *sheets = json_object_get(wb, "sheets");
    CHECK_INT(json_array_size(sheets), 6);
    static const char *const want[] = {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                       "xxxxxxxxxxxxxxxxxxxxxxx summary",
                                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx~2",
                                       "xxxxxxxxxxxxxxxxxxxxx summary~2",
                                       "short",
                                       "short summary"};
    for (size_t i = 0; i < json_array_size(sheets) && i < 6; i++)
        CHECK_STR(json_string_value(json_object_get(json_array_get(sheets, i), "name")), want[i]);
    json_t *sh = sheet(wb, "short");
    CHECK_STR(cstr(cell(sh, 1, 13)), "Có");
    json_decref(wb);
    hl_fx_close(&x);
}

static void test_xlsx_unknown_survey_is_not_found_and_writes_nothing(void)
{
    hl_fx_t x;
    open_standard(&x, "x.xlsx");
    CHECK_INT(hl_export_xlsx(x.st, "ghost", x.out, NULL, NULL, &x.err), HL_ERR_NOT_FOUND);
    CHECK_CONTAINS(x.err.msg, "ghost");
    CHECK(access(x.out, F_OK) != 0);
    CHECK_INT(hl_fixture_hidden(x.dir), 0);
    hl_fx_close(&x);
}

static void test_xlsx_missing_folder_or_folder_path_fails_with_the_path(void)
{
    hl_fx_t x;
    open_standard(&x, "exports/responses.xlsx");
    CHECK_INT(hl_export_xlsx(x.st, "mot-cua", x.out, NULL, NULL, &x.err), HL_ERR_IO);
    CHECK_CONTAINS(x.err.msg, x.out);
    CHECK_CONTAINS(x.err.msg, "folder does not exist");
    CHECK_INT(hl_export_xlsx(x.st, "mot-cua", x.dir, NULL, NULL, &x.err), HL_ERR_USAGE);
    CHECK_CONTAINS(x.err.msg, "responses.xlsx");
    CHECK_INT(hl_fixture_hidden(x.dir), 0);
    hl_fx_close(&x);
}

static void test_xlsx_replaces_existing_file_and_leaves_no_temp_file(void)
{
    hl_fx_t x;
    open_standard(&x, "responses.xlsx");
    free(hl_test_write_file(x.dir, "responses.xlsx", "old export"));
    CHECK_INT(hl_export_xlsx(x.st, "mot-cua", x.out, NULL, NULL, &x.err), HL_OK);
    size_t len = 0;
    char *bytes = hl_test_read_file(x.out, &len);
    CHECK(bytes && len > 4 && memcmp(bytes, "PK\x03\x04", 4) == 0); /* a zip */
    struct stat sb;
    CHECK(stat(x.out, &sb) == 0 && (sb.st_mode & 0777) == 0640);
    CHECK_INT(hl_fixture_hidden(x.dir), 0);
    free(bytes);
    hl_fx_close(&x);
}

/* Exports to a 256 KiB tmpfs while responses are added, from a workbook that
 * fits to one whose scratch files or zip do not: each export either
 * replaces the old file or fails with HL_ERR_FULL leaving it, with no
 * temporary file and nothing left open on the medium (it unmounts). */
static void full_disk(const char *name, int from, int to, int step)
{
    char *media = hl_fixture_tmpfs("xlsx-media", "256k", name);
    if (!media) return;
    char *dir = hl_test_tmpdir("xlsx");
    hl_store_t *st = hl_fixture_store(dir, NULL);
    hl_survey_t *v1 = survey_load("xlsx/survey-v1.json");
    use(st, v1);
    hl_survey_free(v1);
    hl_err_t err = {0};
    char *out = hl_fixture_path(media, "responses.xlsx");
    int n = 0, full = 0;
    for (int upto = from; upto <= to; upto += step) {
        CHECK_INT(hl_store_batch_begin(st, &err), HL_OK);
        for (n++; n <= upto; n++) {
            hl_response_t r;
            char code[16];
            resp_init(&r, n, DAY1 + n * 1000LL, HL_LANG_VI);
            snprintf(code, sizeof code, "%012d", n * 7919);
            save(st, &r, "overall", "very_dissatisfied");
            save(st, &r, "reasons", "slow|unclear_guidance|attitude|other");
            save(st, &r, "case_code", code);
            hl_fixture_finish(st, &r, HL_RESP_COMPLETE);
        }
        n--;
        CHECK_INT(hl_store_batch_end(st, &err), HL_OK);
        free(hl_test_write_file(media, "responses.xlsx", "old export, still good"));
        int rc = hl_export_xlsx(st, "mot-cua", out, NULL, NULL, &err);
        char *text = hl_test_read_file(out, NULL);
        if (rc == HL_ERR_FULL) {
            full++;
            CHECK_CONTAINS(err.msg, out);
            CHECK_CONTAINS(err.msg, "full");
            CHECK_STR(text, "old export, still good");
        } else {
            CHECK_INT(rc, HL_OK);
            CHECK(text && memcmp(text, "PK", 2) == 0);
        }
        CHECK_INT(hl_fixture_hidden(media), 0);
        free(text);
    }
    CHECK(full > 0);
    free(out);
    hl_store_close(st);
    hl_fixture_tmpfs_free(media);
    hl_fixture_rm(dir);
}

/* The scratch files of libxlsxwriter fill the disk (about 1 MB of XML). */
static void test_xlsx_on_full_disk_returns_full_and_keeps_old_file(void)
{
    full_disk(__func__, 3000, 3000, 1);
}

/* Around the size where the scratch files fit and the zip after them does
 * not (about 270 responses with libxlsxwriter 1.1.4). */
static void test_xlsx_near_full_disk_either_replaces_or_keeps_old_file_and_closes_all(void)
{
    full_disk(__func__, 200, 340, 7);
}

/* ---- Comments ------------------------------------------------------------- */

/* A comment with every character CSV and XML treat specially. */
#define COMMENT                                                                                    \
    "Thủ tục nhanh, nhưng phải chờ \"khá\" lâu <30 phút> & không có ghế;\n"        \
    "đề nghị thêm ghế chờ. Cảm ơn!"

static void test_comments_sheet_lists_each_comment_with_its_rating_byte_for_byte(void)
{
    hl_fx_t x;
    hl_fx_open(&x, "xlsx", NULL, "r.xlsx");
    hl_survey_t *s = survey_load("text/survey.json");
    use(x.st, s);
    /* 600 characters in three paragraphs: a tall row. */
    char long_text[2048] = "";
    for (int i = 0; i < 3; i++) {
        if (i) strcat(long_text, "\n");
        for (int k = 0; k < 20; k++)
            strcat(long_text, "Chờ rất lâu. ");
    }
    hl_response_t r;
    hl_err_t err = {0};
    CHECK_INT(hl_store_set_duty(x.st, "off_3", "Quầy 1", &err), HL_OK);
    resp_init(&r, 1, DAY1 + 60000, HL_LANG_VI); /* 05:14:20 local */
    save(x.st, &r, "overall", "s1");
    save(x.st, &r, "comment", COMMENT);
    save(x.st, &r, "name", "An");
    hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    resp_init(&r, 2, DAY1 + 120000, HL_LANG_EN);
    save(x.st, &r, "overall", "s3");
    save(x.st, &r, "name", "Bình");
    hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    CHECK_INT(hl_store_set_duty(x.st, NULL, NULL, &err), HL_OK);
    resp_init(&r, 3, DAY2, HL_LANG_VI);
    save(x.st, &r, "overall", "s1");
    save(x.st, &r, "comment", long_text);
    hl_fixture_finish(x.st, &r, HL_RESP_PARTIAL);
    CHECK_INT(hl_export_xlsx(x.st, NULL, x.out, &vn_zone, NULL, &x.err), HL_OK);
    json_t *wb = read_back(x.out);
    CHECK_INT(json_array_size(json_object_get(wb, "sheets")), 3);
    json_t *com = sheet(wb, "Góp ý");
    CHECK(com != NULL);
    if (com) {
        static const want_cell_t want[] = {
            CS(0, 0, "Thời gian (UTC+07:00)"),
            CS(0, 1, "Mã theo dõi"),
            CS(0, 2, "Số thứ tự"),
            CS(0, 3, "Quầy"),
            CS(0, 4, "Mã cán bộ"),
            CS(0, 5, "Ông/Bà hài lòng thế nào?"), /* the rating's own question */
            CS(0, 6, "Câu hỏi"),                  /* two text questions */
            CS(0, 7, "Góp ý"),
            CT(1, 0, "d"),
            CS(1, 0, "2023-11-15T05:14:20"),
            CF(1, 0, "yyyy-mm-dd hh:mm:ss"),
            CN(1, 2, 1),
            CS(1, 3, "Quầy 1"),
            CS(1, 4, "off_3"),
            CS(1, 5, "Chưa hài lòng"),
            CS(1, 6, "Ông/Bà có góp ý gì không?"),
            CS(1, 7, COMMENT),
            CN(2, 2, 1),
            CS(2, 6, "Tên"),
            CS(2, 7, "An"),
            CN(3, 2, 2),
            CS(3, 5, "Hài lòng"),
            CS(3, 7, "Bình"),
            CN(4, 2, 3),
            CE(4, 3),
            CE(4, 4),
            CS(4, 5, "Chưa hài lòng"),
            CE(5, 0),
        };
        check_cells(com, 0, want, sizeof want / sizeof want[0], "comments sheet");
        CHECK_STR(cstr(cell(com, 4, 7)), long_text);
        CHECK_STR(json_string_value(json_object_get(com, "freeze")), "A2");
        json_t *prn = json_object_get(com, "print");
        CHECK_STR(json_string_value(json_object_get(prn, "orientation")), "landscape");
        CHECK(json_is_true(json_object_get(prn, "fit_to_page")));
        CHECK_INT(json_integer_value(json_object_get(prn, "fit_width")), 1);
        CHECK_INT(json_integer_value(json_object_get(prn, "fit_height")), 0);
        CHECK_STR(json_string_value(json_object_get(prn, "title_rows")), "$1:$1");
        json_t *widths = json_object_get(com, "widths");
        CHECK(json_number_value(json_object_get(widths, "H")) >= 60);
        /* Wrapped, and as tall as the text: two lines, then nine. */
        json_t *heights = json_object_get(com, "heights");
        CHECK(json_number_value(json_object_get(heights, "2")) >= 30);
        CHECK(json_number_value(json_object_get(heights, "5")) >= 9 * 15);
        char wrapped[512];
        char *dump = json_dumps(json_object_get(com, "wrapped"), JSON_COMPACT);
        snprintf(wrapped, sizeof wrapped, "%s", dump ? dump : "");
        free(dump);
        CHECK_CONTAINS(wrapped, "\"H2\"");
        CHECK_CONTAINS(wrapped, "\"H5\"");
    }
    /* The response sheet holds the comment too, with no code column copy. */
    json_t *resp = sheet(wb, "gop-y");
    if (resp) {
        CHECK_STR(cstr(cell(resp, 1, 13 + 2 * 1)), COMMENT);
        CHECK(cell(resp, 1, 13 + 2 * 1 + 1) == NULL || json_is_null(cell(resp, 1, 13 + 2 * 1 + 1)));
    }
    json_decref(wb);
    hl_survey_free(s);
    hl_fx_close(&x);
}

static void test_comments_sheet_is_in_english_for_an_english_survey_and_absent_without_text(void)
{
    hl_fx_t x;
    hl_fx_open(&x, "xlsx", NULL, "r.xlsx");
    hl_survey_t *en = survey_from(
        "en-only", "{\"format\": 1, \"id\": \"en-only\", \"version\": 1, \"languages\": [\"en\"],"
                   " \"title\": {\"en\": \"Survey\"}, \"thanks\": {\"en\": \"Thanks\"},"
                   " \"questions\": [{\"id\": \"note\", \"type\": \"text\","
                   " \"text\": {\"en\": \"Anything else?\"}, \"hint\": {\"en\": \"Write\"}}]}");
    hl_survey_t *tiny = survey_tiny("tiny");
    use(x.st, en);
    hl_response_t r;
    resp_init(&r, 1, DAY1, HL_LANG_EN);
    save(x.st, &r, "note", "Fine, thanks");
    hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    use(x.st, tiny);
    resp_init(&r, 2, DAY1 + 1000, HL_LANG_VI);
    save(x.st, &r, "ok", "yes");
    hl_fixture_finish(x.st, &r, HL_RESP_COMPLETE);
    CHECK_INT(hl_export_xlsx(x.st, NULL, x.out, &vn_zone, NULL, &x.err), HL_OK);
    json_t *wb = read_back(x.out);
    CHECK_INT(json_array_size(json_object_get(wb, "sheets")), 5); /* 3 + 2 */
    json_t *com = sheet(wb, "Comments");
    CHECK(com != NULL);
    if (com) {
        static const want_cell_t want[] = {
            CS(0, 0, "Time (UTC+07:00)"),
            CS(0, 1, "Follow-up code"),
            CS(0, 5, "Rating"),
            CS(0, 6, "Comment"),
            CE(1, 5),
            CS(1, 6, "Fine, thanks"),
        };
        check_cells(com, 0, want, sizeof want / sizeof want[0], "English comments sheet");
    }
    json_decref(wb);
    hl_survey_free(en);
    hl_survey_free(tiny);
    hl_fx_close(&x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_xlsx_range_holds_only_the_responses_of_a_bundle_range),
    HL_TEST(test_store_survey_json_returns_newest_version_or_not_found),
    HL_TEST(test_xlsx_responses_sheet_has_frozen_header_labels_codes_numbers_and_dates),
    HL_TEST(test_xlsx_summary_counts_percentages_satisfaction_and_days),
    HL_TEST(test_xlsx_every_sheet_prints_landscape_fitted_to_the_width_with_its_header_repeated),
    HL_TEST(test_xlsx_shows_the_reader_words_not_code_words),
    HL_TEST(test_xlsx_words_follow_an_english_survey_and_no_zone_is_utc),
    HL_TEST(test_xlsx_all_surveys_get_unique_sheet_names_of_at_most_31_characters),
    HL_TEST(test_xlsx_unknown_survey_is_not_found_and_writes_nothing),
    HL_TEST(test_xlsx_missing_folder_or_folder_path_fails_with_the_path),
    HL_TEST(test_xlsx_replaces_existing_file_and_leaves_no_temp_file),
    HL_TEST(test_xlsx_on_full_disk_returns_full_and_keeps_old_file),
    HL_TEST(test_xlsx_near_full_disk_either_replaces_or_keeps_old_file_and_closes_all),
    HL_TEST(test_comments_sheet_lists_each_comment_with_its_rating_byte_for_byte),
    HL_TEST(test_comments_sheet_is_in_english_for_an_english_survey_and_absent_without_text),
};

HL_TEST_MAIN(tests)
