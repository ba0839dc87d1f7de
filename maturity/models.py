"""The organisation maturity questionnaire (kept by HC in the admin) and the assessments HC record with it.

An assessment keeps its own score, maximum, percentage and band, and each answer a copy of the
question's and option's texts and scores as they were, so editing or retiring questions later
never changes the history.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maturity.bands import MaturityBand, band_label

# What one option may score: enough room for a weighted question, small enough to stay readable.
MAX_OPTION_SCORE = 100


class MaturityQuestion(models.Model):
    # text, help_text and area in both languages (maturity/translation.py).
    area = models.CharField(_("area"), max_length=120, blank=True, help_text=_("The aspect of maturity it asks about."))
    text = models.TextField(pgettext_lazy("maturity questionnaire", "question"))
    help_text = models.TextField(_("help"), blank=True, help_text=_("Shown under the question: what to consider."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Only active questions are asked. Retire a question instead of deleting it."),
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("maturity question")
        verbose_name_plural = _("maturity questions")

    def __str__(self) -> str:
        return self.text


class MaturityOption(models.Model):
    question = models.ForeignKey(
        MaturityQuestion,
        on_delete=models.CASCADE,
        related_name="options",
        verbose_name=pgettext_lazy("maturity questionnaire", "question"),
    )
    text = models.CharField(_("answer"), max_length=300)
    score = models.PositiveSmallIntegerField(_("score"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["question", "order", "pk"]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=MAX_OPTION_SCORE), name="maturity_option_score_max"),
        ]

    def __str__(self) -> str:
        return self.text


class MaturityAssessment(models.Model):
    """One completed questionnaire: written by maturity.services only, never edited."""

    answered_at = models.DateTimeField(_("answered at"), default=timezone.now, db_index=True)  # latest / history
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="maturity_assessments",
        verbose_name=_("answered by"),
    )
    score = models.PositiveIntegerField(_("score"))
    max_score = models.PositiveIntegerField(_("highest possible score"))
    percent = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2)
    band = models.PositiveSmallIntegerField(_("maturity band"), choices=MaturityBand.choices)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        verbose_name = _("maturity assessment")
        verbose_name_plural = _("maturity assessments")
        constraints = [
            models.CheckConstraint(condition=Q(max_score__gt=0), name="maturity_assessment_max_positive"),
            models.CheckConstraint(condition=Q(score__lte=F("max_score")), name="maturity_assessment_score_le_max"),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="maturity_assessment_percent_0_100"
            ),
            models.CheckConstraint(
                condition=Q(band__gte=min(MaturityBand.values), band__lte=max(MaturityBand.values)),
                name="maturity_assessment_band_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answered_at:%Y-%m-%d} {self.percent}%"

    @property
    def band_label(self) -> str:
        return band_label(self.band)


class MaturityAnswer(models.Model):
    """One question's answer in one assessment, with the texts and scores it had then."""

    assessment = models.ForeignKey(
        MaturityAssessment, on_delete=models.CASCADE, related_name="answers", verbose_name=_("assessment")
    )
    # PROTECT: history refers to them; HC retire a question (inactive) rather than delete it.
    question = models.ForeignKey(
        MaturityQuestion,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=pgettext_lazy("maturity questionnaire", "question"),
    )
    option = models.ForeignKey(
        MaturityOption, on_delete=models.PROTECT, related_name="answers", verbose_name=_("answer")
    )
    # Copies as they were when answered (both languages: maturity/translation.py).
    question_text = models.TextField(_("question as asked"))
    option_text = models.CharField(_("answer as given"), max_length=300)
    score = models.PositiveSmallIntegerField(_("score"))
    max_score = models.PositiveSmallIntegerField(_("highest possible score"))

    class Meta:
        ordering = ["assessment", "pk"]
        verbose_name = _("maturity answer")
        verbose_name_plural = _("maturity answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="maturity_answer_once_per_question"),
            models.CheckConstraint(condition=Q(score__lte=F("max_score")), name="maturity_answer_score_le_max"),
        ]

    def __str__(self) -> str:
        return f"{self.question_text}: {self.option_text}"
