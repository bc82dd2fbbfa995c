#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench_sync.sh [HAILONG_BENCH] [--responses N] [--batch B]: the network sync
# benchmark. Makes the test certificates, starts the HTTPS test receiver
# (tests/support/sync_receiver.py) on loopback, writes a config whose "sync"
# section points at it, and runs `hailong-bench sync`, which prints one JSON
# line (responses_per_s, peak_rss_mb of the process draining the backlog).
# HAILONG defaults to build/hailong (bash platform/dev/test.sh builds
# build-test/; cmake -B build && cmake --build build makes build/).
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$top/build/hailong-bench"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then bin="$1"; shift; fi
responses=100000 batch=500
while [ $# -gt 0 ]; do
  case "$1" in
    --responses) responses="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    *) echo "bench_sync.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "bench_sync.sh: $bin is not built (cmake -B build && cmake --build build)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/hailong-bench-sync.XXXXXX")"
rpid=""
cleanup() { [ -n "$rpid" ] && kill "$rpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

bash "$top/tests/support/sync_certs.sh" "$work/certs"
/usr/bin/python3 "$top/tests/support/sync_receiver.py" serve --db "$work/receiver.db" \
  --cert "$work/certs/server.pem" --key "$work/certs/server.key" --token bench-token \
  --port-file "$work/port" >/dev/null &
rpid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "bench_sync.sh: the receiver did not start" >&2; exit 1; }
port="$(cat "$work/port")"
cat >"$work/hailong.json" <<EOF
{"kiosk_id": "bench-kiosk",
 "sync": {"url": "https://127.0.0.1:$port/v1/responses", "token": "bench-token",
          "ca_file": "$work/certs/ca.pem", "batch": $batch}}
EOF
"$bin" --data-dir "$work/data" --config "$work/hailong.json" sync --responses "$responses"
/usr/bin/python3 "$top/tests/support/sync_receiver.py" stats --db "$work/receiver.db" >&2
