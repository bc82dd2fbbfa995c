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

#include "hl_diag.h"
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
    int rotation; /* clockwise degrees the panel is mounted at: 0, 90, 180, 270 (default 0) */
} hl_display_cfg_t;

typedef struct hl_config {
    char kiosk_id[HL_SURVEY_ID_MAX + 1]; /* [a-z0-9_-]{1,40} */
    hl_text_t site;                      /* owned; hall name per language, may be empty */
    hl_text_t counter;                   /* owned; counter name per language, may be empty */
    char *survey; /* owned: "survey" as written, or NULL for the bundled default */
    char *dir;    /* owned: folder of the config file (for resolving survey), or NULL */
    char *file;   /* owned: path of the config file, or NULL for defaults */
    hl_timeouts_t timeouts;
    hl_display_cfg_t display;
    bool has_export_key;                 /* "export.key_sha256" given: USB export is authorised */
    char export_roots[4][128];           /* "export.roots": where sticks get mounted */
    int n_export_roots;                  /* 0: the defaults, /media and /run/media */
    unsigned char export_key_sha256[32]; /* SHA-256 of the stick's HAILONG/export.key secret;
                                            the HMAC key of result bundles */
} hl_config_t;

/* Fills defaults: the given kiosk id, empty site/counter, bundled survey,
 * timeouts 30/10/5, display 96 dpi, rotation 0, no export key. */
void hl_config_defaults(hl_config_t *cfg, const char *kiosk_id);

/* Loads a config file over the defaults already in cfg. HL_OK, or
 * HL_ERR_INVALID / HL_ERR_IO with every problem appended to diags. */
int hl_config_load_file(const char *path, hl_config_t *cfg, hl_diags_t *diags);
int hl_config_load_text(const char *name, const char *text, size_t len, hl_config_t *cfg,
                        hl_diags_t *diags);

void hl_config_free(hl_config_t *cfg);

/* True when text looks like a config rather than a survey (no "format" nor
 * "questions" key at top level); used by `hailong check` to pick a validator. */
int hl_config_sniff(const char *text, size_t len);

#endif
