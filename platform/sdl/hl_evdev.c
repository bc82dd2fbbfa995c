/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_evdev.c: absolute pointers read and scaled, and a real sleep until
 * input on kms (see hl_evdev.h). A device is an absolute pointer when it has
 * EV_ABS with ABS_X and ABS_Y, BTN_LEFT, and neither BTN_TOUCH nor
 * multi-touch axes (those are touchscreens: SDL reports them as fingers,
 * already scaled). Its position is kept per device; at each SYN_REPORT a
 * button change becomes DOWN or UP and a position change while down MOVE,
 * all in output pixels.
 */
#include "hl_evdev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define HL_BITS_LONG   (8 * (int)sizeof(long))
#define HL_BIT(arr, n) (((arr)[(n) / HL_BITS_LONG] >> ((n) % HL_BITS_LONG)) & 1UL)

int hl_evdev_scale(int v, int min, int max, int size)
{
    if (size <= 0) return 0;
    if (max <= min) return v < 0 ? 0 : (v >= size ? size - 1 : v);
    if (v < min) v = min;
    if (v > max) v = max;
    long long p = (long long)(v - min) * size / ((long long)max - min + 1);
    return p >= size ? size - 1 : (int)p;
}

static void hl_evdev_add(hl_evdev_t *e, int num)
{
    for (int i = 0; i < HL_EVDEV_MAX; i++)
        if (e->devs[i].fd >= 0 && e->devs[i].num == num) return; /* already followed */
    int slot = -1;
    for (int i = 0; i < HL_EVDEV_MAX && slot < 0; i++)
        if (e->devs[i].fd < 0) slot = i;
    if (slot < 0) return;
    char path[96];
    snprintf(path, sizeof path, "%s/event%d", e->dir, num);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return;
    hl_evdev_dev_t *d = &e->devs[slot];
    memset(d, 0, sizeof *d);
    d->fd = fd;
    d->num = num;
    unsigned long ev[1] = {0}, abs[(ABS_MAX + 1 + HL_BITS_LONG - 1) / HL_BITS_LONG] = {0},
                  key[(KEY_MAX + 1 + HL_BITS_LONG - 1) / HL_BITS_LONG] = {0};
    struct input_absinfo ax, ay;
    if (ioctl(fd, EVIOCGBIT(0, sizeof ev), ev) >= 0 && HL_BIT(ev, EV_ABS) && HL_BIT(ev, EV_KEY) &&
        ioctl(fd, EVIOCGBIT(EV_ABS, sizeof abs), abs) >= 0 &&
        ioctl(fd, EVIOCGBIT(EV_KEY, sizeof key), key) >= 0 && HL_BIT(abs, ABS_X) &&
        HL_BIT(abs, ABS_Y) && HL_BIT(key, BTN_LEFT) && !HL_BIT(key, BTN_TOUCH) &&
        !HL_BIT(abs, ABS_MT_POSITION_X) && ioctl(fd, EVIOCGABS(ABS_X), &ax) >= 0 &&
        ioctl(fd, EVIOCGABS(ABS_Y), &ay) >= 0) {
        d->abs_ptr = true;
        d->min_x = ax.minimum;
        d->max_x = ax.maximum;
        d->min_y = ay.minimum;
        d->max_y = ay.maximum;
        d->x = ax.value;
        d->y = ay.value;
        e->n_abs++;
        fprintf(stderr,
                "hailong: input: %s is an absolute pointer (x %d..%d, y %d..%d): its taps are "
                "scaled onto the %dx%d screen\n",
                path, ax.minimum, ax.maximum, ay.minimum, ay.maximum, e->out_w, e->out_h);
    }
}

static void hl_evdev_scan(hl_evdev_t *e)
{
    DIR *dir = opendir(e->dir);
    if (!dir) return;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        int num = 0;
        char tail = 0;
        if (sscanf(de->d_name, "event%d%c", &num, &tail) == 1 && num >= 0) hl_evdev_add(e, num);
    }
    closedir(dir);
}

int hl_evdev_open(hl_evdev_t *e, const char *dir, int out_w, int out_h)
{
    memset(e, 0, sizeof *e);
    for (int i = 0; i < HL_EVDEV_MAX; i++)
        e->devs[i].fd = -1;
    e->wake[0] = e->wake[1] = -1;
    snprintf(e->dir, sizeof e->dir, "%s", dir ? dir : "/dev/input");
    e->out_w = out_w;
    e->out_h = out_h;
    if (pipe(e->wake) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(e->wake[i], F_SETFL, O_NONBLOCK);
        fcntl(e->wake[i], F_SETFD, FD_CLOEXEC);
    }
    e->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (e->inotify_fd >= 0 && inotify_add_watch(e->inotify_fd, e->dir, IN_CREATE | IN_ATTRIB) < 0) {
        close(e->inotify_fd);
        e->inotify_fd = -1;
    }
    hl_evdev_scan(e);
    return 0;
}

