"""Employees in and out of spreadsheets, so HC can load a real organisation.

Columns: `employee_number, first_name, last_name, email, section, position,
supervisor_employee_number`, and optionally `username` and `language` (a code of
settings.LANGUAGES, `en-gb` or `id`: the language of their pages, emails and notifications).
A row states one employee, found by employee number: new ones are created with no usable
password (they choose one through "Forgotten your password?"), existing ones are brought up to
date; a blank username or language keeps the current one. People the file does not
mention are left alone. The supervisor may be in the same file or already in the database;
an empty supervisor cell means none; no supervisor cycle may result. Sections and positions
the database lacks are created only when asked for (`create_missing`), else they are errors,
so a typo never creates one.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from hrportal.access import account_readonly_fields, can_manage_account
from hrportal.models import Position, Section, User
from hrportal.page_cache import bump_framework
from hrportal.spreadsheets import (
    ErrorList,
    ImportPlan,
    NameLookup,
    PlanSection,
    Table,
    build_dataset,
    cell_text,
    did_you_mean,
    named_objects,
    new_name_error,
    read_table,
    shorten,
    text_max_length,
)
from hrportal.supervision import supervisor_cycle
from hrportal.translated import english_column

# Machine-facing column keys, the same in every language: an export is read back by the import,
# which finds its columns by these names.
EMPLOYEE_COLUMNS = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "section",
    "position",
    "supervisor_employee_number",
)
OPTIONAL_COLUMNS = ("username", "language")
# What an import may change on an existing employee; section, position and supervisor by
# name or employee number ("" for none).
_FIELDS = ("username", "first_name", "last_name", "email", "section", "position", "supervisor", "language")
# What a blank cell leaves as it is, rather than clearing: an operator who chose a language
# on their profile keeps it when HC re-imports a file that does not say.
_BLANK_KEEPS = ("username", "language")
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")


def employees_dataset() -> tablib.Dataset:
    """Everyone with an employee number, by number."""
    users = (
        User.objects.exclude(employee_number__isnull=True)
        .exclude(employee_number="")
        .select_related("section", "position", "supervisor")
        .order_by("employee_number")
    )
    rows = (
        [
            user.employee_number,
            user.first_name,
            user.last_name,
            user.email,
            user.section.name if user.section else "",
            # The English name: what identifies a position in a file, whatever the reader's language.
            user.position.name_en if user.position else "",
            (user.supervisor.employee_number or "") if user.supervisor else "",
            user.username,
            user.language,
        ]
        for user in users
    )
    return build_dataset([*EMPLOYEE_COLUMNS, *OPTIONAL_COLUMNS], rows, title=_("Employees"))


@dataclass(frozen=True)
class _Row:
    line: int
    number: str
    first_name: str
    last_name: str
    email: str
    section: str
    position: str
    supervisor: str
    username: str
    language: str


def _read_rows(table: Table) -> list[_Row]:
    columns = table.fixed_columns(EMPLOYEE_COLUMNS, OPTIONAL_COLUMNS)

    def text(row: list, key: str) -> str:
        return cell_text(row[columns[key]]) if key in columns else ""

    return [
        _Row(
            line=line,
            number=text(row, "employee_number"),
            first_name=text(row, "first_name"),
            last_name=text(row, "last_name"),
            email=text(row, "email"),
            section=text(row, "section"),
            position=text(row, "position"),
            supervisor=text(row, "supervisor_employee_number"),
            username=text(row, "username"),
            # Codes are lower case ("id"); a spreadsheet may have capitalised the cell.
            language=text(row, "language").strip().lower(),
        )
        for line, row in table.lines()
    ]


@dataclass(frozen=True)
class NewEmployee:
    line: int
    number: str
    username: str
    first_name: str
    last_name: str
    email: str
    section: str
    position: str
    supervisor: str  # employee number, "" for none
    language: str  # "" until they choose (their browser decides meanwhile)


@dataclass(frozen=True)
class EmployeeChange:
    line: int
    number: str
    field: str  # one of _FIELDS
    old: str
    new: str


@dataclass
class EmployeePlan(ImportPlan):
    sections_to_create: list[str] = field(default_factory=list)
    positions_to_create: list[str] = field(default_factory=list)
    employees_to_create: list[NewEmployee] = field(default_factory=list)
    employee_changes: list[EmployeeChange] = field(default_factory=list)
    # {new name: the existing name it is probably a typo of}, shown in the preview.
    section_hints: dict[str, str] = field(default_factory=dict)
    position_hints: dict[str, str] = field(default_factory=dict)

    def sections(self) -> list[PlanSection]:
        return [
            PlanSection(
                _("New sections"), [did_you_mean(name, self.section_hints) for name in self.sections_to_create]
            ),
            PlanSection(
                _("New positions"), [did_you_mean(name, self.position_hints) for name in self.positions_to_create]
            ),
            PlanSection(
                _("New employees"),
                [
                    _("%(number)s %(first_name)s %(last_name)s (%(username)s), line %(line)s")
                    % {
                        "number": e.number,
                        "first_name": e.first_name,
                        "last_name": e.last_name,
                        "username": e.username,
                        "line": e.line,
                    }
                    for e in self.employees_to_create
                ],
            ),
            PlanSection(
                _("Employee changes"),
                [
                    _('%(number)s (line %(line)s): %(field)s "%(old)s" → "%(new)s"')
                    % {
                        "number": c.number,
                        "line": c.line,
                        "field": c.field.replace("_", " "),
                        "old": c.old,
                        "new": c.new,
                    }
                    for c in self.employee_changes
                ],
            ),
        ]


class _Planner:
    """Builds an EmployeePlan from the rows, collecting the errors in line order."""

    def __init__(self, rows: list[_Row], *, create_missing: bool, by: User | None = None) -> None:
        self.rows = rows
        self.create_missing = create_missing
        self.by = by
        self.errors = ErrorList()
        self.plan = EmployeePlan()
        self.sections = NameLookup(Section.objects.values_list("name", flat=True))
        self.positions = NameLookup(Position.objects.values_list(english_column(Position, "name"), flat=True))
        self.by_number = {
            u.employee_number: u
            for u in User.objects.exclude(employee_number__isnull=True).select_related(
                "section", "position", "supervisor"
            )
        }
        self.owner_of_username = {
            username.casefold(): number for username, number in User.objects.values_list("username", "employee_number")
        }
        self.first_line_of_number: dict[str, int] = {}
        self.first_line_of_username: dict[str, int] = {}
        # New section / position names: (kind, name) → (first line, how many rows use it).
        self.new_names: dict[tuple[str, str], tuple[int, int]] = {}

    def error(self, line: int, message: str, column: str = "") -> None:
        if column:
            where = _('Line %(line)s, column "%(column)s"') % {"line": line, "column": column}
        else:
            where = _("Line %(line)s") % {"line": line}
        self.errors.append(_("%(place)s: %(problem)s") % {"place": where, "problem": message})

    def build(self) -> EmployeePlan:
        file_numbers = {row.number for row in self.rows}
        valid = []
        for row in self.rows:
            if self.check_row(row):
                valid.append(row)
            self.check_supervisor(row, file_numbers)
            self.note_new_names(row)
        if not self.create_missing:
            self.check_new_names()
        self.check_cycles()
        self.errors.raise_if_any()
        taken = set(self.owner_of_username) | {row.username.casefold() for row in valid if row.username}
        for row in valid:
            current = self.by_number.get(row.number)
            if current is None:
                self.plan_new(row, taken)
            else:
                self.plan_changes(row, current)
        self.check_separation_of_duties()
        self.errors.raise_if_any()
        self.plan.sections_to_create = self.sections.new
        self.plan.positions_to_create = self.positions.new
        self.plan.section_hints = self.sections.hints()
        self.plan.position_hints = self.positions.hints()
        return self.plan

    def check_row(self, row: _Row) -> bool:
        """Record the row's own errors; whether it is sound enough to plan from."""
        before = len(self.errors)
        self.check_number(row)
        current = self.by_number.get(row.number)
        self.check_lengths(row)
        if not row.first_name and not row.last_name and (current is None or current.get_full_name()):
            self.error(row.line, _("empty name (give a first or last name)."))
        self.check_email(row, current)
        if current is not None and current.is_superuser:
            # A changed email would let whoever imports reset the superuser's password.
            self.error(
                row.line,
                _('"%(number)s" is a superuser account: change it in the admin, not by import.')
                % {"number": row.number},
            )
        if row.username:
            self.check_username(row)
        if row.supervisor and row.supervisor == row.number:
            self.error(row.line, _("an employee cannot be their own supervisor."))
        if row.language and row.language not in dict(settings.LANGUAGES):
            self.error(
                row.line,
                _('unknown language "%(code)s" (use one of: %(codes)s, or leave it blank).')
                % {"code": shorten(row.language, 20), "codes": ", ".join(dict(settings.LANGUAGES))},
                column="language",
            )
        return len(self.errors) == before

    def check_number(self, row: _Row) -> None:
        if not row.number:
            self.error(row.line, _("empty employee number."))
        elif row.number in self.first_line_of_number:
            first = self.first_line_of_number[row.number]
            self.error(
                row.line,
                _('duplicate employee number "%(number)s" (also on line %(first)s).')
                % {"number": row.number, "first": first},
            )
        else:
            self.first_line_of_number[row.number] = row.line

    def check_lengths(self, row: _Row) -> None:
        limits = [
            ("employee_number", row.number, User),
            ("first_name", row.first_name, User),
            ("last_name", row.last_name, User),
            ("email", row.email, User),
            ("username", row.username, User),
            ("section", row.section, Section),
            ("position", row.position, Position),
        ]
        for column, value, model in limits:
            model_field = "name" if model is not User else column
            max_length = text_max_length(model, model_field)
            if len(value) > max_length:
                self.error(row.line, _("longer than %(max)s characters.") % {"max": max_length}, column=column)

    def check_email(self, row: _Row, current: User | None) -> None:
        if not row.email:
            # An existing employee without an email may stay so; a new one needs it to set a password.
            if current is None or current.email:
                self.error(row.line, _("empty email."))
            return
        try:
            validate_email(row.email)
        except ValidationError:
            self.error(row.line, _('invalid email "%(email)s".') % {"email": shorten(row.email, 60)}, column="email")

    def check_username(self, row: _Row) -> None:
        try:
            UnicodeUsernameValidator()(row.username)
        except ValidationError:
            self.error(
                row.line,
                _('username "%(username)s" may contain only letters, digits and the characters @ . + - _.')
                % {"username": shorten(row.username, 60)},
            )
            return
        folded = row.username.casefold()
        if folded in self.first_line_of_username:
            first = self.first_line_of_username[folded]
            self.error(
                row.line,
                _('duplicate username "%(username)s" (also on line %(first)s).')
                % {"username": row.username, "first": first},
            )
            return
        self.first_line_of_username[folded] = row.line
        if folded in self.owner_of_username and self.owner_of_username[folded] != row.number:
            self.error(
                row.line, _('username "%(username)s" is already used by someone else.') % {"username": row.username}
            )

    def check_supervisor(self, row: _Row, file_numbers: set[str]) -> None:
        if row.supervisor and row.supervisor not in file_numbers and row.supervisor not in self.by_number:
            self.error(
                row.line,
                _('unknown supervisor employee number "%(number)s".') % {"number": shorten(row.supervisor, 40)},
            )

    def note_new_names(self, row: _Row) -> None:
        """Resolve the row's section and position now, so that new ones are known with their first line."""
        for kind, lookup, name in [("section", self.sections, row.section), ("position", self.positions, row.position)]:
            if name and lookup.resolve(name) in lookup.new:
                key = (kind, lookup.resolve(name))
                first, count = self.new_names.get(key, (row.line, 0))
                self.new_names[key] = (first, count + 1)

    def check_new_names(self) -> None:
        kinds = {"section": (_("section"), self.sections), "position": (_("position"), self.positions)}
        for (kind, name), (line, count) in sorted(self.new_names.items(), key=lambda item: item[1][0]):
            noun, lookup = kinds[kind]
            place = _('Line %(line)s, column "%(column)s"') % {"line": line, "column": kind}
            self.errors.append(new_name_error(place=place, kind=noun, name=name, lookup=lookup, rows=count))

    def check_cycles(self) -> None:
        """One error per supervisor cycle the import would make, on the line of its first member in the file.

        The graph is the database's supervisors with the file's rows laid over them, so a cycle
        closed through people the file does not mention is found too.
        """
        key_of_pk = {pk: number or f"#{pk}" for pk, number in User.objects.values_list("pk", "employee_number")}
        names: dict[str, str] = {}
        supervisor_of: dict[str, str | None] = {}
        for user in User.objects.only("pk", "employee_number", "supervisor_id", "first_name", "last_name", "username"):
            key = key_of_pk[user.pk]
            names[key] = user.display_name
            supervisor_of[key] = key_of_pk.get(user.supervisor_id) if user.supervisor_id else None
        in_file: dict[str, _Row] = {}
        for row in self.rows:
            if not row.number or row.number in in_file:
                continue  # an error already
            in_file[row.number] = row
            names[row.number] = f"{row.first_name} {row.last_name}".strip() or names.get(row.number, row.number)
            current = self.by_number.get(row.number)
            keeps_supervisor = (
                not row.supervisor
                and current is not None
                and current.supervisor
                and not current.supervisor.employee_number
            )
            if not keeps_supervisor:
                supervisor_of[row.number] = row.supervisor or None
        reported: set[str] = set()
        for number, row in in_file.items():
            cycle = supervisor_cycle(number, supervisor_of)
            if cycle is None or len(cycle) < 3 or number in reported:
                continue  # a self-supervisor has an error of its own
            reported.update(cycle)
            self.error(
                row.line,
                _("Supervisor cycle: %(people)s. Somebody on it must report to someone else.")
                % {"people": " → ".join(names.get(key, key) for key in cycle)},
            )

    def check_separation_of_duties(self) -> None:
        """The admin's rules for who may change whose account (hrportal.access), for the import:
        an HC member's file changes no email, nothing of other HC staff or of whoever approves
        for them, and not their own supervisor, position or section."""
        by = self.by
        if by is None or by.is_superuser:
            return
        for change in self.plan.employee_changes:
            account = self.by_number[change.number]
            if not can_manage_account(by, account):
                self.error(
                    change.line,
                    _(
                        "%(name)s is HC staff, a superuser or in your own supervisor chain: "
                        "their account is changed by IT (a superuser), not by your import."
                    )
                    % {"name": account.display_name},
                )
            elif change.field in account_readonly_fields(by, account):
                if account.pk == by.pk:
                    message = _("nobody changes their own %(field)s: ask another HC member or IT.")
                else:
                    message = _("only IT (a superuser) changes a person's %(field)s.")
                self.error(change.line, message % {"field": change.field}, column=change.field)

    def plan_new(self, row: _Row, taken: set[str]) -> None:
        username = row.username or _free_username(row, taken)
        taken.add(username.casefold())
        self.plan.employees_to_create.append(
            NewEmployee(
                line=row.line,
                number=row.number,
                username=username,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                section=self.sections.resolve(row.section) if row.section else "",
                position=self.positions.resolve(row.position) if row.position else "",
                supervisor=row.supervisor,
                language=row.language,
            )
        )

    def plan_changes(self, row: _Row, current: User) -> None:
        new = {
            "username": row.username,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "email": row.email,
            "section": self.sections.resolve(row.section) if row.section else "",
            "position": self.positions.resolve(row.position) if row.position else "",
            "supervisor": row.supervisor,
            "language": row.language,
        }
        for name in _FIELDS:
            old = _stored(current, name)
            if name in _BLANK_KEEPS and not new[name]:
                continue
            if name == "supervisor" and not row.supervisor and current.supervisor and not old:
                # The file cannot name a supervisor without an employee number: keep them.
                continue
            if old.strip() != new[name]:
                self.plan.employee_changes.append(
                    EmployeeChange(line=row.line, number=row.number, field=name, old=old, new=new[name])
                )


