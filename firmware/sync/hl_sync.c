/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_sync.c: the network sync's protocol pieces and its connection: a batch
 * of pending responses read from a store, posted over HTTPS with libcurl,
 * the answer classified, and the outcome recorded (formats in hl_sync.h and
 * docs/sync-protocol.md).
 *
 * The request body is built in one memory buffer that grows to the largest
 * batch and is reused: the prefix {"kiosk_id":...,"batch_id":...,
 * "responses":[ has a fixed length, so it is reserved first and filled in
 * once the batch's UUIDs (and so its id) are known; it ends with the store's
 * chain head at the time ("chain_head": {"seq", "chain"}, issue 7), which
 * the server records outside the kiosk, and the kiosk's status (protocol
 * version 2, hl_sync_v2.c). With nothing pending the same request goes with
 * no responses: a heartbeat, so the province sees the kiosk alive; its
 * refusal never stops the sync (a version 1 server may refuse an empty
 * batch). One CURL handle lives as
 * long as the hl_sync_t, so batches reuse the TLS connection. libcurl has no
 * time limit by default: connect, whole-request and low-speed limits are
 * always set. Only https (or http when the config allows it) is enabled,
 * redirects are never followed, TLS peer and host verification stay on,
 * and the token is only ever put in the Authorization header.
 */
#include "hl_sync.h"
#include "hl_sys.h"

#include "hl_row.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define HL_SYNC_BODY_SOFT    (8 * 1024 * 1024)  /* a batch stops growing past this */
#define HL_SYNC_BODY_MAX     (16 * 1024 * 1024) /* hard limit of a request body */
#define HL_SYNC_LOW_SPEED    100                /* bytes/s below which a transfer is cut */
#define HL_SYNC_LOW_TIME_MIN 10                 /* ... for half of timeout_s, at least this */
#define HL_SYNC_STOP_WALK    1000               /* callback code: the batch is full */
#define HL_SYNC_CA_MAX       (8 * 1024 * 1024) /* largest sync.ca_file (a system bundle: 0.2 MiB) */

/* ---- Protocol pieces ------------------------------------------------------------ */

const char *hl_sync_verdict_name(hl_sync_verdict_t v)
{
    static const char *const names[] = {"idle", "delivered", "retry", "stop"}; /* enum order */
    return HL_NAME_OF(names, v, "?");
}

hl_sync_verdict_t hl_sync_classify_status(long st)
{
    switch (st) {
    case 400: /* the server cannot read what this build sends */
    case 401: /* token refused */
    case 403:
    case 404: /* wrong address */
    case 405:
    case 410:
        return HL_SYNC_STOP;
    default:
        break;
    }
    if (st >= 300 && st < 400) return HL_SYNC_STOP; /* redirects are not followed */
    return HL_SYNC_RETRY;
}

static int month_index(const char *m)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (!strncmp(names + 3 * i, m, 3)) return i;
    return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t hl_sync_retry_after_ms(const char *v, int64_t now_utc_ms)
{
    if (!v) return -1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (!*v) return -1;
    int64_t ms = -1;
    if (*v >= '0' && *v <= '9') {
        int64_t secs = 0;
        for (; *v >= '0' && *v <= '9'; v++) {
            secs = secs * 10 + (*v - '0');
            if (secs > HL_SYNC_RETRY_AFTER_CAP / 1000) secs = HL_SYNC_RETRY_AFTER_CAP / 1000 + 1;
        }
        while (*v == ' ' || *v == '\t')
            v++;
        if (*v) return -1;
        ms = secs * 1000;
    } else {
        /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
        char wd[4], mon[4], zone[4];
        int d, y, hh, mm, ss, used = 0;
        if (sscanf(v, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wd, &d, mon, &y, &hh,
                   &mm, &ss, zone, &used) != 8)
            return -1;
        const char *rest = v + used;
        while (*rest == ' ' || *rest == '\t')
            rest++;
        int mi = month_index(mon);
        if (*rest || mi < 0 || strcmp(zone, "GMT") != 0 || d < 1 || d > 31 || hh > 23 || mm > 59 ||
            ss > 60 || y < 1970)
            return -1;
        int64_t t = ((days_from_civil(y, mi + 1, d) * 24 + hh) * 60 + mm) * 60 + ss;
        ms = t * 1000 - now_utc_ms;
        if (ms < 0) ms = 0;
    }
    return ms > HL_SYNC_RETRY_AFTER_CAP ? HL_SYNC_RETRY_AFTER_CAP : ms;
}

int64_t hl_sync_backoff_ms(int failures, uint32_t rnd, int64_t base_ms, int64_t cap_ms)
{
    if (base_ms <= 0) base_ms = HL_SYNC_BACKOFF_BASE;
    if (cap_ms <= 0) cap_ms = HL_SYNC_BACKOFF_CAP;
    if (cap_ms < base_ms) cap_ms = base_ms;
    int64_t step = base_ms;
    for (int i = 1; i < failures && step < cap_ms; i++)
        step *= 2;
    if (step > cap_ms) step = cap_ms;
    int64_t half = step / 2;
    return half + (half > 0 ? (int64_t)(rnd % (uint64_t)(half + 1)) : 0);
}

void hl_sync_batch_id(const char (*uuids)[HL_UUID_LEN + 1], size_t n,
                      char out[HL_SYNC_BATCH_ID_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(c, uuids[i], strlen(uuids[i])) && EVP_DigestUpdate(c, "\n", 1);
    ok = ok && EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    if (!ok) memset(md, 0, sizeof md), mdlen = 32; /* only without memory; still well-formed */
    hl_hex_encode(md, mdlen, hex);
    memcpy(out, hex, HL_SYNC_BATCH_ID_LEN);
    out[HL_SYNC_BATCH_ID_LEN] = '\0';
}

/* Marks the batch's UUIDs named in list; false when list is not an array of
 * strings. */
static bool mark_named(const json_t *list, const char (*uuids)[HL_UUID_LEN + 1], size_t n,
                       bool *named, size_t *n_named)
{
    if (!json_is_array(list)) return false;
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v)) return false;
        const char *u = json_string_value(v);
        if (json_string_length(v) != HL_UUID_LEN) continue;
        /* Batches are at most a few thousand and replies list them mostly in
         * order: try the same position first. */
        size_t hit = n;
        if (i < n && !strncasecmp(uuids[i], u, HL_UUID_LEN)) hit = i;
        for (size_t k = 0; hit == n && k < n; k++)
            if (!strncasecmp(uuids[k], u, HL_UUID_LEN)) hit = k;
        if (hit < n && !named[hit]) {
            named[hit] = true;
            (*n_named)++;
        }
    }
    return true;
}

