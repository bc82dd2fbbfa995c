/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_display_sdl.c: the SDL2 implementation of hl_display.h: one window (or
 * dummy window) and one renderer per display, with three backends:
 *
 *   kms       SDL's kmsdrm driver, a fullscreen-desktop window at the panel's
 *             native mode, cursor hidden, the renderer chosen and checked at
 *             start (below), absolute pointers read by hl_evdev;
 *   desktop   an ordinary window (opts w x h, not resizable), the mouse acting
 *             as a finger, F11 toggles fullscreen, Ctrl+Alt+Q quits; with no
 *             display at all SDL would fall back to an invisible driver
 *             (offscreen, dummy): opening fails with a message instead;
 *   headless  SDL's dummy video driver and the software renderer drawing into
 *             the dummy window's in-memory surface (XRGB8888). The renderer
 *             draws into the window surface rather than a surface of our own
 *             (SDL_CreateSoftwareRenderer) so that hl_display_resize keeps the
 *             same SDL_Renderer: textures made with it (hl_render's text
 *             cache) stay valid across a script's `size WxH`.
 *
 * Rotation (any backend): the firmware draws the logical screen into a target
 * texture of the logical size; hl_display_present copies it rotated onto the
 * output, and input coordinates are mapped back (hl_display_map_point).
 *
 * Kiosk lock: in kms mode no key leaves the program (Alt+F4, Escape, Ctrl+C
 * are plain ignored key events, SDL_QUIT is ignored, SIGINT is ignored).
 * SIGTERM (and SIGINT outside kms) sets a flag that hl_display_wait turns
 * into HL_INPUT_QUIT. SDL's own signal handlers are switched off
 * (SDL_HINT_NO_SIGNAL_HANDLERS) so that SDL_QUIT only ever means "the window
 * was closed".
 *
 * Waiting: the desktop drivers (x11, wayland) block in SDL_WaitEventTimeout.
 * SDL 2.26's kmsdrm and dummy drivers cannot block: there SDL_WaitEventTimeout
 * itself polls every 1 ms (1-2 % of a core when idle on the development VM,
 * where each wake-up costs about 50 us). kms sleeps in poll(2) on its own
 * descriptors of the input devices, /dev/input (new devices) and a wake
 * pipe (hl_evdev.h), then lets SDL read its events; headless polls every
 * HL_DISPLAY_SIGNAL_MS (it has no input device: its events are pushed by
 * the same thread before the wait, and are found at once). Either way the
 * wait wakes at least every HL_DISPLAY_SIGNAL_MS to notice the signal flag.
 *
 * Blanking: the screen never blanks by itself while the program runs. SDL's
 * screen saver is off (SDL_HINT_VIDEO_ALLOW_SCREENSAVER "0" before init and
 * SDL_DisableScreenSaver after: X11 and Wayland idle blanking); the kernel
 * console's own blanking (consoleblank, which would blank a kms screen after
 * its idle minutes) is switched off by the systemd unit before the program
 * starts, not here. The panel goes off only through hl_display_panel:
 * hl_panel.c's backlight or DPMS on kms; desktop and headless only record it.
 */
#include "hl_display.h"
#include "hl_afile.h"
#include "hl_evdev.h"
#include "hl_panel.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <SDL2/SDL_syswm.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HL_DISPLAY_DEFAULT_W 1280 /* desktop/headless size when opts say 0 */
#define HL_DISPLAY_DEFAULT_H 800
#define HL_DISPLAY_MAX_SIDE  8192 /* larger sizes are a typo, not a screen */
#define HL_DISPLAY_SIGNAL_MS 100  /* longest sleep before looking at the signal flag */

struct hl_display {
    hl_backend_t backend;      /* the backend actually opened (never AUTO) */
    bool locked;               /* kiosk lock: no key, Ctrl+C or SDL_QUIT leaves */
    SDL_Window *win;           /* owned: the window (a dummy window in headless mode) */
    SDL_Renderer *ren;         /* owned: the renderer the firmware draws with */
    SDL_Texture *target;       /* owned: logical screen when rotation != 0, else NULL */
    int rotation;              /* 0, 90, 180, 270 clockwise */
    int out_w, out_h;          /* output (physical) size in px */
    int log_w, log_h;          /* logical size (out swapped for 90/270) */
    bool fullscreen;           /* desktop: F11 state */
    bool mouse_down;           /* the left button is held (a finger on the glass) */
    bool finger_down;          /* a touch finger is down */
    SDL_FingerID finger;       /* the one finger followed (others are ignored) */
    Uint32 quit_event;         /* SDL user event type of hl_display_request_quit */
    struct sigaction old_term; /* handlers to restore on close */
    struct sigaction old_int;
    bool panel_on;            /* the panel state last asked for (hl_display_panel) */
    int panel_fail;           /* headless: this many panel switches still to refuse (tests) */
    bool dpms_off;            /* kms: DPMS has the panel off; present does not flip */
    hl_backlight_t backlight; /* kms: the sysfs backlight; dir "" when there is none */
    hl_evdev_t evdev;         /* kms: absolute pointers and the sleep until input */
    bool evdev_on;            /* evdev opened (kms only) */
};

/* ---- Signals ------------------------------------------------------------- */

/* The one mutable file-static of the program: a signal handler has no
 * context pointer, and the only async-signal-safe thing it can do is set a
 * flag of this type. (Pushing an SDL event from the handler is not safe: it
 * takes the event queue's mutex and may allocate; SDL's own handler defers
 * for the same reason.) hl_display_wait polls it at least every
 * HL_DISPLAY_SIGNAL_MS. */
static volatile sig_atomic_t hl_display_stop_signal;

static void hl_display_on_signal(int sig)
{
    hl_display_stop_signal = sig;
}

