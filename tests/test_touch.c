/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_touch.c: a finger's events to taps and the touch guard (hl_touch),
 * alone: no display, no kiosk, times given by hand.
 */
#include "hl_test.h"
#include "hl_touch.h"

#define GUARD HL_TOUCH_GUARD_MS

/* A touch down on hit at t, up on up_on at t + 80: what it did. */
static hl_touch_result_t finger(hl_touch_t *t, const char *hit, const char *up_on, int64_t at,
                                char *tapped)
{
    hl_touch_event(t, HL_TOUCH_DOWN, hit, at, tapped);
    return hl_touch_event(t, HL_TOUCH_UP, up_on, at + 80, tapped);
}

static void test_a_touch_on_the_first_screen_taps_at_once(void)
{
    hl_touch_t t = {0};
    char tapped[HL_TOUCH_ID_MAX];
    CHECK(hl_touch_screen(&t, 11, 1000)); /* nothing came before it: no guard */
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_DOWN, "answer:q1:good", 1000, tapped), HL_TOUCH_REDRAW);
    CHECK_STR(t.pressed, "answer:q1:good");
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_UP, "answer:q1:good", 1080, tapped), HL_TOUCH_TAP);
    CHECK_STR(tapped, "answer:q1:good");
    CHECK_STR(t.pressed, "");
    CHECK_INT(t.guarded, 0);
}

static void test_the_same_screen_built_again_is_not_a_new_screen(void)
{
    hl_touch_t t = {0};
    char tapped[HL_TOUCH_ID_MAX];
    hl_touch_screen(&t, 11, 0);
    CHECK(!hl_touch_screen(&t, 11, 5000)); /* a redraw: typing on a pad is not slowed */
    CHECK_INT(finger(&t, "pin:1", "pin:1", 5010, tapped), HL_TOUCH_TAP);
    CHECK(hl_touch_screen(&t, 12, 6000));
    CHECK_INT(t.screen_n, 2);
}

static void test_a_double_tap_answers_one_question_not_the_next(void)
{
    hl_touch_t t = {0};
    char tapped[HL_TOUCH_ID_MAX];
    hl_touch_screen(&t, 1, 0);
    CHECK_INT(finger(&t, "answer:q1:good", "answer:q1:good", 1000, tapped), HL_TOUCH_TAP);
    hl_touch_screen(&t, 2, 1080); /* the next question came up at the first up */
    /* The second tap of the double tap, 80 ms later on the new screen. */
    CHECK_INT(finger(&t, "answer:q2:bad", "answer:q2:bad", 1160, tapped), HL_TOUCH_REDRAW);
    CHECK_STR(tapped, "");
    CHECK_STR(t.pressed, ""); /* no highlight either: nothing will happen */
    CHECK_INT(t.guarded, 1);
    /* From GUARD ms after the screen appeared, a touch counts. */
    CHECK(hl_touch_too_soon(&t, 1080 + GUARD - 1));
    CHECK(!hl_touch_too_soon(&t, 1080 + GUARD));
    CHECK_INT(finger(&t, "answer:q2:bad", "answer:q2:bad", 1080 + GUARD, tapped), HL_TOUCH_TAP);
    CHECK_STR(tapped, "answer:q2:bad");
}

static void test_a_screen_that_changes_under_the_finger_taps_nothing(void)
{
    hl_touch_t t = {0};
    char tapped[HL_TOUCH_ID_MAX] = "x";
    hl_touch_screen(&t, 1, 0);
    hl_touch_event(&t, HL_TOUCH_DOWN, "next", 1000, tapped);
    hl_touch_screen(&t, 2, 1200); /* a timeout moved the survey on */
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_UP, "next", 1300, tapped), HL_TOUCH_REDRAW);
    CHECK_STR(tapped, "");
    CHECK_INT(t.guarded, 1);
}

static void test_sliding_off_a_target_releases_it_and_taps_beside(void)
{
    hl_touch_t t = {0};
    char tapped[HL_TOUCH_ID_MAX];
    hl_touch_screen(&t, 1, 0);
    hl_touch_event(&t, HL_TOUCH_DOWN, "lang:en", 1000, tapped);
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_MOVE, "lang:en", 1010, tapped), HL_TOUCH_NOTHING);
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_MOVE, NULL, 1020, tapped), HL_TOUCH_REDRAW);
    CHECK_STR(t.pressed, "");
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_MOVE, "lang:en", 1030, tapped), HL_TOUCH_REDRAW);
    CHECK_STR(t.pressed, "lang:en");
    hl_touch_event(&t, HL_TOUCH_MOVE, "next", 1040, tapped);
    /* Up over another target: a tap beside every target (it still
     * answers "still there?"), not a tap on either. */
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_UP, "next", 1050, tapped), HL_TOUCH_TAP);
    CHECK_STR(tapped, "");
}

static void test_a_cancelled_finger_presses_nothing(void)
{
    hl_touch_t t = {0};
    char tapped[HL_TOUCH_ID_MAX];
    hl_touch_screen(&t, 1, 0);
    hl_touch_event(&t, HL_TOUCH_DOWN, "lang:en", 1000, tapped);
    hl_touch_cancel(&t); /* it was the technician's gesture */
    CHECK_STR(t.pressed, "");
    CHECK_INT(hl_touch_event(&t, HL_TOUCH_UP, "lang:en", 1080, tapped), HL_TOUCH_TAP);
    CHECK_STR(tapped, "");
}

static void test_a_scripted_tap_too_soon_is_refused_and_counted(void)
{
    hl_touch_t t = {0};
    hl_touch_screen(&t, 1, 0);
    hl_touch_screen(&t, 2, 1000);
    CHECK(!hl_touch_scripted(&t, 1100));
    CHECK_INT(t.guarded, 1);
    CHECK(hl_touch_scripted(&t, 1000 + GUARD));
    CHECK_INT(t.guarded, 1);
}

static void test_a_long_target_id_is_cut_not_overrun(void)
{
    hl_touch_t t = {0};
    char tapped[HL_TOUCH_ID_MAX], id[200];
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    hl_touch_screen(&t, 1, 0);
    hl_touch_event(&t, HL_TOUCH_DOWN, id, 10, tapped);
    CHECK_INT(strlen(t.pressed), HL_TOUCH_ID_MAX - 1);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_touch_on_the_first_screen_taps_at_once),
    HL_TEST(test_the_same_screen_built_again_is_not_a_new_screen),
    HL_TEST(test_a_double_tap_answers_one_question_not_the_next),
    HL_TEST(test_a_screen_that_changes_under_the_finger_taps_nothing),
    HL_TEST(test_sliding_off_a_target_releases_it_and_taps_beside),
    HL_TEST(test_a_cancelled_finger_presses_nothing),
    HL_TEST(test_a_scripted_tap_too_soon_is_refused_and_counted),
    HL_TEST(test_a_long_target_id_is_cut_not_overrun),
};

HL_TEST_MAIN(tests)
