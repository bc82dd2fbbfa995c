/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_push.c: reading and checking a kiosk's push (hl_push.h).
 *
 * Three passes over an untrusted body: a byte scan that bounds the
 * nesting (jansson's own limit is 2048), jansson with duplicate keys
 * refused, and a second byte scan that finds each response's span (and,
 * in each row, the chain members the chain value does not cover) in the
 * same order jansson saw them. Object keys that hold an escape are refused
 * at the levels the scan reads by key, so the scan and jansson always
 * agree on which member is which.
 */
#include "hl_push.h"
#include "hl_devkey.h"
#include "hl_sys.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Byte scanning of JSON jansson accepted ------------------------------------------ */

static void ws(const char *b, size_t n, size_t *i)
{
    while (*i < n && (b[*i] == ' ' || b[*i] == '\t' || b[*i] == '\n' || b[*i] == '\r'))
        (*i)++;
}

/* Skips a string at b[*i] == '"'; *escaped set when it holds a backslash. */
static void scan_string(const char *b, size_t n, size_t *i, bool *escaped)
{
    (*i)++;
    while (*i < n && b[*i] != '"') {
        if (b[*i] == '\\') {
            if (escaped) *escaped = true;
            (*i)++;
        }
        (*i)++;
    }
    (*i)++;
}

static void scan_value(const char *b, size_t n, size_t *i);

static void scan_container(const char *b, size_t n, size_t *i, char close)
{
    (*i)++;
    ws(b, n, i);
    while (*i < n && b[*i] != close) {
        if (close == '}') {
            scan_string(b, n, i, NULL);
            ws(b, n, i);
            (*i)++; /* ':' */
            ws(b, n, i);
        }
        scan_value(b, n, i);
        ws(b, n, i);
        if (*i < n && b[*i] == ',') {
            (*i)++;
            ws(b, n, i);
        }
    }
    (*i)++;
}

static void scan_value(const char *b, size_t n, size_t *i)
{
    if (*i >= n) return;
    char c = b[*i];
    if (c == '"')
        scan_string(b, n, i, NULL);
    else if (c == '{')
        scan_container(b, n, i, '}');
    else if (c == '[')
        scan_container(b, n, i, ']');
    else
        while (*i < n && !strchr(",}] \t\r\n", b[*i]))
            (*i)++;
}

/* One member of an object, by byte offsets. */
typedef struct member {
    size_t key, key_end; /* the key's quotes included */
    size_t val, val_end;
    size_t after_prev; /* end of the previous member's value (or just after '{') */
    bool escaped;      /* the key holds an escape */
} member_t;

/* Calls cb for each member of the object at b[*i] == '{'; stops early when
 * cb returns false (then returns false). */
static bool scan_members(const char *b, size_t n, size_t *i,
                         bool (*cb)(void *ctx, const char *b, const member_t *m), void *ctx)
{
    (*i)++;
    size_t after_prev = *i;
    ws(b, n, i);
    while (*i < n && b[*i] != '}') {
        member_t m = {.key = *i, .after_prev = after_prev};
        scan_string(b, n, i, &m.escaped);
        m.key_end = *i;
        ws(b, n, i);
        (*i)++;
        ws(b, n, i);
        m.val = *i;
        scan_value(b, n, i);
        m.val_end = *i;
        after_prev = *i;
        if (cb && !cb(ctx, b, &m)) return false;
        ws(b, n, i);
        if (*i < n && b[*i] == ',') {
            (*i)++;
            ws(b, n, i);
        }
    }
    (*i)++;
    return true;
}

static bool key_is(const char *b, const member_t *m, const char *name)
{
    size_t l = strlen(name);
    return m->key_end - m->key == l + 2 && !memcmp(b + m->key + 1, name, l);
}

/* Nesting deeper than HL_PUSH_DEPTH_MAX, outside strings. */
static bool too_deep(const char *b, size_t n)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > HL_PUSH_DEPTH_MAX) return true;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return false;
}

/* ---- Fields ----------------------------------------------------------------------------- */

