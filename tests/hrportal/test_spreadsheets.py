import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.utils import translation

from hrportal.models import Position
from hrportal.people_import import employees_dataset, employees_import_plan
from hrportal.spreadsheets import (
    MAX_IMPORT_ROWS,
    MAX_REPORTED_ERRORS,
    ErrorList,
    ImportFileError,
    NameLookup,
    SpreadsheetError,
    build_dataset,
    escape_cell,
    export_bytes,
    named_objects,
    read_rows,
    read_table,
    unescape_cell,
)
from tests.hrportal.factories import PositionFactory


@pytest.mark.parametrize("value", ["=SUM(A1:A2)", "+1", "-2+3", "@cmd", "\tx"])
def test_formula_like_text_is_escaped_and_read_back(value):
    assert escape_cell(value) == "'" + value
    assert unescape_cell(escape_cell(value)) == value


def test_not_applicable_dash_and_plain_values_stay_as_they_are():
    for value in ["-", "Operator", 3, "", None]:
        assert escape_cell(value) == value


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_keeps_text_numbers_and_dashes(fmt):
    rows = [["GSH-01", "=cmd|' /C calc'!A0", 3, "-"], ["GSH-02", "Ünïcode näme", 0, 5]]
    headers, read = read_rows(
        export_bytes(build_dataset(["code", "name", "Operator", "Sr Supervisor"], rows), fmt), fmt
    )
    assert headers == ["code", "name", "Operator", "Sr Supervisor"]
    assert [[str(c) for c in row] for row in read] == [[str(c) for c in row] for row in rows]


def test_unreadable_files_get_a_clear_error():
    with pytest.raises(SpreadsheetError, match="UTF-8"):
        read_rows("code;name\n".encode("utf-16"), "csv")
    with pytest.raises(SpreadsheetError, match="not a readable .xlsx"):
        read_rows(b"not a zip", "xlsx")
    with pytest.raises(SpreadsheetError, match="empty"):
        read_rows(b"", "csv")


@pytest.mark.parametrize("value", ["'=x", "''=x", "'-5", "'", "'plain"])
def test_text_that_already_starts_with_an_apostrophe_round_trips(value):
    assert unescape_cell(escape_cell(value)) == value


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_headers_are_escaped_and_read_back(fmt):
    headers, _ = read_rows(export_bytes(build_dataset(["code", "=Position"], []), fmt), fmt)
    assert headers == ["code", "=Position"]


def test_read_table_pads_rows_skips_blank_ones_and_numbers_lines_from_the_header():
    table = read_table(b"code,name,extra\nA,1\n,,\nB,2,x,y\n", "csv")
    assert table.headers == ["code", "name", "extra", ""]
    assert list(table.lines()) == [(2, ["A", "1", "", ""]), (4, ["B", "2", "x", "y"])]


def test_fixed_columns_are_matched_by_name_and_problems_are_all_named():
    table = read_table(b"Skill Group,CODE,code\n", "csv")
    with pytest.raises(ImportFileError) as raised:
        table.fixed_columns(["skill_group", "code", "name"])
    assert raised.value.errors == [
        'Line 1: column "code" appears twice (columns B and C).',
        'Line 1: missing required column "name".',
    ]
    assert read_table(b"Skill Group,Name\n", "csv").fixed_columns(["name"], ["skill_group"]) == {
        "skill_group": 0,
        "name": 1,
    }


def test_name_lookup_prefers_exact_names_ignores_case_otherwise_and_lists_new_ones_once():
    names = NameLookup(["Operator", "HSE"])
    assert [names.resolve(n) for n in ["Operator", "OPERATOR", "hse", "Welder", "welder"]] == [
        "Operator",
        "Operator",
        "HSE",
        "Welder",
        "Welder",
    ]
    assert names.new == ["Welder"]


# Files that used to crash an import or be read wrongly: each gets a message saying what is
# wrong with it, naming the line and column where it is one cell.


