"""Time the organisation report page (/reports/) on the benchmark data set.

Renders the page through Django's test Client (the whole stack: middleware, session, view,
template), logged in as the HC user that generate_report_data.py creates: one warm-up
request, then --runs timed ones. Prints min / median / max, the time of each of the
report's three queries in the last run, and writes the figures to
bench/out/report_timing.txt. Also times a section-filtered page and one CSV export.

    .venv/bin/python bench/generate_report_data.py   # first, once
    .venv/bin/python bench/report_timing.py [--runs 7]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime

import _benchdb

TARGET_SECONDS = 2.0


def _timed(client, url: str, params: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
    return times


def _summary(name: str, times: list[float]) -> str:
    return (
        f"{name}: min {min(times):.3f} s, median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s over {len(times)} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed requests per page (default 7)")
    args = parser.parse_args()
    _benchdb.setup_django()

    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse

    from hrportal.models import Section, User

    hc = User.objects.filter(username=_benchdb.HC_USERNAME).first()
    employees = User.objects.filter(is_active=True, position__isnull=False).count()
    if hc is None or not employees:
        sys.exit("No benchmark data: run bench/generate_report_data.py first.")

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(hc)
    url = reverse("competencies:reports")
    export_url = reverse("competencies:reports_export")
    section = Section.objects.order_by("name").first()

    _timed(client, url, {}, 1)  # warm-up: connections, templates, PostgreSQL's caches
    page = _timed(client, url, {}, args.runs)
    reset_queries()
    _timed(client, url, {}, 1)
    queries = [(float(q["time"]), " ".join(q["sql"].split())[:70]) for q in connection.queries]
    filtered = _timed(client, url, {"section": section.pk}, args.runs)
    export = _timed(client, export_url, {"table": "competency", "format": "csv"}, args.runs)

    median = statistics.median(page)
    lines = [
        f"Organisation report benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{employees} employees, PostgreSQL {connection.pg_version}, load average "
        + " ".join(f"{load:.2f}" for load in os.getloadavg()),
        _summary("/reports/", page),
        _summary(f"/reports/?section={section.pk}", filtered),
        _summary("/reports/export/?table=competency&format=csv", export),
        "queries of one /reports/ request (seconds, as DEBUG records them):",
        *(f"  {seconds:.3f}  {sql}" for seconds, sql in queries if seconds >= 0.01),
        f"target: median under {TARGET_SECONDS:.1f} s: {'met' if median < TARGET_SECONDS else 'NOT MET'}",
    ]
    report = "\n".join(lines)
    print(report)
    _benchdb.OUT.mkdir(parents=True, exist_ok=True)
    (_benchdb.OUT / "report_timing.txt").write_text(report + "\n")


if __name__ == "__main__":
    main()
