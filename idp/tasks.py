"""idp's scheduled background jobs (hrportal.periodic): the weekly digest and the escalations.
Both services do nothing twice (a digest per person and week, an escalation per step), so a
retry or a second scheduler is harmless."""

from datetime import time

from django.utils.translation import gettext_lazy as _

from hrportal.background import background_task
from hrportal.periodic import Schedule, periodic
from idp.digests import digests_send
from idp.escalation import idp_items_escalate

DIGESTS = _("Weekly digest emails")
ESCALATION = _("Escalate approvals waiting too long")


@periodic(name="send_digests", label=DIGESTS, schedule=Schedule(every="week", weekday=1, at=time(6, 0)))
@background_task(label=DIGESTS)
def digests_send_run() -> int:
    """manage.py send_digests, on Mondays: returns how many digests went out."""
    return digests_send().sent


@periodic(name="escalate_approvals", label=ESCALATION, schedule=Schedule(every="day", at=time(6, 0)))
@background_task(label=ESCALATION)
def approvals_escalate_run() -> int:
    """manage.py escalate_approvals, daily: returns how many items were escalated."""
    return len(idp_items_escalate())
