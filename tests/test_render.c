/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_render.c: the SDL side of the kiosk screen, headless: the display
 * backend (size, resize, screenshots, input, rotation, the quit signal), the
 * scene (targets, capacities) and the renderer (shapes land where the scene
 * says, text is measured and cached, NFD draws like NFC, drawing is
 * deterministic).
 */
#include "hl_display.h"
#include "hl_render.h"
#include "hl_scene.h"
#include "hl_test.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const hl_color_t WHITE = {255, 255, 255, 255};
static const hl_color_t RED = {255, 0, 0, 255};
static const hl_color_t DARK = {30, 30, 30, 255};

/* "Rất hài lòng": precomposed (NFC) and decomposed (NFD). */
static const char VI_NFC[] = "R\xe1\xba\xa5t h\xc3\xa0i l\xc3\xb2ng";
static const char VI_NFD[] = "Ra\xcc\x82\xcc\x81t ha\xcc\x80i lo\xcc\x80ng";

/* The display and renderer one test works with. */
typedef struct fixture {
    hl_display_t *d;  /* headless display */
    hl_render_t *rd;  /* renderer with the bundled fonts */
    hl_scene_t scene; /* a scene to build */
} fixture_t;

static bool fixture_open(fixture_t *f, int w, int h, int rotation)
{
    memset(f, 0, sizeof *f);
    hl_err_t err;
    hl_display_opts_t o = {HL_BACKEND_HEADLESS, w, h, rotation, false};
    if (hl_display_open(&o, &f->d, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "display: %s", err.msg);
        return false;
    }
    if (hl_render_new(hl_display_renderer(f->d), HL_FONTS_DIR, &f->rd, &err) != HL_OK) {
        hl_test_fail(__FILE__, __LINE__, "render: %s", err.msg);
        hl_display_close(f->d);
        return false;
    }
    hl_input_t in;
    while (hl_display_wait(f->d, 0, &in)) {
        /* drop the start-up expose events */
    }
    int lw, lh;
    hl_display_size(f->d, &lw, &lh);
    hl_scene_clear(&f->scene, lw, lh, WHITE);
    return true;
}

static void fixture_close(fixture_t *f)
{
    hl_render_free(f->rd);
    hl_display_close(f->d);
}

/* Draws the fixture's scene and presents it. */
static void fixture_draw(fixture_t *f)
{
    hl_err_t err;
    CHECK_INT(hl_render_draw(f->rd, &f->scene, &err), HL_OK);
    CHECK_INT(hl_display_present(f->d, &err), HL_OK);
}

/* Reads the logical screen as ARGB8888 (malloc'd, w * h words). */
static uint32_t *read_screen(fixture_t *f)
{
    int w, h;
    hl_display_size(f->d, &w, &h);
    uint32_t *px = calloc((size_t)w * (size_t)h, 4);
    if (SDL_RenderReadPixels(hl_display_renderer(f->d), NULL, SDL_PIXELFORMAT_ARGB8888, px,
                             w * 4) != 0) {
        hl_test_fail(__FILE__, __LINE__, "read pixels: %s", SDL_GetError());
    }
    return px;
}

static uint32_t pixel_at(fixture_t *f, const uint32_t *px, int x, int y)
{
    int w, h;
    hl_display_size(f->d, &w, &h);
    return px[(size_t)y * (size_t)w + (size_t)x] & 0xffffff;
}

static size_t count_differing(const uint32_t *a, const uint32_t *b, size_t n)
{
    size_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff += a[i] != b[i];
    return diff;
}

static hl_cmd_t *push_text(hl_scene_t *s, const char *text, hl_rect_t box, int px)
{
    hl_cmd_t *c = hl_scene_push(s, HL_CMD_TEXT, box, DARK);
    c->text = text;
    c->len = (int)strlen(text);
    c->px = px;
    return c;
}

/* ---- Display ------------------------------------------------------------- */

static void test_headless_display_opens_at_the_requested_size(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    int w, h;
    hl_display_size(f.d, &w, &h);
    CHECK_INT(w, 800);
    CHECK_INT(h, 480);
    CHECK_INT(hl_display_backend(f.d), HL_BACKEND_HEADLESS);
    CHECK(hl_display_renderer(f.d) != NULL);
    fixture_close(&f);
}

