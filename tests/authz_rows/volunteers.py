"""Volunteers: residents register and sign up; coordinators and staff see the volunteers and
opportunities of their regions. Objects in a foreign district look exactly like missing ones."""

import datetime as dt
import io

from django.utils import timezone

from grids.roles import Role
from tests.authz import Row, statuses
from tests.grids import factories as grid_factories
from tests.volunteers import factories
from volunteers import services
from volunteers.models import OpportunityStatus, ServiceHours

VIEWERS = ("volunteer_coordinator", "community_staff", "street_staff", "district_staff", "admin")
MANAGERS = ("volunteer_coordinator", "admin")
COLLECTORS = ("grid_leader", "community_staff", "street_staff", "volunteer_coordinator", "admin")
VERIFIERS = ("community_staff", "street_staff", "admin")


def _only(roles, ok: int = 200, anon: int = 302, other: int = 404) -> dict[str, int]:
    table = statuses(other, anon=anon)
    table.update(dict.fromkeys(roles, ok))
    return table


def build(world) -> None:
    coordinator = world.users[Role.VOLUNTEER_COORDINATOR.value]
    resident = world.users[Role.RESIDENT.value]
    mine = factories.volunteer(region=world.tree.compound_a, account=resident)
    other = factories.volunteer(region=world.tree.community_a, actor=coordinator)
    world.objects["volunteer_in"] = other
    world.objects["volunteer_out"] = factories.volunteer(region=world.foreign.street, actor=coordinator)
    world.objects["organisation_in"] = services.organisation_create(
        user=coordinator, name="红帆志愿服务队", kind="organisation", region=world.tree.community_a
    )
    world.objects["organisation_out"] = services.organisation_create(
        user=coordinator, name="外区服务队", kind="studio", region=world.foreign.street
    )
    opportunity = factories.opportunity(region=world.tree.community_a, user=coordinator, places=20)
    world.objects["opportunity_in"] = opportunity
    world.objects["opportunity_out"] = factories.opportunity(region=world.foreign.street, user=coordinator)
    cancelled = factories.opportunity(region=world.tree.community_a, user=coordinator, start_in_hours=200)
    services.opportunity_set_status(user=coordinator, opportunity=cancelled, status=OpportunityStatus.CANCELLED)
    world.objects["opportunity_cancelled"] = cancelled
    later = factories.opportunity(region=world.tree.community_a, user=coordinator, start_in_hours=100)
    world.objects["signup_mine"] = services.signup_create(volunteer=mine, opportunity=later)
    world.objects["signup_other"] = services.signup_create(volunteer=other, opportunity=later)
    soon = factories.opportunity(region=world.tree.community_a, user=coordinator, start_in_hours=0.5, places=5)
    for key, person in (("entry_mine", mine), ("entry_other", other)):
        signup = services.signup_create(volunteer=person, opportunity=soon)
        entry = services.hours_check_in(volunteer=person, signup=signup)
        # Checked in an hour ago, so checking out now is a real check-out.
        ServiceHours.objects.filter(pk=entry.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
        world.objects[key] = entry
    for key, person, region in (
        ("certificate_mine", mine, world.tree.compound_a),
        ("certificate_out", world.objects["volunteer_out"], world.foreign.street),
    ):
        now = timezone.now()
        entry = services.hours_record(
            user=coordinator,
            volunteer=person,
            region=region,
            start=now - dt.timedelta(hours=3),
            end=now - dt.timedelta(hours=1),
        )
        services.hours_decide(user=coordinator, entries=[entry], approve=True)
        world.objects[key] = services.certificate_issue(user=coordinator, volunteer=person, issuer="")
    staff = world.users[Role.COMMUNITY_STAFF.value]

    def wish(region, publish=True):
        made = services.wish_submit(user=staff, title="台灯", region=region, pseudonym="小林", resident_name="林某")
        return services.wish_verify(user=staff, wish=made, accept=True) if publish else made

    world.objects["wish_in"] = wish(world.tree.grid_a)
    world.objects["wish_unverified"] = wish(world.tree.grid_a, publish=False)
    world.objects["wish_out"] = services.wish_submit(
        user=world.users[Role.ADMIN.value],
        title="风扇",
        region=world.foreign.street,
        pseudonym="老张",
        resident_name="张某",
    )
    world.objects["wish_mine"] = services.wish_claim(
        user=resident, wish=wish(world.tree.grid_a), kind="volunteer", label="V"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from petitions.photos import check_photo

    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, "PNG")
    with_photo = services.wish_claim(user=resident, wish=wish(world.tree.grid_a), kind="volunteer", label="V")
    world.objects["wish_photo_in"] = services.wish_fulfil(
        user=resident,
        wish=with_photo,
        proof="送到了",
        photo=check_photo(SimpleUploadedFile("a.png", picture.getvalue(), content_type="image/png")),
    )
    stranger = grid_factories.user(username="wish_stranger")
    world.objects["wish_theirs"] = services.wish_claim(
        user=stranger, wish=wish(world.tree.grid_a), kind="volunteer", label="S"
    )


def _volunteer(key):
    return lambda world, principal: {"number": world.objects[key].number}


def _code(key):
    return lambda world, principal: {"code": world.objects[key].code}


def _beside(kind):
    """An object of ``kind`` in the node right next to the principal's own (made once per node)."""

    def build(world, principal):
        region = world.sibling_region(principal)
        key = f"sibling_{kind}_{region.pk}"
        if key not in world.objects:
            admin = world.users[Role.ADMIN.value]
            if kind == "volunteer":
                world.objects[key] = factories.volunteer(region=region, actor=admin)
            elif kind == "opportunity":
                world.objects[key] = factories.opportunity(region=region, user=admin)
            elif kind == "organisation":
                world.objects[key] = services.organisation_create(
                    user=admin, name=f"服务队{region.pk}", kind="organisation", region=region
                )
            else:
                world.objects[key] = services.wish_submit(
                    user=admin, title="书包", region=region, pseudonym="小赵", resident_name="赵某"
                )
        found = world.objects[key]
        if kind in ("opportunity", "organisation"):
            return {"pk": found.pk}
        return {"number": found.number} if kind == "volunteer" else {"code": found.code}

    return build


def _code_number(key):
    return lambda world, principal: {"number": world.objects[key].number}


def _pk(key):
    return lambda world, principal: {"pk": world.objects[key].pk}


ROWS = {
    # Registering oneself: the form for everyone signed in; a registered volunteer is sent to their card.
    "volunteers:register": Row(
        expect=statuses(200, anon=302, resident=302),
        also={"post": statuses(400, anon=302, resident=302)},
    ),
    "volunteers:me": Row(expect=statuses(200, anon=302)),
    # One's own profile: the registered volunteer edits it (an empty form is refused); the others are
    # sent to register.
    "volunteers:me_edit": Row(expect=statuses(302, resident=200), also={"post": statuses(302, resident=400)}),
    "volunteers:opportunities": Row(expect=statuses(200, anon=302)),
    # An open opportunity is shown to everyone signed in; a POST signs a volunteer up (the others are
    # sent to register). A cancelled one does not exist for them.
    "volunteers:opportunity": Row(
        expect=statuses(200, anon=302),
        also={"post": statuses(302)},
        inside=_pk("opportunity_in"),
        outside=_pk("opportunity_cancelled"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:signup_cancel": Row(
        method="post",
        expect=statuses(404, anon=302, resident=302),
        inside=_pk("signup_mine"),
        outside=_pk("signup_other"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:list": Row(expect=_only(VIEWERS)),
    "volunteers:add": Row(expect=_only(MANAGERS), also={"post": _only(MANAGERS, ok=400)}),
    "volunteers:detail": Row(
        expect=_only(VIEWERS),
        inside=_volunteer("volunteer_in"),
        outside=_volunteer("volunteer_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_beside("volunteer"),
    ),
    "volunteers:reveal": Row(
        method="post",
        expect=_only(MANAGERS),
        inside=_volunteer("volunteer_in"),
        outside=_volunteer("volunteer_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_beside("volunteer"),
    ),
    "volunteers:staff_opportunities": Row(expect=_only(VIEWERS)),
    # ``multi`` publishes as the street staff it also is: an empty form is answered 400.
    "volunteers:opportunity_new": Row(expect=_only(VIEWERS), also={"post": {**_only(VIEWERS, ok=400), "multi": 400}}),
    # A POST naming no status is refused (400) to those who may publish there.
    "volunteers:opportunity_manage": Row(
        expect=_only(VIEWERS),
        also={"post": _only(VIEWERS, ok=400)},
        inside=_pk("opportunity_in"),
        outside=_pk("opportunity_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_beside("opportunity"),
    ),
    # Booking a suggested volunteer: an empty form names no volunteer (400) to those who may book.
    "volunteers:opportunity_invite": Row(
        method="post",
        expect=_only(MANAGERS, ok=400),
        inside=_pk("opportunity_in"),
        outside=_pk("opportunity_out"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:opportunity_fill": Row(method="post", expect=_only(MANAGERS, ok=302)),
    # The wish wall is public; a wish not yet verified is not on it.
    "volunteers:wall": Row(expect=statuses(200)),
    "volunteers:wish": Row(
        expect=statuses(200),
        inside=_code("wish_in"),
        outside=_code("wish_unverified"),
        outside_expect=statuses(404),
    ),
    "volunteers:wish_claim": Row(
        method="post",
        expect=statuses(400, anon=302),  # an empty claim says what is missing
        inside=_code("wish_in"),
        outside=_code("wish_unverified"),
        outside_expect=statuses(404, anon=302),
    ),
    # Only the claimant marks a wish fulfilled; an empty note is refused.
    "volunteers:wish_fulfil": Row(
        method="post",
        expect=statuses(404, anon=302, resident=400),
        inside=_code("wish_mine"),
        outside=_code("wish_theirs"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:wish_desk": Row(expect=_only(COLLECTORS)),
    "volunteers:wish_new": Row(expect=_only(COLLECTORS), also={"post": _only(COLLECTORS, ok=400)}),
    # Grid leaders and coordinators see the wishes of their regions; community and street staff also
    # verify and confirm them (a POST naming no step is refused with 400).
    "volunteers:wish_manage": Row(
        expect=_only(COLLECTORS),
        also={"post": _only(VERIFIERS, ok=400)},
        inside=_code("wish_in"),
        outside=_code("wish_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_beside("wish"),
    ),
    # Checking in for one's own sign-up: the one in the matrix is days away, so it is refused (400).
    "volunteers:check_in": Row(
        method="post",
        expect=statuses(404, anon=302, resident=400),
        inside=_pk("signup_mine"),
        outside=_pk("signup_other"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:check_out": Row(
        method="post",
        expect=statuses(404, anon=302, resident=302),
        inside=_pk("entry_mine"),
        outside=_pk("entry_other"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:hours_queue": Row(expect=_only(MANAGERS), also={"post": _only(MANAGERS, ok=400)}),
    # Issuing a certificate: the volunteer in the matrix has no approved hours, so the page says so (302).
    "volunteers:certificate_issue": Row(
        method="post",
        expect=_only(MANAGERS, ok=302),
        inside=_volunteer("volunteer_in"),
        outside=_volunteer("volunteer_out"),
        outside_expect=statuses(404, anon=302),
    ),
    # The PDF: the volunteer themself and coordinators of their region.
    "volunteers:certificate_pdf": Row(
        expect=_only(("resident", *MANAGERS)),
        inside=_code_number("certificate_mine"),
        outside=_code_number("certificate_out"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:verify": Row(expect=statuses(200)),
    "volunteers:hours_new": Row(expect=_only(MANAGERS), also={"post": _only(MANAGERS, ok=400)}),
    # Organisations and studios: seen by the volunteers' viewers of the region, changed by coordinators;
    # an empty form is refused (400) to those who may change it.
    "volunteers:organisations": Row(expect=_only(VIEWERS)),
    "volunteers:organisation_new": Row(expect=_only(MANAGERS), also={"post": _only(MANAGERS, ok=400)}),
    "volunteers:organisation": Row(
        expect=_only(VIEWERS),
        inside=_pk("organisation_in"),
        outside=_pk("organisation_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_beside("organisation"),
    ),
    "volunteers:organisation_member": Row(
        method="post",
        expect=_only(MANAGERS, ok=400),
        inside=_pk("organisation_in"),
        outside=_pk("organisation_out"),
        outside_expect=statuses(404, anon=302),
        sibling=_beside("organisation"),
    ),
    "volunteers:organisation_member_remove": Row(
        method="post",
        expect=_only(MANAGERS, ok=400),
        inside=_pk("organisation_in"),
        outside=_pk("organisation_out"),
        outside_expect=statuses(404, anon=302),
    ),
    "volunteers:organisation_policy": Row(
        method="post",
        expect=_only(MANAGERS, ok=400),
        inside=_pk("organisation_in"),
        outside=_pk("organisation_out"),
        outside_expect=statuses(404, anon=302),
    ),
    # The photo of a fulfilled wish: to the staff of its region, like the wish itself.
    "volunteers:wish_photo": Row(
        expect=_only(COLLECTORS),
        inside=_code("wish_photo_in"),
        outside=_code("wish_out"),
        outside_expect=statuses(404, anon=302),
    ),
}