int hl_sync_parse_reply(const char *body, size_t len, const char (*uuids)[HL_UUID_LEN + 1],
                        size_t n, bool *named, size_t *n_named, hl_err_t *err)
{
    *n_named = 0;
    for (size_t i = 0; i < n; i++)
        named[i] = false;
    if (!body || len == 0) return hl_err_set(err, HL_ERR_INVALID, "the server's answer is empty");
    json_error_t je;
    /* A NUL in a string is not refused here: an assignment's survey holding
     * one is refused by its own check, and the responses still count. */
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!root)
        return hl_err_set(err, HL_ERR_INVALID,
                          "the server's answer is not JSON (line %d, column %d: %s)", je.line,
                          je.column, je.text);
    int rc = HL_OK;
    const json_t *acc = json_object_get(root, "accepted");
    const json_t *dup = json_object_get(root, "duplicate");
    if (!json_is_object(root))
        rc = hl_err_set(err, HL_ERR_INVALID, "the server's answer is not a JSON object");
    else if (!acc || !dup)
        rc = hl_err_set(err, HL_ERR_INVALID,
                        "the server's answer lacks \"%s\" (it must list \"accepted\" and "
                        "\"duplicate\" response ids)",
                        !acc ? "accepted" : "duplicate");
    else if (!mark_named(acc, uuids, n, named, n_named) ||
             !mark_named(dup, uuids, n, named, n_named))
        rc = hl_err_set(err, HL_ERR_INVALID,
                        "the server's \"accepted\" and \"duplicate\" must be lists of response "
                        "ids (strings)");
    if (rc != HL_OK) {
        *n_named = 0;
        for (size_t i = 0; i < n; i++)
            named[i] = false;
    }
    json_decref(root);
    return rc;
}

void hl_sync_fingerprint(const hl_sync_cfg_t *cfg, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    const char *parts[] = {cfg->url, cfg->token, cfg->ca_file, cfg->pin,
                           cfg->allow_insecure_http ? "insecure" : "tls"};
    bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < sizeof parts / sizeof parts[0]; i++)
        ok = EVP_DigestUpdate(c, parts[i], strlen(parts[i]) + 1); /* NUL separates */
    ok = ok && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 32;
    EVP_MD_CTX_free(c);
    if (!ok) memset(md, 0, 32);
    hl_hex_encode(md, 32, out);
}

/* ---- libcurl, loaded when a sync starts ------------------------------------------------- */

/* libcurl is opened with dlopen when the sync starts, not linked: a kiosk
 * without a "sync" section never maps it nor the score of libraries it
 * pulls in (LDAP, SSH, Kerberos, GnuTLS: some 4 MB of memory). The
 * package depends on it all the same. */
#define HL_LIBCURL "libcurl.so.4"

typedef struct hl_curl_api {
    void *dl; /* the dlopen handle */
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *c);
    CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode e);
    CURLHcode (*easy_header)(CURL *c, const char *name, size_t index, unsigned int origin,
                             int request, struct curl_header **hout);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
    curl_version_info_data *(*version_info)(CURLversion v);
} hl_curl_api_t;

