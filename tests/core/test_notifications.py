import pytest
from django.urls import reverse

from core.models import Notification, OutboxMessage
from core.notify import notify_users
from grids.roles import Role
from tests.grids import factories

pytestmark = pytest.mark.django_db


def test_inbox_shows_own_notifications_marks_them_read_and_counts_unread(client, tree):
    me = factories.user(role=Role.STREET_STAFF, region=tree.street_a)
    other = factories.user(role=Role.STREET_STAFF, region=tree.street_b)
    message = OutboxMessage.objects.create(topic="test", payload={})
    params = {"code": "ZH2345ABCD", "title": "路灯不亮"}
    notify_users(message, [me.pk, other.pk], kind="petition.filed", params=params, url="/petitions/", email=False)
    notify_users(message, [me.pk], kind="petition.filed", params=params, email=False)  # redelivery adds nothing
    assert Notification.objects.filter(user=me).count() == 1
    client.force_login(me)
    home = client.get(reverse("accounts:role_home", kwargs={"role": "street_staff"})).content.decode()
    assert 'data-testid="notifications-link"' in home and ">1</span>" in home
    page = client.get(reverse("notifications")).content.decode()
    assert "新的待分拨事项：ZH2345ABCD 路灯不亮" in page  # the page's language
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()
