import csv
import io
from unittest import mock

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client, TestCase
from django.urls import reverse

from competencies.models import Competency, LevelDescriptor, PositionTarget, PositionTargetHistory
from hrportal.models import AuditEntry, AuditEvent, Notification, Position, SpreadsheetImport, TaskFailure, User
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
    """Confirm the previewed file; its import task runs when the request's transaction commits (at
    once on the tests' immediate backend)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
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
    batch = SpreadsheetImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    import_url = reverse("admin:hrportal_spreadsheetimport_change", args=[batch.pk])
    assert f'The import of kkj.csv is queued: you will be notified when it is done. <a href="{import_url}">' in page
    summary = "New competencies: 1; New targets: 1; Target changes: 1."
    assert (batch.status, batch.summary, batch.imported_by, batch.importer) == ("done", summary, cast.hc, "matrix")
    [notice] = Notification.objects.filter(recipient=cast.hc)
    assert (notice.subject, notice.body, notice.url) == ("Imported kkj.csv", summary, import_url)
    page = client.get(import_url).content.decode()
    assert "Import matrix" in page and summary in page and "Done" in page


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


def test_an_import_whose_apply_keeps_failing_is_retried_then_shown_failed_with_nothing_written(
    client, cast, matrix, settings
):
    settings.TASK_ATTEMPTS = 3
    client.force_login(cast.hc)
    response = preview(client, matrix_file(4))
    with mock.patch("competencies.admin.matrix_import_apply", side_effect=IntegrityError("duplicate key")) as apply:
        confirm(client, response)
    assert apply.call_count == 3  # every attempt planned and applied again, and rolled back
    assert PositionTarget.objects.get().target_level == 2 and Competency.objects.count() == 1
    batch = SpreadsheetImport.objects.get()
    assert batch.status == "failed"
    assert batch.error.startswith("The import stopped on an error, every time it was tried. Nothing was imported.")
    assert "IntegrityError: duplicate key" in batch.error
    [failure] = TaskFailure.objects.all()
    assert (failure.task_path, failure.description, failure.attempts) == (
        "hrportal.tasks.spreadsheet_import_run",
        "kkj.csv",
        3,
    )
    [notice] = Notification.objects.filter(recipient=cast.hc)
    assert notice.subject == "Nothing was imported from kkj.csv" and notice.body == batch.error
    assert not AuditEntry.objects.filter(event=AuditEvent.IMPORT).exists()


def test_an_import_that_fails_once_is_applied_by_its_retry(client, cast, matrix):
    from competencies.spreadsheets import matrix_import_apply

    client.force_login(cast.hc)
    response = preview(client, matrix_file(4))
    with mock.patch("competencies.admin.matrix_import_apply", side_effect=_fail_once(matrix_import_apply)):
        confirm(client, response)
    assert PositionTarget.objects.get(competency__code="S-01").target_level == 4
    batch = SpreadsheetImport.objects.get()
    assert (batch.status, batch.error) == ("done", "")
    assert not TaskFailure.objects.exists()
    assert AuditEntry.objects.filter(event=AuditEvent.IMPORT).count() == 1


def _fail_once(function):
    calls = []

    def run(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("duplicate key")
        return function(**kwargs)

    return run


def test_a_plan_that_changed_before_the_task_ran_imports_nothing_and_says_why(client, cast, matrix):
    client.force_login(cast.hc)
    response = preview(client, matrix_file(4))
    with TestCase.captureOnCommitCallbacks() as queued:
        client.post(reverse(IMPORT_MATRIX), {"fingerprint": response.context["fingerprint"]})
    assert SpreadsheetImport.objects.get().status == "queued"
    PositionTarget.objects.update(target_level=3)  # someone edits the matrix before the worker's turn

    for callback in queued:
        callback()
    assert PositionTarget.objects.get().target_level == 3 and Competency.objects.count() == 1
    assert not PositionTargetHistory.objects.exists()
    batch = SpreadsheetImport.objects.get()
    assert batch.status == "failed" and batch.summary == ""
    assert "different when its turn came from what was previewed, so nothing was imported" in batch.error
    assert Notification.objects.get(recipient=cast.hc).subject == "Nothing was imported from kkj.csv"
    assert not TaskFailure.objects.exists()  # refused, not broken: nothing to retry


def test_a_retried_run_of_an_import_already_done_does_nothing(client, cast, matrix):
    client.force_login(cast.hc)
    response = preview(client, matrix_file(4))
    with TestCase.captureOnCommitCallbacks() as queued:
        client.post(reverse(IMPORT_MATRIX), {"fingerprint": response.context["fingerprint"]})
    queued[0]()
    assert PositionTargetHistory.objects.count() == 2  # S-01 changed, S-02 new
    queued[0]()  # the same task again, as a worker retrying it would run it
    assert PositionTargetHistory.objects.count() == 2
    assert AuditEntry.objects.filter(event=AuditEvent.IMPORT).count() == 1
    assert Notification.objects.filter(recipient=cast.hc).count() == 1


def test_an_import_is_applied_in_the_language_it_was_confirmed_in(client, cast, matrix):
    cast.hc.language = "id"
    cast.hc.save()
    client.force_login(cast.hc)
    response = client.post(reverse(IMPORT_MATRIX), {"file": matrix_file(4)}, HTTP_ACCEPT_LANGUAGE="id")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse(IMPORT_MATRIX), {"fingerprint": response.context["fingerprint"]})
    batch = SpreadsheetImport.objects.get()
    assert batch.status == "done" and batch.summary.startswith("Kompetensi baru: 1")
    assert Notification.objects.get(recipient=cast.hc).subject == "kkj.csv diimpor"


def test_hc_sees_the_imports_read_only_and_nobody_else_does(client, cast, matrix):
    client.force_login(cast.hc)
    confirm(client, preview(client, matrix_file(4)))
    batch = SpreadsheetImport.objects.get()
    page = client.get(reverse("admin:hrportal_spreadsheetimport_changelist")).content.decode()
    assert "kkj.csv" in page and "Import matrix" in page and "Done" in page
    change_url = reverse("admin:hrportal_spreadsheetimport_change", args=[batch.pk])
    assert client.post(change_url, {"status": "queued"}).status_code == 403
    assert SpreadsheetImport.objects.get().status == "done"
    client.force_login(cast.employee)
    assert client.get(change_url).status_code == 403


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


@pytest.mark.parametrize("imports", [1, 12])
def test_the_list_of_imports_costs_the_same_queries_however_many_there_are(
    client, cast, django_assert_max_num_queries, imports
):
    for number in range(imports):
        SpreadsheetImport.objects.create(
            model=ContentType.objects.get_for_model(User if number % 2 else Competency),
            importer="employees" if number % 2 else "matrix",
            file_name=f"file-{number}.csv",
            imported_by=cast.hc,
            status="done",
            summary="New targets: 1.",
        )
    client.force_login(cast.hc)
    url = reverse("admin:hrportal_spreadsheetimport_changelist")
    # session, user, the user's permissions (own and group's), the count and the total count, the
    # HC group (the navbar), the page's rows (with who imported them and their model), the date
    # hierarchy's range and days
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert page.count("Import employees") == imports // 2 and page.count("Import matrix") == imports - imports // 2
