/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_sync_v2.c: what version 2 of the sync protocol adds to a request and
 * its answer (docs/sync-protocol.md, "Version 2"): the kiosk's status in
 * every request, and the assignment (a survey and/or an officer list from
 * the centre) an answer may carry.
 *
 * The status is one JSON object built from what the store says (pending,
 * the last error, the last export, the last assignment), the clocks, and
 * the kiosk's own snapshot (the survey it runs, the officer on duty), with
 * every string cut to 512 bytes of valid UTF-8.
 * An assignment comes from the network, so nothing in it is trusted: its
 * types and sizes are checked, the survey's SHA-256 must match its text,
 * the survey must pass every rule of `hailong check` and name no picture or
 * recording (those come by USB stick), and the officer list must be what
 * the config's "officers" may hold (checked by the config's own loader).
 * This runs on the sync worker's thread; installing is the kiosk's, on its
 * own thread, at an idle moment (the store must still take the survey).
 */
#include "hl_sync.h"

#include "hl_json.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SYNC_STATUS_STR_MAX 512 /* bytes of a string in the status */

/* ---- The status ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80             ? 1
                 : (s[0] & 0xE0) == 0xC0 ? 2
                 : (s[0] & 0xF0) == 0xE0 ? 3
                 : (s[0] & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (len == 0 || len > n || (len == 2 && s[0] < 0xC2) || (len == 4 && s[0] > 0xF4)) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (len == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
    if (len == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return len;
}

/* A JSON string of text cut to SYNC_STATUS_STR_MAX bytes of valid UTF-8
 * (a byte that is not is sent as '?'); null for NULL or "". */
static json_t *status_str(const char *text)
{
    if (!text || !text[0]) return json_null();
    char buf[SYNC_STATUS_STR_MAX + 1];
    size_t n = strlen(text), at = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq((const unsigned char *)text + i, n - i);
        if (at + (len ? len : 1) > SYNC_STATUS_STR_MAX) break;
        if (len == 0 || text[i] == '\0') {
            buf[at++] = '?';
            i++;
            continue;
        }
        memcpy(buf + at, text + i, len);
        at += len;
        i += len;
    }
    buf[at] = '\0';
    return json_stringn(buf, at);
}

static json_t *status_time(int64_t utc_ms)
{
    if (utc_ms < 0) return json_null();
    char iso[32];
    hl_time_iso8601_ms(utc_ms, iso);
    return json_string(iso);
}

bool hl_sync_put_status(hl_fdbuf_t *o, const hl_sync_status_in_t *in)
{
    const hl_sync_kiosk_t *k = in->kiosk;
    const hl_store_sync_t *ss = in->store;
    json_t *st = json_object();
    json_t *survey = k && k->has_survey ? json_object() : json_null();
    json_t *assign = ss && ss->assign.state != HL_ASSIGN_NONE ? json_object() : json_null();
    bool ok = st && survey && assign;
    if (ok && json_is_object(survey))
        ok = !json_object_set_new(survey, "id", status_str(k->survey_id)) &&
             !json_object_set_new(survey, "version", json_integer(k->survey_version)) &&
             !json_object_set_new(survey, "sha256", status_str(k->survey_sha256));
    if (ok && json_is_object(assign))
        ok = !json_object_set_new(assign, "id", json_integer(ss->assign.id)) &&
             !json_object_set_new(assign, "state",
                                  json_string(hl_assign_state_name(ss->assign.state))) &&
             !json_object_set_new(assign, "error", status_str(ss->assign.error));
    struct {
        const char *key;
        json_t *v;
    } f[] = {
        {"protocol", json_integer(HL_SYNC_PROTOCOL)},
        {"software", status_str(in->software ? in->software : "0")},
        {"time", status_time(in->now_utc_ms)},
        {"clock_trusted", json_boolean(in->clock_trusted)},
        {"uptime_s", json_integer(in->uptime_s < 0 ? 0 : in->uptime_s)},
        {"interval_s", json_integer(in->interval_s)},
        {"survey", survey},
        {"assignment", assign},
        {"pending", json_integer(ss ? ss->pending : 0)},
        {"oldest_pending", status_time(ss && ss->pending ? ss->oldest_pending_utc_ms : -1)},
        {"disk_free_bytes",
         in->disk_free_bytes >= 0 ? json_integer(in->disk_free_bytes) : json_null()},
        {"last_error", status_str(ss ? ss->last_error : NULL)},
        {"last_usb_export", status_time(ss ? ss->last_export_utc_ms : -1)},
        {"officer_id", status_str(k ? k->officer_id : NULL)},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        /* set_new takes each value, also after a failure (and frees it then). */
        if (!st) json_decref(f[i].v);
        if (!f[i].v || !st || json_object_set_new(st, f[i].key, f[i].v) != 0) ok = false;
    }
    char *text = ok ? json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(st);
    ok = text && hl_fdbuf_puts(o, "\"status\":") && hl_fdbuf_puts(o, text);
    free(text);
    return ok;
}

