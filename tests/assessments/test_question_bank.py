"""The question bank round trip: export, import (preview → confirm), row errors, all or nothing."""

import csv
import html
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import AnswerOption, Assessment, Attempt, AttemptQuestion, Question, QuestionKind
from assessments.services.question_bank import (
    QUESTION_COLUMNS,
    assessment_publish_problems,
    question_bank_import_plan,
    question_problems,
)
from hrportal.models import AuditEntry, AuditEvent
from tests.assessments.factories import AssessmentFactory, QuestionFactory, published_assessment
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = list(QUESTION_COLUMNS)


def import_url(assessment: Assessment) -> str:
    return reverse("admin:assessments_assessment_import_questions", args=[assessment.pk])


def export_url(assessment: Assessment, fmt: str) -> str:
    return reverse("admin:assessments_assessment_export_questions", args=[assessment.pk, fmt])


def row(
    number, kind, text, *, points=1, competency="", partial="no", options=(), correct="", answers="", explanation=""
):
    cells = [number, kind, text, points, competency, partial, *options, *[""] * (8 - len(options))]
    return [*cells, correct, answers, explanation]


def csv_bytes(rows: list[list], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header or HEADER, *rows])
    return out.getvalue().encode("utf-8")


def upload(content: bytes, name: str = "bank.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def preview(client: Client, assessment: Assessment, content: bytes, name: str = "bank.csv"):
    return client.post(import_url(assessment), {"file": upload(content, name)})


def confirm(client: Client, assessment: Assessment, response):
    return client.post(import_url(assessment), {"fingerprint": response.context["fingerprint"]})


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def bank(assessment: Assessment) -> list[tuple]:
    """The bank as data: what an import must keep or change."""
    return [
        (
            q.number,
            q.kind,
            q.text,
            q.points,
            q.competency.code if q.competency else "",
            q.partial_credit,
            q.true_false_answer,
            q.accepted_answer_list,
            q.explanation,
            [(o.text, o.is_correct) for o in q.options.all()],
        )
        for q in assessment.questions.select_related("competency").prefetch_related("options")
    ]


GOOD_ROWS = [
    row(1, "single", "Who signs a permit?", options=["The area authority", "Anyone"], correct="A", competency="PTW"),
    row(
        2,
        "multiple",
        "Which need a permit?",
        partial="yes",
        options=["Hot work", "Reading", "Confined space"],
        correct="A,C",
    ),
    row(3, "true_false", "A permit lasts forever.", correct="false", explanation="It lasts one shift."),
    row(4, "short_answer", "What does PTW stand for?", points="2.5", answers="Permit to work|permit-to-work"),
]


@pytest.fixture
def ptw(db):
    return CompetencyFactory(code="PTW", name="Permit to work")


@pytest.fixture
def draft(db):
    return AssessmentFactory(title="Permit to work basics", is_published=False)


# The whole round: upload, preview, confirm


def test_hc_imports_a_bank_after_a_preview(client, cast, ptw, draft):
    client.force_login(cast.hc)
    page = client.get(reverse("admin:assessments_assessment_change", args=[draft.pk])).content.decode()
    assert f'href="{import_url(draft)}"' in page
    assert f'href="{export_url(draft, "xlsx")}"' in page

    response = preview(client, draft, csv_bytes(GOOD_ROWS))
    page = text_of(response)
    assert "Preview of bank.csv" in page
    assert "New questions (4)" in page
    assert "Question 1 (line 2): Who signs a permit?" in page
    assert not draft.questions.exists()  # nothing written before the confirmation

    response = confirm(client, draft, response)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:assessments_assessment_change", args=[draft.pk])
    assert bank(draft) == [
        (
            1,
            "single",
            "Who signs a permit?",
            Decimal(1),
            "PTW",
            False,
            None,
            [],
            "",
            [("The area authority", True), ("Anyone", False)],
        ),
        (
            2,
            "multiple",
            "Which need a permit?",
            Decimal(1),
            "",
            True,
            None,
            [],
            "",
            [("Hot work", True), ("Reading", False), ("Confined space", True)],
        ),
        (3, "true_false", "A permit lasts forever.", Decimal(1), "", False, False, [], "It lasts one shift.", []),
        (
            4,
            "short_answer",
            "What does PTW stand for?",
            Decimal("2.5"),
            "",
            False,
            None,
            ["Permit to work", "permit-to-work"],
            "",
            [],
        ),
    ]
    assert "Imported bank.csv into the question bank: New questions: 4." in text_of(client.get(response["Location"]))
    entry = AuditEntry.objects.get(event=AuditEvent.IMPORT)
    assert (entry.object_pk, entry.actor) == (str(draft.pk), cast.hc)
    assert entry.additional_data["summary"] == "New questions: 4."


def test_the_file_replaces_the_bank_matched_by_number(client, cast, ptw, draft):
    QuestionFactory(assessment=draft, number=1, text="Old wording")
    QuestionFactory(assessment=draft, number=2, text="Same", options=[("The area authority", True), ("Anyone", False)])
    gone = QuestionFactory(assessment=draft, number=9, text="Not in the file any more")
    same = draft.questions.get(number=2)
    # An attempt made earlier keeps its frozen copy of the question that goes.
    started = timezone.now() - timedelta(hours=2)
    attempt = Attempt.objects.create(
        assessment=draft, employee=cast.employee, started_at=started, deadline=started + timedelta(minutes=30)
    )
    frozen = AttemptQuestion.objects.create(
        attempt=attempt, position=1, question=gone, kind="single", text=gone.text, points=1
    )

    rows = [
        row(1, "single", "New wording", options=["Yes", "No"], correct="B"),
        row(2, "single", "Same", options=["The area authority", "Anyone"], correct="A"),
        row(3, "true_false", "Added", correct="true"),
    ]
    client.force_login(cast.hc)
    response = preview(client, draft, csv_bytes(rows))
    page = text_of(response)
    assert "New questions (1)" in page and "Question 3 (line 4): Added" in page
    assert "Changed questions (1)" in page and "Question 1 (line 2): question, options" in page
    assert "Removed questions (1)" in page and "Question 9: Not in the file any more" in page
    assert "<strong>New questions: 1; Changed questions: 1; Removed questions: 1.</strong>" in page

    confirm(client, draft, response)
    assert [q.number for q in draft.questions.all()] == [1, 2, 3]
    assert draft.questions.get(number=1).text == "New wording"
    assert draft.questions.get(number=2).pk == same.pk  # unchanged rows are left alone
    assert list(same.options.values_list("pk", flat=True)) == list(
        AnswerOption.objects.filter(question=same).values_list("pk", flat=True)
    )
    frozen.refresh_from_db()
    assert frozen.question is None and frozen.text == "Not in the file any more"


# Round trips: export, then import, changes nothing


def _varied_bank(assessment: Assessment, competency) -> None:
    QuestionFactory(
        assessment=assessment,
        number=1,
        text="=SUM(A1) is a formula?\nSecond line, “quoted”, ünïcode",
        competency=competency,
        points=Decimal("2.50"),
        options=[("-", False), ("+1", True), ("@home", False), ("'=quoted", False)],
        explanation="-starts with a dash",
    )
    QuestionFactory(
        assessment=assessment,
        number=2,
        kind=QuestionKind.MULTIPLE,
        partial_credit=True,
        points=Decimal(10),
        options=[
            ("A", True),
            ("B", False),
            ("C", True),
            ("D", False),
            ("E", False),
            ("F", False),
            ("G", False),
            ("H", True),
        ],
    )
    QuestionFactory(assessment=assessment, number=3, kind=QuestionKind.TRUE_FALSE, true_false_answer=True)
    QuestionFactory(assessment=assessment, number=5, kind=QuestionKind.TRUE_FALSE, true_false_answer=False)
    QuestionFactory(
        assessment=assessment,
        number=7,
        kind=QuestionKind.SHORT_ANSWER,
        accepted_answers="Permit to work\n=cmd\n  spaced  ",
        text="42",
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(client, cast, ptw, fmt):
    source = AssessmentFactory(title="Source", is_published=True)
    _varied_bank(source, ptw)
    client.force_login(cast.hc)
    exported = client.get(export_url(source, fmt))
    assert exported.status_code == 200
    assert f'filename="questions-source-{timezone.localdate():%Y-%m-%d}.{fmt}"' in exported["Content-Disposition"]
    content = exported.content

    # Into the same assessment: nothing to do.
    response = preview(client, source, content, f"bank.{fmt}")
    assert "No changes: the database already matches this file." in text_of(response)

    # Into an empty one: the same bank, which exports to the same file.
    copy = AssessmentFactory(title="Source", category="IHT", is_published=False)
    confirm(client, copy, preview(client, copy, content, f"bank.{fmt}"))
    assert bank(copy) == bank(source)
    assert client.get(export_url(copy, fmt)).content == content or fmt == "xlsx"
    if fmt == "xlsx":  # a workbook's bytes carry a timestamp: compare the cells

        def cells(data: bytes) -> list[tuple]:
            return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))

        assert cells(client.get(export_url(copy, fmt)).content) == cells(content)

    # And importing the same file again changes nothing.
    assert "No changes" in text_of(preview(client, copy, content, f"bank.{fmt}"))


