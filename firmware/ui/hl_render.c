/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_render.c: draws an hl_scene_t with an SDL renderer: text through SDL2_ttf
 * (HarfBuzz shaping) from the two bundled Noto Sans files, shapes as triangle
 * geometry (SDL_RenderGeometry).
 *
 * Fonts: each weight's file is read once; up to HL_RENDER_FONT_SLOTS faces
 * per weight are opened on those bytes, one per size in use, and the least
 * recently used one is moved to a new size with TTF_SetFontSize. (One face
 * per weight switched with TTF_SetFontSize on every size change was measured
 * at 280-390 us per measured word, against 2.5 us with a face per size:
 * TTF_SetFontSize empties the glyph cache, and a layout that shrinks text to
 * fit alternates sizes all the time.) Hinting, script ("Latn") and direction
 * (LTR) are fixed so that the same text always shapes and rasterises the
 * same way.
 *
 * Text cache: a fixed table of HL_RENDER_TEXT_CACHE textures keyed by a
 * 64-bit FNV-1a hash of the bytes with their length, size, weight and colour;
 * a miss rasterises (TTF_RenderUTF8_Blended) and replaces the least recently
 * used entry. Shapes are built in a vertex buffer allocated with the
 * renderer, so drawing a frame allocates nothing once its texts are cached.
 *
 * Shapes are tessellated with enough segments that a chord strays less than a
 * quarter pixel from the true curve, so they stay smooth from 48 to 400 px
 * without anti-aliasing; circles up to HL_RENDER_SPAN_R are filled as exact
 * pixel rows instead (triangles that small come out square). All arithmetic is plain float in a
 * fixed order, so the software renderer produces the same pixels for the same scene.
 *
 * Pictures (HL_CMD_IMAGE: an officer's photo) are loaded with SDL2_image once
 * per path and kept as textures in a small fixed cache (least recently used
 * replaced); a file that cannot be read is remembered as missing (no retry
 * every frame) and drawn as a neutral placeholder: a picture never fails a
 * frame.
 */
#include "hl_render.h"
#include "hl_sys.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <SDL2/SDL_ttf.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL_RENDER_VERTS      6144 /* vertex buffer (a multiple of 3: triangle list) */
#define HL_RENDER_TEXT_MAX   4096 /* bytes of one text measured or drawn in one piece */
#define HL_RENDER_PATH_MAX   272  /* points of one outline path (4 corners x (64 + 1), and spare) */
#define HL_RENDER_SPAN_R     40   /* circles up to this radius are drawn as exact pixel rows */
#define HL_RENDER_FONT_SLOTS 8    /* sizes kept open per weight (see hl_render_font) */
#define HL_RENDER_MIN_PX     4    /* font sizes are clamped to this range */
#define HL_RENDER_MAX_PX     512
#define HL_RENDER_OUTLINE    0x1a /* the faces' dark outline grey (#1a1a1a) */
#define HL_RENDER_PI         3.14159265358979323846f
#define HL_RENDER_IMAGES     8                  /* pictures kept as textures (officers' photos) */
#define HL_RENDER_IMAGE_MAX  (16 * 1024 * 1024) /* bytes of a picture file */
#define HL_RENDER_FONT_MAX   (64 * 1024 * 1024) /* bytes of a font file */
#define HL_RENDER_IMAGE_PATH 512 /* bytes of a picture's path (longer: drawn as missing) */

/* One rasterised text. */
typedef struct hl_text_entry {
    uint64_t key;     /* hash of bytes, length, px, weight, colour; 0 = empty slot */
    int len, px;      /* the text's length and size (checked with the key) */
    bool bold;        /* the text's weight (checked with the key) */
    hl_color_t color; /* the text's colour (checked with the key) */
    SDL_Texture *tex; /* owned: the rendered line */
    int w, h;         /* texture size in px */
    uint64_t used;    /* tick of the last draw (LRU) */
} hl_text_entry_t;

/* One picture file, loaded once. */
typedef struct hl_image_entry {
    char path[HL_RENDER_IMAGE_PATH]; /* the file; "" = empty slot */
    SDL_Texture *tex;                /* owned; NULL when the file could not be loaded */
    int w, h;                        /* picture size in px */
    uint64_t used;                   /* tick of the last draw (LRU) */
} hl_image_entry_t;

/* One font file, mapped once: every size of that weight shares the bytes. */
typedef struct hl_font_file {
    const void *data; /* owned (hl_file_map): the .ttf bytes */
    size_t size;      /* bytes */
} hl_font_file_t;

/* One open face of a weight at one size. */
typedef struct hl_font_slot {
    TTF_Font *font; /* owned; NULL = free slot */
    int px;         /* its current size */
    uint64_t used;  /* font_tick of the last use (LRU) */
} hl_font_slot_t;

/* A path of points, for outlines and strips. */
typedef struct hl_path {
    SDL_FPoint p[HL_RENDER_PATH_MAX]; /* the points, in order */
    int n;                            /* points used */
} hl_path_t;

struct hl_render {
    SDL_Renderer *r;                               /* not owned */
    hl_font_file_t files[2];                       /* regular, bold: the file bytes */
    hl_font_slot_t slots[2][HL_RENDER_FONT_SLOTS]; /* [weight]: faces open at some size */
    uint64_t font_tick;                            /* LRU clock of the slots */
    hl_text_entry_t cache[HL_RENDER_TEXT_CACHE];   /* rasterised texts */
    hl_image_entry_t images[HL_RENDER_IMAGES];     /* loaded pictures */
    uint64_t tick;                                 /* LRU clock: one tick per text drawn */
    hl_render_stats_t stats;                       /* counters for tests and benchmarks */
    SDL_Vertex verts[HL_RENDER_VERTS];             /* geometry being built */
    int n_verts;                                   /* vertices used in verts */
    SDL_Color vcolor;                              /* colour of the vertices being added */
    hl_path_t path_a, path_b;                      /* scratch paths (outer, inner) */
    int geo_rc;                                    /* first SDL_RenderGeometry failure (0: none) */
    char geo_err[160];                             /* its SDL_GetError() text */
};

/* ---- Fonts --------------------------------------------------------------- */

static void hl_font_setup(TTF_Font *f)
{
    /* Fixed shaping and hinting: the same text, the same pixels. */
    TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
    TTF_SetFontKerning(f, 1);
    TTF_SetFontScriptName(f, "Latn");
    TTF_SetFontDirection(f, TTF_DIRECTION_LTR);
}

/* The font for a weight at a size. A size already open is reused; else a
 * free slot opens another face on the file bytes already in memory; else the
 * least recently used slot is switched to the new size. */
static TTF_Font *hl_render_font(hl_render_t *rd, int px, bool bold)
{
    if (px < HL_RENDER_MIN_PX) px = HL_RENDER_MIN_PX;
    if (px > HL_RENDER_MAX_PX) px = HL_RENDER_MAX_PX;
    hl_font_slot_t *slots = rd->slots[bold ? 1 : 0], *lru = &slots[0], *free_slot = NULL;
    rd->font_tick++;
    for (int i = 0; i < HL_RENDER_FONT_SLOTS; i++) {
        hl_font_slot_t *sl = &slots[i];
        if (sl->font && sl->px == px) {
            sl->used = rd->font_tick;
            return sl->font;
        }
        if (!sl->font && !free_slot) free_slot = sl;
        if (sl->font && sl->used < lru->used) lru = sl;
    }
    if (free_slot) {
        const hl_font_file_t *file = &rd->files[bold ? 1 : 0];
        SDL_RWops *rw = SDL_RWFromConstMem(file->data, (int)file->size);
        TTF_Font *f = rw ? TTF_OpenFontRW(rw, 1, px) : NULL;
        if (f) {
            hl_font_setup(f);
            free_slot->font = f;
            free_slot->px = px;
            free_slot->used = rd->font_tick;
            return f;
        }
        /* Out of memory: fall back to resizing an open face (slot 0 always is). */
    }
    TTF_SetFontSize(lru->font, px);
    lru->px = px;
    lru->used = rd->font_tick;
    return lru->font;
}

/* Reads one weight's file and opens its first face (which checks it). */
static int hl_render_load_font(hl_render_t *rd, int i, const char *dir, const char *name,
                               hl_err_t *err)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        return hl_err_set(err, HL_ERR_USAGE, "fonts folder path is too long: %.100s...", dir);
    }
    hl_font_file_t *file = &rd->files[i];
    /* Mapped, not read: the faces read the glyphs in place, and only the
     * pages of the glyphs drawn take memory. */
    hl_err_t ferr = {0};
    TTF_Font *f = NULL;
    if (hl_file_map(path, HL_RENDER_FONT_MAX, &file->data, &file->size, &ferr) == HL_OK)
        f = TTF_OpenFontRW(SDL_RWFromConstMem(file->data, (int)file->size), 1, 32);
    else
        SDL_SetError("%s", ferr.msg);
    if (!f) {
        return hl_err_set(err, HL_ERR_NOT_FOUND,
                          "cannot open font %s: %s (the fonts/ folder of the source tree, or "
                          "share/hailong/fonts once installed)",
                          path, SDL_GetError());
    }
    hl_font_setup(f);
    rd->slots[i][0] = (hl_font_slot_t){f, 32, 0};
    return HL_OK;
}

