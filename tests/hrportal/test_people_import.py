import csv
import io

import pytest
import tablib
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from hrportal.models import Position, Section, User
from hrportal.people_import import employees_dataset, employees_import_apply, employees_import_plan
from hrportal.spreadsheets import ImportFileError, export_bytes
from hrportal.supervision import supervisor_cycle
from tests.hrportal.factories import PositionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "section",
    "position",
    "supervisor_employee_number",
]


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def plan(rows: list[list], create_missing: bool = True):
    # Most tests load a new organisation, whose sections and positions are new on purpose.
    return employees_import_plan(content=csv_bytes(rows), fmt="csv", create_missing=create_missing)


def load(rows: list[list]) -> None:
    employees_import_apply(plan=plan(rows))


def errors(rows: list[list], create_missing: bool = True) -> list[str]:
    with pytest.raises(ImportFileError) as raised:
        plan(rows, create_missing=create_missing)
    return raised.value.errors


def test_a_new_organisation_is_loaded_with_supervisors_from_the_same_file(db):
    load(
        [
            HEADER,
            ["P-002", "Sari", "Dewi", "sari.dewi@plant.example", "Production", "Operator", "P-001"],
            ["P-001", "Agus", "", "agus@plant.example", "Production", "Shift Supervisor", ""],
        ]
    )
    sari, agus = User.objects.get(employee_number="P-002"), User.objects.get(employee_number="P-001")
    assert (sari.username, sari.first_name, sari.last_name, sari.email) == (
        "sari.dewi",
        "Sari",
        "Dewi",
        "sari.dewi@plant.example",
    )
    assert (sari.section.name, sari.position.name, sari.supervisor) == ("Production", "Operator", agus)
    assert (agus.username, agus.supervisor, agus.get_full_name()) == ("agus", None, "Agus")
    assert not sari.has_usable_password() and not agus.has_usable_password()
    assert set(Section.objects.values_list("name", flat=True)) == {"Production"}


def test_existing_employees_are_updated_by_number_and_others_left_alone(cast):
    bystander = cast.colleague
    rows = [
        HEADER,
        [
            cast.employee.employee_number,
            cast.employee.first_name,
            "Newname",
            cast.employee.email,
            "production",  # matches the existing section whatever its case
            "Senior Operator",
            cast.other_supervisor.employee_number,
        ],
    ]
    changes = plan(rows)
    assert changes.positions_to_create == ["Senior Operator"] and changes.sections_to_create == []
    assert [(c.field, c.new) for c in changes.employee_changes] == [
        ("last_name", "Newname"),
        ("position", "Senior Operator"),
        ("supervisor", cast.other_supervisor.employee_number),
    ]
    load(rows)
    cast.employee.refresh_from_db()
    assert (cast.employee.last_name, cast.employee.position.name) == ("Newname", "Senior Operator")
    assert cast.employee.supervisor == cast.other_supervisor
    assert cast.employee.check_password("correct-horse-battery")  # an update never touches the password
    bystander.refresh_from_db()
    assert bystander.supervisor == cast.supervisor


def test_an_empty_supervisor_cell_removes_the_supervisor(cast):
    e = cast.employee
    load([HEADER, [e.employee_number, e.first_name, e.last_name, e.email, "Production", "Operator", ""]])
    e.refresh_from_db()
    assert e.supervisor is None


def test_usernames_come_from_the_email_then_the_number_and_never_collide(cast):
    created = plan(
        [
            [*HEADER, "username"],
            ["N-1", "Ann", "One", "employee@x.example", "", "", "", ""],  # "employee" is taken in the cast
            ["N-2", "Bo", "Two", "bo@x.example", "", "", "", ""],
            ["N-3", "Bo", "Three", "bo@y.example", "", "", "", ""],
            ["N-4", "Cy", "Four", "cy@x.example", "", "", "", "chosen.name"],
        ]
    ).employees_to_create
    assert [e.username for e in created] == ["n-1", "bo", "n-3", "chosen.name"]


