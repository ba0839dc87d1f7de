"""The competency framework, the matrix of targets, and employees' levels with history."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hrportal.translated import unique_name_constraints

MIN_LEVEL = 0
MAX_LEVEL = 5
# A target's weight: how much it counts in the ranking of gaps (weight × gap) and in the match score.
MIN_WEIGHT = 1
MAX_WEIGHT = 5
DEFAULT_WEIGHT = 1
WEIGHT_CHOICES = [(value, str(value)) for value in range(MIN_WEIGHT, MAX_WEIGHT + 1)]


class Proficiency(models.IntegerChoices):
    """The portal's one proficiency scale; labels are shown wherever a level is."""

    NONE = 0, pgettext_lazy("proficiency", "None")
    BASIC = 1, pgettext_lazy("proficiency", "Basic")
    INTERMEDIATE = 2, pgettext_lazy("proficiency", "Intermediate")
    ADVANCED = 3, pgettext_lazy("proficiency", "Advanced")
    EXPERT = 4, pgettext_lazy("proficiency", "Expert")
    MASTER = 5, pgettext_lazy("proficiency", "Master")


def level_label(level: int | None) -> str:
    """ "3 · Advanced" for 3; "–" for not applicable (None)."""
    if level is None:
        return "–"
    return f"{level} · {Proficiency(level).label}"


# The same label, worked out only when shown, in the language active then: for what is built
# at import time (the choices below) or rendered later for someone else (a notification).
level_label_lazy = lazy(level_label, str)

# Choices as shown everywhere a level is: "3 · Advanced".
LEVEL_CHOICES = [(value, level_label_lazy(value)) for value in Proficiency.values]
GRANTABLE_LEVEL_CHOICES = LEVEL_CHOICES[1:]


def _level_in_range(field: str, low: int = MIN_LEVEL) -> Q:
    return Q(**{f"{field}__gte": low, f"{field}__lte": MAX_LEVEL})


class SkillGroup(models.Model):
    # In both languages (competencies/translation.py), each unique in its own column.
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill group")
        verbose_name_plural = _("skill groups")
        constraints = unique_name_constraints("skill_group")

    def __str__(self) -> str:
        return self.name


