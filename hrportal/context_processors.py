from django.http import HttpRequest

from hrportal.models import User


def navigation(request: HttpRequest) -> dict:
    """What the navbar may offer: the viewer's direct reports (a lazy queryset) and HC links."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_hc": user.is_hc,
        "nav_reports": User.objects.direct_reports_of(user).only("id", "first_name", "last_name", "username"),
    }