static void hl_display_install_signals(hl_display_t *d)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = hl_display_on_signal;
    sigemptyset(&sa.sa_mask);
    hl_display_stop_signal = 0;
    sigaction(SIGTERM, &sa, &d->old_term);
    if (d->locked) sa.sa_handler = SIG_IGN; /* Ctrl+C on a console */
    sigaction(SIGINT, &sa, &d->old_int);
}

static void hl_display_restore_signals(hl_display_t *d)
{
    sigaction(SIGTERM, &d->old_term, NULL);
    sigaction(SIGINT, &d->old_int, NULL);
}

/* ---- Backends ------------------------------------------------------------ */

bool hl_backend_parse(const char *name, hl_backend_t *out)
{
    static const struct {
        const char *name; /* as on the command line */
        hl_backend_t b;   /* the backend */
    } names[] = {{"auto", HL_BACKEND_AUTO},
                 {"kms", HL_BACKEND_KMS},
                 {"desktop", HL_BACKEND_DESKTOP},
                 {"headless", HL_BACKEND_HEADLESS}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (name && strcmp(name, names[i].name) == 0) {
            *out = names[i].b;
            return true;
        }
    }
    return false;
}

const char *hl_backend_name(hl_backend_t b)
{
    static const char *const names[] = {"auto", "kms", "desktop", "headless"}; /* enum order */
    return HL_NAME_OF(names, b, "?");
}

hl_backend_t hl_display_auto_backend(void)
{
    const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
    bool no_gui = (!x || !*x) && (!wl || !*wl);
    if (no_gui && access("/dev/dri/card0", F_OK) == 0) return HL_BACKEND_KMS;
    return HL_BACKEND_DESKTOP;
}

/* ---- Geometry ------------------------------------------------------------ */

void hl_display_map_point(int rotation, int out_w, int out_h, int px, int py, int *lx, int *ly)
{
    /* The logical image is turned `rotation` degrees clockwise onto the
     * output; this is the inverse, for a point on the output. */
    if (px < 0) px = 0;
    if (py < 0) py = 0;
    if (px >= out_w) px = out_w - 1;
    if (py >= out_h) py = out_h - 1;
    switch (rotation) {
    case 90:
        *lx = py;
        *ly = out_w - 1 - px;
        break;
    case 180:
        *lx = out_w - 1 - px;
        *ly = out_h - 1 - py;
        break;
    case 270:
        *lx = out_h - 1 - py;
        *ly = px;
        break;
    default:
        *lx = px;
        *ly = py;
        break;
    }
}

/* Re-reads the output size and (re)makes the rotation target to match. */
static int hl_display_sync_size(hl_display_t *d, hl_err_t *err)
{
    int ow = 0, oh = 0;
    if (SDL_GetRendererOutputSize(d->ren, &ow, &oh) != 0) {
        return hl_err_set(err, HL_ERR_IO, "cannot read the screen size: %s", SDL_GetError());
    }
    d->out_w = ow;
    d->out_h = oh;
    bool swap = d->rotation == 90 || d->rotation == 270;
    int lw = swap ? oh : ow, lh = swap ? ow : oh;
    if (d->rotation != 0 && (!d->target || lw != d->log_w || lh != d->log_h)) {
        SDL_SetRenderTarget(d->ren, NULL);
        if (d->target) SDL_DestroyTexture(d->target);
        d->target =
            SDL_CreateTexture(d->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, lw, lh);
        if (!d->target) {
            return hl_err_set(err, HL_ERR_IO,
                              "cannot make the %dx%d rotation texture: %s (try rotation 0)", lw, lh,
                              SDL_GetError());
        }
        if (SDL_SetRenderTarget(d->ren, d->target) != 0) {
            return hl_err_set(err, HL_ERR_IO,
                              "the renderer cannot draw into a texture: %s (try rotation 0)",
                              SDL_GetError());
        }
    }
    d->log_w = lw;
    d->log_h = lh;
    return HL_OK;
}

/* ---- Open and close ------------------------------------------------------ */

static int hl_display_fail(hl_display_t *d, hl_err_t *err, const char *what, const char *advice)
{
    int rc = hl_err_set(err, HL_ERR_IO, "%s (%s backend): %s; %s", what,
                        hl_backend_name(d->backend), SDL_GetError(), advice);
    hl_display_close(d);
    return rc;
}

/* ---- The kms renderer, chosen and checked --------------------------------
 * A GPU driver may accept every call and still draw wrong: under mesa's
 * llvmpipe, SDL 2.26's desktop OpenGL renderer on kmsdrm shows only the
 * clear colour, and its OpenGL ES 2 renderer draws text but fills the faces
 * dark (seen in the VM system test, tests/system). Nobody can test every
 * panel's driver, so the kiosk does not depend on one drawing right:
 *
 *   software (the default): SDL's software renderer draws every pixel on
 *       the CPU, exactly as the goldens are drawn; SDL shows each frame by
 *       uploading it to a texture and copying that to the screen through an
 *       accelerated driver. That one path, a texture copied, is checked
 *       here for each accelerated driver in turn (a test pattern drawn, read
 *       back, compared) and the first that shows it right carries the
 *       frames (SDL_HINT_FRAMEBUFFER_ACCELERATION);
 *   opengles2, opengl: the GPU draws everything; checked with a pattern of
 *       the primitives hl_render uses (fills, triangle fans drawn over each
 *       other in one opaque batch, opaque and blended textures). Known to be
 *       incomplete: llvmpipe's GLES 2 passes it and still fills the faces
 *       dark (tests/system, with HAILONG_RENDERER=opengles2): hence software
 *       first.
 *
 * The candidates are $HAILONG_RENDERER (a comma list of these names), else
 * HL_DISPLAY_KMS_RENDERERS; the first that passes is kept and each refusal
 * is logged with what came out wrong. */
