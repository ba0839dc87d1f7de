"""Reads for HC's expiry page: levels that expired or expire within the warning window,
counted by section and competency, and listed soonest first. Two queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from competencies.models import CompetencyLevel, level_label
from hrportal.models import User
from hrportal.translated import localized

# The page lists this many levels; the export has them all.
LISTED_LEVELS = 300


@dataclass(frozen=True)
class ExpiryRow:
    employee: User
    code: str
    competency: str
    level: int
    expires_at: datetime
    expired: bool

    @property
    def level_label(self) -> str:
        return level_label(self.level)


@dataclass(frozen=True)
class ExpiryCount:
    section: str
    code: str
    competency: str
    expired: int
    expiring: int


@dataclass(frozen=True)
class ExpiryOverview:
    now: datetime
    until: datetime  # the end of the warning window
    counts: list[ExpiryCount]
    rows: list[ExpiryRow]  # at most the `limit` soonest

    @property
    def expired(self) -> int:
        return sum(count.expired for count in self.counts)

    @property
    def expiring(self) -> int:
        return sum(count.expiring for count in self.counts)

    @property
    def total(self) -> int:
        return self.expired + self.expiring

    @property
    def is_cut(self) -> bool:
        return self.total > len(self.rows)


def expiring_levels(*, now: datetime, section_id: int | None = None, competency_id: int | None = None):
    """Active employees' levels that expired, or expire before the end of the warning window."""
    until = now + timedelta(days=settings.EXPIRY_WARNING_DAYS)
    levels = CompetencyLevel.objects.filter(expires_at__isnull=False, expires_at__lte=until, employee__is_active=True)
    if section_id is not None:
        levels = levels.filter(employee__section_id=section_id)
    if competency_id is not None:
        levels = levels.filter(competency_id=competency_id)
    return levels


def expiry_rows(levels, *, now: datetime, limit: int | None = None) -> list[ExpiryRow]:
    """`levels` (from expiring_levels) as rows, soonest first. One query."""
    queryset = levels.select_related("employee__section", "employee__position", "competency").order_by(
        "expires_at", "employee__last_name", "pk"
    )
    if limit is not None:
        queryset = queryset[:limit]
    return [
        ExpiryRow(
            employee=level.employee,
            code=level.competency.code,
            competency=level.competency.name,
            level=level.level,
            expires_at=level.expires_at,
            expired=level.expires_at <= now,
        )
        for level in queryset
    ]


def expiry_overview(
    *, now: datetime, section_id: int | None = None, competency_id: int | None = None, limit: int = LISTED_LEVELS
) -> ExpiryOverview:
    levels = expiring_levels(now=now, section_id=section_id, competency_id=competency_id)
    grouped = (
        levels.values("employee__section__name", "competency__code", competency_name=localized("competency__name"))
        .annotate(
            expired=Count("pk", filter=Q(expires_at__lte=now)), expiring=Count("pk", filter=Q(expires_at__gt=now))
        )
        .order_by("employee__section__name", "competency__code")
    )
    counts = [
        ExpiryCount(
            section=row["employee__section__name"] or "",
            code=row["competency__code"],
            competency=row["competency_name"],
            expired=row["expired"],
            expiring=row["expiring"],
        )
        for row in grouped
    ]
    return ExpiryOverview(
        now=now,
        until=now + timedelta(days=settings.EXPIRY_WARNING_DAYS),
        counts=counts,
        rows=expiry_rows(levels, now=now, limit=limit),
    )
