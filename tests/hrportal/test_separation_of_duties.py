"""Nobody approves, verifies, records or overrides their own record, through any door: the
admin's user management included (changing someone else's account to act as them)."""

import base64

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse

from assessments.models import AssessmentResult
from assessments.services import result_record
from competencies.models import CompetencyLevel, PositionTarget
from competencies.services import level_override, target_set
from competencies.spreadsheets import matrix_import_plan
from hrportal.models import HC_GROUP_NAME, Notification, SpreadsheetImport, User
from hrportal.people_import import EMPLOYEE_COLUMNS, employees_import_plan
from hrportal.spreadsheets import ImportFileError
from hrportal.tasks import spreadsheet_import_run
from idp.models import IdpItem, ItemStatus
from idp.services import idp_item_approve, idp_item_verify
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory
from tests.hrportal.factories import UserFactory
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db


def _change_url(user: User) -> str:
    return reverse("admin:hrportal_user_change", args=[user.pk])


def _user_form(user: User, **changes) -> dict:
    """What the admin's change form posts for `user`, with `changes`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
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
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(username="it", email="it@example.com", password="it-pass-12345")


# --- Passwords: HC never sets or learns one -------------------------------------------------


def test_hc_cannot_set_anyones_password_in_the_admin(client, cast):
    client.force_login(cast.hc_employee)
    for person in (cast.other_supervisor, cast.employee):  # their own supervisor, and anyone
        url = reverse("admin:auth_user_password_change", args=[person.pk])
        assert client.get(url).status_code == 403
        response = client.post(url, {"password1": "Taken-over-123", "password2": "Taken-over-123"})
        assert response.status_code == 403
        person.refresh_from_db()
        assert not person.check_password("Taken-over-123")


def test_hc_sees_no_password_hash_and_sends_a_reset_link_instead(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.hc)
    page = client.get(_change_url(cast.employee)).content.decode()
    assert "Send a password-reset email" in page
    assert cast.employee.password not in page and "md5$" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:hrportal_user_send_password_reset", args=[cast.employee.pk]))

    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [cast.employee.email] and "/accounts/reset/" in email.body


def test_hc_cannot_send_a_reset_link_to_whoever_approves_for_them(client, cast):
    client.force_login(cast.hc_employee)
    response = client.post(reverse("admin:hrportal_user_send_password_reset", args=[cast.other_supervisor.pk]))
    assert response.status_code == 403
    assert mail.outbox == []


def test_a_superuser_may_set_a_password_and_the_owner_is_told(client, cast, superuser):
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[cast.employee.pk])
    response = client.post(url, {"password1": "New-pass-98765", "password2": "New-pass-98765"})
    assert response.status_code == 302
    cast.employee.refresh_from_db()
    assert cast.employee.check_password("New-pass-98765")
    assert Notification.objects.filter(recipient=cast.employee, body__contains="password").exists()


# --- Roles and identity: superusers only ------------------------------------------------------


def test_hc_cannot_make_anyone_staff_or_hc_or_change_their_email(client, cast):
    hc_group = Group.objects.get(name=HC_GROUP_NAME)
    client.force_login(cast.hc)

    client.post(
        _change_url(cast.employee),
        _user_form(cast.employee, email="attacker@example.com", is_staff="on", is_superuser="on", groups=[hc_group.pk]),
    )

    cast.employee.refresh_from_db()
    assert cast.employee.email == "employee@example.com"
    assert not cast.employee.is_staff and not cast.employee.is_superuser
    assert not cast.employee.groups.exists()


def test_hc_adds_a_person_without_a_password_nor_powers(client, cast):
    client.force_login(cast.hc)
    form = client.get(reverse("admin:hrportal_user_add")).content.decode()
    assert 'name="password1"' not in form and 'name="is_staff"' not in form

    response = client.post(
        reverse("admin:hrportal_user_add"),
        {"username": "helper", "email": "helper@example.com", "is_staff": "on", "password1": "x", "password2": "x"},
    )

    assert response.status_code == 302
    helper = User.objects.get(username="helper")
    assert not helper.has_usable_password() and not helper.is_staff and not helper.is_hc


def test_hc_cannot_edit_other_hc_staff_or_their_own_supervisor_chain(client, cast):
    boss = UserFactory(username="boss")
    cast.other_supervisor.supervisor = boss
    cast.other_supervisor.save()
    client.force_login(cast.hc_employee)

    for person in (cast.hc, cast.other_supervisor, boss):
        response = client.post(_change_url(person), _user_form(person, is_active="", first_name="Changed"))
        assert response.status_code == 403, person
        person.refresh_from_db()
        assert person.is_active and person.first_name != "Changed"


def test_hc_cannot_change_their_own_supervisor_position_or_section(client, cast):
    me = cast.hc_employee
    old = (me.supervisor_id, me.position_id, me.section_id)
    other = UserFactory()
    client.force_login(me)

    client.post(
        _change_url(me),
        _user_form(me, supervisor=other.pk, position=other.position_id, section=other.section_id, first_name="Me"),
    )

    me.refresh_from_db()
    assert (me.supervisor_id, me.position_id, me.section_id) == old
    assert me.first_name == "Me"  # the rest of their own account is theirs to correct


def test_a_superuser_grants_hc_and_the_person_is_told(client, cast, superuser):
    hc_group = Group.objects.get(name=HC_GROUP_NAME)
    client.force_login(superuser)

    response = client.post(_change_url(cast.employee), _user_form(cast.employee, is_staff="on", groups=[hc_group.pk]))

    assert response.status_code == 302
    cast.employee.refresh_from_db()
    assert cast.employee.is_hc
    note = Notification.objects.get(recipient=cast.employee)
    assert "roles" in note.body and "admin access" in note.body and "it" in note.body.lower()


def test_a_changed_email_is_announced_at_the_old_address_too(
    client, cast, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_change_url(cast.employee), _user_form(cast.employee, email="new@example.com"))

    assert sorted(address for email in mail.outbox for address in email.to) == [
        "employee@example.com",
        "new@example.com",
    ]


# --- Supervisor cycles -------------------------------------------------------------------------


def test_supervisor_cycles_of_any_length_are_refused_naming_the_people(client, cast, superuser):
    # employee → supervisor already; make the supervisor report to the employee (A→B→A).
    client.force_login(superuser)
    response = client.post(_change_url(cast.supervisor), _user_form(cast.supervisor, supervisor=cast.employee.pk))
    html = response.content.decode()
    assert response.status_code == 200 and "Supervisor cycle:" in html
    assert f"{cast.supervisor.display_name} → {cast.employee.display_name} → {cast.supervisor.display_name}" in html

    # A three-person cycle: boss → supervisor, supervisor's boss would be the employee's report.
    boss = UserFactory(username="boss")
    cast.supervisor.supervisor = boss
    cast.supervisor.save()
    response = client.post(_change_url(boss), _user_form(boss, supervisor=cast.employee.pk))
    assert "Supervisor cycle:" in response.content.decode()
    boss.refresh_from_db()
    assert boss.supervisor is None


# --- Targets of one's own position --------------------------------------------------------------


def test_hc_cannot_set_the_targets_of_their_own_position(client, cast):
    competency = CompetencyFactory()
    own = PositionTargetFactory(position=cast.hc_employee.position, competency=competency, target_level=3)
    client.force_login(cast.hc_employee)

    response = client.post(reverse("admin:competencies_positiontarget_change", args=[own.pk]), {"target_level": 0})

    assert response.status_code == 403
    assert PositionTarget.objects.get(pk=own.pk).target_level == 3
    with pytest.raises(PermissionDenied):
        target_set(position=cast.hc_employee.position, competency=competency, level=0, by=cast.hc_employee)


# --- Every door, walked by an HC member who is also an employee --------------------------------


def test_no_door_lets_an_hc_member_act_on_their_own_record(client, cast):
    """Approve, verify, record or override one's own record: through the services, the pages,
    the admin, or by taking over someone else's account. Each attempt must leave no trace."""
    me = cast.hc_employee
    competency = CompetencyFactory()
    PositionTargetFactory(position=me.position, competency=competency, target_level=4)
    assessment = AssessmentFactory()
    CompetencyMappingFactory(assessment=assessment, category="", competency=competency, level_granted=4)
    submitted = IdpItemFactory(employee=me, competency=competency, status=ItemStatus.SUBMITTED)
    completed = IdpItemFactory(employee=me, competency=competency, status=ItemStatus.COMPLETED)
    client.force_login(me)

    attempts = {
        "approve own item (service)": lambda: idp_item_approve(item=submitted, by=me),
        "verify own item (service)": lambda: idp_item_verify(item=completed, by=me, level=2),
        "record own result (service)": lambda: result_record(
            employee=me, assessment=assessment, score=100, completed_at=None, recorded_by=me
        ),
        "override own level (service)": lambda: level_override(
            employee=me, competency=competency, level=5, reason="because", by=me
        ),
    }
    for door, attempt in attempts.items():
        with pytest.raises(PermissionDenied):
            attempt()
            pytest.fail(f"{door} was allowed")

    client.post(reverse("idp:item_action", args=[submitted.pk, "approve"]), {"comment": "ok"})
    client.post(reverse("idp:item_action", args=[completed.pk, "verify"]), {"verify-level": 2})
    client.post(
        reverse("admin:idp_idpitem_changelist"),
        {"action": "verify_selected", "_selected_action": [completed.pk], "index": 0},
    )
    client.post(
        reverse("admin:assessments_assessmentresult_add"),
        {
            "employee": me.pk,
            "assessment": assessment.pk,
            "score": "100",
            "completed_at_0": "2026-11-01",
            "completed_at_1": "08:00",
        },
    )
    client.post(
        reverse("admin:competencies_competencylevel_add"),
        {"employee": me.pk, "competency": competency.pk, "level": 5, "reason": "because"},
    )
    # Through someone else's account: a password for their own supervisor, a new HC helper.
    client.post(
        reverse("admin:auth_user_password_change", args=[cast.other_supervisor.pk]),
        {"password1": "Taken-over-123", "password2": "Taken-over-123"},
    )
    client.post(reverse("admin:hrportal_user_add"), {"username": "helper", "email": "h@example.com"})
    helper = User.objects.filter(username="helper").first()
    if helper is not None:
        client.post(
            _change_url(helper),
            _user_form(helper, is_staff="on", groups=[Group.objects.get(name=HC_GROUP_NAME).pk]),
        )
        helper.refresh_from_db()
        assert not helper.is_hc
    client.post(_change_url(me), _user_form(me, supervisor=cast.employee.pk))

    assert IdpItem.objects.get(pk=submitted.pk).status == ItemStatus.SUBMITTED
    assert IdpItem.objects.get(pk=completed.pk).status == ItemStatus.COMPLETED
    assert not AssessmentResult.objects.filter(employee=me).exists()
    assert not CompetencyLevel.objects.filter(employee=me).exists()
    cast.other_supervisor.refresh_from_db()
    assert not cast.other_supervisor.check_password("Taken-over-123")
    me.refresh_from_db()
    assert me.supervisor == cast.other_supervisor


