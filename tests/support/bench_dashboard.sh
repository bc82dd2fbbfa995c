#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_dashboard.sh [--quick] [--build DIR] [--responses N] [--units U] [--kiosks K]
#                    [--runs R] [--pg-dir DIR] [--keep]
# The dashboard's figures at scale, from nothing: a throw-away PostgreSQL
# cluster in a temporary folder (under --pg-dir, default $TMPDIR or /tmp), the
# schema migrated by `hailong-server db migrate`, the bundled survey registered
# by `hailong-server survey add`, then N responses made by SQL (generate_series:
# two years of local days ending 2026-11-30, U units of K/U kiosks each, half
# the responses at a named counter, 70% with one of the unit's 4 officers, local
# hours 7-17 with a morning peak, 90% complete, 2% suspect, about 4 answers each
# into hailong.answers: the main smiley, the officer smiley, a yes/no, a choice,
# the reasons and in 12% a comment after a low rating; raw a short placeholder; the
# response_ids table is not filled: the pages never read it). Then:
#   - the first hailong.refresh_stats() (every (unit, day) at once) and its time;
#   - each page's SQL (the functions of firmware/server/sql/004-stats.sql the
#     pages call), R runs each on one connection: the median, the slowest run;
#   - EXPLAIN ANALYZE of the slowest page;
#   - the rollups' sizes, and the refresh's time for a new day of responses
#     (N / 730 of them) and for one late response of an old day.
# Prints one JSON line per page and a summary line. Figures are printed, never
# judged (the goal is 300 ms per page); the script fails only when a step fails
# or the rollups disagree with the raw tables on the month it times.
# Defaults: 10,000,000 responses, 60 units, 300 kiosks, 5 runs.
# --quick (CTest, label long): 100,000 responses.
# As root, initdb and postgres run as the postgres user (runuser).
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
build="$top/build" responses=10000000 units=60 kiosks=300 runs=5 pgparent="${TMPDIR:-/tmp}"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) responses=100000; shift ;;
    --build) build="$2"; shift 2 ;;
    --responses) responses="$2"; shift 2 ;;
    --units) units="$2"; shift 2 ;;
    --kiosks) kiosks="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --pg-dir) pgparent="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "bench_dashboard.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
build="$(cd "$build" && pwd)"
server="$build/hailong-server"
[ -x "$server" ] || { echo "bench_dashboard.sh: $server is not built (cmake --build $build)" >&2; exit 1; }
pgbin="${HL_PG_BINDIR:-}"
if [ -z "$pgbin" ]; then
  pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
