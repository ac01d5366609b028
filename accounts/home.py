"""What each role's home page offers: the first things that role does, as links.

Each app registers what it offers (``register``, from its ``AppConfig.ready``), so accounts knows
no app above it: the dependencies point one way (docs/architecture.md).
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
