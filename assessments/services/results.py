"""Recording assessment results: the one path by which results raise levels."""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from assessments.models import Assessment, AssessmentResult, CompetencyMapping
from competencies.models import Competency, CompetencyLevel, LevelSource, level_label
from competencies.services import (
    LevelChange,
    LevelGrant,
    level_raise,
    levels_grant,
    lock_employee_levels,
    notify_level_changes,
)
from hrportal.audit import audit_batched, audit_event
from hrportal.models import AuditEvent, User


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
    # The mapping that grants it (the first of equals): what a re-evaluation names.
    mapping: CompetencyMapping | None = field(default=None, compare=False)

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
            grant = Grant(
                level=mapping.level_granted, validity_months=mapping.validity_for(assessment), mapping=mapping
            )
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

    # One insert of every audit entry (the result's, the levels') at the end.
    with transaction.atomic(), audit_batched():
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
        mappings = CompetencyMapping.objects.candidates_for(assessment)
        # Raises, and renews a level held at the level granted whose evidence lapses sooner.
        changes = levels_grant(
            employee=employee,
            grants=[
                LevelGrant(competency=competency, level=grant.level, expires_at=grant.expires_at(completed_at))
                for competency, grant in grants_by(assessment=assessment, score=score, mappings=mappings).items()
            ],
            source=LevelSource.ASSESSMENT,
            evidence=result,
            evidence_note=result.evidence_note,
            achieved_at=completed_at,
            by=recorded_by,
            employee_locked=True,
        )
        notify_level_changes(employee=employee, changes=changes, evidence_note=result.evidence_note)
        for listener in _result_listeners:
            listener(result)
    return RecordedResult(result=result, created=True, level_changes=changes)


# Re-evaluation: after HC corrects a mapping, the stored results recorded again under the
# current mappings. Only rises: it goes through level_raise, as result_record does.


@dataclass(frozen=True)
class ReevaluationRaise:
    """One level a re-evaluation raises: who, which competency, from → to, and why."""

    employee_id: int
    employee: str
    competency_id: int
    competency: str
    old_level: int | None
    new_level: int
    result: AssessmentResult
    mapping: CompetencyMapping
    expires_at: datetime | None

    @property
    def key(self) -> tuple:
        """What the preview showed, in ids: the fingerprint is made of these."""
        expires = self.expires_at.isoformat() if self.expires_at else ""
        return (
            self.employee_id,
            self.competency_id,
            self.old_level,
            self.new_level,
            self.result.pk,
            self.mapping.pk,
            expires,
        )

    @property
    def old_label(self) -> str:
        return level_label(self.old_level or 0)

    @property
    def new_label(self) -> str:
        return level_label(self.new_level)


@dataclass(frozen=True)
class ReevaluationPlan:
    """What re-evaluating would raise. `own`: the planner's own rows, never applied (nobody
    records their own result); `lapsed`: rises whose evidence has already expired, left out
    (a level raised only to show as expired helps nobody)."""

    by_id: int
    raises: list[ReevaluationRaise] = field(default_factory=list)
    own: list[ReevaluationRaise] = field(default_factory=list)
    lapsed: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.raises

    @property
    def employee_count(self) -> int:
        return len({r.employee_id for r in self.raises})

    def fingerprint(self) -> str:
        """Identifies the plan exactly, so a confirmation applies what was previewed and nothing else."""
        keys = (self.by_id, [r.key for r in self.raises], [r.key for r in self.own], self.lapsed)
        return hashlib.sha256(repr(keys).encode()).hexdigest()


class ReevaluationOutdated(Exception):
    """What a re-evaluation would raise changed since the preview: nothing was applied."""


def _person(user: User) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({user.employee_number})" if user.employee_number else name


