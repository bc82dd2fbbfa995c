/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_qtype.c: the question types' table (hl_qtype.h), and what a text
 * answer may hold (the composer's rules: a text the keyboard could show).
 */
#include "hl_qtype.h"
#include "hl_compose.h"

#include <stdio.h>
#include <string.h>

static const char *const yes_no[] = {"yes", "no"};

static const hl_qtype_info_t qtypes[HL_Q_TYPE_COUNT] = {
    /* name options n_fixed first words auto scored draft charted answered words */
    [HL_Q_SMILEY] = {"smiley", true, 0, 0, NULL, true, true, HL_DRAFT_NONE, true, true, false},
    [HL_Q_STARS] = {"stars", false, 5, 1, NULL, true, true, HL_DRAFT_NONE, true, true, false},
    [HL_Q_CHOICE] = {"choice", true, 0, 0, NULL, true, false, HL_DRAFT_NONE, true, true, false},
    [HL_Q_MULTI] = {"multi", true, 0, 0, NULL, false, false, HL_DRAFT_SET, true, true, false},
    [HL_Q_NPS] = {"nps", false, 11, 0, NULL, true, true, HL_DRAFT_NONE, true, true, false},
    [HL_Q_YESNO] = {"yesno", false, 2, 0, yes_no, true, false, HL_DRAFT_NONE, true, true, false},
    [HL_Q_NUMBER] = {"number", false, 0, 0, NULL, false, true, HL_DRAFT_DIGITS, false, true, false},
    [HL_Q_TEXT] = {"text", false, 0, 0, NULL, false, false, HL_DRAFT_TEXT, false, true, true},
    [HL_Q_NOTE] = {"note", false, 0, 0, NULL, false, false, HL_DRAFT_NONE, false, false, false},
    [HL_Q_CONTACT] = {"contact", false, 0, 0, NULL, false, false, HL_DRAFT_DIGITS, false, true,
                      true},
};

static const hl_qtype_info_t unknown = {"?",   false,         0,     0,     NULL, false,
                                        false, HL_DRAFT_NONE, false, false, false};

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

/* ---- Text answers ------------------------------------------------------- */

bool hl_text_answer_blank(const char *text)
{
    return !text || text[strspn(text, HL_TEXT_TRIM)] == '\0';
}

int hl_text_answer_make(const hl_question_t *q, const char *text, bool trim, char out[HL_VALUE_MAX],
                        hl_err_t *err)
{
    out[0] = '\0';
    if (!text) return hl_err_set(err, HL_ERR_USAGE, "question \"%s\": no text", q->id);
    size_t len = strlen(text);
    if (trim) {
        text += strspn(text, HL_TEXT_TRIM);
        len = strlen(text);
        while (len > 0 && strchr(HL_TEXT_TRIM, text[len - 1]))
            len--;
        if (len == 0)
            return hl_err_set(err, HL_ERR_USAGE,
                              "question \"%s\": the text is empty (an empty text is no answer)",
                              q->id);
    }
    int max =
        q->max_chars > 0 && q->max_chars <= HL_TEXT_ANSWER_MAX ? q->max_chars : HL_TEXT_ANSWER_MAX;
    if (len > HL_TEXT_ANSWER_BYTES)
        return hl_err_set(err, HL_ERR_USAGE,
                          "question \"%s\": the text is %zu bytes, more than a text answer holds "
                          "(%d bytes: %d Vietnamese letters, fewer of characters such as emoji "
                          "that take 4 bytes)",
                          q->id, len, HL_TEXT_ANSWER_BYTES, HL_TEXT_ANSWER_BYTES / 3);
    /* The composer's own rules, as if the text were typed with no input
     * method: valid UTF-8, no control character but tab and line feed, a
     * Vietnamese combining mark joined to its letter (NFC), the limits. On
     * the stack: this runs on each key, which allocates nothing. */
    hl_compose_t c;
    char copy[HL_VALUE_MAX];
    memcpy(copy, text, len);
    copy[len] = '\0';
    hl_compose_init(&c, HL_COMPOSE_NONE, false, (size_t)max);
    int rc = strchr(copy, '\t') ? HL_ERR_INVALID : hl_compose_set_text(&c, copy);
    if (rc == HL_ERR_INVALID)
        rc = hl_err_set(err, HL_ERR_USAGE,
                        "question \"%s\": the text is not valid UTF-8 or holds a character a "
                        "text answer cannot (a control character other than a line break, a "
                        "stray combining mark)",
                        q->id);
    else if (rc == HL_ERR_FULL)
        rc = hl_err_set(err, HL_ERR_USAGE,
                        "question \"%s\": the text is longer than its %d characters", q->id, max);
    else if (rc != HL_OK)
        rc = hl_err_set(err, rc, "question \"%s\": the text cannot be checked", q->id);
    else if (!trim && strcmp(hl_compose_text(&c), copy) != 0)
        rc = hl_err_set(err, HL_ERR_USAGE,
                        "question \"%s\": the text is not in NFC (a letter and its separate "
                        "accent mark where one precomposed letter belongs)",
                        q->id);
    else
        snprintf(out, HL_VALUE_MAX, "%s", hl_compose_text(&c));
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

bool hl_contact_valid(const char *v)
{
    if (!v || v[0] != '0' || strlen(v) != HL_CONTACT_DIGITS) return false;
    return strspn(v, "0123456789") == HL_CONTACT_DIGITS;
}
