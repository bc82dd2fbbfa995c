/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kiosk_panel.c: the panel outside opening hours (firmware/cli/
 * kiosk_panel.c), the kiosk driven in-process on the headless screen with a
 * fake clock in Viet Nam's time zone: off at closing time with nobody
 * answering, on while a response is in progress and off after it, a touch
 * while off wakes the panel without answering and the next touch answers,
 * off again after the quiet period, on at opening time, never off with a
 * technician screen open or on an untrusted clock, no immediate wake-ups;
 * and `expect-panel` in a scripted run of the real program.
 *
 * The week is a one-stop shop's: Mon-Fri 07:30-11:30 and 13:30-17:00,
 * Saturday 07:30-11:30. The clock starts on Friday 2026-11-27 at 15:00
 * local time (08:00 UTC).
 */
#include "hl_fixture_kiosk.h"
#include "hl_test.h"
#include "kiosk.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIN   60000LL
#define HOUR  (60 * MIN)
#define PIN   "246810"
#define START 1795766400000LL /* 2026-11-27T08:00:00Z: Friday 15:00 in Viet Nam */

typedef hl_kiosk_fixture_t fx_t;

static void vietnam_time(void)
{
    setenv("TZ", "ICT-7", 1); /* POSIX form: UTC+7, no tzdata needed */
    tzset();
}

/* Mon-fri 07:30-11:30 and 13:30-17:00, sat 07:30-11:30. */
static void office_hours(hl_config_t *cfg, void *ctx)
{
    (void)ctx;
    hl_hours_t *h = &cfg->display.hours;
    hl_hours_add(h, 0x1f, 7 * 60 + 30, 11 * 60 + 30); /* mon-fri */
    hl_hours_add(h, 0x1f, 13 * 60 + 30, 17 * 60);
    hl_hours_add(h, 0x20, 7 * 60 + 30, 11 * 60 + 30); /* sat */
}

static fx_t *fx_new(bool trusted)
{
    vietnam_time();
    hl_kiosk_fixture_opts_t o = {.tag = "kiosk-panel",
                                 .kiosk_id = "kiosk-panel",
                                 .start_utc_ms = START,
                                 .untrusted = !trusted,
                                 .pin = PIN,
                                 .configure = office_hours};
    return hl_kiosk_fixture_new(&o);
}

static void fx_free(fx_t *x)
{
    hl_kiosk_fixture_free(x);
}

/* Advances the clock to local hh:mm:ss on day d after the start day,
 * firing flow timeouts on the way as the event loop would, then ticks. */
static void fx_at(fx_t *x, int d, int hh, int mm, int ss)
{
    int64_t target = START + d * 24 * HOUR + (hh - 15) * HOUR + mm * MIN + ss * 1000LL;
    for (;;) {
        int64_t due = hl_flow_deadline(hl_kiosk_flow(&x->k));
        int64_t now = x->clock.mono_ms, dmono = due - now;
        if (due < 0 || x->clock.utc_ms + dmono > target) break;
        if (dmono > 0) hl_fakesys_advance(&x->clock, dmono);
        hl_kiosk_tick(&x->k);
    }
    if (target > x->clock.utc_ms) hl_fakesys_advance(&x->clock, target - x->clock.utc_ms);
    hl_kiosk_tick(&x->k);
}

static bool panel_on(fx_t *x)
{
    return hl_display_panel_on(hl_kiosk_display(&x->k));
}

static void centre(fx_t *x, const char *id, int *cx, int *cy)
{
    const hl_target_t *t = hl_scene_find(hl_kiosk_scene(&x->k), id);
    CHECK(t != NULL);
    *cx = t ? t->box.x + t->box.w / 2 : -1;
    *cy = t ? t->box.y + t->box.h / 2 : -1;
}

