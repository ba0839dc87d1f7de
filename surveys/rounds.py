"""Survey rounds: who is in one, who has completed it, and the notices it sends.

A person is in a round when they are active, hold a position with at least one target (a
competency to rate), and their section OR their position is one the round chose. They have
completed it when every competency of their position has a self-rating given (changed or
confirmed: SelfRating.confirmed_at) since the start of the opening day, in the portal's
time zone. The round does not own the ratings: a rating given for one round counts for any
other open at the time.

Notices (SurveyNotice, one of each kind per person and round) keep the telling idempotent:
`survey_round_notices_send` tells, on or after the opening day and until the deadline,
everyone in the round not told yet (a person who joins a chosen section later is told on the
next run), and, from `reminder_days` before the deadline, reminds once whoever has not
completed. Someone first told inside that window is not reminded: their opening notice
already named a deadline that close. The admin's save calls it for the round it saved, and
`manage.py send_survey_reminders` (cron, daily) for every open round.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from competencies.models import PositionTarget
from hrportal.models import NotificationKind, Position, Section, User
from hrportal.notifications import lazy_text, notifications_batched, notify
from surveys.models import MAX_REMINDER_DAYS, SelfRating, SurveyNotice, SurveyNoticeKind, SurveyRound


def round_starts_at(round_: SurveyRound) -> datetime:
    """The first instant of the opening day in the portal's time zone: ratings from then on count."""
    return timezone.make_aware(datetime.combine(round_.opens_on, time.min), timezone.get_default_timezone())


def has_completed(*, applicable: int, rated: int, oldest_rating_at: datetime | None, since: datetime) -> bool:
    """The completion rule: every applicable competency rated, the oldest of those ratings at or after `since`."""
    return applicable > 0 and rated >= applicable and oldest_rating_at is not None and oldest_rating_at >= since


def _scope_q(section_ids: Iterable[int], position_ids: Iterable[int]) -> Q:
    return Q(section_id__in=list(section_ids)) | Q(position_id__in=list(position_ids))


def _people(scope: Q, *, since: datetime | None = None) -> QuerySet[User]:
    """Active people matching `scope` whose position has a competency to rate, each annotated with
    `applicable` (their position's targets), `rated` (their self-ratings in those),
    `oldest_rating_at` (the oldest of those ratings' confirmations) and, given `since`,
    `rated_since` (those confirmed at or after it): one query."""
    targets = PositionTarget.objects.filter(position=OuterRef("position"))
    applicable = targets.order_by().values("position").annotate(count=Count("pk")).values("count")
    # The person's ratings in competencies their position has a target in (one target each).
    ratings = SelfRating.objects.filter(employee=OuterRef("pk"), competency__targets__position=OuterRef("position"))
    rated = ratings.order_by().values("employee").annotate(count=Count("pk")).values("count")
    oldest = ratings.order_by().values("employee").annotate(oldest=Min("confirmed_at")).values("oldest")
    people = (
        User.objects.filter(scope, is_active=True, position__isnull=False)
        .filter(Exists(targets))
        .annotate(
            applicable=Subquery(applicable, output_field=IntegerField()),
            rated=Coalesce(Subquery(rated, output_field=IntegerField()), Value(0)),
            oldest_rating_at=Subquery(oldest),
        )
    )
    if since is not None:
        rated_since = (
            ratings.filter(confirmed_at__gte=since).order_by().values("employee").annotate(count=Count("pk"))
        ).values("count")
        people = people.annotate(rated_since=Coalesce(Subquery(rated_since, output_field=IntegerField()), Value(0)))
    return people


def round_people(round_: SurveyRound) -> QuerySet[User]:
    """The people in `round_`, annotated as `_people` says (`rated_since` the round opened).
    Reads the round's sections and positions (prefetched, or two queries), then one query."""
    sections = [section.pk for section in round_.sections.all()]
    positions = [position.pk for position in round_.positions.all()]
    return _people(_scope_q(sections, positions), since=round_starts_at(round_))


