/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ui.c: the kiosk's screens (firmware/ui/hl_ui.c) without SDL: every
 * screen and question type, at 800x480, 1280x800, 1920x1080 and 1080x1920,
 * in Vietnamese and English, is checked as data: targets at least the
 * minimum size, inside the screen and never overlapping; every expected id
 * present; text inside the screen, inside what it is drawn on, and at least
 * 4.5:1 against it (WCAG relative luminance); a 500-character question fits
 * at 800x480 above a floor size; in 1080x1920 portrait the answers grow
 * with the room. Taps go through the real flow into a
 * recording sink, by id and by the centre of the drawn target. Text is
 * measured by a deterministic fake: 0.55 em per code point (bold x1.05),
 * line height 1.36 em.
 */
#include "hl_flow.h"
#include "hl_strings.h"
#include "hl_tech_ui.h"
#include "hl_fixture.h"
#include "hl_test.h"
#include "hl_ui.h"
#include "hl_ui_kit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fake text measurement ------------------------------------------------ */

static int fake_width(void *ctx, const char *text, int len, int px, bool bold)
{
    (void)ctx;
    int cps = 0;
    for (int i = 0; i < len; i++)
        cps += ((unsigned char)text[i] & 0xC0) != 0x80;
    double w = cps * px * 0.55 * (bold ? 1.05 : 1.0);
    return (int)ceil(w);
}

static int fake_line_height(void *ctx, int px, bool bold)
{
    (void)ctx;
    (void)bold;
    return (int)ceil(px * 1.36);
}

static hl_measure_t fake_measure(void)
{
    hl_measure_t m = {fake_width, fake_line_height, NULL};
    return m;
}

/* ---- A sink that records the answers of the open response ---------------- */

typedef struct rec_sink {
    hl_fixture_sink_t base;         /* answers as the store does: seq, code, saves, status */
    char qid[HL_MAX_QUESTIONS][40]; /* answers of the response, by question */
    char value[HL_MAX_QUESTIONS][HL_VALUE_MAX];
    int n;
} rec_sink_t;

static void rec_set(rec_sink_t *k, const char *qid, const char *val)
{
    for (int i = 0; i < k->n; i++) {
        if (strcmp(k->qid[i], qid) == 0) {
            if (val && val[0]) {
                snprintf(k->value[i], HL_VALUE_MAX, "%s", val);
            } else {
                k->n--;
                memmove(k->qid[i], k->qid[i + 1], (size_t)(k->n - i) * sizeof k->qid[0]);
                memmove(k->value[i], k->value[i + 1], (size_t)(k->n - i) * sizeof k->value[0]);
            }
            return;
        }
    }
    if (val && val[0] && k->n < HL_MAX_QUESTIONS) {
        snprintf(k->qid[k->n], sizeof k->qid[0], "%s", qid);
        snprintf(k->value[k->n], HL_VALUE_MAX, "%s", val);
        k->n++;
    }
}

static int rec_save(void *ctx, hl_response_t *resp, const hl_save_t *sv, hl_err_t *err)
{
    (void)err;
    rec_sink_t *k = ctx;
    if (resp->seq == 0) k->n = 0;
    if (sv->set_qid) rec_set(k, sv->set_qid, sv->set_value);
    for (size_t i = 0; i < sv->n_drop; i++)
        rec_set(k, sv->drop_qids[i], NULL);
    return hl_fixture_sink_save(&k->base, resp, sv, err);
}

static const char *rec_get(const rec_sink_t *k, const char *qid)
{
    for (int i = 0; i < k->n; i++)
        if (strcmp(k->qid[i], qid) == 0) return k->value[i];
    return NULL;
}

/* ---- Fixture ----------------------------------------------------------------- */

typedef struct fx {
    hl_survey_t *survey;
    hl_config_t cfg;
    hl_fakesys_t clock;
    rec_sink_t sink;
    hl_flow_t flow;
    hl_ui_t ui;
    hl_scene_t scene;
    hl_err_t err;
    int w, h;         /* size used by tap_id */
    char text[32768]; /* scene_text's result */
} fx_t;

static const int sizes[4][2] = {{800, 480}, {1280, 800}, {1920, 1080}, {1080, 1920}};

static fx_t *fx_open(const char *survey_path, bool with_site)
{
    fx_t *x = calloc(1, sizeof *x);
    hl_diags_t d = {0};
    int rc = hl_survey_load_file(survey_path, &x->survey, &d);
    if (rc != HL_OK) hl_diags_print(&d, stderr);
    hl_diags_free(&d);
    if (rc != HL_OK) abort();
    hl_config_defaults(&x->cfg, "ui-test");
    if (with_site) {
        rc = hl_config_load_file(hl_test_data("ui/kiosk.json"), &x->cfg, &d);
        if (rc != HL_OK) hl_diags_print(&d, stderr);
        hl_diags_free(&d);
        if (rc != HL_OK) abort();
    }
    hl_fakesys_init(&x->clock, 1790000000000LL, true, 11);
    hl_timeouts_t t = {30, 10, 5};
    hl_sink_t sink = {rec_save, &x->sink};
    if (hl_flow_init(&x->flow, x->survey, &t, hl_fakesys_sys(&x->clock), sink, &x->err)) abort();
    hl_ui_init(&x->ui, x->survey, &x->cfg, fake_measure(), 96);
    x->w = 1280;
    x->h = 800;
    return x;
}

static fx_t *fx_default(void)
{
    return fx_open(HL_SOURCE_DIR "/assets/surveys/sipas-mot-cua.json", true);
}

static fx_t *fx_types(void)
{
    return fx_open(hl_test_data("ui/all-types.json"), false);
}

static fx_t *fx_text(const char *json)
{
    char *dir = hl_test_tmpdir("ui");
    char *path = hl_test_write_file(dir, "survey.json", json);
    fx_t *x = fx_open(path, true);
    free(path);
    hl_test_rmtree(dir);
    free(dir);
    return x;
}

static void fx_free(fx_t *x)
{
    hl_flow_free(&x->flow);
    hl_config_free(&x->cfg);
    hl_survey_free(x->survey);
    free(x);
}

static hl_scene_t *build(fx_t *x, int w, int h)
{
    hl_ui_build(&x->ui, &x->flow, w, h, x->clock.mono_ms, &x->scene);
    return &x->scene;
}

static const hl_question_t *cur_q(const fx_t *x)
{
    return &x->survey->questions[x->flow.cur];
}

/* Taps the centre of the target `id` as drawn at x->w x x->h. */
static int tap_id(fx_t *x, const char *id)
{
    hl_scene_t *s = build(x, x->w, x->h);
    const hl_target_t *t = hl_scene_find(s, id);
    if (!t) {
        hl_test_fail(__FILE__, __LINE__, "no target \"%s\" on screen", id);
        return -1;
    }
    const char *hit = hl_scene_hit(s, t->box.x + t->box.w / 2, t->box.y + t->box.h / 2);
    if (!hit || strcmp(hit, id) != 0) {
        hl_test_fail(__FILE__, __LINE__, "centre of \"%s\" hits \"%s\"", id, hit ? hit : "(none)");
        return -1;
    }
    return hl_ui_tap(&x->ui, &x->flow, hit, &x->err);
}

/* ---- Scene checks ------------------------------------------------------------- */

static double chan(uint8_t c)
{
    double s = c / 255.0;
    return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
}

static double luminance(hl_color_t c)
{
    return 0.2126 * chan(c.r) + 0.7152 * chan(c.g) + 0.0722 * chan(c.b);
}

static double contrast(hl_color_t a, hl_color_t b)
{
    double la = luminance(a), lb = luminance(b);
    if (la < lb) {
        double t = la;
        la = lb;
        lb = t;
    }
    return (la + 0.05) / (lb + 0.05);
}

static bool rect_inside(hl_rect_t r, int w, int h)
{
    return r.x >= 0 && r.y >= 0 && r.w >= 0 && r.h >= 0 && r.x + r.w <= w && r.y + r.h <= h;
}

static bool rect_contains(hl_rect_t outer, hl_rect_t in)
{
    return in.x >= outer.x && in.y >= outer.y && in.x + in.w <= outer.x + outer.w &&
           in.y + in.h <= outer.y + outer.h;
}

static bool rect_overlap(hl_rect_t a, hl_rect_t b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static bool point_in(hl_rect_t r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

/* What a text command is drawn on: the last filled rectangle before it that
 * holds its centre (else the background), which must hold all of it. */
static hl_color_t text_background(const hl_scene_t *s, size_t i, bool *straddles)
{
    const hl_cmd_t *t = &s->cmds[i];
    int cx = t->box.x + t->box.w / 2, cy = t->box.y + t->box.h / 2;
    *straddles = false;
    for (size_t j = i; j-- > 0;) {
        const hl_cmd_t *c = &s->cmds[j];
        if (c->kind != HL_CMD_RECT || c->border > 0 || !point_in(c->box, cx, cy)) continue;
        *straddles = !rect_contains(c->box, t->box);
        return c->color;
    }
    return s->background;
}

/* Everything a screen must satisfy, whatever is on it. */
static void check_scene(const fx_t *x, const hl_scene_t *s, const char *where)
{
    int w = s->w, h = s->h, min = hl_ui_min_target(&x->ui);
    if (s->overflow) hl_test_fail(__FILE__, __LINE__, "%s: scene overflowed", where);
    for (size_t i = 0; i < s->n_targets; i++) {
        const hl_target_t *t = &s->targets[i];
        if (t->box.w < min || t->box.h < min)
            hl_test_fail(__FILE__, __LINE__, "%s: target %s is %dx%d, under %d px", where, t->id,
                         t->box.w, t->box.h, min);
        if (!rect_inside(t->box, w, h))
            hl_test_fail(__FILE__, __LINE__, "%s: target %s (%d,%d %dx%d) leaves the screen", where,
                         t->id, t->box.x, t->box.y, t->box.w, t->box.h);
        for (size_t j = 0; j < i; j++) {
            if (rect_overlap(t->box, s->targets[j].box))
                hl_test_fail(__FILE__, __LINE__, "%s: targets %s and %s overlap", where, t->id,
                             s->targets[j].id);
            if (strcmp(t->id, s->targets[j].id) == 0)
                hl_test_fail(__FILE__, __LINE__, "%s: target id %s twice", where, t->id);
        }
    }
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (!rect_inside(c->box, w, h))
            hl_test_fail(__FILE__, __LINE__,
                         "%s: command %zu (kind %d) at %d,%d %dx%d leaves "
                         "the screen",
                         where, i, (int)c->kind, c->box.x, c->box.y, c->box.w, c->box.h);
        if (c->kind != HL_CMD_TEXT) continue;
        if (!c->text || c->len <= 0 || c->px < 10) {
            hl_test_fail(__FILE__, __LINE__, "%s: text command %zu is empty or tiny", where, i);
            continue;
        }
        int tw = fake_width(NULL, c->text, c->len, c->px, c->bold);
        if (tw > c->box.w)
            hl_test_fail(__FILE__, __LINE__, "%s: \"%.*s\" is %d px wide in a %d px box", where,
                         c->len, c->text, tw, c->box.w);
        if (fake_line_height(NULL, c->px, c->bold) > c->box.h)
            hl_test_fail(__FILE__, __LINE__, "%s: \"%.*s\" is taller than its box", where, c->len,
                         c->text);
        bool straddles;
        hl_color_t bg = text_background(s, i, &straddles);
        double k = contrast(c->color, bg);
        if (k < 4.5)
            hl_test_fail(__FILE__, __LINE__, "%s: \"%.*s\" has contrast %.2f:1", where, c->len,
                         c->text, k);
        if (straddles)
            hl_test_fail(__FILE__, __LINE__, "%s: \"%.*s\" straddles the edge of its background",
                         where, c->len, c->text);
    }
}

/* Every id that should be on the current question screen. */
static void check_ids(const fx_t *x, const hl_scene_t *s, const char *where)
{
    const hl_flow_t *f = &x->flow;
    const hl_question_t *q = cur_q(x);
    char id[HL_SCENE_ID_MAX];
    static const char *const nums[11] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
    int n = 0;
    const char *ids[HL_SCENE_MAX_TARGETS];
    char buf[HL_SCENE_MAX_TARGETS][HL_SCENE_ID_MAX];
    if (q->type == HL_Q_TEXT) return; /* the keyboard: its own tests below */
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
    case HL_Q_MULTI:
        for (size_t i = 0; i < q->n_options; i++) {
            snprintf(buf[n], sizeof buf[n], "answer:%s:%s", q->id, q->options[i].id);
            ids[n] = buf[n];
            n++;
        }
        break;
    case HL_Q_STARS:
    case HL_Q_NPS:
        for (int i = q->type == HL_Q_STARS ? 1 : 0; i <= (q->type == HL_Q_STARS ? 5 : 10); i++) {
            snprintf(buf[n], sizeof buf[n], "answer:%s:%s", q->id, nums[i]);
            ids[n] = buf[n];
            n++;
        }
        break;
    case HL_Q_YESNO:
        snprintf(buf[n], sizeof buf[n], "answer:%s:yes", q->id);
        ids[n] = buf[n];
        n++;
        snprintf(buf[n], sizeof buf[n], "answer:%s:no", q->id);
        ids[n] = buf[n];
        n++;
        break;
    case HL_Q_NUMBER:
    case HL_Q_CONTACT:
        for (int i = 0; i <= 9; i++) {
            snprintf(buf[n], sizeof buf[n], "key:%d", i);
            ids[n] = buf[n];
            n++;
        }
        ids[n++] = "key:del";
        break;
    default:
        break;
    }
    ids[n++] = "lang:vi";
    ids[n++] = "lang:en";
    /* The accessibility buttons (issue 17): Listen unless the kiosk hides
     * it, Aa, and the volume while speech is on. */
    if (x->ui.access.listen_button) ids[n++] = "listen";
    ids[n++] = "large";
    if (x->ui.access.speech) {
        ids[n++] = "volume:down";
        ids[n++] = "volume:up";
    }
    bool back = false;
    for (int i = 0; i < f->cur; i++)
        back = back || hl_flow_shown(f, i);
    back = back && f->state == HL_STATE_QUESTION;
    bool next = q->type == HL_Q_MULTI || q->type == HL_Q_NUMBER || q->type == HL_Q_NOTE ||
                q->type == HL_Q_CONTACT || f->values[f->cur][0];
    if (back) ids[n++] = "back";
    if (next) ids[n++] = "next";
    if (!q->required && q->type != HL_Q_NOTE) ids[n++] = "skip"; /* a note: continue only */
    for (int i = 0; i < n; i++)
        if (!hl_scene_find(s, ids[i]))
            hl_test_fail(__FILE__, __LINE__, "%s: no target %s", where, ids[i]);
    /* ... and nothing else. */
    for (size_t i = 0; i < s->n_targets; i++) {
        bool known = false;
        for (int j = 0; j < n && !known; j++)
            known = strcmp(ids[j], s->targets[i].id) == 0;
        if (!known)
            hl_test_fail(__FILE__, __LINE__, "%s: unexpected target %s", where, s->targets[i].id);
    }
    (void)id;
}

/* The accessibility buttons (issue 17) on every citizen screen but thanks:
 * Listen (unless hidden), Aa, and while speech is on the volume's. */
static void check_access_ids(const fx_t *x, const hl_scene_t *s, const char *where)
{
    if (x->ui.out_of_service || x->ui.export_state.phase != HL_UI_EXPORT_NONE ||
        x->flow.state == HL_STATE_THANKS)
        return;
    const hl_ui_access_t *a = &x->ui.access;
    const char *ids[4] = {"listen", "large", "volume:down", "volume:up"};
    bool want[4] = {a->listen_button, true, a->speech, a->speech};
    for (int i = 0; i < 4; i++)
        if ((hl_scene_find(s, ids[i]) != NULL) != want[i])
            hl_test_fail(__FILE__, __LINE__, "%s: target %s %s", where, ids[i],
                         want[i] ? "missing" : "shown");
}

/* Builds the current screen at every size in both languages and checks it;
 * the language in use is restored afterwards. */
static void check_all_sizes(fx_t *x, bool question_screen, const char *what)
{
    hl_lang_t keep = x->flow.resp.lang;
    for (int l = 0; l < HL_LANG_COUNT; l++) {
        if (x->flow.state != HL_STATE_THANKS && x->flow.state != HL_STATE_STILL_THERE)
            CHECK_INT(hl_flow_set_lang(&x->flow, (hl_lang_t)l, &x->err), HL_OK);
        else
            x->flow.resp.lang = (hl_lang_t)l; /* these screens take no language taps */
        for (int k = 0; k < 4; k++) {
            char where[160];
            snprintf(where, sizeof where, "%s %s %dx%d", what, hl_lang_code((hl_lang_t)l),
                     sizes[k][0], sizes[k][1]);
            hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
            check_scene(x, s, where);
            check_access_ids(x, s, where);
            if (question_screen) check_ids(x, s, where);
        }
    }
    if (x->flow.state != HL_STATE_THANKS && x->flow.state != HL_STATE_STILL_THERE)
        hl_flow_set_lang(&x->flow, keep, &x->err);
    else
        x->flow.resp.lang = keep;
}

