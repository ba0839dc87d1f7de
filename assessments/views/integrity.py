"""The attempt page's integrity reports (tab switches, copy and paste, …). Placeholder."""

from django.http import Http404


def attempt_events(request, attempt_id: int):
    raise Http404
