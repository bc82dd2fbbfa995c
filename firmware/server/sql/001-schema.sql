-- SPDX-License-Identifier: GPL-3.0-or-later
-- 001-schema.sql: the province server's database, version 1.
--
-- Everything hailong-server knows lives here; the service itself keeps no
-- state, so any number of instances can serve one database. The semantics
-- of a kiosk's push are in one function, hailong.ingest (002-ingest.sql):
-- responses stored by response_id exactly once, their bytes as the kiosk
-- sent them, chain heads recorded, status kept, alerts raised.
--
-- Roles (cluster-wide, NOLOGIN groups; a login role is granted one of them):
--   hailong_ingest    the service: may only call the functions it needs
--   hailong_read      reports and BI: the views of schema hailong_report,
--                     where no breakdown shows fewer than 5 responses
--   hailong_comments  the citizens' own words and phone numbers
--                     (hailong_report.comments), for the staff who follow up
-- Applied by `hailong-server db migrate` in one transaction, recorded in
-- hailong.migrations.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hailong_ingest') THEN
        CREATE ROLE hailong_ingest NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hailong_read') THEN
        CREATE ROLE hailong_read NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hailong_comments') THEN
        CREATE ROLE hailong_comments NOLOGIN;
    END IF;
END
$$;

CREATE SCHEMA hailong;
CREATE SCHEMA hailong_report;
REVOKE ALL ON SCHEMA hailong FROM PUBLIC;
REVOKE ALL ON SCHEMA hailong_report FROM PUBLIC;

-- The migrations applied (hailong-server db migrate adds a row per file).
CREATE TABLE hailong.migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- Tunables, one row each (hailong-server settings).
CREATE TABLE hailong.settings (
    key text PRIMARY KEY,
    value numeric NOT NULL,
    meaning text NOT NULL
);
INSERT INTO hailong.settings VALUES
    ('burst_min_responses', 4, 'a negative burst needs at least this many responses in the window'),
    ('burst_window_s', 900, 'the window of a negative burst, seconds'),
    ('burst_negative_share', 0.5, 'the share of negative responses that makes a burst'),
    ('rate_per_minute', 120, 'requests one kiosk may make per minute; more get 429'),
    ('silent_grace_s', 60, 'a kiosk is silent when nothing came for its interval and this'),
    ('history_every_s', 3600, 'a status history row at least this often per kiosk (and on every change)');

-- The kiosks the province registered. The token is kept only as its
-- SHA-256; the public key is the device key (hailong identity).
CREATE TABLE hailong.kiosks (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9_-]{1,40}$'),
    unit text NOT NULL CHECK (length(unit) BETWEEN 1 AND 120),
    commune text,
    district text,
    public_key bytea CHECK (public_key IS NULL OR length(public_key) = 32),
    key_fp text CHECK (key_fp IS NULL OR key_fp ~ '^[0-9a-f]{16}$'),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kiosks_unit ON hailong.kiosks (unit);

-- Requests per kiosk in the current minute (the rate limit). Unlogged:
-- counting a request then writes no WAL, so the check on a request's
-- headers does not wait for a disk flush; a crash forgets the counts.
CREATE UNLOGGED TABLE hailong.kiosk_rate (
    kiosk_id text PRIMARY KEY REFERENCES hailong.kiosks ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    n integer NOT NULL
);

-- Survey files the province knows (assigned from here, or registered for
-- the reports with hailong-server survey add): their exact text.
CREATE TABLE hailong.surveys (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    survey_id text NOT NULL,
    version bigint NOT NULL,
    body text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);
-- Each question of a known survey and its type (from the file).
CREATE TABLE hailong.survey_questions (
    sha256 text NOT NULL REFERENCES hailong.surveys ON DELETE CASCADE,
    question_id text NOT NULL,
    type text NOT NULL,
    position integer NOT NULL,
    PRIMARY KEY (sha256, question_id)
);
-- The answers that make a response negative: the lower part of the
-- survey's first scored question (smiley, stars, nps).
CREATE TABLE hailong.survey_negative (
    sha256 text NOT NULL REFERENCES hailong.surveys ON DELETE CASCADE,
    question_id text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (sha256, question_id, value)
);

