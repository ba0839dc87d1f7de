"""The Python side's texts (choices, form labels, messages, export headers, notifications)
reach each reader in their language, while machine-facing import keys stay English. The
portal's catalogue is the translator's and may not hold these texts yet: a test-only
catalogue (tests/hrportal/catalogue.py) does."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from competencies.services import level_override
from hrportal.models import Notification, User
from idp.models import ItemStatus
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.catalogue import install_catalogue
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

INDONESIAN = {
    "proficiency\x04Advanced": "Lanjutan",
    "proficiency\x04Intermediate": "Menengah",
    "Target level": "Tingkat target",
    "IDP item was\x04submitted": "diajukan",
    "Item %(done)s.": "Item %(done)s.",
    "Employee number": "Nomor karyawan",
    "Match score %": "Skor kecocokan %",
    "Set by HC: {reason}": "Ditetapkan oleh HC: {reason}",
    "Evidence: {evidence}": "Bukti: {evidence}",
}


@pytest.fixture(autouse=True)
def _indonesian(settings, tmp_path):
    install_catalogue(settings, tmp_path, INDONESIAN)


def _speaks_indonesian(user: User) -> User:
    User.objects.filter(pk=user.pk).update(language="id")
    user.language = "id"
    return user


def test_the_level_choices_and_form_labels_of_a_new_plan_item_are_in_the_readers_language(client, cast):
    # The choices are built once, at import time: only lazy labels can follow each reader.
    client.force_login(_speaks_indonesian(cast.employee))
    html = client.get(reverse("idp:item_new")).content.decode()
    assert "3 · Lanjutan" in html and "2 · Menengah" in html
    assert "3 · Advanced" not in html
    assert "Tingkat target" in html

    other_browser = Client()  # the first one keeps the Indonesian language cookie
    other_browser.force_login(cast.colleague)  # no language chosen: the portal's default, English
    html = other_browser.get(reverse("idp:item_new")).content.decode()
    assert "3 · Advanced" in html and "Lanjutan" not in html


def test_an_idp_action_says_what_it_did_in_the_readers_language(client, cast):
    item = IdpItemFactory(employee=_speaks_indonesian(cast.employee), status=ItemStatus.DRAFT)
    client.force_login(cast.employee)
    response = client.post(reverse("idp:item_action", args=[item.pk, "submit"]), follow=True)
    assert [str(message) for message in response.context["messages"]] == ["Item diajukan."]


def test_the_talent_export_heads_its_columns_in_the_readers_language(client, cast):
    client.force_login(_speaks_indonesian(cast.hc))
    response = client.get(
        reverse("competencies:talent_search"), {"position": cast.employee.position_id, "format": "csv"}
    )
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[0] == "Nomor karyawan" and header[4] == "Skor kecocokan %"


def test_the_employee_export_keeps_the_column_keys_its_import_reads_whatever_the_language(client, cast):
    client.force_login(_speaks_indonesian(cast.hc))
    response = client.get(reverse("admin:hrportal_user_export_employees", args=["csv"]))
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:3] == ["employee_number", "first_name", "last_name"]


def test_a_level_override_tells_the_employee_in_their_language_whoever_sets_it(cast):
    _speaks_indonesian(cast.employee)
    competency = CompetencyFactory(code="GSH-01")
    level_override(employee=cast.employee, competency=competency, level=3, reason="Audit 2026", by=cast.hc)
    notification = Notification.objects.get(recipient=cast.employee)
    assert "0 · " in notification.body and "→ 3 · Lanjutan" in notification.body
    assert "Bukti: Ditetapkan oleh HC: Audit 2026" in notification.body
