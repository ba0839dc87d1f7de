"""The load harness's data (bench/load.py): the report's data set plus the people the harness signs in as.

`ensure_data()` reuses hrportal_bench when its marker (a comment on the database, see
_benchdb.py) names the current DATA_VERSION and size, applying any newer migrations; otherwise
it builds the report's data set (generate_report_data.py, about 1½ minutes) and adds:

- `bench.employee` (an existing employee renamed): 60 targets with levels and history, six
  IDP items in several statuses (drafted, submitted, approved and started through the IDP
  services), and a career path through their position;
- `bench.supervisor`: ten direct reports in the employee's position (bench.employee among
  them), one submitted item each waiting for approval;
- `bench.approver`: ten direct reports in another position, who own the pool of submitted items that the
  approval POST decides (`approval_pool()`, made afresh before each run);
- `bench.taker1` … `bench.taker8`: employees who take the published online assessment
  "Bench online test" (20 single-choice questions, a day's time limit, no attempt limit); the
  harness starts (or resumes) their attempt through the start page each run;
- a password (PASSWORD) for these and for the HC superuser `bench.hc`.

Bump DATA_VERSION whenever what this module or generate_report_data.py builds changes, so
the next run rebuilds instead of reusing an outdated set.
"""

from datetime import timedelta

import _benchdb

DATA_VERSION = 2
PASSWORD = "bench-pass"  # noqa: S105 - the bench database's own people, never a real account
EMPLOYEE = "bench.employee"
SUPERVISOR = "bench.supervisor"
APPROVER = "bench.approver"
TAKERS = tuple(f"bench.taker{n}" for n in range(1, 9))
ASSESSMENT_TITLE = "Bench online test"
QUESTIONS = 20
POOL_NOTE = "Bench approval pool"


def marker(employees: int) -> str:
    return f"hc-portal bench data v{DATA_VERSION}, {employees} employees"


def ensure_data(*, employees: int, rebuild: bool = False, say=print) -> str:
    """Make hrportal_bench hold the current data set of `employees` people; says what it did."""
    from django.core.management import call_command

    from hrportal.page_cache import bump_framework

    expected = marker(employees)
    found = _benchdb.database_marker()
    if found == expected and not rebuild:
        call_command("migrate", verbosity=0, interactive=False)
        # As in any portal HC has worked in: the framework's page stamp exists (the data is
        # loaded with COPY, past the doors that bump it), so the stamps query carries the
        # unread count (hrportal/page_cache.py) instead of a query of its own.
        bump_framework()
        return f"reused ({found})"
    import generate_report_data

    generate_report_data.generate(employees)
    say("adding the people the harness signs in as")
    add_people()
    bump_framework()
    _benchdb.set_database_marker(expected)
    return f"built ({expected})" + (f", replacing {found!r}" if found else "")


