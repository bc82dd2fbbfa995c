/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_media.h: removable media (USB sticks) for result exports.
 *
 * The kiosk learns of mounted sticks by watching the mount table:
 * /proc/self/mountinfo signals changes through poll() (POLLPRI), so no busy
 * polling. A watcher reports mounts that appear or disappear under the
 * configured roots (default /media and /run/media). Whether a stick may
 * receive results is decided by its HAILONG/export.key, whose SHA-256 must
 * equal the config's export.key_sha256 (read without following links).
 */
#ifndef HL_MEDIA_H
#define HL_MEDIA_H

#include "hl_err.h"

#include <stdbool.h>
#include <stddef.h>

#define HL_MEDIA_MAX       8   /* removable mounts tracked at once */
#define HL_MEDIA_MAX_ROOTS 4   /* watched roots */
#define HL_MEDIA_PATH_MAX  512 /* a mount point's path */

typedef struct hl_medium {
    char mount[HL_MEDIA_PATH_MAX]; /* mount point, e.g. /media/usb0 */
    char fs_type[32];              /* vfat, exfat, ext4, ... */
    char source[128];              /* device, e.g. /dev/sda1 */
    char id[128];                  /* file-system UUID or label when known, else the source */
} hl_medium_t;

typedef struct hl_media_watch hl_media_watch_t;

/* Starts watching the mount table for mounts under roots (NULL-terminated;
 * NULL means /media and /run/media). mountinfo: the file to watch (NULL:
 * /proc/self/mountinfo; tests give another). */
int hl_media_watch_open(const char *const *roots, const char *mountinfo, hl_media_watch_t **out,
                        hl_err_t *err);
void hl_media_watch_close(hl_media_watch_t *w);

/* The descriptor to poll() for POLLPRI (mount table changed), or -1 when the
 * file cannot signal (a test file): then call hl_media_watch_scan when
 * convenient. */
int hl_media_watch_fd(const hl_media_watch_t *w);

/* Re-reads the mount table. *added / *removed (may be NULL) get the mounts
 * that appeared / disappeared since the last scan (up to HL_MEDIA_MAX each). */
int hl_media_watch_scan(hl_media_watch_t *w, hl_medium_t *added, size_t *n_added,
                        hl_medium_t *removed, size_t *n_removed, hl_err_t *err);

/* Whether the stick at mount carries HAILONG/export.key whose SHA-256 equals
 * key_sha256 (read with O_NOFOLLOW at each level; at most 4 KiB; a trailing
 * line break is not part of the secret). False for anything else, silently:
 * a citizen's stick is simply ignored. */
bool hl_media_authorized(const char *mount, const unsigned char key_sha256[32]);

/* After an export, unmounts the stick so that pulling it can lose nothing
 * (the export has already made its data durable: this is the stronger
 * promise). The kiosk may not unmount by itself: for a mount at
 * /media/hailong-NAME it asks systemd to stop hailong-usb-mount@NAME.service
 * (`systemctl stop`; the package's polkit rule grants the user hailong
 * exactly that); $HAILONG_USB_RELEASE_CMD, when set, is run instead by
 * /bin/sh with the mount point as $1. Waits for the command (call it off the
 * event loop). HL_ERR_NOT_FOUND for a mount the helper did not make (the
 * stick stays mounted, its data is durable all the same); HL_ERR_STATE with
 * a message when the command fails. */
int hl_media_release(const hl_medium_t *m, hl_err_t *err);

#endif
