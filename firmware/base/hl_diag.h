/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_diag.h: a list of validation problems, each with its place in a file.
 *
 * The survey and config loaders report every problem they find, not just the
 * first. Each diagnostic is printed as
 *     FILE:LINE:COLUMN: message (at questions[2].options[1].id)
 * so that an editor can jump to it and a technician can read it.
 */
#ifndef HL_DIAG_H
#define HL_DIAG_H

#include <stddef.h>
#include <stdio.h>

typedef struct hl_diag {
    char *file; /* owned: file name as given by the caller */
    int line;   /* 1-based; 0 when unknown (e.g. unreadable file) */
    int col;    /* 1-based, counted in characters; 0 when unknown */
    char *path; /* owned: JSON path such as "questions[2].id", or NULL */
    char *msg;  /* owned: what is wrong and what to do */
} hl_diag_t;

typedef struct hl_diags {
    hl_diag_t *items; /* owned array */
    size_t n;         /* diagnostics recorded */
    size_t cap;       /* allocated slots */
} hl_diags_t;

/* Appends one diagnostic. Allocation failure is reported as a diagnostic-less
 * abort of the program (there is no way to report an error about errors). */
void hl_diags_add(hl_diags_t *d, const char *file, int line, int col, const char *path,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Writes every diagnostic, one a line, in the FILE:LINE:COLUMN form. */
void hl_diags_print(const hl_diags_t *d, FILE *out);

/* Sorts by line and column, keeping the order of equal places. */
void hl_diags_sort(hl_diags_t *d);

void hl_diags_free(hl_diags_t *d);

#endif
