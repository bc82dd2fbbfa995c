/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_sys.c: the fake clock/random services for tests and scripted runs, UUIDs
 * and ISO 8601 times. The real services live in platform/. And the safe
 * reading of a file the kiosk did not write (hl_file_*).
 */
#include "hl_sys.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <time.h>
#include <unistd.h>

static int64_t fake_mono(void *ctx)
{
    return ((hl_fakesys_t *)ctx)->mono_ms;
}

static int64_t fake_utc(void *ctx)
{
    return ((hl_fakesys_t *)ctx)->utc_ms;
}

static bool fake_trusted(void *ctx)
{
    return ((hl_fakesys_t *)ctx)->trusted;
}

static int fake_random(void *ctx, void *buf, size_t n)
{
    hl_fakesys_t *f = ctx;
    unsigned char *p = buf;
    for (size_t i = 0; i < n; i++) {
        /* xorshift64*: deterministic, good enough for test UUIDs. */
        f->rng ^= f->rng >> 12;
        f->rng ^= f->rng << 25;
        f->rng ^= f->rng >> 27;
        p[i] = (unsigned char)((f->rng * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}

void hl_fakesys_init(hl_fakesys_t *f, int64_t utc_ms, bool trusted, uint64_t seed)
{
    f->mono_ms = 1000;
    f->utc_ms = utc_ms;
    f->trusted = trusted;
    f->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

void hl_fakesys_advance(hl_fakesys_t *f, int64_t ms)
{
    f->mono_ms += ms;
    f->utc_ms += ms;
}

hl_sys_t hl_fakesys_sys(hl_fakesys_t *f)
{
    hl_sys_t s = {fake_mono, fake_utc, fake_trusted, fake_random, f};
    return s;
}

int hl_uuid_new(const hl_sys_t *sys, char out[37])
{
    unsigned char b[16];
    if (sys->random(sys->ctx, b, sizeof b) != 0) return -1;
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
    return 0;
}

void hl_time_iso8601(int64_t utc_ms, char out[32])
{
    time_t t = (time_t)(utc_ms >= 0 ? utc_ms / 1000 : (utc_ms - 999) / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        strcpy(out, "1970-01-01T00:00:00Z");
        return;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void hl_time_iso8601_ms(int64_t utc_ms, char out[32])
{
    int64_t frac = ((utc_ms % 1000) + 1000) % 1000;
    hl_time_iso8601(utc_ms - frac, out);
    size_t n = strlen(out); /* ends with 'Z' */
    out[n - 1] = '.';
    out[n] = (char)('0' + frac / 100);
    out[n + 1] = (char)('0' + frac / 10 % 10);
    out[n + 2] = (char)('0' + frac % 10);
    out[n + 3] = 'Z';
    out[n + 4] = '\0';
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
 * civil-from-days inverse), so that parsing needs no time zone. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool hl_time_parse_iso8601(const char *s, int64_t *utc_ms)
{
    int y, mo, d, h, mi, se;
    char z = 0, extra = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &y, &mo, &d, &h, &mi, &se, &z, &extra) != 7)
        return false;
    if (z != 'Z' || strlen(s) != 20) return false;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59)
        return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *utc_ms = ((days * 24 + h) * 60 + mi) * 60000LL + se * 1000LL;
    return true;
}

void hl_hex_encode(const unsigned char *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool hl_hex_decode(const char *s, unsigned char *out, size_t n)
{
    if (!s || strlen(s) != 2 * n) return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* ---- Reading a file the kiosk did not write -------------------------------- */

/* The message for a failed open or a refused file, after "FILE: ". */
static int file_refuse_errno(hl_err_t *err, int e, const char *stick_hint)
{
    if (e == ENOENT)
        return hl_err_set(err, HL_ERR_NOT_FOUND, "the file does not exist (%s): check the path",
                          strerror(e));
    if (e == EACCES || e == EPERM) {
        struct passwd *pw = getpwuid(geteuid());
        return hl_err_set(err, HL_ERR_IO,
                          "permission denied: the user running hailong (%s) may not read it; make "
                          "it readable for that user (e.g. chgrp %s FILE; chmod 640 FILE) or run "
                          "hailong as a user who may",
                          pw ? pw->pw_name : "?", pw ? pw->pw_name : "hailong");
    }
    if (e == ELOOP)
        return hl_err_set(err, HL_ERR_INVALID,
                          "this is a symbolic link, and links are not followed%s: put the file "
                          "itself there, not a link to it",
                          stick_hint);
    if (e == EISDIR)
        return hl_err_set(err, HL_ERR_IO, "this is a folder (%s), not a file: name a file in it",
                          strerror(EISDIR));
    if (e == ENOMEM) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening it");
    return hl_err_set(err, HL_ERR_IO, "cannot open it: %s", strerror(e));
}

static int file_too_big(hl_err_t *err, long long max)
{
    if (max >= 1024 * 1024 && max % (1024 * 1024) == 0)
        return hl_err_set(err, HL_ERR_INVALID,
                          "the file is larger than the limit of %lld MiB: is this the right file?",
                          max / (1024 * 1024));
    return hl_err_set(err, HL_ERR_INVALID,
                      "the file is larger than the limit of %lld bytes: is this the right file?",
                      max);
}

static int file_check_type(const struct stat *st, long long max, hl_err_t *err)
{
    const char *what = NULL;
    if (S_ISREG(st->st_mode)) {
        if (max >= 0 && (long long)st->st_size > max) return file_too_big(err, max);
        return HL_OK;
    }
    if (S_ISDIR(st->st_mode))
        return hl_err_set(err, HL_ERR_IO, "this is a folder (%s), not a file: name a file in it",
                          strerror(EISDIR));
    if (S_ISFIFO(st->st_mode))
        what = "a FIFO (named pipe)";
    else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
        what = "a device";
    else if (S_ISSOCK(st->st_mode))
        what = "a socket";
    else if (S_ISLNK(st->st_mode))
        what = "a symbolic link";
    else
        what = "not a file";
    return hl_err_set(err, HL_ERR_INVALID,
                      "this is %s, not a regular file, so it is not read: replace it with the "
                      "file itself (saved by an editor or copied)",
                      what);
}

/* Opens name in dfd as a folder (O_NOFOLLOW): -1 with err set otherwise. */
static int file_walk_dir(int dfd, const char *name, const char *shown, hl_err_t *err)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) return fd;
    int e = errno;
    struct stat st;
    if ((e == ELOOP || e == ENOTDIR) && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode))
        hl_err_set(err, HL_ERR_INVALID,
                   "the folder \"%s\" on the USB stick is a symbolic link, and links on a stick "
                   "are not followed: put the real folder on the stick",
                   shown);
    else if (e == ENOTDIR)
        hl_err_set(err, HL_ERR_INVALID,
                   "\"%s\" on the USB stick should be a folder but is not: rename or remove it",
                   shown);
    else if (e == ENOENT)
        hl_err_set(err, HL_ERR_NOT_FOUND, "the folder \"%s\" does not exist: check the stick",
                   shown);
    else
        file_refuse_errno(err, e, " on a USB stick");
    return -1;
}

/* Opens root/path (see hl_sys.h) with extra open flags; -1 with err set. */
static int file_open_at(const char *root, const char *path, int oflags, unsigned flags,
                        hl_err_t *err)
{
    if (!path || !path[0]) {
        hl_err_set(err, HL_ERR_USAGE, "no file named");
        return -1;
    }
    int base = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | oflags;
    if (!root) {
        int fd = open(path, base | ((flags & HL_FILE_NOFOLLOW) ? O_NOFOLLOW : 0));
        if (fd < 0) file_refuse_errno(err, errno, (flags & HL_FILE_NOFOLLOW) ? " here" : "");
        return fd;
    }
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int e = errno;
        hl_err_set(err, e == ENOENT ? HL_ERR_NOT_FOUND : HL_ERR_IO,
                   "cannot open the folder %s: %s (is the USB stick still there?)", root,
                   strerror(e));
        return -1;
    }
    char shown[PATH_MAX];
    size_t shown_len = 0;
    shown[0] = '\0';
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char comp[NAME_MAX + 1];
        if (n == 0 || n > NAME_MAX || (n == 2 && !memcmp(p, "..", 2))) {
            close(dfd);
            hl_err_set(err, HL_ERR_USAGE, "\"%s\" is not a path inside %s", path, root);
            return -1;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        const char *rest = slash;
        while (rest && *rest == '/')
            rest++;
        bool last = !rest || !*rest;
        if (shown_len + n + 2 < sizeof shown)
            shown_len += (size_t)snprintf(shown + shown_len, sizeof shown - shown_len, "%s%s",
                                          shown_len ? "/" : "", comp);
        int fd;
        if (last && !(oflags & O_DIRECTORY)) {
            fd = openat(dfd, comp, base | O_NOFOLLOW);
            if (fd < 0) file_refuse_errno(err, errno, " on a USB stick");
        } else {
            fd = file_walk_dir(dfd, comp, shown, err);
        }
        close(dfd);
        if (fd < 0 || last) return fd;
        dfd = fd;
        p = rest;
    }
}

int hl_file_open(const char *root, const char *path, long long max, unsigned flags, hl_err_t *err)
{
    int fd = file_open_at(root, path, 0, flags, err);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        hl_err_set(err, HL_ERR_IO, "cannot inspect it: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (file_check_type(&st, max, err) != HL_OK) {
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        hl_err_set(err, HL_ERR_IO, "cannot read it: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int hl_file_read(const char *root, const char *path, size_t max, unsigned flags, char **out,
                 size_t *len, hl_err_t *err)
{
    *out = NULL;
    *len = 0;
    int fd = hl_file_open(root, path, (long long)max, flags, err);
    if (fd < 0) return err ? err->code : HL_ERR_IO;
    struct stat st;
    size_t cap = (fstat(fd, &st) == 0 && (size_t)st.st_size < max ? (size_t)st.st_size : max) + 2;
    char *buf = malloc(cap);
    size_t n = 0;
    int rc = buf ? HL_OK : hl_err_set(err, HL_ERR_NOMEM, "out of memory reading it");
    while (rc == HL_OK) {
        if (n + 1 >= cap) { /* full: grow, up to max + 1 bytes (to see it is too big) */
            if (n > max) break;
            size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *bigger = realloc(buf, ncap);
            if (!bigger) {
                rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading it");
                break;
            }
            buf = bigger;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) rc = hl_err_set(err, HL_ERR_IO, "cannot read it: %s", strerror(errno));
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (rc == HL_OK && n > max) rc = file_too_big(err, (long long)max); /* it grew */
    if (rc != HL_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return HL_OK;
}

int hl_file_map(const char *path, size_t max, const void **out, size_t *len, hl_err_t *err)
{
    *out = NULL;
    *len = 0;
    int fd = hl_file_open(NULL, path, (long long)max, 0, err);
    if (fd < 0) return err ? err->code : HL_ERR_IO;
    struct stat st;
    int rc = HL_OK;
    void *p = MAP_FAILED;
    if (fstat(fd, &st) != 0) {
        rc = hl_err_set(err, HL_ERR_IO, "cannot read it: %s", strerror(errno));
    } else if (st.st_size <= 0) {
        rc = hl_err_set(err, HL_ERR_INVALID, "it is empty");
    } else {
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            rc = hl_err_set(err, errno == ENOMEM ? HL_ERR_NOMEM : HL_ERR_IO, "cannot map it: %s",
                            strerror(errno));
    }
    close(fd);
    if (rc != HL_OK) return rc;
    *out = p;
    *len = (size_t)st.st_size;
    return HL_OK;
}

void hl_file_unmap(const void *data, size_t len)
{
    if (data) munmap((void *)data, len);
}

int hl_file_opendir(const char *root, const char *path, hl_err_t *err)
{
    if (!root) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) file_refuse_errno(err, errno, "");
        return fd;
    }
    return file_open_at(root, path, O_DIRECTORY, 0, err);
}

int hl_fs_sync(int fd, const char *shown, hl_err_t *err)
{
#if defined(__linux__) && defined(SYS_syncfs)
    if (syscall(SYS_syncfs, fd) != 0)
        return hl_err_set(err, errno == ENOSPC ? HL_ERR_FULL : HL_ERR_IO,
                          "%s: writing the data out to the medium failed (%s): the medium may be "
                          "faulty or was removed; try another",
                          shown, strerror(errno));
#else
    (void)fd;
    (void)shown;
    (void)err;
    sync();
#endif
    return HL_OK;
}

void hl_fmt(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}
