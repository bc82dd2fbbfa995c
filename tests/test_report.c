/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_report.c: the monthly report (firmware/report: hl_report,
 * hl_report_src) and `hailong report`.
 *
 * One crafted unit-month (November 2026, Asia/Ho_Chi_Minh) carries every
 * case: 17 responses of three officers (8, 6 and 3: the 3 hidden, and the
 * 6 hidden too so that the 3 cannot be worked out by subtraction), a
 * response finished at 00:30 local on 1 November (17:30 UTC on 31 October:
 * November's) and one at 00:10 local on 1 December (December's, not
 * counted), weeks clipped to the month (1 November, a Sunday, is a week of
 * its own), October's figures in the trend, four reasons after low ratings
 * (hidden: fewer than 5), three comments of which PostgreSQL knows two
 * handled after 1 h and 3 h. Its figures are checked one by one; the PDF's
 * text (pdftotext) has them in Vietnamese ("68,8") and English ("68.8"),
 * its pages (pdftoppm -r 50) equal tests/golden/report/ (HL_UPDATE_GOLDENS=1
 * writes them); the workbook read back with openpyxl has them, hidden ones
 * as empty cells with a comment; the same responses in PostgreSQL (a
 * throw-away cluster migrated by hailong-server) give the same figures as
 * the merged folder; bad input fails naming the file and line, leaving an
 * earlier PDF as it was.
 */
#include "hl_fixture.h"
#include "hl_pg.h"
#include "hl_report.h"
#include "hl_report_src.h"
#include "hl_row.h"
#include "hl_survey.h"
#include "hl_test.h"

#include <dirent.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UNIT   "UBND phường Hải Châu"
#define FONTS  HL_SOURCE_DIR "/fonts"
#define GOLDEN HL_SOURCE_DIR "/tests/golden/report"

static const char survey_text[] =
    "{\"format\": 1, \"id\": \"bao-cao-thu\", \"version\": 1, \"languages\": [\"vi\", \"en\"],\n"
    " \"title\": {\"vi\": \"Đánh giá\", \"en\": \"Rate us\"},\n"
    " \"thanks\": {\"vi\": \"Cảm ơn\", \"en\": \"Thanks\"},\n"
    " \"questions\": [\n"
    "  {\"id\": \"rating\", \"type\": \"smiley\", \"text\": {\"vi\": \"Ông/Bà hài lòng thế "
    "nào?\",\n"
    "   \"en\": \"How satisfied are you?\"}, \"options\": [\n"
    "   {\"id\": \"very_good\", \"label\": {\"vi\": \"Rất hài lòng\", \"en\": \"Very "
    "satisfied\"}},\n"
    "   {\"id\": \"good\", \"label\": {\"vi\": \"Hài lòng\", \"en\": \"Satisfied\"}},\n"
    "   {\"id\": \"ok\", \"label\": {\"vi\": \"Bình thường\", \"en\": \"Neutral\"}},\n"
    "   {\"id\": \"bad\", \"label\": {\"vi\": \"Không hài lòng\", \"en\": \"Dissatisfied\"}},\n"
    "   {\"id\": \"very_bad\", \"label\": {\"vi\": \"Rất không hài lòng\",\n"
    "    \"en\": \"Very dissatisfied\"}}]},\n"
    "  {\"id\": \"ly_do\", \"type\": \"multi\", \"show_if\": {\"question\": \"rating\", "
    "\"at_most\": "
    "2},\n"
    "   \"text\": {\"vi\": \"Vì sao chưa hài lòng?\", \"en\": \"Why not satisfied?\"}, "
    "\"options\": [\n"
    "   {\"id\": \"slow\", \"label\": {\"vi\": \"Chậm\", \"en\": \"Slow\"}},\n"
    "   {\"id\": \"rude\", \"label\": {\"vi\": \"Thái độ\", \"en\": \"Attitude\"}},\n"
    "   {\"id\": \"other\", \"label\": {\"vi\": \"Khác\", \"en\": \"Other\"}}]},\n"
    "  {\"id\": \"posted\", \"type\": \"yesno\", \"text\": {\"vi\": \"Thủ tục có được niêm "
    "yết?\",\n"
    "   \"en\": \"Was the procedure posted?\"}},\n"
    "  {\"id\": \"gop_y\", \"type\": \"text\", \"text\": {\"vi\": \"Góp ý\", \"en\": "
    "\"Comment\"},\n"
    "   \"hint\": {\"vi\": \"Không bắt buộc\", \"en\": \"Optional\"}}]}\n";

/* One crafted response. */
typedef struct spec {
    const char *kiosk;   /* kiosk-a or kiosk-b */
    int seq;             /* its sequence number */
    const char *fin;     /* finished, UTC */
    const char *officer; /* on duty */
    const char *rating;  /* NULL: not answered */
    const char *ly_do;   /* reasons, NULL: none */
    const char *gop_y;   /* comment, NULL: none */
    bool partial;        /* status partial */
    bool suspect;        /* flagged */
} spec_t;

