"""Writes to IDP items. Every status change goes through `_apply`, which enforces idp.workflow,
locks the item, records the timeline row and notifies the people concerned."""

import copy
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, AssessmentResult
from competencies.models import MAX_LEVEL, Competency, CompetencyLevel, LevelSource, level_label
from competencies.services import level_raise
from hrportal.access import approval_right
from hrportal.audit import audit_batched, audited_save
from hrportal.delegation import delegates_of
from hrportal.models import Escalation, NotificationKind, NotificationPriority, User
from hrportal.notifications import hc_recipients, lazy_join, lazy_text, notifications_mark_read_about, notify
from hrportal.page_cache import bump_people
from idp.models import ActivityType, IdpItem, IdpItemTransition, ItemStatus, SuggestionDismissal
from idp.workflow import ALL_TRANSITIONS, RESTORED, Actor, may_take

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class TransitionNotAllowed(Exception):
    """The item is no longer in a status this action applies to (double click, stale page)."""


def _validate_target_level(level: int) -> None:
    if not 1 <= level <= MAX_LEVEL:
        raise ValidationError(
            {"target_level": _("The target level must be from 1 to %(highest)s.") % {"highest": MAX_LEVEL}}
        )


def default_target_level(*, employee: User, competency: Competency) -> int:
    """Current level + 1, at most the top of the scale."""
    current = (
        CompetencyLevel.objects.filter(employee=employee, competency=competency).values_list("level", flat=True).first()
    )
    return min((current or 0) + 1, MAX_LEVEL)


def assessments_for_item(*, employee: User, current: Assessment | None = None):
    """The assessments an item of `employee` may name: the published ones open to them, plus
    the one it names already (which stays valid if it is unpublished later)."""
    eligible = Assessment.objects.eligible_for(employee)
    if current is not None:
        eligible = eligible | Assessment.objects.filter(pk=current.pk)
    return eligible


def validate_item_assessment(
    *, employee: User, activity_type: str, assessment: Assessment | None, current: Assessment | None = None
) -> None:
    """Only an item of type assessment names one, and only one `employee` may take (or the one
    the item names already, `current`). Raises ValidationError on the `assessment` field."""
    if assessment is None:
        return
    if activity_type != ActivityType.ASSESSMENT:
        raise ValidationError(
            {
                "assessment": _(
                    "Only an item of type Assessment names an assessment to pass: change the type or clear it."
                )
            }
        )
    if not assessments_for_item(employee=employee, current=current).filter(pk=assessment.pk).exists():
        raise ValidationError({"assessment": _("This assessment is not published or not open to you.")})


def idp_item_create(
    *,
    employee: User,
    competency: Competency,
    activity_type: str,
    description: str,
    target_date: date,
    target_level: int | None = None,
    assessment: Assessment | None = None,
    by: User,
) -> IdpItem:
    """A new draft item in `employee`'s plan; only the employee drafts their own items.

    An item of type assessment may name the assessment to pass (published and open to the
    employee); passing it closes the item as verified (idp_items_close_by_result).
    """
    if by.pk != employee.pk:
        raise PermissionDenied(_("Only the employee drafts items in their own plan."))
    if target_level is None:
        target_level = default_target_level(employee=employee, competency=competency)
    _validate_target_level(target_level)
    if activity_type not in ActivityType.values:
        raise ValidationError({"activity_type": _("Choose a type of activity.")})
    validate_item_assessment(employee=employee, activity_type=activity_type, assessment=assessment)
    with transaction.atomic():
        item = IdpItem.objects.create(
            employee=employee,
            competency=competency,
            activity_type=activity_type,
            description=description.strip(),
            target_date=target_date,
            target_level=target_level,
            assessment=assessment,
        )
        IdpItemTransition.objects.create(item=item, from_status="", to_status=ItemStatus.DRAFT, by=by)
        bump_people([employee.pk])  # their cached pages (hrportal/page_cache.py)
    return item


EDITABLE_FIELDS = ("competency", "activity_type", "description", "target_date", "target_level", "assessment")


