"""An expired level counts as a gap on every page that shows one; an expiring one warns."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from competencies.models import CompetencyLevel
from competencies.rules import GapStatus
from competencies.selectors.reports import organisation_report
from competencies.selectors.team import CellKind
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PositionFactory
from tests.idp.factories import IdpItemFactory


@pytest.fixture
def licences(cast):
    """The employee's position targets two licences at level 3; the employee holds both at 3,
    one lapsed a week ago and one lapsing in 20 days."""
    lapsed, lapsing = CompetencyFactory(code="LIC-A", name="Forklift licence"), CompetencyFactory(code="LIC-B")
    for competency in (lapsed, lapsing):
        PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=3)
        give_level(cast.employee, competency, 3)
    now = timezone.now()
    CompetencyLevel.objects.filter(competency=lapsed).update(expires_at=now - timedelta(days=7))
    CompetencyLevel.objects.filter(competency=lapsing).update(expires_at=now + timedelta(days=20))
    return lapsed, lapsing


def test_dashboard_shows_the_expired_level_as_a_gap_and_the_expiring_one_in_amber(client, cast, licences):
    client.force_login(cast.employee)
    response = client.get(reverse("competencies:my_gaps"))
    report = response.context["report"]
    rows = {row.code: row for row in report.rows}
    assert rows["LIC-A"].status == GapStatus.EXPIRED
    assert (rows["LIC-A"].current, rows["LIC-A"].gap, rows["LIC-A"].stored_level) == (0, 3, 3)
    assert rows["LIC-B"].status == GapStatus.MET and rows["LIC-B"].expiring
    assert (report.met, report.expired, report.expiring) == (1, 1, 1)
    html = response.content.decode()
    assert "Expired " in html and "Expires " in html and 'id="expiry-summary"' in html
    # The radar draws what counts: the expired licence at 0.
    chart = dict(zip(report.chart_data["labels"], report.chart_data["current"], strict=True))
    assert chart["Forklift licence"] == 0


def test_a_supervisors_view_of_the_report_and_the_heatmap_count_it_as_a_gap(client, cast, licences):
    client.force_login(cast.supervisor)
    response = client.get(reverse("competencies:employee_gaps", args=[cast.employee.pk]))
    assert response.context["report"].expired == 1
    heatmap = client.get(reverse("competencies:team")).context["heatmap"]
    row = next(row for row in heatmap.rows if row.employee == cast.employee)
    codes = [column.code for column in heatmap.columns]
    assert row.cells[codes.index("LIC-A")].kind == CellKind.EXPIRED
    assert row.cells[codes.index("LIC-A")].title == "Expired: 3 · Advanced of 3 · Advanced"
    assert row.cells[codes.index("LIC-B")].kind == CellKind.MET
    assert row.total_gap == 3


def test_career_match_and_talent_search_do_not_count_an_expired_level(client, cast, licences):
    lapsed, lapsing = licences
    other = PositionFactory(name="Licensed operator")
    for competency in (lapsed, lapsing):
        PositionTargetFactory(position=other, competency=competency, target_level=3)
    client.force_login(cast.employee)
    ranking = client.get(reverse("competencies:career")).context["ranking"]
    match = next(m for m in ranking if m.position == other)
    assert (match.met, match.total, match.gaps) == (1, 2, (3,))
    client.force_login(cast.hc)
    response = client.get(reverse("competencies:talent_search"), {"position": other.pk})
    scores = {c.employee.username: c.match.score_percent for c in response.context["candidates"]}
    assert scores["employee"] == 50


def test_organisation_report_counts_the_expired_level_as_unmet(cast, licences):
    report = organisation_report(today=timezone.localdate())
    by_code = {row.code: row for row in report.by_competency}
    assert (by_code["LIC-A"].met, by_code["LIC-A"].gap_total) == (0, 3 * by_code["LIC-A"].assignments)
    assert by_code["LIC-B"].met == 1
    # A week ago (before it lapsed) it was met: the report as of then counts it.
    earlier = organisation_report(today=timezone.localdate(), now=timezone.now() - timedelta(days=8))
    assert {row.code: row.met for row in earlier.by_competency}["LIC-A"] == 1


def test_idp_suggests_renewing_the_expired_level_and_the_approval_queue_shows_its_gap(client, cast, licences):
    lapsed, _ = licences
    client.force_login(cast.employee)
    suggestions = client.get(reverse("idp:my_plan")).context["suggestions"]
    renewal = next(s for s in suggestions if s.row.code == "LIC-A")
    assert renewal.target_level == 3 and "Renew" in renewal.description
    IdpItemFactory(employee=cast.employee, competency=lapsed, status="submitted")
    client.force_login(cast.supervisor)
    queue = client.get(reverse("idp:approvals")).context["queue"]
    assert [item.gap for item in queue] == [3]
