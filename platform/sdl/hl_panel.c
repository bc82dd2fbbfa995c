/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_panel.c: panel power for the kms backend (hl_panel.h): the sysfs
 * backlight and DPMS through libdrm. No SDL here: hl_display_sdl.c finds
 * the DRM file descriptor (SDL_GetWindowWMInfo) and picks the way.
 *
 * sysfs files are written with one write(2) of the number and a line
 * break, as `echo 4 > bl_power` would; O_TRUNC is ignored by sysfs and keeps
 * a fake tree (tests) holding exactly the last value written.
 */
#include "hl_panel.h"

#include <xf86drm.h>
#include <xf86drmMode.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSFS_VALUE_MAX 32 /* bytes of a sysfs number we read */

const char *hl_panel_sysfs_root(void)
{
    const char *env = getenv("HAILONG_SYSFS_ROOT");
    return env && *env ? env : "/sys";
}

bool hl_backlight_find(const char *root, hl_backlight_t *b)
{
    memset(b, 0, sizeof *b);
    b->saved = -1;
    char dir[HL_BACKLIGHT_PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/class/backlight", root) >= (int)sizeof dir) return false;
    DIR *d = opendir(dir);
    if (!d) return false;
    char best[256] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof best) continue;
        char probe[HL_BACKLIGHT_PATH_MAX + 300];
        snprintf(probe, sizeof probe, "%s/%s/brightness", dir, e->d_name);
        if (access(probe, F_OK) != 0) continue;
        if (!best[0] || strcmp(e->d_name, best) < 0) snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    if (!best[0] || snprintf(b->dir, sizeof b->dir, "%s/%s", dir, best) >= (int)sizeof b->dir) {
        b->dir[0] = '\0';
        return false;
    }
    char probe[HL_BACKLIGHT_PATH_MAX + 16];
    snprintf(probe, sizeof probe, "%s/bl_power", b->dir);
    b->has_bl_power = access(probe, F_OK) == 0;
    return true;
}

static int errno_rc(int e)
{
    return e == EROFS ? HL_ERR_READONLY : HL_ERR_IO;
}

static const char *access_advice(int e)
{
    return e == EACCES || e == EPERM
               ? " (the kiosk's user needs write access to it: a udev rule giving the video "
                 "group g+w on the backlight's brightness and bl_power)"
           : e == EROFS ? " (the file system is read-only)"
                        : "";
}

static int sysfs_read(const char *dir, const char *name, long *out, hl_err_t *err)
{
    char path[HL_BACKLIGHT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return hl_err_set(err, errno_rc(e), "cannot read %s: %s", path, strerror(e));
    }
    char buf[SYSFS_VALUE_MAX];
    ssize_t n;
    do {
        n = read(fd, buf, sizeof buf - 1);
    } while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0) return hl_err_set(err, errno_rc(e), "cannot read %s: %s", path, strerror(e));
    buf[n] = '\0';
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (end == buf || errno || v < 0 || (*end && *end != '\n'))
        return hl_err_set(err, HL_ERR_IO, "%s holds \"%.20s\", not a number", path, buf);
    *out = v;
    return HL_OK;
}

