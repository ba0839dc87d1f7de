"""The organisation report's summary: its figures per section × position (× competency, × month
end), computed by one refresh and read by the page, and when they may be read.

What it holds (competencies.models, Report*Figures, in batches): the figures of each cell of
the population (`FigureCell`: the employees of one section holding one position), of each
competency within each cell, and of each month end of the progress series within each cell,
plus the per-competency and per-month totals of everyone. Every figure of the report, filtered
to a section and/or a position or not, is a sum of these rows (each employee is in exactly one
cell), so the page reads at most a few thousand rows instead of 600,000 levels and 800,000
history rows. The refresh computes them with the report's own statements
(competencies.selectors.reports: the same SQL, grouped per cell), so there is one definition
of each figure.

When the figures are behind the data, and what happens then:

- A level changes (the level services' `_write_level`, the results import): after the commit,
  `summary_mark_stale` marks the summary stale and, the first time, queues a refresh (a task).
- Anything else the figures depend on (who is active in which section and position, the
  targets and their weights and history) is checked on every read against the fingerprint of
  what the batch was computed from (`fingerprint`: one query over the people and the 2,400
  targets), so no door (the admin, an import, a command, the shell) needs to remember it.
- Time: a level whose evidence expires after the computation counts as a gap from then on
  (the batch keeps the earliest such expiry), and the progress series moves with the month.
- A refresh claims the data (clearing `stale_since`) before it reads it, in one snapshot
  (REPEATABLE READ on PostgreSQL), and its batch becomes current only if no later claim's did;
  the summary is up to date again once the batch of the latest claim is current. A change
  committed during a refresh marks it stale again, so it is never taken for counted.

A read of a summary that is behind queues a refresh (again after REQUEST_AGAIN_AFTER, in case
one never ran), and the page says "Figures as of <time>", and that changes since are still
being counted; a report filtered to a section or a position is cheap to compute (75 ms on the
benchmark data), so it is computed live instead. Without any summary, the page computes live.
`?as_of=` past views always compute from the histories.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import DateTimeField, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from competencies.models import (
    CompetencyLevel,
    PositionTarget,
    PositionTargetHistory,
    ReportCellFigures,
    ReportCompetencyFigures,
    ReportMonthFigures,
    ReportSummaryBatch,
    ReportSummaryState,
)
from competencies.selectors.reports import (
    FigureCell,
    GroupFigures,
    MonthPoint,
    OrganisationReport,
    competency_cells_statement,
    competency_figures_from_rows,
    figure_cells,
    group_tables,
    month_ends,
    organisation_report,
    progress_cells,
)
from hrportal.bulk import copy_rows
from hrportal.models import PageStamp, User
from hrportal.page_cache import FRAMEWORK
from hrportal.translated import localized_sql

STATE_PK = 1
# A refresh queued this long ago that has not made the summary current is queued again.
REQUEST_AGAIN_AFTER = timedelta(minutes=5)
_BULK = 5_000
# How long the figures read from a batch, and the page drawn from them, are kept.
CACHE_SECONDS = 300


# What the figures depend on besides levels: the population's (id, section, position) and the
# targets (level, weight) and their history. Sums of squares of a number per row (mod a prime),
# so that two people swapping sections, say, change it too.
_PRIME = 1_000_000_007


def _fingerprint_sql() -> str:
    """The fingerprint as one text value ("people:sum:targets:sum:history"), from one scan of
    the people and one of the targets: a scalar subquery, read with the summary's state."""
    quote = connection.ops.quote_name
    user, target, history = (quote(m._meta.db_table) for m in (User, PositionTarget, PositionTargetHistory))

    def squares(key: str) -> str:
        # %% : the statements run with parameters (none), so a percent sign is doubled.
        return f"COALESCE(SUM((({key}) %% {_PRIME}) * (({key}) %% {_PRIME}) %% {_PRIME}), 0)"

    people_key = "(u.id * 1000003 + u.position_id) * 1000003 + COALESCE(u.section_id, 0)"
    target_key = "(t.position_id * 1000003 + t.competency_id) * 1000003 + t.target_level * 8 + t.weight"
    last_history = f"(SELECT COALESCE(MAX(id), 0) FROM {history})"  # noqa: S608
    values = " || ':' || ".join(f"CAST({part} AS TEXT)" for part in ("p.n", "p.total", "t.n", "t.total", last_history))
    people = f"SELECT COUNT(*) AS n, {squares(people_key)} AS total FROM {user} u"  # noqa: S608 (names, not data)
    targets = f"SELECT COUNT(*) AS n, {squares(target_key)} AS total FROM {target} t"  # noqa: S608
    where = "u.is_active AND u.position_id IS NOT NULL"
    return f"SELECT {values} FROM ({people} WHERE {where}) p, ({targets}) t"  # noqa: S608


