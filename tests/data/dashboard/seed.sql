-- SPDX-License-Identifier: GPL-3.0-or-later
-- seed.sql: the province the dashboard's browser test (tests/test_dashboard.c)
-- looks at, loaded as the database's owner after `hailong-server db migrate`
-- and `hailong-server survey add tests/data/dashboard/survey.json`.
--
-- Deterministic: every "random" choice is a byte of md5(a fixed string), and
-- every time is fixed, so the pages (with --clock-fixed
-- 2026-11-20T10:00:00+07:00) are the same on every run and can be compared
-- with golden screenshots. What it holds:
--   - 3 units with Vietnamese names (diacritics), 2 kiosks each (6), two
--     counters and two or three officers per unit;
--   - October and November 2026 (local time, up to 19 November) of responses
--     with answers: the main smiley question, yes/no, reasons after a low
--     rating (multi, '|'-joined), text comments and phone numbers; ~10 %
--     partial (half of them without the main answer), ~7 % suspect;
--   - a unit-month (UBND phường Đông Vệ, November: 17 responses) whose
--     officers have 8, 6 and 3, so min-5 hides the 3 and, against
--     differencing, the 6 as well;
--   - follow-ups of some October comments (handled, with a note);
--   - kiosk statuses: one silent since 16 November (dv-2), one with a skewed,
--     untrusted clock (qt-2), one behind with pending responses (hr-2);
--   - alerts: a negative burst, a forged chain head (acknowledged), a
--     truncated chain.

