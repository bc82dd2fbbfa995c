/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_store.h: the durable response store: one SQLite database in the data
 * directory. This module is the only one that includes sqlite3.h.
 *
 * Promises (README "Storage"): WAL with synchronous=FULL, one writer
 * connection; each hl_store_save is one transaction, committed before it
 * returns; a failed statement is rolled back explicitly; errors come back as
 * distinct codes (HL_ERR_FULL, HL_ERR_IO, HL_ERR_READONLY, HL_ERR_LOCKED,
 * HL_ERR_CORRUPT) with a message. Sequence numbers never go back. A response
 * left in progress by a crash or power cut is finished as partial on open.
 * One read-write store per data directory: it holds an flock on
 * <data_dir>/hailong.lock for its lifetime; read-only stores do not.
 */
#ifndef HL_STORE_H
#define HL_STORE_H

#include "hl_devkey.h"
#include "hl_err.h"
#include "hl_pin.h"
#include "hl_response.h"
#include "hl_row.h"
#include "hl_survey.h"

#include <stdbool.h>
#include <stdint.h>

#define HL_STORE_FILE           "hailong.db"   /* database file name inside the data directory */
#define HL_STORE_LOCK           "hailong.lock" /* the writer's flock; holds its pid */
#define HL_STORE_SCHEMA_VERSION 9              /* PRAGMA user_version written by this build */
#define HL_STORE_APP_ID         0x484C4E47     /* PRAGMA application_id: "HLNG" */
#define HL_STORE_PAGE_SIZE      1024           /* page size of new databases (small commits) */

typedef struct hl_store hl_store_t;

typedef struct hl_store_opts {
    const char *vfs; /* SQLite VFS name, NULL for the default (tests inject faults) */
    bool read_only;  /* open for export/stats only: no migration, no recovery, no lock */
    int cache_kib;   /* page cache limit in KiB; 0: 8192 (bulk loads and exports). The
                        kiosk's connections use less: their memory stays small whatever
                        the database's size */
} hl_store_opts_t;

/* Opens (creating the directory and database when missing) the store in
 * data_dir, migrates an older schema forward and finishes responses left in
 * progress as partial (*recovered, may be NULL, gets how many). A file that is
 * not a SQLite database, is damaged, or belongs to another program (foreign
 * application_id or a newer schema) fails with HL_ERR_CORRUPT and is left
 * untouched. opts may be NULL.
 * Read-write: HL_ERR_READONLY when the folder is on a read-only file system
 * or not writable (checked before SQLite), HL_ERR_LOCKED when another store
 * (another hailong) writes to the folder; both are checked before migration
 * and recovery touch anything.
 * Read-only: reads a database on a read-only medium too (opened immutable
 * when no -shm can be made there); HL_ERR_READONLY when commits left in a
 * -wal on such a medium cannot be read; HL_ERR_NOT_FOUND without a database. */
int hl_store_open(const char *data_dir, const hl_store_opts_t *opts, hl_store_t **out,
                  int64_t *recovered, hl_err_t *err);
void hl_store_close(hl_store_t *st);

/* Path of the database file (owned by the store). */
const char *hl_store_path(const hl_store_t *st);

/* Registers the survey that new responses answer (kept by SHA-256, so each
 * version of the file is stored once, with its JSON) and the kiosk id that
 * new responses record. Must be called before hl_store_save. The same file
 * again is fine; HL_ERR_INVALID when the same survey id and version are
 * stored with other content (the file changed without a new version), and
 * the survey in use stays as it was. */
int hl_store_use_survey(hl_store_t *st, const hl_survey_t *s, const char *kiosk_id, hl_err_t *err);

/* Who serves at the counter now: new responses record this officer id and
 * counter name (NULL or "": none). Responses already started keep theirs.
 * HL_ERR_USAGE for an id that is not [a-z0-9_-]{1,32} or a counter over
 * 120 bytes. */
int hl_store_set_duty(hl_store_t *st, const char *officer_id, const char *counter, hl_err_t *err);

