"""A round's ratings as a spreadsheet: one row per person in the round and competency of their
position, the self-rating beside the verified level and the supervisor's rating.

The verified level is the one the gap rule counts (an expired level counts as none: blank), so
the difference and "to discuss" are surveys.rules' own. Headers are in the language of whoever
downloads the file: the file is for people, not for an import. Five queries, however many
people and competencies (the people, their positions' targets, their self-ratings, levels and
supervisors' ratings).
"""

from collections import defaultdict
from collections.abc import Iterator

import tablib
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from competencies.models import CompetencyLevel, PositionTarget
from competencies.rules import counted_level
from hrportal.spreadsheets import build_dataset
from surveys.models import SelfRating, SupervisorRating, SurveyRound
from surveys.rounds import round_people, round_starts_at
from surveys.rules import is_to_discuss, rating_difference

EXPORT_HEADERS = (
    gettext_lazy("Employee number"),
    gettext_lazy("Name"),
    gettext_lazy("Section"),
    gettext_lazy("Position"),
    gettext_lazy("Competency code"),
    gettext_lazy("Competency"),
    gettext_lazy("Target level"),
    gettext_lazy("Self-rating"),
    gettext_lazy("Rated in this round"),
    gettext_lazy("Verified level"),
    gettext_lazy("Supervisor rating"),
    gettext_lazy("Difference (self − verified)"),
    gettext_lazy("To discuss"),
)


def _rows(round_: SurveyRound) -> Iterator[list]:
    now = timezone.now()
    since = round_starts_at(round_)
    people = list(
        round_people(round_)
        .select_related("section", "position")
        .order_by("section__name", "last_name", "first_name", "pk")
    )
    if not people:
        return
    people_ids = [person.pk for person in people]
    targets: dict[int, list[PositionTarget]] = defaultdict(list)
    for target in (
        PositionTarget.objects.filter(position_id__in={person.position_id for person in people})
        .select_related("competency")
        .order_by("competency__code")
    ):
        targets[target.position_id].append(target)
    self_ratings = {
        (rating.employee_id, rating.competency_id): rating
        for rating in SelfRating.objects.for_employees(people_ids).only(
            "employee_id", "competency_id", "level", "confirmed_at"
        )
    }
    levels = {
        (level.employee_id, level.competency_id): counted_level(level.level, expires_at=level.expires_at, now=now)
        for level in CompetencyLevel.objects.filter(employee_id__in=people_ids).only(
            "employee_id", "competency_id", "level", "expires_at"
        )
    }
    supervisor_levels = dict(
        (((employee_id, competency_id), level))
        for employee_id, competency_id, level in SupervisorRating.objects.for_employees(people_ids).values_list(
            "employee_id", "competency_id", "level"
        )
    )
    yes, no = _("Yes"), _("No")
    for person in people:
        for target in targets[person.position_id or 0]:  # round_people holds people with a position only
            key = (person.pk, target.competency_id)
            rating = self_ratings.get(key)
            self_level = rating.level if rating else None
            verified = levels.get(key)
            difference = rating_difference(self_level, verified)
            yield [
                person.employee_number or "",
                person.display_name,
                person.section.name if person.section else "",
                person.position.name if person.position else "",
                target.competency.code,
                target.competency.name,
                target.target_level,
                "" if self_level is None else self_level,
                "" if rating is None else (yes if rating.confirmed_at >= since else no),
                "" if verified is None else verified,
                supervisor_levels.get(key, ""),
                "" if difference is None else difference,
                yes if is_to_discuss(self_level, verified) else no,
            ]


def round_dataset(round_: SurveyRound) -> tablib.Dataset:
    """The export (formula-like text escaped by build_dataset: names are anyone's to choose)."""
    return build_dataset(EXPORT_HEADERS, _rows(round_), title=_("Self-assessment"))


def round_export_filename(round_: SurveyRound) -> str:
    return f"self-assessment-{slugify(round_.name) or round_.pk}-{timezone.localdate():%Y-%m-%d}"
