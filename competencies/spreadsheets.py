"""The competency matrix (wide shape) and the level descriptors (long shape) in spreadsheets.

Matrix: one row per competency (`skill_group, code, name, definition`), then one column per
position, headed by the position's name; a cell is a target level 0–5, "-" for not
applicable, or empty for "this file says nothing about it". Descriptors: one row per
competency and level (`code, level, behaviour_indicators, syllabus, deliverable`).

An import reads the whole file, collects every error, builds a plan of what would change and
writes nothing until asked to apply it, in one transaction. Targets change only through
`target_set`, so every change is dated in the target history. Export then import of an
unchanged file plans no change.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from competencies.models import Competency, LevelDescriptor, PositionTarget, SkillGroup, level_label
from competencies.services import target_set
from hrportal.models import Position, User
from hrportal.spreadsheets import (
    ErrorList,
    ImportPlan,
    NameLookup,
    PlanSection,
    Table,
    build_dataset,
    cell_text,
    column_letter,
    did_you_mean,
    named_objects,
    new_name_error,
    read_table,
    shorten,
    text_max_length,
)

MATRIX_COLUMNS = ("skill_group", "code", "name", "definition")
DESCRIPTOR_COLUMNS = ("code", "level", "behaviour_indicators", "syllabus", "deliverable")
DESCRIPTOR_TEXT_FIELDS = DESCRIPTOR_COLUMNS[2:]
NOT_APPLICABLE = "-"
_WHOLE_NUMBER = re.compile(r"[0-9]+(?:\.0*)?")
# What a competency row of the matrix may change, by field, with the name a preview shows.
_COMPETENCY_FIELDS = {"group": _lazy("skill group"), "name": _lazy("name"), "definition": _lazy("definition")}


def parse_level(value: Any, *, low: int, high: int) -> int | None:
    """The whole number `value` holds (3, "3", 3.0, "3.0") if it lies in low..high, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        number = int(value.split(".")[0])
    else:
        return None
    return number if low <= number <= high else None


