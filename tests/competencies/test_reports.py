"""The organisation report: figures on a data set computed by hand, filters, exports, access, queries."""

import csv
import io
import json
import random
import re
from datetime import date, datetime, time, timedelta

import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from competencies.models import CompetencyLevel, CompetencyLevelHistory, PositionTarget
from competencies.report_summary import summary_refresh
from competencies.selectors.reports import group_figures, month_ends, organisation_report
from competencies.services import level_override
from hrportal.models import User
from hrportal.page_cache import bump_framework
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import HcUserFactory, PositionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 15)
REPORT_URL = "competencies:reports"
EXPORT_URL = "competencies:reports_export"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def change(employee, competency, level: int, when: datetime, *, hc) -> None:
    """Set a level through the services (raise, or an HC override to lower it), then date its
    history row `when`: test set-up only, the application never edits history."""
    current = CompetencyLevel.objects.filter(employee=employee, competency=competency).first()
    if current is None or level > current.level:
        give_level(employee, competency, level)
    else:
        level_override(employee=employee, competency=competency, level=level, reason="Re-assessed", by=hc)
    row = CompetencyLevelHistory.objects.filter(employee=employee, competency=competency).order_by("-pk").first()
    CompetencyLevelHistory.objects.filter(pk=row.pk).update(changed_at=when)


@pytest.fixture
def org(db):
    """Two sections, two positions, four competencies; the figures below are worked out by hand.

    Targets: Operator A3 B2 C0; Lead A4 D2.
    In the population (active, with a position):
      e1 North Operator: A 1 (2025-09-10) → 3 (2026-02-20); B 2 (2026-04-30 23:00); C none.
      e2 North Lead:     A 4 (2025-03-01); D none; B 5 (not a target of Lead: ignored).
      e3 South Operator: A 3 (2025-12-01) → 1 (HC override, 2026-03-10); B 2 (2026-05-01 00:00);
                         C 1 (2025-07-01).
      e6 South Lead:     A 2 (2025-06-15); D 3 (2025-11-30 12:00).
    Outside it: e4 (inactive South Operator, A 3) and e5 (North, no position, A 3).
    """
    hc = HcUserFactory(username="report_hc", position=None, section=None, employee_number=None)
    north, south = SectionFactory(name="North"), SectionFactory(name="South")
    operator, lead = PositionFactory(name="Operator"), PositionFactory(name="Lead")
    comp = {code: CompetencyFactory(code=code, name=f"Skill {code}") for code in "ABCD"}
    for position, targets in ((operator, {"A": 3, "B": 2, "C": 0}), (lead, {"A": 4, "D": 2})):
        for code, level in targets.items():
            PositionTargetFactory(position=position, competency=comp[code], target_level=level)
    e1 = UserFactory(username="e1", section=north, position=operator)
    e2 = UserFactory(username="e2", section=north, position=lead)
    e3 = UserFactory(username="e3", section=south, position=operator)
    e4 = UserFactory(username="e4", section=south, position=operator, is_active=False)
    e5 = UserFactory(username="e5", section=north, position=None)
    e6 = UserFactory(username="e6", section=south, position=lead)
    for employee, code, level, when in [
        (e1, "A", 1, at(2025, 9, 10)),
        (e1, "A", 3, at(2026, 2, 20)),
        (e1, "B", 2, at(2026, 4, 30, 23)),
        (e2, "A", 4, at(2025, 3, 1)),
        (e2, "B", 5, at(2025, 8, 1)),
        (e3, "A", 3, at(2025, 12, 1)),
        (e3, "A", 1, at(2026, 3, 10)),
        (e3, "B", 2, at(2026, 5, 1)),
        (e3, "C", 1, at(2025, 7, 1)),
        (e4, "A", 3, at(2025, 6, 1)),
        (e5, "A", 3, at(2025, 6, 1)),
        (e6, "A", 2, at(2025, 6, 15)),
        (e6, "D", 3, at(2025, 11, 30, 12)),
    ]:
        change(employee, comp[code], level, when, hc=hc)
    return {"hc": hc, "north": north, "south": south, "operator": operator, "lead": lead, "comp": comp}


