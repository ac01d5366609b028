"""``manage.py backup``: pg_dump (custom format) + media files + a manifest of row counts and checksums."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc, one consistent snapshot), the media files and a manifest of "
        "every table's row count and checksum into a new folder under --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default="", help="Folder that receives the backup folder (BACKUP_DIR).")

    def handle(self, *args, output: str, **options):
        try:
            folder = backup.backup(output=Path(output or settings.BACKUP_DIR))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(folder)
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"{folder}: {len(manifest['tables'])} tables, {rows} rows, {manifest['media_files']} media files"
        )
