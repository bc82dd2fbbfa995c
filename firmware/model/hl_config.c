/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_config.c: loading and validating the kiosk's configuration file.
 *
 * Every key is optional; what the file gives replaces the defaults already in
 * the caller's hl_config_t, and only when the whole file is valid: a file
 * with a problem leaves the config exactly as it was, so the caller can still
 * run on defaults (or refuse to start) knowing what it has. Checks and
 * messages come from hl_json.h, shared with the survey loader.
 *
 * hl_config_set changes one setting in the file: the one implementation of
 * the atomic replace (temporary file in the same folder, fsync, rename,
 * folder fsync, mode and owner kept) that every writer of the config uses
 * (`hailong export-key`, `hailong set-pin`, the technician menu).
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

#define SURVEY_NAME_MAX 255            /* bytes in "survey": a file name limit on Linux */
#define PHOTO_PATH_MAX  (PATH_MAX - 1) /* bytes of an officer's photo once resolved */

static const char *const config_keys[] = {
    "kiosk_id", "site",    "counter",  "survey",        "timeouts", "display",
    "export",   "sync",    "officers", "officer",       "language", "technician",
    "fairness", "storage", "keyboard", "accessibility", NULL};
static const char *const officer_keys[] = {"id", "name", "photo", NULL};
static const char *const technician_keys[] = {"pin_hash", NULL};
static const char *const fairness_keys[] = {"min_interval_s", "max_per_hour", NULL};
static const char *const timeout_keys[] = {"idle_s", "warn_s", "thanks_s", NULL};
static const char *const display_keys[] = {"dpi", "rotation", "opening_hours", NULL};
static const char *const storage_keys[] = {"require_mount", NULL};
static const char *const keyboard_keys[] = {"method", "new_style", NULL};
static const char *const export_keys[] = {"key_sha256", "roots", NULL};
static const char *const sync_keys[] = {"url",
                                        "token",
                                        "ca_file",
                                        "pin",
                                        "interval_s",
                                        "batch",
                                        "allow_insecure_http",
                                        "connect_timeout_s",
                                        "timeout_s",
                                        NULL};

#define SYNC_PINS_MAX 8  /* pins in sync.pin */
#define SYNC_PIN_B64  44 /* base64 characters of a SHA-256, '=' included */
_Static_assert(SYNC_PINS_MAX *(8 + SYNC_PIN_B64 + 1) - 1 <= HL_SYNC_PIN_MAX,
               "sync.pin holds every pin joined with ';'");

/* The sync section's values when a key is left out; enabled stays false. */
static void sync_defaults(hl_sync_cfg_t *s)
{
    memset(s, 0, sizeof *s);
    s->interval_s = 60;
    s->batch = 500;
    s->allow_insecure_http = false;
    s->connect_timeout_s = 10;
    s->timeout_s = 60;
}

void hl_config_defaults(hl_config_t *cfg, const char *kiosk_id)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->kiosk_id, sizeof cfg->kiosk_id, "%s", kiosk_id ? kiosk_id : "");
    cfg->timeouts = (hl_timeouts_t){.idle_s = 30, .warn_s = 10, .thanks_s = 5};
    cfg->display = (hl_display_cfg_t){.dpi = 96, .rotation = 0};
    cfg->keyboard = (hl_keyboard_cfg_t){.method = HL_COMPOSE_TELEX, .new_style = false};
    hl_access_cfg_default(&cfg->access);
    cfg->fair_min_interval_s = 5;
    cfg->fair_max_per_hour = 60;
    sync_defaults(&cfg->sync);
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
    for (int i = 0; i < cfg->n_officers; i++) {
        free(cfg->officers[i].photo);
        cfg->officers[i].photo = NULL;
    }
    cfg->n_officers = 0;
}

