"""Every cell of hrportal/access_table.py, asked with real objects, and the table kept whole.

The data set is built once for the module, inside a transaction rolled back at its end;
each test runs in its own savepoint, so a request that changes something (a POST probe
by a role allowed to act) is undone before the next one.
"""

import importlib
import re
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, resolve, reverse
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentResult,
    Attempt,
    AttemptQuestion,
    CompetencyMapping,
    FinishReason,
    IntegrityEvent,
    ResultColumnMapping,
    ResultImport,
    ReviewStatus,
)
from assessments.services import result_record
from assessments.services.attempts import attempt_finalise, attempt_start
from competencies.models import (
    CareerPath,
    Competency,
    CompetencyLevel,
    CompetencyLevelHistory,
    PositionTarget,
    PositionTargetHistory,
)
from competencies.services import target_set
from hrportal.access_table import (
    NON_STAFF,
    PERSONAL_KINDS,
    POST_PROBES,
    ROLES,
    Kind,
    Outcome,
    Role,
    Route,
    all_routes,
)
from hrportal.models import (
    HC_GROUP_NAME,
    ApprovalDelegation,
    AuditEntry,
    JoinCode,
    Notification,
    PeriodicJob,
    Position,
    Section,
    SpreadsheetImport,
    TaskFailure,
    User,
)
from idp.models import IdpItem, IdpItemTransition, ItemStatus, SuggestionDismissal
from learning.models import LearningObjective, LearningPhase, LearningPlan
from learning.services import learning_plan_draft
from strategies.models import Strategy, StrategyTarget
from surveys.models import SelfRatingHistory
from surveys.services import self_rating_set, supervisor_rating_set
from tests.assessments.factories import AssessmentFactory, CompetencyMappingFactory, published_assessment
from tests.competencies.factories import CompetencyFactory, give_level
from tests.conftest import build_cast
from tests.hrportal.factories import JoinCodeFactory, UserFactory
from tests.idp.factories import IdpItemFactory
from tests.maturity.factories import questionnaire, record
from tests.surveys.factories import SurveyRoundFactory

pytestmark = pytest.mark.django_db

DOC = Path(django_settings.BASE_DIR) / "docs" / "access.md"
GET_ROUTES = [route for route in all_routes() if route.method == "GET"]
OBJECT_ROUTES = [route for route in all_routes() if route.kind in PERSONAL_KINDS and route.arg]
# A stranger's object, asked by someone who may see neither it nor its owner.
OUT_OF_SCOPE_ROLES = (Role.OWNER, Role.COLLEAGUE, Role.SUPERVISOR, Role.OTHER_SUPERVISOR)
MISSING_ID = 987_654
CSRF_TOKEN = re.compile(r'(?<=name="csrfmiddlewaretoken" value=")[^"]+')


@dataclass
class World:
    users: dict[Role, User | None]
    # Personal kinds: one object per owner ("owner", "hc_owner", "stranger"); shared kinds: "shared".
    objects: dict[tuple[Kind, str], models.Model]
    placeholders: dict[str, str]
    sessions: dict[Role, str]  # a signed-in session per role, made once (force_login costs a few writes)

    def obj(self, kind: Kind, role: Role) -> models.Model:
        if kind not in PERSONAL_KINDS:
            return self.objects[kind, "shared"]
        return self.objects[kind, "hc_owner" if role is Role.HC_OWNER else "owner"]


