"""The IDP item workflow: which action moves an item from which status to which, and who may take it.

The one place the state machine lives; services apply it, views and templates only ask it.

    draft → submitted → approved | rejected;  rejected → draft (revise);
    approved → in progress → completed → verified;
    draft | submitted | approved | in progress → cancelled;
    any active status → verified, by the system, when the employee passes the assessment the
    item names (idp.services.idp_items_close_by_result);
    verified → the status it had before, by the system, when HC voids the result whose pass
    closed it (idp.services.idp_items_reopen_by_void).

ALL_TRANSITIONS is the one table. People's actions (TRANSITIONS) are what pages offer and what
the role × action matrix walks; the system's (SYSTEM_TRANSITIONS) no person may take, whatever
their role: no page offers them and the action URL does not know them.
"""

from dataclasses import dataclass
from enum import StrEnum

from hrportal.access import can_approve_for
from hrportal.models import User
from idp.models import ACTIVE_STATUSES, IdpItem, ItemStatus


class Actor(StrEnum):
    OWNER = "owner"  # the employee whose item it is
    APPROVER = "approver"  # their supervisor, or HC when they have none (hrportal.access.can_approve_for)
    HC = "hc"  # HC staff other than the owner
    SYSTEM = "system"  # the portal itself, reacting to an event (a passed assessment); never a person


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    done: str  # past tense, for messages: "This item was already approved."
    sources: frozenset[str]
    target: str  # RESTORED: back to the status before the transition it undoes (the service names it)
    actor: Actor


# The target of a transition that undoes another: the item returns to where it was before.
RESTORED = ""


ALL_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            "Submit for approval",
            "submitted",
            frozenset({ItemStatus.DRAFT}),
            ItemStatus.SUBMITTED,
            Actor.OWNER,
        ),
        Transition(
            "approve", "Approve", "approved", frozenset({ItemStatus.SUBMITTED}), ItemStatus.APPROVED, Actor.APPROVER
        ),
        Transition(
            "reject", "Reject", "rejected", frozenset({ItemStatus.SUBMITTED}), ItemStatus.REJECTED, Actor.APPROVER
        ),
        Transition(
            "revise", "Revise", "reopened as a draft", frozenset({ItemStatus.REJECTED}), ItemStatus.DRAFT, Actor.OWNER
        ),
        Transition("start", "Start", "started", frozenset({ItemStatus.APPROVED}), ItemStatus.IN_PROGRESS, Actor.OWNER),
        Transition(
            "complete", "Complete", "completed", frozenset({ItemStatus.IN_PROGRESS}), ItemStatus.COMPLETED, Actor.OWNER
        ),
        Transition("verify", "Verify", "verified", frozenset({ItemStatus.COMPLETED}), ItemStatus.VERIFIED, Actor.HC),
        Transition(
            "cancel",
            "Cancel",
            "cancelled",
            frozenset({ItemStatus.DRAFT, ItemStatus.SUBMITTED, ItemStatus.APPROVED, ItemStatus.IN_PROGRESS}),
            ItemStatus.CANCELLED,
            Actor.OWNER,
        ),
        Transition(
            "close_by_pass",
            "Close by a passed assessment",
            "closed by a passed assessment",
            frozenset(ACTIVE_STATUSES),
            ItemStatus.VERIFIED,
            Actor.SYSTEM,
        ),
        Transition(
            "reopen_by_void",
            "Reopen: the passing result was voided",
            "reopened because the result that closed it was voided",
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
            return can_approve_for(user, item.employee)
        case Actor.HC:
            return not is_owner and user.is_hc
        case Actor.SYSTEM:
            return False
    return False


def available_transitions(user: User, item: IdpItem) -> list[Transition]:
    """The actions `user` may take on `item` now (never the system's)."""
    return [t for t in TRANSITIONS.values() if item.status in t.sources and may_take(user, item, t)]