static void test_headless_panel_records_its_state_and_still_presents(void)
{
    fixture_t f;
    if (!fixture_open(&f, 320, 240, 0)) return;
    hl_err_t err = {0};
    CHECK(hl_display_panel_on(f.d)); /* on at open */
    CHECK_INT(hl_display_panel(f.d, false, &err), HL_OK);
    CHECK(!hl_display_panel_on(f.d));
    /* Frames are still drawn and presented (a screenshot shows them). */
    f.scene.background = RED;
    fixture_draw(&f);
    uint32_t *px = read_screen(&f);
    CHECK_INT(pixel_at(&f, px, 10, 10), 0xff0000);
    free(px);
    CHECK_INT(hl_display_panel(f.d, true, &err), HL_OK);
    CHECK(hl_display_panel_on(f.d));
    /* The screen saver stays off while we run. */
    CHECK(!SDL_IsScreenSaverEnabled());
    fixture_close(&f);
}

static void test_backend_names_parse_and_print_back(void)
{
    const char *names[] = {"auto", "kms", "desktop", "headless"};
    for (size_t i = 0; i < 4; i++) {
        hl_backend_t b;
        CHECK(hl_backend_parse(names[i], &b));
        CHECK_STR(hl_backend_name(b), names[i]);
    }
    hl_backend_t b;
    CHECK(!hl_backend_parse("x11", &b));
    CHECK(hl_display_auto_backend() != HL_BACKEND_HEADLESS);
}

static void test_bad_rotation_is_a_usage_error(void)
{
    hl_display_t *d = NULL;
    hl_err_t err;
    hl_display_opts_t o = {HL_BACKEND_HEADLESS, 800, 480, 45, false};
    CHECK_INT(hl_display_open(&o, &d, &err), HL_ERR_USAGE);
    CHECK(d == NULL);
    CHECK_CONTAINS(err.msg, "rotation");
}

static void test_resize_changes_the_logical_size_and_keeps_the_renderer(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    struct SDL_Renderer *before = hl_display_renderer(f.d);
    push_text(&f.scene, "Next", (hl_rect_t){10, 10, 200, 60}, 32);
    fixture_draw(&f);
    hl_err_t err;
    CHECK_INT(hl_display_resize(f.d, 1080, 1920, &err), HL_OK);
    int w, h;
    hl_display_size(f.d, &w, &h);
    CHECK_INT(w, 1080);
    CHECK_INT(h, 1920);
    CHECK(hl_display_renderer(f.d) == before);
    /* The cached text texture is still usable at the new size. */
    f.scene.w = w;
    f.scene.h = h;
    hl_scene_push(&f.scene, HL_CMD_RECT, (hl_rect_t){1000, 1800, 40, 40}, RED);
    fixture_draw(&f);
    hl_render_stats_t st;
    hl_render_get_stats(f.rd, &st);
    CHECK_INT(st.text_rasterised, 1);
    uint32_t *px = read_screen(&f);
    CHECK_INT(pixel_at(&f, px, 1020, 1820), 0xff0000);
    free(px);
    CHECK_INT(hl_display_resize(f.d, 0, 10, &err), HL_ERR_USAGE);
    fixture_close(&f);
}

static void test_save_png_writes_the_presented_frame_pixel_for_pixel(void)
{
    fixture_t f;
    if (!fixture_open(&f, 320, 200, 0)) return;
    hl_scene_push(&f.scene, HL_CMD_RECT, (hl_rect_t){20, 20, 100, 60}, RED)->radius = 12;
    hl_cmd_t *face = hl_scene_push(&f.scene, HL_CMD_FACE, (hl_rect_t){150, 40, 120, 120},
                                   (hl_color_t){40, 160, 60, 255});
    face->level = 4;
    face->of = 5;
    push_text(&f.scene, VI_NFC, (hl_rect_t){10, 150, 300, 40}, 24);
    fixture_draw(&f);
    uint32_t *want = read_screen(&f);

    char *dir = hl_test_tmpdir("render");
    char path[4096];
    snprintf(path, sizeof path, "%s/shot.png", dir);
    hl_err_t err;
    CHECK_INT(hl_display_save_png(f.d, path, &err), HL_OK);
    SDL_Surface *img = IMG_Load(path);
    CHECK(img != NULL);
    if (img) {
        SDL_Surface *argb = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_ARGB8888, 0);
        CHECK_INT(argb->w, 320);
        CHECK_INT(argb->h, 200);
        size_t diff = 0;
        for (int y = 0; y < argb->h && argb->w == 320; y++) {
            const uint32_t *row = (const uint32_t *)((const char *)argb->pixels + y * argb->pitch);
            for (int x = 0; x < 320; x++)
                diff += (row[x] & 0xffffff) != (want[y * 320 + x] & 0xffffff);
        }
        CHECK_INT(diff, 0);
        SDL_FreeSurface(argb);
        SDL_FreeSurface(img);
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *leftover = fopen(tmp, "rb");
    CHECK(leftover == NULL);
    if (leftover) fclose(leftover);
    snprintf(path, sizeof path, "%s/no/such/dir/shot.png", dir);
    CHECK_INT(hl_display_save_png(f.d, path, &err), HL_ERR_IO);
    free(want);
    hl_test_rmtree(dir);
    free(dir);
    fixture_close(&f);
}

