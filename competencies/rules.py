"""The gap rule, in one place.

An employee's *current level* in a competency is their CompetencyLevel there, and **no
level counts as 0**; **an expired level counts as no level** (its evidence, a licence say,
lapsed: the stored level stays, but it no longer counts until a new pass renews it).
Against a target: *gap* = target − current; the competency is **met when the gap is ≤ 0**
(so a target of 0 is always met); otherwise it is **expired** when its level lapsed, **not
started when the current level is 0** (no level row, or level 0), and **in gap** when it
is above 0. A level is **expiring** when it lapses within EXPIRY_WARNING_DAYS (a warning,
not a gap). Gaps are **ranked by weight × gap** (the target's weight, 1–5, times the positive
gap: `weighted_gap`), ties as before by gap, target and code.

Every page applies the rule through this module, in whichever language it computes in:

- Python (dashboards, heatmap, career match): `counted_level`, `current_level`, `gap`,
  `positive_gap`, `weighted_gap`, `is_met`, `gap_status`, `is_expiring`;
- ORM expressions (the IDP approval queue's gap column): `counted_level_expression`,
  `gap_expression`;
- SQL (the organisation report's aggregations): `sql_counted_level`, `sql_current_level`,
  `sql_met`, `sql_positive_gap`, `sql_weighted_gap`, which take SQL expressions for the target and the level,
  where the level may be NULL (no level row).

tests/competencies/test_rules.py checks that the three agree on every target and level.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Expression, F, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

NO_LEVEL = 0  # what a competency without a level row counts as


class GapStatus(models.TextChoices):
    MET = "met", _("Met")
    GAP = "gap", _("Gap")
    EXPIRED = "expired", _("Expired")
    NOT_STARTED = "not_started", _("Not started")


# Python


def is_expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def is_expiring(expires_at: datetime | None, now: datetime) -> bool:
    """Lapses within the warning window (settings.EXPIRY_WARNING_DAYS), and has not yet."""
    window = timedelta(days=settings.EXPIRY_WARNING_DAYS)
    return expires_at is not None and now < expires_at <= now + window


def counted_level(level: int | None, *, expires_at: datetime | None, now: datetime) -> int | None:
    """The level the rule counts: the stored `level`, or None (no level) once it expired."""
    return None if is_expired(expires_at, now) else level


def current_level(level: int | None) -> int:
    """The level that counts: `level`, or NO_LEVEL when there is none (None)."""
    return NO_LEVEL if level is None else level


def gap(target: int, level: int | None) -> int:
    """Target − current; negative when the level is above the target."""
    return target - current_level(level)


def positive_gap(target: int, level: int | None) -> int:
    """The gap, or 0 when met: what totals and averages of gaps add up, so that a level
    above its target does not offset a gap elsewhere."""
    return max(gap(target, level), 0)


def weighted_gap(target: int, level: int | None, weight: int) -> int:
    """Weight × the positive gap: what gaps are ranked by (a met competency ranks 0)."""
    return weight * positive_gap(target, level)


def is_met(target: int, level: int | None) -> bool:
    return gap(target, level) <= 0


def gap_status(target: int, level: int | None, *, expired: bool = False) -> GapStatus:
    """`level` is the counted level (counted_level); `expired` whether a stored level lapsed."""
    if is_met(target, level):
        return GapStatus.MET
    if expired:
        return GapStatus.EXPIRED
    if current_level(level) == NO_LEVEL:
        return GapStatus.NOT_STARTED
    return GapStatus.GAP


# ORM


def counted_level_expression(*, level: str, expires_at: str, now: datetime) -> Expression:
    """counted_level over two fields (or annotations): NULL once `expires_at` is past."""
    return Case(When(**{f"{expires_at}__lte": now}, then=Value(None)), default=F(level), output_field=IntegerField())


def gap_expression(*, target: str | Expression, level: str | Expression) -> Expression:
    """Target − current as an ORM expression over two fields (or expressions); a NULL level
    counts as NO_LEVEL, a NULL target (not applicable) gives NULL."""
    target_expression = F(target) if isinstance(target, str) else target
    level_expression = F(level) if isinstance(level, str) else level
    return target_expression - Coalesce(level_expression, Value(NO_LEVEL))


# SQL. The arguments are SQL expressions written by the caller (column references such as
# "t.target_level", or "NULL" for no level row), never user input.


def sql_counted_level(level: str, expires_at: str, now: str) -> str:
    """counted_level: NULL once `expires_at` (NULL: never) is at or before `now`."""
    return f"(CASE WHEN {expires_at} <= {now} THEN NULL ELSE {level} END)"


def sql_current_level(level: str) -> str:
    return f"COALESCE({level}, {NO_LEVEL})"


def sql_met(target: str, level: str) -> str:
    """1 when met, else 0."""
    return f"(CASE WHEN {target} - {sql_current_level(level)} <= 0 THEN 1 ELSE 0 END)"


def sql_positive_gap(target: str, level: str) -> str:
    """The gap when positive, else 0."""
    current = sql_current_level(level)
    return f"(CASE WHEN {target} - {current} > 0 THEN {target} - {current} ELSE 0 END)"


def sql_weighted_gap(target: str, level: str, weight: str) -> str:
    """Weight × the positive gap."""
    return f"({weight} * {sql_positive_gap(target, level)})"
