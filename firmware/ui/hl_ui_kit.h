/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_kit.h: the screens' private kit, shared by the citizen's screens
 * (hl_ui.c) and the technician's (hl_tech_ui.c): the palette, layout metrics
 * from the size and DPI (and their larger version for large text, citizen
 * screens only), text measuring, wrapping and fitting, and the scene
 * helpers (fills, outlines, labels, buttons). Not a public API: only
 * firmware/ui/ includes it (and test_ui, which checks the layout's sizes);
 * everything lives on the stack and in the caller's scene.
 */
#ifndef HL_UI_KIT_H
#define HL_UI_KIT_H

#include "hl_strings.h"
#include "hl_ui.h"

#include <stdint.h>

/* ---- Palette (WCAG contrast noted against what each colour sits on) ----- */

enum {
    COL_BG = 0xF5F7FA,         /* page background */
    COL_WHITE = 0xFFFFFF,      /* cards and buttons */
    COL_TEXT = 0x1A1A1A,       /* body text: 16.6:1 on white, 15.4:1 on the page */
    COL_MUTED = 0x4A5563,      /* hints: 7.5:1 on white, 6.9:1 on the page */
    COL_BRAND = 0x0B4F8A,      /* header, primary buttons, selection: white text 8.4:1 */
    COL_BRAND_DARK = 0x083A66, /* a primary button under a finger */
    COL_PRESSED = 0xDCE8F5,    /* a light button under a finger: dark text 13.5:1 */
    COL_SELECTED = 0xE6F0FA,   /* a chosen face or star card */
    COL_BORDER = 0x6B7A8C,     /* button outlines: 4.4:1 on white (non-text needs 3:1) */
    COL_DISABLED = 0xE3E8EE,   /* next while nothing is answered: muted text 6.1:1 */
    COL_SEPARATOR = 0xD0D7DE,  /* the line above the navigation band */
    COL_STAR = 0xE0A100,       /* filled stars */
    COL_STAR_HINT = 0xF3D27A,  /* stars under a finger */
    COL_STAR_EDGE = 0x8A5A00,  /* outline of filled stars: 5.9:1 on white (shapes need 3:1) */
    COL_OK = 0x1B7F3B,         /* thanks check mark disc */
    COL_FACE_5 = 0x1B7F3B,     /* very satisfied */
    COL_FACE_4 = 0x4C9A2A,     /* satisfied */
    COL_FACE_3 = 0xE0A100,     /* neutral */
    COL_FACE_2 = 0xE06C00,     /* dissatisfied */
    COL_FACE_1 = 0xC62828      /* very dissatisfied */
};

static inline hl_color_t rgb(unsigned v)
{
    hl_color_t c = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v, 255};
    return c;
}

static inline int imax(int a, int b)
{
    return a > b ? a : b;
}

static inline int imin(int a, int b)
{
    return a < b ? a : b;
}

static inline int iclamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

#define HL_KIT_CAP_EM      0.714 /* Noto Sans capital height per em */
#define HL_KIT_MAX_LINES   48    /* lines of one wrapped text (500 characters at the floor) */
#define HL_KIT_ABS_MIN_PX  10    /* below the floor only when nothing else fits */
#define HL_KIT_LABEL_MIN   16    /* answer and button labels never go below this */
#define HL_KIT_SMALL_MIN   12    /* hints, progress */
#define HL_KIT_MAX_VARIANT 8

typedef struct hl_kit_lay {
    int w, h;        /* screen */
    bool portrait;   /* taller than wide: stack */
    double mm;       /* px per millimetre */
    int min_target;  /* minimum target side (HL_UI_LARGE_PCT larger with large text) */
    int floor;       /* the smallest a target ever is: 10 mm (hl_ui_min_target); a layout
                        with no room for min_target (large text on a small screen) keeps it */
    int bar_t;       /* the bands' buttons' height: min_target, or floor on a screen too short
                        for large bands (a keypad of large keys must fit between them) */
    bool large;      /* larger text and targets (hl_kit_lay_large) */
    int margin;      /* screen margin */
    int gap;         /* gap between targets */
    int pad;         /* inside buttons and cards */
    int hp;          /* vertical padding of the bands */
    int bar_h;       /* header and navigation band height: bar_t and padding */
    int radius;      /* corner radius of buttons and cards */
    int q_px;        /* question text: 7 mm capital */
    int head_px;     /* header title: 4 mm capital */
    int label_px;    /* answer and button labels: 4.5 mm capital */
    int small_px;    /* hints and progress: 3.5 mm capital */
    int sel_border;  /* outline of a chosen card */
    int line_border; /* outline of a plain button */
} hl_kit_lay_t;

