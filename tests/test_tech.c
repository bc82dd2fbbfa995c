/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_tech.c: technician mode's state machine (firmware/tech/hl_tech.c):
 * the hidden entry gesture, the PIN pad and its lockout, the menu's pages,
 * periods and officer filter, the idle close and the tick timeouts.
 *
 * Screen 800x480 with 80 px corner squares; times are the monotonic clock
 * the test moves by hand. The PIN hash is made with the fewest iterations
 * accepted so that the tests stay fast.
 */
#include "hl_tech.h"
#include "hl_test.h"

#include <string.h>

#define W     800
#define H     480
#define ZONE  80
#define UTC0  1790000000000LL
#define GOOD  "246810"
#define WRONG "135790"

/* Where the fingers go. */
#define TL_X  10
#define TL_Y  10
#define TR_X  (W - 10)
#define TR_Y  10
#define MID_X (W / 2)
#define MID_Y (H / 2)

static const char *stored_hash(void)
{
    static char hash[HL_PIN_HASH_MAX];
    if (!hash[0]) {
        hl_fakesys_t fs;
        hl_fakesys_init(&fs, UTC0, true, 42);
        hl_sys_t sys = hl_fakesys_sys(&fs);
        hl_err_t err = {0};
        if (hl_pin_hash(GOOD, HL_PIN_ITER_MIN, &sys, hash, &err) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "hash: %s", err.msg);
    }
    return hash;
}

static hl_tech_gesture_t touch(hl_tech_t *t, bool down, int x, int y, int64_t now)
{
    return hl_tech_gesture(t, down, x, y, W, H, ZONE, now);
}

/* A down and an up at x, y: what the up gave (the down must give `down_want`). */
static hl_tech_gesture_t tap_at(hl_tech_t *t, int x, int y, int64_t now,
                                hl_tech_gesture_t down_want, int line)
{
    hl_tech_gesture_t g = touch(t, true, x, y, now);
    if (g != down_want)
        hl_test_fail(__FILE__, line, "down at %d,%d gave %d, expected %d", x, y, (int)g,
                     (int)down_want);
    return touch(t, false, x, y, now + 50);
}

/* The whole gesture from `at`: hold 3 s, then three taps; returns the time
 * after it. */
static int64_t do_gesture(hl_tech_t *t, int64_t at)
{
    CHECK_INT(touch(t, true, TL_X, TL_Y, at), HL_TECH_PASS);
    CHECK_INT(touch(t, false, TL_X, TL_Y, at + HL_TECH_HOLD_MS), HL_TECH_SWALLOW);
    int64_t now = at + HL_TECH_HOLD_MS + 200;
    CHECK_INT(tap_at(t, TR_X, TR_Y, now, HL_TECH_SWALLOW, __LINE__), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(t, TR_X, TR_Y, now + 300, HL_TECH_SWALLOW, __LINE__), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(t, TR_X, TR_Y, now + 600, HL_TECH_SWALLOW, __LINE__), HL_TECH_OPEN);
    CHECK_INT(t->mode, HL_TECH_PIN);
    return now + 650;
}

static int64_t open_menu(hl_tech_t *t, int64_t at);

/* A fresh technician state with n_officers on duty lists, on the PIN pad
 * (the gesture made at 0); returns the time after it. */
static int64_t at_pin_pad(hl_tech_t *t, int n_officers)
{
    hl_tech_init(t, NULL, n_officers);
    return do_gesture(t, 0);
}

/* The same, in the menu (opened with the right PIN at 0). */
static int64_t in_menu(hl_tech_t *t, int n_officers)
{
    hl_tech_init(t, NULL, n_officers);
    return open_menu(t, 0);
}

static hl_tech_event_t enter(hl_tech_t *t, const char *pin, int64_t now)
{
    for (const char *p = pin; *p; p++) {
        char id[8] = "pin:";
        id[4] = *p;
        id[5] = '\0';
        CHECK_INT(hl_tech_tap(t, id, stored_hash(), now, UTC0 + now), HL_TECH_EV_NONE);
    }
    return hl_tech_tap(t, "pin:ok", stored_hash(), now, UTC0 + now);
}

static bool all_zero(const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i]) return false;
    return true;
}

/* ---- Gesture ----------------------------------------------------------------- */

