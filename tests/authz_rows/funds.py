"""Matrix rows of the funds: public pages for everyone; fund managers (and the admin) manage the
funds in their region; panel members vote on the proposals of the panels they sit on, in their
region. Objects outside (another district) and next door (the neighbouring node) answer 404."""

from funds import services
from grids.roles import Role
from tests.authz import Row, statuses
from tests.funds import factories

MANAGERS = [Role.FUND_MANAGER, Role.ADMIN]


def _only(roles, ok: int = 200, anon: int = 302) -> dict[str, int]:
    table = statuses(404, anon=anon)
    table.update(dict.fromkeys((r.value for r in roles), ok))
    return table


def _fund_with_proposal(world, region):
    fund = factories.micro_fund(region=region)
    services.panel_member_add(user=None, fund=fund, member=world.users["panel_member"], represents="1号楼居民")
    proposal = services.proposal_create(user=None, fund=fund, amount_fen=10_000, recipient="楼道照明改造")
    return fund, proposal


def build(world) -> None:
    tree = world.tree
    world.objects["fund_in"], world.objects["proposal_in"] = _fund_with_proposal(world, tree.community_a)
    world.objects["fund_out"], world.objects["proposal_out"] = _fund_with_proposal(world, world.foreign.street)
    by_node = {}
    for name in (*world.users, "anon"):
        node = world.sibling_region(name)
        if node.pk not in by_node:
            by_node[node.pk] = _fund_with_proposal(world, node)
    world.objects["fund_sibling"] = {name: by_node[world.sibling_region(name).pk] for name in (*world.users, "anon")}


def _fund(key):
    return lambda world, principal: {"pk": world.objects[key].pk}


def _sibling_fund(world, principal):
    return {"pk": world.objects["fund_sibling"][principal][0].pk}


def _sibling_proposal(world, principal):
    return {"pk": world.objects["fund_sibling"][principal][1].pk}


ROWS = {
    "funds:public_list": Row(expect=statuses(200)),
    "funds:public_detail": Row(
        expect=statuses(200), inside=_fund("fund_in"), outside=_fund("fund_out"), outside_expect=statuses(200)
    ),
    "funds:manage_list": Row(expect=_only(MANAGERS)),
    # An empty form is shown again with its errors (400), nothing created.
    "funds:manage_new": Row(expect=_only(MANAGERS), also={"post": _only(MANAGERS, ok=400)}),
    "funds:manage_detail": Row(
        expect=_only(MANAGERS),
        inside=_fund("fund_in"),
        outside=_fund("fund_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_sibling_fund,
    ),
    "funds:manage_action": Row(
        method="post",
        expect=_only(MANAGERS, ok=400),
        inside=lambda world, principal: {"pk": world.objects["fund_in"].pk, "action": "receipt"},
        outside=lambda world, principal: {"pk": world.objects["fund_out"].pk, "action": "receipt"},
        outside_expect=statuses(404, anon=302),
        sibling=lambda world, principal: {"pk": world.objects["fund_sibling"][principal][0].pk, "action": "receipt"},
    ),
    # The public fund data through the API: readable by everyone, signed out too, in any region.
    "funds_api:fund_list": Row(expect=statuses(200)),
    "funds_api:fund_detail": Row(
        expect=statuses(200), inside=_fund("fund_in"), outside=_fund("fund_out"), outside_expect=statuses(200)
    ),
    "funds:panel": Row(expect=_only([Role.PANEL_MEMBER])),
    "funds:vote": Row(
        expect=_only([Role.PANEL_MEMBER]),
        also={"post": _only([Role.PANEL_MEMBER], ok=400)},
        inside=_fund("proposal_in"),
        outside=_fund("proposal_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_sibling_proposal,
    ),
}
