-- SPDX-License-Identifier: GPL-3.0-or-later
-- 003-report.sql: what reports, BI tools and people may read.
--
-- Schema hailong_report holds views only; the roles read them, never the
-- tables (a view reads with its owner's rights). The min-5 rule: no view of
-- hailong_read shows a breakdown of fewer than 5 responses (a figure of
-- fewer is NULL, a distribution row of a smaller group is left out), so no
-- individual answer can be read there. The citizens' own words and phone
-- numbers are in hailong_report.comments, for hailong_comments only.

-- The fleet: each kiosk, what it last said, and whether it is silent (no
-- request for its interval and silent_grace_s; never heard: silent).
CREATE VIEW hailong_report.fleet AS
SELECT k.id AS kiosk_id, k.unit, k.commune, k.district, k.enabled, k.key_fp,
       s.received_at AS last_seen,
       s.received_at IS NULL OR s.received_at < now() - make_interval(
           secs => coalesce(s.interval_s, 60)
                   + coalesce((SELECT value FROM hailong.settings
                               WHERE key = 'silent_grace_s'), 60)) AS silent,
       s.last_batch_at, s.software, s.survey_id, s.survey_version, s.survey_sha256,
       s.assignment_id, s.assignment_state, s.assignment_error, s.pending, s.oldest_pending,
       s.disk_free_bytes, s.clock_trusted, s.clock_skew_s, s.last_error, s.last_usb_export,
       s.uptime_s, s.interval_s, s.officer_id, s.requests,
       (SELECT h.verdict FROM hailong.chain_heads h WHERE h.kiosk_id = k.id
        ORDER BY h.id DESC LIMIT 1) AS last_head,
       (SELECT count(*) FROM hailong.alerts a WHERE a.kiosk_id = k.id
          AND a.acknowledged_at IS NULL) AS open_alerts
FROM hailong.kiosks k LEFT JOIN hailong.kiosk_status s ON s.kiosk_id = k.id;

CREATE VIEW hailong_report.alerts AS
SELECT id, kind, happened_at, recorded_at, kiosk_id, unit, counter, officer_id, details,
       acknowledged_at
FROM hailong.alerts;

-- Per unit and month: how many responses, and the shares (NULL below 5).
CREATE VIEW hailong_report.unit_month AS
SELECT unit, date_trunc('month', finished_at) AS month, count(*) AS responses,
       CASE WHEN count(*) >= 5 THEN count(*) FILTER (WHERE status = 'complete') END AS complete,
       CASE WHEN count(*) >= 5 THEN count(*) FILTER (WHERE status = 'partial') END AS partial,
       CASE WHEN count(*) >= 5 THEN count(*) FILTER (WHERE suspect IS NOT NULL) END AS suspect,
       CASE WHEN count(*) >= 5 THEN count(*) FILTER (WHERE negative) END AS negative,
       CASE WHEN count(*) >= 5 THEN count(*) FILTER (WHERE signed) END AS signed
FROM hailong.responses
GROUP BY unit, date_trunc('month', finished_at);

-- Per unit, officer and month; officers with fewer than 5 responses that
-- month are left out.
CREATE VIEW hailong_report.officer_month AS
SELECT unit, officer_id, date_trunc('month', finished_at) AS month, count(*) AS responses,
       count(*) FILTER (WHERE negative) AS negative
FROM hailong.responses
WHERE officer_id IS NOT NULL
GROUP BY unit, officer_id, date_trunc('month', finished_at)
HAVING count(*) >= 5;

-- Each question's distribution per unit and month, for the questions of
-- registered surveys whose answers are choices or scales (never text,
-- contact or number); a question answered fewer than 5 times that month
-- in that unit is left out.
CREATE VIEW hailong_report.question_month AS
WITH a AS (
    SELECT r.unit, date_trunc('month', r.finished_at) AS month, r.survey_id, a.question_id,
           q.type, a.value
    FROM hailong.responses r
    JOIN hailong.answers a ON a.response_id = r.response_id AND a.finished_at = r.finished_at
    JOIN hailong.survey_questions q ON q.sha256 = r.survey_sha256
                                   AND q.question_id = a.question_id
    WHERE q.type IN ('smiley', 'stars', 'nps', 'choice', 'multi', 'yesno')
), c AS (
    SELECT unit, month, survey_id, question_id, type, value, count(*) AS n,
           sum(count(*)) OVER (PARTITION BY unit, month, survey_id, question_id) AS total
    FROM a GROUP BY unit, month, survey_id, question_id, type, value
)
SELECT unit, month, survey_id, question_id, type, value, n, total FROM c WHERE total >= 5;

-- The citizens' own words and phone numbers (text and contact questions of
-- registered surveys), with the follow-up code shown to the citizen.
CREATE VIEW hailong_report.comments AS
SELECT r.response_id, r.kiosk_id, r.unit, r.counter, r.finished_at, r.followup,
       a.question_id, q.type, a.value
FROM hailong.responses r
JOIN hailong.answers a ON a.response_id = r.response_id AND a.finished_at = r.finished_at
JOIN hailong.survey_questions q ON q.sha256 = r.survey_sha256 AND q.question_id = a.question_id
WHERE q.type IN ('text', 'contact');

GRANT USAGE ON SCHEMA hailong_report TO hailong_read, hailong_comments;
GRANT SELECT ON hailong_report.fleet, hailong_report.alerts, hailong_report.unit_month,
      hailong_report.officer_month, hailong_report.question_month TO hailong_read;
GRANT SELECT ON hailong_report.comments TO hailong_comments;
