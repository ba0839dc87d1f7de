"""The competency matrix (wide shape) and the level descriptors (long shape) in spreadsheets.

Matrix: one row per competency (`skill_group_en, skill_group_id, code, name_en, name_id,
definition_en, definition_id`), then one column per position, headed by the position's English
name; a cell is a target, "-" for not applicable, or empty for "this file says nothing
about it". A target is its level 0–5, optionally followed by its weight ("w" and 1–5) and "!"
when it is critical: "3", "3 w2", "3 !", "3 w2 !" (spaces optional, "W" as good as "w"). A
cell states the whole target: a plain "3" is weight 1 and not critical, so a file from before
weights imports as it always did, and export then import of an unchanged matrix plans no
change. Descriptors: one row per competency and level (`code, level, behaviour_indicators_en,
behaviour_indicators_id, syllabus_en, syllabus_id, deliverable_en, deliverable_id`).

Every translated text has an English column (`name_en`; plain `name` in a file from before the
Indonesian columns, read as English) and an Indonesian one (`name_id`). Skill groups and
positions are found by their English names. An Indonesian column the file lacks leaves the
Indonesian texts as they are; an empty Indonesian cell is no Indonesian text, and readers see
the English one.

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
from django.utils.translation import gettext_lazy

from competencies.models import (
    DEFAULT_WEIGHT,
    MAX_WEIGHT,
    MIN_WEIGHT,
    Competency,
    LevelDescriptor,
    PositionTarget,
    SkillGroup,
    level_label,
)
from competencies.services import target_set
from hrportal.models import Position, User
from hrportal.page_cache import bump_framework
from hrportal.spreadsheets import (
    ErrorList,
    ImportFileError,
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
from hrportal.translated import ENGLISH, INDONESIAN, file_column
from hrportal.translated import column as db_column


def _both_languages(field: str) -> tuple[str, str]:
    """The file columns of a translated text: ("name_en", "name_id")."""
    return file_column(field, ENGLISH), file_column(field, INDONESIAN)


DESCRIPTOR_TEXT_FIELDS = ("behaviour_indicators", "syllabus", "deliverable")
MATRIX_COLUMNS = (*_both_languages("skill_group"), "code", *_both_languages("name"), *_both_languages("definition"))
DESCRIPTOR_COLUMNS = ("code", "level", *(name for field in DESCRIPTOR_TEXT_FIELDS for name in _both_languages(field)))
NOT_APPLICABLE = "-"
CRITICAL_MARK = "!"
WEIGHT_MARK = "w"
_WHOLE_NUMBER = re.compile(r"[0-9]+(?:\.0*)?")
# A matrix cell's target: level, optional weight ("w2"), optional critical mark ("!").
_TARGET_CELL = re.compile(r"([0-9]+)(?:\.0*)?\s*(?:[wW]\s*([0-9]+))?\s*(!)?")
# What a competency row of the matrix may change, by field (a file column's key: "name" for the
# English name, "name_id" for the Indonesian), with the name a preview shows and its model column.
_COMPETENCY_FIELDS = {
    "group": (gettext_lazy("skill group"), "group"),
    "name": (gettext_lazy("name"), db_column("name", ENGLISH)),
    "name_id": (gettext_lazy("Indonesian name"), db_column("name", INDONESIAN)),
    "definition": (gettext_lazy("definition"), db_column("definition", ENGLISH)),
    "definition_id": (gettext_lazy("Indonesian definition"), db_column("definition", INDONESIAN)),
}
_INDONESIAN_DESCRIPTOR_FIELD = {file_column(field, INDONESIAN): field for field in DESCRIPTOR_TEXT_FIELDS}


def _descriptor_column(key: str) -> str:
    """The model column of a descriptor text's key: "syllabus" → "syllabus_en", "syllabus_id" → "syllabus_ind"."""
    if key in _INDONESIAN_DESCRIPTOR_FIELD:
        return db_column(_INDONESIAN_DESCRIPTOR_FIELD[key], INDONESIAN)
    return db_column(key, ENGLISH)


