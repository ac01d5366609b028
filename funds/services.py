"""Every write to the funds: donors, funds, pledges and what they make due, receipts, the panel,
proposals and votes, disbursements and reversals.

Money moves only through ``_post``: it locks the accounts it touches (in id order, so two posts never
deadlock), refuses to take money held below zero, writes the balanced entries and keeps each
account's running balance. PostgreSQL checks the balance of the entries at commit and refuses any
change to a posted entry (migration 0002). A forbidden move raises ``DomainError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from funds.models import (
    PROJECT_TRANSITIONS,
    REWARD_TRANSITIONS,
    TRANSITIONS,
    Account,
    AccountKind,
    CapKind,
    Donor,
    Entry,
    Fund,
    FundKind,
    Instalment,
    LedgerTransaction,
    PanelMember,
    Pledge,
    PledgeKind,
    Project,
    ProjectStatus,
    Proposal,
    ProposalStatus,
    Reward,
    RewardStatus,
    Tranche,
    TransactionKind,
    Vote,
    VoteChoice,
)
from funds.money import MAX_FEN, yuan

Line = tuple[str, str, int]  # (account kind, purpose, signed amount in fen)


def _check_amount(amount_fen: int) -> None:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise DomainError(_("Enter a positive amount."), field="amount")
    if amount_fen > MAX_FEN:
        raise DomainError(_("Enter an amount of at most 100,000,000 yuan."), field="amount")


def _check_transition(proposal: Proposal, action: str) -> None:
    allowed, _target = TRANSITIONS[action]
    if proposal.status not in allowed:
        raise DomainError(
            _("This proposal is %(status)s; it cannot be %(action)s now.")
            % {"status": proposal.get_status_display(), "action": _action_words(action)}
        )


def _action_words(action: str) -> str:
    return {"vote": _("voted on"), "decide": _("decided"), "disburse": _("paid out")}[action]


def _accounts(fund: Fund, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Account]:
    """The fund's accounts for ``keys`` (kind, purpose), created when missing, locked in id order."""
    ids = []
    for kind, purpose in sorted(keys):
        account, _created = Account.objects.get_or_create(fund=fund, kind=kind, purpose=purpose)
        ids.append(account.pk)
    locked = Account.objects.select_for_update().filter(pk__in=ids).order_by("id")
    return {(a.kind, a.purpose): a for a in locked}


def _post(
    *,
    fund: Fund,
    kind: str,
    lines: Sequence[Line],
    user=None,
    memo: str = "",
    idempotency_key: str | None = None,
    **links,
) -> LedgerTransaction:
    """Post one balanced transaction. With ``idempotency_key``, a second call with the same key
    returns the first transaction and posts nothing."""
    if idempotency_key:
        existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_or_refuse(existing, fund, kind)
    accounts = _accounts(fund, {(k, p) for k, p, _a in lines})
    changes: dict[int, int] = {}
    for account_kind, purpose, amount in lines:
        account = accounts[(account_kind, purpose)]
        changes[account.pk] = changes.get(account.pk, 0) + amount
    for account in accounts.values():
        if account.kind == AccountKind.CASH and account.balance_fen + changes.get(account.pk, 0) < 0:
            raise DomainError(
                _("Not enough money held for “%(purpose)s”: %(held)s yuan, %(asked)s yuan asked.")
                % {
                    "purpose": account.purpose,
                    "held": yuan(account.balance_fen),
                    "asked": yuan(-changes[account.pk]),
                },
                field="amount",
            )
    try:
        with transaction.atomic():
            posted = LedgerTransaction.objects.create(
                fund=fund, kind=kind, memo=memo[:200], idempotency_key=idempotency_key, created_by=user, **links
            )
    except IntegrityError:
        # The same key committed by a racing request between our look-up and our insert.
        existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same_or_refuse(existing, fund, kind)
    Entry.objects.bulk_create(
        Entry(transaction=posted, account=accounts[(k, p)], amount_fen=amount) for k, p, amount in lines if amount
    )
    for account_id, change in changes.items():
        if change:
            Account.objects.filter(pk=account_id).update(balance_fen=F("balance_fen") + change)
    return posted


def _same_or_refuse(existing: LedgerTransaction, fund: Fund, kind: str) -> LedgerTransaction:
    if existing.fund_id != fund.pk or existing.kind != kind:
        raise DomainError(_("This idempotency key was already used for another record."), field="idempotency_key")
    return existing


