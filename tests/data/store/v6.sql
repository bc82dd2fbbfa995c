-- Schema version 6, as hailong 0.6 wrote it: v5.sql migrated by the 5 -> 6
-- step (chain_sig column, chain_links table, chain_era: the old chain ends at
-- response 3), then the device key of the
-- tests (hl_test_devkey seed 40, fingerprint 2dba345d46332dcb) took over:
-- it signed a link to the old HMAC head (response 3) in chain_links.
-- Response 4 is still cut off in progress (not chained yet); 1 and 3 keep
-- their HMAC chain (test chain key 0x00..0x1f). The rest as in v5.sql.
-- Regenerate only when adding a version; never edit an old fixture.
PRAGMA application_id = 1212960327;
PRAGMA user_version = 6;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE surveys (  sid INTEGER PRIMARY KEY,  sha256 TEXT NOT NULL UNIQUE,  survey_id TEXT NOT NULL,  version INTEGER NOT NULL,  qids TEXT NOT NULL,  source TEXT NOT NULL);
INSERT INTO surveys VALUES(1,'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa','svc',1,'q_service,q_staff,q_wait,q_comment','{"id": "svc", "version": 1, "n": 4}');
CREATE TABLE responses (  seq INTEGER PRIMARY KEY,  uuid TEXT NOT NULL UNIQUE,  kiosk_id TEXT NOT NULL,  survey INTEGER NOT NULL REFERENCES surveys(sid),  lang TEXT NOT NULL,  started_utc_ms INTEGER NOT NULL,  finished_utc_ms INTEGER,  status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),  clock_trusted INTEGER NOT NULL CHECK (clock_trusted IN (0, 1)),  finish_reason TEXT CHECK (finish_reason IN ('complete', 'timeout', 'recovered')), officer_id TEXT, counter TEXT, suspect TEXT, chain TEXT, prev_chain TEXT, chain_key TEXT, chain_sig TEXT,  CHECK ((status = 0) = (finished_utc_ms IS NULL)));
INSERT INTO responses VALUES(1,'00000000-0000-4000-8000-000000000001','kiosk-01',1,'vi',1700000060000,1700000069000,1,1,'complete',NULL,NULL,NULL,'bf6228250e55c254101225493edbb3b0de898058598d1eb98bba9bb6deec7511','0000000000000000000000000000000000000000000000000000000000000000','630dcd2966c43366',NULL);
INSERT INTO responses VALUES(3,'00000000-0000-4000-8000-000000000003','kiosk-01',1,'en',1700000180000,1700000189000,2,0,'timeout','off_2','Quầy 2','min_interval','36aec04706daa97801a3d5f2cdb3c6a4018e779de582e772226d42fa899f1d34','bf6228250e55c254101225493edbb3b0de898058598d1eb98bba9bb6deec7511','630dcd2966c43366',NULL);
INSERT INTO responses VALUES(4,'00000000-0000-4000-8000-000000000004','kiosk-01',1,'vi',1700000240000,NULL,0,1,NULL,'off_2','Quầy 2',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE answers (  id INTEGER PRIMARY KEY,  seq INTEGER NOT NULL REFERENCES responses(seq),  qid TEXT NOT NULL,  value TEXT NOT NULL,  ms INTEGER NOT NULL,  CHECK (id >= seq * 64 AND id < seq * 64 + 64));
INSERT INTO answers VALUES(64,1,'q_service','very_satisfied',1200);
INSERT INTO answers VALUES(65,1,'q_staff','5',2900);
INSERT INTO answers VALUES(192,3,'q_service','bad',800);
INSERT INTO answers VALUES(258,4,'q_wait','yes',1500);
CREATE TABLE seq_floor (  id INTEGER PRIMARY KEY CHECK (id = 1),  seq INTEGER NOT NULL);
INSERT INTO seq_floor VALUES(1,2);
CREATE TABLE exports (  id INTEGER PRIMARY KEY,  exported_at INTEGER NOT NULL,  seq_first INTEGER NOT NULL,  seq_last INTEGER NOT NULL,  responses INTEGER NOT NULL,  medium TEXT,  folder TEXT,  CHECK (seq_first >= 1 AND seq_first <= seq_last AND responses >= 1));
INSERT INTO exports VALUES(1,1700000300000,1,3,2,'/media/usb0','HAILONG/kiosk-01/20231114T221820Z');
CREATE TABLE sync_delivered (  seq INTEGER PRIMARY KEY REFERENCES responses(seq),  delivered_utc_ms INTEGER NOT NULL);
INSERT INTO sync_delivered VALUES(1,1700000400000);
CREATE TABLE sync_state (  id INTEGER PRIMARY KEY CHECK (id = 1),  upto INTEGER NOT NULL DEFAULT 0,  last_attempt_utc_ms INTEGER,  last_success_utc_ms INTEGER,  last_error TEXT,  last_error_utc_ms INTEGER,  stopped_fingerprint TEXT,  delivered INTEGER NOT NULL DEFAULT 0);
INSERT INTO sync_state VALUES(1,2,1700000500000,1700000400000,'HTTP 503 from https://survey.example.org/api/v1/responses: the server failed; the batch goes again',1700000500000,NULL,1);
CREATE TABLE pin_state (  id INTEGER PRIMARY KEY CHECK (id = 1),  failures INTEGER NOT NULL DEFAULT 0,  lockouts INTEGER NOT NULL DEFAULT 0,  locked_at_utc_ms INTEGER NOT NULL DEFAULT -1,  lock_ms INTEGER NOT NULL DEFAULT 0,  clock_trusted INTEGER NOT NULL DEFAULT 0);
INSERT INTO pin_state VALUES(1,2,1,1700000550000,300000,1);
CREATE TABLE tech_log (  id INTEGER PRIMARY KEY,  at_utc_ms INTEGER NOT NULL,  event TEXT NOT NULL,  detail TEXT);
INSERT INTO tech_log VALUES(1,1700000540000,'pin_wrong',NULL);
INSERT INTO tech_log VALUES(2,1700000550000,'pin_lockout','5 wrong PINs: locked 5 min');
INSERT INTO tech_log VALUES(3,1700000900000,'pin_ok',NULL);
INSERT INTO tech_log VALUES(4,1700000960000,'export','3 responses to /media/usb0');
CREATE TABLE chain_links (  seq INTEGER NOT NULL,  chain TEXT NOT NULL,  key TEXT NOT NULL,  sig TEXT NOT NULL,  PRIMARY KEY (seq, key));
INSERT INTO chain_links VALUES(3,'36aec04706daa97801a3d5f2cdb3c6a4018e779de582e772226d42fa899f1d34','2dba345d46332dcb','34285d2bca0e04243e675ae604e1a0bdc7be452559ea6e77ee597d524852c9a0cbbe82eee638f12429b1a077b6ea1a5fa8cdffcced8ae9647fbeb2889977a301');
CREATE INDEX surveys_by_id ON surveys(survey_id, version);
CREATE TRIGGER answers_one_per_question BEFORE INSERT ON answers  WHEN EXISTS (SELECT 1 FROM answers WHERE id BETWEEN NEW.seq * 64 AND NEW.seq * 64 + 63    AND qid = NEW.qid AND id <> NEW.id)  BEGIN SELECT RAISE(ABORT, 'a question is answered once per response'); END;
CREATE TRIGGER seq_floor_keep BEFORE DELETE ON seq_floor  BEGIN SELECT RAISE(ABORT, 'the sequence floor cannot be deleted'); END;
CREATE TRIGGER seq_floor_rises BEFORE UPDATE ON seq_floor  WHEN NEW.seq < OLD.seq OR NEW.id IS NOT OLD.id  BEGIN SELECT RAISE(ABORT, 'sequence numbers never go back'); END;
CREATE TRIGGER responses_record_removed AFTER DELETE ON responses  BEGIN UPDATE seq_floor SET seq = max(seq, OLD.seq) WHERE id = 1 AND seq < OLD.seq; END;
CREATE TRIGGER responses_seq_rises BEFORE INSERT ON responses  WHEN NEW.seq <= max(coalesce((SELECT max(seq) FROM responses), 0),                      (SELECT seq FROM seq_floor WHERE id = 1))  BEGIN SELECT RAISE(ABORT, 'sequence numbers never go back'); END;
CREATE TRIGGER responses_keep_answered BEFORE DELETE ON responses  WHEN EXISTS (SELECT 1 FROM answers WHERE id BETWEEN OLD.seq * 64 AND OLD.seq * 64 + 63)  BEGIN SELECT RAISE(ABORT, 'a response with answers cannot be deleted'); END;
CREATE TRIGGER answers_insert_open BEFORE INSERT ON answers  WHEN (SELECT status FROM responses WHERE seq = NEW.seq) IS NOT 0  BEGIN SELECT RAISE(ABORT, 'answers of a finished or missing response cannot change');  END;
CREATE TRIGGER answers_update_open BEFORE UPDATE ON answers  WHEN (SELECT status FROM responses WHERE seq = OLD.seq) IS NOT 0    OR NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq OR NEW.qid IS NOT OLD.qid  BEGIN SELECT RAISE(ABORT, 'answers of a finished response cannot change'); END;
CREATE TRIGGER answers_delete_open BEFORE DELETE ON answers  WHEN (SELECT status FROM responses WHERE seq = OLD.seq) IS NOT 0  BEGIN SELECT RAISE(ABORT, 'answers of a finished response cannot be deleted'); END;
CREATE TRIGGER sync_state_keep BEFORE DELETE ON sync_state  BEGIN SELECT RAISE(ABORT, 'the sync state cannot be deleted'); END;
CREATE TRIGGER sync_state_upto_rises BEFORE UPDATE OF upto ON sync_state  WHEN NEW.upto < OLD.upto  BEGIN SELECT RAISE(ABORT, 'the sync watermark never goes back'); END;
CREATE TRIGGER sync_delivered_keep BEFORE DELETE ON sync_delivered  BEGIN SELECT RAISE(ABORT, 'a delivered mark cannot be removed'); END;
CREATE TRIGGER sync_delivered_fixed BEFORE UPDATE ON sync_delivered  BEGIN SELECT RAISE(ABORT, 'a delivered mark cannot be changed'); END;
CREATE TRIGGER sync_delivered_count AFTER INSERT ON sync_delivered  BEGIN UPDATE sync_state SET delivered = delivered + 1 WHERE id = 1; END;
CREATE TRIGGER pin_state_keep BEFORE DELETE ON pin_state  BEGIN SELECT RAISE(ABORT, 'the PIN state cannot be deleted'); END;
CREATE TRIGGER responses_keep_identity BEFORE UPDATE OF  seq, uuid, kiosk_id, survey, started_utc_ms, clock_trusted, officer_id, counter, suspect  ON responses  BEGIN SELECT RAISE(ABORT, 'the identity of a response cannot be changed'); END;
CREATE TRIGGER responses_keep_finished BEFORE UPDATE ON responses  WHEN OLD.status <> 0 AND NOT (OLD.chain IS NULL AND NEW.chain IS NOT NULL    AND NEW.prev_chain IS NOT NULL AND NEW.chain_key IS NOT NULL    AND NEW.status IS OLD.status AND NEW.finished_utc_ms IS OLD.finished_utc_ms    AND NEW.finish_reason IS OLD.finish_reason AND NEW.lang IS OLD.lang)  BEGIN SELECT RAISE(ABORT, 'a finished response cannot be changed'); END;
CREATE TRIGGER chain_links_keep BEFORE DELETE ON chain_links  BEGIN SELECT RAISE(ABORT, 'a chain link cannot be deleted'); END;
CREATE TRIGGER chain_links_fixed BEFORE UPDATE ON chain_links  BEGIN SELECT RAISE(ABORT, 'a chain link cannot be changed'); END;
CREATE TABLE chain_era (  id INTEGER PRIMARY KEY CHECK (id = 1),  hmac_until INTEGER NOT NULL);
INSERT INTO chain_era VALUES(1,3);
CREATE TRIGGER chain_era_keep BEFORE DELETE ON chain_era  BEGIN SELECT RAISE(ABORT, 'the chain era cannot be deleted'); END;
CREATE TRIGGER chain_era_fixed BEFORE UPDATE ON chain_era  BEGIN SELECT RAISE(ABORT, 'the chain era cannot be changed'); END;
COMMIT;
