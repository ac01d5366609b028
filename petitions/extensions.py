"""What other apps add to a petition: links and one-step actions on its staff page (``page``, see
``core.links``) and entries on its timeline (``register_event`` + ``services.petition_log``).

A timeline entry of another app is stored as a name and parameters, never as finished words, and
put into words in the reader's language when shown: ``register_event("volunteers.opportunity",
_("Volunteer opportunity"), describe)`` where ``describe(params) -> Iterable[str]`` gives the
details (translated at call time). Register from ``AppConfig.ready``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise

from core.links import PageExtensions

page = PageExtensions()


@dataclass(frozen=True)
class EventKind:
    name: str
    label: Promise | str
    describe: Callable[[dict], Iterable[str]]


EVENTS: dict[str, EventKind] = {}


def register_event(name: str, label: Promise | str, describe: Callable[[dict], Iterable[str]] | None = None) -> None:
    if len(name) > 32:
        raise ValueError(f"timeline event name {name!r} is longer than 32 characters")
    EVENTS[name] = EventKind(name, label, describe or (lambda params: ()))


def describe(name: str, params: dict) -> tuple[str, list[str]]:
    """The label and details of one entry; an entry whose app is gone reads as a plain update."""
    kind = EVENTS.get(name)
    if kind is None:
        return "", []
    return str(kind.label), [str(line) for line in kind.describe(params if isinstance(params, dict) else {})]