def figures(row) -> tuple:
    return (
        row.name,
        row.employees,
        row.assignments,
        row.met,
        row.share_met_percent,
        row.gap_total,
        row.average_gap,
        row.employees_in_gap,
    )


def test_month_ends_are_the_12_months_before_the_current_one():
    assert month_ends(TODAY) == [
        date(2025, 5, 31),
        date(2025, 6, 30),
        date(2025, 7, 31),
        date(2025, 8, 31),
        date(2025, 9, 30),
        date(2025, 10, 31),
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert month_ends(date(2024, 3, 1))[-2:] == [date(2024, 1, 31), date(2024, 2, 29)]


def test_report_figures_match_the_hand_computed_ones(org):
    report = organisation_report(today=TODAY)

    # e1 3 of 3 met; e2 1 of 2 (D gap 2); e3 2 of 3 (A gap 2); e6 1 of 2 (A gap 2).
    assert figures(report.total) == ("All", 4, 10, 7, 70.0, 6, 0.6, 3)
    assert [figures(row) for row in report.by_section] == [
        ("North", 2, 5, 4, 80.0, 2, 0.4, 1),
        ("South", 2, 5, 3, 60.0, 4, 0.8, 2),
    ]
    assert [figures(row) for row in report.by_position] == [
        ("Lead", 2, 4, 2, 50.0, 4, 1.0, 2),
        ("Operator", 2, 6, 5, 83.3, 2, 0.33, 1),
    ]
    assert [(row.code, *figures(row)[1:]) for row in report.by_competency] == [
        ("A", 4, 4, 2, 50.0, 4, 1.0, 2),
        ("B", 2, 2, 2, 100.0, 0, 0.0, 0),
        ("C", 2, 2, 2, 100.0, 0, 0.0, 0),
        ("D", 2, 2, 1, 50.0, 2, 1.0, 1),
    ]


def test_largest_gaps_rank_competencies_by_total_gap_and_leave_out_those_without(org):
    report = organisation_report(today=TODAY)
    assert [(row.code, row.gap_total, row.average_gap) for row in report.largest_gaps] == [("A", 4, 1.0), ("D", 2, 1.0)]


def test_largest_gaps_tie_break_on_average_then_code_and_stop_at_ten(db):
    position = PositionFactory()
    UserFactory(position=position)
    # Targets 1..5 on 12 competencies, no levels: each gap equals its target.
    for i in range(12):
        PositionTargetFactory(position=position, competency=CompetencyFactory(code=f"T{i:02d}"), target_level=1 + i % 5)
    largest = organisation_report(today=TODAY).largest_gaps
    assert len(largest) == 10
    assert [(row.code, row.gap_total) for row in largest[:4]] == [("T04", 5), ("T09", 5), ("T03", 4), ("T08", 4)]


def test_progress_replays_history_at_each_month_end(org):
    # Always met: e1 C and e3 C (target 0), e2 A (4 since before the window): 3 of 10.
    # + e6 D from 2025-11-30; + e3 A in Dec–Feb (lowered on 2026-03-10); + e1 A from
    # 2026-02-20; + e1 B on 2026-04-30 23:00. e3 B (2026-05-01 00:00) is after the last end.
    progress = organisation_report(today=TODAY).progress
    assert [point.month_end for point in progress] == month_ends(TODAY)
    assert [point.met for point in progress] == [3, 3, 3, 3, 3, 3, 4, 5, 5, 6, 5, 6]
    assert {point.assignments for point in progress} == {10}
    assert [point.share_met_percent for point in progress] == [30.0] * 6 + [40.0, 50.0, 50.0, 60.0, 50.0, 60.0]
    assert progress[-1].label == "Apr 2026"


def test_progress_agrees_with_a_literal_replay_of_the_history(db):
    """Random raises and HC overrides at increasing dates: the series equals, month by month,
    "latest history row on or before the month end, else 0" checked against today's targets."""
    rng = random.Random(7)
    hc = HcUserFactory(position=None, section=None)
    comps = [CompetencyFactory() for _ in range(5)]
    positions = [PositionFactory() for _ in range(2)]
    for position in positions:
        for competency in rng.sample(comps, 4):
            PositionTargetFactory(position=position, competency=competency, target_level=rng.randint(0, 5))
    people = [UserFactory(position=rng.choice(positions)) for _ in range(6)]
    when = at(2025, 1, 1)
    for _ in range(60):
        when += timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 23))
        employee, competency = rng.choice(people), rng.choice(comps)
        current = CompetencyLevel.objects.filter(employee=employee, competency=competency).first()
        level = rng.randint(0, 5)
        if current is None or level != current.level:
            change(employee, competency, level, when, hc=hc)

    targets = {(t.position_id, t.competency_id): t.target_level for t in PositionTarget.objects.all()}
    history = list(CompetencyLevelHistory.objects.order_by("changed_at", "pk"))
    expected = []
    for end in month_ends(TODAY):
        cutoff = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
        met = 0
        for person in people:
            for (position_id, competency_id), target in targets.items():
                if position_id != person.position_id:
                    continue
                rows = [h for h in history if (h.employee_id, h.competency_id) == (person.pk, competency_id)]
                level = next((h.new_level for h in reversed(rows) if h.changed_at < cutoff), 0)
                met += level >= target
        expected.append(met)
    assert [point.met for point in organisation_report(today=TODAY).progress] == expected
    assert len(set(expected)) >= 3  # the data really moves over the year


