/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_faultio.c: an LD_PRELOAD shim that makes writes to one place fail, for
 * tests/test_export_faults.c (not part of hailong_testsupport: a shared
 * library of its own, built without sanitizers).
 *
 * It wraps write, pwrite, pwrite64, writev, fsync and fdatasync, and the
 * stdio calls libxlsxwriter makes through the PLT (fwrite, fputs, fputc;
 * glibc's own stdio flushes call its internal write and are not seen: their
 * bytes are counted when fwrite/fputs/fputc take them). Only descriptors
 * whose path (readlink /proc/self/fd/N) starts with $HL_FAULT_PREFIX count.
 *
 *   HL_FAULT_AT_BYTE=N  bytes before the fault: the write that crosses N
 *                       writes what is left before N (stdio: nothing) and
 *                       every later write or sync there fails
 *   HL_FAULT_SYNC_AT=N  the Nth sync there (1-based) and every later write
 *                       or sync fail, whatever the bytes
 *   HL_FAULT_ERRNO=EIO|ENOSPC  the error (default EIO)
 *   HL_FAULT_REPORT=PATH  at exit, "BYTES SYNCS\n" seen there is written to PATH
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Shim state (a preloaded library has no context to pass). */
static long long fault_total; /* bytes written under the prefix */
static long long fault_syncs; /* syncs under the prefix */
static int fault_tripped;     /* 1 once the fault happened: everything later fails */

static long long env_ll(const char *name, long long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoll(v, NULL, 10) : dflt;
}

static int fault_errno(void)
{
    const char *v = getenv("HL_FAULT_ERRNO");
    return v && !strcmp(v, "ENOSPC") ? ENOSPC : EIO;
}

/* 1 when fd's path starts with the prefix. */
static int watched(int fd)
{
    const char *prefix = getenv("HL_FAULT_PREFIX");
    if (!prefix || !*prefix || fd < 0) return 0;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    return strncmp(path, prefix, strlen(prefix)) == 0;
}

/* How many of n bytes may go through: n, fewer (the fault is inside), or -1
 * (fail now, errno set). */
static ssize_t allow(int fd, size_t n)
{
    if (!watched(fd)) return (ssize_t)n;
    if (fault_tripped) {
        errno = fault_errno();
        return -1;
    }
    long long at = env_ll("HL_FAULT_AT_BYTE", LLONG_MAX);
    if (fault_total + (long long)n <= at) {
        fault_total += (long long)n;
        return (ssize_t)n;
    }
    fault_tripped = 1;
    long long left = at - fault_total;
    if (left <= 0) {
        errno = fault_errno();
        return -1;
    }
    fault_total += left;
    return (ssize_t)left;
}

static int sync_allowed(int fd)
{
    if (!watched(fd)) return 1;
    fault_syncs++;
    if (!fault_tripped && fault_syncs >= env_ll("HL_FAULT_SYNC_AT", LLONG_MAX)) fault_tripped = 1;
    if (fault_tripped) {
        errno = fault_errno();
        return 0;
    }
    return 1;
}

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t (*real)(int, const void *, size_t) =
        (ssize_t(*)(int, const void *, size_t))next("write");
    ssize_t ok = allow(fd, n);
    if (ok < 0) return -1;
    return real(fd, buf, (size_t)ok);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ssize_t (*real)(int, const void *, size_t, off_t) =
        (ssize_t(*)(int, const void *, size_t, off_t))next("pwrite");
    ssize_t ok = allow(fd, n);
    if (ok < 0) return -1;
    return real(fd, buf, (size_t)ok, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    ssize_t (*real)(int, const struct iovec *, int) =
        (ssize_t(*)(int, const struct iovec *, int))next("writev");
    ssize_t (*real_write)(int, const void *, size_t) =
        (ssize_t(*)(int, const void *, size_t))next("write");
    size_t n = 0;
    for (int i = 0; i < cnt; i++)
        n += iov[i].iov_len;
    ssize_t ok = allow(fd, n);
    if (ok < 0) return -1;
    if ((size_t)ok == n) return real(fd, iov, cnt);
    /* The fault falls inside: write the first ok bytes only. */
    ssize_t done = 0;
    for (int i = 0; i < cnt && done < ok; i++) {
        size_t part = iov[i].iov_len;
        if ((ssize_t)part > ok - done) part = (size_t)(ok - done);
        ssize_t w = real_write(fd, iov[i].iov_base, part);
        (void)w;
        done += (ssize_t)part;
    }
    return ok;
}

int fsync(int fd)
{
    int (*real)(int) = (int (*)(int))next("fsync");
    return sync_allowed(fd) ? real(fd) : -1;
}

int fdatasync(int fd)
{
    int (*real)(int) = (int (*)(int))next("fdatasync");
    return sync_allowed(fd) ? real(fd) : -1;
}

size_t fwrite(const void *p, size_t size, size_t nmemb, FILE *f)
{
    size_t (*real)(const void *, size_t, size_t, FILE *) =
        (size_t(*)(const void *, size_t, size_t, FILE *))next("fwrite");
    if (size && nmemb) {
        ssize_t ok = allow(fileno(f), size * nmemb);
        if (ok < 0 || (size_t)ok < size * nmemb) {
            if (!fault_tripped) fault_tripped = 1;
            errno = fault_errno();
            return 0;
        }
    }
    return real(p, size, nmemb, f);
}

int fputs(const char *s, FILE *f)
{
    int (*real)(const char *, FILE *) = (int (*)(const char *, FILE *))next("fputs");
    size_t n = strlen(s);
    if (n) {
        ssize_t ok = allow(fileno(f), n);
        if (ok < 0 || (size_t)ok < n) {
            errno = fault_errno();
            return EOF;
        }
    }
    return real(s, f);
}

int fputc(int c, FILE *f)
{
    int (*real)(int, FILE *) = (int (*)(int, FILE *))next("fputc");
    if (allow(fileno(f), 1) < 1) {
        errno = fault_errno();
        return EOF;
    }
    return real(c, f);
}

__attribute__((destructor)) static void fault_report(void)
{
    const char *path = getenv("HL_FAULT_REPORT");
    if (!path || !*path) return;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "%lld %lld\n", fault_total, fault_syncs);
    fclose(f);
}
