/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_sys.h: the services the core asks of the platform: clocks, whether the
 * wall clock can be trusted, and random bytes.
 *
 * The core never reads a clock by itself: the flow and the store take an
 * hl_sys_t, so tests and scripted runs drive time by hand (the fake below)
 * and the kiosk uses the real one from platform/. A Raspberry Pi has no RTC:
 * its wall clock is wrong until NTP syncs, which is why "trusted" exists and
 * why ordering relies on sequence numbers and the monotonic clock.
 *
 * It also holds the one way the firmware reads a file it did not write (a
 * config, a survey, a script, anything on a USB stick): hl_file_open and
 * hl_file_read never block on a FIFO or a device, refuse what is not a
 * regular file of bounded size, and on a stick follow no link at all.
 */
#ifndef HL_SYS_H
#define HL_SYS_H

#include "hl_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_DAY_MS (24LL * 60 * 60 * 1000) /* milliseconds in a day */

typedef struct hl_sys {
    int64_t (*mono_ms)(void *ctx);                 /* monotonic milliseconds, never goes back */
    int64_t (*utc_ms)(void *ctx);                  /* wall clock, ms since 1970-01-01T00:00Z */
    bool (*utc_trusted)(void *ctx);                /* wall clock synced (NTP) or set by a person */
    int (*random)(void *ctx, void *buf, size_t n); /* 0 on success */
    void *ctx;                                     /* passed to each function; not owned */
} hl_sys_t;

/* A clock moved by hand and a seeded random generator, for tests and
 * scripted runs. Same seed and same steps give the same bytes. */
typedef struct hl_fakesys {
    int64_t mono_ms; /* current monotonic time */
    int64_t utc_ms;  /* current wall-clock time */
    bool trusted;    /* what utc_trusted answers */
    uint64_t rng;    /* xorshift state, never 0 */
} hl_fakesys_t;

void hl_fakesys_init(hl_fakesys_t *f, int64_t utc_ms, bool trusted, uint64_t seed);
void hl_fakesys_advance(hl_fakesys_t *f, int64_t ms);
hl_sys_t hl_fakesys_sys(hl_fakesys_t *f);

/* Formats a random version-4 UUID (36 chars + NUL) from sys->random. */
int hl_uuid_new(const hl_sys_t *sys, char out[37]);

/* snprintf into a fixed buffer that is cut, never overflowed, and that
 * needs no check of the result (messages and paths shown to a person). */
void hl_fmt(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes n bytes as 2n lower-case hex digits and a NUL into out. */
void hl_hex_encode(const unsigned char *b, size_t n, char *out);

/* Parses exactly 2n hex digits (either case) into n bytes; false otherwise. */
bool hl_hex_decode(const char *s, unsigned char *out, size_t n);

/* Formats ms since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL). */
void hl_time_iso8601(int64_t utc_ms, char out[32]);

/* The same with milliseconds, "YYYY-MM-DDTHH:MM:SS.mmmZ" (floor to the
 * millisecond): the form of every time the sync sends. */
void hl_time_iso8601_ms(int64_t utc_ms, char out[32]);

/* Parses "YYYY-MM-DDTHH:MM:SSZ"; false when malformed. */
bool hl_time_parse_iso8601(const char *s, int64_t *utc_ms);

/* ---- Reading a file the kiosk did not write --------------------------------
 * root NULL: path is opened as given (links followed unless HL_FILE_NOFOLLOW).
 * root set (a USB stick's mount point, itself trusted): path is relative to it
 * (no "..") and walked one folder at a time with O_NOFOLLOW | O_DIRECTORY, the
 * file itself with O_NOFOLLOW: a link anywhere below root is refused.
 * The file is opened with O_NONBLOCK (a FIFO or a device cannot block the
 * open), checked with fstat to be a regular file of at most max bytes, then
 * O_NONBLOCK is cleared. On refusal err says, after "FILE: ", what is wrong
 * and what to do. Codes: HL_ERR_NOT_FOUND (missing), HL_ERR_INVALID (not a
 * regular file, a link, or too big), HL_ERR_IO (permission, a folder, a read
 * error), HL_ERR_NOMEM. */
#define HL_FILE_NOFOLLOW 1u /* root NULL: refuse a symbolic link as the file itself */

/* Returns an open descriptor (O_CLOEXEC), or -1 with err set. */
int hl_file_open(const char *root, const char *path, long long max, unsigned flags, hl_err_t *err);

/* Reads the whole file into *out (malloc'd, NUL added, *len without it).
 * A file that grows past max while read is refused as too big. */
int hl_file_read(const char *root, const char *path, size_t max, unsigned flags, char **out,
                 size_t *len, hl_err_t *err);

/* Maps the whole file read-only (the same checks as hl_file_open, at most
 * max bytes): only the pages read take memory, as for a font of which a
 * screen uses a few glyphs. The file must not be truncated while mapped
 * (installed files are replaced by rename). Undo with hl_file_unmap. */
int hl_file_map(const char *path, size_t max, const void **out, size_t *len, hl_err_t *err);
void hl_file_unmap(const void *data, size_t len);

/* Opens the folder root/path (the same walk: no link below root) for
 * fdopendir or openat. Returns a descriptor, or -1 with err set. */
int hl_file_opendir(const char *root, const char *path, hl_err_t *err);

/* Makes everything written to the file system holding fd durable: Linux's
 * syncfs (data, inodes and folder entries of that file system only; on vfat
 * a renamed file's size and first cluster reach the medium only this way or
 * by unmounting), sync() elsewhere. shown names the place in err. */
int hl_fs_sync(int fd, const char *shown, hl_err_t *err);

#endif
