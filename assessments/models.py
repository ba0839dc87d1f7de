"""Assessments, their results, and the mappings that turn passed results into levels."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from competencies.models import GRANTABLE_LEVEL_CHOICES, Competency

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def _percent_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS, **kwargs)


def _percent_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


class Assessment(models.Model):
    title = models.CharField(max_length=200)
    # Free text ("Assessment OJ", "IHT", "Licencor"); mappings compare it case-insensitively.
    category = models.CharField(max_length=100)
    pass_percentage = _percent_field("pass percentage", default=Decimal(70))

    class Meta:
        ordering = ["category", "title"]
        constraints = [
            models.CheckConstraint(condition=_percent_in_range("pass_percentage"), name="assessment_pass_0_100"),
            models.UniqueConstraint(fields=["category", "title"], name="assessment_unique_title_in_category"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.category})"


class AssessmentResult(models.Model):
    """One employee's attempt. Immutable once recorded (corrections are a later feature)."""

    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessment_results")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="results")
    score = _percent_field("score (%)")
    passed = models.BooleanField(editable=False)
    completed_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=_percent_in_range("score"), name="result_score_0_100"),
            # The same attempt recorded twice is one result: this is what makes recording idempotent.
            models.UniqueConstraint(fields=["employee", "assessment", "completed_at"], name="result_one_per_attempt"),
        ]

    def __str__(self) -> str:
        return self.evidence_note

    @property
    def evidence_note(self) -> str:
        """The readable note a level keeps, e.g. "GSH Basic (Assessment OJ), 85 %, 2026-03-01"."""
        score = f"{self.score.normalize():f}"
        day = timezone.localdate(self.completed_at).isoformat()
        return f"{self.assessment.title} ({self.assessment.category}), {score} %, {day}"


class CompetencyMappingQuerySet(models.QuerySet):
    def candidates_for(self, assessment: Assessment) -> "CompetencyMappingQuerySet":
        """Mappings that may match `assessment`; the title pattern is checked by `matches()`."""
        return self.filter(
            Q(assessment=assessment) | Q(assessment__isnull=True, category__iexact=assessment.category)
        ).select_related("competency")


class CompetencyMapping(models.Model):
    """Which passed assessments grant which level of a competency.

    Names either one specific assessment, or a category (optionally narrowed by a
    case-insensitive title pattern) — exactly one of the two. A minimum score, when set,
    replaces the assessment's pass percentage for this mapping: several mappings with
    rising minimum scores make score bands.
    """

    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="mappings")
    level_granted = models.PositiveSmallIntegerField("level granted", choices=GRANTABLE_LEVEL_CHOICES)
    minimum_score = _percent_field("minimum score", null=True, blank=True)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="mappings")
    category = models.CharField(max_length=100, blank=True)
    title_pattern = models.CharField(
        max_length=200, blank=True, help_text="Optional: the title must contain this text (case-insensitive)."
    )

    objects = CompetencyMappingQuerySet.as_manager()

    class Meta:
        ordering = ["competency", "level_granted"]
        constraints = [
            models.CheckConstraint(condition=Q(level_granted__gte=1, level_granted__lte=5), name="mapping_level_1_5"),
            models.CheckConstraint(
                condition=Q(minimum_score__isnull=True) | _percent_in_range("minimum_score"),
                name="mapping_min_score_0_100",
            ),
            # Exactly one of: a specific assessment, or a category (with an optional pattern).
            models.CheckConstraint(
                condition=(Q(assessment__isnull=False) & Q(category="") & Q(title_pattern=""))
                | (Q(assessment__isnull=True) & ~Q(category="")),
                name="mapping_assessment_xor_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_description} → {self.competency.code} level {self.level_granted}"

    @property
    def source_description(self) -> str:
        if self.assessment_id:
            return str(self.assessment)
        if self.title_pattern:
            return f'{self.category}, title contains "{self.title_pattern}"'
        return f"any {self.category}"

    def clean(self) -> None:
        if self.title_pattern and not self.title_pattern.strip():
            raise ValidationError({"title_pattern": "The title pattern is blank: enter some text or leave it empty."})
        self.category = self.category.strip()
        self.title_pattern = self.title_pattern.strip()
        if self.assessment_id and (self.category or self.title_pattern):
            raise ValidationError(
                {"assessment": "Choose either one assessment or a category (with an optional title pattern), not both."}
            )
        if not self.assessment_id and not self.category:
            if self.title_pattern:
                raise ValidationError({"category": "A title pattern needs a category."})
            raise ValidationError("Name either an assessment or a category.")

    def matches(self, assessment: Assessment) -> bool:
        if self.assessment_id is not None:
            return self.assessment_id == assessment.pk
        if self.category.casefold() != assessment.category.casefold():
            return False
        return not self.title_pattern or self.title_pattern.casefold() in assessment.title.casefold()

    def threshold_for(self, assessment: Assessment) -> Decimal:
        """The score a result needs for this mapping to grant its level."""
        return self.minimum_score if self.minimum_score is not None else assessment.pass_percentage
