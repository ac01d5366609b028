"""Forms of the staff pages: one per action on the detail page, and the queue's bulk form.

Field names match the keyword arguments of the services, so a ``DomainError(field=…)`` lands next
to the field it is about.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.forms import PortalFormMixin
from petitions import reply_templates
from petitions.models import UNFIXED_OUTCOME_CHOICES, Evaluation, Klass, Petition


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _resident_note() -> forms.CharField:
    """The optional note a triage step publishes to the resident, saying so before it is saved."""
    return forms.CharField(
        label=_("Note to the resident"),
        required=False,
        widget=_textarea(2),
        help_text=_(
            "Published on the resident's status page with this step. For colleagues only, add an internal note."
        ),
    )


class TemplateSelect(forms.Select):
    """A reply-template picker: choosing one copies its text into the reply box, to be edited."""

    def __init__(self, target: str = "reply", attrs=None, choices=()):
        attrs = {
            **(attrs or {}),
            "data-fills": target,
            "onchange": "var o=this.options[this.selectedIndex];"
            "if(o.dataset.text){this.form.elements[this.dataset.fills].value=o.dataset.text;}",
        }
        super().__init__(attrs, choices)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        template = reply_templates.reply_template(str(value))
        if template is not None:
            option["attrs"]["data-text"] = str(template.text)
        return option


class ActionForm(PortalFormMixin, forms.Form):
    """Each action form gets element ids of its own, since many share one page."""

    action: str = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)


class ClaimForm(ActionForm):
    action = "claim"


class TriageForm(ActionForm):
    action = "triage"
    klass = forms.ChoiceField(label=_("Class"), choices=Klass.choices)
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=None, empty_label=_("— choose a unit —"))
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-handling units"),
        queryset=None,
        required=False,
        help_text=_("Other units that work on the item with the lead unit (协同办理)."),
    )
    note = _resident_note()

    def __init__(self, *args, units: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["co_units"].queryset = units


class SelfHandleForm(ActionForm):
    action = "self_handle"
    klass = forms.ChoiceField(label=_("Class"), choices=Klass.choices)
    note = _resident_note()


class MergeForm(ActionForm):
    action = "merge"
    into = forms.CharField(
        label=_("Tracking code of the item to merge into"),
        max_length=16,
        help_text=_("This item is closed as a duplicate; its reporter follows the other item."),
    )

    def __init__(self, *args, targets: QuerySet[Petition], **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets

    def clean_into(self) -> Petition:
        code = self.cleaned_data["into"].strip().upper()
        target = self.targets.filter(tracking_code=code).first()
        if target is None:
            raise ValidationError(_("No item with this tracking code is in your scope."), code="unknown")
        return target


class AcceptForm(ActionForm):
    action = "accept"


class ProgressForm(ActionForm):
    action = "progress"
    text = forms.CharField(label=_("What has been done"), widget=_textarea())
    public = forms.BooleanField(label=_("Show to the resident"), required=False, initial=True)


class MeetingForm(ActionForm):
    action = "meeting"
    decision = forms.CharField(label=_("Decision of the joint meeting"), widget=_textarea())
    participants = forms.CharField(label=_("Participants"), required=False, max_length=500)


class RequestInfoForm(ActionForm):
    action = "request_info"
    question = forms.CharField(
        label=_("What do you need from the resident?"),
        widget=_textarea(2),
        help_text=_("The time limits pause until the resident answers."),
    )


class ResumeForm(ActionForm):
    action = "resume"
    answer = forms.CharField(label=_("The resident's answer"), required=False, widget=_textarea(2))


class ReturnForm(ActionForm):
    action = "return"
    reason = forms.CharField(
        label=_("Why is the item returned?"),
        widget=_textarea(2),
        help_text=_("The item goes back to triage to be routed again."),
    )


class ReplyForm(ActionForm):
    action = "reply"
    template = forms.ChoiceField(
        label=_("Reply template"), required=False, choices=reply_templates.choices, widget=TemplateSelect("reply")
    )
    reply = forms.CharField(label=_("Reply to the resident"), widget=_textarea(4))


class CloseUnfixedForm(ActionForm):
    action = "close_unfixed"
    outcome = forms.ChoiceField(
        label=_("Why it cannot be fixed"),
        choices=[("", "—"), *UNFIXED_OUTCOME_CHOICES],
    )
    reply = forms.CharField(
        label=_("Explanation to the resident"),
        widget=_textarea(3),
        help_text=_("Published to the resident with the outcome; they may still evaluate how they were treated."),
    )


class EvaluateForm(ActionForm):
    action = "evaluate"
    rating = forms.ChoiceField(label=_("The resident's rating"), choices=Evaluation.Rating.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=_textarea(2))


class ThirdPartyForm(ActionForm):
    action = "third_party"
    rating = forms.ChoiceField(label=_("Rating"), choices=Evaluation.Rating.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=_textarea(2))


class CloseForm(ActionForm):
    action = "close"
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=_textarea(2),
        help_text=_("The item will count as “not evaluated”, never as satisfied."),
    )


class ReopenForm(ActionForm):
    action = "reopen"
    reason = forms.CharField(label=_("Why is the item reopened?"), widget=_textarea(2))


class NoteForm(ActionForm):
    action = "note"
    text = forms.CharField(label=_("Note"), widget=_textarea(2))
    public = forms.BooleanField(
        label=_("Public (the resident sees it on the status page)"), required=False, initial=False
    )


class IdListField(forms.Field):
    """The ids of the rows ticked in the queue (checkboxes outside the form, tied by ``form=``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(v) for v in (value if isinstance(value, list | tuple) else [value])]
        except (TypeError, ValueError):
            raise ValidationError(_("The selection is not valid; reload the page."), code="invalid") from None
        return list(dict.fromkeys(ids))


class BulkForm(PortalFormMixin, forms.Form):
    """Route or reply to every selected queue row; each item still goes through its service."""

    MAX_ITEMS = 100
    ROUTE, REPLY = "route", "reply"

    operation = forms.ChoiceField(
        label=_("Bulk action"), choices=[(ROUTE, _("Route to a unit")), (REPLY, _("Reply"))], widget=forms.HiddenInput
    )
    ids = IdListField(label=_("Selected items"), required=False)
    klass = forms.ChoiceField(label=_("Class"), choices=[("", "—"), *Klass.choices], required=False)
    unit = forms.ModelChoiceField(
        label=_("Handling unit"), queryset=None, required=False, empty_label=_("— choose a unit —")
    )
    template = forms.ChoiceField(
        label=_("Reply template"), required=False, choices=reply_templates.choices, widget=TemplateSelect("reply")
    )
    reply = forms.CharField(label=_("Reply to the residents"), required=False, widget=_textarea(3))

    def __init__(self, *args, units: QuerySet, **kwargs):
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        cleaned = super().clean()
        ids = cleaned.get("ids") or []
        if not ids:
            raise ValidationError(_("Select at least one item in the list."), code="empty")
        if len(ids) > self.MAX_ITEMS:
            raise ValidationError(
                _("Select at most %(count)d items at once."), code="too_many", params={"count": self.MAX_ITEMS}
            )
        if cleaned.get("operation") == self.ROUTE:
            if not cleaned.get("klass"):
                self.add_error("klass", _("Choose routine, general or major."))
            if not cleaned.get("unit"):
                self.add_error("unit", _("Choose an active handling unit."))
        elif cleaned.get("operation") == self.REPLY and not (cleaned.get("reply") or "").strip():
            self.add_error("reply", _("Write the reply to the residents."))
        return cleaned