# ----- donors and funds -------------------------------------------------------------------------


def donor_create(*, user, kind: str, name: str, region, consent_public: bool = False, phone: str = "") -> Donor:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the donor's name."), field="name")
    with transaction.atomic(), pghistory.context(action="funds.donor_create"):
        return Donor.objects.create(
            kind=kind, name=name[:100], region=region, consent_public=consent_public, phone=(phone or "")[:20]
        )


def fund_create(
    *,
    user,
    kind: str,
    name: str,
    region,
    purpose: str,
    donor: Donor | None = None,
    target_fen: int | None = None,
    quorum: int = 3,
    majority_percent: int = 50,
    description: str = "",
) -> Fund:
    if kind == FundKind.NAMED and donor is None:
        raise DomainError(_("A named fund needs the donor it is named for."), field="donor")
    if target_fen is not None:
        _check_amount(target_fen)
    if not (purpose or "").strip():
        raise DomainError(_("Enter the purpose the money is given for."), field="purpose")
    if not 1 <= quorum <= 99 or not 0 <= majority_percent <= 99:
        raise DomainError(_("The quorum is 1 to 99 members and the majority 0 to 99 percent."), field="quorum")
    with transaction.atomic(), pghistory.context(action="funds.fund_create"):
        return Fund.objects.create(
            kind=kind,
            name=name.strip()[:100],
            region=region,
            purpose=purpose.strip()[:100],
            donor=donor,
            target_fen=target_fen,
            quorum=quorum,
            majority_percent=majority_percent,
            description=description,
        )


# ----- pledges and what they make due ------------------------------------------------------------


def _this_year() -> int:
    return timezone.localdate().year


def pledge_record(
    *,
    user,
    fund: Fund,
    donor: Donor,
    kind: str,
    amount_fen: int,
    start_year: int,
    end_year: int | None = None,
    idempotency_key: str | None = None,
) -> Pledge:
    """A donor's pledge. What is already due (a one-time pledge, or each year of a yearly one from its
    start year to this year) becomes a receivable at once; beat adds each later year."""
    _check_amount(amount_fen)
    this_year = _this_year()
    if not 2000 <= start_year <= this_year + 5:
        raise DomainError(_("The first year must lie between 2000 and five years from now."), field="start_year")
    if end_year is not None and (end_year < start_year or end_year > start_year + 50):
        raise DomainError(_("The last year must lie between the first year and 50 years later."), field="end_year")
    if kind == PledgeKind.ONCE:
        end_year = start_year
    if idempotency_key:
        existing = Pledge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.fund_id != fund.pk:
                raise DomainError(_("This idempotency key was already used for another record."))
            return existing
    with transaction.atomic(), pghistory.context(action="funds.pledge_record"):
        try:
            with transaction.atomic():
                pledge = Pledge.objects.create(
                    fund=fund,
                    donor=donor,
                    kind=kind,
                    amount_fen=amount_fen,
                    start_year=start_year,
                    end_year=end_year,
                    idempotency_key=idempotency_key or None,
                )
        except IntegrityError:
            existing = Pledge.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
            if existing is None or existing.fund_id != fund.pk:
                raise
            return existing
        for year in range(start_year, min(end_year or this_year, this_year) + 1):
            _instalment_ensure(pledge, year, user=user)
    return pledge


def _instalment_ensure(pledge: Pledge, year: int, *, user=None) -> Instalment | None:
    """The pledge's receivable for ``year``, created and posted once (the unique constraint and the
    transaction's idempotency key make a second call, or a racing one, a no-op)."""
    if Instalment.objects.filter(pledge=pledge, year=year).exists():
        return None
    due_on = dt.date(year, 12, 31) if pledge.kind == PledgeKind.YEARLY else timezone.localdate()
    try:
        with transaction.atomic():
            instalment = Instalment.objects.create(
                pledge=pledge, year=year, amount_fen=pledge.amount_fen, due_on=due_on
            )
    except IntegrityError:
        return None
    fund = pledge.fund
    _post(
        fund=fund,
        kind=TransactionKind.PLEDGE,
        lines=[
            (AccountKind.RECEIVABLE, fund.purpose, pledge.amount_fen),
            (AccountKind.INCOME, fund.purpose, -pledge.amount_fen),
        ],
        user=user,
        memo=f"pledge {pledge.pk} {year}",
        idempotency_key=f"instalment:{pledge.pk}:{year}",
        instalment=instalment,
        donor=pledge.donor,
    )
    return instalment