#define HL_DISPLAY_KMS_RENDERERS "software,opengles2,opengl"
#define HL_DISPLAY_GPU_DRIVERS   "opengles2,opengl" /* what may carry software frames */
#define HL_DISPLAY_CHECK_W       192                /* test pattern size in px */
#define HL_DISPLAY_CHECK_H       64
#define HL_DISPLAY_CHECK_TOL     24 /* a channel may be off by this much (dithering, blending) */
#define HL_DISPLAY_DISC_SEGS     48 /* a check disc's segments (a face's are about as many) */

typedef struct hl_probe {
    int x, y;         /* where */
    Uint8 r, g, b;    /* what must be there */
    const char *what; /* the primitive it checks */
    bool texture;     /* part of the texture-only check */
} hl_probe_t;

/* Appends a disc of radius rad at (cx, cy) as a fan to v (HL_DISPLAY_DISC_SEGS * 3). */
static void hl_display_check_disc(SDL_Vertex *v, float cx, float cy, float rad, SDL_Color c)
{
    for (int i = 0; i < HL_DISPLAY_DISC_SEGS; i++) {
        double a0 = 2 * M_PI * i / HL_DISPLAY_DISC_SEGS;
        double a1 = 2 * M_PI * (i + 1) / HL_DISPLAY_DISC_SEGS;
        v[i * 3] = (SDL_Vertex){{cx, cy}, c, {0, 0}};
        v[i * 3 + 1] =
            (SDL_Vertex){{cx + rad * (float)cos(a0), cy + rad * (float)sin(a0)}, c, {0, 0}};
        v[i * 3 + 2] =
            (SDL_Vertex){{cx + rad * (float)cos(a1), cy + rad * (float)sin(a1)}, c, {0, 0}};
    }
}

/* Draws the test pattern at the output's top left (textures_only: only
 * the clear colour and the textures), reads it back and compares. HL_OK
 * when right; else err says which primitive came out how. */
static int hl_display_check_renderer(SDL_Renderer *r, bool textures_only, hl_err_t *err)
{
    const Uint8 bg = 236;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, bg, bg, bg, 255);
    if (SDL_RenderClear(r) != 0) return hl_err_set(err, HL_ERR_IO, "clear: %s", SDL_GetError());
    if (!textures_only) {
        SDL_SetRenderDrawColor(r, 200, 30, 30, 255);
        if (SDL_RenderFillRect(r, &(SDL_Rect){8, 8, 48, 48}) != 0)
            return hl_err_set(err, HL_ERR_IO, "fill: %s", SDL_GetError());
        /* As hl_render draws a face: a dark disc and a coloured one over it
         * in one opaque batch (blending off). */
        SDL_Vertex *v = malloc(sizeof *v * HL_DISPLAY_DISC_SEGS * 3 * 2);
        if (!v) return hl_err_set(err, HL_ERR_NOMEM, "out of memory");
        hl_display_check_disc(v, 96, 32, 28, (SDL_Color){40, 40, 40, 255});
        hl_display_check_disc(v + HL_DISPLAY_DISC_SEGS * 3, 96, 32, 16,
                              (SDL_Color){250, 200, 0, 255});
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
        int grc = SDL_RenderGeometry(r, NULL, v, HL_DISPLAY_DISC_SEGS * 3 * 2, NULL, 0);
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
        free(v);
        if (grc != 0) return hl_err_set(err, HL_ERR_IO, "geometry: %s", SDL_GetError());
    }
    /* A texture: opaque blue on the left, half-transparent green on the right. */
    Uint32 px[32 * 32];
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++)
            px[y * 32 + x] = x < 16 ? 0xff143cc8u : 0x8000b400u; /* ARGB */
    SDL_Texture *t =
        SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, 32, 32);
    if (!t) return hl_err_set(err, HL_ERR_IO, "texture: %s", SDL_GetError());
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    int rc = SDL_UpdateTexture(t, NULL, px, 32 * 4);
    if (rc == 0) rc = SDL_RenderCopy(r, t, NULL, &(SDL_Rect){136, 16, 32, 32});
    if (rc != 0) {
        SDL_DestroyTexture(t);
        return hl_err_set(err, HL_ERR_IO, "texture copy: %s", SDL_GetError());
    }
    SDL_RenderFlush(r);
    Uint32 *back = malloc(sizeof *back * HL_DISPLAY_CHECK_W * HL_DISPLAY_CHECK_H);
    rc = back ? SDL_RenderReadPixels(r, &(SDL_Rect){0, 0, HL_DISPLAY_CHECK_W, HL_DISPLAY_CHECK_H},
                                     SDL_PIXELFORMAT_ARGB8888, back, HL_DISPLAY_CHECK_W * 4)
              : -1;
    SDL_DestroyTexture(t);
    if (rc != 0) {
        free(back);
        return hl_err_set(err, HL_ERR_IO, "reading back: %s", back ? SDL_GetError() : "no memory");
    }
    Uint8 half_g = (Uint8)((180 * 128 + bg * 127) / 255), half_rb = (Uint8)(bg * 127 / 255);
    const hl_probe_t probes[] = {
        {4, 60, bg, bg, bg, "the clear colour", true},
        {32, 32, 200, 30, 30, "a filled rectangle", false},
        {96, 8, 40, 40, 40, "a triangle fan (a face's outline)", false},
        {96, 32, 250, 200, 0, "a triangle fan over another in one batch (a face)", false},
        {144, 32, 20, 60, 200, "an opaque texture", true},
        {160, 32, half_rb, half_g, half_rb, "a half-transparent texture, blended", true},
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const hl_probe_t *p = &probes[i];
        if (textures_only && !p->texture) continue;
        Uint32 v = back[p->y * HL_DISPLAY_CHECK_W + p->x];
        int gr = (int)((v >> 16) & 255), gg = (int)((v >> 8) & 255), gb = (int)(v & 255);
        if (abs(gr - p->r) > HL_DISPLAY_CHECK_TOL || abs(gg - p->g) > HL_DISPLAY_CHECK_TOL ||
            abs(gb - p->b) > HL_DISPLAY_CHECK_TOL) {
            free(back);
            return hl_err_set(err, HL_ERR_IO,
                              "%s came out wrong: at (%d,%d) it read back #%02x%02x%02x, "
                              "expected #%02x%02x%02x",
                              p->what, p->x, p->y, gr, gg, gb, p->r, p->g, p->b);
        }
    }
    free(back);
    return HL_OK;
}

