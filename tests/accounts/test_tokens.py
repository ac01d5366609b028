"""API tokens: the service (scopes limited by role, expiry, revocation, the key checked by hash) and
the pages where staff create, list and revoke their tokens."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken, Scope
from core.errors import DomainError
from grids import services as grid_services
from grids.roles import Role
from tests.grids import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_staff(tree):
    return factories.user(username="street", role=Role.STREET_STAFF, region=tree.street_a)


def _assignment(user):
    return user.role_assignments.get()


# --- Service -----------------------------------------------------------------------------------------


def test_create_returns_the_key_once_and_stores_only_its_hash(street_staff):
    token, key = tokens.api_token_create(
        assignment=_assignment(street_staff), name=" dashboard ", scopes=["petitions:write", "petitions:read"]
    )
    prefix, secret = key.removeprefix("zh_").split("_", 1)
    assert prefix == token.prefix and len(prefix) == 8
    assert len(secret) >= 40
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.name == "dashboard"
    assert token.scopes == ["petitions:read", "petitions:write"]
    assert token.user == street_staff and token.is_active
    assert tokens.authenticate_key(key) == token


@pytest.mark.parametrize(
    ("role", "region", "refused"),
    [
        (Role.GRID_LEADER, "grid_a", "reports:read"),
        (Role.RESIDENT, "compound_a", "petitions:read"),
        (Role.EVALUATOR, "district", "petitions:write"),
        (Role.FUND_MANAGER, "street_a", "petitions:read"),
    ],
)
def test_a_scope_beyond_the_role_is_refused_at_creation(tree, english, role, region, refused):
    user = factories.user(role=role, region=getattr(tree, region), phone="13800138000" if role == "resident" else None)
    with pytest.raises(DomainError) as error:
        tokens.api_token_create(assignment=_assignment(user), name="x", scopes=[refused])
    assert refused in error.value.message and error.value.field == "scopes"
    assert not ApiToken.objects.exists()


def test_every_role_may_grant_exactly_its_scopes_and_admin_all():
    assert tokens.ROLE_SCOPES[Role.ADMIN] == frozenset(Scope.values)
    assert set(tokens.ROLE_SCOPES) == set(Role.values)
    assert Scope.PETITIONS_WRITE not in tokens.ROLE_SCOPES[Role.EVALUATOR]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  ", "scopes": ["petitions:read"]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["petitions:read"], "expires_at": "past"}, "expires_at"),
    ],
)
def test_create_refuses_bad_input_with_a_field(street_staff, kwargs, field):
    if kwargs.get("expires_at") == "past":
        kwargs["expires_at"] = timezone.now() - dt.timedelta(seconds=1)
    with pytest.raises(DomainError) as error:
        tokens.api_token_create(assignment=_assignment(street_staff), **kwargs)
    assert error.value.field == field


def test_revoked_expired_role_removed_and_disabled_user_keys_do_not_authenticate(street_staff):
    assignment = _assignment(street_staff)
    revoked, revoked_key = tokens.api_token_create(assignment=assignment, name="a", scopes=["petitions:read"])
    assert tokens.api_token_revoke(token=revoked) is True
    assert tokens.api_token_revoke(token=revoked) is False  # twice changes nothing
    assert tokens.authenticate_key(revoked_key) is None

    expiring, expiring_key = tokens.api_token_create(
        assignment=assignment, name="b", scopes=["petitions:read"], expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert tokens.authenticate_key(expiring_key) == expiring
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert tokens.authenticate_key(expiring_key) is None

    kept, kept_key = tokens.api_token_create(assignment=assignment, name="c", scopes=["petitions:read"])
    street_staff.is_active = False
    street_staff.save(update_fields=["is_active"])
    assert tokens.authenticate_key(kept_key) is None
    street_staff.is_active = True
    street_staff.save(update_fields=["is_active"])
    assert tokens.authenticate_key(kept_key) == kept

    grid_services.role_revoke(assignment=assignment)
    kept.refresh_from_db()
    assert kept.assignment is None and not kept.is_active  # the row stays, for the record
    assert tokens.authenticate_key(kept_key) is None


@pytest.mark.parametrize(
    "key",
    ["", "zh_", "zh_1234567_x", "zh_zzzzzzzz_x", "zh_\x00\x00\x00\x00\x00\x00\x00\x00_x", "Bearer", "zh_abcdef12_"],
)
def test_malformed_keys_are_refused_without_touching_the_database(key, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert tokens.authenticate_key(key) is None


def test_a_right_prefix_with_a_wrong_secret_is_refused(street_staff):
    token, key = tokens.api_token_create(assignment=_assignment(street_staff), name="a", scopes=["petitions:read"])
    assert tokens.authenticate_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert tokens.authenticate_key(f"zh_{token.prefix}_{'x' * 43}") is None


def test_last_use_is_recorded_at_most_once_a_minute(street_staff, django_assert_num_queries):
    token, key = tokens.api_token_create(assignment=_assignment(street_staff), name="a", scopes=["petitions:read"])
    with django_assert_num_queries(2):  # find + record
        tokens.authenticate_key(key)
    with django_assert_num_queries(1):  # find only
        tokens.authenticate_key(key)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_scope_the_role_lost_later_no_longer_counts(street_staff, monkeypatch):
    token, _key = tokens.api_token_create(
        assignment=_assignment(street_staff), name="a", scopes=["petitions:read", "reports:read"]
    )
    assert token.has_scope("reports:read")
    monkeypatch.setitem(tokens.ROLE_SCOPES, Role.STREET_STAFF, frozenset({Scope.PETITIONS_READ}))
    assert not token.has_scope("reports:read") and token.has_scope("petitions:read")


def test_create_and_revoke_are_in_the_audit_log(street_staff):
    from core.audit import object_history

    token, _key = tokens.api_token_create(assignment=_assignment(street_staff), name="a", scopes=["petitions:read"])
    tokens.api_token_revoke(token=token)
    tokens.authenticate_key(_key)  # a use is not an audit event
    actions = [entry.action for entry in object_history(token)]
    assert actions == ["api_token_revoke", "api_token_create"]


# --- Pages -------------------------------------------------------------------------------------------

LIST = reverse("accounts:tokens")
CREATE = reverse("accounts:token_create")


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def test_staff_create_a_token_see_the_key_once_then_only_its_prefix(client, tree, street_staff):
    client.force_login(street_staff)
    _english(client)
    assignment = _assignment(street_staff)
    form = client.get(CREATE)
    assert form.status_code == 200
    html = form.content.decode()
    # The scopes offered are those of the role: street staff may grant all four.
    for scope in ("petitions:read", "petitions:write", "reports:read", "open311"):
        assert f'value="{scope}"' in html

    response = client.post(
        CREATE,
        {"assignment": assignment.pk, "name": "Dashboard", "scopes": ["petitions:read"], "expires_on": ""},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    key = response.context["key"]
    assert key.startswith(f"zh_{token.prefix}_") and key in response.content.decode()
    assert tokens.authenticate_key(key) == token

    listing = client.get(LIST).content.decode()
    assert f"zh_{token.prefix}_…" in listing and "Dashboard" in listing and "Active" in listing
    assert key not in listing


def test_the_form_keeps_input_and_explains_errors(client, tree, street_staff):
    client.force_login(street_staff)
    _english(client)
    assignment = _assignment(street_staff)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(CREATE, {"assignment": assignment.pk, "name": "My bridge", "scopes": [], "expires_on": past})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert "Choose today or a later day." in html
    assert 'value="My bridge"' in html
    for bad in ("31/02/2026", "9999-12-31", "2026-13-01", "\x00"):
        response = client.post(
            CREATE, {"assignment": assignment.pk, "name": "x", "scopes": ["petitions:read"], "expires_on": bad}
        )
        assert response.status_code == 200, bad
        assert response.context["form"].errors["expires_on"], bad
    assert not ApiToken.objects.exists()


def test_a_scope_beyond_the_role_is_refused_by_the_form(client, tree):
    leader = factories.user(role=Role.GRID_LEADER, region=tree.grid_a)
    client.force_login(leader)
    _english(client)
    html = client.get(CREATE).content.decode()
    assert 'value="reports:read"' not in html  # not offered …
    response = client.post(  # … and refused when sent anyway
        CREATE, {"assignment": _assignment(leader).pk, "name": "x", "scopes": ["reports:read"]}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_assignment_of_someone_else_cannot_be_chosen(client, tree, street_staff):
    other = factories.user(role=Role.DISTRICT_STAFF, region=tree.district)
    client.force_login(street_staff)
    response = client.post(CREATE, {"assignment": _assignment(other).pk, "name": "x", "scopes": ["petitions:read"]})
    assert response.status_code == 200 and response.context["form"].errors["assignment"]
    assert not ApiToken.objects.exists()


def test_the_scopes_follow_the_chosen_role(client, tree):
    user = factories.user(role=Role.GRID_LEADER, region=tree.grid_a)
    grid_services.role_assign(user=user, role=Role.EVALUATOR, region=tree.district)
    evaluator = user.role_assignments.get(role=Role.EVALUATOR)
    client.force_login(user)
    html = client.get(CREATE, {"assignment": evaluator.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="reports:read"' in html and 'value="petitions:write"' not in html


def test_expiry_is_the_end_of_the_chosen_day_in_beijing(client, tree, street_staff):
    client.force_login(street_staff)
    day = timezone.localdate() + dt.timedelta(days=30)
    client.post(
        CREATE,
        {
            "assignment": _assignment(street_staff).pk,
            "name": "x",
            "scopes": ["petitions:read"],
            "expires_on": day.isoformat(),
        },
    )
    expires = timezone.localtime(ApiToken.objects.get().expires_at)
    assert (expires.date(), expires.hour, expires.minute) == (day + dt.timedelta(days=1), 0, 0)
    assert str(expires.tzinfo) == "Asia/Shanghai"


def test_revoke_by_post_only_and_only_ones_own(client, tree, street_staff):
    token, key = tokens.api_token_create(assignment=_assignment(street_staff), name="mine", scopes=["petitions:read"])
    other = factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    theirs, their_key = tokens.api_token_create(assignment=_assignment(other), name="theirs", scopes=["petitions:read"])
    client.force_login(street_staff)
    _english(client)
    url = reverse("accounts:token_revoke", kwargs={"pk": token.pk})
    assert client.get(url).status_code == 405
    assert client.post(reverse("accounts:token_revoke", kwargs={"pk": theirs.pk})).status_code == 404
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "is revoked" in response.content.decode()
    assert tokens.authenticate_key(key) is None
    assert tokens.authenticate_key(their_key) == theirs
    assert "already revoked" in client.post(url, follow=True).content.decode()


def test_people_without_a_role_have_no_token_pages(client, tree):
    client.force_login(factories.user())
    assert client.get(LIST).status_code == 404
    assert client.get(CREATE).status_code == 404


def test_role_home_links_to_the_token_page(client, tree, street_staff):
    client.force_login(street_staff)
    response = client.get(reverse("accounts:role_home", kwargs={"role": Role.STREET_STAFF}))
    assert LIST in response.content.decode()


def test_admin_sees_tokens_read_only_and_can_revoke(tree, street_staff):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from accounts.admin import ApiTokenAdmin

    token, key = tokens.api_token_create(assignment=_assignment(street_staff), name="a", scopes=["petitions:read"])
    model_admin = ApiTokenAdmin(ApiToken, site)
    request = RequestFactory().get("/")
    request.user = factories.user(username="root")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, token)
    assert not model_admin.has_delete_permission(request, token)
    assert "key_hash" not in model_admin.fields
    model_admin.message_user = lambda *args, **kwargs: None
    model_admin.revoke(request, ApiToken.objects.all())
    assert tokens.authenticate_key(key) is None


def test_admin_token_pages_render_without_the_key(client, tree, street_staff):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    token, key = tokens.api_token_create(assignment=_assignment(street_staff), name="a", scopes=["petitions:read"])
    admin = factories.user(username="root", role=Role.ADMIN, region=tree.district)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    device = TOTPDevice.objects.create(user=admin, name="test", confirmed=True)
    client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200 and token.prefix in listing.content.decode()
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert detail.status_code == 200
    secret = key.split("_", 2)[2]
    assert secret not in detail.content.decode() and token.key_hash not in detail.content.decode()


def test_the_token_list_has_a_fixed_number_of_queries(client, tree, street_staff, django_assert_num_queries):
    client.force_login(street_staff)
    tokens.api_token_create(assignment=_assignment(street_staff), name="first", scopes=["petitions:read"])
    client.get(LIST)  # warm the session
    # session, user, role assignments, OTP devices, the tokens, unread notifications
    with django_assert_num_queries(6):
        assert client.get(LIST).status_code == 200
    for n in range(5):
        tokens.api_token_create(assignment=_assignment(street_staff), name=f"t{n}", scopes=["petitions:read"])
    with django_assert_num_queries(6):
        assert len(client.get(LIST).context["tokens"]) == 6


def test_an_id_beyond_the_integer_range_is_404_not_an_error(client, tree, street_staff):
    client.force_login(street_staff)
    assert client.post(f"/accounts/tokens/{2**70}/revoke/").status_code == 404
