/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_flow.c: the session flow (firmware/session/hl_flow.c) with a fake clock
 * and a recording sink: branching, back, skip, hidden answers dropped, idle
 * -> still there -> partial, thanks lockout, language switch, and what
 * happens when a commit fails.
 */
#include "hl_flow.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>

/* ---- A sink that records every transaction and can be told to fail ------ */

#define MAX_SAVES 64
typedef struct rec_save {
    int64_t seq; /* seq after the save */
    char set_qid[40], set_value[HL_VALUE_MAX];
    int64_t set_ms;
    char drops[8][40];
    size_t n_drop;
    hl_resp_status_t status;
    hl_lang_t lang;
    int64_t finished_utc_ms;
    char suspect[16];       /* save.suspect, "" for NULL */
    uint64_t followup_seed; /* save.followup_seed */
} rec_save_t;

typedef struct rec_sink {
    hl_fixture_sink_t base;      /* answers as the store does: seq, code, language */
    rec_save_t saves[MAX_SAVES]; /* committed transactions, in order */
    int n;
    int fail_rc; /* when non-zero, the next fail_times saves fail with it */
    int fail_times;
    char stored[8][2][HL_VALUE_MAX]; /* qid/value pairs of the open response */
    int n_stored;
    int removed; /* responses removed for having no answer */
} rec_sink_t;

static void stored_set(rec_sink_t *k, const char *qid, const char *val)
{
    for (int i = 0; i < k->n_stored; i++) {
        if (!strcmp(k->stored[i][0], qid)) {
            if (val) {
                snprintf(k->stored[i][1], HL_VALUE_MAX, "%s", val);
            } else {
                memmove(k->stored[i], k->stored[i + 1],
                        (size_t)(k->n_stored - i - 1) * sizeof k->stored[0]);
                k->n_stored--;
            }
            return;
        }
    }
    if (val) {
        snprintf(k->stored[k->n_stored][0], HL_VALUE_MAX, "%s", qid);
        snprintf(k->stored[k->n_stored][1], HL_VALUE_MAX, "%s", val);
        k->n_stored++;
    }
}

static int rec_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err)
{
    rec_sink_t *k = ctx;
    if (k->fail_times > 0) {
        k->fail_times--;
        return hl_err_set(err, k->fail_rc, "injected failure");
    }
    if (k->n == MAX_SAVES) return hl_err_set(err, HL_ERR_INTERNAL, "too many saves");
    if (resp->seq == 0) k->n_stored = 0;
    hl_fixture_sink_save(&k->base, resp, sv, err);
    rec_save_t *r = &k->saves[k->n++];
    memset(r, 0, sizeof *r);
    if (sv->set_qid) {
        snprintf(r->set_qid, sizeof r->set_qid, "%s", sv->set_qid);
        snprintf(r->set_value, sizeof r->set_value, "%s", sv->set_value);
        r->set_ms = sv->set_ms;
        stored_set(k, sv->set_qid, sv->set_value);
    }
    for (size_t i = 0; i < sv->n_drop && i < 8; i++) {
        snprintf(r->drops[i], sizeof r->drops[i], "%s", sv->drop_qids[i]);
        stored_set(k, sv->drop_qids[i], NULL);
    }
    r->n_drop = sv->n_drop;
    r->status = sv->status;
    r->lang = resp->lang;
    r->finished_utc_ms = sv->finished_utc_ms;
    snprintf(r->suspect, sizeof r->suspect, "%s", sv->suspect ? sv->suspect : "");
    r->followup_seed = sv->followup_seed;
    if (k->n_stored == 0) { /* no answer left: removed, as the store does */
        k->removed++;
        resp->seq = 0;
    }
    r->seq = resp->seq;
    return HL_OK;
}

/* ---- Fixture ------------------------------------------------------------- */

typedef struct fx {
    hl_survey_t *survey;
    hl_fakesys_t clock;
    rec_sink_t sink;
    hl_flow_t flow;
    hl_err_t err;
} fx_t;

/* The flow on survey data/<name>. */
static fx_t *fx_open(const char *name)
{
    fx_t *x = calloc(1, sizeof *x);
    x->survey = hl_fixture_survey(name[0] == '/' ? name : hl_test_data(name));
    hl_fakesys_init(&x->clock, 1790000000000LL, true, 7);
    hl_timeouts_t t = {30, 10, 5};
    hl_sink_t sink = {rec_save, &x->sink};
    if (hl_flow_init(&x->flow, x->survey, &t, hl_fakesys_sys(&x->clock), sink, &x->err)) abort();
    return x;
}

/* The flow on the bundled consultation: a note, then five questions (the
 * last a contact question). */
static fx_t *fx_consult(void)
{
    return fx_open(HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json");
}

static fx_t *fx_new(void)
{
    return fx_open("flow/survey.json");
}

static void fx_free(fx_t *x)
{
    hl_flow_free(&x->flow);
    hl_survey_free(x->survey);
    free(x);
}

static int answer1(fx_t *x, const char *qid, const char *v)
{
    const char *vals[1] = {v};
    return hl_flow_answer(&x->flow, qid, vals, 1, &x->err);
}

static int answer2(fx_t *x, const char *qid, const char *a, const char *b)
{
    const char *vals[2] = {a, b};
    return hl_flow_answer(&x->flow, qid, vals, 2, &x->err);
}

static const char *cur_id(fx_t *x)
{
    return x->flow.survey->questions[x->flow.cur].id;
}

/* Advances the clock like the event loop: tick at each deadline on the way. */
static void wait_ms(fx_t *x, int64_t ms)
{
    int64_t target = x->clock.mono_ms + ms;
    for (;;) {
        int64_t due = hl_flow_deadline(&x->flow);
        if (due < 0 || due > target) break;
        if (due > x->clock.mono_ms) hl_fakesys_advance(&x->clock, due - x->clock.mono_ms);
        if (hl_flow_tick(&x->flow, &x->err) != HL_OK) break;
    }
    if (target > x->clock.mono_ms) hl_fakesys_advance(&x->clock, target - x->clock.mono_ms);
}

/* ---- Tests --------------------------------------------------------------- */

static void test_a_note_passes_on_next_storing_nothing_and_back_returns_to_it(void)
{
    fx_t *x = fx_consult();
    int pos, total;
    CHECK_STR(cur_id(x), "de_xuat");
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(hl_flow_deadline(&x->flow), -1); /* a note on the start screen waits forever */
    hl_flow_progress(&x->flow, &pos, &total);
    CHECK_INT(pos, 0); /* notes are not counted */
    CHECK_INT(total, 5);
    CHECK_INT(answer1(x, "de_xuat", "yes"), HL_ERR_USAGE); /* a note takes no answer */
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "ung_ho");
    CHECK_INT(x->sink.n, 0); /* read, not answered: no response */
    CHECK(!x->flow.started);
    hl_flow_progress(&x->flow, &pos, &total);
    CHECK_INT(pos, 1);
    CHECK_INT(total, 5);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "de_xuat");
    CHECK(hl_flow_value(&x->flow, 0) == NULL);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(answer1(x, "ung_ho", "ung_ho"), HL_OK);
    CHECK_INT(x->sink.n, 1);
    CHECK_STR(x->sink.saves[0].set_qid, "ung_ho");
    /* Back over the answered question to the note and forward again: the
     * answer stays, nothing more is stored. */
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "de_xuat");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "ung_ho");
    CHECK_INT(x->sink.n, 1);
    CHECK_INT(x->sink.n_stored, 1);
    fx_free(x);
}

