/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_config.h: the kiosk's configuration file (JSON), loaded and validated
 * like a survey.
 *
 * Without a file the kiosk runs on defaults and the bundled survey. On a Pi
 * the file is /etc/hailong/hailong.json. Unknown keys and bad values are
 * errors with line and column. Later issues add sections (sync, export,
 * officers, display, ...) to this same file.
 */
#ifndef HL_CONFIG_H
#define HL_CONFIG_H

#include "hl_access.h"
#include "hl_compose.h"
#include "hl_diag.h"
#include "hl_err.h"
#include "hl_hours.h"
#include "hl_lang.h"
#include "hl_limits.h"

#include <stdbool.h>

typedef struct hl_timeouts {
    int idle_s;   /* no input for this long: ask "still there?" (default 30, 5..600) */
    int warn_s;   /* "still there?" shown this long, then partial (default 10, 3..120) */
    int thanks_s; /* thanks screen shown this long (default 5, 1..60) */
} hl_timeouts_t;

typedef struct hl_display_cfg {
    int dpi; /* panel dots per inch, for 10 mm targets and 7 mm letters (default 96, 60..600) */
    int rotation;     /* clockwise degrees the panel is mounted at: 0, 90, 180, 270 (default 0) */
    hl_hours_t hours; /* "opening_hours": the panel is off outside them (a touch wakes it);
                         hours.set false (the default): always on */
} hl_display_cfg_t;

/* "keyboard": how the on-screen keyboard composes Vietnamese (hl_compose.h). */
typedef struct hl_keyboard_cfg {
    hl_compose_method_t method; /* "method": "telex" (default), "vni" or "none" (the tone and
                                   letter rows only) */
    bool new_style;             /* "new_style": oa oe uy take the tone on the second vowel (hoà);
                                   default false: the old style of official names (hòa) */
} hl_keyboard_cfg_t;

/* "sync": store-and-forward push of finished responses to a server over
 * HTTPS (hl_sync.h, docs/sync-protocol.md). No section, no network. */
#define HL_SYNC_URL_MAX   512 /* bytes of sync.url */
#define HL_SYNC_TOKEN_MAX 512 /* bytes of sync.token */
#define HL_SYNC_PIN_MAX   500 /* bytes of the joined pins: up to 8 "sha256//<44 base64>" */
#define HL_SYNC_PATH_MAX  256 /* bytes of sync.ca_file once resolved */
#define HL_SYNC_BATCH_MAX 5000

typedef struct hl_sync_cfg {
    bool enabled;                       /* the config has a "sync" section */
    char url[HL_SYNC_URL_MAX + 1];      /* "https://host[:port]/path": no user:password@, no
                                           fragment; http:// only with allow_insecure_http */
    char token[HL_SYNC_TOKEN_MAX + 1];  /* bearer token: 1..512 visible ASCII characters
                                           (0x21..0x7e), never logged */
    char ca_file[HL_SYNC_PATH_MAX + 1]; /* PEM CA bundle to trust instead of the system store;
                                           a relative path is resolved against the config's
                                           folder; "" for the system store */
    char pin[HL_SYNC_PIN_MAX + 1];      /* "sha256//<base64>" or several joined with ';' (a string
                                           or a list in the file; a backup pin can be listed); ""
                                           for none */
    int interval_s;           /* seconds between pushes when nothing is failing (60, 5..86400) */
    int batch;                /* responses per request (500, 1..HL_SYNC_BATCH_MAX) */
    bool allow_insecure_http; /* accept a plain http:// url (a lab); default false */
    int connect_timeout_s;    /* connection limit (10, 1..120) */
    int timeout_s;            /* whole-request limit (60, 1..600); a transfer slower than
                                 100 bytes/s for half of it (at least 10 s) is cut too */
} hl_sync_cfg_t;

/* "officers": who may be on duty at this counter (issue 6). */
#define HL_MAX_OFFICERS     32
#define HL_OFFICER_NAME_MAX 120 /* bytes of a name (UTF-8) */

typedef struct hl_officer {
    char id[HL_ITEM_ID_MAX + 1];        /* [a-z0-9_-]{1,32}: recorded in responses */
    char name[HL_OFFICER_NAME_MAX + 1]; /* shown on the start screen, as on counter signs */
    char *photo; /* owned: photo file (PNG or JPEG) resolved against the config's folder, or
                    NULL */
} hl_officer_t;

