import pytest
from django.core.management import call_command

from idp.models import IdpItem, ItemStatus
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_employee_submits_a_suggestion_and_supervisor_approves_it(new_page):
    call_command("seed_demo", verbosity=0)
    employee_page, employee_watch = new_page()
    supervisor_page, supervisor_watch = new_page()  # a second browser context: its own session

    log_in(employee_page, "demo.employee")
    employee_page.goto("/idp/")
    first = employee_page.locator(".suggestion").first
    code = first.get_attribute("data-competency")
    first.get_by_role("button", name="Add to my plan").click()
    employee_page.get_by_role("button", name="Submit for approval").click()
    assert "Item submitted." in employee_page.locator(".alert").first.inner_text()
    item = IdpItem.objects.get(employee__username="demo.employee", competency__code=code)
    assert item.status == ItemStatus.SUBMITTED

    log_in(supervisor_page, "demo.supervisor")
    supervisor_page.goto("/idp/approvals/")
    supervisor_page.check(f"#item-{item.pk}")
    supervisor_page.fill("textarea[name=comment]", "Good plan, go ahead.")
    supervisor_page.get_by_role("button", name="Approve ticked").click()
    assert "1 item approved." in supervisor_page.content()

    employee_page.goto(f"/idp/{item.pk}/")
    assert employee_page.locator(".idp-status-approved").first.inner_text() == "Approved"
    assert "Good plan, go ahead." in employee_page.content()
    assert int(employee_page.locator("#nav-unread-count").inner_text().split()[0].rstrip("+")) >= 1
    employee_page.goto("/notifications/")
    assert "Your IDP item was approved" in employee_page.content()

    for watch in (employee_watch, supervisor_watch):
        assert watch.console_errors == []
        assert watch.outside_requests == []