static void test_reading_a_note_and_walking_away_stores_nothing(void)
{
    fx_t *x = fx_consult();
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    wait_ms(x, 30000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE); /* timeouts as on any screen */
    wait_ms(x, 10000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_STR(cur_id(x), "de_xuat");
    CHECK_INT(x->sink.n, 0);
    fx_free(x);
}

static void test_a_response_over_a_note_stores_the_answers_only(void)
{
    fx_t *x = fx_consult();
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(answer1(x, "ung_ho", "rat_ung_ho"), HL_OK);
    CHECK_INT(answer1(x, "khi_nao_den", "sang_thu_bay"), HL_OK);
    CHECK_INT(answer1(x, "nghi_lam", "yes"), HL_OK);
    CHECK_INT(hl_flow_set_text(&x->flow, "gop_y", "Nên mở cả chiều thứ Bảy", &x->err), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "lien_he");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK); /* no number: optional */
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_INT(x->sink.n, 5);
    CHECK_INT(x->sink.saves[4].status, HL_RESP_COMPLETE);
    CHECK_INT(x->sink.n_stored, 4);
    for (int i = 0; i < x->sink.n_stored; i++)
        CHECK(strcmp(x->sink.stored[i][0], "de_xuat") != 0);
    fx_free(x);
}

/* Types digits on the current keypad. */
static int keys(fx_t *x, const char *qid, const char *digits)
{
    for (const char *p = digits; *p; p++) {
        int rc = hl_flow_key(&x->flow, qid, *p, &x->err);
        if (rc != HL_OK) return rc;
    }
    return HL_OK;
}

/* The consultation up to its contact question (with a comment or not). */
static fx_t *fx_to_contact(bool comment)
{
    fx_t *x = fx_consult();
    hl_flow_next(&x->flow, &x->err);
    answer1(x, "ung_ho", "ung_ho");
    answer1(x, "khi_nao_den", "ngay_thuong");
    answer1(x, "nghi_lam", "no");
    if (comment) hl_flow_set_text(&x->flow, "gop_y", "Nên mở cả chiều", &x->err);
    hl_flow_next(&x->flow, &x->err);
    CHECK_STR(cur_id(x), "lien_he");
    return x;
}

/* The stored value of qid in the open response, or "". */
static const char *stored_of(fx_t *x, const char *qid)
{
    for (int i = 0; i < x->sink.n_stored; i++)
        if (!strcmp(x->sink.stored[i][0], qid)) return x->sink.stored[i][1];
    return "";
}

static void test_a_contact_number_is_kept_but_never_shown_again_once_left(void)
{
    fx_t *x = fx_open("flow/contact.json");
    CHECK_INT(answer1(x, "overall", "4"), HL_OK);
    CHECK_STR(cur_id(x), "phone");
    CHECK_INT(keys(x, "phone", "0912"), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE); /* not a whole number */
    CHECK_CONTAINS(x->err.msg, "10 digits starting with 0");
    CHECK_INT(keys(x, "phone", "345678"), HL_OK);
    CHECK_INT(hl_flow_key(&x->flow, "phone", '9', &x->err), HL_ERR_STATE); /* 11 digits */
    CHECK_STR(hl_flow_value(&x->flow, x->flow.cur), "0912345678");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(stored_of(x, "phone"), "0912345678");
    /* Back on it: nothing shown, the number kept. */
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "phone");
    CHECK(hl_flow_value(&x->flow, x->flow.cur) == NULL);
    CHECK(hl_flow_answered(&x->flow, x->flow.cur));
    /* A new number typed, then back: not confirmed, not stored. */
    CHECK_INT(keys(x, "phone", "0387654321"), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(stored_of(x, "phone"), "0912345678");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK(hl_flow_value(&x->flow, x->flow.cur) == NULL);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK); /* the empty keypad keeps it */
    CHECK_STR(cur_id(x), "posted");
    CHECK_STR(stored_of(x, "phone"), "0912345678");
    /* Skip on it removes it. */
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_OK);
    CHECK_STR(stored_of(x, "phone"), "");
    CHECK_INT(answer1(x, "posted", "yes"), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    /* Nothing of the citizen's own is left: no follow-up code. */
    CHECK(x->sink.saves[x->sink.n - 1].followup_seed == 0);
    CHECK_STR(x->flow.resp.followup, "");
    CHECK_INT(hl_flow_deadline(&x->flow), x->flow.state_since_ms + 5000);
    fx_free(x);
}

/* A number typed and left without "next" (back, or walking away) was
 * never given: it is not stored. A number confirmed earns a code. */
