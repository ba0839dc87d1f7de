"""Applying a strategy to positions: a plan that changes nothing, then HC's confirmation.

The same plan → preview → confirm path as the matrix import (hrportal.spreadsheets.ImportPlan):
`strategy_plan` works out, per position and competency, the target now and the strategy's; the
page previews it; `strategy_apply` plans again under lock, refuses if anything differs from the
preview (nothing is half-written), and writes every change through
`competencies.services.target_set`, so each is dated in the target history with a note naming
the strategy.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from competencies.models import Competency, PositionTarget, SkillGroup, level_label
from competencies.services import target_set
from hrportal.models import Position, User
from hrportal.spreadsheets import ImportPlan, PlanSection
from hrportal.translated import ENGLISH, INDONESIAN, column, english_column, localized
from strategies.models import Strategy, StrategyTarget

NOTE_MAX_LENGTH = 255


def target_row_rank(row: StrategyTarget, position_id: int) -> int | None:
    """How specific `row` is for a target of the position `position_id` (0 most), or None when
    the row is not about that position. A competency's row wins over its skill group's; then a
    row for the position itself over the row for every position."""
    if row.position_id is not None and row.position_id != position_id:
        return None
    return (0 if row.competency_id is not None else 2) + (0 if row.position_id is not None else 1)


@dataclass(frozen=True)
class TargetProposal:
    """One target of one position: what it is now and what the strategy aims for."""

    position_id: int
    competency_id: int
    code: str
    competency_name: str
    old_level: int
    new_level: int

    def __str__(self) -> str:
        return _("%(code)s %(name)s: %(old)s → %(new)s") % {
            "code": self.code,
            "name": self.competency_name,
            "old": level_label(self.old_level),
            "new": level_label(self.new_level),
        }


@dataclass(frozen=True)
class PositionProposal:
    """What the strategy would do to one position's targets."""

    position_id: int
    position_name: str
    changes: tuple[TargetProposal, ...]
    unchanged: int  # targets already at the strategy's level
    not_applicable: int  # competencies the strategy names that the position has no target in


@dataclass
class StrategyPlan(ImportPlan):
    """Applying one strategy to some positions. Nothing is written until `strategy_apply`."""

    strategy_id: int
    strategy_name: str
    positions: list[PositionProposal] = field(default_factory=list)

    @property
    def position_ids(self) -> list[int]:
        return [position.position_id for position in self.positions]

    @property
    def changes(self) -> list[TargetProposal]:
        return [change for position in self.positions for change in position.changes]

    @property
    def unchanged(self) -> int:
        return sum(position.unchanged for position in self.positions)

    @property
    def not_applicable(self) -> int:
        return sum(position.not_applicable for position in self.positions)

    def sections(self) -> list[PlanSection]:
        return [
            PlanSection(
                title=position.position_name,
                lines=[str(change) for change in position.changes],
                note=_position_note(position),
            )
            for position in self.positions
        ]

    def summary(self) -> str:
        """ "12 target changes in 3 positions." or "No changes." """
        changes = self.changes
        if not changes:
            return _("No changes.")
        positions = sum(1 for position in self.positions if position.changes)
        return ngettext(
            "%(changes)s target change in %(positions)s.",
            "%(changes)s target changes in %(positions)s.",
            len(changes),
        ) % {
            "changes": len(changes),
            "positions": ngettext("%(count)s position", "%(count)s positions", positions) % {"count": positions},
        }

    def fingerprint(self) -> str:
        """Identifies what the plan read and would write (ids and levels, not the names, which
        depend on the reader's language), so a confirmation applies what was previewed or nothing."""
        # Sorted by id: the positions' order follows their names in the reader's language.
        cells = sorted(
            (position.position_id, position.unchanged, position.not_applicable)
            + tuple(sorted((c.competency_id, c.old_level, c.new_level) for c in position.changes))
            for position in self.positions
        )
        return hashlib.sha256(repr((self.strategy_id, cells)).encode()).hexdigest()