fi
[ -x "$pgbin/initdb" ] || { echo "bench_dashboard.sh: no PostgreSQL (install postgresql-15 or set HL_PG_BINDIR)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
say() { echo "bench_dashboard.sh: $*" >&2; }

work="$(mktemp -d "$pgparent/hailong-dashboard.XXXXXX")"
pg_up=0
sock=""
cleanup() {
  set +e
  [ "$pg_up" = 1 ] && as_pg "$pgbin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1
  if [ "$keep" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
  case "$sock" in /tmp/hlpgd.*) rm -rf "$sock" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- The cluster ------------------------------------------------------------------------
sock="$work/s"
[ ${#sock} -le 80 ] || sock="$(mktemp -d /tmp/hlpgd.XXXXXX)"
mkdir -p "$sock"
[ "$(id -u)" = 0 ] && chown -R postgres "$work" "$sock"
as_pg "$pgbin/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
# fsync stays on; the load is made faster by a large WAL and asynchronous commits only.
as_pg "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories=$sock -c shared_buffers=1GB \
      -c max_wal_size=8GB -c checkpoint_timeout=30min -c synchronous_commit=off \
      -c maintenance_work_mem=512MB -c work_mem=64MB" \
  start >/dev/null || { cat "$work/pg.log" >&2; exit 1; }
pg_up=1
psql_() { "$pgbin/psql" -h "$sock" -U postgres -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
psql_ -d postgres -c "CREATE DATABASE hailong"
db="host=$sock user=postgres dbname=hailong"
HAILONG_SERVER_SQL="${HAILONG_SERVER_SQL:-$top/firmware/server/sql}" \
  "$server" db migrate --db "$db" >"$work/migrate.log"
# The bundled survey with a comment box after a low rating (its text answers are comments).
python3 - "$top/assets/surveys/sipas-mot-cua.json" "$work/survey.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["questions"].append({"id": "comment", "type": "text", "max_chars": 500,
                       "show_if": {"question": "overall", "at_most": 2},
                       "text": {"vi": "Ý kiến của Ông/Bà", "en": "Your comments"},
                       "hint": {"vi": "Viết góp ý", "en": "Write here"}})
json.dump(s, open(sys.argv[2], "w"), ensure_ascii=False)
PY
HAILONG_SERVER_SQL="${HAILONG_SERVER_SQL:-$top/firmware/server/sql}" \
  "$server" survey add "$work/survey.json" --db "$db" >/dev/null 2>"$work/survey.log" ||
  { cat "$work/survey.log" >&2; exit 1; }
d() { psql_ -d hailong "$@"; }
now_ms() { date +%s%3N; }

# ---- The responses ----------------------------------------------------------------------
say "making $responses responses ($units units, $kiosks kiosks)"
t0=$(now_ms)
d -v n="$responses" -v units="$units" -v kiosks="$kiosks" <<'EOF'
SELECT hailong.make_partitions('2024-11-01', 26) AS made \gset
-- the kiosks, K/U per unit
INSERT INTO hailong.kiosks (id, unit, token_hash)
SELECT 'k' || lpad(k::text, 3, '0'), 'unit-' || lpad(((k - 1) % :units + 1)::text, 2, '0'),
       sha256(convert_to('k' || k, 'UTF8'))
FROM generate_series(1, :kiosks) k;
-- one row per response: its kiosk, moment and answers, drawn once
CREATE UNLOGGED TABLE bench_gen AS
SELECT g, k, 'k' || lpad(k::text, 3, '0') AS kiosk, 'unit-' || lpad(((k - 1) % :units + 1)::text, 2, '0') AS unit,
       -- the local day (730 days up to 2026-11-30), hour 7-17 peaking at 9-10
       hailong.local_start(date '2024-12-01' + floor(random() * 730)::int)
         + make_interval(hours => (array[7,8,8,9,9,9,10,10,10,11,11,13,14,14,15,15,16,17])
                                    [1 + floor(random() * 18)::int],
                         secs => random() * 3599) AS fin,
       random() AS r_counter, random() AS r_officer, random() AS r_status, random() AS r_suspect,
       (array['very_satisfied','very_satisfied','satisfied','satisfied','satisfied','neutral',
              'dissatisfied','very_dissatisfied'])[1 + floor(random() * 8)::int] AS overall,
       (array['very_satisfied','satisfied','neutral','dissatisfied','very_dissatisfied'])
         [1 + floor(random() * 5)::int] AS officer_ans,
       random() AS r_posted, random() AS r_trips, random() AS r_reason, random() AS r_comment
FROM (SELECT g, 1 + floor(random() * :kiosks)::int AS k FROM generate_series(1, :n) g) s;
EOF
sha="$(d -c "SELECT sha256 FROM hailong.surveys LIMIT 1")"
d -v sha="$sha" <<'EOF'
INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, survey_version,
    survey_sha256, language, started_at, finished_at, status, suspect, clock_trusted,
    officer_id, counter, followup, signed, negative, received_at, raw)
SELECT md5(g::text)::uuid, kiosk, g, unit, 'sipas-mot-cua', 1, :'sha', 'vi',
       fin - interval '70 seconds', fin,
       CASE WHEN r_status < 0.9 THEN 'complete' ELSE 'partial' END,
       CASE WHEN r_suspect < 0.02 THEN 'fast' END, true,
       CASE WHEN r_officer < 0.7 THEN format('%s-o%s', unit, 1 + floor(r_officer * 4 / 0.7)::int % 4) END,
       CASE WHEN r_counter < 0.5 THEN format('quay-%s', 1 + k % 3) END,
       NULL, true, overall IN ('dissatisfied', 'very_dissatisfied'), fin + interval '2 minutes',
       '{"bench":' || g || '}'
FROM bench_gen ORDER BY fin; -- in time order, as pushes arrive
-- the answers: the main smiley always, the rest as a citizen might
INSERT INTO hailong.answers (response_id, unit, finished_at, question_id, value, ms)
SELECT md5(g::text)::uuid, unit, fin, a.q, a.v, 3000
FROM bench_gen CROSS JOIN LATERAL (
    VALUES ('overall', overall),
           ('officer', CASE WHEN r_officer < 0.7 THEN officer_ans END),
           ('procedure_posted', CASE WHEN r_posted < 0.85 THEN 'yes' ELSE 'no' END),
           ('trips', CASE WHEN r_status < 0.9 THEN (array['once','once','twice','three_or_more'])
                                                   [1 + floor(r_trips * 4)::int] END),
           ('reasons', CASE WHEN overall IN ('dissatisfied', 'very_dissatisfied')
                            THEN (array['slow','slow|attitude','unclear_guidance','many_trips',
                                        'attitude|hard_to_submit|other'])
                                 [1 + floor(r_reason * 5)::int] END),
           ('comment', CASE WHEN overall IN ('dissatisfied', 'very_dissatisfied')
                             AND r_comment < 0.12 THEN 'Ý kiến số ' || g END)) a(q, v)
WHERE a.v IS NOT NULL ORDER BY fin;
-- a few alerts and statuses for the fleet and alerts pages
INSERT INTO hailong.kiosk_status (kiosk_id, received_at, interval_s, pending, software,
                                  clock_trusted, disk_free_bytes)
SELECT id, timestamptz '2026-11-30 09:59+07' - (random() * interval '2 hours'), 60,
       floor(random() * 20)::int, '1.4.0', true, 8000000000 FROM hailong.kiosks;
INSERT INTO hailong.alerts (kind, happened_at, recorded_at, kiosk_id, unit, details)
SELECT 'negative_burst', t, t, k.id, k.unit, '{}'
FROM hailong.kiosks k, generate_series(timestamptz '2025-01-01', '2026-11-30', interval '30 days') t;
DROP TABLE bench_gen;
EOF
t1=$(now_ms)
say "made them in $(( (t1 - t0) / 1000 )) s; VACUUM ANALYZE"
d -c "VACUUM ANALYZE"
t2=$(now_ms)

# ---- The first refresh: every (unit, day) ----------------------------------------------
pairs=$(d -c "SELECT hailong.refresh_stats()")
t3=$(now_ms)
d -c "VACUUM ANALYZE hailong.stats_cell, hailong.stats_unit_day, hailong.stats_question_day"
say "first refresh: $pairs (unit, day) pairs in $(( (t3 - t2) / 1000 )) s"

# The month timed must agree with the raw tables (the bench measures real figures).
month="2026-11-01" now="2026-11-30 10:00+07" unit="unit-07"
check=$(d -v month="$month" -v now="$now" -v unit="$unit" <<'EOF'
WITH raw AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE status = 'partial') AS partial
    FROM hailong.responses
    WHERE unit = :'unit' AND finished_at >= hailong.local_start(:'month')
      AND finished_at < hailong.local_start(least(hailong.local_day(:'now') + 1,
                                                  (date :'month' + interval '1 month')::date))
)
SELECT CASE WHEN raw.n = u.responses AND raw.partial = u.partial THEN 'ok'
            ELSE format('raw %s/%s, rollup %s/%s', raw.n, raw.partial, u.responses, u.partial) END
FROM raw, hailong.dash_unit(:'unit', :'month', :'now') u WHERE u.kind = 'unit';
EOF
)
[ "$check" = ok ] || { say "the rollups disagree with the raw tables: $check"; exit 1; }

