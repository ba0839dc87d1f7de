import csv
import io
from unittest import mock

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from competencies.models import Competency, LevelDescriptor, PositionTarget, PositionTargetHistory
from hrportal.models import Position, User
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, SkillGroupFactory
from tests.hrportal.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT_MATRIX = "admin:competencies_competency_import_matrix"
IMPORT_DESCRIPTORS = "admin:competencies_competency_import_descriptors"
IMPORT_EMPLOYEES = "admin:hrportal_user_import_employees"


def csv_file(rows: list[list], name: str = "kkj.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


@pytest.fixture
def matrix(db):
    group = SkillGroupFactory(name="Safety")
    permit = CompetencyFactory(code="S-01", name="Permit to Work", definition="", group=group)
    operator = PositionFactory(name="Operator")
    PositionTargetFactory(position=operator, competency=permit, target_level=2)
    return permit, operator


def matrix_file(operator_cell, new_row: bool = True) -> SimpleUploadedFile:
    rows = [
        ["skill_group", "code", "name", "definition", "Operator"],
        ["Safety", "S-01", "Permit to Work", "", operator_cell],
    ]
    if new_row:
        rows.append(["Safety", "S-02", "Emergency Response", "", 1])
    return csv_file(rows)


def preview(client: Client, upload: SimpleUploadedFile, remove: bool = False):
    data = {"file": upload, **({"remove": "on"} if remove else {})}
    return client.post(reverse(IMPORT_MATRIX), data)


def confirm(client: Client, response, url: str = IMPORT_MATRIX):
    return client.post(reverse(url), {"fingerprint": response.context["fingerprint"]})


def test_hc_sees_import_and_export_buttons_on_the_competency_list(client, cast):
    client.force_login(cast.hc)
    page = client.get(reverse("admin:competencies_competency_changelist")).content.decode()
    for url in [
        reverse(IMPORT_MATRIX),
        reverse("admin:competencies_competency_export_matrix", args=["xlsx"]),
        reverse("admin:competencies_competency_export_matrix", args=["csv"]),
        reverse(IMPORT_DESCRIPTORS),
        reverse("admin:competencies_competency_export_descriptors", args=["csv"]),
    ]:
        assert f'href="{url}"' in page


def test_hc_downloads_the_matrix_as_xlsx_and_csv(client, cast, matrix):
    client.force_login(cast.hc)
    response = client.get(reverse("admin:competencies_competency_export_matrix", args=["xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="competency-matrix-' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]][7:] == ["Operator", "Shift Supervisor"]  # the cast's positions
    assert [cell.value for cell in sheet[2]] == ["Safety", None, "S-01", "Permit to Work", None, None, None, 2, "-"]

    response = client.get(reverse("admin:competencies_competency_export_matrix", args=["csv"]))
    assert response.content.decode("utf-8").splitlines()[1] == "Safety,,S-01,Permit to Work,,,,2,-"
    assert client.get(reverse("admin:competencies_competency_export_matrix", args=["ods"])).status_code == 404


def test_upload_shows_a_preview_and_writes_nothing_until_confirmed(client, cast, matrix):
    permit, operator = matrix
    client.force_login(cast.hc)

    response = preview(client, matrix_file(4))
    page = response.content.decode()
    assert "Preview of kkj.csv" in page
    assert "S-01 / Operator (line 2): 2 · Intermediate → 4 · Expert" in page
    assert "S-02 Emergency Response (Safety), line 3" in page
    assert 'value="Confirm the import"' in page
    assert Competency.objects.count() == 1 and PositionTarget.objects.get().target_level == 2

    response = confirm(client, response)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:competencies_competency_changelist")
    assert PositionTarget.objects.get(competency=permit).target_level == 4
    assert Competency.objects.filter(code="S-02").exists()
    history = PositionTargetHistory.objects.filter(competency=permit).get()
    assert (history.old_level, history.new_level, history.changed_by, history.note) == (2, 4, cast.hc, "import kkj.csv")
    page = client.get(response["Location"]).content.decode()
    assert "Imported kkj.csv: New competencies: 1; New targets: 1; Target changes: 1." in page


def test_remove_option_is_shown_in_the_preview_and_applied(client, cast, matrix):
    client.force_login(cast.hc)
    without = preview(client, matrix_file("-", new_row=False))
    assert "Targets kept (1)" in without.content.decode()
    assert "no</strong>" in without.content.decode()
    assert 'value="Confirm the import"' not in without.content.decode()  # nothing would change

    response = preview(client, matrix_file("-", new_row=False), remove=True)
    page = response.content.decode()
    assert "Targets removed (1)" in page and "yes</strong>" in page
    confirm(client, response)
    assert not PositionTarget.objects.exists()
    assert PositionTargetHistory.objects.get().new_level is None


def test_a_file_with_errors_shows_them_all_and_offers_no_confirmation(client, cast, matrix):
    client.force_login(cast.hc)
    response = preview(
        client, csv_file([["skill_group", "code", "name", "definition", "Operator"], ["Safety", "S-01", "", "", "7"]])
    )
    page = response.content.decode()
    assert "kkj.csv has 2 errors, so nothing was imported." in page
    assert "Line 2: empty name." in page
    assert (
        "Line 2, column &quot;Operator&quot;: unknown target &quot;7&quot; (use a level 0–5, optionally followed "
        "by a weight w1–w5 and ! for critical, as in &quot;3 w2 !&quot;; or &quot;-&quot;)."
    ) in page
    assert 'value="Confirm the import"' not in page
    response = client.post(reverse(IMPORT_MATRIX), {"fingerprint": "anything"})
    assert response.status_code == 302  # nothing left to confirm
    assert PositionTarget.objects.get().target_level == 2 and not PositionTargetHistory.objects.exists()


def test_a_confirmation_whose_plan_changed_since_the_preview_shows_the_new_preview(client, cast, matrix):
    client.force_login(cast.hc)
    response = preview(client, matrix_file(4))
    PositionTarget.objects.update(target_level=3)  # someone edits the matrix meanwhile

    response = confirm(client, response)
    page = response.content.decode()
    assert response.status_code == 200 and "different now from what you previewed" in page
    assert "3 · Advanced → 4 · Expert" in page
    assert not Competency.objects.filter(code="S-02").exists()

    confirm(client, response)
    assert PositionTarget.objects.get(competency__code="S-01").target_level == 4


def test_confirm_needs_a_csrf_token(cast, matrix):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.hc)
    assert client.post(reverse(IMPORT_MATRIX), {"fingerprint": "x"}).status_code == 403


def test_import_and_export_are_refused_to_people_outside_hc(client, cast, matrix):
    client.force_login(cast.employee)
    response = client.get(reverse(IMPORT_MATRIX))
    assert response.status_code == 403

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_competency"))
    client.force_login(staff)
    assert client.get(reverse(IMPORT_MATRIX)).status_code == 403
    assert client.post(reverse(IMPORT_MATRIX), {"file": matrix_file(5)}).status_code == 403
    assert client.get(reverse("admin:competencies_competency_export_matrix", args=["csv"])).status_code == 403
    assert client.get(reverse(IMPORT_EMPLOYEES)).status_code == 403
    page = client.get(reverse("admin:competencies_competency_changelist")).content.decode()
    assert reverse(IMPORT_MATRIX) not in page
    assert PositionTarget.objects.get().target_level == 2


def test_hc_imports_level_descriptors_from_the_admin(client, cast, matrix):
    client.force_login(cast.hc)
    upload = csv_file(
        [["code", "level", "behaviour_indicators", "syllabus", "deliverable"], ["S-01", 2, "Issues permits", "", ""]],
        name="cpdp.csv",
    )
    response = client.post(reverse(IMPORT_DESCRIPTORS), {"file": upload})
    assert "S-01 level 2, line 2" in response.content.decode()
    confirm(client, response, IMPORT_DESCRIPTORS)
    assert LevelDescriptor.objects.get().behaviour_indicators == "Issues permits"


def test_hc_imports_employees_from_the_user_list(client, cast):
    client.force_login(cast.hc)
    page = client.get(reverse("admin:hrportal_user_changelist")).content.decode()
    assert reverse(IMPORT_EMPLOYEES) in page
    assert reverse("admin:hrportal_user_export_employees", args=["xlsx"]) in page

    header = [
        "employee_number",
        "first_name",
        "last_name",
        "email",
        "section",
        "position",
        "supervisor_employee_number",
    ]
    upload = csv_file(
        [header, ["N-1", "Ann", "Lee", "ann@plant.example", "Production", "Operator", cast.supervisor.employee_number]],
        name="people.csv",
    )
    response = client.post(reverse(IMPORT_EMPLOYEES), {"file": upload})
    assert "N-1 Ann Lee (ann), line 2" in response.content.decode()
    confirm(client, response, IMPORT_EMPLOYEES)
    ann = User.objects.get(employee_number="N-1")
    assert ann.supervisor == cast.supervisor and not ann.has_usable_password()


def test_an_upload_that_is_not_a_spreadsheet_is_refused_by_the_form(client, cast):
    client.force_login(cast.hc)
    upload = SimpleUploadedFile("kkj.pdf", b"%PDF", content_type="application/pdf")
    response = client.post(reverse(IMPORT_MATRIX), {"file": upload})
    assert "“kkj.pdf” is neither a .csv nor an .xlsx file." in response.content.decode()


def test_a_conflict_while_applying_imports_nothing_and_shows_the_preview_again(client, cast, matrix):
    client.force_login(cast.hc)
    response = preview(client, matrix_file(4))
    with mock.patch("competencies.admin.matrix_import_apply", side_effect=IntegrityError("duplicate key")):
        response = confirm(client, response)
    assert response.status_code == 200
    assert "nothing was imported" in response.content.decode()
    assert PositionTarget.objects.get().target_level == 2 and Competency.objects.count() == 1


def xlsx_file(rows: list[list], name: str = "kkj.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def counts() -> tuple[int, ...]:
    return (
        Competency.objects.count(),
        PositionTarget.objects.count(),
        PositionTargetHistory.objects.count(),
        Position.objects.count(),
        User.objects.count(),
    )


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        # PostgreSQL refuses NUL in text: this preview used to succeed and the confirmation answer 500.
        (
            csv_file(
                [["skill_group", "code", "name", "definition", "Operator"], ["Safety", "S-01", "Per\x00mit", "", 2]]
            ),
            "Line 2, column &quot;name&quot;: the cell contains a NUL character",
        ),
        (
            xlsx_file(
                [["skill_group", "code", "name", "definition", "Operator"], ["Safety", "S-01", "Permit", "", "=1+1"]]
            ),
            "Line 2, column &quot;Operator&quot; (cell E2): a formula (=1+1).",
        ),
        (csv_file([["skill_group;code;name;definition;Operator"]]), "The file uses “;” between columns"),
        (SimpleUploadedFile("kkj.xlsx", xlsx_file([["code"]]).read()[:500]), "not a readable .xlsx workbook"),
        (
            csv_file([["skill_group", "code", "name", "definition", "Operatr"], ["Safety", "S-01", "Permit", "", 2]]),
            "there is no position &quot;Operatr&quot; (did you mean &quot;Operator&quot;?)",
        ),
    ],
)
def test_a_file_the_import_cannot_take_is_refused_at_the_preview_with_its_reason(client, cast, matrix, upload, error):
    client.force_login(cast.hc)
    before = counts()
    response = preview(client, upload)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert 'value="Confirm the import"' not in page
    response = client.post(reverse(IMPORT_MATRIX), {"fingerprint": "anything"})
    assert response.status_code == 302  # nothing left to confirm
    assert counts() == before


def test_an_empty_upload_is_refused_with_a_message_not_a_server_error(client, cast, matrix):
    client.force_login(cast.hc)
    response = preview(client, SimpleUploadedFile("kkj.csv", b""))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert PositionTarget.objects.get().target_level == 2


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (
            [["E-2", "Budi", "", "budi@x.example", "Production", "Operator", "E-1"]],
            "Supervisor cycle: Budi → Sinta Dewi → Budi.",
        ),
        (
            [["E-2", "Budi", "", "budi@x.example", "Prodution", "Operator", ""]],
            "there is no section &quot;Prodution&quot; (did you mean &quot;Production&quot;?)",
        ),
    ],
)
def test_the_employee_import_refuses_cycles_and_new_sections_in_the_preview(client, cast, rows, error):
    UserFactory(
        employee_number="E-1", first_name="Sinta", last_name="Dewi", supervisor=UserFactory(employee_number="E-2")
    )
    client.force_login(cast.hc)
    header = [
        "employee_number",
        "first_name",
        "last_name",
        "email",
        "section",
        "position",
        "supervisor_employee_number",
    ]
    before = counts()
    response = client.post(reverse(IMPORT_EMPLOYEES), {"file": csv_file([header, *rows], name="people.csv")})
    page = response.content.decode()
    assert error in page
    assert 'value="Confirm the import"' not in page
    assert counts() == before
