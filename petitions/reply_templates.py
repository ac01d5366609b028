"""Reply templates (答复模板): standard answers staff pick, edit and send to residents.

Kept in code rather than in a table: the set is small, changes with a release, and every text must
be translated like the rest of the interface. Staff always edit the text before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ReplyTemplate:
    key: str
    label: Promise
    text: Promise


REPLY_TEMPLATES: tuple[ReplyTemplate, ...] = (
    ReplyTemplate(
        "resolved",
        _("Resolved"),
        _(
            "Hello, the problem you reported has been dealt with. Thank you for helping to look after "
            "the community. Please tell us whether you are satisfied with the result."
        ),
    ),
    ReplyTemplate(
        "scheduled",
        _("Work scheduled"),
        _(
            "Hello, we have checked the problem you reported and the work has been scheduled. It will be "
            "finished within the time limit, and we will tell you when it is done."
        ),
    ),
    ReplyTemplate(
        "explained",
        _("Explanation given"),
        _(
            "Hello, we have looked into your request. It cannot be handled in the way you asked, for the "
            "following reason: … If you have questions, please call your community office."
        ),
    ),
    ReplyTemplate(
        "referred",
        _("Referred to the responsible body"),
        _(
            "Hello, your request is the responsibility of another body. We have passed it on and asked "
            "them to contact you directly."
        ),
    ),
)

_BY_KEY = {t.key: t for t in REPLY_TEMPLATES}


def reply_template(key: str) -> ReplyTemplate | None:
    return _BY_KEY.get(key)


def choices() -> list[tuple[str, Promise | str]]:
    return [("", _("— choose a template —")), *((t.key, t.label) for t in REPLY_TEMPLATES)]
