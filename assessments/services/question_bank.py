"""Question banks: what a question and an assessment need before they can be published, and
the bank's round trip through CSV / XLSX, one row per question.

The rules about a question live in `question_problems` only: the admin (publishing, editing
a published assessment's questions) and the import ask it, so a bank that imports is a bank
that publishes.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments.models import CHOICE_KINDS, AnswerOption, Assessment, Question, QuestionKind
from competencies.models import Competency
from competencies.spreadsheets import parse_level
from hrportal.spreadsheets import (
    ErrorList,
    ImportFileError,
    ImportPlan,
    NameLookup,
    PlanSection,
    Table,
    build_dataset,
    cell_place,
    cell_text,
    column_letter,
    header_key,
    read_table,
    shorten,
    text_max_length,
)

OPTION_LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(OPTION_LETTERS)
OPTION_COLUMNS = tuple(f"option_{letter.lower()}" for letter in OPTION_LETTERS)
REQUIRED_COLUMNS = ("number", "type", "question")
OPTIONAL_COLUMNS = (
    "points",
    "competency",
    "partial_credit",
    *OPTION_COLUMNS,
    "correct",
    "accepted_answers",
    "explanation",
)
# The columns are machine-facing keys, the same in every language: the import finds them by name.
QUESTION_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
ANSWER_SEPARATOR = "|"
# The largest question number the bank stores (a PositiveSmallIntegerField).
MAX_NUMBER = 32767
MAX_POINTS = Decimal("999.99")


# What a question needs


@dataclass(frozen=True)
class Problem:
    """Something that keeps a question from being published; `part` says which part of the
    question it is about ("options", "correct", "accepted_answers", "partial_credit")."""

    part: str
    message: str


def _question_problems(question: Question, options: Sequence[AnswerOption]) -> list[Problem]:
    kind, count = question.kind, len(options)
    correct = sum(1 for option in options if option.is_correct)
    problems: list[Problem] = []
    if kind in CHOICE_KINDS:
        if count < 2:
            problems.append(
                Problem(
                    "options",
                    ngettext(
                        "A choice question needs at least two options (it has %(count)s).",
                        "A choice question needs at least two options (it has %(count)s).",
                        count,
                    )
                    % {"count": count},
                )
            )
        if kind == QuestionKind.SINGLE and correct != 1:
            problems.append(
                Problem(
                    "correct",
                    ngettext(
                        "A single-choice question needs exactly one correct option (it has %(count)s).",
                        "A single-choice question needs exactly one correct option (it has %(count)s).",
                        correct,
                    )
                    % {"count": correct},
                )
            )
        if kind == QuestionKind.MULTIPLE and correct < 1:
            problems.append(Problem("correct", _("A multiple-choice question needs at least one correct option.")))
    elif kind == QuestionKind.TRUE_FALSE:
        if question.true_false_answer is None:
            problems.append(
                Problem("correct", _("A true-or-false question needs its answer: say whether the statement is true."))
            )
        if count:
            problems.append(Problem("options", _("A true-or-false question has no answer options: remove them.")))
    elif kind == QuestionKind.SHORT_ANSWER:
        if not question.accepted_answer_list:
            problems.append(
                Problem("accepted_answers", _("A short-answer question needs at least one accepted answer."))
            )
        if count:
            problems.append(Problem("options", _("A short-answer question has no answer options: remove them.")))
    if question.partial_credit and kind != QuestionKind.MULTIPLE:
        problems.append(Problem("partial_credit", _("Partial credit is for multiple-choice questions only.")))
    return problems


def question_problems(question: Question, *, options: Sequence[AnswerOption] | None = None) -> list[str]:
    """Why `question` could not be published, as messages; [] when it is ready.

    `options`: the answer options to judge it with (unsaved ones, from a form or a file);
    by default the question's own (`question.options.all()`, so a prefetch is used).
    """
    if options is None:
        options = list(question.options.all()) if question.pk else []
    return [problem.message for problem in _question_problems(question, options)]


def _bank_problems(
    assessment: Assessment,
    bank: Sequence[tuple[Question, Sequence[AnswerOption]]],
    *,
    each_question: bool = True,
    check_window: bool = True,
) -> list[str]:
    """The publish problems of `assessment` with `bank`; `each_question=False` leaves out the
    questions' own problems (an import reports those by line), `check_window=False` a window
    that has closed."""
    problems: list[str] = []
    if not bank:
        problems.append(_("It has no questions: add some, or import a question bank."))
    if each_question:
        problems += [
            _("Question %(number)s: %(problem)s") % {"number": question.number, "problem": problem.message}
            for question, options in bank
            for problem in _question_problems(question, options)
        ]
    draw = assessment.questions_per_attempt
    if bank and draw and assessment.draw_per_competency:
        tags = Counter(question.competency.code if question.competency else None for question, _ in bank)
        for code, count in sorted(tags.items(), key=lambda item: item[0] or ""):
            if count >= draw:
                continue
            if code is None:
                message = ngettext(
                    "It draws %(draw)s questions per competency tag, but only %(count)s question is untagged.",
                    "It draws %(draw)s questions per competency tag, but only %(count)s questions are untagged.",
                    count,
                )
            else:
                message = ngettext(
                    "It draws %(draw)s questions per competency tag, but %(code)s tags only %(count)s question.",
                    "It draws %(draw)s questions per competency tag, but %(code)s tags only %(count)s questions.",
                    count,
                )
            problems.append(message % {"draw": draw, "code": code, "count": count})
    elif bank and draw and draw > len(bank):
        problems.append(
            ngettext(
                "It draws %(draw)s questions per attempt, but its bank has only %(count)s question.",
                "It draws %(draw)s questions per attempt, but its bank has only %(count)s questions.",
                len(bank),
            )
            % {"draw": draw, "count": len(bank)}
        )
    if check_window and assessment.closes_at is not None and assessment.closes_at <= timezone.now():
        problems.append(
            _("Its window closed on %(date)s: move the closing time or clear it.")
            % {"date": formats.date_format(timezone.localtime(assessment.closes_at), "DATETIME_FORMAT")}
        )
    return problems


def assessment_publish_problems(assessment: Assessment, *, check_window: bool = True) -> list[str]:
    """Why `assessment` could not be published with its current bank, as messages; [] when it can.

    Judges the assessment's settings as they are on the instance (which may be unsaved
    changes from a form) against its saved questions. Two queries. `check_window=False`:
    a window that has closed is no problem (an assessment published earlier, whose window
    has since closed, may still be edited).
    """
    if assessment.pk is None:
        bank: list[tuple[Question, Sequence[AnswerOption]]] = []
    else:
        questions = Question.objects.filter(assessment_id=assessment.pk).select_related("competency")
        bank = [(question, list(question.options.all())) for question in questions.prefetch_related("options")]
    return _bank_problems(assessment, bank, check_window=check_window)


# Export


def _points_cell(points: Decimal) -> Decimal:
    # 2.50 → 2.5 and 10.00 → 10 (not 1E+1): what a person would type.
    return Decimal(f"{points.normalize():f}")


def _question_row(question: Question, options: Sequence[AnswerOption]) -> list[Any]:
    texts = [option.text for option in options[:MAX_OPTIONS]]
    if question.kind == QuestionKind.TRUE_FALSE:
        correct = {True: "true", False: "false", None: ""}[question.true_false_answer]
    else:
        correct = ",".join(OPTION_LETTERS[i] for i, option in enumerate(options[:MAX_OPTIONS]) if option.is_correct)
    return [
        question.number,
        question.kind,
        question.text,
        _points_cell(question.points),
        question.competency.code if question.competency else "",
        "yes" if question.partial_credit else "no",
        *texts,
        *([""] * (MAX_OPTIONS - len(texts))),
        correct,
        ANSWER_SEPARATOR.join(question.accepted_answer_list),
        question.explanation,
    ]


def question_bank_dataset(assessment: Assessment) -> tablib.Dataset:
    """The bank of `assessment`, one row per question by number, in the import's columns."""
    questions = assessment.questions.select_related("competency").prefetch_related("options").order_by("number")
    rows = (_question_row(question, list(question.options.all())) for question in questions)
    return build_dataset(QUESTION_COLUMNS, rows, title=_("Questions"))


