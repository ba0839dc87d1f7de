"""`export_descriptors FILE`: write the level descriptors as CSV (UTF-8) or XLSX, by the file's extension."""

import tablib
from django.utils.translation import gettext as _

from competencies.spreadsheets import descriptors_dataset
from hrportal.spreadsheets import ExportCommand


class Command(ExportCommand):
    help = _("Export the level descriptors: one row per competency and level.")

    def dataset(self) -> tablib.Dataset:
        return descriptors_dataset()