typedef struct hl_kit_line {
    int off, len; /* bytes of the text */
} hl_kit_line_t;

typedef struct hl_kit_wrap {
    const char *text; /* not owned */
    int len;          /* bytes of text */
    int px, lh;       /* font size and line height */
    bool bold;
    int n; /* lines */
    hl_kit_line_t lines[HL_KIT_MAX_LINES];
} hl_kit_wrap_t;

/* Text widths measured during one build, direct-mapped by (text, size):
 * fitting tries the same line prefixes at several sizes and widths, and a
 * shaped measurement costs microseconds each. Lives on the stack. */
#define HL_KIT_MEMO 512

typedef struct hl_kit_memo {
    const char *text; /* NULL = empty slot */
    int len, px, bold, width;
} hl_kit_memo_t;

typedef struct hl_kit_m {
    const hl_ui_t *ui;
    hl_kit_memo_t memo[HL_KIT_MEMO];
} hl_kit_m_t;

typedef struct hl_kit_b {
    const hl_ui_t *ui;
    hl_kit_m_t m; /* measurement with its memo */
    const hl_flow_t *f;
    hl_scene_t *s;
    hl_kit_lay_t lay;
    hl_lang_t lang;
    int roomy;     /* content area's smaller side: big screens get bigger faces and keys */
    bool big;      /* roomy is over 200 mm (portrait, large panels): answers and labels grow */
    int content_h; /* height left for question and answers (stacked faces need it) */
} hl_kit_b_t;

typedef enum hl_kit_style {
    HL_KIT_PRIMARY = 0, /* blue, white text: next, continue */
    HL_KIT_SECONDARY,   /* white, blue outline and text: back */
    HL_KIT_QUIET,       /* white, grey outline, dark text: skip, keypad */
    HL_KIT_DISABLED     /* grey, muted text: next before an answer */
} hl_kit_style_t;

/* ---- Functions (defined in hl_ui_kit.c) ---------------------------------------- */

int hl_kit_mm(const hl_kit_lay_t *L, double mm);
int hl_kit_cap_px(const hl_kit_lay_t *L, double cap_mm);
void hl_kit_lay_init(hl_kit_lay_t *L, const hl_ui_t *ui, int w, int h);
/* Large text and targets (citizen screens with access.large): sizes, the
 * minimum target and the bands HL_UI_LARGE_PCT larger, the bands kept at
 * floor when they would leave too little between them. */
void hl_kit_lay_large(hl_kit_lay_t *L);
int hl_kit_tw(hl_kit_m_t *ui, const char *t, int len, int px, bool bold);
int hl_kit_lh(hl_kit_m_t *ui, int px, bool bold);
bool hl_kit_wrap(hl_kit_m_t *ui, const char *text, int len, int px, bool bold, int width,
                 int max_lines, bool break_words, hl_kit_wrap_t *w);
bool hl_kit_fit(hl_kit_m_t *ui, const char *t, int len, bool bold, int width, int height, int hi,
                int lo, int max_lines, hl_kit_wrap_t *w);
void hl_kit_fit_or_force(hl_kit_m_t *ui, const char *t, int len, bool bold, int width, int height,
                         int hi, int lo, int max_lines, hl_kit_wrap_t *w);
hl_rect_t hl_kit_rect(int x, int y, int w, int h);
hl_rect_t hl_kit_inset(hl_rect_t r, int dx, int dy);
void hl_kit_fill(hl_kit_b_t *b, hl_rect_t r, unsigned col, int radius);
void hl_kit_outline(hl_kit_b_t *b, hl_rect_t r, unsigned col, int radius, int border);
void hl_kit_shape(hl_kit_b_t *b, hl_cmd_kind_t kind, hl_rect_t r, unsigned col, int border);
void hl_kit_shift(hl_kit_b_t *b, size_t cmd0, size_t tgt0, int dy);
int hl_kit_emit(hl_kit_b_t *b, const hl_kit_wrap_t *w, hl_rect_t box, unsigned col, hl_align_t al,
                int valign);
void hl_kit_label(hl_kit_b_t *b, const char *t, hl_rect_t box, int hi, int lo, bool bold,
                  unsigned col, hl_align_t al, int max_lines);
bool hl_kit_pressed(const hl_kit_b_t *b, const char *id);
void hl_kit_button(hl_kit_b_t *b, const char *id, hl_rect_t r, hl_kit_style_t st, const char *text,
                   int px, bool bold);
int hl_kit_button_w(hl_kit_b_t *b, const char *text, int px, bool bold);
const char *hl_kit_fmt(hl_kit_b_t *b, hl_str_id_t id, int a, int c);
unsigned hl_kit_face_color(int level, int of);

#endif