# --- The import doors -------------------------------------------------------------------------


def _employees_file(*people: User, **changes_by_username) -> bytes:
    import csv as csv_module
    import io

    out = io.StringIO()
    writer = csv_module.writer(out)
    writer.writerow(EMPLOYEE_COLUMNS)
    for person in people:
        row = {
            "employee_number": person.employee_number,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "section": person.section.name if person.section else "",
            "position": person.position.name if person.position else "",
            "supervisor_employee_number": person.supervisor.employee_number if person.supervisor else "",
            **changes_by_username.get(person.username, {}),
        }
        writer.writerow([row.get(column, "") for column in EMPLOYEE_COLUMNS])
    return out.getvalue().encode()


def test_an_hc_members_employee_import_cannot_do_what_the_admin_refuses(cast):
    me = cast.hc_employee
    content = _employees_file(
        me,
        cast.other_supervisor,
        cast.employee,
        hc_employee={"supervisor_employee_number": cast.employee.employee_number},
        other_supervisor={"first_name": "Renamed"},
        employee={"email": "attacker@example.com"},
    )

    with pytest.raises(ImportFileError) as raised:
        employees_import_plan(content=content, fmt="csv", by=me)

    text = "\n".join(raised.value.errors)
    assert "nobody changes their own supervisor" in text
    assert f"{cast.other_supervisor.display_name} is HC staff, a superuser or in your own supervisor chain" in text
    assert "only IT (a superuser) changes a person's email" in text
    # Run by IT (a superuser), the same file is a plan.
    superuser = User.objects.create_superuser(username="it2", email="it2@example.com", password="x-123456789")
    assert employees_import_plan(content=content, fmt="csv", by=superuser).employee_changes


