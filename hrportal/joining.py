"""Joining the organisation with a code: HC creates join codes, a new employee redeems one at
/join/ with their employee number and email, and gets the link to choose their first password.

What a redemption answers, and why:
- a code that is unknown, expired, used up or revoked: one message about the code. A code says
  nothing about any employee, so telling the visitor it is not valid leaks nothing.
- a valid code: always the same answer ("if these details match an employee record without a
  password, we've emailed a link"), whether the details match such a record, match someone who
  already has a password, or match nobody, so the page never tells who works here.
- every entry of a valid code counts as a use, whatever the details. If only matches counted,
  a code one use short of its limit would turn "used up" exactly when a guess matched, and the
  next answer would tell the guesser so. HC therefore sets the limit with room for typos.
- the email goes out from a background task once the redemption has committed: sending it in
  the request would make the matching answer a mail server's round trip slower than the others.

Attempts are limited per client address and per code (JOIN_ADDRESS_ATTEMPTS and
JOIN_CODE_ATTEMPTS within JOIN_ATTEMPT_WINDOW), counted from the audit trail's join entries,
which every attempt writes: like django-axes's attempts table, they are shared by every server
process, unlike the default per-process cache. The code's own count runs under the code's row
lock, so it is exact; the address's count may let a burst of simultaneous requests pass one or
two over, which the code's limit and use count still bound.

The audit trail keeps what HC needs to follow up and nothing more of what was typed: which
code (when it exists), the outcome, and the account only when the number and email matched
one. The typed code, number and email of a failed attempt are never stored.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from hrportal.audit import audit_event
from hrportal.background import enqueue_on_commit
from hrportal.forms import password_link_send, same_email
from hrportal.models import AuditEntry, AuditEvent, JoinCode, JoinCodeStatus, User

# Readable when dictated or copied by hand: no 0/O, 1/I/L. 31 symbols, 12 of them: ~59 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4
HINT_LENGTH = 4
_HASH_SALT = "hrportal.joining.code"


class JoinOutcome(StrEnum):
    """What the visitor may be told. ACCEPTED is one answer for a match and a mismatch alike."""

    ACCEPTED = "accepted"
    CODE_REFUSED = "code_refused"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class JoinAttempt:
    outcome: JoinOutcome
    retry_at: datetime | None = None  # THROTTLED: when the next attempt will be let through


def normalize_code(code: str) -> str:
    """The code as stored: upper case, without the spaces and dashes people type between groups."""
    return "".join(character for character in code.upper() if character.isalnum())


def code_format(normalized: str) -> str:
    """ABCDEFGHJKMN → ABCD-EFGH-JKMN, as HC reads it out."""
    return "-".join(normalized[i : i + CODE_GROUP_LENGTH] for i in range(0, len(normalized), CODE_GROUP_LENGTH))


def code_hashes(code: str) -> list[str]:
    """The keyed hashes `code` may be stored under: with SECRET_KEY, then each of
    SECRET_KEY_FALLBACKS, so a rotated key does not void the codes already handed out. Keyed, not
    a plain hash: a copy of the table alone does not allow trying every code offline."""
    normalized = normalize_code(code)
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [salted_hmac(_HASH_SALT, normalized, secret=key, algorithm="sha256").hexdigest() for key in keys]


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))


def validate_join_code(*, expires_at: datetime, max_uses: int) -> None:
    """Raise ValidationError naming the field: a code expires in the future and allows a use."""
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose a moment in the future: the code would never work.")})
    if max_uses < 1:
        raise ValidationError({"max_uses": _("A code must allow at least one use.")})


def join_code_create(
    *, expires_at: datetime, max_uses: int, note: str = "", by: User | None, code: str | None = None
) -> tuple[JoinCode, str]:
    """A new join code and its text (ABCD-EFGH-JKMN), which is shown to HC now and never again.

    `code` is for the demo, which needs the same code on every run; otherwise it is drawn from
    `secrets`. Raises ValidationError naming the field for a past expiry or fewer than one use.
    Whether `by` may create codes is the caller's check (the admin: HC's permission).
    """
    validate_join_code(expires_at=expires_at, max_uses=max_uses)
    normalized = normalize_code(code) if code is not None else _new_code()
    with transaction.atomic():
        # Two equal codes drawn from 31^12 are not worth a retry loop: the unique hash refuses one.
        join_code = JoinCode.objects.create(
            code_hash=code_hashes(normalized)[0],
            hint=normalized[:HINT_LENGTH],
            note=note.strip(),
            expires_at=expires_at,
            max_uses=max_uses,
            created_by=by,
        )
    return join_code, code_format(normalized)


def join_code_revoke(*, join_code: JoinCode, by: User) -> JoinCode:
    """Revoke `join_code` now; revoking it again changes nothing (the first revocation is kept)."""
    with transaction.atomic():
        locked = JoinCode.objects.select_for_update().get(pk=join_code.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = by
            locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def _join_attempts() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(event=AuditEvent.JOIN)


def _retry_at(attempts: QuerySet[AuditEntry], limit: int, now: datetime) -> datetime | None:
    """When the next attempt may go through, or None if it may now: once `limit` attempts fall
    within the window, the next one waits until the oldest of the latest `limit` leaves it."""
    window = settings.JOIN_ATTEMPT_WINDOW
    latest = list(
        attempts.filter(timestamp__gt=now - window).order_by("-timestamp").values_list("timestamp", flat=True)[:limit]
    )
    if len(latest) < limit:
        return None
    return latest[-1] + window


def _account_to_join(employee_number: str, email: str) -> User | None:
    """The active person with this employee number and email (compared as the password reset
    does), or None. Whether they already have a password is the caller's question."""
    for person in User.objects.filter(employee_number=employee_number.strip(), is_active=True):
        if person.email and same_email(email.strip(), person.email):
            return person
    return None


