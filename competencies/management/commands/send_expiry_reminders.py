from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from competencies.expiry import expiry_reminders_send, reminder_days


class Command(BaseCommand):
    help = _(
        "Tell employees and their supervisors about levels whose evidence lapses: "
        "90 and 30 days before, and on the day. For cron (e.g. daily); a second run sends nothing twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = expiry_reminders_send()
        days = ", ".join(str(d) for d in reminder_days())
        self.stdout.write(
            _("%(levels)d levels reached a reminder (days before expiry: %(days)s); %(sent)d notifications sent.")
            % {"levels": run.levels, "days": days, "sent": run.notifications}
        )