def xlsx_bytes(rows: list[list], *, extra_sheets: dict[str, list[list]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for title, sheet_rows in (extra_sheets or {}).items():
        sheet = book.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite_sheet_xml(content: bytes, change) -> bytes:
    """The XLSX `content` with its first sheet's XML passed through `change` (a str → str function)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return out.getvalue()


def table_errors(content: bytes, fmt: str) -> list[str]:
    with pytest.raises(ImportFileError) as raised:
        read_table(content, fmt)
    return raised.value.errors


def test_a_formula_cell_is_an_error_naming_its_line_and_column_not_an_empty_cell():
    # openpyxl, like most scripts, writes formulas without a cached value: read with
    # data_only they were None, so "=1+1" was an empty cell and silently skipped.
    content = xlsx_bytes([["code", "Operator", "definition"], ["S-01", "=1+1", '=CONCAT("a","b")']])
    errors = table_errors(content, "xlsx")
    assert len(errors) == 2
    assert errors[0].startswith('Line 2, column "Operator" (cell B2): a formula (=1+1).')
    assert errors[1].startswith('Line 2, column "definition" (cell C2): a formula (=CONCAT("a","b")).')


def test_text_that_only_looks_like_a_formula_is_still_read_as_text():
    content = export_bytes(build_dataset(["code", "definition"], [["S-01", "=CONCAT(a)"]]), "xlsx")
    assert read_table(content, "xlsx").rows == [["S-01", "=CONCAT(a)"]]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"code,name\nS-01,Per\x00mit\n", 'Line 2, column "name"'),
        (b"code,na\x00me\nS-01,Permit\n", "Line 1, column B"),
        (b"code,name\nS-01,Permit,\x00\n", "Line 2, column C"),
    ],
)
def test_a_nul_character_is_an_error_naming_its_line_and_column(content, where):
    # PostgreSQL cannot store NUL in text: it used to pass the preview and fail the confirmation.
    assert table_errors(content, "csv") == [
        f"{where}: the cell contains a NUL character (\\x00), which cannot be stored: delete it."
    ]


def test_a_sheet_declaring_millions_of_rows_is_refused_at_once():
    content = rewrite_sheet_xml(
        xlsx_bytes([["code", "name"], ["S-01", "Permit"]]),
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2000000"', xml),
    )
    started = time.monotonic()
    errors = table_errors(content, "xlsx")
    assert time.monotonic() - started < 2
    assert errors == [
        f"The sheet declares 2,000,000 rows, more than the {MAX_IMPORT_ROWS:,} rows an import takes: "
        "split the file, or delete the empty rows below the data and save it again."
    ]


def test_a_sheet_without_a_dimension_is_still_cut_off_after_the_row_limit():
    book = openpyxl.Workbook()
    book.active.append(["code", "name"])
    book.active.cell(row=MAX_IMPORT_ROWS + 5, column=1, value="far down")
    out = io.BytesIO()
    book.save(out)
    content = rewrite_sheet_xml(out.getvalue(), lambda xml: re.sub(r"<dimension [^>]*/>", "", xml))
    assert table_errors(content, "xlsx") == [
        f"The file has more than {MAX_IMPORT_ROWS:,} rows, the most an import takes: split it."
    ]


def test_a_csv_with_more_rows_than_the_limit_is_refused():
    content = b"code\n" + b"x\n" * (MAX_IMPORT_ROWS + 1)
    assert table_errors(content, "csv") == [
        f"The file has more than {MAX_IMPORT_ROWS:,} rows, the most an import takes: split it."
    ]
    assert len(read_table(b"code\n" + b"x\n" * MAX_IMPORT_ROWS, "csv").rows) == MAX_IMPORT_ROWS


def test_a_sheet_declaring_too_many_columns_is_refused():
    content = rewrite_sheet_xml(
        xlsx_bytes([["code", "name"]]), lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD2"', xml)
    )
    assert table_errors(content, "xlsx")[0].startswith("The sheet has 16,384 columns, more than the 1,000")


def test_errors_stop_being_collected_after_the_limit_and_the_rest_are_counted():
    errors = ErrorList(f"Line {n}: bad." for n in range(2, MAX_REPORTED_ERRORS + 2 + 3_999_800 // 1000))
    raised = ImportFileError(errors)
    assert len(raised.errors) == MAX_REPORTED_ERRORS + 1
    assert raised.errors[-1] == f"…and {errors.total - MAX_REPORTED_ERRORS:,} more errors."
    assert raised.total == errors.total
    assert ImportFileError(["one", "two"]).errors == ["one", "two"]
    assert ImportFileError([f"e{n}" for n in range(MAX_REPORTED_ERRORS + 1)]).errors[-1] == "…and 1 more error."


def test_a_file_full_of_bad_cells_reports_the_first_errors_and_a_count():
    content = b"code,name\n" + b"a\x00,b\x00\n" * 3_000
    errors = table_errors(content, "csv")
    assert len(errors) == MAX_REPORTED_ERRORS + 1
    assert errors[-1] == f"…and {6_000 - MAX_REPORTED_ERRORS:,} more errors."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"code;name\nS-01;Permit\n", "The file uses “;” between columns: save it as CSV with commas, or as .xlsx."),
        (b"code\tname\nS-01\tPermit\n", "The file uses tabs between columns: save it as CSV with commas, or as .xlsx."),
        (b'skill_group;code;name;"Sr, Supervisor"\n', "The file uses “;” between columns"),
        (b"", "The file is empty (0 bytes)."),
        (b"\n\n,,\n", "The file is empty: it needs a header row."),
        ("code,name\n".encode("utf-16"), "The file is UTF-16 text (Excel's “Unicode Text”)"),
        (xlsx_bytes([["code"]]), "The file is an .xlsx workbook with a .csv name: rename it to .xlsx."),
        (b"code,name\nS-01,Caf\xc3\xa9\nS-02,caf\xe9\n", "The file is not UTF-8 text (line 3 has"),
        (b'code,name\nS-01,"Permit\nS-02,Emergency\n', 'Line 2: a quote mark (") opens a cell that is never closed'),
        (b'code,name\nS-01,"Permit"x\n', 'Line 2: a quote mark (") where CSV does not allow one'),
    ],
)
def test_a_csv_that_cannot_be_read_says_what_is_wrong_with_it(content, message):
    errors = table_errors(content, "csv")
    assert len(errors) == 1
    assert errors[0].startswith(message)


def test_a_comma_file_with_semicolons_in_a_header_is_read_as_commas():
    assert read_table(b"code,name,Operator;Welder\nS-01,Permit,2\n", "csv").headers == [
        "code",
        "name",
        "Operator;Welder",
    ]


def test_an_unclosed_quote_is_found_on_the_line_where_its_row_starts():
    content = b'code,name\nS-01,"Two\nlines"\nS-02,ok\nS-03,"never closed\nS-04,x\n'
    assert table_errors(content, "csv")[0].startswith("Line 5: a quote mark")


@pytest.mark.parametrize(
    "content",
    [
        "code,name\nS-01,Café\n".encode("utf-8-sig"),
        "code,name\nS-01,Café\n".encode(),
        # Excel's plain "CSV" in Western Europe: Windows-1252, with no UTF-8 anywhere in the file.
        "code,name\nS-01,Café\n".encode("cp1252"),
    ],
)
def test_utf8_with_or_without_bom_and_windows_1252_csv_are_read(content):
    assert read_table(content, "csv").rows == [["S-01", "Café"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (xlsx_bytes([["code"]])[:300], "The file is not a readable .xlsx workbook"),
        (b"", "The file is empty (0 bytes)."),
        (b"code,name\n", "The file is not a readable .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "The file is an old Excel .xls workbook"),
        (
            xlsx_bytes([], extra_sheets={"Matrix": [["code"], ["S-01"]]}),
            "The first sheet (“Sheet”) is empty, and the import reads only the first sheet; "
            "the data is on sheet “Matrix”",
        ),
    ],
)
def test_an_xlsx_that_cannot_be_read_says_what_is_wrong_with_it(content, message):
    errors = table_errors(content, "xlsx")
    assert len(errors) == 1
    assert errors[0].startswith(message)


def test_a_damaged_sheet_inside_a_sound_zip_is_an_unreadable_file():
    content = rewrite_sheet_xml(xlsx_bytes([["code"], ["S-01"]]), lambda xml: xml[: len(xml) // 2])
    assert table_errors(content, "xlsx")[0].startswith("The file is not a readable .xlsx workbook")


def test_an_xlsx_error_value_is_an_error_not_text():
    content = rewrite_sheet_xml(
        xlsx_bytes([["code", "Operator"], ["S-01", "placeholder"]]),
        lambda xml: re.sub(r'<c r="B2" .*?</c>', '<c r="B2" t="e"><v>#N/A</v></c>', xml),
    )
    assert table_errors(content, "xlsx") == [
        'Line 2, column "Operator": the cell shows the error #N/A instead of a value.'
    ]


def test_name_lookup_suggests_the_existing_name_a_new_one_nearly_matches():
    names = NameLookup(["Operator", "Production", "Sr Supervisor"])
    assert names.suggestion("Operatr") == "Operator"
    assert names.suggestion("prodution") == "Production"
    assert names.suggestion("Welder") is None
    for name in ["Operatr", "Welder"]:
        names.resolve(name)
    assert names.hints() == {"Operatr": "Operator"}


# Positions in files: found and named by their English names, whatever the reader's language.


@pytest.mark.django_db
def test_named_objects_finds_and_creates_positions_by_their_english_name():
    supervisor = PositionFactory(name="Shift Supervisor", name_ind="Pengawas Shift")
    with translation.override("id"):
        found = named_objects(Position, ["Welder"])
    assert found["Shift Supervisor"] == supervisor
    welder = Position.objects.get(name_en="Welder")
    assert (found["Welder"], welder.name_ind) == (welder, None)  # no Indonesian name: readers see "Welder"


@pytest.mark.django_db
def test_an_indonesian_readers_employee_export_names_positions_in_english_and_round_trips(cast):
    cast.employee.position.name_ind = "Operator Produksi"
    cast.employee.position.save()
    with translation.override("id"):
        dataset = employees_dataset()
        assert cast.employee.position.name_en in dataset["position"]
        assert "Operator Produksi" not in dataset["position"]
        assert employees_import_plan(content=export_bytes(dataset, "csv"), fmt="csv").is_empty
