-- Shared by the scripts here: at the end of a run, one machine-readable line for bench/load.py
-- (wrk's own summary has no p95 and rounds its figures). Latencies are in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH-RESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
  for _, p in ipairs({50, 75, 90, 95, 99}) do
    io.write(string.format(" p%d_us=%d", p, latency:percentile(p)))
  end
  io.write(string.format(" mean_us=%d max_us=%d\n", latency.mean, latency.max))
end
