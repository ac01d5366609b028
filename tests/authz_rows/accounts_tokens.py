"""Matrix rows for the API token pages (/accounts/tokens/): every role may hold tokens with the
scopes its role allows; someone without a role has no such pages; a token is its owner's only."""

from __future__ import annotations

from accounts import tokens
from tests.authz import ANON, NO_ROLE, Row, statuses
from tests.grids import factories

OWN_PAGES = statuses(200, anon=302, no_role=404)


def _own_token(world, principal):
    token = world.objects["api_tokens"].get(principal, world.objects["foreign_api_token"])
    return {"pk": token.pk}


def _foreign_token(world, principal):
    return {"pk": world.objects["foreign_api_token"].pk}


ROWS = {
    "accounts:tokens": Row(expect=OWN_PAGES),
    "accounts:token_create": Row(expect=OWN_PAGES, also={"post": OWN_PAGES}),  # an empty form comes back
    "accounts:token_revoke": Row(
        expect=statuses(302, no_role=404),  # revoked, back to the list
        inside=_own_token,
        outside=_foreign_token,
        outside_expect=statuses(404, anon=302),
        method="post",
    ),
}


def build(world) -> None:
    def issue(user):
        assignment = user.role_assignments.first()
        scope = tokens.allowed_scopes(assignment)[0]
        return tokens.api_token_create(assignment=assignment, name="matrix", scopes=[scope])[0]

    world.objects["api_tokens"] = {
        principal: issue(user) for principal, user in world.users.items() if principal not in (ANON, NO_ROLE)
    }
    stranger = factories.user(username="token_stranger", role="street_staff", region=world.foreign.street)
    world.objects["foreign_api_token"] = issue(stranger)
