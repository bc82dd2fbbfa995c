/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_sync.h: store-and-forward push of finished responses to the
 * province's server over HTTPS (libcurl), each response delivered once.
 *
 * The protocol (docs/sync-protocol.md, version 2): POST to sync.url a JSON
 * body {"kiosk_id": "...", "batch_id": "...", "responses": [<JSON Lines
 * rows>], "chain_head": {...}, "status": {...}} with "Authorization: Bearer
 * <token>" and "Idempotency-Key: <batch_id>"; the server answers 200 with
 * {"accepted": [uuids], "duplicate": [uuids]} and both lists count as
 * delivered; the answer may carry an "assignment" (a survey and/or an
 * officer list from the centre), checked here and installed by the kiosk.
 * With nothing pending the kiosk still posts every interval, with no
 * responses (a heartbeat). A response is marked delivered only
 * after such an answer names it; a timeout, a broken connection, a 5xx, a
 * body that does not parse all mean the same responses go again later, and
 * their UUIDs make the resend harmless. batch_id is derived from the UUIDs
 * in the batch, so the same batch sent again carries the same key.
 *
 * Three layers:
 *   - the protocol pieces (no network): the request body, the batch id,
 *     parsing the reply, classifying an answer, Retry-After and back-off;
 *   - hl_sync_t: one connection (kept alive between batches) that reads a
 *     batch of pending responses from a store and posts it (hl_sync_push),
 *     and records the outcome in the writer store (hl_sync_commit);
 *   - hl_syncw_t: the kiosk's sync worker, a thread with its own read-only
 *     store connection; the kiosk's store stays the single writer: the
 *     worker hands each outcome to the writer's thread (hl_syncw_commit)
 *     and waits for it before reading the next batch.
 * TLS verification is always on (system CA store or sync.ca_file, optional
 * public-key pins); plain http:// is refused unless allow_insecure_http;
 * redirects are not followed. The token never appears in a message.
 */
#ifndef HL_SYNC_H
#define HL_SYNC_H

#include "hl_config.h"
#include "hl_err.h"
#include "hl_fdbuf.h"
#include "hl_store.h"
#include "hl_sys.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HL_SYNC_REPLY_MAX       (4 * 1024 * 1024) /* largest reply body read */
#define HL_SYNC_BACKOFF_BASE    2000              /* ms: first retry delay (default) */
#define HL_SYNC_BACKOFF_CAP     600000            /* ms: longest retry delay (default) */
#define HL_SYNC_RETRY_AFTER_CAP 3600000           /* ms: longest Retry-After honoured */
#define HL_SYNC_BATCH_ID_LEN    32                /* hex characters of a batch id */

/* Initialises libcurl (reference-counted; pair each with a cleanup),
 * before starting threads that use it: `hailong sync` and the kiosk's open
 * (before its USB and sync threads) call it when sync is configured.
 * HL_ERR_INTERNAL when libcurl cannot start. */
int hl_sync_global_init(hl_err_t *err);
void hl_sync_global_cleanup(void);

/* ---- Protocol pieces (no network) --------------------------------------------- */

typedef enum hl_sync_verdict {
    HL_SYNC_IDLE = 0,  /* nothing was pending: the heartbeat (a request with no responses,
                          protocol version 2) was answered as the protocol says */
    HL_SYNC_DELIVERED, /* a 200 reply named some of the batch: those are delivered */
    HL_SYNC_RETRY,     /* transient (network, TLS, timeout, 5xx, 429, 413, a reply that does
                          not parse or names none of the batch), or a heartbeat refused: send
                          again later */
    HL_SYNC_STOP       /* the server refused the kiosk or the address (400, 401, 403, 404,
                          405, 410, a redirect) for a batch of responses: no automatic retry
                          until the config changes (never for a heartbeat) */
} hl_sync_verdict_t;

/* "idle", "delivered", "retry", "stop". */
const char *hl_sync_verdict_name(hl_sync_verdict_t v);

/* The verdict for an HTTP status that is not 200 (200 is decided by the
 * reply). */
hl_sync_verdict_t hl_sync_classify_status(long http_status);

/* Milliseconds to wait from a Retry-After header value: delay-seconds or an
 * HTTP-date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") against now;
 * capped at HL_SYNC_RETRY_AFTER_CAP; -1 when missing or malformed. */
int64_t hl_sync_retry_after_ms(const char *value, int64_t now_utc_ms);

/* Delay before retry number failures (1, 2, ...): exponential from base_ms,
 * doubled each time up to cap_ms, with "equal jitter": half the step fixed,
 * half spread by rnd (any 32-bit value). */
int64_t hl_sync_backoff_ms(int failures, uint32_t rnd, int64_t base_ms, int64_t cap_ms);

