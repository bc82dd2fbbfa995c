/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_ui_access.c: the accessibility state of the response under way (issue
 * 17): the header's Listen, Aa and volume buttons applied (hl_ui_act), the
 * reset between citizens, and the focus the tactile keys move through a
 * screen's targets, with the ring that shows it.
 *
 * Reading order is computed from where targets are, not from the order the
 * screens add them: sorted by their top, targets whose boxes overlap
 * vertically make one row (a row's span grows with each target it takes),
 * each row sorted left to right. NEXT and PREV (and RIGHT and LEFT) walk
 * that order, UP and DOWN jump to the row above or below, to the target
 * nearest across; all wrap. When the screen changes under the focus (another
 * question or state, not another language: the screen's name less its
 * language), the focus goes to the first target that answers. The ring is
 * three outlines: a white line just outside the target, a dark ring along
 * its edge inside, a white line inside that: whatever a target or the page
 * behind it is coloured (white, blue, grey), one of the two tones is at
 * least 3:1 against it, and it is a shape, never a colour change alone.
 */
#include "ui_int.h"

/* ---- State and actions ----------------------------------------------------- */

void hl_ui_access_reset(hl_ui_t *ui)
{
    hl_ui_access_t *a = &ui->access;
    a->large = false;
    a->speech = false;
    a->volume = iclamp(a->volume_default, 0, imax(0, a->volume_max));
    a->focus_shown = false;
    a->focus[0] = '\0';
    a->focus_screen[0] = '\0';
}

bool hl_ui_access_named(const char *id, hl_action_t *a)
{
    static const struct {
        const char *id;
        hl_act_t kind;
        int item;
    } named[4] = {{"listen", HL_ACT_LISTEN, -1},
                  {"large", HL_ACT_LARGE, -1},
                  {"volume:down", HL_ACT_VOLUME, -1},
                  {"volume:up", HL_ACT_VOLUME, 1}};
    for (int i = 0; i < 4; i++) {
        if (strcmp(id, named[i].id) != 0) continue;
        *a = (hl_action_t){named[i].kind, -1, named[i].item};
        return true;
    }
    return false;
}

int hl_ui_access_act(hl_ui_t *ui, hl_flow_t *f, const hl_action_t *a, hl_err_t *err)
{
    hl_ui_access_t *ac = &ui->access;
    if (f->state == HL_STATE_THANKS)
        return hl_err_set(err, HL_ERR_STATE, "the thanks screen is showing: taps are ignored");
    switch (a->kind) {
    case HL_ACT_LISTEN:
        if (!ac->listen_button) return hl_err_set(err, HL_ERR_USAGE, "no Listen button here");
        ac->speech = true;
        break;
    case HL_ACT_LARGE:
        ac->large = !ac->large;
        break;
    case HL_ACT_VOLUME:
        if (a->item != 1 && a->item != -1)
            return hl_err_set(err, HL_ERR_USAGE, "the volume moves one step down or up");
        ac->volume = iclamp(ac->volume + a->item, 0, imax(0, ac->volume_max));
        break;
    default:
        return hl_err_set(err, HL_ERR_USAGE, "not an accessibility action");
    }
    /* A sign of life for the flow: the idle timer restarts, "still
     * there?" goes away. */
    return hl_flow_touch(f, err);
}

/* ---- Reading order ----------------------------------------------------------- */

typedef struct acc_order {
    int n;                         /* citizen targets (with an action) */
    int idx[HL_SCENE_MAX_TARGETS]; /* their indices in the scene, in reading order */
    int row[HL_SCENE_MAX_TARGETS]; /* the row of each, from 0 */
} acc_order_t;

static bool acc_before(const hl_rect_t *a, const hl_rect_t *b, bool by_x)
{
    if (by_x) return a->x != b->x ? a->x < b->x : a->y < b->y;
    return a->y != b->y ? a->y < b->y : a->x < b->x;
}

/* Insertion sort of o->idx[from, to) by top (or by left, by_x). */
static void acc_sort(const hl_scene_t *s, acc_order_t *o, int from, int to, bool by_x)
{
    for (int i = from + 1; i < to; i++) {
        int v = o->idx[i], j = i;
        while (j > from && acc_before(&s->targets[v].box, &s->targets[o->idx[j - 1]].box, by_x)) {
            o->idx[j] = o->idx[j - 1];
            j--;
        }
        o->idx[j] = v;
    }
}

static void acc_order(const hl_scene_t *s, acc_order_t *o)
{
    o->n = 0;
    for (size_t i = 0; i < s->n_targets && o->n < HL_SCENE_MAX_TARGETS; i++)
        if (s->targets[i].action.kind != HL_ACT_NONE) o->idx[o->n++] = (int)i;
    acc_sort(s, o, 0, o->n, false);
    int start = 0, row = 0, bottom = 0;
    for (int i = 0; i <= o->n; i++) {
        const hl_rect_t *r = i < o->n ? &s->targets[o->idx[i]].box : NULL;
        if (i > start && (!r || r->y >= bottom)) { /* the row ends: left to right */
            acc_sort(s, o, start, i, true);
            for (int k = start; k < i; k++)
                o->row[k] = row;
            row++;
            start = i;
        }
        if (r) bottom = i == start ? r->y + r->h : imax(bottom, r->y + r->h);
    }
}

/* Where the focus goes on a screen it is not on: the first target that
 * answers (an answer, a digit, a letter, "continue"), else "next", else
 * the first. */
static int acc_home(const hl_scene_t *s, const acc_order_t *o)
{
    int next = -1;
    for (int i = 0; i < o->n; i++) {
        const hl_action_t *a = &s->targets[o->idx[i]].action;
        if (a->kind == HL_ACT_ANSWER || a->kind == HL_ACT_CHAR || a->kind == HL_ACT_CONTINUE ||
            (a->kind == HL_ACT_KEY && a->item >= 0))
            return i;
        if (a->kind == HL_ACT_NEXT && next < 0) next = i;
    }
    return next >= 0 ? next : 0;
}

/* The screen's name less its language ("question:mood:vi": "question:mood"). */
static void acc_screen_key(const hl_scene_t *s, char out[HL_SCENE_ID_MAX])
{
    snprintf(out, HL_SCENE_ID_MAX, "%s", s->screen);
    char *first = strchr(out, ':'), *last = strrchr(out, ':');
    if (first && last != first) *last = '\0';
}

/* The focused target's place in o, -1 when the focus is not on s. */
static int acc_find(const hl_ui_t *ui, const hl_scene_t *s, const acc_order_t *o)
{
    char key[HL_SCENE_ID_MAX];
    acc_screen_key(s, key);
    if (!ui->access.focus[0] || strcmp(key, ui->access.focus_screen) != 0) return -1;
    for (int i = 0; i < o->n; i++)
        if (!strcmp(s->targets[o->idx[i]].id, ui->access.focus)) return i;
    return -1;
}

static void acc_set(hl_ui_t *ui, const hl_scene_t *s, const acc_order_t *o, int at)
{
    snprintf(ui->access.focus, sizeof ui->access.focus, "%s", s->targets[o->idx[at]].id);
    acc_screen_key(s, ui->access.focus_screen);
}

/* The row after (step 1) or before (-1) at's, wrapping: its target whose
 * centre is nearest across to at's. */
static int acc_row_jump(const hl_scene_t *s, const acc_order_t *o, int at, int step)
{
    int rows = o->row[o->n - 1] + 1, want = (o->row[at] + step + rows) % rows;
    const hl_rect_t *from = &s->targets[o->idx[at]].box;
    int cx = from->x + from->w / 2, best = at, best_d = -1;
    for (int i = 0; i < o->n; i++) {
        if (o->row[i] != want) continue;
        const hl_rect_t *r = &s->targets[o->idx[i]].box;
        int d = r->x + r->w / 2 - cx;
        d = d < 0 ? -d : d;
        if (best_d < 0 || d < best_d) best = i, best_d = d;
    }
    return best;
}

bool hl_ui_focus_move(hl_ui_t *ui, const hl_scene_t *scene, hl_ui_dir_t dir)
{
    acc_order_t o;
    acc_order(scene, &o);
    if (o.n == 0) return false;
    int at = acc_find(ui, scene, &o), to;
    if (at < 0) {
        to = acc_home(scene, &o);
    } else {
        switch (dir) {
        case HL_UI_FOCUS_PREV:
        case HL_UI_FOCUS_LEFT:
            to = (at + o.n - 1) % o.n;
            break;
        case HL_UI_FOCUS_DOWN:
            to = acc_row_jump(scene, &o, at, 1);
            break;
        case HL_UI_FOCUS_UP:
            to = acc_row_jump(scene, &o, at, -1);
            break;
        case HL_UI_FOCUS_NEXT:
        case HL_UI_FOCUS_RIGHT:
        default:
            to = (at + 1) % o.n;
            break;
        }
    }
    acc_set(ui, scene, &o, to);
    ui->access.focus_shown = true;
    return true;
}

bool hl_ui_focus_action(const hl_ui_t *ui, const hl_scene_t *scene, hl_action_t *a)
{
    acc_order_t o;
    acc_order(scene, &o);
    int at = acc_find(ui, scene, &o);
    if (at < 0) return false;
    *a = scene->targets[o.idx[at]].action;
    return true;
}

/* ---- The ring ------------------------------------------------------------------ */

static hl_rect_t acc_clip(hl_rect_t r, int w, int h)
{
    int x0 = imax(0, r.x), y0 = imax(0, r.y);
    int x1 = imin(w, r.x + r.w), y1 = imin(h, r.y + r.h);
    return hl_kit_rect(x0, y0, x1 - x0, y1 - y0);
}

void hl_ui_access_finish(hl_ui_t *ui, hl_kit_b_t *b)
{
    if (!ui->access.focus_shown) return;
    const hl_scene_t *s = b->s;
    acc_order_t o;
    acc_order(s, &o);
    if (o.n == 0) return; /* thanks: nothing to focus; the focus waits for the next screen */
    int at = acc_find(ui, s, &o);
    if (at < 0) { /* another screen: its first answer */
        at = acc_home(s, &o);
        acc_set(ui, s, &o, at);
    }
    const hl_kit_lay_t *L = &b->lay;
    hl_rect_t box = s->targets[o.idx[at]].box;
    int t = imax(4, L->sel_border * 5 / 4), line = imax(2, t / 3), r = L->radius;
    hl_kit_outline(b, acc_clip(hl_kit_inset(box, -line, -line), s->w, s->h), COL_WHITE, r + line,
                   line);
    hl_kit_outline(b, box, COL_TEXT, r, t);
    hl_kit_outline(b, hl_kit_inset(box, t, t), COL_WHITE, imax(0, r - t), line);
}
