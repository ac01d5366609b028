"""The kinds of residents' meetings a district starts with (gridwork.reference)."""

from django.db import migrations


def add(apps, schema_editor):
    from gridwork.reference import add_meeting_kinds

    add_meeting_kinds(apps.get_model("gridwork", "MeetingKind"))


def remove(apps, schema_editor):
    from gridwork.reference import MEETING_KINDS

    apps.get_model("gridwork", "MeetingKind").objects.filter(code__in=[k[0] for k in MEETING_KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("gridwork", "0002_meeting_for_petition")]
    operations = [migrations.RunPython(add, remove)]
