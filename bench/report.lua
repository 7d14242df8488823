-- wrk script for bench/run: an optional method, body and headers from the environment,
-- requests spread over several paths, and one JSON line at the end with what wrk measured
-- plus the count of answers that were not 2xx (wrk's own count lets 3xx pass as success).
--   BENCH_METHOD  GET (default) or POST
--   BENCH_BODIES  request bodies (POST) separated by newlines, taken in turn; the text {n}
--                 becomes a counter, unique per request
--   BENCH_TYPE    its Content-Type
--   BENCH_COOKIE  the session cookie
--   BENCH_PATHS   paths separated by newlines, taken in turn (default: the URL's path)

local paths = {}
local method = os.getenv("BENCH_METHOD") or "GET"
local bodies = {}
local ctype = os.getenv("BENCH_TYPE")
local cookie = os.getenv("BENCH_COOKIE")
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "[^\n]+") do
  table.insert(paths, p)
end
for b in string.gmatch(os.getenv("BENCH_BODIES") or "", "[^\n]+") do
  table.insert(bodies, b)
end

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local counter = 0
local not2xx = 0
function init(args)
  counter = id * 100000000
end

function request()
  counter = counter + 1
  local path = wrk.path
  if #paths > 0 then
    path = paths[(counter % #paths) + 1]
  end
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  if ctype then headers["Content-Type"] = ctype end
  local b = nil
  if #bodies > 0 then
    b = string.gsub(bodies[(counter % #bodies) + 1], "{n}", tostring(counter))
  end
  return wrk.format(method, path, headers, b)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    not2xx = not2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("not2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%f,"p50_us":%d,"p99_us":%d,"max_us":%d,"not2xx":%d,' ..
    '"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    latency.max, bad, e.connect + e.read + e.write + e.timeout))
end
