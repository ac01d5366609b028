"""Open311 GeoReport v2 endpoints (plain Django views, for exact control of both formats).

Each view: parse the parameters (``forms``) → read through ``selectors`` or write through
``services`` → shape (``serializers``) → render JSON or XML (``formats``). The ``open311_endpoint``
wrapper turns every refusal into the specification's error format with its status code: 400 bad
input, 403 missing or wrong api_key, 404 unknown resource or jurisdiction, 405 wrong method, 413
oversized body, 429 too many requests.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from accounts.models import Scope
from accounts.tokens import authenticate_key
from core.errors import DomainError
from open311 import selectors, serializers, services, throttle
from open311.formats import Open311Error, error_response, format_of
from open311.formats import render as render_format
from open311.forms import ServiceRequestForm, derive_title, no_nul, parse_request_query

logger = logging.getLogger(__name__)

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# --- The wrapper every endpoint goes through ---------------------------------------------------------


def _body_params(request: HttpRequest) -> QueryDict:
    """The form body of a POST (query string parameters too; the body wins)."""
    length = (request.META.get("CONTENT_LENGTH") or "0").strip()
    if not length.isdigit():
        raise Open311Error(400, _("The request body could not be read."))
    if int(length) > settings.OPEN311_MAX_BODY_BYTES:
        raise Open311Error(
            413, _("The request is too large (at most %(kb)d KB).") % {"kb": settings.OPEN311_MAX_BODY_BYTES // 1024}
        )
    if request.content_type not in _FORM_TYPES:
        raise Open311Error(400, _("Send the fields form-encoded (application/x-www-form-urlencoded)."))
    try:
        body = request.POST
    except RequestDataTooBig:
        raise Open311Error(413, _("The request is too large.")) from None
    except (TooManyFieldsSent, MultiPartParserError, UnreadablePostError):
        raise Open311Error(400, _("The request body could not be read.")) from None
    params = request.GET.copy()
    for key, values in body.lists():
        params.setlist(key, values)
    return params


def _check_jurisdiction(params: QueryDict) -> None:
    given = (params.get("jurisdiction_id") or "").strip()
    if given and given != settings.OPEN311_JURISDICTION_ID:
        raise Open311Error(
            404,
            _("jurisdiction_id %(given)s was not found; this endpoint serves %(ours)s.")
            % {"given": given[:64], "ours": settings.OPEN311_JURISDICTION_ID},
        )


def _api_token(params: QueryDict, *, required: bool):
    """The api_key's token, None when no key was sent and none is required; 403 otherwise."""
    key = (params.get("api_key") or "").strip()
    if not key:
        if required:
            raise Open311Error(403, _("api_key is missing: this method requires one."))
        return None
    token = authenticate_key(key)
    if token is None or not token.has_scope(Scope.OPEN311):
        raise Open311Error(403, _("Invalid api_key: it is unknown, expired, revoked or not allowed to use Open311."))
    return token


def open311_endpoint(*methods: str, jurisdiction: bool = True):
    """Method check, parameters, jurisdiction_id and the error format for one endpoint. The view
    receives ``params`` (query string, plus the form body of a POST)."""

    allowed = (*methods, "HEAD") if "GET" in methods else methods

    def decorate(view):
        @csrf_exempt  # machine clients, authenticated by api_key, never by a session cookie
        @wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str = "xml", **kwargs) -> HttpResponse:
            try:
                if request.method not in allowed:
                    response = error_response(
                        fmt, 405, [_("Method %(method)s is not allowed here.") % {"method": request.method[:10]}]
                    )
                    response["Allow"] = ", ".join(allowed)
                    return response
                params = _body_params(request) if request.method == "POST" else request.GET
                no_nul(params)
                if any("\x00" in str(value) for value in kwargs.values()):
                    raise Open311Error(400, _("Parameters may not contain NUL characters."))
                if jurisdiction:
                    _check_jurisdiction(params)
                return view(request, params, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc.status, exc.descriptions)
            except DomainError as exc:
                return error_response(fmt, 400, [exc.message])
            except Exception:  # clients get the specification's format even for our own faults
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return error_response(fmt, 500, [_("The Open311 service failed; please try again later.")])

        return wrapper

    return decorate


def _endpoint_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:index")).rstrip("/")


def _discovery(request: HttpRequest) -> dict:
    key_url = request.build_absolute_uri(reverse("accounts:tokens"))  # where users create their api_key
    return serializers.discovery(endpoint_url=_endpoint_url(request), key_url=key_url)