/* The index of SDL's render driver called name, or -1. */
static int hl_display_render_index(const char *name)
{
    for (int i = 0; i < SDL_GetNumRenderDrivers(); i++) {
        SDL_RendererInfo info;
        if (SDL_GetRenderDriverInfo(i, &info) == 0 && !strcmp(info.name, name)) return i;
    }
    return -1;
}

/* Makes the accelerated renderer called name and checks it (textures_only:
 * only the path that carries software frames). The renderer is kept in
 * d->ren when keep and it passed, else destroyed. */
static int hl_display_try_gpu(hl_display_t *d, const char *name, bool textures_only, bool keep,
                              hl_err_t *why)
{
    int idx = hl_display_render_index(name);
    if (idx < 0) return hl_err_set(why, HL_ERR_NOT_FOUND, "this SDL has no such renderer");
    SDL_Renderer *r = SDL_CreateRenderer(d->win, idx,
                                         SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC |
                                             SDL_RENDERER_TARGETTEXTURE);
    if (!r) return hl_err_set(why, HL_ERR_IO, "cannot create it: %s", SDL_GetError());
    int rc = hl_display_check_renderer(r, textures_only, why);
    if (rc == HL_OK && keep) {
        d->ren = r;
        return HL_OK;
    }
    SDL_DestroyRenderer(r);
    return rc;
}

/* The software renderer, its frames carried by the first accelerated
 * driver whose texture path shows a test pattern right. */
static int hl_display_try_software(hl_display_t *d, char *via, size_t via_size, hl_err_t *why)
{
    char list[64], refused[512] = "";
    snprintf(list, sizeof list, "%s", HL_DISPLAY_GPU_DRIVERS);
    char *save = NULL;
    for (char *gpu = strtok_r(list, ",", &save); gpu; gpu = strtok_r(NULL, ",", &save)) {
        hl_err_t e = {0};
        if (hl_display_try_gpu(d, gpu, true, false, &e) != HL_OK) {
            size_t used = strlen(refused);
            snprintf(refused + used, sizeof refused - used, "%s%s: %.200s", used ? "; " : "", gpu,
                     e.msg);
            continue;
        }
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, gpu);
        d->ren = SDL_CreateRenderer(d->win, hl_display_render_index("software"),
                                    SDL_RENDERER_SOFTWARE | SDL_RENDERER_TARGETTEXTURE);
        if (!d->ren)
            return hl_err_set(why, HL_ERR_IO, "cannot create it (shown through %s): %s", gpu,
                              SDL_GetError());
        snprintf(via, via_size, "%s", gpu);
        return HL_OK;
    }
    return hl_err_set(why, HL_ERR_IO, "no accelerated driver shows its frames right (%s)",
                      refused[0] ? refused : "none tried");
}

