/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_min5.c: the min-5 rule with differencing (firmware/model/hl_min5.c):
 * a breakdown's small parts hidden and, while subtraction would tell 1..4
 * hidden responses, the smallest shown part hidden too; nested figures
 * shown together only when their difference is 0 or at least 5. Each case
 * also checks the property itself: whatever is shown, the whole less the
 * parts shown is 0 or at least 5.
 */
#include "hl_min5.h"
#include "hl_test.h"

#include <stdlib.h>

/* The property every result must have: nothing shown when the whole is
 * hidden; no shown part below 5; the unshown remainder 0 or >= 5. */
static void check_safe(int64_t total, const int64_t *n, size_t k, const bool *shown, bool whole)
{
    int64_t sum = 0;
    for (size_t i = 0; i < k; i++) {
        if (!shown[i]) continue;
        CHECK(whole);
        CHECK(n[i] >= HL_MIN5);
        sum += n[i];
    }
    if (whole) CHECK(total - sum == 0 || total - sum >= HL_MIN5);
}

static void test_parts_of_five_or_more_are_shown_when_nothing_small_is_left(void)
{
    int64_t n[] = {8, 6, 5};
    bool shown[3];
    CHECK(hl_min5_parts(19, n, 3, shown));
    CHECK(shown[0] && shown[1] && shown[2]);
    check_safe(19, n, 3, shown, true);
}

static void test_a_lone_small_part_hides_the_smallest_shown_one_too(void)
{
    int64_t n[] = {8, 6, 3}; /* 17 - 8 - 6 would be the 3 */
    bool shown[3];
    CHECK(hl_min5_parts(17, n, 3, shown));
    CHECK(shown[0]);
    CHECK(!shown[1]);
    CHECK(!shown[2]);
    check_safe(17, n, 3, shown, true);
}

static void test_small_parts_adding_to_five_need_no_more_hiding(void)
{
    int64_t n[] = {9, 2, 3}; /* hidden 5: cannot be split by subtraction */
    bool shown[3];
    CHECK(hl_min5_parts(14, n, 3, shown));
    CHECK(shown[0] && !shown[1] && !shown[2]);
}

static void test_responses_without_a_part_count_as_hidden(void)
{
    int64_t n[] = {8, 7}; /* 17: 2 responses had no officer */
    bool shown[2];
    CHECK(hl_min5_parts(17, n, 2, shown));
    CHECK(shown[0] && !shown[1]); /* 17 - 8 - 7 = 2: hide the 7, then 9 hidden */
    check_safe(17, n, 2, shown, true);
    int64_t m[] = {12}; /* one officer of 12, and 3 without */
    CHECK(hl_min5_parts(15, m, 1, shown));
    CHECK(!shown[0]); /* the whole shown, the officer not: 15 - 12 = 3 */
}

static void test_a_whole_below_five_shows_nothing(void)
{
    int64_t n[] = {4};
    bool shown[1] = {true};
    CHECK(!hl_min5_parts(4, n, 1, shown));
    CHECK(!shown[0]);
    CHECK(!hl_min5_parts(0, NULL, 0, NULL));
    CHECK(hl_min5_parts(5, NULL, 0, NULL));
}

static void test_ties_hide_the_last_of_the_smallest(void)
{
    int64_t n[] = {6, 6, 2};
    bool shown[3];
    CHECK(hl_min5_parts(14, n, 3, shown));
    CHECK(shown[0] && !shown[1] && !shown[2]);
}

static void test_random_breakdowns_never_let_subtraction_tell_a_few(void)
{
    unsigned seed = 19;
    for (int round = 0; round < 20000; round++) {
        size_t k = (size_t)(rand_r(&seed) % 9);
        int64_t n[8], total = 0;
        bool shown[8];
        for (size_t i = 0; i < k; i++) {
            n[i] = rand_r(&seed) % 12;
            total += n[i];
        }
        total += rand_r(&seed) % 4; /* some without a part */
        bool whole = hl_min5_parts(total, n, k, shown);
        CHECK(whole == (total >= HL_MIN5));
        check_safe(total, n, k, shown, whole);
    }
}

static void test_nested_figures_show_together_when_they_differ_by_zero_or_five(void)
{
    CHECK(hl_min5_nested(6, 6));
    CHECK(hl_min5_nested(6, 11));
    CHECK(!hl_min5_nested(6, 10));
    CHECK(!hl_min5_nested(6, 7));
    CHECK(!hl_min5_nested(4, 20)); /* the inner one is not enough alone */
    CHECK(!hl_min5_nested(7, 6));  /* not nested */
    CHECK(hl_min5_enough(5));
    CHECK(!hl_min5_enough(4));
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_parts_of_five_or_more_are_shown_when_nothing_small_is_left),
    HL_TEST(test_a_lone_small_part_hides_the_smallest_shown_one_too),
    HL_TEST(test_small_parts_adding_to_five_need_no_more_hiding),
    HL_TEST(test_responses_without_a_part_count_as_hidden),
    HL_TEST(test_a_whole_below_five_shows_nothing),
    HL_TEST(test_ties_hide_the_last_of_the_smallest),
    HL_TEST(test_random_breakdowns_never_let_subtraction_tell_a_few),
    HL_TEST(test_nested_figures_show_together_when_they_differ_by_zero_or_five),
};

HL_TEST_MAIN(tests)
