"""``manage.py seed_demo``: fill the database with the demo structure, logins and (optionally) bulk data.

Every installed app may ship a ``demo`` module with ``seed(*, scale, stdout)`` and, optionally,
``report(*, stdout)``; they are called in INSTALLED_APPS order (so the region tree exists before the
users bound to it), each seeder in its own transaction. Core knows no app by name.
"""

from __future__ import annotations

import time
from importlib import import_module

import pghistory
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from core import versions
from core.demo import Scale


def demo_modules() -> list:
    """The ``demo`` modules of installed apps that define ``seed``, in INSTALLED_APPS order."""
    modules = []
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "demo"):
            module = import_module(f"{app_config.name}.demo")
            if callable(getattr(module, "seed", None)):
                modules.append(module)
    return modules


class Command(BaseCommand):
    help = (
        "Seed the demo data: the Zhenhai region tree, handling units, one login per role and, at larger "
        "scales, bulk grids, grid leaders and residents. Safe to run again: existing rows are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default="demo",
            help="demo (hand-built rows only), district (~700 grids, 200,000 residents), city (10× district) "
            "or a number N of residents with the rest in a district's proportions. Default: demo.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even under production settings (demo logins share a published password).",
        )

    def handle(self, *args, scale: str, force: bool, **options):
        try:
            chosen = Scale.parse(scale)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if getattr(settings, "PRODUCTION", False) and not force:
            raise CommandError("Refusing to seed demo logins under production settings; pass --force to do it anyway.")

        started = time.monotonic()
        modules = demo_modules()
        for module in modules:
            app_started = time.monotonic()
            with transaction.atomic(), pghistory.context(action="seed_demo", scale=chosen.name):
                module.seed(scale=chosen, stdout=self.stdout)
            label = module.__name__.rpartition(".")[0]
            self.stdout.write(f"  {label}: {time.monotonic() - app_started:.1f} s", self.style.HTTP_INFO)
        # Bulk loads bypass the services: the forms' choice lists are drawn again.
        versions.bump(versions.CHOICES)

        self.stdout.write("")
        for module in modules:
            report = getattr(module, "report", None)
            if callable(report):
                report(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"seed_demo (scale {chosen.name}) finished in {time.monotonic() - started:.1f} s.")
        )
