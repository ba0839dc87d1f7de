"""The notifications page as an inbox: kind and priority in words, Unread / All / Archived
views, archiving one and archiving all read ones."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hrportal.models import Notification, NotificationKind, NotificationPriority
from hrportal.notifications import notifications_batched, notifications_mark_read_about, notify

pytestmark = pytest.mark.django_db


def _notification(recipient, subject="Something happened", *, read=False, archived=False, **fields):
    now = timezone.now()
    return Notification.objects.create(
        recipient=recipient,
        subject=subject,
        body="Details.",
        read_at=now if read or archived else None,
        archived_at=now if archived else None,
        **fields,
    )


def _subjects(response) -> list[str]:
    return [n.subject for n in response.context["page"]]


def test_notify_stores_kind_priority_and_what_it_is_about(cast):
    [created] = notify(
        recipients=[cast.employee],
        subject="Item to approve",
        body="Body",
        kind=NotificationKind.TO_APPROVE,
        priority=NotificationPriority.HIGH,
        about=cast.colleague,
    )
    stored = Notification.objects.get(pk=created.pk)
    assert (stored.kind, stored.priority, stored.about) == ("to_approve", "high", cast.colleague)


def test_notify_without_the_new_arguments_is_an_ordinary_notification(cast):
    [created] = notify(recipients=[cast.employee], subject="Hello", body="Body")
    stored = Notification.objects.get(pk=created.pk)
    assert (stored.kind, stored.priority, stored.about) == ("other", "normal", None)


def test_notify_refuses_an_unknown_kind(cast):
    with pytest.raises(ValueError):
        notify(recipients=[cast.employee], subject="Hello", body="Body", kind="gossip")


def test_the_page_shows_kind_and_priority_in_words(client, cast):
    _notification(cast.employee, "Urgent", kind=NotificationKind.TO_APPROVE, priority=NotificationPriority.HIGH)
    _notification(cast.employee, "Calm", kind=NotificationKind.RESULT)
    client.force_login(cast.employee)
    html = client.get(reverse("notifications")).content.decode()
    assert "To approve" in html
    assert "High priority" in html
    assert html.count("High priority") == 1
    assert "Result" in html


def test_unread_all_and_archived_views_list_what_they_say(client, cast):
    _notification(cast.employee, "Unread one")
    _notification(cast.employee, "Read one", read=True)
    _notification(cast.employee, "Archived one", archived=True)
    client.force_login(cast.employee)
    url = reverse("notifications")
    assert _subjects(client.get(url, {"show": "unread"})) == ["Unread one"]
    assert sorted(_subjects(client.get(url))) == ["Read one", "Unread one"]
    assert sorted(_subjects(client.get(url, {"show": "all"}))) == ["Read one", "Unread one"]
    assert _subjects(client.get(url, {"show": "archived"})) == ["Archived one"]
    # An unknown view is the default one, not an error.
    assert sorted(_subjects(client.get(url, {"show": "spam"}))) == ["Read one", "Unread one"]


def test_the_current_view_is_marked_for_screen_readers(client, cast):
    client.force_login(cast.employee)
    html = client.get(reverse("notifications"), {"show": "archived"}).content.decode()
    assert 'href="/notifications/?show=archived" aria-current="page"' in html
    assert "Nothing archived" in html


def test_archiving_a_notification_moves_it_to_archived_and_marks_it_read(client, cast):
    notification = _notification(cast.employee, "Put me away")
    client.force_login(cast.employee)
    response = client.post(reverse("notification_archive", args=[notification.pk]), {"show": "unread"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications") + "?show=unread"
    notification.refresh_from_db()
    assert notification.is_archived and notification.is_read
    assert "Put me away" not in _subjects(client.get(reverse("notifications")))
    assert _subjects(client.get(reverse("notifications"), {"show": "archived"})) == ["Put me away"]


def test_archiving_another_users_notification_answers_404_and_changes_nothing(client, cast):
    theirs = _notification(cast.colleague, "Not yours")
    client.force_login(cast.employee)
    assert client.post(reverse("notification_archive", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.archived_at is None and theirs.read_at is None


def test_archiving_needs_a_post(client, cast):
    notification = _notification(cast.employee)
    client.force_login(cast.employee)
    assert client.get(reverse("notification_archive", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.archived_at is None


def test_archive_all_read_archives_only_own_read_notifications(client, cast):
    _notification(cast.employee, "Read", read=True)
    _notification(cast.employee, "Unread")
    colleagues = _notification(cast.colleague, "Colleague's read", read=True)
    client.force_login(cast.employee)
    response = client.post(reverse("notifications_archive_read"), follow=True)
    assert "Archived 1 read notification." in response.content.decode()
    assert _subjects(response) == ["Unread"]
    assert _subjects(client.get(reverse("notifications"), {"show": "archived"})) == ["Read"]
    colleagues.refresh_from_db()
    assert colleagues.archived_at is None


@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize("show", ["unread", "all", "archived"])
def test_every_view_costs_the_same_queries_however_many_notifications(
    client, cast, django_assert_num_queries, count, show
):
    for i in range(count):
        _notification(
            cast.employee,
            f"Note {i}",
            read=i % 3 == 1,
            archived=i % 3 == 2,
            kind=NotificationKind.values[i % len(NotificationKind.values)],
            priority=NotificationPriority.HIGH if i % 2 else NotificationPriority.NORMAL,
        )
    client.force_login(cast.employee)
    # 1 session, 2 viewer, 3 paginator's COUNT, 4 the page of notifications (kind and
    # priority are columns of it), 5 navbar's direct reports, 6 navbar's unread COUNT.
    with django_assert_num_queries(6):
        response = client.get(reverse("notifications"), {"show": show})
    # A third of them each unread, read, archived; "all" is the first two thirds.
    expected = {"unread": count // 3, "all": 2 * count // 3, "archived": count // 3}[show]
    assert len(response.context["page"]) == min(expected, 25)


# --- The page from the cache (hrportal/page_cache.py) ----------------------------------------
# The default view comes from the cache until the inbox changes, through any door, and then
# shows the change at once. Each test first shows that the page IS served from the cache.

INBOX = reverse("notifications")


def _queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _cached(client) -> str:
    miss, _ = _queries(client)
    hit, html = _queries(client)
    assert hit < miss, f"not served from the cache ({hit} queries, then {miss})"
    return html


def _is_new(html: str, notification) -> bool:
    start = html.index(f'id="notification-{notification.pk}"')
    return "notification-unread" in html[html.rindex("<li", 0, start) : start]


def test_a_new_notification_shows_at_once_whatever_writes_it(client, cast):
    client.force_login(cast.employee)
    assert "Your plan was approved" not in _cached(client)
    notify(recipients=[cast.employee], subject="Your plan was approved", body="Go ahead.")
    html = _cached(client)
    assert "Your plan was approved" in html and 'id="nav-unread-count">1<' in html  # the bell too
    with notifications_batched():  # a bulk write (a results import): COPY on PostgreSQL
        notify(recipients=[cast.employee, cast.colleague], subject="Your result is in", body="See it.")
    assert "Your result is in" in _cached(client)
    _notification(cast.employee, "Written straight to the table")
    assert "Written straight to the table" in client.get(INBOX).content.decode()


def test_reading_one_or_all_shows_at_once(client, cast):
    first, second = _notification(cast.employee, "First"), _notification(cast.employee, "Second")
    client.force_login(cast.employee)
    html = _cached(client)
    assert _is_new(html, first) and _is_new(html, second)
    client.post(reverse("notification_read", args=[first.pk]))
    html = _cached(client)
    assert not _is_new(html, first) and _is_new(html, second)
    client.post(reverse("notifications_read_all"))
    client.get(INBOX)  # the message
    html = _cached(client)
    assert not _is_new(html, second) and 'id="mark-all-read"' not in html


def test_a_notification_read_by_someone_acting_on_its_item_shows_at_once(client, cast):
    """A "to approve" is read for every recipient once anyone decides the item: a door that
    names no recipient."""
    [to_approve] = notify(
        recipients=[cast.supervisor], subject="An item to approve", body="", kind="to_approve", about=cast.employee
    )
    client.force_login(cast.supervisor)
    assert _is_new(_cached(client), to_approve)
    assert notifications_mark_read_about(obj=cast.employee, kinds=["to_approve"]) == 1
    assert not _is_new(client.get(INBOX).content.decode(), to_approve)


def test_archiving_one_or_all_read_shows_at_once(client, cast):
    read, kept = _notification(cast.employee, "Read one", read=True), _notification(cast.employee, "Kept one")
    client.force_login(cast.employee)
    assert "Read one" in _cached(client)
    client.post(reverse("notifications_archive_read"))
    client.get(INBOX)  # the message
    html = _cached(client)
    assert f'id="notification-{read.pk}"' not in html and "Kept one" in html
    client.post(reverse("notification_archive", args=[kept.pk]))
    client.get(INBOX)  # the message
    assert "Kept one" not in client.get(INBOX).content.decode()


def test_someone_elses_inbox_changing_keeps_the_page_cached(client, cast):
    client.force_login(cast.employee)
    _cached(client)
    hit, _ = _queries(client)
    notify(recipients=[cast.colleague], subject="Not for you", body="")
    assert _queries(client)[0] == hit
