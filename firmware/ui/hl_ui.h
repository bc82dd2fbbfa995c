/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui.h: the kiosk's screens: layout computed from the screen size and
 * DPI, built as an hl_scene_t from the flow's state, and taps on target ids
 * turned into flow events.
 *
 * Screens: start (site, counter, title and the first question), one per
 * question type (smiley 3/5, stars, choice, multi, nps, yes/no, number
 * keypad, the text question's keyboard: hl_ui_keyboard.c) with back/next/skip, progress and the
 * language switch; "still there?" with a countdown; thanks; out of service. Targets are at least 10
 * mm at the panel's DPI and never under 64 px; text contrast is at least 4.5:1; question text aims
 * for a 7 mm capital and shrinks only as far as a long text needs. This module draws nothing itself
 * and includes no SDL.
 *
 * Target ids: answer:QID:OPTION (option id; the number for stars and nps;
 * yes/no), key:0 .. key:9, key:del, next, back, skip, continue, lang:CODE;
 * the keyboard's: key:a .. key:z, key:space, key:bksp, key:shift, key:page,
 * key:done; on its second page key:0 .. key:9 and key:NAME for punctuation
 * (period comma question exclam hyphen lparen rparen colon semicolon slash
 * quote apostrophe at percent); in Vietnamese key:tone:sac|huyen|hoi|nga|nang
 * and the modified letters by their Telex spelling key:mark:aw|aa|dd|ee|oo|
 * ow|uw (ă â đ ê ô ơ ư). On every citizen screen but thanks (issue 17):
 * listen, large, and while speech is on volume:down and volume:up.
 *
 * Accessibility (issue 17, hl_ui_access.c): the header holds "Nghe /
 * Listen" (a speaker and the word) and "Aa" beside the language buttons;
 * with speech on, the volume's down and up buttons with the level between
 * them as bars. With access.large, text and targets are at least
 * HL_UI_LARGE_SCALE times their size; where a screen has no room for the
 * larger targets (the bands at 800x480, a keypad or a keyboard or an answer
 * grid that would squeeze the question under its usual size) they keep the
 * 10 mm minimum, the text stays large and shrinks only as the fit rules
 * say. A focus moved by the tactile keys (hl_ui_focus_move) is drawn as a
 * thick ring (dark, with white lines inside and out: 3:1 against any
 * colour here) once a key was used. What speech says: hl_ui_speech.h.
 */
#ifndef HL_UI_H
#define HL_UI_H

#include "hl_compose.h"
#include "hl_config.h"
#include "hl_flow.h"
#include "hl_scene.h"

/* The question text's smallest size in px: it aims for a 7 mm capital and
 * shrinks only as far as a long text needs, never below this (a
 * 500-character question fits above it at 800x480 with its answers). */
#define HL_UI_QUESTION_FLOOR_PX 14

typedef enum hl_ui_export_phase {
    HL_UI_EXPORT_NONE = 0, /* the survey is on screen */
    HL_UI_EXPORT_WRITING,  /* a bundle is being written to a stick */
    HL_UI_EXPORT_DONE,     /* written (or nothing new): safe to remove */
    HL_UI_EXPORT_FAILED    /* not written: `code` says why */
} hl_ui_export_phase_t;

typedef struct hl_ui_export {
    hl_ui_export_phase_t phase;
    double done;     /* WRITING: share written, 0..1 */
    long long count; /* responses in the bundle (0 with DONE: nothing new) */
    int code;        /* FAILED: the hl_rc (full, read-only, I/O; invalid: a link or a
                        file on the stick where a folder should be) */
} hl_ui_export_t;

/* The text question's keyboard: its composer and keys' state, kept with the
 * screen (allocated once with it: a key press allocates nothing). It follows
 * the flow: another question, response or language, or a draft changed
 * behind its back, starts it again from the flow's draft. */
typedef struct hl_ui_kb {
    hl_compose_t comp;          /* the text as composed (equal to the flow's draft) */
    int q;                      /* the question it composes for, -1 none */
    char uuid[HL_UUID_LEN + 1]; /* of the response it composes for */
    bool vi;                    /* the Vietnamese layout (tone and letter rows) */
    bool shift;                 /* the next letter in upper case */
    bool symbols;               /* the digits and punctuation page is showing */
} hl_ui_kb_t;

/* Text and target sizes with access.large: at least this many times the
 * usual ones (EN 301 549 and the issue ask for 1.4). */
#define HL_UI_LARGE_PCT 140

/* The volume's steps and level a response starts with, until the kiosk
 * sets its own (its config). */
#define HL_UI_VOLUME_STEPS   8
#define HL_UI_VOLUME_DEFAULT 5

/* Accessibility for the response under way: the kiosk sets it (keys,
 * speech), taps on listen, large and volume change it (hl_ui_act), and
 * hl_ui_access_reset puts it back when the response ends. */
typedef struct hl_ui_access {
    bool large;         /* larger text and targets ("Aa"): HL_UI_LARGE_PCT */
    bool speech;        /* speech is on: Listen drawn active, the volume control shown */
    bool listen_button; /* the Listen button shows (the kiosk's config; default true); kept by
                           hl_ui_access_reset */
    int volume;         /* the level shown, 0 .. volume_max */
    int volume_max;     /* steps above silence (default HL_UI_VOLUME_STEPS); kept by reset */
    int volume_default; /* the level each response starts with; kept by reset */
    bool focus_shown;   /* the focus ring is drawn: the tactile keys were used */
    char focus[HL_SCENE_ID_MAX];        /* the focused target's id, "" none */
    char focus_screen[HL_SCENE_ID_MAX]; /* the screen it is on (hl_scene_t.screen without its
                                           language): on another screen the focus moves to
                                           its first answer */
} hl_ui_access_t;

/* Focus moves (hl_ui_focus_move), in reading order: the targets top to
 * bottom in rows (targets whose boxes overlap vertically are one row), each
 * row left to right. Every move wraps around. */
typedef enum hl_ui_dir {
    HL_UI_FOCUS_NEXT = 0, /* the next target: along the row, then the next row's first
                             (EZ Access's "down" key: every target in turn) */
    HL_UI_FOCUS_PREV,     /* the previous target (EZ Access's "up" key) */
    HL_UI_FOCUS_RIGHT,    /* as NEXT */
    HL_UI_FOCUS_LEFT,     /* as PREV */
    HL_UI_FOCUS_DOWN,     /* the next row's target nearest across (arrow keys, keypad 2) */
    HL_UI_FOCUS_UP        /* the previous row's target nearest across (keypad 8) */
} hl_ui_dir_t;

typedef struct hl_ui {
    const hl_survey_t *survey;     /* not owned */
    const hl_config_t *cfg;        /* not owned: site, counter */
    hl_measure_t measure;          /* text measurement (hl_render's fonts) */
    int dpi;                       /* panel dots per inch (config display.dpi) */
    char pressed[HL_SCENE_ID_MAX]; /* target under a finger now ("" = none): drawn pressed */
    bool out_of_service;           /* the store failed: show the calm bilingual message */
    hl_ui_export_t export_state;   /* results to a USB stick: shown instead of the survey */
    hl_ui_kb_t kb;                 /* the text question's keyboard */
    hl_ui_access_t access;         /* speech, large text, focus: this response's (issue 17) */
} hl_ui_t;

void hl_ui_init(hl_ui_t *ui, const hl_survey_t *s, const hl_config_t *cfg, hl_measure_t m, int dpi);

/* Builds the screen for the flow's current state at w x h; now_mono_ms is
 * the flow's clock (for the "still there?" countdown). */
void hl_ui_build(hl_ui_t *ui, const hl_flow_t *f, int w, int h, int64_t now_mono_ms,
                 hl_scene_t *out);

/* Minimum touch target side in px for this DPI: max(10 mm, 64 px). */
int hl_ui_min_target(const hl_ui_t *ui);

/* Applies a tap to the flow: the action of the target tapped (hl_scene.h),
 * typed, as the screen built it. HL_ERR_STATE/USAGE when it does not apply
 * now (a stale target of another question included); a store code when the
 * commit failed. The accessibility actions change ui->access and count as
 * input (the idle timer restarts, "still there?" is dismissed): LISTEN
 * turns speech on (HL_ERR_USAGE without the Listen button; when speech was
 * on already the kiosk says the screen again), LARGE toggles large, VOLUME
 * moves the level one step within 0..volume_max. */
int hl_ui_act(hl_ui_t *ui, hl_flow_t *f, const hl_action_t *a, hl_err_t *err);

/* The action of the target the current screen names id ("next",
 * "answer:QID:OPT", "key:7", "lang:en", ...): the scripts' and tests' way
 * to name a target without a built scene. False when no target has it. */
bool hl_ui_action_named(const hl_flow_t *f, const char *id, hl_action_t *a);

/* hl_ui_act on the action named id (tests). */
int hl_ui_tap(hl_ui_t *ui, hl_flow_t *f, const char *id, hl_err_t *err);

/* How the keyboard types code point cp, as a finger would (the scripts'
 * `type`): the key ids to press. A Vietnamese letter is its base letter,
 * then its modified-letter key (ê: key:mark:ee), and its tone key, which
 * the caller presses once the word is typed (the tone goes where the
 * rules put it). False when no key makes cp (a combining mark, a symbol
 * not on the keyboard, a control character). */
typedef struct hl_ui_spell {
    char key[24];  /* the key: "key:a", "key:space", "key:7", "key:comma" */
    bool upper;    /* shift first (a capital) */
    bool symbols;  /* the key is on the digits page */
    bool letter;   /* a letter: part of a word (the composer's unit) */
    char mark[24]; /* the modified-letter key after it ("key:mark:ee"), "" none */
    char tone[24]; /* the tone key for its word ("key:tone:sac"), "" none */
    uint32_t bare; /* cp without its tone (ế: ê): what the text holds before the tone key */
} hl_ui_spell_t;
bool hl_ui_kb_spell(uint32_t cp, hl_ui_spell_t *out);

/* ---- Accessibility (hl_ui_access.c) ------------------------------------ */

/* Back to the defaults for the next citizen: not large, no speech, the
 * volume at volume_default, no focus and no ring. The kiosk calls it when a
 * response ends (the flow back at its start); listen_button, volume_max
 * and volume_default, which the kiosk sets from its config, are kept. */
void hl_ui_access_reset(hl_ui_t *ui);

/* Moves the focus through scene (the screen hl_ui_build made last) as dir
 * says, and shows the ring from now on (focus_shown). When the focus is not
 * on this screen (none yet, or the screen changed) it goes to the first
 * target that answers (an answer, a digit, a letter, "continue"), else to
 * "next", else to the first target, and does not move further. False (and
 * nothing changed) when the screen has no targets (thanks). The kiosk
 * rebuilds the screen to draw the ring, and speaks hl_ui_speech_focus. */
bool hl_ui_focus_move(hl_ui_t *ui, const hl_scene_t *scene, hl_ui_dir_t dir);

/* The focused target's action on scene (the "enter" key: the kiosk applies
 * it with hl_ui_act); false when nothing on scene is focused. */
bool hl_ui_focus_action(const hl_ui_t *ui, const hl_scene_t *scene, hl_action_t *a);

/* The keyboard made to follow the flow now (hl_ui_build and hl_ui_act do it
 * themselves; a script reading ui->kb calls it first). */
void hl_ui_kb_sync(hl_ui_t *ui, const hl_flow_t *f);

#endif
