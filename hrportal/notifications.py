"""Notifications: one in-app message per person, and the same message by email.

Every app tells people about events through `notify`; the navbar shows the unread count
and /notifications/ lists them.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from hrportal.models import Notification, User, UserQuerySet

logger = logging.getLogger(__name__)

_SUBJECT_MAX_LENGTH = Notification._meta.get_field("subject").max_length or 200


@dataclass
class _Batch:
    notifications: list[Notification] = field(default_factory=list)
    # (subject, body, url, address): the messages are built after the commit, not while
    # the writing transaction holds its locks.
    emails: list[tuple[str, str, str, str]] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("notification_batch", default=None)


@contextmanager
def notifications_batched() -> Iterator[None]:
    """Within the block, `notify` collects instead of writing: at its end, every notification
    is created in one query and every email sent over one connection after the commit.

    For a bulk write that tells thousands of people (a results import): the texts stay
    those of the services that call `notify`. The notifications `notify` returns inside the
    block are not saved yet. A block left by an exception writes nothing (its transaction
    rolls back anyway); a nested block leaves the writing to the outer one.
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
    Notification.objects.bulk_create(batch.notifications, batch_size=1000)
    if batch.emails:
        transaction.on_commit(partial(_send_batched_emails, batch.emails), robust=True)


def _send_batched_emails(emails: list[tuple[str, str, str, str]]) -> None:
    footer = _email_footer()
    _send_emails(
        [
            EmailMessage(subject=subject, body=_email_text(body=body, url=url, footer=footer), to=[address])
            for subject, body, url, address in emails
        ]
    )


def notify(*, recipients: Iterable[User], subject: str, body: str, url: str = "") -> list[Notification]:
    """Give each distinct active recipient one notification and (if they have an address) one email.

    `url` is the portal path of the thing the notification is about ("/idp/12/") or "";
    anything else (an absolute or scheme-relative URL) raises ValueError. The subject is
    put on one line and shortened to fit. The emails go out only when the surrounding
    transaction commits, so a rolled-back change tells nobody; a failure to send is
    logged and never undoes the change. Returns the notifications created.
    """
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"A notification's url must be a path inside the portal, not {url!r}.")
    subject = Truncator(" ".join(subject.split())).chars(_SUBJECT_MAX_LENGTH)
    if not subject:
        raise ValueError("A notification needs a subject.")

    people: dict[int, User] = {}
    for user in recipients:
        if user.is_active:
            people.setdefault(user.pk, user)
    if not people:
        return []

    now = timezone.now()
    notifications = [
        Notification(recipient=user, subject=subject, body=body, url=url, created_at=now) for user in people.values()
    ]
    batch = _batch.get()
    if batch is not None:
        batch.notifications += notifications
        batch.emails += [(subject, body, url, user.email) for user in people.values() if user.email]
        return notifications
    text = _email_text(body=body, url=url)
    messages = [EmailMessage(subject=subject, body=text, to=[user.email]) for user in people.values() if user.email]
    notifications = Notification.objects.bulk_create(notifications)
    if messages:
        transaction.on_commit(partial(_send_emails, messages), robust=True)
    return notifications


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark `user`'s own notification read (again is a no-op); anyone else's raises PermissionDenied."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied("Only its recipient can mark a notification read.")
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


def hc_recipients() -> UserQuerySet:
    """The people to tell about something HC must act on: active HC staff."""
    return User.objects.hc_staff()


def absolute_url(path: str) -> str:
    """`path` inside the portal as a full link, for emails: SITE_URL joined with exactly one slash."""
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def _email_footer() -> str:
    return (
        "--\nYou get this email because HC Portal also shows it as a notification. "
        f"See and manage your notifications at {absolute_url(reverse('notifications'))}"
    )


def _email_text(*, body: str, url: str, footer: str | None = None) -> str:
    parts = [body.strip()]
    if url:
        parts.append(f"Open it in HC Portal: {absolute_url(url)}")
    parts.append(footer if footer is not None else _email_footer())
    return "\n\n".join(part for part in parts if part)


def _send_emails(messages: list[EmailMessage]) -> None:
    """Send over one connection; one bad address must not stop the others."""
    with mailers.default as mailer:
        for message in messages:
            try:
                mailer.send_messages([message])
            except Exception:
                logger.exception("Could not email notification %r to %s", message.subject, message.to)
