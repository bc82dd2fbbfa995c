-- SPDX-License-Identifier: GPL-3.0-or-later
-- 004-stats.sql: the dashboard's figures at scale: rollups of the responses
-- by local day, kept fresh by one function, read by the pages through a few
-- functions that take "now" as a parameter.
--
-- The pages never scan hailong.responses: a province of 10 million
-- responses is 60 units x 730 days, and a month's page reads at most a few
-- thousand rollup rows. Days and hours are local (Asia/Ho_Chi_Minh, UTC+7,
-- no DST): a response that finished at 23:30 UTC counts on the next day.
--
-- Rollups (rebuilt per (unit, local day) by hailong.refresh_stats):
--   hailong.stats_cell      per unit, day, place (the counter, else the
--                           kiosk), officer ('' when none), local hour and
--                           survey_id: responses, complete, partial, suspect,
--                           negative, rated, satisfied
--   hailong.stats_unit_day  per unit and day: the same sums, and comments
--                           (responses with a non-empty text answer)
--   hailong.stats_question_day  per unit, day, survey_id, question_id, value:
--                           n, for smiley, stars, nps, choice, multi, yesno
--                           questions of registered surveys; a multi answer
--                           counts once per option it names; the row with
--                           value '' (never an answer) is how many answered
-- rated = responses that answered their survey's main question (its first
-- smiley, stars or nps question: hailong.survey_main); satisfied = the
-- answer is in its top two levels (hailong.survey_satisfied: smiley the two
-- best faces, stars 4-5, nps 9-10). Responses of a survey the province never
-- registered count as responses, not as rated; registering it later
-- recomputes their days.
--
-- Freshness: a statement-level trigger on hailong.responses logs each
-- (unit, day) an insert touched in hailong.stats_touched (in the inserting
-- transaction, so it appears exactly when the responses do: a watermark on
-- received_at would miss a transaction that took its now() before the last
-- refresh and committed after it). hailong.refresh_stats() takes the logged
-- pairs it can see, deletes their log rows and recomputes those pairs from
-- the raw tables; a pair logged while it runs stays for the next call. A late
-- response for an old day logs that old day. The service calls it every 30 s
-- (srv_stats.c), so a page is at most about 30 s plus one refresh behind the
-- database; hailong.stats_state says when the last refresh ended.
--
-- What keeps the pages fast (tests/support/bench_dashboard.sh: 10 million
-- responses): the overview reads stats_unit_day by its day index (a month of
-- every unit: ~1,800 rows); a unit's page reads stats_cell and
-- stats_question_day by their keys (unit, day, ...), written in (unit, day)
-- order so a unit-month sits on few pages; the fleet counts open alerts by
-- (kiosk_id, recorded_at) and the alerts page filters by (unit, recorded_at).
--
-- Functions the pages call (SECURITY DEFINER; role hailong_web may EXECUTE;
-- months are the first day of a local month, p_now pins "now": days after
-- p_now's local day are left out, alerts recorded after it too):
--   hailong.refresh_stats(p_max_pairs integer DEFAULT NULL) RETURNS integer
--       the (unit, day) pairs recomputed (at most p_max_pairs when given,
--       the oldest logged first); waits for a refresh already running
--   hailong.dash_overview(p_month date, p_now timestamptz)
--       RETURNS TABLE (kind text, key text, responses bigint, complete bigint,
--                      partial bigint, suspect bigint, negative bigint,
--                      rated bigint, satisfied bigint, comments bigint)
--       kind 'province' (key ''): the month's whole; 'unit' (key: the unit;
--       every unit with a kiosk or responses, zeros included); 'week' (key:
--       YYYY-MM-DD, the first day of the month's days of one ISO week, every
--       such week up to p_now, zeros included)
--   hailong.dash_unit(p_unit text, p_month date, p_now timestamptz)
--       RETURNS the same columns; kind 'unit' (key: the unit, the whole);
--       'week' (as above); 'counter' (key: the place); 'officer' (key: the
--       officer id; responses without an officer are in no row: the whole
--       minus the officers); 'hour' (key: 0..23, local, hours with responses)
--   hailong.dash_questions(p_unit text, p_month date, p_now timestamptz)
--       RETURNS TABLE (survey_id text, question_id text, type text,
--                      qposition integer, role text, value text, n bigint,
--                      answered bigint)
--       each choice-like question's distribution for the unit-month; role
--       'main' (the satisfaction question), 'reasons' (a choice or multi
--       question shown after a low main rating: show_if at_most on it) or
--       'other'; answered = the responses that answered it (for multi, the
--       n of its options add up to more)
--   hailong.dash_fleet(p_now timestamptz, p_unit text DEFAULT NULL)
--       RETURNS TABLE (kiosk_id, unit, commune, district, enabled, last_seen,
--                      silent, pending, oldest_pending, disk_free_bytes,
--                      clock_trusted, clock_skew_s, software, survey_id,
--                      survey_version, survey_sha256, assignment_state,
--                      last_error, last_usb_export, officer_id, last_head,
--                      open_alerts): hailong_report.fleet at p_now
--   hailong.dash_alerts(p_now timestamptz, p_unit text DEFAULT NULL,
--                       p_limit integer DEFAULT 200)
--       RETURNS TABLE (id bigint, kind text, happened_at timestamptz,
--                      recorded_at timestamptz, kiosk_id text, unit text,
--                      counter text, officer_id text, details jsonb,
--                      acknowledged_at timestamptz): newest first
-- Who may see which unit is the caller's check (005-web.sql and the C);
-- these functions show any unit they are asked for.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hailong_web') THEN
        CREATE ROLE hailong_web NOLOGIN;
    END IF;