static const spec_t specs[] = {
    /* October: 6, 5 satisfied (index 83.3), one at 23:59 local on the 31st */
    {"kiosk-a", 1, "2026-10-05T02:00:00.000Z", "o-an", "good", NULL, NULL, false, false},
    {"kiosk-a", 2, "2026-10-06T02:00:00.000Z", "o-an", "very_good", NULL, NULL, false, false},
    {"kiosk-a", 3, "2026-10-07T02:00:00.000Z", "o-binh", "good", NULL, NULL, false, false},
    {"kiosk-a", 4, "2026-10-08T02:00:00.000Z", "o-binh", "good", NULL, NULL, false, false},
    {"kiosk-a", 5, "2026-10-09T02:00:00.000Z", "o-an", "bad", "slow", NULL, false, false},
    {"kiosk-a", 6, "2026-10-31T16:59:00.000Z", "o-an", "very_good", NULL, NULL, false, false},
    /* November: 00:30 local on the 1st */
    {"kiosk-a", 7, "2026-10-31T17:30:00.000Z", "o-an", "very_good", NULL, NULL, false, true},
    /* the week of 2 November: 10 */
    {"kiosk-a", 8, "2026-11-02T02:00:00.000Z", "o-an", "very_good", NULL, NULL, false, false},
    {"kiosk-a", 9, "2026-11-02T03:00:00.000Z", "o-an", "very_good", NULL, NULL, false, false},
    {"kiosk-a", 10, "2026-11-03T02:00:00.000Z", "o-an", "good", NULL, NULL, false, false},
    {"kiosk-a", 11, "2026-11-03T03:00:00.000Z", "o-an", "good", NULL, NULL, false, false},
    {"kiosk-a", 12, "2026-11-04T02:00:00.000Z", "o-an", "good", NULL, NULL, false, false},
    {"kiosk-a", 13, "2026-11-04T03:00:00.000Z", "o-an", "bad", "slow|rude",
     "Chờ quá lâu, cán bộ chưa hướng dẫn kỹ.", false, false},
    {"kiosk-a", 14, "2026-11-05T02:00:00.000Z", "o-binh", "good", NULL, NULL, false, false},
    {"kiosk-a", 15, "2026-11-05T03:00:00.000Z", "o-binh", "very_good", NULL, NULL, false, false},
    {"kiosk-a", 16, "2026-11-06T02:00:00.000Z", "o-binh", "ok", NULL, NULL, false, false},
    {"kiosk-a", 17, "2026-11-08T16:00:00.000Z", "o-binh", "very_bad", "slow", "Thái độ chưa tốt",
     false, false},
    /* the week of 9 November: 3 */
    {"kiosk-a", 18, "2026-11-10T02:00:00.000Z", "o-an", "good", NULL, NULL, false, false},
    {"kiosk-a", 19, "2026-11-11T02:00:00.000Z", "o-binh", NULL, NULL, NULL, true, false},
    {"kiosk-a", 20, "2026-11-12T02:00:00.000Z", "o-binh", "bad", "rude", NULL, false, false},
    /* 30 November, a week of its own; then 00:10 local on 1 December */
    {"kiosk-b", 1, "2026-11-30T03:00:00.000Z", "o-chi", "very_good", NULL, "Rất nhanh, cảm ơn!",
     false, false},
    {"kiosk-b", 2, "2026-11-30T04:00:00.000Z", "o-chi", "good", NULL, NULL, false, false},
    {"kiosk-b", 3, "2026-11-30T05:00:00.000Z", "o-chi", "very_bad", "other", NULL, true, false},
    {"kiosk-b", 4, "2026-11-30T17:10:00.000Z", "o-chi", "very_good", NULL, NULL, false, false},
};
#define N_SPECS (sizeof specs / sizeof specs[0])

/* The survey's SHA-256 (the rows name it). */
static char survey_sha[65];

/* Spec i as its JSON Lines text (malloc'd, no line break). */
static char *spec_json(size_t i)
{
    const spec_t *s = &specs[i];
    if (!survey_sha[0]) hl_fixture_sha256_hex(survey_text, survey_sha);
    char uuid[40];
    snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012zu", i + 1);
    const char *qids[4], *vals[4];
    int64_t ms[4] = {1000, 2000, 3000, 4000};
    size_t n = 0;
    bool sat = s->rating && (!strcmp(s->rating, "good") || !strcmp(s->rating, "very_good"));
    if (s->gop_y) qids[n] = "gop_y", vals[n++] = s->gop_y;
    if (s->ly_do) qids[n] = "ly_do", vals[n++] = s->ly_do;
    qids[n] = "posted", vals[n++] = sat ? "yes" : "no";
    if (s->rating) qids[n] = "rating", vals[n++] = s->rating;
    int y, mo, d, h, mi;
    CHECK_INT(sscanf(s->fin, "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi), 5);
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    int64_t fin = (int64_t)timegm(&tm) * 1000;
    hl_row_t row = {.seq = s->seq,
                    .uuid = uuid,
                    .kiosk_id = s->kiosk,
                    .survey_id = "bao-cao-thu",
                    .survey_version = 1,
                    .survey_sha256 = survey_sha,
                    .lang = "vi",
                    .started_utc_ms = fin - 60000,
                    .finished_utc_ms = fin,
                    .status = s->partial ? HL_RESP_PARTIAL : HL_RESP_COMPLETE,
                    .clock_trusted = true,
                    .officer_id = s->officer,
                    .suspect = s->suspect ? "min_interval" : NULL,
                    .chain = "ab",
                    .prev_chain = "cd",
                    .n_answers = n,
                    .qids = qids,
                    .values = vals,
                    .ms = ms};
    hl_fdbuf_t o = {.fd = -1, .buf = malloc(256), .cap = 256, .limit = 1 << 20};
    CHECK(o.buf && hl_jsonl_put_row(&o, &row) && hl_fdbuf_put(&o, "", 1));
    return o.buf;
}

/* A merged folder (as hailong merge writes it) holding every spec. */
static char *merged_folder(const char *tag)
{
    char *dir = hl_test_tmpdir(tag);
    size_t cap = 1 << 16, len = 0;
    char *all = calloc(1, cap);
    for (size_t i = 0; i < N_SPECS; i++) {
        char *j = spec_json(i);
        len += (size_t)snprintf(all + len, cap - len, "%s\n", j);
        free(j);
    }
    free(hl_test_write_file(dir, "responses.jsonl", all));
    free(all);
    free(hl_test_write_file(
        dir, "merge.json",
        "{\"format\":1,\"created_at\":\"2026-12-02T01:00:00.000Z\",\"bundles\":[],"
        "\"kiosks\":[{\"kiosk_id\":\"kiosk-a\",\"responses\":20,\"seq_first\":1,\"seq_last\":20,"
        "\"chain_head\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
        "\"head_seq\":20,\"verified\":true},{\"kiosk_id\":\"kiosk-b\",\"responses\":4,"
        "\"seq_first\":1,\"seq_last\":4,\"chain_head\":"
        "\"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\",\"head_seq\":4,"
        "\"verified\":true}],\"gaps\":[],\"duplicates\":0}\n"));
    return dir;
}

static hl_survey_t *load_survey(void)
{
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    CHECK_INT(hl_survey_load_text("survey.json", survey_text, strlen(survey_text), &s, &d), HL_OK);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    return s;
}

/* The crafted month read from a merged folder, computed. */
static hl_report_t *crafted(const char *dir)
{
    hl_err_t err = {0};
    hl_report_t *r = hl_report_new(UNIT, "2026-11", &err);
    CHECK(r != NULL);
    if (!r) return NULL;
    CHECK_INT(hl_report_add_survey(r, load_survey(), &err), HL_OK);
    CHECK_INT(hl_report_read_merged(r, dir, &err), HL_OK);
    if (err.code) printf("%s\n", err.msg);
    CHECK_INT(hl_report_compute(r, &err), HL_OK);
    return r;
}

/* Whether the dump has the line exactly. */
static void check_line(const char *file, int at, const char *dump, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = dump; p && *p;) {
        if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n])) return;
        p = strchr(p, '\n');
        if (p) p++;
    }
    hl_test_fail(file, at, "no line \"%s\" in:\n%s", line, dump ? dump : "(null)");
}
#define CHECK_LINE(dump, line) check_line(__FILE__, __LINE__, dump, line)

