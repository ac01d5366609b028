"""The public media route: public copies of photos for everyone, nothing else for anyone."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.authz import Row, statuses

ROWS = {
    "public_media": Row(
        expect=statuses(200),
        inside=lambda world, principal: {"name": world.objects["public_media_name"]},
        outside=lambda world, principal: {"name": "petitions/2026/01/original.jpg"},
        outside_expect=statuses(404),
    ),
}


def build(world) -> None:
    world.objects["public_media_name"] = default_storage.save("petitions/public/matrix/test.txt", ContentFile(b"x"))
