"""Writes to levels and targets. Every entry point (admin, import, other apps) calls these."""

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from competencies.models import (
    DEFAULT_WEIGHT,
    MAX_LEVEL,
    MAX_WEIGHT,
    MIN_LEVEL,
    MIN_WEIGHT,
    Competency,
    CompetencyLevel,
    CompetencyLevelHistory,
    LevelSource,
    PositionTarget,
    PositionTargetHistory,
    level_label,
)
from competencies.report_summary import summary_mark_stale
from hrportal.audit import audit_batched, audit_model_change
from hrportal.models import NotificationKind, Position, User
from hrportal.notifications import notify
from hrportal.page_cache import bump_framework, bump_people

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class LevelChange:
    competency: Competency
    old_level: int | None
    new_level: int


def _validate_level(level: int, field: str = "level") -> None:
    if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ValidationError(
            {
                field: _("Level must be a whole number from %(lowest)s to %(highest)s, not %(level)r.")
                % {"lowest": MIN_LEVEL, "highest": MAX_LEVEL, "level": level}
            }
        )


def lock_employee_levels(employee: User) -> None:
    """Serialise level changes of one employee: lock their user row until the transaction ends.

    Taken before reading a level, so two simultaneous recordings cannot both see the old
    level (or both insert a first one). SQLite serialises writers anyway. In the same
    statement it bumps their page stamp (hrportal.page_cache.bump_people): whoever locks
    them is about to change what their pages show, and the bump costs no query of its own.
    """
    bump_people([employee.pk])


def _evidence_fields(evidence: models.Model | None) -> dict:
    if evidence is None:
        return {"evidence_type": None, "evidence_id": None}
    return {"evidence_type": ContentType.objects.get_for_model(evidence), "evidence_id": evidence.pk}


def _write_level(
    *,
    employee: User,
    competency: Competency,
    current: CompetencyLevel | None,
    level: int,
    source: str,
    evidence: models.Model | None,
    evidence_note: str,
    achieved_at: datetime,
    by: User | None,
    expires_at: datetime | None = None,
) -> LevelChange:
    evidence_fields = _evidence_fields(evidence)
    values = {
        "level": level,
        "source": source,
        "evidence_note": evidence_note[:255],
        "achieved_at": achieved_at,
        # The new evidence's validity: a level raised by training or set by HC never lapses.
        "expires_at": expires_at,
        "updated_by": by,
        **evidence_fields,
    }
    old_level = current.level if current else None
    # History is dated when the level took effect (an assessment's completion), but never
    # before the previous change: a back-dated result must not jump ahead of what it followed.
    previous_change = (
        CompetencyLevelHistory.objects.filter(employee=employee, competency=competency)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    changed_at = max(achieved_at, previous_change) if previous_change else achieved_at
    if current is None:
        CompetencyLevel.objects.create(employee=employee, competency=competency, **values)
    else:
        # save(), not QuerySet.update(): the audit trail hears changes through save().
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=list(values))
    # The organisation report's summary counts levels: it is refreshed after the commit.
    summary_mark_stale()
    CompetencyLevelHistory.objects.create(
        employee=employee,
        competency=competency,
        old_level=old_level,
        new_level=level,
        source=source,
        evidence_note=evidence_note[:255],
        changed_by=by,
        changed_at=changed_at,
        **evidence_fields,
    )
    return LevelChange(competency=competency, old_level=old_level, new_level=level)


def _current_level(employee: User, competency: Competency) -> CompetencyLevel | None:
    return CompetencyLevel.objects.select_for_update().filter(employee=employee, competency=competency).first()


def _raises(current: CompetencyLevel | None, level: int) -> bool:
    """Whether granting `level` raises the level held (`current`): a level never falls."""
    return current is None or current.level < level


