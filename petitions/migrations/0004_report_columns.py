"""Columns and indexes the KPI reports aggregate over (reports app): returns counted per item, the
working minutes from filing to reply, and the change indexes the rollup refresh reads."""

from django.db import migrations, models

# Items returned before the counter existed: count their "return" transitions on the timeline.
BACKFILL_RETURNS = """
UPDATE petitions_petition p SET return_count = r.n
FROM (
    SELECT petition_id, count(*) AS n FROM petitions_event WHERE action = 'return' GROUP BY petition_id
) r
WHERE r.petition_id = p.id
"""


class Migration(migrations.Migration):
    dependencies = [("petitions", "0003_trigram")]

    operations = [
        migrations.AddField(
            model_name="petition",
            name="return_count",
            field=models.PositiveSmallIntegerField(db_default=0, default=0, verbose_name="returns"),
        ),
        migrations.AddField(
            model_name="petition",
            name="work_minutes_to_reply",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="evaluation",
            index=models.Index(fields=["created_at"], name="evaluation_created"),
        ),
        migrations.AddIndex(
            model_name="petition",
            index=models.Index(fields=["updated_at"], name="petition_updated"),
        ),
        migrations.RunSQL(BACKFILL_RETURNS, migrations.RunSQL.noop),
    ]