def test_export_then_import_of_employees_changes_nothing(cast):
    # Someone whose supervisor has no employee number keeps that supervisor.
    UserFactory(employee_number="E-77", supervisor=cast.hc)
    for fmt in ("csv", "xlsx"):
        content = export_bytes(employees_dataset(), fmt)
        assert employees_import_plan(content=content, fmt=fmt).is_empty


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["", "A", "B", "a@x.example", "", "", ""], "Line 3: empty employee number."),
        (["N-1", "A", "B", "a@x.example", "", "", ""], 'Line 3: duplicate employee number "N-1" (also on line 2).'),
        (["N-2", "", "", "a@x.example", "", "", ""], "Line 3: empty name (give a first or last name)."),
        (["N-2", "A", "", "", "", "", ""], "Line 3: empty email."),
        (["N-2", "A", "", "a@", "", "", ""], 'Line 3, column "email": invalid email "a@".'),
        (["N-2", "A", "", "a@x.example", "", "", "N-9"], 'Line 3: unknown supervisor employee number "N-9".'),
        (["N-2", "A", "", "a@x.example", "", "", "N-2"], "Line 3: an employee cannot be their own supervisor."),
        (["N-2", "A" * 151, "", "a@x.example", "", "", ""], 'Line 3, column "first_name": longer than 150 characters.'),
    ],
    ids=[
        "empty-number",
        "duplicate-number",
        "empty-name",
        "empty-email",
        "invalid-email",
        "unknown-supervisor",
        "own-supervisor",
        "too-long",
    ],
)
def test_each_kind_of_employee_error_is_named_with_its_line(db, row, expected):
    assert errors([HEADER, ["N-1", "Ann", "", "ann@x.example", "", "", ""], row]) == [expected]


def test_a_username_must_be_valid_and_free(cast):
    rows = [
        [*HEADER, "username"],
        ["N-1", "Ann", "", "ann@x.example", "", "", "", "has space"],
        ["N-2", "Bo", "", "bo@x.example", "", "", "", "supervisor"],
        ["N-3", "Cy", "", "cy@x.example", "", "", "", "cy"],
        ["N-4", "Di", "", "di@x.example", "", "", "", "CY"],
    ]
    assert errors(rows) == [
        'Line 2: username "has space" may contain only letters, digits and the characters @ . + - _.',
        'Line 3: username "supervisor" is already used by someone else.',
        'Line 5: duplicate username "CY" (also on line 4).',
    ]


def test_a_missing_column_is_named(db):
    assert errors([HEADER[:-1], ["N-1", "Ann", "", "ann@x.example", "", ""]]) == [
        'Line 1: missing required column "supervisor_employee_number".'
    ]


def test_import_employees_command_with_errors_writes_nothing_and_exits_non_zero(db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([HEADER, ["N-1", "Ann", "", "ann@x.example", "Ops", "Operator", "N-1"]]))
    with pytest.raises(CommandError) as raised:
        call_command("import_employees", str(path))
    assert raised.value.returncode == 1
    assert "Line 2: an employee cannot be their own supervisor." in str(raised.value)
    assert (User.objects.count(), Section.objects.count(), Position.objects.count()) == (0, 0, 0)


def test_import_employees_command_dry_run_then_import(db, tmp_path):
    path = tmp_path / "people.xlsx"
    dataset = tablib.Dataset(["N-1", "Ann", "Lee", "ann@x.example", "Ops", "Operator", ""], headers=HEADER)
    path.write_bytes(export_bytes(dataset, "xlsx"))
    out = io.StringIO()
    call_command("import_employees", str(path), "--dry-run", "--create-missing", stdout=out)
    assert "New employees (1):\n  N-1 Ann Lee (ann), line 2" in out.getvalue()
    assert not User.objects.exists()
    call_command("import_employees", str(path), "--create-missing", stdout=out)
    assert User.objects.get().username == "ann"


def test_export_employees_command_writes_everyone_with_a_number(cast, tmp_path):
    path = tmp_path / "people.csv"
    call_command("export_employees", str(path), stdout=io.StringIO())
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the CSV as UTF-8
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join([*HEADER, "username", "language"])
    assert len(lines) == 1 + User.objects.exclude(employee_number=None).count()