static void test_the_panel_goes_off_at_closing_time_with_nobody_answering(void)
{
    fx_t *x = fx_new(true);
    CHECK(panel_on(x));
    CHECK(!hl_kiosk_power(&x->k)->off);
    /* Nothing to do but the closing time, 2 h away (the wait is capped at 1 h). */
    CHECK_INT(hl_kiosk_panel_due(&x->k), x->clock.mono_ms + 2 * HOUR);
    CHECK_INT(hl_kiosk_timeout(&x->k), 3600 * 1000);
    fx_at(x, 0, 16, 59, 59);
    CHECK(panel_on(x));
    CHECK_INT(hl_kiosk_timeout(&x->k), 1000);
    fx_at(x, 0, 17, 0, 0);
    CHECK(!panel_on(x));
    CHECK(hl_kiosk_power(&x->k)->off);
    /* Drawn black, with nothing to press. */
    CHECK_INT(hl_kiosk_draw(&x->k, &x->err), HL_OK);
    CHECK_INT(hl_kiosk_scene(&x->k)->n_targets, 0);
    CHECK_INT(hl_kiosk_scene(&x->k)->n_cmds, 0);
    /* Next: Saturday 07:30, 14.5 h away; the loop sleeps (1 h at most). */
    CHECK_INT(hl_kiosk_panel_due(&x->k), x->clock.mono_ms + 14 * HOUR + 30 * MIN);
    CHECK_INT(hl_kiosk_timeout(&x->k), 3600 * 1000);
    fx_free(x);
}

static void test_the_panel_stays_on_while_a_response_is_in_progress_and_goes_off_after(void)
{
    fx_t *x = fx_new(true);
    fx_at(x, 0, 16, 59, 50);
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:overall:s4", &x->err), HL_OK);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_QUESTION);
    fx_at(x, 0, 17, 0, 0);
    CHECK(panel_on(x)); /* someone is answering */
    CHECK(hl_kiosk_power(&x->k)->closed);
    fx_at(x, 0, 17, 0, 25);
    CHECK(panel_on(x));
    /* Idle 30 s, "still there?" 10 s: kept as partial at 17:00:30, back
     * at the start; the last touch was at 16:59:50, so off at 17:00:50. */
    fx_at(x, 0, 17, 0, 31);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_START);
    CHECK(hl_kiosk_idle(&x->k));
    CHECK(panel_on(x));
    CHECK(hl_kiosk_timeout(&x->k) > 0);
    CHECK(hl_kiosk_timeout(&x->k) <= 19000);
    fx_at(x, 0, 17, 0, 49);
    CHECK(panel_on(x));
    fx_at(x, 0, 17, 0, 50);
    CHECK(!panel_on(x));
    fx_free(x);
}

static void test_a_touch_while_off_wakes_the_panel_and_answers_nothing(void)
{
    fx_t *x = fx_new(true);
    int cx, cy;
    centre(x, "answer:overall:s4", &cx, &cy);
    fx_at(x, 0, 18, 0, 0);
    CHECK(!panel_on(x));
    /* The finger lands on where an answer was: the panel wakes, nothing else. */
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    CHECK(panel_on(x));
    CHECK(!hl_kiosk_power(&x->k)->off);
    CHECK_STR(hl_kiosk_ui(&x->k)->pressed, ""); /* no feedback on a button */
    hl_kiosk_touch(&x->k, HL_INPUT_MOVE, cx + 2, cy);
    CHECK_STR(hl_kiosk_ui(&x->k)->pressed, "");
    hl_kiosk_touch(&x->k, HL_INPUT_UP, cx + 2, cy);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_START);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), NULL);
    CHECK(hl_kiosk_idle(&x->k));
    CHECK(hl_kiosk_dirty(&x->k)); /* the start screen is drawn at once */
    CHECK_INT(hl_kiosk_draw(&x->k, &x->err), HL_OK);
    CHECK(hl_scene_find(hl_kiosk_scene(&x->k), "answer:overall:s4") != NULL);
    /* The next touch counts, once the screen has been up for the touch guard. */
    hl_fakesys_advance(&x->clock, HL_TOUCH_GUARD_MS);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, cx, cy);
    CHECK_STR(hl_kiosk_ui(&x->k)->pressed, "answer:overall:s4");
    hl_kiosk_touch(&x->k, HL_INPUT_UP, cx, cy);
    CHECK_INT(hl_kiosk_flow(&x->k)->state, HL_STATE_QUESTION);
    CHECK_STR(hl_flow_value(hl_kiosk_flow(&x->k), 0), "s4");
    fx_free(x);
}