const hl_officer_t *hl_config_officer(const hl_config_t *cfg, const char *id)
{
    if (!cfg || !id || !id[0]) return NULL;
    for (int i = 0; i < cfg->n_officers; i++)
        if (strcmp(cfg->officers[i].id, id) == 0) return &cfg->officers[i];
    return NULL;
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
    bool has_sync;      /* a valid "sync" section: sync replaces cfg->sync as a whole */
    hl_sync_cfg_t sync; /* ca_file already resolved against the config's folder */
    int officers_r;     /* "officers": HL_JSON_ABSENT, HL_JSON_FOUND or HL_JSON_BAD */
    hl_officer_t officers[HL_MAX_OFFICERS]; /* photos owned until applied */
    int n_officers;                         /* entries of officers holding data */
    bool has_officer;                       /* "officer" given and listed ("" none) */
    char officer[HL_ITEM_ID_MAX + 1];
    bool has_language; /* "language" given and known */
    char language[8];
    bool has_pin_hash; /* "technician.pin_hash" given and well formed */
    char pin_hash[sizeof((hl_config_t *)0)->pin_hash];
    bool has_fair_interval, has_fair_hour; /* "fairness" keys given and in range */
    int64_t fair_interval, fair_hour;
    bool has_hours;         /* "display.opening_hours" given and valid */
    hl_hours_t hours;       /* display.opening_hours */
    bool has_require_mount; /* "storage.require_mount" given */
    bool require_mount;
    bool has_method, has_new_style; /* "keyboard" keys given and valid */
    hl_keyboard_cfg_t keyboard;
    bool has_access;        /* "accessibility" given */
    hl_access_cfg_t access; /* with its defaults filled in */
} config_found_t;

static void config_found_free(config_found_t *f)
{
    hl_text_free(&f->site);
    hl_text_free(&f->counter);
    free(f->survey);
    for (int i = 0; i < f->n_officers; i++)
        free(f->officers[i].photo);
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
    f->has_hours = hl_hours_get(doc, d, "display", "opening_hours", &f->hours) == HL_JSON_FOUND;
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

/* ---- sync ---------------------------------------------------------------- */

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when s starts with prefix, ASCII letters compared without case. */
static bool starts_with_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (ascii_lower(*s) != *prefix) return false;
    return true;
}

