-- SPDX-License-Identifier: GPL-3.0-or-later
-- 002-ingest.sql: what a kiosk's push means, in the database.
--
-- hailong-server checks what only C can (the request's shape, each row's
-- fields, the Ed25519 signatures: PostgreSQL has no Ed25519) and hands the
-- request to two functions, SECURITY DEFINER so that the service's role
-- needs no right on any table:
--   hailong.kiosk_auth  the token's kiosk, its key, and the rate limit;
--   hailong.ingest      one transaction: responses stored by response_id
--                       (INSERT ... ON CONFLICT DO NOTHING), their answers,
--                       quarantined rows, the chain head and its checks, the
--                       kiosk's status, negative bursts; answers which ids it
--                       now holds and the kiosk's assignment.

-- The kiosk a token belongs to (its SHA-256), and whether this request is
-- within the rate: retry_after_s > 0 when the kiosk made more than
-- rate_per_minute requests in the current minute. No row: unknown token.
CREATE FUNCTION hailong.kiosk_auth(p_token_hash bytea)
RETURNS TABLE (kiosk_id text, enabled boolean, public_key bytea, key_fp text,
               retry_after_s integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
#variable_conflict use_column
DECLARE
    k kiosks;
    r kiosk_rate;
    lim numeric := (SELECT value FROM settings WHERE key = 'rate_per_minute');
BEGIN
    SELECT * INTO k FROM kiosks WHERE token_hash = p_token_hash;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    kiosk_id := k.id; enabled := k.enabled; public_key := k.public_key; key_fp := k.key_fp;
    retry_after_s := 0;
    IF k.enabled THEN
        INSERT INTO kiosk_rate AS t VALUES (k.id, now(), 1)
        ON CONFLICT (kiosk_id) DO UPDATE
            SET window_start = CASE WHEN t.window_start <= now() - interval '1 minute'
                                    THEN now() ELSE t.window_start END,
                n = CASE WHEN t.window_start <= now() - interval '1 minute'
                         THEN 1 ELSE t.n + 1 END
        RETURNING * INTO r;
        IF lim IS NOT NULL AND lim > 0 AND r.n > lim THEN
            retry_after_s := greatest(1, ceil(extract(epoch FROM
                r.window_start + interval '1 minute' - now()))::integer);
        END IF;
    END IF;
    RETURN NEXT;
END
$$;

-- Records a chain head: a new row when the kiosk never sent this head
-- before, else that row seen again (a resend, or a replayed request, which
-- changes nothing else). A forged head, and a new verified head that does
-- not extend the kiosk's previous verified one (a lower seq, the same seq
-- with another chain, or a stored response at its seq with another chain),
-- raise an alert.
CREATE FUNCTION hailong.record_head(p_kiosk text, k_unit text, p_seq bigint, p_chain text,
                                    p_sig text, p_key text, p_verdict text, p_note text)
RETURNS void LANGUAGE plpgsql SET search_path = hailong, pg_temp AS $$
DECLARE
    seen bigint;
    prev chain_heads;
    stored text;
