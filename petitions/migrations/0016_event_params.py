"""Timeline entries the system wrote as finished (Chinese) text keep what happened as parameters
instead, and are put into words in each reader's language (``petitions.timeline``)."""

from django.db import migrations

FORWARD = [
    # Filed through a channel: the channel is the item's own.
    """UPDATE petitions_event e SET text = '', data = e.data || jsonb_build_object('channel', p.channel)
       FROM petitions_petition p WHERE p.id = e.petition_id AND e.action = 'file'""",
    # Merged into another item: that item's code.
    """UPDATE petitions_event e SET text = '', data = e.data || jsonb_build_object('code', t.tracking_code)
       FROM petitions_petition p JOIN petitions_petition t ON t.id = p.merged_into_id
       WHERE p.id = e.petition_id AND e.action = 'merge' AND e.kind = 'transition'""",
    # The note on the item merged into, and a report attached at filing: the other item's code.
    """UPDATE petitions_event SET data = data || jsonb_build_object('merged', substring(text from 'ZH[0-9A-Z]{8}')),
              text = ''
       WHERE action = 'merge' AND kind = 'note' AND text ~ 'ZH[0-9A-Z]{8}'""",
    """UPDATE petitions_event SET data = data || jsonb_build_object('code', substring(text from 'ZH[0-9A-Z]{8}')),
              text = ''
       WHERE action = 'attach' AND text ~ 'ZH[0-9A-Z]{8}'""",
    # Warnings and escalations already keep their deadline, time and levels in ``data``.
    "UPDATE petitions_event SET text = '' WHERE action IN ('warn', 'escalate')",
]


class Migration(migrations.Migration):
    dependencies = [("petitions", "0015_outcome")]

    operations = [migrations.RunSQL(sql, migrations.RunSQL.noop) for sql in FORWARD]