/* Opens libcurl and finds every function the sync calls. */
static int curl_load(hl_curl_api_t *a, hl_err_t *err)
{
    memset(a, 0, sizeof *a);
    a->dl = dlopen(HL_LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (!a->dl)
        return hl_err_set(err, HL_ERR_INTERNAL,
                          "cannot load %s for the network sync: %s (install libcurl4)", HL_LIBCURL,
                          dlerror());
    struct {
        void **fn;
        const char *name;
    } syms[] = {
        {(void **)&a->global_init, "curl_global_init"},
        {(void **)&a->global_cleanup, "curl_global_cleanup"},
        {(void **)&a->easy_init, "curl_easy_init"},
        {(void **)&a->easy_cleanup, "curl_easy_cleanup"},
        {(void **)&a->easy_setopt, "curl_easy_setopt"},
        {(void **)&a->easy_perform, "curl_easy_perform"},
        {(void **)&a->easy_getinfo, "curl_easy_getinfo"},
        {(void **)&a->easy_strerror, "curl_easy_strerror"},
        {(void **)&a->easy_header, "curl_easy_header"},
        {(void **)&a->slist_append, "curl_slist_append"},
        {(void **)&a->slist_free_all, "curl_slist_free_all"},
        {(void **)&a->version_info, "curl_version_info"},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        *syms[i].fn = dlsym(a->dl, syms[i].name);
        if (!*syms[i].fn) {
            dlclose(a->dl);
            a->dl = NULL;
            return hl_err_set(err, HL_ERR_INTERNAL,
                              "%s has no %s: libcurl 7.85 or newer is needed for the sync",
                              HL_LIBCURL, syms[i].name);
        }
    }
    return HL_OK;
}

static void curl_unload(hl_curl_api_t *a)
{
    if (a->dl) dlclose(a->dl);
    memset(a, 0, sizeof *a);
}

int hl_sync_global_init(hl_err_t *err)
{
    /* Stays loaded for the process (the handle is not closed). */
    hl_curl_api_t a;
    int rc = curl_load(&a, err);
    if (rc != HL_OK) return rc;
    CURLcode c = a.global_init(CURL_GLOBAL_DEFAULT);
    if (c != CURLE_OK)
        return hl_err_set(err, HL_ERR_INTERNAL, "libcurl cannot start: %s", a.easy_strerror(c));
    return HL_OK;
}

void hl_sync_global_cleanup(void)
{
    /* The handle hl_sync_global_init left open: found without loading. */
    void *dl = dlopen(HL_LIBCURL, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!dl) return;
    void (*cleanup)(void);
    *(void **)&cleanup = dlsym(dl, "curl_global_cleanup");
    if (cleanup) cleanup();
    dlclose(dl);
}

/* ---- The connection ---------------------------------------------------------------- */

struct hl_sync {
    hl_sync_cfg_t cfg;
    char kiosk_id[HL_SURVEY_ID_MAX + 1];
    char user_agent[80];
    char shown_url[HL_SYNC_URL_MAX + 1]; /* the url without its query, for messages */
    char fingerprint[65];
    char auth[HL_SYNC_TOKEN_MAX + 32]; /* "Authorization: Bearer <token>" */
    hl_sys_t sys;
    int64_t base_ms, cap_ms;
    int batch; /* responses per request now (halved on 413) */
    int failures;
    hl_curl_api_t api; /* libcurl's functions (loaded by hl_sync_new) */
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
    atomic_bool abort;
    char *data_dir;                            /* owned copy, for the status; NULL: none */
    long long (*free_bytes)(const char *path); /* the platform's, or NULL */
    pthread_mutex_t kiosk_mu;                  /* guards kiosk: set from the event loop */
    hl_sync_kiosk_t kiosk;                     /* the status's snapshot (hl_sync_set_kiosk) */
    hl_store_sync_t state;                     /* the store's, read for the status */
    int64_t pending_next;        /* the status's pending for the next request while a backlog
                                    drains (hl_sync_commit after a full batch), -1: count it */
    int64_t counted_mono_ms;     /* when pending was last counted */
    hl_sync_assignment_t assign; /* the last answer's assignment (owns its texts) */

    /* The batch being sent (capacity: cfg batch). */
    hl_fdbuf_t body; /* in memory */
    size_t prefix_len;
    char (*uuids)[HL_UUID_LEN + 1];
    int64_t *seqs;
    bool *named;
    int64_t *delivered;
    size_t n, cap;
    bool walk_nomem;
    bool cut_by_size; /* the batch stopped at HL_SYNC_BODY_SOFT */

    /* The reply. */
    char *reply;
    size_t reply_len, reply_cap;
    bool reply_too_big;
};

static size_t on_reply(char *data, size_t size, size_t nmemb, void *ctx)
{
    hl_sync_t *s = ctx;
    size_t n = size * nmemb;
    if (s->reply_len + n + 1 > HL_SYNC_REPLY_MAX) {
        s->reply_too_big = true;
        return 0; /* ends the transfer with CURLE_WRITE_ERROR */
    }
    if (s->reply_len + n + 1 > s->reply_cap) {
        size_t cap = s->reply_cap ? s->reply_cap : 16384;
        while (cap < s->reply_len + n + 1)
            cap *= 2;
        char *r = realloc(s->reply, cap);
        if (!r) return 0;
        s->reply = r;
        s->reply_cap = cap;
    }
    memcpy(s->reply + s->reply_len, data, n);
    s->reply_len += n;
    s->reply[s->reply_len] = '\0';
    return n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    hl_sync_t *s = ctx;
    return atomic_load(&s->abort) ? 1 : 0;
}

void hl_sync_shown_url(const char *url, char *out, size_t size)
{
    size_t n = strcspn(url, "?");
    snprintf(out, size, "%.*s", (int)n, url);
}

static bool starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool hl_sync_insecure(const hl_sync_cfg_t *cfg)
{
    return cfg->enabled && !starts_with_ci(cfg->url, "https://");
}

int hl_sync_new(const hl_sync_opts_t *o, hl_sync_t **out, hl_err_t *err)
{
    *out = NULL;
    if (!o || !o->cfg || !o->cfg->enabled || !o->kiosk_id || !o->sys.mono_ms)
        return hl_err_set(err, HL_ERR_USAGE,
                          "network sync is not configured: add a \"sync\" section to the config");
    const hl_sync_cfg_t *cfg = o->cfg;
    bool https = starts_with_ci(cfg->url, "https://");
    if (!https && !(cfg->allow_insecure_http && starts_with_ci(cfg->url, "http://")))
        return hl_err_set(err, HL_ERR_USAGE,
                          "sync.url must start with https:// (plain http:// only with "
                          "\"allow_insecure_http\": true, for a lab)");
    if (!cfg->token[0])
        return hl_err_set(err, HL_ERR_USAGE, "sync.token is empty: the server needs it");
    /* Opened as any file we did not write (a FIFO there would hang the
     * worker in libcurl for ever); libcurl reads it again, by name. */
    hl_err_t why = {0};
    int cafd = cfg->ca_file[0] ? hl_file_open(NULL, cfg->ca_file, HL_SYNC_CA_MAX, 0, &why) : -1;
    if (cafd >= 0) close(cafd);
    if (cfg->ca_file[0] && cafd < 0)
        return hl_err_set(err, HL_ERR_USAGE,
                          "sync.ca_file %s cannot be read (%s): copy the server's CA certificate "
                          "(PEM) there or remove \"ca_file\" to use the system's CAs",
                          cfg->ca_file, why.msg);
    hl_sync_t *s = calloc(1, sizeof *s);
    if (!s) return hl_err_set(err, HL_ERR_NOMEM, "out of memory starting the sync");
    s->cfg = *cfg;
    snprintf(s->kiosk_id, sizeof s->kiosk_id, "%s", o->kiosk_id);
    snprintf(s->user_agent, sizeof s->user_agent, "hailong/%s",
             o->software_version ? o->software_version : "0");
    hl_sync_shown_url(cfg->url, s->shown_url, sizeof s->shown_url);
    hl_sync_fingerprint(cfg, s->fingerprint);
    snprintf(s->auth, sizeof s->auth, "Authorization: Bearer %s", cfg->token);
    s->sys = o->sys;
    s->free_bytes = o->free_bytes;
    if (o->kiosk)
        s->kiosk = *o->kiosk;
    else
        s->kiosk.started_mono_ms = o->sys.mono_ms(o->sys.ctx);
    pthread_mutex_init(&s->kiosk_mu, NULL);
    s->pending_next = -1;
    s->base_ms = o->backoff_base_ms > 0 ? o->backoff_base_ms : HL_SYNC_BACKOFF_BASE;
    s->cap_ms = o->backoff_cap_ms > 0 ? o->backoff_cap_ms : HL_SYNC_BACKOFF_CAP;
    int batch = o->batch > 0 ? o->batch : cfg->batch;
    if (batch <= 0) batch = 500;
    if (batch > HL_SYNC_BATCH_MAX) batch = HL_SYNC_BATCH_MAX;
    s->batch = batch;
    s->cap = (size_t)batch;
    atomic_init(&s->abort, false);
    s->body.fd = -1;
    s->body.limit = HL_SYNC_BODY_MAX;
    s->uuids = calloc(s->cap, sizeof *s->uuids);
    s->seqs = calloc(s->cap, sizeof *s->seqs);
    s->named = calloc(s->cap, sizeof *s->named);
    s->delivered = calloc(s->cap, sizeof *s->delivered);
    s->data_dir = o->data_dir ? strdup(o->data_dir) : NULL;
    int lrc = curl_load(&s->api, err);
    if (lrc != HL_OK) {
        hl_sync_free(s);
        return lrc;
    }
    s->curl = s->api.easy_init();
    if (!s->uuids || !s->seqs || !s->named || !s->delivered || !s->curl ||
        (o->data_dir && !s->data_dir)) {
        hl_sync_free(s);
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory starting the sync");
    }
    curl_version_info_data *vi = s->api.version_info(CURLVERSION_NOW);
    if (https && !(vi->features & CURL_VERSION_SSL)) {
        hl_sync_free(s);
        return hl_err_set(err, HL_ERR_INTERNAL, "this libcurl has no TLS: install libcurl4");
    }
    CURL *c = s->curl;
    CURLcode e = CURLE_OK;
#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (e == CURLE_OK) e = s->api.easy_setopt(c, opt, val);                                    \
    } while (0)
    SETOPT(CURLOPT_URL, s->cfg.url);
    SETOPT(CURLOPT_PROTOCOLS_STR, s->cfg.allow_insecure_http ? "https,http" : "https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_POST, 1L);
    SETOPT(CURLOPT_USERAGENT, s->user_agent);
    SETOPT(CURLOPT_ERRORBUFFER, s->errbuf);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (s->cfg.ca_file[0]) {
        /* Only this file: libcurl would also load its built-in CA folder. */
        SETOPT(CURLOPT_CAINFO, s->cfg.ca_file);
        SETOPT(CURLOPT_CAPATH, (char *)NULL);
    }
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)s->cfg.connect_timeout_s * 1000L);
    SETOPT(CURLOPT_TIMEOUT_MS, (long)s->cfg.timeout_s * 1000L);
    SETOPT(CURLOPT_LOW_SPEED_LIMIT, (long)HL_SYNC_LOW_SPEED);
    /* A stalled transfer is cut after half the request's time (a server
     * thinking counts too: it must answer within that). */
    long low = s->cfg.timeout_s / 2;
    if (low < HL_SYNC_LOW_TIME_MIN) low = HL_SYNC_LOW_TIME_MIN;
    if (low > s->cfg.timeout_s) low = s->cfg.timeout_s;
    SETOPT(CURLOPT_LOW_SPEED_TIME, low);
    SETOPT(CURLOPT_QUICK_EXIT, 1L); /* a stop never waits for a name lookup */
    SETOPT(CURLOPT_WRITEFUNCTION, on_reply);
    SETOPT(CURLOPT_WRITEDATA, s);
    SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
    SETOPT(CURLOPT_XFERINFODATA, s);
    SETOPT(CURLOPT_NOPROGRESS, 0L);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