def test_an_imported_employee_sets_a_password_by_reset_and_logs_in(client, db, django_capture_on_commit_callbacks):
    load([HEADER, ["N-1", "Ann", "Lee", "Ann.Lee@plant.example", "Ops", "Operator", ""]])
    ann = User.objects.get()
    assert not client.login(username="ann.lee", password="")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "ann.lee@plant.example"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["Ann.Lee@plant.example"]]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.strip().replace("http://testserver", ""), follow=True)
    assert "Choose a new password" in response.content.decode()
    new_password = "first-Passw0rd!-for-ann"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302

    ann.refresh_from_db()
    assert ann.has_usable_password()
    response = client.post(reverse("login"), {"username": "ann.lee", "password": new_password})
    assert response.status_code == 302 and response.wsgi_request.user == ann


def test_inactive_people_get_no_reset_link(db, client):
    UserFactory(email="gone@plant.example", is_active=False)
    client.post(reverse("password_reset"), {"email": "gone@plant.example"})
    assert mail.outbox == []


def test_import_never_changes_a_superuser_account(db):
    admin = User.objects.create_superuser("root", "root@example.com", "pw", employee_number="ROOT-1")
    content = (
        b"employee_number,first_name,last_name,email,section,position,supervisor_employee_number\n"
        b"ROOT-1,Evil,Twin,attacker@example.com,,,\n"
    )
    with pytest.raises(ImportFileError) as error:
        employees_import_plan(content=content, fmt="csv")
    assert any("superuser account" in message for message in error.value.errors)
    admin.refresh_from_db()
    assert admin.email == "root@example.com"


# hrportal.supervision.supervisor_cycle: the one rule for supervisor cycles.


@pytest.mark.parametrize(
    ("supervisor_of", "start", "cycle"),
    [
        ({"a": "b", "b": "a"}, "a", ["a", "b", "a"]),
        ({"a": "b", "b": "c", "c": "a"}, "b", ["b", "c", "a", "b"]),
        ({"a": "a"}, "a", ["a", "a"]),
        ({"a": "b", "b": None}, "a", None),
        ({"a": "b"}, "a", None),  # b is not in the mapping: no supervisor
        ({}, "a", None),
        # a runs into a cycle it is not part of: that cycle is b's and c's, not a's.
        ({"a": "b", "b": "c", "c": "b"}, "a", None),
    ],
)
def test_supervisor_cycle_follows_supervisors_up_from_start(supervisor_of, start, cycle):
    assert supervisor_cycle(start, supervisor_of) == cycle
    assert supervisor_cycle(start, supervisor_of.get) == cycle


def test_supervisor_cycle_ends_on_a_long_chain():
    chain = {n: n + 1 for n in range(10_000)}
    assert supervisor_cycle(0, chain) is None
    assert supervisor_cycle(0, {**chain, 10_000: 0}) == [*range(10_001), 0]


# Supervisor cycles and names that would create sections or positions.


def person(number: str, name: str, supervisor: str = "", section: str = "Production", position: str = "Operator"):
    first, _, last = name.partition(" ")
    return [number, first, last, f"{number.lower()}@x.example", section, position, supervisor]


@pytest.fixture
def organisation(db):
    SectionFactory(name="Production")
    PositionFactory(name="Operator")


def test_a_two_person_supervisor_cycle_in_the_file_is_refused_with_both_names(organisation):
    before = User.objects.count()
    assert errors([HEADER, person("E-1", "Sinta Dewi", "E-2"), person("E-2", "Budi", "E-1")]) == [
        "Line 2: Supervisor cycle: Sinta Dewi → Budi → Sinta Dewi. Somebody on it must report to someone else."
    ]
    assert User.objects.count() == before


def test_a_three_person_supervisor_cycle_is_reported_once(organisation):
    rows = [HEADER, person("E-1", "Sinta Dewi", "E-2"), person("E-2", "Budi", "E-3"), person("E-3", "Ayu", "E-1")]
    assert errors(rows) == [
        "Line 2: Supervisor cycle: Sinta Dewi → Budi → Ayu → Sinta Dewi. Somebody on it must report to someone else."
    ]


