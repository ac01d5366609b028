"""A wish's fulfilment photo: checked by content, stored without its location data, a thumbnail
made once on save, shown to the staff of the wish's region only."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from core.errors import DomainError
from tests.grids import factories as grid_factories
from tests.petitions.test_photos import assert_no_metadata, jpeg_with_gps, upload
from tests.volunteers.test_wishes import _wish
from volunteers import services
from volunteers.models import Wish, WishStatus


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _claimed(tree):
    wish, staff = _wish(tree)
    giver = grid_factories.user(role="resident", region=tree.compound_a)
    return services.wish_claim(user=giver, wish=wish, kind="volunteer", label="V1"), giver, staff


def test_fulfil_with_a_photo_stores_a_clean_copy_and_a_thumbnail(client, tree):
    wish, giver, staff = _claimed(tree)
    client.force_login(giver)
    response = client.post(
        reverse("volunteers:wish_fulfil", args=[wish.code]),
        {"proof": "送到家中", "photo": upload("lamp.jpg", jpeg_with_gps(size=(800, 600)))},
    )
    assert response.status_code == 302
    wish = Wish.objects.get(pk=wish.pk)
    assert wish.status == WishStatus.FULFILLED and wish.proof_photo and wish.proof_thumbnail
    assert_no_metadata(wish.proof_photo.read())
    assert max(Image.open(wish.proof_thumbnail).size) <= 320
    client.force_login(staff)
    page = client.get(reverse("volunteers:wish_manage", args=[wish.code])).content.decode()
    assert reverse("volunteers:wish_photo", args=[wish.code]) in page
    photo = client.get(reverse("volunteers:wish_photo", args=[wish.code]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert_no_metadata(b"".join(photo.streaming_content))
    thumb = client.get(reverse("volunteers:wish_photo", args=[wish.code]), {"size": "thumb"})
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) <= 320
    # Staff of another street and the public never see it.
    client.force_login(grid_factories.user(role="community_staff", region=tree.community_b))
    assert client.get(reverse("volunteers:wish_photo", args=[wish.code])).status_code == 404
    client.logout()
    assert client.get(reverse("volunteers:wish_photo", args=[wish.code])).status_code == 302


def test_not_an_image_is_refused_and_nothing_changes(client, tree, media):
    wish, giver, _staff = _claimed(tree)
    client.force_login(giver)
    response = client.post(
        reverse("volunteers:wish_fulfil", args=[wish.code]),
        {"proof": "送到家中", "photo": upload("lamp.jpg", b"%PDF-1.4 not an image")},
    )
    assert response.status_code == 400
    assert "送到家中" in response.content.decode()  # the note typed is kept
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_lost_race_leaves_no_stored_file(tree, media):
    from petitions.photos import check_photo

    wish, giver, _staff = _claimed(tree)
    services.wish_fulfil(user=giver, wish=wish, proof="第一次")
    stale = Wish.objects.get(pk=wish.pk)
    stale.status = WishStatus.CLAIMED  # a page opened before the first fulfilment
    before = {p.name for p in media.rglob("*.*")} if media.exists() else set()
    photo = check_photo(upload("a.jpg", jpeg_with_gps()))
    with pytest.raises(DomainError):
        services.wish_fulfil(user=giver, wish=stale, proof="第二次", photo=photo)
    after = {p.name for p in media.rglob("*.*")} if media.exists() else set()
    assert after == before
