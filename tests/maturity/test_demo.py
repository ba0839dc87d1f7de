import pytest
from django.core.management import call_command

from hrportal import demo_data
from maturity.bands import MaturityBand
from maturity.models import MaturityQuestion
from maturity.selectors import maturity_history

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_default_questionnaire_and_two_past_assessments_rising(client):
    call_command("seed_demo", verbosity=0)

    assert MaturityQuestion.objects.filter(is_active=True).count() == 9
    newer, older = maturity_history()
    assert (older.band, newer.band) == (MaturityBand.MANAGED, MaturityBand.DEFINED)
    assert older.answered_at < newer.answered_at
    client.login(username=demo_data.DEMO_HC, password=demo_data.PASSWORD)
    assert "3 · Defined" in client.get("/maturity/").content.decode()


def test_the_demo_leaves_an_edited_questionnaire_as_it_is():
    call_command("seed_demo", verbosity=0)
    question = MaturityQuestion.objects.order_by("order").first()
    question.text_en = "Edited by HC?"
    question.save()

    call_command("seed_demo", verbosity=0)

    question.refresh_from_db()
    assert question.text_en == "Edited by HC?"
    assert len(maturity_history()) == 2