def reevaluation_plan(*, by: User) -> ReevaluationPlan:
    """Every level that would rise if each stored, non-voided result were recorded again under
    the current mappings (grants_by, the rule result_record uses): per employee and
    competency the best grant (highest level, then longest validity, then latest result)
    above the level held. Five queries, whatever the number of results: mappings,
    assessments, results, levels, then the results (with their people) named by the rises.
    """
    mappings = list(CompetencyMapping.objects.select_related("competency", "assessment"))
    assessments = {a.pk: a for a in Assessment.objects.all()}
    covering: dict[int, list[CompetencyMapping]] = {
        pk: [m for m in mappings if m.matches(a)] for pk, a in assessments.items()
    }
    covered = [pk for pk, matching in covering.items() if matching]
    rows = (
        AssessmentResult.objects.filter(voided_at__isnull=True, assessment_id__in=covered)
        .order_by("completed_at", "pk")
        .values_list("pk", "employee_id", "assessment_id", "score", "completed_at")
    )
    now = timezone.now()
    cache: dict[tuple[int, Decimal], dict[Competency, Grant]] = {}
    # (employee, competency id) → (rank, grant, result id, completed at)
    best: dict[tuple[int, int], tuple[tuple, Grant, int, datetime]] = {}
    lapsed_best: dict[tuple[int, int], int] = {}  # the highest lapsed grant
    for result_id, employee_id, assessment_id, score, completed_at in rows:
        key = (assessment_id, score)
        if key not in cache:
            cache[key] = grants_by(assessment=assessments[assessment_id], score=score, mappings=covering[assessment_id])
        for competency, grant in cache[key].items():
            expires_at = grant.expires_at(completed_at)
            if expires_at is not None and expires_at <= now:
                key_lapsed = (employee_id, competency.pk)
                lapsed_best[key_lapsed] = max(lapsed_best.get(key_lapsed, 0), grant.level)
                continue
            rank = (grant.level, expires_at is None, expires_at or now, completed_at)
            held = best.get((employee_id, competency.pk))
            if held is None or rank > held[0]:
                best[(employee_id, competency.pk)] = (rank, grant, result_id, completed_at)

    competency_ids = {m.competency_id for m in mappings}
    levels = {
        (employee_id, competency_id): level
        for employee_id, competency_id, level in CompetencyLevel.objects.filter(
            competency_id__in=competency_ids
        ).values_list("employee_id", "competency_id", "level")
    }
    rising = {key: found for key, found in best.items() if found[1].level > (levels.get(key) or 0)}
    # A lapsed grant counts (as left out) where it alone would have raised the level.
    lapsed = sum(
        1
        for key, level in lapsed_best.items()
        if level > max(levels.get(key) or 0, best[key][1].level if key in best else 0)
    )
    if not rising:
        return ReevaluationPlan(by_id=by.pk, lapsed=lapsed)
    results = AssessmentResult.objects.select_related("assessment", "employee").in_bulk(
        {found[2] for found in rising.values()}
    )
    raises: list[ReevaluationRaise] = []
    own: list[ReevaluationRaise] = []
    for (employee_id, competency_id), (_rank, grant, result_id, completed_at) in rising.items():
        if grant.mapping is None:  # grants_by names the mapping of every grant
            continue
        result = results[result_id]
        change = ReevaluationRaise(
            employee_id=employee_id,
            employee=_person(result.employee),
            competency_id=competency_id,
            competency=f"{grant.mapping.competency.code} {grant.mapping.competency.name}",
            old_level=levels.get((employee_id, competency_id)),
            new_level=grant.level,
            result=result,
            mapping=grant.mapping,
            expires_at=grant.expires_at(completed_at),
        )
        (own if employee_id == by.pk else raises).append(change)
    raises.sort(key=_plan_order)
    own.sort(key=_plan_order)
    return ReevaluationPlan(by_id=by.pk, raises=raises, own=own, lapsed=lapsed)


def _plan_order(change: ReevaluationRaise) -> tuple:
    return (change.employee, change.employee_id, change.competency)


def reevaluation_note(change: ReevaluationRaise) -> str:
    """The history row's note: the re-evaluation, the result and the mapping that grants."""
    return gettext("Re-evaluation after a mapping change: %(result)s; mapping: %(mapping)s") % {
        "result": change.result.evidence_note,
        "mapping": change.mapping,
    }


def reevaluation_apply(*, fingerprint: str, by: User) -> ReevaluationPlan:
    """Apply the re-evaluation previewed as `fingerprint`: raise each level through level_raise
    (never lowering), one history row per raised level naming the re-evaluation, the result
    and the mapping; one notification per employee; one audit trail entry. Raises
    ReevaluationOutdated, writing nothing, when the plan is no longer the one previewed;
    PermissionDenied for anyone but HC. A second run finds nothing to raise.
    """
    if not by.is_hc:
        raise PermissionDenied(gettext("Only HC re-evaluates results."))
    with transaction.atomic():
        for employee_id in sorted({r.employee_id for r in reevaluation_plan(by=by).raises}):
            lock_employee_levels(User(pk=employee_id))
        plan = reevaluation_plan(by=by)
        if plan.fingerprint() != fingerprint:
            raise ReevaluationOutdated
        by_employee: dict[int, list[LevelChange]] = {}
        people: dict[int, User] = {}
        for change in plan.raises:
            employee = people.setdefault(change.employee_id, change.result.employee)
            written = level_raise(
                employee=employee,
                competency=change.mapping.competency,
                level=change.new_level,
                source=LevelSource.ASSESSMENT,
                evidence=change.result,
                evidence_note=reevaluation_note(change),
                # Dated now, not at the result's completion: the level rises today, and the
                # level history (gaps as of a past date) must not say it was higher before.
                achieved_at=timezone.now(),
                expires_at=change.expires_at,
                by=by,
                notify_employee=False,
            )
            if written is not None:
                by_employee.setdefault(change.employee_id, []).append(written)
        for employee_id, changes in by_employee.items():
            notify_level_changes(
                employee=people[employee_id],
                changes=changes,
                evidence_note=gettext_lazy("re-evaluation of your results after a change of the assessment mappings"),
            )
        audit_event(
            event=AuditEvent.CHANGE,
            model=CompetencyMapping,
            object_repr="re-evaluation",
            actor=by,
            data={
                "reevaluation": True,
                "levels_raised": sum(len(changes) for changes in by_employee.values()),
                "employees": len(by_employee),
                "own_rows_skipped": len(plan.own),
                "lapsed_left_out": plan.lapsed,
                "mappings": sorted({r.mapping.pk for r in plan.raises}),
            },
        )
    return plan
