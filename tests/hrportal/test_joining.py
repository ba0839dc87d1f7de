"""Joining with a code (/join/, hrportal/joining.py), through the page and the admin."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hrportal.models import AuditEntry, AuditEvent, JoinCode, JoinCodeStatus
from tests.hrportal.factories import JoinCodeFactory, UserFactory

pytestmark = pytest.mark.django_db

CODE = "WXYZ-2345-ABCD"
NOT_VALID = "This code is not valid"
SENT = "If these details match an employee record without a password, we have emailed a link"
LINK = re.compile(r"https?://\S+/accounts/reset/\S+")


@pytest.fixture
def newcomer(db):
    """An imported employee: active, no usable password yet."""
    person = UserFactory(username="newcomer", employee_number="E7001", email="Nina.Newcomer@example.com")
    person.set_unusable_password()
    person.save()
    return person


@pytest.fixture
def join_code(db):
    return JoinCodeFactory(code=CODE, max_uses=5)


@pytest.fixture
def join(client, django_capture_on_commit_callbacks):
    """POST /join/ (the set-password email goes out after the commit, as in production)."""

    def post(code=CODE, employee_number="E7001", email="nina.newcomer@example.com", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("join"), {"code": code, "employee_number": employee_number, "email": email}, **extra
            )

    return post


def _join_entries():
    return AuditEntry.objects.filter(event=AuditEvent.JOIN).order_by("pk")


def test_the_login_page_leads_new_people_to_the_join_page(client):
    page = client.get(reverse("login")).content.decode()
    assert "New here?" in page and f'href="{reverse("join")}"' in page
    page = client.get(reverse("join")).content.decode()
    assert "Join code" in page and "Employee number" in page and "Work email" in page


def test_a_signed_in_person_is_told_so_and_the_form_is_not_offered(client, cast, join_code, newcomer):
    client.force_login(cast.employee)
    for response in (client.get(reverse("join")), client.post(reverse("join"), {"code": CODE})):
        page = response.content.decode()
        assert response.status_code == 200
        assert "You are signed in as" in page and 'name="employee_number"' not in page
    join_code.refresh_from_db()
    assert join_code.uses == 0


def test_a_matching_newcomer_gets_one_email_with_a_link_that_sets_their_password(
    client, join, join_code, newcomer, settings
):
    response = join(code=" wxyz 2345-abcd ", email="NINA.newcomer@EXAMPLE.com")

    assert response.status_code == 302 and response.url == reverse("join_sent")
    assert SENT in client.get(response.url).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Nina.Newcomer@example.com"]
    assert message.subject == "Choose your HC Portal password"
    assert "Welcome to HC Portal" in message.body and "newcomer" in message.body
    link = LINK.search(message.body).group(0).removeprefix(settings.SITE_URL.rstrip("/"))
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-first-Passw0rd!", "new_password2": "a-first-Passw0rd!"}
    )
    assert done.status_code == 302
    assert client.login(username="newcomer", password="a-first-Passw0rd!")
    join_code.refresh_from_db()
    assert join_code.uses == 1
    assert _join_entries().get().additional_data == {"outcome": "link_sent", "account": newcomer.pk}


def test_the_email_is_in_the_newcomers_language(join, join_code, newcomer):
    newcomer.language = "id"
    newcomer.save()
    join()
    assert mail.outbox[0].subject == "Pilih kata sandi HC Portal Anda"


def test_unknown_employee_and_employee_with_a_password_get_the_same_answer_and_no_email(
    client, join, join_code, newcomer, cast
):
    unknown = join(employee_number="E9999", email="nobody@example.com")
    with_password = join(employee_number=cast.employee.employee_number, email=cast.employee.email)
    wrong_email = join(email="someone.else@example.com")
    inactive = UserFactory(employee_number="E7002", email="left@example.com", is_active=False)
    inactive.set_unusable_password()
    inactive.save()
    gone = join(employee_number="E7002", email="left@example.com")

    answers = [(r.status_code, r.url, sorted(r.headers.items())) for r in (unknown, with_password, wrong_email, gone)]
    assert len(set(map(str, answers))) == 1
    assert answers[0][:2] == (302, reverse("join_sent"))
    assert mail.outbox == []
    # Every entry of a valid code is a use, or the code's running out would tell a guess that matched.
    join_code.refresh_from_db()
    assert join_code.uses == 4
    assert [entry.additional_data for entry in _join_entries()] == [
        {"outcome": "no_match"},
        {"outcome": "has_password", "account": cast.employee.pk},
        {"outcome": "no_match"},
        {"outcome": "no_match"},
    ]


def test_the_audit_trail_keeps_nothing_typed_in_a_failed_attempt(join, join_code, newcomer):
    join(code="QQQQ-QQQQ-QQQQ", employee_number="E5555", email="typed.address@example.com")
    join(employee_number="E5555", email="typed.address@example.com")

    for entry in _join_entries():
        stored = str(entry.__dict__)
        assert "E5555" not in stored and "typed.address" not in stored and "QQQQ" not in stored
    unknown, mismatch = _join_entries()
    assert unknown.additional_data == {"outcome": "unknown_code"} and unknown.object_pk == ""
    assert mismatch.object_pk == str(join_code.pk) and mismatch.remote_addr == "127.0.0.1"


@pytest.mark.parametrize(
    "make_code",
    [
        pytest.param(lambda: None, id="unknown"),
        pytest.param(
            lambda: JoinCodeFactory(code=CODE, expires_at=timezone.now() - timedelta(minutes=1)), id="expired"
        ),
        pytest.param(lambda: JoinCodeFactory(code=CODE, max_uses=2, uses=2), id="used-up"),
        pytest.param(lambda: JoinCodeFactory(code=CODE, revoked_at=timezone.now()), id="revoked"),
    ],
)
def test_a_code_that_is_not_valid_gets_one_message_about_the_code(join, newcomer, make_code):
    code = make_code()
    response = join()

    assert response.status_code == 200
    assert NOT_VALID in response.content.decode()
    assert response.context["form"].errors["code"] == [
        "This code is not valid: it may be mistyped, expired, used up or withdrawn. Check it, or ask HC for a new one."
    ]
    assert mail.outbox == []
    if code is not None:
        uses = code.uses
        code.refresh_from_db()
        assert code.uses == uses


def test_a_code_is_used_up_after_its_uses(join, newcomer):
    code = JoinCodeFactory(code=CODE, max_uses=2)
    assert join(email="typo@example.com").status_code == 302
    assert join().status_code == 302
    assert len(mail.outbox) == 1

    third = join()
    assert NOT_VALID in third.content.decode() and len(mail.outbox) == 1
    code.refresh_from_db()
    assert code.uses == 2 and code.status_at() == JoinCodeStatus.USED_UP


def test_a_code_expires_at_its_moment(join, newcomer):
    JoinCodeFactory(code=CODE, expires_at=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert NOT_VALID in join().content.decode()
    assert mail.outbox == []


def test_an_empty_form_names_each_missing_field_and_counts_nothing(join, join_code):
    response = join(code="", employee_number="", email="not-an-address")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"code", "employee_number", "email"}
    assert not _join_entries().exists()


def test_too_many_attempts_from_one_address_get_429_saying_when_to_try_again(join, join_code, newcomer, settings):
    settings.JOIN_ADDRESS_ATTEMPTS = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(3):
            assert NOT_VALID in join(code="QQQQ-QQQQ-QQQQ").content.decode()
        refused = join()
        assert refused.status_code == 429
        page = refused.content.decode()
        assert "Too many attempts" in page and "Try again in 15 minutes" in page
        assert refused["Retry-After"] == str(15 * 60)
        assert mail.outbox == []
        # Another address is not held up by this one.
        assert join(REMOTE_ADDR="10.0.0.9").status_code == 302

        traveller.shift(timedelta(minutes=10))
        assert "Try again in 5 minutes" in join().content.decode()
        traveller.shift(timedelta(minutes=5, seconds=1))
        assert join().status_code == 302
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(event=AuditEvent.JOIN_THROTTLED).count() == 2


def test_too_many_attempts_with_one_code_get_429_from_any_address(join, join_code, newcomer, settings):
    settings.JOIN_CODE_ATTEMPTS = 2
    for number in range(2):
        assert join(email="typo@example.com", REMOTE_ADDR=f"10.0.1.{number}").status_code == 302

    refused = join(REMOTE_ADDR="10.0.1.99")
    assert refused.status_code == 429 and "Try again in 15 minutes" in refused.content.decode()
    join_code.refresh_from_db()
    assert join_code.uses == 2 and mail.outbox == []


def test_the_join_pages_speak_indonesian(client):
    page = client.get(reverse("join"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Bergabung dengan kode" in page


# --- The admin ---------------------------------------------------------------------------------


def _add(client, **data):
    values = {
        "note": "March intake",
        "expires_at_0": (timezone.localtime() + timedelta(days=3)).strftime("%d/%m/%Y"),
        "expires_at_1": "08:00:00",
        "max_uses": "4",
    }
    return client.post(reverse("admin:hrportal_joincode_add"), {**values, **data})


def test_hc_creates_a_code_sees_it_once_and_it_lets_a_newcomer_join(client, cast, newcomer, join):
    client.force_login(cast.hc)
    response = _add(client)
    assert response.status_code == 302
    code = JoinCode.objects.get()
    assert response.url == reverse("admin:hrportal_joincode_change", args=[code.pk])
    assert (code.note, code.max_uses, code.uses, code.created_by) == ("March intake", 4, 0, cast.hc)

    shown = client.get(response.url).content.decode()
    text = re.search(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>", shown).group(1)
    assert not set(text) & set("01OIL")
    assert text not in client.get(response.url).content.decode()  # once only
    assert text not in str(list(JoinCode.objects.values())) and code.hint == text[:4]

    client.logout()
    assert join(code=text).status_code == 302 and len(mail.outbox) == 1


def test_the_add_form_refuses_a_past_expiry_and_no_uses(client, cast):
    client.force_login(cast.hc)
    past = (timezone.localtime() - timedelta(days=1)).strftime("%d/%m/%Y")
    response = _add(client, expires_at_0=past, max_uses="0")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Choose a moment in the future" in str(errors["expires_at"])
    assert not JoinCode.objects.exists()


def test_the_list_shows_each_codes_status_and_filters_by_it(client, cast):
    now = timezone.now()
    codes = {
        JoinCodeStatus.ACTIVE: JoinCodeFactory(note="fresh"),
        JoinCodeStatus.EXPIRED: JoinCodeFactory(note="old", expires_at=now - timedelta(days=1)),
        JoinCodeStatus.USED_UP: JoinCodeFactory(note="spent", max_uses=1, uses=1),
        JoinCodeStatus.REVOKED: JoinCodeFactory(note="withdrawn", revoked_at=now, max_uses=1, uses=1),
    }
    client.force_login(cast.hc)
    page = client.get(reverse("admin:hrportal_joincode_changelist")).content.decode()
    for label in ("active", "expired", "used up", "revoked"):
        assert f">{label}<" in page
    assert "1 of 1" in page
    for status, code in codes.items():
        listed = client.get(reverse("admin:hrportal_joincode_changelist"), {"status": status})
        assert [row.pk for row in listed.context["cl"].result_list] == [code.pk]
        assert code.status_at(now) == status


def test_hc_revokes_a_code_and_it_no_longer_lets_anyone_join(client, cast, join_code, newcomer, join):
    client.force_login(cast.hc)
    response = client.post(
        reverse("admin:hrportal_joincode_changelist"),
        {"action": "revoke_selected", "_selected_action": [join_code.pk]},
        follow=True,
    )
    assert "1 join code revoked." in response.content.decode()
    join_code.refresh_from_db()
    assert join_code.revoked_by == cast.hc and join_code.revoked_at is not None
    revocation = AuditEntry.objects.get_for_object(join_code).get(action=AuditEntry.Action.UPDATE)
    assert set(revocation.changes_dict) == {"revoked_at", "revoked_by"} and revocation.actor == cast.hc

    client.logout()
    assert NOT_VALID in join().content.decode() and mail.outbox == []


def test_hc_cannot_edit_a_code_nor_its_uses_nor_delete_it(client, cast, join_code):
    client.force_login(cast.hc)
    change = reverse("admin:hrportal_joincode_change", args=[join_code.pk])
    page = client.get(change).content.decode()
    assert 'name="uses"' not in page and 'name="max_uses"' not in page
    assert client.post(change, {"note": "x", "max_uses": "99", "uses": "0"}).status_code == 403
    assert client.get(reverse("admin:hrportal_joincode_delete", args=[join_code.pk])).status_code == 403
    join_code.refresh_from_db()
    assert (join_code.max_uses, join_code.note) == (5, "")


def test_staff_who_are_not_hc_may_not_see_or_create_codes(client, join_code):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff)
    assert client.get(reverse("admin:hrportal_joincode_changelist")).status_code == 403
    assert client.get(reverse("admin:hrportal_joincode_add")).status_code == 403
    assert _add(client).status_code == 403
    response = client.post(
        reverse("admin:hrportal_joincode_changelist"), {"action": "revoke_selected", "_selected_action": [join_code.pk]}
    )
    assert response.status_code == 403
    join_code.refresh_from_db()
    assert JoinCode.objects.count() == 1 and join_code.revoked_at is None


def test_the_database_keeps_uses_within_the_limit_and_at_least_one_use(join_code):
    for values in ({"uses": 6}, {"max_uses": 0, "uses": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            JoinCode.objects.filter(pk=join_code.pk).update(**values)


def test_a_match_and_a_mismatch_cost_the_same_queries_before_the_email_is_queued(client, join_code, newcomer):
    """Part of not telling a match by its answer's timing; the email itself is a task run later."""
    counts = []
    for email in ("nina.newcomer@example.com", "someone.else@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("join"), {"code": CODE, "employee_number": "E7001", "email": email})
        assert response.status_code == 302
        counts.append(len(queries))
    assert counts[0] == counts[1]
