"""Learning plans: SMART objectives drafted from an employee's gaps, grouped into phases.

The top of the layering (learning → idp → assessments → competencies → hrportal): an objective
may be turned into an IDP item, so this app points down at idp and nothing points up at it.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from competencies.models import GRANTABLE_LEVEL_CHOICES, LEVEL_CHOICES, MAX_LEVEL, Competency, level_label
from idp.models import ActivityType, IdpItem


class LearningPlan(models.Model):
    """An employee's one learning plan (redrafting replaces its phases and objectives)."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_plans", verbose_name=_("employee")
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("learning plan")
        verbose_name_plural = _("learning plans")
        constraints = [
            # Two drafts at once (a double click, two tabs) still leave one plan.
            models.UniqueConstraint(fields=["employee"], name="learning_plan_one_per_employee"),
        ]

    def __str__(self) -> str:
        return str(_("Learning plan of %(employee)s") % {"employee": self.employee})

    def get_absolute_url(self) -> str:
        return reverse("learning:employee_plan", args=[self.employee_id])


class LearningPhase(models.Model):
    plan = models.ForeignKey(LearningPlan, on_delete=models.CASCADE, related_name="phases", verbose_name=_("plan"))
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    weeks = models.PositiveSmallIntegerField(_("weeks"))

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("learning phase")
        verbose_name_plural = _("learning phases")
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="learning_phase_unique_order"),
            models.CheckConstraint(condition=Q(weeks__gte=1), name="learning_phase_weeks_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class LearningObjective(models.Model):
    """One SMART objective: one level of one competency (achievable: one level at a time)."""

    plan = models.ForeignKey(LearningPlan, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("plan"))
    phase = models.ForeignKey(
        LearningPhase, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("phase")
    )
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency"))
    from_level = models.PositiveSmallIntegerField(_("from level"), choices=LEVEL_CHOICES)
    to_level = models.PositiveSmallIntegerField(_("to level"), choices=GRANTABLE_LEVEL_CHOICES)
    activity_type = models.CharField(_("activity type"), max_length=16, choices=ActivityType.choices)
    specific = models.TextField(_("specific"))
    measurable = models.TextField(_("measurable"))
    achievable = models.TextField(_("achievable"))
    relevant = models.TextField(_("relevant"))
    due_date = models.DateField(_("due date"))
    order = models.PositiveSmallIntegerField(_("order"))
    # Set when the employee edits the drafted text: a redraft asks before replacing it.
    is_edited = models.BooleanField(_("edited"), default=False)
    # The IDP item made from this objective ("Make IDP item"); the item outlives the objective.
    idp_item = models.ForeignKey(
        IdpItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("IDP item")
    )

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("learning objective")
        verbose_name_plural = _("learning objectives")
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="learning_objective_unique_order"),
            # Achievable: one level at a time, within the scale.
            models.CheckConstraint(condition=Q(to_level=F("from_level") + 1), name="learning_objective_one_level_step"),
            models.CheckConstraint(
                condition=Q(from_level__gte=0, to_level__lte=MAX_LEVEL), name="learning_objective_levels_0_5"
            ),
            models.CheckConstraint(
                condition=Q(activity_type__in=ActivityType.values), name="learning_objective_activity_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} {self.from_level} → {self.to_level}"

    @property
    def from_label(self) -> str:
        return level_label(self.from_level)

    @property
    def to_label(self) -> str:
        return level_label(self.to_level)