def idp_item_update(*, item: IdpItem, by: User, **changes) -> IdpItem:
    """The owner edits a draft or rejected item; editing a rejected item reopens it as a draft."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    if by.pk != item.employee_id:
        raise PermissionDenied(_("Only the employee edits their own items."))
    if "target_level" in changes:
        _validate_target_level(changes["target_level"])
    with transaction.atomic():
        bump_people([item.employee_id])  # before the item's lock, as in _apply
        locked = IdpItem.objects.select_for_update().get(pk=item.pk)
        if not locked.is_editable:
            raise TransitionNotAllowed(
                _("This item is %(status)s now and can no longer be edited.")
                % {"status": locked.get_status_display().lower()}
            )
        current_assessment = locked.assessment
        for field, value in changes.items():
            setattr(locked, field, value)
        validate_item_assessment(
            employee=locked.employee,
            activity_type=locked.activity_type,
            assessment=locked.assessment,
            current=current_assessment,
        )
        locked.save()
        if locked.status == ItemStatus.REJECTED:
            _apply(item=locked, action="revise", by=by, comment=_("Edited after rejection."))
    return locked


def _locked(item: IdpItem) -> IdpItem:
    """`item`'s row, locked, with its employee and competency: those of `item` when the caller
    loaded them (the item page's access check did, a moment before), else read with the row.
    Either way they are not locked (only the item is), so they are as fresh one way as the other."""
    loaded = IdpItem.employee.is_cached(item) and IdpItem.competency.is_cached(item)
    if not loaded:
        return (
            IdpItem.objects.select_for_update(of=("self",))
            .select_related("employee", "employee__supervisor__supervisor", "competency")
            .get(pk=item.pk)
        )
    locked = IdpItem.objects.select_for_update().get(pk=item.pk)
    if locked.employee_id == item.employee_id:
        locked.employee = item.employee
    if locked.competency_id == item.competency_id:
        locked.competency = item.competency
    return locked


def _apply(
    *,
    item: IdpItem,
    action: str,
    by: User | None,
    comment: str = "",
    result: AssessmentResult | None = None,
    to_status: str | None = None,
    escalated_to: int | None = None,
    **fields,
) -> IdpItem:
    """Lock the item, check the workflow, set status and `fields`, record the timeline row.

    Raises TransitionNotAllowed when the item has moved on (so a double post acts once), and
    PermissionDenied when `by` may not take this action on this item. A system transition
    is taken by the service that reacts to its event; `by` then only names who caused it
    (or None), `result` the result it reacted to, and no role check applies. A transition
    whose target is RESTORED goes to `to_status`, which its service gives. An approver acting
    as someone's delegate is recorded with whose approvals they held (`on_behalf_of`);
    `escalated_to` marks an escalation step (idp.escalation).
    """
    transition = ALL_TRANSITIONS[action]
    if (transition.target == RESTORED) != (to_status is not None):
        raise ValueError(f"{action}: to_status is given exactly when the transition restores a status.")
    # The item is on its employee's pages (hrportal/page_cache.py). Bumped before the item is
    # locked, as the bump locks the person's row: a recorded pass locks the person first and
    # then closes their items, so the same order here cannot deadlock with it.
    bump_people([item.employee_id])
    locked = _locked(item)
    if transition.actor != Actor.SYSTEM and (by is None or not may_take(by, locked, transition)):
        raise PermissionDenied(transition.refusal())
    on_behalf_of = None
    if transition.actor == Actor.APPROVER and by is not None:
        right = approval_right(by, locked.employee, escalation=locked.escalation)
        on_behalf_of = right.delegator if right is not None else None
    if locked.status not in transition.sources:
        raise TransitionNotAllowed(
            _("Nothing changed: this item is %(status)s now, so it cannot be %(done)s. The page showed an older state.")
            % {"status": locked.get_status_display().lower(), "done": transition.done}
        )
    from_status = locked.status
    as_locked = copy.copy(locked)
    locked.status = to_status or transition.target
    for field, value in fields.items():
        setattr(locked, field, value)
    # The item's and the timeline row's audit entries in one insert.
    with audit_batched():
        audited_save(locked, old=as_locked, update_fields=["status", *fields, "updated_at"])
        IdpItemTransition.objects.create(
            item=locked,
            from_status=from_status,
            to_status=locked.status,
            by=by,
            comment=comment,
            result=result,
            on_behalf_of=on_behalf_of,
            escalated_to=escalated_to,
        )
    # Someone acted on what waited: its "to approve" / "to verify" notifications are read, for everyone told.
    done = _DONE_WHEN_LEAVING.get(from_status)
    if done and locked.status != from_status:
        notifications_mark_read_about(obj=locked, kinds=done)
    return locked


# The notification kinds that an item leaving a status settles (approved, rejected or cancelled,
# an escalation's call to approve too; verified or closed).
_DONE_WHEN_LEAVING: dict[str, tuple[str, ...]] = {
    ItemStatus.SUBMITTED: (NotificationKind.TO_APPROVE, NotificationKind.ESCALATION),
    ItemStatus.COMPLETED: (NotificationKind.TO_VERIFY,),
}


def _about(item: IdpItem) -> "StrOrPromise":
    """The item in a few words, "GSH-02 Hazard identification → 3 · Advanced", in the language it is read in."""
    return format_lazy(
        "{code} {name} → {level}",
        code=item.competency.code,
        name=lazy_text(getattr, item.competency, "name"),
        level=lazy_text(level_label, item.target_level),
    )


def _with_comment(text: "StrOrPromise", comment: str) -> "StrOrPromise":
    """A notification's body, with the approver's comment on its own line when there is one."""
    if not comment:
        return text
    return lazy_join("\n", [text, format_lazy(gettext_lazy("Comment: {comment}"), comment=comment)])


def idp_item_submit(*, item: IdpItem, by: User) -> IdpItem:
    with transaction.atomic():
        # A (re)submission starts the escalation clock afresh.
        item = _apply(
            item=item,
            action="submit",
            by=by,
            submitted_at=timezone.now(),
            escalation=Escalation.NONE,
            escalated_at=None,
        )
        employee = item.employee
        supervisor = employee.approving_supervisor
        approvers: list[User] = (
            # The supervisor's delegates too, while a delegation holds (never the employee).
            [supervisor, *(d for d in delegates_of(supervisor) if d.pk != employee.pk)]
            if supervisor is not None
            else [u for u in hc_recipients() if u.pk != employee.pk]
        )
        notify(
            recipients=approvers,
            subject=format_lazy(gettext_lazy("IDP item to approve: {name}"), name=employee.display_name),
            body=format_lazy(
                gettext_lazy("{name} submitted a development item for approval: {item}."),
                name=employee.display_name,
                item=_about(item),
            ),
            url=item.get_absolute_url(),
            kind=NotificationKind.TO_APPROVE,
            about=item,
        )
    return item


def idp_item_approve(*, item: IdpItem, by: User, comment: str = "") -> IdpItem:
    with transaction.atomic():
        item = _apply(item=item, action="approve", by=by, comment=comment, supervisor_comment=comment.strip())
        notify(
            recipients=[item.employee],
            subject=gettext_lazy("Your IDP item was approved"),
            body=_with_comment(
                format_lazy(
                    gettext_lazy("{name} approved your development item {item}."),
                    name=by.display_name,
                    item=_about(item),
                ),
                comment.strip(),
            ),
            url=item.get_absolute_url(),
            kind=NotificationKind.STATUS_CHANGE,
            about=item,
        )
    return item


def idp_item_reject(*, item: IdpItem, by: User, comment: str) -> IdpItem:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why you reject the item, so the employee can revise it.")})
    with transaction.atomic():
        item = _apply(item=item, action="reject", by=by, comment=comment, supervisor_comment=comment)
        notify(
            recipients=[item.employee],
            subject=gettext_lazy("Your IDP item needs revision"),
            body=lazy_join(
                "\n",
                [
                    _with_comment(
                        format_lazy(
                            gettext_lazy("{name} rejected your development item {item}."),
                            name=by.display_name,
                            item=_about(item),
                        ),
                        comment,
                    ),
                    gettext_lazy("Edit the item and submit it again."),
                ],
            ),
            url=item.get_absolute_url(),
            kind=NotificationKind.STATUS_CHANGE,
            priority=NotificationPriority.HIGH,
            about=item,
        )
    return item


def idp_item_revise(*, item: IdpItem, by: User) -> IdpItem:
    with transaction.atomic():
        return _apply(item=item, action="revise", by=by)


def idp_item_start(*, item: IdpItem, by: User) -> IdpItem:
    with transaction.atomic():
        return _apply(item=item, action="start", by=by)


def idp_item_cancel(*, item: IdpItem, by: User, comment: str = "") -> IdpItem:
    with transaction.atomic():
        return _apply(item=item, action="cancel", by=by, comment=comment.strip())


def idp_item_complete(
    *, item: IdpItem, by: User, evidence_note: str, evidence_link: str = "", evidence_file: UploadedFile | None = None
) -> IdpItem:
    """The owner marks the item done, with evidence (a note, plus an optional link or file)."""
    evidence_note = (evidence_note or "").strip()
    if not evidence_note:
        raise ValidationError({"evidence_note": _("Describe what you did and how it shows the target level.")})
    with transaction.atomic():
        item = _apply(
            item=item, action="complete", by=by, evidence_note=evidence_note, evidence_link=evidence_link.strip()
        )
        if evidence_file is not None:
            item.evidence_file.save(evidence_file.name or "evidence", evidence_file, save=True)
        notify(
            recipients=[u for u in hc_recipients() if u.pk != item.employee_id],
            subject=format_lazy(gettext_lazy("IDP item to verify: {name}"), name=item.employee.display_name),
            body=lazy_join(
                "\n",
                [
                    format_lazy(
                        gettext_lazy("{name} completed a development item: {item}."),
                        name=item.employee.display_name,
                        item=_about(item),
                    ),
                    format_lazy(gettext_lazy("Evidence: {evidence}"), evidence=evidence_note),
                ],
            ),
            url=item.get_absolute_url(),
            kind=NotificationKind.TO_VERIFY,
            about=item,
        )
    return item


def idp_item_verify(*, item: IdpItem, by: User, level: int | None = None, comment: str = "") -> IdpItem:
    """HC confirms (or lowers) the item's target level; the employee's level rises to it, never falls."""
    level = item.target_level if level is None else level
    if not 1 <= level <= item.target_level:
        raise ValidationError(
            {
                "level": _("Verify a level from 1 to the item's target, %(target)s.")
                % {"target": level_label(item.target_level)}
            }
        )
    with transaction.atomic():
        item = _apply(item=item, action="verify", by=by, comment=comment.strip(), verified_level=level)
        change = level_raise(
            employee=item.employee,
            competency=item.competency,
            level=level,
            source=LevelSource.TRAINING,
            evidence=item,
            # Stored, so in the language of the HC member verifying (like any note they write).
            evidence_note=(
                _("IDP %(activity)s: %(description)s")
                % {"activity": item.get_activity_type_display().lower(), "description": item.description}
            )[:255],
            by=by,
            notify_employee=False,
        )
        competency = lazy_text(getattr, item.competency, "name")
        outcome = (
            format_lazy(
                gettext_lazy("Your level in {competency} is now {level}."),
                competency=competency,
                level=lazy_text(level_label, change.new_level),
            )
            if change
            else format_lazy(
                gettext_lazy("Your level in {competency} was already at or above {level}."),
                competency=competency,
                level=lazy_text(level_label, level),
            )
        )
        notify(
            recipients=[item.employee],
            subject=gettext_lazy("Your IDP item was verified"),
            body=format_lazy(
                gettext_lazy("{name} verified your development item {item}. {outcome}"),
                name=by.display_name,
                item=_about(item),
                outcome=outcome,
            ),
            url=item.get_absolute_url(),
            kind=NotificationKind.STATUS_CHANGE,
            about=item,
        )
    return item


def idp_items_close_by_result(*, result: AssessmentResult) -> list[IdpItem]:
    """Close, as verified, every active item of the result's employee that names its
    assessment, when the result passes; returns the items closed.

    Runs inside result_record's transaction (registered in idp.apps), after the pass has
    raised the levels: the verified level is the employee's level in the item's competency
    now, and no level is written here. The timeline row names the result as evidence and
    whoever recorded it (None for an online attempt). A failed or voided result, or one
    recorded again, closes nothing; an item verified or cancelled already is left alone.
    """
    if not result.passed or result.is_voided:
        return []
    # No savepoint of its own: an error here undoes the whole recording anyway.
    with transaction.atomic(savepoint=False):
        candidates = list(
            IdpItem.objects.for_employee(result.employee_id)
            .active()
            .filter(assessment_id=result.assessment_id)
            .order_by("pk")
        )
        if not candidates:
            return []
        levels = dict(
            CompetencyLevel.objects.filter(
                employee_id=result.employee_id, competency_id__in={item.competency_id for item in candidates}
            ).values_list("competency_id", "level")
        )
        closed = [
            item
            for candidate in candidates
            if (item := _close_by_pass(item=candidate, result=result, level=levels.get(candidate.competency_id, 0)))
        ]
    return closed


def idp_items_close_by_results(*, results: list[AssessmentResult]) -> list[IdpItem]:
    """idp_items_close_by_result for the results of a bulk import, set-based: two queries
    find the active items naming a passed result's assessment and their levels, whatever
    the number of results; each item is closed by its employee's earliest pass (as recording
    the results one by one would), with the level the whole import left.
    """
    first_pass: dict[tuple[int, int], AssessmentResult] = {}
    for result in sorted(results, key=lambda r: (r.completed_at, r.pk)):
        if result.passed and not result.is_voided:
            first_pass.setdefault((result.employee_id, result.assessment_id), result)
    if not first_pass:
        return []
    with transaction.atomic():
        candidates = [
            item
            for item in IdpItem.objects.active()
            .filter(
                employee_id__in={employee for employee, _a in first_pass},
                assessment_id__in={assessment for _e, assessment in first_pass},
            )
            .order_by("pk")
            if (item.employee_id, item.assessment_id) in first_pass
        ]
        if not candidates:
            return []
        levels = {
            (employee, competency): level
            for employee, competency, level in CompetencyLevel.objects.filter(
                employee_id__in={item.employee_id for item in candidates},
                competency_id__in={item.competency_id for item in candidates},
            ).values_list("employee_id", "competency_id", "level")
        }
        closed = [
            item
            for candidate in candidates
            if (
                item := _close_by_pass(
                    item=candidate,
                    result=first_pass[(candidate.employee_id, candidate.assessment_id)],
                    level=levels.get((candidate.employee_id, candidate.competency_id), 0),
                )
            )
        ]
    return closed


def _close_by_pass(*, item: IdpItem, result: AssessmentResult, level: int) -> IdpItem | None:
    """Close one item as verified by `result` at `level`, and tell who should know; None if it moved on."""
    evidence = result.evidence_note
    try:
        closed = _apply(
            item=item,
            action="close_by_pass",
            by=result.recorded_by,
            comment=_("Closed by a passed assessment: %(result)s.") % {"result": evidence},
            result=result,
            verified_level=level if level >= 1 else None,
        )
    except TransitionNotAllowed:
        return None  # finished meanwhile (cancelled in another tab): leave it as it is
    _notify_closed_by_pass(item=closed, evidence=evidence)
    return closed


def _notify_closed_by_pass(*, item: IdpItem, evidence: str) -> None:
    """Tell the employee, and the supervisor who saw the item (it left the draft stage)."""
    employee = item.employee
    words = {"result": evidence, "item": _about(item), "competency": lazy_text(getattr, item.competency, "name")}
    if item.verified_level:
        body = format_lazy(
            gettext_lazy(
                "Passing {result} closed your development item {item} as verified. "
                "Your level in {competency} is now {level}."
            ),
            **words,
            level=lazy_text(level_label, item.verified_level),
        )
    else:
        body = format_lazy(gettext_lazy("Passing {result} closed your development item {item} as verified."), **words)
    notify(
        recipients=[employee],
        subject=gettext_lazy("Your IDP item was closed by your passed assessment"),
        body=body,
        url=item.get_absolute_url(),
        kind=NotificationKind.STATUS_CHANGE,
        about=item,
    )
    supervisor = _supervisor_who_saw(item)
    if supervisor is not None:
        notify(
            recipients=[supervisor],
            subject=format_lazy(
                gettext_lazy("IDP item closed by a passed assessment: {name}"), name=employee.display_name
            ),
            body=format_lazy(
                gettext_lazy("{name} passed {result}, which closed their development item {item} as verified."),
                name=employee.display_name,
                result=evidence,
                item=_about(item),
            ),
            url=item.get_absolute_url(),
            kind=NotificationKind.STATUS_CHANGE,
            about=item,
        )


def _supervisor_who_saw(item: IdpItem) -> User | None:
    """The employee's approving supervisor, when the item reached them (it was submitted once)."""
    employee = item.employee
    supervisor = employee.approving_supervisor
    if supervisor is None or supervisor.pk == employee.pk:
        return None
    return supervisor if item.transitions.filter(to_status=ItemStatus.SUBMITTED).exists() else None


