"""Bulk results import: the command and the plan/apply functions, as HC uses them."""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import polib
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import AssessmentResult, ImportStatus, ResultColumnMapping, ResultImport
from assessments.results_import import (
    PREVIEW_LINES,
    parse_completed_at,
    parse_score,
    result_column_mappings_remember,
    results_import_apply,
    results_import_plan,
)
from assessments.services import result_record
from competencies.models import Competency, CompetencyLevel, CompetencyLevelHistory
from competencies.services import level_override
from hrportal.models import AuditEntry, AuditEvent, Notification, User
from hrportal.spreadsheets import ImportFileError
from idp.models import ActivityType, ItemStatus
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, give_level
from tests.hrportal.catalogue import install_catalogue
from tests.hrportal.factories import HcUserFactory, UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

MOODLE_HEADER = (
    "First name,Surname,ID number,Institution,Department,Email address,"
    '"Quiz: GSH Basic (Percentage)","Assignment: Permit to Work (Real)",'
    '"Course total (Real)","Last downloaded from this course"'
)


def _day(text: str) -> datetime:
    return parse_completed_at(text)


@pytest.fixture
def org(db):
    """Two assessments with score-band mappings, two employees and an HC member."""
    safety = CompetencyFactory(code="SAF", name="Safe work")
    permits = CompetencyFactory(code="PTW", name="Permits")
    gsh = AssessmentFactory(title="GSH Basic", code="GSH-1", category="IHT", pass_percentage=Decimal(70))
    ptw = AssessmentFactory(title="Permit to Work", code="PTW-1", category="Licencor", pass_percentage=Decimal(60))
    # Score bands on GSH: >= 70 (its pass) → 2, >= 90 → 3; PTW's pass grants PTW 2.
    CompetencyMappingFactory(competency=safety, level_granted=2, assessment=gsh, category="")
    CompetencyMappingFactory(competency=safety, level_granted=3, assessment=gsh, category="", minimum_score=90)
    CompetencyMappingFactory(competency=permits, level_granted=2, assessment=ptw, category="")
    ana = UserFactory(username="ana", first_name="Ana", last_name="Lee", employee_number="E001")
    budi = UserFactory(username="budi", first_name="Budi", last_name="Santoso", employee_number="E002")
    hc = HcUserFactory(username="hc.rita", employee_number="H001")
    return type(
        "Org", (), {"safety": safety, "permits": permits, "gsh": gsh, "ptw": ptw, "ana": ana, "budi": budi, "hc": hc}
    )


def _long(rows: list[str], header: str = "employee_number,assessment,score,completed_at") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _moodle(rows: list[str]) -> bytes:
    return ("\n".join([MOODLE_HEADER, *rows]) + "\n").encode()


MOODLE_ROWS = [
    'Ana,Lee,E001,Acme,Ops,ana@example.com,80.00 %,-,"80.00","3 December 2026"',
    "Budi,Santoso,E002,Acme,Ops,budi@example.com,-,75.00,75.00,3 December 2026",
]


