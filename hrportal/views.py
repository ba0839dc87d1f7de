import sys

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.http import require_POST

from hrportal.middleware import database_unavailable_response, is_database_unavailable
from hrportal.models import Notification
from hrportal.notifications import notification_mark_read, notifications_mark_all_read
from hrportal.typing import AuthenticatedRequest

NOTIFICATIONS_PER_PAGE = 25


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("competencies:my_gaps")
    return redirect("login")


def _notification_for_viewer(request: AuthenticatedRequest, notification_id: int) -> Notification:
    """The viewer's own notification `notification_id`; 404 for anyone else's, so ids leak nothing."""
    notification = Notification.objects.for_recipient(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    paginator = Paginator(Notification.objects.for_recipient(request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "hrportal/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go to what it is about (or back to the list)."""
    notification = notification_mark_read(
        notification=_notification_for_viewer(request, notification_id), user=request.user
    )
    # The service only stores portal paths; checked again because this is a redirect.
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} as read.")
    return redirect("notifications")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except while the database is down: then the 503 page. Covers the
    errors that DatabaseUnavailableMiddleware does not see (raised outside a view)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request)