# --- Discovery and services ----------------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The HTML form of discovery, for people: endpoint, formats, services and how to get a key."""
    path = selectors.jurisdiction_path()
    context = {
        "discovery": _discovery(request),
        "jurisdiction_id": settings.OPEN311_JURISDICTION_ID,
        "services": [serializers.service(c) for c in selectors.service_list()],
        "region_count": selectors.service_regions(path).count(),
        "max_requests": settings.OPEN311_MAX_REQUESTS,
        "max_days": settings.OPEN311_MAX_DAYS,
    }
    return render(request, "open311/index.html", context)


@open311_endpoint("GET", jurisdiction=False)
def discovery(request: HttpRequest, params: QueryDict, *, fmt: str) -> HttpResponse:
    return render_format(fmt, "discovery", _discovery(request))


@open311_endpoint("GET")
def service_list(request: HttpRequest, params: QueryDict, *, fmt: str) -> HttpResponse:
    return render_format(fmt, "services", [serializers.service(c) for c in selectors.service_list()])


@open311_endpoint("GET")
def service_definition(request: HttpRequest, params: QueryDict, service_code: str, *, fmt: str) -> HttpResponse:
    category = selectors.service_get(service_code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": service_code[:32]})
    regions = selectors.service_regions(selectors.jurisdiction_path())
    return render_format(fmt, "service_definition", serializers.service_definition(category, regions))


# --- Service requests ----------------------------------------------------------------------------------


@open311_endpoint("GET", "POST")
def requests(request: HttpRequest, params: QueryDict, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, params, fmt=fmt)
    viewer = _api_token(params, required=False)
    query = parse_request_query(params)
    unknown = sorted(set(query.service_codes) - selectors.known_service_codes(query.service_codes))
    if unknown:
        raise Open311Error(400, _("service_code not found: %(codes)s.") % {"codes": ", ".join(unknown)[:200]})
    path = selectors.jurisdiction_path()
    rows = selectors.request_list(path=path, query=query, limit=settings.OPEN311_MAX_REQUESTS)
    return render_format(fmt, "service_requests", _request_rows(rows, viewer))


@open311_endpoint("GET")
def request_detail(request: HttpRequest, params: QueryDict, service_request_id: str, *, fmt: str) -> HttpResponse:
    viewer = _api_token(params, required=False)
    petition = selectors.request_get(path=selectors.jurisdiction_path(), code=service_request_id.strip().upper())
    if petition is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": service_request_id[:32]})
    return render_format(fmt, "service_requests", _request_rows([petition], viewer))


@open311_endpoint("GET")
def token_detail(request: HttpRequest, params: QueryDict, token: str, *, fmt: str) -> HttpResponse:
    found = selectors.request_by_token(path=selectors.jurisdiction_path(), token=token)
    if found is None:
        raise Open311Error(404, _("This token was not found."))
    return render_format(fmt, "service_requests", [serializers.token(found)])


def fallback(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under the endpoint: the specification's 404, in the format the path asks for."""
    return error_response(format_of(request.path), 404, [_("There is no Open311 resource at this URL.")])


def _request_rows(petitions: list, viewer) -> list[dict]:
    places = selectors.place_names(petitions)
    return [serializers.request(p, places=places, full=viewer is not None and _filed_by(p, viewer)) for p in petitions]


def _filed_by(petition, viewer) -> bool:
    extra = getattr(petition, "open311_request", None)
    return extra is not None and extra.api_token_id == viewer.pk


def _create(request: HttpRequest, params: QueryDict, *, fmt: str) -> HttpResponse:
    """POST requests: api_key, limits, service_code, the fields, then the intake service."""
    if throttle.address_over_limit(request):
        raise Open311Error(429, _("Too many requests from this address; try again later."))
    api_token = _api_token(params, required=True)
    if throttle.key_over_limit(api_token.pk):
        raise Open311Error(429, _("Too many requests with this api_key; try again later."))
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is missing."))
    category = selectors.service_get(code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:32]})
    regions = {r.code: r for r in selectors.service_regions(selectors.jurisdiction_path())}
    form = ServiceRequestForm(params, regions=regions)
    if not form.is_valid():
        raise Open311Error(400, *form.descriptions())
    data = form.cleaned_data
    service_request = services.service_request_create(
        api_token=api_token,
        category=category,
        region=data["region"],
        title=derive_title(data["description"], category.name),
        description=data["description"] or category.name,
        address=data["address_string"],
        latitude=data["lat"],
        longitude=data["long"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["phone"],
        address_id=data["address_id"],
        media_url=data["media_url"],
        device_id=data["device_id"],
        account_id=data["account_id"],
        attributes=form.attribute_values,
    )
    batch = settings.OPEN311_SERVICE_TYPE == "batch"
    return render_format(fmt, "service_requests", [serializers.created(service_request, batch=batch)])