static int hl_display_choose_renderer(hl_display_t *d, hl_err_t *err)
{
    const char *env = getenv("HAILONG_RENDERER");
    char list[128], tried[512] = "";
    snprintf(list, sizeof list, "%s", env && *env ? env : HL_DISPLAY_KMS_RENDERERS);
    size_t used = 0;
    char *save = NULL;
    for (char *name = strtok_r(list, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
        hl_err_t why = {0};
        char via[32] = "";
        int rc = !strcmp(name, "software") ? hl_display_try_software(d, via, sizeof via, &why)
                                           : hl_display_try_gpu(d, name, false, true, &why);
        if (rc == HL_OK) {
            if (via[0])
                fprintf(stderr,
                        "hailong: screen: renderer software (every pixel drawn on the CPU, as "
                        "the goldens are; frames shown through %s, whose texture path read back "
                        "as drawn)%s%s\n",
                        via, tried[0] ? "; refused before it: " : "", tried);
            else
                fprintf(stderr,
                        "hailong: screen: renderer %s (the test pattern read back as drawn)%s%s\n",
                        name, tried[0] ? "; refused before it: " : "", tried);
            SDL_SetRenderDrawColor(d->ren, 0, 0, 0, 255);
            SDL_RenderClear(d->ren);
            return HL_OK;
        }
        fprintf(stderr, "hailong: screen: renderer %s refused: %s\n", name, why.msg);
        int n = snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", name);
        if (n > 0 && (size_t)n < sizeof tried - used) used += (size_t)n;
    }
    return hl_err_set(err, HL_ERR_IO,
                      "no renderer draws this screen right (tried %s; each refusal is logged "
                      "above): check the GPU driver (vc4-kms-v3d on a Raspberry Pi, mesa's "
                      "libgl1-mesa-dri) or set HAILONG_RENDERER",
                      tried[0] ? tried : "none");
}

int hl_display_open(const hl_display_opts_t *opts, hl_display_t **out, hl_err_t *err)
{
    *out = NULL;
    int rot = opts->rotation;
    if (rot != 0 && rot != 90 && rot != 180 && rot != 270) {
        return hl_err_set(err, HL_ERR_USAGE, "display rotation %d: use 0, 90, 180 or 270", rot);
    }
    int w = opts->w > 0 ? opts->w : HL_DISPLAY_DEFAULT_W;
    int h = opts->h > 0 ? opts->h : HL_DISPLAY_DEFAULT_H;
    if (w > HL_DISPLAY_MAX_SIDE || h > HL_DISPLAY_MAX_SIDE || opts->w < 0 || opts->h < 0) {
        return hl_err_set(err, HL_ERR_USAGE, "display size %dx%d: use 1..%d px a side", opts->w,
                          opts->h, HL_DISPLAY_MAX_SIDE);
    }
    hl_display_t *d = calloc(1, sizeof *d);
    if (!d) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the display");
    d->backend = opts->backend == HL_BACKEND_AUTO ? hl_display_auto_backend() : opts->backend;
    d->rotation = rot;
    d->locked = d->backend == HL_BACKEND_KMS || opts->kiosk_lock;

    /* Hints must be in place before SDL_Init; OVERRIDE beats SDL_VIDEODRIVER
     * from the environment, so headless is headless even under X. */
    SDL_SetHintWithPriority(SDL_HINT_NO_SIGNAL_HANDLERS, "1", SDL_HINT_OVERRIDE);
    SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");      /* no fake fingers from the mouse */
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0");    /* exact pixels in the rotated copy */
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0"); /* never blank while we run */
    if (d->backend == HL_BACKEND_HEADLESS) {
        SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, "dummy", SDL_HINT_OVERRIDE);
    } else if (d->backend == HL_BACKEND_KMS) {
        SDL_SetHintWithPriority(SDL_HINT_VIDEODRIVER, "kmsdrm", SDL_HINT_OVERRIDE);
    } else {
        SDL_ResetHint(SDL_HINT_VIDEODRIVER); /* SDL's choice, or $SDL_VIDEODRIVER */
    }
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        int rc = hl_err_set(err, HL_ERR_IO, "cannot start SDL video (%s backend): %s; %s",
                            hl_backend_name(d->backend), SDL_GetError(),
                            d->backend == HL_BACKEND_KMS
                                ? "is another program holding the screen (a desktop, plymouth)? "
                                  "is the user in the video and input groups?"
                                : "is DISPLAY or WAYLAND_DISPLAY set? try --headless");
        free(d);
        return rc;
    }
    /* With no display at all SDL falls back to a driver that shows nothing
     * (offscreen, dummy): a kiosk nobody can see must not start. */
    const char *drv = SDL_GetCurrentVideoDriver();
    if (d->backend != HL_BACKEND_HEADLESS && drv &&
        (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy"))) {
        int rc = hl_err_set(err, HL_ERR_IO,
                            "no screen to show the kiosk on (%s backend): there is no desktop "
                            "display (DISPLAY and WAYLAND_DISPLAY are not set, or SDL_VIDEODRIVER "
                            "names an invisible driver: SDL chose \"%s\") and no KMS screen "
                            "(/dev/dri/card0); run it on the kiosk's screen or in a desktop "
                            "session, or play a script without a screen: hailong run --headless "
                            "--script FILE",
                            hl_backend_name(d->backend), drv);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        if (SDL_WasInit(SDL_INIT_EVERYTHING) == 0) SDL_Quit();
        free(d);
        return rc;
    }
    SDL_DisableScreenSaver(); /* whatever the driver's default or the environment says */
    hl_display_install_signals(d);
    d->quit_event = SDL_RegisterEvents(1);
    d->panel_on = true;
    d->backlight.saved = -1;
    if (d->backend == HL_BACKEND_KMS) hl_backlight_find(hl_panel_sysfs_root(), &d->backlight);

    Uint32 flags = 0;
    if (d->backend == HL_BACKEND_KMS) {
        SDL_DisplayMode mode;
        if (SDL_GetDesktopDisplayMode(0, &mode) != 0) {
            return hl_display_fail(d, err, "cannot read the panel's native mode",
                                   "check the panel cable and /dev/dri/card0");
        }
        w = mode.w;
        h = mode.h;
        flags = SDL_WINDOW_FULLSCREEN_DESKTOP;
    }
    d->win =
        SDL_CreateWindow("hailong", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
    if (!d->win) {
        return hl_display_fail(d, err, "cannot open the window",
                               "check the display connection and permissions");
    }
    if (d->backend == HL_BACKEND_HEADLESS) {
        d->ren = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_SOFTWARE | SDL_RENDERER_TARGETTEXTURE);
    } else if (d->backend == HL_BACKEND_KMS) {
        hl_err_t e2 = {0};
        if (hl_display_choose_renderer(d, &e2) != HL_OK) {
            int rc = hl_err_set(err, e2.code, "%s", e2.msg);
            hl_display_close(d);
            return rc;
        }
    } else {
        d->ren = SDL_CreateRenderer(d->win, -1,
                                    SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC |
                                        SDL_RENDERER_TARGETTEXTURE);
        if (!d->ren) d->ren = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_TARGETTEXTURE);
    }
    if (!d->ren) {
        return hl_display_fail(d, err, "cannot create a renderer",
                               "check the GPU driver (vc4-kms-v3d on a Raspberry Pi)");
    }
    if (d->backend == HL_BACKEND_KMS) SDL_ShowCursor(SDL_DISABLE);
    SDL_SetRenderDrawBlendMode(d->ren, SDL_BLENDMODE_BLEND);
    hl_err_t e2;
    if (hl_display_sync_size(d, &e2) != HL_OK) {
        int rc = hl_err_set(err, e2.code, "%s", e2.msg);
        hl_display_close(d);
        return rc;
    }
    if (d->backend == HL_BACKEND_KMS) {
        const char *dir = getenv("HAILONG_INPUT_DIR"); /* tests: another folder */
        if (hl_evdev_open(&d->evdev, dir && *dir ? dir : NULL, d->out_w, d->out_h) != 0) {
            hl_display_close(d);
            return hl_err_set(err, HL_ERR_IO, "cannot make the input wake-up pipe: %s",
                              strerror(errno));
        }
        d->evdev_on = true;
    }
    *out = d;
    return HL_OK;
}

void hl_display_close(hl_display_t *d)
{
    if (!d) return;
    if (d->evdev_on) hl_evdev_close(&d->evdev);
    if (d->target) SDL_DestroyTexture(d->target);
    if (d->ren) SDL_DestroyRenderer(d->ren);
    if (d->win) SDL_DestroyWindow(d->win);
    hl_display_restore_signals(d);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    if (SDL_WasInit(SDL_INIT_EVERYTHING) == 0) SDL_Quit();
    free(d);
}

