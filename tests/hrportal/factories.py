import factory
from django.contrib.auth.models import Group

from hrportal.models import HC_GROUP_NAME, Position, Section, User

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
