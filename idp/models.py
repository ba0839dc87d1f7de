"""Individual Development Plan items, their status history, and dismissed suggestions."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from competencies.models import GRANTABLE_LEVEL_CHOICES, Competency
from hrportal.models import Escalation

if TYPE_CHECKING:
    from hrportal.access import ApprovalRight

EVIDENCE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "txt", "docx", "xlsx", "pptx"]


class ActivityType(models.TextChoices):
    TRAINING = "training", _("Training")
    ON_THE_JOB = "on_the_job", _("On-the-job")
    MENTORING = "mentoring", _("Mentoring")
    ASSESSMENT = "assessment", _("Assessment")
    SELF_STUDY = "self_study", _("Self-study")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("IDP item status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("IDP item status", "Submitted")
    APPROVED = "approved", pgettext_lazy("IDP item status", "Approved")
    REJECTED = "rejected", pgettext_lazy("IDP item status", "Rejected")
    IN_PROGRESS = "in_progress", pgettext_lazy("IDP item status", "In progress")
    COMPLETED = "completed", pgettext_lazy("IDP item status", "Completed")
    VERIFIED = "verified", pgettext_lazy("IDP item status", "Verified")
    CANCELLED = "cancelled", pgettext_lazy("IDP item status", "Cancelled")


# Active: still part of the plan. Verified and cancelled items are finished.
ACTIVE_STATUSES = [s for s in ItemStatus.values if s not in (ItemStatus.VERIFIED, ItemStatus.CANCELLED)]
# Overdue is about work still to do by its target date; a completed item waits on HC, not on the employee.
OPEN_WORK_STATUSES = [
    ItemStatus.DRAFT,
    ItemStatus.SUBMITTED,
    ItemStatus.APPROVED,
    ItemStatus.REJECTED,
    ItemStatus.IN_PROGRESS,
]


class IdpItemQuerySet(models.QuerySet):
    def for_employee(self, employee) -> "IdpItemQuerySet":
        return self.filter(employee=employee)

    def active(self) -> "IdpItemQuerySet":
        return self.filter(status__in=ACTIVE_STATUSES)

    def overdue(self, today=None) -> "IdpItemQuerySet":
        return self.filter(status__in=OPEN_WORK_STATUSES, target_date__lt=today or timezone.localdate())


def _evidence_path(item: "IdpItem", filename: str) -> str:
    return f"idp_evidence/{item.employee_id}/{item.pk}/{filename}"


class IdpItem(models.Model):
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="idp_items", verbose_name=_("employee")
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="idp_items", verbose_name=_("competency")
    )
    target_level = models.PositiveSmallIntegerField(_("target level"), choices=GRANTABLE_LEVEL_CHOICES)
    activity_type = models.CharField(_("activity type"), max_length=16, choices=ActivityType.choices)
    description = models.TextField(_("description"))
    target_date = models.DateField(_("target date"))
    status = models.CharField(_("status"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    supervisor_comment = models.TextField(_("supervisor comment"), blank=True)
    evidence_note = models.TextField(_("evidence note"), blank=True)
    evidence_link = models.URLField(_("evidence link"), blank=True)
    # Private: stored under MEDIA_ROOT, which is never served directly; see idp.views.item_evidence.
    evidence_file = models.FileField(
        _("evidence file"),
        upload_to=_evidence_path,
        blank=True,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    verified_level = models.PositiveSmallIntegerField(
        _("verified level"), choices=GRANTABLE_LEVEL_CHOICES, null=True, blank=True
    )
    # An "assessment" item may name the assessment to pass; a pass closes it as verified.
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="idp_items",
        verbose_name=_("assessment to pass"),
    )
    # The escalation clock (idp.escalation): when the item was last submitted (a resubmission
    # restarts it), how far up it has gone since, and when it last went up.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(_("escalation"), choices=Escalation.choices, default=Escalation.NONE)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = IdpItemQuerySet.as_manager()
    # Set by idp.selectors.approval_queue on the items it returns: why the viewer may decide it.
    approval: "ApprovalRight | None"

    class Meta:
        ordering = ["target_date", "pk"]
        verbose_name = _("IDP item")
        verbose_name_plural = _("IDP items")
        indexes = [
            # Serves an employee's plan and "which competencies have an active item".
            models.Index(fields=["employee", "status"], name="idp_item_employee_status"),
            # Serves the approval queue and the admin's status filter.
            models.Index(fields=["status", "target_date"], name="idp_item_status_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(target_level__gte=1, target_level__lte=5), name="idp_target_level_1_5"),
            models.CheckConstraint(
                condition=Q(verified_level__isnull=True) | Q(verified_level__gte=1, verified_level__lte=5),
                name="idp_verified_level_1_5",
            ),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="idp_status_valid"),
            models.CheckConstraint(condition=Q(activity_type__in=ActivityType.values), name="idp_activity_type_valid"),
            models.CheckConstraint(condition=Q(escalation__in=Escalation.values), name="idp_escalation_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} → {self.target_level}: {self.get_activity_type_display()} ({self.employee})"

    def get_absolute_url(self) -> str:
        return reverse("idp:item", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_WORK_STATUSES and self.target_date < timezone.localdate()

    @property
    def is_editable(self) -> bool:
        return self.status in (ItemStatus.DRAFT, ItemStatus.REJECTED)


class IdpItemTransition(models.Model):
    """One status change of an item: the timeline. Written only by idp.services."""

    item = models.ForeignKey(IdpItem, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("item"))
    from_status = models.CharField(_("from status"), max_length=16, choices=ItemStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, choices=ItemStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    comment = models.TextField(_("comment"), blank=True)
    # The result a system transition reacted to: the pass that closed the item, the void that
    # reopened it. A void finds the items its result closed by this, whatever language the
    # comment was written in.
    result = models.ForeignKey(
        "assessments.AssessmentResult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessment result"),
    )
    # When a delegate acted: whose approvals they held (the timeline says "on behalf of").
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    # An escalation step (from submitted to submitted): how far up the item went.
    escalated_to = models.PositiveSmallIntegerField(
        _("escalated to"), choices=Escalation.choices, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("idp item transition")
        verbose_name_plural = _("idp item transitions")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_status or 'new'} → {self.to_status}"


class SuggestionDismissal(models.Model):
    """An employee dismissed the suggestion for a competency while its gap was `gap`.

    The suggestion stays hidden while the gap is unchanged and comes back when it changes.
    """

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+", verbose_name=_("competency"))
    gap = models.SmallIntegerField(_("gap"))
    dismissed_at = models.DateTimeField(_("dismissed at"), default=timezone.now)

    class Meta:
        verbose_name = _("suggestion dismissal")
        verbose_name_plural = _("suggestion dismissals")
        constraints = [
            models.UniqueConstraint(fields=["employee", "competency"], name="dismissal_one_per_competency"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} dismissed {self.competency.code} at gap {self.gap}"


class DigestSent(models.Model):
    """One weekly digest emailed to one person (idp.digests): at most one per ISO week."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent", verbose_name=_("recipient")
    )
    # The ISO week, "2026-W49": sorts as it reads.
    week = models.CharField(_("ISO week"), max_length=8)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    items = models.PositiveIntegerField(_("things listed"))

    class Meta:
        ordering = ["-week", "recipient"]
        verbose_name = _("weekly digest sent")
        verbose_name_plural = _("weekly digests sent")
        constraints = [
            # A second run the same week sends nothing twice (send_digests is idempotent per week).
            models.UniqueConstraint(fields=["recipient", "week"], name="digest_one_per_person_week"),
        ]

    def __str__(self) -> str:
        return f"{self.week}: {self.recipient}"