# ---- The pages --------------------------------------------------------------------------
declare -A page
page[overview]="SELECT * FROM hailong.dash_overview('$month', '$now')"
page[overview_old_month]="SELECT * FROM hailong.dash_overview('2025-06-01', '$now')"
page[unit]="SELECT * FROM hailong.dash_unit('$unit', '$month', '$now')"
page[unit_questions]="SELECT * FROM hailong.dash_questions('$unit', '$month', '$now')"
page[fleet]="SELECT * FROM hailong.dash_fleet('$now')"
page[alerts]="SELECT * FROM hailong.dash_alerts('$now')"
names="overview overview_old_month unit unit_questions fleet alerts"
{
  echo '\timing on'
  for r in $(seq "$runs"); do
    for p in $names; do echo "\\echo page $p"; echo "${page[$p]};"; done
  done
} >"$work/pages.sql"
d -o /dev/null -f "$work/pages.sql" >"$work/pages.out"
# "page NAME" then its "Time: X ms"
awk '/^page /{p=$2} /^Time: /{print p, $2}' "$work/pages.out" >"$work/times"
python3 - "$work/times" "$responses" <<'EOF' | tee "$work/summary"
import json, statistics, sys
t = {}
for line in open(sys.argv[1]):
    p, ms = line.split()
    t.setdefault(p, []).append(float(ms))
