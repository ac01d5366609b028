"""What apps above grid work add to its dashboard: the petition figures per region and the charts.

Grid work sits below the KPI reports (``LAYERS`` in ``tests/test_plain_framework.py``), so it may not
import them; the reports app registers here from its ``AppConfig.ready`` instead, and the dashboard
shows what is registered (nothing when the reports app is not installed). This keeps one definition
of every petition figure (first-time, on-time, satisfaction … in ``reports.metrics``) and one way of
drawing a chart (``reports.charts``).

- ``register_petition_figures(provider)``: ``provider(*, user, region, start, end) -> PetitionFigures | None``
  gives the region's petition figures for the months ``start``..``end`` and one row per child region,
  or ``None`` when the user may not see them.
- ``register_chart(draw)``: ``draw(labels, series, names, *, title, percent) -> SafeString`` draws
  bars (one group per label, one bar per series) as inline SVG.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class PetitionRow:
    """One line of the table: a label, its formatted cells with the queue link behind each (or "")."""

    label: str
    cells: list[tuple[str, str]]
    region_pk: int | None = None  # a child region: the dashboard links it one level down


@dataclass(frozen=True)
class PetitionFigures:
    columns: list[str]
    total: PetitionRow
    rows: list[PetitionRow] = field(default_factory=list)
    definitions: list[tuple[str, str]] = field(default_factory=list)
    chart: SafeString | str = ""


_PROVIDERS: list[Callable[..., PetitionFigures | None]] = []
_CHARTS: list[Callable[..., SafeString]] = []


def register_petition_figures(provider: Callable[..., PetitionFigures | None]) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def register_chart(draw: Callable[..., SafeString]) -> None:
    if draw not in _CHARTS:
        _CHARTS.append(draw)


def petition_figures(*, user, region, start, end) -> PetitionFigures | None:
    for provider in _PROVIDERS:
        found = provider(user=user, region=region, start=start, end=end)
        if found is not None:
            return found
    return None


def chart(labels: list[str], series: list[list[float | None]], names: list[str], *, title: str, percent: bool) -> str:
    """The bars drawn by the registered drawer, or "" (no chart) when none is registered."""
    for draw in _CHARTS:
        return draw(labels, series, names, title=title, percent=percent)
    return ""
