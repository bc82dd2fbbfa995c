/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_media_posix.c: the Linux implementation of hl_media.h: watching
 * /proc/self/mountinfo for removable mounts and checking a stick's
 * authorisation file.
 *
 * The kernel marks /proc/self/mountinfo with POLLPRI (and POLLERR) whenever
 * the mount table changes; the watcher keeps that file open and re-reads it
 * from offset 0 on each scan, which also re-arms the event. A watched file
 * that is not in procfs (a test's fake table) cannot signal: it is reopened
 * on each scan, so a test may replace it by rename.
 *
 * A medium is a mount strictly below a root (/media/usb0 under /media); a
 * root that is itself a mount point (a tmpfs on /media) is not a medium.
 * When one mount point is mounted over, the topmost mount (listed last)
 * counts. At most HL_MEDIA_MAX media are tracked; more are ignored.
 */
#define _GNU_SOURCE
#include "hl_media.h"
#include "hl_bundle.h"
#include "hl_platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define HL_MEDIA_LINE_MAX   4096   /* longer mountinfo lines are skipped */
#define HL_MEDIA_KEY_MAX    4096   /* largest export.key accepted */
#define HL_MEDIA_PROC_MAGIC 0x9fa0 /* PROC_SUPER_MAGIC: a procfs file can signal */

struct hl_media_watch {
    char roots[HL_MEDIA_MAX_ROOTS][HL_MEDIA_PATH_MAX]; /* watched roots, no trailing '/' */
    size_t n_roots;                                    /* roots in use */
    char path[PATH_MAX];                               /* the mount table file */
    int fd;                         /* open mount table (procfs), or -1 when reopened per scan */
    bool signals;                   /* fd is a procfs file: poll() reports changes */
    hl_medium_t cur[HL_MEDIA_MAX];  /* media seen by the last scan */
    size_t n_cur;                   /* entries in cur */
    hl_medium_t next[HL_MEDIA_MAX]; /* scratch for the scan in progress */
    char line[HL_MEDIA_LINE_MAX];   /* one mountinfo line being assembled */
    char chunk[16384];              /* read buffer */
};

/* Copies src to dst (size dstsz), decoding the kernel's octal escapes
 * (\040 space, \011 tab, \012 newline, \134 backslash). False when the
 * result does not fit. */
static bool hl_media_unescape(const char *src, char *dst, size_t dstsz)
{
    size_t n = 0;
    for (const char *p = src; *p; p++) {
        char c = *p;
        if (c == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
            p[3] <= '7') {
            c = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        }
        if (n + 1 >= dstsz) return false;
        dst[n++] = c;
    }
    dst[n] = '\0';
    return true;
}

/* Whether mount lies strictly below one of the watched roots. */
static bool hl_media_under_roots(const hl_media_watch_t *w, const char *mount)
{
    for (size_t i = 0; i < w->n_roots; i++) {
        size_t len = strlen(w->roots[i]);
        if (strncmp(mount, w->roots[i], len) == 0 && mount[len] == '/' && mount[len + 1] != '\0')
            return true;
    }
    return false;
}

/* Parses one mountinfo line into m. False when malformed or too long. */
static bool hl_media_parse_line(char *line, hl_medium_t *m)
{
    char *save = NULL;
    char *field[6] = {0};
    char *tok = strtok_r(line, " ", &save);
    int i = 0;
    for (; tok && i < 6; i++) { /* id parent maj:min root mountpoint options */
        field[i] = tok;
        tok = i < 5 ? strtok_r(NULL, " ", &save) : NULL;
    }
    if (i < 6) return false;
    /* Optional fields up to the lone "-", then fs type and source. */
    while ((tok = strtok_r(NULL, " ", &save)) != NULL && strcmp(tok, "-") != 0) {
    }
    if (!tok) return false;
    char *fstype = strtok_r(NULL, " ", &save);
    char *source = strtok_r(NULL, " ", &save);
    if (!fstype || !source) return false;
    memset(m, 0, sizeof *m);
    return hl_media_unescape(field[4], m->mount, sizeof m->mount) &&
           hl_media_unescape(fstype, m->fs_type, sizeof m->fs_type) &&
           hl_media_unescape(source, m->source, sizeof m->source);
}

/* Adds m to the scan in progress (replacing an earlier mount on the same
 * point: the later one is on top). */
static void hl_media_collect(hl_media_watch_t *w, size_t *n, const hl_medium_t *m)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(w->next[i].mount, m->mount) == 0) {
            w->next[i] = *m;
            return;
        }
    }
    if (*n < HL_MEDIA_MAX) w->next[(*n)++] = *m;
}

/* Finds the name in /dev/disk/<dir> whose link resolves to device. */
static bool hl_media_disk_name(const char *dir, const char *device, char *out, size_t outsz)
{
    char base[64];
    snprintf(base, sizeof base, "/dev/disk/%s", dir);
    DIR *d = opendir(base);
    if (!d) return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char link[PATH_MAX], real[PATH_MAX];
        if (snprintf(link, sizeof link, "%s/%s", base, e->d_name) >= (int)sizeof link) continue;
        if (!realpath(link, real) || strcmp(real, device) != 0) continue;
        char name[256];
        if (!hl_media_unescape(e->d_name, name, sizeof name)) continue; /* udev's \x20 stays */
        if (strlen(name) >= outsz) continue;
        snprintf(out, outsz, "%s", name);
        found = true;
    }
    closedir(d);
    return found;
}

