"""A "to approve" or "to verify" notification is done once anyone acts on the item: it turns
read for every recipient, whoever acted, through the IDP item page."""

import pytest
from django.urls import reverse

from hrportal.models import Notification, NotificationKind
from tests.hrportal.factories import HcUserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


def _act(client, user, item, action, data=None):
    client.force_login(user)
    response = client.post(reverse("idp:item_action", args=[item.pk, action]), data or {})
    assert response.status_code == 302, response
    return response


def _unread(kind, item=None):
    notifications = Notification.objects.filter(kind=kind).unread()
    if item is not None:
        notifications = notifications.about(item)
    return notifications


@pytest.mark.parametrize(
    ("action", "data"),
    [("approve", {"approve-comment": ""}), ("reject", {"reject-comment": "Too vague: name the course."})],
)
def test_deciding_an_item_reads_its_to_approve_notification(client, cast, action, data):
    item = IdpItemFactory(employee=cast.employee)
    _act(client, cast.employee, item, "submit")
    assert _unread(NotificationKind.TO_APPROVE, item).get().recipient == cast.supervisor

    _act(client, cast.supervisor, item, action, data)

    assert not _unread(NotificationKind.TO_APPROVE, item).exists()
    client.force_login(cast.supervisor)
    assert client.get(reverse("notifications"), {"show": "unread"}).context["page"].paginator.count == 0


def test_cancelling_a_submitted_item_reads_its_to_approve_notification(client, cast):
    item = IdpItemFactory(employee=cast.employee)
    _act(client, cast.employee, item, "submit")
    _act(client, cast.employee, item, "cancel")
    assert not _unread(NotificationKind.TO_APPROVE, item).exists()


def test_one_hc_member_verifying_reads_the_to_verify_notification_of_every_hc_member(client, cast):
    other_hc = HcUserFactory(username="hc_two")
    item = IdpItemFactory(employee=cast.employee, status="in_progress")
    _act(client, cast.employee, item, "complete", {"complete-evidence_note": "Certificate no. 12"})
    told = set(_unread(NotificationKind.TO_VERIFY, item).values_list("recipient__username", flat=True))
    assert {"hc", "hc_two", "hc_employee"} <= told

    _act(client, other_hc, item, "verify", {"verify-level": str(item.target_level), "verify-comment": ""})

    assert not _unread(NotificationKind.TO_VERIFY, item).exists()
    # What the employee was told stays unread until they read it.
    assert _unread(NotificationKind.STATUS_CHANGE, item).filter(recipient=cast.employee).exists()


def test_acting_on_one_item_leaves_another_items_notification_unread(client, cast):
    first = IdpItemFactory(employee=cast.employee)
    second = IdpItemFactory(employee=cast.employee)
    _act(client, cast.employee, first, "submit")
    _act(client, cast.employee, second, "submit")
    _act(client, cast.supervisor, first, "approve", {"approve-comment": ""})
    assert not _unread(NotificationKind.TO_APPROVE, first).exists()
    assert _unread(NotificationKind.TO_APPROVE, second).count() == 1