static void test_figures_of_a_crafted_month_follow_index_weeks_and_min5(void)
{
    char *dir = merged_folder("report");
    hl_report_t *r = crafted(dir);
    char *d = r ? hl_report_dump(r) : NULL;
    /* 17: 00:30 local on 1 November counts, 00:10 on 1 December does not */
    CHECK_LINE(d, "responses 17");
    CHECK_LINE(d, "index 68.75"); /* 11 satisfied of 16 rated */
    CHECK_LINE(d, "partial_share 11.76470588");
    CHECK_LINE(d, "suspect_share 5.882352941");
    /* weeks clipped: 1 November (Sunday) alone, 30 November alone */
    CHECK_LINE(d, "week/2026-11-01/responses hidden");
    CHECK_LINE(d, "week/2026-11-02/responses 10");
    CHECK_LINE(d, "week/2026-11-02/index 70");
    CHECK_LINE(d, "week/2026-11-09/responses hidden");
    CHECK_LINE(d, "week/2026-11-30/responses hidden");
    CHECK(d && !strstr(d, "week/2026-10-26"));
    CHECK(d && !strstr(d, "week/2026-12"));
    /* October, with 23:59 local on the 31st */
    CHECK_LINE(d, "month/2026-10/responses 6");
    CHECK_LINE(d, "month/2026-10/index 83.33333333");
    /* officers 8, 6, 3: the 3 hidden, the 6 hidden against differencing */
    CHECK_LINE(d, "officer/o-an/responses 8");
    CHECK_LINE(d, "officer/o-an/index 87.5");
    CHECK_LINE(d, "officer/o-binh/responses hidden");
    CHECK_LINE(d, "officer/o-chi/responses hidden");
    /* distributions: the main question, a yes/no; reasons hidden (4) */
    CHECK_LINE(d, "q/rating/very_good/n 5");
    CHECK_LINE(d, "q/rating/good/n 6");
    CHECK_LINE(d, "q/rating/very_bad/n 2");
    CHECK_LINE(d, "q/posted/yes/n 11");
    CHECK_LINE(d, "q/posted/no/n 6");
    CHECK_LINE(d, "q/ly_do/slow/n hidden");
    CHECK_LINE(d, "comments 3");
    CHECK(d && !strstr(d, "handled")); /* not known offline */
    const hl_rfigures_t *f = r ? hl_report_figures(r) : NULL;
    CHECK(f && f->n_units == 1 && f->units[0].n_weeks == 6);
    char buf[32];
    hl_report_fmt1(HL_LANG_VI, 68.75, buf, sizeof buf);
    CHECK_STR(buf, "68,8");
    hl_report_fmt1(HL_LANG_EN, 68.75, buf, sizeof buf);
    CHECK_STR(buf, "68.8");
    free(d);
    hl_report_free(r);
    hl_fixture_rm(dir);
}

static void test_a_unit_hidden_in_the_province_stays_hidden_in_its_section(void)
{
    hl_err_t err = {0};
    hl_report_t *r = hl_report_new("*", "2026-11", &err);
    CHECK_INT(hl_report_add_survey(r, load_survey(), &err), HL_OK);
    /* A: 10 responses, B: 6, C: 3 (hidden, so B is hidden too) */
    const char *units[] = {"A", "B", "C"};
    int sizes[] = {10, 6, 3};
    int k = 0;
    for (int u = 0; u < 3; u++)
        for (int i = 0; i < sizes[u]; i++, k++) {
            char *j = spec_json((size_t)(7 + k % 14));
            /* a new response id for each */
            char *id = strstr(j, "00000000-0000-4000-8000-");
            CHECK(id != NULL);
            if (id) snprintf(id + 24, 13, "%012d", 1000 + k), id[36] = '"';
            CHECK_INT(hl_report_add_json(r, units[u], j, strlen(j), &err), HL_OK);
            free(j);
        }
    CHECK_INT(hl_report_compute(r, &err), HL_OK);
    char *d = hl_report_dump(r);
    CHECK_LINE(d, "responses 19");
    CHECK_LINE(d, "unit/A/responses 10");
    CHECK_LINE(d, "unit/B/responses hidden");
    CHECK_LINE(d, "unit/B/index hidden");
    CHECK_LINE(d, "unit/C/responses hidden");
    /* nothing of B's shows in its own section either */
    CHECK(d && !strstr(d, "unit/B/q/rating/good/n 1"));
    CHECK_LINE(d, "unit/B/q/rating/good/n hidden");
    free(d);
    hl_report_free(r);
}

