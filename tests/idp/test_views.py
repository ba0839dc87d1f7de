import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hrportal.models import AuditEntry, Notification
from idp.models import IdpItem, IdpItemTransition, ItemStatus, SuggestionDismissal
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def gap(cast):
    """A competency with a gap of 3 for the employee's position."""
    competency = CompetencyFactory(code="GAP3", name="Gap three")
    PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=3)
    return competency


def test_my_plan_shows_suggestions_and_items_by_status(client, cast, gap):
    IdpItemFactory(employee=cast.employee, status=ItemStatus.APPROVED, description="Approved thing")
    IdpItemFactory(employee=cast.colleague, description="Colleague's secret")
    client.force_login(cast.employee)
    html = client.get(reverse("idp:my_plan")).content.decode()
    assert "GAP3" in html and "Add to my plan" in html
    assert "Approved thing" in html and 'id="section-approved"' in html
    assert "Colleague&#x27;s secret" not in html and "Colleague's secret" not in html


def test_accepting_a_suggestion_creates_a_prefilled_draft(client, cast, gap):
    client.force_login(cast.employee)
    response = client.post(reverse("idp:suggestion_accept", args=[gap.pk]))
    item = IdpItem.objects.get()
    assert response.url == reverse("idp:item", args=[item.pk])
    assert (item.employee, item.competency, item.status, item.target_level) == (cast.employee, gap, ItemStatus.DRAFT, 1)
    # Accepting again finds no open suggestion: nothing is created twice.
    client.post(reverse("idp:suggestion_accept", args=[gap.pk]))
    assert IdpItem.objects.count() == 1


def test_dismissing_a_suggestion_hides_it(client, cast, gap):
    client.force_login(cast.employee)
    client.post(reverse("idp:suggestion_dismiss", args=[gap.pk]))
    assert SuggestionDismissal.objects.get().gap == 3
    assert "GAP3" not in client.get(reverse("idp:my_plan")).content.decode()


