/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_script.c: scripted sessions (firmware/session/hl_script.c): syntax
 * checked up front with line numbers, steps mapped onto the flow, wait firing
 * timeouts, expect failures naming their line, and extension verbs.
 */
#include "hl_script.h"
#include "hl_fixture.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct counting_sink {
    int saves;   /* transactions committed */
    int64_t seq; /* last sequence number */
} counting_sink_t;

static int count_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err)
{
    (void)sv;
    (void)err;
    counting_sink_t *k = ctx;
    if (resp->seq == 0) resp->seq = ++k->seq;
    k->saves++;
    return HL_OK;
}

typedef struct fx {
    hl_survey_t *survey;
    hl_fakesys_t clock;
    counting_sink_t sink;
    hl_flow_t flow;
    hl_script_runner_t runner;
    hl_script_t script;
    hl_err_t err;
    int line;
} fx_t;

/* A runner over the flow on survey data/<name>. */
static fx_t *fx_open(const char *name)
{
    fx_t *x = calloc(1, sizeof *x);
    x->survey = hl_fixture_survey(hl_test_data(name));
    hl_fakesys_init(&x->clock, 0, true, 1);
    hl_timeouts_t t = {30, 10, 5};
    hl_sink_t sink = {count_save, &x->sink};
    if (hl_flow_init(&x->flow, x->survey, &t, hl_fakesys_sys(&x->clock), sink, &x->err)) abort();
    x->runner.flow = &x->flow;
    x->runner.clock = &x->clock;
    return x;
}

static fx_t *fx_new(void)
{
    return fx_open("flow/survey.json");
}

static void fx_free(fx_t *x)
{
    hl_script_free(&x->script);
    hl_flow_free(&x->flow);
    hl_survey_free(x->survey);
    free(x);
}

/* Parses and runs text; returns the run's code (or the parse code). */
static int fx_run(fx_t *x, const char *text)
{
    int rc = hl_script_parse("s.txt", text, strlen(text), NULL, &x->script, &x->err);
    if (rc != HL_OK) return rc;
    return hl_script_run(&x->runner, &x->script, &x->line, &x->err);
}

static void test_a_full_session_runs_to_thanks_and_back_to_start(void)
{
    fx_t *x = fx_new();
    CHECK_INT(fx_run(x, "# happy path\n"
                        "expect state start\n"
                        "answer overall s1   # low rating\n"
                        "expect state question reasons\n"
                        "answer reasons slow rude\n"
                        "next\n"
                        "answer stars 2\n"
                        "skip\n"
                        "expect state thanks\n"
                        "wait 5000\n"
                        "expect state start\n"),
              HL_OK);
    CHECK_STR(x->err.msg, "");
    CHECK_INT(x->sink.saves, 4);
    fx_free(x);
}

static void test_syntax_errors_name_the_file_and_line_before_anything_runs(void)
{
    fx_t *x = fx_new();
    CHECK_INT(fx_run(x, "answer overall s5\n\nwiat 100\n"), HL_ERR_USAGE);
    CHECK_CONTAINS(x->err.msg, "s.txt:3:");
    CHECK_CONTAINS(x->err.msg, "unknown step");
    CHECK_INT(x->sink.saves, 0);
    fx_free(x);
}

static void test_malformed_arguments_are_syntax_errors(void)
{
    static const char *const bad[] = {"wait\n",
                                      "wait -5\n",
                                      "wait 1.5\n",
                                      "lang fr\n",
                                      "answer overall\n",
                                      "expect state\n",
                                      "expect mood happy\n",
                                      "expect state question\n",
                                      "next now\n",
                                      "expect state thanks extra\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_t *x = fx_new();
        CHECK_INT(fx_run(x, bad[i]), HL_ERR_USAGE);
        CHECK_CONTAINS(x->err.msg, "s.txt:1:");
        fx_free(x);
    }
}

static void test_failed_expect_stops_the_run_at_its_line(void)
{
    fx_t *x = fx_new();
    CHECK_INT(fx_run(x, "answer overall s5\nexpect state question reasons\nanswer stars 5\n"),
              HL_ERR_STATE);
    CHECK_INT(x->line, 2);
    CHECK_CONTAINS(x->err.msg, "s.txt:2: expect");
    CHECK_CONTAINS(x->err.msg, "question stars is on screen");
    CHECK_INT(x->sink.saves, 1); /* line 3 never ran */
    fx_free(x);
}

