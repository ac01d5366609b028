"""Figures an app adds to the KPI dashboard and the monthly PDF (``reports.sections``).

Each app that reports figures has a module ``<app>/figures.py`` with
``section(*, user, region, start, end) -> Section | None``: its figures for the items in ``region``'s
subtree over the months ``start``..``end`` (first days), read within the user's scope, or ``None``
when the user may not see them. The reports app finds the modules by name (it sits above every app);
no app imports the reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """One figure: its label, its value as shown ("93.5%", "1,234", "—"), what it means, and where
    the items behind it are listed (optional)."""

    key: str
    label: str
    value: str
    definition: str = ""
    url: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    # Optional breakdown rows: (label, [values in the order of ``columns``]).
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)
    url: str = ""  # the app's own page with more (a dashboard of its own)
