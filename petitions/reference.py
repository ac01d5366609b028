"""Reference data the portal needs in every database: the starting petition categories.

The data migration 0002_categories inserted them; ``ensure_categories`` puts back any that are
missing (a database flushed by transactional tests, or a demo database) without touching edits.
"""

from __future__ import annotations

from core import versions
from petitions.models import Category

CATEGORIES = [
    # code, Chinese, English, usual unit kind, Open311 description
    ("road", "道路设施", "Roads and pavements", "urban_management", "Potholes, broken pavements, road signs"),
    ("street_light", "路灯照明", "Street lighting", "urban_management", "A street light is out or flickering"),
    ("sanitation", "环境卫生", "Sanitation and litter", "urban_management", "Litter, overflowing bins, dirty areas"),
    ("parking", "停车秩序", "Parking", "police", "Illegal or obstructive parking"),
    ("noise", "噪声扰民", "Noise", "police", "Noise from building sites, shops or neighbours"),
    ("water", "供水排水", "Water and drains", "water", "No water, leaks, blocked drains"),
    ("power", "供电", "Power supply", "power", "Power cuts and electrical hazards"),
    ("property", "物业管理", "Property management", "property", "Lifts, security, shared spaces of a compound"),
    ("housing", "房屋安全", "Building safety", "housing", "Cracks, leaks or dangerous structures"),
    ("greenery", "绿化养护", "Greenery", "urban_management", "Trees, lawns and green spaces"),
    ("elderly", "养老助老", "Care for the elderly", "civil_affairs", "Help for elderly residents"),
    ("neighbourhood", "邻里纠纷", "Neighbour disputes", "other", "Disputes between neighbours"),
    ("other", "其他", "Other", "other", "Anything else"),
]


def ensure_categories() -> int:
    """Insert the missing starting categories; returns how many were added."""
    existing = set(Category.objects.values_list("code", flat=True))
    missing = [
        Category(code=code, name_zh=zh, name_en=en, default_unit_kind=kind, open311_description=description)
        for code, zh, en, kind, description in CATEGORIES
        if code not in existing
    ]
    if missing:
        Category.objects.bulk_create(missing, ignore_conflicts=True)
        versions.bump(versions.CHOICES)
    return len(missing)
