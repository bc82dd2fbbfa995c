/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_scene.c: building a screen as data (drawing commands and touch targets)
 * and asking it where things are.
 *
 * Everything lives in the caller's hl_scene_t with fixed capacities: pushing
 * past a capacity never writes out of bounds, it sets `overflow` (which the
 * tests treat as a bug) and hands back a harmless dummy command. Targets are
 * hit-tested last to first, so a target pushed later (drawn on top) wins.
 */
#include "hl_scene.h"

#include <string.h>

void hl_scene_clear(hl_scene_t *s, int w, int h, hl_color_t background)
{
    s->w = w;
    s->h = h;
    s->background = background;
    s->screen[0] = '\0';
    s->n_cmds = 0;
    s->n_targets = 0;
    s->scratch_used = 0;
    s->overflow = false;
}

hl_cmd_t *hl_scene_push(hl_scene_t *s, hl_cmd_kind_t kind, hl_rect_t box, hl_color_t color)
{
    hl_cmd_t *c;
    if (s->n_cmds >= HL_SCENE_MAX_CMDS) {
        /* The last slot doubles as the dummy: it is overwritten, and the
         * scene is marked as broken so that a test notices. */
        s->overflow = true;
        c = &s->cmds[HL_SCENE_MAX_CMDS - 1];
    } else {
        c = &s->cmds[s->n_cmds++];
    }
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->box = box;
    c->color = color;
    c->align = HL_ALIGN_LEFT;
    return c;
}

void hl_scene_target(hl_scene_t *s, const char *id, hl_rect_t box)
{
    size_t n = strlen(id);
    if (s->n_targets >= HL_SCENE_MAX_TARGETS || n >= HL_SCENE_ID_MAX) {
        s->overflow = true;
        return;
    }
    hl_target_t *t = &s->targets[s->n_targets++];
    memcpy(t->id, id, n + 1);
    t->box = box;
    t->action = (hl_action_t){HL_ACT_NONE, -1, -1};
}

void hl_scene_act(hl_scene_t *s, hl_action_t a)
{
    if (s->n_targets > 0) s->targets[s->n_targets - 1].action = a;
}

const char *hl_scene_strdup(hl_scene_t *s, const char *text)
{
    size_t n = strlen(text) + 1;
    if (n > HL_SCENE_SCRATCH - s->scratch_used) {
        s->overflow = true;
        return NULL;
    }
    char *p = s->scratch + s->scratch_used;
    memcpy(p, text, n);
    s->scratch_used += n;
    return p;
}

static bool hl_rect_contains(hl_rect_t r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

const char *hl_scene_hit(const hl_scene_t *s, int x, int y)
{
    for (size_t i = s->n_targets; i-- > 0;) {
        if (hl_rect_contains(s->targets[i].box, x, y)) return s->targets[i].id;
    }
    return NULL;
}

const hl_target_t *hl_scene_find(const hl_scene_t *s, const char *id)
{
    for (size_t i = 0; i < s->n_targets; i++) {
        if (strcmp(s->targets[i].id, id) == 0) return &s->targets[i];
    }
    return NULL;
}

/* FNV-1a, 64 bits: enough to tell screens apart, never stored. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

uint64_t hl_scene_signature(const hl_scene_t *s)
{
    int size[2] = {s->w, s->h};
    uint64_t h = fnv(14695981039346656037ULL, size, sizeof size);
    h = fnv(h, s->screen, strlen(s->screen) + 1);
    for (size_t i = 0; i < s->n_targets; i++)
        if (strncmp(s->targets[i].id, "key:", 4) != 0)
            h = fnv(h, s->targets[i].id, strlen(s->targets[i].id) + 1);
    return h;
}