def _completed(person: User, since: datetime) -> bool:
    return has_completed(
        applicable=person.applicable,  # type: ignore[attr-defined]
        rated=person.rated,  # type: ignore[attr-defined]
        oldest_rating_at=person.oldest_rating_at,  # type: ignore[attr-defined]
        since=since,
    )


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None


# Reads: the list of rounds and one round's completion by section.


@dataclass(frozen=True)
class PersonProgress:
    person: User
    applicable: int  # competencies of their position
    rated_since: int  # of those, rated or confirmed since the round opened


@dataclass
class SectionCompletion:
    name: str  # "" for people without a section
    people: int = 0
    completed: int = 0
    waiting: list[PersonProgress] = field(default_factory=list)  # not completed, by name

    @property
    def percent(self) -> Decimal | None:
        return _share(self.completed, self.people)


@dataclass(frozen=True)
class RoundSummary:
    round: SurveyRound
    status: "RoundStatus"
    people: int
    completed: int

    @property
    def percent(self) -> Decimal | None:
        return _share(self.completed, self.people)


@dataclass(frozen=True)
class RoundCompletion:
    summary: RoundSummary
    sections: list[SectionCompletion]


class RoundStatus(models.TextChoices):
    UPCOMING = "upcoming", pgettext_lazy("a self-assessment round", "Upcoming")
    OPEN = "open", pgettext_lazy("a self-assessment round", "Open")
    CLOSED = "closed", pgettext_lazy("a self-assessment round", "Closed")


def round_status(round_: SurveyRound, today: date) -> RoundStatus:
    if today < round_.opens_on:
        return RoundStatus.UPCOMING
    return RoundStatus.OPEN if today <= round_.deadline else RoundStatus.CLOSED


def _with_scope(rounds: QuerySet[SurveyRound]) -> QuerySet[SurveyRound]:
    return rounds.select_related("created_by").prefetch_related(
        Prefetch("sections", queryset=Section.objects.only("id", "name")), "positions"
    )


def rounds_overview(*, today: date | None = None) -> list[RoundSummary]:
    """Every round, newest first, with its people and how many have completed it. Four queries
    (rounds, their sections, their positions, the people of all of them), however many rounds and people."""
    today = today or timezone.localdate()
    rounds = list(_with_scope(SurveyRound.objects.all()))
    if not rounds:
        return []
    scopes = {
        round_.pk: ({s.pk for s in round_.sections.all()}, {p.pk for p in round_.positions.all()}) for round_ in rounds
    }
    all_sections = set().union(*(sections for sections, _positions in scopes.values()))
    all_positions = set().union(*(positions for _sections, positions in scopes.values()))
    people = list(_people(_scope_q(all_sections, all_positions)).only("id", "section_id", "position_id"))
    summaries = []
    for round_ in rounds:
        sections, positions = scopes[round_.pk]
        since = round_starts_at(round_)
        members = [p for p in people if p.section_id in sections or p.position_id in positions]
        summaries.append(
            RoundSummary(
                round=round_,
                status=round_status(round_, today),
                people=len(members),
                completed=sum(1 for person in members if _completed(person, since)),
            )
        )
    return summaries


def round_for_hc(round_id: int) -> SurveyRound:
    """The round with its scope prefetched (three queries); SurveyRound.DoesNotExist if there is none."""
    return _with_scope(SurveyRound.objects.filter(pk=round_id)).get()


def round_completion(*, round_: SurveyRound, today: date | None = None) -> RoundCompletion:
    """Completion by section (sections by name, people without one last), with who has not
    completed yet. One query (the people), on a round from `round_for_hc`."""
    today = today or timezone.localdate()
    since = round_starts_at(round_)
    by_section: dict[str, SectionCompletion] = {}
    people = round_people(round_).select_related("section", "position").order_by("last_name", "first_name", "pk")
    for person in people:
        name = person.section.name if person.section else ""
        section = by_section.setdefault(name, SectionCompletion(name=name))
        completed = _completed(person, since)
        section.people += 1
        if completed:
            section.completed += 1
        else:
            section.waiting.append(
                PersonProgress(
                    person=person,
                    applicable=person.applicable,  # type: ignore[attr-defined]
                    rated_since=person.rated_since,  # type: ignore[attr-defined]
                )
            )
    sections = sorted(by_section.values(), key=lambda s: (s.name == "", s.name.casefold()))
    summary = RoundSummary(
        round=round_,
        status=round_status(round_, today),
        people=sum(s.people for s in sections),
        completed=sum(s.completed for s in sections),
    )
    return RoundCompletion(summary=summary, sections=sections)


