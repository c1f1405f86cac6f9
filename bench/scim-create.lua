-- Okta's create sequence for wrk: for each new user, GET /Users?filter=userName eq "…" then POST
-- the user (Okta's body shape with a role). Counts 201s per thread; `done` prints users/s.
-- Environment: SCIM_TOKEN, SCIM_BASE (e.g. /scim/v2/acme), PREFIX (userName prefix, unique per run),
-- POST_ONLY=1 (creates without the lookup, to grow the store).
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

local base, prefix
-- Globals, so `done` can read them from each thread.
created, failed = 0, 0
local counter, phase, user = 0, 0, nil

function init(args)
  base = os.getenv("SCIM_BASE")
  prefix = os.getenv("PREFIX") .. "-" .. id
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("SCIM_TOKEN")
  wrk.headers["Content-Type"] = "application/scim+json"
  wrk.headers["Accept"] = "application/scim+json"
end

function request()
  if phase == 0 or os.getenv("POST_ONLY") == "1" then
    counter = counter + 1
    user = string.format("%s-%d@acme.com", prefix, counter)
  end
  if phase == 0 and os.getenv("POST_ONLY") ~= "1" then
    phase = 1
    return wrk.format("GET", base .. "/Users?filter=userName%20eq%20%22" .. user .. "%22&startIndex=1&count=100")
  end
  phase = 0
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. user ..
    '","name":{"givenName":"Bench","familyName":"User"},"emails":[{"primary":true,"value":"' .. user ..
    '","type":"work"}],"displayName":"Bench User","locale":"en-US","externalId":"00u' .. counter ..
    '","groups":[],"password":"not-stored","active":true,"role":"ANALYST"}'
  return wrk.format("POST", base .. "/Users", nil, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status ~= 200 then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total_created, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_failed = total_failed + thread:get("failed")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("SCIM_CREATED %d\nSCIM_FAILED %d\nSCIM_SECONDS %.3f\nSCIM_USERS_PER_SECOND %.0f\n",
    total_created, total_failed, seconds, total_created / seconds))
end
