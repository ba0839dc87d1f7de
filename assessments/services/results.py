"""Recording assessment results: the one path by which results raise levels."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from assessments.models import Assessment, AssessmentResult, CompetencyMapping
from competencies.models import Competency, LevelSource
from competencies.services import LevelChange, level_raise, level_renew, lock_employee_levels, notify_level_changes
from hrportal.models import User


@dataclass(frozen=True)
class RecordedResult:
    result: AssessmentResult
    created: bool
    level_changes: list[LevelChange] = field(default_factory=list)


# The one reaction that points up the app order: idp closes the items that name a passed
# assessment. idp registers it at start-up (idp.apps); it runs inside result_record's
# transaction, so a pass and the items it closes are written together or not at all.
ResultListener = Callable[[AssessmentResult], None]
_result_listeners: list[ResultListener] = []


def on_result_recorded(listener: ResultListener) -> None:
    """Call `listener(result)` for every newly recorded result, in its transaction."""
    if listener not in _result_listeners:
        _result_listeners.append(listener)


# The same reaction for a bulk import (assessments.results_import), which records thousands
# of results in one transaction: the listener gets them all at once, in completion order,
# so it can react set-based. An app that registers on_result_recorded registers this too.
ResultsListener = Callable[[list[AssessmentResult]], None]
_results_listeners: list[ResultsListener] = []


def on_results_recorded(listener: ResultsListener) -> None:
    """Call `listener(results)` with the results each bulk import records, in its transaction."""
    if listener not in _results_listeners:
        _results_listeners.append(listener)


def results_listeners() -> list[ResultsListener]:
    return list(_results_listeners)


# A completion time a little ahead of the server's clock is another clock's drift, not the future.
FUTURE_TOLERANCE = timedelta(minutes=5)


def result_passes(*, assessment: Assessment, score: Decimal) -> bool:
    """Whether a result of `score` on `assessment` is a pass: the one home of the rule."""
    return score >= assessment.pass_percentage


def _clean_score(score: Decimal | int | float | str) -> Decimal:
    try:
        value = Decimal(str(score))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"score": gettext("Score must be a number from 0 to 100, not %(score)r.") % {"score": score}}
        ) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"score": gettext("Score must be from 0 to 100 %%, not %(score)s.") % {"score": score}})
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Grant:
    """What a result grants in one competency: a level, valid for some months (None: for good)."""

    level: int
    validity_months: int | None = None

    def expires_at(self, completed_at: datetime) -> datetime | None:
        """When the granted level lapses: `validity_months` after the completion."""
        if self.validity_months is None:
            return None
        return completed_at + relativedelta(months=self.validity_months)

    def outlasts(self, other: "Grant") -> bool:
        """Whether this grant's level lasts longer than `other`'s (for good beats any validity)."""
        if other.validity_months is None:
            return False
        return self.validity_months is None or self.validity_months > other.validity_months


def grants_by(
    *, assessment: Assessment, score: Decimal, mappings: Iterable[CompetencyMapping]
) -> dict[Competency, Grant]:
    """For each competency, the highest level that a result of `score` on `assessment` grants
    through `mappings` (any mappings: those not matching the assessment are passed over), and
    how long it is valid.

    A mapping grants when it matches the assessment and the score reaches its threshold
    (its minimum score if set, else the assessment's pass percentage). Its validity is its
    own, else the assessment's (None: the level never expires); among mappings granting the
    same highest level, the longest validity counts. The one home of the rule: result_record,
    voiding and the bulk import all take it from here; the import passes mappings it loaded
    once for the whole file.
    """
    grants: dict[Competency, Grant] = {}
    for mapping in mappings:
        if mapping.matches(assessment) and score >= mapping.threshold_for(assessment):
            grant = Grant(level=mapping.level_granted, validity_months=mapping.validity_for(assessment))
            best = grants.get(mapping.competency)
            if best is None or grant.level > best.level or (grant.level == best.level and grant.outlasts(best)):
                grants[mapping.competency] = grant
    return grants


def levels_granted_by(
    *, assessment: Assessment, score: Decimal, mappings: Iterable[CompetencyMapping]
) -> dict[Competency, int]:
    """grants_by's levels alone."""
    return {
        competency: grant.level
        for competency, grant in grants_by(assessment=assessment, score=score, mappings=mappings).items()
    }


def granted_levels(*, assessment: Assessment, score: Decimal) -> dict[Competency, int]:
    """levels_granted_by with the assessment's candidate mappings read from the database."""
    return levels_granted_by(
        assessment=assessment, score=score, mappings=CompetencyMapping.objects.candidates_for(assessment)
    )


def result_record(
    *,
    employee: User,
    assessment: Assessment,
    score: Decimal | int | float | str,
    completed_at: datetime | None = None,
    recorded_by: User | None,
) -> RecordedResult:
    """Record one attempt and raise the levels its matching mappings grant, in one transaction.

    Recording the same attempt (employee, assessment, completion time) again returns the
    existing result and grants nothing; a different score for it is refused, since
    recorded results are immutable.
    """
    if recorded_by is not None and recorded_by.pk == employee.pk:
        raise PermissionDenied(gettext("Nobody records their own result: ask another HC member."))
    score = _clean_score(score)
    completed_at = completed_at or timezone.now()
    if timezone.is_naive(completed_at):
        raise ValidationError({"completed_at": gettext("The completion time needs a time zone.")})
    if completed_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"completed_at": gettext("The completion time is in the future.")})

    with transaction.atomic():
        lock_employee_levels(employee)
        existing = AssessmentResult.objects.filter(
            employee=employee, assessment=assessment, completed_at=completed_at
        ).first()
        if existing is not None:
            if existing.score != score:
                raise ValidationError(
                    gettext(
                        "This attempt is already recorded with a score of %(score)s %%; "
                        "a recorded result cannot be changed."
                    )
                    % {"score": existing.score}
                )
            return RecordedResult(result=existing, created=False)

        result = AssessmentResult.objects.create(
            employee=employee,
            assessment=assessment,
            score=score,
            passed=result_passes(assessment=assessment, score=score),
            completed_at=completed_at,
            recorded_by=recorded_by,
        )
        changes = []
        mappings = CompetencyMapping.objects.candidates_for(assessment)
        for competency, grant in grants_by(assessment=assessment, score=score, mappings=mappings).items():
            expires_at = grant.expires_at(completed_at)
            change = level_raise(
                employee=employee,
                competency=competency,
                level=grant.level,
                source=LevelSource.ASSESSMENT,
                evidence=result,
                evidence_note=result.evidence_note,
                achieved_at=completed_at,
                expires_at=expires_at,
                by=recorded_by,
                notify_employee=False,
            )
            if change is not None:
                changes.append(change)
            else:
                # A pass at the level held renews it when its evidence lapses sooner.
                level_renew(
                    employee=employee,
                    competency=competency,
                    level=grant.level,
                    expires_at=expires_at,
                    evidence=result,
                    evidence_note=result.evidence_note,
                    by=recorded_by,
                )
        notify_level_changes(employee=employee, changes=changes, evidence_note=result.evidence_note)
        for listener in _result_listeners:
            listener(result)
    return RecordedResult(result=result, created=True, level_changes=changes)