static bool is_base64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* sync.url: "https://host[:port]/path" (http:// only when allowed). allow_r is
 * HL_JSON_BAD when allow_insecure_http itself was bad (already reported): then
 * http:// is not reported a second time. */
static void check_sync_url(hl_json_doc_t *doc, const json_t *s, int allow_r, bool allow,
                           hl_sync_cfg_t *out, bool *ok)
{
    const char *url;
    if (hl_json_get_string(doc, s, "sync", "url", true, &url) != HL_JSON_FOUND) {
        *ok = false;
        return;
    }
    size_t len = json_string_length(json_object_get(s, "url"));
    const char *bad = NULL;
    char badbuf[160];
    size_t ctl = 0;
    while (ctl < len && (unsigned char)url[ctl] > 0x20 && (unsigned char)url[ctl] != 0x7f)
        ctl++;
    bool https = starts_with_nocase(url, "https://");
    bool http = !https && starts_with_nocase(url, "http://");
    if (len == 0) {
        bad = "\"url\" is empty: give the server's address such as "
              "\"https://sync.example.vn/hailong\"";
    } else if (len > HL_SYNC_URL_MAX) {
        snprintf(badbuf, sizeof badbuf, "\"url\" is %zu bytes long; the limit is %d", len,
                 HL_SYNC_URL_MAX);
        bad = badbuf;
    } else if (ctl < len) {
        snprintf(badbuf, sizeof badbuf,
                 "\"url\" must not contain spaces or control characters; character %zu is "
                 "one (write a space as %%20)",
                 hl_json_utf8_chars(url, ctl) + 1);
        bad = badbuf;
    } else if (!https && !http) {
        bad = "\"url\" must start with https:// (such as \"https://sync.example.vn/hailong\")";
    } else if (http && allow_r != HL_JSON_BAD && !allow) {
        bad = "\"url\" is plain http://, which sends the token and the answers unencrypted: "
              "use https://, or set \"allow_insecure_http\": true for a lab";
    }
    if (!bad) {
        const char *auth = url + (https ? 8 : 7);
        size_t alen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', alen);
        const char *host_end;
        if (alen > 0 && auth[0] == '[') { /* an IPv6 literal: [::1]:8443 */
            const char *close = memchr(auth, ']', alen);
            host_end = close ? close + 1 : auth + alen;
        } else {
            host_end = memchr(auth, ':', alen);
            if (!host_end) host_end = auth + alen;
        }
        const char *port = host_end < auth + alen && *host_end == ':' ? host_end + 1 : NULL;
        size_t plen = port ? (size_t)(auth + alen - port) : 0;
        long portnum = 0;
        for (size_t i = 0; i < plen && i < 6 && portnum >= 0; i++)
            portnum = port[i] >= '0' && port[i] <= '9' ? portnum * 10 + (port[i] - '0') : -1;
        if (at) {
            bad = "\"url\" must not hold a user name or password (user:password@): put the "
                  "token in \"token\"";
        } else if (host_end == auth || (auth[0] == '[' && host_end <= auth + 2) ||
                   (auth[0] == '[' && host_end[-1] != ']')) {
            bad = "\"url\" has no host name: write it like \"https://sync.example.vn/hailong\"";
        } else if (host_end < auth + alen && !port) {
            bad = "\"url\" has something after the host that is not a :port";
        } else if (port && (plen == 0 || plen > 5 || portnum < 1 || portnum > 65535)) {
            bad = "\"url\" has a bad port: after ':' give a number from 1 to 65535";
        } else if (strchr(url, '#')) {
            bad = "\"url\" must not have a #fragment: a fragment is never sent to the server";
        }
    }
    if (bad) {
        hl_json_report(doc, "sync", "url", HL_JSON_AT_VALUE, "%s", bad);
        *ok = false;
        return;
    }
    memcpy(out->url, url, len + 1);
}

/* sync.token: never shown in a message, only the place of a bad character. */
static void check_sync_token(hl_json_doc_t *doc, const json_t *s, hl_sync_cfg_t *out, bool *ok)
{
    const char *tok;
    if (hl_json_get_string(doc, s, "sync", "token", true, &tok) != HL_JSON_FOUND) {
        *ok = false;
        return;
    }
    size_t len = json_string_length(json_object_get(s, "token"));
    size_t i = 0;
    while (i < len && (unsigned char)tok[i] >= 0x21 && (unsigned char)tok[i] <= 0x7e)
        i++;
    if (len == 0) {
        hl_json_report(doc, "sync", "token", HL_JSON_AT_VALUE,
                       "\"token\" is empty: give the bearer token the server issued");
    } else if (len > HL_SYNC_TOKEN_MAX) {
        hl_json_report(doc, "sync", "token", HL_JSON_AT_VALUE,
                       "\"token\" is %zu bytes long; the limit is %d", len, HL_SYNC_TOKEN_MAX);
    } else if (i < len) {
        hl_json_report(doc, "sync", "token", HL_JSON_AT_VALUE,
                       "\"token\" must be visible ASCII characters without spaces (it is sent "
                       "in an HTTP header); character %zu is not",
                       hl_json_utf8_chars(tok, i) + 1);
    } else {
        memcpy(out->token, tok, len + 1);
        return;
    }
    *ok = false;
}

/* sync.ca_file, resolved against the config file's folder when relative (the
 * same folder config_finish records as cfg->dir). Not opened here. */
static void check_sync_ca_file(hl_json_doc_t *doc, const json_t *s, hl_sync_cfg_t *out, bool *ok)
{
    const char *ca;
    int r = hl_json_get_string(doc, s, "sync", "ca_file", false, &ca);
    if (r == HL_JSON_ABSENT) return;
    if (r != HL_JSON_FOUND) {
        *ok = false;
        return;
    }
    size_t len = json_string_length(json_object_get(s, "ca_file"));
    if (len == 0) {
        hl_json_report(doc, "sync", "ca_file", HL_JSON_AT_VALUE,
                       "\"ca_file\" is empty: give a PEM file, or leave the key out to trust "
                       "the system's certificate store");
        *ok = false;
        return;
    }
    if (strlen(ca) != len) {
        hl_json_report(doc, "sync", "ca_file", HL_JSON_AT_VALUE,
                       "\"ca_file\" contains a NUL character");
        *ok = false;
        return;
    }
    char *dir = ca[0] == '/' ? NULL : path_dir(doc->name);
    if (ca[0] != '/' && !dir) {
        doc->nomem = true;
        *ok = false;
        return;
    }
    size_t dlen = dir ? strlen(dir) : 0;
    const char *sep = dir && dlen > 0 && dir[dlen - 1] != '/' ? "/" : "";
    int n = snprintf(out->ca_file, sizeof out->ca_file, "%s%s%s", dir ? dir : "", sep, ca);
    free(dir);
    if (n < 0 || (size_t)n > HL_SYNC_PATH_MAX) {
        hl_json_report(doc, "sync", "ca_file", HL_JSON_AT_VALUE,
                       "\"ca_file\" is %d bytes long once resolved against the config's folder; "
                       "the limit is %d",
                       n, HL_SYNC_PATH_MAX);
        out->ca_file[0] = '\0';
        *ok = false;
    }
}

/* One pin of len bytes at p: "sha256//" and 44 base64 characters ending in '='. */
static bool pin_valid(const char *p, size_t len)
{
    if (len != 8 + SYNC_PIN_B64 || strncmp(p, "sha256//", 8) != 0) return false;
    for (size_t i = 8; i < len - 1; i++)
        if (!is_base64_char(p[i])) return false;
    return p[len - 1] == '=';
}

#define PIN_FORM                                                                                   \
    "\"sha256//\" followed by the 44-character base64 SHA-256 of the server's public key "         \
    "(ending in '=')"

/* Appends the pin p (len bytes) to out->pin, ';'-separated. */
static void pin_append(hl_sync_cfg_t *out, const char *p, size_t len)
{
    size_t used = strlen(out->pin);
    if (used) out->pin[used++] = ';';
    memcpy(out->pin + used, p, len);
    out->pin[used + len] = '\0';
}

/* sync.pin: a string of pins joined by ';', or a list of 1 to 8 pins. */
static void check_sync_pin(hl_json_doc_t *doc, const json_t *s, hl_sync_cfg_t *out, bool *ok)
{
    json_t *v;
    if (hl_json_get(doc, s, "sync", "pin", false, &v) != HL_JSON_FOUND) return;
    char path[HL_JSON_PATH_MAX];
    hl_json_path_key(path, "sync", "pin");
    if (json_is_string(v)) {
        const char *p = json_string_value(v);
        size_t len = json_string_length(v), start = 0;
        for (size_t n = 1;; n++) {
            size_t plen = 0;
            while (start + plen < len && p[start + plen] != ';')
                plen++;
            if (n > SYNC_PINS_MAX) {
                hl_json_report(doc, "sync", "pin", HL_JSON_AT_VALUE,
                               "\"pin\" joins more than %d pins; give 1 to %d", SYNC_PINS_MAX,
                               SYNC_PINS_MAX);
                break;
            }
            if (!pin_valid(p + start, plen)) {
                hl_json_report(doc, "sync", "pin", HL_JSON_AT_VALUE,
                               "pin %zu of \"pin\" (\"%.*s%s\") must be " PIN_FORM
                               "; join several with ';' and no spaces",
                               n, (int)(plen > 60 ? 60 : plen), p + start, plen > 60 ? "..." : "");
                break;
            }
            pin_append(out, p + start, plen); /* 8 pins of 52 bytes fit HL_SYNC_PIN_MAX */
            if (start + plen == len) return;
            start += plen + 1;
        }
        out->pin[0] = '\0';
        *ok = false;
        return;
    }
    if (!json_is_array(v)) {
        hl_json_report(doc, "sync", "pin", HL_JSON_AT_VALUE,
                       "\"pin\" must be a string such as \"sha256//<44 base64 characters>\" or "
                       "a list of such strings, not %s",
                       hl_json_kind(v));
        *ok = false;
        return;
    }
    size_t n = json_array_size(v);
    if (n == 0 || n > SYNC_PINS_MAX) {
        hl_json_report(doc, "sync", "pin", HL_JSON_AT_VALUE,
                       "\"pin\" lists %zu pins: give 1 to %d, or leave the key out for none", n,
                       SYNC_PINS_MAX);
        *ok = false;
        return;
    }
    bool good = true;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        char ipath[HL_JSON_PATH_MAX];
        hl_json_path_index(ipath, path, i);
        if (!json_is_string(e)) {
            hl_json_report(doc, ipath, NULL, HL_JSON_AT_VALUE,
                           "each pin must be a string " PIN_FORM ", not %s", hl_json_kind(e));
            good = false;
            continue;
        }
        const char *p = json_string_value(e);
        size_t plen = json_string_length(e);
        if (!pin_valid(p, plen)) {
            hl_json_report(doc, ipath, NULL, HL_JSON_AT_VALUE,
                           "each pin (here \"%.60s%s\") must be " PIN_FORM, p,
                           plen > 60 ? "..." : "");
            good = false;
            continue;
        }
        if (good) pin_append(out, p, plen);
    }
    if (!good) {
        out->pin[0] = '\0';
        *ok = false;
    }
}