class Competency(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.TextField(_("definition"), blank=True)
    group = models.ForeignKey(
        SkillGroup, on_delete=models.PROTECT, related_name="competencies", verbose_name=_("group")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LevelDescriptor(models.Model):
    """What a level of one competency looks like and how to develop towards it."""

    competency = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="descriptors", verbose_name=_("competency")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=GRANTABLE_LEVEL_CHOICES)
    behaviour_indicators = models.TextField(_("behaviour indicators"), blank=True)
    syllabus = models.TextField(_("syllabus"), blank=True)
    deliverable = models.TextField(_("target deliverable"), blank=True)

    class Meta:
        ordering = ["competency", "level"]
        verbose_name = _("level descriptor")
        verbose_name_plural = _("level descriptors")
        constraints = [
            models.UniqueConstraint(fields=["competency", "level"], name="descriptor_one_per_level"),
            models.CheckConstraint(condition=_level_in_range("level", low=1), name="descriptor_level_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} level {self.level}"


class PositionTarget(models.Model):
    """Target level of one position in one competency. No row means not applicable."""

    position = models.ForeignKey(
        "hrportal.Position", on_delete=models.PROTECT, related_name="targets", verbose_name=_("position")
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="targets", verbose_name=_("competency")
    )
    target_level = models.PositiveSmallIntegerField(_("target level"), choices=LEVEL_CHOICES)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        choices=WEIGHT_CHOICES,
        default=DEFAULT_WEIGHT,
        help_text=_("1–5: gaps are ranked by weight × gap, and the match score counts each competency by its weight."),
    )
    is_critical = models.BooleanField(
        _("critical"),
        default=False,
        help_text=_("A position is recommended to someone only when every critical competency is met."),
    )

    class Meta:
        ordering = ["position", "competency"]
        verbose_name = _("position target")
        verbose_name_plural = _("position targets")
        constraints = [
            models.UniqueConstraint(fields=["position", "competency"], name="target_one_per_position_competency"),
            models.CheckConstraint(condition=_level_in_range("target_level"), name="target_level_0_5"),
            models.CheckConstraint(
                condition=Q(weight__gte=MIN_WEIGHT, weight__lte=MAX_WEIGHT), name="target_weight_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.competency.code}: {self.target_level}"

    def is_met_by(self, level: int) -> bool:
        return level >= self.target_level


class PositionTargetHistory(models.Model):
    """Every change of a target, so the gap on a past date can be reconstructed.

    A null old level means the target was created; a null new level means it was removed
    (the competency became not applicable for the position).
    """

    position = models.ForeignKey(
        "hrportal.Position", on_delete=models.PROTECT, related_name="+", verbose_name=_("position")
    )
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency"))
    old_level = models.PositiveSmallIntegerField(_("old level"), null=True, blank=True)
    new_level = models.PositiveSmallIntegerField(_("new level"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("position target history")
        verbose_name_plural = _("position target history")
        indexes = [
            # Serves "the target of position P in competency C on date D".
            models.Index(fields=["position", "competency", "changed_at"], name="target_history_lookup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(old_level__isnull=True) | _level_in_range("old_level"))
                & (Q(new_level__isnull=True) | _level_in_range("new_level")),
                name="target_history_levels_0_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.competency.code}: {self.old_level} → {self.new_level}"


class LevelSource(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    MANUAL = "manual", _("Manual override")
    TRAINING = "training", _("Training")
    # HC voided the result that supported the level; it fell back to the remaining evidence.
    VOIDED = "voided", _("Result voided")


class CompetencyLevelQuerySet(models.QuerySet):
    def for_employee(self, employee) -> "CompetencyLevelQuerySet":
        return self.filter(employee=employee)


class CompetencyLevel(models.Model):
    """An employee's one current, verified level in one competency."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="competency_levels", verbose_name=_("employee")
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="levels", verbose_name=_("competency")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=LEVEL_CHOICES)
    source = models.CharField(_("source"), max_length=16, choices=LevelSource.choices)
    # Evidence: a generic link to what justified the level (an assessment result, an IDP
    # item), so this app needs no foreign key up to the apps that build on it.
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("evidence type")
    )
    evidence_id = models.PositiveBigIntegerField(_("evidence id"), null=True, blank=True)
    evidence = GenericForeignKey("evidence_type", "evidence_id")
    evidence_note = models.CharField(_("evidence note"), max_length=255, blank=True)
    achieved_at = models.DateTimeField(_("achieved at"), default=timezone.now)
    # When the evidence lapses (a licence valid 24 months); None: it never does. The stored
    # level is not lowered when it passes: competencies.rules counts an expired level as a
    # gap, and a new pass renews it.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = CompetencyLevelQuerySet.as_manager()

    class Meta:
        ordering = ["employee", "competency"]
        verbose_name = _("competency level")
        verbose_name_plural = _("competency levels")
        constraints = [
            models.UniqueConstraint(fields=["employee", "competency"], name="level_one_per_employee_competency"),
            models.CheckConstraint(condition=_level_in_range("level"), name="level_0_5"),
            models.CheckConstraint(condition=Q(source__in=LevelSource.values), name="level_source_valid"),
        ]
        indexes = [
            # Serves the expiry report and the reminder command: levels lapsing before a date.
            models.Index(fields=["expires_at"], condition=Q(expires_at__isnull=False), name="level_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.competency.code}: {self.level}"

    @property
    def label(self) -> str:
        return level_label(self.level)


class CompetencyLevelHistory(models.Model):
    """One row per change of a level. Written only by the services; never edited or deleted."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="level_history", verbose_name=_("employee")
    )
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency"))
    old_level = models.PositiveSmallIntegerField(_("old level"), null=True, blank=True)
    new_level = models.PositiveSmallIntegerField(_("new level"))
    source = models.CharField(_("source"), max_length=16, choices=LevelSource.choices)
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("evidence type")
    )
    evidence_id = models.PositiveBigIntegerField(_("evidence id"), null=True, blank=True)
    evidence = GenericForeignKey("evidence_type", "evidence_id")
    evidence_note = models.CharField(_("evidence note"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("competency level history")
        verbose_name_plural = _("competency level history")
        indexes = [
            # Serves an employee's history page and "which result granted this".
            models.Index(fields=["employee", "competency", "changed_at"], name="level_history_lookup"),
            models.Index(fields=["evidence_type", "evidence_id"], name="level_history_evidence"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(old_level__isnull=True) | _level_in_range("old_level")) & _level_in_range("new_level"),
                name="level_history_levels_0_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.competency.code}: {self.old_level} → {self.new_level}"


class CareerPath(models.Model):
    """A named, ordered list of positions; a position may be on several paths."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("career path")
        verbose_name_plural = _("career paths")

    def __str__(self) -> str:
        return self.name


class CareerPathStep(models.Model):
    path = models.ForeignKey(CareerPath, on_delete=models.CASCADE, related_name="steps", verbose_name=_("path"))
    position = models.ForeignKey(
        "hrportal.Position", on_delete=models.PROTECT, related_name="career_steps", verbose_name=_("position")
    )
    order = models.PositiveSmallIntegerField(
        _("order"), help_text=_("1 for the first position on the path, then 2, 3, …")
    )

    class Meta:
        ordering = ["path", "order"]
        verbose_name = _("career path step")
        verbose_name_plural = _("career path steps")
        constraints = [
            models.UniqueConstraint(fields=["path", "order"], name="career_step_unique_order"),
            models.UniqueConstraint(fields=["path", "position"], name="career_step_position_once_per_path"),
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.order}. {self.position}"


class ExpiryReminder(models.Model):
    """One reminder sent about one level lapsing, at one threshold (90 days before, 30, on the
    day): what makes `send_expiry_reminders` idempotent. A renewed level has a new expiry
    date, so its reminders start again."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+", verbose_name=_("competency"))
    expires_at = models.DateTimeField(_("expires at"))
    days_before = models.PositiveSmallIntegerField(
        _("days before"), help_text=_("0: the reminder that the level has expired.")
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "competency", "expires_at", "days_before"], name="expiry_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.competency.code}: {self.days_before} days before {self.expires_at:%Y-%m-%d}"


# The organisation report's summary (competencies/report_summary.py computes, keeps and reads
# it; its docstring says when it is current). A refresh writes a whole new batch of rows and
# then makes it the current one, so a reader never sees half of one.


class ReportSummaryBatch(models.Model):
    """One computation of the report's figures: what they were computed from and when."""

    # The refresh's claim number (ReportSummaryState.claims when it started): a later claim saw
    # later data, so a slower, older refresh never replaces a newer batch.
    claim = models.PositiveBigIntegerField(_("claim"), unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    # The first day of the month the progress series ended before; the series moves on with the month.
    month = models.DateField(_("month"))
    # The earliest expiry after `computed_at`: from then on an expired level counts as a gap
    # that the figures do not show yet.
    next_expiry = models.DateTimeField(_("next expiry"), null=True, blank=True)
    # The population and the targets the figures were computed for (report_summary.fingerprint).
    fingerprint = models.CharField(_("fingerprint"), max_length=200)

    class Meta:
        verbose_name = _("report summary batch")
        verbose_name_plural = _("report summary batches")

    def __str__(self) -> str:
        return f"{self.claim}: {self.computed_at:%Y-%m-%d %H:%M}"


class ReportSummaryState(models.Model):
    """The one row saying which batch the report reads and whether it is behind the data."""

    batch = models.ForeignKey(
        ReportSummaryBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("batch")
    )
    # Set by the first level change after a refresh claimed the data (report_summary.summary_mark_stale).
    stale_since = models.DateTimeField(_("stale since"), null=True, blank=True)
    # Set when a refresh claims the data, cleared when the batch of the latest claim is current.
    pending_since = models.DateTimeField(_("pending since"), null=True, blank=True)
    # When a refresh was last queued, so a refresh that never ran is queued again.
    requested_at = models.DateTimeField(_("refresh requested at"), null=True, blank=True)
    claims = models.PositiveBigIntegerField(_("claims"), default=0)

    class Meta:
        verbose_name = _("report summary state")
        verbose_name_plural = _("report summary states")

    def __str__(self) -> str:
        return f"batch {self.batch_id}"


class ReportCellFigures(models.Model):
    """The figures of the employees of one section holding one position (None: no section)."""

    batch = models.ForeignKey(ReportSummaryBatch, on_delete=models.CASCADE, related_name="+", verbose_name=_("batch"))
    section = models.ForeignKey(
        "hrportal.Section",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("section"),
    )
    position = models.ForeignKey(
        "hrportal.Position",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        verbose_name=_("position"),
    )
    employees = models.PositiveIntegerField(_("employees"))
    assignments = models.PositiveIntegerField(_("assignments"))
    met = models.PositiveIntegerField(_("met"))
    gap_total = models.PositiveIntegerField(_("total gap"))
    employees_in_gap = models.PositiveIntegerField(_("employees in gap"))
    met_without_levels = models.PositiveIntegerField(_("met without levels"))

    class Meta:
        verbose_name = _("report cell figures")
        verbose_name_plural = _("report cell figures")
        # Serves the report's reads: one batch, optionally one section and/or position.
        indexes = [models.Index(fields=["batch", "section", "position"], name="report_cell_batch")]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.section_id} × {self.position_id}"


class ReportCompetencyFigures(models.Model):
    """The figures of one competency among the employees of one section holding one position,
    or (`is_total`, no section or position) among everyone: the unfiltered report reads 200
    rows instead of adding up 120,000 on the benchmark data."""

    batch = models.ForeignKey(ReportSummaryBatch, on_delete=models.CASCADE, related_name="+", verbose_name=_("batch"))
    is_total = models.BooleanField(_("everyone"), default=False)
    section = models.ForeignKey(
        "hrportal.Section",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("section"),
    )
    position = models.ForeignKey(
        "hrportal.Position",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("position"),
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, verbose_name=_("competency")
    )
    assignments = models.PositiveIntegerField(_("assignments"))
    met = models.PositiveIntegerField(_("met"))
    gap_total = models.PositiveIntegerField(_("total gap"))
    weighted_gap_total = models.PositiveIntegerField(_("weighted gap"))

    class Meta:
        verbose_name = _("report competency figures")
        verbose_name_plural = _("report competency figures")
        indexes = [models.Index(fields=["batch", "is_total", "section", "position"], name="report_competency_batch")]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.section_id} × {self.position_id} × {self.competency_id}"


class ReportMonthFigures(models.Model):
    """Assignments and met at one month end among the employees of one section holding one
    position, or (`is_total`) among everyone."""

    batch = models.ForeignKey(ReportSummaryBatch, on_delete=models.CASCADE, related_name="+", verbose_name=_("batch"))
    is_total = models.BooleanField(_("everyone"), default=False)
    section = models.ForeignKey(
        "hrportal.Section",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("section"),
    )
    position = models.ForeignKey(
        "hrportal.Position",
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("position"),
    )
    month_end = models.DateField(_("month end"))
    assignments = models.IntegerField(_("assignments"))
    met = models.IntegerField(_("met"))

    class Meta:
        verbose_name = _("report month figures")
        verbose_name_plural = _("report month figures")
        indexes = [models.Index(fields=["batch", "is_total", "section", "position"], name="report_month_batch")]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.section_id} × {self.position_id} at {self.month_end}"
