import pytest
from django.apps import apps
from django.core.management import call_command

from competencies.selectors import employee_gaps
from hrportal.models import User

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
