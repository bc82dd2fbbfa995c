-- SPDX-License-Identifier: GPL-3.0-or-later
-- 005-web.sql: the dashboard's accounts, sessions, comment follow-ups and
-- change log, and the functions the dashboard's role calls.
--
-- The dashboard (hailong-server serve --web-listen, srv_web*.c) connects as
-- a login role granted hailong_web. That role reads the figures through
-- 004-stats.sql's hailong.dash_* functions and its rollups, and EXECUTEs the
-- functions below; it writes no table itself and never reads a password
-- hash, a session token, a comment outside its scope or the log. Passwords are PBKDF2-HMAC-
-- SHA256, derived in C: web_login_salt gives the salt and the iterations (a
-- deterministic fake salt for an unknown login, so an answer does not tell
-- which logins exist), web_login compares the derived key here and opens
-- the session. A session is kept as the SHA-256 of its cookie's token: idle
-- for 30 minutes or 12 hours old, it is gone. Every function takes "now"
-- from the caller (the server's clock, or --clock-fixed), never now().
-- Unit staff see their unit only: web_scope answers which units a session
-- may see, and the page queries filter on it.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hailong_web') THEN
        CREATE ROLE hailong_web NOLOGIN;
    END IF;
END
$$;

-- A per-database secret for the fake salts of unknown logins.
CREATE TABLE hailong.web_secret (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    secret bytea NOT NULL
);
INSERT INTO hailong.web_secret (secret)
VALUES (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

-- The staff who may log in to the dashboard (hailong-server staff).
CREATE TABLE hailong.staff (
    login text PRIMARY KEY CHECK (login ~ '^[a-z0-9._-]{1,40}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    role text NOT NULL CHECK (role IN ('province', 'unit')),
    unit text CHECK ((role = 'unit') = (unit IS NOT NULL)),
    salt bytea NOT NULL CHECK (length(salt) = 16),
    iterations integer NOT NULL CHECK (iterations BETWEEN 1000 AND 10000000),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    disabled boolean NOT NULL DEFAULT false,
    failed integer NOT NULL DEFAULT 0,      -- failed logins in a row
    locked_until timestamptz,               -- after 5 failures: no login before this
    created_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now()
);

-- Open sessions: the SHA-256 of the cookie's token, never the token.
CREATE TABLE hailong.web_sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    login text NOT NULL REFERENCES hailong.staff ON DELETE CASCADE,
    csrf text NOT NULL CHECK (csrf ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL,
    user_agent text
);
CREATE INDEX web_sessions_login ON hailong.web_sessions (login);

-- Comments followed up (a comment with no row is open).
CREATE TABLE hailong.followups (
    response_id uuid PRIMARY KEY,
    unit text NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'handled')),
    note text CHECK (note IS NULL OR length(note) <= 500),
    handled_at timestamptz,
    handled_by text
);
CREATE INDEX followups_unit ON hailong.followups (unit, state);

-- Who did what, when: logins, logouts, follow-ups, staff changes.
CREATE TABLE hailong.web_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    who text,
    what text NOT NULL,
    target text,
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX web_log_at ON hailong.web_log (at);

-- The salt and iterations to derive a login's key with; an unknown login
-- gets a fake salt that is always the same for it.
CREATE FUNCTION hailong.web_login_salt(p_login text, OUT salt bytea, OUT iterations integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    SELECT s.salt, s.iterations INTO salt, iterations FROM staff s WHERE s.login = p_login;
    IF NOT FOUND THEN
        salt := substring(sha256((SELECT w.secret FROM web_secret w) ||
                                 convert_to(coalesce(p_login, ''), 'UTF8')) FROM 1 FOR 16);
        iterations := coalesce((SELECT max(s.iterations) FROM staff s), 100000);
    END IF;
END
$$;

-- A login: 'ok' (the session token_hash is open, with its CSRF token),
-- 'bad' (unknown login or wrong password), 'locked' (5 failures in a row:
-- 15 minutes), 'disabled'. Each attempt is logged.
CREATE FUNCTION hailong.web_login(p_login text, p_derived bytea, p_ua text, p_token_hash bytea,
                                  p_csrf text, p_now timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    s staff%ROWTYPE;
    verdict text;
BEGIN
    DELETE FROM web_sessions
    WHERE seen_at < p_now - interval '30 minutes' OR created_at < p_now - interval '12 hours';
    SELECT * INTO s FROM staff WHERE login = p_login FOR UPDATE;
    IF NOT FOUND THEN
        verdict := 'bad';
    ELSIF s.disabled THEN
        verdict := 'disabled';
    ELSIF s.locked_until IS NOT NULL AND s.locked_until > p_now THEN
        verdict := 'locked';
    ELSIF s.hash = p_derived THEN
        verdict := 'ok';
        UPDATE staff SET failed = 0, locked_until = NULL WHERE login = p_login;
        INSERT INTO web_sessions (token_hash, login, csrf, created_at, seen_at, user_agent)
        VALUES (p_token_hash, p_login, p_csrf, p_now, p_now, left(p_ua, 200));
    ELSE
        verdict := 'bad';
        -- a lock that has run out starts the count again: one more slip
        -- does not lock the account for another 15 minutes
        UPDATE staff SET failed = CASE WHEN locked_until IS NULL THEN failed + 1 ELSE 1 END,
                         locked_until = CASE WHEN locked_until IS NULL AND failed + 1 >= 5
                                             THEN p_now + interval '15 minutes' END
        WHERE login = p_login;
    END IF;
    INSERT INTO web_log (at, who, what, target, details)
    VALUES (p_now, CASE WHEN verdict = 'ok' THEN p_login END,
            CASE WHEN verdict = 'ok' THEN 'login' ELSE 'login failed' END, left(p_login, 60),
            jsonb_build_object('verdict', verdict, 'user_agent', left(p_ua, 200)));
    RETURN verdict;
END
$$;

-- The session's staff, its idle time restarted; no row when it is gone.
CREATE FUNCTION hailong.web_session(p_token_hash bytea, p_now timestamptz)
RETURNS TABLE (login text, name text, role text, unit text, csrf text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    RETURN QUERY
    UPDATE web_sessions w SET seen_at = greatest(w.seen_at, p_now)
    FROM staff s
    WHERE w.token_hash = p_token_hash AND s.login = w.login AND NOT s.disabled
      AND w.seen_at >= p_now - interval '30 minutes'
      AND w.created_at >= p_now - interval '12 hours'
    RETURNING s.login, s.name, s.role, s.unit, w.csrf;
END
$$;

-- Which units the session may see: '*' all, a unit's name, NULL none.
CREATE FUNCTION hailong.web_scope(p_token_hash bytea, p_now timestamptz) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
    SELECT CASE WHEN s.role = 'province' THEN '*' ELSE s.unit END
    FROM web_sessions w JOIN staff s ON s.login = w.login
    WHERE w.token_hash = p_token_hash AND NOT s.disabled
      AND w.seen_at >= p_now - interval '30 minutes'
      AND w.created_at >= p_now - interval '12 hours'
$$;

CREATE FUNCTION hailong.web_logout(p_token_hash bytea, p_now timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    who text;
BEGIN
    DELETE FROM web_sessions WHERE token_hash = p_token_hash RETURNING login INTO who;
    IF who IS NULL THEN
        RETURN false;
    END IF;
    INSERT INTO web_log (at, who, what, target) VALUES (p_now, who, 'logout', who);
    RETURN true;
END
$$;

-- A unit's comments written in [p_from, p_to) and not after p_now: one row
-- per response with a text answer (its texts joined by line feeds) or, when
-- p_contact, a contact answer. Read through answers' index (unit,
-- finished_at): a unit-month's rows, never the whole table. Called by the
-- two functions below only.
CREATE FUNCTION hailong.web_comment_set(p_unit text, p_from timestamptz, p_to timestamptz,
                                        p_now timestamptz, p_contact boolean)
RETURNS TABLE (response_id uuid, finished_at timestamptz, followup text, counter text,
               survey_sha256 text, comment text, contact text)
LANGUAGE sql STABLE AS $$
    SELECT r.response_id, r.finished_at, r.followup, coalesce(r.counter, r.kiosk_id),
           r.survey_sha256,
           string_agg(a.value, E'\n' ORDER BY q.position) FILTER (WHERE q.type = 'text'),
           min(a.value) FILTER (WHERE q.type = 'contact')
    FROM hailong.answers a
    JOIN hailong.responses r ON r.response_id = a.response_id AND r.finished_at = a.finished_at
    JOIN hailong.survey_questions q ON q.sha256 = r.survey_sha256
                                   AND q.question_id = a.question_id
    WHERE a.unit = p_unit AND a.finished_at >= p_from AND a.finished_at < p_to
      AND a.finished_at <= p_now AND r.unit = p_unit
      AND r.finished_at >= p_from AND r.finished_at < p_to -- both sides pruned to the month
      AND (q.type = 'text' OR (q.type = 'contact' AND p_contact))
    GROUP BY r.response_id, r.finished_at, r.followup, r.counter, r.kiosk_id, r.survey_sha256
$$;

-- The comments of a unit (text answers; contact answers only for staff of
-- that unit) written in the local month p_month, with their follow-up, for
-- a session that may see the unit: state 'open', 'handled' or 'all' (open
-- ones first), newest first, p_limit from p_offset; total: how many match
-- (every page); rating_survey and rating_question: the survey and question
-- whose option `rating` is (for its words on the page).
CREATE FUNCTION hailong.web_comments(p_token_hash bytea, p_now timestamptz, p_unit text,
                                     p_state text, p_month date, p_limit integer,
                                     p_offset integer)
RETURNS TABLE (response_id uuid, finished_at timestamptz, followup text, counter text,
               rating text, comment text, contact text, state text, note text,
               handled_at timestamptz, handled_by text, total bigint,
               rating_survey text, rating_question text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    scope text := web_scope(p_token_hash, p_now);
    v_from timestamptz := local_start(date_trunc('month', p_month)::date);
    v_to timestamptz := local_start((date_trunc('month', p_month) + interval '1 month')::date);
BEGIN
    IF scope IS NULL OR (scope <> '*' AND scope <> p_unit) THEN
        RAISE EXCEPTION 'not allowed' USING ERRCODE = '42501';
    END IF;
    RETURN QUERY
    SELECT c.response_id, c.finished_at, c.followup, c.counter,
           (SELECT ma.value FROM answers ma JOIN survey_main mq
                ON mq.sha256 = c.survey_sha256 AND mq.question_id = ma.question_id
            WHERE ma.response_id = c.response_id AND ma.finished_at = c.finished_at
              AND ma.unit = p_unit LIMIT 1),
           c.comment, c.contact, coalesce(f.state, 'open'), f.note, f.handled_at, f.handled_by,
           count(*) OVER (),
           (SELECT sv.survey_id FROM surveys sv WHERE sv.sha256 = c.survey_sha256),
           (SELECT mq.question_id FROM survey_main mq WHERE mq.sha256 = c.survey_sha256)
    FROM web_comment_set(p_unit, v_from, v_to, p_now, scope = p_unit) c
    LEFT JOIN followups f ON f.response_id = c.response_id
    WHERE p_state = 'all' OR coalesce(f.state, 'open') = p_state
    ORDER BY coalesce(f.state, 'open') = 'open' DESC, c.finished_at DESC, c.response_id
    LIMIT p_limit OFFSET p_offset;
END
$$;

-- The inbox's head for a unit's month: its comments open and handled, and
-- the median time to handle the handled ones (hours; NULL: none handled).
CREATE FUNCTION hailong.web_comment_counts(p_token_hash bytea, p_now timestamptz, p_unit text,
                                           p_month date)
RETURNS TABLE (open bigint, handled bigint, median_hours double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    scope text := web_scope(p_token_hash, p_now);
    v_from timestamptz := local_start(date_trunc('month', p_month)::date);
    v_to timestamptz := local_start((date_trunc('month', p_month) + interval '1 month')::date);
BEGIN
    IF scope IS NULL OR (scope <> '*' AND scope <> p_unit) THEN
        RAISE EXCEPTION 'not allowed' USING ERRCODE = '42501';
    END IF;
    RETURN QUERY
    SELECT count(*) FILTER (WHERE coalesce(f.state, 'open') = 'open'),
           count(*) FILTER (WHERE f.state = 'handled'),
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY extract(epoch FROM f.handled_at - c.finished_at)::double precision / 3600)
               FILTER (WHERE f.state = 'handled' AND f.handled_at IS NOT NULL)
    FROM web_comment_set(p_unit, v_from, v_to, p_now, scope = p_unit) c
    LEFT JOIN followups f ON f.response_id = c.response_id;
END
$$;

-- Marks a comment handled (with a note) or open again, for a session that
-- may see its unit and with the session's CSRF token; logged. Returns
-- 'ok', 'csrf', 'forbidden', 'unknown' (no such comment in that unit).
CREATE FUNCTION hailong.web_followup(p_token_hash bytea, p_now timestamptz, p_csrf text,
                                     p_unit text, p_response_id uuid, p_state text, p_note text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    who text;
    want text;
    scope text := web_scope(p_token_hash, p_now);
    old text;
BEGIN
    SELECT w.login, w.csrf INTO who, want FROM web_sessions w WHERE w.token_hash = p_token_hash;
    IF scope IS NULL OR (scope <> '*' AND scope <> p_unit) THEN
        RETURN 'forbidden';
    END IF;
    IF want IS NULL OR p_csrf IS NULL OR want <> p_csrf THEN
        RETURN 'csrf';
    END IF;
    IF p_state NOT IN ('open', 'handled') THEN
        RETURN 'unknown';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM responses r WHERE r.response_id = p_response_id
                   AND r.unit = p_unit) THEN
        RETURN 'unknown';
    END IF;
    SELECT f.state INTO old FROM followups f WHERE f.response_id = p_response_id FOR UPDATE;
    INSERT INTO followups AS f (response_id, unit, state, note, handled_at, handled_by)
    VALUES (p_response_id, p_unit, p_state, left(p_note, 500),
            CASE WHEN p_state = 'handled' THEN p_now END,
            CASE WHEN p_state = 'handled' THEN who END)
    ON CONFLICT (response_id) DO UPDATE
    SET state = EXCLUDED.state, note = EXCLUDED.note, handled_at = EXCLUDED.handled_at,
        handled_by = EXCLUDED.handled_by;
    INSERT INTO web_log (at, who, what, target, details)
    VALUES (p_now, who, CASE WHEN p_state = 'handled' THEN 'comment handled'
                             ELSE 'comment reopened' END,
            p_response_id::text,
            jsonb_build_object('unit', p_unit, 'note', left(p_note, 500),
                               'was', coalesce(old, 'open')));
    RETURN 'ok';
END
$$;

-- The survey a unit's answers were given with, for the pages' labels (the
-- questions' and options' texts): the newest registered version of
-- p_survey_id (the one 004-stats.sql's dash_questions describes), for a
-- session that may see p_unit, and only when the unit has answers of it.
-- body is NULL when p_have is that version's sha256 (the caller keeps it
-- parsed already).
CREATE FUNCTION hailong.web_survey(p_token_hash bytea, p_now timestamptz, p_unit text,
                                   p_survey_id text, p_have text)
RETURNS TABLE (sha256 text, body text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    scope text := web_scope(p_token_hash, p_now);
BEGIN
    IF scope IS NULL OR (scope <> '*' AND scope <> p_unit) THEN
        RAISE EXCEPTION 'not allowed' USING ERRCODE = '42501';
    END IF;
    RETURN QUERY
    SELECT v.sha256, CASE WHEN v.sha256 = p_have THEN NULL ELSE v.body END
    FROM surveys v
    WHERE v.survey_id = p_survey_id
      AND EXISTS (SELECT 1 FROM stats_question_day d
                  WHERE d.unit = p_unit AND d.survey_id = p_survey_id)
    ORDER BY v.version DESC, v.registered_at DESC
    LIMIT 1;
END
$$;

-- The officers' names of a unit, as the centre assigned them (hailong-server
-- assign --officers: [{"id", "name", ...}]) to the unit or to one of its
-- kiosks; an officer named in several assignments: the newest name.
CREATE FUNCTION hailong.web_officers(p_token_hash bytea, p_now timestamptz, p_unit text)
RETURNS TABLE (officer_id text, name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    scope text := web_scope(p_token_hash, p_now);
BEGIN
    IF scope IS NULL OR (scope <> '*' AND scope <> p_unit) THEN
        RAISE EXCEPTION 'not allowed' USING ERRCODE = '42501';
    END IF;
    RETURN QUERY
    SELECT DISTINCT ON (o->>'id') o->>'id', o->>'name'
    FROM assignments a CROSS JOIN LATERAL jsonb_array_elements(a.officers) o
    WHERE a.officers IS NOT NULL
      AND ((a.target_kind = 'unit' AND a.target = p_unit)
           OR (a.target_kind = 'kiosk'
               AND a.target IN (SELECT k.id FROM kiosks k WHERE k.unit = p_unit)))
      AND jsonb_typeof(o) = 'object' AND o->>'id' IS NOT NULL
      AND coalesce(o->>'name', '') <> ''
    ORDER BY o->>'id', a.id DESC;
END
$$;

-- Staff changes (hailong-server staff, as the database's owner): add or
-- replace the password of, or disable, an account (both end its open
-- sessions); logged with who = the
-- database user who ran the command.
CREATE FUNCTION hailong.web_staff_set(p_login text, p_name text, p_role text, p_unit text,
                                      p_salt bytea, p_iterations integer, p_hash bytea,
                                      p_what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = hailong, pg_temp AS $$
BEGIN
    IF p_what = 'add' THEN
        INSERT INTO staff (login, name, role, unit, salt, iterations, hash)
        VALUES (p_login, p_name, p_role, p_unit, p_salt, p_iterations, p_hash);
    ELSIF p_what = 'passwd' THEN
        UPDATE staff SET salt = p_salt, iterations = p_iterations, hash = p_hash, failed = 0,
                         locked_until = NULL, disabled = false, changed_at = now()
        WHERE login = p_login;
        IF NOT FOUND THEN RETURN false; END IF;
        -- a new password ends the sessions opened with the old one
        DELETE FROM web_sessions WHERE login = p_login;
    ELSIF p_what = 'disable' THEN
        UPDATE staff SET disabled = true, changed_at = now() WHERE login = p_login;
        IF NOT FOUND THEN RETURN false; END IF;
        DELETE FROM web_sessions WHERE login = p_login;
    ELSE
        RETURN false;
    END IF;
    INSERT INTO web_log (at, who, what, target, details)
    VALUES (now(), session_user, 'staff ' || p_what, p_login,
            jsonb_strip_nulls(jsonb_build_object('role', p_role, 'unit', p_unit)));
    RETURN true;
END
$$;

-- The dashboard's rights: these functions and 004-stats.sql's (the pages'
-- figures: hailong.dash_*); no table of this file.
REVOKE ALL ON FUNCTION hailong.web_comment_set(text, timestamptz, timestamptz, timestamptz,
      boolean), hailong.web_login_salt(text), hailong.web_login(text, bytea, text, bytea,
      text, timestamptz), hailong.web_session(bytea, timestamptz),
      hailong.web_scope(bytea, timestamptz), hailong.web_logout(bytea, timestamptz),
      hailong.web_comments(bytea, timestamptz, text, text, date, integer, integer),
      hailong.web_comment_counts(bytea, timestamptz, text, date),
      hailong.web_followup(bytea, timestamptz, text, text, uuid, text, text),
      hailong.web_survey(bytea, timestamptz, text, text, text),
      hailong.web_officers(bytea, timestamptz, text),
      hailong.web_staff_set(text, text, text, text, bytea, integer, bytea, text) FROM PUBLIC;
GRANT USAGE ON SCHEMA hailong TO hailong_web;
GRANT EXECUTE ON FUNCTION hailong.web_login_salt(text), hailong.web_login(text, bytea, text,
      bytea, text, timestamptz), hailong.web_session(bytea, timestamptz),
      hailong.web_scope(bytea, timestamptz), hailong.web_logout(bytea, timestamptz),
      hailong.web_comments(bytea, timestamptz, text, text, date, integer, integer),
      hailong.web_comment_counts(bytea, timestamptz, text, date),
      hailong.web_followup(bytea, timestamptz, text, text, uuid, text, text),
      hailong.web_survey(bytea, timestamptz, text, text, text),
      hailong.web_officers(bytea, timestamptz, text) TO hailong_web;