int hl_render_new(struct SDL_Renderer *r, const char *fonts_dir, hl_render_t **out, hl_err_t *err)
{
    *out = NULL;
    if (TTF_Init() != 0) {
        return hl_err_set(err, HL_ERR_INTERNAL, "cannot start SDL_ttf: %s", TTF_GetError());
    }
    hl_render_t *rd = calloc(1, sizeof *rd);
    if (!rd) {
        TTF_Quit();
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory creating the renderer");
    }
    rd->r = r;
    int rc = hl_render_load_font(rd, 0, fonts_dir, "NotoSans-Regular.ttf", err);
    if (rc == HL_OK) rc = hl_render_load_font(rd, 1, fonts_dir, "NotoSans-Bold.ttf", err);
    if (rc != HL_OK) {
        hl_render_free(rd);
        return rc;
    }
    *out = rd;
    return HL_OK;
}

void hl_render_free(hl_render_t *rd)
{
    if (!rd) return;
    for (int i = 0; i < HL_RENDER_TEXT_CACHE; i++) {
        if (rd->cache[i].tex) SDL_DestroyTexture(rd->cache[i].tex);
    }
    for (int i = 0; i < HL_RENDER_IMAGES; i++) {
        if (rd->images[i].tex) SDL_DestroyTexture(rd->images[i].tex);
    }
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < HL_RENDER_FONT_SLOTS; i++) {
            if (rd->slots[w][i].font) TTF_CloseFont(rd->slots[w][i].font);
        }
        hl_file_unmap(rd->files[w].data, rd->files[w].size); /* after the faces that read it */
    }
    free(rd);
    TTF_Quit();
}

