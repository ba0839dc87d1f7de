"""Proctoring without a camera: the attempt page's reports, the integrity points, flagging."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    EVENT_SEVERITY,
    Attempt,
    AttemptStatus,
    FinishReason,
    IntegrityEvent,
    IntegrityEventKind,
    ReviewStatus,
)
from assessments.services import result_record
from assessments.services.integrity import (
    MAX_EVENTS_PER_BATCH,
    MAX_EVENTS_PER_MINUTE,
    EventReport,
    attempt_integrity_summary,
    integrity_events_record,
)
from tests.assessments.factories import published_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The rate limit counts in the cache, which outlives a test's database rollback (and ids repeat).
    cache.clear()
    yield
    cache.clear()


def make_attempt(*, employee, assessment=None, minutes_ago: int = 5, minutes_left: int = 25, **fields) -> Attempt:
    """An open attempt of `employee`, started `minutes_ago`, without questions (the events
    need none). A local factory: the lead's attempt_start draws questions and checks availability."""
    assessment = assessment or published_assessment(questions=1)
    now = timezone.now()
    return Attempt.objects.create(
        assessment=assessment,
        employee=employee,
        started_at=now - timedelta(minutes=minutes_ago),
        deadline=now + timedelta(minutes=minutes_left),
        **fields,
    )


def finish_attempt(attempt: Attempt, *, score=Decimal(90), record: bool = True) -> Attempt:
    """Finish `attempt` as the lead's attempt_finalise does: scored, and its result recorded
    (through result_record, so mapped levels rise)."""
    now = timezone.now()
    attempt.status = AttemptStatus.FINISHED
    attempt.finish_reason = FinishReason.SUBMITTED
    attempt.finished_at = min(now, attempt.deadline)
    attempt.score = Decimal(score)
    attempt.passed = attempt.score >= attempt.assessment.pass_percentage
    if record and not attempt.is_preview:
        attempt.result = result_record(
            employee=attempt.employee,
            assessment=attempt.assessment,
            score=attempt.score,
            completed_at=attempt.finished_at,
            recorded_by=None,
        ).result
    attempt.save()
    return attempt


def _post(client, attempt, payload, **headers):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(
        reverse("assessments:events", args=[attempt.pk]), data=body, content_type="application/json", **headers
    )


def _events(*kinds, **extra):
    return {"events": [{"kind": kind, "at": timezone.now().isoformat(), **extra} for kind in kinds]}


def test_own_open_attempt_stores_each_event_with_its_severity_and_adds_up_points(client, cast):
    attempt = make_attempt(employee=cast.employee)
    client.force_login(cast.employee)

    response = _post(
        client,
        attempt,
        {
            "events": [
                {"kind": "tab_hidden", "at": timezone.now().isoformat(), "seconds_away": 42},
                {"kind": "paste", "at": timezone.now().isoformat()},
                {"kind": "second_tab"},
            ]
        },
    )

    assert response.status_code == 200
    assert response.json() == {"recorded": 3}
    stored = {e.kind: (e.severity, e.seconds_away) for e in IntegrityEvent.objects.filter(attempt=attempt)}
    assert stored == {
        "tab_hidden": (EVENT_SEVERITY["tab_hidden"], 42),
        "paste": (EVENT_SEVERITY["paste"], 0),
        "second_tab": (EVENT_SEVERITY["second_tab"], 0),
    }
    attempt.refresh_from_db()
    assert attempt.integrity_points == 2 + 2 + 3  # medium, medium, high
    assert attempt.seconds_away == 42


def test_a_second_batch_adds_to_the_totals(client, cast):
    attempt = make_attempt(employee=cast.employee)
    client.force_login(cast.employee)
    _post(client, attempt, _events("window_blur", seconds_away=3))
    _post(client, attempt, _events("copy", "window_blur", seconds_away=4))
    attempt.refresh_from_db()
    # copy carries no time away even when the browser sends some
    assert (attempt.integrity_points, attempt.seconds_away) == (3, 7)


