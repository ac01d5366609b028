"""Photos: images only (by content), size- and count-limited, stored through the storage API, and
published only as a copy without EXIF/GPS metadata."""

from __future__ import annotations

import io
import random

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from petitions import photos
from petitions.models import Photo
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client):
    """Pages in English, so messages are matched in their source language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def jpeg_with_gps(*, size=(64, 48), orientation: int | None = None) -> bytes:
    """A real JPEG carrying a camera make and a GPS position (镇海, 29.96 N 121.71 E)."""
    image = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (29.0, 57.0, 36.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 42.0, 36.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the fixture must carry GPS"
    return data


def image_bytes(fmt: str, *, size=(32, 32), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "blue").save(out, fmt)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def assert_no_metadata(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert not image.getexif(), "the public copy still has EXIF"
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info and "xmp" not in image.info
    assert b"Exif\x00\x00" not in data and b"TestCam" not in data


def test_public_copy_of_a_jpeg_has_no_exif_or_gps():
    checked = photos.check_photo(upload("IMG_0001.jpg", jpeg_with_gps()))
    assert checked.extension == "jpg"
    assert_no_metadata(checked.public_bytes)
    assert Image.open(io.BytesIO(checked.public_bytes)).format == "JPEG"


def test_the_camera_orientation_is_applied_before_the_tag_is_dropped():
    checked = photos.check_photo(upload("turned.jpg", jpeg_with_gps(size=(64, 48), orientation=6)))
    assert Image.open(io.BytesIO(checked.public_bytes)).size == (48, 64)


def test_png_and_webp_are_accepted_and_stay_in_their_format():
    png = photos.check_photo(upload("a.png", image_bytes("PNG", mode="RGBA"), "image/png"))
    webp = photos.check_photo(upload("b.webp", image_bytes("WEBP"), "image/webp"))
    assert (png.extension, webp.extension) == ("png", "webp")
    assert Image.open(io.BytesIO(png.public_bytes)).mode == "RGBA"
    assert Image.open(io.BytesIO(webp.public_bytes)).format == "WEBP"


def test_a_text_file_named_jpg_is_rejected():
    with pytest.raises(ValidationError) as exc:
        photos.check_photo(upload("photo.jpg", b"this is not a picture at all\n" * 20))
    assert exc.value.code == "not_image"


def test_another_image_format_is_rejected_whatever_its_name():
    with pytest.raises(ValidationError) as exc:
        photos.check_photo(upload("photo.jpg", image_bytes("GIF")))
    assert exc.value.code == "not_image"


def test_a_damaged_jpeg_is_rejected():
    data = jpeg_with_gps(size=(400, 300))
    with pytest.raises(ValidationError):
        photos.check_photo(upload("cut.jpg", data[: len(data) // 2]))


def test_an_oversize_file_is_rejected(settings):
    settings.PETITION_MAX_PHOTO_BYTES = 20_000
    rng = random.Random(4)
    noisy = Image.frombytes("RGB", (200, 200), bytes(rng.getrandbits(8) for _ in range(200 * 200 * 3)))
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > settings.PETITION_MAX_PHOTO_BYTES
    with pytest.raises(ValidationError) as exc:
        photos.check_photo(upload("big.jpg", out.getvalue()))
    assert exc.value.code == "too_large"


def test_at_most_six_photos(settings):
    assert settings.PETITION_MAX_PHOTOS == 6
    files = [upload(f"p{i}.png", image_bytes("PNG"), "image/png") for i in range(7)]
    with pytest.raises(ValidationError) as exc:
        photos.check_photos(files)
    assert exc.value.error_list[0].code == "too_many"
    assert len(photos.check_photos(files[:6])) == 6


def test_stored_through_the_storage_api_original_kept_public_copy_clean(tree):
    petition = factories.petition(region=tree.grid_a)
    original = jpeg_with_gps()
    [photo] = photos.photos_attach(petition=petition, photos=[photos.check_photo(upload("张三家门口.jpg", original))])
    photo.refresh_from_db()
    assert default_storage.exists(photo.image.name) and default_storage.exists(photo.public_image.name)
    assert photo.image.name.startswith("petitions/") and photo.public_image.name.startswith("petitions/public/")
    assert "张三" not in photo.image.name  # random names: an upload's name is not published
    with default_storage.open(photo.image.name) as stored:
        assert stored.read() == original  # the evidence is kept as it came
    with default_storage.open(photo.public_image.name) as stored:
        assert_no_metadata(stored.read())


def test_photos_through_the_intake_form_and_only_the_public_copy_on_the_status_page(tree, client):
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    client.force_login(leader)
    response = client.post(
        reverse("petitions:intake"),
        {
            "category": factories.category("road").pk,
            "region": tree.grid_a.pk,
            "title": "井盖松动",
            "description": "3号楼前的井盖松动，晚上有人踩空。",
            "reporter_name": "陈秀英",
            "reporter_phone": "13912345678",
            "channel": "grid",
            "photos": [upload("a.jpg", jpeg_with_gps()), upload("b.png", image_bytes("PNG"), "image/png")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photo_rows = list(Photo.objects.filter(petition__title="井盖松动").order_by("id"))
    assert len(photo_rows) == 2
    petition = photo_rows[0].petition
    client.logout()
    page = client.post(
        reverse("petitions:public_status"),
        {"code": petition.tracking_code, "phone_last4": "5678"},
        REMOTE_ADDR=f"10.9.{random.randint(0, 255)}.{random.randint(0, 255)}",
    ).content.decode()
    for row in photo_rows:
        assert row.public_image.url in page
        assert row.image.url not in page


def _intake_data(tree, **extra) -> dict:
    return {
        "category": factories.category("road").pk,
        "region": tree.grid_a.pk,
        "title": "井盖松动",
        "description": "描述文字保留",
        "reporter_name": "陈秀英",
        "reporter_phone": "13912345678",
        "channel": "grid",
        **extra,
    }


def _held_tokens(response) -> list[str]:
    return list(response.context["form"].data.getlist("held_photos"))


def test_a_bad_photo_keeps_the_text_and_the_good_photos(tree, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    leader = grid_factories.user(role="grid_leader", region=tree.grid_a)
    client.force_login(leader)
    photos = [upload("good.jpg", jpeg_with_gps()), upload("fake.jpg", b"not an image")]
    response = client.post(reverse("petitions:intake"), _intake_data(tree, photos=photos), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not a JPEG, PNG or WEBP image" in html and 'id="id_photos_error"' in html
    assert "描述文字保留" in html and 'value="井盖松动"' in html
    assert 'data-testid="held-photos"' in html and "good.jpg" in html  # kept, ticked
    (token,) = _held_tokens(response)
    assert not Photo.objects.exists()

    # Sent again with one more photo: both are stored, and the kept one leaves the holding area.
    more = upload("more.png", image_bytes("PNG"), "image/png")
    response = client.post(reverse("petitions:intake"), _intake_data(tree, photos=[more], held_photos=[token]))
    assert response.status_code == 302
    assert Photo.objects.count() == 2
    assert not list((tmp_path / "held").iterdir())


def test_a_field_error_keeps_the_photos_and_an_unticked_one_is_left_out(tree, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(grid_factories.user(role="grid_leader", region=tree.grid_a))
    photos = [upload("a.jpg", jpeg_with_gps()), upload("b.jpg", jpeg_with_gps())]
    response = client.post(reverse("petitions:intake"), _intake_data(tree, title="", photos=photos))
    assert response.status_code == 200 and response.context["form"].errors["title"]
    first, second = _held_tokens(response)
    response = client.post(reverse("petitions:intake"), _intake_data(tree, held_photos=[second]))
    assert response.status_code == 302
    assert Photo.objects.count() == 1


def test_a_forged_or_stale_kept_photo_is_refused_and_nothing_is_filed(tree, client, settings, tmp_path):
    from django.core import signing

    from petitions.photos import HELD_SALT

    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(grid_factories.user(role="grid_leader", region=tree.grid_a))
    for token in (
        "garbage",
        signing.dumps({"name": "../settings.py", "label": "x"}, salt=HELD_SALT),  # outside the holding area
        signing.dumps({"name": "held/gone.jpg", "label": "x"}, salt=HELD_SALT),  # swept away
        signing.dumps({"name": "held/x.jpg", "label": "x"}, salt="another-salt"),
    ):
        response = client.post(
            reverse("petitions:intake"), _intake_data(tree, held_photos=[token]), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200
        assert "A kept photo has expired: choose it again." in response.content.decode()
        assert "描述文字保留" in response.content.decode()
    assert not Photo.objects.exists()


def test_kept_photos_nobody_came_back_for_are_swept(settings, tmp_path):
    import datetime as dt

    settings.MEDIA_ROOT = str(tmp_path)
    (held,) = photos.photos_hold([photos.check_photo(upload("a.jpg", jpeg_with_gps()))])
    assert photos.photos_sweep_held() == 0  # still fresh
    assert photos.photos_held([held.token]) == [held]
    assert photos.photos_sweep_held(older_than=dt.timedelta(seconds=-1)) == 1
    with pytest.raises(ValidationError):
        photos.photos_held([held.token])


def test_the_photo_input_carries_the_browser_side_limits(tree, client):
    client.force_login(grid_factories.user(role="grid_leader", region=tree.grid_a))
    html = client.get(reverse("petitions:intake"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-max-bytes="{django_settings.PETITION_MAX_PHOTO_BYTES}"' in html
    assert "is larger than" in html and "js/photos.js" in html
