-- wrk script for the route-table benchmark: a random Host per request, and every response
-- checked against the owner its host should have.
--
--   wrk ... -s route-check.lua URL -- DATA_FILE RECORDS_FILE SEED
--
-- DATA_FILE has one line per hostname: "host owner" for a host whose owner does not change
-- during the run, "host owner newOwner" for one that moves. `owner` may name several upstream
-- identities joined by "|" (a route whose deployment has several allocations). A response for a
-- fixed host must come from one of them (else it is counted as misrouted here). A response for a moving host is written
-- to RECORDS_FILE as "host answeredBy sentUs receivedUs"; the runner judges those against the
-- edge's change timeline, because only it knows when each change was applied.
--
-- Each request carries x-bench-sent (CLOCK_MONOTONIC in microseconds, the clock the edge stamps
-- its changes with); the upstream echoes it with the Host it received, so a response says
-- which request it answers without wrk having to pair them.
local ffi = require("ffi")
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *ts);
]])
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  hosts, owners, moving = {}, {}, {}
  for line in io.lines(args[1]) do
    local host, owner, new_owner = line:match("^(%S+)%s+(%S+)%s*(%S*)$")
    if host then
      table.insert(hosts, host)
      local allowed = {}
      for id in owner:gmatch("[^|]+") do allowed[id] = true end
      owners[host] = allowed
      if new_owner ~= "" then moving[host] = new_owner end
    end
  end
  host_count = #hosts
  records = io.open(args[2], "w")
  math.randomseed(tonumber(args[3]) or 1)
  checked, misrouted, failed, recorded = 0, 0, 0, 0
end

function request()
  local host = hosts[math.random(host_count)]
  return wrk.format("GET", "/", { ["Host"] = host, ["x-bench-sent"] = string.format("%d", now_us()) })
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
    return
  end
  checked = checked + 1
  local host = headers["x-bench-host"]
  local answered_by = headers["x-upstream-id"]
  if host ~= nil and moving[host] ~= nil then
    records:write(host, " ", answered_by or "-", " ", headers["x-bench-sent"] or "0", " ", string.format("%d", now_us()), "\n")
    recorded = recorded + 1
    if recorded % 64 == 0 then records:flush() end
  elseif host == nil or answered_by == nil or owners[host] == nil or not owners[host][answered_by] then
    misrouted = misrouted + 1
  end
end

function done(summary, latency, requests)
  local c, m, f, r = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("checked")
    m = m + thread:get("misrouted")
    f = f + thread:get("failed")
    r = r + thread:get("recorded")
  end
  io.write(string.format('BENCH_CHECK {"checked":%d,"misrouted":%d,"failed":%d,"recorded":%d}\n', c, m, f, r))
end