static bool is_hex(const char *s, size_t len)
{
    if (strlen(s) != len) return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

bool hl_push_id_ok(const char *s, size_t max)
{
    size_t l = strlen(s);
    if (l < 1 || l > max) return false;
    for (size_t i = 0; i < l; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return true;
}

/* A v4-style UUID, 8-4-4-4-12 hex digits, any case; out gets lower case. */
static bool uuid_ok(const char *s, char out[37])
{
    if (strlen(s) != 36) return false;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (c >= 'A' && c <= 'F') {
            c = (char)(c - 'A' + 'a');
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
        out[i] = c;
    }
    out[36] = '\0';
    return true;
}

bool hl_push_time_ok(const char *s)
{
    size_t l = strlen(s);
    if (l != 20 && l != 24) return false;
    static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < l; i++) {
        char want = (l == 20 && i == 19) ? 'Z' : pat[i];
        if (want == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != want) return false;
    }
    int y = atoi(s), mo = atoi(s + 5), d = atoi(s + 8), h = atoi(s + 11), mi = atoi(s + 14),
        se = atoi(s + 17);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
           !(mo == 2 && d == 29 && !leap) && h <= 23 && mi <= 59 && se <= 59;
}

static const char *str_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A string of at most max bytes, or null (when nullable). */
static bool str_field(json_t *o, const char *key, size_t max, bool nullable)
{
    json_t *v = json_object_get(o, key);
    if (!v) return false;
    if (json_is_null(v)) return nullable;
    return json_is_string(v) && json_string_length(v) <= max;
}

static bool int_field(json_t *o, const char *key, json_int_t min)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= min;
}

/* Why a row cannot be stored as a response, or NULL. */
static const char *row_problem(json_t *o, hl_push_row_t *r)
{
    const char *kid = str_of(o, "kiosk_id");
    if (!kid || !hl_push_id_ok(kid, 40)) return "kiosk_id is missing or not an id";
    snprintf(r->kiosk_id, sizeof r->kiosk_id, "%s", kid);
    if (!int_field(o, "seq", 1)) return "seq is not a whole number of 1 or more";
    r->seq = (int64_t)json_integer_value(json_object_get(o, "seq"));
    const char *sid = str_of(o, "survey_id");
    if (!sid || !sid[0] || strlen(sid) > 64) return "survey_id is missing or too long";
    if (!int_field(o, "survey_version", 0)) return "survey_version is not a whole number";
    const char *sha = str_of(o, "survey_sha256");
    if (!sha || !is_hex(sha, 64)) return "survey_sha256 is not 64 hex digits";
    const char *lang = str_of(o, "language");
    if (!lang || !lang[0] || strlen(lang) > 8) return "language is missing";
    const char *st = str_of(o, "started_at"), *fin = str_of(o, "finished_at");
    if (!st || !hl_push_time_ok(st)) return "started_at is not an ISO 8601 UTC time";
    if (!fin || !hl_push_time_ok(fin)) return "finished_at is not an ISO 8601 UTC time";
    const char *status = str_of(o, "status");
    if (!status || (strcmp(status, "complete") && strcmp(status, "partial")))
        return "status is neither complete nor partial";
    if (!str_field(o, "suspect", 32, true)) return "suspect is not a short string or null";
    if (!json_is_boolean(json_object_get(o, "clock_trusted")))
        return "clock_trusted is not true/false";
    if (!str_field(o, "officer_id", 32, true)) return "officer_id is not an id or null";
    if (!str_field(o, "counter", 512, true)) return "counter is not a string or null";
    if (json_object_get(o, "followup") && !str_field(o, "followup", 16, false))
        return "followup is not a short string";
    static const struct {
        const char *key;
        size_t len;
    } hexes[] = {{"chain", 64}, {"prev_chain", 64}, {"chain_sig", 128}};
    char *dst[] = {r->chain, r->prev_chain, r->chain_sig};
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(o, hexes[i].key);
        if (json_is_null(v) || !v) {
            dst[i][0] = '\0';
            continue;
        }
        const char *h = json_string_value(v);
        if (!h || !is_hex(h, hexes[i].len)) return "a chain field is not lower-case hex digits";
        memcpy(dst[i], h, hexes[i].len + 1);
    }
    json_t *ans = json_object_get(o, "answers");
    if (!json_is_object(ans)) return "answers is not an object";
    const char *qid;
    json_t *a;
    json_object_foreach(ans, qid, a)
    {
        if (strlen(qid) < 1 || strlen(qid) > 64)
            return "an answer's question id is empty or too long";
        json_t *val = json_object_get(a, "value");
        if (!json_is_string(val) || json_string_length(val) > 8192)
            return "an answer's value is not a string";
        if (!int_field(a, "ms", 0)) return "an answer's ms is not a whole number";
    }
    return NULL;
}

