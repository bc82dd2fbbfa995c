/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_qtype.h: the question types as one table: what each type is called in
 * a survey file, how it is answered (the survey's options, or fixed items:
 * stars 1..5, nps 0..10, yes/no, or digits on a keypad), whether one tap
 * answers it and moves on, whether it has a score, what a person builds
 * before "next" (a set of options, digits) and whether the results chart it.
 * The loader, the flow, the screens and the results read it here, so that a
 * new type is one entry (and its screen), never a switch in each of them.
 */
#ifndef HL_QTYPE_H
#define HL_QTYPE_H

#include "hl_survey.h"

#include <stdbool.h>

typedef enum hl_draft {
    HL_DRAFT_NONE = 0, /* one tap is the answer */
    HL_DRAFT_SET,      /* options toggled, then "next" (multi) */
    HL_DRAFT_DIGITS,   /* digits typed on a keypad, then "next" (number) */
    HL_DRAFT_TEXT      /* text typed on the keyboard, then "next" (text) */
} hl_draft_t;

typedef struct hl_qtype_info {
    const char *name;         /* in the survey file: "smiley", "stars", ... */
    bool options;             /* answered with the question's own options */
    int n_fixed;              /* otherwise: how many fixed items (0: none, digits) */
    int first;                /* the first fixed item's number (stars 1, nps 0) */
    const char *const *words; /* fixed items that are words (yes, no); NULL: numbers */
    bool auto_advance;        /* one tap answers and moves on */
    bool scored;              /* a value has a numeric score (hl_question_score) */
    hl_draft_t draft;         /* what is built before "next" */
    bool charted;             /* the results page draws its answers as bars */
    bool answered;            /* stores an answer (false: a note, only read) */
    bool own;                 /* the answer is the citizen's own (text, contact): counted,
                                 never tallied, charted or shown by its value */
} hl_qtype_info_t;

/* The entry of type t (a placeholder with name "?" out of range). */
const hl_qtype_info_t *hl_qtype_info(hl_qtype_t t);

/* The items a person chooses among: the options, or the fixed items; 0 for
 * a keypad. */
int hl_question_n_items(const hl_question_t *q);

/* Item i's stored id: an option id, "1".."5", "0".."10", "yes"/"no". */
const char *hl_question_item_id(const hl_question_t *q, int i);

/* The item whose id is v[0..len), or -1. */
int hl_question_item_index(const hl_question_t *q, const char *v, size_t len);

/* Text answers (HL_Q_TEXT): what the citizen typed, stored as it is.
 * HL_TEXT_TRIM: the characters trimmed from both ends when it is committed
 * (spaces and line breaks); a text of nothing else is blank: no answer. */
#define HL_TEXT_TRIM " \n"
bool hl_text_answer_blank(const char *text);

/* Checks text as question q's answer and writes its stored form to out:
 * valid UTF-8 with no control character but line feed, Vietnamese accents
 * joined to their letters (NFC: what the keyboard's composer holds), at
 * most q->max_chars code points (and HL_TEXT_ANSWER_BYTES bytes). With
 * trim (a commit), both ends are trimmed first, a blank text is refused
 * and a decomposed accent is composed (NFC); without (a draft as typed)
 * the text must already be NFC. HL_ERR_USAGE with the reason otherwise
 * (never quoting the text: it is a citizen's), out "". */
int hl_text_answer_make(const hl_question_t *q, const char *text, bool trim, char out[HL_VALUE_MAX],
                        hl_err_t *err);

/* A contact answer (HL_Q_CONTACT): a Vietnamese phone number, 10 digits
 * starting with 0 (mobile numbers since 2018; the prefix is not checked
 * further, so a new network's numbers are taken). */
#define HL_CONTACT_DIGITS 10
bool hl_contact_valid(const char *v);

#endif