def add_people() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.db.models import Case, When
    from django.utils import timezone

    from assessments.models import AnswerOption, Assessment, Audience, Question, QuestionKind
    from assessments.services.question_bank import assessment_publish_problems
    from competencies.models import CareerPath, CareerPathStep, CompetencyLevel, PositionTarget
    from hrportal.models import Position, User
    from idp import services as idp
    from idp.models import ActivityType

    password = make_password(PASSWORD)  # hashed once: every bench login shares it
    with transaction.atomic():
        bench = User.objects.filter(username__startswith="bench0").order_by("username")
        employee = bench.first()
        # A team as a supervisor has one: people in one position (one heatmap of its 60
        # competencies), the employee's section first.
        team = [
            employee,
            *bench.filter(position=employee.position)
            .exclude(pk=employee.pk)
            .order_by(Case(When(section=employee.section, then=0), default=1), "username")[:9],
        ]
        other = bench.exclude(position=employee.position).first()
        queue = list(bench.filter(position=other.position)[:10])
        takers = list(bench.exclude(pk__in=[p.pk for p in (*team, *queue)])[: len(TAKERS)])
        employee.username = EMPLOYEE
        employee.first_name, employee.last_name = "Bench", "Employee"
        for person, name in zip(takers, TAKERS, strict=True):
            person.username = name
        for person in (employee, *takers):
            person.password = password
        User.objects.bulk_update([employee, *takers], ["username", "first_name", "last_name", "password"])
        User.objects.filter(username=_benchdb.HC_USERNAME).update(password=password)
        supervisors = {}
        for username, last_name in ((SUPERVISOR, "Supervisor"), (APPROVER, "Approver")):
            supervisors[username] = User.objects.create(
                username=username,
                first_name="Bench",
                last_name=last_name,
                email=f"{username}@bench.example",
                section=employee.section,
                position=employee.position,
                password=password,
            )
        User.objects.filter(pk__in=[p.pk for p in team]).update(supervisor=supervisors[SUPERVISOR])
        User.objects.filter(pk__in=[p.pk for p in queue]).update(supervisor=supervisors[APPROVER])

        # The career path: the employee's position, then two others.
        others = list(Position.objects.exclude(pk=employee.position_id).order_by("pk")[:2])
        path = CareerPath.objects.create(name="Bench career path", description="Operator to lead.")
        CareerPathStep.objects.bulk_create(
            CareerPathStep(path=path, position=position, order=order)
            for order, position in enumerate([employee.position, *others], start=1)
        )

        assessment = Assessment.objects.create(
            title=ASSESSMENT_TITLE,
            category="Online",
            time_limit_minutes=24 * 60,  # open for a day: bench/load.py resumes it run after run
            max_attempts=None,
            audience=Audience.EVERYONE,
        )
        competency_ids = list(
            PositionTarget.objects.filter(position_id=employee.position_id).values_list("competency_id", flat=True)
        )
        questions = Question.objects.bulk_create(
            Question(
                assessment=assessment,
                number=n,
                kind=QuestionKind.SINGLE,
                text=f"Bench question {n}: which answer is right?",
                competency_id=competency_ids[n % len(competency_ids)],
            )
            for n in range(1, QUESTIONS + 1)
        )
        AnswerOption.objects.bulk_create(
            AnswerOption(question=question, order=order, text=f"Answer {order + 1}", is_correct=order == 0)
            for question in questions
            for order in range(4)
        )
        problems = assessment_publish_problems(assessment)
        if problems:
            raise RuntimeError(f"{ASSESSMENT_TITLE}: {' '.join(problems)}")
        assessment.is_published = True
        assessment.save(update_fields=["is_published"])

    # The IDP items go through the services, as the pages write them (emails: EMAIL_URL, dummy in the harness).
    employee = User.objects.get(pk=employee.pk)
    supervisor = supervisors[SUPERVISOR]
    in_gap = [
        level.competency
        for level in CompetencyLevel.objects.filter(employee=employee).select_related("competency").order_by("pk")
    ][:6]
    target_date = timezone.localdate() + timedelta(weeks=12)
    for n, competency in enumerate(in_gap):
        item = idp.idp_item_create(
            employee=employee,
            competency=competency,
            activity_type=ActivityType.TRAINING,
            description=f"Bench development item {n + 1}",
            target_date=target_date,
            target_level=3,
            by=employee,
        )
        if n >= 1:
            item = idp.idp_item_submit(item=item, by=employee)
        if n >= 2:
            item = idp.idp_item_approve(item=item, by=supervisor, comment="Go ahead.")
        if n >= 4:
            item = idp.idp_item_start(item=item, by=employee)
    for person in team[1:]:
        person = User.objects.get(pk=person.pk)
        level = CompetencyLevel.objects.filter(employee=person).select_related("competency").first()
        item = idp.idp_item_create(
            employee=person,
            competency=level.competency,
            activity_type=ActivityType.TRAINING,
            description="Bench team item",
            target_date=target_date,
            target_level=3,
            by=person,
        )
        idp.idp_item_submit(item=item, by=person)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def report_summary_ready() -> str:
    """Make the organisation report's summary current (competencies.report_summary), as the
    background task would after the data changed: the harness runs no task worker, and the
    data set is loaded with COPY, past the services that queue the refresh. Says what it did."""
    import time

    from django.utils import timezone

    from competencies.report_summary import summary_refresh, summary_report

    state = summary_report(today=timezone.localdate())
    if not (state.live or state.behind):
        return f"current (as of {timezone.localtime(state.figures_at):%Y-%m-%d %H:%M})"
    started = time.perf_counter()
    summary_refresh()
    return f"refreshed in {time.perf_counter() - started:.1f} s"


