/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_panel.h: the two ways the kms backend turns the panel off and on
 * (hl_display_panel), apart from SDL so that tests reach them: the sysfs
 * backlight against a fake sysfs tree, DPMS with a file descriptor that is
 * not a DRM device.
 *
 *   backlight  /sys/class/backlight/<device> (the first by name): bl_power
 *              4 (FB_BLANK_POWERDOWN) for off and 0 for on; without bl_power,
 *              brightness 0 for off and the brightness saved at off (or
 *              max_brightness when none was saved) for on. The root is
 *              $HAILONG_SYSFS_ROOT, else /sys.
 *   DPMS       the "DPMS" property of each connected connector of the DRM
 *              device (libdrm), set to off (3) or on (0). Needs the DRM
 *              master (SDL's kmsdrm driver holds it while it has the screen).
 *
 * Errors name the file or the call, say why, and what to do.
 */
#ifndef HL_PANEL_H
#define HL_PANEL_H

#include "hl_err.h"

#include <stdbool.h>

#define HL_BACKLIGHT_PATH_MAX 512 /* bytes of a backlight device's folder */
#define HL_BACKLIGHT_OFF      4   /* bl_power: FB_BLANK_POWERDOWN */

typedef struct hl_backlight {
    char dir[HL_BACKLIGHT_PATH_MAX]; /* <root>/class/backlight/<device> */
    bool has_bl_power;               /* bl_power exists: it switches the light */
    long saved;                      /* brightness before off (no bl_power), -1 none */
} hl_backlight_t;

/* $HAILONG_SYSFS_ROOT when set and not empty, else "/sys". */
const char *hl_panel_sysfs_root(void);

/* Finds the backlight under root/class/backlight (the first device by
 * name): true with b filled, false when there is none. */
bool hl_backlight_find(const char *root, hl_backlight_t *b);

/* Turns the backlight off or on. HL_ERR_IO (or HL_ERR_READONLY) naming the
 * file when it cannot be read or written. */
int hl_backlight_set(hl_backlight_t *b, bool on, hl_err_t *err);

/* Sets DPMS on or off on every connected connector of the DRM device fd.
 * HL_ERR_STATE when fd is not the DRM master (another program holds the
 * screen), HL_ERR_NOT_FOUND when fd is no KMS device or has no connected
 * connector with a DPMS property, HL_ERR_IO when the kernel refuses. */
int hl_dpms_set(int fd, bool on, hl_err_t *err);

#endif
