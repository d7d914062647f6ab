#!/usr/bin/env bash
# Load run for the collector: wrk posts event batches and support cases (unique ids,
# server/bench/load.lua) to `deflect serve` on loopback for DURATION seconds, while the
# server's resident memory is sampled every second. With KILL_AT=N the server is killed
# with SIGKILL N seconds in and started again on the same port and database (wrk keeps
# going; requests in the gap fail as socket errors and are not acknowledged).
#
# Afterwards the rows in the database are counted. Fails when fewer events or cases are
# stored than were acknowledged, or when memory keeps growing: the peak of the last
# quarter of a server's life may exceed the peak of its second quarter (warm by then) by
# at most MEMORY_SLACK_PERCENT (default 25) percent plus 8 MiB. Everything else is printed,
# not asserted: throughput and latency depend on the machine.
#
#   server/bench/load.sh                                  # SQLite in a temp dir, 60 s
#   KILL_AT=30 server/bench/load.sh                       # with a kill -9 at 30 s
#   DATABASE=postgres://… DURATION=30 server/bench/load.sh
#   CONNECTIONS=16 THREADS=1 BATCH=20 CASE_EVERY=10 server/bench/load.sh
#   BIN=target/debug/deflect DURATION=15 server/bench/load.sh   # what scripts/test runs
#
# Needs wrk (scripts/setup installs it). BIN defaults to
# ${CARGO_TARGET_DIR:-target}/release/deflect, built here if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DURATION=${DURATION:-60}
KILL_AT=${KILL_AT:-0}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
MEMORY_SLACK_PERCENT=${MEMORY_SLACK_PERCENT:-25}
export BATCH=${BATCH:-20} CASE_EVERY=${CASE_EVERY:-10}
BIN=${BIN:-"${CARGO_TARGET_DIR:-target}/release/deflect"}

die() { echo "load: FAIL: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (scripts/setup, or apt-get install wrk)"
if [[ ! -x "$BIN" ]]; then
  [[ "$BIN" == */release/deflect ]] || die "no binary at $BIN"
  cargo build --release --locked -p deflect
fi
((KILL_AT == 0 || (KILL_AT > 0 && KILL_AT < DURATION))) || die "KILL_AT must be between 0 and DURATION"

work=$(mktemp -d)
DATABASE=${DATABASE:-$work/load.sqlite}
server_pid="" sampler_pid="" wrk_pid=""
cleanup() {
  for pid in "$wrk_pid" "$sampler_pid" "$server_pid"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start_server LIFE [PORT]: LIFE numbers the server's lives (for the memory samples).
start_server() {
  local life=$1 port=${2:-0}
  : >"$work/serve.out"
  "$BIN" serve --port "$port" --database "$DATABASE" --allowed-origins "*" --rate-limit-per-second 0 \
    --events-per-origin-per-day 0 --cases-per-origin-per-day 0 \
    >"$work/serve.out" 2>>"$work/serve.err" &
  server_pid=$!
  for _ in $(seq 1 200); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.out" 2>/dev/null || true)
    [[ -n "$url" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n "$url" ]] || { cat "$work/serve.err" >&2; die "the server did not start"; }
  # Resident memory (KiB) once a second, one line per sample: life seconds kib.
  (
    started=$SECONDS
    while kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null) && [[ -n "$kib" ]]; do
      echo "$life $((SECONDS - started)) $kib" >>"$work/rss"
      sleep 1
    done
  ) &
  sampler_pid=$!
}

count() { # count events|cases
  "$BIN" report --format json --database "$DATABASE" | sed -n "s/^    \"$1\": \([0-9]*\),\{0,1\}\$/\1/p" | head -1
}

start_server 1
port=${url##*:}; port=${port%/}
before_events=$(count events) before_cases=$(count cases)
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s server/bench/load.lua $url"
echo "  BATCH=$BATCH events per request, a case every ${CASE_EVERY}th request, database ${DATABASE##*/}, $BIN$( ((KILL_AT > 0)) && echo ", kill -9 + restart at ${KILL_AT} s")"
RUN=$$ wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s server/bench/load.lua "$url" >"$work/wrk.out" &
wrk_pid=$!
if ((KILL_AT > 0)); then
  sleep "$KILL_AT"
  kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  killed_at=$(date +%s%N)
  start_server 2 "$port"
  echo "killed with SIGKILL at ${KILL_AT} s; serving again after $((($(date +%s%N) - killed_at) / 1000000)) ms"
fi
wait "$wrk_pid"; wrk_pid=""
cat "$work/wrk.out"
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""

failed=0
for what in events cases; do
  stored=$(($(count "$what") - $(eval echo "\$before_$what")))
  acked=$(sed -n "s/^acknowledged_$what //p" "$work/wrk.out")
  echo "stored_$what $stored (acknowledged $acked; more are stored when requests were in flight at a kill or at the end)"
  if ((stored < acked)); then
    echo "load: FAIL: fewer $what stored than acknowledged" >&2
    failed=1
  fi
done

# Memory: per life, the peaks of its second and last quarters.
while read -r life samples q2 q4 last; do
  limit=$((q2 + q2 * MEMORY_SLACK_PERCENT / 100 + 8192))
  echo "memory_rss_kib life $life: $samples samples, peak of 2nd quarter $q2, peak of last quarter $q4, last $last (limit $limit)"
  if ((samples >= 8 && q4 > limit)); then
    echo "load: FAIL: resident memory kept growing in server life $life" >&2
    failed=1
  fi
done < <(awk '
  { n[$1]++; t[$1, n[$1]] = $3 }
  END {
    for (l in n) {
      q2 = 0; q4 = 0
      for (i = 1; i <= n[l]; i++) {
        if (i > n[l] / 4 && i <= n[l] / 2 && t[l, i] > q2) q2 = t[l, i]
        if (i > n[l] * 3 / 4 && t[l, i] > q4) q4 = t[l, i]
      }
      print l, n[l], q2, q4, t[l, n[l]]
    }
  }' "$work/rss" | sort -n)

((failed == 0)) || exit 1
echo "load: ok: every acknowledged event and case is stored$( ((KILL_AT > 0)) && echo " (across the kill -9)"), memory flat"
