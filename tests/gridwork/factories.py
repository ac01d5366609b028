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
