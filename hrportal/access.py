"""Who may see whose data: the one place the scope rules of PRODUCT.md live."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from hrportal.models import ApprovalDelegation, Escalation, User


def require_hc(user: User, why: str) -> None:
    """The pages for HC staff only: 403 for everyone else, saying `why` (e.g. "Organisation
    reports are for HC staff.")."""
    if not user.is_hc:
        raise PermissionDenied(why)


def can_view_employee(viewer: User, employee: User) -> bool:
    """An employee sees themselves; a supervisor also their direct reports; HC everyone."""
    if not viewer.is_authenticated:
        return False
    return viewer.pk == employee.pk or viewer.is_supervisor_of(employee) or viewer.is_hc


def can_rate_as_supervisor(rater: User, employee: User) -> bool:
    """May `rater` give `employee` a supervisor's rating (surveys.services.supervisor_rating_set)?

    Only the employee's active supervisor (the one who approves for them), never oneself. HC
    does not: a supervisor's rating is the line's view of daily work beside the self-rating,
    and HC's word on a level is a verified level (an override), not a second opinion. A
    delegation passes approvals only, not this.
    """
    if not rater.is_authenticated or rater.pk == employee.pk:
        return False
    # employee.approving_supervisor, without loading the supervisor's row: the rater is that row.
    return employee.supervisor_id == rater.pk and rater.is_active


class ApprovalBasis(StrEnum):
    """Why someone may approve an employee's items: what the queue marks each row with."""

    SUPERVISOR = "supervisor"  # the employee's (active) supervisor
    HC = "hc"  # HC, for an employee without an active supervisor
    ESCALATED = "escalated"  # the supervisor's supervisor, or HC, once the item has escalated that far
    DELEGATED = "delegated"  # a delegate of someone who may approve it as supervisor (or escalated)


@dataclass(frozen=True)
class ApprovalRight:
    basis: ApprovalBasis
    delegator: User | None = None  # for DELEGATED: whose approvals the approver holds


def _held_delegations(approver: User, day: date | None) -> QuerySet[ApprovalDelegation]:
    """The delegations `approver` holds on `day` (default: today) from people still active."""
    return ApprovalDelegation.objects.active_on(day or timezone.localdate()).filter(
        delegate=approver, delegator__is_active=True
    )


def active_delegators(approver: User, day: date | None = None) -> dict[int, User]:
    """{pk: person} of those whose approvals `approver` holds on `day` (default: today) by a
    delegation. One query."""
    return {d.delegator_id: d.delegator for d in _held_delegations(approver, day).select_related("delegator")}


def active_delegator_ids(approver: User, day: date | None = None) -> list[int]:
    """The ids of active_delegators, in order, without loading the people (what a cached
    approval queue is keyed by). One query."""
    return sorted(set(_held_delegations(approver, day).values_list("delegator_id", flat=True)))


def _supervisor_rights(employee: User, escalation: int) -> list[tuple[User, ApprovalBasis]]:
    """The people who approve `employee`'s items as a supervisor: the active supervisor, and
    once escalated, that supervisor's active supervisor."""
    supervisor = employee.approving_supervisor
    if supervisor is None:
        return []
    rights = [(supervisor, ApprovalBasis.SUPERVISOR)]
    if escalation < Escalation.SECOND_LINE:
        return rights  # the second line is not read (a query, unless the caller loaded it)
    second_line = supervisor.approving_supervisor
    if second_line is not None and second_line.pk != employee.pk:
        rights.append((second_line, ApprovalBasis.ESCALATED))
    return rights


def approval_right(
    approver: User,
    employee: User,
    *,
    escalation: int = Escalation.NONE,
    day: date | None = None,
    delegators: dict[int, User] | None = None,
) -> ApprovalRight | None:
    """Why `approver` may approve or reject `employee`'s development item, or None if they may not.

    The rule, in order: nobody approves their own items, whatever roles or delegations they
    hold. The active supervisor may. An employee without one is approved by HC. An item
    `escalation` has taken up adds the supervisor's supervisor (SECOND_LINE), then HC (HC).
    A delegate of anyone who may approve as a supervisor (the two above) may too, on the days
    of the delegation (`day`, default today); the delegator keeps the right; a delegation
    passes on supervisors' rights only, never HC's, and is never passed on again.
    `delegators` (from active_delegators) spares the query when the caller checks many items.
    """
    if not approver.is_authenticated or approver.pk == employee.pk:
        return None
    rights = _supervisor_rights(employee, escalation)
    for person, basis in rights:
        if person.pk == approver.pk:
            return ApprovalRight(basis)
    if not rights:
        if approver.is_hc:
            return ApprovalRight(ApprovalBasis.HC)
    elif escalation >= Escalation.HC and approver.is_hc:
        return ApprovalRight(ApprovalBasis.ESCALATED)
    if not rights:
        return None
    if delegators is None:
        delegators = active_delegators(approver, day)
    for person, _basis in rights:
        if person.pk in delegators:
            return ApprovalRight(ApprovalBasis.DELEGATED, delegator=delegators[person.pk])
    return None


def can_approve_for(
    approver: User, employee: User, *, escalation: int = Escalation.NONE, day: date | None = None
) -> bool:
    """May `approver` approve or reject `employee`'s development item (escalated `escalation`
    far) on `day`? The one place that decides: see approval_right for the rule."""
    return approval_right(approver, employee, escalation=escalation, day=day) is not None


def approvable_q(approver: User, delegators: Iterable[int], *, employee: str, escalation: str) -> Q:
    """approval_right as a filter on rows naming an employee (field path `employee`) and an
    escalation (field path `escalation`), for the approval queue: a row matches exactly when
    approval_right(approver, that employee, escalation=that escalation) is not None, given the
    same `delegators`. tests/idp/test_approval_rights.py checks the two agree on a generated cast."""
    supervisor = f"{employee}__supervisor"
    second_line = f"{supervisor}__supervisor"
    has_supervisor = Q(**{f"{supervisor}__isnull": False, f"{supervisor}__is_active": True})
    escalated = Q(**{f"{escalation}__gte": Escalation.SECOND_LINE})
    second_line_active = Q(**{f"{second_line}__is_active": True}) & ~Q(**{second_line: F(employee)})
    holders = [approver.pk, *delegators]
    scope = has_supervisor & (
        Q(**{f"{supervisor}__in": holders}) | (escalated & second_line_active & Q(**{f"{second_line}__in": holders}))
    )
    if approver.is_hc:
        no_supervisor = Q(**{f"{supervisor}__isnull": True}) | Q(**{f"{supervisor}__is_active": False})
        scope |= no_supervisor | (has_supervisor & Q(**{f"{escalation}__gte": Escalation.HC}))
    else:
        # Implied by the scope above, but what PostgreSQL can find by index. Without it the OR
        # across two joined people reads every submitted item of everyone who has a supervisor
        # (the whole organisation).
        scope &= Q(**{f"{employee}__in": approval_reach(holders)})
    return scope & ~Q(**{employee: approver.pk})


def approval_reach(holders: list[int]) -> QuerySet[User]:
    """The ids of everyone whose items a supervisor or second line among `holders` (an approver
    and whose approvals they hold) may decide: the holders' reports and their reports, active
    or not (approvable_q applies the rest of the rule). Not HC's: theirs is everyone."""
    reports = User.objects.filter(supervisor__in=holders).values("pk")
    return reports.union(User.objects.filter(supervisor__in=reports).values("pk"), all=True)


# Separation of duties in account management (the admin's users, the employee import).
# Who holds power, and where a person's approvals come from, is for superusers (IT) only:
# an HC member who could change an email could reset that password and act as its owner.
PRIVILEGED_ACCOUNT_FIELDS = ("email", "password", "is_staff", "is_superuser", "groups", "user_permissions")
# What nobody but a superuser changes on their own account: who approves for them and
# what they are measured against.
OWN_ACCOUNT_FIXED_FIELDS = ("supervisor", "position", "section", "is_active")
# The language (User.language) is in neither: it grants nothing, and it is what its owner sets
# on their profile anyway, so HC sets it for anyone they may edit, themselves included.


def supervisor_chain(user: User) -> list[User]:
    """The people above `user`: their supervisor, the supervisor's supervisor, and so on."""
    chain: list[User] = []
    seen = {user.pk}
    current = user.supervisor
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.supervisor
    return chain


def can_manage_account(actor: User, account: User) -> bool:
    """May `actor` edit `account` at all (its unprivileged fields)?

    A superuser may edit anyone. An HC member may edit ordinary people and their own
    account (less OWN_ACCOUNT_FIXED_FIELDS), but never a superuser, other HC staff, or
    anyone in their own supervisor chain: whoever approves for them.
    """
    if actor.is_superuser:
        return True
    if not actor.is_hc:
        return False
    if account.pk == actor.pk:
        return True
    if account.is_superuser or account.is_hc:
        return False
    return all(person.pk != account.pk for person in supervisor_chain(actor))


def account_readonly_fields(actor: User, account: User | None) -> tuple[str, ...]:
    """Fields of `account` (None: a new one) that `actor` may see but not change."""
    if actor.is_superuser:
        return ()
    fixed: tuple[str, ...] = PRIVILEGED_ACCOUNT_FIELDS
    if account is not None and account.pk == actor.pk:
        fixed += OWN_ACCOUNT_FIXED_FIELDS
    if account is None:
        # A new person needs an address to choose their password; it grants nothing yet.
        fixed = tuple(name for name in fixed if name != "email")
    return fixed


def can_manage_delegation(actor: User, delegator: User, delegate: User) -> bool:
    """May `actor` create or end, in the admin, a delegation from `delegator` to `delegate`?

    A superuser may. An HC member may, except where it could give them, or someone they pick,
    approval over their own items: never for a delegator in their own supervisor chain (who
    approves for them), and never naming themselves as the delegate.
    """
    if actor.is_superuser:
        return True
    if not actor.is_hc:
        return False
    if delegate.pk == actor.pk:
        return False
    return all(person.pk != delegator.pk for person in supervisor_chain(actor))


def viewable_employee(viewer: User, user_id: int) -> User:
    """The employee `user_id` (with position and section) if `viewer` may see their data;
    Http404 otherwise, so ids leak nothing."""
    employee = User.objects.select_related("position", "section").filter(pk=user_id).first()
    if employee is None or not can_view_employee(viewer, employee):
        raise Http404(gettext("No such employee."))
    return employee