def _run(path: Path, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_results", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def _errors_of(content: bytes, fmt: str = "csv", **kwargs) -> list[str]:
    with pytest.raises(ImportFileError) as raised:
        results_import_plan(content=content, fmt=fmt, **kwargs)
    return raised.value.errors


def _levels(user) -> dict[str, int]:
    return dict(CompetencyLevel.objects.filter(employee=user).values_list("competency__code", "level"))


# The Moodle-style gradebook


def test_moodle_gradebook_imports_after_mapping_its_unknown_column(org, tmp_path):
    path = tmp_path / "grades.csv"
    header = MOODLE_HEADER + ',"Quiz: Fire Drill (Real)"'
    path.write_bytes((header + "\n" + "\n".join(row + ",55" for row in MOODLE_ROWS) + "\n").encode())

    with pytest.raises(CommandError) as refused:
        _run(path, "--completed-at", "2026-03-01")
    message = str(refused.value)
    assert "nothing was imported" in message
    assert 'Line 1, column K: unmapped column: there is no assessment with the code or title "Fire Drill"' in message
    assert AssessmentResult.objects.count() == 0

    output = _run(path, "--completed-at", "2026-03-01", "--column", "Quiz: Fire Drill (Real)=-")
    assert "New results: 2; Level changes: 2; Duplicates skipped: 0; No grade: 2." in output
    assert 'Line 2, column "Assignment: Permit to Work (Real)": Ana Lee (E001)' in output
    assert '"Quiz: Fire Drill (Real)" (column K): as asked' in output
    assert '"Last downloaded from this course" (column J): not a grade' in output
    assert '"Course total (Real)" (column I): not a grade' in output
    assert "Ana Lee (E001), SAF Safe work: 0 · None → 2 · Intermediate (line 2)" in output
    assert "Budi Santoso (E002), PTW Permits: 0 · None → 2 · Intermediate (line 3)" in output
    assert _levels(org.ana) == {"SAF": 2} and _levels(org.budi) == {"PTW": 2}
    result = AssessmentResult.objects.get(employee=org.ana)
    assert result.completed_at == _day("2026-03-01") and result.score == Decimal("80.00")
    assert result.import_batch.status == ImportStatus.DONE and result.import_batch.results_created == 2


def test_a_remembered_column_mapping_serves_the_next_file(org, tmp_path):
    fire = AssessmentFactory(title="Fire Drill 2026", code="FD26", category="IHT")
    path = tmp_path / "grades.csv"
    path.write_bytes(b'ID number,"Quiz: Fire drill (Real)"\nE001,88\n')
    with pytest.raises(CommandError):
        _run(path, "--completed-at", "2026-03-01")
    _run(path, "--completed-at", "2026-03-01", "--column", "Quiz: Fire drill (Real)=FD26", "--remember-columns")
    assert ResultColumnMapping.objects.get().assessment == fire

    path.write_bytes(b'ID number,"QUIZ:  Fire drill (Real)"\nE002,91\n')
    output = _run(path, "--completed-at", "2026-03-02")
    assert "as remembered" in output
    assert AssessmentResult.objects.filter(assessment=fire).count() == 2


def test_a_remembered_ignore_leaves_the_column_out(org):
    result_column_mappings_remember(mappings={"Quiz: Old thing (Real)": None}, by=org.hc)
    plan = results_import_plan(
        content=b'ID number,"Quiz: old thing (Real)","Quiz: GSH Basic (Real)"\nE001,50,75\n',
        fmt="csv",
        completed_at="2026-03-01",
    )
    assert len(plan.new_results) == 1
    assert any("as remembered" in line for line in plan.columns_ignored)


def test_real_and_percentage_columns_of_one_assessment_read_the_percentage(org):
    plan = results_import_plan(
        content=b'ID number,"Quiz: GSH Basic (Real)","Quiz: GSH Basic (Percentage)"\nE001,8.00,80.00 %\n',
        fmt="csv",
        completed_at="2026-03-01",
    )
    assert [row.score for row in plan.new_results] == [Decimal("80.00")]


def test_a_gradebook_without_a_completion_date_asks_for_one(org):
    errors = _errors_of(_moodle(MOODLE_ROWS))
    assert any("has no completion dates" in error and "--completed-at" in error for error in errors)


def test_a_title_shared_by_two_categories_is_an_error_naming_both(org):
    AssessmentFactory(title="GSH Basic", code="", category="Assessment OJ")
    errors = _errors_of(_long(["E001,GSH basic,80,2026-03-01"]))
    assert errors == [
        'Line 2, column "assessment": "GSH basic" is the title of 2 assessments '
        "(GSH Basic (Assessment OJ), no code yet; GSH Basic (IHT) [GSH-1]): name it by its code instead."
    ]
    assert results_import_plan(content=_long(["E001,gsh-1,80,2026-03-01"]), fmt="csv").new_results


# Long files in the encodings and separators other systems write


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ";"), ("utf-16", "\t"), ("utf-16", ";"), ("utf-8-sig", ";")],
)
def test_long_files_as_other_systems_write_them(org, encoding, separator):
    cells = [
        ["employee_number", "assessment", "score", "completed_at", "note"],
        ["E001", "GSH Basic", "92,5", "01/03/2026", "Café"],
    ]
    quote = '"' if separator == "," else ""
    text = "\r\n".join(separator.join(f"{quote}{cell}{quote}" for cell in row) for row in cells)
    plan = results_import_plan(content=text.encode(encoding), fmt="csv")
    assert [(row.score, row.completed_at) for row in plan.new_results] == [(Decimal("92.50"), _day("2026-03-01"))]
    assert plan.columns_ignored == ['"note" (column E)']
    assert [str(change) for change in plan.level_changes] == [
        "Ana Lee (E001), SAF Safe work: 0 · None → 3 · Advanced (line 2)"
    ]


