"""A tool, not a benchmark: what one request to each page costs in CPU, next to the bare view.

Django's test client in this process, on the bench data (`make bench` builds it once), with
production settings (DEBUG off) and a signed-in session per bench user. For each page: one
warm-up request (so the page cache holds it, as it does under load), then `--runs` requests,
timed by this process's CPU time and by wall-clock time (which also counts PostgreSQL's side).
The ratio column is the bare view's cost over the page's: under wrk the page's throughput
ratio is close to it when the server is CPU-bound. It measures no concurrency; `load.py` does.

    .venv/bin/python bench/_profile_pages.py [--runs 200] [--only gap,idp] [--profile gap]

`--profile PAGE` prints cProfile's top functions (by cumulative time) for that page's runs.
"""

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import _benchdb

# (name, path or a function of the representative ids, username)
PAGES: tuple[tuple[str, str | Callable[[dict], str], str], ...] = (
    ("bare", "/bench/bare/", "bench.employee"),
    ("gap", "/gap/", "bench.employee"),
    ("history", "/gap/history/", "bench.employee"),
    ("competency", lambda ids: f"/gap/competency/{ids['competency']}/", "bench.employee"),
    ("idp", "/idp/", "bench.employee"),
    ("career", "/career/", "bench.employee"),
    ("learning", "/learning/", "bench.employee"),
    ("assessments", "/assessments/", "bench.employee"),
    ("notifications", "/notifications/", "bench.employee"),
    ("self", "/self-assessment/", "bench.employee"),
    ("team", "/gap/team/", "bench.supervisor"),
    ("report_gap", lambda ids: f"/gap/{ids['employee']}/", "bench.supervisor"),
    ("report_plan", lambda ids: f"/idp/employee/{ids['employee']}/", "bench.supervisor"),
    ("approvals", "/idp/approvals/", "bench.supervisor"),
    ("reports", "/reports/", _benchdb.HC_USERNAME),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated page names (the bare view always runs)")
    parser.add_argument("--profile", default="", help="a page name: print cProfile's top functions for it")
    args = parser.parse_args()
    os.environ.update(
        {
            "DEBUG": "False",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or f"bench-{secrets.token_urlsafe(40)}",
            "ALLOWED_HOSTS": "testserver",
            "BENCH_ENDPOINTS": "True",
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="hrportal-profile-static-"))
    _benchdb.setup_django()
    import _loaddata
    from django.core.management import call_command
    from django.test import Client

    from hrportal.models import User

    call_command("collectstatic", interactive=False, verbosity=0)
    ids = _loaddata.representative_ids()
    only = {name for name in args.only.split(",") if name}
    clients: dict[str, Client] = {}
    bare_cpu = None
    print(f"{'page':<14}{'cpu ms':>9}{'wall ms':>9}{'ratio':>7}{'max ms':>9}{'KiB':>7}{'miss ms':>9}")
    for name, path, username in PAGES:
        if only and name not in only and name != "bare":
            continue
        url = path(ids) if callable(path) else path
        if username not in clients:
            client = Client()
            client.force_login(User.objects.get(username=username))
            clients[username] = client
        client = clients[username]
        started = time.perf_counter()
        response = client.get(url, secure=True)
        first_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        profiler = cProfile.Profile() if name == args.profile else None
        cpu, wall = [], []
        for _ in range(args.runs):
            if profiler:
                profiler.enable()
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            client.get(url, secure=True)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started_wall)
            if profiler:
                profiler.disable()
        cpu_ms, wall_ms = statistics.median(cpu) * 1000, statistics.median(wall) * 1000
        if name == "bare":
            bare_cpu = wall_ms
        ratio = (bare_cpu or wall_ms) / wall_ms
        size = len(response.content) / 1024
        print(
            f"{name:<14}{cpu_ms:>9.2f}{wall_ms:>9.2f}{ratio:>7.2f}{max(wall) * 1000:>9.1f}{size:>7.0f}{first_ms:>9.1f}",
            flush=True,
        )
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    main()
