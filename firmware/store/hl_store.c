/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hl_store.c: the durable response store on SQLite (the only file of the
 * firmware that includes sqlite3.h).
 *
 * Layout (schema version 5):
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
 * Triggers refuse to delete a response that has answers, to change a
 * finished response (except setting its chain once, while it has none) or
 * its answers or the identity of any response (who, when, which survey,
 * officer, counter and suspect flag), to remove or change a delivered mark
 * and to lower the sync watermark, whatever program writes to the file.
 *
 * Tallies (hl_store_count, _tally, _hourly) scan the responses table, whose
 * rows are small, and reach the one answer they need by its rowid (seq * 64
 * + the question's position in the response's survey version): no index is
 * kept for them, so the write path stays as it was.
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

/* ---- Schema and migrations ------------------------------------------------ */

/* Step from version i to i + 1 is migrations[i]. Version 0 is an empty file.
 * A new schema version appends one step and bumps HL_STORE_SCHEMA_VERSION;
 * tests/data/store/v<N>.sql keeps a database of every older version. */
static const char *const migrations[HL_STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE surveys ("
    "  sid INTEGER PRIMARY KEY,"     /* registration order */
    "  sha256 TEXT NOT NULL UNIQUE," /* hex SHA-256 of the survey file */
    "  survey_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  qids TEXT NOT NULL,"  /* question ids in survey order, comma-separated */
    "  source TEXT NOT NULL" /* the survey file as loaded */
    ");"
    "CREATE INDEX surveys_by_id ON surveys(survey_id, version);"
    "CREATE TABLE responses ("
    "  seq INTEGER PRIMARY KEY," /* given by ST_INSERT_RESPONSE, never reused */
    "  uuid TEXT NOT NULL UNIQUE,"
    "  kiosk_id TEXT NOT NULL,"
    "  survey INTEGER NOT NULL REFERENCES surveys(sid),"
    "  lang TEXT NOT NULL,"
    "  started_utc_ms INTEGER NOT NULL,"
    "  finished_utc_ms INTEGER," /* NULL while in progress */
    "  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),"
    "  clock_trusted INTEGER NOT NULL CHECK (clock_trusted IN (0, 1)),"
    "  finish_reason TEXT CHECK (finish_reason IN ('complete', 'timeout', 'recovered')),"
    "  CHECK ((status = 0) = (finished_utc_ms IS NULL))"
    ");"
    "CREATE TABLE answers ("
    "  id INTEGER PRIMARY KEY," /* seq * 64 + position of qid in the survey */
    "  seq INTEGER NOT NULL REFERENCES responses(seq),"
    "  qid TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  ms INTEGER NOT NULL," /* ms since the response started */
    "  CHECK (id >= seq * 64 AND id < seq * 64 + 64)"
    ");"
    "CREATE TRIGGER answers_one_per_question BEFORE INSERT ON answers"
    "  WHEN EXISTS (SELECT 1 FROM answers WHERE id BETWEEN NEW.seq * 64 AND NEW.seq * 64 + 63"
    "    AND qid = NEW.qid AND id <> NEW.id)"
    "  BEGIN SELECT RAISE(ABORT, 'a question is answered once per response'); END;"
    /* The sequence counter without AUTOINCREMENT's sqlite_sequence row,
     * which would add a page to every new response: the next seq is
     * max(highest stored, highest ever removed) + 1, and only the rare
     * removal of an empty response writes seq_floor. */
    "CREATE TABLE seq_floor ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  seq INTEGER NOT NULL" /* highest seq ever removed */
    ");"
    "INSERT INTO seq_floor VALUES (1, 0);"
    "CREATE TRIGGER seq_floor_keep BEFORE DELETE ON seq_floor"
    "  BEGIN SELECT RAISE(ABORT, 'the sequence floor cannot be deleted'); END;"
    "CREATE TRIGGER seq_floor_rises BEFORE UPDATE ON seq_floor"
    "  WHEN NEW.seq < OLD.seq OR NEW.id IS NOT OLD.id"
    "  BEGIN SELECT RAISE(ABORT, 'sequence numbers never go back'); END;"
    "CREATE TRIGGER responses_record_removed AFTER DELETE ON responses"
    "  BEGIN UPDATE seq_floor SET seq = max(seq, OLD.seq) WHERE id = 1 AND seq < OLD.seq; END;"
    "CREATE TRIGGER responses_seq_rises BEFORE INSERT ON responses"
    "  WHEN NEW.seq <= max(coalesce((SELECT max(seq) FROM responses), 0),"
    "                      (SELECT seq FROM seq_floor WHERE id = 1))"
    "  BEGIN SELECT RAISE(ABORT, 'sequence numbers never go back'); END;"
    "CREATE TRIGGER responses_keep_answered BEFORE DELETE ON responses"
    "  WHEN EXISTS (SELECT 1 FROM answers WHERE id BETWEEN OLD.seq * 64 AND OLD.seq * 64 + 63)"
    "  BEGIN SELECT RAISE(ABORT, 'a response with answers cannot be deleted'); END;"
    "CREATE TRIGGER responses_keep_identity BEFORE UPDATE OF"
    "  seq, uuid, kiosk_id, survey, started_utc_ms, clock_trusted ON responses"
    "  BEGIN SELECT RAISE(ABORT, 'the identity of a response cannot be changed'); END;"
    "CREATE TRIGGER responses_keep_finished BEFORE UPDATE ON responses"
    "  WHEN OLD.status <> 0"
    "  BEGIN SELECT RAISE(ABORT, 'a finished response cannot be changed'); END;"
    "CREATE TRIGGER answers_insert_open BEFORE INSERT ON answers"
    "  WHEN (SELECT status FROM responses WHERE seq = NEW.seq) IS NOT 0"
    "  BEGIN SELECT RAISE(ABORT, 'answers of a finished or missing response cannot change');"
    "  END;"
    "CREATE TRIGGER answers_update_open BEFORE UPDATE ON answers"
    "  WHEN (SELECT status FROM responses WHERE seq = OLD.seq) IS NOT 0"
    "    OR NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq OR NEW.qid IS NOT OLD.qid"
    "  BEGIN SELECT RAISE(ABORT, 'answers of a finished response cannot change'); END;"
    "CREATE TRIGGER answers_delete_open BEFORE DELETE ON answers"
    "  WHEN (SELECT status FROM responses WHERE seq = OLD.seq) IS NOT 0"
    "  BEGIN SELECT RAISE(ABORT, 'answers of a finished response cannot be deleted'); END;",
    /* 1 -> 2: the exports written to sticks (hl_store_record_export). A
     * few rows a year: no index; the default export starts after the
     * highest seq_last. */
    "CREATE TABLE exports ("
    "  id INTEGER PRIMARY KEY,"
    "  exported_at INTEGER NOT NULL," /* UTC ms: the bundle's creation time */
    "  seq_first INTEGER NOT NULL,"   /* sequence range of the responses written */
    "  seq_last INTEGER NOT NULL,"
    "  responses INTEGER NOT NULL," /* how many responses the bundle holds */
    "  medium TEXT,"                /* the stick: file system UUID or label, or its mount */
    "  folder TEXT,"                /* the bundle folder on the stick, HAILONG/<kiosk>/<time> */
    "  CHECK (seq_first >= 1 AND seq_first <= seq_last AND responses >= 1)"
    ");",
    /* 2 -> 3: network sync (hl_store_sync_record). A finished response is
     * pending until the server confirms it; upto only rises, so the pending
     * scan stays short with a million delivered responses. Responses stored
     * before the upgrade are all pending. */
    "CREATE TABLE sync_delivered ("
    "  seq INTEGER PRIMARY KEY REFERENCES responses(seq),"
    "  delivered_utc_ms INTEGER NOT NULL" /* UTC ms: the attempt the server confirmed */
    ");"
    "CREATE TABLE sync_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  upto INTEGER NOT NULL DEFAULT 0," /* every response with seq <= upto is delivered */
    "  last_attempt_utc_ms INTEGER,"
    "  last_success_utc_ms INTEGER,"
    "  last_error TEXT," /* NULL since the last success */
    "  last_error_utc_ms INTEGER,"
    "  stopped_fingerprint TEXT," /* config the server refused for good; NULL: not stopped */
    "  delivered INTEGER NOT NULL DEFAULT 0" /* rows in sync_delivered (kept by a trigger) */
    ");"
    "INSERT INTO sync_state(id) VALUES (1);"
    "CREATE TRIGGER sync_state_keep BEFORE DELETE ON sync_state"
    "  BEGIN SELECT RAISE(ABORT, 'the sync state cannot be deleted'); END;"
    "CREATE TRIGGER sync_state_upto_rises BEFORE UPDATE OF upto ON sync_state"
    "  WHEN NEW.upto < OLD.upto"
    "  BEGIN SELECT RAISE(ABORT, 'the sync watermark never goes back'); END;"
    "CREATE TRIGGER sync_delivered_keep BEFORE DELETE ON sync_delivered"
    "  BEGIN SELECT RAISE(ABORT, 'a delivered mark cannot be removed'); END;"
    "CREATE TRIGGER sync_delivered_fixed BEFORE UPDATE ON sync_delivered"
    "  BEGIN SELECT RAISE(ABORT, 'a delivered mark cannot be changed'); END;"
    "CREATE TRIGGER sync_delivered_count AFTER INSERT ON sync_delivered"
    "  BEGIN UPDATE sync_state SET delivered = delivered + 1 WHERE id = 1; END;",
    /* 3 -> 4: technician mode. Responses record the officer on duty and the
     * counter (NULL for those stored before: none), part of their identity;
     * the PIN lockout survives restarts; the technician's actions are
     * logged. */
    "ALTER TABLE responses ADD COLUMN officer_id TEXT;" /* NULL: none */
    "ALTER TABLE responses ADD COLUMN counter TEXT;"    /* NULL: none */
    "DROP TRIGGER responses_keep_identity;"
    "CREATE TRIGGER responses_keep_identity BEFORE UPDATE OF"
    "  seq, uuid, kiosk_id, survey, started_utc_ms, clock_trusted, officer_id, counter"
    "  ON responses"
    "  BEGIN SELECT RAISE(ABORT, 'the identity of a response cannot be changed'); END;"
    "CREATE TABLE pin_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  failures INTEGER NOT NULL DEFAULT 0,"          /* wrong PINs in a row */
    "  lockouts INTEGER NOT NULL DEFAULT 0,"          /* lockouts since the last right PIN */
    "  locked_at_utc_ms INTEGER NOT NULL DEFAULT -1," /* start of the lockout, -1: none */
    "  lock_ms INTEGER NOT NULL DEFAULT 0,"           /* its length, 0: none */
    "  clock_trusted INTEGER NOT NULL DEFAULT 0"      /* the wall clock then was trusted */
    ");"
    "INSERT INTO pin_state(id) VALUES (1);"
    "CREATE TRIGGER pin_state_keep BEFORE DELETE ON pin_state"
    "  BEGIN SELECT RAISE(ABORT, 'the PIN state cannot be deleted'); END;"
    "CREATE TABLE tech_log ("
    "  id INTEGER PRIMARY KEY,"     /* order of the events */
    "  at_utc_ms INTEGER NOT NULL," /* when it happened (the kiosk's wall clock) */
    "  event TEXT NOT NULL,"        /* a short word: pin_wrong, export, ... */
    "  detail TEXT"                 /* free text, never a PIN; NULL: none */
    ");",
    /* 4 -> 5: tamper evidence and fair counting (issue 7). suspect is part
     * of a response's identity (set when it is created); the chain columns
     * are set once, when the response is finished, or later by
     * hl_store_set_chain_key for responses finished without a key (those
     * stored before the upgrade included), after which
     * responses_keep_finished refuses any change to the row. */
    "ALTER TABLE responses ADD COLUMN suspect TEXT;"    /* fair counting's reason, NULL: none */
    "ALTER TABLE responses ADD COLUMN chain TEXT;"      /* hex HMAC-SHA256, NULL: not chained */
    "ALTER TABLE responses ADD COLUMN prev_chain TEXT;" /* the chain value it follows */
    "ALTER TABLE responses ADD COLUMN chain_key TEXT;"  /* id of the key that made chain */
    "DROP TRIGGER responses_keep_identity;"
    "CREATE TRIGGER responses_keep_identity BEFORE UPDATE OF"
    "  seq, uuid, kiosk_id, survey, started_utc_ms, clock_trusted, officer_id, counter, suspect"
    "  ON responses"
    "  BEGIN SELECT RAISE(ABORT, 'the identity of a response cannot be changed'); END;"
    /* A finished row may only gain its chain (NULL before: finished
     * without a key, or before schema 5), once; nothing else of it. */
    "DROP TRIGGER responses_keep_finished;"
    "CREATE TRIGGER responses_keep_finished BEFORE UPDATE ON responses"
    "  WHEN OLD.status <> 0 AND NOT (OLD.chain IS NULL AND NEW.chain IS NOT NULL"
    "    AND NEW.prev_chain IS NOT NULL AND NEW.chain_key IS NOT NULL"
    "    AND NEW.status IS OLD.status AND NEW.finished_utc_ms IS OLD.finished_utc_ms"
    "    AND NEW.finish_reason IS OLD.finish_reason AND NEW.lang IS OLD.lang)"
    "  BEGIN SELECT RAISE(ABORT, 'a finished response cannot be changed'); END;",
    /* 5 -> 6: device signatures (issue 13). The chain becomes a hash chain
     * (chain = SHA-256 of the canonical row and prev_chain) and chain_sig
     * holds the device key's Ed25519 signature over the chain statement
     * (hl_devkey.h); chain_key then names the device key's fingerprint.
     * Rows chained before keep their HMAC chain (chain_sig NULL), checkable
     * with the old key; the first signed row's prev_chain is the old head,
     * so the signed chain continues the old one. responses_keep_finished
     * (any column, chain_sig included) already allows the chain columns to
     * be set once, together. */
    "ALTER TABLE responses ADD COLUMN chain_sig TEXT;" /* hex Ed25519, NULL: HMAC era */
    /* The signed link: when a device key first takes over a chain whose
     * head is an HMAC-era response, it signs that head (the chain statement
     * of its seq and chain), so the old head is vouched for by the device
     * key even before a new response follows it. */
    "CREATE TABLE chain_links ("
    "  seq INTEGER NOT NULL," /* the HMAC-era head's seq */
    "  chain TEXT NOT NULL,"  /* its chain value */
    "  key TEXT NOT NULL,"    /* the device key's fingerprint */
    "  sig TEXT NOT NULL,"    /* its signature of the chain statement */
    "  PRIMARY KEY (seq, key)"
    ");"
    "CREATE TRIGGER chain_links_keep BEFORE DELETE ON chain_links"
    "  BEGIN SELECT RAISE(ABORT, 'a chain link cannot be deleted'); END;"
    "CREATE TRIGGER chain_links_fixed BEFORE UPDATE ON chain_links"
    "  BEGIN SELECT RAISE(ABORT, 'a chain link cannot be changed'); END;"
    /* Where the old chain ends, fixed at this step: every response chained
     * after it must carry a signature (0 for a store that had none). */
    "CREATE TABLE chain_era ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  hmac_until INTEGER NOT NULL" /* seq of the last response chained with the old key */
    ");"
    "INSERT INTO chain_era VALUES (1, (SELECT coalesce(max(seq), 0) FROM responses"
    "  WHERE chain IS NOT NULL));"
    "CREATE TRIGGER chain_era_keep BEFORE DELETE ON chain_era"
    "  BEGIN SELECT RAISE(ABORT, 'the chain era cannot be deleted'); END;"
    "CREATE TRIGGER chain_era_fixed BEFORE UPDATE ON chain_era"
    "  BEGIN SELECT RAISE(ABORT, 'the chain era cannot be changed'); END;",
    /* 6 -> 7: the technician's results page without a scan of every
     * response (issue 15). tally holds, per UTC day of started_utc_ms,
     * survey version and officer ('' for none), how many finished responses
     * gave each answer (qid, value), and with qid '' how many finished with
     * each status (value '1' complete, '2' partial). A response is added
     * once, when it finishes: finished rows never change (the triggers
     * above), so the tally is exact. It is filled from what is stored, then
     * kept by triggers in the same transaction as each save. The index on
     * started_utc_ms serves what no whole day covers: the hours of today
     * and the part of a period before the first whole UTC day. */
    "CREATE TABLE tally ("
    "  qid TEXT NOT NULL,"     /* the question, '' for the response counts */
    "  day INTEGER NOT NULL,"  /* UTC day: floor(started_utc_ms / 86400000) */
    "  sid INTEGER NOT NULL,"  /* the survey version (surveys.sid) */
    "  officer TEXT NOT NULL," /* officer_id, '' for none */
    "  value TEXT NOT NULL,"   /* the answer as stored; the status for qid '' */
    "  n INTEGER NOT NULL,"    /* how many */
    "  PRIMARY KEY (qid, day, sid, officer, value)"
    ") WITHOUT ROWID;"
    "CREATE INDEX responses_by_start ON responses(started_utc_ms);"
    "INSERT INTO tally SELECT '', (r.started_utc_ms - ((r.started_utc_ms % 86400000 + 86400000) % "
    "86400000)) / 86400000, r.survey,"
    "  coalesce(r.officer_id, ''), CAST(r.status AS TEXT), count(*) FROM responses r"
    "  WHERE r.status <> 0 GROUP BY 1, 2, 3, 4, 5;"
    "INSERT INTO tally SELECT a.qid, (r.started_utc_ms - ((r.started_utc_ms % 86400000 + 86400000) "
    "% 86400000)) / 86400000, r.survey,"
    "  coalesce(r.officer_id, ''), a.value, count(*) FROM responses r"
    "  JOIN answers a ON a.id BETWEEN r.seq * 64 AND r.seq * 64 + 63"
    "  WHERE r.status <> 0 GROUP BY 1, 2, 3, 4, 5;"
    "CREATE TRIGGER responses_tally_finish AFTER UPDATE OF status ON responses"
    "  WHEN OLD.status = 0 AND NEW.status <> 0 BEGIN"
    "  INSERT INTO tally SELECT '', (NEW.started_utc_ms - ((NEW.started_utc_ms % 86400000 + "
    "86400000) % 86400000)) / 86400000,"
    "    NEW.survey, coalesce(NEW.officer_id, ''), CAST(NEW.status AS TEXT), 1 WHERE true"
    "    ON CONFLICT DO UPDATE SET n = n + 1;"
    "  INSERT INTO tally SELECT a.qid, (NEW.started_utc_ms - ((NEW.started_utc_ms % 86400000 + "
    "86400000) % 86400000)) / 86400000,"
    "    NEW.survey, coalesce(NEW.officer_id, ''), a.value, 1 FROM answers a"
    "    WHERE a.id BETWEEN NEW.seq * 64 AND NEW.seq * 64 + 63"
    "    ON CONFLICT DO UPDATE SET n = n + 1;"
    "  END;"
    /* A response stored already finished has no answers (they are refused
     * once it is finished); one without answers may be removed. */
    "CREATE TRIGGER responses_tally_insert AFTER INSERT ON responses"
    "  WHEN NEW.status <> 0 BEGIN"
    "  INSERT INTO tally SELECT '', (NEW.started_utc_ms - ((NEW.started_utc_ms % 86400000 + "
    "86400000) % 86400000)) / 86400000,"
    "    NEW.survey, coalesce(NEW.officer_id, ''), CAST(NEW.status AS TEXT), 1 WHERE true"
    "    ON CONFLICT DO UPDATE SET n = n + 1;"
    "  END;"
    "CREATE TRIGGER responses_tally_delete AFTER DELETE ON responses"
    "  WHEN OLD.status <> 0 BEGIN"
    "  UPDATE tally SET n = n - 1 WHERE qid = '' AND day = (OLD.started_utc_ms - "
    "((OLD.started_utc_ms % 86400000 + 86400000) % 86400000)) / 86400000"
    "    AND sid = OLD.survey AND officer = coalesce(OLD.officer_id, '')"
    "    AND value = CAST(OLD.status AS TEXT);"
    "  END;",
};

/* ---- Cached statements ---------------------------------------------------- */

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
    ST_COUNT
} hl_stmt_id_t;

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_SAVEPOINT] = "SAVEPOINT hl_save",
    [ST_RELEASE] = "RELEASE hl_save",
    [ST_INSERT_RESPONSE] =
        "INSERT INTO responses(seq, uuid, kiosk_id, survey, lang,"
        " started_utc_ms, clock_trusted, officer_id, counter, suspect) VALUES (1 +"
        " max(coalesce((SELECT max(seq) FROM responses), 0),"
        " (SELECT seq FROM seq_floor WHERE id = 1)), ?1, ?2, ?3, ?4, ?5, ?6,"
        " ?7, ?8, ?9)",
    /* A slot taken by another question (the survey changed under an open
     * response) updates nothing: the save fails instead of mixing answers. */
    [ST_UPSERT_ANSWER] = "INSERT INTO answers(id, seq, qid, value, ms)"
                         " VALUES (?1 * 64 + ?5, ?1, ?2, ?3, ?4)"
                         " ON CONFLICT(id) DO UPDATE SET value = excluded.value,"
                         " ms = excluded.ms WHERE qid = excluded.qid",
    [ST_DELETE_ANSWER] = "DELETE FROM answers WHERE id BETWEEN ?1 * 64 AND ?1 * 64 + 63"
                         " AND qid = ?2",
    [ST_UPDATE_LANG] = "UPDATE responses SET lang = ?2 WHERE seq = ?1",
    [ST_HAS_ANSWERS] = "SELECT EXISTS (SELECT 1 FROM answers"
                       " WHERE id BETWEEN ?1 * 64 AND ?1 * 64 + 63)",
    [ST_DELETE_RESPONSE] = "DELETE FROM responses WHERE seq = ?1",
    [ST_FINISH_RESPONSE] = "UPDATE responses SET status = ?2, finished_utc_ms = ?3,"
                           " finish_reason = ?4 WHERE seq = ?1 AND status = 0",
    /* Checked before a save changes anything (save_precheck). */
    [ST_RESPONSE_STATE] = "SELECT survey, status FROM responses WHERE seq = ?1",
};

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

