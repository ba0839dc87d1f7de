"""Learning plans through their pages: drafting from the gaps, editing, removing, making IDP
items, redrafting without losing anything silently, who sees what, printing, both languages
and the query budget."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competencies.models import CareerPath, CareerPathStep
from idp.models import ActivityType, IdpItem, ItemStatus
from learning.models import LearningObjective, LearningPhase, LearningPlan
from surveys.services import self_rating_set
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory, published_assessment
from tests.competencies.factories import (
    CompetencyFactory,
    LevelDescriptorFactory,
    PositionTargetFactory,
    give_level,
)
from tests.hrportal.factories import PositionFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

MY_PLAN = reverse("learning:my_plan")
DRAFT = reverse("learning:draft")
WEEKS_PER_LEVEL = 13  # the career estimator's 3 months a level, in weeks


def _gap(employee, code, *, target, current=0, weight=1, name=None, **competency):
    """A competency of `employee`'s position with that target and (verified) current level."""
    competency = CompetencyFactory(code=code, name=name or f"Competency {code}", **competency)
    PositionTargetFactory(position=employee.position, competency=competency, target_level=target, weight=weight)
    if current:
        give_level(employee, competency, current)
    return competency


def _draft(client, employee, **data):
    client.force_login(employee)
    return client.post(DRAFT, data)


def _objectives(employee):
    return list(
        LearningObjective.objects.filter(plan__employee=employee)
        .select_related("phase", "competency")
        .order_by("order")
    )


def _edit_url(objective):
    return reverse("learning:objective_edit", args=[objective.pk])


def _edit_data(objective, **changes):
    data = {
        "activity_type": objective.activity_type,
        "specific": objective.specific,
        "measurable": objective.measurable,
        "achievable": objective.achievable,
        "relevant": objective.relevant,
        "due_date": objective.due_date.isoformat(),
    }
    return data | changes


# Drafting


def test_the_draft_takes_one_level_at_a_time_largest_weighted_gap_first_in_phases(client, cast):
    employee = cast.employee
    two_levels = _gap(employee, "TWO", target=4, current=2)  # gap 2, weight 1: weighted 2
    heavy = _gap(employee, "HEAVY", target=2, current=1, weight=3)  # gap 1, weight 3: weighted 3
    _gap(employee, "MET", target=2, current=2)

    response = _draft(client, employee)

    assert response.status_code == 302 and response.url == MY_PLAN
    steps = [(o.phase.order, o.competency.code, o.from_level, o.to_level) for o in _objectives(employee)]
    assert steps == [(1, "HEAVY", 1, 2), (1, "TWO", 2, 3), (2, "TWO", 3, 4)]
    assert {o.competency for o in _objectives(employee)} == {two_levels, heavy}
    today = timezone.localdate()
    # Two competencies at a time, a level a quarter: phase 1's two steps end together, then phase 2.
    assert [o.due_date for o in _objectives(employee)] == [
        today + timedelta(weeks=WEEKS_PER_LEVEL),
        today + timedelta(weeks=WEEKS_PER_LEVEL),
        today + timedelta(weeks=2 * WEEKS_PER_LEVEL),
    ]
    page = client.get(MY_PLAN).content.decode()
    assert "Total duration: 26 weeks" in page
    assert "Phase 1: step 1 of each gap" in page and "Phase 2: step 2 of each gap" in page


def test_a_phase_of_more_steps_than_run_in_parallel_takes_another_quarter(client, cast):
    for code in ("A", "B", "C"):
        _gap(cast.employee, code, target=1)

    _draft(client, cast.employee)

    objectives = _objectives(cast.employee)
    today = timezone.localdate()
    assert [o.due_date - today for o in objectives] == [timedelta(weeks=13), timedelta(weeks=13), timedelta(weeks=26)]
    assert LearningPhase.objects.get(plan__employee=cast.employee).weeks == 26


