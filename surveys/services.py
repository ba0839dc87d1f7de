"""Writes to self-ratings and supervisors' ratings. Every door (the self-assessment page, the
supervisor's form, survey rounds, the demo) calls these. Nothing here touches a verified
level: ratings never count as one (PRODUCT.md)."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.models import MAX_LEVEL, MIN_LEVEL, Competency, PositionTarget, level_label_lazy
from competencies.services import lock_employee_levels
from hrportal.access import can_rate_as_supervisor
from hrportal.models import User
from hrportal.notifications import lazy_text, notify
from surveys.models import SelfRating, SelfRatingHistory, SupervisorRating

COMMENT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class RatingChange:
    competency_id: int
    old_level: int | None
    new_level: int


def _validate_level(level: object, field: str) -> None:
    if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ValidationError(
            {
                field: _("Level must be a whole number from %(lowest)s to %(highest)s, not %(level)r.")
                % {"lowest": MIN_LEVEL, "highest": MAX_LEVEL, "level": level}
            }
        )


def _applicable_competencies(employee: User, competency_ids: set[int]) -> dict[int, Competency]:
    """{id: competency} of those of `competency_ids` that `employee`'s position has a target in;
    ValidationError naming the others. One query."""
    if employee.position_id is None:
        raise ValidationError(_("%(name)s holds no position, so there is nothing to rate.") % {"name": employee})
    targets = PositionTarget.objects.filter(
        position_id=employee.position_id, competency_id__in=competency_ids
    ).select_related("competency")
    applicable = {target.competency_id: target.competency for target in targets}
    if missing := competency_ids - set(applicable):
        # Named by code where the competency exists at all (a stale form); the query runs only then.
        known = dict(Competency.objects.filter(pk__in=missing).values_list("pk", "code"))
        raise ValidationError(
            _("Not a competency of %(name)s's position: %(competencies)s.")
            % {"name": employee, "competencies": ", ".join(str(known.get(pk, pk)) for pk in sorted(missing))}
        )
    return applicable


def self_ratings_set(*, employee: User, levels: Mapping[int, int], by: User) -> list[RatingChange]:
    """Set `employee`'s self-ratings: `levels` is {competency id: level 0–5}, each a competency
    of their position (it has a target there). Only the employee themself rates: anyone else,
    HC and supervisors included, gets PermissionDenied.

    All or nothing: any bad level or competency raises ValidationError and writes nothing.
    A rating equal to the stored one changes no level (only when it was last given,
    `confirmed_at`, which survey rounds count); each change writes a SelfRatingHistory
    row (old level, new level, who, when). Returns the changes.
    """
    if not by.is_authenticated or by.pk != employee.pk:
        raise PermissionDenied(_("A self-rating is the employee's own: nobody rates someone else's."))
    for competency_id, level in levels.items():
        _validate_level(level, field=f"level_{competency_id}")
    if not levels:
        return []
    now = timezone.now()
    changes: list[RatingChange] = []
    unchanged: list[int] = []
    with transaction.atomic():
        # Two tabs saving at once serialise here, so neither inserts a rating the other just made.
        lock_employee_levels(employee)
        _applicable_competencies(employee, set(levels))
        current = {
            rating.competency_id: rating
            for rating in SelfRating.objects.filter(employee=employee, competency_id__in=levels).select_for_update()
        }
        for competency_id, level in levels.items():
            rating = current.get(competency_id)
            if rating is None:
                SelfRating.objects.create(
                    employee=employee,
                    competency_id=competency_id,
                    level=level,
                    rated_at=now,
                    updated_at=now,
                    confirmed_at=now,
                )
                changes.append(RatingChange(competency_id, None, level))
            elif rating.level != level:
                changes.append(RatingChange(competency_id, rating.level, level))
                # save(), not QuerySet.update(): the audit trail hears changes through save().
                rating.level, rating.updated_at, rating.confirmed_at = level, now, now
                rating.save(update_fields=["level", "updated_at", "confirmed_at"])
            else:
                unchanged.append(rating.pk)
        # Given again, unchanged: a survey round counts it as given (surveys.rounds). One query;
        # the audit trail does not follow confirmed_at (hrportal.audit), so update() hides nothing.
        if unchanged:
            SelfRating.objects.filter(pk__in=unchanged).update(confirmed_at=now)
        SelfRatingHistory.objects.bulk_create(
            SelfRatingHistory(
                employee=employee,
                competency_id=change.competency_id,
                old_level=change.old_level,
                new_level=change.new_level,
                changed_by=by,
                changed_at=now,
            )
            for change in changes
        )
    return changes


def self_rating_set(*, employee: User, competency: Competency, level: int, by: User) -> RatingChange | None:
    """One self-rating: self_ratings_set for a single competency. Returns the change, or None
    when the rating was already `level`."""
    changes = self_ratings_set(employee=employee, levels={competency.pk: level}, by=by)
    return changes[0] if changes else None


def supervisor_rating_set(
    *, employee: User, competency: Competency, level: int, comment: str, by: User
) -> SupervisorRating:
    """The supervisor's rating of `employee` in `competency` (a competency of their position),
    with an optional comment. Only the employee's active supervisor rates
    (hrportal.access.can_rate_as_supervisor): never oneself, not HC, not a delegate.

    Replaces the previous supervisor rating (a new supervisor's included); the audit trail
    keeps every version. The employee is told when anything changed. Returns the rating.
    """
    if not can_rate_as_supervisor(by, employee):
        raise PermissionDenied(_("Only the employee's supervisor rates them, and nobody rates themselves."))
    _validate_level(level, field="level")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("Keep the comment to %(limit)s characters.") % {"limit": COMMENT_MAX_LENGTH}}
        )
    with transaction.atomic():
        lock_employee_levels(employee)
        _applicable_competencies(employee, {competency.pk})
        rating = SupervisorRating.objects.select_for_update().filter(employee=employee, competency=competency).first()
        if rating is not None and (rating.level, rating.comment, rating.rated_by_id) == (level, comment, by.pk):
            return rating
        if rating is None:
            rating = SupervisorRating(employee=employee, competency=competency)
        rating.level, rating.comment, rating.rated_by, rating.rated_at = level, comment, by, timezone.now()
        rating.save()
        notify(
            recipients=[employee],
            subject=format_lazy(
                gettext_lazy("{supervisor} rated you in {competency}"),
                supervisor=by.display_name,
                competency=lazy_text(getattr, competency, "name"),
            ),
            body=format_lazy(
                gettext_lazy("Their rating: {level}. {comment}"),
                level=level_label_lazy(level),
                comment=comment,
            ),
            url=reverse("competencies:my_competency", args=[competency.pk]),
        )
    return rating
