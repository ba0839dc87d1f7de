"""Voiding a result: the one automatic way a level falls, and it is audited.

PRODUCT.md: only HC lowers a level, by an override with a reason or by voiding (with a
reason) the result that granted it, after which the level falls back to what the
remaining evidence grants. `result_void` withdraws the result, replays the employee's
remaining evidence for every competency the result ever raised, and lowers (never raises)
each level that the rest no longer supports, through competencies.services.level_fall_back.

What "the remaining evidence grants" means, in the order the portal learnt it:
- every other non-voided result of the employee grants what the mappings grant for it now
  (assessments.services.results.grants_by), from when it was recorded, and lapses when that
  grant's validity runs out;
- a level history row of source "training" (an IDP item verified by HC) raises to its level;
- a row of source "manual" (an override) sets its level, up or down;
- rows of source "voided" (earlier fall-backs) and rows naming a result (replayed as
  results above) are skipped.
Known limit: an IDP verification that raised nothing (the level was already as high) left
no history row, so it cannot support a level here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import AssessmentResult, Attempt, CompetencyMapping, ReviewStatus
from assessments.services.results import Grant, grants_by
from competencies.models import Competency, CompetencyLevel, CompetencyLevelHistory, LevelSource, level_label
from competencies.services import LevelChange, level_fall_back, lock_employee_levels
from hrportal.models import NotificationKind, NotificationPriority, User
from hrportal.notifications import lazy_join, lazy_text, notify

# Apps above this one react to a void the way they react to a recording (on_result_recorded):
# idp may reopen an item that the voided result closed. Listeners run inside result_void's
# transaction, after the levels fell, so a void and its consequences commit together.
VoidListener = Callable[[AssessmentResult], None]

# A result is never otherwise changed, so HC's permission to change one is the admin's
# permission to void it (granted to the HC group in assessments.apps). The service itself asks
# for the HC role, as every door does (the integrity review has no admin permissions).
VOID_PERMISSION = "assessments.change_assessmentresult"
_void_listeners: list[VoidListener] = []


def on_result_voided(listener: VoidListener) -> None:
    """Call `listener(result)` for every result voided, in the voiding transaction."""
    if listener not in _void_listeners:
        _void_listeners.append(listener)


class ResultAlreadyVoided(ValidationError):
    """The result was voided before (perhaps a moment ago, by another HC member)."""


@dataclass(frozen=True)
class VoidOutcome:
    result: AssessmentResult
    level_changes: list[LevelChange] = field(default_factory=list)
    # Whether the result had ever raised a level (if not, voiding it could lower none).
    had_raised: bool = False


@dataclass(frozen=True)
class RemainingGrant:
    """What the evidence left after a void grants in one competency, and what supports it."""

    level: int
    support: models.Model | None = None
    note: str = ""
    since: datetime | None = None
    expires_at: datetime | None = None  # when `support` (a result with a validity) lapses


def _void_note(result: AssessmentResult, reason: str) -> str:
    return _("Voided: %(result)s — %(reason)s") % {"result": result.evidence_note, "reason": reason}


def remaining_grant(
    *,
    competency: Competency,
    results: list[tuple[AssessmentResult, dict[Competency, Grant]]],
    history: list[CompetencyLevelHistory],
    result_type: ContentType,
) -> RemainingGrant:
    """Replay one competency's evidence in the order it arrived; see the module's docstring.

    `results` are the employee's remaining results with their grants; `history` the
    competency's level history rows of the employee.
    """
    # (when it arrived, results before history rows at the same instant, id, the evidence, its level)
    timeline: list[tuple[datetime, int, int, AssessmentResult | CompetencyLevelHistory, int]] = []
    for result, grants in results:
        if competency in grants:
            timeline.append((result.recorded_at, 0, result.pk, result, grants[competency].level))
    for row in history:
        if row.source == LevelSource.VOIDED or row.evidence_type_id == result_type.pk:
            continue
        timeline.append((row.changed_at, 1, row.pk, row, row.new_level))
    timeline.sort(key=lambda entry: entry[:3])

    grants_by_result = {result.pk: grants for result, grants in results}
    grant = RemainingGrant(level=0)
    for _at, _order, _pk, evidence, level in timeline:
        if isinstance(evidence, AssessmentResult):
            if level > grant.level:
                expires_at = grants_by_result[evidence.pk][competency].expires_at(evidence.completed_at)
                grant = RemainingGrant(
                    level=level,
                    support=evidence,
                    note=evidence.evidence_note,
                    since=evidence.completed_at,
                    expires_at=expires_at,
                )
        elif evidence.source == LevelSource.MANUAL:
            # An override sets the level, up or down; its reason is its evidence.
            grant = RemainingGrant(level=level, note=evidence.evidence_note, since=evidence.changed_at)
        elif level > grant.level:
            grant = RemainingGrant(
                level=level, support=evidence.evidence, note=evidence.evidence_note, since=evidence.changed_at
            )
    return grant


def _notify_void(*, result: AssessmentResult, reason: str, changes: list[LevelChange], had_raised: bool) -> None:
    # Lazy, so that the employee reads it in their language, not in the voiding HC member's.
    lines = [
        format_lazy(
            gettext_lazy("HC voided your result {result}. Reason: {reason}"), result=result.evidence_note, reason=reason
        )
    ]
    if changes:
        lines.append(gettext_lazy("Your levels now:"))
        lines += [
            format_lazy(
                gettext_lazy("{code} {name}: {old} → {new}"),
                code=change.competency.code,
                name=lazy_text(getattr, change.competency, "name"),
                old=lazy_text(level_label, change.old_level or 0),
                new=lazy_text(level_label, change.new_level),
            )
            for change in changes
        ]
    elif had_raised:
        lines.append(gettext_lazy("None of your levels changed: other evidence supports them."))
    else:
        lines.append(gettext_lazy("It had raised none of your levels, so none changed."))
    notify(
        recipients=[result.employee],
        subject=format_lazy(gettext_lazy("Your result in {assessment} was voided"), assessment=result.assessment.title),
        body=lazy_join("\n", lines),
        url=reverse("competencies:my_gaps"),
        kind=NotificationKind.RESULT,
        priority=NotificationPriority.HIGH,
    )


def result_void(*, result: AssessmentResult, reason: str, by: User) -> VoidOutcome:
    """HC withdraws `result`: it counts for nothing from now on, and every level it raised
    falls back to what the remaining evidence grants (never higher than it is).

    Only HC, never on their own result, always with a reason; a result is voided once (a
    second void, even a simultaneous one, raises ResultAlreadyVoided). The attempt behind
    an online result is marked voided; the employee is notified of the changes.
    """
    if not by.is_hc:
        raise PermissionDenied(_("Only HC staff void results."))
    if by.pk == result.employee_id:
        raise PermissionDenied(_("Nobody voids their own result: another HC member does."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason for voiding this result.")})

    with transaction.atomic():
        employee = result.employee
        lock_employee_levels(employee)
        locked = AssessmentResult.objects.select_for_update().select_related("assessment", "employee").get(pk=result.pk)
        if locked.voided_at is not None:
            raise ResultAlreadyVoided(
                _("This result was already voided on %(day)s: %(reason)s")
                % {
                    "day": date_format(timezone.localtime(locked.voided_at), "DATETIME_FORMAT"),
                    "reason": locked.void_reason,
                }
            )
        now = timezone.now()
        locked.voided_at, locked.voided_by, locked.void_reason = now, by, reason
        # save(), not QuerySet.update(): the audit trail hears the void.
        locked.save(update_fields=["voided_at", "voided_by", "void_reason"])

        attempt = Attempt.objects.select_for_update().filter(result=locked).first()
        if attempt is not None:
            attempt.review_status = ReviewStatus.VOIDED
            attempt.reviewed_by, attempt.reviewed_at, attempt.review_note = by, now, reason
            attempt.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_note"])

        had_raised, changes = _fall_back_levels(result=locked, reason=reason, by=by)
        _notify_void(result=locked, reason=reason, changes=changes, had_raised=had_raised)
        for listener in _void_listeners:
            listener(locked)
    result.voided_at, result.voided_by, result.void_reason = locked.voided_at, by, reason
    return VoidOutcome(result=locked, level_changes=changes, had_raised=had_raised)


@dataclass(frozen=True)
class FallBack:
    """One competency the result raised: the level now, and what the remaining evidence grants."""

    competency: Competency
    current: int
    grant: RemainingGrant

    @property
    def after(self) -> int:
        """The level once the result is voided: a void lowers, never raises."""
        return min(self.current, self.grant.level)

    @property
    def falls(self) -> bool:
        return self.after < self.current


@dataclass(frozen=True)
class VoidPreview:
    """What voiding a result would do now (result_void_preview), or did (result_void's replay)."""

    # Whether the result had ever raised a level (if not, voiding it could lower none).
    had_raised: bool
    levels: list[FallBack] = field(default_factory=list)


def result_void_preview(*, result: AssessmentResult) -> VoidPreview:
    """Read-only: what `result_void` would do to the levels if `result` were voided now.

    The same replay the void applies (`_fall_back_plan`), so what HC confirms on the void
    page is what happens, unless the evidence changes in between.
    """
    return _fall_back_plan(result)


def _fall_back_plan(result: AssessmentResult) -> VoidPreview:
    """For every competency `result` ever raised: the level now and what the rest of the
    employee's evidence grants without it (see the module's docstring). Writes nothing."""
    employee = result.employee
    result_type = ContentType.objects.get_for_model(AssessmentResult)
    raised = (
        CompetencyLevelHistory.objects.filter(employee=employee, evidence_type=result_type, evidence_id=result.pk)
        .exclude(source=LevelSource.VOIDED)
        .values("competency_id")
    )
    competencies = list(Competency.objects.filter(pk__in=raised).order_by("code"))
    if not competencies:
        return VoidPreview(had_raised=False)
    current = {
        level.competency_id: level.level
        for level in CompetencyLevel.objects.filter(employee=employee, competency__in=competencies)
    }
    remaining = [
        (
            other,
            grants_by(
                assessment=other.assessment,
                score=other.score,
                mappings=CompetencyMapping.objects.candidates_for(other.assessment),
            ),
        )
        for other in AssessmentResult.objects.filter(employee=employee, voided_at__isnull=True)
        .exclude(pk=result.pk)
        .select_related("assessment")
    ]
    history_by_competency: dict[int, list[CompetencyLevelHistory]] = {c.pk: [] for c in competencies}
    for row in CompetencyLevelHistory.objects.filter(employee=employee, competency__in=competencies).order_by(
        "changed_at", "pk"
    ):
        history_by_competency[row.competency_id].append(row)
    return VoidPreview(
        had_raised=True,
        levels=[
            FallBack(
                competency=competency,
                current=current.get(competency.pk, 0),
                grant=remaining_grant(
                    competency=competency,
                    results=remaining,
                    history=history_by_competency[competency.pk],
                    result_type=result_type,
                ),
            )
            for competency in competencies
        ],
    )


def _fall_back_levels(*, result: AssessmentResult, reason: str, by: User) -> tuple[bool, list[LevelChange]]:
    """Lower what the result raised and nothing else supports; (whether it raised any, the changes)."""
    plan = _fall_back_plan(result)
    note = _void_note(result, reason)
    changes = []
    for fall_back in plan.levels:
        if not fall_back.falls:
            continue  # still supported (or more: a void never raises)
        grant = fall_back.grant
        change = level_fall_back(
            employee=result.employee,
            competency=fall_back.competency,
            level=grant.level,
            cause=result,
            cause_note=note,
            support=grant.support,
            support_note=grant.note,
            supported_since=grant.since,
            supported_until=grant.expires_at,
            by=by,
        )
        if change is not None:
            changes.append(change)
    return plan.had_raised, changes