def test_someone_elses_attempt_is_404_and_stores_nothing(client, cast):
    attempt = make_attempt(employee=cast.employee)
    for person in (cast.colleague, cast.supervisor, cast.hc):
        client.force_login(person)
        assert _post(client, attempt, _events("copy")).status_code == 404
    client.force_login(cast.employee)
    assert (
        client.post(
            reverse("assessments:events", args=[999_999]), data="{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert not IntegrityEvent.objects.exists()


def test_finished_attempt_answers_409_with_a_json_error(client, cast):
    attempt = finish_attempt(make_attempt(employee=cast.employee), record=False)
    client.force_login(cast.employee)

    response = _post(client, attempt, _events("copy"))

    assert response.status_code == 409
    assert "finished" in response.json()["error"]
    assert not IntegrityEvent.objects.exists()


def test_attempt_past_its_deadline_and_grace_answers_409_even_if_not_yet_finalised(client, cast, settings):
    settings.ASSESSMENT_GRACE_SECONDS = 5
    attempt = make_attempt(employee=cast.employee, minutes_ago=40, minutes_left=-1)
    client.force_login(cast.employee)
    response = _post(client, attempt, _events("copy"))
    # The lead's middleware may finalise it on this very request; either way it is closed.
    assert response.status_code == 409
    assert not IntegrityEvent.objects.exists()


def test_signed_out_request_is_sent_to_login_and_stores_nothing(client, cast):
    attempt = make_attempt(employee=cast.employee)
    response = _post(client, attempt, _events("copy"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert not IntegrityEvent.objects.exists()


def test_only_post_is_allowed(client, cast):
    attempt = make_attempt(employee=cast.employee)
    client.force_login(cast.employee)
    assert client.get(reverse("assessments:events", args=[attempt.pk])).status_code == 405


def test_csrf_token_is_required(cast):
    attempt = make_attempt(employee=cast.employee)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.employee)

    assert _post(client, attempt, _events("copy")).status_code == 403
    assert not IntegrityEvent.objects.exists()

    # The page's token, sent as the script does (X-CSRFToken), is accepted.
    client.get(reverse("login"))  # any page that renders a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert _post(client, attempt, _events("copy"), HTTP_X_CSRFTOKEN=token).status_code == 200
    assert IntegrityEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("not json", "JSON"),
        ([], "events"),
        ({"events": "copy"}, "events"),
        ({"events": []}, "empty"),
        ({"events": ["copy"]}, "events[0]"),
        ({"events": [{"kind": "copy"}, {"kind": "teleported"}]}, "events[1].kind"),
        ({"events": [{"kind": "copy", "at": "yesterday"}]}, "events[0].at"),
        ({"events": [{"kind": "copy", "at": "2026-03-01T09:00:00"}]}, "events[0].at"),  # no time zone
        ({"events": [{"kind": "copy", "at": "2026-13-01T09:00:00Z"}]}, "events[0].at"),  # no such month
        ({"events": [{"kind": "copy", "at": 1700000000}]}, "events[0].at"),
        ({"events": [{"kind": "tab_hidden", "seconds_away": -4}]}, "events[0].seconds_away"),
        ({"events": [{"kind": "tab_hidden", "seconds_away": "long"}]}, "events[0].seconds_away"),
        ({"events": [{"kind": "tab_hidden", "seconds_away": True}]}, "events[0].seconds_away"),
        ({"events": [{"kind": "copy"}] * (MAX_EVENTS_PER_BATCH + 1)}, f"at most {MAX_EVENTS_PER_BATCH}"),
    ],
)
def test_malformed_batch_is_400_naming_the_problem_and_stores_nothing(client, cast, body, named):
    attempt = make_attempt(employee=cast.employee)
    client.force_login(cast.employee)

    response = _post(client, attempt, body)

    assert response.status_code == 400
    assert named in response.json()["error"]
    assert not IntegrityEvent.objects.exists()
    attempt.refresh_from_db()
    assert attempt.integrity_points == 0


def test_flood_of_reports_is_refused_with_429_and_retry_after(client, cast):
    attempt = make_attempt(employee=cast.employee)
    client.force_login(cast.employee)
    batch = _events(*["copy"] * MAX_EVENTS_PER_BATCH)
    accepted = 0
    for _ in range(MAX_EVENTS_PER_MINUTE // MAX_EVENTS_PER_BATCH):
        assert _post(client, attempt, batch).status_code == 200
        accepted += MAX_EVENTS_PER_BATCH

    response = _post(client, attempt, batch)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert IntegrityEvent.objects.filter(attempt=attempt).count() == accepted
    # The limit is per attempt: another attempt of the same person is not held back.
    other = make_attempt(employee=cast.employee)
    assert _post(client, other, _events("copy")).status_code == 200


def test_browser_times_are_kept_between_the_start_and_the_arrival(client, cast):
    attempt = make_attempt(employee=cast.employee, minutes_ago=10)
    client.force_login(cast.employee)
    before_start = (attempt.started_at - timedelta(days=3)).isoformat()
    in_future = (timezone.now() + timedelta(days=3)).isoformat()

    _post(
        client,
        attempt,
        {
            "events": [
                {"kind": "copy", "at": before_start},
                {"kind": "paste", "at": in_future},
                # Away for longer than the attempt has lasted: kept to the time since the start.
                {"kind": "tab_hidden", "seconds_away": 10**6},
            ]
        },
    )

    events = {e.kind: e for e in IntegrityEvent.objects.filter(attempt=attempt)}
    assert events["copy"].occurred_at == attempt.started_at
    assert attempt.started_at < events["paste"].occurred_at <= timezone.now()
    assert 9 * 60 <= events["tab_hidden"].seconds_away <= 11 * 60
    attempt.refresh_from_db()
    assert attempt.seconds_away == events["tab_hidden"].seconds_away


def test_reaching_the_threshold_flags_the_attempt(client, cast):
    attempt = make_attempt(employee=cast.employee, assessment=published_assessment(flag_threshold=5))
    client.force_login(cast.employee)

    _post(client, attempt, _events("tab_hidden", "tab_hidden"))  # 4 points
    attempt.refresh_from_db()
    assert attempt.review_status == ReviewStatus.NONE

    _post(client, attempt, _events("window_blur"))  # 5 points: the threshold
    attempt.refresh_from_db()
    assert (attempt.integrity_points, attempt.review_status) == (5, ReviewStatus.FLAGGED)


def test_without_a_threshold_nothing_is_flagged(cast):
    attempt = make_attempt(employee=cast.employee, assessment=published_assessment(flag_threshold=None))
    integrity_events_record(attempt=attempt, events=[EventReport("second_tab", None)] * 20, by=cast.employee)
    attempt.refresh_from_db()
    assert (attempt.integrity_points, attempt.review_status) == (60, ReviewStatus.NONE)


def test_hc_preview_is_never_flagged(cast):
    attempt = make_attempt(employee=cast.hc, assessment=published_assessment(flag_threshold=1), is_preview=True)
    integrity_events_record(attempt=attempt, events=[EventReport("second_tab", None)], by=cast.hc)
    attempt.refresh_from_db()
    assert attempt.integrity_points == 3
    assert attempt.review_status == ReviewStatus.NONE


def test_nobody_reports_on_someone_elses_attempt_through_the_service(cast):
    attempt = make_attempt(employee=cast.employee)
    with pytest.raises(PermissionDenied):
        integrity_events_record(attempt=attempt, events=[EventReport("copy", None)], by=cast.hc)


def test_summary_counts_events_by_kind_and_adds_up_the_time_away(cast):
    attempt = make_attempt(employee=cast.employee)
    integrity_events_record(
        attempt=attempt,
        events=[
            EventReport("tab_hidden", None, 30),
            EventReport("tab_hidden", None, 12),
            EventReport("window_blur", None, 5),
            EventReport("paste", None),
        ],
        by=cast.employee,
    )

    summary = attempt_integrity_summary(attempt)

    assert [(k.kind, k.count) for k in summary.by_kind] == [("tab_hidden", 2), ("paste", 1), ("window_blur", 1)]
    assert summary.by_kind[0].label == IntegrityEventKind.TAB_HIDDEN.label
    assert (summary.event_count, summary.seconds_away, summary.integrity_points) == (4, 47, 2 + 2 + 1 + 2)


def test_summary_of_an_attempt_without_events_is_empty(cast):
    summary = attempt_integrity_summary(make_attempt(employee=cast.employee))
    assert (summary.by_kind, summary.event_count, summary.seconds_away) == ([], 0, 0)