def idp_items_reopen_by_void(*, result: AssessmentResult) -> list[IdpItem]:
    """Reopen the items that `result`'s pass closed, now that HC has voided it; returns them.

    Runs inside result_void's transaction (registered in idp.apps). Each item goes back to
    the status it had before the pass closed it, its verified level cleared, with a timeline
    row naming the voided result and the reason, by the HC member who voided it; the
    employee is told, and so is the supervisor who saw the item. An item whose last step is
    no longer that closing is left alone: something else has happened to it since.
    """
    if not result.is_voided:
        return []
    with transaction.atomic():
        closings = {
            row.item_id: row
            for row in IdpItemTransition.objects.filter(result=result, to_status=ItemStatus.VERIFIED)
            .select_related("item")
            .order_by("pk")
        }
        if not closings:
            return []
        last_steps: dict[int, int] = {}
        for item_id, step_id in (
            IdpItemTransition.objects.filter(item_id__in=closings)
            .order_by("created_at", "pk")
            .values_list("item_id", "pk")
        ):
            last_steps[item_id] = step_id
        evidence = result.evidence_note
        words = {"result": evidence, "reason": result.void_reason}
        reopened = []
        for item_id, closing in sorted(closings.items()):
            if last_steps.get(item_id) != closing.pk:
                continue
            try:
                item = _apply(
                    item=closing.item,
                    action="reopen_by_void",
                    by=result.voided_by,
                    comment=_("Reopened: the result that closed it, %(result)s, was voided. Reason: %(reason)s")
                    % words,
                    result=result,
                    to_status=closing.from_status,
                    verified_level=None,
                )
            except TransitionNotAllowed:
                continue
            reopened.append(item)
            _notify_reopened_by_void(item=item, result=result)
    return reopened


