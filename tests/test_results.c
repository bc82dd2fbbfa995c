/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_results.c: the technician menu's results (firmware/tech/hl_results.c)
 * against a real store in a temporary folder, with responses saved at known
 * local times by known officers.
 *
 * The data set (survey "res", version 2 unless said; T = local midnight
 * today, UTC+7):
 *   #  started            officer overall visit   reasons              stars nps posted code
 *   1  T+08:05            nva     vs      a       slow|other           5     10  yes    00123
 *   2  T+08:40            nva     s       a       slow                 4     9   yes
 *   3  T+09:10            ttb     n       b       guide|attitude|other 3     0   no     42
 *   4  T+09:50            nva     d       c                            2     7   no
 *   5  T+10:00            ttb     vs      b       other                1     10  yes    7
 *   6  T+14:30            nva     vd      a       slow|guide           5     5   yes
 *   7  T+23:59:59.999     ttb     s       (partial: nothing else)
 *   8  T-1ms              nva     s       c                            4     8   yes
 *   9  T-6d               ttb     n       a       attitude             3     6   no     1
 *  10  T-6d-1ms           nva     vs      a       slow                 5     10  yes
 *  11  T+11:00 (v1)       ttb     s       old_opt old_reason|slow
 *  12  T+12:00            nva     vs      (still in progress: never counted)
 * Version 1 has one more option in visit (old_opt) and in reasons
 * (old_reason). The expected numbers below are counted by hand from this
 * table.
 */
#include "hl_results.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>

#define DAY_MS  (24LL * 3600 * 1000)
#define HOUR_MS (3600LL * 1000)
#define MIN_MS  (60LL * 1000)
#define TZ_MS   (7 * HOUR_MS)
#define T0      1789923600000LL /* a local midnight at UTC+7 */

/* ---- Surveys from a short spec ------------------------------------------------ */

/* Builds and loads a survey from "qid type [opt,opt,...];..." (one language). */
static hl_survey_t *make_survey(const char *id, int version, const char *spec)
{
    char json[8192];
    size_t n = (size_t)snprintf(json, sizeof json,
                                "{\"format\":1,\"id\":\"%s\",\"version\":%d,\"languages\":[\"en\"],"
                                "\"title\":{\"en\":\"T\"},\"thanks\":{\"en\":\"Thanks\"},"
                                "\"questions\":[",
                                id, version);
    char *copy = strdup(spec);
    char *save_q = NULL;
    bool first = true, contact = false;
    for (char *q = strtok_r(copy, ";", &save_q); q; q = strtok_r(NULL, ";", &save_q)) {
        char qid[40] = "", type[16] = "", opts[512] = "";
        sscanf(q, "%39s %15s %511s", qid, type, opts);
        n += (size_t)snprintf(json + n, sizeof json - n,
                              "%s{\"id\":\"%s\",\"type\":\"%s\",\"text\":{\"en\":\"%s?\"}",
                              first ? "" : ",", qid, type, qid);
        first = false;
        if (!strcmp(type, "text"))
            n += (size_t)snprintf(json + n, sizeof json - n, ",\"hint\":{\"en\":\"Write\"}");
        if (!strcmp(type, "note"))
            n += (size_t)snprintf(json + n, sizeof json - n, ",\"body\":{\"en\":\"Read\"}");
        contact = contact || !strcmp(type, "contact");
        if (opts[0]) {
            n += (size_t)snprintf(json + n, sizeof json - n, ",\"options\":[");
            char *save_o = NULL;
            bool first_o = true;
            for (char *o = strtok_r(opts, ",", &save_o); o; o = strtok_r(NULL, ",", &save_o)) {
                n += (size_t)snprintf(json + n, sizeof json - n,
                                      "%s{\"id\":\"%s\",\"label\":{\"en\":\"%s\"}}",
                                      first_o ? "" : ",", o, o);
                first_o = false;
            }
            n += (size_t)snprintf(json + n, sizeof json - n, "]");
        }
        n += (size_t)snprintf(json + n, sizeof json - n, "}");
    }
    snprintf(json + n, sizeof json - n, "]%s}",
             contact ? ",\"consent\":{\"en\":\"Only to call you back.\"}" : "");
    free(copy);
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    if (hl_survey_load_text("res.json", json, strlen(json), &s, &d) != HL_OK) {
        hl_diags_print(&d, stderr);
        hl_test_fail(__FILE__, __LINE__, "survey does not load: %s", json);
    }
    hl_diags_free(&d);
    return s;
}