/* The batch id of n UUIDs in the order sent: the first 32 hex digits of
 * SHA-256 over "<uuid>\n" for each. */
void hl_sync_batch_id(const char (*uuids)[HL_UUID_LEN + 1], size_t n,
                      char out[HL_SYNC_BATCH_ID_LEN + 1]);

/* Parses a 200 reply for a batch of n UUIDs: sets named[i] when uuids[i]
 * is in "accepted" or "duplicate" (names not in the batch are ignored) and
 * *n_named to how many are. HL_ERR_INVALID (err says what) when the body is
 * not JSON, not an object, lacks either list, or a list holds something
 * other than strings: nothing counts as delivered then. */
int hl_sync_parse_reply(const char *body, size_t len, const char (*uuids)[HL_UUID_LEN + 1],
                        size_t n, bool *named, size_t *n_named, hl_err_t *err);

/* The url as messages show it: without its query (which may hold a
 * secret). */
void hl_sync_shown_url(const char *url, char *out, size_t size);

/* True when the config sends over plain http (allow_insecure_http): the
 * log and the technician's status say INSECURE. */
bool hl_sync_insecure(const hl_sync_cfg_t *cfg);

/* Hex SHA-256 of what decides where and as whom the kiosk sends (url,
 * token, ca_file, pin, allow_insecure_http): a stop lasts while it stays. */
void hl_sync_fingerprint(const hl_sync_cfg_t *cfg, char out[65]);

/* ---- Protocol version 2: the status and assignments (hl_sync_v2.c) -------------- */

#define HL_SYNC_PROTOCOL 2 /* status.protocol */

/* What only the kiosk's program knows for the status: its event loop's
 * snapshot, handed over with hl_sync_set_kiosk (or hl_syncw_set_kiosk)
 * whenever it changes; the command line fills what it can. */
typedef struct hl_sync_kiosk {
    int64_t started_mono_ms;              /* the sync's sys.mono_ms when the program started */
    bool has_survey;                      /* the survey_* fields name the survey it runs */
    char survey_id[HL_SURVEY_ID_MAX + 1]; /* its id */
    int64_t survey_version;               /* its version */
    char survey_sha256[65];               /* hex SHA-256 of its file */
    char officer_id[HL_ITEM_ID_MAX + 1];  /* the officer on duty, "" nobody */
    bool clock_set;                       /* a technician set the clock: trusted */
} hl_sync_kiosk_t;

/* What a request's "status" says. */
typedef struct hl_sync_status_in {
    const char *software;         /* the firmware version */
    int64_t now_utc_ms;           /* the kiosk's clock now */
    bool clock_trusted;           /* it is synchronised (or was set by a technician) */
    int64_t uptime_s;             /* seconds since the program started */
    int interval_s;               /* sync.interval_s */
    const hl_sync_kiosk_t *kiosk; /* survey, officer; NULL: none known */
    const hl_store_sync_t *store; /* pending, oldest pending, last error, last export, last
                                     assignment (read just before); NULL: none */
    long long disk_free_bytes;    /* free bytes of the data folder's file system, -1 unknown */
} hl_sync_status_in_t;

/* Appends "status":{...} (docs/sync-protocol.md, "Version 2"): null for
 * what is unknown or none, every string at most 512 bytes of valid UTF-8.
 * False when out of memory. */
bool hl_sync_put_status(hl_fdbuf_t *o, const hl_sync_status_in_t *in);

typedef enum hl_sync_assign_kind {
    HL_SYNC_ASSIGN_NONE = 0, /* no "assignment" in the answer: nothing is assigned */
    HL_SYNC_ASSIGN_SAME,     /* the assignment the kiosk has handled already, or one that
                                carries neither a survey nor officers: nothing to do */
    HL_SYNC_ASSIGN_NEW,      /* a new one: state WAITING (checked) or FAILED (error says why) */
    HL_SYNC_ASSIGN_BAD       /* an "assignment" without a usable id, or no memory to read it:
                                error says why; nothing is recorded */
} hl_sync_assign_kind_t;

/* An assignment read from an answer. survey and officers are owned
 * (hl_sync_assignment_free; hl_sync_parse_assignment frees the last ones). */
typedef struct hl_sync_assignment {
    hl_sync_assign_kind_t kind;
    int64_t id;                          /* the centre's id (SAME, NEW) */
    hl_assign_state_t state;             /* NEW: WAITING or FAILED */
    char error[HL_ASSIGN_ERROR_MAX + 1]; /* FAILED, BAD: why */
    char *survey;                        /* NEW and WAITING: the survey file's text, checked;
                                            NULL: the assignment leaves the survey */
    size_t survey_len;                   /* its bytes */
    char *officers;                      /* NEW and WAITING: the officer list as compact JSON
                                            [{"id", "name"}], checked; NULL: left as it is */
} hl_sync_assignment_t;