-- The identity of every stored response: one row per response_id, so that
-- a resend is a duplicate whatever month it names (the partitioned table
-- below cannot hold a unique key without its partition column).
CREATE TABLE hailong.response_ids (
    response_id uuid PRIMARY KEY,
    kiosk_id text NOT NULL,
    seq bigint NOT NULL,
    finished_at timestamptz NOT NULL,
    signed boolean NOT NULL,
    raw_sha256 bytea NOT NULL
);
CREATE INDEX response_ids_kiosk_seq ON hailong.response_ids (kiosk_id, seq);

-- The responses, by the month they finished (kiosk clock). raw is the
-- kiosk's JSON Lines row, byte for byte as it arrived; the columns are
-- read from it for queries.
CREATE TABLE hailong.responses (
    response_id uuid NOT NULL,
    kiosk_id text NOT NULL,
    seq bigint NOT NULL,
    unit text NOT NULL,
    survey_id text NOT NULL,
    survey_version bigint NOT NULL,
    survey_sha256 text NOT NULL,
    language text NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    status text NOT NULL,
    suspect text,
    clock_trusted boolean NOT NULL,
    officer_id text,
    counter text,
    followup text,
    chain text,
    prev_chain text,
    signed boolean NOT NULL,
    negative boolean,
    received_at timestamptz NOT NULL DEFAULT now(),
    raw text NOT NULL
) PARTITION BY RANGE (finished_at);
CREATE INDEX responses_kiosk_seq ON hailong.responses (kiosk_id, seq);
CREATE INDEX responses_unit_time ON hailong.responses (unit, finished_at);
-- A counter's place: the counter the response names, else its kiosk (the
-- negative-burst check and the reports count by it).
CREATE INDEX responses_place_time
    ON hailong.responses (unit, (coalesce(counter, kiosk_id)), finished_at);
CREATE INDEX responses_officer_time ON hailong.responses (officer_id, finished_at)
    WHERE officer_id IS NOT NULL;

CREATE TABLE hailong.answers (
    response_id uuid NOT NULL,
    unit text NOT NULL,
    finished_at timestamptz NOT NULL,
    question_id text NOT NULL,
    value text NOT NULL,
    ms bigint NOT NULL
) PARTITION BY RANGE (finished_at);
CREATE INDEX answers_unit_time ON hailong.answers (unit, finished_at);

-- Rows from a kiosk's clock before 2020 or after the made partitions.
CREATE TABLE hailong.responses_default PARTITION OF hailong.responses DEFAULT;
CREATE TABLE hailong.answers_default PARTITION OF hailong.answers DEFAULT;

