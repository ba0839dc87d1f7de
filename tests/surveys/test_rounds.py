"""Self-assessment rounds, through their doors: the admin (HC creates and changes a round), the
reminder command, the completion pages and the export."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from hrportal.models import Notification, NotificationKind
from surveys.models import SurveyNotice, SurveyRound
from surveys.services import self_ratings_set, supervisor_rating_set
from tests.competencies.factories import CompetencyFactory, PositionTargetFactory, give_level
from tests.hrportal.factories import PositionFactory, SectionFactory, UserFactory
from tests.surveys.factories import SurveyRoundFactory

# 09:00 in Jakarta on Thursday 3 December 2026: "today" for every test unless it travels on.
TODAY = date(2026, 12, 3)
NOW = "2026-12-03 02:00 +0000"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(cast):
    """Production operators (the cast's employee, colleague and HC employee) rate two
    competencies; the supervisors (Shift Supervisor, Production) one; a Maintenance technician
    one; a Maintenance operator sits in a section the rounds below do not choose."""
    operator, lead = cast.employee.position, cast.supervisor.position
    technician = PositionFactory(name="Technician")
    first, second, third = CompetencyFactory(code="GSH-01"), CompetencyFactory(code="GSH-02"), CompetencyFactory()
    for competency in (first, second):
        PositionTargetFactory(position=operator, competency=competency, target_level=3)
    PositionTargetFactory(position=lead, competency=third, target_level=4)
    PositionTargetFactory(position=technician, competency=third, target_level=2)
    maintenance = SectionFactory(name="Maintenance")
    cast.technician = UserFactory(username="technician", section=maintenance, position=technician)
    cast.maintenance_operator = UserFactory(username="m_operator", section=maintenance, position=operator)
    cast.competencies = (first, second, third)
    return cast


def _rate_all(person, level: int = 3) -> None:
    targets = person.position.targets.values_list("competency_id", flat=True)
    self_ratings_set(employee=person, levels=dict.fromkeys(targets, level), by=person)


def _add(client, **fields):
    data = {
        "name": "December self-assessment",
        "opens_on": TODAY.isoformat(),
        "deadline": (TODAY + timedelta(days=14)).isoformat(),
        "reminder_days": "3",
        "sections": [],
        "positions": [],
        **fields,
    }
    return client.post(reverse("admin:surveys_surveyround_add"), data)


def _survey_notifications(person=None):
    notifications = Notification.objects.filter(kind=NotificationKind.SURVEY)
    return notifications.filter(recipient=person) if person is not None else notifications


# Creating a round (the admin).


def test_creating_an_open_round_tells_everyone_whose_section_or_position_is_chosen_once(
    client, org, django_capture_on_commit_callbacks
):
    org.employee.language = "id"
    org.employee.save()
    client.force_login(org.hc)
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(client, sections=[org.employee.section.pk], positions=[org.technician.position.pk])
    assert response.status_code == 302
    round_ = SurveyRound.objects.get()
    told = set(_survey_notifications().values_list("recipient__username", flat=True))
    # Production (by section) and the technician (by position); not the Maintenance operator,
    # not HC without a position.
    assert told == {"employee", "colleague", "supervisor", "other_supervisor", "hc_employee", "technician"}
    notification = _survey_notifications(org.colleague).get()
    assert notification.url == reverse("surveys:self_assessment")
    assert "by 17 Dec 2026" in notification.body
    # The Indonesian employee reads theirs in Indonesian, the email too.
    indonesian = _survey_notifications(org.employee).get()
    assert "Nilai diri Anda" in indonesian.subject
    assert any("Nilai diri Anda" in message.subject for message in mail.outbox if message.to == [org.employee.email])
    assert len(mail.outbox) == 6

    # Saving it again (even with a later deadline) tells nobody twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:surveys_surveyround_change", args=[round_.pk]),
            {
                "name": "December self-assessment",
                "opens_on": TODAY.isoformat(),
                "deadline": (TODAY + timedelta(days=21)).isoformat(),
                "reminder_days": "3",
                "sections": [org.employee.section.pk],
                "positions": [org.technician.position.pk, org.maintenance_operator.position.pk],
            },
        )
    assert response.status_code == 302
    # Adding the operators' position brings the Maintenance operator in: told, and only they.
    assert _survey_notifications().count() == 7
    assert [m.to for m in mail.outbox] == [[org.maintenance_operator.email]]
    round_.refresh_from_db()
    assert round_.deadline == TODAY + timedelta(days=21) and round_.created_by == org.hc


def test_a_deadline_before_the_opening_day_is_refused_by_the_form_and_the_database(client, org):
    client.force_login(org.hc)
    response = _add(
        client,
        sections=[org.employee.section.pk],
        opens_on=(TODAY + timedelta(days=5)).isoformat(),
        deadline=(TODAY + timedelta(days=4)).isoformat(),
    )
    assert response.status_code == 200
    assert "The deadline cannot be before the round opens." in response.context["adminform"].form.errors["deadline"]
    assert not SurveyRound.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyRound.objects.create(name="Bad", opens_on=TODAY, deadline=TODAY - timedelta(days=1), created_by=org.hc)


def test_a_round_must_choose_a_section_or_a_position(client, org):
    client.force_login(org.hc)
    response = _add(client)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["sections"]
    assert not SurveyRound.objects.exists() and not _survey_notifications().exists()


def test_a_round_for_next_week_tells_nobody_until_its_opening_day(client, org, _today):
    client.force_login(org.hc)
    _add(
        client,
        sections=[org.employee.section.pk],
        opens_on=(TODAY + timedelta(days=7)).isoformat(),
        deadline=(TODAY + timedelta(days=21)).isoformat(),
    )
    assert not _survey_notifications().exists()
    call_command("send_survey_reminders", stdout=io.StringIO())
    assert not _survey_notifications().exists()
    _today.move_to("2026-12-10 01:00 +0000")
    call_command("send_survey_reminders", stdout=io.StringIO())
    assert _survey_notifications().count() == 5
    call_command("send_survey_reminders", stdout=io.StringIO())
    assert _survey_notifications().count() == 5


def test_only_hc_staff_may_use_the_round_admin(client, org):
    client.force_login(org.supervisor)
    assert _add(client, sections=[org.employee.section.pk]).status_code == 403
    assert not SurveyRound.objects.exists()


# Reminders (the command).


def _open_round(org, **fields) -> SurveyRound:
    """A round of the Production section opened today through the service (everyone told)."""
    from surveys.rounds import survey_round_save

    values = {
        "name": "Q4 round",
        "sections": [org.employee.section],
        "positions": [],
        "opens_on": TODAY,
        "deadline": TODAY + timedelta(days=10),
        "reminder_days": 3,
        **fields,
    }
    return survey_round_save(round_=None, by=org.hc, **values)


def test_the_reminder_goes_once_within_the_lead_time_to_those_who_have_not_completed(org, _today):
    _open_round(org)
    _rate_all(org.employee)  # completed
    # The colleague rated one of their two competencies.
    self_ratings_set(employee=org.colleague, levels={org.competencies[0].pk: 2}, by=org.colleague)
    out = io.StringIO()
    _today.move_to("2026-12-09 02:00 +0000")  # 4 days before the deadline: not yet
    call_command("send_survey_reminders", stdout=out)
    assert not _survey_notifications().filter(subject__startswith="Reminder").exists()
    _today.move_to("2026-12-10 02:00 +0000")  # 3 days before
    call_command("send_survey_reminders", stdout=out)
    reminded = set(
        _survey_notifications().filter(subject__startswith="Reminder").values_list("recipient__username", flat=True)
    )
    assert reminded == {"colleague", "supervisor", "other_supervisor", "hc_employee"}
    colleague = _survey_notifications(org.colleague).get(subject__startswith="Reminder")
    assert "rated 1 of the 2 competencies" in colleague.body
    assert "Q4 round: told 0 that it opened, reminded 4." in out.getvalue()
    _today.move_to("2026-12-11 02:00 +0000")
    call_command("send_survey_reminders", stdout=out)
    assert _survey_notifications().filter(subject__startswith="Reminder").count() == 4


def test_no_reminder_after_the_deadline(org, _today):
    _open_round(org)
    _today.move_to("2026-12-14 02:00 +0000")  # the day after the deadline
    call_command("send_survey_reminders", stdout=io.StringIO())
    assert not _survey_notifications().filter(subject__startswith="Reminder").exists()


def test_someone_first_told_inside_the_lead_time_is_not_reminded_as_well(org, _today):
    round_ = _open_round(org)
    newcomer = UserFactory(section=org.employee.section, position=org.employee.position)
    _today.move_to("2026-12-11 02:00 +0000")
    call_command("send_survey_reminders", stdout=io.StringIO())
    assert _survey_notifications(newcomer).count() == 1  # the opening notice, naming the deadline
    assert SurveyNotice.objects.filter(round=round_, employee=newcomer).count() == 1


def test_a_dry_run_says_who_would_be_told_and_tells_nobody(org, _today):
    _open_round(org)
    _today.move_to("2026-12-10 02:00 +0000")
    out = io.StringIO()
    call_command("send_survey_reminders", "--dry-run", stdout=out)
    assert "Q4 round: would tell 0 that it opened and remind 5." in out.getvalue()
    assert not _survey_notifications().filter(subject__startswith="Reminder").exists()
    assert SurveyNotice.objects.filter(kind="reminder").count() == 0


# Completion (the pages).


def test_completion_by_section_counts_ratings_given_since_the_round_opened(client, org, _today):
    _rate_all(org.colleague)  # before the round: does not count until confirmed
    _today.move_to("2026-12-04 02:00 +0000")
    round_ = SurveyRoundFactory(
        created_by=org.hc,
        opens_on=date(2026, 12, 4),
        sections=[org.employee.section],
        positions=[org.technician.position],
    )
    _rate_all(org.employee)
    _rate_all(org.technician)
    _rate_all(org.supervisor)
    client.force_login(org.hc)
    response = client.get(reverse("surveys:round", args=[round_.pk]))
    completion = response.context["completion"]
    assert [(s.name, s.people, s.completed) for s in completion.sections] == [
        ("Maintenance", 1, 1),
        ("Production", 5, 2),
    ]
    assert (completion.summary.people, completion.summary.completed) == (6, 3)
    waiting = {p.person.username: (p.rated_since, p.applicable) for p in completion.sections[1].waiting}
    assert waiting == {"colleague": (0, 2), "other_supervisor": (0, 1), "hc_employee": (0, 2)}

    # Confirming the same rating during the round counts (nothing changed, but it was given).
    _rate_all(org.colleague)
    completion = client.get(reverse("surveys:round", args=[round_.pk])).context["completion"]
    assert completion.sections[1].completed == 3


def test_a_competency_not_applicable_to_the_position_is_not_asked_for(client, org):
    round_ = SurveyRoundFactory(created_by=org.hc, sections=[org.employee.section])
    _rate_all(org.employee)  # two of the operator's; the third competency is the supervisors' only
    client.force_login(org.hc)
    completion = client.get(reverse("surveys:round", args=[round_.pk])).context["completion"]
    assert completion.sections[0].completed == 1


@pytest.mark.parametrize("username", ["employee", "supervisor", "other_supervisor", "colleague"])
def test_the_round_pages_are_for_hc_only(client, org, username):
    round_ = SurveyRoundFactory(created_by=org.hc, sections=[org.employee.section])
    client.force_login(getattr(org, username))
    assert client.get(reverse("surveys:rounds")).status_code == 403
    assert client.get(reverse("surveys:round", args=[round_.pk])).status_code == 403
    assert client.get(reverse("surveys:round_export", args=[round_.pk, "csv"])).status_code == 403
    client.force_login(org.hc)
    assert client.get(reverse("surveys:round", args=[round_.pk + 1])).status_code == 404


def test_the_list_shows_each_round_with_its_completion(client, org):
    SurveyRoundFactory(created_by=org.hc, name="Production round", sections=[org.employee.section])
    SurveyRoundFactory(
        created_by=org.hc,
        name="Next year",
        positions=[org.technician.position],
        opens_on=date(2027, 1, 4),
        deadline=date(2027, 1, 20),
    )
    _rate_all(org.employee)
    client.force_login(org.hc)
    response = client.get(reverse("surveys:rounds"))
    summaries = {s.round.name: (s.status, s.people, s.completed) for s in response.context["summaries"]}
    assert summaries == {"Production round": ("open", 5, 1), "Next year": ("upcoming", 1, 0)}
    assert "20%" in response.content.decode()


def _people(org, count: int) -> None:
    for index in range(count):
        person = UserFactory(section=org.employee.section, position=org.employee.position)
        if index % 2:
            _rate_all(person)


@pytest.mark.parametrize("extra_people", [2, 20])
def test_the_round_pages_cost_the_same_queries_at_two_sizes(client, org, extra_people, django_assert_max_num_queries):
    _people(org, extra_people)
    SurveyRoundFactory(created_by=org.hc, name="Other", positions=[org.technician.position])
    round_ = SurveyRoundFactory(created_by=org.hc, sections=[org.employee.section])
    client.force_login(org.hc)
    # session, user, HC group (require_hc), navbar's direct reports, unread notifications;
    # the rounds, their sections, their positions; the people of all of them
    with django_assert_max_num_queries(9):
        response = client.get(reverse("surveys:rounds"))
    assert len(response.context["summaries"]) == 2
    # session, user, HC group, the round, its sections, its positions; the people with their
    # counts; navbar's direct reports, unread notifications
    with django_assert_max_num_queries(9):
        response = client.get(reverse("surveys:round", args=[round_.pk]))
    assert response.context["completion"].summary.people == 5 + extra_people


# The export.


def test_the_export_puts_each_rating_beside_the_verified_level_and_the_supervisors(client, org):
    first, second, _third = org.competencies
    round_ = SurveyRoundFactory(created_by=org.hc, name="Export round", sections=[org.employee.section])
    give_level(org.employee, first, 1)
    self_ratings_set(employee=org.employee, levels={first.pk: 4, second.pk: 2}, by=org.employee)
    supervisor_rating_set(employee=org.employee, competency=first, level=2, comment="", by=org.supervisor)
    org.colleague.first_name = "=HYPERLINK(evil)"
    org.colleague.save()
    client.force_login(org.hc)
    response = client.get(reverse("surveys:round_export", args=[round_.pk, "csv"]))
    assert response["Content-Disposition"].startswith('attachment; filename="self-assessment-export-round-')
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Employee number,Name,Section,Position,Competency code,Competency,Target level,Self-rating,"
        "Rated in this round,Verified level,Supervisor rating,Difference (self − verified),To discuss"
    )
    employee_rows = [line for line in lines if line.startswith(org.employee.employee_number + ",")]
    assert [row.split(",")[4:] for row in employee_rows] == [
        ["GSH-01", first.name, "3", "4", "Yes", "1", "2", "3", "Yes"],
        ["GSH-02", second.name, "3", "2", "Yes", "", "", "2", "Yes"],
    ]
    # Nobody's name runs as a formula in a spreadsheet.
    assert any(",'=HYPERLINK(evil)" in line for line in lines)
    # People × their position's competencies: 3 operators × 2, 2 supervisors × 1.
    assert len(lines) == 1 + 3 * 2 + 2


def test_the_xlsx_export_has_translated_headers(client, org):
    round_ = SurveyRoundFactory(created_by=org.hc, sections=[org.employee.section])
    org.hc.language = "id"
    org.hc.save()
    client.force_login(org.hc)
    response = client.get(reverse("surveys:round_export", args=[round_.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert headers[0] == "Nomor karyawan" and "Level terverifikasi" in headers
    assert sheet.max_row == 1 + 3 * 2 + 2


def test_the_self_assessment_page_names_the_open_round_and_its_deadline(client, org):
    SurveyRoundFactory(created_by=org.hc, name="Q4 round", sections=[org.employee.section], deadline=date(2026, 12, 17))
    SurveyRoundFactory(created_by=org.hc, name="Technicians only", positions=[org.technician.position])
    client.force_login(org.employee)
    page = client.get(reverse("surveys:self_assessment")).content.decode()
    assert "“Q4 round”" in page and "by 17 Dec 2026" in page
    assert "Technicians only" not in page