/* Checks that the database file at the store's path is still the one opened
 * (same device and inode): a hailong.db deleted or replaced under a running
 * kiosk would take every later answer with it. One lstat; hl_store_save does
 * it before each commit, the kiosk also at idle moments. HL_OK (also for a
 * read-only store), HL_ERR_CORRUPT (deleted or replaced: the message says
 * which and what to do), or the lstat error's code. */
int hl_store_check_file(hl_store_t *st, hl_err_t *err);

/* Commits one change to a response (see hl_response.h: hl_sink_t.save). On
 * failure nothing of the save is stored, resp is unchanged (it can be
 * retried), and the code says why:
 *   HL_ERR_USAGE     bad arguments: a question not in the survey, an empty or
 *                    too long value, no UUID, an unknown status
 *   HL_ERR_STATE     a step the store refuses, found by its own checks before
 *                    any change: no survey registered, a batch already rolled
 *                    back, a response not stored or already finished, an
 *                    answer to a response started with another version of
 *                    the survey
 *   HL_ERR_READONLY  opened read-only, or the medium turned read-only
 *   HL_ERR_FULL, HL_ERR_IO, HL_ERR_CORRUPT, HL_ERR_NOMEM  the storage failed
 *                    (HL_ERR_CORRUPT also: the file was deleted or replaced,
 *                    hl_store_check_file, checked before each commit)
 *   HL_ERR_LOCKED    another program holds the database's write lock
 *   HL_ERR_INTERNAL  the database refused the change by its integrity rules
 *                    (duplicate response UUID, a trigger, answers that do not
 *                    match the survey): a bug or a file changed by another
 *                    program, never a step to refuse quietly; or an
 *                    unexpected SQLite error */
int hl_store_save(hl_store_t *st, hl_response_t *resp, const hl_save_t *save, hl_err_t *err);

/* The store as a sink for hl_flow. */
hl_sink_t hl_store_sink(hl_store_t *st);

/* Groups many saves in one transaction (bulk loading for benchmarks and
 * imports): saves between begin and end are not durable until end. */
int hl_store_batch_begin(hl_store_t *st, hl_err_t *err);
int hl_store_batch_end(hl_store_t *st, hl_err_t *err);

/* ---- Reading ---------------------------------------------------------- */

/* Calls cb for each finished or in-progress response of survey_id (NULL: all
 * surveys) in sequence order, with seq > after_seq. Pointers in the row are
 * valid during the call only. cb returns HL_OK to go on, anything else stops
 * the walk and is returned. */
int hl_store_foreach(hl_store_t *st, const char *survey_id, int64_t after_seq,
                     int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err);

/* The export columns of a survey: the union of question ids over every stored
 * version, in the newest version's order, then ids only older versions had.
 * *qids is a malloc'd array of malloc'd strings (free with hl_store_free_ids).
 * HL_ERR_NOT_FOUND when no version of survey_id is stored. */
int hl_store_survey_columns(hl_store_t *st, const char *survey_id, char ***qids, size_t *n,
                            hl_err_t *err);
void hl_store_free_ids(char **ids, size_t n);

/* The JSON source of the newest stored version of survey_id (the file as it
 * was registered; for labels in exports). *json is malloc'd, NUL-terminated.
 * HL_ERR_NOT_FOUND when no version of survey_id is stored. */
int hl_store_survey_json(hl_store_t *st, const char *survey_id, char **json, hl_err_t *err);

typedef struct hl_store_stats {
    int64_t responses; /* all stored responses */
    int64_t complete;
    int64_t partial;
    int64_t in_progress;
    int64_t answers;
    int64_t comments;             /* answers to text questions (their count, never their text) */
    int64_t contacts;             /* answers to contact questions (numbers left; never shown) */
    int64_t followups;            /* responses given a follow-up code */
    int64_t last_seq;             /* 0 when empty */
    int64_t first_started_utc_ms; /* -1 when empty */
    int64_t last_finished_utc_ms; /* -1 when none */
    int64_t untrusted_clock;      /* responses started with an untrusted clock */
    int64_t db_bytes;             /* database file + WAL */
    int n_surveys;                /* distinct survey ids */
    int64_t n_exports;            /* bundles recorded by hl_store_record_export */
    int64_t last_export_utc_ms;   /* time of the latest recorded export, -1 when none */
    int64_t exported_upto_seq;    /* highest seq_last recorded, 0 when none */
} hl_store_stats_t;

