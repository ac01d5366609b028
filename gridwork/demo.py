"""Demo grid work for ``seed_demo``: a year of field days of the demo grid leader (王丽萍, 清川佳园第一网格)
with their findings, a few of them already filed as petitions through the real services.

Idempotent: a leader who already has field days gets none. Bulk scales add nothing here yet (the
benchmark seeder for grid work is not written)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.demo import Scale
from grids.models import RoleAssignment
from grids.roles import Role
from gridwork import services
from gridwork.models import FieldDay, Finding
from petitions.models import Category

WEEKS = 52
FINDINGS = (
    ("street_light", "3幢楼前路灯不亮，老人晚上出门不便"),
    ("sanitation", "5幢东侧垃圾分类亭傍晚满溢"),
    ("parking", "2幢与3幢之间消防通道被占"),
    ("power", "7幢2单元楼道电线外皮破损"),
    ("greenery", "主干道香樟树枝遮挡监控"),
    ("elderly", "4幢独居老人希望社区助餐"),
    ("road", "北门外人行道地砖松动"),
    ("other", "小广场两台健身器材螺丝松动"),
)
NOTES = ("走访独居老人", "垃圾分类宣传", "检查消防通道", "收集居民意见", "楼道安全巡查", "")
FILED = 3  # the newest findings filed as petitions; the rest wait for the one-step button


def seed(*, scale: Scale, stdout) -> None:
    leader = get_user_model().objects.filter(username=Role.GRID_LEADER.value).first()
    assignment = (
        RoleAssignment.objects.filter(user=leader, role=Role.GRID_LEADER).select_related("region").first()
        if leader
        else None
    )
    if assignment is None:
        stdout.write("gridwork: the demo grid leader is missing (accounts) — skipped.")
        return
    if FieldDay.objects.filter(leader=leader).exists():
        stdout.write("gridwork: demo field days already present — skipped.")
        return
    days, findings = _field_days(leader, assignment.region)
    filed = _file_some(leader)
    stdout.write(f"gridwork: created {days} field days with {findings} findings, {filed} filed as petitions.")


def _field_days(leader, grid) -> tuple[int, int]:
    rng = random.Random(15)
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    days: list[FieldDay] = []
    for week in range(WEEKS, -1, -1):
        start = monday - dt.timedelta(weeks=week)
        # Most weeks three days, some two (sick leave, meetings), a few four; this week two so far.
        count = 2 if week == 0 else rng.choice((3, 3, 3, 3, 2, 4))
        weekdays = sorted(rng.sample(range(6), count))
        for offset in weekdays:
            date = start + dt.timedelta(days=offset)
            if date > today or (week == 0 and date == today):
                continue
            days.append(
                FieldDay(
                    leader=leader,
                    grid=grid,
                    region_path=grid.path,
                    date=date,
                    hours=Decimal(rng.choice(("3", "3.5", "4", "4.5", "5", "6"))),
                    households=rng.randint(4, 25),
                    notes=rng.choice(NOTES),
                )
            )
    FieldDay.objects.bulk_create(days)
    findings = [
        Finding(field_day=day, text=rng.choice(FINDINGS)[1])
        for day in FieldDay.objects.filter(leader=leader).order_by("date")
        if rng.random() < 0.35
    ]
    Finding.objects.bulk_create(findings)
    return len(days), len(findings)


def _file_some(leader) -> int:
    by_text = {text: code for code, text in FINDINGS}
    categories = {c.code: c for c in Category.objects.filter(code__in=by_text.values())}
    newest = Finding.objects.filter(field_day__leader=leader, petition__isnull=True).order_by("-field_day__date")
    filed = 0
    for finding in list(newest[1 : FILED + 1]):  # leave the very newest for the visitor to file
        category = categories.get(by_text.get(finding.text, ""))
        if category is not None:
            services.finding_file(user=leader, finding=finding, category=category)
            filed += 1
    return filed
