"""Time the organisation report page (/reports/) on the benchmark data set.

Renders the page through Django's test Client (the whole stack: middleware, session, view,
template), logged in as the HC user that generate_report_data.py creates. First it refreshes
the report's summary (competencies.report_summary, what the background task does after level
changes) and times that; then, after one warm-up request, --runs timed requests of the page
from the summary, of a section-filtered page, of a CSV export, and of the page computed live
(as the summary's absence or a filtered page while it is behind would, fewer runs). The
page's figures and their drawing are cached per summary batch, so the first request of a
process after a refresh is timed too (cache emptied). Prints
p50 / p95 / max, the queries of one page request, and writes the figures to
bench/out/report_timing.txt.

    .venv/bin/python bench/generate_report_data.py   # first, once
    .venv/bin/python bench/report_timing.py [--runs 50]

DATABASE_URL may name a copy of the bench database (createdb -T hrportal_bench hrportal_bench_NAME).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime

import _benchdb

TARGET_P95_SECONDS = 0.100


def _timed(client, url: str, params: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    return times


def _p(times: list[float], percent: int) -> float:
    """The `percent`th percentile (nearest rank) of `times`."""
    ordered = sorted(times)
    return ordered[max(0, -(-percent * len(ordered) // 100) - 1)]


def _summary(name: str, times: list[float]) -> str:
    return (
        f"{name}: p50 {statistics.median(times) * 1000:.0f} ms, p95 {_p(times, 95) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {len(times)} runs"
    )


def _load() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--cold-runs", type=int, default=10, help="timed requests with an empty cache (default 10)")
    parser.add_argument("--live-runs", type=int, default=5, help="timed live computations (default 5)")
    args = parser.parse_args()
    _benchdb.setup_django()

    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from competencies.models import ReportSummaryState
    from competencies.report_summary import summary_refresh, summary_report
    from hrportal.models import Section, User

    hc = User.objects.filter(username=_benchdb.HC_USERNAME).first()
    employees = User.objects.filter(is_active=True, position__isnull=False).count()
    if hc is None or not employees:
        sys.exit("No benchmark data: run bench/generate_report_data.py first.")

    load_before = _load()
    started = time.perf_counter()
    summary_refresh()
    refresh = time.perf_counter() - started

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(hc)
    url = reverse("competencies:reports")
    export_url = reverse("competencies:reports_export")
    section = Section.objects.order_by("name").first()

    _timed(client, url, {}, 1)  # warm-up: connections, templates, PostgreSQL's caches
    page = _timed(client, url, {}, args.runs)
    reset_queries()
    client.get(url)
    queries = [(float(q["time"]), " ".join(q["sql"].split())[:70]) for q in connection.queries]
    freshness = summary_report(today=timezone.localdate())
    if freshness.live or freshness.behind:
        sys.exit("The page did not read a current summary: was the data changed during the run?")
    filtered = _timed(client, url, {"section": section.pk}, args.runs)
    # The first request of a process after a refresh reads the batch and draws the page.
    cold = []
    for _ in range(args.cold_runs):
        cache.clear()
        cold += _timed(client, url, {}, 1)
    export = _timed(client, export_url, {"table": "competency", "format": "csv"}, args.runs)
    # The live computation: what the page does without a summary (the batch set aside).
    state = ReportSummaryState.objects.get()
    batch_id = state.batch_id
    ReportSummaryState.objects.filter(pk=state.pk).update(batch=None)
    try:
        live = _timed(client, url, {}, args.live_runs)
    finally:
        ReportSummaryState.objects.filter(pk=state.pk).update(batch=batch_id, stale_since=None, requested_at=None)

    p95 = _p(page, 95)
    lines = [
        f"Organisation report benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{employees} employees, PostgreSQL {connection.pg_version}, load average {load_before} (before), "
        f"{_load()} (after)",
        f"summary refresh (the background task): {refresh:.1f} s",
        _summary("/reports/ (from the summary)", page),
        _summary(f"/reports/?section={section.pk} (from the summary)", filtered),
        _summary("/reports/ from the summary, cache empty (first request after a refresh)", cold),
        _summary("/reports/export/?table=competency&format=csv", export),
        _summary("/reports/ computed live (no summary)", live),
        f"queries of one /reports/ request: {len(queries)}, of at least 1 ms (seconds, as DEBUG records them):",
        *(f"  {seconds:.3f}  {sql}" for seconds, sql in queries if seconds >= 0.001),
        f"target: /reports/ p95 under {TARGET_P95_SECONDS * 1000:.0f} ms: "
        f"{'met' if p95 < TARGET_P95_SECONDS else 'NOT MET'} ({p95 * 1000:.0f} ms)",
    ]
    report = "\n".join(lines)
    print(report)
    _benchdb.OUT.mkdir(parents=True, exist_ok=True)
    (_benchdb.OUT / "report_timing.txt").write_text(report + "\n")


if __name__ == "__main__":
    main()
