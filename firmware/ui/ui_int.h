/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui_int.h: what the citizen screens' files share (hl_ui.c: bands,
 * screens, taps; hl_ui_answers.c: the answer layouts; hl_ui_note.c: notes): the question items
 * and navigation rules. Nothing outside firmware/ui includes it.
 */
#ifndef HL_UI_INT_H
#define HL_UI_INT_H

#include "hl_qtype.h"
#include "hl_ui.h"
#include "hl_strings.h"
#include "hl_ui_kit.h"
#include <stdio.h>
#include <string.h>

/* ---- Navigation and bands (hl_ui.c) -------------------------------------- */

/* Which of back, next and skip the current question offers. */
typedef struct hl_ui_nav {
    bool back, next, next_enabled, skip;
} hl_ui_nav_t;

hl_ui_nav_t hl_ui_nav_flags(const hl_flow_t *f);

/* The header band (title or site and counter, language buttons); returns
 * its height. */
int hl_ui_header(hl_kit_b_t *b, bool langs, bool site_first);

/* ---- The note screen (hl_ui_note.c) -------------------------------------- */

/* The current note in the content area C (between the header and the
 * navigation band, which it draws: back and "continue"). */
void hl_ui_note_screen(hl_kit_b_t *b, hl_rect_t C);

/* ---- The text question's keyboard (hl_ui_keyboard.c) --------------------- */

/* The keyboard screen of the current text question (its own bands: back
 * and skip beside the question, "done" on the keyboard). */
void hl_ui_keyboard_screen(hl_kit_b_t *b);

/* A keyboard action (HL_ACT_CHAR .. HL_ACT_MARK) on the current text
 * question. */
int hl_ui_kb_act(hl_ui_t *ui, hl_flow_t *f, const hl_action_t *a, hl_err_t *err);

/* The keyboard's action named id ("key:a", "key:tone:sac", ...) on the
 * current text question; false when the keyboard has no such key. */
bool hl_ui_kb_action_named(const hl_flow_t *f, const char *id, hl_action_t *a);

/* ---- Answer layouts ---------------------------------------------------- */

typedef struct hl_ui_plan {
    int cols, rows; /* grid */
    int cell_w;     /* every cell's width */
    int h_min_cell; /* cell height range */
    int h_max_cell;
    int label_px;    /* label size for all items */
    int label_lines; /* lines reserved under faces and stars */
    int face_min;    /* face / star size range */
    int face_max;
    int extra_h;      /* nps end labels under the grid */
    int gap;          /* between cells */
    int h_min, h_max; /* whole area */
    int grid_w;
    int mark;  /* choice/multi: radio or tick box side */
    bool side; /* smiley rows: the face on the left, the label beside it */
} hl_ui_plan_t;

/* A question's items (hl_ui.c): how many (options, stars, nps values,
 * yes/no), each one's id, label and target id, and whether a stored value
 * holds an id. */
const char *hl_ui_item_label(const hl_kit_b_t *b, const hl_question_t *q, int i);

bool hl_ui_value_has(const char *value, const char *id);

void hl_ui_answer_id(char out[HL_SCENE_ID_MAX], const hl_question_t *q, int i);

/* The answer layouts (hl_ui_answers.c): plan one variant for a width, the
 * variants to try in order, and the chosen plan drawn into box. */
bool hl_ui_plan(hl_kit_b_t *b, const hl_question_t *q, int variant, int W, hl_ui_plan_t *p);

int hl_ui_variants(const hl_kit_b_t *b, const hl_question_t *q, int out[HL_KIT_MAX_VARIANT]);

void hl_ui_answers(hl_kit_b_t *b, const hl_question_t *q, const hl_ui_plan_t *p, hl_rect_t box);

#endif