def _renews(current: CompetencyLevel | None, level: int, expires_at: datetime | None) -> bool:
    """Whether a grant of the level held, lapsing at `expires_at` (None: never), renews it: the
    level held lapses, and sooner."""
    if current is None or current.level != level or current.expires_at is None:
        return False
    return expires_at is None or expires_at > current.expires_at


def level_raise(
    *,
    employee: User,
    competency: Competency,
    level: int,
    source: str,
    evidence: models.Model | None,
    evidence_note: str,
    achieved_at: datetime | None = None,
    expires_at: datetime | None = None,
    by: User | None,
    notify_employee: bool = True,
) -> LevelChange | None:
    """Raise `employee`'s level in `competency` to `level`; never lowers it. `expires_at`:
    when the evidence lapses (None: never).

    Returns the change, or None when the current level is already at or above `level`.
    Tells the employee unless the caller sends its own, fuller notification.
    """
    _validate_level(level)
    with transaction.atomic():
        lock_employee_levels(employee)
        current = _current_level(employee, competency)
        if not _raises(current, level):
            return None
        change = _write_level(
            employee=employee,
            competency=competency,
            current=current,
            level=level,
            source=source,
            evidence=evidence,
            evidence_note=evidence_note,
            achieved_at=achieved_at or timezone.now(),
            by=by,
            expires_at=expires_at,
        )
        if notify_employee:
            notify_level_changes(employee=employee, changes=[change], evidence_note=evidence_note)
        return change


def level_renew(
    *,
    employee: User,
    competency: Competency,
    level: int,
    expires_at: datetime | None,
    evidence: models.Model,
    evidence_note: str,
    by: User | None,
) -> bool:
    """A new pass at the level held renews it: when `employee`'s level in `competency` is
    `level` and its evidence lapses before `expires_at` (None: never lapses), the level
    record points to the new `evidence` and lapses at `expires_at`. The level does not
    change, so no history row is written (the result itself is the evidence). Returns
    whether it renewed.
    """
    with transaction.atomic():
        lock_employee_levels(employee)
        current = _current_level(employee, competency)
        if current is None or not _renews(current, level, expires_at):
            return False
        values = {
            "expires_at": expires_at,
            "evidence_note": evidence_note[:255],
            "updated_by": by,
            **_evidence_fields(evidence),
        }
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=list(values))
        summary_mark_stale()  # a renewed level no longer counts as expired
        return True


@dataclass(frozen=True)
class LevelGrant:
    """A level that one piece of evidence grants in a competency, lapsing at `expires_at` (None: never)."""

    competency: Competency
    level: int
    expires_at: datetime | None = None


# Every column a raise writes, and the subset a renewal does (evidence fields included).
_RAISE_FIELDS = [
    "level",
    "source",
    "evidence_note",
    "achieved_at",
    "expires_at",
    "updated_by",
    "evidence_type",
    "evidence_id",
]
_RENEW_FIELDS = ["expires_at", "evidence_note", "updated_by", "evidence_type", "evidence_id"]


