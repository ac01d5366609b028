"""Micro-funds (微基金): named funds, community micro-funds, their decision panels, and the ledger.

The ledger is double entry in integer fen. Every ``Entry`` is signed (debit positive, credit
negative); the entries of one ``LedgerTransaction`` sum to zero, and PostgreSQL enforces it at commit
with a deferred constraint trigger (migration 0002). Posted entries cannot be updated or deleted
(a trigger raises): a correction is a reversing transaction. ``Account.balance_fen`` is a running
sum kept under the account's row lock; ``manage.py funds_reconcile`` proves it from the entries.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from grids.models import Region


class DonorKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COMPANY = "company", _("Company")
    ORGANISATION = "organisation", _("Organisation")


@pghistory.track(*audited())
class Donor(models.Model):
    """A resident, company or organisation that gives money (捐赠人)."""

    kind = models.CharField(_("kind"), max_length=16, choices=DonorKind.choices)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Shown by name on public pages only with this consent; otherwise "a donor".
    consent_public = models.BooleanField(_("may be named publicly"), default=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")

    def __str__(self) -> str:
        return self.name

    @property
    def public_name(self) -> str:
        return self.name if self.consent_public else str(_("An anonymous donor"))


class FundKind(models.TextChoices):
    NAMED = "named", _("Named fund")
    MICRO = "micro", _("Community micro-fund")
    SUBSIDY = "subsidy", _("Government subsidy programme")


class CapKind(models.TextChoices):
    """The caps of DESIGN.md: 500 yuan per square metre of service space; 20,000–30,000 yuan per
    operating station; 10,000–100,000 yuan per approved venture or micro-livelihood project."""

    PER_SQUARE_METRE = "per_sqm", _("Per square metre of service space")
    PER_STATION = "station", _("Per operating station")
    PER_PROJECT = "project", _("Per approved project")


@pghistory.track(*audited())
class Fund(models.Model):
    """A named fund (冠名基金) or a community micro-fund (社区微基金)."""

    kind = models.CharField(_("kind"), max_length=8, choices=FundKind.choices)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    # The directed purpose (专款专用): money given to the fund is spent only on it.
    purpose = models.CharField(_("purpose"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    donor = models.ForeignKey(
        Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="funds", verbose_name=_("named by")
    )
    target_fen = models.BigIntegerField(_("target (fen)"), null=True, blank=True)
    # The decision panel (决议团): how many members must vote, and the share of yes votes among the
    # votes cast that approves a proposal (strictly more than this percentage).
    # A subsidy programme's cap: the kind, and the amounts (a range, or a rate per square metre).
    cap_kind = models.CharField(_("cap"), max_length=8, choices=CapKind.choices, blank=True)
    cap_min_fen = models.BigIntegerField(_("least per grant (fen)"), null=True, blank=True)
    cap_max_fen = models.BigIntegerField(_("most per grant (fen)"), null=True, blank=True)
    cap_per_sqm_fen = models.BigIntegerField(_("most per square metre (fen)"), null=True, blank=True)
    quorum = models.PositiveSmallIntegerField(_("quorum"), default=3)
    majority_percent = models.PositiveSmallIntegerField(_("majority (percent)"), default=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.CheckConstraint(condition=Q(target_fen__isnull=True) | Q(target_fen__gt=0), name="fund_target_pos"),
            models.CheckConstraint(condition=Q(majority_percent__lt=100), name="fund_majority_below_100"),
        ]

    def __str__(self) -> str:
        return self.name


class AccountKind(models.TextChoices):
    CASH = "cash", _("Money held")  # debit-normal: what the fund holds for the purpose
    RECEIVABLE = "receivable", _("Pledged, not yet received")  # debit-normal
    INCOME = "income", _("Given and pledged")  # credit-normal (negative balance)
    SPENT = "spent", _("Paid out")  # debit-normal


class Account(models.Model):
    """One ledger account of a fund for one purpose."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="accounts")
    purpose = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=AccountKind.choices)
    # The running sum of the account's entries, kept under the row lock; reconciled from the entries.
    balance_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fund", "purpose", "kind"], name="account_fund_purpose_kind"),
            # Money held never goes below zero.
            models.CheckConstraint(condition=~Q(kind="cash") | Q(balance_fen__gte=0), name="account_cash_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id}/{self.purpose}/{self.kind}"


class TransactionKind(models.TextChoices):
    PLEDGE = "pledge", _("Pledge falls due")
    RECEIPT = "receipt", _("Receipt")
    DONATION = "donation", _("Donation")
    DISBURSEMENT = "disbursement", _("Disbursement")
    REVERSAL = "reversal", _("Reversal")
    PURPOSE_CHANGE = "repurpose", _("Change of purpose (donor's consent)")
    PLEDGE_CANCEL = "cancel", _("Pledge cancelled (what fell due and was not received)")


class LedgerTransaction(models.Model):
    """A balanced set of entries posted at once. Never edited: a correction reverses it."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    memo = models.CharField(max_length=200, blank=True)
    posted_at = models.DateTimeField(auto_now_add=True)
    # A retried request or import with the same key records the money once.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    instalment = models.ForeignKey(
        "Instalment", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    proposal = models.ForeignKey(
        "Proposal", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["fund", "-id"], name="ledgertx_fund_id")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Entry(models.Model):
    """One signed amount on one account (debit positive, credit negative)."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_fen = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="entry_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount_fen}"


class PledgeKind(models.TextChoices):
    ONCE = "once", _("One-time")
    YEARLY = "yearly", _("Yearly")