def _position_note(position: PositionProposal) -> str:
    parts = []
    if position.unchanged:
        parts.append(
            ngettext(
                "%(count)s target already at the strategy's level.",
                "%(count)s targets already at the strategy's level.",
                position.unchanged,
            )
            % {"count": position.unchanged}
        )
    if position.not_applicable:
        parts.append(
            ngettext(
                "%(count)s competency the strategy names is not applicable to this position and stays so.",
                "%(count)s competencies the strategy names are not applicable to this position and stay so.",
                position.not_applicable,
            )
            % {"count": position.not_applicable}
        )
    if not parts:
        parts.append(_("The strategy names none of this position's targets."))
    return " ".join(parts)


class StrategyPlanOutdated(Exception):
    """The targets or the strategy changed since the preview: nothing was written. `plan` is
    what applying would do now, to preview again."""

    def __init__(self, plan: StrategyPlan) -> None:
        super().__init__(_("The targets or the strategy changed since the preview: nothing was changed."))
        self.plan = plan


def _require_hc(by: User) -> None:
    if not by.is_hc:
        raise PermissionDenied(_("Only HC staff apply qualification strategies."))


def own_position_refusal(position: Position) -> str:
    return _(
        "You hold the position %(position)s: nobody sets the targets of their own position. "
        "Leave it out, and ask another HC member to apply the strategy to it."
    ) % {"position": position}


def strategy_plan(*, strategy: Strategy, positions: Iterable[Position], by: User) -> StrategyPlan:
    """What applying `strategy` to `positions` would change; writes nothing. Three queries.

    Lists, per position (in the reader's order of names) and competency (by code), each target
    whose level the strategy would change; counts the targets already at its level and the
    competencies it names that the position has no target in (not applicable stays so).
    Raises ValidationError (on "positions") when `by` holds one of the positions: target_set
    refuses the targets of one's own position, and the plan says so before anything is written.
    """
    _require_hc(by)
    positions = list(positions)
    if not by.is_superuser:
        for position in positions:
            if position.pk == by.position_id:
                raise ValidationError({"positions": own_position_refusal(position)})
    rows = list(strategy.targets.all())
    competency_ids = {row.competency_id for row in rows if row.competency_id is not None}
    group_ids = {row.skill_group_id for row in rows if row.skill_group_id is not None}
    named = list(
        Competency.objects.filter(Q(pk__in=competency_ids) | Q(group_id__in=group_ids))
        .order_by("code")
        .values_list("pk", "group_id")
    )
    targets = {
        (target.position_id, target.competency_id): target
        for target in PositionTarget.objects.filter(
            position__in=positions, competency_id__in=[pk for pk, _group in named]
        ).select_related("competency")
    }
    by_competency: dict[int, list[StrategyTarget]] = defaultdict(list)
    by_group: dict[int, list[StrategyTarget]] = defaultdict(list)
    for row in rows:
        if row.competency_id is not None:
            by_competency[row.competency_id].append(row)
        elif row.skill_group_id is not None:
            by_group[row.skill_group_id].append(row)
    plan = StrategyPlan(strategy_id=strategy.pk, strategy_name=strategy.name)
    for position in sorted(positions, key=lambda p: (str(p).casefold(), p.pk)):
        changes: list[TargetProposal] = []
        unchanged = not_applicable = 0
        for competency_id, group_id in named:
            level = _aimed_level([*by_competency[competency_id], *by_group[group_id]], position.pk)
            if level is None:
                continue
            target = targets.get((position.pk, competency_id))
            if target is None:
                not_applicable += 1
            elif target.target_level == level:
                unchanged += 1
            else:
                changes.append(
                    TargetProposal(
                        position_id=position.pk,
                        competency_id=competency_id,
                        code=target.competency.code,
                        competency_name=target.competency.name,
                        old_level=target.target_level,
                        new_level=level,
                    )
                )
        plan.positions.append(
            PositionProposal(
                position_id=position.pk,
                position_name=str(position),
                changes=tuple(changes),
                unchanged=unchanged,
                not_applicable=not_applicable,
            )
        )
    return plan


def _aimed_level(rows: list[StrategyTarget], position_id: int) -> int | None:
    ranked = [(rank, row.target_level) for row in rows if (rank := target_row_rank(row, position_id)) is not None]
    return min(ranked)[1] if ranked else None


