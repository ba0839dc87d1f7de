"""The organisation report's summary: the same figures as the live report after every kind of
change through the product's doors, never shown as current when it is behind, and the page's
freshness line."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import AssessmentResult
from assessments.services.results import result_record
from assessments.services.voiding import result_void
from competencies.models import CompetencyLevel, ReportSummaryBatch, ReportSummaryState
from competencies.report_summary import STATE_PK, summary_refresh, summary_report
from competencies.selectors.reports import organisation_report
from competencies.services import level_override, target_set
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory
from tests.hrportal.factories import HcUserFactory, PositionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORT_URL = "competencies:reports"


@pytest.fixture
def small_org(db):
    """Two sections, two positions, three competencies, five people (one without a section);
    two assessments, one whose passes lapse after a month."""
    hc = HcUserFactory(username="summary_hc", position=None, section=None, employee_number=None)
    sections = [SectionFactory(name="North"), SectionFactory(name="South")]
    positions = [PositionFactory(name="Operator"), PositionFactory(name="Lead")]
    competencies = [CompetencyFactory(code=code, name=f"Skill {code}") for code in "ABC"]
    for position, levels in zip(positions, [(3, 2, 0), (4, None, 2)], strict=True):
        for competency, level in zip(competencies, levels, strict=True):
            if level is not None:
                PositionTargetFactory(position=position, competency=competency, target_level=level)
    people = [
        UserFactory(username=f"p{k}", section=sections[k % 2] if k < 4 else None, position=positions[k % 2])
        for k in range(5)
    ]
    lasting = AssessmentFactory(title="Lasting", code="LAST")
    lapsing = AssessmentFactory(title="Lapsing", code="LAPSE", validity_months=1)
    CompetencyMappingFactory(assessment=lasting, category="", competency=competencies[0], level_granted=3)
    CompetencyMappingFactory(assessment=lasting, category="", competency=competencies[2], level_granted=2)
    CompetencyMappingFactory(assessment=lapsing, category="", competency=competencies[1], level_granted=4)
    return {
        "hc": hc,
        "sections": sections,
        "positions": positions,
        "competencies": competencies,
        "people": people,
        "assessments": [lasting, lapsing],
    }


def _filters(org) -> list[dict]:
    return [
        {"section_id": section, "position_id": position}
        for section in [None, *(s.pk for s in org["sections"])]
        for position in [None, *(p.pk for p in org["positions"])]
    ]


def _assert_never_silently_wrong(org, now) -> list[bool]:
    """Every filter: the summary's report equals the live one, or says it is behind. Returns
    whether each read was behind."""
    today = timezone.localdate()
    behind = []
    for filters in _filters(org):
        summary = summary_report(today=today, now=now, **filters)
        live = organisation_report(today=today, now=now, **filters)
        assert summary.behind or summary.report == live, filters
        behind.append(summary.behind)
    return behind


# One change through a door: (kind, person, competency or position, a number).
CHANGES = st.tuples(
    st.sampled_from(["result", "void", "override", "target", "move", "deactivate", "later"]),
    st.integers(0, 4),
    st.integers(0, 2),
    st.integers(0, 5),
)


def _apply(org, change, clock) -> None:
    kind, person_index, index, number = change
    hc, person = org["hc"], org["people"][person_index]
    now = timezone.now()
    if kind == "result":
        assessment = org["assessments"][index % 2]
        completed = now - timedelta(days=40 * (number % 3), minutes=number)
        result_record(
            employee=person, assessment=assessment, score=60 + 8 * number, completed_at=completed, recorded_by=hc
        )
    elif kind == "void":
        result = AssessmentResult.objects.filter(voided_at__isnull=True).order_by("pk").first()
        if result is not None:
            result_void(result=result, reason="Wrong sheet", by=hc)
    elif kind == "override":
        level_override(employee=person, competency=org["competencies"][index], level=number, reason="Seen", by=hc)
    elif kind == "target":
        level = None if number == 5 else number
        target_set(
            position=org["positions"][index % 2],
            competency=org["competencies"][index],
            level=level,
            by=hc,
            weight=1 + number % 5 if level is not None else None,
        )
    elif kind == "move":
        # The admin and the employee import save the person: no door tells the summary.
        person.section = org["sections"][number % 2] if number < 4 else None
        person.position = org["positions"][index % 2]
        person.save()
    elif kind == "deactivate":
        person.is_active = not person.is_active
        person.save()
    else:  # time passes: a level granted by the lapsing assessment may have expired
        clock[0] += timedelta(days=20 * (number + 1))


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(changes=st.lists(CHANGES, min_size=1, max_size=6))
def test_the_summary_equals_the_live_report_after_any_changes(small_org, django_capture_on_commit_callbacks, changes):
    with transaction.atomic():
        clock = [timezone.now()]
        with django_capture_on_commit_callbacks(execute=True):
            summary_refresh()
        for change in changes:
            # The doors' after-commit work runs (the immediate task backend refreshes at once).
            with django_capture_on_commit_callbacks(execute=True):
                _apply(small_org, change, clock)
            # Read: right, or saying it is behind (which queues a refresh that runs here).
            with django_capture_on_commit_callbacks(execute=True):
                _assert_never_silently_wrong(small_org, clock[0])
            behind = _assert_never_silently_wrong(small_org, clock[0])
            batch = ReportSummaryState.objects.get(pk=STATE_PK).batch
            # After the refresh it queued, only time (an expiry the refresh did not reach) keeps it behind.
            assert not any(behind) or (batch.next_expiry is not None and batch.next_expiry <= clock[0])
        transaction.set_rollback(True)


def test_a_level_change_marks_the_summary_stale_until_the_refresh_runs(small_org, django_capture_on_commit_callbacks):
    org = small_org
    with django_capture_on_commit_callbacks(execute=True):
        summary_refresh()
    assert not summary_report(today=timezone.localdate()).behind
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result_record(
            employee=org["people"][0],
            assessment=org["assessments"][0],
            score=90,
            completed_at=timezone.now(),
            recorded_by=org["hc"],
        )
    assert len(callbacks) >= 1
    for callback in callbacks:
        # Mark stale, but leave the queued refresh unrun (as when the worker is busy).
        if type(callback).__name__ == "_MarkStale":
            with django_capture_on_commit_callbacks(execute=False):
                callback()
    state = ReportSummaryState.objects.get(pk=STATE_PK)
    assert state.stale_since is not None and state.requested_at is not None
    unfiltered = summary_report(today=timezone.localdate())
    assert unfiltered.behind and not unfiltered.live
    filtered = summary_report(today=timezone.localdate(), section_id=org["sections"][0].pk)
    assert filtered.live and not filtered.behind  # a section is cheap: computed for the page
    assert filtered.report == organisation_report(today=timezone.localdate(), section_id=org["sections"][0].pk)
    summary_refresh()
    fresh = summary_report(today=timezone.localdate())
    assert not fresh.behind and fresh.report == organisation_report(today=timezone.localdate())


def test_an_older_refresh_never_replaces_a_newer_batch(small_org):
    from competencies import report_summary

    first, second = report_summary._claim(), report_summary._claim()
    newer = report_summary._compute(second, timezone.now())
    report_summary._publish(newer)
    older = report_summary._compute(first, timezone.now())
    report_summary._publish(older)
    assert ReportSummaryState.objects.get(pk=STATE_PK).batch == newer
    assert list(ReportSummaryBatch.objects.values_list("claim", flat=True)) == [second]


def test_the_page_says_how_fresh_its_figures_are(client, small_org, django_capture_on_commit_callbacks):
    client.force_login(small_org["hc"])
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert "computed for this page" in html  # no summary yet: live
    with django_capture_on_commit_callbacks(execute=True):
        batch = summary_refresh()
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert 'id="report-freshness"' in html and "(up to date)" in html
    assert timezone.localtime(batch.computed_at).strftime("%H:%M") in html
    # Someone moves (no door tells the summary): the page says its figures are behind.
    person = small_org["people"][0]
    person.section = small_org["sections"][1]
    person.save()
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert "are not counted yet" in html
    # A past view is computed from the histories and has no freshness line.
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    assert 'id="report-freshness"' not in client.get(reverse(REPORT_URL), {"as_of": past}).content.decode()


def test_a_results_import_queues_a_refresh_after_its_commit(small_org, django_capture_on_commit_callbacks):
    from assessments.results_import import results_import_apply, results_import_plan

    org = small_org
    with django_capture_on_commit_callbacks(execute=True):
        summary_refresh()
    before = ReportSummaryState.objects.get(pk=STATE_PK).batch_id
    person = org["people"][1]
    content = f"employee_number,LAST\n{person.employee_number},95\n".encode()
    plan = results_import_plan(
        content=content, fmt="csv", file_name="r.csv", by=org["hc"], completed_at=timezone.now().isoformat(), columns={}
    )
    with django_capture_on_commit_callbacks(execute=True):
        results_import_apply(plan=plan, by=org["hc"])
    state = ReportSummaryState.objects.get(pk=STATE_PK)
    assert state.batch_id != before and state.stale_since is None and state.pending_since is None
    assert summary_report(today=timezone.localdate()).report == organisation_report(today=timezone.localdate())
    assert CompetencyLevel.objects.filter(employee=person).exists()  # the import changed a level


def test_a_level_change_before_any_read_queues_the_first_refresh(small_org, django_capture_on_commit_callbacks):
    org = small_org
    assert ReportSummaryState.objects.get(pk=STATE_PK).batch is None  # the row comes with the migrations
    with django_capture_on_commit_callbacks(execute=True):
        level_override(
            employee=org["people"][2], competency=org["competencies"][0], level=4, reason="Seen", by=org["hc"]
        )
    summary = summary_report(today=timezone.localdate())
    assert not summary.live and not summary.behind
    assert summary.report == organisation_report(today=timezone.localdate())


# The page kept in the cache (competencies.views.reports.report): whole, for every HC viewer,
# until the summary, the filter or the language changes. Each test first shows that the second
# view IS a hit, so that the check after the change would fail if the key missed it.


def _queries(client, params=None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(REPORT_URL), params or {})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _cached(client, params=None) -> str:
    miss, _ = _queries(client, params)
    hit, html = _queries(client, params)
    assert hit < miss, f"not served from the cache ({hit} queries, then {miss})"
    return html


def _total_employees(html: str) -> int:
    match = re.search(r'id="total-employees">(\d+)<', html)
    assert match, "no total"
    return int(match.group(1))


@pytest.fixture
def refreshed(client, small_org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary_refresh()
    client.force_login(small_org["hc"])
    return small_org


def _gap_total(html: str, code: str) -> int:
    """The total gap of competency `code` in the page's competency table."""
    table = html[html.index('id="competency-table"') :]
    match = re.search(rf'<tr data-code="{code}">.*?</tr>', table, re.S)
    assert match, f"no row {code}"
    return int(re.findall(r'<td class="num">([^<]*)</td>', match.group(0))[4])