def approval_pool(size: int) -> list[int]:
    """`size` items newly submitted to bench.approver (the previous run's pool is deleted first).

    Set-based, for speed: each item with the rows idp_item_submit writes (the item, its
    timeline row draft → submitted, a "to approve" notification to the approver), so that
    each approval POST does what deciding a real submission does.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from competencies.models import PositionTarget
    from hrportal.models import Notification, NotificationKind, User
    from hrportal.page_cache import bump_people
    from idp.models import ActivityType, IdpItem, IdpItemTransition, ItemStatus

    approver = User.objects.get(username=APPROVER)
    owners = list(User.objects.filter(supervisor=approver).order_by("pk"))
    targets = {
        owner.pk: list(
            PositionTarget.objects.filter(position_id=owner.position_id).values_list("competency_id", flat=True)
        )
        for owner in owners
    }
    item_type = ContentType.objects.get_for_model(IdpItem)
    now = timezone.now()
    with transaction.atomic():
        old = IdpItem.objects.filter(description=POOL_NOTE)
        Notification.objects.filter(about_type=item_type, about_id__in=old.values("pk")).delete()
        IdpItemTransition.objects.filter(item__in=old).delete()
        old.delete()
        items = IdpItem.objects.bulk_create(
            (
                IdpItem(
                    employee=owners[n % len(owners)],
                    competency_id=targets[owners[n % len(owners)].pk][n % 60],
                    target_level=1 + n % 5,
                    activity_type=ActivityType.TRAINING,
                    description=POOL_NOTE,
                    target_date=timezone.localdate() + timedelta(weeks=8),
                    status=ItemStatus.SUBMITTED,
                    submitted_at=now,
                )
                for n in range(size)
            ),
            batch_size=2_000,
        )
        IdpItemTransition.objects.bulk_create(
            (
                IdpItemTransition(
                    item=item, from_status=ItemStatus.DRAFT, to_status=ItemStatus.SUBMITTED, by=item.employee
                )
                for item in items
            ),
            batch_size=2_000,
        )
        Notification.objects.bulk_create(
            (
                Notification(
                    recipient=approver,
                    subject=f"IDP item to approve: {item.employee.get_full_name()}",
                    body=POOL_NOTE,
                    url=item.get_absolute_url(),
                    kind=NotificationKind.TO_APPROVE,
                    about_type=item_type,
                    about_id=item.pk,
                )
                for item in items
            ),
            batch_size=2_000,
        )
        # Written past the services, so their pages' cached fragments are told here (hrportal.page_cache).
        bump_people([approver.pk, *(owner.pk for owner in owners)])
    return [item.pk for item in items]


def approved_count(ids: list[int]) -> int:
    from idp.models import IdpItem, ItemStatus

    return IdpItem.objects.filter(pk__in=ids, status=ItemStatus.APPROVED).count()


def assessment_id() -> int:
    from assessments.models import Assessment

    return Assessment.objects.get(title=ASSESSMENT_TITLE).pk


def attempt_answers(attempt_id: int) -> tuple[int, str, str]:
    """(question position, option key, another option key) of the attempt's first question:
    the autosave POST alternates between the two, so each request changes an answer. The
    first key is not the answer saved now (a resumed attempt keeps the last run's)."""
    from assessments.models import AttemptQuestion

    question = AttemptQuestion.objects.filter(attempt_id=attempt_id).order_by("position").first()
    if question is None:
        raise RuntimeError(f"Attempt {attempt_id} has no questions.")
    first, second = question.options[0]["key"], question.options[1]["key"]
    if question.response == [first]:
        first, second = second, first
    return question.position, first, second


def representative_ids() -> dict[str, int]:
    """Ids the page URLs need: the employee (a report of the supervisor's) and a competency
    their position targets (the competency page)."""
    from competencies.models import PositionTarget
    from hrportal.models import User

    employee = User.objects.get(username=EMPLOYEE)
    target = PositionTarget.objects.filter(position_id=employee.position_id).order_by("competency_id").first()
    return {"employee": employee.pk, "competency": target.competency_id}
