"""Assessments, their results, and the mappings that turn passed results into levels."""

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, Func, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import Contains, Exact, IsNull
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from competencies.models import GRANTABLE_LEVEL_CHOICES, Competency, CompetencyLevelHistory, LevelSource
from hrportal.models import ImportStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def _percent_field(verbose_name: "str | StrOrPromise", **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS, **kwargs)


def _percent_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


class ReviewPolicy(models.TextChoices):
    """What a taker sees of their answers once the attempt is final (never before)."""

    SCORE = "score", _("Score only")
    ANSWERS = "answers", _("Score and which answers were right")
    EXPLANATIONS = "explanations", _("Score, right answers and explanations")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    LISTED = "listed", _("Only the positions, sections and people listed")


class AssessmentQuerySet(models.QuerySet):
    def published(self) -> "AssessmentQuerySet":
        return self.filter(is_published=True)

    def eligible_for(self, employee) -> "AssessmentQuerySet":
        """Published assessments `employee` may take: open to everyone, or listing their
        position, their section or them by name. The one home of the audience rule."""
        listed = Q(eligible_employees=employee.pk)
        if employee.position_id:
            listed |= Q(eligible_positions=employee.position_id)
        if employee.section_id:
            listed |= Q(eligible_sections=employee.section_id)
        audience = Q(audience=Audience.EVERYONE) | (Q(audience=Audience.LISTED) & listed)
        return self.published().filter(pk__in=Assessment.objects.filter(audience).values("pk"))


