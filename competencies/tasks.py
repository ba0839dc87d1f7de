"""competencies' scheduled background job (hrportal.periodic): the expiry reminders, each
recorded when sent, so a retry or a second run sends nothing twice."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from competencies.expiry import expiry_reminders_send
from hrportal.background import background_task
from hrportal.periodic import Schedule, periodic

EXPIRY_REMINDERS = _("Evidence expiry reminders")


@periodic(name="send_expiry_reminders", label=EXPIRY_REMINDERS, schedule=Schedule(every="day", at=time(6, 0)))
@background_task(label=EXPIRY_REMINDERS)
def expiry_reminders_run() -> int:
    """manage.py send_expiry_reminders, daily: returns how many notifications went."""
    return expiry_reminders_send().notifications
