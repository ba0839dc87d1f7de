import pytest
from django.core.management import call_command

from hrportal import demo_data
from idp.models import ItemStatus
from learning.models import LearningObjective, LearningPlan

pytestmark = pytest.mark.django_db


def test_demo_employee_has_a_drafted_plan_with_one_objective_made_an_idp_item_and_a_rerun_changes_nothing():
    call_command("seed_demo", verbosity=0)
    plan = LearningPlan.objects.get(employee__username=demo_data.DEMO_EMPLOYEE)
    objectives = LearningObjective.objects.filter(plan=plan)
    assert objectives.count() >= 5 and plan.phases.count() >= 2
    made = objectives.filter(idp_item__isnull=False).select_related("idp_item").get()
    assert made.idp_item.status == ItemStatus.DRAFT and made.idp_item.target_level == made.to_level
    first = list(objectives.values_list("pk", "specific", "due_date", "idp_item"))

    call_command("seed_demo", verbosity=0)

    assert (
        list(LearningObjective.objects.filter(plan=plan).values_list("pk", "specific", "due_date", "idp_item")) == first
    )
