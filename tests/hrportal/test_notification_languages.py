"""Notifications and emails reach each person in their own language (User.language, else
LANGUAGE_CODE), whoever's request sends them. The portal's catalogue is the translator's and
may not hold these texts yet: a test-only catalogue (tests/hrportal/catalogue.py) does."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from competencies.models import Competency
from hrportal.accounts import account_change_notify
from hrportal.models import Notification, User
from hrportal.notifications import notifications_batched, notify
from idp.models import ItemStatus
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.catalogue import install_catalogue
from tests.hrportal.factories import HcUserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

INDONESIAN = {
    "Your IDP item was approved": "Item IDP Anda disetujui",
    "{name} approved your development item {item}.": "{name} menyetujui item pengembangan Anda {item}.",
    "Comment: {comment}": "Komentar: {comment}",
    "IDP item to approve: {name}": "Item IDP untuk disetujui: {name}",
    "{name} submitted a development item for approval: {item}.": "{name} mengajukan item pengembangan: {item}.",
    "Open it in HC Portal: %(url)s": "Buka di HC Portal: %(url)s",
    "You get this email because HC Portal also shows it as a notification. "
    "See and manage your notifications at %(url)s": "Anda menerima email ini karena HC Portal juga menampilkannya "
    "sebagai notifikasi. Lihat dan kelola notifikasi Anda di %(url)s",
    "Reset your HC Portal password": "Atur ulang sandi HC Portal Anda",
    "Your HC Portal account was changed": "Akun HC Portal Anda diubah",
    "Something happened": "Sesuatu terjadi",
}


@pytest.fixture(autouse=True)
def _indonesian(settings, tmp_path):
    install_catalogue(settings, tmp_path, INDONESIAN)
    settings.SITE_URL = "https://hc.example.com"


def _speaks_indonesian(user: User) -> User:
    User.objects.filter(pk=user.pk).update(language="id")
    user.language = "id"
    return user


def test_an_approval_reaches_an_indonesian_employee_in_indonesian_while_the_supervisor_works_in_english(
    client, cast, django_capture_on_commit_callbacks
):
    _speaks_indonesian(cast.employee)
    competency = CompetencyFactory(code="GSH-02", name="Hazard identification")
    Competency.objects.filter(pk=competency.pk).update(name_ind="Identifikasi bahaya")
    item = IdpItemFactory(employee=cast.employee, competency=competency, status=ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("idp:item_action", args=[item.pk, "approve"]),
            {"approve-comment": "Good plan"},
            headers={"accept-language": "en-GB"},
            follow=True,
        )

    assert '<html lang="en-gb" ' in response.content.decode()  # the supervisor's own page
    notification = Notification.objects.get(recipient=cast.employee)
    assert notification.subject == "Item IDP Anda disetujui"
    assert notification.body.startswith(
        f"{cast.supervisor.display_name} menyetujui item pengembangan Anda GSH-02 Identifikasi bahaya → 2 · "
    )
    assert notification.body.endswith("\nKomentar: Good plan")
    [email] = mail.outbox
    assert email.subject == "Item IDP Anda disetujui" and email.to == [cast.employee.email]
    assert notification.body in email.body
    assert f"Buka di HC Portal: https://hc.example.com/idp/{item.pk}/" in email.body
    assert "Lihat dan kelola notifikasi Anda di https://hc.example.com/notifications/" in email.body


def test_people_of_two_languages_each_get_their_own(cast, django_capture_on_commit_callbacks):
    """An item to approve goes to every HC member when the employee has no supervisor."""
    indonesian_hc = _speaks_indonesian(cast.hc)
    english_hc = HcUserFactory(language="en-gb")
    undecided_hc = HcUserFactory(language="")  # the portal's default: English
    subject = format_lazy(gettext_lazy("IDP item to approve: {name}"), name="Budi Santoso")

    with translation.override("id"), django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[english_hc, indonesian_hc, undecided_hc],
            subject=subject,
            body=gettext_lazy("Something happened"),
        )

    subjects = {n.recipient_id: n.subject for n in Notification.objects.all()}
    assert subjects == {
        indonesian_hc.pk: "Item IDP untuk disetujui: Budi Santoso",
        english_hc.pk: "IDP item to approve: Budi Santoso",
        undecided_hc.pk: "IDP item to approve: Budi Santoso",
    }
    emails = {message.to[0]: message for message in mail.outbox}
    assert emails[indonesian_hc.email].body.startswith("Sesuatu terjadi\n\n--\nAnda menerima email ini")
    assert emails[english_hc.email].body.startswith("Something happened\n\n--\nYou get this email")


def test_batched_notifications_and_their_emails_are_in_each_recipients_language(
    cast, django_capture_on_commit_callbacks
):
    _speaks_indonesian(cast.employee)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), notifications_batched():
        for person in (cast.employee, cast.colleague):
            notify(recipients=[person], subject=gettext_lazy("Something happened"), body="", url="/gap/")

    assert Notification.objects.get(recipient=cast.employee).subject == "Sesuatu terjadi"
    assert Notification.objects.get(recipient=cast.colleague).subject == "Something happened"
    emails = {message.to[0]: message for message in mail.outbox}
    assert emails[cast.employee.email].subject == "Sesuatu terjadi"
    assert "Buka di HC Portal: https://hc.example.com/gap/" in emails[cast.employee.email].body
    assert "Anda menerima email ini" in emails[cast.employee.email].body
    assert "Open it in HC Portal: https://hc.example.com/gap/" in emails[cast.colleague.email].body
    assert "You get this email" in emails[cast.colleague.email].body


def test_text_translated_before_notify_reaches_everyone_in_the_senders_language(cast):
    """Why callers pass lazy texts: gettext() has already chosen the language."""
    _speaks_indonesian(cast.employee)
    with translation.override("en-gb"):
        [notification] = notify(recipients=[cast.employee], subject=gettext("Something happened"), body="")
    assert notification.subject == "Something happened"


def test_a_password_reset_email_is_in_the_account_owners_language(client, cast, django_capture_on_commit_callbacks):
    _speaks_indonesian(cast.employee)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": cast.employee.email}, headers={"accept-language": "en"})

    [email] = mail.outbox
    assert email.subject == "Atur ulang sandi HC Portal Anda"


def test_a_password_reset_sent_by_hc_from_the_admin_is_in_the_account_owners_language(
    client, cast, django_capture_on_commit_callbacks
):
    _speaks_indonesian(cast.employee)
    client.force_login(cast.hc)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:hrportal_user_send_password_reset", args=[cast.employee.pk]))
        client.post(reverse("admin:hrportal_user_send_password_reset", args=[cast.colleague.pk]))

    assert [email.subject for email in mail.outbox] == [
        "Atur ulang sandi HC Portal Anda",
        "Reset your HC Portal password",
    ]


def test_an_account_change_warning_is_in_the_owners_language_at_the_new_and_the_old_address(
    cast, django_capture_on_commit_callbacks
):
    _speaks_indonesian(cast.employee)
    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        account_change_notify(account=cast.employee, changed=["email"], by=cast.hc, old_email="old@example.com")

    assert sorted(email.to[0] for email in mail.outbox) == sorted([cast.employee.email, "old@example.com"])
    assert {email.subject for email in mail.outbox} == {"Akun HC Portal Anda diubah"}
