#!/usr/bin/env bash
# Load run with a crash in the middle: wrk posts event batches (unique ids, server/bench/
# load.lua) to `deflect serve` on a fixed loopback port for DURATION seconds; at half time
# the server is killed with SIGKILL and started again on the same port and database. wrk
# keeps going (requests during the gap fail as socket errors and are not acknowledged).
# Afterwards the stored count must be at least the acknowledged count.
#
#   server/bench/kill-restart.sh                    # SQLite in a temp dir, 60 s
#   DURATION=30 DATABASE=postgres://… BIN=path/to/deflect server/bench/kill-restart.sh
#
# Needs wrk. BIN defaults to ${CARGO_TARGET_DIR:-target}/release/deflect.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
PORT=${PORT:-18431}
export BATCH=${BATCH:-20}
BIN=${BIN:-"${CARGO_TARGET_DIR:-target}/release/deflect"}

command -v wrk >/dev/null || { echo "kill-restart: wrk is not installed" >&2; exit 1; }
[[ -x "$BIN" ]] || { echo "kill-restart: no binary at $BIN (cargo build --release -p deflect)" >&2; exit 1; }

work=$(mktemp -d)
DATABASE=${DATABASE:-$work/load.sqlite}
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {
  : >"$work/serve.out"
  "$BIN" serve --port "$PORT" --database "$DATABASE" --rate-limit-per-second 0 \
    >"$work/serve.out" 2>>"$work/serve.err" &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q "http://127.0.0.1:$PORT/" "$work/serve.out" 2>/dev/null && return 0
    sleep 0.05
  done
  cat "$work/serve.err" >&2; echo "kill-restart: the server did not start" >&2; exit 1
}
events() { "$BIN" report --format json --database "$DATABASE" | sed -n 's/^    "events": \([0-9]*\),$/\1/p'; }

start_server
before=$(events)
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s server/bench/load.lua http://127.0.0.1:$PORT/ (BATCH=$BATCH), kill -9 + restart at $((DURATION / 2)) s"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s server/bench/load.lua "http://127.0.0.1:$PORT/" >"$work/wrk.out" &
wrk_pid=$!
sleep $((DURATION / 2))
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
killed_at=$(date +%s.%N)
start_server
echo "restarted after $(echo "$(date +%s.%N) - $killed_at" | bc) s"
wait "$wrk_pid"
cat "$work/wrk.out"
kill -TERM "$server_pid"; wait "$server_pid" || true
server_pid=""
after=$(events)
acked=$(sed -n 's/^acknowledged_events //p' "$work/wrk.out")
stored=$((after - before))
echo "stored_events $stored (acknowledged $acked; the difference is requests in flight at the kill or at the end)"
if ((stored < acked)); then
  echo "kill-restart: FAIL: fewer events stored than acknowledged" >&2
  exit 1
fi
echo "kill-restart: ok: every acknowledged event survived the kill -9"