static void test_full_gesture_opens_the_pin_pad(void)
{
    hl_tech_t t;
    hl_tech_init(&t, NULL, 0);
    CHECK_INT(t.mode, HL_TECH_OFF);
    CHECK_INT(hl_tech_timeout(&t, 1000), -1);
    do_gesture(&t, 1000);
    CHECK_INT(t.mode, HL_TECH_PIN);
    CHECK_INT(t.msg, HL_TECH_MSG_NONE);
    CHECK_INT(t.n_entry, 0);
    CHECK_INT(t.armed_until_ms, -1);
    CHECK_INT(t.hold_since_ms, -1);
    /* Touches while the pad shows are not the gesture's. */
    CHECK_INT(touch(&t, true, TR_X, TR_Y, 9000), HL_TECH_PASS);
}

static void test_hold_of_2900_ms_does_not_arm(void)
{
    hl_tech_t t;
    hl_tech_init(&t, NULL, 0);
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 0), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, TL_Y, 2900), HL_TECH_PASS);
    CHECK_INT(t.armed_until_ms, -1);
    for (int i = 0; i < 3; i++)
        CHECK_INT(tap_at(&t, TR_X, TR_Y, 3000 + i * 300, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(t.mode, HL_TECH_OFF);
    CHECK_INT(hl_tech_timeout(&t, 4000), -1);
}

static void test_hold_released_outside_the_corner_does_not_arm(void)
{
    hl_tech_t t;
    hl_tech_init(&t, NULL, 0);
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 0), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, MID_X, MID_Y, 3500), HL_TECH_PASS);
    CHECK_INT(t.armed_until_ms, -1);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 3600, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
}

static void test_taps_after_the_window_do_not_open(void)
{
    hl_tech_t t;
    hl_tech_init(&t, NULL, 0);
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 0), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, TL_Y, 3000), HL_TECH_SWALLOW);
    CHECK_INT(t.armed_until_ms, 3000 + HL_TECH_TAPS_MS);
    /* 3.1 s after the arming: the window is over, the corner is the survey's again. */
    for (int i = 0; i < 3; i++)
        CHECK_INT(tap_at(&t, TR_X, TR_Y, 6100 + i * 200, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(t.mode, HL_TECH_OFF);

    /* Two taps in time and the third too late do not open either. */
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 10000), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, TL_Y, 13000), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 13500, HL_TECH_SWALLOW, __LINE__), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 14000, HL_TECH_SWALLOW, __LINE__), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 16000, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(t.mode, HL_TECH_OFF);
}

static void test_touches_elsewhere_reset_the_gesture(void)
{
    hl_tech_t t;
    hl_tech_init(&t, NULL, 0);
    /* Armed, two taps, then a touch in the middle: it starts over. */
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 0), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, TL_Y, 3000), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 3200, HL_TECH_SWALLOW, __LINE__), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 3400, HL_TECH_SWALLOW, __LINE__), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(&t, MID_X, MID_Y, 3600, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(t.taps, 0);
    CHECK_INT(t.armed_until_ms, -1);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 3800, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(t.mode, HL_TECH_OFF);

    /* A touch elsewhere during the hold (a second finger) forgets the hold. */
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 10000), HL_TECH_PASS);
    CHECK_INT(touch(&t, true, MID_X, MID_Y, 11000), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, TL_Y, 13500), HL_TECH_PASS);
    CHECK_INT(t.armed_until_ms, -1);

    /* The bottom-left and bottom-right corners are not the squares. */
    CHECK_INT(touch(&t, true, TL_X, H - 10, 20000), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, H - 10, 23500), HL_TECH_PASS);
    CHECK_INT(t.armed_until_ms, -1);

    /* hl_tech_gesture_reset (someone started answering) forgets an armed gesture. */
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 30000), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, TL_Y, 33000), HL_TECH_SWALLOW);
    hl_tech_gesture_reset(&t);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 33200, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
}

