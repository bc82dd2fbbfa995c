/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_config_set.c: changing one setting of a config file in place
 * (hl_config_set: `hailong set-pin`, `hailong export-key --new`, the
 * technician menu): the file parsed, the one key replaced, the whole
 * result checked as a config before it atomically replaces the old file
 * (hl_afile), mode and owner kept.
 */
#include "hl_config.h"
#include "hl_afile.h"
#include "hl_err.h"
#include "hl_hours_json.h"
#include "hl_json.h"
#include "hl_pin.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Changing one setting ------------------------------------------------- */

#define CONFIG_NEW_MODE 0640 /* a config created here: it may hold the PIN hash and tokens */
#define CONFIG_KEY_MAX  64   /* bytes of a section or key name in hl_config_set */

/* The hl_rc for a failed write's errno. */
static int config_errno_rc(int e)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT:
        return HL_ERR_FULL;
    case EROFS:
        return HL_ERR_READONLY;
    case ENOMEM:
        return HL_ERR_NOMEM;
    default:
        return HL_ERR_IO;
    }
}

/* Appends tail to err's message; returns rc. */
static int config_err_tail(hl_err_t *err, int rc, const char *tail)
{
    if (err) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "%s", tail);
    }
    return rc;
}

/* Replaces path with len bytes of text atomically (hl_afile) with mode (and
 * owner uid/gid when keep_owner; EPERM there is ignored, as for a user who
 * may write the file but not chown). */
static int config_replace_file(const char *path, const char *text, size_t len, mode_t mode,
                               bool keep_owner, uid_t uid, gid_t gid, hl_err_t *err)
{
    hl_afile_t af;
    int rc = hl_afile_open(&af, path, mode, err);
    if (rc != HL_OK) {
        return config_err_tail(err, rc,
                               "; run as the config's owner (e.g. with sudo) or create the "
                               "folder; the config is unchanged");
    }
    if (keep_owner && fchown(af.fd, uid, gid) != 0 && errno != EPERM)
        rc = hl_errno_set(errno, "cannot keep the owner of", path, err);
    if (rc == HL_OK) rc = hl_afile_write(&af, text, len, err);
    if (rc != HL_OK) {
        hl_afile_abort(&af);
        return config_err_tail(err, rc, "; the config is unchanged");
    }
    rc = hl_afile_commit(&af, err);
    if (rc != HL_OK && af.renamed) {
        /* The file is replaced (the rename is done): a success, said on
         * stderr, since the folder entry may not yet survive a power cut. */
        fprintf(stderr, "hailong: wrote %s but %s\n", path, err ? err->msg : "");
        hl_err_clear(err);
        return HL_OK;
    }
    if (rc != HL_OK) return config_err_tail(err, rc, "; the config is unchanged");
    return HL_OK;
}

/* Splits key into section ("" for a top-level key) and name. */
static bool config_split_key(const char *key, char section[CONFIG_KEY_MAX],
                             char name[CONFIG_KEY_MAX])
{
    if (!key || !key[0]) return false;
    const char *dot = strchr(key, '.');
    size_t slen = dot ? (size_t)(dot - key) : 0;
    const char *n = dot ? dot + 1 : key;
    if (dot && (slen == 0 || slen >= CONFIG_KEY_MAX)) return false;
    if (!n[0] || strlen(n) >= CONFIG_KEY_MAX || strchr(n, '.')) return false;
    memcpy(section, key, slen);
    section[slen] = '\0';
    memcpy(name, n, strlen(n) + 1);
    return true;
}

/* Validates text as a config file named path; every problem into diags. */
static int config_validate(const char *path, const char *text, size_t len, hl_diags_t *diags)
{
    hl_config_t scratch;
    hl_config_defaults(&scratch, "kiosk");
    int rc = text ? hl_config_load_text(path, text, len, &scratch, diags)
                  : hl_config_load_file(path, &scratch, diags);
    hl_config_free(&scratch);
    return rc;
}

/* A change to the config's JSON (root, an object): HL_OK, or a code with
 * err set (HL_ERR_NOMEM, HL_ERR_USAGE). */
typedef int (*config_editor_t)(json_t *root, void *ctx, const char *path, hl_err_t *err);

/* hl_config_set's change: one key set to value (NULL: removed). */
typedef struct config_key_edit {
    const char *section; /* "" for a top-level key */
    const char *name;
    json_t *value; /* consumed by the edit (NULL: the key is removed) */
} config_key_edit_t;