def test_create_item_form_validates(client, cast, gap):
    client.force_login(cast.employee)
    data = {
        "competency": gap.pk,
        "activity_type": "training",
        "target_level": 7,
        "target_date": "2020-01-01",
        "description": "",
    }
    response = client.post(reverse("idp:item_new"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Select a valid choice" in html
        and "The target date is in the past." in html
        and "This field is required." in html
    )
    assert not IdpItem.objects.exists()
    data.update(target_level=2, target_date="2099-01-01", description="Course")
    assert client.post(reverse("idp:item_new"), data).status_code == 302
    assert IdpItem.objects.get().employee == cast.employee


@pytest.mark.parametrize(
    ("role", "status"),
    [("employee", 200), ("supervisor", 200), ("hc", 200), ("colleague", 404), ("other_supervisor", 404)],
)
def test_who_may_see_an_item(client, cast, role, status):
    item = IdpItemFactory(employee=cast.employee)
    client.force_login(getattr(cast, role))
    assert client.get(reverse("idp:item", args=[item.pk])).status_code == status


def test_item_page_shows_timeline_and_only_the_viewers_actions(client, cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    item.transitions.create(from_status=ItemStatus.DRAFT, to_status=ItemStatus.SUBMITTED, by=cast.employee)
    client.force_login(cast.supervisor)
    html = client.get(reverse("idp:item", args=[item.pk])).content.decode()
    assert "Draft → Submitted" in html
    assert reverse("idp:item_action", args=[item.pk, "approve"]) in html
    assert reverse("idp:item_action", args=[item.pk, "cancel"]) not in html
    client.force_login(cast.employee)
    html = client.get(reverse("idp:item", args=[item.pk])).content.decode()
    assert reverse("idp:item_action", args=[item.pk, "approve"]) not in html
    assert reverse("idp:item_action", args=[item.pk, "cancel"]) in html


def test_only_the_owner_edits_and_only_drafts(client, cast):
    item = IdpItemFactory(employee=cast.employee)
    client.force_login(cast.supervisor)
    assert client.get(reverse("idp:item_edit", args=[item.pk])).status_code == 403
    item.status = ItemStatus.APPROVED
    item.save()
    client.force_login(cast.employee)
    assert client.get(reverse("idp:item_edit", args=[item.pk])).status_code == 302


def _complete_with_file(client, item, upload):
    return client.post(
        reverse("idp:item_action", args=[item.pk, "complete"]),
        {"complete-evidence_note": "Certificate attached", "complete-evidence_file": upload},
    )


def test_evidence_file_is_private(client, cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.IN_PROGRESS)
    client.force_login(cast.employee)
    assert (
        _complete_with_file(
            client, item, SimpleUploadedFile("cert.pdf", b"%PDF-1.4 test", "application/pdf")
        ).status_code
        == 302
    )
    url = reverse("idp:item_evidence", args=[item.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 test"
    client.force_login(cast.hc)
    assert client.get(url).status_code == 200
    client.force_login(cast.colleague)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [("virus.exe", 10, "are not accepted"), ("huge.pdf", 6 * 1024 * 1024, "larger than 5 MB")],
)
def test_evidence_file_type_and_size_are_limited(client, cast, name, size, message):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.IN_PROGRESS)
    client.force_login(cast.employee)
    response = _complete_with_file(client, item, SimpleUploadedFile(name, b"x" * size))
    assert response.status_code == 400 and message in response.content.decode()
    assert IdpItem.objects.get(pk=item.pk).status == ItemStatus.IN_PROGRESS


def test_approval_queue_lists_direct_reports_items_with_their_gap(client, cast, gap):
    mine = IdpItemFactory(employee=cast.employee, competency=gap, status=ItemStatus.SUBMITTED)
    IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.SUBMITTED)  # another supervisor's report
    IdpItemFactory(employee=cast.colleague, status=ItemStatus.DRAFT)  # not submitted
    client.force_login(cast.supervisor)
    response = client.get(reverse("idp:approvals"))
    assert [item.pk for item in response.context["queue"]] == [mine.pk]
    assert response.context["queue"][0].gap == 3


def test_hc_queue_has_items_of_employees_without_supervisor_but_not_own(client, cast):
    cast.employee.supervisor = None
    cast.employee.save()
    cast.hc.supervisor = None
    theirs = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    IdpItemFactory(employee=cast.hc, status=ItemStatus.SUBMITTED)
    client.force_login(cast.hc)
    assert [item.pk for item in client.get(reverse("idp:approvals")).context["queue"]] == [theirs.pk]


def test_bulk_approve_and_reject(client, cast):
    first = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    second = IdpItemFactory(employee=cast.colleague, status=ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:approvals"), {"items": [first.pk], "decision": "reject", "comment": ""})
    assert "Say why you reject" in response.content.decode()
    client.post(
        reverse("idp:approvals"), {"items": [first.pk, second.pk], "decision": "approve", "comment": "Go ahead"}
    )
    assert set(IdpItem.objects.values_list("status", flat=True)) == {ItemStatus.APPROVED}


def test_bulk_decision_ignores_items_outside_the_queue(client, cast):
    outsider = IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)
    response = client.post(reverse("idp:approvals"), {"items": [outsider.pk], "decision": "approve"})
    assert response.status_code == 200
    assert IdpItem.objects.get(pk=outsider.pk).status == ItemStatus.SUBMITTED


def test_approvals_page_is_403_for_employees_without_reports(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse("idp:approvals")).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [("supervisor", 200), ("hc", 200), ("colleague", 404), ("other_supervisor", 404), ("employee", 302)],
)
def test_employee_plan_access(client, cast, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("idp:employee_plan", args=[cast.employee.pk])).status_code == status


def test_employee_plan_marks_overdue_items(client, cast):
    IdpItemFactory(employee=cast.employee, status=ItemStatus.IN_PROGRESS, target_date="2020-01-01")
    client.force_login(cast.supervisor)
    assert "Overdue" in client.get(reverse("idp:employee_plan", args=[cast.employee.pk])).content.decode()


def test_gap_dashboard_links_competency_to_its_active_item(client, cast, gap):
    item = IdpItemFactory(employee=cast.employee, competency=gap, status=ItemStatus.APPROVED)
    client.force_login(cast.employee)
    html = client.get(reverse("competencies:my_gaps")).content.decode()
    assert f'href="{reverse("idp:item", args=[item.pk])}">IDP item' in html


# Query budgets: the same count for small and large plans and teams -----------------------


def _many_items(cast, count, status):
    for i in range(count):
        competency = CompetencyFactory()
        PositionTargetFactory(position=cast.employee.position, competency=competency, target_level=1 + i % 5)
        IdpItemFactory(employee=cast.employee if i % 2 else cast.colleague, competency=competency, status=status)


@pytest.mark.parametrize("count", [2, 40])
def test_my_plan_query_count_is_flat(client, cast, django_assert_num_queries, count):
    _many_items(cast, count, ItemStatus.DRAFT)
    client.force_login(cast.employee)
    # session, user, the page stamps (hrportal/page_cache.py), employee, targets, levels, active
    # items, dismissals, descriptors, plan items, navbar reports, unread count, the next level
    # lapse (how long the page may be cached)
    with django_assert_num_queries(13):
        assert client.get(reverse("idp:my_plan")).status_code == 200
    # The whole page from the cache: session, user, stamps, the unread count.
    with django_assert_num_queries(4):
        assert client.get(reverse("idp:my_plan")).status_code == 200


