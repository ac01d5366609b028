"""pg_trgm for the duplicate search at intake (similar text, same place and category)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("petitions", "0002_categories")]
    operations = [TrigramExtension()]
