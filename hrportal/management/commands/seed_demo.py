"""Load a believable demo organisation (see hrportal/demo_data.py). Safe to run again: it changes nothing."""

import calendar
import csv
import io
import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property, partial
from typing import cast

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from assessments.models import (
    AnswerOption,
    Assessment,
    AssessmentResult,
    Audience,
    CompetencyMapping,
    Question,
    QuestionKind,
)
from assessments.results_import import results_import_apply, results_import_plan
from assessments.services.question_bank import assessment_publish_problems
from assessments.services.results import result_passes
from competencies.models import (
    CareerPath,
    CareerPathStep,
    Competency,
    CompetencyLevel,
    CompetencyLevelHistory,
    LevelDescriptor,
    PositionTarget,
    PositionTargetHistory,
    SkillGroup,
)
from competencies.services import level_override, target_set
from hrportal import demo_data as data
from hrportal import demo_data_id as data_id
from hrportal import translated
from hrportal.joining import code_hashes, join_code_create
from hrportal.models import HC_GROUP_NAME, JoinCode, Notification, Position, Section, User
from hrportal.notifications import notification_mark_read, notifications_mark_all_read
from hrportal.page_cache import bump_framework
from hrportal.people_import import employees_import_apply, employees_import_plan
from idp import services as idp_services
from idp.models import ActivityType, IdpItem
from idp.selectors import active_items_by_competency
from learning import services as learning_services
from learning.models import LearningPlan
from maturity.demo import seed_maturity
from strategies.models import Strategy
from strategies.services import strategies_load_defaults
from surveys.models import SelfRating, SurveyRound
from surveys.rounds import survey_round_save
from surveys.services import self_ratings_set, supervisor_rating_set


