"""`export_matrix FILE`: write the competency matrix as CSV (UTF-8) or XLSX, by the file's extension."""

import tablib
from django.utils.translation import gettext as _

from competencies.spreadsheets import matrix_dataset
from hrportal.spreadsheets import ExportCommand


class Command(ExportCommand):
    help = _('Export the competency matrix: one row per competency, one column per position ("-": not applicable).')

    def dataset(self) -> tablib.Dataset:
        return matrix_dataset()
