"""Build the organisation report's benchmark data set in the PostgreSQL database hrportal_bench.

10,000 active employees in 50 sections and 40 positions; 200 competencies in 10 skill
groups; each position targets 60 of them (2,400 targets, 600,000 assignments); one
CompetencyLevel for every assignment (600,000 rows) and one or two history rows for each
(about 800,000), dated over the last 12 months, each row's old level the previous row's new
level (as the level services write them). Plus an HC superuser `bench.hc` for the timing
script. Seeded, so every run builds the same data (dates are relative to now).

The database is dropped and created afresh (only hrportal_bench: see _benchdb.py) and
migrated; the small tables are filled with bulk_create, the two large ones with COPY (ten
times faster than bulk_create here), and the database is analysed. Usage:

    .venv/bin/python bench/generate_report_data.py [--employees N]
"""

import argparse
import random
import time
from datetime import timedelta

import _benchdb

EMPLOYEES = 10_000
SECTIONS = 50
POSITIONS = 40
COMPETENCIES = 200
TARGETS_PER_POSITION = 60
GROUPS = 10
SEED = 20260501
BATCH = 5_000
NOTE = "Bench assessment"


def _say(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)


def _copy(cursor, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY `rows` into `model`'s table (PostgreSQL, psycopg 3)."""
    from django.db import connection

    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def generate(employees: int = EMPLOYEES) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from competencies.models import (
        Competency,
        CompetencyLevel,
        CompetencyLevelHistory,
        LevelSource,
        PositionTarget,
        SkillGroup,
    )
    from hrportal.models import Position, Section, User

    started = time.perf_counter()
    rng = random.Random(SEED)
    now = timezone.now()
    year_ago = now - timedelta(days=365)

    _benchdb.recreate_database()
    connection.close()
    call_command("migrate", verbosity=0, interactive=False)
    _say(f"database {_benchdb.BENCH_DB} created and migrated", started)

    with transaction.atomic():
        groups = SkillGroup.objects.bulk_create(SkillGroup(name=f"Skill group {g + 1:02d}") for g in range(GROUPS))
        competencies = Competency.objects.bulk_create(
            Competency(code=f"C{c + 1:03d}", name=f"Competency {c + 1:03d}", group=groups[c % GROUPS])
            for c in range(COMPETENCIES)
        )
        sections = Section.objects.bulk_create(Section(name=f"Section {s + 1:02d}") for s in range(SECTIONS))
        positions = Position.objects.bulk_create(Position(name=f"Position {p + 1:02d}") for p in range(POSITIONS))
        targets_of: dict[int, list[tuple[int, int]]] = {}
        for position in positions:
            chosen = rng.sample(competencies, TARGETS_PER_POSITION)
            targets_of[position.pk] = [(c.pk, rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))) for c in chosen]
        PositionTarget.objects.bulk_create(
            (
                PositionTarget(position_id=position_id, competency_id=competency_id, target_level=level)
                for position_id, targets in targets_of.items()
                for competency_id, level in targets
            ),
            batch_size=BATCH,
        )
        password = make_password(None)  # unusable: the timing script logs in with force_login
        User.objects.create_superuser(username=_benchdb.HC_USERNAME, email="hc@bench.example", password=None)
        people = User.objects.bulk_create(
            (
                User(
                    username=f"bench{n:05d}",
                    first_name="Bench",
                    last_name=f"Employee {n:05d}",
                    email=f"bench{n:05d}@bench.example",
                    employee_number=f"B{n:05d}",
                    section=rng.choice(sections),
                    position=rng.choice(positions),
                    password=password,
                )
                for n in range(employees)
            ),
            batch_size=BATCH,
        )
    _say(f"{len(people)} employees, {POSITIONS * TARGETS_PER_POSITION} targets", started)

    # The final level is around the target; half the levels of 2 or more got there in two steps.
    span = int((now - year_ago).total_seconds())
    level_rows, history_rows = [], []
    source = LevelSource.ASSESSMENT.value
    for person in people:
        for competency_id, target in targets_of[person.position_id]:
            final = min(5, max(0, target + rng.choice((-3, -2, -1, -1, 0, 0, 0, 1))))
            first_at = year_ago + timedelta(seconds=rng.randrange(span))
            steps = [(first_at, final)]
            if final >= 2 and rng.random() < 0.5:
                later = first_at + timedelta(seconds=rng.randrange(max(1, int((now - first_at).total_seconds()))))
                steps = [(first_at, rng.randint(1, final - 1)), (later, final)]
            old = None
            for changed_at, new in steps:
                history_rows.append((person.pk, competency_id, old, new, source, NOTE, changed_at))
                old = new
            level_rows.append((person.pk, competency_id, final, source, NOTE, steps[-1][0]))
    _say(f"{len(level_rows)} levels and {len(history_rows)} history rows built", started)

    with transaction.atomic(), connection.cursor() as cursor:
        level_columns = ("employee_id", "competency_id", "level", "source", "evidence_note", "achieved_at")
        _copy(cursor, CompetencyLevel, level_columns, level_rows)
        history_columns = ("employee_id", "competency_id", "old_level", "new_level", "source", "evidence_note")
        _copy(cursor, CompetencyLevelHistory, (*history_columns, "changed_at"), history_rows)
    _say("levels and history copied in", started)

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    elapsed = time.perf_counter() - started
    _say("vacuumed and analysed: done", started)
    return {"employees": len(people), "levels": len(level_rows), "history": len(history_rows), "seconds": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=EMPLOYEES, help="employees to create (default 10,000)")
    args = parser.parse_args()
    _benchdb.setup_django()
    figures = generate(args.employees)
    _benchdb.OUT.mkdir(parents=True, exist_ok=True)
    summary = "{employees} employees, {levels} levels, {history} history rows in {seconds:.1f} s".format(**figures)
    (_benchdb.OUT / "generate_report_data.txt").write_text(summary + "\n")
    print(summary)


if __name__ == "__main__":
    main()
