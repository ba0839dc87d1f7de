import pytest

from hrportal.spreadsheets import SpreadsheetError, build_dataset, escape_cell, export_bytes, read_rows, unescape_cell


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