def _fixed_columns(table: Table, plain: tuple[str, ...], translated: tuple[str, ...]) -> dict[str, int]:
    """{key: index} of the file's fixed columns: each of `plain`; for each translated field its
    English column under the field's own key ("name": headed name_en, or name in an older file)
    and, where the file has one, its Indonesian column ("name_id"). ImportFileError if a
    required column is missing or a text has two English columns."""
    legacy_and_languages = [key for text in translated for key in (text, *_both_languages(text))]
    found = table.fixed_columns(plain, optional=legacy_and_languages)
    fixed = {key: found[key] for key in plain}
    errors: list[str] = []
    for text in translated:
        english, indonesian = _both_languages(text)
        if english in found and text in found:
            errors.append(
                _('Line 1: columns "%(one)s" and "%(other)s" both hold the English %(field)s; keep one of them.')
                % {"one": text, "other": english, "field": text.replace("_", " ")}
            )
        elif english not in found and text not in found:
            errors.append(_('Line 1: missing required column "%(column)s".') % {"column": english})
        else:
            fixed[text] = found.get(english, found.get(text, 0))
        if indonesian in found:
            fixed[indonesian] = found[indonesian]
    if errors:
        raise ImportFileError(errors)
    # Every fixed column, the repeated English one included, so that none is read as a position.
    return fixed | {f"column {index}": index for index in found.values() if index not in fixed.values()}


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


@dataclass(frozen=True)
class TargetCell:
    """What a matrix cell says about one target."""

    level: int
    weight: int = DEFAULT_WEIGHT
    is_critical: bool = False

    def __str__(self) -> str:
        """As a cell holds it: "3", "3 w2", "3 !", "3 w2 !"."""
        parts = [str(self.level)]
        if self.weight != DEFAULT_WEIGHT:
            parts.append(f"{WEIGHT_MARK}{self.weight}")
        if self.is_critical:
            parts.append(CRITICAL_MARK)
        return " ".join(parts)

    @property
    def cell(self) -> int | str:
        """The value to export: a plain number when there is nothing but the level."""
        return self.level if (self.weight, self.is_critical) == (DEFAULT_WEIGHT, False) else str(self)

    def describe(self) -> str:
        """For a preview: "3 · Advanced", "3 · Advanced, weight 2, critical"."""
        text = level_label(self.level)
        if self.weight != DEFAULT_WEIGHT:
            text = _("%(target)s, weight %(weight)s") % {"target": text, "weight": self.weight}
        if self.is_critical:
            text = _("%(target)s, critical") % {"target": text}
        return text


def parse_target_cell(value: Any) -> TargetCell | None:
    """The target a matrix cell holds (3, "3", 3.0, "3 w2", "3!", "3 W2 !"), or None when it
    is not one (a level outside 0–5, a weight outside MIN_WEIGHT..MAX_WEIGHT, other text)."""
    level = parse_level(value, low=0, high=5)
    if level is not None:
        return TargetCell(level=level)
    if not isinstance(value, str) or not (match := _TARGET_CELL.fullmatch(value.strip())):
        return None
    level = parse_level(match[1], low=0, high=5)
    weight = DEFAULT_WEIGHT if match[2] is None else parse_level(match[2], low=MIN_WEIGHT, high=MAX_WEIGHT)
    if level is None or weight is None:
        return None
    return TargetCell(level=level, weight=weight, is_critical=match[3] is not None)


