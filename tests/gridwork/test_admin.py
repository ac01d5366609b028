"""The admin keeps grid work's reference data: its pages open, and a centre or a station saved there
takes its scoping path from its region."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grids.roles import Role
from gridwork.models import ServiceCentre, Station
from tests.grids import factories as grid_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, tree):
    admin = grid_factories.user(username="boss", role=Role.ADMIN, region=tree.district)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(admin)
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
    return client


def test_admin_pages_open_and_saves_keep_the_path(admin_client, tree):
    for model in ("meetingkind", "servicecentre", "station"):
        assert admin_client.get(f"/admin/gridwork/{model}/").status_code == 200
        assert admin_client.get(f"/admin/gridwork/{model}/add/").status_code == 200
    inlines = {
        f"{prefix}-{key}": value
        for prefix in ("hours", "items")
        for key, value in {
            "TOTAL_FORMS": "0",
            "INITIAL_FORMS": "0",
            "MIN_NUM_FORMS": "0",
            "MAX_NUM_FORMS": "1000",
        }.items()
    }
    response = admin_client.post(
        "/admin/gridwork/servicecentre/add/",
        {"region": tree.community_a.pk, "name": "中心", "address": "一楼", "is_active": "on", **inlines},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ServiceCentre.objects.get().region_path == tree.community_a.path
    members = {
        f"members-{k}": v
        for k, v in {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}.items()
    }
    response = admin_client.post(
        "/admin/gridwork/station/add/", {"compound": tree.compound_a.pk, "name": "互助站", "is_active": "on", **members}
    )
    assert response.status_code == 302
    assert Station.objects.get().region_path == tree.compound_a.path