static void check_sync(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *s;
    if (hl_json_get_object(doc, root, "", "sync", false,
                           "an object such as {\"url\": \"https://sync.example.vn/hailong\", "
                           "\"token\": \"...\"}",
                           &s) != HL_JSON_FOUND)
        return;
    hl_sync_cfg_t *out = &f->sync;
    sync_defaults(out);
    bool ok = hl_json_check_keys(doc, s, "sync", sync_keys) == 0;
    bool allow = false;
    int allow_r = hl_json_get_bool(doc, s, "sync", "allow_insecure_http", false, &allow);
    if (allow_r == HL_JSON_BAD) ok = false;
    out->allow_insecure_http = allow_r == HL_JSON_FOUND && allow;
    check_sync_url(doc, s, allow_r, allow, out, &ok);
    check_sync_token(doc, s, out, &ok);
    check_sync_ca_file(doc, s, out, &ok);
    check_sync_pin(doc, s, out, &ok);
    struct {
        const char *key;
        int64_t min, max;
        int *to;
    } nums[] = {
        {"interval_s", 5, 86400, &out->interval_s},
        {"batch", 1, HL_SYNC_BATCH_MAX, &out->batch},
        {"connect_timeout_s", 1, 120, &out->connect_timeout_s},
        {"timeout_s", 1, 600, &out->timeout_s},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        int64_t v;
        int r = hl_json_get_int(doc, s, "sync", nums[i].key, false, nums[i].min, nums[i].max, &v);
        if (r == HL_JSON_FOUND) *nums[i].to = (int)v;
        if (r == HL_JSON_BAD) ok = false;
    }
    out->enabled = true;
    f->has_sync = ok;
}

