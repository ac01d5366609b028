"""The sections other apps add to the KPI dashboard and the monthly PDF (``core.figures``).

The reports app sits above every app, so it looks their ``figures`` modules up by name rather than
letting them register (they must not import the reports): a new app adds its module name here.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from core.figures import Section
from grids.models import Region

# ``<app>.figures`` modules, in the order their sections are shown.
PROVIDERS = ["gridwork.figures", "volunteers.figures", "funds.figures"]


def _providers() -> list:
    found = []
    for name in PROVIDERS:
        try:
            found.append(import_module(name))
        except ModuleNotFoundError as error:
            if not name.startswith(str(error.name)):  # the module exists but an import inside it failed
                raise
    return found


def sections(*, user, region: Region, start: dt.date, end: dt.date) -> list[Section]:
    """Each app's section for the region and months, those the user may see."""
    found = []
    for module in _providers():
        section = module.section(user=user, region=region, start=start, end=end)
        if section is not None:
            found.append(section)
    return found
