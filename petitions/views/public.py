"""Public pages (no sign-in): the resident's web form, the status check by tracking code and the
last four phone digits, and the private evaluation link.

The public side shows only what a resident may see: public timeline entries, no staff names, no
internal notes, no personal data, and photos only as their metadata-free public copies.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core import ratelimit
from core.errors import DomainError
from core.pagination import keyset_page
from grids.models import Region
from grids.permissions import assignments
from grids.roles import Role
from petitions import photos, selectors, services, timeline
from petitions.forms_intake import (
    EvaluationForm,
    PublicReportForm,
    StatusCheckForm,
    public_regions,
    region_options,
)
from petitions.models import Channel, Evaluation, Event, Petition, Status
from petitions.views.intake import form_error

_DONE_KEY = "petitions.public_report_done"


# --- Rate limits (core.ratelimit) --------------------------------------------------------------------


def _status_limits(request: HttpRequest, code: str) -> list[tuple[str, str]]:
    """Failed status checks count per client address and per tracking code (a right answer costs
    nothing, so residents behind one shared address do not lock each other out)."""
    return [("status-address", ratelimit.client_ip(request)), ("status-code", ratelimit.digest(code))]


# --- The resident's web form ------------------------------------------------------------------------


def _resident_initial(user) -> dict:
    if not getattr(user, "is_authenticated", False):
        return {}
    initial = {"reporter_name": user.full_name, "reporter_phone": user.phone or ""}
    home = next((a.region for a in assignments(user) if a.role == Role.RESIDENT), None)
    if home is not None and home.level >= 3:
        street_path = home.ancestor_paths()[1]
        street = Region.objects.filter(path=street_path).only("pk").first()
        initial.update(street=str(street.pk) if street else "", region=str(home.pk))
    return initial


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST" and "pick_street" in request.POST:
        # Without JavaScript: reload the form with the places of the chosen street, keeping the text.
        kept = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "pick_street")}
        form = PublicReportForm(initial=kept)
        return render(request, "petitions/public_report.html", {"form": form})
    form = PublicReportForm(request.POST or None, request.FILES or None, initial=_resident_initial(user))
    if request.method == "POST" and form.is_valid():
        if ratelimit.hit(ratelimit.UPLOADS, ratelimit.client_ip(request), settings.RATE_PUBLIC_REPORT):
            form.keep_photos()
            context = {"form": form, "limited": True}
            return render(request, "petitions/public_report.html", context, status=429)
        try:
            petition, token = photos.petition_file_with_photos(
                **form.filing(), channel=Channel.WEB, reporter=user, language=get_language()
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            photos.photos_release(form.kept_photos())
            request.session[_DONE_KEY] = {
                "code": petition.tracking_code,
                "token": token,
                "anonymous": petition.anonymous,
            }
            return redirect("petitions:public_report_done")
    if form.is_bound:
        form.keep_photos()
    return render(request, "petitions/public_report.html", {"form": form})


@require_GET
def report_done(request: HttpRequest) -> HttpResponse:
    """The tracking code and the private link, shown once (they leave the session here)."""
    done = request.session.pop(_DONE_KEY, None)
    if not done:
        return redirect("petitions:public_report")
    link = request.build_absolute_uri(reverse("petitions:public_evaluate", args=[done["code"], done["token"]]))
    return render(request, "petitions/public_report_done.html", {**done, "private_link": link})


@require_GET
def regions(request: HttpRequest) -> HttpResponse:
    """htmx: the place options of one street, for the web form's cascading select."""
    groups = region_options(public_regions(request.GET.get("street")))
    return render(request, "petitions/public_region_options.html", {"groups": groups})


# --- Status and evaluation --------------------------------------------------------------------------


def _event_labeler():
    """The label of a public timeline event, from its fields; the fixed words are translated once
    per page, not once per event."""
    filed, on_spot, progress, update = _("Filed"), _("Solved on the spot"), _("Progress"), _("Update")
    meeting = str(Event.Kind.MEETING.label)
    unfixed = str(timeline.LABELS["close_unfixed"])

    def label(kind: str, action: str, to_status: str, data: dict) -> str:
        if kind == Event.Kind.EVALUATION:
            rating = Evaluation.Rating(data.get("rating", Evaluation.Rating.SATISFIED)).label
            return _("Evaluation: %(rating)s") % {"rating": rating}
        if kind == Event.Kind.MEETING:
            return meeting
        if kind == Event.Kind.LINKED:
            return timeline.linked_label(action, data) or update
        if action == "file":
            return filed
        if action == "solved_on_spot":
            return on_spot
        if action == "close_unfixed":
            return unfixed
        if kind == Event.Kind.TRANSITION and to_status:
            return str(Status(to_status).label)
        if action == "progress":
            return progress
        return update

    return label


