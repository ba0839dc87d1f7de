"""Export results from the admin: filters, voided or not, CSV and XLSX, escaping, a flat query count."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from assessments.results_export import RESULT_EXPORT_COLUMNS, RESULT_IMPORT_COLUMNS
from assessments.results_import import results_import_plan
from assessments.services import result_record
from assessments.services.voiding import result_void
from tests.assessments.factories import AssessmentFactory
from tests.hrportal.factories import PositionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPORT = "admin:assessments_assessmentresult_export"
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def _portal_in_jakarta(settings):
    settings.TIME_ZONE = "Asia/Jakarta"


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=JAKARTA)


def _record(employee, assessment, *, at, score=85, by=None):
    return result_record(employee=employee, assessment=assessment, score=score, completed_at=at, recorded_by=by).result


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _export(client, **params):
    return client.get(reverse(EXPORT), {"format": "csv", **params})


@pytest.fixture
def exam():
    return AssessmentFactory(title="GSH Basic", category="IHT", code="GSH-101")


def test_the_list_links_to_the_export_page_with_its_labelled_filters(client, cast, exam):
    client.force_login(cast.hc)
    changelist = client.get(reverse("admin:assessments_assessmentresult_changelist")).content.decode()
    assert f'href="{reverse(EXPORT)}"' in changelist and "Export results" in changelist
    filtered = client.get(
        reverse("admin:assessments_assessmentresult_changelist"), {"assessment__id__exact": exam.pk}
    ).content.decode()
    assert f'href="{reverse(EXPORT)}?assessment={exam.pk}"' in filtered

    page = client.get(reverse(EXPORT), {"assessment": exam.pk}).content.decode()
    for field in ("assessment", "section", "position", "completed_from", "completed_to", "include_voided"):
        assert f'for="id_{field}"' in page
    assert f'<option value="{exam.pk}" selected>' in page  # the list's filter carried over
    assert 'name="include_voided"' in page and 'name="include_voided" checked' not in page
    assert "<legend>File format</legend>" in page


def test_columns_and_values_of_one_result(client, cast, exam):
    _record(cast.employee, exam, at=_at(1, 9), score=85.5, by=cast.hc)
    client.force_login(cast.hc)

    rows = _csv(_export(client))

    assert list(rows[0]) == list(RESULT_EXPORT_COLUMNS)
    employee = cast.employee
    assert rows == [
        {
            "employee_number": employee.employee_number,
            "email": employee.email,
            "first_name": employee.first_name,
            "last_name": employee.last_name,
            "section": "Production",
            "position": "Operator",
            "assessment": "GSH-101",
            "assessment_title": "GSH Basic",
            "category": "IHT",
            "score": "85.50",
            "passed": "yes",
            "completed_at": "2026-03-01T09:00:00+07:00",
            "recorded_by": cast.hc.display_name,
            "voided_at": "",
            "void_reason": "",
        }
    ]


def test_the_columns_the_results_import_reads_are_there_by_name(client, cast, exam):
    """An exported file re-imports as duplicates only: the long shape's columns, same names."""
    assert set(RESULT_IMPORT_COLUMNS) <= set(RESULT_EXPORT_COLUMNS)
    assert RESULT_IMPORT_COLUMNS == ("employee_number", "assessment", "score", "completed_at")
    untitled = AssessmentFactory(title="Permit to Work", code="")
    _record(cast.employee, untitled, at=_at(2))
    client.force_login(cast.hc)

    (row,) = _csv(_export(client))

    assert row["assessment"] == "Permit to Work"  # no code: its title


def test_filters_by_assessment_section_position_and_inclusive_dates(client, cast, exam):
    other_exam = AssessmentFactory(title="Permit to Work", category="IHT")
    maintenance = SectionFactory(name="Maintenance")
    fitter = UserFactory(username="fitter", section=maintenance, position=PositionFactory(name="Fitter"))
    _record(cast.employee, exam, at=_at(1, 0))  # the first minute of 1 March in Jakarta
    _record(cast.employee, exam, at=_at(31, 23))  # late on 31 March
    _record(cast.employee, exam, at=datetime(2026, 4, 1, 0, 30, tzinfo=JAKARTA))  # April in Jakarta
    _record(cast.colleague, other_exam, at=_at(10))
    _record(fitter, exam, at=_at(10))
    client.force_login(cast.hc)

    def who(**params):
        rows = _csv(_export(client, **params))
        return [(r["employee_number"], r["assessment_title"], r["completed_at"][:10]) for r in rows]

    march = who(completed_from="2026-03-01", completed_to="2026-03-31")
    assert (cast.employee.employee_number, "GSH Basic", "2026-03-01") in march
    assert (cast.employee.employee_number, "GSH Basic", "2026-03-31") in march
    assert all(day != "2026-04-01" for *_, day in march) and len(march) == 4
    assert {r[1] for r in who(assessment=other_exam.pk)} == {"Permit to Work"}
    assert {r[0] for r in who(section=maintenance.pk)} == {fitter.employee_number}
    assert {r[0] for r in who(position=cast.employee.position_id)} == {
        cast.employee.employee_number,
        cast.colleague.employee_number,
    }
    assert who(completed_from="2026-04-01") == [(cast.employee.employee_number, "GSH Basic", "2026-04-01")]


