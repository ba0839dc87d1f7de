"""Login lockout with two limits: per username and address, and per address alone.

django-axes compares every lockout parameter with one AXES_FAILURE_LIMIT, so adding
"ip_address" to AXES_LOCKOUT_PARAMETERS would lock a whole office (one address behind NAT)
after a few typos. Here the pair (username, address) keeps AXES_FAILURE_LIMIT, and an
address on its own is locked after LOGIN_ADDRESS_FAILURE_LIMIT failures across any usernames
within the cool-off: password spraying (one password over many usernames) is stopped too.

A successful login still clears only that person's own failures (AXES_RESET_ON_SUCCESS works
on AXES_LOCKOUT_PARAMETERS, the pair): signing in with one's own account does not reset the
address's count. HC lifts an address lockout by deleting the address's access attempts in
the admin (Axes → Access attempts, filtered by IP address) or `manage.py axes_reset_ip ADDRESS`.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class PortalAxesHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The pair's failures, or at least the pair limit once the address has reached its own."""
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address within the cool-off, whatever the username."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
