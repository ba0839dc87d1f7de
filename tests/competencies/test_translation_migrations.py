"""Upgrading a database from before the framework had two languages: one `migrate` makes every
existing text its English translation, so the pages show the same names as before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("competencies", "0004_level_expiry"), ("hrportal", "0004_user_language")]


def _migrate(targets=None):
    """The apps at `targets`, after migrating there; without targets, to the latest migrations
    (so that whatever came after the translation migrations is back for the next test)."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_migrate_makes_existing_texts_english_and_keeps_them():
    old = _migrate(BEFORE)
    try:
        group = old.get_model("competencies", "SkillGroup").objects.create(name="Safety", description="Safe work")
        competency = old.get_model("competencies", "Competency").objects.create(
            code="S-01", name="Permit to Work", definition="Works under permits.", group=group
        )
        old.get_model("competencies", "LevelDescriptor").objects.create(
            competency=competency,
            level=2,
            behaviour_indicators="Issues permits",
            syllabus="PTW course",
            deliverable="Log",
        )
        old.get_model("hrportal", "Position").objects.create(name="Operator")
    finally:
        new = _migrate()

    group = new.get_model("competencies", "SkillGroup").objects.get()
    assert (group.name_en, group.description_en, group.name_ind) == ("Safety", "Safe work", None)
    competency = new.get_model("competencies", "Competency").objects.get()
    assert (competency.name_en, competency.definition_en) == ("Permit to Work", "Works under permits.")
    descriptor = new.get_model("competencies", "LevelDescriptor").objects.get()
    assert (descriptor.behaviour_indicators_en, descriptor.syllabus_en, descriptor.deliverable_en) == (
        "Issues permits",
        "PTW course",
        "Log",
    )
    assert new.get_model("hrportal", "Position").objects.get().name_en == "Operator"