def _personal_objects(owner: User, competencies, assessment, recorder: User, online) -> dict[Kind, models.Model]:
    """One object of each personal kind, owned by `owner`."""
    draft = IdpItemFactory(employee=owner, competency=competencies[0], status=ItemStatus.DRAFT)
    submitted = IdpItemFactory(employee=owner, competency=competencies[1], status=ItemStatus.SUBMITTED)
    completed = IdpItemFactory(
        employee=owner,
        competency=competencies[2],
        status=ItemStatus.COMPLETED,
        evidence_note="Certificate attached.",
        evidence_file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 certificate"),
    )
    give_level(owner, competencies[0], 1)
    recorded = result_record(
        employee=owner,
        assessment=assessment,
        score=85,
        completed_at=timezone.now() - timedelta(days=3),
        recorded_by=recorder,
    )
    finished = attempt_finalise(attempt=attempt_start(assessment=online[1], by=owner), reason=FinishReason.SUBMITTED)
    Attempt.objects.filter(pk=finished.pk).update(review_status=ReviewStatus.FLAGGED, integrity_points=12)
    open_attempt = attempt_start(assessment=online[0], by=owner)
    notification = Notification.objects.create(recipient=owner, subject="Your item", body="Something happened.")
    audit_entry = AuditEntry.objects.get_for_object(draft).first()
    assert audit_entry is not None
    self_rating_set(employee=owner, competency=competencies[0], level=4, by=owner)
    self_rating = owner.self_ratings.get()
    supervisor_rating = supervisor_rating_set(
        employee=owner, competency=competencies[0], level=2, comment="Ask me.", by=owner.supervisor
    )
    plan = learning_plan_draft(employee=owner, by=owner)
    return {
        Kind.EMPLOYEE: owner,
        Kind.DRAFT_ITEM: draft,
        Kind.SUBMITTED_ITEM: submitted,
        Kind.EVIDENCE: completed,
        Kind.NOTIFICATION: notification,
        Kind.LEVEL: CompetencyLevel.objects.get(employee=owner, competency=competencies[0]),
        Kind.LEVEL_HISTORY: CompetencyLevelHistory.objects.get(employee=owner, competency=competencies[0]),
        Kind.RESULT: recorded.result,
        Kind.AUDIT_ENTRY: audit_entry,
        Kind.OPEN_ATTEMPT: open_attempt,
        Kind.FINISHED_ATTEMPT: Attempt.objects.get(pk=finished.pk),
        Kind.SELF_RATING: self_rating,
        Kind.SELF_RATING_HISTORY: SelfRatingHistory.objects.get(employee=owner),
        Kind.SUPERVISOR_RATING: supervisor_rating,
        Kind.LEARNING_OBJECTIVE: plan.objectives.order_by("order").first(),
    }


