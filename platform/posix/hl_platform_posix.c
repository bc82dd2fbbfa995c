/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_platform_posix.c: the POSIX (Linux) implementation of hl_platform.h:
 * clocks, randomness, clock trust, data paths and the default kiosk id.
 */
#include "hl_platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#ifndef HL_ASSETS_DIR
#define HL_ASSETS_DIR "/usr/share/hailong"
#endif

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_mono(void *ctx)
{
    (void)ctx;
    return clock_ms(CLOCK_MONOTONIC);
}

static int64_t real_utc(void *ctx)
{
    (void)ctx;
    return clock_ms(CLOCK_REALTIME);
}

static bool real_trusted(void *ctx)
{
    (void)ctx;
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int state = adjtimex(&tx);
    if (state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC)) return true;
    /* systemd-timesyncd touches this file once it has synchronised. */
    return access("/run/systemd/timesync/synchronized", F_OK) == 0;
}

static int real_random(void *ctx, void *buf, size_t n)
{
    (void)ctx;
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

hl_sys_t hl_platform_sys(void)
{
    hl_sys_t s = {real_mono, real_utc, real_trusted, real_random, NULL};
    return s;
}

static bool dir_usable(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) return S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
    /* Missing: usable when its parent lets us create it. */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent) return false;
    *slash = '\0';
    return access(parent, W_OK | X_OK) == 0;
}

int hl_platform_data_dir(const char *flag, char *out, size_t outsz, hl_err_t *err)
{
    const char *env = getenv("HAILONG_DATA_DIR");
    int n;
    if (flag && *flag)
        n = snprintf(out, outsz, "%s", flag);
    else if (env && *env)
        n = snprintf(out, outsz, "%s", env);
    else if (dir_usable("/var/lib/hailong"))
        n = snprintf(out, outsz, "%s", "/var/lib/hailong");
    else {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
            n = snprintf(out, outsz, "%s/hailong", xdg);
        else if (home && *home)
            n = snprintf(out, outsz, "%s/.local/share/hailong", home);
        else
            return hl_err_set(err, HL_ERR_NOT_FOUND,
                              "no data directory: /var/lib/hailong is not writable and neither "
                              "XDG_DATA_HOME nor HOME is set; pass --data-dir DIR");
    }
    if (n < 0 || (size_t)n >= outsz)
        return hl_err_set(err, HL_ERR_USAGE, "data directory path is too long");
    return HL_OK;
}

const char *hl_platform_ram_fs(const char *path)
{
    struct statfs fs;
    if (statfs(path, &fs) != 0) return NULL;
    unsigned long t = (unsigned long)fs.f_type;
    return t == 0x01021994UL   ? "tmpfs"
           : t == 0x858458f6UL ? "ramfs"
           : t == 0x794c7630UL ? "an overlay"
                               : NULL;
}

