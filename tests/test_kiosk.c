/*
 * test_kiosk.c: the running kiosk (firmware/cli/kiosk.c) in-process on the
 * headless screen: touch feedback on touch-down, taps on touch-up over the
 * same target, the out-of-service screen when the store fails (never thanks
 * for an answer that was not stored), recovery by itself once the fault
 * clears, and the event loop's wake-up times.
 */
#include "hl_faultvfs.h"
#include "hl_test.h"
#include "kiosk.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

typedef struct fx {
    hl_cli_t cli;
    hl_fakesys_t clock;
    hl_kiosk_t k;
    char *dir;
    hl_err_t err;
} fx_t;

static fx_t *fx_new(void)
{
    fx_t *x = calloc(1, sizeof *x);
    CHECK_INT(hl_faultvfs_register(), SQLITE_OK);
    hl_faultvfs_disarm();
    x->dir = hl_test_tmpdir("kiosk");
    snprintf(x->cli.data_dir, sizeof x->cli.data_dir, "%s", x->dir);
    hl_config_defaults(&x->cli.cfg, "kiosk-test");
    hl_diags_t d = {0};
    if (hl_survey_load_file(hl_test_data("flow/survey.json"), &x->cli.survey, &d) != HL_OK) abort();
    hl_diags_free(&d);
    hl_fakesys_init(&x->clock, 1795766400000LL, true, 9);
    hl_kiosk_opts_t o = {.display = {HL_BACKEND_HEADLESS, 800, 480, 0, false},
                         .sys = hl_fakesys_sys(&x->clock),
                         .store_vfs = HL_FAULTVFS_NAME};
    if (hl_kiosk_open(&x->k, &x->cli, &o) != HL_EXIT_OK) abort();
    if (hl_kiosk_draw(&x->k, &x->err) != HL_OK) abort();
    return x;
}

static void fx_free(fx_t *x)
{
    hl_faultvfs_disarm();
    hl_kiosk_close(&x->k);
    hl_survey_free(x->cli.survey);
    hl_config_free(&x->cli.cfg);
    hl_test_rmtree(x->dir);
    free(x->dir);
    free(x);
}

static const char *cur_id(fx_t *x)
{
    return x->k.flow.survey->questions[x->k.flow.cur].id;
}

static void centre(fx_t *x, const char *id, int *cx, int *cy)
{
    const hl_target_t *t = hl_scene_find(x->k.scene, id);
    CHECK(t != NULL);
    *cx = t ? t->box.x + t->box.w / 2 : -1;
    *cy = t ? t->box.y + t->box.h / 2 : -1;
}

static void test_touch_down_shows_feedback_and_touch_up_answers(void)
{
    fx_t *x = fx_new();
    int cx, cy;
    centre(x, "answer:overall:s4", &cx, &cy);
    long long frames = x->k.frames;
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    CHECK_STR(x->k.ui.pressed, "answer:overall:s4");
    CHECK(x->k.dirty); /* the next frame shows it */
    CHECK_INT(hl_kiosk_draw(&x->k, &x->err), HL_OK);
    CHECK_INT(x->k.frames, frames + 1);
    CHECK_INT(x->k.flow.state, HL_STATE_START); /* nothing answered yet */
    hl_kiosk_touch(&x->k, HL_INPUT_UP, cx, cy);
    CHECK_STR(x->k.ui.pressed, "");
    CHECK_INT(x->k.flow.state, HL_STATE_QUESTION);
    CHECK_STR(hl_flow_value(&x->k.flow, 0), "s4");
    fx_free(x);
}

static void test_sliding_off_a_target_before_lifting_answers_nothing(void)
{
    fx_t *x = fx_new();
    int cx, cy;
    centre(x, "answer:overall:s1", &cx, &cy);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    hl_kiosk_touch(&x->k, HL_INPUT_MOVE, 2, 2);
    CHECK_STR(x->k.ui.pressed, "");
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 2, 2);
    CHECK_INT(x->k.flow.state, HL_STATE_START);
    CHECK_STR(hl_flow_value(&x->k.flow, 0), NULL);
    fx_free(x);
}