/* Reads the "assignment" of a 200 answer's body (untrusted) for a kiosk whose
 * last assignment is last_id (-1: none): a new id carrying a survey and/or
 * officers is checked (types and sizes, survey_sha256 against the text, the
 * survey by hailong check's rules without pictures or recordings, the
 * officers by the config's rules) and comes out NEW, WAITING or FAILED. */
void hl_sync_parse_assignment(const char *body, size_t len, int64_t last_id,
                              hl_sync_assignment_t *a);
void hl_sync_assignment_free(hl_sync_assignment_t *a);

/* ---- One connection ------------------------------------------------------------- */

typedef struct hl_sync hl_sync_t;

typedef struct hl_sync_opts {
    const hl_sync_cfg_t *cfg;     /* copied; cfg->enabled must be true */
    const char *kiosk_id;         /* sent as "kiosk_id" */
    const char *software_version; /* sent in User-Agent: hailong/<version> and the status */
    const hl_sync_kiosk_t *kiosk; /* the status's first snapshot (copied); NULL: nothing known
                                     (hl_sync_set_kiosk sets it later) */
    const char *data_dir;         /* the data folder, for the status's disk_free_bytes */
    long long (*free_bytes)(const char *path); /* free bytes of path's file system, -1
                                                  unknown (the platform's); NULL: unknown */
    hl_sys_t sys;                              /* clocks and randomness (jitter) */
    int64_t backoff_base_ms;                   /* 0: HL_SYNC_BACKOFF_BASE */
    int64_t backoff_cap_ms;                    /* 0: HL_SYNC_BACKOFF_CAP */
    int batch;                                 /* 0: cfg->batch; responses per request */
} hl_sync_opts_t;

/* What one push did. delivered points into the hl_sync_t and stays valid
 * until the next push. */
typedef struct hl_sync_outcome {
    hl_sync_verdict_t verdict;
    bool heartbeat;           /* nothing was pending: the request was a heartbeat */
    size_t n_sent;            /* responses in the request (0: a heartbeat, or no request) */
    const int64_t *delivered; /* seqs the reply named */
    size_t n_delivered;
    bool more;              /* the batch was full: more may be pending right now */
    long http_status;       /* 0 when no HTTP answer came */
    int64_t retry_after_ms; /* from Retry-After (429, 503), -1 when none */
    int64_t next_in_ms;     /* when to push again: 0 now, the interval, a back-off, or -1
                               (stopped: only a manual push or a new config) */
    char batch_id[HL_SYNC_BATCH_ID_LEN + 1];
    char error[512]; /* what went wrong, for the technician and the log; "" when delivered */
    hl_sync_assignment_t assignment; /* DELIVERED, IDLE: the answer's assignment (its texts
                                        point into the hl_sync_t, valid until the next push) */
} hl_sync_outcome_t;

/* Checks the config (https, or http with allow_insecure_http; a readable
 * ca_file) and prepares a connection. HL_ERR_USAGE for a config the
 * sync cannot use, HL_ERR_NOMEM, HL_ERR_INTERNAL when libcurl lacks a
 * feature (TLS, pinning). */
int hl_sync_new(const hl_sync_opts_t *o, hl_sync_t **out, hl_err_t *err);
void hl_sync_free(hl_sync_t *s);

/* Reads up to the batch size of pending responses from reader (oldest
 * first) and posts them with the status; with nothing pending it posts a
 * heartbeat (no responses, the status). HL_OK whatever the server or
 * network did (out says what, and how long to wait before the next push); a
 * code with err set only when the store could not be read or memory ran
 * out. Blocks for at most the configured timeouts; hl_sync_abort cuts it
 * short. A heartbeat refused with a 4xx or 3xx is a RETRY at the interval,
 * never a STOP. */
int hl_sync_push(hl_sync_t *s, hl_store_t *reader, hl_sync_outcome_t *out, hl_err_t *err);

/* Records a push's outcome in the writer store (one transaction): the
 * delivered marks, the last attempt, success or error, the stop, and a new
 * assignment the answer brought (waiting, or failed with why). After a full
 * batch the next request's status counts pending from this one's (a
 * backlog drains without counting it all again each time). */
int hl_sync_commit(hl_sync_t *s, hl_store_t *writer, const hl_sync_outcome_t *out, hl_err_t *err);

/* The kiosk's snapshot for the next requests' status (copied under a lock:
 * safe from any thread while a push runs on another). */
void hl_sync_set_kiosk(hl_sync_t *s, const hl_sync_kiosk_t *k);

