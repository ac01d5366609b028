"""What each timeline entry says, in the reader's language.

An entry stores what happened — its kind, action and parameters (``Event.data``) — and, when a
person wrote it, their words (``Event.text``). Everything the system itself says (the channel an
item came in through, a deadline warning, an escalation, a merge) is put into words here when the
entry is shown, so the same entry reads in Chinese to one reader and in English to the next: the
staff page, the resident's status page, the API and Open311 all call ``lines``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import HandlingUnit
from petitions import extensions
from petitions.models import Channel, Deadline, Evaluation, Event, Klass, Level, Outcome

LABELS = {
    "file": gettext_lazy("Filed"),
    "solved_on_spot": gettext_lazy("Solved on the spot"),
    "attach": gettext_lazy("Another report attached"),
    "triage": gettext_lazy("Classified and routed"),
    "self_handle": gettext_lazy("Kept by the community"),
    "merge": gettext_lazy("Merged"),
    "accept": gettext_lazy("Accepted"),
    "return": gettext_lazy("Returned to triage"),
    "progress": gettext_lazy("Progress"),
    "meeting": gettext_lazy("Joint meeting"),
    "request_info": gettext_lazy("Information requested from the resident"),
    "resume": gettext_lazy("Handling resumed"),
    "reply": gettext_lazy("Replied to the resident"),
    "close_unfixed": gettext_lazy("Closed without a fix"),
    "evaluate_ok": gettext_lazy("Closed after the evaluation"),
    "evaluate_rework": gettext_lazy("Sent back for rework"),
    "close": gettext_lazy("Closed without evaluation"),
    "reopen": gettext_lazy("Reopened"),
    "note": gettext_lazy("Note"),
    "warn": gettext_lazy("Deadline warning"),
    "escalate": gettext_lazy("Escalation"),
    "deadline_set": gettext_lazy("Time limit set"),
    "deadline_shift": gettext_lazy("Time limit moved after the pause"),
    "resident": gettext_lazy("Evaluation by the resident"),
    "callback": gettext_lazy("Callback evaluation"),
    "third_party": gettext_lazy("Third-party evaluation"),
}


def linked_label(action: str, data: dict) -> str:
    """The label of an entry another app wrote (blank when that app is gone)."""
    return extensions.describe(action, data)[0]


def label(event: Event) -> str:
    if event.kind == Event.Kind.LINKED:
        return linked_label(event.action, _data(event)) or str(event.get_kind_display())
    return str(LABELS.get(event.action) or event.get_kind_display())


def _data(event: Event) -> dict:
    return event.data if isinstance(event.data, dict) else {}


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _local(value: str) -> str:
    return f"{timezone.localtime(dt.datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"


def unit_names(events: Iterable[Event]) -> dict[int, str]:
    """The names of the handling units the entries mention, in one query (none if none)."""
    ids = set()
    for event in events:
        data = _data(event)
        ids |= {data.get("unit"), *(data.get("co_units") or [])}
    ids.discard(None)
    return dict(HandlingUnit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def system_lines(event: Event) -> list[str]:
    """What the system says about the entry (no staff-only names: the public pages show these)."""
    data, action = _data(event), event.action
    if event.kind == Event.Kind.LINKED:
        return extensions.describe(action, data)[1]
    if action == "file" and data.get("channel"):
        return [_("Filed through %(channel)s.") % {"channel": _choice(Channel.choices, data["channel"])}]
    if action == "attach" and data.get("code"):
        return [_("Another report of this problem was attached: %(code)s.") % {"code": data["code"]}]
    if action == "merge" and data.get("code"):
        return [_("Merged into %(code)s.") % {"code": data["code"]}]
    if action == "merge" and data.get("merged"):
        return [_("%(code)s was merged into this item.") % {"code": data["merged"]}]
    if action == "warn" and data.get("due_at"):
        deadline = _choice(Deadline.Kind.choices, data.get("deadline"))
        return [_("%(deadline)s is due at %(due)s.") % {"deadline": deadline, "due": _local(data["due_at"])}]
    if action == "escalate" and data.get("to_level"):
        kinds = ", ".join(_choice(Deadline.Kind.choices, k) for k in data.get("deadlines") or [data.get("deadline")])
        levels = {"from_level": _choice(Level.choices, data.get("from_level")), "deadlines": kinds}
        levels["to_level"] = _choice(Level.choices, data["to_level"])
        if data.get("from_level") == data["to_level"]:
            return [
                _("Overdue: %(deadlines)s. Already at the highest level (%(to_level)s); its staff are told again.")
                % levels
            ]
        return [_("Overdue: %(deadlines)s. Escalated from %(from_level)s to %(to_level)s.") % levels]
    if data.get("outcome") and data["outcome"] != Outcome.FIXED:
        return [_("Outcome: %(outcome)s") % {"outcome": _choice(Outcome.choices, data["outcome"])}]
    return []


def lines(event: Event, units: dict[int, str]) -> list[str]:
    """Every detail line of the entry for staff: the system's words, then the class, units, rating,
    deadline and participants it records."""
    data = _data(event)
    found = system_lines(event)
    if data.get("klass"):
        found.append(_("Class: %(klass)s") % {"klass": _choice(Klass.choices, data["klass"])})
    if data.get("unit") and event.action in ("triage", "return"):
        found.append(_("Handling unit: %(unit)s") % {"unit": units.get(data["unit"], "—")})
    if data.get("co_units"):
        names = "、".join(str(units.get(pk, "—")) for pk in data["co_units"])
        found.append(_("Co-handling units: %(units)s") % {"units": names})
    if data.get("rating"):
        found.append(_("Rating: %(rating)s") % {"rating": _choice(Evaluation.Rating.choices, data["rating"])})
    if event.kind == Event.Kind.DEADLINE and data.get("due_at"):
        name = _choice(Deadline.Kind.choices, data.get("deadline"))
        found.append(_("%(deadline)s is due at %(due)s.") % {"deadline": name, "due": _local(data["due_at"])})
    if data.get("participants"):
        found.append(_("Participants: %(names)s") % {"names": data["participants"]})
    return found
