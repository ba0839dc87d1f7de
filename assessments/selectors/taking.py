"""Reads for the taker's pages: what I may take, an attempt as the taker sees it, a result."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from assessments.availability import Availability, availability
from assessments.models import (
    Assessment,
    AssessmentResult,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    QuestionKind,
    ReviewPolicy,
)
from assessments.scoring import chosen_keys, is_fully_right, sub_scores
from competencies.models import Competency, CompetencyLevelHistory, level_label
from hrportal.models import User


@dataclass(frozen=True)
class AssessmentCard:
    assessment: Assessment
    question_count: int
    availability: Availability
    finished: list[Attempt] = field(default_factory=list)  # newest first


def assessments_for_taker(*, employee: User, now: datetime | None = None) -> list[AssessmentCard]:
    """Every published assessment open to `employee`, with what they may do now. Two queries."""
    assessments = list(
        Assessment.objects.eligible_for(employee).annotate(question_count=Count("questions")).order_by("title")
    )
    attempts_by_assessment: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in (
        Attempt.objects.counted()
        .filter(employee=employee, assessment__in=[a.pk for a in assessments])
        .select_related("result")
        .order_by("-started_at")
    ):
        attempts_by_assessment[attempt.assessment_id].append(attempt)
    cards = []
    for assessment in assessments:
        attempts = attempts_by_assessment[assessment.pk]
        cards.append(
            AssessmentCard(
                assessment=assessment,
                question_count=assessment.question_count,  # type: ignore[attr-defined]
                availability=availability(assessment=assessment, attempts=attempts, eligible=True, now=now),
                finished=[a for a in attempts if a.status == AttemptStatus.FINISHED],
            )
        )
    return cards


def cards_next_change(cards: Iterable[AssessmentCard], *, now: datetime, grace: timedelta) -> datetime | None:
    """When the list of `cards` next changes by time alone: a window opens or closes, a
    cooldown ends, an open attempt runs out (past its deadline and `grace`, when the list
    finalises it). None when nothing on it waits for a moment. What a cached list is good
    until (hrportal/page_cache.py); no query."""
    moments: list[datetime] = []
    for card in cards:
        assessment, available = card.assessment, card.availability
        moments += [m for m in (assessment.opens_at, assessment.closes_at, available.available_from) if m]
        if available.open_attempt is not None:
            moments.append(available.open_attempt.deadline + grace)
    return min((moment for moment in moments if moment > now), default=None)


def questions_drawn(assessment: Assessment, bank_size: int) -> int | None:
    """How many questions one attempt has; None when it depends on the competency tags."""
    if assessment.questions_per_attempt and assessment.draw_per_competency:
        return None
    return min(assessment.questions_per_attempt or bank_size, bank_size)


@dataclass(frozen=True)
class TakerOption:
    key: str
    text: str
    chosen: bool


@dataclass(frozen=True)
class TakerQuestion:
    """A question as the taker may see it while answering: no correctness, no answer key."""

    position: int
    kind: str
    text: str
    points: Decimal
    options: list[TakerOption]
    answer_text: str

    @property
    def is_multiple(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE

    @property
    def is_short_answer(self) -> bool:
        return self.kind == QuestionKind.SHORT_ANSWER


def taker_questions(*, attempt: Attempt) -> list[TakerQuestion]:
    """The attempt's frozen questions with the taker's saved answers. One query."""
    result = []
    for question in attempt.questions.order_by("position"):
        chosen = set(chosen_keys(question.response))
        result.append(
            TakerQuestion(
                position=question.position,
                kind=question.kind,
                text=question.text,
                points=question.points,
                options=[TakerOption(o["key"], o["text"], o["key"] in chosen) for o in question.options],
                answer_text=question.response if isinstance(question.response, str) else "",
            )
        )
    return result


@dataclass(frozen=True)
class ReviewedQuestion:
    """A marked question, for a taker whose review policy shows answers."""

    position: int
    text: str
    points: Decimal
    points_awarded: Decimal
    is_right: bool
    given: list[str]
    right: list[str]
    explanation: str


@dataclass(frozen=True)
class SubScoreRow:
    competency: Competency | None
    earned: Decimal
    possible: Decimal
    percent: Decimal


@dataclass(frozen=True)
class LevelChangeRow:
    competency: Competency
    old_level: int
    new_level: int

    @property
    def old_label(self) -> str:
        return level_label(self.old_level)

    @property
    def new_label(self) -> str:
        return level_label(self.new_level)


@dataclass(frozen=True)
class AttemptOutcome:
    attempt: Attempt
    result: AssessmentResult | None
    sub_scores: list[SubScoreRow]
    level_changes: list[LevelChangeRow]
    review: list[ReviewedQuestion]
    shows_answers: bool
    shows_explanations: bool


def _answer_texts(question: AttemptQuestion, keys: list[str]) -> list[str]:
    texts = {o["key"]: o["text"] for o in question.options}
    return [texts[key] for key in keys if key in texts]


def attempt_outcome(*, attempt: Attempt) -> AttemptOutcome:
    """A finished attempt's result page: score, sub-scores, level changes, review. Three queries
    (questions, competencies of the sub-scores, the level history naming the result)."""
    policy = attempt.assessment.review_policy
    questions = list(attempt.questions.order_by("position"))
    subs = sub_scores(questions)
    competencies = Competency.objects.in_bulk([s.competency_id for s in subs if s.competency_id])
    sub_rows = sorted(
        (
            SubScoreRow(competencies.get(s.competency_id) if s.competency_id else None, s.earned, s.possible, s.percent)
            for s in subs
        ),
        key=lambda row: (row.competency is None, row.competency.code if row.competency else ""),
    )
    changes: list[LevelChangeRow] = []
    if attempt.result_id:
        history = CompetencyLevelHistory.objects.filter(
            evidence_type=ContentType.objects.get_for_model(AssessmentResult),
            evidence_id=attempt.result_id,
            employee_id=attempt.employee_id,
        ).select_related("competency")
        changes = [
            LevelChangeRow(row.competency, row.old_level or 0, row.new_level)
            for row in history.order_by("competency__code")
            if row.new_level > (row.old_level or 0)
        ]
    shows_answers = policy in (ReviewPolicy.ANSWERS, ReviewPolicy.EXPLANATIONS)
    review = []
    if shows_answers:
        for question in questions:
            if question.kind == QuestionKind.SHORT_ANSWER:
                given = [question.response] if isinstance(question.response, str) else []
                right = list(question.accepted_answers[:1])
            else:
                given = _answer_texts(question, chosen_keys(question.response))
                right = _answer_texts(question, question.correct_keys)
            review.append(
                ReviewedQuestion(
                    position=question.position,
                    text=question.text,
                    points=question.points,
                    points_awarded=question.points_awarded or Decimal(0),
                    is_right=is_fully_right(question),
                    given=given,
                    right=right,
                    explanation=question.explanation if policy == ReviewPolicy.EXPLANATIONS else "",
                )
            )
    return AttemptOutcome(
        attempt=attempt,
        result=attempt.result,
        sub_scores=sub_rows,
        level_changes=changes,
        review=review,
        shows_answers=shows_answers,
        shows_explanations=policy == ReviewPolicy.EXPLANATIONS,
    )


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int:
    return max(0, int((attempt.deadline - (now or timezone.now())).total_seconds()))
