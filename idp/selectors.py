"""Reads for the IDP pages, each a fixed number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.models import MAX_LEVEL, CompetencyLevel, LevelDescriptor, PositionTarget, level_label
from competencies.rules import GapStatus, counted_level_expression, gap_expression
from competencies.selectors.gaps import GapReport, GapRow
from hrportal.access import active_delegators, approvable_q, approval_right
from hrportal.models import ApprovalDelegation, User
from idp.models import ActivityType, IdpItem, ItemStatus, SuggestionDismissal

MAX_SUGGESTIONS = 5

# Plan sections in the order the employee works through them.
STATUS_ORDER = [
    ItemStatus.REJECTED,
    ItemStatus.DRAFT,
    ItemStatus.SUBMITTED,
    ItemStatus.APPROVED,
    ItemStatus.IN_PROGRESS,
    ItemStatus.COMPLETED,
    ItemStatus.VERIFIED,
    ItemStatus.CANCELLED,
]


def active_items_by_competency(*, employee: User) -> dict[int, int]:
    """{competency id: id of an active item} for `employee`. One query."""
    pairs = IdpItem.objects.for_employee(employee).active().order_by("-pk").values_list("competency_id", "pk")
    return {competency_id: item_id for competency_id, item_id in pairs}


def active_items_for_competency(*, employee: User, competency_id: int) -> list[IdpItem]:
    """`employee`'s active items in one competency, newest first. One query."""
    return list(IdpItem.objects.for_employee(employee).active().filter(competency_id=competency_id).order_by("-pk"))


@dataclass(frozen=True)
class Suggestion:
    row: GapRow
    activity_type: str
    description: str
    target_level: int
    target_date: date

    @property
    def activity_label(self) -> str:
        return str(ActivityType(self.activity_type).label)

    @property
    def target_label(self) -> str:
        return level_label(self.target_level)


# When a competency has no level descriptor, the size of the gap picks the activity.
DEFAULT_ACTIVITY_BY_GAP = {
    1: (ActivityType.ASSESSMENT, gettext_lazy("Take the next-level assessment for this competency.")),
    2: (
        ActivityType.ON_THE_JOB,
        gettext_lazy("On-the-job training with a qualified colleague, or an intermediate assessment."),
    ),
    3: (
        ActivityType.TRAINING,
        gettext_lazy("A structured training programme covering the competency from the current level up."),
    ),
}
WEEKS_PER_LEVEL = 12


def _next_level(row: GapRow) -> int:
    """One level at a time; an expired level is renewed at the level it had."""
    return row.stored_level if row.expired else min(row.current + 1, MAX_LEVEL)


def _suggestion_for(row: GapRow, descriptor: LevelDescriptor | None, today: date) -> Suggestion:
    target_level = _next_level(row)
    activity_type, default_text = DEFAULT_ACTIVITY_BY_GAP[min(row.gap, 3)]
    text = str(default_text)
    if row.expired:
        activity_type, text = ActivityType.ASSESSMENT, _("Renew the expired level: pass its assessment again.")
    if descriptor and (descriptor.syllabus or descriptor.deliverable):
        parts = [
            _("Syllabus: %(syllabus)s") % {"syllabus": descriptor.syllabus} if descriptor.syllabus else "",
            _("Deliverable: %(deliverable)s") % {"deliverable": descriptor.deliverable}
            if descriptor.deliverable
            else "",
        ]
        text = "\n".join(p for p in parts if p)
    return Suggestion(
        row=row,
        activity_type=activity_type,
        description=text,
        target_level=target_level,
        target_date=today + timedelta(weeks=WEEKS_PER_LEVEL),
    )


def idp_suggestions(*, employee: User, report: GapReport, active_items: dict[int, int]) -> list[Suggestion]:
    """Up to five suggestions for the largest gaps that have no active item and were not
    dismissed at their current gap. Met (and not applicable) competencies are never suggested.
    Two queries: dismissals and the descriptors of the next levels."""
    dismissed = dict(SuggestionDismissal.objects.filter(employee=employee).values_list("competency_id", "gap"))
    rows = [
        row
        for row in report.rows  # already sorted, largest gap first
        if row.status != GapStatus.MET
        and row.competency_id not in active_items
        and dismissed.get(row.competency_id) != row.gap
    ][:MAX_SUGGESTIONS]
    if not rows:
        return []
    wanted = {(row.competency_id, _next_level(row)) for row in rows}
    descriptors = {
        (d.competency_id, d.level): d
        for d in LevelDescriptor.objects.filter(competency_id__in=[r.competency_id for r in rows])
        if (d.competency_id, d.level) in wanted
    }
    today = timezone.localdate()
    return [_suggestion_for(row, descriptors.get((row.competency_id, _next_level(row))), today) for row in rows]


