/*
 * hl_config.c: loading and validating the kiosk's configuration file.
 *
 * Every key is optional; what the file gives replaces the defaults already in
 * the caller's hl_config_t, and only when the whole file is valid: a file
 * with a problem leaves the config exactly as it was, so the caller can still
 * run on defaults (or refuse to start) knowing what it has. Checks and
 * messages come from hl_json.h, shared with the survey loader.
 */
#include "hl_config.h"

#include "hl_err.h"
#include "hl_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY_NAME_MAX 255 /* bytes in "survey": a file name limit on Linux */

static const char *const config_keys[] = {"kiosk_id", "site",    "counter", "survey",
                                          "timeouts", "display", "export",  NULL};
static const char *const timeout_keys[] = {"idle_s", "warn_s", "thanks_s", NULL};
static const char *const display_keys[] = {"dpi", "rotation", NULL};
static const char *const export_keys[] = {"key_sha256", "roots", NULL};

void hl_config_defaults(hl_config_t *cfg, const char *kiosk_id)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->kiosk_id, sizeof cfg->kiosk_id, "%s", kiosk_id ? kiosk_id : "");
    cfg->timeouts = (hl_timeouts_t){.idle_s = 30, .warn_s = 10, .thanks_s = 5};
    cfg->display = (hl_display_cfg_t){.dpi = 96, .rotation = 0};
}

void hl_config_free(hl_config_t *cfg)
{
    if (!cfg) return;
    hl_text_free(&cfg->site);
    hl_text_free(&cfg->counter);
    free(cfg->survey);
    free(cfg->dir);
    free(cfg->file);
    cfg->survey = cfg->dir = cfg->file = NULL;
}

/* What a file gives, before it replaces anything in the caller's config. */
typedef struct config_found {
    bool has_kiosk_id, has_site, has_counter;
    bool has_idle, has_warn, has_thanks, has_dpi, has_rotation, has_export_key;
    unsigned char export_key[32]; /* export.key_sha256 decoded */
    char roots[4][128];           /* export.roots */
    int n_roots;                  /* -1: not given */
    char kiosk_id[HL_SURVEY_ID_MAX + 1];
    hl_text_t site, counter; /* owned until applied */
    char *survey;            /* owned until applied; NULL when not given */
    int64_t idle_s, warn_s, thanks_s, dpi, rotation;
} config_found_t;

static void config_found_free(config_found_t *f)
{
    hl_text_free(&f->site);
    hl_text_free(&f->counter);
    free(f->survey);
}

static void check_survey_name(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *v;
    if (hl_json_get(doc, root, "", "survey", false, &v) != HL_JSON_FOUND) return;
    if (!json_is_string(v)) {
        hl_json_report(doc, "", "survey", HL_JSON_AT_VALUE,
                       "\"survey\" must be a file name string such as \"sipas-mot-cua.json\", "
                       "not %s",
                       hl_json_kind(v));
        return;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0) {
        hl_json_report(doc, "", "survey", HL_JSON_AT_VALUE,
                       "\"survey\" is empty: give a survey file such as \"sipas-mot-cua.json\", "
                       "or leave the key out for the bundled survey");
    } else if (len > SURVEY_NAME_MAX) {
        hl_json_report(doc, "", "survey", HL_JSON_AT_VALUE,
                       "\"survey\" is %zu bytes long; the limit is %d", len, SURVEY_NAME_MAX);
    } else if (strlen(s) != len) {
        hl_json_report(doc, "", "survey", HL_JSON_AT_VALUE, "\"survey\" contains a NUL character");
    } else {
        f->survey = strdup(s);
        if (!f->survey) doc->nomem = true;
    }
}

static void check_timeouts(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *t;
    if (hl_json_get_object(doc, root, "", "timeouts", false,
                           "an object such as {\"idle_s\": 30, \"warn_s\": 10, \"thanks_s\": 5}",
                           &t) != HL_JSON_FOUND)
        return;
    hl_json_check_keys(doc, t, "timeouts", timeout_keys);
    f->has_idle =
        hl_json_get_int(doc, t, "timeouts", "idle_s", false, 5, 600, &f->idle_s) == HL_JSON_FOUND;
    f->has_warn =
        hl_json_get_int(doc, t, "timeouts", "warn_s", false, 3, 120, &f->warn_s) == HL_JSON_FOUND;
    f->has_thanks = hl_json_get_int(doc, t, "timeouts", "thanks_s", false, 1, 60, &f->thanks_s) ==
                    HL_JSON_FOUND;
}

