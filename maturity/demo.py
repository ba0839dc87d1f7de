"""The demo's maturity history (seed_demo): the default questionnaire, answered twice by demo.hc.

Written through the product's own doors (loaddata, maturity_assessment_record) and only into an
empty questionnaire or history, so a second run, or a questionnaire HC have edited, changes nothing.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from django.core.management import call_command

from hrportal.demo_data import WIB
from hrportal.models import User
from maturity.models import MaturityAssessment, MaturityQuestion
from maturity.selectors import maturity_questionnaire
from maturity.services import maturity_assessment_record

# When, as of the demo's present (December 2026), and the score of each default question's
# chosen answer, in the questionnaire's order: a year ago mostly "Managed", in June "Defined".
DEMO_ASSESSMENTS: tuple[tuple[datetime, tuple[int, ...]], ...] = (
    (datetime(2025, 12, 8, 10, 0, tzinfo=WIB), (2, 1, 1, 1, 2, 1, 1, 0, 1)),
    (datetime(2026, 6, 15, 10, 0, tzinfo=WIB), (3, 2, 2, 2, 2, 2, 2, 1, 2)),
)


def seed_maturity(*, hc: User, at: Callable[[datetime], datetime], created: Counter[str]) -> None:
    """`at` moves a demo date by the demo's month shift; `created` counts what this run wrote."""
    if not MaturityQuestion.objects.exists():
        call_command("loaddata", "maturity_default", verbosity=0)
        created["maturity questions"] += MaturityQuestion.objects.count()
    if MaturityAssessment.objects.exists():
        return
    questions = maturity_questionnaire()
    for answered_at, scores in DEMO_ASSESSMENTS:
        answers = {}
        for index, question in enumerate(questions):
            # The option scoring closest to the demo's choice: an edited questionnaire may lack it.
            wanted = scores[index % len(scores)]
            distance = {option.id: abs(option.score - wanted) for option in question.options}
            answers[question.id] = min(distance, key=distance.__getitem__)
        maturity_assessment_record(answers=answers, by=hc, answered_at=at(answered_at))
        created["maturity assessments"] += 1