static void test_steps_the_kiosk_would_not_allow_stop_the_run(void)
{
    fx_t *x = fx_new();
    CHECK_INT(fx_run(x, "next\n"), HL_ERR_STATE); /* required first question */
    CHECK_CONTAINS(x->err.msg, "required");
    fx_free(x);
    x = fx_new();
    CHECK_INT(fx_run(x, "answer overall happy\n"), HL_ERR_USAGE);
    CHECK_CONTAINS(x->err.msg, "s.txt:1:");
    fx_free(x);
    x = fx_new();
    CHECK_INT(fx_run(x, "answer stars 3\n"), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "not on screen");
    fx_free(x);
}

static void test_wait_fires_the_idle_timeouts_on_the_way(void)
{
    fx_t *x = fx_new();
    CHECK_INT(fx_run(x, "answer overall s5\nwait 30000\nexpect state still_there\ncontinue\n"
                        "expect state question stars\nwait 45000\nexpect state start\n"),
              HL_OK);
    CHECK_STR(x->err.msg, "");
    CHECK_INT(x->sink.saves, 2); /* the answer, then the partial */
    CHECK_INT(x->flow.n_partial, 1);
    fx_free(x);
}

/* What the screen saw at each tick: the clock and the flow's state. */
typedef struct ticks {
    hl_fakesys_t *clock;
    hl_flow_t *flow;
    int n;
    int64_t at[8];
    hl_state_t state[8];
} ticks_t;

static void record_tick(void *ctx)
{
    ticks_t *t = ctx;
    if (t->n == 8) return;
    t->at[t->n] = t->clock->mono_ms;
    t->state[t->n++] = t->flow->state;
}

static void test_wait_shows_the_screen_each_change_when_it_happens(void)
{
    /* The screen dates a new screen from when it first sees it (the touch
     * guard): a wait lets it look before the clock moves (at the answer's
     * time), at each timeout it fires, and at its end. */
    fx_t *x = fx_new();
    ticks_t t = {.clock = &x->clock, .flow = &x->flow};
    x->runner.tick = record_tick;
    x->runner.ext_ctx = &t;
    int64_t t0 = x->clock.mono_ms;
    CHECK_INT(fx_run(x, "answer overall s5\nwait 45000\n"), HL_OK);
    CHECK_INT(t.n, 4);
    CHECK_INT(t.at[0] - t0, 0);
    CHECK_INT(t.state[0], HL_STATE_QUESTION);
    CHECK_INT(t.at[1] - t0, 30000);
    CHECK_INT(t.state[1], HL_STATE_STILL_THERE);
    CHECK_INT(t.at[2] - t0, 40000);
    CHECK_INT(t.state[2], HL_STATE_START);
    CHECK_INT(t.at[3] - t0, 45000);
    fx_free(x);
}

static void test_language_step_switches_language(void)
{
    fx_t *x = fx_new();
    CHECK_INT(fx_run(x, "lang en\nanswer overall s5\n"), HL_OK);
    CHECK_INT(x->flow.resp.lang, HL_LANG_EN);
    fx_free(x);
}

static int ext_handler(void *ctx, const hl_script_step_t *st, hl_err_t *err)
{
    int *calls = ctx;
    (*calls)++;
    if (st->argc != 2) return hl_err_set(err, HL_ERR_USAGE, "shot takes a name");
    return HL_OK;
}

static void test_extension_verbs_go_to_the_extension(void)
{
    fx_t *x = fx_new();
    static const char *const extra[] = {"shot", NULL};
    hl_script_ext_t ext = {extra, NULL, NULL};
    const char *text = "shot start\nanswer overall s5\nshot\n";
    CHECK_INT(hl_script_parse("s.txt", text, strlen(text), &ext, &x->script, &x->err), HL_OK);
    int calls = 0;
    x->runner.ext = ext_handler;
    x->runner.ext_ctx = &calls;
    CHECK_INT(hl_script_run(&x->runner, &x->script, &x->line, &x->err), HL_ERR_USAGE);
    CHECK_INT(calls, 2);
    CHECK_INT(x->line, 3);
    fx_free(x);
}

static void test_missing_script_file_is_an_io_error(void)
{
    hl_script_t s;
    hl_err_t err = {0};
    CHECK_INT(hl_script_load_file("/nonexistent/demo.txt", NULL, &s, &err), HL_ERR_IO);
    CHECK_CONTAINS(err.msg, "/nonexistent/demo.txt");
}

static void test_nul_byte_in_script_is_refused(void)
{
    hl_script_t s;
    hl_err_t err = {0};
    CHECK_INT(hl_script_parse("s.txt", "next\0back\n", 10, NULL, &s, &err), HL_ERR_USAGE);
    CHECK_CONTAINS(err.msg, "NUL");
}

static const char *check_shot(void *ctx, const hl_script_step_t *st)
{
    (void)ctx;
    return st->argc == 2 ? NULL : "shot takes a name";
}

