/*
 * kiosk.c: the running kiosk: store, flow, screen and renderer wired together.
 *
 * The loop sleeps in hl_display_wait until a touch arrives or the next timed
 * work is due (a flow timeout, the "still there?" countdown's next second, a
 * retry while out of service): no busy loop, and it draws only when
 * something changed. A touch-down highlights its target in the next frame; the
 * tap happens on touch-up over the same target. When the store fails, the
 * answer is not acknowledged, the screen says the kiosk is out of service,
 * and the same step is retried every few seconds until the fault clears.
 */
#include "kiosk.h"

#include "hl_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const script_verbs[] = {"tap", "shot", "size", NULL};

const char *const *hl_kiosk_script_verbs(void)
{
    return script_verbs;
}

static int64_t kiosk_now(const hl_kiosk_t *k)
{
    return k->sys.mono_ms(k->sys.ctx);
}

static const char *fonts_dir(void)
{
#ifdef HL_FONTS_DIR
    const char *env = getenv("HAILONG_FONTS_DIR");
    return (env && *env) ? env : HL_FONTS_DIR;
#else
    const char *env = getenv("HAILONG_FONTS_DIR");
    return (env && *env) ? env : "/usr/share/hailong/fonts";
#endif
}

int hl_kiosk_open(hl_kiosk_t *k, hl_cli_t *cli, const hl_kiosk_opts_t *o)
{
    memset(k, 0, sizeof *k);
    k->cli = cli;
    k->sys = o->sys;
    k->shots_dir = o->shots_dir;
    hl_err_t err = {0};
    int64_t recovered = 0;
    k->scene = calloc(1, sizeof *k->scene);
    if (!k->scene) {
        fprintf(stderr, "hailong run: out of memory\n");
        return HL_EXIT_FAIL;
    }
    hl_store_opts_t sopts = {.vfs = o->store_vfs};
    if (hl_store_open(cli->data_dir, &sopts, &k->store, &recovered, &err) != HL_OK ||
        hl_store_use_survey(k->store, cli->survey, cli->cfg.kiosk_id, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    if (recovered > 0)
        fprintf(stderr, "hailong run: %lld response(s) cut off by a restart kept as partial\n",
                (long long)recovered);
    if (hl_flow_init(&k->flow, cli->survey, &cli->cfg.timeouts, k->sys, hl_store_sink(k->store),
                     &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    k->flow_ready = true;
    if (hl_display_open(&o->display, &k->display, &err) != HL_OK ||
        hl_render_new(hl_display_renderer(k->display), fonts_dir(), &k->render, &err) != HL_OK) {
        fprintf(stderr, "hailong run: %s\n", err.msg);
        return HL_EXIT_FAIL;
    }
    hl_ui_init(&k->ui, cli->survey, &cli->cfg, hl_render_measure(k->render), cli->cfg.display.dpi);
    k->dirty = true;
    return HL_EXIT_OK;
}

void hl_kiosk_close(hl_kiosk_t *k)
{
    hl_render_free(k->render);
    hl_display_close(k->display);
    if (k->flow_ready) hl_flow_free(&k->flow);
    hl_store_close(k->store);
    free(k->scene);
    memset(k, 0, sizeof *k);
}

/* Builds the scene for the current state (what a finger would see now). */
static void kiosk_build(hl_kiosk_t *k)
{
    int w, h;
    hl_display_size(k->display, &w, &h);
    hl_ui_build(&k->ui, &k->flow, w, h, kiosk_now(k), k->scene);
}

int hl_kiosk_draw(hl_kiosk_t *k, hl_err_t *err)
{
    kiosk_build(k);
    int rc = hl_render_draw(k->render, k->scene, err);
    if (rc == HL_OK) rc = hl_display_present(k->display, err);
    if (rc == HL_OK) {
        k->frames++;
        k->dirty = false;
    }
    return rc;
}

static bool is_store_failure(int rc)
{
    return rc == HL_ERR_IO || rc == HL_ERR_FULL || rc == HL_ERR_READONLY || rc == HL_ERR_LOCKED ||
           rc == HL_ERR_CORRUPT || rc == HL_ERR_NOMEM;
}

/* Applies a tap; a store failure takes the kiosk out of service and
 * schedules a retry of the same tap. */
static int kiosk_apply(hl_kiosk_t *k, const char *id, hl_err_t *err)
{
    int rc = hl_ui_tap(&k->ui, &k->flow, id, err);
    k->dirty = true;
    if (is_store_failure(rc)) {
        if (!k->ui.out_of_service && !k->retrying)
            fprintf(stderr, "hailong: out of service: %s\n", err->msg);
        k->ui.out_of_service = true;
        snprintf(k->failed_id, sizeof k->failed_id, "%s", id);
        k->retry_at_ms = kiosk_now(k) + HL_KIOSK_RETRY_MS;
    } else if (rc == HL_OK && k->ui.out_of_service && !k->failed_id[0]) {
        k->ui.out_of_service = false;
    }
    return rc;
}

void hl_kiosk_touch(hl_kiosk_t *k, hl_input_kind_t kind, int x, int y)
{
    if (k->ui.out_of_service) return; /* nothing to press; the retry runs on its own */
    const char *id = hl_scene_hit(k->scene, x, y);
    if (kind == HL_INPUT_DOWN) {
        snprintf(k->down_id, sizeof k->down_id, "%s", id ? id : "");
        snprintf(k->ui.pressed, sizeof k->ui.pressed, "%s", k->down_id);
        k->dirty = true;
        return;
    }
    if (kind == HL_INPUT_MOVE) {
        /* Sliding off a target releases it: no accidental answer. */
        bool on = id && !strcmp(id, k->down_id);
        const char *want = on ? k->down_id : "";
        if (strcmp(k->ui.pressed, want) != 0) {
            snprintf(k->ui.pressed, sizeof k->ui.pressed, "%s", want);
            k->dirty = true;
        }
        return;
    }
    if (kind != HL_INPUT_UP) return;
    char tapped[HL_SCENE_ID_MAX];
    snprintf(tapped, sizeof tapped, "%s", (id && !strcmp(id, k->down_id)) ? id : "");
    k->down_id[0] = k->ui.pressed[0] = '\0';
    k->dirty = true;
    hl_err_t err = {0};
    if (tapped[0] || k->flow.state == HL_STATE_STILL_THERE) kiosk_apply(k, tapped, &err);
}

int hl_kiosk_tap_id(hl_kiosk_t *k, const char *id, hl_err_t *err)
{
    kiosk_build(k); /* script steps change the flow without drawing: look again */
    if (!hl_scene_find(k->scene, id))
        return hl_err_set(err, HL_ERR_STATE, "no target \"%s\" on screen (state %s)", id,
                          hl_state_name(k->flow.state));
    return kiosk_apply(k, id, err);
}

void hl_kiosk_tick(hl_kiosk_t *k)
{
    int64_t now = kiosk_now(k);
    hl_err_t err = {0};
    hl_state_t before = k->flow.state;
    int64_t due = hl_flow_deadline(&k->flow);
    if (due >= 0 && now >= due) {
        int rc = hl_flow_tick(&k->flow, &err);
        k->dirty = true;
        if (is_store_failure(rc)) {
            if (!k->ui.out_of_service) fprintf(stderr, "hailong: out of service: %s\n", err.msg);
            k->ui.out_of_service = true;
        } else if (rc == HL_OK && k->ui.out_of_service && !k->failed_id[0]) {
            k->ui.out_of_service = false;
        }
    }
    if (k->failed_id[0] && now >= k->retry_at_ms) {
        char id[HL_SCENE_ID_MAX];
        snprintf(id, sizeof id, "%s", k->failed_id);
        k->failed_id[0] = '\0';
        k->ui.out_of_service = false; /* the screen refuses taps while out of service */
        k->retrying = true;
        int rc = kiosk_apply(k, id, &err);
        k->retrying = false;
        if (rc == HL_OK) {
            fprintf(stderr, "hailong: back in service\n");
        } else if (is_store_failure(rc)) {
            k->ui.out_of_service = true; /* kiosk_apply scheduled the next retry */
        }
        /* Any other refusal: the step no longer applies; nothing is owed. */
    }
    /* The countdown on "still there?" changes every second. */
    if (k->flow.state == HL_STATE_STILL_THERE || before != k->flow.state) k->dirty = true;
}

int hl_kiosk_timeout(const hl_kiosk_t *k)
{
    int64_t now = kiosk_now(k);
    int64_t next = hl_flow_deadline(&k->flow);
    if (k->failed_id[0] && (next < 0 || k->retry_at_ms < next)) next = k->retry_at_ms;
    if (k->flow.state == HL_STATE_STILL_THERE) {
        /* Wake at the next whole second of the countdown. */
        int64_t end = hl_flow_deadline(&k->flow);
        int64_t tick = end - ((end - now - 1) / 1000) * 1000;
        if (tick <= now) tick = now + 1000;
        if (next < 0 || tick < next) next = tick;
    }
    if (next < 0) return -1;
    int64_t wait = next - now;
    if (wait < 0) wait = 0;
    if (wait > 3600 * 1000) wait = 3600 * 1000;
    return (int)wait;
}

int hl_kiosk_loop(hl_kiosk_t *k)
{
    hl_err_t err = {0};
    while (!k->quit) {
        if (k->dirty && hl_kiosk_draw(k, &err) != HL_OK) {
            fprintf(stderr, "hailong: drawing failed: %s\n", err.msg);
            return HL_EXIT_FAIL;
        }
        hl_input_t ev;
        if (hl_display_wait(k->display, hl_kiosk_timeout(k), &ev)) {
            switch (ev.kind) {
            case HL_INPUT_QUIT:
                k->quit = true;
                break;
            case HL_INPUT_EXPOSE:
                k->dirty = true;
                break;
            case HL_INPUT_DOWN:
            case HL_INPUT_UP:
            case HL_INPUT_MOVE:
                hl_kiosk_touch(k, ev.kind, ev.x, ev.y);
                break;
            case HL_INPUT_NONE:
                break;
            }
        }
        hl_kiosk_tick(k);
    }
    return HL_EXIT_OK;
}

/* ---- Scripted runs: tap, shot, size ---------------------------------------- */

static bool parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 100000) return false;
    *out = (int)v;
    return true;
}

static bool parse_size(const char *s, int *w, int *h)
{
    char tail;
    return sscanf(s, "%dx%d%c", w, h, &tail) == 2 && *w >= 320 && *h >= 240 && *w <= 7680 &&
           *h <= 7680;
}

const char *hl_kiosk_script_check(void *ctx, const hl_script_step_t *st)
{
    const char *const *shots_dir = ctx;
    const char *v = st->argv[0];
    int a, b;
    if (!strcmp(v, "size")) {
        if (st->argc != 2 || !parse_size(st->argv[1], &a, &b))
            return "size takes WxH from 320x240 to 7680x7680, e.g. size 800x480";
    } else if (!strcmp(v, "tap")) {
        if (st->argc == 3 ? !parse_int(st->argv[1], &a) || !parse_int(st->argv[2], &b)
                          : st->argc != 2)
            return "tap takes a target id (tap answer:overall:satisfied) or pixels (tap X Y)";
    } else if (!strcmp(v, "shot")) {
        const char *name = st->argc == 2 ? st->argv[1] : "";
        if (!*name || name[0] == '.' ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
                strlen(name))
            return "shot takes one name of letters, digits, - _ . (shot start)";
        if (!shots_dir || !*shots_dir) return "shot needs --screenshots DIR on the command line";
    }
    return NULL;
}

int hl_kiosk_script_step(void *ctx, const hl_script_step_t *st, hl_err_t *err)
{
    hl_kiosk_t *k = ctx;
    const char *problem = hl_kiosk_script_check(&k->shots_dir, st);
    if (problem) return hl_err_set(err, HL_ERR_USAGE, "%s", problem);
    const char *v = st->argv[0];
    if (!strcmp(v, "size")) {
        int w = 0, h = 0;
        parse_size(st->argv[1], &w, &h);
        k->dirty = true;
        return hl_display_resize(k->display, w, h, err);
    }
    if (!strcmp(v, "shot")) {
        int rc = hl_kiosk_draw(k, err);
        if (rc) return rc;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.png", k->shots_dir, st->argv[1]);
        return hl_display_save_png(k->display, path, err);
    }
    if (!strcmp(v, "tap")) {
        if (st->argc == 2) return hl_kiosk_tap_id(k, st->argv[1], err);
        int x = 0, y = 0;
        parse_int(st->argv[1], &x);
        parse_int(st->argv[2], &y);
        kiosk_build(k);
        hl_kiosk_touch(k, HL_INPUT_DOWN, x, y);
        hl_kiosk_touch(k, HL_INPUT_UP, x, y);
        return HL_OK;
    }
    return hl_err_set(err, HL_ERR_USAGE, "unknown step \"%s\"", v);
}
