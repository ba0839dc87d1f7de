"""`import_descriptors FILE [--dry-run]`: load level descriptors (long shape, CSV or XLSX)."""

from django.utils.translation import gettext as _

from competencies.models import LevelDescriptor
from competencies.spreadsheets import DescriptorPlan, descriptors_import_apply, descriptors_import_plan
from hrportal.spreadsheets import ImportCommand


class Command(ImportCommand[DescriptorPlan]):
    audited_model = LevelDescriptor
    help = _(
        "Import level descriptors: code, level (1-5), behaviour_indicators_en, behaviour_indicators_id, "
        "syllabus_en, syllabus_id, deliverable_en, deliverable_id (plain behaviour_indicators, syllabus, "
        "deliverable: English). "
        "The competencies must exist; changes nothing if the file has any error."
    )

    def plan(self, *, content: bytes, fmt: str, remove: bool, create_missing: bool) -> DescriptorPlan:
        return descriptors_import_plan(content=content, fmt=fmt)

    def apply(self, *, plan: DescriptorPlan, note: str) -> None:
        descriptors_import_apply(plan=plan)
