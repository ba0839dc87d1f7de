"""Arbitrary files into every import, arbitrary text into the portal's forms.

The properties: no input gives a server error (an import raises nothing but ImportFileError,
a view answers below 500); a refused import writes nothing; an accepted one does what its
plan says, so planning the same file again finds nothing left to do. Each example runs in
a savepoint that is rolled back, so examples do not see each other's writes. Bounded so that
the whole file takes well under a minute on either database.
"""

import csv
import io
import os
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from competencies.models import Competency, LevelDescriptor, PositionTarget, PositionTargetHistory, SkillGroup
from competencies.spreadsheets import (
    DESCRIPTOR_COLUMNS,
    MATRIX_COLUMNS,
    descriptors_import_apply,
    descriptors_import_plan,
    matrix_import_apply,
    matrix_import_plan,
)
from hrportal.models import Position, Section, SpreadsheetImport, User
from hrportal.people_import import EMPLOYEE_COLUMNS, employees_import_apply, employees_import_plan
from hrportal.spreadsheets import ImportFileError
from idp.models import IdpItem, IdpItemTransition, ItemStatus
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, SkillGroupFactory
from tests.hrportal.factories import SectionFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50,
    deadline=None,
    # The database fixtures are set up once per test; each example rolls its own writes back.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values that mean something to one import or another, next to arbitrary text.
MEANINGFUL = [
    "",
    " ",
    "-",
    "0",
    "5",
    "6",
    "3.0",
    "-1",
    "1e3",
    "=1+1",
    "'=SUM(A1)",
    "@x",
    "\x00",
    "a\x00b",
    '"',
    "a,b",
    "a;b",
    "\t",
    "\r\n",
    "Operator",
    "operator",
    "Operatr",
    "Production",
    "Prodution",
    "Safety",
    "S-01",
    "E-1",
    "E-2",
    "x@example.com",
    "a" * 300,
]
cells = st.one_of(
    st.sampled_from(MEANINGFUL),
    st.text(max_size=12),
    st.integers(min_value=-3, max_value=8),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)


def tables(
    columns: tuple[str, ...], plausible: dict[str, st.SearchStrategy[Any]], unique: tuple[str, ...]
) -> st.SearchStrategy[list[list[Any]]]:
    """A header and a few rows: a sound file (the import's columns shuffled, each cell a value
    its column plausibly holds, rows unique by the `unique` columns), a noisy one (some cells
    and columns arbitrary) or an arbitrary one."""
    own = st.permutations([*columns, *(key for key in plausible if key not in columns)])

    def rows_for(header: list[Any], noise: int) -> st.SearchStrategy[list[list[Any]]]:
        def cell(column: Any) -> st.SearchStrategy[Any]:
            likely = plausible.get(column) if isinstance(column, str) else None
            if likely is None:
                return cells
            # One cell in `noise` arbitrary; none when noise is 0.
            return st.integers(1, noise).flatmap(lambda n: cells if n == 1 else likely) if noise else likely

        row = st.tuples(*(cell(column) for column in header)).map(list)
        key = [header.index(column) for column in unique if column in header]
        return st.lists(row, min_size=0 if noise else 1, max_size=5, unique_by=lambda r: tuple(str(r[i]) for i in key))

    sound = own.flatmap(lambda head: rows_for(head, 0).map(lambda rows: [head, *rows]))
    noisy_header = st.tuples(own, st.lists(cells, max_size=2)).map(lambda parts: [*parts[0], *parts[1]])
    noisy = noisy_header.flatmap(lambda head: rows_for(head, 6).map(lambda rows: [head, *rows]))
    arbitrary = st.lists(cells, max_size=6).flatmap(
        lambda head: st.lists(st.lists(cells, max_size=len(head) + 1), max_size=5).map(lambda rows: [head, *rows])
    )
    return st.one_of(sound, sound, noisy, arbitrary)