static int config_edit_key(json_t *root, void *ctx, const char *path, hl_err_t *err)
{
    config_key_edit_t *e = ctx;
    json_t *value = e->value;
    e->value = NULL;
    json_t *obj = root;
    bool nomem = false;
    if (e->section[0]) {
        obj = json_object_get(root, e->section);
        if (obj && !json_is_object(obj)) {
            json_decref(value);
            return hl_err_set(err, HL_ERR_USAGE, "\"%s\" in %s is not a section (an object)",
                              e->section, path);
        }
        if (!obj && value) {
            obj = json_object();
            nomem = !obj || json_object_set_new(root, e->section, obj) != 0;
        }
    }
    if (!nomem && obj && value) {
        nomem = json_object_set_new(obj, e->name, value) != 0;
        value = NULL;
    } else if (!nomem && obj) {
        json_object_del(obj, e->name); /* absent already: nothing to remove */
    }
    json_decref(value);
    return nomem ? hl_err_set(err, HL_ERR_NOMEM, "out of memory building the new config") : HL_OK;
}

/* Sets *out to the file's JSON changed by edit, dumped with a final line
 * break (malloc'd). */
static int config_edit(const char *path, bool exists, config_editor_t edit, void *ctx, char **out,
                       hl_err_t *err)
{
    *out = NULL;
    json_t *root;
    if (exists) {
        json_error_t jerr;
        char *old = NULL;
        size_t olen = 0;
        root = hl_file_read(NULL, path, HL_MAX_FILE_BYTES, 0, &old, &olen, NULL) == HL_OK
                   ? json_loadb(old, olen, JSON_REJECT_DUPLICATES, &jerr)
                   : NULL;
        free(old);
        if (!root || !json_is_object(root)) {
            json_decref(root);
            return hl_err_set(err, HL_ERR_IO, "cannot read %s as a JSON object; it is unchanged",
                              path);
        }
    } else {
        root = json_object();
    }
    if (!root) return hl_err_set(err, HL_ERR_NOMEM, "out of memory building the new config");
    int rc = edit(root, ctx, path, err);
    if (rc != HL_OK) {
        json_decref(root);
        return rc;
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    size_t len = text ? strlen(text) : 0;
    char *with_nl = text ? realloc(text, len + 2) : NULL;
    if (!with_nl) {
        free(text);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory building the new config");
    }
    memcpy(with_nl + len, "\n", 2);
    *out = with_nl;
    return HL_OK;
}

/* Checks path (a regular file, or none yet) and its config, edits it with
 * edit, checks the result as a config and, unless check_only, replaces the
 * file atomically; what names the change in messages. */
static int config_change(const char *path, const char *what, config_editor_t edit, void *ctx,
                         bool check_only, hl_diags_t *diags, hl_err_t *err)
{
    /* Write through a symlinked config to the file it names. */
    struct stat st;
    bool exists = stat(path, &st) == 0;
    char real[PATH_MAX];
    int rc = HL_OK;
    if (!exists && errno != ENOENT)
        rc = hl_err_set(err, config_errno_rc(errno), "cannot reach %s: %s", path, strerror(errno));
    else if (exists && !S_ISREG(st.st_mode))
        rc = hl_err_set(err, HL_ERR_IO, "%s is not a regular file", path);
    else if (exists ? !realpath(path, real)
                    : snprintf(real, sizeof real, "%s", path) >= (int)sizeof real)
        rc = hl_err_set(err, HL_ERR_IO, "cannot resolve %s: %s", path,
                        exists ? strerror(errno) : "path too long");
    if (rc == HL_OK && exists) {
        rc = config_validate(path, NULL, 0, diags);
        if (rc == HL_ERR_INVALID)
            hl_err_set(err, rc,
                       "config %s is not valid, so it was left untouched: fix it first "
                       "(hailong check %s)",
                       path, path);
        else if (rc != HL_OK)
            hl_err_set(err, rc, "cannot read config %s; it is unchanged", path);
    }
    if (rc != HL_OK) return rc;
    char *text;
    rc = config_edit(real, exists, edit, ctx, &text, err);
    if (rc != HL_OK) return rc;
    size_t len = strlen(text);
    rc = config_validate(path, text, len, diags);
    if (rc == HL_ERR_INVALID)
        hl_err_set(err, rc, "the new value of %s would make config %s invalid; it is unchanged",
                   what, path);
    else if (rc != HL_OK)
        hl_err_set(err, rc, "cannot check the new config %s; it is unchanged", path);
    else if (!check_only)
        rc = config_replace_file(real, text, len, exists ? st.st_mode & 07777 : CONFIG_NEW_MODE,
                                 exists, exists ? st.st_uid : 0, exists ? st.st_gid : 0, err);
    free(text);
    return rc;
}

int hl_config_set(const char *path, const char *key, const char *value_json, hl_diags_t *diags,
                  hl_err_t *err)
{
    hl_err_clear(err);
    char section[CONFIG_KEY_MAX], name[CONFIG_KEY_MAX];
    if (!path || !path[0]) return hl_err_set(err, HL_ERR_USAGE, "no config file given");
    if (!config_split_key(key, section, name))
        return hl_err_set(err, HL_ERR_USAGE,
                          "\"%.80s\" is not a setting: give a key such as \"officer\" or "
                          "\"timeouts.idle_s\"",
                          key ? key : "");
    json_t *value = NULL;
    if (value_json) {
        json_error_t jerr;
        value = json_loads(value_json, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
        if (!value) /* jerr.text may quote the value, which may be a secret */
            return hl_err_set(err, HL_ERR_USAGE,
                              "the new value of %s is not JSON text (line %d, column %d)", key,
                              jerr.line, jerr.column);
    }
    config_key_edit_t e = {.section = section, .name = name, .value = value};
    int rc = config_change(path, key, config_edit_key, &e, false, diags, err);
    json_decref(e.value); /* not consumed: the change stopped before the edit */
    return rc;
}

/* hl_config_set_officers's change. */
typedef struct config_officers_edit {
    const hl_officer_t *list; /* the new officers */
    int n;
    bool duty_cleared; /* "officer" named someone not in list: removed */
} config_officers_edit_t;

static int config_edit_officers(json_t *root, void *ctx, const char *path, hl_err_t *err)
{
    (void)path;
    config_officers_edit_t *e = ctx;
    const json_t *old = json_object_get(root, "officers");
    json_t *arr = json_array();
    bool nomem = !arr;
    for (int i = 0; !nomem && i < e->n; i++) {
        const hl_officer_t *o = &e->list[i];
        json_t *obj = json_pack("{s:s, s:s}", "id", o->id, "name", o->name);
        if (!obj) {
            json_decref(arr);
            return hl_err_set(err, HL_ERR_USAGE,
                              "officer %d's id or name is not UTF-8 text: nothing changed", i + 1);
        }
        nomem = json_array_append_new(arr, obj) != 0;
        /* The photo as the file wrote it, where the id was listed already. */
        size_t j;
        const json_t *was;
        json_array_foreach(json_is_array(old) ? old : NULL, j, was)
        {
            const json_t *photo = json_object_get(was, "photo");
            const char *id = json_string_value(json_object_get(was, "id"));
            if (nomem || !id || strcmp(id, o->id) != 0 || !json_is_string(photo)) continue;
            nomem = json_object_set(obj, "photo", (json_t *)photo) != 0;
            break;
        }
    }
    if (!nomem)
        nomem = e->n ? json_object_set_new(root, "officers", arr) != 0
                     : (json_decref(arr), json_object_del(root, "officers"), false);
    else
        json_decref(arr);
    const char *duty = json_string_value(json_object_get(root, "officer"));
    bool listed = false;
    for (int i = 0; duty && i < e->n; i++)
        listed = listed || !strcmp(e->list[i].id, duty);
    if (!nomem && duty && duty[0] && !listed) {
        json_object_del(root, "officer"); /* nobody on duty until the technician picks one */
        e->duty_cleared = true;
    }
    return nomem ? hl_err_set(err, HL_ERR_NOMEM, "out of memory building the new config") : HL_OK;
}

int hl_config_set_officers(const char *path, const hl_officer_t *list, int n, bool check_only,
                           bool *duty_cleared, hl_diags_t *diags, hl_err_t *err)
{
    hl_err_clear(err);
    if (duty_cleared) *duty_cleared = false;
    if (!path || !path[0]) return hl_err_set(err, HL_ERR_USAGE, "no config file given");
    if (n < 0 || (n > 0 && !list))
        return hl_err_set(err, HL_ERR_USAGE, "hl_config_set_officers: no list");
    config_officers_edit_t e = {.list = list, .n = n};
    int rc = config_change(path, "officers", config_edit_officers, &e, check_only, diags, err);
    if (rc == HL_OK && duty_cleared) *duty_cleared = e.duty_cleared;
    return rc;
}
