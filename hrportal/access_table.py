"""Who may open which page: every route of the URLconf × every role, with the expected outcome.

Data only. PRODUCT.md's scope rules, written out cell by cell: an object outside the viewer's
scope answers 404 (ids leak nothing), a page the viewer's role may not use answers 403.
tests/hrportal/test_access_table.py requests every cell with real objects and fails when the
URLconf has a route this table does not list (or the other way round); `manage.py
access_table --write docs/access.md` renders the table for people.

Adding a route is one line: a `Route` in PORTAL_ROUTES or ADMIN_SITE_ROUTES, a `POST` probe if
it changes something, or an `AdminModel` (or an `extra` entry of one) for the admin.

A row's cells are eight tokens, one per role in ROLES order:

    200 400 403 404 405   that status
    login                 302 to the portal's login page (with ?next=)
    admin                 302 to the admin's login page (with ?next=)
    302>NAME              302 to the page whose URL name is NAME (any arguments)
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Who asks, relative to the object a URL names ("the owner" owns it)."""

    ANONYMOUS = "anonymous"
    OWNER = "employee"  # the employee who owns the object
    COLLEAGUE = "colleague"  # same supervisor as the owner, not the owner
    SUPERVISOR = "supervisor"  # the owner's supervisor
    OTHER_SUPERVISOR = "other_supervisor"  # supervises someone else, not the owner
    HC = "hc"  # HC staff, not the owner
    HC_OWNER = "hc_owner"  # an HC member asking about their own object (a copy owned by them)
    SUPERUSER = "superuser"


ROLES: tuple[Role, ...] = tuple(Role)
# Nobody here is staff: the admin sends the anonymous to its login page and refuses the others (403).
NON_STAFF: tuple[Role, ...] = (Role.ANONYMOUS, Role.OWNER, Role.COLLEAGUE, Role.SUPERVISOR, Role.OTHER_SUPERVISOR)


class Kind(StrEnum):
    """The object a URL's argument names. PERSONAL kinds belong to one employee: the test builds
    one for the owner, one for the HC owner and one for a stranger (nobody's report)."""

    EMPLOYEE = "employee"  # the person: gap dashboard, history, plan; the admin's user pages
    DRAFT_ITEM = "draft IDP item"
    SUBMITTED_ITEM = "submitted IDP item"
    EVIDENCE = "completed IDP item with an evidence file"
    NOTIFICATION = "notification"
    LEVEL = "competency level"
    LEVEL_HISTORY = "level history row"
    RESULT = "assessment result"
    AUDIT_ENTRY = "audit entry about the owner's IDP item"
    OPEN_ATTEMPT = "online attempt in progress"
    FINISHED_ATTEMPT = "finished online attempt, flagged for review"
    SELF_RATING = "self-rating"
    SELF_RATING_HISTORY = "self-rating history row"
    SUPERVISOR_RATING = "supervisor rating (by the owner's supervisor)"
    # Organisation and framework data: one object, nobody's own.
    GROUP = "group"
    ACCESS_ATTEMPT = "login attempt"
    ACCESS_LOG = "login log"
    ACCESS_FAILURE = "failed login"
    SECTION = "section"
    POSITION = "position"
    SKILL_GROUP = "skill group"
    COMPETENCY = "competency"
    TARGET = "position target"
    TARGET_HISTORY = "target history row"
    CAREER_PATH = "career path"
    ASSESSMENT = "assessment"
    ONLINE_ASSESSMENT = "published online assessment, open to everyone"
    QUESTION = "question of an assessment's bank"
    MAPPING = "assessment–competency mapping"
    RESULT_IMPORT = "results import (a file imported, or being imported)"
    SUPERUSER_ACCOUNT = "a superuser's account"
    APPROVER_ACCOUNT = "the account of the HC owner's own supervisor"
    DELEGATION = "the supervisor's delegation of their approvals (to someone outside the roles)"
    STRATEGY = "qualification strategy (every position: Operator level 4 in the test's competencies)"
    LEARNING_OBJECTIVE = "objective of a learning plan"
    JOIN_CODE = "join code"
    MATURITY_QUESTION = "maturity questionnaire question, with its answers"
    MATURITY_ASSESSMENT = "recorded maturity assessment"
    SURVEY_ROUND = "self-assessment round of the owner's section"
    TASK_FAILURE = "background task that failed for good"
    SCHEDULED_JOB = "scheduled job"
    SPREADSHEET_IMPORT = "spreadsheet import (employees, matrix or descriptors) confirmed in the admin"


PERSONAL_KINDS = frozenset(
    {
        Kind.EMPLOYEE,
        Kind.DRAFT_ITEM,
        Kind.SUBMITTED_ITEM,
        Kind.EVIDENCE,
        Kind.NOTIFICATION,
        Kind.LEVEL,
        Kind.LEVEL_HISTORY,
        Kind.RESULT,
        Kind.AUDIT_ENTRY,
        Kind.OPEN_ATTEMPT,
        Kind.FINISHED_ATTEMPT,
        Kind.SELF_RATING,
        Kind.SELF_RATING_HISTORY,
        Kind.SUPERVISOR_RATING,
        Kind.LEARNING_OBJECTIVE,
    }
)


@dataclass(frozen=True)
class Outcome:
    status: int
    to: str | None = None  # for a 302: the URL name it leads to

    @classmethod
    def parse(cls, cell: str) -> "Outcome":
        if cell == "login":
            return cls(302, "login")
        if cell == "admin":
            return cls(302, "admin:login")
        if cell.startswith("302>"):
            return cls(302, cell.removeprefix("302>"))
        if cell in {"200", "400", "403", "404", "405"}:
            return cls(int(cell))
        raise ValueError(f"Unknown outcome {cell!r}")

    @property
    def is_sign_in(self) -> bool:
        return self.to in {"login", "admin:login"}

    def __str__(self) -> str:
        if self.to == "login":
            return "302 login"
        if self.to == "admin:login":
            return "302 admin login"
        return f"302 → {self.to}" if self.to else str(self.status)


