"""PRODUCT.md: self-ratings never count as verified. The numbers a user reads on the gap
dashboard and in the organisation report are the same before and after everybody rates."""

import pytest
from django.urls import reverse

from surveys.services import self_ratings_set, supervisor_rating_set
from tests.competencies.factories import give_level
from tests.surveys.factories import position_competencies

pytestmark = pytest.mark.django_db


def _dashboard_numbers(client, user) -> tuple:
    client.force_login(user)
    report = client.get(reverse("competencies:my_gaps")).context["report"]
    return (
        [(row.code, row.current, row.gap, row.status) for row in report.rows],
        report.met,
        report.in_gap,
        report.not_started,
        report.progress_percent,
        report.chart_data,
    )


def _report_numbers(client, hc):
    client.force_login(hc)
    return client.get(reverse("competencies:reports")).context["report"]


def test_ratings_change_no_number_on_the_dashboard_or_the_report(client, cast):
    competencies = position_competencies(cast.employee.position, count=3, target=3)
    give_level(cast.employee, competencies[0], 1)
    give_level(cast.colleague, competencies[1], 3)
    dashboard_before = _dashboard_numbers(client, cast.employee)
    report_before = _report_numbers(client, cast.hc)

    for person in (cast.employee, cast.colleague):
        self_ratings_set(employee=person, levels={c.pk: 5 for c in competencies}, by=person)
        supervisor_rating_set(employee=person, competency=competencies[2], level=5, comment="", by=cast.supervisor)

    assert _dashboard_numbers(client, cast.employee) == dashboard_before
    assert _report_numbers(client, cast.hc) == report_before
