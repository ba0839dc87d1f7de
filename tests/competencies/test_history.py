import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from assessments.services.results import result_record
from competencies.models import CompetencyLevelHistory
from competencies.services import level_override
from hrportal.page_cache import bump_people
from idp.models import ItemStatus
from idp.services import idp_item_verify
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, give_level
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

MY_HISTORY = reverse("competencies:my_history")


def _history_url(user=None):
    return reverse("competencies:employee_history", args=[user.pk]) if user else MY_HISTORY


def _json(html: str, element_id: str):
    opening = f'<script id="{element_id}" type="application/json">'
    start = html.index(opening) + len(opening)
    return json.loads(html[start : html.index("</script>", start)])


def _date_changes(employee, *dates: datetime) -> None:
    """Give the employee's history rows, oldest first, the given dates (set-up only: the
    services stamp rows with the current time)."""
    rows = CompetencyLevelHistory.objects.filter(employee=employee).order_by("pk")
    for row, date in zip(rows, dates, strict=True):
        CompetencyLevelHistory.objects.filter(pk=row.pk).update(changed_at=date)


@pytest.fixture
def history(cast):
    """The employee's changes: A 0→2 (course, 2026-01-10), B none→1 (2026-02-01),
    A 2→3 (course, 2026-03-05), A 3→1 (HC override, 2026-04-20)."""
    a = CompetencyFactory(code="A", name="Alpha")
    b = CompetencyFactory(code="B", name="Bravo")
    give_level(cast.employee, a, 2, note="Course A1")
    give_level(cast.employee, b, 1, note="Course B1")
    give_level(cast.employee, a, 3, note="Course A2")
    level_override(employee=cast.employee, competency=a, level=1, reason="Licence withdrawn", by=cast.hc)
    _date_changes(
        cast.employee,
        datetime(2026, 1, 10, 8, tzinfo=UTC),
        datetime(2026, 2, 1, 8, tzinfo=UTC),
        datetime(2026, 3, 5, 8, tzinfo=UTC),
        datetime(2026, 4, 20, 8, tzinfo=UTC),
    )
    return {"a": a, "b": b}


@pytest.mark.parametrize(
    ("viewer", "subject", "status"),
    [
        ("employee", "employee", 200),
        ("supervisor", "employee", 200),
        ("hc", "employee", 200),
        ("hc_employee", "employee", 200),
        ("colleague", "employee", 404),
        ("other_supervisor", "employee", 404),
        ("employee", "supervisor", 404),
        ("supervisor", "hc_employee", 404),
        ("other_supervisor", "hc_employee", 200),
    ],
)
def test_who_may_see_a_level_history(client, cast, history, viewer, subject, status):
    client.force_login(getattr(cast, viewer))
    response = client.get(_history_url(getattr(cast, subject)))
    assert response.status_code == status
    if status == 404:
        assert "Alpha" not in response.content.decode()


def test_unknown_employee_is_404(client, cast):
    client.force_login(cast.hc)
    assert client.get(reverse("competencies:employee_history", args=[999999])).status_code == 404


def test_anonymous_user_is_sent_to_log_in(client):
    assert client.get(MY_HISTORY).url.startswith(reverse("login"))


def test_history_lists_every_change_newest_first_with_evidence(client, cast, history):
    client.force_login(cast.supervisor)
    response = client.get(_history_url(cast.employee))
    changes = list(response.context["page"])
    assert [(c.competency.code, c.old_level, c.new_level, c.source) for c in changes] == [
        ("A", 3, 1, "manual"),
        ("A", 2, 3, "training"),
        ("B", None, 1, "training"),
        ("A", None, 2, "training"),
    ]
    html = response.content.decode()
    assert "3 · Advanced → 1 · Basic" in html
    assert "0 · None → 1 · Basic" in html  # no earlier level reads as the scale's 0, as on every page
    assert "Override: Licence withdrawn" in html and "Manual override" in html
    assert cast.hc.display_name in html  # who changed it
    assert "2026-04-20" in html


def test_history_is_paginated_by_50(client, cast):
    competencies = CompetencyFactory.create_batch(11)
    for level in range(1, 6):
        for competency in competencies:
            give_level(cast.employee, competency, level)
    client.force_login(cast.employee)
    first = client.get(MY_HISTORY)
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.num_pages == 2
    selected = first.context["selected"].pk
    assert f'href="?competency={selected}&amp;page=2"' in first.content.decode()
    assert len(client.get(MY_HISTORY, {"page": 2}).context["page"]) == 5


