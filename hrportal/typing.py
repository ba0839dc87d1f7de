"""Types shared by the views."""

from django.http import HttpRequest

from hrportal.models import User


class AuthenticatedRequest(HttpRequest):
    """The request of a @login_required view: its user is a portal User, never anonymous."""

    user: User  # type: ignore[assignment]
