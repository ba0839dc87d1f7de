"""Voiding results in the admin: the door on a result's page, the preview, and the bulk action."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentResult
from assessments.services import result_record
from assessments.services.voiding import ResultAlreadyVoided, result_void
from competencies.models import CompetencyLevel, LevelSource
from hrportal.models import HC_GROUP_NAME, Notification, User
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:assessments_assessmentresult_changelist"


@pytest.fixture
def gsh():
    return CompetencyFactory(code="GSH", name="General safety")


def _exam(competency, level, title):
    assessment = AssessmentFactory(title=title, category="IHT")
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=level)
    return assessment


def _pass(employee, assessment, *, days_ago=1, score=90):
    return result_record(
        employee=employee,
        assessment=assessment,
        score=score,
        completed_at=timezone.now() - timedelta(days=days_ago),
        recorded_by=None,
    ).result


def _level(employee, competency) -> int | None:
    found = CompetencyLevel.objects.filter(employee=employee, competency=competency).first()
    return found.level if found else None


def _change_url(result) -> str:
    return reverse("admin:assessments_assessmentresult_change", args=[result.pk])


def _void_url(result) -> str:
    return reverse("admin:assessments_assessmentresult_void", args=[result.pk])


# --- One result, through its page ------------------------------------------------------------


def test_hc_voids_a_result_from_its_page_and_the_level_falls_to_0(client, cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    client.force_login(cast.hc)

    page = client.get(_change_url(result)).content.decode()
    assert f'href="{_void_url(result)}"' in page and "Void this result" in page

    preview = client.get(_void_url(result)).content.decode()
    assert "GSH General safety" in preview
    assert "– → 2 · Intermediate" in preview  # what the result raised
    assert "<strong>0 · None</strong>" in preview  # what it falls back to
    assert "nothing else: no evidence left" in preview
    assert 'name="reason"' in preview and 'for="id_reason"' in preview
    assert _level(cast.employee, gsh) == 2  # looking changes nothing

    response = client.post(_void_url(result), {"reason": "Answers shared in a group chat"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == _change_url(result)
    assert "Levels fell back: GSH 2 · Intermediate → 0 · None." in html
    assert _level(cast.employee, gsh) == 0
    result.refresh_from_db()
    assert (result.voided_by, result.void_reason) == (cast.hc, "Answers shared in a group chat")
    # The page now shows the void and offers no second one.
    assert "Answers shared in a group chat" in html and f"by {cast.hc}" in html
    assert f'href="{_void_url(result)}"' not in html
    raised, fell = html.split("Levels this result raised", 1)[1].split("Levels that fell back when it was voided", 1)
    assert "GSH General safety: – → 2 · Intermediate" in raised and "→ 0 · None" not in raised
    assert "GSH General safety: 2 · Intermediate → 0 · None" in fell
    assert Notification.objects.filter(recipient=cast.employee, subject__contains="voided").exists()


def test_with_other_evidence_the_preview_and_the_void_keep_the_level(client, cast, gsh):
    _pass(cast.employee, _exam(gsh, 2, "GSH Basic A"), days_ago=10)
    second = _pass(cast.employee, _exam(gsh, 2, "GSH Basic B"), days_ago=2)
    first = AssessmentResult.objects.get(assessment__title="GSH Basic A")
    client.force_login(cast.hc)

    preview = client.get(_void_url(first)).content.decode()
    assert "2 · Intermediate (unchanged)" in preview
    assert second.evidence_note in preview  # what supports the level without it

    html = client.post(_void_url(first), {"reason": "Proxy taker"}, follow=True).content.decode()

    assert "No level changed: other evidence supports them." in html
    assert _level(cast.employee, gsh) == 2


def test_the_level_falls_back_to_what_an_earlier_result_grants(client, cast, gsh):
    basic = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"), days_ago=20)
    advanced = _pass(cast.employee, _exam(gsh, 3, "GSH Advanced"), days_ago=5)
    client.force_login(cast.hc)

    preview = client.get(_void_url(advanced)).content.decode()
    assert "<strong>2 · Intermediate</strong>" in preview and basic.evidence_note in preview

    html = client.post(_void_url(advanced), {"reason": "Impersonation"}, follow=True).content.decode()

    assert "GSH 3 · Advanced → 2 · Intermediate" in html
    level = CompetencyLevel.objects.get(employee=cast.employee, competency=gsh)
    assert (level.level, level.source, level.evidence) == (2, LevelSource.VOIDED, basic)


def test_a_result_that_raised_nothing_says_so(client, cast, gsh):
    failed = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"), score=10)
    client.force_login(cast.hc)

    assert "This result raised no level" in client.get(_void_url(failed)).content.decode()
    html = client.post(_void_url(failed), {"reason": "Wrong person"}, follow=True).content.decode()

    assert "It had raised no level, so none changed." in html


def test_a_reason_is_required(client, cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    client.force_login(cast.hc)

    response = client.post(_void_url(result), {"reason": "   "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    result.refresh_from_db()
    assert not result.is_voided and _level(cast.employee, gsh) == 2


def test_nobody_voids_their_own_result_through_the_admin(client, cast, gsh):
    own = _pass(cast.hc_employee, _exam(gsh, 2, "GSH Basic"))
    client.force_login(cast.hc_employee)

    page = client.get(_change_url(own)).content.decode()
    assert "Void this result" not in page
    assert client.get(_void_url(own)).status_code == 403
    assert client.post(_void_url(own), {"reason": "I failed it really"}).status_code == 403

    own.refresh_from_db()
    assert not own.is_voided and _level(cast.hc_employee, gsh) == 2


def test_the_same_hc_member_voids_someone_elses_result(client, cast, gsh):
    """Separation of duties is about one's own result, not about voiding as such."""
    other = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    client.force_login(cast.hc_employee)

    client.post(_void_url(other), {"reason": "Wrong file"})

    other.refresh_from_db()
    assert other.is_voided and other.voided_by == cast.hc_employee