#undef SETOPT
    if (e == CURLE_OK && s->cfg.pin[0]) {
        e = s->api.easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, s->cfg.pin);
        if (e != CURLE_OK) {
            hl_sync_free(s);
            return hl_err_set(err, HL_ERR_INTERNAL,
                              "this libcurl cannot check sync.pin (%s): install the OpenSSL "
                              "flavour, libcurl4",
                              s->api.easy_strerror(e));
        }
    }
    if (e != CURLE_OK) {
        hl_sync_free(s);
        return hl_err_set(err, HL_ERR_INTERNAL, "libcurl refused a sync setting: %s",
                          s->api.easy_strerror(e));
    }
    *out = s;
    return HL_OK;
}

void hl_sync_free(hl_sync_t *s)
{
    if (!s) return;
    if (s->curl) s->api.easy_cleanup(s->curl);
    curl_unload(&s->api);
    explicit_bzero(s->auth, sizeof s->auth);
    explicit_bzero(s->cfg.token, sizeof s->cfg.token);
    free(s->body.buf);
    free(s->uuids);
    free(s->seqs);
    free(s->named);
    free(s->delivered);
    free(s->reply);
    free(s->data_dir);
    hl_sync_assignment_free(&s->assign);
    pthread_mutex_destroy(&s->kiosk_mu);
    free(s);
}