/* ---- Errors --------------------------------------------------------------- */

/* Maps a SQLite result code (extended codes on) to an hl_rc and writes
 * "<what>: <sqlite message> (<what to do>)". errno_hint is the OS error
 * behind the failure when known (0 otherwise). */
static int map_sqlite(int src, int errno_hint, const char *path, const char *what,
                      const char *sqlmsg, hl_err_t *err)
{
    int prim = src & 0xff;
    int code;
    char advice[PATH_MAX + 160];
    switch (prim) {
    case SQLITE_FULL:
        code = HL_ERR_FULL;
        snprintf(advice, sizeof advice,
                 "the disk is full: free space or export and clear old data");
        break;
    case SQLITE_IOERR:
        if (src == SQLITE_IOERR_NOMEM) {
            code = HL_ERR_NOMEM;
            snprintf(advice, sizeof advice, "out of memory: restart the kiosk");
        } else {
            code = HL_ERR_IO;
            snprintf(advice, sizeof advice,
                     "the storage failed to read or write: check the SD card or disk "
                     "(it may be failing, loose or removed)");
        }
        break;
    case SQLITE_READONLY:
        code = HL_ERR_READONLY;
        snprintf(advice, sizeof advice,
                 "the database or its folder is read-only: check permissions and that the "
                 "medium is not mounted read-only");
        break;
    case SQLITE_CANTOPEN:
        if (errno_hint == EACCES || errno_hint == EROFS || errno_hint == EPERM) {
            code = HL_ERR_READONLY;
            snprintf(advice, sizeof advice,
                     "cannot open %s for writing: check permissions and that the medium is "
                     "not mounted read-only",
                     path);
        } else if (errno_hint == ENOSPC) {
            code = HL_ERR_FULL;
            snprintf(advice, sizeof advice,
                     "the disk is full: free space or export and clear old data");
        } else {
            code = HL_ERR_IO;
            snprintf(advice, sizeof advice, "cannot open %s: check the data folder and the disk",
                     path);
        }
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = HL_ERR_LOCKED;
        snprintf(advice, sizeof advice,
                 "another program is using the database: wait for the export to end or close "
                 "the other program, then retry");
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = HL_ERR_CORRUPT;
        snprintf(advice, sizeof advice,
                 "%s is damaged or not a hailong database: stop the kiosk, move it aside "
                 "(keep it for recovery) and start again with a new one",
                 path);
        break;
    case SQLITE_NOMEM:
        code = HL_ERR_NOMEM;
        snprintf(advice, sizeof advice, "out of memory: restart the kiosk");
        break;
    case SQLITE_CONSTRAINT:
        /* Our own checks run first (save_precheck): reaching a UNIQUE, CHECK
         * or trigger rule means a bug or a file changed by another program,
         * not a step the kiosk should have refused. */
        code = HL_ERR_INTERNAL;
        snprintf(advice, sizeof advice,
                 "the database refused the change by its integrity rules: this is a bug in "
                 "hailong or %s was changed by another program; please report it with the file",
                 path);
        break;
    default:
        code = HL_ERR_INTERNAL;
        snprintf(advice, sizeof advice, "unexpected SQLite error %d: please report it", src);
        break;
    }
    return hl_err_set(err, code, "%s: %s (%s)", what, sqlmsg ? sqlmsg : sqlite3_errstr(src),
                      advice);
}

/* The same for a failure on the store's connection. */
static int store_fail(hl_store_t *st, int src, const char *what, hl_err_t *err)
{
    return map_sqlite(src, sqlite3_system_errno(st->db), st->path, what, sqlite3_errmsg(st->db),
                      err);
}

static int errno_code(int e)
{
    if (e == ENOSPC || e == EDQUOT) return HL_ERR_FULL;
    if (e == EROFS || e == EACCES || e == EPERM) return HL_ERR_READONLY;
    if (e == ENOMEM) return HL_ERR_NOMEM;
    return HL_ERR_IO;
}

/* ---- Small helpers -------------------------------------------------------- */

static int stmt_get(hl_store_t *st, hl_stmt_id_t id, sqlite3_stmt **out, hl_err_t *err)
{
    if (!st->stmts[id]) {
        int rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmts[id], NULL);
        if (rc != SQLITE_OK) return store_fail(st, rc, "preparing a statement", err);
    }
    *out = st->stmts[id];
    return HL_OK;
}

/* Steps a statement that returns no row, then resets it (bindings cleared). */
static int stmt_done(hl_store_t *st, sqlite3_stmt *s, const char *what, hl_err_t *err)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return HL_OK;
    return store_fail(st, rc, what, err);
}

static int run_cached(hl_store_t *st, hl_stmt_id_t id, const char *what, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc = stmt_get(st, id, &s, err);
    if (rc != HL_OK) return rc;
    return stmt_done(st, s, what, err);
}

static int exec_sql(hl_store_t *st, const char *sql, const char *what, hl_err_t *err)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) return store_fail(st, rc, what, err);
    return HL_OK;
}

/* One integer from a query (first column of the first row; 0 without rows). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) return rc;
    *out = 0;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* Explicit rollback after a failure (SQLite may or may not have done it). */
static void rollback_quietly(hl_store_t *st)
{
    if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* mkdir -p with mode 0750 for the parts that are missing. */
static int make_dirs(const char *dir, hl_err_t *err)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return hl_err_set(err, HL_ERR_USAGE, "data directory \"%s\" is empty or too long", dir);
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST) {
            int e = errno;
            return hl_err_set(err, errno_code(e),
                              "cannot create data directory %s: %s (check the path, its "
                              "permissions and free space)",
                              buf, strerror(e));
        }
        buf[i] = c;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return hl_err_set(err, HL_ERR_IO, "data directory %s is not a directory", dir);
    return HL_OK;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

/* ---- Opening: the folder, the lock, inspection before any write ------------- */

/* A read-write store needs a writable folder (SQLite creates -wal and -shm
 * next to the database) and a writable database: said plainly here rather
 * than as SQLite's "unable to open database file" later. */
static int check_writable(const char *dir, const char *path, hl_err_t *err)
{
    struct statvfs vs;
    int e = 0;
    if ((statvfs(dir, &vs) == 0 && (vs.f_flag & ST_RDONLY)) ||
        (access(dir, W_OK) != 0 && (e = errno) == EROFS))
        return hl_err_set(err, HL_ERR_READONLY,
                          "the data folder %s is on a read-only file system: remount it "
                          "read-write or choose another --data-dir",
                          dir);
    if (e)
        return hl_err_set(err, errno_code(e),
                          "the data folder %s is not writable by this user (%s): fix its owner "
                          "or permissions, or choose another --data-dir",
                          dir, strerror(e));
    if (access(path, W_OK) != 0 && errno != ENOENT) {
        e = errno;
        return hl_err_set(err, errno_code(e),
                          "%s is not writable by this user (%s): fix its owner or permissions, "
                          "or choose another --data-dir",
                          path, strerror(e));
    }
    return HL_OK;
}

/* Takes <dir>/hailong.lock with flock(LOCK_EX | LOCK_NB) for the store's
 * lifetime, so that a second read-write store on the folder (a second
 * `hailong run` beside the kiosk) fails before it migrates or recovers
 * anything; the holder's pid is written in the file for the message. The
 * kernel drops the lock when the process dies, so a stale file is harmless. */
static int lock_take(hl_store_t *st, const char *dir, hl_err_t *err)
{
    char *lpath = path_join(dir, HL_STORE_LOCK);
    if (!lpath) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    int rc = HL_OK;
    int fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        int e = errno;
        rc = hl_err_set(err, errno_code(e),
                        "cannot open the lock file %s: %s (check the data folder's permissions)",
                        lpath, strerror(e));
        goto done;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            char buf[32] = {0};
            ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
            long pid = got > 0 ? strtol(buf, NULL, 10) : 0;
            char who[48] = "";
            if (pid > 0) snprintf(who, sizeof who, " (pid %ld)", pid);
            rc = hl_err_set(err, HL_ERR_LOCKED,
                            "another hailong is using %s%s: only one kiosk may write to a data "
                            "folder; stop the other one or give this one another --data-dir",
                            dir, who);
        } else {
            rc = hl_err_set(err, HL_ERR_IO,
                            "cannot lock %s: %s (put the data folder on a local disk)", lpath,
                            strerror(e));
        }
        close(fd);
        goto done;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    /* The pid is for messages only: failing to write it is not an error. */
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n) (void)ftruncate(fd, 0);
    st->lock_fd = fd;
done:
    free(lpath);
    return rc;
}

/* What a read-only connection opens (a URI, malloc'd in *target). SQLite
 * reads a WAL database through its -shm, which it creates when missing; on a
 * read-only medium (or a folder we cannot write) it cannot, and the open
 * fails. Then, with no -wal holding changes, the file is opened immutable
 * (nothing can change it there); with a non-empty -wal it must be read too,
 * so mode=ro is tried and *wal_pending tells the caller to explain a
 * failure. */
static int ro_target(const char *dir, const char *path, char **target, bool *wal_pending,
                     hl_err_t *err)
{
    *target = NULL;
    *wal_pending = false;
    struct statvfs vs;
    bool dir_rw = !(statvfs(dir, &vs) == 0 && (vs.f_flag & ST_RDONLY)) && access(dir, W_OK) == 0;
    size_t plen = strlen(path);
    char *side = malloc(plen + 8);
    if (!side) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    snprintf(side, plen + 8, "%s-shm", path);
    bool shm = access(side, F_OK) == 0;
    snprintf(side, plen + 8, "%s-wal", path);
    struct stat sb;
    bool wal = stat(side, &sb) == 0 && sb.st_size > 0;
    free(side);
    bool no_shm = !dir_rw && !shm; /* SQLite cannot create the -shm it needs */
    *wal_pending = no_shm && wal;
    const char *query = no_shm && !wal ? "immutable=1" : "mode=ro";

    /* file: URI: '%', '?' and '#' escaped; an absolute path gets an empty
     * authority ("file:///..."). */
    char *t = malloc(plen * 3 + 32);
    if (!t) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    size_t n = (size_t)sprintf(t, path[0] == '/' ? "file://" : "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            n += (size_t)sprintf(t + n, "%%%02X", (unsigned char)*p);
        else
            t[n++] = *p;
    }
    sprintf(t + n, "?%s", query);
    *target = t;
    return HL_OK;
}

/* Looks at an existing file without changing it: the SQLite magic, then a
 * read-only connection for application_id, user_version and the tables
 * (opening target, a URI from ro_target, when given). *version gets the
 * schema version (0 for a missing or empty file). */
static int store_inspect(const char *path, const char *target, const char *vfs, bool *exists,
                         int *version, hl_err_t *err)
{
    static const char magic[16] = "SQLite format 3";
    *exists = false;
    *version = 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) return HL_OK;
        int e = errno;
        return hl_err_set(err, errno_code(e), "cannot look at %s: %s", path, strerror(e));
    }
    *exists = true;
    if (!S_ISREG(sb.st_mode))
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is not a regular file: move it aside and start again", path);
    if (sb.st_size == 0) return HL_OK;

    unsigned char head[100];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return hl_err_set(err, errno_code(e), "cannot read %s: %s", path, strerror(e));
    }
    ssize_t got = read(fd, head, sizeof head);
    close(fd);
    /* A power cut in the middle of a checkpoint can leave the file's first
     * page torn while the -wal still holds its committed copy: SQLite
     * recovers that, so with a -wal the verdict is SQLite's own below. */
    char side[PATH_MAX];
    struct stat wsb;
    bool has_wal = snprintf(side, sizeof side, "%s-wal", path) < (int)sizeof side &&
                   stat(side, &wsb) == 0 && wsb.st_size > 0;
    bool hot_journal = snprintf(side, sizeof side, "%s-journal", path) < (int)sizeof side &&
                       stat(side, &wsb) == 0 && wsb.st_size > 0;
    bool torn = got != (ssize_t)sizeof head || memcmp(head, magic, sizeof magic) != 0;
    if (hot_journal || (torn && has_wal)) {
        /* Cut off mid-write (a checkpoint, or the first start's switch to
         * WAL): only a read-write SQLite connection can recover it, which
         * the open does next; store_migrate then checks whose file it is
         * before anything is written. Found by the power-cut suite. */
        *version = -1;
        return HL_OK;
    }
    if (torn)
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s is not a SQLite database (damaged or another file): it was left "
                          "untouched; move it aside (keep it for recovery) and start again",
                          path);

    sqlite3 *db = NULL;
    int64_t app = 0, uv = 0, tables = 0;
    int rc = sqlite3_open_v2(target ? target : path, &db,
                             SQLITE_OPEN_READONLY | (target ? SQLITE_OPEN_URI : 0), vfs);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, HL_STORE_BUSY_MS);
        rc = query_int(db, "PRAGMA application_id", &app);
    }
    if (rc == SQLITE_OK) rc = query_int(db, "PRAGMA user_version", &uv);
    if (rc == SQLITE_OK)
        rc = query_int(db,
                       "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                       &tables);
    if (rc != SQLITE_OK) {
        int res = map_sqlite(rc, db ? sqlite3_system_errno(db) : 0, path, "inspecting the database",
                             db ? sqlite3_errmsg(db) : NULL, err);
        sqlite3_close(db);
        return res;
    }
    sqlite3_close(db);

    if (app == HL_STORE_APP_ID) {
        if (uv > HL_STORE_SCHEMA_VERSION)
            return hl_err_set(err, HL_ERR_CORRUPT,
                              "%s was written by a newer hailong (schema %lld, this build knows "
                              "%d): it was left untouched; install the newer firmware, or move "
                              "it aside to start a new one",
                              path, (long long)uv, HL_STORE_SCHEMA_VERSION);
        if (uv < 1 && tables > 0)
            return hl_err_set(err, HL_ERR_CORRUPT,
                              "%s has hailong's id but no schema version: it was left "
                              "untouched; move it aside (keep it for recovery) and start again",
                              path);
    } else if (app != 0 || uv != 0 || tables > 0) {
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s belongs to another program (application_id 0x%08llx, "
                          "user_version %lld, %lld tables): it was left untouched; move it "
                          "aside and start again",
                          path, (unsigned long long)(uint32_t)app, (long long)uv,
                          (long long)tables);
    }
    *version = (int)uv;
    return HL_OK;
}

