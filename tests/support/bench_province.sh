#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_province.sh [--quick] [--build DIR] [--kiosks K] [--responses N] [--runs R]
#                   [--server-threads "4 8 16"] [--threads T] [--batch B] [--interval S]
#                   [--pg-dir DIR] [--no-survey] [--pg-profile] [--keep]
# The province server's load benchmark, from nothing: a throw-away PostgreSQL
# cluster in a temporary folder (under --pg-dir, default $TMPDIR or /tmp: the
# server's disk), the schema migrated, the bundled survey registered (so the
# server marks negative responses and looks for bursts, as in service; not with
# --no-survey), K simulated kiosks made by `hailong-bench province-setup` on
# /dev/shm (about N signed responses each) and registered with `hailong-server
# kiosk add` (ten to a unit), their tokens written into their configs. Then, for
# each server thread count and run: a fresh database copied from that one, fresh
# copies of the kiosks, `hailong-server serve --threads N`, `hailong-bench
# province` (every backlog delivered), the database's size before and after, the
# CPU seconds of the server, PostgreSQL (its processes and those it reaped), the
# bench, and the whole machine (the rest is other work on it), `hailong-server db
# status`; the server stopped; PostgreSQL's time per function of the service (track_functions)
# on stderr, and with --pg-profile its statements' (pg_stat_statements, nested ones
# too: that costs some throughput). Prints the bench's JSON line and a "province-server"
# line per run, then one summary line per thread count (medians). Everything is
# stopped and removed on exit (--keep keeps the folders).
# Defaults: 1000 kiosks of about 300 responses (295,702 in all), one run, 16 server threads
# (on 2 cores, 16 did better than 4 and 8: fewer kiosk timeouts, the lowest p99), 64 bench
# threads (requests in flight), the configs' batch (500) and interval 60 s.
# --quick (CI): 20 kiosks of about 20 responses, one run, 4 server threads.
# As root, initdb and postgres run as the postgres user (runuser).
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
build="$top/build" kiosks=1000 responses=300 runs=1 sthreads="16" threads=64 batch=""
interval=60 pgparent="${TMPDIR:-/tmp}" survey=1 keep=0 quick=0 profile=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --build) build="$2"; shift 2 ;;
    --kiosks) kiosks="$2"; shift 2 ;;
    --responses) responses="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --server-threads) sthreads="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --interval) interval="$2"; shift 2 ;;
    --pg-dir) pgparent="$2"; shift 2 ;;
    --no-survey) survey=0; shift ;;
    --pg-profile) profile=1; shift ;;
    --keep) keep=1; shift ;;
    *) echo "bench_province.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then kiosks=20 responses=20 runs=1 sthreads=4 threads=8; fi
build="$(cd "$build" && pwd)"
for b in hailong-bench hailong-server; do
  [ -x "$build/$b" ] || { echo "bench_province.sh: $build/$b is not built (cmake --build $build)" >&2; exit 1; }
done
bench="$build/hailong-bench" server="$build/hailong-server"
pybin=/usr/bin/python3

# PostgreSQL: $HL_PG_BINDIR, or the newest /usr/lib/postgresql/N/bin.
pgbin="${HL_PG_BINDIR:-}"
if [ -z "$pgbin" ]; then
  pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
