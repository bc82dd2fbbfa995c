/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_int.h: what the store's files share and nothing outside the store
 * may include (the way SQLite's sqliteInt.h serves its modules): the
 * hl_store struct, the cached statements, the schema's migrations, and the
 * helpers every part uses (errors, transactions, the response walk).
 *
 * The store's files, each a concern of hl_store.h:
 *   store_schema.c   the schema and its migrations (the layout below)
 *   store_open.c     opening (the folder, the lock, inspection, migration,
 *                    recovery), closing, errors, cached statements
 *   store_survey.c   the surveys (one row per file version) and the survey in use
 *   store_save.c     saving (one transaction per hl_save_t) and fair counting
 *   store_read.c     reading: the response walk, columns, statistics
 *   store_ledger.c   the exports to sticks and the network sync's ledger
 *   store_assign.c   the last assignment from the centre (sync protocol version 2)
 *   store_tech.c     technician mode: duty, PIN state, log, tallies
 *   store_chain.c    tamper evidence: the chain, its signatures, verification
 *   store_bench.c    what only the benchmarks ask (hl_store_bench.h)
 *
 * The database (the store is the only part of the firmware that sees
 * sqlite3.h), schema version 9:
 *   surveys    one row per survey file version, keyed by its SHA-256, with the
 *              JSON source and the question ids in survey order
 *   responses  one row per response; seq never goes back, even after a row
 *              is removed (seq_floor keeps the highest removed seq); the
 *              officer on duty and the counter when it started (schema 4,
 *              NULL: none); schema 5: suspect (fair counting's reason, NULL:
 *              not flagged), chain, prev_chain and chain_key (tamper
 *              evidence, see "Tamper evidence" below: NULL until chained)
 *   answers    keyed by id = seq * 64 + the question's position in its
 *              survey: the answers of one response sit side by side, and
 *              a new response's answers append at the end of the table
 *   exports    one row per result bundle written to a stick (schema 2): its
 *              time, sequence range, count, medium and folder; the default
 *              export starts after the highest seq_last
 *   sync_delivered  one row per response the server confirmed (schema 3),
 *              with the time of the attempt that delivered it
 *   sync_state one row: the watermark upto (every stored response with
 *              seq <= upto is delivered, so the pending scan starts after
 *              it however many responses were delivered), the last attempt,
 *              success and error, and the fingerprint of a sync config the
 *              server refused for good
 *   pin_state  one row (schema 4): the technician PIN's lockout as persisted
 *              (hl_pin.h: failures, lockouts, locked_at_utc_ms, lock_ms)
 *   tech_log   one row per technician event (schema 4): time, event, detail
 *   chain_links, chain_era  the device key's link to an older HMAC chain
 *              (schema 6)
 *   tally      finished responses per UTC day, survey version, officer and
 *              answer (schema 7), kept by triggers as each response finishes;
 *              a citizen's own words (text and contact answers) are counted
 *              under the value '' and never copied there (schema 8)
 *   survey_free  per survey version, its text and contact questions: their
 *              slot and type (schema 8), for the tally and the counts
 *   responses.followup  the follow-up code given when a response with a
 *              comment or a number finished complete (schema 8), unique
 *   assignment one row at most (schema 9): the last assignment from the
 *              centre, its state and error, and while it waits, the survey
 *              text and officer list it assigns
 * Triggers refuse to delete a response that has answers, to change a
 * finished response (except setting its chain once, while it has none) or
 * its answers or the identity of any response (who, when, which survey,
 * officer, counter and suspect flag), to remove or change a delivered mark
 * and to lower the sync watermark, whatever program writes to the file.
 *
 * Tallies (hl_store_count, _tally; the results page) read whole UTC days
 * from tally and only the part of a period before its first whole day from
 * the rows, through the index on started_utc_ms (schema 7); _hourly reads
 * today's rows through that index. Finished rows never change, so the
 * tally is exact; each finish adds a few small upserts to its transaction.
 *
 * Write cost: pages are 1 KiB and an answer save only touches the answers
 * page (the response row is written when it is created, when its language
 * changes and when it is finished), so each commit appends about one 1 KiB
 * frame to the WAL. answers is a rowid table rather than WITHOUT ROWID
 * (seq, qid): appending to a rowid table splits a full page by starting a
 * new one (SQLite's balance_quick: 2 or 3 pages), while an index b-tree
 * rebalances three siblings and their parent on every split (5 or 6 pages
 * about once per response), which measured 14.4 instead of ~11 WAL frames
 * per 7-answer response. synchronous=FULL syncs the WAL on every commit; the
 * WAL is checkpointed automatically at 1000 pages and cut back to
 * journal_size_limit.
 *
 * Errors: every SQLite failure becomes an hl_rc (store_fail) with what
 * failed, SQLite's message and what to do; a failed save is rolled back
 * explicitly and leaves the hl_response_t as it was, so it can be retried.
 * Steps the store refuses are found by its own checks first (HL_ERR_STATE);
 * a UNIQUE, CHECK or trigger rule firing is a bug or tampering
 * (HL_ERR_INTERNAL).
 *
 * Opening read-write checks, before SQLite or any write, that the folder is
 * writable (statvfs, access) and takes an flock on hailong.lock, so a second
 * writer never migrates or recovers under a live kiosk. Opening read-only
 * takes no lock and, on a medium where SQLite cannot create the -shm of a
 * WAL database, opens it immutable (file:...?immutable=1) when no -wal holds
 * commits.
 */
#ifndef HL_STORE_INT_H
#define HL_STORE_INT_H

#include "hl_store.h"
#include "hl_sys.h"
#include "hl_devkey.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define HL_STORE_BUSY_MS     200           /* wait for a reader's lock, never freezing the UI */
#define HL_STORE_WAL_LIMIT   (1024 * 1024) /* journal_size_limit: WAL kept under 1 MiB */
#define HL_STORE_CACHE_KIB   8192          /* page cache (bulk loads and exports) */
#define HL_STORE_OFFICER_MAX 32            /* bytes of an officer id ([a-z0-9_-]) */
#define HL_STORE_COUNTER_MAX 120           /* bytes of a counter name */

typedef enum hl_stmt_id {
    ST_BEGIN = 0,
    ST_COMMIT,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_INSERT_RESPONSE,
    ST_UPSERT_ANSWER,
    ST_DELETE_ANSWER,
    ST_UPDATE_LANG,
    ST_HAS_ANSWERS,
    ST_DELETE_RESPONSE,
    ST_FINISH_RESPONSE,
    ST_RESPONSE_STATE,
    ST_FOLLOWUP_USED,
    ST_COUNT
} hl_stmt_id_t;

struct hl_store {
    sqlite3 *db;        /* the one connection (the only writer) */
    char *path;         /* owned: <data_dir>/hailong.db */
    int lock_fd;        /* flock'd <data_dir>/hailong.lock (read-write stores), or -1 */
    bool read_only;     /* opened for export/stats only */
    int cache_kib;      /* page cache limit (hl_store_opts_t.cache_kib) */
    bool in_batch;      /* between batch_begin and batch_end */
    bool batch_lost;    /* SQLite rolled the whole batch back after a fault */
    int64_t survey_sid; /* surveys.sid of the survey in use; 0 before use_survey */
    char survey_id[HL_SURVEY_ID_MAX + 1];      /* id of the survey in use, for messages */
    char kiosk_id[HL_SURVEY_ID_MAX + 1];       /* recorded in new responses */
    char officer_id[HL_STORE_OFFICER_MAX + 1]; /* on duty, recorded in new responses; "": none */
    char counter[HL_STORE_COUNTER_MAX + 1];    /* counter name, likewise; "": none */
    char (*qids)[HL_ITEM_ID_MAX + 1];          /* owned: question ids of the survey in use */
    size_t n_qids;                             /* entries in qids */
    sqlite3_stmt *stmts[ST_COUNT];             /* owned: prepared on first use */
    const hl_devkey_t *signer;                 /* hl_store_set_signer's key; not owned */
    bool file_known;                           /* file_dev/file_ino hold the file opened */
    dev_t file_dev;                            /* the database file's device, at open */
    ino_t file_ino;                            /* and inode: hl_store_check_file compares */
};

/* A row as store_walk_responses hands it to cb, with what hl_row_t does not
 * carry: callbacks inside this file get back to it from the row (its first
 * member). */
typedef struct hl_row_ext {
    hl_row_t row;          /* first: cb gets &ext.row */
    const char *chain_key; /* the key id that made row.chain, NULL when not chained */
    const char *chain_sig; /* the device key's signature of row.chain, NULL: none */
} hl_row_ext_t;

int store_fail(hl_store_t *st, int src, const char *what, hl_err_t *err);

/* The SQL lower bound of a pending scan: everything up to the watermark is
 * delivered (0 if another program removed the row: all finished responses
 * are then looked at). */
#define SYNC_UPTO_SQL "coalesce((SELECT upto FROM sync_state WHERE id = 1), 0)"
/* A finished response r not delivered yet. */
#define SYNC_PENDING_SQL(r)                                                                        \
    r ".status <> 0 AND NOT EXISTS (SELECT 1 FROM sync_delivered d WHERE d.seq = " r ".seq)"

/* Fills survey_free (schema 8) for the surveys that match `where` (SQL on
 * surveys s), from their stored source: each text and contact question, its
 * slot (its place among the questions that store an answer: the answer's
 * id is seq * 64 + slot) and its type. The migration and the registration
 * of a survey share it. */
#define SURVEY_FREE_FILL_SQL(where)                                                                \
    "INSERT OR IGNORE INTO survey_free(sid, qid, pos, kind)"                                       \
    " SELECT s.sid, json_extract(q.value, '$.id'),"                                                \
    " (SELECT count(*) FROM json_each(s.source, '$.questions') p WHERE p.key < q.key"              \
    "  AND json_extract(p.value, '$.type') IS NOT 'note'),"                                        \
    " json_extract(q.value, '$.type') FROM surveys s,"                                             \
    " json_each(CASE WHEN json_valid(s.source) THEN s.source ELSE '{}' END, '$.questions') q"      \
    " WHERE " where " AND json_extract(q.value, '$.type') IN ('text', 'contact')"

/* Step from version i to i + 1 is store_migrations[i] (store_schema.c). */
extern const char *const store_migrations[HL_STORE_SCHEMA_VERSION];

/* The SQL of each cached statement (store_open.c). */
extern const char *const store_stmt_sql[ST_COUNT];

int store_errno_code(int e);
int store_exec_sql(hl_store_t *st, const char *sql, const char *what, hl_err_t *err);
int store_query_int(sqlite3 *db, const char *sql, int64_t *out);
int store_row(hl_store_t *st, const char *sql, bool none_ok, const char *what, sqlite3_stmt **row,
              hl_err_t *err);
void store_rollback_quietly(hl_store_t *st);
int store_run_cached(hl_store_t *st, hl_stmt_id_t id, const char *what, hl_err_t *err);
int store_stmt_done(hl_store_t *st, sqlite3_stmt *s, const char *what, hl_err_t *err);
int store_stmt_get(hl_store_t *st, hl_stmt_id_t id, sqlite3_stmt **out, hl_err_t *err);
bool store_id_valid(const char *s, size_t max, bool dash);
int store_tx_begin(hl_store_t *st, hl_err_t *err);
int store_tx_commit(hl_store_t *st, hl_err_t *err);
void store_tx_rollback(hl_store_t *st);
int store_walk_responses(hl_store_t *st, const char *after, const char *filter,
                         const char *survey_id, int64_t after_seq, int64_t limit, bool seek,
                         int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err);
void store_column_text_copy(sqlite3_stmt *s, int col, char *buf, size_t size);
size_t store_utf8_cut(const char *text, size_t max);
int store_chain_pending(hl_store_t *st, hl_err_t *err);

/* store_assign.c: a new assignment written inside the caller's transaction
 * (hl_store_sync_record). */
int store_assign_put(hl_store_t *st, const hl_store_assign_rec_t *a, int64_t at_utc_ms,
                     hl_err_t *err);

#endif