static void test_top_right_touches_are_swallowed_only_while_armed(void)
{
    hl_tech_t t;
    hl_tech_init(&t, NULL, 0);
    /* Not armed: the language button gets them. */
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 0, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 1000), HL_TECH_PASS);
    /* Holding (not yet armed): still the survey's. */
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 2000, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(touch(&t, true, TL_X, TL_Y, 5000), HL_TECH_PASS);
    CHECK_INT(touch(&t, false, TL_X, TL_Y, 8000), HL_TECH_SWALLOW);
    CHECK_INT(hl_tech_timeout(&t, 8000), HL_TECH_TAPS_MS);
    CHECK_INT(hl_tech_timeout(&t, 9000), HL_TECH_TAPS_MS - 1000);
    /* Armed: swallowed, a stray up included. */
    CHECK_INT(touch(&t, false, TR_X, TR_Y, 8100), HL_TECH_SWALLOW);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 8200, HL_TECH_SWALLOW, __LINE__), HL_TECH_SWALLOW);
    /* The window ends on a tick: the corner is the survey's again. */
    CHECK_INT(hl_tech_tick(&t, 10999), HL_TECH_EV_NONE);
    CHECK(t.armed_until_ms >= 0);
    CHECK_INT(hl_tech_timeout(&t, 11000), 0);
    CHECK_INT(hl_tech_tick(&t, 11000), HL_TECH_EV_NONE);
    CHECK_INT(t.armed_until_ms, -1);
    CHECK_INT(hl_tech_timeout(&t, 11000), -1);
    CHECK_INT(tap_at(&t, TR_X, TR_Y, 11100, HL_TECH_PASS, __LINE__), HL_TECH_PASS);
    CHECK_INT(t.mode, HL_TECH_OFF);
}

/* ---- PIN pad --------------------------------------------------------------------- */

