"""Numbers, percentages and dates as each language writes them: "87.5%" and "12 May 2026" in
English, "87,5 %" and "12 Mei 2026" in Indonesian."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from hrportal.formatting import format_percent
from hrportal.models import User
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize(
    ("value", "places", "english", "indonesian"),
    [
        (87.5, -2, "87.5%", f"87,5{NBSP}%"),
        (Decimal("80.00"), -2, "80%", f"80{NBSP}%"),
        (Decimal("66.6667"), -2, "66.67%", f"66,67{NBSP}%"),
        (70, 1, "70.0%", f"70,0{NBSP}%"),
        (None, -2, "–", "–"),
    ],
)
def test_a_percentage_follows_the_language(value, places, english, indonesian):
    with translation.override("en-gb"):
        assert format_percent(value, places) == english
    with translation.override("id"):
        assert format_percent(value, places) == indonesian


def test_the_percent_filter_is_the_same_rule():
    template = Template("{% load formatting %}{{ share|percent }}|{{ share|percent:1 }}")
    with translation.override("id"):
        assert template.render(Context({"share": 87.5})) == f"87,5{NBSP}%|87,5{NBSP}%"
    with translation.override("en-gb"):
        assert template.render(Context({"share": 87.5})) == "87.5%|87.5%"


def test_a_date_follows_the_language_and_the_portal_time_zone():
    template = Template("{{ day|date }}|{{ moment|date }}")
    # 20:00 UTC on 12 May is already 13 May in Jakarta (WIB, UTC+7), the portal's default zone.
    context = Context({"day": date(2026, 5, 12), "moment": datetime(2026, 5, 12, 20, tzinfo=UTC)})
    with translation.override("en-gb"):
        assert template.render(context) == "12 May 2026|13 May 2026"
    with translation.override("id"):
        assert template.render(context) == "12 Mei 2026|13 Mei 2026"


@pytest.mark.django_db
def test_the_organisation_report_writes_its_shares_in_the_readers_language(client, cast):
    # Operators (the employee, the colleague, the HC employee) have 3 targets each: 9
    # assignments, of which the employee meets one: 11.1 %.
    for code, target in {"A": 3, "B": 2, "C": 4}.items():
        competency = CompetencyFactory(code=code, name=f"Name {code}")
        PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=target)
        if code == "A":
            give_level(cast.employee, competency, 3)
    client.force_login(cast.hc)

    english = client.get(reverse("competencies:reports")).content.decode()
    User.objects.filter(pk=cast.hc.pk).update(language="id")
    indonesian = client.get(reverse("competencies:reports")).content.decode()

    assert 'id="total-share-met">11.1%</div>' in english
    assert f'id="total-share-met">11,1{NBSP}%</div>' in indonesian