def open_rounds_asking(*, person: User, today: date | None = None) -> list[SurveyRound]:
    """The rounds open on `today` whose section or position is `person`'s, soonest deadline
    first: what the self-assessment page announces. One query; none without a position."""
    if person.position_id is None:
        return []
    today = today or timezone.localdate()
    asks = Q(positions=person.position_id)
    if person.section_id is not None:
        asks |= Q(sections=person.section_id)
    return list(
        SurveyRound.objects.filter(asks, opens_on__lte=today, deadline__gte=today).distinct().order_by("deadline", "pk")
    )


# Writes: saving a round, and its notices.


def _validate(
    *, name: str, sections: list[Section], positions: list[Position], opens_on: date, deadline: date, reminder_days: int
) -> None:
    errors: dict[str, list[str]] = defaultdict(list)
    if not name.strip():
        errors["name"].append(_("Give the round a name."))
    if not sections and not positions:
        errors["sections"].append(_("Choose at least one section or position: nobody would be in the round."))
    if deadline < opens_on:
        errors["deadline"].append(_("The deadline cannot be before the round opens."))
    if not 0 <= reminder_days <= MAX_REMINDER_DAYS:
        errors["reminder_days"].append(
            _("The reminder goes out 0 to %(most)s days before the deadline.") % {"most": MAX_REMINDER_DAYS}
        )
    if errors:
        raise ValidationError(dict(errors))


def survey_round_save(
    *,
    round_: SurveyRound | None,
    name: str,
    sections: Iterable[Section],
    positions: Iterable[Position],
    opens_on: date,
    deadline: date,
    reminder_days: int,
    by: User,
) -> SurveyRound:
    """Create a round (`round_` None) or change one, HC only (PermissionDenied otherwise), and tell
    at once whoever it asks if it is open today (`survey_round_notices_send`): saving it again
    tells nobody twice. ValidationError names the field at fault (a deadline before the opening
    day, no section and no position)."""
    if not by.is_hc:
        raise PermissionDenied(_("Self-assessment rounds are run by HC."))
    sections, positions = list(sections), list(positions)
    _validate(
        name=name,
        sections=sections,
        positions=positions,
        opens_on=opens_on,
        deadline=deadline,
        reminder_days=reminder_days,
    )
    with transaction.atomic():
        if round_ is None or round_.pk is None:
            round_ = SurveyRound(created_by=by)
        else:
            # A reminder run at the same moment waits for this change, then sees it.
            round_ = SurveyRound.objects.select_for_update().get(pk=round_.pk)
        round_.name, round_.opens_on, round_.deadline, round_.reminder_days = (
            name.strip(),
            opens_on,
            deadline,
            reminder_days,
        )
        round_.save()
        round_.sections.set(sections)
        round_.positions.set(positions)
        survey_round_notices_send(round_=round_)
    return round_


def self_assessment_url() -> str:
    """Where a round's notices send people: the self-assessment page."""
    return reverse("surveys:self_assessment")


@dataclass(frozen=True)
class NoticeRun:
    round: SurveyRound
    opening: int  # people told the round opened
    reminders: int  # people reminded


def _opening_texts(round_: SurveyRound):
    words = {
        "name": round_.name,
        "deadline": lazy_text(date_format, round_.deadline, "DATE_FORMAT"),
    }
    subject = format_lazy(gettext_lazy("Rate yourself by {deadline}: {name}"), **words)
    body = format_lazy(
        gettext_lazy(
            "HC asks you to rate yourself on the competencies of your position by {deadline} "
            "(self-assessment round “{name}”). Your ratings are shown beside your verified levels; "
            "they never change a level or a gap."
        ),
        **words,
    )
    return subject, body