static void test_right_pin_opens_the_menu_and_wipes_the_entry(void)
{
    hl_tech_t t;
    int64_t now = at_pin_pad(&t, 3);
    CHECK_INT(hl_tech_tap(&t, "pin:1", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.n_entry, 1);
    CHECK_STR(t.entry, "1");
    CHECK_INT(hl_tech_tap(&t, "pin:del", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.n_entry, 0);
    CHECK_INT(enter(&t, GOOD, now + 1000), HL_TECH_EV_PIN_OK);
    CHECK_INT(t.mode, HL_TECH_MENU);
    CHECK_INT(t.page, HL_TECH_STATUS);
    CHECK_INT(t.period, HL_PERIOD_TODAY);
    CHECK_INT(t.filter, -1);
    CHECK_INT(t.msg, HL_TECH_MSG_NONE);
    CHECK_INT(t.n_entry, 0);
    CHECK(all_zero(t.entry, sizeof t.entry));
}

static void test_pin_entry_keys(void)
{
    hl_tech_t t;
    int64_t now = at_pin_pad(&t, 0);
    /* At most 12 digits are kept. */
    for (int i = 0; i < HL_PIN_MAX_DIGITS + 3; i++)
        CHECK_INT(hl_tech_tap(&t, "pin:7", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.n_entry, HL_PIN_MAX_DIGITS);
    CHECK_STR(t.entry, "777777777777");
    CHECK_INT(hl_tech_tap(&t, "pin:del", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.n_entry, HL_PIN_MAX_DIGITS - 1);
    /* Not pad keys. */
    CHECK_INT(hl_tech_tap(&t, "pin:x", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(hl_tech_tap(&t, "pin:12", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(hl_tech_tap(&t, "tech:close", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.n_entry, HL_PIN_MAX_DIGITS - 1);
    CHECK_INT(t.mode, HL_TECH_PIN);
    /* ok with nothing typed is not a try. */
    for (int i = 0; i < HL_PIN_MAX_DIGITS; i++)
        hl_tech_tap(&t, "pin:del", stored_hash(), now, UTC0);
    CHECK_INT(t.n_entry, 0);
    CHECK_INT(hl_tech_tap(&t, "pin:ok", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.lock.failures, 0);
    /* cancel closes and forgets the digits. */
    hl_tech_tap(&t, "pin:3", stored_hash(), now, UTC0);
    CHECK_INT(hl_tech_tap(&t, "pin:cancel", stored_hash(), now, UTC0), HL_TECH_EV_CLOSED);
    CHECK_INT(t.mode, HL_TECH_OFF);
    CHECK_INT(t.n_entry, 0);
    CHECK(all_zero(t.entry, sizeof t.entry));
    /* Taps while closed do nothing. */
    CHECK_INT(hl_tech_tap(&t, "pin:ok", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(hl_tech_tap(&t, "tech:page:results", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.mode, HL_TECH_OFF);
}

static void test_no_pin_set_never_opens(void)
{
    hl_tech_t t;
    int64_t now = at_pin_pad(&t, 0);
    for (int i = 0; i < 6; i++)
        hl_tech_tap(&t, "pin:1", "", now, UTC0);
    CHECK_INT(hl_tech_tap(&t, "pin:ok", "", now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.msg, HL_TECH_MSG_NO_PIN);
    CHECK_INT(t.mode, HL_TECH_PIN);
    CHECK_INT(t.n_entry, 0);
    CHECK_INT(t.lock.failures, 0);
    hl_tech_tap(&t, "pin:1", NULL, now, UTC0);
    CHECK_INT(hl_tech_tap(&t, "pin:ok", NULL, now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.msg, HL_TECH_MSG_NO_PIN);
    CHECK_INT(t.mode, HL_TECH_PIN);
}

static void test_wrong_pins_lock_out_then_refuse_then_open_after_the_lockout(void)
{
    hl_tech_t t;
    int64_t now = at_pin_pad(&t, 0);
    for (int i = 1; i < HL_PIN_TRIES; i++) {
        CHECK_INT(enter(&t, WRONG, now), HL_TECH_EV_PIN_WRONG);
        CHECK_INT(t.msg, HL_TECH_MSG_WRONG);
        CHECK_INT(t.tries_left, HL_PIN_TRIES - i);
        CHECK_INT(t.n_entry, 0);
        CHECK(all_zero(t.entry, sizeof t.entry));
        CHECK_INT(t.mode, HL_TECH_PIN);
        now += 1000;
    }
    /* Typing again clears the message. */
    hl_tech_tap(&t, "pin:1", stored_hash(), now, UTC0 + now);
    CHECK_INT(t.msg, HL_TECH_MSG_NONE);
    hl_tech_tap(&t, "pin:del", stored_hash(), now, UTC0 + now);
    CHECK_INT(enter(&t, WRONG, now), HL_TECH_EV_LOCKED);
    int64_t locked_at = now;
    CHECK_INT(t.msg, HL_TECH_MSG_LOCKED);
    CHECK_INT(t.lock.lockouts, 1);
    CHECK_INT(t.lock.locked_at_utc_ms, UTC0 + now);
    CHECK_INT(hl_pin_lock_left(&t.lock, now), HL_PIN_LOCK_MS);

    /* Locked: even the right PIN is refused without a check, and not counted. */
    now += 10000;
    CHECK_INT(enter(&t, GOOD, now), HL_TECH_EV_REFUSED);
    CHECK_INT(t.mode, HL_TECH_PIN);
    CHECK_INT(t.msg, HL_TECH_MSG_LOCKED);
    CHECK_INT(t.lock.lockouts, 1);
    CHECK_INT(t.lock.failures, HL_PIN_TRIES);
    CHECK_INT(t.n_entry, 0);
    CHECK_INT(hl_tech_tap(&t, "pin:ok", stored_hash(), now, UTC0 + now), HL_TECH_EV_REFUSED);

    /* The pad closes when idle; reopened while still locked, it says so. */
    CHECK_INT(hl_tech_tick(&t, now + HL_TECH_PIN_IDLE_MS), HL_TECH_EV_CLOSED);
    now = do_gesture(&t, now + HL_TECH_PIN_IDLE_MS + 1000);
    CHECK_INT(t.msg, HL_TECH_MSG_LOCKED);
    CHECK_INT(enter(&t, GOOD, now), HL_TECH_EV_REFUSED);
    hl_tech_close(&t);

    /* After the lockout the right PIN opens the menu. */
    now = do_gesture(&t, locked_at + HL_PIN_LOCK_MS);
    CHECK_INT(t.msg, HL_TECH_MSG_NONE);
    CHECK_INT(enter(&t, GOOD, now), HL_TECH_EV_PIN_OK);
    CHECK_INT(t.mode, HL_TECH_MENU);
    CHECK_INT(t.lock.failures, 0);
    CHECK_INT(t.lock.lockouts, 0);
    CHECK_INT(hl_pin_lock_left(&t.lock, now), 0);
}

static void test_wrong_pin_after_a_lockout_counts_from_zero_and_the_next_lockout_doubles(void)
{
    hl_tech_t t;
    int64_t now = at_pin_pad(&t, 0);
    for (int i = 0; i < HL_PIN_TRIES; i++)
        enter(&t, WRONG, now);
    CHECK_INT(t.msg, HL_TECH_MSG_LOCKED);
    /* The notice goes on the tick after the lockout's end. */
    hl_tech_tap(&t, "pin:del", stored_hash(), now + HL_PIN_LOCK_MS - 20000, UTC0);
    CHECK_INT(hl_tech_tick(&t, now + HL_PIN_LOCK_MS - 1), HL_TECH_EV_NONE);
    CHECK_INT(t.msg, HL_TECH_MSG_LOCKED);
    CHECK_INT(hl_tech_timeout(&t, now + HL_PIN_LOCK_MS - 1), 1);
    CHECK_INT(hl_tech_tick(&t, now + HL_PIN_LOCK_MS), HL_TECH_EV_NONE);
    CHECK_INT(t.msg, HL_TECH_MSG_NONE);
    now += HL_PIN_LOCK_MS;
    CHECK_INT(enter(&t, WRONG, now), HL_TECH_EV_PIN_WRONG);
    CHECK_INT(t.tries_left, HL_PIN_TRIES - 1);
    for (int i = 1; i < HL_PIN_TRIES - 1; i++)
        CHECK_INT(enter(&t, WRONG, now), HL_TECH_EV_PIN_WRONG);
    CHECK_INT(enter(&t, WRONG, now), HL_TECH_EV_LOCKED);
    CHECK_INT(hl_pin_lock_left(&t.lock, now), 2 * HL_PIN_LOCK_MS);
}

static void test_restored_lockout_shows_when_the_pad_opens(void)
{
    hl_pin_lock_t l;
    hl_pin_lock_init(&l);
    for (int i = 0; i < HL_PIN_TRIES; i++)
        hl_pin_lock_fail(&l, 0, UTC0);
    hl_tech_t t;
    hl_tech_init(&t, &l, 0);
    CHECK_INT(t.lock.lockouts, 1);
    int64_t now = do_gesture(&t, 1000);
    CHECK_INT(t.msg, HL_TECH_MSG_LOCKED);
    CHECK_INT(enter(&t, GOOD, now), HL_TECH_EV_REFUSED);
    /* Digits are not taken while locked. */
    CHECK_INT(hl_tech_tap(&t, "pin:1", stored_hash(), now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.n_entry, 0);
}

/* ---- Menu --------------------------------------------------------------------- */

static int64_t open_menu(hl_tech_t *t, int64_t at)
{
    int64_t now = do_gesture(t, at);
    CHECK_INT(enter(t, GOOD, now), HL_TECH_EV_PIN_OK);
    return now;
}

static void test_menu_pages_periods_and_filter(void)
{
    hl_tech_t t;
    int64_t now = in_menu(&t, 2);
    const char *h = stored_hash();
    static const struct {
        const char *id;
        hl_tech_page_t page;
    } pages[] = {{"tech:page:results", HL_TECH_RESULTS},   {"tech:page:officer", HL_TECH_OFFICER},
                 {"tech:page:survey", HL_TECH_SURVEY},     {"tech:page:transfer", HL_TECH_TRANSFER},
                 {"tech:page:settings", HL_TECH_SETTINGS}, {"tech:page:status", HL_TECH_STATUS}};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        CHECK_INT(hl_tech_tap(&t, pages[i].id, h, now, UTC0), HL_TECH_EV_PAGE);
        CHECK_INT(t.page, pages[i].page);
    }
    CHECK_INT(hl_tech_tap(&t, "tech:page:nope", h, now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.page, HL_TECH_STATUS);
    hl_tech_tap(&t, "tech:page:results", h, now, UTC0);

    CHECK_INT(hl_tech_tap(&t, "tech:period:week", h, now, UTC0), HL_TECH_EV_PAGE);
    CHECK_INT(t.period, HL_PERIOD_WEEK);
    CHECK_INT(hl_tech_tap(&t, "tech:period:all", h, now, UTC0), HL_TECH_EV_PAGE);
    CHECK_INT(t.period, HL_PERIOD_ALL);
    CHECK_INT(hl_tech_tap(&t, "tech:period:today", h, now, UTC0), HL_TECH_EV_PAGE);
    CHECK_INT(t.period, HL_PERIOD_TODAY);
    CHECK_INT(hl_tech_tap(&t, "tech:period:year", h, now, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.period, HL_PERIOD_TODAY);

    /* all, officer 0, officer 1, all, ... and back. */
    const int next[] = {0, 1, -1, 0};
    for (int i = 0; i < 4; i++) {
        CHECK_INT(hl_tech_tap(&t, "tech:filter:next", h, now, UTC0), HL_TECH_EV_PAGE);
        CHECK_INT(t.filter, next[i]);
    }
    const int prev[] = {-1, 1, 0, -1};
    for (int i = 0; i < 4; i++) {
        CHECK_INT(hl_tech_tap(&t, "tech:filter:prev", h, now, UTC0), HL_TECH_EV_PAGE);
        CHECK_INT(t.filter, prev[i]);
    }

    /* Actions are the kiosk's: nothing changes but the idle clock. */
    CHECK_INT(hl_tech_tap(&t, "tech:export", h, now + 5000, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(hl_tech_tap(&t, "tech:duty:nva", h, now + 5000, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(hl_tech_tap(&t, "pin:ok", h, now + 5000, UTC0), HL_TECH_EV_NONE);
    CHECK_INT(t.page, HL_TECH_RESULTS);
    CHECK_INT(t.last_touch_ms, now + 5000);

    CHECK_INT(hl_tech_tap(&t, "tech:close", h, now, UTC0), HL_TECH_EV_CLOSED);
    CHECK_INT(t.mode, HL_TECH_OFF);

    /* Opening again starts on the status page, today, everybody. */
    now = open_menu(&t, now + 10000);
    CHECK_INT(t.page, HL_TECH_STATUS);
    CHECK_INT(t.filter, -1);
    CHECK_INT(t.period, HL_PERIOD_TODAY);
}

static void test_filter_without_officers_stays_on_everybody(void)
{
    hl_tech_t t;
    int64_t now = in_menu(&t, 0);
    CHECK_INT(hl_tech_tap(&t, "tech:filter:next", stored_hash(), now, UTC0), HL_TECH_EV_PAGE);
    CHECK_INT(t.filter, -1);
    CHECK_INT(hl_tech_tap(&t, "tech:filter:prev", stored_hash(), now, UTC0), HL_TECH_EV_PAGE);
    CHECK_INT(t.filter, -1);
}

/* ---- Idle close and timeouts ------------------------------------------------------ */

static void test_pin_pad_closes_after_30_s_without_a_touch(void)
{
    hl_tech_t t;
    int64_t now = at_pin_pad(&t, 0);
    CHECK_INT(hl_tech_timeout(&t, now), HL_TECH_PIN_IDLE_MS);
    hl_tech_tap(&t, "pin:4", stored_hash(), now + 10000, UTC0);
    CHECK_INT(hl_tech_timeout(&t, now + 15000), HL_TECH_PIN_IDLE_MS - 5000);
    CHECK_INT(hl_tech_tick(&t, now + 10000 + HL_TECH_PIN_IDLE_MS - 1), HL_TECH_EV_NONE);
    CHECK_INT(t.mode, HL_TECH_PIN);
    CHECK_INT(hl_tech_tick(&t, now + 10000 + HL_TECH_PIN_IDLE_MS), HL_TECH_EV_CLOSED);
    CHECK_INT(t.mode, HL_TECH_OFF);
    CHECK_INT(t.n_entry, 0);
    CHECK(all_zero(t.entry, sizeof t.entry));
    CHECK_INT(hl_tech_timeout(&t, now + 10000 + HL_TECH_PIN_IDLE_MS), -1);
}

static void test_menu_closes_after_two_minutes_without_a_touch(void)
{
    hl_tech_t t;
    int64_t now = in_menu(&t, 0);
    CHECK_INT(hl_tech_timeout(&t, now), HL_TECH_IDLE_MS);
    /* 30 s without a touch is fine in the menu. */
    CHECK_INT(hl_tech_tick(&t, now + HL_TECH_PIN_IDLE_MS), HL_TECH_EV_NONE);
    CHECK_INT(t.mode, HL_TECH_MENU);
    hl_tech_tap(&t, "tech:page:results", stored_hash(), now + 60000, UTC0);
    CHECK_INT(hl_tech_timeout(&t, now + 60000), HL_TECH_IDLE_MS);
    CHECK_INT(hl_tech_tick(&t, now + HL_TECH_IDLE_MS), HL_TECH_EV_NONE);
    CHECK_INT(hl_tech_tick(&t, now + 60000 + HL_TECH_IDLE_MS - 1), HL_TECH_EV_NONE);
    CHECK_INT(hl_tech_timeout(&t, now + 60000 + HL_TECH_IDLE_MS - 1), 1);
    CHECK_INT(hl_tech_tick(&t, now + 60000 + HL_TECH_IDLE_MS), HL_TECH_EV_CLOSED);
    CHECK_INT(t.mode, HL_TECH_OFF);
    CHECK_INT(hl_tech_timeout(&t, now + 60000 + HL_TECH_IDLE_MS), -1);
    /* A late tick past the deadline gives 0, never a negative wait. */
    now = open_menu(&t, now + 200000);
    CHECK_INT(hl_tech_timeout(&t, now + HL_TECH_IDLE_MS + 5000), 0);
}

static void test_lockout_notice_ticks_every_whole_second(void)
{
    hl_tech_t t;
    int64_t now = at_pin_pad(&t, 0);
    for (int i = 0; i < HL_PIN_TRIES; i++)
        enter(&t, WRONG, now);
    CHECK_INT(t.msg, HL_TECH_MSG_LOCKED);
    CHECK_INT(hl_tech_timeout(&t, now), 1000);
    CHECK_INT(hl_tech_timeout(&t, now + 250), 750);
    CHECK_INT(hl_tech_timeout(&t, now + 1000), 1000);
    CHECK_INT(hl_tech_tick(&t, now + 1000), HL_TECH_EV_NONE);
    /* The idle close comes first when it is nearer than the next second. */
    hl_tech_tap(&t, "pin:del", stored_hash(), now + 20500, UTC0);
    CHECK_INT(hl_tech_timeout(&t, now + 20500 + HL_TECH_PIN_IDLE_MS - 300), 300);
    CHECK_INT(hl_tech_timeout(&t, now + 20500 + HL_TECH_PIN_IDLE_MS - 900), 400);
    /* Without the notice (a wrong PIN, no lockout) only the idle close. */
    hl_tech_t u;
    hl_tech_init(&u, NULL, 0);
    now = do_gesture(&u, 0);
    CHECK_INT(enter(&u, WRONG, now), HL_TECH_EV_PIN_WRONG);
    CHECK_INT(hl_tech_timeout(&u, now + 250), HL_TECH_PIN_IDLE_MS - 250);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_full_gesture_opens_the_pin_pad),
    HL_TEST(test_hold_of_2900_ms_does_not_arm),
    HL_TEST(test_hold_released_outside_the_corner_does_not_arm),
    HL_TEST(test_taps_after_the_window_do_not_open),
    HL_TEST(test_touches_elsewhere_reset_the_gesture),
    HL_TEST(test_top_right_touches_are_swallowed_only_while_armed),
    HL_TEST(test_right_pin_opens_the_menu_and_wipes_the_entry),
    HL_TEST(test_pin_entry_keys),
    HL_TEST(test_no_pin_set_never_opens),
    HL_TEST(test_wrong_pins_lock_out_then_refuse_then_open_after_the_lockout),
    HL_TEST(test_wrong_pin_after_a_lockout_counts_from_zero_and_the_next_lockout_doubles),
    HL_TEST(test_restored_lockout_shows_when_the_pad_opens),
    HL_TEST(test_menu_pages_periods_and_filter),
    HL_TEST(test_filter_without_officers_stays_on_everybody),
    HL_TEST(test_pin_pad_closes_after_30_s_without_a_touch),
    HL_TEST(test_menu_closes_after_two_minutes_without_a_touch),
    HL_TEST(test_lockout_notice_ticks_every_whole_second),
};

HL_TEST_MAIN(tests)
