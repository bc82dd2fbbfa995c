/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui_int.h: what the citizen screens' files share (hl_ui.c: bands,
 * screens, taps; hl_ui_answers.c: the answer layouts; hl_ui_note.c: notes;
 * hl_ui_header.c: the header; hl_ui_access.c: focus and the accessibility
 * actions; hl_ui_speech.c: what to say): the question items and navigation
 * rules. Nothing outside firmware/ui includes it.
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

/* ---- The header band and the accessibility buttons (hl_ui_header.c) ---- */

/* The header band (title or site and counter, the accessibility buttons
 * when access, the language buttons when langs); returns its height. */
int hl_ui_header(hl_kit_b_t *b, bool langs, bool access, bool site_first);

/* The size of the header's button words. */
int hl_ui_header_px(const hl_kit_lay_t *L);

/* The accessibility buttons in a row of height h: their width with words
 * at px (word: Listen shows its word), and drawn ending at right (on the
 * blue band when on_dark, else on the page); returns their left edge. */
int hl_ui_access_w(hl_kit_b_t *b, int h, int px, bool word);
int hl_ui_access_draw(hl_kit_b_t *b, int right, int y, int h, int px, bool word, bool on_dark);

/* One of them drawn in r with its target tile (r itself in a row; a
 * keyboard key's whole tile); Listen shows its word when it fits in r. */
typedef enum hl_ui_acc {
    HL_UI_ACC_LISTEN = 0,
    HL_UI_ACC_DOWN,
    HL_UI_ACC_UP,
    HL_UI_ACC_LARGE
} hl_ui_acc_t;
void hl_ui_access_button(hl_kit_b_t *b, hl_ui_acc_t which, hl_rect_t tile, hl_rect_t r, int px,
                         bool on_dark);

/* The volume's level in r: rising bars, those up to the level filled. */
void hl_ui_access_meter(hl_kit_b_t *b, hl_rect_t r, bool on_dark);

/* ---- Accessibility state (hl_ui_access.c) -------------------------------- */

/* After a citizen screen is built: the focus moved to the first answer when
 * the screen changed, and its ring drawn when shown. */
void hl_ui_access_finish(hl_ui_t *ui, hl_kit_b_t *b);

/* Applies LISTEN, LARGE or VOLUME (hl_ui_act's rules). */
int hl_ui_access_act(hl_ui_t *ui, hl_flow_t *f, const hl_action_t *a, hl_err_t *err);

/* The accessibility action named id (listen, large, volume:down|up). */
bool hl_ui_access_named(const char *id, hl_action_t *a);

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
