"""The one list of pages a browser test visits, per role, on the demo organisation.

    seed_tour()                      # inside a transactional test: seed_demo and a few objects more
    for path in tour("supervisor"):  # paths with the seeded ids, resolved now
        page.goto(path)

Roles: "anonymous" (the pages before logging in), "employee", "supervisor" and "hc" (the portal's
HC pages and the admin pages HC uses daily); USERNAMES names each role's demo login (password
tests.browser.pages.DEMO_PASSWORD). The accessibility test and the phone-width test walk the
same tour, so a page added here is checked by both.
"""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hrportal import demo_data

ROLES = ("anonymous", "employee", "supervisor", "hc")
USERNAMES = {
    "employee": demo_data.DEMO_EMPLOYEE,
    "supervisor": demo_data.DEMO_SUPERVISOR,
    "hc": demo_data.DEMO_HC,
}


def seed_tour() -> None:
    """The demo organisation, plus what seed_demo leaves out and some pages need: demo.employee
    has an assessment attempt in progress, a finished one flagged for review (one tab switch),
    a draft IDP item and a submitted one waiting in demo.supervisor's approvals queue."""
    call_command("seed_demo", verbosity=0)

    from assessments.models import Assessment, FinishReason, IntegrityEventKind
    from assessments.services.attempts import attempt_finalise, attempt_start
    from assessments.services.integrity import EventReport, integrity_events_record
    from competencies.models import PositionTarget
    from hrportal.models import User
    from idp import services as idp_services
    from idp.models import ActivityType, IdpItem

    employee = User.objects.get(username=demo_data.DEMO_EMPLOYEE)
    online = list(Assessment.objects.published().filter(title__in=_online_titles()).order_by("title"))
    attempt_start(assessment=online[0], by=employee)
    finished = attempt_start(assessment=online[1], by=employee)
    tab_switch = EventReport(kind=IntegrityEventKind.TAB_HIDDEN, at=None, seconds_away=20)
    integrity_events_record(attempt=finished, events=[tab_switch], by=employee)
    attempt_finalise(attempt=finished, reason=FinishReason.SUBMITTED)

    in_plan = IdpItem.objects.filter(employee=employee).values("competency")
    targets = PositionTarget.objects.filter(position=employee.position).exclude(competency__in=in_plan)
    draft_target, submitted_target = targets.select_related("competency").order_by("competency__code")[:2]
    for target, submit in ((draft_target, False), (submitted_target, True)):
        item = idp_services.idp_item_create(
            employee=employee,
            competency=target.competency,
            activity_type=ActivityType.TRAINING,
            description="A half-day course with the site's trainer.",
            target_date=timezone.localdate() + timedelta(weeks=8),
            target_level=target.target_level,
            by=employee,
        )
        if submit:
            idp_services.idp_item_submit(item=item, by=employee)


def _online_titles() -> list[str]:
    return [spec["title"] for spec in demo_data.ONLINE_ASSESSMENTS]


def tour(role: str) -> list[str]:
    """The paths `role` visits, with the ids seed_tour() left in the database."""
    return _TOURS[role]()


def _anonymous() -> list[str]:
    return [
        reverse("login"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "not-a-token"}),
        reverse("password_reset_complete"),
        reverse("join"),
        reverse("join_sent"),
    ]


def _ids():
    """The seeded objects the tour's pages name."""
    from django.db.models import Count

    from assessments.models import Assessment, AssessmentResult, Attempt, AttemptStatus, CompetencyMapping
    from competencies.models import CompetencyLevel, CompetencyLevelHistory, PositionTarget
    from hrportal.models import JoinCode, User
    from idp.models import IdpItem, ItemStatus
    from learning.models import LearningObjective

    employee = User.objects.get(username=demo_data.DEMO_EMPLOYEE)
    attempts = Attempt.objects.filter(employee=employee, is_preview=False)
    items = IdpItem.objects.filter(employee=employee)
    return {
        "employee": employee.pk,
        "assessment": Assessment.objects.published().filter(title=demo_data.ONLINE_ASSESSMENTS[0]["title"]).get().pk,
        "open_attempt": attempts.filter(status=AttemptStatus.IN_PROGRESS).latest("pk").pk,
        "finished_attempt": attempts.filter(status=AttemptStatus.FINISHED).latest("pk").pk,
        "started_item": items.filter(status=ItemStatus.IN_PROGRESS).latest("pk").pk,
        "draft_item": items.filter(status=ItemStatus.DRAFT).latest("pk").pk,
        "target": (target := PositionTarget.objects.filter(position=employee.position).order_by("pk").first()).pk,
        "competency": target.competency_id,
        # The competency whose level changed most often: the longest evidence chain.
        "evidenced_competency": CompetencyLevelHistory.objects.filter(employee=employee)
        .values("competency")
        .annotate(changes=Count("pk"))
        .order_by("-changes", "competency")[0]["competency"],
        "mapping": CompetencyMapping.objects.order_by("pk").first().pk,
        "result": AssessmentResult.objects.filter(employee=employee).order_by("pk").first().pk,
        "level": CompetencyLevel.objects.filter(employee=employee).order_by("pk").first().pk,
        "objective": LearningObjective.objects.filter(plan__employee=employee).order_by("order").first().pk,
        "join_code": JoinCode.objects.order_by("pk").first().pk,
    }


def _signed_in(ids) -> list[str]:
    """The pages everyone who is signed in has."""
    return [
        reverse("competencies:my_gaps"),
        reverse("competencies:my_history"),
        reverse("competencies:my_competency", args=[ids["evidenced_competency"]]),
        reverse("competencies:career"),
        reverse("surveys:self_assessment"),
        reverse("idp:my_plan"),
        reverse("idp:item_new"),
        reverse("learning:my_plan"),
        reverse("learning:draft"),
        reverse("assessments:list"),
        reverse("assessments:detail", args=[ids["assessment"]]),
        reverse("notifications"),
        reverse("account"),
        reverse("password_change"),
    ]