/* All texts of the scene joined by spaces (wrapped lines read as one). */
static const char *scene_text(fx_t *x, const hl_scene_t *s)
{
    char *buf = x->text;
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_TEXT || o + (size_t)c->len + 2 >= sizeof x->text) continue;
        memcpy(buf + o, c->text, (size_t)c->len);
        o += (size_t)c->len;
        buf[o++] = ' ';
        buf[o] = '\0';
    }
    return buf;
}

/* The question's text lines: inside the screen, at least the floor, clear of
 * every target, and together the whole text in order (nothing cut). */
static void check_question_text(const fx_t *x, const hl_scene_t *s, const char *where)
{
    const char *qt = hl_text_get(&cur_q(x)->text, x->flow.resp.lang);
    size_t len = strlen(qt), at = 0;
    int lines = 0;
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_TEXT || c->text < qt || c->text >= qt + len) continue;
        lines++;
        size_t off = (size_t)(c->text - qt);
        for (size_t k = at; k < off; k++)
            if (qt[k] != ' ' && qt[k] != '\n')
                hl_test_fail(__FILE__, __LINE__, "%s: question text lost bytes at %zu", where, k);
        at = off + (size_t)c->len;
        if (c->px < HL_UI_QUESTION_FLOOR_PX)
            hl_test_fail(__FILE__, __LINE__, "%s: question at %d px, under the floor %d", where,
                         c->px, HL_UI_QUESTION_FLOOR_PX);
        for (size_t j = 0; j < s->n_targets; j++)
            if (rect_overlap(c->box, s->targets[j].box))
                hl_test_fail(__FILE__, __LINE__, "%s: question line %d overlaps %s", where, lines,
                             s->targets[j].id);
    }
    for (size_t k = at; k < len; k++)
        if (qt[k] != ' ')
            hl_test_fail(__FILE__, __LINE__, "%s: question text cut at byte %zu of %zu", where, at,
                         len);
    if (lines == 0) hl_test_fail(__FILE__, __LINE__, "%s: no question text", where);
}

static int question_px(const fx_t *x, const hl_scene_t *s)
{
    const char *qt = hl_text_get(&cur_q(x)->text, x->flow.resp.lang);
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind == HL_CMD_TEXT && c->text >= qt && c->text < qt + strlen(qt)) return c->px;
    }
    return 0;
}

/* Answers the current question with its first item by tapping (keys and
 * next for number, two ticks and next for multi). */
static void answer_current(fx_t *x, int pick)
{
    const hl_question_t *q = cur_q(x);
    char id[HL_SCENE_ID_MAX];
    if (q->n_options) pick %= (int)q->n_options;
    switch (q->type) {
    case HL_Q_SMILEY:
    case HL_Q_CHOICE:
        snprintf(id, sizeof id, "answer:%s:%s", q->id, q->options[pick].id);
        CHECK_INT(tap_id(x, id), HL_OK);
        break;
    case HL_Q_STARS:
        snprintf(id, sizeof id, "answer:%s:%d", q->id, pick + 1);
        CHECK_INT(tap_id(x, id), HL_OK);
        break;
    case HL_Q_NPS:
        snprintf(id, sizeof id, "answer:%s:%d", q->id, pick);
        CHECK_INT(tap_id(x, id), HL_OK);
        break;
    case HL_Q_YESNO:
        snprintf(id, sizeof id, "answer:%s:%s", q->id, pick ? "no" : "yes");
        CHECK_INT(tap_id(x, id), HL_OK);
        break;
    case HL_Q_MULTI:
        snprintf(id, sizeof id, "answer:%s:%s", q->id, q->options[0].id);
        CHECK_INT(tap_id(x, id), HL_OK);
        snprintf(id, sizeof id, "answer:%s:%s", q->id, q->options[q->n_options - 1].id);
        CHECK_INT(tap_id(x, id), HL_OK);
        CHECK_INT(tap_id(x, "next"), HL_OK);
        break;
    case HL_Q_NUMBER:
        for (int i = 0; i < q->min_digits; i++)
            CHECK_INT(tap_id(x, (i % 2) ? "key:2" : "key:1"), HL_OK);
        CHECK_INT(tap_id(x, "next"), HL_OK);
        break;
    case HL_Q_TEXT:
        CHECK_INT(tap_id(x, "key:o"), HL_OK);
        CHECK_INT(tap_id(x, "key:k"), HL_OK);
        CHECK_INT(tap_id(x, "key:done"), HL_OK);
        break;
    case HL_Q_CONTACT:
        for (const char *p = "0912345678"; *p; p++) {
            char key[8] = {'k', 'e', 'y', ':', *p, '\0'};
            CHECK_INT(tap_id(x, key), HL_OK);
        }
        CHECK_INT(tap_id(x, "next"), HL_OK);
        break;
    case HL_Q_NOTE:
        CHECK_INT(tap_id(x, "next"), HL_OK);
        break;
    default:
        break;
    }
}

/* Walks the whole survey by taps, checking every screen on the way. */
static void walk_and_check(fx_t *x, int pick)
{
    int guard = 0;
    while (x->flow.state != HL_STATE_THANKS && guard++ < 50) {
        char what[80];
        snprintf(what, sizeof what, "%s (%s)", cur_q(x)->id, hl_qtype_name(cur_q(x)->type));
        check_all_sizes(x, true, what);
        answer_current(x, pick);
    }
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    check_all_sizes(x, false, "thanks");
}

/* ---- Tests -------------------------------------------------------------------- */

static void test_min_target_is_10mm_and_never_under_64px(void)
{
    hl_ui_t ui;
    hl_ui_init(&ui, NULL, NULL, fake_measure(), 96);
    CHECK_INT(hl_ui_min_target(&ui), 64);
    ui.dpi = 131; /* the Pi 7" panel: 10 mm = 51.6 px */
    CHECK_INT(hl_ui_min_target(&ui), 64);
    ui.dpi = 254;
    CHECK_INT(hl_ui_min_target(&ui), 100);
    ui.dpi = 200;
    CHECK_INT(hl_ui_min_target(&ui), 79); /* 78.7 rounded up */
}

static void test_every_screen_of_the_default_survey_is_well_formed_at_all_sizes(void)
{
    fx_t *x = fx_default();
    x->w = 800;
    x->h = 480;
    walk_and_check(x, 3); /* "dissatisfied": the reasons question is shown too */
    CHECK_STR(rec_get(&x->sink, "overall"), "dissatisfied");
    CHECK_STR(rec_get(&x->sink, "reasons"), "slow|other");
    CHECK_STR(rec_get(&x->sink, "case_code"), "1212");
    CHECK_INT(x->sink.base.last_status, HL_RESP_COMPLETE);
    fx_free(x);
}

static void test_every_question_type_is_well_formed_at_all_sizes_and_languages(void)
{
    fx_t *x = fx_types();
    x->w = 1080;
    x->h = 1920;
    walk_and_check(x, 1);
    CHECK_STR(rec_get(&x->sink, "mood"), "ok");
    CHECK_STR(rec_get(&x->sink, "stars"), "2");
    CHECK_STR(rec_get(&x->sink, "visit"), "civil");
    CHECK_STR(rec_get(&x->sink, "recommend"), "1");
    CHECK_STR(rec_get(&x->sink, "posted"), "no");
    CHECK_STR(rec_get(&x->sink, "code"), "12");
    CHECK_STR(rec_get(&x->sink, "tags"), "fast|other");
    fx_free(x);
}

/* ---- Large text (issue 17) ------------------------------------------------------ */

/* The current screen with large text at every size and language, speech
 * off and on: the rules every screen keeps (check_scene), its ids, the
 * question whole and above its floor, never smaller than without large
 * text; every target at least the large minimum (1.4 times 10 mm) where
 * the screen is taller than 480 px (at 800x480 the bands, keypad and
 * keyboard keep the 10 mm floor, checked by check_scene). */
static void check_large(fx_t *x, const char *what)
{
    hl_lang_t keep = x->flow.resp.lang;
    bool question = x->flow.state == HL_STATE_QUESTION || x->flow.state == HL_STATE_START;
    int big = (hl_ui_min_target(&x->ui) * 14 + 9) / 10;
    for (int l = 0; l < HL_LANG_COUNT; l++) {
        if (question)
            CHECK_INT(hl_flow_set_lang(&x->flow, (hl_lang_t)l, &x->err), HL_OK);
        else
            x->flow.resp.lang = (hl_lang_t)l;
        for (int k = 0; k < 4; k++) {
            for (int speech = 0; speech < 2; speech++) {
                char where[160];
                snprintf(where, sizeof where, "large %s %s%s %dx%d", what,
                         hl_lang_code((hl_lang_t)l), speech ? " speech" : "", sizes[k][0],
                         sizes[k][1]);
                x->ui.access.speech = speech;
                x->ui.access.large = false;
                int usual = question ? question_px(x, build(x, sizes[k][0], sizes[k][1])) : 0;
                x->ui.access.large = true;
                hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
                check_scene(x, s, where);
                check_access_ids(x, s, where);
                if (question) {
                    check_ids(x, s, where);
                    check_question_text(x, s, where);
                    if (sizes[k][1] > 480 && question_px(x, s) < usual)
                        hl_test_fail(__FILE__, __LINE__, "%s: question at %d px, %d without", where,
                                     question_px(x, s), usual);
                }
                /* The Vietnamese keyboard's tone row is twelve keys across:
                 * as wide as the screen allows (89 px at 1080 px). */
                bool narrow = sizes[k][0] - 8 < 12 * big;
                for (size_t i = 0; sizes[k][1] > 480 && i < s->n_targets; i++) {
                    const hl_target_t *t = &s->targets[i];
                    bool tone_row =
                        !strncmp(t->id, "key:tone:", 9) || !strncmp(t->id, "key:mark:", 9);
                    if (tone_row && narrow && t->box.h >= big) continue;
                    if (t->box.w < big || t->box.h < big)
                        hl_test_fail(__FILE__, __LINE__, "%s: %s is %dx%d, under %d", where, t->id,
                                     t->box.w, t->box.h, big);
                }
            }
        }
    }
    x->ui.access.large = x->ui.access.speech = false;
    if (question)
        hl_flow_set_lang(&x->flow, keep, &x->err);
    else
        x->flow.resp.lang = keep;
}

/* The layout's sizes with large text are at least 1.4 times the usual ones
 * at every size: question, labels, hints, the header's words, the minimum
 * target; the bands too, but at 800x480 (a keypad of large keys would not
 * fit between large bands: they keep the 10 mm floor). */
static void test_large_text_makes_text_and_targets_at_least_1_4_times_larger(void)
{
    hl_ui_t ui;
    static const int dpis[3] = {96, 131, 200};
    for (int d = 0; d < 3; d++) {
        hl_ui_init(&ui, NULL, NULL, fake_measure(), dpis[d]);
        for (int k = 0; k < 4; k++) {
            hl_kit_lay_t a, b;
            hl_kit_lay_init(&a, &ui, sizes[k][0], sizes[k][1]);
            b = a;
            hl_kit_lay_large(&b);
            const int pairs[5][2] = {{a.q_px, b.q_px},
                                     {a.label_px, b.label_px},
                                     {a.small_px, b.small_px},
                                     {a.head_px, b.head_px},
                                     {a.min_target, b.min_target}};
            for (int i = 0; i < 5; i++)
                if (pairs[i][1] * 10 < pairs[i][0] * 14)
                    hl_test_fail(__FILE__, __LINE__, "%d dpi %dx%d: size %d is %d, not 1.4 x %d",
                                 dpis[d], sizes[k][0], sizes[k][1], i, pairs[i][1], pairs[i][0]);
            CHECK_INT(b.floor, hl_ui_min_target(&ui));
            int between = b.h - 2 * (b.min_target + 2 * b.hp) - 2 * b.margin;
            bool roomy = between >= 4 * b.min_target + 3 * b.gap; /* a keypad of large keys */
            if (dpis[d] == 96) CHECK(roomy == (sizes[k][1] > 480));
            if (b.bar_t != (roomy ? b.min_target : b.floor))
                hl_test_fail(__FILE__, __LINE__, "%d dpi %dx%d: bands at %d, not %d", dpis[d],
                             sizes[k][0], sizes[k][1], b.bar_t, roomy ? b.min_target : b.floor);
            CHECK(b.bar_h == b.bar_t + 2 * b.hp && b.bar_t >= b.floor);
        }
    }
}

/* Every question type, the bundled survey, the keyboard, the note, "still
 * there?" and thanks, with large text: check_large on each screen. */
static void test_every_screen_is_well_formed_with_large_text_at_all_sizes(void)
{
    fx_t *x = fx_types();
    int guard = 0;
    while (x->flow.state != HL_STATE_THANKS && guard++ < 50) {
        check_large(x, cur_q(x)->id);
        answer_current(x, 1);
    }
    check_large(x, "thanks");
    fx_free(x);
    x = fx_default();
    guard = 0;
    while (x->flow.state != HL_STATE_THANKS && guard++ < 50) {
        check_large(x, cur_q(x)->id);
        if (guard == 2) { /* "still there?" over the second question */
            hl_fakesys_advance(&x->clock, (int64_t)x->flow.timeouts.idle_s * 1000);
            CHECK_INT(hl_flow_tick(&x->flow, &x->err), HL_OK);
            check_large(x, "still there");
            CHECK_INT(tap_id(x, "continue"), HL_OK);
        }
        answer_current(x, 3);
    }
    fx_free(x);
    x = fx_open(HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json", true);
    check_large(x, "note");
    fx_free(x);
    x = fx_open(hl_test_data("ui/keyboard.json"), true);
    CHECK_INT(tap_id(x, "answer:overall:ok"), HL_OK);
    check_large(x, "keyboard");
    x->ui.kb.symbols = true;
    check_large(x, "keyboard digits");
    fx_free(x);
}

/* ---- Focus and the accessibility buttons (issue 17) -------------------------- */

static bool overlap_v(hl_rect_t a, hl_rect_t b)
{
    return a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Walks the focus all the way round the current screen at w x h with NEXT:
 * the first move lands on the first answer (or digit, letter, continue),
 * every target is visited once, in reading order (along a row to the right,
 * then lower down), and the walk comes back where it began (it wraps). */
static void check_focus_walk(fx_t *x, int w, int h, const char *where)
{
    hl_scene_t *s = build(x, w, h);
    x->ui.access.focus[0] = '\0';
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_NEXT));
    const hl_target_t *first = hl_scene_find(s, x->ui.access.focus);
    if (!first) {
        hl_test_fail(__FILE__, __LINE__, "%s: no focus", where);
        return;
    }
    hl_act_t k = first->action.kind;
    if (k != HL_ACT_ANSWER && k != HL_ACT_CHAR && k != HL_ACT_CONTINUE &&
        !(k == HL_ACT_KEY && first->action.item >= 0))
        hl_test_fail(__FILE__, __LINE__, "%s: focus first on %s", where, first->id);
    int n = 0, wraps = 0;
    bool seen[HL_SCENE_MAX_TARGETS] = {false};
    const hl_target_t *at = first;
    do {
        size_t i = (size_t)(at - s->targets);
        if (seen[i]) hl_test_fail(__FILE__, __LINE__, "%s: %s visited twice", where, at->id);
        seen[i] = true;
        n++;
        CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_NEXT));
        const hl_target_t *to = hl_scene_find(s, x->ui.access.focus);
        if (!to) break;
        bool along = overlap_v(at->box, to->box) && to->box.x > at->box.x;
        bool below = !overlap_v(at->box, to->box) && to->box.y > at->box.y;
        if (!along && !below) wraps++;
        at = to;
    } while (at != first && n <= (int)s->n_targets);
    if (n != (int)s->n_targets || wraps != 1)
        hl_test_fail(__FILE__, __LINE__, "%s: %d of %zu targets visited, %d wraps", where, n,
                     s->n_targets, wraps);
}