def test_the_texts_come_from_the_framework_the_mappings_and_the_career_path(client, cast):
    employee = cast.employee
    mapped = _gap(employee, "MAP", target=3, current=2, name="Permit to Work")
    LevelDescriptorFactory(competency=mapped, level=3, behaviour_indicators="Leads permit audits on shift.")
    exam = AssessmentFactory(title="Permit audit check", category="IHT")
    CompetencyMappingFactory(competency=mapped, assessment=exam, category="", level_granted=3)
    CompetencyMappingFactory(competency=mapped, assessment=exam, category="", level_granted=2)  # not this step
    unmapped = _gap(employee, "DEL", target=1, name="Drawing Reading")
    LevelDescriptorFactory(competency=unmapped, level=1, behaviour_indicators="", deliverable="A marked-up P&ID.")
    path = CareerPath.objects.create(name="Operations")
    senior = PositionFactory(name="Senior Operator")
    CareerPathStep.objects.create(path=path, position=employee.position, order=1)
    CareerPathStep.objects.create(path=path, position=senior, order=2)
    PositionTargetFactory(position=senior, competency=mapped, target_level=4)

    _draft(client, employee)

    by_code = {o.competency.code: o for o in _objectives(employee)}
    permit, drawing = by_code["MAP"], by_code["DEL"]
    assert permit.specific == "Reach 3 · Advanced in Permit to Work: Leads permit audits on shift."
    assert permit.measurable == "Pass Permit audit check (a score of 70% or more): it grants 3 · Advanced."
    assert permit.activity_type == ActivityType.ASSESSMENT
    assert permit.achievable.startswith("One level at a time: from 2 · Intermediate to 3 · Advanced")
    assert permit.relevant == (
        "Your position, Operator, needs 3 · Advanced; Senior Operator, the next role on your career path, "
        "needs 4 · Expert."
    )
    assert drawing.specific == "Reach 1 · Basic in Drawing Reading."
    assert drawing.measurable == "Hand in the level's deliverable: A marked-up P&ID."
    assert drawing.relevant == "Your position, Operator, needs 1 · Basic."


def test_an_expired_level_is_renewed_first_at_the_level_it_had(client, cast):
    licence = _gap(cast.employee, "LIC", target=4, current=3)
    level = cast.employee.competency_levels.get(competency=licence)
    level.expires_at = timezone.now() - timedelta(days=5)
    level.save()

    _draft(client, cast.employee)

    objectives = _objectives(cast.employee)
    assert [(o.from_level, o.to_level) for o in objectives] == [(2, 3), (3, 4)]
    assert objectives[0].achievable.startswith("Renew 3 · Advanced, which lapsed on")


def test_self_ratings_never_count_the_plan_starts_from_the_verified_level(client, cast):
    competency = _gap(cast.employee, "A", target=3, current=1)
    self_rating_set(employee=cast.employee, competency=competency, level=3, by=cast.employee)

    _draft(client, cast.employee)

    assert [(o.from_level, o.to_level) for o in _objectives(cast.employee)] == [(1, 2), (2, 3)]


def test_a_plan_is_drafted_in_the_employees_language_from_the_framework_in_it(client, cast):
    employee = cast.employee
    employee.language = "id"
    employee.save()
    competency = _gap(employee, "PTW", target=1, name="Permit to Work", name_ind="Izin Kerja")
    LevelDescriptorFactory(
        competency=competency,
        level=1,
        behaviour_indicators="Follows permits.",
        behaviour_indicators_ind="Mematuhi izin.",
    )

    _draft(client, employee)

    objective = _objectives(employee)[0]
    assert "Izin Kerja" in objective.specific and "Mematuhi izin." in objective.specific
    assert "Permit to Work" not in objective.specific and "Reach" not in objective.specific
    page = client.get(MY_PLAN).content.decode()
    assert "Rencana belajar saya" in page and "Izin Kerja" in page


def test_nothing_to_plan_drafts_nothing_and_says_so(client, cast):
    _gap(cast.employee, "MET", target=2, current=2)

    response = _draft(client, cast.employee)

    assert response.url == MY_PLAN and not LearningPlan.objects.exists()
    assert "Nothing to plan" in client.get(MY_PLAN).content.decode()


def test_without_a_plan_the_page_offers_the_draft_button(client, cast):
    client.force_login(cast.employee)
    page = client.get(MY_PLAN).content.decode()
    assert "Draft my learning plan" in page and f'action="{DRAFT}"' in page


# Redrafting never loses anything silently


def test_redrafting_asks_first_and_keeps_the_edited_plan_until_confirmed(client, cast):
    _gap(cast.employee, "A", target=2, current=1)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]
    client.post(_edit_url(objective), _edit_data(objective, specific="My own words."))

    response = client.post(DRAFT)  # the plan exists: no confirmation posted

    assert response.status_code == 302 and response.url == DRAFT
    assert _objectives(cast.employee)[0].specific == "My own words."
    page = client.get(DRAFT).content.decode()
    assert "You edited 1 objective: your changes to it will be lost." in page
    assert 'name="replace"' in page

    client.post(DRAFT, {"replace": "1"})

    redrafted = _objectives(cast.employee)
    assert len(redrafted) == 1 and redrafted[0].specific != "My own words." and not redrafted[0].is_edited
    assert LearningPlan.objects.filter(employee=cast.employee).count() == 1


