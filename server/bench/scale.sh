#!/usr/bin/env bash
# Scale benchmark for the collector's report (issue 20; not a test: nothing is asserted,
# the numbers go into BENCHMARKS.md). On PostgreSQL: bulk-loads EVENTS generated events
# (a year of widget journeys, server/examples/scale.rs) into a fresh database, stores a
# bounded sample more through the collector's write path, then times the report for a
# day, a month, a quarter and all time from rollups and from raw rows. The generated
# database is dropped at the end (the disk is shared).
#
#   EVENTS=10000000 server/bench/scale.sh                 # a private cluster (scripts/test-postgres)
#   ADMIN_URL=postgres://…/postgres EVENTS=1000000 server/bench/scale.sh
#   INGEST=200000 PROFILE=release server/bench/scale.sh
#
# Needs about 0.6 GB of disk per million events; refuses to start with less than
# EVENTS × 0.6 GB + RESERVE_GB (default 15) GB free, so that the run leaves room to the
# other users of a shared disk (e.g. RESERVE_GB=9 where they need less).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

EVENTS=${EVENTS:-10000000}
INGEST=${INGEST:-100000}
PROFILE=${PROFILE:-dev}
RESERVE_GB=${RESERVE_GB:-15}
die() { echo "scale: FAIL: $*" >&2; exit 1; }

need_kb=$(( EVENTS / 1000000 * 600 * 1024 + RESERVE_GB * 1024 * 1024 ))
free_kb=$(df -Pk / | awk 'NR == 2 { print $4 }')
(( free_kb > need_kb )) || die "needs $((need_kb / 1024 / 1024)) GB free on /, has $((free_kb / 1024 / 1024)) GB"

pg_dir=""
cleanup() {
  if [[ -n "${DB_URL:-}" ]]; then
    psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS deflect_scale" >/dev/null || true
  fi
  [[ -n "$pg_dir" ]] && scripts/test-postgres stop "$pg_dir" >/dev/null
}
trap cleanup EXIT
if [[ -z "${ADMIN_URL:-}" ]]; then
  eval "$(scripts/test-postgres start)"
  pg_dir=$DEFLECT_TEST_POSTGRES_DIR
  ADMIN_URL=$DEFLECT_TEST_POSTGRES_URL
fi

cargo build --profile "$PROFILE" -p deflect-server --example scale
target=${CARGO_TARGET_DIR:-target}
bin="$target/$([[ $PROFILE == dev ]] && echo debug || echo "$PROFILE")/examples/scale"

psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS deflect_scale" >/dev/null
psql "$ADMIN_URL" -qc "CREATE DATABASE deflect_scale" >/dev/null
DB_URL="${ADMIN_URL%/*}/deflect_scale"
[[ "$ADMIN_URL" == *\?* ]] && DB_URL="${ADMIN_URL%%\?*}" && DB_URL="${DB_URL%/*}/deflect_scale?${ADMIN_URL#*\?}"

echo "== bulk load: $EVENTS events"
"$bin" load "$DB_URL" "$EVENTS"
echo "== ingest: $INGEST events through the collector's write path"
"$bin" ingest "$DB_URL" "$INGEST"
echo "== report timings"
"$bin" report "$DB_URL"
