"""The IDP item workflow: which action moves an item from which status to which, and who may take it.

The one place the state machine lives; services apply it, views and templates only ask it.

    draft → submitted → approved | rejected;  rejected → draft (revise);
    approved → in progress → completed → verified;
    draft | submitted | approved | in progress → cancelled.
"""

from dataclasses import dataclass
from enum import StrEnum

from hrportal.access import can_approve_for
from hrportal.models import User
from idp.models import IdpItem, ItemStatus


class Actor(StrEnum):
    OWNER = "owner"  # the employee whose item it is
    APPROVER = "approver"  # their supervisor, or HC when they have none (hrportal.access.can_approve_for)
    HC = "hc"  # HC staff other than the owner


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    done: str  # past tense, for messages: "This item was already approved."
    sources: frozenset[str]
    target: str
    actor: Actor


TRANSITIONS: dict[str, Transition] = {
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
    ]
}


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
    return False


def available_transitions(user: User, item: IdpItem) -> list[Transition]:
    """The actions `user` may take on `item` now."""
    return [t for t in TRANSITIONS.values() if item.status in t.sources and may_take(user, item, t)]
