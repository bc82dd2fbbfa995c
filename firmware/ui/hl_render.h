/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_render.h: draws an hl_scene_t with an SDL renderer and SDL2_ttf
 * (HarfBuzz shaping), and measures text for the layout with the same fonts.
 *
 * Text is rasterised once and kept in a fixed-size texture cache keyed by
 * (bytes, size, weight, colour), so an unchanged screen re-renders without
 * re-rasterising anything. Shapes (rounded rectangles, faces, stars, ticks,
 * discs) are drawn as triangle geometry, crisp at any size. Only this module
 * and platform/ include SDL headers; SDL types do not appear in other
 * firmware headers.
 */
#ifndef HL_RENDER_H
#define HL_RENDER_H

#include "hl_err.h"
#include "hl_scene.h"

struct SDL_Renderer;

#define HL_RENDER_TEXT_CACHE 512 /* rasterised text textures kept */

typedef struct hl_render hl_render_t;

/* Opens NotoSans-Regular.ttf and NotoSans-Bold.ttf from fonts_dir for drawing
 * with r (not owned; must outlive the renderer). */
int hl_render_new(struct SDL_Renderer *r, const char *fonts_dir, hl_render_t **out, hl_err_t *err);
void hl_render_free(hl_render_t *rd);

/* Text measurement with the renderer's fonts, for hl_ui. */
hl_measure_t hl_render_measure(hl_render_t *rd);

/* Clears and draws every command of the scene (does not present). */
int hl_render_draw(hl_render_t *rd, const hl_scene_t *s, hl_err_t *err);

/* Counters for tests and the UI benchmark. */
typedef struct hl_render_stats {
    long long text_rasterised; /* texts rendered by SDL_ttf since creation */
    long long text_cache_hits; /* texts drawn from the cache */
} hl_render_stats_t;
void hl_render_get_stats(const hl_render_t *rd, hl_render_stats_t *out);

#endif