/* Fills m->id: the file system's UUID, else its label, else the source. */
static void hl_media_identify(hl_medium_t *m)
{
    snprintf(m->id, sizeof m->id, "%s", m->source);
    char device[PATH_MAX];
    if (strncmp(m->source, "/dev/", 5) != 0 || !realpath(m->source, device)) return;
    if (hl_media_disk_name("by-uuid", device, m->id, sizeof m->id)) return;
    hl_media_disk_name("by-label", device, m->id, sizeof m->id);
}

/* Reads the whole mount table into w->next; *n gets the count. */
static int hl_media_read_table(hl_media_watch_t *w, size_t *n, hl_err_t *err)
{
    int fd = w->fd;
    if (w->signals) {
        if (lseek(fd, 0, SEEK_SET) < 0)
            return hl_err_set(err, HL_ERR_IO, "cannot rewind %s: %s", w->path, strerror(errno));
    } else {
        fd = open(w->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return hl_err_set(err, errno == ENOENT ? HL_ERR_NOT_FOUND : HL_ERR_IO,
                              "cannot open the mount table %s: %s", w->path, strerror(errno));
    }
    *n = 0;
    size_t len = 0;    /* bytes in w->line */
    bool skip = false; /* the current line is too long: drop it */
    int rc = HL_OK;
    for (;;) {
        ssize_t got = read(fd, w->chunk, sizeof w->chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            rc = hl_err_set(err, HL_ERR_IO, "cannot read the mount table %s: %s", w->path,
                            strerror(errno));
            break;
        }
        for (ssize_t i = 0; i <= got; i++) {
            bool end = i == got;
            if (end && got > 0) break;         /* more to read */
            if (!end && w->chunk[i] != '\n') { /* one more character */
                if (len + 1 < sizeof w->line)
                    w->line[len++] = w->chunk[i];
                else
                    skip = true;
                continue;
            }
            /* End of a line (or of the file with a last unterminated line). */
            w->line[len] = '\0';
            hl_medium_t m;
            if (!skip && len > 0 && hl_media_parse_line(w->line, &m) &&
                hl_media_under_roots(w, m.mount))
                hl_media_collect(w, n, &m);
            len = 0;
            skip = false;
        }
        if (got == 0) break;
    }
    if (!w->signals) close(fd);
    return rc;
}

/* Whether a and b are the same mount (same point, same device). */
static bool hl_media_same(const hl_medium_t *a, const hl_medium_t *b)
{
    return strcmp(a->mount, b->mount) == 0 && strcmp(a->source, b->source) == 0 &&
           strcmp(a->fs_type, b->fs_type) == 0;
}

int hl_media_watch_open(const char *const *roots, const char *mountinfo, hl_media_watch_t **out,
                        hl_err_t *err)
{
    static const char *const default_roots[] = {"/media", "/run/media", NULL};
    *out = NULL;
    if (!roots) roots = default_roots;
    if (!mountinfo) mountinfo = "/proc/self/mountinfo";
    hl_media_watch_t *w = calloc(1, sizeof *w);
    if (!w) return hl_err_set(err, HL_ERR_NOMEM, "out of memory watching removable media");
    w->fd = -1;
    for (size_t i = 0; roots[i]; i++) {
        if (i >= HL_MEDIA_MAX_ROOTS || roots[i][0] != '/' ||
            strlen(roots[i]) >= sizeof w->roots[0]) {
            free(w);
            return hl_err_set(err, HL_ERR_USAGE,
                              "media root \"%s\" is not usable: give at most %d absolute paths "
                              "shorter than %d characters",
                              roots[i], HL_MEDIA_MAX_ROOTS, HL_MEDIA_PATH_MAX);
        }
        snprintf(w->roots[i], sizeof w->roots[i], "%s", roots[i]);
        size_t len = strlen(w->roots[i]);
        while (len > 1 && w->roots[i][len - 1] == '/')
            w->roots[i][--len] = '\0';
        if (len == 1) w->roots[i][0] = '\0'; /* "/": every mount below it */
        w->n_roots = i + 1;
    }
    if (strlen(mountinfo) >= sizeof w->path) {
        free(w);
        return hl_err_set(err, HL_ERR_USAGE, "mount table path too long: %s", mountinfo);
    }
    snprintf(w->path, sizeof w->path, "%s", mountinfo);
    int fd = open(mountinfo, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(w);
        return hl_err_set(err, e == ENOENT ? HL_ERR_NOT_FOUND : HL_ERR_IO,
                          "cannot open the mount table %s: %s", mountinfo, strerror(e));
    }
    struct statfs sf;
    if (fstatfs(fd, &sf) == 0 && sf.f_type == HL_MEDIA_PROC_MAGIC) {
        w->fd = fd;
        w->signals = true;
    } else {
        close(fd);
    }
    *out = w;
    return HL_OK;
}

void hl_media_watch_close(hl_media_watch_t *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    free(w);
}

int hl_media_watch_fd(const hl_media_watch_t *w)
{
    return w->signals ? w->fd : -1;
}

int hl_media_watch_scan(hl_media_watch_t *w, hl_medium_t *added, size_t *n_added,
                        hl_medium_t *removed, size_t *n_removed, hl_err_t *err)
{
    if (n_added) *n_added = 0;
    if (n_removed) *n_removed = 0;
    size_t n = 0;
    int rc = hl_media_read_table(w, &n, err);
    if (rc != HL_OK) return rc;
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t j = 0; j < w->n_cur && !known; j++) {
            if (hl_media_same(&w->next[i], &w->cur[j])) {
                memcpy(w->next[i].id, w->cur[j].id, sizeof w->next[i].id);
                known = true;
            }
        }
        if (known) continue;
        hl_media_identify(&w->next[i]);
        if (added && n_added) added[(*n_added)++] = w->next[i];
    }
    for (size_t j = 0; j < w->n_cur; j++) {
        bool kept = false;
        for (size_t i = 0; i < n && !kept; i++)
            kept = hl_media_same(&w->next[i], &w->cur[j]);
        if (!kept && removed && n_removed) removed[(*n_removed)++] = w->cur[j];
    }
    memcpy(w->cur, w->next, n * sizeof w->cur[0]);
    w->n_cur = n;
    return HL_OK;
}