/* ---- officers, language, technician -------------------------------------- */

/* rel resolved against the folder of the config file `name` (absolute paths
 * as they are): malloc'd, or NULL when out of memory. */
static char *path_resolve(const char *name, const char *rel)
{
    if (rel[0] == '/') return strdup(rel);
    char *dir = path_dir(name);
    if (!dir) return NULL;
    size_t dlen = strlen(dir), rlen = strlen(rel);
    char *out = malloc(dlen + 1 + rlen + 1);
    if (out) {
        memcpy(out, dir, dlen);
        size_t at = dlen;
        if (dlen > 0 && dir[dlen - 1] != '/') out[at++] = '/';
        memcpy(out + at, rel, rlen + 1);
    }
    free(dir);
    return out;
}

/* One officer {"id", "name", "photo"} at officers[i]; false after a report. */
static bool check_officer_entry(hl_json_doc_t *doc, const json_t *o, size_t i, config_found_t *f)
{
    char ipath[HL_JSON_PATH_MAX];
    hl_json_path_index(ipath, "officers", i);
    if (!json_is_object(o)) {
        hl_json_report(doc, ipath, NULL, HL_JSON_AT_VALUE,
                       "each officer must be an object such as {\"id\": \"nva\", \"name\": "
                       "\"Nguyễn Văn A\", \"photo\": \"photos/nva.png\"}, not %s",
                       hl_json_kind(o));
        return false;
    }
    hl_officer_t *off = &f->officers[i];
    bool ok = hl_json_check_keys(doc, o, ipath, officer_keys) == 0;
    if (hl_json_get_id(doc, o, ipath, "id", true, HL_ITEM_ID_MAX, true, "officer id", off->id) !=
        HL_JSON_FOUND) {
        off->id[0] = '\0';
        ok = false;
    } else {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(f->officers[j].id, off->id) != 0) continue;
            hl_json_report(doc, ipath, "id", HL_JSON_AT_VALUE,
                           "officer id \"%s\" is listed twice (also officers[%zu]): each officer "
                           "needs an id of their own",
                           off->id, j);
            ok = false;
            break;
        }
    }
    const char *name;
    if (hl_json_get_string(doc, o, ipath, "name", true, &name) == HL_JSON_FOUND) {
        size_t len = json_string_length(json_object_get(o, "name")), ctl = len;
        long bad = hl_json_text_forbidden(name, len, &ctl);
        if (name[strcspn(name, "\n")]) { /* one line: a line break is refused here too */
            ctl = strcspn(name, "\n");
            bad = '\n';
        }
        bool blank = strspn(name, " ") == len;
        if (len == 0 || blank) {
            hl_json_report(doc, ipath, "name", HL_JSON_AT_VALUE,
                           "\"name\" is empty: give the name shown on the start screen, such as "
                           "\"Nguyễn Văn A\"");
            ok = false;
        } else if (len > HL_OFFICER_NAME_MAX) {
            hl_json_report(doc, ipath, "name", HL_JSON_AT_VALUE,
                           "\"name\" is %zu bytes long; the limit is %d", len, HL_OFFICER_NAME_MAX);
            ok = false;
        } else if (bad >= 0) {
            hl_json_report(doc, ipath, "name", HL_JSON_AT_VALUE,
                           "\"name\" must be one line without control characters or marks "
                           "that change the text's direction; character %zu (U+%04lX) is one",
                           hl_json_utf8_chars(name, ctl) + 1, (unsigned long)bad);
            ok = false;
        } else {
            memcpy(off->name, name, len + 1);
        }
    } else {
        ok = false;
    }
    const char *photo;
    int r = hl_json_get_string(doc, o, ipath, "photo", false, &photo);
    if (r == HL_JSON_BAD) ok = false;
    if (r != HL_JSON_FOUND) return ok;
    size_t plen = json_string_length(json_object_get(o, "photo"));
    if (plen == 0) {
        hl_json_report(doc, ipath, "photo", HL_JSON_AT_VALUE,
                       "\"photo\" is empty: give a PNG or JPEG file such as \"photos/nva.png\", "
                       "or leave the key out");
        return false;
    }
    if (strlen(photo) != plen) {
        hl_json_report(doc, ipath, "photo", HL_JSON_AT_VALUE, "\"photo\" contains a NUL character");
        return false;
    }
    off->photo = path_resolve(doc->name, photo);
    if (!off->photo) {
        doc->nomem = true;
        return false;
    }
    size_t rlen = strlen(off->photo);
    if (rlen > PHOTO_PATH_MAX) {
        hl_json_report(doc, ipath, "photo", HL_JSON_AT_VALUE,
                       "\"photo\" is %zu bytes long once resolved against the config's folder; "
                       "the limit is %d",
                       rlen, PHOTO_PATH_MAX);
        return false;
    }
    return ok;
}

