"""Gaps as of a past day (competencies.selectors.as_of): a history with targets and levels
changing on known dates, a void and an override, checked on the dashboard, the heatmap and
the report; the report's SQL and the Python selectors against a plain replay; the page's
date field, banner and messages; query budgets."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services.results import result_record
from assessments.services.voiding import result_void
from competencies import rules
from competencies.models import CompetencyLevel, CompetencyLevelHistory, LevelSource, PositionTargetHistory
from competencies.selectors.as_of import end_of_day
from competencies.selectors.gaps import employee_gaps
from competencies.selectors.reports import competency_figures, group_figures, month_ends, organisation_report
from competencies.selectors.team import team_heatmap
from competencies.services import level_override, level_raise, target_set
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, give_level
from tests.hrportal.factories import HcUserFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "competencies:employee_gaps"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def redate_last_level_change(employee, competency, when: datetime) -> None:
    """Date the newest history row of a level `when`: test set-up only (services date a void or
    an override now); the application never edits history."""
    row = CompetencyLevelHistory.objects.filter(employee=employee, competency=competency).order_by("-pk").first()
    CompetencyLevelHistory.objects.filter(pk=row.pk).update(changed_at=when)


@pytest.fixture
def story(db):
    """Operator targets and Eko's levels, by date (Asia/Jakarta):

    targets  2026-01-10 A 3, B 2 · 2026-03-01 B 4, C 2 · 2026-04-15 A removed (not applicable)
    levels   A 2 (2026-01-20), A 3 (2026-02-10)
             B 2 from an OJ result (2026-02-05), voided on 2026-03-20 (back to 0),
               HC override to 3 (2026-04-01)
             C 2 from a licence (2026-04-20) that lapses on 2026-05-10
    """
    hc = HcUserFactory(username="asof_hc", position=None, section=None, employee_number=None)
    supervisor = UserFactory(username="asof_boss", position=None)
    operator = PositionFactory(name="Operator")
    eko = UserFactory(username="eko", first_name="Eko", last_name="Prasetyo", position=operator, supervisor=supervisor)
    comp = {code: CompetencyFactory(code=code, name=f"Skill {code}") for code in "ABC"}
    for code, level, when in [
        ("A", 3, at(2026, 1, 10, 9)),
        ("B", 2, at(2026, 1, 10, 9)),
        ("B", 4, at(2026, 3, 1, 9)),
        ("C", 2, at(2026, 3, 1, 9)),
        ("A", None, at(2026, 4, 15, 9)),
    ]:
        target_set(position=operator, competency=comp[code], level=level, by=hc, at=when)
    give_level(eko, comp["A"], 2)
    redate_last_level_change(eko, comp["A"], at(2026, 1, 20, 10))
    give_level(eko, comp["A"], 3)
    redate_last_level_change(eko, comp["A"], at(2026, 2, 10, 10))
    oj = AssessmentFactory(title="OJ B level 2", category="Assessment OJ")
    CompetencyMappingFactory(assessment=oj, category="", competency=comp["B"], level_granted=2)
    recorded = result_record(
        employee=eko, assessment=oj, score=Decimal(90), completed_at=at(2026, 2, 5, 14), recorded_by=hc
    )
    assert recorded.level_changes
    result_void(result=recorded.result, reason="Signed off by the wrong assessor", by=hc)
    redate_last_level_change(eko, comp["B"], at(2026, 3, 20, 11))
    level_override(employee=eko, competency=comp["B"], level=3, reason="Re-assessed on site", by=hc)
    redate_last_level_change(eko, comp["B"], at(2026, 4, 1, 8))
    level_raise(
        employee=eko,
        competency=comp["C"],
        level=2,
        source=LevelSource.ASSESSMENT,
        evidence=None,
        evidence_note="Licence",
        achieved_at=at(2026, 4, 20, 9),
        expires_at=at(2026, 5, 10, 9),
        by=None,
    )
    return {"hc": hc, "supervisor": supervisor, "eko": eko, "operator": operator, "comp": comp}


# (code, target, current, gap, status) of every row, largest gap first, on each day.
EXPECTED = {
    date(2026, 1, 5): [],  # before any history: nothing applicable yet
    date(2026, 1, 15): [("A", 3, 0, 3, "not_started"), ("B", 2, 0, 2, "not_started")],
    date(2026, 2, 7): [("A", 3, 2, 1, "gap"), ("B", 2, 2, 0, "met")],
    date(2026, 3, 10): [("B", 4, 2, 2, "gap"), ("C", 2, 0, 2, "not_started"), ("A", 3, 3, 0, "met")],
    date(2026, 3, 25): [("B", 4, 0, 4, "not_started"), ("C", 2, 0, 2, "not_started"), ("A", 3, 3, 0, "met")],
    date(2026, 4, 16): [("C", 2, 0, 2, "not_started"), ("B", 4, 3, 1, "gap")],
    date(2026, 4, 25): [("B", 4, 3, 1, "gap"), ("C", 2, 2, 0, "met")],
    date(2026, 5, 12): [("C", 2, 0, 2, "expired"), ("B", 4, 3, 1, "gap")],
}


def rows_of(report) -> list[tuple]:
    return [(row.code, row.target, row.current, row.gap, row.status.value) for row in report.rows]


@pytest.mark.parametrize("day", list(EXPECTED))
def test_the_dashboard_shows_the_gap_as_it_stood_at_the_end_of_each_day(client, story, day):
    client.force_login(story["supervisor"])
    response = client.get(reverse(DASHBOARD, args=[story["eko"].pk]), {"as_of": day.isoformat()})
    assert response.status_code == 200
    assert rows_of(response.context["report"]) == EXPECTED[day]
    html = response.content.decode()
    assert "As it stood at the end of" in html
    assert f"{day.day} {day:%b} {day.year}" in html
    if not EXPECTED[day]:
        assert "nothing was applicable yet" in html


def test_a_past_day_is_shown_from_that_days_evidence_and_read_only(client, story):
    client.force_login(story["eko"])
    response = client.get(reverse("competencies:my_gaps"), {"as_of": "2026-03-25"})
    html = response.content.decode()
    rows = {row.code: row for row in response.context["report"].rows}
    assert "voided" in rows["B"].evidence_note.lower() or "signed off" in rows["B"].evidence_note.lower()
    assert rows["B"].achieved_at == at(2026, 3, 20, 11)
    # No plan buttons or assessments to take on a past day, and a way back to today.
    assert "Plan it" not in html and "Development" not in html
    assert 'href="/gap/"' in html and "Back to today" in html
    today = client.get(reverse("competencies:my_gaps")).content.decode()
    assert "Plan it" in today and "As it stood" not in today


def test_the_expiry_of_a_day_counts_that_day_as_now(story):
    eko = story["eko"]
    before = {row.code: row for row in employee_gaps(employee=eko, as_of=end_of_day(date(2026, 5, 9))).rows}
    assert (before["C"].current, before["C"].expired, before["C"].expiring) == (2, False, True)
    on_the_day = {row.code: row for row in employee_gaps(employee=eko, as_of=end_of_day(date(2026, 5, 10))).rows}
    assert (on_the_day["C"].current, on_the_day["C"].stored_level, on_the_day["C"].expired) == (0, 2, True)


def test_today_shows_the_live_dashboard(client, story):
    client.force_login(story["eko"])
    live = client.get(reverse("competencies:my_gaps"))
    today = client.get(reverse("competencies:my_gaps"), {"as_of": timezone.localdate().isoformat()})
    assert rows_of(today.context["report"]) == rows_of(live.context["report"]) == EXPECTED[date(2026, 5, 12)]
    assert "As it stood" not in today.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12/05/2026", "Enter the date as YYYY-MM-DD"),
        ("2026-02-30", "Enter the date as YYYY-MM-DD"),
        ("yesterday", "Enter the date as YYYY-MM-DD"),
        ("2999-01-01", "is in the future"),
    ],
)
def test_a_bad_or_future_date_is_a_message_with_todays_view(client, story, value, message):
    client.force_login(story["eko"])
    for url in (reverse("competencies:my_gaps"), reverse("competencies:team")):
        client.force_login(story["supervisor"] if "team" in url else story["eko"])
        response = client.get(url, {"as_of": value})
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert "As it stood" not in html
    client.force_login(story["hc"])
    response = client.get(reverse("competencies:reports"), {"as_of": value})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_date_field_is_labelled_and_keeps_the_chosen_day(client, story):
    client.force_login(story["eko"])
    html = client.get(reverse("competencies:my_gaps"), {"as_of": "2026-02-07"}).content.decode()
    assert 'for="id_as_of"' in html and "As of" in html
    assert 'type="date"' in html and 'value="2026-02-07"' in html


# The heatmap and the report on the same story


def cell_of(heatmap, code):
    index = [column.code for column in heatmap.columns].index(code)
    return heatmap.rows[0].cells[index]


@pytest.mark.parametrize("day", [d for d in EXPECTED if EXPECTED[d]])
def test_the_heatmap_agrees_with_the_dashboard_on_each_day(client, story, day):
    client.force_login(story["supervisor"])
    response = client.get(reverse("competencies:team"), {"as_of": day.isoformat()})
    assert response.status_code == 200
    heatmap = response.context["heatmap"]
    cells = {
        column.code: (cell.target, cell.current, cell.gap, cell.kind.value)
        for column, cell in zip(heatmap.columns, heatmap.rows[0].cells, strict=True)
    }
    expected = {code: (target, current, gap, status) for code, target, current, gap, status in EXPECTED[day]}
    kinds = {"met": "met", "not_started": "not-started", "expired": "expired"}
    assert cells == {
        code: (target, current, gap, kinds.get(status, f"gap-{min(gap, 3)}"))
        for code, (target, current, gap, status) in expected.items()
    }
    html = response.content.decode()
    assert "As it stood at the end of" in html
    # The cells open the employee's dashboard on the same day.
    assert f"/gap/{story['eko'].pk}/?as_of={day.isoformat()}" in html


@pytest.mark.parametrize("day", list(EXPECTED))
def test_the_report_agrees_with_the_dashboard_on_each_day(client, story, day):
    client.force_login(story["hc"])
    response = client.get(reverse("competencies:reports"), {"as_of": day.isoformat()})
    assert response.status_code == 200
    report = response.context["report"]
    rows = EXPECTED[day]
    assert (report.total.assignments, report.total.met, report.total.gap_total) == (
        len(rows),
        sum(1 for row in rows if row[4] == "met"),
        sum(max(row[3], 0) for row in rows),
    )
    assert [(row.code, row.met, row.gap_total) for row in report.by_competency] == sorted(
        (code, int(status == "met"), max(gap, 0)) for code, _target, _current, gap, status in rows
    )
    assert report.today == day
    html = response.content.decode()
    assert "As it stood at the end of" in html
    # The section risks are today's, on a page of their own: a past report only links there.
    assert "section_risks" not in response.context
    assert ("worked out from today's levels only" in html) == bool(rows)


def test_the_progress_line_uses_the_targets_of_each_month_end(story):
    progress = organisation_report(today=date(2026, 6, 3)).progress
    by_month = {point.month_end: (point.met, point.assignments) for point in progress}
    # End of January: A 3 (level 2), B 2 (none); February: A met, B met (the OJ result);
    # March: B raised to 4 (voided to 0), C 2 new; April: A removed, B 3 of 4, C 2 met.
    assert by_month[date(2025, 12, 31)] == (0, 0)
    assert by_month[date(2026, 1, 31)] == (0, 2)
    assert by_month[date(2026, 2, 28)] == (2, 2)
    assert by_month[date(2026, 3, 31)] == (1, 3)
    assert by_month[date(2026, 4, 30)] == (1, 2)
    # May: the licence for C lapsed on the 10th.
    assert by_month[date(2026, 5, 31)] == (0, 2)


def test_the_export_follows_the_day(client, story):
    client.force_login(story["hc"])
    response = client.get(reverse("competencies:reports"), {"as_of": "2026-02-07"})
    links = response.context["tables"][0]["links"]
    assert "as_of=2026-02-07" in links["csv"]
    export = client.get(
        reverse("competencies:reports_export"), {"table": "competency", "format": "csv", "as_of": "2026-02-07"}
    )
    lines = export.content.decode().splitlines()
    assert lines[1].startswith("A,Skill A,1,0,")
    assert lines[2].startswith("B,Skill B,1,1,")
    assert "2026-02-07" in export["Content-Disposition"]


# The fast path (the report's SQL) and the Python selectors against a plain replay


def replay(*, people, moment) -> dict[tuple[int, int], tuple[int, int | None, bool]]:
    """{(employee, competency): (target, level or None, expired)} of every assignment at
    `moment`, replayed row by row from the histories as competencies.selectors.as_of states."""
    target_rows = list(PositionTargetHistory.objects.order_by("changed_at", "pk"))
    level_rows = list(CompetencyLevelHistory.objects.order_by("changed_at", "pk"))
    records = {(lv.employee_id, lv.competency_id): lv for lv in CompetencyLevel.objects.all()}
    out = {}
    for person in people:
        targets: dict[int, int | None] = {}
        for row in target_rows:
            if row.position_id == person.position_id and row.changed_at <= moment:
                targets[row.competency_id] = row.new_level
        for competency_id, target in targets.items():
            if target is None:
                continue
            rows = [h for h in level_rows if (h.employee_id, h.competency_id) == (person.pk, competency_id)]
            before = [h for h in rows if h.changed_at <= moment]
            level = before[-1].new_level if before else None
            record = records.get((person.pk, competency_id))
            expired = (
                level is not None
                and len(before) == len(rows)
                and record is not None
                and rules.is_expired(record.expires_at, moment)
            )
            out[(person.pk, competency_id)] = (target, None if expired else level, expired)
    return out


@pytest.fixture
def random_history(db):
    """Targets set, changed and removed, levels raised, overridden down and up and given
    lapsing evidence, on random dates through 2025."""
    rng = random.Random(11)
    hc = HcUserFactory(position=None, section=None)
    comps = [CompetencyFactory() for _ in range(5)]
    positions = [PositionFactory() for _ in range(2)]
    people = [UserFactory(position=rng.choice(positions)) for _ in range(6)]
    when = at(2025, 1, 1)
    for _ in range(90):
        when += timedelta(days=rng.randint(0, 8), hours=rng.randint(0, 23))
        if rng.random() < 0.25:
            level = rng.choice([None, 0, 1, 2, 3, 4, 5])
            target_set(position=rng.choice(positions), competency=rng.choice(comps), level=level, by=hc, at=when)
            continue
        employee, competency = rng.choice(people), rng.choice(comps)
        current = CompetencyLevel.objects.filter(employee=employee, competency=competency).first()
        level = rng.randint(0, 5)
        if current is None or level > current.level:
            lapses = when + timedelta(days=rng.randint(5, 60)) if rng.random() < 0.4 else None
            level_raise(
                employee=employee,
                competency=competency,
                level=level,
                source=LevelSource.ASSESSMENT,
                evidence=None,
                evidence_note="Random",
                achieved_at=when,
                expires_at=lapses,
                by=None,
            )
        elif level != current.level:
            level_override(employee=employee, competency=competency, level=level, reason="Re-assessed", by=hc)
            redate_last_level_change(employee, competency, when)
    return {"people": people, "positions": positions, "comps": comps}


def test_the_report_and_the_selectors_agree_with_a_plain_replay(random_history):
    people = random_history["people"]
    days = [date(2025, 1, 1)] + [date(2025, month, 14) for month in range(2, 13)] + [date(2026, 1, 20)]
    moved = set()
    for day in days:
        moment = end_of_day(day)
        expected = replay(people=people, moment=moment)
        moved.add(tuple(sorted(expected.items())))
        # The dashboards' Python.
        for person in people:
            report = employee_gaps(employee=person, as_of=moment)
            assert {(person.pk, row.competency_id): (row.target, row.current, row.expired) for row in report.rows} == {
                key: (t, rules.current_level(lv), ex) for key, (t, lv, ex) in expected.items() if key[0] == person.pk
            }
        heatmap = team_heatmap(members=people, as_of=moment)
        met = sum(1 for row in heatmap.rows for cell in row.cells if cell.target is not None and cell.kind == "met")
        assert met == sum(rules.is_met(t, lv) for t, lv, _ in expected.values())
        # The report's SQL.
        figures = group_figures(as_of=moment).total
        assert (figures.assignments, figures.met, figures.gap_total) == (
            len(expected),
            sum(rules.is_met(t, lv) for t, lv, _ in expected.values()),
            sum(rules.positive_gap(t, lv) for t, lv, _ in expected.values()),
        )
        by_competency = {row.pk: (row.assignments, row.met, row.gap_total) for row in competency_figures(as_of=moment)}
        for competency in random_history["comps"]:
            mine = [(t, lv) for (_, cid), (t, lv, _) in expected.items() if cid == competency.pk]
            if mine:
                assert by_competency[competency.pk] == (
                    len(mine),
                    sum(rules.is_met(t, lv) for t, lv in mine),
                    sum(rules.positive_gap(t, lv) for t, lv in mine),
                )
    assert len(moved) >= 8  # the data really moves over the year

    # The monthly series, each month end against that month end's targets.
    series = organisation_report(today=date(2026, 1, 20)).progress
    for end, point in zip(month_ends(date(2026, 1, 20)), series, strict=True):
        expected = replay(people=people, moment=end_of_day(end))
        assert (point.met, point.assignments) == (
            sum(rules.is_met(t, lv) for t, lv, _ in expected.values()),
            len(expected),
        ), end


def test_the_live_report_equals_the_report_as_of_now(random_history):
    live = group_figures().total
    now = group_figures(as_of=timezone.now()).total
    assert (live.assignments, live.met, live.gap_total, live.employees_in_gap) == (
        now.assignments,
        now.met,
        now.gap_total,
        now.employees_in_gap,
    )


# Query budgets


def _team(size: int, competencies: int):
    """A supervisor with `size` reports on one position targeting every competency, each with a
    level (raised twice, so with history) in every other competency."""
    hc = HcUserFactory(position=None, section=None)
    supervisor = UserFactory(position=None)
    position = PositionFactory()
    comps = [CompetencyFactory() for _ in range(competencies)]
    for i, competency in enumerate(comps):
        target_set(position=position, competency=competency, level=1 + i % 5, by=hc, at=at(2026, 1, 1))
    members = [UserFactory(position=position, supervisor=supervisor) for _ in range(size)]
    for member in members:
        for competency in comps[::2]:
            give_level(member, competency, 1)
            give_level(member, competency, 2)
    return supervisor, members


@pytest.mark.parametrize(("size", "competencies"), [(1, 2), (8, 12)])
def test_past_dashboard_query_count_is_flat(client, django_assert_num_queries, size, competencies):
    _supervisor, members = _team(size, competencies)
    client.force_login(members[0])
    # 1 session, 2 viewer, 3 the employee with position and section, 4 target history,
    # 5 current targets, 6 level history, 7 level records' expiry dates, 8 navbar's direct
    # reports, 9 navbar's unread count. No IDP items or assessments are read on a past day,
    # and no evidence results here (none of these levels came from a result).
    with django_assert_num_queries(9):
        response = client.get(reverse("competencies:my_gaps"), {"as_of": "2026-11-30"})
    assert len(response.context["report"].rows) == competencies


@pytest.mark.parametrize(("size", "competencies"), [(1, 2), (8, 12)])
def test_past_heatmap_query_count_is_flat(client, django_assert_num_queries, size, competencies):
    supervisor, _members = _team(size, competencies)
    client.force_login(supervisor)
    # 1 session, 2 viewer, 3 has direct reports, 4 members, 5 target history, 6 current
    # targets, 7 level history, 8 level records' expiry dates, 9 navbar's direct reports,
    # 10 navbar's unread count.
    with django_assert_num_queries(10):
        response = client.get(reverse("competencies:team"), {"as_of": "2026-11-30"})
    assert len(response.context["heatmap"].rows) == size


@pytest.mark.parametrize(("size", "competencies"), [(1, 2), (8, 12)])
def test_past_report_query_count_is_flat(client, django_assert_num_queries, size, competencies):
    _team(size, competencies)
    hc = HcUserFactory(username="report_reader", position=None, section=None)
    client.force_login(hc)
    # 1 session, 2 viewer, 3 viewer's HC group, 4 sections and 5 positions (the filter's
    # choices), 6 figures by section and position then, 7 figures by competency then, 8 the
    # monthly series, 9 navbar's direct reports, 10 navbar's unread count.
    with django_assert_num_queries(10):
        response = client.get(reverse("competencies:reports"), {"as_of": "2026-11-30"})
    assert response.context["report"].total.employees == size