def test_redrafting_leaves_the_idp_items_made_from_the_plan(client, cast):
    _gap(cast.employee, "A", target=2, current=1)
    _draft(client, cast.employee)
    client.post(reverse("learning:objective_to_idp_item", args=[_objectives(cast.employee)[0].pk]))
    assert "The IDP item you made from 1 objective stays" in client.get(DRAFT).content.decode()

    client.post(DRAFT, {"replace": "1"})

    assert IdpItem.objects.filter(employee=cast.employee, status=ItemStatus.DRAFT).count() == 1


# Editing and removing


def test_the_employee_edits_an_objective(client, cast):
    _gap(cast.employee, "A", target=2, current=1)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]
    due = timezone.localdate() + timedelta(days=30)

    response = client.post(
        _edit_url(objective), _edit_data(objective, measurable="My supervisor signs it off.", due_date=due.isoformat())
    )

    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.measurable, objective.due_date, objective.is_edited) == ("My supervisor signs it off.", due, True)
    page = client.get(MY_PLAN).content.decode()
    assert "My supervisor signs it off." in page and "edited" in page


def test_an_invalid_edit_shows_clear_errors_and_changes_nothing(client, cast):
    _gap(cast.employee, "A", target=2, current=1)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]
    yesterday = timezone.localdate() - timedelta(days=1)

    response = client.post(_edit_url(objective), _edit_data(objective, specific="", due_date=yesterday.isoformat()))

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "The due date is in the past: choose today or a later day." in page
    assert _objectives(cast.employee)[0].specific == objective.specific


def test_removing_an_objective_shortens_its_phase_and_an_empty_phase_goes(client, cast):
    for code in ("A", "B", "C"):
        _gap(cast.employee, code, target=2 if code == "A" else 1)
    _draft(client, cast.employee)
    phase_one = LearningPhase.objects.get(plan__employee=cast.employee, order=1)
    assert phase_one.weeks == 26  # three steps, two at a time
    first, *_rest, last = _objectives(cast.employee)
    assert last.phase.order == 2

    client.post(reverse("learning:objective_delete", args=[first.pk]))
    client.post(reverse("learning:objective_delete", args=[last.pk]))

    phase_one.refresh_from_db()
    assert phase_one.weeks == 13
    assert list(LearningPhase.objects.filter(plan__employee=cast.employee).values_list("order", flat=True)) == [1]
    assert "Total duration: 13 weeks" in client.get(MY_PLAN).content.decode()


# Making IDP items


def test_make_idp_item_creates_a_draft_item_from_the_objective_once(client, cast):
    _gap(cast.employee, "A", target=3, current=1)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]
    url = reverse("learning:objective_to_idp_item", args=[objective.pk])

    response = client.post(url)

    assert response.status_code == 302
    item = IdpItem.objects.get(employee=cast.employee)
    assert (item.status, item.competency_id, item.target_level, item.target_date, item.activity_type) == (
        ItemStatus.DRAFT,
        objective.competency_id,
        2,
        objective.due_date,
        objective.activity_type,
    )
    assert objective.specific in item.description and objective.measurable in item.description
    objective.refresh_from_db()
    assert objective.idp_item == item
    page = client.get(MY_PLAN).content.decode()
    assert reverse("idp:item", args=[item.pk]) in page
    assert url not in page  # the button is gone
    # The next step of the same competency says it has an active item instead of a button.
    second = _objectives(cast.employee)[1]
    assert reverse("learning:objective_to_idp_item", args=[second.pk]) not in page
    assert "This competency has an active IDP item already" in page

    client.post(url)  # a double click
    client.post(reverse("learning:objective_to_idp_item", args=[second.pk]))
    assert IdpItem.objects.filter(employee=cast.employee).count() == 1


def test_an_assessment_objective_makes_an_item_naming_the_online_assessment_to_pass(client, cast):
    competency = _gap(cast.employee, "A", target=2, current=1)
    recorded = AssessmentFactory(title="A recorded check", category="", is_published=False)
    online = published_assessment(title="Online check")
    for assessment in (recorded, online):
        CompetencyMappingFactory(competency=competency, assessment=assessment, category="", level_granted=2)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]
    assert objective.activity_type == ActivityType.ASSESSMENT
    assert "A recorded check" in objective.measurable and "Online check" in objective.measurable

    client.post(reverse("learning:objective_to_idp_item", args=[objective.pk]))

    item = IdpItem.objects.get(employee=cast.employee)
    assert (item.activity_type, item.assessment) == (ActivityType.ASSESSMENT, online)