def test_progress_uses_current_positions(org):
    # Positions have no history: moving e2 from Lead to Operator rewrites the past as well.
    # (The targets here have no history either, so they stand all along: see test_as_of.py
    # for targets changing over the months.)
    e2 = User.objects.get(username="e2")
    e2.position = org["operator"]
    e2.save()
    report = organisation_report(today=TODAY)
    assert report.total.assignments == 11
    # e2 as an Operator: A 4 ≥ 3 and C (target 0) met throughout, B 5 ≥ 2 from 2025-08-01.
    assert [point.met for point in report.progress] == [4, 4, 4, 5, 5, 5, 6, 7, 7, 8, 7, 8]


def test_filters_narrow_every_part_of_the_report(org):
    north = organisation_report(today=TODAY, section_id=org["north"].pk)
    assert figures(north.total) == ("All", 2, 5, 4, 80.0, 2, 0.4, 1)
    assert [row.name for row in north.by_section] == ["North"]
    assert [figures(row) for row in north.by_position] == [
        ("Lead", 1, 2, 1, 50.0, 2, 1.0, 1),
        ("Operator", 1, 3, 3, 100.0, 0, 0.0, 0),
    ]
    assert [(row.code, row.assignments, row.met) for row in north.by_competency] == [
        ("A", 2, 2),
        ("B", 1, 1),
        ("C", 1, 1),
        ("D", 1, 0),
    ]
    # North: e1 C and e2 A always met; e1 A from February, e1 B in April.
    assert [point.met for point in north.progress] == [2] * 9 + [3, 3, 4]

    south_lead = organisation_report(today=TODAY, section_id=org["south"].pk, position_id=org["lead"].pk)
    assert figures(south_lead.total) == ("All", 1, 2, 1, 50.0, 2, 1.0, 1)
    assert [point.met for point in south_lead.progress] == [0] * 6 + [1] * 6