/* Runs hailong report with args; returns its exit code, stderr to *err. */
static int run_report(const char *const *args, char **out, char **errout)
{
    const char *argv[32] = {HL_BIN, "report"};
    size_t n = 2;
    for (size_t i = 0; args[i] && n + 1 < 32; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    const char *env[] = {"HAILONG_FONTS_DIR=" FONTS, NULL};
    return hl_test_run_watchdog(argv, env, out, errout, 600);
}

/* pdftotext of a PDF (malloc'd) or NULL. */
static char *pdf_text(const char *pdf)
{
    const char *argv[] = {"/usr/bin/pdftotext", "-layout", pdf, "-", NULL};
    char *out = NULL;
    int rc = hl_test_run(argv, NULL, &out, NULL);
    CHECK_INT(rc, 0);
    return out;
}

static void test_pdf_text_has_the_figures_in_vietnamese_and_english(void)
{
    char *dir = merged_folder("report");
    char *sv = hl_test_write_file(dir, "survey.json", survey_text);
    char *pdf = hl_fixture_path(dir, "bao-cao.pdf"), *pdf_en = hl_fixture_path(dir, "report.pdf");
    char *out = NULL, *err = NULL;
    int rc = run_report((const char *[]){"--unit", UNIT, "--month", "2026-11", "--merged", dir,
                                         "--survey", sv, "--pdf", pdf, NULL},
                        &out, &err);
    CHECK_INT(rc, 0);
    if (rc) printf("%s\n", err ? err : "");
    CHECK_CONTAINS(out, "17 responses");
    char *t = pdf_text(pdf);
    CHECK_CONTAINS(t, "Báo cáo mức độ hài lòng");
    CHECK_CONTAINS(t, "Tháng 11/2026");
    CHECK_CONTAINS(t, UNIT);
    CHECK_CONTAINS(t, "Chỉ số hài lòng");
    CHECK_CONTAINS(t, "68,8");
    CHECK_CONTAINS(t, "11,8 %"); /* partial share */
    CHECK_CONTAINS(t, "83,3");   /* October */
    CHECK_CONTAINS(t, "87,5");   /* o-an */
    CHECK_CONTAINS(t, "Ông/Bà hài lòng thế nào?");
    CHECK_CONTAINS(t, "Rất không hài lòng");
    CHECK_CONTAINS(t, "ẩn theo quy tắc tối thiểu 5 lượt");
    CHECK_CONTAINS(t, "Cán bộ này có dưới 5 lượt"); /* o-binh's and o-chi's pages */
    CHECK_CONTAINS(t, "không biết được khi ngoại tuyến");
    /* the footer: method and provenance, on every page */
    CHECK_CONTAINS(t, "17 lượt đánh giá từ các ki-ốt kiosk-a (14: seq 7–20), kiosk-b (3: seq 1–3)");
    CHECK_CONTAINS(t, "kiosk-a #20");
    CHECK_CONTAINS(t, "0123456789ab, kiosk-b #4 fedcba987654");
    CHECK_CONTAINS(t, "đọc từ thư mục gộp");
    int pages = 0;
    for (const char *p = t; p && (p = strstr(p, "Cách tính: Chỉ số hài lòng")); p++)
        pages++;
    CHECK_INT(pages, 4); /* the unit's page and three officers' */
    CHECK(!strstr(t ? t : "", "68.8"));
    free(t);
    free(out);
    free(err);
    out = err = NULL;
    rc = run_report((const char *[]){"--unit", UNIT, "--month", "2026-11", "--merged", dir,
                                     "--survey", sv, "--pdf", pdf_en, "--lang", "en", NULL},
                    &out, &err);
    CHECK_INT(rc, 0);
    t = pdf_text(pdf_en);
    CHECK_CONTAINS(t, "Satisfaction index");
    CHECK_CONTAINS(t, "68.8");
    CHECK_CONTAINS(t, "hidden by the min-5 rule");
    CHECK_CONTAINS(t, "follow-ups not known offline");
    free(t);
    free(out);
    free(err);
    free(sv);
    free(pdf);
    free(pdf_en);
    hl_fixture_rm(dir);
}

/* The PNG pages of pdf at 50 dpi into dir/page-N.png; how many. */
static int pdf_pages(const char *pdf, const char *dir)
{
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s/page", dir);
    const char *argv[] = {"/usr/bin/pdftoppm", "-r", "50", "-png", pdf, prefix, NULL};
    CHECK_INT(hl_test_run(argv, NULL, NULL, NULL), 0);
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += !strncmp(e->d_name, "page-", 5);
    if (d) closedir(d);
    return n;
}

static void test_pdf_pages_equal_the_goldens(void)
{
    char *dir = merged_folder("report");
    char *png = hl_test_tmpdir("report-png");
    hl_report_t *r = crafted(dir);
    char *pdf = hl_fixture_path(dir, "golden.pdf");
    hl_err_t err = {0};
    hl_report_opts_t o = {.lang = HL_LANG_VI, .fonts_dir = FONTS};
    /* the folder's name would change every run */
    CHECK_INT(hl_report_set_origin(r, HL_REPORT_FROM_MERGED, "/srv/bao-cao/2026-11", &err), HL_OK);
    CHECK_INT(hl_report_pdf(r, &o, pdf, &err), HL_OK);
    int n = pdf_pages(pdf, png);
    CHECK_INT(n, 4);
    bool update = getenv("HL_UPDATE_GOLDENS") && !strcmp(getenv("HL_UPDATE_GOLDENS"), "1");
    bool differ = false;
    if (update) mkdir(GOLDEN, 0755);
    for (int i = 1; i <= n; i++) {
        char got[PATH_MAX], want[PATH_MAX];
        snprintf(got, sizeof got, "%s/page-%d.png", png, i);
        snprintf(want, sizeof want, "%s/page-%d.png", GOLDEN, i);
        size_t gl = 0, wl = 0;
        char *g = hl_test_read_file(got, &gl);
        if (update) {
            FILE *f = fopen(want, "wb");
            CHECK(f && g && fwrite(g, 1, gl, f) == gl);
            if (f) fclose(f);
            free(g);
            continue;
        }
        char *w = hl_test_read_file(want, &wl);
        differ = differ || !w || !g || gl != wl || memcmp(g, w, gl);
        if (!w)
            hl_test_fail(__FILE__, __LINE__,
                         "golden %s is missing: make it with HL_UPDATE_GOLDENS=1 "
                         "build/test_report test_pdf_pages_equal_the_goldens, look at it, commit",
                         want);
        else if (!g || gl != wl || memcmp(g, w, gl))
            hl_test_fail(__FILE__, __LINE__,
                         "page %d differs from %s (got %s; on purpose: HL_UPDATE_GOLDENS=1)", i,
                         want, got);
        free(g);
        free(w);
    }
    free(pdf);
    hl_report_free(r);
    if (differ)
        free(png); /* kept to look at */
    else
        hl_fixture_rm(png);
    hl_fixture_rm(dir);
}

/* The workbook read back with openpyxl: {sheet: [[cell or null, ...]]},
 * a hidden cell as "HIDDEN:comment". */
static json_t *xlsx_read(const char *path)
{
    static const char py[] =
        "import json, sys, openpyxl\n"
        "wb = openpyxl.load_workbook(sys.argv[1])\n"
        "out = {}\n"
        "for ws in wb.worksheets:\n"
        "    rows = []\n"
        "    for row in ws.iter_rows():\n"
        "        rows.append([('HIDDEN:' + c.comment.text) if c.comment else c.value for c in "
        "row])\n"
        "    out[ws.title] = rows\n"
        "print(json.dumps(out))\n";
    const char *argv[] = {"/usr/bin/python3", "-c", py, path, NULL};
    char *out = NULL, *err = NULL;
    int rc = hl_test_run(argv, NULL, &out, &err);
    if (rc) printf("openpyxl: %s\n", err ? err : "");
    CHECK_INT(rc, 0);
    json_error_t je;
    json_t *j = out ? json_loads(out, 0, &je) : NULL;
    free(out);
    free(err);
    return j;
}

/* The row of sheet whose first cells are a and b (b NULL: any). */
static json_t *xrow(json_t *wb, const char *sheet, const char *a, const char *b)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(wb, sheet), i, row)
    {
        const char *c0 = json_string_value(json_array_get(row, 0));
        const char *c1 = json_string_value(json_array_get(row, 1));
        if (c0 && !strcmp(c0, a) && (!b || (c1 && !strcmp(c1, b)))) return row;
    }
    return NULL;
}

