"""Public pages (no sign-in): the resident's web form, the status check by tracking code and the
last four phone digits, and the private evaluation link.

The public side shows only what a resident may see: public timeline entries, no staff names, no
internal notes, no personal data, and photos only as their metadata-free public copies.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import ratelimit
from core.errors import DomainError
from core.pagination import keyset_page
from grids.models import Region
from grids.permissions import assignments
from grids.roles import Role
from petitions import photos, selectors, services
from petitions.forms_intake import (
    EvaluationForm,
    PublicReportForm,
    StatusCheckForm,
    public_regions,
    region_options,
)
from petitions.models import Channel, Evaluation, Event, Petition, Photo, Status
from petitions.views.intake import form_error

# At most this many status checks per window, per client address and per tracking code.
STATUS_LIMIT = 10
STATUS_WINDOW = 600  # seconds
# The web form takes photos from anyone: cap what one address can file.
REPORT_LIMIT = 20
REPORT_WINDOW = 3600
_DONE_KEY = "petitions.public_report_done"


# --- Rate limiting (Redis through the Django cache) -----------------------------------------------


def status_limit_keys(ip: str, code: str) -> list[str]:
    digest = hashlib.sha256(code.encode()).hexdigest()[:32]
    return [f"petitions:status:ip:{ip}", f"petitions:status:code:{digest}"]


def report_limit_keys(ip: str) -> list[str]:
    return [f"petitions:report:ip:{ip}"]


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


def report(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST" and "pick_street" in request.POST:
        # Without JavaScript: reload the form with the places of the chosen street, keeping the text.
        kept = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "pick_street")}
        form = PublicReportForm(initial=kept)
        return render(request, "petitions/public_report.html", {"form": form})
    form = PublicReportForm(request.POST or None, request.FILES or None, initial=_resident_initial(user))
    if request.method == "POST" and form.is_valid():
        if ratelimit.over_limit(
            report_limit_keys(ratelimit.client_address(request)), limit=REPORT_LIMIT, window=REPORT_WINDOW
        ):
            context = {"form": form, "limited": True, "photos_lost": bool(request.FILES)}
            return render(request, "petitions/public_report.html", context, status=429)
        try:
            petition, token = photos.petition_file_with_photos(**form.filing(), channel=Channel.WEB, reporter=user)
        except DomainError as exc:
            form_error(form, exc)
        else:
            request.session[_DONE_KEY] = {
                "code": petition.tracking_code,
                "token": token,
                "anonymous": petition.anonymous,
            }
            return redirect("petitions:public_report_done")
    context = {"form": form, "photos_lost": bool(request.FILES) and bool(form.errors)}
    return render(request, "petitions/public_report.html", context)


def report_done(request: HttpRequest) -> HttpResponse:
    """The tracking code and the private link, shown once (they leave the session here)."""
    done = request.session.pop(_DONE_KEY, None)
    if not done:
        return redirect("petitions:public_report")
    link = request.build_absolute_uri(reverse("petitions:public_evaluate", args=[done["code"], done["token"]]))
    return render(request, "petitions/public_report_done.html", {**done, "private_link": link})


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

    def label(kind: str, action: str, to_status: str, data: dict) -> str:
        if kind == Event.Kind.EVALUATION:
            rating = Evaluation.Rating(data.get("rating", Evaluation.Rating.SATISFIED)).label
            return _("Evaluation: %(rating)s") % {"rating": rating}
        if kind == Event.Kind.MEETING:
            return meeting
        if action == "file":
            return filed
        if action == "solved_on_spot":
            return on_spot
        if kind == Event.Kind.TRANSITION and to_status:
            return str(Status(to_status).label)
        if action == "progress":
            return progress
        return update

    return label


def _public_entries(petition: Petition, events: list) -> tuple[list[dict], list[dict]]:
    """The public timeline of ``petition`` and, if it was merged, of the item it was merged into,
    from ``selectors.petition_public_extras``: who did it is never shown, and a merge note names no
    other item. From the item a report was merged into, other residents' evaluations are left out,
    and so is the comment an unsatisfied resident gave there (the rework step quotes it)."""
    label = _event_labeler()
    merge_text = _("Merged with another report of the same problem.")
    own, merged = [], []
    for petition_id, kind, action, to_status, text, data, created_at in events:
        if petition_id != petition.pk and kind == Event.Kind.EVALUATION:
            continue
        if petition_id != petition.pk and action == "evaluate_rework":
            text = ""  # another resident's words
        (own if petition_id == petition.pk else merged).append(
            {
                "when": datetime.fromisoformat(created_at),
                "label": label(kind, action, to_status, data),
                "text": merge_text if action == "merge" else text,
            }
        )
    return own, merged


def _evaluate(request: HttpRequest, petition: Petition) -> tuple[EvaluationForm, bool]:
    """Handle the evaluation form; returns it and whether an evaluation was recorded."""
    posted = request.method == "POST" and "evaluate" in request.POST
    form = EvaluationForm(request.POST if posted else None)
    if not (posted and form.is_valid()):
        return form, False
    if selectors.petition_public_extras(petition)["resident_evaluated"]:  # the latest reply is evaluated
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


def _reloaded(petition: Petition) -> Petition:
    """The item as stored after a service changed it (services work on their own locked row)."""
    return Petition.objects.select_related("category", "region").get(pk=petition.pk)


def _public_context(petition: Petition) -> dict:
    """What the public pages show of ``petition``, which the caller fetched with its category and
    region (reloaded with ``_reloaded`` if a service changed it since)."""
    shown = petition.merged_into if petition.status == Status.MERGED and petition.merged_into_id else petition
    extras = selectors.petition_public_extras(petition)
    entries, merged_entries = _public_entries(petition, extras["public_events"])
    storage = Photo._meta.get_field("public_image").storage
    evaluated = extras["resident_evaluated"]
    return {
        "petition": petition,
        "shown": shown,
        "entries": entries,
        "merged_entries": merged_entries,
        "public_photo_urls": [storage.url(name) for name in extras["public_photo_names"]],
        "awaiting_evaluation": petition.status == Status.REPLIED and not evaluated,
        "already_evaluated": evaluated,
    }


def _evaluated_message(request: HttpRequest, rating: str) -> None:
    if rating == Evaluation.Rating.UNSATISFIED:
        messages.info(request, _("Thank you. The item goes back to be worked on again."))
    else:
        messages.success(request, _("Thank you for your evaluation. The item is closed."))


def status(request: HttpRequest) -> HttpResponse:
    """Tracking code + last four phone digits → the public timeline (and the evaluation form)."""
    initial = {"code": request.GET.get("code", "")}
    form = StatusCheckForm(request.POST or None, initial=initial)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        code, digits = form.cleaned_data["code"], form.cleaned_data["phone_last4"]
        if ratelimit.over_limit(
            status_limit_keys(ratelimit.client_address(request), code), limit=STATUS_LIMIT, window=STATUS_WINDOW
        ):
            context["limited"] = True
            return render(request, "petitions/public_status.html", context, status=429)
        petition = selectors.petition_public_lookup(code=code, phone_last4=digits)
        if petition is None:
            form.add_error(None, _("No item matches this tracking code and these digits. Check both and try again."))
        else:
            evaluation_form, done = _evaluate(request, petition)
            if done:
                _evaluated_message(request, evaluation_form.cleaned_data["rating"])
                evaluation_form = EvaluationForm()
                petition = _reloaded(petition)
            context.update(_public_context(petition), evaluation_form=evaluation_form, digits=digits)
    return render(request, "petitions/public_status.html", context)


def evaluate(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The private link given once at filing: status and the evaluation form, no digits needed."""
    petition = services.petition_by_evaluation_token(code, token)
    if petition is None:
        raise Http404
    evaluation_form, done = _evaluate(request, petition)
    if done:
        _evaluated_message(request, evaluation_form.cleaned_data["rating"])
        return redirect(request.path)
    context = {**_public_context(petition), "evaluation_form": evaluation_form}
    return render(request, "petitions/public_evaluate.html", context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A signed-in resident's own petitions, newest first (keyset pages)."""
    page = keyset_page(selectors.petition_mine(user=request.user), cursor=request.GET.get("cursor"), size=20)
    return render(request, "petitions/mine.html", {"page": page})


@login_required
def mine_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One of the resident's own petitions: the public timeline and, when replied, the evaluation."""
    petition = selectors.petition_mine(user=request.user).filter(tracking_code=code).first()
    if petition is None:
        raise Http404
    evaluation_form, done = _evaluate(request, petition)
    if done:
        _evaluated_message(request, evaluation_form.cleaned_data["rating"])
        return redirect(request.path)
    context = {**_public_context(petition), "evaluation_form": evaluation_form}
    return render(request, "petitions/public_evaluate.html", context)
