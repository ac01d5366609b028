"""The staff detail page of one petition: the item, personal data on request, photos, deadlines,
the full timeline, and the actions this user may take now (each a thin POST → form → service)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from petitions import extensions, forms, permissions, selectors, services, timeline
from petitions.models import TRANSITIONS, Deadline, Evaluation, Event, Klass, Petition, Status

# --- The actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One action of the detail page: who may take it, from which statuses, and what it calls."""

    name: str
    label: Promise
    done: Promise
    form: type[forms.ActionForm]
    permissions: tuple[str, ...]
    run: Callable[..., object]
    statuses: frozenset[str] = field(default_factory=frozenset)
    form_kwargs: Callable[..., dict] = lambda user, petition: {}
    when: Callable[..., bool] = lambda user, petition: True
    style: str = "primary"

    def permitted(self, user, petition: Petition) -> bool:
        return any(permissions.may_act(user, petition, p) for p in self.permissions)

    def available(self, user, petition: Petition) -> bool:
        return petition.status in self.statuses and self.when(user, petition) and self.permitted(user, petition)


def _allowed_from(transition: str) -> frozenset[str]:
    return TRANSITIONS[transition][0]


def not_claimed_by_another(user, petition: Petition) -> bool:
    """Someone who claimed a new item triages it; the others see who works on it, not the forms."""
    return petition.status != Status.NEW or petition.claimed_by_id in (None, user.pk)


def route_units(user, petition: Petition):
    return selectors.petition_route_units(user=user, petition=petition)


