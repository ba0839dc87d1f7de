import csv
import io
from unittest import mock

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from competencies.models import Competency, LevelDescriptor, PositionTarget, PositionTargetHistory, SkillGroup
from competencies.services import target_set
from competencies.spreadsheets import (
    descriptors_dataset,
    descriptors_import_apply,
    descriptors_import_plan,
    matrix_dataset,
    matrix_import_apply,
    matrix_import_plan,
)
from hrportal.models import Position
from hrportal.spreadsheets import ImportFileError, export_bytes
from tests.competencies.factories import (
    CompetencyFactory,
    LevelDescriptorFactory,
    PositionTargetFactory,
    SkillGroupFactory,
)
from tests.hrportal.factories import PositionFactory

pytestmark = pytest.mark.django_db

# Most files below use the matrix's columns from before it had two languages: they are still
# read, as English, so these tests say that too. The bilingual columns are tested further down.
HEADER = ["skill_group", "code", "name", "definition"]
BILINGUAL_HEADER = ["skill_group_en", "skill_group_id", "code", "name_en", "name_id", "definition_en", "definition_id"]


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plan_csv(rows: list[list], remove: bool = False, create_missing: bool = False):
    return matrix_import_plan(content=csv_bytes(rows), fmt="csv", remove=remove, create_missing=create_missing)


def unknown_target(line: int, column: str, value: str) -> str:
    return (
        f'Line {line}, column "{column}": unknown target "{value}" (use a level 0–5, optionally followed by a '
        'weight w1–w5 and ! for critical, as in "3 w2 !"; or "-").'
    )


def import_errors(rows: list[list]) -> list[str]:
    with pytest.raises(ImportFileError) as raised:
        plan_csv(rows)
    return raised.value.errors


def write(directory, content: bytes, name: str) -> str:
    path = directory / name
    path.write_bytes(content)
    return str(path)


def counts() -> dict[str, int]:
    models = [SkillGroup, Competency, Position, PositionTarget, PositionTargetHistory, LevelDescriptor]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def matrix(db):
    """Safety: S-01 (Operator 2, Supervisor 4) and S-02 (Operator 0, Supervisor not applicable)."""
    group = SkillGroupFactory(name="Safety")
    s1 = CompetencyFactory(code="S-01", name="Permit to Work", definition="Works under permits.", group=group)
    s2 = CompetencyFactory(code="S-02", name="Emergency Response", definition="Acts in emergencies.", group=group)
    operator, supervisor = PositionFactory(name="Operator"), PositionFactory(name="Supervisor")
    PositionTargetFactory(position=operator, competency=s1, target_level=2)
    PositionTargetFactory(position=supervisor, competency=s1, target_level=4)
    PositionTargetFactory(position=operator, competency=s2, target_level=0)
    return {"S-01": s1, "S-02": s2, "Operator": operator, "Supervisor": supervisor}


def matrix_rows(**cells) -> list[list]:
    """The `matrix` fixture as a file, with some cells changed: matrix_rows(s1_operator=3)."""
    values = {"s1_operator": 2, "s1_supervisor": 4, "s2_operator": 0, "s2_supervisor": "-", **cells}
    return [
        [*HEADER, "Operator", "Supervisor"],
        ["Safety", "S-01", "Permit to Work", "Works under permits.", values["s1_operator"], values["s1_supervisor"]],
        [
            "Safety",
            "S-02",
            "Emergency Response",
            "Acts in emergencies.",
            values["s2_operator"],
            values["s2_supervisor"],
        ],
    ]


def target(matrix, code: str, position: str) -> int | None:
    found = PositionTarget.objects.filter(competency=matrix[code], position=matrix[position]).first()
    return found.target_level if found else None


# Round trip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_of_the_demo_matrix_and_descriptors_changes_nothing(fmt, tmp_path):
    call_command("seed_demo", verbosity=0)
    matrix_file = export_bytes(matrix_dataset(), fmt)
    descriptors_file = export_bytes(descriptors_dataset(), fmt)
    before = counts()

    matrix_plan = matrix_import_plan(content=matrix_file, fmt=fmt, remove=True)
    descriptors_plan = descriptors_import_plan(content=descriptors_file, fmt=fmt)

    assert matrix_plan.is_empty and matrix_plan.summary() == "No changes."
    assert not matrix_plan.removals_skipped
    assert descriptors_plan.is_empty
    call_command("import_matrix", write(tmp_path, matrix_file, f"kkj.{fmt}"), "--remove", stdout=io.StringIO())
    assert counts() == before