def levels_grant(
    *,
    employee: User,
    grants: Sequence[LevelGrant],
    source: str,
    evidence: models.Model | None,
    evidence_note: str,
    achieved_at: datetime,
    by: User | None,
    employee_locked: bool = False,
) -> list[LevelChange]:
    """What one piece of evidence grants in several competencies, written set-based: for each
    grant, level_raise's rule (never lowers; a history row dated at `achieved_at`, or at the
    previous change if later) or, where the level held is the one granted, level_renew's.
    Returns the changes (not the renewals); sends no notification (the caller sends one for
    all of them).

    Five queries whatever the number of grants: the employee's lock (none when the caller
    already holds it in this transaction: `employee_locked`), their levels in the granted
    competencies (locked, each with its last history date), one upsert of the levels raised
    or renewed, one insert of their history rows, one of their audit entries (inside an
    outer audit_batched(), the outer block's one insert).
    """
    for grant in grants:
        _validate_level(grant.level)
    by_competency = {grant.competency.pk: grant for grant in grants}
    if len(by_competency) != len(grants):
        raise ValueError("levels_grant: one grant per competency.")
    if not grants:
        return []
    note = evidence_note[:255]
    evidence_fields = _evidence_fields(evidence)
    with transaction.atomic(savepoint=False), audit_batched():
        if not employee_locked:
            lock_employee_levels(employee)
        last_change = CompetencyLevelHistory.objects.filter(
            employee=employee, competency=OuterRef("competency")
        ).order_by("-changed_at")
        # A level is never deleted (the admin refuses; people and competencies are PROTECTed),
        # so a competency without a level row has no history either.
        held: dict[int, CompetencyLevel] = {
            level.competency_id: level
            for level in CompetencyLevel.objects.select_for_update()
            .filter(employee=employee, competency_id__in=by_competency)
            .order_by("competency_id")  # not the default's join to the people, and a steady locking order
            .annotate(last_change=Subquery(last_change.values("changed_at")[:1]))
        }
        written: list[tuple[CompetencyLevel | None, CompetencyLevel, list[str] | None]] = []
        history: list[CompetencyLevelHistory] = []
        changes: list[LevelChange] = []
        for grant in grants:
            current = held.get(grant.competency.pk)
            if _raises(current, grant.level):
                values = {
                    "level": grant.level,
                    "source": source,
                    "achieved_at": achieved_at,
                    # The new evidence's validity.
                    "expires_at": grant.expires_at,
                }
                previous = current.last_change if current is not None else None  # type: ignore[attr-defined]
                history.append(
                    CompetencyLevelHistory(
                        employee=employee,
                        competency=grant.competency,
                        old_level=current.level if current is not None else None,
                        new_level=grant.level,
                        source=source,
                        evidence_note=note,
                        changed_by=by,
                        changed_at=max(achieved_at, previous) if previous else achieved_at,
                        **evidence_fields,
                    )
                )
                changes.append(LevelChange(grant.competency, current.level if current else None, grant.level))
                fields: list[str] | None = _RAISE_FIELDS
            elif _renews(current, grant.level, grant.expires_at):
                values = {"expires_at": grant.expires_at}
                fields = _RENEW_FIELDS
            else:
                continue
            old = copy.copy(current) if current is not None else None
            row = current or CompetencyLevel(employee=employee, competency=grant.competency)
            for name, value in {**values, "evidence_note": note, "updated_by": by, **evidence_fields}.items():
                setattr(row, name, value)
            # Known already: the audit entry's text names them.
            row.employee, row.competency = employee, grant.competency
            written.append((old, row, fields if current is not None else None))
        if written:
            _levels_upsert([row for _old, row, _fields in written], fields=_RAISE_FIELDS)
            summary_mark_stale()  # the report's summary counts levels: refreshed after the commit
        if history:
            CompetencyLevelHistory.objects.bulk_create(history)
        for old, row, fields in written:
            audit_model_change(old=old, new=row, fields=fields)
    return changes


def _levels_upsert(rows: list[CompetencyLevel], *, fields: list[str]) -> None:
    """Insert or update `rows` in one query, by (employee, competency). The rows are locked or
    new under the employee's lock, so nothing else wrote them meanwhile; a renewal's row
    carries its unchanged level and source, so writing every raise column is exact. Rows
    with a pk and rows without would be two INSERTs: the pk goes and comes back, the same."""
    for row in rows:
        row.pk = None
    CompetencyLevel.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["employee", "competency"], update_fields=fields
    )


