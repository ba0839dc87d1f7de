"""Self-ratings and supervisors' ratings: kept apart from verified levels (competencies),
they never count as a level and never change a gap (PRODUCT.md: "Self-ratings never count
as verified"). Written only by surveys.services."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from competencies.models import LEVEL_CHOICES, MAX_LEVEL, MIN_LEVEL, Competency, level_label


def _level_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": MIN_LEVEL, f"{field}__lte": MAX_LEVEL})


class RatingQuerySet(models.QuerySet):
    def for_employees(self, employee_ids) -> "RatingQuerySet":
        return self.filter(employee_id__in=employee_ids)


class SelfRating(models.Model):
    """An employee's current rating of themselves in one competency of their position."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="self_ratings", verbose_name=_("employee")
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="self_ratings", verbose_name=_("competency")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=LEVEL_CHOICES)
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["employee", "competency"]
        verbose_name = _("self-rating")
        verbose_name_plural = _("self-ratings")
        constraints = [
            models.UniqueConstraint(fields=["employee", "competency"], name="self_rating_one_per_competency"),
            models.CheckConstraint(condition=_level_in_range("level"), name="self_rating_level_0_5"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.competency.code}: {self.level}"

    @property
    def label(self) -> str:
        return level_label(self.level)


class SelfRatingHistory(models.Model):
    """One row per change of a self-rating (a null old level: the first rating). Written only
    by the services; never edited or deleted."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("employee")
    )
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency"))
    old_level = models.PositiveSmallIntegerField(_("old level"), null=True, blank=True)
    new_level = models.PositiveSmallIntegerField(_("new level"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("self-rating history")
        verbose_name_plural = _("self-rating history")
        indexes = [
            # Serves one employee's rating history in a competency.
            models.Index(fields=["employee", "competency", "changed_at"], name="self_rating_history_lookup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(old_level__isnull=True) | _level_in_range("old_level")) & _level_in_range("new_level"),
                name="self_rating_history_levels_0_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.competency.code}: {self.old_level} → {self.new_level}"


class SupervisorRating(models.Model):
    """The supervisor's view of an employee's level in one competency, with a comment: shown
    beside the self-rating and the verified level, never counted as a level. One per employee
    and competency (a new supervisor's rating replaces the previous one); its changes are in
    the audit trail (hrportal.audit.TRACKED_MODELS)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervisor_ratings",
        verbose_name=_("employee"),
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="supervisor_ratings", verbose_name=_("competency")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=LEVEL_CHOICES)
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("rated by")
    )
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["employee", "competency"]
        verbose_name = _("supervisor rating")
        verbose_name_plural = _("supervisor ratings")
        constraints = [
            models.UniqueConstraint(fields=["employee", "competency"], name="supervisor_rating_one_per_competency"),
            models.CheckConstraint(condition=_level_in_range("level"), name="supervisor_rating_level_0_5"),
            # Nobody rates themselves as their own supervisor, whatever door the row comes through.
            models.CheckConstraint(condition=~Q(rated_by=models.F("employee")), name="supervisor_rating_not_own"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.competency.code}: {self.level}"

    @property
    def label(self) -> str:
        return level_label(self.level)
