"""Who may see whose data: the one place the scope rules of PRODUCT.md live."""

from django.core.exceptions import PermissionDenied

from hrportal.models import User


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


def can_approve_for(approver: User, employee: User) -> bool:
    """May `approver` approve or reject `employee`'s development items?

    The direct supervisor may; for an employee without an active supervisor, HC may. Nobody
    approves their own items, whatever roles they hold. This is the one place to add delegation.
    """
    if not approver.is_authenticated or approver.pk == employee.pk:
        return False
    supervisor = employee.approving_supervisor
    if supervisor is not None:
        return supervisor.pk == approver.pk
    return approver.is_hc


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