int hl_store_stats(hl_store_t *st, hl_store_stats_t *out, hl_err_t *err);

/* ---- Exports to sticks ---------------------------------------------------- */

/* Records one result bundle whose manifest is on the stick: its creation
 * time, the sequence range and count of the responses it holds, the medium
 * (file system UUID or label, or its mount; may be NULL) and the bundle
 * folder on it (may be NULL). One transaction, committed before it returns.
 * HL_ERR_READONLY on a read-only store, HL_ERR_STATE inside a batch,
 * HL_ERR_USAGE for a range that is empty or not 1 <= first <= last; storage
 * failures as for hl_store_save. Call it only after the manifest is written:
 * a failed export must mark nothing. */
int hl_store_record_export(hl_store_t *st, int64_t exported_utc_ms, int64_t seq_first,
                           int64_t seq_last, int64_t responses, const char *medium,
                           const char *folder, hl_err_t *err);

/* *seq gets the highest seq_last recorded by hl_store_record_export, 0 when
 * nothing was exported yet: the default export takes responses after it. */
int hl_store_exported_upto(hl_store_t *st, int64_t *seq, hl_err_t *err);

/* What an export after after_seq may hold: responses are exported only once
 * finished (complete or partial), and a range never skips one that can still
 * change, so it stops before the first response still in progress. */
typedef struct hl_store_range {
    int64_t upto;            /* export seq in (after_seq, upto]; upto >= after_seq */
    int64_t responses;       /* stored responses in that range (0: nothing to export) */
    int64_t in_progress_seq; /* the first response in progress after after_seq, 0 if none */
} hl_store_range_t;

int hl_store_export_range(hl_store_t *st, int64_t after_seq, hl_store_range_t *out, hl_err_t *err);

/* ---- Assignments from the centre (sync protocol version 2) ----------------------- */

/* The last assignment received (a survey and/or an officer list the
 * province's server assigned to this kiosk), as the next request reports it. */
typedef enum hl_assign_state {
    HL_ASSIGN_NONE = 0, /* none received yet */
    HL_ASSIGN_WAITING,  /* checked, to be installed at the next idle moment */
    HL_ASSIGN_INSTALLED,
    HL_ASSIGN_FAILED
} hl_assign_state_t;

#define HL_ASSIGN_ERROR_MAX 511 /* bytes of an assignment's error kept */

/* "none", "waiting", "installed", "failed". */
const char *hl_assign_state_name(hl_assign_state_t s);

typedef struct hl_store_assign {
    hl_assign_state_t state;             /* NONE: nothing received; the rest is -1 or "" */
    int64_t id;                          /* the centre's id of the assignment */
    char error[HL_ASSIGN_ERROR_MAX + 1]; /* why it failed; "" otherwise */
    int64_t received_utc_ms;             /* when it came */
    int64_t done_utc_ms;                 /* when it was installed or failed, -1 while waiting */
} hl_store_assign_t;

/* The last assignment (a few columns of one row: cheap). */
int hl_store_assign_get(hl_store_t *st, hl_store_assign_t *out, hl_err_t *err);

/* A new assignment as hl_store_sync_record records it, replacing the last
 * one (in the same transaction as the answer that brought it). */
typedef struct hl_store_assign_rec {
    int64_t id;              /* the centre's id */
    hl_assign_state_t state; /* WAITING (checked) or FAILED (refused at once) */
    const char *error;       /* FAILED: why (cut to HL_ASSIGN_ERROR_MAX bytes) */
    const char *survey;      /* WAITING: the survey file's text, survey_len bytes; NULL: the
                                assignment leaves the survey as it is */
    size_t survey_len;       /* bytes of survey */
    const char *officers;    /* WAITING: the officer list as JSON text; NULL: left as it is */
} hl_store_assign_rec_t;