def _public_entries(petition: Petition) -> tuple[list[dict], list[dict]]:
    """The public timeline of ``petition`` and, if it was merged, of the item it was merged into:
    who did it is never shown, and a merge note names no other item. From the item a report was
    merged into, other residents' evaluations are left out, and so is the comment an unsatisfied
    resident gave there (the rework step quotes it)."""
    label = _event_labeler()
    merge_text = _("Merged with another report of the same problem.")
    own, merged = [], []
    for event in selectors.petition_public_events(petition):
        theirs = event.petition_id != petition.pk
        if theirs and event.kind == Event.Kind.EVALUATION:
            continue
        text = "" if theirs and event.action == "evaluate_rework" else event.text  # another resident's words
        (merged if theirs else own).append(
            {
                "when": event.created_at,
                "label": label(event.kind, event.action, event.to_status, event.data),
                "text": merge_text
                if event.action == "merge"
                else "\n".join([*timeline.system_lines(event), text]).strip(),
            }
        )
    return own, merged


def _evaluate(request: HttpRequest, petition: Petition) -> tuple[EvaluationForm, bool]:
    """Handle the evaluation form; returns it and whether an evaluation was recorded."""
    posted = request.method == "POST" and "evaluate" in request.POST
    form = EvaluationForm(request.POST if posted else None)
    if not (posted and form.is_valid()):
        return form, False
    if petition.resident_evaluated:  # the latest reply is evaluated
        form.add_error(None, _("This reply has already been evaluated. Thank you."))
        return form, False
    by = request.user if request.user.is_authenticated else None
    try:
        services.petition_evaluate(
            petition=petition,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            source=Evaluation.Source.RESIDENT,
            by=by,
        )
    except DomainError as exc:
        form_error(form, exc)
        return form, False
    return form, True


def _public_context(petition: Petition) -> dict:
    """What the public pages show of ``petition``, fetched through ``selectors.petition_public`` (or
    the status check's lookup, which reads the same)."""
    shown = petition.merged_into if petition.status == Status.MERGED and petition.merged_into_id else petition
    entries, merged_entries = _public_entries(petition)
    evaluated = petition.resident_evaluated
    return {
        "petition": petition,
        "shown": shown,
        "entries": entries,
        "merged_entries": merged_entries,
        "public_photo_urls": [photo.public_image.url for photo in petition.public_photos],
        "awaiting_evaluation": petition.status == Status.REPLIED and not evaluated,
        "already_evaluated": evaluated,
    }


def _evaluated_message(request: HttpRequest, rating: str) -> None:
    if rating == Evaluation.Rating.UNSATISFIED:
        messages.info(request, _("Thank you. The item goes back to be worked on again."))
    else:
        messages.success(request, _("Thank you for your evaluation. The item is closed."))


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """Tracking code + last four phone digits → the public timeline (and the evaluation form)."""
    initial = {"code": request.GET.get("code", "")}
    form = StatusCheckForm(request.POST or None, initial=initial)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        code, digits = form.cleaned_data["code"], form.cleaned_data["phone_last4"]
        limits = _status_limits(request, code)
        rate = settings.RATE_STATUS_CHECK
        if any(ratelimit.exhausted(group, value, rate) for group, value in limits):
            context["limited"] = True
            return render(request, "petitions/public_status.html", context, status=429)
        petition = selectors.petition_public_lookup(code=code, phone_last4=digits)
        if petition is None:
            for group, value in limits:
                ratelimit.hit(group, value, rate)
            form.add_error(None, _("No item matches this tracking code and these digits. Check both and try again."))
        else:
            evaluation_form, done = _evaluate(request, petition)
            if done:
                _evaluated_message(request, evaluation_form.cleaned_data["rating"])
                evaluation_form = EvaluationForm()
                petition = selectors.petition_public(petition.pk)
            context.update(_public_context(petition), evaluation_form=evaluation_form, digits=digits)
    return render(request, "petitions/public_status.html", context)


@require_http_methods(["GET", "POST"])
def evaluate(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The private link given once at filing: status and the evaluation form, no digits needed."""
    found = services.petition_by_evaluation_token(code, token)
    if found is None:
        raise Http404
    petition = selectors.petition_public(found.pk)
    evaluation_form, done = _evaluate(request, petition)
    if done:
        _evaluated_message(request, evaluation_form.cleaned_data["rating"])
        return redirect(request.path)
    context = {**_public_context(petition), "evaluation_form": evaluation_form}
    return render(request, "petitions/public_evaluate.html", context)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """A signed-in resident's own petitions, newest first (keyset pages)."""
    page = keyset_page(selectors.petition_mine(user=request.user), cursor=request.GET.get("cursor"), size=20)
    return render(request, "petitions/mine.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def mine_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One of the resident's own petitions: the public timeline and, when replied, the evaluation."""
    found = selectors.petition_mine(user=request.user).filter(tracking_code=code).first()
    if found is None:
        raise Http404
    petition = selectors.petition_public(found.pk)
    evaluation_form, done = _evaluate(request, petition)
    if done:
        _evaluated_message(request, evaluation_form.cleaned_data["rating"])
        return redirect(request.path)
    context = {**_public_context(petition), "evaluation_form": evaluation_form}
    return render(request, "petitions/public_evaluate.html", context)