static void test_a_number_typed_but_never_confirmed_is_not_stored(void)
{
    fx_t *x = fx_to_contact(false);
    CHECK_INT(keys(x, "lien_he", "0912345678"), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(stored_of(x, "lien_he"), "");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "lien_he");
    CHECK(hl_flow_value(&x->flow, x->flow.cur) == NULL);
    CHECK_INT(keys(x, "lien_he", "0912345678"), HL_OK);
    wait_ms(x, 40000); /* walks away */
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(x->sink.saves[x->sink.n - 1].status, HL_RESP_PARTIAL);
    CHECK_STR(stored_of(x, "lien_he"), "");
    fx_free(x);
    x = fx_to_contact(false);
    CHECK_INT(keys(x, "lien_he", "0912345678"), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_STR(stored_of(x, "lien_he"), "0912345678");
    CHECK(hl_followup_valid(x->flow.resp.followup));
    fx_free(x);
}

static void test_a_comment_gets_a_follow_up_code_and_more_time_on_the_thanks_screen(void)
{
    fx_t *x = fx_to_contact(true);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    rec_save_t *fin = &x->sink.saves[x->sink.n - 1];
    CHECK(fin->followup_seed != 0);
    char want[HL_FOLLOWUP_LEN + 1];
    hl_followup_make(fin->followup_seed, 0, want);
    CHECK_STR(x->flow.resp.followup, want);
    /* Time to write it down: 20 s, not the 5 s of thanks_s. */
    CHECK_INT(hl_flow_thanks_s(&x->flow), HL_FLOW_THANKS_CODE_S);
    CHECK_INT(hl_flow_deadline(&x->flow), x->flow.state_since_ms + 20000);
    wait_ms(x, 20000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_STR(x->flow.resp.followup, ""); /* the next citizen never sees it */
    fx_free(x);
}

static void test_a_comment_cut_off_by_the_idle_timeout_gets_no_code(void)
{
    fx_t *x = fx_to_contact(true);
    wait_ms(x, 40000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    rec_save_t *fin = &x->sink.saves[x->sink.n - 1];
    CHECK_INT(fin->status, HL_RESP_PARTIAL);
    CHECK(fin->followup_seed == 0);
    fx_free(x);
}

static void test_start_state_shows_first_question_and_stores_nothing(void)
{
    fx_t *x = fx_new();
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_STR(cur_id(x), "overall");
    CHECK_INT(x->sink.n, 0);
    CHECK_INT(hl_flow_deadline(&x->flow), -1);
    fx_free(x);
}

static void test_answering_first_question_starts_and_commits_a_response(void)
{
    fx_t *x = fx_new();
    CHECK_INT(answer1(x, "overall", "s5"), HL_OK);
    CHECK_INT(x->sink.n, 1);
    CHECK_INT(x->sink.saves[0].seq, 1);
    CHECK_STR(x->sink.saves[0].set_qid, "overall");
    CHECK_STR(x->sink.saves[0].set_value, "s5");
    CHECK_INT(x->sink.saves[0].set_ms, 0);
    CHECK_INT(x->sink.saves[0].status, HL_RESP_IN_PROGRESS);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    CHECK_STR(cur_id(x), "stars"); /* reasons hidden after a good rating */
    CHECK(x->flow.resp.uuid[0] != '\0');
    CHECK_INT(strlen(x->flow.resp.uuid), 36);
    fx_free(x);
}

static void test_low_rating_shows_reasons_and_multi_waits_for_next(void)
{
    fx_t *x = fx_new();
    CHECK_INT(answer1(x, "overall", "s2"), HL_OK);
    CHECK_STR(cur_id(x), "reasons");
    CHECK_INT(answer2(x, "reasons", "rude", "slow"), HL_OK);
    CHECK_INT(x->sink.n, 1); /* a draft is not committed */
    CHECK_STR(cur_id(x), "reasons");
    CHECK_STR(hl_flow_value(&x->flow, 1), "slow|rude"); /* survey order */
    hl_fakesys_advance(&x->clock, 1500);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->sink.n, 2);
    CHECK_STR(x->sink.saves[1].set_value, "slow|rude");
    CHECK_INT(x->sink.saves[1].set_ms, 1500);
    CHECK_STR(cur_id(x), "stars");
    fx_free(x);
}

static void test_multi_over_max_choices_is_refused(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s1");
    const char *vals[3] = {"slow", "rude", "other"};
    CHECK(hl_flow_answer(&x->flow, "reasons", vals, 3, &x->err) != HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 1), NULL);
    fx_free(x);
}

static void test_required_question_blocks_next_and_skip(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "required");
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_ERR_STATE);
    CHECK_INT(x->flow.state, HL_STATE_START);
    answer1(x, "overall", "s1");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE); /* reasons required */
    CHECK_STR(cur_id(x), "reasons");
    fx_free(x);
}

static void test_back_keeps_the_answer_and_answering_again_replaces_it(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s4");
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "overall");
    CHECK_STR(hl_flow_value(&x->flow, 0), "s4");
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    CHECK_INT(answer1(x, "overall", "s3"), HL_OK);
    CHECK_INT(x->sink.n, 2);
    CHECK_INT(x->sink.saves[1].seq, 1); /* same response */
    CHECK_STR(x->sink.saves[1].set_value, "s3");
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_ERR_STATE); /* at the first question */
    fx_free(x);
}

static void test_answers_to_questions_that_become_hidden_are_dropped_in_the_same_commit(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s1");
    answer1(x, "reasons", "slow");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "overall");
    CHECK_INT(answer1(x, "overall", "s5"), HL_OK);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_STR(last->set_qid, "overall");
    CHECK_INT(last->n_drop, 1);
    CHECK_STR(last->drops[0], "reasons");
    CHECK_STR(hl_flow_value(&x->flow, 1), NULL);
    CHECK_STR(cur_id(x), "stars");
    fx_free(x);
}

static void test_last_answer_completes_the_response_in_the_same_commit(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "4");
    CHECK_STR(cur_id(x), "code");
    answer1(x, "code", "0042");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_STR(last->set_qid, "code");
    CHECK_STR(last->set_value, "0042");
    CHECK_INT(last->status, HL_RESP_COMPLETE);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_INT(x->flow.n_complete, 1);
    fx_free(x);
}

static void test_skip_on_last_optional_question_completes_without_an_answer(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_OK); /* stars */
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_OK); /* code */
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_INT(last->status, HL_RESP_COMPLETE);
    CHECK_STR(last->set_qid, "");
    fx_free(x);
}

static void test_skip_removes_an_earlier_answer(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "2");
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "stars");
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_OK);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_INT(last->n_drop, 1);
    CHECK_STR(last->drops[0], "stars");
    CHECK_STR(hl_flow_value(&x->flow, 2), NULL);
    fx_free(x);
}

