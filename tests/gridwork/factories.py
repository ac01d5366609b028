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