def _build_world() -> World:
    cast = build_cast()
    superuser = UserFactory(
        username="superuser", is_staff=True, is_superuser=True, position=None, section=None, employee_number=None
    )
    third_supervisor = UserFactory(username="third_supervisor", position=cast.supervisor.position)
    stranger = UserFactory(username="stranger", position=cast.employee.position, supervisor=third_supervisor)

    competencies = [CompetencyFactory() for _ in range(3)]
    for competency in competencies:
        target_set(position=cast.employee.position, competency=competency, level=3, by=None, note="set-up")
    assessment = AssessmentFactory()
    mapping = CompetencyMappingFactory(competency=competencies[1], category=assessment.category)
    # Online: one to start (each owner's attempt in progress), one each owner has finished.
    online = (published_assessment(questions=2, title="Online check"), published_assessment(title="Finished check"))

    strategy = Strategy.objects.create(name="Depth")
    StrategyTarget.objects.create(strategy=strategy, skill_group=competencies[0].group, target_level=4)

    maturity_questions = questionnaire(2)
    maturity_assessment = record(maturity_questions, cast.hc, 3, 1)
    objects: dict[tuple[Kind, str], models.Model] = {}
    for owner_key, owner in (("owner", cast.employee), ("hc_owner", cast.hc_employee), ("stranger", stranger)):
        for kind, obj in _personal_objects(owner, competencies, assessment, cast.hc, online).items():
            objects[kind, owner_key] = obj
    access = {"username": "employee", "ip_address": "10.0.0.1", "user_agent": "probe", "http_accept": "*/*"}
    shared: dict[Kind, models.Model] = {
        Kind.GROUP: Group.objects.get(name=HC_GROUP_NAME),
        Kind.ACCESS_ATTEMPT: AccessAttempt.objects.create(
            **access, path_info="/accounts/login/", get_data="", post_data="", failures_since_start=1
        ),
        Kind.ACCESS_LOG: AccessLog.objects.create(**access, path_info="/accounts/login/"),
        Kind.ACCESS_FAILURE: AccessFailureLog.objects.create(**access, path_info="/accounts/login/", locked_out=False),
        Kind.SECTION: Section.objects.get(name="Production"),
        Kind.POSITION: Position.objects.get(name="Operator"),
        Kind.SKILL_GROUP: competencies[0].group,
        Kind.COMPETENCY: competencies[0],
        Kind.TARGET: PositionTarget.objects.filter(competency=competencies[0]).get(),
        Kind.TARGET_HISTORY: PositionTargetHistory.objects.filter(competency=competencies[0]).get(),
        Kind.CAREER_PATH: CareerPath.objects.create(name="Operator track"),
        Kind.ASSESSMENT: assessment,
        Kind.MAPPING: mapping,
        Kind.RESULT_IMPORT: ResultImport.objects.create(file_name="grades.csv", shape="wide", imported_by=cast.hc),
        Kind.ONLINE_ASSESSMENT: online[0],
        Kind.QUESTION: online[0].questions.first(),
        Kind.SUPERUSER_ACCOUNT: superuser,
        Kind.APPROVER_ACCOUNT: cast.hc_employee.supervisor,
        Kind.STRATEGY: strategy,
        Kind.JOIN_CODE: JoinCodeFactory(),
        Kind.MATURITY_QUESTION: maturity_questions[0],
        Kind.MATURITY_ASSESSMENT: maturity_assessment,
        Kind.DELEGATION: ApprovalDelegation.objects.create(
            delegator=cast.supervisor,
            delegate=UserFactory(username="delegate"),
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=7),
        ),
        Kind.SURVEY_ROUND: SurveyRoundFactory(created_by=cast.hc, sections=[cast.employee.section]),
        Kind.TASK_FAILURE: TaskFailure.objects.create(
            task_path="hrportal.notifications.email_send", description="x@example.com", error="E", attempts=5
        ),
        Kind.SCHEDULED_JOB: PeriodicJob.objects.create(name="purge_audit", last_slot="2026-12-04"),
        Kind.SPREADSHEET_IMPORT: SpreadsheetImport.objects.create(
            model=ContentType.objects.get_for_model(User),
            importer="employees",
            file_name="people.csv",
            imported_by=cast.hc,
        ),
    }
    objects.update({(kind, "shared"): obj for kind, obj in shared.items()})
    users: dict[Role, User | None] = {
        Role.ANONYMOUS: None,
        Role.OWNER: cast.employee,
        Role.COLLEAGUE: cast.colleague,
        Role.SUPERVISOR: cast.supervisor,
        Role.OTHER_SUPERVISOR: cast.other_supervisor,
        Role.HC: cast.hc,
        Role.HC_OWNER: cast.hc_employee,
        Role.SUPERUSER: superuser,
    }
    placeholders = {
        "idp_item_type": str(ContentType.objects.get_for_model(IdpItem).pk),
        "competency": str(competencies[0].pk),
        "unlevelled": str(competencies[2].pk),
        "assessment": str(assessment.pk),
        "owner": str(cast.employee.pk),
        "position": str(cast.employee.position.pk),
    }
    sessions = {}
    for role, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return World(users=users, objects=objects, placeholders=placeholders, sessions=sessions)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with django_db_blocker.unblock(), fast:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _url(route: Route, world: World, obj_id: int | None) -> str:
    kwargs = {name: value.format(**world.placeholders) for name, value in route.kwargs.items()}
    if route.arg and obj_id is not None:
        kwargs[route.arg] = str(obj_id)
    namespace, _, name = route.key.partition(":")
    if "/" in name or "$" in name:
        # An unnamed admin route: its pattern below the admin's own prefix.
        path = name.replace("<path:object_id>", kwargs.get("object_id", ""))
        path = path.replace("(?P<url>.*)$", kwargs.get("url", ""))
        url = reverse(f"{namespace}:index") + path
    else:
        url = reverse(route.key, kwargs=kwargs)
    return f"{url}?{route.query.format(**world.placeholders)}" if route.query else url