def pledges_fall_due(*, year: int | None = None) -> int:
    """Create this year's receivable of every yearly pledge that runs this year; how many were new.
    Idempotent: run twice (or twice at once), it creates each receivable once."""
    year = year or _this_year()
    created = 0
    pledges = Pledge.objects.filter(kind=PledgeKind.YEARLY, start_year__lte=year, cancelled_at__isnull=True).exclude(
        end_year__lt=year
    )
    for pledge_id in pledges.exclude(instalments__year=year).values_list("id", flat=True).order_by("id"):
        with transaction.atomic(), pghistory.context(action="funds.pledges_fall_due"):
            pledge = Pledge.objects.select_for_update().select_related("fund", "donor").get(pk=pledge_id)
            if pledge.cancelled_at is None and _instalment_ensure(pledge, year) is not None:
                created += 1
    return created


def instalment_outstanding(instalment: Instalment) -> int:
    """What is still to be received on ``instalment``: its receivable entries' sum."""
    total = Entry.objects.filter(transaction__instalment=instalment, account__kind=AccountKind.RECEIVABLE).aggregate(
        total=Sum("amount_fen")
    )["total"]
    return int(total or 0)


def pledge_cancel(*, user, pledge: Pledge, reason: str) -> list[LedgerTransaction]:
    """Cancel a pledge: nothing more falls due, and what fell due but was not received is reversed —
    one reversing transaction per instalment with money outstanding (receivable −, income +), never an
    edit. Money already received stays. Refused twice, and without a reason."""
    if not (reason or "").strip():
        raise DomainError(_("Say why the pledge is cancelled."), field="reason")
    with transaction.atomic(), pghistory.context(action="funds.pledge_cancel"):
        pledge = Pledge.objects.select_for_update().select_related("fund", "donor").get(pk=pledge.pk)
        if pledge.cancelled_at is not None:
            raise DomainError(_("This pledge was already cancelled."))
        fund = pledge.fund
        posted = []
        for instalment in Instalment.objects.select_for_update().filter(pledge=pledge).order_by("year"):
            outstanding = instalment_outstanding(instalment)
            if outstanding <= 0:
                continue
            posted.append(
                _post(
                    fund=fund,
                    kind=TransactionKind.PLEDGE_CANCEL,
                    lines=[
                        (AccountKind.RECEIVABLE, fund.purpose, -outstanding),
                        (AccountKind.INCOME, fund.purpose, outstanding),
                    ],
                    user=user,
                    memo=reason.strip(),
                    idempotency_key=f"cancel:{instalment.pk}",
                    instalment=instalment,
                    donor=pledge.donor,
                )
            )
        pledge.cancelled_at = timezone.now()
        pledge.cancel_reason = reason.strip()[:200]
        pledge.save(update_fields=["cancelled_at", "cancel_reason"])
        return posted


