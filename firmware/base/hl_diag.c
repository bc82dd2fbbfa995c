/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_diag.c: collecting and printing validation diagnostics.
 */
#include "hl_diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

void hl_diags_add(hl_diags_t *d, const char *file, int line, int col, const char *path,
                  const char *fmt, ...)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        hl_diag_t *items = realloc(d->items, cap * sizeof *items);
        if (!items) abort();
        d->items = items;
        d->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hl_diag_t *it = &d->items[d->n++];
    it->file = dup_or_null(file ? file : "-");
    it->line = line;
    it->col = col;
    it->path = dup_or_null(path && *path ? path : NULL);
    it->msg = dup_or_null(msg);
}

void hl_diags_print(const hl_diags_t *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const hl_diag_t *it = &d->items[i];
        if (it->line > 0)
            fprintf(out, "%s:%d:%d: %s", it->file, it->line, it->col, it->msg);
        else
            fprintf(out, "%s: %s", it->file, it->msg);
        if (it->path) fprintf(out, " (at %s)", it->path);
        fputc('\n', out);
    }
}

static int by_place(const hl_diag_t *a, const hl_diag_t *b)
{
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}

void hl_diags_sort(hl_diags_t *d)
{
    /* Insertion sort: stable, and lists are short. */
    for (size_t i = 1; i < d->n; i++) {
        hl_diag_t cur = d->items[i];
        size_t j = i;
        while (j > 0 && by_place(&d->items[j - 1], &cur) > 0) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = cur;
    }
}

void hl_diags_free(hl_diags_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].file);
        free(d->items[i].path);
        free(d->items[i].msg);
    }
    free(d->items);
    d->items = NULL;
    d->n = d->cap = 0;
}
