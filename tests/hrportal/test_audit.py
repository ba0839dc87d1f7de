"""The audit trail: changes through every door, logins, refused requests; nobody edits it."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from competencies.models import CompetencyLevel
from hrportal.models import AuditEntry, AuditEvent, User
from idp.models import IdpItem, ItemStatus
from tests.competencies.factories import CompetencyFactory, give_level
from tests.competencies.test_import_admin import confirm, matrix, matrix_file, preview  # noqa: F401 (fixture)
from tests.hrportal.factories import PASSWORD
from tests.idp.factories import IdpItemFactory

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) audit-test", "REMOTE_ADDR": "10.1.2.3"}


def _entries_for(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


def test_admin_level_override_is_audited_with_actor_values_and_request_context(client, cast):
    competency = CompetencyFactory()
    give_level(cast.employee, competency, 4)
    level = CompetencyLevel.objects.get()
    client.force_login(cast.hc)

    response = client.post(
        reverse("admin:competencies_competencylevel_change", args=[level.pk]),
        {"level": 1, "reason": "Failed re-certification"},
        **BROWSER,
    )

    assert response.status_code == 302
    entry = _entries_for(level)[-1]
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes_dict["level"] == ["4", "1"]
    assert (entry.actor, entry.remote_addr, entry.user_agent) == (cast.hc, "10.1.2.3", BROWSER["HTTP_USER_AGENT"])
    assert entry.path == reverse("admin:competencies_competencylevel_change", args=[level.pk])


def test_idp_approval_on_the_page_is_audited_as_the_supervisor(client, cast):
    item = IdpItemFactory(employee=cast.employee, status=ItemStatus.SUBMITTED)
    client.force_login(cast.supervisor)

    client.post(reverse("idp:item_action", args=[item.pk, "approve"]), {"comment": "Go"}, **BROWSER)

    assert IdpItem.objects.get().status == ItemStatus.APPROVED
    status_change = [e for e in _entries_for(item) if "status" in (e.changes_dict or {})][-1]
    assert status_change.changes_dict["status"] == [ItemStatus.SUBMITTED, ItemStatus.APPROVED]
    assert status_change.actor == cast.supervisor
    transition_type = ContentType.objects.get(app_label="idp", model="idpitemtransition")
    assert AuditEntry.objects.filter(content_type=transition_type, actor=cast.supervisor).exists()


def test_role_and_supervisor_changes_are_audited(cast):
    from django.contrib.auth.models import Group

    cast.employee.supervisor = cast.other_supervisor
    cast.employee.save()
    cast.employee.groups.add(Group.objects.get_or_create(name="HC")[0])

    changes = [entry.changes_dict for entry in _entries_for(cast.employee)]
    assert any("supervisor" in change for change in changes)
    assert any("groups" in change for change in changes)


def test_logins_and_failed_logins_are_audited_with_the_address(client, cast):
    client.post(reverse("login"), {"username": "employee", "password": "wrong"}, **BROWSER)
    client.post(reverse("login"), {"username": "employee", "password": PASSWORD}, **BROWSER)

    failed = AuditEntry.objects.get(event=AuditEvent.LOGIN_FAILED)
    assert (failed.object_repr, failed.remote_addr, failed.actor) == ("employee", "10.1.2.3", None)
    assert "wrong" not in str(failed.additional_data)
    login = AuditEntry.objects.get(event=AuditEvent.LOGIN)
    assert (login.actor, login.object_pk, login.user_agent) == (
        cast.employee,
        str(cast.employee.pk),
        BROWSER["HTTP_USER_AGENT"],
    )


def test_a_refused_page_is_audited(client, cast):
    client.force_login(cast.employee)

    response = client.get(reverse("competencies:reports"), **BROWSER)

    assert response.status_code == 403
    refused = AuditEntry.objects.get(event=AuditEvent.ACCESS_DENIED)
    assert (refused.actor, refused.object_repr, refused.remote_addr) == (cast.employee, "/reports/", "10.1.2.3")


def test_the_application_cannot_edit_or_delete_the_trail(cast):
    entry = AuditEntry.objects.filter(content_type__model="user").first()
    assert entry is not None

    entry.object_repr = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    # Below the ORM, the database refuses too.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE hrportal_auditentry SET object_repr = 'forged'")
    assert not AuditEntry.objects.filter(object_repr="forged").exists()


def test_deleting_a_user_keeps_their_entries(cast, admin_user):
    user = User.objects.create_user(username="leaver", email="leaver@example.com")
    user_pk = user.pk
    user.delete()
    assert AuditEntry.objects.filter(object_pk=str(user_pk), action=AuditEntry.Action.DELETE).exists()


def test_nobody_adds_changes_or_deletes_an_entry_in_the_admin(client, cast):
    entry = AuditEntry.objects.first()
    client.force_login(cast.hc)
    assert client.get(reverse("admin:hrportal_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:hrportal_auditentry_delete", args=[entry.pk])).status_code == 403
    response = client.post(reverse("admin:hrportal_auditentry_change", args=[entry.pk]), {"object_repr": "forged"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, object_repr="forged").count() == 0


def test_hc_filters_and_exports_the_trail(client, cast):
    client.post(reverse("login"), {"username": "colleague", "password": "wrong"}, **BROWSER)
    client.force_login(cast.hc)

    listing = client.get(reverse("admin:hrportal_auditentry_changelist"), {"event__exact": "login_failed"})
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "colleague" in html and "Export these entries (CSV)" in html

    export = client.get(reverse("admin:hrportal_auditentry_export"), {"event__exact": "login_failed"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [(row["event"], row["object"], row["address"]) for row in rows] == [
        ("login_failed", "colleague", "10.1.2.3")
    ]


def test_employees_and_supervisors_cannot_see_the_trail(client, cast):
    for person in (cast.employee, cast.supervisor):
        client.force_login(person)
        response = client.get(reverse("admin:hrportal_auditentry_changelist"))
        assert response.status_code == 403


def _age(entry: AuditEntry, days: int) -> None:
    # Only a test ages an entry, below the ORM and past the trigger that refuses it.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "UPDATE hrportal_auditentry SET timestamp = %s WHERE id = %s",
                [timezone.now() - timedelta(days=days), entry.pk],
            )
            cursor.execute("SET session_replication_role = DEFAULT")
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER hrportal_auditentry_no_update")
            cursor.execute(
                "UPDATE hrportal_auditentry SET timestamp = %s WHERE id = %s",
                [timezone.now() - timedelta(days=days), entry.pk],
            )
            cursor.execute(
                "CREATE TRIGGER hrportal_auditentry_no_update BEFORE UPDATE ON hrportal_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'The audit trail cannot be edited.'); END"
            )


def test_purge_removes_old_entries_but_keeps_each_objects_latest(cast, settings):
    settings.AUDIT_RETENTION_DAYS = 730
    competency = CompetencyFactory()
    first, second = _entries_for(competency)[0], None
    competency.name = "Renamed"
    competency.save()
    second = _entries_for(competency)[-1]
    _age(first, 800)
    _age(second, 790)
    recent = _entries_for(cast.employee)[-1]

    out = io.StringIO()
    call_command("purge_audit", "--dry-run", stdout=out)
    assert "Would remove 1 " in out.getvalue()
    assert AuditEntry.objects.filter(pk=first.pk).exists()

    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    assert "Removed 1 " in out.getvalue()
    assert not AuditEntry.objects.filter(pk=first.pk).exists()
    # The latest entry of an object stays, however old; recent entries stay.
    assert AuditEntry.objects.filter(pk__in=[second.pk, recent.pk]).count() == 2


@pytest.mark.usefixtures("matrix")
def test_an_admin_import_is_audited_with_file_name_and_counts(client, cast):
    client.force_login(cast.hc)
    confirm(client, preview(client, matrix_file(4)))

    entry = AuditEntry.objects.get(event=AuditEvent.IMPORT)
    assert (entry.actor, entry.object_repr) == (cast.hc, "kkj.csv")
    assert "Target changes: 1" in entry.additional_data["summary"]
    # The changes the import made are in the trail too, each with the importer as actor.
    target_entries = AuditEntry.objects.filter(content_type__model="positiontarget", actor=cast.hc)
    assert target_entries.filter(action=AuditEntry.Action.UPDATE).exists()


def test_a_command_line_import_is_audited_with_file_name_and_counts(tmp_path, db):
    from tests.competencies.test_spreadsheets import csv_bytes, matrix_rows, write

    path = write(tmp_path, csv_bytes(matrix_rows(s1_operator=5)), "season.csv")
    call_command("import_matrix", path, "--create-missing", stdout=io.StringIO())

    entry = AuditEntry.objects.get(event=AuditEvent.IMPORT)
    assert (entry.object_repr, entry.content_type.model) == ("season.csv", "positiontarget")
    assert entry.additional_data["door"] == "command line"
    assert "New targets: 3" in entry.additional_data["summary"]