int hl_platform_data_dir_check(const char *dir, bool require_mount, const char *root, hl_err_t *err)
{
    struct stat st, rst;
    bool exists = stat(dir, &st) == 0;
    if (!exists && (errno != ENOENT || require_mount)) {
        if (errno == ENOENT)
            return hl_err_set(err, HL_ERR_NOT_FOUND,
                              "data directory %s does not exist, and the config asks for a "
                              "mounted data partition there (storage.require_mount): check "
                              "/etc/fstab and `findmnt %s`",
                              dir, dir);
        return hl_err_set(err, HL_ERR_IO, "cannot look at data directory %s: %s", dir,
                          strerror(errno));
    }
    /* Answers kept in RAM vanish at the next power cut: a read-only root's
     * overlay (with no data partition, or one the overlay covered too) or a
     * tmpfs. A missing folder is judged by the folder it would be made in.
     * HAILONG_DATA_IN_RAM=1 allows it, for tests and demonstrations. */
    char probe[PATH_MAX];
    snprintf(probe, sizeof probe, "%s", dir);
    for (char *slash; !exists && (slash = strrchr(probe, '/')) != NULL && slash != probe;) {
        *slash = '\0';
        struct stat pst;
        exists = stat(probe, &pst) == 0;
    }
    const char *ram = hl_platform_ram_fs(probe[0] ? probe : "/");
    const char *allow = getenv("HAILONG_DATA_IN_RAM");
    if (ram && !(allow && !strcmp(allow, "1")))
        return hl_err_set(err, HL_ERR_STATE,
                          "data directory %s is on %s, which keeps its changes in RAM: answers "
                          "stored there would be lost at the next power cut. Mount a data "
                          "partition there (with a read-only root: keep it out of the overlay; "
                          "see `findmnt -T %s`), or set HAILONG_DATA_IN_RAM=1 for a test run",
                          dir, ram, dir);
    if (stat(dir, &st) != 0) return HL_OK; /* missing, not required: the store creates it */
    if (!S_ISDIR(st.st_mode))
        return hl_err_set(err, HL_ERR_USAGE, "data directory %s is not a folder", dir);
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
        return hl_err_set(err, HL_ERR_READONLY,
                          "data directory %s is on a read-only file system: no answer could be "
                          "stored; mount the data partition read-write (see `findmnt -T %s`)",
                          dir, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return hl_err_set(err, HL_ERR_READONLY,
                          "data directory %s is not writable by user id %ld: %s; give it to the "
                          "kiosk's user (sudo chown hailong:hailong %s)",
                          dir, (long)geteuid(), strerror(errno), dir);
    if (!require_mount) return HL_OK;
    if (stat(root, &rst) != 0)
        return hl_err_set(err, HL_ERR_IO, "cannot look at %s: %s", root, strerror(errno));
    if (st.st_dev == rst.st_dev)
        return hl_err_set(err, HL_ERR_STATE,
                          "data directory %s is on the same file system as %s, but the config "
                          "asks for a mounted data partition (storage.require_mount): the "
                          "partition is not mounted; answers stored now would be lost. Check "
                          "/etc/fstab and `findmnt %s`, or set storage.require_mount to false",
                          dir, root, dir);
    return HL_OK;
}

const char *hl_platform_assets_dir(void)
{
    const char *env = getenv("HAILONG_ASSETS_DIR");
    return (env && *env) ? env : HL_ASSETS_DIR;
}

void hl_platform_kiosk_id(char out[41])
{
    char host[256] = "";
    size_t o = 0;
    if (gethostname(host, sizeof host - 1) == 0) {
        for (const char *p = host; *p && o < 40; p++) {
            char c = *p;
            if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
                c = '-';
            out[o++] = c;
        }
    }
    out[o] = '\0';
    if (o == 0) strcpy(out, "kiosk");
}

int hl_platform_rmtree(const char *path, hl_err_t *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT
                   ? HL_OK
                   : hl_err_set(err, HL_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) return hl_err_set(err, HL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        struct dirent *e;
        int rc = HL_OK;
        while (rc == HL_OK && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char child[4096];
            if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= (int)sizeof child) {
                rc = hl_err_set(err, HL_ERR_IO, "path too long under %s", path);
                break;
            }
            rc = hl_platform_rmtree(child, err);
        }
        closedir(d);
        if (rc != HL_OK) return rc;
        if (rmdir(path) != 0)
            return hl_err_set(err, HL_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        return HL_OK;
    }
    if (unlink(path) != 0)
        return hl_err_set(err, HL_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
    return HL_OK;
}

/* ---- Disk, time zone, power, clock ------------------------------------------- */

long long hl_platform_free_bytes(const char *path)
{
    struct statvfs v;
    if (!path || statvfs(path, &v) != 0) return -1;
    return (long long)v.f_bavail * (long long)v.f_frsize;
}

int64_t hl_platform_tz_offset_ms(int64_t utc_ms)
{
    time_t t = (time_t)(utc_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm)) return 0;
    return (int64_t)tm.tm_gmtoff * 1000;
}

int64_t hl_platform_day_start_ms(int64_t utc_ms)
{
    int64_t off = hl_platform_tz_offset_ms(utc_ms);
    int64_t local = utc_ms + off;
    int64_t day = local / 86400000;
    if (local < 0 && local % 86400000) day--;
    return day * 86400000 - off;
}

int hl_platform_run(const char *shell_cmd, const char *shell_arg, char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (shell_cmd && *shell_cmd)
            execl("/bin/sh", "sh", "-c", shell_cmd, "sh", shell_arg, (char *)NULL);
        else
            execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int hl_platform_poweroff(hl_err_t *err)
{
    char *argv[] = {"systemctl", "poweroff", NULL};
    int code = hl_platform_run(getenv("HAILONG_POWEROFF_CMD"), NULL, argv);
    if (code == 0) return HL_OK;
    if (code < 0)
        return hl_err_set(err, HL_ERR_STATE, "cannot power off: fork: %s", strerror(errno));
    return hl_err_set(err, HL_ERR_STATE,
                      code == 127 ? "cannot power off: systemctl is not available here"
                                  : "the system refused to power off (exit %d): the kiosk's user "
                                    "needs the right (a polkit rule), or use the switch",
                      code);
}

int hl_platform_set_time(int64_t utc_ms, hl_err_t *err)
{
    struct timespec ts = {(time_t)(utc_ms / 1000), (long)(utc_ms % 1000) * 1000000L};
    if (clock_settime(CLOCK_REALTIME, &ts) == 0) return HL_OK;
    if (errno == EPERM)
        return hl_err_set(err, HL_ERR_STATE,
                          "not allowed to set the clock: the kiosk needs CAP_SYS_TIME (or connect "
                          "it to a network with NTP)");
    return hl_err_set(err, HL_ERR_STATE, "cannot set the clock: %s", strerror(errno));
}

/* ---- The chain key -------------------------------------------------------- */

static int chain_errno_rc(int e)
{
    if (e == ENOSPC || e == EDQUOT) return HL_ERR_FULL;
    if (e == EROFS) return HL_ERR_READONLY;
    return HL_ERR_IO;
}

int hl_platform_chain_key_read(const char *data_dir, unsigned char key[32], hl_err_t *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", data_dir, HL_CHAIN_KEY_FILE) >= (int)sizeof path)
        return hl_err_set(err, HL_ERR_USAGE, "data folder path too long: %s", data_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) return hl_err_set(err, HL_ERR_NOT_FOUND, "%s does not exist", path);
        return hl_err_set(err, HL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is not a regular file: it is damaged or not ours (restore it from "
                          "a backup)",
                          path);
    }
    unsigned char buf[33];
    size_t got = 0;
    int rc = HL_OK;
    while (got < sizeof buf) {
        ssize_t r = read(fd, buf + got, sizeof buf - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = hl_err_set(err, HL_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (rc == HL_OK && got != 32)
        rc = hl_err_set(err, HL_ERR_CORRUPT,
                        "%s holds %s%zu bytes, not the 32 of a chain key: it is damaged or not "
                        "ours (it is never replaced; restore it from a backup)",
                        path, got > 32 ? "more than " : "", got > 32 ? (size_t)32 : got);
    if (rc == HL_OK) memcpy(key, buf, 32);
    memset(buf, 0, sizeof buf);
    return rc;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

int hl_platform_device_key_read(const char *data_dir, char *buf, size_t cap, size_t *len,
                                hl_err_t *err)
{
    char path[PATH_MAX];
    *len = 0;
    if (snprintf(path, sizeof path, "%s/%s", data_dir, HL_DEVKEY_FILE) >= (int)sizeof path)
        return hl_err_set(err, HL_ERR_USAGE, "data folder path too long: %s", data_dir);
    char *text = NULL;
    size_t n = 0;
    hl_err_t e = {0};
    int rc = hl_file_read(NULL, path, cap - 1, HL_FILE_NOFOLLOW, &text, &n, &e);
    if (rc == HL_ERR_INVALID) /* a link, a FIFO, a device, too big */
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is not a device key file (a regular file of at most %zu bytes): it "
                          "is damaged or not ours; restore it from a backup",
                          path, cap - 1);
    if (rc == HL_ERR_NOT_FOUND) return hl_err_set(err, rc, "%s does not exist", path);
    if (rc != HL_OK) return hl_err_set(err, rc, "the device key %s: %s", path, e.msg);
    memcpy(buf, text, n + 1);
    explicit_bzero(text, n);
    free(text);
    *len = n;
    return HL_OK;
}

int hl_platform_device_key_create(const char *data_dir, const char *text, size_t len, hl_err_t *err)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", data_dir, HL_DEVKEY_FILE);
    if (snprintf(tmp, sizeof tmp, "%s/.%s.%ld", data_dir, HL_DEVKEY_FILE, (long)getpid()) >=
        (int)sizeof tmp)
        return hl_err_set(err, HL_ERR_USAGE, "data folder path too long: %s", data_dir);
    (void)unlink(tmp); /* left over by a crash of a process with our pid */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return hl_err_set(err, chain_errno_rc(errno), "cannot create %s: %s", tmp, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) break;
        done += (size_t)w;
    }
    int e = done == len ? 0 : errno;
    if (!e && fsync(fd) != 0) e = errno;
    close(fd);
    /* link(2), not rename: never replaces a key another process made. */
    if (!e && link(tmp, path) != 0) e = errno;
    (void)unlink(tmp);
    if (e == EEXIST)
        return hl_err_set(err, HL_ERR_STATE, "%s exists already: it is never replaced", path);
    if (e)
        return hl_err_set(err, chain_errno_rc(e), "cannot write the device key %s: %s", path,
                          strerror(e));
    if (fsync_dir(data_dir) != 0)
        return hl_err_set(err, chain_errno_rc(errno), "cannot sync folder %s: %s", data_dir,
                          strerror(errno));
    return HL_OK;
}
