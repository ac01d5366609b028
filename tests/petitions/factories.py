"""Factories for petitions: filed through the real intake service."""

from __future__ import annotations

from petitions import services
from petitions.models import Category, Channel
from petitions.reference import ensure_categories


def category(code: str = "road") -> Category:
    ensure_categories()  # transactional tests flush the rows the data migration inserted
    return Category.objects.get(code=code)


def petition(*, region, code: str = "road", channel: str = Channel.WEB, phone: str = "13912345678", **extra):
    filed, _token = services.petition_file(
        channel=channel,
        category=category(code),
        region=region,
        title=extra.pop("title", "路灯不亮"),
        description=extra.pop("description", "清川佳园3号楼前的路灯已经坏了一周。"),
        reporter_name=extra.pop("reporter_name", "陈秀英"),
        reporter_phone=phone,
        **extra,
    )
    return filed