/* "officers": 1 to HL_MAX_OFFICERS officers with distinct ids. */
static void check_officers(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *arr;
    f->officers_r = hl_json_get_array(doc, root, "", "officers", false,
                                      "a list of officers such as [{\"id\": \"nva\", \"name\": "
                                      "\"Nguyễn Văn A\"}]",
                                      &arr);
    if (f->officers_r != HL_JSON_FOUND) return;
    size_t n = json_array_size(arr);
    if (n == 0 || n > HL_MAX_OFFICERS) {
        hl_json_report(doc, "", "officers", HL_JSON_AT_VALUE,
                       "\"officers\" lists %zu officers: give 1 to %d, or leave the key out", n,
                       HL_MAX_OFFICERS);
        f->officers_r = HL_JSON_BAD;
        return;
    }
    f->n_officers = (int)n;
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (!check_officer_entry(doc, json_array_get(arr, i), i, f)) ok = false;
    if (!ok) f->officers_r = HL_JSON_BAD;
}

/* "officer": the one on duty, listed in this file's "officers" (or, when
 * the file gives none, in the officers cfg already has); "" for nobody. */
static void check_officer(hl_json_doc_t *doc, const json_t *root, config_found_t *f,
                          const hl_config_t *cfg)
{
    json_t *v;
    if (hl_json_get(doc, root, "", "officer", false, &v) != HL_JSON_FOUND) return;
    if (!json_is_string(v)) {
        hl_json_report(doc, "", "officer", HL_JSON_AT_VALUE,
                       "\"officer\" must be the id of a listed officer such as \"nva\", not %s",
                       hl_json_kind(v));
        return;
    }
    const char *id = json_string_value(v);
    if (id[0] == '\0' && json_string_length(v) == 0) {
        f->has_officer = true; /* nobody on duty */
        f->officer[0] = '\0';
        return;
    }
    if (!hl_json_id_valid(id, HL_ITEM_ID_MAX, true) || strlen(id) != json_string_length(v)) {
        hl_json_report(doc, "", "officer", HL_JSON_AT_VALUE,
                       "officer id \"%.60s\"%s must be 1 to %d characters of a-z, 0-9, '_' and "
                       "'-' (lower case, no spaces)",
                       id, strlen(id) > 60 ? "..." : "", HL_ITEM_ID_MAX);
        return;
    }
    if (f->officers_r == HL_JSON_BAD) return; /* the list is reported already */
    const hl_officer_t *list = f->officers_r == HL_JSON_FOUND ? f->officers : cfg->officers;
    int n = f->officers_r == HL_JSON_FOUND ? f->n_officers : cfg->n_officers;
    char listed[HL_MAX_OFFICERS * (HL_ITEM_ID_MAX + 2) + 1] = "";
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(list[i].id, id) == 0) {
            f->has_officer = true;
            memcpy(f->officer, id, strlen(id) + 1);
            return;
        }
        int w = snprintf(listed + used, sizeof listed - used, "%s%s", i ? ", " : "", list[i].id);
        if (w > 0 && (size_t)w < sizeof listed - used) used += (size_t)w;
    }
    if (n == 0)
        hl_json_report(doc, "", "officer", HL_JSON_AT_VALUE,
                       "\"officer\" is \"%s\" but no officers are listed: add it to "
                       "\"officers\" as {\"id\": \"%s\", \"name\": \"...\"}",
                       id, id);
    else
        hl_json_report(doc, "", "officer", HL_JSON_AT_VALUE,
                       "\"officer\" is \"%s\", which is not listed in \"officers\" (listed: "
                       "%s)",
                       id, listed);
}

