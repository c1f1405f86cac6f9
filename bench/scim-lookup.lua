-- `userName eq` lookups as Okta makes them, for random users among the seeded ones; wrk's
-- latency distribution gives p50/p99. Environment: SCIM_TOKEN, SCIM_BASE and COUNTS, the users
-- seeded per chunk K (named seedK-1-1@acme.com … seedK-1-N@acme.com), comma-separated.
failed = 0 -- a global, so `done` can read it from each thread
local base
local counts = {}
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  base = os.getenv("SCIM_BASE")
  for n in string.gmatch(os.getenv("COUNTS"), "[^,]+") do table.insert(counts, tonumber(n)) end
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("SCIM_TOKEN")
  wrk.headers["Accept"] = "application/scim+json"
  math.randomseed(os.time())
end

local last_user
function request()
  local chunk = math.random(1, #counts)
  -- From 2: wrk builds one request per thread that it never sends (the first user of each chunk).
  local user = string.format("seed%d-1-%d@acme.com", chunk - 1, math.random(2, counts[chunk]))
  last_user = user
  return wrk.format("GET", base .. "/Users?filter=userName%20eq%20%22" .. user .. "%22&startIndex=1&count=100")
end

function response(status, headers, body)
  -- Every lookup must find exactly its user.
  if status ~= 200 or not string.find(body, '"totalResults":1', 1, true) then
    failed = failed + 1
    -- With one connection the answer belongs to the last request made.
    if failed <= 3 then io.stderr:write(string.format("lookup of %s: %d %s\n", last_user, status, string.sub(body, 1, 200))) end
  end
end

function done(summary, latency, requests)
  local total_failed = 0
  for _, thread in ipairs(threads) do total_failed = total_failed + thread:get("failed") end
  io.write(string.format("LOOKUP_REQUESTS %d\nLOOKUP_FAILED %d\nLOOKUP_P50_MS %.3f\nLOOKUP_P90_MS %.3f\nLOOKUP_P99_MS %.3f\nLOOKUP_MAX_MS %.3f\n",
    summary.requests, total_failed, latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
