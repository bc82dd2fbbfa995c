/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_display.h: the screen and the finger, behind one small interface with
 * three backends chosen at start (flag, or auto-detected):
 *   kms       Raspberry Pi without X/Wayland: SDL's KMSDRM driver, fullscreen at
 *             the panel's native mode, cursor hidden, rotation 0/90/180/270;
 *   desktop   a window (default 1280x800), the mouse acting as a finger,
 *             F11 toggles fullscreen, Ctrl+Alt+Q quits;
 *   headless  SDL's dummy video driver and a software renderer drawing into
 *             a surface: what the tests and screenshots use.
 * Input arrives as hl_input_t in logical (rotated) screen coordinates. In
 * kms mode no key or gesture leaves the program (Alt+F4, Escape, Ctrl+C,
 * SDL_QUIT are ignored); SIGTERM always stops it cleanly.
 *
 * The screen never blanks by itself while the program runs (SDL's screen
 * saver is off); the panel goes off only when the program says so
 * (hl_display_panel: outside opening hours).
 */
#ifndef HL_DISPLAY_H
#define HL_DISPLAY_H

#include "hl_err.h"

#include <stdbool.h>

struct SDL_Renderer;

typedef enum hl_backend {
    HL_BACKEND_AUTO = 0, /* kms when no DISPLAY/WAYLAND_DISPLAY and /dev/dri exists, else desktop */
    HL_BACKEND_KMS,
    HL_BACKEND_DESKTOP,
    HL_BACKEND_HEADLESS
} hl_backend_t;

typedef struct hl_display_opts {
    hl_backend_t backend;
    int w, h;        /* desktop window / headless surface size; kms: ignored (native mode) */
    int rotation;    /* 0, 90, 180, 270 (clockwise); the UI sees the rotated size */
    bool kiosk_lock; /* ignore every key, Ctrl+C and SDL_QUIT; only SIGTERM stops (kms: always) */
} hl_display_opts_t;

typedef enum hl_input_kind {
    HL_INPUT_NONE = 0,
    HL_INPUT_DOWN,   /* finger (or mouse button) down at x, y */
    HL_INPUT_UP,     /* finger up at x, y */
    HL_INPUT_MOVE,   /* finger moved while down */
    HL_INPUT_EXPOSE, /* the screen needs a redraw (resize, expose) */
    HL_INPUT_QUIT,   /* stop: SIGTERM, or the desktop quit combination */
    HL_INPUT_KEY     /* a key pressed (a tactile keypad, a keyboard): `key` is its name */
} hl_input_kind_t;

typedef struct hl_input {
    hl_input_kind_t kind;
    int x, y;           /* logical screen px */
    unsigned timestamp; /* SDL ms timestamp of the event */
    char key[24];       /* HL_INPUT_KEY: SDL's name of the key ("Up", "Keypad 5"), as the
                           config's accessibility.keys names it */
} hl_input_t;

typedef struct hl_display hl_display_t;

/* Parses "kms", "desktop", "headless", "auto". */
bool hl_backend_parse(const char *name, hl_backend_t *out);
const char *hl_backend_name(hl_backend_t b);

/* Opens the screen. HL_ERR_IO with a message when SDL cannot start, or when
 * kms or desktop would show nothing (no display at all: SDL's offscreen or
 * dummy driver), so that no kiosk runs invisibly. */
int hl_display_open(const hl_display_opts_t *opts, hl_display_t **out, hl_err_t *err);
void hl_display_close(hl_display_t *d);

hl_backend_t hl_display_backend(const hl_display_t *d);

/* The renderer to draw the logical screen with (rotation is applied at present). */
struct SDL_Renderer *hl_display_renderer(hl_display_t *d);

/* Logical size (after rotation). */
void hl_display_size(const hl_display_t *d, int *w, int *h);

/* Shows what was drawn. */
int hl_display_present(hl_display_t *d, hl_err_t *err);

/* Turns the panel off or on. kms: the sysfs backlight when the machine has
 * one (<sysfs>/class/backlight/<device>, sysfs being $HAILONG_SYSFS_ROOT or
 * /sys: bl_power, else brightness), else DPMS on the connector through the
 * DRM device SDL opened (libdrm; needs the DRM master); while DPMS has it
 * off, present does not flip (the CRTC is off) and the next present after
 * on does. desktop and headless: the state is only recorded. An error says
 * what failed (the caller then draws black instead); the state asked for is
 * recorded either way. The two ways themselves are in hl_panel.h. */
int hl_display_panel(hl_display_t *d, bool on, hl_err_t *err);

/* The panel state last asked for with hl_display_panel (true at open). */
bool hl_display_panel_on(const hl_display_t *d);

/* Headless only (tests of what the kiosk does when the hardware refuses):
 * the next n calls of hl_display_panel fail with HL_ERR_IO and change
 * nothing, as a backlight or DPMS that refuses would. */
void hl_display_fail_panel(hl_display_t *d, int n);

/* Headless only: a new surface size (the script's `size WxH`, physical like
 * opts w x h). The renderer stays the same, so textures made with it stay
 * valid. */
int hl_display_resize(hl_display_t *d, int w, int h, hl_err_t *err);

/* Headless only: writes the last presented frame as PNG (atomically: a
 * temporary name, then rename), as the panel shows it (after rotation). */
int hl_display_save_png(hl_display_t *d, const char *path, hl_err_t *err);

/* Waits up to timeout_ms (-1: forever) for one input; returns true with *ev
 * filled, false on timeout. Sleeps in SDL_WaitEventTimeout on a desktop; on
 * kms, where SDL 2.26 cannot block (its own wait polls every 1 ms), in
 * poll(2) on the input devices and a wake pipe (hl_evdev.h); headless polls
 * every 100 ms (events are pushed by the caller before waiting and found at
 * once). No busy loop either way.
 * After SIGTERM (or SIGINT outside kms) it returns HL_INPUT_QUIT within
 * 100 ms, and again on every later call. */
bool hl_display_wait(hl_display_t *d, int timeout_ms, hl_input_t *ev);

/* From any thread: makes hl_display_wait return HL_INPUT_EXPOSE (news from a
 * worker: a stick arrived, an export progressed or ended). */
void hl_display_post_wake(hl_display_t *d);

/* Makes hl_display_wait return HL_INPUT_QUIT (in every backend, kms too:
 * this is the program asking, not a key). Safe to call from another thread
 * (a benchmark's timer); the wait notices within 100 ms. */
void hl_display_request_quit(hl_display_t *d);

/* The backend AUTO resolves to: kms when neither DISPLAY nor WAYLAND_DISPLAY
 * is set and /dev/dri/card0 exists, else desktop (headless is never auto). */
hl_backend_t hl_display_auto_backend(void);

/* Maps a point on the output (out_w x out_h physical px, as the panel sees
 * it) to logical screen coordinates for a clockwise rotation of 0, 90, 180
 * or 270 degrees; points outside the output are clamped onto it. */
void hl_display_map_point(int rotation, int out_w, int out_h, int px, int py, int *lx, int *ly);

#endif
