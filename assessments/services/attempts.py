"""Taking an assessment online: start (questions frozen), save answers, finalise exactly once.

Deadlines are the server's: an attempt ends at its start plus the time limit, or when the
window closes if that is earlier. An answer that arrives later than ASSESSMENT_GRACE_SECONDS
after the deadline is refused. A finished attempt is scored here and, unless it is HC's
preview, recorded through result_record in the same transaction, so levels rise at once.
"""

import random
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.availability import Availability, Refusal, availability
from assessments.models import (
    Assessment,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    FinishReason,
    Question,
    QuestionKind,
)
from assessments.scoring import mark, percent
from assessments.services.results import result_passes, result_record
from hrportal.models import User
from hrportal.page_cache import bump_people

MAX_SHORT_ANSWER_LENGTH = 500
_random = random.SystemRandom()


class AttemptRefused(PermissionDenied):
    """The employee may not start this assessment now; `availability` says why."""

    def __init__(self, availability: Availability):
        super().__init__(availability.message)
        self.availability = availability


class AttemptClosed(Exception):
    """The attempt is already finished (submitted, or its time ran out): nothing was saved."""


def grace() -> timedelta:
    return timedelta(seconds=settings.ASSESSMENT_GRACE_SECONDS)


def is_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    """Open, and past its deadline by more than the grace allowed for latency."""
    return attempt.is_open and (now or timezone.now()) > attempt.deadline + grace()


def counted_attempts(*, employee: User, assessment: Assessment) -> list[Attempt]:
    return list(Attempt.objects.counted().filter(employee=employee, assessment=assessment).select_related("result"))


def employee_availability(*, employee: User, assessment: Assessment, now: datetime | None = None) -> Availability:
    return availability(
        assessment=assessment,
        attempts=counted_attempts(employee=employee, assessment=assessment),
        eligible=Assessment.objects.eligible_for(employee).filter(pk=assessment.pk).exists(),
        now=now,
    )


def _draw(assessment: Assessment) -> list[Question]:
    """The questions of one attempt, in the order the taker sees them."""
    bank = list(assessment.questions.prefetch_related("options").order_by("number"))
    wanted = assessment.questions_per_attempt
    if wanted:
        if assessment.draw_per_competency:
            by_tag: dict[int | None, list[Question]] = defaultdict(list)
            for question in bank:
                by_tag[question.competency_id].append(question)
            drawn = [q for group in by_tag.values() for q in _random.sample(group, min(wanted, len(group)))]
        else:
            drawn = _random.sample(bank, min(wanted, len(bank)))
        drawn.sort(key=lambda q: q.number)
    else:
        drawn = bank
    if assessment.shuffle_questions:
        _random.shuffle(drawn)
    return drawn


def _new_key(taken: set[str]) -> str:
    while True:
        key = secrets.token_urlsafe(6)
        if key not in taken:
            taken.add(key)
            return key


def _freeze(attempt: Attempt, position: int, question: Question, shuffle_options: bool) -> AttemptQuestion:
    """A copy of `question` for this attempt, with fresh random option keys."""
    keys: set[str] = set()
    options: list[dict[str, str]] = []
    correct: list[str] = []
    if question.kind == QuestionKind.TRUE_FALSE:
        for text, value in ((_("True"), True), (_("False"), False)):
            key = _new_key(keys)
            options.append({"key": key, "text": text})
            if question.true_false_answer is value:
                correct.append(key)
    elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        bank_options = list(question.options.all())
        if shuffle_options:
            _random.shuffle(bank_options)
        for option in bank_options:
            key = _new_key(keys)
            options.append({"key": key, "text": option.text})
            if option.is_correct:
                correct.append(key)
    return AttemptQuestion(
        attempt=attempt,
        position=position,
        question=question,
        kind=question.kind,
        text=question.text,
        points=question.points,
        partial_credit=question.partial_credit and question.kind == QuestionKind.MULTIPLE,
        explanation=question.explanation,
        competency_id=question.competency_id,
        options=options,
        correct_keys=correct,
        accepted_answers=question.accepted_answer_list if question.kind == QuestionKind.SHORT_ANSWER else [],
    )


def _open_attempt(*, employee: User, assessment: Assessment, preview: bool) -> Attempt | None:
    return Attempt.objects.open().filter(employee=employee, assessment=assessment, is_preview=preview).first()


def attempt_start(*, assessment: Assessment, by: User, preview: bool = False) -> Attempt:
    """Start (or resume) `by`'s attempt at `assessment`; always for `by` themselves.

    An open attempt is resumed (a second tab, a double click); an overdue one is finalised
    first. A preview is HC's own try of an assessment, published or not: scored, never
    recorded, never counted. Raises AttemptRefused with the reason otherwise.
    """
    if preview and not by.is_hc:
        raise PermissionDenied(_("Only HC staff preview assessments."))
    existing = _open_attempt(employee=by, assessment=assessment, preview=preview)
    if existing is not None:
        if not is_overdue(existing):
            return existing
        attempt_finalise(attempt=existing, reason=FinishReason.TIME_UP)
    if not preview:
        available = employee_availability(employee=by, assessment=assessment)
        if not available.can_start:
            raise AttemptRefused(available)
    drawn = _draw(assessment)
    if not drawn:
        raise AttemptRefused(Availability(Refusal.NO_QUESTIONS, _("This assessment has no questions yet."), 0, None))
    now = timezone.now()
    deadline = now + timedelta(minutes=assessment.time_limit_minutes)
    if assessment.closes_at and not preview:
        deadline = min(deadline, assessment.closes_at)
    try:
        with transaction.atomic():
            if not preview:
                bump_people([by.pk])  # their assessments list and pages (hrportal/page_cache.py)
            attempt = Attempt.objects.create(
                assessment=assessment, employee=by, is_preview=preview, started_at=now, deadline=deadline
            )
            AttemptQuestion.objects.bulk_create(
                [
                    _freeze(attempt, position, question, assessment.shuffle_options)
                    for position, question in enumerate(drawn, start=1)
                ]
            )
    except IntegrityError:
        # Another request started it a moment ago (the one-open-attempt constraint): resume that one.
        raced = _open_attempt(employee=by, assessment=assessment, preview=preview)
        if raced is None:
            raise
        return raced
    return attempt