def level_override(*, employee: User, competency: Competency, level: int, reason: str, by: User) -> LevelChange | None:
    """HC sets a level up or down; the reason is the evidence. None if the level is unchanged."""
    if not by.is_hc:
        raise PermissionDenied(_("Only HC staff can override a level."))
    if by.pk == employee.pk:
        raise PermissionDenied(_("Nobody overrides their own level: ask another HC member."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for overriding the level.")})
    _validate_level(level)
    with transaction.atomic():
        lock_employee_levels(employee)
        current = _current_level(employee, competency)
        if current is not None and current.level == level:
            return None
        change = _write_level(
            employee=employee,
            competency=competency,
            current=current,
            level=level,
            source=LevelSource.MANUAL,
            evidence=None,
            # Stored, so in the language of the HC member overriding (like the reason they write).
            evidence_note=_("Override: %(reason)s") % {"reason": reason},
            achieved_at=timezone.now(),
            by=by,
        )
        notify_level_changes(
            employee=employee,
            changes=[change],
            evidence_note=format_lazy(gettext_lazy("Set by HC: {reason}"), reason=reason),
        )
        return change


def level_fall_back(
    *,
    employee: User,
    competency: Competency,
    level: int,
    cause: models.Model,
    cause_note: str,
    support: models.Model | None,
    support_note: str,
    supported_since: datetime | None,
    by: User,
    supported_until: datetime | None = None,
) -> LevelChange | None:
    """Lower `employee`'s level in `competency` to `level` because evidence was withdrawn.

    The history row (source "voided") names `cause`, the withdrawn evidence (a voided
    result), and `cause_note`; the level record then points to `support`, what grants the
    fallen level now (None at 0 or after an override, whose reason `support_note` keeps),
    achieved at `supported_since` and lapsing at `supported_until` (None: never). Never
    raises a level (ValidationError); returns None when the level is already `level` or
    lower. Sends no notification: the caller tells the employee about everything the
    withdrawal changed at once.
    """
    _validate_level(level)
    with transaction.atomic():
        lock_employee_levels(employee)
        current = _current_level(employee, competency)
        current_level = current.level if current is not None else 0
        if level > current_level:
            raise ValidationError(
                {
                    "level": _("A fall-back never raises a level: %(code)s is at %(current)d, below %(level)d.")
                    % {"code": competency.code, "current": current_level, "level": level}
                }
            )
        if current is None or level == current_level:
            return None
        change = _write_level(
            employee=employee,
            competency=competency,
            current=current,
            level=level,
            source=LevelSource.VOIDED,
            evidence=cause,
            evidence_note=cause_note,
            achieved_at=timezone.now(),
            by=by,
        )
        # The record (not the history row) names what supports the level now.
        values = {
            "evidence_note": (support_note or cause_note)[:255],
            "expires_at": supported_until,  # the supporting evidence's validity, if any
            **_evidence_fields(support),
        }
        if supported_since is not None:
            values["achieved_at"] = supported_since
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=list(values))
        return change


def notify_level_changes(
    *,
    employee: User,
    changes: list[LevelChange],
    evidence_note: "StrOrPromise",
    dashboard_url: str = "",
    wording: "LevelChangeWording | None" = None,
) -> None:
    """Tell the employee, in one notification, which of their levels changed and why, in
    their language (the texts are lazy: notify() renders them in it).

    A bulk import telling thousands of people passes `dashboard_url`, the gap dashboard's
    path worked out once, and one `wording` for all its calls, so that each language's
    level labels and competency names are looked up once.
    """
    if not changes:
        return
    wording = wording or LevelChangeWording()
    notify(
        recipients=[employee],
        subject=_level_changes_subject_lazy(wording, len(changes)),
        body=_level_changes_body_lazy(wording, changes, evidence_note),
        url=dashboard_url or reverse("competencies:my_gaps"),
        kind=NotificationKind.RESULT,
    )


class LevelChangeWording:
    """The words of level-change notifications, each worked out once per language: the
    subject, the level labels and "CODE Name" of each competency."""

    def __init__(self) -> None:
        self._words: dict[tuple, str] = {}

    def subject(self, count: int) -> str:
        key = ("subject", get_language(), count)
        if key not in self._words:
            self._words[key] = ngettext("Your competency level changed", "Your competency levels changed", count)
        return self._words[key]

    def body(self, changes: list[LevelChange], evidence_note: "StrOrPromise") -> str:
        language = get_language()
        words = self._words
        lines = []
        for change in changes:
            competency, old, new = change.competency, change.old_level or 0, change.new_level
            if (name_key := ("competency", language, competency.pk)) not in words:
                words[name_key] = f"{competency.code} {competency.name}"
            for level in (old, new):
                if ("level", language, level) not in words:
                    words[("level", language, level)] = level_label(level)
            lines.append(f"{words[name_key]}: {words[('level', language, old)]} → {words[('level', language, new)]}")
        lines.append(_("Evidence: {evidence}").format(evidence=evidence_note))
        return "\n".join(lines)


# Made lazy once, here: lazy() builds a class each time it is called, which per notification
# (format_lazy, ngettext_lazy with a count, lazy_text) cost a results import telling 5,000
# people seconds. A call of these only wraps its arguments.
_level_changes_subject_lazy = lazy(LevelChangeWording.subject, str)
_level_changes_body_lazy = lazy(LevelChangeWording.body, str)


def _validate_weight(weight: int) -> None:
    if isinstance(weight, bool) or not isinstance(weight, int) or not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise ValidationError(
            {
                "weight": _("Weight must be a whole number from %(lowest)s to %(highest)s, not %(weight)r.")
                % {"lowest": MIN_WEIGHT, "highest": MAX_WEIGHT, "weight": weight}
            }
        )


def target_set(
    *,
    position: Position,
    competency: Competency,
    level: int | None,
    by: User | None,
    note: str = "",
    weight: int | None = None,
    is_critical: bool | None = None,
    at: datetime | None = None,
) -> bool:
    """Set a position's target in a competency; None makes it not applicable (removes it).

    `weight` (1–5) and `is_critical`: None leaves them as they are (a new target gets weight 1,
    not critical). Every change of the level is dated in PositionTargetHistory (now, or `at`
    when the change took effect earlier: the demo's matrix, loaded as it stood when its
    history begins); a change of the weight or of criticality alone is not (the history is
    what past gaps are rebuilt from, and a weight does not change a gap, only its rank), but
    like any change of a target it is in the audit trail, which records every save. Returns
    whether anything changed.
    Nobody but a superuser sets the targets of the position they hold themselves: the
    targets are what their own gaps are measured against.
    """
    if by is not None and not by.is_superuser and by.position_id is not None and by.position_id == position.pk:
        raise PermissionDenied(
            _("Nobody sets the targets of their own position (%(position)s): ask another HC member.")
            % {"position": position}
        )
    if level is not None:
        _validate_level(level, field="target_level")
    if weight is not None:
        _validate_weight(weight)
    with transaction.atomic():
        current = PositionTarget.objects.select_for_update().filter(position=position, competency=competency).first()
        old_level = current.target_level if current else None
        if level is None:
            if current is None:
                return False
            current.delete()
        elif current is None:
            PositionTarget.objects.create(
                position=position,
                competency=competency,
                target_level=level,
                weight=DEFAULT_WEIGHT if weight is None else weight,
                is_critical=bool(is_critical),
            )
        else:
            values = {"target_level": level, "weight": weight, "is_critical": is_critical}
            changed = [name for name, value in values.items() if value is not None and getattr(current, name) != value]
            if not changed:
                return False
            for name in changed:
                setattr(current, name, values[name])
            # save(), not QuerySet.update(): the audit trail hears changes through save().
            current.save(update_fields=changed)
        # Reads would find the summary behind (its fingerprint has the targets); this refreshes
        # it before anyone has to wait.
        summary_mark_stale()
        if old_level != level:
            PositionTargetHistory.objects.create(
                position=position,
                competency=competency,
                old_level=old_level,
                new_level=level,
                changed_by=by,
                note=note,
                changed_at=at or timezone.now(),
            )
        # A target is on the pages of everyone in the position and on others' career pages.
        bump_framework()
    return True
