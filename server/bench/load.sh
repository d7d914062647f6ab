#!/usr/bin/env bash
# Load run for the collector: wrk posts event batches (unique ids) to a release build of
# `deflect serve` on loopback for DURATION seconds, then the stored count is compared with
# the acknowledged count. Prints numbers; asserts only that nothing acknowledged is missing.
#
#   server/bench/load.sh                                  # SQLite in a temp dir, 60 s
#   DATABASE=postgres://… DURATION=30 server/bench/load.sh
#   CONNECTIONS=16 THREADS=1 BATCH=20 server/bench/load.sh
#
# Needs wrk (apt-get install wrk). Uses ${CARGO_TARGET_DIR:-target}/release/deflect, built
# here if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
export BATCH=${BATCH:-20}
BIN="${CARGO_TARGET_DIR:-target}/release/deflect"

command -v wrk >/dev/null || { echo "load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[[ -x "$BIN" ]] || cargo build --release -p deflect

work=$(mktemp -d)
DATABASE=${DATABASE:-$work/load.sqlite}
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN" serve --port 0 --database "$DATABASE" --rate-limit-per-second 0 \
  >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.out" 2>/dev/null || true)
  [[ -n "$url" ]] && break
  sleep 0.1
done
[[ -n "$url" ]] || { cat "$work/serve.err" >&2; echo "load: the server did not start" >&2; exit 1; }
before=$("$BIN" report --format json --database "$DATABASE" | sed -n 's/^    "events": \([0-9]*\),$/\1/p')

echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s server/bench/load.lua $url (BATCH=$BATCH events per request, database ${DATABASE##*/})"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s server/bench/load.lua "$url" | tee "$work/wrk.out"

kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""
after=$("$BIN" report --format json --database "$DATABASE" | sed -n 's/^    "events": \([0-9]*\),$/\1/p')
acked=$(sed -n 's/^acknowledged_events //p' "$work/wrk.out")
stored=$((after - before))
echo "stored_events $stored (acknowledged $acked)"
if ((stored < acked)); then
  echo "load: FAIL: fewer events stored than acknowledged" >&2
  exit 1
fi
echo "load: ok: every acknowledged event is stored"