def fingerprint() -> str:
    """The fingerprint of the population and the targets now. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql(), [])
        return cursor.fetchone()[0]


# Marking and refreshing


def summary_mark_stale() -> None:
    """A level changed: once the current transaction commits, mark the summary stale and, if
    it was not already (or its refresh is overdue), queue a refresh. Once per transaction."""
    if any(isinstance(entry[1], _MarkStale) and not entry[1].ran for entry in connection.run_on_commit):
        return
    transaction.on_commit(_MarkStale())


class _MarkStale:
    """The after-commit callback of summary_mark_stale (an object, so a transaction that
    already has one that has not run yet is given no second)."""

    ran = False

    def __call__(self) -> None:
        self.ran = True
        _request_refresh(timezone.now())


def _request_refresh(now: datetime) -> None:
    """The summary is behind: mark it stale (since `now`, if it was not), and queue a refresh
    unless the summary was already stale and a refresh was queued less than
    REQUEST_AGAIN_AFTER ago. One UPDATE, which matches no row (and waits for no lock) while a
    refresh is queued: a season of results costs one such statement per transaction."""
    if (
        ReportSummaryState.objects.filter(pk=STATE_PK)
        .filter(
            Q(stale_since__isnull=True) | Q(requested_at__isnull=True) | Q(requested_at__lt=now - REQUEST_AGAIN_AFTER)
        )
        .update(stale_since=Coalesce("stale_since", Value(now, output_field=DateTimeField())), requested_at=now)
    ):
        transaction.on_commit(_enqueue_refresh)


def _enqueue_refresh() -> None:
    from competencies.tasks import report_summary_refresh  # the task module imports this one

    report_summary_refresh.enqueue()


def summary_refresh(*, now: datetime | None = None) -> ReportSummaryBatch:
    """Compute the whole summary as a new batch and make it current (unless a later claim's
    batch already is). Returns the batch. A few statements over the levels and the history;
    seconds on the benchmark data, on a worker."""
    claim = _claim()
    batch = _compute(claim, now or timezone.now())
    _publish(batch)
    return batch


def _claim() -> int:
    with transaction.atomic():
        state, _ = ReportSummaryState.objects.select_for_update().get_or_create(pk=STATE_PK)
        state.claims += 1
        # Figures of before the claim stay behind until this claim's batch is current.
        state.pending_since = state.pending_since or state.stale_since
        state.stale_since = None
        state.save(update_fields=["claims", "pending_since", "stale_since"])
        return state.claims


def _compute(claim: int, now: datetime) -> ReportSummaryBatch:
    today = timezone.localdate(now)
    # Inside a caller's transaction (a test's), the snapshot is that transaction's.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every statement: the figures, the fingerprint and the expiry agree.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        batch = ReportSummaryBatch.objects.create(
            claim=claim,
            computed_at=now,
            month=today.replace(day=1),
            next_expiry=CompetencyLevel.objects.filter(expires_at__gt=now).aggregate(first=Min("expires_at"))["first"],
            fingerprint=fingerprint(),
        )
        _insert(
            ReportCellFigures,
            ["batch_id", "section_id", "position_id", "employees", "assignments", "met", "gap_total"]
            + ["employees_in_gap", "met_without_levels"],
            [
                (batch.pk, cell.section_id, cell.position_id, cell.employees, cell.assignments, cell.met)
                + (cell.gap_total, cell.employees_in_gap, cell.met_without_levels)
                for cell in figure_cells(now=now)
            ],
        )
        # 120,000 rows on the benchmark data: written by the database from the statement.
        competency_table = _quoted(ReportCompetencyFigures)
        columns = "batch_id, is_total, section_id, position_id, competency_id, assignments, met, gap_total"
        statement, params = competency_cells_statement(now=now)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {competency_table} ({columns}, weighted_gap_total)"  # noqa: S608 (names, not data)
                f" SELECT %s, %s, cells.* FROM ({statement}) cells",
                [batch.pk, False, *params],
            )
            cursor.execute(
                f"INSERT INTO {competency_table} ({columns}, weighted_gap_total)"  # noqa: S608
                " SELECT batch_id, %s, NULL, NULL, competency_id, SUM(assignments), SUM(met), SUM(gap_total),"
                f" SUM(weighted_gap_total) FROM {competency_table} WHERE batch_id = %s"
                " GROUP BY batch_id, competency_id",
                [True, batch.pk],
            )
        months: dict[date, list[int]] = {end: [0, 0] for end in month_ends(today)}
        month_rows: list[tuple] = []
        for (section_id, position_id), points in progress_cells(today=today).items():
            for point in points:
                month_rows.append(
                    (batch.pk, False, section_id, position_id, point.month_end, point.assignments, point.met)
                )
                months[point.month_end][0] += point.assignments
                months[point.month_end][1] += point.met
        month_rows += [(batch.pk, True, None, None, end, n, met) for end, (n, met) in months.items()]
        _insert(
            ReportMonthFigures,
            ["batch_id", "is_total", "section_id", "position_id", "month_end", "assignments", "met"],
            month_rows,
        )
    return batch


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (values in the order of `columns`, "…_id" for a foreign key)."""
    if connection.vendor == "postgresql":
        copy_rows(model._meta.db_table, columns, rows)
    else:
        model.objects.bulk_create((model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=_BULK)


def _publish(batch: ReportSummaryBatch) -> None:
    with transaction.atomic():
        state = ReportSummaryState.objects.select_for_update().get(pk=STATE_PK)
        current = 0
        if state.batch_id is not None:
            current = ReportSummaryBatch.objects.filter(pk=state.batch_id).values_list("claim", flat=True).first() or 0
        if batch.claim <= current:
            _delete_batches(Q(pk=batch.pk))  # a later claim's batch is current: this one is older
            return
        state.batch = batch
        fields = ["batch"]
        if batch.claim == state.claims:
            state.pending_since = None
            fields.append("pending_since")
        state.save(update_fields=fields)
        _delete_batches(Q(claim__lt=batch.claim))


def _delete_batches(which: Q) -> None:
    batches = ReportSummaryBatch.objects.filter(which)
    for model in (ReportCellFigures, ReportCompetencyFigures, ReportMonthFigures):
        model.objects.filter(batch__in=batches.values("pk")).delete()
    batches.delete()


# Reading


@dataclass(frozen=True)
class SummaryStatus:
    """What one read of the summary's state found (summary_status): the current batch, if
    any, and whether changes since it are not counted yet."""

    batch: ReportSummaryBatch | None
    behind: bool
    # The framework's page stamp (hrportal.page_cache): it changes with the names the figures
    # are shown with (sections, positions and competencies, edited in the admin or imported).
    framework_stamp: int

    def is_live(self, *, filtered: bool, live_when_behind: bool = False) -> bool:
        """Whether the report is computed for the reader instead: without a batch, or while
        the summary is behind for a filtered report (cheap live) or an export (which has no
        place to say it is behind)."""
        return self.batch is None or (self.behind and (filtered or live_when_behind))

    @property
    def version(self) -> str | None:
        """Names what is drawn from the summary now: the batch (which never changes), whether
        it is behind and the names' stamp. None without a batch."""
        if self.batch is None:
            return None
        return f"{self.batch.pk}.{self.batch.computed_at.timestamp()}:{int(self.behind)}:{self.framework_stamp}"


@dataclass(frozen=True)
class SummaryReport:
    report: OrganisationReport
    figures_at: datetime  # when the figures were computed
    live: bool  # computed for this request, from the levels themselves
    behind: bool  # changes since figures_at are not counted yet (a refresh is queued)


def _status_sql() -> str:
    """The current batch's row (all NULL without one) with whether a change is waiting to be
    counted, the fingerprint now and the framework's page stamp; no row before the first read."""
    state, batch, stamp = (_quoted(model) for model in (ReportSummaryState, ReportSummaryBatch, PageStamp))
    waiting = "s.stale_since IS NOT NULL OR s.pending_since IS NOT NULL"
    framework = f"SELECT version FROM {stamp} WHERE scope = '{FRAMEWORK}'"  # noqa: S608 (names and a constant)
    return (
        f"SELECT b.*, {waiting} AS waiting, ({_fingerprint_sql()}) AS fingerprint_now,"  # noqa: S608 (names, not data)
        f" ({framework}) AS framework_stamp FROM {state} s LEFT JOIN {batch} b ON b.id = s.batch_id WHERE s.id = %s"
    )


def summary_status(*, today: date, now: datetime | None = None) -> SummaryStatus:
    """Read the summary's state, checking the batch against the fingerprint of the people and
    the targets, the month and the next expiry; queue a refresh when it is behind. One query
    (two the first time ever, and one more while it is behind). A raw query: on a cached page
    it is the one the page adds to the bare view's, and the ORM took three times its CPU to
    build the same statement."""
    now = now or timezone.now()
    # The batch's row with three more columns (waiting, fingerprint_now, framework_stamp).
    row: Any = next(iter(ReportSummaryBatch.objects.raw(_status_sql(), [STATE_PK])), None)
    if row is None:  # the first read ever: the row that marks and refreshes update
        ReportSummaryState.objects.bulk_create([ReportSummaryState(pk=STATE_PK)], ignore_conflicts=True)
    batch = row if row is not None and row.pk is not None else None
    behind = (
        row is None
        or batch is None
        or bool(row.waiting)
        or batch.month != today.replace(day=1)
        or (batch.next_expiry is not None and batch.next_expiry <= now)
        or batch.fingerprint != row.fingerprint_now
    )
    if behind:
        _request_refresh(now)
    stamp = row.framework_stamp if row is not None else None
    return SummaryStatus(batch=batch, behind=behind, framework_stamp=int(stamp or 0))


def summary_report(
    *,
    today: date,
    section_id: int | None = None,
    position_id: int | None = None,
    now: datetime | None = None,
    live_when_behind: bool = False,
    status: SummaryStatus | None = None,
) -> SummaryReport:
    """The organisation report (competencies.selectors.reports.organisation_report's figures)
    from the summary when it is current; see the module docstring for when it is not. One
    query (summary_status, unless `status` is that read's result) when the batch's figures
    are cached, four when not (and the cells, the competencies, the months).
    `live_when_behind`: compute it live whenever the summary is behind (an export)."""
    now = now or timezone.now()
    status = status or summary_status(today=today, now=now)
    batch = status.batch
    if batch is None or status.is_live(
        filtered=section_id is not None or position_id is not None, live_when_behind=live_when_behind
    ):
        live = organisation_report(today=today, section_id=section_id, position_id=position_id, now=now)
        return SummaryReport(report=live, figures_at=now, live=True, behind=False)

    def read() -> OrganisationReport:
        groups = group_tables(_cells(batch.pk, section_id, position_id))
        return OrganisationReport(
            today=today,
            total=groups.total,
            by_section=groups.by_section,
            by_position=groups.by_position,
            by_competency=_competencies(batch.pk, section_id, position_id),
            progress=_progress(batch.pk, today, section_id, position_id),
        )

    # A batch never changes: what is read from it is kept (per filter and language, whose
    # names it holds, and per names' stamp) for CACHE_SECONDS, which bounds how long a section
    # renamed by no door that bumps the stamp (the shell) shows its old name.
    key = f"report-summary:{status.version}:{section_id}:{position_id}:{today:%Y-%m}:{get_language()}"
    return SummaryReport(
        report=cast(OrganisationReport, cache.get_or_set(key, read, CACHE_SECONDS)),
        figures_at=batch.computed_at,
        live=False,
        behind=status.behind,
    )


def _where(alias: str, section_id: int | None, position_id: int | None) -> tuple[str, list]:
    condition, params = f"{alias}.batch_id = %s", []
    for field, value in (("section_id", section_id), ("position_id", position_id)):
        if value is not None:
            condition += f" AND {alias}.{field} = %s"
            params.append(value)
    return condition, params


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _cells(batch_id: int, section_id: int | None, position_id: int | None) -> list[FigureCell]:
    from hrportal.models import Position, Section

    where, params = _where("c", section_id, position_id)
    sql = (
        f"SELECT c.section_id, s.name, c.position_id, {localized_sql('p', 'name')}, c.employees, c.assignments,"  # noqa: S608
        " c.met, c.gap_total, c.employees_in_gap, c.met_without_levels"
        f" FROM {_quoted(ReportCellFigures)} c JOIN {_quoted(Position)} p ON p.id = c.position_id"
        f" LEFT JOIN {_quoted(Section)} s ON s.id = c.section_id WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch_id, *params])
        return [FigureCell(*row) for row in cursor.fetchall()]


def _competencies(batch_id: int, section_id: int | None, position_id: int | None) -> list[GroupFigures]:
    from competencies.models import Competency

    filtered = section_id is not None or position_id is not None
    where, params = _where("r", section_id, position_id)
    where += " AND NOT r.is_total" if filtered else " AND r.is_total"
    sql = (
        f"SELECT c.id, c.code, {localized_sql('c', 'name')}, f.n, f.met, f.gap, f.wgap FROM ("  # noqa: S608
        " SELECT r.competency_id, SUM(r.assignments) AS n, SUM(r.met) AS met, SUM(r.gap_total) AS gap,"
        f" SUM(r.weighted_gap_total) AS wgap FROM {_quoted(ReportCompetencyFigures)} r WHERE {where}"
        f" GROUP BY r.competency_id) f JOIN {_quoted(Competency)} c ON c.id = f.competency_id ORDER BY c.code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch_id, *params])
        return competency_figures_from_rows(cursor.fetchall())


def _progress(batch_id: int, today: date, section_id: int | None, position_id: int | None) -> list[MonthPoint]:
    rows = ReportMonthFigures.objects.filter(batch_id=batch_id)
    if section_id is None and position_id is None:
        rows = rows.filter(is_total=True)
    else:
        rows = rows.filter(is_total=False)
        if section_id is not None:
            rows = rows.filter(section_id=section_id)
        if position_id is not None:
            rows = rows.filter(position_id=position_id)
    sums = {
        row["month_end"]: row
        for row in rows.values("month_end").annotate(n=Sum("assignments"), met_sum=Sum("met")).order_by()
    }
    return [
        MonthPoint(
            month_end=end,
            met=int(sums[end]["met_sum"]) if end in sums else 0,
            assignments=int(sums[end]["n"]) if end in sums else 0,
        )
        for end in month_ends(today)
    ]
