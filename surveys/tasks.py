"""surveys' scheduled background job (hrportal.periodic): the rounds' opening notices and
reminders, each recorded per person, so a retry or a second run tells nobody twice."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from hrportal.background import background_task
from hrportal.periodic import Schedule, periodic
from surveys.rounds import survey_rounds_notices_send

SURVEY_NOTICES = _("Self-assessment round notices and reminders")


@periodic(name="send_survey_reminders", label=SURVEY_NOTICES, schedule=Schedule(every="day", at=time(7, 0)))
@background_task(label=SURVEY_NOTICES)
def survey_notices_run() -> int:
    """manage.py send_survey_reminders, daily: returns how many people were told."""
    return sum(run.opening + run.reminders for run in survey_rounds_notices_send())