def test_chart_of_one_competency_over_time(client, cast, history):
    client.force_login(cast.employee)
    response = client.get(MY_HISTORY, {"competency": history["a"].pk})
    assert [(p.changed_at.date().isoformat(), p.level) for p in response.context["points"]] == [
        ("2026-01-10", 2),
        ("2026-03-05", 3),
        ("2026-04-20", 1),
    ]
    html = response.content.decode()
    data = _json(html, "level-history-data")
    assert data["label"] == "A Alpha"
    assert [(p["date"], p["y"]) for p in data["points"]] == [("10 Jan 2026", 2), ("5 Mar 2026", 3), ("20 Apr 2026", 1)]
    assert data["points"][0]["x"] == int(datetime(2026, 1, 10, 8, tzinfo=UTC).timestamp() * 1000)
    assert data["now"] >= data["points"][-1]["x"]
    assert _json(html, "level-labels")[5] == "5 · Master"
    assert 'id="level-history-chart-table"' in html
    assert "/static/js/level-history-chart.js" in html


def test_chart_defaults_to_the_most_recently_changed_competency(client, cast, history):
    client.force_login(cast.employee)
    assert client.get(MY_HISTORY).context["selected"] == history["a"]
    CompetencyLevelHistory.objects.filter(competency=history["b"]).update(changed_at=datetime(2026, 5, 1, tzinfo=UTC))
    bump_people([cast.employee.pk])  # written behind the services' back (hrportal/page_cache.py)
    assert client.get(MY_HISTORY).context["selected"] == history["b"]


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_unknown_competency_is_a_form_error(client, cast, history, value):
    client.force_login(cast.employee)
    response = client.get(MY_HISTORY, {"competency": value})
    assert response.status_code == 200
    assert response.context["form"].errors["competency"]
    assert response.context["selected"] is None
    assert len(response.context["page"]) == 4  # the table still shows


def test_competency_without_changes_of_this_employee_cannot_be_charted(client, cast, history):
    other = CompetencyFactory()
    give_level(cast.colleague, other, 2)
    client.force_login(cast.employee)
    assert client.get(MY_HISTORY, {"competency": other.pk}).context["form"].errors


def test_empty_history_explains(client, cast):
    client.force_login(cast.colleague)
    response = client.get(MY_HISTORY)
    assert response.status_code == 200
    assert 'id="history-empty"' in response.content.decode()


def test_level_raised_by_a_verified_idp_item_links_the_item(client, cast):
    competency = CompetencyFactory()
    item = IdpItemFactory(employee=cast.employee, competency=competency, target_level=2, status=ItemStatus.COMPLETED)
    idp_item_verify(item=item, by=cast.hc, level=2)
    client.force_login(cast.employee)
    html = client.get(MY_HISTORY).content.decode()
    assert f'href="{reverse("idp:item", args=[item.pk])}"' in html


def test_dashboard_links_to_the_history(client, cast):
    client.force_login(cast.employee)
    assert f'href="{MY_HISTORY}"' in client.get(reverse("competencies:my_gaps")).content.decode()
    client.force_login(cast.supervisor)
    html = client.get(reverse("competencies:employee_gaps", args=[cast.employee.pk])).content.decode()
    assert f'href="{_history_url(cast.employee)}"' in html and "Level history" in html


def _pass(employee, competency, level, *, by):
    """Raise a level by a recorded pass of an assessment granting it."""
    assessment = AssessmentFactory(title=f"OJ {competency.code} level {level}")
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=level)
    result_record(employee=employee, assessment=assessment, score=90, recorded_by=by)


@pytest.mark.parametrize("changes", [3, 120])
def test_history_query_count_is_flat(client, cast, django_assert_num_queries, changes):
    competencies = CompetencyFactory.create_batch(max(1, changes // 5))
    made = 0
    for level in range(1, 6):
        for competency in competencies:
            if made < changes:
                if made % 3:
                    give_level(cast.employee, competency, level)
                else:  # a third of the changes come from a recorded pass: the result is the evidence
                    _pass(cast.employee, competency, level, by=cast.hc)
                made += 1
    start = datetime(2025, 1, 1, tzinfo=UTC)
    _date_changes(cast.employee, *(start + timedelta(days=i) for i in range(made)))
    client.force_login(cast.supervisor)
    # 1 session, 2 viewer, 3 employee with position and section, 4 competencies with changes
    # (and their newest change), 5 count of changes, 6 the page of changes with competency,
    # author and evidence type, 7 the results that are the page's evidence, with their
    # assessments, 8 the chart's points, 9 navbar's direct reports, 10 unread count:
    with django_assert_num_queries(10):
        response = client.get(_history_url(cast.employee), {"competency": competencies[0].pk})
    assert response.status_code == 200
    assert len(response.context["page"]) == min(made, 50)