def merge_targets(user, petition: Petition):
    return selectors.petition_queryset(user=user, action=permissions.TRIAGE).exclude(pk=petition.pk)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "claim",
            gettext_lazy("Claim"),
            gettext_lazy("You are now working on this item."),
            forms.ClaimForm,
            (permissions.ACTION_PERMISSION["claim"],),
            lambda user, petition, data: services.petition_claim(user=user, petition=petition),
            frozenset({Status.NEW}),
            when=lambda user, petition: petition.claimed_by_id is None,
            style="outline-primary",
        ),
        Action(
            "triage",
            gettext_lazy("Classify and route"),
            gettext_lazy("The item was routed."),
            forms.TriageForm,
            (permissions.ACTION_PERMISSION["triage"],),
            lambda user, petition, data: services.petition_triage(
                user=user,
                petition=petition,
                klass=data["klass"],
                unit=data["unit"],
                co_units=list(data["co_units"]),
                note=data["note"],
            ),
            _allowed_from("triage"),
            form_kwargs=lambda user, petition: {"units": route_units(user, petition)},
            when=not_claimed_by_another,
        ),
        Action(
            "self_handle",
            gettext_lazy("Handle in the community"),
            gettext_lazy("The community handles this item itself."),
            forms.SelfHandleForm,
            (permissions.ACTION_PERMISSION["self_handle"],),
            lambda user, petition, data: services.petition_self_handle(
                user=user, petition=petition, klass=data["klass"], note=data["note"]
            ),
            _allowed_from("self_handle"),
            when=not_claimed_by_another,
            style="outline-primary",
        ),
        Action(
            "accept",
            gettext_lazy("Accept"),
            gettext_lazy("The item was accepted."),
            forms.AcceptForm,
            (permissions.ACTION_PERMISSION["accept"],),
            lambda user, petition, data: services.petition_accept(user=user, petition=petition),
            _allowed_from("accept"),
        ),
        Action(
            "resume",
            gettext_lazy("Resume handling"),
            gettext_lazy("Handling resumed; the time limits run again."),
            forms.ResumeForm,
            (permissions.ACTION_PERMISSION["resume"],),
            lambda user, petition, data: services.petition_resume(user=user, petition=petition, answer=data["answer"]),
            _allowed_from("resume"),
        ),
        Action(
            "progress",
            gettext_lazy("Record progress"),
            gettext_lazy("The progress was recorded."),
            forms.ProgressForm,
            (permissions.ACTION_PERMISSION["progress"],),
            lambda user, petition, data: services.petition_progress(
                user=user, petition=petition, text=data["text"], public=data["public"]
            ),
            _allowed_from("progress"),
            style="outline-primary",
        ),
        Action(
            "meeting",
            gettext_lazy("Record the joint meeting"),
            gettext_lazy("The joint meeting was recorded."),
            forms.MeetingForm,
            (permissions.ACTION_PERMISSION["meeting"],),
            lambda user, petition, data: services.petition_meeting(
                user=user, petition=petition, decision=data["decision"], participants=data["participants"]
            ),
            _allowed_from("meeting"),
            when=lambda user, petition: petition.klass == Klass.MAJOR,
        ),
        Action(
            "reply",
            gettext_lazy("Reply to the resident"),
            gettext_lazy("The reply was sent; the item waits for the evaluation."),
            forms.ReplyForm,
            (permissions.ACTION_PERMISSION["reply"],),
            lambda user, petition, data: services.petition_reply(user=user, petition=petition, reply=data["reply"]),
            _allowed_from("reply"),
        ),
        Action(
            "close_unfixed",
            gettext_lazy("Close without a fix"),
            gettext_lazy("The item was closed without a fix; the resident has the explanation."),
            forms.CloseUnfixedForm,
            (permissions.ACTION_PERMISSION["close_unfixed"],),
            lambda user, petition, data: services.petition_close_unfixed(
                user=user, petition=petition, outcome=data["outcome"], reply=data["reply"]
            ),
            _allowed_from("close_unfixed"),
            # Before acceptance it is a triage decision; a unit returns a wrongly routed item instead.
            when=lambda user, petition: (
                petition.status in (Status.ACCEPTED, Status.WAITING)
                or (permissions.may_act(user, petition, permissions.TRIAGE) and not_claimed_by_another(user, petition))
            ),
            style="outline-danger",
        ),
        Action(
            "request_info",
            gettext_lazy("Ask the resident for information"),
            gettext_lazy("The question was sent; the time limits are paused."),
            forms.RequestInfoForm,
            (permissions.ACTION_PERMISSION["request_info"],),
            lambda user, petition, data: services.petition_request_info(
                user=user, petition=petition, question=data["question"]
            ),
            _allowed_from("request_info"),
            style="outline-secondary",
        ),
        Action(
            "evaluate",
            gettext_lazy("Record a callback evaluation"),
            gettext_lazy("The evaluation was recorded."),
            forms.EvaluateForm,
            (permissions.ACTION_PERMISSION["callback"],),
            lambda user, petition, data: services.petition_evaluate(
                petition=petition,
                rating=data["rating"],
                comment=data["comment"],
                source=Evaluation.Source.CALLBACK,
                by=user,
            ),
            frozenset({Status.REPLIED}),
        ),
        Action(
            "third_party",
            gettext_lazy("Record a third-party evaluation"),
            gettext_lazy("The evaluation was recorded."),
            forms.ThirdPartyForm,
            (permissions.ACTION_PERMISSION["third_party"],),
            lambda user, petition, data: services.petition_evaluate(
                petition=petition,
                rating=data["rating"],
                comment=data["comment"],
                source=Evaluation.Source.THIRD_PARTY,
                by=user,
            ),
            frozenset({Status.REPLIED, Status.CLOSED}),
            style="outline-primary",
        ),
        Action(
            "close",
            gettext_lazy("Close without evaluation"),
            gettext_lazy("The item was closed (not evaluated)."),
            forms.CloseForm,
            (permissions.ACTION_PERMISSION["close"],),
            lambda user, petition, data: services.petition_close(user=user, petition=petition, note=data["note"]),
            _allowed_from("close"),
            style="outline-secondary",
        ),
        Action(
            "reopen",
            gettext_lazy("Reopen"),
            gettext_lazy("The item was reopened."),
            forms.ReopenForm,
            (permissions.ACTION_PERMISSION["reopen"],),
            lambda user, petition, data: services.petition_reopen(user=user, petition=petition, reason=data["reason"]),
            _allowed_from("reopen"),
            style="outline-danger",
        ),
        Action(
            "merge",
            gettext_lazy("Merge into another item"),
            gettext_lazy("The item was merged."),
            forms.MergeForm,
            (permissions.ACTION_PERMISSION["merge"],),
            lambda user, petition, data: services.petition_merge(user=user, petition=petition, into=data["into"]),
            _allowed_from("merge"),
            form_kwargs=lambda user, petition: {"targets": merge_targets(user, petition)},
            when=not_claimed_by_another,
            style="outline-secondary",
        ),
        Action(
            "return",
            gettext_lazy("Return (wrongly routed)"),
            gettext_lazy("The item was returned to triage."),
            forms.ReturnForm,
            (permissions.ACTION_PERMISSION["return"],),
            lambda user, petition, data: services.petition_return(user=user, petition=petition, reason=data["reason"]),
            _allowed_from("return"),
            style="outline-danger",
        ),
        Action(
            "note",
            gettext_lazy("Add a note"),
            gettext_lazy("The note was added."),
            forms.NoteForm,
            (permissions.ACTION_PERMISSION["note"],),
            lambda user, petition, data: services.petition_note(
                user=user, petition=petition, text=data["text"], public=data["public"]
            ),
            _allowed_from("note"),
            style="outline-secondary",
        ),
    )
}


def available_actions(user, petition: Petition) -> list[Action]:
    return [a for a in ACTIONS.values() if a.available(user, petition)]


# --- The timeline --------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: object
    label: str
    kind: str
    event: Event | None = None
    details: list[str] = field(default_factory=list)