static void check_display(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *d;
    if (hl_json_get_object(doc, root, "", "display", false,
                           "an object such as {\"dpi\": 96, \"rotation\": 0}", &d) != HL_JSON_FOUND)
        return;
    hl_json_check_keys(doc, d, "display", display_keys);
    f->has_dpi =
        hl_json_get_int(doc, d, "display", "dpi", false, 60, 600, &f->dpi) == HL_JSON_FOUND;
    if (hl_json_get_int(doc, d, "display", "rotation", false, 0, 270, &f->rotation) !=
        HL_JSON_FOUND)
        return;
    if (f->rotation % 90 != 0) {
        hl_json_report(doc, "display", "rotation", HL_JSON_AT_VALUE,
                       "\"rotation\" is %lld; use 0, 90, 180 or 270 (clockwise degrees)",
                       (long long)f->rotation);
        return;
    }
    f->has_rotation = true;
}

static int hex_nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* export.roots: 1 to 4 absolute folders under which sticks are mounted. */
static void check_export_roots(hl_json_doc_t *doc, const json_t *x, config_found_t *f)
{
    json_t *arr;
    if (hl_json_get_array(doc, x, "export", "roots", false,
                          "a list of folders such as [\"/media\", \"/run/media\"]",
                          &arr) != HL_JSON_FOUND)
        return;
    size_t n = json_array_size(arr);
    if (n == 0 || n > 4) {
        hl_json_report(doc, "export", "roots", HL_JSON_AT_VALUE,
                       "\"roots\" lists %zu folders: give 1 to 4, such as [\"/media\"]", n);
        return;
    }
    char path[HL_JSON_PATH_MAX];
    hl_json_path_key(path, "export", "roots");
    int good = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        const char *r = json_is_string(v) ? json_string_value(v) : NULL;
        char ipath[HL_JSON_PATH_MAX];
        hl_json_path_index(ipath, path, i);
        if (!r || r[0] != '/' || strlen(r) >= sizeof f->roots[0] ||
            strlen(r) != json_string_length(v)) {
            hl_json_report(doc, ipath, NULL, HL_JSON_AT_VALUE,
                           "each root must be an absolute folder path (such as \"/media\") of "
                           "at most %zu bytes",
                           sizeof f->roots[0] - 1);
            continue;
        }
        snprintf(f->roots[good++], sizeof f->roots[0], "%s", r);
    }
    if (good == (int)n) f->n_roots = good;
}

static void check_export(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *x;
    const char *hex;
    if (hl_json_get_object(doc, root, "", "export", false,
                           "an object such as {\"key_sha256\": \"<64 hex digits>\"}",
                           &x) != HL_JSON_FOUND)
        return;
    hl_json_check_keys(doc, x, "export", export_keys);
    check_export_roots(doc, x, f);
    if (hl_json_get_string(doc, x, "export", "key_sha256", false, &hex) != HL_JSON_FOUND) return;
    size_t len = strlen(hex), bad = 0;
    while (bad < len && hex_nibble(hex[bad]) >= 0)
        bad++;
    if (len != 64) {
        hl_json_report(doc, "export", "key_sha256", HL_JSON_AT_VALUE,
                       "\"key_sha256\" must be 64 lower-case hex digits (the SHA-256 of the "
                       "secret in the stick's HAILONG/export.key, as sha256sum prints it), not "
                       "%zu characters",
                       len);
        return;
    }
    if (bad < len) {
        hl_json_report(doc, "export", "key_sha256", HL_JSON_AT_VALUE,
                       "\"key_sha256\" must be 64 lower-case hex digits (0-9, a-f); character "
                       "%zu is '%c'",
                       bad + 1, hex[bad]);
        return;
    }
    for (size_t i = 0; i < 32; i++)
        f->export_key[i] =
            (unsigned char)(hex_nibble(hex[2 * i]) << 4 | hex_nibble(hex[2 * i + 1]));
    f->has_export_key = true;
}