def _past_day() -> str:
    """?as_of= a day some months back, where the demo's levels differ from today's: the gap
    pages as they stood then (banner, read-only)."""
    return f"?as_of={timezone.localdate() - timedelta(days=150):%Y-%m-%d}"


def _employee() -> list[str]:
    ids = _ids()
    return [
        *_signed_in(ids),
        reverse("competencies:my_gaps") + _past_day(),
        reverse("idp:item", args=[ids["started_item"]]),
        reverse("idp:item_edit", args=[ids["draft_item"]]),
        reverse("learning:objective_edit", args=[ids["objective"]]),
        reverse("assessments:attempt", args=[ids["open_attempt"]]),
        reverse("assessments:result", args=[ids["finished_attempt"]]),
        reverse("password_change_done"),
    ]


def _about_the_employee(ids) -> list[str]:
    """A supervisor's and HC's pages about demo.employee, and the team pages."""
    return [
        reverse("competencies:employee_gaps", args=[ids["employee"]]),
        reverse("competencies:employee_history", args=[ids["employee"]]),
        reverse("competencies:employee_competency", args=[ids["employee"], ids["evidenced_competency"]]),
        reverse("competencies:team"),
        reverse("competencies:team") + _past_day(),
        reverse("competencies:talent_search"),
        reverse("idp:approvals"),
        reverse("idp:employee_plan", args=[ids["employee"]]),
        reverse("learning:employee_plan", args=[ids["employee"]]),
        reverse("idp:item", args=[ids["started_item"]]),
    ]


def _supervisor() -> list[str]:
    ids = _ids()
    return [*_signed_in(ids), *_about_the_employee(ids), reverse("idp:delegations")]


def _survey_round() -> int:
    from surveys.models import SurveyRound

    return SurveyRound.objects.get(name=demo_data.SURVEY_ROUND).pk


def _admin(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def _hc() -> list[str]:
    ids = _ids()
    return [
        *_signed_in(ids),
        *_about_the_employee(ids),
        reverse("competencies:reports"),
        reverse("competencies:reports") + _past_day(),
        reverse("competencies:risk_report"),
        reverse("competencies:expiry_report"),
        reverse("maturity:overview"),
        reverse("maturity:answer"),
        reverse("surveys:rounds"),
        reverse("surveys:round", args=[_survey_round()]),
        reverse("assessments:review_queue"),
        reverse("assessments:review_attempt", args=[ids["finished_attempt"]]),
        _admin("index"),
        _admin("competencies_positiontarget_changelist"),
        _admin("competencies_positiontarget_change", ids["target"]),
        _admin("assessments_competencymapping_changelist"),
        _admin("assessments_competencymapping_change", ids["mapping"]),
        _admin("assessments_competencymapping_health"),
        _admin("assessments_competencymapping_reevaluate"),
        _admin("assessments_assessmentresult_changelist"),
        _admin("assessments_assessmentresult_change", ids["result"]),
        _admin("assessments_assessmentresult_void", ids["result"]),
        _admin("competencies_competencylevel_changelist"),
        _admin("competencies_competencylevel_change", ids["level"]),
        _admin("competencies_competencylevel_add"),
        _admin("idp_idpitem_changelist"),
        _admin("idp_idpitem_change", ids["started_item"]),
        _admin("assessments_assessmentresult_import"),
        _admin("assessments_resultimport_changelist"),
        _admin("hrportal_user_import_employees"),
        _admin("competencies_competency_import_matrix"),
        _admin("competencies_competency_import_descriptors"),
        _admin("assessments_assessment_import_questions", ids["assessment"]),
        _admin("competencies_competency_change", ids["competency"]),  # its targets, a tabular inline
        _admin("assessments_assessment_change", ids["assessment"]),  # its mappings, a tabular inline
        _admin("hrportal_user_changelist"),
        _admin("hrportal_approvaldelegation_changelist"),
        _admin("hrportal_approvaldelegation_add"),
        _admin("hrportal_joincode_changelist"),
        _admin("hrportal_joincode_add"),
        _admin("hrportal_joincode_change", ids["join_code"]),
        _admin("surveys_surveyround_changelist"),
        _admin("surveys_surveyround_add"),
        _admin("surveys_surveyround_change", _survey_round()),
        _admin("competencies_competency_changelist"),
        _admin("assessments_assessment_changelist"),
        _admin("maturity_maturityquestion_change", _first_maturity_question()),  # its answers, a tabular inline
        _admin("maturity_maturityassessment_changelist"),
        *_strategy_pages(),
    ]


def _strategy_pages() -> list[str]:
    """The strategies, one of them, and the preview of applying it to every position but demo.hc's own."""
    from hrportal.models import Position, User
    from strategies.models import Strategy

    strategy = Strategy.objects.order_by("pk").first()
    assert strategy is not None, "seed_demo loads the default strategies"
    own = User.objects.get(username=demo_data.DEMO_HC).position_id
    query = "&".join(f"positions={pk}" for pk in Position.objects.exclude(pk=own).values_list("pk", flat=True))
    return [
        reverse("strategies:list"),
        reverse("strategies:detail", args=[strategy.pk]),
        f"{reverse('strategies:preview', args=[strategy.pk])}?{query}",
        _admin("strategies_strategy_change", strategy.pk),
    ]


def _first_maturity_question() -> int:
    from maturity.models import MaturityQuestion

    return MaturityQuestion.objects.values_list("pk", flat=True).first()


_TOURS = {"anonymous": _anonymous, "employee": _employee, "supervisor": _supervisor, "hc": _hc}
