"""Every transition for every role, through the page a person would use (POST to the action URL)."""

import pytest
from django.urls import reverse

from idp.models import IdpItem, IdpItemTransition, ItemStatus
from idp.workflow import TRANSITIONS
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

# The posted fields each action's form needs.
ACTION_DATA = {
    "approve": {"approve-comment": ""},
    "reject": {"reject-comment": "Please pick a shorter course."},
    "complete": {"complete-evidence_note": "Finished the course, certificate attached.", "complete-evidence_link": ""},
    "verify": {"verify-level": "2", "verify-comment": ""},
}

OWNER_ACTIONS = ["submit", "revise", "start", "complete", "cancel"]
ROLES = ["employee", "colleague", "supervisor", "other_supervisor", "hc", "hc_employee"]
# Who may act on an item of `employee` (who has a supervisor). Roles that cannot see the
# employee at all get 404; roles that can see it but may not act get 403.
ALLOWED = {
    **{a: {"employee"} for a in OWNER_ACTIONS},
    "approve": {"supervisor"},
    "reject": {"supervisor"},
    "verify": {"hc", "hc_employee"},
}
CAN_SEE_EMPLOYEE = {"employee", "supervisor", "hc", "hc_employee"}


def _source_status(action: str) -> str:
    return sorted(TRANSITIONS[action].sources)[0]


def _post(client, item, action):
    return client.post(reverse("idp:item_action", args=[item.pk, action]), ACTION_DATA.get(action, {}))


def _matrix():
    for action in TRANSITIONS:
        for role in ROLES:
            if role in ALLOWED[action]:
                yield action, role, 302
            else:
                yield action, role, 403 if role in CAN_SEE_EMPLOYEE else 404


@pytest.mark.parametrize(("action", "role", "status"), list(_matrix()))
def test_who_may_take_each_transition(client, cast, action, role, status):
    item = IdpItemFactory(employee=cast.employee, status=_source_status(action))
    client.force_login(getattr(cast, role))

    response = _post(client, item, action)

    assert response.status_code == status
    item.refresh_from_db()
    if status == 302:
        assert item.status == TRANSITIONS[action].target
        assert IdpItemTransition.objects.filter(item=item, to_status=item.status).count() == 1
    else:
        assert item.status == _source_status(action)
        assert not IdpItemTransition.objects.exists()


@pytest.mark.parametrize("action", ["approve", "reject", "verify"])
def test_hc_member_never_decides_their_own_item(client, cast, action):
    cast.hc_employee.supervisor = None
    cast.hc_employee.save()
    item = IdpItemFactory(employee=cast.hc_employee, status=_source_status(action))
    client.force_login(cast.hc_employee)
    assert _post(client, item, action).status_code == 403
    item.refresh_from_db()
    assert item.status == _source_status(action)


def test_hc_approves_items_of_employees_without_supervisor(client, cast):
    cast.employee.supervisor = None
    cast.employee.save()
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.hc)
    assert _post(client, item, "approve").status_code == 302
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.APPROVED


def test_hc_does_not_approve_items_of_employees_with_a_supervisor(client, cast):
    item = IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.hc)
    assert _post(client, item, "approve").status_code == 403


def test_supervisor_of_an_hc_member_approves_their_item(client, cast):
    item = IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.other_supervisor)
    assert _post(client, item, "approve").status_code == 302


@pytest.mark.parametrize(
    ("action", "wrong_status"),
    [
        ("approve", ItemStatus.DRAFT),
        ("start", ItemStatus.SUBMITTED),
        ("verify", ItemStatus.IN_PROGRESS),
        ("cancel", ItemStatus.COMPLETED),
        ("cancel", ItemStatus.VERIFIED),
        ("submit", ItemStatus.REJECTED),
    ],
)
def test_transition_from_a_wrong_status_changes_nothing_and_says_why(client, cast, action, wrong_status):
    item = IdpItemFactory(employee=cast.employee, status=wrong_status)
    actor = {"approve": cast.supervisor, "verify": cast.hc}.get(action, cast.employee)
    client.force_login(actor)

    response = client.post(reverse("idp:item_action", args=[item.pk, action]), ACTION_DATA.get(action, {}), follow=True)

    assert IdpItem.objects.get(pk=item.pk).status == wrong_status
    assert "Nothing changed" in response.content.decode()


def test_double_posted_approval_happens_once(client, cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)
    _post(client, item, "approve")
    response = client.post(reverse("idp:item_action", args=[item.pk, "approve"]), {}, follow=True)
    assert IdpItemTransition.objects.filter(item=item, to_status=ItemStatus.APPROVED).count() == 1
    assert "already" in response.content.decode() or "Nothing changed" in response.content.decode()


def test_reject_needs_a_comment(client, cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:item_action", args=[item.pk, "reject"]), {"reject-comment": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.SUBMITTED


def test_actions_are_post_only(client, cast):
    item = IdpItemFactory(employee=cast.employee)
    client.force_login(cast.employee)
    assert client.get(reverse("idp:item_action", args=[item.pk, "submit"])).status_code == 405


def test_unknown_action_is_404(client, cast):
    item = IdpItemFactory(employee=cast.employee)
    client.force_login(cast.employee)
    assert client.post(reverse("idp:item_action", args=[item.pk, "teleport"])).status_code == 404


@pytest.mark.parametrize("action", OWNER_ACTIONS)
def test_hc_member_takes_the_owner_actions_on_their_own_item(client, cast, action):
    item = IdpItemFactory(employee=cast.hc_employee, status=_source_status(action))
    client.force_login(cast.hc_employee)
    assert _post(client, item, action).status_code == 302
    assert IdpItem.objects.get(pk=item.pk).status == TRANSITIONS[action].target


def test_hc_approves_when_the_supervisor_has_left(client, cast, django_capture_on_commit_callbacks):
    from django.core import mail

    cast.supervisor.is_active = False
    cast.supervisor.save()
    item = IdpItemFactory(employee=cast.employee)
    client.force_login(cast.employee)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, item, "submit")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.hc.email, cast.hc_employee.email])

    client.force_login(cast.hc)
    assert [i.pk for i in client.get(reverse("idp:approvals")).context["queue"]] == [item.pk]
    assert _post(client, item, "approve").status_code == 302
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.APPROVED
