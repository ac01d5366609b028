"""Forms of the fund pages. Amounts are typed in yuan and cleaned to integer fen (``YuanField``)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import PortalFormMixin
from core.inputs import BoundedDateField
from funds.models import CapKind, DonorKind, FundKind, PledgeKind, VoteChoice
from funds.money import YuanField
from grids.models import Region
from grids.permissions import region_condition, region_paths


def _key() -> str:
    return uuid.uuid4().hex


class FundForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of fund"), choices=FundKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    purpose = forms.CharField(
        label=_("Purpose"), max_length=100, help_text=_("Money given to the fund is spent only on this purpose.")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    donor_kind = forms.ChoiceField(label=_("Donor kind"), choices=DonorKind.choices, required=False)
    donor_name = forms.CharField(
        label=_("Donor (named fund)"), max_length=100, required=False, help_text=_("Required for a named fund.")
    )
    donor_consent = forms.BooleanField(label=_("The donor agrees to be named publicly"), required=False)
    target = YuanField(label=_("Target (yuan, micro-fund)"), required=False)
    cap_kind = forms.ChoiceField(
        label=_("Cap (subsidy programme)"), choices=[("", "—"), *CapKind.choices], required=False
    )
    cap_min = YuanField(label=_("Least per grant (yuan)"), required=False)
    cap_max = YuanField(label=_("Most per grant (yuan)"), required=False)
    cap_per_sqm = YuanField(label=_("Most per square metre (yuan)"), required=False)
    quorum = forms.IntegerField(label=_("Panel quorum (votes)"), min_value=1, max_value=99, initial=3)
    majority_percent = forms.IntegerField(
        label=_("Panel majority (more than this percent of votes cast)"), min_value=0, max_value=99, initial=50
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        paths = region_paths(user, "funds.manage")
        self.fields["region"].queryset = (
            Region.objects.filter(region_condition(paths, "path")).order_by("path") if paths else Region.objects.none()
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == FundKind.NAMED and not (data.get("donor_name") or "").strip():
            self.add_error("donor_name", _("A named fund needs the donor it is named for."))
        if data.get("kind") == FundKind.SUBSIDY and not data.get("cap_kind"):
            self.add_error("cap_kind", _("A subsidy programme needs its cap."))
        return data


class PledgeForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Pledge"), choices=PledgeKind.choices)
    amount = YuanField(label=_("Amount (yuan, each year for a yearly pledge)"))
    start_year = forms.IntegerField(label=_("From year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=_("Until year (optional)"), min_value=2000, max_value=2150, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=100, initial=_key)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_year"].initial = timezone.localdate().year


class ReceiptForm(PortalFormMixin, forms.Form):
    instalment = forms.TypedChoiceField(label=_("Against pledge"), coerce=int, required=False, empty_value=None)
    amount = YuanField(label=_("Amount received (yuan)"))
    donor_name = forms.CharField(label=_("Given by (a donation)"), max_length=100, required=False)
    donor_kind = forms.ChoiceField(label=_("Giver"), choices=DonorKind.choices, required=False)
    donor_consent = forms.BooleanField(label=_("The giver agrees to be named publicly"), required=False)
    # One key per form shown: a double submit or a retried request records the money once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=100, initial=_key)

    def __init__(self, *args, instalments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instalment"].choices = [("", _("No pledge: a donation"))] + [
            (i.pk, f"{i.pledge.donor.name} · {i.year} · ¥{i.outstanding / 100:,.2f}") for i in instalments
        ]


class ProposalForm(PortalFormMixin, forms.Form):
    amount = YuanField(label=_("Amount (yuan)"))
    recipient = forms.CharField(label=_("Recipient project"), max_length=100)
    recipient_public = forms.BooleanField(label=_("The recipient agrees to be shown publicly"), required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=100, required=False, help_text=_("Default: the fund's."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PanelMemberForm(PortalFormMixin, forms.Form):
    username = forms.CharField(label=_("Sign-in name of the representative"), max_length=150)
    represents = forms.CharField(label=_("Represents"), max_length=100, help_text=_("e.g. residents of building 3"))

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("No user signs in with that name."))
        return user


class ChoiceOfForm(PortalFormMixin, forms.Form):
    """Pick one of the fund's proposals (decide, pay) or transactions (reverse)."""

    item = forms.TypedChoiceField(label=_("Which"), coerce=int)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(pk, label) for pk, label in items]


class ReverseForm(ChoiceOfForm):
    reason = forms.CharField(label=_("Why"), max_length=200)


class VoteForm(PortalFormMixin, forms.Form):
    choice = forms.ChoiceField(label=_("Your vote"), choices=VoteChoice.choices)


class ProjectForm(PortalFormMixin, forms.Form):
    applicant = forms.CharField(label=_("Applying organisation"), max_length=100)
    title = forms.CharField(label=_("Project"), max_length=100)
    amount = YuanField(label=_("Requested (yuan)"))
    area_sqm = forms.DecimalField(
        label=_("Service space (m²)"), max_digits=8, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    petitions = forms.CharField(
        label=_("Petitions it resolves (tracking codes)"),
        max_length=500,
        required=False,
        help_text=_("Separated by spaces or commas."),
    )
    wishes = forms.CharField(
        label=_("Micro-wishes it resolves (wish numbers)"),
        max_length=500,
        required=False,
        help_text=_("Separated by spaces or commas."),
    )


class ReviewForm(ChoiceOfForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    amount = YuanField(label=_("Approved amount (yuan; default: as requested)"), required=False)


class TrancheForm(ChoiceOfForm):
    milestone = forms.CharField(label=_("Milestone"), max_length=100)
    amount = YuanField(label=_("Amount (yuan)"))


class AssessForm(ChoiceOfForm):
    satisfaction = forms.IntegerField(label=_("Residents' satisfaction (%)"), min_value=0, max_value=100)
    staff_score = forms.IntegerField(label=_("Staff's score (0–100)"), min_value=0, max_value=100)


class PurposeChangeForm(PortalFormMixin, forms.Form):
    from_purpose = forms.ChoiceField(label=_("From purpose"))
    to_purpose = forms.CharField(label=_("To purpose"), max_length=100)
    amount = YuanField(label=_("Amount (yuan)"))
    consent = forms.CharField(
        label=_("The donor's consent"),
        max_length=200,
        help_text=_("How and when the donor agreed, e.g. a signed letter."),
    )

    def __init__(self, *args, purposes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_purpose"].choices = [(p, p) for p in purposes]


class RewardForm(PortalFormMixin, forms.Form):
    """A reward instead of a subsidy (以奖代补) for an organisation's approved service over a period."""

    organisation = forms.TypedChoiceField(label=_("Volunteer organisation"), coerce=int)
    period_start = BoundedDateField(label=_("Service from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = BoundedDateField(label=_("Service until"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = YuanField(label=_("Reward (yuan)"))
    reason = forms.CharField(label=_("What it rewards"), max_length=200)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]


class RewardDecideForm(ChoiceOfForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