def test_an_hc_members_employee_import_is_refused_in_the_admin_and_by_its_background_task(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    me = cast.hc_employee
    content = _employees_file(me, hc_employee={"position": cast.supervisor.position.name})
    client.force_login(me)
    url = reverse("admin:hrportal_user_import_employees")
    refused = client.post(url, {"file": SimpleUploadedFile("people.csv", content)}).content.decode()
    assert "nobody changes their own position" in refused and 'value="Confirm the import"' not in refused

    # Queued for them anyway (with the plan IT would get), the task plans as them, and refuses it.
    it = User.objects.create_superuser(username="it3", email="it3@example.com", password="x-123456789")
    batch = SpreadsheetImport.objects.create(
        model=ContentType.objects.get_for_model(User), importer="employees", file_name="people.csv", imported_by=me
    )
    spreadsheet_import_run.enqueue(
        import_id=batch.pk,
        file_name="people.csv",
        content=base64.b64encode(content).decode(),
        fingerprint=employees_import_plan(content=content, fmt="csv", by=it).fingerprint(),
        language="en-gb",
    )
    batch.refresh_from_db()
    assert batch.status == "failed" and "nobody changes their own position" in batch.error
    me.refresh_from_db()
    assert me.position == cast.employee.position


def test_an_hc_members_matrix_import_cannot_change_their_own_positions_targets(cast):
    competency = CompetencyFactory(code="S-01")
    PositionTargetFactory(position=cast.hc_employee.position, competency=competency, target_level=3)
    content = (
        f"skill_group,code,name,definition,{cast.hc_employee.position.name}\n"
        f"{competency.group.name},S-01,{competency.name},,1\n"
    ).encode()

    with pytest.raises(ImportFileError) as raised:
        matrix_import_plan(content=content, fmt="csv", by=cast.hc_employee)

    assert "nobody sets the targets of their own position" in "\n".join(raised.value.errors)
    assert matrix_import_plan(content=content, fmt="csv", by=cast.hc).targets_to_change


def test_an_hc_member_cannot_apply_a_strategy_to_their_own_position(client, cast):
    from strategies.services import strategy_plan
    from tests.strategies.factories import StrategyFactory, StrategyTargetFactory

    competency = CompetencyFactory()
    own = PositionTargetFactory(position=cast.hc_employee.position, competency=competency, target_level=3)
    strategy = StrategyFactory()
    StrategyTargetFactory(strategy=strategy, skill_group=competency.group, target_level=5)
    # The very confirmation another HC member could send for that position.
    previewed = strategy_plan(strategy=strategy, positions=[own.position], by=cast.hc)
    assert previewed.changes
    client.force_login(cast.hc_employee)

    response = client.post(
        reverse("strategies:apply", args=[strategy.pk]),
        {"positions": [own.position.pk], "fingerprint": previewed.fingerprint()},
    )

    assert "nobody sets the targets of their own position" in response.content.decode()
    assert PositionTarget.objects.get(pk=own.pk).target_level == 3
    with pytest.raises(ValidationError):
        strategy_plan(strategy=strategy, positions=[own.position], by=cast.hc_employee)


def test_a_new_position_in_an_admin_import_needs_the_explicit_tick(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from competencies.models import Competency

    content = b"skill_group,code,name,definition,Operatr\nSafety,S-01,Permit to Work,,2\n"
    client.force_login(cast.hc)
    url = reverse("admin:competencies_competency_import_matrix")

    refused = client.post(url, {"file": SimpleUploadedFile("kkj.csv", content)}).content.decode()
    assert "did you mean" in refused.lower() and "Operator" in refused
    assert 'value="Confirm the import"' not in refused

    allowed = client.post(url, {"file": SimpleUploadedFile("kkj.csv", content), "create_missing": "on"})
    assert 'value="Confirm the import"' in allowed.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the import task runs after the commit
        client.post(url, {"fingerprint": allowed.context["fingerprint"]})
    assert Competency.objects.filter(code="S-01").exists()
    assert PositionTarget.objects.filter(position__name="Operatr", target_level=2).exists()