/* "language": a code the firmware knows. */
static void check_language(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    const char *code;
    if (hl_json_get_string(doc, root, "", "language", false, &code) != HL_JSON_FOUND) return;
    hl_lang_t lang;
    if (!hl_lang_parse(code, &lang) ||
        strlen(code) != json_string_length(json_object_get(root, "language"))) {
        char langs[64];
        hl_json_langs_list(langs, sizeof langs);
        hl_json_report(doc, "", "language", HL_JSON_AT_VALUE,
                       "\"language\" is \"%.20s%s\"; use one of: %s", code,
                       strlen(code) > 20 ? "..." : "", langs);
        return;
    }
    snprintf(f->language, sizeof f->language, "%s", hl_lang_code(lang));
    f->has_language = true;
}

/* "technician": {"pin_hash": ...}: the hash is never quoted in a message. */
static void check_technician(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *t;
    if (hl_json_get_object(doc, root, "", "technician", false,
                           "an object such as {\"pin_hash\": \"...\"} (hailong set-pin writes it)",
                           &t) != HL_JSON_FOUND)
        return;
    hl_json_check_keys(doc, t, "technician", technician_keys);
    const char *h;
    if (hl_json_get_string(doc, t, "technician", "pin_hash", false, &h) != HL_JSON_FOUND) return;
    size_t len = json_string_length(json_object_get(t, "pin_hash"));
    if (len == 0) {
        hl_json_report(doc, "technician", "pin_hash", HL_JSON_AT_VALUE,
                       "\"pin_hash\" is empty: set a PIN with hailong set-pin, or leave the key "
                       "out to keep the technician menu closed");
    } else if (len >= sizeof f->pin_hash || strlen(h) != len || !hl_pin_stored_valid(h)) {
        hl_json_report(doc, "technician", "pin_hash", HL_JSON_AT_VALUE,
                       "\"pin_hash\" is not a PIN hash as hailong set-pin writes it "
                       "(pbkdf2-sha256$ITERATIONS$SALT$HASH, %d to %d iterations): set the PIN "
                       "again with hailong set-pin",
                       HL_PIN_ITER_MIN, HL_PIN_ITER_MAX);
    } else {
        memcpy(f->pin_hash, h, len + 1);
        f->has_pin_hash = true;
    }
}

/* "fairness": {"min_interval_s": 5, "max_per_hour": 60}: when a response
 * is flagged suspect (stored all the same); 0 turns a rule off. */
static void check_fairness(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *o;
    if (hl_json_get_object(doc, root, "", "fairness", false,
                           "an object such as {\"min_interval_s\": 5, \"max_per_hour\": 60}",
                           &o) != HL_JSON_FOUND)
        return;
    hl_json_check_keys(doc, o, "fairness", fairness_keys);
    f->has_fair_interval = hl_json_get_int(doc, o, "fairness", "min_interval_s", false, 0, 3600,
                                           &f->fair_interval) == HL_JSON_FOUND;
    f->has_fair_hour = hl_json_get_int(doc, o, "fairness", "max_per_hour", false, 0, 10000,
                                       &f->fair_hour) == HL_JSON_FOUND;
}

/* "storage": where the data directory may live. */
static void check_storage(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *o;
    if (hl_json_get_object(doc, root, "", "storage", false,
                           "an object such as {\"require_mount\": true}", &o) != HL_JSON_FOUND)
        return;
    hl_json_check_keys(doc, o, "storage", storage_keys);
    f->has_require_mount = hl_json_get_bool(doc, o, "storage", "require_mount", false,
                                            &f->require_mount) == HL_JSON_FOUND;
}