def test_an_empty_population_gives_zeros_not_errors(org):
    empty = SectionFactory(name="Empty")
    report = organisation_report(today=TODAY, section_id=empty.pk)
    assert figures(report.total) == ("All", 0, 0, 0, None, 0, None, 0)
    assert report.by_section == report.by_competency == report.largest_gaps == []
    assert [point.share_met_percent for point in report.progress] == [None] * 12


def test_employee_without_section_is_grouped_under_no_section(org):
    UserFactory(section=None, position=org["lead"])
    by_section = group_figures().by_section
    assert [(row.name, row.employees, row.assignments, row.met) for row in by_section][-1] == ("No section", 1, 2, 0)


# The page


def test_hc_sees_the_report_with_definitions_charts_data_and_tables(client, org, monkeypatch):
    monkeypatch.setattr("competencies.views.reports._today", lambda: TODAY)
    client.force_login(org["hc"])
    response = client.get(reverse(REPORT_URL))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Average gap = the average of max(gap, 0)" in html
    assert "the targets of that month end, everyone's current position" in html
    assert '<div class="display-6 text-success" id="total-share-met">70.0%</div>' in html
    for table_id in ("progress-table", "largest-gaps-table", "section-table", "position-table", "competency-table"):
        assert f'id="{table_id}"' in html
    assert 'id="progress-chart"' in html and 'id="largest-gaps-chart"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "/static/js/report-charts.js" in html
    start = html.index('<script id="report-chart-data" type="application/json">')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data["progress"]["labels"][0] == "May 2025" and data["progress"]["labels"][-1] == "Apr 2026"
    assert data["progress"]["share_met"] == [30.0] * 6 + [40.0, 50.0, 50.0, 60.0, 50.0, 60.0]
    assert data["largest_gaps"] == {
        "labels": ["A Skill A", "D Skill D"],
        "gap_total": [4, 2],
        "average_gap": [1.0, 1.0],
    }


def test_filter_form_narrows_the_page_and_the_export_links(client, org):
    client.force_login(org["hc"])
    response = client.get(reverse(REPORT_URL), {"section": org["south"].pk, "position": ""})
    assert response.status_code == 200
    assert response.context["report"].total.employees == 2
    html = response.content.decode()
    assert f"?section={org['south'].pk}&amp;table=section&amp;format=csv" in html


@pytest.mark.parametrize("params", [{"section": "999999"}, {"position": "abc"}, {"section": "1.5"}])
def test_invalid_filter_is_a_form_error_not_a_server_error(client, org, params):
    client.force_login(org["hc"])
    response = client.get(reverse(REPORT_URL), params)
    assert response.status_code == 200
    assert response.context["report"] is None
    assert response.context["form"].errors
    assert "The filter is not valid" in response.content.decode()


def test_text_is_escaped_in_chart_json(client, org):
    org["comp"]["A"].name = '</script><script>alert("x")</script>'
    org["comp"]["A"].save()
    client.force_login(org["hc"])
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert '<script>alert("x")</script>' not in html


def test_page_without_assignments_explains_itself(client, cast):
    client.force_login(cast.hc)  # the cast's positions have no targets
    response = client.get(reverse(REPORT_URL))
    assert response.status_code == 200
    assert "No assignments" in response.content.decode()
    assert "report-charts.js" not in response.content.decode()


@pytest.mark.parametrize(
    ("viewer", "status"), [("employee", 403), ("supervisor", 403), ("hc", 200), ("hc_employee", 200)]
)
@pytest.mark.parametrize("url", [REPORT_URL, EXPORT_URL])
def test_only_hc_may_see_the_report(client, cast, viewer, status, url):
    client.force_login(getattr(cast, viewer))
    params = {"table": "section", "format": "csv"} if url == EXPORT_URL else {}
    assert client.get(reverse(url), params).status_code == status


@pytest.mark.parametrize("url", [REPORT_URL, EXPORT_URL])
def test_anonymous_user_is_sent_to_log_in(client, url):
    response = client.get(reverse(url))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_hc_navbar_links_to_reports(client, cast):
    client.force_login(cast.hc)
    assert f'href="{reverse(REPORT_URL)}"' in client.get(reverse(REPORT_URL)).content.decode()