def test_export_escapes_formula_like_text(client, cast, ptw):
    source = AssessmentFactory(title="Source", is_published=True)
    _varied_bank(source, ptw)
    client.force_login(cast.hc)
    lines = list(csv.reader(io.StringIO(client.get(export_url(source, "csv")).content.decode("utf-8-sig"))))
    assert lines[0] == HEADER
    first = dict(zip(HEADER, lines[1], strict=True))
    assert first["question"].startswith("'=SUM(A1)")
    assert (first["option_a"], first["option_b"], first["option_c"], first["option_d"]) == (
        "-",
        "'+1",
        "'@home",
        "''=quoted",
    )
    assert first["correct"] == "B" and first["points"] == "2.5" and first["competency"] == "PTW"
    assert first["explanation"] == "'-starts with a dash"
    short = dict(zip(HEADER, lines[-1], strict=True))
    # Escaped as one cell: only its start could make a formula.
    assert short["accepted_answers"] == "Permit to work|=cmd|spaced"
    assert dict(zip(HEADER, lines[3], strict=True))["correct"] == "true"


# Row errors: each names its line and column, and a file with any error imports nothing


ROW_ERRORS = [
    (row("", "single", "Q", options=["A", "B"], correct="A"), 'Line 2, column "number": empty question number.'),
    (row("x", "single", "Q", options=["A", "B"], correct="A"), 'Line 2, column "number": "x" is not a question number'),
    (row(0, "single", "Q", options=["A", "B"], correct="A"), 'Line 2, column "number": "0" is not a question number'),
    (
        row(1, "essay", "Q"),
        'Line 2, column "type": unknown type "essay" (use single, multiple, true_false or short_answer).',
    ),
    (row(1, "", "Q"), 'Line 2, column "type": empty type (use single'),
    (row(1, "single", "", options=["A", "B"], correct="A"), 'Line 2, column "question": empty question.'),
    (
        row(1, "single", "Q", points="0", options=["A", "B"], correct="A"),
        'Line 2, column "points": "0" is not a number of points',
    ),
    (row(1, "single", "Q", points="1.555", options=["A", "B"], correct="A"), 'Line 2, column "points": "1.555" is not'),
    (row(1, "single", "Q", points="lots", options=["A", "B"], correct="A"), 'Line 2, column "points": "lots" is not'),
    (
        row(1, "single", "Q", competency="WELD-1", options=["A", "B"], correct="A"),
        'Line 2, column "competency": there is no competency "WELD-1" (did you mean "WELD-01"?).',
    ),
    (row(1, "single", "Q", competency="XYZ", options=["A", "B"], correct="A"), 'there is no competency "XYZ".'),
    (
        row(1, "multiple", "Q", partial="maybe", options=["A", "B"], correct="A"),
        'Line 2, column "partial_credit": "maybe" is neither yes nor no.',
    ),
    (
        row(1, "single", "Q", options=["A", "", "C"], correct="A"),
        'Line 2, column "option_c": option_b is empty, so option_c cannot be used',
    ),
    (
        row(1, "single", "Q", options=["A", "x" * 501], correct="A"),
        'Line 2, column "option_b": option longer than 500 characters.',
    ),
    (row(1, "single", "Q", options=["A", "B"], correct="Z"), 'Line 2, column "correct": "Z" is not an option letter'),
    (
        row(1, "single", "Q", options=["A", "B"], correct="C"),
        'Line 2, column "correct": option C is marked correct but is empty.',
    ),
    (
        row(1, "true_false", "Q", correct="perhaps"),
        'Line 2, column "correct": "perhaps": a true-or-false answer is true or false.',
    ),
    (
        row(1, "short_answer", "Q", correct="A", answers="x"),
        'Line 2, column "correct": a short-answer question has no correct options',
    ),
]