static void test_focus_moves_through_every_target_in_reading_order_on_each_question_type(void)
{
    fx_t *x = fx_types();
    int guard = 0, types = 0;
    while (x->flow.state != HL_STATE_THANKS && guard++ < 20) {
        for (int k = 0; k < 4; k++) {
            for (int speech = 0; speech < 2; speech++) {
                char where[120];
                snprintf(where, sizeof where, "focus %s %dx%d%s", cur_q(x)->id, sizes[k][0],
                         sizes[k][1], speech ? " speech" : "");
                x->ui.access.speech = speech;
                check_focus_walk(x, sizes[k][0], sizes[k][1], where);
            }
        }
        x->ui.access.speech = false;
        types |= 1 << cur_q(x)->type;
        answer_current(x, 1);
    }
    CHECK_INT(types, (1 << HL_Q_SMILEY) | (1 << HL_Q_STARS) | (1 << HL_Q_CHOICE) | (1 << HL_Q_NPS) |
                         (1 << HL_Q_YESNO) | (1 << HL_Q_NUMBER) | (1 << HL_Q_MULTI));
    fx_free(x);
    x = fx_open(hl_test_data("ui/keyboard.json"), true);
    CHECK_INT(tap_id(x, "answer:overall:ok"), HL_OK);
    for (int k = 0; k < 4; k++)
        check_focus_walk(x, sizes[k][0], sizes[k][1], "focus keyboard");
    fx_free(x);
}

/* The order on screens whose rows are known: the start screen's header
 * (Listen, Aa, the languages) then its faces; the keypad's rows, down and
 * up by rows to the key nearest across; wrapping both ways. */
static void test_focus_keeps_rows_and_wraps_both_ways(void)
{
    fx_t *x = fx_types();
    hl_scene_t *s = build(x, 800, 480);
    static const char *const order[] = {"answer:mood:good", "answer:mood:ok",  "answer:mood:bad",
                                        "listen",           "large",           "lang:vi",
                                        "lang:en",          "answer:mood:good"};
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_RIGHT)); /* lands on the first answer */
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        CHECK_STR(x->ui.access.focus, order[i]);
        hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_NEXT);
    }
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_LEFT)); /* back to good, then before it */
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_PREV));
    CHECK_STR(x->ui.access.focus, "lang:en");
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_DOWN)); /* the header's row to the faces' */
    CHECK_STR(x->ui.access.focus, "answer:mood:bad");
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_DOWN)); /* the last row: round to the first */
    CHECK_STR(x->ui.access.focus, "lang:vi");             /* nearest across to "bad" */
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_UP));
    CHECK_STR(x->ui.access.focus, "answer:mood:bad");
    for (int i = 0; i < 5; i++)
        answer_current(x, 0);
    CHECK_STR(cur_q(x)->id, "code");
    s = build(x, 1280, 800);
    x->ui.access.focus[0] = '\0';
    CHECK(hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_DOWN));
    CHECK_STR(x->ui.access.focus, "key:1");
    static const struct {
        hl_ui_dir_t dir;
        const char *to;
    } keys[] = {{HL_UI_FOCUS_DOWN, "key:4"},    {HL_UI_FOCUS_DOWN, "key:7"},
                {HL_UI_FOCUS_DOWN, "key:del"},  {HL_UI_FOCUS_RIGHT, "key:0"},
                {HL_UI_FOCUS_UP, "key:8"},      {HL_UI_FOCUS_RIGHT, "key:9"},
                {HL_UI_FOCUS_RIGHT, "key:del"}, {HL_UI_FOCUS_DOWN, "skip"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        hl_ui_focus_move(&x->ui, s, keys[i].dir);
        CHECK_STR(x->ui.access.focus, keys[i].to);
    }
    fx_free(x);
}

/* Enter applies the focused target's action; when the screen changes the
 * focus goes to the new screen's first answer (a language switch keeps
 * it); a screen without targets (thanks) has nothing to focus. */
static void test_focus_action_applies_and_a_new_screen_takes_the_focus_to_its_first_answer(void)
{
    fx_t *x = fx_types();
    hl_scene_t *s = build(x, 1280, 800);
    hl_action_t a;
    CHECK(!hl_ui_focus_action(&x->ui, s, &a)); /* nothing focused yet */
    hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_NEXT);
    hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_NEXT);
    CHECK(hl_ui_focus_action(&x->ui, s, &a));
    CHECK(a.kind == HL_ACT_ANSWER && a.item == 1);
    CHECK_INT(hl_ui_act(&x->ui, &x->flow, &a, &x->err), HL_OK);
    CHECK_STR(rec_get(&x->sink, "mood"), "ok");
    s = build(x, 1280, 800); /* the stars: the focus follows */
    CHECK_STR(x->ui.access.focus, "answer:stars:1");
    CHECK(hl_ui_focus_action(&x->ui, s, &a) && a.kind == HL_ACT_ANSWER && a.item == 0);
    hl_ui_focus_move(&x->ui, s, HL_UI_FOCUS_NEXT);
    CHECK_STR(x->ui.access.focus, "answer:stars:2");
    CHECK_INT(tap_id(x, "lang:en"), HL_OK); /* the same screen in English */
    build(x, 1280, 800);
    CHECK_STR(x->ui.access.focus, "answer:stars:2");
    /* A screen changed behind a scene not yet rebuilt: the move lands on
     * the first answer and goes no further. */
    answer_current(x, 0);
    hl_ui_focus_move(&x->ui, &x->scene, HL_UI_FOCUS_NEXT); /* the stale stars scene */
    hl_scene_t *fresh = build(x, 1280, 800);
    CHECK_STR(x->ui.access.focus, "answer:visit:land");
    while (x->flow.state != HL_STATE_THANKS)
        answer_current(x, 0);
    CHECK(!hl_ui_focus_move(&x->ui, build(x, 1280, 800), HL_UI_FOCUS_NEXT));
    CHECK(!hl_ui_focus_action(&x->ui, &x->scene, &a));
    (void)fresh;
    fx_free(x);
}

/* The ring's commands: the dark one along the target's edge, white ones
 * just outside and inside; NULL when there is no ring. */
static const hl_cmd_t *find_ring(const hl_scene_t *s, hl_rect_t box)
{
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind == HL_CMD_RECT && c->border >= 4 && c->color.r == 0x1A &&
            !memcmp(&c->box, &box, sizeof box))
            return c;
    }
    return NULL;
}

/* The last fill drawn before command `before` that holds (px, py). */
static hl_color_t fill_at(const hl_scene_t *s, size_t before, int px, int py)
{
    for (size_t j = before; j-- > 0;) {
        const hl_cmd_t *c = &s->cmds[j];
        if (c->kind == HL_CMD_RECT && c->border == 0 && point_in(c->box, px, py)) return c->color;
    }
    return s->background;
}

/* The ring shows only once the keys were used; it is thick (4 px, more with
 * large text), at least 3:1 against the target and what is around it by
 * one of its two tones, and reaches at most a few pixels outside the
 * target, never deep into another. */
static void test_the_focus_ring_shows_once_keys_are_used_and_stands_out_everywhere(void)
{
    fx_t *x = fx_types();
    static const hl_color_t white = {255, 255, 255, 255}, dark = {0x1A, 0x1A, 0x1A, 255};
    int guard = 0, rings = 0;
    while (x->flow.state != HL_STATE_THANKS && guard++ < 20) {
        for (int k = 0; k < 4; k++) {
            for (int large = 0; large < 2; large++) {
                x->ui.access.large = large;
                x->ui.access.speech = true;
                hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
                for (size_t t = 0; t < s->n_targets; t++) {
                    char id[HL_SCENE_ID_MAX], where[160];
                    snprintf(id, sizeof id, "%s", s->targets[t].id);
                    snprintf(where, sizeof where, "ring %s %s %dx%d%s", cur_q(x)->id, id,
                             sizes[k][0], sizes[k][1], large ? " large" : "");
                    x->ui.access.focus_shown = false;
                    snprintf(x->ui.access.focus, sizeof x->ui.access.focus, "%s", id);
                    /* The screen it is on: its name less the language. */
                    snprintf(x->ui.access.focus_screen, sizeof x->ui.access.focus_screen, "%s",
                             s->screen);
                    char *lang = strrchr(x->ui.access.focus_screen, ':');
                    if (lang) *lang = '\0';
                    hl_scene_t *plain = build(x, sizes[k][0], sizes[k][1]);
                    hl_rect_t box = plain->targets[t].box;
                    if (find_ring(plain, box))
                        hl_test_fail(__FILE__, __LINE__, "%s: ring before a key", where);
                    x->ui.access.focus_shown = true;
                    hl_scene_t *r = build(x, sizes[k][0], sizes[k][1]);
                    check_scene(x, r, where);
                    if (strcmp(x->ui.access.focus, id) != 0) continue; /* re-homed: not ours */
                    const hl_cmd_t *ring = find_ring(r, box);
                    if (!ring) {
                        hl_test_fail(__FILE__, __LINE__, "%s: no ring", where);
                        continue;
                    }
                    rings++;
                    size_t at = (size_t)(ring - r->cmds);
                    int want = large ? 6 : 4;
                    if (ring->border < want)
                        hl_test_fail(__FILE__, __LINE__, "%s: ring %d px", where, ring->border);
                    hl_color_t in = fill_at(r, at, box.x + box.w / 2, box.y + box.h / 2);
                    hl_color_t out = fill_at(r, at, imax(0, box.x - 3), box.y + box.h / 2);
                    hl_color_t look[2] = {in, out};
                    for (int c = 0; c < 2; c++)
                        if (contrast(dark, look[c]) < 3 && contrast(white, look[c]) < 3)
                            hl_test_fail(__FILE__, __LINE__, "%s: ring lost on %02x%02x%02x", where,
                                         look[c].r, look[c].g, look[c].b);
                    /* Its outermost line and how far it reaches into others. */
                    for (size_t i = at + 1; i < r->n_cmds; i++) {
                        const hl_cmd_t *c = &r->cmds[i];
                        if (c->kind != HL_CMD_RECT || !c->border) continue;
                        if (c->box.x < box.x - 4 || c->box.y < box.y - 4 ||
                            c->box.x + c->box.w > box.x + box.w + 4 ||
                            c->box.y + c->box.h > box.y + box.h + 4)
                            hl_test_fail(__FILE__, __LINE__, "%s: ring reaches far out", where);
                    }
                    for (size_t o = 0; o < r->n_targets; o++) {
                        hl_rect_t b = r->targets[o].box;
                        if (!strcmp(r->targets[o].id, id)) continue;
                        int dx = imin(box.x + box.w + 4, b.x + b.w) - imax(box.x - 4, b.x);
                        int dy = imin(box.y + box.h + 4, b.y + b.h) - imax(box.y - 4, b.y);
                        if (dx > 4 && dy > 4)
                            hl_test_fail(__FILE__, __LINE__, "%s: ring over %s", where,
                                         r->targets[o].id);
                    }
                }
            }
        }
        x->ui.access.large = x->ui.access.speech = x->ui.access.focus_shown = false;
        answer_current(x, 0);
    }
    CHECK(rings > 500);
    fx_free(x);
}

/* Listen, Aa and the volume through taps: speech on, large text toggled,
 * the volume a step at a time within its range; each a sign of life for
 * the flow (it dismisses "still there?"); none on thanks; no Listen when
 * the kiosk hides it; reset puts the next citizen back on the defaults. */