static void test_idle_asks_still_there_then_keeps_the_answers_as_partial(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    wait_ms(x, 29999);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    wait_ms(x, 1);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(x->sink.n, 1);
    wait_ms(x, 9999);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    wait_ms(x, 1);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(x->sink.n, 2);
    rec_save_t *last = &x->sink.saves[1];
    CHECK_INT(last->status, HL_RESP_PARTIAL);
    CHECK_INT(last->finished_utc_ms, 1790000000000LL + 40000);
    CHECK_INT(x->flow.n_partial, 1);
    /* The next person starts from a clean slate. */
    CHECK_STR(hl_flow_value(&x->flow, 0), NULL);
    CHECK_INT(x->flow.resp.seq, 0);
    CHECK_INT(hl_flow_deadline(&x->flow), -1);
    fx_free(x);
}

static void test_continue_dismisses_still_there_and_keeps_everything(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    wait_ms(x, 35000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(hl_flow_continue(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    CHECK_STR(cur_id(x), "stars");
    CHECK_STR(hl_flow_value(&x->flow, 0), "s5");
    wait_ms(x, 29000);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION); /* the idle timer restarted */
    CHECK_INT(hl_flow_continue(&x->flow, &x->err), HL_ERR_STATE);
    fx_free(x);
}

static void test_any_input_dismisses_still_there_and_is_applied(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    wait_ms(x, 30000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(answer1(x, "stars", "3"), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    CHECK_STR(cur_id(x), "code");
    CHECK_STR(hl_flow_value(&x->flow, 2), "3");
    wait_ms(x, 30000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    wait_ms(x, 30000);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    CHECK_STR(cur_id(x), "stars");
    fx_free(x);
}

static void test_refused_input_still_restarts_the_idle_timer(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s1");
    wait_ms(x, 20000);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE); /* reasons required */
    wait_ms(x, 20000);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION); /* 40 s since the answer, 20 s since the touch */
    CHECK_INT(hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err), HL_OK);
    wait_ms(x, 29000);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    fx_free(x);
}

/* hl_flow_touch (Listen, Aa, the volume, a key that moves the focus) is a
 * sign of life and nothing else: the idle timer restarts, "still there?"
 * goes away, the answers and the screen stay; on the thanks screen it is
 * refused like any input. */
static void test_a_touch_restarts_the_idle_timer_and_changes_nothing_else(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    wait_ms(x, 20000);
    CHECK_INT(hl_flow_touch(&x->flow, &x->err), HL_OK);
    wait_ms(x, 20000);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION); /* 40 s since the answer, 20 s since the touch */
    CHECK_STR(cur_id(x), "stars");
    wait_ms(x, 10000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(hl_flow_touch(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    CHECK_STR(cur_id(x), "stars");
    CHECK_STR(hl_flow_value(&x->flow, 0), "s5");
    CHECK_INT(x->flow.resp.lang, HL_LANG_VI);
    answer1(x, "stars", "4");
    const char *code[1] = {"12"};
    CHECK_INT(hl_flow_answer(&x->flow, "code", code, 1, &x->err), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_INT(hl_flow_touch(&x->flow, &x->err), HL_ERR_STATE);
    fx_free(x);
}

static void test_emptied_multi_selection_is_shown_empty_and_a_required_one_refuses_next(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "4");
    const char *code[1] = {"1234"};
    CHECK_INT(hl_flow_answer(&x->flow, "code", code, 1, &x->err), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK); /* complete */
    wait_ms(x, 5000);
    /* A new person: low rating, reasons, then changes their mind. */
    answer1(x, "overall", "s1");
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "slow", &x->err), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 1), "slow"); /* the draft starts from the answer */
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "slow", &x->err), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 1), NULL);              /* what is shown is what was left */
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE); /* required */
    CHECK_STR(cur_id(x), "reasons");
    fx_free(x);
}

static void test_back_keeps_a_complete_selection_made_before_going_back(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s1");
    hl_flow_toggle(&x->flow, "reasons", "rude", &x->err);
    int n = x->sink.n;
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->sink.n, n + 1); /* committed on the way back */
    CHECK_STR(x->sink.saves[n].set_qid, "reasons");
    CHECK_STR(x->sink.saves[n].set_value, "rude");
    CHECK_INT(x->sink.saves[n].status, HL_RESP_IN_PROGRESS);
    answer1(x, "overall", "s2"); /* still low: reasons stay shown, with the selection */
    CHECK_STR(cur_id(x), "reasons");
    CHECK_STR(hl_flow_value(&x->flow, 1), "rude");
    fx_free(x);
}

static void test_deleting_every_digit_of_an_optional_number_removes_its_answer(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "4");
    hl_flow_key(&x->flow, "code", '1', &x->err);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK); /* one digit is too few: dropped */
    answer1(x, "stars", "5");
    CHECK_STR(hl_flow_value(&x->flow, 3), NULL);
    const char *code[1] = {"55"};
    hl_flow_answer(&x->flow, "code", code, 1, &x->err);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK); /* complete: kept */
    hl_flow_skip(&x->flow, &x->err);                   /* stars */
    CHECK_STR(cur_id(x), "code");
    CHECK_STR(hl_flow_value(&x->flow, 3), "55");
    hl_flow_key(&x->flow, "code", '\b', &x->err);
    hl_flow_key(&x->flow, "code", '\b', &x->err);
    CHECK_STR(hl_flow_value(&x->flow, 3), NULL);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_INT(last->status, HL_RESP_COMPLETE);
    CHECK_STR(last->set_qid, "");
    CHECK_INT(last->n_drop, 1);
    CHECK_STR(last->drops[0], "code");
    fx_free(x);
}

static void test_a_draft_kept_at_timeout_records_when_it_was_made(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s1");
    hl_fakesys_advance(&x->clock, 3000);
    hl_flow_toggle(&x->flow, "reasons", "rude", &x->err);
    wait_ms(x, 40000);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_STR(last->set_value, "rude");
    CHECK_INT(last->set_ms, 3000);
    fx_free(x);
}

static void test_timeout_keeps_a_valid_multi_draft_in_the_partial_response(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s2");
    answer1(x, "reasons", "other");
    wait_ms(x, 40000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_STR(last->set_qid, "reasons");
    CHECK_STR(last->set_value, "other");
    CHECK_INT(last->status, HL_RESP_PARTIAL);
    fx_free(x);
}

static void test_thanks_ignores_input_then_returns_to_start(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    hl_flow_skip(&x->flow, &x->err);
    hl_flow_skip(&x->flow, &x->err);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    int n = x->sink.n;
    CHECK_INT(answer1(x, "overall", "s1"), HL_ERR_STATE);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_ERR_STATE);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE);
    CHECK_INT(hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err), HL_ERR_STATE);
    CHECK_INT(x->sink.n, n);
    wait_ms(x, 4999);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    wait_ms(x, 1);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(answer1(x, "overall", "s4"), HL_OK);
    CHECK_INT(x->sink.saves[x->sink.n - 1].seq, 2); /* a new response */
    fx_free(x);
}

