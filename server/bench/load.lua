-- wrk script: POSTs batches of journey events with unique ids to /v1/events and counts
-- what the collector acknowledged. BATCH events per request (env, default 20).
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  batch = tonumber(os.getenv("BATCH") or "20")
  n = 0
  acked = 0
  acked_requests = 0
  rejected = 0
  wrk.headers["Content-Type"] = "application/json"
end

request = function()
  n = n + 1
  local events = {}
  for i = 1, batch do
    local id = string.format("load-%d-%d-%d", tid, n, i)
    local kind
    if i % 4 == 0 then
      kind = '"type":"journey_ended","outcome":"resolved"'
    else
      kind = string.format('"type":"search","query":"reset password %d","results":%d', i % 7, i % 3)
    end
    events[i] = string.format('{"id":"%s","journey_id":"journey-%d-%d","at":"2026-11-23T10:00:00Z",%s}', id, tid, n, kind)
  end
  return wrk.format("POST", "/v1/events", nil, '{"events":[' .. table.concat(events, ",") .. ']}')
end

response = function(status, headers, body)
  if status == 202 then
    acked_requests = acked_requests + 1
    acked = acked + tonumber(string.match(body, '"accepted":(%d+)'))
  else
    rejected = rejected + 1
  end
end

function done(summary, latency, requests)
  local total_acked, total_requests, total_rejected = 0, 0, 0
  for _, t in ipairs(threads) do
    total_acked = total_acked + t:get("acked")
    total_requests = total_requests + t:get("acked_requests")
    total_rejected = total_rejected + t:get("rejected")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("acknowledged_events %d\n", total_acked))
  io.write(string.format("acknowledged_requests %d\n", total_requests))
  io.write(string.format("non_202_responses %d\n", total_rejected))
  io.write(string.format("socket_errors %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("events_per_second %.0f\n", total_acked / seconds))
  io.write(string.format("latency_p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("latency_p99_ms %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("latency_max_ms %.2f\n", latency.max / 1000))
end
