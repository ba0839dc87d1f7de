"""`import_matrix FILE [--dry-run] [--remove] [--create-missing]`: load the competency matrix (wide shape)."""

from django.utils.translation import gettext as _

from competencies.models import PositionTarget
from competencies.spreadsheets import MatrixPlan, matrix_import_apply, matrix_import_plan
from hrportal.spreadsheets import ImportCommand


class Command(ImportCommand[MatrixPlan]):
    audited_model = PositionTarget
    help = _(
        "Import the competency matrix: skill_group_en, skill_group_id, code, name_en, name_id, definition_en, "
        "definition_id (plain skill_group, name, definition: English), then one column per position "
        'with a target level 0-5, optionally followed by a weight w1-w5 and "!" for critical ("3 w2 !"), '
        '"-" (not applicable) or empty (left alone). Creates missing skill groups '
        "and competencies; a column naming no existing position is an error unless --create-missing; "
        "changes nothing if the file has any error."
    )
    remove_help = _('Remove targets whose cell is "-" (make them not applicable). Without it they are kept.')
    create_help = _("Create the positions that the file's columns name and the database lacks.")

    def plan(self, *, content: bytes, fmt: str, remove: bool, create_missing: bool) -> MatrixPlan:
        return matrix_import_plan(content=content, fmt=fmt, remove=remove, create_missing=create_missing)

    def apply(self, *, plan: MatrixPlan, note: str) -> None:
        matrix_import_apply(plan=plan, by=None, note=note)
