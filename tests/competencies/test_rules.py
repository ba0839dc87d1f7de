"""The gap rule's three forms (Python, ORM, SQL) agree on every target and level."""

import itertools

import pytest
from django.db import connection
from django.db.models import IntegerField, Value

from competencies import rules
from competencies.models import MAX_LEVEL, Competency
from competencies.rules import GapStatus
from tests.competencies.factories import CompetencyFactory

TARGETS = range(0, MAX_LEVEL + 1)
LEVELS = [None, *range(0, MAX_LEVEL + 1)]
CASES = list(itertools.product(TARGETS, LEVELS))


def test_no_level_counts_as_zero_and_met_means_gap_at_most_zero():
    assert rules.gap_status(3, None) == GapStatus.NOT_STARTED
    assert rules.gap_status(3, 0) == GapStatus.NOT_STARTED
    assert rules.gap_status(3, 2) == GapStatus.GAP
    assert rules.gap_status(3, 3) == GapStatus.MET
    assert rules.gap_status(3, 5) == GapStatus.MET
    assert rules.gap_status(0, None) == GapStatus.MET  # a target of 0 is always met
    assert (rules.gap(3, None), rules.gap(3, 5)) == (3, -2)
    assert (rules.positive_gap(3, 1), rules.positive_gap(3, 5)) == (2, 0)


def _sql_literal(value: int | None) -> str:
    return "NULL" if value is None else f"CAST({int(value)} AS INTEGER)"


@pytest.mark.django_db
def test_the_sql_fragments_agree_with_python():
    selects = []
    for target, level in CASES:
        t, lv = _sql_literal(target), _sql_literal(level)
        selects.append(f"{rules.sql_met(t, lv)}, {rules.sql_positive_gap(t, lv)}, {rules.sql_current_level(lv)}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects))
        row = cursor.fetchone()
    from_sql = [tuple(int(value) for value in row[i : i + 3]) for i in range(0, len(row), 3)]
    from_python = [
        (int(rules.is_met(target, level)), rules.positive_gap(target, level), rules.current_level(level))
        for target, level in CASES
    ]
    assert from_sql == from_python


@pytest.mark.django_db
def test_the_orm_expression_agrees_with_python():
    CompetencyFactory()
    annotations = {
        f"gap_{i}": rules.gap_expression(
            target=Value(target, output_field=IntegerField()), level=Value(level, output_field=IntegerField())
        )
        for i, (target, level) in enumerate(CASES)
    }
    row = Competency.objects.annotate(**annotations).values(*annotations).get()
    assert [row[f"gap_{i}"] for i in range(len(CASES))] == [rules.gap(target, level) for target, level in CASES]


@pytest.mark.django_db
def test_an_expired_level_counts_as_none_in_python_the_orm_and_sql(cast):
    from datetime import timedelta

    from django.utils import timezone

    from competencies.models import CompetencyLevel
    from tests.competencies.factories import give_level

    now = timezone.now()
    lapsed, current, lasting = CompetencyFactory(), CompetencyFactory(), CompetencyFactory()
    for competency, expires_at in ((lapsed, now - timedelta(seconds=1)), (current, now + timedelta(days=1))):
        give_level(cast.employee, competency, 3)
        CompetencyLevel.objects.filter(competency=competency).update(expires_at=expires_at)
    give_level(cast.employee, lasting, 2)
    levels = CompetencyLevel.objects.filter(employee=cast.employee).order_by("competency__code")
    python = [rules.counted_level(lv.level, expires_at=lv.expires_at, now=now) for lv in levels]
    orm = list(
        levels.annotate(
            counted=rules.counted_level_expression(level="level", expires_at="expires_at", now=now)
        ).values_list("counted", flat=True)
    )
    table = connection.ops.quote_name(CompetencyLevel._meta.db_table)
    competencies = connection.ops.quote_name(Competency._meta.db_table)
    counted = rules.sql_counted_level("l.level", "l.expires_at", "%s")
    # The rule's fragment and table names only: no input in the SQL.
    query = f"SELECT {counted} FROM {table} l JOIN {competencies} c ON c.id = l.competency_id ORDER BY c.code"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            query,
            [connection.ops.adapt_datetimefield_value(now)],
        )
        sql = [row[0] for row in cursor.fetchall()]
    assert python == orm == sql == [None, 3, 2]