levels = st.sampled_from([0, 1, 2, 3, 4, 5, "-", "", "3", 2.0])
words = st.one_of(st.sampled_from(["Safety", "Welding", "Permit", "Operator", "x y"]), st.text(min_size=1, max_size=8))
MATRIX = {
    "skill_group_en": st.sampled_from(["Safety", "safety", "Safty", "Welding"]),
    "skill_group_id": st.sampled_from(["Keselamatan", "Pengelasan", "", ""]),
    "code": st.sampled_from(["S-01", "S-02", "W-01", "s-01"]),
    "name_en": words,
    "name_id": st.one_of(words, st.just("")),
    "definition_en": st.one_of(words, st.just("")),
    "definition_id": st.one_of(words, st.just("")),
    "Operator": levels,
    "Welder": levels,
}
DESCRIPTORS = {
    "code": st.sampled_from(["S-01", "S-02"]),
    "level": st.sampled_from([1, 2, 5, "3", 0, 6]),
    **{name: st.one_of(words, st.just("")) for name in DESCRIPTOR_COLUMNS[2:]},
}
numbers = st.sampled_from([f"E-{n}" for n in range(1, 9)])
EMPLOYEES = {
    "employee_number": numbers,
    "first_name": words,
    "last_name": st.one_of(words, st.just("")),
    "email": st.sampled_from(["a@x.example", "b@x.example", "c@x.example", "B@X.example"]),
    "section": st.sampled_from(["Production", "production", "Prodution", ""]),
    "position": st.sampled_from(["Operator", "Operatr", "Welder", ""]),
    "supervisor_employee_number": st.sampled_from(["", "", "E-1", "E-2", "E-3"]),
    "username": st.sampled_from(["", "", "new.one", "b.c", "employee"]),
}


