import pytest

from hrportal.spreadsheets import (
    ImportFileError,
    NameLookup,
    SpreadsheetError,
    build_dataset,
    escape_cell,
    export_bytes,
    read_rows,
    read_table,
    unescape_cell,
)


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
    with pytest.raises(SpreadsheetError, match="cannot be read"):
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