def test_existing_imports_still_refuse_semicolons():
    from hrportal.people_import import employees_import_plan

    with pytest.raises(ImportFileError) as refused:
        employees_import_plan(content=b"employee_number;first_name\nE1;Ana\n", fmt="csv")
    assert "uses “;” between columns" in refused.value.errors[0]


def test_an_xlsx_long_file_with_dates_and_numbers(org):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Email", "Assessment", "Score", "Completed at"])
    sheet.append(["ANA@example.com", "PTW-1", 61, datetime(2026, 3, 1, 9, 30)])  # noqa: DTZ001 (a spreadsheet's naive value)
    buffer = io.BytesIO()
    book.save(buffer)
    plan = results_import_plan(content=buffer.getvalue(), fmt="xlsx")
    assert [(row.employee_id, row.score, row.completed_at) for row in plan.new_results] == [
        (org.ana.pk, Decimal("61.00"), _day("2026-03-01 09:30"))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("80", "80.00"), ("80.5", "80.50"), ("80,5", "80.50"), ("80.00 %", "80.00"), ("100%", "100.00"), ("x", None)],
)
def test_scores_as_files_write_them(text, expected):
    assert parse_score(text) == (Decimal(expected) if expected else None)


def test_dates_without_a_zone_are_in_the_portals_time_zone(settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    assert parse_completed_at("2026-03-01").isoformat() == "2026-03-01T00:00:00+07:00"
    assert parse_completed_at("1.3.2026 14:30").isoformat() == "2026-03-01T14:30:00+07:00"
    assert parse_completed_at("2026-03-01T14:30:00+00:00").isoformat() == "2026-03-01T14:30:00+00:00"
    assert parse_completed_at("31/02/2026") is None


# Every kind of error names its line and column; any error imports nothing


def test_every_kind_of_error_names_line_and_column(org, tmp_path):
    AssessmentResult.objects.create(
        employee=org.budi, assessment=org.ptw, score=Decimal(50), passed=False, completed_at=_day("2026-02-01")
    )
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    content = _long(
        [
            "E001,GSH Basic,80,2026-03-01",  # fine, but the file has errors: not imported
            "E0001,GSH Basic,80,2026-03-01",
            "E001,No such exam,80,2026-03-01",
            "E001,GSH Basic,eighty,2026-03-02",
            "E001,GSH Basic,101,2026-03-03",
            "E001,GSH Basic,80,2026-13-01",
            f"E001,GSH Basic,80,{future}",
            "E002,GSH Basic,70,2026-03-04",
            "E002,GSH Basic,71,2026-03-04",
            "E002,PTW-1,65,2026-02-01",
            "H001,GSH Basic,80,2026-03-01",
            "E001,GSH Basic,=1+1,2026-03-05",
        ]
    )
    errors = _errors_of(content, by=org.hc)
    expected = [
        'Line 3, column "employee_number": no employee "E0001" (did you mean "E001"?).',
        'Line 4, column "assessment": there is no assessment with the code or title "No such exam".',
        'Line 5, column "score": "eighty" is not a score',
        'Line 6, column "score": a score of 101 is outside 0–100 %.',
        'Line 7, column "completed_at": "2026-13-01" is not a date',
        'Line 8, column "completed_at": ',
        "Line 12: this is your own result",
        'Line 13, column "score": "=1+1" is not a score',
        'Line 10, column "score": a score of 71 % for the same person, assessment and completion as line 9',
    ]
    for start in expected:
        assert any(error.startswith(start) for error in errors), (start, errors)
    assert any("is in the future" in error for error in errors)
    assert AssessmentResult.objects.count() == 1 and CompetencyLevel.objects.count() == 0

    path = tmp_path / "season.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError):
        _run(path, "--by", "hc.rita")
    assert AssessmentResult.objects.count() == 1 and not ResultImport.objects.exists()


def test_a_nul_character_is_refused_before_anything_else(org):
    errors = _errors_of(_long(["E001,GSH Basic,8\x000,2026-03-05"]))
    assert errors == [
        'Line 2, column "score": the cell contains a NUL character (\\x00), which cannot be stored: delete it.'
    ]


def test_a_different_score_for_a_recorded_attempt_is_refused(org):
    result_record(employee=org.ana, assessment=org.gsh, score=75, completed_at=_day("2026-03-01"), recorded_by=None)
    errors = _errors_of(_long(["E001,GSH-1,76,2026-03-01"]))
    assert errors == [
        'Line 2, column "score": this attempt is already recorded with a score of 75 %, not 76 %: '
        "a recorded result cannot be changed."
    ]


def test_an_xlsx_formula_is_refused(org):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["employee_number", "assessment", "score", "completed_at"])
    sheet.append(["E001", "GSH-1", "=40*2", "2026-03-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    errors = _errors_of(buffer.getvalue(), fmt="xlsx")
    assert errors[0].startswith('Line 2, column "score" (cell C2): a formula (=40*2)')


# What importing does to levels, history, notifications and IDP items


def test_reimporting_the_same_file_adds_nothing_and_tells_nobody(
    org, tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    path = tmp_path / "season.csv"
    path.write_bytes(_long(["E001,GSH-1,92,2026-03-01", "E001,GSH-1,92,2026-03-01", "E002,PTW-1,61,2026-03-02"]))
    with django_capture_on_commit_callbacks(execute=True):
        first = _run(path)
    assert "Repeated in the file (1):" in first and "Line 3" in first
    counts = (AssessmentResult.objects.count(), CompetencyLevelHistory.objects.count(), Notification.objects.count())
    assert counts == (2, 2, 2) and len(mailoutbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        second = _run(path)
    assert "No changes: the database already matches the file." in second
    assert "Duplicates skipped (2):" in second
    assert (AssessmentResult.objects.count(), CompetencyLevelHistory.objects.count(), Notification.objects.count()) == (
        counts
    )
    assert len(mailoutbox) == 2
    plan = results_import_plan(content=path.read_bytes(), fmt="csv")
    assert plan.is_empty and plan.level_changes == []


def test_levels_are_never_lowered_and_score_bands_grant_the_highest(org):
    give_level(org.ana, org.safety, 3)
    give_level(org.budi, org.safety, 1)
    plan = results_import_plan(
        content=_long(["E001,GSH-1,75,2026-03-01", "E002,GSH-1,95,2026-03-01", "E002,GSH-1,72,2026-03-02"]), fmt="csv"
    )
    assert [str(change) for change in plan.level_changes] == [
        "Budi Santoso (E002), SAF Safe work: 1 · Basic → 3 · Advanced (line 3)"
    ]
    results_import_apply(plan=plan, by=None)
    assert _levels(org.ana) == {"SAF": 3} and _levels(org.budi) == {"SAF": 3}


def _history(user) -> list[tuple]:
    return list(
        CompetencyLevelHistory.objects.filter(employee=user)
        .order_by("changed_at", "pk")
        .values_list("competency__code", "old_level", "new_level", "source", "evidence_note", "changed_at")
    )


def test_history_equals_what_recording_the_results_one_by_one_writes(org):
    """Two copies of the same person: one gets the file, the other the same results through
    result_record one by one in completion order; their histories and levels must agree."""
    twin = UserFactory(username="twin", employee_number="E009")
    # GSH is a licence: its levels lapse after 12 months, and a pass at the level held renews it.
    org.gsh.validity_months = 12
    org.gsh.save()
    give_level(org.ana, org.permits, 1, note="Course")
    give_level(twin, org.permits, 1, note="Course")
    # Set-up only: the two courses at the same moment, so the copies differ in nothing else.
    course_day = timezone.now() - timedelta(days=10)
    CompetencyLevelHistory.objects.update(changed_at=course_day)
    CompetencyLevel.objects.update(achieved_at=course_day)
    # Out of order in the file, and one result back-dated before the course's history row.
    past = (timezone.localtime() - timedelta(days=400)).strftime("%Y-%m-%d")
    rows = [
        ("GSH-1", 95, "2026-03-05 10:00"),
        ("PTW-1", 80, past),
        ("GSH-1", 72, "2026-03-01 08:00"),
        ("GSH-1", 74, "2026-03-03 08:00"),  # level 2 again: renews it until 2027-03-03
    ]
    plan = results_import_plan(content=_long([f"E001,{a},{s},{d}" for a, s, d in rows]), fmt="csv")
    assert plan.renewals == [
        "Ana Lee (E001), SAF Safe work: 2 · Intermediate, valid until 2027-03-03 instead of 2027-03-01 (line 5)"
    ]
    results_import_apply(plan=plan, by=None)
    for code, score, day in sorted(rows, key=lambda row: _day(row[2])):
        assessment = org.gsh if code == "GSH-1" else org.ptw
        result_record(employee=twin, assessment=assessment, score=score, completed_at=_day(day), recorded_by=None)

    assert _history(org.ana) == _history(twin)
    assert len(_history(org.ana)) == 4
    fields = ("competency__code", "level", "source", "evidence_note", "achieved_at", "expires_at")
    assert list(CompetencyLevel.objects.filter(employee=org.ana).values_list(*fields).order_by("competency")) == list(
        CompetencyLevel.objects.filter(employee=twin).values_list(*fields).order_by("competency")
    )
    history = CompetencyLevelHistory.objects.filter(employee=org.ana, new_level=3).get()
    assert history.evidence == AssessmentResult.objects.get(employee=org.ana, score=95)


def test_one_notification_per_employee_lists_all_their_changes(org, mailoutbox, django_capture_on_commit_callbacks):
    plan = results_import_plan(
        content=_long(["E001,GSH-1,75,2026-03-01", "E001,GSH-1,95,2026-03-02", "E001,PTW-1,70,2026-03-02"]), fmt="csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        results_import_apply(plan=plan, by=None)
    notification = Notification.objects.get(recipient=org.ana)
    assert notification.subject == "Your competency levels changed"
    assert "SAF Safe work: 0 · None → 3 · Advanced" in notification.body
    assert "PTW Permits: 0 · None → 2 · Intermediate" in notification.body
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [org.ana.email]


def test_a_pass_closes_the_idp_item_naming_the_assessment(org):
    item = IdpItemFactory(
        employee=org.ana,
        competency=org.safety,
        activity_type=ActivityType.ASSESSMENT,
        assessment=org.gsh,
        status=ItemStatus.IN_PROGRESS,
    )
    failed_only = IdpItemFactory(
        employee=org.budi,
        competency=org.safety,
        activity_type=ActivityType.ASSESSMENT,
        assessment=org.gsh,
        status=ItemStatus.IN_PROGRESS,
    )
    plan = results_import_plan(
        content=_long(["E001,GSH-1,80,2026-03-01", "E002,GSH-1,40,2026-03-01"]), fmt="csv", by=org.hc
    )
    results_import_apply(plan=plan, by=org.hc)
    item.refresh_from_db()
    failed_only.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED and item.verified_level == 2
    assert failed_only.status == ItemStatus.IN_PROGRESS


def test_the_import_is_one_audit_entry_and_results_name_who_imported(org, tmp_path):
    path = tmp_path / "season.csv"
    path.write_bytes(_long(["E001,GSH-1,80,2026-03-01"]))
    _run(path, "--by", "hc.rita")
    entry = AuditEntry.objects.get(event=AuditEvent.IMPORT)
    batch = ResultImport.objects.get()
    assert entry.object_pk == str(batch.pk) and entry.actor == org.hc
    assert entry.additional_data["results_created"] == 1 and entry.additional_data["file"] == "season.csv"
    assert AssessmentResult.objects.get().recorded_by == org.hc
    assert batch.imported_by == org.hc and batch.rows_done == batch.rows_total == 1


def test_apply_refuses_a_plan_outdated_by_a_result_recorded_meanwhile(org):
    plan = results_import_plan(content=_long(["E001,GSH-1,80,2026-03-01"]), fmt="csv")
    result_record(employee=org.ana, assessment=org.gsh, score=95, completed_at=_day("2026-02-01"), recorded_by=None)
    with pytest.raises(ImportFileError, match="changed since the file was checked"):
        results_import_apply(plan=plan, by=None)
    assert AssessmentResult.objects.count() == 1


def test_progress_is_reported_up_to_the_total(org):
    plan = results_import_plan(content=_long(["E001,GSH-1,80,2026-03-01", "E002,GSH-1,80,2026-03-01"]), fmt="csv")
    seen: list[tuple[int, int]] = []
    results_import_apply(plan=plan, by=None, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)


def test_a_long_preview_lists_a_capped_number_of_new_results_but_counts_them_all(org, monkeypatch):
    monkeypatch.setattr("assessments.results_import.PREVIEW_LINES", 1)
    plan = results_import_plan(content=_long(["E001,GSH-1,80,2026-03-01", "E002,GSH-1,80,2026-03-01"]), fmt="csv")
    lines = plan.sections()[0].lines
    assert len(lines) == 2 and lines[-1] == "…and 1 more."
    assert plan.summary().startswith("New results: 2;")
    assert PREVIEW_LINES == 200


# Query budget: the same number of queries however many rows and employees


def _organisation(prefix: str, people: int, competency) -> bytes:
    """`people` employees, every other one with a level already, and one result each."""
    users = [UserFactory(employee_number=f"{prefix}{n:04d}") for n in range(people)]
    for user in users[::2]:
        give_level(user, competency, 1)
    return _long([f"{u.employee_number},GSH-1,{70 + n % 30},2026-03-0{1 + n % 5}" for n, u in enumerate(users)])


def test_plan_and_apply_cost_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    counts = []
    for prefix, people in (("Q", 3), ("R", 30)):
        content = _organisation(prefix, people, org.safety)
        ContentType.objects.clear_cache()  # each size starts as a fresh process would
        with CaptureQueriesContext(connection) as queries:
            # Plan (6): assessments, users, mappings, recorded results, levels, last history rows.
            # Apply (21 on SQLite): savepoint, employee locks, assessments and mappings again and
            # the three reads (5), the batch, the result content type, results, levels upsert,
            # history, IDP items (in their own savepoint: 3), notifications, the batch again, the
            # batch's content type and the audit entry, savepoint release. PostgreSQL: one more
            # (the result ids), and the levels go through a temporary table (create, upsert, drop:
            # two more) while the COPYs are not counted.
            with django_assert_max_num_queries(29):
                plan = results_import_plan(content=content, fmt="csv")
                results_import_apply(plan=plan, by=None)
        counts.append(len(queries))
        assert len(plan.new_results) == people and plan.level_changes
    assert counts[0] == counts[1]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=12))
def test_any_score_cell_is_read_or_refused_never_crashes(org, cell):
    content = _long([f'E001,GSH-1,"{cell.replace(chr(34), "")}",2026-03-01'])
    try:
        plan = results_import_plan(content=content, fmt="csv")
    except ImportFileError as error:
        assert error.errors
    else:
        assert all(Decimal(0) <= row.score <= Decimal(100) for row in plan.new_results)


@pytest.mark.django_db(transaction=True)
def test_a_background_import_shows_its_progress_on_its_batch_before_it_commits(org, monkeypatch):
    """What the admin's page polls: the batch row, read over another connection mid-import
    (on PostgreSQL; SQLite allows one writer, so there the row shows the outcome only, and the
    callback alone follows the progress)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    batch = ResultImport.objects.create(file_name="season.csv", shape="long", imported_by=org.hc)
    plan = results_import_plan(
        content=_long(["E001,GSH-1,80,2026-03-01", "E002,GSH-1,80,2026-03-01"]), fmt="csv", by=org.hc
    )
    seen_elsewhere: list[tuple] = []
    called: list[tuple[int, int]] = []
    observer = connections.create_connection(DEFAULT_DB_ALIAS)
    on_postgresql = connection.vendor == "postgresql"

    def progress(done: int, total: int) -> None:
        called.append((done, total))
        if done == 1 and on_postgresql:
            with observer.cursor() as cursor:
                cursor.execute(
                    "SELECT status, rows_done, rows_total FROM assessments_resultimport WHERE id = %s", [batch.pk]
                )
                seen_elsewhere.append(cursor.fetchone())

    monkeypatch.setattr("assessments.results_import.WRITE_CHUNK", 1)  # one result per round
    try:
        results_import_apply(plan=plan, by=org.hc, batch=batch, progress=progress)
    finally:
        observer.close()
    assert called[-2:] == [(1, 2), (2, 2)]
    assert seen_elsewhere == ([("running", 0, 2)] if on_postgresql else [])
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.results_created) == (ImportStatus.DONE, 2, 2)


def test_a_pass_at_the_level_held_renews_a_lapsing_level_as_result_record_does(org):
    org.gsh.validity_months = 12
    org.gsh.save()
    twin = UserFactory(username="twin", employee_number="E009")
    for person in (org.ana, twin):
        result_record(employee=person, assessment=org.gsh, score=72, completed_at=_day("2026-01-10"), recorded_by=None)
    plan = results_import_plan(content=_long(["E001,GSH-1,75,2026-04-01"]), fmt="csv")
    assert plan.level_changes == [] and len(plan.renewals) == 1 and not plan.is_empty
    results_import_apply(plan=plan, by=None)
    result_record(employee=twin, assessment=org.gsh, score=75, completed_at=_day("2026-04-01"), recorded_by=None)

    fields = ("level", "source", "evidence_note", "achieved_at", "expires_at")
    ana = CompetencyLevel.objects.filter(employee=org.ana).values_list(*fields).get()
    assert ana == CompetencyLevel.objects.filter(employee=twin).values_list(*fields).get()
    assert ana[-1] == _day("2027-04-01") and ana[3] == _day("2026-01-10")
    assert _history(org.ana) and len(_history(org.ana)) == len(_history(twin)) == 1


def test_a_dry_run_shows_the_plan_and_writes_nothing_and_a_real_run_shows_a_progress_bar(org, tmp_path):
    path = tmp_path / "season.csv"
    path.write_bytes(_long(["E001,GSH-1,80,2026-03-01", "E002,PTW-1,61,2026-03-01"]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_results", str(path), "--dry-run", stdout=out, stderr=err)
    assert "New results (2):" in out.getvalue() and "Dry run: nothing was written." in out.getvalue()
    assert not AssessmentResult.objects.exists() and not ResultImport.objects.exists()

    call_command("import_results", str(path), "--by", "hc.rita", stdout=out, stderr=err)
    assert err.getvalue().endswith("] 100 %  2 / 2\n")
    assert "Imported season.csv: New results: 2; Level changes: 2; Duplicates skipped: 0." in out.getvalue()


def test_identity_columns_that_name_two_people_are_an_error(org):
    errors = _errors_of(
        b'"ID number","Email address","Quiz: GSH Basic (Real)"\nE001,budi@example.com,80\n', completed_at="2026-03-01"
    )
    assert errors == [
        'Line 2, column "Email address": "budi@example.com" is Budi Santoso (E002), '
        "but the row's other identity column names Ana Lee (E001)."
    ]


# Apply's check under the lock (on PostgreSQL a digest the database computes, elsewhere the
# state read again): anything the plan relied on changed meanwhile outdates it; the rest not.


def test_apply_refuses_a_plan_outdated_by_a_level_set_meanwhile(org):
    plan = results_import_plan(content=_long(["E001,GSH-1,80,2026-03-01"]), fmt="csv")
    level_override(employee=org.ana, competency=org.safety, level=3, reason="Assessed on site", by=org.hc)
    with pytest.raises(ImportFileError, match="changed since the file was checked"):
        results_import_apply(plan=plan, by=None)
    assert AssessmentResult.objects.count() == 0 and _levels(org.ana) == {"SAF": 3}


def test_a_change_to_someone_the_file_does_not_name_leaves_the_plan_valid(org):
    plan = results_import_plan(content=_long(["E001,GSH-1,80,2026-03-01"]), fmt="csv")
    give_level(org.budi, org.safety, 2)
    result_record(employee=org.budi, assessment=org.gsh, score=95, completed_at=_day("2026-02-01"), recorded_by=None)
    results_import_apply(plan=plan, by=None)
    assert _levels(org.ana) == {"SAF": 2} and _levels(org.budi) == {"SAF": 3}


# Each employee reads the import's notification in their own language, whoever imports.

INDONESIAN = {
    "Evidence: {evidence}": "Bukti: {evidence}",
    "proficiency\x04None": "Tidak ada",
    "proficiency\x04Intermediate": "Menengah",
    "proficiency\x04Advanced": "Mahir",
}


def _plural_catalogue(settings, directory: Path) -> None:
    """The subject is a plural (ngettext): the test catalogue helper writes singular entries only."""
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "id",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    catalogue.append(
        polib.POEntry(
            msgid="Your competency level changed",
            msgid_plural="Your competency levels changed",
            msgstr_plural={0: "Level kompetensi Anda berubah"},
        )
    )
    folder = directory / "id" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [directory, *settings.LOCALE_PATHS]


def test_each_employee_reads_the_imports_notification_and_email_in_their_own_language(
    org, settings, tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    install_catalogue(settings, tmp_path / "words", INDONESIAN)
    _plural_catalogue(settings, tmp_path / "plural")
    User.objects.filter(pk=org.ana.pk).update(language="id")
    Competency.objects.filter(pk=org.safety.pk).update(name_ind="Kerja aman")
    plan = results_import_plan(
        content=_long(["E001,GSH-1,95,2026-03-01", "E002,GSH-1,95,2026-03-01"]), fmt="csv", by=org.hc
    )
    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        results_import_apply(plan=plan, by=org.hc)  # HC works in English

    indonesian = Notification.objects.get(recipient=org.ana)
    assert indonesian.subject == "Level kompetensi Anda berubah"
    assert indonesian.body == "SAF Kerja aman: 0 · Tidak ada → 3 · Mahir\nBukti: GSH Basic (IHT), 95 %, 2026-03-01"
    english = Notification.objects.get(recipient=org.budi)
    assert english.subject == "Your competency level changed"
    assert english.body == "SAF Safe work: 0 · None → 3 · Advanced\nEvidence: GSH Basic (IHT), 95 %, 2026-03-01"
    emails = {message.to[0]: message for message in mailoutbox}
    assert emails[org.ana.email].subject == indonesian.subject and indonesian.body in emails[org.ana.email].body
    assert emails[org.budi.email].subject == english.subject and english.body in emails[org.budi.email].body
