"""`export_employees FILE`: write everyone with an employee number as CSV (UTF-8) or XLSX."""

import tablib
from django.utils.translation import gettext as _

from hrportal.people_import import employees_dataset
from hrportal.spreadsheets import ExportCommand


class Command(ExportCommand):
    help = _("Export employees (everyone with an employee number) in the shape import_employees reads.")

    def dataset(self) -> tablib.Dataset:
        return employees_dataset()