class Assessment(models.Model):
    title = models.CharField(_("title"), max_length=200)
    # What other systems call it (an LMS course code, a licence number); imports find an
    # assessment by its code or its title.
    code = models.CharField(
        _("code"),
        max_length=64,
        blank=True,
        help_text=_("Optional, unique: what other systems and import files call this assessment."),
    )
    # Free text ("Assessment OJ", "IHT", "Licencor"); mappings compare it case-insensitively.
    category = models.CharField(_("category"), max_length=100)
    pass_percentage = _percent_field(_("pass percentage"), default=Decimal(70))
    # A licence or certificate lapses: a level granted by a pass expires this many months
    # after the pass (a mapping may set its own validity instead).
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Blank: a pass never expires. A number: the levels a pass grants expire that many months later."),
    )

    # Taking it online. An assessment taken elsewhere (recorded or imported by HC) stays
    # unpublished and needs no questions.
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Employees can start it only when it is published.")
    )
    instructions = models.TextField(_("instructions"), blank=True, help_text=_("Shown before the employee starts."))
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=30)
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        help_text=_("Blank: every question. A number: that many, drawn at random for each attempt."),
    )
    draw_per_competency = models.BooleanField(
        _("draw that many per competency"),
        default=False,
        help_text=_("Draw the number above from each competency tag (untagged questions count as one tag)."),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle answer options"), default=True)
    max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"), null=True, blank=True, default=3, help_text=_("Blank: no limit.")
    )
    cooldown_minutes = models.PositiveIntegerField(
        _("cooldown between attempts (minutes)"), default=0, help_text=_("0: the next attempt may start at once.")
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(
        _("closes at"), null=True, blank=True, help_text=_("An attempt running at this time ends at this time.")
    )
    audience = models.CharField(
        _("who may take it"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    eligible_positions = models.ManyToManyField(
        "hrportal.Position", blank=True, related_name="+", verbose_name=_("positions")
    )
    eligible_sections = models.ManyToManyField(
        "hrportal.Section", blank=True, related_name="+", verbose_name=_("sections")
    )
    eligible_employees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named employees")
    )
    review_policy = models.CharField(
        _("after submitting, the employee sees"),
        max_length=16,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.ANSWERS,
    )
    requires_fullscreen = models.BooleanField(
        _("ask for full screen"), default=False, help_text=_("Leaving full screen is then recorded.")
    )
    flag_threshold = models.PositiveSmallIntegerField(
        _("integrity points that flag an attempt"),
        null=True,
        blank=True,
        default=10,
        help_text=_(
            "Each recorded event adds points (a window blur 1, a tab switch 2, a second tab 3, …); "
            "an attempt reaching this many is flagged for HC's review. Blank: never flag."
        ),
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["category", "title"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(condition=_percent_in_range("pass_percentage"), name="assessment_pass_0_100"),
            models.UniqueConstraint(fields=["category", "title"], name="assessment_unique_title_in_category"),
            # Codes are unique ignoring case, since imports match them ignoring case.
            models.UniqueConstraint(
                Lower("code"),
                condition=~Q(code=""),
                name="assessment_unique_code",
                violation_error_message=_("Another assessment already has this code."),
            ),
            models.CheckConstraint(condition=Q(time_limit_minutes__gte=1), name="assessment_time_limit_positive"),
            models.CheckConstraint(
                condition=Q(questions_per_attempt__isnull=True) | Q(questions_per_attempt__gte=1),
                name="assessment_draw_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gte=1), name="assessment_max_attempts_positive"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="assessment_window_ordered",
            ),
            models.CheckConstraint(condition=Q(audience__in=Audience.values), name="assessment_audience_valid"),
            models.CheckConstraint(condition=Q(review_policy__in=ReviewPolicy.values), name="assessment_review_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.category})"

    def clean(self) -> None:
        self.code = self.code.strip()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The window must close after it opens.")})
        if self.draw_per_competency and not self.questions_per_attempt:
            raise ValidationError({"questions_per_attempt": _("Say how many questions to draw per competency.")})


class ImportShape(models.TextChoices):
    LONG = "long", _("One row per result")
    WIDE = "wide", _("One row per person, one column per assessment (LMS gradebook)")


class ResultImport(models.Model):
    """One results file imported (or being imported): what HC later sees, and voids as a
    whole when the file was wrong. Its counts are the progress a long import shows."""

    file_name = models.CharField(_("file name"), max_length=255)
    shape = models.CharField(_("shape"), max_length=8, choices=ImportShape.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("results to record"), default=0)
    rows_done = models.PositiveIntegerField(_("results recorded so far"), default=0)
    results_created = models.PositiveIntegerField(_("new results"), default=0)
    duplicates_skipped = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    level_changes = models.PositiveIntegerField(_("level changes"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("results import")
        verbose_name_plural = _("results imports")
        constraints = [
            models.CheckConstraint(condition=Q(shape__in=ImportShape.values), name="result_import_shape_valid"),
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="result_import_status_valid"),
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")), name="result_import_progress_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({timezone.localtime(self.created_at):%Y-%m-%d %H:%M})"


class ResultColumnMapping(models.Model):
    """What a gradebook column means, remembered from the last file that had it: an
    assessment, or (no assessment) a column to ignore. Looked up by the header as
    `results_import.column_key` normalises it, so "Quiz: GSH basic (Real)" and
    "quiz:  gsh basic (real)" are one column."""

    header_key = models.CharField(_("column"), max_length=255, unique=True)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessment"),
        help_text=_("Blank: the column is ignored."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["header_key"]
        verbose_name = _("results column mapping")
        verbose_name_plural = _("results column mappings")

    def __str__(self) -> str:
        return f"{self.header_key} → {self.assessment or '-'}"


class AssessmentResult(models.Model):
    """One employee's attempt. Immutable once recorded, except that HC may void it (with a
    reason), after which it no longer counts as evidence for any level."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessment_results",
        verbose_name=_("employee"),
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="results", verbose_name=_("assessment")
    )
    score = _percent_field(_("score (%)"))
    passed = models.BooleanField(_("passed"), editable=False)
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("voided by"),
    )
    void_reason = models.TextField(_("reason for voiding"), blank=True, editable=False)
    # The file it came from, so HC can see and void a whole wrong file; None when recorded one by one.
    import_batch = models.ForeignKey(
        ResultImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="results",
        editable=False,
        verbose_name=_("imported from"),
    )

    class Meta:
        ordering = ["-completed_at", "-pk"]
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        constraints = [
            models.CheckConstraint(condition=_percent_in_range("score"), name="result_score_0_100"),
            # A voided result always says when, by whom and why.
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="result_void_complete",
            ),
            # The same attempt recorded twice is one result: this is what makes recording idempotent.
            models.UniqueConstraint(fields=["employee", "assessment", "completed_at"], name="result_one_per_attempt"),
        ]

    def __str__(self) -> str:
        return self.evidence_note

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def evidence_note(self) -> str:
        """The readable note a level keeps, e.g. "GSH Basic (Assessment OJ), 85 %, 2026-03-01"."""
        score = f"{self.score.normalize():f}"
        day = timezone.localdate(self.completed_at).isoformat()
        return f"{self.assessment.title} ({self.assessment.category}), {score} %, {day}"


def mapping_covers(mapping: Callable[[str], Any], assessment: str = "") -> Q:
    """CompetencyMapping.matches as a condition on Assessment rows (or, with `assessment`, on
    that relation of the rows filtered), with `mapping(column)` the mapping's columns
    (OuterRef("category"), ...): the one rule in the form a database can count with. Same
    rule, same inputs: tests/assessments/test_mapping_health.py checks the two agree (case,
    pattern, one assessment). Known limit: SQLite lowers ASCII letters only, where casefold
    lowers all.
    """
    return _names_it(mapping, assessment) | (
        Q(IsNull(mapping("assessment_id"), True)) & _by_category(mapping, assessment)
    )


def _names_it(mapping: Callable[[str], Any], assessment: str = "") -> Q:
    """The half of mapping_covers for a mapping naming one assessment."""
    return Q(**{f"{assessment}_id" if assessment else "pk": mapping("assessment_id")})


def _by_category(mapping: Callable[[str], Any], assessment: str = "") -> Q:
    """The half of mapping_covers for a mapping naming a category (and perhaps a title pattern)."""
    prefix = f"{assessment}__" if assessment else ""
    return Q(Exact(Lower(f"{prefix}category"), Lower(mapping("category")))) & (
        Q(Exact(mapping("title_pattern"), "")) | Q(Contains(Lower(f"{prefix}title"), Lower(mapping("title_pattern"))))
    )


def _reaches_threshold(mapping: Callable[[str], Any]) -> Q:
    """threshold_for as a condition on a result's score."""
    return Q(score__gte=Coalesce(mapping("minimum_score"), F("assessment__pass_percentage")))


def _count(queryset: models.QuerySet) -> Coalesce:
    rows = queryset.order_by().annotate(count=Func(F("pk"), function="COUNT")).values("count")
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


class CompetencyMappingQuerySet(models.QuerySet):
    def candidates_for(self, assessment: Assessment) -> "CompetencyMappingQuerySet":
        """Mappings that may match `assessment`; the title pattern is checked by `matches()`."""
        return self.filter(
            Q(assessment=assessment) | Q(assessment__isnull=True, category__iexact=assessment.category)
        ).select_related("competency")

    def with_usage(self) -> "CompetencyMappingQuerySet":
        """Each mapping with `results_matched`: the stored, non-voided results on assessments
        it covers whose score reaches its threshold (what it would grant for), and
        `levels_granted`: how many of those results wrote a level history row in its
        competency at its level (assessment source). Two subqueries in the one query, whatever
        the page size."""

        def outer(column: str) -> OuterRef:
            return OuterRef(column)

        def outer_outer(column: str) -> OuterRef:
            return OuterRef(OuterRef(column))

        result_type = ContentType.objects.filter(
            app_label=AssessmentResult._meta.app_label, model=AssessmentResult._meta.model_name
        ).values("pk")[:1]
        # Each counted result's history row in the mapping's competency at its level, found by
        # the evidence index.
        wrote = CompetencyLevelHistory.objects.filter(
            evidence_type_id=Subquery(result_type),
            evidence_id=OuterRef("pk"),
            source=LevelSource.ASSESSMENT,
            competency_id=OuterRef(OuterRef("competency_id")),
            new_level=OuterRef(OuterRef("level_granted")),
        )
        stored = AssessmentResult.objects.filter(_reaches_threshold(outer), voided_at__isnull=True)

        def count(results: models.QuerySet) -> Case:
            # mapping_covers's two halves apart, so that one naming an assessment counts its
            # results by the assessment index instead of scanning them all.
            return Case(
                When(
                    assessment__isnull=False,
                    then=_count(results.filter(_names_it(outer, "assessment"))),
                ),
                default=_count(results.filter(_by_category(outer, "assessment"))),
            )

        matched = count(stored)
        granted = count(stored.filter(Exists(wrote)))
        return self.annotate(results_matched=matched, levels_granted=granted)


class CompetencyMapping(models.Model):
    """Which passed assessments grant which level of a competency.

    Names either one specific assessment, or a category (optionally narrowed by a
    case-insensitive title pattern) — exactly one of the two. A minimum score, when set,
    replaces the assessment's pass percentage for this mapping: several mappings with
    rising minimum scores make score bands.
    """

    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="mappings", verbose_name=_("competency")
    )
    level_granted = models.PositiveSmallIntegerField(_("level granted"), choices=GRANTABLE_LEVEL_CHOICES)
    minimum_score = _percent_field(_("minimum score"), null=True, blank=True)
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mappings",
        verbose_name=_("assessment"),
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    title_pattern = models.CharField(
        _("title pattern"),
        max_length=200,
        blank=True,
        help_text=_("Optional: the title must contain this text (case-insensitive)."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Blank: as long as the assessment's validity. "
            "A number: the level granted expires that many months after the pass."
        ),
    )

    objects = CompetencyMappingQuerySet.as_manager()

    class Meta:
        ordering = ["competency", "level_granted"]
        verbose_name = _("competency mapping")
        verbose_name_plural = _("competency mappings")
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
        return gettext("%(source)s → %(competency)s level %(level)s") % {
            "source": self.source_description,
            "competency": self.competency.code,
            "level": self.level_granted,
        }

    @property
    def source_description(self) -> str:
        if self.assessment_id:
            return str(self.assessment)
        if self.title_pattern:
            return gettext('%(category)s, title contains "%(pattern)s"') % {
                "category": self.category,
                "pattern": self.title_pattern,
            }
        return gettext("any %(category)s") % {"category": self.category}

    def clean(self) -> None:
        if self.title_pattern and not self.title_pattern.strip():
            raise ValidationError(
                {"title_pattern": gettext("The title pattern is blank: enter some text or leave it empty.")}
            )
        self.category = self.category.strip()
        self.title_pattern = self.title_pattern.strip()
        if self.assessment_id and (self.category or self.title_pattern):
            raise ValidationError(
                {
                    "assessment": gettext(
                        "Choose either one assessment or a category (with an optional title pattern), not both."
                    )
                }
            )
        if not self.assessment_id and not self.category:
            if self.title_pattern:
                raise ValidationError({"category": gettext("A title pattern needs a category.")})
            raise ValidationError(gettext("Name either an assessment or a category."))

    def matches(self, assessment: Assessment) -> bool:
        """Whether this mapping covers `assessment`: the one home of the rule (mapping_covers
        is its database form, for counting)."""
        if self.assessment_id is not None:
            return self.assessment_id == assessment.pk
        if self.category.casefold() != assessment.category.casefold():
            return False
        return not self.title_pattern or self.title_pattern.casefold() in assessment.title.casefold()

    def threshold_for(self, assessment: Assessment) -> Decimal:
        """The score a result needs for this mapping to grant its level."""
        return self.minimum_score if self.minimum_score is not None else assessment.pass_percentage

    def validity_for(self, assessment: Assessment) -> int | None:
        """How many months the level this mapping grants stays valid (None: for good)."""
        return self.validity_months if self.validity_months is not None else assessment.validity_months


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    SHORT_ANSWER = "short_answer", _("Short answer")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class Question(models.Model):
    """One question of an assessment's bank. Attempts freeze a copy (AttemptQuestion), so
    editing the bank never changes an attempt already started or marked."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="questions", verbose_name=_("assessment")
    )
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("Its place in the bank: 1, 2, 3, …"))
    kind = models.CharField(_("type"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    text = models.TextField(_("question"))
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(Decimal("0.01"))]
    )
    partial_credit = models.BooleanField(
        _("partial credit"),
        default=False,
        help_text=_(
            "Multiple choice only. Off: all or nothing. On: each right choice earns its share, "
            "each wrong choice takes one share away, never below 0."
        ),
    )
    true_false_answer = models.BooleanField(_("the statement is true"), null=True, blank=True)
    accepted_answers = models.TextField(
        _("accepted answers"),
        blank=True,
        help_text=_("Short answer only: one per line, compared ignoring case and surrounding spaces."),
    )
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Shown after submitting, if allowed."))
    competency = models.ForeignKey(
        Competency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("competency tag"),
        help_text=_("Optional: gives the result a sub-score for this competency."),
    )

    class Meta:
        ordering = ["assessment", "number"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="question_unique_number"),
            models.CheckConstraint(condition=Q(points__gt=0), name="question_points_positive"),
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="question_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.title} #{self.number}"

    @property
    def accepted_answer_list(self) -> list[str]:
        return [line.strip() for line in self.accepted_answers.splitlines() if line.strip()]


class AnswerOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("option"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["question", "order", "pk"]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")

    def __str__(self) -> str:
        return self.text


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")


class FinishReason(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    TIME_UP = "time_up", _("Time ran out")


class ReviewStatus(models.TextChoices):
    NONE = "", _("Not flagged")
    FLAGGED = "flagged", _("Flagged for review")
    CLEARED = "cleared", _("Cleared")
    VOIDED = "voided", _("Voided")


class AttemptQuerySet(models.QuerySet):
    def open(self) -> "AttemptQuerySet":
        return self.filter(status=AttemptStatus.IN_PROGRESS)

    def counted(self) -> "AttemptQuerySet":
        """Attempts that use up one of the employee's tries (HC's previews do not)."""
        return self.filter(is_preview=False)


class Attempt(models.Model):
    """One sitting of an online assessment, with its questions frozen at the start."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("assessment")
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("employee")
    )
    # HC trying the assessment as a taker: scored, never recorded, never counted.
    is_preview = models.BooleanField(_("is preview"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    # The server's deadline: the start plus the time limit, or the window's close if earlier.
    deadline = models.DateTimeField(_("deadline"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finish_reason = models.CharField(_("finish reason"), max_length=16, choices=FinishReason.choices, blank=True)
    points_earned = models.DecimalField(_("points earned"), max_digits=8, decimal_places=2, null=True, blank=True)
    points_possible = models.DecimalField(_("points possible"), max_digits=8, decimal_places=2, null=True, blank=True)
    score = _percent_field(_("score (%)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    result = models.OneToOneField(
        AssessmentResult,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempt",
        verbose_name=_("result"),
    )
    # Integrity summary, kept current as events arrive so lists need no aggregation.
    integrity_points = models.PositiveIntegerField(_("integrity points"), default=0)
    seconds_away = models.PositiveIntegerField(_("seconds away"), default=0)
    review_status = models.CharField(
        _("review status"), max_length=16, choices=ReviewStatus.choices, blank=True, default=""
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        indexes = [
            # Serves "my attempts at this assessment" (attempts used, cooldown, resume).
            models.Index(fields=["employee", "assessment", "started_at"], name="attempt_employee_lookup"),
            # Serves the overdue command and the review queue.
            models.Index(fields=["status", "deadline"], name="attempt_status_deadline"),
            models.Index(fields=["review_status"], name="attempt_review_status"),
        ]
        constraints = [
            # A second tab or a double click resumes the open attempt instead of starting another.
            models.UniqueConstraint(
                fields=["employee", "assessment", "is_preview"],
                condition=Q(status="in_progress"),
                name="attempt_one_open_per_assessment",
            ),
            models.CheckConstraint(condition=Q(status__in=AttemptStatus.values), name="attempt_status_valid"),
            models.CheckConstraint(
                condition=Q(status="in_progress", finished_at__isnull=True)
                | Q(status="finished", finished_at__isnull=False, score__isnull=False),
                name="attempt_finished_has_score",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("started_at")), name="attempt_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(is_preview=False) | Q(result__isnull=True), name="attempt_preview_no_result"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | _percent_in_range("score"), name="attempt_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.title} · {self.employee} · {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("assessments:attempt", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS


class AttemptQuestion(models.Model):
    """A question as it was when the attempt started, in the order this taker sees it.

    Option keys are random per attempt: they say nothing about correctness or about the
    bank's order. `correct_keys` and `accepted_answers` never leave the server before the
    attempt is final.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions", verbose_name=_("attempt"))
    position = models.PositiveSmallIntegerField(_("position"))
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("question")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    text = models.TextField(_("text"))
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    partial_credit = models.BooleanField(_("partial credit"), default=False)
    explanation = models.TextField(_("explanation"), blank=True)
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("competency")
    )
    # [{"key": "…", "text": "…"}] in the order shown; empty for short answers.
    options = models.JSONField(_("options"), default=list)
    correct_keys = models.JSONField(_("correct keys"), default=list)
    accepted_answers = models.JSONField(_("accepted answers"), default=list)
    # Choice questions: a list of option keys; short answers: the text typed. None: unanswered.
    response = models.JSONField(_("response"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    points_awarded = models.DecimalField(_("points awarded"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_question_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.position}"


class IntegrityEventKind(models.TextChoices):
    TAB_HIDDEN = "tab_hidden", _("Switched tab or app")
    WINDOW_BLUR = "window_blur", _("Left the window")
    COPY = "copy", _("Copied text")
    CUT = "cut", _("Cut text")
    PASTE = "paste", _("Pasted text")
    FULLSCREEN_EXIT = "fullscreen_exit", _("Left full screen")
    SECOND_TAB = "second_tab", _("Opened the attempt in a second tab")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


# One home for how much each kind of event weighs; the integrity points add these up.
EVENT_SEVERITY: dict[str, int] = {
    IntegrityEventKind.WINDOW_BLUR: Severity.LOW,
    IntegrityEventKind.COPY: Severity.LOW,
    IntegrityEventKind.CUT: Severity.LOW,
    IntegrityEventKind.PASTE: Severity.MEDIUM,
    IntegrityEventKind.TAB_HIDDEN: Severity.MEDIUM,
    IntegrityEventKind.FULLSCREEN_EXIT: Severity.MEDIUM,
    IntegrityEventKind.SECOND_TAB: Severity.HIGH,
}


class IntegrityEvent(models.Model):
    """Something the attempt page saw that a proctor would want to know about."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events", verbose_name=_("attempt"))
    kind = models.CharField(_("kind"), max_length=16, choices=IntegrityEventKind.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    # When the browser says it happened, kept within the attempt's start and the arrival.
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # For a tab switch: how long the page stayed hidden.
    seconds_away = models.PositiveIntegerField(_("seconds away"), default=0)

    class Meta:
        ordering = ["attempt", "occurred_at", "pk"]
        verbose_name = _("integrity event")
        verbose_name_plural = _("integrity events")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=IntegrityEventKind.values), name="event_kind_valid"),
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=3), name="event_severity_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.attempt_id})"
