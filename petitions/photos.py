"""Photos of a petition: checked by content, stored through Django's storage API, and published
only as a re-encoded copy without EXIF (and so without GPS location) metadata.

The original is kept for staff as evidence; the public status page only ever shows
``Photo.public_image``.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from petitions.models import Petition, Photo

# Pillow format → file extension. Nothing else is accepted, whatever the file is called.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A phone photo is 12–50 megapixels; anything far larger is a decompression bomb, not a photo.
MAX_PIXELS = 80_000_000
# The public copy is for a phone screen; smaller files, and no full-resolution original published.
PUBLIC_MAX_EDGE = 2048
JPEG_QUALITY = 85
# The staff pages show a small JPEG of each photo, made once when it is stored.
THUMBNAIL_EDGE = 320


@dataclass
class CheckedPhoto:
    """An upload that passed the checks, with its public copy and thumbnail already encoded."""

    upload: object
    extension: str
    public_bytes: bytes
    thumbnail_bytes: bytes


def _not_an_image(name: str) -> ValidationError:
    return ValidationError(_("“%(name)s” is not a JPEG, PNG or WEBP image."), code="not_image", params={"name": name})


def check_photo(upload) -> CheckedPhoto:
    """Check one upload by its content (not its name) and prepare the public copy.

    Raises ``ValidationError`` for a file that is too large, not an image, of another format, or
    damaged.
    """
    name = getattr(upload, "name", "") or "?"
    limit = settings.PETITION_MAX_PHOTO_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s."),
            code="too_large",
            params={"name": name, "limit": filesizeformat(limit)},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ALLOWED_FORMATS:
                    raise _not_an_image(name)
                if width * height > MAX_PIXELS:
                    raise _not_an_image(name)
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                public_bytes = _public_copy(image, image_format)
                thumbnail_bytes = thumbnail(image)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise _not_an_image(name) from exc
    finally:
        upload.seek(0)
    return CheckedPhoto(
        upload=upload,
        extension=ALLOWED_FORMATS[image_format],
        public_bytes=public_bytes,
        thumbnail_bytes=thumbnail_bytes,
    )


def too_many(count: int) -> ValidationError:
    limit = settings.PETITION_MAX_PHOTOS
    return ValidationError(
        _("Choose at most %(limit)d photos (you chose %(count)d)."),
        code="too_many",
        params={"limit": limit, "count": count},
    )


def check_photos(uploads: Sequence, *, passed: list | None = None) -> list[CheckedPhoto]:
    """Check a whole selection: at most ``PETITION_MAX_PHOTOS``, each one an image. ``passed``
    collects the photos that passed even when others fail (a form keeps those)."""
    uploads = [u for u in uploads if u]
    if len(uploads) > settings.PETITION_MAX_PHOTOS:
        raise too_many(len(uploads))
    checked, errors = [] if passed is None else passed, []
    for upload in uploads:
        try:
            checked.append(check_photo(upload))
        except ValidationError as exc:
            errors.extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


def _public_copy(image: Image.Image, image_format: str) -> bytes:
    """Re-encode from the pixels alone: no EXIF, GPS, XMP, comments or other metadata survive."""
    # Apply the camera's orientation first, since the tag that carries it is about to be dropped.
    oriented = ImageOps.exif_transpose(image)
    has_alpha = oriented.mode in ("RGBA", "LA", "PA") or (oriented.mode == "P" and "transparency" in oriented.info)
    target_mode = "RGBA" if has_alpha and image_format != "JPEG" else "RGB"
    converted = oriented.convert(target_mode)
    converted.thumbnail((PUBLIC_MAX_EDGE, PUBLIC_MAX_EDGE))
    # A fresh image built from raw pixels carries an empty ``info`` dict: nothing to leak.
    clean = Image.frombytes(target_mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    elif image_format == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="WEBP", quality=JPEG_QUALITY)
    return out.getvalue()


def thumbnail(image: Image.Image) -> bytes:
    """A small JPEG of ``image`` for the staff pages (upright, no metadata)."""
    small = ImageOps.exif_transpose(image).convert("RGB")
    small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    clean = Image.frombytes("RGB", small.size, small.tobytes())
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=80)
    return out.getvalue()


# --- Photos kept while the rest of a form is corrected --------------------------------------------------
# A browser cannot put chosen files back into a file input. When a form comes back with an error, the
# photos that passed their checks are kept in storage under a random name and the page carries a
# signed reference to each (a checked box the person may untick): nothing is chosen twice. Kept
# photos not used within a day are removed by ``photos_sweep_held`` (beat).

HELD_DIR = "held"
HELD_SALT = "petitions.held-photo"
HELD_SECONDS = 24 * 3600


@dataclass(frozen=True)
class HeldPhoto:
    token: str
    name: str  # in storage
    label: str  # the file name the person chose, to show


def photos_hold(checked: Sequence[CheckedPhoto]) -> list[HeldPhoto]:
    """Keep ``checked`` photos until the form is sent again; returns their references."""
    held = []
    for photo in checked:
        photo.upload.seek(0)
        name = default_storage.save(f"{HELD_DIR}/{uuid.uuid4().hex}.{photo.extension}", File(photo.upload))
        label = (getattr(photo.upload, "name", "") or "")[-80:]
        token = signing.dumps({"name": name, "label": label}, salt=HELD_SALT)
        held.append(HeldPhoto(token, name, label))
    return held


def photos_held(tokens: Sequence[str]) -> list[HeldPhoto]:
    """The kept photos behind signed ``tokens``; an altered, expired or vanished one is an error."""
    found = []
    for token in tokens:
        try:
            data = signing.loads(token, salt=HELD_SALT, max_age=HELD_SECONDS)
            name, label = str(data["name"]), str(data["label"])
        except (signing.BadSignature, KeyError, TypeError):
            raise ValidationError(_("A kept photo has expired: choose it again."), code="held_expired") from None
        if not name.startswith(f"{HELD_DIR}/") or not default_storage.exists(name):
            raise ValidationError(_("A kept photo has expired: choose it again."), code="held_expired")
        found.append(HeldPhoto(token, name, label))
    return found


def photos_reopen(held: Sequence[HeldPhoto]) -> list[CheckedPhoto]:
    """Kept photos checked again (their public copy and thumbnail are made afresh)."""
    checked = []
    for photo in held:
        with default_storage.open(photo.name, "rb") as stored:
            upload = ContentFile(stored.read(), name=photo.label or photo.name)
        checked.append(check_photo(upload))
    return checked


def photos_release(held: Sequence[HeldPhoto]) -> None:
    """Remove kept photos once they are stored with their petition (after the commit)."""
    for photo in held:
        default_storage.delete(photo.name)


def photos_sweep_held(*, older_than: dt.timedelta = dt.timedelta(seconds=HELD_SECONDS)) -> int:
    """Remove kept photos nobody came back for; returns how many."""
    cutoff = timezone.now() - older_than
    try:
        _dirs, files = default_storage.listdir(HELD_DIR)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in files:
        path = f"{HELD_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed


@transaction.atomic
def photos_attach(*, petition: Petition, photos: Sequence[CheckedPhoto]) -> list[Photo]:
    """Store checked photos of ``petition``: the original, the public copy and the thumbnail, under
    random names (an uploaded file name may carry personal data and must not make files guessable)."""
    stored = []
    for checked in photos:
        stem = uuid.uuid4().hex
        photo = Photo(petition=petition)
        checked.upload.seek(0)
        photo.image.save(f"{stem}.{checked.extension}", File(checked.upload), save=False)
        photo.public_image.save(f"{stem}.{checked.extension}", ContentFile(checked.public_bytes), save=False)
        photo.thumbnail.save(f"{stem}.jpg", ContentFile(checked.thumbnail_bytes), save=False)
        photo.save()
        stored.append(photo)
    return stored


@transaction.atomic
def petition_file_with_photos(*, photos: Sequence[CheckedPhoto] = (), **fields) -> tuple[Petition, str]:
    """``services.petition_file`` and the photos in one transaction: both are saved, or neither."""
    from petitions import services

    petition, token = services.petition_file(**fields)
    photos_attach(petition=petition, photos=photos)
    return petition, token
