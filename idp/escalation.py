"""Escalation of approvals that wait too long (run daily by `manage.py escalate_approvals`).

An item submitted for more than IDP_ESCALATION_WORKING_DAYS working days (Monday to Friday)
escalates to the supervisor's supervisor, and after as many working days more to HC; when the
supervisor has no active supervisor it goes straight to HC. An employee without a supervisor
is approved by HC from the start, so their items never escalate. Each step is a system
transition (submitted → submitted) on the item's timeline and notifies the new approvers;
who may then approve is decided by hrportal.access.can_approve_for, which reads the item's
`escalation`. A resubmission restarts the clock (idp.services.idp_item_submit).
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from hrportal.delegation import delegates_of
from hrportal.models import Escalation, NotificationKind, NotificationPriority, User
from hrportal.notifications import hc_recipients, notify
from idp.models import IdpItem, ItemStatus
from idp.services import _about, _apply

WEEKDAYS = 5  # Monday to Friday: date.weekday() 0..4


def working_days_between(start: date, end: date) -> int:
    """The working days (Monday to Friday) after `start`, up to and including `end`; 0 when
    `end` is not after `start`. Submitted on a Friday, the next Monday is one working day later."""
    if end <= start:
        return 0
    days = (end - start).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * WEEKDAYS
    for offset in range(1, rest + 1):
        if (start + timedelta(days=full_weeks * 7 + offset)).weekday() < WEEKDAYS:
            count += 1
    return count


def next_escalation(item: IdpItem) -> Escalation | None:
    """Where a waiting `item` goes next: to the supervisor's supervisor, or to HC when there is
    none (or after them); None when HC may already approve it (no supervisor, or escalated)."""
    supervisor = item.employee.approving_supervisor
    if supervisor is None or item.escalation >= Escalation.HC:
        return None
    if item.escalation == Escalation.NONE:
        second_line = supervisor.approving_supervisor
        if second_line is not None and second_line.pk != item.employee_id:
            return Escalation.SECOND_LINE
    return Escalation.HC


def _clock_start(item: IdpItem) -> datetime | None:
    return item.escalated_at or item.submitted_at


def is_due(item: IdpItem, *, today: date, working_days: int) -> bool:
    """Whether `item` has waited more than `working_days` working days since it was submitted or
    last escalated."""
    start = _clock_start(item)
    if start is None:
        return False
    return working_days_between(timezone.localdate(start), today) > working_days


def _new_approvers(item: IdpItem, step: Escalation) -> list[User]:
    if step == Escalation.SECOND_LINE:
        supervisor = item.employee.approving_supervisor
        second_line = supervisor.approving_supervisor if supervisor is not None else None
        if second_line is None:
            return []
        return [second_line, *delegates_of(second_line)]
    return [person for person in hc_recipients() if person.pk != item.employee_id]


def _notify_escalation(item: IdpItem, step: Escalation, working_days: int) -> None:
    employee = item.employee
    notify(
        recipients=[person for person in _new_approvers(item, step) if person.pk != employee.pk],
        subject=format_lazy(gettext_lazy("IDP item waiting for approval: {name}"), name=employee.display_name),
        body=format_lazy(
            gettext_lazy(
                "{name}'s development item {item} has waited more than {days} working days for approval. "
                "It has been escalated to you: you may approve or reject it."
            ),
            name=employee.display_name,
            item=_about(item),
            days=working_days,
        ),
        url=item.get_absolute_url(),
        kind=NotificationKind.ESCALATION,
        priority=NotificationPriority.HIGH,
        about=item,
    )


def idp_item_escalate(*, item: IdpItem, today: date, working_days: int) -> IdpItem | None:
    """Escalate `item` one step if it is still submitted and due; returns it, or None if
    nothing changed (it moved on, is not due, or HC may already approve it). Locks the item,
    so two runs at once escalate it once."""
    with transaction.atomic():
        locked = (
            IdpItem.objects.select_for_update(of=("self",))
            .select_related("employee__supervisor__supervisor", "competency")
            .get(pk=item.pk)
        )
        step = next_escalation(locked)
        if locked.status != ItemStatus.SUBMITTED or step is None:
            return None
        if not is_due(locked, today=today, working_days=working_days):
            return None
        escalated = _apply(
            item=locked,
            action="escalate",
            by=None,
            escalated_to=step,
            escalation=step,
            escalated_at=timezone.now(),
        )
        _notify_escalation(escalated, step, working_days)
    return escalated


def idp_items_escalate(*, today: date | None = None, working_days: int | None = None) -> list[IdpItem]:
    """Escalate, one step each, every submitted item that is due (the daily command). Running it
    again the same day escalates nothing: a step restarts the item's clock."""
    today = today or timezone.localdate()
    working_days = settings.IDP_ESCALATION_WORKING_DAYS if working_days is None else working_days
    candidates = (
        IdpItem.objects.filter(status=ItemStatus.SUBMITTED, escalation__lt=Escalation.HC)
        .select_related("employee__supervisor__supervisor")
        .order_by("pk")
    )
    escalated = []
    for item in candidates:
        if next_escalation(item) is None or not is_due(item, today=today, working_days=working_days):
            continue
        done = idp_item_escalate(item=item, today=today, working_days=working_days)
        if done is not None:
            escalated.append(done)
    return escalated