def test_voided_results_are_left_out_unless_asked_for(client, cast, exam):
    kept = _record(cast.employee, exam, at=_at(1))
    voided = _record(cast.colleague, exam, at=_at(2))
    result_void(result=voided, reason="Wrong file", by=cast.hc)
    client.force_login(cast.hc)

    assert [r["employee_number"] for r in _csv(_export(client))] == [kept.employee.employee_number]
    rows = _csv(_export(client, include_voided="on"))
    assert [r["employee_number"] for r in rows] == [kept.employee.employee_number, voided.employee.employee_number]
    assert rows[1]["void_reason"] == "Wrong file" and rows[1]["voided_at"].endswith("+07:00")


def test_formula_like_text_is_escaped(client, cast):
    sneaky = AssessmentFactory(title='=HYPERLINK("http://evil")', category="+IHT", code="")
    employee = UserFactory(username="sneaky", first_name="@SUM(A1)", last_name="-Doe")
    _record(employee, sneaky, at=_at(3))
    client.force_login(cast.hc)

    (row,) = _csv(_export(client))

    assert row["assessment"] == '\'=HYPERLINK("http://evil")'
    assert row["category"] == "'+IHT"
    assert row["first_name"] == "'@SUM(A1)" and row["last_name"] == "'-Doe"


def test_xlsx_has_the_same_header_and_rows(client, cast, exam):
    _record(cast.employee, exam, at=_at(1))
    client.force_login(cast.hc)

    response = client.get(reverse(EXPORT), {"format": "xlsx"})

    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(RESULT_EXPORT_COLUMNS)
    assert rows[1][0] == cast.employee.employee_number and rows[1][11] == "2026-03-01T09:00:00+07:00"


def test_a_bad_date_range_shows_the_form_again(client, cast):
    client.force_login(cast.hc)

    response = _export(client, completed_from="2026-03-10", completed_to="2026-03-01")

    assert response.status_code == 200 and "Content-Disposition" not in response
    assert "The end date is before the start date." in response.content.decode()


def test_staff_without_the_view_permission_are_refused(client, cast):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    client.force_login(clerk)
    assert client.get(reverse(EXPORT)).status_code == 403
    assert _export(client).status_code == 403
    client.force_login(cast.employee)
    assert _export(client).status_code == 403


@pytest.mark.parametrize("size", [2, 40])
def test_the_export_costs_a_fixed_number_of_queries(client, cast, exam, django_assert_max_num_queries, size):
    start = timezone.now() - timedelta(days=size + 1)
    sections = [SectionFactory(name=f"Section {n}") for n in range(3)]
    for n in range(size):
        employee = UserFactory(section=sections[n % 3])
        _record(employee, exam, at=start + timedelta(days=n), by=cast.hc)
    client.force_login(cast.hc)

    # The session and the signed-in user (2), the admin's permission checks on the user's
    # groups and own permissions (2), and the results with employee, section, position,
    # assessment and recorder (1).
    with django_assert_max_num_queries(5):
        rows = _csv(_export(client, include_voided="on"))

    assert len(rows) == size


def test_an_exported_file_imports_again_as_duplicates_only(client, cast, exam):
    """The round trip: every row of the export is a result the import finds already recorded."""
    untitled = AssessmentFactory(title="Permit to Work", code="")
    _record(cast.employee, exam, at=_at(1), score=85.5)
    _record(cast.colleague, untitled, at=_at(2, 14), score=40)
    for fmt in ("csv", "xlsx"):
        client.force_login(cast.hc)
        exported = client.get(reverse(EXPORT), {"format": fmt})

        plan = results_import_plan(content=exported.content, fmt=fmt, by=cast.hc_employee)

        assert plan.new_results == [] and plan.level_changes == []
        assert len(plan.duplicates) == 2
