/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_notify_posix.c: the sd_notify protocol (hl_notify.h) over an AF_UNIX
 * datagram socket.
 *
 * Each message is one datagram of "KEY=VALUE" lines sent to NOTIFY_SOCKET.
 * The socket is made once at start (the notifying process must stay the
 * same: NotifyAccess=main) and kept; a send that fails is reported, never
 * retried in a loop: systemd restarts a kiosk whose watchdog stops anyway.
 */
#include "hl_notify.h"
#include "hl_platform.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The platform's real monotonic clock (a scripted run's fake one must not
 * feed the watchdog). */
static int64_t notify_mono_ms(void)
{
    hl_sys_t real = hl_platform_sys();
    return real.mono_ms(real.ctx);
}

/* Parses a decimal without sign or junk into *out. */
static bool parse_u64(const char *s, unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

int hl_notify_open(hl_notify_t *n, hl_err_t *err)
{
    memset(n, 0, sizeof *n);
    n->fd = -1;
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) return HL_OK;
    size_t len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len < 2 || len >= sizeof n->addr.sun_path)
        return hl_err_set(err, HL_ERR_USAGE,
                          "NOTIFY_SOCKET \"%s\" is neither an absolute path nor an @abstract name "
                          "that fits a socket address: the service manager is not told anything",
                          path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return hl_err_set(err, HL_ERR_IO, "cannot make a socket for NOTIFY_SOCKET: %s",
                          strerror(errno));
    n->fd = fd;
    n->addr.sun_family = AF_UNIX;
    memcpy(n->addr.sun_path, path, len);
    if (path[0] == '@') n->addr.sun_path[0] = '\0'; /* abstract: no terminating NUL */
    n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    /* A bad watchdog setting is reported, but READY=1 still goes: without it
     * the manager would time the start out, again and again. */
    unsigned long long usec = 0, pid = 0;
    const char *wd = getenv("WATCHDOG_USEC");
    const char *wpid = getenv("WATCHDOG_PID");
    if (wd && *wd && (!parse_u64(wd, &usec) || usec == 0 || usec > 86400ULL * 1000000))
        return hl_err_set(err, HL_ERR_USAGE,
                          "WATCHDOG_USEC \"%s\" is not a number of microseconds from 1 to a day: "
                          "running without the watchdog",
                          wd);
    if (wpid && *wpid && !parse_u64(wpid, &pid))
        return hl_err_set(err, HL_ERR_USAGE,
                          "WATCHDOG_PID \"%s\" is not a process id: running without the watchdog",
                          wpid);
    /* A watchdog for another process (a child of ours, say) is not ours to feed. */
    if (usec && (!pid || pid == (unsigned long long)getpid())) {
        n->watchdog_ms = (int64_t)(usec / 1000);
        if (n->watchdog_ms < 2) n->watchdog_ms = 2;
        n->next_ping_ms = notify_mono_ms();
    }
    return HL_OK;
}

/* On: a socket was made for a NOTIFY_SOCKET. A zeroed hl_notify_t (a kiosk
 * struct cleared but never opened) is off too: its fd 0 is not ours. */
static bool notify_on(const hl_notify_t *n)
{
    return n->addr_len > 0 && n->fd >= 0;
}

void hl_notify_close(hl_notify_t *n)
{
    if (notify_on(n)) close(n->fd);
    n->fd = -1;
    n->addr_len = 0;
    n->watchdog_ms = 0;
}

int hl_notify_send(hl_notify_t *n, const char *msg, hl_err_t *err)
{
    if (!notify_on(n)) return HL_OK;
    /* Never blocks the event loop: a manager that does not read is reported. */
    ssize_t w = sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
                       (const struct sockaddr *)&n->addr, n->addr_len);
    if (w < 0)
        return hl_err_set(err, HL_ERR_IO, "cannot notify the service manager (%.40s): %s", msg,
                          strerror(errno));
    return HL_OK;
}

int hl_notify_ready(hl_notify_t *n, const char *status, hl_err_t *err)
{
    if (n->ready || !notify_on(n)) return HL_OK;
    char msg[512];
    snprintf(msg, sizeof msg, "READY=1\nSTATUS=%.400s", status ? status : "");
    n->ready = true; /* once, even when the send failed: it was reported */
    int rc = hl_notify_send(n, msg, err);
    if (rc == HL_OK && n->watchdog_ms) rc = hl_notify_watchdog(n, err);
    return rc;
}

int hl_notify_watchdog(hl_notify_t *n, hl_err_t *err)
{
    if (!notify_on(n) || !n->watchdog_ms) return HL_OK;
    int64_t now = notify_mono_ms();
    if (now < n->next_ping_ms) return HL_OK;
    n->next_ping_ms = now + n->watchdog_ms / 2;
    return hl_notify_send(n, "WATCHDOG=1", err);
}

int64_t hl_notify_watchdog_due(const hl_notify_t *n)
{
    if (!notify_on(n) || !n->watchdog_ms) return -1;
    int64_t left = n->next_ping_ms - notify_mono_ms();
    return left < 0 ? 0 : left;
}
