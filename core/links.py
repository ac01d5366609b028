"""What other apps add to a page they do not own: the records that point at an object (the field
day a petition was found on, the meeting that resolved it, a volunteer opportunity published from
it, a project that paid for it) and one-step actions that start there ("publish as a volunteer
opportunity"). The page's app keeps one ``PageExtensions`` and renders ``related``/``actions``
with ``templates/core/_related.html``; the other apps register providers from ``AppConfig.ready``,
so the dependency points from them to the page's app, never back.

A provider is ``(user, obj) -> Iterable[...]``, reads what the user may see (scoped like every
read), and costs at most one query per page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Related:
    """One record that points at the object: "Found on a field day" · "2026-12-01, 网格A1"."""

    label: Promise | str
    title: str
    url: str = ""
    status: str = ""


@dataclass(frozen=True)
class PageAction:
    """A one-step action another app offers on the page: a link to its own form, pre-filled."""

    label: Promise | str
    url: str
    style: str = "outline-secondary"


RelatedProvider = Callable[[object, object], Iterable[Related]]
ActionProvider = Callable[[object, object], Iterable[PageAction]]


class PageExtensions:
    """The providers of one page."""

    def __init__(self) -> None:
        self._related: list[RelatedProvider] = []
        self._actions: list[ActionProvider] = []

    def register_related(self, provider: RelatedProvider) -> RelatedProvider:
        if provider not in self._related:
            self._related.append(provider)
        return provider

    def register_action(self, provider: ActionProvider) -> ActionProvider:
        if provider not in self._actions:
            self._actions.append(provider)
        return provider

    @property
    def providers(self) -> int:
        """How many providers there are (a page's query count grows by at most this many)."""
        return len(self._related) + len(self._actions)

    def related(self, user, obj) -> list[Related]:
        return [item for provider in self._related for item in provider(user, obj)]

    def actions(self, user, obj) -> list[PageAction]:
        return [item for provider in self._actions for item in provider(user, obj)]