def competency_suggestion(*, employee: User, row: GapRow, active_items: dict[int, int]) -> Suggestion | None:
    """The suggestion for one competency's gap row, as idp_suggestions would make it whatever
    the row's rank among the employee's gaps: None when it is met, has an active item or was
    dismissed at its current gap. Two queries at most (dismissals, descriptors)."""
    suggestions = idp_suggestions(
        employee=employee, report=GapReport(employee=employee, rows=[row]), active_items=active_items
    )
    return suggestions[0] if suggestions else None


@dataclass(frozen=True)
class PlanSection:
    status: ItemStatus
    items: list[IdpItem]


def plan_items(*, employee: User) -> list[IdpItem]:
    """All of `employee`'s items with their competency. One query."""
    return list(IdpItem.objects.for_employee(employee).select_related("competency"))


def plan_sections(items: list[IdpItem]) -> list[PlanSection]:
    by_status: dict[str, list[IdpItem]] = {}
    for item in items:
        by_status.setdefault(item.status, []).append(item)
    return [PlanSection(ItemStatus(s), by_status[s]) for s in STATUS_ORDER if s in by_status]


def with_gap(queryset: QuerySet[IdpItem]) -> QuerySet[IdpItem]:
    """Annotate each item with its employee's current level (the level that counts: none once
    expired) and position target in its competency, and the gap between them."""
    target = PositionTarget.objects.filter(position=OuterRef("employee__position"), competency=OuterRef("competency"))
    current = CompetencyLevel.objects.filter(employee=OuterRef("employee"), competency=OuterRef("competency"))
    return (
        queryset.annotate(
            position_target=Subquery(target.values("target_level")[:1]),
            stored_level=Subquery(current.values("level")[:1]),
            level_expires_at=Subquery(current.values("expires_at")[:1]),
        )
        .annotate(
            current_level=counted_level_expression(
                level="stored_level", expires_at="level_expires_at", now=timezone.now()
            )
        )
        .annotate(gap=gap_expression(target="position_target", level="current_level"))
    )


def approval_scope(*, approver: User, delegators: Iterable[int]) -> QuerySet[IdpItem]:
    """The submitted items `approver` may decide, given whose approvals they hold today
    (`delegators`: the ids of active_delegators): exactly those hrportal.access.approval_right
    allows."""
    return IdpItem.objects.filter(status=ItemStatus.SUBMITTED).filter(
        approvable_q(approver, delegators, employee="employee", escalation="escalation")
    )


def approval_queue(
    *, approver: User, day: date | None = None, delegators: dict[int, User] | None = None
) -> list[IdpItem]:
    """Submitted items `approver` may decide on `day` (default today), oldest first: exactly
    those hrportal.access.approval_right allows (their direct reports'; escalated items of
    their reports' reports; for HC those of employees without an active supervisor and items
    escalated to HC; a delegator's items while a delegation holds), never the approver's own.
    Each item carries `approval` (the ApprovalRight: the page marks delegated and escalated
    rows). Two queries: the approver's delegations (unless `delegators` are given, from
    active_delegators on `day`), the items with their gaps."""
    if delegators is None:
        delegators = active_delegators(approver, day)
    queryset = with_gap(
        approval_scope(approver=approver, delegators=delegators).select_related(
            "employee__position", "employee__supervisor__supervisor", "competency"
        )
    ).order_by(F("submitted_at").asc(nulls_first=True), "updated_at", "pk")
    items = list(queryset)
    for item in items:
        item.approval = approval_right(approver, item.employee, escalation=item.escalation, delegators=delegators)
    return items


def delegations_given(*, delegator: User) -> list[ApprovalDelegation]:
    """`delegator`'s delegations, latest first, with their delegates. One query."""
    return list(ApprovalDelegation.objects.filter(delegator=delegator).select_related("delegate__position", "ended_by"))


def delegations_received(*, delegate: User) -> list[ApprovalDelegation]:
    """The delegations `delegate` holds now or later (not ended, not over). One query."""
    return list(
        ApprovalDelegation.objects.filter(delegate=delegate, ended_at__isnull=True, ends_on__gte=timezone.localdate())
        .select_related("delegator")
        .order_by("starts_on", "pk")
    )
