"""hrportal's scheduled background jobs (hrportal.periodic)."""

from datetime import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hrportal.audit import audit_purge
from hrportal.background import background_task
from hrportal.periodic import Schedule, periodic

AUDIT_PURGE = _("Purge the audit trail beyond its retention")


@periodic(name="purge_audit", label=AUDIT_PURGE, schedule=Schedule(every="day", at=time(2, 30)))
@background_task(label=AUDIT_PURGE)
def audit_purge_run() -> int:
    """manage.py purge_audit, daily: returns how many entries went."""
    return sum(audit_purge(retention_days=settings.AUDIT_RETENTION_DAYS).values())
