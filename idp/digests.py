"""The weekly digest: `send_digests` runs this from cron (e.g. Mondays at 06:00).

Each active person with an email address and the switch on (User.digests) gets at most one
email per ISO week, in their language, listing what waits for them, and only when something
does:

- the items awaiting their approval: idp.selectors.approval_queue, the one home of the queue
  (direct reports, delegations, escalations, HC's share);
- their own items overdue, or due within DUE_SOON_DAYS days, that still need work;
- their own completed items waiting for HC to verify them;
- for HC, the completed items of others to verify.

A DigestSent row per person and week (unique) is written with the emails, which go out after
the commit: a second run the same week sends nothing twice. Someone with nothing to do gets
no row, so a later run that week tells them once something arrives.

Queries: a fixed handful for the people, their own items, HC's items to verify and the
records, plus approval_queue's per person (one approval queue per recipient: the queue is
the approver's, and only its home decides who may approve what). They do not grow with the
number of items.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from competencies.models import level_label
from hrportal.models import User
from hrportal.notifications import absolute_url, email_enqueue
from idp.models import OPEN_WORK_STATUSES, DigestSent, IdpItem, ItemStatus
from idp.selectors import approval_queue

DUE_SOON_DAYS = 14
# An HC digest names this many items to verify at most, and then how many more there are.
MAX_LINES = 20


def iso_week(day: date) -> str:
    """The ISO week `day` falls in, as "2026-W49"."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Digest:
    """What waits for one person this week."""

    recipient: User
    to_approve: list[IdpItem] = field(default_factory=list)
    overdue: list[IdpItem] = field(default_factory=list)
    due_soon: list[IdpItem] = field(default_factory=list)
    waiting_for_hc: list[IdpItem] = field(default_factory=list)
    to_verify: list[IdpItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.to_approve)
            + len(self.overdue)
            + len(self.due_soon)
            + len(self.waiting_for_hc)
            + len(self.to_verify)
        )


@dataclass(frozen=True)
class DigestRun:
    week: str
    sent: int  # digests emailed (or, in a dry run, that would be)
    nothing_to_do: int  # people with the switch on and nothing waiting
    already_sent: int  # people who had this week's digest already
    digests: list[Digest]


def digests_build(*, day: date, exclude_week: str | None = None) -> tuple[list[Digest], int, int]:
    """The digests due on `day`: (digests with something in them, people with nothing, people
    skipped because they had `exclude_week`'s digest already). Reads only."""
    people = list(User.objects.filter(is_active=True, digests=True).exclude(email="").order_by("pk"))
    already = set()
    if exclude_week:
        already = set(DigestSent.objects.filter(week=exclude_week).order_by().values_list("recipient_id", flat=True))
    people = [person for person in people if person.pk not in already]
    if not people:
        return [], 0, len(already)
    hc_ids = set(User.objects.hc_staff().values_list("pk", flat=True))
    digests = {person.pk: Digest(recipient=person) for person in people}
    for person in people:
        # approval_queue asks whether the approver is HC: known already, so not asked again per person.
        person.__dict__["is_hc"] = person.pk in hc_ids

    horizon = day + timedelta(days=DUE_SOON_DAYS)
    own = (
        IdpItem.objects.filter(employee__is_active=True, employee__digests=True)
        .filter(Q(status__in=OPEN_WORK_STATUSES, target_date__lte=horizon) | Q(status=ItemStatus.COMPLETED))
        .select_related("competency")
        .order_by("target_date", "pk")
    )
    for item in own:
        digest = digests.get(item.employee_id)
        if digest is None:
            continue
        if item.status == ItemStatus.COMPLETED:
            digest.waiting_for_hc.append(item)
        elif item.target_date < day:
            digest.overdue.append(item)
        else:
            digest.due_soon.append(item)

    hc_digests = [digests[pk] for pk in hc_ids if pk in digests]
    if hc_digests:
        completed = list(
            IdpItem.objects.filter(status=ItemStatus.COMPLETED)
            .select_related("employee", "competency")
            .order_by("updated_at", "pk")
        )
        for digest in hc_digests:
            # Nobody verifies their own item.
            digest.to_verify = [item for item in completed if item.employee_id != digest.recipient.pk]

    for digest in digests.values():
        digest.to_approve = approval_queue(approver=digest.recipient)

    full = [digest for digest in digests.values() if digest.count]
    return full, len(digests) - len(full), len(already)