BEGIN
    SELECT id INTO seen FROM chain_heads
    WHERE kiosk_id = p_kiosk AND seq = p_seq AND chain = p_chain
      AND signature IS NOT DISTINCT FROM p_sig AND verdict = p_verdict
    ORDER BY id DESC LIMIT 1;
    IF FOUND THEN
        UPDATE chain_heads SET last_received_at = now(), times = times + 1 WHERE id = seen;
        RETURN;
    END IF;
    IF p_verdict = 'verified' THEN
        SELECT * INTO prev FROM chain_heads
        WHERE kiosk_id = p_kiosk AND verdict = 'verified' ORDER BY id DESC LIMIT 1;
        IF FOUND AND (p_seq < prev.seq OR (p_seq = prev.seq AND p_chain <> prev.chain)) THEN
            INSERT INTO alerts (kind, happened_at, kiosk_id, unit, details)
            VALUES ('truncation', now(), p_kiosk, k_unit,
                    jsonb_build_object('previous_seq', prev.seq, 'previous_chain', prev.chain,
                                       'previous_received_at', prev.last_received_at,
                                       'seq', p_seq, 'chain', p_chain));
        ELSE
            SELECT r.chain INTO stored FROM responses r
            WHERE r.kiosk_id = p_kiosk AND r.seq = p_seq AND r.signed LIMIT 1;
            IF stored IS NOT NULL AND stored <> p_chain THEN
                INSERT INTO alerts (kind, happened_at, kiosk_id, unit, details)
                VALUES ('truncation', now(), p_kiosk, k_unit,
                        jsonb_build_object('seq', p_seq, 'chain', p_chain,
                                           'stored_chain', stored));
            END IF;
        END IF;
    ELSIF p_verdict = 'forged' THEN
        INSERT INTO alerts (kind, happened_at, kiosk_id, unit, details)
        VALUES ('forged_head', now(), p_kiosk, k_unit,
                jsonb_build_object('seq', p_seq, 'chain', p_chain, 'key', p_key,
                                   'why', p_note));
    END IF;
    INSERT INTO chain_heads (kiosk_id, seq, chain, signature, key_fp, verdict, note)
    VALUES (p_kiosk, p_seq, p_chain, p_sig, p_key, p_verdict, p_note);
END
$$;

-- Keeps the kiosk's latest status, and a history row on a change that
-- matters or when the last one is older than history_every_s. p_status
-- was checked by the service: known fields only, of the right types.
CREATE FUNCTION hailong.record_status(p_kiosk text, p_status jsonb, p_batch boolean)
RETURNS void LANGUAGE plpgsql SET search_path = hailong, pg_temp AS $$
DECLARE
    prev_s kiosk_status;
    every numeric := coalesce((SELECT value FROM settings WHERE key = 'history_every_s'), 3600);
    s jsonb := coalesce(p_status, '{}');
    changed boolean;
BEGIN
    SELECT * INTO prev_s FROM kiosk_status WHERE kiosk_id = p_kiosk FOR UPDATE;
    -- A status older than the one kept (a replayed request, or one overtaken
    -- by a later one) only counts as contact; unless the kept one lies more
    -- than 10 minutes ahead of this server (a kiosk clock set back since).
    IF prev_s.kiosk_time IS NOT NULL AND s->>'time' IS NOT NULL
       AND (s->>'time')::timestamptz <= prev_s.kiosk_time
       AND prev_s.kiosk_time <= now() + interval '10 minutes' THEN
        UPDATE kiosk_status SET received_at = now(), requests = requests + 1,
            last_batch_at = CASE WHEN p_batch THEN now() ELSE last_batch_at END
        WHERE kiosk_id = p_kiosk;
        RETURN;
    END IF;
    INSERT INTO kiosk_status AS t (kiosk_id, received_at, requests, last_batch_at, software,
        kiosk_time, clock_skew_s, clock_trusted, uptime_s, interval_s, survey_id,
        survey_version, survey_sha256, assignment_id, assignment_state, assignment_error,
        pending, oldest_pending, disk_free_bytes, last_error, last_usb_export, officer_id,
        status)
    VALUES (p_kiosk, now(), 1, CASE WHEN p_batch THEN now() END, s->>'software',
        (s->>'time')::timestamptz,
        extract(epoch FROM (s->>'time')::timestamptz - now()),
        (s->>'clock_trusted')::boolean, (s->>'uptime_s')::bigint, (s->>'interval_s')::integer,
        s->'survey'->>'id', (s->'survey'->>'version')::bigint, s->'survey'->>'sha256',
        (s->'assignment'->>'id')::bigint, s->'assignment'->>'state',
        s->'assignment'->>'error', (s->>'pending')::bigint,
        (s->>'oldest_pending')::timestamptz, (s->>'disk_free_bytes')::bigint,
        s->>'last_error', (s->>'last_usb_export')::timestamptz, s->>'officer_id', s)
    ON CONFLICT (kiosk_id) DO UPDATE SET
        received_at = excluded.received_at, requests = t.requests + 1,
        last_batch_at = coalesce(excluded.last_batch_at, t.last_batch_at),
        software = excluded.software, kiosk_time = excluded.kiosk_time,
        clock_skew_s = excluded.clock_skew_s, clock_trusted = excluded.clock_trusted,
        uptime_s = excluded.uptime_s, interval_s = excluded.interval_s,
        survey_id = excluded.survey_id, survey_version = excluded.survey_version,
        survey_sha256 = excluded.survey_sha256, assignment_id = excluded.assignment_id,
        assignment_state = excluded.assignment_state,
        assignment_error = excluded.assignment_error, pending = excluded.pending,
        oldest_pending = excluded.oldest_pending, disk_free_bytes = excluded.disk_free_bytes,
        last_error = excluded.last_error, last_usb_export = excluded.last_usb_export,
        officer_id = excluded.officer_id, status = excluded.status;
    changed := prev_s.kiosk_id IS NULL
        OR prev_s.software IS DISTINCT FROM s->>'software'
        OR prev_s.survey_sha256 IS DISTINCT FROM s->'survey'->>'sha256'
        OR prev_s.assignment_state IS DISTINCT FROM s->'assignment'->>'state'
        OR prev_s.assignment_id IS DISTINCT FROM (s->'assignment'->>'id')::bigint
        OR prev_s.clock_trusted IS DISTINCT FROM (s->>'clock_trusted')::boolean
        OR prev_s.last_error IS DISTINCT FROM s->>'last_error'
        OR prev_s.officer_id IS DISTINCT FROM s->>'officer_id';
    IF changed OR NOT EXISTS (
        SELECT 1 FROM kiosk_status_history
        WHERE kiosk_id = p_kiosk AND received_at > now() - every * interval '1 second') THEN
        INSERT INTO kiosk_status_history VALUES (p_kiosk, now(), s);
    END IF;