void hl_evdev_close(hl_evdev_t *e)
{
    for (int i = 0; i < HL_EVDEV_MAX; i++)
        if (e->devs[i].fd >= 0) close(e->devs[i].fd);
    if (e->inotify_fd >= 0) close(e->inotify_fd);
    if (e->wake[0] >= 0) close(e->wake[0]);
    if (e->wake[1] >= 0) close(e->wake[1]);
    memset(e, 0, sizeof *e);
    e->inotify_fd = e->wake[0] = e->wake[1] = -1;
}

int hl_evdev_pollfds(const hl_evdev_t *e, struct pollfd *p)
{
    int n = 0;
    p[n++] = (struct pollfd){e->wake[0], POLLIN, 0};
    if (e->inotify_fd >= 0) p[n++] = (struct pollfd){e->inotify_fd, POLLIN, 0};
    for (int i = 0; i < HL_EVDEV_MAX; i++)
        if (e->devs[i].fd >= 0) p[n++] = (struct pollfd){e->devs[i].fd, POLLIN, 0};
    return n;
}

static void hl_evdev_push(hl_evdev_t *e, hl_evdev_kind_t kind, const hl_evdev_dev_t *d)
{
    if (e->q_len == HL_EVDEV_QUEUE) {
        if (kind == HL_EVDEV_MOVE) return; /* a full queue drops moves, never a press */
        e->q_head = (e->q_head + 1) % HL_EVDEV_QUEUE;
        e->q_len--;
    }
    hl_evdev_event_t *q = &e->queue[(e->q_head + e->q_len) % HL_EVDEV_QUEUE];
    q->kind = kind;
    q->x = hl_evdev_scale(d->x, d->min_x, d->max_x, e->out_w);
    q->y = hl_evdev_scale(d->y, d->min_y, d->max_y, e->out_h);
    e->q_len++;
}

static void hl_evdev_read(hl_evdev_t *e, hl_evdev_dev_t *d)
{
    struct input_event ev[32];
    for (;;) {
        ssize_t n = read(d->fd, ev, sizeof ev);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                /* Unplugged (ENODEV): forget it; a button held is released. */
                if (d->abs_ptr && d->down) {
                    d->down = false;
                    hl_evdev_push(e, HL_EVDEV_UP, d);
                }
                if (d->abs_ptr) e->n_abs--;
                close(d->fd);
                d->fd = -1;
            }
            return;
        }
        if (!d->abs_ptr) continue; /* SDL reads its own copy */
        for (size_t i = 0; i < (size_t)n / sizeof ev[0]; i++) {
            const struct input_event *x = &ev[i];
            if (x->type == EV_ABS && x->code == ABS_X) {
                d->x = x->value;
                d->moved = true;
            } else if (x->type == EV_ABS && x->code == ABS_Y) {
                d->y = x->value;
                d->moved = true;
            } else if (x->type == EV_KEY && x->code == BTN_LEFT) {
                d->down = x->value != 0;
            } else if (x->type == EV_SYN && x->code == SYN_REPORT) {
                if (d->down && !d->was_down)
                    hl_evdev_push(e, HL_EVDEV_DOWN, d);
                else if (!d->down && d->was_down)
                    hl_evdev_push(e, HL_EVDEV_UP, d);
                else if (d->down && d->moved)
                    hl_evdev_push(e, HL_EVDEV_MOVE, d);
                d->was_down = d->down;
                d->moved = false;
            }
        }
    }
}

bool hl_evdev_drain(hl_evdev_t *e)
{
    bool woken = false;
    char buf[64];
    while (read(e->wake[0], buf, sizeof buf) > 0)
        woken = true;
    if (e->inotify_fd >= 0) {
        char ib[1024] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool news = false;
        while (read(e->inotify_fd, ib, sizeof ib) > 0)
            news = true;
        if (news) hl_evdev_scan(e);
    }
    for (int i = 0; i < HL_EVDEV_MAX; i++)
        if (e->devs[i].fd >= 0) hl_evdev_read(e, &e->devs[i]);
    return woken;
}

bool hl_evdev_next(hl_evdev_t *e, hl_evdev_event_t *out)
{
    if (e->q_len == 0) return false;
    *out = e->queue[e->q_head];
    e->q_head = (e->q_head + 1) % HL_EVDEV_QUEUE;
    e->q_len--;
    return true;
}

void hl_evdev_wake(hl_evdev_t *e)
{
    if (e->wake[1] >= 0) {
        char b = 1;
        ssize_t n = write(e->wake[1], &b, 1); /* a full pipe already wakes */
        (void)n;
    }
}

bool hl_evdev_has_abs(const hl_evdev_t *e)
{
    return e->n_abs > 0;
}