def question_bank_filename(assessment: Assessment) -> str:
    """A download's name without date or extension: "questions-gsh-basic"."""
    slug = re.sub(r"[^a-z0-9]+", "-", assessment.title.lower()).strip("-")[:60]
    return f"questions-{slug or assessment.pk}"


# Reading a bank


@dataclass(frozen=True)
class QuestionRow:
    """One question as the file states it."""

    line: int
    number: int
    kind: str
    text: str
    points: Decimal
    competency: str  # the competency's code as stored, "" for none
    partial_credit: bool
    options: tuple[tuple[str, bool], ...]  # (text, correct) in order A, B, …
    true_false_answer: bool | None
    accepted_answers: tuple[str, ...]
    explanation: str

    def as_question(self, assessment: Assessment, competency: Competency | None) -> Question:
        """An unsaved Question with this row's values."""
        return Question(
            assessment=assessment,
            number=self.number,
            kind=self.kind,
            text=self.text,
            points=self.points,
            competency=competency,
            partial_credit=self.partial_credit,
            true_false_answer=self.true_false_answer,
            accepted_answers="\n".join(self.accepted_answers),
            explanation=self.explanation,
        )

    def as_options(self) -> list[AnswerOption]:
        return [
            AnswerOption(order=order, text=text, is_correct=correct)
            for order, (text, correct) in enumerate(self.options)
        ]