hl_backend_t hl_display_backend(const hl_display_t *d)
{
    return d->backend;
}

struct SDL_Renderer *hl_display_renderer(hl_display_t *d)
{
    return d->ren;
}

void hl_display_size(const hl_display_t *d, int *w, int *h)
{
    *w = d->log_w;
    *h = d->log_h;
}

/* ---- Panel power ---------------------------------------------------------- */

/* kms without a backlight: DPMS through the DRM device SDL opened. */
static int hl_display_dpms(hl_display_t *d, bool on, hl_err_t *err)
{
#if defined(SDL_VIDEO_DRIVER_KMSDRM)
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!SDL_GetWindowWMInfo(d->win, &info) || info.subsystem != SDL_SYSWM_KMSDRM ||
        info.info.kmsdrm.drm_fd < 0)
        return hl_err_set(err, HL_ERR_STATE,
                          "cannot turn the panel %s: SDL gives no DRM device for DPMS (%s)",
                          on ? "on" : "off", SDL_GetError());
    return hl_dpms_set(info.info.kmsdrm.drm_fd, on, err);
#else
    (void)d;
    return hl_err_set(err, HL_ERR_STATE,
                      "cannot turn the panel %s: this SDL was built without the kmsdrm driver",
                      on ? "on" : "off");
#endif
}

int hl_display_panel(hl_display_t *d, bool on, hl_err_t *err)
{
    int rc = HL_OK;
    if (d->backend == HL_BACKEND_HEADLESS && d->panel_fail > 0) {
        d->panel_fail--;
        return hl_err_set(err, HL_ERR_IO, "headless panel: turning it %s refused (test)",
                          on ? "on" : "off");
    }
    if (d->backend == HL_BACKEND_KMS) {
        if (d->backlight.dir[0]) {
            rc = hl_backlight_set(&d->backlight, on, err);
        } else if (on == d->dpms_off) { /* only a change: on at open is SDL's own mode set */
            rc = hl_display_dpms(d, on, err);
            if (!on && rc == HL_OK) d->dpms_off = true;
        }
        /* Presenting resumes on any "on", even a failed one: a frozen
         * screen would be worse than a flip the kernel refuses. */
        if (on) d->dpms_off = false;
    }
    d->panel_on = on;
    return rc;
}

bool hl_display_panel_on(const hl_display_t *d)
{
    return d->panel_on;
}

void hl_display_fail_panel(hl_display_t *d, int n)
{
    if (d->backend == HL_BACKEND_HEADLESS) d->panel_fail = n;
}

/* ---- Present, resize, screenshots -------------------------------------- */

/* Shows the frame, or with DPMS off only finishes the drawing (a page
 * flip on a CRTC that is off fails, and SDL would log each one). */
static void hl_display_flip(hl_display_t *d)
{
    if (d->dpms_off)
        SDL_RenderFlush(d->ren);
    else
        SDL_RenderPresent(d->ren);
}

int hl_display_present(hl_display_t *d, hl_err_t *err)
{
    if (d->target) {
        SDL_SetRenderTarget(d->ren, NULL);
        SDL_SetRenderDrawColor(d->ren, 0, 0, 0, 255);
        SDL_RenderClear(d->ren);
        /* SDL rotates about the destination's centre: a logical-sized
         * rectangle centred on the output lands exactly on it. */
        SDL_Rect dst = {(d->out_w - d->log_w) / 2, (d->out_h - d->log_h) / 2, d->log_w, d->log_h};
        int rc = SDL_RenderCopyEx(d->ren, d->target, NULL, &dst, (double)d->rotation, NULL,
                                  SDL_FLIP_NONE);
        hl_display_flip(d);
        SDL_SetRenderTarget(d->ren, d->target);
        if (rc != 0) {
            return hl_err_set(err, HL_ERR_IO, "cannot copy the rotated screen: %s (try rotation 0)",
                              SDL_GetError());
        }
        return HL_OK;
    }
    hl_display_flip(d);
    return HL_OK;
}

int hl_display_resize(hl_display_t *d, int w, int h, hl_err_t *err)
{
    if (d->backend != HL_BACKEND_HEADLESS) {
        return hl_err_set(err, HL_ERR_STATE, "only the headless display can be resized (%s)",
                          hl_backend_name(d->backend));
    }
    if (w <= 0 || h <= 0 || w > HL_DISPLAY_MAX_SIDE || h > HL_DISPLAY_MAX_SIDE) {
        return hl_err_set(err, HL_ERR_USAGE, "size %dx%d: use 1..%d px a side", w, h,
                          HL_DISPLAY_MAX_SIDE);
    }
    /* Sizes are physical, like opts: with rotation 90 a 800x480 output is a
     * 480x800 logical screen. The dummy driver resizes at once and the
     * software renderer picks up the new window surface. */
    SDL_SetWindowSize(d->win, w, h);
    SDL_PumpEvents();
    SDL_FlushEvent(SDL_WINDOWEVENT);
    int rc = hl_display_sync_size(d, err);
    if (rc != HL_OK) return rc;
    if (d->out_w != w || d->out_h != h) {
        return hl_err_set(err, HL_ERR_INTERNAL, "resize to %dx%d gave %dx%d", w, h, d->out_w,
                          d->out_h);
    }
    return HL_OK;
}

