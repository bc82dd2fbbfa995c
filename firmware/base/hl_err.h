/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_err.h: return codes and the error record every fallible call fills.
 *
 * Every function that can fail returns an int: HL_OK (0) or one of the codes
 * below, and writes a human message into an hl_err_t owned by the caller
 * (the way SQLite keeps its message on the handle). Codes are distinct so
 * that callers can react (a full disk is not a corrupt database), and the
 * message says what happened and, where possible, what to do.
 */
#ifndef HL_ERR_H
#define HL_ERR_H

#include <stddef.h>

typedef enum hl_rc {
    HL_OK = 0,
    HL_ERR_USAGE,     /* wrong arguments or script syntax */
    HL_ERR_INVALID,   /* a file failed validation (diagnostics say where) */
    HL_ERR_STATE,     /* the step is not allowed in the current state */
    HL_ERR_NOT_FOUND, /* a named thing does not exist */
    HL_ERR_IO,        /* read or write failed (SQLITE_IOERR, EIO, ...) */
    HL_ERR_FULL,      /* the disk is full (SQLITE_FULL, ENOSPC) */
    HL_ERR_READONLY,  /* the medium or database is read-only */
    HL_ERR_LOCKED,    /* another process holds the database */
    HL_ERR_CORRUPT,   /* the database is damaged or not ours */
    HL_ERR_NOMEM,     /* out of memory */
    HL_ERR_INTERNAL,  /* a bug: should never happen */
    HL_ERR_UNTRUSTED, /* intact, but signed by a key the trust list does not vouch for */
    HL_ERR_COUNT
} hl_rc;

/* The name of enum value v from a table of names in the enum's order
 * (values 0..n-1), else unknown. */
#define HL_NAME_OF(names, v, unknown)                                                              \
    ((size_t)(v) < sizeof(names) / sizeof((names)[0]) ? (names)[(size_t)(v)] : (unknown))

typedef struct hl_err {
    int code;      /* an hl_rc; HL_OK when nothing failed */
    char msg[512]; /* what went wrong, for a person; "" when code is HL_OK */
} hl_err_t;

/* Sets code and message (printf-style) and returns code. err may be NULL. */
int hl_err_set(hl_err_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with more context ("while X: <old msg>"). */
int hl_err_wrap(hl_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears err to HL_OK with an empty message. */
void hl_err_clear(hl_err_t *err);

/* A stable lower-case name for a code: "ok", "io", "full", "readonly", ... */
const char *hl_rc_name(int code);

#endif