/* "keyboard": {"method": "telex", "new_style": false}. */
static void check_keyboard(hl_json_doc_t *doc, const json_t *root, config_found_t *f)
{
    json_t *o;
    if (hl_json_get_object(doc, root, "", "keyboard", false,
                           "an object such as {\"method\": \"telex\", \"new_style\": false}",
                           &o) != HL_JSON_FOUND)
        return;
    hl_json_check_keys(doc, o, "keyboard", keyboard_keys);
    f->has_new_style = hl_json_get_bool(doc, o, "keyboard", "new_style", false,
                                        &f->keyboard.new_style) == HL_JSON_FOUND;
    static const char *const methods[] = {"telex", "vni", "none", NULL};
    static const hl_compose_method_t values[] = {HL_COMPOSE_TELEX, HL_COMPOSE_VNI, HL_COMPOSE_NONE};
    const char *m;
    if (hl_json_get_string(doc, o, "keyboard", "method", false, &m) != HL_JSON_FOUND) return;
    for (int i = 0; methods[i]; i++) {
        if (strcmp(m, methods[i]) == 0) {
            f->keyboard.method = values[i];
            f->has_method = true;
            return;
        }
    }
    const char *guess = hl_json_suggest(m, methods);
    char hint[48] = "";
    if (guess) snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", guess);
    hl_json_report(doc, "keyboard", "method", HL_JSON_AT_VALUE,
                   "unknown keyboard method \"%.20s\"%s: use \"telex\", \"vni\" or \"none\"", m,
                   hint);
}

static void config_check(hl_json_doc_t *doc, config_found_t *f, const hl_config_t *cfg)
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
    check_sync(doc, root, f);
    check_officers(doc, root, f);
    check_officer(doc, root, f, cfg);
    check_language(doc, root, f);
    check_technician(doc, root, f);
    check_fairness(doc, root, f);
    check_storage(doc, root, f);
    check_keyboard(doc, root, f);
    hl_access_cfg_check(doc, root, &f->access, &f->has_access);
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
    if (f->has_hours) cfg->display.hours = f->hours;
    if (f->has_require_mount) cfg->require_mount = f->require_mount;
    if (f->has_method) cfg->keyboard.method = f->keyboard.method;
    if (f->has_new_style) cfg->keyboard.new_style = f->keyboard.new_style;
    if (f->has_access) cfg->access = f->access;
    if (f->n_roots > 0) {
        memcpy(cfg->export_roots, f->roots, sizeof cfg->export_roots);
        cfg->n_export_roots = f->n_roots;
    }
    if (f->has_export_key) {
        cfg->has_export_key = true;
        memcpy(cfg->export_key_sha256, f->export_key, sizeof cfg->export_key_sha256);
    }
    if (f->has_sync) cfg->sync = f->sync;
    if (f->officers_r == HL_JSON_FOUND) {
        for (int i = 0; i < cfg->n_officers; i++)
            free(cfg->officers[i].photo);
        memcpy(cfg->officers, f->officers, sizeof cfg->officers);
        cfg->n_officers = f->n_officers;
        for (int i = 0; i < f->n_officers; i++)
            f->officers[i].photo = NULL; /* now cfg's */
        f->n_officers = 0;
        if (!f->has_officer && !hl_config_officer(cfg, cfg->officer)) cfg->officer[0] = '\0';
    }
    if (f->has_officer) memcpy(cfg->officer, f->officer, sizeof cfg->officer);
    if (f->has_language) memcpy(cfg->language, f->language, sizeof cfg->language);
    if (f->has_pin_hash) memcpy(cfg->pin_hash, f->pin_hash, sizeof cfg->pin_hash);
    if (f->has_fair_interval) cfg->fair_min_interval_s = (int)f->fair_interval;
    if (f->has_fair_hour) cfg->fair_max_per_hour = (int)f->fair_hour;
    free(cfg->file);
    free(cfg->dir);
    cfg->file = file;
    cfg->dir = dir;
}

/* Validates a loaded document and applies it to cfg; consumes doc. */
static int config_finish(hl_json_doc_t *doc, int rc, hl_config_t *cfg, hl_diags_t *diags)
{
    config_found_t f = {0};
    if (rc == HL_OK) config_check(doc, &f, cfg);
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
    int rc = hl_json_doc_load_file_flags(&doc, path, HL_JSON_HIDE_TEXT);
    return config_finish(&doc, rc, cfg, diags);
}

int hl_config_load_text(const char *name, const char *text, size_t len, hl_config_t *cfg,
                        hl_diags_t *diags)
{
    hl_json_doc_t doc;
    int rc = hl_json_doc_load_text_flags(&doc, name, text, len, HL_JSON_HIDE_TEXT);
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
