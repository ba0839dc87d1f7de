"""The organisation report's summary: the same figures as the live report after every kind of
change through the product's doors, never shown as current when it is behind, and the page's
freshness line."""

from datetime import timedelta

import pytest
from django.db import transaction
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
