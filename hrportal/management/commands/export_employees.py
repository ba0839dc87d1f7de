"""`export_employees FILE`: write everyone with an employee number as CSV (UTF-8) or XLSX."""

import tablib

from hrportal.people_import import employees_dataset
from hrportal.spreadsheets import ExportCommand


class Command(ExportCommand):
    help = "Export employees (everyone with an employee number) in the shape import_employees reads."

    def dataset(self) -> tablib.Dataset:
        return employees_dataset()
