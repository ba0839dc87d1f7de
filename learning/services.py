"""Writes to learning plans. Only the employee drafts, edits or turns their own plan into IDP
items; their supervisor and HC read it (learning.views)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment
from assessments.selectors.raising import assessments_granting
from hrportal.models import User
from hrportal.page_cache import bump_people
from idp.models import ActivityType, IdpItem
from idp.selectors import active_items_by_competency
from idp.services import assessments_for_item, idp_item_create
from learning.drafting import phase_weeks, plan_draft
from learning.models import LearningObjective, LearningPhase, LearningPlan

EDITABLE_FIELDS = ("activity_type", "specific", "measurable", "achievable", "relevant", "due_date")


class PlanExists(Exception):
    """The employee has a plan already and the redraft was not confirmed: nothing changed."""


class NothingToPlan(Exception):
    """No gap to plan for (every target met, or no position)."""


class AlreadyPlanned(Exception):
    """The objective has its IDP item already, or its competency has an active one."""


def _require_owner(employee_id: int, by: User, refusal: str) -> None:
    if by.pk != employee_id:
        raise PermissionDenied(refusal)


def learning_plan_draft(*, employee: User, by: User, replace: bool = False, today: date | None = None) -> LearningPlan:
    """Draft `employee`'s plan from their gaps (learning.drafting states the rule); texts in the
    active language. A plan that exists is replaced only when `replace` is given (the employee
    confirmed losing its objectives, edited ones included); otherwise PlanExists and nothing
    changes. IDP items made from replaced objectives stay in the IDP plan.

    The employee's row is locked first (by bumping their page stamp, which locks it), so two
    drafts at once serialise (and the plan's unique constraint holds whatever happens)."""
    _require_owner(employee.pk, by, _("Only the employee drafts their own learning plan."))
    with transaction.atomic():
        bump_people([employee.pk])
        plan = LearningPlan.objects.filter(employee=employee).first()
        if plan is not None and not replace:
            raise PlanExists(_("You have a learning plan already: confirm to replace it."))
        draft = plan_draft(employee=employee, today=today)
        if not draft.phases:
            raise NothingToPlan(_("Nothing to plan: your position has no gap to close."))
        if plan is None:
            plan = LearningPlan.objects.create(employee=employee, drafted_by=by)
        else:
            # One by one (not a queryset delete), so the audit trail records each removal.
            for objective in plan.objectives.all():
                objective.delete()
            for phase in plan.phases.all():
                phase.delete()
            plan.drafted_by = by
            plan.save()
        order = 0
        for number, drafted_phase in enumerate(draft.phases, start=1):
            phase = LearningPhase.objects.create(
                plan=plan, order=number, title=drafted_phase.title, weeks=drafted_phase.weeks
            )
            for drafted in drafted_phase.objectives:
                order += 1
                LearningObjective.objects.create(
                    plan=plan,
                    phase=phase,
                    order=order,
                    competency_id=drafted.competency_id,
                    from_level=drafted.from_level,
                    to_level=drafted.to_level,
                    activity_type=drafted.activity_type,
                    specific=drafted.specific,
                    measurable=drafted.measurable,
                    achievable=drafted.achievable,
                    relevant=drafted.relevant,
                    due_date=drafted.due_date,
                )
    return plan


def _locked(objective: LearningObjective) -> LearningObjective:
    """The objective, locked, after its employee's row: their page stamp is bumped first (that
    locks them, hrportal.page_cache.bump_people), as every write about a person does, so the
    learning plan page shows the change at once and no two writes lock in opposite orders."""
    bump_people([objective.plan.employee_id])
    return (
        LearningObjective.objects.select_for_update(of=("self",))
        .select_related("plan__employee", "competency")
        .get(pk=objective.pk)
    )


def validate_due_date(due_date: date) -> None:
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("The due date is in the past: choose today or a later day.")})