def _normal(value: str) -> str:
    return "_".join(value.lower().replace("/", " ").replace("-", " ").split())


def _kind_names() -> dict[str, str]:
    """Every way a file may name a type, normalised: the stored value, the English and the
    current language's label ("True or false"), "single choice"."""
    names: dict[str, str] = {}
    for kind in QuestionKind:
        names[_normal(kind.value)] = kind.value
        names[_normal(str(kind.label))] = kind.value
        with translation.override("en"):
            names[_normal(str(kind.label))] = kind.value
    names.update({"single_choice": QuestionKind.SINGLE, "multiple_choice": QuestionKind.MULTIPLE})
    return names


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


def _parse_flag(value: Any) -> bool | None:
    """True, False, or None when `value` is neither a yes nor a no (in English or the current language)."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).strip().lower()
    if text in _YES or text in (_("yes"), _("true")):
        return True
    if text in _NO or text in (_("no"), _("false")):
        return False
    return None


def _parse_points(value: Any) -> Decimal | None:
    if value == "":
        return Decimal(1)
    if isinstance(value, bool):
        return None
    try:
        points = Decimal(cell_text(value).strip())
    except InvalidOperation:
        return None
    if not points.is_finite() or points <= 0 or points > MAX_POINTS or points != points.quantize(Decimal("0.01")):
        return None
    return points.quantize(Decimal("0.01"))


class _RowReader:
    """Reads the rows of one file, collecting every error with its line and column."""

    def __init__(self, table: Table, competencies: dict[str, Competency]) -> None:
        self.table = table
        self.columns = table.fixed_columns(REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
        self.competencies = competencies
        self.codes = NameLookup(competencies)
        self.kinds = _kind_names()
        self.errors = ErrorList()
        self.option_max = text_max_length(AnswerOption, "text")

    def place(self, line: int, key: str) -> str:
        if key not in self.columns:
            return _("Line %(line)s") % {"line": line}
        index = self.columns[key]
        return cell_place(line, index, self.table.headers[index])

    def error(self, line: int, key: str, message: str, **values: Any) -> None:
        self.errors.append(_("%(place)s: %(problem)s") % {"place": self.place(line, key), "problem": message % values})

    def check_headers(self) -> None:
        known = set(QUESTION_COLUMNS)
        for index, header in enumerate(self.table.headers):
            if header == "":
                if any(row[index] != "" for _line, row in self.table.lines()):
                    self.errors.append(
                        _("Line 1, column %(column)s: a value but no column header.") % {"column": column_letter(index)}
                    )
            elif header_key(header) not in known:
                self.errors.append(
                    _('Line 1, column %(column)s: unknown column "%(header)s" (the columns are %(columns)s).')
                    % {
                        "column": column_letter(index),
                        "header": shorten(header, 40),
                        "columns": ", ".join(QUESTION_COLUMNS),
                    }
                )

    def rows(self) -> list[QuestionRow]:
        self.check_headers()
        rows: list[QuestionRow] = []
        first_line_of: dict[int, int] = {}
        for line, cells in self.table.lines():
            before = self.errors.total
            row = self.read(line, cells)
            if row is None:
                continue
            if row.number in first_line_of:
                self.error(
                    line,
                    "number",
                    _("question number %(number)s is also on line %(first)s."),
                    number=row.number,
                    first=first_line_of[row.number],
                )
            else:
                first_line_of[row.number] = line
            if self.errors.total == before:
                rows.append(row)
            if self.errors.is_full:
                break
        return rows

    def value(self, cells: list, key: str) -> Any:
        return cells[self.columns[key]] if key in self.columns else ""

    def text(self, cells: list, key: str) -> str:
        return cell_text(self.value(cells, key))

    def read(self, line: int, cells: list) -> QuestionRow | None:
        before = self.errors.total
        raw_number = self.value(cells, "number")
        number = parse_level(raw_number, low=1, high=MAX_NUMBER)
        if number is None:
            if raw_number == "":
                self.error(line, "number", _("empty question number."))
            else:
                self.error(
                    line,
                    "number",
                    _('"%(value)s" is not a question number (use a whole number from 1 to %(max)s).'),
                    value=shorten(cell_text(raw_number), 40),
                    max=MAX_NUMBER,
                )
        raw_kind = self.text(cells, "type")
        kind = self.kinds.get(_normal(raw_kind))
        if kind is None:
            message = _("empty type") if raw_kind == "" else _('unknown type "%(value)s"')
            self.error(
                line,
                "type",
                message + " " + _("(use single, multiple, true_false or short_answer)."),
                value=shorten(raw_kind, 40),
            )
        text = self.text(cells, "question")
        if text == "":
            self.error(line, "question", _("empty question."))
        points = _parse_points(self.value(cells, "points"))
        if points is None:
            self.error(
                line,
                "points",
                _(
                    '"%(value)s" is not a number of points '
                    "(use a number above 0, at most %(max)s, with at most two decimals)."
                ),
                value=shorten(self.text(cells, "points"), 40),
                max=MAX_POINTS,
            )
        code = self.competency(line, self.text(cells, "competency"))
        partial_credit = _parse_flag(self.value(cells, "partial_credit"))
        if partial_credit is None:
            self.error(
                line,
                "partial_credit",
                _('"%(value)s" is neither yes nor no.'),
                value=shorten(self.text(cells, "partial_credit"), 40),
            )
        texts = self.options(line, cells)
        correct_letters, true_false_answer = self.correct(line, cells, kind, texts)
        answers = tuple(
            answer.strip()
            for part in self.text(cells, "accepted_answers").split(ANSWER_SEPARATOR)
            for answer in part.splitlines()
            if answer.strip()
        )
        if self.errors.total != before or number is None or kind is None or points is None:
            return None
        return QuestionRow(
            line=line,
            number=number,
            kind=kind,
            text=text,
            points=points,
            competency=code,
            partial_credit=bool(partial_credit),
            options=tuple((option, OPTION_LETTERS[i] in correct_letters) for i, option in enumerate(texts)),
            true_false_answer=true_false_answer,
            accepted_answers=answers,
            explanation=self.text(cells, "explanation"),
        )

    def competency(self, line: int, code: str) -> str:
        if code == "":
            return ""
        resolved = self.codes.resolve(code)
        if resolved in self.competencies:
            return resolved
        hint = self.codes.suggestion(code)
        if hint:
            self.error(
                line,
                "competency",
                _('there is no competency "%(code)s" (did you mean "%(suggestion)s"?).'),
                code=shorten(code, 40),
                suggestion=hint,
            )
        else:
            self.error(line, "competency", _('there is no competency "%(code)s".'), code=shorten(code, 40))
        return ""

    def options(self, line: int, cells: list) -> list[str]:
        texts: list[str] = []
        empty_key = ""
        for key in OPTION_COLUMNS:
            text = self.text(cells, key)
            if text == "":
                empty_key = empty_key or key
                continue
            if empty_key:
                self.error(
                    line,
                    key,
                    _(
                        "%(empty)s is empty, so %(column)s cannot be used: "
                        "fill the options from option_a, without gaps."
                    ),
                    empty=empty_key,
                    column=key,
                )
                continue
            if len(text) > self.option_max:
                self.error(line, key, _("option longer than %(max)s characters."), max=self.option_max)
            texts.append(text)
        return texts

    def correct(self, line: int, cells: list, kind: str | None, texts: list[str]) -> tuple[set[str], bool | None]:
        """The letters of the correct options, and a true/false question's answer."""
        raw = self.value(cells, "correct")
        value = cell_text(raw).strip()
        if kind == QuestionKind.TRUE_FALSE:
            if value == "":
                return set(), None  # question_problems says what is missing
            answer = _parse_flag(raw)
            if answer is None:
                self.error(
                    line,
                    "correct",
                    _('"%(value)s": a true-or-false answer is true or false.'),
                    value=shorten(value, 40),
                )
            return set(), answer
        if kind == QuestionKind.SHORT_ANSWER:
            if value:
                self.error(
                    line,
                    "correct",
                    _("a short-answer question has no correct options: put its answers in accepted_answers."),
                )
            return set(), None
        letters = {part.upper() for part in re.split(r"[\s,;]+", value) if part}
        for letter in sorted(letters):
            if len(letter) != 1 or letter not in OPTION_LETTERS:
                self.error(
                    line,
                    "correct",
                    _('"%(value)s" is not an option letter (use A to H, several separated by commas: "A,C").'),
                    value=shorten(letter, 20),
                )
            elif OPTION_LETTERS.index(letter) >= len(texts):
                self.error(line, "correct", _("option %(letter)s is marked correct but is empty."), letter=letter)
        return letters, None


