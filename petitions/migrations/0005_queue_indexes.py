"""Triage queue indexes (benchmark issue 5), built and dropped CONCURRENTLY so a 10-million-row
table stays writable while they are applied (hence ``atomic = False``).

- ``petition_open_by_category``: a category filter reads only that category's open items inside the
  scope, not every item of the category ever filed.
- ``petition_open_by_due_region`` replaces ``petition_open_by_due``: same leading (next_due_at, id)
  order, with region_path in the key so a scope's prefix is checked in the index. Added first, so
  the queue always has an index for "due soonest".
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

OPEN = models.Q(("status__in", ["new", "assigned", "accepted", "waiting"]))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("petitions", "0004_report_columns"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="petition",
            index=models.Index(
                condition=OPEN,
                fields=["category", "region_path", "-id"],
                name="petition_open_by_category",
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
        ),
        AddIndexConcurrently(
            model_name="petition",
            index=models.Index(
                condition=OPEN,
                fields=["next_due_at", "id", "region_path"],
                name="petition_open_by_due_region",
                opclasses=["timestamptz_ops", "int8_ops", "varchar_pattern_ops"],
            ),
        ),
        RemoveIndexConcurrently(model_name="petition", name="petition_open_by_due"),
    ]
