/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_afile.h: the one way the firmware writes a file: atomically.
 *
 * A new file is written as a temporary file next to its target (same folder,
 * so the same file system), then fsync'd, closed, renamed over the target,
 * and the folder fsync'd so that the rename itself survives a power cut. On
 * any failure the temporary file is removed and the old target is untouched.
 * Every writer uses it: the CSV and Excel exports, the bundle's files on a
 * USB stick (relative to an open folder, no link followed), the config, a
 * survey installed from a stick.
 *
 * Errors name the file and say what to do; an errno becomes a distinct code
 * (ENOSPC: HL_ERR_FULL, EROFS/EACCES: HL_ERR_READONLY, ...) by hl_errno_set.
 */
#ifndef HL_AFILE_H
#define HL_AFILE_H

#include "hl_err.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct hl_afile {
    int dfd;      /* the target's folder */
    bool own_dfd; /* dfd opened here (closed by commit/abort) */
    int fd;       /* the temporary file open for writing; -1 once closed */
    bool made;    /* the temporary file exists */
    bool renamed; /* commit renamed it over the target (even if the folder sync failed) */
    char name[NAME_MAX + 1]; /* the target's name in the folder */
    char tmp[NAME_MAX + 1];  /* the temporary file's name in the folder */
    char shown[PATH_MAX];    /* the target's path, for messages */
} hl_afile_t;

/* Sets err from errno e: "WHAT PATH: strerror (advice)", with the code that
 * tells a full disk from a read-only medium from a failing one. */
int hl_errno_set(int e, const char *what, const char *path, hl_err_t *err);

/* HL_ERR_USAGE when path names a folder (one that exists, or ends in '/'):
 * "PATH is a folder: give a file name such as PATH/example". HL_OK else. */
int hl_afile_not_a_folder(const char *path, const char *example, hl_err_t *err);

/* Starts writing path: creates ".NAME.tmp-PID-TAG" in its folder with mode
 * (O_EXCL, no link followed; a leftover of a crashed run is replaced). */
int hl_afile_open(hl_afile_t *a, const char *path, mode_t mode, hl_err_t *err);

/* The same relative to an open folder dfd (not owned; shown names the
 * target in messages): how the bundle writes on a stick. */
int hl_afile_openat(hl_afile_t *a, int dfd, const char *name, const char *shown, mode_t mode,
                    hl_err_t *err);

/* Only names the temporary file (a->tmp in dfd) for a writer that creates
 * it itself by name (O_EXCL, no link followed); then hl_afile_reopen and
 * commit. Abort removes whatever it made. */
int hl_afile_nameat(hl_afile_t *a, int dfd, const char *name, const char *shown, hl_err_t *err);

/* Writes all len bytes (retrying short writes and EINTR). */
int hl_afile_write(hl_afile_t *a, const void *buf, size_t len, hl_err_t *err);

/* Path of the temporary file (folder/tmp) into out, for a library that
 * writes by name (libxlsxwriter); false when it does not fit. */
bool hl_afile_tmp_path(const hl_afile_t *a, char *out, size_t outsz);

/* The temporary file was rewritten by name (a library that writes by path
 * may replace the file): reopen it so that commit syncs what is there now. */
int hl_afile_reopen(hl_afile_t *a, hl_err_t *err);

/* Makes the file the target: fsync, close, rename, folder fsync (EINVAL or
 * ENOTSUP there: the file system cannot sync folders; the data is synced).
 * On failure the temporary file is removed; when only the folder sync
 * failed, a->renamed tells the caller the new file is in place but may not
 * survive a power cut (the caller decides: take it back, or warn). Always
 * ends a. */
int hl_afile_commit(hl_afile_t *a, hl_err_t *err);

/* Gives up: closes and removes the temporary file. Safe to call twice and
 * after commit. */
void hl_afile_abort(hl_afile_t *a);

/* Replaces path with len bytes in one call. */
int hl_afile_replace(const char *path, const void *buf, size_t len, mode_t mode, hl_err_t *err);

#endif
