"""Petitions every petitions matrix row can point at (``world.objects``)."""

from petitions import services
from petitions.models import Klass
from tests.petitions import factories

ROWS: dict = {}


def build(world) -> None:
    tree = world.tree
    inside = factories.petition(region=tree.grid_a, phone="13912340001")
    staff = world.users["street_staff"]
    inside = services.petition_triage(user=staff, petition=inside, klass=Klass.GENERAL, unit=tree.unit_a)
    outside = factories.petition(region=world.foreign.street, phone="13912340002")
    world.objects["petition_in"] = inside
    world.objects["petition_out"] = outside