/* What the waiting assignment id assigns: *survey (malloc'd, NUL-terminated,
 * *survey_len bytes; NULL: no survey) and *officers (malloc'd JSON list;
 * NULL: none). HL_ERR_NOT_FOUND when id is not the waiting assignment. */
int hl_store_assign_payload(hl_store_t *st, int64_t id, char **survey, size_t *survey_len,
                            char **officers, hl_err_t *err);

/* Records that the waiting assignment id ended (INSTALLED, or FAILED with
 * error) at at_utc_ms and drops what it carried; one commit. HL_ERR_STATE
 * when id is not the waiting assignment, HL_ERR_USAGE for another state or a
 * failure without a reason; storage failures as for hl_store_save. */
int hl_store_assign_done(hl_store_t *st, int64_t id, hl_assign_state_t state, const char *error,
                         int64_t at_utc_ms, hl_err_t *err);

/* ---- Network sync (hl_sync.h) -------------------------------------------------- */

/* What the store keeps of the push to the server: delivered or not per
 * response (with the time), and the last attempt, success and error. */
typedef struct hl_store_sync {
    int64_t pending;               /* finished (complete or partial) responses not delivered yet */
    int64_t delivered;             /* responses the server has confirmed */
    int64_t oldest_pending_seq;    /* 0 when nothing is pending */
    int64_t oldest_pending_utc_ms; /* its finish time, -1 when nothing is pending */
    int64_t last_attempt_utc_ms;   /* -1: never tried */
    int64_t last_success_utc_ms;   /* -1: never delivered */
    int64_t last_error_utc_ms;     /* -1: no error since the last success */
    char last_error[512];          /* "" when the last attempt succeeded */
    char stopped_fingerprint[65];  /* hex fingerprint of a sync config the server refused
                                      for good (401, 403, ...): automatic retries stop
                                      until the config changes; "" when not stopped */
    int64_t last_export_utc_ms;    /* the newest result bundle written to a stick, -1: none */
    hl_store_assign_t assign;      /* the last assignment from the centre (schema 9) */
} hl_store_sync_t;

int hl_store_sync_state(hl_store_t *st, hl_store_sync_t *out, hl_err_t *err);

/* The same without counting the pending responses (pending is -1): the
 * count reads every pending response, which a sync draining a large
 * backlog batch after batch need not do each time. */
int hl_store_sync_state_brief(hl_store_t *st, hl_store_sync_t *out, hl_err_t *err);

/* Calls cb, in sequence order, for at most limit finished responses that
 * are not delivered yet (oldest first). Responses in progress are never
 * walked: a delivered response cannot change afterwards. Rows as for
 * hl_store_foreach. */
int hl_store_foreach_pending(hl_store_t *st, int64_t limit,
                             int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err);

/* One attempt's outcome, written in one transaction. */
typedef struct hl_store_sync_rec {
    int64_t at_utc_ms;        /* when the attempt was made */
    const int64_t *delivered; /* seqs the server named (accepted or duplicate); marking
                                 one already delivered, unknown or not finished is a no-op */
    size_t n_delivered;
    bool success;                        /* the server answered as the protocol says (a 200 with a
                                            reply): last success is set, last error cleared */
    const char *error;                   /* when !success: what went wrong (stored as last error;
                                            truncated to 511 bytes); NULL otherwise */
    const char *stop_fingerprint;        /* non-NULL: sets stopped_fingerprint ("" clears it) */
    const hl_store_assign_rec_t *assign; /* non-NULL: the answer brought a new assignment */
} hl_store_sync_rec_t;

/* Records an attempt: marks the delivered responses with at_utc_ms and
 * updates the last attempt / success / error. HL_ERR_READONLY on a
 * read-only store, HL_ERR_STATE inside a batch; storage failures as for
 * hl_store_save (nothing recorded: the responses are sent again later). */