def learning_objective_update(*, objective: LearningObjective, by: User, **changes) -> LearningObjective:
    """The employee edits an objective's texts, type or due date; it is then marked edited (a
    redraft asks before replacing it)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    _require_owner(objective.plan.employee_id, by, _("Only the employee edits their own learning plan."))
    with transaction.atomic():
        locked = _locked(objective)
        changed = [field for field, value in changes.items() if getattr(locked, field) != value]
        if "due_date" in changed:  # an objective already past due keeps its date through other edits
            validate_due_date(changes["due_date"])
        if changed:
            for field in changed:
                setattr(locked, field, changes[field])
            locked.is_edited = True
            locked.save()
            locked.plan.save(update_fields=["updated"])
    return locked


def learning_objective_delete(*, objective: LearningObjective, by: User) -> None:
    """The employee removes an objective. Its phase's duration follows the rule for the steps
    left (learning.drafting.phase_weeks); a phase left empty goes too. Its IDP item, if any, stays."""
    _require_owner(objective.plan.employee_id, by, _("Only the employee edits their own learning plan."))
    with transaction.atomic():
        locked = _locked(objective)
        phase = LearningPhase.objects.select_for_update().get(pk=locked.phase_id)
        locked.delete()
        remaining = phase.objectives.count()
        if remaining:
            phase.weeks = phase_weeks(remaining)
            phase.save()
        else:
            phase.delete()
        locked.plan.save(update_fields=["updated"])


def idp_item_description(objective: LearningObjective) -> str:
    """The IDP item's description: the objective's four texts, each named (the time-bound part
    is the item's target date)."""
    return "\n".join(
        [
            _("Specific: %(text)s") % {"text": objective.specific},
            _("Measurable: %(text)s") % {"text": objective.measurable},
            _("Achievable: %(text)s") % {"text": objective.achievable},
            _("Relevant: %(text)s") % {"text": objective.relevant},
        ]
    )


def _assessment_to_pass(objective: LearningObjective, employee: User) -> Assessment | None:
    """For an objective of type assessment: the first (by title) online assessment open to the
    employee whose mapping grants the objective's level, which the IDP item then names (passing
    it closes the item as verified). None for other types, or when none is online."""
    if objective.activity_type != ActivityType.ASSESSMENT:
        return None
    granting = assessments_granting(employee=employee, steps=[(objective.competency_id, objective.to_level)])
    online = [
        a.assessment_id for a in granting.get((objective.competency_id, objective.to_level), []) if a.is_published
    ]
    if not online:
        return None
    return assessments_for_item(employee=employee).filter(pk__in=online).order_by("title", "pk").first()


def learning_objective_to_idp_item(*, objective: LearningObjective, by: User) -> IdpItem:
    """One click: a draft IDP item from the objective, through idp.services.idp_item_create (type
    from the objective, description from its texts, target level, target date = due date, and
    for an assessment objective the online assessment to pass, _assessment_to_pass), and the
    objective linked to it. AlreadyPlanned when the objective has its item already (a double
    click) or its competency has an active item."""
    _require_owner(objective.plan.employee_id, by, _("Only the employee adds items to their own plan."))
    with transaction.atomic():
        # _locked locks the employee's row first: two objectives of one competency posted at
        # once wait for each other there, and make one item.
        locked = _locked(objective)
        if locked.idp_item_id is not None:
            raise AlreadyPlanned(_("This objective is an IDP item already."))
        employee = locked.plan.employee
        if locked.competency_id in active_items_by_competency(employee=employee):
            raise AlreadyPlanned(
                _("%(competency)s has an active IDP item already: finish or cancel it first.")
                % {"competency": locked.competency.name}
            )
        item = idp_item_create(
            employee=employee,
            competency=locked.competency,
            activity_type=locked.activity_type,
            description=idp_item_description(locked),
            target_date=locked.due_date,
            target_level=locked.to_level,
            assessment=_assessment_to_pass(locked, employee),
            by=by,
        )
        locked.idp_item = item
        locked.save(update_fields=["idp_item"])
    return item
