"""The audit trail: what is tracked, the request context of each entry, and the events that
are not model changes (logins, failed logins, refused requests, imports).

Model changes are recorded by django-auditlog's own receivers, whatever door the change
comes through (page, admin, import, command), as long as it goes through `save()` /
`delete()`; the services therefore never write tracked rows with `QuerySet.update()`.
A service that writes rows set-based (bulk_create, which sends no signals) records the same
entries through `audit_model_change`; `audit_batched` inserts all of a block's entries in one
query. The existing level and target histories stay as they are: they are the product's data
(shown on pages, replayed by reports); this trail is the security record beside them.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from auditlog.context import auditlog_disabled, disable_auditlog, set_actor, set_extra_data
from auditlog.diff import model_instance_diff
from auditlog.registry import auditlog
from axes.helpers import get_client_ip_address
from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from hrportal.models import AuditEntry, AuditEvent, User, audit_batch

# What the trail follows, by model label (the lower layers cannot import the upper apps'
# models): {"include_fields": [...]} limits an entry to those fields; m2m_fields follows
# many-to-many changes (a user's groups are their roles); mask_fields records that a value
# changed without keeping it.
TRACKED_MODELS: dict[str, dict[str, Any]] = {
    "hrportal.User": {
        "include_fields": [
            "username",
            "email",
            "password",
            "first_name",
            "last_name",
            "employee_number",
            "position",
            "section",
            "supervisor",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        ],
        "m2m_fields": {"groups", "user_permissions"},
        "mask_fields": ["password"],
    },
    "hrportal.Section": {},
    "hrportal.Position": {},
    "hrportal.ApprovalDelegation": {},
    # Not the code's hash (nothing to learn from it) nor each use: every redemption writes its
    # own join entry (hrportal.joining), which is the record of the uses.
    "hrportal.JoinCode": {
        "include_fields": [
            "hint",
            "note",
            "expires_at",
            "max_uses",
            "created_by",
            "created_at",
            "revoked_at",
            "revoked_by",
        ]
    },
    "auth.Group": {"m2m_fields": {"permissions"}},
    "competencies.SkillGroup": {},
    "competencies.Competency": {},
    "competencies.PositionTarget": {},
    "competencies.CompetencyLevel": {},
    "competencies.CareerPath": {},
    "competencies.CareerPathStep": {},
    # Ratings are not levels, but who said what about whom matters (the self-rating's own
    # history is product data, like the level history).
    # Not when a rating was last given again unchanged (surveys.rounds counts that): no change of what it says.
    "surveys.SelfRating": {"exclude_fields": ["confirmed_at"]},
    "surveys.SupervisorRating": {},
    "assessments.Assessment": {"m2m_fields": {"eligible_positions", "eligible_sections", "eligible_employees"}},
    "assessments.AssessmentResult": {},
    "assessments.Question": {},
    "assessments.AnswerOption": {},
    # Not each autosaved answer: the attempt's start, finish and review are what matter.
    "assessments.Attempt": {
        "include_fields": [
            "status",
            "finished_at",
            "finish_reason",
            "score",
            "passed",
            "result",
            "review_status",
            "reviewed_by",
            "reviewed_at",
            "review_note",
        ]
    },
    "assessments.CompetencyMapping": {},
    "idp.IdpItem": {"exclude_fields": ["updated_at"]},
    # Whom a round asks: its sections and positions.
    "surveys.SurveyRound": {"m2m_fields": {"sections", "positions"}},
    "idp.IdpItemTransition": {},
    # The questionnaire HC keep, and each assessment recorded with it (its answers are part of it).
    "maturity.MaturityQuestion": {},
    "maturity.MaturityOption": {},
    "maturity.MaturityAssessment": {},
    "strategies.Strategy": {},
    "strategies.StrategyTarget": {},
    "learning.LearningPlan": {"exclude_fields": ["updated"]},
    "learning.LearningPhase": {},
    "learning.LearningObjective": {},
}

_USER_AGENT_MAX = AuditEntry._meta.get_field("user_agent").max_length or 300
_PATH_MAX = AuditEntry._meta.get_field("path").max_length or 300


def register_tracked_models() -> None:
    """Called once from HrportalConfig.ready(), when every app's models are loaded."""
    for label, options in TRACKED_MODELS.items():
        try:
            model = apps.get_model(label)
        except LookupError:  # an app left out of INSTALLED_APPS (tests of a single app)
            continue
        if not auditlog.contains(model):
            # Own columns only by default: without a list, auditlog would also diff reverse
            # relations ("employees": None) on every create.
            fields = options.get("include_fields") or [field.name for field in model._meta.concrete_fields]
            auditlog.register(model, **{**options, "include_fields": fields})


