-- One route under load: wrk -s bench/wrk/route.lua URL -- METHOD BODY_FILE SPREAD "Header: value" ...
--   METHOD     GET or POST
--   BODY_FILE  "-" for none; in the body "{n}" becomes a number unique to the request (a lead's phone)
--   SPREAD     "spread": every request comes from another client address (X-Forwarded-For, read behind a
--              trusted proxy), "one": all from this machine's
-- done() prints one JSON line: throughput, latency percentiles (ms), the count of each HTTP status and wrk's errors.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = args[1] or "GET"
  if args[2] and args[2] ~= "-" then
    local file = assert(io.open(args[2], "r"))
    body_template = file:read("*a")
    file:close()
  end
  spread = args[3] == "spread"
  for i = 4, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
  statuses = {}
end

function request()
  counter = counter + 1
  local headers = nil
  if spread then
    headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", id, math.floor(counter / 250) % 250, counter % 250 + 1)
  end
  local body = nil
  if body_template then
    body = body_template:gsub("{n}", string.format("%d%08d", id, counter % 100000000))
  end
  return wrk.format(nil, nil, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "statuses": {%s}, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.timeout))
end