def _live_gap_total(code: str) -> int:
    return next(
        row.gap_total for row in organisation_report(today=timezone.localdate()).by_competency if row.code == code
    )


def test_a_refresh_of_the_summary_shows_at_once(client, refreshed, django_capture_on_commit_callbacks):
    org = refreshed
    before = _live_gap_total("A")
    html = _cached(client)
    assert "(up to date)" in html and _gap_total(html, "A") == before
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        level_override(
            employee=org["people"][0], competency=org["competencies"][0], level=3, reason="Seen", by=org["hc"]
        )
    for callback in callbacks:
        # Mark stale, but leave the queued refresh unrun (as when the worker is busy).
        if type(callback).__name__ == "_MarkStale":
            with django_capture_on_commit_callbacks(execute=False):
                callback()
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert "are not counted yet" in html and _gap_total(html, "A") == before  # the batch's, saying so
    with django_capture_on_commit_callbacks(execute=True):
        batch = summary_refresh()
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert "(up to date)" in html and _gap_total(html, "A") == _live_gap_total("A") == before - 3
    assert timezone.localtime(batch.computed_at).strftime("%H:%M") in html


def test_a_results_import_shows_at_once(client, refreshed, django_capture_on_commit_callbacks):
    from assessments.results_import import results_import_apply, results_import_plan

    org = refreshed
    before = _live_gap_total("A")
    assert _gap_total(_cached(client), "A") == before
    person = org["people"][1]  # a Lead: target 4 in A, which LAST grants at 3
    plan = results_import_plan(
        content=f"employee_number,LAST\n{person.employee_number},95\n".encode(),
        fmt="csv",
        file_name="r.csv",
        by=org["hc"],
        completed_at=timezone.now().isoformat(),
        columns={},
    )
    with django_capture_on_commit_callbacks(execute=True):  # the refresh it queues runs at once
        results_import_apply(plan=plan, by=org["hc"])
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert "(up to date)" in html and _gap_total(html, "A") == _live_gap_total("A") == before - 3


