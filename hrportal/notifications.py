"""Notifications: one in-app message per person, and the same message by email.

Every app tells people about events through `notify`; the navbar shows the unread count
and /notifications/ lists them. Each person reads them in their own language
(User.preferred_language), whoever's request sends them: callers build the texts lazily
(gettext_lazy, format_lazy, `lazy_text`), and `notify` renders one copy per language.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy

from hrportal.background import background_task, enqueue_on_commit
from hrportal.bulk import copy_rows
from hrportal.models import Notification, NotificationKind, NotificationPriority, User, UserQuerySet

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

_SUBJECT_MAX_LENGTH = Notification._meta.get_field("subject").max_length or 200
# A batch's emails go out from tasks of this many messages each (a results import tells thousands).
EMAILS_PER_TASK = 200


@dataclass
class _Batch:
    notifications: list[Notification] = field(default_factory=list)
    # (subject, body, url, address, language): the messages are built after the commit, not
    # while the writing transaction holds its locks.
    emails: list[tuple[str, str, str, str, str]] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("notification_batch", default=None)


@contextmanager
def notifications_batched() -> Iterator[None]:
    """Within the block, `notify` collects instead of writing: at its end, every notification
    is created in one query and every email sent over one connection after the commit.

    For a bulk write that tells thousands of people (a results import): the texts stay
    those of the services that call `notify`. The notifications `notify` returns inside the
    block are not saved, then or later (on PostgreSQL they are copied in, and get no pk). A
    block left by an exception writes nothing (its transaction rolls back anyway); a nested
    block leaves the writing to the outer one.
    """
    if _batch.get() is not None:
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    _write_batched(batch.notifications)
    for start in range(0, len(batch.emails), EMAILS_PER_TASK):
        enqueue_on_commit(emails_send, emails=[list(email) for email in batch.emails[start : start + EMAILS_PER_TASK]])


_NOTIFICATION_COLUMNS = (
    "recipient_id",
    "subject",
    "body",
    "url",
    "created_at",
    "read_at",
    "kind",
    "priority",
    "about_type_id",
    "about_id",
)


def _write_batched(notifications: list[Notification]) -> None:
    """A batch's notifications in one go: COPY on PostgreSQL (5,000 of them in a tenth of
    the time bulk_create takes), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(notifications, batch_size=1000)
        return
    copy_rows(
        Notification._meta.db_table,
        _NOTIFICATION_COLUMNS,
        (
            (
                n.recipient_id,
                n.subject,
                n.body,
                n.url,
                n.created_at,
                n.read_at,
                n.kind,
                n.priority,
                n.about_type_id,
                n.about_id,
            )
            for n in notifications
        ),
    )


