"""Marking a frozen question and scoring an attempt: the one home of the marking rules.

- Single choice and true/false: full points for the one right option, else 0.
- Multiple choice, all or nothing: full points when exactly the right options are chosen.
- Multiple choice, partial credit: each right option chosen earns points ÷ (number of
  right options); each wrong option chosen takes one such share away; never below 0.
- Short answer: full points when the text equals an accepted answer, ignoring case and
  surrounding spaces.
An unanswered question earns 0.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assessments.models import AttemptQuestion, QuestionKind

CENT = Decimal("0.01")


def normalise_short_answer(text: str) -> str:
    return text.strip().casefold()


def chosen_keys(response: Any) -> list[str]:
    """The option keys of a stored response (a list of keys; anything else counts as none)."""
    if not isinstance(response, list):
        return []
    return [key for key in response if isinstance(key, str)]


def mark(question: AttemptQuestion) -> Decimal:
    """The points `question` earns with its stored response."""
    points = question.points
    response = question.response
    if response is None:
        return Decimal(0)
    if question.kind == QuestionKind.SHORT_ANSWER:
        if not isinstance(response, str):
            return Decimal(0)
        accepted = {normalise_short_answer(answer) for answer in question.accepted_answers}
        return points if normalise_short_answer(response) in accepted else Decimal(0)

    chosen = set(chosen_keys(response))
    correct = set(question.correct_keys)
    if question.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE):
        return points if len(chosen) == 1 and chosen == correct else Decimal(0)
    if not question.partial_credit:
        return points if chosen == correct else Decimal(0)
    if not correct:
        return Decimal(0)
    share = points / len(correct)
    earned = share * len(chosen & correct) - share * len(chosen - correct)
    return max(Decimal(0), earned).quantize(CENT, rounding=ROUND_HALF_UP)


def is_fully_right(question: AttemptQuestion) -> bool:
    return question.points_awarded is not None and question.points_awarded >= question.points


def percent(earned: Decimal, possible: Decimal) -> Decimal:
    if possible <= 0:
        return Decimal(0)
    return (earned * 100 / possible).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SubScore:
    competency_id: int | None
    earned: Decimal
    possible: Decimal

    @property
    def percent(self) -> Decimal:
        return percent(self.earned, self.possible)


def sub_scores(questions: Iterable[AttemptQuestion]) -> list[SubScore]:
    """Points earned and possible per competency tag of marked questions (untagged: None)."""
    totals: dict[int | None, tuple[Decimal, Decimal]] = {}
    for question in questions:
        earned, possible = totals.get(question.competency_id, (Decimal(0), Decimal(0)))
        totals[question.competency_id] = (earned + (question.points_awarded or 0), possible + question.points)
    return [SubScore(competency_id, earned, possible) for competency_id, (earned, possible) in totals.items()]
