"""``manage.py restore FOLDER``: a backup into an empty database, verified against its manifest."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder written by `manage.py backup` into an empty database (the configured one, "
        "or --database-url) and an empty media folder, then check every table's row count and checksum "
        "against the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The backup folder (holds manifest.json).")
        parser.add_argument("--database-url", default="", help="Restore into this database instead.")
        parser.add_argument("--media-root", default="", help="Restore the media files here instead.")

    def handle(self, *args, folder: str, database_url: str, media_root: str, **options):
        target = backup.Target.from_url(database_url) if database_url else None
        try:
            manifest = backup.restore(folder=Path(folder), target=target, media_root=media_root or None)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"restored {len(manifest['tables'])} tables, {rows} rows and {manifest['media_files']} media files; "
            "every table's row count and checksum match the manifest"
        )