static void test_listen_large_and_volume_buttons_change_the_state_and_reset_restores_it(void)
{
    fx_t *x = fx_types();
    hl_ui_access_t *a = &x->ui.access;
    CHECK(!a->large && !a->speech && a->listen_button && !a->focus_shown && !a->focus[0]);
    CHECK_INT(a->volume, HL_UI_VOLUME_DEFAULT);
    CHECK_INT(a->volume_max, HL_UI_VOLUME_STEPS);
    CHECK(!hl_scene_find(build(x, 800, 480), "volume:up"));
    CHECK_INT(tap_id(x, "listen"), HL_OK);
    CHECK(a->speech);
    const hl_target_t *up = hl_scene_find(build(x, 800, 480), "volume:up");
    CHECK(up && up->action.kind == HL_ACT_VOLUME && up->action.item == 1);
    for (int i = 0; i < 5; i++)
        CHECK_INT(tap_id(x, "volume:up"), HL_OK);
    CHECK_INT(a->volume, HL_UI_VOLUME_STEPS); /* no further than the top */
    CHECK_INT(tap_id(x, "volume:down"), HL_OK);
    CHECK_INT(a->volume, HL_UI_VOLUME_STEPS - 1);
    hl_action_t bad = {HL_ACT_VOLUME, -1, 3};
    CHECK_INT(hl_ui_act(&x->ui, &x->flow, &bad, &x->err), HL_ERR_USAGE);
    CHECK_INT(tap_id(x, "large"), HL_OK);
    CHECK(a->large);
    CHECK_INT(tap_id(x, "large"), HL_OK);
    CHECK(!a->large);
    CHECK_INT(tap_id(x, "large"), HL_OK);
    CHECK_INT(x->sink.base.n_saves, 0); /* nothing stored */
    /* The level shown: as many bars filled as the volume. */
    a->volume = 3;
    hl_scene_t *s = build(x, 1280, 800);
    const hl_target_t *down = hl_scene_find(s, "volume:down");
    up = hl_scene_find(s, "volume:up");
    int filled = 0, empty = 0;
    for (size_t i = 0; down && up && i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind == HL_CMD_RECT && c->box.x >= down->box.x + down->box.w &&
            c->box.x + c->box.w <= up->box.x && c->box.y >= down->box.y &&
            c->box.y + c->box.h <= down->box.y + down->box.h)
            *(c->border ? &empty : &filled) += 1;
    }
    CHECK_INT(filled, 3);
    CHECK_INT(empty, HL_UI_VOLUME_STEPS - 3);
    /* "Still there?": a tap on them keeps the citizen and dismisses it. */
    answer_current(x, 0);
    hl_fakesys_advance(&x->clock, (int64_t)x->flow.timeouts.idle_s * 1000);
    CHECK_INT(hl_flow_tick(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK_INT(tap_id(x, "volume:down"), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    CHECK_INT(a->volume, 2);
    /* The kiosk without a Listen button. */
    a->listen_button = false;
    CHECK(!hl_scene_find(build(x, 800, 480), "listen"));
    CHECK_INT(hl_ui_tap(&x->ui, &x->flow, "listen", &x->err), HL_ERR_USAGE);
    /* Reset: the next citizen's defaults; the kiosk's settings stay. */
    a->volume_max = 10;
    a->volume_default = 7;
    snprintf(a->focus, sizeof a->focus, "next");
    a->focus_shown = true;
    hl_ui_access_reset(&x->ui);
    CHECK(!a->large && !a->speech && !a->focus_shown && !a->focus[0] && !a->listen_button);
    CHECK_INT(a->volume, 7);
    CHECK_INT(a->volume_max, 10);
    while (x->flow.state != HL_STATE_THANKS)
        answer_current(x, 0);
    CHECK_INT(hl_ui_tap(&x->ui, &x->flow, "large", &x->err), HL_ERR_STATE);
    CHECK(!a->large);
    fx_free(x);
}

/* The bundled consultation: a note, then its questions, every screen at
 * every size; the note's targets are the languages, Listen and Aa, and
 * "continue" (next), back once a question came before it. */
static void test_a_note_screen_is_well_formed_at_all_sizes_and_languages(void)
{
    fx_t *x = fx_open(HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json", true);
    x->w = 800;
    x->h = 480;
    for (int k = 0; k < 4; k++) {
        hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
        CHECK_INT(s->n_targets, 5); /* lang:vi, lang:en, listen, large, next */
        const hl_target_t *next = hl_scene_find(s, "next");
        CHECK(next && next->box.w >= 2 * hl_ui_min_target(&x->ui));
        const char *t = scene_text(x, s);
        CHECK_CONTAINS(t, "Tiếp tục");
        CHECK_CONTAINS(t, "Đề xuất: nhận và trả hồ sơ vào sáng thứ Bảy");
        CHECK_CONTAINS(t, "không ghi tên.");
        CHECK(strstr(t, "Câu ") == NULL); /* no progress count on a note */
        /* The picture: beside the text in landscape, above it in portrait. */
        const hl_cmd_t *img = NULL, *body = NULL;
        for (size_t i = 0; i < s->n_cmds; i++) {
            if (s->cmds[i].kind == HL_CMD_IMAGE) img = &s->cmds[i];
            if (s->cmds[i].kind == HL_CMD_TEXT && !strncmp(s->cmds[i].text, "Hiện nay", 8))
                body = &s->cmds[i];
        }
        if (!(img && body && strstr(img->text, "sang-thu-bay.png")))
            hl_test_fail(__FILE__, __LINE__, "%dx%d: no picture (%d) or body (%d)", sizes[k][0],
                         sizes[k][1], img != NULL, body != NULL);
        if (img && body && sizes[k][0] > sizes[k][1]) CHECK(img->box.x + img->box.w < body->box.x);
        if (img && body && sizes[k][0] < sizes[k][1]) CHECK(img->box.y + img->box.h < body->box.y);
        if (body && sizes[k][0] >= 1280) CHECK(body->px >= 24); /* a 5 mm capital on big panels */
    }
    walk_and_check(x, 0);
    CHECK_STR(rec_get(&x->sink, "ung_ho"), "rat_ung_ho");
    CHECK_STR(rec_get(&x->sink, "lien_he"), "0912345678");
    CHECK(rec_get(&x->sink, "de_xuat") == NULL);
    fx_free(x);
}

/* The contact question shows the survey's consent and the digits grouped as
 * numbers are written; the thanks screen shows the follow-up code, two
 * groups of three, and never the number. */
static void test_a_contact_screen_shows_the_consent_and_the_thanks_screen_the_code(void)
{
    fx_t *x = fx_open(HL_SOURCE_DIR "/assets/surveys/tham-van-sang-thu-bay.json", true);
    static const char *const taps[] = {"next",
                                       "answer:ung_ho:ung_ho",
                                       "answer:khi_nao_den:ngay_thuong",
                                       "answer:nghi_lam:yes",
                                       "key:o",
                                       "key:k",
                                       "key:done"};
    for (size_t i = 0; i < sizeof taps / sizeof *taps; i++)
        CHECK_INT(tap_id(x, taps[i]), HL_OK);
    CHECK_STR(cur_q(x)->id, "lien_he");
    for (int k = 0; k < 4; k++) {
        hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
        const char *t = scene_text(x, s);
        CHECK_CONTAINS(t, "Không bắt buộc. Số điện thoại chỉ để cán bộ phụ trách báo kết quả");
        CHECK_CONTAINS(t, "10 chữ số, bắt đầu bằng 0");
    }
    for (const char *p = "0912345678"; *p; p++) {
        char key[8] = {'k', 'e', 'y', ':', *p, '\0'};
        CHECK_INT(tap_id(x, key), HL_OK);
    }
    CHECK_CONTAINS(scene_text(x, build(x, 800, 480)), "0912 345 678");
    CHECK_INT(tap_id(x, "next"), HL_OK);
    const char *t;
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_STR(rec_get(&x->sink, "lien_he"), "0912345678");
    const char *code = x->flow.resp.followup;
    CHECK(hl_followup_valid(code));
    char shown[16];
    snprintf(shown, sizeof shown, "%.3s %s", code, code + 3);
    for (int k = 0; k < 4; k++) {
        hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
        check_scene(x, s, "thanks with a follow-up code");
        t = scene_text(x, s);
        CHECK_CONTAINS(t, "Mã theo dõi góp ý của Ông/Bà");
        CHECK_CONTAINS(t, shown);
        CHECK(!strstr(t, "0912"));
    }
    fx_free(x);
}

/* A 600-character body (the limit) reads at 800x480 above the floor. */
static void test_a_600_character_note_fits_at_800x480_above_the_floor(void)
{
    char body[1100] = ""; /* 149 words of 3 letters: 596 characters, 3 paragraph breaks */
    for (int i = 0; i < 149; i++)
        strcat(body, i % 40 == 39 ? "\\nchữ" : " chữ");
    char json[4096];
    snprintf(json, sizeof json,
             "{\"format\": 1, \"id\": \"n\", \"version\": 1, \"languages\": [\"vi\"],"
             " \"title\": {\"vi\": \"Lấy ý kiến\"}, \"thanks\": {\"vi\": \"Cảm ơn\"},"
             " \"questions\": [{\"id\": \"n\", \"type\": \"note\", \"text\": {\"vi\": \"Đề "
             "xuất\"}, \"body\": {\"vi\": \"%s\"}}, {\"id\": \"y\", \"type\": \"yesno\","
             " \"text\": {\"vi\": \"Đồng ý?\"}}]}",
             body);
    fx_t *x = fx_text(json);
    hl_scene_t *s = build(x, 800, 480);
    check_scene(x, s, "600-character note at 800x480");
    int min_px = 1000, chars = 0;
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_TEXT || c->bold || c->box.y < hl_ui_min_target(&x->ui)) continue;
        if (c->px < min_px) min_px = c->px;
        for (int k = 0; k < c->len; k++)
            chars += ((unsigned char)c->text[k] & 0xC0) != 0x80;
    }
    CHECK(min_px >= HL_UI_QUESTION_FLOOR_PX);
    CHECK(chars >= 149 * 3); /* every word drawn */
    fx_free(x);
}

static void test_still_there_and_out_of_service_are_well_formed_at_all_sizes(void)
{
    fx_t *x = fx_default();
    answer_current(x, 0);
    hl_fakesys_advance(&x->clock, 30000);
    CHECK_INT(hl_flow_tick(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    check_all_sizes(x, false, "still there");
    hl_scene_t *s = build(x, 800, 480);
    CHECK_INT(s->n_targets, 3); /* continue, listen, large */
    CHECK(hl_scene_find(s, "continue") != NULL);
    CHECK(hl_scene_find(s, "listen") && hl_scene_find(s, "large"));
    x->ui.out_of_service = true;
    check_all_sizes(x, false, "out of service");
    CHECK_INT(build(x, 800, 480)->n_targets, 0);
    fx_free(x);
}

static void test_start_screen_shows_site_counter_title_question_and_languages(void)
{
    fx_t *x = fx_default();
    hl_scene_t *s = build(x, 1280, 800);
    const char *t = scene_text(x, s);
    CHECK_CONTAINS(t, "Bộ phận Một cửa UBND thành phố Việt Trì");
    CHECK_CONTAINS(t, "Quầy 3");
    CHECK_CONTAINS(t, "Đánh giá mức độ hài lòng");
    CHECK_CONTAINS(t, "Rất không hài lòng");
    CHECK_CONTAINS(t, "Tiếng Việt");
    CHECK_CONTAINS(t, "English");
    CHECK(hl_scene_find(s, "answer:overall:very_satisfied") != NULL);
    CHECK(hl_scene_find(s, "back") == NULL);
    CHECK(hl_scene_find(s, "skip") == NULL); /* overall is required */
    CHECK(hl_scene_find(s, "next") == NULL); /* a face moves on by itself */
    CHECK_CONTAINS(t, "Câu 1/8");
    CHECK_INT(tap_id(x, "lang:en"), HL_OK);
    t = scene_text(x, build(x, 1280, 800));
    CHECK_CONTAINS(t, "One-stop shop, Viet Tri City People's Committee");
    CHECK_CONTAINS(t, "Counter 3");
    CHECK_CONTAINS(t, "Rate our service");
    CHECK_CONTAINS(t, "Very dissatisfied");
    CHECK_CONTAINS(t, "Question 1 of 8");
    fx_free(x);
}

static void test_start_screen_without_site_shows_the_title_in_the_header(void)
{
    fx_t *x = fx_types();
    const char *t = scene_text(x, build(x, 800, 480));
    CHECK_CONTAINS(t, "Khảo sát thử giao diện");
    CHECK(strstr(t, "Quầy") == NULL);
    fx_free(x);
}

static void test_current_language_is_marked_and_only_survey_languages_get_buttons(void)
{
    fx_t *x = fx_default();
    hl_scene_t *s = build(x, 1280, 800);
    const hl_target_t *vi = hl_scene_find(s, "lang:vi"), *en = hl_scene_find(s, "lang:en");
    CHECK(vi && en);
    int ticks_vi = 0, ticks_en = 0;
    for (size_t i = 0; vi && en && i < s->n_cmds; i++) {
        if (s->cmds[i].kind != HL_CMD_TICK) continue;
        ticks_vi += rect_contains(vi->box, s->cmds[i].box);
        ticks_en += rect_contains(en->box, s->cmds[i].box);
    }
    CHECK_INT(ticks_vi, 1);
    CHECK_INT(ticks_en, 0);
    fx_free(x);
    x = fx_text("{\"format\":1,\"id\":\"vi-only\",\"version\":1,\"languages\":[\"vi\"],"
                "\"title\":{\"vi\":\"Khảo sát\"},\"thanks\":{\"vi\":\"Cảm ơn\"},"
                "\"questions\":[{\"id\":\"ok\",\"type\":\"yesno\",\"text\":{\"vi\":\"Tốt "
                "không?\"}}]}");
    s = build(x, 1280, 800);
    CHECK(hl_scene_find(s, "lang:vi") == NULL);
    CHECK(hl_scene_find(s, "lang:en") == NULL);
    CHECK_INT(hl_ui_tap(&x->ui, &x->flow, "lang:en", &x->err), HL_ERR_USAGE);
    check_scene(x, s, "vi only");
    fx_free(x);
}

static void test_switching_language_keeps_answers(void)
{
    fx_t *x = fx_types();
    answer_current(x, 0);
    CHECK_STR(cur_q(x)->id, "stars");
    CHECK_INT(tap_id(x, "lang:en"), HL_OK);
    CHECK_INT(x->flow.resp.lang, HL_LANG_EN);
    CHECK_STR(cur_q(x)->id, "stars");
    CHECK_STR(hl_flow_value(&x->flow, 0), "good");
    const char *t = scene_text(x, build(x, 800, 480));
    CHECK_CONTAINS(t, "How many stars for this counter?");
    CHECK_CONTAINS(t, "Back");
    CHECK_CONTAINS(t, "Skip");
    fx_free(x);
}

static void test_question_text_aims_for_a_7mm_capital(void)
{
    fx_t *x = fx_types();
    hl_scene_t *s = build(x, 1280, 800);
    /* 7 mm at 96 dpi = 26.46 px capital / 0.714 = 37 px. */
    CHECK_INT(question_px(x, s), 37);
    x->ui.dpi = 131;
    s = build(x, 1920, 1080);
    CHECK_INT(question_px(x, s), 51);
    fx_free(x);
}

/* A survey whose every question is 500 characters long, one per type. */
static char *long_survey(void)
{
    static const char *const words[] = {"Ông/Bà", "có",    "hài",   "lòng",    "với",
                                        "việc",   "giải",  "quyết", "thủ",     "tục",
                                        "hành",   "chính", "tại",   "Bộ phận", "Một cửa"};
    char text[2048];
    size_t o = 0;
    int cps = 0;
    for (int i = 0; cps < 500; i++) {
        const char *wd = words[i % 15];
        for (const char *p = i ? " " : ""; *p && cps < 500; p++, cps++)
            text[o++] = *p;
        for (const char *p = wd; *p && cps < 500;) {
            int n = 1;
            unsigned char c = (unsigned char)*p;
            if (c >= 0xF0)
                n = 4;
            else if (c >= 0xE0)
                n = 3;
            else if (c >= 0xC0)
                n = 2;
            memcpy(text + o, p, (size_t)n);
            o += (size_t)n;
            p += n;
            cps++;
        }
    }
    while (o && text[o - 1] == ' ')
        o--;
    text[o] = '\0';
    char en[600];
    memset(en, 0, sizeof en);
    for (int i = 0; i < 500; i++)
        en[i] = (i % 7 == 6) ? ' ' : "abcdefghij"[i % 10];
    en[499] = 'x';
    static const char *const types[] = {"smiley", "yesno", "choice", "number",
                                        "multi",  "stars", "nps"};
    char *json = malloc(65536);
    int n = snprintf(json, 65536,
                     "{\"format\":1,\"id\":\"long\",\"version\":1,\"languages\":[\"vi\",\"en\"],"
                     "\"title\":{\"vi\":\"Khảo sát\",\"en\":\"Survey\"},"
                     "\"thanks\":{\"vi\":\"Cảm ơn\",\"en\":\"Thanks\"},\"questions\":[");
    for (int q = 0; q < 7; q++) {
        const char *t = types[q];
        n += snprintf(json + n, (size_t)(65536 - n),
                      "%s{\"id\":\"q%d\",\"type\":\"%s\",%s\"text\":{\"vi\":\"%s\",\"en\":\"%s\"}",
                      q ? "," : "", q, t, q == 0 ? "\"required\":true," : "", text, en);
        if (!strcmp(t, "smiley") || !strcmp(t, "choice") || !strcmp(t, "multi")) {
            int k = !strcmp(t, "smiley") ? 5 : !strcmp(t, "choice") ? 3 : 6;
            n += snprintf(json + n, (size_t)(65536 - n), ",\"options\":[");
            for (int i = 0; i < k; i++)
                n += snprintf(json + n, (size_t)(65536 - n),
                              "%s{\"id\":\"o%d\",\"label\":{\"vi\":\"Rất không hài lòng %d\","
                              "\"en\":\"Very dissatisfied %d\"}}",
                              i ? "," : "", i, i, i);
            n += snprintf(json + n, (size_t)(65536 - n), "]");
        }
        n += snprintf(json + n, (size_t)(65536 - n), "}");
    }
    snprintf(json + n, (size_t)(65536 - n), "]}");
    return json;
}

static void test_500_character_question_fits_at_800x480_with_its_answers(void)
{
    char *json = long_survey();
    fx_t *x = fx_text(json);
    free(json);
    x->w = 800;
    x->h = 480;
    int guard = 0;
    while (x->flow.state != HL_STATE_THANKS && guard++ < 10) {
        for (int l = 0; l < HL_LANG_COUNT; l++) {
            hl_flow_set_lang(&x->flow, (hl_lang_t)l, &x->err);
            for (int k = 0; k < 4; k++) {
                char where[120];
                snprintf(where, sizeof where, "500 chars %s %s %dx%d", cur_q(x)->id,
                         hl_lang_code((hl_lang_t)l), sizes[k][0], sizes[k][1]);
                hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
                check_scene(x, s, where);
                check_ids(x, s, where);
                check_question_text(x, s, where);
            }
        }
        hl_flow_set_lang(&x->flow, HL_LANG_VI, &x->err);
        answer_current(x, 0);
    }
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    fx_free(x);
}

static void test_tapping_the_centre_of_each_answer_records_that_answer(void)
{
    for (int k = 0; k < 4; k++) {
        for (int pick = 0; pick < 3; pick++) {
            fx_t *x = fx_types();
            x->w = sizes[k][0];
            x->h = sizes[k][1];
            while (x->flow.state != HL_STATE_THANKS)
                answer_current(x, pick);
            static const char *const mood[] = {"good", "ok", "bad"};
            static const char *const visit[] = {"land", "civil", "business"};
            char num[16];
            CHECK_STR(rec_get(&x->sink, "mood"), mood[pick]);
            snprintf(num, sizeof num, "%d", pick + 1);
            CHECK_STR(rec_get(&x->sink, "stars"), num);
            CHECK_STR(rec_get(&x->sink, "visit"), visit[pick]);
            snprintf(num, sizeof num, "%d", pick);
            CHECK_STR(rec_get(&x->sink, "recommend"), num);
            CHECK_STR(rec_get(&x->sink, "posted"), pick ? "no" : "yes");
            fx_free(x);
        }
    }
}

static void test_every_nps_value_and_star_can_be_tapped(void)
{
    for (int v = 0; v <= 10; v++) {
        fx_t *x = fx_types();
        x->w = 800;
        x->h = 480;
        answer_current(x, 0);
        answer_current(x, v % 5);
        answer_current(x, 0);
        CHECK_STR(cur_q(x)->id, "recommend");
        answer_current(x, v);
        char num[16];
        snprintf(num, sizeof num, "%d", v);
        CHECK_STR(rec_get(&x->sink, "recommend"), num);
        snprintf(num, sizeof num, "%d", v % 5 + 1);
        CHECK_STR(rec_get(&x->sink, "stars"), num);
        fx_free(x);
    }
}

static void test_tap_between_targets_hits_nothing_and_records_nothing(void)
{
    fx_t *x = fx_default();
    for (int k = 0; k < 4; k++) {
        hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
        const hl_target_t *a = hl_scene_find(s, "answer:overall:very_satisfied");
        const hl_target_t *b = hl_scene_find(s, "answer:overall:satisfied");
        CHECK(a && b);
        if (!a || !b) continue;
        /* Side by side, or stacked as rows (faces in portrait): the gap. */
        bool rows = b->box.y >= a->box.y + a->box.h;
        int gx = rows ? a->box.x + a->box.w / 2 : (a->box.x + a->box.w + b->box.x) / 2;
        int gy = rows ? (a->box.y + a->box.h + b->box.y) / 2 : a->box.y + a->box.h / 2;
        if (rows)
            CHECK(gy >= a->box.y + a->box.h && gy < b->box.y);
        else
            CHECK(gx >= a->box.x + a->box.w && gx < b->box.x);
        CHECK(hl_scene_hit(s, gx, gy) == NULL);
        CHECK(hl_scene_hit(s, a->box.x + a->box.w / 2, a->box.y - 2) == NULL); /* just above */
        const char *qt = hl_text_get(&cur_q(x)->text, x->flow.resp.lang);
        for (size_t i = 0; i < s->n_cmds; i++) /* on the question's words */
            if (s->cmds[i].kind == HL_CMD_TEXT && s->cmds[i].text == qt)
                CHECK(hl_scene_hit(s, s->cmds[i].box.x + s->cmds[i].box.w / 2,
                                   s->cmds[i].box.y + s->cmds[i].box.h / 2) == NULL);
    }
    CHECK_INT(x->sink.base.n_saves, 0);
    fx_free(x);
}

static void test_multi_toggles_by_tap_shows_ticks_and_next_commits(void)
{
    fx_t *x = fx_default();
    x->w = 800;
    x->h = 480;
    answer_current(x, 4); /* very dissatisfied: reasons follow */
    while (strcmp(cur_q(x)->id, "reasons") != 0 && x->flow.state == HL_STATE_QUESTION)
        answer_current(x, 0);
    CHECK_STR(cur_q(x)->id, "reasons");
    int saves = x->sink.base.n_saves;
    hl_scene_t *s = build(x, 800, 480);
    CHECK_CONTAINS(scene_text(x, s), "Chọn tối đa 3");
    CHECK_CONTAINS(scene_text(x, s), "Không bắt buộc");
    CHECK(hl_scene_find(s, "next") != NULL);
    CHECK_INT(tap_id(x, "answer:reasons:attitude"), HL_OK);
    CHECK_INT(tap_id(x, "answer:reasons:slow"), HL_OK);
    CHECK_INT(tap_id(x, "answer:reasons:other"), HL_OK);
    CHECK_INT(tap_id(x, "answer:reasons:many_trips"), HL_ERR_STATE); /* over the limit */
    CHECK_INT(tap_id(x, "answer:reasons:attitude"), HL_OK);          /* untick */
    CHECK_STR(hl_flow_value(&x->flow, x->flow.cur), "slow|other");
    s = build(x, 800, 480);
    int ticks = 0;
    for (size_t i = 0; i < s->n_cmds; i++)
        ticks += s->cmds[i].kind == HL_CMD_TICK;
    CHECK_INT(ticks, 1 + 2); /* the current language's mark and two ticked boxes */
    const hl_target_t *slow = hl_scene_find(s, "answer:reasons:slow");
    bool ticked = false;
    for (size_t i = 0; slow && i < s->n_cmds; i++)
        ticked =
            ticked || (s->cmds[i].kind == HL_CMD_TICK && rect_contains(slow->box, s->cmds[i].box));
    CHECK(ticked);
    CHECK_INT(x->sink.base.n_saves, saves); /* ticks are a draft */
    CHECK_INT(tap_id(x, "next"), HL_OK);
    CHECK_STR(rec_get(&x->sink, "reasons"), "slow|other");
    fx_free(x);
}

static void test_keypad_types_shows_and_deletes_digits(void)
{
    fx_t *x = fx_types();
    for (int i = 0; i < 5; i++)
        answer_current(x, 0);
    CHECK_STR(cur_q(x)->id, "code");
    hl_scene_t *s = build(x, 1280, 800);
    CHECK_CONTAINS(scene_text(x, s), "Xoá");
    CHECK_CONTAINS(scene_text(x, s), "Từ 2 đến 6 chữ số");
    CHECK_INT(tap_id(x, "key:4"), HL_OK);
    CHECK_INT(tap_id(x, "key:0"), HL_OK);
    CHECK_INT(tap_id(x, "key:7"), HL_OK);
    CHECK_INT(tap_id(x, "key:del"), HL_OK);
    CHECK_INT(tap_id(x, "key:9"), HL_OK);
    CHECK_STR(hl_flow_value(&x->flow, x->flow.cur), "409");
    s = build(x, 1280, 800);
    bool shown = false;
    for (size_t i = 0; i < s->n_cmds; i++)
        shown = shown || (s->cmds[i].kind == HL_CMD_TEXT && s->cmds[i].len == 3 &&
                          memcmp(s->cmds[i].text, "409", 3) == 0 && s->cmds[i].px >= 37);
    CHECK(shown);
    CHECK_INT(hl_ui_tap(&x->ui, &x->flow, "answer:code:409", &x->err), HL_ERR_USAGE);
    CHECK_INT(tap_id(x, "next"), HL_OK);
    CHECK_STR(rec_get(&x->sink, "code"), "409");
    fx_free(x);
}

static void test_typing_keeps_the_screen_and_a_new_question_or_language_is_another(void)
{
    /* The touch guard's notion of a screen (hl_scene_signature): digits and
     * ticks are typed on the same screen; next, a language, "still there?"
     * make another. */
    fx_t *x = fx_types();
    x->w = 1280;
    x->h = 800;
    for (int i = 0; i < 5; i++)
        answer_current(x, 0);
    CHECK_STR(cur_q(x)->id, "code");
    uint64_t keypad = hl_scene_signature(build(x, 1280, 800));
    CHECK_INT(tap_id(x, "key:4"), HL_OK);
    CHECK(hl_scene_signature(build(x, 1280, 800)) == keypad);
    CHECK_INT(tap_id(x, "key:0"), HL_OK);
    CHECK_INT(tap_id(x, "key:del"), HL_OK);
    CHECK(hl_scene_signature(build(x, 1280, 800)) == keypad);
    CHECK(hl_scene_signature(build(x, 1080, 1920)) != keypad); /* another size */
    CHECK_INT(tap_id(x, "lang:en"), HL_OK);
    uint64_t english = hl_scene_signature(build(x, 1280, 800));
    CHECK(english != keypad);
    CHECK_INT(tap_id(x, "key:2"), HL_OK);
    CHECK_INT(tap_id(x, "next"), HL_OK);
    CHECK(hl_scene_signature(build(x, 1280, 800)) != english);
    fx_free(x);

    x = fx_default();
    x->w = 800;
    x->h = 480;
    answer_current(x, 4); /* very dissatisfied: reasons follow */
    while (strcmp(cur_q(x)->id, "reasons") != 0 && x->flow.state == HL_STATE_QUESTION)
        answer_current(x, 0);
    uint64_t reasons = hl_scene_signature(build(x, 800, 480));
    CHECK_INT(tap_id(x, "answer:reasons:slow"), HL_OK);
    CHECK(hl_scene_signature(build(x, 800, 480)) == reasons);
    hl_fakesys_advance(&x->clock, (int64_t)x->flow.timeouts.idle_s * 1000);
    CHECK_INT(hl_flow_tick(&x->flow, &x->err), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    CHECK(hl_scene_signature(build(x, 800, 480)) != reasons);
    fx_free(x);
}

static void test_keypad_sits_beside_the_question_in_landscape_and_below_in_portrait(void)
{
    fx_t *x = fx_types();
    for (int i = 0; i < 5; i++)
        answer_current(x, 0);
    CHECK_STR(cur_q(x)->id, "code");
    const char *qt = hl_text_get(&cur_q(x)->text, HL_LANG_VI);
    for (int k = 0; k < 4; k++) {
        hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
        const hl_target_t *one = hl_scene_find(s, "key:1");
        const hl_cmd_t *q = NULL;
        for (size_t i = 0; i < s->n_cmds && !q; i++)
            if (s->cmds[i].kind == HL_CMD_TEXT && s->cmds[i].text == qt) q = &s->cmds[i];
        CHECK(one && q);
        if (!one || !q) continue;
        if (sizes[k][1] > sizes[k][0])
            CHECK(one->box.y >= q->box.y + q->box.h);
        else
            CHECK(one->box.x >= q->box.x + q->box.w);
    }
    fx_free(x);
}

/* In 1080x1920 portrait there is room to spare: answers grow well past the
 * minimum target (choice, multi and yes/no buttons at least 1.5x its
 * height and 5x wide, faces and keypad keys bigger than in 1280x800
 * landscape), and the content is not packed against the header. */
static void test_answers_grow_with_the_room_in_portrait(void)
{
    fx_t *x = fx_types();
    int min = hl_ui_min_target(&x->ui), seen = 0;
    for (int step = 0; step < 7; step++) {
        const hl_question_t *q = cur_q(x);
        char where[96];
        snprintf(where, sizeof where, "1080x1920 %s", q->id);
        int face_land = 0, key_land = 0;
        hl_scene_t *s = build(x, 1280, 800);
        for (size_t i = 0; i < s->n_cmds; i++)
            if (s->cmds[i].kind == HL_CMD_FACE) face_land = s->cmds[i].box.w;
        const hl_target_t *k = hl_scene_find(s, "key:5");
        if (k) key_land = k->box.h;
        s = build(x, 1080, 1920);
        check_scene(x, s, where);
        int lowest = 0, n_answers = 0;
        for (size_t i = 0; i < s->n_targets; i++) {
            const hl_target_t *t = &s->targets[i];
            bool answer = strncmp(t->id, "answer:", 7) == 0, key = strncmp(t->id, "key:", 4) == 0;
            if (!answer && !key) continue;
            n_answers++;
            lowest = t->box.y + t->box.h > lowest ? t->box.y + t->box.h : lowest;
            if (q->type == HL_Q_CHOICE || q->type == HL_Q_MULTI || q->type == HL_Q_YESNO) {
                if (t->box.h * 2 < min * 3)
                    hl_test_fail(__FILE__, __LINE__, "%s: %s is %d px high, under 1.5 x %d", where,
                                 t->id, t->box.h, min);
                if (t->box.w < min * 5)
                    hl_test_fail(__FILE__, __LINE__, "%s: %s is only %d px wide", where, t->id,
                                 t->box.w);
            }
            if (key && t->box.h <= key_land)
                hl_test_fail(__FILE__, __LINE__, "%s: key %s is %d px high, not above %d", where,
                             t->id, t->box.h, key_land);
        }
        for (size_t i = 0; i < s->n_cmds; i++)
            if (s->cmds[i].kind == HL_CMD_FACE && s->cmds[i].box.w <= face_land)
                hl_test_fail(__FILE__, __LINE__, "%s: face %d px, not above %d in landscape", where,
                             s->cmds[i].box.w, face_land);
        CHECK(n_answers > 0);
        /* Not packed at the top: the answers reach past the middle. */
        if (lowest < 1920 / 2)
            hl_test_fail(__FILE__, __LINE__, "%s: answers end at y=%d, above the middle", where,
                         lowest);
        seen |= 1 << q->type;
        answer_current(x, 0);
        if (x->flow.state != HL_STATE_QUESTION) break;
    }
    CHECK(seen & (1 << HL_Q_CHOICE));
    CHECK(seen & (1 << HL_Q_SMILEY));
    CHECK(seen & (1 << HL_Q_NUMBER));
    fx_free(x);
}

static void test_smiley_faces_go_from_best_to_worst_with_colours_and_labels(void)
{
    fx_t *x = fx_default();
    hl_scene_t *s = build(x, 1280, 800);
    static const uint32_t five[5] = {0x1B7F3B, 0x4C9A2A, 0xE0A100, 0xE06C00, 0xC62828};
    int n = 0, last_x = -1;
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_FACE) continue;
        CHECK(n < 5);
        if (n >= 5) break;
        CHECK_INT(c->of, 5);
        CHECK_INT(c->level, 5 - n);
        CHECK_INT(((uint32_t)c->color.r << 16) | (c->color.g << 8) | c->color.b, five[n]);
        CHECK(c->box.x > last_x);
        CHECK_INT(c->box.w, c->box.h);
        last_x = c->box.x;
        /* The label is in the same target, under the face. */
        const char *hit = hl_scene_hit(s, c->box.x + c->box.w / 2, c->box.y + c->box.h / 2);
        CHECK(hit != NULL);
        const hl_target_t *t = hit ? hl_scene_find(s, hit) : NULL;
        bool label = false;
        for (size_t j = i + 1; t && j < s->n_cmds; j++)
            if (s->cmds[j].kind == HL_CMD_TEXT && rect_contains(t->box, s->cmds[j].box) &&
                s->cmds[j].box.y >= c->box.y + c->box.h)
                label = true;
        CHECK(label);
        n++;
    }
    CHECK_INT(n, 5);
    /* Three faces: green, amber, red. */
    for (int i = 0; i < 4; i++)
        answer_current(x, 0);
    CHECK_STR(cur_q(x)->id, "facilities");
    s = build(x, 800, 480);
    static const uint32_t three[3] = {0x1B7F3B, 0xE0A100, 0xC62828};
    n = 0;
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_FACE || n >= 3) continue;
        CHECK_INT(c->of, 3);
        CHECK_INT(c->level, 3 - n);
        CHECK_INT(((uint32_t)c->color.r << 16) | (c->color.g << 8) | c->color.b, three[n]);
        n++;
    }
    CHECK_INT(n, 3);
    fx_free(x);
}

