"""The results import through the admin door: upload → columns and date → preview → confirm,
remembered mappings, all or nothing, the background run and its progress, who may import."""

import html
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import assessments.result_import_admin as import_admin
from assessments.models import AssessmentResult, ImportStatus, ResultColumnMapping, ResultImport
from assessments.results_import import parse_completed_at
from assessments.services import result_record
from competencies.models import CompetencyLevel, CompetencyLevelHistory
from hrportal.models import HC_GROUP_NAME, AuditEntry, AuditEvent
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import HcUserFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:assessments_assessmentresult_import")
CHANGELIST = reverse("admin:assessments_assessmentresult_changelist")
FINGERPRINT = re.compile(r'name="fingerprint" value="([0-9a-f]+)"')
MOODLE = (
    'First name,Surname,ID number,Email address,"Quiz: GSH Basic (Percentage)","Quiz: Fire Drill (Real)",'
    '"Course total (Real)","Last downloaded from this course"\n'
    'Ana,Lee,E001,ana@example.com,80.00 %,-,80.00,"3 December 2026"\n'
    "Budi,Santoso,E002,budi@example.com,-,75.00,75.00,3 December 2026\n"
)
FIRE_HEADER = "Quiz: Fire Drill (Real)"


@pytest.fixture
def org(db):
    safety = CompetencyFactory(code="SAF", name="Safe work")
    fire = CompetencyFactory(code="FIR", name="Fire response")
    gsh = AssessmentFactory(title="GSH Basic", code="GSH-1", category="IHT", pass_percentage=Decimal(70))
    drill = AssessmentFactory(title="Fire drill 2026", code="FD26", category="IHT", pass_percentage=Decimal(60))
    CompetencyMappingFactory(competency=safety, level_granted=2, assessment=gsh, category="")
    CompetencyMappingFactory(competency=fire, level_granted=3, assessment=drill, category="")
    ana = UserFactory(username="ana", first_name="Ana", last_name="Lee", employee_number="E001")
    budi = UserFactory(username="budi", first_name="Budi", last_name="Santoso", employee_number="E002")
    hc = HcUserFactory(username="hc.rita", employee_number="H001")
    return type("Org", (), {"gsh": gsh, "drill": drill, "ana": ana, "budi": budi, "hc": hc})


@pytest.fixture
def hc(client, org):
    client.force_login(org.hc)
    return client


def _upload(client: Client, content: str | bytes, name: str = "grades.csv", **fields):
    data = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT, {"step": "upload", "file": SimpleUploadedFile(name, data), **fields})


def _confirm(client: Client, preview, **kwargs):
    fingerprint = FINGERPRINT.search(_text(preview))
    assert fingerprint, _text(preview)
    return client.post(IMPORT, {"step": "confirm", "fingerprint": fingerprint[1]}, **kwargs)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _levels(user) -> dict[str, int]:
    return dict(CompetencyLevel.objects.filter(employee=user).values_list("competency__code", "level"))


def _column_field(page: str, header: str) -> str:
    match = re.search(rf'<label for="id_(column_\d+)">Column [A-Z]+: "{re.escape(header)}"', page)
    assert match, page
    return match[1]


def test_a_moodle_file_is_mapped_previewed_and_imported(hc, org):
    assert f'href="{IMPORT}"' in _text(hc.get(CHANGELIST))
    upload = _text(hc.get(IMPORT))
    assert 'for="id_file"' in upload and 'for="id_completed_at"' in upload and "Needed for a gradebook file" in upload

    mapping = _upload(hc, MOODLE)
    page = _text(mapping)
    assert "Columns and completion date of grades.csv" in page
    field = _column_field(page, FIRE_HEADER)
    assert "Ignore this column" in page and "Fire drill 2026 (FD26)" in page
    assert re.search(r'<input type="checkbox" name="remember"[^>]* checked', page)  # on by default
    assert 'for="id_completed_at"' in page
    assert '"Quiz: GSH Basic (Percentage)": an assessment, by its name' in page
    assert '"Course total (Real)": ignored (not a grade)' in page

    incomplete = hc.post(IMPORT, {"step": "mapping", field: "", "remember": "on"})
    assert "This field is required." in _text(incomplete)

    preview = hc.post(
        IMPORT, {"step": "mapping", field: str(org.drill.pk), "completed_at": "2026-03-01", "remember": "on"}
    )
    text = _text(preview)
    assert "Preview of grades.csv" in text
    assert "New results: 2; Level changes: 2; Duplicates skipped: 0; No grade: 2." in text
    assert "Ana Lee (E001), SAF Safe work: 0 · None → 2 · Intermediate (line 2)" in text
    assert "Budi Santoso (E002), FIR Fire response: 0 · None → 3 · Advanced (line 3)" in text
    assert "Columns mapped (2)" in text and "as asked" in text
    assert "No grade (2)" in text
    assert AssessmentResult.objects.count() == 0  # the preview writes nothing

    done = _confirm(hc, preview)
    batch = ResultImport.objects.get()
    assert done.status_code == 302 and done.url == f"{CHANGELIST}?import_batch__id__exact={batch.pk}"
    assert batch.status == ImportStatus.DONE and batch.results_created == 2 and batch.level_changes == 2
    assert _levels(org.ana) == {"SAF": 2} and _levels(org.budi) == {"FIR": 3}
    assert AssessmentResult.objects.filter(import_batch=batch, recorded_by=org.hc).count() == 2
    assert CompetencyLevelHistory.objects.filter(employee=org.budi).get().new_level == 3
    (entry,) = AuditEntry.objects.filter(event=AuditEvent.IMPORT)
    assert entry.additional_data["door"] == "admin" and entry.additional_data["results_created"] == 2
    assert ResultColumnMapping.objects.get().assessment == org.drill
    listing = _text(hc.get(done.url))
    assert "Imported grades.csv: New results: 2" in listing