def _same_text(stored: str, from_file: str) -> bool:
    # Files lose surrounding spaces (the reader strips cells) and XLSX turns "\r\n" into "\n",
    # so neither counts as a change, or an unchanged file would not round-trip.
    def normal(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    return normal(stored) == normal(from_file)


# Export


def matrix_dataset() -> tablib.Dataset:
    """Every competency (by skill group, then code) against every position (by name)."""
    positions = list(Position.objects.order_by("name").values_list("pk", "name"))
    targets = {
        (competency_id, position_id): level
        for competency_id, position_id, level in PositionTarget.objects.values_list(
            "competency_id", "position_id", "target_level"
        )
    }
    competencies = Competency.objects.select_related("group").order_by("group__name", "code")
    rows = (
        [
            competency.group.name,
            competency.code,
            competency.name,
            competency.definition,
            *(targets.get((competency.pk, position_id), NOT_APPLICABLE) for position_id, _ in positions),
        ]
        for competency in competencies
    )
    return build_dataset([*MATRIX_COLUMNS, *(name for _, name in positions)], rows, title=_("Matrix"))


def descriptors_dataset() -> tablib.Dataset:
    descriptors = LevelDescriptor.objects.select_related("competency").order_by("competency__code", "level")
    rows = ([d.competency.code, d.level, d.behaviour_indicators, d.syllabus, d.deliverable] for d in descriptors)
    return build_dataset(DESCRIPTOR_COLUMNS, rows, title="Descriptors")


# Reading the matrix


@dataclass(frozen=True)
class _PositionColumn:
    index: int
    header: str


@dataclass(frozen=True)
class _MatrixRow:
    line: int
    group: str
    code: str
    name: str
    definition: str
    # Position column index → target level, None for not applicable ("-"); empty cells are left out.
    cells: dict[int, int | None]


def _position_columns(table: Table, fixed: dict[str, int], errors: ErrorList) -> list[_PositionColumn]:
    columns: list[_PositionColumn] = []
    seen: dict[str, int] = {}
    max_length = text_max_length(Position, "name")
    for index, header in enumerate(table.headers):
        if index in fixed.values():
            continue
        if header == "":
            _check_headless_column(table, index, errors)
            continue
        key = header.casefold()
        if key in seen:
            first = column_letter(seen[key])
            errors.append(
                _('Line 1: duplicate position column "%(header)s" (columns %(first)s and %(again)s).')
                % {"header": header, "first": first, "again": column_letter(index)}
            )
            continue
        if len(header) > max_length:
            errors.append(
                _("Line 1, column %(column)s: position name longer than %(max)s characters.")
                % {"column": column_letter(index), "max": max_length}
            )
            continue
        seen[key] = index
        columns.append(_PositionColumn(index=index, header=header))
    return columns


def _check_headless_column(table: Table, index: int, errors: ErrorList) -> None:
    for line, row in table.lines():
        if row[index] != "":
            errors.append(
                _("Line %(line)s, column %(column)s: a value but no column header (line 1).")
                % {"line": line, "column": column_letter(index)}
            )
            return


def _text(row: list, fixed: dict[str, int], key: str) -> str:
    return cell_text(row[fixed[key]])


def _check_required(line: int, value: str, what: str, max_length: int, errors: ErrorList) -> None:
    if value == "":
        errors.append(_("Line %(line)s: empty %(what)s.") % {"line": line, "what": what})
    elif len(value) > max_length:
        errors.append(
            _("Line %(line)s: %(what)s longer than %(max)s characters.")
            % {"line": line, "what": what, "max": max_length}
        )


def _matrix_row(
    line: int, row: list, fixed: dict[str, int], columns: list[_PositionColumn], errors: ErrorList
) -> _MatrixRow:
    group, code, name = (_text(row, fixed, key) for key in ("skill_group", "code", "name"))
    _check_required(line, group, _("skill group"), text_max_length(SkillGroup, "name"), errors)
    _check_required(line, code, _("code"), text_max_length(Competency, "code"), errors)
    _check_required(line, name, _("name"), text_max_length(Competency, "name"), errors)
    cells: dict[int, int | None] = {}
    for column in columns:
        value = row[column.index]
        if value == "":
            continue  # the file says nothing about this target
        if value == NOT_APPLICABLE:
            cells[column.index] = None
            continue
        level = parse_level(value, low=0, high=5)
        if level is None:
            errors.append(
                _('Line %(line)s, column "%(column)s": unknown level "%(value)s" (use 0–5 or "-").')
                % {"line": line, "column": column.header, "value": shorten(cell_text(value), 40)}
            )
        else:
            cells[column.index] = level
    return _MatrixRow(
        line=line, group=group, code=code, name=name, definition=_text(row, fixed, "definition"), cells=cells
    )


def _read_matrix(table: Table, errors: ErrorList) -> tuple[list[_PositionColumn], list[_MatrixRow]]:
    """The position columns and the rows; every error goes to `errors`."""
    fixed = table.fixed_columns(MATRIX_COLUMNS)
    columns = _position_columns(table, fixed, errors)
    rows: list[_MatrixRow] = []
    first_line_of: dict[str, int] = {}
    for line, cells in table.lines():
        row = _matrix_row(line, cells, fixed, columns, errors)
        if row.code in first_line_of:
            errors.append(
                _('Line %(line)s: duplicate code "%(code)s" (also on line %(first)s).')
                % {"line": line, "code": row.code, "first": first_line_of[row.code]}
            )
        elif row.code:
            first_line_of[row.code] = line
        rows.append(row)
    return columns, rows


# Planning and applying a matrix import


@dataclass(frozen=True)
class NewCompetency:
    line: int
    code: str
    name: str
    definition: str
    group: str


@dataclass(frozen=True)
class CompetencyChange:
    line: int
    code: str
    field: str  # a key of _COMPETENCY_FIELDS
    old: str
    new: str


@dataclass(frozen=True)
class TargetChange:
    """A target of `position` in `code` going from `old` to `new`; None is not applicable."""

    line: int
    code: str
    position: str
    old: int | None
    new: int | None

    def __str__(self) -> str:
        old = _("not applicable") if self.old is None else level_label(self.old)
        new = _("not applicable") if self.new is None else level_label(self.new)
        return _("%(code)s / %(position)s (line %(line)s): %(old)s → %(new)s") % {
            "code": self.code,
            "position": self.position,
            "line": self.line,
            "old": old,
            "new": new,
        }


@dataclass
class MatrixPlan(ImportPlan):
    groups_to_create: list[str] = field(default_factory=list)
    positions_to_create: list[str] = field(default_factory=list)
    competencies_to_create: list[NewCompetency] = field(default_factory=list)
    competency_changes: list[CompetencyChange] = field(default_factory=list)
    targets_to_create: list[TargetChange] = field(default_factory=list)
    targets_to_change: list[TargetChange] = field(default_factory=list)
    targets_to_remove: list[TargetChange] = field(default_factory=list)
    # "-" cells over an existing target, imported without the remove option: left as they are.
    removals_skipped: list[TargetChange] = field(default_factory=list)
    # {new name: the existing name it is probably a typo of}, shown in the preview.
    group_hints: dict[str, str] = field(default_factory=dict)
    position_hints: dict[str, str] = field(default_factory=dict)

    def sections(self) -> list[PlanSection]:
        return [
            PlanSection(
                _("New skill groups"), [did_you_mean(name, self.group_hints) for name in self.groups_to_create]
            ),
            PlanSection(
                _("New positions"), [did_you_mean(name, self.position_hints) for name in self.positions_to_create]
            ),
            PlanSection(
                _("New competencies"),
                [
                    _("%(code)s %(name)s (%(group)s), line %(line)s")
                    % {"code": c.code, "name": c.name, "group": c.group, "line": c.line}
                    for c in self.competencies_to_create
                ],
            ),
            PlanSection(
                _("Competency changes"),
                [
                    _('%(code)s (line %(line)s): %(field)s "%(old)s" → "%(new)s"')
                    % {
                        "code": c.code,
                        "line": c.line,
                        "field": _COMPETENCY_FIELDS[c.field],
                        "old": shorten(c.old),
                        "new": shorten(c.new),
                    }
                    for c in self.competency_changes
                ],
            ),
            PlanSection(_("New targets"), [str(c) for c in self.targets_to_create]),
            PlanSection(_("Target changes"), [str(c) for c in self.targets_to_change]),
            PlanSection(_("Targets removed"), [str(c) for c in self.targets_to_remove]),
            PlanSection(
                _("Targets kept"),
                [str(c) for c in self.removals_skipped],
                is_change=False,
                note=_('Their cell is "-", but removing targets was not asked for: they stay as they are.'),
            ),
        ]


def matrix_import_plan(
    *, content: bytes, fmt: str, remove: bool = False, create_missing: bool = False, by: User | None = None
) -> MatrixPlan:
    """What importing this matrix file would change. Raises ImportFileError listing every error.

    `remove`: a "-" cell over an existing target removes it; without it, such cells are only
    listed as skipped. `create_missing`: a position column that names no existing position
    creates it; without it, such a column is an error (with a did-you-mean hint), so a typo
    never creates a position. New skill groups are always created (a new competency may well
    start one), with the same hint in the preview. Empty cells, and competencies and positions
    the file does not mention, are left alone. `by`, the person importing: a change to the
    targets of their own position is an error naming it (competencies.services.target_set
    has the rule; the plan says it before anything is written).
    """
    errors = ErrorList()
    columns, rows = _read_matrix(read_table(content, fmt), errors)
    groups = NameLookup(SkillGroup.objects.values_list("name", flat=True))
    positions = NameLookup(Position.objects.values_list("name", flat=True))
    position_of = {column.index: positions.resolve(column.header) for column in columns}
    if not create_missing:
        for column in columns:
            if position_of[column.index] in positions.new:
                place = _("Line 1, column %(column)s") % {"column": column_letter(column.index)}
                errors.append(new_name_error(place=place, kind=_("position"), name=column.header, lookup=positions))
    errors.raise_if_any()
    competencies = {c.code: c for c in Competency.objects.select_related("group")}
    targets = {
        (code, position): level
        for code, position, level in PositionTarget.objects.values_list(
            "competency__code", "position__name", "target_level"
        )
    }
    plan = MatrixPlan()
    for row in rows:
        group = groups.resolve(row.group)
        _plan_competency(plan, row, group, competencies.get(row.code))
        for index, value in row.cells.items():
            _plan_target(plan, row, position_of[index], value, targets, remove=remove)
    _refuse_own_position_targets(plan, by)
    plan.groups_to_create = groups.new
    plan.positions_to_create = positions.new
    plan.group_hints = groups.hints()
    plan.position_hints = positions.hints()
    return plan


def _refuse_own_position_targets(plan: MatrixPlan, by: User | None) -> None:
    if by is None or by.is_superuser or by.position is None:
        return
    own = [
        change
        for change in (*plan.targets_to_create, *plan.targets_to_change, *plan.targets_to_remove)
        if change.position == by.position.name
    ]
    if own:
        errors = ErrorList()
        for change in own:
            errors.append(
                _(
                    'Line %(line)s, column "%(position)s": nobody sets the targets of their own position; '
                    "ask another HC member to import this change."
                )
                % {"line": change.line, "position": change.position}
            )
        errors.raise_if_any()


def _plan_competency(plan: MatrixPlan, row: _MatrixRow, group: str, current: Competency | None) -> None:
    if current is None:
        plan.competencies_to_create.append(
            NewCompetency(line=row.line, code=row.code, name=row.name, definition=row.definition, group=group)
        )
        return
    for name, old, new in [
        ("group", current.group.name, group),
        ("name", current.name, row.name),
        ("definition", current.definition, row.definition),
    ]:
        if not _same_text(old, new):
            plan.competency_changes.append(CompetencyChange(line=row.line, code=row.code, field=name, old=old, new=new))


def _plan_target(
    plan: MatrixPlan, row: _MatrixRow, position: str, new: int | None, targets: dict, *, remove: bool
) -> None:
    old = targets.get((row.code, position))
    if old == new:
        return
    change = TargetChange(line=row.line, code=row.code, position=position, old=old, new=new)
    if new is None:
        (plan.targets_to_remove if remove else plan.removals_skipped).append(change)
    elif old is None:
        plan.targets_to_create.append(change)
    else:
        plan.targets_to_change.append(change)


def matrix_import_apply(*, plan: MatrixPlan, by: User | None, note: str) -> None:
    """Write `plan` in one transaction: all of it or, on any failure, nothing."""
    with transaction.atomic():
        groups = named_objects(SkillGroup, plan.groups_to_create)
        positions = named_objects(Position, plan.positions_to_create)
        competencies = {c.code: c for c in Competency.objects.all()}
        for new in plan.competencies_to_create:
            competencies[new.code] = Competency.objects.create(
                code=new.code, name=new.name, definition=new.definition, group=groups[new.group]
            )
        _apply_competency_changes(plan.competency_changes, competencies, groups)
        for change in plan.targets_to_create + plan.targets_to_change + plan.targets_to_remove:
            target_set(
                position=positions[change.position],
                competency=competencies[change.code],
                level=change.new,
                by=by,
                # The note carries the uploaded file's name, which PostgreSQL must be able to store.
                note=note.replace("\x00", "")[:255],
            )


def _apply_competency_changes(
    changes: list[CompetencyChange], competencies: dict[str, Competency], groups: dict[str, SkillGroup]
) -> None:
    by_code: dict[str, list[CompetencyChange]] = defaultdict(list)
    for change in changes:
        by_code[change.code].append(change)
    for code, code_changes in by_code.items():
        competency = competencies[code]
        for change in code_changes:
            setattr(competency, change.field, groups[change.new] if change.field == "group" else change.new)
        competency.save(update_fields=[change.field for change in code_changes])


# Descriptors


@dataclass(frozen=True)
class NewDescriptor:
    line: int
    code: str
    level: int
    behaviour_indicators: str
    syllabus: str
    deliverable: str


@dataclass(frozen=True)
class DescriptorChange:
    line: int
    code: str
    level: int
    field: str  # one of DESCRIPTOR_TEXT_FIELDS
    old: str
    new: str


@dataclass
class DescriptorPlan(ImportPlan):
    descriptors_to_create: list[NewDescriptor] = field(default_factory=list)
    descriptor_changes: list[DescriptorChange] = field(default_factory=list)

    def sections(self) -> list[PlanSection]:
        return [
            PlanSection(
                _("New descriptors"),
                [
                    _("%(code)s level %(level)s, line %(line)s") % {"code": d.code, "level": d.level, "line": d.line}
                    for d in self.descriptors_to_create
                ],
            ),
            PlanSection(
                _("Descriptor changes"),
                [
                    _('%(code)s level %(level)s (line %(line)s): %(field)s "%(old)s" → "%(new)s"')
                    % {
                        "code": c.code,
                        "level": c.level,
                        "line": c.line,
                        "field": c.field.replace("_", " "),
                        "old": shorten(c.old),
                        "new": shorten(c.new),
                    }
                    for c in self.descriptor_changes
                ],
            ),
        ]


def _read_descriptors(table: Table, known_codes: set[str]) -> list[NewDescriptor]:
    """Every row as a NewDescriptor (the plan sorts out which are new); ImportFileError on any error."""
    fixed = table.fixed_columns(DESCRIPTOR_COLUMNS)
    errors = ErrorList()
    rows: list[NewDescriptor] = []
    first_line_of: dict[tuple[str, int], int] = {}
    for line, row in table.lines():
        code, raw_level = _text(row, fixed, "code"), row[fixed["level"]]
        level = parse_level(raw_level, low=1, high=5)
        if code == "":
            errors.append(_("Line %(line)s: empty code.") % {"line": line})
        elif code not in known_codes:
            errors.append(
                _('Line %(line)s: unknown competency code "%(code)s".') % {"line": line, "code": shorten(code, 40)}
            )
        if level is None:
            if raw_level == "":
                errors.append(_('Line %(line)s, column "level": empty level (use 1–5).') % {"line": line})
            else:
                errors.append(
                    _('Line %(line)s, column "level": unknown level "%(value)s" (use 1–5).')
                    % {"line": line, "value": shorten(cell_text(raw_level), 40)}
                )
        elif code:
            if (code, level) in first_line_of:
                errors.append(
                    _('Line %(line)s: duplicate descriptor "%(code)s" level %(level)s (also on line %(first)s).')
                    % {"line": line, "code": code, "level": level, "first": first_line_of[(code, level)]}
                )
                continue
            first_line_of[(code, level)] = line
        texts = {name: _text(row, fixed, name) for name in DESCRIPTOR_TEXT_FIELDS}
        rows.append(NewDescriptor(line=line, code=code, level=level or 0, **texts))
    errors.raise_if_any()
    return rows


def descriptors_import_plan(*, content: bytes, fmt: str) -> DescriptorPlan:
    """What importing this descriptors file would change. Raises ImportFileError listing every error.

    Each row states one descriptor in full (an empty cell is empty text); descriptors the file
    does not mention are left alone. The competency must exist already.
    """
    table = read_table(content, fmt)
    rows = _read_descriptors(table, set(Competency.objects.values_list("code", flat=True)))
    current = {(d.competency.code, d.level): d for d in LevelDescriptor.objects.select_related("competency")}
    plan = DescriptorPlan()
    for row in rows:
        existing = current.get((row.code, row.level))
        if existing is None:
            plan.descriptors_to_create.append(row)
            continue
        for name in DESCRIPTOR_TEXT_FIELDS:
            old, new = getattr(existing, name), getattr(row, name)
            if not _same_text(old, new):
                plan.descriptor_changes.append(
                    DescriptorChange(line=row.line, code=row.code, level=row.level, field=name, old=old, new=new)
                )
    return plan


def descriptors_import_apply(*, plan: DescriptorPlan) -> None:
    """Write `plan` in one transaction."""
    with transaction.atomic():
        competencies = {c.code: c for c in Competency.objects.all()}
        LevelDescriptor.objects.bulk_create(
            LevelDescriptor(
                competency=competencies[new.code],
                level=new.level,
                **{name: getattr(new, name) for name in DESCRIPTOR_TEXT_FIELDS},
            )
            for new in plan.descriptors_to_create
        )
        by_key: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        for change in plan.descriptor_changes:
            by_key[(change.code, change.level)][change.field] = change.new
        for (code, level), values in by_key.items():
            LevelDescriptor.objects.filter(competency=competencies[code], level=level).update(**values)