static void test_language_switch_keeps_answers_and_is_recorded(void)
{
    fx_t *x = fx_new();
    CHECK_INT(x->flow.resp.lang, HL_LANG_VI);
    answer1(x, "overall", "s5");
    CHECK_INT(hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 0), "s5");
    CHECK_STR(cur_id(x), "stars");
    answer1(x, "stars", "5");
    CHECK_INT(x->sink.saves[x->sink.n - 1].lang, HL_LANG_EN);
    fx_free(x);
}

static void test_language_chosen_at_start_falls_back_to_default_when_idle(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err), HL_OK);
    CHECK(hl_flow_deadline(&x->flow) > 0);
    wait_ms(x, 31000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(x->flow.resp.lang, HL_LANG_VI);
    CHECK_INT(x->sink.n, 0); /* a response with no answer is never stored */
    fx_free(x);
}

static void test_failed_commit_does_not_move_on_and_can_be_retried(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "4");
    answer1(x, "code", "123");
    x->sink.fail_rc = HL_ERR_FULL;
    x->sink.fail_times = 1;
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_FULL);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION); /* never thanks for an unsaved answer */
    CHECK_STR(cur_id(x), "code");
    CHECK_STR(hl_flow_value(&x->flow, 3), "123"); /* the draft survives */
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_INT(x->sink.saves[x->sink.n - 1].status, HL_RESP_COMPLETE);
    fx_free(x);
}

static void test_failed_first_commit_leaves_no_response_started(void)
{
    fx_t *x = fx_new();
    x->sink.fail_rc = HL_ERR_IO;
    x->sink.fail_times = 1;
    CHECK_INT(answer1(x, "overall", "s5"), HL_ERR_IO);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK(!x->flow.started);
    CHECK_STR(hl_flow_value(&x->flow, 0), NULL);
    CHECK_INT(answer1(x, "overall", "s5"), HL_OK);
    CHECK_INT(x->sink.saves[0].seq, 1);
    fx_free(x);
}

static void test_failed_timeout_commit_is_retried_until_it_lands(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    x->sink.fail_rc = HL_ERR_IO;
    x->sink.fail_times = 2;
    wait_ms(x, 40000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(x->sink.n, 1);
    wait_ms(x, 1000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE); /* second failure */
    wait_ms(x, 1000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(x->sink.saves[1].status, HL_RESP_PARTIAL);
    fx_free(x);
}

static void test_skipping_the_only_answer_removes_the_empty_response(void)
{
    static const char opt_json[] =
        "{\"format\":1,\"id\":\"o\",\"version\":1,\"languages\":[\"en\"],"
        "\"title\":{\"en\":\"T\"},\"thanks\":{\"en\":\"T\"},\"questions\":["
        "{\"id\":\"a\",\"type\":\"yesno\",\"text\":{\"en\":\"A\"}},"
        "{\"id\":\"b\",\"type\":\"nps\",\"text\":{\"en\":\"B\"}}]}";
    hl_survey_t *s = NULL;
    hl_diags_t d = {0};
    CHECK_INT(hl_survey_load_text("o.json", opt_json, strlen(opt_json), &s, &d), HL_OK);
    hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (!s) return;
    hl_fakesys_t clock;
    hl_fakesys_init(&clock, 0, false, 3);
    rec_sink_t *k = calloc(1, sizeof *k);
    hl_sink_t sink = {rec_save, k};
    hl_timeouts_t t = {30, 10, 5};
    hl_flow_t f;
    hl_err_t err = {0};
    CHECK_INT(hl_flow_init(&f, s, &t, hl_fakesys_sys(&clock), sink, &err), HL_OK);
    const char *yes[1] = {"yes"};
    CHECK_INT(hl_flow_answer(&f, "a", yes, 1, &err), HL_OK);
    CHECK_INT(hl_flow_back(&f, &err), HL_OK);
    CHECK_INT(hl_flow_skip(&f, &err), HL_OK);
    CHECK_INT(k->removed, 1);
    CHECK(!f.started);
    CHECK_INT(f.resp.seq, 0);
    CHECK_INT(hl_flow_skip(&f, &err), HL_OK); /* b: the end, nothing to store */
    CHECK_INT(f.state, HL_STATE_THANKS);
    CHECK_INT(k->n, 2);
    CHECK_INT(f.n_complete, 0);
    hl_flow_free(&f);
    hl_survey_free(s);
    free(k);
}

static void test_answer_to_a_question_not_on_screen_is_refused(void)
{
    fx_t *x = fx_new();
    CHECK_INT(answer1(x, "stars", "3"), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "not on screen");
    CHECK_INT(answer1(x, "nope", "3"), HL_ERR_USAGE);
    CHECK_INT(answer1(x, "overall", "happy"), HL_ERR_USAGE);
    CHECK_INT(x->sink.n, 0);
    fx_free(x);
}

static void test_number_question_checks_its_digits(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "1");
    CHECK(answer1(x, "code", "1") != HL_OK);     /* fewer than 2 digits */
    CHECK(answer1(x, "code", "12345") != HL_OK); /* more than 4 */
    CHECK(answer1(x, "code", "12a") != HL_OK);
    CHECK_INT(answer1(x, "code", "007"), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 3), "007");
    fx_free(x);
}

static void test_progress_counts_only_shown_questions(void)
{
    fx_t *x = fx_new();
    int pos, total;
    hl_flow_progress(&x->flow, &pos, &total);
    CHECK_INT(pos, 1);
    CHECK_INT(total, 3);
    answer1(x, "overall", "s1");
    hl_flow_progress(&x->flow, &pos, &total);
    CHECK_INT(pos, 2);
    CHECK_INT(total, 4);
    fx_free(x);
}

static void test_response_times_use_the_monotonic_clock(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    x->clock.utc_ms -= 3600 * 1000; /* NTP steps the wall clock back an hour */
    hl_fakesys_advance(&x->clock, 2000);
    answer1(x, "stars", "5");
    CHECK_INT(x->sink.saves[1].set_ms, 2000);
    hl_flow_skip(&x->flow, &x->err);
    CHECK_INT(x->sink.saves[2].finished_utc_ms, 1790000000000LL + 2000);
    fx_free(x);
}