#define SPEC_V2                                                                                    \
    "overall smiley vs,s,n,d,vd;visit choice a,b,c;reasons multi slow,guide,attitude,other;"       \
    "stars stars;nps nps;posted yesno;code number"
#define SPEC_V1                                                                                    \
    "overall smiley vs,s,n,d,vd;visit choice a,b,c,old_opt;"                                       \
    "reasons multi slow,guide,attitude,other,old_reason;stars stars;nps nps;posted yesno;"         \
    "code number"

/* ---- Fixture: a store in a temporary folder ---------------------------------------- */

typedef struct fixture {
    char *dir;
    hl_store_t *st;
    hl_survey_t *s;  /* the survey results are computed for */
    hl_survey_t *s1; /* an older version, or NULL */
    hl_fakesys_t clock;
    hl_err_t err;
} fixture_t;

static void fixture_init(fixture_t *f, const char *tag, const char *spec, const char *spec_v1)
{
    memset(f, 0, sizeof *f);
    f->dir = hl_test_tmpdir(tag);
    hl_fakesys_init(&f->clock, T0, true, 11);
    f->s = make_survey("res", 2, spec);
    f->s1 = spec_v1 ? make_survey("res", 1, spec_v1) : NULL;
    if (hl_store_open(f->dir, NULL, &f->st, NULL, &f->err) != HL_OK ||
        hl_store_use_survey(f->st, f->s, "kiosk-res", &f->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "store: %s", f->err.msg);
}

static void fixture_free(fixture_t *f)
{
    hl_store_close(f->st);
    hl_survey_free(f->s);
    hl_survey_free(f->s1);
    hl_test_rmtree(f->dir);
    free(f->dir);
}

/* Saves one response started at `started` by `officer` (NULL: none) with the
 * answers "qid=value;qid=value", finished with status (IN_PROGRESS: left
 * open). */
static void add(fixture_t *f, int64_t started, const char *officer, const char *answers,
                hl_resp_status_t status)
{
    hl_sys_t sys = hl_fakesys_sys(&f->clock);
    if (hl_store_set_duty(f->st, officer, officer ? "Counter 1" : NULL, &f->err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "duty: %s", f->err.msg);
        return;
    }
    hl_response_t r = {.lang = HL_LANG_EN, .clock_trusted = true, .started_utc_ms = started};
    hl_uuid_new(&sys, r.uuid);
    char *copy = strdup(answers);
    char *save = NULL;
    int64_t ms = 1000;
    for (char *a = strtok_r(copy, ";", &save); a; a = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(a, '=');
        if (!eq) continue;
        *eq = '\0';
        hl_save_t sv = {.set_qid = a, .set_value = eq + 1, .set_ms = ms};
        ms += 1000;
        if (hl_store_save(f->st, &r, &sv, &f->err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "save %s: %s", a, f->err.msg);
    }
    free(copy);
    if (status != HL_RESP_IN_PROGRESS) {
        hl_save_t fin = {.status = status, .finished_utc_ms = started + ms};
        if (hl_store_save(f->st, &r, &fin, &f->err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "finish: %s", f->err.msg);
    }
}

/* The data set of the header comment. */
static void fixture_data_set(fixture_t *f)
{
    fixture_init(f, "results", SPEC_V2, SPEC_V1);
    const hl_resp_status_t C = HL_RESP_COMPLETE;
    add(f, T0 + 8 * HOUR_MS + 5 * MIN_MS, "nva",
        "overall=vs;visit=a;reasons=slow|other;stars=5;nps=10;posted=yes;code=00123", C);
    add(f, T0 + 8 * HOUR_MS + 40 * MIN_MS, "nva",
        "overall=s;visit=a;reasons=slow;stars=4;nps=9;posted=yes", C);
    add(f, T0 + 9 * HOUR_MS + 10 * MIN_MS, "ttb",
        "overall=n;visit=b;reasons=guide|attitude|other;stars=3;nps=0;posted=no;code=42", C);
    add(f, T0 + 9 * HOUR_MS + 50 * MIN_MS, "nva", "overall=d;visit=c;stars=2;nps=7;posted=no", C);
    add(f, T0 + 10 * HOUR_MS, "ttb",
        "overall=vs;visit=b;reasons=other;stars=1;nps=10;posted=yes;code=7", C);
    add(f, T0 + 14 * HOUR_MS + 30 * MIN_MS, "nva",
        "overall=vd;visit=a;reasons=slow|guide;stars=5;nps=5;posted=yes", C);
    add(f, T0 + DAY_MS - 1, "ttb", "overall=s", HL_RESP_PARTIAL);
    add(f, T0 - 1, "nva", "overall=s;visit=c;stars=4;nps=8;posted=yes", C);
    add(f, T0 - 6 * DAY_MS, "ttb",
        "overall=n;visit=a;reasons=attitude;stars=3;nps=6;posted=no;code=1", C);
    add(f, T0 - 6 * DAY_MS - 1, "nva", "overall=vs;visit=a;reasons=slow;stars=5;nps=10;posted=yes",
        C);
    if (hl_store_use_survey(f->st, f->s1, "kiosk-res", &f->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "v1: %s", f->err.msg);
    add(f, T0 + 11 * HOUR_MS, "ttb", "overall=s;visit=old_opt;reasons=old_reason|slow", C);
    if (hl_store_use_survey(f->st, f->s, "kiosk-res", &f->err) != HL_OK)
        hl_test_fail(__FILE__, __LINE__, "v2: %s", f->err.msg);
    add(f, T0 + 12 * HOUR_MS, "nva", "overall=vs", HL_RESP_IN_PROGRESS);
}

static hl_results_t *compute(fixture_t *f, hl_period_t period, const char *officer)
{
    static hl_results_t r;
    memset(&r, 0xAB, sizeof r); /* compute must set everything */
    int rc = hl_results_compute(f->st, f->s, period, officer, NULL, 0, T0, TZ_MS, &r, &f->err);
    if (rc != HL_OK) hl_test_fail(__FILE__, __LINE__, "compute: %s", f->err.msg);
    return &r;
}

/* Checks a question's bars against expected (n values). */
#define CHECK_BARS(q, ...)                                                                         \
    do {                                                                                           \
        const int64_t want_[] = {__VA_ARGS__};                                                     \
        const int n_ = (int)(sizeof want_ / sizeof want_[0]);                                      \
        CHECK_INT((q)->n_bars, n_);                                                                \
        for (int i_ = 0; i_ < n_ && i_ < (q)->n_bars; i_++)                                        \
            if ((q)->bars[i_] != want_[i_])                                                        \
                hl_test_fail(__FILE__, __LINE__, "%s bar %d == %lld, expected %lld", #q, i_,       \
                             (long long)(q)->bars[i_], (long long)want_[i_]);                      \
    } while (0)

/* ---- Tests ------------------------------------------------------------------ */

static void test_all_time_bars_match_the_stored_answers(void)
{
    fixture_t f;
    fixture_data_set(&f);
    hl_results_t *r = compute(&f, HL_PERIOD_ALL, NULL);
    CHECK_INT(r->period, HL_PERIOD_ALL);
    CHECK_STR(r->officer, "");
    CHECK_INT(r->counts.responses, 11);
    CHECK_INT(r->counts.complete, 10);
    CHECK_INT(r->counts.partial, 1);
    CHECK(r->enough);
    CHECK_INT(r->n_questions, 7);
    for (int i = 0; i < 7; i++)
        CHECK_INT(r->q[i].question, i);

    CHECK(r->q[0].charted);
    CHECK_INT(r->q[0].answered, 11);
    CHECK_BARS(&r->q[0], 3, 4, 2, 1, 1);
    CHECK_INT(r->q[1].answered, 9); /* old_opt (#11) left out */
    CHECK_BARS(&r->q[1], 5, 2, 2);
    CHECK_INT(r->q[2].answered, 8);
    CHECK_BARS(&r->q[2], 5, 2, 2, 3);
    CHECK_INT(r->q[3].answered, 9);
    CHECK_BARS(&r->q[3], 1, 1, 2, 2, 3);
    CHECK_INT(r->q[4].answered, 9);
    CHECK_BARS(&r->q[4], 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 3);
    CHECK_INT(r->q[5].answered, 9);
    CHECK_BARS(&r->q[5], 6, 3);
    for (int i = 0; i < 6; i++) {
        CHECK(r->q[i].charted);
        CHECK(r->q[i].enough);
    }

    CHECK(r->has_rate);
    CHECK_INT(r->rate_answered, 11);
    CHECK_INT(r->rate_satisfied, 7);
    fixture_free(&f);
}

static void test_multi_answers_count_once_per_option(void)
{
    fixture_t f;
    fixture_data_set(&f);
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    /* Today: slow|other, slow, guide|attitude|other, other, slow|guide, and
     * (v1) old_reason|slow: 6 answered, 11 ticks of which old_reason is gone. */
    CHECK_INT(r->q[2].answered, 6);
    CHECK_BARS(&r->q[2], 4, 2, 1, 3);
    int64_t sum = 0;
    for (int i = 0; i < r->q[2].n_bars; i++)
        sum += r->q[2].bars[i];
    CHECK_INT(sum, 10);
    fixture_free(&f);
}

static void test_number_questions_are_counted_never_charted(void)
{
    fixture_t f;
    fixture_data_set(&f);
    hl_results_t *r = compute(&f, HL_PERIOD_ALL, NULL);
    const hl_results_q_t *code = &r->q[6];
    CHECK(!code->charted);
    CHECK_INT(code->n_bars, 0);
    CHECK_INT(code->answered, 4); /* 00123, 42, 7, 1 */
    CHECK(!code->enough);         /* 4 < HL_RESULTS_MIN */
    for (int i = 0; i < HL_RESULTS_BARS; i++)
        CHECK_INT(code->bars[i], 0);
    fixture_free(&f);
}

static void test_values_of_an_older_version_no_longer_options_are_left_out(void)
{
    fixture_t f;
    fixture_data_set(&f);
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    /* #11 (v1) counts as a response and for the options still there. */
    CHECK_INT(r->counts.responses, 8);
    CHECK_INT(r->q[0].bars[1], 3);  /* s: #2, #7 and #11 (v1) */
    CHECK_INT(r->q[1].answered, 6); /* visit: not #7, not #11's old_opt */
    CHECK_BARS(&r->q[1], 3, 2, 1);
    CHECK_INT(r->q[2].bars[0], 4); /* slow: #1, #2, #6 and #11 */
    /* Computed against version 1, old_opt is a bar again. */
    hl_results_t r1;
    CHECK_INT(
        hl_results_compute(f.st, f.s1, HL_PERIOD_TODAY, NULL, NULL, 0, T0, TZ_MS, &r1, &f.err),
        HL_OK);
    CHECK_BARS(&r1.q[1], 3, 2, 1, 1);
    CHECK_BARS(&r1.q[2], 4, 2, 1, 3, 1);
    fixture_free(&f);
}

static void test_periods_cut_at_local_midnight_and_six_days_before(void)
{
    fixture_t f;
    fixture_data_set(&f);
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK_INT(r->period, HL_PERIOD_TODAY);
    CHECK_INT(r->counts.responses, 8); /* #1-7 and #11; not #8 (T-1ms) */
    CHECK_INT(r->counts.complete, 7);
    CHECK_INT(r->counts.partial, 1);
    CHECK_BARS(&r->q[0], 2, 3, 1, 1, 1);
    CHECK_INT(r->rate_answered, 8);
    CHECK_INT(r->rate_satisfied, 5);

    r = compute(&f, HL_PERIOD_WEEK, NULL);
    CHECK_INT(r->period, HL_PERIOD_WEEK);
    CHECK_INT(r->counts.responses, 10); /* + #8 and #9 (T-6d); not #10 (T-6d-1ms) */
    CHECK_INT(r->counts.complete, 9);
    CHECK_BARS(&r->q[0], 2, 4, 2, 1, 1);
    CHECK_BARS(&r->q[3], 1, 1, 2, 2, 2);
    CHECK_INT(r->rate_satisfied, 6);

    r = compute(&f, HL_PERIOD_ALL, NULL);
    CHECK_INT(r->counts.responses, 11);
    fixture_free(&f);
}

static void test_hourly_counts_todays_responses_per_local_hour(void)
{
    fixture_t f;
    fixture_data_set(&f);
    const int64_t want[24] = {[8] = 2, [9] = 2, [10] = 1, [11] = 1, [14] = 1, [23] = 1};
    for (int p = 0; p < HL_PERIOD_COUNT; p++) {
        hl_results_t *r = compute(&f, (hl_period_t)p, NULL);
        for (int h = 0; h < 24; h++)
            if (r->hourly[h] != want[h])
                hl_test_fail(__FILE__, __LINE__, "period %d hour %d: %lld, expected %lld", p, h,
                             (long long)r->hourly[h], (long long)want[h]);
    }
    hl_results_t *r = compute(&f, HL_PERIOD_ALL, "nva");
    const int64_t nva[24] = {[8] = 2, [9] = 1, [14] = 1};
    for (int h = 0; h < 24; h++)
        CHECK_INT(r->hourly[h], nva[h]);
    fixture_free(&f);
}

static void test_officer_filter_counts_only_their_responses(void)
{
    fixture_t f;
    fixture_data_set(&f);
    hl_results_t *r = compute(&f, HL_PERIOD_ALL, "nva");
    CHECK_STR(r->officer, "nva");
    CHECK_INT(r->counts.responses, 6); /* #1, 2, 4, 6, 8, 10 */
    CHECK(r->enough);
    CHECK_BARS(&r->q[0], 2, 2, 0, 1, 1);
    CHECK_BARS(&r->q[5], 5, 1);
    CHECK_INT(r->rate_answered, 6);
    CHECK_INT(r->rate_satisfied, 4);

    r = compute(&f, HL_PERIOD_ALL, "ttb");
    CHECK_INT(r->counts.responses, 5); /* #3, 5, 7, 9, 11 */
    CHECK_INT(r->counts.partial, 1);
    CHECK_BARS(&r->q[0], 1, 2, 2, 0, 0);
    CHECK_INT(r->q[3].answered, 3);
    CHECK(!r->q[3].enough);

    r = compute(&f, HL_PERIOD_TODAY, "nva");
    CHECK_INT(r->counts.responses, 4);
    CHECK(!r->enough);

    r = compute(&f, HL_PERIOD_ALL, "nobody");
    CHECK_INT(r->counts.responses, 0);
    CHECK(!r->enough);
    CHECK_INT(r->q[0].answered, 0);

    r = compute(&f, HL_PERIOD_ALL, ""); /* "" is everybody, like NULL */
    CHECK_STR(r->officer, "");
    CHECK_INT(r->counts.responses, 11);
    fixture_free(&f);
}

static void test_fewer_than_five_responses_are_not_enough(void)
{
    fixture_t f;
    fixture_init(&f, "results-min", "overall smiley good,ok,bad;posted yesno", NULL);
    const char *vals[] = {"good", "ok", "bad", "good", "ok"};
    for (int i = 0; i < 4; i++) {
        char a[64];
        snprintf(a, sizeof a, "overall=%s%s", vals[i], i < 2 ? ";posted=yes" : "");
        add(&f, T0 + HOUR_MS + i * MIN_MS, "nva", a, HL_RESP_COMPLETE);
    }
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK_INT(r->counts.responses, 4);
    CHECK(!r->enough);
    CHECK(!r->q[0].enough);
    CHECK_INT(r->q[0].answered, 4);
    CHECK_BARS(&r->q[0], 2, 1, 1); /* computed all the same: the screen hides them */

    add(&f, T0 + 2 * HOUR_MS, "nva", "overall=ok;posted=no", HL_RESP_COMPLETE);
    r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK_INT(r->counts.responses, HL_RESULTS_MIN);
    CHECK(r->enough);
    CHECK(r->q[0].enough);
    CHECK_INT(r->q[0].answered, 5);
    CHECK_BARS(&r->q[0], 2, 2, 1);
    CHECK(!r->q[1].enough); /* 3 answered the yes/no question */
    CHECK_BARS(&r->q[1], 2, 1);
    /* Three smileys: the two best are satisfied. */
    CHECK(r->has_rate);
    CHECK_INT(r->rate_answered, 5);
    CHECK_INT(r->rate_satisfied, 4);
    fixture_free(&f);
}

static void test_stars_first_rates_four_and_five_as_satisfied(void)
{
    fixture_t f;
    fixture_init(&f, "results-stars", "stars stars;nps nps", NULL);
    const char *stars[] = {"5", "4", "3", "2", "1", "4"};
    for (int i = 0; i < 6; i++) {
        char a[64];
        snprintf(a, sizeof a, "stars=%s", stars[i]);
        add(&f, T0 + i * MIN_MS, NULL, a, HL_RESP_COMPLETE);
    }
    add(&f, T0 + HOUR_MS, NULL, "nps=3", HL_RESP_COMPLETE);
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK_INT(r->counts.responses, 7);
    CHECK(r->has_rate);
    CHECK_INT(r->rate_answered, 6);
    CHECK_INT(r->rate_satisfied, 3);
    CHECK_BARS(&r->q[0], 1, 1, 1, 2, 1);
    CHECK_INT(r->q[1].answered, 1);
    CHECK_INT(r->q[1].bars[3], 1);
    fixture_free(&f);
}

static void test_no_rate_when_the_first_question_is_not_a_rating(void)
{
    fixture_t f;
    fixture_init(&f, "results-norate", "visit choice a,b;overall smiley vs,s,n,d,vd", NULL);
    add(&f, T0 + HOUR_MS, NULL, "visit=a;overall=vs", HL_RESP_COMPLETE);
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK(!r->has_rate);
    CHECK_INT(r->rate_answered, 0);
    CHECK_INT(r->rate_satisfied, 0);
    CHECK_BARS(&r->q[0], 1, 0);
    CHECK_BARS(&r->q[1], 1, 0, 0, 0, 0);
    fixture_free(&f);
}

static void test_empty_store_gives_zeros(void)
{
    fixture_t f;
    fixture_init(&f, "results-empty", SPEC_V2, NULL);
    hl_results_t *r = compute(&f, HL_PERIOD_ALL, NULL);
    CHECK_INT(r->counts.responses, 0);
    CHECK(!r->enough);
    CHECK(r->has_rate);
    CHECK_INT(r->rate_answered, 0);
    CHECK_INT(r->n_questions, 7);
    CHECK_BARS(&r->q[0], 0, 0, 0, 0, 0);
    CHECK_INT(r->q[4].n_bars, 11);
    for (int h = 0; h < 24; h++)
        CHECK_INT(r->hourly[h], 0);
    fixture_free(&f);
}

static void test_comments_are_counted_in_the_period_never_kept(void)
{
    fixture_t f;
    fixture_init(&f, "results-text", "overall smiley vs,s,n,d,vd;note text;other text", NULL);
    const hl_resp_status_t C = HL_RESP_COMPLETE;
    add(&f, T0 + 8 * HOUR_MS, "nva", "overall=d;note=Chờ lâu, \"quá\" lâu", C);
    add(&f, T0 + 9 * HOUR_MS, "ttb", "overall=vs;note=Tốt;other=Cảm ơn", C);
    add(&f, T0 + 10 * HOUR_MS, "nva", "overall=s", C);
    add(&f, T0 - 2 * DAY_MS, "nva", "overall=n;note=Hôm kia", C);
    add(&f, T0 + 11 * HOUR_MS, "nva", "overall=vd;note=Chưa xong", HL_RESP_IN_PROGRESS);
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK_INT(r->comments, 3);
    CHECK(!r->q[1].charted);
    CHECK_INT(r->q[1].n_bars, 0);
    CHECK_INT(r->q[1].answered, 2);
    CHECK_INT(r->q[2].answered, 1);
    r = compute(&f, HL_PERIOD_WEEK, NULL);
    CHECK_INT(r->comments, 4);
    r = compute(&f, HL_PERIOD_ALL, "nva");
    CHECK_INT(r->comments, 2);
    r = compute(&f, HL_PERIOD_ALL, "nobody");
    CHECK_INT(r->comments, 0);
    fixture_free(&f);
}

/* A consultation: a note first, then the rating; numbers left are counted
 * as answers, never tallied by their digits. */
static void test_the_rate_is_the_first_question_after_notes_and_numbers_are_only_counted(void)
{
    fixture_t f;
    fixture_init(&f, "results-note", "intro note;overall smiley vs,s,n;phone contact", NULL);
    const hl_resp_status_t C = HL_RESP_COMPLETE;
    add(&f, T0 + HOUR_MS, NULL, "overall=vs;phone=0912345678", C);
    add(&f, T0 + 2 * HOUR_MS, NULL, "overall=n", C);
    add(&f, T0 - 2 * DAY_MS, NULL, "overall=s;phone=0387654321", C); /* from the tally */
    hl_results_t *r = compute(&f, HL_PERIOD_WEEK, NULL);
    CHECK(r->has_rate);
    CHECK_INT(r->rate_answered, 3);
    CHECK_INT(r->rate_satisfied, 2);
    CHECK_INT(r->q[2].answered, 2);
    CHECK(!r->q[2].charted);
    CHECK_INT(r->comments, 0); /* a number is not a comment */
    fixture_free(&f);
}

/* Saves n complete responses by officer (NULL: none) from `at`, a minute
 * apart, rating "good" and answering posted when posted is set. */
static void add_n(fixture_t *f, int n, int64_t at, const char *officer, bool posted)
{
    for (int i = 0; i < n; i++)
        add(f, at + i * MIN_MS, officer, posted ? "overall=good;posted=yes" : "overall=good",
            HL_RESP_COMPLETE);
}

static hl_results_t *compute_roster(fixture_t *f, hl_period_t period, const char *officer,
                                    const hl_officer_t *roster, int n)
{
    static hl_results_t r;
    if (hl_results_compute(f->st, f->s, period, officer, roster, n, T0, TZ_MS, &r, &f->err) !=
        HL_OK)
        hl_test_fail(__FILE__, __LINE__, "compute: %s", f->err.msg);
    return &r;
}

static void test_today_is_hidden_when_the_week_differs_from_it_by_fewer_than_five(void)
{
    fixture_t f;
    fixture_init(&f, "results-nest", "overall smiley good,ok,bad;posted yesno", NULL);
    add_n(&f, 6, T0 + HOUR_MS, "nva", true);      /* today: 6 */
    add_n(&f, 2, T0 - 2 * HOUR_MS, "nva", false); /* yesterday: 2 more */
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK_INT(r->counts.responses, 6);
    CHECK(!r->enough); /* week (8) less today (6) would tell yesterday's 2 */
    CHECK(!r->q[0].enough);
    r = compute(&f, HL_PERIOD_WEEK, NULL);
    CHECK(r->enough); /* the week and all time are the same 8: nothing to tell */
    CHECK(r->q[0].enough);
    CHECK(r->q[1].enough); /* 6 answered posted this week, the same 6 all time */

    add_n(&f, 3, T0 - 3 * HOUR_MS, "nva", false); /* yesterday: 5 in all */
    r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK(r->enough); /* week 11 less today 6 = 5: enough on its own */
    CHECK(r->q[1].enough);
    fixture_free(&f);
}

static void test_a_question_answered_by_few_outside_the_period_is_hidden_alone(void)
{
    fixture_t f;
    fixture_init(&f, "results-nestq", "overall smiley good,ok,bad;posted yesno", NULL);
    add_n(&f, 5, T0 + HOUR_MS, NULL, true);      /* today: 5, all answered posted */
    add_n(&f, 3, T0 - 2 * HOUR_MS, NULL, true);  /* yesterday: 3 answered posted */
    add_n(&f, 2, T0 - 3 * HOUR_MS, NULL, false); /* and 2 did not */
    hl_results_t *r = compute(&f, HL_PERIOD_TODAY, NULL);
    CHECK(r->enough);       /* 10 less 5: 5 */
    CHECK(r->q[0].enough);  /* the same */
    CHECK(!r->q[1].enough); /* posted: 8 less 5 = 3 answers told apart */
    fixture_free(&f);
}

static void test_an_officer_is_hidden_when_everyone_less_them_is_fewer_than_five(void)
{
    fixture_t f;
    fixture_init(&f, "results-offall", "overall smiley good,ok,bad;posted yesno", NULL);
    add_n(&f, 8, T0 + HOUR_MS, "nva", true);
    add_n(&f, 2, T0 + 3 * HOUR_MS, NULL, true); /* no one on duty */
    hl_results_t *r = compute(&f, HL_PERIOD_ALL, "nva");
    CHECK_INT(r->counts.responses, 8);
    CHECK(!r->enough); /* everyone (10) less nva (8): the 2 without an officer */
    CHECK(!r->q[0].enough);
    CHECK(compute(&f, HL_PERIOD_ALL, NULL)->enough);
    fixture_free(&f);
}

static void test_officers_side_by_side_hide_one_more_so_subtraction_tells_nothing(void)
{
    fixture_t f;
    fixture_init(&f, "results-parts", "overall smiley good,ok,bad;posted yesno", NULL);
    add_n(&f, 8, T0 + HOUR_MS, "nva", true);
    add_n(&f, 6, T0 + 2 * HOUR_MS, "ttb", true);
    add_n(&f, 3, T0 + 3 * HOUR_MS, "lhm", true);
    hl_officer_t roster[3] = {{.id = "nva"}, {.id = "ttb"}, {.id = "lhm"}};
    /* Without the roster, ttb alone passes (6, and 17 less 6 is 11)... */
    CHECK(compute(&f, HL_PERIOD_ALL, "ttb")->enough);
    /* ...but the menu lets the technician see nva and everyone too: 17 - 8 - 6
     * would be lhm's 3, so the smaller of the two shown (ttb) is hidden. */
    CHECK(!compute_roster(&f, HL_PERIOD_ALL, "ttb", roster, 3)->enough);
    CHECK(!compute_roster(&f, HL_PERIOD_ALL, "lhm", roster, 3)->enough);
    hl_results_t *r = compute_roster(&f, HL_PERIOD_ALL, "nva", roster, 3);
    CHECK(r->enough);
    CHECK_INT(r->counts.responses, 8);
    CHECK(compute_roster(&f, HL_PERIOD_ALL, NULL, roster, 3)->enough);
    fixture_free(&f);
}

static void test_a_roster_without_its_arguments_is_refused(void)
{
    fixture_t f;
    fixture_init(&f, "results-bad", "overall smiley good,ok,bad", NULL);
    hl_results_t r;
    CHECK_INT(hl_results_compute(f.st, f.s, HL_PERIOD_ALL, NULL, NULL, 2, T0, TZ_MS, &r, &f.err),
              HL_ERR_USAGE);
    CHECK_INT(hl_results_compute(f.st, f.s, HL_PERIOD_ALL, NULL, NULL, -1, T0, TZ_MS, &r, &f.err),
              HL_ERR_USAGE);
    fixture_free(&f);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_today_is_hidden_when_the_week_differs_from_it_by_fewer_than_five),
    HL_TEST(test_a_question_answered_by_few_outside_the_period_is_hidden_alone),
    HL_TEST(test_an_officer_is_hidden_when_everyone_less_them_is_fewer_than_five),
    HL_TEST(test_officers_side_by_side_hide_one_more_so_subtraction_tells_nothing),
    HL_TEST(test_a_roster_without_its_arguments_is_refused),
    HL_TEST(test_all_time_bars_match_the_stored_answers),
    HL_TEST(test_multi_answers_count_once_per_option),
    HL_TEST(test_number_questions_are_counted_never_charted),
    HL_TEST(test_values_of_an_older_version_no_longer_options_are_left_out),
    HL_TEST(test_periods_cut_at_local_midnight_and_six_days_before),
    HL_TEST(test_hourly_counts_todays_responses_per_local_hour),
    HL_TEST(test_officer_filter_counts_only_their_responses),
    HL_TEST(test_fewer_than_five_responses_are_not_enough),
    HL_TEST(test_stars_first_rates_four_and_five_as_satisfied),
    HL_TEST(test_no_rate_when_the_first_question_is_not_a_rating),
    HL_TEST(test_empty_store_gives_zeros),
    HL_TEST(test_comments_are_counted_in_the_period_never_kept),
    HL_TEST(test_the_rate_is_the_first_question_after_notes_and_numbers_are_only_counted),
};

HL_TEST_MAIN(tests)