static void test_a_tap_by_id_while_off_finds_no_target(void)
{
    fx_t *x = fx_new(true);
    fx_at(x, 0, 18, 0, 0);
    CHECK_INT(hl_kiosk_tap_id(&x->k, "answer:overall:s4", &x->err), HL_ERR_STATE);
    CHECK_CONTAINS(x->err.msg, "panel off: a touch wakes it first");
    CHECK(!panel_on(x));
    fx_free(x);
}

static void test_the_woken_panel_goes_off_again_after_the_quiet_period(void)
{
    fx_t *x = fx_new(true);
    fx_at(x, 0, 20, 0, 0);
    CHECK(!panel_on(x));
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 10, 10);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 10, 10);
    hl_kiosk_tick(&x->k);
    CHECK(panel_on(x));
    CHECK_INT(hl_kiosk_timeout(&x->k), HL_POWER_QUIET_MS);
    fx_at(x, 0, 20, 0, 30);
    /* A touch on the lit screen outside a target restarts the quiet period. */
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 2, 2);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 2, 2);
    fx_at(x, 0, 20, 1, 29);
    CHECK(panel_on(x));
    CHECK_INT(hl_kiosk_timeout(&x->k), 1000);
    fx_at(x, 0, 20, 1, 30);
    CHECK(!panel_on(x));
    fx_free(x);
}

static void test_the_panel_turns_on_at_opening_time_after_sleeping_through_the_night(void)
{
    fx_t *x = fx_new(true);
    fx_at(x, 0, 17, 0, 0);
    CHECK(!panel_on(x));
    /* As the event loop: sleep for the timeout, tick, again. */
    int wakes = 0;
    while (!panel_on(x) && wakes < 100) {
        int t = hl_kiosk_timeout(&x->k);
        CHECK(t > 0);
        if (t <= 0) break;
        hl_fakesys_advance(&x->clock, t);
        hl_kiosk_tick(&x->k);
        wakes++;
    }
    CHECK(panel_on(x));
    /* Saturday 07:30 in Viet Nam is 00:30 UTC, and not a minute late. */
    CHECK_INT(x->clock.utc_ms, START + 16 * HOUR + 30 * MIN);
    CHECK(wakes <= 15); /* 14.5 h in waits of at most an hour: no polling */
    CHECK(!hl_kiosk_power(&x->k)->closed);
    /* The next boundary is Saturday's closing at 11:30. */
    CHECK_INT(hl_kiosk_panel_due(&x->k), x->clock.mono_ms + 4 * HOUR);
    fx_free(x);
}

static void test_a_technician_screen_keeps_the_panel_on(void)
{
    fx_t *x = fx_new(true);
    fx_at(x, 0, 16, 59, 0);
    hl_kiosk_fixture_open_menu(x, PIN); /* at 16:59, as a technician does */
    fx_at(x, 0, 17, 1, 0);
    CHECK(panel_on(x));
    /* The menu closes by itself after 2 min untouched: then the panel goes. */
    fx_at(x, 0, 17, 2, 1);
    CHECK_INT(hl_kiosk_tech(&x->k)->mode, HL_TECH_OFF);
    CHECK(!panel_on(x));
    fx_free(x);
}

static void test_an_untrusted_clock_never_turns_the_panel_off(void)
{
    fx_t *x = fx_new(false);
    fx_at(x, 0, 19, 0, 0);
    CHECK(panel_on(x));
    CHECK(hl_kiosk_timeout(&x->k) <= HL_POWER_UNTRUSTED_MS);
    CHECK(hl_kiosk_timeout(&x->k) > 0);
    x->clock.trusted = true; /* NTP synchronised */
    hl_fakesys_advance(&x->clock, hl_kiosk_timeout(&x->k));
    hl_kiosk_tick(&x->k);
    CHECK(!panel_on(x));
    fx_free(x);
}

