-- One kind of request for bench/web.py: WRK_PATH, sent by each connection with a pause of
-- 0.5-1.5 s between requests (a person or a script reading, not a flood). Prints one JSON
-- line of latency percentiles (ms) when done.
local path = os.getenv("WRK_PATH")
math.randomseed(os.time() + tonumber(os.getenv("WRK_SEED") or "0"))

request = function()
  return wrk.format("GET", path)
end

delay = function()
  return math.random(500, 1500)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, "requests": %d, "errors": %d, "non2xx": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