static void test_pushed_mouse_click_comes_back_as_down_and_up_at_its_point(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = SDL_PRESSED;
    e.button.x = 123;
    e.button.y = 456 - 100;
    SDL_PushEvent(&e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = 130;
    e.motion.y = 360;
    SDL_PushEvent(&e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONUP;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = 131;
    e.button.y = 361;
    SDL_PushEvent(&e);

    hl_input_t in;
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_DOWN);
    CHECK_INT(in.x, 123);
    CHECK_INT(in.y, 356);
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_MOVE);
    CHECK_INT(in.x, 130);
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_UP);
    CHECK_INT(in.x, 131);
    CHECK_INT(in.y, 361);
    fixture_close(&f);
}

static void test_finger_events_become_taps_and_touch_mouse_copies_are_ignored(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_FINGERDOWN;
    e.tfinger.fingerId = 7;
    e.tfinger.x = 0.25f;
    e.tfinger.y = 0.5f;
    SDL_PushEvent(&e);
    /* SDL's mouse copy of the same touch, which must not tap twice. */
    SDL_Event m;
    memset(&m, 0, sizeof m);
    m.type = SDL_MOUSEBUTTONDOWN;
    m.button.which = SDL_TOUCH_MOUSEID;
    m.button.button = SDL_BUTTON_LEFT;
    m.button.x = 200;
    m.button.y = 240;
    SDL_PushEvent(&m);
    /* A second finger while the first is down: ignored (no gestures). */
    e.tfinger.fingerId = 8;
    e.tfinger.x = 0.9f;
    SDL_PushEvent(&e);
    e.type = SDL_FINGERUP;
    e.tfinger.fingerId = 7;
    e.tfinger.x = 0.25f;
    SDL_PushEvent(&e);

    hl_input_t in;
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_DOWN);
    CHECK_INT(in.x, 200);
    CHECK_INT(in.y, 240);
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_UP);
    CHECK_INT(in.x, 200);
    CHECK(!hl_display_wait(f.d, 0, &in));
    fixture_close(&f);
}

static void test_wait_times_out_and_returns_false_without_events(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    hl_input_t in;
    Uint64 t0 = SDL_GetTicks64();
    CHECK(!hl_display_wait(f.d, 60, &in));
    Uint64 spent = SDL_GetTicks64() - t0;
    CHECK(spent >= 60);
    /* Not much later: a loaded machine can stall a test for a second, not
     * for the 60 s a timeout read as seconds would take. */
    CHECK(spent < 30000);
    fixture_close(&f);
}

static void test_sigterm_makes_wait_return_quit(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    raise(SIGTERM);
    hl_input_t in;
    CHECK(hl_display_wait(f.d, 5000, &in));
    CHECK_INT(in.kind, HL_INPUT_QUIT);
    CHECK(hl_display_wait(f.d, 0, &in));
    CHECK_INT(in.kind, HL_INPUT_QUIT);
    fixture_close(&f);
    /* The handler is gone with the display: the default action is back. */
    struct sigaction sa;
    sigaction(SIGTERM, NULL, &sa);
    CHECK(sa.sa_handler == SIG_DFL);
}

static void push_key(SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    SDL_PushEvent(&e);
}

static void test_kiosk_lock_ignores_keys_ctrl_c_and_sdl_quit_but_not_sigterm(void)
{
    hl_display_t *d = NULL;
    hl_err_t err = {0};
    hl_display_opts_t o = {HL_BACKEND_HEADLESS, 800, 480, 0, true};
    CHECK_INT(hl_display_open(&o, &d, &err), HL_OK);
    if (!d) return;
    hl_input_t in;
    while (hl_display_wait(d, 0, &in)) {
    }
    push_key(SDLK_F4, KMOD_LALT);
    push_key(SDLK_ESCAPE, 0);
    push_key(SDLK_c, KMOD_LCTRL);
    push_key(SDLK_q, KMOD_LCTRL | KMOD_LALT);
    SDL_Event q;
    memset(&q, 0, sizeof q);
    q.type = SDL_QUIT;
    SDL_PushEvent(&q);
    raise(SIGINT); /* Ctrl+C on the console: ignored while locked */
    /* The keys reach the kiosk as keys (a tactile keypad works locked too:
     * issue 17), never as a way out. */
    int keys = 0;
    while (hl_display_wait(d, 150, &in)) {
        CHECK_INT(in.kind, HL_INPUT_KEY);
        keys++;
    }
    CHECK_INT(keys, 4); /* F4, Escape, C, Q by their names */
    raise(SIGTERM);
    CHECK(hl_display_wait(d, 5000, &in));
    CHECK_INT(in.kind, HL_INPUT_QUIT);
    hl_display_close(d);
}