def digests_send(*, day: date | None = None, week: str | None = None, dry_run: bool = False) -> DigestRun:
    """Email this week's digests (`week`, default the ISO week of `day`, default today) to
    everyone who has something waiting and has not had that week's yet; record each one.

    The emails go after the commit; a dry run writes and sends nothing and returns the same
    digests. Two runs at once email a person once: the record is unique, and only the run
    whose record was written sends.
    """
    day = day or timezone.localdate()
    week = week or iso_week(day)
    digests, nothing, already = digests_build(day=day, exclude_week=week)
    if dry_run or not digests:
        return DigestRun(week=week, sent=len(digests), nothing_to_do=nothing, already_sent=already, digests=digests)
    now = timezone.now()
    with transaction.atomic():
        DigestSent.objects.bulk_create(
            [DigestSent(recipient=d.recipient, week=week, sent_at=now, items=d.count) for d in digests],
            ignore_conflicts=True,
        )
        # The records this run wrote (a run at the same moment may have written some first).
        ours = set(DigestSent.objects.filter(week=week, sent_at=now).order_by().values_list("recipient_id", flat=True))
        digests = [d for d in digests if d.recipient.pk in ours]
        # One email task per person (after the commit): a refused address is retried alone.
        for digest in digests:
            email = digest_email(digest, day=day)
            email_enqueue(subject=email.subject, body=email.text, html=email.html, to=digest.recipient.email)
    return DigestRun(week=week, sent=len(digests), nothing_to_do=nothing, already_sent=already, digests=digests)


@dataclass(frozen=True)
class Line:
    text: str
    url: str  # absolute


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    lines: list[Line]
    more: int  # lines left out (MAX_LINES), told as a number


def _item_words(item: IdpItem) -> dict[str, str]:
    return {
        "competency": f"{item.competency.code} {item.competency.name}",
        "level": level_label(item.target_level),
        "date": date_format(item.target_date, "DATE_FORMAT"),
    }


def _section(key: str, title: str, items: list[IdpItem], text) -> Section | None:
    if not items:
        return None
    lines = [Line(text=text(item), url=absolute_url(item.get_absolute_url())) for item in items[:MAX_LINES]]
    return Section(key=key, title=title, lines=lines, more=max(len(items) - MAX_LINES, 0))


def _sections(digest: Digest) -> list[Section]:
    """The digest's sections in the language active now (digest_email activates the recipient's)."""
    sections = [
        _section(
            "to_approve",
            gettext("Awaiting your approval"),
            digest.to_approve,
            lambda item: (
                gettext("%(name)s: %(competency)s → %(level)s")
                % {"name": item.employee.display_name, **_item_words(item)}
            ),
        ),
        _section(
            "overdue",
            gettext("Your items past their target date"),
            digest.overdue,
            lambda item: (
                gettext("%(competency)s → %(level)s, due %(date)s (%(status)s)")
                % {**_item_words(item), "status": item.get_status_display().lower()}
            ),
        ),
        _section(
            "due_soon",
            ngettext("Your items due within %(days)s day", "Your items due within %(days)s days", DUE_SOON_DAYS)
            % {"days": DUE_SOON_DAYS},
            digest.due_soon,
            lambda item: (
                gettext("%(competency)s → %(level)s, due %(date)s (%(status)s)")
                % {**_item_words(item), "status": item.get_status_display().lower()}
            ),
        ),
        _section(
            "waiting_for_hc",
            gettext("Your completed items waiting for HC to verify them"),
            digest.waiting_for_hc,
            lambda item: gettext("%(competency)s → %(level)s") % _item_words(item),
        ),
        _section(
            "to_verify",
            gettext("Completed items for HC to verify"),
            digest.to_verify,
            lambda item: (
                gettext("%(name)s: %(competency)s → %(level)s")
                % {"name": item.employee.display_name, **_item_words(item)}
            ),
        ),
    ]
    return [section for section in sections if section is not None]


@dataclass(frozen=True)
class DigestEmail:
    subject: str
    text: str
    html: str


def digest_email(digest: Digest, *, day: date) -> DigestEmail:
    """The digest as an email (text and HTML), in the recipient's language, links absolute."""
    recipient = digest.recipient
    with translation.override(recipient.preferred_language):
        context = {
            "recipient": recipient,
            "sections": _sections(digest),
            "count": digest.count,
            "day": day,
            "plan_url": absolute_url(reverse("idp:my_plan")),
            "approvals_url": absolute_url(reverse("idp:approvals")),
            "account_url": absolute_url(reverse("account")),
        }
        subject = ngettext(
            "HC Portal: %(count)s thing waits for you this week",
            "HC Portal: %(count)s things wait for you this week",
            digest.count,
        ) % {"count": digest.count}
        text = render_to_string("idp/email/digest.txt", context)
        html = render_to_string("idp/email/digest.html", context)
    return DigestEmail(subject=subject, text=text, html=html)