@pghistory.track(*audited())
class Pledge(models.Model):
    """A donor's promise to give (认捐): once, or every year from ``start_year``."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="pledges")
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="pledges")
    kind = models.CharField(_("kind"), max_length=8, choices=PledgeKind.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    start_year = models.PositiveSmallIntegerField(_("from year"))
    end_year = models.PositiveSmallIntegerField(_("until year"), null=True, blank=True)
    # A double-submitted form or a retried request records the pledge once.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Cancelled: nothing more falls due; what fell due and was not received was reversed on the ledger.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="pledge_amount_pos"),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=models.F("start_year")), name="pledge_years"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor_id} → {self.fund_id}: {self.amount_fen}"


class Instalment(models.Model):
    """What a pledge makes due in one year (the receivable); one per pledge and year."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="instalments")
    year = models.PositiveSmallIntegerField()
    amount_fen = models.BigIntegerField()
    due_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pledge", "year"], name="instalment_once_a_year")]
        indexes = [models.Index(fields=["due_on"], name="instalment_due")]

    def __str__(self) -> str:
        return f"{self.pledge_id}/{self.year}"


@pghistory.track(*audited())
class PanelMember(models.Model):
    """A resident representative on a micro-fund's decision panel (决议团), and whom they represent."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    represents = models.CharField(_("represents"), max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "user"], name="panel_member_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.represents})"


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Voting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


# action: (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "vote": (frozenset({ProposalStatus.OPEN}), ProposalStatus.OPEN),
    "decide": (frozenset({ProposalStatus.OPEN}), ProposalStatus.APPROVED),  # or REJECTED
    "disburse": (frozenset({ProposalStatus.APPROVED}), ProposalStatus.PAID),
}


@pghistory.track(*audited())
class Proposal(models.Model):
    """A proposal to spend (拨款提案): amount, purpose, recipient project; decided by the panel."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="proposals")
    purpose = models.CharField(_("purpose"), max_length=100)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    recipient = models.CharField(_("recipient project"), max_length=100)
    # The beneficiary is named on the public page only with this consent.
    recipient_public = models.BooleanField(_("recipient may be shown publicly"), default=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    yes_votes = models.PositiveSmallIntegerField(default=0)
    no_votes = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="proposal_amount_pos")]

    def __str__(self) -> str:
        return self.recipient

    @property
    def public_recipient(self) -> str:
        return self.recipient if self.recipient_public else str(_("A beneficiary (not named)"))


class VoteChoice(models.TextChoices):
    YES = "yes", _("For")
    NO = "no", _("Against")
    ABSTAIN = "abstain", _("Abstain")


@pghistory.track(*audited())
class Vote(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(_("vote"), max_length=8, choices=VoteChoice.choices)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "member"], name="one_vote_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.choice}"


class ProjectStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ASSESSED = "assessed", _("Assessed")


PROJECT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({ProjectStatus.APPLIED}), ProjectStatus.APPROVED),
    "reject": (frozenset({ProjectStatus.APPLIED}), ProjectStatus.REJECTED),
    "pay_tranche": (frozenset({ProjectStatus.APPROVED}), ProjectStatus.APPROVED),
    "assess": (frozenset({ProjectStatus.APPROVED}), ProjectStatus.ASSESSED),
}


@pghistory.track(*audited())
class Project(models.Model):
    """An organisation's application to a subsidy programme (公益创投 / 微民生项目 / 站点 / 阵地),
    paid in tranches against milestones once approved, and finally assessed."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="projects")
    applicant = models.CharField(_("applying organisation"), max_length=100)
    title = models.CharField(_("project"), max_length=100)
    area_sqm = models.DecimalField(_("service space (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    requested_fen = models.BigIntegerField(_("requested (fen)"))
    approved_fen = models.BigIntegerField(_("approved (fen)"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.APPLIED)
    # The petitions it resolves (their pages link to it).
    petitions = models.ManyToManyField("petitions.Petition", blank=True, related_name="+")
    # The micro-wishes (微心愿) it resolves (their pages link to it).
    wishes = models.ManyToManyField("volunteers.Wish", blank=True, related_name="+")
    satisfaction_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    staff_score = models.PositiveSmallIntegerField(null=True, blank=True)
    final_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(requested_fen__gt=0), name="project_requested_pos")]

    def __str__(self) -> str:
        return self.title


class Tranche(models.Model):
    """One payment of an approved project against a milestone."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tranches")
    milestone = models.CharField(_("milestone"), max_length=100)
    amount_fen = models.BigIntegerField()
    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="tranche")
    paid_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.milestone


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


REWARD_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({RewardStatus.PROPOSED}), RewardStatus.APPROVED),
    "reject": (frozenset({RewardStatus.PROPOSED}), RewardStatus.REJECTED),
    "pay": (frozenset({RewardStatus.APPROVED}), RewardStatus.PAID),
}


@pghistory.track(*audited())
class Reward(models.Model):
    """A reward instead of a subsidy (以奖代补) to a volunteer organisation for its approved service over
    a period, paid from a subsidy programme: proposed (with the service it rests on, as counted then),
    decided, paid on the ledger like every disbursement."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="rewards", verbose_name=_("programme"))
    organisation = models.ForeignKey(
        "volunteers.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    period_start = models.DateField(_("service from"))
    period_end = models.DateField(_("service until"))
    # The service the proposal rests on, as counted when it was made (volunteers.rewards).
    minutes = models.PositiveIntegerField(_("approved minutes"))
    activities = models.PositiveIntegerField(_("activities"))
    volunteers = models.PositiveIntegerField(_("volunteers"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(max_length=10, choices=RewardStatus.choices, default=RewardStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="reward"
    )

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="reward_amount_pos"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="reward_period"),
            # One live reward per organisation, programme and period (a rejected one may be proposed again).
            models.UniqueConstraint(
                fields=["fund", "organisation", "period_start", "period_end"],
                condition=~Q(status="rejected"),
                name="reward_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.period_start}–{self.period_end}"

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)