# Exports


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_section_export_is_the_section_table_as_csv(client, org, monkeypatch):
    monkeypatch.setattr("competencies.views.reports._today", lambda: TODAY)
    client.force_login(org["hc"])
    response = client.get(reverse(EXPORT_URL), {"table": "section", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="gaps-by-section-2026-05-15.csv"'
    assert _csv(response) == [
        [
            "Section",
            "Employees",
            "Assignments",
            "Met",
            "Share met (%)",
            "Average gap",
            "Total gap",
            "Employees in gap",
        ],
        ["North", "2", "5", "4", "80.0", "0.4", "2", "1"],
        ["South", "2", "5", "3", "60.0", "0.8", "4", "2"],
    ]


def test_position_export_follows_the_filters(client, org):
    client.force_login(org["hc"])
    params = {"table": "position", "format": "csv", "section": org["north"].pk}
    rows = _csv(client.get(reverse(EXPORT_URL), params))
    assert rows[1:] == [
        ["Lead", "1", "2", "1", "50.0", "1.0", "2", "1"],
        ["Operator", "1", "3", "3", "100.0", "0.0", "0", "0"],
    ]


def test_competency_export_as_xlsx(client, org):
    client.force_login(org["hc"])
    response = client.get(reverse(EXPORT_URL), {"table": "competency", "format": "xlsx"})
    assert response.status_code == 200
    sheet = tablib.Dataset().load(io.BytesIO(response.content), format="xlsx")
    assert sheet.headers == [
        "Code",
        "Competency",
        "Assignments",
        "Met",
        "Share met (%)",
        "Average gap",
        "Total gap",
        "Employees in gap",
    ]
    assert [list(row) for row in sheet] == [
        ["A", "Skill A", 4, 2, 50, 1, 4, 2],
        ["B", "Skill B", 2, 2, 100, 0, 0, 0],
        ["C", "Skill C", 2, 2, 100, 0, 0, 0],
        ["D", "Skill D", 2, 1, 50, 1, 2, 1],
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"table": "people", "format": "csv"},
        {"table": "section", "format": "pdf"},
        {"format": "csv"},
        {"table": "section", "format": "csv", "section": "999999"},
    ],
)
def test_bad_export_request_is_a_400_with_a_message(client, org, params):
    client.force_login(org["hc"])
    response = client.get(reverse(EXPORT_URL), params)
    assert response.status_code == 400
    assert "Cannot export" in response.content.decode()


def test_export_escapes_formula_like_names(client, org):
    org["north"].name = "=HYPERLINK(1)"
    org["north"].save()
    client.force_login(org["hc"])
    rows = _csv(client.get(reverse(EXPORT_URL), {"table": "section", "format": "csv"}))
    assert rows[1][0] == "'=HYPERLINK(1)"


# Query budgets