/* Makes a push in progress (on another thread) fail soon with "stopped".
 * Safe from any thread; sticky until hl_sync_free. */
void hl_sync_abort(hl_sync_t *s);

/* The fingerprint of the connection's config (hl_sync_fingerprint). */
const char *hl_sync_config_fingerprint(const hl_sync_t *s);

/* ---- The kiosk's worker thread --------------------------------------------------- */

typedef struct hl_syncw hl_syncw_t;

typedef struct hl_syncw_opts {
    hl_sync_opts_t sync;
    const char *data_dir;  /* the store's folder: the worker opens it read-only */
    const char *store_vfs; /* SQLite VFS for the reader (tests), NULL for the default */
    /* Called on the worker thread when an outcome waits for hl_syncw_commit
     * (the kiosk posts a wake-up to its event loop). */
    void (*wake)(void *ctx);
    void *wake_ctx;
} hl_syncw_opts_t;

/* Live figures for the technician: the store's (hl_store_sync_t, read by
 * the caller through its writer store) plus what only the worker knows. */
typedef struct hl_syncw_info {
    bool pushing;                   /* a request is on the wire now */
    bool stopped;                   /* refused for good with this config: waits for a manual push */
    int failures;                   /* consecutive failed attempts */
    int64_t next_mono_ms;           /* when the next automatic push is due (monotonic), -1 none */
    bool insecure;                  /* plain http:// (allow_insecure_http) */
    int64_t rounds;                 /* pushes finished (recorded, or the store failed) */
    hl_sync_verdict_t last_verdict; /* of the last round (RETRY too when the store failed) */
    bool last_heartbeat;            /* the last round found nothing pending (a heartbeat went,
                                       answered or not) and was recorded */
} hl_syncw_info_t;

/* Starts the worker: the first push comes at once (a backlog drains at
 * start), then every interval (a heartbeat when nothing is pending), sooner
 * while a full batch is pending,
 * later with back-off on failures. HL_ERR_USAGE/NOMEM/INTERNAL as for
 * hl_sync_new; a store that cannot be opened is retried by the thread. */
int hl_syncw_start(const hl_syncw_opts_t *o, hl_syncw_t **out, hl_err_t *err);

/* hl_syncw_commit, hl_syncw_stop and hl_syncw_status are called from one
 * thread, the writer's (the event loop); kick, info and has_outcome from
 * any. */

/* On the writer's thread (the event loop): when a push's outcome waits,
 * records it with hl_sync_commit through writer and lets the worker go on;
 * HL_OK at once when nothing waits. On a store failure the outcome is
 * dropped (those responses go again) and the worker backs off. */
int hl_syncw_commit(hl_syncw_t *w, hl_store_t *writer, hl_err_t *err);

/* True when an outcome waits for hl_syncw_commit. */
bool hl_syncw_has_outcome(hl_syncw_t *w);

/* Blocks up to timeout_ms until an outcome waits or a round ends (for a
 * caller that has nothing else to wait for: a scripted run); true when
 * one did. */
bool hl_syncw_wait(hl_syncw_t *w, int timeout_ms);

/* Push now (the technician's "sync now"), even after a stop. */
void hl_syncw_kick(hl_syncw_t *w);

/* The kiosk's snapshot for the status (hl_sync_set_kiosk): from the event
 * loop whenever the survey, the officer on duty or the clock's trust
 * changes. */
void hl_syncw_set_kiosk(hl_syncw_t *w, const hl_sync_kiosk_t *k);

void hl_syncw_info(hl_syncw_t *w, hl_syncw_info_t *out);

/* What the technician's status shows, in one call through the core. */
typedef struct hl_sync_status {
    bool configured;               /* the config has a "sync" section */
    bool insecure;                 /* plain http:// (allow_insecure_http) */
    char url[HL_SYNC_URL_MAX + 1]; /* sync.url without its query (hl_sync_shown_url) */
    hl_store_sync_t store;         /* pending, delivered, last attempt / success / error */
    bool stopped;                  /* the server refused this very config: no automatic retry */
    bool worker;                   /* a worker runs (the kiosk); then info is its state */
    hl_syncw_info_t info;
} hl_sync_status_t;

/* Fills out from st (the writer store or a read-only one: a few indexed
 * reads), the config and the worker (NULL: none runs, as for the command
 * line). */
int hl_sync_status(hl_store_t *st, const hl_sync_cfg_t *cfg, hl_syncw_t *w, hl_sync_status_t *out,
                   hl_err_t *err);

/* Stops the worker: aborts a request in progress, joins the thread, frees.
 * An outcome not yet committed is dropped (its responses go again). */
void hl_syncw_stop(hl_syncw_t *w);

#endif
