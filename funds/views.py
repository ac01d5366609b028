"""Fund pages: the public pages (no sign-in), the fund managers' pages and the panel's vote page.

Thin: parse the form → fetch through the scoped selector (404 outside scope) → call the service.
A refused action shows the page again with the message and what was typed (400)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.pagination import keyset_page
from funds import forms, permissions, selectors, services
from funds.models import (
    DonorKind,
    Fund,
    FundKind,
    LedgerTransaction,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    Reward,
    RewardStatus,
    TransactionKind,
)
from funds.money import yuan
from grids.permissions import may

# --- public ----------------------------------------------------------------------------------------


def _listed(request: HttpRequest, template: str, user=None, size: int = 20) -> HttpResponse:
    filters = request.GET.copy()
    filters.pop("after", None)
    page, filterset = selectors.fund_page(filters=filters, cursor=request.GET.get("after"), user=user, size=size)
    next_query = ""
    if page.next_cursor:
        params = request.GET.copy()
        params["after"] = page.next_cursor
        next_query = params.urlencode()
    context = {"page": page, "filterset": filterset, "next_query": next_query}
    return render(request, template, context, status=200 if filterset.is_valid() else 400)


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    return _listed(request, "funds/public_list.html")


@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        fund = selectors.public_funds().get(pk=pk)
    except Fund.DoesNotExist:
        raise Http404 from None
    figures = selectors.fund_figures(fund)
    progress = min(100, figures.money_in * 100 // fund.target_fen) if fund.target_fen else None
    context = {
        "fund": fund,
        "figures": figures,
        "progress": progress,
        "inflows": selectors.public_inflows(fund),
        "projects": selectors.funded_projects(fund),
        "panel": selectors.panel_of(fund) if fund.kind == FundKind.MICRO else [],
        "subsidised": selectors.projects_of(fund, public=True),
        "rewards": selectors.rewards_of(fund, public=True) if fund.kind == FundKind.SUBSIDY else [],
    }
    return render(request, "funds/public_detail.html", context)


# --- fund managers -----------------------------------------------------------------------------------


def _manager(request: HttpRequest) -> None:
    if not may(request.user, permissions.MANAGE):
        raise Http404


@login_required
@require_GET
def manage_list(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return _listed(request, "funds/manage_list.html", user=request.user, size=25)


@login_required
@require_http_methods(["GET", "POST"])
def manage_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = forms.FundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the donor and the fund together, or neither
                donor = None
                if data["kind"] == FundKind.NAMED:
                    donor = services.donor_create(
                        user=request.user,
                        kind=data["donor_kind"] or "resident",
                        name=data["donor_name"],
                        region=data["region"],
                        consent_public=data["donor_consent"],
                    )
                if data["kind"] == FundKind.SUBSIDY:
                    fund = services.programme_create(
                        user=request.user,
                        name=data["name"],
                        region=data["region"],
                        purpose=data["purpose"],
                        cap_kind=data["cap_kind"],
                        cap_min_fen=data["cap_min"],
                        cap_max_fen=data["cap_max"],
                        cap_per_sqm_fen=data["cap_per_sqm"],
                    )
                else:
                    fund = services.fund_create(
                        user=request.user,
                        kind=data["kind"],
                        name=data["name"],
                        region=data["region"],
                        purpose=data["purpose"],
                        description=data["description"],
                        donor=donor,
                        target_fen=data["target"],
                        quorum=data["quorum"],
                        majority_percent=data["majority_percent"],
                    )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The fund was created."))
            return redirect("funds:manage_detail", pk=fund.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "funds/manage_new.html", {"form": form}, status=status)


def _fund_or_404(request: HttpRequest, pk: int) -> Fund:
    _manager(request)
    try:
        return selectors.fund_get(user=request.user, pk=pk)
    except Fund.DoesNotExist:
        raise Http404 from None


def _proposal_choices(fund: Fund, status: str):
    return [
        (p.pk, f"{p.recipient} · ¥{yuan(p.amount_fen)}")
        for p in fund.proposals.filter(status=status).order_by("-id")[:50]
    ]


def _reversible(fund: Fund):
    rows = (
        LedgerTransaction.objects.filter(fund=fund, reversed_by__isnull=True)
        .exclude(kind__in=[TransactionKind.REVERSAL, TransactionKind.PLEDGE])
        .order_by("-id")[:30]
    )
    return [(t.pk, f"#{t.pk} · {t.get_kind_display()} · {t.posted_at:%Y-%m-%d}") for t in rows]


def _forms(fund: Fund, data=None, action: str = "") -> dict:
    """Every form of the fund page; the one named ``action`` is bound to ``data``."""

    def bound(name):
        return data if name == action else None

    return {
        "pledge": forms.PledgeForm(bound("pledge"), prefix="pledge"),
        "receipt": forms.ReceiptForm(bound("receipt"), prefix="receipt", instalments=selectors.open_instalments(fund)),
        "proposal": forms.ProposalForm(bound("proposal"), prefix="proposal"),
        "panel": forms.PanelMemberForm(bound("panel"), prefix="panel"),
        "decide": forms.ChoiceOfForm(
            bound("decide"), prefix="decide", items=_proposal_choices(fund, ProposalStatus.OPEN)
        ),
        "disburse": forms.ChoiceOfForm(
            bound("disburse"), prefix="disburse", items=_proposal_choices(fund, ProposalStatus.APPROVED)
        ),
        "reverse": forms.ReverseForm(bound("reverse"), prefix="reverse", items=_reversible(fund)),
        "pledge_cancel": forms.ReverseForm(bound("pledge_cancel"), prefix="pledge_cancel", items=_pledges(fund)),
        "panel_off": forms.ChoiceOfForm(
            bound("panel_off"),
            prefix="panel_off",
            items=[(m.pk, f"{m.user} · {m.represents}") for m in selectors.panel_of(fund)],
        ),
        "apply": forms.ProjectForm(bound("apply"), prefix="apply"),
        "repurpose": forms.PurposeChangeForm(bound("repurpose"), prefix="repurpose", purposes=selectors.purposes(fund)),
        "review": forms.ReviewForm(bound("review"), prefix="review", items=_projects(fund, ProjectStatus.APPLIED)),
        "tranche": forms.TrancheForm(bound("tranche"), prefix="tranche", items=_projects(fund, ProjectStatus.APPROVED)),
        "assess": forms.AssessForm(bound("assess"), prefix="assess", items=_projects(fund, ProjectStatus.APPROVED)),
        **_reward_forms(fund, bound),
    }


def _reward_forms(fund: Fund, bound) -> dict:
    if fund.kind != FundKind.SUBSIDY:
        return {}
    return {
        "reward": forms.RewardForm(
            bound("reward"), prefix="reward", organisations=selectors.reward_organisations(fund)
        ),
        "reward_decide": forms.RewardDecideForm(
            bound("reward_decide"), prefix="reward_decide", items=_rewards(fund, RewardStatus.PROPOSED)
        ),
        "reward_pay": forms.ChoiceOfForm(
            bound("reward_pay"), prefix="reward_pay", items=_rewards(fund, RewardStatus.APPROVED)
        ),
    }


def _rewards(fund: Fund, status: str):
    rows = fund.rewards.filter(status=status).select_related("organisation").order_by("-id")[:50]
    return [(r.pk, f"{r.organisation.name} · {r.period_start}–{r.period_end} · ¥{yuan(r.amount_fen)}") for r in rows]


def _pledges(fund: Fund):
    rows = fund.pledges.filter(cancelled_at__isnull=True).select_related("donor").order_by("-id")[:50]
    return [(p.pk, f"{p.donor.name} · {p.get_kind_display()} · ¥{yuan(p.amount_fen)} · {p.start_year}") for p in rows]


def _projects(fund: Fund, status: str):
    if fund.kind != FundKind.SUBSIDY:
        return []
    return [(p.pk, f"{p.title} · {p.applicant}") for p in fund.projects.filter(status=status).order_by("-id")[:50]]


def _render_fund(request: HttpRequest, fund: Fund, all_forms: dict, status: int = 200) -> HttpResponse:
    context = {
        "fund": fund,
        "figures": selectors.fund_figures(fund),
        "arrears": selectors.arrears(fund),
        "proposals": fund.proposals.order_by("-id")[:50],
        "transactions": selectors.recent_transactions(fund),
        "panel": selectors.panel_of(fund),
        "projects": selectors.projects_of(fund),
        "rewards": selectors.rewards_of(fund) if fund.kind == FundKind.SUBSIDY else [],
        "forms": all_forms,
    }
    return render(request, "funds/manage_detail.html", context, status=status)


@login_required
@require_GET
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, pk)
    return _render_fund(request, fund, _forms(fund))


def _run(request, fund: Fund, action: str, data: dict) -> str:
    """Call the service for ``action``; return the success message."""
    user = request.user
    if action == "pledge":
        if fund.donor is None:
            raise DomainError(_("Pledges are recorded for a named fund's donor; record a donation instead."))
        services.pledge_record(
            user=user,
            fund=fund,
            donor=fund.donor,
            kind=data["kind"],
            amount_fen=data["amount"],
            start_year=data["start_year"],
            end_year=data["end_year"],
            idempotency_key=f"pledge-form:{data['key']}",
        )
        return _("The pledge was recorded.")
    if action == "receipt":
        instalment = None
        if data["instalment"]:
            instalment = next((i for i in selectors.open_instalments(fund) if i.pk == data["instalment"]), None)
            if instalment is None:
                raise DomainError(_("Nothing is outstanding on that pledge any more."), field="instalment")
        donor = None
        if not instalment and data["donor_name"].strip():
            donor = services.donor_create(
                user=user,
                kind=data["donor_kind"] or DonorKind.RESIDENT,
                name=data["donor_name"],
                region=fund.region,
                consent_public=data["donor_consent"],
            )
        services.receipt_record(
            user=user,
            fund=fund,
            amount_fen=data["amount"],
            instalment=instalment,
            donor=donor,
            idempotency_key=data["key"],
        )
        return _("The money received was recorded.")
    if action == "proposal":
        services.proposal_create(
            user=user,
            fund=fund,
            amount_fen=data["amount"],
            recipient=data["recipient"],
            purpose=data["purpose"] or None,
            recipient_public=data["recipient_public"],
            description=data["description"],
        )
        return _("The proposal was put to the panel.")
    if action == "panel":
        services.panel_member_add(user=user, fund=fund, member=data["username"], represents=data["represents"])
        return _("The representative joined the panel.")
    if action in ("decide", "disburse"):
        proposal = Proposal.objects.get(fund=fund, pk=data["item"])
        if action == "decide":
            decided = services.proposal_decide(user=user, proposal=proposal)
            return (
                _("The proposal was approved.")
                if decided.status == ProposalStatus.APPROVED
                else _("The proposal was rejected.")
            )
        services.proposal_disburse(user=user, proposal=proposal)
        return _("The money was paid out.")
    if action == "pledge_cancel":
        pledge = fund.pledges.get(pk=data["item"])
        services.pledge_cancel(user=user, pledge=pledge, reason=data["reason"])
        return _("The pledge was cancelled; what fell due and was not received was reversed.")
    if action == "panel_off":
        member = fund.panel.get(pk=data["item"])
        services.panel_member_deactivate(user=user, member=member)
        return _("The representative left the panel.")
    if action == "repurpose":
        services.purpose_change(
            user=user,
            fund=fund,
            from_purpose=data["from_purpose"],
            to_purpose=data["to_purpose"],
            amount_fen=data["amount"],
            consent=data["consent"],
        )
        return _("The money was moved to the new purpose.")
    if action == "apply":
        services.project_apply(
            user=user,
            fund=fund,
            applicant=data["applicant"],
            title=data["title"],
            requested_fen=data["amount"],
            area_sqm=data["area_sqm"],
            petitions=selectors.petitions_by_codes(fund, data["petitions"]),
            wishes=selectors.wishes_by_codes(fund, data["wishes"]),
        )
        return _("The application was recorded.")
    if action in ("review", "tranche", "assess"):
        project = Project.objects.get(fund=fund, pk=data["item"])
        if action == "review":
            services.project_review(
                user=user, project=project, approve=data["decision"] == "approve", approved_fen=data["amount"]
            )
            return _("The review was recorded.")
        if action == "tranche":
            services.tranche_pay(user=user, project=project, milestone=data["milestone"], amount_fen=data["amount"])
            return _("The tranche was paid.")
        services.project_assess(
            user=user, project=project, satisfaction_percent=data["satisfaction"], staff_score=data["staff_score"]
        )
        return _("The assessment was recorded.")
    if action == "reward":
        organisation = next((o for o in selectors.reward_organisations(fund) if o.pk == data["organisation"]), None)
        if organisation is None:
            raise DomainError(_("Choose one of the organisations in this programme's region."), field="organisation")
        services.reward_propose(
            user=user,
            fund=fund,
            organisation=organisation,
            period_start=data["period_start"],
            period_end=data["period_end"],
            amount_fen=data["amount"],
            reason=data["reason"],
        )
        return _("The reward was proposed.")
    if action in ("reward_decide", "reward_pay"):
        reward = Reward.objects.get(fund=fund, pk=data["item"])
        if action == "reward_decide":
            decided = services.reward_decide(user=user, reward=reward, approve=data["decision"] == "approve")
            return (
                _("The reward was approved.")
                if decided.status == RewardStatus.APPROVED
                else _("The reward was rejected.")
            )
        services.reward_pay(user=user, reward=reward)
        return _("The reward was paid.")
    posted = LedgerTransaction.objects.get(fund=fund, pk=data["item"])
    services.transaction_reverse(user=user, posted=posted, reason=data["reason"])
    return _("The transaction was reversed.")


ACTIONS = (
    "pledge",
    "receipt",
    "proposal",
    "panel",
    "decide",
    "disburse",
    "reverse",
    "apply",
    "review",
    "tranche",
    "assess",
    "repurpose",
    "reward",
    "reward_decide",
    "reward_pay",
    "pledge_cancel",
    "panel_off",
)


@login_required
@require_POST
def manage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    fund = _fund_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    if action == "receipt" and selectors.recorded(fund, request.POST.get("receipt-key", "")):
        # A double submit or a retried request: the money was recorded the first time.
        messages.info(request, _("This receipt was already recorded."))
        return redirect(reverse("funds:manage_detail", args=[fund.pk]) + "#receipt")
    all_forms = _forms(fund, request.POST, action)
    if action not in all_forms:  # a programme's action on another kind of fund
        raise Http404
    form = all_forms[action]
    if form.is_valid():
        try:
            done = _run(request, fund, action, form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, done)
            return redirect(reverse("funds:manage_detail", args=[fund.pk]) + f"#{action}")
    return _render_fund(request, fund, all_forms, status=400)


# --- the decision panel ------------------------------------------------------------------------------


def _panel_member(request: HttpRequest) -> None:
    if not may(request.user, permissions.VOTE):
        raise Http404


@login_required
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    _panel_member(request)
    page = keyset_page(selectors.panel_proposals(user=request.user), cursor=request.GET.get("after"), ordering="-id")
    voted = set(selectors.my_votes(user=request.user, proposals=[p.pk for p in page.items]))
    return render(request, "funds/panel.html", {"page": page, "voted": voted})


@login_required
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    _panel_member(request)
    try:
        proposal = selectors.panel_proposals(user=request.user).get(pk=pk)
    except Proposal.DoesNotExist:
        raise Http404 from None
    form = forms.VoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vote_cast(user=request.user, proposal=proposal, choice=form.cleaned_data["choice"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your vote was recorded."))
            return redirect("funds:panel")
    context = {
        "proposal": proposal,
        "form": form,
        "votes": proposal.votes.select_related("member").order_by("id"),
        "voted": proposal.pk in selectors.my_votes(user=request.user, proposals=[proposal.pk]),
    }
    return render(request, "funds/vote.html", context, status=400 if request.method == "POST" else 200)
