"""competencies' background jobs (hrportal.background, hrportal.periodic): the expiry
reminders, each recorded when sent, so a retry or a second run sends nothing twice; and the
organisation report's summary refresh."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from competencies.expiry import expiry_reminders_send
from competencies.report_summary import summary_refresh
from hrportal.background import background_task
from hrportal.periodic import Schedule, periodic

EXPIRY_REMINDERS = _("Evidence expiry reminders")
REPORT_SUMMARY = _("Organisation report summary")


@periodic(name="send_expiry_reminders", label=EXPIRY_REMINDERS, schedule=Schedule(every="day", at=time(6, 0)))
@background_task(label=EXPIRY_REMINDERS)
def expiry_reminders_run() -> int:
    """manage.py send_expiry_reminders, daily: returns how many notifications went."""
    return expiry_reminders_send().notifications


# Queued after level changes and imports and when a read finds the summary behind; daily just
# after midnight too, so the day's expiries and a new month are counted before anyone reads.
@periodic(name="refresh_report_summary", label=REPORT_SUMMARY, schedule=Schedule(every="day", at=time(0, 5)))
@background_task(label=REPORT_SUMMARY)
def report_summary_refresh() -> int:
    """Recompute the organisation report's summary (competencies.report_summary). Returns its claim."""
    return summary_refresh().claim
