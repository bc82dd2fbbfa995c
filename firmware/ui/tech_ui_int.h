/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tech_ui_int.h: what the technician screens' two files share
 * (hl_tech_ui.c: the PIN pad, the menu band, the API; hl_tech_ui_pages.c:
 * the pages): small helpers. Nothing outside firmware/ui includes it.
 */
#ifndef HL_TECH_UI_INT_H
#define HL_TECH_UI_INT_H

#include "hl_tech_ui.h"
#include "hl_strings.h"
#include "hl_ui_kit.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* One technician screen being built. */
typedef struct hl_tui_ctx {
    hl_kit_b_t b;            /* the kit's builder: scene, layout, measurement */
    const hl_tech_view_t *v; /* what the screen shows; not owned */
} hl_tui_ctx_t;

/* Helpers (hl_tech_ui.c): words from the string table and numbers formatted
 * into the scene's text pool, text and choice buttons drawn with the kit. */

const char *hl_tui_str(hl_tui_ctx_t *t, hl_str_id_t id);

int hl_tui_int(long long v);

const char *hl_tui_printf(hl_tui_ctx_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *hl_tui_fmt(hl_tui_ctx_t *t, hl_str_id_t id, long long a, long long c);

const char *hl_tui_date(hl_tui_ctx_t *t, int64_t utc_ms);

const char *hl_tui_bytes(hl_tui_ctx_t *t, long long n);

int hl_tui_small_lh(hl_tui_ctx_t *t);

void hl_tui_text(hl_tui_ctx_t *t, const char *s, hl_rect_t box, int px, bool bold, unsigned col,
                 hl_align_t al, int lines);

void hl_tui_choice(hl_tui_ctx_t *t, const char *id, hl_rect_t r, const char *text, bool chosen,
                   int px);

void hl_tui_card(hl_tui_ctx_t *t, hl_rect_t r, bool chosen);

void hl_tui_status(hl_tui_ctx_t *t, hl_rect_t C);

void hl_tui_results(hl_tui_ctx_t *t, hl_rect_t C);

void hl_tui_officer(hl_tui_ctx_t *t, hl_rect_t C);

void hl_tui_survey(hl_tui_ctx_t *t, hl_rect_t C);

void hl_tui_transfer(hl_tui_ctx_t *t, hl_rect_t C);

void hl_tui_settings(hl_tui_ctx_t *t, hl_rect_t C);

#endif
