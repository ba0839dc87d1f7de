from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from hrportal.models import Notification, User


def unread_notification_count(user: User) -> int:
    """The bell's count in the navbar: one COUNT on a partial index (hrportal.Notification)."""
    return Notification.objects.for_recipient(user).unread().count()


def navigation(request: HttpRequest) -> dict:
    """What the navbar may offer: the viewer's direct reports (a lazy queryset), HC links and
    the unread notification count (lazy too: one COUNT query, only on pages that show it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_hc": user.is_hc,
        "nav_reports": User.objects.direct_reports_of(user).only("id", "first_name", "last_name", "username"),
        "nav_unread_count": SimpleLazyObject(lambda: unread_notification_count(user)),
    }
