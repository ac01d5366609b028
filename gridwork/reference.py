"""The kinds of residents' meetings a district starts with; admins add local named formats."""

from __future__ import annotations

# code, Chinese, English, joint meeting
MEETING_KINDS = [
    ("democratic_consultation", "民主恳谈会", "Democratic consultation", False),
    ("public_opinion", "民情议事会", "Residents' council", False),
    ("compound_talk", "小区说事会", "Compound talk", False),
    ("joint", "联席会议", "Joint meeting", True),
]


def add_meeting_kinds(model) -> None:
    for code, zh, en, joint in MEETING_KINDS:
        model.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "is_joint": joint})


def ensure_meeting_kinds() -> None:
    """Put the starting kinds back (transactional tests flush what the migration inserted)."""
    from gridwork.models import MeetingKind

    add_meeting_kinds(MeetingKind)