void hl_sync_set_kiosk(hl_sync_t *s, const hl_sync_kiosk_t *k)
{
    if (!s || !k) return;
    pthread_mutex_lock(&s->kiosk_mu);
    s->kiosk = *k;
    pthread_mutex_unlock(&s->kiosk_mu);
}

void hl_sync_abort(hl_sync_t *s)
{
    if (s) atomic_store(&s->abort, true);
}

const char *hl_sync_config_fingerprint(const hl_sync_t *s)
{
    return s->fingerprint;
}

/* ---- Building a batch ---------------------------------------------------------------- */

static bool body_lit(hl_sync_t *s, const char *t)
{
    return hl_fdbuf_put(&s->body, t, strlen(t));
}

static int on_pending(void *ctx, const hl_row_t *r)
{
    hl_sync_t *s = ctx;
    if (s->n == s->cap || (int)s->n >= s->batch) return HL_SYNC_STOP_WALK;
    if (!r->uuid || strlen(r->uuid) != HL_UUID_LEN) return HL_OK; /* cannot be named: skip */
    if ((s->n > 0 && !body_lit(s, ",")) || !hl_jsonl_put_row(&s->body, r)) {
        s->walk_nomem = true;
        return HL_ERR_NOMEM;
    }
    memcpy(s->uuids[s->n], r->uuid, HL_UUID_LEN + 1);
    s->seqs[s->n] = r->seq;
    s->n++;
    if (s->body.len < HL_SYNC_BODY_SOFT) return HL_OK;
    s->cut_by_size = true; /* a full request: more may wait */
    return HL_SYNC_STOP_WALK;
}

