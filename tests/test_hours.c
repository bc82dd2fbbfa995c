/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_hours.c: opening hours (firmware/model/hl_hours.c): the config's
 * forms, every problem at its line and column, open or closed at the exact
 * minute of a boundary, a lunch break, day ranges and lists, the next
 * change across midnight and the weekend, and Viet Nam's +7 h offset.
 *
 * Times: 2026-11-23 is a Monday. With offset 0, local time is UTC.
 */
#include "hl_err.h"
#include "hl_hours.h"
#include "hl_hours_json.h"
#include "hl_test.h"

#include <stdlib.h>

#define MIN  60000LL
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define MON  1795392000000LL /* 2026-11-23T00:00:00Z, a Monday */
#define VN   (7 * HOUR)      /* Viet Nam: UTC+7, no daylight saving */

/* Local time on day d (0 = that Monday) at hh:mm, as UTC ms for offset tz. */
static int64_t at(int d, int hh, int mm, int64_t tz)
{
    return MON + d * DAY + hh * HOUR + mm * MIN - tz;
}

/* Parses an "opening_hours" list given as JSON text into h. Returns the
 * getter's result; problems into d. */
static int parse(const char *list, hl_hours_t *h, hl_diags_t *d)
{
    char text[4096];
    snprintf(text, sizeof text, "{\"display\": {\"opening_hours\": %s}}", list);
    hl_json_doc_t doc;
    int r = HL_JSON_BAD;
    hl_hours_clear(h);
    if (hl_json_doc_load_text(&doc, "hailong.json", text, strlen(text)) == HL_OK)
        r = hl_hours_get(&doc, json_object_get(doc.root, "display"), "display", "opening_hours", h);
    hl_json_doc_finish(&doc, d);
    hl_json_doc_free(&doc);
    return r;
}

/* The one-stop shop's week: Mon-Fri 07:30-11:30 and 13:30-17:00, Saturday
 * morning 07:30-11:30. */
#define ONE_STOP                                                                                   \
    "[{\"days\": \"mon-fri\", \"open\": \"07:30\", \"close\": \"11:30\"},"                         \
    " {\"days\": \"mon-fri\", \"open\": \"13:30\", \"close\": \"17:00\"},"                         \
    " {\"days\": \"sat\", \"open\": \"07:30\", \"close\": \"11:30\"}]"

/* Parses list expecting it valid: found, no problem. */
static void parse_ok(const char *list, hl_hours_t *h)
{
    hl_diags_t d = {0};
    CHECK_INT(parse(list, h, &d), HL_JSON_FOUND);
    EXPECT_COUNT(&d, 0);
    hl_diags_free(&d);
}

/* A list with one problem: the case's name, the list, and where and what. */
struct problem {
    const char *name, *list;
    int line, col;
    const char *path, *msg;
};

/* Parses c->list expecting exactly its one problem, nothing kept; a failure
 * names the case. */
static void expect_one(const struct problem *c)
{
    char where[200];
    snprintf(where, sizeof where, "%s, case \"%s\"", __FILE__, c->name);
    hl_hours_t h;
    hl_diags_t d = {0};
    int r = parse(c->list, &h, &d);
    if (r != HL_JSON_BAD || h.set || d.n != 1) {
        hl_test_fail(where, __LINE__, "parse gave %d, set %d, %zu problems; expected %d, 0, 1", r,
                     h.set, d.n, HL_JSON_BAD);
        hl_diags_print(&d, stderr);
    }
    hl_test_expect_diag(where, __LINE__, &d, 0, c->line, c->col, c->path, c->msg);
    hl_diags_free(&d);
}

/* ---- Forms -------------------------------------------------------------- */

static void test_without_opening_hours_the_kiosk_is_always_open(void)
{
    hl_hours_t h;
    hl_hours_clear(&h);
    CHECK(!h.set);
    CHECK(hl_hours_is_open(&h, at(6, 3, 0, 0), 0));
    CHECK_INT(hl_hours_next_change(&h, at(6, 3, 0, 0), 0), -1);
    char desc[HL_HOURS_DESC_MAX];
    hl_hours_describe(&h, at(0, 9, 0, 0), 0, desc, sizeof desc);
    CHECK_STR(desc, "always open");
    /* The getter leaves the key out as absent, with no problem. */
    hl_json_doc_t doc;
    hl_diags_t d = {0};
    CHECK_INT(hl_json_doc_load_text(&doc, "x.json", "{}", 2), HL_OK);
    CHECK_INT(hl_hours_get(&doc, doc.root, "display", "opening_hours", &h), HL_JSON_ABSENT);
    CHECK(!h.set);
    hl_json_doc_finish(&doc, &d);
    hl_json_doc_free(&doc);
    EXPECT_COUNT(&d, 0);
    hl_diags_free(&d);
}

