"""People and organisation: every app may depend on these."""

from contextvars import ContextVar
from datetime import date, datetime
from functools import cached_property
from typing import ClassVar

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hrportal.supervision import supervisor_cycle
from hrportal.translated import unique_name_constraints

HC_GROUP_NAME = "HC"


class Section(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    # In both languages (hrportal/translation.py), each unique in its own column.
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = unique_name_constraints("position")

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def hc_staff(self) -> "UserQuerySet":
        """Active HC members: superusers, or staff in the HC group."""
        return (
            self.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(is_staff=True, groups__name=HC_GROUP_NAME))
            .distinct()
        )

    def direct_reports_of(self, supervisor: "User") -> "UserQuerySet":
        return self.filter(supervisor=supervisor, is_active=True)


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    # Null (not "") for people without one, e.g. an IT superuser, so uniqueness still holds.
    employee_number = models.CharField(_("employee number"), max_length=32, unique=True, null=True, blank=True)
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, null=True, blank=True, related_name="employees", verbose_name=_("position")
    )
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, null=True, blank=True, related_name="employees", verbose_name=_("section")
    )
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("supervisor"),
    )
    # The language the portal speaks to this person, pages, emails and notifications alike.
    # Blank until they choose: their browser's language decides meanwhile, then LANGUAGE_CODE.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the portal's pages, emails and notifications for this person."),
    )
    # Until they choose, the language their browser was served in at their last log-in, so
    # the notifications and emails of someone reading Indonesian pages are Indonesian too.
    served_language = models.CharField(
        _("language served at the last log-in"), max_length=10, blank=True, editable=False
    )
    digests = models.BooleanField(
        _("weekly digest"),
        default=True,
        help_text=_("A weekly email of what waits for this person, sent only when something does."),
    )

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=~Q(supervisor=F("pk")), name="user_not_own_supervisor"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("competencies:employee_gaps", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.pk is not None and self.supervisor_id == self.pk:
            raise ValidationError({"supervisor": _("Nobody can be their own supervisor.")})
        cycle = self.supervisor_cycle()
        if cycle:
            raise ValidationError({"supervisor": supervisor_cycle_message(cycle)})

    def supervisor_cycle(self) -> "list[User] | None":
        """The people of the cycle this user's (unsaved) supervisor would close, or None."""
        if self.pk is None or self.supervisor_id is None:
            return None

        def supervisor_of(pk: int) -> int | None:
            if pk == self.pk:
                return self.supervisor_id
            return User.objects.filter(pk=pk).values_list("supervisor_id", flat=True).first()

        pks = supervisor_cycle(self.pk, supervisor_of)
        if not pks:
            return None
        people = User.objects.in_bulk(set(pks)) | {self.pk: self}
        return [people[pk] for pk in pks]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def preferred_language(self) -> str:
        """The language to write to this person in where no request of theirs decides (emails,
        notifications): their own choice, else the language their pages were served in at
        their last log-in, else the portal's default (LANGUAGE_CODE)."""
        offered = dict(settings.LANGUAGES)
        for language in (self.language, self.served_language):
            if language in offered:
                return language
        return settings.LANGUAGE_CODE

    @cached_property
    def is_hc(self) -> bool:
        """HC staff: active superusers, or active staff in the HC group (cached per instance)."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return self.is_staff and self.groups.filter(name=HC_GROUP_NAME).exists()

    @property
    def approving_supervisor(self) -> "User | None":
        """Who approves this employee's development items: their supervisor, or None when they
        have none or the supervisor has left (is inactive), in which case HC approves."""
        supervisor = self.supervisor
        return supervisor if supervisor is not None and supervisor.is_active else None

    def is_supervisor_of(self, employee: "User") -> bool:
        return employee.supervisor_id is not None and employee.supervisor_id == self.pk


def supervisor_cycle_message(people: "list[User]") -> str:
    return _("Supervisor cycle: %(people)s. Somebody on it must report to someone else.") % {
        "people": " → ".join(person.display_name for person in people)
    }


class Escalation(models.IntegerChoices):
    """How far up a waiting approval has gone: each step adds approvers, none loses the right."""

    NONE = 0, _("not escalated")
    SECOND_LINE = 1, _("escalated to the supervisor's supervisor")
    HC = 2, _("escalated to HC")


class ApprovalDelegationQuerySet(models.QuerySet):
    def active_on(self, day: date) -> "ApprovalDelegationQuerySet":
        """In force on `day` (both ends inclusive), and not ended early."""
        return self.filter(starts_on__lte=day, ends_on__gte=day, ended_at__isnull=True)


class ApprovalDelegation(models.Model):
    """`delegator` lets `delegate` approve or reject, from `starts_on` to `ends_on` (inclusive), the
    development items they approve as a supervisor. The delegator keeps the right to act; ending
    a delegation early sets `ended_at`. Who may approve is decided by hrportal.access.can_approve_for."""

    delegator = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="delegations_given", verbose_name=_("delegator")
    )
    delegate = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="delegations_received", verbose_name=_("delegate")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended early at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ended by")
    )

    objects = ApprovalDelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("approval delegation")
        verbose_name_plural = _("approval delegations")
        indexes = [
            # Serves "whose approvals does this person hold today" (every approval check and queue).
            models.Index(fields=["delegate", "ends_on"], name="delegation_delegate_ends"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(delegate=F("delegator")), name="delegation_not_to_self"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="delegation_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} ({self.starts_on}–{self.ends_on})"

    def is_active_on(self, day: date) -> bool:
        return self.ended_at is None and self.starts_on <= day <= self.ends_on


class JoinCodeStatus(models.TextChoices):
    """Where a join code stands (JoinCode.status_at); only an active code lets anyone join."""

    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    USED_UP = "used_up", _("used up")
    REVOKED = "revoked", _("revoked")


class JoinCodeQuerySet(models.QuerySet):
    def with_status(self, status: str, now: datetime | None = None) -> "JoinCodeQuerySet":
        """The codes whose status_at(now) is `status`: the same order of precedence, as a filter."""
        now = now or timezone.now()
        revoked = Q(revoked_at__isnull=False)
        expired = ~revoked & Q(expires_at__lte=now)
        used_up = ~revoked & ~expired & Q(uses__gte=F("max_uses"))
        conditions = {
            JoinCodeStatus.REVOKED: revoked,
            JoinCodeStatus.EXPIRED: expired,
            JoinCodeStatus.USED_UP: used_up,
            JoinCodeStatus.ACTIVE: ~revoked & ~expired & ~used_up,
        }
        return self.filter(conditions[JoinCodeStatus(status)])


class JoinCode(models.Model):
    """A code HC hands to new employees so they can choose their first password (/join/).

    The code itself is never stored: only a keyed hash of it (hrportal.joining.code_hashes), as
    for a password, so a copy of the database or a glance at the admin lets nobody join; HC sees
    the code once, when it is created. `hint` (its first characters) tells codes apart in the list.
    Every entry of a code with any details counts as a use (hrportal.joining.join_code_redeem).
    """

    code_hash = models.CharField(_("code hash"), max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=8, editable=False)
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Who the code is for, e.g. “March intake, Production”.")
    )
    expires_at = models.DateTimeField(_("expires at"))
    max_uses = models.PositiveIntegerField(
        _("uses allowed"),
        help_text=_(
            "How many times the code may be entered. Every entry counts, a mistyped email included: "
            "leave room for typos."
        ),
    )
    uses = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )

    objects = JoinCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("join code")
        verbose_name_plural = _("join codes")
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="join_code_uses_within_limit"),
            models.CheckConstraint(condition=Q(max_uses__gte=1), name="join_code_at_least_one_use"),
        ]

    def __str__(self) -> str:
        return f"{self.hint}…" + (f" ({self.note})" if self.note else "")

    def status_at(self, now: datetime | None = None) -> JoinCodeStatus:
        """Revoked, else expired, else used up, else active (JoinCodeQuerySet.with_status agrees)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return JoinCodeStatus.REVOKED
        if self.expires_at <= now:
            return JoinCodeStatus.EXPIRED
        if self.uses >= self.max_uses:
            return JoinCodeStatus.USED_UP
        return JoinCodeStatus.ACTIVE


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user: User) -> "NotificationQuerySet":
        return self.filter(recipient=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def archived(self) -> "NotificationQuerySet":
        return self.filter(archived_at__isnull=False)

    def not_archived(self) -> "NotificationQuerySet":
        return self.filter(archived_at__isnull=True)

    def about(self, obj: models.Model) -> "NotificationQuerySet":
        """The notifications linked to `obj` (Notification.about)."""
        return self.filter(about_type=ContentType.objects.get_for_model(obj), about_id=obj.pk)


class NotificationKind(models.TextChoices):
    """What a notification is about; "to approve" and "to verify" are read by themselves once
    someone acts on the item (hrportal.notifications.notifications_mark_read_about)."""

    TO_APPROVE = "to_approve", _("To approve")
    TO_VERIFY = "to_verify", _("To verify")
    STATUS_CHANGE = "status_change", _("Status change")
    RESULT = "result", _("Result")
    EXPIRY_REMINDER = "expiry_reminder", _("Expiry reminder")
    ESCALATION = "escalation", _("Escalation")
    DELEGATION = "delegation", _("Delegation")
    ACCOUNT = "account", _("Account")
    SURVEY = "survey", _("Self-assessment round")
    OTHER = "other", _("Other")


class NotificationPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Notification(models.Model):
    """One in-app message to one person, about something at `url`; written by hrportal.notifications."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # A path inside the portal ("/idp/12/"), never an absolute URL: the read view redirects to it.
    url = models.CharField(_("url"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    priority = models.CharField(
        _("priority"), max_length=10, choices=NotificationPriority.choices, default=NotificationPriority.NORMAL
    )
    # Archived: put away by the recipient, off the Unread and All views (and read).
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    # What it is about (an IDP item, say): generic, because hrportal sits below the apps whose
    # objects it names.
    about_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("about type")
    )
    about_id = models.PositiveBigIntegerField(_("about id"), null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # Serves the navbar's unread count and "a user's unread notifications, newest first";
            # partial, so it stays as small as the unread backlog.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            # Serves marking read the notifications about an item when someone acts on it.
            models.Index(
                fields=["about_type", "about_id"],
                condition=Q(about_id__isnull=False),
                name="notification_about",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_high_priority(self) -> bool:
        return self.priority == NotificationPriority.HIGH


class AuditEvent(models.TextChoices):
    CHANGE = "change", _("change")
    LOGIN = "login", _("login")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOGOUT = "logout", _("logout")
    ACCESS_DENIED = "access_denied", _("refused access")
    IMPORT = "import", _("import")
    # Joining with a code (/join/): each attempt, and each attempt refused as one too many.
    JOIN = "join", _("join attempt")
    JOIN_THROTTLED = "join_throttled", _("join attempt refused: too many")


class AuditEntryQuerySet(models.QuerySet):
    def delete(self):  # type: ignore[override]
        raise PermissionError("The audit trail is never deleted by the application: use `manage.py purge_audit`.")

    def update(self, **kwargs):
        raise PermissionError("The audit trail is never edited.")


# The entries of an open hrportal.audit.audit_batched() block, which inserts them at its end.
audit_batch: ContextVar["list[AuditEntry] | None"] = ContextVar("audit_batch", default=None)


class AuditEntryManager(LogEntryManager.from_queryset(AuditEntryQuerySet)):  # type: ignore[misc]
    """django-auditlog's manager (log_create, get_for_object, ...) over a queryset that refuses edits."""

    def create(self, **kwargs):
        """An entry, saved now or, inside audit_batched(), collected for the block's one insert."""
        batch = audit_batch.get()
        if batch is None:
            return super().create(**kwargs)
        entry = self.model(**kwargs)
        # What save() sends first: auditlog's request context (actor, address, path) is set
        # on the entry by a pre_save receiver, which bulk_create would not call.
        pre_save.send(sender=self.model, instance=entry, raw=False, using=self.db, update_fields=None)
        batch.append(entry)
        return entry


class AuditEntry(AbstractLogEntry):
    """One row of the audit trail: a change to a tracked model (written by django-auditlog's
    receivers), or an event (login, failed login, refused access, import) written by
    hrportal.audit. Never updated; removed only by `purge_audit` after the retention period.

    Entries outlive what they name: the actor and the content type are kept as plain ids
    (no database constraint), so deleting a user or a model never touches the trail.
    """

    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        blank=True,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    event = models.CharField(
        _("event"), max_length=20, choices=AuditEvent.choices, default=AuditEvent.CHANGE, db_index=True
    )
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True, default="")
    path = models.CharField(_("path"), max_length=300, blank=True, default="")

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            # Serves purge_audit's "latest entry per object" and the per-object history.
            models.Index(fields=["content_type", "object_pk", "-timestamp"], name="audit_object_latest"),
        ]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("The audit trail is never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise PermissionError("The audit trail is never deleted by the application: use `manage.py purge_audit`.")


class TaskFailureQuerySet(models.QuerySet):
    def unresolved(self) -> "TaskFailureQuerySet":
        return self.filter(resolved_at__isnull=True)


class TaskFailure(models.Model):
    """A background task that failed on its last attempt (hrportal.background), for HC to see.

    Holds what HC can act on and nothing more: which kind of work, a short description the task
    gives (whom an email was for, which import), the error's type and message. Never the
    task's arguments, which may hold what an employee typed or an email with a password link.
    """

    task_path = models.CharField(_("task"), max_length=200)
    description = models.CharField(_("what"), max_length=300, blank=True)
    error = models.TextField(_("error"))
    attempts = models.PositiveSmallIntegerField(_("attempts"))
    failed_at = models.DateTimeField(_("failed at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("dealt with at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("dealt with by")
    )

    objects = TaskFailureQuerySet.as_manager()

    class Meta:
        ordering = ["-failed_at", "-id"]
        verbose_name = _("failed background task")
        verbose_name_plural = _("failed background tasks")
        indexes = [
            # Serves the admin index's count of failures nobody has dealt with yet.
            models.Index(fields=["failed_at"], condition=Q(resolved_at__isnull=True), name="task_failure_unresolved"),
        ]

    def __str__(self) -> str:
        return self.description or self.task_path


class ImportStatus(models.TextChoices):
    """Where an import run as a background task is: results imports and spreadsheet imports alike."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SpreadsheetImport(models.Model):
    """One employees, matrix or descriptors file that HC previewed and confirmed in the admin, and
    what became of it: the import runs as a background task (hrportal.tasks.spreadsheet_import_run).

    `model` and `importer` name the import: the ModelAdmin of `model` lists it among its
    `spreadsheet_imports` under that key. The file itself travels with the task, not here.
    """

    model = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported into"))
    importer = models.CharField(_("import"), max_length=40)
    file_name = models.CharField(_("file name"), max_length=255)
    remove = models.BooleanField(_("remove option ticked"), default=False)
    create_missing = models.BooleanField(_("create option ticked"), default=False)
    # Who confirmed it: the task plans and applies it as them (what they may change depends on who they are).
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by"))
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    summary = models.TextField(_("summary"), blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="spreadsheet_import_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({timezone.localtime(self.created_at):%Y-%m-%d %H:%M})"


class PeriodicJob(models.Model):
    """When hrportal.periodic last enqueued one scheduled job, as the slot it ran for ("2026-12-04",
    "2026-W49"): comparing and moving the slot in one UPDATE lets any number of schedulers run
    without enqueuing a job twice for the same slot."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    last_slot = models.CharField(_("last slot"), max_length=20, blank=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name


class PageStamp(models.Model):
    """A version stamp of what pages show (hrportal/page_cache.py): `scope` is "framework"
    (competencies, descriptors, targets, assessments, mappings, career paths, anything HC
    edits in the admin) or "user:<id>" (one person's levels, IDP items, ratings, position).
    The services replace `version` with a fresh random value in the transaction of the
    change; a page's cache key holds the stamps it depends on, so a change makes a new key
    on every app server at once and a stale entry is never read. Its own table, not a field
    of User, so that a full `user.save()` of a row read before a bump cannot write an old
    stamp back."""

    scope = models.CharField(_("scope"), max_length=40, primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("page stamp")
        verbose_name_plural = _("page stamps")

    def __str__(self) -> str:
        return f"{self.scope}: {self.version}"
