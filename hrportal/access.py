"""Who may see whose data: the one place the scope rules of PRODUCT.md live."""

from hrportal.models import User


def can_view_employee(viewer: User, employee: User) -> bool:
    """An employee sees themselves; a supervisor also their direct reports; HC everyone."""
    if not viewer.is_authenticated:
        return False
    return viewer.pk == employee.pk or viewer.is_supervisor_of(employee) or viewer.is_hc