static void test_unlocked_screen_quits_on_sdl_quit(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    SDL_Event q;
    memset(&q, 0, sizeof q);
    q.type = SDL_QUIT;
    SDL_PushEvent(&q);
    hl_input_t in;
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_QUIT);
    fixture_close(&f);
}

static void *request_quit_later(void *arg)
{
    SDL_Delay(50);
    hl_display_request_quit(arg);
    return NULL;
}

static void test_request_quit_from_another_thread_wakes_the_wait(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    pthread_t th;
    CHECK_INT(pthread_create(&th, NULL, request_quit_later, f.d), 0);
    /* A wait of 5 minutes: only the request ends it early, however late a
     * busy machine runs the thread. */
    Uint64 t0 = SDL_GetTicks64();
    hl_input_t in;
    CHECK(hl_display_wait(f.d, 300000, &in));
    CHECK_INT(in.kind, HL_INPUT_QUIT);
    CHECK(SDL_GetTicks64() - t0 < 150000);
    pthread_join(th, NULL);
    fixture_close(&f);
}

static void test_window_close_quits_outside_kms(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_QUIT;
    SDL_PushEvent(&e);
    hl_input_t in;
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_QUIT);
    fixture_close(&f);
}

static void test_map_point_inverts_each_rotation(void)
{
    /* Output 800x480; the logical screen is 480x800 for 90/270. */
    int x, y;
    hl_display_map_point(0, 800, 480, 10, 20, &x, &y);
    CHECK_INT(x, 10);
    CHECK_INT(y, 20);
    hl_display_map_point(90, 800, 480, 799, 0, &x, &y); /* logical top-left */
    CHECK_INT(x, 0);
    CHECK_INT(y, 0);
    hl_display_map_point(90, 800, 480, 0, 479, &x, &y); /* logical bottom-right */
    CHECK_INT(x, 479);
    CHECK_INT(y, 799);
    hl_display_map_point(180, 800, 480, 0, 0, &x, &y);
    CHECK_INT(x, 799);
    CHECK_INT(y, 479);
    hl_display_map_point(270, 800, 480, 0, 479, &x, &y); /* logical top-left */
    CHECK_INT(x, 0);
    CHECK_INT(y, 0);
    hl_display_map_point(270, 800, 480, 5000, -3, &x, &y); /* clamped */
    CHECK_INT(x, 479);
    CHECK_INT(y, 799);
}

static void test_rotation_90_turns_the_picture_and_maps_taps_back(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 90)) return;
    int w, h;
    hl_display_size(f.d, &w, &h);
    CHECK_INT(w, 480);
    CHECK_INT(h, 800);
    /* A red square at the logical top-left appears at the panel's top-right. */
    hl_scene_push(&f.scene, HL_CMD_RECT, (hl_rect_t){0, 0, 40, 30}, RED);
    fixture_draw(&f);
    char *dir = hl_test_tmpdir("rot");
    char path[4096];
    snprintf(path, sizeof path, "%s/rot.png", dir);
    hl_err_t err;
    CHECK_INT(hl_display_save_png(f.d, path, &err), HL_OK);
    SDL_Surface *img = IMG_Load(path);
    CHECK(img != NULL);
    if (img) {
        SDL_Surface *s = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_ARGB8888, 0);
        CHECK_INT(s->w, 800);
        CHECK_INT(s->h, 480);
        const uint32_t *row0 = s->pixels;
        CHECK_INT(row0[799] & 0xffffff, 0xff0000);
        CHECK_INT(row0[0] & 0xffffff, 0xffffff);
        const uint32_t *row39 = (const uint32_t *)((const char *)s->pixels + 39 * s->pitch);
        CHECK_INT(row39[799 - 29] & 0xffffff, 0xff0000); /* logical (39, 29) */
        CHECK_INT(row39[799 - 30] & 0xffffff, 0xffffff); /* logical (39, 30) */
        SDL_FreeSurface(s);
        SDL_FreeSurface(img);
    }
    /* A click on the panel at (795, 5) is logical (5, 4). */
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = 795;
    e.button.y = 5;
    SDL_PushEvent(&e);
    hl_input_t in;
    CHECK(hl_display_wait(f.d, 1000, &in));
    CHECK_INT(in.kind, HL_INPUT_DOWN);
    CHECK_INT(in.x, 5);
    CHECK_INT(in.y, 4);
    hl_test_rmtree(dir);
    free(dir);
    fixture_close(&f);
}

