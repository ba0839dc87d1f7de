import pytest
from django.urls import reverse

from assessments.models import AssessmentResult, CompetencyMapping
from competencies.models import CompetencyLevel, CompetencyLevelHistory
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:index",
    "admin:assessments_assessment_changelist",
    "admin:assessments_assessment_add",
    "admin:assessments_competencymapping_changelist",
    "admin:assessments_competencymapping_add",
    "admin:assessments_assessmentresult_changelist",
    "admin:assessments_assessmentresult_add",
    "admin:competencies_competency_changelist",
    "admin:competencies_competency_add",
    "admin:competencies_skillgroup_changelist",
    "admin:competencies_positiontarget_changelist",
    "admin:competencies_positiontargethistory_changelist",
    "admin:competencies_competencylevel_changelist",
    "admin:competencies_competencylevel_add",
    "admin:competencies_competencylevelhistory_changelist",
    "admin:hrportal_user_changelist",
    "admin:hrportal_section_changelist",
    "admin:hrportal_position_changelist",
]


@pytest.fixture
def framework():
    competency = CompetencyFactory(code="GSH", name="General safety")
    assessment = AssessmentFactory(title="GSH Basic", category="Assessment OJ")
    CompetencyMappingFactory(competency=competency, category="Assessment OJ", title_pattern="GSH")
    return competency, assessment


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_load_for_hc(client, cast, framework, page):
    client.force_login(cast.hc)
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_are_refused_to_employees(client, cast, page):
    client.force_login(cast.employee)
    response = client.get(reverse(page))
    # A signed-in person who is not staff may not use the admin (hrportal.admin_site).
    assert response.status_code == 403


def test_change_pages_load_for_hc(client, cast, framework):
    competency, assessment = framework
    mapping = CompetencyMapping.objects.get()
    client.force_login(cast.hc)
    for url in [
        reverse("admin:competencies_competency_change", args=[competency.pk]),
        reverse("admin:assessments_assessment_change", args=[assessment.pk]),
        reverse("admin:assessments_competencymapping_change", args=[mapping.pk]),
        reverse("admin:hrportal_user_change", args=[cast.employee.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_mapping_change_page_lists_the_assessments_it_matches(client, cast, framework):
    AssessmentFactory(title="Welding basics", category="Assessment OJ")
    client.force_login(cast.hc)
    mapping = CompetencyMapping.objects.get()
    html = client.get(reverse("admin:assessments_competencymapping_change", args=[mapping.pk])).content.decode()
    assert "GSH Basic (Assessment OJ)" in html
    assert "Welding basics" not in html


def _post_mapping(client, competency, **fields):
    data = {
        "competency": competency.pk,
        "level_granted": 2,
        "minimum_score": "",
        "assessment": "",
        "category": "",
        "title_pattern": "",
    }
    data.update(fields)
    return client.post(reverse("admin:assessments_competencymapping_add"), data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Name either an assessment or a category."),
        ({"category": "IHT", "level_granted": 7}, "Select a valid choice. 7 is not one of the available choices."),
        ({"category": "IHT", "level_granted": 0}, "Select a valid choice. 0 is not one of the available choices."),
        ({"category": "IHT", "minimum_score": "101"}, "Ensure this value is less than or equal to 100."),
        ({"category": "IHT", "minimum_score": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"category": "IHT", "title_pattern": "   "}, "The title pattern is blank"),
        ({"title_pattern": "GSH"}, "A title pattern needs a category."),
    ],
)
def test_mapping_admin_explains_bad_input(client, cast, framework, fields, message):
    competency, _ = framework
    client.force_login(cast.hc)
    response = _post_mapping(client, competency, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CompetencyMapping.objects.count() == 1


def test_mapping_admin_refuses_assessment_and_category_together(client, cast, framework):
    competency, assessment = framework
    client.force_login(cast.hc)
    response = _post_mapping(client, competency, assessment=assessment.pk, category="IHT")
    assert "not both" in response.content.decode()
    assert CompetencyMapping.objects.count() == 1


def test_mapping_admin_saves_valid_mapping(client, cast, framework):
    competency, assessment = framework
    client.force_login(cast.hc)
    response = _post_mapping(client, competency, assessment=assessment.pk, minimum_score="90", level_granted=4)
    assert response.status_code == 302
    assert CompetencyMapping.objects.filter(assessment=assessment, level_granted=4).exists()


def test_recording_a_result_in_admin_raises_the_level(client, cast, framework):
    competency, assessment = framework
    client.force_login(cast.hc)
    data = {
        "employee": cast.employee.pk,
        "assessment": assessment.pk,
        "score": "85",
        "completed_at_0": "2026-03-01",
        "completed_at_1": "09:00:00",
    }
    response = client.post(reverse("admin:assessments_assessmentresult_add"), data, follow=True)
    assert response.status_code == 200
    assert "Levels raised: GSH – → 2 · Intermediate." in response.content.decode()
    result = AssessmentResult.objects.get()
    assert result.passed and result.recorded_by == cast.hc
    assert CompetencyLevel.objects.get(employee=cast.employee, competency=competency).level == 2

    # Posting the same attempt again is refused by the form: nothing is granted twice.
    response = client.post(reverse("admin:assessments_assessmentresult_add"), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert AssessmentResult.objects.count() == 1
    assert CompetencyLevelHistory.objects.count() == 1


def test_recorded_results_are_read_only_in_admin(client, cast, framework):
    from assessments.services import result_record

    _, assessment = framework
    recorded = result_record(employee=cast.employee, assessment=assessment, score=80, recorded_by=cast.hc)
    client.force_login(cast.hc)
    url = reverse("admin:assessments_assessmentresult_change", args=[recorded.result.pk])
    html = client.get(url).content.decode()
    assert 'name="score"' not in html
    assert "General safety" in html  # the levels this result raised
    client.post(url, {"score": "10"})
    assert AssessmentResult.objects.get().score == 80


def test_hc_cannot_record_their_own_result_in_the_admin(client, cast, framework):
    _, assessment = framework
    client.force_login(cast.hc_employee)
    data = {
        "employee": cast.hc_employee.pk,
        "assessment": assessment.pk,
        "score": "100",
        "completed_at_0": "2026-03-01",
        "completed_at_1": "09:00:00",
    }
    response = client.post(reverse("admin:assessments_assessmentresult_add"), data)
    assert "Nobody records their own result" in response.content.decode()
    assert not AssessmentResult.objects.exists()


def test_the_mapping_category_filter_names_the_mappings_without_a_category(client, cast, framework):
    """A mapping naming one assessment has no category; Django's filter would link it with no text."""
    competency, assessment = framework
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="")
    client.force_login(cast.hc)

    page = client.get(reverse("admin:assessments_competencymapping_changelist")).content.decode()

    assert '<a href="?category=">None: one assessment</a>' in page
    assert '<a href="?category=Assessment+OJ">Assessment OJ</a>' in page