def _same_text(stored: str, from_file: str) -> bool:
    # Files lose surrounding spaces (the reader strips cells) and XLSX turns "\r\n" into "\n",
    # so neither counts as a change, or an unchanged file would not round-trip.
    def normal(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    return normal(stored) == normal(from_file)


# Export


def matrix_dataset() -> tablib.Dataset:
    """Every competency (by skill group, then code) against every position (by English name), the
    texts in both languages; each target as parse_target_cell reads it back."""
    position_name = db_column("name", ENGLISH)
    positions = list(Position.objects.order_by(position_name).values_list("pk", position_name))
    targets = {
        (competency_id, position_id): TargetCell(level=level, weight=weight, is_critical=critical).cell
        for competency_id, position_id, level, weight, critical in PositionTarget.objects.values_list(
            "competency_id", "position_id", "target_level", "weight", "is_critical"
        )
    }
    competencies = Competency.objects.select_related("group").order_by(f"group__{db_column('name', ENGLISH)}", "code")
    rows = (
        [
            *_texts(competency.group, "name"),
            competency.code,
            *_texts(competency, "name"),
            *_texts(competency, "definition"),
            *(targets.get((competency.pk, position_id), NOT_APPLICABLE) for position_id, _ in positions),
        ]
        for competency in competencies
    )
    return build_dataset([*MATRIX_COLUMNS, *(name for _, name in positions)], rows, title=_("Matrix"))


def descriptors_dataset() -> tablib.Dataset:
    descriptors = LevelDescriptor.objects.select_related("competency").order_by("competency__code", "level")
    rows = (
        [d.competency.code, d.level, *(text for field in DESCRIPTOR_TEXT_FIELDS for text in _texts(d, field))]
        for d in descriptors
    )
    return build_dataset(DESCRIPTOR_COLUMNS, rows, title=_("Descriptors"))


def _texts(obj: Any, field: str) -> tuple[str, str]:
    """`field` of `obj` as stored in English and in Indonesian ("" for none), without fallback."""
    return getattr(obj, db_column(field, ENGLISH)) or "", getattr(obj, db_column(field, INDONESIAN)) or ""


# Reading the matrix


@dataclass(frozen=True)
class _PositionColumn:
    index: int
    header: str


@dataclass(frozen=True)
class _MatrixRow:
    line: int
    group: str  # English
    code: str
    name: str
    definition: str
    # The Indonesian texts; None where the file has no such column (they stay as they are).
    group_id: str | None
    name_id: str | None
    definition_id: str | None
    # Position column index → target, None for not applicable ("-"); empty cells are left out.
    cells: dict[int, TargetCell | None]


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


def _optional_text(row: list, fixed: dict[str, int], key: str) -> str | None:
    return cell_text(row[fixed[key]]) if key in fixed else None


def _check_length(line: int, value: str | None, what: str, max_length: int, errors: ErrorList) -> None:
    if value is not None and len(value) > max_length:
        errors.append(
            _("Line %(line)s: %(what)s longer than %(max)s characters.")
            % {"line": line, "what": what, "max": max_length}
        )


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
    group_id, name_id = _optional_text(row, fixed, "skill_group_id"), _optional_text(row, fixed, "name_id")
    _check_length(line, group_id, _("Indonesian skill group"), text_max_length(SkillGroup, "name"), errors)
    _check_length(line, name_id, _("Indonesian name"), text_max_length(Competency, "name"), errors)
    cells: dict[int, TargetCell | None] = {}
    for column in columns:
        value = row[column.index]
        if value == "":
            continue  # the file says nothing about this target
        if value == NOT_APPLICABLE:
            cells[column.index] = None
            continue
        target = parse_target_cell(value)
        if target is None:
            errors.append(
                _(
                    'Line %(line)s, column "%(column)s": unknown target "%(value)s" (use a level 0–5, optionally '
                    'followed by a weight w1–w5 and ! for critical, as in "3 w2 !"; or "-").'
                )
                % {"line": line, "column": column.header, "value": shorten(cell_text(value), 40)}
            )
        else:
            cells[column.index] = target
    return _MatrixRow(
        line=line,
        group=group,
        code=code,
        name=name,
        definition=_text(row, fixed, "definition"),
        group_id=group_id,
        name_id=name_id,
        definition_id=_optional_text(row, fixed, "definition_id"),
        cells=cells,
    )


def _read_matrix(table: Table, errors: ErrorList) -> tuple[list[_PositionColumn], list[_MatrixRow]]:
    """The position columns and the rows; every error goes to `errors`."""
    fixed = _fixed_columns(table, ("code",), ("skill_group", "name", "definition"))
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
    name_id: str = ""
    definition_id: str = ""


@dataclass(frozen=True)
class CompetencyChange:
    line: int
    code: str
    field: str  # a key of _COMPETENCY_FIELDS
    old: str
    new: str


@dataclass(frozen=True)
class GroupNameChange:
    """The Indonesian name of skill group `group` (its English name) going from `old` to `new`."""

    group: str
    old: str
    new: str


@dataclass(frozen=True)
class TargetChange:
    """A target of `position` in `code` going from `old_target` to `new_target` (level, weight,
    critical); None is not applicable."""

    line: int
    code: str
    position: str
    old_target: TargetCell | None
    new_target: TargetCell | None

    @property
    def old(self) -> int | None:
        """The old level."""
        return self.old_target.level if self.old_target else None

    @property
    def new(self) -> int | None:
        """The new level."""
        return self.new_target.level if self.new_target else None

    def __str__(self) -> str:
        old = _("not applicable") if self.old_target is None else self.old_target.describe()
        new = _("not applicable") if self.new_target is None else self.new_target.describe()
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
    # The Indonesian names of skill groups, new ones included.
    group_name_changes: list[GroupNameChange] = field(default_factory=list)
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
                _("Skill group names in Indonesian"),
                [
                    _('%(group)s: "%(old)s" → "%(new)s"') % {"group": c.group, "old": c.old, "new": c.new}
                    for c in self.group_name_changes
                ],
            ),
            PlanSection(
                _("Competency changes"),
                [
                    _('%(code)s (line %(line)s): %(field)s "%(old)s" → "%(new)s"')
                    % {
                        "code": c.code,
                        "line": c.line,
                        "field": _COMPETENCY_FIELDS[c.field][0],
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
    english_name = db_column("name", ENGLISH)
    groups = NameLookup(SkillGroup.objects.values_list(english_name, flat=True))
    positions = NameLookup(Position.objects.values_list(english_name, flat=True))
    position_of = {column.index: positions.resolve(column.header) for column in columns}
    if not create_missing:
        for position_column in columns:
            if position_of[position_column.index] in positions.new:
                place = _("Line 1, column %(column)s") % {"column": column_letter(position_column.index)}
                errors.append(
                    new_name_error(place=place, kind=_("position"), name=position_column.header, lookup=positions)
                )
    group_of = [groups.resolve(row.group) if row.group else "" for row in rows]
    group_name_changes = _plan_group_names(rows, group_of, errors)
    errors.raise_if_any()
    competencies = {c.code: c for c in Competency.objects.select_related("group")}
    targets = {
        (code, position): TargetCell(level=level, weight=weight, is_critical=critical)
        for code, position, level, weight, critical in PositionTarget.objects.values_list(
            "competency__code", f"position__{english_name}", "target_level", "weight", "is_critical"
        )
    }
    plan = MatrixPlan(group_name_changes=group_name_changes)
    for row, group in zip(rows, group_of, strict=True):
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
        if change.position == getattr(by.position, db_column("name", ENGLISH))
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


def _plan_group_names(rows: list[_MatrixRow], group_of: list[str], errors: ErrorList) -> list[GroupNameChange]:
    """The Indonesian skill group names the file gives that differ from the stored ones.

    A group's Indonesian name is the one its rows give (rows left empty say nothing when another
    row gives one); two different ones, or one that another group already has, is an error."""
    given: dict[str, tuple[int, str]] = {}  # group → (first line, Indonesian name)
    for row, group in zip(rows, group_of, strict=True):
        if row.group_id is None or not group:
            continue
        first = given.get(group)
        if first is None or (first[1] == "" and row.group_id):
            given[group] = (row.line, row.group_id)
        elif row.group_id and not _same_text(first[1], row.group_id):
            errors.append(
                _('Line %(line)s: skill group "%(group)s" is "%(first)s" in Indonesian on line %(first_line)s.')
                % {"line": row.line, "group": group, "first": shorten(first[1], 40), "first_line": first[0]}
            )
    stored = dict(SkillGroup.objects.values_list(db_column("name", ENGLISH), db_column("name", INDONESIAN)))
    final = {group: name or "" for group, name in stored.items()} | {group: name for group, (_, name) in given.items()}
    owner: dict[str, str] = {}
    for group, name in final.items():
        if name and owner.setdefault(name, group) != group:
            line = given[group][0] if group in given else given[owner[name]][0]
            errors.append(
                _('Line %(line)s: two skill groups, "%(one)s" and "%(other)s", would be "%(name)s" in Indonesian.')
                % {"line": line, "name": shorten(name, 40), "one": owner[name], "other": group}
            )
    return [
        GroupNameChange(group=group, old=stored.get(group) or "", new=name)
        for group, (_, name) in given.items()
        if not _same_text(stored.get(group) or "", name)
    ]


def _plan_competency(plan: MatrixPlan, row: _MatrixRow, group: str, current: Competency | None) -> None:
    if current is None:
        plan.competencies_to_create.append(
            NewCompetency(
                line=row.line,
                code=row.code,
                name=row.name,
                definition=row.definition,
                group=group,
                name_id=row.name_id or "",
                definition_id=row.definition_id or "",
            )
        )
        return
    stored = {key: getattr(current, model_column) or "" for key, (_, model_column) in _COMPETENCY_FIELDS.items()}
    for name, old, new in [
        ("group", getattr(current.group, db_column("name", ENGLISH)), group),
        ("name", stored["name"], row.name),
        ("definition", stored["definition"], row.definition),
        ("name_id", stored["name_id"], row.name_id),
        ("definition_id", stored["definition_id"], row.definition_id),
    ]:
        if new is not None and not _same_text(old, new):
            plan.competency_changes.append(CompetencyChange(line=row.line, code=row.code, field=name, old=old, new=new))


def _plan_target(
    plan: MatrixPlan,
    row: _MatrixRow,
    position: str,
    new: TargetCell | None,
    targets: dict[tuple[str, str], TargetCell],
    *,
    remove: bool,
) -> None:
    old = targets.get((row.code, position))
    if old == new:
        return
    change = TargetChange(line=row.line, code=row.code, position=position, old_target=old, new_target=new)
    if new is None:
        (plan.targets_to_remove if remove else plan.removals_skipped).append(change)
    elif old is None:
        plan.targets_to_create.append(change)
    else:
        plan.targets_to_change.append(change)


def matrix_import_apply(*, plan: MatrixPlan, by: User | None, note: str) -> None:
    """Write `plan` in one transaction: all of it or, on any failure, nothing."""
    with transaction.atomic():
        bump_framework()  # names, groups and targets are on everyone's pages (hrportal/page_cache.py)
        groups = named_objects(SkillGroup, plan.groups_to_create)
        positions = named_objects(Position, plan.positions_to_create)
        for renamed in plan.group_name_changes:
            setattr(groups[renamed.group], db_column("name", INDONESIAN), renamed.new)
            groups[renamed.group].save(update_fields=[db_column("name", INDONESIAN)])
        competencies = {c.code: c for c in Competency.objects.all()}
        for new in plan.competencies_to_create:
            competencies[new.code] = Competency.objects.create(
                code=new.code,
                group=groups[new.group],
                **{
                    db_column("name", ENGLISH): new.name,
                    db_column("name", INDONESIAN): new.name_id,
                    db_column("definition", ENGLISH): new.definition,
                    db_column("definition", INDONESIAN): new.definition_id,
                },
            )
        _apply_competency_changes(plan.competency_changes, competencies, groups)
        for change in plan.targets_to_create + plan.targets_to_change + plan.targets_to_remove:
            target = change.new_target
            target_set(
                position=positions[change.position],
                competency=competencies[change.code],
                level=target.level if target else None,
                weight=target.weight if target else None,
                is_critical=target.is_critical if target else None,
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
            model_column = _COMPETENCY_FIELDS[change.field][1]
            setattr(competency, model_column, groups[change.new] if change.field == "group" else change.new)
        competency.save(update_fields=[_COMPETENCY_FIELDS[change.field][1] for change in code_changes])


# Descriptors


@dataclass(frozen=True)
class NewDescriptor:
    line: int
    code: str
    level: int
    # By key: "syllabus" (English), "syllabus_id" (Indonesian, only where the file has the column).
    texts: dict[str, str]


@dataclass(frozen=True)
class DescriptorChange:
    line: int
    code: str
    level: int
    field: str  # a key of NewDescriptor.texts
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
                        "field": _descriptor_field_label(c.field),
                        "old": shorten(c.old),
                        "new": shorten(c.new),
                    }
                    for c in self.descriptor_changes
                ],
            ),
        ]