def receipt_record(
    *,
    user,
    fund: Fund,
    amount_fen: int,
    instalment: Instalment | None = None,
    donor: Donor | None = None,
    purpose: str | None = None,
    idempotency_key: str | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """Money received: against a pledge's instalment (at most what is outstanding), or a donation
    (a micro-fund's crowdfunding). ``idempotency_key`` makes a retried request record it once."""
    _check_amount(amount_fen)
    if idempotency_key is not None and not (0 < len(idempotency_key) <= 100):
        raise DomainError(_("An idempotency key has 1 to 100 characters."), field="idempotency_key")
    purpose = (purpose or fund.purpose).strip()
    if purpose != fund.purpose and not Account.objects.filter(fund=fund, purpose=purpose).exists():
        raise DomainError(_("This fund takes no money for that purpose."), field="purpose")
    with transaction.atomic(), pghistory.context(action="funds.receipt_record"):
        if idempotency_key:
            existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _same_or_refuse(
                    existing, fund, TransactionKind.RECEIPT if instalment else TransactionKind.DONATION
                )
        if instalment is not None:
            instalment = Instalment.objects.select_for_update().select_related("pledge").get(pk=instalment.pk)
            if instalment.pledge.fund_id != fund.pk:
                raise DomainError(_("This pledge belongs to another fund."), field="instalment")
            outstanding = instalment_outstanding(instalment)
            if amount_fen > outstanding:
                raise DomainError(
                    _("Only %(outstanding)s yuan is outstanding on this pledge.") % {"outstanding": yuan(outstanding)},
                    field="amount",
                )
            return _post(
                fund=fund,
                kind=TransactionKind.RECEIPT,
                lines=[
                    (AccountKind.CASH, fund.purpose, amount_fen),
                    (AccountKind.RECEIVABLE, fund.purpose, -amount_fen),
                ],
                user=user,
                memo=memo,
                idempotency_key=idempotency_key,
                instalment=instalment,
                donor=instalment.pledge.donor,
            )
        return _post(
            fund=fund,
            kind=TransactionKind.DONATION,
            lines=[(AccountKind.CASH, purpose, amount_fen), (AccountKind.INCOME, purpose, -amount_fen)],
            user=user,
            memo=memo,
            idempotency_key=idempotency_key,
            donor=donor,
        )


def transaction_reverse(*, user, posted: LedgerTransaction, reason: str) -> LedgerTransaction:
    """Correct a posted transaction by posting its opposite (entries are never edited). Refused for
    a reversal, for a transaction reversed already, and when the money it brought in is spent."""
    if not (reason or "").strip():
        raise DomainError(_("Say why the transaction is reversed."), field="reason")
    with transaction.atomic(), pghistory.context(action="funds.transaction_reverse"):
        if posted.kind == TransactionKind.REVERSAL:
            raise DomainError(_("A reversal cannot be reversed; record the money again instead."))
        if posted.kind == TransactionKind.PLEDGE_CANCEL:
            raise DomainError(_("A cancelled pledge is not reinstated; record a new pledge instead."))
        if LedgerTransaction.objects.filter(reverses=posted).exists():
            raise DomainError(_("This transaction has already been reversed."))
        lines = [(e.account.kind, e.account.purpose, -e.amount_fen) for e in posted.entries.select_related("account")]
        try:
            with transaction.atomic():
                reversal = _post(
                    fund=posted.fund,
                    kind=TransactionKind.REVERSAL,
                    lines=lines,
                    user=user,
                    memo=reason.strip()[:200],
                    reverses=posted,
                    instalment=posted.instalment,
                    proposal=posted.proposal,
                    donor=posted.donor,
                )
        except IntegrityError:
            raise DomainError(_("This transaction has already been reversed.")) from None
        if posted.proposal_id and posted.kind == TransactionKind.DISBURSEMENT:
            Proposal.objects.filter(pk=posted.proposal_id).update(status=ProposalStatus.APPROVED, paid_at=None)
        # A reward paid by mistake is approved again (and may be paid again), its payment reversed.
        Reward.objects.filter(transaction=posted).update(status=RewardStatus.APPROVED, paid_at=None, transaction=None)
        return reversal


def purpose_change(
    *, user, fund: Fund, from_purpose: str, to_purpose: str, amount_fen: int, consent: str
) -> LedgerTransaction:
    """Move money held from one purpose to another (专款专用: only with the donor's recorded consent,
    kept as the transaction's memo). Never more than is held for the purpose it leaves."""
    _check_amount(amount_fen)
    from_purpose, to_purpose = (from_purpose or "").strip(), (to_purpose or "").strip()[:100]
    if not (consent or "").strip():
        raise DomainError(_("Record the donor's consent to the change of purpose."), field="consent")
    if not to_purpose or to_purpose == from_purpose:
        raise DomainError(_("Name the new purpose."), field="to_purpose")
    with transaction.atomic(), pghistory.context(action="funds.purpose_change"):
        if not Account.objects.filter(fund=fund, purpose=from_purpose, kind=AccountKind.CASH).exists():
            raise DomainError(_("No money is held for “%(purpose)s”.") % {"purpose": from_purpose}, field="amount")
        return _post(
            fund=fund,
            kind=TransactionKind.PURPOSE_CHANGE,
            lines=[
                (AccountKind.CASH, to_purpose, amount_fen),
                (AccountKind.CASH, from_purpose, -amount_fen),
                (AccountKind.INCOME, from_purpose, amount_fen),
                (AccountKind.INCOME, to_purpose, -amount_fen),
            ],
            user=user,
            memo=consent.strip(),
        )


# ----- the decision panel, proposals and votes ----------------------------------------------------


def panel_member_add(*, user, fund: Fund, member, represents: str) -> PanelMember:
    if fund.kind != FundKind.MICRO:
        raise DomainError(_("Only a community micro-fund has a decision panel."))
    if not (represents or "").strip():
        raise DomainError(_("Say which group the representative speaks for."), field="represents")
    with transaction.atomic(), pghistory.context(action="funds.panel_member_add"):
        member_row, created = PanelMember.objects.get_or_create(
            fund=fund, user=member, defaults={"represents": represents.strip()[:100]}
        )
        if not created:
            if member_row.active:
                raise DomainError(_("This person already sits on the panel."), field="member")
            # A former member comes back (their past votes were always kept).
            member_row.active = True
            member_row.represents = represents.strip()[:100]
            member_row.save(update_fields=["active", "represents"])
        return member_row


def panel_member_deactivate(*, user, member: PanelMember) -> PanelMember:
    """A representative leaves the panel: no more votes, not counted as a member any more. The votes
    already cast stay with the proposals they were cast on (the record of each decision)."""
    with transaction.atomic(), pghistory.context(action="funds.panel_member_deactivate"):
        member = PanelMember.objects.select_for_update().get(pk=member.pk)
        if not member.active:
            raise DomainError(_("This representative has already left the panel."), field="item")
        member.active = False
        member.save(update_fields=["active"])
        return member


def proposal_create(
    *,
    user,
    fund: Fund,
    amount_fen: int,
    recipient: str,
    purpose: str | None = None,
    recipient_public: bool = True,
    description: str = "",
) -> Proposal:
    _check_amount(amount_fen)
    if not (recipient or "").strip():
        raise DomainError(_("Name the project the money would go to."), field="recipient")
    with transaction.atomic(), pghistory.context(action="funds.proposal_create"):
        return Proposal.objects.create(
            fund=fund,
            purpose=(purpose or fund.purpose).strip()[:100],
            amount_fen=amount_fen,
            recipient=recipient.strip()[:100],
            recipient_public=recipient_public,
            description=description,
            created_by=user,
        )


def vote_cast(*, user, proposal: Proposal, choice: str) -> Vote:
    """One vote per panel member; a non-member, or a second vote, is refused."""
    if choice not in VoteChoice.values:
        raise DomainError(_("Vote for, against or abstain."), field="choice")
    with transaction.atomic(), pghistory.context(action="funds.vote_cast"):
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _check_transition(proposal, "vote")
        member = PanelMember.objects.filter(fund_id=proposal.fund_id, user=user, active=True).first()
        if member is None:
            raise DomainError(_("Only members of this fund's decision panel may vote."))
        if Vote.objects.filter(proposal=proposal, member=member).exists():
            raise DomainError(_("You have already voted on this proposal."))
        vote = Vote.objects.create(proposal=proposal, member=member, choice=choice)
        if choice == VoteChoice.YES:
            proposal.yes_votes += 1
        elif choice == VoteChoice.NO:
            proposal.no_votes += 1
        proposal.save(update_fields=["yes_votes", "no_votes"])
        return vote


def proposal_decide(*, user, proposal: Proposal) -> Proposal:
    """Close the vote. A fund with a panel approves with at least ``quorum`` votes cast and more than
    ``majority_percent`` of them for; a fund without one (a named fund) is decided by its manager."""
    with transaction.atomic(), pghistory.context(action="funds.proposal_decide"):
        proposal = Proposal.objects.select_for_update().select_related("fund").get(pk=proposal.pk)
        _check_transition(proposal, "decide")
        fund = proposal.fund
        if PanelMember.objects.filter(fund=fund, active=True).exists():
            cast = Vote.objects.filter(proposal=proposal).count()
            if cast < fund.quorum:
                raise DomainError(
                    _("Only %(cast)s of the %(quorum)s votes the quorum needs have been cast.")
                    % {"cast": cast, "quorum": fund.quorum}
                )
            approved = proposal.yes_votes * 100 > fund.majority_percent * cast
        else:
            approved = True
        proposal.status = ProposalStatus.APPROVED if approved else ProposalStatus.REJECTED
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_at"])
        return proposal


def proposal_disburse(*, user, proposal: Proposal) -> LedgerTransaction:
    """Pay an approved proposal from the money held for its purpose, never below zero (the purpose's
    account is locked, so two racing disbursements cannot both take the last money)."""
    with transaction.atomic(), pghistory.context(action="funds.proposal_disburse"):
        proposal = Proposal.objects.select_for_update().select_related("fund").get(pk=proposal.pk)
        _check_transition(proposal, "disburse")
        fund = proposal.fund
        if not Account.objects.filter(fund=fund, purpose=proposal.purpose, kind=AccountKind.CASH).exists():
            raise DomainError(_("No money is held for “%(purpose)s”.") % {"purpose": proposal.purpose}, field="purpose")
        posted = _post(
            fund=fund,
            kind=TransactionKind.DISBURSEMENT,
            lines=[
                (AccountKind.SPENT, proposal.purpose, proposal.amount_fen),
                (AccountKind.CASH, proposal.purpose, -proposal.amount_fen),
            ],
            user=user,
            memo=proposal.recipient,
            proposal=proposal,
        )
        proposal.status = ProposalStatus.PAID
        proposal.paid_at = timezone.now()
        proposal.save(update_fields=["status", "paid_at"])
        return posted


# ----- subsidy programmes and their projects -------------------------------------------------------


def programme_create(
    *,
    user,
    name: str,
    region,
    purpose: str,
    cap_kind: str,
    cap_min_fen: int | None = None,
    cap_max_fen: int | None = None,
    cap_per_sqm_fen: int | None = None,
) -> Fund:
    """A government subsidy programme: a fund whose grants are capped (DESIGN.md)."""
    if cap_kind == CapKind.PER_SQUARE_METRE:
        if not cap_per_sqm_fen:
            raise DomainError(_("Enter the most a square metre may receive."), field="cap_per_sqm")
        _check_amount(cap_per_sqm_fen)
    else:
        if not cap_min_fen or not cap_max_fen:
            raise DomainError(_("Enter the least and the most one grant may be."), field="cap_max")
        _check_amount(cap_min_fen)
        _check_amount(cap_max_fen)
        if cap_min_fen > cap_max_fen:
            raise DomainError(_("The least a grant may be is above the most."), field="cap_min")
    with transaction.atomic(), pghistory.context(action="funds.programme_create"):
        return Fund.objects.create(
            kind=FundKind.SUBSIDY,
            name=name.strip()[:100],
            region=region,
            purpose=purpose.strip()[:100],
            cap_kind=cap_kind,
            cap_min_fen=cap_min_fen,
            cap_max_fen=cap_max_fen,
            cap_per_sqm_fen=cap_per_sqm_fen,
        )


def _check_cap(fund: Fund, amount_fen: int, area_sqm: Decimal | None) -> None:
    if fund.cap_kind == CapKind.PER_SQUARE_METRE:
        if not area_sqm or area_sqm <= 0:
            raise DomainError(_("Enter the service space in square metres."), field="area_sqm")
        cap = int(Decimal(fund.cap_per_sqm_fen) * area_sqm)
        if amount_fen > cap:
            raise DomainError(
                _("At most %(rate)s yuan per square metre: %(cap)s yuan for %(area)s m².")
                % {"rate": yuan(fund.cap_per_sqm_fen), "cap": yuan(cap), "area": area_sqm},
                field="amount",
            )
        return
    if not fund.cap_min_fen <= amount_fen <= fund.cap_max_fen:
        raise DomainError(
            _("A grant of this programme lies between %(min)s and %(max)s yuan.")
            % {"min": yuan(fund.cap_min_fen), "max": yuan(fund.cap_max_fen)},
            field="amount",
        )


def _check_project_transition(project: Project, action: str) -> None:
    allowed, _target = PROJECT_TRANSITIONS[action]
    if project.status not in allowed:
        raise DomainError(
            _("This project is %(status)s; that cannot be done now.") % {"status": project.get_status_display()}
        )


def project_apply(
    *,
    user,
    fund: Fund,
    applicant: str,
    title: str,
    requested_fen: int,
    area_sqm: Decimal | None = None,
    petitions: Sequence = (),
    wishes: Sequence = (),
) -> Project:
    """An organisation's application, within the programme's cap, naming the petitions and micro-wishes
    it resolves (each petition's timeline records it)."""
    if fund.kind != FundKind.SUBSIDY:
        raise DomainError(_("Projects apply to a subsidy programme."))
    _check_amount(requested_fen)
    if not (applicant or "").strip() or not (title or "").strip():
        raise DomainError(_("Name the organisation and the project."), field="title")
    _check_cap(fund, requested_fen, area_sqm)
    with transaction.atomic(), pghistory.context(action="funds.project_apply"):
        project = Project.objects.create(
            fund=fund,
            applicant=applicant.strip()[:100],
            title=title.strip()[:100],
            requested_fen=requested_fen,
            area_sqm=area_sqm,
        )
        if petitions:
            project.petitions.set(petitions)
        if wishes:
            project.wishes.set(wishes)
        _log_on_petitions(project, user=user)
        return project


def _log_on_petitions(project: Project, *, user) -> None:
    """A timeline entry (``funds.project``) on each petition the project names: applied, approved,
    rejected, assessed. Stored as a name and parameters, put into words when shown."""
    from petitions.services import petition_log

    params = {"project": project.pk, "title": project.title, "applicant": project.applicant, "status": project.status}
    for petition in project.petitions.all():
        petition_log(petition=petition, name="funds.project", params=params, actor=user)


def project_review(*, user, project: Project, approve: bool, approved_fen: int | None = None) -> Project:
    """Staff review: approve (an amount within the cap, by default the one requested) or reject."""
    with transaction.atomic(), pghistory.context(action="funds.project_review"):
        project = Project.objects.select_for_update().select_related("fund").get(pk=project.pk)
        _check_project_transition(project, "approve" if approve else "reject")
        if approve:
            amount = approved_fen or project.requested_fen
            _check_amount(amount)
            _check_cap(project.fund, amount, project.area_sqm)
            project.approved_fen = amount
            project.status = ProjectStatus.APPROVED
        else:
            project.status = ProjectStatus.REJECTED
        project.save(update_fields=["approved_fen", "status"])
        _log_on_petitions(project, user=user)
        return project


def tranche_pay(*, user, project: Project, milestone: str, amount_fen: int) -> Tranche:
    """Pay an approved project a tranche against a milestone: never more in all than approved, never
    below zero on the programme's purpose."""
    _check_amount(amount_fen)
    if not (milestone or "").strip():
        raise DomainError(_("Name the milestone this tranche pays for."), field="milestone")
    with transaction.atomic(), pghistory.context(action="funds.tranche_pay"):
        project = Project.objects.select_for_update().select_related("fund").get(pk=project.pk)
        _check_project_transition(project, "pay_tranche")
        paid = project.tranches.aggregate(total=Sum("amount_fen"))["total"] or 0
        if paid + amount_fen > project.approved_fen:
            raise DomainError(
                _("Only %(left)s yuan of the approved grant is left to pay.")
                % {"left": yuan(project.approved_fen - paid)},
                field="amount",
            )
        fund = project.fund
        posted = _post(
            fund=fund,
            kind=TransactionKind.DISBURSEMENT,
            lines=[(AccountKind.SPENT, fund.purpose, amount_fen), (AccountKind.CASH, fund.purpose, -amount_fen)],
            user=user,
            memo=f"{project.title} · {milestone.strip()}"[:200],
        )
        return Tranche.objects.create(
            project=project, milestone=milestone.strip()[:100], amount_fen=amount_fen, transaction=posted
        )


def project_assess(*, user, project: Project, satisfaction_percent: int, staff_score: int) -> Project:
    """The final assessment: residents' satisfaction weighted by ``FUNDS_SATISFACTION_WEIGHT``."""
    if not (0 <= satisfaction_percent <= 100 and 0 <= staff_score <= 100):
        raise DomainError(_("Scores lie between 0 and 100."), field="satisfaction")
    weight = Decimal(str(settings.FUNDS_SATISFACTION_WEIGHT))
    with transaction.atomic(), pghistory.context(action="funds.project_assess"):
        project = Project.objects.select_for_update().get(pk=project.pk)
        _check_project_transition(project, "assess")
        project.satisfaction_percent = satisfaction_percent
        project.staff_score = staff_score
        project.final_score = (weight * satisfaction_percent + (1 - weight) * staff_score).quantize(Decimal("0.01"))
        project.status = ProjectStatus.ASSESSED
        project.save(update_fields=["satisfaction_percent", "staff_score", "final_score", "status"])
        _log_on_petitions(project, user=user)
        return project


# ----- rewards instead of subsidies (以奖代补) -------------------------------------------------------


def _check_reward_transition(reward: Reward, action: str) -> None:
    allowed, _target = REWARD_TRANSITIONS[action]
    if reward.status not in allowed:
        raise DomainError(
            _("This reward is %(status)s; that cannot be done now.") % {"status": reward.get_status_display()}
        )


def reward_propose(
    *, user, fund: Fund, organisation, period_start: dt.date, period_end: dt.date, amount_fen: int, reason: str
) -> Reward:
    """Propose rewarding a volunteer organisation from a subsidy programme for its approved service over
    a period (``volunteers.rewards``). Refused without approved service in the period, above the cap per
    approved hour (``FUNDS_REWARD_CAP_PER_HOUR_FEN``) and when the same period is already rewarded."""
    from volunteers.rewards import organisation_service

    if fund.kind != FundKind.SUBSIDY:
        raise DomainError(_("Rewards are paid from a subsidy programme."))
    _check_amount(amount_fen)
    if not (reason or "").strip():
        raise DomainError(_("Say what the reward is for."), field="reason")
    if period_end < period_start:
        raise DomainError(_("The period must end on or after the day it starts."), field="period_end")
    if period_end > timezone.localdate():
        raise DomainError(
            _("A reward is for service already given: the period cannot end in the future."), field="period_end"
        )
    if (period_end - period_start).days > 366:
        raise DomainError(_("A reward covers at most one year of service."), field="period_start")
    service = organisation_service(organisation=organisation, start=period_start, end=period_end)
    if not service.minutes:
        raise DomainError(_("This organisation has no approved service hours in that period."), field="organisation")
    cap = service.minutes * settings.FUNDS_REWARD_CAP_PER_HOUR_FEN // 60
    if amount_fen > cap:
        raise DomainError(
            _("At most %(rate)s yuan per approved hour: %(cap)s yuan for %(hours)s hours.")
            % {"rate": yuan(settings.FUNDS_REWARD_CAP_PER_HOUR_FEN), "cap": yuan(cap), "hours": service.hours},
            field="amount",
        )
    with transaction.atomic(), pghistory.context(action="funds.reward_propose"):
        try:
            with transaction.atomic():
                return Reward.objects.create(
                    fund=fund,
                    organisation=organisation,
                    period_start=period_start,
                    period_end=period_end,
                    minutes=service.minutes,
                    activities=service.activities,
                    volunteers=service.volunteers,
                    amount_fen=amount_fen,
                    reason=reason.strip()[:200],
                    proposed_by=user,
                )
        except IntegrityError:
            raise DomainError(
                _("This organisation already has a reward for that period from this programme."),
                field="organisation",
            ) from None


def reward_decide(*, user, reward: Reward, approve: bool) -> Reward:
    """Approve or reject a proposed reward."""
    with transaction.atomic(), pghistory.context(action="funds.reward_decide"):
        reward = Reward.objects.select_for_update().get(pk=reward.pk)
        _check_reward_transition(reward, "approve" if approve else "reject")
        reward.status = RewardStatus.APPROVED if approve else RewardStatus.REJECTED
        reward.decided_by = user
        reward.decided_at = timezone.now()
        reward.save(update_fields=["status", "decided_by", "decided_at"])
        return reward


def reward_pay(*, user, reward: Reward) -> LedgerTransaction:
    """Pay an approved reward from the programme's money held for its purpose: the same rules as every
    disbursement (only approved, only from that purpose, never below zero, racing payments locked)."""
    with transaction.atomic(), pghistory.context(action="funds.reward_pay"):
        reward = Reward.objects.select_for_update().select_related("fund", "organisation").get(pk=reward.pk)
        _check_reward_transition(reward, "pay")
        fund = reward.fund
        posted = _post(
            fund=fund,
            kind=TransactionKind.DISBURSEMENT,
            lines=[
                (AccountKind.SPENT, fund.purpose, reward.amount_fen),
                (AccountKind.CASH, fund.purpose, -reward.amount_fen),
            ],
            user=user,
            memo=f"{reward.organisation.name} · {reward.period_start:%Y-%m-%d}–{reward.period_end:%Y-%m-%d}"[:200],
        )
        reward.status = RewardStatus.PAID
        reward.paid_at = timezone.now()
        reward.transaction = posted
        reward.save(update_fields=["status", "paid_at", "transaction"])
        return posted
