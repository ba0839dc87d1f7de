from datetime import timedelta

import factory
from django.utils import timezone

from idp.models import ActivityType, IdpItem, ItemStatus
from tests.competencies.factories import CompetencyFactory
from tests.hrportal.factories import UserFactory


class IdpItemFactory(factory.django.DjangoModelFactory):
    """Direct creation in any status, for test set-up; the application goes through idp.services."""

    class Meta:
        model = IdpItem

    employee = factory.SubFactory(UserFactory)
    competency = factory.SubFactory(CompetencyFactory)
    target_level = 2
    activity_type = ActivityType.TRAINING
    description = "Attend the course and apply it on shift."
    target_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    status = ItemStatus.DRAFT