-- A number 0..65535 from a string: the seed's only source of chance.
CREATE FUNCTION pg_temp.r(s text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT get_byte(decode(md5(s), 'hex'), 0) * 256 + get_byte(decode(md5(s), 'hex'), 1)
$$;

INSERT INTO hailong.kiosks (id, unit, commune, district, token_hash, created_at, changed_at)
SELECT k.id, k.unit, k.commune, 'TP Thanh Hóa', sha256(convert_to('token-' || k.id, 'UTF8')),
       '2026-09-01T08:00:00+07', '2026-09-01T08:00:00+07'
FROM (VALUES ('hr-1', 'Phường Hàm Rồng', 'Hàm Rồng'), ('hr-2', 'Phường Hàm Rồng', 'Hàm Rồng'),
             ('qt-1', 'Xã Quảng Tâm', 'Quảng Tâm'), ('qt-2', 'Xã Quảng Tâm', 'Quảng Tâm'),
             ('dv-1', 'UBND phường Đông Vệ', 'Đông Vệ'),
             ('dv-2', 'UBND phường Đông Vệ', 'Đông Vệ')) AS k(id, unit, commune);

-- What each unit-month holds: its kiosks and their counters, its officers
-- with the cumulative bounds of their responses (the rest: no officer) and
-- the cumulative percentages of the main answer's best four levels.
CREATE TEMP TABLE plan (
    unit text, code text, kiosks text[], counters text[], month integer, days integer,
    n integer, officers text[], bounds integer[], levels integer[]
);
INSERT INTO plan VALUES
    ('Phường Hàm Rồng', 'hr', '{hr-1,hr-2}', '{"Quầy 1","Quầy 2"}', 10, 31, 160,
     '{cb-lan,cb-minh,cb-hung}', '{60,110,150}', '{45,80,90,96}'),
    ('Phường Hàm Rồng', 'hr', '{hr-1,hr-2}', '{"Quầy 1","Quầy 2"}', 11, 19, 120,
     '{cb-lan,cb-minh,cb-hung}', '{50,90,112}', '{45,80,90,96}'),
    ('Xã Quảng Tâm', 'qt', '{qt-1,qt-2}', '{"Quầy tiếp nhận","Quầy trả kết quả"}', 10, 31, 60,
     '{cb-thu,cb-tuan}', '{32,60}', '{25,55,75,88}'),
    ('Xã Quảng Tâm', 'qt', '{qt-1,qt-2}', '{"Quầy tiếp nhận","Quầy trả kết quả"}', 11, 19, 45,
     '{cb-thu,cb-tuan}', '{24,45}', '{25,55,75,88}'),
    ('UBND phường Đông Vệ', 'dv', '{dv-1,dv-2}', '{"Quầy 1","Quầy 2"}', 10, 31, 30,
     '{cb-an,cb-binh,cb-cuong}', '{12,22,30}', '{30,60,80,90}'),
    ('UBND phường Đông Vệ', 'dv', '{dv-1,dv-2}', '{"Quầy 1","Quầy 2"}', 11, 19, 17,
     '{cb-an,cb-binh,cb-cuong}', '{8,14,17}', '{30,60,80,90}');

CREATE TEMP TABLE seed_resp AS
WITH base AS (
    SELECT p.*, i, p.code || '-' || p.month || '-' || i AS tag,
           p.kiosks[1 + i % 2] AS kiosk, p.counters[1 + i % 2] AS counter
    FROM plan p, generate_series(1, p.n) AS i
), timed AS (
    SELECT b.*,
           make_timestamptz(2026, b.month,
               -- the silent kiosk said nothing after 15 November
               1 + pg_temp.r(b.tag || 'd') % (CASE WHEN b.kiosk = 'dv-2' AND b.month = 11
                                                   THEN 15 ELSE b.days END),
               7 + pg_temp.r(b.tag || 'h') % 10, pg_temp.r(b.tag || 'm') % 60,
               pg_temp.r(b.tag || 's') % 60, 'Asia/Ho_Chi_Minh') AS fin,
           (SELECT min(o.k) FROM generate_subscripts(b.bounds, 1) AS o(k)
            WHERE b.i <= b.bounds[o.k]) AS officer_k,
           pg_temp.r(b.tag || 'o') % 100 AS lvl,
           pg_temp.r(b.tag || 'p') % 100 < 10 AS partial,
           pg_temp.r(b.tag || 'q') % 2 = 0 AS partial_unrated,
           pg_temp.r(b.tag || 'x') % 100 AS sus,
           pg_temp.r(b.tag || 'c') % 100 < 14 AS commented
    FROM base b
)
SELECT md5('seed-' || t.tag)::uuid AS response_id, t.kiosk, t.unit, t.counter, t.tag,
       t.officers[t.officer_k] AS officer_id, t.fin AS finished_at,
       t.fin - make_interval(secs => 40 + pg_temp.r(t.tag || 'l') % 140) AS started_at,
       CASE WHEN t.partial THEN 'partial' ELSE 'complete' END AS status,
       CASE WHEN t.sus < 4 THEN 'min_interval' WHEN t.sus < 7 THEN 'max_per_hour' END AS suspect,
       CASE WHEN t.partial AND t.partial_unrated THEN NULL
            WHEN t.lvl < t.levels[1] THEN 'very_satisfied'
            WHEN t.lvl < t.levels[2] THEN 'satisfied'
            WHEN t.lvl < t.levels[3] THEN 'neutral'
            WHEN t.lvl < t.levels[4] THEN 'dissatisfied'
            ELSE 'very_dissatisfied' END AS overall,
       t.partial, t.commented AND NOT t.partial AS commented,
       CASE WHEN pg_temp.r(t.tag || 'g') % 10 = 0 THEN 'en' ELSE 'vi' END AS language,
       NOT (t.kiosk = 'qt-2' AND t.month = 11) AS clock_trusted
FROM timed t;

-- The kiosks' sequence numbers follow their responses' times.
ALTER TABLE seed_resp ADD COLUMN seq bigint;
UPDATE seed_resp s SET seq = o.seq
FROM (SELECT response_id, row_number() OVER (PARTITION BY kiosk ORDER BY finished_at,
                                                  response_id) AS seq
      FROM seed_resp) o
WHERE o.response_id = s.response_id;

CREATE TEMP TABLE seed_ans AS
SELECT response_id, 'overall' AS question_id, overall AS value, tag FROM seed_resp
WHERE overall IS NOT NULL
UNION ALL
SELECT response_id, 'result_on_time',
       CASE WHEN pg_temp.r(tag || 'y') % 100 < 85 THEN 'yes' ELSE 'no' END, tag
FROM seed_resp WHERE NOT partial
UNION ALL
-- one or two reasons after a low rating, in the options' order
SELECT response_id, 'reasons',
       (SELECT string_agg(o, '|' ORDER BY k) FROM unnest(
            ARRAY['slow', 'unclear_guidance', 'attitude']) WITH ORDINALITY AS x(o, k)
        WHERE k = 1 + pg_temp.r(tag || 'a') % 3
           OR (pg_temp.r(tag || 'b') % 2 = 0 AND k = 1 + pg_temp.r(tag || 'b2') % 3)), tag
FROM seed_resp WHERE NOT partial AND overall IN ('dissatisfied', 'very_dissatisfied')
UNION ALL
SELECT response_id, 'gop_y',
       (ARRAY['Cán bộ hướng dẫn tận tình, cảm ơn.',
              'Phải chờ quá lâu, nên có thêm quầy vào buổi sáng.',
              'Nhà vệ sinh cần sạch sẽ hơn.',
              'Máy lấy số thứ tự hay bị hỏng.',
              'Thủ tục nhanh gọn, rất hài lòng.',
              'Nên niêm yết lệ phí rõ ràng hơn.',
              'Chỗ để xe chật, khó tìm chỗ đỗ.',
              'Cán bộ trả lời điện thoại chậm.'])[1 + pg_temp.r(tag || 't') % 8], tag
FROM seed_resp WHERE commented
UNION ALL
SELECT response_id, 'lien_he', '09' || lpad((pg_temp.r(tag || 'n1') * 1000 % 100000000
                                             + pg_temp.r(tag || 'n2'))::text, 8, '0'), tag
FROM seed_resp WHERE commented AND pg_temp.r(tag || 'f') % 3 = 0;

-- A response's follow-up code (hl_response.h's alphabet) and its raw row.
INSERT INTO hailong.response_ids (response_id, kiosk_id, seq, finished_at, signed, raw_sha256)
SELECT response_id, kiosk, seq, finished_at, true, sha256(convert_to(tag, 'UTF8'))
FROM seed_resp;

INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, survey_version,
    survey_sha256, language, started_at, finished_at, status, suspect, clock_trusted,
    officer_id, counter, followup, chain, prev_chain, signed, negative, received_at, raw)
SELECT s.response_id, s.kiosk, s.seq, s.unit, v.survey_id, v.version, v.sha256, s.language,
       s.started_at, s.finished_at, s.status, s.suspect, s.clock_trusted, s.officer_id,
       s.counter,
       (SELECT string_agg(substr('23456789ACDEGHKMNPQRTVXY',
                                 1 + pg_temp.r(s.tag || 'fu' || k) % 24, 1), '' ORDER BY k)
        FROM generate_series(1, 6) k),
       NULL, NULL, true, coalesce(s.overall IN ('dissatisfied', 'very_dissatisfied'), false),
       s.finished_at + interval '70 seconds',
       jsonb_build_object('response_id', s.response_id, 'kiosk_id', s.kiosk, 'seq', s.seq,
                          'status', s.status, 'finished_at', s.finished_at,
                          'answers', (SELECT jsonb_object_agg(a.question_id,
                                                 jsonb_build_object('value', a.value))
                                      FROM seed_ans a WHERE a.response_id = s.response_id))::text
FROM seed_resp s, hailong.surveys v
WHERE v.survey_id = 'bang-dieu-khien';

INSERT INTO hailong.answers (response_id, unit, finished_at, question_id, value, ms)
SELECT a.response_id, s.unit, s.finished_at, a.question_id, a.value,
       1500 + pg_temp.r(a.tag || a.question_id) % 9000