static void config_check(hl_json_doc_t *doc, config_found_t *f)
{
    const json_t *root = doc->root;
    if (!json_is_object(root)) {
        hl_json_report(doc, "", NULL, HL_JSON_AT_VALUE,
                       "a config must be a JSON object {\"kiosk_id\": ..., ...}, not %s",
                       hl_json_kind(root));
        return;
    }
    hl_json_check_keys(doc, root, "", config_keys);
    f->has_kiosk_id = hl_json_get_id(doc, root, "", "kiosk_id", false, HL_SURVEY_ID_MAX, true,
                                     "kiosk id", f->kiosk_id) == HL_JSON_FOUND;
    f->has_site =
        hl_json_get_text(doc, root, "", "site", false, NULL, 0, &f->site) == HL_JSON_FOUND;
    f->has_counter =
        hl_json_get_text(doc, root, "", "counter", false, NULL, 0, &f->counter) == HL_JSON_FOUND;
    check_survey_name(doc, root, f);
    check_timeouts(doc, root, f);
    check_display(doc, root, f);
    check_export(doc, root, f);
}

/* The folder part of path: "a/b.json" -> "a", "b.json" -> ".", "/b.json" -> "/". */
static char *path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(len + 1);
    if (!dir) return NULL;
    memcpy(dir, path, len);
    dir[len] = '\0';
    return dir;
}

static void config_apply(config_found_t *f, hl_config_t *cfg, char *file, char *dir)
{
    if (f->has_kiosk_id) memcpy(cfg->kiosk_id, f->kiosk_id, sizeof cfg->kiosk_id);
    if (f->has_site) {
        hl_text_free(&cfg->site);
        cfg->site = f->site;
        memset(&f->site, 0, sizeof f->site);
    }
    if (f->has_counter) {
        hl_text_free(&cfg->counter);
        cfg->counter = f->counter;
        memset(&f->counter, 0, sizeof f->counter);
    }
    if (f->survey) {
        free(cfg->survey);
        cfg->survey = f->survey;
        f->survey = NULL;
    }
    if (f->has_idle) cfg->timeouts.idle_s = (int)f->idle_s;
    if (f->has_warn) cfg->timeouts.warn_s = (int)f->warn_s;
    if (f->has_thanks) cfg->timeouts.thanks_s = (int)f->thanks_s;
    if (f->has_dpi) cfg->display.dpi = (int)f->dpi;
    if (f->has_rotation) cfg->display.rotation = (int)f->rotation;
    if (f->n_roots > 0) {
        memcpy(cfg->export_roots, f->roots, sizeof cfg->export_roots);
        cfg->n_export_roots = f->n_roots;
    }
    if (f->has_export_key) {
        cfg->has_export_key = true;
        memcpy(cfg->export_key_sha256, f->export_key, sizeof cfg->export_key_sha256);
    }
    free(cfg->file);
    free(cfg->dir);
    cfg->file = file;
    cfg->dir = dir;
}

/* Validates a loaded document and applies it to cfg; consumes doc. */
static int config_finish(hl_json_doc_t *doc, int rc, hl_config_t *cfg, hl_diags_t *diags)
{
    config_found_t f = {0};
    if (rc == HL_OK) config_check(doc, &f);
    if (rc == HL_OK && doc->nomem) rc = HL_ERR_NOMEM;
    size_t problems = hl_json_doc_finish(doc, diags);
    if (rc == HL_OK && problems) rc = HL_ERR_INVALID;
    char *file = NULL, *dir = NULL;
    if (rc == HL_OK) {
        file = strdup(doc->name);
        dir = path_dir(doc->name);
        if (!file || !dir) rc = HL_ERR_NOMEM;
    }
    if (rc == HL_OK)
        config_apply(&f, cfg, file, dir);
    else {
        free(file);
        free(dir);
    }
    config_found_free(&f);
    hl_json_doc_free(doc);
    return rc;
}

int hl_config_load_file(const char *path, hl_config_t *cfg, hl_diags_t *diags)
{
    hl_json_doc_t doc;
    int rc = hl_json_doc_load_file(&doc, path);
    return config_finish(&doc, rc, cfg, diags);
}

int hl_config_load_text(const char *name, const char *text, size_t len, hl_config_t *cfg,
                        hl_diags_t *diags)
{
    hl_json_doc_t doc;
    int rc = hl_json_doc_load_text(&doc, name, text, len);
    return config_finish(&doc, rc, cfg, diags);
}

int hl_config_sniff(const char *text, size_t len)
{
    if (!text || len > HL_MAX_FILE_BYTES) return 0;
    json_error_t e;
    json_t *root = json_loadb(text, len, 0, &e);
    if (!root) return 0; /* not JSON: the survey validator reports where */
    int is_config = json_is_object(root) && !json_object_get(root, "format") &&
                    !json_object_get(root, "questions");
    json_decref(root);
    return is_config;
}
