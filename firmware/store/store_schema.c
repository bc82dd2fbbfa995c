/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_schema.c: the schema: every migration step, from the empty file
 * to HL_STORE_SCHEMA_VERSION (the layout is in store_int.h).
 */
#include "store_int.h"

/* ---- Schema and migrations ------------------------------------------------ */

/* Step from version i to i + 1 is store_migrations[i]. Version 0 is an empty file.
 * A new schema version appends one step and bumps HL_STORE_SCHEMA_VERSION;
 * tests/data/store/v<N>.sql keeps a database of every older version. */
const char *const store_migrations[HL_STORE_SCHEMA_VERSION] = {
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
     * kept by triggers in the same transaction as each save, keyed by day
     * first: a finish touches the rows of one day, survey version and
     * officer, which sit side by side (a page or two). The index on
     * started_utc_ms serves what no whole day covers: the hours of today
     * and the part of a period before the first whole UTC day. */
    "CREATE TABLE tally ("
    "  qid TEXT NOT NULL,"     /* the question, '' for the response counts */
    "  day INTEGER NOT NULL,"  /* UTC day: floor(started_utc_ms / 86400000) */
    "  sid INTEGER NOT NULL,"  /* the survey version (surveys.sid) */
    "  officer TEXT NOT NULL," /* officer_id, '' for none */
    "  value TEXT NOT NULL,"   /* the answer as stored; the status for qid '' */
    "  n INTEGER NOT NULL,"    /* how many */
    "  PRIMARY KEY (day, sid, officer, qid, value)"
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
    /* 7 -> 8: citizens' own words (issue 16). survey_free lists each survey
     * version's text and contact questions; the tally counts their answers
     * under the value '' instead of copying a comment or a phone number
     * into it (schema 7 did: those rows are replaced). A response that
     * finished complete with one of them carries a follow-up code, unique,
     * set with its finish and never changed after. */
    "CREATE TABLE survey_free ("
    "  sid INTEGER NOT NULL REFERENCES surveys(sid),"
    "  qid TEXT NOT NULL,"
    "  pos INTEGER NOT NULL," /* the answer's slot: its id is seq * 64 + pos */
    "  kind TEXT NOT NULL CHECK (kind IN ('text', 'contact')),"
    "  PRIMARY KEY (sid, qid)"
    ") WITHOUT ROWID;" SURVEY_FREE_FILL_SQL(
        "true") ";"
                "DELETE FROM tally WHERE qid <> '' AND EXISTS (SELECT 1 FROM survey_free f"
                "  WHERE f.sid = tally.sid AND f.qid = tally.qid);"
                "INSERT INTO tally SELECT a.qid, (r.started_utc_ms - ((r.started_utc_ms % 86400000 "
                "+ 86400000) "
                "% 86400000)) / 86400000, r.survey,"
                "  coalesce(r.officer_id, ''), '', count(*) FROM responses r"
                "  JOIN survey_free f ON f.sid = r.survey"
                "  JOIN answers a ON a.id = r.seq * 64 + f.pos AND a.qid = f.qid"
                "  WHERE r.status <> 0 GROUP BY 1, 2, 3, 4, 5;"
                "DROP TRIGGER responses_tally_finish;"
                "CREATE TRIGGER responses_tally_finish AFTER UPDATE OF status ON responses"
                "  WHEN OLD.status = 0 AND NEW.status <> 0 BEGIN"
                "  INSERT INTO tally SELECT '', (NEW.started_utc_ms - ((NEW.started_utc_ms % "
                "86400000 + "
                "86400000) % 86400000)) / 86400000,"
                "    NEW.survey, coalesce(NEW.officer_id, ''), CAST(NEW.status AS TEXT), 1 WHERE "
                "true"
                "    ON CONFLICT DO UPDATE SET n = n + 1;"
                "  INSERT INTO tally SELECT a.qid, (NEW.started_utc_ms - ((NEW.started_utc_ms % "
                "86400000 + "
                "86400000) % 86400000)) / 86400000,"
                "    NEW.survey, coalesce(NEW.officer_id, ''),"
                "    CASE WHEN EXISTS (SELECT 1 FROM survey_free f WHERE f.sid = NEW.survey"
                "      AND f.qid = a.qid) THEN '' ELSE a.value END, 1 FROM answers a"
                "    WHERE a.id BETWEEN NEW.seq * 64 AND NEW.seq * 64 + 63"
                "    ON CONFLICT DO UPDATE SET n = n + 1;"
                "  END;"
                "ALTER TABLE responses ADD COLUMN followup TEXT;" /* the follow-up code, NULL: none
                                                                   */
                "CREATE UNIQUE INDEX responses_by_followup ON responses(followup)"
                "  WHERE followup IS NOT NULL;"
                "DROP TRIGGER responses_keep_finished;"
                "CREATE TRIGGER responses_keep_finished BEFORE UPDATE ON responses"
                "  WHEN OLD.status <> 0 AND NOT (OLD.chain IS NULL AND NEW.chain IS NOT NULL"
                "    AND NEW.prev_chain IS NOT NULL AND NEW.chain_key IS NOT NULL"
                "    AND NEW.status IS OLD.status AND NEW.finished_utc_ms IS OLD.finished_utc_ms"
                "    AND NEW.finish_reason IS OLD.finish_reason AND NEW.lang IS OLD.lang"
                "    AND NEW.followup IS OLD.followup)"
                "  BEGIN SELECT RAISE(ABORT, 'a finished response cannot be changed'); END;"
                "CREATE TRIGGER responses_followup_at_finish BEFORE UPDATE OF followup ON responses"
                "  WHEN NEW.followup IS NOT NULL AND (OLD.status <> 0 OR NEW.status <> 1)"
                "  BEGIN SELECT RAISE(ABORT, 'a follow-up code is given when a response finishes "
                "complete');"
                "  END;",
    /* 8 -> 9: assignments from the centre (sync protocol version 2). One
     * row, the last assignment received (none: never received one): its
     * id, its state and why it failed, and, while it waits for an idle
     * moment, what it assigns (the survey's text, the officers as a JSON
     * list), so a restart installs it and never installs it twice. */
    "CREATE TABLE assignment ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  assignment_id INTEGER NOT NULL," /* the centre's id of the assignment */
    "  state TEXT NOT NULL CHECK (state IN ('waiting', 'installed', 'failed')),"
    "  error TEXT," /* why it failed; NULL unless failed */
    "  received_utc_ms INTEGER NOT NULL,"
    "  done_utc_ms INTEGER," /* when it was installed or failed; NULL while waiting */
    "  survey TEXT,"         /* the survey file's text while waiting; NULL: none or done */
    "  officers TEXT,"       /* the officer list (JSON) while waiting; NULL: none or done */
    "  CHECK ((state = 'failed') = (error IS NOT NULL)),"
    "  CHECK (state = 'waiting' OR (survey IS NULL AND officers IS NULL))"
    ");",
};