int hl_store_sync_record(hl_store_t *st, const hl_store_sync_rec_t *rec, hl_err_t *err);

/* ---- Technician mode (issue 6) ------------------------------------------------ */

/* The PIN lockout (hl_pin.h) as persisted: failures, lockouts,
 * locked_at_utc_ms, lock_ms (the in-run fields are not stored). A fresh
 * store gives hl_pin_lock_init's state. put is one commit. */
int hl_store_pin_get(hl_store_t *st, hl_pin_lock_t *out, hl_err_t *err);
int hl_store_pin_put(hl_store_t *st, const hl_pin_lock_t *l, hl_err_t *err);

/* The technician log: one row per event (one commit): event is a short
 * word ("pin_wrong", "pin_lockout", "pin_ok", "menu_closed", "config",
 * "survey_install", "export", "sync_now", "restart", "shutdown"), detail
 * free text (may be NULL; never a PIN). */
int hl_store_log(hl_store_t *st, int64_t at_utc_ms, const char *event, const char *detail,
                 hl_err_t *err);

/* Calls cb for the newest n log rows, newest first. */
int hl_store_log_recent(hl_store_t *st, int n,
                        void (*cb)(void *ctx, int64_t at_utc_ms, const char *event,
                                   const char *detail),
                        void *ctx, hl_err_t *err);

/* Which finished responses a tally counts: of survey_id (NULL: all), started
 * at or after from_utc_ms (-1: any time), served by officer_id (NULL: any). */
typedef struct hl_tally_query {
    const char *survey_id;
    int64_t from_utc_ms;
    const char *officer_id;
} hl_tally_query_t;

typedef struct hl_store_counts {
    int64_t responses; /* finished responses (complete + partial) */
    int64_t complete;
    int64_t partial;
} hl_store_counts_t;

int hl_store_count(hl_store_t *st, const hl_tally_query_t *q, hl_store_counts_t *out,
                   hl_err_t *err);

/* Calls cb once per distinct stored value of question qid among the
 * responses q selects, with how many gave it (values as stored: a multi
 * answer is its option ids joined by ','). */
int hl_store_tally(hl_store_t *st, const hl_tally_query_t *q, const char *qid,
                   void (*cb)(void *ctx, const char *value, int64_t count), void *ctx,
                   hl_err_t *err);

/* Everything the results page counts, in one pass over the responses q
 * selects: cb once per (qid, value) with how many finished responses gave
 * it, and with qid "" once per status ("1" complete, "2" partial) with how
 * many finished so. In no particular order. */
int hl_store_tally_all(hl_store_t *st, const hl_tally_query_t *q,
                       void (*cb)(void *ctx, const char *qid, const char *value, int64_t count),
                       void *ctx, hl_err_t *err);

/* Responses q selects per local hour of the day (started_utc_ms +
 * tz_offset_ms, hour 0..23) into counts[24]. */
int hl_store_hourly(hl_store_t *st, const hl_tally_query_t *q, int64_t tz_offset_ms,
                    int64_t counts[24], hl_err_t *err);

/* ---- Tamper evidence (issue 7) ------------------------------------------------- */

/* Each finished response carries a chain value: the SHA-256 of the
 * response's canonical content (its JSON Lines row without the chain
 * fields, hl_jsonl_put_row_canonical) followed by the previous finished
 * response's chain value (by seq; 64 '0' for the first), and the device
 * key's Ed25519 signature over "hailong-chain-1 KIOSK_ID SEQ CHAIN"
 * (hl_devkey.h); chain_key records the key's fingerprint. It is computed in
 * the transaction that finishes the response (also when a response is
 * recovered as partial at open, once the signer is set). Responses chained
 * before schema 6 keep their HMAC-SHA256 chain (keyed with the old export
 * key or chain.key, chain_key its id, no signature); the signed chain
 * continues from their head. */
#define HL_CHAIN_HEX 64

