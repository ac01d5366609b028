"""What each role's home page offers, and what the front door offers everyone signed out.

Each app registers what it offers (``register`` for role home pages, ``register_front`` for the
front door, from its ``AppConfig.ready``), so accounts knows no app above it: the dependencies point
one way (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from grids.roles import Role


@dataclass(frozen=True)
class HomeAction:
    label: str
    url: str
    primary: bool = False


Provider = Callable[[object, Role], Iterable[HomeAction]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add ``provider(user, role) -> actions`` to every role home page (once per provider)."""
    if provider not in _providers:
        _providers.append(provider)


def role_actions(user, role: Role) -> list[HomeAction]:
    """What the apps offer ``user`` on the home page of ``role``, in the order they registered."""
    return [action for provider in _providers for action in provider(user, role)]


@dataclass(frozen=True)
class HomePanel:
    """A card an app draws on a role home page: ``template`` gets ``panel`` (this) with its
    ``context``, e.g. a grid leader's field days this week against the three expected."""

    title: str
    template: str
    context: dict
    order: int = 100


PanelProvider = Callable[[object, Role], Iterable[HomePanel]]
_panels: list[PanelProvider] = []


def register_panel(provider: PanelProvider) -> None:
    """Add ``provider(user, role) -> panels`` to every role home page (once per provider; at most a
    query or two each, read through the user's scope)."""
    if provider not in _panels:
        _panels.append(provider)


def role_panels(user, role: Role) -> list[HomePanel]:
    return sorted((panel for provider in _panels for panel in provider(user, role)), key=lambda p: p.order)


@dataclass(frozen=True)
class FrontTile:
    """One offer of the public front door: a link, or with ``template`` a fragment drawn in the tile
    instead (a short form, say; it gets ``tile`` and the page's context). ``order``: lower first."""

    title: str
    text: str
    url: str
    label: str
    order: int = 100
    template: str = ""


FrontProvider = Callable[[object], Iterable[FrontTile]]
_front: list[FrontProvider] = []


def register_front(provider: FrontProvider) -> None:
    """Add ``provider(request) -> tiles`` to the front door (once per provider)."""
    if provider not in _front:
        _front.append(provider)


def front_tiles(request) -> list[FrontTile]:
    return sorted((tile for provider in _front for tile in provider(request)), key=lambda t: t.order)