def test_export_has_one_row_per_competency_and_one_column_per_position(matrix):
    Competency.objects.filter(code="S-01").update(name_ind="Izin Kerja")
    dataset = matrix_dataset()
    assert dataset.headers == [*BILINGUAL_HEADER, "Operator", "Supervisor"]
    assert [list(row) for row in dataset] == [
        ["Safety", "", "S-01", "Permit to Work", "Izin Kerja", "Works under permits.", "", 2, 4],
        ["Safety", "", "S-02", "Emergency Response", "", "Acts in emergencies.", "", 0, "-"],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_text_is_escaped_in_the_file_and_imported_back_unchanged(matrix, fmt):
    formula = '=HYPERLINK("http://evil.example","click")'
    Competency.objects.filter(code="S-01").update(definition=formula, name="'=already quoted")
    content = export_bytes(matrix_dataset(), fmt)

    if fmt == "csv":
        text = content.decode("utf-8")
        assert "'=HYPERLINK" in text and "''=already quoted" in text
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        cell = sheet["F2"]
        assert (cell.value, cell.data_type) == ("'" + formula, "s")
        assert sheet["I3"].value == "-"  # not applicable stays a plain dash
    assert matrix_import_plan(content=content, fmt=fmt, remove=True).is_empty


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_as_people_type_it_round_trips(matrix, fmt):
    awkward = (
        '- Reads P&IDs, "tags" and legends;\r\n- Explains them, step by step.\r\n'  # admin textareas send CRLF
        "Ünïcode: Jürgen’s “quoted” text, 50% / +5 °C"
    )
    Competency.objects.filter(code="S-01").update(definition=awkward, name="-Negative pressure, vacuum")
    SkillGroup.objects.filter(name="Safety").update(name="Safety, Health & Environment")
    content = export_bytes(matrix_dataset(), fmt)
    assert matrix_import_plan(content=content, fmt=fmt, remove=True).is_empty


# Creating, changing, removing


def test_import_creates_groups_competencies_positions_and_dated_targets(matrix, cast):
    rows = [
        [*HEADER, "Operator", "Welder"],
        ["Safety", "S-01", "Permit to Work", "Works under permits.", 2, 3],
        ["Welding", "W-01", "Stick Welding", "=Welds with rods.", 1, 5],
    ]
    plan = plan_csv(rows, create_missing=True)

    assert plan.groups_to_create == ["Welding"]
    assert plan.positions_to_create == ["Welder"]
    assert [c.code for c in plan.competencies_to_create] == ["W-01"]
    assert [str(c) for c in plan.targets_to_create] == [
        "S-01 / Welder (line 2): not applicable → 3 · Advanced",
        "W-01 / Operator (line 3): not applicable → 1 · Basic",
        "W-01 / Welder (line 3): not applicable → 5 · Master",
    ]
    matrix_import_apply(plan=plan, by=cast.hc, note="import kkj.csv")

    welding = Competency.objects.get(code="W-01")
    assert (welding.name, welding.definition, welding.group.name) == ("Stick Welding", "=Welds with rods.", "Welding")
    assert PositionTarget.objects.get(competency=welding, position__name="Welder").target_level == 5
    history = PositionTargetHistory.objects.filter(competency=welding)
    assert history.count() == 2
    assert {(h.old_level, h.new_level, h.changed_by, h.note) for h in history} == {
        (None, 1, cast.hc, "import kkj.csv"),
        (None, 5, cast.hc, "import kkj.csv"),
    }


def test_changed_target_name_and_group_are_planned_and_applied(matrix, cast):
    rows = matrix_rows(s1_operator=3)
    rows[2][0], rows[2][2] = "Emergency", "Emergency Response & Drills"
    plan = plan_csv(rows)

    assert [str(c) for c in plan.targets_to_change] == ["S-01 / Operator (line 2): 2 · Intermediate → 3 · Advanced"]
    assert [(c.code, c.field, c.old, c.new) for c in plan.competency_changes] == [
        ("S-02", "group", "Safety", "Emergency"),
        ("S-02", "name", "Emergency Response", "Emergency Response & Drills"),
    ]
    matrix_import_apply(plan=plan, by=cast.hc, note="import")

    assert target(matrix, "S-01", "Operator") == 3
    s2 = Competency.objects.get(code="S-02")
    assert (s2.name, s2.group.name) == ("Emergency Response & Drills", "Emergency")
    latest = PositionTargetHistory.objects.first()
    assert (latest.old_level, latest.new_level, latest.changed_by) == (2, 3, cast.hc)


def test_zero_is_a_target_of_zero_not_not_applicable(matrix, cast):
    plan = plan_csv(matrix_rows(s2_supervisor=0))
    assert [str(c) for c in plan.targets_to_create] == ["S-02 / Supervisor (line 3): not applicable → 0 · None"]
    matrix_import_apply(plan=plan, by=cast.hc, note="import")
    assert target(matrix, "S-02", "Supervisor") == 0


def test_dash_over_a_target_is_only_listed_as_kept_without_the_remove_option(matrix, cast):
    plan = plan_csv(matrix_rows(s1_operator="-", s2_operator="-"))

    assert plan.is_empty and not plan.targets_to_remove
    assert [str(c) for c in plan.removals_skipped] == [
        "S-01 / Operator (line 2): 2 · Intermediate → not applicable",
        "S-02 / Operator (line 3): 0 · None → not applicable",
    ]
    matrix_import_apply(plan=plan, by=cast.hc, note="import")
    assert (target(matrix, "S-01", "Operator"), target(matrix, "S-02", "Operator")) == (2, 0)


def test_dash_removes_a_target_with_the_remove_option_and_dates_it(matrix, cast):
    plan = plan_csv(matrix_rows(s2_operator="-"), remove=True)

    assert [str(c) for c in plan.targets_to_remove] == ["S-02 / Operator (line 3): 0 · None → not applicable"]
    matrix_import_apply(plan=plan, by=cast.hc, note="import kkj.xlsx")
    assert target(matrix, "S-02", "Operator") is None
    latest = PositionTargetHistory.objects.first()
    assert (latest.old_level, latest.new_level, latest.changed_by, latest.note) == (0, None, cast.hc, "import kkj.xlsx")


def test_empty_cells_and_unmentioned_rows_and_columns_are_left_alone(matrix):
    other = CompetencyFactory(code="X-01")
    PositionTargetFactory(position=matrix["Operator"], competency=other, target_level=5)
    rows = [
        [*HEADER, "Operator"],
        ["Safety", "S-01", "Permit to Work", "Works under permits.", ""],
    ]
    assert plan_csv(rows, remove=True).is_empty


@pytest.mark.parametrize("value", ["3", "3.0", 3, 3.0, " 3 "])
def test_a_level_may_be_written_as_text_a_whole_number_or_a_float(matrix, value):
    content = xlsx_bytes(matrix_rows(s1_operator=value))
    plan = matrix_import_plan(content=content, fmt="xlsx")
    assert [(c.old, c.new) for c in plan.targets_to_change] == [(2, 3)]


def test_fixed_columns_are_found_whatever_their_case_and_position_names_ignore_case(matrix):
    rows = matrix_rows()
    rows[0] = ["Skill Group", "CODE", "Name", "definition", "operator", "SUPERVISOR"]
    plan = plan_csv(rows)
    assert plan.is_empty and plan.positions_to_create == []


# Errors: every one names its line (and column), and any error imports nothing


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda rows: rows[1].__setitem__(4, "7"),
            unknown_target(2, "Operator", "7"),
        ),
        (
            lambda rows: rows[2].__setitem__(5, "2.5"),
            unknown_target(3, "Supervisor", "2.5"),
        ),
        (
            lambda rows: rows[2].__setitem__(5, "n/a"),
            unknown_target(3, "Supervisor", "n/a"),
        ),
        (lambda rows: rows[2].__setitem__(1, "S-01"), 'Line 3: duplicate code "S-01" (also on line 2).'),
        (lambda rows: rows[2].__setitem__(2, ""), "Line 3: empty name."),
        (lambda rows: rows[1].__setitem__(1, ""), "Line 2: empty code."),
        (lambda rows: rows[1].__setitem__(0, " "), "Line 2: empty skill group."),
        (lambda rows: rows[1].__setitem__(1, "C" * 33), "Line 2: code longer than 32 characters."),
        (
            lambda rows: rows[0].__setitem__(5, "operator"),
            'Line 1: duplicate position column "operator" (columns E and F).',
        ),
        (lambda rows: rows[0].__setitem__(3, "description"), 'Line 1: missing required column "definition_en".'),
        (lambda rows: rows[2].append("4"), "Line 3, column G: a value but no column header (line 1)."),
    ],
    ids=[
        "level-7",
        "level-fraction",
        "level-text",
        "duplicate-code",
        "empty-name",
        "empty-code",
        "empty-group",
        "code-too-long",
        "duplicate-position",
        "missing-column",
        "value-without-header",
    ],
)
def test_each_kind_of_error_is_named_with_its_line_and_column(matrix, change, expected):
    rows = matrix_rows()
    change(rows)
    assert import_errors(rows) == [expected]