static void test_extension_steps_are_checked_before_anything_runs(void)
{
    fx_t *x = fx_new();
    static const char *const extra[] = {"shot", NULL};
    hl_script_ext_t ext = {extra, check_shot, NULL};
    const char *text = "answer overall s5\nshot\n";
    CHECK_INT(hl_script_parse("s.txt", text, strlen(text), &ext, &x->script, &x->err),
              HL_ERR_USAGE);
    CHECK_CONTAINS(x->err.msg, "s.txt:2: shot: shot takes a name");
    CHECK_INT(x->sink.saves, 0);
    const char *typo = "shoot a\n";
    CHECK_INT(hl_script_parse("s.txt", typo, strlen(typo), &ext, &x->script, &x->err),
              HL_ERR_USAGE);
    CHECK_CONTAINS(x->err.msg, "expect shot)"); /* the known steps include the extension's */
    fx_free(x);
}

static void test_quoted_words_keep_blanks_hashes_and_escapes(void)
{
    hl_script_t s;
    hl_err_t err = {0};
    const char text[] = "answer q \"a, b # c\" plain \"x\\\"y\\\\z\\nw\" \"\" # a comment\n"
                        "expect state start#tight comment\n";
    CHECK_INT(hl_script_parse("s.txt", text, strlen(text), NULL, &s, &err), HL_OK);
    CHECK_INT((int)s.n_steps, 2);
    if (s.n_steps == 2) {
        CHECK_INT(s.steps[0].argc, 6);
        CHECK_STR(s.steps[0].argv[2], "a, b # c");
        CHECK_STR(s.steps[0].argv[3], "plain");
        CHECK_STR(s.steps[0].argv[4], "x\"y\\z\nw");
        CHECK_STR(s.steps[0].argv[5], "");
        CHECK_INT(s.steps[1].argc, 3);
        CHECK_STR(s.steps[1].argv[2], "start");
    }
    hl_script_free(&s);
}

static void test_bad_quotes_are_syntax_errors_with_their_line(void)
{
    static const char *const bad[] = {"answer q \"open\n", "answer q \"a\\tb\"\n",
                                      "answer q \"ab\"cd\n"};
    static const char *const why[] = {"no closing quote", "a backslash is followed by",
                                      "a closing quote must end its word"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "lang vi\n%s", bad[i]);
        hl_script_t s;
        hl_err_t err = {0};
        CHECK_INT(hl_script_parse("s.txt", text, strlen(text), NULL, &s, &err), HL_ERR_USAGE);
        CHECK_CONTAINS(err.msg, "s.txt:2: ");
        CHECK_CONTAINS(err.msg, why[i]);
        hl_script_free(&s);
    }
}

static void test_a_quoted_text_answers_a_text_question_until_next(void)
{
    fx_t *x = fx_open("text/survey.json");
    CHECK_INT(fx_run(x, "answer overall s1\n"
                        "answer comment \"  Chờ lâu, \\\"quá\\\" lâu # thật\\nCảm ơn \"\n"
                        "expect state question comment\n"
                        "next\n"
                        "answer name \"Nguyễn Văn A\"   # 12 characters: too long\n"),
              HL_ERR_USAGE);
    CHECK_INT(x->line, 5);
    CHECK_CONTAINS(x->err.msg, "longer than its 10 characters");
    CHECK_STR(x->flow.values[1], "Chờ lâu, \"quá\" lâu # thật\nCảm ơn");
    fx_free(x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_extension_steps_are_checked_before_anything_runs),
    HL_TEST(test_a_full_session_runs_to_thanks_and_back_to_start),
    HL_TEST(test_syntax_errors_name_the_file_and_line_before_anything_runs),
    HL_TEST(test_malformed_arguments_are_syntax_errors),
    HL_TEST(test_failed_expect_stops_the_run_at_its_line),
    HL_TEST(test_steps_the_kiosk_would_not_allow_stop_the_run),
    HL_TEST(test_wait_fires_the_idle_timeouts_on_the_way),
    HL_TEST(test_wait_shows_the_screen_each_change_when_it_happens),
    HL_TEST(test_language_step_switches_language),
    HL_TEST(test_extension_verbs_go_to_the_extension),
    HL_TEST(test_missing_script_file_is_an_io_error),
    HL_TEST(test_nul_byte_in_script_is_refused),
    HL_TEST(test_quoted_words_keep_blanks_hashes_and_escapes),
    HL_TEST(test_bad_quotes_are_syntax_errors_with_their_line),
    HL_TEST(test_a_quoted_text_answers_a_text_question_until_next),
};

HL_TEST_MAIN(tests)
