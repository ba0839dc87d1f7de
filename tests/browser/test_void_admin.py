"""HC voids a result in the admin by keyboard only, then exports results on a phone-sized screen."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessment, AssessmentResult
from assessments.services import result_record
from hrportal.models import User
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hc_voids_a_result_by_keyboard_from_its_page(new_page):
    call_command("seed_demo", verbosity=0)
    employee = User.objects.get(username="demo.employee")
    assessment = Assessment.objects.filter(mappings__isnull=False).order_by("pk").first()
    result = result_record(
        employee=employee, assessment=assessment, score=100, completed_at=timezone.now(), recorded_by=None
    ).result
    page, watch = new_page()
    log_in(page, "demo.hc")

    page.goto(f"/admin/assessments/assessmentresult/{result.pk}/change/")
    page.get_by_role("link", name="Void this result").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{result.pk}/void/")
    assert page.get_by_role("table").first.is_visible()
    page.get_by_label("Reason for voiding").focus()
    page.keyboard.type("Answers shared in a group chat")
    page.keyboard.press("Tab")  # to the button
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{result.pk}/change/")

    assert "Voided " in page.locator(".messagelist").inner_text()
    assert AssessmentResult.objects.get(pk=result.pk).void_reason == "Answers shared in a group chat"
    assert page.get_by_role("link", name="Void this result").count() == 0

    page.goto("/admin/assessments/assessmentresult/")
    page.get_by_role("link", name="Export results").click()
    page.get_by_label("Include voided results").check()
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll on a phone
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert watch.console_errors == []
