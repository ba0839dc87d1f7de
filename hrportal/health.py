"""`/healthz` for load balancers and uptime checks: is this process able to serve?

Answers without a login, touches neither the session nor the user (so no middleware loads
them), and catches its own database errors: plain text "ok" (200) or "database unavailable"
(503), never cached, never personal. The body is for machines, so it is not translated.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: database unavailable", exc_info=True)
        response = HttpResponse("database unavailable\n", status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
