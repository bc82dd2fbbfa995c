/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fdbuf.h: the buffered writer every text the firmware produces goes
 * through: the CSV and JSON Lines files, a response's canonical form that
 * its chain value covers, the sync's request body. Plain bytes, a decimal
 * integer (one formatter for all), nothing else: callers quote and escape.
 */
#ifndef HL_FDBUF_H
#define HL_FDBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A file written through a memory buffer, for the exporters; or, with fd
 * < 0, a text built in memory (the sync's request body): the buffer grows
 * (realloc, owned) up to limit bytes and a put beyond fails with ENOBUFS. */
typedef struct hl_fdbuf {
    int fd;          /* file being written (not owned); < 0: in memory */
    char *buf;       /* owned by the writer: cap bytes */
    size_t cap;      /* size of buf */
    size_t len;      /* bytes waiting in buf */
    int64_t bytes;   /* bytes written to fd so far */
    int write_errno; /* errno of the first failed write, 0 if none */
    size_t limit;    /* fd < 0: most bytes the buffer may grow to */
} hl_fdbuf_t;

/* Writes what is buffered; false (errno in write_errno) on failure. In
 * memory (fd < 0) it does nothing and returns true. */
bool hl_fdbuf_flush(hl_fdbuf_t *o);

/* Appends n bytes, flushing when the buffer fills (in memory: growing it). */
bool hl_fdbuf_put(hl_fdbuf_t *o, const char *s, size_t n);

/* Appends the NUL-terminated s. */
bool hl_fdbuf_puts(hl_fdbuf_t *o, const char *s);

/* Appends v in decimal ("-12"). */
bool hl_fdbuf_put_int(hl_fdbuf_t *o, int64_t v);

#endif
