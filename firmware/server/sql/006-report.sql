-- SPDX-License-Identifier: GPL-3.0-or-later
-- 006-report.sql: what a monthly report reads (firmware/report/report_src.c),
-- once, for both of its PostgreSQL readers.
--
-- hailong.report_*_set(p_unit, p_from, p_to) are plain SQL (SECURITY
-- INVOKER, which the planner can inline: the rows stream through a cursor): the
-- surveys of the unit's responses finished in [p_from, p_to), those rows'
-- raw text, each kiosk's newest verified chain head, the gaps in each
-- kiosk's sequence, the handled follow-ups. p_unit NULL: every unit (the
-- province's report). `hailong report --db` calls them as its own role,
-- which must be able to read the tables (a read-only role will do).
--
-- hailong.web_report_*(p_token_hash, p_now, p_unit, p_from, p_to) are the
-- same for the dashboard's /reports/ (the role hailong_web, which reads no
-- table): SECURITY DEFINER, for a session that may see p_unit
-- (005-web.sql's web_scope), a single unit (never every unit: the
-- province's report is a command), at most 200 days; anything else raises
-- 42501 'not allowed'.
--
-- Gaps: a kiosk removes responses left empty, so its seq numbers may skip
-- with nothing missing. A skip between two stored responses is a gap only
-- when they do not link by their chain: the response after the skip has a
-- prev_chain different from the chain of the response before it (as
-- hailong merge does with bundles). A response without a chain (unsigned,
-- or from a kiosk before the chain) on either side proves nothing: the skip
-- is named a gap.

CREATE FUNCTION hailong.report_survey_set(p_unit text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (sha256 text, body text)
LANGUAGE sql STABLE AS $$
    SELECT s.sha256, s.body FROM hailong.surveys s
    WHERE s.sha256 IN (SELECT DISTINCT r.survey_sha256 FROM hailong.responses r
                       WHERE (p_unit IS NULL OR r.unit = p_unit)
                         AND r.finished_at >= p_from AND r.finished_at < p_to)
    ORDER BY s.survey_id, s.version
$$;

CREATE FUNCTION hailong.report_row_set(p_unit text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (unit text, raw text)
LANGUAGE sql STABLE AS $$
    SELECT r.unit, r.raw FROM hailong.responses r
    WHERE (p_unit IS NULL OR r.unit = p_unit) AND r.finished_at >= p_from AND r.finished_at < p_to
    ORDER BY r.kiosk_id, r.seq
$$;

CREATE FUNCTION hailong.report_head_set(p_unit text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kiosk_id text, seq bigint, chain text)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (h.kiosk_id) h.kiosk_id, h.seq, h.chain FROM hailong.chain_heads h
    WHERE h.verdict = 'verified'
      AND h.kiosk_id IN (SELECT r.kiosk_id FROM hailong.responses r
                         WHERE (p_unit IS NULL OR r.unit = p_unit)
                           AND r.finished_at >= p_from AND r.finished_at < p_to)
    ORDER BY h.kiosk_id, h.seq DESC, h.id DESC
$$;

-- Between each kiosk's first and last response of the range, the seq
-- numbers the server never stored whose sides do not link by their chain.
CREATE FUNCTION hailong.report_gap_set(p_unit text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kiosk_id text, from_seq bigint, to_seq bigint)
LANGUAGE sql STABLE AS $$
    WITH m AS (
        SELECT r.kiosk_id, min(r.seq) AS lo, max(r.seq) AS hi FROM hailong.responses r
        WHERE (p_unit IS NULL OR r.unit = p_unit)
          AND r.finished_at >= p_from AND r.finished_at < p_to
        GROUP BY r.kiosk_id),
    g AS (
        SELECT i.kiosk_id, i.seq, i.response_id, lag(i.seq) OVER w AS prev,
               lag(i.response_id) OVER w AS prev_id
        FROM hailong.response_ids i JOIN m ON m.kiosk_id = i.kiosk_id
        WHERE i.seq BETWEEN m.lo AND m.hi
        WINDOW w AS (PARTITION BY i.kiosk_id ORDER BY i.seq))
    SELECT g.kiosk_id, g.prev + 1, g.seq - 1 FROM g
    WHERE g.seq > g.prev + 1
      AND NOT EXISTS (
          SELECT 1 FROM hailong.responses a, hailong.responses b
          WHERE a.kiosk_id = g.kiosk_id AND a.seq = g.prev AND a.response_id = g.prev_id
            AND b.kiosk_id = g.kiosk_id AND b.seq = g.seq AND b.response_id = g.response_id
            AND a.chain IS NOT NULL AND b.prev_chain = a.chain)
    ORDER BY g.kiosk_id, g.prev
$$;

-- The handled follow-ups (005-web.sql) of the responses finished in the
-- range, with when (milliseconds since 1970, UTC).
CREATE FUNCTION hailong.report_followup_set(p_unit text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (response_id text, handled_ms bigint)
LANGUAGE sql STABLE AS $$
    SELECT f.response_id::text, (extract(epoch FROM f.handled_at) * 1000)::bigint
    FROM hailong.followups f JOIN hailong.response_ids i ON i.response_id = f.response_id
    WHERE f.state = 'handled' AND f.handled_at IS NOT NULL
      AND (p_unit IS NULL OR f.unit = p_unit)
      AND i.finished_at >= p_from AND i.finished_at < p_to
$$;

-- The dashboard's check: a session that may see p_unit, one unit, a
-- bounded range; raises 42501 otherwise.
CREATE FUNCTION hailong.web_report_check(p_token_hash bytea, p_now timestamptz, p_unit text,
                                         p_from timestamptz, p_to timestamptz) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    scope text := web_scope(p_token_hash, p_now);
BEGIN
    IF scope IS NULL OR p_unit IS NULL OR p_unit = '*' OR (scope <> '*' AND scope <> p_unit)
       OR p_from IS NULL OR p_to IS NULL OR p_to < p_from
       OR p_to - p_from > interval '200 days' THEN
        RAISE EXCEPTION 'not allowed' USING ERRCODE = '42501';
    END IF;
END
$$;

CREATE FUNCTION hailong.web_report_surveys(p_token_hash bytea, p_now timestamptz, p_unit text,
                                           p_from timestamptz, p_to timestamptz)
RETURNS TABLE (sha256 text, body text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    PERFORM web_report_check(p_token_hash, p_now, p_unit, p_from, p_to);
    RETURN QUERY SELECT * FROM report_survey_set(p_unit, p_from, p_to);
END
$$;

CREATE FUNCTION hailong.web_report_rows(p_token_hash bytea, p_now timestamptz, p_unit text,
                                        p_from timestamptz, p_to timestamptz)
RETURNS TABLE (unit text, raw text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    PERFORM web_report_check(p_token_hash, p_now, p_unit, p_from, p_to);
    RETURN QUERY SELECT * FROM report_row_set(p_unit, p_from, p_to);
END
$$;

CREATE FUNCTION hailong.web_report_heads(p_token_hash bytea, p_now timestamptz, p_unit text,
                                         p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kiosk_id text, seq bigint, chain text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    PERFORM web_report_check(p_token_hash, p_now, p_unit, p_from, p_to);
    RETURN QUERY SELECT * FROM report_head_set(p_unit, p_from, p_to);
END
$$;

CREATE FUNCTION hailong.web_report_gaps(p_token_hash bytea, p_now timestamptz, p_unit text,
                                        p_from timestamptz, p_to timestamptz)
RETURNS TABLE (kiosk_id text, from_seq bigint, to_seq bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    PERFORM web_report_check(p_token_hash, p_now, p_unit, p_from, p_to);
    RETURN QUERY SELECT * FROM report_gap_set(p_unit, p_from, p_to);
END
$$;

CREATE FUNCTION hailong.web_report_followups(p_token_hash bytea, p_now timestamptz,
                                             p_unit text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (response_id text, handled_ms bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
BEGIN
    PERFORM web_report_check(p_token_hash, p_now, p_unit, p_from, p_to);
    RETURN QUERY SELECT * FROM report_followup_set(p_unit, p_from, p_to);
END
$$;

-- The dashboard's rights: the web_report_* functions only. The sets stay
-- executable by any role that may use the schema: as SECURITY INVOKER they
-- read only what the caller may read itself (hailong_web: nothing; a
-- read-only role granted SELECT on the tables: `hailong report --db`).
REVOKE ALL ON FUNCTION
      hailong.web_report_check(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_surveys(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_rows(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_heads(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_gaps(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_followups(bytea, timestamptz, text, timestamptz, timestamptz)
      FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
      hailong.web_report_surveys(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_rows(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_heads(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_gaps(bytea, timestamptz, text, timestamptz, timestamptz),
      hailong.web_report_followups(bytea, timestamptz, text, timestamptz, timestamptz)
      TO hailong_web;