for p, v in t.items():
    print(json.dumps({"bench": "dashboard-page", "page": p, "responses": int(sys.argv[2]),
                      "runs": len(v), "median_ms": round(statistics.median(v), 2),
                      "max_ms": round(max(v), 2)}, separators=(",", ":")))
slow = max(t, key=lambda p: statistics.median(t[p]))
print("slowest", slow)
EOF
slow=$(awk '/^slowest/{print $2}' "$work/summary")
say "EXPLAIN ANALYZE of the slowest page ($slow): ${page[$slow]}"
d -c "EXPLAIN (ANALYZE, BUFFERS) ${page[$slow]}" >&2
# The functions are SQL: their plan shows only a Function Scan; also the statement inside,
# by auto_explain (nested statements).
d >&2 <<EOF
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET client_min_messages = log;
SET auto_explain.log_level = notice;
SELECT count(*) FROM (${page[$slow]}) x;
EOF

# ---- Sizes, and the refresh of a new day ------------------------------------------------
sizes=$(d -F ' ' -c "SELECT c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hailong' AND c.relname IN ('stats_cell', 'stats_unit_day',
          'stats_question_day') ORDER BY 1")
raw=$(d -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'hailong' AND c.relkind = 'r' AND (c.relname LIKE 'responses%'
          OR c.relname LIKE 'answers%')")
say "rollups (name bytes rows): $(echo "$sizes" | tr '\n' ';') raw responses+answers: $raw bytes"
perday=$(( responses / 730 ))
[ "$perday" -ge 1 ] || perday=1
d -v n="$perday" -v units="$units" -v kiosks="$kiosks" <<'EOF'
INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, survey_version,
    survey_sha256, language, started_at, finished_at, status, clock_trusted, signed, negative,
    raw)
SELECT md5('new' || g)::uuid, 'k' || lpad(k::text, 3, '0'), 100000000 + g,
       'unit-' || lpad(((k - 1) % :units + 1)::text, 2, '0'), 'sipas-mot-cua', 1,
       (SELECT sha256 FROM hailong.surveys LIMIT 1), 'vi', f, f, 'complete', true, true, false,
       '{}'
FROM (SELECT g, 1 + g % :kiosks AS k,
             hailong.local_start('2026-12-01') + interval '8 hours' + g * interval '1 second' AS f
      FROM generate_series(1, :n) g) s;
INSERT INTO hailong.answers (response_id, unit, finished_at, question_id, value, ms)
SELECT response_id, unit, finished_at, 'overall', 'satisfied', 1000 FROM hailong.responses
WHERE finished_at >= hailong.local_start('2026-12-01');
EOF
t4=$(now_ms)
newpairs=$(d -c "SELECT hailong.refresh_stats()")
t5=$(now_ms)
d -c "INSERT INTO hailong.responses (response_id, kiosk_id, seq, unit, survey_id, survey_version,
    survey_sha256, language, started_at, finished_at, status, clock_trusted, signed, raw)
    VALUES (md5('late')::uuid, 'k001', 200000000, 'unit-01', 'sipas-mot-cua', 1, 'x', 'vi',
            '2025-03-03 09:00+07', '2025-03-03 09:00+07', 'complete', true, true, '{}')"
t6=$(now_ms)
latepairs=$(d -c "SELECT hailong.refresh_stats()")
t7=$(now_ms)
printf '{"bench":"dashboard-summary","responses":%s,"units":%s,"kiosks":%s,"runs":%s,"make_s":%s,"first_refresh_pairs":%s,"first_refresh_s":%s,"new_day_responses":%s,"new_day_pairs":%s,"new_day_refresh_ms":%s,"late_response_pairs":%s,"late_response_refresh_ms":%s,"raw_bytes":%s,"rollups":"%s"}\n' \
  "$responses" "$units" "$kiosks" "$runs" "$(( (t1 - t0) / 1000 ))" "$pairs" \
  "$(( (t3 - t2) / 1000 ))" "$perday" "$newpairs" "$(( t5 - t4 ))" "$latepairs" \
  "$(( t7 - t6 ))" "$raw" "$(echo "$sizes" | tr '\n' ';')"