static void test_toggling_multi_options_builds_the_selection_and_respects_the_limit(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s1");
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "rude", &x->err), HL_OK);
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "slow", &x->err), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 1), "slow|rude");
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "other", &x->err), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "at most");
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "rude", &x->err), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 1), "slow");
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "slow", &x->err), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 1), NULL);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE); /* required, nothing chosen */
    CHECK_INT(hl_flow_toggle(&x->flow, "reasons", "nope", &x->err), HL_ERR_USAGE);
    CHECK_INT(hl_flow_toggle(&x->flow, "overall", "s1", &x->err), HL_ERR_STATE);
    CHECK_INT(x->sink.n, 1);
    fx_free(x);
}

static void test_keypad_types_digits_and_next_checks_the_minimum(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "4");
    CHECK_INT(hl_flow_key(&x->flow, "code", '0', &x->err), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE); /* 1 digit, at least 2 */
    CHECK_CONTAINS(x->err.msg, "code");
    for (const char *k = "123"; *k; k++)
        CHECK_INT(hl_flow_key(&x->flow, "code", *k, &x->err), HL_OK);
    CHECK_INT(hl_flow_key(&x->flow, "code", '4', &x->err), HL_ERR_STATE); /* at most 4 */
    CHECK_INT(hl_flow_key(&x->flow, "code", '\b', &x->err), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 3), "012");
    CHECK_INT(hl_flow_key(&x->flow, "code", 'x', &x->err), HL_ERR_USAGE);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(x->sink.saves[x->sink.n - 1].set_value, "012");
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    fx_free(x);
}