@contextmanager
def audit_batched() -> Iterator[None]:
    """Within the block, every audit entry (auditlog's receivers, `audit_event`,
    `audit_model_change`) is collected and, at the block's end, inserted in one query, with
    the request context each would have had. For a service that writes many tracked rows in
    one transaction (a result raising ten levels). A block left by an exception writes
    nothing (its transaction rolls back anyway); a nested block leaves the writing to the
    outer one. The entries it hands out have no pk.
    """
    if audit_batch.get() is not None:
        yield
        return
    entries: list[AuditEntry] = []
    token = audit_batch.set(entries)
    try:
        yield
    finally:
        audit_batch.reset(token)
    if entries:
        AuditEntry.objects.bulk_create(entries)


@contextmanager
def audit_actor(actor: User | None) -> Iterator[None]:
    """Within the block, the trail's entries of model changes name `actor` as who made them: for
    work done for someone outside their request (a background task running their import)."""
    if actor is None:
        yield
        return
    with set_actor(actor):
        yield


def audit_model_change(*, old: models.Model | None, new: models.Model, fields: list[str] | None = None) -> None:
    """Record the entry auditlog's receivers write for `new.save(update_fields=fields)` (`old`:
    the row as it was before, None for a creation), for a row a service wrote set-based
    (bulk_create sends no signals). The same diff, fields and context, through auditlog's own
    diff and manager; nothing when the model is not tracked or auditlog is disabled."""
    if auditlog_disabled.get() or not auditlog.contains(new.__class__):
        return
    changes = model_instance_diff(
        old, new, fields_to_check=fields, use_json_for_changes=getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)
    )
    if changes:
        action = AuditEntry.Action.CREATE if old is None else AuditEntry.Action.UPDATE
        AuditEntry.objects.log_create(new, action=action, changes=changes)


def audited_save(instance: models.Model, *, old: models.Model, update_fields: list[str]) -> None:
    """`instance.save(update_fields=...)` with the entry auditlog's receivers write for it, diffed
    against `old`, the row as the caller read it under its lock (copy.copy before changing it),
    instead of auditlog's own second read of the row: a query fewer per save."""
    with disable_auditlog():
        instance.save(update_fields=update_fields)
    audit_model_change(old=old, new=instance, fields=update_fields)


def request_context(request: HttpRequest | None) -> dict[str, Any]:
    """Address, user agent and path of `request`, as stored on an entry.

    The address is the one django-axes uses (so LOGIN_PROXY_COUNT decides whether
    X-Forwarded-For is believed), not the raw header, which anyone can forge.
    """
    if request is None:
        return {}
    return {
        "remote_addr": get_client_ip_address(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:_USER_AGENT_MAX],
        "path": request.get_full_path()[:_PATH_MAX],
    }


def _request_actor(request: HttpRequest) -> Callable[[], int | None]:
    # Lazy: the session and user are read only when the request writes an entry.
    def actor_id() -> int | None:
        user = getattr(request, "user", None)
        return user.pk if user is not None and user.is_authenticated else None

    return actor_id


def _request_actor_email(request: HttpRequest) -> Callable[[], str | None]:
    def actor_email() -> str | None:
        user = getattr(request, "user", None)
        return (user.email or None) if user is not None and user.is_authenticated else None

    return actor_email