int hl_display_save_png(hl_display_t *d, const char *path, hl_err_t *err)
{
    if (d->backend != HL_BACKEND_HEADLESS) {
        return hl_err_set(err, HL_ERR_STATE, "screenshots need the headless display (%s)",
                          hl_backend_name(d->backend));
    }
    /* The software renderer flushes its queued drawing into the window
     * surface at present: the surface holds the last presented frame. */
    SDL_Surface *s = SDL_GetWindowSurface(d->win);
    if (!s) return hl_err_set(err, HL_ERR_INTERNAL, "no screen surface: %s", SDL_GetError());
    /* Atomically (hl_afile): SDL_image writes the temporary file by name. */
    hl_afile_t af;
    char tmp[PATH_MAX];
    int rc = hl_afile_open(&af, path, 0644, err);
    if (rc != HL_OK) return rc;
    if (!hl_afile_tmp_path(&af, tmp, sizeof tmp)) {
        hl_afile_abort(&af);
        return hl_err_set(err, HL_ERR_USAGE, "screenshot path is too long: %.100s...", path);
    }
    if (IMG_SavePNG(s, tmp) != 0) {
        rc = hl_err_set(err, HL_ERR_IO, "cannot write %s: %s (is the folder writable?)", tmp,
                        IMG_GetError());
        hl_afile_abort(&af);
        return rc;
    }
    rc = hl_afile_reopen(&af, err);
    if (rc != HL_OK) {
        hl_afile_abort(&af);
        return rc;
    }
    return hl_afile_commit(&af, err);
}

/* ---- Input --------------------------------------------------------------- */

void hl_display_request_quit(hl_display_t *d)
{
    if (d->quit_event == (Uint32)-1) return;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = d->quit_event;
    SDL_PushEvent(&e); /* thread-safe: SDL's queue has its own lock */
    if (d->evdev_on) hl_evdev_wake(&d->evdev);
}

void hl_display_post_wake(hl_display_t *d)
{
    if (d->quit_event == (Uint32)-1) return;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = d->quit_event;
    e.user.code = 1; /* a wake-up, not a quit */
    SDL_PushEvent(&e);
    if (d->evdev_on) hl_evdev_wake(&d->evdev);
}

static void hl_display_set(hl_display_t *d, hl_input_t *ev, hl_input_kind_t kind, int px, int py,
                           Uint32 ts)
{
    ev->kind = kind;
    hl_display_map_point(d->rotation, d->out_w, d->out_h, px, py, &ev->x, &ev->y);
    ev->timestamp = ts;
}

static bool hl_display_key(hl_display_t *d, const SDL_KeyboardEvent *k, hl_input_t *ev)
{
    if (k->repeat) return false;
    SDL_Keymod mod = (SDL_Keymod)k->keysym.mod;
    bool desktop = !d->locked && d->backend == HL_BACKEND_DESKTOP;
    if (!desktop || (k->keysym.sym != SDLK_F11 &&
                     !(k->keysym.sym == SDLK_q && (mod & KMOD_CTRL) && (mod & KMOD_ALT)))) {
        /* A tactile key, on every backend (the kiosk lock keeps the
         * program's own shortcuts, not the citizen's keys, out). */
        ev->kind = HL_INPUT_KEY;
        ev->x = ev->y = 0;
        ev->timestamp = k->timestamp;
        snprintf(ev->key, sizeof ev->key, "%s", SDL_GetKeyName(k->keysym.sym));
        return ev->key[0] != '\0';
    }
    if (k->keysym.sym == SDLK_F11) {
        d->fullscreen = !d->fullscreen;
        SDL_SetWindowFullscreen(d->win, d->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        return false; /* the size change arrives as its own event */
    }
    if (k->keysym.sym == SDLK_q && (mod & KMOD_CTRL) && (mod & KMOD_ALT)) {
        ev->kind = HL_INPUT_QUIT;
        ev->x = ev->y = 0;
        ev->timestamp = k->timestamp;
        return true;
    }
    return false;
}

/* Turns one SDL event into an hl_input_t; false for events we do not use. */
static bool hl_display_translate(hl_display_t *d, const SDL_Event *e, hl_input_t *ev)
{
    if (e->type == d->quit_event && d->quit_event != (Uint32)-1 && e->user.code == 1) {
        ev->kind = HL_INPUT_EXPOSE; /* another thread has news: look and redraw */
        ev->x = ev->y = 0;
        ev->timestamp = e->common.timestamp;
        return true;
    }
    if (e->type == d->quit_event && d->quit_event != (Uint32)-1) {
        ev->kind = HL_INPUT_QUIT; /* the program asked: not a citizen's key */
        ev->x = ev->y = 0;
        ev->timestamp = e->common.timestamp;
        return true;
    }
    if (d->evdev_on && hl_evdev_has_abs(&d->evdev) &&
        (e->type == SDL_MOUSEBUTTONDOWN || e->type == SDL_MOUSEBUTTONUP ||
         e->type == SDL_MOUSEMOTION))
        return false; /* SDL's clamped raw values: hl_evdev reads these pointers itself */
    switch (e->type) {
    case SDL_QUIT:
        if (d->locked) return false; /* kiosk lock: Alt+F4 and friends end here */
        ev->kind = HL_INPUT_QUIT;
        ev->x = ev->y = 0;
        ev->timestamp = e->quit.timestamp;
        return true;
    case SDL_KEYDOWN:
        return hl_display_key(d, &e->key, ev);
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT) {
            return false;
        }
        if (d->finger_down || d->mouse_down) return false;
        d->mouse_down = true;
        hl_display_set(d, ev, HL_INPUT_DOWN, e->button.x, e->button.y, e->button.timestamp);
        return true;
    case SDL_MOUSEBUTTONUP:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT ||
            !d->mouse_down) {
            return false;
        }
        d->mouse_down = false;
        hl_display_set(d, ev, HL_INPUT_UP, e->button.x, e->button.y, e->button.timestamp);
        return true;
    case SDL_MOUSEMOTION:
        if (e->motion.which == SDL_TOUCH_MOUSEID || !d->mouse_down) return false;
        hl_display_set(d, ev, HL_INPUT_MOVE, e->motion.x, e->motion.y, e->motion.timestamp);
        return true;
    case SDL_FINGERDOWN:
    case SDL_FINGERUP:
    case SDL_FINGERMOTION: {
        const SDL_TouchFingerEvent *t = &e->tfinger;
        int px = (int)(t->x * (float)d->out_w), py = (int)(t->y * (float)d->out_h);
        if (e->type == SDL_FINGERDOWN) {
            if (d->finger_down || d->mouse_down) return false; /* one finger at a time */
            d->finger_down = true;
            d->finger = t->fingerId;
            hl_display_set(d, ev, HL_INPUT_DOWN, px, py, t->timestamp);
            return true;
        }
        if (!d->finger_down || t->fingerId != d->finger) return false;
        if (e->type == SDL_FINGERUP) d->finger_down = false;
        hl_display_set(d, ev, e->type == SDL_FINGERUP ? HL_INPUT_UP : HL_INPUT_MOVE, px, py,
                       t->timestamp);
        return true;
    }
    case SDL_WINDOWEVENT:
        switch (e->window.event) {
        case SDL_WINDOWEVENT_SIZE_CHANGED:
        case SDL_WINDOWEVENT_RESIZED: {
            hl_err_t ignored;
            hl_display_sync_size(d, &ignored); /* on failure the old size stays */
        }
            /* fall through */
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_SHOWN:
        case SDL_WINDOWEVENT_RESTORED:
            ev->kind = HL_INPUT_EXPOSE;
            ev->x = ev->y = 0;
            ev->timestamp = e->window.timestamp;
            return true;
        default:
            return false;
        }
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
        ev->kind = HL_INPUT_EXPOSE;
        ev->x = ev->y = 0;
        ev->timestamp = e->common.timestamp;
        return true;
    default:
        return false;
    }
}