def notify(
    *,
    recipients: Iterable[User],
    subject: "StrOrPromise",
    body: "StrOrPromise",
    url: str = "",
    kind: str = NotificationKind.OTHER,
    priority: str = NotificationPriority.NORMAL,
    about: models.Model | None = None,
) -> list[Notification]:
    """Give each distinct active recipient one notification and (if they have an address) one email,
    in the recipient's language.

    `subject` and `body` should be lazy (gettext_lazy, ngettext_lazy, format_lazy, `lazy_text`):
    each is rendered once per recipients' language, inside translation.override, so everyone
    reads their copy, the notification and the email alike, in User.preferred_language,
    whichever language the sender's request speaks. Plain text (gettext(), an f-string
    around a translation) reaches everyone in the sender's language.

    `url` is the portal path of the thing the notification is about ("/idp/12/") or "";
    anything else (an absolute or scheme-relative URL) raises ValueError. The subject is
    put on one line and shortened to fit. The emails go out only when the surrounding
    transaction commits, each from a background task (email_send), so a rolled-back change
    tells nobody and no request waits on the mail server; a failed send is retried and never
    undoes the change. Returns the notifications created.

    `kind` (NotificationKind) and `priority` (NotificationPriority) are shown on the
    notifications page; `about` links the notification to its object (an IDP item), so that
    `notifications_mark_read_about` can mark it read when someone acts on that object.
    """
    if kind not in NotificationKind.values or priority not in NotificationPriority.values:
        raise ValueError(f"Unknown notification kind {kind!r} or priority {priority!r}.")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"A notification's url must be a path inside the portal, not {url!r}.")
    if not str(subject).strip():
        raise ValueError("A notification needs a subject.")

    people: dict[int, User] = {}
    for user in recipients:
        if user.is_active:
            people.setdefault(user.pk, user)
    if not people:
        return []

    batch = _batch.get()
    languages = {pk: user.preferred_language for pk, user in people.items()}
    # language -> (subject, body, email text): one rendering per language, not per person.
    texts: dict[str, tuple[str, str, str]] = {}
    for language in set(languages.values()):
        with translation.override(language):
            rendered_subject = Truncator(" ".join(str(subject).split())).chars(_SUBJECT_MAX_LENGTH)
            rendered_body = str(body)
            # A batch writes its emails after the commit (its footer once per language).
            email_text = "" if batch is not None else _email_text(body=rendered_body, url=url)
        texts[language] = (rendered_subject, rendered_body, email_text)

    now = timezone.now()
    about_type = ContentType.objects.get_for_model(about) if about is not None else None
    notifications = []
    messages: list[tuple[str, str, str]] = []  # (subject, text, address)
    for pk, user in people.items():
        rendered_subject, rendered_body, email_text = texts[languages[pk]]
        notifications.append(
            Notification(
                recipient=user,
                subject=rendered_subject,
                body=rendered_body,
                url=url,
                created_at=now,
                kind=kind,
                priority=priority,
                about_type=about_type,
                about_id=about.pk if about is not None else None,
            )
        )
        if user.email and batch is not None:
            batch.emails.append((rendered_subject, rendered_body, url, user.email, languages[pk]))
        elif user.email:
            messages.append((rendered_subject, email_text, user.email))
    if batch is not None:
        batch.notifications += notifications
        return notifications
    notifications = Notification.objects.bulk_create(notifications)
    for subject_text, text, address in messages:
        email_enqueue(subject=subject_text, body=text, to=address)
    return notifications


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark `user`'s own notification read (again is a no-op); anyone else's raises PermissionDenied."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied(gettext("Only its recipient can mark a notification read."))
    if notification.read_at is None:
        now = timezone.now()
        # Conditional update: a second tab or a double click keeps the first read time.
        if Notification.objects.filter(pk=notification.pk).unread().update(read_at=now):
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark all of `user`'s unread notifications read; returns how many there were."""
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())


def notifications_mark_read_about(*, obj: models.Model, kinds: Iterable[str]) -> int:
    """Mark read, for every recipient, the unread notifications of `kinds` about `obj`: a
    "to approve" is done once anyone has decided the item, whoever it was. One query;
    returns how many were marked."""
    return Notification.objects.about(obj).filter(kind__in=list(kinds)).unread().update(read_at=timezone.now())


def notification_archive(*, notification: Notification, user: User) -> Notification:
    """Put `user`'s own notification away (it is read from then on); anyone else's raises
    PermissionDenied. Archiving again is a no-op."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied(gettext("Only its recipient can archive a notification."))
    if notification.archived_at is None:
        now = timezone.now()
        notification.archived_at = now
        notification.read_at = notification.read_at or now
        notification.save(update_fields=["archived_at", "read_at"])
    return notification


def notifications_archive_read(*, user: User) -> int:
    """Archive all of `user`'s read notifications that are not archived yet; returns how many."""
    return (
        Notification.objects.for_recipient(user)
        .not_archived()
        .filter(read_at__isnull=False)
        .update(archived_at=timezone.now())
    )


# The inbox's version in one plain statement: built by the ORM's aggregate(), it cost more CPU
# (about 1 ms) than the query itself, on a page whose cached hit is otherwise three queries.
_INBOX_VERSION = "SELECT COUNT(*), COUNT(read_at), COUNT(archived_at), MAX(id) FROM {table} WHERE recipient_id = %s"


