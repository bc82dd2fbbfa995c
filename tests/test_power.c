/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_power.c: the panel's power outside opening hours (hl_power) alone:
 * no display, no kiosk; the clocks, the hours and "busy" given by hand, and
 * the hardware's answer to each switch too (refusals included).
 */
#include "hl_power.h"
#include "hl_test.h"

#define MIN  60000LL
#define HOUR (60 * MIN)
/* 2026-11-27T08:00:00Z: Friday 15:00 in Viet Nam (UTC+7). */
#define FRI_1500 1795766400000LL

typedef struct pw {
    hl_power_t p;
    hl_hours_t hours;
    hl_power_in_t in;
    int switches; /* switches made */
    bool on;      /* the panel as last switched */
    bool refuse;  /* the hardware refuses every switch */
    char log[512];
} pw_t;

static int64_t vietnam(int64_t utc)
{
    (void)utc;
    return 7 * HOUR;
}

/* Mon-fri 07:30-17:00; the kiosk started at Friday 15:00 (mono 0). */
static void pw_init(pw_t *w)
{
    memset(w, 0, sizeof *w);
    hl_hours_add(&w->hours, 0x1f, 7 * 60 + 30, 17 * 60);
    w->in = (hl_power_in_t){.hours = &w->hours,
                            .mono_ms = 0,
                            .utc_ms = FRI_1500,
                            .utc_trusted = true,
                            .tz_ms = vietnam};
    w->on = true;
    hl_power_start(&w->p, &w->in, true, "", w->log, sizeof w->log);
}

/* Makes the switches tick asks for, as the kiosk does. */
static void pw_tick(pw_t *w)
{
    hl_power_cmd_t cmd;
    for (int i = 0; i < 3 && hl_power_tick(&w->p, &w->in, &cmd); i++) {
        w->switches++;
        if (!w->refuse) w->on = cmd.on;
        hl_power_switched(&w->p, &w->in, cmd.on, !w->refuse, "no backlight", w->log, sizeof w->log);
    }
}

/* Moves both clocks by ms and ticks. */
static void pw_wait(pw_t *w, int64_t ms)
{
    w->in.mono_ms += ms;
    w->in.utc_ms += ms;
    pw_tick(w);
}

static void test_the_panel_goes_off_after_closing_once_nobody_touched_it(void)
{
    pw_t w;
    pw_init(&w);
    pw_tick(&w);
    CHECK(!w.p.off);
    CHECK_INT(hl_power_due(&w.p), 2 * HOUR); /* closing time */
    pw_wait(&w, 2 * HOUR);
    CHECK(w.p.closed);
    CHECK(w.p.off); /* the start counted as a touch, long ago: off at once */
    CHECK(!w.on);
    CHECK_INT(w.switches, 1);
    /* Next: Monday 07:30, 2 days 14.5 hours on. */
    CHECK_INT(hl_power_due(&w.p), w.in.mono_ms + 62 * HOUR + 30 * MIN);
    pw_wait(&w, 62 * HOUR + 30 * MIN);
    CHECK(!w.p.off);
    CHECK(w.on);
}

static void test_a_start_after_closing_shows_the_screen_for_the_quiet_time(void)
{
    pw_t w;
    pw_init(&w);
    w.in.utc_ms += 4 * HOUR; /* started at 19:00 */
    hl_power_start(&w.p, &w.in, true, "", w.log, sizeof w.log);
    pw_tick(&w);
    CHECK(!w.p.off);
    CHECK_INT(hl_power_due(&w.p), HL_POWER_QUIET_MS);
    pw_wait(&w, HL_POWER_QUIET_MS);
    CHECK(w.p.off);
}

static void test_a_touch_while_off_wakes_the_panel_and_is_swallowed_whole(void)
{
    pw_t w;
    pw_init(&w);
    pw_wait(&w, 2 * HOUR);
    pw_wait(&w, 0);
    CHECK(w.p.off);
    hl_power_cmd_t cmd;
    CHECK_INT(hl_power_touch(&w.p, &w.in, true, false, &cmd), HL_POWER_WAKE);
    CHECK(cmd.on);
    CHECK_CONTAINS(cmd.why, "a touch outside opening hours");
    hl_power_switched(&w.p, &w.in, true, true, "", w.log, sizeof w.log);
    CHECK(!w.p.off);
    CHECK_INT(hl_power_touch(&w.p, &w.in, false, false, &cmd), HL_POWER_SWALLOW); /* its moves */
    CHECK_INT(hl_power_touch(&w.p, &w.in, false, true, &cmd), HL_POWER_SWALLOW);  /* its up */
    CHECK_INT(hl_power_touch(&w.p, &w.in, true, false, &cmd), HL_POWER_PASS);     /* the next */
    /* Off again once untouched for the quiet time. */
    CHECK_INT(hl_power_due(&w.p), w.in.mono_ms + HL_POWER_QUIET_MS);
    pw_wait(&w, HL_POWER_QUIET_MS);
    CHECK(w.p.off);
}

static void test_the_panel_is_never_off_while_the_kiosk_is_busy(void)
{
    pw_t w;
    pw_init(&w);
    w.in.busy = true; /* someone answers, or a technician screen is open */
    pw_wait(&w, 3 * HOUR);
    CHECK(!w.p.off);
    w.in.busy = false;
    pw_wait(&w, 0);
    CHECK(w.p.off);
    /* Busy while off (a stick came in): on at the next tick. */
    w.in.busy = true;
    pw_wait(&w, 0);
    CHECK(!w.p.off);
    CHECK(w.on);
}

