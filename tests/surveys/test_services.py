"""Self-ratings and supervisors' ratings through their services: who may rate, what is kept,
and that no rating ever counts as a level."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from competencies.models import CompetencyLevel
from competencies.selectors.gaps import employee_gaps
from hrportal.models import AuditEntry, Notification
from surveys.models import SelfRating, SelfRatingHistory, SupervisorRating
from surveys.services import self_rating_set, self_ratings_set, supervisor_rating_set
from tests.competencies.factories import CompetencyFactory, give_level
from tests.surveys.factories import position_competencies

pytestmark = pytest.mark.django_db


@pytest.fixture
def competencies(cast):
    return position_competencies(cast.employee.position, count=3)


def _history(employee):
    return list(
        SelfRatingHistory.objects.filter(employee=employee)
        .order_by("changed_at", "pk")
        .values_list("competency__code", "old_level", "new_level", "changed_by__username")
    )


def test_an_employee_rates_themselves_and_every_change_is_kept(cast, competencies):
    first, second, _third = competencies

    self_ratings_set(employee=cast.employee, levels={first.pk: 2, second.pk: 4}, by=cast.employee)
    self_rating_set(employee=cast.employee, competency=first, level=3, by=cast.employee)

    assert dict(SelfRating.objects.values_list("competency__code", "level")) == {first.code: 3, second.code: 4}
    assert _history(cast.employee) == [
        (first.code, None, 2, "employee"),
        (second.code, None, 4, "employee"),
        (first.code, 2, 3, "employee"),
    ]


def test_saving_the_same_rating_again_changes_nothing(cast, competencies):
    self_rating_set(employee=cast.employee, competency=competencies[0], level=2, by=cast.employee)

    change = self_rating_set(employee=cast.employee, competency=competencies[0], level=2, by=cast.employee)

    assert change is None
    assert len(_history(cast.employee)) == 1


@pytest.mark.parametrize("rater", ["supervisor", "hc", "colleague", "hc_employee"])
def test_nobody_rates_someone_else_as_their_self_rating(cast, competencies, rater):
    with pytest.raises(PermissionDenied):
        self_rating_set(employee=cast.employee, competency=competencies[0], level=3, by=getattr(cast, rater))

    assert not SelfRating.objects.exists()


def test_a_bad_level_or_a_competency_outside_the_position_writes_nothing_of_the_batch(cast, competencies):
    elsewhere = CompetencyFactory(code="ELSEWHERE")
    with pytest.raises(ValidationError, match="ELSEWHERE"):
        self_ratings_set(employee=cast.employee, levels={competencies[0].pk: 3, elsewhere.pk: 2}, by=cast.employee)
    with pytest.raises(ValidationError, match="7"):
        self_ratings_set(
            employee=cast.employee, levels={competencies[0].pk: 3, competencies[1].pk: 7}, by=cast.employee
        )

    assert not SelfRating.objects.exists()
    assert not SelfRatingHistory.objects.exists()


def test_the_database_refuses_a_level_of_6_and_a_second_rating_of_one_competency(cast, competencies):
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfRating.objects.create(employee=cast.employee, competency=competencies[0], level=6)
    SelfRating.objects.create(employee=cast.employee, competency=competencies[0], level=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        SelfRating.objects.create(employee=cast.employee, competency=competencies[0], level=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisorRating.objects.create(
            employee=cast.supervisor, competency=competencies[0], level=3, rated_by=cast.supervisor
        )


def test_self_ratings_never_change_a_level_or_a_gap(cast, competencies):
    give_level(cast.employee, competencies[0], 1)
    before = employee_gaps(employee=cast.employee)

    self_ratings_set(employee=cast.employee, levels={c.pk: 5 for c in competencies}, by=cast.employee)
    supervisor_rating_set(employee=cast.employee, competency=competencies[1], level=4, comment="", by=cast.supervisor)

    after = employee_gaps(employee=cast.employee)
    assert [(row.code, row.current, row.gap, row.status) for row in after.rows] == [
        (row.code, row.current, row.gap, row.status) for row in before.rows
    ]
    assert (after.met, after.in_gap, after.progress_percent) == (before.met, before.in_gap, before.progress_percent)
    assert list(CompetencyLevel.objects.values_list("competency_id", "level")) == [(competencies[0].pk, 1)]


def test_the_supervisor_rates_with_a_comment_and_the_employee_is_told(cast, competencies):
    rating = supervisor_rating_set(
        employee=cast.employee,
        competency=competencies[0],
        level=3,
        comment="  Leads the shift well. ",
        by=cast.supervisor,
    )

    assert (rating.level, rating.comment, rating.rated_by) == (3, "Leads the shift well.", cast.supervisor)
    notification = Notification.objects.get(recipient=cast.employee)
    assert competencies[0].name in notification.subject
    assert "3 · Advanced" in notification.body and "Leads the shift well." in notification.body


def test_a_new_supervisor_rating_replaces_the_previous_one_and_the_trail_keeps_both(cast, competencies):
    supervisor_rating_set(employee=cast.employee, competency=competencies[0], level=2, comment="a", by=cast.supervisor)
    supervisor_rating_set(employee=cast.employee, competency=competencies[0], level=4, comment="b", by=cast.supervisor)

    rating = SupervisorRating.objects.get()
    assert (rating.level, rating.comment) == (4, "b")
    assert AuditEntry.objects.get_for_object(rating).count() == 2


@pytest.mark.parametrize("rater", ["employee", "colleague", "other_supervisor", "hc"])
def test_only_the_supervisor_gives_a_supervisor_rating(cast, competencies, rater):
    with pytest.raises(PermissionDenied):
        supervisor_rating_set(
            employee=cast.employee, competency=competencies[0], level=3, comment="", by=getattr(cast, rater)
        )

    assert not SupervisorRating.objects.exists()


def test_an_hc_member_who_is_an_employee_rates_nobody_as_their_own_supervisor(cast):
    competency = position_competencies(cast.hc_employee.position, count=1)[0]

    with pytest.raises(PermissionDenied):
        supervisor_rating_set(
            employee=cast.hc_employee, competency=competency, level=5, comment="", by=cast.hc_employee
        )


def test_a_supervisor_rating_needs_a_competency_of_the_position(cast):
    with pytest.raises(ValidationError):
        supervisor_rating_set(
            employee=cast.employee, competency=CompetencyFactory(), level=3, comment="", by=cast.supervisor
        )


def test_self_rating_changes_are_in_the_audit_trail(cast, competencies):
    self_rating_set(employee=cast.employee, competency=competencies[0], level=1, by=cast.employee)
    self_rating_set(employee=cast.employee, competency=competencies[0], level=4, by=cast.employee)

    assert AuditEntry.objects.get_for_object(SelfRating.objects.get()).count() == 2