def test_every_error_in_the_file_is_reported_not_just_the_first(matrix):
    rows = [*matrix_rows(s1_operator=7), ["Safety", "S-03", "", "", "x", "-"], ["Safety", "S-01", "Again", "", "", ""]]
    assert import_errors(rows) == [
        unknown_target(2, "Operator", "7"),
        "Line 4: empty name.",
        unknown_target(4, "Operator", "x"),
        'Line 5: duplicate code "S-01" (also on line 2).',
    ]


def test_an_unreadable_file_is_an_import_error():
    with pytest.raises(ImportFileError, match="UTF-8"):
        matrix_import_plan(content="code\n".encode("utf-16"), fmt="csv")
    with pytest.raises(ImportFileError, match="not a readable .xlsx"):
        matrix_import_plan(content=b"not a spreadsheet", fmt="xlsx")


def test_a_failure_while_applying_leaves_nothing_half_imported(matrix, cast):
    plan = plan_csv(matrix_rows(s1_operator=5, s1_supervisor=5, s2_supervisor=1))
    before = counts()
    calls = []

    def fail_on_third(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return target_set(**kwargs)

    with mock.patch("competencies.spreadsheets.target_set", fail_on_third), pytest.raises(RuntimeError):
        matrix_import_apply(plan=plan, by=cast.hc, note="import")
    assert counts() == before
    assert target(matrix, "S-01", "Operator") == 2


# Commands


def test_import_matrix_command_with_an_error_exits_non_zero_and_writes_nothing(matrix, tmp_path):
    path = write(tmp_path, csv_bytes([*matrix_rows(s1_operator=4), ["", "S-09", "New", "", "9", ""]]), "kkj.csv")
    before = counts()
    with pytest.raises(CommandError) as raised:
        call_command("import_matrix", path, "--remove")
    assert raised.value.returncode == 1  # the exit status when run from a shell
    assert str(raised.value) == (
        "kkj.csv: 2 errors, nothing was imported.\nLine 4: empty skill group.\n" + unknown_target(4, "Operator", "9")
    )
    assert counts() == before


def test_import_matrix_dry_run_prints_the_plan_and_writes_nothing(matrix, tmp_path):
    path = write(tmp_path, csv_bytes(matrix_rows(s1_operator=5, s2_operator="-")), "kkj.csv")
    before, out = counts(), io.StringIO()
    call_command("import_matrix", path, "--dry-run", stdout=out)
    output = out.getvalue()
    assert "Target changes (1):\n  S-01 / Operator (line 2): 2 · Intermediate → 5 · Master" in output
    assert "Targets kept (1):" in output
    assert "Dry run: nothing was written." in output
    assert counts() == before


def test_import_matrix_command_applies_and_dates_the_changes(matrix, tmp_path):
    path = write(tmp_path, csv_bytes(matrix_rows(s1_operator=5, s2_operator="-")), "kkj.csv")
    out = io.StringIO()
    call_command("import_matrix", path, "--remove", stdout=out)
    assert "Imported kkj.csv: Target changes: 1; Targets removed: 1." in out.getvalue()
    assert (target(matrix, "S-01", "Operator"), target(matrix, "S-02", "Operator")) == (5, None)
    assert {h.note for h in PositionTargetHistory.objects.all()} == {"import kkj.csv"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_matrix_command_writes_the_format_its_extension_names(matrix, tmp_path, fmt):
    path = tmp_path / f"kkj.{fmt}"
    call_command("export_matrix", str(path), stdout=io.StringIO())
    assert matrix_import_plan(content=path.read_bytes(), fmt=fmt).is_empty


def test_export_matrix_command_refuses_an_unknown_extension(matrix, tmp_path):
    with pytest.raises(CommandError, match="neither a .csv nor an .xlsx"):
        call_command("export_matrix", str(tmp_path / "kkj.ods"))


# Both languages


@pytest.fixture
def bilingual(matrix):
    """The matrix with Indonesian texts: S-01 and its group named in Indonesian, S-02 not."""
    SkillGroup.objects.filter(name_en="Safety").update(name_ind="Keselamatan")
    Competency.objects.filter(code="S-01").update(name_ind="Izin Kerja", definition_ind="Bekerja dengan izin.")
    return matrix


def bilingual_rows(**texts) -> list[list]:
    """The `bilingual` fixture as a file in both languages, some texts changed: bilingual_rows(s2_name_id="…")."""
    values = {"group_id": "Keselamatan", "s1_name_id": "Izin Kerja", "s2_name_id": "", **texts}
    return [
        [*BILINGUAL_HEADER, "Operator", "Supervisor"],
        ["Safety", values["group_id"], "S-01", "Permit to Work", values["s1_name_id"], "Works under permits.",
         "Bekerja dengan izin.", 2, 4],
        ["Safety", values["group_id"], "S-02", "Emergency Response", values["s2_name_id"], "Acts in emergencies.",
         "", 0, "-"],
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_round_trips_both_languages(bilingual, fmt, cast):
    content = export_bytes(matrix_dataset(), fmt)
    assert matrix_import_plan(content=content, fmt=fmt, remove=True).is_empty

    # The same file with an Indonesian name added, one changed and the group's renamed.
    rows = bilingual_rows(group_id="K3", s1_name_id="Izin Kerja (PTW)", s2_name_id="Tanggap Darurat")
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    plan = matrix_import_plan(content=content, fmt=fmt)
    assert [(c.code, c.field, c.old, c.new) for c in plan.competency_changes] == [
        ("S-01", "name_id", "Izin Kerja", "Izin Kerja (PTW)"),
        ("S-02", "name_id", "", "Tanggap Darurat"),
    ]
    assert [(c.group, c.old, c.new) for c in plan.group_name_changes] == [("Safety", "Keselamatan", "K3")]
    matrix_import_apply(plan=plan, by=cast.hc, note="import")

    assert list(Competency.objects.values_list("code", "name_en", "name_ind")) == [
        ("S-01", "Permit to Work", "Izin Kerja (PTW)"),
        ("S-02", "Emergency Response", "Tanggap Darurat"),
    ]
    assert SkillGroup.objects.get().name_ind == "K3"
    assert matrix_import_plan(content=export_bytes(matrix_dataset(), fmt), fmt=fmt, remove=True).is_empty


def test_an_empty_indonesian_cell_removes_the_indonesian_text(bilingual, cast):
    plan = plan_csv(bilingual_rows(s1_name_id=""))
    assert [(c.code, c.field, c.old, c.new) for c in plan.competency_changes] == [("S-01", "name_id", "Izin Kerja", "")]
    matrix_import_apply(plan=plan, by=cast.hc, note="import")
    with translation.override("id"):
        assert Competency.objects.get(code="S-01").name == "Permit to Work"  # the English, as a fallback


def test_an_old_file_without_indonesian_columns_imports_as_english_and_keeps_the_indonesian(bilingual, cast):
    rows = matrix_rows()
    rows[1][2] = "Permit to Work (PTW)"
    plan = plan_csv(rows)
    assert [(c.code, c.field, c.new) for c in plan.competency_changes] == [("S-01", "name", "Permit to Work (PTW)")]
    matrix_import_apply(plan=plan, by=cast.hc, note="import")
    s1 = Competency.objects.get(code="S-01")
    assert (s1.name_en, s1.name_ind, s1.definition_ind) == (
        "Permit to Work (PTW)",
        "Izin Kerja",
        "Bekerja dengan izin.",
    )
    assert SkillGroup.objects.get().name_ind == "Keselamatan"


def test_an_import_by_an_indonesian_reader_writes_each_language_in_its_column(matrix, cast):
    rows = [
        [*BILINGUAL_HEADER, "Operator"],
        ["Welding", "Pengelasan", "W-01", "Stick Welding", "Las Elektroda", "Welds with rods.", "Mengelas.", 1],
    ]
    with translation.override("id"):
        plan = plan_csv(rows, create_missing=True)
        matrix_import_apply(plan=plan, by=cast.hc, note="import")
    welding = Competency.objects.get(code="W-01")
    assert (welding.name_en, welding.name_ind, welding.definition_en) == (
        "Stick Welding",
        "Las Elektroda",
        "Welds with rods.",
    )
    assert (welding.group.name_en, welding.group.name_ind) == ("Welding", "Pengelasan")
    assert PositionTarget.objects.get(competency=welding).position == matrix["Operator"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda rows: rows[2].__setitem__(1, "Keamanan"),
            'Line 3: skill group "Safety" is "Keselamatan" in Indonesian on line 2.',
        ),
        (
            lambda rows: rows[0].__setitem__(5, "definition"),
            'Line 1: columns "definition" and "definition_en" both hold the English definition; keep one of them.',
        ),
        (lambda rows: rows[1].__setitem__(4, "N" * 201), "Line 2: Indonesian name longer than 200 characters."),
    ],
    ids=["two-indonesian-group-names", "two-english-columns", "indonesian-name-too-long"],
)
def test_each_kind_of_translation_error_is_named_with_its_line(bilingual, change, expected):
    rows = bilingual_rows()
    if "definition" in expected and "columns" in expected:
        rows[0].insert(5, "definition")
        for row in rows[1:]:
            row.insert(5, row[5])
    else:
        change(rows)
    assert import_errors(rows) == [expected]


def test_two_skill_groups_may_not_share_an_indonesian_name(bilingual):
    SkillGroupFactory(name="Health", name_ind="Kesehatan")
    rows = bilingual_rows(group_id="Kesehatan")
    assert import_errors(rows) == [
        'Line 2: two skill groups, "Health" and "Safety", would be "Kesehatan" in Indonesian.'
    ]


# Level descriptors (long shape)

DESCRIPTOR_HEADER = ["code", "level", "behaviour_indicators", "syllabus", "deliverable"]


def plan_descriptors(rows: list[list]):
    return descriptors_import_plan(content=csv_bytes(rows), fmt="csv")


def test_descriptors_are_created_and_changed(matrix):
    LevelDescriptorFactory(competency=matrix["S-01"], level=1, behaviour_indicators="Old", syllabus="Course")
    plan = plan_descriptors(
        [
            DESCRIPTOR_HEADER,
            ["S-01", 1, "New", "Course", "A report on the thing."],
            ["S-01", "2", "Issues permits", "+Permit course", ""],
        ]
    )
    assert [(d.code, d.level) for d in plan.descriptors_to_create] == [("S-01", 2)]
    assert [(c.field, c.old, c.new) for c in plan.descriptor_changes] == [("behaviour_indicators", "Old", "New")]

    descriptors_import_apply(plan=plan)
    assert list(LevelDescriptor.objects.values_list("level", "behaviour_indicators", "syllabus")) == [
        (1, "New", "Course"),
        (2, "Issues permits", "+Permit course"),
    ]
    assert plan_descriptors([DESCRIPTOR_HEADER, ["S-01", 2, "Issues permits", "+Permit course", ""]]).is_empty


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["X-99", 1, "", "", ""], 'Line 3: unknown competency code "X-99".'),
        (["S-01", 6, "", "", ""], 'Line 3, column "level": unknown level "6" (use 1–5).'),
        (["S-01", 0, "", "", ""], 'Line 3, column "level": unknown level "0" (use 1–5).'),
        (["S-01", "", "", "", ""], 'Line 3, column "level": empty level (use 1–5).'),
        (["", 2, "Text", "", ""], "Line 3: empty code."),
        (["S-01", "1.0", "", "", ""], 'Line 3: duplicate descriptor "S-01" level 1 (also on line 2).'),
    ],
)
def test_each_kind_of_descriptor_error_is_named_with_its_line(matrix, row, expected):
    with pytest.raises(ImportFileError) as raised:
        plan_descriptors([DESCRIPTOR_HEADER, ["S-01", 1, "", "", ""], row])
    assert raised.value.errors == [expected]


