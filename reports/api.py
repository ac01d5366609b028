"""The reports REST API: ``GET /api/v1/reports/kpis/`` — the dashboard's figures as JSON.

Scoped exactly like the pages: a region outside the caller's ``reports.view`` scope answers 404;
invalid input answers 400 with the form's translated messages. Read from the rollups only.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.permissions import may
from reports import permissions, selectors
from reports.forms import PeriodForm
from reports.metrics import COUNTS, RATES, Figures
from reports.presentation import links_for

RATE_KEYS = [spec.key for spec in RATES] + ["avg_work_hours"]


def _figures(figures: Figures) -> dict:
    counts = {name: getattr(figures, name) for name in COUNTS}
    rates = {}
    for key in RATE_KEYS:
        value = getattr(figures, key)
        rates[key] = None if value is None else round(float(value), 4)
    return {"counts": counts, "rates": rates}


# --- Schema of the answer (documentation only: the view builds plain dicts) -----------------------

KpiCounts = type("KpiCounts", (serializers.Serializer,), {name: serializers.IntegerField() for name in COUNTS})
KpiRates = type(
    "KpiRates",
    (serializers.Serializer,),
    {
        key: serializers.FloatField(
            allow_null=True, help_text=_("A share from 0 to 1; null when nothing to divide by.")
        )
        for key in RATE_KEYS
    },
)


class KpiFigures(serializers.Serializer):
    counts = KpiCounts()
    rates = KpiRates()


class KpiRegion(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField()


class KpiPrevious(KpiFigures):
    start = serializers.CharField()
    end = serializers.CharField()


class KpiRow(KpiFigures):
    key = serializers.CharField(
        help_text=_(
            "Child region id, category id, channel, unit id or “none”; “self” for items filed at the region itself."
        )
    )
    label = serializers.CharField()
    items_url = serializers.URLField(required=False, help_text=_("The petition queue listing these items."))


class KpisOut(serializers.Serializer):
    region = KpiRegion()
    start = serializers.CharField()
    end = serializers.CharField()
    split = serializers.CharField(allow_null=True)
    total = KpiFigures()
    previous = KpiPrevious(help_text=_("The same number of months just before: the month-on-month comparison."))
    items_url = serializers.URLField()
    rows = KpiRow(many=True)


MONTH_PARAMETER = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}


class KpiView(APIView):
    """``GET ?region=<id>&start=YYYY-MM&end=YYYY-MM&split=region|category|channel|unit``.

    Defaults: the caller's top region and the last full month. ``rows`` holds one entry per key of
    the split, each with the queue link that lists its items.
    """

    token_scopes = {"read": "reports:read"}

    @extend_schema(
        operation_id="reports_kpis",
        summary=_("KPI figures of a region and period"),
        description=_(
            "Items filed in the region's subtree in the months from start to end (Asia/Shanghai), with the "
            "counts and rates of the KPI dashboard, the previous period of the same length, and one row per key "
            "of the split. Read from the monthly rollups, refreshed every five minutes."
        ),
        parameters=[
            OpenApiParameter("region", int, description=_("Region id (default: the top region of your scope).")),
            OpenApiParameter(
                "start", MONTH_PARAMETER, description=_("First month, YYYY-MM (default: the last full month).")
            ),
            OpenApiParameter(
                "end", MONTH_PARAMETER, description=_("Last month, YYYY-MM, at most 24 months after start.")
            ),
            OpenApiParameter("split", str, enum=["region", "category", "channel", "unit"], description=_("Split by")),
        ],
        responses={
            200: KpisOut,
            404: OpenApiResponse(description=_("The region is outside your scope, or your role has no reports.")),
        },
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not may(user, permissions.VIEW):
            raise Http404
        form = PeriodForm(request.query_params, api=True)
        if not form.is_valid():
            raise ValidationError(form.errors)
        data = form.cleaned_data
        region = selectors.report_region(user=user, region_id=data.get("region"))
        start, end, split = data["start"], data["end"], data.get("split") or None
        report = selectors.kpis(user=user, region=region, start=start, end=end, split=split)
        prev_start, prev_end = selectors.previous_period(start, end)
        previous = selectors.kpis(user=user, region=region, start=prev_start, end=prev_end)
        rows = []
        for row in report.rows:
            narrow = dict(row.filters)
            row_region = narrow.pop("region", region.pk)
            entry = {"key": row.key, "label": row.label, **_figures(row.figures)}
            if row.key != selectors.SELF_KEY:
                entry["items_url"] = request.build_absolute_uri(
                    links_for(row_region, start, end, **narrow).for_figure("collected")
                )
            rows.append(entry)
        return Response(
            {
                "region": {"id": region.pk, "code": region.code, "name": region.name, "path": region.path},
                "start": f"{start:%Y-%m}",
                "end": f"{end:%Y-%m}",
                "split": split,
                "total": _figures(report.total),
                "previous": {"start": f"{prev_start:%Y-%m}", "end": f"{prev_end:%Y-%m}", **_figures(previous.total)},
                "items_url": request.build_absolute_uri(links_for(region.pk, start, end).for_figure("collected")),
                "rows": rows,
            }
        )
