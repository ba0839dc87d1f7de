"""Writes to approval delegations: every door (the supervisor's page, the admin) goes through these.

Who may approve because of a delegation is decided by hrportal.access.can_approve_for alone;
this module only keeps the delegations themselves valid.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hrportal.models import ApprovalDelegation, NotificationKind, User
from hrportal.notifications import lazy_text, notify


def delegates_of(delegator: User, day: date | None = None) -> list[User]:
    """The active people who hold `delegator`'s approvals on `day` (default today). One query."""
    day = day or timezone.localdate()
    return [
        d.delegate
        for d in ApprovalDelegation.objects.active_on(day).filter(delegator=delegator).select_related("delegate")
        if d.delegate.is_active
    ]


def validate_delegation(*, delegator: User, delegate: User, starts_on: date, ends_on: date) -> None:
    """Raise ValidationError naming the field: nobody delegates to themselves, the delegate is an
    active person, the period ends on or after its start and not in the past."""
    if delegate.pk == delegator.pk:
        raise ValidationError(
            {"delegate": _("Nobody delegates approvals to themselves: choose someone else as the delegate.")}
        )
    if not delegate.is_active:
        raise ValidationError({"delegate": _("Choose an active employee as the delegate.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day must be on or after the first day.")})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("The last day is in the past: the delegation would never apply.")})


def delegation_create(
    *,
    delegator: User,
    delegate: User,
    starts_on: date,
    ends_on: date,
    reason: str = "",
    by: User,
) -> ApprovalDelegation:
    """`delegator` lets `delegate` approve for them from `starts_on` to `ends_on` (inclusive).

    Raises ValidationError naming the field (validate_delegation); notifies the delegate. Whether `by` may
    create it for `delegator` is the caller's check (the page: only for themselves; the admin:
    hrportal.access.can_manage_delegation).
    """
    validate_delegation(delegator=delegator, delegate=delegate, starts_on=starts_on, ends_on=ends_on)
    with transaction.atomic():
        delegation = ApprovalDelegation.objects.create(
            delegator=delegator,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip(),
            created_by=by,
        )
        notify(
            recipients=[delegate],
            subject=format_lazy(gettext_lazy("{name} delegated their approvals to you"), name=delegator.display_name),
            body=format_lazy(
                gettext_lazy(
                    "From {start} to {end} you may approve or reject the development items {name} approves. "
                    "They appear in your approvals queue, marked as delegated."
                ),
                name=delegator.display_name,
                start=lazy_text(date_format, starts_on),
                end=lazy_text(date_format, ends_on),
            ),
            # The queue's URL by name: hrportal names the page, it does not import the app.
            url=reverse("idp:approvals"),
            kind=NotificationKind.DELEGATION,
            about=delegation,
        )
    return delegation


def delegation_end(*, delegation: ApprovalDelegation, by: User) -> ApprovalDelegation:
    """End `delegation` now: from this moment the delegate no longer approves for the delegator.
    Ending it again changes nothing (the first end is kept). Only the delegator, or someone the
    caller has checked (the admin), ends it."""
    with transaction.atomic():
        locked = ApprovalDelegation.objects.select_for_update().get(pk=delegation.pk)
        if locked.ended_at is None:
            locked.ended_at = timezone.now()
            locked.ended_by = by
            locked.save()
    return locked


def delegation_end_own(*, delegation: ApprovalDelegation, by: User) -> ApprovalDelegation:
    """The delegator ends their own delegation (the page's door)."""
    if delegation.delegator_id != by.pk:
        raise PermissionDenied(_("Only the person who delegated ends a delegation here."))
    return delegation_end(delegation=delegation, by=by)