def test_staff_outside_hc_and_hc_without_the_permission_are_refused(client, cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    viewer = UserFactory(username="auditor", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_assessmentresult"))
    client.force_login(viewer)
    assert "Void this result" not in client.get(_change_url(result)).content.decode()
    assert client.get(_void_url(result)).status_code == 403
    assert client.post(_void_url(result), {"reason": "Probe"}).status_code == 403

    client.force_login(cast.employee)  # not staff at all
    assert client.post(_void_url(result), {"reason": "Probe"}).status_code == 403

    result.refresh_from_db()
    assert not result.is_voided


def test_hc_whose_group_lacks_the_void_permission_are_refused(client, cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    Group.objects.get(name=HC_GROUP_NAME).permissions.remove(Permission.objects.get(codename="change_assessmentresult"))
    hc = User.objects.get(pk=cast.hc.pk)  # permissions are cached per instance
    client.force_login(hc)

    assert "Void this result" not in client.get(_change_url(result)).content.decode()
    assert client.post(_void_url(result), {"reason": "Probe"}).status_code == 403
    result.refresh_from_db()
    assert not result.is_voided


def test_an_unknown_result_is_404_for_hc(client, cast):
    client.force_login(cast.hc)
    assert client.get(reverse("admin:assessments_assessmentresult_void", args=[999999])).status_code == 404


def test_an_already_voided_result_leads_back_to_its_page(client, cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    result_void(result=result, reason="Wrong file", by=cast.hc)
    client.force_login(cast.hc)

    response = client.post(_void_url(result), {"reason": "Again"}, follow=True)

    assert response.redirect_chain[-1][0] == _change_url(result)
    assert "already voided" in response.content.decode()
    result.refresh_from_db()
    assert result.void_reason == "Wrong file"


def test_voiding_needs_the_csrf_token(cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.hc)

    assert client.post(_void_url(result), {"reason": "Forged"}).status_code == 403
    result.refresh_from_db()
    assert not result.is_voided


# --- The list: voided column, filter, and the bulk action --------------------------------------


def test_the_list_shows_and_filters_voided_results(client, cast, gsh):
    kept = _pass(cast.employee, _exam(gsh, 2, "Kept exam"))
    voided = _pass(cast.colleague, _exam(gsh, 2, "Voided exam"))
    result_void(result=voided, reason="Wrong file", by=cast.hc)
    client.force_login(cast.hc)

    html = client.get(reverse(CHANGELIST)).content.decode()
    assert "column-voided" in html
    assert f"{timezone.localtime(AssessmentResult.objects.get(pk=voided.pk).voided_at):%Y-%m-%d %H:%M}" in html
    only_voided = client.get(reverse(CHANGELIST), {"voided": "yes"}).content.decode()
    assert _listed(only_voided) == [voided.pk]
    counted = client.get(reverse(CHANGELIST), {"voided": "no"}).content.decode()
    assert _listed(counted) == [kept.pk]


def _listed(html: str) -> list[int]:
    """The ids of the results the list shows (its action checkboxes)."""
    return [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', html)]


def _bulk(client, results, **data):
    return client.post(
        reverse(CHANGELIST),
        {"action": "void_selected", "_selected_action": [r.pk for r in results], "index": "0", **data},
        follow=True,
    )


def _confirm(client, results, reason):
    return client.post(
        reverse(CHANGELIST),
        {"action": "void_selected", "_selected_action": [r.pk for r in results], "confirm": "yes", "reason": reason},
        follow=True,
    )


def test_bulk_void_asks_one_reason_then_voids_all(client, cast, gsh):
    exam = _exam(gsh, 2, "GSH Basic")
    results = [_pass(cast.employee, exam), _pass(cast.colleague, exam)]
    client.force_login(cast.hc)

    page = _bulk(client, results).content.decode()
    assert "These 2 results will be voided together" in page and 'name="reason"' in page
    assert not AssessmentResult.objects.filter(voided_at__isnull=False).exists()

    html = _confirm(client, results, "The LMS sent the wrong course's file").content.decode()

    assert "Voided 2 results with the reason “The LMS sent the wrong course&#x27;s file”; 2 levels fell back." in html
    assert AssessmentResult.objects.filter(voided_at__isnull=False).count() == 2
    assert _level(cast.employee, gsh) == 0 and _level(cast.colleague, gsh) == 0
    assert set(AssessmentResult.objects.values_list("void_reason", flat=True)) == {
        "The LMS sent the wrong course's file"
    }


def test_bulk_void_without_a_reason_voids_nothing(client, cast, gsh):
    results = [_pass(cast.employee, _exam(gsh, 2, "GSH Basic"))]
    client.force_login(cast.hc)

    html = _confirm(client, results, "").content.decode()

    assert "This field is required." in html
    assert not AssessmentResult.objects.filter(voided_at__isnull=False).exists()


def test_bulk_void_including_ones_own_result_voids_nothing(client, cast, gsh):
    exam = _exam(gsh, 2, "GSH Basic")
    results = [_pass(cast.employee, exam), _pass(cast.hc_employee, exam)]
    client.force_login(cast.hc_employee)

    html = _confirm(client, results, "Wrong file").content.decode()

    assert "Nothing was voided: 1 of them is your own result" in html
    assert not AssessmentResult.objects.filter(voided_at__isnull=False).exists()
    assert _level(cast.employee, gsh) == 2


def test_bulk_void_including_a_voided_result_voids_nothing(client, cast, gsh):
    exam = _exam(gsh, 2, "GSH Basic")
    results = [_pass(cast.employee, exam), _pass(cast.colleague, exam)]
    result_void(result=results[1], reason="Earlier", by=cast.hc)
    client.force_login(cast.hc)

    html = _bulk(client, results).content.decode()

    assert "Nothing was voided: 1 was voided already" in html
    assert AssessmentResult.objects.filter(voided_at__isnull=False).count() == 1
    assert _level(cast.employee, gsh) == 2


def test_bulk_void_is_all_or_nothing_when_one_fails_midway(client, cast, gsh):
    """Another HC member voids the second result between the check and the void: the first is
    not voided either, and its level stands."""
    exam = _exam(gsh, 2, "GSH Basic")
    results = [_pass(cast.employee, exam), _pass(cast.colleague, exam)]
    calls = []

    def void_then_race(**kwargs):
        calls.append(kwargs["result"].pk)
        if len(calls) == 2:
            raise ResultAlreadyVoided("This result was already voided a moment ago.")
        return result_void(**kwargs)

    client.force_login(cast.hc)
    with mock.patch("assessments.result_admin.result_void", side_effect=void_then_race):
        html = _confirm(client, results, "Wrong file").content.decode()

    assert len(calls) == 2
    assert "Nothing was voided: This result was already voided a moment ago." in html
    assert not AssessmentResult.objects.filter(voided_at__isnull=False).exists()
    assert _level(cast.employee, gsh) == 2
    assert not Notification.objects.filter(subject__contains="voided").exists()


def test_the_bulk_action_is_not_offered_to_staff_who_may_not_void(client, cast, gsh):
    result = _pass(cast.employee, _exam(gsh, 2, "GSH Basic"))
    viewer = UserFactory(username="auditor", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_assessmentresult"))
    client.force_login(viewer)

    assert "void_selected" not in client.get(reverse(CHANGELIST)).content.decode()
    _confirm(client, [result], "Probe")

    result.refresh_from_db()
    assert not result.is_voided


def test_a_wrong_files_results_are_found_by_their_import_and_voided_together(client, cast, gsh):
    from assessments.models import ResultImport

    exam = _exam(gsh, 2, "GSH Basic")
    batch = ResultImport.objects.create(file_name="wrong-course.csv", shape="long", imported_by=cast.hc)
    from_file = [_pass(cast.employee, exam), _pass(cast.colleague, exam)]
    AssessmentResult.objects.filter(pk__in=[r.pk for r in from_file]).update(import_batch=batch)
    other = _pass(cast.employee, exam, days_ago=30)
    client.force_login(cast.hc_employee)

    listed = client.get(reverse(CHANGELIST), {"import_batch__id__exact": batch.pk}).content.decode()
    assert sorted(_listed(listed)) == sorted(r.pk for r in from_file)
    _confirm(client, from_file, "The LMS sent the wrong course")

    assert set(AssessmentResult.objects.filter(voided_at__isnull=False).values_list("pk", flat=True)) == {
        r.pk for r in from_file
    }
    other.refresh_from_db()
    assert not other.is_voided and _level(cast.employee, gsh) == 2  # the other pass still supports it
