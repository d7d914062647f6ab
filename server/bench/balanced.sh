#!/usr/bin/env bash
# Two collectors behind a load balancer, one killed mid-run: the scale-out plan of
# ARCHITECTURE.md ("stateless collectors in front of PostgreSQL") shown, not just said.
#
# Starts two `deflect serve` instances on loopback against one PostgreSQL database and one
# webhook receiver, HAProxy in front of them (round robin, health checks on /healthz; a
# request that could not be sent or got no answer at all is retried on the other
# instance, which is safe because every event and case carries its own id), then drives the load run of server/bench/load.lua through HAProxy for
# DURATION seconds and kills instance A with SIGKILL at KILL_AT seconds. Instance B keeps
# serving and, once A's leases expire, forwards what A had claimed.
#
# Fails unless every acknowledged event and case is stored (counted in the database), every
# stored case reached the webhook under its own Idempotency-Key, and no case reached it
# twice. The one exception is a case the killed instance held a lease on at the kill: it
# may have reached the helpdesk a moment before the kill without being recorded, and the
# survivor sends it again once the lease expires (same key, so the helpdesk can drop the
# copy). Two live instances never send the same case: each renews its lease right before a
# send (server/src/outbox.rs).
#
#   DATABASE=postgres://… server/bench/balanced.sh            # 20 s, kill at 8 s
#   DATABASE=… DURATION=60 KILL_AT=30 server/bench/balanced.sh
#
# Needs haproxy and wrk (scripts/setup installs both) and a PostgreSQL URL (scripts/test
# passes its private cluster's). BIN defaults to ${CARGO_TARGET_DIR:-target}/debug/deflect.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DURATION=${DURATION:-20}
KILL_AT=${KILL_AT:-8}
CONNECTIONS=${CONNECTIONS:-16}
export BATCH=${BATCH:-20} CASE_EVERY=${CASE_EVERY:-10}
BIN=${BIN:-"${CARGO_TARGET_DIR:-target}/debug/deflect"}
DATABASE=${DATABASE:-}

die() { echo "balanced: FAIL: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (scripts/setup, or apt-get install wrk)"
command -v haproxy >/dev/null || die "haproxy is not installed (scripts/setup, or apt-get install haproxy)"
[[ -x "$BIN" ]] || die "no binary at $BIN (cargo build -p deflect)"
[[ "$DATABASE" == postgres* ]] || die "DATABASE must be a postgres:// URL (several instances share one database)"
((KILL_AT > 0 && KILL_AT < DURATION)) || die "KILL_AT must be between 0 and DURATION"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# The helpdesk: records the Idempotency-Key of every delivery, answers 200.
hook_port=$(free_port)
node -e '
  const fs = require("fs");
  require("http").createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      fs.appendFileSync(process.argv[1], (req.headers["idempotency-key"] || "-") + "\n");
      res.writeHead(200).end("{}");
    });
  }).listen(Number(process.argv[2]), "127.0.0.1");
' "$work/deliveries" "$hook_port" &
pids+=($!)
touch "$work/deliveries"

# Short leases and polls, so the survivor takes over the killed instance's claims within
# seconds (production keeps the defaults: docs/collector.md).
cat >"$work/collector.toml" <<EOF
allowed_origins = ["*"]
[rate_limit]
per_second = 0.0
[quota]
events_per_origin_per_day = 0
cases_per_origin_per_day = 0
[webhook]
url = "http://127.0.0.1:$hook_port/hook"
timeout_ms = 2000
lease_ms = 4000
retry_base_ms = 200
retry_max_ms = 1000
poll_ms = 200
EOF

start_instance() { # NAME PORT
  "$BIN" serve --port "$2" --database "$DATABASE" --config "$work/collector.toml" \
    >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  eval "pid_$1=$!"
  for _ in $(seq 1 200); do
    grep -q "http://127.0.0.1:$2/" "$work/$1.out" 2>/dev/null && return 0
    sleep 0.05
  done
  cat "$work/$1.err" >&2
  die "instance $1 did not start"
}
port_a=$(free_port); start_instance a "$port_a"
port_b=$(free_port); start_instance b "$port_b"

