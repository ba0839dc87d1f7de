"""HC imports a small gradebook on a phone-sized screen: maps its unknown column by keyboard,
previews and confirms, without sideways scrolling."""

import pytest
from django.core.management import call_command

from assessments.models import Assessment, AssessmentResult, ImportStatus, ResultColumnMapping, ResultImport
from hrportal.models import User
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = 'First name,Surname,ID number,"Quiz: Permit to Work (Percentage)","Quiz: DCS basics 2026 (Real)"'


@pytest.fixture
def demo():
    """The demo organisation (conftest gives the HC group its permissions)."""
    call_command("seed_demo", verbosity=0)


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _tab_to(page, name: str, most: int = 6) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == name:
            return
    pytest.fail(f"Tab never reached the {name} field")


def test_hc_maps_a_gradebook_column_by_keyboard_and_imports_it_on_a_phone(demo, new_page, tmp_path):
    numbers = list(
        User.objects.exclude(username="demo.hc")
        .exclude(employee_number=None)
        .order_by("employee_number")
        .values_list("employee_number", flat=True)[:2]
    )
    grades = tmp_path / "moodle-grades.csv"
    grades.write_text("\n".join([HEADER, f"Ana,Lee,{numbers[0]},80.00 %,-", f"Budi,Santoso,{numbers[1]},-,75"]) + "\n")
    dcs = Assessment.objects.get(title="DCS Operation")
    page, watch = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "demo.hc")

    page.goto("/admin/assessments/assessmentresult/")
    page.get_by_role("link", name="Import results").click()
    assert _no_sideways_scroll(page)
    page.get_by_label("Results file").set_input_files(grades)
    page.get_by_label("Completion date for the whole file").fill("2026-11-30")
    page.get_by_role("button", name="Next").click()

    column = page.get_by_label('Column E: "Quiz: DCS basics 2026 (Real)"')
    assert _no_sideways_scroll(page)
    column.focus()
    page.keyboard.type("DCS Op")  # a closed select picks the option its label starts with
    assert column.input_value() == str(dcs.pk)
    page.keyboard.press("Tab")
    date = page.get_by_label("Completion date for the whole file")
    assert page.evaluate("document.activeElement.name") == "completed_at" and date.input_value() == "2026-11-30"
    _tab_to(page, "remember")  # through the date's day, month and year
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "Preview"
    page.keyboard.press("Enter")

    page.get_by_text("Preview of moodle-grades.csv").wait_for()
    summary = page.locator("#import-summary").inner_text()
    assert "New results: 2" in summary and "No grade: 2" in summary
    assert "(as asked)" in page.locator("#content-main").inner_text()
    assert _no_sideways_scroll(page)
    page.get_by_role("button", name="Confirm the import").focus()
    page.keyboard.press("Enter")

    page.wait_for_url("**/assessmentresult/?import_batch__id__exact=*")
    assert "Imported moodle-grades.csv" in page.locator(".messagelist").inner_text()
    assert AssessmentResult.objects.filter(import_batch__file_name="moodle-grades.csv").count() == 2
    assert ResultColumnMapping.objects.get(header_key="quiz: dcs basics 2026 (real)").assessment == dcs
    assert watch.console_errors == [] and watch.outside_requests == []


def test_an_import_page_follows_a_background_import_until_it_is_done(demo, new_page):
    hc = User.objects.get(username="demo.hc")
    batch = ResultImport.objects.create(
        file_name="season.csv", shape="long", imported_by=hc, status=ImportStatus.RUNNING, rows_total=20_000
    )
    page, watch = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "demo.hc")
    page.goto(f"/admin/assessments/resultimport/{batch.pk}/change/")
    assert page.locator("#import-status").inner_text() == "Running"
    assert _no_sideways_scroll(page)

    ResultImport.objects.filter(pk=batch.pk).update(rows_done=8_000)
    page.get_by_text("8,000 of 20,000 results recorded").wait_for()  # the script asked again
    assert page.locator("#import-progress-bar").evaluate("bar => [bar.value, bar.max]") == [8000, 20000]

    ResultImport.objects.filter(pk=batch.pk).update(
        rows_done=20_000, status=ImportStatus.DONE, results_created=20_000, level_changes=311
    )
    page.locator("#import-counts").wait_for()  # done: the page reloads with the counts
    assert "Level changes: 311" in page.locator("#import-counts").inner_text()
    assert watch.console_errors == [] and watch.outside_requests == []