def audit_event(
    *,
    event: AuditEvent,
    obj: models.Model | None = None,
    model: type[models.Model] | None = None,
    object_repr: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record an event that is not a model change: a login, a refused request, an import.

    The entry names `obj` when there is one, else `model` (default: User) with
    `object_repr` (an attempted username, a file name). `data` holds the event's details
    (counts, a reason). The actor defaults to the request's user.
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    # __class__, not type(): request.user is a lazy proxy.
    target_model = obj.__class__ if obj is not None else (model or User)
    return AuditEntry.objects.create(
        event=event,
        action=AuditEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(target_model),
        object_pk=str(obj.pk) if obj is not None else "",
        object_id=obj.pk if obj is not None and isinstance(obj.pk, int) else None,
        object_repr=(str(obj) if obj is not None else object_repr)[:1000],
        actor=actor,
        actor_email=(actor.email or None) if actor is not None else None,
        additional_data=data or None,
        **request_context(request),
    )


class AuditMiddleware:
    """Gives every audit entry written during a request its actor, address, user agent and
    path, and records refused (403) requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context: dict[str, Any] = {
            "actor_id": _request_actor(request),
            "actor_email": _request_actor_email(request),
            **request_context(request),
        }
        with set_extra_data(context_data=context):
            response = self.get_response(request)
            if response.status_code == 403:
                audit_event(
                    event=AuditEvent.ACCESS_DENIED,
                    object_repr=request.path[:_PATH_MAX],
                    request=request,
                    data={"method": request.method, "status": 403},
                )
        return response


def _on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_event(event=AuditEvent.LOGIN, obj=user, actor=user, request=request)


def _on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        audit_event(event=AuditEvent.LOGOUT, obj=user, actor=user, request=request)


def _on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs) -> None:
    # The attempted username only: Django has already replaced the password with stars.
    username = str(credentials.get("username", ""))
    audit_event(
        event=AuditEvent.LOGIN_FAILED,
        object_repr=username,
        request=request,
        actor=None,
        data={"username": username},
    )


def connect_login_receivers() -> None:
    """Django's own authentication signals: the one way to hear every login, whatever view."""
    user_logged_in.connect(_on_login, dispatch_uid="hrportal.audit.login")
    user_logged_out.connect(_on_logout, dispatch_uid="hrportal.audit.logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="hrportal.audit.login_failed")


def purgeable_entries(*, retention_days: int) -> models.QuerySet[AuditEntry]:
    """Entries older than the retention, less the latest entry of each object, however old:
    what an object was last is kept for as long as the object is named anywhere."""
    cutoff = timezone.now() - timedelta(days=retention_days)
    latest_of_object = (
        AuditEntry.objects.filter(content_type=OuterRef("content_type"), object_pk=OuterRef("object_pk"))
        .order_by("-timestamp", "-pk")
        .values("pk")[:1]
    )
    return AuditEntry.objects.filter(timestamp__lt=cutoff).exclude(pk=Subquery(latest_of_object))


def audit_purge(*, retention_days: int, dry_run: bool = False) -> dict[str, int]:
    """Remove the purgeable entries (`purgeable_entries`) in one transaction; returns how many of
    each event there were (removed, or with `dry_run` that would be). Running it again removes
    nothing more: manage.py purge_audit and the daily job (hrportal.tasks) both call it."""
    with transaction.atomic():
        entries = purgeable_entries(retention_days=retention_days)
        by_event = dict(entries.values_list("event").annotate(n=models.Count("pk")).order_by())
        if dry_run or not by_event:
            return by_event
        if connection.vendor == "postgresql":
            # The table's trigger lets rows go only inside this transaction.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL hrportal.audit_purge = 'on'")
        # QuerySet.delete of the base class: AuditEntry's own queryset refuses to delete.
        models.QuerySet.delete(AuditEntry.objects.filter(pk__in=list(entries.values_list("pk", flat=True))))
    return by_event