def test_a_cycle_closed_through_people_already_in_the_database_is_refused(organisation):
    # In the database: Ayu reports to Budi, Budi to nobody. The file makes Budi report to Sinta
    # and Sinta (new) to Ayu: Budi → Sinta → Ayu → Budi.
    budi = UserFactory(employee_number="E-2", first_name="Budi", last_name="")
    UserFactory(employee_number="E-3", first_name="Ayu", last_name="", supervisor=budi)
    rows = [HEADER, person("E-2", "Budi", "E-1"), person("E-1", "Sinta Dewi", "E-3")]
    assert errors(rows) == [
        "Line 2: Supervisor cycle: Budi → Sinta Dewi → Ayu → Budi. Somebody on it must report to someone else."
    ]
    assert budi.direct_reports.count() == 1 and User.objects.get(employee_number="E-2").supervisor is None


def test_a_supervisor_without_employee_number_kept_by_an_empty_cell_still_counts_for_cycles(organisation):
    # E-1's supervisor has no employee number, so an empty cell keeps them; they report to E-1's report.
    boss = UserFactory(employee_number=None, first_name="Boss", last_name="")
    sinta = UserFactory(employee_number="E-1", first_name="Sinta", last_name="Dewi", supervisor=boss)
    boss.supervisor = UserFactory(employee_number="E-2", first_name="Budi", last_name="", supervisor=None)
    boss.save()
    rows = [HEADER, person("E-1", "Sinta Dewi", ""), person("E-2", "Budi", "E-1")]
    assert errors(rows) == [
        "Line 2: Supervisor cycle: Sinta Dewi → Boss → Budi → Sinta Dewi. Somebody on it must report to someone else."
    ]
    assert User.objects.get(pk=sinta.pk).supervisor == boss


def test_a_chain_without_a_cycle_is_loaded(organisation):
    load([HEADER, person("E-1", "Sinta Dewi", "E-2"), person("E-2", "Budi", "E-3"), person("E-3", "Ayu", "")])
    assert User.objects.get(employee_number="E-1").supervisor.supervisor.employee_number == "E-3"


def test_a_section_or_position_that_nearly_matches_is_an_error_with_a_hint(organisation):
    rows = [
        HEADER,
        person("E-1", "Sinta Dewi", section="Prodution"),
        person("E-2", "Budi", section="Prodution", position="Operatr"),
    ]
    advice = (
        "Correct the name, or create it first, or allow the import to create new positions and sections "
        "(on the command line: --create-missing)."
    )
    assert errors(rows, create_missing=False) == [
        f'Line 2, column "section": there is no section "Prodution" (did you mean "Production"?). '
        f"(It is on 2 rows.) {advice}",
        f'Line 3, column "position": there is no position "Operatr" (did you mean "Operator"?). {advice}',
    ]
    assert not Section.objects.filter(name="Prodution").exists()


def test_with_create_missing_the_preview_hints_at_the_near_match(organisation):
    created = plan([HEADER, person("E-1", "Sinta Dewi", section="Prodution")], create_missing=True)
    assert created.sections_to_create == ["Prodution"]
    new_sections = next(section for section in created.sections() if section.title == "New sections")
    assert new_sections.lines == ['Prodution (did you mean "Production"?)']


def test_import_employees_command_creates_sections_only_with_create_missing(organisation, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([HEADER, person("E-1", "Sinta Dewi", section="Maintenance")]))
    with pytest.raises(CommandError, match='there is no section "Maintenance"'):
        call_command("import_employees", str(path), stdout=io.StringIO())
    assert not User.objects.filter(employee_number="E-1").exists()
    call_command("import_employees", str(path), "--create-missing", stdout=io.StringIO())
    assert User.objects.get(employee_number="E-1").section.name == "Maintenance"


def test_existing_names_in_any_case_need_no_option(organisation):
    load_plan = plan([HEADER, person("E-1", "Sinta Dewi", section="PRODUCTION", position="operator")], False)
    assert load_plan.sections_to_create == [] and load_plan.positions_to_create == []