END
$$;

-- Negative bursts among the newly stored responses. p_finished, p_place
-- and p_officer describe the new negative ones (the place is the counter,
-- or the kiosk when the response names none). For each, the window of
-- burst_window_s up to it is counted at its place and for its officer, in
-- one statement (an index range per window); a window with at least
-- burst_min_responses responses, burst_negative_share of them negative,
-- raises an alert unless that place already has one inside the window
-- (checked in the order the responses finished, so one burst in one
-- request raises one alert).
CREATE FUNCTION hailong.check_bursts(p_kiosk text, p_unit text, p_finished timestamptz[],
                                     p_place text[], p_officer text[])
RETURNS void LANGUAGE plpgsql SET search_path = hailong, pg_temp AS $$
DECLARE
    min_n numeric := coalesce((SELECT value FROM settings WHERE key = 'burst_min_responses'), 4);
    win interval := coalesce((SELECT value FROM settings WHERE key = 'burst_window_s'), 900)
                    * interval '1 second';
    share numeric := coalesce((SELECT value FROM settings WHERE key = 'burst_negative_share'), 0.5);
    r record;
BEGIN
    FOR r IN
        WITH neg AS (SELECT * FROM unnest(p_finished, p_place, p_officer) AS u(fin, place, off))
        SELECT b.fin, b.place, b.off, b.n, b.neg FROM (
            SELECT n.fin, n.place, NULL::text AS off, c.n, c.neg FROM neg n
            CROSS JOIN LATERAL (
                SELECT count(*) AS n, count(*) FILTER (WHERE x.negative) AS neg
                FROM responses x
                WHERE x.unit = p_unit AND coalesce(x.counter, x.kiosk_id) = n.place
                  AND x.finished_at > n.fin - win AND x.finished_at <= n.fin) c
            UNION ALL
            SELECT n.fin, NULL, n.off, c.n, c.neg FROM neg n
            CROSS JOIN LATERAL (
                SELECT count(*) AS n, count(*) FILTER (WHERE x.negative) AS neg
                FROM responses x
                WHERE x.officer_id = n.off AND x.unit = p_unit
                  AND x.finished_at > n.fin - win AND x.finished_at <= n.fin) c
            WHERE n.off IS NOT NULL) b
        WHERE b.n >= min_n AND b.neg >= share * b.n
        ORDER BY b.fin LOOP
        IF NOT EXISTS (
            SELECT 1 FROM alerts WHERE kind = 'negative_burst' AND unit = p_unit
              AND counter IS NOT DISTINCT FROM r.place AND officer_id IS NOT DISTINCT FROM r.off
              AND happened_at > r.fin - win AND happened_at <= r.fin) THEN
            INSERT INTO alerts (kind, happened_at, kiosk_id, unit, counter, officer_id, details)
            VALUES ('negative_burst', r.fin, p_kiosk, p_unit, r.place, r.off,
                    jsonb_build_object('responses', r.n, 'negative', r.neg,
                                       'window_s', extract(epoch FROM win)));
        END IF;
    END LOOP;