def test_a_competency_with_an_active_item_makes_no_second_one(client, cast):
    competency = _gap(cast.employee, "A", target=2, current=1)
    existing = IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.APPROVED)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]

    page = client.get(MY_PLAN).content.decode()
    assert "This competency has an active IDP item already" in page
    assert reverse("idp:item", args=[existing.pk]) in page
    client.post(reverse("learning:objective_to_idp_item", args=[objective.pk]))

    assert list(IdpItem.objects.filter(employee=cast.employee)) == [existing]


# Who sees what


def test_the_supervisor_and_hc_read_the_plan_without_its_controls(client, cast):
    _gap(cast.employee, "A", target=2, current=1)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]
    url = reverse("learning:employee_plan", args=[cast.employee.pk])
    for reader in (cast.supervisor, cast.hc):
        client.force_login(reader)
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and objective.specific in page
        assert _edit_url(objective) not in page and "Make IDP item" not in page and 'id="print-plan"' in page
        assert client.post(reverse("learning:objective_delete", args=[objective.pk])).status_code == 403
    client.force_login(cast.colleague)
    assert client.get(url).status_code == 404
    assert client.post(reverse("learning:objective_delete", args=[objective.pk])).status_code == 404
    assert LearningObjective.objects.filter(pk=objective.pk).exists()


def test_changes_to_a_plan_are_in_the_audit_trail(client, cast):
    from hrportal.models import AuditEntry

    _gap(cast.employee, "A", target=2, current=1)
    _draft(client, cast.employee)
    objective = _objectives(cast.employee)[0]
    client.post(_edit_url(objective), _edit_data(objective, specific="Mine."))

    entries = AuditEntry.objects.get_for_object(objective)
    assert entries.count() == 2 and entries.filter(actor=cast.employee).count() == 2


# Printing


def test_the_plan_prints_with_a_button_a_script_file_and_a_print_stylesheet(client, cast):
    _gap(cast.employee, "A", target=2, current=1)
    _draft(client, cast.employee)
    page = client.get(MY_PLAN).content.decode()
    assert '<button type="button" class="btn btn-outline-primary" id="print-plan">Print</button>' in page
    assert "js/learning-print.js" in page and "onclick" not in page
    script = (Path(settings.BASE_DIR) / "static/js/learning-print.js").read_text()
    assert 'getElementById("print-plan")' in script and "window.print()" in script
    css = (Path(settings.BASE_DIR) / "static/css/portal.css").read_text()
    print_rules = css[css.index("@media print") :]
    assert ".learning-phase + .learning-phase { break-before: page; }" in print_rules
    assert ".navbar" in print_rules and ".learning-plan form" in print_rules and "size: A4" in print_rules


# The page cache (hrportal/page_cache.py): the plan page comes from the cache until something
# it shows changes, through any door, and then shows the change at once. Each test first shows
# that the page IS served from the cache, so that a door that forgot to bump would fail it.


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _cached(client, url: str = MY_PLAN) -> str:
    miss, _ = _queries(client, url)
    hit, html = _queries(client, url)
    assert hit < miss, f"{url}: not served from the cache ({hit} queries, then {miss})"
    return html


@pytest.fixture
def planned(client, cast):
    """The employee's plan of two objectives (A and B, one step each), the message shown."""
    _gap(cast.employee, "A", target=2, current=1)
    _gap(cast.employee, "B", target=1)
    _draft(client, cast.employee)
    client.get(MY_PLAN)
    return _objectives(cast.employee)


def test_an_edited_objective_shows_at_once_to_the_employee_and_the_supervisor(client, cast, planned):
    report = reverse("learning:employee_plan", args=[cast.employee.pk])
    client.force_login(cast.supervisor)
    _cached(client, report)
    client.force_login(cast.employee)
    assert "My supervisor signs it off." not in _cached(client)
    client.post(_edit_url(planned[0]), _edit_data(planned[0], measurable="My supervisor signs it off."))
    assert "My supervisor signs it off." in _cached(client)
    client.force_login(cast.supervisor)
    assert "My supervisor signs it off." in client.get(report).content.decode()


