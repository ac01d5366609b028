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
    # The same kind of item in the node next to each principal's own (grid A2 for a grid leader,
    # community A2 for community staff, street B for street staff and handlers, another district for
    # district-wide roles): it must look exactly like an item that does not exist.
    by_node = {}
    for name in (*world.users, "anon"):
        node = world.sibling_region(name)
        if node.pk not in by_node:
            by_node[node.pk] = _route(node)
    world.objects["petition_sibling"] = {
        name: by_node[world.sibling_region(name).pk] for name in (*world.users, "anon")
    }


def _route(node):
    """File an item in ``node`` and route it to a unit of its own, as ``petition_in`` is routed."""
    from grids.models import Region
    from tests.grids import factories as grid_factories

    top = Region.objects.get(path=node.ancestor_paths()[0])
    staff = grid_factories.user(role="district_staff", region=top)
    unit = grid_factories.unit(regions=[node], name=f"相邻单位{node.pk}")
    item = factories.petition(region=node, phone="13912340003")
    return services.petition_triage(user=staff, petition=item, klass=Klass.GENERAL, unit=unit)


def sibling(world, principal):
    return {"pk": world.objects["petition_sibling"][principal].pk}
