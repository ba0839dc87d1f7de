from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hrportal.models import Notification, TaskFailure
from hrportal.notifications import hc_recipients, notification_mark_read, notifications_mark_all_read, notify
from hrportal.page_cache import bump_framework
from tests.hrportal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    # A trailing slash, to show links get exactly one slash between site and path.
    settings.SITE_URL = "https://hc.example.com/"


def _notification(recipient, subject="Something happened", url="", read=False, **fields):
    return Notification.objects.create(
        recipient=recipient,
        subject=subject,
        body=fields.pop("body", "Details."),
        url=url,
        read_at=timezone.now() if read else None,
        **fields,
    )


def _read_url(notification):
    return reverse("notification_read", args=[notification.pk])


# notify


def test_notify_gives_each_active_recipient_one_notification_and_one_email(cast, django_capture_on_commit_callbacks):
    retired = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            recipients=[cast.employee, cast.colleague, cast.employee, retired],
            subject="IDP item approved",
            body="Your supervisor approved your item.",
            url="/idp/12/",
        )

    assert {n.recipient for n in created} == {cast.employee, cast.colleague}
    assert Notification.objects.filter(recipient=cast.employee).unread().count() == 1
    assert not Notification.objects.filter(recipient=retired).exists()
    assert sorted(message.to[0] for message in mail.outbox) == [cast.colleague.email, cast.employee.email]
    email = mail.outbox[0]
    assert email.subject == "IDP item approved"
    assert "Your supervisor approved your item." in email.body
    assert "https://hc.example.com/idp/12/" in email.body
    assert "https://hc.example.com/notifications/" in email.body


def test_recipient_without_email_address_gets_only_the_in_app_notification(cast, django_capture_on_commit_callbacks):
    no_address = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[no_address, cast.employee], subject="Level changed", body="B1 → B2")

    assert Notification.objects.filter(recipient=no_address).count() == 1
    assert [message.to for message in mail.outbox] == [[cast.employee.email]]


def test_nothing_is_emailed_when_the_transaction_rolls_back(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipients=[cast.employee], subject="Level changed", body="B1 → B2", url="/gap/")
            raise RuntimeError("the change failed after notifying")

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_failing_email_is_retried_alone_then_shown_to_hc_and_the_others_still_go_out(
    cast, django_capture_on_commit_callbacks, monkeypatch, caplog, settings
):
    settings.TASK_ATTEMPTS = 3
    send_messages = EmailBackend.send_messages

    def refuse_the_employee(backend, messages):
        if messages[0].to == [cast.employee.email]:
            raise ConnectionError("the mail server said no")
        return send_messages(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_the_employee)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[cast.employee, cast.colleague], subject="Level changed", body="B1 → B2")

    assert [message.to for message in mail.outbox] == [[cast.colleague.email]]
    assert Notification.objects.count() == 2
    # The immediate backend retries at once (the database backend after 1, then 4 minutes).
    assert caplog.text.count("failed (attempt") == 2
    [failure] = TaskFailure.objects.all()
    assert (failure.task_path, failure.description, failure.attempts) == (
        "hrportal.notifications.email_send",
        cast.employee.email,
        3,
    )
    assert failure.error == "ConnectionError: the mail server said no"


def test_notify_refuses_a_url_outside_the_portal(cast):
    with pytest.raises(ValueError, match="path inside the portal"):
        notify(recipients=[cast.employee], subject="Phish", body="", url="https://evil.example.com/")
    assert not Notification.objects.exists()


def test_hc_recipients_are_the_active_hc_staff(cast):
    assert set(hc_recipients()) == {cast.hc, cast.hc_employee}


def test_only_the_recipient_can_mark_a_notification_read(cast):
    notification = _notification(cast.employee)
    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=notification, user=cast.colleague)
    notification.refresh_from_db()
    assert notification.read_at is None


# The notifications page