/* ---- Scene --------------------------------------------------------------- */

static void test_scene_hit_prefers_the_topmost_target_and_find_by_id(void)
{
    static hl_scene_t s;
    hl_scene_clear(&s, 800, 480, WHITE);
    hl_scene_target(&s, "answer:q1:a", (hl_rect_t){0, 0, 100, 100});
    hl_scene_target(&s, "next", (hl_rect_t){50, 50, 100, 100});
    CHECK_STR(hl_scene_hit(&s, 60, 60), "next");
    CHECK_STR(hl_scene_hit(&s, 10, 10), "answer:q1:a");
    CHECK(hl_scene_hit(&s, 149, 149) != NULL);
    CHECK(hl_scene_hit(&s, 150, 150) == NULL);
    CHECK(hl_scene_find(&s, "next") != NULL);
    CHECK_INT(hl_scene_find(&s, "next")->box.x, 50);
    CHECK(hl_scene_find(&s, "back") == NULL);
    CHECK(!s.overflow);
}

static void test_scene_capacity_overflow_is_flagged_not_overrun(void)
{
    static hl_scene_t s;
    hl_scene_clear(&s, 800, 480, WHITE);
    for (int i = 0; i < HL_SCENE_MAX_CMDS + 5; i++) {
        hl_scene_push(&s, HL_CMD_RECT, (hl_rect_t){0, 0, 1, 1}, RED);
    }
    CHECK_INT(s.n_cmds, HL_SCENE_MAX_CMDS);
    CHECK(s.overflow);

    hl_scene_clear(&s, 800, 480, WHITE);
    CHECK(!s.overflow);
    char big[HL_SCENE_SCRATCH / 2 + 1];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *a = hl_scene_strdup(&s, "12");
    CHECK_STR(a, "12");
    CHECK(hl_scene_strdup(&s, big) != NULL);
    CHECK(hl_scene_strdup(&s, big) == NULL);
    CHECK(s.overflow);
    CHECK_STR(a, "12");

    hl_scene_clear(&s, 800, 480, WHITE);
    for (int i = 0; i < HL_SCENE_MAX_TARGETS + 1; i++) {
        hl_scene_target(&s, "key:1", (hl_rect_t){0, 0, 1, 1});
    }
    CHECK_INT(s.n_targets, HL_SCENE_MAX_TARGETS);
    CHECK(s.overflow);
}

/* ---- Renderer ------------------------------------------------------------ */

static void test_red_rect_is_red_at_its_centre_and_background_elsewhere(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    hl_scene_push(&f.scene, HL_CMD_RECT, (hl_rect_t){100, 100, 200, 100}, RED);
    hl_cmd_t *round = hl_scene_push(&f.scene, HL_CMD_RECT, (hl_rect_t){400, 100, 200, 100}, RED);
    round->radius = 30;
    hl_cmd_t *outline = hl_scene_push(&f.scene, HL_CMD_RECT, (hl_rect_t){100, 300, 200, 100}, RED);
    outline->radius = 20;
    outline->border = 4;
    fixture_draw(&f);
    uint32_t *px = read_screen(&f);
    CHECK_INT(pixel_at(&f, px, 200, 150), 0xff0000);
    CHECK_INT(pixel_at(&f, px, 100, 100), 0xff0000); /* square corner is filled */
    CHECK_INT(pixel_at(&f, px, 99, 150), 0xffffff);
    CHECK_INT(pixel_at(&f, px, 300, 150), 0xffffff); /* x + w is outside */
    CHECK_INT(pixel_at(&f, px, 10, 10), 0xffffff);
    CHECK_INT(pixel_at(&f, px, 500, 150), 0xff0000);
    CHECK_INT(pixel_at(&f, px, 401, 101), 0xffffff); /* rounded corner is cut */
    CHECK_INT(pixel_at(&f, px, 200, 350), 0xffffff); /* outline: hollow */
    CHECK_INT(pixel_at(&f, px, 200, 301), 0xff0000);
    free(px);
    fixture_close(&f);
}