END
$$;

-- A moment's local day and hour (Vietnam: UTC+7, no DST).
CREATE FUNCTION hailong.local_day(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE 'Asia/Ho_Chi_Minh')::date $$;
CREATE FUNCTION hailong.local_hour(t timestamptz) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT extract(hour FROM t AT TIME ZONE 'Asia/Ho_Chi_Minh')::smallint $$;
-- The first moment of a local day.
CREATE FUNCTION hailong.local_start(d date) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT d::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' $$;

-- ---- What a survey's answers mean for the figures -------------------------------------

-- Each registered survey's main question: its first smiley, stars or nps.
CREATE TABLE hailong.survey_main (
    sha256 text PRIMARY KEY REFERENCES hailong.surveys ON DELETE CASCADE,
    question_id text NOT NULL, -- the question "rated" counts answers to
    type text NOT NULL         -- smiley, stars or nps
);
-- The main question's answers that count as satisfied (its top two levels).
CREATE TABLE hailong.survey_satisfied (
    sha256 text NOT NULL REFERENCES hailong.surveys ON DELETE CASCADE,
    question_id text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (sha256, question_id, value)
);
-- Choice and multi questions shown only after a low main rating (show_if
-- at_most on the main question): the reasons.
CREATE TABLE hailong.survey_reasons (
    sha256 text NOT NULL REFERENCES hailong.surveys ON DELETE CASCADE,
    question_id text NOT NULL,
    PRIMARY KEY (sha256, question_id)
);