/* Applies the migration steps from the file's version to ours in one
 * transaction, then stamps application_id and user_version. */
static int store_migrate(hl_store_t *st, hl_err_t *err)
{
    int rc = exec_sql(st, "BEGIN IMMEDIATE", "starting the schema upgrade", err);
    if (rc != HL_OK) return rc;
    int64_t uv = 0, app = 0;
    int src = query_int(st->db, "PRAGMA user_version", &uv);
    if (src == SQLITE_OK) src = query_int(st->db, "PRAGMA application_id", &app);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "reading the schema version", err);
        goto fail;
    }
    if (uv > HL_STORE_SCHEMA_VERSION || uv < 0 || (app != 0 && app != HL_STORE_APP_ID)) {
        rc = hl_err_set(err, HL_ERR_CORRUPT,
                        "%s changed while opening (schema %lld, application_id 0x%08llx): move "
                        "it aside and start again",
                        st->path, (long long)uv, (unsigned long long)(uint32_t)app);
        goto fail;
    }
    if (uv == HL_STORE_SCHEMA_VERSION && app == HL_STORE_APP_ID) {
        rollback_quietly(st);
        return HL_OK;
    }
    for (int64_t v = uv; v < HL_STORE_SCHEMA_VERSION; v++) {
        char what[96];
        snprintf(what, sizeof what, "upgrading the database schema from %lld to %lld", (long long)v,
                 (long long)v + 1);
        rc = exec_sql(st, migrations[v], what, err);
        if (rc != HL_OK) goto fail;
    }
    char stamp[96];
    snprintf(stamp, sizeof stamp, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             HL_STORE_APP_ID, HL_STORE_SCHEMA_VERSION);
    rc = exec_sql(st, stamp, "stamping the schema version", err);
    if (rc != HL_OK) goto fail;
    rc = exec_sql(st, "COMMIT", "committing the schema upgrade", err);
    if (rc != HL_OK) goto fail;
    return HL_OK;
fail:
    rollback_quietly(st);
    return rc;
}

/* Finishes responses a crash or power cut left in progress as partial. */
static int store_recover(hl_store_t *st, int64_t *recovered, hl_err_t *err)
{
    int rc = exec_sql(st, "BEGIN IMMEDIATE", "starting recovery", err);
    if (rc != HL_OK) return rc;
    /* A response without answers is never stored; remove any left by an
     * older build so that it is not counted. */
    rc = exec_sql(st,
                  "DELETE FROM responses WHERE status = 0 AND NOT EXISTS"
                  " (SELECT 1 FROM answers a WHERE a.id BETWEEN responses.seq * 64"
                  " AND responses.seq * 64 + 63)",
                  "removing empty responses", err);
    if (rc != HL_OK) goto fail;
    rc = exec_sql(st,
                  "UPDATE responses SET status = 2, finish_reason = 'recovered',"
                  " finished_utc_ms = started_utc_ms + coalesce((SELECT max(ms) FROM answers a"
                  " WHERE a.id BETWEEN responses.seq * 64 AND responses.seq * 64 + 63), 0)"
                  " WHERE status = 0",
                  "finishing responses cut off by a restart", err);
    if (rc != HL_OK) goto fail;
    int64_t n = sqlite3_changes64(st->db);
    rc = exec_sql(st, "COMMIT", "committing recovery", err);
    if (rc != HL_OK) goto fail;
    if (recovered) *recovered = n;
    return HL_OK;
fail:
    rollback_quietly(st);
    return rc;
}

/* Per-connection settings. page_size only matters for a new file. */
static int store_configure(hl_store_t *st, hl_err_t *err)
{
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, HL_STORE_BUSY_MS);
    char sql[256];
    if (st->read_only) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", st->cache_kib);
        return exec_sql(st, sql, "configuring the database", err);
    }
    snprintf(sql, sizeof sql,
             "PRAGMA page_size = %d; PRAGMA cache_size = -%d; PRAGMA foreign_keys = ON;"
             " PRAGMA journal_size_limit = %d",
             HL_STORE_PAGE_SIZE, st->cache_kib, HL_STORE_WAL_LIMIT);
    int rc = exec_sql(st, sql, "configuring the database", err);
    if (rc != HL_OK) return rc;

    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        if (!mode || strcmp(mode, "wal") != 0) {
            sqlite3_finalize(s);
            return hl_err_set(err, HL_ERR_IO,
                              "%s: the file system does not support SQLite's WAL mode (got "
                              "\"%s\"): put the data directory on a local disk",
                              st->path, mode ? mode : "?");
        }
        src = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (src != SQLITE_OK) return store_fail(st, src, "switching to WAL mode", err);
    /* synchronous is per connection and must follow journal_mode. */
    return exec_sql(st, "PRAGMA synchronous = FULL", "configuring the database", err);
}

int hl_store_open(const char *data_dir, const hl_store_opts_t *opts, hl_store_t **out,
                  int64_t *recovered, hl_err_t *err)
{
    const char *vfs = opts ? opts->vfs : NULL;
    bool ro = opts ? opts->read_only : false;
    int rc = HL_OK;
    if (out) *out = NULL;
    if (recovered) *recovered = 0;
    if (!data_dir || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_open: missing argument");

    hl_store_t *st = calloc(1, sizeof *st);
    if (!st) return hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
    st->lock_fd = -1;
    st->read_only = ro;
    st->cache_kib = opts && opts->cache_kib > 0 ? opts->cache_kib : HL_STORE_CACHE_KIB;
    char *target = NULL; /* read-only stores: the URI SQLite opens (ro_target) */
    bool wal_pending = false;
    st->path = path_join(data_dir, HL_STORE_FILE);
    if (!st->path) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory opening the store");
        goto fail;
    }
    if (!ro) {
        /* In this order: nothing is written (recovery least of all) before
         * this process is known to be the folder's only writer. */
        rc = make_dirs(data_dir, err);
        if (rc == HL_OK) rc = check_writable(data_dir, st->path, err);
        if (rc == HL_OK) rc = lock_take(st, data_dir, err);
        if (rc != HL_OK) goto fail;
    } else {
        rc = ro_target(data_dir, st->path, &target, &wal_pending, err);
        if (rc != HL_OK) goto fail;
    }
    /* A link is never followed: SQLite would put -wal and -shm beside the
     * link, not the file, and the identity check below could not hold. */
    struct stat lsb;
    if (lstat(st->path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
        rc = hl_err_set(err, HL_ERR_USAGE,
                        "%s is a symbolic link: the database is never opened through a link; set "
                        "the data folder (--data-dir or HAILONG_DATA_DIR) to the real folder "
                        "holding the file instead",
                        st->path);
        goto fail;
    }
    bool exists;
    int version;
    rc = store_inspect(st->path, target, vfs, &exists, &version, err);
    if (rc != HL_OK) goto fail;
    if (ro && !exists) {
        rc = hl_err_set(err, HL_ERR_NOT_FOUND, "no database at %s: nothing has been stored yet",
                        st->path);
        goto fail;
    }
    if (ro && version != HL_STORE_SCHEMA_VERSION) {
        rc = hl_err_set(err, HL_ERR_STATE,
                        "%s has schema version %d, not %d: start the kiosk once so that it "
                        "upgrades the database, then retry",
                        st->path, version, HL_STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (!exists) {
        /* Created here so that the file (and SQLite's -wal/-shm, which copy
         * its mode) is 0640 rather than SQLite's 0644. */
        int fd = open(st->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0 && errno != EEXIST) {
            int e = errno;
            rc = hl_err_set(err, errno_code(e), "cannot create %s: %s (check the data folder)",
                            st->path, strerror(e));
            goto fail;
        }
        if (fd >= 0) {
            (void)fchmod(fd, 0640);
            close(fd);
            fsync_dir(data_dir);
        }
    }

    int flags = (ro ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI : SQLITE_OPEN_READWRITE) |
                SQLITE_OPEN_NOFOLLOW;
    int src = sqlite3_open_v2(ro ? target : st->path, &st->db, flags, vfs);
    if (src != SQLITE_OK) {
        rc = st->db ? store_fail(st, src, "opening the database", err)
                    : hl_err_set(err, HL_ERR_NOMEM, "out of memory opening %s", st->path);
        goto fail;
    }
    rc = store_configure(st, err);
    if (rc != HL_OK) goto fail;
    if (!ro) {
        rc = store_migrate(st, err);
        if (rc != HL_OK) goto fail;
        rc = store_recover(st, recovered, err);
        if (rc != HL_OK) goto fail;
        /* The file SQLite has open (just opened, a link refused): what
         * hl_store_check_file compares with. */
        struct stat fsb;
        if (lstat(st->path, &fsb) == 0 && S_ISREG(fsb.st_mode)) {
            st->file_known = true;
            st->file_dev = fsb.st_dev;
            st->file_ino = fsb.st_ino;
        }
    }
    free(target);
    hl_err_clear(err);
    *out = st;
    return HL_OK;
fail:
    if (wal_pending && (rc == HL_ERR_IO || rc == HL_ERR_READONLY))
        rc = hl_err_set(err, HL_ERR_READONLY,
                        "%s-wal holds changes not yet merged into %s, and the folder %s is "
                        "read-only, so SQLite cannot read them here: remount it read-write (or "
                        "copy the folder to a writable disk) and retry",
                        st->path, st->path, data_dir);
    free(target);
    hl_store_close(st);
    return rc;
}

void hl_store_close(hl_store_t *st)
{
    if (!st) return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    if (st->db) {
        rollback_quietly(st); /* an unfinished batch is not kept */
        if (!st->read_only)
            sqlite3_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(st->db);
    }
    if (st->lock_fd >= 0) close(st->lock_fd); /* releases the flock */
    free(st->qids);
    free(st->path);
    free(st);
}

const char *hl_store_path(const hl_store_t *st)
{
    return st->path;
}

const char *hl_store_sqlite_version(void)
{
    return sqlite3_libversion();
}

/* ---- Surveys ------------------------------------------------------------- */

static bool id_valid(const char *s, size_t max, bool dash)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dash && c == '-')))
            return false;
    }
    return n >= 1 && n <= max;
}