@dataclass(frozen=True)
class Route:
    """One request: a URL (by name) asked by each role, and what each role gets."""

    # The URL name ("idp:item"), or for an unnamed route "namespace:pattern" with the pattern
    # relative to the namespace ("admin:hrportal/user/<path:object_id>/").
    key: str
    cells: str  # eight outcome tokens, in ROLES order
    kind: Kind | None = None  # the object the URL's argument names
    arg: str = ""  # that argument's name ("user_id"); "" when there is no object
    kwargs: dict[str, str] = field(default_factory=dict)  # fixed arguments
    query: str = ""
    method: str = "GET"
    # The POST body; "{id}" stands for the object's id, "{viewer}" for the asker's, "{owner}" for
    # the owner's, "{competency}", "{unlevelled}" (nobody has a level in it) and "{assessment}"
    # for those the test's objects use; field names take them too ("level_{competency}").
    data: dict[str, str] = field(default_factory=dict)
    # Roles whose POST is answered with a redirect to a page yet must change nothing (a bulk
    # action that skips what the asker may not do).
    changes_nothing_for: tuple[Role, ...] = ()
    # A page of one role (HC's review): everyone else gets 403 before any id is looked at, so
    # an id outside their scope or one that does not exist answers the same 403 (ids leak nothing).
    refused_by_role_first: bool = False
    note: str = ""

    @property
    def outcomes(self) -> dict[Role, Outcome]:
        tokens = self.cells.split()
        if len(tokens) != len(ROLES):
            raise ValueError(f"{self.key}: {len(tokens)} cells for {len(ROLES)} roles")
        return {role: Outcome.parse(cell) for role, cell in zip(ROLES, tokens, strict=True)}

    @property
    def label(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{self.method} {self.key}" + (f"[{extra}]" if extra else "") + (f"?{self.query}" if self.query else "")


S = "login 200 200 200 200 200 200 200"  # any signed-in person: their own page
NOT_GET = "login 405 405 405 405 405 405 405"  # POST only (login_required first)
PUBLIC = "200 200 200 200 200 200 200 200"
SUPERVISORS_AND_HC = "login 403 403 200 200 200 200 200"  # `employee` and `colleague` supervise nobody
HC_ONLY = "login 403 403 403 403 200 200 200"
# The owner and whoever may see the owner's data: their supervisor and HC. Colleagues and other
# supervisors get 404: the object is outside their scope.
OWNER_SCOPE = "login 200 404 200 404 200 200 200"
# The person taking an attempt (the owner, or the HC owner for their own copy); 404 for everyone else.
TAKER_ONLY = "login 200 404 404 404 404 200 404"
# The first five cells of every admin page: the anonymous to the admin's login page, signed-in
# people who are not staff 403 (hrportal.admin_site).
NOT_STAFF = "admin 403 403 403 403"

PORTAL_ROUTES: tuple[Route, ...] = (
    Route("home", "login 302>competencies:my_gaps " + " ".join(["302>competencies:my_gaps"] * 6)),
    Route("healthz", PUBLIC, note="for load balancers: no login; 503 while the database is down"),
    Route(
        "bench_bare",
        "login 404 404 404 404 404 404 404",
        note="the load harness's yardstick: 404 unless BENCH_ENDPOINTS is on (bench/load.py turns it on)",
    ),
    Route("notifications", S),
    Route("notification_read", NOT_GET, Kind.NOTIFICATION, "notification_id"),
    Route("notifications_read_all", NOT_GET),
    Route("notification_archive", NOT_GET, Kind.NOTIFICATION, "notification_id"),
    Route("notifications_archive_read", NOT_GET),
    # Accounts (Django's auth views; the portal's password reset form first).
    Route("login", PUBLIC),
    Route("logout", "405 405 405 405 405 405 405 405", note="POST only, for everyone"),
    Route("password_change", S),
    Route("password_change_done", S),
    Route("password_reset", PUBLIC, note="the portal's form; Django's own route of that name is shadowed"),
    Route("password_reset_done", PUBLIC),
    Route(
        "password_reset_confirm",
        PUBLIC,
        kwargs={"uidb64": "MQ", "token": "not-a-token"},
        note="an invalid link: the page says so",
    ),
    Route("password_reset_complete", PUBLIC),
    Route("join", PUBLIC, note="a signed-in person is told they are signed in, and gets no form"),
    Route("join_sent", PUBLIC),
    Route("account", S),
    Route("account_digests", NOT_GET),
    Route(
        "language_set", "405 405 405 405 405 405 405 405", note="POST only, for everyone (the login page's switch too)"
    ),
    # Gaps, history, team, career, reports.
    Route("competencies:my_gaps", S),
    Route("competencies:employee_gaps", OWNER_SCOPE, Kind.EMPLOYEE, "user_id"),
    Route("competencies:team", SUPERVISORS_AND_HC),
    Route("competencies:my_competency", S, kwargs={"competency_id": "{competency}"}),
    Route(
        "competencies:employee_competency",
        OWNER_SCOPE,
        Kind.EMPLOYEE,
        "user_id",
        kwargs={"competency_id": "{competency}"},
        note="404 as well for a competency that does not exist",
    ),
    Route("competencies:my_history", S),
    Route("competencies:employee_history", OWNER_SCOPE, Kind.EMPLOYEE, "user_id"),
    Route("competencies:career", S),
    Route("competencies:talent_search", SUPERVISORS_AND_HC),
    Route("competencies:reports", HC_ONLY),
    Route("competencies:reports_export", HC_ONLY, query="table=section&format=csv"),
    Route("competencies:risk_report", HC_ONLY),
    Route("competencies:expiry_report", HC_ONLY),
    Route("competencies:expiry_report", HC_ONLY, query="format=csv"),
    # Development plans.
    # Self-assessment.
    Route("surveys:self_assessment", S, note="one's own ratings: everyone rates only themselves"),
    Route("surveys:supervisor_rating", NOT_GET, Kind.EMPLOYEE, "user_id", kwargs={"competency_id": "{competency}"}),
    Route("idp:my_plan", S),
    Route("idp:item_new", S),
    Route("idp:approvals", SUPERVISORS_AND_HC),
    Route(
        "idp:delegations",
        "login 403 403 200 200 403 403 403",
        note="people with direct reports delegate their approvals; HC's own approvals are not delegated",
    ),
    Route("idp:delegation_end", NOT_GET, Kind.DELEGATION, "delegation_id"),
    Route(
        "idp:employee_plan",
        "login 302>idp:my_plan 404 200 404 200 302>idp:my_plan 200",
        Kind.EMPLOYEE,
        "user_id",
        note="one's own id leads to one's own plan",
    ),
    Route("idp:suggestion_accept", NOT_GET, Kind.COMPETENCY, "competency_id"),
    Route("idp:suggestion_dismiss", NOT_GET, Kind.COMPETENCY, "competency_id"),
    Route("idp:item", OWNER_SCOPE, Kind.DRAFT_ITEM, "item_id"),
    Route(
        "idp:item_edit",
        "login 200 404 403 404 403 200 403",
        Kind.DRAFT_ITEM,
        "item_id",
        note="only the owner edits; others who may see the item get 403",
    ),
    Route("idp:item_evidence", OWNER_SCOPE, Kind.EVIDENCE, "item_id"),
    Route("idp:item_action", NOT_GET, Kind.DRAFT_ITEM, "item_id", kwargs={"action": "submit"}),
    # Learning plans: the owner's to draft and edit; their supervisor and HC read them.
    Route("learning:my_plan", S),
    Route("learning:draft", S, note="what drafting does, or what replacing the plan would lose"),
    Route(
        "learning:employee_plan",
        "login 302>learning:my_plan 404 200 404 200 302>learning:my_plan 200",
        Kind.EMPLOYEE,
        "user_id",
        note="read-only; one's own id leads to one's own plan",
    ),
    Route(
        "learning:objective_edit",
        "login 200 404 403 404 403 200 403",
        Kind.LEARNING_OBJECTIVE,
        "objective_id",
        note="only the owner edits; others who may see the plan get 403",
    ),
    Route("learning:objective_delete", NOT_GET, Kind.LEARNING_OBJECTIVE, "objective_id"),
    Route("learning:objective_to_idp_item", NOT_GET, Kind.LEARNING_OBJECTIVE, "objective_id"),
    # Online assessments: an attempt is its taker's alone, even for HC (who review, never take for anyone).
    Route("assessments:list", S),
    Route("assessments:detail", S, Kind.ONLINE_ASSESSMENT, "assessment_id"),
    Route("assessments:start", NOT_GET, Kind.ONLINE_ASSESSMENT, "assessment_id"),
    Route("assessments:preview", NOT_GET, Kind.ONLINE_ASSESSMENT, "assessment_id"),
    Route("assessments:attempt", TAKER_ONLY, Kind.OPEN_ATTEMPT, "attempt_id"),
    Route("assessments:answer", NOT_GET, Kind.OPEN_ATTEMPT, "attempt_id"),
    Route("assessments:submit", NOT_GET, Kind.OPEN_ATTEMPT, "attempt_id"),
    Route("assessments:events", NOT_GET, Kind.OPEN_ATTEMPT, "attempt_id"),
    Route(
        "assessments:result",
        TAKER_ONLY,
        Kind.FINISHED_ATTEMPT,
        "attempt_id",
        note="HC see others' attempts on the review pages",
    ),
    Route("assessments:review_queue", HC_ONLY),
    Route(
        "assessments:review_attempt",
        "login 403 403 403 403 200 403 200",
        Kind.FINISHED_ATTEMPT,
        "attempt_id",
        refused_by_role_first=True,
        note="HC never review their own attempt",
    ),
    Route("assessments:review_clear", NOT_GET, Kind.FINISHED_ATTEMPT, "attempt_id", refused_by_role_first=True),
    Route("assessments:review_void", NOT_GET, Kind.FINISHED_ATTEMPT, "attempt_id", refused_by_role_first=True),
    # Qualification strategies: HC's; the targets of one's own position are for another HC member.
    Route("strategies:list", HC_ONLY),
    Route("strategies:detail", HC_ONLY, Kind.STRATEGY, "strategy_id"),
    Route(
        "strategies:preview",
        HC_ONLY,
        Kind.STRATEGY,
        "strategy_id",
        query="positions={position}",
        note="changes nothing; the HC owner's own position: the form says no",
    ),
    Route("strategies:apply", NOT_GET, Kind.STRATEGY, "strategy_id"),
    # Organisation maturity: HC's questionnaire and its history.
    Route("maturity:overview", HC_ONLY),
    Route("maturity:answer", HC_ONLY),
    # Self-assessment rounds: HC's completion pages and export (rounds are created in the admin).
    Route("surveys:rounds", HC_ONLY),
    Route("surveys:round", HC_ONLY, Kind.SURVEY_ROUND, "round_id", refused_by_role_first=True),
    Route(
        "surveys:round_export",
        HC_ONLY,
        Kind.SURVEY_ROUND,
        "round_id",
        kwargs={"fmt": "xlsx"},
        refused_by_role_first=True,
        note="everyone's ratings of the round, beside their verified levels",
    ),
)

# Requests that change something. An outcome other than a 302 to a page of the portal (a
# refusal, a sign-in redirect, a form shown again) must change nothing; the test checks it.
POST_PROBES: tuple[Route, ...] = (
    Route(
        "maturity:answer",
        "login 403 403 403 403 200 200 200",
        method="POST",
        note="an unanswered questionnaire: the form comes back naming each question",
    ),
    Route("healthz", "405 405 405 405 405 405 405 405", method="POST", note="GET and HEAD only"),
    Route(
        "notification_read",
        "login 302>notifications 404 404 404 404 302>notifications 404",
        Kind.NOTIFICATION,
        "notification_id",
        method="POST",
        note="a notification is its recipient's alone, even for HC",
    ),
    Route("notifications_read_all", "login " + " ".join(["302>notifications"] * 7), method="POST"),
    Route(
        "notification_archive",
        "login 302>notifications 404 404 404 404 302>notifications 404",
        Kind.NOTIFICATION,
        "notification_id",
        method="POST",
        note="a notification is its recipient's alone, even for HC",
    ),
    Route("notifications_archive_read", "login " + " ".join(["302>notifications"] * 7), method="POST"),
    Route(
        "account_digests",
        "login " + " ".join(["302>account"] * 7),
        method="POST",
        data={"digests": "on"},
        note="one's own switch only",
    ),
    Route("logout", " ".join(["302>login"] * 8), method="POST"),
    Route(
        "surveys:self_assessment",
        "login " + " ".join(["302>surveys:self_assessment"] * 7),
        method="POST",
        data={"level_{competency}": "4"},
        note="saves the asker's own ratings (none for a position without that competency)",
    ),
    Route(
        "surveys:supervisor_rating",
        "login 403 404 302>competencies:employee_competency 404 403 403 403",
        Kind.EMPLOYEE,
        "user_id",
        kwargs={"competency_id": "{competency}"},
        method="POST",
        data={"level": "3", "comment": "Probe"},
        note="the employee's supervisor only: not HC, never oneself",
    ),
    Route(
        "join",
        PUBLIC,
        method="POST",
        data={"code": "NOT-A-CODE", "employee_number": "{viewer}", "email": "someone@example.com"},
        note="an unknown code: the form comes back (signed in: the signed-in page)",
    ),
    Route(
        "language_set",
        " ".join(["302>home"] * 8),
        method="POST",
        data={"language": "id"},
        note="back to the page it came from (here none: home); stored on a signed-in person",
    ),
    Route(
        "idp:item_edit",
        "login 302>idp:item 404 403 404 403 302>idp:item 403",
        Kind.DRAFT_ITEM,
        "item_id",
        method="POST",
        data={
            "competency": "{competency}",
            "activity_type": "training",
            "target_level": "2",
            "target_date": "2099-01-01",
            "description": "Edited",
        },
    ),
    Route(
        "idp:item_action",
        "login 302>idp:item 404 403 404 403 302>idp:item 403",
        Kind.DRAFT_ITEM,
        "item_id",
        kwargs={"action": "submit"},
        method="POST",
    ),
    Route(
        "idp:item_action",
        "login 403 404 302>idp:item 404 403 403 403",
        Kind.SUBMITTED_ITEM,
        "item_id",
        kwargs={"action": "approve"},
        method="POST",
        data={"approve-comment": ""},
        note="nobody approves their own item; HC only for people without a supervisor",
    ),
    Route(
        "idp:item_action",
        "login 403 404 403 404 302>idp:item 403 302>idp:item",
        Kind.EVIDENCE,
        "item_id",
        kwargs={"action": "verify"},
        method="POST",
        data={"verify-level": "2", "verify-comment": ""},
        note="HC verifies, never their own item",
    ),
    Route(
        "idp:item_action",
        "login 404 404 404 404 404 404 404",
        Kind.DRAFT_ITEM,
        "item_id",
        kwargs={"action": "no-such-action"},
        method="POST",
    ),
    Route(
        "idp:approvals",
        "login 403 403 302>idp:approvals 200 200 200 200",
        Kind.SUBMITTED_ITEM,
        "",
        method="POST",
        data={"decision": "approve", "comment": "", "items": "{id}"},
        note="an item outside the approver's queue is not a choice: the form comes back, nothing changes",
    ),
    Route(
        "idp:delegation_end",
        "login 404 404 302>idp:delegations 404 404 404 404",
        Kind.DELEGATION,
        "delegation_id",
        method="POST",
        note="only the delegator ends it here; HC end delegations in the admin",
    ),
    Route(
        "idp:suggestion_dismiss",
        "login 302>idp:my_plan 302>idp:my_plan 404 404 404 302>idp:my_plan 404",
        Kind.COMPETENCY,
        "competency_id",
        method="POST",
        note="dismisses the asker's own suggestion; 404 when the competency is not part of their position",
    ),
    Route(
        "learning:draft",
        "login 302>learning:draft "
        + " ".join(["302>learning:my_plan"] * 4)
        + " 302>learning:draft 302>learning:my_plan",
        method="POST",
        note="always the asker's own plan; one that exists is replaced only when the page's confirmation is posted",
    ),
    Route(
        "learning:objective_edit",
        "login 302>learning:my_plan 404 403 404 403 302>learning:my_plan 403",
        Kind.LEARNING_OBJECTIVE,
        "objective_id",
        method="POST",
        data={
            "activity_type": "training",
            "specific": "Edited",
            "measurable": "Edited",
            "achievable": "Edited",
            "relevant": "Edited",
            "due_date": "2099-01-01",
        },
    ),
    Route(
        "learning:objective_delete",
        "login 302>learning:my_plan 404 403 404 403 302>learning:my_plan 403",
        Kind.LEARNING_OBJECTIVE,
        "objective_id",
        method="POST",
    ),
    Route(
        "learning:objective_to_idp_item",
        "login 302>learning:my_plan 404 403 404 403 302>learning:my_plan 403",
        Kind.LEARNING_OBJECTIVE,
        "objective_id",
        method="POST",
        note="only the owner makes IDP items of their own plan",
    ),
    Route(
        "assessments:start",
        "login " + " ".join(["302>assessments:attempt"] * 7),
        Kind.ONLINE_ASSESSMENT,
        "assessment_id",
        method="POST",
        note="always for the asker: it resumes their own attempt in progress",
    ),
    Route(
        "assessments:preview",
        "login 403 403 403 403 302>assessments:attempt 302>assessments:attempt 302>assessments:attempt",
        Kind.ONLINE_ASSESSMENT,
        "assessment_id",
        method="POST",
        note="HC's own try: no result, no attempt used",
    ),
    Route(
        "assessments:answer",
        "login 302>assessments:attempt 404 404 404 404 302>assessments:attempt 404",
        Kind.OPEN_ATTEMPT,
        "attempt_id",
        method="POST",
        data={"shown": "1"},
    ),
    Route(
        "assessments:submit",
        "login 302>assessments:result 404 404 404 404 302>assessments:result 404",
        Kind.OPEN_ATTEMPT,
        "attempt_id",
        method="POST",
    ),
    Route(
        "assessments:review_clear",
        "login 403 403 403 403 302>assessments:review_attempt 403 302>assessments:review_attempt",
        Kind.FINISHED_ATTEMPT,
        "attempt_id",
        method="POST",
        refused_by_role_first=True,
        data={"note": "Looked at it."},
    ),
    Route(
        "assessments:review_void",
        "login 403 403 403 403 302>assessments:review_attempt 403 302>assessments:review_attempt",
        Kind.FINISHED_ATTEMPT,
        "attempt_id",
        method="POST",
        refused_by_role_first=True,
        data={"reason": "Answers shared in a chat group."},
        note="HC void others' results, never their own",
    ),
    Route(
        "strategies:apply",
        "login 403 403 403 403 200 200 200",
        Kind.STRATEGY,
        "strategy_id",
        method="POST",
        data={"positions": "{position}", "fingerprint": "not-the-preview"},
        note="a confirmation of another preview: refused, the current preview comes back; the HC owner's own "
        "position: refused, the form says why",
    ),
    Route(
        "admin:hrportal_section_add",
        f"{NOT_STAFF} 302>admin:hrportal_section_changelist "
        "302>admin:hrportal_section_changelist 302>admin:hrportal_section_changelist",
        method="POST",
        data={"name": "Added by a probe"},
    ),
    Route(
        "admin:auth_group_add",
        f"{NOT_STAFF} 403 403 302>admin:auth_group_changelist",
        method="POST",
        data={"name": "Probe group"},
        note="roles are for superusers (IT) to hand out",
    ),
    Route(
        "admin:hrportal_user_change",
        f"{NOT_STAFF} 403 403 200",
        Kind.SUPERUSER_ACCOUNT,
        "object_id",
        method="POST",
        data={"username": "taken-over", "email": "attacker@example.com"},
        note="only a superuser changes a superuser (the superuser's incomplete form comes back)",
    ),
    Route(
        "admin:hrportal_user_send_password_reset",
        f"{NOT_STAFF} 403 403 302>admin:hrportal_user_change",
        Kind.SUPERUSER_ACCOUNT,
        "user_id",
        method="POST",
    ),
    Route(
        "admin:hrportal_user_send_password_reset",
        f"{NOT_STAFF} 302>admin:hrportal_user_change 403 302>admin:hrportal_user_change",
        Kind.APPROVER_ACCOUNT,
        "user_id",
        method="POST",
        note="nobody takes over whoever approves for them",
    ),
    Route(
        "admin:hrportal_user_change",
        f"{NOT_STAFF} 200 403 200",
        Kind.APPROVER_ACCOUNT,
        "object_id",
        method="POST",
        data={"first_name": "Renamed"},
        note="HC's incomplete form comes back; the HC owner may not touch their own supervisor",
    ),
    Route(
        "admin:competencies_positiontarget_change",
        f"{NOT_STAFF} 302>admin:competencies_positiontarget_changelist 403 "
        "302>admin:competencies_positiontarget_changelist",
        Kind.TARGET,
        "object_id",
        method="POST",
        data={"target_level": "5", "weight": "1"},
        note="nobody but a superuser sets the targets of their own position (the HC owner holds it)",
    ),
    Route(
        "admin:competencies_competencylevel_change",
        f"{NOT_STAFF} 302>admin:competencies_competencylevel_changelist 403 "
        "302>admin:competencies_competencylevel_changelist",
        Kind.LEVEL,
        "object_id",
        method="POST",
        data={"level": "4", "reason": "Probe"},
        note="nobody overrides their own level",
    ),
    Route(
        "admin:competencies_competencylevel_add",
        f"{NOT_STAFF} " + " ".join(["302>admin:competencies_competencylevel_changelist"] * 3),
        method="POST",
        data={"employee": "{owner}", "competency": "{unlevelled}", "level": "5", "reason": "Probe"},
        note="the same form for someone else: the data are valid",
    ),
    Route(
        "admin:competencies_competencylevel_add",
        f"{NOT_STAFF} 200 200 200",
        method="POST",
        data={"employee": "{viewer}", "competency": "{unlevelled}", "level": "5", "reason": "Probe"},
        note="a level for oneself: the form says no",
    ),
    Route(
        "admin:assessments_assessmentresult_add",
        f"{NOT_STAFF} " + " ".join(["302>admin:assessments_assessmentresult_changelist"] * 3),
        method="POST",
        data={
            "employee": "{owner}",
            "assessment": "{assessment}",
            "score": "99",
            "completed_at_0": "2026-01-05",
            "completed_at_1": "08:00",
        },
        note="the same form for someone else: the data are valid",
    ),
    Route(
        "admin:assessments_assessmentresult_add",
        f"{NOT_STAFF} 200 200 200",
        method="POST",
        data={
            "employee": "{viewer}",
            "assessment": "{assessment}",
            "score": "99",
            "completed_at_0": "2026-01-05",
            "completed_at_1": "08:00",
        },
        note="nobody records their own result",
    ),
    Route(
        "admin:hrportal_auditentry_change",
        f"{NOT_STAFF} 403 403 403",
        Kind.AUDIT_ENTRY,
        "object_id",
        method="POST",
        data={"object_repr": "tampered"},
    ),
    Route(
        "admin:hrportal_auditentry_delete",
        f"{NOT_STAFF} 403 403 403",
        Kind.AUDIT_ENTRY,
        "object_id",
        method="POST",
        data={"post": "yes"},
    ),
    Route(
        "admin:competencies_competencylevelhistory_change",
        f"{NOT_STAFF} 403 403 403",
        Kind.LEVEL_HISTORY,
        "object_id",
        method="POST",
        data={"new_level": "5"},
        note="history is never edited",
    ),
    Route(
        "admin:competencies_positiontargethistory_change",
        f"{NOT_STAFF} 403 403 403",
        Kind.TARGET_HISTORY,
        "object_id",
        method="POST",
        data={"new_level": "5"},
    ),
    Route(
        "admin:assessments_assessmentresult_change",
        f"{NOT_STAFF} 403 403 403",
        Kind.RESULT,
        "object_id",
        method="POST",
        data={"score": "100"},
        note="results are recorded, never edited",
    ),
    Route(
        "admin:hrportal_notification_change",
        f"{NOT_STAFF} 403 403 403",
        Kind.NOTIFICATION,
        "object_id",
        method="POST",
        data={"subject": "Rewritten"},
    ),
    Route(
        "admin:competencies_competencylevelhistory_delete",
        f"{NOT_STAFF} 403 403 403",
        Kind.LEVEL_HISTORY,
        "object_id",
        method="POST",
        data={"post": "yes"},
    ),
    Route(
        "admin:competencies_competencylevel_delete",
        f"{NOT_STAFF} 403 403 403",
        Kind.LEVEL,
        "object_id",
        method="POST",
        data={"post": "yes"},
        note="a level is overridden (with history), never deleted",
    ),
    Route(
        "admin:assessments_assessmentresult_delete",
        f"{NOT_STAFF} 403 403 403",
        Kind.RESULT,
        "object_id",
        method="POST",
        data={"post": "yes"},
    ),
    Route(
        "admin:idp_idpitem_changelist",
        f"{NOT_STAFF} " + " ".join(["302>admin:idp_idpitem_changelist"] * 3),
        Kind.EVIDENCE,
        "",
        method="POST",
        data={"action": "verify_selected", "_selected_action": "{id}", "index": "0"},
        changes_nothing_for=(Role.HC_OWNER,),
        note="the bulk verify skips the asker's own item",
    ),
    Route(
        "admin:idp_idpitem_delete",
        f"{NOT_STAFF} 403 403 403",
        Kind.DRAFT_ITEM,
        "object_id",
        method="POST",
        data={"post": "yes"},
    ),
    Route(
        "admin:assessments_assessmentresult_void",
        f"{NOT_STAFF} 200 403 200",
        Kind.RESULT,
        "object_id",
        method="POST",
        data={"reason": " "},
        note="a void needs a reason: the form comes back",
    ),
    Route(
        "admin:assessments_assessmentresult_changelist",
        f"{NOT_STAFF} " + " ".join(["302>admin:assessments_assessmentresult_changelist"] * 3),
        Kind.RESULT,
        "",
        method="POST",
        data={"action": "void_selected", "_selected_action": "{id}", "confirm": "yes", "reason": "Wrong file"},
        changes_nothing_for=(Role.HC_OWNER,),
        note="the bulk void refuses, whole, a selection holding the asker's own result",
    ),
    Route(
        "admin:assessments_assessmentresult_import",
        f"{NOT_STAFF} 200 200 200",
        method="POST",
        data={"step": "upload"},
        note="an upload without a file: the form comes back",
    ),
    Route(
        "admin:assessments_assessmentresult_import",
        f"{NOT_STAFF} " + " ".join(["302>admin:assessments_assessmentresult_import"] * 3),
        method="POST",
        data={"step": "confirm", "fingerprint": "0"},
        note="a confirmation with no previewed file: back to the upload",
    ),
    Route(
        "admin:assessments_resultimport_change",
        f"{NOT_STAFF} 403 403 403",
        Kind.RESULT_IMPORT,
        "object_id",
        method="POST",
        data={"status": "done"},
        note="an import is written by the import only",
    ),
    Route(
        "admin:assessments_assessmentresult_void",
        f"{NOT_STAFF} 302>admin:assessments_assessmentresult_change 403 302>admin:assessments_assessmentresult_change",
        Kind.RESULT,
        "object_id",
        method="POST",
        data={"reason": "Answers shared in a chat group."},
        note="HC void others' results, never their own (voided already: back to the result's page)",
    ),
    Route(
        "admin:assessments_competencymapping_reevaluate",
        f"{NOT_STAFF} 200 200 200",
        method="POST",
        data={"fingerprint": "not-the-preview"},
        note="a confirmation of another preview: refused, the current preview comes back",
    ),
)


@dataclass(frozen=True)
class AdminView:
    """A custom view of a ModelAdmin (an import, an export): its URL name without "admin:"."""

    name: str
    cells: str  # HC, HC owner, superuser
    kwargs: dict[str, str] = field(default_factory=dict)
    arg: str = ""  # the argument naming the model's object, if the view is about one


@dataclass(frozen=True)
class AdminModel:
    """A registered ModelAdmin and what staff get on each of its pages (everyone else: NOT_STAFF).
    Cells are three tokens: HC, HC owner, superuser."""

    label: str  # "hrportal.user"
    kind: Kind  # the object its object pages are asked about
    changelist: str
    add: str
    change: str
    delete: str
    history: str
    extra: tuple[AdminView, ...] = ()
    note: str = ""


A = "200 200 200"  # every staff role
NO = "403 403 403"  # nobody, whatever their permissions
SU = "403 403 200"  # the superuser only

ADMIN_MODELS: tuple[AdminModel, ...] = (
    AdminModel("auth.group", Kind.GROUP, SU, SU, SU, SU, SU, note="roles: superusers (IT) only"),
    AdminModel("axes.accessattempt", Kind.ACCESS_ATTEMPT, A, NO, A, A, A, note="HC lifts lockouts"),
    AdminModel("axes.accesslog", Kind.ACCESS_LOG, A, NO, A, SU, A),
    AdminModel("axes.accessfailurelog", Kind.ACCESS_FAILURE, A, NO, A, SU, A),
    AdminModel(
        "hrportal.user",
        Kind.EMPLOYEE,
        A,
        A,
        A,
        SU,
        A,
        extra=(
            AdminView("hrportal_user_import_employees", A),
            AdminView("hrportal_user_export_employees", A, {"fmt": "csv"}),
            AdminView("auth_user_password_change", SU, arg="id"),
            AdminView("hrportal_user_send_password_reset", A, arg="user_id"),
        ),
        note="HC never sets a password (sends a reset link) and never edits whoever approves for them",
    ),
    AdminModel("hrportal.section", Kind.SECTION, A, A, A, A, A),
    AdminModel("hrportal.position", Kind.POSITION, A, A, A, A, A),
    AdminModel("hrportal.notification", Kind.NOTIFICATION, A, NO, A, SU, A, note="written by the portal only"),
    AdminModel(
        "hrportal.taskfailure", Kind.TASK_FAILURE, A, NO, A, NO, A, note="by the worker; HC marks them dealt with"
    ),
    AdminModel("hrportal.periodicjob", Kind.SCHEDULED_JOB, A, NO, A, NO, A, note="written by the scheduler only"),
    AdminModel(
        "hrportal.spreadsheetimport", Kind.SPREADSHEET_IMPORT, A, NO, A, NO, A, note="written by the import task only"
    ),
    AdminModel(
        "hrportal.approvaldelegation",
        Kind.DELEGATION,
        A,
        A,
        A,
        NO,
        A,
        note="created through the delegation service, then read-only: ended early by an action, never deleted",
    ),
    AdminModel(
        "hrportal.joincode",
        Kind.JOIN_CODE,
        A,
        A,
        A,
        NO,
        A,
        note="created (the code shown once), then read-only: revoked by an action, never edited or deleted",
    ),
    AdminModel(
        "hrportal.auditentry",
        Kind.AUDIT_ENTRY,
        A,
        NO,
        A,
        NO,
        A,
        extra=(AdminView("hrportal_auditentry_export", A),),
        note="nobody adds, changes or deletes an entry",
    ),
    AdminModel("competencies.skillgroup", Kind.SKILL_GROUP, A, A, A, A, A),
    AdminModel(
        "competencies.competency",
        Kind.COMPETENCY,
        A,
        A,
        A,
        A,
        A,
        extra=(
            AdminView("competencies_competency_import_matrix", A),
            AdminView("competencies_competency_import_descriptors", A),
            AdminView("competencies_competency_export_matrix", A, {"fmt": "csv"}),
            AdminView("competencies_competency_export_descriptors", A, {"fmt": "xlsx"}),
        ),
    ),
    AdminModel("competencies.positiontarget", Kind.TARGET, A, A, A, A, A),
    AdminModel("competencies.positiontargethistory", Kind.TARGET_HISTORY, A, NO, A, NO, A, note="history: read-only"),
    AdminModel("competencies.competencylevel", Kind.LEVEL, A, A, A, NO, A, note="changed by override only"),
    AdminModel("competencies.competencylevelhistory", Kind.LEVEL_HISTORY, A, NO, A, NO, A, note="history: read-only"),
    AdminModel("competencies.careerpath", Kind.CAREER_PATH, A, A, A, A, A),
    AdminModel("surveys.selfrating", Kind.SELF_RATING, A, NO, A, NO, A, note="the employee's own: read-only"),
    AdminModel("surveys.selfratinghistory", Kind.SELF_RATING_HISTORY, A, NO, A, NO, A, note="history: read-only"),
    AdminModel("surveys.supervisorrating", Kind.SUPERVISOR_RATING, A, NO, A, NO, A, note="the supervisor's: read-only"),
    AdminModel(
        "assessments.assessment",
        Kind.ASSESSMENT,
        A,
        A,
        A,
        A,
        A,
        extra=(
            AdminView("assessments_assessment_import_questions", A, arg="assessment_id"),
            AdminView("assessments_assessment_export_questions", A, {"fmt": "csv"}, arg="assessment_id"),
        ),
    ),
    AdminModel(
        "assessments.question",
        Kind.QUESTION,
        A,
        A,
        A,
        NO,
        A,
        note="a published assessment's questions are not deleted (an import replaces the bank)",
    ),
    AdminModel(
        "assessments.attempt",
        Kind.FINISHED_ATTEMPT,
        A,
        NO,
        A,
        NO,
        A,
        note="read-only: written by the attempt services only",
    ),
    AdminModel(
        "assessments.competencymapping",
        Kind.MAPPING,
        A,
        A,
        A,
        A,
        A,
        extra=(
            AdminView("assessments_competencymapping_health", A),
            AdminView("assessments_competencymapping_reevaluate", A),
        ),
        note="re-evaluating skips the asker's own levels (HC only: 403 for other staff)",
    ),
    AdminModel(
        "assessments.assessmentresult",
        Kind.RESULT,
        A,
        A,
        A,
        NO,
        A,
        extra=(
            AdminView("assessments_assessmentresult_import", A),
            AdminView("assessments_assessmentresult_export", A),
            AdminView("assessments_assessmentresult_void", "200 403 200", arg="object_id"),
        ),
        note="recorded, never edited; HC void others' results, never their own",
    ),
    AdminModel(
        "assessments.resultimport",
        Kind.RESULT_IMPORT,
        A,
        NO,
        A,
        NO,
        A,
        extra=(AdminView("assessments_resultimport_progress", A, arg="object_id"),),
        note="read-only: an import's page shows its progress (and the JSON its script polls)",
    ),
    AdminModel("idp.idpitem", Kind.DRAFT_ITEM, A, NO, A, NO, A, note="changed by the workflow only"),
    AdminModel(
        "strategies.strategy",
        Kind.STRATEGY,
        A,
        A,
        A,
        A,
        A,
        note="kept here; applied to positions on the portal's strategy pages (preview, then confirm)",
    ),
    AdminModel(
        "maturity.maturityquestion",
        Kind.MATURITY_QUESTION,
        A,
        A,
        A,
        A,
        A,
        note="a question that history refers to is retired, not deleted (the delete page says so)",
    ),
    AdminModel("maturity.maturityassessment", Kind.MATURITY_ASSESSMENT, A, NO, A, NO, A, note="history: read-only"),
    AdminModel(
        "surveys.surveyround",
        Kind.SURVEY_ROUND,
        A,
        A,
        A,
        A,
        A,
        note="saved through surveys.rounds.survey_round_save, which tells the round's people once",
    ),
)

ADMIN_SITE_ROUTES: tuple[Route, ...] = (
    Route("admin:index", f"{NOT_STAFF} {A}"),
    Route(
        "admin:login",
        "200 403 403 403 403 302>admin:index 302>admin:index 302>admin:index",
        note="a signed-in non-staff person may not use the admin",
    ),
    Route(
        "admin:logout",
        "302>admin:index 403 403 403 403 405 405 405",
        note="POST only; the admin sends anonymous people to its index first",
    ),
    Route("admin:password_change", f"{NOT_STAFF} {A}"),
    Route("admin:password_change_done", f"{NOT_STAFF} {A}"),
    Route(
        "admin:autocomplete",
        f"{NOT_STAFF} {A}",
        query="app_label=competencies&model_name=competencylevel&field_name=employee",
    ),
    Route("admin:jsi18n", f"{NOT_STAFF} {A}"),
    Route(
        "admin:view_on_site",
        f"{NOT_STAFF} 302>idp:item 302>idp:item 302>idp:item",
        Kind.DRAFT_ITEM,
        "object_id",
        kwargs={"content_type_id": "{idp_item_type}"},
        note="leads to the portal's page, which checks access itself",
    ),
    Route(
        "admin:app_list",
        f"{NOT_STAFF} 403 403 200",
        kwargs={"app_label": "auth"},
        note="HC may use no auth model (hrportal/admin_site.py answers 403, where Django's admin says 404)",
    ),
    Route("admin:app_list", f"{NOT_STAFF} {A}", kwargs={"app_label": "axes"}),
    Route("admin:app_list", f"{NOT_STAFF} {A}", kwargs={"app_label": "hrportal"}),
    Route("admin:app_list", f"{NOT_STAFF} {A}", kwargs={"app_label": "competencies"}),
    Route("admin:app_list", f"{NOT_STAFF} {A}", kwargs={"app_label": "assessments"}),
    Route("admin:app_list", f"{NOT_STAFF} {A}", kwargs={"app_label": "idp"}),
    Route("admin:app_list", f"{NOT_STAFF} {A}", kwargs={"app_label": "strategies"}),
    Route("admin:app_list", f"{NOT_STAFF} {A}", kwargs={"app_label": "maturity"}),
    Route("admin:(?P<url>.*)$", f"{NOT_STAFF} 404 404 404", kwargs={"url": "no-such-page/"}),
)


def admin_model_routes(model: AdminModel) -> list[Route]:
    """The rows of one AdminModel: its five standard pages, the old-style object URL and its extras."""
    app_label, model_name = model.label.split(".")
    prefix = f"admin:{app_label}_{model_name}"
    rows = [Route(f"{prefix}_changelist", f"{NOT_STAFF} {model.changelist}", note=model.note)]
    rows.append(Route(f"{prefix}_add", f"{NOT_STAFF} {model.add}"))
    for action in ("change", "delete", "history"):
        rows.append(Route(f"{prefix}_{action}", f"{NOT_STAFF} {getattr(model, action)}", model.kind, "object_id"))
    rows.append(
        Route(
            f"admin:{app_label}/{model_name}/<path:object_id>/",
            f"{NOT_STAFF} " + " ".join([f"302>{prefix}_change"] * 3),
            model.kind,
            "object_id",
            note="the old-style object URL",
        )
    )
    for view in model.extra:
        kind = model.kind if view.arg else None
        rows.append(Route(f"admin:{view.name}", f"{NOT_STAFF} {view.cells}", kind, view.arg, view.kwargs))
    return rows


def all_routes() -> list[Route]:
    """Every row of the table, GET requests first, then the POST probes."""
    admin_rows = [row for model in ADMIN_MODELS for row in admin_model_routes(model)]
    return [*PORTAL_ROUTES, *ADMIN_SITE_ROUTES, *admin_rows, *POST_PROBES]
