/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_notify.h: telling the service manager how the kiosk is doing, with the
 * sd_notify protocol: READY=1 once the first frame is on the screen,
 * WATCHDOG=1 from the event loop while it turns, STOPPING=1 on the way out.
 *
 * systemd passes NOTIFY_SOCKET (a datagram socket: a path, or "@name" in the
 * abstract namespace) and, with WatchdogSec=, WATCHDOG_USEC (and
 * WATCHDOG_PID). Without NOTIFY_SOCKET every call here does nothing, so the
 * kiosk runs the same by hand. The protocol is a few lines of socket code,
 * written here instead of linking libsystemd. The watchdog keeps its own
 * monotonic clock: a scripted run's fake clock must not feed it.
 */
#ifndef HL_NOTIFY_H
#define HL_NOTIFY_H

#include "hl_err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct hl_notify {
    int fd;                  /* datagram socket to the manager, -1: not under a manager */
    struct sockaddr_un addr; /* NOTIFY_SOCKET */
    socklen_t addr_len;      /* its length (abstract names are not NUL-terminated) */
    int64_t watchdog_ms;     /* WATCHDOG_USEC in ms, 0: no watchdog */
    int64_t next_ping_ms;    /* CLOCK_MONOTONIC ms when WATCHDOG=1 is due next */
    bool ready;              /* READY=1 was sent */
} hl_notify_t;

/* Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
 * Not under a manager: HL_OK with n->fd = -1. A watchdog meant for another
 * process (WATCHDOG_PID) is ignored. A malformed NOTIFY_SOCKET or a socket
 * that cannot be made: HL_ERR_USAGE / HL_ERR_IO naming it, n off. A
 * malformed WATCHDOG_USEC / WATCHDOG_PID: HL_ERR_USAGE naming it, but n is
 * on without a watchdog (READY=1 still goes). A zeroed hl_notify_t is off. */
int hl_notify_open(hl_notify_t *n, hl_err_t *err);
void hl_notify_close(hl_notify_t *n);

/* Sends one message ("READY=1", "STATUS=...\nREADY=1"); HL_OK when off. */
int hl_notify_send(hl_notify_t *n, const char *msg, hl_err_t *err);

/* READY=1 with a status line, once (later calls do nothing). */
int hl_notify_ready(hl_notify_t *n, const char *status, hl_err_t *err);

/* Sends WATCHDOG=1 when it is due (every half watchdog interval). */
int hl_notify_watchdog(hl_notify_t *n, hl_err_t *err);

/* Milliseconds until WATCHDOG=1 is due (0: now), -1 without a watchdog:
 * the event loop sleeps no longer than this. */
int64_t hl_notify_watchdog_due(const hl_notify_t *n);

#endif
