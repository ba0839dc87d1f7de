import pytest
from django.urls import reverse

from competencies.models import CompetencyLevel
from idp.models import IdpItem, ItemStatus
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["", "?status__exact=completed", "?overdue=yes", "?overdue=no", "?q=course"])
def test_item_admin_lists_and_filters_for_hc(client, cast, query):
    IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED)
    IdpItemFactory(employee=cast.colleague, status=ItemStatus.IN_PROGRESS, target_date="2020-01-01")
    client.force_login(cast.hc)
    assert client.get(reverse("admin:idp_idpitem_changelist") + query).status_code == 200


def test_overdue_filter_shows_only_overdue_open_items(client, cast):
    late = IdpItemFactory(employee=cast.colleague, status=ItemStatus.IN_PROGRESS, target_date="2020-01-01")
    IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED, target_date="2020-01-01")  # waits on HC
    IdpItemFactory(employee=cast.employee, status=ItemStatus.IN_PROGRESS)  # on time
    client.force_login(cast.hc)
    response = client.get(reverse("admin:idp_idpitem_changelist") + "?overdue=yes")
    assert [item.pk for item in response.context["cl"].result_list] == [late.pk]


def test_item_change_page_loads_with_timeline(client, cast):
    item = IdpItemFactory(employee=cast.employee)
    client.force_login(cast.hc)
    assert client.get(reverse("admin:idp_idpitem_change", args=[item.pk])).status_code == 200


def test_bulk_verify_raises_levels_and_skips_own_and_unfinished_items(client, cast):
    done = IdpItemFactory(employee=cast.employee, status=ItemStatus.COMPLETED, target_level=3)
    own = IdpItemFactory(employee=cast.hc_employee, status=ItemStatus.COMPLETED)
    unfinished = IdpItemFactory(employee=cast.colleague, status=ItemStatus.IN_PROGRESS)
    client.force_login(cast.hc_employee)
    response = client.post(
        reverse("admin:idp_idpitem_changelist"),
        {"action": "verify_selected", "_selected_action": [done.pk, own.pk, unfinished.pk]},
        follow=True,
    )
    assert response.status_code == 200
    statuses = dict(IdpItem.objects.values_list("pk", "status"))
    assert statuses == {
        done.pk: ItemStatus.VERIFIED,
        own.pk: ItemStatus.COMPLETED,
        unfinished.pk: ItemStatus.IN_PROGRESS,
    }
    assert CompetencyLevel.objects.get(employee=cast.employee, competency=done.competency).level == 3
    html = response.content.decode()
    assert "1 item verified." in html and "1 selected item was not completed and was left as it is." in html


def test_item_admin_is_refused_to_employees(client, cast):
    client.force_login(cast.employee)
    assert client.get(reverse("admin:idp_idpitem_changelist")).status_code == 403
