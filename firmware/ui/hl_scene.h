/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_scene.h: a screen as data: a list of drawing commands and a list of
 * touch targets, built by hl_ui from the flow's state and drawn by hl_render.
 *
 * Like microui's command list, this keeps layout and hit-testing free of
 * pixels: tests can ask where "answer:overall:satisfied" is and tap its
 * centre without rendering anything. A scene has fixed capacities and lives
 * in the caller's context: building one allocates nothing. Texts point into
 * strings that outlive the scene (survey, config, built-in words, or the
 * scene's own small buffers).
 */
#ifndef HL_SCENE_H
#define HL_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_SCENE_MAX_CMDS    768 /* drawing commands in one screen */
#define HL_SCENE_MAX_TARGETS 96  /* touch targets in one screen (the technician's settings) */
#define HL_SCENE_ID_MAX      80  /* "answer:QID:OPTION" and friends */
#define HL_SCENE_SCRATCH                                                                           \
    8192 /* bytes for texts the scene makes (digits, counters, the                                 \
            technician's figures) */

typedef struct hl_color {
    uint8_t r, g, b, a;
} hl_color_t;

typedef struct hl_rect {
    int x, y, w, h;
} hl_rect_t;

typedef enum hl_cmd_kind {
    HL_CMD_RECT = 0, /* box; radius rounds corners; border > 0 draws an outline only */
    HL_CMD_TEXT,     /* one line of text, already fitted to box by the layout */
    HL_CMD_FACE,     /* a smiley face in box: level 1 (worst) .. of (best) */
    HL_CMD_STAR,     /* a five-pointed star in box, filled or outlined */
    HL_CMD_TICK,     /* a check mark in box */
    HL_CMD_CIRCLE,   /* a filled disc in box (progress dots, radio marks) */
    HL_CMD_IMAGE     /* a picture file (`text` = its path) scaled into box keeping its aspect
                        ratio, centred; a file that cannot be read draws a neutral placeholder */
} hl_cmd_kind_t;

typedef enum hl_align { HL_ALIGN_LEFT = 0, HL_ALIGN_CENTER, HL_ALIGN_RIGHT } hl_align_t;

typedef struct hl_cmd {
    hl_cmd_kind_t kind;
    hl_rect_t box;    /* where, in screen pixels */
    hl_color_t color; /* fill, text or line colour */
    int radius;       /* RECT: corner radius in px */
    int border;       /* RECT/STAR/CIRCLE: outline width, 0 = filled */
    const char *text; /* TEXT: UTF-8, not owned; `len` bytes of it are drawn. IMAGE: the file's
                         path (NUL-terminated, not owned) */
    int len;          /* TEXT: bytes */
    int px;           /* TEXT: font size in pixels */
    bool bold;        /* TEXT: bold face */
    hl_align_t align; /* TEXT: horizontal alignment in box (vertically centred) */
    int level, of;    /* FACE: 1..of, of is 3 or 5 */
} hl_cmd_t;

/* What a tap on a citizen screen's target does: the screen that made the
 * target says so as data, and the tap reaches the flow as this, never as a
 * text to parse. The technician's screens leave it HL_ACT_NONE: their ids
 * go to the technician's state machine (hl_tech). */
typedef enum hl_act {
    HL_ACT_NONE = 0, /* no citizen action (the technician's targets) */
    HL_ACT_NEXT,     /* the next question */
    HL_ACT_BACK,     /* the previous question */
    HL_ACT_SKIP,     /* skip an optional question */
    HL_ACT_CONTINUE, /* "still there?": go on */
    HL_ACT_LANG,     /* switch language: item is the hl_lang_t */
    HL_ACT_KEY,      /* keypad: item is the digit 0..9, or -1 to delete */
    HL_ACT_ANSWER,   /* choose (or, multi, toggle) item of the question */
    /* The text question's keyboard (hl_ui_keyboard.c; "done" is HL_ACT_NEXT). */
    HL_ACT_CHAR,  /* type item, a code point (a letter in lower case: shift makes it upper) */
    HL_ACT_ERASE, /* backspace: take back what the last key added */
    HL_ACT_SHIFT, /* the next letter in upper case (pressed again: not) */
    HL_ACT_PAGE,  /* letters <-> digits and punctuation */
    HL_ACT_TONE,  /* item is the hl_tone_t put on the last word */
    HL_ACT_MARK,  /* item indexes the modified letters ă â đ ê ô ơ ư (hl_ui_keyboard.c) */
    /* Accessibility (hl_ui_access.c): the header's buttons on every citizen screen. */
    HL_ACT_LISTEN, /* "Nghe / Listen": speech on (again: the kiosk repeats the screen) */
    HL_ACT_LARGE,  /* "Aa": larger text and targets on or off */
    HL_ACT_VOLUME  /* item is -1 (down) or +1 (up) one step */
} hl_act_t;

typedef struct hl_action {
    hl_act_t kind; /* what */
    int question;  /* KEY, ANSWER: the question's index in the survey */
    int item;      /* LANG: the language; KEY: the digit or -1; ANSWER: the item's index;
                      CHAR: the code point; TONE: the tone; MARK: the modified letter;
                      VOLUME: -1 or +1 */
} hl_action_t;

typedef struct hl_target {
    char id[HL_SCENE_ID_MAX]; /* stable name: answer:QID:OPT, key:0..9, key:del, key:a,
                                 key:space, next, back, ... (scripts and tests tap by it) */
    hl_rect_t box;            /* touch area (at least the minimum target size) */
    hl_action_t action;       /* what a tap does (citizen screens) */
} hl_target_t;

typedef struct hl_scene {
    int w, h;                         /* screen size in px */
    char screen[HL_SCENE_ID_MAX];     /* which screen this is, named by its builder
                                         ("question:QID:vi", "tech:menu:1:en", ...), "" = none */
    hl_color_t background;            /* cleared to this first */
    hl_cmd_t cmds[HL_SCENE_MAX_CMDS]; /* drawn in order */
    size_t n_cmds;
    hl_target_t targets[HL_SCENE_MAX_TARGETS]; /* hit-tested last to first */
    size_t n_targets;
    char scratch[HL_SCENE_SCRATCH]; /* texts made for this scene */
    size_t scratch_used;
    bool overflow; /* a capacity was exceeded (a bug: tests fail) */
} hl_scene_t;

/* Measures text for layout: implemented by hl_render with the real fonts. */
typedef struct hl_measure {
    /* Width in px of `len` bytes of text at size px. */
    int (*width)(void *ctx, const char *text, int len, int px, bool bold);
    /* Recommended line height (ascent + descent + gap) at size px. */
    int (*line_height)(void *ctx, int px, bool bold);
    void *ctx;
} hl_measure_t;

void hl_scene_clear(hl_scene_t *s, int w, int h, hl_color_t background);

/* Appends; returns the command (or a dummy and sets overflow when full). */
hl_cmd_t *hl_scene_push(hl_scene_t *s, hl_cmd_kind_t kind, hl_rect_t box, hl_color_t color);
void hl_scene_target(hl_scene_t *s, const char *id, hl_rect_t box);

/* Gives the target added last its action. */
void hl_scene_act(hl_scene_t *s, hl_action_t a);

/* Copies text into the scene's scratch space; NULL (and overflow) when full. */
const char *hl_scene_strdup(hl_scene_t *s, const char *text);

/* The id of the topmost target containing (x, y), or NULL. */
const char *hl_scene_hit(const hl_scene_t *s, int x, int y);

/* The target with this id, or NULL. */
const hl_target_t *hl_scene_find(const hl_scene_t *s, const char *id);

/* A fingerprint of which screen this is: its size, its name and the ids of
 * its targets in order. Two scenes with the same one are the same screen to
 * a person using it (a digit or a PIN dot appearing, an answer highlighted,
 * a countdown ticking, a layout reflowing around a message); another value
 * is another screen: another question, page, language or dialog, a button
 * that came or went (the kiosk's touch guard starts again). Keys ("key:"
 * ids) are left out: a keypad's or a keyboard's keys change under a typing
 * finger (the keyboard's letters and digits pages) on one screen. */
uint64_t hl_scene_signature(const hl_scene_t *s);

#endif