def test_a_move_no_door_tells_shows_the_page_behind_at_once(client, refreshed):
    org = refreshed
    assert "(up to date)" in _cached(client)
    person = org["people"][0]
    person.section = org["sections"][1]
    person.save()  # no door: the fingerprint read with the state sees it
    assert "are not counted yet" in client.get(reverse(REPORT_URL)).content.decode()


def test_the_filter_is_part_of_the_key(client, refreshed):
    org = refreshed
    assert _total_employees(_cached(client)) == 5
    north = {"section": org["sections"][0].pk, "position": ""}
    html = _cached(client, north)
    assert _total_employees(html) == 2 and "(up to date)" in html
    assert f'<option value="{org["sections"][0].pk}" selected>North</option>' in html
    lead = {"section": "", "position": org["positions"][1].pk}
    assert _total_employees(_cached(client, lead)) == 2
    assert _total_employees(client.get(reverse(REPORT_URL)).content.decode()) == 5


def test_the_language_is_part_of_the_key(client, refreshed):
    assert "Organisation report" in _cached(client)
    client.post(reverse("language_set"), {"language": "id", "next": reverse(REPORT_URL)})
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert 'lang="id"' in html and "Organisation report" not in html
    assert "(up to date)" not in html  # the freshness line in Indonesian too