static void test_xlsx_read_back_has_the_figures_and_hidden_cells_empty(void)
{
    char *dir = merged_folder("report");
    char *sv = hl_test_write_file(dir, "survey.json", survey_text);
    char *x = hl_fixture_path(dir, "bao-cao.xlsx");
    char *out = NULL, *err = NULL;
    CHECK_INT(run_report((const char *[]){"--unit", UNIT, "--month", "2026-11", "--merged", dir,
                                          "--survey", sv, "--xlsx", x, NULL},
                         &out, &err),
              0);
    json_t *wb = xlsx_read(x);
    CHECK(wb != NULL);
    json_t *s = xrow(wb, "Summary", UNIT, NULL);
    CHECK(s != NULL);
    CHECK_INT(json_integer_value(json_array_get(s, 1)), 17);
    CHECK(json_number_value(json_array_get(s, 2)) == 68.75);
    CHECK_INT(json_integer_value(json_array_get(s, 5)), 3);
    json_t *o = xrow(wb, "Officers", UNIT, "o-an");
    CHECK(o && json_integer_value(json_array_get(o, 2)) == 8);
    CHECK(o && json_number_value(json_array_get(o, 3)) == 87.5);
    json_t *hb = xrow(wb, "Officers", UNIT, "o-binh");
    CHECK(hb != NULL);
    /* hidden: no number, not zero, a comment */
    CHECK_CONTAINS(json_string_value(json_array_get(hb, 2)), "HIDDEN:ẩn theo quy tắc");
    CHECK_CONTAINS(json_string_value(json_array_get(hb, 3)), "HIDDEN:");
    size_t i;
    json_t *row;
    int weeks = 0, week_10 = 0;
    json_array_foreach(json_object_get(wb, "Trend"), i, row)
    {
        const char *wk = json_string_value(json_array_get(row, 2));
        if (!wk) continue;
        weeks++;
        if (!strcmp(wk, "2026-11-02")) {
            week_10 = (int)json_integer_value(json_array_get(row, 3));
            CHECK(json_number_value(json_array_get(row, 4)) == 70.0);
        }
    }
    CHECK_INT(weeks, 7); /* the header's "Tuần từ" and six weeks */
    CHECK_INT(week_10, 10);
    int reasons = 0;
    json_array_foreach(json_object_get(wb, "Reasons"), i, row)
    {
        const char *q = json_string_value(json_array_get(row, 2));
        if (!q || strcmp(q, "ly_do")) continue;
        reasons++;
        CHECK_CONTAINS(json_string_value(json_array_get(row, 6)), "HIDDEN:");
    }
    CHECK_INT(reasons, 3);
    json_t *k = xrow(wb, "Sources", "kiosk-b", NULL);
    CHECK(k && !strcmp(json_string_value(json_array_get(k, 3)),
                       "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"));
    json_decref(wb);
    free(out);
    free(err);
    free(sv);
    free(x);
    hl_fixture_rm(dir);
}

/* Every line of a dump but those of follow-ups, which only PostgreSQL knows. */
static void drop_followups(char *d)
{
    char *w = d;
    for (char *p = d; p && *p;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (strncmp(p, "handled ", 8) && strncmp(p, "median_handle_s ", 16)) {
            memmove(w, p, n);
            w += n;
        }
        p += n;
    }
    *w = '\0';
}

/* A throw-away cluster in pg with database "report" migrated by the real
 * hailong-server and the crafted month in it (conninfo in db); false (the
 * test failed, nothing left) when PostgreSQL does not come up or the
 * seeding fails. */
static bool seeded_db(hl_pg_t *pg, char *db, size_t dbcap)
{
    bool up = hl_pg_start(pg);
    CHECK(up);
    if (!up) return false;
    CHECK(hl_pg_create_db(pg, "report", db, dbcap));
    const char *argv[] = {HL_SERVER_BIN, "db", "migrate", "--db", db, NULL};
    char *out = NULL, *err = NULL;
    int rc = hl_test_run_watchdog(argv, NULL, &out, &err, 600);
    if (rc) printf("migrate: %s %s\n", out ? out : "", err ? err : "");
    CHECK_INT(rc, 0);
    free(out);
    free(err);
    size_t cap = 1 << 18, len = 0;
    char *sql = malloc(cap);
    if (!survey_sha[0]) hl_fixture_sha256_hex(survey_text, survey_sha); /* run alone */
    len += (size_t)snprintf(sql + len, cap - len,
                            "INSERT INTO hailong.surveys (sha256, survey_id, version, body) "
                            "VALUES ('%s', 'bao-cao-thu', 1, $s$%s$s$);",
                            survey_sha, survey_text);
    for (size_t i = 0; i < N_SPECS; i++) {
        char *j = spec_json(i);
        len += (size_t)snprintf(
            sql + len, cap - len,
            "WITH x AS (SELECT $r$%s$r$::text AS r), y AS (SELECT r, r::jsonb AS j FROM x) "
            "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, "
            "survey_version, survey_sha256, language, started_at, finished_at, status, suspect, "
            "clock_trusted, officer_id, counter, chain, prev_chain, signed, raw) SELECT "
            "(j->>'response_id')::uuid, j->>'kiosk_id', (j->>'seq')::bigint, '%s', "
            "j->>'survey_id', (j->>'survey_version')::bigint, j->>'survey_sha256', "
            "j->>'language', (j->>'started_at')::timestamptz, (j->>'finished_at')::timestamptz, "
            "j->>'status', j->>'suspect', true, j->>'officer_id', j->>'counter', j->>'chain', "
            "j->>'prev_chain', false, r FROM y;"
            "INSERT INTO hailong.response_ids SELECT response_id, kiosk_id, seq, finished_at, "
            "false, sha256(raw::bytea) FROM hailong.responses WHERE response_id = "
            "'00000000-0000-4000-8000-%012zu';",
            j, UNIT, i + 1);
        free(j);
    }
    /* another unit's response, never in this unit's report */
    len += (size_t)snprintf(
        sql + len, cap - len,
        "INSERT INTO hailong.responses SELECT 'ffffffff-0000-4000-8000-000000000001', 'kiosk-z', "
        "1, 'Khác', survey_id, survey_version, survey_sha256, language, started_at, finished_at, "
        "status, suspect, clock_trusted, officer_id, counter, followup, chain, prev_chain, "
        "signed, negative, received_at, raw FROM hailong.responses WHERE seq = 8 AND kiosk_id = "
        "'kiosk-a';"
        "INSERT INTO hailong.chain_heads (kiosk_id, seq, chain, verdict) VALUES "
        "('kiosk-a', 20, '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', "
        "'verified'), ('kiosk-b', 4, "
        "'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210', 'verified');"
        /* two of the three comments handled, 1 h and 3 h after */
        "INSERT INTO hailong.followups SELECT response_id, unit, 'handled', 'ok', finished_at + "
        "interval '%d hours', 'staff' FROM hailong.responses WHERE kiosk_id = 'kiosk-a' AND seq "
        "= 13;"
        "INSERT INTO hailong.followups SELECT response_id, unit, 'handled', 'ok', finished_at + "
        "interval '3 hours', 'staff' FROM hailong.responses WHERE kiosk_id = 'kiosk-a' AND seq "
        "= 17;"
        "SELECT count(*) FROM hailong.responses",
        1);
    char *n = hl_pg_query(db, sql);
    CHECK_STR(n, "25");
    bool ok = n && !strcmp(n, "25");
    free(n);
    free(sql);
    if (!ok) hl_pg_destroy(pg);
    return ok;
}

