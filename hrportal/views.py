import math
import sys

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext, pgettext
from django.views import defaults
from django.views.decorators.http import require_POST

from hrportal.forms import DigestForm, JoinForm, LanguageForm
from hrportal.joining import JoinOutcome, join_code_redeem
from hrportal.middleware import (
    database_unavailable_response,
    is_database_unavailable,
    language_cookie_delete,
    language_cookie_set,
)
from hrportal.models import Notification
from hrportal.notifications import (
    inbox_version,
    notification_archive,
    notification_mark_read,
    notifications_archive_read,
    notifications_mark_all_read,
)
from hrportal.page_cache import page_fragments, render_page
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
        raise Http404(gettext("No such notification."))
    return notification


# The views of the notifications page: ?show=unread|all|archived ("all": everything not archived).
NOTIFICATION_VIEWS = {
    "unread": lambda notifications: notifications.not_archived().unread(),
    "all": lambda notifications: notifications.not_archived(),
    "archived": lambda notifications: notifications.archived(),
}


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    # The first page of the default view (no query string) is cached (hrportal/page_cache.py)
    # under a version of the inbox read from the notifications themselves (inbox_version), not
    # under a stamp: they are written by too many doors, for recipients some do not name.
    fragments = (
        page_fragments(request, page="notifications", people=[], extra=inbox_version(request.user))
        if not request.GET
        else None
    )

    def build() -> dict:
        show = request.GET.get("show", "all")
        if show not in NOTIFICATION_VIEWS:
            show = "all"
        queryset = NOTIFICATION_VIEWS[show](Notification.objects.for_recipient(request.user))
        page = Paginator(queryset, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
        return {"page": page, "show": show}

    views = [
        ("unread", pgettext("notifications view", "Unread")),
        ("all", pgettext("notifications view", "All")),
        ("archived", pgettext("notifications view", "Archived")),
    ]
    return render_page(
        request, "hrportal/notifications.html", fragments=fragments, context={"views": views}, build=build
    )


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
        messages.success(
            request,
            ngettext("Marked %(count)s notification as read.", "Marked %(count)s notifications as read.", count)
            % {"count": count},
        )
    return redirect("notifications")


@login_required
@require_POST
def notification_archive_view(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    """Archive one of the viewer's notifications, then back to the view it was archived from."""
    notification_archive(notification=_notification_for_viewer(request, notification_id), user=request.user)
    messages.success(request, gettext("Notification archived."))
    return _back_to_notifications(request)


@login_required
@require_POST
def notifications_archive_read_view(request: AuthenticatedRequest) -> HttpResponse:
    count = notifications_archive_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext("Archived %(count)s read notification.", "Archived %(count)s read notifications.", count)
            % {"count": count},
        )
    return _back_to_notifications(request)


def _back_to_notifications(request: AuthenticatedRequest) -> HttpResponse:
    show = request.POST.get("show")
    url = reverse("notifications")
    return redirect(f"{url}?show={show}" if show in NOTIFICATION_VIEWS else url)


@login_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in person's own account: who they are in the organisation (read-only: HC
    keeps it), their choice of language and whether they get the weekly digest."""
    form = LanguageForm(initial={"language": request.user.language})
    digest_form = DigestForm(instance=request.user)
    return render(
        request,
        "hrportal/account.html",
        {"account": request.user, "language_form": form, "digest_form": digest_form},
    )


@login_required
@require_POST
def account_digests(request: AuthenticatedRequest) -> HttpResponse:
    """Switch the weekly digest email on or off for the signed-in person."""
    form = DigestForm(request.POST, instance=request.user)
    if form.is_valid():
        form.save()
        messages.success(
            request,
            gettext("You will get the weekly digest.")
            if request.user.digests
            else gettext("You will not get the weekly digest any more."),
        )
    return redirect("account")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the portal's language, then back to `next` (a page of the portal).

    Everyone's browser keeps the choice in the language cookie (the login page's switch
    included); a signed-in person's is stored on them too (User.language), so it follows
    them to other devices and into their emails and notifications. An empty choice forgets
    it: the browser's Accept-Language decides again. A language not offered changes nothing.
    """
    response = redirect(_next_page(request))
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    if language:
        language_cookie_set(response, language)
    else:
        language_cookie_delete(response)
    return response


def _next_page(request: HttpRequest) -> str:
    """Where to go after a POST: its `next`, else the page it came from, when inside the portal."""
    for candidate in (request.POST.get("next"), request.headers.get("referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("home")


def join(request: HttpRequest) -> HttpResponse:
    """A new employee enters a join code, their employee number and email (hrportal.joining).

    Whether the details matched anyone never shows: a valid code always leads to the same page.
    A signed-in person is told so, rather than sent away: on a shared computer the newcomer
    then knows to log the other person out first.
    """
    if request.user.is_authenticated:
        return render(request, "hrportal/join_signed_in.html")
    form = JoinForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        attempt = join_code_redeem(
            code=form.cleaned_data["code"],
            employee_number=form.cleaned_data["employee_number"],
            email=form.cleaned_data["email"],
            request=request,
        )
        if attempt.outcome is JoinOutcome.ACCEPTED:
            return redirect("join_sent")
        if attempt.outcome is JoinOutcome.THROTTLED and attempt.retry_at is not None:
            seconds = max(1, math.ceil((attempt.retry_at - timezone.now()).total_seconds()))
            response = render(
                request,
                "hrportal/join_throttled.html",
                {"minutes": math.ceil(seconds / 60), "retry_at": attempt.retry_at},
                status=429,
            )
            response["Retry-After"] = str(seconds)
            return response
        form.add_error(
            "code",
            gettext(
                "This code is not valid: it may be mistyped, expired, used up or withdrawn. "
                "Check it, or ask HC for a new one."
            ),
        )
    return render(request, "hrportal/join.html", {"form": form})


def join_sent(request: HttpRequest) -> HttpResponse:
    """After any attempt with a valid code, whatever the details were."""
    return render(request, "hrportal/join_sent.html")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except while the database is down: then the 503 page. Covers the
    errors that DatabaseUnavailableMiddleware does not see (raised outside a view)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request)
