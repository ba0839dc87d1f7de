"""Self-ratings and supervisors' ratings: kept apart from verified levels (competencies),
they never count as a level and never change a gap (PRODUCT.md: "Self-ratings never count
as verified"). Written only by surveys.services."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
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
    # When the employee last gave this rating, changed or the same again: a survey round counts
    # a rating confirmed since it opened (surveys.rounds), though the level did not change.
    confirmed_at = models.DateTimeField(_("last given at"), default=timezone.now)

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


# Survey rounds: HC asks chosen sections and positions to rate themselves by a deadline.

DEFAULT_REMINDER_DAYS = 3
MAX_REMINDER_DAYS = 60


class SurveyRound(models.Model):
    """HC's call to rate oneself by a deadline. A person is in the round when their section OR
    their position is chosen (and their position has competencies to rate); they are told on
    the opening day and reminded, if not done, `reminder_days` before the deadline
    (surveys.rounds). A round only asks: ratings are not tied to it, and a person has completed
    it when every competency of their position has a self-rating given since it opened."""

    name = models.CharField(_("name"), max_length=200)
    sections = models.ManyToManyField(
        "hrportal.Section",
        blank=True,
        related_name="survey_rounds",
        verbose_name=_("sections"),
        help_text=_("Everyone in these sections is in the round."),
    )
    positions = models.ManyToManyField(
        "hrportal.Position",
        blank=True,
        related_name="survey_rounds",
        verbose_name=_("positions"),
        help_text=_("Everyone holding these positions is in the round, whatever their section."),
    )
    opens_on = models.DateField(
        _("opens on"), help_text=_("People in the round are told on this day (at once if it is today or earlier).")
    )
    deadline = models.DateField(_("deadline"), help_text=_("The last day to rate oneself."))
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder lead time (days)"),
        default=DEFAULT_REMINDER_DAYS,
        help_text=_("How many days before the deadline those who have not finished are reminded (0: on the day)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        verbose_name = _("self-assessment round")
        verbose_name_plural = _("self-assessment rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="survey_round_deadline_not_before_opening"
            ),
            models.CheckConstraint(
                condition=Q(reminder_days__lte=MAX_REMINDER_DAYS), name="survey_round_reminder_days_at_most_60"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("surveys:round", args=[self.pk])

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.deadline

    @property
    def reminder_on(self) -> date:
        """The day the reminder goes out (never before the opening day)."""
        return max(self.deadline - timedelta(days=self.reminder_days), self.opens_on)


class SurveyNoticeKind(models.TextChoices):
    OPENING = "opening", _("Opening notice")
    REMINDER = "reminder", _("Reminder")


class SurveyNotice(models.Model):
    """A round's notice sent to one person: at most one of each kind per person and round
    (unique), so no run of the reminder command, and no re-save of the round, tells anyone twice."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="notices", verbose_name=_("round"))
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyNoticeKind.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["round", "employee", "kind"]
        verbose_name = _("self-assessment round notice")
        verbose_name_plural = _("self-assessment round notices")
        constraints = [
            models.UniqueConstraint(fields=["round", "employee", "kind"], name="survey_notice_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=SurveyNoticeKind.values), name="survey_notice_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.employee} · {self.kind}"