static void test_postgresql_gives_the_same_figures_as_the_merged_folder(void)
{
    hl_pg_t pg;
    char db[PATH_MAX + 160];
    if (!seeded_db(&pg, db, sizeof db)) return;
    char *out = NULL, *err = NULL;
    int rc;
    hl_err_t e = {0};
    hl_report_t *r = hl_report_new(UNIT, "2026-11", &e);
    CHECK_INT(hl_report_read_pg(r, db, &e), HL_OK);
    if (e.code) printf("%s\n", e.msg);
    CHECK_INT(hl_report_compute(r, &e), HL_OK);
    char *from_pg = hl_report_dump(r);
    CHECK_LINE(from_pg, "handled 2");
    CHECK_LINE(from_pg, "median_handle_s 7200");
    char *dir = merged_folder("report");
    hl_report_t *m = crafted(dir);
    char *from_dir = m ? hl_report_dump(m) : NULL;
    drop_followups(from_pg);
    CHECK_STR(from_pg, from_dir);
    /* the footer names the same kiosks, ranges and heads */
    size_t nk = 0;
    const hl_rkiosk_t *k = hl_report_kiosks(r, &nk);
    CHECK_INT(nk, 2);
    CHECK(nk == 2 && !strcmp(k[0].kiosk_id, "kiosk-a") && k[0].head_seq == 20);
    size_t ng = 0;
    hl_report_gaps(r, &ng);
    CHECK_INT(ng, 0);
    /* the command: a PDF saying how many comments were handled */
    char *pdf = hl_fixture_path(dir, "db.pdf");
    out = err = NULL;
    rc = run_report(
        (const char *[]){"--unit", UNIT, "--month", "2026-11", "--db", db, "--pdf", pdf, NULL},
        &out, &err);
    CHECK_INT(rc, 0);
    if (rc) printf("%s\n", err ? err : "");
    char *t = pdf_text(pdf);
    CHECK_CONTAINS(t, "3 (2 đã xử lý, thời gian xử lý trung vị 2,0 giờ)");
    CHECK_CONTAINS(t, "đọc từ PostgreSQL");
    CHECK_CONTAINS(t, "68,8");
    free(t);
    free(out);
    free(err);
    free(pdf);
    free(from_pg);
    free(from_dir);
    hl_report_free(r);
    hl_report_free(m);
    hl_fixture_rm(dir);
    hl_pg_destroy(&pg);
}

/* The gaps hl_report_read_pg names in the unit-month, as "kiosk:from-to;"... */
static void pg_gaps(const char *db, char *out, size_t cap)
{
    hl_err_t e = {0};
    hl_report_t *g = hl_report_new(UNIT, "2026-11", &e);
    int rc = hl_report_read_pg(g, db, &e);
    CHECK_INT(rc, HL_OK);
    if (rc) printf("%s\n", e.msg);
    size_t n = 0, len = 0;
    const hl_rgap_t *gp = hl_report_gaps(g, &n);
    out[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s:%lld-%lld;", gp[i].kiosk_id,
                                (long long)gp[i].from_seq, (long long)gp[i].to_seq);
    hl_report_free(g);
}

static void test_postgresql_names_a_gap_only_where_the_chain_does_not_link(void)
{
    hl_pg_t pg;
    char db[PATH_MAX + 160];
    if (!seeded_db(&pg, db, sizeof db)) return;
    char gaps[400];
    /* every seq stored: no gap */
    pg_gaps(db, gaps, sizeof gaps);
    CHECK_STR(gaps, "");
    /* kiosk-a's 11 and 12 and kiosk-b's 2 never reached the server (or were
     * removed empty on the kiosk): kiosk-b's sides link by their chain
     * (nothing finished between them), kiosk-a's do not (13's prev_chain is
     * not 10's chain): only kiosk-a's is a gap */
    free(hl_pg_query(
        db, "DELETE FROM hailong.response_ids WHERE (kiosk_id = 'kiosk-a' AND seq IN (11, 12)) "
            "OR (kiosk_id = 'kiosk-b' AND seq = 2);"
            "DELETE FROM hailong.responses WHERE (kiosk_id = 'kiosk-a' AND seq IN (11, 12)) "
            "OR (kiosk_id = 'kiosk-b' AND seq = 2);"
            "UPDATE hailong.responses SET chain = 'b1' WHERE kiosk_id = 'kiosk-b' AND seq = 1;"
            "UPDATE hailong.responses SET prev_chain = 'b1' WHERE kiosk_id = 'kiosk-b' AND "
            "seq = 3"));
    pg_gaps(db, gaps, sizeof gaps);
    CHECK_STR(gaps, "kiosk-a:11-12;");
    /* kiosk-a's sides linked: the kiosk removed empty responses, nothing is
     * missing */
    free(hl_pg_query(
        db, "UPDATE hailong.responses SET chain = 'a10' WHERE kiosk_id = 'kiosk-a' AND seq = 10;"
            "UPDATE hailong.responses SET prev_chain = 'a10' WHERE kiosk_id = 'kiosk-a' AND "
            "seq = 13"));
    pg_gaps(db, gaps, sizeof gaps);
    CHECK_STR(gaps, "");
    /* unchained rows (unsigned, legacy) on a side prove nothing: a gap */
    free(hl_pg_query(db, "UPDATE hailong.responses SET chain = NULL, prev_chain = NULL WHERE "
                         "kiosk_id = 'kiosk-a' AND seq IN (10, 13)"));
    pg_gaps(db, gaps, sizeof gaps);
    CHECK_STR(gaps, "kiosk-a:11-12;");
    hl_pg_destroy(&pg);
}

/* A report of unit read for the session token_hash at now on c. */
static int session_read(PGconn *c, const char *unit, const char *token_hash, const char *now,
                        hl_report_t **out, hl_err_t *e)
{
    hl_report_t *r = hl_report_new(unit, "2026-11", e);
    int rc = r ? hl_report_read_pg_session(r, c, token_hash, now, e) : e->code;
    if (rc == HL_OK) rc = hl_report_compute(r, e);
    if (rc == HL_OK && out)
        *out = r;
    else
        hl_report_free(r);
    return rc;
}

#define TOKEN_TINH                                                                                 \
    "\\x"                                                                                          \
    "1111111111111111111111111111111111111111111111111111111111111111"
#define TOKEN_UNIT                                                                                 \
    "\\x"                                                                                          \
    "2222222222222222222222222222222222222222222222222222222222222222"
#define TOKEN_KHAC                                                                                 \
    "\\x"                                                                                          \
    "3333333333333333333333333333333333333333333333333333333333333333"
#define TOKEN_NONE                                                                                 \
    "\\x"                                                                                          \
    "9999999999999999999999999999999999999999999999999999999999999999"
