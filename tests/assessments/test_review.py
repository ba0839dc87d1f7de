"""HC's review of flagged attempts: the queue, one attempt's record, clearing and voiding."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import IntegrityEvent, ReviewStatus
from assessments.services.integrity import EventReport, integrity_events_record
from competencies.models import CompetencyLevel
from tests.assessments.factories import CompetencyMappingFactory, published_assessment
from tests.assessments.test_integrity import finish_attempt, make_attempt
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("assessments:review_queue")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def flagged_attempt(employee, *, assessment=None, kinds=("tab_hidden", "tab_hidden", "paste"), score=90, away=30):
    """A finished attempt of `employee` whose page reported `kinds` (flagged at 5 points)."""
    assessment = assessment or published_assessment(flag_threshold=5)
    attempt = make_attempt(employee=employee, assessment=assessment)
    reports = [EventReport(kind, None, away if kind == "tab_hidden" else 0) for kind in kinds]
    integrity_events_record(attempt=attempt, events=reports, by=employee)
    return finish_attempt(attempt, score=score)


def _review(attempt):
    return reverse("assessments:review_attempt", args=[attempt.pk])


def _level(employee, competency):
    return CompetencyLevel.objects.get(employee=employee, competency=competency).level


# The queue


@pytest.mark.parametrize("who", ["employee", "supervisor", "hc_employee"])
def test_queue_is_for_hc_only(client, cast, who):
    person = getattr(cast, who)
    if who == "hc_employee":
        person.is_staff = False  # an HC member who lost the role is an employee like any other
        person.save()
    client.force_login(person)
    assert client.get(QUEUE).status_code == 403


def test_queue_sends_signed_out_people_to_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_queue_lists_flagged_finished_attempts_with_their_integrity_figures(client, cast):
    attempt = flagged_attempt(cast.employee, score=85)
    quiet = finish_attempt(make_attempt(employee=cast.colleague))  # no events: not flagged
    in_progress = make_attempt(employee=cast.colleague, assessment=published_assessment(flag_threshold=1))
    integrity_events_record(attempt=in_progress, events=[EventReport("second_tab", None)], by=cast.colleague)
    client.force_login(cast.hc)

    response = client.get(QUEUE)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.attempt for row in rows] == [attempt]
    row = rows[0]
    assert (row.attempt.integrity_points, row.time_away) == (6, "1 min 0 s")
    assert [(k.kind, k.count) for k in row.summary.by_kind] == [("tab_hidden", 2), ("paste", 1)]
    html = response.content.decode()
    assert cast.employee.display_name in html and attempt.assessment.title in html
    assert "85%" in html and "Switched tab or app × 2" in html and "Pasted text × 1" in html
    assert _review(attempt) in html
    assert _review(quiet) not in html and _review(in_progress) not in html


def test_queue_filters_show_cleared_voided_and_all_with_events(client, cast):
    flagged = flagged_attempt(cast.employee)
    cleared = flagged_attempt(cast.colleague)
    cleared.review_status = ReviewStatus.CLEARED
    cleared.save()
    voided = flagged_attempt(cast.supervisor)
    voided.review_status = ReviewStatus.VOIDED
    voided.save()
    below_threshold = flagged_attempt(cast.other_supervisor, kinds=("copy",))
    no_events = finish_attempt(make_attempt(employee=cast.employee))
    client.force_login(cast.hc)

    def shown(show):
        return {row.attempt for row in client.get(QUEUE, {"show": show}).context["rows"]}

    assert shown("flagged") == {flagged}
    assert shown("cleared") == {cleared}
    assert shown("voided") == {voided}
    assert shown("all") == {flagged, cleared, voided, below_threshold}
    assert no_events not in shown("all")
    assert shown("nonsense") == {flagged}  # an unknown filter is the default one
    counts = {f["name"]: f["count"] for f in client.get(QUEUE).context["filters"]}
    assert counts == {"flagged": 1, "cleared": 1, "voided": 1, "all": 4}


def test_hc_sees_their_own_flagged_attempt_listed_without_a_review_link(client, cast):
    own = flagged_attempt(cast.hc_employee)
    client.force_login(cast.hc_employee)
    response = client.get(QUEUE)
    assert [row.attempt for row in response.context["rows"]] == [own]
    assert response.context["rows"][0].is_own
    assert _review(own) not in response.content.decode()
    assert "another HC member reviews it" in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_queue_query_count_is_flat(client, cast, django_assert_max_num_queries, count):
    assessment = published_assessment(flag_threshold=5)
    for _ in range(count):
        flagged_attempt(UserFactory(), assessment=assessment)
    client.force_login(cast.hc)
    # session, user, HC group check, page count, the filter counts, the page of attempts
    # (with employee, assessment, result, reviewer), events by kind for the page,
    # navbar reports, unread count
    with django_assert_max_num_queries(9):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == count


# One attempt


@pytest.mark.parametrize("who", ["employee", "supervisor", "colleague"])
def test_review_page_is_for_hc_only(client, cast, who):
    attempt = flagged_attempt(cast.employee)
    client.force_login(getattr(cast, who))
    assert client.get(_review(attempt)).status_code == 403


def test_review_page_of_no_such_attempt_or_a_preview_is_404(client, cast):
    preview = finish_attempt(make_attempt(employee=cast.hc, is_preview=True))
    client.force_login(cast.hc)
    assert client.get(reverse("assessments:review_attempt", args=[999_999])).status_code == 404
    assert client.get(_review(preview)).status_code == 404


def test_hc_is_refused_the_review_of_their_own_attempt_with_the_reason(client, cast):
    own = flagged_attempt(cast.hc_employee)
    client.force_login(cast.hc_employee)

    response = client.get(_review(own))
    assert response.status_code == 403
    assert "This is your own attempt: another HC member reviews it." in response.content.decode()
    assert "void-form" not in response.content.decode()

    assert client.post(reverse("assessments:review_clear", args=[own.pk])).status_code == 403
    assert client.post(reverse("assessments:review_void", args=[own.pk]), {"reason": "Me"}).status_code == 403
    own.refresh_from_db()
    assert own.review_status == ReviewStatus.FLAGGED
    assert own.result.voided_at is None


def test_review_page_shows_the_summary_the_timeline_and_the_score(client, cast):
    attempt = flagged_attempt(cast.employee, score=72.5)
    client.force_login(cast.hc)

    response = client.get(_review(attempt))

    assert response.status_code == 200
    html = response.content.decode()
    detail = response.context["detail"]
    assert [entry.event.kind for entry in detail.timeline] == ["tab_hidden", "tab_hidden", "paste"]
    assert detail.summary.event_count == 3
    assert "72.5%" in html and "Switched tab or app" in html and "Pasted text" in html
    assert 'id="clear-form"' in html and 'id="void-form"' in html


def test_review_page_lists_the_levels_the_result_raised(client, cast):
    gsh = CompetencyFactory(code="GSH", name="General safety")
    assessment = published_assessment(flag_threshold=5)
    CompetencyMappingFactory(competency=gsh, assessment=assessment, category="", level_granted=2)
    attempt = flagged_attempt(cast.employee, assessment=assessment)
    client.force_login(cast.hc)
    html = client.get(_review(attempt)).content.decode()
    assert "GSH" in html and "0 · None → 2 · Intermediate" in html


@pytest.mark.parametrize("events", [3, 60])
def test_review_page_query_count_is_flat(client, cast, django_assert_max_num_queries, events):
    attempt = make_attempt(employee=cast.employee, assessment=published_assessment(flag_threshold=5))
    integrity_events_record(attempt=attempt, events=[EventReport("copy", None)] * min(events, 50), by=cast.employee)
    if events > 50:
        integrity_events_record(attempt=attempt, events=[EventReport("paste", None)] * (events - 50), by=cast.employee)
    finish_attempt(attempt)
    client.force_login(cast.hc)
    # session, user, HC group check, the attempt (with employee, position, section, assessment,
    # result, voider, reviewer), events by kind, the timeline, the result's content type,
    # (cached after the first use), the level history naming the result, navbar reports, unread count
    with django_assert_max_num_queries(10):
        response = client.get(_review(attempt))
    assert len(response.context["detail"].timeline) == events


# Clearing


def test_clearing_records_reviewer_time_and_note(client, cast):
    attempt = flagged_attempt(cast.employee)
    client.force_login(cast.hc)

    response = client.post(
        reverse("assessments:review_clear", args=[attempt.pk]), {"note": "Was told to leave the room by HC"}
    )

    assert response.status_code == 302 and response["Location"] == _review(attempt)
    attempt.refresh_from_db()
    assert (attempt.review_status, attempt.reviewed_by, attempt.review_note) == (
        ReviewStatus.CLEARED,
        cast.hc,
        "Was told to leave the room by HC",
    )
    assert timezone.now() - attempt.reviewed_at < timedelta(minutes=1)
    assert attempt.result.voided_at is None
    page = client.get(response["Location"]).content.decode()
    assert "stands" in page and 'id="clear-form"' not in page and 'id="void-form"' in page


def test_clearing_needs_no_note(client, cast):
    attempt = flagged_attempt(cast.employee)
    client.force_login(cast.hc)
    client.post(reverse("assessments:review_clear", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert (attempt.review_status, attempt.review_note) == (ReviewStatus.CLEARED, "")


def test_clear_and_void_are_post_only_and_for_hc_only(client, cast):
    attempt = flagged_attempt(cast.employee)
    client.force_login(cast.hc)
    assert client.get(reverse("assessments:review_clear", args=[attempt.pk])).status_code == 405
    assert client.get(reverse("assessments:review_void", args=[attempt.pk])).status_code == 405
    client.force_login(cast.supervisor)
    assert client.post(reverse("assessments:review_clear", args=[attempt.pk])).status_code == 403
    assert client.post(reverse("assessments:review_void", args=[attempt.pk]), {"reason": "x"}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.review_status == ReviewStatus.FLAGGED


def test_review_forms_need_the_csrf_token(cast):
    attempt = flagged_attempt(cast.employee)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.hc)
    assert client.post(reverse("assessments:review_void", args=[attempt.pk]), {"reason": "x"}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.result.voided_at is None


# Voiding


def test_voiding_on_the_page_voids_the_result_and_the_level_falls(client, cast):
    gsh = CompetencyFactory(code="GSH", name="General safety")
    assessment = published_assessment(flag_threshold=5)
    CompetencyMappingFactory(competency=gsh, assessment=assessment, category="", level_granted=2)
    attempt = flagged_attempt(cast.employee, assessment=assessment)
    assert _level(cast.employee, gsh) == 2
    client.force_login(cast.hc)

    response = client.post(
        reverse("assessments:review_void", args=[attempt.pk]),
        {"reason": "Answers read out by a colleague"},
        follow=True,
    )

    attempt.refresh_from_db()
    attempt.result.refresh_from_db()
    assert attempt.review_status == ReviewStatus.VOIDED
    assert (attempt.result.voided_by, attempt.result.void_reason) == (cast.hc, "Answers read out by a colleague")
    assert _level(cast.employee, gsh) == 0
    html = response.content.decode()
    assert "Result voided. Levels fell back: GSH 2 · Intermediate → 0 · None" in html
    assert "Voided by" in html and 'id="void-form"' not in html and 'id="clear-form"' not in html


def test_voiding_without_a_reason_shows_the_form_error_and_voids_nothing(client, cast):
    attempt = flagged_attempt(cast.employee)
    client.force_login(cast.hc)

    response = client.post(reverse("assessments:review_void", args=[attempt.pk]), {"reason": "   "})

    assert response.status_code == 400
    assert "Give the reason for voiding this result." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.review_status == ReviewStatus.FLAGGED
    assert attempt.result.voided_at is None


def test_a_second_void_is_refused_with_a_message(client, cast):
    attempt = flagged_attempt(cast.employee)
    client.force_login(cast.hc)
    client.post(reverse("assessments:review_void", args=[attempt.pk]), {"reason": "First"})

    response = client.post(reverse("assessments:review_void", args=[attempt.pk]), {"reason": "Second"}, follow=True)

    assert "already voided" in response.content.decode()
    attempt.result.refresh_from_db()
    assert attempt.result.void_reason == "First"


def test_a_voided_attempt_cannot_be_cleared(client, cast):
    attempt = flagged_attempt(cast.employee)
    client.force_login(cast.hc)
    client.post(reverse("assessments:review_void", args=[attempt.pk]), {"reason": "Cheated"})

    response = client.post(reverse("assessments:review_clear", args=[attempt.pk]), follow=True)

    assert "cannot be cleared" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.review_status == ReviewStatus.VOIDED


def test_events_keep_their_record_after_the_review(client, cast):
    attempt = flagged_attempt(cast.employee)
    client.force_login(cast.hc)
    client.post(reverse("assessments:review_clear", args=[attempt.pk]))
    assert IntegrityEvent.objects.filter(attempt=attempt).count() == 3


def test_an_attempt_still_in_progress_is_shown_but_not_decided(client, cast):
    attempt = make_attempt(employee=cast.employee, assessment=published_assessment(flag_threshold=1))
    integrity_events_record(attempt=attempt, events=[EventReport("second_tab", None)], by=cast.employee)
    client.force_login(cast.hc)

    page = client.get(_review(attempt)).content.decode()
    assert "still in progress" in page and 'id="clear-form"' not in page and 'id="void-form"' not in page

    response = client.post(reverse("assessments:review_clear", args=[attempt.pk]), follow=True)
    assert "still in progress" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.review_status == ReviewStatus.FLAGGED