/* Reads the batch and builds the body. */
static int build_batch(hl_sync_t *s, hl_store_t *reader, char batch_id[HL_SYNC_BATCH_ID_LEN + 1],
                       hl_err_t *err)
{
    s->n = 0;
    s->walk_nomem = false;
    s->cut_by_size = false;
    s->body.len = 0;
    s->body.write_errno = 0;
    /* {"kiosk_id":"<id>","batch_id":"<32 hex>","responses":[ : fixed length,
     * reserved now and written once the id is known. kiosk_id is [a-z0-9_-]. */
    s->prefix_len = strlen("{\"kiosk_id\":\"\",\"batch_id\":\"\",\"responses\":[") +
                    strlen(s->kiosk_id) + HL_SYNC_BATCH_ID_LEN;
    char pad[160];
    memset(pad, ' ', sizeof pad);
    if (!hl_fdbuf_put(&s->body, pad, s->prefix_len))
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory building a sync batch");
    int rc = hl_store_foreach_pending(reader, s->batch, on_pending, s, err);
    if (rc == HL_SYNC_STOP_WALK) rc = HL_OK;
    if (rc != HL_OK && s->walk_nomem)
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory building a sync batch");
    if (rc != HL_OK) return rc;
    /* The chain head now (it may already name responses of later batches):
     * a later head that does not extend this one reveals truncation. */
    int64_t head_seq = 0;
    char head[HL_CHAIN_HEX + 1], sig[HL_DEVKEY_SIG_HEX + 1], fpr[HL_DEVKEY_FPR_HEX + 1];
    rc = hl_store_chain_head_signed(reader, &head_seq, head, sig, fpr, err);
    if (rc != HL_OK) return rc;
    /* The device key's signature of the head (hl_devkey.h's chain
     * statement), checkable with the kiosk's registered public key. */
    char sigq[HL_DEVKEY_SIG_HEX + 3] = "null", fprq[HL_DEVKEY_FPR_HEX + 3] = "null";
    if (sig[0]) snprintf(sigq, sizeof sigq, "\"%s\"", sig);
    if (fpr[0]) snprintf(fprq, sizeof fprq, "\"%s\"", fpr);
    char tail[HL_CHAIN_HEX + HL_DEVKEY_SIG_HEX + 128];
    snprintf(tail, sizeof tail,
             "],\"chain_head\":{\"seq\":%lld,\"chain\":\"%s\",\"signature\":%s,\"key\":%s},",
             (long long)head_seq, head, sigq, fprq);
    if (!body_lit(s, tail)) return hl_err_set(err, HL_ERR_NOMEM, "out of memory building a batch");
    /* The status: the store's state (pending before this request, the
     * last error, export and assignment) and the kiosk's snapshot. Pending
     * is counted, except while a backlog drains batch after batch: counting
     * reads every pending response, as much as a batch costs, so then it is
     * the count of at most an interval ago less what was confirmed since. */
    int64_t mono = s->sys.mono_ms(s->sys.ctx);
    bool drain = s->pending_next >= 0 && s->n > 0 &&
                 mono - s->counted_mono_ms < (int64_t)s->cfg.interval_s * 1000;
    rc = drain ? hl_store_sync_state_brief(reader, &s->state, err)
               : hl_store_sync_state(reader, &s->state, err);
    if (rc != HL_OK) return rc;
    if (drain)
        s->state.pending = s->pending_next > (int64_t)s->n ? s->pending_next : (int64_t)s->n;
    else
        s->counted_mono_ms = mono;
    s->pending_next = -1;
    hl_sync_kiosk_t k;
    pthread_mutex_lock(&s->kiosk_mu);
    k = s->kiosk;
    pthread_mutex_unlock(&s->kiosk_mu);
    hl_sync_status_in_t in = {
        .software = s->user_agent + strlen("hailong/"),
        .now_utc_ms = s->sys.utc_ms(s->sys.ctx),
        .clock_trusted = k.clock_set || (s->sys.utc_trusted && s->sys.utc_trusted(s->sys.ctx)),
        .uptime_s = (mono - k.started_mono_ms) / 1000,
        .interval_s = s->cfg.interval_s,
        .kiosk = &k,
        .store = &s->state,
        .disk_free_bytes = s->free_bytes && s->data_dir ? s->free_bytes(s->data_dir) : -1};
    if (!hl_sync_put_status(&s->body, &in) || !body_lit(s, "}"))
        return hl_err_set(err, HL_ERR_NOMEM, "out of memory building a batch");
    hl_sync_batch_id((const char(*)[HL_UUID_LEN + 1]) s->uuids, s->n, batch_id);
    char prefix[160];
    int len =
        snprintf(prefix, sizeof prefix, "{\"kiosk_id\":\"%s\",\"batch_id\":\"%s\",\"responses\":[",
                 s->kiosk_id, batch_id);
    if (len != (int)s->prefix_len)
        return hl_err_set(err, HL_ERR_INTERNAL, "sync batch prefix of %d bytes, not %zu", len,
                          s->prefix_len);
    memcpy(s->body.buf, prefix, s->prefix_len);
    return HL_OK;
}

/* ---- Posting it ------------------------------------------------------------------------ */

/* A message into a fixed buffer; a long url or detail is cut, never overflows. */
static void describe_curl_error(hl_sync_t *s, CURLcode e, hl_sync_outcome_t *out)
{
    const char *detail = s->errbuf[0] ? s->errbuf : s->api.easy_strerror(e);
    char *m = out->error;
    size_t sz = sizeof out->error;
    switch (e) {
    case CURLE_ABORTED_BY_CALLBACK:
        hl_fmt(m, sz, "stopped before the server answered: the batch goes again later");
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        hl_fmt(m, sz, "cannot find the server of %s (%s): check the network and sync.url",
               s->shown_url, detail);
        break;
    case CURLE_COULDNT_CONNECT:
        hl_fmt(m, sz, "cannot connect to %s (%s): the network or the server is down", s->shown_url,
               detail);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        hl_fmt(m, sz, "no answer from %s within the time limit (%s): the batch goes again",
               s->shown_url, detail);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        hl_fmt(m, sz,
               "the server's certificate is not trusted, nothing was sent (%s): check the "
               "server's certificate (expired? another name?) or sync.ca_file",
               detail);
        break;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        hl_fmt(m, sz,
               "the server's public key does not match sync.pin, nothing was sent: the "
               "server changed its key, or this is not the province's server");
        break;
    case CURLE_SSL_CACERT_BADFILE:
        hl_fmt(m, sz, "sync.ca_file cannot be used (%s): give a PEM CA certificate", detail);
        break;
    case CURLE_SSL_CONNECT_ERROR:
        hl_fmt(m, sz, "the secure connection to %s failed, nothing was sent (%s)", s->shown_url,
               detail);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        hl_fmt(m, sz, "%s is not an address the sync may use (%s): use https://", s->shown_url,
               detail);
        break;
    case CURLE_WRITE_ERROR:
        hl_fmt(m, sz,
               s->reply_too_big ? "the server's answer is larger than %d bytes"
                                : "out of memory reading the server's answer",
               HL_SYNC_REPLY_MAX);
        break;
    default:
        hl_fmt(m, sz, "the connection to %s broke before an answer (%s): the batch goes again",
               s->shown_url, detail);
        break;
    }
}