static void test_an_untrusted_clock_never_turns_the_panel_off(void)
{
    pw_t w;
    pw_init(&w);
    w.in.utc_trusted = false;
    w.in.utc_ms += 10 * HOUR; /* looks like 01:00 */
    hl_power_start(&w.p, &w.in, true, "", w.log, sizeof w.log);
    pw_wait(&w, HL_POWER_QUIET_MS * 3);
    CHECK(!w.p.off);
    CHECK(hl_power_due(&w.p) <= w.in.mono_ms + HL_POWER_UNTRUSTED_MS);
    /* Trusted (NTP came): the hours count from the next look. */
    w.in.utc_trusted = true;
    pw_wait(&w, HL_POWER_UNTRUSTED_MS);
    pw_wait(&w, 0);
    CHECK(w.p.off);
}

static void test_a_wall_clock_jump_makes_it_look_at_the_hours_again(void)
{
    pw_t w;
    pw_init(&w);
    pw_tick(&w);
    w.in.utc_ms += 5 * HOUR; /* a technician set the clock to 20:00 */
    pw_tick(&w);
    CHECK(w.p.closed);
    CHECK(!w.p.off); /* the start was a touch a moment ago */
    pw_wait(&w, HL_POWER_QUIET_MS);
    CHECK(w.p.off);
}

static void test_without_opening_hours_the_panel_stays_on(void)
{
    pw_t w;
    pw_init(&w);
    memset(&w.hours, 0, sizeof w.hours);
    pw_wait(&w, 10 * HOUR);
    CHECK(!w.p.off);
    CHECK_INT(hl_power_due(&w.p), 2 * HOUR); /* what the start looked at; never ticks */
    CHECK_INT(w.switches, 0);
}

static void test_a_panel_that_refuses_to_come_on_is_tried_again(void)
{
    pw_t w;
    pw_init(&w);
    pw_wait(&w, 2 * HOUR);
    pw_wait(&w, 0);
    CHECK(w.p.dark);
    w.refuse = true;
    pw_wait(&w, 62 * HOUR + 30 * MIN); /* opening: the switch on fails */
    CHECK(!w.p.off);                   /* the kiosk's own state: the screen is drawn */
    CHECK_CONTAINS(w.log, "turning the panel on failed: no backlight; trying again in 10 s");
    CHECK_INT(w.p.retry_ms, w.in.mono_ms + HL_POWER_RETRY_MS);
    CHECK_INT(hl_power_due(&w.p), w.in.mono_ms + HL_POWER_RETRY_MS);
    w.refuse = false;
    int before = w.switches;
    pw_wait(&w, HL_POWER_RETRY_MS);
    CHECK_INT(w.switches, before + 1);
    CHECK(w.on);
    CHECK(!w.p.dark);
    CHECK_INT(w.p.retry_ms, 0);
}

static void test_a_panel_that_cannot_go_off_is_said_once_and_drawn_black(void)
{
    pw_t w;
    pw_init(&w);
    w.refuse = true;
    pw_wait(&w, 2 * HOUR);
    pw_wait(&w, 0);
    CHECK(w.p.off); /* black screen */
    CHECK_CONTAINS(w.log, "no backlight; the screen is drawn black instead while off");
    CHECK(w.p.hw_logged);
    hl_power_cmd_t cmd;
    hl_power_touch(&w.p, &w.in, true, false, &cmd);
    hl_power_switched(&w.p, &w.in, true, false, "no backlight", w.log, sizeof w.log);
    CHECK_STR(w.log, ""); /* the panel never went dark: nothing to say */
    CHECK_INT(w.p.retry_ms, 0);
    pw_wait(&w, HL_POWER_QUIET_MS);
    CHECK(w.p.off);
    CHECK_STR(w.log, ""); /* said once */
}

static void test_a_start_whose_switch_fails_says_the_screen_is_drawn_black(void)
{
    pw_t w;
    pw_init(&w);
    hl_power_start(&w.p, &w.in, false, "DPMS not allowed", w.log, sizeof w.log);
    CHECK_STR(w.log, "DPMS not allowed; outside opening hours the screen is drawn black instead");
    memset(&w.hours, 0, sizeof w.hours);
    hl_power_start(&w.p, &w.in, false, "DPMS not allowed", w.log, sizeof w.log);
    CHECK_STR(w.log, ""); /* no hours: it never needs to go off */
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_the_panel_goes_off_after_closing_once_nobody_touched_it),
    HL_TEST(test_a_start_after_closing_shows_the_screen_for_the_quiet_time),
    HL_TEST(test_a_touch_while_off_wakes_the_panel_and_is_swallowed_whole),
    HL_TEST(test_the_panel_is_never_off_while_the_kiosk_is_busy),
    HL_TEST(test_an_untrusted_clock_never_turns_the_panel_off),
    HL_TEST(test_a_wall_clock_jump_makes_it_look_at_the_hours_again),
    HL_TEST(test_without_opening_hours_the_panel_stays_on),
    HL_TEST(test_a_panel_that_refuses_to_come_on_is_tried_again),
    HL_TEST(test_a_panel_that_cannot_go_off_is_said_once_and_drawn_black),
    HL_TEST(test_a_start_whose_switch_fails_says_the_screen_is_drawn_black),
};

HL_TEST_MAIN(tests)