def csv_content(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_content(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        # openpyxl refuses to write control characters, which XML cannot hold; "=…" becomes a formula.
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def files(
    columns: tuple[str, ...], plausible: dict[str, st.SearchStrategy[Any]], unique: tuple[str, ...]
) -> st.SearchStrategy[tuple[bytes, str]]:
    """(content, format): a CSV or XLSX of a generated table, or arbitrary bytes."""
    table = tables(columns, plausible, unique)
    return st.one_of(
        table.map(lambda rows: (csv_content(rows), "csv")),
        table.map(lambda rows: (xlsx_content(rows), "xlsx")),
        st.tuples(st.binary(max_size=200), st.sampled_from(["csv", "xlsx"])),
    )


def counts() -> dict[str, int]:
    models = [SkillGroup, Competency, Position, PositionTarget, PositionTargetHistory, LevelDescriptor, Section, User]
    return {model.__name__: model.objects.count() for model in models}


def import_once(plan: Callable[[bytes, str], Any], apply: Callable[[Any], None], content: bytes, fmt: str) -> None:
    """Plan and apply one file inside a savepoint that is rolled back; assert the properties."""
    before = counts()
    with transaction.atomic():
        try:
            planned = plan(content, fmt)
        except ImportFileError as error:
            event("refused: " + re.sub(r"[0-9]+|\"[^\"]*\"|“[^”]*”", "#", error.errors[0])[:70])
            assert error.errors and all(isinstance(message, str) and message for message in error.errors)
            assert counts() == before
            transaction.set_rollback(True)
            return
        event("imported" if not planned.is_empty else "no change")
        apply(planned)
        # It did what the plan said: the same file now plans no change.
        again = plan(content, fmt)
        assert again.is_empty, again.sections()
        transaction.set_rollback(True)
    assert counts() == before


@pytest.fixture
def framework(db):
    group = SkillGroupFactory(name="Safety")
    competency = CompetencyFactory(code="S-01", name="Permit to Work", group=group)
    CompetencyFactory(code="S-02", name="Emergency Response", group=group)
    PositionTargetFactory(position__name="Operator", competency=competency, target_level=2)
    SectionFactory(name="Production")
    return competency


@FUZZ
@given(file=files(MATRIX_COLUMNS, MATRIX, ("code",)), remove=st.booleans(), create=st.booleans())
def test_any_matrix_file_is_imported_whole_or_refused_with_errors(framework, file, remove, create):
    import_once(
        lambda content, fmt: matrix_import_plan(content=content, fmt=fmt, remove=remove, create_missing=create),
        lambda plan: matrix_import_apply(plan=plan, by=None, note="fuzz"),
        *file,
    )


@FUZZ
@given(file=files(DESCRIPTOR_COLUMNS, DESCRIPTORS, ("code", "level")))
def test_any_descriptors_file_is_imported_whole_or_refused_with_errors(framework, file):
    import_once(
        lambda content, fmt: descriptors_import_plan(content=content, fmt=fmt),
        lambda plan: descriptors_import_apply(plan=plan),
        *file,
    )


@FUZZ
@given(file=files(EMPLOYEE_COLUMNS, EMPLOYEES, ("employee_number", "username")), create=st.booleans())
def test_any_employees_file_is_imported_whole_or_refused_with_errors(framework, cast, file, create):
    import_once(
        lambda content, fmt: employees_import_plan(content=content, fmt=fmt, create_missing=create),
        lambda plan: employees_import_apply(plan=plan),
        *file,
    )


@settings(FUZZ, max_examples=25)
@given(file=files(MATRIX_COLUMNS, MATRIX, ("code",)), name=st.text(max_size=10))
def test_any_upload_to_the_admin_import_answers_without_a_server_error(client, framework, cast, file, name):
    content, fmt = file
    client.force_login(cast.hc)
    before = counts()
    with transaction.atomic():
        url = reverse("admin:competencies_competency_import_matrix")
        response = client.post(url, {"file": SimpleUploadedFile(f"{name}.{fmt}", content)})
        assert response.status_code < 500
        fingerprint = response.context and response.context.get("fingerprint")
        if fingerprint:
            with TestCase.captureOnCommitCallbacks(execute=True):  # and its import task runs
                response = client.post(url, {"fingerprint": fingerprint})
            assert response.status_code == 302
            assert SpreadsheetImport.objects.get().status == "done"
        else:
            assert counts() == before
        transaction.set_rollback(True)


# The portal's own forms, posted by a logged-in user with arbitrary text in every field.

texts = st.one_of(st.text(max_size=40), st.sampled_from(MEANINGFUL))


def post_rolled_back(client, url: str, data: dict[str, Any]) -> None:
    with transaction.atomic():
        response = client.post(url, data)
        assert response.status_code < 500
        transaction.set_rollback(True)


@settings(FUZZ, max_examples=30)
@given(
    competency=st.one_of(texts, st.just("")),
    activity_type=texts,
    target_level=texts,
    target_date=st.one_of(texts, st.dates().map(str)),
    description=texts,
)
def test_the_idp_item_form_answers_any_text_without_a_server_error(
    client, framework, cast, competency, activity_type, target_level, target_date, description
):
    client.force_login(cast.employee)
    data = {
        "competency": competency or str(framework.pk),
        "activity_type": activity_type,
        "target_level": target_level,
        "target_date": target_date,
        "description": description,
    }
    post_rolled_back(client, reverse("idp:item_new"), data)
    item = IdpItemFactory(employee=cast.employee, competency=framework, status=ItemStatus.DRAFT)
    post_rolled_back(client, reverse("idp:item_edit", args=[item.pk]), data)


def _uploadable_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    return base if base not in ("", ".", "..") else "x"


@settings(FUZZ, max_examples=30)
@given(
    action=st.sampled_from(["approve", "reject", "complete", "verify"]),
    comment=texts,
    note=texts,
    link=texts,
    level=texts,
    file_name=st.text(max_size=10),
)
def test_the_item_action_forms_answer_any_text_without_a_server_error(
    client, framework, cast, action, comment, note, link, level, file_name
):
    status, actor = {
        "approve": (ItemStatus.SUBMITTED, cast.supervisor),
        "reject": (ItemStatus.SUBMITTED, cast.supervisor),
        "complete": (ItemStatus.IN_PROGRESS, cast.employee),
        "verify": (ItemStatus.COMPLETED, cast.hc),
    }[action]
    with transaction.atomic():
        item = IdpItemFactory(
            employee=cast.employee,
            competency=framework,
            status=status,
            target_date=timezone.localdate() + timedelta(days=30),
        )
        events = IdpItemTransition.objects.count()
        client.force_login(actor)
        data = {
            f"{action}-comment": comment,
            f"{action}-evidence_note": note,
            f"{action}-evidence_link": link,
            f"{action}-level": level,
            # The name as a browser could send it: Django's upload handling keeps only the last
            # path part, and a file object cannot be built from a name without one ("/", "..").
            f"{action}-evidence_file": SimpleUploadedFile(_uploadable_name(file_name), note.encode()),
        }
        response = client.post(reverse("idp:item_action", args=[item.pk, action]), data)
        assert response.status_code < 500
        item.refresh_from_db()
        if item.status == status:  # refused: nothing half-done
            assert IdpItemTransition.objects.count() == events
        transaction.set_rollback(True)


@settings(FUZZ, max_examples=20)
@given(items=st.lists(texts, max_size=3), decision=texts, comment=texts)
def test_the_bulk_decision_form_answers_any_text_without_a_server_error(
    client, framework, cast, items, decision, comment
):
    item = IdpItemFactory(employee=cast.employee, competency=framework, status=ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)
    post_rolled_back(
        client, reverse("idp:approvals"), {"items": [*items, str(item.pk)], "decision": decision, "comment": comment}
    )
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.SUBMITTED


@settings(FUZZ, max_examples=20)
@given(email=texts)
def test_the_password_reset_form_answers_any_text_without_a_server_error(client, cast, email):
    post_rolled_back(client, reverse("password_reset"), {"email": email})
