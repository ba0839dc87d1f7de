"""Reads for the maturity pages and for other apps (qualification strategies use `maturity_latest().percent`).

Each selector costs one query (two for the questionnaire) and returns plain dataclasses.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch

from maturity.bands import MaturityBand, band_label
from maturity.models import MaturityAssessment, MaturityOption, MaturityQuestion


@dataclass(frozen=True)
class MaturityScore:
    """One recorded assessment, as the pages show it."""

    id: int
    answered_at: datetime
    answered_by: str  # the person's full name, or their username
    score: int
    max_score: int
    percent: Decimal  # 0–100, two places
    band: MaturityBand

    @property
    def band_label(self) -> str:
        return band_label(self.band)


def _score(assessment: MaturityAssessment) -> MaturityScore:
    person = assessment.answered_by
    return MaturityScore(
        id=assessment.pk,
        answered_at=assessment.answered_at,
        answered_by=person.get_full_name() or person.get_username(),
        score=assessment.score,
        max_score=assessment.max_score,
        percent=assessment.percent,
        band=MaturityBand(assessment.band),
    )


def _assessments():
    return MaturityAssessment.objects.select_related("answered_by").order_by("-answered_at", "-pk")


def maturity_latest() -> MaturityScore | None:
    """The most recent assessment (score, percent, band, when, by), or None before the first. One query."""
    latest = _assessments().first()
    return _score(latest) if latest else None


def maturity_history(*, limit: int | None = None) -> list[MaturityScore]:
    """Every assessment, newest first (the latest `limit` if given). One query."""
    assessments = _assessments()
    if limit is not None:
        assessments = assessments[:limit]
    return [_score(assessment) for assessment in assessments]


@dataclass(frozen=True)
class QuestionnaireOption:
    id: int
    text: str
    score: int


@dataclass(frozen=True)
class QuestionnaireQuestion:
    id: int
    area: str
    text: str
    help_text: str
    options: tuple[QuestionnaireOption, ...]


def maturity_questionnaire() -> list[QuestionnaireQuestion]:
    """The active questions in order, each with its options in order, in the reader's language. Two queries."""
    questions = MaturityQuestion.objects.filter(is_active=True).prefetch_related(
        Prefetch("options", queryset=MaturityOption.objects.order_by("order", "pk"))
    )
    return [
        QuestionnaireQuestion(
            id=question.pk,
            area=question.area or "",
            text=question.text,
            help_text=question.help_text or "",
            options=tuple(
                QuestionnaireOption(id=option.pk, text=option.text, score=option.score)
                for option in question.options.all()
            ),
        )
        for question in questions.order_by("order", "pk")
    ]