static void test_shapes_fill_where_the_scene_puts_them(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    hl_scene_push(&f.scene, HL_CMD_STAR, (hl_rect_t){0, 0, 100, 100}, RED);
    hl_scene_push(&f.scene, HL_CMD_STAR, (hl_rect_t){100, 0, 100, 100}, RED)->border = 6;
    hl_scene_push(&f.scene, HL_CMD_CIRCLE, (hl_rect_t){200, 0, 100, 100}, RED);
    hl_scene_push(&f.scene, HL_CMD_CIRCLE, (hl_rect_t){300, 0, 100, 100}, RED)->border = 8;
    hl_scene_push(&f.scene, HL_CMD_TICK, (hl_rect_t){400, 0, 100, 100}, RED);
    fixture_draw(&f);
    uint32_t *px = read_screen(&f);
    CHECK_INT(pixel_at(&f, px, 50, 50), 0xff0000);  /* filled star centre */
    CHECK_INT(pixel_at(&f, px, 2, 2), 0xffffff);    /* outside its points */
    CHECK_INT(pixel_at(&f, px, 150, 55), 0xffffff); /* outlined star: hollow */
    CHECK_INT(pixel_at(&f, px, 150, 8), 0xff0000);  /* ... with its top point drawn */
    CHECK_INT(pixel_at(&f, px, 250, 50), 0xff0000); /* disc */
    CHECK_INT(pixel_at(&f, px, 202, 2), 0xffffff);  /* outside the disc */
    CHECK_INT(pixel_at(&f, px, 350, 50), 0xffffff); /* ring: hollow */
    CHECK_INT(pixel_at(&f, px, 350, 3), 0xff0000);  /* ring itself */
    CHECK_INT(pixel_at(&f, px, 440, 78), 0xff0000); /* the tick's corner */
    CHECK_INT(pixel_at(&f, px, 410, 10), 0xffffff);
    free(px);
    fixture_close(&f);
}

static void test_faces_of_five_levels_all_differ(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    enum { N = 5 };
    uint32_t *shots[N];
    for (int level = 1; level <= N; level++) {
        hl_scene_clear(&f.scene, 800, 480, WHITE);
        hl_cmd_t *c = hl_scene_push(&f.scene, HL_CMD_FACE, (hl_rect_t){300, 140, 200, 200},
                                    (hl_color_t){255, 200, 0, 255});
        c->level = level;
        c->of = N;
        fixture_draw(&f);
        shots[level - 1] = read_screen(&f);
        /* A face: the fill colour inside, the dark outline at the rim. */
        CHECK_INT(pixel_at(&f, shots[level - 1], 400, 200), 0xffc800);
        CHECK_INT(pixel_at(&f, shots[level - 1], 400, 142), 0x1a1a1a);
    }
    for (int a = 0; a < N; a++) {
        for (int b = a + 1; b < N; b++) {
            if (count_differing(shots[a], shots[b], 800 * 480) < 50) {
                hl_test_fail(__FILE__, __LINE__, "faces %d and %d look the same", a + 1, b + 1);
            }
        }
    }
    for (int i = 0; i < N; i++)
        free(shots[i]);
    fixture_close(&f);
}

static void test_text_width_grows_with_px_and_bold_is_wider(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    hl_measure_t m = hl_render_measure(f.rd);
    const char *t = "Rất hài lòng";
    int len = (int)strlen(t);
    int w20 = m.width(m.ctx, t, len, 20, false);
    int w40 = m.width(m.ctx, t, len, 40, false);
    int b40 = m.width(m.ctx, t, len, 40, true);
    CHECK(w20 > 50);
    CHECK(w40 > w20 * 3 / 2);
    CHECK(b40 > w40);
    CHECK(m.line_height(m.ctx, 40, false) > m.line_height(m.ctx, 20, false));
    CHECK(m.line_height(m.ctx, 40, false) >= 40);
    /* Only `len` bytes count: a prefix is narrower. */
    CHECK(m.width(m.ctx, t, 3, 40, false) < w40);
    CHECK_INT(m.width(m.ctx, t, 0, 40, false), 0);
    fixture_close(&f);
}

static void test_same_text_drawn_twice_is_rasterised_once(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    push_text(&f.scene, "Tiếng Việt", (hl_rect_t){10, 10, 300, 60}, 32);
    push_text(&f.scene, "Tiếng Việt", (hl_rect_t){10, 100, 300, 60}, 32);
    push_text(&f.scene, "English", (hl_rect_t){10, 200, 300, 60}, 32)->bold = true;
    fixture_draw(&f);
    fixture_draw(&f);
    hl_render_stats_t st;
    hl_render_get_stats(f.rd, &st);
    CHECK_INT(st.text_rasterised, 2);
    CHECK_INT(st.text_cache_hits, 4);
    fixture_close(&f);
}