def _client_for(world: World, role: Role, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if role in world.sessions:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def _data(route: Route, world: World, role: Role, obj_id: int | None) -> dict[str, str]:
    viewer = world.users[role]
    values = {"id": obj_id, "viewer": viewer.pk if viewer else "", **world.placeholders}
    # Names too: a form field may be named after an object ("level_{competency}").
    return {name.format(**values): value.format(**values) for name, value in route.data.items()}


# What a refused POST must leave alone; audit entries may be added (refusals are audited), never changed.
SNAPSHOT_MODELS = (
    User,
    Group,
    Section,
    Position,
    IdpItem,
    IdpItemTransition,
    SuggestionDismissal,
    Notification,
    CompetencyLevel,
    CompetencyLevelHistory,
    AssessmentResult,
    ResultImport,
    ResultColumnMapping,
    Assessment,
    Attempt,
    AttemptQuestion,
    IntegrityEvent,
    CompetencyMapping,
    Competency,
    PositionTarget,
    PositionTargetHistory,
    CareerPath,
    AccessAttempt,
    Strategy,
    StrategyTarget,
    LearningPlan,
    LearningPhase,
    LearningObjective,
    JoinCode,
)


def _snapshot() -> dict[str, list]:
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}
    for row in rows["User"]:
        row.pop("last_login")
    rows["AuditEntry"] = list(AuditEntry.objects.order_by("pk").values())
    return rows


def _assert_unchanged(before: dict[str, list], after: dict[str, list]) -> None:
    audit_before, audit_after = before.pop("AuditEntry"), after.pop("AuditEntry")
    assert audit_after[: len(audit_before)] == audit_before
    assert after == before


def _assert_outcome(response, expected: Outcome) -> None:
    assert response.status_code == expected.status, getattr(response, "url", "")
    if expected.status == 302 and expected.to:
        assert resolve(urlsplit(response.url).path).view_name == expected.to, response.url


def _acts(route: Route, role: Role, expected: Outcome) -> bool:
    """May this POST change something? Only when answered with a redirect to a page of the site."""
    return expected.status == 302 and not expected.is_sign_in and role not in route.changes_nothing_for


def _ask(route: Route, role: Role, world: World, obj_id: int | None, expected: Outcome, *, csrf=False) -> None:
    client = _client_for(world, role, csrf=csrf)
    url = _url(route, world, obj_id)
    if route.method == "GET":
        _assert_outcome(client.get(url), expected)
        return
    before = _snapshot()
    response = client.post(url, _data(route, world, role, obj_id))
    _assert_outcome(response, expected)
    if csrf or not _acts(route, role, expected):
        _assert_unchanged(before, _snapshot())
        assert mail.outbox == []


def _cells(routes: list[Route]):
    for route in routes:
        for role, outcome in route.outcomes.items():
            yield pytest.param(route, role, outcome, id=f"{route.label}-{role}")


@pytest.mark.parametrize(("route", "role", "expected"), list(_cells(GET_ROUTES)))
def test_every_page_answers_each_role_as_the_table_says(world, route, role, expected):
    obj = world.obj(route.kind, role) if route.kind else None
    _ask(route, role, world, obj.pk if obj else None, expected)


@pytest.mark.parametrize(("route", "role", "expected"), list(_cells(list(POST_PROBES))))
def test_every_post_probe_answers_as_the_table_says_and_a_refusal_changes_nothing(world, route, role, expected):
    obj = world.obj(route.kind, role) if route.kind else None
    _ask(route, role, world, obj.pk if obj else None, expected)


def _stranger_cells():
    for route in OBJECT_ROUTES:
        outcomes = route.outcomes
        portal = not route.key.startswith("admin:")
        for role in ROLES:
            # The admin refuses non-staff whatever the id (the grid asks that).
            if role is Role.ANONYMOUS or (not portal and role in NON_STAFF):
                continue
            # HC sees everyone; an HC member is not the stranger's owner, so answers as HC.
            as_role = Role.HC if role is Role.HC_OWNER else role
            expected = outcomes[as_role]
            refused_first = route.refused_by_role_first and expected.status == 403
            if portal and role in OUT_OF_SCOPE_ROLES and expected.status != 405 and not refused_first:
                expected = Outcome(404)
            yield pytest.param(route, role, expected, id=f"{route.label}-{role}")


@pytest.mark.parametrize(("route", "role", "expected"), list(_stranger_cells()))
def test_another_persons_id_leaks_nothing(world, route, role, expected):
    """A stranger (nobody's report here) is outside every scope but HC's: their ids answer 404."""
    stranger_object = world.objects[route.kind, "stranger"]
    _ask(route, role, world, stranger_object.pk, expected)


def _page(response) -> str:
    """The body without what differs on every request (the CSRF token)."""
    return CSRF_TOKEN.sub("csrf", response.content.decode())