def _notify_reopened_by_void(*, item: IdpItem, result: AssessmentResult) -> None:
    employee = item.employee
    words = {
        "result": result.evidence_note,
        "reason": result.void_reason,
        "item": _about(item),
        "status": lazy_text(lambda: item.get_status_display().lower()),
        "name": employee.display_name,
    }
    notify(
        recipients=[employee],
        subject=gettext_lazy("Your IDP item is open again: the result that closed it was voided"),
        body=format_lazy(
            gettext_lazy(
                "HC voided your result {result} (reason: {reason}), which had closed your development item "
                "{item}. The item is {status} again."
            ),
            **words,
        ),
        url=item.get_absolute_url(),
        kind=NotificationKind.STATUS_CHANGE,
        about=item,
    )
    supervisor = _supervisor_who_saw(item)
    if supervisor is not None:
        notify(
            recipients=[supervisor],
            subject=format_lazy(gettext_lazy("IDP item open again: {name}"), **words),
            body=format_lazy(
                gettext_lazy(
                    "HC voided {name}'s result {result} (reason: {reason}), which had closed their development "
                    "item {item}. The item is {status} again."
                ),
                **words,
            ),
            url=item.get_absolute_url(),
            kind=NotificationKind.STATUS_CHANGE,
            about=item,
        )


def suggestion_dismiss(*, employee: User, competency: Competency, gap: int) -> None:
    """Hide the suggestion for `competency` until its gap changes from `gap`."""
    with transaction.atomic():
        SuggestionDismissal.objects.update_or_create(employee=employee, competency=competency, defaults={"gap": gap})
        bump_people([employee.pk])
