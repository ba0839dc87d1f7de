"""Qualification strategies ("archetypes"): the target levels a strategy aims for, by competency
or skill group and by position. A strategy only proposes targets: applying it to positions is a
plan that HC previews and confirms (strategies.services), and the targets change through
competencies.services.target_set, dated in the target history."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from competencies.models import LEVEL_CHOICES, MAX_LEVEL, MIN_LEVEL, Competency, SkillGroup
from hrportal.translated import unique_name_constraints

MIN_PERCENT = 0
MAX_PERCENT = 100


class Strategy(models.Model):
    # In both languages (strategies/translation.py), each unique in its own column.
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    maturity_min = models.PositiveSmallIntegerField(
        _("suggested from maturity (%)"),
        default=MIN_PERCENT,
        help_text=_("The lowest maturity score (0–100) for which the portal suggests this strategy."),
    )
    maturity_max = models.PositiveSmallIntegerField(
        _("suggested up to maturity (%)"),
        default=MAX_PERCENT,
        help_text=_(
            "The highest maturity score (0–100) for which the portal suggests it; both ends count. "
            "Bands of several strategies may overlap: each one whose band holds the score is suggested."
        ),
    )

    class Meta:
        ordering = ["maturity_min", "maturity_max", "pk"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            *unique_name_constraints("strategy"),
            models.CheckConstraint(
                condition=Q(maturity_min__gte=MIN_PERCENT, maturity_max__lte=MAX_PERCENT),
                name="strategy_maturity_band_0_100",
            ),
            models.CheckConstraint(
                condition=Q(maturity_min__lte=F("maturity_max")), name="strategy_maturity_min_le_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.maturity_min is not None and self.maturity_max is not None and self.maturity_min > self.maturity_max:
            raise ValidationError(
                {"maturity_max": _("The band ends below where it starts: make “up to” at least “from”.")}
            )

    def suggested_for(self, percent: Decimal | float | int | None) -> bool:
        """Whether a maturity score of `percent` (0–100; None: no score yet) falls in the band."""
        return percent is not None and self.maturity_min <= percent <= self.maturity_max


class StrategyTarget(models.Model):
    """The level a strategy aims for in one competency, or in every competency of a skill group,
    for one position or (no position) for every position it is applied to.

    Where several rows name the same target, the most specific wins: a competency's row over its
    skill group's, then a position's own row over the every-position row (strategies.services.
    target_row_rank). A row only changes the level of a target the position has: a competency the
    matrix makes not applicable to a position stays so (not applicable is not level 0).
    """

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("strategy"))
    competency = models.ForeignKey(
        Competency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("competency"),
        help_text=_("A competency, or else a skill group: not both."),
    )
    skill_group = models.ForeignKey(
        SkillGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill group"),
        help_text=_("Every competency of the group; a row for one of its competencies wins over it."),
    )
    position = models.ForeignKey(
        "hrportal.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position"),
        help_text=_("Empty: every position the strategy is applied to. A row for the position itself wins over it."),
    )
    target_level = models.PositiveSmallIntegerField(
        _("target level"),
        choices=LEVEL_CHOICES,
        help_text=_(
            "Changes only targets the position has: a competency not applicable to a position stays not applicable."
        ),
    )

    class Meta:
        ordering = ["strategy", "pk"]
        verbose_name = _("strategy target")
        verbose_name_plural = _("strategy targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(competency__isnull=False, skill_group__isnull=True)
                | Q(competency__isnull=True, skill_group__isnull=False),
                name="strategy_target_competency_xor_skill_group",
            ),
            models.CheckConstraint(
                condition=Q(target_level__gte=MIN_LEVEL, target_level__lte=MAX_LEVEL), name="strategy_target_level_0_5"
            ),
            # One row per strategy, competency (or group) and position; NULL (every position) is a
            # value of its own here, which a plain unique constraint would not see.
            models.UniqueConstraint(
                fields=["strategy", "competency", "position"],
                condition=Q(competency__isnull=False, position__isnull=False),
                name="strategy_target_once_per_competency_position",
            ),
            models.UniqueConstraint(
                fields=["strategy", "competency"],
                condition=Q(competency__isnull=False, position__isnull=True),
                name="strategy_target_once_per_competency",
            ),
            models.UniqueConstraint(
                fields=["strategy", "skill_group", "position"],
                condition=Q(skill_group__isnull=False, position__isnull=False),
                name="strategy_target_once_per_group_position",
            ),
            models.UniqueConstraint(
                fields=["strategy", "skill_group"],
                condition=Q(skill_group__isnull=False, position__isnull=True),
                name="strategy_target_once_per_group",
            ),
        ]

    def __str__(self) -> str:
        what = self.competency or self.skill_group
        where = self.position or _("every position")
        return f"{self.strategy} · {what} · {where}: {self.target_level}"

    def clean(self) -> None:
        if (self.competency_id is None) == (self.skill_group_id is None):
            raise ValidationError(_("Choose a competency or a skill group, not both and not neither."))
