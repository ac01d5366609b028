"""The petitions REST API (DRF): scoped exactly like the pages, one endpoint per transition.

Each view parses with a serializer, fetches through the scoped selector (outside scope → 404),
checks the action (in scope but not allowed → 403), calls the service (a forbidden move raises
``DomainError`` → 400 via ``core.api.exception_handler``) and serializes the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters import (
    BooleanFilter,
    ChoiceFilter,
    DateFilter,
    ModelChoiceFilter,
    MultipleChoiceFilter,
    NumberFilter,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.api_auth import PortalThrottle
from grids.permissions import has_role, may, region_paths
from grids.roles import Role
from grids.selectors import unit_list
from petitions import permissions, selectors, services
from petitions import serializers as s
from petitions.filters import PetitionFilter
from petitions.models import Channel, Evaluation, Petition


def _get_in_scope(user, pk: int) -> Petition:
    try:
        return selectors.petition_get(user=user, pk=pk)
    except Petition.DoesNotExist:
        raise Http404 from None


def _require(user, petition: Petition, action: str) -> None:
    if not permissions.may_act(user, petition, action):
        raise PermissionDenied(_("You may not do this with this item."))


def _parse(serializer_class, request: Request, **context) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _sees_internal(user, petition: Petition) -> bool:
    """People who work the item see internal notes; a read-only third party sees the public ones."""
    return any(
        permissions.may_act(user, petition, action)
        for action in (permissions.HANDLE, permissions.TRIAGE, permissions.FILE)
    )


def _detail(request: Request, petition: Petition) -> dict:
    public_only = not _sees_internal(request.user, petition)
    timeline = selectors.petition_timeline(petition, public_only=public_only)
    return s.PetitionDetailOut(petition, context={"request": request, "timeline": timeline}).data


# --- List and create ---------------------------------------------------------------------------------


def _choices(field) -> list[str] | None:
    choices = field.extra.get("choices")
    if not choices or callable(choices):  # computed per request (maybe from the database): no enum
        return None
    return [str(value) for value, _label in choices]


def _filter_parameters() -> list[OpenApiParameter]:
    """The query parameters of ``PetitionFilter`` (the queue page's filters), for the schema."""
    parameters = []
    for name, field in PetitionFilter.base_filters.items():
        label = field.label or name
        if isinstance(field, MultipleChoiceFilter):
            parameters.append(OpenApiParameter(name, str, description=label, enum=_choices(field), many=True))
        elif isinstance(field, ChoiceFilter):
            parameters.append(OpenApiParameter(name, str, description=label, enum=_choices(field)))
        elif isinstance(field, BooleanFilter):
            parameters.append(OpenApiParameter(name, bool, description=label))
        elif isinstance(field, DateFilter):
            parameters.append(OpenApiParameter(name, OpenApiTypes.DATE, description=label))
        elif isinstance(field, NumberFilter):
            parameters.append(OpenApiParameter(name, OpenApiTypes.NUMBER, description=label))
        elif isinstance(field, ModelChoiceFilter) and not field.extra.get("to_field_name"):
            parameters.append(OpenApiParameter(name, int, description=label))
        else:
            parameters.append(OpenApiParameter(name, str, description=label))
    return parameters


_format_lazy = lazy(lambda message, **values: str(message) % values, str)

LIST_PARAMETERS = [
    OpenApiParameter(
        "cursor", str, description=_("The opaque cursor from “next”; a malformed one means the first page.")
    ),
    OpenApiParameter(
        "page_size",
        int,
        description=_format_lazy(
            _("Rows per page, 1 to %(max)s (default %(default)s)."),
            max=s.ListParams.MAX_SIZE,
            default=s.ListParams.DEFAULT_SIZE,
        ),
    ),
    *_filter_parameters(),
]
# Ids are positive; the path converter answers 404 to anything else.
ID_PARAMETER = OpenApiParameter(
    "id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description=_("The petition's id.")
)


class PetitionListView(APIView):
    """``GET``: the scoped, filtered queue, one keyset page. ``POST``: file a petition."""

    @extend_schema(
        operation_id="petitions_list",
        summary=_("The queue: petitions in your scope, one keyset page"),
        description=_(
            "The petitions your role may see, filtered like the queue page, newest first unless sorted. "
            "Follow “next” for the following page; it is null on the last one."
        ),
        parameters=LIST_PARAMETERS,
        responses=s.PetitionPageOut,
    )
    def get(self, request: Request) -> Response:
        params = _parse_query(request)
        page, filterset = selectors.petition_list(
            user=request.user, filters=request.query_params, cursor=params.get("cursor"), size=params["page_size"]
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        rows = s.PetitionSummaryOut(page.items, many=True, context={"request": request}).data
        return Response({"results": rows, "next": next_url})

    @extend_schema(
        operation_id="petitions_create",
        summary=_("File a petition"),
        description=_(
            "Staff who may file choose a region in their scope and may file for a resident. A resident files "
            "for themselves through the API channel and receives the private evaluation token."
        ),
        request=s.PetitionCreateIn,
        responses={201: s.PetitionCreatedOut},
    )
    def post(self, request: Request) -> Response:
        user = request.user
        if may(user, permissions.FILE):
            data = _parse(s.PetitionCreateIn, request, file_paths=region_paths(user, permissions.FILE))
            petition, _token = services.petition_file(filed_by=user, **data)
            body, staff = {"tracking_code": petition.tracking_code}, True
        elif has_role(user, Role.RESIDENT):
            data = _parse(s.PetitionCreateIn, request, file_paths=None)
            # A resident files for themselves, through the API channel, and never "solved on the spot".
            data.update(channel=Channel.API, solved_on_spot=False, on_spot_note="", reporter_name="")
            petition, token = services.petition_file(reporter=user, language=get_language(), **data)
            # Only the resident gets the private evaluation token: staff filing for someone must
            # not be able to rate their own work.
            body, staff = {"tracking_code": petition.tracking_code, "evaluation_token": token}, False
        else:
            raise PermissionDenied(_("You may not file items."))
        # The filer's answer is the item's summary, like every other write's; staff find the details
        # at the Location (a resident reads their item on the site's pages).
        written = selectors.petition_written(petition.pk)
        body["petition"] = s.PetitionSummaryOut(written, context={"request": request}).data
        headers = {"Location": body["petition"]["url"]} if staff else None
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


def _parse_query(request: Request) -> dict:
    serializer = s.ListParams(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    params = dict(serializer.validated_data)
    params.setdefault("page_size", s.ListParams.DEFAULT_SIZE)
    return params


# --- Detail and personal data ------------------------------------------------------------------------


class PetitionDetailView(APIView):
    @extend_schema(
        operation_id="petitions_retrieve",
        summary=_("One petition with its timeline"),
        description=_(
            "Personal data stay masked. Internal notes appear only to those who work the item; "
            "a read-only evaluator sees the public timeline."
        ),
        parameters=[ID_PARAMETER],
        responses=s.PetitionDetailOut,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, _get_in_scope(request.user, pk)))


class PetitionRevealView(APIView):
    """Unmask the resident's name, phone and address; every reveal is logged."""

    @extend_schema(
        operation_id="petitions_reveal",
        summary=_("Reveal the resident's personal data"),
        description=_("Answers the unmasked name, phone and address. Every reveal is logged with who and when."),
        parameters=[ID_PARAMETER],
        request=None,
        responses=s.PersonalDataOut,
    )
    def post(self, request: Request, pk: int) -> Response:
        petition = _get_in_scope(request.user, pk)
        _require(request.user, petition, permissions.REVEAL)
        revealed = services.petition_reveal_personal(
            user=request.user, petition=petition, ip_address=request.META.get("REMOTE_ADDR")
        )
        return Response(revealed)


# --- Transitions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One transition endpoint: who may, what it reads, which service it calls."""

    name: str
    serializer: type[drf_serializers.Serializer]
    perform: Callable[..., object]  # (user, petition, validated data) → the service's result
    summary: str = ""  # for the OpenAPI schema

    @property
    def permission(self) -> str:
        return permissions.ACTION_PERMISSION[self.name]


def _service(function) -> Callable[..., object]:
    return lambda user, petition, data: function(user=user, petition=petition, **data)


def _evaluation(source: str) -> Callable[..., object]:
    return lambda user, petition, data: services.petition_evaluate(petition=petition, source=source, by=user, **data)


ACTIONS: list[Action] = [
    Action("claim", s.EmptyIn, _service(services.petition_claim), _("Claim the item for yourself")),
    Action("triage", s.TriageIn, _service(services.petition_triage), _("Classify and route to a handling unit")),
    Action(
        "self_handle",
        s.SelfHandleIn,
        _service(services.petition_self_handle),
        _("Classify and handle it yourself"),
    ),
    Action("merge", s.MergeIn, _service(services.petition_merge), _("Merge into another item you can see")),
    Action("accept", s.EmptyIn, _service(services.petition_accept), _("Accept a routed item")),
    Action("progress", s.ProgressIn, _service(services.petition_progress), _("Record progress")),
    Action("meeting", s.MeetingIn, _service(services.petition_meeting), _("Record a joint meeting's decision")),
    Action(
        "request_info",
        s.RequestInfoIn,
        _service(services.petition_request_info),
        _("Ask the resident for information (pauses the clock)"),
    ),
    Action("resume", s.ResumeIn, _service(services.petition_resume), _("Resume after the resident answered")),
    Action("return", s.ReasonIn, _service(services.petition_return), _("Return a wrongly routed item")),
    Action("reply", s.ReplyIn, _service(services.petition_reply), _("Reply to the resident")),
    Action(
        "close_unfixed",
        s.CloseUnfixedIn,
        _service(services.petition_close_unfixed),
        _("Close without a fix (outside remit, not possible, withdrawn, duplicate), explaining why"),
    ),
    Action("close", s.CloseIn, _service(services.petition_close), _("Close the item")),
    Action("reopen", s.ReasonIn, _service(services.petition_reopen), _("Reopen a closed item")),
    Action("note", s.NoteIn, _service(services.petition_note), _("Add a note (internal unless public)")),
    Action("callback", s.RatingIn, _evaluation(Evaluation.Source.CALLBACK), _("Record a callback evaluation")),
    Action(
        "third_party",
        s.RatingIn,
        _evaluation(Evaluation.Source.THIRD_PARTY),
        _("Record a third-party evaluation"),
    ),
]


class PetitionActionView(APIView):
    """``POST /petitions/{id}/{action}/``; answers with the item's summary after the move."""

    spec: Action | None = None

    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        petition = _get_in_scope(user, pk)
        _require(user, petition, self.spec.permission)
        data = _parse(
            self.spec.serializer,
            request,
            petitions=selectors.petition_queryset(user=user, action=permissions.TRIAGE),
            units=unit_list(user=user),
        )
        result = self.spec.perform(user, petition, data)
        petition = selectors.petition_written(petition.pk)
        body = {"petition": s.PetitionSummaryOut(petition, context={"request": request}).data}
        if isinstance(result, Evaluation):
            body["evaluation"] = s.EvaluationOut(result).data
        return Response(body)


def action_view(spec: Action):
    """The view of one transition, as its own class so the schema documents its own body."""
    schema = extend_schema(
        operation_id=f"petitions_{spec.name}",
        summary=spec.summary,
        description=_(
            "Answers the item's summary after the move. A move the item's state does not allow is a 400 "
            "with the reason; a role that may not do it, a 403."
        ),
        parameters=[ID_PARAMETER],
        request=None if spec.serializer is s.EmptyIn else spec.serializer,
        responses=s.ActionResultOut,
    )

    def post(self, request: Request, pk: int) -> Response:
        return PetitionActionView.post(self, request, pk)

    name = f"Petition{spec.name.title().replace('_', '')}View"
    return type(name, (PetitionActionView,), {"spec": spec, "post": schema(post)}).as_view()


# --- Evaluation by private link (public) -------------------------------------------------------------


class EvaluationThrottle(PortalThrottle):
    """Per client address."""

    scope = "petition_evaluation"
    setting = "PETITION_EVALUATION_RATE"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.client_address(request)}


class EvaluationView(APIView):
    """``POST {code, token, rating, comment}``: the resident's evaluation through the private link."""

    authentication_classes: list = []  # token clients: no session, so no CSRF
    permission_classes = [AllowAny]
    throttle_classes = [EvaluationThrottle]

    @extend_schema(
        operation_id="evaluations_create",
        summary=_("Evaluate a replied item through its private link"),
        description=_(
            "For residents, without signing in: the tracking code and the token of the private link are the "
            "credential. Limited per client address."
        ),
        request=s.TokenEvaluationIn,
        responses={201: s.EvaluationResultOut, 404: OpenApiResponse(description=_("Unknown code or token."))},
    )
    def post(self, request: Request) -> Response:
        data = _parse(s.TokenEvaluationIn, request)
        petition = services.petition_by_evaluation_token(data["code"], data["token"])
        if petition is None:
            raise Http404
        evaluation = services.petition_evaluate(
            petition=petition, rating=data["rating"], comment=data["comment"], source=Evaluation.Source.RESIDENT
        )
        petition.refresh_from_db(fields=["status"])
        return Response(
            {
                "tracking_code": petition.tracking_code,
                "status": petition.status,
                "status_display": petition.get_status_display(),
                "evaluation": s.EvaluationOut(evaluation).data,
            },
            status=status.HTTP_201_CREATED,
        )
