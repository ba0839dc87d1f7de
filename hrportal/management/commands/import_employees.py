"""`import_employees FILE [--dry-run] [--create-missing]`: load employees (CSV or XLSX)."""

from django.utils.translation import gettext as _

from hrportal.models import User
from hrportal.people_import import EmployeePlan, employees_import_apply, employees_import_plan
from hrportal.spreadsheets import ImportCommand


class Command(ImportCommand[EmployeePlan]):
    audited_model = User
    help = _(
        "Import employees: employee_number, first_name, last_name, email, section, position, "
        "supervisor_employee_number, and optionally username and language (en-gb or id; blank keeps the "
        "current one). New people get no usable password until "
        "they reset it. A section or position the database lacks is an error unless --create-missing; "
        "changes nothing if the file has any error."
    )
    create_help = _("Create the sections and positions that the file names and the database lacks.")

    def plan(self, *, content: bytes, fmt: str, remove: bool, create_missing: bool) -> EmployeePlan:
        return employees_import_plan(content=content, fmt=fmt, create_missing=create_missing)

    def apply(self, *, plan: EmployeePlan, note: str) -> None:
        employees_import_apply(plan=plan)