/* SIGTERM (or SIGINT outside kms) came: *ev is HL_INPUT_QUIT. */
static bool hl_display_signalled(hl_input_t *ev)
{
    if (!hl_display_stop_signal) return false;
    ev->kind = HL_INPUT_QUIT;
    ev->x = ev->y = 0;
    ev->timestamp = SDL_GetTicks();
    return true;
}

/* An absolute pointer's event (hl_evdev), as the mouse's would be. */
static bool hl_display_evdev_input(hl_display_t *d, const hl_evdev_event_t *pe, hl_input_t *ev)
{
    Uint32 ts = SDL_GetTicks();
    switch (pe->kind) {
    case HL_EVDEV_DOWN:
        if (d->finger_down || d->mouse_down) return false;
        d->mouse_down = true;
        hl_display_set(d, ev, HL_INPUT_DOWN, pe->x, pe->y, ts);
        return true;
    case HL_EVDEV_UP:
        if (!d->mouse_down) return false;
        d->mouse_down = false;
        hl_display_set(d, ev, HL_INPUT_UP, pe->x, pe->y, ts);
        return true;
    case HL_EVDEV_MOVE:
        if (!d->mouse_down) return false;
        hl_display_set(d, ev, HL_INPUT_MOVE, pe->x, pe->y, ts);
        return true;
    }
    return false;
}

/* kms: sleeps in poll(2) on the input devices, /dev/input and the wake
 * pipe (hl_evdev.h) until input, news or the timeout; wakes at least every
 * HL_DISPLAY_SIGNAL_MS for the signal flag. No polling of SDL otherwise. */
static bool hl_display_wait_kms(hl_display_t *d, int timeout_ms, hl_input_t *ev)
{
    Uint64 start = SDL_GetTicks64();
    for (;;) {
        if (hl_display_signalled(ev)) return true;
        hl_evdev_event_t pe;
        while (hl_evdev_next(&d->evdev, &pe))
            if (hl_display_evdev_input(d, &pe, ev)) return true;
        SDL_Event e;
        bool got_any = false;
        while (SDL_PollEvent(&e)) {
            got_any = true;
            if (hl_display_translate(d, &e, ev)) return true;
        }
        int slice = HL_DISPLAY_SIGNAL_MS;
        if (timeout_ms >= 0) {
            Uint64 spent = SDL_GetTicks64() - start;
            if (spent >= (Uint64)timeout_ms) return false;
            if (timeout_ms - (int)spent < slice) slice = timeout_ms - (int)spent;
        }
        if (got_any) continue; /* SDL may have queued more while we translated */
        struct pollfd p[HL_EVDEV_POLLFDS];
        int n = hl_evdev_pollfds(&d->evdev, p);
        if (poll(p, (nfds_t)n, slice) > 0) hl_evdev_drain(&d->evdev);
    }
}

bool hl_display_wait(hl_display_t *d, int timeout_ms, hl_input_t *ev)
{
    if (d->evdev_on) return hl_display_wait_kms(d, timeout_ms, ev);
    Uint64 start = SDL_GetTicks64();
    /* Only the desktop drivers can block in the kernel until an event. */
    bool can_block = d->backend == HL_BACKEND_DESKTOP;
    int poll_ms = HL_DISPLAY_SIGNAL_MS; /* headless (kms waits in hl_display_wait_kms) */
    for (;;) {
        if (hl_display_signalled(ev)) return true;
        int slice = HL_DISPLAY_SIGNAL_MS;
        if (timeout_ms >= 0) {
            Uint64 spent = SDL_GetTicks64() - start;
            int left = spent >= (Uint64)timeout_ms ? 0 : timeout_ms - (int)spent;
            if (left < slice) slice = left;
        }
        SDL_Event e;
        int got;
        if (can_block && slice > 0) {
            got = SDL_WaitEventTimeout(&e, slice);
        } else {
            got = SDL_PollEvent(&e);
            if (!got && slice > 0) SDL_Delay((Uint32)(slice < poll_ms ? slice : poll_ms));
        }
        if (got && hl_display_translate(d, &e, ev)) return true;
        /* Untranslated events (a mouse hovering) do not extend the wait. */
        if (timeout_ms >= 0 && SDL_GetTicks64() - start >= (Uint64)timeout_ms) return false;
    }
}