int hl_store_use_survey(hl_store_t *st, const hl_survey_t *s, const char *kiosk_id, hl_err_t *err)
{
    if (!st || !s || !kiosk_id)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_use_survey: missing argument");
    if (st->read_only) return hl_err_set(err, HL_ERR_READONLY, "the store was opened read-only");
    if (strlen(s->sha256) != 64)
        return hl_err_set(err, HL_ERR_USAGE, "survey %s has no SHA-256", s->id);
    if (!id_valid(s->id, HL_SURVEY_ID_MAX, true) || !id_valid(kiosk_id, HL_SURVEY_ID_MAX, true))
        return hl_err_set(err, HL_ERR_USAGE, "bad survey id \"%s\" or kiosk id \"%s\"", s->id,
                          kiosk_id);
    if (s->n_questions == 0 || s->n_questions > HL_MAX_QUESTIONS)
        return hl_err_set(err, HL_ERR_USAGE, "survey %s has %zu questions", s->id, s->n_questions);

    int rc = HL_OK;
    char *qids = NULL;
    char(*ids)[HL_ITEM_ID_MAX + 1] = calloc(s->n_questions, sizeof *ids);
    size_t qlen = 0;
    qids = malloc(s->n_questions * (HL_ITEM_ID_MAX + 1) + 1);
    if (!ids || !qids) {
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory registering survey %s", s->id);
        goto done;
    }
    for (size_t i = 0; i < s->n_questions; i++) {
        const char *q = s->questions[i].id;
        if (!id_valid(q, HL_ITEM_ID_MAX, false)) {
            rc = hl_err_set(err, HL_ERR_USAGE, "survey %s: bad question id \"%s\"", s->id, q);
            goto done;
        }
        memcpy(ids[i], q, strlen(q) + 1);
        if (i) qids[qlen++] = ',';
        memcpy(qids + qlen, q, strlen(q));
        qlen += strlen(q);
    }
    qids[qlen] = '\0';

    /* Known by its SHA-256: registered before (the same file again). Else a
     * new file, unless its id and version are already stored with other
     * content: rows would then disagree about what "version N" asked. */
    sqlite3_stmt *ins = NULL, *sel = NULL, *same = NULL;
    int src = sqlite3_prepare_v2(
        st->db, "SELECT sid, survey_id, version FROM surveys WHERE sha256 = ?1", -1, &sel, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(st->db,
                                 "SELECT sha256 FROM surveys WHERE survey_id = ?1 AND version = ?2"
                                 " ORDER BY sid DESC LIMIT 1",
                                 -1, &same, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(st->db,
                                 "INSERT INTO surveys(sha256, survey_id, version, qids, source)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5)",
                                 -1, &ins, NULL);
    int64_t sid = 0;
    if (src == SQLITE_OK) {
        sqlite3_bind_text(sel, 1, s->sha256, -1, SQLITE_STATIC);
        src = sqlite3_step(sel);
    }
    if (src == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(sel, 1), s->id) != 0 ||
            sqlite3_column_int64(sel, 2) != s->version)
            rc = hl_err_set(err, HL_ERR_STATE,
                            "survey %s v%lld has the same SHA-256 as stored survey %s v%lld", s->id,
                            (long long)s->version, sqlite3_column_text(sel, 1),
                            (long long)sqlite3_column_int64(sel, 2));
        else
            sid = sqlite3_column_int64(sel, 0);
    } else if (src == SQLITE_DONE) {
        sqlite3_bind_text(same, 1, s->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(same, 2, s->version);
        src = sqlite3_step(same);
        if (src == SQLITE_ROW) {
            const char *old = (const char *)sqlite3_column_text(same, 0);
            rc = hl_err_set(err, HL_ERR_INVALID,
                            "survey \"%s\" version %lld is already stored with different "
                            "content (sha256 %.12s…); the file %s changed without a new "
                            "version: bump \"version\" in it",
                            s->id, (long long)s->version, old ? old : "?",
                            s->file ? s->file : "of the survey");
        } else if (src == SQLITE_DONE) {
            sqlite3_bind_text(ins, 1, s->sha256, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, s->id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, s->version);
            sqlite3_bind_text(ins, 4, qids, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, s->source ? s->source : "",
                              s->source ? (int)s->source_len : 0, SQLITE_STATIC);
            src = sqlite3_step(ins);
            if (src == SQLITE_DONE) sid = sqlite3_last_insert_rowid(st->db);
        }
    }
    if (rc == HL_OK && sid == 0) {
        rc = store_fail(st, src, "registering the survey", err);
    } else if (rc == HL_OK) {
        st->survey_sid = sid;
        snprintf(st->survey_id, sizeof st->survey_id, "%s", s->id);
        snprintf(st->kiosk_id, sizeof st->kiosk_id, "%s", kiosk_id);
        free(st->qids);
        st->qids = ids;
        st->n_qids = s->n_questions;
        ids = NULL;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_finalize(same);
    if (rc != HL_OK && !st->in_batch) rollback_quietly(st);
done:
    free(ids);
    free(qids);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_set_duty(hl_store_t *st, const char *officer_id, const char *counter, hl_err_t *err)
{
    if (!st) return hl_err_set(err, HL_ERR_USAGE, "hl_store_set_duty: no store");
    if (officer_id && officer_id[0] && !id_valid(officer_id, HL_STORE_OFFICER_MAX, true))
        return hl_err_set(err, HL_ERR_USAGE,
                          "bad officer id \"%.40s\": use 1 to %d of a-z, 0-9, '_' and '-'",
                          officer_id, HL_STORE_OFFICER_MAX);
    if (counter && strlen(counter) > HL_STORE_COUNTER_MAX)
        return hl_err_set(err, HL_ERR_USAGE, "the counter name is %zu bytes (at most %d)",
                          strlen(counter), HL_STORE_COUNTER_MAX);
    snprintf(st->officer_id, sizeof st->officer_id, "%s", officer_id ? officer_id : "");
    snprintf(st->counter, sizeof st->counter, "%s", counter ? counter : "");
    hl_err_clear(err);
    return HL_OK;
}

/* ---- Saving --------------------------------------------------------------- */

static int tx_begin(hl_store_t *st, hl_err_t *err)
{
    if (st->in_batch) return run_cached(st, ST_SAVEPOINT, "starting a save in a batch", err);
    return run_cached(st, ST_BEGIN, "starting a save", err);
}

static int tx_commit(hl_store_t *st, hl_err_t *err)
{
    if (st->in_batch) return run_cached(st, ST_RELEASE, "finishing a save in a batch", err);
    return run_cached(st, ST_COMMIT, "committing a save", err);
}

static void tx_rollback(hl_store_t *st)
{
    if (!st->in_batch) {
        rollback_quietly(st);
        return;
    }
    if (sqlite3_get_autocommit(st->db)) {
        st->batch_lost = true; /* SQLite undid the whole batch */
        return;
    }
    sqlite3_exec(st->db, "ROLLBACK TO hl_save; RELEASE hl_save", NULL, NULL, NULL);
}

/* Position of qid in the survey in use, or -1. */
static int qid_slot(const hl_store_t *st, const char *qid)
{
    for (size_t i = 0; i < st->n_qids; i++)
        if (strcmp(st->qids[i], qid) == 0) return (int)i;
    return -1;
}

static int save_check(const hl_store_t *st, const hl_response_t *resp, const hl_save_t *save,
                      hl_err_t *err)
{
    if (st->read_only) return hl_err_set(err, HL_ERR_READONLY, "the store was opened read-only");
    if (!st->survey_sid)
        return hl_err_set(err, HL_ERR_STATE, "no survey registered: call hl_store_use_survey");
    if (st->batch_lost)
        return hl_err_set(err, HL_ERR_STATE, "the batch was rolled back after an error: end it");
    if (save->set_qid) {
        if (qid_slot(st, save->set_qid) < 0)
            return hl_err_set(err, HL_ERR_USAGE, "question \"%s\" is not in survey %s",
                              save->set_qid, st->survey_id);
        if (!save->set_value || !save->set_value[0] || strlen(save->set_value) >= HL_VALUE_MAX)
            return hl_err_set(err, HL_ERR_USAGE, "answer to %s is empty or too long",
                              save->set_qid);
    }
    if (save->n_drop && !save->drop_qids)
        return hl_err_set(err, HL_ERR_USAGE, "n_drop without drop_qids");
    if (save->status != HL_RESP_IN_PROGRESS && save->status != HL_RESP_COMPLETE &&
        save->status != HL_RESP_PARTIAL)
        return hl_err_set(err, HL_ERR_USAGE, "unknown response status %d", (int)save->status);
    if (resp->seq < 0) return hl_err_set(err, HL_ERR_USAGE, "negative response seq");
    if (resp->seq == 0 && strlen(resp->uuid) != HL_UUID_LEN)
        return hl_err_set(err, HL_ERR_USAGE, "response has no UUID");
    return HL_OK;
}

/* What our rules refuse, found before a statement changes anything, so that
 * it is HL_ERR_STATE rather than a SQLite integrity error: a response that is
 * not stored or already finished, and an answer to a response started with
 * another version of the survey (question positions differ, so the answer
 * could take another question's place). Drops and finishing do not depend
 * on positions. */
static int save_precheck(hl_store_t *st, const hl_save_t *save, int64_t seq, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc = stmt_get(st, ST_RESPONSE_STATE, &s, err);
    if (rc != HL_OK) return rc;
    sqlite3_bind_int64(s, 1, seq);
    int src = sqlite3_step(s);
    int64_t sid = src == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    int status = src == SQLITE_ROW ? sqlite3_column_int(s, 1) : -1;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (src == SQLITE_DONE)
        return hl_err_set(err, HL_ERR_STATE,
                          "response %lld is not stored (it was removed): start a new response",
                          (long long)seq);
    if (src != SQLITE_ROW) return store_fail(st, src, "reading the response", err);
    if (status != HL_RESP_IN_PROGRESS)
        return hl_err_set(err, HL_ERR_STATE,
                          "response %lld is already finished (%s): a finished response cannot "
                          "change",
                          (long long)seq, hl_resp_status_name((hl_resp_status_t)status));
    if (save->set_qid && sid != st->survey_sid)
        return hl_err_set(err, HL_ERR_STATE,
                          "response %lld was started with another version of survey %s: finish "
                          "it as partial and start a new response",
                          (long long)seq, st->survey_id);
    return HL_OK;
}

static int chain_pending(hl_store_t *st, hl_err_t *err);

/* The statements of one save, inside its transaction or savepoint.
 * *seq is the response (0: create it, then set), *removed tells whether the
 * response was left without answers and removed. */
static int save_apply(hl_store_t *st, const hl_response_t *resp, const hl_save_t *save,
                      int64_t *seq, bool *removed, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int rc;
    char what[128];
    bool created = false;
    *removed = false;
    if (*seq != 0 && (rc = save_precheck(st, save, *seq, err)) != HL_OK) return rc;
    if (*seq == 0) {
        if ((rc = stmt_get(st, ST_INSERT_RESPONSE, &s, err)) != HL_OK) return rc;
        sqlite3_bind_text(s, 1, resp->uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, st->kiosk_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, st->survey_sid);
        sqlite3_bind_text(s, 4, hl_lang_code(resp->lang), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, resp->started_utc_ms);
        sqlite3_bind_int(s, 6, resp->clock_trusted ? 1 : 0);
        if (st->officer_id[0]) sqlite3_bind_text(s, 7, st->officer_id, -1, SQLITE_STATIC);
        if (st->counter[0]) sqlite3_bind_text(s, 8, st->counter, -1, SQLITE_STATIC);
        if (save->suspect && save->suspect[0])
            sqlite3_bind_text(s, 9, save->suspect, -1, SQLITE_STATIC);
        if ((rc = stmt_done(st, s, "creating the response", err)) != HL_OK) return rc;
        *seq = sqlite3_last_insert_rowid(st->db);
        created = true;
    }
    if (save->set_qid) {
        if ((rc = stmt_get(st, ST_UPSERT_ANSWER, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        sqlite3_bind_text(s, 2, save->set_qid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, save->set_value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, save->set_ms);
        sqlite3_bind_int(s, 5, qid_slot(st, save->set_qid));
        snprintf(what, sizeof what, "saving the answer to %s of response %lld", save->set_qid,
                 (long long)*seq);
        if ((rc = stmt_done(st, s, what, err)) != HL_OK) return rc;
        /* save_precheck made sure the positions match: a slot taken by
         * another question means the rows do not match the survey. */
        if (sqlite3_changes(st->db) != 1)
            return hl_err_set(err, HL_ERR_INTERNAL,
                              "the answer to %s of response %lld would take another question's "
                              "place in %s: its rows do not match survey %s (a bug in hailong, "
                              "or the file was changed by another program); please report it",
                              save->set_qid, (long long)*seq, st->path, st->survey_id);
    }
    if (save->n_drop) {
        if ((rc = stmt_get(st, ST_DELETE_ANSWER, &s, err)) != HL_OK) return rc;
        for (size_t i = 0; i < save->n_drop; i++) {
            sqlite3_bind_int64(s, 1, *seq);
            sqlite3_bind_text(s, 2, save->drop_qids[i], -1, SQLITE_STATIC);
            snprintf(what, sizeof what, "dropping the answer to %.40s of response %lld",
                     save->drop_qids[i], (long long)*seq);
            if ((rc = stmt_done(st, s, what, err)) != HL_OK) return rc;
        }
        if ((rc = stmt_get(st, ST_HAS_ANSWERS, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        int src = sqlite3_step(s);
        bool any = src == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
        sqlite3_reset(s);
        if (src != SQLITE_ROW) return store_fail(st, src, "checking the answers left", err);
        if (!any) {
            if ((rc = stmt_get(st, ST_DELETE_RESPONSE, &s, err)) != HL_OK) return rc;
            sqlite3_bind_int64(s, 1, *seq);
            if ((rc = stmt_done(st, s, "removing the response left without answers", err)))
                return rc;
            *removed = true;
            return HL_OK;
        }
    }
    if (!created && resp->lang != resp->stored_lang) {
        if ((rc = stmt_get(st, ST_UPDATE_LANG, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        sqlite3_bind_text(s, 2, hl_lang_code(resp->lang), -1, SQLITE_STATIC);
        if ((rc = stmt_done(st, s, "saving the language", err)) != HL_OK) return rc;
    }
    if (save->status != HL_RESP_IN_PROGRESS) {
        if ((rc = stmt_get(st, ST_FINISH_RESPONSE, &s, err)) != HL_OK) return rc;
        sqlite3_bind_int64(s, 1, *seq);
        sqlite3_bind_int(s, 2, (int)save->status);
        sqlite3_bind_int64(s, 3, save->finished_utc_ms);
        sqlite3_bind_text(s, 4, save->status == HL_RESP_COMPLETE ? "complete" : "timeout", -1,
                          SQLITE_STATIC);
        if ((rc = stmt_done(st, s, "finishing the response", err)) != HL_OK) return rc;
        if (sqlite3_changes(st->db) != 1)
            return hl_err_set(err, HL_ERR_STATE, "response %lld is missing or already finished",
                              (long long)*seq);
        /* Chained in the same transaction (without a key: later, by
         * hl_store_set_signer). */
        if (st->signer && (rc = chain_pending(st, err)) != HL_OK) return rc;
    }
    return HL_OK;
}

int hl_store_check_file(hl_store_t *st, hl_err_t *err)
{
    if (!st || !st->file_known) return HL_OK;
    struct stat sb;
    if (lstat(st->path, &sb) != 0) {
        int e = errno;
        if (e == ENOENT)
            return hl_err_set(err, HL_ERR_CORRUPT,
                              "%s was deleted while the kiosk was running: answers would go into "
                              "the deleted file, so none is taken; restart the kiosk (it starts "
                              "a new file) and find out who removed it",
                              st->path);
        return hl_err_set(err, errno_code(e), "cannot look at %s: %s", st->path, strerror(e));
    }
    if (sb.st_dev != st->file_dev || sb.st_ino != st->file_ino)
        return hl_err_set(err, HL_ERR_CORRUPT,
                          "%s was replaced by another file while the kiosk was running: answers "
                          "would go into the old one, so none is taken; restart the kiosk so "
                          "that it opens the file now there",
                          st->path);
    return HL_OK;
}

int hl_store_save(hl_store_t *st, hl_response_t *resp, const hl_save_t *save, hl_err_t *err)
{
    if (!st || !resp || !save) return hl_err_set(err, HL_ERR_USAGE, "hl_store_save: no argument");
    int rc = save_check(st, resp, save, err);
    /* Before each commit: an answer is never stored in a file that is gone. */
    if (rc == HL_OK) rc = hl_store_check_file(st, err);
    if (rc != HL_OK) return rc;
    if (resp->seq == 0 && !save->set_qid) {
        /* Nothing stored yet and nothing to store: the response stays absent. */
        hl_err_clear(err);
        return HL_OK;
    }
    rc = tx_begin(st, err);
    if (rc != HL_OK) {
        tx_rollback(st);
        return rc;
    }
    int64_t seq = resp->seq;
    bool removed = false;
    rc = save_apply(st, resp, save, &seq, &removed, err);
    if (rc == HL_OK) rc = tx_commit(st, err);
    if (rc != HL_OK) {
        tx_rollback(st);
        return rc;
    }
    resp->seq = removed ? 0 : seq;
    resp->stored_lang = resp->lang;
    hl_err_clear(err);
    return HL_OK;
}

static int sink_save(void *ctx, hl_response_t *resp, const hl_save_t *save, hl_err_t *err)
{
    return hl_store_save(ctx, resp, save, err);
}

hl_sink_t hl_store_sink(hl_store_t *st)
{
    hl_sink_t s = {sink_save, st};
    return s;
}

int hl_store_batch_begin(hl_store_t *st, hl_err_t *err)
{
    if (st->read_only) return hl_err_set(err, HL_ERR_READONLY, "the store was opened read-only");
    if (st->in_batch) return hl_err_set(err, HL_ERR_STATE, "a batch is already open");
    int rc = run_cached(st, ST_BEGIN, "starting a batch", err);
    if (rc != HL_OK) {
        rollback_quietly(st);
        return rc;
    }
    st->in_batch = true;
    st->batch_lost = false;
    return HL_OK;
}

int hl_store_batch_end(hl_store_t *st, hl_err_t *err)
{
    if (!st->in_batch) return hl_err_set(err, HL_ERR_STATE, "no batch is open");
    st->in_batch = false;
    if (st->batch_lost) {
        st->batch_lost = false;
        rollback_quietly(st);
        return hl_err_set(err, HL_ERR_IO,
                          "the batch was rolled back by an earlier error: none of it is stored");
    }
    int rc = run_cached(st, ST_COMMIT, "committing a batch", err);
    if (rc != HL_OK) rollback_quietly(st);
    return rc;
}

/* ---- Reading -------------------------------------------------------------- */

/* The answers of one response, copied while the answers cursor moves on. */
typedef struct hl_answer_buf {
    char *text;        /* owned: "qid\0value\0" pairs */
    size_t len, cap;   /* bytes used / allocated in text */
    size_t *off;       /* owned: offset of each qid in text */
    const char **qids; /* owned: pointers into text, made after collecting */
    const char **vals; /* owned: likewise */
    int64_t *ms;       /* owned: ms of each answer */
    size_t n, ncap;    /* answers held / slots allocated */
} hl_answer_buf_t;

static bool abuf_add(hl_answer_buf_t *b, const char *qid, size_t qlen, const char *val, size_t vlen,
                     int64_t ms)
{
    if (b->n == b->ncap) {
        size_t nc = b->ncap ? b->ncap * 2 : 64;
        size_t *off = realloc(b->off, nc * sizeof *off);
        if (off) b->off = off;
        const char **q = realloc(b->qids, nc * sizeof *q);
        if (q) b->qids = q;
        const char **v = realloc(b->vals, nc * sizeof *v);
        if (v) b->vals = v;
        int64_t *m = realloc(b->ms, nc * sizeof *m);
        if (m) b->ms = m;
        if (!off || !q || !v || !m) return false;
        b->ncap = nc;
    }
    size_t need = qlen + vlen + 2;
    if (b->len + need > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (b->len + need > nc)
            nc *= 2;
        char *t = realloc(b->text, nc);
        if (!t) return false;
        b->text = t;
        b->cap = nc;
    }
    b->off[b->n] = b->len;
    memcpy(b->text + b->len, qid, qlen);
    b->text[b->len + qlen] = '\0';
    memcpy(b->text + b->len + qlen + 1, val, vlen);
    b->text[b->len + qlen + 1 + vlen] = '\0';
    b->len += need;
    b->ms[b->n] = ms;
    b->n++;
    return true;
}

/* Points qids/vals into text and sorts the answers by question id (they
 * come in survey order; at most a few dozen: insertion sort). */
static void abuf_sort(hl_answer_buf_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const char *q = b->text + b->off[i];
        const char *v = q + strlen(q) + 1;
        int64_t ms = b->ms[i];
        size_t j = i;
        for (; j > 0 && strcmp(b->qids[j - 1], q) > 0; j--) {
            b->qids[j] = b->qids[j - 1];
            b->vals[j] = b->vals[j - 1];
            b->ms[j] = b->ms[j - 1];
        }
        b->qids[j] = q;
        b->vals[j] = v;
        b->ms[j] = ms;
    }
}

static void abuf_free(hl_answer_buf_t *b)
{
    free(b->text);
    free(b->off);
    free(b->qids);
    free(b->vals);
    free(b->ms);
}

/* The SQL lower bound of a pending scan: everything up to the watermark is
 * delivered (0 if another program removed the row: all finished responses
 * are then looked at). */
#define SYNC_UPTO_SQL "coalesce((SELECT upto FROM sync_state WHERE id = 1), 0)"
/* A finished response r not delivered yet. */
#define SYNC_PENDING_SQL(r)                                                                        \
    r ".status <> 0 AND NOT EXISTS (SELECT 1 FROM sync_delivered d WHERE d.seq = " r ".seq)"

/* A row as walk_responses hands it to cb, with what hl_row_t does not
 * carry: callbacks inside this file get back to it from the row (its first
 * member). */
typedef struct hl_row_ext {
    hl_row_t row;          /* first: cb gets &ext.row */
    const char *chain_key; /* the key id that made row.chain, NULL when not chained */
    const char *chain_sig; /* the device key's signature of row.chain, NULL: none */
} hl_row_ext_t;

/* The walk behind hl_store_foreach and hl_store_foreach_pending: responses
 * with seq > after (an SQL expression that may use ?1 = after_seq; the
 * answers cursor starts after it too) of survey ?2 (NULL: all) that match
 * filter (SQL on r, "" for none), in seq order, at most limit (-1: all).
 * The answers come from a cursor that runs beside the responses (a merge:
 * fastest for a whole export), or, with seek, from a lookup per response
 * (a filter that skips many responses then costs nothing: a pending scan
 * behind one response the server never confirms). */
static int walk_responses(hl_store_t *st, const char *after, const char *filter,
                          const char *survey_id, int64_t after_seq, int64_t limit, bool seek,
                          int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err)
{
    sqlite3_stmt *rs = NULL, *as = NULL;
    hl_answer_buf_t ab = {0};
    int rc = HL_OK;
    char rsql[1024], asql[256];
    /* CROSS JOIN keeps responses as the outer loop, read in seq order. */
    snprintf(rsql, sizeof rsql,
             "SELECT r.seq, r.uuid, r.kiosk_id, s.survey_id, s.version, s.sha256, r.lang,"
             " r.started_utc_ms, r.finished_utc_ms, r.status, r.clock_trusted,"
             " r.officer_id, r.counter, r.suspect, r.chain, r.prev_chain, r.chain_key,"
             " r.chain_sig"
             " FROM responses r CROSS JOIN surveys s ON s.sid = r.survey"
             " WHERE r.seq > %s AND (?2 IS NULL OR s.survey_id = ?2)%s%s ORDER BY r.seq LIMIT ?3",
             after, filter[0] ? " AND " : "", filter);
    if (seek)
        snprintf(asql, sizeof asql,
                 "SELECT seq, qid, value, ms FROM answers"
                 " WHERE id BETWEEN ?1 * 64 AND ?1 * 64 + 63 ORDER BY id");
    else
        snprintf(asql, sizeof asql,
                 "SELECT seq, qid, value, ms FROM answers WHERE id > %s * 64 + 63 ORDER BY id",
                 after);
    int src = sqlite3_prepare_v2(st->db, rsql, -1, &rs, NULL);
    if (src == SQLITE_OK) src = sqlite3_prepare_v2(st->db, asql, -1, &as, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "reading responses", err);
        goto done;
    }
    sqlite3_bind_int64(rs, 1, after_seq);
    if (survey_id) sqlite3_bind_text(rs, 2, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(rs, 3, limit);
    sqlite3_bind_int64(as, 1, after_seq);

    /* A read transaction keeps both cursors on the same snapshot. */
    bool own_tx = sqlite3_get_autocommit(st->db);
    if (own_tx && (rc = exec_sql(st, "BEGIN", "reading responses", err)) != HL_OK) goto done;

    int ares = seek ? SQLITE_DONE : sqlite3_step(as); /* a merge runs ahead by one row */
    while ((src = sqlite3_step(rs)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(rs, 0);
        if (seek) {
            sqlite3_reset(as);
            sqlite3_bind_int64(as, 1, seq);
            ares = sqlite3_step(as);
        }
        ab.n = 0;
        ab.len = 0;
        while (ares == SQLITE_ROW) {
            int64_t aseq = sqlite3_column_int64(as, 0);
            if (aseq > seq) break;
            if (aseq == seq) {
                const char *q = (const char *)sqlite3_column_text(as, 1);
                size_t ql = (size_t)sqlite3_column_bytes(as, 1);
                const char *v = (const char *)sqlite3_column_text(as, 2);
                size_t vl = (size_t)sqlite3_column_bytes(as, 2);
                if (!q || !v || !abuf_add(&ab, q, ql, v, vl, sqlite3_column_int64(as, 3))) {
                    rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading answers");
                    goto end_tx;
                }
            }
            ares = sqlite3_step(as);
        }
        if (ares != SQLITE_ROW && ares != SQLITE_DONE) {
            rc = store_fail(st, ares, "reading answers", err);
            goto end_tx;
        }
        abuf_sort(&ab);
        hl_row_ext_t ext = {.chain_key = (const char *)sqlite3_column_text(rs, 16),
                            .chain_sig = (const char *)sqlite3_column_text(rs, 17)};
        ext.row = (hl_row_t){
            .seq = seq,
            .uuid = (const char *)sqlite3_column_text(rs, 1),
            .kiosk_id = (const char *)sqlite3_column_text(rs, 2),
            .survey_id = (const char *)sqlite3_column_text(rs, 3),
            .survey_version = sqlite3_column_int64(rs, 4),
            .survey_sha256 = (const char *)sqlite3_column_text(rs, 5),
            .lang = (const char *)sqlite3_column_text(rs, 6),
            .started_utc_ms = sqlite3_column_int64(rs, 7),
            .finished_utc_ms =
                sqlite3_column_type(rs, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(rs, 8),
            .status = (hl_resp_status_t)sqlite3_column_int(rs, 9),
            .clock_trusted = sqlite3_column_int(rs, 10) != 0,
            .officer_id = (const char *)sqlite3_column_text(rs, 11),
            .counter = (const char *)sqlite3_column_text(rs, 12),
            .suspect = (const char *)sqlite3_column_text(rs, 13),
            .chain = (const char *)sqlite3_column_text(rs, 14),
            .prev_chain = (const char *)sqlite3_column_text(rs, 15),
            .chain_sig = (const char *)sqlite3_column_text(rs, 17),
            .n_answers = ab.n,
            .qids = ab.qids,
            .values = ab.vals,
            .ms = ab.ms,
        };
        rc = cb(ctx, &ext.row);
        if (rc != HL_OK) goto end_tx;
    }
    if (src != SQLITE_DONE) rc = store_fail(st, src, "reading responses", err);
end_tx:
    sqlite3_reset(rs);
    sqlite3_reset(as);
    if (own_tx) sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
done:
    sqlite3_finalize(rs);
    sqlite3_finalize(as);
    abuf_free(&ab);
    return rc;
}

int hl_store_foreach(hl_store_t *st, const char *survey_id, int64_t after_seq,
                     int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err)
{
    return walk_responses(st, "?1", "", survey_id, after_seq, -1, false, cb, ctx, err);
}

int hl_store_foreach_pending(hl_store_t *st, int64_t limit,
                             int (*cb)(void *ctx, const hl_row_t *row), void *ctx, hl_err_t *err)
{
    if (!st || !cb) return hl_err_set(err, HL_ERR_USAGE, "hl_store_foreach_pending: no argument");
    if (limit <= 0)
        return hl_err_set(err, HL_ERR_USAGE,
                          "hl_store_foreach_pending: limit %lld is not a positive count",
                          (long long)limit);
    /* The watermark is read by both cursors inside walk_responses' read
     * transaction: one snapshot. */
    return walk_responses(st, SYNC_UPTO_SQL, SYNC_PENDING_SQL("r"), NULL, 0, limit, true, cb, ctx,
                          err);
}

void hl_store_free_ids(char **ids, size_t n)
{
    if (!ids) return;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

static bool ids_contain(char **ids, size_t n, const char *id, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(ids[i]) == len && memcmp(ids[i], id, len) == 0) return true;
    return false;
}

int hl_store_survey_columns(hl_store_t *st, const char *survey_id, char ***qids, size_t *n,
                            hl_err_t *err)
{
    *qids = NULL;
    *n = 0;
    if (!survey_id) return hl_err_set(err, HL_ERR_USAGE, "no survey id given");
    sqlite3_stmt *s = NULL;
    char **ids = NULL;
    size_t cnt = 0, cap = 0;
    int rc = HL_OK, src, versions = 0;
    /* Newest version first; the same version registered twice: the later. */
    src = sqlite3_prepare_v2(st->db,
                             "SELECT qids FROM surveys WHERE survey_id = ?1"
                             " ORDER BY version DESC, sid DESC",
                             -1, &s, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "reading survey versions", err);
        goto done;
    }
    sqlite3_bind_text(s, 1, survey_id, -1, SQLITE_STATIC);
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        versions++;
        const char *p = (const char *)sqlite3_column_text(s, 0);
        while (p && *p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len && !ids_contain(ids, cnt, p, len)) {
                if (cnt == cap) {
                    size_t nc = cap ? cap * 2 : 32;
                    char **t = realloc(ids, nc * sizeof *t);
                    if (!t) goto nomem;
                    ids = t;
                    cap = nc;
                }
                ids[cnt] = malloc(len + 1);
                if (!ids[cnt]) goto nomem;
                memcpy(ids[cnt], p, len);
                ids[cnt][len] = '\0';
                cnt++;
            }
            p = e ? e + 1 : p + len;
        }
    }
    if (src != SQLITE_DONE) {
        rc = store_fail(st, src, "reading survey versions", err);
        goto done;
    }
    if (versions == 0) {
        rc = hl_err_set(err, HL_ERR_NOT_FOUND,
                        "no responses or survey versions stored for survey id %s", survey_id);
        goto done;
    }
    *qids = ids;
    *n = cnt;
    ids = NULL;
    goto done;
nomem:
    rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading survey versions");
done:
    hl_store_free_ids(ids, cnt);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_survey_json(hl_store_t *st, const char *survey_id, char **json, hl_err_t *err)
{
    *json = NULL;
    if (!st || !survey_id) return hl_err_set(err, HL_ERR_USAGE, "no survey id given");
    sqlite3_stmt *s = NULL;
    int rc = HL_OK;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT source FROM surveys WHERE survey_id = ?1"
                                 " ORDER BY version DESC, sid DESC LIMIT 1",
                                 -1, &s, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_text(s, 1, survey_id, -1, SQLITE_STATIC);
        src = sqlite3_step(s);
    }
    if (src == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        *json = malloc(len + 1);
        if (!*json) {
            rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory reading survey %s", survey_id);
        } else {
            if (len) memcpy(*json, text, len);
            (*json)[len] = '\0';
        }
    } else if (src == SQLITE_DONE) {
        rc = hl_err_set(err, HL_ERR_NOT_FOUND, "no version of survey id %s is stored", survey_id);
    } else {
        rc = store_fail(st, src, "reading the survey file", err);
    }
    sqlite3_finalize(s);
    return rc;
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

int hl_store_stats(hl_store_t *st, hl_store_stats_t *out, hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int rc = HL_OK;
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT count(*), total(status = 1), total(status = 2), total(status = 0),"
        " coalesce(max(seq), 0), coalesce(min(started_utc_ms), -1),"
        " coalesce(max(finished_utc_ms), -1), total(clock_trusted = 0),"
        " (SELECT count(*) FROM answers), (SELECT count(DISTINCT survey_id) FROM surveys),"
        " (SELECT count(*) FROM exports), (SELECT coalesce(max(exported_at), -1) FROM exports),"
        " (SELECT coalesce(max(seq_last), 0) FROM exports)"
        " FROM responses",
        -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src != SQLITE_ROW) {
        rc = store_fail(st, src, "counting responses", err);
    } else {
        out->responses = sqlite3_column_int64(s, 0);
        out->complete = sqlite3_column_int64(s, 1);
        out->partial = sqlite3_column_int64(s, 2);
        out->in_progress = sqlite3_column_int64(s, 3);
        out->last_seq = sqlite3_column_int64(s, 4);
        out->first_started_utc_ms = sqlite3_column_int64(s, 5);
        out->last_finished_utc_ms = sqlite3_column_int64(s, 6);
        out->untrusted_clock = sqlite3_column_int64(s, 7);
        out->answers = sqlite3_column_int64(s, 8);
        out->n_surveys = sqlite3_column_int(s, 9);
        out->n_exports = sqlite3_column_int64(s, 10);
        out->last_export_utc_ms = sqlite3_column_int64(s, 11);
        out->exported_upto_seq = sqlite3_column_int64(s, 12);
        char wal[PATH_MAX];
        snprintf(wal, sizeof wal, "%s-wal", st->path);
        out->db_bytes = file_size(st->path) + file_size(wal);
    }
    sqlite3_finalize(s);
    return rc;
}

/* ---- Exports to sticks -------------------------------------------------------- */

int hl_store_record_export(hl_store_t *st, int64_t exported_utc_ms, int64_t seq_first,
                           int64_t seq_last, int64_t responses, const char *medium,
                           const char *folder, hl_err_t *err)
{
    if (!st) return hl_err_set(err, HL_ERR_USAGE, "hl_store_record_export: no store");
    if (st->read_only)
        return hl_err_set(err, HL_ERR_READONLY,
                          "the store was opened read-only: an export can only be recorded by "
                          "the program that writes the store (stop the kiosk, or export from "
                          "its screen)");
    if (st->in_batch)
        return hl_err_set(err, HL_ERR_STATE, "an export cannot be recorded inside a batch");
    if (seq_first < 1 || seq_first > seq_last || responses < 1)
        return hl_err_set(err, HL_ERR_USAGE,
                          "an export of %lld responses with seq %lld..%lld cannot be recorded: "
                          "only a bundle holding responses is recorded",
                          (long long)responses, (long long)seq_first, (long long)seq_last);
    sqlite3_stmt *s = NULL;
    int rc = run_cached(st, ST_BEGIN, "recording an export", err);
    if (rc != HL_OK) goto fail;
    int src = sqlite3_prepare_v2(st->db,
                                 "INSERT INTO exports(exported_at, seq_first, seq_last, responses,"
                                 " medium, folder) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                 -1, &s, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "recording an export", err);
        goto fail;
    }
    sqlite3_bind_int64(s, 1, exported_utc_ms);
    sqlite3_bind_int64(s, 2, seq_first);
    sqlite3_bind_int64(s, 3, seq_last);
    sqlite3_bind_int64(s, 4, responses);
    if (medium) sqlite3_bind_text(s, 5, medium, -1, SQLITE_STATIC);
    if (folder) sqlite3_bind_text(s, 6, folder, -1, SQLITE_STATIC);
    rc = stmt_done(st, s, "recording an export", err);
    if (rc != HL_OK) goto fail;
    rc = run_cached(st, ST_COMMIT, "committing the export record", err);
    if (rc != HL_OK) goto fail;
    sqlite3_finalize(s);
    hl_err_clear(err);
    return HL_OK;
fail:
    sqlite3_finalize(s);
    rollback_quietly(st);
    return rc;
}

int hl_store_exported_upto(hl_store_t *st, int64_t *seq, hl_err_t *err)
{
    *seq = 0;
    int src = query_int(st->db, "SELECT coalesce(max(seq_last), 0) FROM exports", seq);
    if (src != SQLITE_OK) return store_fail(st, src, "reading the recorded exports", err);
    return HL_OK;
}

int hl_store_export_range(hl_store_t *st, int64_t after_seq, hl_store_range_t *out, hl_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->upto = after_seq;
    sqlite3_stmt *s = NULL;
    /* One statement, one snapshot: the first open response after after_seq
     * bounds the range; without one, the highest stored seq does. */
    int src = sqlite3_prepare_v2(
        st->db,
        "WITH o AS (SELECT coalesce(min(seq), 0) AS open FROM responses"
        "   WHERE seq > ?1 AND status = 0),"
        " lim AS (SELECT open, max(?1, CASE WHEN open > 0 THEN open - 1"
        "   ELSE coalesce((SELECT max(seq) FROM responses), 0) END) AS upto FROM o)"
        " SELECT upto, (SELECT count(*) FROM responses WHERE seq > ?1 AND seq <= upto), open"
        " FROM lim",
        -1, &s, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, after_seq);
        src = sqlite3_step(s);
    }
    int rc = HL_OK;
    if (src == SQLITE_ROW) {
        out->upto = sqlite3_column_int64(s, 0);
        out->responses = sqlite3_column_int64(s, 1);
        out->in_progress_seq = sqlite3_column_int64(s, 2);
    } else {
        rc = store_fail(st, src, "finding the responses to export", err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* ---- Network sync ------------------------------------------------------------ */

#define SYNC_ERROR_MAX 511 /* bytes of last_error kept (hl_store_sync_t.last_error) */
#define SYNC_FP_MAX    64  /* bytes of a stop fingerprint (hex SHA-256) */

/* Copies a column's text into buf ("" for NULL), cut to fit. */
static void column_text_copy(sqlite3_stmt *s, int col, char *buf, size_t size)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    snprintf(buf, size, "%s", t ? t : "");
}

static int64_t column_ms(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, col);
}

int hl_store_sync_state(hl_store_t *st, hl_store_sync_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_sync_state: no argument");
    memset(out, 0, sizeof *out);
    out->oldest_pending_utc_ms = -1;
    out->last_attempt_utc_ms = -1;
    out->last_success_utc_ms = -1;
    out->last_error_utc_ms = -1;
    sqlite3_stmt *s = NULL;
    /* One statement, one snapshot. Pending responses come after the
     * watermark; delivered ones are counted by a trigger. */
    int src = sqlite3_prepare_v2(
        st->db,
        "WITH p AS (SELECT r.seq, r.finished_utc_ms FROM responses r"
        "   WHERE r.seq > " SYNC_UPTO_SQL " AND " SYNC_PENDING_SQL(
            "r") "),"
                 " o AS (SELECT seq, finished_utc_ms FROM p ORDER BY seq LIMIT 1)"
                 " SELECT (SELECT count(*) FROM p), x.delivered,"
                 " (SELECT seq FROM o), (SELECT finished_utc_ms FROM o),"
                 " x.last_attempt_utc_ms, x.last_success_utc_ms, x.last_error_utc_ms, x.last_error,"
                 " x.stopped_fingerprint"
                 " FROM (SELECT 1) LEFT JOIN sync_state x ON x.id = 1",
        -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    int rc = HL_OK;
    if (src == SQLITE_ROW) {
        out->pending = sqlite3_column_int64(s, 0);
        out->delivered = sqlite3_column_int64(s, 1);
        out->oldest_pending_seq = sqlite3_column_int64(s, 2); /* NULL: 0 */
        out->oldest_pending_utc_ms = column_ms(s, 3);
        out->last_attempt_utc_ms = column_ms(s, 4);
        out->last_success_utc_ms = column_ms(s, 5);
        out->last_error_utc_ms = column_ms(s, 6);
        column_text_copy(s, 7, out->last_error, sizeof out->last_error);
        column_text_copy(s, 8, out->stopped_fingerprint, sizeof out->stopped_fingerprint);
    } else {
        rc = store_fail(st, src, "reading the sync state", err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Length of text cut to at most max bytes without splitting a UTF-8
 * sequence (continuation bytes are 10xxxxxx). */
static size_t utf8_cut(const char *text, size_t max)
{
    size_t n = strlen(text);
    if (n <= max) return n;
    n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

int hl_store_sync_record(hl_store_t *st, const hl_store_sync_rec_t *rec, hl_err_t *err)
{
    if (!st || !rec) return hl_err_set(err, HL_ERR_USAGE, "hl_store_sync_record: no argument");
    if (st->read_only)
        return hl_err_set(err, HL_ERR_READONLY,
                          "the store was opened read-only: a sync attempt can only be recorded "
                          "by the program that writes the store (the kiosk)");
    if (st->in_batch)
        return hl_err_set(err, HL_ERR_STATE, "a sync attempt cannot be recorded inside a batch");
    if (rec->n_delivered && !rec->delivered)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_sync_record: n_delivered without seqs");
    if (rec->stop_fingerprint && strlen(rec->stop_fingerprint) > SYNC_FP_MAX)
        return hl_err_set(err, HL_ERR_USAGE,
                          "a sync config fingerprint of %zu bytes cannot be recorded (at most "
                          "%d)",
                          strlen(rec->stop_fingerprint), SYNC_FP_MAX);
    /* A failure without a reason still shows as an error. */
    const char *error = rec->success                  ? NULL
                        : rec->error && rec->error[0] ? rec->error
                                                      : "the attempt failed (no reason given)";

    sqlite3_stmt *mark = NULL, *upd = NULL;
    int rc = run_cached(st, ST_BEGIN, "recording a sync attempt", err);
    if (rc != HL_OK) goto fail;
    /* Unknown, in-progress and already delivered responses are no-ops. */
    int src = sqlite3_prepare_v2(st->db,
                                 "INSERT OR IGNORE INTO sync_delivered(seq, delivered_utc_ms)"
                                 " SELECT seq, ?1 FROM responses WHERE seq = ?2 AND status <> 0",
                                 -1, &mark, NULL);
    /* The watermark moves up to just before the first response after it that
     * is in progress or not delivered, or to the highest stored seq; never
     * down (a trigger makes sure). */
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(
            st->db,
            "UPDATE sync_state SET upto = max(upto, coalesce("
            "  (SELECT r.seq - 1 FROM responses r WHERE r.seq > sync_state.upto"
            "   AND (r.status = 0 OR NOT EXISTS"
            "   (SELECT 1 FROM sync_delivered d WHERE d.seq = r.seq)) ORDER BY r.seq LIMIT 1),"
            "  (SELECT max(seq) FROM responses), upto)),"
            " last_attempt_utc_ms = ?1,"
            " last_success_utc_ms = CASE WHEN ?2 THEN ?1 ELSE last_success_utc_ms END,"
            " last_error = ?3,"
            " last_error_utc_ms = CASE WHEN ?2 THEN NULL ELSE ?1 END,"
            " stopped_fingerprint = CASE WHEN ?4 THEN nullif(?5, '') ELSE stopped_fingerprint END"
            " WHERE id = 1",
            -1, &upd, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "recording a sync attempt", err);
        goto fail;
    }
    char what[96];
    for (size_t i = 0; i < rec->n_delivered; i++) {
        sqlite3_bind_int64(mark, 1, rec->at_utc_ms);
        sqlite3_bind_int64(mark, 2, rec->delivered[i]);
        snprintf(what, sizeof what, "marking response %lld as delivered",
                 (long long)rec->delivered[i]);
        rc = stmt_done(st, mark, what, err);
        if (rc != HL_OK) goto fail;
    }
    sqlite3_bind_int64(upd, 1, rec->at_utc_ms);
    sqlite3_bind_int(upd, 2, rec->success ? 1 : 0);
    if (error)
        sqlite3_bind_text(upd, 3, error, (int)utf8_cut(error, SYNC_ERROR_MAX), SQLITE_STATIC);
    sqlite3_bind_int(upd, 4, rec->stop_fingerprint ? 1 : 0);
    if (rec->stop_fingerprint) sqlite3_bind_text(upd, 5, rec->stop_fingerprint, -1, SQLITE_STATIC);
    rc = stmt_done(st, upd, "recording the sync attempt", err);
    if (rc != HL_OK) goto fail;
    if (sqlite3_changes(st->db) != 1) {
        rc = hl_err_set(err, HL_ERR_INTERNAL,
                        "%s has no sync state row: it was changed by another program (or this "
                        "is a bug in hailong); please report it with the file",
                        st->path);
        goto fail;
    }
    rc = run_cached(st, ST_COMMIT, "committing the sync attempt", err);
    if (rc != HL_OK) goto fail;
    sqlite3_finalize(mark);
    sqlite3_finalize(upd);
    hl_err_clear(err);
    return HL_OK;
fail:
    sqlite3_finalize(mark);
    sqlite3_finalize(upd);
    rollback_quietly(st);
    return rc;
}

/* ---- Technician mode ---------------------------------------------------------- */

#define TECH_EVENT_MAX  32   /* bytes of a log event word */
#define TECH_DETAIL_MAX 1024 /* bytes of a log detail kept */

/* Writes refused before any change: a read-only store, a batch. */
static int tech_write_check(const hl_store_t *st, const char *what, hl_err_t *err)
{
    if (st->read_only)
        return hl_err_set(err, HL_ERR_READONLY,
                          "the store was opened read-only: %s can only be recorded by the "
                          "program that writes the store (the kiosk)",
                          what);
    if (st->in_batch)
        return hl_err_set(err, HL_ERR_STATE, "%s cannot be recorded inside a batch", what);
    return HL_OK;
}

/* Runs one prepared write statement (bound by the caller) as its own
 * transaction; want_one: exactly one row must change. */
static int tech_commit(hl_store_t *st, sqlite3_stmt *s, bool want_one, const char *what,
                       hl_err_t *err)
{
    int rc = run_cached(st, ST_BEGIN, what, err);
    if (rc == HL_OK) rc = stmt_done(st, s, what, err);
    if (rc == HL_OK && want_one && sqlite3_changes(st->db) != 1)
        rc = hl_err_set(err, HL_ERR_INTERNAL,
                        "%s has no PIN state row: it was changed by another program (or this is "
                        "a bug in hailong); please report it with the file",
                        st->path);
    if (rc == HL_OK) rc = run_cached(st, ST_COMMIT, what, err);
    if (rc != HL_OK) rollback_quietly(st);
    return rc;
}

int hl_store_pin_get(hl_store_t *st, hl_pin_lock_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_pin_get: no argument");
    hl_pin_lock_init(out);
    sqlite3_stmt *s = NULL;
    int src =
        sqlite3_prepare_v2(st->db,
                           "SELECT failures, lockouts, locked_at_utc_ms, lock_ms, clock_trusted"
                           " FROM pin_state WHERE id = 1",
                           -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    int rc = HL_OK;
    if (src == SQLITE_ROW) {
        int64_t failures = sqlite3_column_int64(s, 0), lockouts = sqlite3_column_int64(s, 1);
        out->failures = failures < 0 ? 0 : failures > INT_MAX ? INT_MAX : (int)failures;
        out->lockouts = lockouts < 0 ? 0 : lockouts > INT_MAX ? INT_MAX : (int)lockouts;
        out->locked_at_utc_ms = sqlite3_column_int64(s, 2);
        out->lock_ms = sqlite3_column_int64(s, 3);
        out->clock_trusted = sqlite3_column_int(s, 4) != 0;
    } else if (src != SQLITE_DONE) {
        /* Without the row (removed by another program): a fresh state. */
        rc = store_fail(st, src, "reading the PIN state", err);
    }
    sqlite3_finalize(s);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_pin_put(hl_store_t *st, const hl_pin_lock_t *l, hl_err_t *err)
{
    if (!st || !l) return hl_err_set(err, HL_ERR_USAGE, "hl_store_pin_put: no argument");
    int rc = tech_write_check(st, "the PIN state", err);
    if (rc != HL_OK) return rc;
    sqlite3_stmt *s = NULL;
    int src =
        sqlite3_prepare_v2(st->db,
                           "UPDATE pin_state SET failures = ?1, lockouts = ?2,"
                           " locked_at_utc_ms = ?3, lock_ms = ?4, clock_trusted = ?5 WHERE id = 1",
                           -1, &s, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "saving the PIN state", err);
    sqlite3_bind_int(s, 1, l->failures);
    sqlite3_bind_int(s, 2, l->lockouts);
    sqlite3_bind_int64(s, 3, l->locked_at_utc_ms);
    sqlite3_bind_int64(s, 4, l->lock_ms);
    sqlite3_bind_int(s, 5, l->clock_trusted ? 1 : 0);
    rc = tech_commit(st, s, true, "saving the PIN state", err);
    sqlite3_finalize(s);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_log(hl_store_t *st, int64_t at_utc_ms, const char *event, const char *detail,
                 hl_err_t *err)
{
    if (!st || !event) return hl_err_set(err, HL_ERR_USAGE, "hl_store_log: no argument");
    if (!id_valid(event, TECH_EVENT_MAX, true))
        return hl_err_set(err, HL_ERR_USAGE, "bad log event \"%.40s\": a short word of a-z, 0-9, _",
                          event);
    int rc = tech_write_check(st, "a technician log entry", err);
    if (rc != HL_OK) return rc;
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(
        st->db, "INSERT INTO tech_log(at_utc_ms, event, detail) VALUES (?1, ?2, ?3)", -1, &s, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "logging a technician event", err);
    sqlite3_bind_int64(s, 1, at_utc_ms);
    sqlite3_bind_text(s, 2, event, -1, SQLITE_STATIC);
    if (detail)
        sqlite3_bind_text(s, 3, detail, (int)utf8_cut(detail, TECH_DETAIL_MAX), SQLITE_STATIC);
    rc = tech_commit(st, s, false, "logging a technician event", err);
    sqlite3_finalize(s);
    if (rc == HL_OK) hl_err_clear(err);
    return rc;
}

int hl_store_log_recent(hl_store_t *st, int n,
                        void (*cb)(void *ctx, int64_t at_utc_ms, const char *event,
                                   const char *detail),
                        void *ctx, hl_err_t *err)
{
    if (!st || !cb) return hl_err_set(err, HL_ERR_USAGE, "hl_store_log_recent: no argument");
    if (n <= 0) return HL_OK;
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT at_utc_ms, event, detail FROM tech_log"
                                 " ORDER BY id DESC LIMIT ?1",
                                 -1, &s, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int(s, 1, n);
        while ((src = sqlite3_step(s)) == SQLITE_ROW)
            cb(ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
               (const char *)sqlite3_column_text(s, 2));
    }
    int rc = src == SQLITE_DONE ? HL_OK : store_fail(st, src, "reading the technician log", err);
    sqlite3_finalize(s);
    return rc;
}

/* The responses a tally query selects, as a WHERE clause on r (responses):
 * ?1 from_utc_ms (< 0: any time), ?2 survey id (NULL: all), ?3 officer id
 * (NULL: any). The survey test goes through surveys by sid: a response's
 * survey is one of the few rows of that id. */
#define TALLY_WHERE_SQL                                                                            \
    " r.status <> 0 AND (?1 < 0 OR r.started_utc_ms >= ?1)"                                        \
    " AND (?2 IS NULL OR r.survey IN (SELECT sid FROM surveys WHERE survey_id = ?2))"              \
    " AND (?3 IS NULL OR r.officer_id = ?3)"

static int tally_prepare(hl_store_t *st, const char *sql, const hl_tally_query_t *q,
                         sqlite3_stmt **out, hl_err_t *err)
{
    int src = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "counting responses", err);
    sqlite3_bind_int64(*out, 1, q ? q->from_utc_ms : -1);
    if (q && q->survey_id) sqlite3_bind_text(*out, 2, q->survey_id, -1, SQLITE_STATIC);
    if (q && q->officer_id) sqlite3_bind_text(*out, 3, q->officer_id, -1, SQLITE_STATIC);
    return HL_OK;
}

/* The same with a lower bound the index on started_utc_ms can serve
 * (?1 >= 0). */
#define TALLY_WHERE_FROM_SQL                                                                       \
    " r.status <> 0 AND r.started_utc_ms >= ?1"                                                    \
    " AND (?2 IS NULL OR r.survey IN (SELECT sid FROM surveys WHERE survey_id = ?2))"              \
    " AND (?3 IS NULL OR r.officer_id = ?3)"

/* The fast path (schema 7): whole UTC days from ?1 on come from tally,
 * the responses in [?5, ?6) (the period's start up to its first whole day)
 * from the rows themselves, through the index on started_utc_ms. ?2 and
 * ?3 as above. */
#define TALLY_DAYS_SQL                                                                             \
    " t.day >= ?1 AND (?2 IS NULL OR t.sid IN (SELECT sid FROM surveys WHERE survey_id = ?2))"     \
    " AND (?3 IS NULL OR t.officer = ?3)"
#define TALLY_EDGE_SQL                                                                             \
    " r.status <> 0 AND r.started_utc_ms >= ?5 AND r.started_utc_ms < ?6"                          \
    " AND (?2 IS NULL OR r.survey IN (SELECT sid FROM surveys WHERE survey_id = ?2))"              \
    " AND (?3 IS NULL OR r.officer_id = ?3)"

/* Whether q can take the fast path: tally keeps no officer "" apart from
 * none (NULL), so a query for officer "" reads the rows. */
static bool tally_fast(const hl_tally_query_t *q)
{
    return !q || !q->officer_id || q->officer_id[0];
}

/* Binds the fast path's ?1, ?5 and ?6 for q's period: the first whole UTC
 * day at or after from, and the edge before it. */
static void tally_bind_days(sqlite3_stmt *s, const hl_tally_query_t *q)
{
    int64_t from = q ? q->from_utc_ms : -1;
    int64_t day_from = INT64_MIN, edge_from = 0, edge_to = 0; /* any day; no edge */
    if (from >= 0) {
        day_from = from / HL_DAY_MS + (from % HL_DAY_MS != 0);
        edge_from = from;
        edge_to = day_from <= INT64_MAX / HL_DAY_MS ? day_from * HL_DAY_MS : INT64_MAX;
    }
    sqlite3_bind_int64(s, 1, day_from);
    sqlite3_bind_int64(s, 5, edge_from);
    sqlite3_bind_int64(s, 6, edge_to);
}

int hl_store_count(hl_store_t *st, const hl_tally_query_t *q, hl_store_counts_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_count: no argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    bool fast = tally_fast(q);
    int rc = tally_prepare(
        st,
        fast ? "SELECT total(n), total(CASE WHEN v = '1' THEN n END),"
               " total(CASE WHEN v = '2' THEN n END) FROM ("
               " SELECT t.value AS v, t.n AS n FROM tally t WHERE t.qid = '' AND" TALLY_DAYS_SQL
               " UNION ALL SELECT CAST(r.status AS TEXT), 1 FROM responses r WHERE" TALLY_EDGE_SQL
               ")"
             : "SELECT count(*), total(r.status = 1), total(r.status = 2)"
               " FROM responses r WHERE" TALLY_WHERE_SQL,
        q, &s, err);
    if (rc != HL_OK) return rc;
    if (fast) tally_bind_days(s, q);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        out->responses = sqlite3_column_int64(s, 0);
        out->complete = sqlite3_column_int64(s, 1);
        out->partial = sqlite3_column_int64(s, 2);
    } else {
        rc = store_fail(st, src, "counting responses", err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* The answer to qid of response seq is the row seq * 64 + the position of
 * qid in that response's survey version (pos, one row per version that has
 * qid): one rowid lookup per response, never a scan of all answers. The
 * comma count before ",qid," in ",qids," is that position + 1. */
#define TALLY_POS_SQL                                                                              \
    "WITH pos AS MATERIALIZED (SELECT sid, length(pre) - length(replace(pre, ',', '')) - 1"        \
    "   AS slot FROM (SELECT sid, substr(',' || qids || ',', 1,"                                   \
    "   instr(',' || qids || ',', ',' || ?4 || ',')) AS pre FROM surveys"                          \
    "   WHERE instr(',' || qids || ',', ',' || ?4 || ',') > 0"                                     \
    "   AND (?2 IS NULL OR survey_id = ?2)))"

int hl_store_tally(hl_store_t *st, const hl_tally_query_t *q, const char *qid,
                   void (*cb)(void *ctx, const char *value, int64_t count), void *ctx,
                   hl_err_t *err)
{
    if (!st || !qid || !cb) return hl_err_set(err, HL_ERR_USAGE, "hl_store_tally: no argument");
    sqlite3_stmt *s = NULL;
    bool fast = tally_fast(q);
    int rc = tally_prepare(
        st,
        fast ? TALLY_POS_SQL
            " SELECT v, sum(n) FROM ("
            " SELECT t.value AS v, t.n AS n FROM tally t WHERE t.qid = ?4 AND" TALLY_DAYS_SQL
            " UNION ALL SELECT a.value, 1 FROM responses r"
            " CROSS JOIN pos p ON p.sid = r.survey"
            " CROSS JOIN answers a ON a.id = r.seq * 64 + p.slot"
            " WHERE" TALLY_EDGE_SQL " AND a.qid = ?4)"
            " GROUP BY v HAVING sum(n) > 0 ORDER BY v"
             : TALLY_POS_SQL " SELECT a.value, count(*) FROM responses r"
                             " CROSS JOIN pos p ON p.sid = r.survey"
                             " CROSS JOIN answers a ON a.id = r.seq * 64 + p.slot"
                             " WHERE" TALLY_WHERE_SQL
                             " AND a.qid = ?4 GROUP BY a.value ORDER BY a.value",
        q, &s, err);
    if (rc != HL_OK) return rc;
    sqlite3_bind_text(s, 4, qid, -1, SQLITE_STATIC);
    if (fast) tally_bind_days(s, q);
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW)
        cb(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
    if (src != SQLITE_DONE) rc = store_fail(st, src, "counting answers", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_hourly(hl_store_t *st, const hl_tally_query_t *q, int64_t tz_offset_ms,
                    int64_t counts[24], hl_err_t *err)
{
    if (!st || !counts) return hl_err_set(err, HL_ERR_USAGE, "hl_store_hourly: no argument");
    for (int h = 0; h < 24; h++)
        counts[h] = 0;
    /* Floor division: the time of day of (started + offset), also before
     * 1970 (SQLite's % keeps the dividend's sign). With a start (today), the
     * index on started_utc_ms reads only the period's rows. */
    sqlite3_stmt *s = NULL;
    bool from = q && q->from_utc_ms >= 0;
    int rc = tally_prepare(st,
                           from ? "SELECT (((r.started_utc_ms + ?4) % 86400000 + 86400000) %"
                                  " 86400000) / 3600000 AS h, count(*) FROM responses r"
                                  " WHERE" TALLY_WHERE_FROM_SQL " GROUP BY h"
                                : "SELECT (((r.started_utc_ms + ?4) % 86400000 + 86400000) %"
                                  " 86400000) / 3600000 AS h, count(*) FROM responses r"
                                  " WHERE" TALLY_WHERE_SQL " GROUP BY h",
                           q, &s, err);
    if (rc != HL_OK) return rc;
    sqlite3_bind_int64(s, 4, tz_offset_ms);
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t h = sqlite3_column_int64(s, 0);
        if (h >= 0 && h < 24) counts[h] = sqlite3_column_int64(s, 1);
    }
    if (src != SQLITE_DONE) rc = store_fail(st, src, "counting responses per hour", err);
    sqlite3_finalize(s);
    return rc;
}

/* ---- Tamper evidence ------------------------------------------------------------ */

/* The chain (hl_store.h, "Tamper evidence"): each finished response's chain
 * is the hex SHA-256 of its canonical content (hl_jsonl_put_row_canonical:
 * the JSON Lines object without the chain fields, built from the row as
 * hl_store_foreach reads it) followed by prev_chain, the chain of the
 * finished response before it by seq (64 '0' for the first); chain_sig is
 * the device key's Ed25519 signature over the chain statement
 * "hailong-chain-1 KIOSK_ID SEQ CHAIN" (hl_devkey.h), and chain_key the
 * device key's fingerprint. Rows chained before schema 6 hold an HMAC-SHA256
 * chain keyed with the old shared key (chain_sig NULL, chain_key that key's
 * id); the first signed row follows the last of them, so its signature
 * covers the old head: the signed link between the two eras.
 *
 * Chaining runs strictly in seq order: chain_pending links every finished
 * response after the newest chained one, in seq order, and stops at the
 * first response still in progress (the ones after it wait until it is
 * finished or removed), so no two responses ever name the same prev_chain.
 * It runs in the transaction that finishes a response and in
 * hl_store_set_signer. Recovery at open runs before anyone can set the
 * key: responses it finishes, and responses finished while no key was set,
 * keep chain NULL until the key is set, and hl_store_set_signer chains them
 * all, in seq order, in one transaction. Once set, responses_keep_finished
 * refuses any change to the row, chain included.
 *
 * hl_store_verify_chain walks the finished responses in seq order with the
 * chain value it expects next (that of the last linked response; 64 '0' at
 * the start), and reports, by seq:
 *   INSERTED   chain NULL ("not chained": a row added by another program, or
 *              finished while no key was set and not chained since); an
 *              unsigned row after a signed one; or a row that is neither
 *              linked to the one before it nor valid (a forged row).
 *              Inserted rows are skipped: the next one is expected to link
 *              to the row before them.
 *   OTHER_KEY  signed by another device key (its fingerprint differs): not
 *              checked, the walk goes on from its chain value.
 *   UNCHECKED  an HMAC-era row when the old key is not given: its link is
 *              followed, its content not checked (not a problem).
 *   EDITED     linked to the response before it, but its hash (or MAC) over
 *              its content, or its signature, does not match: an answer, a
 *              time, the status or any other exported field changed after it
 *              was chained.
 *   DELETED    not linked to the response before it, valid itself, and no
 *              stored response has the chain value it names: the
 *              response(s) between were removed ("the response(s) before seq
 *              N are missing"; reported at the first response after them).
 *   REORDERED  it names the chain value of a response other than the one
 *              before it (a later one, or an earlier one): rows were moved
 *              (seqs swapped). A moved row's hash fails too (seq is part of
 *              the content); it is reported once, as REORDERED. A row that
 *              follows one of the last 16 rows found moved is linked.
 * Limits: a finished row without a chain after the chain head is chained
 * by the next hl_store_set_signer as if recovered, so a row inserted at the
 * end while the kiosk is off is accepted then; removing the newest
 * responses leaves a shorter, valid chain: for both, only a chain head
 * recorded outside the kiosk (in manifests and by the sync server) shows it.
 * Someone who holds the device key (root on the kiosk) can rebuild a valid
 * chain. In-progress responses are not covered until finished. */

#define CHAIN_ZERO        "0000000000000000000000000000000000000000000000000000000000000000"
#define CHAIN_BATCH       64                 /* responses linked per walk */
#define CHAIN_CONTENT_MAX (16 * 1024 * 1024) /* largest canonical content */
#define CHAIN_STOP        (-1)               /* chain_row: a response in progress, stop */
#define CHAIN_FULL        (-2)               /* chain_row: the batch is full */

/* hex = SHA-256(canonical content of r || prev), or with hmac_key the
 * HMAC-SHA256 of the same (schema 5's chain); false when out of memory. */
static bool chain_value(const unsigned char *hmac_key, const hl_row_t *r, const char *prev,
                        char hex[HL_CHAIN_HEX + 1])
{
    hl_fdbuf_t o = {.fd = -1, .limit = CHAIN_CONTENT_MAX};
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    bool ok = hl_jsonl_put_row_canonical(&o, r) && hl_fdbuf_put(&o, prev, strlen(prev));
    if (ok && hmac_key)
        ok = HMAC(EVP_sha256(), hmac_key, 32, (const unsigned char *)o.buf, o.len, mac, &n) &&
             n == 32;
    else if (ok)
        ok = EVP_Digest(o.buf, o.len, mac, &n, EVP_sha256(), NULL) && n == 32;
    if (ok) hl_hex_encode(mac, 32, hex);
    free(o.buf);
    return ok;
}

/* One batch of responses to link, as chain_row collects it. */
typedef struct hl_chain_batch {
    const hl_store_t *st;
    char prev[HL_CHAIN_HEX + 1];                   /* chain value the next response follows */
    int64_t seq[CHAIN_BATCH];                      /* responses linked, in seq order */
    char chain[CHAIN_BATCH][HL_CHAIN_HEX + 1];     /* their chain values */
    char prevs[CHAIN_BATCH][HL_CHAIN_HEX + 1];     /* the values they follow */
    char sigs[CHAIN_BATCH][HL_DEVKEY_SIG_HEX + 1]; /* the device key's signatures */
    size_t n;                                      /* entries used */
    bool nomem;                                    /* chain_value failed */
    hl_err_t *err;                                 /* for a failed signature */
} hl_chain_batch_t;

static int chain_row(void *ctx, const hl_row_t *r)
{
    hl_chain_batch_t *b = ctx;
    if (r->status == HL_RESP_IN_PROGRESS) return CHAIN_STOP;
    if (r->chain) { /* cannot happen after the head; followed as it is */
        snprintf(b->prev, sizeof b->prev, "%s", r->chain);
        return HL_OK;
    }
    if (!chain_value(NULL, r, b->prev, b->chain[b->n])) {
        b->nomem = true;
        return HL_ERR_NOMEM;
    }
    int rc = hl_devkey_sign_chain(b->st->signer, r->kiosk_id, r->seq, b->chain[b->n], b->sigs[b->n],
                                  b->err);
    if (rc != HL_OK) return rc;
    b->seq[b->n] = r->seq;
    memcpy(b->prevs[b->n], b->prev, sizeof b->prev);
    memcpy(b->prev, b->chain[b->n], sizeof b->prev);
    return ++b->n == CHAIN_BATCH ? CHAIN_FULL : HL_OK;
}

/* The newest chained response: *seq (0 when none), its chain value (64 '0'
 * when none) and, when sig is not NULL, its signature and the signing key's
 * fingerprint (an HMAC-era head: its signed link's, if any; "" when
 * unsigned). */
static int chain_head_read(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1],
                           char sig[HL_DEVKEY_SIG_HEX + 1], char fpr[HL_DEVKEY_FPR_HEX + 1],
                           hl_err_t *err)
{
    *seq = 0;
    memcpy(hex, CHAIN_ZERO, HL_CHAIN_HEX + 1);
    if (sig) sig[0] = '\0';
    if (fpr) fpr[0] = '\0';
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT r.seq, r.chain, r.chain_sig, r.chain_key, l.sig, l.key FROM responses r"
        " LEFT JOIN chain_links l ON l.seq = r.seq AND l.chain = r.chain"
        " WHERE r.chain IS NOT NULL ORDER BY r.seq DESC, l.rowid DESC LIMIT 1",
        -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    int rc = HL_OK;
    if (src == SQLITE_ROW) {
        *seq = sqlite3_column_int64(s, 0);
        column_text_copy(s, 1, hex, HL_CHAIN_HEX + 1);
        bool own = sqlite3_column_type(s, 2) != SQLITE_NULL;
        if (sig && (own || sqlite3_column_type(s, 4) != SQLITE_NULL))
            column_text_copy(s, own ? 2 : 4, sig, HL_DEVKEY_SIG_HEX + 1);
        if (fpr && (own || sqlite3_column_type(s, 5) != SQLITE_NULL))
            column_text_copy(s, own ? 3 : 5, fpr, HL_DEVKEY_FPR_HEX + 1);
    } else if (src != SQLITE_DONE) {
        rc = store_fail(st, src, "reading the chain head", err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Links every finished response after the chain head, in seq order, up to
 * the first one in progress; inside the caller's transaction. */
static int chain_pending(hl_store_t *st, hl_err_t *err)
{
    hl_chain_batch_t *b = malloc(sizeof *b);
    sqlite3_stmt *u = NULL;
    if (!b) return hl_err_set(err, HL_ERR_NOMEM, "out of memory chaining responses");
    int64_t cursor = 0;
    int rc = chain_head_read(st, &cursor, b->prev, NULL, NULL, err);
    if (rc != HL_OK) goto done;
    int src = sqlite3_prepare_v2(st->db,
                                 "UPDATE responses SET chain = ?2, prev_chain = ?3, chain_key = ?4,"
                                 " chain_sig = ?5 WHERE seq = ?1 AND status <> 0 AND chain IS NULL",
                                 -1, &u, NULL);
    if (src != SQLITE_OK) {
        rc = store_fail(st, src, "chaining responses", err);
        goto done;
    }
    for (;;) {
        b->st = st;
        b->n = 0;
        b->nomem = false;
        b->err = err;
        rc = walk_responses(st, "?1", "", NULL, cursor, CHAIN_BATCH, true, chain_row, b, err);
        bool more = rc == CHAIN_FULL;
        if (rc == CHAIN_STOP || rc == CHAIN_FULL) rc = HL_OK;
        if (rc != HL_OK) {
            if (b->nomem) rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory chaining responses");
            goto done;
        }
        for (size_t i = 0; i < b->n; i++) {
            sqlite3_bind_int64(u, 1, b->seq[i]);
            sqlite3_bind_text(u, 2, b->chain[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 3, b->prevs[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 4, st->signer->fingerprint, -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 5, b->sigs[i], -1, SQLITE_STATIC);
            char what[96];
            snprintf(what, sizeof what, "chaining response %lld", (long long)b->seq[i]);
            if ((rc = stmt_done(st, u, what, err)) != HL_OK) goto done;
            if (sqlite3_changes(st->db) != 1) {
                rc = hl_err_set(err, HL_ERR_INTERNAL,
                                "response %lld could not be chained: %s was changed by another "
                                "program (or this is a bug in hailong); please report it",
                                (long long)b->seq[i], st->path);
                goto done;
            }
        }
        if (!more) break;
        cursor = b->seq[b->n - 1];
    }
done:
    sqlite3_finalize(u);
    free(b);
    return rc;
}

/* When the chain head is an HMAC-era response not yet linked with this
 * device key, signs it into chain_links (inside the caller's transaction):
 * the signed link from the old chain to the new one. */
static int chain_link_old_head(hl_store_t *st, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT r.seq, r.chain, r.kiosk_id FROM responses r WHERE r.chain IS NOT NULL"
        " AND r.chain_sig IS NULL AND r.seq = (SELECT max(seq) FROM responses WHERE chain IS NOT"
        " NULL) AND NOT EXISTS (SELECT 1 FROM chain_links l WHERE l.seq = r.seq AND l.key = ?1)",
        -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_bind_text(s, 1, st->signer->fingerprint, -1, SQLITE_STATIC);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src == SQLITE_DONE) {
        sqlite3_finalize(s);
        return HL_OK;
    }
    if (src != SQLITE_ROW) {
        int rc = store_fail(st, src, "reading the chain head to link", err);
        sqlite3_finalize(s);
        return rc;
    }
    int64_t seq = sqlite3_column_int64(s, 0);
    char chain[HL_CHAIN_HEX + 1], kiosk[HL_SURVEY_ID_MAX + 1], sig[HL_DEVKEY_SIG_HEX + 1];
    column_text_copy(s, 1, chain, sizeof chain);
    column_text_copy(s, 2, kiosk, sizeof kiosk);
    sqlite3_finalize(s);
    int rc = hl_devkey_sign_chain(st->signer, kiosk, seq, chain, sig, err);
    if (rc != HL_OK) return rc;
    src = sqlite3_prepare_v2(
        st->db, "INSERT INTO chain_links(seq, chain, key, sig) VALUES (?1, ?2, ?3, ?4)", -1, &s,
        NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "linking the chain head", err);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, chain, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, st->signer->fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, sig, -1, SQLITE_STATIC);
    rc = stmt_done(st, s, "linking the chain head", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_set_signer(hl_store_t *st, const hl_devkey_t *key, hl_err_t *err)
{
    if (!st || !key || !key->pkey || !key->has_private)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_set_signer: no private key");
    st->signer = key;
    /* A read-only store only reads. */
    if (st->read_only) {
        hl_err_clear(err);
        return HL_OK;
    }
    if (st->batch_lost)
        return hl_err_set(err, HL_ERR_STATE, "the batch was rolled back after an error: end it");
    int rc = tx_begin(st, err);
    if (rc == HL_OK) rc = chain_link_old_head(st, err);
    if (rc == HL_OK) rc = chain_pending(st, err);
    if (rc == HL_OK) rc = tx_commit(st, err);
    if (rc != HL_OK) {
        tx_rollback(st);
        st->signer = NULL;
        return rc;
    }
    hl_err_clear(err);
    return HL_OK;
}

int hl_store_chain_head(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1], hl_err_t *err)
{
    if (!st || !seq || !hex)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_chain_head: no argument");
    return chain_head_read(st, seq, hex, NULL, NULL, err);
}

int hl_store_chain_head_signed(hl_store_t *st, int64_t *seq, char hex[HL_CHAIN_HEX + 1],
                               char sig[HL_DEVKEY_SIG_HEX + 1], char fpr[HL_DEVKEY_FPR_HEX + 1],
                               hl_err_t *err)
{
    if (!st || !seq || !hex || !sig || !fpr)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_chain_head_signed: no argument");
    return chain_head_read(st, seq, hex, sig, fpr, err);
}

int hl_store_hmac_until(hl_store_t *st, int64_t *seq, hl_err_t *err)
{
    if (!st || !seq) return hl_err_set(err, HL_ERR_USAGE, "hl_store_hmac_until: no argument");
    *seq = 0;
    sqlite3_stmt *s = NULL;
    /* No row (removed behind the store's back), or no signed link where
     * the old chain is said to end (the era moved to cover stripped rows):
     * 0, every response must be signed, so nothing passes for an old one. */
    int src = sqlite3_prepare_v2(
        st->db,
        "SELECT coalesce((SELECT e.hmac_until FROM chain_era e WHERE e.id = 1 AND EXISTS"
        " (SELECT 1 FROM chain_links l WHERE l.seq = e.hmac_until)), 0)",
        -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    int rc = HL_OK;
    if (src == SQLITE_ROW)
        *seq = sqlite3_column_int64(s, 0);
    else
        rc = store_fail(st, src, "reading where signatures begin", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_signers(hl_store_t *st, int64_t *n_signed, char fpr[HL_DEVKEY_FPR_HEX + 1],
                     int64_t *n_hmac, hl_err_t *err)
{
    if (!st || !n_signed || !fpr || !n_hmac)
        return hl_err_set(err, HL_ERR_USAGE, "hl_store_signers: no argument");
    *n_signed = *n_hmac = 0;
    fpr[0] = '\0';
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT count(chain_sig), count(chain) - count(chain_sig),"
                                 " (SELECT chain_key FROM responses WHERE chain_sig IS NOT NULL"
                                 " ORDER BY seq DESC LIMIT 1) FROM responses",
                                 -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    int rc = HL_OK;
    if (src == SQLITE_ROW) {
        *n_signed = sqlite3_column_int64(s, 0);
        *n_hmac = sqlite3_column_int64(s, 1);
        if (sqlite3_column_type(s, 2) != SQLITE_NULL)
            column_text_copy(s, 2, fpr, HL_DEVKEY_FPR_HEX + 1);
    } else {
        rc = store_fail(st, src, "reading who signed the stored responses", err);
    }
    sqlite3_finalize(s);
    return rc;
}

/* The state of hl_store_verify_chain's walk. */
typedef struct hl_verify {
    hl_store_t *st;
    const hl_devkey_t *device;       /* checks signed rows; NULL: none given */
    const unsigned char *hmac_key;   /* checks HMAC-era rows; NULL: not checked */
    char hmac_id[17];                /* hmac_key's id */
    char expected[HL_CHAIN_HEX + 1]; /* chain value the next response should follow */
    bool seen_signed;                /* a signed row came before */
    int64_t hmac_until;              /* unsigned rows after this seq are not the kiosk's */
    const hl_trust_t *trust;         /* other keys of this kiosk to believe; NULL: none */
    sqlite3_stmt *find;              /* the response holding a chain value */
    void (*cb)(void *ctx, int64_t seq, hl_chain_problem_t what, const char *detail);
    void *ctx;
    char moved[16][HL_CHAIN_HEX + 1]; /* chain values of the latest rows found REORDERED */
    size_t n_moved;                   /* entries written to moved (a ring) */
    size_t n;                         /* problems found */
    size_t n_unchecked;               /* HMAC-era rows not checked (no old key) */
    hl_err_t *err;                    /* for a failure of find */
    bool nomem;                       /* chain_value failed */
} hl_verify_t;

static void verify_report(hl_verify_t *v, int64_t seq, hl_chain_problem_t what, const char *detail)
{
    if (what == HL_CHAIN_UNCHECKED)
        v->n_unchecked++;
    else
        v->n++;
    if (v->cb) v->cb(v->ctx, seq, what, detail);
}

/* The seq of the finished response whose chain value is hex (0: none). */
static int verify_find(hl_verify_t *v, const char *hex, int64_t self, int64_t *seq)
{
    sqlite3_reset(v->find);
    sqlite3_bind_text(v->find, 1, hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(v->find, 2, self);
    int src = sqlite3_step(v->find);
    *seq = src == SQLITE_ROW ? sqlite3_column_int64(v->find, 0) : 0;
    sqlite3_reset(v->find);
    if (src == SQLITE_ROW || src == SQLITE_DONE) return HL_OK;
    return store_fail(v->st, src, "checking the chain", v->err);
}

static int verify_row(void *ctx, const hl_row_t *r)
{
    hl_verify_t *v = ctx;
    const hl_row_ext_t *x = (const hl_row_ext_t *)r;
    char detail[256];
    if (!r->chain || !r->prev_chain) {
        verify_report(v, r->seq, HL_CHAIN_INSERTED,
                      "not chained: it has no chain value (added by another program, or "
                      "finished while the kiosk had no device key)");
        return HL_OK;
    }
    bool valid; /* its own chain value (and signature) hold */
    if (x->chain_sig) {
        v->seen_signed = true;
        const hl_devkey_t *k = v->device;
        hl_devkey_t other = {0};
        /* Signed by another key of this kiosk that the trust list holds
         * (a replaced key): checked with it. */
        for (size_t i = 0; v->trust && x->chain_key && i < v->trust->n && !other.pkey; i++) {
            const hl_trust_entry_t *e = &v->trust->e[i];
            hl_err_t ignored = {0};
            if (!strcmp(e->fingerprint, x->chain_key) && r->kiosk_id &&
                !strcasecmp(e->kiosk_id, r->kiosk_id) &&
                (!k || strcmp(x->chain_key, k->fingerprint) != 0))
                (void)hl_devkey_from_public(e->pub, &other, &ignored);
        }
        if (other.pkey) k = &other;
        if (!k || !x->chain_key || strcmp(x->chain_key, k->fingerprint) != 0) {
            snprintf(detail, sizeof detail,
                     "signed by device key %.16s, not %s%s: not checked; if the kiosk's key was "
                     "replaced, give --trust with the province's list holding both keys",
                     x->chain_key ? x->chain_key : "(none)",
                     v->device ? v->device->fingerprint : "(no key given)",
                     v->device ? " (this kiosk's key)" : "");
            verify_report(v, r->seq, HL_CHAIN_OTHER_KEY, detail);
            snprintf(v->expected, sizeof v->expected, "%s", r->chain);
            return HL_OK;
        }
        char h[HL_CHAIN_HEX + 1];
        if (!chain_value(NULL, r, r->prev_chain, h)) {
            hl_devkey_free(&other);
            v->nomem = true;
            return HL_ERR_NOMEM;
        }
        valid = strcmp(h, r->chain) == 0 &&
                hl_devkey_verify_chain(k, r->kiosk_id, r->seq, r->chain, x->chain_sig);
        hl_devkey_free(&other);
    } else if (v->seen_signed || r->seq > v->hmac_until) {
        /* Linked in place: its signature was stripped (to pass for an old
         * row); not linked: added by another program. */
        bool linked = strcmp(r->prev_chain, v->expected) == 0;
        verify_report(v, r->seq, linked ? HL_CHAIN_EDITED : HL_CHAIN_INSERTED,
                      linked ? "unsigned where the kiosk signs every response: its signature "
                               "was removed"
                             : "unsigned where the kiosk signs every response: added by another "
                               "program");
        if (linked) snprintf(v->expected, sizeof v->expected, "%s", r->chain);
        return HL_OK;
    } else if (!v->hmac_key || !x->chain_key || strcmp(x->chain_key, v->hmac_id) != 0) {
        snprintf(detail, sizeof detail,
                 "chained before the device key, with the old shared key %.16s: %s",
                 x->chain_key ? x->chain_key : "(none)",
                 v->hmac_key ? "not the key given, not checked"
                             : "give that key (--key-file) to check its content");
        verify_report(v, r->seq, HL_CHAIN_UNCHECKED, detail);
        /* Its link is still followed: a deleted or moved row shows. */
        if (strcmp(r->prev_chain, v->expected) != 0) {
            int64_t at = 0;
            int rc = verify_find(v, r->prev_chain, r->seq, &at);
            if (rc != HL_OK) return rc;
            snprintf(detail, sizeof detail,
                     at > 0 ? "linked after seq %lld, not after the response before it"
                            : "the response(s) before seq %lld are missing",
                     (long long)(at > 0 ? at : r->seq));
            verify_report(v, r->seq, at > 0 ? HL_CHAIN_REORDERED : HL_CHAIN_DELETED, detail);
        }
        snprintf(v->expected, sizeof v->expected, "%s", r->chain);
        return HL_OK;
    } else {
        char mac[HL_CHAIN_HEX + 1];
        if (!chain_value(v->hmac_key, r, r->prev_chain, mac)) {
            v->nomem = true;
            return HL_ERR_NOMEM;
        }
        valid =
            CRYPTO_memcmp(mac, r->chain, HL_CHAIN_HEX + 1) == 0 && strlen(r->chain) == HL_CHAIN_HEX;
    }
    bool after_moved = false; /* follows a row already reported as moved */
    for (size_t i = 0; i < v->n_moved && i < 16; i++)
        if (strcmp(r->prev_chain, v->moved[i]) == 0) after_moved = true;
    if (strcmp(r->prev_chain, v->expected) == 0 || after_moved) {
        if (!valid)
            verify_report(v, r->seq, HL_CHAIN_EDITED,
                          "its content does not match its chain value or signature: changed "
                          "after it was stored");
    } else {
        int64_t at = 0;
        int rc = verify_find(v, r->prev_chain, r->seq, &at);
        if (rc != HL_OK) return rc;
        if (at > 0) {
            snprintf(detail, sizeof detail,
                     "linked after seq %lld, %s: responses were moved out of order", (long long)at,
                     at > r->seq ? "which comes later" : "not after the response before it");
            verify_report(v, r->seq, HL_CHAIN_REORDERED, detail);
            snprintf(v->moved[v->n_moved++ % 16], HL_CHAIN_HEX + 1, "%s", r->chain);
        } else if (valid) {
            snprintf(detail, sizeof detail, "the response(s) before seq %lld are missing",
                     (long long)r->seq);
            verify_report(v, r->seq, HL_CHAIN_DELETED, detail);
        } else {
            verify_report(v, r->seq, HL_CHAIN_INSERTED,
                          "neither linked to the response before it nor signed with this key: "
                          "added by another program");
            return HL_OK; /* not part of the chain: the next one follows the one before */
        }
    }
    snprintf(v->expected, sizeof v->expected, "%s", r->chain);
    return HL_OK;
}

/* Checks the signed links (chain_links) made with the device key: the
 * response they name still has that chain value, and the signature holds. */
static int verify_links(hl_verify_t *v, hl_err_t *err)
{
    sqlite3_stmt *s = NULL;
    int src =
        sqlite3_prepare_v2(v->st->db,
                           "SELECT l.seq, l.chain, l.sig, r.chain, r.kiosk_id FROM chain_links"
                           " l LEFT JOIN responses r ON r.seq = l.seq WHERE l.key = ?1"
                           " ORDER BY l.seq",
                           -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_bind_text(s, 1, v->device->fingerprint, -1, SQLITE_STATIC);
    while (src == SQLITE_OK || src == SQLITE_ROW) {
        src = sqlite3_step(s);
        if (src != SQLITE_ROW) break;
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *chain = (const char *)sqlite3_column_text(s, 1);
        const char *sig = (const char *)sqlite3_column_text(s, 2);
        const char *now = (const char *)sqlite3_column_text(s, 3);
        const char *kiosk = (const char *)sqlite3_column_text(s, 4);
        if (!now)
            verify_report(v, seq, HL_CHAIN_DELETED,
                          "the response the device key's signed link names is missing");
        else if (!chain || strcmp(chain, now) != 0 || !kiosk || !sig ||
                 !hl_devkey_verify_chain(v->device, kiosk, seq, chain, sig))
            verify_report(v, seq, HL_CHAIN_EDITED,
                          "the signed link from the old chain to the device key does not match "
                          "it: the old chain was rewritten");
    }
    int rc = src == SQLITE_DONE ? HL_OK : store_fail(v->st, src, "checking the chain links", err);
    sqlite3_finalize(s);
    /* With the device key at hand the kiosk has taken the chain over, so
     * the end of an old chain must carry its signed link. */
    if (rc != HL_OK || v->hmac_until == 0) return rc;
    /* Once the device key signs, the old chain's end is vouched for by a
     * signed link there: without one, the era was moved to hide rows. */
    s = NULL;
    src = sqlite3_prepare_v2(v->st->db, "SELECT count(*) FROM chain_links WHERE seq = ?1", -1, &s,
                             NULL);
    if (src == SQLITE_OK) src = sqlite3_bind_int64(s, 1, v->hmac_until);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    if (src == SQLITE_ROW && sqlite3_column_int64(s, 0) == 0)
        verify_report(v, v->hmac_until, HL_CHAIN_EDITED,
                      "no signed link where the old chain is said to end: the record of where "
                      "signatures begin was changed");
    rc = src == SQLITE_ROW ? HL_OK : store_fail(v->st, src, "checking the chain links", err);
    sqlite3_finalize(s);
    return rc;
}

int hl_store_verify_chain(hl_store_t *st, const hl_chain_check_t *chk,
                          void (*cb)(void *ctx, int64_t seq, hl_chain_problem_t what,
                                     const char *detail),
                          void *ctx, hl_chain_counts_t *out, hl_err_t *err)
{
    if (out) memset(out, 0, sizeof *out);
    if (!st || !chk) return hl_err_set(err, HL_ERR_USAGE, "hl_store_verify_chain: no argument");
    hl_verify_t v = {.st = st,
                     .device = chk->device,
                     .hmac_key = chk->hmac_key,
                     .trust = chk->trust,
                     .cb = cb,
                     .ctx = ctx,
                     .err = err};
    /* The era as recorded (before any link: a store the device key has not
     * taken over yet); verify_links checks it is vouched for. */
    sqlite3_stmt *es = NULL;
    int esrc = sqlite3_prepare_v2(
        st->db, "SELECT coalesce((SELECT hmac_until FROM chain_era WHERE id = 1), 0)", -1, &es,
        NULL);
    if (esrc == SQLITE_OK) esrc = sqlite3_step(es);
    if (esrc == SQLITE_ROW) v.hmac_until = sqlite3_column_int64(es, 0);
    sqlite3_finalize(es);
    if (esrc != SQLITE_ROW) return store_fail(st, esrc, "reading where signatures begin", err);
    if (chk->hmac_key) {
        unsigned char dg[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (!EVP_Digest(chk->hmac_key, 32, dg, &n, EVP_sha256(), NULL) || n != 32)
            return hl_err_set(err, HL_ERR_INTERNAL, "SHA-256 failed while checking the chain");
        hl_hex_encode(dg, 8, v.hmac_id);
    }
    memcpy(v.expected, CHAIN_ZERO, sizeof v.expected);
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT seq FROM responses WHERE chain = ?1 AND status <> 0"
                                 " AND seq <> ?2 ORDER BY seq LIMIT 1",
                                 -1, &v.find, NULL);
    if (src != SQLITE_OK) return store_fail(st, src, "checking the chain", err);
    int rc = walk_responses(st, "?1", "r.status <> 0", NULL, 0, -1, false, verify_row, &v, err);
    sqlite3_finalize(v.find);
    if (rc != HL_OK && v.nomem)
        rc = hl_err_set(err, HL_ERR_NOMEM, "out of memory checking the chain");
    if (rc == HL_OK && chk->device) rc = verify_links(&v, err);
    if (rc != HL_OK) return rc;
    if (out) {
        out->problems = v.n;
        out->unchecked = v.n_unchecked;
    }
    hl_err_clear(err);
    return HL_OK;
}

/* ---- Fair counting -------------------------------------------------------------- */

/* Counts every stored response (finished or not) by its flag. */
int hl_store_fair_counts(hl_store_t *st, hl_store_fair_t *out, hl_err_t *err)
{
    if (!st || !out) return hl_err_set(err, HL_ERR_USAGE, "hl_store_fair_counts: no argument");
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(st->db,
                                 "SELECT count(suspect), total(suspect = 'min_interval'),"
                                 " total(suspect = 'max_per_hour') FROM responses",
                                 -1, &s, NULL);
    if (src == SQLITE_OK) src = sqlite3_step(s);
    int rc = HL_OK;
    if (src == SQLITE_ROW) {
        out->suspect = sqlite3_column_int64(s, 0);
        out->min_interval = sqlite3_column_int64(s, 1);
        out->max_per_hour = sqlite3_column_int64(s, 2);
    } else {
        rc = store_fail(st, src, "counting flagged responses", err);
    }
    sqlite3_finalize(s);
    return rc;
}

int hl_store_export_sql(hl_store_t *st, const char *survey_id, char **sql, hl_err_t *err)
{
    *sql = NULL;
    char **cols = NULL;
    size_t n = 0;
    int rc = hl_store_survey_columns(st, survey_id, &cols, &n, err);
    if (rc != HL_OK) return rc;
    /* Same columns and text as hl_export_csv's data rows; times are
     * truncated to seconds as in hl_time_iso8601 (for times after 1970). */
    sqlite3_str *b = sqlite3_str_new(NULL);
    sqlite3_str_appendall(
        b, "SELECT r.uuid, r.seq, r.kiosk_id, s.survey_id, s.version, r.lang,"
           " strftime('%Y-%m-%dT%H:%M:%SZ', r.started_utc_ms / 1000, 'unixepoch'),"
           " strftime('%Y-%m-%dT%H:%M:%SZ', r.finished_utc_ms / 1000, 'unixepoch'),"
           " CASE r.status WHEN 1 THEN 'complete' WHEN 2 THEN 'partial' ELSE 'in_progress' END,"
           " r.suspect, r.clock_trusted, r.officer_id, r.counter");
    for (size_t i = 0; i < n; i++)
        sqlite3_str_appendf(b,
                            ", (SELECT a.value FROM answers a WHERE a.id BETWEEN r.seq * 64"
                            " AND r.seq * 64 + 63 AND a.qid = %Q)",
                            cols[i]);
    sqlite3_str_appendf(b,
                        " FROM responses r CROSS JOIN surveys s ON s.sid = r.survey"
                        " WHERE s.survey_id = %Q ORDER BY r.seq;",
                        survey_id);
    hl_store_free_ids(cols, n);
    char *text = sqlite3_str_finish(b);
    if (!text) return hl_err_set(err, HL_ERR_NOMEM, "out of memory building the export SQL");
    *sql = strdup(text);
    sqlite3_free(text);
    if (!*sql) return hl_err_set(err, HL_ERR_NOMEM, "out of memory building the export SQL");
    return HL_OK;
}