/* ---- The rows' spans ---------------------------------------------------------------------- */

typedef struct top_ctx {
    const char *b;
    size_t n;
    size_t resp, resp_end; /* the responses array's span (resp_end 0: none) */
    bool escaped_key;
} top_ctx_t;

static bool top_member(void *ctx, const char *b, const member_t *m)
{
    top_ctx_t *t = ctx;
    if (m->escaped) t->escaped_key = true;
    if (key_is(b, m, "responses")) {
        t->resp = m->val;
        t->resp_end = m->val_end;
    }
    return true;
}

typedef struct row_ctx {
    hl_push_row_t *r;
    int state;      /* 0: before chain, 1: after chain, 2: after prev_chain, 3: done, -1: bad */
    size_t cut_off; /* where the chain members begin */
} row_ctx_t;

static bool row_member(void *ctx, const char *b, const member_t *m)
{
    row_ctx_t *c = ctx;
    if (m->escaped) c->state = -1;
    if (c->state < 0) return true;
    if (key_is(b, m, "chain")) {
        c->state = c->state == 0 ? 1 : -1;
        c->cut_off = m->after_prev;
    } else if (key_is(b, m, "prev_chain")) {
        c->state = c->state == 1 ? 2 : -1;
    } else if (key_is(b, m, "chain_sig")) {
        if (c->state == 2) {
            c->state = 3;
            c->r->cut_off = c->cut_off;
            c->r->cut_len = m->val_end - c->cut_off;
        } else {
            c->state = -1;
        }
    } else if (c->state == 1 || c->state == 2) {
        c->state = -1; /* not consecutive */
    }
    return true;
}

/* ---- Status ------------------------------------------------------------------------------ */

static void keep_str(json_t *out, json_t *in, const char *key, bool time)
{
    json_t *v = json_object_get(in, key);
    if (json_is_null(v)) {
        json_object_set_new(out, key, json_null());
    } else if (json_is_string(v) && json_string_length(v) <= HL_PUSH_STR_MAX &&
               (!time || hl_push_time_ok(json_string_value(v)))) {
        json_object_set_new(out, key, json_stringn(json_string_value(v), json_string_length(v)));
    }
}

static void keep_int(json_t *out, json_t *in, const char *key, json_int_t min, json_int_t max)
{
    json_t *v = json_object_get(in, key);
    if (json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max)
        json_object_set_new(out, key, json_integer(json_integer_value(v)));
}

static char *status_clean(json_t *in, int64_t *assignment)
{
    json_t *out = json_object();
    if (!out) return NULL;
    *assignment = -1;
    if (json_is_object(in)) {
        const json_int_t big = (json_int_t)1 << 53;
        keep_int(out, in, "protocol", 0, 1000);
        keep_str(out, in, "software", false);
        keep_str(out, in, "time", true);
        json_t *ct = json_object_get(in, "clock_trusted");
        if (json_is_boolean(ct))
            json_object_set_new(out, "clock_trusted", json_boolean(json_is_true(ct)));
        keep_int(out, in, "uptime_s", 0, big);
        keep_int(out, in, "interval_s", 1, 86400);
        keep_int(out, in, "pending", 0, big);
        keep_str(out, in, "oldest_pending", true);
        keep_int(out, in, "disk_free_bytes", 0, big);
        keep_str(out, in, "last_error", false);
        keep_str(out, in, "last_usb_export", true);
        json_t *oid = json_object_get(in, "officer_id");
        if (json_is_null(oid) || (json_is_string(oid) && hl_push_id_ok(json_string_value(oid), 32)))
            json_object_set(out, "officer_id", oid);
        json_t *sv = json_object_get(in, "survey");
        if (json_is_object(sv)) {
            json_t *s = json_object();
            const char *id = str_of(sv, "id"), *sha = str_of(sv, "sha256");
            if (id && strlen(id) <= 64) json_object_set_new(s, "id", json_string(id));
            keep_int(s, sv, "version", 0, big);
            if (sha && is_hex(sha, 64)) json_object_set_new(s, "sha256", json_string(sha));
            json_object_set_new(out, "survey", s);
        }
        json_t *as = json_object_get(in, "assignment");
        if (json_is_object(as) && json_is_integer(json_object_get(as, "id")) &&
            json_integer_value(json_object_get(as, "id")) >= 0 &&
            json_integer_value(json_object_get(as, "id")) < big) {
            json_t *a = json_object();
            *assignment = (int64_t)json_integer_value(json_object_get(as, "id"));
            json_object_set_new(a, "id", json_integer(*assignment));
            const char *state = str_of(as, "state");
            if (state && (!strcmp(state, "waiting") || !strcmp(state, "installed") ||
                          !strcmp(state, "failed")))
                json_object_set_new(a, "state", json_string(state));
            keep_str(a, as, "error", false);
            json_object_set_new(out, "assignment", a);
        }
    }
    char *s = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return s;
}