END
$$;

-- One push. p_rows are the responses' JSON objects exactly as the kiosk
-- sent them, each checked by the service; p_signed says whose chain value
-- and signature checked out with the kiosk's key; p_quarantine is NULL for
-- a row to store, else why it is kept apart. p_head_verdict is NULL when
-- the request had no head. Raises insufficient_privilege for an unknown or
-- disabled kiosk (a race with hailong-server kiosk disable).
--
-- Cost (docs/province-server.md, "Scale"): each row's text is parsed once;
-- the statements are planned once per connection (a generic
-- plan: the responses' monthly partitions are chosen as each runs, not
-- re-planned on every call); new responses are found by a hash join, not
-- by searching arrays.
CREATE FUNCTION hailong.ingest(p_kiosk text, p_rows text[], p_signed boolean[],
                               p_quarantine text[], p_head_seq bigint, p_head_chain text,
                               p_head_sig text, p_head_key text, p_head_verdict text,
                               p_head_note text, p_status jsonb)
RETURNS TABLE (accepted text[], duplicate text[], assignment_id bigint,
               survey_sha256 text, survey text, officers jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp
SET client_min_messages = warning SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE
    k kiosks;
    acc uuid[];
    dup uuid[];
    again uuid[];
    neg_fin timestamptz[];
    neg_place text[];
    neg_off text[];
    first_signed bigint;
    reported bigint := (p_status->'assignment'->>'id')::bigint;
    sa assignments;
    oa assignments;
BEGIN
    SELECT * INTO k FROM kiosks WHERE id = p_kiosk;
    IF NOT FOUND OR NOT k.enabled THEN
        RAISE EXCEPTION 'kiosk % is unknown or disabled', p_kiosk
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF cardinality(p_rows) IS DISTINCT FROM cardinality(p_signed)
       OR cardinality(p_rows) IS DISTINCT FROM cardinality(p_quarantine) THEN
        RAISE EXCEPTION 'rows, signed and quarantine differ in length';
    END IF;

    -- An unsigned row (chained before device keys) from a kiosk that has
    -- signed rows already is accepted only below its first signed seq.
    SELECT min(seq) INTO first_signed FROM response_ids WHERE kiosk_id = p_kiosk AND signed;

    -- The fields of the rows to store, read once (the parse kept in its
    -- subquery by OFFSET 0); the temporary table holds the fields, not the
    -- parsed row. A quarantined row is not parsed: only its response_id is
    -- read (json: checked as text, nothing converted).
    CREATE TEMP TABLE IF NOT EXISTS ingest_in (
        ord integer, raw text, signed boolean, quarantine text, response_id uuid, seq bigint,
        survey_id text, survey_version bigint, survey_sha256 text, language text,
        started_at timestamptz, finished_at timestamptz, status text, suspect text,
        clock_trusted boolean, officer_id text, counter text, followup text, chain text,
        prev_chain text, answers jsonb
    ) ON COMMIT DELETE ROWS;
    BEGIN
        INSERT INTO ingest_in
        SELECT u.ord, u.raw, u.signed, u.q,
               CASE WHEN u.q IS NULL THEN (p.j->>'response_id')::uuid
                    ELSE (u.raw::json->>'response_id')::uuid END,
               (p.j->>'seq')::bigint, p.j->>'survey_id', (p.j->>'survey_version')::bigint,
               p.j->>'survey_sha256', p.j->>'language', (p.j->>'started_at')::timestamptz,
               (p.j->>'finished_at')::timestamptz, p.j->>'status', p.j->>'suspect',
               (p.j->>'clock_trusted')::boolean, p.j->>'officer_id', p.j->>'counter',
               p.j->>'followup', p.j->>'chain', p.j->>'prev_chain', p.j->'answers'
        FROM unnest(p_rows, p_signed, p_quarantine) WITH ORDINALITY AS u(raw, signed, q, ord)
        CROSS JOIN LATERAL (SELECT CASE WHEN u.q IS NULL THEN u.raw::jsonb END AS j OFFSET 0) p;
    EXCEPTION WHEN data_exception THEN
        -- A row the service accepted but the database cannot read (a number
        -- jsonb cannot hold, in a field of its own): that row is
        -- quarantined, row by row, never the whole batch (a batch refused
        -- for good would hold back everything the kiosk sends after it).
        FOR i IN 1 .. cardinality(p_rows) LOOP
            BEGIN
                INSERT INTO ingest_in
                SELECT i, p_rows[i], p_signed[i], p_quarantine[i],
                       CASE WHEN p_quarantine[i] IS NULL THEN (p.j->>'response_id')::uuid
                            ELSE (p_rows[i]::json->>'response_id')::uuid END,
                       (p.j->>'seq')::bigint, p.j->>'survey_id',
                       (p.j->>'survey_version')::bigint, p.j->>'survey_sha256',
                       p.j->>'language', (p.j->>'started_at')::timestamptz,
                       (p.j->>'finished_at')::timestamptz, p.j->>'status', p.j->>'suspect',
                       (p.j->>'clock_trusted')::boolean, p.j->>'officer_id', p.j->>'counter',
                       p.j->>'followup', p.j->>'chain', p.j->>'prev_chain', p.j->'answers'
                FROM (SELECT CASE WHEN p_quarantine[i] IS NULL
                                  THEN p_rows[i]::jsonb END AS j OFFSET 0) p;
            EXCEPTION WHEN data_exception THEN
                INSERT INTO ingest_in (ord, raw, signed, quarantine, response_id)
                VALUES (i, p_rows[i], p_signed[i],
                        'the database cannot read it: ' || SQLERRM,
                        (p_rows[i]::json->>'response_id')::uuid);
            END;
        END LOOP;
    END;
    IF first_signed IS NOT NULL THEN
        UPDATE ingest_in SET quarantine = 'unsigned after signed responses'
        WHERE quarantine IS NULL AND NOT signed AND seq >= first_signed;
    END IF;

    INSERT INTO quarantine (kiosk_id, response_id, reason, raw)
    SELECT p_kiosk, i.response_id::text, i.quarantine, i.raw FROM ingest_in i
    WHERE i.quarantine IS NOT NULL
    ON CONFLICT DO NOTHING;
    INSERT INTO alerts (kind, happened_at, kiosk_id, unit, details)
    SELECT 'quarantined', now(), p_kiosk, k.unit,
           jsonb_build_object('responses', count(*), 'reasons', jsonb_agg(DISTINCT i.quarantine))
    FROM ingest_in i WHERE i.quarantine IS NOT NULL HAVING count(*) > 0;

    WITH fresh AS (
        SELECT DISTINCT ON (i.response_id) i.* FROM ingest_in i
        WHERE i.quarantine IS NULL ORDER BY i.response_id, i.ord
    ), ids AS (
        INSERT INTO response_ids (response_id, kiosk_id, seq, finished_at, signed, raw_sha256)
        SELECT f.response_id, p_kiosk, f.seq, f.finished_at, f.signed,
               sha256(convert_to(f.raw, 'UTF8'))
        FROM fresh f
        ON CONFLICT (response_id) DO NOTHING
        RETURNING response_id
    ), resp AS (
        INSERT INTO responses (response_id, kiosk_id, seq, unit, survey_id, survey_version,
            survey_sha256, language, started_at, finished_at, status, suspect, clock_trusted,
            officer_id, counter, followup, chain, prev_chain, signed, negative, raw)
        SELECT f.response_id, p_kiosk, f.seq, k.unit, f.survey_id, f.survey_version,
            f.survey_sha256, f.language, f.started_at, f.finished_at, f.status, f.suspect,
            f.clock_trusted, f.officer_id, f.counter, f.followup, f.chain, f.prev_chain,
            f.signed,
            CASE WHEN EXISTS (SELECT 1 FROM survey_negative n WHERE n.sha256 = f.survey_sha256)
                 THEN EXISTS (SELECT 1 FROM jsonb_each(f.answers) a
                              JOIN survey_negative n ON n.sha256 = f.survey_sha256
                               AND n.question_id = a.key AND n.value = a.value->>'value')
            END,
            f.raw
        FROM fresh f JOIN ids USING (response_id)
        RETURNING response_id, finished_at, coalesce(counter, kiosk_id) AS place, officer_id,
                  negative
    ), ans AS (
        INSERT INTO answers (response_id, unit, finished_at, question_id, value, ms)
        SELECT f.response_id, k.unit, f.finished_at, a.key, a.value->>'value',
               (a.value->>'ms')::bigint
        FROM fresh f JOIN ids USING (response_id), jsonb_each(f.answers) a
    )
    -- (one aggregation: the three arrays list the new negative responses in
    -- the same order)
    SELECT coalesce(array_agg(response_id), '{}'),
           array_agg(finished_at) FILTER (WHERE negative),
           array_agg(place) FILTER (WHERE negative),
           array_agg(officer_id) FILTER (WHERE negative)
    INTO acc, neg_fin, neg_place, neg_off FROM resp;

    -- What was not stored now: quarantined, or held already (a resend).
    SELECT coalesce(array_agg(DISTINCT i.response_id), '{}'),
           array_agg(DISTINCT i.response_id) FILTER (WHERE i.quarantine IS NULL)
    INTO dup, again
    FROM ingest_in i LEFT JOIN unnest(acc) AS a(id) ON a.id = i.response_id
    WHERE a.id IS NULL;

    -- The same id sent again with other bytes: kept as first stored, raised.
    IF again IS NOT NULL THEN
        INSERT INTO alerts (kind, happened_at, kiosk_id, unit, details)
        SELECT 'conflicting_duplicate', now(), p_kiosk, k.unit,
               jsonb_build_object('response_ids', jsonb_agg(DISTINCT i.response_id))
        FROM ingest_in i JOIN response_ids r USING (response_id)
        WHERE i.response_id = ANY (again) AND i.quarantine IS NULL
          AND r.raw_sha256 <> sha256(convert_to(i.raw, 'UTF8'))
        HAVING count(*) > 0;
    END IF;

    IF neg_fin IS NOT NULL THEN
        PERFORM check_bursts(p_kiosk, k.unit, neg_fin, neg_place, neg_off);
    END IF;
    IF p_head_verdict IS NOT NULL THEN
        PERFORM record_head(p_kiosk, k.unit, p_head_seq, p_head_chain, p_head_sig, p_head_key,
                            p_head_verdict, p_head_note);
    END IF;
    PERFORM record_status(p_kiosk, p_status, cardinality(p_rows) > 0);

    accepted := (SELECT coalesce(array_agg(x::text), '{}') FROM unnest(acc) x);
    duplicate := (SELECT coalesce(array_agg(x::text), '{}') FROM unnest(dup) x);

    SELECT * INTO sa FROM assignments a
    WHERE a.survey_sha256 IS NOT NULL
      AND ((a.target_kind = 'kiosk' AND a.target = p_kiosk)
           OR (a.target_kind = 'unit' AND a.target = k.unit))
    ORDER BY a.id DESC LIMIT 1;
    SELECT * INTO oa FROM assignments a
    WHERE a.officers IS NOT NULL
      AND ((a.target_kind = 'kiosk' AND a.target = p_kiosk)
           OR (a.target_kind = 'unit' AND a.target = k.unit))
    ORDER BY a.id DESC LIMIT 1;
    assignment_id := greatest(sa.id, oa.id);
    IF assignment_id IS NOT NULL AND reported IS DISTINCT FROM assignment_id THEN
        survey_sha256 := sa.survey_sha256;
        survey := (SELECT s.body FROM surveys s WHERE s.sha256 = sa.survey_sha256);
        officers := oa.officers;
    END IF;
    RETURN NEXT;
END
$$;

-- Registers a survey file checked by hailong-server (hailong check's rules):
-- its text, its questions and types, and which answers are negative (the
-- first smiley, stars or nps question: the lower half of the scale below
-- its middle; nps 0 to 6). Returns false when it was known already.
CREATE FUNCTION hailong.register_survey(p_sha256 text, p_body text) RETURNS boolean
LANGUAGE plpgsql SET search_path = hailong, pg_temp AS $$
DECLARE
    j json := p_body::json;
    q record;
    n integer;
BEGIN
    IF EXISTS (SELECT 1 FROM surveys WHERE sha256 = p_sha256) THEN
        RETURN false;
    END IF;
    INSERT INTO surveys (sha256, survey_id, version, body)
    VALUES (p_sha256, j->>'id', (j->>'version')::bigint, p_body);
    INSERT INTO survey_questions (sha256, question_id, type, position)
    SELECT p_sha256, e.q->>'id', e.q->>'type', e.ord
    FROM json_array_elements(j->'questions') WITH ORDINALITY AS e(q, ord)
    WHERE e.q->>'id' IS NOT NULL
    ON CONFLICT DO NOTHING;
    SELECT e.q AS q, e.q->>'type' AS type INTO q
    FROM json_array_elements(j->'questions') WITH ORDINALITY AS e(q, ord)
    WHERE e.q->>'type' IN ('smiley', 'stars', 'nps') ORDER BY e.ord LIMIT 1;
    IF q.type = 'smiley' THEN
        n := json_array_length(q.q->'options');
        -- options best first: the option at 0-based index i scores n - i
        INSERT INTO survey_negative
        SELECT p_sha256, q.q->>'id', o.opt->>'id'
        FROM json_array_elements(q.q->'options') WITH ORDINALITY AS o(opt, ord)
        WHERE 2 * (n - (o.ord - 1)) < n + 1;
    ELSIF q.type = 'stars' THEN
        INSERT INTO survey_negative VALUES (p_sha256, q.q->>'id', '1'), (p_sha256, q.q->>'id', '2');
    ELSIF q.type = 'nps' THEN
        INSERT INTO survey_negative
        SELECT p_sha256, q.q->>'id', v::text FROM generate_series(0, 6) v;
    END IF;
    RETURN true;
END
$$;

-- The service's rights: these functions, nothing else.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hailong FROM PUBLIC;
GRANT USAGE ON SCHEMA hailong TO hailong_ingest;
GRANT EXECUTE ON FUNCTION hailong.kiosk_auth(bytea) TO hailong_ingest;
-- At its start the service checks the schema's version and makes the
-- coming months' partitions (as the owner: SECURITY DEFINER).
GRANT SELECT ON hailong.migrations TO hailong_ingest;
GRANT EXECUTE ON FUNCTION hailong.make_partitions(date, integer) TO hailong_ingest;
GRANT EXECUTE ON FUNCTION hailong.ingest(text, text[], boolean[], text[], bigint, text, text,
                                         text, text, text, jsonb) TO hailong_ingest;
