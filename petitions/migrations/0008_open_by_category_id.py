"""``petition_open_by_category_id`` replaces ``petition_open_by_category`` (benchmark issue 5): a
category's open items newest first, the scope's prefix checked inside the index, so the queue
filtered by category reads from the heap only the scope's rows of that category, in order, instead
of every such row before a sort. Added before the old one is dropped, both CONCURRENTLY (hence
``atomic = False``), so the queue always has an index for it and the table stays writable.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("petitions", "0007_open_by_id_region"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="petition",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "assigned", "accepted", "waiting"])),
                fields=["category", "-id", "region_path"],
                name="petition_open_by_category_id",
                opclasses=["int8_ops", "int8_ops", "varchar_pattern_ops"],
            ),
        ),
        RemoveIndexConcurrently(model_name="petition", name="petition_open_by_category"),
    ]
