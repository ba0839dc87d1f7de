"""The competency page: what a competency's levels mean, where an employee stands and how the
level was reached, for the employee, their supervisor and HC."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services.results import result_record
from competencies.models import CompetencyLevelHistory, PositionTarget
from competencies.services import level_override
from idp import services as idp_services
from idp.models import IdpItem, ItemStatus
from surveys.services import self_rating_set, supervisor_rating_set
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory, published_assessment
from tests.competencies.factories import (
    CompetencyFactory,
    LevelDescriptorFactory,
    PositionTargetFactory,
    give_level,
)
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


def _own(competency) -> str:
    return reverse("competencies:my_competency", args=[competency.pk])


def _of(employee, competency) -> str:
    return reverse("competencies:employee_competency", args=[employee.pk, competency.pk])


def _html(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def pump(cast):
    """POP-04 Pump operation, target 4 for the employee's Operator position, with descriptors
    for levels 1 to 5. The employee's level came from: a pass of "OJ POP-04 level 2" (86 % on
    8 Feb 2024; a mapping of that assessment grants 2), an HC override to 3, a failed attempt
    at the same assessment later (40 %) and a verified IDP item that kept it at 3."""
    competency = CompetencyFactory(code="POP-04", name="Pump operation", definition="Starts, runs and stops pumps.")
    PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=4)
    for level in range(1, 6):
        LevelDescriptorFactory(
            competency=competency,
            level=level,
            behaviour_indicators=f"Indicator of level {level}",
            behaviour_indicators_ind=f"Indikator level {level}",
            syllabus=f"Syllabus of level {level}",
            deliverable=f"Deliverable of level {level}",
        )
    assessment = AssessmentFactory(title="OJ POP-04 level 2", category="Assessment OJ")
    mapping = CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=2)
    passed = result_record(
        employee=cast.employee,
        assessment=assessment,
        score=86,
        completed_at=datetime(2024, 2, 8, 3, tzinfo=UTC),
        recorded_by=cast.hc,
    ).result
    level_override(
        employee=cast.employee, competency=competency, level=3, reason="Signed off by the area lead", by=cast.hc
    )
    failed = result_record(
        employee=cast.employee,
        assessment=assessment,
        score=40,
        completed_at=timezone.now() - timedelta(days=2),
        recorded_by=cast.hc,
    ).result
    return {"competency": competency, "assessment": assessment, "mapping": mapping, "passed": passed, "failed": failed}


def _verified_item(cast, competency, level):
    item = IdpItemFactory(
        employee=cast.employee, competency=competency, status=ItemStatus.COMPLETED, target_level=level
    )
    return idp_services.idp_item_verify(item=item, by=cast.hc)


# Access


def test_the_employee_their_supervisor_and_hc_see_the_page(client, cast, pump):
    competency = pump["competency"]
    for user, url in (
        (cast.employee, _own(competency)),
        (cast.employee, _of(cast.employee, competency)),
        (cast.supervisor, _of(cast.employee, competency)),
        (cast.hc, _of(cast.employee, competency)),
    ):
        assert "Pump operation" in _html(client, user, url)


@pytest.mark.parametrize("who", ["colleague", "other_supervisor"])
def test_anyone_else_gets_404_that_names_nobody(client, cast, pump, who):
    client.force_login(getattr(cast, who))
    response = client.get(_of(cast.employee, pump["competency"]))
    assert response.status_code == 404
    assert cast.employee.get_full_name() not in response.content.decode()


def test_a_competency_that_does_not_exist_is_404(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse("competencies:my_competency", args=[987_654])).status_code == 404


# What the page says


def test_standing_follows_the_gap_rule(client, cast, pump):
    html = _html(client, cast.employee, _own(pump["competency"]))
    assert 'id="current-level">3 · Advanced' in html
    assert 'id="target-level">4 · Expert' in html
    assert '<span class="badge rounded-pill status-gap">Gap</span>' in html
    assert "Starts, runs and stops pumps." in html


def test_a_critical_weighted_target_says_so(client, cast, pump):
    PositionTarget.objects.filter(competency=pump["competency"]).update(weight=3, is_critical=True)
    html = _html(client, cast.employee, _own(pump["competency"]))
    target = html[html.index('id="target-level"') : html.index('id="gap"')]
    assert "4 · Expert" in target and "Critical" in target and "Weight 3" in target


def test_a_competency_outside_the_position_says_so(client, cast):
    elsewhere = CompetencyFactory(name="Crane rigging")
    html = _html(client, cast.employee, _own(elsewhere))
    assert "Not part of this position" in html
    assert 'id="status"' not in html  # no status without a target


def test_an_expired_level_shows_its_date_and_counts_as_none(client, cast, pump):
    level = cast.employee.competency_levels.get(competency=pump["competency"])
    level.expires_at = timezone.now() - timedelta(days=1)
    level.save(update_fields=["expires_at"])
    html = _html(client, cast.employee, _own(pump["competency"]))
    assert "Expired" in html and 'id="expiry"' in html
    assert "status-expired" in html


def test_descriptors_of_the_current_next_and_target_levels(client, cast, pump):
    html = _html(client, cast.employee, _own(pump["competency"]))
    # Level 3 now, 4 both next and target: two descriptors, no others.
    assert "Indicator of level 3" in html and "Indicator of level 4" in html
    assert "Indicator of level 2" not in html and "Indicator of level 5" not in html
    assert "Your level" in html and "Next level" in html


def test_an_indonesian_reader_reads_the_indonesian_descriptors(client, cast, pump):
    cast.employee.language = "id"
    cast.employee.save(update_fields=["language"])
    html = _html(client, cast.employee, _own(pump["competency"]))
    assert "Indikator level 3" in html and "Indicator of level 3" not in html
    # No Indonesian syllabus was written: the English one shows.
    assert "Syllabus of level 3" in html


def test_the_evidence_chain_names_the_result_its_mapping_the_override_and_the_item(client, cast, pump):
    item = _verified_item(cast, pump["competency"], 4)
    html = _html(client, cast.employee, _own(pump["competency"]))
    chain = html[html.index('id="evidence-chain"') : html.index('id="attempts-heading"')]
    result_at = chain.index("OJ POP-04 level 2 (Assessment OJ), 86%, 8 Feb 2024")
    assert "Mapping: OJ POP-04 level 2 (Assessment OJ) grants 2 · Intermediate" in chain
    override_at = chain.index("Override: Signed off by the area lead")
    item_at = chain.index(f'href="{reverse("idp:item", args=[item.pk])}"')
    assert result_at < override_at < item_at  # oldest first
    assert "0 · None → 2 · Intermediate" in chain and "3 · Advanced → 4 · Expert" in chain
    # The failed attempt changed nothing, so it is no step of the chain.
    assert "40%" not in chain


def test_hc_open_the_result_and_the_mapping_from_the_chain(client, cast, pump):
    html = _html(client, cast.hc, _of(cast.employee, pump["competency"]))
    assert reverse("admin:assessments_assessmentresult_change", args=[pump["passed"].pk]) in html
    assert reverse("admin:assessments_competencymapping_change", args=[pump["mapping"].pk]) in html
    # The supervisor has no admin: no links to it.
    html = _html(client, cast.supervisor, _of(cast.employee, pump["competency"]))
    assert "/admin/" not in html.split('id="evidence-chain"')[1]


def test_a_voided_result_shows_its_voiding_in_the_chain(client, cast):
    from assessments.services.voiding import result_void

    competency = CompetencyFactory()
    assessment = AssessmentFactory(title="OJ check")
    CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=2)
    result = result_record(employee=cast.employee, assessment=assessment, score=90, recorded_by=cast.hc).result
    result_void(result=result, reason="Wrong candidate sheet", by=cast.hc)
    voiding = CompetencyLevelHistory.objects.get(employee=cast.employee, competency=competency, source="voided")
    html = _html(client, cast.employee, _own(competency))
    chain = html[html.index('id="evidence-chain"') : html.index('id="attempts-heading"')]
    assert "Wrong candidate sheet" in voiding.evidence_note and voiding.evidence_note in chain
    assert "2 · Intermediate → 0 · None" in chain
    assert "Voided" in html[html.index('id="attempts"') :]
    # HC open the voided result from the voiding's step.
    html = _html(client, cast.hc, _of(cast.employee, competency))
    assert reverse("admin:assessments_assessmentresult_change", args=[result.pk]) in html


def test_recent_attempts_include_the_failed_one(client, cast, pump):
    html = _html(client, cast.employee, _own(pump["competency"]))
    attempts = html[html.index('id="attempts"') :]
    assert "40%" in attempts and "Failed" in attempts
    assert "86%" in attempts and "Passed" in attempts
    assert attempts.index("40%") < attempts.index("86%")  # newest first


def test_what_would_raise_it_lists_the_open_assessments_and_the_mappings(client, cast, pump):
    online = published_assessment(title="POP-04 level 4 check", category="IHT")
    CompetencyMappingFactory(competency=pump["competency"], category="IHT", level_granted=4)
    html = _html(client, cast.employee, _own(pump["competency"]))
    assert f'href="{reverse("assessments:detail", args=[online.pk])}"' in html
    assert "Take: POP-04 level 4 check" in html and "up to 4 · Expert" in html
    assert "any IHT" in html  # the mapping, in the table of mappings
    # The supervisor reads the assessment's name; its page is the taker's own.
    html = _html(client, cast.supervisor, _of(cast.employee, pump["competency"]))
    assert "Assessment: POP-04 level 4 check" in html
    assert reverse("assessments:detail", args=[online.pk]) not in html


def test_plan_it_is_one_click_for_the_employee_and_makes_a_draft(client, cast, pump):
    html = _html(client, cast.employee, _own(pump["competency"]))
    accept = reverse("idp:suggestion_accept", args=[pump["competency"].pk])
    assert f'action="{accept}"' in html
    response = client.post(accept)
    item = IdpItem.objects.get(employee=cast.employee)
    assert response.url == reverse("idp:item", args=[item.pk])
    assert (item.competency, item.status, item.target_level) == (pump["competency"], ItemStatus.DRAFT, 4)
    assert "Syllabus of level 4" in item.description
    # Now it has an active item: the page links it and offers no second plan.
    html = _html(client, cast.employee, _own(pump["competency"]))
    assert f'href="{reverse("idp:item", args=[item.pk])}"' in html
    assert f'action="{accept}"' not in html and 'id="plan-it"' not in html


def test_plan_it_works_for_a_gap_outside_the_five_largest(client, cast, pump):
    for _ in range(6):  # six larger gaps: POP-04 (gap 1) is no longer among the suggestions
        PositionTargetFactory(position=cast.employee.position, target_level=5)
    client.force_login(cast.employee)
    client.post(reverse("idp:suggestion_accept", args=[pump["competency"].pk]))
    assert IdpItem.objects.filter(employee=cast.employee, competency=pump["competency"]).exists()


def test_only_the_employee_is_offered_plan_it(client, cast, pump):
    for user in (cast.supervisor, cast.hc):
        assert 'id="plan-it"' not in _html(client, user, _of(cast.employee, pump["competency"]))


# Links from the dashboards


def test_dashboard_rows_open_the_competency_page(client, cast, pump):
    html = _html(client, cast.employee, reverse("competencies:my_gaps"))
    assert f'href="{_own(pump["competency"])}"' in html
    html = _html(client, cast.supervisor, reverse("competencies:employee_gaps", args=[cast.employee.pk]))
    assert f'href="{_of(cast.employee, pump["competency"])}"' in html


def test_heatmap_cells_open_the_reports_competency_page(client, cast, pump):
    give_level(cast.colleague, pump["competency"], 1)
    html = _html(client, cast.supervisor, reverse("competencies:team"))
    assert f'href="{_of(cast.employee, pump["competency"])}"' in html
    assert f'href="{_of(cast.colleague, pump["competency"])}"' in html


def test_career_comparison_rows_open_the_own_competency_page(client, cast, pump):
    other = PositionTargetFactory(target_level=2).position
    html = _html(client, cast.employee, reverse("competencies:career") + f"?compare={other.pk}")
    compared = other.targets.get().competency
    assert f'href="{_own(compared)}"' in html


# A fixed number of queries


@pytest.mark.parametrize("size", [1, 40])
def test_the_page_costs_the_same_queries_at_two_sizes(client, cast, django_assert_max_num_queries, size):
    competency = CompetencyFactory()
    PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=5)
    for level in range(1, 6):
        LevelDescriptorFactory(competency=competency, level=level)
    start = timezone.now() - timedelta(days=size + 10)
    for i in range(size):
        assessment = AssessmentFactory(title=f"Check {i}")
        CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=1 + i % 4)
        result_record(
            employee=cast.employee,
            assessment=assessment,
            score=50 + i % 50,
            completed_at=start + timedelta(days=i),
            recorded_by=cast.hc,
        )
        if i % 5 == 0:
            level_override(employee=cast.employee, competency=competency, level=i % 3, reason=f"Check {i}", by=cast.hc)
    published_assessment(title="Online level check", category="IHT")
    CompetencyMappingFactory(competency=competency, category="IHT", level_granted=5)
    for _ in range(size):
        IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.VERIFIED)
    history = CompetencyLevelHistory.objects.filter(employee=cast.employee, competency=competency).count()
    assert history >= min(size, 2)
    self_rating_set(employee=cast.employee, competency=competency, level=4, by=cast.employee)
    supervisor_rating_set(employee=cast.employee, competency=competency, level=3, comment="Ok", by=cast.supervisor)
    client.force_login(cast.employee)
    # 1 session, 2 viewer, 3 employee with position and section (the access helper), 4 the
    # competency with its group, 5 the position's target, 6 the level on record, 7 the
    # descriptors, 8 the history with who changed it and the evidence's type, 9 the results
    # that are the chain's evidence, with their assessments, 10 the mappings with their
    # assessments, 11 the recent attempts with assessment and attempt, 12 and 13 the mappings
    # and assessments that would raise it, 14 the active items, 15 and 16 the suggestion
    # behind "Plan it" (dismissals, the next level's descriptor), 17 the self-rating, 18 the
    # supervisor's rating with its author, 19 navbar's direct reports, 20 navbar's unread count,
    # and for the page cache (hrportal/page_cache.py) 21 the stamps, 22 the next level lapse,
    # 23 the next assessment window:
    with django_assert_max_num_queries(23):
        response = client.get(_own(competency))
    assert response.status_code == 200 and response.context["suggestion"] is not None
    # Again, from the cache: session, viewer, stamps, navbar's two.
    with django_assert_max_num_queries(5):
        assert client.get(_own(competency)).status_code == 200
    # A supervisor, with active items on the page: no suggestion (15, 16), the rating form
    # costs nothing more; HC would add their group.
    for _ in range(size):
        IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.APPROVED)
    client.force_login(cast.supervisor)
    with django_assert_max_num_queries(21):
        response = client.get(_of(cast.employee, competency))
    assert response.status_code == 200 and len(response.context["items"]) == size
    assert response.context["supervisor_form"] is not None
    # From the cache: session, viewer, employee, stamps, navbar's two.
    with django_assert_max_num_queries(6):
        assert client.get(_of(cast.employee, competency)).status_code == 200
    client.force_login(cast.hc)
    with django_assert_max_num_queries(22):
        response = client.get(_of(cast.employee, competency))
    assert response.status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(_of(cast.employee, competency)).status_code == 200