static void test_days_take_single_days_ranges_and_lists(void)
{
    static const struct {
        const char *text;
        unsigned mask;
    } cases[] = {
        {"mon", 0x01},         {"sun", 0x40},         {"mon-fri", 0x1f},   {"mon,wed", 0x05},
        {"mon-wed,fri", 0x17}, {" Sat , SUN ", 0x60}, {"mon - sun", 0x7f}, {"tue-tue", 0x02},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned m = 0;
        char why[200] = "";
        bool ok = hl_hours_parse_days(cases[i].text, &m, why, sizeof why);
        if (!ok || m != cases[i].mask)
            hl_test_fail(__FILE__, __LINE__, "days \"%s\": %s, mask 0x%02x; expected 0x%02x %s",
                         cases[i].text, ok ? "read" : "refused", m, cases[i].mask, why);
    }
}

static void test_days_that_are_not_days_say_what_to_write(void)
{
    /* Each is refused with a reason that says says[0] and then says[1], if any. */
    static const struct {
        const char *text, *says[2];
    } cases[] = {
        {"mon-fry", {"\"fry\" is not a day", "did you mean \"fri\"?"}},
        {"monday", {"\"monday\" is not a day: use mon, tue, wed, thu, fri, sat, sun"}},
        {"", {"a day is missing"}},
        {"mon,,wed", {"a day is missing"}},
        {"mon-", {"a day is missing"}},
        {"sat-mon", {"\"sat-mon\" runs backwards", "write \"sat-sun,mon\""}},
        {"sun-tue", {"write \"sun,mon-tue\""}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned m = 0;
        char why[200] = "";
        if (hl_hours_parse_days(cases[i].text, &m, why, sizeof why))
            hl_test_fail(__FILE__, __LINE__, "days \"%s\" read as 0x%02x", cases[i].text, m);
        for (int k = 0; k < 2 && cases[i].says[k]; k++)
            if (!strstr(why, cases[i].says[k]))
                hl_test_fail(__FILE__, __LINE__, "days \"%s\": \"%s\" does not say \"%s\"",
                             cases[i].text, why, cases[i].says[k]);
    }
}

static void test_times_are_hh_mm_and_24_00_only_closes(void)
{
    /* minutes -1: refused. allow_24: read as a closing time. */
    static const struct {
        const char *text;
        bool allow_24;
        int minutes;
    } cases[] = {
        {"07:30", false, 450}, {"7:30", false, 450}, {"00:00", false, 0},   {"23:59", false, 1439},
        {"24:00", true, 1440}, {"24:00", false, -1}, {"24:01", true, -1},   {"25:00", true, -1},
        {"07:60", false, -1},  {"07:3", false, -1},  {"07:300", false, -1}, {"0730", false, -1},
        {"7h30", false, -1},   {"", false, -1},      {":30", false, -1},    {"007:30", false, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int m = -1;
        bool ok = hl_hours_parse_time(cases[i].text, cases[i].allow_24, &m);
        if (ok != (cases[i].minutes >= 0) || (ok && m != cases[i].minutes))
            hl_test_fail(__FILE__, __LINE__, "time \"%s\" (24:00 %s): %s %d, expected %d",
                         cases[i].text, cases[i].allow_24 ? "allowed" : "not allowed",
                         ok ? "read as" : "refused", m, cases[i].minutes);
    }
}

static void test_the_one_stop_week_parses_from_the_config_form(void)
{
    hl_hours_t h;
    parse_ok(ONE_STOP, &h);
    CHECK(h.set);
    CHECK(hl_hours_is_open(&h, at(0, 8, 0, 0), 0));   /* Monday morning */
    CHECK(hl_hours_is_open(&h, at(4, 16, 0, 0), 0));  /* Friday afternoon */
    CHECK(hl_hours_is_open(&h, at(5, 9, 0, 0), 0));   /* Saturday morning */
    CHECK(!hl_hours_is_open(&h, at(5, 14, 0, 0), 0)); /* Saturday afternoon */
    CHECK(!hl_hours_is_open(&h, at(6, 9, 0, 0), 0));  /* Sunday */
    CHECK(!hl_hours_is_open(&h, at(2, 3, 0, 0), 0));  /* Wednesday night */
}

static void test_overlapping_and_touching_ranges_merge(void)
{
    hl_hours_t h;
    parse_ok("[{\"days\": \"mon\", \"open\": \"07:00\", \"close\": \"12:00\"},"
             " {\"days\": \"mon\", \"open\": \"11:00\", \"close\": \"13:00\"},"
             " {\"days\": \"mon\", \"open\": \"13:00\", \"close\": \"17:00\"}]",
             &h);
    char desc[HL_HOURS_DESC_MAX];
    hl_hours_describe(&h, at(0, 10, 0, 0), 0, desc, sizeof desc);
    CHECK_STR(desc, "07:00\xe2\x80\x93"
                    "17:00");
    /* 13:00 is no change: the next one is 17:00. */
    CHECK_INT(hl_hours_next_change(&h, at(0, 12, 59, 0), 0), 4 * HOUR + MIN);
}

/* ---- Problems and their places ----------------------------------------- */

static void test_every_problem_is_reported_at_its_line_and_column(void)
{
    static const struct problem cases[] = {
        {"not a list", "\"mon-fri\"", 1, 31, "display.opening_hours", "must be a list such as"},
        {"an empty list", "[]", 1, 31, "display.opening_hours", "lists 0 ranges: give 1 to 32"},
        {"an entry that is a string", "[\"mon-fri 07:30-17:00\"]", 1, 32,
         "display.opening_hours[0]", "each opening-hours entry must be an object"},
        {"an unknown key in an entry",
         "[{\"days\": \"mon\", \"open\": \"07:30\", \"close\": \"17:00\", \"lunch\": 1}]", 1, 83,
         "display.opening_hours[0].lunch", "unknown key \"lunch\""},
        {"an entry without days", "[{\"open\": \"07:30\", \"close\": \"17:00\"}]", 1, 32,
         "display.opening_hours[0].days", "missing key \"days\""},
        {"a misspelt day", "[{\"days\": \"mon-fry\", \"open\": \"07:30\", \"close\": \"17:00\"}]",
         1, 41, "display.opening_hours[0].days", "\"days\": \"fry\" is not a day"},
        {"an opening time with a dot",
         "[{\"days\": \"mon\", \"open\": \"7.30\", \"close\": \"17:00\"}]", 1, 56,
         "display.opening_hours[0].open",
         "\"open\" must be a time HH:MM from 00:00 to 23:59 such as \"07:30\", not \"7.30\""},
        {"an opening time that is a number",
         "[{\"days\": \"mon\", \"open\": 730, \"close\": \"17:00\"}]", 1, 56,
         "display.opening_hours[0].open", "must be a string"},
        {"a closing time after 24:00",
         "[{\"days\": \"mon\", \"open\": \"07:30\", \"close\": \"24:30\"}]", 1, 74,
         "display.opening_hours[0].close", "from 00:01 to 24:00"},
        {"closing before opening",
         "[{\"days\": \"mon\", \"open\": \"17:00\", \"close\": \"07:30\"}]", 1, 74,
         "display.opening_hours[0].close", "\"close\" 07:30 is not after \"open\" 17:00"},
        {"closing as it opens", "[{\"days\": \"mon\", \"open\": \"08:00\", \"close\": \"08:00\"}]",
         1, 74, "display.opening_hours[0].close", "is not after"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_one(&cases[i]);
}

static void test_problems_in_several_entries_are_all_reported(void)
{
    hl_hours_t h;
    hl_diags_t d = {0};
    CHECK_INT(parse("[\n"
                    "  {\"days\": \"mon-fri\", \"open\": \"07:30\", \"close\": \"11:30\"},\n"
                    "  {\"days\": \"fri-mon\", \"open\": \"13:30\", \"close\": \"17:00\"},\n"
                    "  {\"days\": \"sat\", \"open\": \"07:30\", \"close\": \"11:70\"}\n"
                    "]",
                    &h, &d),
              HL_JSON_BAD);
    CHECK(!h.set); /* nothing half-parsed is kept */
    EXPECT_COUNT(&d, 2);
    EXPECT_DIAG(&d, 0, 3, 12, "display.opening_hours[1].days", "\"fri-mon\" runs backwards");
    EXPECT_DIAG(&d, 1, 4, 45, "display.opening_hours[2].close", "not \"11:70\"");
    hl_diags_free(&d);
    /* More than HL_HOURS_MAX entries. */
    char list[8192] = "[";
    for (int i = 0; i <= HL_HOURS_MAX; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list),
                 "%s{\"days\": \"mon\", \"open\": \"07:00\", \"close\": \"08:00\"}", i ? "," : "");
    strcat(list, "]");
    expect_one(&(struct problem){"more than HL_HOURS_MAX ranges", list, 1, 31,
                                 "display.opening_hours", "lists 33 ranges: give 1 to 32"});
}

/* ---- Open or closed, and the next change -------------------------------- */

static void test_open_from_07_30_exactly_and_closed_from_17_00_exactly(void)
{
    hl_hours_t h;
    parse_ok(ONE_STOP, &h);
    CHECK(!hl_hours_is_open(&h, at(1, 7, 30, 0) - 1, 0));
    CHECK(hl_hours_is_open(&h, at(1, 7, 30, 0), 0));
    CHECK(hl_hours_is_open(&h, at(1, 17, 0, 0) - 1, 0));
    CHECK(!hl_hours_is_open(&h, at(1, 17, 0, 0), 0));
    /* The next change from 07:29:59.999 is 1 ms away; from 07:30 it is 11:30. */
    CHECK_INT(hl_hours_next_change(&h, at(1, 7, 30, 0) - 1, 0), 1);
    CHECK_INT(hl_hours_next_change(&h, at(1, 7, 30, 0), 0), 4 * HOUR);
    CHECK_INT(hl_hours_next_change(&h, at(1, 7, 30, 0) + 1234, 0), 4 * HOUR - 1234);
}

static void test_the_lunch_break_is_closed_and_its_ends_are_changes(void)
{
    hl_hours_t h;
    parse_ok(ONE_STOP, &h);
    CHECK(hl_hours_is_open(&h, at(2, 11, 29, 0), 0));
    CHECK(!hl_hours_is_open(&h, at(2, 11, 30, 0), 0));
    CHECK(!hl_hours_is_open(&h, at(2, 13, 29, 0), 0));
    CHECK(hl_hours_is_open(&h, at(2, 13, 30, 0), 0));
    CHECK_INT(hl_hours_next_change(&h, at(2, 10, 0, 0), 0), 90 * MIN);
    CHECK_INT(hl_hours_next_change(&h, at(2, 12, 0, 0), 0), 90 * MIN);
    char desc[HL_HOURS_DESC_MAX];
    hl_hours_describe(&h, at(2, 12, 0, 0), 0, desc, sizeof desc);
    CHECK_STR(desc, "07:30\xe2\x80\x93"
                    "11:30, 13:30\xe2\x80\x93"
                    "17:00");
    hl_hours_describe(&h, at(5, 12, 0, 0), 0, desc, sizeof desc);
    CHECK_STR(desc, "07:30\xe2\x80\x93"
                    "11:30");
    hl_hours_describe(&h, at(6, 12, 0, 0), 0, desc, sizeof desc);
    CHECK_STR(desc, "closed today");
}

static void test_next_change_crosses_midnight_and_the_weekend(void)
{
    hl_hours_t h;
    parse_ok(ONE_STOP, &h);
    /* Monday 17:00 closes; the next opening is Tuesday 07:30. */
    CHECK_INT(hl_hours_next_change(&h, at(0, 17, 0, 0), 0), 14 * HOUR + 30 * MIN);
    CHECK_INT(hl_hours_next_change(&h, at(0, 23, 59, 0), 0), 7 * HOUR + 31 * MIN);
    /* Saturday 11:30 closes until Monday 07:30. */
    CHECK_INT(hl_hours_next_change(&h, at(5, 11, 30, 0), 0), 44 * HOUR);
    CHECK_INT(hl_hours_next_change(&h, at(6, 20, 0, 0), 0), 11 * HOUR + 30 * MIN);
    /* Friday 17:00 to Saturday 07:30. */
    CHECK_INT(hl_hours_next_change(&h, at(4, 17, 0, 0), 0), 14 * HOUR + 30 * MIN);
    /* Sunday night wraps into the next week's Monday. */
    CHECK_INT(hl_hours_next_change(&h, at(6, 23, 0, 0), 0), 8 * HOUR + 30 * MIN);
    /* A night open across midnight (22:00-24:00 and 00:00-06:00 the next day)
     * changes at 06:00, not at midnight. */
    hl_hours_t n;
    parse_ok("[{\"days\": \"sun\", \"open\": \"22:00\", \"close\": \"24:00\"},"
             " {\"days\": \"mon\", \"open\": \"00:00\", \"close\": \"06:00\"}]",
             &n);
    CHECK(hl_hours_is_open(&n, at(6, 23, 0, 0), 0));
    CHECK(hl_hours_is_open(&n, at(7, 0, 0, 0), 0)); /* next Monday 00:00 */
    CHECK_INT(hl_hours_next_change(&n, at(6, 23, 0, 0), 0), 7 * HOUR);
    /* Open every minute of the week: never a change. */
    hl_hours_t all;
    hl_hours_clear(&all);
    CHECK(hl_hours_add(&all, HL_HOURS_DAYS_ALL, 0, 1440));
    CHECK_INT(hl_hours_next_change(&all, at(3, 12, 0, 0), 0), -1);
    CHECK(hl_hours_is_open(&all, at(3, 12, 0, 0), 0));
}

static void test_add_refuses_numbers_out_of_range(void)
{
    hl_hours_t h;
    hl_hours_clear(&h);
    CHECK(!hl_hours_add(&h, 0x80, 0, 60));
    CHECK(!hl_hours_add(&h, 1, -1, 60));
    CHECK(!hl_hours_add(&h, 1, 60, 1441));
    CHECK(!hl_hours_add(&h, 1, 60, 60));
    CHECK(!h.set);
}

static void test_vietnam_local_time_is_utc_plus_seven_hours(void)
{
    hl_hours_t h;
    parse_ok(ONE_STOP, &h);
    /* Monday 07:30 in Ha Noi is Monday 00:30 UTC. */
    int64_t open_vn = MON + 30 * MIN;
    CHECK_INT(at(0, 7, 30, VN), open_vn);
    CHECK(!hl_hours_is_open(&h, open_vn - 1, VN));
    CHECK(hl_hours_is_open(&h, open_vn, VN));
    CHECK(!hl_hours_is_open(&h, open_vn, 0)); /* 00:30 in UTC itself: closed */
    /* Friday 17:00 local is 10:00 UTC. */
    CHECK(hl_hours_is_open(&h, MON + 4 * DAY + 10 * HOUR - 1, VN));
    CHECK(!hl_hours_is_open(&h, MON + 4 * DAY + 10 * HOUR, VN));
    /* Sunday 20:00 UTC is already Monday 03:00 in Viet Nam: opens in 4.5 h. */
    int64_t sun20 = MON + 6 * DAY + 20 * HOUR;
    CHECK_INT(hl_hours_next_change(&h, sun20, VN), 4 * HOUR + 30 * MIN);
    /* Saturday 04:00 UTC is 11:00 in Viet Nam: open, closing in 30 min. */
    int64_t sat04 = MON + 5 * DAY + 4 * HOUR;
    CHECK(hl_hours_is_open(&h, sat04, VN));
    CHECK_INT(hl_hours_next_change(&h, sat04, VN), 30 * MIN);
    char desc[HL_HOURS_DESC_MAX];
    hl_hours_describe(&h, sun20, VN, desc, sizeof desc); /* a Monday there */
    CHECK_STR(desc, "07:30\xe2\x80\x93"
                    "11:30, 13:30\xe2\x80\x93"
                    "17:00");
    /* Before 1970 and far ahead the arithmetic holds (no negative modulo). */
    CHECK(!hl_hours_is_open(&h, -DAY / 2, VN));
    CHECK(hl_hours_next_change(&h, -DAY / 2, VN) > 0);
}

static const hl_test_case_t table[] = {
    HL_TEST(test_without_opening_hours_the_kiosk_is_always_open),
    HL_TEST(test_days_take_single_days_ranges_and_lists),
    HL_TEST(test_days_that_are_not_days_say_what_to_write),
    HL_TEST(test_times_are_hh_mm_and_24_00_only_closes),
    HL_TEST(test_the_one_stop_week_parses_from_the_config_form),
    HL_TEST(test_overlapping_and_touching_ranges_merge),
    HL_TEST(test_every_problem_is_reported_at_its_line_and_column),
    HL_TEST(test_problems_in_several_entries_are_all_reported),
    HL_TEST(test_open_from_07_30_exactly_and_closed_from_17_00_exactly),
    HL_TEST(test_the_lunch_break_is_closed_and_its_ends_are_changes),
    HL_TEST(test_next_change_crosses_midnight_and_the_weekend),
    HL_TEST(test_add_refuses_numbers_out_of_range),
    HL_TEST(test_vietnam_local_time_is_utc_plus_seven_hours),
};

HL_TEST_MAIN(table)