def inbox_version(user: User) -> str:
    """A value that changes with every change to `user`'s notifications, for the cached
    notifications page (hrportal/page_cache.py). One aggregate over their own rows, read,
    never written: notifications are written by many doors, in their transactions (and read
    "about" an item for recipients nobody names), so no door has to bump anything. It holds
    because a notification only ever comes (the count and the newest id grow), is read (the
    read count grows: read_at is never cleared), is archived (the archived count grows:
    archived_at is never cleared) or goes with its recipient; an edit in the admin bumps the
    framework stamp, which every cached page depends on."""
    sql = _INBOX_VERSION.format(table=connection.ops.quote_name(Notification._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        count, read, archived, newest = cursor.fetchone()
    return f"inbox:{count}.{read}.{archived}.{newest}"


def hc_recipients() -> UserQuerySet:
    """The people to tell about something HC must act on: active HC staff."""
    return User.objects.hc_staff()


def absolute_url(path: str) -> str:
    """`path` inside the portal as a full link, for emails: SITE_URL joined with exactly one slash."""
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def _call_as_text(function: Callable[..., Any], args: tuple[Any, ...]) -> str:
    return str(function(*args))


# Made once: every lazy() call builds a proxy class, which costs more than the text itself
# when a bulk import tells thousands of people.
_lazy_call_as_text = lazy(_call_as_text, str)


def lazy_text(function: Callable[..., Any], *args: Any) -> "StrOrPromise":
    """`function(*args)`, called when the text is rendered, so in the recipient's language: for
    a part of a notification that is not a catalogue string, e.g. a translated model field
    (`lazy_text(getattr, competency, "name")`) or a formatted date (`lazy_text(date_format, day)`)."""
    return _lazy_call_as_text(function, args)


def lazy_join(separator: str, parts: Iterable["StrOrPromise"]) -> "StrOrPromise":
    """`separator.join(parts)`, rendered when the text is: lines of a notification's body."""
    parts = list(parts)
    return lazy_text(lambda: separator.join(str(part) for part in parts))


def _email_footer() -> str:
    return "--\n" + gettext(
        "You get this email because HC Portal also shows it as a notification. "
        "See and manage your notifications at %(url)s"
    ) % {"url": absolute_url(reverse("notifications"))}


def _email_text(*, body: str, url: str, footer: str | None = None) -> str:
    parts = [body.strip()]
    if url:
        parts.append(gettext("Open it in HC Portal: %(url)s") % {"url": absolute_url(url)})
    parts.append(footer if footer is not None else _email_footer())
    return "\n\n".join(part for part in parts if part)


def email_enqueue(*, subject: str, body: str, to: str, html: str = "") -> None:
    """Send one email from a background task once the transaction commits: the request never
    waits on the mail server, a rolled-back change sends nothing, and a failed send is retried
    alone (hrportal.background). `subject`, `body` (text) and `html` (an alternative, or "") are
    final, in the reader's language."""
    enqueue_on_commit(email_send, subject=subject, body=body, to=to, html=html)


def _email_address(*, to: str, **kwargs: Any) -> str:
    return to


@background_task(label=gettext_lazy("Email"), describe=_email_address)
def email_send(*, subject: str, body: str, to: str, html: str = "") -> None:
    """One email (email_enqueue): raises when the mail server refuses it, so that it is retried.
    One message per task, so a retry never sends anyone a second copy."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    mailers.default.send_messages([message])


def _emails_addresses(*, emails: list[list[str]]) -> str:
    addresses = [email[3] for email in emails]
    return ", ".join(addresses[:3]) + (f" (+{len(addresses) - 3})" if len(addresses) > 3 else "")


@background_task(label=gettext_lazy("Notification emails"), describe=_emails_addresses)
def emails_send(*, emails: list[list[str]]) -> None:
    """A batch's emails ([subject, body, url, address, language] each, notifications_batched) over
    one connection, each rendered in its reader's language. The task as a whole is retried only
    when the mail server cannot be reached, before anything was sent; a message the server
    refuses becomes an email_send of its own, retried alone, so nobody gets one twice."""
    mailer = mailers.default
    mailer.open()
    footers: dict[str, str] = {}
    try:
        for subject, body, url, address, language in emails:
            with translation.override(language):
                if language not in footers:
                    footers[language] = _email_footer()
                text = _email_text(body=body, url=url, footer=footers[language])
            try:
                mailer.send_messages([EmailMessage(subject=subject, body=text, to=[address])])
            except Exception:
                logger.warning("Could not email notification %r to %s: retrying alone", subject, address, exc_info=True)
                email_send.enqueue(subject=subject, body=text, to=address)
    finally:
        try:
            mailer.close()
        except Exception:  # everything is sent by now: a retry of the batch would send it twice
            logger.warning("Could not close the mail connection", exc_info=True)
