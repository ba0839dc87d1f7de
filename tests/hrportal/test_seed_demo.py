from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command

from assessments.models import Assessment, AttemptQuestion, FinishReason, QuestionKind
from assessments.selectors.raising import raising_assessments_by_competency
from assessments.services.attempts import attempt_answers_save, attempt_finalise, attempt_start
from competencies.models import CompetencyLevel
from competencies.selectors.gaps import employee_gaps
from hrportal import demo_data
from hrportal.models import User
from idp.models import IdpItem, ItemStatus

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
    # The licence mappings lapse: in December 2026 (the demo's present) some levels have
    # expired, more expire within 90 days, and bambang.hartono's dashboard shows both.
    december = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    licences = CompetencyLevel.objects.filter(expires_at__isnull=False)
    assert licences.filter(expires_at__lte=december).exists()
    assert licences.filter(expires_at__gt=december, expires_at__lte=december + timedelta(days=90)).count() > 3
    bambang = employee_gaps(employee=User.objects.get(username="bambang.hartono"), now=december)
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
    attempt_answers_save(attempt=attempt, by=employee, answers=answers)
    finished = attempt_finalise(attempt=attempt, reason=FinishReason.SUBMITTED)

    assert finished.score == 100
    after = CompetencyLevel.objects.get(employee=employee, competency__code=code).level
    assert before < after == 2
    assert CompetencyLevel.objects.get(employee=employee, competency__code="GSH-01").level == 3  # the 85 % band
    item.refresh_from_db()
    assert item.status == ItemStatus.VERIFIED and item.verified_level == 2
