import statistics
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command

from assessments.models import Assessment, AssessmentResult, AttemptQuestion, FinishReason, QuestionKind
from assessments.selectors.raising import raising_assessments_by_competency
from assessments.services.attempts import attempt_answers_save, attempt_finalise, attempt_start
from competencies.models import CompetencyLevel
from competencies.selectors.career import Match, path_place
from competencies.selectors.gaps import employee_gap_reports, employee_gaps
from competencies.selectors.risk import team_risks
from competencies.selectors.team import team_heatmap
from hrportal import demo_data
from hrportal.management.commands.seed_demo import demo_present
from hrportal.models import Notification, User
from idp.models import IdpItem, IdpItemTransition, ItemStatus

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_is_idempotent_and_gives_a_mixed_dashboard():
    call_command("seed_demo", verbosity=0)
    first = _row_counts()
    call_command("seed_demo", verbosity=0)
    assert _row_counts() == first

    assert User.objects.filter(employee_number__isnull=False).count() >= 40
    assert first["competencies.Competency"] >= 30 and first["competencies.SkillGroup"] >= 5
    assert first["hrportal.Section"] >= 3 and first["hrportal.Position"] >= 6
    report = employee_gaps(employee=User.objects.get(username="demo.employee"))
    assert report.met > 0 and report.in_gap > 0 and report.not_started > 0
    assert User.objects.get(username="demo.hc").is_hc
    assert User.objects.get(username="demo.employee").supervisor.username == "demo.supervisor"
    # The licence mappings lapse: at the demo's present (December 2026, or the month it was
    # first seeded in) some levels have expired, more expire within 90 days, and
    # bambang.hartono's dashboard shows both.
    present = demo_present()
    licences = CompetencyLevel.objects.filter(expires_at__isnull=False)
    assert licences.filter(expires_at__lte=present).exists()
    assert licences.filter(expires_at__gt=present, expires_at__lte=present + timedelta(days=90)).count() > 3
    bambang = employee_gaps(employee=User.objects.get(username="bambang.hartono"), now=present)
    assert bambang.expired >= 1 and bambang.expiring >= 1


@pytest.fixture
def seeded():
    call_command("seed_demo", verbosity=0)


def test_three_online_assessments_with_varied_banks_each_raising_a_gap_of_demo_employee(seeded):
    online = list(Assessment.objects.published().prefetch_related("questions__options", "mappings"))

    assert len(online) == 3
    assert any(a.cooldown_minutes == 0 for a in online)
    for assessment in online:
        questions = list(assessment.questions.all())
        assert 8 <= len(questions) <= 12, assessment
        assert assessment.audience == "everyone" and assessment.max_attempts == 3
        assert 15 <= assessment.time_limit_minutes <= 20
        kinds = Counter((q.kind, q.partial_credit) for q in questions)
        for kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE, QuestionKind.SHORT_ANSWER):
            assert kinds[(kind, False)], (assessment, kind)
        assert kinds[(QuestionKind.MULTIPLE, True)] or kinds[(QuestionKind.MULTIPLE, False)]
        assert all(q.explanation and q.competency_id for q in questions)
        # Every tagged competency is one the assessment validates, by a mapping naming it.
        mapped = {m.competency_id for m in assessment.mappings.all()}
        assert {q.competency_id for q in questions} <= mapped
    all_multiple = [q for a in online for q in a.questions.all() if q.kind == QuestionKind.MULTIPLE]
    assert {q.partial_credit for q in all_multiple} == {True, False}

    # Each would raise a competency of demo.employee's position that is in gap below what it grants.
    employee = User.objects.get(username=demo_data.DEMO_EMPLOYEE)
    rows = employee_gaps(employee=employee).rows

    raising = raising_assessments_by_competency(employee=employee, rows=rows)

    online_titles = {spec["title"] for spec in demo_data.ONLINE_ASSESSMENTS}
    for title in online_titles:
        assert any(title in {a.title for a in offered} for offered in raising.values()), title