static void test_text_is_aligned_in_its_box(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    hl_measure_t m = hl_render_measure(f.rd);
    int w = m.width(m.ctx, "IIII", 4, 40, true);
    push_text(&f.scene, "IIII", (hl_rect_t){0, 0, 800, 100}, 40)->bold = true;
    hl_cmd_t *c = push_text(&f.scene, "IIII", (hl_rect_t){0, 100, 800, 100}, 40);
    c->bold = true;
    c->align = HL_ALIGN_RIGHT;
    c = push_text(&f.scene, "IIII", (hl_rect_t){0, 200, 800, 100}, 40);
    c->bold = true;
    c->align = HL_ALIGN_CENTER;
    fixture_draw(&f);
    uint32_t *px = read_screen(&f);
    /* Ink only in each box's expected span, vertically around the middle. */
    int ink[3][2] = {{800, -1}, {800, -1}, {800, -1}};
    for (int b = 0; b < 3; b++) {
        for (int x = 0; x < 800; x++) {
            if (pixel_at(&f, px, x, b * 100 + 50) != 0xffffff) {
                if (x < ink[b][0]) ink[b][0] = x;
                ink[b][1] = x;
            }
        }
    }
    CHECK(ink[0][0] < w / 4);
    CHECK(ink[1][1] > 800 - w / 4 - 1);
    CHECK(ink[2][0] > 400 - w / 2 - 1 && ink[2][1] < 400 + w / 2);
    CHECK(ink[2][0] < 400 && ink[2][1] > 400);
    CHECK_INT(pixel_at(&f, px, 400, 205), 0xffffff); /* nothing near the box top */
    free(px);
    fixture_close(&f);
}

static void test_nfd_vietnamese_renders_the_same_pixels_as_nfc(void)
{
    /* Holds with SDL2_ttf 2.20 + HarfBuzz 6 and Noto Sans: HarfBuzz composes
     * the marks to the font's precomposed glyphs. Were it ever to differ, the
     * UI layer would normalise survey text to NFC before drawing. */
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    hl_measure_t m = hl_render_measure(f.rd);
    CHECK(strcmp(VI_NFC, VI_NFD) != 0);
    for (int bold = 0; bold <= 1; bold++) {
        for (int px = 24; px <= 96; px += 72) {
            int wc = m.width(m.ctx, VI_NFC, (int)strlen(VI_NFC), px, bold);
            int wd = m.width(m.ctx, VI_NFD, (int)strlen(VI_NFD), px, bold);
            CHECK_INT(wd, wc);
            hl_scene_clear(&f.scene, 800, 480, WHITE);
            push_text(&f.scene, VI_NFC, (hl_rect_t){20, 100, 760, 200}, px)->bold = bold;
            fixture_draw(&f);
            uint32_t *a = read_screen(&f);
            hl_scene_clear(&f.scene, 800, 480, WHITE);
            push_text(&f.scene, VI_NFD, (hl_rect_t){20, 100, 760, 200}, px)->bold = bold;
            fixture_draw(&f);
            uint32_t *b = read_screen(&f);
            size_t diff = count_differing(a, b, 800 * 480);
            if (diff != 0) {
                hl_test_fail(__FILE__, __LINE__, "NFD differs from NFC in %zu pixels (%d px%s)",
                             diff, px, bold ? ", bold" : "");
            }
            size_t ink = 0;
            for (size_t i = 0; i < 800 * 480; i++)
                ink += (a[i] & 0xffffff) != 0xffffff;
            CHECK(ink > 100); /* something was drawn */
            free(a);
            free(b);
        }
    }
    fixture_close(&f);
}

static void test_the_same_scene_renders_the_same_pixels(void)
{
    fixture_t f;
    if (!fixture_open(&f, 800, 480, 0)) return;
    for (int i = 0; i < 5; i++) {
        hl_cmd_t *c = hl_scene_push(&f.scene, HL_CMD_FACE, (hl_rect_t){20 + i * 150, 20, 140, 140},
                                    (hl_color_t){(uint8_t)(50 * i), 150, 60, 255});
        c->level = i + 1;
        c->of = 5;
        hl_scene_push(&f.scene, HL_CMD_STAR, (hl_rect_t){20 + i * 150, 180, 100, 100}, RED);
    }
    push_text(&f.scene, VI_NFC, (hl_rect_t){20, 300, 760, 80}, 48);
    fixture_draw(&f);
    uint32_t *a = read_screen(&f);
    fixture_draw(&f);
    uint32_t *b = read_screen(&f);
    CHECK_INT(count_differing(a, b, 800 * 480), 0);
    free(a);
    free(b);
    fixture_close(&f);
}

