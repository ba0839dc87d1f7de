"""Ratings beside verified levels on the gap dashboard and the competency page, for the
employee and their supervisor: the column, the radar's third series and its switch, the
"to discuss" flag in words, and the supervisor's rating form."""

import json
import re

import pytest
from django.urls import reverse

from surveys.services import self_ratings_set
from tests.competencies.factories import give_level
from tests.surveys.factories import position_competencies

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(cast):
    """Three competencies (target 3): verified 3, 1 and none; self-rated 3, 4 and 2."""
    competencies = position_competencies(cast.employee.position, count=3, target=3)
    give_level(cast.employee, competencies[0], 3)
    give_level(cast.employee, competencies[1], 1)
    levels = {competencies[0].pk: 3, competencies[1].pk: 4, competencies[2].pk: 2}
    self_ratings_set(employee=cast.employee, levels=levels, by=cast.employee)
    return competencies


def _row(html: str, code: str) -> str:
    return re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S).group(1)


def _chart_data(html: str) -> dict:
    start = html.index('<script id="gap-chart-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("viewer", ["employee", "supervisor"])
def test_the_dashboard_shows_each_self_rating_beside_the_level_and_flags_two_apart(client, cast, rated, viewer):
    client.force_login(getattr(cast, viewer))
    url = (
        reverse("competencies:my_gaps")
        if viewer == "employee"
        else reverse("competencies:employee_gaps", args=[cast.employee.pk])
    )

    html = client.get(url).content.decode()

    same, far, none_yet = (_row(html, c.code) for c in rated)
    assert "3 · Advanced" in same and "To discuss" not in same
    assert "4 · Expert" in far and "To discuss" in far and "3 levels from the verified level" in far
    assert "2 · Intermediate" in none_yet and "To discuss" in none_yet  # no level counts as 0
    assert "2 competencies to discuss with" in html


def test_the_radar_gets_the_self_ratings_as_a_third_series_with_a_switch_and_a_table(client, cast, rated):
    client.force_login(cast.employee)

    html = client.get(reverse("competencies:my_gaps")).content.decode()

    data = _chart_data(html)
    by_name = dict(zip(data["labels"], data["self"], strict=True))
    assert by_name == {rated[0].name: 3, rated[1].name: 4, rated[2].name: 2}
    assert re.search(r'<input[^>]*type="checkbox"[^>]*id="gap-chart-self-toggle"[^>]*aria-controls="gap-chart"', html)
    assert '<label class="form-check-label" for="gap-chart-self-toggle">' in html
    table = re.search(r'<table[^>]*id="gap-chart-table".*?</table>', html, re.S).group(0)
    assert "Self-rating" in table and "4 · Expert" in table


def test_without_ratings_there_is_no_switch_and_the_employee_is_invited_to_rate(client, cast):
    position_competencies(cast.employee.position, count=2)
    client.force_login(cast.employee)

    html = client.get(reverse("competencies:my_gaps")).content.decode()

    assert "gap-chart-self-toggle" not in html
    assert reverse("surveys:self_assessment") in re.search(r'id="self-assessment-invite".*?</p>', html, re.S).group(0)


def test_a_past_day_shows_no_ratings(client, cast, rated):
    client.force_login(cast.employee)

    html = client.get(reverse("competencies:my_gaps") + "?as_of=2026-01-01").content.decode()

    assert '<th scope="col">Self-rating</th>' not in html and "To discuss" not in html
    assert set(_chart_data(html)["self"]) <= {None}


def test_the_supervisor_rates_on_the_competency_page_and_the_employee_reads_it_there(client, cast, rated):
    competency = rated[1]
    page = reverse("competencies:employee_competency", args=[cast.employee.pk, competency.pk])
    client.force_login(cast.supervisor)
    html = client.get(page).content.decode()
    form = re.search(r'<form[^>]*id="supervisor-rating-form".*?</form>', html, re.S).group(0)
    assert reverse("surveys:supervisor_rating", args=[cast.employee.pk, competency.pk]) in form
    assert "csrfmiddlewaretoken" in form and 'name="level"' in form and 'name="comment"' in form

    client.post(
        reverse("surveys:supervisor_rating", args=[cast.employee.pk, competency.pk]),
        {"level": "2", "comment": "Close, not yet"},
    )

    client.force_login(cast.employee)
    html = client.get(reverse("competencies:my_competency", args=[competency.pk])).content.decode()
    ratings = re.search(r'<dl class="row mb-0" id="ratings">.*?</dl>', html, re.S).group(0)
    assert "1 · Basic" in ratings  # the verified level
    assert "4 · Expert" in ratings and "To discuss" in ratings
    assert "2 · Intermediate" in ratings and "Close, not yet" in ratings and cast.supervisor.display_name in ratings
    assert "supervisor-rating-form" not in html


@pytest.mark.parametrize("viewer", ["hc", "employee"])
def test_nobody_but_the_supervisor_gets_the_rating_form(client, cast, rated, viewer):
    client.force_login(getattr(cast, viewer))

    html = client.get(
        reverse("competencies:employee_competency", args=[cast.employee.pk, rated[0].pk])
    ).content.decode()

    assert "supervisor-rating-form" not in html
