-- wrk helper: after a run, one machine-readable line for bench/run.sh to parse.
-- Latencies are in microseconds; `non2xx` is wrk's own count of responses with a status >= 400
-- (what it prints as "Non-2xx or 3xx responses"); `socket_errors` sums connect/read/write/timeout.

function done(summary, latency, requests)
   local errors = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(99),
      errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
