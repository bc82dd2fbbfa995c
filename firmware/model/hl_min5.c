/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_min5.c: the min-5 rule with differencing (hl_min5.h): a breakdown's
 * small parts hidden, and further parts hidden until what is hidden cannot
 * be told apart by subtraction; nested figures checked pairwise.
 */
#include "hl_min5.h"

bool hl_min5_enough(int64_t n)
{
    return n >= HL_MIN5;
}

bool hl_min5_nested(int64_t inner, int64_t outer)
{
    if (!hl_min5_enough(inner) || !hl_min5_enough(outer) || outer < inner) return false;
    return outer == inner || outer - inner >= HL_MIN5;
}

bool hl_min5_parts(int64_t total, const int64_t *n, size_t k, bool *shown)
{
    bool whole = hl_min5_enough(total);
    int64_t sum_shown = 0;
    for (size_t i = 0; i < k; i++) {
        shown[i] = whole && hl_min5_enough(n[i]);
        if (shown[i]) sum_shown += n[i];
    }
    if (!whole) return false;
    /* What a reader can work out by subtraction: the whole less the parts
     * shown. While that is 1..HL_MIN5-1 responses, hide one more part (the
     * smallest): the hidden remainder grows by at least HL_MIN5 each time. */
    for (;;) {
        int64_t hidden = total - sum_shown;
        if (hidden <= 0 || hidden >= HL_MIN5) break;
        size_t pick = k;
        for (size_t i = 0; i < k; i++)
            if (shown[i] && (pick == k || n[i] <= n[pick])) pick = i;
        if (pick == k) break; /* nothing left to hide: total < HL_MIN5 was ruled out above */
        shown[pick] = false;
        sum_shown -= n[pick];
    }
    return true;
}