fi
[ -x "$pgbin/initdb" ] || { echo "bench_province.sh: no PostgreSQL (install postgresql-15 or set HL_PG_BINDIR)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

work="$(mktemp -d "$pgparent/hailong-province.XXXXXX")"
shm=/dev/shm; [ -d "$shm" ] && [ -w "$shm" ] || shm="$work"
kdir="$(mktemp -d "$shm/hailong-province-kiosks.XXXXXX")"
spid=""
bpid=""
pg_up=0
sock=""
cleanup() {
  set +e
  [ -n "$bpid" ] && kill -TERM "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
  [ -n "$spid" ] && kill -TERM "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
  [ "$pg_up" = 1 ] && as_pg "$pgbin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1
  if [ "$keep" = 1 ]; then
    echo "bench_province.sh: kept $work and $kdir" >&2
  else
    rm -rf "$work" "$kdir"
  fi
  case "$sock" in /tmp/hlpgs.*) rm -rf "$sock" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench_province.sh: $*" >&2; }

# ---- The cluster ----------------------------------------------------------------------
# The socket's folder: in the work folder, unless its path is too long for a socket.
sock="$work/s"
[ ${#sock} -le 80 ] || sock="$(mktemp -d /tmp/hlpgs.XXXXXX)"
mkdir -p "$sock"
[ "$(id -u)" = 0 ] && chown postgres "$sock"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"
locale=C.UTF-8
pgprof=""
if [ "$profile" = 1 ]; then
  pgprof="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
  pgprof="$pgprof -c pg_stat_statements.track_planning=on"
fi
as_pg "$pgbin/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 --locale=$locale \
  >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories=$sock -c max_connections=100 \
      -c track_functions=pl $pgprof" \
  start >/dev/null || { cat "$work/pg.log" >&2; exit 1; }
pg_up=1
psql_() { "$pgbin/psql" -h "$sock" -U postgres -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
psql_ -d postgres -c "CREATE DATABASE hailong_base"
base="host=$sock user=postgres dbname=hailong_base"
"$server" db migrate --db "$base" >/dev/null
[ "$profile" = 1 ] && psql_ -d postgres -c "CREATE EXTENSION pg_stat_statements"
if [ "$survey" = 1 ]; then
  "$server" survey add "$top/assets/surveys/sipas-mot-cua.json" --db "$base" >/dev/null
fi

# ---- The kiosks -----------------------------------------------------------------------
say "making $kiosks kiosks of about $responses responses in $kdir"
"$bench" province-setup --kiosks "$kdir/made" --count "$kiosks" --responses "$responses" \
  --threads "$(nproc)"
# Registered by the real command, a few at a time (each is a process and a connection).
t0=$(date +%s.%N)
awk '{printf "%s unit-%03d %s\n", $1, (NR - 1) / 10, $2}' "$kdir/made/identities.txt" |
  HL_SERVER="$server" HL_DB="$base" xargs -P "$(($(nproc) * 2))" -n 3 sh -c \
    'token="$("$HL_SERVER" kiosk add "$1" --unit "$2" --key "$3" --db "$HL_DB" 2>/dev/null)" &&
     echo "$1 $token"' _ >"$work/tokens"
n=$(wc -l <"$work/tokens")
[ "$n" = "$kiosks" ] || { say "registered $n kiosks of $kiosks"; exit 1; }
say "registered $n kiosks in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s"
psql_ -d postgres -c "CHECKPOINT"

# ---- CPU accounting (clock ticks) -----------------------------------------------------
hz=$(getconf CLK_TCK)
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# PostgreSQL: the postmaster with the children it reaped, and its children now.
pg_ticks() {
  local pm sum=0 c
  pm="$(head -1 "$work/data/postmaster.pid")"
  sum=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for c in $(ps -o pid= --ppid "$pm"); do sum=$((sum + $(ticks_of "$c"))); done
  echo "$sum"
}
secs() { awk -v t="$1" -v hz="$hz" 'BEGIN{printf "%.2f", t / hz}'; }
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
db_bytes() { psql_ -d "$1" -c "SELECT pg_database_size(current_database())"; }
tab_bytes() {
  psql_ -d "$1" -c "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'hailong' AND c.relkind IN ('r', 'm')"
}

# ---- The runs -------------------------------------------------------------------------
: >"$work/results"
for st in $sthreads; do
  for run in $(seq "$runs"); do
    db="hailong_t${st}_r${run}"
    psql_ -d postgres -c "CREATE DATABASE $db TEMPLATE hailong_base"
    conn="host=$sock user=postgres dbname=$db"
    rm -rf "$kdir/run" "$work/port"
    cp -a "$kdir/made" "$kdir/run"
    "$server" serve --db "$conn" --listen 127.0.0.1:0 --port-file "$work/port" --threads "$st" \
      2>>"$work/server.log" &
    spid=$!
    for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
    [ -s "$work/port" ] || { say "the server did not start"; tail "$work/server.log" >&2; exit 1; }
    url="http://127.0.0.1:$(cat "$work/port")/api/v1/sync"
    while read -r id token; do
      printf '{"kiosk_id": "%s", "sync": {"url": "%s", "token": "%s", "allow_insecure_http": true, "interval_s": %s%s}}\n' \
        "$id" "$url" "$token" "$interval" "${batch:+, \"batch\": $batch}" >"$kdir/run/$id/hailong.json"
    done <"$work/tokens"
    psql_ -d "$db" -c "CHECKPOINT"
    db0=$(db_bytes "$db") tb0=$(tab_bytes "$db")
    s0=$(ticks_of "$spid") p0=$(pg_ticks) m0=$(busy_ticks)
    [ "$profile" = 1 ] && psql_ -d postgres -c "SELECT pg_stat_statements_reset()" >/dev/null
    say "run $run with $st server threads: $url"
    # In the background, so that a signal to this script is taken at once (cleanup).
    "$bench" province --kiosks "$kdir/run" --threads "$threads" >"$work/bench.json" &
    bpid=$!
    wait "$bpid"
    bpid=""
    s1=$(ticks_of "$spid") p1=$(pg_ticks) m1=$(busy_ticks)
    db1=$(db_bytes "$db") tb1=$(tab_bytes "$db")
    stored=$(psql_ -d "$db" -c "SELECT count(*) FROM hailong.response_ids")
    quarantined=$(psql_ -d "$db" -c "SELECT count(*) FROM hailong.quarantine")
    alerts=$(psql_ -d "$db" -c "SELECT count(*) FROM hailong.alerts")
    "$server" db status --db "$conn" >&2
    say "the hailong tables (partitions summed): name bytes bytes-per-response"
    psql_ -d "$db" -F ' ' -c "SELECT coalesce(p.relname, c.relname), sum(pg_total_relation_size(c.oid)),
        round(sum(pg_total_relation_size(c.oid)) / greatest($stored, 1))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
        WHERE n.nspname = 'hailong' AND c.relkind = 'r' GROUP BY 1 ORDER BY 2 DESC LIMIT 8" >&2
    kill -TERM "$spid"; wait "$spid" || true; spid=""
    # Each backend reports its function times as it ends: wait for the server's to end.
    for _ in $(seq 600); do
      [ "$(psql_ -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'")" = 0 ] && break
      sleep 0.1
    done
    say "PostgreSQL's time by function (ms): name calls total self"
    psql_ -d "$db" -F ' ' -c "SELECT funcname, calls, round(total_time), round(self_time)
                             FROM pg_stat_user_functions ORDER BY self_time DESC" >&2
    if [ "$profile" = 1 ]; then
      say "PostgreSQL's statements by time (ms): executing planning calls rows query"
      psql_ -d postgres -F " " -c "SELECT round(total_exec_time), round(total_plan_time), calls, rows,
          left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements
          ORDER BY total_exec_time + total_plan_time DESC LIMIT 25" >&2
    fi
    cat "$work/bench.json"
    extra=$(printf '{"bench":"province-server","server_threads":%s,"run":%s,"stored":%s,"quarantined":%s,"alerts":%s,"db_bytes_before":%s,"db_bytes_after":%s,"hailong_table_bytes_before":%s,"hailong_table_bytes_after":%s,"server_cpu_s":%s,"postgres_cpu_s":%s,"machine_busy_cpu_s":%s}' \
      "$st" "$run" "$stored" "$quarantined" "$alerts" "$db0" "$db1" "$tb0" "$tb1" \
      "$(secs $((s1 - s0)))" "$(secs $((p1 - p0)))" "$(secs $((m1 - m0)))")
    # The server's line on stdout; the bench's and the server's merged into results.
    "$pybin" - "$work/bench.json" "$extra" "$work/results" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
e = json.loads(sys.argv[2])
n = e["stored"]
e["db_bytes_per_million"] = round((e["db_bytes_after"] - e["db_bytes_before"]) * 1e6 / n) if n else None
e["table_bytes_per_million"] = round((e["hailong_table_bytes_after"] - e["hailong_table_bytes_before"]) * 1e6 / n) if n else None
ours = e["server_cpu_s"] + e["postgres_cpu_s"] + b["bench_cpu_s"]
e["other_cpu_s"] = round(max(0.0, e["machine_busy_cpu_s"] - ours), 2)
for k in ("server", "postgres"):
    e[k + "_cpu_us_per_response"] = round(e[k + "_cpu_s"] * 1e6 / n, 1) if n else None
print(json.dumps(e, separators=(",", ":")))
with open(sys.argv[3], "a") as f:
    f.write(json.dumps(dict(b, **e), separators=(",", ":")) + "\n")
# Not a judgement of the figures: the run must have done its work.
if n != b["pending_at_start"] or b["pending_after"] or e["quarantined"]:
    sys.exit("bench_province.sh: %d of %d responses stored once, %d left on the kiosks, "
             "%d quarantined" % (n, b["pending_at_start"], b["pending_after"], e["quarantined"]))
EOF
    psql_ -d postgres -c "DROP DATABASE $db"
  done
done

# ---- Medians per server thread count ----------------------------------------------------
"$pybin" - "$work/results" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
keys = ("responses_per_s", "steady_responses_per_s", "request_p50_ms", "request_p99_ms",
        "request_max_ms", "db_bytes_per_million", "table_bytes_per_million", "server_cpu_s",
        "postgres_cpu_s", "bench_cpu_s", "other_cpu_s", "server_cpu_us_per_response",
        "postgres_cpu_us_per_response", "bench_cpu_us_per_response")
for t in sorted({r["server_threads"] for r in rows}):
    rs = [r for r in rows if r["server_threads"] == t]
    out = {"bench": "province-summary", "server_threads": t, "runs": len(rs),
           "kiosks": rs[0]["kiosks"], "responses": rs[0]["responses"],
           "failed_requests": sum(r["failed_requests"] for r in rs)}
    for k in keys:
        v = [r[k] for r in rs if r.get(k) is not None]
        out["median_" + k] = round(statistics.median(v), 3) if v else None
    print(json.dumps(out, separators=(",", ":")))
EOF
