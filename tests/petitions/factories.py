"""Factories for petitions: filed through the real intake service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from petitions import services
from petitions.models import Category, Channel, Deadline, Klass
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


def petition_shapes(tree, staff, *, colleague=None) -> dict:
    """One item of each shape a queue or list row can take, in grid A: new, anonymous, claimed (and,
    with ``colleague``, one claimed by them), routed with warned and breached deadlines, waiting,
    replied; the new item's deadline falls on another local date than UTC's."""
    made = {"new": petition(region=tree.grid_a)}
    made["anonymous"] = petition(region=tree.grid_a, anonymous=True, reporter_name="", phone="")
    made["claimed"] = services.petition_claim(user=staff, petition=petition(region=tree.grid_a))
    if colleague is not None:
        made["claimed_by_name"] = services.petition_claim(
            user=colleague, petition=petition(region=tree.grid_a, code="water")
        )
    made["routed"] = services.petition_triage(
        user=staff, petition=petition(region=tree.grid_a, code="water"), klass=Klass.GENERAL, unit=tree.unit_a
    )
    accepted = services.petition_triage(
        user=staff, petition=petition(region=tree.grid_a), klass=Klass.ROUTINE, unit=tree.unit_a
    )
    accepted = services.petition_accept(user=staff, petition=accepted)
    made["waiting"] = services.petition_request_info(user=staff, petition=accepted, question="门牌号是多少？")
    replied = services.petition_triage(
        user=staff, petition=petition(region=tree.grid_a), klass=Klass.GENERAL, unit=tree.unit_a
    )
    replied = services.petition_accept(user=staff, petition=replied)
    made["replied"] = services.petition_reply(user=staff, petition=replied, reply="已修好。")
    Deadline.objects.filter(petition=made["routed"], met_at__isnull=True).update(
        warned_at=timezone.now(), breached_at=timezone.now()
    )
    Deadline.objects.filter(petition=made["new"]).update(due_at=dt.datetime(2026, 3, 1, 20, 5, tzinfo=dt.UTC))
    return made
