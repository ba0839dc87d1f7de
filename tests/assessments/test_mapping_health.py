"""Mapping health and re-evaluation, through the admin's doors: the mapping list's counts,
the health view's conflicts and uncovered assessments, and the re-evaluate preview/confirm."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentResult, CompetencyMapping, mapping_covers
from assessments.selectors.mappings import FindingKind, mapping_health
from assessments.services import result_record
from assessments.services.voiding import result_void
from competencies.models import CompetencyLevel, CompetencyLevelHistory, LevelSource
from hrportal.models import AuditEntry, AuditEvent
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, give_level
from tests.hrportal.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:assessments_competencymapping_changelist"
HEALTH = "admin:assessments_competencymapping_health"
REEVALUATE = "admin:assessments_competencymapping_reevaluate"
DAY = timezone.now() - timedelta(days=30)


def _record(employee, assessment, score, by, days_ago=30):
    return result_record(
        employee=employee,
        assessment=assessment,
        score=score,
        completed_at=timezone.now() - timedelta(days=days_ago),
        recorded_by=by,
    ).result


def _kinds(health=None):
    health = health or mapping_health()
    return sorted((f.kind, f.first.pk, f.second.pk) for f in health.findings)


# --- Which assessments a mapping covers: the database form agrees with matches() -----------------


def test_the_database_coverage_rule_agrees_with_matches():
    assessments = [
        AssessmentFactory(title="GSH Basic", category="Assessment OJ"),
        AssessmentFactory(title="gsh advanced", category="assessment oj"),
        AssessmentFactory(title="Welding", category="Assessment OJ"),
        AssessmentFactory(title="GSH 100%_pass", category="IHT"),
        AssessmentFactory(title="GSH 1000 pass", category="IHT"),
    ]
    competency = CompetencyFactory()
    mappings = [
        CompetencyMappingFactory(competency=competency, category="ASSESSMENT OJ", title_pattern=""),
        CompetencyMappingFactory(competency=competency, category="Assessment OJ", title_pattern="GSH"),
        CompetencyMappingFactory(competency=competency, category="IHT", title_pattern="100%_"),
        CompetencyMappingFactory(competency=competency, category="", assessment=assessments[2]),
        CompetencyMappingFactory(competency=competency, category="Licencor"),
    ]
    employee = UserFactory()
    for assessment in assessments:  # one stored result per assessment, above every threshold
        AssessmentResult.objects.create(
            employee=employee, assessment=assessment, score=Decimal(100), passed=True, completed_at=DAY
        )
    for mapping in mappings:
        in_python = {a.pk for a in assessments if mapping.matches(a)}
        in_sql = set(
            AssessmentResult.objects.filter(
                mapping_covers(lambda column, m=mapping: Value(getattr(m, column)), "assessment")
            ).values_list("assessment_id", flat=True)
        )
        assert in_sql == in_python, mapping
        # The list's count is that rule, correlated with each mapping row.
        assert CompetencyMapping.objects.with_usage().get(pk=mapping.pk).results_matched == len(in_python)


# --- Conflicts -------------------------------------------------------------------------------------


@pytest.fixture
def gsh():
    return CompetencyFactory(code="GSH", name="General safety")


def test_health_flags_inverted_bands_with_a_sentence_and_links_to_both(client, cast, gsh):
    AssessmentFactory(title="GSH Basic", category="IHT")
    high_min = CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(90), level_granted=2)
    low_min = CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(75), level_granted=3)
    client.force_login(cast.hc)
    page = client.get(reverse(HEALTH)).content.decode()
    assert _kinds() == [(FindingKind.INVERTED, high_min.pk, low_min.pk)]
    assert "Inverted score bands" in page
    assert "On GSH Basic (IHT), level 2 needs 90 % but level 3 only 75 %: a higher score grants a lower level." in page
    # It is covered by the other on every assessment: it never grants.
    assert "The level 2 mapping never grants anything." in page
    for mapping in (high_min, low_min):
        assert reverse("admin:assessments_competencymapping_change", args=[mapping.pk]) in page


def test_health_flags_the_same_minimum_granting_different_levels(gsh):
    AssessmentFactory(title="GSH Basic", category="IHT", pass_percentage=Decimal(70))
    # One relies on the pass mark (70), the other names 70: the same minimum.
    two = CompetencyMappingFactory(competency=gsh, category="IHT", level_granted=2)
    three = CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(70), level_granted=3)
    health = mapping_health()
    assert _kinds(health) == [(FindingKind.SAME_MINIMUM, two.pk, three.pk)]
    assert "70 % grants both level 2 and level 3: the higher level always wins." in health.findings[0].sentence


def test_health_flags_a_mapping_that_a_wider_one_always_beats(gsh):
    basic = AssessmentFactory(title="GSH Basic", category="IHT")
    AssessmentFactory(title="GSH Advanced", category="IHT")
    narrow = CompetencyMappingFactory(
        competency=gsh, category="", assessment=basic, minimum_score=Decimal(80), level_granted=2
    )
    wide = CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(70), level_granted=2)
    health = mapping_health()
    assert _kinds(health) == [(FindingKind.NEVER_GRANTS, narrow.pk, wide.pk)]
    assert "The first mapping can never grant: the second covers every assessment it covers (GSH Basic (IHT))" in (
        health.findings[0].sentence
    )


def test_health_flags_a_same_band_mapping_whose_level_lapses_sooner(gsh):
    """At an equal level the longest validity counts (grants_by): the one-year mapping never counts."""
    AssessmentFactory(title="GSH Basic", category="IHT")
    CompetencyMappingFactory(competency=gsh, category="IHT", level_granted=2)  # for good
    yearly = CompetencyMappingFactory(competency=gsh, category="IHT", level_granted=2, validity_months=12)
    [finding] = mapping_health().findings
    assert (finding.kind, finding.first) == (FindingKind.NEVER_GRANTS, yearly)


def test_health_flags_two_identical_mappings_once(gsh):
    AssessmentFactory(title="GSH Basic", category="IHT")
    first = CompetencyMappingFactory(competency=gsh, category="IHT", level_granted=2)
    second = CompetencyMappingFactory(competency=gsh, category="iht", level_granted=2)
    assert _kinds() == [(FindingKind.DUPLICATE, first.pk, second.pk)]


@pytest.mark.parametrize(
    "case",
    [
        "rising bands",
        "other competency",
        "disjoint assessments",
        "longer validity",
        "covers more",
        "no shared assessment exists",
    ],
)
def test_health_does_not_flag_mappings_that_work_together(gsh, case):
    basic = AssessmentFactory(title="GSH Basic", category="IHT")
    AssessmentFactory(title="Welding", category="IHT")
    if case == "rising bands":  # PRODUCT.md's score bands: the highest reached wins
        for score, level in ((60, 2), (75, 3), (90, 4)):
            CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(score), level_granted=level)
    elif case == "other competency":
        CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(90), level_granted=2)
        CompetencyMappingFactory(category="IHT", minimum_score=Decimal(75), level_granted=3)
    elif case == "disjoint assessments":
        CompetencyMappingFactory(competency=gsh, category="IHT", title_pattern="GSH", level_granted=2)
        CompetencyMappingFactory(competency=gsh, category="IHT", title_pattern="Weld", level_granted=3)
    elif case == "longer validity":  # a higher score gives the same level for good, a lower one for a year
        CompetencyMappingFactory(
            competency=gsh, category="IHT", minimum_score=Decimal(60), level_granted=2, validity_months=12
        )
        CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(80), level_granted=2)
    elif case == "covers more":  # a lower band on one assessment and its own grant on another
        CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(60), level_granted=2)
        CompetencyMappingFactory(
            competency=gsh, category="", assessment=basic, minimum_score=Decimal(80), level_granted=3
        )
    else:
        CompetencyMappingFactory(competency=gsh, category="Licencor", level_granted=2)
        CompetencyMappingFactory(competency=gsh, category="Licencor", level_granted=3, minimum_score=Decimal(90))
    assert mapping_health().findings == []


def test_health_lists_published_assessments_no_mapping_covers(client, cast, gsh):
    AssessmentFactory(title="GSH Basic", category="IHT", is_published=True)
    AssessmentFactory(title="Forklift licence", category="Licencor", is_published=True)
    AssessmentFactory(title="Crane draft", category="Licencor", is_published=False)
    CompetencyMappingFactory(competency=gsh, category="IHT", level_granted=2)
    client.force_login(cast.hc)
    page = client.get(reverse(HEALTH)).content.decode()
    uncovered = page.split('id="uncovered-assessments"')[1].split("</ul>")[0]
    assert "Forklift licence (Licencor)" in uncovered
    assert "GSH Basic" not in uncovered  # covered
    assert "Crane draft" not in uncovered  # not published
    assert "No conflicts" in page


def _health_data(size: int):
    for n in range(size):
        competency = CompetencyFactory()
        AssessmentFactory(title=f"Course {n}", category=f"Cat {n}", is_published=True)
        AssessmentFactory(title=f"Orphan {n}", category="Nobody", is_published=True)
        CompetencyMappingFactory(competency=competency, category=f"Cat {n}", minimum_score=Decimal(90), level_granted=2)
        CompetencyMappingFactory(competency=competency, category=f"Cat {n}", minimum_score=Decimal(75), level_granted=3)


@pytest.mark.parametrize("size", [2, 12])
def test_health_view_costs_the_same_queries_at_any_size(client, cast, django_assert_num_queries, size):
    _health_data(size)
    client.force_login(cast.hc)
    # session, user, the user's own and group permissions (view permission), the mappings
    # with their competency and assessment, the assessments, the user's HC group (is_hc,
    # for the re-evaluate link)
    with django_assert_num_queries(7):
        response = client.get(reverse(HEALTH))
    assert response.status_code == 200
    assert response.content.decode().count('class="mapping-finding') == size


def test_health_is_refused_to_employees(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse(HEALTH)).status_code == 403


# --- The list's counts ---------------------------------------------------------------------------


def test_mapping_list_and_page_show_results_matched_and_levels_granted(client, cast, gsh):
    basic = AssessmentFactory(title="GSH Basic", category="IHT", pass_percentage=Decimal(70))
    band2 = CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(60), level_granted=2)
    band3 = CompetencyMappingFactory(competency=gsh, category="IHT", minimum_score=Decimal(80), level_granted=3)
    _record(cast.employee, basic, 65, cast.hc, days_ago=40)  # band 2: raises to 2
    _record(cast.employee, basic, 85, cast.hc, days_ago=30)  # bands 2 and 3: raises to 3
    _record(cast.colleague, basic, 50, cast.hc)  # below both
    voided = _record(cast.hc_employee, basic, 90, cast.hc)  # raised to 3, then voided: not counted
    result_void(result=voided, reason="Wrong person", by=cast.hc)
    usage = {m.pk: (m.results_matched, m.levels_granted) for m in CompetencyMapping.objects.with_usage()}
    assert usage == {band2.pk: (2, 1), band3.pk: (1, 1)}

    client.force_login(cast.hc)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "Results matched" in page and "Levels granted" in page
    assert '<td class="field-results_matched">2</td><td class="field-levels_granted">1</td>' in page
    assert reverse(HEALTH) in page and reverse(REEVALUATE) in page
    change = client.get(reverse("admin:assessments_competencymapping_change", args=[band3.pk])).content.decode()
    assert "1 stored results reach its threshold" in change
    assert "1 levels were raised to its level" in change


def _list_data(size: int, hc):
    for n in range(size):
        competency = CompetencyFactory()
        assessment = AssessmentFactory(title=f"Course {n}", category=f"Cat {n}")
        CompetencyMappingFactory(competency=competency, category=f"Cat {n}", level_granted=2)
        CompetencyMappingFactory(competency=competency, category="", assessment=assessment, level_granted=3)
        _record(UserFactory(), assessment, 90, hc)


@pytest.mark.parametrize("size", [2, 15])
def test_mapping_list_costs_the_same_queries_at_any_size(client, cast, django_assert_num_queries, size):
    _list_data(size, cast.hc)
    client.force_login(cast.hc)
    # session, user, all assessments (match counts), the user's HC group (is_hc, for the
    # re-evaluate link), the user's own and group permissions, the skill group filter's
    # groups, the count of the filtered and of all mappings, the page's mappings with both
    # usage counts as subqueries, the category filter's values
    with django_assert_num_queries(11):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.content.decode().count('<td class="field-results_matched">1</td>') == 2 * size


# --- Re-evaluate ---------------------------------------------------------------------------------


@pytest.fixture
def corrected(cast, gsh):
    """Results recorded under a mapping granting 2; HC then corrects it to grant 3 from 80 %."""
    basic = AssessmentFactory(title="GSH Basic", category="IHT", pass_percentage=Decimal(70))
    mapping = CompetencyMappingFactory(competency=gsh, category="IHT", level_granted=2)
    results = {
        "employee": _record(cast.employee, basic, 85, cast.hc),
        "colleague": _record(cast.colleague, basic, 75, cast.hc),  # below the corrected 80
        "hc_employee": _record(cast.hc_employee, basic, 95, cast.hc),  # HC's own, for hc_employee
    }
    mapping.level_granted = 3
    mapping.minimum_score = Decimal(80)
    mapping.save()
    return mapping, results


def _level(employee, competency):
    return (
        CompetencyLevel.objects.filter(employee=employee, competency=competency).values_list("level", flat=True).first()
    )


def _confirm(client):
    preview = client.get(reverse(REEVALUATE))
    return client.post(reverse(REEVALUATE), {"fingerprint": preview.context["fingerprint"]}, follow=True)


def test_reevaluate_previews_who_would_rise_and_writes_nothing(client, cast, gsh, corrected):
    mapping, results = corrected
    client.force_login(cast.hc)
    page = client.get(reverse(REEVALUATE)).content.decode()
    rises = page.split('id="reevaluate-rises"')[1].split("</table>")[0]
    assert cast.employee.get_full_name() in rises
    assert "GSH General safety" in rises
    assert "2 · Intermediate" in rises and "3 · Advanced" in rises
    assert results["employee"].evidence_note in rises
    assert str(mapping) in rises
    assert reverse("admin:assessments_assessmentresult_change", args=[results["employee"].pk]) in rises
    assert cast.colleague.get_full_name() not in rises  # 75 % is below the corrected band
    assert "Confirming raises 2 levels of 2 employees" in page  # the employee and hc_employee
    assert _level(cast.employee, gsh) == 2


def test_confirm_raises_through_the_service_with_history_audit_and_notification(client, cast, gsh, corrected):
    mapping, results = corrected
    client.force_login(cast.hc)
    response = _confirm(client)
    assert "Re-evaluated: 2 levels raised." in response.content.decode()
    assert _level(cast.employee, gsh) == 3
    assert _level(cast.hc_employee, gsh) == 3
    assert _level(cast.colleague, gsh) == 2  # never lowered, and 75 % grants nothing now
    row = CompetencyLevelHistory.objects.filter(employee=cast.employee, competency=gsh).latest("pk")
    assert (row.old_level, row.new_level, row.source) == (2, 3, LevelSource.ASSESSMENT)
    assert row.evidence == results["employee"]
    assert row.changed_by == cast.hc
    assert row.evidence_note.startswith("Re-evaluation after a mapping change: GSH Basic (IHT), 85 %")
    assert str(mapping) in row.evidence_note
    assert CompetencyLevelHistory.objects.filter(employee=cast.employee, competency=gsh).count() == 2
    entry = AuditEntry.objects.filter(event=AuditEvent.CHANGE, object_repr="re-evaluation").get()
    assert entry.actor == cast.hc
    assert entry.additional_data["levels_raised"] == 2
    assert cast.employee.notifications.filter(subject__icontains="level").exists()


def test_a_second_reevaluation_raises_nothing(client, cast, gsh, corrected):
    client.force_login(cast.hc)
    _confirm(client)
    history = CompetencyLevelHistory.objects.count()
    page = client.get(reverse(REEVALUATE)).content.decode()
    assert "Nothing to raise" in page
    assert "Confirm: raise these levels" not in page
    # A stale confirm (the first preview's fingerprint) applies nothing either.
    response = client.post(reverse(REEVALUATE), {"fingerprint": "stale"}, follow=True)
    assert "different now from what you previewed" in response.content.decode()
    assert CompetencyLevelHistory.objects.count() == history


def test_reevaluation_never_lowers_a_higher_level(client, cast, gsh, corrected):
    give_level(cast.employee, gsh, 4)
    client.force_login(cast.hc)
    page = client.get(reverse(REEVALUATE)).content.decode()
    assert cast.employee.get_full_name() not in page
    _confirm(client)
    assert _level(cast.employee, gsh) == 4


def test_voided_results_never_count(client, cast, gsh, corrected):
    _mapping, results = corrected
    result_void(result=results["employee"], reason="Recorded for the wrong person", by=cast.hc)
    client.force_login(cast.hc)
    page = client.get(reverse(REEVALUATE)).content.decode()
    assert cast.employee.get_full_name() not in page
    _confirm(client)
    assert _level(cast.employee, gsh) == 0  # the void took the level back; nothing gave it again


def test_hc_never_raises_their_own_level_and_the_preview_says_so(client, cast, gsh, corrected):
    client.force_login(cast.hc_employee)
    page = client.get(reverse(REEVALUATE)).content.decode()
    rises = page.split('id="reevaluate-rises"')[1].split("</table>")[0]
    assert cast.hc_employee.get_full_name() not in rises
    assert cast.employee.get_full_name() in rises
    own = page.split('id="reevaluate-own"')[1].split("</p>")[0]
    assert "1 of the rises is your own level. Nobody records their own result" in " ".join(own.split())
    _confirm(client)
    assert _level(cast.hc_employee, gsh) == 2  # left for another HC member
    assert _level(cast.employee, gsh) == 3


def test_confirm_refuses_and_previews_again_when_the_data_changed_meanwhile(client, cast, gsh, corrected):
    mapping, _results = corrected
    client.force_login(cast.hc)
    fingerprint = client.get(reverse(REEVALUATE)).context["fingerprint"]
    mapping.minimum_score = Decimal(70)  # now the colleague's 75 % rises too
    mapping.save()
    response = client.post(reverse(REEVALUATE), {"fingerprint": fingerprint})
    page = response.content.decode()
    assert response.status_code == 200
    assert "different now from what you previewed" in page
    assert "Confirming raises 3 levels of 3 employees" in page
    assert _level(cast.employee, gsh) == 2  # nothing applied


def test_reevaluation_leaves_out_a_rise_whose_validity_ran_out(client, cast, gsh):
    old = AssessmentFactory(title="Licence", category="Licencor", validity_months=12)
    mapping = CompetencyMappingFactory(competency=gsh, category="Licencor", level_granted=2)
    _record(cast.employee, old, 90, cast.hc, days_ago=400)
    mapping.level_granted = 3
    mapping.save()
    client.force_login(cast.hc)
    page = client.get(reverse(REEVALUATE)).content.decode()
    assert "Nothing to raise" in page
    assert "1 rise is left out because its result's validity has run out" in " ".join(page.split())


def test_reevaluate_is_for_hc_only(client, cast, corrected):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="assessments", codename__in=["view_competencymapping", "change_competencymapping"]
        )
    )
    client.force_login(staff)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert reverse(REEVALUATE) not in client.get(reverse(CHANGELIST)).content.decode()
    assert client.get(reverse(REEVALUATE)).status_code == 403
    assert client.post(reverse(REEVALUATE), {"fingerprint": "x"}).status_code == 403
    client.force_login(cast.employee)
    assert client.get(reverse(REEVALUATE)).status_code == 403


def _reevaluation_data(size: int, hc):
    for _n in range(size):
        competency = CompetencyFactory()
        assessment = AssessmentFactory()
        mapping = CompetencyMappingFactory(competency=competency, category="", assessment=assessment, level_granted=1)
        for _m in range(2):
            _record(UserFactory(), assessment, 90, hc)
        mapping.level_granted = 2
        mapping.save()


@pytest.mark.parametrize("size", [2, 10])
def test_reevaluate_preview_costs_the_same_queries_at_any_size(client, cast, django_assert_num_queries, size):
    _reevaluation_data(size, cast.hc)
    client.force_login(cast.hc)
    # session, user, the user's HC group (is_hc), the user's own and group permissions, the
    # mappings, the assessments, the results, the levels, the rising results with their
    # assessment and employee
    with django_assert_num_queries(10):
        response = client.get(reverse(REEVALUATE))
    rises = response.content.decode().split('id="reevaluate-rises"')[1].split("</table>")[0]
    assert rises.count("<tr>") == 2 * size + 1  # the rises and the header