-- Fills the three tables above for one survey from its text (checked by
-- hailong-server when registered; the smiley's options are best first).
CREATE FUNCTION hailong.survey_stats_fill(p_sha256 text, p_body text) RETURNS void
LANGUAGE plpgsql SET search_path = hailong, pg_temp AS $$
DECLARE
    j json := p_body::json;
    q record;
BEGIN
    DELETE FROM survey_main WHERE sha256 = p_sha256;
    DELETE FROM survey_satisfied WHERE sha256 = p_sha256;
    DELETE FROM survey_reasons WHERE sha256 = p_sha256;
    SELECT e.q AS q, e.q->>'type' AS type, e.q->>'id' AS id INTO q
    FROM json_array_elements(j->'questions') WITH ORDINALITY AS e(q, ord)
    WHERE e.q->>'type' IN ('smiley', 'stars', 'nps') AND e.q->>'id' IS NOT NULL
    ORDER BY e.ord LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO survey_main VALUES (p_sha256, q.id, q.type);
    IF q.type = 'smiley' THEN
        INSERT INTO survey_satisfied
        SELECT p_sha256, q.id, o.opt->>'id'
        FROM json_array_elements(q.q->'options') WITH ORDINALITY AS o(opt, ord)
        WHERE o.ord <= 2 AND o.opt->>'id' IS NOT NULL
        ON CONFLICT DO NOTHING;
    ELSIF q.type = 'stars' THEN
        INSERT INTO survey_satisfied VALUES (p_sha256, q.id, '4'), (p_sha256, q.id, '5');
    ELSE
        INSERT INTO survey_satisfied VALUES (p_sha256, q.id, '9'), (p_sha256, q.id, '10');
    END IF;
    INSERT INTO survey_reasons
    SELECT p_sha256, e.q->>'id'
    FROM json_array_elements(j->'questions') AS e(q)
    WHERE e.q->>'type' IN ('choice', 'multi') AND e.q->>'id' IS NOT NULL
      AND e.q->'show_if'->>'question' = q.id AND e.q->'show_if'->>'at_most' IS NOT NULL
    ON CONFLICT DO NOTHING;
END
$$;

-- ---- The rollups ----------------------------------------------------------------------

CREATE TABLE hailong.stats_cell (
    unit text NOT NULL,
    day date NOT NULL,          -- local day
    place text NOT NULL,        -- coalesce(counter, kiosk_id)
    officer text NOT NULL,      -- officer_id, '' when none
    hour smallint NOT NULL,     -- local hour, 0..23
    survey_id text NOT NULL,
    responses integer NOT NULL, -- all stored responses
    complete integer NOT NULL,  -- status 'complete'
    partial integer NOT NULL,   -- status 'partial'
    suspect integer NOT NULL,   -- suspect IS NOT NULL
    negative integer NOT NULL,  -- negative (the lower part of the main question)
    rated integer NOT NULL,     -- answered the main question
    satisfied integer NOT NULL, -- answered it in its top two levels
    PRIMARY KEY (unit, day, place, officer, hour, survey_id)
);

CREATE TABLE hailong.stats_unit_day (
    unit text NOT NULL,
    day date NOT NULL,
    responses integer NOT NULL,
    complete integer NOT NULL,
    partial integer NOT NULL,
    suspect integer NOT NULL,
    negative integer NOT NULL,
    rated integer NOT NULL,
    satisfied integer NOT NULL,
    comments integer NOT NULL, -- responses with a non-empty answer to a text question
    PRIMARY KEY (unit, day)
);
-- The province overview reads a month of every unit.
CREATE INDEX stats_unit_day_day ON hailong.stats_unit_day (day);

CREATE TABLE hailong.stats_question_day (
    unit text NOT NULL,
    day date NOT NULL,
    survey_id text NOT NULL,
    question_id text NOT NULL,
    value text NOT NULL, -- an answer (a multi's option); '' = answered at all
    n integer NOT NULL,
    PRIMARY KEY (unit, day, survey_id, question_id, value)
);

-- The (unit, day) pairs inserts touched since the last refresh took them.
-- Insert-only for the ingest (no row is updated, so concurrent pushes never
-- wait for each other here); refresh_stats deletes what it took.
CREATE TABLE hailong.stats_touched (
    id bigserial PRIMARY KEY,
    unit text NOT NULL,
    day date NOT NULL
);

-- One row: the last refresh (for a page's "figures as of").
CREATE TABLE hailong.stats_state (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    refreshed_at timestamptz,   -- when the last refresh ended (the database's clock)
    pairs integer,              -- the (unit, day) pairs it recomputed
    ms double precision         -- how long it took
);
INSERT INTO hailong.stats_state VALUES (true, NULL, NULL, NULL);

CREATE FUNCTION hailong.stats_touch() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    INSERT INTO stats_touched (unit, day)
    SELECT DISTINCT n.unit, local_day(n.finished_at) FROM new_rows n;
    RETURN NULL;
END
$$;
CREATE TRIGGER responses_stats_touch AFTER INSERT ON hailong.responses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hailong.stats_touch();

-- A survey registered after its responses arrived: their days again.
CREATE FUNCTION hailong.survey_stats_registered() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    PERFORM survey_stats_fill(NEW.sha256, NEW.body);
    INSERT INTO stats_touched (unit, day)
    SELECT DISTINCT r.unit, local_day(r.finished_at) FROM responses r
    WHERE r.survey_sha256 = NEW.sha256;
    RETURN NULL;
END
$$;
CREATE TRIGGER surveys_stats AFTER INSERT ON hailong.surveys
    FOR EACH ROW EXECUTE FUNCTION hailong.survey_stats_registered();

-- Recomputes the pairs in the temporary table stats_pairs (unit, day, lo,
-- hi: the day's first moment and the next day's). Few pairs: an index range
-- of hailong.responses per pair; many (the first refresh of a large
-- database): one pass over the months they span, joined by hash.
CREATE FUNCTION hailong.stats_recompute(p_bulk boolean) RETURNS void
LANGUAGE plpgsql SET search_path = hailong, pg_temp AS $$
DECLARE
    v_lo timestamptz;
    v_hi timestamptz;
BEGIN
    SELECT min(p.lo), max(p.hi) INTO v_lo, v_hi FROM stats_pairs p;
    DELETE FROM stats_cell c USING stats_pairs p WHERE c.unit = p.unit AND c.day = p.day;
    DELETE FROM stats_unit_day c USING stats_pairs p WHERE c.unit = p.unit AND c.day = p.day;
    DELETE FROM stats_question_day c USING stats_pairs p WHERE c.unit = p.unit AND c.day = p.day;

    -- The responses of the pairs, with what the figures need of each.
    CREATE TEMP TABLE IF NOT EXISTS stats_resp (
        response_id uuid, unit text, day date, finished_at timestamptz, place text,
        officer text, hour smallint, survey_id text, survey_sha256 text, status text,
        suspect boolean, negative boolean
    ) ON COMMIT DELETE ROWS;
    TRUNCATE stats_resp;
    IF p_bulk THEN
        INSERT INTO stats_resp
        SELECT r.response_id, r.unit, local_day(r.finished_at), r.finished_at,
               coalesce(r.counter, r.kiosk_id), coalesce(r.officer_id, ''),
               local_hour(r.finished_at), r.survey_id, r.survey_sha256, r.status,
               r.suspect IS NOT NULL, coalesce(r.negative, false)
        FROM responses r JOIN stats_pairs p
          ON p.unit = r.unit AND p.day = local_day(r.finished_at)
        WHERE r.finished_at >= v_lo AND r.finished_at < v_hi;
    ELSE
        INSERT INTO stats_resp
        SELECT r.response_id, r.unit, p.day, r.finished_at, coalesce(r.counter, r.kiosk_id),
               coalesce(r.officer_id, ''), local_hour(r.finished_at), r.survey_id,
               r.survey_sha256, r.status, r.suspect IS NOT NULL, coalesce(r.negative, false)
        FROM stats_pairs p
        -- one index range per pair, in its month's partition only (a join
        -- the planner may turn into a scan of every partition: seconds on
        -- millions of responses)
        CROSS JOIN LATERAL (
            SELECT * FROM responses r1
            WHERE r1.unit = p.unit AND r1.finished_at >= p.lo AND r1.finished_at < p.hi
            OFFSET 0) r;
    END IF;
    -- (looked up by id: a plan that holds when today's partition has no
    -- statistics yet and the planner thinks it empty)
    CREATE INDEX IF NOT EXISTS stats_resp_id ON stats_resp (response_id);
    ANALYZE stats_resp;

    -- Their answers to registered surveys' questions, with the question's type.
    CREATE TEMP TABLE IF NOT EXISTS stats_ans (
        response_id uuid, unit text, day date, survey_id text, survey_sha256 text,
        question_id text, type text, value text
    ) ON COMMIT DELETE ROWS;
    TRUNCATE stats_ans;
    IF p_bulk THEN
        INSERT INTO stats_ans
        SELECT x.response_id, x.unit, x.day, x.survey_id, x.survey_sha256, a.question_id,
               q.type, a.value
        FROM answers a
        JOIN stats_resp x ON x.response_id = a.response_id AND x.finished_at = a.finished_at
        JOIN survey_questions q ON q.sha256 = x.survey_sha256 AND q.question_id = a.question_id
        WHERE a.finished_at >= v_lo AND a.finished_at < v_hi
          AND q.type IN ('smiley', 'stars', 'nps', 'choice', 'multi', 'yesno', 'text');
    ELSE
        INSERT INTO stats_ans
        SELECT x.response_id, x.unit, x.day, x.survey_id, x.survey_sha256, a.question_id,
               q.type, a.value
        FROM stats_pairs p
        CROSS JOIN LATERAL (
            SELECT * FROM answers a1
            WHERE a1.unit = p.unit AND a1.finished_at >= p.lo AND a1.finished_at < p.hi
            OFFSET 0) a
        JOIN stats_resp x ON x.response_id = a.response_id AND x.finished_at = a.finished_at
        JOIN survey_questions q ON q.sha256 = x.survey_sha256 AND q.question_id = a.question_id
        WHERE q.type IN ('smiley', 'stars', 'nps', 'choice', 'multi', 'yesno', 'text');
    END IF;
    ANALYZE stats_ans;

    -- The cells, kept apart first: the unit-days are summed from them, not
    -- from hailong.stats_cell, and they go in by unit and day (a unit-month
    -- on few pages, for the pages that read it).
    CREATE TEMP TABLE IF NOT EXISTS stats_new (LIKE stats_cell) ON COMMIT DELETE ROWS;
    TRUNCATE stats_new;
    INSERT INTO stats_new
    SELECT x.unit, x.day, x.place, x.officer, x.hour, x.survey_id, count(*),
           count(*) FILTER (WHERE x.status = 'complete'),
           count(*) FILTER (WHERE x.status = 'partial'), count(*) FILTER (WHERE x.suspect),
           count(*) FILTER (WHERE x.negative), count(m.response_id),
           count(m.response_id) FILTER (WHERE m.satisfied)
    FROM stats_resp x
    LEFT JOIN (
        SELECT a.response_id, s.value IS NOT NULL AS satisfied
        FROM stats_ans a
        JOIN survey_main sm ON sm.sha256 = a.survey_sha256 AND sm.question_id = a.question_id
        LEFT JOIN survey_satisfied s ON s.sha256 = a.survey_sha256
                                    AND s.question_id = a.question_id AND s.value = a.value
    ) m ON m.response_id = x.response_id
    GROUP BY x.unit, x.day, x.place, x.officer, x.hour, x.survey_id;
    INSERT INTO stats_cell SELECT * FROM stats_new ORDER BY unit, day;

    INSERT INTO stats_unit_day
    SELECT c.unit, c.day, sum(c.responses), sum(c.complete), sum(c.partial), sum(c.suspect),
           sum(c.negative), sum(c.rated), sum(c.satisfied), coalesce(min(t.n), 0)
    FROM stats_new c
    LEFT JOIN (
        SELECT a.unit, a.day, count(DISTINCT a.response_id) AS n FROM stats_ans a
        WHERE a.type = 'text' AND btrim(a.value) <> '' GROUP BY a.unit, a.day
    ) t ON t.unit = c.unit AND t.day = c.day
    GROUP BY c.unit, c.day
    ORDER BY c.unit, c.day;

    INSERT INTO stats_question_day
    SELECT a.unit, a.day, a.survey_id, a.question_id, v.value, count(*)
    FROM stats_ans a
    CROSS JOIN LATERAL (
        SELECT ''::text
        UNION ALL
        SELECT o FROM string_to_table(a.value, '|') o WHERE a.type = 'multi' AND o <> ''
        UNION ALL
        SELECT a.value WHERE a.type <> 'multi') v(value)
    WHERE a.type <> 'text'
    GROUP BY a.unit, a.day, a.survey_id, a.question_id, v.value
    ORDER BY a.unit, a.day;
END
$$;

CREATE FUNCTION hailong.refresh_stats(p_max_pairs integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp
SET client_min_messages = warning AS $$
DECLARE
    n integer;
    t0 timestamptz := clock_timestamp();
BEGIN
    -- One refresh at a time (a second caller waits, then finds little to do).
    PERFORM pg_advisory_xact_lock(7110004);
    CREATE TEMP TABLE IF NOT EXISTS stats_pairs (
        unit text, day date, lo timestamptz, hi timestamptz, PRIMARY KEY (unit, day)
    ) ON COMMIT DELETE ROWS;
    TRUNCATE stats_pairs;
    -- The pairs logged so far (the oldest first when bounded). The log rows
    -- taken are deleted; a row committed after this statement began stays.
    WITH pick AS (
        SELECT t.unit, t.day FROM stats_touched t
        GROUP BY t.unit, t.day ORDER BY min(t.id)
        LIMIT p_max_pairs
    ), gone AS (
        DELETE FROM stats_touched t USING pick p
        WHERE t.unit = p.unit AND t.day = p.day
        RETURNING t.unit, t.day
    )
    INSERT INTO stats_pairs
    SELECT DISTINCT g.unit, g.day, local_start(g.day), local_start(g.day + 1) FROM gone g;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        ANALYZE stats_pairs;
        PERFORM stats_recompute(n > 2000);
    END IF;
    UPDATE stats_state SET refreshed_at = clock_timestamp(), pairs = n,
        ms = extract(epoch FROM clock_timestamp() - t0) * 1000;
    RETURN n;
END
$$;

-- ---- What the pages call --------------------------------------------------------------

-- The clipped weeks of a month up to p_now: each ISO week's first day
-- inside the month.
CREATE FUNCTION hailong.dash_weeks_of(p_month date, p_now timestamptz)
RETURNS TABLE (week date)
LANGUAGE sql STABLE SET search_path = hailong, pg_temp AS $$
    SELECT DISTINCT greatest(date_trunc('week', d)::date, p_month)
    FROM generate_series(p_month, (p_month + interval '1 month - 1 day')::date, interval '1 day') d
    WHERE d::date <= local_day(p_now)
$$;

CREATE FUNCTION hailong.dash_overview(p_month date, p_now timestamptz)
RETURNS TABLE (kind text, key text, responses bigint, complete bigint, partial bigint,
               suspect bigint, negative bigint, rated bigint, satisfied bigint, comments bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
    WITH m AS (
        SELECT date_trunc('month', p_month)::date AS first,
               least((date_trunc('month', p_month) + interval '1 month - 1 day')::date,
                     local_day(p_now)) AS last
    ), d AS (
        SELECT s.* FROM stats_unit_day s, m WHERE s.day BETWEEN m.first AND m.last
    ), units AS (
        SELECT DISTINCT unit FROM kiosks UNION SELECT DISTINCT unit FROM d
    )
    SELECT 'province', '', coalesce(sum(d.responses), 0)::bigint,
           coalesce(sum(d.complete), 0)::bigint, coalesce(sum(d.partial), 0)::bigint,
           coalesce(sum(d.suspect), 0)::bigint, coalesce(sum(d.negative), 0)::bigint,
           coalesce(sum(d.rated), 0)::bigint, coalesce(sum(d.satisfied), 0)::bigint,
           coalesce(sum(d.comments), 0)::bigint
    FROM d
    UNION ALL
    SELECT 'unit', u.unit, coalesce(sum(d.responses), 0)::bigint,
           coalesce(sum(d.complete), 0)::bigint, coalesce(sum(d.partial), 0)::bigint,
           coalesce(sum(d.suspect), 0)::bigint, coalesce(sum(d.negative), 0)::bigint,
           coalesce(sum(d.rated), 0)::bigint, coalesce(sum(d.satisfied), 0)::bigint,
           coalesce(sum(d.comments), 0)::bigint
    FROM units u LEFT JOIN d ON d.unit = u.unit
    GROUP BY u.unit
    UNION ALL
    SELECT 'week', to_char(w.week, 'YYYY-MM-DD'), coalesce(sum(d.responses), 0)::bigint,
           coalesce(sum(d.complete), 0)::bigint, coalesce(sum(d.partial), 0)::bigint,
           coalesce(sum(d.suspect), 0)::bigint, coalesce(sum(d.negative), 0)::bigint,
           coalesce(sum(d.rated), 0)::bigint, coalesce(sum(d.satisfied), 0)::bigint,
           coalesce(sum(d.comments), 0)::bigint
    FROM dash_weeks_of(date_trunc('month', p_month)::date, p_now) w
    LEFT JOIN d ON greatest(date_trunc('week', d.day)::date, date_trunc('month', d.day)::date)
                   = w.week
    GROUP BY w.week
    ORDER BY 1, 2
$$;

CREATE FUNCTION hailong.dash_unit(p_unit text, p_month date, p_now timestamptz)
RETURNS TABLE (kind text, key text, responses bigint, complete bigint, partial bigint,
               suspect bigint, negative bigint, rated bigint, satisfied bigint, comments bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
    WITH m AS (
        SELECT date_trunc('month', p_month)::date AS first,
               least((date_trunc('month', p_month) + interval '1 month - 1 day')::date,
                     local_day(p_now)) AS last
    ), c AS (
        SELECT s.* FROM stats_cell s, m
        WHERE s.unit = p_unit AND s.day BETWEEN m.first AND m.last
    ), d AS (
        SELECT s.* FROM stats_unit_day s, m
        WHERE s.unit = p_unit AND s.day BETWEEN m.first AND m.last
    )
    SELECT 'unit', p_unit, coalesce(sum(d.responses), 0)::bigint,
           coalesce(sum(d.complete), 0)::bigint, coalesce(sum(d.partial), 0)::bigint,
           coalesce(sum(d.suspect), 0)::bigint, coalesce(sum(d.negative), 0)::bigint,
           coalesce(sum(d.rated), 0)::bigint, coalesce(sum(d.satisfied), 0)::bigint,
           coalesce(sum(d.comments), 0)::bigint
    FROM d
    UNION ALL
    SELECT 'week', to_char(w.week, 'YYYY-MM-DD'), coalesce(sum(d.responses), 0)::bigint,
           coalesce(sum(d.complete), 0)::bigint, coalesce(sum(d.partial), 0)::bigint,
           coalesce(sum(d.suspect), 0)::bigint, coalesce(sum(d.negative), 0)::bigint,
           coalesce(sum(d.rated), 0)::bigint, coalesce(sum(d.satisfied), 0)::bigint,
           coalesce(sum(d.comments), 0)::bigint
    FROM dash_weeks_of(date_trunc('month', p_month)::date, p_now) w
    LEFT JOIN d ON greatest(date_trunc('week', d.day)::date, date_trunc('month', d.day)::date)
                   = w.week
    GROUP BY w.week
    UNION ALL
    SELECT g.kind, g.key, sum(g.responses)::bigint, sum(g.complete)::bigint,
           sum(g.partial)::bigint, sum(g.suspect)::bigint, sum(g.negative)::bigint,
           sum(g.rated)::bigint, sum(g.satisfied)::bigint, NULL::bigint
    FROM (
        SELECT 'counter' AS kind, c.place AS key, c.* FROM c
        UNION ALL
        SELECT 'officer', c.officer, c.* FROM c WHERE c.officer <> ''
        UNION ALL
        SELECT 'hour', c.hour::text, c.* FROM c
    ) g
    GROUP BY g.kind, g.key
    ORDER BY 1, 2
$$;

CREATE FUNCTION hailong.dash_questions(p_unit text, p_month date, p_now timestamptz)
RETURNS TABLE (survey_id text, question_id text, type text, qposition integer, role text,
               value text, n bigint, answered bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
    WITH m AS (
        SELECT date_trunc('month', p_month)::date AS first,
               least((date_trunc('month', p_month) + interval '1 month - 1 day')::date,
                     local_day(p_now)) AS last
    ), q AS (
        SELECT s.survey_id, s.question_id, s.value, sum(s.n)::bigint AS n
        FROM stats_question_day s, m
        WHERE s.unit = p_unit AND s.day BETWEEN m.first AND m.last
        GROUP BY s.survey_id, s.question_id, s.value
    ), meta AS (
        -- each question's type and place in the newest registered version
        SELECT DISTINCT ON (v.survey_id, sq.question_id) v.survey_id, sq.question_id, sq.type,
               sq.position,
               CASE WHEN EXISTS (SELECT 1 FROM survey_main x JOIN surveys y USING (sha256)
                                 WHERE y.survey_id = v.survey_id
                                   AND x.question_id = sq.question_id) THEN 'main'
                    WHEN EXISTS (SELECT 1 FROM survey_reasons x JOIN surveys y USING (sha256)
                                 WHERE y.survey_id = v.survey_id
                                   AND x.question_id = sq.question_id) THEN 'reasons'
                    ELSE 'other' END AS role
        FROM surveys v JOIN survey_questions sq ON sq.sha256 = v.sha256
        WHERE v.survey_id IN (SELECT DISTINCT q.survey_id FROM q)
        ORDER BY v.survey_id, sq.question_id, v.version DESC, v.registered_at DESC
    )
    SELECT q.survey_id, q.question_id, meta.type, meta.position, meta.role, q.value, q.n,
           t.n AS answered
    FROM q JOIN q t ON t.survey_id = q.survey_id AND t.question_id = q.question_id
                   AND t.value = ''
    JOIN meta ON meta.survey_id = q.survey_id AND meta.question_id = q.question_id
    WHERE q.value <> ''
    ORDER BY q.survey_id, meta.position, q.question_id, q.n DESC, q.value
$$;

CREATE FUNCTION hailong.dash_fleet(p_now timestamptz, p_unit text DEFAULT NULL)
RETURNS TABLE (kiosk_id text, unit text, commune text, district text, enabled boolean,
               last_seen timestamptz, silent boolean, pending bigint,
               oldest_pending timestamptz, disk_free_bytes bigint, clock_trusted boolean,
               clock_skew_s double precision, software text, survey_id text,
               survey_version bigint, survey_sha256 text, assignment_state text,
               last_error text, last_usb_export timestamptz, officer_id text, last_head text,
               open_alerts bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
    SELECT k.id, k.unit, k.commune, k.district, k.enabled, s.received_at,
           s.received_at IS NULL OR s.received_at < p_now - make_interval(
               secs => coalesce(s.interval_s, 60)
                       + coalesce((SELECT value FROM settings
                                   WHERE key = 'silent_grace_s'), 60)),
           s.pending, s.oldest_pending, s.disk_free_bytes, s.clock_trusted, s.clock_skew_s,
           s.software, s.survey_id, s.survey_version, s.survey_sha256, s.assignment_state,
           s.last_error, s.last_usb_export, s.officer_id,
           (SELECT h.verdict FROM chain_heads h WHERE h.kiosk_id = k.id
            ORDER BY h.id DESC LIMIT 1),
           (SELECT count(*) FROM alerts a WHERE a.kiosk_id = k.id
              AND a.acknowledged_at IS NULL AND a.recorded_at <= p_now)
    FROM kiosks k LEFT JOIN kiosk_status s ON s.kiosk_id = k.id
    WHERE p_unit IS NULL OR k.unit = p_unit
    ORDER BY k.unit, k.id
$$;

CREATE INDEX alerts_unit_time ON hailong.alerts (unit, recorded_at);
CREATE INDEX alerts_kiosk_open ON hailong.alerts (kiosk_id, recorded_at) WHERE acknowledged_at IS NULL;

CREATE FUNCTION hailong.dash_alerts(p_now timestamptz, p_unit text DEFAULT NULL,
                                    p_limit integer DEFAULT 200)
RETURNS TABLE (id bigint, kind text, happened_at timestamptz, recorded_at timestamptz,
               kiosk_id text, unit text, counter text, officer_id text, details jsonb,
               acknowledged_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
    SELECT a.id, a.kind, a.happened_at, a.recorded_at, a.kiosk_id, a.unit, a.counter,
           a.officer_id, a.details, a.acknowledged_at
    FROM alerts a
    WHERE a.recorded_at <= p_now AND (p_unit IS NULL OR a.unit = p_unit)
    ORDER BY a.recorded_at DESC, a.id DESC
    LIMIT p_limit
$$;

-- ---- Already registered surveys, already stored responses -----------------------------

SELECT hailong.survey_stats_fill(sha256, body) FROM hailong.surveys;
INSERT INTO hailong.stats_touched (unit, day)
SELECT DISTINCT unit, hailong.local_day(finished_at) FROM hailong.responses;

-- ---- Rights ---------------------------------------------------------------------------

REVOKE ALL ON FUNCTION hailong.refresh_stats(integer), hailong.stats_recompute(boolean),
    hailong.survey_stats_fill(text, text), hailong.stats_touch(),
    hailong.survey_stats_registered(), hailong.dash_overview(date, timestamptz),
    hailong.dash_unit(text, date, timestamptz), hailong.dash_questions(text, date, timestamptz),
    hailong.dash_fleet(timestamptz, text), hailong.dash_alerts(timestamptz, text, integer),
    hailong.dash_weeks_of(date, timestamptz)
    FROM PUBLIC;
-- The dashboard's role reads no table, not even the rollups: only these
-- functions (SECURITY DEFINER) answer it; the service refreshes.
GRANT USAGE ON SCHEMA hailong TO hailong_web;
GRANT EXECUTE ON FUNCTION hailong.dash_overview(date, timestamptz),
    hailong.dash_unit(text, date, timestamptz), hailong.dash_questions(text, date, timestamptz),
    hailong.dash_fleet(timestamptz, text), hailong.dash_alerts(timestamptz, text, integer),
    hailong.local_day(timestamptz), hailong.local_hour(timestamptz), hailong.local_start(date)
    TO hailong_web;
-- The service runs the refresh every 30 s (srv_stats.c).
GRANT EXECUTE ON FUNCTION hailong.refresh_stats(integer) TO hailong_ingest;

-- The BI view of officers per month (003-report.sql) with the min-5 rule's
-- differencing (firmware/model/hl_min5.h): besides the officers under 5,
-- when the unit-month less the officers shown is 1..4 responses (the
-- hidden officers and the responses served by none), the smallest officer
-- shown is left out too, so subtraction tells nothing. One more is always
-- enough: it has at least 5.
CREATE OR REPLACE VIEW hailong_report.officer_month AS
WITH o AS (
    SELECT unit, officer_id, date_trunc('month', finished_at) AS month, count(*) AS n,
           count(*) FILTER (WHERE negative) AS negative
    FROM hailong.responses
    WHERE officer_id IS NOT NULL
    GROUP BY unit, officer_id, date_trunc('month', finished_at)
), t AS (
    SELECT unit, date_trunc('month', finished_at) AS month, count(*) AS total
    FROM hailong.responses
    GROUP BY unit, date_trunc('month', finished_at)
), s AS (
    SELECT o.*, t.total,
           t.total - coalesce(sum(o.n) FILTER (WHERE o.n >= 5)
                                  OVER (PARTITION BY o.unit, o.month), 0) AS hidden,
           row_number() OVER (PARTITION BY o.unit, o.month
                              ORDER BY (o.n >= 5) DESC, o.n, o.officer_id DESC) AS smallest
    FROM o JOIN t USING (unit, month)
)
SELECT unit, officer_id, month, n AS responses, negative
FROM s
WHERE n >= 5 AND total >= 5 AND NOT (hidden BETWEEN 1 AND 4 AND smallest = 1);