# Planning and applying an import

_CHANGE_LABELS = {
    "kind": gettext_lazy("type"),
    "text": gettext_lazy("question"),
    "points": gettext_lazy("points"),
    "competency": gettext_lazy("competency"),
    "partial_credit": gettext_lazy("partial credit"),
    "options": gettext_lazy("options"),
    "true_false_answer": gettext_lazy("true-or-false answer"),
    "accepted_answers": gettext_lazy("accepted answers"),
    "explanation": gettext_lazy("explanation"),
}


@dataclass(frozen=True)
class QuestionChange:
    line: int
    number: int
    fields: tuple[str, ...]  # keys of _CHANGE_LABELS


@dataclass
class QuestionBankPlan(ImportPlan):
    """What importing a file would do to one assessment's bank: the file's rows replace it."""

    assessment_id: int
    rows: list[QuestionRow] = field(default_factory=list)
    numbers_to_create: list[int] = field(default_factory=list)
    changes: list[QuestionChange] = field(default_factory=list)
    # (number, text) of the questions the file no longer has.
    to_remove: list[tuple[int, str]] = field(default_factory=list)
    # An unpublished assessment may hold a bank that is not ready yet: shown, not refused.
    publish_problems: list[str] = field(default_factory=list)

    def sections(self) -> list[PlanSection]:
        by_number = {row.number: row for row in self.rows}
        return [
            PlanSection(
                _("New questions"),
                [
                    _("Question %(number)s (line %(line)s): %(text)s")
                    % {"number": n, "line": by_number[n].line, "text": shorten(by_number[n].text)}
                    for n in self.numbers_to_create
                ],
            ),
            PlanSection(
                _("Changed questions"),
                [
                    _("Question %(number)s (line %(line)s): %(fields)s")
                    % {
                        "number": c.number,
                        "line": c.line,
                        "fields": ", ".join(str(_CHANGE_LABELS[name]) for name in c.fields),
                    }
                    for c in self.changes
                ],
            ),
            PlanSection(
                _("Removed questions"),
                [
                    _("Question %(number)s: %(text)s") % {"number": n, "text": shorten(text)}
                    for n, text in self.to_remove
                ],
                note=_("Not in the file. Attempts already made keep their own copy of each question."),
            ),
            PlanSection(
                _("Not ready to publish"),
                self.publish_problems,
                is_change=False,
                note=_(
                    "The assessment is not published, so the bank may be imported as it is; "
                    "it cannot be published until these are put right."
                ),
            ),
        ]