@pytest.mark.parametrize(
    ("route", "role"),
    [
        pytest.param(route, role, id=f"{route.label}-{role}")
        for route in OBJECT_ROUTES
        if not route.key.startswith("admin:")
        for role in ROLES
        if role is not Role.ANONYMOUS and route.outcomes[role].status != 405
    ],
)
def test_an_id_that_does_not_exist_answers_like_one_out_of_scope(world, route, role):
    refused_first = route.refused_by_role_first and role in OUT_OF_SCOPE_ROLES and route.outcomes[role].status == 403
    _ask(route, role, world, MISSING_ID, Outcome(403) if refused_first else Outcome(404))
    if role in OUT_OF_SCOPE_ROLES:
        # Not even the page tells them apart.
        client = _client_for(world, role)
        ask = client.get if route.method == "GET" else client.post
        stranger_id = world.objects[route.kind, "stranger"].pk
        assert _page(ask(_url(route, world, stranger_id))) == _page(ask(_url(route, world, MISSING_ID)))


@pytest.mark.parametrize(
    ("route", "role"),
    [
        pytest.param(route, role, id=f"{route.label}-{role}")
        for route in POST_PROBES
        for role, outcome in route.outcomes.items()
        if _acts(route, role, outcome)
    ],
)
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(world, route, role):
    obj = world.obj(route.kind, role) if route.kind else None
    _ask(route, role, world, obj.pk if obj else None, Outcome(403), csrf=True)


@pytest.mark.parametrize("role", [role for role in NON_STAFF if role is not Role.ANONYMOUS])
def test_the_admin_refuses_signed_in_people_who_are_not_staff_with_403(world, role):
    response = _client_for(world, role).get(reverse("admin:index"))
    assert response.status_code == 403


def _urlconf_keys(patterns, namespace: str | None = None, relative: str = "") -> set[str]:
    """Every route of the URLconf: its name, or an unnamed one's pattern below its namespace."""
    keys: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace:
                nested = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                keys |= _urlconf_keys(pattern.url_patterns, nested, "")
            else:
                keys |= _urlconf_keys(pattern.url_patterns, namespace, relative + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = pattern.name or relative + str(pattern.pattern)
            keys.add(f"{namespace}:{name}" if namespace else name)
    return keys


def test_the_table_lists_every_route_of_the_urlconf_and_nothing_else():
    in_urlconf = _urlconf_keys(get_resolver().url_patterns)
    in_table = {route.key for route in GET_ROUTES}
    assert sorted(in_urlconf - in_table) == [], "routes missing from hrportal/access_table.py"
    assert sorted(in_table - in_urlconf) == [], "routes in hrportal/access_table.py that no longer exist"
    assert {route.key for route in POST_PROBES} <= in_urlconf


def test_the_table_holds_whatever_the_admins_prefix(world):
    """Rows name admin routes below the admin's prefix, so ADMIN_URL changes none of them."""
    import hrportal.urls

    try:
        with override_settings(ADMIN_URL="backoffice/"):
            importlib.reload(hrportal.urls)
            clear_url_caches()
            assert reverse("admin:index") == "/backoffice/"
            assert _urlconf_keys(get_resolver().url_patterns) == {route.key for route in GET_ROUTES}
            hc = _client_for(world, Role.HC)
            assert hc.get("/backoffice/").status_code == 200
            assert hc.get("/admin/").status_code == 404
    finally:
        importlib.reload(hrportal.urls)
        clear_url_caches()


def test_every_row_states_a_known_outcome_for_every_role():
    for route in all_routes():
        assert set(route.outcomes) == set(ROLES), route.key
        assert bool(route.kind) >= bool(route.arg), f"{route.key}: an argument needs an object kind"
        if route.key.startswith("admin:") and route.key != "admin:login":
            # The admin shows nothing to non-staff: anonymous people go to its login page,
            # signed-in ones get 403 (hrportal.admin_site).
            assert route.outcomes[Role.ANONYMOUS].status == 302, route.key
            assert {route.outcomes[role].status for role in NON_STAFF if role is not Role.ANONYMOUS} <= {403}, route.key


def test_the_access_document_is_current():
    try:
        call_command("access_table", "--check", str(DOC), stdout=StringIO())
    except CommandError as error:
        pytest.fail(f"{error} Run `python manage.py access_table --write docs/access.md`.")