/* ---- Assignments --------------------------------------------------------------------- */

void hl_sync_assignment_free(hl_sync_assignment_t *a)
{
    free(a->survey);
    free(a->officers);
    memset(a, 0, sizeof *a);
}

/* Refused: the assignment is recorded failed with why. */
static void assign_fail(hl_sync_assignment_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void assign_fail(hl_sync_assignment_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->error, sizeof a->error, fmt, ap);
    va_end(ap);
    a->state = HL_ASSIGN_FAILED;
    free(a->survey);
    free(a->officers);
    a->survey = a->officers = NULL;
    a->survey_len = 0;
}

/* Out of memory: nothing is recorded (the server sends the assignment again
 * with its next answer). */
static void assign_nomem(hl_sync_assignment_t *a, const char *what)
{
    assign_fail(a, "out of memory reading the assigned %s: tried again with the next answer", what);
    a->kind = HL_SYNC_ASSIGN_BAD;
}

/* The first problem of d as hailong check prints it (without the file). */
static void first_problem(const hl_diags_t *d, char *out, size_t size)
{
    if (!d->n) {
        hl_fmt(out, size, "no detail");
        return;
    }
    const hl_diag_t *it = &d->items[0];
    if (it->line > 0)
        hl_fmt(out, size, "line %d, column %d: %s%s%s%s", it->line, it->col, it->msg,
               it->path ? " (at " : "", it->path ? it->path : "", it->path ? ")" : "");
    else
        hl_fmt(out, size, "%s", it->msg);
}

/* The survey's text against its hash and every rule of hailong check; a
 * survey with pictures or recordings is refused. */
static void assign_check_survey(hl_sync_assignment_t *a, const char *want_sha)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (EVP_Digest(a->survey, a->survey_len, md, &mdlen, EVP_sha256(), NULL) && mdlen == 32)
        hl_hex_encode(md, mdlen, hex);
    if (strcasecmp(hex, want_sha) != 0) {
        assign_fail(a,
                    "the survey's SHA-256 is %.64s, not the survey_sha256 %.64s the server "
                    "sent: it was damaged on the way (the server sends it again as a new "
                    "assignment)",
                    hex, want_sha);
        return;
    }
    char name[48], why[400];
    hl_fmt(name, sizeof name, "assignment %lld", (long long)a->id);
    hl_diags_t d = {0};
    hl_survey_t *s = NULL;
    if (hl_survey_load_text(name, a->survey, a->survey_len, &s, &d) != HL_OK) {
        first_problem(&d, why, sizeof why);
        assign_fail(a, "the survey does not pass hailong check: %zu problem%s; the first: %s", d.n,
                    d.n == 1 ? "" : "s", why);
        hl_diags_free(&d);
        return;
    }
    hl_diags_free(&d);
    const char *media = hl_survey_first_file(s);
    if (media)
        assign_fail(a,
                    "survey \"%s\" version %lld names pictures or recordings (%.200s): they "
                    "cannot come over the network; install it from a USB stick",
                    s->id, (long long)s->version, media);
    hl_survey_free(s);
}

/* The officer list: an array of {"id", "name"} (other members ignored),
 * kept as canonical JSON when the config's loader takes it. */