static void test_chosen_stars_have_an_edge_that_stands_out_from_the_card(void)
{
    fx_t *x = fx_types();
    CHECK_INT(tap_id(x, "answer:mood:ok"), HL_OK);
    CHECK_INT(tap_id(x, "answer:stars:4"), HL_OK);
    CHECK_INT(tap_id(x, "back"), HL_OK); /* back on the stars, four of them chosen */
    hl_scene_t *s = build(x, 1280, 800);
    int filled = 0, edges = 0;
    hl_color_t white = {255, 255, 255, 255};
    for (size_t i = 0; i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_STAR) continue;
        if (c->border == 0) filled++;
        if (c->border > 0 && contrast(c->color, white) >= 3.0) edges++;
    }
    CHECK_INT(filled, 4);
    CHECK_INT(edges, 5); /* four chosen with a dark edge, one empty outline */
    fx_free(x);
}

/* Whether the fill of target id's cell is the "unavailable" grey. */
static bool cell_is_grey(const hl_scene_t *s, const char *id)
{
    const hl_target_t *t = hl_scene_find(s, id);
    bool grey = false;
    for (size_t i = 0; t && i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind == HL_CMD_RECT && c->border == 0 && c->box.x == t->box.x &&
            c->box.y == t->box.y && c->box.w == t->box.w && c->box.h == t->box.h)
            grey = c->color.r == 0xE3 && c->color.g == 0xE8 && c->color.b == 0xEE;
    }
    return grey;
}

static void test_a_multi_question_at_its_limit_greys_the_other_options(void)
{
    fx_t *x = fx_types();
    static const char *const path[] = {"answer:mood:ok",     "answer:stars:4",
                                       "answer:visit:civil", "answer:recommend:8",
                                       "answer:posted:yes",  "next"};
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++)
        CHECK_INT(tap_id(x, path[i]), HL_OK);
    CHECK_INT(tap_id(x, "answer:tags:fast"), HL_OK);
    CHECK(!cell_is_grey(build(x, 1280, 800), "answer:tags:friendly")); /* 1 of 2 chosen */
    CHECK_INT(tap_id(x, "answer:tags:clear"), HL_OK);
    CHECK(cell_is_grey(build(x, 1280, 800), "answer:tags:friendly")); /* 2 of 2: unavailable */
    CHECK(!cell_is_grey(build(x, 1280, 800), "answer:tags:fast"));    /* chosen ones are not */
    CHECK(tap_id(x, "answer:tags:friendly") != HL_OK);                /* a tap changes nothing */
    fx_free(x);
}

static void test_back_next_and_skip_appear_as_applicable(void)
{
    fx_t *x = fx_types();
    answer_current(x, 0); /* mood -> stars */
    hl_scene_t *s = build(x, 800, 480);
    CHECK(hl_scene_find(s, "back") != NULL);
    CHECK(hl_scene_find(s, "skip") != NULL);
    CHECK(hl_scene_find(s, "next") == NULL); /* unanswered stars move on by themselves */
    CHECK_INT(tap_id(x, "back"), HL_OK);
    CHECK_STR(cur_q(x)->id, "mood");
    s = build(x, 800, 480);
    CHECK(hl_scene_find(s, "back") == NULL); /* the first question */
    CHECK(hl_scene_find(s, "skip") == NULL); /* required */
    CHECK(hl_scene_find(s, "next") != NULL); /* answered: move on unchanged */
    CHECK_INT(hl_ui_tap(&x->ui, &x->flow, "back", &x->err), HL_ERR_USAGE);
    CHECK_CONTAINS(x->err.msg, "no target \"back\" on screen");
    /* The answer given is drawn selected: the thick outline. */
    const hl_target_t *good = hl_scene_find(s, "answer:mood:good");
    const hl_target_t *ok = hl_scene_find(s, "answer:mood:ok");
    int good_border = 0, ok_border = 0;
    for (size_t i = 0; good && ok && i < s->n_cmds; i++) {
        const hl_cmd_t *c = &s->cmds[i];
        if (c->kind != HL_CMD_RECT || c->border == 0) continue;
        if (!memcmp(&c->box, &good->box, sizeof c->box)) good_border = c->border;
        if (!memcmp(&c->box, &ok->box, sizeof c->box)) ok_border = c->border;
    }
    CHECK(good_border >= 4);
    CHECK(ok_border > 0 && ok_border < good_border);
    CHECK_INT(tap_id(x, "next"), HL_OK);
    CHECK_STR(cur_q(x)->id, "stars");
    CHECK_INT(tap_id(x, "skip"), HL_OK);
    CHECK_STR(cur_q(x)->id, "visit");
    CHECK(rec_get(&x->sink, "stars") == NULL);
    fx_free(x);
}

