"""Factories for grid work: through the real services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gridwork import services


def field_day(*, leader, grid, days_ago: int = 0, hours="4", households: int = 5, findings=("路灯不亮",), **extra):
    return services.field_day_log(
        user=leader,
        grid=grid,
        date=timezone.localdate() - dt.timedelta(days=days_ago),
        hours=hours,
        households=households,
        findings=list(findings),
        **extra,
    )


def meeting_kind(code: str = "public_opinion"):
    from gridwork.models import MeetingKind
    from gridwork.reference import ensure_meeting_kinds

    ensure_meeting_kinds()  # transactional tests flush the rows the data migration inserted
    return MeetingKind.objects.get(code=code)


def meeting(*, user, region, code: str = "public_opinion", resolutions=("加装楼道照明",), days_ago: int = 1, **extra):
    values = {
        "kind": meeting_kind(code),
        "date": timezone.localdate() - dt.timedelta(days=days_ago),
        "place": "社区议事厅",
        "region": region,
        "topics": "楼道照明",
        "participants": 23,
        "officials": "社区书记 李建华",
        "resolutions": list(resolutions),
        **extra,
    }
    return services.meeting_record(user=user, **values)


def centre(*, region, items: int = 3, name: str = ""):
    from gridwork.catalogue import HOURS, ITEMS
    from gridwork.models import OpeningHours, ServiceCentre, ServiceItem

    made = ServiceCentre.objects.create(
        region=region, region_path=region.path, name=name or f"{region.name}便民服务中心", address="一楼"
    )
    for day, opens, closes, kind in HOURS:
        OpeningHours.objects.create(centre=made, weekday=day, opens=opens, closes=closes, kind=kind)
    for order, (group, item_name, documents, limit, window, one_visit) in enumerate(ITEMS[:items]):
        ServiceItem.objects.create(
            centre=made,
            group=group,
            name=item_name,
            documents=documents,
            time_limit=limit,
            where=window,
            one_visit=one_visit,
            order=order,
        )
    return made
