from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from hrportal.joining import code_hashes, normalize_code
from hrportal.models import HC_GROUP_NAME, JoinCode, Position, Section, User

PASSWORD = "correct-horse-battery"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Section {n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Position {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    section = factory.SubFactory(SectionFactory)
    position = factory.SubFactory(PositionFactory)
    password = factory.django.Password(PASSWORD)


class HcUserFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def hc_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name=HC_GROUP_NAME)[0])


class JoinCodeFactory(factory.django.DjangoModelFactory):
    """A join code whose text is `code` (a Params field: only its hash is stored)."""

    class Meta:
        model = JoinCode

    class Params:
        code = factory.Sequence(lambda n: f"TEST-CODE-{n:04d}")

    code_hash = factory.LazyAttribute(lambda o: code_hashes(o.code)[0])
    hint = factory.LazyAttribute(lambda o: normalize_code(o.code)[:4])
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    max_uses = 5
