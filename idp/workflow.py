"""The IDP item workflow: which action moves an item from which status to which, and who may take it.

The one place the state machine lives; services apply it, views and templates only ask it.

    draft → submitted → approved | rejected;  rejected → draft (revise);
    approved → in progress → completed → verified;
    draft | submitted | approved | in progress → cancelled;
    any active status → verified, by the system, when the employee passes the assessment the
    item names (idp.services.idp_items_close_by_result);
    verified → the status it had before, by the system, when HC voids the result whose pass
    closed it (idp.services.idp_items_reopen_by_void);
    submitted → submitted, by the system, when an item has waited too long for approval and
    escalates to more approvers (idp.escalation).

ALL_TRANSITIONS is the one table. People's actions (TRANSITIONS) are what pages offer and what
the role × action matrix walks; the system's (SYSTEM_TRANSITIONS) no person may take, whatever
their role: no page offers them and the action URL does not know them.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext, pgettext_lazy

from hrportal.access import can_approve_for
from hrportal.models import User
from idp.models import ACTIVE_STATUSES, IdpItem, ItemStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Actor(StrEnum):
    OWNER = "owner"  # the employee whose item it is
    # Their supervisor, or HC when they have none; a delegate of the supervisor; once the item has
    # escalated, the supervisor's supervisor and HC (hrportal.access.can_approve_for decides).
    APPROVER = "approver"
    HC = "hc"  # HC staff other than the owner
    SYSTEM = "system"  # the portal itself, reacting to an event (a passed assessment); never a person


@dataclass(frozen=True)
class Transition:
    action: str
    label: "StrOrPromise"  # the button: "Approve"
    done: "StrOrPromise"  # past tense, for messages: "This item was already approved."
    sources: frozenset[str]
    target: str  # RESTORED: back to the status before the transition it undoes (the service names it)
    actor: Actor

    def refusal(self) -> str:
        """Why someone whose role does not allow this action gets a 403."""
        return gettext("You may not %(action)s this item.") % {"action": str(self.label).lower()}

    def done_message(self) -> str:
        """What the page says after the action: "Item approved." """
        return gettext("Item %(done)s.") % {"done": self.done}


# The target of a transition that undoes another: the item returns to where it was before.
RESTORED = ""


ALL_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            pgettext_lazy("IDP action", "Submit for approval"),
            pgettext_lazy("IDP item was", "submitted"),
            frozenset({ItemStatus.DRAFT}),
            ItemStatus.SUBMITTED,
            Actor.OWNER,
        ),
        Transition(
            "approve",
            pgettext_lazy("IDP action", "Approve"),
            pgettext_lazy("IDP item was", "approved"),
            frozenset({ItemStatus.SUBMITTED}),
            ItemStatus.APPROVED,
            Actor.APPROVER,
        ),
        Transition(
            "reject",
            pgettext_lazy("IDP action", "Reject"),
            pgettext_lazy("IDP item was", "rejected"),
            frozenset({ItemStatus.SUBMITTED}),
            ItemStatus.REJECTED,
            Actor.APPROVER,
        ),
        Transition(
            "revise",
            pgettext_lazy("IDP action", "Revise"),
            pgettext_lazy("IDP item was", "reopened as a draft"),
            frozenset({ItemStatus.REJECTED}),
            ItemStatus.DRAFT,
            Actor.OWNER,
        ),
        Transition(
            "start",
            pgettext_lazy("IDP action", "Start"),
            pgettext_lazy("IDP item was", "started"),
            frozenset({ItemStatus.APPROVED}),
            ItemStatus.IN_PROGRESS,
            Actor.OWNER,
        ),
        Transition(
            "complete",
            pgettext_lazy("IDP action", "Complete"),
            pgettext_lazy("IDP item was", "completed"),
            frozenset({ItemStatus.IN_PROGRESS}),
            ItemStatus.COMPLETED,
            Actor.OWNER,
        ),
        Transition(
            "verify",
            pgettext_lazy("IDP action", "Verify"),
            pgettext_lazy("IDP item was", "verified"),
            frozenset({ItemStatus.COMPLETED}),
            ItemStatus.VERIFIED,
            Actor.HC,
        ),
        Transition(
            "cancel",
            pgettext_lazy("IDP action", "Cancel"),
            pgettext_lazy("IDP item was", "cancelled"),
            frozenset({ItemStatus.DRAFT, ItemStatus.SUBMITTED, ItemStatus.APPROVED, ItemStatus.IN_PROGRESS}),
            ItemStatus.CANCELLED,
            Actor.OWNER,
        ),
        Transition(
            "close_by_pass",
            pgettext_lazy("IDP action", "Close by a passed assessment"),
            pgettext_lazy("IDP item was", "closed by a passed assessment"),
            frozenset(ACTIVE_STATUSES),
            ItemStatus.VERIFIED,
            Actor.SYSTEM,
        ),
        Transition(
            "escalate",
            pgettext_lazy("IDP action", "Escalate: waiting too long for approval"),
            pgettext_lazy("IDP item was", "escalated"),
            frozenset({ItemStatus.SUBMITTED}),
            ItemStatus.SUBMITTED,
            Actor.SYSTEM,
        ),
        Transition(
            "reopen_by_void",
            pgettext_lazy("IDP action", "Reopen: the passing result was voided"),
            pgettext_lazy("IDP item was", "reopened because the result that closed it was voided"),
            frozenset({ItemStatus.VERIFIED}),
            RESTORED,
            Actor.SYSTEM,
        ),
    ]
}
# What people do (pages, the action URL, the role × action matrix) and what the portal does itself.
TRANSITIONS: dict[str, Transition] = {a: t for a, t in ALL_TRANSITIONS.items() if t.actor != Actor.SYSTEM}
SYSTEM_TRANSITIONS: dict[str, Transition] = {a: t for a, t in ALL_TRANSITIONS.items() if t.actor == Actor.SYSTEM}


def may_take(user: User, item: IdpItem, transition: Transition) -> bool:
    """Whether `user`'s role lets them take `transition` on `item` (whatever its current status)."""
    if not user.is_authenticated:
        return False
    is_owner = user.pk == item.employee_id
    match transition.actor:
        case Actor.OWNER:
            return is_owner
        case Actor.APPROVER:
            return can_approve_for(user, item.employee, escalation=item.escalation)
        case Actor.HC:
            return not is_owner and user.is_hc
        case Actor.SYSTEM:
            return False
    return False


def available_transitions(user: User, item: IdpItem) -> list[Transition]:
    """The actions `user` may take on `item` now (never the system's)."""
    return [t for t in TRANSITIONS.values() if item.status in t.sources and may_take(user, item, t)]