lb_port=$(free_port)
cat >"$work/haproxy.cfg" <<EOF
global
  maxconn 512
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 2
  option redispatch
  retry-on conn-failure empty-response
frontend collectors
  bind 127.0.0.1:$lb_port
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /healthz
  server a 127.0.0.1:$port_a check inter 500ms fall 1 rise 2
  server b 127.0.0.1:$port_b check inter 500ms fall 1 rise 2
EOF
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$lb_port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$lb_port/healthz" >/dev/null || { cat "$work/haproxy.log" >&2; die "HAProxy did not start"; }

count() { # count events|cases
  "$BIN" report --format json --database "$DATABASE" | sed -n "s/^    \"$1\": \([0-9]*\),\{0,1\}\$/\1/p" | head -1
}
before_events=$(count events) before_cases=$(count cases)

url="http://127.0.0.1:$lb_port/"
echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s -s server/bench/load.lua $url  (HAProxy → instances a :$port_a, b :$port_b; kill -9 a at ${KILL_AT} s)"
RUN=$$ wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s server/bench/load.lua "$url" >"$work/wrk.out" &
wrk_pid=$!
sleep "$KILL_AT"
kill -9 "$pid_a"; wait "$pid_a" 2>/dev/null || true
echo "killed instance a with SIGKILL at ${KILL_AT} s"
# The cases a held a lease on when it died (its lease owner starts with its pid).
psql -qAt "$DATABASE" -c "SELECT case_id FROM outbox WHERE lease_owner LIKE '${pid_a}-%'" \
  >"$work/leased_by_a" || die "cannot read the outbox with psql"
wait "$wrk_pid"
cat "$work/wrk.out"

failed=0
stored_cases=0
for what in events cases; do
  stored=$(($(count "$what") - $(eval echo "\$before_$what")))
  acked=$(sed -n "s/^acknowledged_$what //p" "$work/wrk.out")
  echo "stored_$what $stored (acknowledged $acked)"
  if ((stored < acked)); then
    echo "balanced: FAIL: fewer $what stored than acknowledged" >&2
    failed=1
  fi
  [[ "$what" == cases ]] && stored_cases=$stored
done

# Every stored case reaches the helpdesk: the survivor delivers its own and, after the
# lease, the killed instance's. Wait for the outbox to drain (bounded).
delivered() { grep -c "^case-load-$$-" "$work/deliveries" || true; }
distinct() { grep "^case-load-$$-" "$work/deliveries" | sort -u | wc -l; }
for _ in $(seq 1 300); do
  (($(distinct) >= stored_cases)) && break
  sleep 0.1
done
grep "^case-load-$$-" "$work/deliveries" | sort | uniq -d >"$work/repeated" || true
repeated=$(wc -l <"$work/repeated")
unexplained=$(grep -vxF -f "$work/leased_by_a" "$work/repeated" | wc -l || true)
echo "webhook: $(distinct) distinct cases delivered, $repeated delivered more than once ($(wc -l <"$work/leased_by_a") were leased by the killed instance; $unexplained repeats were not)"
if (($(distinct) != stored_cases)); then
  echo "balanced: FAIL: $(distinct) cases reached the webhook, $stored_cases were stored" >&2
  failed=1
fi
if ((unexplained > 0)); then
  echo "balanced: FAIL: $unexplained cases reached the webhook twice without being in flight at the kill:" >&2
  grep -vxF -f "$work/leased_by_a" "$work/repeated" | head >&2
  failed=1
fi

((failed == 0)) || exit 1
echo "balanced: ok: behind HAProxy, across a kill -9 of one instance, every acknowledged event and case is stored and every case forwarded, none twice by live instances"