def _descriptor_field_label(key: str) -> str:
    """ "behaviour indicators" for the English text, "behaviour indicators (Indonesian)" for the other."""
    if key in _INDONESIAN_DESCRIPTOR_FIELD:
        return _("%(field)s (Indonesian)") % {"field": _INDONESIAN_DESCRIPTOR_FIELD[key].replace("_", " ")}
    return key.replace("_", " ")


def _read_descriptors(table: Table, known_codes: set[str]) -> list[NewDescriptor]:
    """Every row as a NewDescriptor (the plan sorts out which are new); ImportFileError on any error."""
    fixed = _fixed_columns(table, ("code", "level"), DESCRIPTOR_TEXT_FIELDS)
    text_keys = [
        key for text in DESCRIPTOR_TEXT_FIELDS for key in (text, file_column(text, INDONESIAN)) if key in fixed
    ]
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
        texts = {key: _text(row, fixed, key) for key in text_keys}
        rows.append(NewDescriptor(line=line, code=code, level=level or 0, texts=texts))
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
        for name, new in row.texts.items():
            old = getattr(existing, _descriptor_column(name)) or ""
            if not _same_text(old, new):
                plan.descriptor_changes.append(
                    DescriptorChange(line=row.line, code=row.code, level=row.level, field=name, old=old, new=new)
                )
    return plan


def descriptors_import_apply(*, plan: DescriptorPlan) -> None:
    """Write `plan` in one transaction."""
    with transaction.atomic():
        bump_framework()  # descriptors are on the competency and self-assessment pages
        competencies = {c.code: c for c in Competency.objects.all()}
        LevelDescriptor.objects.bulk_create(
            LevelDescriptor(
                competency=competencies[new.code],
                level=new.level,
                **{_descriptor_column(key): text for key, text in new.texts.items()},
            )
            for new in plan.descriptors_to_create
        )
        by_key: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        for change in plan.descriptor_changes:
            by_key[(change.code, change.level)][_descriptor_column(change.field)] = change.new
        for (code, level), values in by_key.items():
            LevelDescriptor.objects.filter(competency=competencies[code], level=level).update(**values)
