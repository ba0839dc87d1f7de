"""Taking an assessment: the list, starting, answering, submitting, the result. Placeholder."""

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


assessment_list = assessment_detail = attempt_start = attempt_preview = _missing
attempt_page = attempt_answer = attempt_submit = attempt_result = _missing
