import pytest
from django.urls import reverse

from competencies.models import (
    CompetencyLevel,
    CompetencyLevelHistory,
    LevelSource,
    PositionTarget,
    PositionTargetHistory,
)
from tests.competencies.factories import CompetencyFactory, give_level

pytestmark = pytest.mark.django_db


def test_hc_overrides_a_level_down_with_a_reason(client, cast):
    competency = CompetencyFactory()
    give_level(cast.employee, competency, 4, note="course")
    level = CompetencyLevel.objects.get()
    client.force_login(cast.hc)
    url = reverse("admin:competencies_competencylevel_change", args=[level.pk])

    response = client.post(url, {"level": 1, "reason": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert CompetencyLevel.objects.get().level == 4

    response = client.post(url, {"level": 1, "reason": "Failed re-certification"})
    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.level, level.source, level.updated_by) == (1, LevelSource.MANUAL, cast.hc)
    latest = CompetencyLevelHistory.objects.first()
    assert (latest.old_level, latest.new_level, latest.changed_by) == (4, 1, cast.hc)
    assert "Failed re-certification" in latest.evidence_note


def test_hc_sets_a_first_level_with_a_reason(client, cast):
    competency = CompetencyFactory()
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:competencies_competencylevel_add"),
        {"employee": cast.employee.pk, "competency": competency.pk, "level": 3, "reason": "Prior certificate"},
    )
    assert response.status_code == 302
    assert CompetencyLevel.objects.get().level == 3
    assert CompetencyLevelHistory.objects.get().new_level == 3


def test_level_of_7_is_refused_by_the_admin_form(client, cast):
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:competencies_competencylevel_add"),
        {"employee": cast.employee.pk, "competency": CompetencyFactory().pk, "level": 7, "reason": "x"},
    )
    assert "Select a valid choice. 7 is not one of the available choices." in response.content.decode()
    assert not CompetencyLevel.objects.exists()


def test_history_cannot_be_edited_or_deleted_in_admin(client, cast):
    competency = CompetencyFactory()
    give_level(cast.employee, competency, 2, note="course")
    history = CompetencyLevelHistory.objects.get()
    client.force_login(cast.hc)
    client.post(reverse("admin:competencies_competencylevelhistory_change", args=[history.pk]), {"new_level": 5})
    client.post(reverse("admin:competencies_competencylevelhistory_delete", args=[history.pk]), {"post": "yes"})
    assert CompetencyLevelHistory.objects.get().new_level == 2


def test_targets_edited_inline_on_a_competency_are_dated_in_history(client, cast):
    competency = CompetencyFactory()
    position = cast.employee.position
    client.force_login(cast.hc)
    url = reverse("admin:competencies_competency_change", args=[competency.pk])
    data = {
        "code": competency.code,
        "name_en": competency.name,
        "definition_en": "",
        "group": competency.group.pk,
        "targets-TOTAL_FORMS": 1,
        "targets-INITIAL_FORMS": 0,
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
        "targets-0-position": position.pk,
        "targets-0-target_level": 3,
        "targets-0-weight": 1,
        "targets-0-competency": competency.pk,
        "descriptors-TOTAL_FORMS": 0,
        "descriptors-INITIAL_FORMS": 0,
        "descriptors-MIN_NUM_FORMS": 0,
        "descriptors-MAX_NUM_FORMS": 5,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert PositionTarget.objects.get().target_level == 3
    entry = PositionTargetHistory.objects.get()
    assert (entry.old_level, entry.new_level, entry.changed_by) == (None, 3, cast.hc)


def test_hc_cannot_set_their_own_level_in_the_admin(client, cast):
    client.force_login(cast.hc_employee)
    response = client.post(
        reverse("admin:competencies_competencylevel_add"),
        {"employee": cast.hc_employee.pk, "competency": CompetencyFactory().pk, "level": 5, "reason": "Trust me"},
    )
    assert "Nobody overrides their own level" in response.content.decode()
    assert not CompetencyLevel.objects.exists()


def test_each_target_level_box_of_the_changelist_says_whose_target_it_sets(client, cast):
    """list_editable renders a bare <select> per row; a screen reader would hear only "list box"."""
    safety, quality = CompetencyFactory(code="GSH-01"), CompetencyFactory(code="QA-02")
    for competency in (safety, quality):
        PositionTarget.objects.create(position=cast.employee.position, competency=competency, target_level=3)
    client.force_login(cast.hc)

    page = client.get(reverse("admin:competencies_positiontarget_changelist")).content.decode()

    assert 'aria-label="Target level of GSH-01 for Operator"' in page
    assert 'aria-label="Target level of QA-02 for Operator"' in page