static void test_timeout_leaves_out_an_incomplete_keypad_draft(void)
{
    fx_t *x = fx_new();
    answer1(x, "overall", "s5");
    answer1(x, "stars", "4");
    hl_flow_key(&x->flow, "code", '7', &x->err); /* too short to be an answer */
    wait_ms(x, 40000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_STR(last->set_qid, "");
    CHECK_INT(last->status, HL_RESP_PARTIAL);
    fx_free(x);
}

/* ---- Fair counting ------------------------------------------------------- */

/* One short response (first answer, two skips: complete) right now; returns
 * the reason its creating save carried ("" none) and checks that no other
 * save of it carried one. */
static const char *fair_response(fx_t *x)
{
    static char why[16];
    int first = x->sink.n;
    CHECK_INT(answer1(x, "overall", "s5"), HL_OK);
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    for (int i = first + 1; i < x->sink.n; i++)
        CHECK_STR(x->sink.saves[i].suspect, "");
    snprintf(why, sizeof why, "%s", x->sink.saves[first].suspect);
    return why;
}

/* Past the thanks screen (thanks_s is 1 in these tests), then ms more. */
static void fair_gap(fx_t *x, int64_t ms)
{
    wait_ms(x, 1000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    hl_fakesys_advance(&x->clock, ms - 1000);
}

static fx_t *fair_fx(int64_t min_interval_ms, int max_per_hour)
{
    fx_t *x = fx_new();
    x->flow.timeouts.thanks_s = 1;
    CHECK_INT(hl_flow_set_fairness(&x->flow, min_interval_ms, max_per_hour, &x->err), HL_OK);
    return x;
}

static void test_fair_second_response_within_min_interval_is_flagged_and_stored(void)
{
    fx_t *x = fair_fx(5000, 0);
    CHECK_STR(fair_response(x), "");
    fair_gap(x, 1000); /* 1 s after the first finished */
    CHECK_STR(fair_response(x), "min_interval");
    CHECK_INT(x->flow.n_complete, 2); /* stored and finished like any other */
    CHECK_INT(x->sink.saves[x->sink.n - 1].seq, 2);
    fair_gap(x, 4999);
    CHECK_STR(fair_response(x), "min_interval");
    fx_free(x);
}

static void test_fair_response_five_seconds_after_the_last_is_not_flagged(void)
{
    fx_t *x = fair_fx(5000, 0);
    CHECK_STR(fair_response(x), "");
    fair_gap(x, 5000);
    CHECK_STR(fair_response(x), "");
    fair_gap(x, 60000);
    CHECK_STR(fair_response(x), "");
    fx_free(x);
}

static void test_fair_min_interval_counts_from_a_partial_finish(void)
{
    fx_t *x = fair_fx(5000, 0);
    CHECK_INT(answer1(x, "overall", "s5"), HL_OK);
    wait_ms(x, 40000); /* idle + still there: partial */
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(x->flow.n_partial, 1);
    hl_fakesys_advance(&x->clock, 2000);
    CHECK_STR(fair_response(x), "min_interval");
    fx_free(x);
}

static void test_fair_hourly_cap_flags_responses_beyond_it_until_the_hour_passes(void)
{
    fx_t *x = fair_fx(0, 3);
    CHECK_STR(fair_response(x), ""); /* t0 */
    fair_gap(x, 10000);
    CHECK_STR(fair_response(x), ""); /* t0 + 10 s */
    fair_gap(x, 10000);
    CHECK_STR(fair_response(x), ""); /* t0 + 20 s: the third, still within the cap */
    fair_gap(x, 10000);
    CHECK_STR(fair_response(x), "max_per_hour"); /* the fourth in the hour */
    /* Just under an hour after the second: three in the hour before it. */
    fair_gap(x, 3600000 - 30000 + 10000 - 1);
    CHECK_STR(fair_response(x), "max_per_hour");
    /* The third-latest start is now an hour old. */
    fair_gap(x, 3600000);
    CHECK_STR(fair_response(x), "");
    fx_free(x);
}

static void test_fair_rules_are_off_when_zero_and_by_default(void)
{
    fx_t *x = fair_fx(0, 0);
    for (int i = 0; i < 5; i++) {
        CHECK_STR(fair_response(x), "");
        fair_gap(x, 1000);
    }
    fx_free(x);
    x = fx_new(); /* no setter called: nothing is flagged */
    x->flow.timeouts.thanks_s = 1;
    CHECK_STR(fair_response(x), "");
    fair_gap(x, 1000);
    CHECK_STR(fair_response(x), "");
    CHECK_INT(hl_flow_set_fairness(&x->flow, -1, 0, &x->err), HL_ERR_USAGE);
    CHECK_INT(hl_flow_set_fairness(&x->flow, 0, HL_FAIR_HOUR_MAX + 1, &x->err), HL_ERR_USAGE);
    fx_free(x);
}

static void test_fair_cap_larger_than_the_initial_ring_keeps_counting(void)
{
    fx_t *x = fair_fx(0, 2);
    CHECK_STR(fair_response(x), "");
    fair_gap(x, 1000);
    CHECK_STR(fair_response(x), "");
    /* Grown past the initial ring: the history is kept. */
    CHECK_INT(hl_flow_set_fairness(&x->flow, 0, 100, &x->err), HL_OK);
    CHECK_INT(x->flow.fair_n, 2);
    CHECK_INT(hl_flow_set_fairness(&x->flow, 0, 2, &x->err), HL_OK);
    fair_gap(x, 1000);
    CHECK_STR(fair_response(x), "max_per_hour");
    fx_free(x);
}

static void test_fair_failed_first_commit_is_not_counted(void)
{
    fx_t *x = fair_fx(5000, 1);
    x->sink.fail_rc = HL_ERR_IO;
    x->sink.fail_times = 1;
    CHECK_INT(answer1(x, "overall", "s5"), HL_ERR_IO);
    CHECK_INT(x->flow.fair_n, 0);
    CHECK_STR(fair_response(x), ""); /* the retry is the first response */
    fx_free(x);
}

/* ---- Text questions ------------------------------------------------------- */

static int set_text(fx_t *x, const char *qid, const char *text)
{
    return hl_flow_set_text(&x->flow, qid, text, &x->err);
}

static void test_text_draft_is_committed_trimmed_by_next(void)
{
    fx_t *x = fx_open("text/survey.json");
    answer1(x, "overall", "s1");
    CHECK_STR(cur_id(x), "comment");
    int n = x->sink.n;
    CHECK_INT(set_text(x, "comment", "  Chờ lâu, "), HL_OK);
    CHECK_INT(set_text(x, "comment", "  Chờ lâu, \"quá\" lâu\nCảm ơn  "), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, 1), "  Chờ lâu, \"quá\" lâu\nCảm ơn  "); /* as shown */
    CHECK_INT(x->sink.n, n); /* a draft stores nothing */
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(x->sink.saves[x->sink.n - 1].set_qid, "comment");
    CHECK_STR(x->sink.saves[x->sink.n - 1].set_value, "Chờ lâu, \"quá\" lâu\nCảm ơn");
    CHECK_STR(cur_id(x), "name");
    fx_free(x);
}

static void test_text_draft_is_refused_beyond_max_chars_or_when_not_text(void)
{
    fx_t *x = fx_open("text/survey.json");
    answer1(x, "overall", "s3"); /* no comment asked: name (at most 10) */
    CHECK_STR(cur_id(x), "name");
    CHECK_INT(set_text(x, "name", "Nguyễn Văn"), HL_OK);
    CHECK_INT(set_text(x, "name", "Nguyễn Văn A"), HL_ERR_STATE);
    CHECK(strstr(x->err.msg, "longer than its 10 characters") != NULL);
    CHECK_STR(hl_flow_value(&x->flow, 2), "Nguyễn Văn"); /* unchanged */
    static const char *const bad[] = {"An\xff", "A\x01", "A\tB", "Ho\xcc\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (set_text(x, "name", bad[i]) != HL_ERR_STATE)
            hl_test_fail(__FILE__, __LINE__, "text %zu was accepted", i);
    CHECK_STR(hl_flow_value(&x->flow, 2), "Nguyễn Văn");
    CHECK_INT(set_text(x, "comment", "x"), HL_ERR_STATE); /* not on screen */
    CHECK_INT(set_text(x, "name", NULL), HL_OK);          /* NULL: emptied */
    CHECK(hl_flow_value(&x->flow, 2) == NULL);
    /* The keypad and the ticks are not a text question's. */
    CHECK_INT(hl_flow_key(&x->flow, "name", '1', &x->err), HL_ERR_USAGE);
    fx_free(x);
}

static void test_required_empty_text_refuses_next_and_optional_one_is_skipped(void)
{
    fx_t *x = fx_open("text/survey.json");
    answer1(x, "overall", "s1");
    CHECK_INT(set_text(x, "comment", "   \n "), HL_OK); /* only blanks: no answer */
    int n = x->sink.n;
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->sink.n, n); /* nothing to store */
    CHECK_STR(cur_id(x), "name");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE);
    CHECK(strstr(x->err.msg, "required") != NULL);
    CHECK_INT(set_text(x, "name", "  "), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_ERR_STATE);
    CHECK_INT(hl_flow_skip(&x->flow, &x->err), HL_ERR_STATE);
    CHECK_INT(set_text(x, "name", " An "), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(x->sink.saves[x->sink.n - 1].set_value, "An");
    fx_free(x);
}

static void test_back_keeps_a_text_and_emptying_it_removes_the_answer(void)
{
    fx_t *x = fx_open("text/survey.json");
    answer1(x, "overall", "s1");
    CHECK_INT(set_text(x, "comment", "Thủ tục nhanh "), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK); /* kept: stored then */
    CHECK_STR(x->sink.saves[x->sink.n - 1].set_value, "Thủ tục nhanh");
    CHECK_STR(cur_id(x), "overall");
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_STR(cur_id(x), "comment");
    CHECK_STR(hl_flow_value(&x->flow, 1), "Thủ tục nhanh"); /* the draft again */
    CHECK_INT(set_text(x, "comment", ""), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_INT((int)last->n_drop, 1);
    CHECK_STR(last->drops[0], "comment");
    fx_free(x);
}

static void test_timeout_keeps_a_half_typed_text_in_the_partial_response(void)
{
    fx_t *x = fx_open("text/survey.json");
    answer1(x, "overall", "s1");
    hl_fakesys_advance(&x->clock, 4000);
    CHECK_INT(set_text(x, "comment", "Cán bộ nhiệt tình, nhưng "), HL_OK);
    wait_ms(x, 40000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_STR(last->set_qid, "comment");
    CHECK_STR(last->set_value, "Cán bộ nhiệt tình, nhưng");
    CHECK_INT(last->set_ms, 4000);
    CHECK_INT(last->status, HL_RESP_PARTIAL);
    fx_free(x);
}

static void test_a_rating_that_hides_the_comment_drops_it_in_the_same_commit(void)
{
    fx_t *x = fx_open("text/survey.json");
    answer1(x, "overall", "s1");
    CHECK_INT(set_text(x, "comment", "Chậm"), HL_OK);
    CHECK_INT(hl_flow_next(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(hl_flow_back(&x->flow, &x->err), HL_OK);
    CHECK_INT(answer1(x, "overall", "s3"), HL_OK);
    rec_save_t *last = &x->sink.saves[x->sink.n - 1];
    CHECK_STR(last->set_value, "s3");
    CHECK_INT((int)last->n_drop, 1);
    CHECK_STR(last->drops[0], "comment");
    CHECK_STR(cur_id(x), "name");
    fx_free(x);
}

/* Speech or the keys in use: the idle and warning times triple for this
 * response, and the next citizen starts with the default times. */
static void test_more_time_triples_idle_and_warning_for_this_response_only(void)
{
    fx_t *x = fx_new();
    CHECK_INT(answer1(x, "overall", "s4"), HL_OK);
    hl_flow_set_time_scale(&x->flow, 3);
    CHECK_INT(hl_flow_deadline(&x->flow), x->flow.last_input_ms + 90000);
    wait_ms(x, 89000);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    wait_ms(x, 1000);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(hl_flow_deadline(&x->flow), x->flow.state_since_ms + 30000); /* 10 s x 3 */
    wait_ms(x, 30000);
    CHECK_INT(x->flow.state, HL_STATE_START);
    CHECK_INT(x->flow.time_scale, 1);
    CHECK_INT(answer1(x, "overall", "s4"), HL_OK);
    CHECK_INT(hl_flow_deadline(&x->flow), x->flow.last_input_ms + 30000);
    hl_flow_set_time_scale(&x->flow, 99); /* bounded */
    CHECK_INT(x->flow.time_scale, HL_FLOW_TIME_SCALE_MAX);
    fx_free(x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_note_passes_on_next_storing_nothing_and_back_returns_to_it),
    HL_TEST(test_reading_a_note_and_walking_away_stores_nothing),
    HL_TEST(test_a_response_over_a_note_stores_the_answers_only),
    HL_TEST(test_a_contact_number_is_kept_but_never_shown_again_once_left),
    HL_TEST(test_a_number_typed_but_never_confirmed_is_not_stored),
    HL_TEST(test_more_time_triples_idle_and_warning_for_this_response_only),
    HL_TEST(test_a_comment_gets_a_follow_up_code_and_more_time_on_the_thanks_screen),
    HL_TEST(test_a_comment_cut_off_by_the_idle_timeout_gets_no_code),
    HL_TEST(test_fair_second_response_within_min_interval_is_flagged_and_stored),
    HL_TEST(test_fair_response_five_seconds_after_the_last_is_not_flagged),
    HL_TEST(test_fair_min_interval_counts_from_a_partial_finish),
    HL_TEST(test_fair_hourly_cap_flags_responses_beyond_it_until_the_hour_passes),
    HL_TEST(test_fair_rules_are_off_when_zero_and_by_default),
    HL_TEST(test_fair_cap_larger_than_the_initial_ring_keeps_counting),
    HL_TEST(test_fair_failed_first_commit_is_not_counted),
    HL_TEST(test_toggling_multi_options_builds_the_selection_and_respects_the_limit),
    HL_TEST(test_keypad_types_digits_and_next_checks_the_minimum),
    HL_TEST(test_timeout_leaves_out_an_incomplete_keypad_draft),
    HL_TEST(test_start_state_shows_first_question_and_stores_nothing),
    HL_TEST(test_answering_first_question_starts_and_commits_a_response),
    HL_TEST(test_low_rating_shows_reasons_and_multi_waits_for_next),
    HL_TEST(test_multi_over_max_choices_is_refused),
    HL_TEST(test_required_question_blocks_next_and_skip),
    HL_TEST(test_back_keeps_the_answer_and_answering_again_replaces_it),
    HL_TEST(test_answers_to_questions_that_become_hidden_are_dropped_in_the_same_commit),
    HL_TEST(test_last_answer_completes_the_response_in_the_same_commit),
    HL_TEST(test_skip_on_last_optional_question_completes_without_an_answer),
    HL_TEST(test_skip_removes_an_earlier_answer),
    HL_TEST(test_idle_asks_still_there_then_keeps_the_answers_as_partial),
    HL_TEST(test_continue_dismisses_still_there_and_keeps_everything),
    HL_TEST(test_any_input_dismisses_still_there_and_is_applied),
    HL_TEST(test_refused_input_still_restarts_the_idle_timer),
    HL_TEST(test_a_touch_restarts_the_idle_timer_and_changes_nothing_else),
    HL_TEST(test_emptied_multi_selection_is_shown_empty_and_a_required_one_refuses_next),
    HL_TEST(test_back_keeps_a_complete_selection_made_before_going_back),
    HL_TEST(test_deleting_every_digit_of_an_optional_number_removes_its_answer),
    HL_TEST(test_a_draft_kept_at_timeout_records_when_it_was_made),
    HL_TEST(test_timeout_keeps_a_valid_multi_draft_in_the_partial_response),
    HL_TEST(test_thanks_ignores_input_then_returns_to_start),
    HL_TEST(test_language_switch_keeps_answers_and_is_recorded),
    HL_TEST(test_language_chosen_at_start_falls_back_to_default_when_idle),
    HL_TEST(test_failed_commit_does_not_move_on_and_can_be_retried),
    HL_TEST(test_failed_first_commit_leaves_no_response_started),
    HL_TEST(test_failed_timeout_commit_is_retried_until_it_lands),
    HL_TEST(test_skipping_the_only_answer_removes_the_empty_response),
    HL_TEST(test_answer_to_a_question_not_on_screen_is_refused),
    HL_TEST(test_number_question_checks_its_digits),
    HL_TEST(test_progress_counts_only_shown_questions),
    HL_TEST(test_response_times_use_the_monotonic_clock),
    HL_TEST(test_text_draft_is_committed_trimmed_by_next),
    HL_TEST(test_text_draft_is_refused_beyond_max_chars_or_when_not_text),
    HL_TEST(test_required_empty_text_refuses_next_and_optional_one_is_skipped),
    HL_TEST(test_back_keeps_a_text_and_emptying_it_removes_the_answer),
    HL_TEST(test_timeout_keeps_a_half_typed_text_in_the_partial_response),
    HL_TEST(test_a_rating_that_hides_the_comment_drops_it_in_the_same_commit),
};

HL_TEST_MAIN(tests)
