"""``petition_open_by_id_region`` (benchmark issue 5): open items newest first with region_path in
the key, so a street's or district's queue page checks its scope inside the index and visits the heap
only for its own rows; a deep page costs the same in a city as in a district. Built CONCURRENTLY so a
10-million-row table stays writable meanwhile (hence ``atomic = False``).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("petitions", "0006_drop_redundant_fk_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="petition",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "assigned", "accepted", "waiting"])),
                fields=["-id", "region_path"],
                name="petition_open_by_id_region",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ),
    ]