@pytest.mark.parametrize("count", [2, 40])
def test_approval_queue_query_count_is_flat(client, cast, django_assert_num_queries, count):
    _many_items(cast, count, ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)
    # session, user, whose approvals the approver holds (their ids), the people whose items the
    # queue may hold with their page stamps and the unread count (hrportal/page_cache.py), the
    # approver's delegations, the queue with gaps, navbar reports, the next level lapse (how
    # long the page may be cached)
    with django_assert_num_queries(8):
        response = client.get(reverse("idp:approvals"))
    assert len(response.context["queue"]) == count
    # The whole page from the cache: session, user, the delegators' ids, the people with their
    # stamps and the unread count.
    with django_assert_num_queries(4):
        again = client.get(reverse("idp:approvals"))
    assert again.content.count(b'name="items"') == count


@pytest.mark.parametrize("count", [2, 40])
def test_employee_plan_query_count_is_flat(client, cast, django_assert_num_queries, count):
    _many_items(cast, count, ItemStatus.APPROVED)
    client.force_login(cast.supervisor)
    # session, user, employee, the page stamps, plan items, navbar reports, unread count
    with django_assert_num_queries(7):
        assert client.get(reverse("idp:employee_plan", args=[cast.employee.pk])).status_code == 200
    # The whole page from the cache: without the plan items and the navbar's reports.
    with django_assert_num_queries(5):
        assert client.get(reverse("idp:employee_plan", args=[cast.employee.pk])).status_code == 200


def _warm_content_types():
    """Looked up once per process (the audit entries' and notifications' types)."""
    for model in (IdpItem, IdpItemTransition):
        ContentType.objects.get_for_model(model)


@pytest.mark.parametrize("count", [2, 40])
def test_approving_on_the_item_page_costs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, count):
    _many_items(cast, count, ItemStatus.SUBMITTED)
    # A second line, who approves only once the item escalates: not read for this one.
    cast.supervisor.supervisor = cast.other_supervisor
    cast.supervisor.save()
    item = IdpItem.objects.filter(employee=cast.employee).first()
    client.force_login(cast.supervisor)
    _warm_content_types()
    # session, user, the item (its viewer's access), savepoint, the employee's page stamp
    # (hrportal/page_cache.py: their cached pages show the item), the item locked with its
    # employee, their supervisors and the competency, its update, its timeline row, its "to
    # approve" notifications marked read, the employee's notification, the item's and the
    # timeline row's audit entries in one insert, release.
    with django_assert_num_queries(12):
        response = client.post(reverse("idp:item_action", args=[item.pk, "approve"]), {"approve-comment": "Go"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.supervisor_comment) == (ItemStatus.APPROVED, "Go")
    assert Notification.objects.filter(recipient=cast.employee, subject="Your IDP item was approved").count() == 1
    (entry,) = AuditEntry.objects.get_for_object(item).filter(action=AuditEntry.Action.UPDATE)
    assert entry.changes_dict["status"] == [ItemStatus.SUBMITTED, ItemStatus.APPROVED]
    assert entry.actor == cast.supervisor


@pytest.mark.parametrize("count", [4, 40])
def test_bulk_approval_costs_a_fixed_number_of_queries_per_item(client, cast, django_assert_num_queries, count):
    _many_items(cast, count, ItemStatus.SUBMITTED)
    chosen = list(IdpItem.objects.values_list("pk", flat=True)[:2])
    client.force_login(cast.supervisor)
    _warm_content_types()
    # session, user, "has reports", the approver's delegations, the queue with gaps; then per
    # item: savepoint, the employee's page stamp (hrportal/page_cache.py), the item locked, its
    # update, its timeline row, notifications marked read, the employee's notification, the
    # audit entries, release.
    with django_assert_num_queries(5 + 2 * 9):
        response = client.post(reverse("idp:approvals"), {"items": chosen, "decision": "approve", "comment": ""})
    assert response.status_code == 302
    assert IdpItem.objects.filter(status=ItemStatus.APPROVED).count() == 2


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "999999"])
def test_new_item_page_ignores_a_bad_competency_parameter(client, cast, value):
    client.force_login(cast.employee)
    response = client.get(reverse("idp:item_new") + f"?competency={value}")
    assert response.status_code == 200
    assert response.context["form"].initial["competency"] is None


def test_admin_links_evidence_through_the_access_checked_view(client, cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.IN_PROGRESS)
    client.force_login(cast.employee)
    _complete_with_file(client, item, SimpleUploadedFile("cert.pdf", b"%PDF-1.4", "application/pdf"))
    client.force_login(cast.hc)
    html = client.get(reverse("admin:idp_idpitem_change", args=[item.pk])).content.decode()
    assert f'href="{reverse("idp:item_evidence", args=[item.pk])}"' in html
    assert "idp_evidence/" not in html
