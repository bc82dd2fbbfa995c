/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_afile.c: atomic file replacement (temporary file, fsync, rename, folder
 * fsync) and the errno-to-code mapping every file writer shares. See
 * hl_afile.h.
 */
#include "hl_afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hl_errno_set(int e, const char *what, const char *path, hl_err_t *err)
{
    int code = HL_ERR_IO;
    const char *advice = "check the medium (it may be failing or removed) and retry";
    if (e == ENOSPC || e == EDQUOT) {
        code = HL_ERR_FULL;
        advice = "the disk is full: free space or use another medium";
    } else if (e == EROFS || e == EACCES || e == EPERM) {
        code = HL_ERR_READONLY;
        advice = "the folder is read-only: check permissions or the write-protect switch";
    } else if (e == ENOENT || e == ENOTDIR) {
        advice = "the folder does not exist: create it or choose another path";
    } else if (e == ENOMEM) {
        code = HL_ERR_NOMEM;
        advice = "out of memory";
    }
    return hl_err_set(err, code, "%s %s: %s (%s)", what, path, strerror(e), advice);
}

int hl_afile_not_a_folder(const char *path, const char *example, hl_err_t *err)
{
    struct stat sb;
    size_t plen = strlen(path);
    if (!plen || (path[plen - 1] != '/' && (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))))
        return HL_OK;
    int keep = (int)plen;
    while (keep > 0 && path[keep - 1] == '/')
        keep--;
    return hl_err_set(err, HL_ERR_USAGE, "%s is a folder: give a file name such as %.*s/%s", path,
                      keep, path, example);
}

static void afile_reset(hl_afile_t *a)
{
    memset(a, 0, sizeof *a);
    a->dfd = -1;
    a->fd = -1;
}

/* Picks the temporary name for dfd/name; creates nothing. */
static int afile_name(hl_afile_t *a, int dfd, const char *name, const char *shown, hl_err_t *err)
{
    afile_reset(a);
    a->dfd = dfd;
    snprintf(a->shown, sizeof a->shown, "%s", shown ? shown : name);
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen > NAME_MAX - 32 || strchr(name, '/'))
        return hl_err_set(err, HL_ERR_USAGE, "file name \"%s\" is empty, too long or not a name",
                          a->shown);
    memcpy(a->name, name, nlen + 1);
    /* Unique among processes (the pid) and among the writers alive in this
     * one (the address of their hl_afile_t). */
    snprintf(a->tmp, sizeof a->tmp, ".%s.tmp-%ld-%lx", name, (long)getpid(),
             (unsigned long)((uintptr_t)a & 0xffffffu));
    return HL_OK;
}

int hl_afile_openat(hl_afile_t *a, int dfd, const char *name, const char *shown, mode_t mode,
                    hl_err_t *err)
{
    int rc = afile_name(a, dfd, name, shown, err);
    if (rc != HL_OK) return rc;
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    a->fd = openat(dfd, a->tmp, flags, mode);
    /* A leftover of a crashed run with the same pid (pids repeat across boots). */
    if (a->fd < 0 && errno == EEXIST && unlinkat(dfd, a->tmp, 0) == 0)
        a->fd = openat(dfd, a->tmp, flags, mode);
    if (a->fd < 0) return hl_errno_set(errno, "cannot create a temporary file for", a->shown, err);
    a->made = true;
    /* The umask may have narrowed mode: the caller asked for exactly it. */
    (void)fchmod(a->fd, mode);
    return HL_OK;
}

int hl_afile_nameat(hl_afile_t *a, int dfd, const char *name, const char *shown, hl_err_t *err)
{
    int rc = afile_name(a, dfd, name, shown, err);
    if (rc != HL_OK) return rc;
    (void)unlinkat(dfd, a->tmp, 0); /* a leftover of a crashed run with the same pid */
    a->made = true;                 /* whatever the writer makes there goes on abort */
    return HL_OK;
}

int hl_afile_open(hl_afile_t *a, const char *path, mode_t mode, hl_err_t *err)
{
    afile_reset(a);
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    int n = !slash          ? snprintf(dir, sizeof dir, ".")
            : slash == path ? snprintf(dir, sizeof dir, "/")
                            : snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (n < 0 || (size_t)n >= sizeof dir || strlen(path) >= PATH_MAX)
        return hl_err_set(err, HL_ERR_USAGE, "path is too long: %.100s...", path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return hl_errno_set(errno, "cannot create a file in the folder of", path, err);
    int rc = hl_afile_openat(a, dfd, slash ? slash + 1 : path, path, mode, err);
    a->dfd = dfd;
    a->own_dfd = true;
    if (rc != HL_OK) hl_afile_abort(a);
    return rc;
}

int hl_afile_write(hl_afile_t *a, const void *buf, size_t len, hl_err_t *err)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(a->fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return hl_errno_set(w < 0 ? errno : EIO, "cannot write", a->shown, err);
        p += w;
        len -= (size_t)w;
    }
    return HL_OK;
}

bool hl_afile_tmp_path(const hl_afile_t *a, char *out, size_t outsz)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(a->shown, '/');
    if (!slash) {
        int n = snprintf(out, outsz, "%s", a->tmp);
        return n >= 0 && (size_t)n < outsz;
    }
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - a->shown), a->shown);
    int n = snprintf(out, outsz, "%s/%s", dir, a->tmp);
    return n >= 0 && (size_t)n < outsz;
}

int hl_afile_reopen(hl_afile_t *a, hl_err_t *err)
{
    if (a->fd >= 0) close(a->fd);
    a->fd = openat(a->dfd, a->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (a->fd < 0) return hl_errno_set(errno, "cannot reopen what was written to", a->shown, err);
    return HL_OK;
}

int hl_afile_commit(hl_afile_t *a, hl_err_t *err)
{
    int rc = HL_OK;
    if (a->fd >= 0 && fsync(a->fd) != 0) {
        rc = hl_errno_set(errno, "cannot sync", a->shown, err);
        goto done;
    }
    if (a->fd >= 0) {
        int fd = a->fd;
        a->fd = -1;
        if (close(fd) != 0) {
            rc = hl_errno_set(errno, "cannot write", a->shown, err);
            goto done;
        }
    }
    if (renameat(a->dfd, a->tmp, a->dfd, a->name) != 0) {
        rc = hl_errno_set(errno, "cannot rename the temporary file to", a->shown, err);
        goto done;
    }
    a->made = false;
    a->renamed = true;
    if (fsync(a->dfd) != 0 && errno != EINVAL && errno != ENOTSUP)
        rc = hl_errno_set(errno, "cannot sync the folder of", a->shown, err);
done:
    if (rc == HL_OK) hl_err_clear(err);
    hl_afile_abort(a);
    return rc;
}

void hl_afile_abort(hl_afile_t *a)
{
    if (a->fd >= 0) close(a->fd);
    a->fd = -1;
    if (a->made) (void)unlinkat(a->dfd, a->tmp, 0);
    a->made = false;
    if (a->own_dfd && a->dfd >= 0) close(a->dfd);
    a->own_dfd = false;
}

int hl_afile_replace(const char *path, const void *buf, size_t len, mode_t mode, hl_err_t *err)
{
    hl_afile_t a;
    int rc = hl_afile_open(&a, path, mode, err);
    if (rc == HL_OK) rc = hl_afile_write(&a, buf, len, err);
    if (rc == HL_OK) return hl_afile_commit(&a, err);
    hl_afile_abort(&a);
    return rc;
}