def _stored(user: User, name: str) -> str:
    if name in ("section", "position"):
        related = getattr(user, name)
        return getattr(related, english_column(type(related), "name")) if related else ""
    if name == "supervisor":
        return (user.supervisor.employee_number or "") if user.supervisor else ""
    return getattr(user, name)


def _free_username(row: _Row, taken: set[str]) -> str:
    """A username not in `taken`: the email's local part, else the employee number, with a suffix if need be."""
    candidates = [_NOT_IN_USERNAME.sub("", text).lower()[:140] for text in (row.email.split("@")[0], row.number)]
    candidates = [candidate for candidate in candidates if candidate] or ["employee"]
    for candidate in candidates:
        if candidate.casefold() not in taken:
            return candidate
    suffix = 2
    while f"{candidates[0]}-{suffix}".casefold() in taken:
        suffix += 1
    return f"{candidates[0]}-{suffix}"


def employees_import_plan(
    *, content: bytes, fmt: str, create_missing: bool = False, by: User | None = None
) -> EmployeePlan:
    """What importing this employees file would change. Raises ImportFileError listing every error.

    `create_missing`: sections and positions the database lacks are created; without it each
    is an error naming it, with a did-you-mean hint when it nearly matches an existing one.
    `by`, the person importing, may change only what the admin would let them change
    (hrportal.access); None (the command line, run by whoever runs the server) is not limited.
    """
    return _Planner(_read_rows(read_table(content, fmt)), create_missing=create_missing, by=by).build()