static int sysfs_write(const char *dir, const char *name, long v, hl_err_t *err)
{
    char path[HL_BACKLIGHT_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char buf[SYSFS_VALUE_MAX];
    int len = snprintf(buf, sizeof buf, "%ld\n", v);
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    ssize_t w = -1;
    int e = 0;
    if (fd >= 0) {
        do {
            w = write(fd, buf, (size_t)len);
        } while (w < 0 && errno == EINTR);
        if (w < 0) e = errno;
        if (close(fd) != 0 && !e) e = errno;
    } else {
        e = errno;
    }
    if (e || w != len) {
        if (!e) e = EIO;
        return hl_err_set(err, errno_rc(e), "cannot write %ld to %s: %s%s", v, path, strerror(e),
                          access_advice(e));
    }
    return HL_OK;
}

int hl_backlight_set(hl_backlight_t *b, bool on, hl_err_t *err)
{
    if (!b->dir[0]) return hl_err_set(err, HL_ERR_NOT_FOUND, "no backlight device");
    if (b->has_bl_power) return sysfs_write(b->dir, "bl_power", on ? 0 : HL_BACKLIGHT_OFF, err);
    long v = 0;
    int rc;
    if (!on) {
        /* Keep the brightness to come back to (a second off keeps the first). */
        if ((rc = sysfs_read(b->dir, "brightness", &v, err)) != HL_OK) return rc;
        if (v > 0) b->saved = v;
        return sysfs_write(b->dir, "brightness", 0, err);
    }
    if (b->saved > 0) {
        v = b->saved;
    } else {
        /* Nothing saved (the light was off at start: a crash while off):
         * full brightness, and only when it is off, so a set level stays. */
        long now = 0;
        if ((rc = sysfs_read(b->dir, "brightness", &now, err)) != HL_OK) return rc;
        if (now > 0) return HL_OK;
        if ((rc = sysfs_read(b->dir, "max_brightness", &v, err)) != HL_OK) return rc;
    }
    return sysfs_write(b->dir, "brightness", v, err);
}

/* The id of obj's property called name, 0 when it has none. */
static uint32_t drm_prop_id(int fd, uint32_t obj, uint32_t type, const char *name)
{
    drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
    if (!props) return 0;
    uint32_t id = 0;
    for (uint32_t i = 0; i < props->count_props && !id; i++) {
        drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);
        if (!p) continue;
        if (strcmp(p->name, name) == 0) id = p->prop_id;
        drmModeFreeProperty(p);
    }
    drmModeFreeObjectProperties(props);
    return id;
}

int hl_dpms_set(int fd, bool on, hl_err_t *err)
{
    drmModeResPtr res = fd >= 0 ? drmModeGetResources(fd) : NULL;
    if (!res)
        return hl_err_set(err, HL_ERR_NOT_FOUND,
                          "cannot turn the panel %s with DPMS: file descriptor %d is not a KMS "
                          "device (drmModeGetResources: %s)",
                          on ? "on" : "off", fd, strerror(errno));
    if (!drmIsMaster(fd)) {
        drmModeFreeResources(res);
        return hl_err_set(err, HL_ERR_STATE,
                          "cannot turn the panel %s with DPMS: this program is not the DRM master "
                          "(another program holds the screen: a desktop, plymouth, a second "
                          "hailong)",
                          on ? "on" : "off");
    }
    int done = 0, rc = HL_OK;
    for (int i = 0; i < res->count_connectors && rc == HL_OK; i++) {
        drmModeConnectorPtr c = drmModeGetConnector(fd, res->connectors[i]);
        if (!c) continue;
        uint32_t cid = c->connector_id;
        bool connected = c->connection == DRM_MODE_CONNECTED;
        drmModeFreeConnector(c);
        if (!connected) continue;
        uint32_t prop = drm_prop_id(fd, cid, DRM_MODE_OBJECT_CONNECTOR, "DPMS");
        if (!prop) continue;
        errno = 0;
        int r =
            drmModeConnectorSetProperty(fd, cid, prop, on ? DRM_MODE_DPMS_ON : DRM_MODE_DPMS_OFF);
        if (r != 0) {
            int e = r < -1 ? -r : (errno ? errno : EIO); /* -errno, or -1 with errno */
            rc = hl_err_set(err, e == EACCES ? HL_ERR_STATE : HL_ERR_IO,
                            "cannot turn the panel %s: DPMS on connector %u: %s", on ? "on" : "off",
                            cid, strerror(e));
        }
        done++;
    }
    drmModeFreeResources(res);
    if (rc == HL_OK && done == 0)
        rc = hl_err_set(err, HL_ERR_NOT_FOUND,
                        "cannot turn the panel %s: no connected connector with a DPMS property "
                        "(is the panel plugged in?)",
                        on ? "on" : "off");
    return rc;
}