def test_a_remembered_mapping_takes_the_next_file_straight_to_the_preview(hc, org):
    ResultColumnMapping.objects.create(header_key="quiz: fire drill (real)", assessment=org.drill)
    preview = _upload(hc, MOODLE, completed_at="2026-03-01")
    text = _text(preview)
    assert "Preview of grades.csv" in text and "as remembered" in text
    assert _confirm(hc, preview).status_code == 302
    assert _levels(org.budi) == {"FIR": 3}


def test_not_remembering_leaves_no_mapping(hc, org):
    page = _text(_upload(hc, MOODLE, completed_at="2026-03-01"))
    assert re.search(r'name="completed_at" value="2026-03-01"', page)  # the upload's date, kept
    field = _column_field(page, FIRE_HEADER)
    preview = hc.post(IMPORT, {"step": "mapping", field: "-", "completed_at": "2026-03-01"})
    assert "Columns ignored" in _text(preview)
    _confirm(hc, preview)
    assert ResultColumnMapping.objects.count() == 0
    assert AssessmentResult.objects.count() == 1  # Ana's GSH; Budi's only grade was in the ignored column


def test_a_file_with_one_bad_row_imports_nothing_and_names_it(hc, org):
    content = "employee_number,assessment,score,completed_at\nE001,GSH-1,80,2026-03-01\nE002,GSH-1,180,2026-03-01\n"
    response = _upload(hc, content)
    text = _text(response)
    assert "grades.csv has 1 error, so nothing was imported." in text
    assert 'Line 3, column "score": a score of 180 is outside 0–100 %.' in text
    assert 'name="fingerprint"' not in text
    assert AssessmentResult.objects.count() == 0 and CompetencyLevel.objects.count() == 0


def test_a_long_file_with_dates_goes_straight_to_the_preview(hc, org):
    content = "employee_number,assessment,score,completed_at\nE001,GSH-1,80,2026-03-01\n"
    preview = _upload(hc, content)
    assert "Preview of grades.csv" in _text(preview)


def test_a_long_file_without_dates_asks_for_one(hc, org):
    content = "employee_number,assessment,score\nE001,GSH-1,80\n"
    page = _text(_upload(hc, content))
    assert 'for="id_completed_at"' in page and "Preview" in page and "column_" not in page
    assert "This field is required." in _text(hc.post(IMPORT, {"step": "mapping", "completed_at": ""}))
    preview = hc.post(IMPORT, {"step": "mapping", "completed_at": "2026-03-01"})
    assert "New results: 1" in _text(preview)


def test_importing_the_same_file_again_changes_nothing(hc, org):
    content = "employee_number,assessment,score,completed_at\nE001,GSH-1,80,2026-03-01\n"
    _confirm(hc, _upload(hc, content))
    levels, history = _levels(org.ana), CompetencyLevelHistory.objects.count()

    again = _text(_upload(hc, content))
    assert "No changes: every result in this file is recorded already." in again
    assert "Duplicates skipped (1)" in again
    assert "Confirm the import" not in again
    assert AssessmentResult.objects.count() == 1
    assert _levels(org.ana) == levels and CompetencyLevelHistory.objects.count() == history


def test_a_plan_changed_since_the_preview_is_previewed_again(hc, org):
    content = "employee_number,assessment,score,completed_at\nE001,GSH-1,80,2026-03-01\nE002,GSH-1,90,2026-03-01\n"
    preview = _upload(hc, content)
    # Someone records Budi's result meanwhile: the plan now holds a duplicate.
    result_record(
        employee=org.budi, assessment=org.gsh, score=90, completed_at=parse_completed_at("2026-03-01"), recorded_by=None
    )
    response = _confirm(hc, preview)
    assert response.status_code == 200
    assert "different now from what you previewed" in _text(response)
    assert AssessmentResult.objects.count() == 1


def test_nobody_imports_their_own_result(hc, org):
    content = "employee_number,assessment,score,completed_at\nH001,GSH-1,80,2026-03-01\n"
    text = _text(_upload(hc, content))
    assert "Line 2: this is your own result; nobody imports their own result" in text
    assert AssessmentResult.objects.count() == 0


