/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_evdev.h: the kms backend's own look at the kernel's input devices
 * (/dev/input/event*), for two things SDL 2.26's evdev code does not do:
 *
 *   - absolute pointers: a device with absolute X/Y axes and a left button
 *     but no touch (QEMU's usb-tablet, USB touch monitors that present
 *     themselves as a mouse) reports positions in its own range (0..32767);
 *     SDL takes the raw value as a pixel and clamps it, so every tap lands
 *     in a corner. These devices are read here and their positions scaled
 *     by the axis range the kernel gives (EVIOCGABS) onto the output;
 *   - waiting: SDL's kmsdrm driver cannot block until input, so the kiosk
 *     would poll. Every input device is opened here too (each open file has
 *     its own event queue), so that poll(2) on them, on /dev/input itself
 *     (inotify: a device plugged in later) and on a wake pipe (another
 *     thread's news) sleeps until something happens. Events of devices SDL
 *     handles well are read here only to empty this queue; SDL reads its
 *     own copy.
 * Linux only; nothing here allocates after open.
 */
#ifndef HL_EVDEV_H
#define HL_EVDEV_H

#include <poll.h>
#include <stdbool.h>

#define HL_EVDEV_MAX     16 /* input devices followed at once */
#define HL_EVDEV_QUEUE   32 /* pointer events held between two reads */
#define HL_EVDEV_POLLFDS (HL_EVDEV_MAX + 2)

typedef struct hl_evdev_dev {
    int fd;              /* open, O_NONBLOCK; -1 = free slot */
    int num;             /* N of /dev/input/eventN */
    bool abs_ptr;        /* an absolute pointer read here (else only drained) */
    int min_x, max_x;    /* ABS_X range */
    int min_y, max_y;    /* ABS_Y range */
    int x, y;            /* last raw position */
    bool down, was_down; /* left button (or touch) now / at the last report */
    bool moved;          /* position changed since the last report */
} hl_evdev_dev_t;

typedef enum hl_evdev_kind { HL_EVDEV_DOWN = 1, HL_EVDEV_UP, HL_EVDEV_MOVE } hl_evdev_kind_t;

typedef struct hl_evdev_event {
    hl_evdev_kind_t kind;
    int x, y; /* output px */
} hl_evdev_event_t;

typedef struct hl_evdev {
    char dir[64];                           /* /dev/input */
    hl_evdev_dev_t devs[HL_EVDEV_MAX];      /* followed devices */
    int inotify_fd;                         /* watches dir for new devices; -1 = none */
    int wake[2];                            /* pipe: a byte wakes the wait */
    int out_w, out_h;                       /* output size pointers are scaled to */
    hl_evdev_event_t queue[HL_EVDEV_QUEUE]; /* pointer events not yet taken */
    int q_head, q_len;
    int n_abs; /* absolute pointers followed */
} hl_evdev_t;

/* Opens every event device in dir (NULL: /dev/input) and the wake pipe.
 * Devices that cannot be opened are skipped (the kiosk's user lacks group
 * input: SDL then has none either). Returns 0, or -1 when not even the
 * wake pipe could be made. */
int hl_evdev_open(hl_evdev_t *e, const char *dir, int out_w, int out_h);
void hl_evdev_close(hl_evdev_t *e);

/* Fills p (room for HL_EVDEV_POLLFDS) with what to wait on; returns how many. */
int hl_evdev_pollfds(const hl_evdev_t *e, struct pollfd *p);

/* After poll: reads everything readable (new devices, the wake pipe, input),
 * queuing absolute pointers' events. Returns true when the pipe was written
 * (someone asked for a wake-up). */
bool hl_evdev_drain(hl_evdev_t *e);

/* Takes the next queued pointer event; false when none. */
bool hl_evdev_next(hl_evdev_t *e, hl_evdev_event_t *out);

/* From any thread (or a signal handler): wakes a wait. */
void hl_evdev_wake(hl_evdev_t *e);

/* Whether any absolute pointer is read here (SDL's mouse events are then
 * ignored: they carry the clamped raw values). */
bool hl_evdev_has_abs(const hl_evdev_t *e);

/* Scales a raw axis value v in [min, max] onto [0, size): pure, tested. */
int hl_evdev_scale(int v, int min, int max, int size);

#endif