def test_a_section_renamed_in_the_admin_shows_at_once(client, refreshed):
    org = refreshed
    assert "North" in _cached(client)
    north = org["sections"][0]
    url = reverse("admin:hrportal_section_change", args=[north.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(name="Northern Plant")
    assert client.post(url, data).status_code == 302
    html = client.get(reverse(REPORT_URL)).content.decode()
    assert "Northern Plant" in html and ">North<" not in html


def test_every_hc_viewer_reuses_one_render_of_the_body(client, refreshed):
    _cached(client)
    other = Client()
    other.force_login(HcUserFactory(username="second_hc", position=None, section=None, employee_number=None))
    with CaptureQueriesContext(connection) as queries:
        html = other.get(reverse(REPORT_URL)).content.decode()
    # Their own navbar, around the body kept for everyone: no figures and no filter choices read.
    sqls = " ".join(query["sql"] for query in queries)
    assert "reportcellfigures" not in sqls and "hrportal_section" not in sqls
    assert "(up to date)" in html and _total_employees(html) == 5


def test_a_report_computed_for_the_page_is_never_kept(client, refreshed):
    org = refreshed
    ReportSummaryState.objects.filter(pk=STATE_PK).update(stale_since=timezone.now(), requested_at=timezone.now())
    north = {"section": org["sections"][0].pk, "position": ""}
    first, html = _queries(client, north)
    assert "computed for this page" in html
    again, html = _queries(client, north)
    assert again == first and "computed for this page" in html
    # The unfiltered page from the batch says it is behind, and is kept as such.
    assert "are not counted yet" in _cached(client)


def test_a_past_day_and_other_parameters_are_never_kept(client, refreshed):
    past = {"as_of": (timezone.localdate() - timedelta(days=3)).isoformat()}
    odd = {"section": "", "sort": "name"}
    for params in (past, odd, past, odd):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(REPORT_URL), params).status_code == 200
        # Rendered each time: the filter's choices are read.
        assert any('"hrportal_section"' in query["sql"] for query in queries), params
