/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_min5.h: the min-5 rule, one rule for every screen, page, report and
 * workbook that shows a breakdown of responses (the technician's results,
 * the province's dashboard, `hailong report`).
 *
 * A figure computed from fewer than HL_MIN5 responses could tell who rated
 * what, so it is never shown. Nor is a figure whose difference from another
 * figure shown beside it (or one a reader can ask for) isolates fewer than
 * HL_MIN5 responses: a unit of 17 responses whose officers A (8) and B (6)
 * are shown tells officer C's 3 by subtraction. Two cases cover every view
 * here:
 *   - a breakdown: a whole (a unit-month) split into disjoint parts (its
 *     officers, counters, weeks, hours). hl_min5_parts hides each part of
 *     fewer than HL_MIN5, then, while the hidden parts (and the part of the
 *     whole that no part names: responses without an officer) add up to
 *     1..HL_MIN5-1 responses, also hides the smallest part still shown;
 *   - nested filters: a figure of a subset (today) beside one of its superset
 *     (this week). hl_min5_nested says whether both may be shown: their
 *     difference is 0 or at least HL_MIN5. When not, the caller hides the
 *     narrower one.
 * Counts of responses per part are figures too when the part's ratings are
 * shown; callers hide a hidden part's count and its ratings together.
 */
#ifndef HL_MIN5_H
#define HL_MIN5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_MIN5 5 /* fewer responses than this: a figure is not shown */

/* Whether a figure of n responses may be shown on its own (n >= HL_MIN5). */
bool hl_min5_enough(int64_t n);

/* A whole of `total` responses split into k disjoint parts of n[i]
 * responses (their sum may be less than total: the rest belongs to no
 * part, and counts as hidden). Sets shown[i] for each part that may be
 * shown and returns whether the whole may be (total >= HL_MIN5; when not,
 * no part is shown). Ties between parts to hide: the smallest count first,
 * then the last index. k may be 0. */
bool hl_min5_parts(int64_t total, const int64_t *n, size_t k, bool *shown);

/* Whether a figure of `inner` responses (a subset) and one of `outer` (its
 * superset, outer >= inner) may be shown together: both are enough, and
 * outer - inner is 0 or at least HL_MIN5. */
bool hl_min5_nested(int64_t inner, int64_t outer);

#endif