@pytest.mark.parametrize(("bad", "message"), ROW_ERRORS, ids=[m[:48] for _, m in ROW_ERRORS])
def test_each_row_error_is_named_and_nothing_is_imported(client, cast, ptw, draft, bad, message):
    CompetencyFactory(code="WELD-01")
    QuestionFactory(assessment=draft, number=1, text="Kept as it is")
    before = bank(draft)
    good = row(2, "true_false", "Fine", correct="true")
    client.force_login(cast.hc)
    response = preview(client, draft, csv_bytes([bad, good]))
    page = text_of(response)
    assert "bank.csv has 1 error, so nothing was imported." in page, page[page.find("errornote") :][:600]
    assert message in page
    assert 'value="Confirm the import"' not in page
    assert bank(draft) == before
    # Nothing waits to be confirmed either.
    assert client.post(import_url(draft), {"fingerprint": "anything"}).status_code == 302
    assert bank(draft) == before


def test_duplicate_numbers_unknown_and_missing_columns_are_errors(client, cast, draft):
    client.force_login(cast.hc)
    rows = [row(1, "true_false", "One", correct="true"), row(1, "true_false", "Again", correct="false")]
    page = text_of(preview(client, draft, csv_bytes(rows)))
    assert 'Line 3, column "number": question number 1 is also on line 2.' in page

    page = text_of(
        preview(
            client, draft, csv_bytes([[1, "true_false", "Q", "x"]], header=["number", "type", "question", "option_i"])
        )
    )
    assert 'Line 1, column D: unknown column "option_i"' in page

    page = text_of(preview(client, draft, csv_bytes([[1, "Q"]], header=["number", "question"])))
    assert 'Line 1: missing required column "type".' in page
    assert not draft.questions.exists()


