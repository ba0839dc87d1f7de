"""bench/_wrk.py reads the line bench/wrk/report.lua prints at the end of a wrk run (the load
harness's figures come from it; no timing happens here)."""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
_spec = importlib.util.spec_from_file_location("bench_wrk", BENCH / "_wrk.py")
assert _spec is not None and _spec.loader is not None
wrk = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wrk)

# What wrk prints with report.lua's done(): its own summary, then the line.
OUTPUT = """Running 10s test @ http://127.0.0.1:8031/gap/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    17.00ms    5.10ms  80.42ms   70.00%
    Req/Sec   226.05     20.11   260.00     68.00%
  4521 requests in 10.00s, 372.01MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    451.96
Transfer/sec:     37.19MB
BENCH-RESULT requests=4521 duration_us=10003187 connect=0 read=1 write=0 status=3 timeout=2 p50_us=15320 \
p75_us=19000 p90_us=24500 p95_us=30010 p99_us=41210 mean_us=17001 max_us=80420
"""


def test_reads_rate_percentiles_and_errors():
    result = wrk.parse(OUTPUT)

    assert result.requests == 4521
    assert result.rate == pytest.approx(4521 / 10.003187)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (15.32, 30.01, 41.21)
    assert result.max_ms == 80.42
    assert result.bad_status == 3
    assert result.socket_errors == 3  # a read error and two timeouts
    assert result.errors == 6


def test_output_without_the_line_is_refused():
    with pytest.raises(ValueError, match="no BENCH-RESULT line"):
        wrk.parse(OUTPUT.split("BENCH-RESULT")[0])


def test_a_line_missing_a_figure_is_refused():
    with pytest.raises(ValueError, match="lacks p99_us"):
        wrk.parse(OUTPUT.replace(" p99_us=41210", ""))