def test_a_large_file_is_imported_in_the_background_with_its_progress(hc, org, monkeypatch):
    monkeypatch.setattr(import_admin, "IN_REQUEST_MAX", 1)
    field = _column_field(_text(_upload(hc, MOODLE)), FIRE_HEADER)
    preview = hc.post(
        IMPORT, {"step": "mapping", field: str(org.drill.pk), "completed_at": "2026-03-01", "remember": "on"}
    )
    assert "runs in the background after you confirm" in _text(preview)

    response = _confirm(hc, preview)  # the test settings' ImmediateBackend runs the task at once
    batch = ResultImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:assessments_resultimport_change", args=[batch.pk])
    assert batch.status == ImportStatus.DONE and batch.imported_by == org.hc
    assert (batch.rows_done, batch.rows_total, batch.results_created, batch.level_changes) == (2, 2, 2, 2)
    assert _levels(org.budi) == {"FIR": 3}
    assert ResultColumnMapping.objects.get().assessment == org.drill
    assert AuditEntry.objects.get(event=AuditEvent.IMPORT).additional_data["door"] == "admin"

    page = _text(hc.get(response.url))
    assert "runs in the background: this page shows how far it is" in page
    assert 'data-progress-url="' in page and "js/result-import-progress.js" in page
    assert "See this import's results" in page
    assert f"?import_batch__id__exact={batch.pk}" in page
    progress = hc.get(reverse("admin:assessments_resultimport_progress", args=[batch.pk]))
    assert progress.json() == {
        "status": "done",
        "status_label": "Done",
        "rows_done": 2,
        "rows_total": 2,
        "percent": 100,
        "percent_text": "100%",
        "text": "2 of 2 results recorded",
        "finished": True,
    }
    listing = _text(hc.get(reverse("admin:assessments_resultimport_changelist")))
    assert "grades.csv" in listing and "2 of 2" in listing


def test_a_background_import_whose_plan_changed_fails_and_says_why(hc, org, monkeypatch):
    monkeypatch.setattr(import_admin, "IN_REQUEST_MAX", 0)
    content = "employee_number,assessment,score,completed_at\nE001,GSH-1,80,2026-03-01\n"
    preview = _upload(hc, content)
    task = import_admin.results_import_run

    def enqueue_with_another_fingerprint(**kwargs):  # as if the data changed before the task's turn
        return task.enqueue(**{**kwargs, "fingerprint": "0" * 64})

    monkeypatch.setattr(import_admin, "results_import_run", SimpleNamespace(enqueue=enqueue_with_another_fingerprint))
    response = _confirm(hc, preview)
    batch = ResultImport.objects.get()
    assert batch.status == ImportStatus.FAILED and "nothing was imported" in batch.error
    assert AssessmentResult.objects.count() == 0
    page = _text(hc.get(response.url))
    assert "Failed: nothing was imported" in page


@pytest.mark.parametrize("who", ["employee", "staff_without_permission"])
def test_whoever_may_not_import_gets_403(client, org, who):
    if who == "employee":
        user = UserFactory(username="someone", is_staff=True)
    else:
        user = HcUserFactory(username="hc.limited")
        Group.objects.get(name=HC_GROUP_NAME).permissions.remove(
            Permission.objects.get(codename="add_assessmentresult")
        )
    client.force_login(user)
    assert client.get(IMPORT).status_code == 403
    assert _upload(client, MOODLE).status_code == 403
    assert f'href="{IMPORT}"' not in _text(client.get(CHANGELIST))


def test_a_confirmation_without_a_csrf_token_is_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.hc)
    response = client.post(IMPORT, {"step": "confirm", "fingerprint": "x"})
    assert response.status_code == 403
    assert AssessmentResult.objects.count() == 0


def test_a_long_list_is_capped_on_the_page_with_its_whole_count(hc, org, monkeypatch):
    import assessments.results_import as results_import

    monkeypatch.setattr(results_import, "PREVIEW_LINES", 1)
    monkeypatch.setattr(import_admin, "PREVIEW_LINES", 1)
    carla = UserFactory(username="carla", first_name="Carla", last_name="Diaz", employee_number="E003")
    content = (
        "employee_number,assessment,score,completed_at\n"
        "E001,GSH-1,80,2026-03-01\nE002,GSH-1,80,2026-03-01\nE003,GSH-1,80,2026-03-01\n"
    )
    text = _text(_upload(hc, content))
    assert "New results (3)" in text and "Level changes (3)" in text
    assert text.count("…and 2 more.") == 2
    assert "Carla Diaz" not in text  # the third of each list: past the cap
    assert carla.pk and "New results: 3; Level changes: 3" in text


@pytest.mark.parametrize("imports", [1, 25])
def test_the_list_of_imports_costs_the_same_queries_however_many(hc, org, imports, django_assert_max_num_queries):
    ResultImport.objects.bulk_create(
        ResultImport(file_name=f"f{n}.csv", shape="long", imported_by=org.hc) for n in range(imports)
    )
    # session, user, HC group check, user and group permissions, count, filtered count, the page of
    # imports with who imported each, the date hierarchy's first and last, and its days
    with django_assert_max_num_queries(10):
        assert hc.get(reverse("admin:assessments_resultimport_changelist")).status_code == 200
