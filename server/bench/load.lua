-- wrk script: POSTs batches of journey events (BATCH per request, default 20) to
-- /v1/events and, every CASE_EVERY-th request (default 10; 0 = never), one support case to
-- /v1/cases, all with unique ids, and counts what the collector acknowledged: 202 with
-- "accepted" for events, 201 for a new case. Responses are told apart by their status.
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  batch = tonumber(os.getenv("BATCH") or "20")
  case_every = tonumber(os.getenv("CASE_EVERY") or "10")
  -- Ids stay unique across several wrk runs against one database (a kill-restart run).
  run = os.getenv("RUN") or "0"
  n = 0
  acked = 0
  acked_requests = 0
  acked_cases = 0
  rejected = 0
  wrk.headers["Content-Type"] = "application/json"
end

local function case_body(id)
  return string.format(
    '{"id":"%s","journey_id":"journey-%s","created_at":"2026-11-23T10:00:00Z",'
      .. '"subject":"Invoice shows the wrong VAT","description":"Since Monday the invoice adds VAT twice.",'
      .. '"email":"load@example.com","name":"Load","customer_category":"billing_or_account",'
      .. '"trail":{"queries":["invoice vat"],"articles":[{"id":"billing/vat","title":"VAT on invoices","dwell_ms":12000}]}}',
    id, id)
end

request = function()
  n = n + 1
  if case_every > 0 and n % case_every == 0 then
    local id = string.format("case-load-%s-%d-%d", run, tid, n)
    return wrk.format("POST", "/v1/cases", nil, case_body(id))
  end
  local events = {}
  for i = 1, batch do
    local id = string.format("load-%s-%d-%d-%d", run, tid, n, i)
    local kind
    if i % 4 == 0 then
      kind = '"type":"journey_ended","outcome":"resolved"'
    else
      kind = string.format('"type":"search","query":"reset password %d","results":%d', i % 7, i % 3)
    end
    events[i] = string.format('{"id":"%s","journey_id":"journey-%s-%d-%d","at":"2026-11-23T10:00:00Z",%s}', id, run, tid, n, kind)
  end
  return wrk.format("POST", "/v1/events", nil, '{"events":[' .. table.concat(events, ",") .. ']}')
end

response = function(status, headers, body)
  if status == 202 then
    acked_requests = acked_requests + 1
    acked = acked + tonumber(string.match(body, '"accepted":(%d+)'))
  elseif status == 201 then
    acked_requests = acked_requests + 1
    acked_cases = acked_cases + 1
  else
    rejected = rejected + 1
  end
end

function done(summary, latency, requests)
  local total_acked, total_cases, total_requests, total_rejected = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    total_acked = total_acked + t:get("acked")
    total_cases = total_cases + t:get("acked_cases")
    total_requests = total_requests + t:get("acked_requests")
    total_rejected = total_rejected + t:get("rejected")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("acknowledged_events %d\n", total_acked))
  io.write(string.format("acknowledged_cases %d\n", total_cases))
  io.write(string.format("acknowledged_requests %d\n", total_requests))
  io.write(string.format("non_2xx_responses %d\n", total_rejected))
  io.write(string.format("socket_errors %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("events_per_second %.0f\n", total_acked / seconds))
  io.write(string.format("cases_per_second %.0f\n", total_cases / seconds))
  io.write(string.format("latency_p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("latency_p99_ms %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("latency_max_ms %.2f\n", latency.max / 1000))
end
