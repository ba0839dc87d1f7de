"""Load a believable demo organisation (see hrportal/demo_data.py). Safe to run again: it changes nothing."""

import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from assessments.models import (
    AnswerOption,
    Assessment,
    AssessmentResult,
    Audience,
    CompetencyMapping,
    Question,
    QuestionKind,
)
from assessments.services import result_record
from assessments.services.question_bank import assessment_publish_problems
from competencies.models import (
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
from hrportal.models import HC_GROUP_NAME, Position, Section, User
from idp import services as idp_services
from idp.models import ActivityType, IdpItem


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

    def run(self) -> None:
        self.seed_organisation()
        self.seed_framework()
        self.seed_matrix()
        self.seed_employees()
        self.seed_assessments()
        self.seed_results()
        self.seed_overrides()
        self.seed_online_assessments()
        self.seed_assessment_item()

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
                changed = target_set(
                    position=position,
                    competency=competency,
                    level=level if code in applicable else None,
                    by=None,
                    note=data.TARGET_NOTE,
                )
                self.created["target changes"] += changed

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
        recorder = self.users[data.DEMO_HC]
        # From the data, not the database, so an edited pass mark cannot shift the random sequence.
        pass_marks = {title: pass_percentage for _, title, pass_percentage in data.ASSESSMENTS}
        for title, score, completed_at in data.DEMO_EMPLOYEE_RESULTS:
            self.record(self.users[data.DEMO_EMPLOYEE], title, score, completed_at, recorder)
        for _, username, *_, position, _ in data.EMPLOYEES:
            if username == data.DEMO_EMPLOYEE:
                continue
            for title in data.ASSESSMENT_POOLS[position]:
                # Draw every number whether or not it is used, so the sequence never shifts.
                taken = self.rng.random() < data.ASSESSMENT_TAKE_CHANCE
                score = self.rng.randint(*data.SCORE_RANGE)
                day = self.rng.randint(0, data.FIRST_ATTEMPT_DAYS)
                at = data.FIRST_ATTEMPT_FROM + timedelta(
                    days=day, hours=self.rng.randint(8, 15), minutes=self.rng.choice([0, 15, 30, 45])
                )
                retake = self.rng.random() < data.ASSESSMENT_RETAKE_CHANCE
                retake_score = self.rng.randint(pass_marks[title], data.SCORE_RANGE[1])
                retake_at = at + timedelta(days=self.rng.randint(*data.RETAKE_AFTER_DAYS))
                if not taken:
                    continue
                result = self.record(self.users[username], title, score, at, recorder)
                if not result.passed and retake:
                    self.record(self.users[username], title, retake_score, retake_at, recorder)

    def record(self, employee, title, score, completed_at, recorder) -> AssessmentResult:
        recorded = result_record(
            employee=employee,
            assessment=self.assessments[title],
            score=score,
            completed_at=completed_at,
            # Nobody records their own result: demo.hc's own come in as an unattended import.
            recorded_by=recorder if recorder != employee else None,
        )
        self.created["assessment results"] += recorded.created
        self.created["level changes"] += len(recorded.level_changes)
        return recorded.result

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
        item = idp_services.idp_item_approve(
            item=item, by=self.users[data.DEMO_SUPERVISOR], comment="Good first step: take it this week."
        )
        idp_services.idp_item_start(item=item, by=employee)
        self.created["IDP items"] += 1


SILENT_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = "Create a demo organisation: sections, positions, framework, matrix, employees, assessments, results."

    def handle(self, *args, **options) -> None:
        seeder = Seeder()
        # The demo's history is made up: keep its in-app notifications (they show the
        # feature), but send no email for it, or the console backend prints thousands.
        with override_settings(MAILERS=SILENT_MAILERS), transaction.atomic():
            seeder.run()

        created = +seeder.created  # drop zero counts
        if created:
            changes = ", ".join(f"{count} {kind}" for kind, count in sorted(created.items()))
            self.stdout.write(self.style.SUCCESS(f"Created or changed: {changes}."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already in place: nothing created or changed."))

        totals = [
            ("sections", Section.objects.count()),
            ("positions", Position.objects.count()),
            ("skill groups", SkillGroup.objects.count()),
            ("competencies", Competency.objects.count()),
            ("level descriptors", LevelDescriptor.objects.count()),
            ("position targets", PositionTarget.objects.count()),
            ("employees", User.objects.filter(employee_number__isnull=False).count()),
            ("assessments", Assessment.objects.count()),
            ("online (published)", Assessment.objects.published().count()),
            ("questions", Question.objects.count()),
            ("competency mappings", CompetencyMapping.objects.count()),
            ("assessment results", AssessmentResult.objects.count()),
            ("competency levels", CompetencyLevel.objects.count()),
            ("level history rows", CompetencyLevelHistory.objects.count()),
            ("IDP items", IdpItem.objects.count()),
            ("target history rows", PositionTargetHistory.objects.count()),
        ]
        self.stdout.write("\nIn the database now:")
        for label, count in totals:
            self.stdout.write(f"  {label:<22}{count:>5}")

        employee, supervisor, hc = (
            seeder.users[name] for name in (data.DEMO_EMPLOYEE, data.DEMO_SUPERVISOR, data.DEMO_HC)
        )
        reports = User.objects.direct_reports_of(supervisor).count()
        self.stdout.write(f"\nDemo logins (password for all: {data.PASSWORD}):")
        for user, role in [
            (employee, f"employee: {employee.position}, {employee.section}; supervised by {supervisor.username}"),
            (supervisor, f"supervisor: {supervisor.position}, {supervisor.section}; {reports} direct reports"),
            (hc, f"HC staff (admin and HC pages); also {hc.position}, {hc.section}"),
            (seeder.users[data.DEMO_IT[0]], "IT superuser: grants roles, changes emails and passwords"),
        ]:
            self.stdout.write(f"  {user.username:<17}{user.get_full_name():<18}{role}")
