/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_qtype.c: the question types' table (hl_qtype.h).
 */
#include "hl_qtype.h"

#include <string.h>

static const char *const yes_no[] = {"yes", "no"};

static const hl_qtype_info_t qtypes[HL_Q_TYPE_COUNT] = {
    [HL_Q_SMILEY] = {"smiley", true, 0, 0, NULL, true, true, HL_DRAFT_NONE, true},
    [HL_Q_STARS] = {"stars", false, 5, 1, NULL, true, true, HL_DRAFT_NONE, true},
    [HL_Q_CHOICE] = {"choice", true, 0, 0, NULL, true, false, HL_DRAFT_NONE, true},
    [HL_Q_MULTI] = {"multi", true, 0, 0, NULL, false, false, HL_DRAFT_SET, true},
    [HL_Q_NPS] = {"nps", false, 11, 0, NULL, true, true, HL_DRAFT_NONE, true},
    [HL_Q_YESNO] = {"yesno", false, 2, 0, yes_no, true, false, HL_DRAFT_NONE, true},
    [HL_Q_NUMBER] = {"number", false, 0, 0, NULL, false, true, HL_DRAFT_DIGITS, false},
};

static const hl_qtype_info_t unknown = {"?", false, 0, 0, NULL, false, false, HL_DRAFT_NONE, false};

/* "0".."10": the fixed items that are numbers. */
static const char *const numbers[11] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};

const hl_qtype_info_t *hl_qtype_info(hl_qtype_t t)
{
    return (t >= 0 && t < HL_Q_TYPE_COUNT) ? &qtypes[t] : &unknown;
}

int hl_question_n_items(const hl_question_t *q)
{
    const hl_qtype_info_t *t = hl_qtype_info(q->type);
    return t->options ? (int)q->n_options : t->n_fixed;
}

const char *hl_question_item_id(const hl_question_t *q, int i)
{
    const hl_qtype_info_t *t = hl_qtype_info(q->type);
    if (i < 0 || i >= hl_question_n_items(q)) return "";
    if (t->options) return q->options[i].id;
    if (t->words) return t->words[i];
    return numbers[t->first + i];
}

int hl_question_item_index(const hl_question_t *q, const char *v, size_t len)
{
    int n = hl_question_n_items(q);
    for (int i = 0; i < n; i++) {
        const char *id = hl_question_item_id(q, i);
        if (strlen(id) == len && memcmp(id, v, len) == 0) return i;
    }
    return -1;
}