def strategy_apply(*, plan: StrategyPlan, by: User) -> int:
    """Write `plan`, as previewed, in one transaction; returns how many targets changed.

    Plans again with the positions' targets locked and raises StrategyPlanOutdated, writing
    nothing, when that differs from `plan` (someone changed a target or the strategy since the
    preview). Each change goes through target_set, dated now in the target history, with a note
    naming the strategy.
    """
    _require_hc(by)
    with transaction.atomic():
        strategy = Strategy.objects.select_for_update().filter(pk=plan.strategy_id).first()
        positions = list(Position.objects.filter(pk__in=plan.position_ids).order_by(localized("name"), "pk"))
        # Lock what the plan read, so that nobody changes it between this check and the writes.
        list(PositionTarget.objects.select_for_update().filter(position__in=positions).values_list("pk"))
        if strategy is None or len(positions) != len(plan.position_ids):
            raise StrategyPlanOutdated(StrategyPlan(strategy_id=plan.strategy_id, strategy_name=plan.strategy_name))
        current = strategy_plan(strategy=strategy, positions=positions, by=by)
        if current.fingerprint() != plan.fingerprint():
            raise StrategyPlanOutdated(current)
        # Stored, so in the language of the HC member confirming (like an override's reason).
        note = (_("Strategy “%(strategy)s”") % {"strategy": strategy.name})[:NOTE_MAX_LENGTH]
        by_position = {position.pk: position for position in positions}
        competencies = Competency.objects.in_bulk([change.competency_id for change in current.changes])
        for change in current.changes:
            target_set(
                position=by_position[change.position_id],
                competency=competencies[change.competency_id],
                level=change.new_level,
                by=by,
                note=note,
            )
        return len(current.changes)


DEFAULT_STRATEGIES = Path(__file__).resolve().parent / "fixtures" / "default_strategies.json"


def strategies_load_defaults(*, path: Path = DEFAULT_STRATEGIES) -> int:
    """Create the strategies of the fixture at `path` that do not exist yet (found by English
    name); returns how many it created. One that exists is left as HC keeps it, so loading
    again changes nothing.

    The fixture names skill groups and positions by their English names and competencies by
    code, not by primary key, which differ from one database to another (so it is not a Django
    fixture for loaddata). A name the database lacks is a ValidationError naming it, and
    nothing is created.
    """
    specs = json.loads(path.read_text(encoding="utf-8"))
    group_column, position_column, strategy_column = (
        english_column(model, "name") for model in (SkillGroup, Position, Strategy)
    )
    groups = {getattr(group, group_column): group for group in SkillGroup.objects.all()}
    positions = {getattr(position, position_column): position for position in Position.objects.all()}
    competencies = {competency.code: competency for competency in Competency.objects.all()}
    existing = set(Strategy.objects.values_list(strategy_column, flat=True))
    created = 0
    with transaction.atomic():
        for spec in specs:
            if spec["name_en"] in existing:
                continue
            strategy = Strategy.objects.create(
                **{
                    column("name", ENGLISH): spec["name_en"],
                    column("name", INDONESIAN): spec.get("name_id", ""),
                    column("description", ENGLISH): spec.get("description_en", ""),
                    column("description", INDONESIAN): spec.get("description_id", ""),
                },
                maturity_min=spec["maturity_min"],
                maturity_max=spec["maturity_max"],
            )
            for row in spec["targets"]:
                StrategyTarget.objects.create(
                    strategy=strategy,
                    competency=_named(competencies, row.get("competency"), spec, _("competency")),
                    skill_group=_named(groups, row.get("skill_group"), spec, _("skill group")),
                    position=_named(positions, row.get("position"), spec, _("position")),
                    target_level=row["level"],
                )
            created += 1
    return created


def _named[T](objects: dict[str, T], name: str | None, spec: dict, kind: str) -> T | None:
    if name is None:
        return None
    if name not in objects:
        raise ValidationError(
            _("The default strategy “%(strategy)s” names the %(kind)s “%(name)s”, which does not exist.")
            % {"strategy": spec["name_en"], "kind": kind, "name": name}
        )
    return objects[name]