def test_types_may_be_named_by_their_labels(client, cast, draft):
    client.force_login(cast.hc)
    rows = [
        row(1, "Single choice", "Q1", options=["A", "B"], correct="b"),
        row(2, "True or false", "Q2", correct="TRUE"),
        row(3, "short answer", "Q3", answers="x"),
        row(4, "Multiple choice", "Q4", options=["A", "B"], correct="a, b"),
    ]
    confirm(client, draft, preview(client, draft, csv_bytes(rows)))
    assert [(q.number, q.kind) for q in draft.questions.all()] == [
        (1, "single"),
        (2, "true_false"),
        (3, "short_answer"),
        (4, "multiple"),
    ]
    assert list(draft.questions.get(number=4).options.values_list("is_correct", flat=True)) == [True, True]


def test_an_xlsx_file_with_a_formula_is_refused(client, cast, draft):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(row(1, "true_false", "=1+1", correct="true"))
    out = io.BytesIO()
    book.save(out)
    client.force_login(cast.hc)
    page = text_of(preview(client, draft, out.getvalue(), "bank.xlsx"))
    assert 'Line 2, column "question" (cell C2): a formula' in page
    assert not draft.questions.exists()


# Published assessments stay ready to take


def test_importing_into_a_published_assessment_refuses_a_bank_that_is_not_ready(client, cast):
    assessment = published_assessment(questions=3, questions_per_attempt=3)
    before = bank(assessment)
    rows = [
        row(1, "single", "No right answer", options=["A", "B"]),
        row(2, "true_false", "Fine", correct="true"),
    ]
    client.force_login(cast.hc)
    page = text_of(preview(client, assessment, csv_bytes(rows)))
    assert "is published and must stay ready to take: unpublish it first, or correct the file." in page
    assert 'Line 2, column "correct": A single-choice question needs exactly one correct option (it has 0).' in page
    assert "It draws 3 questions per attempt, but its bank has only 2 questions." in page
    assert bank(assessment) == before

    # A file that keeps it ready is imported.
    rows[0] = row(1, "single", "One right answer", options=["A", "B"], correct="A")
    rows.append(row(3, "short_answer", "Third", answers="x"))
    response = preview(client, assessment, csv_bytes(rows))
    assert "Changed questions" in text_of(response)
    confirm(client, assessment, response)
    assert assessment.questions.get(number=1).text == "One right answer"
    assert assessment_publish_problems(assessment) == []