-- Makes the monthly partitions from the month of from_date for months
-- months (hailong-server db migrate and the service's start: two years
-- back, a year ahead). A month whose rows already sit in the default
-- partition is left there (moving them is a manual job).
CREATE FUNCTION hailong.make_partitions(from_date date, months integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hailong, pg_temp AS $$
DECLARE
    m date := date_trunc('month', from_date)::date;
    made integer := 0;
    t text;
BEGIN
    FOR i IN 1..months LOOP
        FOREACH t IN ARRAY ARRAY['responses', 'answers'] LOOP
            IF to_regclass(format('hailong.%s_%s', t, to_char(m, 'YYYYMM'))) IS NULL
               AND NOT EXISTS (SELECT 1 FROM ONLY hailong.responses_default
                               WHERE finished_at >= m AND finished_at < m + interval '1 month')
            THEN
                EXECUTE format('CREATE TABLE hailong.%I PARTITION OF hailong.%I '
                               'FOR VALUES FROM (%L) TO (%L)',
                               t || '_' || to_char(m, 'YYYYMM'), t, m,
                               (m + interval '1 month')::date);
                made := made + 1;
            END IF;
        END LOOP;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN made;
END
$$;

-- Responses the server will not count but keeps and names to the kiosk
-- (docs/sync-protocol.md: "name every response you hold"): another
-- kiosk's, a chain value or signature that does not check out.
CREATE TABLE hailong.quarantine (
    id bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    kiosk_id text NOT NULL,
    response_id text NOT NULL,
    reason text NOT NULL,
    raw text NOT NULL,
    UNIQUE (kiosk_id, response_id, reason)
);
CREATE INDEX quarantine_kiosk ON hailong.quarantine (kiosk_id, received_at);

-- Every distinct chain head a kiosk sent (the same head sent again moves
-- last_received_at and times): its history recorded outside the kiosk.
CREATE TABLE hailong.chain_heads (
    id bigserial PRIMARY KEY,
    kiosk_id text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    seq bigint NOT NULL,
    chain text NOT NULL,
    signature text,
    key_fp text,
    verdict text NOT NULL CHECK (verdict IN ('verified', 'unsigned', 'forged')),
    note text,
    last_received_at timestamptz NOT NULL DEFAULT now(), -- the same head sent again since
    times bigint NOT NULL DEFAULT 1
);
CREATE INDEX chain_heads_kiosk ON hailong.chain_heads (kiosk_id, id);
CREATE INDEX chain_heads_seq ON hailong.chain_heads (kiosk_id, seq);

-- The latest status of each kiosk, and a history (on every change, and at
-- least every history_every_s).
CREATE TABLE hailong.kiosk_status (
    kiosk_id text PRIMARY KEY REFERENCES hailong.kiosks ON DELETE CASCADE,
    received_at timestamptz NOT NULL,
    requests bigint NOT NULL DEFAULT 0,
    last_batch_at timestamptz,
    software text,
    kiosk_time timestamptz,
    clock_skew_s double precision,
    clock_trusted boolean,
    uptime_s bigint,
    interval_s integer,
    survey_id text,
    survey_version bigint,
    survey_sha256 text,
    assignment_id bigint,
    assignment_state text,
    assignment_error text,
    pending bigint,
    oldest_pending timestamptz,
    disk_free_bytes bigint,
    last_error text,
    last_usb_export timestamptz,
    officer_id text,
    status jsonb
);
CREATE TABLE hailong.kiosk_status_history (
    kiosk_id text NOT NULL,
    received_at timestamptz NOT NULL,
    status jsonb NOT NULL
);
CREATE INDEX kiosk_status_history_kiosk ON hailong.kiosk_status_history (kiosk_id, received_at);

-- Surveys and officer lists sent out from the centre, to a unit or a kiosk.
-- A kiosk gets the newest assignment naming it or its unit that has a
-- survey, and the newest that has officers.
CREATE TABLE hailong.assignments (
    id bigserial PRIMARY KEY,
    target_kind text NOT NULL CHECK (target_kind IN ('unit', 'kiosk')),
    target text NOT NULL,
    survey_sha256 text REFERENCES hailong.surveys,
    officers jsonb CHECK (officers IS NULL OR jsonb_typeof(officers) = 'array'),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT current_user,
    CHECK (survey_sha256 IS NOT NULL OR officers IS NOT NULL)
);
CREATE INDEX assignments_target ON hailong.assignments (target_kind, target, id);

-- What needs a person: negative bursts, forged heads and responses,
-- truncated chains. Each new row is also sent as NOTIFY hailong_alert.
CREATE TABLE hailong.alerts (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    happened_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    kiosk_id text,
    unit text,
    counter text,
    officer_id text,
    details jsonb NOT NULL DEFAULT '{}',
    acknowledged_at timestamptz
);
CREATE INDEX alerts_time ON hailong.alerts (recorded_at);
CREATE INDEX alerts_burst ON hailong.alerts (kind, unit, counter, officer_id, happened_at);

CREATE FUNCTION hailong.alert_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hailong_alert', json_build_object(
        'id', NEW.id, 'kind', NEW.kind, 'happened_at', NEW.happened_at,
        'kiosk_id', NEW.kiosk_id, 'unit', NEW.unit, 'counter', NEW.counter,
        'officer_id', NEW.officer_id, 'details', NEW.details)::text);
    RETURN NEW;
END
$$;
CREATE TRIGGER alerts_notify AFTER INSERT ON hailong.alerts
    FOR EACH ROW EXECUTE FUNCTION hailong.alert_notify();