static void test_missing_fonts_are_reported_as_not_found(void)
{
    fixture_t f;
    if (!fixture_open(&f, 320, 200, 0)) return;
    hl_render_t *rd = NULL;
    hl_err_t err;
    CHECK_INT(hl_render_new(hl_display_renderer(f.d), "/nonexistent", &rd, &err), HL_ERR_NOT_FOUND);
    CHECK(rd == NULL);
    CHECK_CONTAINS(err.msg, "NotoSans-Regular.ttf");
    fixture_close(&f);
}

/* An officer's photo that is a FIFO or a device: drawn as the placeholder
 * card at once, never read (a watchdog turns a hang into a failure). */
static void test_a_photo_that_is_a_fifo_or_a_device_is_drawn_as_missing_without_blocking(void)
{
    fixture_t f;
    if (!fixture_open(&f, 320, 240, 0)) return;
    char *dir = hl_test_tmpdir("render-fifo");
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/photo.png", dir);
    CHECK_INT(mkfifo(fifo, 0644), 0);
    alarm(120);
    hl_scene_push(&f.scene, HL_CMD_IMAGE, (hl_rect_t){10, 10, 100, 100}, WHITE)->text = fifo;
    hl_scene_push(&f.scene, HL_CMD_IMAGE, (hl_rect_t){120, 10, 100, 100}, WHITE)->text =
        "/dev/zero";
    fixture_draw(&f);
    alarm(0);
    uint32_t *px = read_screen(&f);
    CHECK(px && pixel_at(&f, px, 60, 12) != pixel_at(&f, px, 300, 230)); /* the grey card */
    free(px);
    hl_test_rmtree(dir);
    free(dir);
    fixture_close(&f);
}

static const hl_test_case_t tests[] = {
    HL_TEST(test_a_photo_that_is_a_fifo_or_a_device_is_drawn_as_missing_without_blocking),
    HL_TEST(test_kiosk_lock_ignores_keys_ctrl_c_and_sdl_quit_but_not_sigterm),
    HL_TEST(test_unlocked_screen_quits_on_sdl_quit),
    HL_TEST(test_headless_display_opens_at_the_requested_size),
    HL_TEST(test_backend_names_parse_and_print_back),
    HL_TEST(test_headless_panel_records_its_state_and_still_presents),
    HL_TEST(test_bad_rotation_is_a_usage_error),
    HL_TEST(test_resize_changes_the_logical_size_and_keeps_the_renderer),
    HL_TEST(test_save_png_writes_the_presented_frame_pixel_for_pixel),
    HL_TEST(test_pushed_mouse_click_comes_back_as_down_and_up_at_its_point),
    HL_TEST(test_finger_events_become_taps_and_touch_mouse_copies_are_ignored),
    HL_TEST(test_wait_times_out_and_returns_false_without_events),
    HL_TEST(test_sigterm_makes_wait_return_quit),
    HL_TEST(test_request_quit_from_another_thread_wakes_the_wait),
    HL_TEST(test_window_close_quits_outside_kms),
    HL_TEST(test_map_point_inverts_each_rotation),
    HL_TEST(test_rotation_90_turns_the_picture_and_maps_taps_back),
    HL_TEST(test_scene_hit_prefers_the_topmost_target_and_find_by_id),
    HL_TEST(test_scene_capacity_overflow_is_flagged_not_overrun),
    HL_TEST(test_red_rect_is_red_at_its_centre_and_background_elsewhere),
    HL_TEST(test_shapes_fill_where_the_scene_puts_them),
    HL_TEST(test_faces_of_five_levels_all_differ),
    HL_TEST(test_text_width_grows_with_px_and_bold_is_wider),
    HL_TEST(test_same_text_drawn_twice_is_rasterised_once),
    HL_TEST(test_text_is_aligned_in_its_box),
    HL_TEST(test_nfd_vietnamese_renders_the_same_pixels_as_nfc),
    HL_TEST(test_the_same_scene_renders_the_same_pixels),
    HL_TEST(test_missing_fonts_are_reported_as_not_found),
};

HL_TEST_MAIN(tests)