static void after_failure(hl_sync_t *s, hl_sync_outcome_t *out)
{
    s->failures++;
    uint32_t rnd = 0;
    if (s->sys.random) s->sys.random(s->sys.ctx, &rnd, sizeof rnd);
    int64_t d = hl_sync_backoff_ms(s->failures, rnd, s->base_ms, s->cap_ms);
    if (out->retry_after_ms > d) d = out->retry_after_ms;
    out->next_in_ms = d;
}

/* A heartbeat the server refused as it would refuse a batch for good (400,
 * 401, 403, 404, 405, 410, 3xx): said, never a stop (a version 1 server may
 * refuse an empty batch; batches go on as before and decide). */
static void judge_heartbeat_refusal(hl_sync_t *s, long status, hl_sync_outcome_t *out)
{
    const char *why = status == 401 || status == 403
                          ? "the server refuses this kiosk's token (sync.token)"
                      : status == 400 ? "the server does not take a request without responses "
                                        "(a server of sync protocol version 1?)"
                      : status >= 300 && status < 400
                          ? "the server sends the kiosk elsewhere (sync.url; redirects are not "
                            "followed)"
                          : "no sync service at this address (sync.url)";
    out->verdict = HL_SYNC_RETRY;
    hl_fmt(out->error, sizeof out->error,
           "HTTP %ld from %s to a heartbeat (nothing was pending): %s; the kiosk keeps sending",
           status, s->shown_url, why);
}