/* ---- Parse ---------------------------------------------------------------------------------- */

int hl_push_parse(const char *body, size_t len, hl_push_t *p, hl_err_t *err)
{
    memset(p, 0, sizeof *p);
    p->assignment_reported = -1;
    if (too_deep(body, len))
        return hl_err_set(err, HL_ERR_INVALID, "the request nests deeper than %d levels",
                          HL_PUSH_DEPTH_MAX);
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return hl_err_set(err, HL_ERR_INVALID, "the request is not JSON: %s (line %d, column %d)",
                          je.text, je.line, je.column);
    int rc = HL_ERR_INVALID;
    if (!json_is_object(root)) {
        hl_err_set(err, rc, "the request is not a JSON object");
        goto out;
    }
    const char *kid = str_of(root, "kiosk_id");
    if (!kid || !hl_push_id_ok(kid, 40)) {
        hl_err_set(err, rc, "kiosk_id is missing or not [a-z0-9_-]{1,40}");
        goto out;
    }
    snprintf(p->kiosk_id, sizeof p->kiosk_id, "%s", kid);
    const char *bid = str_of(root, "batch_id");
    if (!bid || !is_hex(bid, 32)) {
        hl_err_set(err, rc, "batch_id is missing or not 32 lower-case hex digits");
        goto out;
    }
    memcpy(p->batch_id, bid, 33);
    json_t *rows = json_object_get(root, "responses");
    if (!json_is_array(rows)) {
        hl_err_set(err, rc, "responses is missing or not an array");
        goto out;
    }
    size_t n = json_array_size(rows);
    if (n > HL_PUSH_ROWS_MAX) {
        hl_err_set(err, rc, "%zu responses in one request; at most %d", n, HL_PUSH_ROWS_MAX);
        goto out;
    }
    top_ctx_t top = {.b = body, .n = len};
    size_t i = 0;
    ws(body, len, &i);
    scan_members(body, len, &i, top_member, &top);
    if (top.escaped_key || !top.resp_end) {
        hl_err_set(err, rc, "a member name of the request holds an escape");
        goto out;
    }
    if (n) {
        p->rows = calloc(n, sizeof *p->rows);
        if (!p->rows) {
            rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory for %zu responses", n);
            goto out;
        }
    }
    /* Each element's span, in order, beside jansson's element. */
    size_t j = top.resp + 1;
    for (size_t k = 0; k < n; k++) {
        ws(body, len, &j);
        hl_push_row_t *r = &p->rows[k];
        r->off = j;
        json_t *o = json_array_get(rows, k);
        if (!json_is_object(o)) {
            hl_err_set(err, rc, "responses[%zu] is not an object", k);
            goto out;
        }
        const char *uuid = str_of(o, "response_id");
        if (!uuid || !uuid_ok(uuid, r->response_id)) {
            hl_err_set(err, rc, "responses[%zu]: response_id is missing or not a UUID", k);
            goto out;
        }
        row_ctx_t rc_ = {.r = r};
        size_t e = j;
        scan_members(body, len, &e, row_member, &rc_);
        if (rc_.state < 0) r->cut_len = 0;
        r->len = e - j;
        j = e;
        ws(body, len, &j);
        if (j < len && body[j] == ',') j++;
        r->quarantine = row_problem(o, r);
    }
    p->n_rows = n;
    json_t *head = json_object_get(root, "chain_head");
    if (json_is_object(head)) {
        const char *chain = str_of(head, "chain"), *sig = str_of(head, "signature"),
                   *key = str_of(head, "key");
        json_t *seq = json_object_get(head, "seq");
        if (json_is_integer(seq) && json_integer_value(seq) >= 0 && chain && is_hex(chain, 64)) {
            p->has_head = true;
            p->head_seq = (int64_t)json_integer_value(seq);
            memcpy(p->head_chain, chain, 65);
            if (sig && is_hex(sig, 128)) memcpy(p->head_sig, sig, 129);
            if (key && is_hex(key, 16)) memcpy(p->head_key, key, 17);
            if ((sig && !p->head_sig[0]) || (key && !p->head_key[0])) {
                hl_err_set(err, rc, "chain_head: signature or key is not hex digits");
                goto out;
            }
        } else {
            hl_err_set(err, rc, "chain_head: seq or chain is missing or malformed");
            goto out;
        }
    }
    p->status = status_clean(json_object_get(root, "status"), &p->assignment_reported);
    if (!p->status) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory for the status");
        goto out;
    }
    rc = HL_OK;