def join_code_redeem(*, code: str, employee_number: str, email: str, request: HttpRequest) -> JoinAttempt:
    """One attempt at /join/ (see the module's docstring for what it answers and counts).

    Locks the code's row, so two attempts with one code count their uses and their limit one
    after the other. Writes one audit entry whatever happens; on a match with an account that has
    no usable password, queues the set-password email for after the commit.
    """
    now = timezone.now()
    address = get_client_ip_address(request)
    retry_at = _retry_at(_join_attempts().filter(remote_addr=address), settings.JOIN_ADDRESS_ATTEMPTS, now)
    if retry_at is not None:
        audit_event(event=AuditEvent.JOIN_THROTTLED, model=JoinCode, request=request, data={"limit": "address"})
        return JoinAttempt(JoinOutcome.THROTTLED, retry_at)
    with transaction.atomic():
        join_code = JoinCode.objects.select_for_update().filter(code_hash__in=code_hashes(code)).first()
        if join_code is None:
            audit_event(event=AuditEvent.JOIN, model=JoinCode, request=request, data={"outcome": "unknown_code"})
            return JoinAttempt(JoinOutcome.CODE_REFUSED)
        code_attempts = _join_attempts().filter(
            content_type=ContentType.objects.get_for_model(JoinCode), object_pk=str(join_code.pk)
        )
        retry_at = _retry_at(code_attempts, settings.JOIN_CODE_ATTEMPTS, now)
        if retry_at is not None:
            audit_event(event=AuditEvent.JOIN_THROTTLED, obj=join_code, request=request, data={"limit": "code"})
            return JoinAttempt(JoinOutcome.THROTTLED, retry_at)
        status = join_code.status_at(now)
        if status != JoinCodeStatus.ACTIVE:
            audit_event(event=AuditEvent.JOIN, obj=join_code, request=request, data={"outcome": str(status)})
            return JoinAttempt(JoinOutcome.CODE_REFUSED)

        join_code.uses += 1
        join_code.save(update_fields=["uses"])
        account = _account_to_join(employee_number, email)
        details: dict[str, str | int]
        if account is None:
            details = {"outcome": "no_match"}
        elif account.has_usable_password():
            details = {"outcome": "has_password", "account": account.pk}
        else:
            details = {"outcome": "link_sent", "account": account.pk}
            enqueue_on_commit(password_link_send, user_id=account.pk, first_password=True)
        audit_event(event=AuditEvent.JOIN, obj=join_code, request=request, data=details)
    return JoinAttempt(JoinOutcome.ACCEPTED)
