"""A resident's own petitions: their own items for them, nobody else's for anybody."""

from tests.authz import Row, statuses
from tests.petitions import factories


def build(world) -> None:
    resident = world.users["resident"]
    world.objects["petition_mine"] = factories.petition(region=world.tree.compound_a, reporter=resident)


ROWS = {
    "petitions:mine": Row(expect=statuses(200, anon=302)),
    "petitions:mine_detail": Row(
        expect=statuses(404, anon=302, resident=200),
        also={"post": statuses(404, anon=302, resident=200)},  # the evaluation form
        inside=lambda world, principal: {"code": world.objects["petition_mine"].tracking_code},
        outside=lambda world, principal: {"code": world.objects["petition_out"].tracking_code},
        outside_expect=statuses(404, anon=302),
    ),
}
