import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from tests.grids import factories as grid_factories
from volunteers import services
from volunteers.models import Wish, WishStatus


def _wish(tree, staff=None, **extra):
    staff = staff or grid_factories.user(role="community_staff", region=tree.community_a)
    wish = services.wish_submit(
        user=staff,
        title=extra.pop("title", "一盏护眼台灯"),
        region=tree.community_a,
        pseudonym="小林同学",
        resident_name="林小雨",
        resident_phone="13911112222",
        **extra,
    )
    return services.wish_verify(user=staff, wish=wish, accept=True), staff


def test_the_wish_pipeline(tree, english):
    wish, staff = _wish(tree)
    assert wish.status == WishStatus.PUBLISHED and wish.verified_by == staff
    giver = grid_factories.user(role="resident", region=tree.compound_a)
    wish = services.wish_claim(user=giver, wish=wish, kind="party_member", label="党员 王先生")
    assert wish.status == WishStatus.CLAIMED and wish.claimed_by == giver
    other = grid_factories.user(role="resident", region=tree.compound_a)
    with pytest.raises(DomainError):
        services.wish_fulfil(user=other, wish=wish, proof="送到了")
    wish = services.wish_fulfil(user=giver, wish=wish, proof="12月3日送到家中")
    with pytest.raises(DomainError, match="already been fulfilled"):
        services.wish_claim(user=other, wish=wish, kind="volunteer", label="V1")
    wish = services.wish_confirm(user=staff, wish=wish)
    assert wish.status == WishStatus.CONFIRMED and wish.confirmed_at


def test_a_second_claim_is_told_someone_was_first(tree, english):
    wish, _staff = _wish(tree)
    first = grid_factories.user(role="resident", region=tree.compound_a)
    services.wish_claim(user=first, wish=wish, kind="volunteer", label="V1")
    stale_copy = Wish.objects.get(pk=wish.pk)
    stale_copy.status = WishStatus.PUBLISHED  # what the second claimant's page still showed
    with pytest.raises(DomainError, match="Someone else claimed"):
        services.wish_claim(user=grid_factories.user(), wish=stale_copy, kind="volunteer", label="V2")
    assert Wish.objects.get(pk=wish.pk).claimed_by == first


@pytest.mark.django_db(transaction=True)
def test_racing_claims_one_wins(tree):
    wish, _staff = _wish(tree)
    people = [grid_factories.user() for _ in range(4)]
    barrier = threading.Barrier(len(people))
    outcomes = []

    def claim(person):
        try:
            barrier.wait(timeout=10)
            services.wish_claim(user=person, wish=Wish.objects.get(pk=wish.pk), kind="volunteer", label=person.username)
            outcomes.append("won")
        except DomainError:
            outcomes.append("lost")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    assert Wish.objects.get(pk=wish.pk).claimed_by in people


def test_stale_claims_go_back_on_the_wall(tree, settings):
    settings.VOLUNTEER_WISH_CLAIM_HOURS = 48
    old, _staff = _wish(tree)
    fresh, _staff = _wish(tree, title="一台电风扇")
    giver = grid_factories.user()
    for wish in (old, fresh):
        services.wish_claim(user=giver, wish=wish, kind="volunteer", label="V1")
    Wish.objects.filter(pk=old.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=49))
    assert services.wish_release_stale() == 1
    assert services.wish_release_stale() == 0  # a rerun changes nothing
    old.refresh_from_db()
    assert (old.status, old.claimed_by, old.claimant_label) == (WishStatus.PUBLISHED, None, "")
    assert Wish.objects.get(pk=fresh.pk).status == WishStatus.CLAIMED


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_beat_task_releases_stale_claims_in_the_real_worker(tree, celery_worker_process):
    from volunteers import tasks

    wish, _staff = _wish(tree)
    services.wish_claim(user=grid_factories.user(), wish=wish, kind="volunteer", label="V1")
    Wish.objects.filter(pk=wish.pk).update(claimed_at=timezone.now() - dt.timedelta(days=60))
    tasks.release_stale_wish_claims.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Wish.objects.get(pk=wish.pk).status != WishStatus.PUBLISHED:
        time.sleep(0.2)
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.PUBLISHED


def test_the_wall_shows_pseudonym_and_community_only(client, tree):
    wish, _staff = _wish(tree)
    services.wish_submit(
        user=_staff, title="未审核的心愿", region=tree.community_a, pseudonym="某某", resident_name="赵某"
    )
    for url in (reverse("volunteers:wall"), reverse("volunteers:wish", args=[wish.code]), reverse("root")):
        html = client.get(url).content.decode()
        assert "一盏护眼台灯" in html and "小林同学" in html
        assert "林小雨" not in html and "13911112222" not in html and "未审核的心愿" not in html


def test_claim_race_lost_answers_409_and_a_bad_claim_400(client, tree):
    wish, _staff = _wish(tree)
    url = reverse("volunteers:wish_claim", args=[wish.code])
    client.force_login(grid_factories.user())
    assert client.post(url, {"kind": "volunteer", "label": ""}).status_code == 400
    assert client.post(url, {"kind": "volunteer", "label": "V1"}).status_code == 302
    client.force_login(grid_factories.user())
    response = client.post(url, {"kind": "volunteer", "label": "V2"})
    assert response.status_code == 409
    assert "已被他人认领" in response.content.decode()


def test_staff_record_verify_and_confirm_through_the_pages(client, tree):
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    client.force_login(leader)
    data = {
        "title": "一个新书包",
        "region": tree.grid_a.pk,  # the grid leader's own grid
        "pseudonym": "小王同学",
        "resident_name": "王小二",
        "source": "grid",
    }
    assert client.post(reverse("volunteers:wish_new"), data).status_code == 302
    wish = Wish.objects.get()
    page = reverse("volunteers:wish_manage", args=[wish.code])
    assert client.post(page, {"step": "publish"}).status_code == 404  # grid leaders collect, staff verify
    staff = grid_factories.user(role="community_staff", region=tree.community_a)
    client.force_login(staff)
    assert "王**" in client.get(page).content.decode()
    assert client.post(page, {"step": "publish"}).status_code == 302
    wish.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED
    assert client.post(page, {"step": "confirm"}).status_code == 400  # not fulfilled yet