def test_a_removed_objective_leaves_the_page_at_once(client, cast, planned):
    assert f'id="objective-{planned[1].pk}"' in _cached(client)
    client.post(reverse("learning:objective_delete", args=[planned[1].pk]))
    client.get(MY_PLAN)  # the message
    assert f'id="objective-{planned[1].pk}"' not in _cached(client)


def test_an_item_made_from_an_objective_and_its_status_show_at_once(client, cast, planned):
    assert "IDP item:" not in _cached(client)
    client.post(reverse("learning:objective_to_idp_item", args=[planned[0].pk]))
    client.get(MY_PLAN)  # the message
    html = _cached(client)
    item = IdpItem.objects.get(employee=cast.employee)
    assert f'href="{item.get_absolute_url()}"' in html and str(ItemStatus.DRAFT.label) in html
    client.post(reverse("idp:item_action", args=[item.pk, "submit"]))
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.SUBMITTED
    assert str(ItemStatus.SUBMITTED.label) in client.get(MY_PLAN).content.decode()


def test_an_idp_item_made_on_the_idp_page_shows_on_the_plan_at_once(client, cast, planned):
    assert "This competency has an active IDP item already." not in _cached(client)
    client.post(reverse("idp:suggestion_accept", args=[planned[0].competency_id]))
    assert "This competency has an active IDP item already." in client.get(MY_PLAN).content.decode()


def test_a_redrafted_plan_shows_at_once(client, cast, planned):
    assert f'id="objective-{planned[0].pk}"' in _cached(client)
    client.post(DRAFT, {"replace": "1"})
    client.get(MY_PLAN)  # the message
    html = _cached(client)
    assert f'id="objective-{planned[0].pk}"' not in html
    assert all(f'id="objective-{objective.pk}"' in html for objective in _objectives(cast.employee))


# A fixed number of queries


@pytest.mark.parametrize("competencies", [1, 10])
def test_the_plan_page_costs_the_same_queries_for_3_or_30_objectives(
    client, cast, django_assert_num_queries, competencies
):
    for number in range(competencies):
        competency = _gap(cast.employee, f"C{number}", target=4, current=1)
        IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.APPROVED)
    _draft(client, cast.employee)
    assert len(_objectives(cast.employee)) == 3 * competencies
    assert "Learning plan drafted" in client.get(MY_PLAN).content.decode()  # the message, shown once
    give_level(cast.employee, CompetencyFactory(), 1)  # any change of the employee's: a new page
    # 1 session, 2 viewer, 3 the page stamps with navbar's unread count (hrportal/page_cache.py),
    # 4 employee with position and section, 5 the plan, 6 its phases, 7 their objectives with
    # competency and IDP item, 8 the active IDP items, 9 navbar's direct reports:
    with django_assert_num_queries(9):
        response = client.get(MY_PLAN)
    assert response.status_code == 200
    # Then the whole page from the cache: session, viewer, stamps.
    with django_assert_num_queries(3):
        again = client.get(MY_PLAN)
    assert again.content.count(b'class="list-group-item learning-objective"') == 3 * competencies
    client.force_login(cast.supervisor)
    # The supervisor: the same 9, the employee (whom the viewer may see) in place of the own
    # position and section.
    with django_assert_num_queries(9):
        response = client.get(reverse("learning:employee_plan", args=[cast.employee.pk]))
    assert response.status_code == 200
    # session, viewer, the employee (whom the viewer may see), stamps:
    with django_assert_num_queries(4):
        again = client.get(reverse("learning:employee_plan", args=[cast.employee.pk]))
    assert again.content.count(b'class="list-group-item learning-objective"') == 3 * competencies


@pytest.mark.parametrize("competencies", [1, 10])
def test_drafting_costs_the_same_queries_for_3_or_30_objectives_to_read(
    client, cast, django_assert_max_num_queries, competencies
):
    for number in range(competencies):
        competency = _gap(cast.employee, f"C{number}", target=4, current=1)
        LevelDescriptorFactory(competency=competency, level=2)
        CompetencyMappingFactory(competency=competency, level_granted=3)
    AssessmentFactory(category="Assessment OJ")
    client.force_login(cast.employee)
    from learning.drafting import plan_draft

    # 1, 2 the gaps (targets, levels), 3 the career paths, 4 the descriptors, 5, 6 the mappings
    # and assessments that grant the steps' levels (no next position: no targets query):
    with django_assert_max_num_queries(6):
        draft = plan_draft(employee=cast.employee)
    assert len(draft.objectives) == 3 * competencies
