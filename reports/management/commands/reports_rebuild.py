"""``manage.py reports_rebuild``: fill missing working minutes and rebuild the monthly KPI rollups."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports import services


class Command(BaseCommand):
    help = (
        "Rebuild the monthly KPI rollups of the reports: every month (default), or the months given as "
        "YYYY-MM. Run it after loading petitions in bulk; beat keeps them current afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("months", nargs="*", help="months to recompute, as YYYY-MM (default: all)")
        parser.add_argument("--no-work-minutes", action="store_true", help="do not fill missing working minutes first")

    def handle(self, *args, months: list[str], no_work_minutes: bool, **options):
        try:
            chosen = [dt.date.fromisoformat(f"{m}-01") for m in months] or None
        except ValueError as exc:
            raise CommandError(f"Months are written YYYY-MM: {exc}") from exc
        if not no_work_minutes:
            self.stdout.write(f"working minutes filled: {services.work_minutes_fill()}")
        result = services.rollup_refresh(months=chosen, all_months=chosen is None)
        self.stdout.write(f"rollups rebuilt: {len(result['months'])} months, {result['rows']} rows")
