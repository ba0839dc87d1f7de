"""`/bench/bare/`: the yardstick of the load harness (bench/load.py).

The smallest page a signed-in person can ask for: the whole middleware stack, the session and
the user are loaded as for every page, then a three-byte body. bench/load.py reports every page
as a ratio to it, so a figure says what the page costs above the stack itself. Answers 404
unless BENCH_ENDPOINTS is on (off by default; only the harness's server turns it on). The body
is for machines, so it is not translated.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import checks
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@login_required
@require_safe
def bare(request: HttpRequest) -> HttpResponse:
    if not settings.BENCH_ENDPOINTS:
        raise Http404
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@checks.register(checks.Tags.security, deploy=True)
def bench_endpoints_off(**kwargs: object) -> list[checks.CheckMessage]:
    """`check --deploy` (and so `make deploy-check`) warns when the bench's yardstick is served."""
    if not settings.BENCH_ENDPOINTS:
        return []
    return [
        checks.Warning(
            "BENCH_ENDPOINTS is on: /bench/bare/ is served.",
            hint="Only bench/load.py's server needs it; unset BENCH_ENDPOINTS in production.",
            id="hrportal.W001",
        )
    ]