def _same_text(stored: str, from_file: str) -> bool:
    # The reader strips cells and XLSX turns "\r\n" into "\n": neither is a change.
    def normal(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    return normal(stored) == normal(from_file)


def _changed_fields(row: QuestionRow, question: Question, options: Sequence[AnswerOption]) -> tuple[str, ...]:
    choice = row.kind in CHOICE_KINDS
    stored_options = [(option.text, option.is_correct and choice) for option in options]
    stored_answer = question.true_false_answer if question.kind == QuestionKind.TRUE_FALSE else None
    differs = {
        "kind": question.kind != row.kind,
        "text": not _same_text(question.text, row.text),
        "points": question.points != row.points,
        "competency": (question.competency.code if question.competency else "") != row.competency,
        "partial_credit": question.partial_credit != row.partial_credit,
        "options": len(stored_options) != len(row.options)
        or any(not _same_text(a, b) or x != y for (a, x), (b, y) in zip(stored_options, row.options, strict=False)),
        "true_false_answer": stored_answer != row.true_false_answer,
        "accepted_answers": tuple(question.accepted_answer_list) != row.accepted_answers,
        "explanation": not _same_text(question.explanation, row.explanation),
    }
    return tuple(name for name, changed in differs.items() if changed)


def _row_problems(reader: _RowReader, rows: Iterable[QuestionRow], assessment: Assessment) -> list[str]:
    """Each row's question problems, as errors naming the row's line and column."""
    column_of = {
        "options": "option_a",
        "correct": "correct",
        "accepted_answers": "accepted_answers",
        "partial_credit": "partial_credit",
    }
    messages = []
    for row in rows:
        question = row.as_question(assessment, reader.competencies.get(row.competency))
        for problem in _question_problems(question, row.as_options()):
            messages.append(
                _("%(place)s: %(problem)s")
                % {"place": reader.place(row.line, column_of[problem.part]), "problem": problem.message}
            )
    return messages


def question_bank_import_plan(*, assessment: Assessment, content: bytes, fmt: str) -> QuestionBankPlan:
    """What importing this file into `assessment`'s bank would change. Raises ImportFileError
    listing every error; nothing is written.

    The file states the whole bank: questions are matched by number, so a number in the file
    and the bank updates that question, a new number creates one, and a question the file does
    not have is removed (attempts keep their frozen copies). A published assessment must stay
    publishable: every problem `assessment_publish_problems` would find is then an error; an
    unpublished one takes the bank as it is and the plan lists what is not ready yet.
    """
    table = read_table(content, fmt)
    competencies = {c.code: c for c in Competency.objects.all()}
    reader = _RowReader(table, competencies)
    rows = reader.rows()
    reader.errors.raise_if_any()
    bank = [(row.as_question(assessment, competencies.get(row.competency)), row.as_options()) for row in rows]
    # A published assessment whose window has since closed still takes a corrected bank.
    problems = _bank_problems(assessment, bank, check_window=not assessment.is_published)
    if assessment.is_published and problems:
        heading = _(
            "“%(assessment)s” is published and must stay ready to take: unpublish it first, or correct the file."
        ) % {"assessment": assessment.title}
        raise ImportFileError(
            [
                heading,
                *_row_problems(reader, rows, assessment),
                *_bank_problems(assessment, bank, each_question=False, check_window=False),
            ]
        )
    current = {
        question.number: question
        for question in assessment.questions.select_related("competency").prefetch_related("options")
    }
    plan = QuestionBankPlan(assessment_id=assessment.pk, rows=rows, publish_problems=problems)
    for row in sorted(rows, key=lambda r: r.number):
        question = current.get(row.number)
        if question is None:
            plan.numbers_to_create.append(row.number)
            continue
        changed = _changed_fields(row, question, list(question.options.all()))
        if changed:
            plan.changes.append(QuestionChange(line=row.line, number=row.number, fields=changed))
    in_file = {row.number for row in rows}
    plan.to_remove = [(number, q.text) for number, q in sorted(current.items()) if number not in in_file]
    return plan


def question_bank_import_apply(*, plan: QuestionBankPlan) -> None:
    """Write `plan` in one transaction, the assessment locked: all of it or, on any failure, nothing."""
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=plan.assessment_id)
        competencies = {c.code: c for c in Competency.objects.filter(code__in={r.competency for r in plan.rows})}
        current = {question.number: question for question in assessment.questions.all()}
        if plan.to_remove:
            Question.objects.filter(assessment=assessment, number__in=[n for n, _text in plan.to_remove]).delete()
        changed = {change.number: change.fields for change in plan.changes}
        new_options: list[AnswerOption] = []
        for row in plan.rows:
            if row.number in changed:
                question = current[row.number]
                values = row.as_question(assessment, competencies.get(row.competency))
                for name in (
                    "kind",
                    "text",
                    "points",
                    "competency",
                    "partial_credit",
                    "true_false_answer",
                    "accepted_answers",
                    "explanation",
                ):
                    setattr(question, name, getattr(values, name))
                question.save()
                if "options" not in changed[row.number]:
                    continue
                question.options.all().delete()
            elif row.number in plan.numbers_to_create:
                question = row.as_question(assessment, competencies.get(row.competency))
                question.save()
            else:
                continue
            for option in row.as_options():
                option.question = question
                new_options.append(option)
        # One save() each, not bulk_create: the audit trail follows rows through their signals.
        for option in new_options:
            option.save()
