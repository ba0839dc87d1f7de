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
