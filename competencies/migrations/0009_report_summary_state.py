from django.db import migrations

# competencies.report_summary.STATE_PK: the one row the marks and refreshes update. Without it a
# level change before the report's first read would queue no refresh.
STATE_PK = 1


def create_state(apps, schema_editor):
    apps.get_model("competencies", "ReportSummaryState").objects.get_or_create(pk=STATE_PK)


def remove_state(apps, schema_editor):
    apps.get_model("competencies", "ReportSummaryState").objects.filter(pk=STATE_PK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("competencies", "0008_report_summary"),
    ]

    operations = [
        migrations.RunPython(create_state, remove_state),
    ]