void hl_render_get_stats(const hl_render_t *rd, hl_render_stats_t *out)
{
    *out = rd->stats;
}

/* ---- Measuring ----------------------------------------------------------- */

/* Width of a NUL-terminated piece; 0 on error. */
static int hl_render_piece_width(hl_render_t *rd, const char *text, int px, bool bold)
{
    int w = 0, h = 0;
    if (TTF_SizeUTF8(hl_render_font(rd, px, bold), text, &w, &h) != 0) return 0;
    return w;
}

static int hl_render_width(void *ctx, const char *text, int len, int px, bool bold)
{
    hl_render_t *rd = ctx;
    char buf[HL_RENDER_TEXT_MAX];
    int total = 0;
    while (len > 0) {
        /* A text longer than the buffer is measured in pieces cut at UTF-8
         * character starts (kerning across a cut is lost: a pixel or two). */
        int n = len;
        if (n > HL_RENDER_TEXT_MAX - 1) {
            n = HL_RENDER_TEXT_MAX - 1;
            while (n > 1 && ((unsigned char)text[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(buf, text, (size_t)n);
        buf[n] = '\0';
        total += hl_render_piece_width(rd, buf, px, bold);
        text += n;
        len -= n;
    }
    return total;
}

static int hl_render_line_height(void *ctx, int px, bool bold)
{
    hl_render_t *rd = ctx;
    return TTF_FontLineSkip(hl_render_font(rd, px, bold));
}

hl_measure_t hl_render_measure(hl_render_t *rd)
{
    hl_measure_t m = {hl_render_width, hl_render_line_height, rd};
    return m;
}

/* ---- Text ---------------------------------------------------------------- */

static uint64_t hl_fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t hl_text_key(const char *text, int len, int px, bool bold, hl_color_t c)
{
    uint64_t h = 14695981039346656037ull;
    h = hl_fnv(h, text, (size_t)len);
    unsigned char tail[12] = {(unsigned char)(len & 0xff),
                              (unsigned char)((len >> 8) & 0xff),
                              (unsigned char)((len >> 16) & 0xff),
                              (unsigned char)(px & 0xff),
                              (unsigned char)((px >> 8) & 0xff),
                              (unsigned char)bold,
                              c.r,
                              c.g,
                              c.b,
                              c.a,
                              0x5a,
                              0xa5};
    h = hl_fnv(h, tail, sizeof tail);
    return h ? h : 1; /* 0 marks an empty slot */
}

/* Finds or rasterises a text; NULL (with err set) when SDL_ttf fails. */
static hl_text_entry_t *hl_render_text_entry(hl_render_t *rd, const hl_cmd_t *c, hl_err_t *err)
{
    uint64_t key = hl_text_key(c->text, c->len, c->px, c->bold, c->color);
    hl_text_entry_t *victim = &rd->cache[0];
    rd->tick++;
    for (int i = 0; i < HL_RENDER_TEXT_CACHE; i++) {
        hl_text_entry_t *e = &rd->cache[i];
        if (e->key == key && e->len == c->len && e->px == c->px && e->bold == c->bold &&
            memcmp(&e->color, &c->color, sizeof e->color) == 0) {
            e->used = rd->tick;
            rd->stats.text_cache_hits++;
            return e;
        }
        if (e->used < victim->used) victim = e;
    }
    char buf[HL_RENDER_TEXT_MAX];
    int n = c->len;
    if (n > HL_RENDER_TEXT_MAX - 1) { /* far longer than any line: cut at a character */
        n = HL_RENDER_TEXT_MAX - 1;
        while (n > 1 && ((unsigned char)c->text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, c->text, (size_t)n);
    buf[n] = '\0';
    SDL_Color col = {c->color.r, c->color.g, c->color.b, c->color.a};
    SDL_Surface *s = TTF_RenderUTF8_Blended(hl_render_font(rd, c->px, c->bold), buf, col);
    if (!s) {
        hl_err_set(err, HL_ERR_INTERNAL, "cannot render text \"%.40s\" at %d px: %s", buf, c->px,
                   TTF_GetError());
        return NULL;
    }
    SDL_Texture *t = SDL_CreateTextureFromSurface(rd->r, s);
    int w = s->w, h = s->h;
    SDL_FreeSurface(s);
    if (!t) {
        hl_err_set(err, HL_ERR_NOMEM, "cannot make a %dx%d text texture: %s", w, h, SDL_GetError());
        return NULL;
    }
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    if (victim->tex) SDL_DestroyTexture(victim->tex);
    victim->key = key;
    victim->len = c->len;
    victim->px = c->px;
    victim->bold = c->bold;
    victim->color = c->color;
    victim->tex = t;
    victim->w = w;
    victim->h = h;
    victim->used = rd->tick;
    rd->stats.text_rasterised++;
    return victim;
}

static int hl_render_text(hl_render_t *rd, const hl_cmd_t *c, hl_err_t *err)
{
    if (!c->text || c->len <= 0 || c->color.a == 0) return HL_OK;
    hl_text_entry_t *e = hl_render_text_entry(rd, c, err);
    if (!e) return err ? err->code : HL_ERR_INTERNAL;
    SDL_Rect dst = {c->box.x, c->box.y + (c->box.h - e->h) / 2, e->w, e->h};
    if (c->align == HL_ALIGN_CENTER) dst.x += (c->box.w - e->w) / 2;
    if (c->align == HL_ALIGN_RIGHT) dst.x += c->box.w - e->w;
    if (SDL_RenderCopy(rd->r, e->tex, NULL, &dst) != 0) {
        return hl_err_set(err, HL_ERR_INTERNAL, "cannot draw text: %s", SDL_GetError());
    }
    return HL_OK;
}

/* ---- Geometry ------------------------------------------------------------ */

static void hl_geo_flush(hl_render_t *rd)
{
    if (rd->n_verts == 0) return;
    /* Opaque triangles need no blending; with blending on, SDL's software
     * renderer makes a temporary surface per triangle (an allocation each). */
    bool opaque = true;
    for (int i = 0; i < rd->n_verts && opaque; i++)
        opaque = rd->verts[i].color.a == 255;
    SDL_BlendMode mode = SDL_BLENDMODE_BLEND;
    SDL_GetRenderDrawBlendMode(rd->r, &mode);
    if (opaque) SDL_SetRenderDrawBlendMode(rd->r, SDL_BLENDMODE_NONE);
    if (SDL_RenderGeometry(rd->r, NULL, rd->verts, rd->n_verts, NULL, 0) != 0 && !rd->geo_rc) {
        rd->geo_rc = HL_ERR_INTERNAL;
        snprintf(rd->geo_err, sizeof rd->geo_err, "%s", SDL_GetError());
    }
    if (opaque) SDL_SetRenderDrawBlendMode(rd->r, mode);
    rd->n_verts = 0;
}

static void hl_geo_color(hl_render_t *rd, hl_color_t c)
{
    rd->vcolor = (SDL_Color){c.r, c.g, c.b, c.a};
}

static void hl_geo_tri(hl_render_t *rd, SDL_FPoint a, SDL_FPoint b, SDL_FPoint c)
{
    if (rd->n_verts + 3 > HL_RENDER_VERTS) hl_geo_flush(rd);
    SDL_Vertex *v = &rd->verts[rd->n_verts];
    SDL_FPoint p[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        v[i].position = p[i];
        v[i].color = rd->vcolor;
        v[i].tex_coord = (SDL_FPoint){0, 0};
    }
    rd->n_verts += 3;
}

static void hl_geo_quad(hl_render_t *rd, SDL_FPoint a, SDL_FPoint b, SDL_FPoint c, SDL_FPoint d)
{
    hl_geo_tri(rd, a, b, c);
    hl_geo_tri(rd, a, c, d);
}

static float hl_lerp_x(SDL_FPoint a, SDL_FPoint b, float y)
{
    return a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y);
}

/* Fills a convex polygon as horizontal trapezoids between its vertices'
 * heights. Not a fan from the centre: the software renderer walks each
 * triangle's bounding box, and a fan's long slivers made a rounded card cost
 * ten times its area. */
static void hl_geo_convex(hl_render_t *rd, const SDL_FPoint *p, int n)
{
    if (n < 3) return;
    int top = 0, bot = 0;
    for (int i = 1; i < n; i++) {
        if (p[i].y < p[top].y) top = i;
        if (p[i].y > p[bot].y) bot = i;
    }
    /* Two y-monotone chains from the top vertex to the bottom one: a walks
     * forwards, b backwards; each stands on its edge (a, an) / (b, bn). */
    int a = top, an = (top + 1) % n, b = top, bn = (top + n - 1) % n;
    float y = p[top].y;
    for (;;) {
        while (a != bot && p[an].y <= y) {
            a = an;
            an = (a + 1) % n;
        }
        while (b != bot && p[bn].y <= y) {
            b = bn;
            bn = (b + n - 1) % n;
        }
        if (a == bot || b == bot) break;
        float ny = p[an].y < p[bn].y ? p[an].y : p[bn].y;
        SDL_FPoint a0 = {hl_lerp_x(p[a], p[an], y), y}, a1 = {hl_lerp_x(p[a], p[an], ny), ny};
        SDL_FPoint b0 = {hl_lerp_x(p[b], p[bn], y), y}, b1 = {hl_lerp_x(p[b], p[bn], ny), ny};
        hl_geo_quad(rd, a0, b0, b1, a1);
        y = ny;
    }
}

/* Segments for a full circle of radius r: chord error under 1/4 px. */
static int hl_geo_segments(float r)
{
    if (r <= 1.0f) return 8;
    float step = 2.0f * acosf(1.0f - 0.25f / r);
    int n = (int)ceilf(2.0f * HL_RENDER_PI / step);
    if (n < 24) n = 24; /* small discs (progress dots) stay round */
    if (n > 256) n = 256;
    return (n + 3) / 4 * 4; /* whole quarters, for rounded corners */
}

/* A filled ellipse (a disc when rx == ry) as a fan. */
static void hl_geo_ellipse(hl_render_t *rd, float cx, float cy, float rx, float ry)
{
    SDL_FPoint p[256];
    int n = hl_geo_segments(rx > ry ? rx : ry);
    for (int i = 0; i < n; i++) {
        float a = 2.0f * HL_RENDER_PI * (float)i / (float)n;
        p[i] = (SDL_FPoint){cx + rx * cosf(a), cy + ry * sinf(a)};
    }
    hl_geo_convex(rd, p, n);
}

/* A ring between radii r_in and r_out. */
static void hl_geo_ring(hl_render_t *rd, float cx, float cy, float r_out, float r_in)
{
    if (r_in <= 0) {
        hl_geo_ellipse(rd, cx, cy, r_out, r_out);
        return;
    }
    int n = hl_geo_segments(r_out);
    for (int i = 0; i < n; i++) {
        float a0 = 2.0f * HL_RENDER_PI * (float)i / (float)n;
        float a1 = 2.0f * HL_RENDER_PI * (float)(i + 1 == n ? 0 : i + 1) / (float)n;
        float c0 = cosf(a0), s0 = sinf(a0), c1 = cosf(a1), s1 = sinf(a1);
        hl_geo_quad(rd, (SDL_FPoint){cx + r_out * c0, cy + r_out * s0},
                    (SDL_FPoint){cx + r_out * c1, cy + r_out * s1},
                    (SDL_FPoint){cx + r_in * c1, cy + r_in * s1},
                    (SDL_FPoint){cx + r_in * c0, cy + r_in * s0});
    }
}

/* A thick polyline. Joins are mitred (a smooth arc stays one clean strip),
 * except at sharp corners (a star's points) where a mitre would spike: there
 * the segments end square and a disc rounds the corner. Open ends get round
 * caps. */
static void hl_geo_polyline(hl_render_t *rd, const SDL_FPoint *p, int n, float width, bool closed)
{
    enum { HL_POLY_MAX = 64 };
    SDL_FPoint nrm[HL_POLY_MAX]; /* unit normal of segment i (p[i] -> p[i + 1]) */
    SDL_FPoint off[HL_POLY_MAX]; /* mitre offset at vertex i */
    bool round[HL_POLY_MAX];     /* vertex i is an end or a sharp corner */
    float hw = width / 2.0f;
    if (n < 2 || n > HL_POLY_MAX) return;
    int segs = closed ? n : n - 1;
    for (int i = 0; i < segs; i++) {
        SDL_FPoint a = p[i], b = p[(i + 1) % n];
        float dx = b.x - a.x, dy = b.y - a.y, len = sqrtf(dx * dx + dy * dy);
        nrm[i] = len > 0.0f ? (SDL_FPoint){-dy / len, dx / len} : (SDL_FPoint){0, 0};
    }
    for (int i = 0; i < n; i++) {
        bool end = !closed && (i == 0 || i == n - 1);
        SDL_FPoint n1 = nrm[end && i == 0 ? 0 : (i + segs - 1) % segs];
        SDL_FPoint n2 = nrm[end ? (i == 0 ? 0 : segs - 1) : i % segs];
        float mx = n1.x + n2.x, my = n1.y + n2.y, ml = sqrtf(mx * mx + my * my);
        float cosh = ml / 2.0f; /* cosine of half the turn */
        round[i] = end || cosh < 0.7f;
        if (ml > 0.0f && cosh >= 0.7f) {
            off[i] = (SDL_FPoint){mx / ml * hw / cosh, my / ml * hw / cosh};
        } else {
            off[i] = (SDL_FPoint){n2.x * hw, n2.y * hw};
        }
    }
    for (int i = 0; i < segs; i++) {
        int j = (i + 1) % n;
        SDL_FPoint oi = round[i] ? (SDL_FPoint){nrm[i].x * hw, nrm[i].y * hw} : off[i];
        SDL_FPoint oj = round[j] ? (SDL_FPoint){nrm[i].x * hw, nrm[i].y * hw} : off[j];
        hl_geo_quad(rd, (SDL_FPoint){p[i].x + oi.x, p[i].y + oi.y},
                    (SDL_FPoint){p[j].x + oj.x, p[j].y + oj.y},
                    (SDL_FPoint){p[j].x - oj.x, p[j].y - oj.y},
                    (SDL_FPoint){p[i].x - oi.x, p[i].y - oi.y});
    }
    for (int i = 0; i < n; i++) {
        if (round[i]) hl_geo_ellipse(rd, p[i].x, p[i].y, hw, hw);
    }
}

/* The outline of a rounded rectangle, clockwise from the top-left corner's
 * start; `quarter` points per corner (the same for an inner and an outer
 * path, so that they pair up). */
static void hl_path_rounded(hl_path_t *path, float x, float y, float w, float h, float r,
                            int quarter)
{
    const float cx[4] = {x + r, x + w - r, x + w - r, x + r};
    const float cy[4] = {y + r, y + r, y + h - r, y + h - r};
    path->n = 0;
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i <= quarter; i++) {
            float a = HL_RENDER_PI * (1.0f + 0.5f * (float)k + 0.5f * (float)i / (float)quarter);
            path->p[path->n++] = (SDL_FPoint){cx[k] + r * cosf(a), cy[k] + r * sinf(a)};
        }
    }
}

static float hl_minf(float a, float b)
{
    return a < b ? a : b;
}

static void hl_draw_rect(hl_render_t *rd, const hl_cmd_t *c)
{
    const hl_rect_t b = c->box;
    if (b.w <= 0 || b.h <= 0) return;
    float r = hl_minf((float)c->radius, hl_minf((float)b.w, (float)b.h) / 2.0f);
    if (r < 0) r = 0;
    SDL_SetRenderDrawColor(rd->r, c->color.r, c->color.g, c->color.b, c->color.a);
    /* An opaque fill needs no blending, which the software renderer does
     * per pixel: a full-width bar costs a tenth. */
    SDL_SetRenderDrawBlendMode(rd->r, c->color.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    if (r < 0.5f) {
        /* Square corners: exact pixel rectangles. */
        if (c->border <= 0 || c->border * 2 >= b.w || c->border * 2 >= b.h) {
            SDL_RenderFillRect(rd->r, &(SDL_Rect){b.x, b.y, b.w, b.h});
            return;
        }
        int t = c->border;
        SDL_Rect sides[4] = {{b.x, b.y, b.w, t},
                             {b.x, b.y + b.h - t, b.w, t},
                             {b.x, b.y + t, t, b.h - 2 * t},
                             {b.x + b.w - t, b.y + t, t, b.h - 2 * t}};
        SDL_RenderFillRects(rd->r, sides, 4);
        return;
    }
    int quarter = hl_geo_segments(r) / 4;
    hl_geo_color(rd, c->color);
    hl_path_t *out = &rd->path_a;
    hl_path_rounded(out, (float)b.x, (float)b.y, (float)b.w, (float)b.h, r, quarter);
    if (c->border <= 0 || c->border * 2 >= b.w || c->border * 2 >= b.h) {
        hl_geo_convex(rd, out->p, out->n);
    } else {
        float t = (float)c->border, ri = r - t > 0 ? r - t : 0;
        hl_path_t *in = &rd->path_b;
        hl_path_rounded(in, (float)b.x + t, (float)b.y + t, (float)b.w - 2 * t, (float)b.h - 2 * t,
                        ri, quarter);
        for (int i = 0; i < out->n; i++) {
            int j = (i + 1) % out->n;
            hl_geo_quad(rd, out->p[i], out->p[j], in->p[j], in->p[i]);
        }
    }
    hl_geo_flush(rd);
}

/* A small disc or ring (radius up to HL_RENDER_SPAN_R) as one pixel row
 * each: a pixel is in when its centre is inside the outer circle and not
 * inside the inner one. The software renderer rasterises triangles on a
 * half-pixel grid and takes in pixels its edges touch, which turned a
 * 10 px progress dot into a rounded square with a spur at its bottom;
 * exact rows keep a small circle round. */
static void hl_draw_circle_rows(hl_render_t *rd, const hl_cmd_t *c, float cx, float cy, float r,
                                float r_in)
{
    SDL_Rect rows[4 * HL_RENDER_SPAN_R + 4];
    int n = 0;
    int y0 = (int)floorf(cy - r), y1 = (int)ceilf(cy + r);
    for (int y = y0; y < y1 && n + 2 <= (int)(sizeof rows / sizeof rows[0]); y++) {
        float dy = (float)y + 0.5f - cy;
        if (dy * dy >= r * r) continue;
        float hw = sqrtf(r * r - dy * dy);
        int lo = (int)ceilf(cx - hw - 0.5f), hi = (int)floorf(cx + hw - 0.5f);
        if (hi < lo) continue;
        int ilo = hi + 1, ihi = hi; /* inner pixels: none unless the row crosses the hole */
        if (r_in > 0.0f && dy * dy < r_in * r_in) {
            float hi_w = sqrtf(r_in * r_in - dy * dy);
            ilo = (int)floorf(cx - hi_w - 0.5f) + 1;
            ihi = (int)ceilf(cx + hi_w - 0.5f) - 1;
        }
        if (ilo > ihi) {
            rows[n++] = (SDL_Rect){lo, y, hi - lo + 1, 1};
            continue;
        }
        if (ilo > lo) rows[n++] = (SDL_Rect){lo, y, ilo - lo, 1};
        if (hi > ihi) rows[n++] = (SDL_Rect){ihi + 1, y, hi - ihi, 1};
    }
    SDL_SetRenderDrawColor(rd->r, c->color.r, c->color.g, c->color.b, c->color.a);
    SDL_SetRenderDrawBlendMode(rd->r, c->color.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    if (n > 0) SDL_RenderFillRects(rd->r, rows, n);
}

static void hl_draw_circle(hl_render_t *rd, const hl_cmd_t *c)
{
    float r = hl_minf((float)c->box.w, (float)c->box.h) / 2.0f;
    if (r <= 0) return;
    float cx = (float)c->box.x + (float)c->box.w / 2.0f;
    float cy = (float)c->box.y + (float)c->box.h / 2.0f;
    if (r <= (float)HL_RENDER_SPAN_R) {
        float r_in = c->border > 0 && (float)c->border < r ? r - (float)c->border : 0.0f;
        hl_draw_circle_rows(rd, c, cx, cy, r, r_in);
        return;
    }
    hl_geo_color(rd, c->color);
    if (c->border > 0 && (float)c->border < r) {
        hl_geo_ring(rd, cx, cy, r, r - (float)c->border);
    } else {
        hl_geo_ellipse(rd, cx, cy, r, r);
    }
    hl_geo_flush(rd);
}

static void hl_draw_star(hl_render_t *rd, const hl_cmd_t *c)
{
    float r = hl_minf((float)c->box.w, (float)c->box.h) / 2.0f;
    if (r <= 0) return;
    float t = c->border > 0 ? (float)c->border : 0;
    float ro = r - t / 2.0f;   /* an outline is centred on the star's edge */
    float ri = ro * 0.381966f; /* inner radius of a regular star: sin 18 / sin 126 */
    float cx = (float)c->box.x + (float)c->box.w / 2.0f;
    /* The star spans -r .. r cos 36 vertically: centre that span in the box. */
    float cy = (float)c->box.y + (float)c->box.h / 2.0f + ro * (1.0f - 0.809017f) / 2.0f;
    SDL_FPoint p[10];
    for (int i = 0; i < 10; i++) {
        float a = -HL_RENDER_PI / 2.0f + HL_RENDER_PI * (float)i / 5.0f;
        float rr = (i % 2 == 0) ? ro : ri;
        p[i] = (SDL_FPoint){cx + rr * cosf(a), cy + rr * sinf(a)};
    }
    hl_geo_color(rd, c->color);
    if (t > 0) {
        hl_geo_polyline(rd, p, 10, t, true);
    } else {
        /* The inner pentagon, then the five points on its sides. */
        SDL_FPoint inner[5] = {p[1], p[3], p[5], p[7], p[9]};
        hl_geo_convex(rd, inner, 5);
        for (int i = 0; i < 10; i += 2)
            hl_geo_tri(rd, p[(i + 9) % 10], p[i], p[i + 1]);
    }
    hl_geo_flush(rd);
}

static void hl_draw_tick(hl_render_t *rd, const hl_cmd_t *c)
{
    float s = hl_minf((float)c->box.w, (float)c->box.h);
    if (s <= 0) return;
    float x = (float)c->box.x + ((float)c->box.w - s) / 2.0f;
    float y = (float)c->box.y + ((float)c->box.h - s) / 2.0f;
    float t = c->border > 0 ? (float)c->border : s * 0.13f;
    if (t < 2.0f) t = 2.0f;
    SDL_FPoint p[3] = {{x + 0.16f * s, y + 0.54f * s},
                       {x + 0.40f * s, y + 0.78f * s},
                       {x + 0.84f * s, y + 0.26f * s}};
    hl_geo_color(rd, c->color);
    hl_geo_polyline(rd, p, 3, t, false);
    hl_geo_flush(rd);
}

static void hl_draw_face(hl_render_t *rd, const hl_cmd_t *c)
{
    float r = hl_minf((float)c->box.w, (float)c->box.h) / 2.0f;
    if (r <= 0) return;
    float cx = (float)c->box.x + (float)c->box.w / 2.0f;
    float cy = (float)c->box.y + (float)c->box.h / 2.0f;
    int of = c->of >= 2 ? c->of : 5;
    int level = c->level < 1 ? 1 : (c->level > of ? of : c->level);
    float t = (float)(level - 1) / (float)(of - 1); /* 0 worst .. 1 best */
    float k = 2.0f * t - 1.0f;                      /* mouth curvature: -1 frown .. 1 smile */
    float line = r * 0.085f;                        /* outline and mouth thickness */
    if (line < 2.0f) line = 2.0f;
    hl_color_t dark = {HL_RENDER_OUTLINE, HL_RENDER_OUTLINE, HL_RENDER_OUTLINE, c->color.a};

    /* Head: a dark disc with the coloured face inside it. */
    hl_geo_color(rd, dark);
    hl_geo_ellipse(rd, cx, cy, r, r);
    hl_geo_color(rd, c->color);
    hl_geo_ellipse(rd, cx, cy, r - line, r - line);

    /* Eyes: upright ovals. */
    hl_geo_color(rd, dark);
    float ex = r * 0.34f, ey = cy - r * 0.24f;
    hl_geo_ellipse(rd, cx - ex, ey, r * 0.09f, r * 0.13f);
    hl_geo_ellipse(rd, cx + ex, ey, r * 0.09f, r * 0.13f);

    /* Eyebrows on the worst face only, raised towards the middle: sad, not
     * angry (a citizen's bad day is not a threat), and it tells the two
     * lowest faces apart without colour. */
    if (level == 1) {
        SDL_FPoint bl[2] = {{cx - ex - r * 0.15f, ey - r * 0.17f},
                            {cx - ex + r * 0.12f, ey - r * 0.27f}};
        SDL_FPoint br[2] = {{cx + ex + r * 0.15f, ey - r * 0.17f},
                            {cx + ex - r * 0.12f, ey - r * 0.27f}};
        hl_geo_polyline(rd, bl, 2, line * 0.8f, false);
        hl_geo_polyline(rd, br, 2, line * 0.8f, false);
    }

    /* Mouth: a parabola through the corners and the middle; the middle sits
     * below the corners for a smile and above them for a frown. Wider as the
     * smile grows. */
    enum { HL_MOUTH_POINTS = 25 };
    SDL_FPoint m[HL_MOUTH_POINTS];
    float half = r * (0.40f + 0.10f * t);
    float depth = r * 0.34f * k;
    float my = cy + r * 0.36f;
    for (int i = 0; i < HL_MOUTH_POINTS; i++) {
        float u = -1.0f + 2.0f * (float)i / (float)(HL_MOUTH_POINTS - 1);
        m[i] = (SDL_FPoint){cx + u * half, my + depth * (0.5f - u * u)};
    }
    hl_geo_polyline(rd, m, HL_MOUTH_POINTS, line, false);
    hl_geo_flush(rd);
}

/* ---- Pictures -------------------------------------------------------------- */

/* The cached picture for path, loading it on a miss (a failed load is kept
 * too, with no texture, so a missing file is not retried every frame). */
static hl_image_entry_t *hl_render_image_entry(hl_render_t *rd, const char *path)
{
    hl_image_entry_t *victim = &rd->images[0];
    rd->tick++;
    for (int i = 0; i < HL_RENDER_IMAGES; i++) {
        hl_image_entry_t *e = &rd->images[i];
        if (e->path[0] && strcmp(e->path, path) == 0) {
            e->used = rd->tick;
            return e;
        }
        if (!e->path[0]) {
            if (victim->path[0]) victim = e;
        } else if (victim->path[0] && e->used < victim->used) {
            victim = e;
        }
    }
    if (victim->tex) SDL_DestroyTexture(victim->tex);
    memset(victim, 0, sizeof *victim);
    snprintf(victim->path, sizeof victim->path, "%s", path);
    victim->used = rd->tick;
    /* Read as any file we did not write (hl_file_read): a FIFO or a device
     * named as an officer's photo must not freeze the screen. */
    char *bytes = NULL;
    size_t len = 0;
    hl_err_t err = {0};
    SDL_Surface *s = NULL;
    if (hl_file_read(NULL, path, HL_RENDER_IMAGE_MAX, 0, &bytes, &len, &err) == HL_OK)
        s = IMG_Load_RW(SDL_RWFromConstMem(bytes, (int)len), 1);
    else
        fprintf(stderr, "hailong: picture %s: %s\n", path, err.msg);
    free(bytes);
    if (s) {
        victim->tex = SDL_CreateTextureFromSurface(rd->r, s);
        victim->w = s->w;
        victim->h = s->h;
        SDL_FreeSurface(s);
        if (victim->tex) SDL_SetTextureBlendMode(victim->tex, SDL_BLENDMODE_BLEND);
    }
    return victim;
}

/* A picture scaled into the box keeping its aspect ratio, centred; a
 * neutral placeholder (a grey card with a head-and-shoulders outline) when
 * the file cannot be read. */
static void hl_draw_image(hl_render_t *rd, const hl_cmd_t *c)
{
    const hl_rect_t b = c->box;
    if (b.w <= 0 || b.h <= 0) return;
    hl_image_entry_t *e = NULL;
    if (c->text && c->text[0] && strlen(c->text) < HL_RENDER_IMAGE_PATH)
        e = hl_render_image_entry(rd, c->text);
    if (e && e->tex && e->w > 0 && e->h > 0) {
        int w = b.w, h = (int)((long long)b.w * e->h / e->w);
        if (h > b.h) {
            h = b.h;
            w = (int)((long long)b.h * e->w / e->h);
        }
        SDL_Rect dst = {b.x + (b.w - w) / 2, b.y + (b.h - h) / 2, w < 1 ? 1 : w, h < 1 ? 1 : h};
        SDL_RenderCopy(rd->r, e->tex, NULL, &dst);
        return;
    }
    hl_cmd_t card = *c;
    card.color = (hl_color_t){0xE3, 0xE8, 0xEE, 255};
    card.radius = (b.w < b.h ? b.w : b.h) / 10;
    card.border = 0;
    hl_draw_rect(rd, &card);
    float s = hl_minf((float)b.w, (float)b.h);
    float cx = (float)b.x + (float)b.w / 2.0f, cy = (float)b.y + (float)b.h / 2.0f;
    hl_geo_color(rd, (hl_color_t){0x6B, 0x7A, 0x8C, 255});
    hl_geo_ellipse(rd, cx, cy - s * 0.12f, s * 0.17f, s * 0.17f);
    hl_geo_ellipse(rd, cx, cy + s * 0.30f, s * 0.30f, s * 0.17f);
    hl_geo_flush(rd);
}

/* ---- Drawing a scene ----------------------------------------------------- */

int hl_render_draw(hl_render_t *rd, const hl_scene_t *s, hl_err_t *err)
{
    SDL_Renderer *r = rd->r;
    rd->geo_rc = 0;
    rd->n_verts = 0;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, s->background.r, s->background.g, s->background.b, 255);
    if (SDL_RenderClear(r) != 0) {
        return hl_err_set(err, HL_ERR_INTERNAL, "cannot clear the screen: %s", SDL_GetError());
    }
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        switch (c->kind) {
        case HL_CMD_RECT:
            hl_draw_rect(rd, c);
            SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
            break;
        case HL_CMD_TEXT: {
            int rc = hl_render_text(rd, c, err);
            if (rc != HL_OK) return rc;
            break;
        }
        case HL_CMD_FACE:
            hl_draw_face(rd, c);
            break;
        case HL_CMD_STAR:
            hl_draw_star(rd, c);
            break;
        case HL_CMD_TICK:
            hl_draw_tick(rd, c);
            break;
        case HL_CMD_CIRCLE:
            hl_draw_circle(rd, c);
            break;
        case HL_CMD_IMAGE:
            hl_draw_image(rd, c);
            SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
            break;
        }
    }
    hl_geo_flush(rd);
    if (rd->geo_rc) {
        return hl_err_set(err, rd->geo_rc, "cannot draw shapes: %s", rd->geo_err);
    }
    return HL_OK;
}
