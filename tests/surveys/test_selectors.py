"""Reads of ratings: fixed query counts, and the "to discuss" rule at its edges."""

from datetime import timedelta

import pytest
from django.utils import timezone

from competencies.selectors.gaps import counted_levels, employee_levels
from surveys.rules import is_to_discuss
from surveys.selectors import NOT_RATED, employee_ratings, employees_ratings, self_assessment_rows, to_discuss_counts
from surveys.services import self_ratings_set, supervisor_rating_set
from tests.competencies.factories import LevelDescriptorFactory, give_level
from tests.hrportal.factories import UserFactory
from tests.surveys.factories import position_competencies

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("self_level", "verified", "flagged"),
    [(None, 0, False), (2, None, True), (1, None, False), (3, 1, True), (1, 3, True), (2, 3, False), (5, 4, False)],
)
def test_a_difference_of_two_or_more_either_way_is_to_discuss_and_no_level_counts_as_0(self_level, verified, flagged):
    assert is_to_discuss(self_level, verified) is flagged


def test_an_expired_level_counts_as_0_against_the_self_rating(cast):
    competency = position_competencies(cast.employee.position, count=1)[0]
    give_level(cast.employee, competency, 3)
    level = employee_levels(employee=cast.employee)[competency.pk]
    level.expires_at = timezone.now() - timedelta(days=1)
    self_ratings_set(employee=cast.employee, levels={competency.pk: 3}, by=cast.employee)

    verified = counted_levels({competency.pk: level}).get(competency.pk)

    assert employee_ratings(employee=cast.employee)[competency.pk].to_discuss(verified)


def _rate_team(supervisor, position, size: int, competencies) -> list:
    team = [UserFactory(position=position, section=supervisor.section, supervisor=supervisor) for _ in range(size)]
    for member in team:
        self_ratings_set(employee=member, levels={c.pk: 4 for c in competencies}, by=member)
        supervisor_rating_set(employee=member, competency=competencies[0], level=2, comment="ok", by=supervisor)
    return team


@pytest.mark.parametrize("size", [1, 12])
def test_ratings_of_many_employees_take_two_queries(cast, django_assert_num_queries, size):
    competencies = position_competencies(cast.employee.position, count=4)
    team = _rate_team(cast.supervisor, cast.employee.position, size, competencies)

    # 1. self-ratings of the employees; 2. supervisor ratings with their authors
    with django_assert_num_queries(2):
        ratings = employees_ratings(employee_ids=[member.pk for member in team] + [cast.colleague.pk])

    assert ratings[cast.colleague.pk] == {}
    first = ratings[team[0].pk][competencies[0].pk]
    assert (first.self_level, first.supervisor_level, first.supervisor_comment) == (4, 2, "ok")
    assert first.supervisor_name == cast.supervisor.display_name
    assert ratings[team[0].pk].get(competencies[1].pk, NOT_RATED).supervisor_level is None


def test_to_discuss_counts_count_only_the_competencies_given(cast):
    competencies = position_competencies(cast.employee.position, count=3)
    give_level(cast.employee, competencies[0], 3)
    self_ratings_set(employee=cast.employee, levels={c.pk: 4 for c in competencies}, by=cast.employee)
    ratings = employees_ratings(employee_ids=[cast.employee.pk, cast.colleague.pk])

    counts = to_discuss_counts(
        verified={cast.employee.pk: {competencies[0].pk: 3, competencies[1].pk: 0}, cast.colleague.pk: {}},
        ratings=ratings,
    )

    assert counts == {cast.employee.pk: 1, cast.colleague.pk: 0}


@pytest.mark.parametrize("count", [2, 10])
def test_the_form_rows_take_three_queries_with_each_levels_descriptor(cast, django_assert_num_queries, count):
    competencies = position_competencies(cast.employee.position, count=count)
    for competency in competencies:
        LevelDescriptorFactory(competency=competency, level=3, behaviour_indicators=f"Leads {competency.code}")
    self_ratings_set(employee=cast.employee, levels={competencies[0].pk: 2}, by=cast.employee)

    # 1. targets with competencies and groups; 2. their descriptors; 3. the self-ratings
    with django_assert_num_queries(3):
        rows = self_assessment_rows(employee=cast.employee)

    assert len(rows) == count
    first = next(row for row in rows if row.competency_id == competencies[0].pk)
    assert first.current == 2
    assert [choice.level for choice in first.choices] == [0, 1, 2, 3, 4, 5]
    assert first.choices[3].indicators == f"Leads {competencies[0].code}"
    assert first.choices[3].label == "3 · Advanced"