FROM seed_ans a JOIN seed_resp s USING (response_id);

-- Comments followed up already: Hàm Rồng's October comments from its first
-- kiosk, handled a few hours to three days later.
INSERT INTO hailong.followups (response_id, unit, state, note, handled_at, handled_by)
SELECT s.response_id, s.unit, 'handled', 'Đã liên hệ lại, giải thích thủ tục.',
       s.finished_at + make_interval(hours => 2 + pg_temp.r(s.tag || 'hd') % 70),
       'can-bo.hr'
FROM seed_resp s
WHERE s.commented AND s.kiosk = 'hr-1' AND s.finished_at < '2026-11-01T00:00:00+07';

-- The fleet as the clock (2026-11-20 10:00 +07) finds it.
INSERT INTO hailong.kiosk_status (kiosk_id, received_at, requests, last_batch_at, software,
    kiosk_time, clock_skew_s, clock_trusted, uptime_s, interval_s, survey_id, survey_version,
    survey_sha256, pending, oldest_pending, disk_free_bytes, last_error, officer_id, status)
SELECT k.id, k.seen, 1000 + pg_temp.r(k.id) % 5000, k.seen - interval '5 minutes', k.sw,
       k.seen + make_interval(secs => k.skew), k.skew, k.trusted, 86400 * 3 + 3600, 60,
       v.survey_id, v.version, v.sha256, k.pending,
       CASE WHEN k.pending > 0 THEN k.seen - interval '2 hours' END, k.disk, k.err, NULL,
       jsonb_build_object('software', k.sw, 'pending', k.pending)
FROM (VALUES
        ('hr-1', timestamptz '2026-11-20T09:59:20+07', '1.4.0', 0.4, true, 0, 12884901888, NULL),
        ('hr-2', timestamptz '2026-11-20T09:58:45+07', '1.4.0', -1.2, true, 37, 9663676416,
         'sync: connection reset by peer'),
        ('qt-1', timestamptz '2026-11-20T09:59:50+07', '1.4.0', 0.8, true, 0, 14495514624, NULL),
        ('qt-2', timestamptz '2026-11-20T09:59:10+07', '1.3.2', 742.0, false, 2, 3221225472,
         NULL),
        ('dv-1', timestamptz '2026-11-20T09:59:35+07', '1.4.0', 0.2, true, 0, 13958643712, NULL),
        ('dv-2', timestamptz '2026-11-16T16:42:05+07', '1.4.0', 0.3, true, 5, 10737418240,
         NULL)) AS k(id, seen, sw, skew, trusted, pending, disk, err),
     hailong.surveys v
WHERE v.survey_id = 'bang-dieu-khien';

INSERT INTO hailong.alerts (kind, happened_at, recorded_at, kiosk_id, unit, counter, officer_id,
                            details, acknowledged_at)
VALUES ('negative_burst', '2026-11-18T14:20:00+07', '2026-11-18T14:21:10+07', 'qt-2',
        'Xã Quảng Tâm', 'Quầy trả kết quả', 'cb-tuan',
        '{"responses": 5, "negative": 4, "window_s": 900}', NULL),
       ('forged_head', '2026-11-12T09:05:00+07', '2026-11-12T09:05:02+07', 'dv-1',
        'UBND phường Đông Vệ', NULL, NULL, '{"seq": 41, "note": "signature does not verify"}',
        '2026-11-12T11:30:00+07'),
       ('truncation', '2026-11-19T08:10:00+07', '2026-11-19T08:10:04+07', 'hr-2',
        'Phường Hàm Rồng', NULL, NULL, '{"from_seq": 130, "to_seq": 128}', NULL);

-- The dashboard's rollups (004-stats.sql) brought up to date now, before the
-- server starts, so that no page depends on when its refresh thread runs.
SELECT hailong.refresh_stats();
