"""Account changes made by someone else: the person concerned always hears of them."""

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from hrportal.models import NotificationKind, NotificationPriority, User
from hrportal.notifications import email_enqueue, lazy_join, lazy_text, notify

# What an admin may change that the owner must be told about, with the words used for it.
NOTIFIED_ACCOUNT_CHANGES = {
    "email": gettext_lazy("email address"),
    "password": gettext_lazy("password"),
    "is_staff": gettext_lazy("admin access"),
    "is_superuser": gettext_lazy("superuser status"),
    "groups": gettext_lazy("roles (groups)"),
    "user_permissions": gettext_lazy("permissions"),
    "is_active": gettext_lazy("active status"),
}


def account_change_notify(*, account: User, changed: list[str], by: User, old_email: str = "") -> None:
    """Tell `account` that `by` changed the `changed` fields of their account.

    A changed address is told at the old address too, so that a take-over of the account
    cannot hide itself by changing where the warning goes. Changes to one's own account
    are not announced.
    """
    what = [NOTIFIED_ACCOUNT_CHANGES[name] for name in changed if name in NOTIFIED_ACCOUNT_CHANGES]
    if not what or by.pk == account.pk:
        return
    # Lazy: written in the account owner's language, whoever changed it.
    subject = gettext_lazy("Your HC Portal account was changed")
    moment = timezone.localtime()
    body = format_lazy(
        gettext_lazy("{who} changed your {what} on {when}. If you did not expect this, tell HC or IT at once."),
        who=by.display_name,
        what=lazy_join(", ", what),
        when=lazy_text(date_format, moment, "DATETIME_FORMAT"),
    )
    notify(
        recipients=[account],
        subject=subject,
        body=body,
        kind=NotificationKind.ACCOUNT,
        priority=NotificationPriority.HIGH,
    )
    if old_email and old_email.casefold() != (account.email or "").casefold():
        with translation.override(account.preferred_language):
            email_enqueue(subject=str(subject), body=str(body), to=old_email)
