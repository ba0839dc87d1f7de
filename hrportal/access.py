"""Who may see whose data: the one place the scope rules of PRODUCT.md live."""

from hrportal.models import User


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