static void assign_check_officers(hl_sync_assignment_t *a, const json_t *list)
{
    if (!json_is_array(list)) {
        assign_fail(a, "\"officers\" is %s, not a list of {\"id\", \"name\"}", hl_json_kind(list));
        return;
    }
    size_t n = json_array_size(list);
    if (n > HL_MAX_OFFICERS) {
        assign_fail(a, "\"officers\" lists %zu officers; a kiosk takes at most %d", n,
                    HL_MAX_OFFICERS);
        return;
    }
    json_t *canon = json_array();
    size_t i;
    const json_t *o;
    json_array_foreach(list, i, o)
    {
        const json_t *id = json_object_get(o, "id"), *nm = json_object_get(o, "name");
        if (!json_is_object(o) || !json_is_string(id) || !json_is_string(nm)) {
            assign_fail(a, "officers[%zu] is not an object with the strings \"id\" and \"name\"",
                        i);
            break;
        }
        if (json_string_length(id) > HL_ITEM_ID_MAX ||
            json_string_length(nm) > HL_OFFICER_NAME_MAX) {
            assign_fail(a, "officers[%zu]: an id is at most %d bytes and a name at most %d", i,
                        HL_ITEM_ID_MAX, HL_OFFICER_NAME_MAX);
            break;
        }
        if (!canon || json_array_append_new(canon, json_pack("{s:O, s:O}", "id", id, "name", nm))) {
            assign_nomem(a, "officers");
            break;
        }
    }
    if (a->state == HL_ASSIGN_FAILED) {
        json_decref(canon);
        return;
    }
    if (!canon) {
        assign_nomem(a, "officers");
        return;
    }
    /* The config's own rules (ids, names, no id twice), as "officers" of a
     * config file. */
    json_t *doc = json_pack("{s:O}", "officers", canon);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    a->officers = canon ? json_dumps(canon, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    json_decref(canon);
    if (!text || !a->officers) {
        free(text);
        assign_nomem(a, "officers");
        return;
    }
    char name[48], why[400];
    hl_fmt(name, sizeof name, "assignment %lld", (long long)a->id);
    hl_config_t cfg;
    hl_config_defaults(&cfg, "kiosk");
    hl_diags_t d = {0};
    if (n > 0 && hl_config_load_text(name, text, strlen(text), &cfg, &d) != HL_OK) {
        first_problem(&d, why, sizeof why);
        assign_fail(a, "the officer list is not one a config may hold: %s", why);
    }
    hl_diags_free(&d);
    hl_config_free(&cfg);
    free(text);
}

void hl_sync_parse_assignment(const char *body, size_t len, int64_t last_id,
                              hl_sync_assignment_t *a)
{
    hl_sync_assignment_free(a);
    json_error_t je;
    json_t *root =
        body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je) : NULL;
    const json_t *m = json_object_get(root, "assignment");
    if (!m || json_is_null(m)) {
        json_decref(root);
        return; /* nothing assigned: the kiosk keeps what it runs */
    }
    a->kind = HL_SYNC_ASSIGN_BAD;
    const json_t *id = json_object_get(m, "id");
    if (!json_is_object(m) || !json_is_integer(id) || json_integer_value(id) < 0) {
        hl_fmt(a->error, sizeof a->error,
               "the server's \"assignment\" is %s without a whole number \"id\": ignored "
               "(a fault of the server)",
               json_is_object(m) ? "an object" : hl_json_kind(m));
        json_decref(root);
        return;
    }
    a->id = json_integer_value(id);
    const json_t *survey = json_object_get(m, "survey");
    const json_t *sha = json_object_get(m, "survey_sha256");
    const json_t *officers = json_object_get(m, "officers");
    if (json_is_null(survey)) survey = NULL;
    if (json_is_null(officers)) officers = NULL;
    if (a->id == last_id || (!survey && !officers)) {
        a->kind = HL_SYNC_ASSIGN_SAME; /* handled already, or nothing to install */
        json_decref(root);
        return;
    }
    a->kind = HL_SYNC_ASSIGN_NEW;
    a->state = HL_ASSIGN_WAITING;
    if (survey) {
        size_t n = json_string_length(survey);
        const char *text = json_string_value(survey);
        if (!text)
            assign_fail(a, "\"survey\" is %s, not the survey file's text as a string",
                        hl_json_kind(survey));
        else if (n > HL_MAX_FILE_BYTES)
            assign_fail(a, "the survey is %zu bytes; a survey file is at most %d bytes", n,
                        HL_MAX_FILE_BYTES);
        else if (strlen(text) != n)
            assign_fail(a, "the survey's text holds a NUL character: not a survey file");
        else if (!json_is_string(sha) || json_string_length(sha) != 64 ||
                 strspn(json_string_value(sha), "0123456789abcdefABCDEF") != 64)
            assign_fail(a, "\"survey_sha256\" is missing or not 64 hex digits: the survey "
                           "cannot be checked");
        else if (!(a->survey = malloc(n + 1)))
            assign_nomem(a, "survey");
        else {
            memcpy(a->survey, text, n + 1);
            a->survey_len = n;
            assign_check_survey(a, json_string_value(sha));
        }
    }
    if (officers && a->kind == HL_SYNC_ASSIGN_NEW && a->state == HL_ASSIGN_WAITING)
        assign_check_officers(a, officers);
    json_decref(root);
}