out:
    json_decref(root);
    if (rc != HL_OK) hl_push_free(p);
    return rc;
}

void hl_push_free(hl_push_t *p)
{
    free(p->rows);
    free(p->status);
    p->rows = NULL;
    p->status = NULL;
    p->n_rows = 0;
}

/* SHA-256 of three pieces one after another. */
static bool sha256_3(const void *a, size_t na, const void *b, size_t nb, const void *c, size_t nc,
                     unsigned char md[32])
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    bool ok = x && EVP_DigestInit_ex(x, EVP_sha256(), NULL) && EVP_DigestUpdate(x, a, na) &&
              EVP_DigestUpdate(x, b, nb) && EVP_DigestUpdate(x, c, nc) &&
              EVP_DigestFinal_ex(x, md, NULL);
    EVP_MD_CTX_free(x);
    return ok;
}

/* ---- Verify ---------------------------------------------------------------------------------- */

void hl_push_verify(hl_push_t *p, const char *body, const char *kiosk_id,
                    const unsigned char *public_key, const char *key_fp)
{
    hl_devkey_t key = {0};
    hl_err_t err = {0};
    bool have_key = public_key && hl_devkey_from_public(public_key, &key, &err) == HL_OK;
    for (size_t i = 0; i < p->n_rows; i++) {
        hl_push_row_t *r = &p->rows[i];
        r->is_signed = false;
        if (r->quarantine) continue;
        if (strcmp(r->kiosk_id, kiosk_id)) {
            r->quarantine = "another kiosk's response";
            continue;
        }
        if (!r->chain_sig[0]) continue; /* chained before device keys, or not at all */
        if (!r->chain[0] || !r->prev_chain[0] || !r->cut_len) {
            r->quarantine = "signed, but its chain fields are missing or out of place";
            continue;
        }
        /* chain = SHA-256(the row without its chain members, then prev_chain) */
        const char *row = body + r->off;
        size_t head = r->cut_off - r->off, tail = r->len - head - r->cut_len;
        unsigned char md[32];
        char hex[65];
        if (!sha256_3(row, head, row + head + r->cut_len, tail, r->prev_chain, 64, md)) {
            r->quarantine = "its chain value could not be computed (out of memory)";
            continue;
        }
        hl_hex_encode(md, 32, hex);
        if (strcmp(hex, r->chain)) {
            r->quarantine = "its chain value does not match its content";
            continue;
        }
        if (!have_key) {
            r->quarantine = "signed, but the kiosk has no registered key";
            continue;
        }
        if (!hl_devkey_verify_chain(&key, r->kiosk_id, r->seq, r->chain, r->chain_sig)) {
            r->quarantine = "its signature does not verify with the kiosk's registered key";
            continue;
        }
        r->is_signed = true;
    }
    if (!p->has_head) {
        p->head_verdict = NULL;
    } else if (!p->head_sig[0]) {
        p->head_verdict = "unsigned";
    } else if (!have_key) {
        p->head_verdict = "unsigned";
        snprintf(p->head_note, sizeof p->head_note, "no key registered for the kiosk");
    } else if (strcmp(p->head_key, key_fp ? key_fp : "")) {
        p->head_verdict = "forged";
        snprintf(p->head_note, sizeof p->head_note, "signed by key %s, the kiosk's is %s",
                 p->head_key[0] ? p->head_key : "(none)", key_fp ? key_fp : "(none)");
    } else if (!hl_devkey_verify_chain(&key, kiosk_id, p->head_seq, p->head_chain, p->head_sig)) {
        p->head_verdict = "forged";
        snprintf(p->head_note, sizeof p->head_note,
                 "the signature does not verify with the kiosk's key");
    } else {
        p->head_verdict = "verified";
    }
    if (have_key) hl_devkey_free(&key);
}
