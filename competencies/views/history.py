from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def placeholder(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse("Coming soon")
