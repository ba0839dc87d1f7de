"""HC's review of flagged attempts. Placeholder."""

from django.http import Http404


def review_queue(request):
    raise Http404


def review_attempt(request, attempt_id: int):
    raise Http404


def review_clear(request, attempt_id: int):
    raise Http404


def review_void(request, attempt_id: int):
    raise Http404