static void test_store_failure_shows_out_of_service_and_recovers_when_the_fault_clears(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err), HL_OK);
    CHECK_STR(cur_id(x), "stars");
    hl_kiosk_draw(&x->k, &x->err);
    hl_faultvfs_arm(HL_FAULT_WRITE, 1, true, SQLITE_IOERR_WRITE);
    int rc = hl_kiosk_tap_id(&x->k, "answer:stars:4", &x->err);
    CHECK(rc == HL_ERR_IO || rc == HL_ERR_FULL);
    CHECK(x->k.ui.out_of_service);
    CHECK_STR(cur_id(x), "stars"); /* not moved on: the answer is not stored */
    CHECK_STR(hl_flow_value(&x->k.flow, 2), NULL);
    hl_kiosk_draw(&x->k, &x->err);
    CHECK_INT(x->k.scene->n_targets, 0); /* nothing to press while out of service */
    int wake = hl_kiosk_timeout(&x->k);
    CHECK(wake >= 0 && wake <= HL_KIOSK_RETRY_MS);
    /* Still failing at the first retry. */
    hl_fakesys_advance(&x->clock, HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(x->k.ui.out_of_service);
    /* The fault clears: the next retry stores the answer and the kiosk goes on. */
    hl_faultvfs_disarm();
    hl_fakesys_advance(&x->clock, HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(!x->k.ui.out_of_service);
    CHECK_STR(cur_id(x), "code");
    CHECK_STR(hl_flow_value(&x->k.flow, 2), "4");
    fx_free(x);
}

static void test_a_failed_last_answer_never_reaches_thanks(void)
{
    fx_t *x = fx_new();
    hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err);
    hl_kiosk_tap_id(&x->k, "answer:stars:2", &x->err);
    hl_kiosk_tap_id(&x->k, "key:1", &x->err);
    hl_kiosk_tap_id(&x->k, "key:2", &x->err);
    hl_faultvfs_arm(HL_FAULT_CHANGE, 1, true, SQLITE_FULL);
    CHECK(hl_kiosk_tap_id(&x->k, "next", &x->err) != HL_OK);
    CHECK(x->k.flow.state != HL_STATE_THANKS);
    CHECK(x->k.ui.out_of_service);
    hl_faultvfs_disarm();
    hl_fakesys_advance(&x->clock, HL_KIOSK_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK_INT(x->k.flow.state, HL_STATE_THANKS);
    CHECK(!x->k.ui.out_of_service);
    fx_free(x);
}

static void test_the_loop_sleeps_forever_on_the_idle_start_screen_and_ticks_the_countdown(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_kiosk_timeout(&x->k), -1); /* no busy loop: wait for a touch */
    hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err);
    CHECK_INT(hl_kiosk_timeout(&x->k), 30000);
    hl_fakesys_advance(&x->clock, 30000);
    hl_kiosk_tick(&x->k);
    CHECK_INT(x->k.flow.state, HL_STATE_STILL_THERE);
    int wake = hl_kiosk_timeout(&x->k);
    CHECK(wake > 0 && wake <= 1000); /* the countdown's next second */
    fx_free(x);
}

static void test_tap_on_an_id_not_on_screen_is_refused_but_any_tap_dismisses_still_there(void)
{
    fx_t *x = fx_new();
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:stars:3", &x->err), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "no target");
    hl_kiosk_tap_id(&x->k, "answer:overall:s5", &x->err);
    hl_fakesys_advance(&x->clock, 30000);
    hl_kiosk_tick(&x->k);
    CHECK_INT(x->k.flow.state, HL_STATE_STILL_THERE);
    hl_kiosk_draw(&x->k, &x->err);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 3, 470);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 3, 470);
    CHECK_INT(x->k.flow.state, HL_STATE_QUESTION);
    fx_free(x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_touch_down_shows_feedback_and_touch_up_answers),
    HL_TEST(test_sliding_off_a_target_before_lifting_answers_nothing),
    HL_TEST(test_store_failure_shows_out_of_service_and_recovers_when_the_fault_clears),
    HL_TEST(test_a_failed_last_answer_never_reaches_thanks),
    HL_TEST(test_the_loop_sleeps_forever_on_the_idle_start_screen_and_ticks_the_countdown),
    HL_TEST(test_tap_on_an_id_not_on_screen_is_refused_but_any_tap_dismisses_still_there),
};

HL_TEST_MAIN(tests)
