/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_fdbuf.c: the buffered writer (hl_fdbuf.h).
 */
#include "hl_fdbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool hl_fdbuf_flush(hl_fdbuf_t *o)
{
    if (o->fd < 0) return true; /* in memory: the buffer is the text */
    size_t off = 0;
    while (off < o->len) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            o->write_errno = errno;
            return false;
        }
        off += (size_t)w;
    }
    o->bytes += (int64_t)o->len;
    o->len = 0;
    return true;
}

/* In memory: makes room for n more bytes, doubling up to the limit. */
static bool fdbuf_grow(hl_fdbuf_t *o, size_t n)
{
    if (o->len + n <= o->cap) return true;
    if (n > o->limit || o->len > o->limit - n) {
        o->write_errno = ENOBUFS;
        return false;
    }
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + n)
        cap = cap > o->limit / 2 ? o->limit : cap * 2;
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->write_errno = ENOMEM;
        return false;
    }
    o->buf = b;
    o->cap = cap;
    return true;
}

bool hl_fdbuf_put(hl_fdbuf_t *o, const char *s, size_t n)
{
    if (o->fd < 0) {
        if (!fdbuf_grow(o, n)) return false;
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        return true;
    }
    while (n) {
        if (o->len == o->cap && !hl_fdbuf_flush(o)) return false;
        size_t k = o->cap - o->len;
        if (k > n) k = n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
    return true;
}

bool hl_fdbuf_puts(hl_fdbuf_t *o, const char *s)
{
    return hl_fdbuf_put(o, s, strlen(s));
}

bool hl_fdbuf_put_int(hl_fdbuf_t *o, int64_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    return hl_fdbuf_put(o, tmp + i, sizeof tmp - (size_t)i);
}