def employees_import_apply(*, plan: EmployeePlan) -> None:
    """Write `plan` in one transaction. Supervisors are set last, once everyone in the file exists."""
    with transaction.atomic():
        # Positions, sections and supervisors are on people's pages and their supervisors'
        # team pages, old and new: the whole framework's stamp, as imports are rare.
        bump_framework()
        sections = named_objects(Section, plan.sections_to_create)
        positions = named_objects(Position, plan.positions_to_create)
        supervisor_of: dict[str, str] = {}
        for new in plan.employees_to_create:
            _create_employee(new, sections, positions)
            if new.supervisor:
                supervisor_of[new.number] = new.supervisor
        changes: dict[str, dict[str, str]] = defaultdict(dict)
        for change in plan.employee_changes:
            if change.field == "supervisor":
                supervisor_of[change.number] = change.new
            else:
                changes[change.number][change.field] = change.new
        numbers = set(changes) | set(supervisor_of) | set(supervisor_of.values())
        users = {u.employee_number: u for u in User.objects.filter(employee_number__in=numbers)}
        for number, values in changes.items():
            user = users[number]
            for name, value in values.items():
                related = {"section": sections, "position": positions}.get(name)
                setattr(user, name, (related.get(value) if value else None) if related is not None else value)
            user.save(update_fields=list(values))
        for number, supervisor in supervisor_of.items():
            user = users[number]
            user.supervisor = users[supervisor] if supervisor else None
            user.save(update_fields=["supervisor"])


def _create_employee(new: NewEmployee, sections: dict[str, Section], positions: dict[str, Position]) -> User:
    user = User(
        username=new.username,
        employee_number=new.number,
        first_name=new.first_name,
        last_name=new.last_name,
        email=new.email,
        section=sections.get(new.section),
        position=positions.get(new.position),
        language=new.language,
    )
    # No password until they choose one through the password reset (hrportal.forms).
    user.set_unusable_password()
    user.save()
    return user