def timeline_entries(petition: Petition, deadlines: list[Deadline]) -> list[TimelineEntry]:
    """Every event, plus the moments deadlines were met, paused or breached, in time order."""
    events = selectors.petition_timeline(petition)
    units = timeline.unit_names(events)
    entries = [
        TimelineEntry(event.created_at, timeline.label(event), event.kind, event, timeline.lines(event, units))
        for event in events
    ]
    kinds = dict(Deadline.Kind.choices)
    for deadline in deadlines:
        name = kinds.get(deadline.kind, deadline.kind)
        if deadline.paused_at:
            entries.append(
                TimelineEntry(deadline.paused_at, _("Time limit paused: %(kind)s") % {"kind": name}, "deadline")
            )
        if deadline.breached_at:
            entries.append(
                TimelineEntry(deadline.breached_at, _("Time limit breached: %(kind)s") % {"kind": name}, "breach")
            )
        if deadline.met_at:
            entries.append(TimelineEntry(deadline.met_at, _("Time limit ended: %(kind)s") % {"kind": name}, "deadline"))
    entries.sort(key=lambda e: e.at)
    return entries


# --- Views ---------------------------------------------------------------------------------------


def get_petition_or_404(user, pk: int) -> Petition:
    try:
        return selectors.petition_get(user=user, pk=pk)
    except Petition.DoesNotExist:
        raise Http404 from None


@dataclass
class Panel:
    action: Action
    form: forms.ActionForm
    failed: bool = False
    open: bool = False


def render_detail(
    request: HttpRequest,
    petition: Petition,
    *,
    failed: tuple[str, forms.ActionForm] | None = None,
    personal: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    panels = []
    for action in available_actions(user, petition):
        if failed and failed[0] == action.name:
            continue
        panels.append(Panel(action, action.form(**action.form_kwargs(user, petition))))
    if failed:
        panels.insert(0, Panel(ACTIONS[failed[0]], failed[1], failed=True))
    # The main next step starts unfolded; secondary ones (merge, return, note …) stay folded.
    main = next((p for p in panels if p.form.fields and p.action.style == "primary"), None)
    if main is not None:
        main.open = True
    deadlines = list(petition.deadlines.order_by("due_at", "id"))  # the ended ones too
    can_reveal = permissions.may_act(user, petition, permissions.REVEAL)
    context = {
        "petition": petition,
        "personal": personal or selectors.masked_personal_data(petition),
        "revealed": personal is not None,
        "can_reveal": can_reveal,
        "photos": list(petition.photos.all()),
        "deadlines": deadlines,
        "timeline": timeline_entries(petition, deadlines),
        "panels": panels,
        "related": extensions.page.related(user, petition),
        "page_actions": extensions.page.actions(user, petition),
        "now": timezone.now(),
    }
    return render(request, "petitions/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_detail(request, get_petition_or_404(request.user, pk))


def _success_url(request: HttpRequest, petition: Petition) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    if selectors.petition_queryset(user=request.user).filter(pk=petition.pk).exists():
        return reverse("petitions:detail", kwargs={"pk": petition.pk})
    return reverse("petitions:queue")  # e.g. a unit returned the item: it has left the unit's scope


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """form → service → back to the page; a refused move re-renders the page with a 400."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    petition = get_petition_or_404(request.user, pk)
    if not spec.permitted(request.user, petition):
        raise PermissionDenied
    form = spec.form(request.POST, **spec.form_kwargs(request.user, petition))
    if form.is_valid():
        try:
            spec.run(request.user, petition, form.cleaned_data)
        except DomainError as error:
            # Someone else may have moved the item meanwhile (won the claim, say): show it as it is now.
            petition = get_petition_or_404(request.user, pk)
            if not form.fields and not spec.available(request.user, petition):
                # Nothing was typed: say why, and offer what is possible now (not the stale button).
                messages.error(request, error.message)
                return render_detail(request, petition, status=409)
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, spec.done)
            return redirect(_success_url(request, petition))
    return render_detail(request, petition, failed=(action, form), status=400)


@login_required
@require_GET
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    """A photo of a petition in the user's scope (originals keep their metadata: staff only)."""
    petition = get_petition_or_404(request.user, pk)
    found = next((p for p in petition.photos.all() if p.pk == photo_pk), None)
    if found is None:
        raise Http404
    headers = {"Cache-Control": "private, max-age=3600"}
    stored = found.thumbnail if request.GET.get("size") == "thumb" and found.thumbnail else found.image
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    return FileResponse(stored.open("rb"), content_type=content_type, headers=headers)


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Unmask the resident's name, phone and address; the reveal is logged by the service."""
    petition = get_petition_or_404(request.user, pk)
    if not permissions.may_act(request.user, petition, permissions.REVEAL):
        raise PermissionDenied
    personal = services.petition_reveal_personal(
        user=request.user, petition=petition, ip_address=request.META.get("REMOTE_ADDR")
    )
    if request.htmx:
        context = {"petition": petition, "personal": personal, "revealed": True, "can_reveal": True}
        return render(request, "petitions/_personal_data.html", context)
    return render_detail(request, petition, personal=personal)