/* The server answered status: decide what it means. */
static void judge_answer(hl_sync_t *s, long status, hl_sync_outcome_t *out)
{
    out->http_status = status;
    const char *again = s->n ? "the batch goes again" : "the heartbeat goes again";
    if (status == 200 || status == 201) {
        size_t named = 0;
        hl_err_t perr = {0};
        if (hl_sync_parse_reply(s->reply, s->reply_len, (const char(*)[HL_UUID_LEN + 1]) s->uuids,
                                s->n, s->named, &named, &perr) != HL_OK) {
            out->verdict = HL_SYNC_RETRY;
            hl_fmt(out->error, sizeof out->error, "HTTP %ld from %s, but %s: %s", status,
                   s->shown_url, perr.msg, again);
            return;
        }
        /* The assignment an answer may carry (version 2), against the last
         * one the store holds. */
        hl_sync_parse_assignment(s->reply, s->reply_len, s->state.assign.id, &s->assign);
        out->assignment = s->assign;
        if (s->n == 0) {
            out->verdict = HL_SYNC_IDLE; /* the heartbeat arrived */
            return;
        }
        if (named == 0) {
            out->verdict = HL_SYNC_RETRY;
            hl_fmt(out->error, sizeof out->error,
                   "HTTP %ld from %s named none of the %zu responses sent: they go again", status,
                   s->shown_url, s->n);
            return;
        }
        for (size_t i = 0; i < s->n; i++)
            if (s->named[i]) s->delivered[out->n_delivered++] = s->seqs[i];
        out->verdict = HL_SYNC_DELIVERED;
        out->more = out->n_delivered < s->n || (int)s->n >= s->batch || s->cut_by_size;
        return;
    }
    out->verdict = hl_sync_classify_status(status);
    if (s->n == 0 && out->verdict == HL_SYNC_STOP) {
        judge_heartbeat_refusal(s, status, out);
        return;
    }
    struct curl_header *h = NULL;
    if ((status == 429 || status == 503) &&
        s->api.easy_header(s->curl, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h)
        out->retry_after_ms = hl_sync_retry_after_ms(h->value, s->sys.utc_ms(s->sys.ctx));
    char *m = out->error;
    size_t sz = sizeof out->error;
    char *loc = NULL;
    switch (status) {
    case 401:
    case 403:
        hl_fmt(m, sz,
               "HTTP %ld from %s: the server refuses this kiosk's token; fix sync.token (the "
               "kiosk stops retrying until the config changes)",
               status, s->shown_url);
        break;
    case 404:
    case 405:
    case 410:
        hl_fmt(m, sz,
               "HTTP %ld from %s: no sync service at this address; fix sync.url (the kiosk "
               "stops retrying until the config changes)",
               status, s->shown_url);
        break;
    case 400:
        hl_fmt(m, sz,
               "HTTP 400 from %s: the server cannot read what this kiosk sends (software "
               "version?); the kiosk stops retrying until the config changes",
               s->shown_url);
        break;
    case 413:
        if (s->n == 0) {
            hl_fmt(m, sz, "HTTP 413 from %s to a heartbeat: the server takes no request at all",
                   s->shown_url);
            break;
        }
        if (s->batch > 1) s->batch /= 2;
        hl_fmt(m, sz, "HTTP 413 from %s: the batch is too large; sending %d at a time now",
               s->shown_url, s->batch);
        break;
    case 429:
    case 503:
        hl_fmt(m, sz, "HTTP %ld from %s: the server is busy; retrying later", status, s->shown_url);
        break;
    default:
        if (status >= 300 && status < 400) {
            s->api.easy_getinfo(s->curl, CURLINFO_REDIRECT_URL, &loc);
            hl_fmt(m, sz,
                   "HTTP %ld from %s: the server sends the kiosk elsewhere (%.200s); put the "
                   "right address in sync.url (redirects are not followed)",
                   status, s->shown_url, loc ? loc : "no address given");
        } else if (status >= 500) {
            hl_fmt(m, sz, "HTTP %ld from %s: the server failed; %s", status, s->shown_url, again);
        } else {
            hl_fmt(m, sz, "HTTP %ld from %s: unexpected answer; %s", status, s->shown_url, again);
        }
    }
}

int hl_sync_push(hl_sync_t *s, hl_store_t *reader, hl_sync_outcome_t *out, hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    out->delivered = s->delivered;
    int64_t interval_ms = (int64_t)s->cfg.interval_s * 1000;
    hl_sync_assignment_free(&s->assign); /* the last answer's */
    int rc = build_batch(s, reader, out->batch_id, err);
    if (rc != HL_OK) return rc;
    out->n_sent = s->n;
    out->heartbeat = s->n == 0;
    if (atomic_load(&s->abort)) {
        out->verdict = HL_SYNC_RETRY;
        describe_curl_error(s, CURLE_ABORTED_BY_CALLBACK, out);
        out->next_in_ms = interval_ms;
        return HL_OK;
    }
    char idem[64];
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", out->batch_id);
    struct curl_slist *hdr = NULL, *t;
    const char *lines[] = {"Content-Type: application/json", "Accept: application/json",
                           "Expect:", s->auth, idem};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        t = s->api.slist_append(hdr, lines[i]);
        if (!t) {
            s->api.slist_free_all(hdr);
            return hl_err_set(err, HL_ERR_NOMEM, "out of memory sending a sync batch");
        }
        hdr = t;
    }
    s->reply_len = 0;
    s->reply_too_big = false;
    s->errbuf[0] = '\0';
    s->api.easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdr);
    s->api.easy_setopt(s->curl, CURLOPT_POSTFIELDS, s->body.buf);
    s->api.easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body.len);
    CURLcode e = s->api.easy_perform(s->curl);
    long status = 0;
    if (e == CURLE_OK) s->api.easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    s->api.easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
    s->api.slist_free_all(hdr);
    if (e != CURLE_OK) {
        out->verdict = HL_SYNC_RETRY;
        describe_curl_error(s, e, out);
    } else {
        judge_answer(s, status, out);
    }
    if (out->verdict == HL_SYNC_DELIVERED || out->verdict == HL_SYNC_IDLE) {
        s->failures = 0;
        out->next_in_ms = out->more ? 0 : interval_ms;
    } else if (out->verdict == HL_SYNC_STOP) {
        out->next_in_ms = -1;
    } else if (out->heartbeat && hl_sync_classify_status(out->http_status) == HL_SYNC_STOP) {
        out->next_in_ms = interval_ms; /* refused, not failing: no back-off, no stop */
    } else {
        after_failure(s, out);
    }
    return HL_OK;
}

int hl_sync_commit(hl_sync_t *s, hl_store_t *writer, const hl_sync_outcome_t *out, hl_err_t *err)
{
    bool ok = out->verdict == HL_SYNC_DELIVERED || out->verdict == HL_SYNC_IDLE;
    const hl_sync_assignment_t *a = &out->assignment;
    hl_store_assign_rec_t arec = {.id = a->id,
                                  .state = a->state,
                                  .error = a->error,
                                  .survey = a->survey,
                                  .survey_len = a->survey_len,
                                  .officers = a->officers};
    hl_store_sync_rec_t rec = {
        .at_utc_ms = s->sys.utc_ms(s->sys.ctx),
        .delivered = out->delivered,
        .n_delivered = out->n_delivered,
        .success = ok,
        .error = ok ? NULL : out->error,
        .stop_fingerprint = out->verdict == HL_SYNC_STOP ? s->fingerprint
                            : ok                         ? ""
                                                         : NULL,
        .assign = ok && a->kind == HL_SYNC_ASSIGN_NEW ? &arec : NULL,
    };
    int rc = hl_store_sync_record(writer, &rec, err);
    /* A full batch recorded: the next request goes at once, its status's
     * pending is this one's less what was confirmed (build_batch). */
    int64_t left = s->state.pending - (int64_t)out->n_delivered;
    s->pending_next =
        rc == HL_OK && out->verdict == HL_SYNC_DELIVERED && out->more ? (left > 0 ? left : 0) : -1;
    return rc;
}
