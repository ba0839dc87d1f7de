"""Remove audit entries older than AUDIT_RETENTION_DAYS, never an object's latest entry."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hrportal.models import AuditEntry


def purgeable_entries(*, retention_days: int) -> models.QuerySet[AuditEntry]:
    """Entries older than the retention, less the latest entry of each object, however old:
    what an object was last is kept for as long as the object is named anywhere."""
    cutoff = timezone.now() - timedelta(days=retention_days)
    latest_of_object = (
        AuditEntry.objects.filter(content_type=OuterRef("content_type"), object_pk=OuterRef("object_pk"))
        .order_by("-timestamp", "-pk")
        .values("pk")[:1]
    )
    return AuditEntry.objects.filter(timestamp__lt=cutoff).exclude(pk=Subquery(latest_of_object))


class Command(BaseCommand):
    help = _(
        "Remove audit entries older than AUDIT_RETENTION_DAYS (default 730, at most 1095), keeping each "
        "object's latest entry. Says what it removes; --dry-run removes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help=_("Report what would be removed, remove nothing."))

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        days = settings.AUDIT_RETENTION_DAYS
        with transaction.atomic():
            entries = purgeable_entries(retention_days=days)
            by_event = dict(entries.values_list("event").annotate(n=models.Count("pk")).order_by())
            total = sum(by_event.values())
            # The event names are the audit trail's codes ("login", "import"), as stored.
            details = ", ".join(f"{event}: {count}" for event, count in sorted(by_event.items())) or _("none")
            words = {"count": f"{total:,}", "days": days, "details": details}
            if dry_run:
                self.stdout.write(
                    ngettext(
                        "Would remove %(count)s audit entry older than %(days)s days (%(details)s).",
                        "Would remove %(count)s audit entries older than %(days)s days (%(details)s).",
                        total,
                    )
                    % words
                )
                return
            if connection.vendor == "postgresql":
                # The table's trigger lets rows go only inside this transaction.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL hrportal.audit_purge = 'on'")
            # QuerySet.delete of the base class: AuditEntry's own queryset refuses to delete.
            models.QuerySet.delete(AuditEntry.objects.filter(pk__in=list(entries.values_list("pk", flat=True))))
        self.stdout.write(
            ngettext(
                "Removed %(count)s audit entry older than %(days)s days (%(details)s).",
                "Removed %(count)s audit entries older than %(days)s days (%(details)s).",
                total,
            )
            % words
        )