#define NOW_LIVE "2026-12-01T01:10:00Z" /* sessions seen at 01:00Z: live */
#define NOW_IDLE "2026-12-01T01:31:00Z" /* 31 minutes idle: gone */

static void test_session_read_refuses_others_and_dead_sessions_and_matches_the_db_read(void)
{
    hl_pg_t pg;
    char db[PATH_MAX + 160];
    if (!seeded_db(&pg, db, sizeof db)) return;
    /* three staff (province, this unit, another unit), each logged in, and
     * the dashboard's login role (granted hailong_web: no table) */
    char *n = hl_pg_query(
        db, "INSERT INTO hailong.staff (login, name, role, unit, salt, iterations, hash) VALUES "
            "('tinh', 'Tỉnh', 'province', NULL, decode(repeat('00', 16), 'hex'), 1000, "
            "decode(repeat('00', 32), 'hex')), "
            "('haichau', 'Hải Châu', 'unit', 'UBND phường Hải Châu', decode(repeat('00', 16), "
            "'hex'), 1000, decode(repeat('00', 32), 'hex')), "
            "('khac', 'Khác', 'unit', 'Khác', decode(repeat('00', 16), 'hex'), 1000, "
            "decode(repeat('00', 32), 'hex'));"
            "INSERT INTO hailong.web_sessions (token_hash, login, csrf, created_at, seen_at) "
            "SELECT decode(repeat(h, 32), 'hex'), l, repeat('ab', 32), '2026-12-01T01:00:00Z', "
            "'2026-12-01T01:00:00Z' FROM (VALUES ('11', 'tinh'), ('22', 'haichau'), "
            "('33', 'khac')) v (h, l);"
            "CREATE ROLE report_web LOGIN IN ROLE hailong_web;"
            "SELECT count(*) FROM hailong.web_sessions");
    CHECK_STR(n, "3");
    free(n);
    char web[PATH_MAX + 200];
    snprintf(web, sizeof web, "%s user=report_web", db);
    PGconn *c = PQconnectdb(web);
    CHECK(PQstatus(c) == CONNECTION_OK);
    /* the web role reads no table itself */
    PGresult *res = PQexec(c, "SELECT count(*) FROM hailong.responses");
    CHECK_INT(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    res = PQexec(c, "SELECT count(*) FROM hailong.report_row_set(NULL, '2020-01-01T00:00:00Z', "
                    "'2030-01-01T00:00:00Z')");
    CHECK_INT(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);

    hl_err_t e = {0};
    hl_report_t *want = hl_report_new(UNIT, "2026-11", &e);
    CHECK_INT(hl_report_read_pg(want, db, &e), HL_OK);
    CHECK_INT(hl_report_compute(want, &e), HL_OK);
    char *dump_want = hl_report_dump(want);
    /* the unit's staff and the province's get the same figures, kiosks and
     * gaps as the command's read */
    const char *tokens[] = {TOKEN_UNIT, TOKEN_TINH};
    for (size_t t = 0; t < 2; t++) {
        hl_report_t *got = NULL;
        e = (hl_err_t){0};
        int rc = session_read(c, UNIT, tokens[t], NOW_LIVE, &got, &e);
        CHECK_INT(rc, HL_OK);
        if (rc) printf("%s\n", e.msg);
        char *dump = got ? hl_report_dump(got) : NULL;
        CHECK_STR(dump, dump_want);
        CHECK_LINE(dump, "handled 2");
        size_t nk = 0, nk2 = 0, ng = 0, ng2 = 0;
        const hl_rkiosk_t *k = got ? hl_report_kiosks(got, &nk) : NULL;
        const hl_rkiosk_t *k2 = hl_report_kiosks(want, &nk2);
        CHECK_INT(nk, nk2);
        for (size_t i = 0; k && i < nk && i < nk2; i++)
            CHECK(!strcmp(k[i].kiosk_id, k2[i].kiosk_id) && k[i].head_seq == k2[i].head_seq &&
                  k[i].chain_head && !strcmp(k[i].chain_head, k2[i].chain_head));
        if (got) hl_report_gaps(got, &ng);
        hl_report_gaps(want, &ng2);
        CHECK_INT(ng, ng2);
        free(dump);
        hl_report_free(got);
        CHECK_INT(PQtransactionStatus(c), PQTRANS_IDLE);
    }
    /* refused: another unit's staff, an unknown token, an idle session, the
     * province's report; the connection stays usable (idle) */
    struct {
        const char *unit, *token, *now;
        int rc;
    } no[] = {
        {UNIT, TOKEN_KHAC, NOW_LIVE, HL_ERR_UNTRUSTED},
        {UNIT, TOKEN_NONE, NOW_LIVE, HL_ERR_UNTRUSTED},
        {UNIT, TOKEN_UNIT, NOW_IDLE, HL_ERR_UNTRUSTED},
        {"*", TOKEN_TINH, NOW_LIVE, HL_ERR_USAGE},
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        e = (hl_err_t){0};
        CHECK_INT(session_read(c, no[i].unit, no[i].token, no[i].now, NULL, &e), no[i].rc);
        CHECK_INT(PQtransactionStatus(c), PQTRANS_IDLE);
    }
    CHECK_CONTAINS(e.msg, "province");
    /* and straight through SQL: a session's own unit only, a bounded range */
    res = PQexec(c, "SELECT count(*) FROM hailong.web_report_rows('" TOKEN_UNIT "', '" NOW_LIVE
                    "', 'Khác', '2026-10-31T17:00:00Z', '2026-11-30T17:00:00Z')");
    CHECK_INT(PQresultStatus(res), PGRES_FATAL_ERROR);
    CHECK_STR(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
    PQclear(res);
    res = PQexec(c, "SELECT count(*) FROM hailong.web_report_rows('" TOKEN_TINH "', '" NOW_LIVE
                    "', 'Khác', '2020-01-01T00:00:00Z', '2026-11-30T17:00:00Z')");
    CHECK_STR(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
    PQclear(res);
    res = PQexec(c, "SELECT count(*) FROM hailong.web_report_rows('" TOKEN_TINH "', '" NOW_LIVE
                    "', 'Khác', '2026-10-31T17:00:00Z', '2026-11-30T17:00:00Z')");
    CHECK_INT(PQresultStatus(res), PGRES_TUPLES_OK);
    CHECK_STR(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    PQfinish(c);
    free(dump_want);
    hl_report_free(want);
    hl_pg_destroy(&pg);
}

static void test_bad_input_fails_naming_the_file_and_writes_nothing(void)
{
    char *dir = merged_folder("report");
    char *pdf = hl_fixture_path(dir, "old.pdf");
    free(hl_test_write_file(dir, "old.pdf", "an earlier report"));
    /* a line that is not a row */
    char *jl = hl_fixture_path(dir, "responses.jsonl");
    char *text = hl_test_read_file(jl, NULL);
    size_t tl = strlen(text);
    char *bad = malloc(tl + 64);
    snprintf(bad, tl + 64, "%s{\"seq\": \"x\"}\n", text);
    free(hl_test_write_file(dir, "responses.jsonl", bad));
    char *out = NULL, *err = NULL;
    int rc = run_report((const char *[]){"--unit", UNIT, "--month", "2026-11", "--merged", dir,
                                         "--pdf", pdf, "--xlsx", "x.xlsx", NULL},
                        &out, &err);
    CHECK_INT(rc, 1);
    CHECK_CONTAINS(err, "responses.jsonl:25");
    CHECK_CONTAINS(err, "hailong merge");
    char *kept = hl_test_read_file(pdf, NULL);
    CHECK_STR(kept, "an earlier report");
    CHECK(access("x.xlsx", F_OK) != 0);
    CHECK_INT(hl_fixture_hidden(dir), 0); /* no temporary file left */
    free(kept);
    free(out);
    free(err);
    /* a folder that is not a merged one */
    char *empty = hl_test_tmpdir("report-empty");
    out = err = NULL;
    rc = run_report((const char *[]){"--unit", UNIT, "--month", "2026-11", "--merged", empty,
                                     "--pdf", pdf, NULL},
                    &out, &err);
    CHECK_INT(rc, 1);
    CHECK_CONTAINS(err, "merge.json");
    CHECK_CONTAINS(err, "not a merged folder");
    free(out);
    free(err);
    /* usage: a bad month, two sources, the province from bundles */
    out = err = NULL;
    CHECK_INT(run_report((const char *[]){"--unit", UNIT, "--month", "2026-13", "--merged", dir,
                                          "--pdf", pdf, NULL},
                         &out, &err),
              2);
    CHECK_CONTAINS(err, "YYYY-MM");
    free(out);
    free(err);
    out = err = NULL;
    CHECK_INT(run_report((const char *[]){"--unit", UNIT, "--month", "2026-11", "--merged", dir,
                                          "--db", "x", "--pdf", pdf, NULL},
                         &out, &err),
              2);
    CHECK_CONTAINS(err, "one source");
    free(out);
    free(err);
    out = err = NULL;
    CHECK_INT(run_report((const char *[]){"--unit", "*", "--month", "2026-11", "--merged", dir,
                                          "--pdf", pdf, NULL},
                         &out, &err),
              2);
    CHECK_CONTAINS(err, "needs --db");
    free(out);
    free(err);
    /* PostgreSQL that is not there */
    out = err = NULL;
    CHECK_INT(
        run_report((const char *[]){"--unit", UNIT, "--month", "2026-11", "--db",
                                    "host=/nonexistent-hl port=1 dbname=x", "--pdf", pdf, NULL},
                   &out, &err),
        1);
    CHECK_CONTAINS(err, "PostgreSQL");
    kept = hl_test_read_file(pdf, NULL);
    CHECK_STR(kept, "an earlier report");
    free(kept);
    free(out);
    free(err);
    free(text);
    free(bad);
    free(jl);
    free(pdf);
    hl_fixture_rm(empty);
    hl_fixture_rm(dir);
}

static void test_bundles_are_merged_in_process_and_counted(void)
{
    hl_fx_t x;
    test_survey_t t;
    survey_make(&t, "s-note", 1, (const char *const[]){"q_note"}, 1);
    hl_fx_open(&x, "report-bundle", &t, NULL);
    hl_fixture_fill(x.st, 20, "q_note", 10); /* 2023-11-14T22:14:20Z on: 15 November, local */
    hl_store_close(x.st);
    x.st = hl_fixture_store(x.dir, &t);
    char *root = hl_test_tmpdir("report-stick");
    const hl_devkey_t *key = hl_fixture_devkey(60);
    hl_bundle_opts_t o = hl_fixture_bundle_opts(root, key);
    char bdir[4096];
    hl_bundle_result_t res;
    CHECK_INT(hl_bundle_write(x.st, &o, bdir, sizeof bdir, &res, &x.err), HL_OK);
    if (x.err.code) printf("%s\n", x.err.msg);
    char *trust = hl_test_trust_file(x.dir, "trust.txt", "kiosk-01", key);
    char *xlsx = hl_fixture_path(x.dir, "b.xlsx");
    char *out = NULL, *err = NULL;
    int rc = run_report((const char *[]){"--unit", UNIT, "--month", "2023-11", "--bundles",
                                         "--trust", trust, root, "--xlsx", xlsx, NULL},
                        &out, &err);
    CHECK_INT(rc, 0);
    if (rc) printf("%s\n", err ? err : "");
    CHECK_CONTAINS(out, "20 responses");
    json_t *wb = xlsx_read(xlsx);
    json_t *s = xrow(wb, "Summary", UNIT, NULL);
    CHECK(s && json_integer_value(json_array_get(s, 1)) == 20);
    json_t *k = xrow(wb, "Sources", "kiosk-01", NULL);
    CHECK(k && json_integer_value(json_array_get(k, 4)) == 20);
    json_decref(wb);
    /* a stranger's trust list: the bundle is rejected, nothing counts */
    char *other = hl_test_trust_file(x.dir, "other.txt", "kiosk-01", hl_fixture_devkey(61));
    free(out);
    free(err);
    out = err = NULL;
    rc = run_report((const char *[]){"--unit", UNIT, "--month", "2023-11", "--bundles", "--trust",
                                     other, root, "--xlsx", xlsx, NULL},
                    &out, &err);
    CHECK_INT(rc, 0);
    if (rc) printf("%s\n", err ? err : "");
    CHECK_CONTAINS(out, "0 responses");
    CHECK_CONTAINS(err, "incomplete");
    free(out);
    free(err);
    free(other);
    free(trust);
    free(xlsx);
    hl_fixture_rm(root);
    hl_fx_close(&x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_figures_of_a_crafted_month_follow_index_weeks_and_min5),
    HL_TEST(test_a_unit_hidden_in_the_province_stays_hidden_in_its_section),
    HL_TEST(test_pdf_text_has_the_figures_in_vietnamese_and_english),
    HL_TEST(test_pdf_pages_equal_the_goldens),
    HL_TEST(test_xlsx_read_back_has_the_figures_and_hidden_cells_empty),
    HL_TEST(test_postgresql_gives_the_same_figures_as_the_merged_folder),
    HL_TEST(test_postgresql_names_a_gap_only_where_the_chain_does_not_link),
    HL_TEST(test_session_read_refuses_others_and_dead_sessions_and_matches_the_db_read),
    HL_TEST(test_bad_input_fails_naming_the_file_and_writes_nothing),
    HL_TEST(test_bundles_are_merged_in_process_and_counted),
};

HL_TEST_MAIN(tests)