/* Sets the device key that signs (not owned: it must outlive the store)
 * and chains every finished response not chained yet. */
int hl_store_set_signer(hl_store_t *st, const hl_devkey_t *key, hl_err_t *err);

/* The newest chain value and its seq (0 and 64 zeros when none). */
int hl_store_chain_head(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1], hl_err_t *err);

/* The same, with the head's signature over its chain statement
 * (hl_devkey.h) and the signing key's fingerprint: the response's own, or
 * for a head chained before schema 6 the signed link the device key made
 * when it took over the chain; "" when none (no response yet, or never
 * linked). */
int hl_store_chain_head_signed(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1],
                               char sig[HL_DEVKEY_SIG_HEX + 1], char fpr[HL_DEVKEY_FPR_HEX + 1],
                               hl_err_t *err);

/* Where the device key's signatures begin: the seq of the last response
 * chained with the old shared key, as the device key's signed link names
 * it (0: none, every response is signed). An unsigned response after it
 * had its signature removed. */
int hl_store_hmac_until(hl_store_t *st, int64_t *seq, hl_err_t *err);

/* Who signed what is stored: *n_signed responses carry a device signature,
 * fpr the newest one's key fingerprint ("" when none), *n_hmac were chained
 * with the old shared key. The kiosk refuses to make a new device key over
 * signed responses (their key must be restored, not replaced). */
int hl_store_signers(hl_store_t *st, int64_t *n_signed, char fpr[HL_DEVKEY_FPR_HEX + 1],
                     int64_t *n_hmac, hl_err_t *err);

/* A problem the chain check found, by sequence number. */
typedef enum hl_chain_problem {
    HL_CHAIN_EDITED = 0, /* content changed: its hash, MAC or signature does not match */
    HL_CHAIN_DELETED,    /* a response before it is missing (its prev_chain names another) */
    HL_CHAIN_INSERTED,   /* a response nobody chained (no valid chain, or not linked) */
    HL_CHAIN_REORDERED,  /* linked out of sequence order */
    HL_CHAIN_OTHER_KEY,  /* signed by another device key: not checked (a problem) */
    HL_CHAIN_UNCHECKED   /* chained with the old shared key, not given: its content is not
                            checked, its link is (not a problem) */
} hl_chain_problem_t;

/* What to check the chain with. */
typedef struct hl_chain_check {
    const hl_devkey_t *device;     /* the kiosk's device key (public is enough); NULL: none */
    const unsigned char *hmac_key; /* 32 bytes: the old shared key, for rows chained before
                                      schema 6; NULL: those are not checked */
    const hl_trust_t *trust;       /* other keys of the kiosk to believe (a replaced key):
                                      rows they signed are checked with them; NULL: none */
} hl_chain_check_t;

/* What the check found. */
typedef struct hl_chain_counts {
    size_t problems;  /* edited, deleted, inserted, reordered, other key */
    size_t unchecked; /* HMAC-era rows whose content could not be checked */
} hl_chain_counts_t;

/* Checks every finished response's chain; cb (may be NULL) gets each
 * problem and unchecked row; out how many. HL_OK when the walk ran
 * (problems or not); store failures as their codes. */
int hl_store_verify_chain(hl_store_t *st, const hl_chain_check_t *chk,
                          void (*cb)(void *ctx, int64_t seq, hl_chain_problem_t what,
                                     const char *detail),
                          void *ctx, hl_chain_counts_t *out, hl_err_t *err);

/* ---- Fair counting (issue 7) --------------------------------------------------- */

typedef struct hl_store_fair {
    int64_t suspect;      /* responses flagged (any reason) */
    int64_t min_interval; /* started within min_interval_s of the previous one's finish */
    int64_t max_per_hour; /* beyond max_per_hour in the last hour */
} hl_store_fair_t;

int hl_store_fair_counts(hl_store_t *st, hl_store_fair_t *out, hl_err_t *err);

/* The SQLite library version in use ("3.40.1"), for reports and benchmarks. */
const char *hl_store_sqlite_version(void);

#endif