def _without_tokens(html: str) -> str:
    """The page without its CSRF tokens (masked anew in every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _organisation(sections: int, positions: int, per_cell: int, competencies: int) -> None:
    """sections × positions × per_cell employees; every position targets every competency;
    every employee has a level (with history) in every other competency."""
    comps = [CompetencyFactory() for _ in range(competencies)]
    for p in range(positions):
        position = PositionFactory()
        for i, competency in enumerate(comps):
            PositionTargetFactory(position=position, competency=competency, target_level=1 + (i + p) % 5)
        for s in range(sections):
            section = SectionFactory(name=f"Section {s}")
            for _ in range(per_cell):
                employee = UserFactory(section=section, position=position)
                for competency in comps[::2]:
                    give_level(employee, competency, 1 + employee.pk % 5)
    # As the doors that build one do (the imports, the admin): a database whose framework stamp
    # was never bumped reads the unread count in a query of its own (hrportal/page_cache.py).
    bump_framework()


@pytest.mark.parametrize(("sections", "positions", "per_cell", "competencies"), [(1, 1, 1, 2), (3, 4, 3, 8)])
def test_report_query_count_is_flat(
    client, cast, django_assert_num_queries, sections, positions, per_cell, competencies
):
    _organisation(sections, positions, per_cell, competencies)
    summary_refresh()
    client.force_login(cast.hc)
    # 1 session, 2 viewer, 3 viewer's HC group, 4 the summary's state with the fingerprint of
    # the people and targets, 5 the page stamps with the unread count (the page cache's key),
    # 6 sections and 7 positions (the filter's choices), from the summary 8 figures by section
    # and position, 9 figures by competency, 10 the monthly series, 11 navbar's direct
    # reports (the single points of failure are a page of their own). The same for 1 employee
    # as for 36 (and for 10,000: see bench/).
    with django_assert_num_queries(11):
        response = client.get(reverse(REPORT_URL), {"section": "", "position": ""})
    assert response.status_code == 200
    assert not response.context["freshness"].live and not response.context["freshness"].behind
    assert response.context["report"].total.employees == sections * positions * per_cell


@pytest.mark.parametrize(("sections", "positions", "per_cell", "competencies"), [(1, 1, 1, 2), (3, 4, 3, 8)])
@pytest.mark.parametrize("params", [{}, {"section": "", "position": ""}])
def test_a_cached_report_query_count_is_flat(
    client, cast, django_assert_num_queries, sections, positions, per_cell, competencies, params
):
    _organisation(sections, positions, per_cell, competencies)
    summary_refresh()
    client.force_login(cast.hc)
    first = client.get(reverse(REPORT_URL), params).content.decode()
    # The whole page from the cache: 1 session, 2 viewer, 3 HC group, 4 the summary's state
    # with the fingerprint (whether the page kept is still the summary's), 5 the page stamps
    # with the unread count. Neither the figures, nor the filter's choices, nor the navbar.
    with django_assert_num_queries(5):
        response = client.get(reverse(REPORT_URL), params)
    assert _without_tokens(response.content.decode()) == _without_tokens(first)
    assert f'id="total-employees">{sections * positions * per_cell}<' in first


@pytest.mark.parametrize(("sections", "positions", "per_cell", "competencies"), [(1, 1, 1, 2), (3, 4, 3, 8)])
def test_live_report_query_count_is_flat(
    client, cast, django_assert_num_queries, sections, positions, per_cell, competencies
):
    _organisation(sections, positions, per_cell, competencies)
    client.force_login(cast.hc)
    section = SectionFactory()
    # Without a summary, or filtered while it is behind, the report is computed for the page:
    # 1 session, 2 viewer, 3 HC group, 4 sections, 5 positions, 6 the summary's state (no
    # batch yet), 7 a refresh is asked for, 8 figures by section and position, 9 by
    # competency, 10 the monthly series, 11-12 the navbar.
    with django_assert_num_queries(12):
        response = client.get(reverse(REPORT_URL), {"section": section.pk, "position": ""})
    assert response.status_code == 200 and response.context["freshness"].live


@pytest.mark.parametrize(("sections", "positions", "per_cell", "competencies"), [(1, 1, 1, 2), (3, 4, 3, 8)])
@pytest.mark.parametrize("table", ["section", "competency"])
def test_export_query_count_is_flat(
    client, cast, django_assert_num_queries, sections, positions, per_cell, competencies, table
):
    _organisation(sections, positions, per_cell, competencies)
    summary_refresh()
    client.force_login(cast.hc)
    # session, viewer, HC group, sections, positions, the summary's state with the fingerprint,
    # and its cells, competencies and months (the whole report: a handful of rows each).
    with django_assert_num_queries(9):
        assert client.get(reverse(EXPORT_URL), {"table": table, "format": "xlsx"}).status_code == 200