def test_import_descriptors_command_with_an_error_writes_nothing(matrix, tmp_path):
    path = tmp_path / "cpdp.csv"
    path.write_bytes(csv_bytes([DESCRIPTOR_HEADER, ["S-01", 1, "Fine", "", ""], ["S-01", 9, "", "", ""]]))
    with pytest.raises(CommandError, match=r"1 error, nothing was imported"):
        call_command("import_descriptors", str(path))
    assert not LevelDescriptor.objects.exists()


def test_export_descriptors_command_round_trips(matrix, tmp_path):
    LevelDescriptorFactory(competency=matrix["S-02"], level=3, syllabus="=Drills\nand more")
    path = tmp_path / "cpdp.xlsx"
    call_command("export_descriptors", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_descriptors", str(path), stdout=out)
    assert "No changes" in out.getvalue()


# Files that used to be imported wrongly or crash the import.


def test_an_xlsx_formula_level_is_an_error_not_a_skipped_cell(matrix, tmp_path):
    # A script's "=1+1" has no cached value; it used to read as empty and leave the target alone.
    path = write(tmp_path, xlsx_bytes(matrix_rows(s1_operator="=1+1")), "kkj.xlsx")
    before = counts()
    with pytest.raises(CommandError) as raised:
        call_command("import_matrix", path, stdout=io.StringIO())
    assert 'Line 2, column "Operator" (cell E2): a formula (=1+1).' in str(raised.value)
    assert counts() == before


def test_an_xlsx_formula_definition_is_an_error_and_keeps_the_definition(matrix, tmp_path):
    # It used to read as empty and blank the existing definition on confirm.
    rows = matrix_rows()
    rows[1][3] = '=CONCAT("Works ", "under permits.")'
    path = write(tmp_path, xlsx_bytes(rows), "kkj.xlsx")
    with pytest.raises(CommandError, match=r'Line 2, column "definition" \(cell D2\): a formula'):
        call_command("import_matrix", path, stdout=io.StringIO())
    assert Competency.objects.get(code="S-01").definition == "Works under permits."


@pytest.mark.parametrize("where", ["header", "definition", "level"])
def test_a_nul_character_anywhere_is_an_error_before_anything_is_written(matrix, where):
    rows = matrix_rows()
    if where == "header":
        rows[0][4] = "Oper\x00ator"
    elif where == "definition":
        rows[1][3] = "Works\x00under permits."
    else:
        rows[2][4] = "\x000"
    before = counts()
    errors = import_errors(rows)
    assert len(errors) == 1 and "NUL character" in errors[0]
    assert errors[0].startswith(
        {"header": "Line 1, column E", "definition": 'Line 2, column "definition"'}.get(
            where, 'Line 3, column "Operator"'
        )
    )
    assert counts() == before


def test_a_position_column_that_nearly_matches_is_an_error_with_a_hint(matrix):
    rows = matrix_rows()
    rows[0][4] = "Operatr"
    assert import_errors(rows) == [
        'Line 1, column E: there is no position "Operatr" (did you mean "Operator"?). Correct the name, or create '
        "it first, or allow the import to create new positions and sections (on the command line: --create-missing)."
    ]
    assert not Position.objects.filter(name="Operatr").exists()


def test_creating_positions_needs_the_option_and_the_preview_still_hints(matrix):
    rows = matrix_rows()
    rows[0][4] = "Operatr"
    plan = plan_csv(rows, create_missing=True)
    assert plan.positions_to_create == ["Operatr"]
    new_positions = next(section for section in plan.sections() if section.title == "New positions")
    assert new_positions.lines == ['Operatr (did you mean "Operator"?)']


def test_import_matrix_command_creates_positions_only_with_create_missing(matrix, tmp_path):
    rows = matrix_rows()
    rows[0].append("Welder")
    for row in rows[1:]:
        row.append(3)
    path = write(tmp_path, csv_bytes(rows), "kkj.csv")
    with pytest.raises(CommandError, match='there is no position "Welder"'):
        call_command("import_matrix", path, stdout=io.StringIO())
    assert not Position.objects.filter(name="Welder").exists()
    call_command("import_matrix", path, "--create-missing", stdout=io.StringIO())
    assert PositionTarget.objects.filter(position__name="Welder").count() == 2


def test_a_new_skill_group_that_nearly_matches_is_hinted_in_the_preview(matrix):
    rows = matrix_rows()
    rows.append(["Safty", "S-03", "Fire Fighting", "", 1, 1])
    new_groups = next(section for section in plan_csv(rows).sections() if section.title == "New skill groups")
    assert new_groups.lines == ['Safty (did you mean "Safety"?)']


def test_thousands_of_bad_cells_give_two_hundred_errors_and_a_count(matrix):
    rows = [[*HEADER, "Operator"]] + [["Safety", f"X-{n}", "Name", "", "high"] for n in range(1_000)]
    errors = import_errors(rows)
    assert len(errors) == 201
    assert errors[-1] == "…and 800 more errors."


def test_the_command_counts_every_error_but_lists_two_hundred(matrix, tmp_path):
    rows = [[*HEADER, "Operator"]] + [["Safety", f"X-{n}", "Name", "", "high"] for n in range(300)]
    with pytest.raises(CommandError) as raised:
        call_command("import_matrix", write(tmp_path, csv_bytes(rows), "kkj.csv"))
    message = str(raised.value)
    assert message.startswith("kkj.csv: 300 errors, nothing was imported.")
    assert message.endswith("…and 100 more errors.")


def test_import_matrix_command_reports_a_nul_character_instead_of_a_traceback(matrix, tmp_path):
    rows = matrix_rows()
    rows[1][3] = "Works\x00under permits."
    before = counts()
    with pytest.raises(CommandError, match=r'kkj.csv: 1 error, nothing was imported.\nLine 2, column "definition"'):
        call_command("import_matrix", write(tmp_path, csv_bytes(rows), "kkj.csv"), stdout=io.StringIO())
    assert counts() == before


def test_descriptors_round_trip_both_languages_and_an_old_file_keeps_the_indonesian(matrix, tmp_path):
    LevelDescriptorFactory(competency=matrix["S-01"], level=1, syllabus="Course", syllabus_ind="Kursus")
    dataset = descriptors_dataset()
    assert dataset.headers == [
        "code",
        "level",
        "behaviour_indicators_en",
        "behaviour_indicators_id",
        "syllabus_en",
        "syllabus_id",
        "deliverable_en",
        "deliverable_id",
    ]
    assert list(dataset[0]) == ["S-01", 1, "Does the thing.", "", "Course", "Kursus", "A report on the thing.", ""]
    assert descriptors_import_plan(content=export_bytes(dataset, "xlsx"), fmt="xlsx").is_empty

    rows = [list(dataset.headers), ["S-01", 1, "Does the thing.", "Melakukannya.", "Course", "Kursus", "", ""]]
    plan = plan_descriptors(rows)
    assert [(c.field, c.old, c.new) for c in plan.descriptor_changes] == [
        ("behaviour_indicators_id", "", "Melakukannya."),
        ("deliverable", "A report on the thing.", ""),
    ]
    assert 'S-01 level 1 (line 2): behaviour indicators (Indonesian) "" → "Melakukannya."' in str(plan.sections())
    descriptors_import_apply(plan=plan)
    descriptor = LevelDescriptor.objects.get()
    assert (descriptor.behaviour_indicators_ind, descriptor.syllabus_ind, descriptor.deliverable_en) == (
        "Melakukannya.",
        "Kursus",
        "",
    )

    # A file without the Indonesian columns changes the English texts only.
    plan = plan_descriptors([DESCRIPTOR_HEADER, ["S-01", 1, "Does it.", "Course", ""]])
    descriptors_import_apply(plan=plan)
    descriptor.refresh_from_db()
    assert (descriptor.behaviour_indicators_en, descriptor.behaviour_indicators_ind) == ("Does it.", "Melakukannya.")