static void test_progress_shows_position_and_dots(void)
{
    fx_t *x = fx_types();
    answer_current(x, 0);
    hl_scene_t *s = build(x, 1280, 800);
    CHECK_CONTAINS(scene_text(x, s), "Câu 2/7");
    int dots = 0; /* in the navigation band (the header's speaker has rings too) */
    for (size_t i = 0; i < s->n_cmds; i++)
        dots += s->cmds[i].kind == HL_CMD_CIRCLE && s->cmds[i].box.y > 800 / 2;
    CHECK_INT(dots, 7);
    hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err);
    CHECK_CONTAINS(scene_text(x, build(x, 1280, 800)), "Question 2 of 7");
    fx_free(x);
}

static void test_still_there_counts_down_in_whole_seconds_rounded_up(void)
{
    fx_t *x = fx_default();
    answer_current(x, 0);
    hl_fakesys_advance(&x->clock, 30000);
    hl_flow_tick(&x->flow, &x->err);
    CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
    const char *t = scene_text(x, build(x, 800, 480));
    CHECK_CONTAINS(t, "Ông/Bà vẫn đang trả lời chứ?");
    CHECK_CONTAINS(t, "Khảo sát sẽ kết thúc sau 10 giây");
    CHECK_CONTAINS(t, "Tiếp tục");
    hl_fakesys_advance(&x->clock, 2300); /* 7.7 s left: shows 8 */
    CHECK_CONTAINS(scene_text(x, build(x, 800, 480)), "Khảo sát sẽ kết thúc sau 8 giây");
    x->flow.resp.lang = HL_LANG_EN;
    t = scene_text(x, build(x, 1080, 1920));
    CHECK_CONTAINS(t, "Are you still there?");
    CHECK_CONTAINS(t, "The survey will end in 8 seconds");
    CHECK_CONTAINS(t, "Continue");
    hl_fakesys_advance(&x->clock, 7000); /* 0.7 s left */
    CHECK_CONTAINS(scene_text(x, build(x, 1080, 1920)), "The survey will end in 1 second ");
    fx_free(x);
}

static void test_any_tap_dismisses_still_there(void)
{
    static const char *const ids[] = {"continue", "", "bogus", "answer:officer:satisfied",
                                      "lang:en"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        fx_t *x = fx_default();
        answer_current(x, 0);
        hl_fakesys_advance(&x->clock, 30000);
        hl_flow_tick(&x->flow, &x->err);
        CHECK_INT(x->flow.state, HL_STATE_STILL_THERE);
        CHECK_INT(hl_ui_tap(&x->ui, &x->flow, ids[i], &x->err), HL_OK);
        CHECK_INT(x->flow.state, HL_STATE_QUESTION);
        CHECK_STR(cur_q(x)->id, "officer");
        CHECK(rec_get(&x->sink, "officer") == NULL); /* the tap only dismissed */
        fx_free(x);
    }
    fx_t *x = fx_default();
    answer_current(x, 0);
    hl_fakesys_advance(&x->clock, 30000);
    hl_flow_tick(&x->flow, &x->err);
    CHECK_INT(tap_id(x, "continue"), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_QUESTION);
    fx_free(x);
}