def test_an_unpublished_bank_may_be_imported_as_a_draft_and_says_what_is_missing(client, cast, draft):
    client.force_login(cast.hc)
    response = preview(client, draft, csv_bytes([row(1, "single", "Unfinished", options=["A"])]))
    page = text_of(response)
    assert "Not ready to publish (2)" in page
    assert "Question 1: A choice question needs at least two options (it has 1)." in page
    confirm(client, draft, response)
    assert draft.questions.get().options.count() == 1


def test_a_confirmation_whose_plan_changed_meanwhile_shows_the_new_preview(client, cast, draft):
    client.force_login(cast.hc)
    response = preview(client, draft, csv_bytes([row(1, "true_false", "Q", correct="true")]))
    QuestionFactory(assessment=draft, number=1, kind=QuestionKind.TRUE_FALSE, true_false_answer=True, text="Other")
    response = confirm(client, draft, response)
    assert "different now from what you previewed" in text_of(response)
    assert draft.questions.get().text == "Other"
    confirm(client, draft, response)
    assert draft.questions.get().text == "Q"


# Who may import and export


def test_import_and_export_are_refused_to_everyone_but_hc(client, cast, draft):
    QuestionFactory(assessment=draft, number=1)
    content = csv_bytes([row(2, "true_false", "Q", correct="true")])
    for person in (cast.employee, cast.supervisor):
        client.force_login(person)
        assert client.get(import_url(draft)).status_code == 403
        assert client.post(import_url(draft), {"file": upload(content)}).status_code == 403
        assert client.get(export_url(draft, "csv")).status_code == 403

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    client.force_login(staff)
    assert client.get(import_url(draft)).status_code == 403
    assert client.post(import_url(draft), {"file": upload(content)}).status_code == 403
    assert client.get(export_url(draft, "csv")).status_code == 403
    page = client.get(reverse("admin:assessments_assessment_change", args=[draft.pk])).content.decode()
    assert import_url(draft) not in page
    assert [q.number for q in draft.questions.all()] == [1]

    client.force_login(cast.hc)
    assert client.get(import_url(draft)).status_code == 200
    assert (
        client.get(reverse("admin:assessments_assessment_import_questions", args=[draft.pk + 999])).status_code == 404
    )
    assert client.get(export_url(draft, "ods")).status_code == 404


def test_the_import_page_documents_the_columns(client, cast, draft):
    client.force_login(cast.hc)
    page = text_of(client.get(import_url(draft)))
    for column in ("number", "type", "question", "points", "competency", "partial_credit", "option_a … option_h"):
        assert f"<code>{column}</code>" in page
    assert "separated by “|”" in page
    assert "A .csv or .xlsx file of at most" in page


# The rules themselves


def test_question_problems_judge_unsaved_options_too(draft):
    question = Question(assessment=draft, number=1, kind=QuestionKind.SINGLE, text="Q")
    assert question_problems(question) == [
        "A choice question needs at least two options (it has 0).",
        "A single-choice question needs exactly one correct option (it has 0).",
    ]
    options = [AnswerOption(text="A", is_correct=True), AnswerOption(text="B")]
    assert question_problems(question, options=options) == []


def test_the_plan_is_built_in_a_fixed_number_of_queries(django_assert_num_queries, ptw, draft):
    for number in range(1, 21):
        QuestionFactory(assessment=draft, number=number)
    content = csv_bytes([row(n, "single", f"Q{n}", options=["A", "B"], correct="A") for n in range(1, 41)])
    # 1 competencies (codes for the tags), 2 the current bank, 3 its options.
    with django_assert_num_queries(3):
        plan = question_bank_import_plan(assessment=draft, content=content, fmt="csv")
    assert len(plan.numbers_to_create) == 20 and len(plan.changes) == 20


def test_a_published_assessment_whose_window_has_closed_still_takes_a_corrected_bank(client, cast):
    assessment = published_assessment(
        questions=1, opens_at=timezone.now() - timedelta(days=10), closes_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(cast.hc)
    response = preview(client, assessment, csv_bytes([row(1, "true_false", "Corrected", correct="true")]))
    assert "Changed questions (1)" in text_of(response)
    confirm(client, assessment, response)
    assert assessment.questions.get().text == "Corrected"
