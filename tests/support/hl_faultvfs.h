/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_faultvfs.h: a SQLite VFS for tests that fails chosen file operations.
 *
 * "hl-fault" wraps the default "unix" VFS and passes every call through,
 * counting writes, syncs, reads and truncates of every file SQLite opens
 * through it (database, WAL, journal). A test arms one fault: the Nth
 * operation of a kind (counted from the arming) returns the given SQLite
 * code, once or persistently from then on, the way SQLite's own I/O-error
 * tests do (testing.html). Store tests open the store with
 * opts.vfs = HL_FAULTVFS_NAME.
 *
 * The state is one file-static struct: tests are single-threaded.
 */
#ifndef HL_FAULTVFS_H
#define HL_FAULTVFS_H

#include <stdbool.h>

#define HL_FAULTVFS_NAME "hl-fault"

typedef enum hl_fault_op {
    HL_FAULT_WRITE = 0, /* xWrite */
    HL_FAULT_SYNC,      /* xSync */
    HL_FAULT_READ,      /* xRead */
    HL_FAULT_TRUNCATE,  /* xTruncate */
    HL_FAULT_CHANGE,    /* any of write, sync, truncate: every call that changes a file */
    HL_FAULT_OP_COUNT
} hl_fault_op_t;

/* Registers the VFS (idempotent). Returns a SQLite result code. */
int hl_faultvfs_register(void);

/* Fails the nth (1-based, counted from now) operation of kind op with
 * sqlite_rc (SQLITE_FULL, SQLITE_IOERR_WRITE, ...); persistent: every later
 * one of that kind fails too, until hl_faultvfs_disarm. */
void hl_faultvfs_arm(hl_fault_op_t op, long nth, bool persistent, int sqlite_rc);
void hl_faultvfs_disarm(void);

/* True when the armed fault has fired since arming. */
bool hl_faultvfs_fired(void);

/* Operations of kind op since the last reset (faults included). */
long hl_faultvfs_count(hl_fault_op_t op);
void hl_faultvfs_reset_counts(void);

#endif
