"""A person's language (User.language) through HC's two doors: the user admin and the
employee spreadsheet. HC sets it for people who never open their profile page (an operator
without a computer), and the portal then writes to them in it."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from hrportal.models import User
from hrportal.people_import import employees_dataset, employees_import_apply, employees_import_plan
from hrportal.spreadsheets import ImportFileError, export_bytes
from tests.hrportal.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["employee_number", "first_name", "last_name", "email", "section", "position", "supervisor_employee_number"]


def _change_url(user: User) -> str:
    return reverse("admin:hrportal_user_change", args=[user.pk])


def _user_form(user: User, **changes) -> dict:
    """What the admin's change form posts for `user` (as HC sees it), with `changes`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "employee_number": user.employee_number or "",
        "position": user.position_id or "",
        "section": user.section_id or "",
        "supervisor": user.supervisor_id or "",
        "is_active": "on" if user.is_active else "",
        # Editable for superusers only; ignored in HC's form.
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "08:00:00",
    }
    data.update(changes)
    return data


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _row(user: User, language: str) -> list[str]:
    return [
        user.employee_number,
        user.first_name,
        user.last_name,
        user.email,
        user.section.name if user.section else "",
        user.position.name if user.position else "",
        user.supervisor.employee_number if user.supervisor else "",
        language,
    ]


def _indonesian(text: str) -> str:
    with translation.override("id"):
        translated = translation.gettext(text)
    assert translated != text, f"no Indonesian for {text!r}"
    return translated


# --- The user admin ---------------------------------------------------------------------------


def test_hc_sets_an_operators_language_and_the_portal_then_writes_to_them_in_it(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.hc)
    form = client.get(_change_url(cast.employee)).content.decode()
    assert '<select name="language"' in form

    response = client.post(_change_url(cast.employee), _user_form(cast.employee, language="id"))

    assert response.status_code == 302
    cast.employee.refresh_from_db()
    assert cast.employee.language == "id"
    # The next message about their account, sent by someone working in English, is Indonesian.
    superuser = User.objects.create_superuser(username="it", email="it@example.com", password="it-pass-12345")
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_change_url(cast.employee), _user_form(cast.employee, email="new@example.com"))
    assert mail.outbox, "the owner is told of a changed email"
    assert {email.subject for email in mail.outbox} == {_indonesian("Your HC Portal account was changed")}


def test_hc_may_set_their_own_language_in_the_admin(client, cast):
    client.force_login(cast.hc_employee)

    response = client.post(_change_url(cast.hc_employee), _user_form(cast.hc_employee, language="id"))

    assert response.status_code == 302
    cast.hc_employee.refresh_from_db()
    assert cast.hc_employee.language == "id"


def test_hc_adds_a_person_with_their_language(client, cast):
    client.force_login(cast.hc)

    response = client.post(
        reverse("admin:hrportal_user_add"), {"username": "operator", "email": "op@example.com", "language": "id"}
    )

    assert response.status_code == 302
    assert User.objects.get(username="operator").language == "id"


def test_the_user_list_filters_by_language(client, cast):
    cast.colleague.language = "id"
    cast.colleague.save(update_fields=["language"])
    client.force_login(cast.hc)

    everyone = client.get(reverse("admin:hrportal_user_changelist")).content.decode()
    indonesian = client.get(reverse("admin:hrportal_user_changelist"), {"language__exact": "id"}).content.decode()

    assert "?language__exact=id" in everyone  # the filter offers each language
    assert f">{cast.employee.username}<" in everyone and f">{cast.colleague.username}<" in everyone
    assert f">{cast.colleague.username}<" in indonesian and f">{cast.employee.username}<" not in indonesian


# --- The employee spreadsheet -----------------------------------------------------------------


def test_the_language_column_sets_it_and_a_blank_cell_keeps_it(cast):
    cast.colleague.language = "id"
    cast.colleague.save(update_fields=["language"])
    content = _csv(
        [
            [*HEADER, "language"],
            _row(cast.employee, "ID"),  # a spreadsheet's capitals are fine
            _row(cast.colleague, ""),
            ["N-1", "Sari", "Dewi", "sari@plant.example", "", "", "", "id"],
        ]
    )

    plan = employees_import_plan(content=content, fmt="csv")
    employees_import_apply(plan=plan)

    assert [(c.number, c.field, c.new) for c in plan.employee_changes] == [
        (cast.employee.employee_number, "language", "id")
    ]
    languages = dict(User.objects.values_list("employee_number", "language"))
    assert languages[cast.employee.employee_number] == "id"
    assert languages[cast.colleague.employee_number] == "id"
    assert languages["N-1"] == "id"


def test_an_unknown_language_is_an_error_naming_the_row_and_the_column(cast):
    content = _csv([[*HEADER, "language"], _row(cast.employee, "en-gb"), _row(cast.colleague, "fr")])

    with pytest.raises(ImportFileError) as raised:
        employees_import_plan(content=content, fmt="csv")

    assert raised.value.errors == [
        'Line 3, column "language": unknown language "fr" (use one of: en-gb, id, or leave it blank).'
    ]


def test_the_employee_export_carries_the_language_and_imports_back_unchanged(cast):
    cast.employee.language = "id"
    cast.employee.save(update_fields=["language"])
    UserFactory(employee_number="E-77", language="en-gb")
    for fmt in ("csv", "xlsx"):
        dataset = employees_dataset()
        assert dataset.headers[-1] == "language"
        assert dict(zip(dataset.get_col(0), dataset["language"], strict=True))[cast.employee.employee_number] == "id"

        content = export_bytes(dataset, fmt)

        assert employees_import_plan(content=content, fmt=fmt).is_empty


def test_an_hc_members_import_may_set_anyones_language_they_may_edit_their_own_included(cast):
    me = cast.hc_employee
    content = _csv([[*HEADER, "language"], _row(me, "id"), _row(cast.employee, "id")])

    employees_import_apply(plan=employees_import_plan(content=content, fmt="csv", by=me))

    assert set(User.objects.filter(pk__in=[me.pk, cast.employee.pk]).values_list("language", flat=True)) == {"id"}