static void test_a_wall_clock_jump_looks_at_the_hours_again(void)
{
    fx_t *x = fx_new(true);
    fx_at(x, 0, 15, 5, 0); /* open; the next look is at 17:00 */
    CHECK(panel_on(x));
    x->clock.utc_ms += 4 * HOUR; /* a technician sets the clock: 19:05 */
    hl_kiosk_tick(&x->k);
    CHECK(!panel_on(x));
    x->clock.utc_ms -= 4 * HOUR; /* and back */
    hl_kiosk_tick(&x->k);
    CHECK(panel_on(x));
    fx_free(x);
}

static void test_after_a_tick_the_panel_never_asks_for_an_immediate_wake(void)
{
    fx_t *x = fx_new(true);
    /* A week of the event loop with a touch now and then. */
    int64_t end = x->clock.mono_ms + 7 * 24 * HOUR;
    int wakes = 0, touches = 0;
    while (x->clock.mono_ms < end) {
        int t = hl_kiosk_timeout(&x->k);
        CHECK(t != 0);
        if (t <= 0) break;
        if (wakes % 7 == 3) t /= 2; /* a touch arrives before the timeout */
        hl_fakesys_advance(&x->clock, t);
        if (wakes % 7 == 3) {
            hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 2, 2);
            hl_kiosk_touch(&x->k, HL_INPUT_UP, 2, 2);
            touches++;
        }
        hl_kiosk_tick(&x->k);
        wakes++;
    }
    CHECK(touches > 10);
    CHECK(wakes < 7 * 24 * 3); /* hourly at most, plus boundaries and quiet ends */
    fx_free(x);
}

/* ---- A scripted run ------------------------------------------------------- */

static void test_a_script_expects_the_panel_off_at_night_and_a_tap_wakes_it(void)
{
    char *dir = hl_test_tmpdir("kiosk-panel-run");
    char data[1024];
    snprintf(data, sizeof data, "%s/data", dir);
    char *config = hl_test_write_file(
        dir, "hailong.json",
        "{\"kiosk_id\": \"k-panel\",\n"
        " \"display\": {\"opening_hours\": [\n"
        "   {\"days\": \"mon-fri\", \"open\": \"07:30\", \"close\": \"11:30\"},\n"
        "   {\"days\": \"mon-fri\", \"open\": \"13:30\", \"close\": \"17:00\"}]}}\n");
    char *script = hl_test_write_file(dir, "night.txt",
                                      "expect-panel on\n"
                                      "expect-text Tiếng Việt\n"
                                      "wait 120000            # 17:01 local\n"
                                      "expect-panel off\n"
                                      "expect-no-text Tiếng Việt  # drawn black\n"
                                      "tap 400 240            # wakes the panel only\n"
                                      "expect-panel on\n"
                                      "expect state start\n"
                                      "wait 60000\n"
                                      "expect-panel off\n");
    const char *env[] = {"TZ=ICT-7", NULL};
    const char *argv[] = {
        HL_BIN,    "--data-dir",           data,       "--config", config, "run", "--headless",
        "--clock", "2026-11-27T09:59:00Z", "--script", script,     NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT(hl_test_run(argv, env, &out, &err), 0);
    CHECK_CONTAINS(err, "hailong: panel off (outside opening hours 07:30\xe2\x80\x93"
                        "11:30, 13:30\xe2\x80\x93"
                        "17:00)");
    CHECK_CONTAINS(err, "hailong: panel on (a touch outside opening hours");
    free(out);
    free(err);
    /* A failed expectation stops the run (exit 3) and says what it saw. */
    free(script);
    script = hl_test_write_file(dir, "day.txt", "expect-panel off\n");
    argv[10] = script;
    CHECK_INT(hl_test_run(argv, env, NULL, &err), 3);
    CHECK_CONTAINS(err, "expected the panel off, but it is on");
    free(err);
    /* Its syntax is checked before the run (exit 2). */
    free(script);
    script = hl_test_write_file(dir, "bad.txt", "expect-panel dim\n");
    argv[10] = script;
    CHECK_INT(hl_test_run(argv, env, NULL, &err), 2);
    CHECK_CONTAINS(err, "expect-panel takes on or off");
    free(err);
    free(script);
    free(config);
    hl_test_rmtree(dir);
    free(dir);
}

static void test_a_panel_that_refuses_to_come_on_is_tried_again_until_it_does(void)
{
    fx_t *x = fx_new(true);
    fx_at(x, 0, 17, 0, 0);
    CHECK(!panel_on(x)); /* off, for real */
    /* The backlight refuses twice: a touch wakes the screen (drawn again),
     * the kiosk says so and tries again every 10 s, not at once. */
    hl_display_fail_panel(hl_kiosk_display(&x->k), 2);
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 10, 10);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 10, 10);
    CHECK(!panel_on(x));
    CHECK(!hl_kiosk_power(&x->k)->off);
    int t = hl_kiosk_timeout(&x->k);
    CHECK(t > 0 && t <= HL_POWER_RETRY_MS);
    hl_fakesys_advance(&x->clock, HL_POWER_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(!panel_on(x)); /* refused again */
    CHECK(hl_kiosk_timeout(&x->k) > 0);
    hl_fakesys_advance(&x->clock, HL_POWER_RETRY_MS);
    hl_kiosk_tick(&x->k);
    CHECK(panel_on(x)); /* third time: on */
    CHECK_INT(hl_kiosk_power(&x->k)->retry_ms, 0);
    CHECK(hl_kiosk_timeout(&x->k) > 0);
    fx_free(x);
}