static void test_thanks_shows_the_survey_text_and_ignores_taps(void)
{
    fx_t *x = fx_types();
    while (x->flow.state != HL_STATE_THANKS)
        answer_current(x, 0);
    hl_scene_t *s = build(x, 1280, 800);
    CHECK_CONTAINS(scene_text(x, s), "Cảm ơn Ông/Bà!");
    CHECK_INT(s->n_targets, 0);
    int saves = x->sink.base.n_saves;
    static const char *const ids[] = {"next", "back", "", "lang:en", "continue"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        CHECK_INT(hl_ui_tap(&x->ui, &x->flow, ids[i], &x->err), HL_ERR_STATE);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_INT(x->flow.resp.lang, HL_LANG_VI);
    CHECK_INT(x->sink.base.n_saves, saves);
    fx_free(x);
}

static void test_each_target_carries_the_action_its_name_says_and_a_stale_one_does_nothing(void)
{
    fx_t *x = fx_types();
    hl_scene_t *s = build(x, 1280, 800);
    hl_action_t stale = {HL_ACT_NONE, -1, -1};
    int answers = 0;
    for (size_t i = 0; i < s->n_targets; i++) {
        const hl_target_t *t = &s->targets[i];
        hl_action_t named;
        CHECK(hl_ui_action_named(&x->flow, t->id, &named));
        CHECK_INT(t->action.kind, named.kind);
        CHECK_INT(t->action.question, named.question);
        CHECK_INT(t->action.item, named.item);
        if (t->action.kind == HL_ACT_ANSWER) {
            answers++;
            stale = t->action;
        }
    }
    CHECK(answers > 0);
    /* The flow moves on; the first question's target, tapped late (a
     * screen that changed under the finger), answers nothing. */
    answer_current(x, 0);
    int saves = x->sink.base.n_saves;
    CHECK_INT(hl_ui_act(&x->ui, &x->flow, &stale, &x->err), HL_ERR_USAGE);
    CHECK_INT(x->sink.base.n_saves, saves);
    CHECK_STR(cur_q(x)->id, "stars");
    fx_free(x);
}

static void test_out_of_service_shows_both_languages_calmly_and_takes_no_taps(void)
{
    fx_t *x = fx_default();
    x->ui.out_of_service = true;
    hl_scene_t *s = build(x, 800, 480);
    const char *t = scene_text(x, s);
    CHECK_CONTAINS(t, "Máy tạm ngừng phục vụ.");
    CHECK_CONTAINS(t, "This kiosk is temporarily out of service.");
    CHECK_INT(s->n_targets, 0);
    CHECK_INT(hl_ui_tap(&x->ui, &x->flow, "answer:overall:satisfied", &x->err), HL_ERR_STATE);
    CHECK_INT(x->sink.base.n_saves, 0);
    fx_free(x);
}

static void test_unknown_or_absent_targets_are_usage_errors(void)
{
    fx_t *x = fx_types();
    static const char *const ids[] = {
        "",      "nope",    "answer:mood:great", "answer:stars:3", "answer:mood",
        "key:1", "lang:fr", "continue",          "next",           "skip"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        CHECK_INT(hl_ui_tap(&x->ui, &x->flow, ids[i], &x->err), HL_ERR_USAGE);
        CHECK_CONTAINS(x->err.msg, "on screen");
    }
    CHECK_INT(x->sink.base.n_saves, 0);
    CHECK_INT(x->flow.state, HL_STATE_START);
    fx_free(x);
}

static void test_pressed_target_is_drawn_differently(void)
{
    fx_t *x = fx_types();
    static const char *const ids[] = {"answer:mood:ok", "lang:en", "lang:vi"};
    for (size_t k = 0; k < 3; k++) {
        x->ui.pressed[0] = '\0';
        hl_scene_t *s = build(x, 1280, 800);
        const hl_target_t *t = hl_scene_find(s, ids[k]);
        CHECK(t != NULL);
        if (!t) continue;
        hl_rect_t box = t->box;
        hl_color_t before = {0, 0, 0, 0}, after = {0, 0, 0, 0};
        for (size_t i = 0; i < s->n_cmds; i++)
            if (s->cmds[i].kind == HL_CMD_RECT && !s->cmds[i].border &&
                !memcmp(&s->cmds[i].box, &box, sizeof box))
                before = s->cmds[i].color;
        snprintf(x->ui.pressed, sizeof x->ui.pressed, "%s", ids[k]);
        s = build(x, 1280, 800);
        for (size_t i = 0; i < s->n_cmds; i++)
            if (s->cmds[i].kind == HL_CMD_RECT && !s->cmds[i].border &&
                !memcmp(&s->cmds[i].box, &box, sizeof box))
                after = s->cmds[i].color;
        CHECK(memcmp(&before, &after, sizeof before) != 0);
        check_scene(x, s, ids[k]);
    }
    fx_free(x);
}

static void test_build_is_deterministic_and_leaves_room_in_the_scene(void)
{
    fx_t *x = fx_default();
    hl_scene_t *a = malloc(sizeof *a);
    build(x, 1280, 800);
    memcpy(a, &x->scene, sizeof *a);
    build(x, 1280, 800);
    CHECK_INT(a->n_cmds, x->scene.n_cmds);
    CHECK(memcmp(a->cmds, x->scene.cmds, a->n_cmds * sizeof a->cmds[0]) == 0);
    CHECK(a->n_cmds < HL_SCENE_MAX_CMDS / 2);
    CHECK(!a->overflow);
    free(a);
    fx_free(x);
}

static void test_strings_exist_in_every_language_with_diacritics(void)
{
    for (int l = 0; l < HL_LANG_COUNT; l++)
        for (int i = 0; i < HL_STR_COUNT; i++)
            CHECK(hl_str((hl_lang_t)l, (hl_str_id_t)i)[0] != '\0');
    CHECK_STR(hl_str(HL_LANG_VI, HL_STR_BACK), "Quay lại");
    CHECK_STR(hl_str(HL_LANG_VI, HL_STR_STILL_THERE), "Ông/Bà vẫn đang trả lời chứ?");
    CHECK_STR(hl_str_lang_name(HL_LANG_VI), "Tiếng Việt");
    CHECK_STR(hl_str_lang_name(HL_LANG_EN), "English");
    char buf[80];
    CHECK_STR(hl_str_format(buf, sizeof buf, HL_LANG_VI, HL_STR_COUNTDOWN, 7, 0),
              "Khảo sát sẽ kết thúc sau 7 giây");
    CHECK_STR(hl_str_format(buf, sizeof buf, HL_LANG_EN, HL_STR_COUNTDOWN, 1, 0),
              "The survey will end in 1 second");
    CHECK_STR(hl_str_format(buf, sizeof buf, HL_LANG_VI, HL_STR_PROGRESS, 2, 7), "Câu 2/7");
    CHECK_STR(hl_str_format(buf, sizeof buf, HL_LANG_EN, HL_STR_PROGRESS, 2, 7), "Question 2 of 7");
    CHECK_STR(hl_str_format(buf, 8, HL_LANG_EN, HL_STR_PROGRESS, 2, 7), "Questio");
}

static void test_details_fill_a_sentence_in_order_or_by_position_and_are_cut(void)
{
    char buf[128];
    const char *args[3] = {"khao-sat.json", "2", "s"};
    CHECK_STR(hl_str_subst(buf, sizeof buf, hl_str(HL_LANG_EN, HL_STR_TN_NOT_INSTALLED_PROBLEMS),
                           args, 3),
              "2 problems: nothing installed, the survey keeps running");
    CHECK_STR(hl_str_subst(buf, sizeof buf, hl_str(HL_LANG_VI, HL_STR_TN_NOT_INSTALLED_PROBLEMS),
                           args, 3),
              "khao-sat.json: 2 lỗi, không cài");
    CHECK_STR(hl_str_subst(buf, sizeof buf, "%s and %s", args, 1), "khao-sat.json and ");
    CHECK_STR(hl_str_subst(buf, 6, "%s!", args, 1), "khao-");
    const char *pct[1] = {"%s%1$s"}; /* a detail is copied, never read as a format */
    CHECK_STR(hl_str_subst(buf, sizeof buf, "[%s]", pct, 1), "[%s%1$s]");
}

/* ---- Technician screens (issue 6) -------------------------------------------- */

typedef hl_fixture_tech_t tech_fx_t;

/* The default survey's kiosk with three officers ("nva" on duty, one with
 * a photo), results with enough answers for every question, errors from a
 * failed install and a stick with a survey. */
static tech_fx_t *tech_open(fx_t *x)
{
    tech_fx_t *t = calloc(1, sizeof *t);
    static const char *const ids[3] = {"nva", "ttb", "lvc"};
    static const char *const names[3] = {"Nguyễn Văn A", "Trần Thị Bích", "Lê Văn Cường"};
    for (int i = 0; i < 3; i++) {
        snprintf(x->cfg.officers[i].id, sizeof x->cfg.officers[i].id, "%s", ids[i]);
        snprintf(x->cfg.officers[i].name, sizeof x->cfg.officers[i].name, "%s", names[i]);
        x->cfg.officers[i].photo = NULL;
    }
    x->cfg.officers[0].photo = strdup(hl_test_data("ui/officer.png"));
    x->cfg.n_officers = 3;
    snprintf(x->cfg.officer, sizeof x->cfg.officer, "nva");
    hl_fixture_tech_init(t, &x->cfg, x->survey);
    t->tech.hold_since_ms = t->tech.armed_until_ms = 0;
    hl_results_t *r = &t->results;
    r->counts = (hl_store_counts_t){60, 55, 5};
    r->enough = true;
    r->has_rate = true;
    r->rate_answered = 60;
    r->rate_satisfied = 51;
    for (int h = 7; h < 17; h++)
        r->hourly[h] = h % 5 + 1;
    r->n_questions = (int)x->survey->n_questions;
    for (int i = 0; i < r->n_questions; i++) {
        const hl_question_t *q = &x->survey->questions[i];
        hl_results_q_t *rq = &r->q[i];
        rq->question = i;
        rq->charted = q->type != HL_Q_NUMBER;
        rq->answered = 58;
        rq->enough = true;
        rq->n_bars = q->type == HL_Q_YESNO ? 2 : q->type == HL_Q_NUMBER ? 0 : (int)q->n_options;
        for (int k = 0; k < rq->n_bars; k++)
            rq->bars[k] = 30 / (k + 1);
    }
    for (int i = 0; i < 9; i++)
        hl_diags_add(&t->errors, "new-survey.json", 10 + i, 3, "questions", "bad value %d", i);
    hl_tech_view_t *v = &t->view;
    v->now_utc_ms = 1790000000000LL;
    v->tz_offset_ms = 7 * 3600000LL;
    v->clock_trusted = false;
    v->version = "0.1.0";
    v->stats.responses = 100;
    v->stats.last_export_utc_ms = -1;
    v->sync.configured = true;
    v->sync.store.last_success_utc_ms = -1;
    snprintf(v->sync.store.last_error, sizeof v->sync.store.last_error, "%s",
             "the server refused the token (401): check sync.token in the config file");
    v->free_bytes = -1;
    v->n_installed = 3;
    for (int i = 0; i < 3; i++) {
        snprintf(v->installed[i].id, sizeof v->installed[i].id, "sipas-mot-cua");
        v->installed[i].version = 3 - i;
        snprintf(v->installed[i].file, sizeof v->installed[i].file, "sipas-v%d.json", 3 - i);
        v->installed[i].active = i == 0;
    }
    v->n_on_stick = 2;
    v->on_stick[0] = v->installed[1];
    v->on_stick[1] = v->installed[2];
    v->stick = true;
    v->can_rollback = true;
    v->errors = &t->errors;
    v->export_state = (hl_ui_export_t){HL_UI_EXPORT_FAILED, 0, 0, HL_ERR_FULL};
    v->notice = "Đã lưu: timeouts.idle_s = 45";
    return t;
}

static void tech_close(fx_t *x, tech_fx_t *t)
{
    hl_diags_free(&t->errors);
    for (int i = 0; i < x->cfg.n_officers; i++) {
        free(x->cfg.officers[i].photo);
        x->cfg.officers[i].photo = NULL;
    }
    x->cfg.n_officers = 0;
    x->cfg.officer[0] = '\0';
    free(t);
}

/* Builds the technician screen at every size and language, checks it as
 * any screen, and checks the ids listed are there. */
static void tech_check(fx_t *x, tech_fx_t *t, const char *what, const char *const *ids)
{
    static const int tsizes[4][2] = {{800, 480}, {1280, 800}, {1920, 1080}, {1080, 1920}};
    for (int l = 0; l < HL_LANG_COUNT; l++) {
        t->view.lang = (hl_lang_t)l;
        for (int k = 0; k < 4; k++) {
            char where[160];
            snprintf(where, sizeof where, "%s %s %dx%d", what, hl_lang_code((hl_lang_t)l),
                     tsizes[k][0], tsizes[k][1]);
            hl_tech_ui_build(&x->ui, &t->view, tsizes[k][0], tsizes[k][1], &x->scene);
            check_scene(x, &x->scene, where);
            for (int i = 0; ids[i]; i++)
                if (!hl_scene_find(&x->scene, ids[i]))
                    hl_test_fail(__FILE__, __LINE__, "%s: no target %s", where, ids[i]);
            for (size_t i = 0; i < x->scene.n_targets; i++) {
                const char *id = x->scene.targets[i].id;
                if (strncmp(id, "tech:", 5) != 0 && strncmp(id, "pin:", 4) != 0)
                    hl_test_fail(__FILE__, __LINE__, "%s: unexpected target %s", where, id);
            }
        }
    }
}

static void test_pin_pad_is_well_formed_with_every_notice_and_shows_no_digits(void)
{
    fx_t *x = fx_default();
    tech_fx_t *t = tech_open(x);
    static const char *const ids[] = {"pin:0",   "pin:1",  "pin:2",      "pin:3", "pin:4",
                                      "pin:5",   "pin:6",  "pin:7",      "pin:8", "pin:9",
                                      "pin:del", "pin:ok", "pin:cancel", NULL};
    t->tech.mode = HL_TECH_PIN;
    memcpy(t->tech.entry, "4817", 5);
    t->tech.n_entry = 4;
    tech_check(x, t, "pin", ids);
    /* The digits typed never appear: only dots. */
    hl_tech_ui_build(&x->ui, &t->view, 800, 480, &x->scene);
    CHECK(strstr(scene_text(x, &x->scene), "4817") == NULL);
    size_t filled = 0;
    for (size_t i = 0; i < x->scene.n_cmds; i++)
        filled += x->scene.cmds[i].kind == HL_CMD_CIRCLE && x->scene.cmds[i].border == 0;
    CHECK_INT(filled, 4);
    t->tech.msg = HL_TECH_MSG_WRONG;
    t->tech.tries_left = 2;
    tech_check(x, t, "pin wrong", ids);
    t->view.lang = HL_LANG_EN;
    hl_tech_ui_build(&x->ui, &t->view, 800, 480, &x->scene);
    CHECK(strstr(scene_text(x, &x->scene), "2 tries left") != NULL);
    t->tech.msg = HL_TECH_MSG_LOCKED;
    t->tech.lock.lock_ms = HL_PIN_LOCK_MS;
    t->tech.lock.locked_at_utc_ms = t->view.now_utc_ms - 60500;
    t->view.lock_left_ms = HL_PIN_LOCK_MS - 60500; /* as hl_pin_lock_left counts it */
    tech_check(x, t, "pin locked", ids);
    t->view.lang = HL_LANG_VI;
    hl_tech_ui_build(&x->ui, &t->view, 800, 480, &x->scene);
    CHECK(strstr(scene_text(x, &x->scene), "3:60") == NULL);
    CHECK(strstr(scene_text(x, &x->scene), "4:00") != NULL);
    t->tech.msg = HL_TECH_MSG_NO_PIN;
    tech_check(x, t, "pin no pin", ids);
    t->view.lang = HL_LANG_VI;
    hl_tech_ui_build(&x->ui, &t->view, 800, 480, &x->scene);
    CHECK(strstr(scene_text(x, &x->scene), "Chưa đặt mã PIN: dùng hailong set-pin") != NULL);
    tech_close(x, t);
    fx_free(x);
}

static void test_every_technician_page_is_well_formed_at_all_sizes_and_languages(void)
{
    fx_t *x = fx_default();
    tech_fx_t *t = tech_open(x);
    static const char *const tabs[] = {
        "tech:page:status",   "tech:page:results",  "tech:page:officer", "tech:page:survey",
        "tech:page:transfer", "tech:page:settings", "tech:close",        NULL};
    static const char *const results[] = {"tech:period:today", "tech:period:week",
                                          "tech:period:all",   "tech:filter:prev",
                                          "tech:filter:next",  NULL};
    static const char *const officer[] = {"tech:duty:nva", "tech:duty:ttb", "tech:duty:lvc",
                                          "tech:duty:none", NULL};
    static const char *const survey[] = {"tech:survey:use:0", "tech:survey:install:0", NULL};
    static const char *const transfer[] = {"tech:export", "tech:sync", NULL};
    static const char *const settings[] = {"tech:lang:vi",    "tech:lang:en",
                                           "tech:idle:-",     "tech:idle:+",
                                           "tech:warn:-",     "tech:warn:+",
                                           "tech:thanks:-",   "tech:thanks:+",
                                           "tech:rot:0",      "tech:rot:90",
                                           "tech:rot:180",    "tech:rot:270",
                                           "tech:clock:-1d",  "tech:clock:+1d",
                                           "tech:clock:-1h",  "tech:clock:+1h",
                                           "tech:clock:-10m", "tech:clock:+10m",
                                           "tech:clock:set",  "tech:restart",
                                           "tech:shutdown",   NULL};
    const char *const *pages[HL_TECH_PAGE_COUNT] = {NULL,   results,  officer,
                                                    survey, transfer, settings};
    static const char *const names[HL_TECH_PAGE_COUNT] = {"status", "results",  "officer",
                                                          "survey", "transfer", "settings"};
    for (int p = 0; p < HL_TECH_PAGE_COUNT; p++) {
        t->tech.page = (hl_tech_page_t)p;
        tech_check(x, t, names[p], tabs);
        if (pages[p]) tech_check(x, t, names[p], pages[p]);
    }
    /* Not enough answers, no stick, nothing configured, a trusted clock. */
    t->results.enough = false;
    t->view.stick = false;
    t->view.errors = NULL;
    t->view.sync.configured = false;
    t->view.clock_trusted = true;
    t->view.notice = NULL;
    for (int p = 0; p < HL_TECH_PAGE_COUNT; p++) {
        t->tech.page = (hl_tech_page_t)p;
        tech_check(x, t, names[p], tabs);
    }
    t->tech.page = HL_TECH_RESULTS;
    t->view.lang = HL_LANG_VI;
    hl_tech_ui_build(&x->ui, &t->view, 1280, 800, &x->scene);
    CHECK(strstr(scene_text(x, &x->scene), "Chưa đủ câu trả lời để hiển thị") != NULL);
    t->tech.page = HL_TECH_SURVEY;
    hl_tech_ui_build(&x->ui, &t->view, 1280, 800, &x->scene);
    CHECK(strstr(scene_text(x, &x->scene), "Cắm USB của kỹ thuật viên") != NULL);
    CHECK(hl_scene_find(&x->scene, "tech:survey:install:0") == NULL);
    t->tech.page = HL_TECH_SETTINGS;
    hl_tech_ui_build(&x->ui, &t->view, 1280, 800, &x->scene);
    CHECK(hl_scene_find(&x->scene, "tech:clock:+1h") == NULL);
    CHECK(strstr(scene_text(x, &x->scene), "Đồng hồ đã đồng bộ") != NULL);
    tech_close(x, t);
    fx_free(x);
}

static void test_results_show_the_rate_counts_and_errors_with_their_lines(void)
{
    fx_t *x = fx_default();
    tech_fx_t *t = tech_open(x);
    t->view.lang = HL_LANG_VI;
    t->tech.page = HL_TECH_RESULTS;
    hl_tech_ui_build(&x->ui, &t->view, 1280, 800, &x->scene);
    const char *text = scene_text(x, &x->scene);
    CHECK(strstr(text, "85 %") != NULL); /* 51 of 60 */
    CHECK(strstr(text, "hài lòng (51/60)") != NULL);
    CHECK(strstr(text, "30 · ") != NULL);
    /* Comments: how many, never their words. */
    t->results.comments = 12;
    hl_tech_ui_build(&x->ui, &t->view, 1280, 800, &x->scene);
    CHECK_CONTAINS(scene_text(x, &x->scene), "12 góp ý");
    t->results.comments = 1;
    t->view.lang = HL_LANG_EN;
    hl_tech_ui_build(&x->ui, &t->view, 1280, 800, &x->scene);
    CHECK_CONTAINS(scene_text(x, &x->scene), "1 comment");
    t->view.lang = HL_LANG_VI;
    t->tech.page = HL_TECH_SURVEY;
    hl_tech_ui_build(&x->ui, &t->view, 1280, 800, &x->scene);
    text = scene_text(x, &x->scene);
    CHECK(strstr(text, "new-survey.json:10:3: bad value 0") != NULL);
    CHECK(strstr(text, "new-survey.json:16:3: bad value 6") == NULL);
    CHECK(strstr(text, "+3 lỗi khác") != NULL);
    tech_close(x, t);
    fx_free(x);
}

static void test_the_survey_page_pages_the_stick_files_with_its_buttons(void)
{
    /* 20 files on the stick, the second page listed: page buttons and a
     * "page 2 of N" hint at every size and language (targets >= 10 mm, no
     * overlap), with and without the check's errors under them; the
     * install ids are the files' indexes among all of them. */
    fx_t *x = fx_default();
    tech_fx_t *t = tech_open(x);
    hl_tech_view_t *v = &t->view;
    t->tech.mode = HL_TECH_MENU;
    t->tech.page = HL_TECH_SURVEY;
    v->n_on_stick = HL_TECH_MAX_SURVEYS;
    for (int i = 0; i < HL_TECH_MAX_SURVEYS; i++) {
        snprintf(v->on_stick[i].id, sizeof v->on_stick[i].id, "ks-%d", 9 + i);
        v->on_stick[i].version = 1;
        snprintf(v->on_stick[i].file, sizeof v->on_stick[i].file, "khao-sat-%d.json", 9 + i);
    }
    v->stick_first = 8;
    v->n_stick_total = 20;
    /* With the check's errors under them, 800x480 has room for the page
     * buttons only. */
    static const char *const pager_ids[] = {"tech:stick:prev", "tech:stick:next", NULL};
    tech_check(x, t, "survey pages", pager_ids);
    v->errors = NULL;
    static const char *const ids[] = {"tech:stick:prev", "tech:stick:next", "tech:survey:install:8",
                                      NULL};
    tech_check(x, t, "survey pages, no errors", ids);
    /* The second page of R files a page: files R .. 2R-1, "page 2 of N". */
    v->lang = HL_LANG_VI;
    hl_tech_ui_build(&x->ui, v, 1280, 800, &x->scene);
    int rows = 0;
    for (size_t i = 0; i < x->scene.n_targets; i++)
        rows += !strncmp(x->scene.targets[i].id, "tech:survey:install:", 20);
    CHECK(rows >= 2);
    v->stick_first = rows;
    hl_tech_ui_build(&x->ui, v, 1280, 800, &x->scene);
    int rest = 20 - 2 * rows > 0 ? 20 - 2 * rows : 0;
    int pages = 2 + (rest + rows - 1) / rows;
    char want[64], id[64];
    snprintf(want, sizeof want, "Trang 2/%d", pages);
    CHECK(strstr(scene_text(x, &x->scene), want) != NULL);
    snprintf(id, sizeof id, "tech:survey:install:%d", rows - 1);
    CHECK(hl_scene_find(&x->scene, id) == NULL);
    snprintf(id, sizeof id, "tech:survey:install:%d", 2 * rows - 1);
    CHECK(hl_scene_find(&x->scene, id) != NULL);
    v->lang = HL_LANG_EN;
    hl_tech_ui_build(&x->ui, v, 1280, 800, &x->scene);
    snprintf(want, sizeof want, "Page 2 of %d", pages);
    CHECK(strstr(scene_text(x, &x->scene), want) != NULL);
    /* Everything fits: no page buttons. */
    v->stick_first = 0;
    v->n_on_stick = 2;
    v->n_stick_total = 2;
    hl_tech_ui_build(&x->ui, v, 1280, 800, &x->scene);
    CHECK(hl_scene_find(&x->scene, "tech:survey:install:1") != NULL);
    CHECK(hl_scene_find(&x->scene, "tech:stick:next") == NULL);
    CHECK(hl_scene_find(&x->scene, "tech:stick:prev") == NULL);
    tech_close(x, t);
    fx_free(x);
}

static void test_start_screen_shows_the_officer_on_duty_only_when_one_is(void)
{
    fx_t *x = fx_default();
    x->flow.resp.lang = HL_LANG_VI;
    hl_scene_t *plain = malloc(sizeof *plain);
    build(x, 800, 480);
    memcpy(plain, &x->scene, sizeof *plain);
    tech_fx_t *t = tech_open(x);
    check_all_sizes(x, true, "start with officer");
    hl_scene_t *s = build(x, 800, 480);
    const char *text = scene_text(x, s);
    CHECK(strstr(text, "Cán bộ tiếp nhận") != NULL);
    CHECK(strstr(text, "Nguyễn Văn A") != NULL);
    size_t images = 0;
    for (size_t i = 0; i < s->n_cmds; i++)
        images += s->cmds[i].kind == HL_CMD_IMAGE;
    CHECK_INT(images, 1);
    /* Nobody on duty: exactly the screen without officers. */
    x->cfg.officer[0] = '\0';
    build(x, 800, 480);
    CHECK_INT(x->scene.n_cmds, plain->n_cmds);
    CHECK(memcmp(x->scene.cmds, plain->cmds, plain->n_cmds * sizeof plain->cmds[0]) == 0);
    tech_close(x, t);
    free(plain);
    fx_free(x);
}

/* ---- The text question's keyboard (issue 16) ---------------------------------- */

static fx_t *fx_keyboard(void)
{
    fx_t *x = fx_open(hl_test_data("ui/keyboard.json"), true);
    x->w = 800;
    x->h = 480;
    CHECK_INT(tap_id(x, "answer:overall:ok"), HL_OK);
    CHECK_STR(cur_q(x)->id, "comment");
    return x;
}

static const char *kb_value(const fx_t *x)
{
    const char *v = hl_flow_value(&x->flow, x->flow.cur);
    return v ? v : "";
}

static void kb_taps(fx_t *x, const char *const *ids)
{
    for (; *ids; ids++)
        if (tap_id(x, *ids) != HL_OK)
            hl_test_fail(__FILE__, __LINE__, "tap %s: %s", *ids, x->err.msg);
}

/* Every key a layout should show: letters or the digits page, the function
 * keys, and in Vietnamese the tone and modified-letter row. */
static void check_keyboard_ids(const hl_scene_t *s, bool vi, bool symbols, const char *where)
{
    static const char *const common[] = {"key:space", "key:bksp", "key:page", "key:done"};
    static const char *const viet[] = {"key:tone:sac", "key:tone:huyen", "key:tone:hoi",
                                       "key:tone:nga", "key:tone:nang",  "key:mark:aw",
                                       "key:mark:aa",  "key:mark:dd",    "key:mark:ee",
                                       "key:mark:oo",  "key:mark:ow",    "key:mark:uw"};
    static const char *const punct[] = {"period", "comma",      "question", "exclam",    "hyphen",
                                        "lparen", "rparen",     "colon",    "semicolon", "slash",
                                        "quote",  "apostrophe", "at",       "percent"};
    char id[HL_SCENE_ID_MAX];
    for (size_t i = 0; i < 4; i++)
        if (!hl_scene_find(s, common[i]))
            hl_test_fail(__FILE__, __LINE__, "%s: no %s", where, common[i]);
    for (size_t i = 0; i < 12; i++)
        if ((hl_scene_find(s, viet[i]) != NULL) != vi)
            hl_test_fail(__FILE__, __LINE__, "%s: %s %s", where, viet[i],
                         vi ? "missing" : "on the English layout");
    for (char c = 'a'; c <= 'z'; c++) {
        snprintf(id, sizeof id, "key:%c", c);
        if ((hl_scene_find(s, id) != NULL) == symbols)
            hl_test_fail(__FILE__, __LINE__, "%s: %s wrong for the page", where, id);
    }
    for (char c = '0'; c <= '9'; c++) {
        snprintf(id, sizeof id, "key:%c", c);
        if ((hl_scene_find(s, id) != NULL) != symbols)
            hl_test_fail(__FILE__, __LINE__, "%s: %s wrong for the page", where, id);
    }
    for (size_t i = 0; i < 14; i++) {
        snprintf(id, sizeof id, "key:%s", punct[i]);
        if ((hl_scene_find(s, id) != NULL) != symbols)
            hl_test_fail(__FILE__, __LINE__, "%s: %s wrong for the page", where, id);
    }
    if ((hl_scene_find(s, "key:shift") != NULL) == symbols)
        hl_test_fail(__FILE__, __LINE__, "%s: shift wrong for the page", where);
}

static void test_keyboard_keys_are_10mm_inside_the_screen_at_every_size_and_language(void)
{
    fx_t *x = fx_keyboard();
    for (int page = 0; page < 2; page++) {
        for (int typed = 0; typed < 2; typed++) {
            for (int l = 0; l < HL_LANG_COUNT; l++) {
                CHECK_INT(hl_flow_set_lang(&x->flow, (hl_lang_t)l, &x->err), HL_OK);
                hl_ui_kb_sync(&x->ui, &x->flow); /* another language starts on the letters */
                x->ui.kb.symbols = page == 1;
                for (int k = 0; k < 4; k++) {
                    char where[120];
                    snprintf(where, sizeof where, "keyboard page %d %s %s %dx%d", page + 1,
                             typed ? "typed" : "empty", hl_lang_code((hl_lang_t)l), sizes[k][0],
                             sizes[k][1]);
                    hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
                    check_scene(x, s, where);
                    check_keyboard_ids(s, l == HL_LANG_VI, page == 1, where);
                    check_access_ids(x, s, where);
                    check_question_text(x, s, where);
                    /* The keyboard fills the lower part: its last row ends
                     * near the bottom in landscape. */
                    const hl_target_t *done = hl_scene_find(s, "key:done");
                    if (done && sizes[k][0] > sizes[k][1])
                        CHECK(done->box.y + done->box.h >= sizes[k][1] - 16);
                }
            }
            if (!typed && page == 0) {
                /* 300 characters: the box shows the end of it. */
                CHECK_INT(hl_flow_set_lang(&x->flow, HL_LANG_VI, &x->err), HL_OK);
                hl_ui_kb_sync(&x->ui, &x->flow);
                for (int i = 0; i < 60; i++) {
                    static const char *const w[] = {"key:t", "key:o",     "key:a",
                                                    "key:n", "key:space", NULL};
                    kb_taps(x, w);
                }
                CHECK_INT((int)strlen(kb_value(x)), 300);
            }
        }
    }
    fx_free(x);
}

static void test_every_keyboard_key_types_what_its_name_says(void)
{
    fx_t *x = fx_keyboard();
    char id[HL_SCENE_ID_MAX], want[64];
    for (char c = 'a'; c <= 'z'; c++) {
        snprintf(id, sizeof id, "key:%c", c);
        CHECK_INT(tap_id(x, id), HL_OK);
        CHECK_INT(tap_id(x, "key:space"), HL_OK); /* no Telex between letters */
    }
    CHECK_STR(kb_value(x), "a b c d e f g h i j k l m n o p q r s t u v w x y z ");
    fx_free(x);
    x = fx_keyboard();
    CHECK_INT(tap_id(x, "key:page"), HL_OK);
    static const char *const keys[] = {
        "key:1",      "key:2",          "key:3",        "key:4",         "key:5",
        "key:6",      "key:7",          "key:8",        "key:9",         "key:0",
        "key:period", "key:comma",      "key:question", "key:exclam",    "key:hyphen",
        "key:lparen", "key:rparen",     "key:colon",    "key:semicolon", "key:slash",
        "key:quote",  "key:apostrophe", "key:at",       "key:percent",   NULL};
    kb_taps(x, keys);
    snprintf(want, sizeof want, "1234567890.,?!-():;/\"'@%%");
    CHECK_STR(kb_value(x), want);
    CHECK_INT(tap_id(x, "key:bksp"), HL_OK);
    want[strlen(want) - 1] = '\0';
    CHECK_STR(kb_value(x), want);
    /* Every key carries its typed action; a stale one (another question)
     * does nothing. */
    const hl_target_t *t = hl_scene_find(build(x, 800, 480), "key:at");
    CHECK(t && t->action.kind == HL_ACT_CHAR && t->action.item == '@');
    hl_action_t stale = t->action;
    stale.question = 0;
    CHECK_INT(hl_ui_act(&x->ui, &x->flow, &stale, &x->err), HL_ERR_USAGE);
    CHECK_STR(kb_value(x), want);
    fx_free(x);
}

static void test_the_counter_shows_characters_typed_of_the_limit(void)
{
    fx_t *x = fx_keyboard();
    CHECK_CONTAINS(scene_text(x, build(x, 800, 480)), "0/500");
    CHECK_CONTAINS(scene_text(x, build(x, 800, 480)), "Viết góp ý tại đây");
    static const char *const keys[] = {"key:d", "key:mark:dd",  "key:e", "key:mark:ee",
                                       "key:p", "key:tone:sac", NULL};
    kb_taps(x, keys);
    CHECK_STR(kb_value(x), "đếp");
    const char *t = scene_text(x, build(x, 800, 480));
    CHECK_CONTAINS(t, "3/500"); /* code points, not bytes */
    CHECK(strstr(t, "Viết góp ý") == NULL);
    fx_free(x);
}

static void test_tone_and_letter_rows_apply_to_the_letter_just_typed(void)
{
    fx_t *x = fx_keyboard();
    static const char *const a[] = {"key:c", "key:a", "key:n", "key:tone:sac", NULL};
    kb_taps(x, a);
    CHECK_STR(kb_value(x), "cán");
    static const char *const b[] = {"key:space",   "key:b",         "key:o",
                                    "key:mark:oo", "key:tone:nang", NULL};
    kb_taps(x, b);
    CHECK_STR(kb_value(x), "cán bộ");
    /* Backspace takes back the last key: the tone, then the mark. */
    CHECK_INT(tap_id(x, "key:bksp"), HL_OK);
    CHECK_STR(kb_value(x), "cán bô");
    CHECK_INT(tap_id(x, "key:bksp"), HL_OK);
    CHECK_STR(kb_value(x), "cán bo");
    /* A modified letter with no plain one to mark types itself (b + ê:
     * bê); after a final consonant it marks its vowel (tien + ê: tiên). */
    static const char *const c[] = {"key:space", "key:b", "key:mark:ee", "key:space",   "key:t",
                                    "key:i",     "key:e", "key:n",       "key:mark:ee", NULL};
    kb_taps(x, c);
    CHECK_STR(kb_value(x), "cán bo bê tiên");
    /* uo + ơ: ươ; the tone key after the word (người). */
    static const char *const d[] = {"key:space",   "key:n", "key:g",          "key:u", "key:o",
                                    "key:mark:ow", "key:i", "key:tone:huyen", NULL};
    kb_taps(x, d);
    CHECK_STR(kb_value(x), "cán bo bê tiên người");
    /* A tone with no vowel in the last word changes nothing. */
    CHECK_INT(tap_id(x, "key:space"), HL_OK);
    CHECK_INT(tap_id(x, "key:tone:hoi"), HL_ERR_STATE);
    CHECK_STR(kb_value(x), "cán bo bê tiên người ");
    /* Telex composes in Vietnamese by default. */
    static const char *const e[] = {"key:v", "key:i", "key:e", "key:e", "key:t", "key:j", NULL};
    kb_taps(x, e);
    CHECK_STR(kb_value(x), "cán bo bê tiên người việt");
    fx_free(x);
}

static void test_shift_capitalises_one_letter_and_the_page_key_keeps_the_screen(void)
{
    fx_t *x = fx_keyboard();
    uint64_t sig = hl_scene_signature(build(x, 800, 480));
    CHECK_INT(tap_id(x, "key:shift"), HL_OK);
    CHECK(x->ui.kb.shift);
    CHECK_CONTAINS(scene_text(x, build(x, 800, 480)), "Q W E R T Y");
    static const char *const a[] = {
        "key:h", "key:a",       "key:tone:huyen", "key:space",     "key:shift", "key:n",
        "key:o", "key:mark:oo", "key:i",          "key:tone:nang", NULL};
    kb_taps(x, a);
    CHECK_STR(kb_value(x), "Hà Nội");
    CHECK(!x->ui.kb.shift);
    CHECK_INT(tap_id(x, "key:shift"), HL_OK); /* pressed twice: off */
    CHECK_INT(tap_id(x, "key:shift"), HL_OK);
    CHECK_INT(tap_id(x, "key:k"), HL_OK);
    CHECK_STR(kb_value(x), "Hà Nộik");
    /* The digits page is the same screen to the touch guard: typing
     * across pages is never slowed. */
    CHECK_INT(tap_id(x, "key:page"), HL_OK);
    CHECK(hl_scene_signature(build(x, 800, 480)) == sig);
    CHECK(hl_scene_find(&x->scene, "key:7") && !hl_scene_find(&x->scene, "key:a"));
    CHECK_INT(tap_id(x, "key:page"), HL_OK);
    CHECK(hl_scene_find(build(x, 800, 480), "key:a") != NULL);
    fx_free(x);
}

static void test_done_commits_the_text_and_back_reopens_it_for_editing(void)
{
    fx_t *x = fx_keyboard();
    /* Optional and empty: done is the way on all the same. */
    const hl_target_t *d = hl_scene_find(build(x, 800, 480), "key:done");
    CHECK(d && d->action.kind == HL_ACT_NEXT);
    static const char *const a[] = {"key:t", "key:o", "key:t", "key:s", NULL};
    kb_taps(x, a);
    CHECK_STR(kb_value(x), "tót");
    CHECK_INT(tap_id(x, "key:done"), HL_OK);
    CHECK_INT(x->flow.state, HL_STATE_THANKS);
    CHECK_STR(rec_get(&x->sink, "comment"), "tót");
    fx_free(x);
    x = fx_keyboard();
    kb_taps(x, a);
    CHECK_INT(tap_id(x, "back"), HL_OK);
    CHECK_INT(tap_id(x, "answer:overall:good"), HL_OK);
    CHECK_STR(cur_q(x)->id, "comment");
    CHECK_STR(kb_value(x), "tót"); /* the draft kept by back, open to edit again */
    fx_free(x);
}

static void test_the_english_layout_is_plain_qwerty_without_composition(void)
{
    fx_t *x = fx_keyboard();
    CHECK_INT(hl_flow_set_lang(&x->flow, HL_LANG_EN, &x->err), HL_OK);
    CHECK_CONTAINS(scene_text(x, build(x, 800, 480)), "Write your comment here");
    static const char *const a[] = {"key:shift", "key:a", "key:a", "key:s", NULL};
    kb_taps(x, a);
    CHECK_STR(kb_value(x), "Aas");
    hl_action_t act;
    CHECK(!hl_ui_action_named(&x->flow, "key:tone:sac", &act));
    CHECK_INT(hl_ui_tap(&x->ui, &x->flow, "key:mark:ee", &x->err), HL_ERR_USAGE);
    CHECK_CONTAINS(scene_text(x, build(x, 800, 480)), "3/500");
    fx_free(x);
}

static void test_spelling_maps_each_character_to_its_keys(void)
{
    hl_ui_spell_t sp;
    CHECK(hl_ui_kb_spell(0x1EC7, &sp)); /* ệ */
    CHECK_STR(sp.key, "key:e");
    CHECK_STR(sp.mark, "key:mark:ee");
    CHECK_STR(sp.tone, "key:tone:nang");
    CHECK(!sp.upper && sp.letter && sp.bare == 0xEA);
    CHECK(hl_ui_kb_spell(0x110, &sp)); /* Đ */
    CHECK_STR(sp.key, "key:d");
    CHECK_STR(sp.mark, "key:mark:dd");
    CHECK(sp.upper && !sp.tone[0]);
    CHECK(hl_ui_kb_spell('%', &sp) && sp.symbols);
    CHECK_STR(sp.key, "key:percent");
    CHECK(hl_ui_kb_spell(' ', &sp) && !sp.symbols && !sp.letter);
    CHECK(!hl_ui_kb_spell(0x301, &sp)); /* a combining mark: NFD has no key */
    CHECK(!hl_ui_kb_spell('#', &sp));
    CHECK(!hl_ui_kb_spell('\n', &sp));
}

/* Once left, a number is on no screen: back on it, the keypad is empty and
 * says it is kept. */
static void test_back_on_a_number_given_shows_an_empty_keypad_that_keeps_it(void)
{
    fx_t *x = fx_open(HL_TEST_DATA "/flow/contact.json", true);
    CHECK_INT(tap_id(x, "answer:overall:4"), HL_OK);
    for (const char *p = "0912345678"; *p; p++) {
        char key[8] = {'k', 'e', 'y', ':', *p, '\0'};
        CHECK_INT(tap_id(x, key), HL_OK);
    }
    CHECK_INT(tap_id(x, "next"), HL_OK);
    CHECK_INT(tap_id(x, "back"), HL_OK);
    CHECK_STR(cur_q(x)->id, "phone");
    for (int k = 0; k < 4; k++) {
        hl_scene_t *s = build(x, sizes[k][0], sizes[k][1]);
        check_scene(x, s, "contact, number kept");
        const char *t = scene_text(x, s);
        CHECK(!strstr(t, "0912") && !strstr(t, "345 678"));
        CHECK_CONTAINS(t, "Đã ghi số");
    }
    CHECK_INT(tap_id(x, "next"), HL_OK);
    CHECK_STR(rec_get(&x->sink, "phone"), "0912345678");
    fx_free(x);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_keyboard_keys_are_10mm_inside_the_screen_at_every_size_and_language),
    HL_TEST(test_every_keyboard_key_types_what_its_name_says),
    HL_TEST(test_the_counter_shows_characters_typed_of_the_limit),
    HL_TEST(test_tone_and_letter_rows_apply_to_the_letter_just_typed),
    HL_TEST(test_shift_capitalises_one_letter_and_the_page_key_keeps_the_screen),
    HL_TEST(test_done_commits_the_text_and_back_reopens_it_for_editing),
    HL_TEST(test_the_english_layout_is_plain_qwerty_without_composition),
    HL_TEST(test_spelling_maps_each_character_to_its_keys),
    HL_TEST(test_pin_pad_is_well_formed_with_every_notice_and_shows_no_digits),
    HL_TEST(test_every_technician_page_is_well_formed_at_all_sizes_and_languages),
    HL_TEST(test_results_show_the_rate_counts_and_errors_with_their_lines),
    HL_TEST(test_the_survey_page_pages_the_stick_files_with_its_buttons),
    HL_TEST(test_start_screen_shows_the_officer_on_duty_only_when_one_is),
    HL_TEST(test_a_multi_question_at_its_limit_greys_the_other_options),
    HL_TEST(test_chosen_stars_have_an_edge_that_stands_out_from_the_card),
    HL_TEST(test_min_target_is_10mm_and_never_under_64px),
    HL_TEST(test_large_text_makes_text_and_targets_at_least_1_4_times_larger),
    HL_TEST(test_every_screen_is_well_formed_with_large_text_at_all_sizes),
    HL_TEST(test_focus_moves_through_every_target_in_reading_order_on_each_question_type),
    HL_TEST(test_focus_keeps_rows_and_wraps_both_ways),
    HL_TEST(test_focus_action_applies_and_a_new_screen_takes_the_focus_to_its_first_answer),
    HL_TEST(test_the_focus_ring_shows_once_keys_are_used_and_stands_out_everywhere),
    HL_TEST(test_listen_large_and_volume_buttons_change_the_state_and_reset_restores_it),
    HL_TEST(test_every_screen_of_the_default_survey_is_well_formed_at_all_sizes),
    HL_TEST(test_every_question_type_is_well_formed_at_all_sizes_and_languages),
    HL_TEST(test_still_there_and_out_of_service_are_well_formed_at_all_sizes),
    HL_TEST(test_a_note_screen_is_well_formed_at_all_sizes_and_languages),
    HL_TEST(test_a_contact_screen_shows_the_consent_and_the_thanks_screen_the_code),
    HL_TEST(test_back_on_a_number_given_shows_an_empty_keypad_that_keeps_it),
    HL_TEST(test_a_600_character_note_fits_at_800x480_above_the_floor),
    HL_TEST(test_start_screen_shows_site_counter_title_question_and_languages),
    HL_TEST(test_start_screen_without_site_shows_the_title_in_the_header),
    HL_TEST(test_current_language_is_marked_and_only_survey_languages_get_buttons),
    HL_TEST(test_switching_language_keeps_answers),
    HL_TEST(test_question_text_aims_for_a_7mm_capital),
    HL_TEST(test_500_character_question_fits_at_800x480_with_its_answers),
    HL_TEST(test_tapping_the_centre_of_each_answer_records_that_answer),
    HL_TEST(test_every_nps_value_and_star_can_be_tapped),
    HL_TEST(test_tap_between_targets_hits_nothing_and_records_nothing),
    HL_TEST(test_multi_toggles_by_tap_shows_ticks_and_next_commits),
    HL_TEST(test_keypad_types_shows_and_deletes_digits),
    HL_TEST(test_typing_keeps_the_screen_and_a_new_question_or_language_is_another),
    HL_TEST(test_keypad_sits_beside_the_question_in_landscape_and_below_in_portrait),
    HL_TEST(test_answers_grow_with_the_room_in_portrait),
    HL_TEST(test_smiley_faces_go_from_best_to_worst_with_colours_and_labels),
    HL_TEST(test_back_next_and_skip_appear_as_applicable),
    HL_TEST(test_progress_shows_position_and_dots),
    HL_TEST(test_still_there_counts_down_in_whole_seconds_rounded_up),
    HL_TEST(test_any_tap_dismisses_still_there),
    HL_TEST(test_thanks_shows_the_survey_text_and_ignores_taps),
    HL_TEST(test_each_target_carries_the_action_its_name_says_and_a_stale_one_does_nothing),
    HL_TEST(test_out_of_service_shows_both_languages_calmly_and_takes_no_taps),
    HL_TEST(test_unknown_or_absent_targets_are_usage_errors),
    HL_TEST(test_pressed_target_is_drawn_differently),
    HL_TEST(test_build_is_deterministic_and_leaves_room_in_the_scene),
    HL_TEST(test_strings_exist_in_every_language_with_diacritics),
    HL_TEST(test_details_fill_a_sentence_in_order_or_by_position_and_are_cut),
};

HL_TEST_MAIN(tests)