/* Compares two keys in time that does not depend on where they differ. */
static bool hl_media_key_equal(const unsigned char *a, const unsigned char *b)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < HL_BUNDLE_KEY_LEN; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

bool hl_media_authorized(const char *mount, const unsigned char key_sha256[32])
{
    if (!mount || !key_sha256) return false;
    bool ok = false;
    int mfd = -1, dfd = -1, kfd = -1;
    char buf[HL_MEDIA_KEY_MAX + 1];
    mfd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mfd < 0) goto done;
    dfd = openat(mfd, HL_BUNDLE_TOP, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) goto done;
    /* O_NONBLOCK: a FIFO planted as export.key must not hang the kiosk. */
    kfd = openat(dfd, HL_BUNDLE_KEY_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (kfd < 0) goto done;
    struct stat st;
    if (fstat(kfd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > HL_MEDIA_KEY_MAX) goto done;
    size_t len = 0;
    while (len < sizeof buf) {
        ssize_t got = read(kfd, buf + len, sizeof buf - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) goto done;
        if (got == 0) break;
        len += (size_t)got;
    }
    if (len > HL_MEDIA_KEY_MAX) goto done; /* grew while we read */
    size_t text = len;
    if (text > 0 && buf[text - 1] == '\n') text--;
    if (text > 0 && buf[text - 1] == '\r') text--; /* as hl_bundle_key_from_secret */
    /* Only a secret as `hailong export-key --new` makes it (64 hex digits)
     * authorises: an empty, short or guessable word ("secret") never does. */
    if (text == 0 || !hl_bundle_secret_valid(buf, len)) goto done;
    unsigned char key[HL_BUNDLE_KEY_LEN];
    hl_bundle_key_from_secret(buf, len, key);
    ok = hl_media_key_equal(key, key_sha256);
    explicit_bzero(buf, sizeof buf);
    explicit_bzero(key, sizeof key);
done:
    if (kfd >= 0) close(kfd);
    if (dfd >= 0) close(dfd);
    if (mfd >= 0) close(mfd);
    return ok;
}

int hl_media_release(const hl_medium_t *m, hl_err_t *err)
{
    const char *cmd = getenv("HAILONG_USB_RELEASE_CMD");
    const char *prefix = "/media/hailong-";
    const char *name =
        strncmp(m->mount, prefix, strlen(prefix)) == 0 ? m->mount + strlen(prefix) : NULL;
    bool plain = name && *name &&
                 strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(name) &&
                 strlen(name) < 32;
    if ((!cmd || !*cmd) && !plain)
        return hl_err_set(err, HL_ERR_NOT_FOUND,
                          "%s was not mounted by hailong-usb-mount: left mounted", m->mount);
    char unit[64] = "";
    if (plain) snprintf(unit, sizeof unit, "hailong-usb-mount@%s.service", name);
    char *argv[] = {"systemctl", "--no-ask-password", "stop", unit, NULL};
    int code = hl_platform_run(cmd, m->mount, argv);
    if (code == 0) return HL_OK;
    if (code < 0)
        return hl_err_set(err, HL_ERR_STATE, "cannot unmount %s: fork: %s", m->mount,
                          strerror(errno));
    return hl_err_set(err, HL_ERR_STATE,
                      "unmounting %s failed (exit %d): the data is written out all the same; the "
                      "kiosk's user needs the right to stop the mount unit (polkit rule "
                      "50-hailong.rules)",
                      m->mount, code);
}
