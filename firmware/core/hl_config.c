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

static const char *const config_keys[] = {"kiosk_id", "site",   "counter", "survey", "timeouts",
                                          "display",  "export", "sync",    NULL};
static const char *const timeout_keys[] = {"idle_s", "warn_s", "thanks_s", NULL};
static const char *const display_keys[] = {"dpi", "rotation", NULL};
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
    check_sync(doc, root, f);
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
    if (f->has_sync) cfg->sync = f->sync;
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
