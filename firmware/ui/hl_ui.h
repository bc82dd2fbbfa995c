/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui.h: the kiosk's screens: layout computed from the screen size and
 * DPI, built as an hl_scene_t from the flow's state, and taps on target ids
 * turned into flow events.
 *
 * Screens: start (site, counter, title and the first question), one per
 * question type (smiley 3/5, stars, choice, multi, nps, yes/no, number
 * keypad) with back/next/skip, progress and the language switch; "still
 * there?" with a countdown; thanks; out of service. Targets are at least
 * 10 mm at the panel's DPI and never under 64 px; text contrast is at least
 * 4.5:1; question text aims for a 7 mm capital and shrinks only as far as a
 * long text needs. This module draws nothing itself and includes no SDL.
 *
 * Target ids: answer:QID:OPTION (option id; the number for stars and nps;
 * yes/no), key:0 .. key:9, key:del, next, back, skip, continue, lang:CODE.
 */
#ifndef HL_UI_H
#define HL_UI_H

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

typedef struct hl_ui {
    const hl_survey_t *survey;     /* not owned */
    const hl_config_t *cfg;        /* not owned: site, counter */
    hl_measure_t measure;          /* text measurement (hl_render's fonts) */
    int dpi;                       /* panel dots per inch (config display.dpi) */
    char pressed[HL_SCENE_ID_MAX]; /* target under a finger now ("" = none): drawn pressed */
    bool out_of_service;           /* the store failed: show the calm bilingual message */
    hl_ui_export_t export_state;   /* results to a USB stick: shown instead of the survey */
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
 * commit failed. */
int hl_ui_act(hl_ui_t *ui, hl_flow_t *f, const hl_action_t *a, hl_err_t *err);

/* The action of the target the current screen names id ("next",
 * "answer:QID:OPT", "key:7", "lang:en", ...): the scripts' and tests' way
 * to name a target without a built scene. False when no target has it. */
bool hl_ui_action_named(const hl_flow_t *f, const char *id, hl_action_t *a);

/* hl_ui_act on the action named id (tests). */
int hl_ui_tap(hl_ui_t *ui, hl_flow_t *f, const char *id, hl_err_t *err);

#endif
