-- wrk script for the HTTP benchmarks (benchmarks/overhttp.py sets everything through the environment).
--
-- BENCH_METHOD, BENCH_PATH ("{id}" is replaced by the next id of BENCH_IDS, one a line, so every
-- complete request gets an upload of its own), BENCH_BODY (JSON), BENCH_COOKIE and BENCH_CSRF
-- (a logged-in session, as a browser sends it), BENCH_EXPECT (the status every reply must have),
-- BENCH_OFFSET (ids already used), BENCH_THREADS.
-- done() prints one line "BENCH_JSON {...}".

local threads, counter = {}, 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local method = os.getenv("BENCH_METHOD") or "GET"
local template = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local headers = { ["Cookie"] = os.getenv("BENCH_COOKIE"), ["X-CSRFToken"] = os.getenv("BENCH_CSRF") }
if body and body ~= "" then
  headers["Content-Type"] = "application/json"
else
  body = nil
end

local ids = nil
sent, responses, unexpected, exhausted, first_unexpected = 0, 0, 0, 0, 0

function init(args)
  if string.find(template, "{id}", 1, true) then
    ids = {}
    for line in io.lines(os.getenv("BENCH_IDS")) do
      ids[#ids + 1] = line
    end
  end
end

function request()
  local path = template
  if ids then
    local i = offset + index + sent * nthreads + 1
    if i > #ids then
      exhausted = 1
      i = ((i - 1) % #ids) + 1
    end
    path = (string.gsub(template, "{id}", ids[i]))
  end
  sent = sent + 1
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= expect then
    unexpected = unexpected + 1
    if first_unexpected == 0 then first_unexpected = status end
  end
end

function done(summary, latency, requests)
  local max_sent, bad, out_of_ids, first_bad = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    max_sent = math.max(max_sent, thread:get("sent"))
    bad = bad + thread:get("unexpected")
    out_of_ids = math.max(out_of_ids, thread:get("exhausted"))
    if first_bad == 0 then first_bad = thread:get("first_unexpected") end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "unexpected": %d, "first_unexpected": %d, '
      .. '"socket_errors": %d, "timeouts": %d, "ids_used": %d, "ids_exhausted": %d, '
      .. '"latency_p50_ms": %.3f, "latency_p99_ms": %.3f}\n',
    summary.requests, summary.duration, bad, first_bad,
    errors.connect + errors.read + errors.write, errors.timeout,
    max_sent * nthreads, out_of_ids,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