def test_demo_employee_takes_the_safe_work_assessment_and_their_level_rises(seeded):
    employee = User.objects.get(username=demo_data.DEMO_EMPLOYEE)
    code, title, _, _ = demo_data.DEMO_EMPLOYEE_ASSESSMENT_ITEM
    assessment = Assessment.objects.get(title=title)
    before = CompetencyLevel.objects.get(employee=employee, competency__code=code).level
    item = IdpItem.objects.get(employee=employee, assessment=assessment)
    assert item.status == ItemStatus.IN_PROGRESS

    attempt = attempt_start(assessment=assessment, by=employee)
    answers = {
        q.position: q.accepted_answers[:1] if q.kind == QuestionKind.SHORT_ANSWER else q.correct_keys
        for q in AttemptQuestion.objects.filter(attempt=attempt)
    }
    attempt_answers_save(attempt_id=attempt.pk, by=employee, answers=answers)
    finished = attempt_finalise(attempt=attempt, reason=FinishReason.SUBMITTED)

    assert finished.score == 100
    after = CompetencyLevel.objects.get(employee=employee, competency__code=code).level
    assert before < after == 2
    assert CompetencyLevel.objects.get(employee=employee, competency__code="GSH-01").level == 3  # the 85 % band
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED and item.verified_level == 2


def _employees():
    return list(User.objects.filter(employee_number__isnull=False).select_related("position").order_by("pk"))


def test_a_first_look_shows_a_healthy_organisation_with_real_gaps(seeded):
    now = demo_present()
    reports = [employee_gaps(employee=person, now=now) for person in _employees()]

    # Incumbents mostly meet their own position's targets...
    matches = [report.met / report.total for report in reports]
    assert 0.70 <= statistics.median(matches) <= 0.95
    # ...a few meet every one, most have something to work on, and some gaps are large.
    everything_met = sum(1 for report in reports if report.met == report.total)
    assert 1 <= everything_met < len(reports) / 2
    assert sum(1 for report in reports for gap in report.gaps if gap >= 2) >= 10
    assert sum(1 for report in reports if report.not_started) >= 3
    # Levels lapse: some have expired and more expire within 90 days.
    assert sum(report.expired for report in reports) >= 3
    assert sum(report.expiring for report in reports) >= 3

    # demo.employee's radar has a real shape: at least three different current levels on it.
    employee = User.objects.get(username=demo_data.DEMO_EMPLOYEE)
    radar = employee_gaps(employee=employee, now=now).chart_rows
    assert len({row.current for row in radar}) >= 3 and len(radar) >= 6


def test_demo_supervisors_team_has_the_single_points_of_failure_the_readme_names(seeded):
    supervisor = User.objects.get(username=demo_data.DEMO_SUPERVISOR)
    members = list(User.objects.filter(supervisor=supervisor, is_active=True).select_related("position"))
    flags = team_risks(team_heatmap(members=members, now=demo_present()))
    assert [(flag.name, [person.name for person in flag.meeting]) for flag in flags] == [
        ("Management of Change", []),
        ("DCS & Process Control", ["Eko Prasetyo"]),
        ("P&ID and Drawing Reading", ["Eko Prasetyo"]),
    ]
    assert all(flag.bench for flag in flags)


def test_several_people_are_recommended_for_their_next_position(seeded):
    recommended = []
    for person in _employees():
        following = [nxt.position for nxt in path_place(position_id=person.position_id).next_positions]
        for report in employee_gap_reports(employee=person, positions=following).values():
            if Match.from_report(report).is_recommended:
                recommended.append(person.username)
    assert len(recommended) >= 3
    # Everyone but the section heads has a next step: both career paths lead up to them.
    tops = [p for p in _employees() if not path_place(position_id=p.position_id).next_positions]
    assert {p.position.name for p in tops} == {demo_data.SECTION_HEAD}