typedef struct hl_config {
    char kiosk_id[HL_SURVEY_ID_MAX + 1]; /* [a-z0-9_-]{1,40} */
    hl_text_t site;                      /* owned; hall name per language, may be empty */
    hl_text_t counter;                   /* owned; counter name per language, may be empty */
    char *survey; /* owned: "survey" as written, or NULL for the bundled default */
    char *dir;    /* owned: folder of the config file (for resolving survey), or NULL */
    char *file;   /* owned: path of the config file, or NULL for defaults */
    hl_timeouts_t timeouts;
    hl_display_cfg_t display;
    hl_keyboard_cfg_t keyboard;          /* "keyboard" */
    hl_access_cfg_t access;              /* "accessibility": Listen, volume, the keys' map */
    bool has_export_key;                 /* "export.key_sha256" given: USB export is authorised */
    char export_roots[4][128];           /* "export.roots": where sticks get mounted */
    int n_export_roots;                  /* 0: the defaults, /media and /run/media */
    unsigned char export_key_sha256[32]; /* SHA-256 of the stick's HAILONG/export.key secret;
                                            the HMAC key of result bundles */
    hl_sync_cfg_t sync;                  /* "sync"; sync.enabled false without the section */
    hl_officer_t officers[HL_MAX_OFFICERS]; /* "officers" */
    int n_officers;
    char officer[HL_ITEM_ID_MAX + 1]; /* "officer": id of the one on duty ("" none); must be
                                         listed in officers */
    char language[8];                 /* "language": default language code ("" = the
                                         survey's first); checked against the survey at start */
    int fair_min_interval_s; /* "fairness": {"min_interval_s": 5}: a response starting within
                                this of the previous one's finish is flagged (0..3600, 0 off) */
    int fair_max_per_hour;   /* "fairness": {"max_per_hour": 60}: more responses started in
                                the last hour are flagged (0..10000, 0 off) */
    char pin_hash[128];      /* "technician": {"pin_hash": hl_pin.h stored form};
                                "" = no PIN set: the technician menu stays closed */
    bool require_mount;      /* "storage": {"require_mount": true}: refuse to start unless the
                                data directory is on a mounted file system other than the
                                root one (a card or disk mounted late must not be written
                                under its mount point); default false */
} hl_config_t;

/* Fills defaults: the given kiosk id, empty site/counter, bundled survey,
 * timeouts 30/10/5, display 96 dpi, rotation 0, no opening hours (always
 * on), keyboard Telex in the old style, no export key, require_mount
 * false. */
void hl_config_defaults(hl_config_t *cfg, const char *kiosk_id);

/* Loads a config file over the defaults already in cfg. HL_OK, or
 * HL_ERR_INVALID / HL_ERR_IO with every problem appended to diags. */
int hl_config_load_file(const char *path, hl_config_t *cfg, hl_diags_t *diags);
int hl_config_load_text(const char *name, const char *text, size_t len, hl_config_t *cfg,
                        hl_diags_t *diags);

void hl_config_free(hl_config_t *cfg);

/* The officer with this id, or NULL. */
const hl_officer_t *hl_config_officer(const hl_config_t *cfg, const char *id);

/* Changes one setting in the config file `path`, keeping every other key,
 * its order and the file's mode and owner: key is "officer", "survey",
 * "language", "timeouts.idle_s", "display.rotation", "technician.pin_hash",
 * "export.key_sha256", ... (a top-level key or section.key), value_json its
 * new value as JSON text ("\"nva\"", "45"; NULL removes the key). The
 * result is validated as a whole first (HL_ERR_INVALID with every problem in
 * diags, the file untouched), then written to a temporary file in the same
 * folder, fsync'd, renamed over the file and the folder fsync'd. A missing
 * file is created. HL_ERR_IO/FULL/READONLY when it cannot be written. */
int hl_config_set(const char *path, const char *key, const char *value_json, hl_diags_t *diags,
                  hl_err_t *err);

/* Replaces the config file's "officers" with the n officers of list (id and
 * name; 0 removes the key), as hl_config_set does a key: validated as a
 * whole, then written atomically; with check_only, only validated. An
 * officer whose id the file lists already keeps the photo the file gives
 * (as written); the others have none. An "officer" on duty who is not in
 * list is removed (nobody on duty): *duty_cleared (may be NULL) says so.
 * Codes and diags as for hl_config_set. */
int hl_config_set_officers(const char *path, const hl_officer_t *list, int n, bool check_only,
                           bool *duty_cleared, hl_diags_t *diags, hl_err_t *err);

/* True when text looks like a config rather than a survey (no "format" nor
 * "questions" key at top level); used by `hailong check` to pick a validator. */
int hl_config_sniff(const char *text, size_t len);

#endif
