"""``manage.py seed_calendar``: fill the working-time calendar from ``chinese_calendar``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.services import calendar_seed

HELP = gettext_lazy(
    "Fill the working-time calendar with public holidays and swapped working days. "
    "Dates already in the calendar are left as they are."
)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse needs a real str, not a lazy proxy
        return str(HELP)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="first_year",
            metavar="YEAR",
            type=int,
            default=2024,
            help=gettext_lazy("First year (default 2024)."),
        )
        parser.add_argument(
            "--to",
            dest="last_year",
            metavar="YEAR",
            type=int,
            default=None,
            help=gettext_lazy("Last year (default next year)."),
        )

    def handle(self, *args, first_year: int, last_year: int | None, **options) -> None:
        if last_year is None:
            last_year = timezone.localdate().year + 1
        if first_year > last_year:
            raise CommandError(_("--from must not be after --to."))
        added = calendar_seed(first_year=first_year, last_year=last_year)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "%(count)d day added to the calendar for %(first)d–%(last)d.",
                    "%(count)d days added to the calendar for %(first)d–%(last)d.",
                    added,
                )
                % {"count": added, "first": first_year, "last": last_year}
            )
        )