def _reminder_texts(round_: SurveyRound, person: User):
    words = {
        "name": round_.name,
        "deadline": lazy_text(date_format, round_.deadline, "DATE_FORMAT"),
        "rated": person.rated_since,  # type: ignore[attr-defined]
        "applicable": person.applicable,  # type: ignore[attr-defined]
    }
    subject = format_lazy(gettext_lazy("Reminder: rate yourself by {deadline}"), **words)
    body = format_lazy(
        gettext_lazy(
            "The self-assessment round “{name}” closes on {deadline}. Since it opened you have rated "
            "{rated} of the {applicable} competencies of your position: rate, or confirm, the others."
        ),
        **words,
    )
    return subject, body


def survey_round_notices_send(*, round_: SurveyRound, today: date | None = None, dry_run: bool = False) -> NoticeRun:
    """Tell `round_`'s people what is due on `today` (default: today in the portal's time zone):
    the opening notice to everyone not told yet, and from the reminder day the reminder to
    those who have not completed and were told before that day. Nothing outside the opening
    day..deadline. Idempotent: each person gets each notice once (SurveyNotice). `dry_run`
    counts and writes nothing. A fixed number of queries, plus the notifications' writes."""
    today = today or timezone.localdate()
    if not round_.is_open_on(today):
        return NoticeRun(round=round_, opening=0, reminders=0)
    since = round_starts_at(round_)
    with transaction.atomic():
        if not dry_run:
            # Two runs at once (cron and an admin save) serialise here; the second sees the first's notices.
            SurveyRound.objects.select_for_update().filter(pk=round_.pk).first()
        people = list(round_people(round_).order_by("pk"))
        told = {
            (employee_id, kind): sent_at
            for employee_id, kind, sent_at in SurveyNotice.objects.filter(round=round_).values_list(
                "employee_id", "kind", "sent_at"
            )
        }
        to_open = [person for person in people if (person.pk, SurveyNoticeKind.OPENING) not in told]
        to_remind = []
        if today >= round_.reminder_on:
            for person in people:
                opened_at = told.get((person.pk, SurveyNoticeKind.OPENING))
                if (
                    opened_at is not None
                    and timezone.localdate(opened_at) < round_.reminder_on
                    and (person.pk, SurveyNoticeKind.REMINDER) not in told
                    and not _completed(person, since)
                ):
                    to_remind.append(person)
        if dry_run or not (to_open or to_remind):
            return NoticeRun(round=round_, opening=len(to_open), reminders=len(to_remind))
        now = timezone.now()
        SurveyNotice.objects.bulk_create(
            [
                *(SurveyNotice(round=round_, employee=p, kind=SurveyNoticeKind.OPENING, sent_at=now) for p in to_open),
                *(
                    SurveyNotice(round=round_, employee=p, kind=SurveyNoticeKind.REMINDER, sent_at=now)
                    for p in to_remind
                ),
            ]
        )
        url = self_assessment_url()
        with notifications_batched():
            if to_open:
                subject, body = _opening_texts(round_)
                notify(
                    recipients=to_open,
                    subject=subject,
                    body=body,
                    url=url,
                    kind=NotificationKind.SURVEY,
                    about=round_,
                )
            for person in to_remind:
                subject, body = _reminder_texts(round_, person)
                notify(
                    recipients=[person],
                    subject=subject,
                    body=body,
                    url=url,
                    kind=NotificationKind.SURVEY,
                    about=round_,
                )
    return NoticeRun(round=round_, opening=len(to_open), reminders=len(to_remind))


def survey_rounds_notices_send(*, today: date | None = None, dry_run: bool = False) -> list[NoticeRun]:
    """`survey_round_notices_send` for every round open on `today`: the reminder command."""
    today = today or timezone.localdate()
    rounds = _with_scope(SurveyRound.objects.filter(opens_on__lte=today, deadline__gte=today)).order_by("pk")
    return [survey_round_notices_send(round_=round_, today=today, dry_run=dry_run) for round_ in rounds]