def test_idp_items_in_every_status_moved_by_the_people_the_workflow_names(seeded):
    assert set(IdpItem.objects.values_list("status", flat=True)) == set(ItemStatus.values)
    transitions = IdpItemTransition.objects.select_related("item__employee__supervisor", "by")
    for transition in transitions:
        employee, by = transition.item.employee, transition.by
        if transition.to_status in (ItemStatus.APPROVED, ItemStatus.REJECTED):
            # Their supervisor, or HC for those who have none; never themselves.
            assert by != employee and (by == employee.supervisor if employee.supervisor else by.is_hc)
        elif transition.to_status == ItemStatus.VERIFIED:
            assert by != employee and by.is_hc
        else:
            assert by == employee, transition
        if by != employee:
            # Whoever acted on an item had opened its notifications first.
            assert not Notification.objects.unread().filter(recipient=by, url=transition.item.get_absolute_url())
    # A section head (no supervisor) has an item that HC approved.
    assert transitions.filter(to_status=ItemStatus.APPROVED, item__employee__supervisor__isnull=True).exists()
    # demo.supervisor has items to approve.
    waiting = IdpItem.objects.filter(
        status=ItemStatus.SUBMITTED, employee__supervisor__username=demo_data.DEMO_SUPERVISOR
    )
    assert waiting.count() >= 2

    # A few unread notifications wait for each demo login.
    for username in (demo_data.DEMO_EMPLOYEE, demo_data.DEMO_SUPERVISOR, demo_data.DEMO_HC):
        unread = Notification.objects.unread().filter(recipient__username=username).count()
        assert 1 <= unread <= 6, username


def test_seeded_in_a_later_month_the_demo_moves_with_it_and_a_second_run_changes_nothing(time_machine):
    time_machine.move_to(datetime(2027, 5, 20, 10, 0, tzinfo=demo_data.WIB), tick=False)
    call_command("seed_demo", verbosity=0)
    first = _row_counts()

    # The history ends the month before: its last result in April 2027, none in the future.
    latest = AssessmentResult.objects.latest("completed_at").completed_at.astimezone(demo_data.WIB)
    assert (latest.year, latest.month) == (2027, 4)
    present = demo_present()
    assert (present.year, present.month) == (2027, 5)
    bambang = employee_gaps(employee=User.objects.get(username="bambang.hartono"), now=present)
    assert bambang.expired >= 1 and bambang.expiring >= 1

    time_machine.move_to(datetime(2027, 8, 2, 10, 0, tzinfo=demo_data.WIB), tick=False)
    call_command("seed_demo", verbosity=0)
    assert _row_counts() == first


def test_demo_weights_and_critical_competencies_are_as_the_readme_says(seeded):
    from competencies.models import PositionTarget

    priorities = set(
        PositionTarget.objects.exclude(weight=1, is_critical=False).values_list(
            "competency__code", "weight", "is_critical"
        )
    )
    assert priorities == {("GSH-02", 3, True), ("GSH-03", 3, True), ("GSH-01", 2, False), ("GSH-04", 2, False)}
    employee = User.objects.get(username=demo_data.DEMO_EMPLOYEE)
    report = employee_gaps(employee=employee, now=demo_present())
    assert (report.met, report.total) == (17, 23)
    assert report.rows[0].code == "GSH-02" and report.rows[0].gap == 1 and report.rows[1].gap == 2
    senior = next(nxt.position for nxt in path_place(position_id=employee.position_id).next_positions)
    match = Match.from_report(
        employee_gap_reports(employee=employee, positions=[senior], now=demo_present())[senior.pk]
    )
    assert (match.score_percent, match.met_weight, match.total_weight, match.met, match.total) == (26, 7, 26, 5, 20)
    assert match.unmet_critical == ("GSH-02",)
    recommended = set()
    for person in _employees():
        following = [nxt.position for nxt in path_place(position_id=person.position_id).next_positions]
        for report in employee_gap_reports(employee=person, positions=following, now=demo_present()).values():
            if Match.from_report(report).is_recommended:
                recommended.add((person.username, report.position.name))
    assert recommended == {
        ("andi.saputra", demo_data.SENIOR_OPERATOR),
        ("wulan.safitri", demo_data.SENIOR_OPERATOR),
        ("eko.prasetyo", demo_data.SHIFT_SUPERVISOR),
        ("dedi.kurniawan", demo_data.SR_SUPERVISOR),
        ("ratna.sari", demo_data.SECTION_HEAD),
    }
