/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_platform.h: the one seam between the firmware and the operating system.
 *
 * This part: the real clock and random bytes (as an hl_sys_t), the
 * data and assets folders, and a default kiosk id. Display, input, USB and
 * services join this interface in later issues, each with a headless backend
 * for tests. Nothing in the core (firmware/base .. tech) includes this header: the core gets
 * what it needs as parameters.
 */
#ifndef HL_PLATFORM_H
#define HL_PLATFORM_H

#include "hl_devkey.h"
#include "hl_err.h"
#include "hl_sys.h"

#include <stdbool.h>
#include <stddef.h>

/* The real services: CLOCK_MONOTONIC, CLOCK_REALTIME, getrandom(2), and a
 * wall clock trusted when the kernel says it is synchronised (adjtimex: no
 * STA_UNSYNC) or systemd-timesyncd has marked it synchronised. */
hl_sys_t hl_platform_sys(void);

/* Resolves the data directory: flag (--data-dir) if given, else
 * $HAILONG_DATA_DIR, else /var/lib/hailong when it exists and is writable
 * (or can be created), else $XDG_DATA_HOME/hailong (~/.local/share/hailong).
 * Does not create it (the store does). */
int hl_platform_data_dir(const char *flag, char *out, size_t outsz, hl_err_t *err);

/* Whether the kiosk may keep its responses in dir, before it opens the store:
 * a file system that keeps its changes in RAM (tmpfs, ramfs, an overlay: a
 * read-only root's overlay with no data partition, or covering it too),
 * where every answer would vanish at the next power cut, is refused
 * (HL_ERR_STATE) unless $HAILONG_DATA_IN_RAM is 1 (tests, demonstrations); a
 * missing folder is judged by the folder it would be made in. A read-only
 * file system or a folder this user cannot write is refused
 * (HL_ERR_READONLY) instead of failing at the first answer. With
 * require_mount (config storage.require_mount) the folder must exist
 * (HL_ERR_NOT_FOUND) and lie on another file system than root's
 * (HL_ERR_STATE): a data partition that failed to mount leaves an empty
 * mount point on the root file system. root is "/" (tests give another
 * folder). Without require_mount a missing folder is fine: the store makes it. */
/* "tmpfs", "ramfs" or "an overlay" when the file system at path keeps its
 * changes in RAM (they vanish at reboot: a read-only root's overlay), else
 * NULL (a disk, or path cannot be looked at). */
const char *hl_platform_ram_fs(const char *path);

int hl_platform_data_dir_check(const char *dir, bool require_mount, const char *root,
                               hl_err_t *err);

/* The bundled assets folder: $HAILONG_ASSETS_DIR, else the one compiled in
 * (the source tree's assets/ for a build tree, /usr/share/hailong when
 * installed). */
const char *hl_platform_assets_dir(void);

/* A default kiosk id from the host name, lower-cased and reduced to
 * [a-z0-9_-]{1,40}; "kiosk" when there is none. */
void hl_platform_kiosk_id(char out[41]);

/* Removes a folder and everything under it (not following links). */
int hl_platform_rmtree(const char *path, hl_err_t *err);

/* Bytes an unprivileged writer may still use on the file system holding
 * path (statvfs f_bavail), -1 when it cannot be read. */
long long hl_platform_free_bytes(const char *path);

/* The local time's offset from UTC at utc_ms, in ms (localtime_r's
 * tm_gmtoff: TZ, /etc/localtime; Viet Nam is +7 h). */
int64_t hl_platform_tz_offset_ms(int64_t utc_ms);

/* Start of the local day holding utc_ms, as UTC ms. */
int64_t hl_platform_day_start_ms(int64_t utc_ms);

/* Runs a command and waits for it: shell_cmd with /bin/sh -c (shell_arg as
 * its $1) when shell_cmd is set and not empty (a test's or an operator's
 * override), else argv (argv[0] looked up in PATH). Returns its exit code
 * (127: not found; 128 + N: killed by signal N), or -1 with errno when it
 * cannot be started. Blocks: call it off the event loop. */
int hl_platform_run(const char *shell_cmd, const char *shell_arg, char *const argv[]);

/* Asks the system to power off: runs $HAILONG_POWEROFF_CMD with sh -c when
 * set (tests, other systems), else `systemctl poweroff` (logind decides
 * whether this user may: a polkit rule grants the kiosk's user).
 * HL_ERR_STATE with the reason when it is refused. */
int hl_platform_poweroff(hl_err_t *err);

/* Sets the wall clock (clock_settime: needs CAP_SYS_TIME). HL_ERR_STATE
 * "not allowed" when the process lacks the right. */
int hl_platform_set_time(int64_t utc_ms, hl_err_t *err);

/* The old chain key of stores chained before schema 6, when the config had
 * no export key: the 32 bytes of <data_dir>/chain.key. Only read now (to
 * check those responses, `hailong verify`), never made: HL_ERR_NOT_FOUND
 * when there is none, HL_ERR_CORRUPT when it is not 32 bytes. */
#define HL_CHAIN_KEY_FILE "chain.key"
int hl_platform_chain_key_read(const char *data_dir, unsigned char key[32], hl_err_t *err);

/* The device key file, <data_dir>/device.key (HL_DEVKEY_FILE, hl_devkey.h):
 * read into buf (NUL-terminated, at most cap - 1 bytes; not a link, not a
 * FIFO), HL_ERR_NOT_FOUND when absent, HL_ERR_CORRUPT when it is not a
 * regular file of that size. */
int hl_platform_device_key_read(const char *data_dir, char *buf, size_t cap, size_t *len,
                                hl_err_t *err);

/* Makes <data_dir>/device.key holding text: a temporary file (O_EXCL, mode
 * 0600), fsync'd, linked into place (never over an existing key:
 * HL_ERR_STATE), and the folder fsync'd. HL_ERR_IO/FULL/READONLY. */
int hl_platform_device_key_create(const char *data_dir, const char *text, size_t len,
                                  hl_err_t *err);

#endif
