"""The funds REST API (DRF): the public fund data, readable without signing in, exactly as the
public pages show it and nothing more — no donor who did not consent, no beneficiary who did not
consent, no panel member's name, no phone, no ledger internals.

``GET /api/v1/funds/`` — the funds, filtered by the one ``FundFilter`` (words, kind, region), one
keyset page; ``GET /api/v1/funds/<id>/`` — one fund's public figures and lists (``funds:public_detail``).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from funds import selectors
from funds.models import Fund, FundKind

# --- What is shown (documentation and output) ---------------------------------------------------------


class FundSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("named, micro or subsidy"))
    purpose = serializers.CharField()
    region = serializers.CharField(source="region.name")
    url = serializers.SerializerMethodField(help_text=_("This fund's public data."))

    @extend_schema_field(serializers.URLField())
    def get_url(self, fund: Fund) -> str:
        from django.urls import reverse

        return self.context["request"].build_absolute_uri(reverse("funds_api:fund_detail", args=[fund.pk]))


class FundPageOut(serializers.Serializer):
    results = FundSummaryOut(many=True)
    next = serializers.URLField(allow_null=True, help_text=_("The next page; null on the last one."))


class FiguresOut(serializers.Serializer):
    money_in_fen = serializers.IntegerField(help_text=_("Everything received (held and paid out), in fen."))
    money_out_fen = serializers.IntegerField(help_text=_("Paid out, in fen."))
    balance_fen = serializers.IntegerField(help_text=_("Held now, in fen."))
    pledged_to_come_fen = serializers.IntegerField(help_text=_("Pledged, not yet received, in fen."))
    target_fen = serializers.IntegerField(allow_null=True)
    progress_percent = serializers.IntegerField(allow_null=True)


class InflowOut(serializers.Serializer):
    donor = serializers.CharField(help_text=_("The donor's name only where they consented; otherwise anonymous."))
    amount_fen = serializers.IntegerField()
    date = serializers.DateField()


class PaidOut(serializers.Serializer):
    recipient = serializers.CharField(help_text=_("Named only where the recipient consented."))
    amount_fen = serializers.IntegerField()
    date = serializers.DateField(allow_null=True)


class SubsidisedOut(serializers.Serializer):
    title = serializers.CharField()
    applicant = serializers.CharField()
    approved_fen = serializers.IntegerField(allow_null=True)
    paid_fen = serializers.IntegerField()


class RewardOut(serializers.Serializer):
    organisation = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount_fen = serializers.IntegerField()


class FundDetailOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("named, micro or subsidy"))
    purpose = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    region = serializers.CharField()
    named_by = serializers.CharField(allow_null=True, help_text=_("A named fund's donor, where they consented."))
    figures = FiguresOut()
    money_received = InflowOut(many=True, help_text=_("The newest 20 receipts and donations not reversed."))
    projects_funded = PaidOut(many=True)
    subsidised_projects = SubsidisedOut(many=True)
    rewards_paid = RewardOut(many=True)
    panel_represents = serializers.ListField(
        child=serializers.CharField(), help_text=_("The groups the decision panel's members represent.")
    )


def _local_date(moment):
    from django.utils import timezone

    return timezone.localtime(moment).date() if moment else None


def _detail(fund: Fund) -> dict:
    """The public page's data (``views.public_detail``), as JSON."""
    figures = selectors.fund_figures(fund)
    progress = min(100, figures.money_in * 100 // fund.target_fen) if fund.target_fen else None
    return {
        "id": fund.pk,
        "name": fund.name,
        "kind": fund.kind,
        "purpose": fund.purpose,
        "description": fund.description,
        "region": fund.region.name,
        "named_by": fund.donor.public_name if fund.donor else None,
        "figures": {
            "money_in_fen": figures.money_in,
            "money_out_fen": figures.money_out,
            "balance_fen": figures.balance,
            "pledged_to_come_fen": figures.receivable,
            "target_fen": fund.target_fen,
            "progress_percent": progress,
        },
        "money_received": [
            {
                "donor": item.donor.public_name if item.donor else str(_("An anonymous donor")),
                "amount_fen": int(item.amount or 0),
                "date": _local_date(item.posted_at),
            }
            for item in selectors.public_inflows(fund)
        ],
        "projects_funded": [
            {"recipient": p.public_recipient, "amount_fen": p.amount_fen, "date": _local_date(p.paid_at)}
            for p in selectors.funded_projects(fund)
        ],
        "subsidised_projects": [
            {"title": p.title, "applicant": p.applicant, "approved_fen": p.approved_fen, "paid_fen": int(p.paid or 0)}
            for p in selectors.projects_of(fund, public=True)
        ],
        "rewards_paid": [
            {
                "organisation": r.organisation.name,
                "period_start": r.period_start,
                "period_end": r.period_end,
                "amount_fen": r.amount_fen,
            }
            for r in (selectors.rewards_of(fund, public=True) if fund.kind == FundKind.SUBSIDY else [])
        ],
        "panel_represents": [m.represents for m in selectors.panel_of(fund)] if fund.kind == FundKind.MICRO else [],
    }


# --- Views --------------------------------------------------------------------------------------------


class FundListView(APIView):
    """``GET``: every fund, filtered like the public list, newest first, one keyset page."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="funds_list",
        summary=_("Community funds: the public list"),
        description=_(
            "Every fund, as the public list shows it, newest first; readable without signing in. "
            "Follow “next” for the following page; it is null on the last one."
        ),
        parameters=[
            OpenApiParameter("q", str, description=_("Words in the name or purpose (at most 50 characters).")),
            OpenApiParameter("kind", str, enum=FundKind.values, description=_("Kind of fund")),
            OpenApiParameter("region", int, description=_("A street or community id: its funds and those below it.")),
            OpenApiParameter("cursor", str, description=_("The cursor of the next page (from “next”).")),
        ],
        responses=FundPageOut,
    )
    def get(self, request: Request) -> Response:
        filters = request.query_params.copy()
        filters.pop("cursor", None)
        page, filterset = selectors.fund_page(filters=filters, cursor=request.query_params.get("cursor"))
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        rows = FundSummaryOut(page.items, many=True, context={"request": request}).data
        return Response({"results": rows, "next": next_url})


class FundDetailView(APIView):
    """``GET``: one fund's public data — what its public page shows."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="funds_detail",
        summary=_("One fund's public data"),
        description=_(
            "Money in, money out, balance, target progress, the newest receipts with donors as they consented, "
            "projects funded, subsidised projects, rewards paid and the groups the panel represents; "
            "readable without signing in. Amounts in integer fen."
        ),
        parameters=[
            OpenApiParameter(
                "id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description=_("The fund's id.")
            )
        ],
        responses={200: FundDetailOut, 404: OpenApiResponse(description=_("No such fund."))},
    )
    def get(self, request: Request, pk: int) -> Response:
        try:
            fund = selectors.public_funds().get(pk=pk)
        except Fund.DoesNotExist:
            raise Http404 from None
        return Response(FundDetailOut(_detail(fund)).data)