def clean_response(question: AttemptQuestion, values: list[str]) -> Any:
    """The stored form of what the taker sent for `question`; None when they cleared it."""
    if question.kind == QuestionKind.SHORT_ANSWER:
        text = values[0].strip() if values else ""
        if len(text) > MAX_SHORT_ANSWER_LENGTH:
            raise ValidationError(
                _("An answer may be at most %(count)d characters long.") % {"count": MAX_SHORT_ANSWER_LENGTH}
            )
        return text or None
    known = {option["key"] for option in question.options}
    chosen = list(dict.fromkeys(value for value in values if value))
    unknown = [value for value in chosen if value not in known]
    if unknown:
        raise ValidationError(_("That answer is not one of this question's options."))
    if question.kind != QuestionKind.MULTIPLE and len(chosen) > 1:
        raise ValidationError(_("Choose one answer."))
    return chosen or None


def attempt_answers_save(*, attempt_id: int, by: User, answers: dict[int, list[str]]) -> int:
    """Save the taker's answers {question position: submitted values} to attempt `attempt_id`;
    returns how many changed.

    Refused with PermissionDenied unless `by` takes that attempt (an id that is nobody's alike),
    and with AttemptClosed once the attempt is finished or past its deadline and grace; a late
    answer counts for nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        # Whose it is and whether it still takes answers, read under the lock in one query: the
        # autosave view reads the attempt no other way (it posts every few seconds).
        try:
            locked = (
                Attempt.objects.select_for_update().only("status", "deadline").get(pk=attempt_id, employee_id=by.pk)
            )
        except Attempt.DoesNotExist:
            raise PermissionDenied(_("Only the person taking an attempt answers it.")) from None
        if not locked.is_open or now > locked.deadline + grace():
            raise AttemptClosed
        # Unordered: the Meta ordering ("attempt", "position") would join the attempt to sort by
        # its own ordering, for rows of one attempt that are looked up by position anyway.
        posted = AttemptQuestion.objects.filter(attempt_id=attempt_id, position__in=list(answers)).order_by()
        questions = {q.position: q for q in posted}
        unknown = set(answers) - set(questions)
        if unknown:
            raise ValidationError(_("This attempt has no question %(number)s.") % {"number": min(unknown)})
        changed = []
        for position, values in answers.items():
            question = questions[position]
            response = clean_response(question, values)
            if response != question.response:
                question.response = response
                question.answered_at = now
                changed.append(question)
        if len(changed) == 1:  # an autosave's usual case: a plain UPDATE, not bulk_update's CASE per column
            AttemptQuestion.objects.filter(pk=changed[0].pk).update(response=changed[0].response, answered_at=now)
        else:
            AttemptQuestion.objects.bulk_update(changed, ["response", "answered_at"])
    return len(changed)


def attempt_finalise(*, attempt: Attempt, reason: str) -> Attempt:
    """Score `attempt` and record its result, exactly once.

    Safe to call from a double click, two tabs, a replayed POST and the overdue command at
    once: the attempt row is locked and a finished attempt is returned as it is.
    """
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("assessment", "employee").get(pk=attempt.pk)
        if not locked.is_open:
            return locked
        now = timezone.now()
        if now > locked.deadline + grace():
            reason = FinishReason.TIME_UP
        questions = list(locked.questions.all())
        earned = Decimal(0)
        possible = Decimal(0)
        for question in questions:
            question.points_awarded = mark(question)
            earned += question.points_awarded
            possible += question.points
        AttemptQuestion.objects.bulk_update(questions, ["points_awarded"])
        locked.status = AttemptStatus.FINISHED
        locked.finish_reason = reason
        locked.finished_at = min(now, locked.deadline)
        locked.points_earned = earned
        locked.points_possible = possible
        locked.score = percent(earned, possible)
        locked.passed = result_passes(assessment=locked.assessment, score=locked.score)
        if not locked.is_preview:
            recorded = result_record(
                employee=locked.employee,
                assessment=locked.assessment,
                score=locked.score,
                completed_at=locked.finished_at,
                recorded_by=None,
            )
            locked.result = recorded.result
        locked.save()
    return locked


def attempts_finalise_overdue(*, now: datetime | None = None, employee: User | None = None) -> int:
    """Finalise every attempt past its deadline and grace (one employee's, or everyone's)."""
    cutoff = (now or timezone.now()) - grace()
    overdue = Attempt.objects.open().filter(deadline__lt=cutoff)
    if employee is not None:
        overdue = overdue.filter(employee=employee)
    count = 0
    for attempt in overdue.only("pk").iterator():
        finished = attempt_finalise(attempt=attempt, reason=FinishReason.TIME_UP)
        count += finished.finish_reason == FinishReason.TIME_UP
    return count
