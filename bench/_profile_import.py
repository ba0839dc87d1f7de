"""Profile one results import on the data import_results.py built (run that first, once).

Copies the built database `hrportal_bench_results` afresh (CREATE DATABASE … TEMPLATE), plans
and applies one of the files import_results.py wrote to bench/out/ under cProfile, and prints
the functions with the most CPU time (process time, which other sessions on a shared
machine disturb far less than wall-clock time), the statements sent, grouped by their first
words, and the wall-clock split between plan and apply. Usage:

    DEBUG=True .venv/bin/python bench/_profile_import.py [--wide] [--sort tottime] [--lines 40]
"""

import argparse
import cProfile
import gc
import io
import pstats
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _benchdb
import import_results as bench


def _statement_kind(sql: str) -> str:
    words = re.sub(r"\s+", " ", sql).split(" ")
    return " ".join(words[:4])[:80]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wide", action="store_true", help="the gradebook file instead of the long one")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument("--lines", type=int, default=35, help="functions to list")
    parser.add_argument("--apply-only", action="store_true", help="profile only results_import_apply")
    parser.add_argument("--dump", help="also write the raw profile to this file (for pstats: callers, callees)")
    args = parser.parse_args()
    bench.setup_django()
    from django.db import connection, reset_queries

    from assessments.results_import import results_import_apply, results_import_plan
    from hrportal.models import User

    path = _benchdb.OUT / ("results_wide.csv" if args.wide else "results_long.csv")
    if not path.exists():
        sys.exit(f"{path} is missing: run bench/import_results.py once first.")
    content = path.read_bytes()
    completed_at = "2026-11-30" if args.wide else None

    connection.close()
    bench._admin_sql(
        f'DROP DATABASE IF EXISTS "{bench.RUN_DB}" WITH (FORCE)',
        f'CREATE DATABASE "{bench.RUN_DB}" TEMPLATE "{bench.RESULTS_DB}"',
    )
    bench._use(bench.RUN_DB)
    connection.ensure_connection()
    hc = User.objects.get(username=_benchdb.HC_USERNAME)
    reset_queries()
    gc.collect()
    gc.freeze()

    profiler = cProfile.Profile(time.process_time)
    started, cpu_started = time.perf_counter(), time.process_time()
    if not args.apply_only:
        profiler.enable()
    plan = results_import_plan(content=content, fmt="csv", file_name=path.name, completed_at=completed_at, by=hc)
    planned, cpu_planned = time.perf_counter(), time.process_time()
    plan_queries = len(connection.queries)
    if args.apply_only:
        profiler.enable()
    results_import_apply(plan=plan, by=hc)
    profiler.disable()
    applied, cpu_applied = time.perf_counter(), time.process_time()

    if args.dump:
        profiler.dump_stats(args.dump)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.lines)
    print(out.getvalue())
    kinds = Counter(_statement_kind(query["sql"]) for query in connection.queries[plan_queries:])
    seconds: Counter[str] = Counter()
    for query in connection.queries[plan_queries:]:
        seconds[_statement_kind(query["sql"])] += float(query["time"])
    print(f"apply: {sum(kinds.values())} statements (COPY not counted):")
    for kind, count in kinds.most_common():
        print(f"  {count:4d} × {seconds[kind]:6.3f} s  {kind}")
    print(
        f"plan  {planned - started:.2f} s wall, {cpu_planned - cpu_started:.2f} s CPU ({plan_queries} statements)\n"
        f"apply {applied - planned:.2f} s wall, {cpu_applied - cpu_planned:.2f} s CPU\n"
        f"{len(plan.new_results):,} new results, {len(plan.level_changes):,} level changes"
    )
    connection.close()
    bench._admin_sql(f'DROP DATABASE IF EXISTS "{bench.RUN_DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