def test_notifications_page_needs_a_login(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_notifications_page_lists_only_own_notifications_newest_first(client, cast):
    now = timezone.now()
    _notification(cast.employee, subject="Older and read", url="/idp/7/", read=True, created_at=now - timedelta(days=2))
    unread = _notification(cast.employee, subject="Newer and unread", url="/gap/", created_at=now)
    _notification(cast.colleague, subject="The colleague's business")
    client.force_login(cast.employee)

    response = client.get(reverse("notifications"))

    html = response.content.decode()
    assert [n.subject for n in response.context["page"]] == ["Newer and unread", "Older and read"]
    assert "The colleague's business" not in html
    assert html.count("notification-unread") == 1
    # A read one links straight to its page; an unread one opens through "mark read".
    assert 'href="/idp/7/"' in html
    assert f'action="{_read_url(unread)}"' in html


def test_notifications_page_has_an_empty_state(client, cast):
    client.force_login(cast.employee)
    response = client.get(reverse("notifications"))
    assert "No notifications yet" in response.content.decode()


def test_reading_a_notification_marks_it_read_and_opens_what_it_is_about(client, cast):
    notification = _notification(cast.employee, url="/gap/")
    client.force_login(cast.employee)

    response = client.post(_read_url(notification))

    assert response.status_code == 302 and response.url == "/gap/"
    notification.refresh_from_db()
    first_read_at = notification.read_at
    assert first_read_at is not None
    client.post(_read_url(notification))
    notification.refresh_from_db()
    assert notification.read_at == first_read_at


def test_reading_a_notification_without_url_returns_to_the_list(client, cast):
    notification = _notification(cast.employee)
    client.force_login(cast.employee)
    response = client.post(_read_url(notification))
    assert response.url == reverse("notifications")


def test_reading_needs_a_post(client, cast):
    notification = _notification(cast.employee)
    client.force_login(cast.employee)
    assert client.get(_read_url(notification)).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_another_users_notification_answers_404_and_stays_unread(client, cast):
    notification = _notification(cast.employee)
    client.force_login(cast.hc)

    assert client.post(_read_url(notification)).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all_marks_only_own_unread_notifications(client, cast):
    for _ in range(3):
        _notification(cast.employee)
    colleagues = _notification(cast.colleague)
    client.force_login(cast.employee)

    response = client.post(reverse("notifications_read_all"), follow=True)

    assert not Notification.objects.filter(recipient=cast.employee).unread().exists()
    assert "Marked 3 notifications as read." in response.content.decode()
    colleagues.refresh_from_db()
    assert colleagues.read_at is None
    assert notifications_mark_all_read(user=cast.employee) == 0


# Navbar


def test_navbar_bell_shows_the_unread_count(client, cast):
    for _ in range(3):
        _notification(cast.employee)
    _notification(cast.employee, read=True)
    _notification(cast.colleague)
    client.force_login(cast.employee)

    html = client.get(reverse("competencies:my_gaps")).content.decode()

    assert 'id="nav-unread-count">3<span class="visually-hidden"> unread notifications</span>' in html
    assert f'href="{reverse("notifications")}"' in html


def test_navbar_bell_has_no_badge_without_unread_notifications(client, cast):
    _notification(cast.employee, read=True)
    client.force_login(cast.employee)
    html = client.get(reverse("competencies:my_gaps")).content.decode()
    assert "nav-unread-count" not in html
    assert f'href="{reverse("notifications")}"' in html


@pytest.mark.parametrize("count", [3, 60])
def test_notifications_page_query_count_is_flat(client, cast, django_assert_num_queries, count):
    now = timezone.now()
    for i in range(count):
        _notification(cast.employee, subject=f"Note {i}", url=f"/idp/{i}/", read=i % 2 == 0, created_at=now)
    bump_framework()  # as in any database in use: the page stamps exist (hrportal/page_cache.py)
    client.force_login(cast.employee)
    # 1 session, 2 viewer, 3 the inbox's version (hrportal.notifications.inbox_version), 4 the
    # page stamps with the navbar's unread COUNT (shared with the page's "Mark all as read"),
    # 5 paginator's COUNT, 6 the page of notifications, 7 navbar's direct reports. The same
    # for 3 notifications as for 60:
    with django_assert_num_queries(7):
        response = client.get(reverse("notifications"))
    assert len(response.context["page"]) == min(count, 25)
    # Then the whole page from the cache: session, viewer, the inbox's version, stamps.
    with django_assert_num_queries(4):
        again = client.get(reverse("notifications"))
    assert again.content.count(b'class="list-group-item notification') == min(count, 25)
    # Another view, a query string, is never cached: 1, 2, 5 to 7 as above and the unread COUNT.
    with django_assert_num_queries(6):
        response = client.get(reverse("notifications"), {"show": "unread"})
    assert len(response.context["page"]) == min(count // 2, 25)