class Seeder:
    """Creates the demo rows; `created` counts what this run added or changed, by kind."""

    def __init__(self) -> None:
        self.rng = random.Random(data.SEED)
        self.created: Counter[str] = Counter()
        self.sections: dict[str, Section] = {}
        self.positions: dict[str, Position] = {}
        self.competencies: dict[str, Competency] = {}
        self.users: dict[str, User] = {}
        self.assessments: dict[str, Assessment] = {}
        self.oj_titles: dict[tuple[str, int], str] = {}  # (competency code, level) → its OJ sign-off
        self.months = 0  # the demo's month shift (month_shift)

    def run(self) -> None:
        self.months = month_shift()
        self.seed_organisation()
        self.seed_framework()
        self.seed_framework_indonesian()
        self.seed_matrix()
        self.seed_strategies()
        self.seed_employees()
        self.seed_assessments()
        self.seed_career_paths()
        self.seed_results()
        self.seed_overrides()
        self.seed_online_assessments()
        self.seed_assessment_item()
        self.seed_idp_items()
        self.seed_learning_plan()
        self.seed_join_code()
        seed_maturity(hc=self.users[data.DEMO_HC], at=self.at, created=self.created)
        self.seed_survey_round()
        self.seed_self_ratings()

    @cached_property
    def password_hash(self) -> str:
        """The demo password hashed once per run (hashing takes seconds), and only if a user is new."""
        return make_password(data.PASSWORD)

    def upsert(self, model, lookup: dict, values: dict, on_create=None):
        """get_or_create on `lookup`, then bring `values` up to date (saving only real changes)."""
        obj = model.objects.filter(**lookup).first()
        kind = str(model._meta.verbose_name_plural)
        if obj is None:
            obj = model(**lookup, **values)
            if on_create:
                on_create(obj)
            obj.save()
            self.created[kind] += 1
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            self.created[f"{kind} updated"] += 1
        return obj

    def seed_organisation(self) -> None:
        for name in data.SECTIONS:
            self.sections[name] = self.upsert(Section, {"name": name}, {})
        for name in data.POSITIONS:
            self.positions[name] = self.upsert(Position, {"name": name}, {})

    def seed_framework(self) -> None:
        for prefix, group_name, description, competencies in data.SKILL_GROUPS:
            group = self.upsert(SkillGroup, {"name": group_name}, {"description": description})
            for number, (name, definition, topics) in enumerate(competencies, start=1):
                code = f"{prefix}-{number:02d}"
                competency = self.upsert(
                    Competency, {"code": code}, {"name": name, "definition": definition, "group": group}
                )
                self.competencies[code] = competency
                words = {"name": name.lower(), "t0": topics[0], "t1": topics[1], "t2": topics[2]}
                for level in range(1, 6):
                    self.upsert(
                        LevelDescriptor,
                        {"competency": competency, "level": level},
                        {
                            "behaviour_indicators": data.BEHAVIOUR_TEMPLATES[level].format(**words),
                            "syllabus": data.SYLLABUS_TEMPLATES[level].format(**words),
                            "deliverable": data.DELIVERABLE_TEMPLATES[level].format(**words),
                        },
                    )

    # --- The framework in Bahasa Indonesia (hrportal/demo_data_id.py) ---------------------------
    def seed_framework_indonesian(self) -> None:
        """The Indonesian texts beside the English ones that seed_organisation and seed_framework wrote."""
        indonesian = partial(translated.column, language=translated.INDONESIAN)
        for position_name, position in self.positions.items():
            self.upsert(Position, {"pk": position.pk}, {indonesian("name"): data_id.POSITIONS[position_name]})
        for prefix, group_name, _description, competencies in data.SKILL_GROUPS:
            group = data_id.SKILL_GROUPS[group_name]
            self.upsert(
                SkillGroup,
                {translated.english_column(SkillGroup, "name"): group_name},
                {indonesian("name"): group.name, indonesian("description"): group.description},
            )
            for number, (name, _definition, _topics) in enumerate(competencies, start=1):
                text = data_id.COMPETENCIES[name]
                competency = self.competencies[f"{prefix}-{number:02d}"]
                self.upsert(
                    Competency,
                    {"pk": competency.pk},
                    {indonesian("name"): text.name, indonesian("definition"): text.definition},
                )
                for level in range(1, 6):
                    fields = ("behaviour_indicators", "syllabus", "deliverable")
                    self.upsert(
                        LevelDescriptor,
                        {"competency": competency, "level": level},
                        dict(zip(map(indonesian, fields), data_id.descriptor_texts(text, level), strict=True)),
                    )

    # --- end of the Indonesian framework ---------------------------------------------------------

    def seed_matrix(self) -> None:
        """Each position targets 18–26 competencies, favouring its stronger groups; the rest are N/A."""
        for position_name, profile in data.TARGET_PROFILES.items():
            position = self.positions[position_name]
            count = self.rng.randint(*data.TARGETS_PER_POSITION)
            weight = {
                code: profile[code[:3]] + data.APPLICABILITY_NOISE * self.rng.random() for code in self.competencies
            }
            applicable = set(sorted(weight, key=lambda code: -weight[code])[:count])
            for code, competency in self.competencies.items():
                level = min(5, max(1, profile[code[:3]] + self.rng.choice(data.TARGET_VARIATION)))
                target_weight, critical = data.TARGET_PRIORITIES.get(code, (1, False))
                changed = target_set(
                    position=position,
                    competency=competency,
                    level=level if code in applicable else None,
                    weight=target_weight,
                    is_critical=critical,
                    by=None,
                    note=data.TARGET_NOTE,
                    at=self.at(data.MATRIX_FROM),
                )
                self.created["target changes"] += changed

    def seed_strategies(self) -> None:
        """The default qualification strategies (strategies/fixtures/default_strategies.json), proposed
        for the demo framework; none is applied, so HC's preview shows what each would change."""
        self.created["strategies"] += strategies_load_defaults()

    def seed_employees(self) -> None:
        for number, username, first, last, section, position, supervisor in data.EMPLOYEES:
            self.users[username] = self.upsert(
                User,
                {"username": username},
                {
                    "employee_number": number,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@{data.EMAIL_DOMAIN}",
                    "section": self.sections[section],
                    "position": self.positions[position],
                    "supervisor": self.users[supervisor] if supervisor else None,
                    "is_staff": username == data.DEMO_HC,
                },
                on_create=lambda user: setattr(user, "password", self.password_hash),
            )
        hc_group, _ = Group.objects.get_or_create(name=HC_GROUP_NAME)
        self.users[data.DEMO_HC].groups.add(hc_group)
        it_username, it_first, it_last = data.DEMO_IT
        self.users[it_username] = self.upsert(
            User,
            {"username": it_username},
            {
                "first_name": it_first,
                "last_name": it_last,
                "email": f"{it_username}@{data.EMAIL_DOMAIN}",
                "is_staff": True,
                "is_superuser": True,
            },
            on_create=lambda user: setattr(user, "password", self.password_hash),
        )

    def seed_assessments(self) -> None:
        for category, title, pass_percentage in data.ASSESSMENTS:
            self.assessments[title] = self.upsert(
                Assessment,
                {"category": category, "title": title},
                {"pass_percentage": Decimal(pass_percentage)},
            )
        for category, pattern, code, level in data.CATEGORY_MAPPINGS:
            self.mapping(
                category=category,
                title_pattern=pattern,
                competency=self.competencies[code],
                level=level,
                validity_months=data.LICENCE_VALIDITY.get((category, pattern, code)),
            )
        for title, code, level, minimum in data.ASSESSMENT_MAPPINGS:
            self.mapping(
                assessment=self.assessments[title],
                competency=self.competencies[code],
                level=level,
                minimum_score=None if minimum is None else Decimal(minimum),
            )
        self.seed_oj_sign_offs()

    def seed_oj_sign_offs(self) -> None:
        """One Assessment OJ per competency and level, granting that level; none for the licence
        competencies, which only a licence raises. Two queries when they are all in place (a
        hundred and forty, one at a time, made every run noticeably slower)."""
        held = {a.code: a for a in Assessment.objects.filter(category=data.ASSESSMENT_OJ).exclude(code="")}
        granting = set(
            CompetencyMapping.objects.filter(assessment__in=list(held.values())).values_list(
                "assessment_id", "competency_id", "level_granted"
            )
        )
        for code, competency in self.competencies.items():
            if code in data.LICENCE_COMPETENCIES:
                continue
            for level in range(1, 6):
                oj_code = data.OJ_CODE.format(code=code, level=level)
                values = {
                    "category": data.ASSESSMENT_OJ,
                    "title": data.OJ_TITLE.format(code=code, level=level),
                    "pass_percentage": Decimal(data.OJ_PASS_PERCENTAGE),
                }
                assessment = held.get(oj_code)
                if assessment is None or any(getattr(assessment, name) != value for name, value in values.items()):
                    assessment = self.upsert(Assessment, {"code": oj_code}, values)
                self.oj_titles[(code, level)] = assessment.title
                if (assessment.pk, competency.pk, level) not in granting:
                    self.mapping(assessment=assessment, competency=competency, level=level)

    def seed_career_paths(self) -> None:
        for name, description, positions in data.CAREER_PATHS:
            path = self.upsert(CareerPath, {"name": name}, {"description": description})
            for order, position in enumerate(positions, start=1):
                self.upsert(CareerPathStep, {"path": path, "order": order}, {"position": self.positions[position]})

    def mapping(
        self,
        *,
        competency,
        level,
        assessment=None,
        category="",
        title_pattern="",
        minimum_score=None,
        validity_months=None,
    ):
        fields = {
            "competency": competency,
            "level_granted": level,
            "assessment": assessment,
            "category": category,
            "title_pattern": title_pattern,
            "minimum_score": minimum_score,
        }
        if not CompetencyMapping.objects.filter(**fields).exists():
            mapping = CompetencyMapping(**fields, validity_months=validity_months)
            mapping.full_clean()
            mapping.save()
            self.created["competency mappings"] += 1

    def seed_results(self) -> None:
        """Every demo result comes in as one results import (as the plant's earlier records
        would): the 2026 results and the sign-offs of the years before. The import replays each
        person's results in completion order through the same rules as result_record, so levels,
        history (naming each result), expiry and notifications are the product's own."""
        rows = self.results_2026() + self.results_before()
        content = io.StringIO()
        writer = csv.writer(content)
        writer.writerow(["employee_number", "assessment", "score", "completed_at"])
        for employee, title, score, completed_at in rows:
            writer.writerow([employee.employee_number, title, score, completed_at.isoformat(timespec="minutes")])
        # Unattended (by nobody), as an import from another system: nobody imports their own
        # result, and demo.hc, the only HC member, has results of her own.
        plan = results_import_plan(content=content.getvalue().encode(), fmt="csv", file_name=data.HISTORY_FILE, by=None)
        if not plan.new_results:
            return
        results_import_apply(plan=plan, by=None, door="seed_demo")
        self.created["assessment results"] += len(plan.new_results)
        self.created["level changes"] += len(plan.level_changes)
        # Old news by now: everyone has read the notification of their imported levels.
        for user in User.objects.filter(pk__in=Notification.objects.unread().values("recipient")):
            notifications_mark_all_read(user=user)

    def at(self, moment: datetime) -> datetime:
        """A demo date moved by the demo's month shift (see data.DEMO_PRESENT)."""
        return shift_months(moment, self.months)

    def results_2026(self) -> list[tuple[User, str, int, datetime]]:
        """demo.employee's fixed results and the others' drawn from their position's pool."""
        rows = [
            (self.users[data.DEMO_EMPLOYEE], title, score, self.at(completed_at))
            for title, score, completed_at in data.DEMO_EMPLOYEE_RESULTS
        ]
        # From the data, not the database, so an edited pass mark cannot shift the random sequence.
        pass_marks = {title: pass_percentage for _, title, pass_percentage in data.ASSESSMENTS}
        for _, username, *_, position, _ in data.EMPLOYEES:
            if username == data.DEMO_EMPLOYEE:
                continue
            for title in data.ASSESSMENT_POOLS[position]:
                # Draw every number whether or not it is used, so the sequence never shifts.
                taken = self.rng.random() < data.ASSESSMENT_TAKE_CHANCE
                score = self.rng.randint(*data.SCORE_RANGE)
                day = self.rng.randint(0, data.FIRST_ATTEMPT_DAYS)
                at = self.at(data.FIRST_ATTEMPT_FROM) + timedelta(
                    days=day, hours=self.rng.randint(8, 15), minutes=self.rng.choice([0, 15, 30, 45])
                )
                retake = self.rng.random() < data.ASSESSMENT_RETAKE_CHANCE
                retake_score = self.rng.randint(pass_marks[title], data.SCORE_RANGE[1])
                retake_at = at + timedelta(days=self.rng.randint(*data.RETAKE_AFTER_DAYS))
                if not taken:
                    continue
                rows.append((self.users[username], title, score, at))
                if retake and not result_passes(assessment=self.assessments[title], score=Decimal(score)):
                    rows.append((self.users[username], title, retake_score, retake_at))
        return rows

    def results_before(self) -> list[tuple[User, str, int, datetime]]:
        """The sign-offs that brought each person to their level in each competency of their
        position (data.LEVEL_SPREAD around its target; the ready ones measured against their
        next position too), and the Licencor passes of some. Drawn from their own Random, in a
        fixed order, so the 2026 results above keep their sequence."""
        rng = random.Random(f"{data.SEED}-history")
        targets: dict[int, dict[str, int]] = {}
        for position_id, code, level in PositionTarget.objects.values_list(
            "position_id", "competency__code", "target_level"
        ):
            targets.setdefault(position_id, {})[code] = level
        next_position = {
            positions[index].pk: positions[index + 1].pk
            for _, _, names in data.CAREER_PATHS
            for positions in [[self.positions[name] for name in names]]
            for index in range(len(positions) - 1)
        }
        overridden = {(username, code) for username, code, *_ in data.OVERRIDES}
        rows: list[tuple[User, str, int, datetime]] = []
        for _, username, *_ in data.EMPLOYEES:
            employee = self.users[username]
            position_id = cast(int, employee.position_id)  # every demo employee holds one
            own = targets.get(position_id, {})
            aim, spread = dict(own), data.LEVEL_SPREAD
            if username in data.ALL_MET:
                spread = data.ALL_MET_SPREAD
            if username in data.READY_FOR_NEXT:
                spread = data.READY_SPREAD
                for code, level in targets.get(next_position[position_id], {}).items():
                    aim[code] = max(aim.get(code, 0), level)
            for code in sorted(aim):
                difference = pick(spread, rng.random())
                if code in data.LICENCE_COMPETENCIES or (username, code) in overridden:
                    continue
                if username == data.DEMO_EMPLOYEE:
                    level = data.DEMO_EMPLOYEE_GAPS.get(code, aim[code])
                else:
                    level = 0 if difference is None else min(5, max(0, aim[code] + difference))
                rows += self.sign_offs(rng, employee, code, level)
            holds_licence = rng.random() < data.LICENCE_HOLD_CHANCE or username in data.ALL_MET
            title = rng.choice(data.LICENCE_TITLES)
            earliest = data.LICENCE_DAYS - data.LICENCE_RECENT_DAYS if username in data.ALL_MET else 0
            at = self.at(data.LICENCE_FROM) + timedelta(
                days=rng.randint(earliest, data.LICENCE_DAYS), hours=rng.randint(8, 15)
            )
            score = rng.randint(80, 97)
            targets_licence = any(code in own for code in data.LICENCE_COMPETENCIES)
            if holds_licence and targets_licence and username not in (data.DEMO_EMPLOYEE, *data.LICENCE_KEPT):
                rows.append((employee, title, score, at))
        return rows

    def sign_offs(self, rng: random.Random, employee: User, code: str, level: int) -> list:
        """The OJ sign-offs of one competency up to `level`, the last one at a random date."""
        last = self.at(data.HISTORY_FROM) + timedelta(
            days=rng.randint(0, data.HISTORY_DAYS), hours=rng.randint(8, 15), minutes=rng.choice([0, 15, 30, 45])
        )
        first_level = max(1, level - rng.choice([0, 1, 1, 2]))
        rows, at = [], last
        for step in range(level, first_level - 1, -1):
            title = self.oj_titles[(code, step)]
            rows.append((employee, title, rng.randint(data.OJ_PASS_PERCENTAGE + 1, 97), at))
            if rng.random() < data.FAILED_FIRST_CHANCE:
                failed_at = at - timedelta(days=rng.randint(*data.FAILED_BEFORE_DAYS))
                rows.append((employee, title, rng.randint(55, data.OJ_PASS_PERCENTAGE - 1), failed_at))
            at -= timedelta(days=rng.randint(*data.LEVEL_STEP_DAYS))
        return rows

    def seed_overrides(self) -> None:
        for username, code, level, reason in data.OVERRIDES:
            employee, competency = self.users[username], self.competencies[code]
            if CompetencyLevel.objects.filter(employee=employee, competency=competency).exists():
                continue
            level_override(
                employee=employee, competency=competency, level=level, reason=reason, by=self.users[data.DEMO_HC]
            )
            self.created["manual overrides"] += 1

    def seed_online_assessments(self) -> None:
        """The published online assessments with their banks; published only once the bank is
        complete, by the same rule the admin applies (assessment_publish_problems)."""
        for spec in data.ONLINE_ASSESSMENTS:
            assessment = self.upsert(
                Assessment,
                {"category": data.ONLINE, "title": spec["title"]},
                {
                    "pass_percentage": Decimal(spec["pass_percentage"]),
                    "time_limit_minutes": spec["time_limit_minutes"],
                    "max_attempts": spec["max_attempts"],
                    "cooldown_minutes": spec["cooldown_minutes"],
                    "questions_per_attempt": spec["questions_per_attempt"],
                    "review_policy": spec["review_policy"],
                    "instructions": spec["instructions"],
                    "audience": Audience.EVERYONE,
                },
            )
            self.assessments[assessment.title] = assessment
            for number, question in enumerate(spec["questions"], start=1):
                self.question(assessment, number, *question)
            for code, level, minimum in spec["mappings"]:
                self.mapping(
                    assessment=assessment,
                    competency=self.competencies[code],
                    level=level,
                    minimum_score=None if minimum is None else Decimal(minimum),
                )
            if not assessment.is_published:
                problems = assessment_publish_problems(assessment)
                if problems:
                    raise CommandError(f"{assessment}: {' '.join(problems)}")
                assessment.is_published = True
                assessment.save(update_fields=["is_published"])
                self.created["assessments published"] += 1

    def question(self, assessment, number, kind, code, text, points, answer, explanation) -> None:
        partial = kind == "multiple_partial"
        kind = QuestionKind.MULTIPLE if partial else QuestionKind(kind)
        question = self.upsert(
            Question,
            {"assessment": assessment, "number": number},
            {
                "kind": kind,
                "text": text,
                "points": Decimal(points),
                "partial_credit": partial,
                "true_false_answer": answer if kind == QuestionKind.TRUE_FALSE else None,
                "accepted_answers": "\n".join(answer) if kind == QuestionKind.SHORT_ANSWER else "",
                "explanation": explanation,
                "competency": self.competencies[code],
            },
        )
        options = answer if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []
        for order, (option_text, correct) in enumerate(options):
            self.upsert(
                AnswerOption, {"question": question, "order": order}, {"text": option_text, "is_correct": correct}
            )

    def seed_assessment_item(self) -> None:
        """demo.employee's approved, started IDP item naming an online assessment, through the
        same services as the pages (drafted by them, approved by demo.supervisor)."""
        code, title, target_level, description = data.DEMO_EMPLOYEE_ASSESSMENT_ITEM
        employee, assessment = self.users[data.DEMO_EMPLOYEE], self.assessments[title]
        if IdpItem.objects.filter(employee=employee, assessment=assessment).exists():
            return
        item = idp_services.idp_item_create(
            employee=employee,
            competency=self.competencies[code],
            activity_type=ActivityType.ASSESSMENT,
            description=description,
            target_date=timezone.localdate() + timedelta(weeks=6),
            target_level=target_level,
            assessment=assessment,
            by=employee,
        )
        item = idp_services.idp_item_submit(item=item, by=employee)
        self.read_about(item, self.users[data.DEMO_SUPERVISOR])
        item = idp_services.idp_item_approve(
            item=item, by=self.users[data.DEMO_SUPERVISOR], comment="Good first step: take it this week."
        )
        idp_services.idp_item_start(item=item, by=employee)
        self.created["IDP items"] += 1

    def seed_idp_items(self) -> None:
        """data.IDP_ITEMS, each taken through the workflow services to its status by the people
        the workflow names: the employee drafts, submits, starts and completes; their approver
        (supervisor, or HC for those without one) approves or rejects; HC verifies."""
        hc = self.users[data.DEMO_HC]
        steps = [data.SUBMITTED, data.APPROVED, data.IN_PROGRESS, data.COMPLETED, data.VERIFIED]
        for username, code, activity_type, description, weeks, status, comment, evidence in data.IDP_ITEMS:
            employee, competency = self.users[username], self.competencies[code]
            if IdpItem.objects.filter(employee=employee, competency=competency, description=description).exists():
                continue
            item = idp_services.idp_item_create(
                employee=employee,
                competency=competency,
                activity_type=activity_type,
                description=description,
                target_date=timezone.localdate() + timedelta(weeks=weeks),
                by=employee,
            )
            self.created["IDP items"] += 1
            approver = employee.approving_supervisor or hc
            # A cancelled item was approved first; a rejected one stops at the approver.
            last = {data.CANCELLED: data.APPROVED, data.REJECTED: data.SUBMITTED}.get(status, status)
            for step in steps[: steps.index(last) + 1] if last != data.DRAFT else []:
                if step == data.SUBMITTED:
                    item = idp_services.idp_item_submit(item=item, by=employee)
                elif step == data.APPROVED:
                    self.read_about(item, approver)
                    item = idp_services.idp_item_approve(item=item, by=approver, comment=comment)
                elif step == data.IN_PROGRESS:
                    item = idp_services.idp_item_start(item=item, by=employee)
                elif step == data.COMPLETED:
                    item = idp_services.idp_item_complete(item=item, by=employee, evidence_note=evidence)
                else:
                    self.read_about(item, hc)
                    item = idp_services.idp_item_verify(item=item, by=hc, comment="Bukti lengkap, level dikonfirmasi.")
            if status == data.REJECTED:
                self.read_about(item, approver)
                idp_services.idp_item_reject(item=item, by=approver, comment=comment)
            elif status == data.CANCELLED:
                idp_services.idp_item_cancel(item=item, by=employee, comment=comment)

    def seed_learning_plan(self) -> None:
        """demo.employee's learning plan, drafted by them from their gaps (in their language), with
        the first objective whose competency has no active IDP item turned into a draft item."""
        employee = self.users[data.DEMO_EMPLOYEE]
        if LearningPlan.objects.filter(employee=employee).exists():
            return
        with translation.override(employee.preferred_language):
            plan = learning_services.learning_plan_draft(employee=employee, by=employee)
            active = active_items_by_competency(employee=employee)
            objective = plan.objectives.exclude(competency_id__in=active).order_by("order").first()
            if objective is not None:
                learning_services.learning_objective_to_idp_item(objective=objective, by=employee)
                self.created["IDP items"] += 1
        self.created["learning plans"] += 1

    def seed_survey_round(self) -> None:
        """HC's open round (data.SURVEY_ROUND), created through the service as HC would (it tells
        its people if open today), and the ratings of those who have answered. A round seeded
        already, and anyone who has rated already, are left as they are."""
        if SurveyRound.objects.filter(name=data.SURVEY_ROUND).exists():
            return
        present = timezone.localtime(self.at(data.DEMO_PRESENT)).date()
        survey_round_save(
            round_=None,
            name=data.SURVEY_ROUND,
            sections=[self.sections[name] for name in data.SURVEY_ROUND_SECTIONS],
            positions=[self.positions[name] for name in data.SURVEY_ROUND_POSITIONS],
            opens_on=present - timedelta(days=data.SURVEY_ROUND_OPENED_DAYS_BEFORE),
            deadline=present + timedelta(days=data.SURVEY_ROUND_DEADLINE_DAYS_AFTER),
            reminder_days=data.SURVEY_ROUND_REMINDER_DAYS,
            by=self.users[data.DEMO_HC],
        )
        self.created["self-assessment rounds"] += 1
        # Its own random sequence, so the draws above never shift.
        rng = random.Random(f"{data.SEED}-survey-round")
        raters = [(name, True) for name in data.SURVEY_ROUND_RATED_ALL] + [
            (name, False) for name in data.SURVEY_ROUND_RATED_HALF
        ]
        people = [self.users[name] for name, _all in raters]
        rated_already = set(SelfRating.objects.filter(employee__in=people).values_list("employee_id", flat=True))
        levels = {
            (employee_id, competency_id): level
            for employee_id, competency_id, level in CompetencyLevel.objects.filter(employee__in=people).values_list(
                "employee_id", "competency_id", "level"
            )
        }
        for (_name, rates_all), person in zip(raters, people, strict=True):
            competencies = list(
                PositionTarget.objects.filter(position=person.position)
                .order_by("competency__code")
                .values_list("competency_id", flat=True)
            )
            offsets = [rng.choice(data.SURVEY_RATING_OFFSETS) for _ in competencies]  # drawn whether used or not
            if person.pk in rated_already:
                continue
            chosen = competencies if rates_all else competencies[: len(competencies) // 2]
            ratings = {
                competency_id: min(max(levels.get((person.pk, competency_id), 0) + offset, 0), 5)
                for competency_id, offset in zip(chosen, offsets, strict=False)
            }
            self_ratings_set(employee=person, levels=ratings, by=person)
            self.created["self-ratings"] += len(ratings)

    def seed_self_ratings(self) -> None:
        """demo.employee's self-ratings and demo.supervisor's rating, through the services (the
        same level again changes nothing, so a second run writes nothing). Codes no longer in the
        employee's position (HC changed the matrix) are left out."""
        for username, levels in data.SELF_RATINGS.items():
            employee = self.users[username]
            targets = dict(
                PositionTarget.objects.filter(position=employee.position).values_list(
                    "competency__code", "competency_id"
                )
            )
            changes = self_ratings_set(
                employee=employee,
                levels={targets[code]: level for code, level in levels.items() if code in targets},
                by=employee,
            )
            self.created["self-ratings"] += len(changes)
        for username, ratings in data.SUPERVISOR_RATINGS.items():
            employee = self.users[username]
            supervisor = employee.approving_supervisor
            if supervisor is None:
                continue
            for code, level, comment in ratings:
                competency = Competency.objects.get(code=code)
                current = employee.supervisor_ratings.filter(competency=competency).first()
                if current is not None and (current.level, current.comment) == (level, comment):
                    continue
                supervisor_rating_set(
                    employee=employee, competency=competency, level=level, comment=comment, by=supervisor
                )
                self.created["supervisor ratings"] += 1

    def read_about(self, item: IdpItem, user: User) -> None:
        """`user` opened the notifications about `item` before acting on it, as the page's link does."""
        for notification in Notification.objects.unread().filter(recipient=user, url=item.get_absolute_url()):
            notification_mark_read(notification=notification, user=user)

    def seed_join_code(self) -> None:
        """The newcomer comes in through the employees import, as HC adds people (without a
        password), and HC's join code for them is created once (its expiry a year from then)."""
        newcomer = {**data.DEMO_NEWCOMER, "email": f"{data.DEMO_NEWCOMER['username']}@{data.EMAIL_DOMAIN}"}
        file = io.StringIO()
        writer = csv.DictWriter(file, fieldnames=list(newcomer))
        writer.writeheader()
        writer.writerow(newcomer)
        plan = employees_import_plan(content=file.getvalue().encode(), fmt="csv")
        if plan.employees_to_create or plan.employee_changes:
            employees_import_apply(plan=plan)
            self.created["newcomers"] += len(plan.employees_to_create)
        if not JoinCode.objects.filter(code_hash__in=code_hashes(data.DEMO_JOIN_CODE)).exists():
            join_code_create(
                expires_at=timezone.now() + timedelta(days=data.DEMO_JOIN_CODE_DAYS),
                max_uses=data.DEMO_JOIN_CODE_USES,
                note=data.DEMO_JOIN_CODE_NOTE,
                by=self.users[data.DEMO_HC],
                code=data.DEMO_JOIN_CODE,
            )
            self.created["join codes"] += 1


def pick(spread: list[tuple[float, int | None]], draw: float) -> int | None:
    """The difference whose share of `spread` (chances adding up to 1) the draw 0–1 falls in."""
    for chance, difference in spread:
        if draw < chance:
            return difference
        draw -= chance
    return spread[-1][1]


def shift_months(moment: datetime, months: int) -> datetime:
    """`moment` moved by whole months, the day kept (or the month's last, if shorter)."""
    if not months:
        return moment
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def month_shift() -> int:
    """How many months the demo's dates move (see data.DEMO_PRESENT): read back from the
    demo's first fixed result if it is seeded already, so a second run moves nothing;
    otherwise from today's month, so the history ends the month before it."""
    title, _, written_at = data.DEMO_EMPLOYEE_RESULTS[0]
    seeded_at = (
        AssessmentResult.objects.filter(employee__username=data.DEMO_EMPLOYEE, assessment__title=title)
        .order_by("completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    then, now = (written_at, seeded_at) if seeded_at else (data.DEMO_PRESENT, timezone.now())
    now = now.astimezone(data.WIB)
    return (now.year - then.year) * 12 + now.month - then.month


def demo_present() -> datetime:
    """The seeded demo's present: data.DEMO_PRESENT moved by its month shift."""
    return shift_months(data.DEMO_PRESENT, month_shift())


SILENT_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = gettext(
        "Create a demo organisation: sections, positions, framework, matrix, employees, assessments, "
        "results, career paths, IDP items."
    )

    def handle(self, *args, **options) -> None:
        seeder = Seeder()
        # The demo's history is made up: keep its in-app notifications (they show the
        # feature), but send no email for it, or the console backend prints thousands.
        # The demo's rows are written in English, whatever LANGUAGE_CODE says: the framework's
        # lookups by name then read the English columns (modeltranslation rewrites them to the
        # active language's), and seed_framework_indonesian writes the Indonesian ones itself.
        with override_settings(MAILERS=SILENT_MAILERS), transaction.atomic(), translation.override("en"):
            seeder.run()
            bump_framework()  # the seeder writes some rows directly (hrportal/page_cache.py)

        created = +seeder.created  # drop zero counts
        if created:
            changes = ", ".join(f"{count} {kind}" for kind, count in sorted(created.items()))
            # The kinds are the seeder's own keys ("IDP items", "level changes"), in English.
            self.stdout.write(self.style.SUCCESS(gettext("Created or changed: %(changes)s.") % {"changes": changes}))
        else:
            self.stdout.write(self.style.SUCCESS(gettext("Demo data already in place: nothing created or changed.")))

        totals = [
            (gettext("sections"), Section.objects.count()),
            (gettext("positions"), Position.objects.count()),
            (gettext("skill groups"), SkillGroup.objects.count()),
            (gettext("competencies"), Competency.objects.count()),
            (gettext("level descriptors"), LevelDescriptor.objects.count()),
            (gettext("position targets"), PositionTarget.objects.count()),
            (gettext("employees"), User.objects.filter(employee_number__isnull=False).count()),
            (gettext("assessments"), Assessment.objects.count()),
            (gettext("online (published)"), Assessment.objects.published().count()),
            (gettext("questions"), Question.objects.count()),
            (gettext("competency mappings"), CompetencyMapping.objects.count()),
            (gettext("assessment results"), AssessmentResult.objects.count()),
            (gettext("competency levels"), CompetencyLevel.objects.count()),
            (gettext("level history rows"), CompetencyLevelHistory.objects.count()),
            (gettext("career paths"), CareerPath.objects.count()),
            (gettext("strategies"), Strategy.objects.count()),
            (gettext("IDP items"), IdpItem.objects.count()),
            (gettext("target history rows"), PositionTargetHistory.objects.count()),
        ]
        self.stdout.write("\n" + gettext("In the database now:"))
        for label, count in totals:
            self.stdout.write(f"  {label:<22}{count:>5}")

        employee, supervisor, hc = (
            seeder.users[name] for name in (data.DEMO_EMPLOYEE, data.DEMO_SUPERVISOR, data.DEMO_HC)
        )
        reports = User.objects.direct_reports_of(supervisor).count()
        self.stdout.write("\n" + gettext("Demo logins (password for all: %(password)s):") % {"password": data.PASSWORD})
        roles = [
            (
                employee,
                gettext("employee: %(position)s, %(section)s; supervised by %(supervisor)s")
                % {"position": employee.position, "section": employee.section, "supervisor": supervisor.username},
            ),
            (
                supervisor,
                ngettext(
                    "supervisor: %(position)s, %(section)s; %(count)s direct report",
                    "supervisor: %(position)s, %(section)s; %(count)s direct reports",
                    reports,
                )
                % {"position": supervisor.position, "section": supervisor.section, "count": reports},
            ),
            (
                hc,
                gettext("HC staff (admin and HC pages); also %(position)s, %(section)s")
                % {"position": hc.position, "section": hc.section},
            ),
            (seeder.users[data.DEMO_IT[0]], gettext("IT superuser: grants roles, changes emails and passwords")),
        ]
        for user, role in roles:
            self.stdout.write(f"  {user.username:<17}{user.get_full_name():<18}{role}")
        self.stdout.write(
            "\n"
            + gettext(
                "A new employee without a password: join at %(path)s with the code %(code)s, "
                "employee number %(number)s and email %(email)s."
            )
            % {
                "path": reverse("join"),
                "code": data.DEMO_JOIN_CODE,
                "number": data.DEMO_NEWCOMER["employee_number"],
                "email": f"{data.DEMO_NEWCOMER['username']}@{data.EMAIL_DOMAIN}",
            }
        )