static void test_a_panel_that_cannot_be_switched_off_is_drawn_black_without_retries(void)
{
    fx_t *x = fx_new(true);
    hl_display_fail_panel(hl_kiosk_display(&x->k), 1);
    fx_at(x, 0, 17, 0, 0);
    CHECK(hl_kiosk_power(&x->k)->off); /* the kiosk's own state: black screen */
    CHECK(panel_on(x));                /* the hardware never went off */
    CHECK_INT(hl_kiosk_draw(&x->k, &x->err), HL_OK);
    CHECK_INT(hl_kiosk_scene(&x->k)->n_targets, 0);
    /* A touch: nothing to retry, the panel was lit all along. */
    hl_kiosk_touch(&x->k, HL_INPUT_DOWN, 10, 10);
    hl_kiosk_touch(&x->k, HL_INPUT_UP, 10, 10);
    CHECK(!hl_kiosk_power(&x->k)->off);
    CHECK_INT(hl_kiosk_power(&x->k)->retry_ms, 0);
    fx_free(x);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_a_panel_that_refuses_to_come_on_is_tried_again_until_it_does),
    HL_TEST(test_a_panel_that_cannot_be_switched_off_is_drawn_black_without_retries),
    HL_TEST(test_the_panel_goes_off_at_closing_time_with_nobody_answering),
    HL_TEST(test_the_panel_stays_on_while_a_response_is_in_progress_and_goes_off_after),
    HL_TEST(test_a_touch_while_off_wakes_the_panel_and_answers_nothing),
    HL_TEST(test_a_tap_by_id_while_off_finds_no_target),
    HL_TEST(test_the_woken_panel_goes_off_again_after_the_quiet_period),
    HL_TEST(test_the_panel_turns_on_at_opening_time_after_sleeping_through_the_night),
    HL_TEST(test_a_technician_screen_keeps_the_panel_on),
    HL_TEST(test_an_untrusted_clock_never_turns_the_panel_off),
    HL_TEST(test_a_wall_clock_jump_looks_at_the_hours_again),
    HL_TEST(test_after_a_tick_the_panel_never_asks_for_an_immediate_wake),
    HL_TEST(test_a_script_expects_the_panel_off_at_night_and_a_tap_wakes_it),
};

HL_TEST_MAIN(table)
