-- wrk script for bench/ingress-vs-ideal.sh: POSTs the signed webhooks of bench/WebhookBodies.java, cycling through them.
--   WEBHOOK_BODIES=target/bench/bodies.tsv [WRK_THREADS=2 WRK_RATE=5000] [WRK_LABEL=name] wrk -t2 -c64 -d20s \
--       --latency -s bench/webhooks.lua http://127.0.0.1:18080/webhooks/whatsapp
-- WRK_RATE (requests/s over all WRK_THREADS threads, which must equal -t): without it every connection sends its next
-- request as soon as the answer to the last one came (closed loop, wrk's own mode). With it each thread keeps a
-- schedule of WRK_RATE/WRK_THREADS send slots per second and holds a ready connection until its slot (wrk's delay()
-- hook, millisecond resolution), so the offered rate is fixed as long as a connection is free; latency is measured from
-- the actual send (wrk has no correction for coordinated omission, unlike wrk2 — keep -c well above rate x latency).
-- Ends with one line "RESULT label rps= p50= p90= p99= max= requests= non2xx= socket_errors=" (ms) for the script.
local bodies = os.getenv("WEBHOOK_BODIES") or "target/bench/bodies.tsv"
local rate = tonumber(os.getenv("WRK_RATE") or "0")
local threads = tonumber(os.getenv("WRK_THREADS") or "2")
local started = 0

function setup(thread)
  thread:set("offset", started)
  started = started + 1
end

function init(args)
  requests = {}
  for line in io.lines(bodies) do
    local signature, body = line:match("^(%S+)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", nil,
      { ["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = signature }, body)
  end
  -- the threads start apart in the cycle, so they do not send the same call ids at the same time
  index = math.floor(#requests * offset / threads)
end

function request()
  index = index % #requests + 1
  return requests[index]
end

if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock, bench_timespec *now);
  ]]
  local now = ffi.new("bench_timespec")
  local function millis()
    ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local interval = 1000 * threads / rate
  local slot = nil

  function delay()
    local t = millis()
    if slot == nil or slot < t - 1000 then
      slot = t -- first request, or more than 1 s behind: do not catch up in one burst
    end
    local wait = slot - t
    slot = slot + interval
    if wait < 1 then
      return 0
    end
    return math.floor(wait)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT %s rps=%.0f p50=%.2f p90=%.2f p99=%.2f max=%.2f requests=%d non2xx=%d socket_errors=%d\n",
    os.getenv("WRK_LABEL") or "-", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
